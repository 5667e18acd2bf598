// Scripted-node benchmark (a program, not a timed test): the bench_engine work queue (1 producer
// -> queue -> 4 consumers, manual acks) run twice in the same process, once with the built-in
// consumers and once with Lua scripts doing the same work (a buffer, one delivery at a time, an
// exp(30us) processing time drawn from the node's generator, then ack). Prints events/s of each
// (medians of a few repetitions) and their ratio: what a script costs per event.
//
//   bench_script [--messages N] [--repeat R]
#include "enginebaseline.h"

#include <cstring>

using namespace sb;
using namespace sbbench;

namespace {

// The built-in consumer's exp(30us) is -mean * ln(1 - u) in ns (Rng::exponential); the script
// draws u with ctx:random() and computes the same.
constexpr const char *kConsumerScript = R"lua(
local waiting, head, tail, busy = {}, 1, 0, false
local log = math.log
local function start_work(ctx)
  if busy or head > tail then return end
  local msg = waiting[head]
  waiting[head] = nil
  head = head + 1
  busy = true
  ctx:timer(-30e-6 * log(1 - ctx:random()), msg)
end
function on_message(ctx, msg)
  tail = tail + 1
  waiting[tail] = msg
  start_work(ctx)
end
function on_timer(ctx, msg)
  busy = false
  ctx:ack(msg)
  start_work(ctx)
end
)lua";

Topology scriptedWorkQueue(std::uint64_t messages)
{
    Topology t = workQueue(messages);
    t.name = "bench: producer -> queue -> 4 Lua consumers";
    for (auto &n : t.nodes)
        if (n.kind == "consumer") {
            n.kind = "script";
            n.properties = Json{{"script", kConsumerScript}, {"prefetch", 10}};
        }
    for (auto &l : t.links)
        if (l.fromPort == "deliver") l.toPort = "deliveries";
    return t;
}

} // namespace

int main(int argc, char **argv)
{
    std::uint64_t messages = 200000;
    int repeat = 5;
    if (!sbbench::messagesAndRepeat(argc, argv, "bench_script", messages, repeat)) return 2;
    const Topology builtin = workQueue(messages), scripted = scriptedWorkQueue(messages);
    std::vector<double> builtinRates, scriptRates, ratios;
    for (int r = 0; r < repeat; ++r) {
        const EngineResult b = runTopology(builtin);
        const EngineResult s = runTopology(scripted);
        if (b.processed != messages || s.processed != messages) {
            std::fprintf(
                stderr, "bench_script: processed %llu (built-in) and %llu (script) of %llu messages\n",
                static_cast<unsigned long long>(b.processed), static_cast<unsigned long long>(s.processed),
                static_cast<unsigned long long>(messages));
            return 1;
        }
        builtinRates.push_back(b.rate());
        scriptRates.push_back(s.rate());
        ratios.push_back(s.rate() / b.rate());
        std::printf("run %d: built-in consumers %.3fs for %llu engine events (%.2fM events/s); Lua consumers "
                    "%.3fs for %llu events (%.2fM events/s)\n",
                    r + 1, b.seconds, static_cast<unsigned long long>(b.events), b.rate() / 1e6, s.seconds,
                    static_cast<unsigned long long>(s.events), s.rate() / 1e6);
    }
    std::printf("\nwork queue (%llu messages, 4 consumers, manual acks)\n",
                static_cast<unsigned long long>(messages));
    std::printf("built-in consumers:        median %.2fM events/s\n", median(builtinRates) / 1e6);
    std::printf("Lua-scripted consumers:    median %.2fM events/s\n", median(scriptRates) / 1e6);
    std::printf("script / built-in:         median %.2f\n", median(ratios));
    return 0;
}
