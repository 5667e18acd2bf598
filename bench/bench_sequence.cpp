// Sequence-export benchmark (a program, not a timed test).
// Runs 1 producer -> queue -> 4 consumers (manual acks) with counters only, then with a
// SequenceRecorder at the default arrow cap, then with an uncapped one whose Mermaid and ShiViz
// text is written to memory, and prints the medians: run time, the recorder's overhead, what it
// kept and the size of the text.
//
//   bench_sequence [--messages N] [--repeat R]
#include "enginebaseline.h"
#include "sequence.h"
#include "simulation.h"
#include "topology.h"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <sstream>
#include <string>
#include <vector>

using namespace sb;

namespace {

double now()
{
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

Topology workQueue(std::uint64_t messages)
{
    Topology t;
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

enum class Mode { Counters, Capped, Everything };

struct Result {
    double runSeconds = 0, writeSeconds = 0;
    std::uint64_t traceEvents = 0;
    std::size_t items = 0, arrows = 0;
    std::size_t mermaidBytes = 0, shivizBytes = 0;
};

Result runOnce(std::uint64_t messages, Mode mode)
{
    std::string error;
    auto sim = Simulation::build(workQueue(messages), error);
    if (!sim) {
        std::fprintf(stderr, "bench: %s\n", error.c_str());
        std::exit(1);
    }
    CounterSink counters(sim->nodeCount());
    sim->addSink(&counters);
    SequenceOptions options;
    if (mode == Mode::Everything) options.maxArrows = SIZE_MAX / 8;
    SequenceRecorder recorder(sim->nodeIds(), sim->linkIds(), options);
    if (mode != Mode::Counters) sim->addSink(&recorder);
    Result r;
    const double t0 = now();
    sim->run(RunOptions{});
    recorder.finish(sim->now());
    const double t1 = now();
    r.runSeconds = t1 - t0;
    r.traceEvents = counters.total();
    r.items = recorder.items().size();
    r.arrows = recorder.arrows();
    if (mode != Mode::Counters) {
        const double w0 = now();
        r.mermaidBytes = sequenceText(recorder, SequenceFormat::Mermaid).size();
        r.shivizBytes = sequenceText(recorder, SequenceFormat::ShiViz).size();
        r.writeSeconds = now() - w0;
    }
    return r;
}

double median(std::vector<double> v)
{
    std::sort(v.begin(), v.end());
    return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

} // namespace

int main(int argc, char **argv)
{
    std::uint64_t messages = 100000;
    int repeat = 5;
    if (!sbbench::messagesAndRepeat(argc, argv, "bench_sequence", messages, repeat)) return 2;
    const struct {
        Mode mode;
        const char *name;
    } modes[] = {{Mode::Counters, "counters only"},
                 {Mode::Capped, "recorder, default cap (500 arrows)"},
                 {Mode::Everything, "recorder, uncapped"}};
    double base = 0;
    for (const auto &m : modes) {
        std::vector<double> run, write;
        Result last;
        for (int r = 0; r < repeat; ++r) {
            last = runOnce(messages, m.mode);
            run.push_back(last.runSeconds);
            write.push_back(last.writeSeconds);
        }
        const double t = median(run);
        if (m.mode == Mode::Counters) base = t;
        std::printf("%-36s run median %.3fs (%.2fM trace events/s, %+.1f%% vs counters only)", m.name, t,
                    static_cast<double>(last.traceEvents) / t / 1e6, (t / base - 1) * 100);
        if (m.mode != Mode::Counters)
            std::printf(
                "; kept %zu items (%zu arrows, %.1f MB); Mermaid %.1f MB + ShiViz %.1f MB written in %.3fs",
                last.items, last.arrows, static_cast<double>(last.items * sizeof(SequenceItem)) / (1 << 20),
                static_cast<double>(last.mermaidBytes) / (1 << 20),
                static_cast<double>(last.shivizBytes) / (1 << 20), median(write));
        std::printf("\n");
    }
    return 0;
}
