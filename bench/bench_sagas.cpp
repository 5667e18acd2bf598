// Saga throughput benchmark (a program, not a timed test): an orchestrator starts sagas of 4 steps
// in bursts of 1,000 (so 1,000 sagas are in flight at once) over 4 idempotent services, each of
// which refuses 10% of its steps (the saga then compensates what it completed). Prints the
// engine's events/s on it next to the bench_engine baseline measured in the same process (medians
// of a few repetitions, and their ratio), then the same run with the saga checker attached.
//
//   bench_sagas [--sagas N] [--concurrent C] [--messages N] [--repeat R]
#include "enginebaseline.h"
#include "nodelabels.h"
#include "sagachecker.h"

#include <cstring>

using namespace sb;
using namespace sbbench;

namespace {

Topology sagaTopology(std::uint64_t sagas, std::uint64_t concurrent)
{
    Topology t;
    t.name = "bench: orchestrated sagas of 4 steps, 10% step failures";
    Json steps = Json::array();
    for (int i = 1; i <= 4; ++i) {
        const std::string k = std::to_string(i);
        steps.push_back({{"name", "step" + k},
                         {"service", "service-" + k},
                         {"command", "Do" + k},
                         {"compensation", "Undo" + k},
                         {"timeout", "1s"}});
    }
    // A burst of `concurrent` sagas every 20 ms: a saga takes about 4 x 0.25 ms plus its
    // compensations, so each burst is in flight together.
    const double rate = static_cast<double>(concurrent) / 0.020;
    t.nodes.push_back({"orchestrator",
                       "saga-orchestrator",
                       "orchestrator",
                       Json{{"rate", rate},
                            {"arrival", "bursts"},
                            {"burstSize", concurrent},
                            {"count", sagas},
                            {"keys", "uniform"},
                            {"keyCount", 100000},
                            {"amount", 1},
                            {"steps", steps}},
                       {}});
    for (int i = 1; i <= 4; ++i) {
        const std::string id = "service-" + std::to_string(i);
        t.nodes.push_back({id,
                           "saga-participant",
                           id,
                           Json{{"command", "Do" + std::to_string(i)},
                                {"compensation", "Undo" + std::to_string(i)},
                                {"initial", 1000000000},
                                {"processing", "50us"},
                                {"failure", "probability"},
                                {"failureProbability", 0.1}},
                           {}});
        t.links.push_back(
            {"to-" + id, "orchestrator", "participants", id, "commands", Json{{"latency", "50us"}}});
    }
    return t;
}

} // namespace

int main(int argc, char **argv)
{
    std::uint64_t sagas = 100000, concurrent = 1000, messages = 200000;
    int repeat = 5;
    for (int i = 1; i < argc; ++i) {
        if (!std::strcmp(argv[i], "--sagas") && i + 1 < argc)
            sagas = std::strtoull(argv[++i], nullptr, 10);
        else if (!std::strcmp(argv[i], "--concurrent") && i + 1 < argc)
            concurrent = std::strtoull(argv[++i], nullptr, 10);
        else if (!std::strcmp(argv[i], "--messages") && i + 1 < argc)
            messages = std::strtoull(argv[++i], nullptr, 10);
        else if (!std::strcmp(argv[i], "--repeat") && i + 1 < argc)
            repeat = std::atoi(argv[++i]);
        else {
            std::fprintf(stderr,
                         "usage: bench_sagas [--sagas N] [--concurrent C] [--messages N] [--repeat R]\n");
            return 2;
        }
    }
    if (sagas < 1 || concurrent < 1 || repeat < 1) {
        std::fprintf(stderr, "bench_sagas: --sagas, --concurrent and --repeat must be positive\n");
        return 2;
    }
    const Topology topology = sagaTopology(sagas, concurrent);
    std::vector<double> sagaRates, baseRates, ratios, checkedRates, checkedRatios;
    // Broken guarantees (must be none) and isolation anomalies (sagas sharing a customer, no lock).
    std::uint64_t begun = 0, completed = 0, compensated = 0, findings = 0, anomalies = 0;
    for (int r = 0; r < repeat; ++r) {
        const EngineResult base = runTopology(workQueue(messages));
        const EngineResult plain = runTopology(topology);
        SagaChecker checker(topology, nodeLabels(topology));
        struct Ends final : TraceSink {
            std::uint64_t begun = 0, completed = 0, compensated = 0;
            void onEvent(const TraceEvent &e) override
            {
                begun += e.kind == TraceKind::SagaBegin;
                completed += e.kind == TraceKind::SagaEnd && e.aux == 0;
                compensated += e.kind == TraceKind::SagaEnd && e.aux == 1;
            }
        } ends;
        const EngineResult checked = runTopology(topology, {&checker, &ends});
        begun = ends.begun;
        completed = ends.completed;
        compensated = ends.compensated;
        findings = anomalies = 0;
        for (const auto &c : checker.checks())
            (c.check == "dirty-reads" || c.check == "lost-updates" ? anomalies : findings) += c.count;
        sagaRates.push_back(plain.rate());
        baseRates.push_back(base.rate());
        ratios.push_back(plain.rate() / base.rate());
        checkedRates.push_back(checked.rate());
        checkedRatios.push_back(checked.rate() / plain.rate());
        std::printf(
            "run %d: sagas %.3fs for %llu engine events (%.2fM events/s, %llu trace events); baseline "
            "%.3fs (%.2fM events/s); sagas with the saga checker %.2fM events/s\n",
            r + 1, plain.seconds, static_cast<unsigned long long>(plain.events), plain.rate() / 1e6,
            static_cast<unsigned long long>(plain.traceEvents), base.seconds, base.rate() / 1e6,
            checked.rate() / 1e6);
    }
    if (begun != sagas || completed + compensated != sagas || findings != 0) {
        std::fprintf(
            stderr,
            "bench_sagas: %llu sagas began, %llu completed, %llu compensated, %llu broken guarantees "
            "(expected %llu sagas, all ended, none broken)\n",
            static_cast<unsigned long long>(begun), static_cast<unsigned long long>(completed),
            static_cast<unsigned long long>(compensated), static_cast<unsigned long long>(findings),
            static_cast<unsigned long long>(sagas));
        return 1;
    }
    std::printf(
        "\nsagas (%llu orchestrated sagas of 4 steps, %llu at once, 10%% step failures): %llu completed, "
        "%llu compensated, no guarantee broken, %llu isolation anomalies (sagas sharing a customer)\n",
        static_cast<unsigned long long>(sagas), static_cast<unsigned long long>(concurrent),
        static_cast<unsigned long long>(completed), static_cast<unsigned long long>(compensated),
        static_cast<unsigned long long>(anomalies));
    std::printf("sagas engine:                   median %.2fM events/s\n", median(sagaRates) / 1e6);
    std::printf("baseline (bench_engine):        median %.2fM events/s\n", median(baseRates) / 1e6);
    std::printf("sagas / baseline:               median %.2f\n", median(ratios));
    std::printf("sagas with the saga checker:    median %.2fM events/s (%.2f of without)\n",
                median(checkedRates) / 1e6, median(checkedRatios));
    return 0;
}
