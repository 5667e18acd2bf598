#pragma once
// The unary calls a scripted node makes (ctx:call) and waits for, as a call client makes them
// (core/nodes/rpc/callprotocol.h): one attempt each, traced Call, then the Request; traced
// Complete when the reply comes, the timeout passes (the server is sent a Cancel: gRPC RST_STREAM
// CANCEL) or no server was linked (UNAVAILABLE at once, as a gRPC channel in TRANSIENT_FAILURE).
// No retries, hedges or breaker: a script writes its own.
#include "../../node.h"

#include <map>
#include <memory>
#include <optional>

namespace sb::script {

class OutgoingCalls {
public:
    // The timer tags of call timeouts carry this bit (the script's own timers never do).
    static constexpr std::uint64_t kTimerBit = std::uint64_t{1} << 63;

    struct Ended {
        MessageRef request;
        std::uint16_t status = 0;
        MessageRef response; // null when none came
        SimTime latency = 0;
        int ref = 0; // what start() was given (the script's tag)
    };

    // Calls with `request` (its id, correlation id, time and producer are filled in here) on `link`
    // (kNoIndex: nothing linked), giving up after `timeout` (kNever: never); `parentCall` is the
    // call being served when it is a downstream call (0: none). Returns the call's id.
    std::uint64_t start(NodeContext &ctx, std::shared_ptr<Message> request, LinkIndex link, SimTime timeout,
                        std::uint64_t parentCall, int ref);
    // A Reply on `from`: the call it ends, or nothing when it answers no call waiting (a late
    // reply after the timeout: traced as a Drop, reason UnknownCorrelation).
    std::optional<Ended> onReply(NodeContext &ctx, LinkIndex from, const Frame &f);
    // A timer whose tag has kTimerBit: the call it ends, if still waiting.
    std::optional<Ended> onTimer(NodeContext &ctx, std::uint64_t tag);
    // A crash: the calls are forgotten, without a Complete (the executor cancels their timers).
    void clear() { m_calls.clear(); }
    std::size_t waiting() const { return m_calls.size(); }

private:
    struct Pending {
        MessageRef request;
        LinkIndex link = kNoIndex;
        SimTime started = 0;
        TimerId timer = kNoTimer;
        int ref = 0;
        std::uint16_t failStatus = 0; // the status when its timer fires first
    };
    Ended finish(NodeContext &ctx, Pending &p, std::uint16_t status, MessageRef response);

    std::map<std::uint64_t, Pending> m_calls; // by attempt (Frame::tag)
    std::uint64_t m_nextAttempt = 0;
};

} // namespace sb::script
