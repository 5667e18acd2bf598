#include "checker.h"

#include <algorithm>

namespace sb {

std::uint64_t DeliveryReport::droppedTotal() const
{
    std::uint64_t n = 0;
    for (auto d : dropped)
        n += d;
    return n;
}

namespace {
// Keeps the smallest `limit` distinct ids of `ids` plus `more`, sorted.
void keepSmallest(std::vector<std::uint64_t> &ids, const std::vector<std::uint64_t> &more, std::size_t limit)
{
    ids.insert(ids.end(), more.begin(), more.end());
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    if (ids.size() > limit) ids.resize(limit);
}
} // namespace

DeliveryChecker::Copy *DeliveryChecker::findCopy(Tracked &t, NodeIndex queue)
{
    for (auto &c : t.copies)
        if (c.queue == queue) return &c;
    return nullptr;
}

DeliveryChecker::Copy &DeliveryChecker::copyAt(Tracked &t, NodeIndex queue)
{
    if (Copy *c = findCopy(t, queue)) return *c;
    t.copies.push_back(Copy{});
    t.copies.back().queue = queue;
    return t.copies.back();
}

// One instance of a copy leaves its queue or its consumer.
void DeliveryChecker::release(Copy &c, bool noAck)
{
    if (noAck) {
        if (!c.heldNoAck) return;
        --c.heldNoAck;
    }
    if (c.held) --c.held;
}

namespace {
// Calls (requests, replies, their streams; core/nodes/rpc/callprotocol.h) are not published
// messages: the call checker accounts for them.
bool isCallEvent(const TraceEvent &e)
{
    switch (e.kind) {
    case TraceKind::Call:
    case TraceKind::Accept:
    case TraceKind::Execute:
    case TraceKind::Complete:
    case TraceKind::Hedge:
    case TraceKind::Cancel:
    case TraceKind::Breaker:
    case TraceKind::Block:
    case TraceKind::Unblock:
        return true;
    case TraceKind::Send:
    case TraceKind::Drop:
        // A consumer's drop of a reply nobody waits for (RPC over queues) is about a message that
        // was published: its queue copy is settled by it (see applyToMessage). Drops of call
        // messages are left out anyway: those messages are never published.
        return isCallFrame(e.frame);
    default:
        return false;
    }
}
} // namespace

std::vector<bool> DeliveryChecker::nodesWithRole(const Topology &t, DeliveryRole role,
                                                 const KindRegistry &registry)
{
    std::vector<bool> flags;
    for (const auto &n : t.nodes) {
        const NodeKindSpec *spec = registry.find(n.kind);
        flags.push_back(spec && spec->deliveryRole == role);
    }
    return flags;
}

void DeliveryChecker::onEvent(const TraceEvent &e)
{
    if (e.node < m_isLog.size() && m_isLog[e.node]) return;
    if (!m_candidates.empty()) retireFinished(e.time);
    nodeEvent(e);
    if (!e.messageId || isCallEvent(e)) return;
    auto it = m_open.find(e.messageId);
    if (it == m_open.end()) {
        if (m_folding && m_finished.contains(e.messageId)) {
            lateEvent(e);
            return;
        }
        // Every message enters with its Publish: an event about another (a request a server
        // de-duplicated, say) is not this checker's to account for.
        if (e.kind != TraceKind::Publish) return;
        it = m_open.emplace(e.messageId, Tracked{}).first;
    }
    applyToMessage(e, it->second);
}

void DeliveryChecker::nodeEvent(const TraceEvent &e)
{
    const bool pause = e.kind == TraceKind::Pause;
    if (e.node == kNoIndex) return;
    if (pause || e.kind == TraceKind::Resume || e.kind == TraceKind::Crash) {
        if (e.node >= m_paused.size()) m_paused.resize(std::size_t(e.node) + 1, false);
        if (pause && !m_paused[e.node]) {
            m_paused[e.node] = true;
            ++m_pausedCount;
        } else if (!pause && m_paused[e.node]) {
            // A resume, or a crash that ends a pause: what the node held runs at this instant.
            m_paused[e.node] = false;
            --m_pausedCount;
            m_holdUntil = e.time;
        }
    }
    if (e.kind == TraceKind::Crash && !isQueue(e.node)) {
        // A crashed producer forgets the messages it had not had confirmed: it will not send them
        // again. (A restarted one starts afresh.)
        for (auto &[id, t] : m_open)
            if (t.producer == e.node && !t.producerDone) {
                t.producerDone = true;
                noteCandidate(id, t);
            }
    }
}

void DeliveryChecker::applyToMessage(const TraceEvent &e, Tracked &t)
{
    NodeIndex producer = t.producer;
    t.lastActivity = std::max(t.lastActivity, e.time);
    switch (e.kind) {
    case TraceKind::Publish:
        ++m_published;
        copyAt(t, kNoIndex);
        t.producer = e.node;
        // A fire-and-forget publish is never sent again.
        t.producerDone = !(e.flags & TraceFlag::Confirmed);
        break;
    case TraceKind::Send:
        t.lastActivity = std::max<SimTime>(t.lastActivity, e.aux);
        break;
    case TraceKind::Confirm:
        t.producerDone = true;
        break;
    case TraceKind::Enqueue:
    case TraceKind::Requeue:
    case TraceKind::Timeout:
        if (isQueue(e.node)) {
            Copy &c = copyAt(t, e.node);
            c.state = State::Pending;
            c.reason = DropReason::None;
            if (e.kind == TraceKind::Enqueue && c.held < UINT16_MAX) ++c.held;
        }
        break;
    case TraceKind::Deliver:
    case TraceKind::Redeliver:
        if (e.flags & TraceFlag::NoAck)
            if (Copy *c = findCopy(t, e.node); c && c->heldNoAck < UINT16_MAX) ++c->heldNoAck;
        break;
    case TraceKind::Ack:
        if (e.reason != DropReason::UnknownTag)
            if (Copy *c = findCopy(t, e.node)) release(*c, false);
        break;
    case TraceKind::Process: {
        Copy &c = copyAt(t, e.peer);
        ++c.processed;
        release(c, true);
        checkOrder(e, producer);
        break;
    }
    case TraceKind::DeadLetter:
        if (isQueue(e.node)) {
            Copy &c = copyAt(t, e.node);
            c.state = State::DeadLettered;
            release(c, false);
        }
        break;
    case TraceKind::Drop: {
        if (e.link != kNoIndex) {
            // A frame lost on a link. Only some losses lose the message: a confirmed publish is
            // retried by its publisher, and a manual-ack delivery stays unacked in its queue.
            if (e.frame == FrameType::Deliver && (e.flags & TraceFlag::NoAck) && isQueue(e.node)) {
                Copy &c = copyAt(t, e.node);
                c.state = State::Dropped;
                c.reason = e.reason;
                release(c, true);
            } else if (e.frame == FrameType::Publish && !(e.flags & TraceFlag::Confirmed) &&
                       !isQueue(e.node)) {
                Copy &c = copyAt(t, kNoIndex);
                c.state = State::Dropped;
                c.reason = e.reason;
            }
            break;
        }
        if (e.reason == DropReason::RetriesExhausted) t.producerDone = true;
        // A consumer dropping what its queue delivered (a failed processing; a reply nobody waits
        // for) drops its copy in that queue. Under auto-ack the queue let go of it on delivery and
        // the drop releases it; under manual ack the ack that follows does.
        const bool consumerDrop =
            !isQueue(e.node) && isQueue(e.peer) &&
            (e.reason == DropReason::ProcessingFailed || e.reason == DropReason::UnknownCorrelation);
        const bool noAck = e.reason == DropReason::ProcessingFailed || (e.flags & TraceFlag::NoAck);
        NodeIndex queue = kNoIndex;
        if (isQueue(e.node))
            queue = e.node;
        else if (consumerDrop)
            queue = e.peer;
        Copy &c = copyAt(t, queue);
        c.state = State::Dropped;
        c.reason = e.reason;
        // A crashed queue forgets a copy it had delivered, but the consumer may still process it
        // unseen: that copy stays open (crashes are rare; the state is small).
        const bool consumerMayHold = e.reason == DropReason::Crash && e.deliveryCount > 0;
        if (queue != kNoIndex && !consumerMayHold && (!consumerDrop || noAck)) release(c, consumerDrop);
        break;
    }
    default:
        break;
    }
    noteCandidate(e.messageId, t);
}

void DeliveryChecker::noteCandidate(std::uint64_t id, const Tracked &t)
{
    if (!m_folding || !t.producerDone) return;
    for (const auto &c : t.copies)
        if (c.held) return;
    m_candidates.emplace(t.lastActivity, id);
}

void DeliveryChecker::retireFinished(SimTime now)
{
    if (m_pausedCount || now <= m_holdUntil) return;
    // Every event before `now` has been seen: a message whose last activity lies before it is
    // finished if nothing holds it.
    while (!m_candidates.empty() && m_candidates.top().first < now) {
        const std::uint64_t id = m_candidates.top().second;
        m_candidates.pop();
        auto it = m_open.find(id);
        if (it == m_open.end()) continue;
        const Tracked &t = it->second;
        if (t.lastActivity >= now || !t.producerDone) continue; // a later event queued it again
        if (std::any_of(t.copies.begin(), t.copies.end(), [](const Copy &c) { return c.held; })) continue;
        DeliveryReport r;
        Examples ex;
        account(id, t, r, ex);
        // Still pending (say, a message no queue took and nobody dropped): keep it in view.
        if (r.pending || r.parked) continue;
        m_folded.copies += r.copies;
        m_folded.processed += r.processed;
        m_folded.duplicates += r.duplicates;
        m_folded.lost += r.lost;
        m_folded.deadLettered += r.deadLettered;
        m_folded.processedFromDeadLetter += r.processedFromDeadLetter;
        for (int i = 0; i < kDropReasonCount; ++i)
            m_folded.dropped[i] += r.dropped[i];
        if (!ex.lost.empty()) keepSmallest(m_folded.lostIds, ex.lost, kKeptExamples);
        if (!ex.duplicates.empty()) keepSmallest(m_folded.duplicateIds, ex.duplicates, kKeptExamples);
        m_finished.insert(id);
        if (m_recentProducers.empty()) m_recentProducers.resize(kRecentProducers, {0, kNoIndex});
        m_recentProducers[id & (kRecentProducers - 1)] = {id, t.producer};
        m_open.erase(it);
    }
}

void DeliveryChecker::lateEvent(const TraceEvent &e)
{
    // A processing of a message already accounted for as processed (nothing else can be delivered
    // again) is one more duplicate. Its order is checked while its producer is remembered.
    if (e.kind != TraceKind::Process) return;
    ++m_folded.duplicates;
    keepSmallest(m_folded.duplicateIds, {e.messageId}, kKeptExamples);
    const auto &recent = m_recentProducers[e.messageId & (kRecentProducers - 1)];
    if (recent.first == e.messageId) checkOrder(e, recent.second);
}

void DeliveryChecker::checkOrder(const TraceEvent &e, NodeIndex producer)
{
    if (producer == kNoIndex) return;
    auto [it, added] = m_newest.try_emplace(Stream{e.node, e.peer, producer}, e.messageId);
    if (added) return;
    // Message ids rise in publish order, and a publisher's retry keeps its message's id.
    if (e.messageId >= it->second) {
        it->second = e.messageId;
        return;
    }
    ++m_outOfOrder;
    if (m_outOfOrderExamples.size() < kKeptExamples)
        m_outOfOrderExamples.push_back({e.messageId, it->second, e.node, e.peer, e.time});
}

void DeliveryChecker::account(std::uint64_t id, const Tracked &t, DeliveryReport &r, Examples &ex) const
{
    bool reachedQueue = false, deadLettered = false;
    for (const auto &c : t.copies) {
        if (c.queue != kNoIndex) reachedQueue = true;
        if (c.queue != kNoIndex && c.state == State::DeadLettered && !c.processed) deadLettered = true;
    }
    auto classify = [&](const Copy &c) {
        if (c.state == State::Pending) {
            ++r.pending;
            ex.pending.push_back(id);
        } else if (c.state == State::DeadLettered) {
            ++r.deadLettered;
        } else if (isLossReason(c.reason)) {
            ++r.lost;
            ex.lost.push_back(id);
        } else {
            ++r.dropped[static_cast<int>(c.reason)];
        }
    };
    for (const auto &c : t.copies) {
        if (c.queue == kNoIndex) {
            if (!reachedQueue) classify(c);
            continue;
        }
        if (c.state != State::DeadLettered && deadLettered) {
            // The dead-letter copy of a message its first queue gave up on.
            if (c.processed)
                ++r.processedFromDeadLetter;
            else if (c.state == State::Pending)
                ++r.parked;
            else
                classify(c);
            continue;
        }
        ++r.copies;
        if (c.processed) {
            ++r.processed;
            if (c.processed > 1) {
                r.duplicates += c.processed - 1;
                ex.duplicates.push_back(id);
            }
            continue;
        }
        classify(c);
    }
}

DeliveryReport DeliveryChecker::report(std::size_t examples) const
{
    examples = std::min(examples, kKeptExamples);
    DeliveryReport r = m_folded;
    r.published = m_published;
    r.outOfOrder = m_outOfOrder;
    r.outOfOrderExamples.assign(m_outOfOrderExamples.begin(),
                                m_outOfOrderExamples.begin() +
                                    std::ptrdiff_t(std::min(examples, m_outOfOrderExamples.size())));
    Examples ex;
    for (const auto &[id, t] : m_open)
        account(id, t, r, ex);
    keepSmallest(r.lostIds, ex.lost, examples);
    keepSmallest(r.duplicateIds, ex.duplicates, examples);
    keepSmallest(r.pendingIds, ex.pending, examples);
    return r;
}

} // namespace sb
