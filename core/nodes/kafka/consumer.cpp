// The kafka-consumer kind: a member of a consumer group as Kafka's Java client runs one with the
// classic group protocol. Metadata -> JoinGroup/SyncGroup (the leader assigns with the chosen
// assignor) -> OffsetFetch for its partitions (no committed offset: auto.offset.reset through
// ListOffsets, or a seek) -> the poll loop: one Fetch of up to max.poll.records is "one poll", its
// records processed one after another. A background heartbeat keeps the session; a poll later
// than max.poll.interval.ms makes the member leave (as the Java client's heartbeat thread does).
// Offsets are committed automatically every auto.commit.interval.ms (at a poll, and before
// revoking), or by the application after processing (sync, async) or before it (at-most-once).
// With its "output" port linked to a second topic it is a consume-transform-produce loop (a Kafka
// Streams task): each processed record's output goes to that topic through a StreamsProducer
// (streamsproducer.h), which settles the offsets: at_least_once commits them once the outputs are
// acknowledged; exactly_once_v2 commits them in the poll's transaction, and rewinds to the
// committed offsets when a transaction aborts.
#include "../common.h"
#include "assignors.h"
#include "kafka.h"
#include "kafkaprotocol.h"
#include "streamsproducer.h"

#include "../../callstatus.h"

#include <algorithm>
#include <deque>
#include <map>
#include <optional>
#include <set>

namespace sb {

namespace {

using namespace kafka;

enum TimerTag : std::uint64_t {
    StartTimer,
    HeartbeatTimer,
    WorkTimer,
    IdlePollTimer,
    PollCheckTimer,
    MetadataRetryTimer,
    JoinRetryTimer,
    RequestTimeoutTimer, // (request tag << 3) | RequestTimeoutTimer
};
constexpr SimTime kRetryBackoff = 100 * kMillisecond; // retry.backoff.ms
constexpr SimTime kRequestTimeout = 30 * kSecond;     // request.timeout.ms
constexpr SimTime kJoinTimeoutMargin = 5 * kSecond;   // a JoinGroup waits the rebalance timeout + 5 s

enum class CommitMode { Auto, SyncAfter, AsyncAfter, Before };
enum class Seek { None, Offset, Timestamp };
enum class Phase { Idle, Metadata, Joining, Syncing, Stable, Fenced };

class KafkaConsumer final : public Node {
public:
    explicit KafkaConsumer(const NodeSetup &s)
    {
        const auto &p = s.properties;
        m_groupId = p.string("groupId");
        m_instanceId = p.string("groupInstanceId");
        const std::string strategy = p.string("partitionAssignmentStrategy");
        for (std::size_t at = 0; at <= strategy.size();) {
            const auto comma = std::min(strategy.find(',', at), strategy.size());
            if (comma > at) m_protocols.push_back(strategy.substr(at, comma - at));
            at = comma + 1;
        }
        m_sessionTimeout = p.duration("sessionTimeout");
        m_heartbeatInterval = p.duration("heartbeatInterval");
        m_maxPollInterval = p.duration("maxPollInterval");
        m_maxPollRecords = static_cast<std::uint32_t>(p.integer("maxPollRecords"));
        m_fetchMaxWait = p.duration("fetchMaxWait");
        m_autoCommitInterval = p.duration("autoCommitInterval");
        if (p.boolean("enableAutoCommit")) {
            m_commitMode = CommitMode::Auto;
        } else {
            const std::string mode = p.string("commitMode");
            m_commitMode = mode == "async-after-processing" ? CommitMode::AsyncAfter
                           : mode == "before-processing"    ? CommitMode::Before
                                                            : CommitMode::SyncAfter;
        }
        m_autoOffsetReset = p.string("autoOffsetReset");
        m_readCommitted = p.string("isolationLevel") == "read_committed";
        m_processing = p.distribution("processingTime");
        const std::string seek = p.string("seek");
        m_seek = seek == "offset" ? Seek::Offset : seek == "timestamp" ? Seek::Timestamp : Seek::None;
        m_seekOffset = p.integer("seekOffset");
        m_seekTimestamp = p.duration("seekTimestamp");
        m_startAt = p.duration("startAt");
        m_exactlyOnce = p.string("processingGuarantee") == "exactly_once_v2";
        m_transactionalId = p.string("transactionalId");
        if (m_transactionalId.empty()) m_transactionalId = s.id;
        m_transactionTimeout = p.duration("transactionTimeout");
        m_abortRate = p.number("abortRate");
    }

    void start(NodeContext &ctx) override { ctx.startTimer(m_startAt, StartTimer); }

    void onTimer(NodeContext &ctx, std::uint64_t tag) override
    {
        if (tag & StreamsProducer::kTimerBit) {
            if (m_output) onOutput(ctx, m_output->onTimer(ctx, tag));
            return;
        }
        if ((tag & 7) == RequestTimeoutTimer) {
            onRequestTimeout(ctx, tag >> 3);
            return;
        }
        switch (tag) {
        case StartTimer:
            m_group = ctx.groupIndex(m_groupId);
            startOutput(ctx);
            requestMetadata(ctx);
            break;
        case HeartbeatTimer:
            m_heartbeatArmed = false;
            heartbeat(ctx);
            break;
        case WorkTimer:
            finishRecord(ctx);
            break;
        case IdlePollTimer: {
            m_idlePollArmed = false;
            // Partitions whose position a refused OffsetFetch or ListOffsets left unknown (their
            // leader was down, say): ask again, as the Java client does after retry.backoff.ms.
            std::vector<std::uint32_t> missing;
            for (std::uint32_t p : m_owned)
                if (!m_position.count(p)) missing.push_back(p);
            if (!missing.empty() && m_phase == Phase::Stable) initPositions(ctx, missing);
            poll(ctx);
            break;
        }
        case PollCheckTimer:
            m_pollCheckArmed = false;
            checkPollInterval(ctx);
            break;
        case MetadataRetryTimer:
            // No answer (the topic was down, the link lost it): ask again.
            if (m_phase == Phase::Metadata) requestMetadata(ctx);
            break;
        case JoinRetryTimer:
            if (m_phase == Phase::Joining && m_joinTag == kNoTag) join(ctx);
            break;
        default:
            break;
        }
    }

    void onFrame(NodeContext &ctx, LinkIndex from, Frame &f) override
    {
        if (!f.response) return;
        if (m_output && m_output->owns(from, f)) {
            onOutput(ctx, m_output->onFrame(ctx, f));
            return;
        }
        m_link = from;
        switch (f.type) {
        case FrameType::Metadata:
            onMetadata(ctx, f);
            break;
        case FrameType::JoinGroup:
            if (f.tag == m_joinTag) onJoined(ctx, f);
            break;
        case FrameType::SyncGroup:
            if (f.tag == m_syncTag) onSynced(ctx, f);
            break;
        case FrameType::Heartbeat:
            onHeartbeat(ctx, f);
            break;
        case FrameType::OffsetFetch:
            onOffsetFetch(ctx, f);
            break;
        case FrameType::ListOffsets:
            onListOffsets(ctx, f);
            break;
        case FrameType::Fetch:
            if (f.tag == m_fetchTag) onFetch(ctx, f);
            break;
        case FrameType::OffsetCommit:
            if (f.tag == m_syncCommitTag) {
                // commitSync returned (whatever it said: a failed commit is retried by the next one).
                m_syncCommitTag = 0;
                poll(ctx);
            }
            break;
        default:
            break;
        }
    }

    void onCrash(NodeContext &) override
    {
        // Everything not committed is gone. A dynamic member's id is lost with it; a static member
        // comes back under its group.instance.id.
        const std::uint64_t tag = m_nextTag;
        const std::uint32_t group = m_group;
        *this = KafkaConsumer(*this, Reset{});
        m_nextTag = tag;
        m_group = group;
    }

    NodeStatus status() const override
    {
        NodeStatus s;
        s.ready = m_batch.size();
        s.unacked = m_busy ? 1 : 0;
        return s;
    }

    bool hasPendingWork() const override
    {
        return m_busy || !m_batch.empty() || (m_output && !m_output->flushed());
    }

private:
    struct Reset {};
    // A copy with the configuration only (what a restart starts from).
    KafkaConsumer(const KafkaConsumer &o, Reset)
        : m_groupId(o.m_groupId), m_instanceId(o.m_instanceId), m_protocols(o.m_protocols),
          m_sessionTimeout(o.m_sessionTimeout), m_heartbeatInterval(o.m_heartbeatInterval),
          m_maxPollInterval(o.m_maxPollInterval), m_maxPollRecords(o.m_maxPollRecords),
          m_fetchMaxWait(o.m_fetchMaxWait), m_autoCommitInterval(o.m_autoCommitInterval),
          m_commitMode(o.m_commitMode), m_autoOffsetReset(o.m_autoOffsetReset),
          m_readCommitted(o.m_readCommitted), m_processing(o.m_processing), m_seek(o.m_seek),
          m_seekOffset(o.m_seekOffset), m_seekTimestamp(o.m_seekTimestamp), m_startAt(o.m_startAt),
          m_exactlyOnce(o.m_exactlyOnce), m_transactionalId(o.m_transactionalId),
          m_transactionTimeout(o.m_transactionTimeout), m_abortRate(o.m_abortRate)
    {
    }
    KafkaConsumer &operator=(KafkaConsumer &&) = default;

    struct Pending {
        std::uint32_t partition;
        Record record;
    };

    Frame request(FrameType type)
    {
        Frame f;
        f.type = type;
        f.tag = m_nextTag++;
        return f;
    }
    void send(NodeContext &ctx, Frame f)
    {
        auto links = ctx.links(KafkaConsumerPort::In);
        if (links.empty()) {
            sendOnPort(ctx, KafkaConsumerPort::In, std::move(f)); // traces the NoRoute drop
            return;
        }
        m_link = links.front();
        ctx.send(m_link, std::move(f));
    }
    bool inGroup() const { return !m_groupId.empty(); }
    // Offsets go in the output's transactions (and nowhere else).
    bool eos() const { return m_output && m_output->exactlyOnce(); }

    // --- The output (consume-transform-produce) -------------------------------------------------

    void startOutput(NodeContext &ctx)
    {
        auto out = ctx.links(KafkaConsumerPort::Out);
        auto in = ctx.links(KafkaConsumerPort::In);
        if (out.empty() || in.empty()) return;
        StreamsProducer::Config c;
        if (m_exactlyOnce && inGroup()) c.transactionalId = m_transactionalId;
        c.transactionTimeout = m_transactionTimeout;
        c.requestTimeout = kRequestTimeout;
        c.retryBackoff = kRetryBackoff;
        m_output.emplace(c);
        m_output->start(ctx, out.front(), in.front());
    }

    void onOutput(NodeContext &ctx, StreamsProducer::Event event)
    {
        using Event = StreamsProducer::Event;
        switch (event) {
        case Event::None:
            break;
        case Event::Ready:
        case Event::Flushed:
            if (m_awaitOutput) {
                m_awaitOutput = false;
                afterBatch(ctx);
            } else if (!m_polling && !m_busy && m_batch.empty() && !m_txnEnding) {
                poll(ctx);
            }
            break;
        case Event::Committed:
            m_txnEnding = false;
            for (const auto &[p, o] : m_txnOffsets)
                m_committed[p] = o;
            m_txnOffsets.clear();
            poll(ctx);
            break;
        case Event::Aborted:
            m_txnEnding = false;
            m_txnOffsets.clear();
            rewind(ctx);
            if (m_output->ready()) poll(ctx); // else when it is (Ready)
            break;
        }
    }

    // A transaction aborted: what it processed is undone, so the owned partitions start again
    // from their committed offsets (KIP-447: OffsetFetch waits while offsets are unstable).
    void rewind(NodeContext &ctx)
    {
        m_batch.clear();
        m_position.clear();
        m_processed.clear();
        m_committed.clear();
        m_fetchTag = kNoTag; // a fetch in flight answers for positions given up
        m_polling = false;
        if (m_phase == Phase::Stable && !m_owned.empty())
            initPositions(ctx, std::vector<std::uint32_t>(m_owned.begin(), m_owned.end()));
    }

    void requestMetadata(NodeContext &ctx)
    {
        m_phase = Phase::Metadata;
        send(ctx, request(FrameType::Metadata));
        ctx.startTimer(m_sessionTimeout, MetadataRetryTimer, true);
    }

    void onMetadata(NodeContext &ctx, const Frame &f)
    {
        const auto *m = f.as<MetadataResponse>();
        if (m_phase != Phase::Metadata || !m || f.status != KafkaError::None) return;
        m_partitions = m->partitions;
        if (!inGroup()) {
            // No group: every partition, assigned by the application (KafkaConsumer.assign()).
            std::vector<std::uint32_t> all;
            for (std::uint32_t p = 0; p < m_partitions; ++p)
                all.push_back(p);
            m_phase = Phase::Stable;
            applyAssignment(ctx, all);
            poll(ctx);
            return;
        }
        join(ctx);
    }

    // A request whose response (or the request itself) was lost — the topic crashed, the link went
    // down — is given up after request.timeout.ms, and the loop it holds up goes on.
    void expectResponse(NodeContext &ctx, std::uint64_t tag, SimTime timeout)
    {
        ctx.startTimer(timeout, (tag << 3) | RequestTimeoutTimer, true);
    }

    void onRequestTimeout(NodeContext &ctx, std::uint64_t tag)
    {
        if (tag == m_fetchTag) {
            m_fetchTag = kNoTag;
            m_polling = false;
            poll(ctx);
        } else if (tag == m_syncCommitTag) {
            m_syncCommitTag = 0;
            poll(ctx);
        } else if (tag == m_joinTag || tag == m_syncTag) {
            m_joinTag = m_syncTag = kNoTag;
            join(ctx);
        }
    }

    // --- Membership ---------------------------------------------------------------------------

    void join(NodeContext &ctx)
    {
        m_phase = Phase::Joining;
        m_rejoinNeeded = false;
        Frame f = request(FrameType::JoinGroup);
        m_joinTag = f.tag;
        expectResponse(ctx, f.tag, addTime(m_maxPollInterval, kJoinTimeoutMargin));
        auto body = std::make_shared<JoinGroupRequest>();
        body->groupId = m_groupId;
        body->memberId = m_memberId;
        body->groupInstanceId = m_instanceId;
        body->sessionTimeout = m_sessionTimeout;
        body->rebalanceTimeout = m_maxPollInterval;
        body->protocols = m_protocols;
        body->ownedPartitions.assign(m_owned.begin(), m_owned.end());
        body->generationOfOwned = static_cast<std::uint32_t>(std::max(m_generation, 0));
        f.body = std::move(body);
        send(ctx, std::move(f));
    }

    void onJoined(NodeContext &ctx, const Frame &f)
    {
        m_joinTag = 0;
        const auto *r = f.as<JoinGroupResponse>();
        switch (f.status) {
        case KafkaError::None:
            break;
        case KafkaError::MemberIdRequired:
            if (r) m_memberId = r->memberId;
            join(ctx);
            return;
        case KafkaError::UnknownMemberId:
        case KafkaError::IllegalGeneration:
            resetMembership(ctx);
            join(ctx);
            return;
        case KafkaError::FencedInstanceId:
        case KafkaError::InconsistentGroupProtocol:
            fenced(ctx);
            return;
        default:
            m_joinTag = kNoTag;
            ctx.startTimer(kRetryBackoff, JoinRetryTimer);
            return;
        }
        if (!r) return;
        m_memberId = r->memberId;
        m_generation = r->generation;
        m_protocol = r->protocol;
        m_partitions = r->partitions;
        TraceEvent e;
        e.kind = TraceKind::Join;
        e.group = m_group;
        e.epoch = static_cast<std::uint32_t>(m_generation);
        ctx.trace(e);
        Frame s = request(FrameType::SyncGroup);
        m_syncTag = s.tag;
        expectResponse(ctx, s.tag, kRequestTimeout);
        auto body = std::make_shared<SyncGroupRequest>();
        body->groupId = m_groupId;
        body->generation = m_generation;
        body->memberId = m_memberId;
        body->groupInstanceId = m_instanceId;
        if (r->leader == m_memberId && !r->members.empty()) {
            std::vector<AssignorMember> members;
            for (const auto &m : r->members)
                members.push_back({m.memberId, m.groupInstanceId, m.ownedPartitions, m.generationOfOwned});
            for (auto &[member, parts] : assignPartitions(m_protocol, members, m_partitions))
                body->assignments.emplace_back(member, std::move(parts));
        }
        s.body = std::move(body);
        m_phase = Phase::Syncing;
        send(ctx, std::move(s));
        armHeartbeat(ctx);
    }

    void onSynced(NodeContext &ctx, const Frame &f)
    {
        m_syncTag = 0;
        switch (f.status) {
        case KafkaError::None:
            break;
        case KafkaError::UnknownMemberId:
        case KafkaError::IllegalGeneration:
            resetMembership(ctx);
            join(ctx);
            return;
        case KafkaError::FencedInstanceId:
            fenced(ctx);
            return;
        default: // REBALANCE_IN_PROGRESS and the like: join again
            join(ctx);
            return;
        }
        const auto *r = f.as<SyncGroupResponse>();
        m_phase = Phase::Stable;
        applyAssignment(ctx, r ? r->assignment : std::vector<std::uint32_t>{});
        // Cooperative: having given up what moved, rejoin so the follow-up rebalance hands it over.
        if (m_revokedInSync) {
            m_revokedInSync = false;
            join(ctx);
            return;
        }
        if (!m_polling) poll(ctx);
    }

    // The assignment of this generation: Revoke what is no longer ours, Assign what is new.
    void applyAssignment(NodeContext &ctx, const std::vector<std::uint32_t> &assignment)
    {
        const std::set<std::uint32_t> next(assignment.begin(), assignment.end());
        std::vector<std::uint32_t> revoked;
        for (std::uint32_t p : m_owned)
            if (!next.count(p)) revoked.push_back(p);
        if (!revoked.empty()) {
            revoke(ctx, revoked);
            m_revokedInSync = isCooperativeAssignor(m_protocol);
        }
        std::vector<std::uint32_t> added;
        for (std::uint32_t p : next)
            if (!m_owned.count(p)) added.push_back(p);
        for (std::uint32_t p : added) {
            m_owned.insert(p);
            traceMembership(ctx, TraceKind::Assign, p);
        }
        if (!added.empty()) initPositions(ctx, added);
    }

    void traceMembership(NodeContext &ctx, TraceKind kind, std::uint32_t p)
    {
        TraceEvent e;
        e.kind = kind;
        e.partition = p;
        e.group = m_group;
        e.epoch = static_cast<std::uint32_t>(std::max(m_generation, 0));
        ctx.trace(e);
    }

    // onPartitionsRevoked: with auto-commit, what was processed is committed first.
    void revoke(NodeContext &ctx, const std::vector<std::uint32_t> &partitions)
    {
        if (eos() && m_output->inTransaction()) m_abortTxn = true;
        if (m_commitMode == CommitMode::Auto && !eos()) commit(ctx, partitions, false);
        for (std::uint32_t p : partitions) {
            traceMembership(ctx, TraceKind::Revoke, p);
            m_owned.erase(p);
            m_position.erase(p);
            m_processed.erase(p);
        }
        // Records of revoked partitions not processed yet are not ours to process any more.
        std::erase_if(m_batch, [&](const Pending &r) { return !m_owned.count(r.partition); });
    }

    // The generation is gone (unknown member, illegal generation): the partitions are lost, not
    // revoked: nothing is committed for them (onPartitionsLost).
    void resetMembership(NodeContext &ctx)
    {
        if (eos() && m_output->inTransaction()) m_abortTxn = true;
        for (std::uint32_t p : std::vector<std::uint32_t>(m_owned.begin(), m_owned.end()))
            traceMembership(ctx, TraceKind::Revoke, p);
        m_owned.clear();
        m_position.clear();
        m_processed.clear();
        m_batch.clear();
        m_memberId.clear();
        m_generation = -1;
    }

    void fenced(NodeContext &ctx)
    {
        TraceEvent e;
        e.kind = TraceKind::Leave;
        e.aux = 3;
        e.group = m_group;
        e.epoch = static_cast<std::uint32_t>(std::max(m_generation, 0));
        ctx.trace(e);
        resetMembership(ctx);
        m_phase = Phase::Fenced;
    }

    void armHeartbeat(NodeContext &ctx)
    {
        if (m_heartbeatArmed || !inGroup()) return;
        m_heartbeatArmed = true;
        ctx.startTimer(m_heartbeatInterval, HeartbeatTimer, true);
    }

    void heartbeat(NodeContext &ctx)
    {
        if (m_phase != Phase::Stable && m_phase != Phase::Syncing) return;
        if (m_memberId.empty()) return;
        Frame f = request(FrameType::Heartbeat);
        auto body = std::make_shared<HeartbeatRequest>();
        body->groupId = m_groupId;
        body->generation = m_generation;
        body->memberId = m_memberId;
        body->groupInstanceId = m_instanceId;
        f.body = std::move(body);
        send(ctx, std::move(f));
        armHeartbeat(ctx);
    }

    void onHeartbeat(NodeContext &ctx, const Frame &f)
    {
        if (m_phase != Phase::Stable) return;
        switch (f.status) {
        case KafkaError::RebalanceInProgress:
            // Rejoined at the next poll, after the records in hand are processed.
            m_rejoinNeeded = true;
            if (!m_busy && m_batch.empty() && m_syncCommitTag == 0) poll(ctx);
            break;
        case KafkaError::UnknownMemberId:
        case KafkaError::IllegalGeneration:
            resetMembership(ctx);
            m_rejoinNeeded = true;
            if (!m_busy && m_batch.empty() && m_syncCommitTag == 0) poll(ctx);
            break;
        case KafkaError::FencedInstanceId:
            fenced(ctx);
            break;
        default:
            break;
        }
    }

    // --- Positions ----------------------------------------------------------------------------

    void initPositions(NodeContext &ctx, const std::vector<std::uint32_t> &partitions)
    {
        if (m_seek == Seek::Offset) {
            for (std::uint32_t p : partitions)
                m_position[p] = m_seekOffset;
            return;
        }
        if (m_seek == Seek::Timestamp) {
            listOffsets(ctx, partitions, static_cast<std::int64_t>(m_seekTimestamp));
            return;
        }
        if (!inGroup()) {
            resetPositions(ctx, partitions);
            return;
        }
        Frame f = request(FrameType::OffsetFetch);
        auto body = std::make_shared<OffsetFetchRequest>();
        body->groupId = m_groupId;
        body->partitions = partitions;
        body->requireStable = m_readCommitted || eos();
        f.body = std::move(body);
        send(ctx, std::move(f));
    }

    void onOffsetFetch(NodeContext &ctx, const Frame &f)
    {
        const auto *r = f.as<OffsetFetchResponse>();
        if (!r || f.status != KafkaError::None) {
            // The coordinator could not answer, or a transaction's offsets are still pending
            // (UNSTABLE_OFFSET_COMMIT): ask again.
            armIdlePoll(ctx, kRetryBackoff);
            return;
        }
        std::vector<std::uint32_t> reset;
        for (const auto &[p, offset] : r->offsets) {
            if (!m_owned.count(p) || m_position.count(p)) continue;
            if (offset == kNoOffset)
                reset.push_back(p);
            else
                m_position[p] = offset;
        }
        if (!reset.empty()) resetPositions(ctx, reset);
        if (!m_polling) poll(ctx);
    }

    // auto.offset.reset: earliest, latest, or none (the partition is not consumed: the Java client
    // throws NoOffsetForPartitionException to the application).
    void resetPositions(NodeContext &ctx, const std::vector<std::uint32_t> &partitions)
    {
        if (m_autoOffsetReset == "none") return;
        listOffsets(ctx, partitions, m_autoOffsetReset == "earliest" ? kEarliestTimestamp : kLatestTimestamp);
    }

    void listOffsets(NodeContext &ctx, const std::vector<std::uint32_t> &partitions, std::int64_t timestamp)
    {
        Frame f = request(FrameType::ListOffsets);
        auto body = std::make_shared<ListOffsetsRequest>();
        for (std::uint32_t p : partitions)
            body->partitions.push_back({p, timestamp});
        body->readCommitted = m_readCommitted;
        f.body = std::move(body);
        send(ctx, std::move(f));
    }

    void onListOffsets(NodeContext &ctx, const Frame &f)
    {
        const auto *r = f.as<ListOffsetsResponse>();
        if (!r) return;
        bool refused = false;
        for (const auto &p : r->partitions) {
            refused = refused || p.error != KafkaError::None;
            if (!m_owned.count(p.partition) || p.error != KafkaError::None) continue;
            // No record at or after the timestamp: the log end (ListOffsets answers -1).
            if (p.offset == kNoOffset) {
                listOffsets(ctx, {p.partition}, kLatestTimestamp);
                continue;
            }
            m_position[p.partition] = p.offset;
        }
        if (refused) armIdlePoll(ctx, kRetryBackoff);
        if (!m_polling) poll(ctx);
    }

    // --- The poll loop ------------------------------------------------------------------------

    void armIdlePoll(NodeContext &ctx, SimTime delay)
    {
        if (m_idlePollArmed) return;
        m_idlePollArmed = true;
        ctx.startTimer(delay, IdlePollTimer, true);
    }

    void poll(NodeContext &ctx)
    {
        if (m_busy || !m_batch.empty() || m_syncCommitTag || m_txnEnding || m_awaitOutput) return;
        if (m_output && !m_output->ready()) return; // polled again when it is
        m_lastPoll = ctx.now();
        m_polling = false;
        if (m_phase == Phase::Fenced || m_phase == Phase::Metadata || m_phase == Phase::Idle) return;
        if (inGroup() && m_phase == Phase::Stable && (m_rejoinNeeded || m_memberId.empty())) {
            // Out of the group already (it left after max.poll.interval.ms, or was fenced out of
            // its generation): the partitions are lost, nothing can be committed for them.
            if (m_memberId.empty()) resetMembership(ctx);
            // onJoinPrepare: the eager protocol gives everything up before rejoining.
            if (!isCooperativeAssignor(m_protocol) && !m_owned.empty())
                revoke(ctx, std::vector<std::uint32_t>(m_owned.begin(), m_owned.end()));
            join(ctx);
            return;
        }
        if (m_phase != Phase::Stable) return;
        armPollCheck(ctx);
        if (m_commitMode == CommitMode::Auto && inGroup() && !eos() && ctx.now() >= m_nextAutoCommit) {
            commit(ctx, std::vector<std::uint32_t>(m_owned.begin(), m_owned.end()), false);
            m_nextAutoCommit = addTime(ctx.now(), m_autoCommitInterval);
        }
        Frame f = request(FrameType::Fetch);
        auto body = std::make_shared<FetchRequest>();
        for (std::uint32_t p : m_owned)
            if (auto it = m_position.find(p); it != m_position.end())
                body->partitions.push_back({p, it->second});
        if (body->partitions.empty()) {
            // Nothing assigned (an idle member) or positions not known yet: poll again later.
            armIdlePoll(ctx, m_fetchMaxWait);
            return;
        }
        body->readCommitted = m_readCommitted;
        body->maxRecords = m_maxPollRecords;
        body->maxWait = m_fetchMaxWait;
        f.body = std::move(body);
        m_fetchTag = f.tag;
        expectResponse(ctx, f.tag, addTime(m_fetchMaxWait, kRequestTimeout));
        m_polling = true;
        send(ctx, std::move(f));
    }

    void onFetch(NodeContext &ctx, const Frame &f)
    {
        m_fetchTag = 0;
        m_polling = false;
        const auto *r = f.as<FetchResponse>();
        if (!r || m_phase != Phase::Stable) {
            poll(ctx);
            return;
        }
        bool leaderError = false;
        for (const auto &part : r->partitions) {
            auto pos = m_position.find(part.partition);
            if (!m_owned.count(part.partition) || pos == m_position.end()) continue;
            if (part.error == KafkaError::OffsetOutOfRange) {
                m_position.erase(pos);
                resetPositions(ctx, {part.partition});
                continue;
            }
            if (part.error != KafkaError::None) {
                leaderError = true; // its leader is down or moved: back off before fetching again
                continue;
            }
            // read_committed: the records of transactions the response lists as aborted are
            // skipped, from each one's first offset up to its abort marker (Java's Fetcher).
            std::map<std::int64_t, std::int64_t> abortedFrom; // producer id -> first offset
            std::set<std::int64_t> abortedNow;
            for (const auto &a : part.aborted)
                abortedFrom[a.producerId] = a.firstOffset;
            for (const auto &rec : part.records) {
                if (m_batch.size() >= m_maxPollRecords) break; // the rest is fetched again next poll
                if (rec.offset < pos->second) continue;
                pos->second = rec.offset + 1;
                if (m_readCommitted) {
                    if (auto a = abortedFrom.find(rec.producerId);
                        a != abortedFrom.end() && rec.offset >= a->second) {
                        abortedNow.insert(rec.producerId);
                        abortedFrom.erase(a);
                    }
                    if (rec.control) {
                        if (!rec.commit) abortedNow.erase(rec.producerId);
                        continue;
                    }
                    if (rec.transactional && abortedNow.count(rec.producerId)) continue;
                }
                if (rec.control) continue;
                m_batch.push_back({part.partition, rec});
            }
        }
        if (m_batch.empty()) {
            if (leaderError)
                armIdlePoll(ctx, kRetryBackoff);
            else
                poll(ctx);
            return;
        }
        if (m_commitMode == CommitMode::Before && !eos()) {
            // At-most-once: the batch's end is committed before any of it is processed.
            std::map<std::uint32_t, std::int64_t> ends;
            for (const auto &p : m_batch)
                ends[p.partition] = p.record.offset + 1;
            for (const auto &[p, o] : ends)
                m_processed[p] = o;
            commit(ctx, std::vector<std::uint32_t>(m_owned.begin(), m_owned.end()), false);
        }
        startRecord(ctx);
    }

    void startRecord(NodeContext &ctx)
    {
        if (m_batch.empty()) {
            afterBatch(ctx);
            return;
        }
        m_busy = true;
        ctx.startTimer(m_processing.sample(ctx.rng()), WorkTimer);
    }

    void finishRecord(NodeContext &ctx)
    {
        m_busy = false;
        if (m_batch.empty()) {
            afterBatch(ctx);
            return;
        }
        Pending r = std::move(m_batch.front());
        m_batch.pop_front();
        TraceEvent e = messageEvent(TraceKind::Process, r.record.message.get());
        e.peer = m_link != kNoIndex ? ctx.peer(m_link) : kNoIndex;
        e.link = m_link;
        e.partition = r.partition;
        e.offset = r.record.offset;
        e.group = m_group;
        e.epoch = static_cast<std::uint32_t>(std::max(m_generation, 0));
        if (r.record.message) e.aux = ctx.now() - r.record.message->publishedAt;
        if (m_readCommitted) e.flags |= TraceFlag::ReadCommitted;
        if (eos()) e.flags |= TraceFlag::Transactional;
        ctx.trace(e);
        if (m_output && r.record.message) m_output->send(ctx, *r.record.message);
        if (m_commitMode != CommitMode::Before || eos())
            m_processed[r.partition] = std::max(m_processed[r.partition], r.record.offset + 1);
        startRecord(ctx);
    }

    void afterBatch(NodeContext &ctx)
    {
        if (m_output && !m_output->ready()) {
            m_awaitOutput = true; // recovering: the batch's end waits for it
            return;
        }
        if (eos()) {
            // One transaction per poll: the outputs and the offsets after them, or neither.
            StreamsProducer::GroupOffsets g;
            g.groupId = m_groupId;
            g.generation = m_generation;
            g.memberId = m_memberId;
            for (std::uint32_t p : m_owned)
                if (auto it = m_processed.find(p); it != m_processed.end() && m_committed[p] != it->second)
                    g.offsets.emplace_back(p, it->second);
            m_txnOffsets = g.offsets;
            // The application aborts a share of its transactions (abortRate), and any whose
            // partitions were revoked or lost meanwhile: their records are someone else's now.
            const bool abort = ctx.rng().bernoulli(m_abortRate) || m_abortTxn || m_memberId.empty();
            m_abortTxn = false;
            m_txnEnding = true;
            onOutput(ctx, m_output->endTransaction(ctx, std::move(g), abort));
            return;
        }
        if (m_output && !m_output->flushed()) {
            m_awaitOutput = true; // at_least_once: offsets only after the outputs are acknowledged
            return;
        }
        if (inGroup() && (m_commitMode == CommitMode::SyncAfter || m_commitMode == CommitMode::AsyncAfter)) {
            const bool sync = m_commitMode == CommitMode::SyncAfter;
            commit(ctx, std::vector<std::uint32_t>(m_owned.begin(), m_owned.end()), sync);
            if (sync && m_syncCommitTag) return; // the next poll waits for the commit's response
        }
        poll(ctx);
    }

    // Commits what was processed in `partitions` (the next offset to read) in the current generation.
    void commit(NodeContext &ctx, const std::vector<std::uint32_t> &partitions, bool sync)
    {
        if (!inGroup() || m_memberId.empty()) return;
        auto body = std::make_shared<OffsetCommitRequest>();
        body->groupId = m_groupId;
        body->generation = m_generation;
        body->memberId = m_memberId;
        body->groupInstanceId = m_instanceId;
        for (std::uint32_t p : partitions)
            if (auto it = m_processed.find(p); it != m_processed.end() && m_committed[p] != it->second) {
                body->offsets.emplace_back(p, it->second);
                m_committed[p] = it->second;
            }
        if (body->offsets.empty()) return;
        Frame f = request(FrameType::OffsetCommit);
        f.body = std::move(body);
        if (sync) {
            m_syncCommitTag = f.tag;
            expectResponse(ctx, f.tag, kRequestTimeout);
        }
        send(ctx, std::move(f));
    }

    // max.poll.interval.ms: the heartbeat thread notices a poll overdue and leaves the group
    // (dynamic members send LeaveGroup; a static member only stops heartbeating).
    void armPollCheck(NodeContext &ctx)
    {
        if (m_pollCheckArmed || !inGroup()) return;
        m_pollCheckArmed = true;
        ctx.startTimer(m_maxPollInterval, PollCheckTimer, true);
    }

    void checkPollInterval(NodeContext &ctx)
    {
        if (m_phase != Phase::Stable || m_memberId.empty()) return;
        const SimTime due = addTime(m_lastPoll, m_maxPollInterval);
        if (ctx.now() < due) {
            m_pollCheckArmed = true;
            ctx.startTimer(due - ctx.now(), PollCheckTimer, true);
            return;
        }
        TraceEvent e;
        e.kind = TraceKind::Leave;
        e.aux = 2;
        e.group = m_group;
        e.epoch = static_cast<std::uint32_t>(std::max(m_generation, 0));
        ctx.trace(e);
        if (m_instanceId.empty()) {
            Frame f = request(FrameType::LeaveGroup);
            auto body = std::make_shared<LeaveGroupRequest>();
            body->groupId = m_groupId;
            body->memberId = m_memberId;
            f.body = std::move(body);
            send(ctx, std::move(f));
            // Its partitions are lost: the records in hand will be processed, but their commit
            // will be refused (UNKNOWN_MEMBER_ID), and their new owner reads them again.
            m_memberId.clear();
            m_generation = -1;
        }
        m_rejoinNeeded = true;
    }

    static constexpr std::uint64_t kNoTag = ~std::uint64_t{0};

    // Configuration.
    std::string m_groupId, m_instanceId;
    std::vector<std::string> m_protocols;
    SimTime m_sessionTimeout = 0, m_heartbeatInterval = 0, m_maxPollInterval = 0;
    std::uint32_t m_maxPollRecords = 500;
    SimTime m_fetchMaxWait = 0, m_autoCommitInterval = 0;
    CommitMode m_commitMode = CommitMode::Auto;
    std::string m_autoOffsetReset;
    bool m_readCommitted = false;
    Distribution m_processing;
    Seek m_seek = Seek::None;
    std::int64_t m_seekOffset = 0;
    SimTime m_seekTimestamp = 0;
    SimTime m_startAt = 0;
    bool m_exactlyOnce = false;
    std::string m_transactionalId;
    SimTime m_transactionTimeout = 0;
    double m_abortRate = 0;

    // State (lost in a crash).
    std::uint32_t m_group = kNoIndex;
    Phase m_phase = Phase::Idle;
    LinkIndex m_link = kNoIndex;
    std::uint64_t m_nextTag = 1;
    std::uint64_t m_joinTag = kNoTag, m_syncTag = kNoTag, m_fetchTag = kNoTag, m_syncCommitTag = 0;
    std::uint32_t m_partitions = 0;
    std::string m_memberId, m_protocol;
    std::int32_t m_generation = -1;
    std::set<std::uint32_t> m_owned;
    std::map<std::uint32_t, std::int64_t> m_position;  // next offset to fetch
    std::map<std::uint32_t, std::int64_t> m_processed; // next offset after what was processed
    std::map<std::uint32_t, std::int64_t> m_committed; // what this member last sent in a commit
    std::deque<Pending> m_batch;
    bool m_busy = false, m_polling = false, m_rejoinNeeded = false, m_revokedInSync = false;
    bool m_heartbeatArmed = false, m_idlePollArmed = false, m_pollCheckArmed = false;
    SimTime m_lastPoll = 0, m_nextAutoCommit = 0;
    std::optional<StreamsProducer> m_output;
    bool m_awaitOutput = false, m_txnEnding = false, m_abortTxn = false;
    std::vector<std::pair<std::uint32_t, std::int64_t>> m_txnOffsets; // in the transaction ending
};

} // namespace

NodeKindSpec kafkaConsumerKind()
{
    NodeKindSpec k;
    k.kind = "kafka-consumer";
    k.deliveryRole = DeliveryRole::Log;
    k.label = "Kafka consumer";
    k.category = "Streams";
    k.help = "A member of a Kafka consumer group (classic protocol): joins, is assigned partitions, fetches, "
             "processes and commits offsets.";
    k.ports = {{"topic", PortDirection::In, Protocol::Kafka, false,
                "The Kafka topic it reads: fetches and its group's requests go there."},
               {"output", PortDirection::Out, Protocol::Kafka, false,
                "Optional: a second Kafka topic it writes each processed record's output to (a "
                "consume-transform-produce loop, as a Kafka Streams task), under processingGuarantee.",
                PortSpec::Need::Optional}};
    using T = PropertyType;
    k.properties = {
        property("groupId", "Group id", T::String, "group-1",
                 "group.id: the consumer group it joins (empty = no group: every partition assigned by hand, "
                 "nothing committed)."),
        property(
            "groupInstanceId", "Group instance id", T::String, "",
            "group.instance.id: a static member keeps its partitions across a restart within the session "
            "timeout, without a rebalance (empty = a dynamic member)."),
        property(
            "partitionAssignmentStrategy", "Assignment strategy", T::Enum, "range,cooperative-sticky",
            "partition.assignment.strategy: the assignors it supports, by preference; the group uses one "
            "all members support. Eager ones (range, roundrobin, sticky) revoke every partition at a "
            "rebalance, cooperative-sticky only those that move.",
            "", {}, {}, {"range", "roundrobin", "sticky", "cooperative-sticky", "range,cooperative-sticky"}),
        property("sessionTimeout", "Session timeout", T::Duration, 45000,
                 "session.timeout.ms: without a heartbeat for this long the coordinator removes the member.",
                 "ms", 1, {}),
        property("heartbeatInterval", "Heartbeat interval", T::Duration, 3000,
                 "heartbeat.interval.ms: time between heartbeats to the group coordinator.", "ms", 1, {}),
        property("maxPollInterval", "Max poll interval", T::Duration, 300000,
                 "max.poll.interval.ms: a poll later than this after the previous one makes the member leave "
                 "the group (a slow consumer); also its rebalance timeout.",
                 "ms", 1, {}),
        property("maxPollRecords", "Max poll records", T::Integer, 500,
                 "max.poll.records: the most records one poll returns.", "records", 1, 1000000),
        property("fetchMaxWait", "Fetch max wait", T::Duration, 500,
                 "fetch.max.wait.ms: how long the broker holds a fetch that finds no records (0 = answer at "
                 "once).",
                 "ms", 0, {}),
        property("enableAutoCommit", "Auto commit", T::Bool, true,
                 "enable.auto.commit: commit the processed offsets every autoCommitInterval (at a poll) and "
                 "before partitions are revoked."),
        property("autoCommitInterval", "Auto commit interval", T::Duration, 5000,
                 "auto.commit.interval.ms: time between automatic commits (0 = at every poll).", "ms", 0, {}),
        property(
            "commitMode", "Commit mode", T::Enum, "sync-after-processing",
            "How the application commits when enableAutoCommit is off: sync-after-processing (commitSync "
            "after each poll's records: at-least-once), async-after-processing (commitAsync, not waiting), "
            "before-processing (commit a poll's records before processing them: at-most-once).",
            "", {}, {}, {"sync-after-processing", "async-after-processing", "before-processing"}),
        property(
            "autoOffsetReset", "Auto offset reset", T::Enum, "latest",
            "auto.offset.reset: where a partition without a committed offset starts: latest, earliest, or "
            "none (it is not consumed).",
            "", {}, {}, {"latest", "earliest", "none"}),
        property("isolationLevel", "Isolation level", T::Enum, "read_uncommitted",
                 "isolation.level: read_committed skips records of aborted transactions and reads only up to "
                 "the last stable offset.",
                 "", {}, {}, {"read_uncommitted", "read_committed"}),
        property("processingTime", "Processing time", T::Distribution, "1ms",
                 "Time the application takes per record: \"1ms\", uniform(1ms,3ms), exp(2ms).", "ms"),
        property(
            "seek", "Seek", T::Enum, "none",
            "Replay: when partitions are assigned, seek() to seekOffset or to the first record at or after "
            "seekTimestamp (offsetsForTimes, a ListOffsets) instead of the committed offset.",
            "", {}, {}, {"none", "offset", "timestamp"}),
        property("seekOffset", "Seek offset", T::Integer, 0,
                 "The offset seek = offset starts every partition at.", "", 0, {}),
        property("seekTimestamp", "Seek timestamp", T::Duration, 0,
                 "The record timestamp (virtual time) seek = timestamp replays from.", "ms", 0, {}),
        property("startAt", "Start at", T::Duration, 0,
                 "Virtual time it starts (fetches metadata and joins).", "ms", 0, {}),
        property("processingGuarantee", "Processing guarantee", T::Enum, "at_least_once",
                 "processing.guarantee, with the output port linked: at_least_once (offsets committed once "
                 "the outputs are acknowledged: a crash writes them again) or exactly_once_v2 (each poll's "
                 "outputs and offsets in one transaction; needs a groupId).",
                 "", {}, {}, {"at_least_once", "exactly_once_v2"}),
        property("transactionalId", "Transactional id", T::String, "",
                 "transactional.id under exactly_once_v2 (empty = the node's id). A restart with the same id "
                 "fences the previous incarnation and aborts its open transaction."),
        property(
            "transactionTimeout", "Transaction timeout", T::Duration, 10000,
            "transaction.timeout.ms (Kafka Streams sets 10 s under exactly-once): the coordinator aborts "
            "a transaction still open this long after it began, and fences its producer.",
            "ms", 1, 900000),
        property("abortRate", "Abort rate", T::Probability, 0.0,
                 "The share of transactions the application aborts (an exception while processing): their "
                 "outputs are aborted and their records read again from the committed offsets."),
    };
    k.check = [](const PropertyBag &p, std::vector<std::pair<std::string, std::string>> &problems) {
        if (p.string("processingGuarantee") == "exactly_once_v2" && p.string("groupId").empty())
            problems.emplace_back("processingGuarantee",
                                  "exactly_once_v2 commits the offsets in the transaction with the group's "
                                  "generation: set a groupId");
    };
    k.factory = [](const NodeSetup &s) { return std::make_unique<KafkaConsumer>(s); };
    k.explainRoute = [](const RouteQuestion &q) {
        // A consume-transform-produce loop produces its result on "output".
        return sendOnPorts(q, {"output"}, "produces its result to this topic (consume-transform-produce)",
                           "fetches and processes it (the member its group assigned the partition)", true);
    };
    return k;
}

} // namespace sb
