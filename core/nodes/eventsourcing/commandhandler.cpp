// The command handler: the write side of an event-sourced service, as an Axon aggregate
// repository with EventStoreDB behind it. For each Command it loads the aggregate named by the
// command's key from the store (the snapshot stream's last snapshot, then the events after it;
// with the cache, only the events after the cached revision), pays applyCost per event read (the
// rebuild cost, traced as Rebuild), decides with its model (aggregatemodel.h) and appends the
// events under an expected version: the revision it loaded, or the command's own when it names
// one. WrongExpectedVersion means another writer appended in between (optimistic concurrency):
// the handler reloads and decides again up to conflictRetries times, then answers Conflict.
// Every snapshotEvery events it appends a Snapshot of the state to "snapshot-<stream>".
//
// A Query on the commands port is answered from the write side: the aggregate loaded the same
// way (or, for a temporal query, as of its time), so it always reflects every write before it.
//
// Crash points: "after-load" (the aggregate is loaded, nothing decided) and "after-append" (the
// events are stored, the command is not answered: the client times out though its write happened).
#include "../../callstatus.h"
#include "../common.h"
#include "../cqrs/commandprotocol.h"
#include "aggregatemodel.h"
#include "esprotocol.h"
#include "eventsourcing.h"

#include <deque>
#include <map>

namespace sb {

namespace {

using namespace es;

inline constexpr std::string_view kSnapshotPrefix = "snapshot-";
// Snapshot headers beside the state's fields.
inline constexpr std::string_view kRevisionHeader = "revision", kPositionHeader = "position";

enum TimerKind : std::uint64_t { RebuildTimer = 0, DecideTimer = 1, StoreTimer = 2 };
inline std::uint64_t timerTag(TimerKind k, std::uint64_t work)
{
    return (work << 2) | k;
}

std::uint32_t approximateSize(const Message &m)
{
    std::size_t n = m.routingKey.size() + m.key.size() + 16;
    for (const auto &h : m.headers)
        n += h.name.size() + h.value.size() + 6;
    return static_cast<std::uint32_t>(n);
}

class CommandHandler final : public Node {
public:
    explicit CommandHandler(const NodeSetup &s)
        : m_model(aggregateModel(s.properties.string("model"))),
          m_reader(*m_model, readVersions(s.properties), s.properties.boolean("upcasting"))
    {
        const auto &p = s.properties;
        m_options.overdraft = p.integer("overdraft");
        m_options.writeVersion = static_cast<std::uint32_t>(p.integer("writeVersion"));
        m_snapshotEvery = p.integer("snapshotEvery");
        m_applyCost = p.duration("applyCost");
        m_decideTime = p.duration("decideTime");
        m_concurrency = static_cast<std::uint32_t>(p.integer("concurrency"));
        m_conflictRetries = static_cast<std::uint32_t>(p.integer("conflictRetries"));
        m_cache = p.boolean("cache");
        m_storeTimeout = p.duration("storeTimeout");
        for (const auto v : readVersions(p))
            m_readable += (m_readable.empty() ? "v" : ", v") + std::to_string(v);
        if (m_readable.empty()) m_readable = "each event type's current version";
        m_readable += p.boolean("upcasting") ? ", upcasting" : ", no upcasting";
    }

    void onFrame(NodeContext &ctx, LinkIndex from, Frame &f) override
    {
        if (!f.response && (f.type == FrameType::Command || f.type == FrameType::Query)) {
            accept(ctx, from, f);
            return;
        }
        if (!f.response) return;
        if (f.type == FrameType::AppendToStream) {
            if (auto s = m_snapshots.find(f.tag); s != m_snapshots.end()) {
                if (f.status == EsError::None) {
                    TraceEvent e = messageEvent(TraceKind::Snapshot, s->second.event.get());
                    e.offset = s->second.revision;
                    e.peer = ctx.peer(from);
                    ctx.trace(e);
                }
                m_snapshots.erase(s);
                return;
            }
        }
        auto t = m_storeTags.find(f.tag);
        if (t == m_storeTags.end()) return; // a late answer to a request given up on, or from before a crash
        const std::uint64_t id = t->second;
        m_storeTags.erase(t);
        auto w = m_work.find(id);
        if (w == m_work.end()) return;
        Work &work = w->second;
        ctx.cancelTimer(work.storeTimer);
        work.storeTimer = kNoTimer;
        work.store = ctx.peer(from);
        if (f.type == FrameType::ReadStream && work.phase == Phase::Snapshot)
            onSnapshotRead(ctx, work, f);
        else if (f.type == FrameType::ReadStream && work.phase == Phase::Events)
            onEventsRead(ctx, work, f);
        else if (f.type == FrameType::AppendToStream && work.phase == Phase::Appending)
            onAppended(ctx, work, f);
    }

    void onTimer(NodeContext &ctx, std::uint64_t tag) override
    {
        auto w = m_work.find(tag >> 2);
        if (w == m_work.end()) return;
        Work &work = w->second;
        switch (static_cast<TimerKind>(tag & 3)) {
        case RebuildTimer:
            rebuilt(ctx, work);
            break;
        case DecideTimer:
            decide(ctx, work);
            break;
        case StoreTimer:
            m_storeTags.erase(work.storeTag);
            work.storeTimer = kNoTimer;
            finish(ctx, work, CommandStatus::Unavailable,
                   "no answer from the event store within " + formatDuration(m_storeTimeout));
            break;
        }
    }

    void onCrash(NodeContext &) override
    {
        // The in-memory repository goes with the process: the cache, the commands in progress and
        // those waiting for a slot. Their clients time out.
        m_work.clear();
        m_waiting.clear();
        m_storeTags.clear();
        m_snapshots.clear();
        m_cached.clear();
        m_active = 0;
    }

    NodeStatus status() const override
    {
        NodeStatus s;
        s.ready = m_waiting.size();
        s.unacked = m_active;
        return s;
    }

private:
    enum class Phase { Waiting, Snapshot, Events, Rebuilding, Deciding, Appending };
    struct Work {
        std::uint64_t id = 0;
        LinkIndex from = kNoIndex;
        Frame request; // the Command or Query (its tag, message and body)
        bool query = false;
        std::string stream;
        SimTime asOf = kNever; // a temporal query: the state as of this time
        Phase phase = Phase::Waiting;
        AggregateState state;
        std::int64_t lastPosition = -1; // the position of the state's last event
        std::uint64_t eventsRead = 0;
        bool fromSnapshot = false;
        std::int64_t snapshotRevision = -1;
        std::int64_t loadedRevision = -1;
        std::uint32_t conflicts = 0;
        std::vector<MessageRef> events; // what it appends
        std::uint64_t storeTag = 0;
        TimerId storeTimer = kNoTimer;
        NodeIndex store = kNoIndex;
    };
    struct Cached {
        AggregateState state;
        std::int64_t lastPosition = -1;
    };
    struct PendingSnapshot {
        MessageRef event;
        std::int64_t revision = -1;
    };

    void accept(NodeContext &ctx, LinkIndex from, Frame &f)
    {
        Work w;
        w.id = ++m_nextWork;
        w.from = from;
        w.query = f.type == FrameType::Query;
        w.stream = f.message ? f.message->key : std::string();
        if (const auto *q = f.as<cmd::QueryBody>(); q && w.query) w.asOf = q->asOf;
        w.request = std::move(f);
        const std::uint64_t id = w.id;
        const std::string refused = refusal(w);
        m_work.emplace(id, std::move(w));
        if (!refused.empty()) {
            ++m_active; // reply() frees the slot it takes
            finish(ctx, m_work.at(id), CommandStatus::Rejected, refused);
            return;
        }
        if (m_active < m_concurrency) {
            ++m_active;
            load(ctx, m_work.at(id));
        } else {
            m_waiting.push_back(id);
        }
    }

    // Why a command or query cannot be carried out at all (it names no aggregate of this model).
    std::string refusal(const Work &w) const
    {
        const std::string what = w.query ? "query" : "command";
        if (!w.request.message) return "the " + what + " carries no message";
        if (w.stream.empty())
            return "the " + what + " " + w.request.message->routingKey +
                   " has no key (the aggregate's stream, such as " + std::string(m_model->category()) + "-1)";
        if (category(w.stream) != m_model->category() || w.stream.size() <= m_model->category().size())
            return "stream " + w.stream + " is not a " + std::string(m_model->name()) +
                   " aggregate (they live in " + std::string(m_model->category()) + "-<id>)";
        return {};
    }

    void load(NodeContext &ctx, Work &w)
    {
        w.state = {};
        w.lastPosition = -1;
        w.eventsRead = 0;
        w.fromSnapshot = false;
        w.snapshotRevision = -1;
        if (w.asOf == kNever) {
            if (auto c = m_cached.find(w.stream); m_cache && c != m_cached.end()) {
                w.state = c->second.state;
                w.lastPosition = c->second.lastPosition;
                readEvents(ctx, w);
                return;
            }
            if (m_snapshotEvery > 0) {
                auto req = std::make_shared<ReadRequest>();
                req->stream = std::string(kSnapshotPrefix) + w.stream;
                req->backwards = true;
                req->maxCount = 1;
                w.phase = Phase::Snapshot;
                toStore(ctx, w, FrameType::ReadStream, std::move(req));
                return;
            }
        }
        readEvents(ctx, w);
    }

    void readEvents(NodeContext &ctx, Work &w)
    {
        auto req = std::make_shared<ReadRequest>();
        req->stream = w.stream;
        req->from = w.state.revision + 1;
        req->asOf = w.asOf;
        w.phase = Phase::Events;
        toStore(ctx, w, FrameType::ReadStream, std::move(req));
    }

    void toStore(NodeContext &ctx, Work &w, FrameType type, std::shared_ptr<const FrameBody> body)
    {
        Frame f;
        f.type = type;
        f.tag = w.storeTag = ++m_nextTag;
        f.message = w.request.message;
        f.body = std::move(body);
        m_storeTags.emplace(f.tag, w.id);
        if (m_storeTimeout > 0) w.storeTimer = ctx.startTimer(m_storeTimeout, timerTag(StoreTimer, w.id));
        sendOnPort(ctx, CommandHandlerPort::Store, std::move(f));
    }

    void onSnapshotRead(NodeContext &ctx, Work &w, const Frame &f)
    {
        const auto *body = f.as<ReadResponse>();
        if (f.status == EsError::None && body && !body->events.empty() && body->events.back().event) {
            const Message &snap = *body->events.back().event;
            for (const auto &h : snap.headers)
                if (h.name != kSchemaHeader && h.name != kRevisionHeader && h.name != kPositionHeader)
                    w.state.set(h.name, h.value);
            w.state.revision = dataInt(snap, kRevisionHeader, -1);
            w.lastPosition = dataInt(snap, kPositionHeader, -1);
            w.fromSnapshot = true;
            w.snapshotRevision = w.state.revision;
        }
        readEvents(ctx, w);
    }

    void onEventsRead(NodeContext &ctx, Work &w, const Frame &f)
    {
        const auto *body = f.as<ReadResponse>();
        if (f.status != EsError::None && f.status != EsError::StreamNotFound) {
            finish(ctx, w, CommandStatus::Unavailable,
                   "the event store refused the read: " + esErrorName(f.status));
            return;
        }
        if (body)
            for (const auto &rec : body->events) {
                if (!rec.event) continue;
                const EventReader::Result r = m_reader.read(rec.event);
                if (!r.event) {
                    unreadable(ctx, w, rec);
                    return;
                }
                if (r.from != r.to) {
                    TraceEvent e = messageEvent(TraceKind::Upcast, rec.event.get());
                    e.deliveryCount = r.from;
                    e.aux = r.to;
                    ctx.trace(e);
                }
                m_model->apply(w.state, *r.event);
                w.state.revision = rec.revision;
                w.lastPosition = rec.position;
                ++w.eventsRead;
            }
        remember(w.stream, w.state, w.lastPosition, w.asOf);
        w.phase = Phase::Rebuilding;
        const SimTime cost = multiplyTime(m_applyCost, static_cast<std::int64_t>(w.eventsRead));
        if (cost > 0)
            ctx.startTimer(cost, timerTag(RebuildTimer, w.id));
        else
            rebuilt(ctx, w);
    }

    void unreadable(NodeContext &ctx, Work &w, const RecordedEvent &rec)
    {
        const Message &ev = *rec.event;
        TraceEvent e = messageEvent(TraceKind::Drop, &ev);
        e.reason = DropReason::UnknownSchema;
        e.peer = w.store;
        e.offset = rec.position;
        e.deliveryCount = schemaVersion(ev);
        ctx.trace(e);
        finish(ctx, w, CommandStatus::UnknownSchema,
               "cannot read event " + ev.routingKey + " v" + std::to_string(schemaVersion(ev)) +
                   " at revision " + std::to_string(rec.revision) + " of " + w.stream +
                   " (this handler reads " + m_readable + ")");
    }

    void rebuilt(NodeContext &ctx, Work &w)
    {
        TraceEvent e = messageEvent(TraceKind::Rebuild, w.request.message.get());
        e.aux = static_cast<std::int64_t>(w.eventsRead);
        e.offset = w.state.revision;
        e.deliveryCount = w.fromSnapshot ? 1 : 0;
        e.epoch = w.fromSnapshot ? static_cast<std::uint32_t>(w.snapshotRevision) : 0;
        e.peer = w.store;
        ctx.trace(e);
        if (ctx.crashPoint("after-load")) return;
        if (w.query) {
            auto result = std::make_shared<cmd::QueryResult>();
            result->found = w.state.revision >= 0;
            result->fields = w.state.fields;
            result->position = w.lastPosition;
            reply(ctx, w, CommandStatus::Ok, std::move(result));
            return;
        }
        w.phase = Phase::Deciding;
        if (m_decideTime > 0)
            ctx.startTimer(m_decideTime, timerTag(DecideTimer, w.id));
        else
            decide(ctx, w);
    }

    void decide(NodeContext &ctx, Work &w)
    {
        const Decision d = m_model->decide(w.state, *w.request.message, m_options);
        if (!d.rejected.empty()) {
            finish(ctx, w, CommandStatus::Rejected, d.rejected);
            return;
        }
        if (d.events.empty()) {
            finish(ctx, w, CommandStatus::Ok, {});
            return;
        }
        w.events.clear();
        for (const auto &ne : d.events) {
            auto m = std::make_shared<Message>();
            m->id = ctx.newMessageId();
            m->key = w.stream;
            m->routingKey = ne.type;
            m->headers = ne.data;
            m->publishedAt = ctx.now();
            m->producer = ctx.self();
            m->sequence = ++m_sequence;
            m->size = approximateSize(*m);
            ctx.announce(*m);
            w.events.push_back(std::move(m));
        }
        const auto *body = w.request.as<cmd::CommandBody>();
        auto req = std::make_shared<AppendRequest>();
        req->stream = w.stream;
        req->expectedVersion = body && body->expectedVersion != kAny ? body->expectedVersion
                               : w.state.revision >= 0               ? w.state.revision
                                                                     : kNoStream;
        req->events = w.events;
        req->command = w.request.message->id;
        w.loadedRevision = w.state.revision;
        w.phase = Phase::Appending;
        toStore(ctx, w, FrameType::AppendToStream, std::move(req));
    }

    void onAppended(NodeContext &ctx, Work &w, const Frame &f)
    {
        const auto *body = f.as<AppendResponse>();
        if (f.status == EsError::WrongExpectedVersion) {
            const auto *cmdBody = w.request.as<cmd::CommandBody>();
            const bool ownVersion = cmdBody && cmdBody->expectedVersion != kAny;
            const std::int64_t actual = body ? body->revision : -1;
            // The sender's expected version is what it read: reloading cannot make it hold.
            if (!ownVersion && w.conflicts < m_conflictRetries) {
                ++w.conflicts;
                m_cached.erase(w.stream);
                load(ctx, w);
                return;
            }
            finish(ctx, w, CommandStatus::Conflict,
                   "wrong expected version on " + w.stream + ": expected " +
                       expectedVersionText(ownVersion ? cmdBody->expectedVersion : w.loadedRevision) +
                       ", stream at " + expectedVersionText(actual) +
                       (ownVersion || m_conflictRetries == 0
                            ? std::string()
                            : " after " + std::to_string(w.conflicts) + " retries"));
            return;
        }
        if (f.status != EsError::None || !body) {
            finish(ctx, w, CommandStatus::Unavailable,
                   "the event store refused the append: " + esErrorName(f.status));
            return;
        }
        if (ctx.crashPoint("after-append")) return;
        for (const auto &ev : w.events)
            m_model->apply(w.state, *ev);
        w.state.revision = body->revision;
        w.lastPosition = body->position;
        remember(w.stream, w.state, w.lastPosition, kNever);
        auto result = std::make_shared<cmd::CommandResult>();
        result->position = body->position;
        result->revision = body->revision;
        const Work done = w; // reply() ends the work
        reply(ctx, w, CommandStatus::Ok, std::move(result));
        if (m_snapshotEvery > 0 &&
            (done.state.revision + 1) / m_snapshotEvery > (done.loadedRevision + 1) / m_snapshotEvery)
            snapshot(ctx, done);
    }

    void snapshot(NodeContext &ctx, const Work &w)
    {
        auto m = std::make_shared<Message>();
        m->id = ctx.newMessageId();
        m->key = std::string(kSnapshotPrefix) + w.stream;
        m->routingKey = "Snapshot";
        m->headers.push_back({std::string(kSchemaHeader), "1"});
        m->headers.insert(m->headers.end(), w.state.fields.begin(), w.state.fields.end());
        m->headers.push_back({std::string(kRevisionHeader), std::to_string(w.state.revision)});
        m->headers.push_back({std::string(kPositionHeader), std::to_string(w.lastPosition)});
        m->publishedAt = ctx.now();
        m->producer = ctx.self();
        m->sequence = ++m_sequence;
        m->size = approximateSize(*m);
        ctx.announce(*m);
        auto req = std::make_shared<AppendRequest>();
        req->stream = m->key;
        req->expectedVersion = kAny;
        req->events = {m};
        req->command = w.request.message->id;
        Frame f;
        f.type = FrameType::AppendToStream;
        f.tag = ++m_nextTag;
        f.message = m;
        f.body = std::move(req);
        m_snapshots.emplace(f.tag, PendingSnapshot{std::move(m), w.state.revision});
        sendOnPort(ctx, CommandHandlerPort::Store, std::move(f));
    }

    // Keeps a loaded or written state in the cache when it is newer than what it holds.
    void remember(const std::string &stream, const AggregateState &state, std::int64_t lastPosition,
                  SimTime asOf)
    {
        if (!m_cache || asOf != kNever || state.revision < 0) return;
        auto c = m_cached.find(stream);
        if (c == m_cached.end())
            m_cached.emplace(stream, Cached{state, lastPosition});
        else if (c->second.state.revision < state.revision)
            c->second = Cached{state, lastPosition};
    }

    void finish(NodeContext &ctx, Work &w, std::uint16_t status, std::string reason)
    {
        std::shared_ptr<const FrameBody> body;
        if (w.query) {
            body = std::make_shared<cmd::QueryResult>();
        } else {
            auto r = std::make_shared<cmd::CommandResult>();
            r->reason = std::move(reason);
            r->revision = w.state.revision;
            body = std::move(r);
        }
        reply(ctx, w, status, std::move(body));
    }

    // Answers the command or query and frees its slot for the next one waiting.
    void reply(NodeContext &ctx, Work &w, std::uint16_t status, std::shared_ptr<const FrameBody> body)
    {
        Frame r = responseTo(w.request, status, std::move(body));
        r.message = w.request.message;
        ctx.send(w.from, std::move(r));
        ctx.cancelTimer(w.storeTimer);
        m_storeTags.erase(w.storeTag);
        const std::uint64_t id = w.id; // not a reference into the entry erased
        m_work.erase(id);              // `w` is gone from here on
        --m_active;
        while (!m_waiting.empty() && m_active < m_concurrency) {
            const std::uint64_t next = m_waiting.front();
            m_waiting.pop_front();
            auto it = m_work.find(next);
            if (it == m_work.end()) continue;
            ++m_active;
            load(ctx, it->second);
        }
    }

    const AggregateModel *m_model;
    EventReader m_reader;
    std::string m_readable; // the versions it reads, in words, for refusals
    ModelOptions m_options;
    std::int64_t m_snapshotEvery = 0;
    SimTime m_applyCost = 0;
    SimTime m_decideTime = 0;
    std::uint32_t m_concurrency = 1;
    std::uint32_t m_conflictRetries = 0;
    bool m_cache = false;
    SimTime m_storeTimeout = 0;

    std::map<std::uint64_t, Work> m_work; // commands and queries accepted, by id
    std::deque<std::uint64_t> m_waiting;  // accepted, waiting for a slot (concurrency)
    std::uint32_t m_active = 0;
    std::map<std::uint64_t, std::uint64_t> m_storeTags;   // store request tag -> work id
    std::map<std::uint64_t, PendingSnapshot> m_snapshots; // snapshot append tag -> what it holds
    std::map<std::string, Cached> m_cached;
    std::uint64_t m_nextWork = 0;
    std::uint64_t m_nextTag = 0;
    std::uint64_t m_sequence = 0;
};

} // namespace

NodeKindSpec commandHandlerKind()
{
    NodeKindSpec k;
    k.kind = "command-handler";
    k.label = "Command handler";
    k.category = "Event sourcing";
    k.help =
        "Loads an aggregate from an event store (snapshot + events), decides each command with a built-in "
        "model and appends the new events under an expected version.";
    k.deliveryRole = DeliveryRole::Log;
    k.ports = {
        {"commands", PortDirection::In, Protocol::Command, true,
         "Commands (and write-side queries) from command clients, saga orchestrators or services."},
        {"store", PortDirection::Out, Protocol::EventStore, false, "The event store the aggregates live in.",
         PortSpec::Need::Required},
    };
    using T = PropertyType;
    k.properties = {
        property("model", "Model", T::Enum, "bank-account",
                 "The aggregate's behaviour: bank-account, order or counter (docs: \"Event sourcing\").", "",
                 {}, {}, aggregateModelNames()),
        property("overdraft", "Overdraft", T::Integer, 0,
                 "bank-account: how far below zero a withdrawal may take the balance.", "", 0, 1e12),
        property("snapshotEvery", "Snapshot every", T::Integer, 0,
                 "Write a snapshot of the aggregate to snapshot-<stream> every this many events; loads start "
                 "from the last one (0 = never).",
                 "events", 0, 1e9),
        property("applyCost", "Apply cost", T::Duration, 0.01,
                 "Time to apply one event read while rebuilding an aggregate (the rebuild cost).", "ms", 0,
                 {}),
        property("decideTime", "Decide time", T::Duration, 1,
                 "Time to validate a command against the rebuilt state.", "ms", 0, {}),
        property("concurrency", "Concurrency", T::Integer, 1,
                 "Commands in progress at once; more than one on the same aggregate can conflict.", "", 1,
                 10000),
        property("conflictRetries", "Conflict retries", T::Integer, 0,
                 "On a wrong expected version, reload and decide again this many times before answering "
                 "Conflict (0 = never; never when the command names its own expected version).",
                 "", 0, 100),
        property("cache", "Cache aggregates", T::Bool, false,
                 "Keep loaded aggregates in memory between commands (a caching repository) and read only the "
                 "events after the cached revision.",
                 ""),
        property("writeVersion", "Write schema version", T::Integer, 0,
                 "The schema version new events are written at (0 = each type's current version; 1 writes "
                 "bank-account's Deposited and Withdrawn as v1 {amount}).",
                 "", 0, 1000),
        readVersionsProperty("handler"),
        property(
            "upcasting", "Upcasting", T::Bool, true,
            "Upcast older events to a version it reads; without it (or without an upcaster) an unreadable "
            "event fails the command with UnknownSchema.",
            ""),
        property("storeTimeout", "Store timeout", T::Duration, 5000,
                 "How long a read or append waits for the store before the command fails Unavailable "
                 "(0 = wait forever).",
                 "ms", 0, {}),
    };
    k.crashPoints = {
        {"after-load", "the aggregate is rebuilt; the command is not decided nor anything appended"},
        {"after-append", "the command's events are stored; the command is not answered"},
    };
    k.factory = [](const NodeSetup &s) { return std::make_unique<CommandHandler>(s); };
    k.explainRoute = [](const RouteQuestion &q) {
        return sendOnPorts(q, {"store"}, "appends the events the command decides to this store",
                           "decides the command against its aggregate's events");
    };
    return k;
}

std::vector<NodeTemplate> commandHandlerTemplates()
{
    return {
        {"bank-account-handler",
         "Bank account handler",
         "Event sourcing",
         "command-handler",
         "Streams account-<id>: open, deposit, withdraw (overdraft 100), close at balance 0.",
         {{"model", "bank-account"}, {"overdraft", 100}}},
        {"order-handler",
         "Order handler",
         "Event sourcing",
         "command-handler",
         "Streams order-<id>: place, pay, reserve, ship; cancel before shipping.",
         {{"model", "order"}}},
        {"counter-handler",
         "Counter handler",
         "Event sourcing",
         "command-handler",
         "Streams counter-<id>: increment, decrement.",
         {{"model", "counter"}}},
    };
}

} // namespace sb
