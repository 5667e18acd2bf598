// The calls a scripted node makes (scriptcalls.h).
#include "scriptcalls.h"

#include "../../callstatus.h"
#include "../common.h"
#include "../rpc/callprotocol.h"

namespace sb::script {

std::uint64_t OutgoingCalls::start(NodeContext &ctx, std::shared_ptr<Message> request, LinkIndex link,
                                   SimTime timeout, std::uint64_t parentCall, int ref)
{
    request->id = ctx.newMessageId();
    request->correlationId = request->id;
    request->publishedAt = ctx.now();
    request->producer = ctx.self();
    ctx.announce(*request);
    TraceEvent e = messageEvent(TraceKind::Call, request.get());
    e.aux = static_cast<std::int64_t>(parentCall);
    ctx.trace(e);
    Pending p;
    p.request = request;
    p.link = link;
    p.started = ctx.now();
    p.ref = ref;
    const std::uint64_t attempt = ++m_nextAttempt;
    if (link == kNoIndex) {
        p.failStatus = Grpc::Unavailable;
        p.timer = ctx.startTimer(0, kTimerBit | attempt);
    } else {
        p.failStatus = Grpc::DeadlineExceeded;
        Frame f;
        f.type = FrameType::Request;
        f.tag = attempt;
        f.deliveryCount = 1;
        f.deadline = timeout == kNever ? kNever : addTime(ctx.now(), timeout);
        f.message = request;
        ctx.send(link, std::move(f));
        if (timeout != kNever) p.timer = ctx.startTimer(timeout, kTimerBit | attempt);
    }
    m_calls.emplace(attempt, std::move(p));
    return request->id;
}

std::optional<OutgoingCalls::Ended> OutgoingCalls::onReply(NodeContext &ctx, LinkIndex from, const Frame &f)
{
    auto it = m_calls.find(f.tag);
    if (it == m_calls.end() || it->second.link != from) {
        TraceEvent e = messageEvent(TraceKind::Drop, f.message.get());
        e.reason = DropReason::UnknownCorrelation;
        e.peer = ctx.peer(from);
        e.link = from;
        e.status = f.status;
        ctx.trace(e);
        return std::nullopt;
    }
    Pending p = std::move(it->second);
    m_calls.erase(it);
    if (p.timer != kNoTimer) ctx.cancelTimer(p.timer);
    return finish(ctx, p, f.status, f.message);
}

std::optional<OutgoingCalls::Ended> OutgoingCalls::onTimer(NodeContext &ctx, std::uint64_t tag)
{
    const std::uint64_t attempt = tag & ~kTimerBit;
    auto it = m_calls.find(attempt);
    if (it == m_calls.end()) return std::nullopt;
    Pending p = std::move(it->second);
    m_calls.erase(it);
    if (p.link != kNoIndex) {
        TraceEvent e = messageEvent(TraceKind::Cancel, p.request.get());
        e.reason = DropReason::DeadlineExceeded;
        e.peer = ctx.peer(p.link);
        e.link = p.link;
        e.deliveryCount = 1;
        ctx.trace(e);
        Frame c;
        c.type = FrameType::Cancel;
        c.tag = attempt;
        c.message = rpc::controlMessage(*p.request);
        ctx.send(p.link, std::move(c));
    }
    return finish(ctx, p, p.failStatus, nullptr);
}

OutgoingCalls::Ended OutgoingCalls::finish(NodeContext &ctx, Pending &p, std::uint16_t status,
                                           MessageRef response)
{
    TraceEvent e = messageEvent(TraceKind::Complete, p.request.get());
    e.status = status;
    e.aux = ctx.now() - p.started;
    e.deliveryCount = 1;
    ctx.trace(e);
    Ended end;
    end.request = std::move(p.request);
    end.status = status;
    end.response = std::move(response);
    end.latency = ctx.now() - p.started;
    end.ref = p.ref;
    return end;
}

} // namespace sb::script
