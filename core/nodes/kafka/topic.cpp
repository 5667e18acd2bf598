// kafka-topic: one Kafka topic on a cluster of brokers, with its partitions' replicas, the
// controller's leader elections, and the group coordinator (groupcoordinator.h).
//
// Placement: partition p's replicas sit on brokers (p + i) % brokers + 1 for i = 0 .. RF-1; the
// first is its preferred leader and leads at the start (leader epoch 0).
// Replication: each follower fetches what its leader appended, taking replicationLatency per
// fetch; the high watermark is the smallest log end offset in the ISR. A follower that has not
// been caught up to the leader's log end for replica.lag.time.max.ms leaves the ISR (checked every
// half of it, as Kafka's isr-expiration task); it rejoins once its log end reaches the high
// watermark (and the current leader epoch's start). The ISR never becomes empty: its last member
// stays in it, as KRaft keeps it.
// Broker faults: a crashed broker's replicas stop at once; the controller notices after
// broker.session.timeout.ms and fences it: it leaves every ISR and the partitions it led elect the
// first live ISR member in assignment order (clean), else with unclean.leader.election.enable the
// first live replica (Unclean), else none (offline, aux -1, until an ISR member returns). A broker
// restarting before it was fenced is fenced at once (a new incarnation). A returning broker's
// replicas truncate by leader epoch to what their leader has, fetch, and rejoin the ISR.
// Status: ready = the records in the partitions' leader logs (control records included), inFlight =
// acks=all produces waiting for the high watermark.
// Transactions: the topic's transaction coordinator (transactioncoordinator.h) runs them; a
// transactional produce must name a partition its open transaction added (else
// INVALID_TXN_STATE). When a transaction ends, each of its partitions gets a control record (a
// commit or abort marker) from its leader, the group offsets it carried here are committed or
// discarded, and TxnCommit/TxnAbort is traced. A partition's last stable offset (LSO) is the first
// offset of its oldest transaction still undecided (or whose marker is not below the high
// watermark yet), else the high watermark: read_committed fetches read up to it and get the
// aborted transactions in range (Kafka's transaction index), whose records the consumer skips.
#include "../../callstatus.h"
#include "../common.h"
#include "groupcoordinator.h"
#include "kafka.h"
#include "partitionlog.h"
#include "transactioncoordinator.h"

#include <algorithm>
#include <deque>
#include <map>
#include <set>
#include <unordered_set>

namespace sb {

namespace {

using namespace kafka;

enum TimerKind : std::uint64_t {
    ReplicateTimer = 1,
    FenceTimer = 2,
    ProduceTimeoutTimer = 3,
    FetchWaitTimer = 4,
    IsrTick = 5,
    RetentionTick = 6,
    CleanerTick = 7,
};
constexpr int kKindShift = 48;
constexpr std::uint64_t kPayloadMask = (std::uint64_t{1} << kKindShift) - 1;
std::uint64_t timerTag(TimerKind k, std::uint64_t payload)
{
    return (std::uint64_t(k) << kKindShift) | payload;
}

// Kafka's ProducerStateManager keeps the metadata of a producer's last 5 batches per partition.
constexpr std::size_t kBatchesKept = 5;

class Topic final : public Node {
public:
    explicit Topic(const NodeSetup &s)
        : m_partitionCount(static_cast<std::uint32_t>(s.properties.integer("partitions"))),
          m_brokers(static_cast<std::uint32_t>(s.properties.integer("brokers"))),
          m_coordinator(m_partitionCount), m_txns(m_partitionCount)
    {
        const auto &p = s.properties;
        m_rf = static_cast<std::uint32_t>(std::min<std::int64_t>(p.integer("replicationFactor"), m_brokers));
        m_minIsr = static_cast<std::uint32_t>(p.integer("minInsyncReplicas"));
        m_unclean = p.boolean("uncleanLeaderElection");
        m_lagMax = p.duration("replicaLagTimeMax");
        m_sessionTimeout = p.duration("brokerSessionTimeout");
        m_replicationLatency = p.distribution("replicationLatency");
        m_retentionCheck = p.duration("retentionCheck");
        m_cleanerBackoff = p.duration("cleanerBackoff");
        m_maxMessageBytes = static_cast<std::uint64_t>(p.integer("maxMessageBytes"));
        PartitionLog::Config c;
        c.retentionMs = p.duration("retention");
        c.retentionBytes = static_cast<std::uint64_t>(p.integer("retentionBytes"));
        c.segmentBytes = static_cast<std::uint64_t>(p.integer("segmentBytes"));
        c.segmentMs = p.duration("segmentMs");
        const std::string policy = p.string("cleanupPolicy");
        c.deletePolicy = policy.find("delete") != std::string::npos;
        c.compactPolicy = policy.find("compact") != std::string::npos;
        c.deleteRetention = p.duration("deleteRetention");
        c.minCompactionLag = p.duration("minCompactionLag");
        m_up.assign(m_brokers + 1, true);
        m_fenced.assign(m_brokers + 1, false);
        m_fenceTimers.assign(m_brokers + 1, kNoTimer);
        m_partitions.resize(m_partitionCount);
        for (std::uint32_t i = 0; i < m_partitionCount; ++i) {
            Partition &part = m_partitions[i];
            for (std::uint32_t r = 0; r < m_rf; ++r)
                part.replicas.push_back(Replica{(i + r) % m_brokers + 1, PartitionLog(c)});
            part.isr.assign(m_rf, true);
        }
    }

    void start(NodeContext &ctx) override
    {
        if (!m_started) {
            m_started = true;
            for (std::uint32_t p = 0; p < m_partitionCount; ++p) {
                TraceEvent e = event(TraceKind::LeaderElect, p);
                e.aux = m_partitions[p].replicas[0].broker;
                e.epoch = 0;
                ctx.trace(e);
            }
        }
        if (m_lagMax > 0 && m_rf > 1)
            ctx.startTimer(std::max<SimTime>(m_lagMax / 2, 1), timerTag(IsrTick, 0), true);
        if (m_retentionCheck > 0) ctx.startTimer(m_retentionCheck, timerTag(RetentionTick, 0), true);
        if (m_cleanerBackoff > 0) ctx.startTimer(m_cleanerBackoff, timerTag(CleanerTick, 0), true);
        for (std::uint32_t p = 0; p < m_partitionCount; ++p)
            for (std::size_t r = 0; r < m_partitions[p].replicas.size(); ++r)
                scheduleFetch(ctx, p, r);
    }

    void onFrame(NodeContext &ctx, LinkIndex from, Frame &f) override
    {
        if (f.response) return;
        if (GroupCoordinator::handles(f)) {
            m_coordinator.onFrame(ctx, from, f);
            return;
        }
        if (const auto *end = f.as<EndTxnRequest>(); end && !m_txns.coordinates(end->transactionalId)) {
            // Not a transaction of ours: its producer passes on how it ended to the group
            // coordinator holding its offsets (kafkaprotocol.h).
            m_coordinator.endTransaction(ctx, end->producerId, end->commit);
            respond(ctx, from, f, KafkaError::None, nullptr);
            return;
        }
        if (TransactionCoordinator::handles(f)) {
            if (auto ended = m_txns.onFrame(ctx, from, f)) endTransaction(ctx, *ended);
            return;
        }
        switch (f.type) {
        case FrameType::Produce:
            onProduce(ctx, from, f);
            break;
        case FrameType::Fetch:
            onFetch(ctx, from, f);
            break;
        case FrameType::ListOffsets:
            onListOffsets(ctx, from, f);
            break;
        case FrameType::Metadata:
            onMetadata(ctx, from, f);
            break;
        default:
            break;
        }
    }

    void onTimer(NodeContext &ctx, std::uint64_t tag) override
    {
        if (tag >= GroupCoordinator::kTimerTagBase) {
            m_coordinator.onTimer(ctx, tag);
            return;
        }
        if (tag >= TransactionCoordinator::kTimerTagBase) {
            if (auto ended = m_txns.onTimer(ctx, tag)) endTransaction(ctx, *ended);
            return;
        }
        const std::uint64_t payload = tag & kPayloadMask;
        switch (static_cast<TimerKind>(tag >> kKindShift)) {
        case ReplicateTimer:
            onReplicate(ctx, static_cast<std::uint32_t>(payload >> 8),
                        static_cast<std::size_t>(payload & 0xff));
            break;
        case FenceTimer:
            m_fenceTimers[payload] = kNoTimer;
            if (!m_up[payload]) fence(ctx, static_cast<std::uint32_t>(payload));
            break;
        case ProduceTimeoutTimer:
            onProduceTimeout(ctx, payload);
            break;
        case FetchWaitTimer:
            onFetchWait(ctx, payload);
            break;
        case IsrTick:
            checkIsr(ctx);
            ctx.startTimer(std::max<SimTime>(m_lagMax / 2, 1), timerTag(IsrTick, 0), true);
            break;
        case RetentionTick:
            runRetention(ctx);
            ctx.startTimer(m_retentionCheck, timerTag(RetentionTick, 0), true);
            break;
        case CleanerTick:
            runCleaner(ctx);
            ctx.startTimer(m_cleanerBackoff, timerTag(CleanerTick, 0), true);
            break;
        }
    }

    void onBrokerState(NodeContext &ctx, std::uint32_t broker, bool up) override
    {
        if (broker == 0 || broker > m_brokers || m_up[broker] == up) return;
        if (!up) {
            m_up[broker] = false;
            for (std::uint32_t p = 0; p < m_partitionCount; ++p) {
                Partition &part = m_partitions[p];
                for (auto &rep : part.replicas) {
                    if (rep.broker != broker) continue;
                    ctx.cancelTimer(rep.fetchTimer);
                    rep.fetchTimer = kNoTimer;
                }
                // Requests waiting on a crashed leader see their connection drop: a retriable error.
                if (part.leader >= 0 && part.replicas[part.leader].broker == broker)
                    failWaiters(ctx, part, KafkaError::NotLeaderOrFollower);
            }
            m_fenceTimers[broker] = ctx.startTimer(m_sessionTimeout, timerTag(FenceTimer, broker));
            return;
        }
        // A restart before the controller noticed the crash registers a new incarnation: the old
        // one is fenced at once.
        if (!m_fenced[broker]) {
            ctx.cancelTimer(m_fenceTimers[broker]);
            m_fenceTimers[broker] = kNoTimer;
            fence(ctx, broker);
        }
        m_up[broker] = true;
        m_fenced[broker] = false;
        for (std::uint32_t p = 0; p < m_partitionCount; ++p) {
            Partition &part = m_partitions[p];
            for (std::size_t r = 0; r < part.replicas.size(); ++r) {
                if (part.replicas[r].broker != broker) continue;
                if (part.leader < 0) {
                    if (part.isr[r] || m_unclean) elect(ctx, p);
                } else {
                    becomeFollower(ctx, p, r);
                    scheduleFetch(ctx, p, r);
                }
            }
        }
    }

    void onCrash(NodeContext &ctx) override
    {
        // Every broker goes down with the node. Logs, leaders, ISRs, the high watermark and the
        // producer state are on disk (Kafka rebuilds producer state from the log); requests in
        // progress and the coordinator's membership are not.
        for (auto &part : m_partitions) {
            part.waiters.clear();
            for (auto &rep : part.replicas)
                rep.fetchTimer = kNoTimer;
        }
        m_fetches.clear();
        std::fill(m_fenceTimers.begin(), m_fenceTimers.end(), kNoTimer);
        m_coordinator.onCrash();
        (void)ctx;
    }

    void onRestart(NodeContext &ctx) override
    {
        start(ctx);
        m_txns.onRestart(ctx);
        // Brokers that were down or fenced come back with the node; the executor crashes again
        // those whose broker-crash fault is still on.
        for (std::uint32_t b = 1; b <= m_brokers; ++b) {
            if (m_up[b] && !m_fenced[b]) continue;
            m_up[b] = false;
            onBrokerState(ctx, b, true);
        }
    }

    void onDiskLost(NodeContext &ctx) override
    {
        for (std::uint32_t p = 0; p < m_partitionCount; ++p) {
            Partition &part = m_partitions[p];
            std::unordered_set<std::uint64_t> seen;
            for (auto &rep : part.replicas) {
                for (const auto &r : rep.log.clear()) {
                    if (!r.message || r.control || !seen.insert(r.message->id).second) continue;
                    TraceEvent e = recordEvent(TraceKind::Drop, p, r);
                    e.reason = DropReason::Crash;
                    ctx.trace(e);
                }
            }
            part.hw = 0;
            part.epochStart = 0;
            part.producers.clear();
            part.txns.clear();
            part.aborted.clear();
            part.pendingMarkers.clear();
        }
        m_coordinator.onDiskLost();
        m_txns.onDiskLost();
    }

    NodeStatus status() const override
    {
        NodeStatus s;
        for (const auto &part : m_partitions) {
            const auto &log = part.replicas[part.leader >= 0 ? part.leader : 0].log;
            s.ready += log.recordCount();
            s.inFlight += part.waiters.size();
        }
        return s;
    }

    bool hasPendingWork() const override
    {
        for (const auto &part : m_partitions)
            if (!part.waiters.empty()) return true;
        return m_coordinator.hasPendingWork();
    }

private:
    struct Replica {
        std::uint32_t broker = 0;
        PartitionLog log;
        SimTime caughtUpAt = 0;        // the last time its log end equalled its leader's
        TimerId fetchTimer = kNoTimer; // a fetch in progress
    };
    struct Waiter { // an acks=all produce waiting for the high watermark
        std::uint64_t id = 0;
        LinkIndex link = 0;
        std::uint64_t tag = 0;
        std::int64_t baseOffset = 0;
        std::int64_t endOffset = 0; // the batch's last offset + 1
        TimerId timer = kNoTimer;
    };
    struct Batch {
        std::int32_t firstSeq = 0, lastSeq = 0;
        std::int64_t firstOffset = 0, lastOffset = 0;
    };
    struct ProducerEntry {
        std::int16_t epoch = 0;
        std::deque<Batch> batches;
    };
    // A transaction with records in a partition: undecided until its marker is written, unstable
    // until the high watermark passes the marker.
    struct PartitionTxn {
        std::int64_t producerId = -1;
        std::int64_t firstOffset = 0;
        std::int64_t markerOffset = kNoOffset;
    };
    // Kafka's transaction index: an aborted transaction's records span [firstOffset, lastOffset].
    struct AbortedTxn {
        std::int64_t producerId = -1;
        std::int64_t firstOffset = 0;
        std::int64_t lastOffset = 0;
    };
    struct Partition {
        std::vector<Replica> replicas; // in assignment order: [0] is the preferred leader
        std::vector<bool> isr;
        int leader = 0;              // index into replicas, -1: offline
        std::uint32_t epoch = 0;     // leader epoch
        std::int64_t epochStart = 0; // the leader's log end when it took the current epoch
        std::int64_t hw = 0;
        std::vector<Waiter> waiters;
        std::map<std::int64_t, ProducerEntry> producers;
        std::unordered_set<std::uint64_t> lost;     // message ids already traced as truncated
        std::map<std::uint64_t, PartitionTxn> txns; // by transaction number
        std::vector<AbortedTxn> aborted;
        // Markers of transactions that ended while the partition had no leader: written by the
        // next leader (the coordinator retries its WriteTxnMarkers until one is there).
        std::vector<TransactionCoordinator::Ended> pendingMarkers;
    };
    struct ParkedFetch {
        LinkIndex link = 0;
        std::uint64_t tag = 0;
        std::shared_ptr<const FrameBody> body;
        TimerId timer = kNoTimer;
    };

    // A new leader knows the producers' last batches only from its own log, as Kafka's
    // ProducerStateManager is rebuilt from the log's batches: a batch the old leader wrote but
    // never replicated is unknown here, so its retry is written (not taken for a duplicate).
    static void rebuildProducers(Partition &part, const Replica &leader)
    {
        part.producers.clear();
        for (std::int64_t o = leader.log.logStartOffset(); o < leader.log.logEndOffset(); ++o) {
            const Record *r = leader.log.at(o);
            if (!r || r->producerId < 0 || r->control) continue;
            ProducerEntry &e = part.producers[r->producerId];
            if (r->producerEpoch != e.epoch) {
                e.batches.clear();
                e.epoch = r->producerEpoch;
            }
            if (!e.batches.empty() && e.batches.back().lastSeq == r->batchLastSequence &&
                r->sequence > e.batches.back().firstSeq) {
                e.batches.back().lastOffset = r->offset;
                continue;
            }
            e.batches.push_back({r->sequence, r->batchLastSequence, r->offset, r->offset});
            if (e.batches.size() > kBatchesKept) e.batches.pop_front();
        }
    }

    TraceEvent event(TraceKind kind, std::uint32_t partition) const
    {
        TraceEvent e;
        e.kind = kind;
        e.partition = partition;
        return e;
    }
    TraceEvent recordEvent(TraceKind kind, std::uint32_t partition, const Record &r) const
    {
        TraceEvent e = messageEvent(kind, r.message.get());
        e.partition = partition;
        e.offset = r.offset;
        e.epoch = r.leaderEpoch;
        if (r.transactional) e.flags |= TraceFlag::Transactional;
        return e;
    }

    bool brokerLive(std::uint32_t b) const { return m_up[b] && !m_fenced[b]; }
    std::uint32_t isrSize(const Partition &part) const
    {
        return static_cast<std::uint32_t>(std::count(part.isr.begin(), part.isr.end(), true));
    }
    Replica *leaderReplica(Partition &part)
    {
        return part.leader >= 0 ? &part.replicas[static_cast<std::size_t>(part.leader)] : nullptr;
    }
    // The error a request for a partition gets when its leader cannot serve it, else None.
    std::uint16_t leaderError(std::uint32_t p) const
    {
        if (p >= m_partitionCount) return KafkaError::UnknownTopicOrPartition;
        const Partition &part = m_partitions[p];
        if (part.leader < 0) return KafkaError::LeaderNotAvailable;
        if (!m_up[part.replicas[static_cast<std::size_t>(part.leader)].broker])
            return KafkaError::NotLeaderOrFollower;
        return KafkaError::None;
    }

    void respond(NodeContext &ctx, LinkIndex link, const Frame &req, std::uint16_t status,
                 std::shared_ptr<const FrameBody> body)
    {
        ctx.send(link, responseTo(req, status, std::move(body)));
    }
    void respondProduce(NodeContext &ctx, LinkIndex link, std::uint64_t tag, std::uint32_t partition,
                        std::uint16_t status, std::int64_t baseOffset)
    {
        auto body = std::make_shared<ProduceResponse>();
        body->baseOffset = status == KafkaError::None ? baseOffset : kNoOffset;
        if (partition < m_partitionCount)
            if (Replica *l = leaderReplica(m_partitions[partition]))
                body->logStartOffset = l->log.logStartOffset();
        Frame request;
        request.type = FrameType::Produce;
        request.tag = tag;
        Frame r = responseTo(request, status, std::move(body));
        r.partition = partition;
        ctx.send(link, std::move(r));
    }

    // ---- produce ----

    void onProduce(NodeContext &ctx, LinkIndex from, const Frame &f)
    {
        const auto *req = f.as<ProduceRequest>();
        const std::uint32_t p = f.partition;
        const bool answer = !req || req->acks != 0;
        auto refuse = [&](std::uint16_t status) {
            if (answer) respondProduce(ctx, from, f.tag, p < m_partitionCount ? p : 0, status, kNoOffset);
        };
        if (!req || p >= m_partitionCount) {
            if (answer && p >= m_partitionCount)
                respondProduce(ctx, from, f.tag, p, KafkaError::UnknownTopicOrPartition, kNoOffset);
            return;
        }
        if (auto err = leaderError(p)) return refuse(err);
        std::uint64_t txn = 0;
        if (req->transactional) {
            const std::int32_t latest = m_txns.latestEpoch(req->producerId);
            if (latest >= 0 && req->producerEpoch < latest) return refuse(KafkaError::InvalidProducerEpoch);
            txn = m_txns.openTransaction(req->producerId, req->producerEpoch, p);
            if (txn == 0)
                return refuse(KafkaError::InvalidTxnState); // the partition is in no open transaction
        }
        std::uint64_t bytes = 0;
        for (const auto &r : req->records)
            bytes += PartitionLog::recordBytes(r);
        if (bytes > m_maxMessageBytes) return refuse(KafkaError::MessageTooLarge);
        Partition &part = m_partitions[p];
        if (req->acks == -1 && isrSize(part) < m_minIsr) return refuse(KafkaError::NotEnoughReplicas);
        Replica &leader = *leaderReplica(part);
        const auto n = static_cast<std::int32_t>(req->records.size());
        if (n == 0) return refuse(KafkaError::CorruptMessage);

        // Idempotence: ProducerStateManager's checks, in its order.
        ProducerEntry *entry = nullptr;
        if (req->producerId >= 0) {
            const std::int32_t latest = m_txns.latestEpoch(req->producerId);
            if (latest >= 0 && req->producerEpoch < latest) return refuse(KafkaError::InvalidProducerEpoch);
            auto it = part.producers.find(req->producerId);
            if (it != part.producers.end()) {
                ProducerEntry &e = it->second;
                if (req->producerEpoch < e.epoch) return refuse(KafkaError::InvalidProducerEpoch);
                if (req->producerEpoch == e.epoch) {
                    const std::int32_t last = req->baseSequence + n - 1;
                    for (const auto &b : e.batches) {
                        if (b.firstSeq != req->baseSequence || b.lastSeq != last) continue;
                        // A retry of a batch already written: acknowledged with its first offset.
                        for (std::int64_t o = b.firstOffset; o <= b.lastOffset; ++o) {
                            const Record *r = leader.log.at(o);
                            if (!r) continue;
                            TraceEvent d = recordEvent(TraceKind::Dedupe, p, *r);
                            d.peer = ctx.peer(from);
                            d.link = from;
                            ctx.trace(d);
                        }
                        return acknowledge(ctx, from, f.tag, p, *req, b.firstOffset, b.lastOffset + 1);
                    }
                    const std::int32_t lastSeq = e.batches.empty() ? -1 : e.batches.back().lastSeq;
                    // Older than the 5 batches kept, and written already (its sequences are below
                    // the last one): DUPLICATE_SEQUENCE_NUMBER, which the producer takes as written.
                    if (!e.batches.empty() && last <= lastSeq &&
                        req->baseSequence < e.batches.front().firstSeq)
                        return refuse(KafkaError::DuplicateSequenceNumber);
                    const bool inSequence =
                        req->baseSequence == lastSeq + 1 || (req->baseSequence == 0 && lastSeq == INT32_MAX);
                    if (!inSequence) return refuse(KafkaError::OutOfOrderSequenceNumber);
                } else {
                    // A new epoch starts its sequences over.
                    if (req->baseSequence != 0) return refuse(KafkaError::OutOfOrderSequenceNumber);
                    e.batches.clear();
                    e.epoch = req->producerEpoch;
                }
                entry = &e;
            } else {
                // No state for the producer. New to a log that lost nothing: it starts at sequence
                // 0, so a batch that overtook its lost predecessor waits for it (refused). Its
                // records gone by retention: any sequence goes, as Kafka accepts then.
                if (req->baseSequence != 0 && leader.log.logStartOffset() == 0)
                    return refuse(KafkaError::OutOfOrderSequenceNumber);
                entry = &part.producers[req->producerId];
                entry->epoch = req->producerEpoch;
            }
        }

        const std::int64_t before = leader.log.logEndOffset();
        std::int64_t base = kNoOffset, lastOffset = kNoOffset;
        for (std::int32_t i = 0; i < n; ++i) {
            Record r = req->records[static_cast<std::size_t>(i)];
            if (r.timestamp == 0 && r.message) r.timestamp = r.message->publishedAt;
            r.producerId = req->producerId;
            r.producerEpoch = req->producerEpoch;
            r.sequence = req->baseSequence >= 0 ? req->baseSequence + i : -1;
            r.batchLastSequence = req->baseSequence >= 0 ? req->baseSequence + n - 1 : -1;
            r.transactional = txn != 0;
            r.control = false;
            r.leaderEpoch = part.epoch;
            lastOffset = leader.log.append(r);
            if (base == kNoOffset) base = lastOffset;
            r.offset = lastOffset;
            if (txn) part.txns.try_emplace(txn, PartitionTxn{req->producerId, lastOffset, kNoOffset});
            TraceEvent e = recordEvent(TraceKind::Append, p, r);
            if (txn) e.correlationId = txn;
            e.aux = leader.broker;
            e.peer = ctx.peer(from);
            e.link = from;
            ctx.trace(e);
        }
        if (entry) {
            entry->batches.push_back({req->baseSequence, req->baseSequence + n - 1, base, lastOffset});
            while (entry->batches.size() > kBatchesKept)
                entry->batches.pop_front();
        }
        followersFetch(ctx, p, before);
        acknowledge(ctx, from, f.tag, p, *req, base, lastOffset + 1);
        updateHighWatermark(ctx, p);
    }

    // Answers a produce whose records are in the leader's log at [base, end): at once for acks=1,
    // when the high watermark covers them for acks=all.
    void acknowledge(NodeContext &ctx, LinkIndex from, std::uint64_t tag, std::uint32_t p,
                     const ProduceRequest &req, std::int64_t base, std::int64_t end)
    {
        Partition &part = m_partitions[p];
        if (req.acks == 0) return;
        if (req.acks == 1) return respondProduce(ctx, from, tag, p, KafkaError::None, base);
        if (part.hw >= end) return respondProduce(ctx, from, tag, p, acksAllStatus(part), base);
        Waiter w;
        w.id = ++m_nextWaiter;
        w.link = from;
        w.tag = tag;
        w.baseOffset = base;
        w.endOffset = end;
        w.timer = ctx.startTimer(req.timeout, timerTag(ProduceTimeoutTimer, w.id));
        part.waiters.push_back(w);
    }
    std::uint16_t acksAllStatus(const Partition &part) const
    {
        return isrSize(part) >= m_minIsr ? KafkaError::None : KafkaError::NotEnoughReplicasAfterAppend;
    }

    void failWaiters(NodeContext &ctx, Partition &part, std::uint16_t status)
    {
        const auto p = static_cast<std::uint32_t>(&part - m_partitions.data());
        auto waiters = std::move(part.waiters);
        part.waiters.clear();
        for (const auto &w : waiters) {
            ctx.cancelTimer(w.timer);
            respondProduce(ctx, w.link, w.tag, p, status, kNoOffset);
        }
    }

    void onProduceTimeout(NodeContext &ctx, std::uint64_t id)
    {
        for (std::uint32_t p = 0; p < m_partitionCount; ++p) {
            auto &ws = m_partitions[p].waiters;
            for (auto it = ws.begin(); it != ws.end(); ++it) {
                if (it->id != id) continue;
                const Waiter w = *it;
                ws.erase(it);
                respondProduce(ctx, w.link, w.tag, p, KafkaError::RequestTimedOut, kNoOffset);
                return;
            }
        }
    }

    // ---- replication ----

    // The leader of p appended past `before` (its log end until then): the followers fetch it.
    // Those caught up until this append count as caught up now (they fetch continuously; Kafka's
    // lastCaughtUpTime).
    void followersFetch(NodeContext &ctx, std::uint32_t p, std::int64_t before)
    {
        Partition &part = m_partitions[p];
        for (std::size_t r = 0; r < part.replicas.size(); ++r) {
            Replica &rep = part.replicas[r];
            if (static_cast<int>(r) == part.leader) continue;
            if (rep.log.logEndOffset() == before && brokerLive(rep.broker)) rep.caughtUpAt = ctx.now();
            scheduleFetch(ctx, p, r);
        }
    }

    void scheduleFetch(NodeContext &ctx, std::uint32_t p, std::size_t r)
    {
        Partition &part = m_partitions[p];
        Replica &rep = part.replicas[r];
        if (part.leader < 0 || static_cast<int>(r) == part.leader || rep.fetchTimer != kNoTimer) return;
        const Replica &leader = part.replicas[static_cast<std::size_t>(part.leader)];
        if (!brokerLive(rep.broker) || !m_up[leader.broker]) return;
        if (rep.log.logEndOffset() >= leader.log.logEndOffset()) return;
        rep.fetchTimer =
            ctx.startTimer(m_replicationLatency.sample(ctx.rng()), timerTag(ReplicateTimer, (p << 8) | r));
    }

    void onReplicate(NodeContext &ctx, std::uint32_t p, std::size_t r)
    {
        Partition &part = m_partitions[p];
        Replica &rep = part.replicas[r];
        rep.fetchTimer = kNoTimer;
        if (part.leader < 0 || static_cast<int>(r) == part.leader) return;
        Replica &leader = part.replicas[static_cast<std::size_t>(part.leader)];
        if (!brokerLive(rep.broker) || !m_up[leader.broker]) return;
        const auto records = leader.log.read(rep.log.logEndOffset(), leader.log.logEndOffset(), SIZE_MAX);
        for (const auto &rec : records)
            rep.log.appendReplica(rec);
        rep.log.advanceEndTo(leader.log.logEndOffset());
        if (!records.empty()) {
            TraceEvent e = event(TraceKind::Replicate, p);
            e.offset = rep.log.logEndOffset();
            e.aux = rep.broker;
            ctx.trace(e);
        }
        if (rep.log.logEndOffset() >= leader.log.logEndOffset()) rep.caughtUpAt = ctx.now();
        if (!part.isr[r] && rep.log.logEndOffset() >= part.hw && rep.log.logEndOffset() >= part.epochStart) {
            part.isr[r] = true;
            TraceEvent e = event(TraceKind::IsrExpand, p);
            e.aux = rep.broker;
            e.deliveryCount = isrSize(part);
            ctx.trace(e);
        }
        updateHighWatermark(ctx, p);
        scheduleFetch(ctx, p, r);
    }

    void updateHighWatermark(NodeContext &ctx, std::uint32_t p)
    {
        Partition &part = m_partitions[p];
        if (part.leader < 0) return;
        std::int64_t hw = INT64_MAX;
        for (std::size_t r = 0; r < part.replicas.size(); ++r)
            if (part.isr[r]) hw = std::min(hw, part.replicas[r].log.logEndOffset());
        if (hw == INT64_MAX || hw <= part.hw) return;
        part.hw = hw;
        // Transactions whose marker is now committed are stable: the LSO may move past them.
        std::erase_if(part.txns, [hw](const auto &t) {
            return t.second.markerOffset != kNoOffset && t.second.markerOffset < hw;
        });
        TraceEvent e = event(TraceKind::HighWatermark, p);
        e.offset = hw;
        e.epoch = part.epoch;
        ctx.trace(e);
        std::vector<Waiter> done;
        std::erase_if(part.waiters, [&](const Waiter &w) {
            if (w.endOffset > hw) return false;
            done.push_back(w);
            return true;
        });
        for (const auto &w : done) {
            ctx.cancelTimer(w.timer);
            respondProduce(ctx, w.link, w.tag, p, acksAllStatus(part), w.baseOffset);
        }
        wakeFetches(ctx, p);
    }

    void checkIsr(NodeContext &ctx)
    {
        for (std::uint32_t p = 0; p < m_partitionCount; ++p) {
            Partition &part = m_partitions[p];
            if (part.leader < 0 || !m_up[part.replicas[static_cast<std::size_t>(part.leader)].broker])
                continue;
            const std::int64_t leo = part.replicas[static_cast<std::size_t>(part.leader)].log.logEndOffset();
            bool shrunk = false;
            for (std::size_t r = 0; r < part.replicas.size(); ++r) {
                const Replica &rep = part.replicas[r];
                if (static_cast<int>(r) == part.leader || !part.isr[r]) continue;
                if (rep.log.logEndOffset() == leo || ctx.now() - rep.caughtUpAt <= m_lagMax) continue;
                shrink(ctx, p, r);
                shrunk = true;
            }
            if (shrunk) updateHighWatermark(ctx, p);
        }
    }

    void shrink(NodeContext &ctx, std::uint32_t p, std::size_t r)
    {
        Partition &part = m_partitions[p];
        part.isr[r] = false;
        TraceEvent e = event(TraceKind::IsrShrink, p);
        e.aux = part.replicas[r].broker;
        e.deliveryCount = isrSize(part);
        ctx.trace(e);
    }

    // ---- the controller ----

    void fence(NodeContext &ctx, std::uint32_t broker)
    {
        m_fenced[broker] = true;
        for (std::uint32_t p = 0; p < m_partitionCount; ++p) {
            Partition &part = m_partitions[p];
            bool ledIt = false;
            for (std::size_t r = 0; r < part.replicas.size(); ++r) {
                if (part.replicas[r].broker != broker) continue;
                if (static_cast<int>(r) == part.leader) ledIt = true;
                if (part.isr[r] && isrSize(part) > 1) shrink(ctx, p, r);
            }
            if (ledIt) {
                elect(ctx, p);
            } else {
                updateHighWatermark(ctx, p);
            }
        }
    }

    // Elects a leader for partition p: the first live ISR member in assignment order, else (with
    // unclean.leader.election.enable) the first live replica, else none.
    void elect(NodeContext &ctx, std::uint32_t p)
    {
        Partition &part = m_partitions[p];
        int chosen = -1;
        bool unclean = false;
        for (std::size_t r = 0; r < part.replicas.size() && chosen < 0; ++r)
            if (part.isr[r] && brokerLive(part.replicas[r].broker)) chosen = static_cast<int>(r);
        if (chosen < 0 && m_unclean) {
            for (std::size_t r = 0; r < part.replicas.size() && chosen < 0; ++r)
                if (brokerLive(part.replicas[r].broker)) chosen = static_cast<int>(r);
            unclean = chosen >= 0;
        }
        if (chosen < 0 && part.leader < 0) return; // still offline: nothing changes
        failWaiters(ctx, part, KafkaError::NotLeaderOrFollower);
        part.leader = chosen;
        ++part.epoch;
        TraceEvent e = event(TraceKind::LeaderElect, p);
        e.epoch = part.epoch;
        e.aux = chosen >= 0 ? std::int64_t(part.replicas[static_cast<std::size_t>(chosen)].broker)
                            : std::int64_t(-1);
        if (unclean) e.flags |= TraceFlag::Unclean;
        ctx.trace(e);
        if (chosen >= 0) {
            Replica &leader = part.replicas[static_cast<std::size_t>(chosen)];
            rebuildProducers(part, leader);
            if (unclean) {
                std::fill(part.isr.begin(), part.isr.end(), false);
                part.isr[static_cast<std::size_t>(chosen)] = true;
                part.hw = std::min(part.hw, leader.log.logEndOffset());
            }
            part.epochStart = leader.log.logEndOffset();
            auto markers = std::move(part.pendingMarkers);
            part.pendingMarkers.clear();
            for (const auto &m : markers)
                writeMarker(ctx, p, m);
            for (std::size_t r = 0; r < part.replicas.size(); ++r) {
                if (static_cast<int>(r) == chosen || !brokerLive(part.replicas[r].broker)) continue;
                becomeFollower(ctx, p, r);
                part.replicas[r].caughtUpAt = ctx.now();
                scheduleFetch(ctx, p, r);
            }
            updateHighWatermark(ctx, p);
        }
        wakeFetches(ctx, p, true);
    }

    // A replica starts following the current leader: it cuts its log back to where it agrees with
    // the leader's by leader epoch (Kafka's OffsetsForLeaderEpoch truncation).
    void becomeFollower(NodeContext &ctx, std::uint32_t p, std::size_t r)
    {
        Partition &part = m_partitions[p];
        if (part.leader < 0 || static_cast<int>(r) == part.leader) return;
        Replica &rep = part.replicas[r];
        const Replica &leader = part.replicas[static_cast<std::size_t>(part.leader)];
        // A follower learns where to cut from its leader: not while the leader is down.
        if (!m_up[leader.broker]) return;
        std::int64_t cut = rep.log.logEndOffset();
        if (rep.log.hasEpochs()) {
            const auto [epoch, end] = leader.log.endOffsetForEpoch(rep.log.latestEpoch());
            if (epoch < 0)
                cut = std::min(cut, part.hw);
            else if (static_cast<std::uint32_t>(epoch) == rep.log.latestEpoch())
                cut = std::min(cut, end);
            else
                cut =
                    std::min({cut, end, rep.log.endOffsetForEpoch(static_cast<std::uint32_t>(epoch)).second});
        }
        cut = std::min(cut, leader.log.logEndOffset());
        if (cut >= rep.log.logEndOffset()) return;
        const auto removed = rep.log.truncateTo(cut);
        TraceEvent t = event(TraceKind::Truncate, p);
        t.offset = cut;
        t.aux = rep.broker;
        t.deliveryCount = static_cast<std::uint32_t>(removed.size());
        ctx.trace(t);
        for (const auto &rec : removed) {
            if (!rec.message || rec.control || part.lost.count(rec.message->id)) continue;
            // Lost unless the leader has the record (a retried batch may sit at another offset).
            bool kept = false;
            for (const auto &l : leader.log.read(cut, leader.log.logEndOffset(), SIZE_MAX))
                if (l.message && l.message->id == rec.message->id) kept = true;
            if (kept) continue;
            part.lost.insert(rec.message->id);
            TraceEvent d = recordEvent(TraceKind::Drop, p, rec);
            d.reason = DropReason::Truncated;
            d.aux = rep.broker;
            ctx.trace(d);
        }
    }

    // ---- fetch ----

    // Serves a fetch as it stands: the response and how many records it hands out.
    std::shared_ptr<FetchResponse> serveFetch(const FetchRequest &req, std::size_t &records, bool &errors)
    {
        auto body = std::make_shared<FetchResponse>();
        records = 0;
        errors = false;
        for (const auto &rp : req.partitions) {
            FetchResponse::Partition out;
            out.partition = rp.partition;
            out.error = leaderError(rp.partition);
            if (out.error == KafkaError::None) {
                Partition &part = m_partitions[rp.partition];
                const PartitionLog &log = leaderReplica(part)->log;
                out.highWatermark = part.hw;
                out.lastStableOffset = lastStableOffset(part);
                out.logStartOffset = log.logStartOffset();
                if (rp.fetchOffset < log.logStartOffset() || rp.fetchOffset > log.logEndOffset()) {
                    out.error = KafkaError::OffsetOutOfRange;
                } else {
                    const std::size_t room = req.maxRecords > records ? req.maxRecords - records : 0;
                    const std::int64_t upTo = req.readCommitted ? out.lastStableOffset : part.hw;
                    out.records = log.read(rp.fetchOffset, upTo, room);
                    records += out.records.size();
                    if (req.readCommitted && !out.records.empty()) {
                        const std::int64_t last = out.records.back().offset;
                        for (const auto &a : part.aborted)
                            if (a.lastOffset >= rp.fetchOffset && a.firstOffset <= last)
                                out.aborted.push_back({a.producerId, a.firstOffset});
                    }
                }
            }
            if (out.error != KafkaError::None) errors = true;
            body->partitions.push_back(std::move(out));
        }
        return body;
    }

    void sendFetch(NodeContext &ctx, LinkIndex link, std::uint64_t tag, std::shared_ptr<FetchResponse> body)
    {
        const NodeIndex consumer = ctx.peer(link);
        for (const auto &part : body->partitions)
            for (const auto &r : part.records) {
                if (r.control) continue;
                TraceEvent e = recordEvent(TraceKind::Deliver, part.partition, r);
                e.peer = consumer;
                e.link = link;
                ctx.trace(e);
            }
        Frame f;
        f.type = FrameType::Fetch;
        f.response = true;
        f.tag = tag;
        f.status = KafkaError::None;
        f.body = std::move(body);
        ctx.send(link, std::move(f));
    }

    void onFetch(NodeContext &ctx, LinkIndex from, const Frame &f)
    {
        const auto *req = f.as<FetchRequest>();
        if (!req) return respond(ctx, from, f, KafkaError::CorruptMessage, std::make_shared<FetchResponse>());
        std::size_t records = 0;
        bool errors = false;
        auto body = serveFetch(*req, records, errors);
        if (records > 0 || errors || req->maxWait <= 0) return sendFetch(ctx, from, f.tag, std::move(body));
        // Nothing to read yet: a long poll, answered when records become readable or at maxWait.
        const std::uint64_t id = ++m_nextFetch;
        m_fetches[id] =
            ParkedFetch{from, f.tag, f.body, ctx.startTimer(req->maxWait, timerTag(FetchWaitTimer, id))};
    }

    void onFetchWait(NodeContext &ctx, std::uint64_t id)
    {
        auto it = m_fetches.find(id);
        if (it == m_fetches.end()) return;
        ParkedFetch pf = std::move(it->second);
        m_fetches.erase(it);
        std::size_t records = 0;
        bool errors = false;
        sendFetch(ctx, pf.link, pf.tag,
                  serveFetch(*static_cast<const FetchRequest *>(pf.body.get()), records, errors));
    }

    // Records of partition p became readable (or its leadership changed): parked fetches that can
    // now return something are answered.
    void wakeFetches(NodeContext &ctx, std::uint32_t p, bool onErrors = false)
    {
        for (auto it = m_fetches.begin(); it != m_fetches.end();) {
            const auto *req = static_cast<const FetchRequest *>(it->second.body.get());
            const bool about = std::any_of(req->partitions.begin(), req->partitions.end(),
                                           [p](const auto &rp) { return rp.partition == p; });
            std::size_t records = 0;
            bool errors = false;
            std::shared_ptr<FetchResponse> body;
            if (about) body = serveFetch(*req, records, errors);
            if (!about || (records == 0 && !(onErrors && errors))) {
                ++it;
                continue;
            }
            ctx.cancelTimer(it->second.timer);
            const LinkIndex link = it->second.link;
            const std::uint64_t tag = it->second.tag;
            it = m_fetches.erase(it);
            sendFetch(ctx, link, tag, std::move(body));
        }
    }

    // ---- offsets, metadata, producer ids ----

    void onListOffsets(NodeContext &ctx, LinkIndex from, const Frame &f)
    {
        const auto *req = f.as<ListOffsetsRequest>();
        auto body = std::make_shared<ListOffsetsResponse>();
        if (req) {
            for (const auto &rp : req->partitions) {
                ListOffsetsResponse::Partition out;
                out.partition = rp.partition;
                out.error = leaderError(rp.partition);
                if (out.error == KafkaError::None) {
                    Partition &part = m_partitions[rp.partition];
                    const PartitionLog &log = leaderReplica(part)->log;
                    if (rp.timestamp == kEarliestTimestamp)
                        out.offset = log.logStartOffset();
                    else if (rp.timestamp == kLatestTimestamp)
                        out.offset = req->readCommitted ? lastStableOffset(part) : part.hw;
                    else
                        out.offset = log.offsetForTimestamp(
                            rp.timestamp, req->readCommitted ? lastStableOffset(part) : part.hw);
                }
                body->partitions.push_back(out);
            }
        }
        respond(ctx, from, f, req ? KafkaError::None : KafkaError::CorruptMessage, std::move(body));
    }

    void onMetadata(NodeContext &ctx, LinkIndex from, const Frame &f)
    {
        auto body = std::make_shared<MetadataResponse>();
        body->partitions = m_partitionCount;
        for (const auto &part : m_partitions)
            body->leaders.push_back(
                part.leader >= 0
                    ? static_cast<std::int32_t>(part.replicas[static_cast<std::size_t>(part.leader)].broker)
                    : -1);
        respond(ctx, from, f, KafkaError::None, std::move(body));
    }

    // ---- transactions ----

    std::int64_t lastStableOffset(const Partition &part) const
    {
        std::int64_t lso = part.hw;
        for (const auto &[number, t] : part.txns)
            lso = std::min(lso, t.firstOffset);
        return lso;
    }

    // A transaction ended: its markers, its group offsets here, and its outcome in the trace.
    void endTransaction(NodeContext &ctx, const TransactionCoordinator::Ended &ended)
    {
        for (std::uint32_t p : ended.partitions) {
            if (leaderError(p) != KafkaError::None)
                m_partitions[p].pendingMarkers.push_back(ended);
            else
                writeMarker(ctx, p, ended);
        }
        m_coordinator.endTransaction(ctx, ended.producerId, ended.commit);
        TraceEvent e;
        e.kind = ended.commit ? TraceKind::TxnCommit : TraceKind::TxnAbort;
        e.peer = ended.producer;
        e.correlationId = ended.number;
        e.epoch = static_cast<std::uint32_t>(ended.producerEpoch);
        e.aux = ended.cause;
        ctx.trace(e);
    }

    // The partition's leader appends the transaction's control record (WriteTxnMarkers).
    void writeMarker(NodeContext &ctx, std::uint32_t p, const TransactionCoordinator::Ended &ended)
    {
        Partition &part = m_partitions[p];
        Replica &leader = *leaderReplica(part);
        Record marker;
        marker.producerId = ended.producerId;
        marker.producerEpoch = ended.producerEpoch;
        marker.transactional = true;
        marker.control = true;
        marker.commit = ended.commit;
        marker.timestamp = ctx.now();
        marker.leaderEpoch = part.epoch;
        const std::int64_t before = leader.log.logEndOffset();
        const std::int64_t offset = leader.log.append(marker);
        if (auto t = part.txns.find(ended.number); t != part.txns.end()) {
            t->second.markerOffset = offset;
            if (!ended.commit) part.aborted.push_back({ended.producerId, t->second.firstOffset, offset});
        }
        TraceEvent e = event(TraceKind::Marker, p);
        e.offset = offset;
        e.epoch = part.epoch;
        e.correlationId = ended.number;
        e.aux = leader.broker;
        e.flags = TraceFlag::Transactional | (ended.commit ? 0 : TraceFlag::Aborted);
        ctx.trace(e);
        followersFetch(ctx, p, before);
        updateHighWatermark(ctx, p);
    }

    // ---- retention and compaction ----

    void runRetention(NodeContext &ctx)
    {
        for (std::uint32_t p = 0; p < m_partitionCount; ++p) {
            Partition &part = m_partitions[p];
            const int lead = part.leader >= 0 ? part.leader : 0;
            for (std::size_t r = 0; r < part.replicas.size(); ++r) {
                Replica &rep = part.replicas[r];
                if (!m_up[rep.broker]) continue;
                const auto removed = rep.log.applyRetention(ctx.now(), part.hw);
                if (removed.empty() || static_cast<int>(r) != lead) continue;
                // The leader's deletions are the partition's: traced once.
                TraceEvent e = event(TraceKind::Retention, p);
                e.offset = rep.log.logStartOffset();
                e.aux = static_cast<std::int64_t>(removed.size());
                ctx.trace(e);
                for (const auto &rec : removed) {
                    if (!rec.message || rec.control) continue;
                    TraceEvent d = recordEvent(TraceKind::Drop, p, rec);
                    d.reason = DropReason::RetentionExpired;
                    ctx.trace(d);
                }
            }
        }
    }

    void runCleaner(NodeContext &ctx)
    {
        for (std::uint32_t p = 0; p < m_partitionCount; ++p) {
            Partition &part = m_partitions[p];
            const int lead = part.leader >= 0 ? part.leader : 0;
            for (std::size_t r = 0; r < part.replicas.size(); ++r) {
                Replica &rep = part.replicas[r];
                if (!m_up[rep.broker]) continue;
                const auto removed = rep.log.compact(ctx.now(), part.hw);
                if (static_cast<int>(r) != lead) continue;
                for (const auto &c : removed) {
                    TraceEvent e = recordEvent(TraceKind::Compact, p, c.record);
                    e.aux = c.supersededBy;
                    ctx.trace(e);
                    TraceEvent d = recordEvent(TraceKind::Drop, p, c.record);
                    d.reason = DropReason::Compacted;
                    ctx.trace(d);
                }
            }
        }
    }

    std::uint32_t m_partitionCount = 1;
    std::uint32_t m_brokers = 3;
    std::uint32_t m_rf = 1;
    std::uint32_t m_minIsr = 1;
    bool m_unclean = false;
    SimTime m_lagMax = 0;
    SimTime m_sessionTimeout = 0;
    Distribution m_replicationLatency;
    SimTime m_retentionCheck = 0;
    SimTime m_cleanerBackoff = 0;
    std::uint64_t m_maxMessageBytes = 0;
    bool m_started = false;

    GroupCoordinator m_coordinator;
    TransactionCoordinator m_txns;
    std::vector<Partition> m_partitions;
    std::vector<bool> m_up;     // by broker id (1..): running
    std::vector<bool> m_fenced; // by broker id: the controller fenced it (after its crash)
    std::vector<TimerId> m_fenceTimers;
    std::map<std::uint64_t, ParkedFetch> m_fetches;
    std::uint64_t m_nextFetch = 0;
    std::uint64_t m_nextWaiter = 0;
};

} // namespace

NodeKindSpec kafkaTopicKind()
{
    NodeKindSpec k;
    k.kind = "kafka-topic";
    k.deliveryRole = DeliveryRole::Log;
    k.label = "Kafka topic";
    k.category = "Streams";
    k.help = "A Kafka topic: partitions as replicated logs on a Kafka cluster with in-sync replicas, leader "
             "elections, retention and compaction; it coordinates the groups that read it.";
    k.ports = {{"produce", PortDirection::In, Protocol::Kafka, true,
                "Kafka producers (Produce, Metadata, InitProducerId and the transaction APIs); answered on "
                "the same link."},
               {"consumers", PortDirection::Out, Protocol::Kafka, true,
                "Kafka consumers (Fetch, ListOffsets, group membership and offsets); answered on the same "
                "link."}};
    using T = PropertyType;
    constexpr std::int64_t day = 24 * 3600 * 1000; // ms
    k.properties = {
        property("partitions", "Partitions", T::Integer, 1,
                 "num.partitions: the topic's partition count, each an ordered log with its own offsets.", "",
                 1, 1000),
        property(
            "brokers", "Brokers", T::Integer, 3,
            "The cluster's broker count (broker ids 1 to this; a broker-crash fault names one). Partition "
            "p's replicas sit on brokers (p + i) % brokers + 1, the first its preferred leader.",
            "", 1, 100),
        property("replicationFactor", "Replication factor", T::Integer, 1,
                 "replication.factor: replicas per partition, on distinct brokers (at most 'brokers').", "",
                 1, 100),
        property(
            "minInsyncReplicas", "Min in-sync replicas", T::Integer, 1,
            "min.insync.replicas: an acks=all produce is refused (NOT_ENOUGH_REPLICAS) when the ISR is "
            "smaller, and answered NOT_ENOUGH_REPLICAS_AFTER_APPEND when it shrank below after the append.",
            "", 1, 100),
        property("uncleanLeaderElection", "Unclean leader election", T::Bool, false,
                 "unclean.leader.election.enable: with no live in-sync replica, an out-of-sync one may lead; "
                 "records it lacks are lost (Truncated when the others catch up). Off: the partition stays "
                 "offline until an in-sync replica returns.",
                 ""),
        property(
            "replicaLagTimeMax", "Replica lag time max", T::Duration, 30000,
            "replica.lag.time.max.ms: a follower not caught up to its leader's log end for this long leaves "
            "the ISR (checked every half of it); it rejoins once it reaches the high watermark.",
            "ms", 1, {}),
        property(
            "brokerSessionTimeout", "Broker session timeout", T::Duration, 9000,
            "broker.session.timeout.ms: how long the controller takes to notice a crashed broker and fence "
            "it: it leaves every ISR and the partitions it led elect a new leader.",
            "ms", 0, {}),
        property("replicationLatency", "Replication latency", T::Distribution, "2ms",
                 "How long a follower takes to fetch and append what its leader appended (one fetch).", "ms"),
        property(
            "retention", "Retention", T::Duration, 7 * day,
            "retention.ms: segments whose newest record is older than this are deleted, oldest first, "
            "once below the high watermark; an expired active segment is rolled first (0 = no time limit; "
            "cleanup.policy delete).",
            "ms", 0, {}),
        property(
            "retentionBytes", "Retention bytes", T::Integer, 0,
            "retention.bytes: per partition, the oldest segments are deleted while the log is larger than "
            "this by at least a segment (0 = no limit).",
            "bytes", 0, 1e12),
        property("segmentBytes", "Segment bytes", T::Integer, 1073741824,
                 "segment.bytes: the active segment rolls when the next record would take it past this size. "
                 "Compaction cleans closed segments only.",
                 "bytes", 1, 1e12),
        property("segmentMs", "Segment time", T::Duration, 7 * day,
                 "segment.ms: the active segment rolls at the next append once its first record is this old.",
                 "ms", 1, {}),
        property("cleanupPolicy", "Cleanup policy", T::Enum, "delete",
                 "cleanup.policy: delete (retention by time and size), compact (the newest record per key "
                 "survives; a tombstone goes after delete.retention.ms), or both.",
                 "", {}, {}, {"delete", "compact", "compact,delete"}),
        property("deleteRetention", "Delete retention", T::Duration, day,
                 "delete.retention.ms: a tombstone the cleaner kept is removed at a cleaning this long after "
                 "(its delete horizon, KIP-534).",
                 "ms", 0, {}),
        property("minCompactionLag", "Min compaction lag", T::Duration, 0,
                 "min.compaction.lag.ms: records younger than this are not compacted yet.", "ms", 0, {}),
        property("cleanerBackoff", "Cleaner backoff", T::Duration, 15000,
                 "log.cleaner.backoff.ms: how often the log cleaner runs a compaction pass.", "ms", 1, {}),
        property("retentionCheck", "Retention check interval", T::Duration, 300000,
                 "log.retention.check.interval.ms: how often retention (time and size) is applied.", "ms", 1,
                 {}),
        property("maxMessageBytes", "Max message bytes", T::Integer, 1048588,
                 "max.message.bytes: a larger record batch (keys, values, headers) is refused with "
                 "MESSAGE_TOO_LARGE.",
                 "bytes", 1, 1e10),
    };
    k.check = [](const PropertyBag &p, std::vector<std::pair<std::string, std::string>> &problems) {
        const auto brokers = p.integer("brokers");
        const auto rf = p.integer("replicationFactor");
        const auto minIsr = p.integer("minInsyncReplicas");
        if (rf > brokers)
            problems.emplace_back("replicationFactor", "replicationFactor " + std::to_string(rf) +
                                                           " is more than the " + std::to_string(brokers) +
                                                           " brokers (each replica needs its own broker)");
        if (minIsr > rf)
            problems.emplace_back("minInsyncReplicas", "minInsyncReplicas " + std::to_string(minIsr) +
                                                           " is more than the replicationFactor " +
                                                           std::to_string(rf) +
                                                           " (acks=all produces could never succeed)");
    };
    k.factory = [](const NodeSetup &s) { return std::make_unique<Topic>(s); };
    k.explainRoute = [](const RouteQuestion &q) {
        // Every consumer group reads the whole log; within a group the partition's one owner does.
        std::map<std::string, std::size_t> members;
        for (const auto &o : q.outputs)
            if (!o.inbound && o.port == "consumers" && o.peerKind && o.peerKind->kind == "kafka-consumer")
                ++members[o.peerProperties->string("groupId")];
        RouteAnswer a;
        a.note = "appends it to the partition's log; each of " + std::to_string(members.size()) +
                 " consumer group" + (members.size() == 1 ? "" : "s") + " reads it";
        for (std::size_t i = 0; i < q.outputs.size(); ++i) {
            const RouteOutput &o = q.outputs[i];
            if (o.inbound || o.port != "consumers") continue;
            if (!o.peerKind || o.peerKind->kind != "kafka-consumer") {
                a.verdicts.push_back(routeVerdict(i, true, "reads the log"));
                continue;
            }
            const std::string group = o.peerProperties->string("groupId");
            const std::size_t n = members[group];
            a.verdicts.push_back(
                routeVerdict(i, true,
                             "group " + inQuotes(group) +
                                 (n == 1 ? ": its only member reads every partition"
                                         : ": one of its " + std::to_string(n) +
                                               " members, the one assigned the partition, reads it")));
        }
        if (members.empty()) a.ends = true;
        return a;
    };
    return k;
}

} // namespace sb
