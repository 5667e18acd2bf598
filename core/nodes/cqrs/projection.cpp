// projection: the read side of CQRS. An event handler subscribes to an event store (catch-up from
// its last position, or as a member of a persistent subscription group), applies each event to a
// read model — one row per stream, the state the aggregate model (aggregatemodel.h) makes of the
// stream's events — and answers queries from that table.
// - One event at a time, each taking processingTime: the read model lags the store by what is
//   queued (Project: aux = events still queued behind it), and a query sees only what was applied
//   (QueryResult::position) — eventual consistency.
// - A query with minPosition waits until the model has applied that position (the "wait for your
//   own write" fix), or answers TIMED_OUT after queryTimeout.
// - Schema evolution: events are read through an EventReader with the versions the projection
//   reads and its upcasting; an event it cannot read either stops the projection (onUnreadable
//   "stop": it is faulted, as an EventStoreDB projection is, and its model goes stale) or is
//   parked and skipped ("park").
// - The table and its position are written together in one local transaction (the read model's
//   database), so they survive a crash together and the projection resubscribes from the
//   position after a restart: no event is applied twice or skipped.
#include "../../callstatus.h"
#include "../common.h"
#include "../eventsourcing/aggregatemodel.h"
#include "commandprotocol.h"
#include "cqrs.h"

#include <algorithm>
#include <deque>
#include <map>
#include <set>

namespace sb {

namespace {

enum TimerKind : std::uint64_t { ApplyTimer = 0, QueryTimer = 1, QueryTimeoutTimer = 2 };
inline std::uint64_t timerTag(TimerKind k, std::uint64_t n)
{
    return (n << 2) | k;
}

class Projection final : public Node {
public:
    explicit Projection(const NodeSetup &s)
        : m_model(es::aggregateModel(s.properties.string("model"))),
          m_reader(*m_model, es::readVersions(s.properties), s.properties.boolean("upcasting")),
          m_stream(s.properties.string("stream")),
          m_persistent(s.properties.string("subscription") == "persistent"),
          m_group(s.properties.string("group")), m_processing(s.properties.duration("processingTime")),
          m_queryTime(s.properties.duration("queryTime")),
          m_queryTimeout(s.properties.duration("queryTimeout")),
          m_stopOnUnreadable(s.properties.string("onUnreadable") == "stop")
    {
        if (m_stream.empty()) m_stream = "$ce-" + std::string(m_model->category());
    }

    void start(NodeContext &ctx) override { subscribe(ctx); }
    void onRestart(NodeContext &ctx) override { subscribe(ctx); }

    void onFrame(NodeContext &ctx, LinkIndex from, Frame &frame) override
    {
        if (frame.type == FrameType::EventAppeared && !frame.response) {
            const auto *b = frame.as<es::EventAppearedBody>();
            if (!b) return;
            if (b->caughtUp) return; // from here on the events are live; nothing changes for it
            // A catch-up subscription may repeat what a resubscription overlaps; a persistent
            // one redelivers what was not acked (the ack may have been lost): apply each once.
            if (!m_persistent && b->event.position <= m_lastQueued) return;
            if (m_persistent && m_applied.count(b->event.position)) {
                settle(ctx, {b->event, from}, FrameType::PersistentAck, es::NackAction::Retry, {});
                return;
            }
            m_lastQueued = std::max(m_lastQueued, b->event.position);
            m_queue.push_back({b->event, from});
            if (!m_busy) applyNext(ctx);
            return;
        }
        if (frame.type == FrameType::SubscribeToStream && frame.response) return;
        if (frame.type == FrameType::Query && !frame.response) {
            const std::uint64_t n = m_nextQuery++;
            m_queries.emplace(n, PendingQuery{from, frame, false});
            ctx.startTimer(m_queryTime, timerTag(QueryTimer, n));
        }
    }

    void onTimer(NodeContext &ctx, std::uint64_t tag) override
    {
        const std::uint64_t n = tag >> 2;
        switch (static_cast<TimerKind>(tag & 3)) {
        case ApplyTimer:
            finishApply(ctx);
            break;
        case QueryTimer:
            queryReady(ctx, n);
            break;
        case QueryTimeoutTimer:
            if (auto it = m_queries.find(n); it != m_queries.end()) {
                ctx.send(it->second.link, responseTo(it->second.frame, CommandStatus::TimedOut, result()));
                m_queries.erase(it);
            }
            break;
        }
    }

    void onLinkState(NodeContext &ctx, LinkIndex link, bool up) override
    {
        // The store's connection came back (a restart, a healed partition): subscribe again from
        // the last applied position. A live subscription does not survive the connection.
        const auto store = ctx.links(ProjectionPort::Store);
        if (store.empty() || link != store.front()) return;
        if (!up) {
            m_queue.clear(); // what had not been applied comes again
            m_lastQueued = m_position;
            return;
        }
        subscribe(ctx); // even in the middle of applying: what it applies now was dropped with the queue
    }

    void onCrash(NodeContext &) override
    {
        m_queue.clear();
        m_queries.clear();
        m_busy = false;
        m_lastQueued = m_position;
    }

    void onDiskLost(NodeContext &) override
    {
        m_rows.clear();
        m_applied.clear();
        m_position = -1;
        m_lastQueued = -1;
        m_faulted = false;
    }

    NodeStatus status() const override
    {
        NodeStatus s;
        s.ready = m_queue.size(); // events received, not yet applied: the lag
        s.unacked = m_queries.size();
        return s;
    }
    bool hasPendingWork() const override { return !m_queue.empty() && !m_faulted; }

private:
    struct Queued {
        es::RecordedEvent event;
        LinkIndex link;
    };
    struct PendingQuery {
        LinkIndex link;
        Frame frame;
        bool waiting = false; // for minPosition
    };

    void subscribe(NodeContext &ctx)
    {
        const auto store = ctx.links(ProjectionPort::Store);
        if (store.empty()) return;
        auto body = std::make_shared<es::SubscribeRequest>();
        body->stream = m_stream;
        body->from = m_persistent ? es::kFromStart : m_position;
        if (m_persistent) body->group = m_group;
        Frame f;
        f.type = FrameType::SubscribeToStream;
        f.tag = ++m_subscriptions;
        f.body = std::move(body);
        ctx.send(store.front(), std::move(f));
    }

    void applyNext(NodeContext &ctx)
    {
        if (m_queue.empty() || m_faulted) return;
        m_busy = true;
        ctx.startTimer(m_processing, timerTag(ApplyTimer, 0));
    }

    void settle(NodeContext &ctx, const Queued &q, FrameType type, es::NackAction action, std::string reason)
    {
        if (!m_persistent) return;
        Frame f;
        f.type = type;
        auto body = std::make_shared<es::SettleBody>();
        body->group = m_group;
        body->positions = {q.event.position};
        body->action = action;
        body->reason = std::move(reason);
        f.body = std::move(body);
        ctx.send(q.link, std::move(f));
    }

    void finishApply(NodeContext &ctx)
    {
        m_busy = false;
        if (m_queue.empty()) return;
        const Queued q = std::move(m_queue.front());
        m_queue.pop_front();
        // An event handler handles its model's event types and passes over the rest (another
        // model's events on $all, a command handler's snapshots).
        if (std::find(m_types.begin(), m_types.end(), q.event.event->routingKey) == m_types.end()) {
            m_position = std::max(m_position, q.event.position);
            settle(ctx, q, FrameType::PersistentAck, es::NackAction::Retry, {});
            answerWaiting(ctx);
            applyNext(ctx);
            return;
        }
        const auto read = m_reader.read(q.event.event);
        if (!read.event) {
            TraceEvent e =
                messageEvent(m_stopOnUnreadable ? TraceKind::Drop : TraceKind::Park, q.event.event.get());
            e.reason = DropReason::UnknownSchema;
            e.offset = q.event.position;
            e.deliveryCount = read.from;
            e.peer = ctx.peer(q.link);
            ctx.trace(e);
            if (m_stopOnUnreadable) {
                // Faulted: it stops here (the event stays unapplied and unacked) until someone
                // fixes the projection; queries keep being answered from the stale table.
                m_faulted = true;
                m_queue.push_front(q);
                return;
            }
            settle(ctx, q, FrameType::PersistentNack, es::NackAction::Park, "unknown schema version");
            m_position = std::max(m_position, q.event.position);
            answerWaiting(ctx);
            applyNext(ctx);
            return;
        }
        if (read.from != read.to) {
            TraceEvent e = messageEvent(TraceKind::Upcast, q.event.event.get());
            e.deliveryCount = read.from;
            e.aux = read.to;
            e.offset = q.event.position;
            ctx.trace(e);
        }
        es::AggregateState &row = m_rows[q.event.event->key];
        m_model->apply(row, *read.event);
        row.revision = q.event.revision;
        m_position = std::max(m_position, q.event.position);
        if (m_persistent) m_applied.insert(q.event.position);
        TraceEvent e = messageEvent(TraceKind::Project, q.event.event.get());
        e.offset = q.event.position;
        e.aux = static_cast<std::int64_t>(m_queue.size());
        e.peer = ctx.peer(q.link);
        ctx.trace(e);
        settle(ctx, q, FrameType::PersistentAck, es::NackAction::Retry, {});
        answerWaiting(ctx);
        applyNext(ctx);
    }

    std::shared_ptr<cmd::QueryResult> result(const std::string *key = nullptr) const
    {
        auto r = std::make_shared<cmd::QueryResult>();
        r->position = m_position;
        if (key)
            if (auto it = m_rows.find(*key); it != m_rows.end()) {
                r->found = true;
                r->fields = it->second.fields;
            }
        return r;
    }

    void answer(NodeContext &ctx, const PendingQuery &q)
    {
        const std::string key = q.frame.message ? q.frame.message->key : std::string();
        auto body = result(&key);
        const std::uint16_t status = body->found ? CommandStatus::Ok : CommandStatus::NotFound;
        ctx.send(q.link, responseTo(q.frame, status, std::move(body)));
    }

    void queryReady(NodeContext &ctx, std::uint64_t n)
    {
        auto it = m_queries.find(n);
        if (it == m_queries.end()) return;
        const auto *b = it->second.frame.as<cmd::QueryBody>();
        if (b && b->minPosition > m_position) {
            // Not there yet: it waits for the model to pass the client's write, up to the timeout.
            it->second.waiting = true;
            if (m_queryTimeout > 0) ctx.startTimer(m_queryTimeout, timerTag(QueryTimeoutTimer, n));
            return;
        }
        answer(ctx, it->second);
        m_queries.erase(it);
    }

    void answerWaiting(NodeContext &ctx)
    {
        for (auto it = m_queries.begin(); it != m_queries.end();) {
            const auto *b = it->second.frame.as<cmd::QueryBody>();
            if (it->second.waiting && (!b || b->minPosition <= m_position)) {
                answer(ctx, it->second);
                it = m_queries.erase(it);
            } else {
                ++it;
            }
        }
    }

    const es::AggregateModel *m_model;
    const std::vector<std::string> m_types = m_model->eventTypes(); // its model's, asked once
    es::EventReader m_reader;
    std::string m_stream;
    bool m_persistent;
    std::string m_group;
    SimTime m_processing, m_queryTime, m_queryTimeout;
    bool m_stopOnUnreadable;
    // Durable: the read model and the position it reflects, written together.
    std::map<std::string, es::AggregateState> m_rows;
    std::int64_t m_position = -1;
    std::set<std::int64_t> m_applied; // persistent: the positions applied (delivery is not in order)
    bool m_faulted = false;
    // Volatile.
    std::deque<Queued> m_queue;
    std::int64_t m_lastQueued = -1;
    bool m_busy = false;
    std::map<std::uint64_t, PendingQuery> m_queries;
    std::uint64_t m_nextQuery = 1;
    std::uint64_t m_subscriptions = 0;
};

} // namespace

NodeKindSpec projectionKind()
{
    NodeKindSpec k;
    k.kind = "projection";
    k.deliveryRole = DeliveryRole::Log;
    k.label = "Projection (read model)";
    k.category = "CQRS";
    k.help = "The read side: subscribes to an event store, builds a read model (a row per stream) from its "
             "events and answers queries from it, as far as it has caught up.";
    k.ports = {{"store", PortDirection::Out, Protocol::EventStore, false, "The event store it subscribes to.",
                PortSpec::Need::Required},
               {"queries", PortDirection::In, Protocol::Command, true,
                "Queries from command clients (read after write).", PortSpec::Need::Optional}};
    using T = PropertyType;
    k.properties = {
        property("model", "Model", T::Enum, "bank-account",
                 "The aggregate model whose events it reads and whose state each row holds.", "", {}, {},
                 es::aggregateModelNames()),
        property("stream", "Stream", T::String, "",
                 "What it subscribes to: \"$all\", a category \"$ce-account\", or one stream (empty: the "
                 "model's category)."),
        property("subscription", "Subscription", T::Enum, "catch-up",
                 "catch-up: it reads from its own last position, then live; persistent: it joins a "
                 "persistent subscription group (competing consumers, acks, retries, parking).",
                 "", {}, {}, {"catch-up", "persistent"}),
        property("group", "Group", T::String, "read-model",
                 "The persistent subscription group it joins (persistent only)."),
        property("processingTime", "Processing time", T::Duration, 1,
                 "How long applying one event to the read model takes: the source of its lag.", "ms", 0,
                 3.6e6),
        property("queryTime", "Query time", T::Duration, 0.5, "How long answering a query takes.", "ms", 0,
                 3.6e6),
        property("queryTimeout", "Query wait limit", T::Duration, 5000,
                 "How long a query that waits for a position (minPosition) may wait before it is answered "
                 "TIMED_OUT (0 = wait as long as it takes).",
                 "ms", 0, 9.0e12),
        es::readVersionsProperty("projection"),
        property("upcasting", "Upcasting", T::Bool, true,
                 "Upcast events of older schema versions to the newest it reads (the model's upcasters)."),
        property("onUnreadable", "On an unreadable event", T::Enum, "stop",
                 "An event of a version it cannot read: stop (the projection is faulted and its model goes "
                 "stale) or park it and go on.",
                 "", {}, {}, {"stop", "park"}),
    };
    k.check = [](const PropertyBag &p, std::vector<std::pair<std::string, std::string>> &problems) {
        if (p.string("subscription") == "persistent" && p.string("group").empty())
            problems.push_back({"group", "a persistent subscription needs a group name"});
        const std::string stream = p.string("stream");
        if (!stream.empty() && stream.starts_with("$") && stream != "$all" && !stream.starts_with("$ce-"))
            problems.push_back(
                {"stream", "\"" + stream +
                               "\" is no stream it can read: use \"$all\", \"$ce-<category>\" or "
                               "a stream's name"});
    };
    k.factory = [](const NodeSetup &s) { return std::make_unique<Projection>(s); };
    k.explainRoute = [](const RouteQuestion &) { return endRoute("applies the events to its read model"); };
    return k;
}

std::vector<NodeTemplate> readModelTemplates()
{
    return {
        {"account-balances",
         "Account balances (read model)",
         "CQRS",
         "projection",
         "A read model of bank accounts (balance, status per account) built by a catch-up subscription.",
         {{"model", "bank-account"}}},
        {"order-status",
         "Order status (read model)",
         "CQRS",
         "projection",
         "A read model of orders (status, amount per order) built by a catch-up subscription.",
         {{"model", "order"}}},
        {"persistent-subscriber",
         "Persistent subscription consumer",
         "CQRS",
         "projection",
         "A competing consumer of a persistent subscription group (acks, retries, parking).",
         {{"subscription", "persistent"}}},
    };
}

} // namespace sb
