// Sequence-order benchmark (a program, not a timed test). Runs the clock-skew example's shape at
// scale (producer -> queue -> consumer whose clock is 50 ms behind) and prints: the ClockChecker's
// overhead on the run, and how long SequenceProjection::rebuild takes to re-place the whole
// history in each order (what the Sequence dock does at each batch in an order other than true
// time).
//
//   bench_sequenceorder [--messages N]
#include "clockchecker.h"
#include "sequencehistory.h"
#include "sequenceprojection.h"
#include "simulation.h"
#include "topology.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>

using namespace sb;

namespace {

double now()
{
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

Topology skewed(std::uint64_t messages)
{
    Topology t;
    t.nodes.push_back({"shop", "producer", "shop", Json{{"rate", 100000}, {"count", messages}}, {}});
    t.nodes.push_back({"orders", "queue", "orders", Json::object(), {}});
    t.nodes.push_back({"billing", "consumer", "billing", Json{{"processing", "5us"}, {"prefetch", 10}}, {}});
    t.nodes.back().clock = Json{{"offset", -50}, {"drift", 200}};
    t.links.push_back({"publish", "shop", "out", "orders", "in", Json{{"latency", "10us"}}});
    t.links.push_back({"deliver", "orders", "deliver", "billing", "in", Json{{"latency", "10us"}}});
    return t;
}

struct Keep final : TraceSink {
    std::vector<TraceEvent> events;
    void onEvent(const TraceEvent &e) override { events.push_back(e); }
};

} // namespace

int main(int argc, char **argv)
{
    std::uint64_t messages = 100000;
    for (int i = 1; i + 1 < argc; ++i)
        if (!std::strcmp(argv[i], "--messages")) messages = std::strtoull(argv[++i], nullptr, 10);
    const Topology t = skewed(messages);
    double plain = 0, checked = 0;
    Keep keep;
    ClockAnomalies anomalies;
    // A run with no sink, one with the checker, one keeping the events for the projections.
    for (int pass = 0; pass < 3; ++pass) {
        std::string error;
        auto sim = Simulation::build(t, error);
        if (!sim) {
            std::fprintf(stderr, "build: %s\n", error.c_str());
            return 1;
        }
        ClockChecker checker(nodeClocks(t));
        if (pass == 1) sim->addSink(&checker);
        if (pass == 2) sim->addSink(&keep);
        const double start = now();
        sim->run(RunOptions{});
        if (pass == 0) plain = now() - start;
        if (pass == 1) {
            checked = now() - start;
            checker.finish(sim->now());
            anomalies = checker.anomalies();
        }
    }
    std::printf("run of %llu messages (%zu trace events): %.3f s; with the clock checker %.3f s "
                "(%llu of %llu frames contradicting)\n",
                (unsigned long long)messages, keep.events.size(), plain, checked,
                (unsigned long long)anomalies.contradicting, (unsigned long long)anomalies.received);
    SequenceHistory history(keep.events.size() + 2);
    history.append(keep.events);
    const auto clocks = nodeClocks(t);
    for (SequenceOrder order : {SequenceOrder::Local, SequenceOrder::Lamport, SequenceOrder::Vector}) {
        SequenceProjection projection;
        const double start = now();
        projection.rebuild(history, order, clocks);
        std::printf("re-place %zu events by %s: %.1f ms\n", history.size(), sequenceOrderName(order),
                    (now() - start) * 1000);
    }
    return 0;
}
