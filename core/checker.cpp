#include "checker.h"

#include <algorithm>
#include <unordered_set>

namespace sb {

std::uint64_t DeliveryReport::droppedTotal() const
{
    std::uint64_t n = 0;
    for (auto d : dropped)
        n += d;
    return n;
}

void DeliveryChecker::onEvent(const TraceEvent &e)
{
    if (!e.messageId) return;
    switch (e.kind) {
    case TraceKind::Publish:
        ++m_published;
        at(e.messageId, kNoIndex);
        // By id (ids are dense, from 1); an id beyond 2^32 would cost too much memory to index.
        if (e.messageId < (std::uint64_t{1} << 32)) {
            if (m_producerOf.size() <= e.messageId)
                m_producerOf.resize(std::size_t(e.messageId) * 2 + 1, kNoIndex);
            m_producerOf[std::size_t(e.messageId)] = e.node;
        }
        break;
    case TraceKind::Enqueue:
    case TraceKind::Requeue:
    case TraceKind::Timeout:
        if (isQueue(e.node)) {
            Copy &c = at(e.messageId, e.node);
            c.state = State::Pending;
            c.reason = DropReason::None;
        }
        break;
    case TraceKind::Process:
        ++at(e.messageId, e.peer).processed;
        checkOrder(e);
        break;
    case TraceKind::DeadLetter:
        if (isQueue(e.node)) at(e.messageId, e.node).state = State::DeadLettered;
        break;
    case TraceKind::Drop: {
        if (e.link != kNoIndex) {
            // A frame lost on a link. Only some losses lose the message: a confirmed publish is
            // retried by its publisher, and a manual-ack delivery stays unacked in its queue.
            if (e.frame == FrameType::Deliver && (e.flags & TraceFlag::NoAck) && isQueue(e.node)) {
                Copy &c = at(e.messageId, e.node);
                c.state = State::Dropped;
                c.reason = e.reason;
            } else if (e.frame == FrameType::Publish && !(e.flags & TraceFlag::Confirmed) &&
                       !isQueue(e.node)) {
                Copy &c = at(e.messageId, kNoIndex);
                c.state = State::Dropped;
                c.reason = e.reason;
            }
            break;
        }
        NodeIndex queue = kNoIndex;
        if (isQueue(e.node))
            queue = e.node;
        else if (e.reason == DropReason::ProcessingFailed && isQueue(e.peer))
            queue = e.peer;
        Copy &c = at(e.messageId, queue);
        c.state = State::Dropped;
        c.reason = e.reason;
        break;
    }
    default:
        break;
    }
}

void DeliveryChecker::checkOrder(const TraceEvent &e)
{
    const NodeIndex producer =
        e.messageId < m_producerOf.size() ? m_producerOf[std::size_t(e.messageId)] : kNoIndex;
    if (producer == kNoIndex) return;
    auto [it, added] = m_newest.try_emplace(Stream{e.node, e.peer, producer}, e.messageId);
    if (added) return;
    // Message ids rise in publish order, and a publisher's retry keeps its message's id.
    if (e.messageId >= it->second) {
        it->second = e.messageId;
        return;
    }
    ++m_outOfOrder;
    if (m_outOfOrderExamples.size() < kKeptOrderExamples)
        m_outOfOrderExamples.push_back({e.messageId, it->second, e.node, e.peer, e.time});
}

DeliveryReport DeliveryChecker::report(std::size_t examples) const
{
    DeliveryReport r;
    r.published = m_published;
    r.outOfOrder = m_outOfOrder;
    r.outOfOrderExamples.assign(m_outOfOrderExamples.begin(),
                                m_outOfOrderExamples.begin() +
                                    std::ptrdiff_t(std::min(examples, m_outOfOrderExamples.size())));
    std::unordered_set<std::uint64_t> reachedQueue, deadLettered;
    for (const auto &[k, c] : m_copies) {
        if (k.queue != kNoIndex) reachedQueue.insert(k.id);
        if (k.queue != kNoIndex && c.state == State::DeadLettered && !c.processed) deadLettered.insert(k.id);
    }
    auto classify = [&](std::uint64_t id, const Copy &c) {
        if (c.state == State::Pending) {
            ++r.pending;
            r.pendingIds.push_back(id);
        } else if (c.state == State::DeadLettered) {
            ++r.deadLettered;
        } else if (isLossReason(c.reason)) {
            ++r.lost;
            r.lostIds.push_back(id);
        } else {
            ++r.dropped[static_cast<int>(c.reason)];
        }
    };
    for (const auto &[k, c] : m_copies) {
        if (k.queue == kNoIndex) {
            if (!reachedQueue.count(k.id)) classify(k.id, c);
            continue;
        }
        if (c.state != State::DeadLettered && deadLettered.count(k.id)) {
            // The dead-letter copy of a message its first queue gave up on.
            if (c.processed)
                ++r.processedFromDeadLetter;
            else if (c.state == State::Pending)
                ++r.parked;
            else
                classify(k.id, c);
            continue;
        }
        ++r.copies;
        if (c.processed) {
            ++r.processed;
            if (c.processed > 1) {
                r.duplicates += c.processed - 1;
                r.duplicateIds.push_back(k.id);
            }
            continue;
        }
        classify(k.id, c);
    }
    for (auto *v : {&r.lostIds, &r.duplicateIds, &r.pendingIds}) {
        std::sort(v->begin(), v->end());
        v->erase(std::unique(v->begin(), v->end()), v->end());
        if (v->size() > examples) v->resize(examples);
    }
    return r;
}

} // namespace sb
