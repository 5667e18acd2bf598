#include "actorlinks.h"

#include "actorprotocol.h"

#include "../../callstatus.h"
#include "../common.h"

#include <algorithm>

namespace sb {

bool onPort(NodeContext &ctx, PortIndex port, LinkIndex link)
{
    for (LinkIndex l : ctx.links(port))
        if (l == link) return true;
    return false;
}

MessageRef makeActorMessage(NodeContext &ctx, std::string routingKey, std::string key, std::uint32_t size,
                            bool correlate, bool publish, std::uint64_t sequence, std::vector<Field> fields)
{
    auto m = std::make_shared<Message>();
    m->id = ctx.newMessageId();
    if (correlate) m->correlationId = m->id;
    m->routingKey = std::move(routingKey);
    m->key = std::move(key);
    m->size = size;
    m->publishedAt = ctx.now();
    m->producer = ctx.self();
    m->sequence = sequence;
    m->fields = std::move(fields);
    ctx.announce(*m);
    if (publish) {
        TraceEvent e = messageEvent(TraceKind::Publish, m.get());
        e.aux = m->size;
        ctx.trace(e);
    }
    return m;
}

void sendDown(NodeContext &ctx, PortIndex watchersPort, const std::string &reason)
{
    const auto watchers = ctx.links(watchersPort);
    if (watchers.empty()) return;
    const std::vector<LinkIndex> links(watchers.begin(), watchers.end());
    Field why;
    why.name = "reason";
    why.text = reason;
    const MessageRef down = makeActorMessage(ctx, kDownMessage, reason, 0, false, false, 0, {why});
    for (LinkIndex l : links) {
        auto body = std::make_shared<ActorDownSignal>();
        body->reason = reason;
        Frame f;
        f.type = FrameType::ActorDown;
        f.body = std::move(body);
        f.message = down;
        ctx.send(l, std::move(f));
    }
}

void ActorSender::send(NodeContext &ctx, LinkIndex link, Frame f)
{
    auto it = m_links.find(link);
    if (it != m_links.end() && it->second.blocked) {
        it->second.frames.push_back(std::move(f));
        return;
    }
    f.count = 0;
    ctx.send(link, std::move(f));
}

void ActorSender::onSignal(NodeContext &ctx, LinkIndex link, const Frame &f)
{
    Held &h = m_links[link];
    if (f.status != Grpc::Ok) {
        // Refused: hold it ahead of what was held since.
        if (!f.message) return;
        const auto *r = f.as<ActorRefusal>();
        Frame again;
        again.type = r ? r->type : FrameType::ActorTell;
        again.tag = r ? r->tag : 0;
        again.deadline = r ? r->deadline : kNever;
        again.message = f.message;
        h.frames.insert(h.frames.begin() + static_cast<std::ptrdiff_t>(h.refused), std::move(again));
        ++h.refused;
        if (!h.blocked) {
            h.blocked = true;
            h.since = ctx.now();
            h.backoff = m_probe;
            TraceEvent e = messageEvent(TraceKind::Block, f.message.get());
            e.peer = ctx.peer(link);
            e.link = link;
            ctx.trace(e);
        }
        if (h.probe == kNoTimer) arm(ctx, link, h);
        return;
    }
    // Room for one: send the first held, saying how many more wait.
    if (h.frames.empty()) return;
    h.backoff = m_probe;
    sendHeld(ctx, link, h);
}

void ActorSender::sendHeld(NodeContext &ctx, LinkIndex link, Held &h)
{
    Frame next = std::move(h.frames.front());
    h.frames.pop_front();
    if (h.refused) --h.refused;
    next.count = static_cast<std::uint32_t>(h.frames.size());
    const MessageRef m = next.message;
    ctx.send(link, std::move(next));
    if (!h.frames.empty()) {
        arm(ctx, link, h);
        return;
    }
    ctx.cancelTimer(h.probe);
    h.probe = kNoTimer;
    if (h.blocked) {
        h.blocked = false;
        TraceEvent e = messageEvent(TraceKind::Unblock, m.get());
        e.peer = ctx.peer(link);
        e.link = link;
        e.aux = ctx.now() - h.since;
        ctx.trace(e);
    }
}

void ActorSender::arm(NodeContext &ctx, LinkIndex link, Held &h)
{
    ctx.cancelTimer(h.probe);
    h.probe = kNoTimer;
    if (m_probe <= 0) return;
    if (h.backoff <= 0) h.backoff = m_probe;
    h.probe = ctx.startTimer(h.backoff, kTagBase + link);
}

void ActorSender::onTimer(NodeContext &ctx, std::uint64_t tag)
{
    const auto it = m_links.find(static_cast<LinkIndex>(tag - kTagBase));
    if (it == m_links.end()) return;
    Held &h = it->second;
    h.probe = kNoTimer;
    if (h.frames.empty()) return;
    // No room came in time: the signal (or the message sent on it) may be lost. Re-offer the first
    // held message; wait twice as long for the next probe (TCP's persist timer backs off too).
    h.backoff = std::min(kMaxProbe, std::max<SimTime>(h.backoff, m_probe) * 2);
    sendHeld(ctx, it->first, h);
}

void ActorSender::onLinkUp(NodeContext &ctx, LinkIndex link)
{
    const auto it = m_links.find(link);
    if (it == m_links.end() || it->second.frames.empty()) return;
    it->second.backoff = m_probe;
    sendHeld(ctx, link, it->second);
}

std::size_t ActorSender::held() const
{
    std::size_t n = 0;
    for (const auto &[link, h] : m_links)
        n += h.frames.size();
    return n;
}

std::vector<MessageRef> ActorSender::clear(NodeContext &ctx)
{
    std::vector<MessageRef> out;
    for (auto &[link, h] : m_links) {
        ctx.cancelTimer(h.probe);
        for (auto &f : h.frames)
            out.push_back(f.message);
    }
    m_links.clear();
    return out;
}

void AskTable::ask(NodeContext &ctx, ActorSender &sender, LinkIndex link, MessageRef request, SimTime timeout,
                   std::uint64_t parentCall, std::uint64_t aggregate)
{
    const std::uint64_t call = request->correlationId;
    TraceEvent e = messageEvent(TraceKind::Call, request.get());
    e.aux = static_cast<std::int64_t>(parentCall);
    ctx.trace(e);
    Open o;
    o.request = request;
    o.aggregate = aggregate;
    o.timer = ctx.startTimer(timeout, kTagBase + call);
    m_open.emplace(call, std::move(o));
    Frame f;
    f.type = FrameType::ActorAsk;
    f.tag = call;
    f.deadline = ctx.now() + timeout;
    f.message = std::move(request);
    sender.send(ctx, link, std::move(f));
}

std::optional<AskTable::Open> AskTable::answer(NodeContext &ctx, const Frame &reply)
{
    auto it = m_open.find(reply.tag);
    if (it == m_open.end()) return std::nullopt;
    Open o = std::move(it->second);
    m_open.erase(it);
    ctx.cancelTimer(o.timer);
    complete(ctx, o, reply.status == kNoStatus ? Grpc::Ok : reply.status);
    return o;
}

std::optional<AskTable::Open> AskTable::timeout(NodeContext &ctx, std::uint64_t tag)
{
    auto it = m_open.find(tag - kTagBase);
    if (it == m_open.end()) return std::nullopt;
    Open o = std::move(it->second);
    m_open.erase(it);
    complete(ctx, o, Grpc::DeadlineExceeded);
    return o;
}

void AskTable::clear(NodeContext &ctx, bool fail)
{
    for (auto &[call, o] : m_open) {
        ctx.cancelTimer(o.timer);
        if (fail) complete(ctx, o, Grpc::Unavailable);
    }
    m_open.clear();
}

void AskTable::complete(NodeContext &ctx, const Open &o, std::uint16_t status)
{
    TraceEvent e = messageEvent(TraceKind::Complete, o.request.get());
    e.status = status;
    e.aux = ctx.now() - o.request->publishedAt;
    e.deliveryCount = 1;
    ctx.trace(e);
}

} // namespace sb
