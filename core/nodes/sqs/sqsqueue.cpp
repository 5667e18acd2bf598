// sqs-queue: an Amazon SQS queue, standard or FIFO, with the rules of the SQS Developer Guide.
// - Visibility timeout: a received message is invisible for the timeout (the queue's, or the
//   receive's override); not deleted in time it becomes visible again (Timeout, then Redeliver on
//   its next receive, deliveryCount = ApproximateReceiveCount). ChangeMessageVisibility resets it
//   (Visibility); the total stays within 12 hours of the receive.
// - Redrive policy: once a message has been received maxReceiveCount times and its visibility
//   ends again, it moves to the dead-letter queue (DeadLetter, reason DeliveryLimit).
// - Retention: a message older than messageRetentionPeriod is deleted (Expire, Drop
//   RetentionExpired), in flight or not. Delay: a new message is invisible for delaySeconds (the
//   queue's, or a standard queue's per-message DelaySeconds).
// - Standard queues store each message on one of several hidden servers. A short poll
//   (WaitTimeSeconds 0) asks a random half of them, so it can come back empty or partial while
//   messages exist; a long poll asks all of them and waits up to WaitTimeSeconds for a message.
//   Servers are visited in random order, which is SQS's best-effort ordering. A DeleteMessage can
//   miss a copy on a server that is unavailable at that moment (duplicateProbability): the copy
//   comes back when its visibility ends, a duplicate delivery without any fault.
// - FIFO queues deliver in arrival order per MessageGroupId: while a message of a group is in
//   flight no later message of that group is delivered; a receive returns one group's messages in
//   order (as many of one group as it can, then the next). A send whose deduplication id (explicit,
//   or the SHA-256 of the body with contentBasedDeduplication) was seen in the last 5 minutes is
//   acknowledged and not enqueued (Drop, reason Deduplicated). Sends without MessageGroupId fail
//   with MissingParameter. The throughput quota (per queue or per message group) answers requests
//   beyond it with RequestThrottled.
// - In flight: at the quota a standard queue's short poll gets OverLimit, a long poll or a FIFO
//   queue's receive gets no messages (the quotas page: FIFO returns no error).
// - SQS stores messages redundantly: a crash of the queue node keeps them all (in-flight ones come
//   back when their visibility ends), unless the crash lost the disk.
#include "../../callstatus.h"
#include "../common.h"
#include "sqs.h"
#include "sqsprotocol.h"

#include <algorithm>
#include <deque>
#include <map>
#include <unordered_map>

namespace sb {

namespace {

enum TimerKind : std::uint64_t { VisibleTimer = 0, RetentionTimer = 1, WaitTimer = 2 };
inline std::uint64_t timerTag(TimerKind k, std::uint64_t n)
{
    return (n << 2) | k;
}
// A receipt handle names one receive of one message: its arrival sequence and its receive count.
inline constexpr int kReceiptBits = 20;
inline std::uint64_t receiptHandle(std::uint64_t seq, std::uint32_t receiveCount)
{
    return (seq << kReceiptBits) | (receiveCount & ((1u << kReceiptBits) - 1));
}

// What content-based deduplication hashes (SQS: the SHA-256 of the body). A Signalbox message's
// body is its key, headers and size; a stable FNV-1a of them stands for the digest.
std::string contentDigest(const Message &m)
{
    std::uint64_t h = 0xcbf29ce484222325ULL;
    auto mix = [&](std::string_view s) {
        for (unsigned char c : s) {
            h ^= c;
            h *= 0x100000001b3ULL;
        }
        h ^= 0xff;
        h *= 0x100000001b3ULL;
    };
    mix(m.key);
    for (const auto &hd : m.headers) {
        mix(hd.name);
        mix(hd.value);
    }
    mix(std::to_string(m.size));
    return "sha256:" + std::to_string(h);
}

class SqsQueue final : public Node {
public:
    explicit SqsQueue(const NodeSetup &s)
    {
        const auto &p = s.properties;
        m_fifo = p.boolean("fifo");
        m_visibility = p.duration("visibilityTimeout");
        m_retention = p.duration("messageRetentionPeriod");
        m_delay = p.duration("delaySeconds");
        m_waitTime = p.duration("receiveMessageWaitTime");
        m_maxSize = p.integer("maximumMessageSize");
        m_maxReceiveCount = static_cast<std::uint32_t>(p.integer("maxReceiveCount"));
        m_contentDedup = p.boolean("contentBasedDeduplication");
        m_dedupPerGroup = p.string("deduplicationScope") == "messageGroup";
        m_quotaPerGroup = p.string("fifoThroughputLimit") == "perMessageGroupId";
        m_quota = p.number("throughputQuota");
        m_maxInFlight = static_cast<std::uint64_t>(p.integer("maxInFlight"));
        if (m_maxInFlight == 0) m_maxInFlight = m_fifo ? SqsLimit::InFlightFifo : SqsLimit::InFlightStandard;
        m_servers = m_fifo ? 1 : static_cast<std::uint32_t>(p.integer("servers"));
        m_duplicate = m_fifo ? 0.0 : p.number("duplicateProbability");
    }

    // Consumers on the receive port poll: messages waiting for them are work still to do.
    void start(NodeContext &ctx) override { m_receivers = !ctx.links(SqsQueuePort::Receive).empty(); }

    void onFrame(NodeContext &ctx, LinkIndex from, Frame &f) override
    {
        if (f.response) return; // the dead-letter queue answering a redrive
        switch (f.type) {
        case FrameType::SendMessage:
            onSend(ctx, from, f);
            break;
        case FrameType::ReceiveMessage:
            onReceive(ctx, from, f);
            break;
        case FrameType::DeleteMessage:
            onDelete(ctx, from, f);
            break;
        case FrameType::ChangeMessageVisibility:
            onChangeVisibility(ctx, from, f);
            break;
        default:
            break;
        }
    }

    void onTimer(NodeContext &ctx, std::uint64_t tag) override
    {
        const auto kind = static_cast<TimerKind>(tag & 3);
        const std::uint64_t n = tag >> 2;
        if (kind == WaitTimer) {
            auto it =
                std::find_if(m_waiters.begin(), m_waiters.end(), [&](const Waiter &w) { return w.id == n; });
            if (it == m_waiters.end()) return;
            Waiter w = *it;
            m_waiters.erase(it);
            respondReceive(ctx, w.link, w.tag, {}, SqsError::None);
            return;
        }
        auto it = m_messages.find(n);
        if (it == m_messages.end()) return;
        Msg &m = it->second;
        if (kind == RetentionTimer) {
            if (m.expiresAt > ctx.now()) return; // a timer from before a crash
            TraceEvent e = messageEvent(TraceKind::Expire, m.message.get());
            e.deliveryCount = m.receiveCount;
            e.reason = DropReason::RetentionExpired;
            ctx.cancelTimer(m.visibleTimer);
            eraseMessage(it);
            e.aux = static_cast<std::int64_t>(m_messages.size());
            ctx.trace(e);
            TraceEvent d = e;
            d.kind = TraceKind::Drop;
            ctx.trace(d);
            serveWaiters(ctx);
            return;
        }
        if (m.visibleAt > ctx.now()) return;
        m.visibleTimer = kNoTimer;
        if (m.inFlight) {
            m.inFlight = false;
            --m_inFlight;
            TraceEvent e = messageEvent(TraceKind::Timeout, m.message.get());
            e.peer = m.consumer;
            e.deliveryCount = m.receiveCount;
            ctx.trace(e);
            if (m_maxReceiveCount && m.receiveCount >= m_maxReceiveCount) {
                redrive(ctx, it);
                serveWaiters(ctx);
                return;
            }
        }
        serveWaiters(ctx);
    }

    void onLinkState(NodeContext &ctx, LinkIndex link, bool up) override
    {
        if (up) return;
        // A receiver whose connection is gone no longer waits: its long poll ends with it.
        for (auto it = m_waiters.begin(); it != m_waiters.end();) {
            if (it->link == link) {
                ctx.cancelTimer(it->timer);
                it = m_waiters.erase(it);
            } else {
                ++it;
            }
        }
    }

    void onCrash(NodeContext &) override
    {
        // SQS keeps every message on several servers: nothing is lost. Waiting receives end with
        // the connection; throttle windows start over.
        m_waiters.clear();
        m_windows.clear();
        for (auto &[seq, m] : m_messages) {
            m.visibleTimer = kNoTimer;
            m.retentionTimer = kNoTimer;
        }
    }

    void onDiskLost(NodeContext &ctx) override
    {
        for (const auto &[seq, m] : m_messages) {
            TraceEvent e = messageEvent(TraceKind::Drop, m.message.get());
            e.reason = DropReason::Crash;
            e.deliveryCount = m.receiveCount;
            ctx.trace(e);
        }
        m_messages.clear();
        m_inFlight = 0;
        m_dedup.clear();
    }

    void onRestart(NodeContext &ctx) override
    {
        // The clock ran on while the node was down: visibility, delays and retention end when they
        // would have; what ended during the crash is handled now.
        start(ctx);
        for (auto &[seq, m] : m_messages) {
            m.retentionTimer =
                ctx.startTimer(std::max<SimTime>(0, m.expiresAt - ctx.now()), timerTag(RetentionTimer, seq));
            if (m.inFlight || m.visibleAt > ctx.now())
                m.visibleTimer = ctx.startTimer(std::max<SimTime>(0, m.visibleAt - ctx.now()),
                                                timerTag(VisibleTimer, seq));
        }
    }

    NodeStatus status() const override
    {
        NodeStatus s;
        s.unacked = m_inFlight;
        s.ready = m_messages.size() - m_inFlight;
        return s;
    }

    // Messages waiting while receivers poll keep the run going: their next receive takes them.
    bool hasPendingWork() const override { return m_receivers && m_messages.size() > m_inFlight; }

private:
    struct Msg {
        MessageRef message;
        std::string group;
        std::uint32_t server = 0;
        std::uint32_t receiveCount = 0;
        bool inFlight = false;
        SimTime visibleAt = 0; // end of the delay or of the visibility timeout
        SimTime receivedAt = 0;
        SimTime expiresAt = kNever;
        NodeIndex consumer = kNoIndex;
        TimerId visibleTimer = kNoTimer;
        TimerId retentionTimer = kNoTimer;
    };
    using MsgIt = std::map<std::uint64_t, Msg>::iterator;
    struct Waiter {
        std::uint64_t id = 0;
        LinkIndex link = kNoIndex;
        std::uint64_t tag = 0;
        std::uint32_t maxMessages = 1;
        SimTime visibility = 0;
        TimerId timer = kNoTimer;
    };

    void respond(NodeContext &ctx, LinkIndex link, const Frame &request, std::uint16_t status)
    {
        Frame r;
        r.type = request.type;
        r.response = true;
        r.tag = request.tag;
        r.status = status;
        r.message = request.message;
        r.deliveryCount = request.deliveryCount;
        ctx.send(link, std::move(r));
    }

    // True when a request of `action` (for `group`) is beyond the throughput quota this second.
    bool throttled(NodeContext &ctx, FrameType action, const std::string &group)
    {
        if (m_quota <= 0) return false;
        const std::string key =
            std::to_string(static_cast<int>(action)) + (m_quotaPerGroup ? "/" + group : "");
        auto &[start, count] = m_windows[key];
        if (ctx.now() - start >= kSecond || count == 0) {
            start = ctx.now();
            count = 0;
        }
        if (count >= m_quota) return true;
        ++count;
        return false;
    }

    void onSend(NodeContext &ctx, LinkIndex from, Frame &f)
    {
        if (!f.message) return;
        const SqsSendRequest none;
        const SqsSendRequest &req = f.as<SqsSendRequest>() ? *f.as<SqsSendRequest>() : none;
        auto refuse = [&](std::uint16_t status) {
            TraceEvent e = messageEvent(TraceKind::Drop, f.message.get());
            e.reason = DropReason::RejectPublish;
            e.status = status;
            e.peer = ctx.peer(from);
            e.link = from;
            ctx.trace(e);
            respond(ctx, from, f, status);
        };
        if (f.message->size > m_maxSize) return refuse(SqsError::InvalidParameterValue);
        if (m_fifo && req.messageGroupId.empty()) return refuse(SqsError::MissingParameter);
        if (m_fifo && req.delay >= 0 && !req.redrive) return refuse(SqsError::InvalidParameterValue);
        if (!req.redrive && throttled(ctx, FrameType::SendMessage, req.messageGroupId))
            return refuse(SqsError::RequestThrottled);
        if (m_fifo && !req.redrive) {
            std::string id = req.deduplicationId;
            if (id.empty() && m_contentDedup) id = contentDigest(*f.message);
            if (id.empty()) return refuse(SqsError::InvalidParameterValue);
            if (m_dedupPerGroup) id = req.messageGroupId + '\x1f' + id;
            auto [it, fresh] = m_dedup.try_emplace(id, ctx.now() + SqsLimit::DeduplicationInterval);
            if (!fresh && it->second > ctx.now()) {
                // Accepted and acknowledged, never enqueued a second time.
                TraceEvent e = messageEvent(TraceKind::Drop, f.message.get());
                e.reason = DropReason::Deduplicated;
                e.peer = ctx.peer(from);
                e.link = from;
                ctx.trace(e);
                respond(ctx, from, f, SqsError::None);
                return;
            }
            it->second = ctx.now() + SqsLimit::DeduplicationInterval;
            pruneDedup(ctx);
        }
        const std::uint64_t seq = ++m_seq;
        Msg m;
        m.message = f.message;
        m.group = req.messageGroupId;
        m.server = m_servers > 1 ? static_cast<std::uint32_t>(ctx.rng().below(m_servers)) : 0;
        const SimTime delay = req.delay >= 0 && !m_fifo ? req.delay : m_delay;
        m.visibleAt = addTime(ctx.now(), delay);
        m.expiresAt = addTime(ctx.now(), m_retention);
        m.retentionTimer = ctx.startTimer(m_retention, timerTag(RetentionTimer, seq));
        if (delay > 0) m.visibleTimer = ctx.startTimer(delay, timerTag(VisibleTimer, seq));
        m_messages.emplace(seq, std::move(m));
        TraceEvent e = messageEvent(TraceKind::Enqueue, f.message.get());
        e.peer = ctx.peer(from);
        e.link = from;
        e.aux = static_cast<std::int64_t>(m_messages.size() - m_inFlight);
        ctx.trace(e);
        respond(ctx, from, f, SqsError::None);
        serveWaiters(ctx);
    }

    void pruneDedup(NodeContext &ctx)
    {
        // Amortised: sweep when the table doubled since the last sweep.
        if (m_dedup.size() < 2 * m_dedupSwept + 64) return;
        for (auto it = m_dedup.begin(); it != m_dedup.end();)
            it = it->second <= ctx.now() ? m_dedup.erase(it) : std::next(it);
        m_dedupSwept = m_dedup.size();
    }

    void onReceive(NodeContext &ctx, LinkIndex from, const Frame &f)
    {
        m_receivers = true;
        const SqsReceiveRequest none;
        const SqsReceiveRequest &req = f.as<SqsReceiveRequest>() ? *f.as<SqsReceiveRequest>() : none;
        if (req.maxMessages < 1 || req.maxMessages > SqsLimit::MaxMessagesPerReceive ||
            req.waitTime > SqsLimit::MaxWaitTime || req.visibilityTimeout > SqsLimit::MaxVisibilityTimeout)
            return respondReceive(ctx, from, f.tag, {}, SqsError::InvalidParameterValue);
        if (throttled(ctx, FrameType::ReceiveMessage, {}))
            return respondReceive(ctx, from, f.tag, {}, SqsError::RequestThrottled);
        const SimTime wait = req.waitTime >= 0 ? req.waitTime : m_waitTime;
        const SimTime visibility = req.visibilityTimeout >= 0 ? req.visibilityTimeout : m_visibility;
        if (m_inFlight >= m_maxInFlight && !m_fifo && wait == 0)
            return respondReceive(ctx, from, f.tag, {}, SqsError::OverLimit);
        auto batch = take(ctx, from, req.maxMessages, visibility, wait == 0);
        if (!batch.empty() || wait == 0)
            return respondReceive(ctx, from, f.tag, std::move(batch), SqsError::None);
        Waiter w{++m_nextWaiter, from, f.tag, req.maxMessages, visibility, kNoTimer};
        // A waiting receive alone does not keep a run alive (a consumer's idle loop).
        w.timer = ctx.startTimer(wait, timerTag(WaitTimer, w.id), true);
        m_waiters.push_back(w);
    }

    void respondReceive(NodeContext &ctx, LinkIndex link, std::uint64_t tag,
                        std::vector<SqsReceivedMessage> batch, std::uint16_t status)
    {
        Frame r;
        r.type = FrameType::ReceiveMessage;
        r.response = true;
        r.tag = tag;
        r.status = status;
        r.deliveryCount = static_cast<std::uint32_t>(batch.size());
        auto body = std::make_shared<SqsReceiveResponse>();
        body->messages = std::move(batch);
        r.body = std::move(body);
        ctx.send(link, std::move(r));
    }

    void serveWaiters(NodeContext &ctx)
    {
        while (!m_waiters.empty()) {
            Waiter &w = m_waiters.front();
            auto batch = take(ctx, w.link, w.maxMessages, w.visibility, false);
            if (batch.empty()) return;
            ctx.cancelTimer(w.timer);
            const LinkIndex link = w.link;
            const std::uint64_t tag = w.tag;
            m_waiters.pop_front();
            respondReceive(ctx, link, tag, std::move(batch), SqsError::None);
        }
    }

    bool available(const Msg &m, SimTime now) const { return !m.inFlight && m.visibleAt <= now; }

    // Picks up to `max` messages a receive gets now and marks them in flight.
    std::vector<SqsReceivedMessage> take(NodeContext &ctx, LinkIndex link, std::uint32_t max,
                                         SimTime visibility, bool shortPoll)
    {
        std::vector<SqsReceivedMessage> out;
        if (m_inFlight >= m_maxInFlight) return out;
        max = static_cast<std::uint32_t>(std::min<std::uint64_t>(max, m_maxInFlight - m_inFlight));
        const SimTime now = ctx.now();
        std::vector<MsgIt> chosen;
        if (m_fifo) {
            // Groups with a message in flight are blocked; a group's first unavailable message
            // (delayed) blocks the rest of it too. Available messages by group, in order.
            std::vector<std::string> order;
            std::unordered_map<std::string, std::vector<MsgIt>> byGroup;
            std::unordered_map<std::string, bool> blocked;
            for (auto it = m_messages.begin(); it != m_messages.end(); ++it) {
                Msg &m = it->second;
                bool &b = blocked[m.group];
                if (b) continue;
                if (!available(m, now)) {
                    b = true;
                    continue;
                }
                auto &list = byGroup[m.group];
                if (list.empty()) order.push_back(m.group);
                list.push_back(it);
            }
            for (const auto &g : order) {
                for (auto it : byGroup[g]) {
                    if (chosen.size() >= max) break;
                    chosen.push_back(it);
                }
                if (chosen.size() >= max) break;
            }
        } else {
            // Each server's available messages in arrival order; servers in random order. A short
            // poll asks a random half of the servers only.
            std::vector<std::uint32_t> servers(m_servers);
            for (std::uint32_t i = 0; i < m_servers; ++i)
                servers[i] = i;
            for (std::uint32_t i = m_servers; i > 1; --i)
                std::swap(servers[i - 1], servers[ctx.rng().below(i)]);
            if (shortPoll && m_servers > 1) servers.resize((m_servers + 1) / 2);
            std::vector<std::vector<MsgIt>> per(m_servers);
            for (auto it = m_messages.begin(); it != m_messages.end(); ++it)
                if (available(it->second, now) && per[it->second.server].size() < max)
                    per[it->second.server].push_back(it);
            for (auto s : servers)
                for (auto it : per[s]) {
                    if (chosen.size() >= max) break;
                    chosen.push_back(it);
                }
        }
        const NodeIndex consumer = ctx.peer(link);
        for (auto it : chosen) {
            Msg &m = it->second;
            m.inFlight = true;
            ++m_inFlight;
            ++m.receiveCount;
            m.receivedAt = now;
            m.visibleAt = addTime(now, visibility);
            m.consumer = consumer;
            ctx.cancelTimer(m.visibleTimer);
            m.visibleTimer = ctx.startTimer(visibility, timerTag(VisibleTimer, it->first));
            TraceEvent e =
                messageEvent(m.receiveCount > 1 ? TraceKind::Redeliver : TraceKind::Deliver, m.message.get());
            e.peer = consumer;
            e.link = link;
            e.deliveryCount = m.receiveCount;
            e.aux = static_cast<std::int64_t>(m_messages.size() - m_inFlight);
            ctx.trace(e);
            TraceEvent v = messageEvent(TraceKind::Visibility, m.message.get());
            v.peer = consumer;
            v.deliveryCount = m.receiveCount;
            v.aux = visibility;
            ctx.trace(v);
            out.push_back(
                {m.message, receiptHandle(it->first, m.receiveCount), m.receiveCount, m.group, visibility});
        }
        return out;
    }

    void onDelete(NodeContext &ctx, LinkIndex from, const Frame &f)
    {
        const auto *req = f.as<SqsDeleteRequest>();
        if (!req) return respond(ctx, from, f, SqsError::ReceiptHandleIsInvalid);
        const std::uint64_t seq = req->receiptHandle >> kReceiptBits;
        const std::uint32_t count = req->receiptHandle & ((1u << kReceiptBits) - 1);
        TraceEvent e = messageEvent(TraceKind::Ack, f.message.get());
        e.peer = ctx.peer(from);
        e.link = from;
        e.deliveryCount = count;
        auto it = m_messages.find(seq);
        if (it == m_messages.end() || it->second.receiveCount != count) {
            // Already deleted (or expired), or received again since this handle was issued: SQS
            // answers success, and the message is not deleted (API reference, DeleteMessage).
            e.reason = DropReason::UnknownTag;
            ctx.trace(e);
            return respond(ctx, from, f, SqsError::None);
        }
        ctx.trace(e);
        if (ctx.rng().bernoulli(m_duplicate)) {
            // A server holding a copy missed the delete: the copy stays, and comes back when its
            // visibility ends.
            respond(ctx, from, f, SqsError::None);
            return;
        }
        Msg &m = it->second;
        ctx.cancelTimer(m.visibleTimer);
        ctx.cancelTimer(m.retentionTimer);
        eraseMessage(it);
        respond(ctx, from, f, SqsError::None);
        serveWaiters(ctx); // a FIFO group may be free now
    }

    void onChangeVisibility(NodeContext &ctx, LinkIndex from, const Frame &f)
    {
        const auto *req = f.as<SqsChangeVisibilityRequest>();
        if (!req) return respond(ctx, from, f, SqsError::ReceiptHandleIsInvalid);
        const std::uint64_t seq = req->receiptHandle >> kReceiptBits;
        const std::uint32_t count = req->receiptHandle & ((1u << kReceiptBits) - 1);
        auto it = m_messages.find(seq);
        if (it == m_messages.end() || it->second.receiveCount != count)
            return respond(ctx, from, f, SqsError::ReceiptHandleIsInvalid);
        Msg &m = it->second;
        if (!m.inFlight) return respond(ctx, from, f, SqsError::MessageNotInflight);
        // The visibility of one receive cannot reach beyond 12 hours after it.
        if (req->visibilityTimeout < 0 || addTime(ctx.now(), req->visibilityTimeout) >
                                              addTime(m.receivedAt, SqsLimit::MaxVisibilityTimeout))
            return respond(ctx, from, f, SqsError::InvalidParameterValue);
        m.visibleAt = addTime(ctx.now(), req->visibilityTimeout);
        ctx.cancelTimer(m.visibleTimer);
        m.visibleTimer = ctx.startTimer(req->visibilityTimeout, timerTag(VisibleTimer, seq));
        TraceEvent e = messageEvent(TraceKind::Visibility, m.message.get());
        e.peer = ctx.peer(from);
        e.link = from;
        e.deliveryCount = m.receiveCount;
        e.aux = req->visibilityTimeout;
        ctx.trace(e);
        respond(ctx, from, f, SqsError::None);
    }

    void eraseMessage(MsgIt it)
    {
        if (it->second.inFlight) --m_inFlight;
        m_messages.erase(it);
    }

    void redrive(NodeContext &ctx, MsgIt it)
    {
        Msg &m = it->second;
        auto dl = ctx.links(SqsQueuePort::DeadLetter);
        TraceEvent e = messageEvent(dl.empty() ? TraceKind::Drop : TraceKind::DeadLetter, m.message.get());
        e.reason = DropReason::DeliveryLimit;
        e.deliveryCount = m.receiveCount;
        if (!dl.empty()) {
            e.peer = ctx.peer(dl.front());
            e.link = dl.front();
            auto body = std::make_shared<SqsSendRequest>();
            body->messageGroupId = m.group;
            body->redrive = true;
            body->receiveCount = m.receiveCount;
            Frame f;
            f.type = FrameType::SendMessage;
            f.tag = ++m_redriveTag;
            f.message = m.message;
            f.body = std::move(body);
            ctx.trace(e);
            ctx.send(dl.front(), std::move(f));
        } else {
            ctx.trace(e);
        }
        ctx.cancelTimer(m.visibleTimer);
        ctx.cancelTimer(m.retentionTimer);
        eraseMessage(it);
    }

    bool m_fifo = false;
    SimTime m_visibility = 0;
    SimTime m_retention = 0;
    SimTime m_delay = 0;
    SimTime m_waitTime = 0;
    std::int64_t m_maxSize = 0;
    std::uint32_t m_maxReceiveCount = 0;
    bool m_contentDedup = false;
    bool m_dedupPerGroup = false;
    bool m_quotaPerGroup = false;
    double m_quota = 0;
    std::uint64_t m_maxInFlight = 0;
    std::uint32_t m_servers = 1;
    double m_duplicate = 0;

    std::map<std::uint64_t, Msg> m_messages; // by arrival sequence
    std::uint64_t m_seq = 0;
    std::uint64_t m_inFlight = 0;
    std::deque<Waiter> m_waiters;
    std::uint64_t m_nextWaiter = 0;
    std::unordered_map<std::string, SimTime> m_dedup; // deduplication id -> end of its interval
    std::size_t m_dedupSwept = 0;
    std::unordered_map<std::string, std::pair<SimTime, double>> m_windows; // throttle: start, count
    bool m_receivers = false;
    std::uint64_t m_redriveTag = 0;
};

std::string durationText(SimTime t)
{
    return formatDuration(t);
}

} // namespace

NodeKindSpec sqsQueueKind()
{
    NodeKindSpec k;
    k.kind = "sqs-queue";
    k.deliveryRole = DeliveryRole::Queue;
    k.label = "SQS queue";
    k.category = "Managed queues";
    k.help = "An Amazon SQS queue, standard (at-least-once, best-effort order) or FIFO (ordered per message "
             "group, deduplicated); visibility timeout, long polling, delay, retention, redrive to a DLQ.";
    k.ports = {
        {"send", PortDirection::In, Protocol::Sqs, true, "SendMessage from SQS producers."},
        {"receive", PortDirection::Out, Protocol::Sqs, true,
         "ReceiveMessage, DeleteMessage and ChangeMessageVisibility from SQS consumers.",
         PortSpec::Need::Optional},
        {"deadLetter", PortDirection::Out, Protocol::Sqs, false,
         "The redrive policy's dead-letter queue (another sqs-queue of the same type): where a message "
         "goes after maxReceiveCount receives.",
         PortSpec::Need::Optional}};
    using T = PropertyType;
    const double hour = 3600e3, day = 24 * hour;
    k.properties = {
        property("fifo", "FIFO", T::Bool, false,
                 "FIFO queue (in AWS its name ends in .fifo): order per MessageGroupId and deduplication. "
                 "Standard: at-least-once with occasional duplicates and best-effort order.",
                 ""),
        property(
            "visibilityTimeout", "Visibility timeout", T::Duration, 30000,
            "How long a received message stays invisible to other receives (default 30 s, 0 to 12 hours).",
            "ms", 0, {}),
        property("messageRetentionPeriod", "Message retention period", T::Duration, std::int64_t(4 * day),
                 "Messages older than this are deleted (default 4 days, 60 s to 14 days).", "ms", 0, {}),
        property("delaySeconds", "Delivery delay", T::Duration, 0,
                 "New messages stay invisible this long (a delay queue; 0 to 15 minutes).", "ms", 0, {}),
        property("receiveMessageWaitTime", "Receive wait time", T::Duration, 0,
                 "The long-poll wait of receives that do not set WaitTimeSeconds (0 = short polling, up to "
                 "20 s).",
                 "ms", 0, {}),
        property("maximumMessageSize", "Maximum message size", T::Integer, SqsLimit::DefaultMessageSize,
                 "Larger sends are refused (1,024 bytes to 1,048,576 bytes = 1 MiB; default 262,144).",
                 "bytes", 0, {}),
        property("maxReceiveCount", "Max receive count", T::Integer, 0,
                 "Redrive policy: after this many receives without a delete the message moves to the "
                 "dead-letter queue (1 to 1,000; 0 = no redrive).",
                 "", 0, {}),
        property("contentBasedDeduplication", "Content-based deduplication", T::Bool, false,
                 "FIFO: sends without a MessageDeduplicationId are deduplicated by a hash of their body.",
                 ""),
        property("deduplicationScope", "Deduplication scope", T::Enum, "queue",
                 "FIFO: deduplication ids are unique per queue or per message group (high throughput).", "",
                 {}, {}, {"queue", "messageGroup"}),
        property("fifoThroughputLimit", "FIFO throughput limit", T::Enum, "perQueue",
                 "FIFO: the throughput quota applies to the whole queue or to each message group (high "
                 "throughput mode).",
                 "", {}, {}, {"perQueue", "perMessageGroupId"}),
        property(
            "throughputQuota", "Throughput quota", T::Number, 0,
            "FIFO: requests per second per action (SendMessage, ReceiveMessage) beyond which SQS answers "
            "RequestThrottled; SQS's documented quota without batching is 300 (0 = off).",
            "req/s", 0, 1e6),
        property("maxInFlight", "In-flight quota", T::Integer, 0,
                 "Received, not yet deleted messages at most (0 = SQS's quota of 120,000; at the quota a "
                 "standard queue's short poll gets OverLimit, a FIFO queue's receives get nothing).",
                 "msg", 0, {}),
        property("servers", "Storage servers", T::Integer, 4,
                 "Standard: the hidden servers SQS spreads messages over. A short poll asks a random half of "
                 "them, so it can come back empty while messages wait; long polling asks all.",
                 "", 1, 64),
        property("duplicateProbability", "Duplicate probability", T::Probability, 0.001,
                 "Standard: the chance that a DeleteMessage misses a copy on a server that is unavailable "
                 "then, so the message is delivered again later (SQS: 'on rare occasions'; at-least-once).",
                 ""),
    };
    k.check = [](const PropertyBag &p, std::vector<std::pair<std::string, std::string>> &problems) {
        const bool fifo = p.boolean("fifo");
        auto over = [&](const char *key, SimTime v, SimTime max, const char *limit) {
            if (v > max)
                problems.push_back({key, std::string(key) + " " + durationText(v) +
                                             " is more than SQS's maximum of " + limit});
        };
        over("visibilityTimeout", p.duration("visibilityTimeout"), SqsLimit::MaxVisibilityTimeout,
             "12 hours");
        over("messageRetentionPeriod", p.duration("messageRetentionPeriod"), SqsLimit::MaxRetention,
             "14 days");
        if (p.duration("messageRetentionPeriod") < SqsLimit::MinRetention)
            problems.push_back(
                {"messageRetentionPeriod", "messageRetentionPeriod " +
                                               durationText(p.duration("messageRetentionPeriod")) +
                                               " is less than SQS's minimum of 60 seconds"});
        over("delaySeconds", p.duration("delaySeconds"), SqsLimit::MaxDelay, "15 minutes (900 seconds)");
        over("receiveMessageWaitTime", p.duration("receiveMessageWaitTime"), SqsLimit::MaxWaitTime,
             "20 seconds");
        const auto size = p.integer("maximumMessageSize");
        if (size < SqsLimit::MinMessageSize)
            problems.push_back({"maximumMessageSize", "maximumMessageSize " + std::to_string(size) +
                                                          " is less than SQS's minimum of 1,024 bytes"});
        if (size > SqsLimit::MaxMessageSize)
            problems.push_back(
                {"maximumMessageSize", "maximumMessageSize " + std::to_string(size) +
                                           " is more than SQS's maximum of 1,048,576 bytes (1 MiB)"});
        if (p.integer("maxReceiveCount") > SqsLimit::MaxReceiveCount)
            problems.push_back({"maxReceiveCount", "maxReceiveCount " +
                                                       std::to_string(p.integer("maxReceiveCount")) +
                                                       " is more than SQS's maximum of 1,000"});
        const auto inFlight = p.integer("maxInFlight");
        const auto inFlightMax = fifo ? SqsLimit::InFlightFifo : SqsLimit::InFlightStandard;
        if (inFlight > inFlightMax)
            problems.push_back({"maxInFlight", "maxInFlight " + std::to_string(inFlight) +
                                                   " is more than SQS's " + (fifo ? "FIFO" : "standard") +
                                                   " in-flight quota of 120,000"});
        if (!fifo) {
            for (const char *key : {"contentBasedDeduplication"})
                if (p.boolean(key))
                    problems.push_back({key, std::string(key) + " applies to FIFO queues only (set fifo)"});
            if (p.string("deduplicationScope") != "queue")
                problems.push_back(
                    {"deduplicationScope", "deduplicationScope applies to FIFO queues only (set fifo)"});
            if (p.string("fifoThroughputLimit") != "perQueue")
                problems.push_back(
                    {"fifoThroughputLimit", "fifoThroughputLimit applies to FIFO queues only (set fifo)"});
            if (p.number("throughputQuota") > 0)
                problems.push_back({"throughputQuota",
                                    "throughputQuota applies to FIFO queues only: standard queues "
                                    "support a nearly unlimited number of calls per second"});
        } else if (p.string("fifoThroughputLimit") == "perMessageGroupId" &&
                   p.string("deduplicationScope") != "messageGroup") {
            // The Developer Guide: high throughput needs both settings.
            problems.push_back({"fifoThroughputLimit",
                                "fifoThroughputLimit perMessageGroupId (high throughput) needs "
                                "deduplicationScope messageGroup"});
        }
    };
    // A queue's dead-letter queue must be of its type (SQS: a FIFO queue's DLQ is FIFO, a standard
    // queue's standard).
    k.linkCheck = [](const PropertyBag &own, std::string_view port, const NodeKindSpec &peerKind,
                     const PropertyBag &peer) -> std::string {
        if (port != "deadLetter" || peerKind.kind != "sqs-queue") return {};
        const bool fifo = own.boolean("fifo"), peerFifo = peer.boolean("fifo");
        if (fifo == peerFifo) return {};
        return fifo ? "the dead-letter queue of a FIFO queue must be a FIFO queue"
                    : "the dead-letter queue of a standard queue must be a standard queue";
    };
    k.factory = [](const NodeSetup &s) { return std::make_unique<SqsQueue>(s); };
    k.explainRoute = [](const RouteQuestion &q) {
        return queueRoute(q, "receive", "deadLetter",
                          "only after maxReceiveCount receives without a delete (the redrive policy)");
    };
    return k;
}

std::vector<NodeTemplate> sqsTemplates()
{
    return {
        {"sqs-standard-queue", "SQS standard queue", "Amazon SQS", "sqs-queue",
         "A standard queue with SQS's defaults: visibility 30 s, retention 4 days, short polling.",
         Json::object()},
        {"sqs-fifo-queue",
         "SQS FIFO queue",
         "Amazon SQS",
         "sqs-queue",
         "A FIFO queue with content-based deduplication and SQS's quota of 300 requests/s per action.",
         {{"fifo", true}, {"contentBasedDeduplication", true}, {"throughputQuota", 300}}},
        {"sqs-fifo-high-throughput",
         "SQS FIFO queue (high throughput)",
         "Amazon SQS",
         "sqs-queue",
         "A FIFO queue in high throughput mode: deduplication and the quota per message group.",
         {{"fifo", true},
          {"contentBasedDeduplication", true},
          {"deduplicationScope", "messageGroup"},
          {"fifoThroughputLimit", "perMessageGroupId"},
          {"throughputQuota", 300}}},
        {"sqs-producer", "SQS producer", "Amazon SQS", "sqs-producer",
         "Sends messages with SendMessage; the AWS SDK's standard retry mode (3 attempts).", Json::object()},
        {"sqs-consumer",
         "SQS consumer (long polling)",
         "Amazon SQS",
         "sqs-consumer",
         "Receives up to 10 messages per call with a 20 s long poll and deletes each after processing.",
         {{"maxNumberOfMessages", 10}, {"waitTimeSeconds", 20}}},
    };
}

} // namespace sb
