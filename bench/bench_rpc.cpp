// RPC throughput benchmark (a program, not a timed test). 1,000 rpc-clients call 4 rpc-server
// replicas (round-robin over links that lose 1% of frames, a deadline, an attempt timeout and
// gRPC's retry policy, so retries and late replies happen), built in code. Prints the engine's
// events/s on it next to the bench_engine baseline measured in the same process (medians of a few
// repetitions, and their ratio), then the same run with the call and delivery checkers attached,
// as signalbox-cli runs it.
//
//   bench_rpc [--clients N] [--calls-per-client N] [--messages N] [--repeat R]
#include "callchecker.h"
#include "checker.h"
#include "enginebaseline.h"

#include <cstring>

using namespace sb;
using namespace sbbench;

namespace {

constexpr int kServers = 4;

Topology rpcFarm(int clients, std::uint64_t callsPerClient)
{
    Topology t;
    t.name = "bench: clients -> 4 rpc-server replicas";
    for (int s = 1; s <= kServers; ++s) {
        const std::string id = "server-" + std::to_string(s);
        t.nodes.push_back({id, "rpc-server", id, Json{{"workers", 64}, {"serviceTime", "exp(2ms)"}}, {}});
    }
    for (int c = 1; c <= clients; ++c) {
        const std::string id = "client-" + std::to_string(c);
        t.nodes.push_back({id,
                           "rpc-client",
                           id,
                           Json{{"methods", Json::array({"bench.Svc/Get"})},
                                {"rate", 20},
                                {"count", callsPerClient},
                                // Clients start spread over the first 50 ms, as a real fleet would.
                                {"startAt", std::to_string(c % 50) + "ms"},
                                {"deadline", "500ms"},
                                {"attemptTimeout", "50ms"},
                                {"retryPolicy", "retry"},
                                {"maxAttempts", 3},
                                {"initialBackoff", "10ms"},
                                {"retryableStatusCodes", Json::array({"UNAVAILABLE"})},
                                {"loadBalancing", "round-robin"}},
                           {}});
        for (int s = 1; s <= kServers; ++s)
            t.links.push_back({id + "-s" + std::to_string(s), id, "calls", "server-" + std::to_string(s),
                               "in", Json{{"latency", "1ms"}, {"loss", 0.01}}});
    }
    return t;
}

std::vector<bool> queueFlags(const Topology &t)
{
    std::vector<bool> flags;
    for (const auto &n : t.nodes)
        flags.push_back(n.kind == "queue");
    return flags;
}

} // namespace

int main(int argc, char **argv)
{
    int clients = 1000;
    std::uint64_t callsPerClient = 100, messages = 200000;
    int repeat = 5;
    for (int i = 1; i < argc; ++i) {
        if (!std::strcmp(argv[i], "--clients") && i + 1 < argc)
            clients = std::atoi(argv[++i]);
        else if (!std::strcmp(argv[i], "--calls-per-client") && i + 1 < argc)
            callsPerClient = std::strtoull(argv[++i], nullptr, 10);
        else if (!std::strcmp(argv[i], "--messages") && i + 1 < argc)
            messages = std::strtoull(argv[++i], nullptr, 10);
        else if (!std::strcmp(argv[i], "--repeat") && i + 1 < argc)
            repeat = std::atoi(argv[++i]);
        else {
            std::fprintf(
                stderr,
                "usage: bench_rpc [--clients N] [--calls-per-client N] [--messages N] [--repeat R]\n");
            return 2;
        }
    }
    if (clients < 1 || repeat < 1) {
        std::fprintf(stderr, "bench_rpc: --clients and --repeat must be at least 1\n");
        return 2;
    }
    const Topology farm = rpcFarm(clients, callsPerClient);
    std::vector<double> rpcRates, baseRates, ratios, checkedRates, checkedRatios;
    CallReport calls;
    EngineResult rpc{};
    for (int r = 0; r < repeat; ++r) {
        const EngineResult base = runTopology(workQueue(messages));
        rpc = runTopology(farm);
        CallChecker callChecker;
        DeliveryChecker deliveryChecker(queueFlags(farm));
        const EngineResult checked = runTopology(farm, {&callChecker, &deliveryChecker});
        calls = callChecker.report();
        rpcRates.push_back(rpc.rate());
        baseRates.push_back(base.rate());
        ratios.push_back(rpc.rate() / base.rate());
        checkedRates.push_back(checked.rate());
        checkedRatios.push_back(checked.rate() / rpc.rate());
        std::printf("run %d: rpc %.3fs for %llu engine events (%.2fM events/s, %llu trace events); baseline "
                    "%.3fs (%.2fM events/s); rpc with checkers %.2fM events/s (%zu calls still tracked)\n",
                    r + 1, rpc.seconds, static_cast<unsigned long long>(rpc.events), rpc.rate() / 1e6,
                    static_cast<unsigned long long>(rpc.traceEvents), base.seconds, base.rate() / 1e6,
                    checked.rate() / 1e6, callChecker.trackedCalls());
    }
    const std::uint64_t expected = static_cast<std::uint64_t>(clients) * callsPerClient;
    if (calls.calls != expected || calls.completed != expected) {
        std::fprintf(stderr, "bench_rpc: expected %llu calls started and completed, got %llu and %llu\n",
                     static_cast<unsigned long long>(expected), static_cast<unsigned long long>(calls.calls),
                     static_cast<unsigned long long>(calls.completed));
        return 1;
    }
    std::printf(
        "\nrpc (%d clients -> %d servers, round-robin, 1%% loss, deadline 500ms, attempt timeout 50ms, "
        "3 attempts): %llu calls, %llu succeeded, %llu failed, %llu retries, %llu executed twice or "
        "more, %llu late replies\n",
        clients, kServers, static_cast<unsigned long long>(calls.calls),
        static_cast<unsigned long long>(calls.succeeded), static_cast<unsigned long long>(calls.failed),
        static_cast<unsigned long long>(calls.retries),
        static_cast<unsigned long long>(calls.executedTwiceOrMore),
        static_cast<unsigned long long>(calls.lateReplies));
    std::printf("rpc engine:                                   median %.2fM events/s, %.0fk calls/s\n",
                median(rpcRates) / 1e6,
                median(rpcRates) * static_cast<double>(expected) / static_cast<double>(rpc.events) / 1e3);
    std::printf("bench_engine baseline (same process and run): median %.2fM events/s\n",
                median(baseRates) / 1e6);
    std::printf("ratio rpc/baseline: median %.2f\n", median(ratios));
    std::printf(
        "rpc with the call and delivery checkers:      median %.2fM events/s (ratio with/without: %.2f)\n",
        median(checkedRates) / 1e6, median(checkedRatios));
    return 0;
}
