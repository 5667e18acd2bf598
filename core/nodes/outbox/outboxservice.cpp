// outbox-service: a service that runs business transactions at a rate (the shared workload), each
// changing one row of its local database and meaning to publish one event about it (a persistent
// AMQP message whose key is the row), in one of three ways:
// - dual-write-db-first: commit the transaction, then publish (confirmed, retried on timeout). A
//   crash between the two, or a publish given up, loses the event: the row changed, nobody hears.
// - dual-write-publish-first: publish, wait for the confirm, then commit. A crash before the
//   commit, a failed commit (commitFailureProbability) or a publish given up after it reached the
//   broker leaves a phantom: consumers act on a change that never happened.
// - outbox: the row change and an outbox row holding the event commit in one transaction; a relay
//   in the same node polls the outbox every pollInterval, publishes up to batchSize rows not yet in
//   flight, and deletes a row only when the broker confirms it. A row whose confirm never comes is
//   published again at a later poll, so events go out at least once: consumers must be idempotent.
// The database and the outbox table are durable (they survive a crash unless the disk goes with
// it); publishes awaiting a confirm, retries and the relay's timer are volatile. After a restart
// the relay resumes from the outbox. Business transactions come only from the workload (the
// service takes no commands); see docs/topology-format.md, "Transactional outbox".
#include "../common.h"
#include "../workload.h"
#include "outbox.h"

#include <map>
#include <set>

namespace sb {

namespace {

enum TimerKind : std::uint64_t { ConfirmTimer = 0, RetryTimer = 1, PollTimer = 2 };
inline std::uint64_t timerTag(TimerKind k, std::uint64_t n)
{
    return (n << 2) | k;
}

enum class Mode { DbFirst, PublishFirst, Outbox };

class OutboxService final : public Node {
public:
    explicit OutboxService(const NodeSetup &s) : m_workload(s.properties)
    {
        const auto &p = s.properties;
        const std::string mode = p.string("mode");
        m_mode = mode == "outbox"                     ? Mode::Outbox
                 : mode == "dual-write-publish-first" ? Mode::PublishFirst
                                                      : Mode::DbFirst;
        m_routingKey = p.string("routingKey");
        m_pollInterval = p.duration("pollInterval");
        m_batchSize = static_cast<std::uint32_t>(p.integer("batchSize"));
        m_confirmTimeout = p.duration("confirmTimeout");
        m_retries = static_cast<std::uint32_t>(p.integer("retries"));
        m_backoff = p.duration("retryBackoff");
        m_commitFailure = p.number("commitFailureProbability");
    }

    void start(NodeContext &ctx) override
    {
        m_connected = !ctx.links(OutboxServicePort::Publish).empty();
        m_workload.start(ctx);
        startRelay(ctx);
    }

    void onRestart(NodeContext &ctx) override
    {
        // The rate schedule resumes; the relay starts over from the outbox table, which survived.
        m_workload.restart(ctx);
        startRelay(ctx);
    }

    void onCrash(NodeContext &) override
    {
        m_pending.clear();
        m_retrying.clear();
        m_relaying.clear();
        m_workload.stop();
    }

    void onDiskLost(NodeContext &) override
    {
        m_rows.clear();
        m_outbox.clear();
    }

    void onTimer(NodeContext &ctx, std::uint64_t tag) override
    {
        if (m_workload.owns(tag)) {
            // Transactions run after the workload has scheduled its next one, so that a crash in
            // one of them cancels that timer with the others (a restart schedules afresh).
            std::vector<Workload::Item> due;
            m_workload.onTimer(ctx, tag, [&](const Workload::Item &item) { due.push_back(item); });
            for (const auto &item : due)
                if (!transact(ctx, item)) return;
            return;
        }
        const auto kind = static_cast<TimerKind>(tag & 3);
        const std::uint64_t n = tag >> 2;
        switch (kind) {
        case PollTimer:
            relay(ctx);
            break;
        case ConfirmTimer: {
            auto it = m_pending.find(n);
            if (it == m_pending.end()) return;
            Pending p = std::move(it->second);
            m_pending.erase(it);
            TraceEvent e = messageEvent(TraceKind::Timeout, p.message.get());
            e.deliveryCount = p.attempts;
            ctx.trace(e);
            unconfirmed(ctx, std::move(p));
            break;
        }
        case RetryTimer: {
            auto it = m_retrying.find(n);
            if (it == m_retrying.end()) return;
            Pending p = std::move(it->second);
            m_retrying.erase(it);
            TraceEvent e = messageEvent(TraceKind::Retry, p.message.get());
            e.deliveryCount = p.attempts + 1;
            ctx.trace(e);
            transmit(ctx, std::move(p.message), p.attempts + 1);
            break;
        }
        }
    }

    void onFrame(NodeContext &ctx, LinkIndex, Frame &f) override
    {
        if (f.type != FrameType::Confirm && f.type != FrameType::PublishNack) return;
        auto it = m_pending.find(f.tag);
        if (it == m_pending.end()) return; // late confirm for an attempt already timed out
        Pending p = std::move(it->second);
        m_pending.erase(it);
        ctx.cancelTimer(p.timer);
        TraceEvent e = messageEvent(f.type == FrameType::Confirm ? TraceKind::Confirm : TraceKind::Nack,
                                    p.message.get());
        e.deliveryCount = p.attempts;
        if (f.type == FrameType::PublishNack) {
            e.reason = DropReason::RejectPublish;
            ctx.trace(e);
            unconfirmed(ctx, std::move(p));
            return;
        }
        ctx.trace(e);
        switch (m_mode) {
        case Mode::DbFirst:
            break;
        case Mode::PublishFirst:
            // The event is out; now the transaction. A failed commit rolls the change back.
            if (ctx.rng().bernoulli(m_commitFailure)) break;
            commit(ctx, p.message, false);
            if (ctx.crashPoint("after-db-commit")) return;
            break;
        case Mode::Outbox:
            // Marked sent only now: until this confirm the row stays and may go out again.
            m_outbox.erase(p.message->id);
            m_relaying.erase(p.message->id);
            break;
        }
    }

    NodeStatus status() const override
    {
        NodeStatus s;
        s.ready = m_outbox.size();
        s.inFlight = m_pending.size() + m_retrying.size();
        return s;
    }

    // Rows waiting in the outbox keep the run going: the relay will publish them (unless it has
    // nowhere to publish to: then the run ends with them still waiting).
    bool hasPendingWork() const override { return m_connected && !m_outbox.empty(); }

private:
    struct Pending {
        MessageRef message;
        std::uint32_t attempts = 1;
        TimerId timer = kNoTimer;
    };
    // A row of the outbox table: the event, and how often the relay has published it (a column
    // of the row, so it survives a crash).
    struct OutboxRow {
        MessageRef event;
        std::uint32_t attempts = 0;
    };

    // One business transaction; false when the service crashed in it.
    bool transact(NodeContext &ctx, const Workload::Item &item)
    {
        auto m = std::make_shared<Message>();
        m->id = ctx.newMessageId();
        m->sequence = m_workload.generated();
        m->key = item.key.empty() ? "row-" + std::to_string(m->sequence) : item.key;
        m->routingKey = m_routingKey;
        if (item.entry) m->headers = Workload::entryHeaders(*item.entry);
        // The row's version this transaction writes: consumers see which change the event is.
        m->headers.push_back({"version", std::to_string(m_rows[m->key] + 1)});
        m->size = item.size;
        m->publishedAt = ctx.now(); // end-to-end latency counts from the business change
        m->producer = ctx.self();
        m->persistent = true;
        // Announced now, so that an event never published still has its contents (its row) to show.
        ctx.announce(*m);
        MessageRef event = m;
        switch (m_mode) {
        case Mode::DbFirst:
            commit(ctx, event, false);
            if (ctx.crashPoint("after-db-commit")) return false;
            publishNew(ctx, event);
            return !ctx.crashPoint("after-publish");
        case Mode::PublishFirst:
            publishNew(ctx, event);
            return !ctx.crashPoint("after-publish");
        case Mode::Outbox:
            commit(ctx, event, true);
            return !ctx.crashPoint("after-db-commit");
        }
        return true;
    }

    void commit(NodeContext &ctx, const MessageRef &event, bool withOutboxRow)
    {
        ++m_rows[event->key];
        if (withOutboxRow) m_outbox.emplace(event->id, OutboxRow{event, 0});
        TraceEvent e = messageEvent(TraceKind::DbCommit, event.get());
        if (withOutboxRow) e.flags |= TraceFlag::Transactional;
        ctx.trace(e);
    }

    // The event's first publish: traced Publish (a new message for the delivery checker).
    void tracePublish(NodeContext &ctx, const Message &event)
    {
        TraceEvent e = messageEvent(TraceKind::Publish, &event);
        e.aux = event.size;
        e.flags |= TraceFlag::Confirmed;
        ctx.trace(e);
    }

    void publishNew(NodeContext &ctx, const MessageRef &event)
    {
        tracePublish(ctx, *event);
        transmit(ctx, event, 1);
    }

    void startRelay(NodeContext &ctx)
    {
        if (m_mode != Mode::Outbox) return;
        // Background: an idle relay does not keep a run alive; rows waiting do (hasPendingWork).
        ctx.startTimer(m_pollInterval, timerTag(PollTimer, 0), true);
    }

    void relay(NodeContext &ctx)
    {
        std::uint32_t published = 0;
        // Rows in commit order (ids rise); those awaiting a confirm are not sent again yet.
        std::vector<std::uint64_t> due;
        for (const auto &[id, row] : m_outbox) {
            if (published == m_batchSize) break;
            if (m_relaying.count(id)) continue;
            due.push_back(id);
            ++published;
        }
        for (std::uint64_t id : due) {
            OutboxRow &row = m_outbox.at(id);
            ++row.attempts;
            m_relaying.insert(id);
            // The first attempt is the event's publish; later ones are retries, as a producer's.
            if (row.attempts == 1) {
                tracePublish(ctx, *row.event);
            } else {
                TraceEvent retry = messageEvent(TraceKind::Retry, row.event.get());
                retry.deliveryCount = row.attempts;
                ctx.trace(retry);
            }
            TraceEvent relayed = messageEvent(TraceKind::Relay, row.event.get());
            relayed.aux = row.attempts;
            ctx.trace(relayed);
            transmit(ctx, row.event, row.attempts);
            if (ctx.crashPoint("after-relay-publish")) return;
        }
        startRelay(ctx);
    }

    void transmit(NodeContext &ctx, MessageRef m, std::uint32_t attempts)
    {
        const std::uint64_t tag = ++m_nextTag;
        m_pending.emplace(
            tag, Pending{m, attempts, ctx.startTimer(m_confirmTimeout, timerTag(ConfirmTimer, tag))});
        Frame f;
        f.type = FrameType::Publish;
        f.tag = tag;
        f.deliveryCount = attempts;
        f.message = std::move(m);
        sendOnPort(ctx, OutboxServicePort::Publish, std::move(f));
    }

    // No confirm (a timeout or a nack): the relay leaves the row for a later poll; a dual write
    // retries with exponential backoff and gives up after `retries`.
    void unconfirmed(NodeContext &ctx, Pending p)
    {
        if (m_mode == Mode::Outbox) {
            m_relaying.erase(p.message->id);
            return;
        }
        if (p.attempts > m_retries) {
            // Given up: after a db-first commit the event is lost; publish-first rolls the
            // transaction back (a phantom if the broker had the event after all).
            TraceEvent e = messageEvent(TraceKind::Drop, p.message.get());
            e.reason = DropReason::RetriesExhausted;
            e.deliveryCount = p.attempts;
            ctx.trace(e);
            return;
        }
        const SimTime delay =
            multiplyTime(m_backoff, std::int64_t{1} << std::min<std::uint32_t>(p.attempts - 1, 20));
        const std::uint64_t key = ++m_nextRetry;
        m_retrying.emplace(key, std::move(p));
        ctx.startTimer(delay, timerTag(RetryTimer, key));
    }

    Workload m_workload;
    Mode m_mode = Mode::DbFirst;
    std::string m_routingKey;
    SimTime m_pollInterval = 0;
    std::uint32_t m_batchSize = 1;
    SimTime m_confirmTimeout = 0;
    std::uint32_t m_retries = 0;
    SimTime m_backoff = 0;
    double m_commitFailure = 0;
    bool m_connected = false;

    // Durable: the business table (row -> version) and the outbox table (by event id).
    std::map<std::string, std::uint64_t> m_rows;
    std::map<std::uint64_t, OutboxRow> m_outbox;
    // Volatile: publishes awaiting a confirm (by publish tag), waiting to be retried, and the
    // outbox rows in flight.
    std::map<std::uint64_t, Pending> m_pending;
    std::map<std::uint64_t, Pending> m_retrying;
    std::set<std::uint64_t> m_relaying;
    std::uint64_t m_nextTag = 0;
    std::uint64_t m_nextRetry = 0;
};

} // namespace

NodeKindSpec outboxServiceKind()
{
    NodeKindSpec k;
    k.kind = "outbox-service";
    k.label = "Outbox service";
    k.category = "Transactional outbox";
    k.help = "Commits business transactions to its database and publishes an event for each: as a dual "
             "write (either order) or through an outbox table and a relay.";
    k.ports = {{"publish", PortDirection::Out, Protocol::Publish, false,
                "Publishes the events (with confirms) to an exchange or a queue."}};
    using T = PropertyType;
    k.properties =
        Workload::propertySpecs({}, nullptr, "{\"at\": \"10ms\", \"key\": \"order-7\", \"size\": 100}");
    const std::vector<PropertySpec> own = {
        property("mode", "Mode", T::Enum, "dual-write-db-first",
                 "dual-write-db-first: commit, then publish (a crash between them loses the event); "
                 "dual-write-publish-first: publish, then commit once confirmed (a crash or a failed commit "
                 "leaves a phantom event); outbox: the change and an outbox row commit together and a relay "
                 "publishes the row at least once.",
                 "", {}, {}, {"dual-write-db-first", "dual-write-publish-first", "outbox"}),
        property("routingKey", "Routing key", T::String, "", "Routing key of every event.", ""),
        property("pollInterval", "Relay poll interval", T::Duration, 100,
                 "How often the relay reads the outbox (mode = outbox).", "ms", 0.001, {}),
        property("batchSize", "Relay batch size", T::Integer, 10,
                 "Most outbox rows the relay publishes per poll (mode = outbox).", "rows", 1, 100000),
        property("confirmTimeout", "Confirm timeout", T::Duration, 1000,
                 "How long to wait for the broker's confirm of an event.", "ms", 0.001, {}),
        property("retries", "Retries", T::Integer, 3,
                 "Dual writes: resends after a timeout or nack before giving up. The relay never gives up: "
                 "an unconfirmed row goes out again at a later poll.",
                 "", 0, 1000),
        property("retryBackoff", "Retry backoff", T::Duration, 100,
                 "Dual writes: delay before the first resend; it doubles on each further one.", "ms", 0, {}),
        property("commitFailureProbability", "Commit failure probability", T::Probability, 0.0,
                 "Chance that the database commit fails after a publish-first publish (the transaction rolls "
                 "back; its event is a phantom).",
                 "", 0, 1),
    };
    k.properties.insert(k.properties.end(), own.begin(), own.end());
    k.crashPoints = {
        {"after-db-commit",
         "The local transaction committed. Dual write, database first: its event is not yet published (lost "
         "if the crash comes here). Outbox: the event waits in the outbox and the relay publishes it after "
         "the restart. Publish first: everything is done."},
        {"after-publish",
         "The event was sent to the broker, its confirm not yet in. Publish first: the transaction has not "
         "committed (a phantom). Database first: the change committed before; nothing is lost."},
        {"after-relay-publish",
         "The relay published an outbox row but has not marked it sent: after the restart it publishes the "
         "row again (a duplicate for a consumer that does not dedupe)."},
    };
    k.factory = [](const NodeSetup &s) { return std::make_unique<OutboxService>(s); };
    k.explainRoute = [](const RouteQuestion &q) {
        RouteAnswer a = publishRoute(q, "routingKey", "routing key");
        a.note =
            "commits the change, then publishes its event" + a.note.substr(std::string("sends it").size());
        return a;
    };
    return k;
}

std::vector<NodeTemplate> outboxTemplates()
{
    return {
        {"outbox-dual-write-service", "Service with dual write", "Transactional outbox", "outbox-service",
         "Commits its database, then publishes the event as a second action (the dual-write pitfall).",
         Json{{"mode", "dual-write-db-first"}}},
        {"outbox-relay-service", "Service with outbox relay", "Transactional outbox", "outbox-service",
         "Writes the event to an outbox table in the same transaction; a polling relay publishes it at least "
         "once.",
         Json{{"mode", "outbox"}, {"pollInterval", 100}, {"batchSize", 10}}},
    };
}

} // namespace sb
