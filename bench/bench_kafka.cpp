// Kafka throughput benchmark (a program, not a timed test): a producer with acks=all (idempotent,
// linger.ms 5) writes keyed records to a 12-partition topic on 3 brokers with replication factor
// 3 and min.insync.replicas 2, read by a 4-member consumer group. Prints the engine's events/s on
// it next to the bench_engine baseline measured in the same process (medians of a few repetitions,
// and their ratio), then the same run with the group checker and the log metrics attached.
//
//   bench_kafka [--records N] [--rate R] [--messages N] [--repeat R]
#include "checker.h"
#include "enginebaseline.h"
#include "groupchecker.h"
#include "logmetrics.h"
#include "nodelabels.h"

#include <cstring>

using namespace sb;
using namespace sbbench;

namespace {

Topology kafkaPipeline(std::uint64_t records, double rate)
{
    Topology t;
    t.name = "bench: producer -> 12-partition topic (RF 3, acks=all) -> 4-member group";
    t.nodes.push_back(
        {"producer",
         "kafka-producer",
         "producer",
         Json{{"rate", rate}, {"count", records}, {"keys", "uniform"}, {"keyCount", 1000}, {"size", 200}},
         {}});
    t.nodes.push_back({"orders",
                       "kafka-topic",
                       "orders",
                       Json{{"partitions", 12},
                            {"brokers", 3},
                            {"replicationFactor", 3},
                            {"minInsyncReplicas", 2},
                            {"replicationLatency", "1ms"}},
                       {}});
    t.links.push_back({"produce", "producer", "out", "orders", "produce", Json{{"latency", "100us"}}});
    for (int i = 1; i <= 4; ++i) {
        const std::string id = "member-" + std::to_string(i);
        t.nodes.push_back(
            {id,
             "kafka-consumer",
             id,
             Json{{"groupId", "bench"}, {"autoOffsetReset", "earliest"}, {"processingTime", "20us"}},
             {}});
        t.links.push_back(
            {"fetch-" + std::to_string(i), "orders", "consumers", id, "topic", Json{{"latency", "100us"}}});
    }
    return t;
}

EngineResult runFor(const Topology &t, SimTime until, const std::vector<TraceSink *> &extra = {})
{
    std::string error;
    auto sim = Simulation::build(t, error);
    if (!sim) {
        std::fprintf(stderr, "bench_kafka: %s\n", error.c_str());
        std::exit(1);
    }
    CounterSink counters(sim->nodeCount());
    sim->addSink(&counters);
    for (TraceSink *s : extra)
        sim->addSink(s);
    RunOptions o;
    o.until = until;
    const double t0 = now();
    sim->run(o);
    const double t1 = now();
    return {t1 - t0, sim->eventsProcessed(), counters.total(), counters.count(TraceKind::Process)};
}

} // namespace

int main(int argc, char **argv)
{
    std::uint64_t records = 100000, messages = 200000;
    double rate = 20000;
    int repeat = 5;
    for (int i = 1; i < argc; ++i) {
        if (!std::strcmp(argv[i], "--records") && i + 1 < argc)
            records = std::strtoull(argv[++i], nullptr, 10);
        else if (!std::strcmp(argv[i], "--rate") && i + 1 < argc)
            rate = std::atof(argv[++i]);
        else if (!std::strcmp(argv[i], "--messages") && i + 1 < argc)
            messages = std::strtoull(argv[++i], nullptr, 10);
        else if (!std::strcmp(argv[i], "--repeat") && i + 1 < argc)
            repeat = std::atoi(argv[++i]);
        else {
            std::fprintf(stderr, "usage: bench_kafka [--records N] [--rate R] [--messages N] [--repeat R]\n");
            return 2;
        }
    }
    if (records < 1 || rate <= 0 || repeat < 1) {
        std::fprintf(stderr, "bench_kafka: --records, --rate and --repeat must be positive\n");
        return 2;
    }
    const Topology pipeline = kafkaPipeline(records, rate);
    // The producer's last record, then time for the group to read it (virtual time).
    const SimTime until = timeFromNanoseconds(static_cast<double>(records) / rate * 1e9) + 10 * kSecond;
    std::vector<double> kafkaRates, baseRates, ratios, checkedRates, checkedRatios;
    EngineResult kafka{};
    std::uint64_t processed = 0, lost = 0, duplicates = 0;
    for (int r = 0; r < repeat; ++r) {
        const EngineResult base = runTopology(workQueue(messages));
        kafka = runFor(pipeline, until);
        GroupChecker groups(nodeLabels(pipeline),
                            DeliveryChecker::nodesWithRole(pipeline, DeliveryRole::Log));
        LogMetrics logs(pipeline);
        const EngineResult checked = runFor(pipeline, until, {&groups, &logs});
        const auto reports = groups.reports({"bench"});
        processed = reports.empty() ? 0 : reports[0].processed;
        lost = reports.empty() ? 0 : reports[0].lost;
        duplicates = reports.empty() ? 0 : reports[0].duplicates;
        kafkaRates.push_back(kafka.rate());
        baseRates.push_back(base.rate());
        ratios.push_back(kafka.rate() / base.rate());
        checkedRates.push_back(checked.rate());
        checkedRatios.push_back(checked.rate() / kafka.rate());
        std::printf(
            "run %d: kafka %.3fs for %llu engine events (%.2fM events/s, %llu trace events); baseline "
            "%.3fs (%.2fM events/s); kafka with the group checker and log metrics %.2fM events/s\n",
            r + 1, kafka.seconds, static_cast<unsigned long long>(kafka.events), kafka.rate() / 1e6,
            static_cast<unsigned long long>(kafka.traceEvents), base.seconds, base.rate() / 1e6,
            checked.rate() / 1e6);
    }
    if (processed != records) {
        std::fprintf(stderr, "bench_kafka: expected the group to process %llu records, it processed %llu\n",
                     static_cast<unsigned long long>(records), static_cast<unsigned long long>(processed));
        return 1;
    }
    std::printf(
        "\nkafka (1 producer acks=all -> 12 partitions, 3 brokers, RF 3, min ISR 2 -> 4-member group): "
        "%llu records processed, %llu lost, %llu duplicates\n",
        static_cast<unsigned long long>(processed), static_cast<unsigned long long>(lost),
        static_cast<unsigned long long>(duplicates));
    std::printf("kafka engine:                                 median %.2fM events/s, %.0fk records/s\n",
                median(kafkaRates) / 1e6,
                median(kafkaRates) * static_cast<double>(records) / static_cast<double>(kafka.events) / 1e3);
    std::printf("bench_engine baseline (same process and run): median %.2fM events/s\n",
                median(baseRates) / 1e6);
    std::printf("ratio kafka/baseline: median %.2f\n", median(ratios));
    std::printf(
        "kafka with the group checker and log metrics: median %.2fM events/s (ratio with/without: %.2f)\n",
        median(checkedRates) / 1e6, median(checkedRatios));
    return 0;
}
