// The Kafka producer, as the Java client (Kafka 4.x) behaves: records go to a partition (an
// explicit one; murmur2 of the key; keyless ones to a sticky partition that changes after a
// batch's worth of bytes, or round-robin), gather in per-partition batches in the record
// accumulator until batch.size is reached or linger.ms has passed, and leave as one Produce
// request per batch, at most max.in.flight.requests.per.connection unanswered per broker.
//
// acks=0 gets no answer (the record counts as sent); acks=1 and all are answered by the topic.
// A retriable error or a request that times out sends the batch again after an exponential
// backoff (retry.backoff.ms doubling up to retry.backoff.max.ms, +-20% jitter), until
// delivery.timeout.ms after the batch was made; then its records fail (Drop retries-exhausted).
// A retried batch goes back to the front of its partition's queue: without idempotence, a later
// batch already in flight can be written first (reordering), and a request that timed out after
// the topic wrote it is written twice (duplicates). With idempotence the producer has a producer
// id and numbers each partition's records; the topic refuses gaps and acknowledges duplicates
// without writing them again, so retries neither reorder nor duplicate.
#include "../../callstatus.h"
#include "../common.h"
#include "../workload.h"
#include "kafka.h"
#include "kafkaprotocol.h"

#include <algorithm>
#include <cmath>
#include <deque>
#include <map>
#include <optional>

namespace sb {

namespace {

using namespace kafka;

enum TimerKind : std::uint64_t {
    LingerTimer = 0,  // n = partition
    RequestTimer = 1, // n = request tag
    RetryTimer = 2,   // n = partition: its retry backoff ended
    MetadataTimer = 3,
};
inline std::uint64_t timerTag(TimerKind k, std::uint64_t n)
{
    return (n << 3) | k;
}

std::string checkKafkaEntry(const Json &e)
{
    if (e.contains("partition") &&
        !(e["partition"].is_number_integer() && e["partition"].get<std::int64_t>() >= 0))
        return "'partition' must be a partition number (0, 1, ...)";
    if (e.contains("tombstone") && !e["tombstone"].is_boolean())
        return "'tombstone' must be true or false (true: a null value, which deletes the key in a compacted "
               "topic)";
    return {};
}

bool retriable(std::uint16_t error)
{
    switch (error) {
    case KafkaError::NotEnoughReplicas:
    case KafkaError::NotEnoughReplicasAfterAppend:
    case KafkaError::NotLeaderOrFollower:
    case KafkaError::LeaderNotAvailable:
    case KafkaError::RequestTimedOut:
    case KafkaError::OutOfOrderSequenceNumber:
    case KafkaError::CorruptMessage:
        return true;
    default:
        return false;
    }
}

struct Batch {
    std::uint32_t partition = 0;
    std::vector<Record> records;
    std::uint32_t bytes = 0;
    SimTime created = 0;
    std::int32_t baseSequence = -1; // idempotent: set when first drained, kept across retries
    std::uint32_t attempts = 0;
    SimTime retryAt = 0; // not sent again before this
};

class KafkaProducer final : public Node {
public:
    explicit KafkaProducer(const NodeSetup &s) : m_workload(s.properties)
    {
        const auto &p = s.properties;
        const std::string acks = p.string("acks");
        m_acks = acks == "0" ? 0 : acks == "1" ? 1 : -1;
        m_linger = p.duration("linger");
        m_batchSize = static_cast<std::uint32_t>(p.integer("batchSize"));
        m_maxInFlight = static_cast<std::uint32_t>(p.integer("maxInFlight"));
        m_retries = static_cast<std::uint64_t>(p.integer("retries"));
        m_backoff = p.duration("retryBackoff");
        m_backoffMax = p.duration("retryBackoffMax");
        m_requestTimeout = p.duration("requestTimeout");
        m_deliveryTimeout = p.duration("deliveryTimeout");
        m_roundRobin = p.string("partitioner") == "round-robin";
        m_ignoreKeys = p.boolean("partitionerIgnoreKeys");
        m_idempotent = idempotenceOn(p);
    }

    // enable.idempotence defaults to true, but (as in the Java client since 3.2) a default that
    // conflicts with acks, retries or max.in.flight quietly turns idempotence off; an explicit
    // true with such a conflict is refused by validation.
    static bool idempotenceOn(const PropertyBag &p)
    {
        if (!p.boolean("enableIdempotence")) return false;
        return p.string("acks") == "all" && p.integer("maxInFlight") <= 5 && p.integer("retries") > 0;
    }

    void start(NodeContext &ctx) override
    {
        requestMetadata(ctx);
        m_workload.start(ctx);
    }

    void onTimer(NodeContext &ctx, std::uint64_t tag) override
    {
        if (m_workload.owns(tag)) {
            m_workload.onTimer(ctx, tag, [&](const Workload::Item &item) { produce(ctx, item); });
            drain(ctx);
            return;
        }
        const auto n = tag >> 3;
        switch (static_cast<TimerKind>(tag & 7)) {
        case LingerTimer:
            if (n < m_open.size()) m_lingerTimer[n] = kNoTimer;
            closeOpen(ctx, static_cast<std::uint32_t>(n), /*lingerDone*/ true);
            break;
        case RequestTimer:
            requestTimedOut(ctx, n);
            break;
        case RetryTimer:
            if (n < m_retryTimer.size())
                m_retryTimer[n] = kNoTimer; // it fired: a new backoff needs a new one
            break;                          // the drain below sends what is due
        case MetadataTimer:
            m_metadataTimer = kNoTimer;
            requestMetadata(ctx);
            break;
        }
        expire(ctx);
        drain(ctx);
    }

    void onFrame(NodeContext &ctx, LinkIndex, Frame &f) override
    {
        if (!f.response) return;
        switch (f.type) {
        case FrameType::Metadata:
            if (const auto *m = f.as<MetadataResponse>()) onMetadata(ctx, *m);
            break;
        case FrameType::InitProducerId:
            if (const auto *r = f.as<InitProducerIdResponse>(); r && f.status == KafkaError::None) {
                m_producerId = r->producerId;
                m_epoch = r->producerEpoch;
                m_initPending = false;
            } else {
                m_initPending = false;
                scheduleMetadata(ctx); // asks again with the metadata
            }
            break;
        case FrameType::Produce:
            onProduceResponse(ctx, f);
            break;
        default:
            break;
        }
        expire(ctx);
        drain(ctx);
    }

    void onCrash(NodeContext &) override
    {
        // The accumulator and the requests in flight are memory: their records are gone (the
        // checker counts those that had not been acknowledged as never written).
        m_workload.stop();
        m_open.clear();
        m_ready.clear();
        m_inFlight.clear();
        m_inFlightPerBroker.clear();
        m_leaders.clear();
        m_partitions = 0;
        m_pendingRecords.clear();
        m_producerId = -1;
        m_initPending = false;
        m_metadataPending = false;
        m_metadataTimer = kNoTimer;
    }

    void onRestart(NodeContext &ctx) override
    {
        requestMetadata(ctx);
        m_workload.restart(ctx);
    }

    NodeStatus status() const override
    {
        NodeStatus s;
        for (const auto &b : m_open)
            s.ready += b.records.size();
        for (const auto &q : m_ready)
            for (const auto &b : q)
                s.ready += b.records.size();
        s.ready += m_pendingRecords.size();
        for (const auto &[tag, r] : m_inFlight)
            s.inFlight += r.batch.records.size();
        return s;
    }

    bool hasPendingWork() const override
    {
        if (!m_pendingRecords.empty()) return true;
        for (const auto &b : m_open)
            if (!b.records.empty()) return true;
        for (const auto &q : m_ready)
            if (!q.empty()) return true;
        return false;
    }

private:
    struct InFlightRequest {
        Batch batch;
        TimerId timer = kNoTimer;
        std::int32_t broker = -1;
    };
    struct PendingRecord { // made before the metadata said how many partitions there are
        Record record;
        std::int64_t explicitPartition = -1;
    };

    // ---- metadata and producer id

    void requestMetadata(NodeContext &ctx)
    {
        if (m_metadataPending) return;
        auto links = ctx.links(KafkaProducerPort::Out);
        if (links.empty()) return;
        m_metadataPending = true;
        Frame f;
        f.type = FrameType::Metadata;
        f.tag = ++m_nextTag;
        ctx.send(links.front(), std::move(f));
        // No answer (the topic is down, the link lost it): ask again after the backoff.
        scheduleMetadata(ctx);
    }

    void scheduleMetadata(NodeContext &ctx)
    {
        if (m_metadataTimer != kNoTimer) return;
        m_metadataTimer =
            ctx.startTimer(std::max<SimTime>(m_backoff, 1) * 10, timerTag(MetadataTimer, 0), true);
    }

    void onMetadata(NodeContext &ctx, const MetadataResponse &m)
    {
        m_metadataPending = false;
        if (m_metadataTimer != kNoTimer) {
            ctx.cancelTimer(m_metadataTimer);
            m_metadataTimer = kNoTimer;
        }
        if (m.partitions == 0) return;
        if (m_partitions != m.partitions) {
            m_partitions = m.partitions;
            m_open.resize(m_partitions);
            m_ready.resize(m_partitions);
            m_lingerTimer.resize(m_partitions, kNoTimer);
            m_nextSequence.resize(m_partitions, 0);
            m_retryTimer.resize(m_partitions, kNoTimer);
            for (std::uint32_t p = 0; p < m_partitions; ++p)
                m_open[p].partition = p;
        }
        m_leaders = m.leaders;
        m_leaders.resize(m_partitions, -1);
        if (m_idempotent && m_producerId < 0 && !m_initPending) {
            m_initPending = true;
            Frame f;
            f.type = FrameType::InitProducerId;
            f.tag = ++m_nextTag;
            f.body = std::make_shared<InitProducerIdRequest>();
            sendOnPort(ctx, KafkaProducerPort::Out, std::move(f));
        }
        // Records made before the metadata came find their partitions now.
        auto pending = std::move(m_pendingRecords);
        m_pendingRecords.clear();
        for (auto &r : pending)
            append(ctx, std::move(r.record), r.explicitPartition);
        // A partition without a leader: look again soon.
        if (std::find(m_leaders.begin(), m_leaders.end(), -1) != m_leaders.end()) scheduleMetadata(ctx);
    }

    // ---- the record accumulator

    void produce(NodeContext &ctx, const Workload::Item &item)
    {
        auto m = std::make_shared<Message>();
        m->id = ctx.newMessageId();
        m->sequence = m_workload.generated();
        m->key = item.key;
        m->size = item.size;
        m->publishedAt = ctx.now();
        m->producer = ctx.self();
        std::int64_t partition = -1;
        bool tombstone = false;
        if (item.entry) {
            m->headers = Workload::entryHeaders(*item.entry);
            partition = item.entry->value("partition", std::int64_t{-1});
            tombstone = item.entry->value("tombstone", false);
            if (tombstone) m->size = 0;
        }
        ctx.announce(*m);
        Record r;
        r.message = std::move(m);
        r.timestamp = ctx.now();
        r.tombstone = tombstone;
        if (m_partitions == 0) {
            // send() blocks until the producer knows the topic's partitions (max.block.ms): the
            // record is handed over (traced Publish, with its partition) once the metadata came.
            m_pendingRecords.push_back({std::move(r), partition});
            return;
        }
        append(ctx, std::move(r), partition);
    }

    std::uint32_t choosePartition(NodeContext &ctx, const Record &r, std::int64_t explicitPartition)
    {
        if (explicitPartition >= 0) return static_cast<std::uint32_t>(explicitPartition) % m_partitions;
        if (m_roundRobin) return static_cast<std::uint32_t>(m_roundRobinNext++ % m_partitions);
        if (!r.message->key.empty() && !m_ignoreKeys) return partitionForKey(r.message->key, m_partitions);
        // Uniform sticky (KIP-794): stay on one partition until batch.size bytes went to it.
        if (m_sticky < 0 || m_stickyBytes >= m_batchSize) {
            std::uint32_t next = static_cast<std::uint32_t>(ctx.rng().below(m_partitions));
            if (m_partitions > 1 && static_cast<std::int64_t>(next) == m_sticky)
                next = (next + 1) % m_partitions;
            m_sticky = next;
            m_stickyBytes = 0;
        }
        m_stickyBytes += r.message->size;
        return static_cast<std::uint32_t>(m_sticky);
    }

    // Hands a record to the accumulator: traced Publish with the partition it goes to.
    void append(NodeContext &ctx, Record r, std::int64_t explicitPartition)
    {
        const std::uint32_t p = choosePartition(ctx, r, explicitPartition);
        TraceEvent e = messageEvent(TraceKind::Publish, r.message.get());
        e.aux = r.message->size;
        e.partition = p;
        if (m_acks != 0) e.flags |= TraceFlag::Confirmed;
        ctx.trace(e);
        Batch &b = m_open[p];
        const std::uint32_t size = r.message->size;
        // A record that does not fit closes the open batch (a record larger than batch.size
        // travels alone).
        if (!b.records.empty() && b.bytes + size > m_batchSize) closeOpen(ctx, p, false);
        Batch &open = m_open[p];
        if (open.records.empty()) {
            open.created = ctx.now();
            if (m_linger > 0 && m_lingerTimer[p] == kNoTimer)
                m_lingerTimer[p] = ctx.startTimer(m_linger, timerTag(LingerTimer, p));
        }
        open.records.push_back(std::move(r));
        open.bytes += size;
        if (open.bytes >= m_batchSize || m_linger == 0) closeOpen(ctx, p, false);
    }

    // The open batch of partition p is ready to send (full, lingered long enough, or linger 0).
    void closeOpen(NodeContext &ctx, std::uint32_t p, bool lingerDone)
    {
        if (p >= m_open.size() || m_open[p].records.empty()) return;
        if (!lingerDone && m_lingerTimer[p] != kNoTimer) {
            ctx.cancelTimer(m_lingerTimer[p]);
            m_lingerTimer[p] = kNoTimer;
        }
        Batch b = std::move(m_open[p]);
        m_open[p] = Batch{};
        m_open[p].partition = p;
        m_ready[p].push_back(std::move(b));
    }

    // ---- the sender

    void drain(NodeContext &ctx)
    {
        if (m_partitions == 0) return;
        if (m_idempotent && m_producerId < 0) return; // waits for InitProducerId
        for (std::uint32_t p = 0; p < m_partitions; ++p) {
            auto &queue = m_ready[p];
            while (!queue.empty()) {
                Batch &b = queue.front();
                const std::int32_t broker = m_leaders[p];
                if (broker < 0) break; // no leader known: the metadata refresh finds one
                if (b.retryAt > ctx.now()) {
                    if (m_retryTimer[p] == kNoTimer)
                        m_retryTimer[p] = ctx.startTimer(b.retryAt - ctx.now(), timerTag(RetryTimer, p));
                    break;
                }
                if (m_inFlightPerBroker[broker] >= m_maxInFlight) break;
                // Without idempotence and with one request in flight, Kafka keeps order by not
                // sending a partition's next batch while one is out (guaranteeMessageOrder).
                if (m_maxInFlight == 1 && partitionInFlight(p)) break;
                Batch batch = std::move(b);
                queue.pop_front();
                send(ctx, std::move(batch), broker);
            }
            if (m_retryTimer[p] != kNoTimer && (queue.empty() || queue.front().retryAt <= ctx.now())) {
                ctx.cancelTimer(m_retryTimer[p]);
                m_retryTimer[p] = kNoTimer;
            }
        }
    }

    bool partitionInFlight(std::uint32_t p) const
    {
        for (const auto &[tag, r] : m_inFlight)
            if (r.batch.partition == p) return true;
        return false;
    }

    void send(NodeContext &ctx, Batch batch, std::int32_t broker)
    {
        ++batch.attempts;
        if (m_idempotent && batch.baseSequence < 0) {
            batch.baseSequence = m_nextSequence[batch.partition];
            m_nextSequence[batch.partition] += static_cast<std::int32_t>(batch.records.size());
        }
        auto req = std::make_shared<ProduceRequest>();
        req->acks = static_cast<std::int16_t>(m_acks);
        req->timeout = m_requestTimeout;
        req->producerId = m_idempotent ? m_producerId : -1;
        req->producerEpoch = m_epoch;
        req->baseSequence = m_idempotent ? batch.baseSequence : -1;
        req->records = batch.records;
        for (std::size_t i = 0; i < req->records.size(); ++i) {
            req->records[i].producerId = req->producerId;
            req->records[i].producerEpoch = m_epoch;
            req->records[i].sequence = m_idempotent ? batch.baseSequence + static_cast<std::int32_t>(i) : -1;
        }
        if (batch.attempts > 1)
            for (const auto &r : batch.records) {
                TraceEvent e = messageEvent(TraceKind::Retry, r.message.get());
                e.deliveryCount = batch.attempts;
                e.partition = batch.partition;
                ctx.trace(e);
            }
        Frame f;
        f.type = FrameType::Produce;
        f.tag = ++m_nextTag;
        f.partition = batch.partition;
        f.deliveryCount = batch.attempts;
        f.message = batch.records.front().message;
        f.body = std::move(req);
        if (!sendOnPort(ctx, KafkaProducerPort::Out, std::move(f))) return;
        if (m_acks == 0) return; // fire and forget: nothing will answer
        InFlightRequest r;
        r.broker = broker;
        r.timer = ctx.startTimer(m_requestTimeout, timerTag(RequestTimer, m_nextTag));
        r.batch = std::move(batch);
        ++m_inFlightPerBroker[broker];
        m_inFlight.emplace(m_nextTag, std::move(r));
    }

    std::optional<InFlightRequest> takeInFlight(NodeContext &ctx, std::uint64_t tag)
    {
        auto it = m_inFlight.find(tag);
        if (it == m_inFlight.end()) return std::nullopt;
        InFlightRequest r = std::move(it->second);
        m_inFlight.erase(it);
        if (--m_inFlightPerBroker[r.broker] == 0) m_inFlightPerBroker.erase(r.broker);
        return r;
    }

    void onProduceResponse(NodeContext &ctx, const Frame &f)
    {
        auto r = takeInFlight(ctx, f.tag);
        if (!r) return; // it timed out already: its batch is being retried
        ctx.cancelTimer(r->timer);
        const auto *body = f.as<ProduceResponse>();
        if (f.status == KafkaError::None || f.status == KafkaError::DuplicateSequenceNumber) {
            const std::int64_t base = body ? body->baseOffset : kNoOffset;
            for (std::size_t i = 0; i < r->batch.records.size(); ++i) {
                TraceEvent e = messageEvent(TraceKind::Confirm, r->batch.records[i].message.get());
                e.deliveryCount = r->batch.attempts;
                e.partition = r->batch.partition;
                e.offset = base >= 0 ? base + static_cast<std::int64_t>(i) : -1;
                ctx.trace(e);
            }
            return;
        }
        TraceEvent e = messageEvent(TraceKind::Nack, r->batch.records.front().message.get());
        e.status = f.status;
        e.frame = FrameType::Produce;
        e.partition = r->batch.partition;
        e.deliveryCount = r->batch.attempts;
        ctx.trace(e);
        if (f.status == KafkaError::NotLeaderOrFollower || f.status == KafkaError::LeaderNotAvailable)
            requestMetadata(ctx);
        retryOrFail(ctx, std::move(r->batch), f.status);
    }

    void requestTimedOut(NodeContext &ctx, std::uint64_t tag)
    {
        auto r = takeInFlight(ctx, tag);
        if (!r) return;
        for (const auto &rec : r->batch.records) {
            TraceEvent e = messageEvent(TraceKind::Timeout, rec.message.get());
            e.deliveryCount = r->batch.attempts;
            e.partition = r->batch.partition;
            ctx.trace(e);
        }
        requestMetadata(ctx);
        retryOrFail(ctx, std::move(r->batch), KafkaError::RequestTimedOut);
    }

    void retryOrFail(NodeContext &ctx, Batch batch, std::uint16_t error)
    {
        const bool expired = ctx.now() >= addTime(batch.created, m_deliveryTimeout);
        if (!retriable(error) || batch.attempts > m_retries || expired) {
            fail(ctx, batch);
            return;
        }
        // Exponential backoff with +-20% jitter (KIP-580), from retry.backoff.ms up to retry.backoff.max.ms.
        const double exp =
            static_cast<double>(m_backoff) *
            std::pow(2.0, static_cast<double>(std::min<std::uint32_t>(batch.attempts - 1, 30)));
        const double capped = std::min(exp, static_cast<double>(std::max(m_backoffMax, m_backoff)));
        const double jittered = capped * ctx.rng().uniform(0.8, 1.2);
        batch.retryAt = addTime(ctx.now(), static_cast<SimTime>(jittered));
        // Back to the front of its partition's queue; an idempotent producer keeps its partition's
        // batches in sequence order (Kafka's insertInSequenceOrder).
        auto &queue = m_ready[batch.partition];
        auto pos = queue.begin();
        if (m_idempotent)
            while (pos != queue.end() && pos->baseSequence >= 0 && pos->baseSequence < batch.baseSequence)
                ++pos;
        queue.insert(pos, std::move(batch));
    }

    void fail(NodeContext &ctx, const Batch &batch)
    {
        for (const auto &r : batch.records) {
            TraceEvent e = messageEvent(TraceKind::Drop, r.message.get());
            e.reason = DropReason::RetriesExhausted;
            e.deliveryCount = batch.attempts;
            e.partition = batch.partition;
            ctx.trace(e);
        }
    }

    // Batches waiting longer than delivery.timeout.ms since they were made fail without another try.
    void expire(NodeContext &ctx)
    {
        for (auto &queue : m_ready)
            for (auto it = queue.begin(); it != queue.end();) {
                if (ctx.now() >= addTime(it->created, m_deliveryTimeout)) {
                    fail(ctx, *it);
                    it = queue.erase(it);
                } else {
                    ++it;
                }
            }
    }

    Workload m_workload;
    int m_acks = -1;
    SimTime m_linger = 0;
    std::uint32_t m_batchSize = 16384;
    std::uint32_t m_maxInFlight = 5;
    std::uint64_t m_retries = 0;
    SimTime m_backoff = 0;
    SimTime m_backoffMax = 0;
    SimTime m_requestTimeout = 0;
    SimTime m_deliveryTimeout = 0;
    bool m_roundRobin = false;
    bool m_ignoreKeys = false;
    bool m_idempotent = false;

    std::uint32_t m_partitions = 0;
    std::vector<std::int32_t> m_leaders;
    std::vector<Batch> m_open;                // by partition: the batch records are added to
    std::vector<std::deque<Batch>> m_ready;   // by partition: batches ready to send, in order
    std::vector<TimerId> m_lingerTimer;       // by partition
    std::vector<TimerId> m_retryTimer;        // by partition
    std::vector<std::int32_t> m_nextSequence; // by partition (idempotence)
    std::vector<PendingRecord> m_pendingRecords;
    std::map<std::uint64_t, InFlightRequest> m_inFlight; // by request tag
    std::map<std::int32_t, std::uint32_t> m_inFlightPerBroker;
    std::int64_t m_sticky = -1;
    std::uint32_t m_stickyBytes = 0;
    std::uint64_t m_roundRobinNext = 0;
    std::int64_t m_producerId = -1;
    std::int16_t m_epoch = 0;
    bool m_initPending = false;
    bool m_metadataPending = false;
    TimerId m_metadataTimer = kNoTimer;
    std::uint64_t m_nextTag = 0;
};

} // namespace

namespace {

// The routing inspector's question: the partition the default partitioner picks for the record.
RouteAnswer explainProducerRoute(const RouteQuestion &q)
{
    std::string filled;
    RouteMessage m = producedMessage(q, "", filled);
    RouteAnswer a;
    a.note = m.key.empty() ? "produces a keyless record" : "produces a record with key " + inQuotes(m.key);
    const Json &script = q.properties.value("script");
    const bool explicitPartition =
        !q.message.keyGiven && script.is_array() && !script.empty() && script[0].contains("partition");
    for (std::size_t i = 0; i < q.outputs.size(); ++i) {
        const RouteOutput &o = q.outputs[i];
        if (o.inbound || o.port != "out") continue;
        RouteVerdict v = routeVerdict(i, true, "");
        v.message = m;
        const auto partitions = o.peerKind && o.peerKind->kind == "kafka-topic"
                                    ? static_cast<std::uint32_t>(
                                          std::max<std::int64_t>(1, o.peerProperties->integer("partitions")))
                                    : 1u;
        if (explicitPartition) {
            v.partition = static_cast<int>(script[0]["partition"].get<std::int64_t>() % partitions);
            v.why = "the script's first entry names partition " + std::to_string(v.partition);
        } else if (q.properties.string("partitioner") == "round-robin") {
            v.partition = 0;
            v.why = "round-robin partitioner: partition 0 first, then each next one";
        } else if (m.key.empty() || q.properties.boolean("partitionerIgnoreKeys")) {
            v.why = std::string(m.key.empty() ? "keyless" : "partitioner.ignore.keys") +
                    ": a sticky partition drawn at random, kept for batch.size bytes (KIP-794)";
        } else {
            v.partition = static_cast<int>(partitionForKey(m.key, partitions));
            v.why = "toPositive(murmur2(" + inQuotes(m.key) + ")) % " + std::to_string(partitions) + " = " +
                    std::to_string(v.partition);
        }
        a.verdicts.push_back(std::move(v));
    }
    return a;
}

} // namespace

NodeKindSpec kafkaProducerKind()
{
    NodeKindSpec k;
    k.kind = "kafka-producer";
    k.deliveryRole = DeliveryRole::Log;
    k.label = "Kafka producer";
    k.category = "Streams";
    k.help = "Produces records to a Kafka topic as the Java client does: partitioner, batching (linger.ms, "
             "batch.size), acks, retries with backoff, idempotence.";
    k.ports = {{"out", PortDirection::Out, Protocol::Kafka, false, "Produces to a kafka-topic.",
                PortSpec::Need::Required}};
    using T = PropertyType;
    k.properties = Workload::propertySpecs({"partition", "tombstone"}, checkKafkaEntry,
                                           "{\"at\": \"10ms\", \"key\": \"user-7\", \"size\": 100, "
                                           "\"headers\": {}, \"partition\": 2, \"tombstone\": "
                                           "false}",
                                           1024);
    const std::vector<PropertySpec> own = {
        property(
            "acks", "Acks (acks)", T::Enum, "all",
            "acks: with 0 nothing answers and the record counts as sent; 1: the leader wrote it (lost if the "
            "leader fails before a follower copied it); all: every in-sync replica has it (refused with "
            "NOT_ENOUGH_REPLICAS while fewer than min.insync.replicas are in sync). Kafka's default since "
            "3.0: all.",
            "", {}, {}, {"0", "1", "all"}),
        property(
            "linger", "Linger (linger.ms)", T::Duration, 5,
            "linger.ms: how long a batch waits for more records before it is sent (0 = send as soon as the "
            "sender can). Kafka 4.0's default: 5 ms.",
            "ms", 0, 9.0e12),
        property(
            "batchSize", "Batch size (batch.size)", T::Integer, 16384,
            "batch.size: a partition's batch is sent once it holds this many bytes; a record larger than "
            "this travels alone. Also how many bytes keyless records stick to one partition.",
            "bytes", 1, 256.0 * 1024 * 1024),
        property("enableIdempotence", "Idempotence (enable.idempotence)", T::Bool, true,
                 "enable.idempotence: a producer id and per-partition sequence numbers, so retries neither "
                 "duplicate nor reorder records. Needs acks=all, retries > 0 and max.in.flight <= 5; when "
                 "left at its default and those conflict, it is off (as the Java client does).",
                 ""),
        property("maxInFlight", "Max in flight (max.in.flight.requests.per.connection)", T::Integer, 5,
                 "max.in.flight.requests.per.connection: unanswered produce requests per broker. Above 1 "
                 "without idempotence, a retried batch can land after a later one: records reorder.",
                 "requests", 1, 1000),
        property(
            "retries", "Retries (retries)", T::Integer, 2147483647,
            "retries: how often a failed batch is sent again (bounded in practice by delivery.timeout.ms). "
            "0 = never retry.",
            "", 0, 2147483647),
        property(
            "retryBackoff", "Retry backoff (retry.backoff.ms)", T::Duration, 100,
            "retry.backoff.ms: the first retry's backoff; each further one doubles it, with +-20% jitter.",
            "ms", 0, 9.0e12),
        property("retryBackoffMax", "Retry backoff max (retry.backoff.max.ms)", T::Duration, 1000,
                 "retry.backoff.max.ms: the longest backoff between retries.", "ms", 0, 9.0e12),
        property("requestTimeout", "Request timeout (request.timeout.ms)", T::Duration, 30000,
                 "request.timeout.ms: how long to wait for a produce response before sending the batch again "
                 "(the topic may have written it: without idempotence, a duplicate).",
                 "ms", 1, 9.0e12),
        property("deliveryTimeout", "Delivery timeout (delivery.timeout.ms)", T::Duration, 120000,
                 "delivery.timeout.ms: how long a record may take from being produced to being acknowledged, "
                 "retries included; then it fails. Must be at least linger.ms + request.timeout.ms.",
                 "ms", 1, 9.0e12),
        property(
            "partitioner", "Partitioner", T::Enum, "default",
            "default: keyed records go to toPositive(murmur2(key)) % partitions, keyless ones stick to a "
            "random partition for batch.size bytes (KIP-794); round-robin: every record to the next "
            "partition, keys ignored (RoundRobinPartitioner). A script entry's \"partition\" wins over both.",
            "", {}, {}, {"default", "round-robin"}),
        property("partitionerIgnoreKeys", "Ignore keys (partitioner.ignore.keys)", T::Bool, false,
                 "partitioner.ignore.keys: keyed records are spread like keyless ones.", ""),
    };
    k.properties.insert(k.properties.end(), own.begin(), own.end());
    k.check = [](const PropertyBag &p, std::vector<std::pair<std::string, std::string>> &problems) {
        const SimTime linger = p.duration("linger"), request = p.duration("requestTimeout"),
                      delivery = p.duration("deliveryTimeout");
        if (delivery < addTime(linger, request))
            problems.emplace_back("deliveryTimeout", "delivery.timeout.ms " + formatDuration(delivery) +
                                                         " is less than linger.ms + request.timeout.ms (" +
                                                         formatDuration(addTime(linger, request)) +
                                                         "), which Kafka refuses");
        // Set explicitly, idempotence with a conflicting setting is refused, as the Java client does.
        if (p.explicitlySet("enableIdempotence") && p.boolean("enableIdempotence")) {
            if (p.string("acks") != "all")
                problems.emplace_back("acks",
                                      "enable.idempotence needs acks=all, not acks=" + p.string("acks"));
            if (p.integer("maxInFlight") > 5)
                problems.emplace_back("maxInFlight", "enable.idempotence needs max.in.flight.requests.per."
                                                     "connection at most 5, not " +
                                                         std::to_string(p.integer("maxInFlight")));
            if (p.integer("retries") == 0)
                problems.emplace_back("retries", "enable.idempotence needs retries above 0");
        }
    };
    k.factory = [](const NodeSetup &s) { return std::make_unique<KafkaProducer>(s); };
    k.explainRoute = explainProducerRoute;
    return k;
}

} // namespace sb
