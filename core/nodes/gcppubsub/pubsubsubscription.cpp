// pubsub-subscription: a Google Cloud Pub/Sub subscription, with the rules of the Pub/Sub docs
// (cloud.google.com/pubsub/docs: subscription properties, lease management, ordering, dead-letter
// topics, retry policy, replay and seek, exactly-once delivery, filters, push).
// - It keeps the messages published to its topic after it was created (createdAt; earlier ones:
//   Drop NoSubscribers) that match its filter (the others are acknowledged at once: Drop Filtered).
//   Enqueue when stored.
// - Pull (streaming pull): a subscriber's PubsubPull opens its stream with its flow control
//   settings; the subscription sends it available messages (Deliver, Redeliver from the second
//   attempt on; deliveryCount = the delivery attempt) while fewer than maxOutstandingMessages /
//   maxOutstandingBytes are outstanding on that stream. Streams take turns. Each delivery gets a new ack id
//   and a deadline (ackDeadline, 10 to 600 s); ModifyAckDeadline moves it (Visibility, aux = the new
//   deadline), 0 is a nack (Nack). A message not acknowledged by its deadline (Timeout) or nacked is
//   delivered again, at once or after the retry policy's exponential backoff (minimumBackoff doubling up to
//   maximumBackoff).
// - Push: each message is an HTTP POST to the endpoint (PubsubPush); 102/200/201/202/204 acknowledge
//   it, any other status or no answer within the ack deadline is a failure (Nack with the status, or
//   Timeout) and the message is pushed again. Requests in flight are limited by the push window
//   (slow start: it starts at 3, grows by one with each success, halves on each failure), and
//   failures put the subscription in push backoff (100 ms doubling to 60 s) during which nothing is
//   pushed; a success ends it.
// - Ordering (enableMessageOrdering): the messages of one ordering key go out in publish order;
//   while one of them is outstanding (pull: from an earlier response; push: at all) later ones of
//   the key wait. When one is nacked or expires, it and the later ones of its key already delivered
//   are delivered again, in order (Requeue for those).
// - Dead-letter policy (deadLetter linked): a message whose delivery attempts reached
//   maxDeliveryAttempts (5 to 100) and that fails again is published to the dead-letter topic
//   (DeadLetter, reason DeliveryLimit) instead of being delivered again.
// - Exactly-once delivery (pull only): an acknowledge or ModifyAckDeadline is answered; one with an
//   ack id that is no longer valid (its deadline passed, or the message was delivered again) fails
//   with INVALID_ARGUMENT (Ack, reason UnknownTag) and the message is not acknowledged. A successful
//   acknowledge is final: the message is never delivered again. Without it acknowledgements are
//   best effort (ackLossProbability: an ack the service loses, so the message comes back).
// - Retention (messageRetentionDuration, 10 minutes to 31 days, default 7 days) from the publish
//   time: unacknowledged messages older are deleted (Expire, Drop RetentionExpired). With
//   retainAckedMessages acknowledged ones are kept as long, for seek; the topic's own retention
//   (its messageRetentionDuration) keeps every message it covers available to seek, those published
//   before the subscription was created included.
// - Seek (seekAt: when; seekTo: the time sought): messages published before seekTo are marked
//   acknowledged, those published at or after it unacknowledged (the retained acknowledged ones
//   are delivered again: Requeue). Traced Seek (aux = seekTo, deliveryCount = messages reopened).
// - Pub/Sub stores messages durably: a crash of the node keeps them; outstanding leases end with it.
#include "../../callstatus.h"
#include "../common.h"
#include "gcppubsub.h"
#include "pubsubfilter.h"
#include "pubsubprotocol.h"

#include <algorithm>
#include <deque>
#include <map>
#include <unordered_map>
#include <unordered_set>

namespace sb {

namespace {

enum TimerKind : std::uint64_t {
    DeadlineTimer = 0,
    ReadyTimer = 1,
    RetentionTimer = 2,
    PushBackoffTimer = 3,
    SeekTimer = 4,
};
inline std::uint64_t timerTag(TimerKind k, std::uint64_t n)
{
    return (n << 3) | k;
}
inline constexpr int kAttemptBits = 16;
inline std::uint64_t makeAckId(std::uint64_t seq, std::uint32_t attempt)
{
    return (seq << kAttemptBits) | (attempt & ((1u << kAttemptBits) - 1));
}

class PubsubSubscription final : public Node {
public:
    explicit PubsubSubscription(const NodeSetup &s)
    {
        const auto &p = s.properties;
        m_push = p.string("deliveryType") == "push";
        m_ackDeadline = p.duration("ackDeadline");
        PubsubFilterError err;
        if (auto f = PubsubFilter::parse(p.string("filter"), err)) m_filter = std::move(*f);
        m_ordered = p.boolean("enableMessageOrdering");
        m_exactlyOnce = p.boolean("enableExactlyOnceDelivery") && !m_push;
        m_maxAttempts = static_cast<std::uint32_t>(p.integer("maxDeliveryAttempts"));
        m_exponential = p.string("retryPolicy") == "exponential";
        m_minBackoff = p.duration("minimumBackoff");
        m_maxBackoff = p.duration("maximumBackoff");
        m_retention = p.duration("messageRetentionDuration");
        m_retainAcked = p.boolean("retainAckedMessages");
        m_createdAt = p.duration("createdAt");
        m_seekAt = p.duration("seekAt");
        m_seekTo = p.duration("seekTo");
        m_ackLoss = m_exactlyOnce ? 0.0 : p.number("ackLossProbability");
    }

    void start(NodeContext &ctx) override
    {
        m_receivers = !ctx.links(PubsubSubscriptionPort::Subscribers).empty();
        if (m_seekAt > 0 && m_seekAt >= ctx.now())
            ctx.startTimer(m_seekAt - ctx.now(), timerTag(SeekTimer, 0));
    }

    void onFrame(NodeContext &ctx, LinkIndex from, Frame &f) override
    {
        switch (f.type) {
        case FrameType::PubsubPublish:
            if (!f.response) store(ctx, from, f);
            break;
        case FrameType::PubsubPull:
            onPull(ctx, from, f);
            break;
        case FrameType::PubsubAcknowledge:
            if (!f.response) onAck(ctx, from, f);
            break;
        case FrameType::PubsubModifyAckDeadline:
            if (!f.response) onModify(ctx, from, f);
            break;
        case FrameType::PubsubPushResponse:
            onPushResponse(ctx, from, f);
            break;
        default:
            break;
        }
    }

    void onTimer(NodeContext &ctx, std::uint64_t tag) override
    {
        const auto kind = static_cast<TimerKind>(tag & 7);
        const std::uint64_t n = tag >> 3;
        if (kind == SeekTimer) return seek(ctx);
        if (kind == PushBackoffTimer) {
            m_pushBackoffTimer = kNoTimer;
            return serve(ctx);
        }
        if (kind == ReadyTimer) {
            m_readyTimer = kNoTimer;
            m_readyTimerAt = kNever;
            return serve(ctx);
        }
        auto it = m_msgs.find(n);
        if (it == m_msgs.end()) return;
        Msg &m = it->second;
        if (kind == RetentionTimer) {
            m.retentionTimer = kNoTimer;
            if (m.state == State::Acked) {
                if (m.keepUntil <= ctx.now())
                    erase(it);
                else
                    m.retentionTimer =
                        ctx.startTimer(m.keepUntil - ctx.now(), timerTag(RetentionTimer, it->first), true);
                return;
            }
            TraceEvent e = messageEvent(TraceKind::Expire, m.message.get());
            e.deliveryCount = m.attempts;
            e.reason = DropReason::RetentionExpired;
            ctx.trace(e);
            e.kind = TraceKind::Drop;
            ctx.trace(e);
            cancelTimers(ctx, m);
            erase(it);
            serve(ctx);
            return;
        }
        // The ack deadline passed.
        m.deadlineTimer = kNoTimer;
        if (m.state != State::Outstanding || m.deadlineAt > ctx.now()) return;
        TraceEvent e = messageEvent(TraceKind::Timeout, m.message.get());
        e.peer = m.consumer;
        e.deliveryCount = m.attempts;
        ctx.trace(e);
        if (m_push) pushFailed(ctx);
        failed(ctx, it);
        serve(ctx);
    }

    void onLinkState(NodeContext &, LinkIndex link, bool up) override
    {
        if (up) return;
        // A subscriber whose connection is gone no longer waits: its pull ends with it.
        std::erase_if(m_waiters, [&](const Waiter &w) { return w.link == link; });
    }

    void onCrash(NodeContext &ctx) override
    {
        // The service keeps the messages; leases and the requests in flight end with the node, and
        // the messages out are delivered again.
        m_waiters.clear();
        m_pushes.clear();
        m_pushBackoffTimer = m_readyTimer = kNoTimer;
        m_readyTimerAt = kNever;
        for (auto &[seq, m] : m_msgs) {
            m.deadlineTimer = m.readyTimer = m.retentionTimer = kNoTimer;
            if (m.state != State::Outstanding) continue;
            setReady(m, 0);
            TraceEvent e = messageEvent(TraceKind::Requeue, m.message.get());
            e.peer = m.consumer;
            e.deliveryCount = m.attempts;
            ctx.trace(e);
        }
    }

    void onRestart(NodeContext &ctx) override
    {
        m_receivers = !ctx.links(PubsubSubscriptionPort::Subscribers).empty();
        if (m_seekAt > ctx.now()) ctx.startTimer(m_seekAt - ctx.now(), timerTag(SeekTimer, 0));
        for (auto &[seq, m] : m_msgs) {
            const SimTime until = m.state == State::Acked ? m.keepUntil : m.expiresAt;
            m.retentionTimer = ctx.startTimer(std::max<SimTime>(0, until - ctx.now()),
                                              timerTag(RetentionTimer, seq), m.state == State::Acked);
        }
        serve(ctx);
    }

    NodeStatus status() const override
    {
        NodeStatus s;
        s.ready = m_readyCount;
        s.unacked = m_outstandingCount;
        return s;
    }

    bool hasPendingWork() const override { return m_receivers && !m_push && m_readyCount > 0; }

private:
    enum class State : std::uint8_t { Ready, Outstanding, Acked };
    struct Msg {
        MessageRef message;
        std::string key;
        SimTime publishTime = 0;
        SimTime expiresAt = kNever;
        SimTime keepUntil =
            0; // acknowledged: kept for seek until then (retainAckedMessages, the topic's retention)
        SimTime topicKeep = 0; // the topic's retention keeps it until then (0: the topic keeps nothing)
        std::uint32_t attempts = 0;
        State state = State::Ready;
        SimTime readyAt = 0;
        SimTime deadlineAt = 0;
        std::uint64_t ackId = 0;
        LinkIndex link = kNoIndex;
        NodeIndex consumer = kNoIndex;
        bool pushed = false; // delivered in the current attempt by a push request
        TimerId deadlineTimer = kNoTimer, readyTimer = kNoTimer, retentionTimer = kNoTimer;
    };
    using MsgIt = std::map<std::uint64_t, Msg>::iterator;
    struct Waiter {
        LinkIndex link = kNoIndex;
        std::uint64_t tag = 0;
        std::uint64_t maxMessages = 0; // flow control: outstanding at most (0 = no limit)
        std::uint64_t maxBytes = 0;
    };

    bool orderedKey(const Msg &m) const { return m_ordered && !m.key.empty(); }

    void setReady(Msg &m, SimTime readyAt)
    {
        if (m.state == State::Outstanding) left(m);
        if (m.state != State::Ready) ++m_readyCount;
        m.state = State::Ready;
        m.readyAt = readyAt;
    }
    void setAcked(Msg &m)
    {
        if (m.state == State::Outstanding) left(m);
        if (m.state == State::Ready) --m_readyCount;
        m.state = State::Acked;
    }
    void erase(MsgIt it)
    {
        if (it->second.state == State::Outstanding) left(it->second);
        if (it->second.state == State::Ready) --m_readyCount;
        if (it->second.pushed) forgetPush(it->second.ackId);
        m_msgs.erase(it);
    }
    // The push request in flight for `ackId` no longer counts in the window.
    void forgetPush(std::uint64_t ackId)
    {
        std::erase_if(m_pushes, [&](const auto &p) { return p.second == ackId; });
    }
    // A message stops being outstanding on its connection (streaming pull flow control).
    void left(const Msg &m)
    {
        --m_outstandingCount;
        auto it = m_perLink.find(m.link);
        if (it == m_perLink.end()) return;
        it->second.messages -= std::min<std::uint64_t>(it->second.messages, 1);
        it->second.bytes -= std::min<std::uint64_t>(it->second.bytes, m.message->size);
    }
    void cancelTimers(NodeContext &ctx, Msg &m)
    {
        ctx.cancelTimer(m.deadlineTimer);
        ctx.cancelTimer(m.readyTimer);
        ctx.cancelTimer(m.retentionTimer);
        m.deadlineTimer = m.readyTimer = m.retentionTimer = kNoTimer;
    }

    void store(NodeContext &ctx, LinkIndex from, const Frame &f)
    {
        if (!f.message) return;
        const auto *body = f.as<PubsubPublishBody>();
        const SimTime publishTime = body && body->publishTime >= 0 ? body->publishTime : ctx.now();
        auto drop = [&](DropReason r) {
            TraceEvent e = messageEvent(TraceKind::Drop, f.message.get());
            e.reason = r;
            e.peer = ctx.peer(from);
            ctx.trace(e);
        };
        const SimTime topicKeep =
            body && body->topicRetention > 0 ? addTime(publishTime, body->topicRetention) : SimTime(0);
        const bool matches =
            m_filter.empty() || m_filter.matches([&](std::string_view k) { return f.message->header(k); });
        // A subscription receives only what is published after it exists. The topic's retention
        // still keeps an earlier message: a seek to a time before the subscription's creation
        // delivers it.
        if (publishTime < m_createdAt) {
            drop(DropReason::NoSubscribers);
            if (topicKeep > ctx.now() && matches) {
                const std::uint64_t seq = ++m_seq;
                Msg m;
                m.message = f.message;
                m.key = body ? body->orderingKey : std::string();
                m.publishTime = publishTime;
                m.expiresAt = addTime(publishTime, m_retention);
                m.topicKeep = m.keepUntil = topicKeep;
                m.state = State::Acked;
                m.retentionTimer = ctx.startTimer(topicKeep - ctx.now(), timerTag(RetentionTimer, seq), true);
                m_msgs.emplace(seq, std::move(m));
            }
            return;
        }
        // A message the filter does not match is acknowledged by the service at once.
        if (!matches) return drop(DropReason::Filtered);
        const std::uint64_t seq = ++m_seq;
        Msg m;
        m.message = f.message;
        m.key = body ? body->orderingKey : std::string();
        m.publishTime = publishTime;
        m.topicKeep = topicKeep;
        m.expiresAt = addTime(publishTime, m_retention);
        m.readyAt = ctx.now();
        m.retentionTimer =
            ctx.startTimer(std::max<SimTime>(0, m.expiresAt - ctx.now()), timerTag(RetentionTimer, seq));
        m_msgs.emplace(seq, std::move(m));
        ++m_readyCount;
        TraceEvent e = messageEvent(TraceKind::Enqueue, f.message.get());
        e.peer = ctx.peer(from);
        e.link = from;
        e.aux = static_cast<std::int64_t>(m_readyCount);
        ctx.trace(e);
        serve(ctx);
    }

    void onPull(NodeContext &ctx, LinkIndex from, const Frame &f)
    {
        m_receivers = true;
        Waiter w{from, f.tag, 0, 0};
        if (const auto *req = f.as<PubsubPullRequest>()) {
            w.maxMessages = req->maxOutstandingMessages;
            w.maxBytes = req->maxOutstandingBytes;
        }
        if (m_push) {
            // A push subscription does not answer pulls (the service: FAILED_PRECONDITION).
            Frame r = responseTo(f, Grpc::FailedPrecondition, std::make_shared<PubsubPullResponseBody>());
            r.type = FrameType::PubsubPullResponse;
            ctx.send(from, std::move(r));
            return;
        }
        // One stream per subscriber connection: a new one replaces the one it gave up on.
        std::erase_if(m_waiters, [&](const Waiter &x) { return x.link == from; });
        m_waiters.push_back(w);
        serve(ctx);
    }

    // The messages that may go out now, in order, at most `max` (and `maxBytes`); with ordering a
    // key's later messages wait while one before them is outstanding or waiting (push: also while
    // one is chosen here).
    std::vector<MsgIt> available(NodeContext &ctx, std::uint32_t max, std::uint64_t maxBytes, bool oneForKey,
                                 bool atLeastOne = true)
    {
        std::vector<MsgIt> out;
        std::uint64_t bytes = 0;
        std::unordered_set<std::string> blocked;
        const SimTime now = ctx.now();
        for (auto it = m_msgs.begin(); it != m_msgs.end() && out.size() < max; ++it) {
            Msg &m = it->second;
            const bool keyed = orderedKey(m);
            if (keyed && blocked.count(m.key)) continue;
            if (m.state == State::Acked) continue;
            const bool ready = m.state == State::Ready && m.readyAt <= now;
            const bool fits = !maxBytes || (out.empty() && atLeastOne) || bytes + m.message->size <= maxBytes;
            if (!ready || !fits) {
                if (keyed) blocked.insert(m.key);
                if (ready && !fits) break; // the response is full
                continue;
            }
            out.push_back(it);
            bytes += m.message->size;
            if (keyed && oneForKey) blocked.insert(m.key);
        }
        return out;
    }

    // Streaming pull: each open stream gets messages while its subscriber's flow control leaves
    // room (outstanding messages and bytes on that connection); streams take turns.
    void serve(NodeContext &ctx)
    {
        if (m_push) return servePush(ctx);
        for (bool progress = true; progress && !m_waiters.empty();) {
            progress = false;
            for (std::size_t i = 0; i < m_waiters.size(); ++i) {
                const Waiter w = m_waiters[i];
                const LinkLoad load = m_perLink[w.link];
                std::uint64_t room = PubsubLimit::MaxPullMessages;
                if (w.maxMessages)
                    room = load.messages >= w.maxMessages ? 0 : std::min(room, w.maxMessages - load.messages);
                std::uint64_t bytes = 0;
                if (w.maxBytes) {
                    if (load.bytes >= w.maxBytes) continue;
                    bytes = w.maxBytes - load.bytes;
                }
                if (room == 0) continue;
                auto chosen =
                    available(ctx, static_cast<std::uint32_t>(room), bytes, false, load.messages == 0);
                if (chosen.empty()) continue;
                progress = true;
                auto body = std::make_shared<PubsubPullResponseBody>();
                body->exactlyOnce = m_exactlyOnce;
                body->ordered = m_ordered;
                for (auto it : chosen)
                    body->messages.push_back(deliver(ctx, it, w.link));
                Frame r;
                r.type = FrameType::PubsubPullResponse;
                r.response = true;
                r.tag = w.tag;
                r.status = Grpc::Ok;
                r.deliveryCount = static_cast<std::uint32_t>(body->messages.size());
                r.body = std::move(body);
                ctx.send(w.link, std::move(r));
            }
            // The next round starts with the next stream.
            if (m_waiters.size() > 1) {
                m_waiters.push_back(m_waiters.front());
                m_waiters.pop_front();
            }
        }
        armReadyTimer(ctx);
    }

    void servePush(NodeContext &ctx)
    {
        const auto endpoints = ctx.links(PubsubSubscriptionPort::Subscribers);
        if (endpoints.empty() || m_pushBackoffTimer != kNoTimer) return armReadyTimer(ctx);
        if (m_pushes.size() < m_window) {
            auto chosen = available(ctx, static_cast<std::uint32_t>(m_window - m_pushes.size()), 0, true);
            for (auto it : chosen) {
                const LinkIndex link = endpoints[m_nextEndpoint++ % endpoints.size()];
                PubsubReceivedMessage r = deliver(ctx, it, link);
                it->second.pushed = true;
                auto body = std::make_shared<PubsubPushBody>();
                body->ackId = r.ackId;
                body->deliveryAttempt = r.deliveryAttempt;
                body->orderingKey = r.orderingKey;
                Frame f;
                f.type = FrameType::PubsubPush;
                f.tag = ++m_pushTag;
                f.message = r.message;
                f.deliveryCount = it->second.attempts;
                f.body = std::move(body);
                m_pushes.emplace(f.tag, r.ackId);
                ctx.send(link, std::move(f));
            }
        }
        armReadyTimer(ctx);
    }

    // A timer for the earliest message waiting out a backoff, so it goes out when it may.
    void armReadyTimer(NodeContext &ctx)
    {
        if (!m_exponential) return; // without a backoff every ready message is available at once
        SimTime earliest = kNever;
        std::uint64_t which = 0;
        for (auto &[seq, m] : m_msgs)
            if (m.state == State::Ready && m.readyAt > ctx.now() && m.readyAt < earliest) {
                earliest = m.readyAt;
                which = seq;
            }
        if (earliest == kNever || earliest == m_readyTimerAt) return;
        ctx.cancelTimer(m_readyTimer);
        m_readyTimerAt = earliest;
        m_readyTimer = ctx.startTimer(earliest - ctx.now(), timerTag(ReadyTimer, which));
    }

    PubsubReceivedMessage deliver(NodeContext &ctx, MsgIt it, LinkIndex link)
    {
        Msg &m = it->second;
        if (m.state == State::Ready) --m_readyCount;
        ++m_outstandingCount;
        auto &pl = m_perLink[link];
        ++pl.messages;
        pl.bytes += m.message->size;
        m.state = State::Outstanding;
        ++m.attempts;
        m.ackId = makeAckId(it->first, m.attempts);
        m.link = link;
        m.consumer = ctx.peer(link);
        m.pushed = false;
        m.deadlineAt = addTime(ctx.now(), m_ackDeadline);
        ctx.cancelTimer(m.deadlineTimer);
        m.deadlineTimer = ctx.startTimer(m_ackDeadline, timerTag(DeadlineTimer, it->first));
        TraceEvent e =
            messageEvent(m.attempts > 1 ? TraceKind::Redeliver : TraceKind::Deliver, m.message.get());
        e.peer = m.consumer;
        e.link = link;
        e.deliveryCount = m.attempts;
        e.aux = static_cast<std::int64_t>(m_readyCount);
        ctx.trace(e);
        return {m.message, m.ackId, m_deadLetter(ctx) ? m.attempts : 0, m.key, m_ackDeadline};
    }

    bool m_deadLetter(NodeContext &ctx) const
    {
        return !ctx.links(PubsubSubscriptionPort::DeadLetter).empty();
    }

    // The message `ackId` names if that ack id is still current, else end().
    MsgIt current(std::uint64_t ackId)
    {
        auto it = m_msgs.find(ackId >> kAttemptBits);
        if (it == m_msgs.end() || it->second.ackId != ackId || it->second.state == State::Acked)
            return m_msgs.end();
        return it;
    }

    void answer(NodeContext &ctx, LinkIndex link, const Frame &request, std::uint16_t status)
    {
        if (!m_exactlyOnce) return; // without exactly-once, acks and modacks get no confirmation
        Frame r = responseTo(request, status);
        r.message = request.message;
        ctx.send(link, std::move(r));
    }

    void onAck(NodeContext &ctx, LinkIndex from, const Frame &f)
    {
        const auto *req = f.as<PubsubAckBody>();
        TraceEvent e = messageEvent(TraceKind::Ack, f.message.get());
        e.peer = ctx.peer(from);
        e.link = from;
        auto it = req ? current(req->ackId) : m_msgs.end();
        // With exactly-once delivery an ack id is valid only until its deadline.
        if (it != m_msgs.end() && m_exactlyOnce &&
            (it->second.state != State::Outstanding || it->second.deadlineAt <= ctx.now()))
            it = m_msgs.end();
        if (it == m_msgs.end()) {
            e.reason = DropReason::UnknownTag;
            e.deliveryCount = req ? static_cast<std::uint32_t>(req->ackId & ((1u << kAttemptBits) - 1)) : 0;
            ctx.trace(e);
            return answer(ctx, from, f, Grpc::InvalidArgument);
        }
        Msg &m = it->second;
        e.deliveryCount = m.attempts;
        ctx.trace(e);
        if (ctx.rng().bernoulli(m_ackLoss)) return; // best effort: the service lost it
        acknowledge(ctx, it);
        answer(ctx, from, f, Grpc::Ok);
        serve(ctx);
    }

    void acknowledge(NodeContext &ctx, MsgIt it)
    {
        Msg &m = it->second;
        ctx.cancelTimer(m.deadlineTimer);
        ctx.cancelTimer(m.readyTimer);
        m.deadlineTimer = m.readyTimer = kNoTimer;
        // Kept for seek while retainAckedMessages or the topic's retention holds it; that does not
        // keep a run alive.
        m.keepUntil = std::max(m_retainAcked ? m.expiresAt : SimTime(0), m.topicKeep);
        if (m.keepUntil > ctx.now()) {
            setAcked(m);
            ctx.cancelTimer(m.retentionTimer);
            m.retentionTimer =
                ctx.startTimer(m.keepUntil - ctx.now(), timerTag(RetentionTimer, it->first), true);
        } else {
            ctx.cancelTimer(m.retentionTimer);
            erase(it);
        }
    }

    void onModify(NodeContext &ctx, LinkIndex from, const Frame &f)
    {
        const auto *req = f.as<PubsubAckBody>();
        auto it = req ? current(req->ackId) : m_msgs.end();
        if (it != m_msgs.end() &&
            (it->second.state != State::Outstanding || (m_exactlyOnce && it->second.deadlineAt <= ctx.now())))
            it = m_msgs.end();
        if (it == m_msgs.end()) return answer(ctx, from, f, Grpc::InvalidArgument);
        Msg &m = it->second;
        if (req->deadline <= 0) {
            // A nack: delivered again (after the retry policy's backoff).
            TraceEvent e = messageEvent(TraceKind::Nack, m.message.get());
            e.peer = ctx.peer(from);
            e.link = from;
            e.flags |= TraceFlag::Requeue;
            e.deliveryCount = m.attempts;
            ctx.trace(e);
            answer(ctx, from, f, Grpc::Ok);
            failed(ctx, it);
            serve(ctx);
            return;
        }
        const SimTime deadline = std::min(req->deadline, PubsubLimit::MaxAckDeadline);
        m.deadlineAt = addTime(ctx.now(), deadline);
        ctx.cancelTimer(m.deadlineTimer);
        m.deadlineTimer = ctx.startTimer(deadline, timerTag(DeadlineTimer, it->first));
        TraceEvent e = messageEvent(TraceKind::Visibility, m.message.get());
        e.peer = ctx.peer(from);
        e.link = from;
        e.deliveryCount = m.attempts;
        e.aux = deadline;
        ctx.trace(e);
        answer(ctx, from, f, Grpc::Ok);
    }

    void onPushResponse(NodeContext &ctx, LinkIndex from, const Frame &f)
    {
        auto p = m_pushes.find(f.tag);
        if (p == m_pushes.end()) return; // a reply after the deadline: the request already failed
        const std::uint64_t ackId = p->second;
        m_pushes.erase(p);
        auto it = current(ackId);
        if (it == m_msgs.end() || it->second.state != State::Outstanding) return serve(ctx);
        if (isPushSuccess(f.status)) {
            TraceEvent e = messageEvent(TraceKind::Ack, it->second.message.get());
            e.peer = ctx.peer(from);
            e.link = from;
            e.status = f.status;
            e.deliveryCount = it->second.attempts;
            ctx.trace(e);
            ++m_window; // slow start: one more request in flight per success
            m_pushBackoff = 0;
            acknowledge(ctx, it);
        } else {
            TraceEvent e = messageEvent(TraceKind::Nack, it->second.message.get());
            e.peer = ctx.peer(from);
            e.link = from;
            e.status = f.status;
            e.flags |= TraceFlag::Requeue;
            e.deliveryCount = it->second.attempts;
            ctx.trace(e);
            pushFailed(ctx);
            failed(ctx, it);
        }
        serve(ctx);
    }

    // A push failed (an error status, or no answer by the deadline): the window halves and the
    // subscription backs off pushing.
    void pushFailed(NodeContext &ctx)
    {
        m_window = std::max<std::size_t>(1, m_window / 2);
        m_pushBackoff = m_pushBackoff == 0 ? PubsubLimit::PushBackoffMin
                                           : std::min(PubsubLimit::PushBackoffMax, m_pushBackoff * 2);
        ctx.cancelTimer(m_pushBackoffTimer);
        m_pushBackoffTimer = ctx.startTimer(m_pushBackoff, timerTag(PushBackoffTimer, 0));
    }

    // Message `it` failed its delivery (nack, deadline): dead-letter it, or make it available again
    // after the retry policy's backoff; with ordering, the later messages of its key already out
    // come back with it.
    void failed(NodeContext &ctx, MsgIt it)
    {
        Msg &m = it->second;
        ctx.cancelTimer(m.deadlineTimer);
        m.deadlineTimer = kNoTimer;
        if (m.pushed) forgetPush(m.ackId);
        const auto dl = ctx.links(PubsubSubscriptionPort::DeadLetter);
        const std::string key = orderedKey(m) ? m.key : std::string();
        SimTime readyAt = ctx.now();
        if (m_exponential) {
            const std::uint32_t shift = std::min<std::uint32_t>(m.attempts ? m.attempts - 1 : 0, 30);
            readyAt = addTime(ctx.now(),
                              std::min(m_maxBackoff, multiplyTime(m_minBackoff, std::int64_t{1} << shift)));
        }
        if (!dl.empty() && m.attempts >= m_maxAttempts) {
            TraceEvent e = messageEvent(TraceKind::DeadLetter, m.message.get());
            e.reason = DropReason::DeliveryLimit;
            e.deliveryCount = m.attempts;
            e.peer = ctx.peer(dl.front());
            e.link = dl.front();
            ctx.trace(e);
            auto body = std::make_shared<PubsubPublishBody>();
            body->orderingKey = m.key;
            Frame f;
            f.type = FrameType::PubsubPublish;
            f.message = m.message;
            f.deliveryCount = m.attempts;
            f.body = std::move(body);
            ctx.send(dl.front(), std::move(f));
            cancelTimers(ctx, m);
            erase(it);
        } else {
            setReady(m, readyAt);
        }
        // The later messages of the key that are out are delivered again after it, in order.
        if (!key.empty()) requeueLater(ctx, key, readyAt);
    }

    void requeueLater(NodeContext &ctx, const std::string &key, SimTime readyAt)
    {
        // Every outstanding message of `key` after the first not outstanding one goes back.
        bool behind = false;
        for (auto &[s, m] : m_msgs) {
            if (m.key != key || m.state == State::Acked) continue;
            if (m.state == State::Ready) {
                behind = true;
                continue;
            }
            if (!behind) continue;
            ctx.cancelTimer(m.deadlineTimer);
            m.deadlineTimer = kNoTimer;
            if (m.pushed) forgetPush(m.ackId);
            setReady(m, readyAt);
            TraceEvent e = messageEvent(TraceKind::Requeue, m.message.get());
            e.peer = m.consumer;
            e.deliveryCount = m.attempts;
            ctx.trace(e);
        }
    }

    void seek(NodeContext &ctx)
    {
        std::uint32_t reopened = 0;
        for (auto it = m_msgs.begin(); it != m_msgs.end();) {
            Msg &m = it->second;
            if (m.publishTime < m_seekTo) {
                if (m.state == State::Acked) {
                    ++it;
                    continue;
                }
                // Marked acknowledged by the seek.
                TraceEvent e = messageEvent(TraceKind::Ack, m.message.get());
                e.deliveryCount = m.attempts;
                ctx.trace(e);
                auto next = std::next(it);
                acknowledge(ctx, it);
                it = next;
                continue;
            }
            if (m.state == State::Acked) {
                setReady(m, ctx.now());
                m.expiresAt = std::max(m.expiresAt, m.keepUntil);
                ctx.cancelTimer(m.retentionTimer);
                m.retentionTimer = ctx.startTimer(std::max<SimTime>(0, m.expiresAt - ctx.now()),
                                                  timerTag(RetentionTimer, it->first));
                TraceEvent e = messageEvent(TraceKind::Requeue, m.message.get());
                e.deliveryCount = m.attempts;
                ctx.trace(e);
                ++reopened;
            }
            ++it;
        }
        TraceEvent s;
        s.kind = TraceKind::Seek;
        s.aux = m_seekTo;
        s.deliveryCount = reopened;
        ctx.trace(s);
        serve(ctx);
    }

    bool m_push = false;
    SimTime m_ackDeadline = PubsubLimit::DefaultAckDeadline;
    PubsubFilter m_filter;
    bool m_ordered = false, m_exactlyOnce = false;
    std::uint32_t m_maxAttempts = 5;
    bool m_exponential = false;
    SimTime m_minBackoff = 0, m_maxBackoff = 0;
    SimTime m_retention = 0;
    bool m_retainAcked = false;
    SimTime m_createdAt = 0, m_seekAt = 0, m_seekTo = 0;
    double m_ackLoss = 0;

    std::map<std::uint64_t, Msg> m_msgs; // by arrival
    std::uint64_t m_seq = 0;
    std::uint64_t m_readyCount = 0, m_outstandingCount = 0;
    struct LinkLoad {
        std::uint64_t messages = 0, bytes = 0;
    };
    std::map<LinkIndex, LinkLoad> m_perLink; // outstanding on each subscriber connection
    std::deque<Waiter> m_waiters;
    bool m_receivers = false;
    TimerId m_readyTimer = kNoTimer;
    SimTime m_readyTimerAt = kNever;
    // Push.
    std::map<std::uint64_t, std::uint64_t> m_pushes; // request tag -> ack id
    std::uint64_t m_pushTag = 0;
    std::size_t m_window = PubsubLimit::PushWindowStart;
    SimTime m_pushBackoff = 0;
    TimerId m_pushBackoffTimer = kNoTimer;
    std::size_t m_nextEndpoint = 0;
};

} // namespace

NodeKindSpec pubsubSubscriptionKind()
{
    NodeKindSpec k;
    k.kind = "pubsub-subscription";
    k.deliveryRole = DeliveryRole::Queue;
    k.label = "Pub/Sub subscription";
    k.category = "Publish-subscribe";
    k.help = "A Google Cloud Pub/Sub subscription, pull or push: ack deadline, ordering keys, filter, "
             "dead-letter topic, retry policy, retention and seek, exactly-once delivery.";
    k.ports = {
        {"topic", PortDirection::In, Protocol::Pubsub, false, "The pubsub-topic it is attached to.",
         PortSpec::Need::Required},
        {"subscribers", PortDirection::Out, Protocol::Pubsub, true,
         "Pull: the pubsub-subscribers pulling from it (they share its messages). Push: the endpoint(s) "
         "it POSTs to (pubsub-subscribers in push mode)."},
        {"deadLetter", PortDirection::Out, Protocol::Pubsub, false,
         "The dead-letter topic (a pubsub-topic): where a message goes after maxDeliveryAttempts.",
         PortSpec::Need::Optional},
    };
    using T = PropertyType;
    const double day = 24 * 3600e3;
    k.properties = {
        property("deliveryType", "Delivery type", T::Enum, "pull",
                 "pull: subscribers call Pull and acknowledge; push: Pub/Sub POSTs each message to the "
                 "endpoint, whose 2xx answer acknowledges it.",
                 "", {}, {}, {"pull", "push"}),
        property(
            "ackDeadline", "Ack deadline", T::Duration, 10000,
            "ackDeadlineSeconds: how long a delivered message waits for its acknowledgement before it is "
            "delivered again (10 to 600 s, default 10 s). Push: the time the endpoint has to answer.",
            "ms", 10000, 600000),
        property("filter", "Filter", T::String, "",
                 "Only messages whose attributes match are delivered; the others are acknowledged at once. "
                 "Pub/Sub's syntax: attributes:k, attributes.k = \"v\", attributes.k != \"v\", "
                 "hasPrefix(attributes.k, \"p\"), NOT, AND, OR (parentheses to mix them); at most 256 bytes.",
                 ""),
        property("enableMessageOrdering", "Message ordering", T::Bool, false,
                 "Messages with the same ordering key are delivered in publish order; a failed one is "
                 "delivered again before any later message of its key.",
                 ""),
        property("enableExactlyOnceDelivery", "Exactly-once delivery", T::Bool, false,
                 "Pull only: an acknowledged message is never delivered again, and an acknowledgement "
                 "after the ack deadline fails (the client sees the error).",
                 ""),
        property("maxDeliveryAttempts", "Max delivery attempts", T::Integer,
                 PubsubLimit::DefaultDeliveryAttempts,
                 "Dead-letter policy (with deadLetter linked): after this many delivery attempts a message "
                 "that fails again goes to the dead-letter topic (5 to 100, default 5).",
                 "", 5, 100),
        property("retryPolicy", "Retry policy", T::Enum, "immediate",
                 "immediate: a nacked or expired message is delivered again as soon as possible (Pub/Sub's "
                 "default); exponential: after minimumBackoff doubling per attempt up to maximumBackoff.",
                 "", {}, {}, {"immediate", "exponential"}),
        property("minimumBackoff", "Minimum backoff", T::Duration, 10000,
                 "Retry policy: the first delay (0 to 600 s, default 10 s).", "ms", 0, 600000),
        property("maximumBackoff", "Maximum backoff", T::Duration, 600000,
                 "Retry policy: the longest delay (0 to 600 s, default 600 s).", "ms", 0, 600000),
        property("messageRetentionDuration", "Message retention", T::Duration, std::int64_t(7 * day),
                 "How long unacknowledged messages are kept from their publish time (10 minutes to 31 "
                 "days, default 7 days); with retainAckedMessages, acknowledged ones too (for seek).",
                 "ms", 600000, 31 * day),
        property("retainAckedMessages", "Retain acked messages", T::Bool, false,
                 "Keep acknowledged messages for the retention duration, so a seek to an earlier time "
                 "delivers them again.",
                 ""),
        property("createdAt", "Created at", T::Duration, 0,
                 "When the subscription is created (virtual time; 0 = from the start): it receives only "
                 "messages published after that.",
                 "ms", 0, {}),
        property("seekAt", "Seek at", T::Duration, 0,
                 "When to seek the subscription (virtual time; 0 = never): messages published before seekTo "
                 "become acknowledged, those published at or after it unacknowledged (replay).",
                 "ms", 0, {}),
        property("seekTo", "Seek to", T::Duration, 0, "The time sought (virtual time).", "ms", 0, {}),
        property("ackLossProbability", "Ack loss", T::Probability, 0.0,
                 "Without exactly-once delivery acknowledgements are best effort: the chance that the "
                 "service loses one, so the message is delivered again (a duplicate). Exactly-once "
                 "delivery confirms acknowledgements: none is lost.",
                 ""),
    };
    // The filter is checked on its own, so the property editor shows Pub/Sub's rule as it is typed.
    for (auto &spec : k.properties)
        if (spec.key == "filter")
            spec.check = [](const Json &v) -> std::string {
                const std::string f = PubsubFilter::problem(v.get<std::string>());
                return f.empty() ? f : "invalid Pub/Sub filter: " + f;
            };
    k.check = [](const PropertyBag &p, std::vector<std::pair<std::string, std::string>> &problems) {
        if (p.boolean("enableExactlyOnceDelivery") && p.string("deliveryType") == "push")
            problems.push_back(
                {"enableExactlyOnceDelivery",
                 "exactly-once delivery is for pull subscriptions only (Pub/Sub does not offer "
                 "it for push)"});
        if (p.duration("minimumBackoff") > p.duration("maximumBackoff"))
            problems.push_back({"minimumBackoff", "minimumBackoff " +
                                                      formatDuration(p.duration("minimumBackoff")) +
                                                      " is more than maximumBackoff " +
                                                      formatDuration(p.duration("maximumBackoff"))});
        if (p.duration("seekAt") == 0 && p.explicitlySet("seekTo"))
            problems.push_back({"seekTo", "seekTo is set but seekAt is 0 (never): set when to seek"});
    };
    k.linkCheck = [](const PropertyBag &own, std::string_view port, const NodeKindSpec &peerKind,
                     const PropertyBag &peer) -> std::string {
        if (port == "deadLetter" && peerKind.kind != "pubsub-topic")
            return "a dead-letter topic must be a pubsub-topic";
        if (port == "subscribers" && peerKind.kind == "pubsub-subscriber") {
            const std::string type = own.string("deliveryType"), mode = peer.string("mode");
            if (type != mode)
                return "the subscription is a " + type + " subscription but the subscriber is in " + mode +
                       " mode (set one to match the other)";
        }
        return {};
    };
    k.explainRoute = [](const RouteQuestion &q) {
        RouteAnswer a;
        PubsubFilterError err;
        const auto filter = PubsubFilter::parse(q.properties.string("filter"), err);
        std::string why;
        const bool keep =
            !filter || filter->explain([&](std::string_view k) { return q.message.header(k); }, why);
        const bool ordered = q.properties.boolean("enableMessageOrdering") && !q.message.key.empty();
        if (!keep)
            a.note = "filtered out (acknowledged at once): " + why;
        else
            a.note = std::string(filter && !filter->empty() ? "filter matches: " + why : "no filter") +
                     (ordered ? "; delivered in order of ordering key '" + q.message.key + "'" : "");
        const bool push = q.properties.string("deliveryType") == "push";
        std::size_t subscribers = 0;
        for (const auto &o : q.outputs)
            subscribers += o.port == "subscribers";
        for (std::size_t i = 0; i < q.outputs.size(); ++i) {
            const RouteOutput &o = q.outputs[i];
            RouteVerdict v;
            v.output = i;
            if (!keep) {
                v.why = "filtered out";
            } else if (o.port == "subscribers") {
                v.taken = true;
                v.why = push              ? "pushed to the endpoint"
                        : subscribers > 1 ? "one of " + std::to_string(subscribers) +
                                                " subscribers pulls it (they share the subscription)"
                                          : "pulled by the subscriber";
            } else if (o.port == "deadLetter") {
                v.why = "only after " + std::to_string(q.properties.integer("maxDeliveryAttempts")) +
                        " failed delivery attempts";
            } else {
                v.why = "not a route";
            }
            a.verdicts.push_back(std::move(v));
        }
        return a;
    };
    k.factory = [](const NodeSetup &s) { return std::make_unique<PubsubSubscription>(s); };
    return k;
}

std::vector<NodeTemplate> pubsubTemplates()
{
    const char *sys = "Google Cloud Pub/Sub";
    return {
        {"pubsub-topic", "Pub/Sub topic", sys, "pubsub-topic",
         "A topic: each subscription attached gets a copy.", Json::object()},
        {"pubsub-pull-subscription", "Pub/Sub pull subscription", sys, "pubsub-subscription",
         "Pull delivery with Pub/Sub's defaults: ack deadline 10 s, retention 7 days, immediate redelivery.",
         Json::object()},
        {"pubsub-push-subscription",
         "Pub/Sub push subscription",
         sys,
         "pubsub-subscription",
         "Push: each message POSTed to the endpoint; failures retried with backoff under a slow-start "
         "window.",
         {{"deliveryType", "push"}}},
        {"pubsub-ordered-subscription",
         "Pub/Sub ordered subscription",
         sys,
         "pubsub-subscription",
         "Message ordering enabled: each ordering key's messages in publish order.",
         {{"enableMessageOrdering", true}}},
        {"pubsub-exactly-once-subscription",
         "Pub/Sub exactly-once subscription",
         sys,
         "pubsub-subscription",
         "Exactly-once (pull): acks confirmed, no redelivery after a successful ack; 60 s ack deadline.",
         {{"enableExactlyOnceDelivery", true}, {"ackDeadline", 60000}}},
        {"pubsub-dead-letter-subscription",
         "Pub/Sub subscription with dead-lettering",
         sys,
         "pubsub-subscription",
         "Dead-letter policy (link deadLetter to a topic) after 5 attempts, exponential retry 10 s to 600 s.",
         {{"maxDeliveryAttempts", 5}, {"retryPolicy", "exponential"}}},
        {"pubsub-publisher", "Pub/Sub publisher", sys, "pubsub-publisher",
         "Publishes with the client library's retry settings (60 s total timeout).", Json::object()},
        {"pubsub-streaming-pull-subscriber", "Pub/Sub subscriber (client library)", sys, "pubsub-subscriber",
         "Pull with the client libraries' flow control (1,000 messages, 100 MiB), leases extended up to 60 "
         "min.",
         Json::object()},
        {"pubsub-push-endpoint",
         "Pub/Sub push endpoint",
         sys,
         "pubsub-subscriber",
         "An HTTPS endpoint for a push subscription: 200 acknowledges, an error status is retried.",
         {{"mode", "push"}}},
    };
}

} // namespace sb
