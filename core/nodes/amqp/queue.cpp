// Queue: FIFO storage with RabbitMQ's rules.
// - max length with overflow drop-head (oldest dropped or dead-lettered), reject-publish (publisher
//   nacked) or reject-publish-dlx (rejected message dead-lettered); the limit counts ready messages.
// - message TTL: messages expire at the head of the queue and are dead-lettered ("expired").
// - ack timeout: an unacked delivery returns to the queue head, flagged redelivered (like an SQS
//   visibility timeout).
// - delivery limit: after more than `deliveryLimit` unsuccessful deliveries (nack-requeue, timeout,
//   consumer lost) the message is dead-lettered ("delivery_limit"), as in quorum queues.
// - competing consumers: round-robin (ignores prefetch, like prefetch 0) or fair dispatch (only to
//   consumers with fewer than `prefetch` unacked deliveries). Push (basic.consume) and pull
//   (basic.get / ReceiveMessage batches) both work; the consumer chooses.
#include "../common.h"
#include "../nodes.h"

#include <algorithm>
#include <deque>
#include <unordered_map>

namespace sb {

namespace {

enum TimerKind : std::uint64_t { TtlTimer = 0, AckTimer = 1 };

const char *deathReason(DropReason r)
{
    switch (r) {
    case DropReason::Expired:
        return "expired";
    case DropReason::MaxLength:
        return "maxlen";
    case DropReason::DeliveryLimit:
        return "delivery_limit";
    default:
        return "rejected";
    }
}

class Queue final : public Node {
public:
    explicit Queue(const NodeSetup &s) : m_name(s.id)
    {
        const auto &p = s.properties;
        m_maxLength = static_cast<std::uint64_t>(p.integer("maxLength"));
        const std::string overflow = p.string("overflow");
        m_overflow = overflow == "reject-publish"       ? Overflow::RejectPublish
                     : overflow == "reject-publish-dlx" ? Overflow::RejectPublishDlx
                                                        : Overflow::DropHead;
        m_ttl = p.duration("messageTtl");
        m_ackTimeout = p.duration("ackTimeout");
        m_deliveryLimit = static_cast<std::uint32_t>(p.integer("deliveryLimit"));
        m_fair = p.string("dispatch") == "fair";
        m_deadLetterRoutingKey = p.string("deadLetterRoutingKey");
        m_durable = p.boolean("durable");
    }

    void start(NodeContext &ctx) override
    {
        m_consumers.clear();
        for (LinkIndex l : ctx.links(QueuePort::Deliver))
            m_consumers.push_back(Consumer{l, ctx.peer(l)});
    }

    void onFrame(NodeContext &ctx, LinkIndex from, Frame &f) override
    {
        switch (f.type) {
        case FrameType::Publish:
            onPublish(ctx, from, f);
            break;
        case FrameType::Subscribe: {
            if (auto *c = consumer(from)) {
                c->subscribed = true;
                c->prefetch = f.count;
                c->noAck = f.noAck;
            }
            dispatch(ctx);
            break;
        }
        case FrameType::Pull:
            onPull(ctx, from, f);
            break;
        case FrameType::Ack:
            onSettle(ctx, from, f, false);
            break;
        case FrameType::Nack:
            onSettle(ctx, from, f, true);
            break;
        default:
            break;
        }
    }

    void onTimer(NodeContext &ctx, std::uint64_t tag) override
    {
        if ((tag & 1) == TtlTimer) {
            m_ttlTimer = kNoTimer;
            expireHead(ctx);
            armTtl(ctx);
            dispatch(ctx);
            return;
        }
        Unacked *found = findUnacked(tag >> 1);
        if (!found) return;
        Unacked u = takeUnacked(*found);
        if (auto *c = consumerAt(u.consumer)) --c->unacked;
        TraceEvent e = messageEvent(TraceKind::Timeout, u.entry.message.get());
        e.peer = u.consumerNode;
        e.deliveryCount = u.entry.deliveries;
        ctx.trace(e);
        returnToQueue(ctx, std::move(u.entry));
        dispatch(ctx);
    }

    void onLinkState(NodeContext &ctx, LinkIndex link, bool up) override
    {
        Consumer *c = consumer(link);
        if (!c) return;
        c->linkUp = up;
        if (up) return;
        // The consumer's connection is gone: like AMQP, its unacked deliveries return to the queue
        // and it must subscribe again.
        c->subscribed = false;
        c->unacked = 0;
        const auto index = static_cast<std::size_t>(c - m_consumers.data());
        std::vector<std::uint64_t> tags;
        for (std::size_t i = 0; i < m_unacked.size(); ++i)
            if (m_unacked[i].live && m_unacked[i].consumer == index) tags.push_back(m_firstTag + i);
        std::reverse(tags.begin(), tags.end()); // newest first, so push_front restores the order
        for (auto tag : tags) {
            Unacked u = takeUnacked(*findUnacked(tag));
            ctx.cancelTimer(u.timer);
            returnToQueue(ctx, std::move(u.entry));
        }
        dispatch(ctx);
    }

    void onCrash(NodeContext &ctx) override
    {
        // As in RabbitMQ: a durable queue's persistent messages are on disk and survive; they
        // come back ready, un-acked deliveries first (flagged redelivered, since the broker cannot
        // know whether they were processed). Everything else the queue held is lost.
        auto lose = [&](const Entry &entry) {
            TraceEvent e = messageEvent(TraceKind::Drop, entry.message.get());
            e.reason = DropReason::Crash;
            e.deliveryCount = entry.deliveries;
            ctx.trace(e);
        };
        auto survives = [&](const Entry &entry) {
            return m_durable && entry.message && entry.message->persistent;
        };
        std::deque<Entry> kept;
        for (auto &u : m_unacked) {
            if (!u.live) continue;
            if (survives(u.entry)) {
                u.entry.redelivered = true;
                kept.push_back(std::move(u.entry));
            } else {
                lose(u.entry);
            }
        }
        for (auto &entry : m_ready) {
            if (survives(entry))
                kept.push_back(std::move(entry));
            else
                lose(entry);
        }
        m_ready = std::move(kept);
        m_unacked.clear();
        m_unackedCount = 0;
        m_firstTag = m_nextTag + 1;
        m_ttlTimer = kNoTimer;
        for (auto &c : m_consumers) {
            c.subscribed = false;
            c.unacked = 0;
        }
    }

    void onDiskLost(NodeContext &ctx) override
    {
        for (const auto &entry : m_ready) {
            TraceEvent e = messageEvent(TraceKind::Drop, entry.message.get());
            e.reason = DropReason::Crash;
            e.deliveryCount = entry.deliveries;
            ctx.trace(e);
        }
        m_ready.clear();
    }

    void onRestart(NodeContext &ctx) override
    {
        start(ctx);
        // Messages kept on disk age from where they were: TTLs run on.
        armTtl(ctx);
    }

    NodeStatus status() const override
    {
        NodeStatus s;
        s.ready = m_ready.size();
        s.unacked = m_unackedCount;
        return s;
    }

private:
    enum class Overflow { DropHead, RejectPublish, RejectPublishDlx };
    struct Entry {
        MessageRef message;
        std::uint32_t deliveries = 0; // times delivered
        std::uint32_t failures = 0;   // unsuccessful deliveries (returned to the queue)
        bool redelivered = false;
        SimTime expiresAt = kNever;
    };
    struct Consumer {
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
        std::size_t consumer = 0;
        NodeIndex consumerNode = kNoIndex;
        TimerId timer = kNoTimer;
        bool live = false;
    };

    // Delivery tags are handed out in sequence, so unacked deliveries live in a ring indexed by
    // tag (m_unacked[tag - m_firstTag]); settled entries leave holes that are trimmed from the
    // front. This avoids a hash-map allocation per delivery on the engine's hottest path.
    Unacked *findUnacked(std::uint64_t tag)
    {
        if (tag < m_firstTag || tag - m_firstTag >= m_unacked.size()) return nullptr;
        Unacked &u = m_unacked[tag - m_firstTag];
        return u.live ? &u : nullptr;
    }
    Unacked takeUnacked(Unacked &slot)
    {
        Unacked u = std::move(slot);
        slot.live = false;
        slot.entry.message.reset();
        --m_unackedCount;
        while (!m_unacked.empty() && !m_unacked.front().live) {
            m_unacked.pop_front();
            ++m_firstTag;
        }
        return u;
    }
    void addUnacked(std::uint64_t tag, Unacked u)
    {
        if (m_unacked.empty()) m_firstTag = tag;
        while (m_firstTag + m_unacked.size() < tag)
            m_unacked.emplace_back(); // tags of auto-ack deliveries
        u.live = true;
        m_unacked.push_back(std::move(u));
        ++m_unackedCount;
    }

    Consumer *consumer(LinkIndex link)
    {
        for (auto &c : m_consumers)
            if (c.link == link) return &c;
        return nullptr;
    }
    Consumer *consumerAt(std::size_t i) { return i < m_consumers.size() ? &m_consumers[i] : nullptr; }

    void onPublish(NodeContext &ctx, LinkIndex from, Frame &f)
    {
        expireHead(ctx);
        const SimTime expiresAt = m_ttl ? addTime(ctx.now(), m_ttl) : kNever;
        if (m_maxLength && m_ready.size() >= m_maxLength) {
            if (m_overflow == Overflow::DropHead) {
                while (m_ready.size() >= m_maxLength) {
                    Entry head = std::move(m_ready.front());
                    m_ready.pop_front();
                    deadLetterOrDrop(ctx, std::move(head), DropReason::MaxLength);
                }
            } else {
                if (m_overflow == Overflow::RejectPublishDlx) {
                    deadLetterOrDrop(ctx, Entry{f.message, 0, 0, false, expiresAt}, DropReason::MaxLength);
                } else {
                    TraceEvent e = messageEvent(TraceKind::Drop, f.message.get());
                    e.reason = DropReason::RejectPublish;
                    ctx.trace(e);
                }
                if (f.tag) reply(ctx, from, FrameType::PublishNack, f);
                return;
            }
        }
        TraceEvent e = messageEvent(TraceKind::Enqueue, f.message.get());
        e.peer = ctx.peer(from);
        e.link = from;
        // Keep the frame's message only when a confirm must still carry it.
        m_ready.push_back(Entry{f.tag ? f.message : std::move(f.message), 0, 0, false, expiresAt});
        e.aux = static_cast<std::int64_t>(m_ready.size());
        ctx.trace(e);
        if (f.tag) reply(ctx, from, FrameType::Confirm, f);
        armTtl(ctx);
        dispatch(ctx);
    }

    void reply(NodeContext &ctx, LinkIndex link, FrameType type, const Frame &f)
    {
        Frame r;
        r.type = type;
        r.tag = f.tag;
        r.message = f.message;
        ctx.send(link, std::move(r));
    }

    std::optional<std::size_t> pickConsumer()
    {
        const std::size_t n = m_consumers.size();
        for (std::size_t k = 0; k < n; ++k) {
            const std::size_t i = (m_cursor + k) % n;
            const Consumer &c = m_consumers[i];
            if (!c.subscribed || !c.linkUp) continue;
            if (m_fair && !c.noAck && c.prefetch && c.unacked >= c.prefetch) continue;
            m_cursor = i + 1;
            return i;
        }
        return std::nullopt;
    }

    void dispatch(NodeContext &ctx)
    {
        while (!m_ready.empty()) {
            if (m_ready.front().expiresAt <= ctx.now()) {
                expireHead(ctx);
                continue;
            }
            auto i = pickConsumer();
            if (!i) return;
            Entry entry = std::move(m_ready.front());
            m_ready.pop_front();
            deliver(ctx, *i, std::move(entry), m_consumers[*i].noAck);
        }
    }

    void onPull(NodeContext &ctx, LinkIndex from, const Frame &f)
    {
        Consumer *c = consumer(from);
        if (!c) return;
        c->pulls = true;
        const std::size_t index = static_cast<std::size_t>(c - m_consumers.data());
        for (std::uint32_t n = 0; n < f.count && !m_ready.empty();) {
            if (m_ready.front().expiresAt <= ctx.now()) {
                expireHead(ctx);
                continue;
            }
            Entry entry = std::move(m_ready.front());
            m_ready.pop_front();
            deliver(ctx, index, std::move(entry), f.noAck);
            ++n;
        }
    }

    void deliver(NodeContext &ctx, std::size_t index, Entry entry, bool noAck)
    {
        Consumer &c = m_consumers[index];
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
        e.peer = c.node;
        e.link = c.link;
        e.deliveryCount = entry.deliveries;
        e.aux = static_cast<std::int64_t>(m_ready.size());
        if (noAck) e.flags |= TraceFlag::NoAck;
        ctx.trace(e);
        if (!noAck) {
            ++c.unacked;
            TimerId timer = m_ackTimeout ? ctx.startTimer(m_ackTimeout, (tag << 1) | AckTimer) : kNoTimer;
            addUnacked(tag, Unacked{std::move(entry), index, c.node, timer, true});
        }
        ctx.send(c.link, std::move(d));
    }

    void onSettle(NodeContext &ctx, LinkIndex from, const Frame &f, bool nack)
    {
        Unacked *found = findUnacked(f.tag);
        TraceEvent e = messageEvent(nack ? TraceKind::Nack : TraceKind::Ack, f.message.get());
        e.peer = ctx.peer(from);
        e.link = from;
        e.deliveryCount = f.deliveryCount;
        if (nack && f.requeue) e.flags |= TraceFlag::Requeue;
        if (!found) {
            // Settled after an ack timeout or a lost connection already returned it: RabbitMQ
            // would close the channel ("unknown delivery tag"); here it is traced and ignored.
            e.reason = DropReason::UnknownTag;
            ctx.trace(e);
            return;
        }
        Unacked u = takeUnacked(*found);
        ctx.cancelTimer(u.timer);
        if (auto *c = consumerAt(u.consumer); c && c->unacked) --c->unacked;
        ctx.trace(e);
        if (nack) {
            if (f.requeue)
                returnToQueue(ctx, std::move(u.entry));
            else
                deadLetterOrDrop(ctx, std::move(u.entry), DropReason::Rejected);
        }
        dispatch(ctx);
    }

    void returnToQueue(NodeContext &ctx, Entry entry)
    {
        ++entry.failures;
        entry.redelivered = true;
        if (m_deliveryLimit && entry.failures > m_deliveryLimit) {
            deadLetterOrDrop(ctx, std::move(entry), DropReason::DeliveryLimit);
            return;
        }
        TraceEvent e = messageEvent(TraceKind::Requeue, entry.message.get());
        e.deliveryCount = entry.deliveries;
        m_ready.push_front(std::move(entry));
        e.aux = static_cast<std::int64_t>(m_ready.size());
        ctx.trace(e);
        armTtl(ctx);
    }

    void expireHead(NodeContext &ctx)
    {
        while (!m_ready.empty() && m_ready.front().expiresAt <= ctx.now()) {
            Entry entry = std::move(m_ready.front());
            m_ready.pop_front();
            TraceEvent e = messageEvent(TraceKind::Expire, entry.message.get());
            e.aux = static_cast<std::int64_t>(m_ready.size());
            e.deliveryCount = entry.deliveries;
            ctx.trace(e);
            deadLetterOrDrop(ctx, std::move(entry), DropReason::Expired);
        }
    }

    void armTtl(NodeContext &ctx)
    {
        if (!m_ttl || m_ready.empty()) return;
        const SimTime at = m_ready.front().expiresAt;
        if (m_ttlTimer != kNoTimer && m_ttlAt == at) return;
        ctx.cancelTimer(m_ttlTimer);
        m_ttlAt = at;
        m_ttlTimer = ctx.startTimer(at - ctx.now(), TtlTimer);
    }

    void deadLetterOrDrop(NodeContext &ctx, Entry entry, DropReason reason)
    {
        auto dl = ctx.links(QueuePort::DeadLetter);
        TraceEvent e =
            messageEvent(dl.empty() ? TraceKind::Drop : TraceKind::DeadLetter, entry.message.get());
        e.reason = reason;
        e.deliveryCount = entry.deliveries;
        if (dl.empty()) {
            ctx.trace(e);
            return;
        }
        e.peer = ctx.peer(dl.front());
        e.link = dl.front();
        ctx.trace(e);
        // Dead-lettering republishes a copy with the reason recorded in headers, as RabbitMQ does
        // with x-death / x-first-death-*.
        auto copy = std::make_shared<Message>(*entry.message);
        if (!m_deadLetterRoutingKey.empty()) copy->routingKey = m_deadLetterRoutingKey;
        if (!copy->header("x-first-death-reason")) {
            copy->headers.push_back({"x-first-death-reason", deathReason(reason)});
            copy->headers.push_back({"x-first-death-queue", m_name});
        }
        copy->headers.push_back({"x-last-death-reason", deathReason(reason)});
        Frame f;
        f.type = FrameType::Publish;
        f.message = std::move(copy);
        ctx.send(dl.front(), std::move(f));
    }

    std::string m_name;
    std::uint64_t m_maxLength = 0;
    Overflow m_overflow = Overflow::DropHead;
    SimTime m_ttl = 0;
    SimTime m_ackTimeout = 0;
    std::uint32_t m_deliveryLimit = 0;
    bool m_durable = false;
    bool m_fair = false;
    std::string m_deadLetterRoutingKey;

    std::deque<Entry> m_ready;
    std::vector<Consumer> m_consumers;
    std::deque<Unacked> m_unacked;
    std::uint64_t m_firstTag = 1;
    std::size_t m_unackedCount = 0;
    std::size_t m_cursor = 0;
    std::uint64_t m_nextTag = 0;
    TimerId m_ttlTimer = kNoTimer;
    SimTime m_ttlAt = 0;

public:
    // A queue holding messages for a consumer that pulls keeps the run going, since that
    // consumer's next poll will take them.
    bool hasPendingWork() const override
    {
        if (m_ready.empty()) return false;
        for (const auto &c : m_consumers)
            if (c.pulls && c.linkUp) return true;
        return false;
    }
};

} // namespace

NodeKindSpec queueKind()
{
    NodeKindSpec k;
    k.kind = "queue";
    k.deliveryRole = DeliveryRole::Queue;
    k.label = "Queue";
    k.category = "Broker";
    k.help = "Stores messages in order and delivers each to one of its consumers; acks, redelivery, TTL, "
             "dead letters.";
    k.ports = {{"in", PortDirection::In, Protocol::Publish, true, "Publishes from producers or exchanges."},
               // A queue without consumers (a parking lot for dead letters) is a legitimate design.
               {"deliver", PortDirection::Out, Protocol::Delivery, true,
                "Consumers (they compete for messages).", PortSpec::Need::Optional},
               {"dead-letter", PortDirection::Out, Protocol::Publish, false,
                "Where expired, rejected, overflowed and over-delivered messages go (an exchange or queue).",
                PortSpec::Need::Optional}};
    using T = PropertyType;
    k.properties = {
        property("maxLength", "Max length", T::Integer, 0, "Most ready messages held (0 = no limit).", "msg",
                 0, 1e9),
        property("overflow", "Overflow", T::Enum, "drop-head",
                 "At max length: drop-head drops (or dead-letters) the oldest; reject-publish refuses the "
                 "new one and "
                 "nacks a confirming publisher; reject-publish-dlx also dead-letters it.",
                 "", {}, {}, {"drop-head", "reject-publish", "reject-publish-dlx"}),
        property("messageTtl", "Message TTL", T::Duration, 0,
                 "Messages older than this expire at the head of the queue (0 = never).", "ms", 0, {}),
        property("ackTimeout", "Ack timeout", T::Duration, 0,
                 "An unacked delivery returns to the queue after this long and is redelivered (0 = never).",
                 "ms", 0, {}),
        property("deliveryLimit", "Delivery limit", T::Integer, 0,
                 "Dead-letter a message after more than this many unsuccessful deliveries (0 = no limit).",
                 "", 0, 1e6),
        property(
            "dispatch", "Dispatch", T::Enum, "fair",
            "round-robin: strict turns, ignoring prefetch; fair: only to consumers below their prefetch.", "",
            {}, {}, {"round-robin", "fair"}),
        property("deadLetterRoutingKey", "Dead-letter routing key", T::String, "",
                 "Routing key for dead-lettered messages (empty keeps the original).", ""),
        property("durable", "Durable", T::Bool, false,
                 "A durable queue keeps its persistent messages (producer delivery mode persistent) on disk: "
                 "they survive a crash of the broker node and are ready again after its restart. Transient "
                 "messages, and everything in a non-durable queue, are lost.",
                 ""),
    };
    k.factory = [](const NodeSetup &s) { return std::make_unique<Queue>(s); };
    k.explainRoute = [](const RouteQuestion &q) {
        return queueRoute(q, "deliver", "dead-letter",
                          "only expired, rejected, overflowed or over-delivered messages are dead-lettered");
    };
    return k;
}

} // namespace sb
