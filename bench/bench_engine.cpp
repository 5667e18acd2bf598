// Engine throughput benchmark (a program, not a timed test).
// Runs 1 producer -> queue -> 4 consumers (manual acks, tracing to counters only) on the
// virtual-time engine, then a bare binary-heap event loop that pushes and pops the same number of
// events with the same heap operations, and prints events/s of both and their ratio. Each is run
// several times; medians are reported because these machines are noisy.
//
//   bench_engine [--messages N] [--repeat R]
#include "enginebaseline.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

using namespace sb;
using namespace sbbench;

namespace {

// The same topology with a fault plan active all run long: a fault of most kinds on every link
// and node, repeating ones among them, none of which loses a message for good.
Topology withFaultPlan(Topology t)
{
    auto add = [&t](const std::string &id, const std::string &kind, const std::string &target, Json params,
                    std::optional<SimTime> duration = {}, std::optional<SimTime> every = {}) {
        FaultDef f;
        f.id = id;
        f.kind = kind;
        f.target = target;
        f.params = std::move(params);
        f.duration = duration;
        f.every = every;
        t.faults.push_back(std::move(f));
    };
    add("lat", "latency", "publish", Json{{"extra", "uniform(1us,5us)"}});
    add("dup", "duplicate", "publish", Json{{"probability", 0.001}});
    add("reorder", "reorder", "deliver-1", Json{{"window", "5us"}});
    add("bw", "bandwidth", "deliver-2", Json{{"bytesPerSecond", 1000000000}});
    add("acks", "match", "deliver-3", Json{{"frameType", "Ack"}, {"action", "delay"}, {"delay", "10us"}});
    add("corrupt", "corrupt", "deliver-4", Json{{"probability", 0}});
    add("burst", "burst-loss", "deliver-1", Json{{"lossGood", 0}, {"lossBad", 0}});
    add("slow", "slow", "consumer-4", Json{{"factor", 1.5}}, 5 * kMillisecond, 10 * kMillisecond);
    add("gc", "pause", "consumer-1", Json::object(), kMillisecond, 20 * kMillisecond);
    add("flap", "link-down", "deliver-4", Json::object(), 2 * kMillisecond, 50 * kMillisecond);
    return t;
}

EngineResult runEngine(std::uint64_t messages, bool faults = false)
{
    return runTopology(faults ? withFaultPlan(workQueue(messages)) : workQueue(messages));
}

// The bare loop: the engine's own heap operations (std::push_heap / std::pop_heap on a vector of
// 24-byte events ordered by time then sequence) in a hold model, with nothing else per event.
struct BareEvent {
    std::int64_t time;
    std::uint64_t seq;
    std::uint32_t slot;
    std::uint8_t type;
};

double runBare(std::uint64_t events, std::size_t heapSize, std::uint64_t &checksum)
{
    const auto later = [](const BareEvent &a, const BareEvent &b) {
        return a.time != b.time ? a.time > b.time : a.seq > b.seq;
    };
    std::vector<BareEvent> heap;
    heap.reserve(heapSize + 1);
    std::uint64_t seq = 0, x = 88172645463325252ULL;
    auto rnd = [&x] {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        return x;
    };
    for (std::size_t i = 0; i < heapSize; ++i) {
        heap.push_back({static_cast<std::int64_t>(rnd() % 100000), seq++, static_cast<std::uint32_t>(i), 0});
        std::push_heap(heap.begin(), heap.end(), later);
    }
    const double t0 = now();
    std::uint64_t sum = 0;
    for (std::uint64_t i = 0; i < events; ++i) {
        std::pop_heap(heap.begin(), heap.end(), later);
        const BareEvent e = heap.back();
        heap.pop_back();
        sum += e.slot;
        heap.push_back({e.time + static_cast<std::int64_t>(rnd() % 100000), seq++, e.slot, e.type});
        std::push_heap(heap.begin(), heap.end(), later);
    }
    const double t1 = now();
    checksum = sum;
    return t1 - t0;
}

} // namespace

int main(int argc, char **argv)
{
    std::uint64_t messages = 200000;
    int repeat = 5;
    if (!sbbench::messagesAndRepeat(argc, argv, "bench_engine", messages, repeat)) return 2;
    std::vector<double> engineRates, bareRates, ratios, faultRates, faultRatios;
    EngineResult last{};
    for (int r = 0; r < repeat; ++r) {
        const EngineResult faulty = runEngine(messages, true);
        last = runEngine(messages);
        faultRates.push_back(static_cast<double>(faulty.events) / faulty.seconds);
        faultRatios.push_back(faultRates.back() / (static_cast<double>(last.events) / last.seconds));
        std::uint64_t checksum = 0;
        // The engine's heap holds roughly one pending event per consumer plus the producer's
        // timer and the frames in flight; 16 is a fair stand-in.
        const double bare = runBare(last.events, 16, checksum);
        const double er = static_cast<double>(last.events) / last.seconds;
        const double br = static_cast<double>(last.events) / bare;
        engineRates.push_back(er);
        bareRates.push_back(br);
        ratios.push_back(er / br);
        std::printf("run %d: engine %.3fs for %llu events (%.2fM events/s, %llu trace events); bare heap "
                    "%.3fs (%.2fM "
                    "events/s) [checksum %llu]\n",
                    r + 1, last.seconds, static_cast<unsigned long long>(last.events), er / 1e6,
                    static_cast<unsigned long long>(last.traceEvents), bare, br / 1e6,
                    static_cast<unsigned long long>(checksum % 1000));
    }
    if (last.processed != messages) {
        std::fprintf(stderr, "bench: expected %llu messages processed, got %llu\n",
                     static_cast<unsigned long long>(messages),
                     static_cast<unsigned long long>(last.processed));
        return 1;
    }
    const double ratio = median(ratios);
    std::printf(
        "\nengine (1 producer -> queue -> 4 consumers, manual acks, counters): median %.2fM events/s, %.2fM "
        "messages/s\n",
        median(engineRates) / 1e6, median(engineRates) / 1e6 * messages / static_cast<double>(last.events));
    std::printf("bare binary-heap loop, same event count:                           median %.2fM events/s\n",
                median(bareRates) / 1e6);
    std::printf("ratio engine/bare: median %.2f (target >= 0.33) %s\n", ratio,
                ratio >= 1.0 / 3 ? "MET" : "NOT MET");
    std::printf("engine with a full fault plan active (10 faults on every link and consumer, 3 repeating): "
                "median %.2fM events/s; ratio with plan / without, same run: median %.2f\n",
                median(faultRates) / 1e6, median(faultRatios));
    return 0;
}
