// Channel: message passing between processes, as in CSP, Go or Erlang, with senders on its "in"
// port (producers publishing with confirms) and receivers on its "out" port (consumers).
//
// The sender learns that a send is done from the channel's Confirm, so a producer with
// maxInFlight 1 is blocked exactly as long as its send is:
// - asynchronous: a send is done once the message is in the buffer. A buffer of `capacity`
//   messages (0 = unbounded) confirms at once while it has room; when it is full, sends wait in
//   order at the channel, unconfirmed, and enter the buffer (and are confirmed) as receivers take
//   messages out of it.
// - synchronous (rendezvous): nothing is buffered. A send waits, unconfirmed, until a receiver
//   takes the message; the channel confirms it at the instant it delivers it. A receiver takes
//   one message at a time whatever its prefetch (it acks one before it takes the next), since a
//   receiver holding messages ahead of its work would be a buffer. (An auto-ack receiver settles
//   each message as it is delivered, so it takes them as fast as they come.)
// A sender that publishes without confirms cannot be held back: its sends wait at the channel all
// the same, in order, but the sender does not know it.
//
// Receivers take messages as from a queue: they subscribe with a prefetch (or pull batches), are
// handed messages round-robin among those with room, and ack (or nack, with requeue or not). An
// unacked message returns to the head of the channel when its receiver's link goes down or it
// nacks with requeue. A crashed channel loses everything it holds, waiting sends included.
//
// Traces: enqueue when a message enters the buffer (aux = buffered after), deliver / redeliver
// (aux = buffered after), ack, nack, requeue, and drop (rejected, crash); the senders' block /
// unblock are traced by the senders themselves.
#include "../common.h"
#include "messaging.h"

#include <algorithm>
#include <deque>
#include <map>

namespace sb {

namespace {

class Channel final : public Node {
public:
    explicit Channel(const NodeSetup &s)
    {
        m_synchronous = s.properties.string("mode") == "synchronous";
        m_capacity = static_cast<std::uint64_t>(s.properties.integer("capacity"));
    }

    void start(NodeContext &ctx) override
    {
        m_receivers.clear();
        for (LinkIndex l : ctx.links(ChannelPort::Out))
            m_receivers.push_back(Receiver{l, ctx.peer(l)});
    }

    void onFrame(NodeContext &ctx, LinkIndex from, Frame &f) override
    {
        switch (f.type) {
        case FrameType::Publish:
            onSend(ctx, from, f);
            break;
        case FrameType::Subscribe:
            if (Receiver *r = receiver(from)) {
                r->subscribed = true;
                r->prefetch = f.count;
                r->noAck = f.noAck;
            }
            break;
        case FrameType::Pull:
            onPull(ctx, from, f);
            return;
        case FrameType::Ack:
        case FrameType::Nack:
            onSettle(ctx, from, f);
            break;
        default:
            return;
        }
        dispatch(ctx);
    }

    void onLinkState(NodeContext &ctx, LinkIndex link, bool up) override
    {
        Receiver *r = receiver(link);
        if (!r) return;
        r->linkUp = up;
        if (up) return;
        // As a queue does: the receiver's connection is gone, its unacked messages come back and it
        // must subscribe again.
        r->subscribed = false;
        r->unacked = 0;
        const auto index = static_cast<std::size_t>(r - m_receivers.data());
        std::vector<std::uint64_t> tags;
        for (const auto &[tag, u] : m_unacked)
            if (u.receiver == index) tags.push_back(tag);
        // Newest first, so that pushing each to the front restores their order.
        for (auto it = tags.rbegin(); it != tags.rend(); ++it) {
            Entry e = std::move(m_unacked[*it].entry);
            m_unacked.erase(*it);
            returnToHead(ctx, std::move(e));
        }
        dispatch(ctx);
    }

    void onCrash(NodeContext &ctx) override
    {
        auto lose = [&](const Entry &entry) {
            TraceEvent e = messageEvent(TraceKind::Drop, entry.message.get());
            e.reason = DropReason::Crash;
            e.deliveryCount = entry.deliveries;
            ctx.trace(e);
        };
        for (const auto &[tag, u] : m_unacked)
            lose(u.entry);
        for (const auto &e : m_buffer)
            lose(e);
        for (const auto &e : m_waiting)
            lose(e);
        m_unacked.clear();
        m_buffer.clear();
        m_waiting.clear();
        for (auto &r : m_receivers) {
            r.subscribed = false;
            r.unacked = 0;
        }
    }

    NodeStatus status() const override
    {
        NodeStatus s;
        s.ready = m_buffer.size();
        s.unacked = m_unacked.size();
        s.inFlight = m_waiting.size(); // sends not yet accepted: their senders wait
        return s;
    }

    bool hasPendingWork() const override
    {
        if (m_buffer.empty() && !(m_synchronous && !m_waiting.empty())) return false;
        return std::any_of(m_receivers.begin(), m_receivers.end(),
                           [](const Receiver &r) { return r.pulls && r.linkUp; });
    }

private:
    struct Entry {
        MessageRef message;
        LinkIndex sender = kNoIndex; // where the confirm goes, while one is owed
        std::uint64_t tag = 0;       // the sender's publish tag; 0: no confirm owed
        std::uint32_t deliveries = 0;
        bool redelivered = false;
    };
    struct Receiver {
        LinkIndex link;
        NodeIndex node;
        bool subscribed = false;
        bool noAck = false;
        bool linkUp = true;
        bool pulls = false;
        std::uint32_t prefetch = 0;
        std::uint32_t unacked = 0;
    };
    struct Unacked {
        Entry entry;
        std::size_t receiver = 0;
    };

    Receiver *receiver(LinkIndex link)
    {
        for (auto &r : m_receivers)
            if (r.link == link) return &r;
        return nullptr;
    }

    bool bufferHasRoom() const { return !m_synchronous && (m_capacity == 0 || m_buffer.size() < m_capacity); }

    void onSend(NodeContext &ctx, LinkIndex from, Frame &f)
    {
        Entry e{std::move(f.message), from, f.tag};
        // Waiting sends go first: a send finds room only when none waits.
        if (m_waiting.empty() && bufferHasRoom())
            accept(ctx, std::move(e));
        else
            m_waiting.push_back(std::move(e));
    }

    // The message enters the buffer: the send is done.
    void accept(NodeContext &ctx, Entry entry)
    {
        TraceEvent e = messageEvent(TraceKind::Enqueue, entry.message.get());
        e.peer = entry.sender == kNoIndex ? kNoIndex : ctx.peer(entry.sender);
        e.link = entry.sender;
        confirm(ctx, entry);
        m_buffer.push_back(std::move(entry));
        e.aux = static_cast<std::int64_t>(m_buffer.size());
        ctx.trace(e);
    }

    void confirm(NodeContext &ctx, Entry &entry)
    {
        if (!entry.tag) return;
        Frame c;
        c.type = FrameType::Confirm;
        c.tag = entry.tag;
        c.message = entry.message;
        ctx.send(entry.sender, std::move(c));
        entry.tag = 0;
    }

    // A receiver with room: round-robin over those subscribed, below their prefetch (synchronous:
    // holding nothing unacked). Auto-ack receivers settle on delivery and always have room.
    std::optional<std::size_t> pickReceiver()
    {
        const std::size_t n = m_receivers.size();
        for (std::size_t k = 0; k < n; ++k) {
            const std::size_t i = (m_cursor + k) % n;
            const Receiver &r = m_receivers[i];
            if (!r.subscribed || !r.linkUp) continue;
            if (!r.noAck) {
                const std::uint32_t limit = m_synchronous ? 1 : r.prefetch;
                if (limit && r.unacked >= limit) continue;
            }
            m_cursor = i + 1;
            return i;
        }
        return std::nullopt;
    }

    // The next message a receiver takes: the buffer's head (which includes returned messages), or,
    // in a rendezvous, the longest-waiting send.
    std::optional<Entry> take()
    {
        if (!m_buffer.empty()) {
            Entry e = std::move(m_buffer.front());
            m_buffer.pop_front();
            return e;
        }
        if (m_synchronous && !m_waiting.empty()) {
            Entry e = std::move(m_waiting.front());
            m_waiting.pop_front();
            return e;
        }
        return std::nullopt;
    }

    void dispatch(NodeContext &ctx)
    {
        while (!m_buffer.empty() || (m_synchronous && !m_waiting.empty())) {
            auto i = pickReceiver();
            if (!i) return;
            Entry e = *take();
            deliver(ctx, *i, std::move(e), m_receivers[*i].noAck);
            refill(ctx);
        }
    }

    // Room in the buffer goes to the longest-waiting sends.
    void refill(NodeContext &ctx)
    {
        while (!m_waiting.empty() && bufferHasRoom()) {
            Entry e = std::move(m_waiting.front());
            m_waiting.pop_front();
            accept(ctx, std::move(e));
        }
    }

    void onPull(NodeContext &ctx, LinkIndex from, const Frame &f)
    {
        Receiver *r = receiver(from);
        if (!r) return;
        r->pulls = true;
        const auto index = static_cast<std::size_t>(r - m_receivers.data());
        for (std::uint32_t n = 0; n < f.count; ++n) {
            auto e = take();
            if (!e) break;
            deliver(ctx, index, std::move(*e), f.noAck);
            refill(ctx);
        }
    }

    void deliver(NodeContext &ctx, std::size_t index, Entry entry, bool noAck)
    {
        Receiver &r = m_receivers[index];
        // The rendezvous: the sender's send completes as the receiver takes the message.
        confirm(ctx, entry);
        ++entry.deliveries;
        const std::uint64_t tag = ++m_nextTag;
        Frame d;
        d.type = FrameType::Deliver;
        d.tag = tag;
        d.deliveryCount = entry.deliveries;
        d.redelivered = entry.redelivered;
        d.noAck = noAck;
        d.message = entry.message;
        TraceEvent e =
            messageEvent(entry.redelivered ? TraceKind::Redeliver : TraceKind::Deliver, entry.message.get());
        e.peer = r.node;
        e.link = r.link;
        e.deliveryCount = entry.deliveries;
        e.aux = static_cast<std::int64_t>(m_buffer.size());
        if (noAck) e.flags |= TraceFlag::NoAck;
        ctx.trace(e);
        if (!noAck) {
            ++r.unacked;
            m_unacked.emplace(tag, Unacked{std::move(entry), index});
        }
        ctx.send(r.link, std::move(d));
    }

    void onSettle(NodeContext &ctx, LinkIndex from, const Frame &f)
    {
        const bool nack = f.type == FrameType::Nack;
        TraceEvent e = messageEvent(nack ? TraceKind::Nack : TraceKind::Ack, f.message.get());
        e.peer = ctx.peer(from);
        e.link = from;
        e.deliveryCount = f.deliveryCount;
        if (nack && f.requeue) e.flags |= TraceFlag::Requeue;
        auto it = m_unacked.find(f.tag);
        if (it == m_unacked.end()) {
            // Settled after the link went down and returned it; traced and ignored, as a queue does.
            e.reason = DropReason::UnknownTag;
            ctx.trace(e);
            return;
        }
        Unacked u = std::move(it->second);
        m_unacked.erase(it);
        if (Receiver *r = u.receiver < m_receivers.size() ? &m_receivers[u.receiver] : nullptr;
            r && r->unacked)
            --r->unacked;
        ctx.trace(e);
        if (!nack) return;
        if (f.requeue) {
            returnToHead(ctx, std::move(u.entry));
            return;
        }
        TraceEvent d = messageEvent(TraceKind::Drop, u.entry.message.get());
        d.reason = DropReason::Rejected;
        d.deliveryCount = u.entry.deliveries;
        ctx.trace(d);
    }

    void returnToHead(NodeContext &ctx, Entry entry)
    {
        entry.redelivered = true;
        TraceEvent e = messageEvent(TraceKind::Requeue, entry.message.get());
        e.deliveryCount = entry.deliveries;
        m_buffer.push_front(std::move(entry));
        e.aux = static_cast<std::int64_t>(m_buffer.size());
        ctx.trace(e);
    }

    bool m_synchronous = false;
    std::uint64_t m_capacity = 0;
    std::deque<Entry> m_buffer;  // accepted messages (and returned ones), oldest first
    std::deque<Entry> m_waiting; // sends not accepted yet, oldest first: their senders wait
    std::vector<Receiver> m_receivers;
    std::map<std::uint64_t, Unacked> m_unacked; // by delivery tag
    std::size_t m_cursor = 0;
    std::uint64_t m_nextTag = 0;
};

} // namespace

NodeKindSpec channelKind()
{
    NodeKindSpec k;
    k.kind = "channel";
    k.label = "Channel";
    k.category = "Message passing";
    k.help = "Passes messages from senders to receivers: asynchronous through a buffer, or synchronous "
             "(rendezvous: a send completes only when a receiver takes the message).";
    k.ports = {{"in", PortDirection::In, Protocol::Publish, true,
                "Senders (producers; with sendMode confirmed they wait for each send to complete)."},
               {"out", PortDirection::Out, Protocol::Delivery, true,
                "Receivers (consumers; they take one message at a time and ack it)."}};
    using T = PropertyType;
    k.properties = {
        property("mode", "Mode", T::Enum, "asynchronous",
                 "asynchronous: a send completes (is confirmed) as soon as the message is in the buffer, "
                 "and waits only while the buffer is full; synchronous: a rendezvous, a send completes "
                 "only when a receiver takes the message, so the sender waits for its receivers.",
                 "", {}, {}, {"asynchronous", "synchronous"}),
        property("capacity", "Capacity", T::Integer, 0,
                 "Asynchronous: messages the buffer holds (0 = no limit: unbounded); with it full, senders "
                 "wait. "
                 "A synchronous channel buffers nothing and ignores it.",
                 "msg", 0, 1e9),
    };
    k.factory = [](const NodeSetup &s) { return std::make_unique<Channel>(s); };
    k.explainRoute = [](const RouteQuestion &q) { return queueRoute(q, "out", "", ""); };
    return k;
}

} // namespace sb
