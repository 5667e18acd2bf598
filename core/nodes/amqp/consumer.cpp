// Consumer: receives deliveries (pushed after subscribing, or pulled by polling), processes each
// for a sampled time, and settles it according to its ack mode:
// - auto: the broker forgets a message once delivered (at-most-once); a failure loses it.
// - manual: ack after processing (at-least-once); a failure nacks (requeue or dead-letter).
// - idempotent: manual, and ids already processed are acked without processing again, so
//   redeliveries and publisher retries do not cause duplicate effects.
#include "../common.h"
#include "../nodes.h"

#include "../../idset.h"

#include <deque>

namespace sb {

namespace {

enum TimerKind : std::uint64_t { WorkTimer = 0, PollTimer = 1 };

class Consumer final : public Node {
public:
    explicit Consumer(const NodeSetup &s)
    {
        const auto &p = s.properties;
        m_processing = p.distribution("processing");
        m_concurrency = static_cast<std::uint32_t>(p.integer("concurrency"));
        const std::string mode = p.string("ackMode");
        m_ackMode = mode == "auto"         ? AckMode::Auto
                    : mode == "idempotent" ? AckMode::Idempotent
                                           : AckMode::Manual;
        m_failure = p.number("failureProbability");
        m_requeueOnFailure = p.string("onFailure") == "requeue";
        m_prefetch = static_cast<std::uint32_t>(p.integer("prefetch"));
        m_pull = p.string("mode") == "pull";
        m_pollInterval = p.duration("pollInterval");
        m_batch = static_cast<std::uint32_t>(p.integer("batchSize"));
    }

    void start(NodeContext &ctx) override
    {
        if (m_pull) {
            m_polls = 0;
            // Pollers started together are not phase-locked in real systems: start at a random
            // point of the first interval.
            ctx.startTimer(static_cast<SimTime>(ctx.rng().below(static_cast<std::uint64_t>(m_pollInterval))),
                           PollTimer);
            return;
        }
        for (LinkIndex l : ctx.links(ConsumerPort::In))
            subscribe(ctx, l);
    }

    void onFrame(NodeContext &ctx, LinkIndex from, Frame &f) override
    {
        if (f.type != FrameType::Deliver) return;
        m_buffer.push_back(
            Delivery{std::move(f.message), f.tag, from, ctx.peer(from), f.deliveryCount, f.noAck});
        m_gotSincePoll = true;
        startWork(ctx);
    }

    void onTimer(NodeContext &ctx, std::uint64_t tag) override
    {
        if ((tag & 1) == PollTimer) {
            poll(ctx);
            return;
        }
        const auto slot = static_cast<std::size_t>(tag >> 1);
        if (slot >= m_slots.size() || !m_slots[slot].live) return;
        Delivery d = std::move(m_slots[slot].delivery);
        m_slots[slot].live = false;
        m_freeSlots.push_back(slot);
        --m_busy;
        finish(ctx, std::move(d));
        startWork(ctx);
    }

    void onLinkState(NodeContext &ctx, LinkIndex link, bool up) override
    {
        // A fresh connection: consume again.
        if (up && !m_pull) subscribe(ctx, link);
    }

    void onCrash(NodeContext &) override
    {
        // In-memory work is lost; the broker redelivers what was unacked. The idempotency store
        // is kept: it stands for a durable table of processed ids.
        m_buffer.clear();
        m_slots.clear();
        m_freeSlots.clear();
        m_busy = 0;
    }

    void onDiskLost(NodeContext &) override
    {
        // The disk went with the crash: the table of processed ids is gone, so redeliveries of
        // messages processed before will be processed again.
        m_processed = IdRanges();
    }

    NodeStatus status() const override
    {
        NodeStatus s;
        s.ready = m_buffer.size();
        s.unacked = m_busy;
        return s;
    }

private:
    enum class AckMode { Auto, Manual, Idempotent };
    struct Delivery {
        MessageRef message;
        std::uint64_t tag = 0;
        LinkIndex link = kNoIndex;
        NodeIndex queue = kNoIndex;
        std::uint32_t deliveryCount = 0;
        bool noAck = false;
    };

    void subscribe(NodeContext &ctx, LinkIndex link)
    {
        Frame s;
        s.type = FrameType::Subscribe;
        s.count = m_prefetch;
        s.noAck = m_ackMode == AckMode::Auto;
        ctx.send(link, std::move(s));
    }

    void poll(NodeContext &ctx)
    {
        auto links = ctx.links(ConsumerPort::In);
        const bool idle = !m_gotSincePoll && m_busy == 0 && m_buffer.empty() && m_polls > 0;
        m_gotSincePoll = false;
        if (!links.empty() && m_buffer.size() < m_batch) {
            Frame p;
            p.type = FrameType::Pull;
            p.count = m_batch;
            p.noAck = m_ackMode == AckMode::Auto;
            ctx.send(links[m_polls % links.size()], std::move(p));
        }
        ++m_polls;
        // An idle poll loop does not keep the run alive by itself.
        ctx.startTimer(m_pollInterval, PollTimer, idle);
    }

    void startWork(NodeContext &ctx)
    {
        while (m_busy < m_concurrency && !m_buffer.empty()) {
            Delivery d = std::move(m_buffer.front());
            m_buffer.pop_front();
            if (m_ackMode == AckMode::Idempotent && m_processed.contains(d.message->id)) {
                TraceEvent e = messageEvent(TraceKind::Dedupe, d.message.get());
                e.peer = d.queue;
                e.deliveryCount = d.deliveryCount;
                ctx.trace(e);
                settle(ctx, std::move(d), FrameType::Ack, false);
                continue;
            }
            // Work in progress sits in a slot per unit of concurrency (no allocation per message).
            std::size_t slot;
            if (!m_freeSlots.empty()) {
                slot = m_freeSlots.back();
                m_freeSlots.pop_back();
            } else {
                slot = m_slots.size();
                m_slots.emplace_back();
            }
            m_slots[slot].delivery = std::move(d);
            m_slots[slot].live = true;
            ++m_busy;
            ctx.startTimer(m_processing.sample(ctx.rng()),
                           (static_cast<std::uint64_t>(slot) << 1) | WorkTimer);
        }
    }

    void finish(NodeContext &ctx, Delivery &&d)
    {
        if (ctx.rng().bernoulli(m_failure)) {
            if (d.noAck) {
                TraceEvent e = messageEvent(TraceKind::Drop, d.message.get());
                e.reason = DropReason::ProcessingFailed;
                e.peer = d.queue;
                e.deliveryCount = d.deliveryCount;
                ctx.trace(e);
            } else {
                settle(ctx, std::move(d), FrameType::Nack, m_requeueOnFailure);
            }
            return;
        }
        TraceEvent e = messageEvent(TraceKind::Process, d.message.get());
        e.peer = d.queue;
        e.link = d.link;
        e.deliveryCount = d.deliveryCount;
        e.aux = ctx.now() - d.message->publishedAt;
        ctx.trace(e);
        if (m_ackMode == AckMode::Idempotent) m_processed.insert(d.message->id);
        if (!d.noAck) settle(ctx, std::move(d), FrameType::Ack, false);
    }

    void settle(NodeContext &ctx, Delivery &&d, FrameType type, bool requeue)
    {
        if (d.noAck) return;
        Frame f;
        f.type = type;
        f.tag = d.tag;
        f.requeue = requeue;
        f.deliveryCount = d.deliveryCount;
        f.message = std::move(d.message);
        ctx.send(d.link, std::move(f));
    }

    Distribution m_processing;
    std::uint32_t m_concurrency = 1;
    AckMode m_ackMode = AckMode::Manual;
    double m_failure = 0;
    bool m_requeueOnFailure = true;
    std::uint32_t m_prefetch = 0;
    bool m_pull = false;
    SimTime m_pollInterval = 0;
    std::uint32_t m_batch = 1;

    std::deque<Delivery> m_buffer;
    struct Work {
        Delivery delivery;
        bool live = false;
    };
    std::vector<Work> m_slots;
    std::vector<std::size_t> m_freeSlots;
    std::uint32_t m_busy = 0;
    IdRanges m_processed; // ids rise, so a long run costs a few ranges, not an entry per message
    std::uint64_t m_polls = 0;
    bool m_gotSincePoll = false;
};

} // namespace

NodeKindSpec consumerKind()
{
    NodeKindSpec k;
    k.kind = "consumer";
    k.label = "Consumer";
    k.category = "Clients";
    k.help =
        "Takes messages from queues, processes them and acks: auto (at-most-once), manual (at-least-once) or "
        "idempotent.";
    k.ports = {
        {"in", PortDirection::In, Protocol::Delivery, true, "Queues this consumer takes messages from."}};
    using T = PropertyType;
    k.properties = {
        property("processing", "Processing time", T::Distribution, "10ms",
                 "Time to process one message: \"10ms\", uniform(5ms,15ms), normal(10ms,2ms), exp(10ms).",
                 "ms"),
        property("concurrency", "Concurrency", T::Integer, 1, "Messages processed at the same time.", "", 1,
                 10000),
        property("ackMode", "Ack mode", T::Enum, "manual",
                 "auto: acked on delivery (at-most-once); manual: acked after processing (at-least-once); "
                 "idempotent: "
                 "manual, skipping ids already processed.",
                 "", {}, {}, {"auto", "manual", "idempotent"}),
        property("failureProbability", "Failure probability", T::Probability, 0.0,
                 "Chance that processing a message fails.", "", 0, 1),
        property("onFailure", "On failure", T::Enum, "requeue",
                 "requeue: nack and return it to the queue; dead-letter: nack without requeue.", "", {}, {},
                 {"requeue", "dead-letter"}),
        property("prefetch", "Prefetch", T::Integer, 10,
                 "Most unacked deliveries at once (basic.qos; 0 = unlimited). Used by fair dispatch.", "msg",
                 0, 65535),
        property(
            "mode", "Delivery mode", T::Enum, "push",
            "push: the queue sends as prefetch allows; pull: poll every pollInterval for up to batchSize.",
            "", {}, {}, {"push", "pull"}),
        property("pollInterval", "Poll interval", T::Duration, 100, "Time between polls (mode = pull).", "ms",
                 0.001, {}),
        property("batchSize", "Batch size", T::Integer, 10, "Most messages taken per poll (mode = pull).",
                 "msg", 1, 10000),
    };
    k.factory = [](const NodeSetup &s) { return std::make_unique<Consumer>(s); };
    k.explainRoute = [](const RouteQuestion &) {
        return endRoute("processes it and acks (unless auto-ack)");
    };
    return k;
}

} // namespace sb
