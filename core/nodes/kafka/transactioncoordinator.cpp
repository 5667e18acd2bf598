#include "transactioncoordinator.h"

#include "../../callstatus.h"

namespace sb::kafka {

bool TransactionCoordinator::handles(const Frame &frame)
{
    if (frame.response) return false;
    switch (frame.type) {
    case FrameType::InitProducerId:
    case FrameType::AddPartitionsToTxn:
    case FrameType::AddOffsetsToTxn:
    case FrameType::EndTxn:
        return true;
    default:
        return false;
    }
}

std::uint64_t TransactionCoordinator::timerTag(const Txn &t) const
{
    return kTimerTagBase | static_cast<std::uint64_t>(t.producerId);
}

std::int64_t TransactionCoordinator::newProducerId(NodeContext &ctx)
{
    // Unique in the run, not only in this topic: a group coordinator elsewhere keeps a
    // transaction's offsets by its producer id.
    return static_cast<std::int64_t>(ctx.self()) << 32 | m_nextProducerId++;
}

bool TransactionCoordinator::coordinates(const std::string &transactionalId) const
{
    return m_txns.count(transactionalId) > 0;
}

std::uint16_t TransactionCoordinator::validate(const std::string &id, std::int64_t producerId,
                                               std::int16_t epoch, Txn *&out)
{
    auto it = m_txns.find(id);
    if (it == m_txns.end() || it->second.producerId != producerId)
        return KafkaError::InvalidProducerIdMapping;
    // An older epoch: a newer producer with this transactional id (or a timeout) fenced it.
    if (epoch < it->second.epoch) return KafkaError::ProducerFenced;
    if (epoch > it->second.epoch) return KafkaError::InvalidProducerEpoch;
    out = &it->second;
    return KafkaError::None;
}

void TransactionCoordinator::begin(NodeContext &ctx, Txn &t, NodeIndex producer)
{
    t.state = State::Ongoing;
    t.partitions.clear();
    t.groups.clear();
    t.number = (std::uint64_t{ctx.self()} + 1) << 32 | ++m_nextNumber;
    t.startedAt = ctx.now();
    t.producer = producer;
    t.timer = ctx.startTimer(t.timeout, timerTag(t), true);
}

TransactionCoordinator::Ended TransactionCoordinator::end(NodeContext &ctx, Txn &t, bool commit, int cause)
{
    ctx.cancelTimer(t.timer);
    t.timer = kNoTimer;
    t.state = commit ? State::CompleteCommit : State::CompleteAbort;
    Ended e;
    e.producerId = t.producerId;
    e.producerEpoch = t.epoch;
    e.number = t.number;
    e.commit = commit;
    e.cause = cause;
    e.partitions.assign(t.partitions.begin(), t.partitions.end());
    e.producer = t.producer;
    return e;
}

std::optional<TransactionCoordinator::Ended> TransactionCoordinator::onFrame(NodeContext &ctx, LinkIndex from,
                                                                             const Frame &frame)
{
    std::optional<Ended> ended;
    if (const auto *q = frame.as<InitProducerIdRequest>()) {
        auto body = std::make_shared<InitProducerIdResponse>();
        if (q->transactionalId.empty()) {
            // An idempotent producer: a fresh id at epoch 0.
            body->producerId = newProducerId(ctx);
            m_epochs[body->producerId] = 0;
        } else {
            auto [it, fresh] = m_txns.try_emplace(q->transactionalId);
            Txn &t = it->second;
            if (fresh) {
                t.producerId = newProducerId(ctx);
                m_idOfProducer[t.producerId] = q->transactionalId;
            } else {
                // The transaction the previous incarnation left open is aborted; the epoch goes up
                // and fences that incarnation.
                if (t.state == State::Ongoing) ended = end(ctx, t, false, 2);
                ++t.epoch;
            }
            t.timeout = q->transactionTimeout;
            m_epochs[t.producerId] = t.epoch;
            body->producerId = t.producerId;
            body->producerEpoch = t.epoch;
            if (t.state == State::CompleteCommit || t.state == State::CompleteAbort) {
                body->lastTransaction = t.number;
                body->lastCommitted = t.state == State::CompleteCommit;
            }
        }
        ctx.send(from, responseTo(frame, KafkaError::None, std::move(body)));
        return ended;
    }
    if (const auto *q = frame.as<AddPartitionsToTxnRequest>()) {
        Txn *t = nullptr;
        std::uint16_t err = validate(q->transactionalId, q->producerId, q->producerEpoch, t);
        for (std::uint32_t p : q->partitions)
            if (!err && p >= m_partitions) err = KafkaError::UnknownTopicOrPartition;
        if (!err) {
            if (t->state != State::Ongoing) begin(ctx, *t, ctx.peer(from));
            t->partitions.insert(q->partitions.begin(), q->partitions.end());
        }
        ctx.send(from, responseTo(frame, err));
        return ended;
    }
    if (const auto *q = frame.as<AddOffsetsToTxnRequest>()) {
        Txn *t = nullptr;
        const std::uint16_t err = validate(q->transactionalId, q->producerId, q->producerEpoch, t);
        if (!err) {
            if (t->state != State::Ongoing) begin(ctx, *t, ctx.peer(from));
            t->groups.insert(q->groupId);
        }
        ctx.send(from, responseTo(frame, err));
        return ended;
    }
    if (const auto *q = frame.as<EndTxnRequest>()) {
        Txn *t = nullptr;
        std::uint16_t err = validate(q->transactionalId, q->producerId, q->producerEpoch, t);
        if (!err) {
            if (t->state == State::Ongoing)
                ended = end(ctx, *t, q->commit, 0);
            else if (!((t->state == State::CompleteCommit && q->commit) ||
                       (t->state == State::CompleteAbort && !q->commit)))
                err = KafkaError::InvalidTxnState; // nothing open, or the other outcome already
            // else: a retry of the EndTxn that ended it, answered as it was.
        }
        ctx.send(from, responseTo(frame, err));
        return ended;
    }
    ctx.send(from, responseTo(frame, KafkaError::CorruptMessage));
    return ended;
}

std::optional<TransactionCoordinator::Ended> TransactionCoordinator::onTimer(NodeContext &ctx,
                                                                             std::uint64_t tag)
{
    // Producer ids are below 2^61 (a node index times 2^32 plus a count): the tag holds one whole.
    auto id = m_idOfProducer.find(static_cast<std::int64_t>(tag & (kTimerTagBase - 1)));
    if (id == m_idOfProducer.end()) return std::nullopt;
    Txn &t = m_txns[id->second];
    t.timer = kNoTimer;
    if (t.state != State::Ongoing) return std::nullopt;
    if (ctx.now() < addTime(t.startedAt, t.timeout)) {
        t.timer = ctx.startTimer(addTime(t.startedAt, t.timeout) - ctx.now(), timerTag(t), true);
        return std::nullopt;
    }
    // transaction.timeout.ms passed: aborted, and the epoch bumped so that the producer, should it
    // still be alive, is fenced (KIP-360).
    Ended e = end(ctx, t, false, 1);
    ++t.epoch;
    m_epochs[t.producerId] = t.epoch;
    return e;
}

void TransactionCoordinator::onRestart(NodeContext &ctx)
{
    for (auto &[id, t] : m_txns) {
        if (t.state != State::Ongoing) continue;
        const SimTime due = addTime(t.startedAt, t.timeout);
        t.timer = ctx.startTimer(due > ctx.now() ? due - ctx.now() : 0, timerTag(t), true);
    }
}

void TransactionCoordinator::onDiskLost()
{
    m_txns.clear();
    m_epochs.clear();
    m_idOfProducer.clear();
}

std::uint64_t TransactionCoordinator::openTransaction(std::int64_t producerId, std::int16_t epoch,
                                                      std::uint32_t p) const
{
    auto id = m_idOfProducer.find(producerId);
    if (id == m_idOfProducer.end()) return 0;
    const Txn &t = m_txns.at(id->second);
    if (t.state != State::Ongoing || t.epoch != epoch || !t.partitions.count(p)) return 0;
    return t.number;
}

std::int32_t TransactionCoordinator::latestEpoch(std::int64_t producerId) const
{
    auto it = m_epochs.find(producerId);
    return it == m_epochs.end() ? -1 : it->second;
}

} // namespace sb::kafka
