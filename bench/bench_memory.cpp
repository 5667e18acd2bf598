// Memory of a long run (a program, not a timed test).
// Runs N messages through producer -> queue -> consumer with what `signalbox-cli run` attaches
// (the delivery checker and the metrics), and prints the peak resident set size (VmHWM), the
// messages the checker still tracks, and events per second. Two variants: a plain at-least-once
// chain on a perfect network, and a lossy at-least-once one (publisher confirms and retries, ack
// timeouts and redeliveries, links that lose and duplicate frames) whose duplicates the checker
// has to count. Target: at most 300 MB for 10 million messages, whatever the variant.
//
//   bench_memory [--messages N] [--variant plain|lossy|both] [--no-folding]
// (--no-folding keeps every message tracked, as the checker did before it folded: for comparison.)
#include "checker.h"
#include "metrics.h"
#include "simulation.h"
#include "topology.h"
#include "trace.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>

using namespace sb;

namespace {

double now()
{
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// A field of /proc/self/status in kB ("VmHWM", "VmRSS"), or -1.
long statusKb(const char *field)
{
    std::ifstream f("/proc/self/status");
    std::string line;
    const std::size_t n = std::strlen(field);
    while (std::getline(f, line))
        if (line.compare(0, n, field) == 0 && line.size() > n && line[n] == ':')
            return std::strtol(line.c_str() + n + 1, nullptr, 10);
    return -1;
}

// Resets the peak to the current RSS, so each variant reports its own peak (Linux 4.0+).
void resetPeak()
{
    std::ofstream("/proc/self/clear_refs") << "5";
}

Topology chain(std::uint64_t messages, bool lossy)
{
    Topology t;
    t.name = lossy ? "bench: lossy at-least-once chain" : "bench: at-least-once chain";
    Json producer = {{"rate", 100000}, {"count", messages}};
    Json queue = Json::object();
    Json link = {{"latency", "uniform(50us,150us)"}};
    if (lossy) {
        producer.update({{"sendMode", "confirmed"},
                         {"confirmTimeout", 5},
                         {"retries", 50},
                         {"retryBackoff", 1},
                         {"maxInFlight", 2000}});
        queue["ackTimeout"] = 10;
        link.update({{"loss", 0.01}, {"duplicate", 0.005}});
    }
    t.nodes.push_back({"producer", "producer", "producer", producer, {}});
    t.nodes.push_back({"queue", "queue", "queue", queue, {}});
    t.nodes.push_back({"consumer",
                       "consumer",
                       "consumer",
                       Json{{"processing", "exp(4us)"}, {"prefetch", 500}, {"ackMode", "manual"}},
                       {}});
    t.links.push_back({"publish", "producer", "out", "queue", "in", link});
    t.links.push_back({"deliver", "queue", "deliver", "consumer", "in", link});
    t.run.seed = 1;
    return t;
}

bool runVariant(std::uint64_t messages, bool lossy, bool folding)
{
    const Topology t = chain(messages, lossy);
    std::string error;
    auto sim = Simulation::build(t, error);
    if (!sim) {
        std::fprintf(stderr, "bench: %s\n", error.c_str());
        return false;
    }
    Metrics metrics(sim->nodeCount(), sim->linkCount());
    DeliveryChecker checker({false, true, false});
    checker.setFolding(folding);
    sim->addSink(&metrics);
    sim->addSink(&checker);
    resetPeak();
    const long before = statusKb("VmRSS");
    const double t0 = now();
    const StopReason reason = sim->run(RunOptions{});
    const double seconds = now() - t0;
    const long peak = statusKb("VmHWM");
    const DeliveryReport r = checker.report();
    const double peakMb = static_cast<double>(peak) / 1024.0;
    std::printf("%s: %llu messages, ended %s after %.1fs virtual\n", t.name.c_str(),
                static_cast<unsigned long long>(messages), stopReasonName(reason),
                static_cast<double>(sim->now()) / 1e9);
    std::printf("  %.2fs wall, %.2fM trace events/s (%llu trace events, %llu engine steps)\n", seconds,
                static_cast<double>(metrics.traceEvents()) / seconds / 1e6,
                static_cast<unsigned long long>(metrics.traceEvents()),
                static_cast<unsigned long long>(sim->eventsProcessed()));
    std::printf("  checker: %llu processed, %llu duplicates, %llu lost, %llu pending, %llu out of order; "
                "%zu messages still tracked, %zu ranges of finished ids\n",
                static_cast<unsigned long long>(r.processed), static_cast<unsigned long long>(r.duplicates),
                static_cast<unsigned long long>(r.lost), static_cast<unsigned long long>(r.pending),
                static_cast<unsigned long long>(r.outOfOrder), checker.trackedMessages(),
                checker.finishedRanges());
    std::printf("  peak RSS %.1f MB (%.1f MB before the run); target <= 300 MB: %s\n\n", peakMb,
                static_cast<double>(before) / 1024.0, peakMb <= 300 ? "MET" : "NOT MET");
    if (r.processed != messages) {
        std::fprintf(stderr, "bench: expected %llu messages processed, got %llu\n",
                     static_cast<unsigned long long>(messages), static_cast<unsigned long long>(r.processed));
        return false;
    }
    return true;
}

} // namespace

int main(int argc, char **argv)
{
    std::uint64_t messages = 10'000'000;
    std::string variant = "both";
    bool folding = true;
    for (int i = 1; i < argc; ++i) {
        if (!std::strcmp(argv[i], "--messages") && i + 1 < argc)
            messages = std::strtoull(argv[++i], nullptr, 10);
        else if (!std::strcmp(argv[i], "--variant") && i + 1 < argc)
            variant = argv[++i];
        else if (!std::strcmp(argv[i], "--no-folding"))
            folding = false;
        else {
            std::fprintf(stderr,
                         "usage: bench_memory [--messages N] [--variant plain|lossy|both] [--no-folding]\n");
            return 2;
        }
    }
    if (variant != "plain" && variant != "lossy" && variant != "both") {
        std::fprintf(stderr, "bench_memory: --variant: '%s' is not plain, lossy or both\n", variant.c_str());
        return 2;
    }
    bool ok = true;
    if (variant != "lossy") ok = runVariant(messages, false, folding) && ok;
    if (variant != "plain") ok = runVariant(messages, true, folding) && ok;
    return ok ? 0 : 1;
}
