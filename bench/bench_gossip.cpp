// Gossip benchmark (a program, not a timed test): push-pull rumour mongering on a Watts-Strogatz
// overlay of 10,000 peers (k = 3, beta = 0.1, fanout 1, counter rule), a few peers originating
// items. Prints the time to generate and lay out the overlay, the engine's events/s on the run
// (next to the bench_engine baseline measured in the same process), the coverage reached, and the
// peak resident set size of the run (VmHWM). Each repetition also runs with the live charts' series
// sink attached (TimeSeriesSink, as the window runs it: per-node figures and each item's coverage)
// and prints its events/s and the ratio to the run without.
//
//   bench_gossip [--peers N] [--items I] [--repeat R] [--messages M]
#include "enginebaseline.h"
#include "nodelabels.h"
#include "nodes/p2p/overlay.h"
#include "p2pchecker.h"
#include "timeseries.h"

#include <atomic>
#include <chrono>
#include <cstring>
#include <fstream>
#include <thread>

using namespace sb;
using namespace sbbench;

namespace {

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

void resetPeak()
{
    std::ofstream("/proc/self/clear_refs") << "5";
}

Topology gossipTopology(int peers, int items, double &generateSeconds)
{
    OverlayParams p;
    p.shape = OverlayShape::WattsStrogatz;
    p.n = peers;
    p.k = 3;
    p.beta = 0.1;
    p.seed = 1;
    p.layout = OverlayLayout::ForceDirected;
    std::string error;
    const double t0 = now();
    auto overlay = generateOverlay(p, error);
    generateSeconds = now() - t0;
    if (!overlay) {
        std::fprintf(stderr, "bench_gossip: %s\n", error.c_str());
        std::exit(1);
    }
    const Json j = overlayTopologyJson(*overlay, Json{{"dissemination", "gossip"},
                                                      {"gossip", "push-pull"},
                                                      {"fanout", 1},
                                                      {"rounds", 20},
                                                      {"roundPeriod", "100ms"}});
    Topology t;
    t.name = "bench: push-pull gossip on a Watts-Strogatz overlay";
    for (const auto &n : j["nodes"]) {
        NodeDef d{n["id"].get<std::string>(), "peer", n["id"].get<std::string>(), n["properties"], {}};
        d.position = {n["position"]["x"].get<double>(), n["position"]["y"].get<double>()};
        t.nodes.push_back(std::move(d));
    }
    // Originators spread over the overlay, one item each, 50 ms apart.
    for (int i = 0; i < items; ++i) {
        auto &props = t.nodes[static_cast<std::size_t>(i) * peers / items].properties;
        props["originate"] = 1;
        props["originateAt"] = 50 * i;
    }
    for (const auto &l : j["links"])
        t.links.push_back({l["id"].get<std::string>(), l["from"].get<std::string>(), "out",
                           l["to"].get<std::string>(), "in", Json{{"latency", "uniform(5ms,50ms)"}}});
    return t;
}

} // namespace

int main(int argc, char **argv)
{
    int peers = 10000, items = 4, repeat = 3;
    std::uint64_t messages = 200000;
    for (int i = 1; i < argc; ++i) {
        if (!std::strcmp(argv[i], "--peers") && i + 1 < argc)
            peers = std::atoi(argv[++i]);
        else if (!std::strcmp(argv[i], "--items") && i + 1 < argc)
            items = std::atoi(argv[++i]);
        else if (!std::strcmp(argv[i], "--repeat") && i + 1 < argc)
            repeat = std::atoi(argv[++i]);
        else if (!std::strcmp(argv[i], "--messages") && i + 1 < argc)
            messages = std::strtoull(argv[++i], nullptr, 10);
        else {
            std::fprintf(stderr, "usage: bench_gossip [--peers N] [--items I] [--repeat R] [--messages M]\n");
            return 2;
        }
    }
    if (peers < 8 || items < 1 || items > peers || repeat < 1) {
        std::fprintf(stderr, "bench_gossip: --peers >= 8, 1 <= --items <= peers, --repeat >= 1\n");
        return 2;
    }
    double generateSeconds = 0;
    const Topology topology = gossipTopology(peers, items, generateSeconds);
    std::printf("overlay: %d peers, %zu links, generated and laid out (force-directed) in %.3f s\n", peers,
                topology.links.size(), generateSeconds);
    std::vector<double> rates, baseRates, ratios, seriesRatios;
    std::size_t seriesKeys = 0;
    double peakMb = 0, coverage = 0, to100 = 0;
    for (int r = 0; r < repeat; ++r) {
        const EngineResult base = runTopology(workQueue(messages));
        resetPeak();
        const long before = statusKb("VmRSS");
        P2PChecker checker(topology, nodeLabels(topology));
        const EngineResult run = runTopology(topology, {&checker});
        const long peak = statusKb("VmHWM");
        peakMb = static_cast<double>(peak) / 1024.0;
        const P2PReport rep = checker.report();
        coverage = rep.meanCoverage;
        to100 = 0;
        for (const auto &i : rep.items)
            to100 = std::max(to100, i.to100 == kNever ? -1.0 : toMilliseconds(i.to100));
        TimeSeriesSink series(topology);
        // The window takes what the sink published at frame rate (every 50 ms at most).
        std::atomic<bool> done{false};
        std::thread taker([&] {
            while (!done) {
                series.take();
                std::this_thread::sleep_for(std::chrono::milliseconds(50));
            }
        });
        const EngineResult charted = runTopology(topology, {&series});
        done = true;
        taker.join();
        series.flush();
        seriesKeys = series.itemKeys().size();
        seriesRatios.push_back(charted.rate() / run.rate());
        std::printf("run %d with the live charts' series sink: %.2fM events/s (%.2f of the run without)\n",
                    r + 1, charted.rate() / 1e6, charted.rate() / run.rate());
        rates.push_back(run.rate());
        baseRates.push_back(base.rate());
        ratios.push_back(run.rate() / base.rate());
        std::printf(
            "run %d: %.3f s for %llu engine events (%.2fM events/s, %llu trace events), %.1f messages/peer; "
            "peak RSS %.1f MB (%.1f MB before); baseline %.2fM events/s\n",
            r + 1, run.seconds, static_cast<unsigned long long>(run.events), run.rate() / 1e6,
            static_cast<unsigned long long>(run.traceEvents), rep.messagesPerPeer, peakMb,
            static_cast<double>(before) / 1024.0, base.rate() / 1e6);
    }
    std::printf(
        "\ngossip (%d peers, push-pull, fanout 1, %d items): mean coverage %.4f, slowest item to 100%%: %s\n",
        peers, items, coverage, to100 < 0 ? "never" : (std::to_string(to100 / 1000) + " s").c_str());
    std::printf("gossip engine:            median %.2fM events/s\n", median(rates) / 1e6);
    std::printf("baseline (bench_engine):  median %.2fM events/s\n", median(baseRates) / 1e6);
    std::printf("gossip / baseline:        median %.2f\n", median(ratios));
    std::printf("peak RSS of a run:        %.1f MB\n", peakMb);
    std::printf("with live charts / without: median %.2f (%zu coverage series)\n", median(seriesRatios),
                seriesKeys);
    return coverage > 0.99 ? 0 : 1;
}
