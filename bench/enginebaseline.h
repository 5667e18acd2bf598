#pragma once
// The bench_engine baseline, shared by the benchmarks that print their figures next to it (measured
// in the same process, so the machine's load of the moment affects both alike): 1 producer ->
// queue -> 4 consumers, manual acks, tracing to counters only.
#include "simulation.h"
#include "topology.h"
#include "trace.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace sbbench {

inline double now()
{
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// The "--messages N --repeat R" command line most benchmarks take; false (with the usage on
// stderr) on anything else or a value below 1.
inline bool messagesAndRepeat(int argc, char **argv, const char *name, std::uint64_t &messages, int &repeat)
{
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--messages" && i + 1 < argc)
            messages = std::strtoull(argv[++i], nullptr, 10);
        else if (a == "--repeat" && i + 1 < argc)
            repeat = std::atoi(argv[++i]);
        else {
            std::fprintf(stderr, "usage: %s [--messages N] [--repeat R]\n", name);
            return false;
        }
    }
    if (messages < 1 || repeat < 1) {
        std::fprintf(stderr, "%s: --messages and --repeat must be positive\n", name);
        return false;
    }
    return true;
}

inline double median(std::vector<double> v)
{
    std::sort(v.begin(), v.end());
    return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

inline sb::Topology workQueue(std::uint64_t messages)
{
    using sb::Json;
    sb::Topology t;
    t.name = "bench: producer -> queue -> 4 consumers";
    t.nodes.push_back({"producer", "producer", "producer", Json{{"rate", 100000}, {"count", messages}}, {}});
    t.nodes.push_back({"queue", "queue", "queue", Json::object(), {}});
    t.links.push_back({"publish", "producer", "out", "queue", "in", Json{{"latency", "10us"}}});
    for (int i = 1; i <= 4; ++i) {
        const std::string id = "consumer-" + std::to_string(i);
        t.nodes.push_back({id,
                           "consumer",
                           id,
                           Json{{"processing", "exp(30us)"}, {"prefetch", 10}, {"ackMode", "manual"}},
                           {}});
        t.links.push_back(
            {"deliver-" + std::to_string(i), "queue", "deliver", id, "in", Json{{"latency", "10us"}}});
    }
    return t;
}

struct EngineResult {
    double seconds;
    std::uint64_t events;      // engine steps
    std::uint64_t traceEvents; // what the sinks saw
    std::uint64_t processed;
    double rate() const { return static_cast<double>(events) / seconds; }
};

// Runs `t` as fast as possible with a CounterSink (and `extra` sinks) attached.
inline EngineResult runTopology(const sb::Topology &t, const std::vector<sb::TraceSink *> &extra = {})
{
    std::string error;
    auto sim = sb::Simulation::build(t, error);
    if (!sim) {
        std::fprintf(stderr, "bench: %s\n", error.c_str());
        std::exit(1);
    }
    sb::CounterSink counters(sim->nodeCount());
    sim->addSink(&counters);
    for (sb::TraceSink *s : extra)
        sim->addSink(s);
    const double t0 = now();
    sim->run(sb::RunOptions{});
    const double t1 = now();
    return {t1 - t0, sim->eventsProcessed(), counters.total(), counters.count(sb::TraceKind::Process)};
}

} // namespace sbbench
