// event-store: an event store as EventStoreDB/KurrentDB keeps one (esprotocol.h is its protocol).
// - Streams: events per entity ("account-7"), each with a revision from 0. An append carries one or
//   more events for one stream and an expected version (any, no_stream, stream_exists, or the
//   exact revision of the stream's last event); it is applied atomically or refused with
//   WrongExpectedVersion (a Conflict event; the response carries the actual revision). As in
//   EventStoreDB, an append whose events (by id) are already the stream's events right after the
//   expected version succeeds without writing them again: a client's retry after a lost response
//   is idempotent.
// - Position: every event gets the next global position, across streams ("$all" reads them in
//   that order; "$ce-<category>" the events of streams "<category>-...").
// - One writer: appends are written one at a time, each taking appendTime (the fsync). Reads take
//   readTime plus readTimePerEvent for each event returned, and run side by side.
// - Reads go forward from a revision (a position for $all and $ce-), at most maxCount, and only
//   events recorded at or before asOf: the stream as it was at a time (a temporal query). A read
//   backwards returns the last events first (a command handler's latest snapshot).
// - Catch-up subscriptions: the events after a position (or revision), then a CaughtUp marker,
//   then each new event as it is written. Persistent subscriptions: a group per (stream, group
//   name) shares the stream's events among its consumers, round robin, at most bufferSize in
//   flight per consumer; an event not acked within messageTimeout is retried; after maxRetryCount
//   retries, or on a nack with the park action, it is parked (Park). The group's checkpoint (all
//   events before it acked) is on disk: after a crash, what was in flight is delivered again.
// - Retention: maxCount and maxAge (EventStoreDB's $maxCount and $maxAge stream metadata, here for
//   every stream but snapshot streams) make old events unreadable and free them (Retention:
//   offset = the stream's first readable revision, aux = events removed).
// - A crash keeps every written event (unless the disk is lost) and the persistent checkpoints;
//   subscriptions drop (their clients see the connection go) and requests in progress are lost.
#include "../../callstatus.h"
#include "../common.h"
#include "esprotocol.h"
#include "eventsourcing.h"

#include <algorithm>
#include <deque>
#include <map>
#include <unordered_map>

namespace sb {

namespace {

using es::RecordedEvent;

enum TimerKind : std::uint64_t { WriterTimer = 0, ReadTimer = 1, AckTimeoutTimer = 2, ScavengeTimer = 3 };
inline std::uint64_t timerTag(TimerKind k, std::uint64_t n)
{
    return (n << 2) | k;
}

bool isSnapshotStream(std::string_view stream)
{
    return stream.starts_with("snapshot-");
}

class EventStore final : public Node {
public:
    explicit EventStore(const NodeSetup &s)
        : m_appendTime(s.properties.duration("appendTime")), m_readTime(s.properties.duration("readTime")),
          m_readPerEvent(s.properties.duration("readTimePerEvent")),
          m_maxCount(s.properties.integer("maxCount")), m_maxAge(s.properties.duration("maxAge"))
    {
    }

    void start(NodeContext &ctx) override
    {
        if (m_maxAge > 0) armScavenge(ctx);
        // Persistent groups resume from their checkpoints once consumers come back.
    }

    void onFrame(NodeContext &ctx, LinkIndex from, Frame &frame) override
    {
        if (frame.response) return;
        switch (frame.type) {
        case FrameType::AppendToStream:
            m_writerQueue.push_back({from, frame});
            if (!m_writerBusy) startWrite(ctx);
            break;
        case FrameType::ReadStream: {
            const auto *req = frame.as<es::ReadRequest>();
            if (!req) return;
            const std::uint64_t n = m_nextRead++;
            // The cost is known once the events are chosen; they are chosen when the read is done
            // (what a read returns is what the store holds when it answers).
            m_reads.emplace(n, PendingRead{from, frame});
            const std::size_t count = selectRead(ctx, *req).size();
            ctx.startTimer(m_readTime + m_readPerEvent * static_cast<SimTime>(count), timerTag(ReadTimer, n));
            break;
        }
        case FrameType::SubscribeToStream:
            subscribe(ctx, from, frame);
            break;
        case FrameType::PersistentAck:
        case FrameType::PersistentNack:
            settle(ctx, from, frame);
            break;
        default:
            break;
        }
    }

    void onTimer(NodeContext &ctx, std::uint64_t tag) override
    {
        const std::uint64_t n = tag >> 2;
        switch (static_cast<TimerKind>(tag & 3)) {
        case WriterTimer:
            finishWrite(ctx);
            break;
        case ReadTimer:
            finishRead(ctx, n);
            break;
        case AckTimeoutTimer:
            ackTimedOut(ctx, n);
            break;
        case ScavengeTimer:
            scavenge(ctx);
            armScavenge(ctx);
            break;
        }
    }

    void onLinkState(NodeContext &ctx, LinkIndex link, bool up) override
    {
        if (up) return;
        // The connection went: its subscriptions end; what its persistent consumer held is retried.
        std::erase_if(m_catchUps, [link](const CatchUp &c) { return c.link == link; });
        for (auto &[key, g] : m_groups) {
            const auto before = g.consumers.size();
            std::erase_if(g.consumers, [link](const Consumer &c) { return c.link == link; });
            if (g.consumers.size() == before) continue;
            for (auto &[pos, f] : g.inFlight)
                if (f.link == link) {
                    ctx.cancelTimer(f.timer);
                    f.timer = kNoTimer;
                    g.retries.push_back(pos);
                }
            std::erase_if(g.inFlight, [](const auto &kv) { return kv.second.timer == kNoTimer; });
            dispatch(ctx, g);
        }
    }

    void onCrash(NodeContext &) override
    {
        // Volatile: requests in progress, subscriptions, what persistent groups had in flight.
        m_writerQueue.clear();
        m_writerBusy = false;
        m_reads.clear();
        m_catchUps.clear();
        for (auto &[key, g] : m_groups) {
            g.consumers.clear();
            g.inFlight.clear();
            g.retries.clear();
            g.retryCounts.clear();
            g.cursor = g.checkpoint; // everything after the checkpoint is delivered again
            g.acked.clear();
        }
    }

    void onDiskLost(NodeContext &) override
    {
        m_log.clear();
        m_streams.clear();
        m_ids.clear();
        m_groups.clear();
        m_groupIds.clear();
        m_groupById.clear();
        m_retained = 0;
    }

    NodeStatus status() const override
    {
        NodeStatus s;
        s.ready = m_retained; // events the store holds: its storage growth
        s.unacked = 0;
        for (const auto &[key, g] : m_groups)
            s.unacked += g.inFlight.size();
        return s;
    }

private:
    struct PendingAppend {
        LinkIndex link;
        Frame frame;
    };
    struct PendingRead {
        LinkIndex link;
        Frame frame;
    };
    struct Stream {
        std::vector<std::int64_t> positions; // by revision
        std::int64_t first = 0;              // the first revision still readable
    };
    struct CatchUp {
        LinkIndex link;
        std::string stream;
    };
    struct Consumer {
        LinkIndex link;
        std::uint32_t inFlight = 0;
    };
    struct InFlight {
        LinkIndex link = kNoIndex;
        TimerId timer = kNoTimer;
    };
    // A persistent subscription group. Durable: the checkpoint and what was parked.
    struct Group {
        std::string stream, name;
        es::PersistentSettings settings;
        std::int64_t checkpoint = 0; // positions below it are all acked
        std::int64_t cursor = 0;     // the next position to look at for new deliveries
        std::vector<Consumer> consumers;
        std::size_t nextConsumer = 0;
        std::map<std::int64_t, InFlight> inFlight;
        std::deque<std::int64_t> retries;
        std::map<std::int64_t, std::uint32_t> retryCounts;
        std::vector<std::int64_t> acked; // acked at or after the checkpoint, sorted
        std::uint64_t parked = 0;
    };

    // --- appends ---------------------------------------------------------------------------
    void startWrite(NodeContext &ctx)
    {
        if (m_writerQueue.empty()) return;
        m_writerBusy = true;
        ctx.startTimer(m_appendTime, timerTag(WriterTimer, 0));
    }

    static bool versionHolds(std::int64_t expected, std::int64_t current)
    {
        switch (expected) {
        case es::kAny:
            return true;
        case es::kNoStream:
            return current < 0;
        case es::kStreamExists:
            return current >= 0;
        default:
            return expected == current;
        }
    }

    // The stream's events right after `after` are exactly these (by id): the append was done before.
    bool alreadyAppended(const Stream *s, std::int64_t after, const std::vector<MessageRef> &events) const
    {
        if (!s || events.empty()) return false;
        const auto size = static_cast<std::int64_t>(s->positions.size());
        if (after + static_cast<std::int64_t>(events.size()) >= size) return false;
        for (std::size_t i = 0; i < events.size(); ++i) {
            const std::int64_t pos = s->positions[static_cast<std::size_t>(after + 1) + i];
            if (!m_log[static_cast<std::size_t>(pos)].event ||
                m_log[static_cast<std::size_t>(pos)].event->id != events[i]->id)
                return false;
        }
        return true;
    }

    void finishWrite(NodeContext &ctx)
    {
        m_writerBusy = false;
        if (m_writerQueue.empty()) return;
        PendingAppend p = std::move(m_writerQueue.front());
        m_writerQueue.pop_front();
        append(ctx, p.link, p.frame);
        startWrite(ctx);
    }

    void append(NodeContext &ctx, LinkIndex link, const Frame &frame)
    {
        const auto *req = frame.as<es::AppendRequest>();
        if (!req) return;
        auto it = m_streams.find(req->stream);
        Stream *s = it == m_streams.end() ? nullptr : &it->second;
        const std::int64_t current = s ? static_cast<std::int64_t>(s->positions.size()) - 1 : -1;
        auto body = std::make_shared<es::AppendResponse>();
        body->stream = req->stream;
        // A retry of an append already written: the same events right after the expected version
        // (for "any", right after the revision the first of them holds).
        std::int64_t after = req->expectedVersion;
        if (after == es::kAny && !req->events.empty())
            if (auto id = m_ids.find(req->events.front()->id); id != m_ids.end())
                after = m_log[static_cast<std::size_t>(id->second)].revision - 1;
        if (after >= -1 && alreadyAppended(s, after, req->events)) {
            body->revision = after + static_cast<std::int64_t>(req->events.size());
            body->position = s->positions[static_cast<std::size_t>(body->revision)];
            ctx.send(link, responseTo(frame, EsError::None, std::move(body)));
            return;
        }
        if (!versionHolds(req->expectedVersion, current)) {
            TraceEvent e;
            e.kind = TraceKind::Conflict;
            e.peer = ctx.peer(link);
            e.link = link;
            e.offset = req->expectedVersion;
            e.aux = current;
            e.correlationId = req->command;
            if (!req->events.empty()) e.messageId = req->events.front()->id;
            ctx.trace(e);
            body->revision = current;
            ctx.send(link, responseTo(frame, EsError::WrongExpectedVersion, std::move(body)));
            return;
        }
        Stream &stream = m_streams[req->stream];
        for (const MessageRef &m : req->events) {
            RecordedEvent r;
            r.event = m;
            r.revision = static_cast<std::int64_t>(stream.positions.size());
            r.position = static_cast<std::int64_t>(m_log.size());
            r.recorded = ctx.now();
            ctx.announce(*m);
            TraceEvent e = messageEvent(TraceKind::StreamAppend, m.get());
            e.peer = ctx.peer(link);
            e.link = link;
            e.offset = r.position;
            e.aux = r.revision;
            e.correlationId = req->command;
            ctx.trace(e);
            stream.positions.push_back(r.position);
            m_ids[m->id] = r.position;
            ++m_retained;
            m_log.push_back(r);
            body->revision = r.revision;
            body->position = r.position;
        }
        ctx.send(link, responseTo(frame, EsError::None, std::move(body)));
        for (std::size_t i = 0; i < req->events.size(); ++i)
            publishLive(ctx, m_log[m_log.size() - req->events.size() + i]);
        enforceMaxCount(ctx, req->stream, stream);
    }

    // --- retention ---------------------------------------------------------------------------
    void removeBefore(NodeContext &ctx, Stream &s, std::int64_t newFirst)
    {
        if (newFirst <= s.first) return;
        const std::int64_t removed = newFirst - s.first;
        // The first removed event names the stream (the window reads its key).
        const auto &oldest = m_log[static_cast<std::size_t>(s.positions[static_cast<std::size_t>(s.first)])];
        const std::uint64_t firstRemoved = oldest.event ? oldest.event->id : 0;
        for (std::int64_t r = s.first; r < newFirst; ++r) {
            auto &rec = m_log[static_cast<std::size_t>(s.positions[static_cast<std::size_t>(r)])];
            if (!rec.event) continue;
            m_ids.erase(rec.event->id);
            rec.event.reset(); // freed: the position stays taken
            --m_retained;
        }
        s.first = newFirst;
        TraceEvent e;
        e.kind = TraceKind::Retention;
        e.messageId = firstRemoved;
        e.offset = newFirst;
        e.aux = removed;
        ctx.trace(e);
    }

    void enforceMaxCount(NodeContext &ctx, const std::string &name, Stream &s)
    {
        if (m_maxCount <= 0 || isSnapshotStream(name)) return;
        const auto size = static_cast<std::int64_t>(s.positions.size());
        if (size - s.first > m_maxCount) removeBefore(ctx, s, size - m_maxCount);
    }

    bool expired(const RecordedEvent &r, SimTime now) const
    {
        return m_maxAge > 0 && now - r.recorded > m_maxAge && r.event && !isSnapshotStream(r.event->key);
    }

    void scavenge(NodeContext &ctx)
    {
        for (auto &[name, s] : m_streams) {
            if (isSnapshotStream(name)) continue;
            std::int64_t first = s.first;
            while (first < static_cast<std::int64_t>(s.positions.size()) &&
                   ctx.now() - m_log[static_cast<std::size_t>(s.positions[static_cast<std::size_t>(first)])]
                                   .recorded >
                       m_maxAge)
                ++first;
            removeBefore(ctx, s, first);
        }
    }

    void armScavenge(NodeContext &ctx)
    {
        // Background: an idle store's scavenging does not keep a run alive.
        ctx.startTimer(std::max<SimTime>(m_maxAge / 4, 1'000'000), timerTag(ScavengeTimer, 0), true);
    }

    // --- reads -------------------------------------------------------------------------------
    bool readable(const RecordedEvent &r, SimTime now) const { return r.event && !expired(r, now); }

    std::vector<RecordedEvent> selectRead(NodeContext &ctx, const es::ReadRequest &req) const
    {
        std::vector<RecordedEvent> out;
        const std::size_t limit = req.maxCount == 0 ? SIZE_MAX : req.maxCount;
        auto take = [&](const RecordedEvent &r) {
            if (!readable(r, ctx.now()) || r.recorded > req.asOf) return true;
            out.push_back(r);
            return out.size() < limit;
        };
        const bool byPosition = req.stream == es::kAllStream || req.stream.starts_with("$ce-");
        if (byPosition) {
            if (req.backwards) {
                for (auto i = m_log.size(); i-- > 0;)
                    if (m_log[i].event && es::streamMatches(req.stream, m_log[i].event->key) &&
                        !take(m_log[i]))
                        break;
            } else {
                for (auto i = static_cast<std::size_t>(std::max<std::int64_t>(req.from, 0)); i < m_log.size();
                     ++i)
                    if (m_log[i].event && es::streamMatches(req.stream, m_log[i].event->key) &&
                        !take(m_log[i]))
                        break;
            }
            return out;
        }
        auto it = m_streams.find(req.stream);
        if (it == m_streams.end()) return out;
        const Stream &s = it->second;
        const auto size = static_cast<std::int64_t>(s.positions.size());
        if (req.backwards) {
            for (std::int64_t r = size - 1; r >= s.first; --r)
                if (!take(m_log[static_cast<std::size_t>(s.positions[static_cast<std::size_t>(r)])])) break;
        } else {
            for (std::int64_t r = std::max(req.from, s.first); r < size; ++r)
                if (!take(m_log[static_cast<std::size_t>(s.positions[static_cast<std::size_t>(r)])])) break;
        }
        return out;
    }

    void finishRead(NodeContext &ctx, std::uint64_t n)
    {
        auto it = m_reads.find(n);
        if (it == m_reads.end()) return;
        const PendingRead p = std::move(it->second);
        m_reads.erase(it);
        const auto *req = p.frame.as<es::ReadRequest>();
        auto body = std::make_shared<es::ReadResponse>();
        body->stream = req->stream;
        body->events = selectRead(ctx, *req);
        body->lastPosition = static_cast<std::int64_t>(m_log.size()) - 1;
        std::uint16_t status = EsError::None;
        if (req->stream != es::kAllStream && !req->stream.starts_with("$ce-")) {
            auto s = m_streams.find(req->stream);
            if (s == m_streams.end())
                status = EsError::StreamNotFound;
            else
                body->lastRevision = static_cast<std::int64_t>(s->second.positions.size()) - 1;
        }
        ctx.send(p.link, responseTo(p.frame, status, std::move(body)));
    }

    // --- subscriptions -----------------------------------------------------------------------
    // Whether a subscription to `stream` that has seen up to `from` should get event r.
    static bool after(const std::string &stream, std::int64_t from, const RecordedEvent &r)
    {
        const bool byPosition = stream == es::kAllStream || stream.starts_with("$ce-");
        return (byPosition ? r.position : r.revision) > from;
    }

    void sendEvent(NodeContext &ctx, LinkIndex link, const RecordedEvent &r, const std::string &group,
                   std::uint32_t retryCount)
    {
        Frame f;
        f.type = FrameType::EventAppeared;
        f.tag = static_cast<std::uint64_t>(r.position);
        f.message = r.event;
        f.deliveryCount = retryCount + 1;
        f.redelivered = retryCount > 0;
        auto body = std::make_shared<es::EventAppearedBody>();
        body->event = r;
        body->group = group;
        body->retryCount = retryCount;
        f.body = std::move(body);
        ctx.send(link, std::move(f));
    }

    void subscribe(NodeContext &ctx, LinkIndex link, const Frame &frame)
    {
        const auto *req = frame.as<es::SubscribeRequest>();
        if (!req) return;
        ctx.send(link, responseTo(frame, EsError::None));
        if (!req->group.empty()) {
            joinGroup(ctx, link, *req);
            return;
        }
        // Catch-up: what exists now, in order, then the marker, then live.
        if (req->from != es::kFromEnd) {
            for (const auto &r : m_log)
                if (readable(r, ctx.now()) && es::streamMatches(req->stream, r.event->key) &&
                    after(req->stream, req->from, r))
                    sendEvent(ctx, link, r, {}, 0);
        }
        Frame marker;
        marker.type = FrameType::EventAppeared;
        auto body = std::make_shared<es::EventAppearedBody>();
        body->caughtUp = true;
        marker.body = std::move(body);
        ctx.send(link, std::move(marker));
        m_catchUps.push_back({link, req->stream});
    }

    void publishLive(NodeContext &ctx, const RecordedEvent &r)
    {
        for (const auto &c : m_catchUps)
            if (es::streamMatches(c.stream, r.event->key)) sendEvent(ctx, c.link, r, {}, 0);
        for (auto &[key, g] : m_groups)
            if (es::streamMatches(g.stream, r.event->key)) dispatch(ctx, g);
    }

    void joinGroup(NodeContext &ctx, LinkIndex link, const es::SubscribeRequest &req)
    {
        const std::string key = req.stream + "::" + req.group;
        auto it = m_groups.find(key);
        if (it == m_groups.end()) {
            Group g;
            g.stream = req.stream;
            g.name = req.group;
            g.settings = req.settings;
            // A new group starts where the first consumer asks (EventStoreDB's startFrom).
            g.checkpoint = g.cursor = req.from == es::kFromEnd ? static_cast<std::int64_t>(m_log.size())
                                                               : std::max<std::int64_t>(req.from + 1, 0);
            it = m_groups.emplace(key, std::move(g)).first;
        }
        Group &g = it->second;
        if (std::none_of(g.consumers.begin(), g.consumers.end(),
                         [link](const Consumer &c) { return c.link == link; }))
            g.consumers.push_back({link, 0});
        dispatch(ctx, g);
    }

    Consumer *nextConsumer(Group &g)
    {
        for (std::size_t i = 0; i < g.consumers.size(); ++i) {
            Consumer &c = g.consumers[(g.nextConsumer + i) % g.consumers.size()];
            if (c.inFlight < g.settings.bufferSize) {
                g.nextConsumer = (g.nextConsumer + i + 1) % g.consumers.size();
                return &c;
            }
        }
        return nullptr;
    }

    void deliver(NodeContext &ctx, Group &g, Consumer &c, std::int64_t pos)
    {
        const RecordedEvent &r = m_log[static_cast<std::size_t>(pos)];
        ++c.inFlight;
        InFlight f;
        f.link = c.link;
        f.timer = ctx.startTimer(g.settings.messageTimeout, timerTag(AckTimeoutTimer, timerKey(g, pos)));
        g.inFlight[pos] = f;
        sendEvent(ctx, c.link, r, g.name, g.retryCounts[pos]);
    }

    // Ack timeouts name their group and position in one number: the group's index in m_groups
    // order would shift, so groups get stable ids.
    std::uint64_t timerKey(const Group &g, std::int64_t pos)
    {
        auto id = m_groupIds.find(&g);
        if (id == m_groupIds.end()) {
            id = m_groupIds.emplace(&g, m_groupIds.size()).first;
            m_groupById.push_back(const_cast<Group *>(&g));
        }
        return (static_cast<std::uint64_t>(pos) << 12) | id->second;
    }

    void dispatch(NodeContext &ctx, Group &g)
    {
        if (g.consumers.empty()) return;
        while (!g.retries.empty()) {
            Consumer *c = nextConsumer(g);
            if (!c) return;
            const std::int64_t pos = g.retries.front();
            g.retries.pop_front();
            if (!m_log[static_cast<std::size_t>(pos)].event) continue; // removed by retention meanwhile
            deliver(ctx, g, *c, pos);
        }
        while (g.cursor < static_cast<std::int64_t>(m_log.size())) {
            const RecordedEvent &r = m_log[static_cast<std::size_t>(g.cursor)];
            if (!readable(r, ctx.now()) || !es::streamMatches(g.stream, r.event->key) ||
                g.inFlight.count(g.cursor) || std::binary_search(g.acked.begin(), g.acked.end(), g.cursor)) {
                ++g.cursor;
                if (!r.event || !es::streamMatches(g.stream, r.event->key)) advanceCheckpoint(g);
                continue;
            }
            Consumer *c = nextConsumer(g);
            if (!c) return;
            deliver(ctx, g, *c, g.cursor++);
        }
    }

    // Moves the checkpoint over every position that is acked or not the group's.
    void advanceCheckpoint(Group &g)
    {
        while (g.checkpoint < g.cursor) {
            const auto &r = m_log[static_cast<std::size_t>(g.checkpoint)];
            const bool mine = r.event && es::streamMatches(g.stream, r.event->key);
            if (mine) {
                auto a = std::lower_bound(g.acked.begin(), g.acked.end(), g.checkpoint);
                if (a == g.acked.end() || *a != g.checkpoint) return;
                g.acked.erase(a);
            }
            ++g.checkpoint;
        }
    }

    void finished(NodeContext &ctx, Group &g, std::int64_t pos)
    {
        auto it = g.inFlight.find(pos);
        if (it == g.inFlight.end()) return;
        ctx.cancelTimer(it->second.timer);
        for (auto &c : g.consumers)
            if (c.link == it->second.link && c.inFlight > 0) --c.inFlight;
        g.inFlight.erase(it);
    }

    void markAcked(Group &g, std::int64_t pos)
    {
        g.retryCounts.erase(pos);
        g.acked.insert(std::lower_bound(g.acked.begin(), g.acked.end(), pos), pos);
        advanceCheckpoint(g);
    }

    void park(NodeContext &ctx, Group &g, std::int64_t pos, LinkIndex link)
    {
        const RecordedEvent &r = m_log[static_cast<std::size_t>(pos)];
        TraceEvent e = messageEvent(TraceKind::Park, r.event.get());
        e.peer = link == kNoIndex ? kNoIndex : ctx.peer(link);
        e.link = link;
        e.offset = pos;
        e.reason = DropReason::Parked;
        ctx.trace(e);
        ++g.parked;
        markAcked(g, pos); // a parked event no longer holds the checkpoint back
    }

    void retry(NodeContext &ctx, Group &g, std::int64_t pos, LinkIndex link)
    {
        const std::uint32_t count = ++g.retryCounts[pos];
        if (count > g.settings.maxRetryCount)
            park(ctx, g, pos, link);
        else
            g.retries.push_back(pos);
    }

    void settle(NodeContext &ctx, LinkIndex link, const Frame &frame)
    {
        const auto *body = frame.as<es::SettleBody>();
        if (!body) return;
        Group *g = nullptr;
        for (auto &[key, group] : m_groups)
            if (group.name == body->group &&
                std::any_of(group.consumers.begin(), group.consumers.end(),
                            [link](const Consumer &c) { return c.link == link; }))
                g = &group;
        if (!g) return;
        for (std::int64_t pos : body->positions) {
            if (!g->inFlight.count(pos)) continue; // late: it timed out and went to someone else
            finished(ctx, *g, pos);
            if (frame.type == FrameType::PersistentAck || body->action == es::NackAction::Skip)
                markAcked(*g, pos);
            else if (body->action == es::NackAction::Park)
                park(ctx, *g, pos, link);
            else
                retry(ctx, *g, pos, link);
        }
        dispatch(ctx, *g);
    }

    void ackTimedOut(NodeContext &ctx, std::uint64_t key)
    {
        const std::size_t id = key & 0xFFF;
        const auto pos = static_cast<std::int64_t>(key >> 12);
        if (id >= m_groupById.size()) return;
        Group &g = *m_groupById[id];
        auto it = g.inFlight.find(pos);
        if (it == g.inFlight.end()) return;
        const LinkIndex link = it->second.link;
        it->second.timer = kNoTimer; // fired
        for (auto &c : g.consumers)
            if (c.link == link && c.inFlight > 0) --c.inFlight;
        g.inFlight.erase(it);
        TraceEvent e = messageEvent(TraceKind::Timeout, m_log[static_cast<std::size_t>(pos)].event.get());
        e.peer = ctx.peer(link);
        e.offset = pos;
        ctx.trace(e);
        retry(ctx, g, pos, link);
        dispatch(ctx, g);
    }

    SimTime m_appendTime, m_readTime, m_readPerEvent;
    std::int64_t m_maxCount;
    SimTime m_maxAge;
    // Durable.
    std::vector<RecordedEvent> m_log; // by position; a removed event's `event` is null
    std::unordered_map<std::string, Stream> m_streams;
    std::unordered_map<std::uint64_t, std::int64_t> m_ids; // message id -> position
    std::map<std::string, Group> m_groups;                 // by "stream::group"
    std::uint64_t m_retained = 0;
    // Volatile.
    std::deque<PendingAppend> m_writerQueue;
    bool m_writerBusy = false;
    std::map<std::uint64_t, PendingRead> m_reads;
    std::uint64_t m_nextRead = 1;
    std::vector<CatchUp> m_catchUps;
    std::map<const Group *, std::uint64_t> m_groupIds;
    std::vector<Group *> m_groupById;
};

} // namespace

NodeKindSpec eventStoreKind()
{
    NodeKindSpec k;
    k.kind = "event-store";
    k.deliveryRole = DeliveryRole::Log;
    k.label = "Event store";
    k.category = "Event sourcing";
    k.help =
        "An event store as EventStoreDB/KurrentDB keeps one: streams per entity appended under an expected "
        "version, a global position, reads as of a time, catch-up and persistent subscriptions.";
    k.ports = {{"clients", PortDirection::In, Protocol::EventStore, true,
                "Appends, reads and subscriptions from command handlers, projections and services."}};
    using T = PropertyType;
    k.properties = {
        property("appendTime", "Append time", T::Duration, 1,
                 "How long the store's one writer takes to write an append (its fsync); appends wait their "
                 "turn.",
                 "ms", 0, 3.6e6),
        property("readTime", "Read time", T::Duration, 0.2, "The fixed cost of a read.", "ms", 0, 3.6e6),
        property("readTimePerEvent", "Read time per event", T::Duration, 0.002,
                 "What each event a read returns adds to its time (loading a long stream is slow).", "ms", 0,
                 3.6e6),
        property("maxCount", "Max count", T::Integer, 0,
                 "Retention ($maxCount for every stream but snapshots): a stream keeps its newest this many "
                 "events readable (0 = keep all).",
                 "events", 0, 1e12),
        property("maxAge", "Max age", T::Duration, 0,
                 "Retention ($maxAge): events older than this are no longer read and are scavenged (0 = "
                 "forever).",
                 "ms", 0, 9.0e12),
    };
    k.factory = [](const NodeSetup &s) { return std::make_unique<EventStore>(s); };
    k.explainRoute = [](const RouteQuestion &q) {
        // Its clients connect to it: projections read (subscribe), command handlers write.
        RouteAnswer a;
        a.note = "appends the events to their stream";
        for (std::size_t i = 0; i < q.outputs.size(); ++i) {
            const RouteOutput &o = q.outputs[i];
            const bool reader = o.peerKind && o.peerKind->kind == "projection";
            a.verdicts.push_back(routeVerdict(i, reader,
                                              reader ? "a subscriber: the projection catches up on the stream"
                                                     : "a writer, not a subscriber"));
            a.ends = a.ends || reader;
        }
        a.ends = true;
        for (const auto &v : a.verdicts)
            if (v.taken) a.ends = false;
        return a;
    };
    return k;
}

std::vector<NodeTemplate> eventStoreTemplates()
{
    return {
        {"eventstoredb", "EventStoreDB (KurrentDB)", "Event sourcing", "event-store",
         "EventStoreDB's rules: one writer, optimistic concurrency, persistent subscriptions that park after "
         "10 retries.",
         Json::object()}};
}

} // namespace sb
