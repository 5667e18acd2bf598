#include "streamsproducer.h"

#include "../../callstatus.h"
#include "../common.h"

#include <algorithm>

namespace sb::kafka {

std::uint64_t derivedMessageId(NodeIndex node, std::uint64_t input)
{
    // splitmix64 over (node, input), top bit set: far from the run's counted ids, which start at 1.
    std::uint64_t z = (std::uint64_t{node} << 40) ^ input ^ 0x9e3779b97f4a7c15ULL;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    z ^= z >> 31;
    return z | (std::uint64_t{1} << 63);
}

Frame StreamsProducer::request(FrameType type)
{
    Frame f;
    f.type = type;
    f.tag = m_nextTag++;
    return f;
}

void StreamsProducer::sendRequest(NodeContext &ctx, LinkIndex link, Frame f)
{
    m_outstanding[f.tag] = f.type;
    ctx.startTimer(m_config.requestTimeout, kTimerBit | f.tag, true);
    ctx.send(link, std::move(f));
}

void StreamsProducer::start(NodeContext &ctx, LinkIndex out, LinkIndex offsetsLink)
{
    m_out = out;
    m_offsetsLink = offsetsLink;
    m_phase = Phase::Metadata;
    sendRequest(ctx, m_out, request(FrameType::Metadata));
}

void StreamsProducer::init(NodeContext &ctx)
{
    m_phase = Phase::Init;
    Frame f = request(FrameType::InitProducerId);
    auto body = std::make_shared<InitProducerIdRequest>();
    body->transactionalId = m_config.transactionalId;
    body->transactionTimeout = m_config.transactionTimeout;
    f.body = std::move(body);
    sendRequest(ctx, m_out, std::move(f));
}

void StreamsProducer::send(NodeContext &ctx, const Message &input)
{
    auto m = std::make_shared<Message>();
    m->id = derivedMessageId(ctx.self(), input.id);
    m->correlationId = input.id;
    m->key = input.key;
    m->headers = input.headers;
    m->size = input.size;
    m->publishedAt = ctx.now();
    m->producer = ctx.self();
    // Message::sequence orders a producer's messages; a processor's restart must not start it
    // over, so it follows virtual time (the count within one instant in its low 12 bits).
    m_sequence = std::max(m_sequence + 1, static_cast<std::uint64_t>(ctx.now()) << 12);
    m->sequence = m_sequence;
    ctx.announce(*m);
    const std::uint32_t partitions = std::max<std::uint32_t>(m_partitions, 1); // known once ready()
    const std::uint32_t p =
        !m->key.empty() ? partitionForKey(m->key, partitions) : m_roundRobin++ % partitions;
    TraceEvent e = messageEvent(TraceKind::Publish, m.get());
    e.aux = m->size;
    e.partition = p;
    e.flags |= TraceFlag::Confirmed;
    if (exactlyOnce()) e.flags |= TraceFlag::Transactional;
    ctx.trace(e);
    Record r;
    r.message = std::move(m);
    r.timestamp = ctx.now();
    PartitionState &s = m_state[p];
    s.queue.push_back(std::move(r));
    if (exactlyOnce()) {
        m_txnOpen = true;
        if (!s.added) {
            addPartitions(ctx);
            return;
        }
    }
    flushPartition(ctx, p);
}

void StreamsProducer::addPartitions(NodeContext &ctx)
{
    auto body = std::make_shared<AddPartitionsToTxnRequest>();
    body->transactionalId = m_config.transactionalId;
    body->producerId = m_producerId;
    body->producerEpoch = m_epoch;
    for (auto &[p, s] : m_state)
        if (!s.added && !s.adding && !s.queue.empty()) {
            s.adding = true;
            body->partitions.push_back(p);
        }
    if (body->partitions.empty()) return;
    Frame f = request(FrameType::AddPartitionsToTxn);
    f.body = std::move(body);
    sendRequest(ctx, m_out, std::move(f));
}

void StreamsProducer::flushPartition(NodeContext &ctx, std::uint32_t p)
{
    PartitionState &s = m_state[p];
    if (s.inFlightTag || s.queue.empty() || m_producerId < 0) return;
    if (exactlyOnce() && !s.added) return;
    // One batch in flight per partition (max.in.flight 1 keeps retries in order); what queued
    // meanwhile goes as the next batch.
    s.inFlight = std::move(s.queue);
    s.queue.clear();
    Frame f = request(FrameType::Produce);
    f.partition = p;
    auto body = std::make_shared<ProduceRequest>();
    body->acks = -1;
    body->producerId = m_producerId;
    body->producerEpoch = m_epoch;
    body->baseSequence = s.nextSequence;
    body->transactional = exactlyOnce();
    body->records = s.inFlight;
    f.body = std::move(body);
    s.inFlightTag = f.tag;
    sendRequest(ctx, m_out, std::move(f));
}

bool StreamsProducer::flushed() const
{
    for (const auto &[p, s] : m_state)
        if (s.inFlightTag || !s.queue.empty()) return false;
    return true;
}

void StreamsProducer::confirm(NodeContext &ctx, const std::vector<Record> &records)
{
    for (const auto &r : records) {
        TraceEvent e = messageEvent(TraceKind::Confirm, r.message.get());
        e.peer = ctx.peer(m_out);
        e.link = m_out;
        ctx.trace(e);
    }
}

bool StreamsProducer::owns(LinkIndex from, const Frame &f) const
{
    if (!f.response) return false;
    if (from == m_out) return true;
    return from == m_offsetsLink && (f.type == FrameType::TxnOffsetCommit || f.type == FrameType::EndTxn);
}

StreamsProducer::Event StreamsProducer::endTransaction(NodeContext &ctx, GroupOffsets offsets, bool abort)
{
    m_offsets = std::move(offsets);
    m_abort = abort;
    m_phase = Phase::Committing;
    m_step = Step::Records;
    return advance(ctx);
}

// The steps of ending a transaction, each after the previous one's response.
StreamsProducer::Event StreamsProducer::advance(NodeContext &ctx)
{
    if (m_phase != Phase::Committing) return Event::None;
    switch (m_step) {
    case Step::Records: {
        if (!flushed()) return Event::None; // the last produce responses first (an abort too)
        if (m_abort) {
            m_step = Step::EndTxn;
            break;
        }
        if (m_offsets.offsets.empty()) {
            m_step = Step::EndTxn;
            break;
        }
        m_step = Step::AddOffsets;
        Frame f = request(FrameType::AddOffsetsToTxn);
        auto body = std::make_shared<AddOffsetsToTxnRequest>();
        body->transactionalId = m_config.transactionalId;
        body->producerId = m_producerId;
        body->producerEpoch = m_epoch;
        body->groupId = m_offsets.groupId;
        f.body = std::move(body);
        sendRequest(ctx, m_out, std::move(f));
        return Event::None;
    }
    case Step::AddOffsets: {
        m_step = Step::TxnOffsets;
        Frame f = request(FrameType::TxnOffsetCommit);
        auto body = std::make_shared<TxnOffsetCommitRequest>();
        body->transactionalId = m_config.transactionalId;
        body->groupId = m_offsets.groupId;
        body->producerId = m_producerId;
        body->producerEpoch = m_epoch;
        body->generation = m_offsets.generation;
        body->memberId = m_offsets.memberId;
        body->offsets = m_offsets.offsets;
        body->transactionTimeout = m_config.transactionTimeout;
        f.body = std::move(body);
        sendRequest(ctx, m_offsetsLink, std::move(f));
        return Event::None;
    }
    case Step::TxnOffsets:
        m_step = Step::EndTxn;
        break;
    case Step::EndTxn:
    case Step::Relay:
    case Step::None:
        return Event::None;
    }
    if (!m_txnOpen && m_offsets.offsets.empty()) {
        // Nothing was written and no offsets to commit: there is no transaction to end.
        return finish(ctx, !m_abort);
    }
    sendEndTxn(ctx, m_out, !m_abort);
    return Event::None;
}

void StreamsProducer::sendEndTxn(NodeContext &ctx, LinkIndex link, bool commit)
{
    Frame f = request(FrameType::EndTxn);
    auto body = std::make_shared<EndTxnRequest>();
    body->transactionalId = m_config.transactionalId;
    body->producerId = m_producerId;
    body->producerEpoch = m_epoch;
    body->commit = commit;
    f.body = std::move(body);
    sendRequest(ctx, link, std::move(f));
}

StreamsProducer::Event StreamsProducer::finish(NodeContext &ctx, bool committed)
{
    if (committed) confirm(ctx, m_txnRecords);
    m_txnRecords.clear();
    m_txnOpen = false;
    for (auto &[p, s] : m_state) {
        s.added = s.adding = false;
        s.queue.clear();
    }
    m_step = Step::None;
    m_phase = Phase::Ready;
    return committed ? Event::Committed : Event::Aborted;
}

// Something went wrong in a transaction (fenced, refused, no answer): a new InitProducerId
// aborts whatever is open and bumps the epoch; the outcome it reports is passed on, and the
// consumer rewinds to its committed offsets.
StreamsProducer::Event StreamsProducer::fail(NodeContext &ctx)
{
    if (m_phase == Phase::Init || m_phase == Phase::Resolve || m_phase == Phase::Metadata) return Event::None;
    m_outstanding.clear();
    for (auto &[p, s] : m_state)
        s = PartitionState{};
    m_txnRecords.clear();
    m_txnOpen = false;
    m_step = Step::None;
    init(ctx);
    return Event::Aborted;
}

StreamsProducer::Event StreamsProducer::onFrame(NodeContext &ctx, const Frame &f)
{
    auto it = m_outstanding.find(f.tag);
    if (it == m_outstanding.end() || it->second != f.type) return Event::None; // late: given up on
    m_outstanding.erase(it);
    switch (f.type) {
    case FrameType::Metadata: {
        const auto *m = f.as<MetadataResponse>();
        if (!m || f.status != KafkaError::None || m->partitions == 0) {
            sendRequest(ctx, m_out, request(FrameType::Metadata));
            return Event::None;
        }
        m_partitions = m->partitions;
        init(ctx);
        return Event::None;
    }
    case FrameType::InitProducerId: {
        const auto *r = f.as<InitProducerIdResponse>();
        if (!r || f.status != KafkaError::None) {
            init(ctx);
            return Event::None;
        }
        m_producerId = r->producerId;
        m_epoch = r->producerEpoch;
        for (auto &[p, s] : m_state)
            s.nextSequence = 0; // a new epoch starts its sequences over
        if (exactlyOnce() && r->lastTransaction != 0) {
            // Pass on how the last transaction ended to the group coordinator of the offsets.
            m_phase = Phase::Resolve;
            sendEndTxn(ctx, m_offsetsLink, r->lastCommitted);
            return Event::None;
        }
        m_phase = Phase::Ready;
        for (auto &[p, s] : m_state)
            flushPartition(ctx, p); // at_least_once: what waited for the new producer id
        return Event::Ready;
    }
    case FrameType::AddPartitionsToTxn:
        if (f.status != KafkaError::None) return fail(ctx);
        for (auto &[p, s] : m_state)
            if (s.adding) {
                s.adding = false;
                s.added = true;
                flushPartition(ctx, p);
            }
        addPartitions(ctx); // partitions that got records meanwhile
        return Event::None;
    case FrameType::Produce: {
        PartitionState &s = m_state[f.partition];
        if (s.inFlightTag != f.tag) return Event::None;
        s.inFlightTag = 0;
        if (f.status != KafkaError::None && f.status != KafkaError::DuplicateSequenceNumber) {
            if (exactlyOnce()) return fail(ctx);
            // at_least_once: the same batch again after retry.backoff.ms (idempotence keeps a
            // batch written before from being written twice).
            s.queue.insert(s.queue.begin(), s.inFlight.begin(), s.inFlight.end());
            s.inFlight.clear();
            if (f.status == KafkaError::OutOfOrderSequenceNumber ||
                f.status == KafkaError::InvalidProducerEpoch) {
                // The producer state is gone (the topic lost it): a new producer id.
                m_producerId = -1;
                init(ctx);
            } else {
                ctx.startTimer(m_config.retryBackoff, kTimerBit | (std::uint64_t{1} << 40) | f.partition,
                               true);
            }
            return Event::None;
        }
        s.nextSequence += static_cast<std::int32_t>(s.inFlight.size());
        if (exactlyOnce())
            m_txnRecords.insert(m_txnRecords.end(), s.inFlight.begin(), s.inFlight.end());
        else
            confirm(ctx, s.inFlight);
        s.inFlight.clear();
        flushPartition(ctx, f.partition);
        if (!flushed()) return Event::None;
        if (m_phase == Phase::Committing) return advance(ctx);
        return exactlyOnce() ? Event::None : Event::Flushed;
    }
    case FrameType::AddOffsetsToTxn:
    case FrameType::TxnOffsetCommit:
        // A refused offset commit (ILLEGAL_GENERATION: the group moved on, KIP-447) fails the
        // transaction as a fence would.
        if (f.status != KafkaError::None) return fail(ctx);
        return advance(ctx);
    case FrameType::EndTxn:
        if (m_phase == Phase::Resolve) {
            m_phase = Phase::Ready;
            return Event::Ready;
        }
        if (m_step == Step::EndTxn) {
            if (f.status != KafkaError::None) return fail(ctx);
            m_step = Step::Relay;
            sendEndTxn(ctx, m_offsetsLink, !m_abort);
            return Event::None;
        }
        if (m_step == Step::Relay) return finish(ctx, !m_abort);
        return Event::None;
    default:
        return Event::None;
    }
}

StreamsProducer::Event StreamsProducer::onTimer(NodeContext &ctx, std::uint64_t tag)
{
    const std::uint64_t payload = tag & ~kTimerBit;
    if (payload & (std::uint64_t{1} << 40)) { // a retry backoff for a partition
        flushPartition(ctx, static_cast<std::uint32_t>(payload & 0xffffffffu));
        return Event::None;
    }
    auto it = m_outstanding.find(payload);
    if (it == m_outstanding.end()) return Event::None;
    // No answer within request.timeout.ms (the topic is down, the link lost it).
    const FrameType type = it->second;
    m_outstanding.erase(it);
    switch (type) {
    case FrameType::Metadata:
        sendRequest(ctx, m_out, request(FrameType::Metadata));
        return Event::None;
    case FrameType::InitProducerId:
        init(ctx);
        return Event::None;
    case FrameType::EndTxn:
        if (m_phase == Phase::Resolve) {
            init(ctx); // ask again; its answer says again how the last one ended
            return Event::None;
        }
        break;
    case FrameType::Produce:
        if (!exactlyOnce()) {
            for (auto &[p, s] : m_state)
                if (s.inFlightTag == payload) {
                    s.inFlightTag = 0;
                    s.queue.insert(s.queue.begin(), s.inFlight.begin(), s.inFlight.end());
                    s.inFlight.clear();
                    flushPartition(ctx, p);
                }
            return Event::None;
        }
        break;
    default:
        break;
    }
    return fail(ctx);
}

} // namespace sb::kafka
