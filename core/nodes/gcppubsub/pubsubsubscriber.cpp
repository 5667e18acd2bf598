// pubsub-subscriber: a Google Cloud Pub/Sub subscriber, in one of two modes.
// pull: the client libraries' subscriber (google-cloud-pubsub for Python and Java), on StreamingPull:
//  - Streaming pull with flow control: at start it opens the stream (PubsubPull) with
//    maxOutstandingMessages and maxOutstandingBytes (defaults 1,000 and 100 MiB), and the
//    subscription sends messages while fewer are outstanding on it (not yet acknowledged, nacked or
//    expired), as StreamingPull's max_outstanding_messages / max_outstanding_bytes.
//  - Handlers: up to `concurrency` messages are processed at once (the callback executor's threads;
//    the Python library's default 10), each for processingTime; with an ordered subscription, the
//    messages of one ordering key one at a time, in the order received. A success traces Process and
//    acknowledges; a failure (failureProbability) nacks (ModifyAckDeadline 0), and with ordering also
//    nacks the messages of its key received after it, so they come back after it, in order.
//  - Lease management (enableLeaseExtension): on receipt and then every random interval up to 90% of
//    the deadline, ModifyAckDeadline extends every outstanding message by the 99th percentile of the
//    client's processing times so far (10 s before any; clamped to 10..600 s, at least 60 s with
//    exactly-once delivery), until the message has been held maxExtension (60 minutes).
//  - Exactly-once: acknowledgements are confirmed; a failed one (the ack id expired) shows as the
//    subscription's Ack with reason UnknownTag, and the message comes back.
// push: the HTTPS endpoint of a push subscription: each POST is handled (up to `concurrency` at
//  once) for processingTime and answered 200 (Process), or errorStatus on a failure.
#include "../../callstatus.h"
#include "../common.h"
#include "gcppubsub.h"
#include "pubsubprotocol.h"

#include <algorithm>
#include <deque>
#include <map>
#include <unordered_set>

namespace sb {

namespace {

enum : std::uint64_t { LeaseTimer = 2, PullRetryTimer = 3, WorkBase = 16 };

class PubsubSubscriber final : public Node {
public:
    explicit PubsubSubscriber(const NodeSetup &s)
    {
        const auto &p = s.properties;
        m_push = p.string("mode") == "push";
        m_maxMessages = static_cast<std::uint64_t>(p.integer("maxOutstandingMessages"));
        m_maxBytes = static_cast<std::uint64_t>(p.integer("maxOutstandingBytes"));
        m_concurrency = static_cast<std::size_t>(p.integer("concurrency"));
        m_processing = p.distribution("processingTime");
        m_failure = p.number("failureProbability");
        m_lease = p.boolean("enableLeaseExtension");
        m_maxExtension = p.duration("maxExtension");
        m_errorStatus = static_cast<std::uint16_t>(p.integer("errorStatus"));
    }

    void start(NodeContext &ctx) override
    {
        if (!m_push) pull(ctx);
    }

    void onFrame(NodeContext &ctx, LinkIndex link, Frame &f) override
    {
        m_subscription = ctx.peer(link);
        m_link = link;
        if (f.type == FrameType::PubsubPush && f.message) {
            Item it;
            it.message = f.message;
            it.pushTag = f.tag;
            it.link = link;
            it.attempt = f.deliveryCount;
            if (const auto *b = f.as<PubsubPushBody>()) it.key = b->orderingKey;
            m_buffer.push_back(std::move(it));
            dispatch(ctx);
            return;
        }
        if (f.type != FrameType::PubsubPullResponse) return;
        const auto *body = f.as<PubsubPullResponseBody>();
        if (f.status != Grpc::Ok || !body) {
            // The stream failed (a push subscription refuses pulls): open it again later.
            m_pulling = false;
            ctx.startTimer(kSecond, PullRetryTimer, true);
            return;
        }
        m_exactlyOnce = body->exactlyOnce;
        m_ordered = body->ordered;
        for (const auto &r : body->messages) {
            Item it;
            it.message = r.message;
            it.ackId = r.ackId;
            it.attempt = r.deliveryAttempt;
            it.key = m_ordered ? r.orderingKey : std::string();
            it.receivedAt = ctx.now();
            it.link = link;
            m_outstanding.emplace(r.ackId, Outstanding{r.message, ctx.now(), r.message->size});
            m_outstandingBytes += r.message->size;
            if (m_lease) modify(ctx, r.ackId, r.message, leaseDeadline()); // the receipt modack
            m_buffer.push_back(std::move(it));
        }
        if (m_lease && !m_outstanding.empty() && m_leaseTimer == kNoTimer) armLease(ctx);
        dispatch(ctx);
    }

    void onTimer(NodeContext &ctx, std::uint64_t tag) override
    {
        if (tag == PullRetryTimer) return pull(ctx);
        if (tag == LeaseTimer) {
            m_leaseTimer = kNoTimer;
            const SimTime deadline = leaseDeadline();
            for (const auto &[ackId, o] : m_outstanding)
                if (ctx.now() - o.receivedAt < m_maxExtension) modify(ctx, ackId, o.message, deadline);
            if (!m_outstanding.empty()) armLease(ctx);
            return;
        }
        if (tag < WorkBase) return;
        auto w = m_working.find(tag);
        if (w == m_working.end()) return;
        Item it = std::move(w->second);
        m_working.erase(w);
        if (!it.key.empty()) m_busyKeys.erase(it.key);
        const bool ok = !ctx.rng().bernoulli(m_failure);
        recordLatency(ctx.now() - it.startedAt);
        if (ok) {
            TraceEvent e = messageEvent(TraceKind::Process, it.message.get());
            e.peer = m_subscription;
            e.deliveryCount = it.attempt;
            e.aux = ctx.now() - it.message->publishedAt;
            ctx.trace(e);
        }
        if (m_push) {
            Frame r;
            r.type = FrameType::PubsubPushResponse;
            r.response = true;
            r.tag = it.pushTag;
            r.status = ok ? 200 : m_errorStatus;
            r.message = it.message;
            ctx.send(it.link, std::move(r));
        } else if (ok) {
            settle(ctx, it, true);
        } else {
            settle(ctx, it, false);
            if (!it.key.empty()) {
                // Ordering: the later messages of the key received are nacked with it, so that the
                // service delivers them again after it.
                for (auto b = m_buffer.begin(); b != m_buffer.end();) {
                    if (b->key == it.key) {
                        settle(ctx, *b, false);
                        b = m_buffer.erase(b);
                    } else {
                        ++b;
                    }
                }
            }
        }
        dispatch(ctx);
    }

    void onLinkState(NodeContext &ctx, LinkIndex, bool up) override
    {
        if (!up || m_push) return;
        m_pulling = false;
        pull(ctx);
    }

    void onCrash(NodeContext &) override
    {
        m_buffer.clear();
        m_working.clear();
        m_busyKeys.clear();
        m_outstanding.clear();
        m_outstandingBytes = 0;
        m_pulling = false;
        m_leaseTimer = kNoTimer;
    }

    NodeStatus status() const override
    {
        NodeStatus s;
        s.ready = m_buffer.size();
        s.unacked = m_working.size();
        return s;
    }

private:
    struct Item {
        MessageRef message;
        std::uint64_t ackId = 0, pushTag = 0;
        std::uint32_t attempt = 0;
        std::string key;
        SimTime receivedAt = 0, startedAt = 0;
        LinkIndex link = kNoIndex;
    };
    struct Outstanding {
        MessageRef message;
        SimTime receivedAt = 0;
        std::uint64_t bytes = 0;
    };

    // Opens the streaming pull with the flow control settings; the subscription enforces them.
    void pull(NodeContext &ctx)
    {
        if (m_push || m_pulling) return;
        auto body = std::make_shared<PubsubPullRequest>();
        body->maxOutstandingMessages = m_maxMessages;
        body->maxOutstandingBytes = m_maxBytes;
        Frame f;
        f.type = FrameType::PubsubPull;
        f.tag = m_pullTag = ++m_tag;
        f.count = static_cast<std::uint32_t>(std::min<std::uint64_t>(m_maxMessages, 0xFFFFFFFFu));
        f.body = std::move(body);
        m_pulling = true;
        sendOnPort(ctx, PubsubSubscriberPort::In, std::move(f));
    }

    void dispatch(NodeContext &ctx)
    {
        for (auto b = m_buffer.begin();
             b != m_buffer.end() && (!m_concurrency || m_working.size() < m_concurrency);) {
            if (!b->key.empty() && m_busyKeys.count(b->key)) {
                ++b;
                continue;
            }
            // A key's messages start in the order received: one after an earlier waiting one waits.
            if (!b->key.empty()) {
                bool earlier = false;
                for (auto e = m_buffer.begin(); e != b; ++e)
                    earlier |= e->key == b->key;
                if (earlier) {
                    ++b;
                    continue;
                }
                m_busyKeys.insert(b->key);
            }
            Item it = std::move(*b);
            b = m_buffer.erase(b);
            it.startedAt = ctx.now();
            const std::uint64_t tag = WorkBase + (++m_work);
            ctx.startTimer(m_processing.sample(ctx.rng()), tag);
            m_working.emplace(tag, std::move(it));
        }
    }

    void settle(NodeContext &ctx, const Item &it, bool ack)
    {
        auto o = m_outstanding.find(it.ackId);
        if (o != m_outstanding.end()) {
            m_outstandingBytes -= o->second.bytes;
            m_outstanding.erase(o);
        }
        if (ack) {
            auto body = std::make_shared<PubsubAckBody>();
            body->ackId = it.ackId;
            Frame f;
            f.type = FrameType::PubsubAcknowledge;
            f.tag = ++m_tag;
            f.message = it.message;
            f.body = std::move(body);
            ctx.send(it.link, std::move(f));
        } else {
            modify(ctx, it.ackId, it.message, 0);
        }
        if (m_outstanding.empty() && m_leaseTimer != kNoTimer) {
            ctx.cancelTimer(m_leaseTimer);
            m_leaseTimer = kNoTimer;
        }
    }

    void modify(NodeContext &ctx, std::uint64_t ackId, const MessageRef &m, SimTime deadline)
    {
        auto body = std::make_shared<PubsubAckBody>();
        body->ackId = ackId;
        body->deadline = deadline;
        Frame f;
        f.type = FrameType::PubsubModifyAckDeadline;
        f.tag = ++m_tag;
        f.message = m;
        f.body = std::move(body);
        sendOnPort(ctx, PubsubSubscriberPort::In, std::move(f));
    }

    void armLease(NodeContext &ctx)
    {
        // The Python library's leaser sleeps a random time up to 90% of the deadline.
        const SimTime d = leaseDeadline();
        const SimTime snooze = std::max<SimTime>(
            kMillisecond, static_cast<SimTime>(ctx.rng().uniform01() * 0.9 * static_cast<double>(d)));
        m_leaseTimer = ctx.startTimer(snooze, LeaseTimer);
    }

    // The 99th percentile of processing times so far (the last 1,000), clamped to what the
    // libraries allow.
    SimTime leaseDeadline()
    {
        if (m_p99Stale && !m_latencies.empty()) {
            std::vector<SimTime> v(m_latencies.begin(), m_latencies.end());
            const std::size_t i = std::min(v.size() - 1, (v.size() * 99) / 100);
            std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(i), v.end());
            // The libraries' histogram counts whole seconds, rounded up.
            m_p99 = (v[i] + kSecond - 1) / kSecond * kSecond;
            m_p99Stale = false;
        }
        const SimTime min =
            m_exactlyOnce ? PubsubLimit::ExactlyOnceMinExtension : PubsubLimit::MinAckDeadline;
        return std::clamp(m_p99, min, PubsubLimit::MaxAckDeadline);
    }

    void recordLatency(SimTime t)
    {
        m_latencies.push_back(t);
        if (m_latencies.size() > 1000) m_latencies.pop_front();
        // Recomputed after each of the first 100 samples, then every 100th (bounded work per message).
        if (m_latencies.size() < 100 || ++m_sinceP99 >= 100) {
            m_p99Stale = true;
            m_sinceP99 = 0;
        }
    }

    bool m_push = false;
    std::uint64_t m_maxMessages = 0, m_maxBytes = 0;
    std::size_t m_concurrency = 10;
    Distribution m_processing;
    double m_failure = 0;
    bool m_lease = true;
    SimTime m_maxExtension = 0;
    std::uint16_t m_errorStatus = 503;

    NodeIndex m_subscription = kNoIndex;
    LinkIndex m_link = kNoIndex;
    bool m_exactlyOnce = false, m_ordered = false;
    bool m_pulling = false;
    std::uint64_t m_tag = 0, m_pullTag = 0, m_work = 0;
    TimerId m_leaseTimer = kNoTimer;
    std::deque<Item> m_buffer;
    std::map<std::uint64_t, Item> m_working; // by work timer tag
    std::unordered_set<std::string> m_busyKeys;
    std::map<std::uint64_t, Outstanding> m_outstanding; // by ack id
    std::uint64_t m_outstandingBytes = 0;
    std::deque<SimTime> m_latencies;
    SimTime m_p99 = PubsubLimit::DefaultAckDeadline; // 10 s before any sample
    bool m_p99Stale = false;
    std::uint32_t m_sinceP99 = 0;
};

} // namespace

NodeKindSpec pubsubSubscriberKind()
{
    NodeKindSpec k;
    k.kind = "pubsub-subscriber";
    k.label = "Pub/Sub subscriber";
    k.category = "Publish-subscribe";
    k.help = "A Google Cloud Pub/Sub subscriber: a pull client with flow control and lease extension, or "
             "a push subscription's HTTPS endpoint.";
    k.ports = {{"in", PortDirection::In, Protocol::Pubsub, false,
                "From a pubsub-subscription (pull requests out, pushed messages in).",
                PortSpec::Need::Required}};
    using T = PropertyType;
    k.properties = {
        property("mode", "Mode", T::Enum, "pull",
                 "pull: the client library's subscriber; push: the HTTPS endpoint of a push subscription.",
                 "", {}, {}, {"pull", "push"}),
        property("maxOutstandingMessages", "Max outstanding messages", T::Integer,
                 PubsubLimit::DefaultMaxOutstandingMessages,
                 "Flow control: messages received and not yet acked or nacked at most (the client "
                 "libraries' default 1,000; 0 = no limit).",
                 "msg", 0, {}),
        property("maxOutstandingBytes", "Max outstanding bytes", T::Integer,
                 PubsubLimit::DefaultMaxOutstandingBytes,
                 "Flow control: their bytes at most (default 100 MiB; 0 = no limit).", "bytes", 0, {}),
        property("concurrency", "Concurrency", T::Integer, 10,
                 "Messages handled at once (the callback executor's threads: Python's default 10); with "
                 "ordering, one per ordering key.",
                 "", 1, 10000),
        property("processingTime", "Processing time", T::Distribution, "10ms", "Time to handle one message.",
                 ""),
        property("failureProbability", "Failure probability", T::Probability, 0.0,
                 "Chance that handling fails: pull nacks the message, push answers errorStatus.", ""),
        property("enableLeaseExtension", "Lease extension", T::Bool, true,
                 "Pull: extend outstanding messages' ack deadlines with ModifyAckDeadline while they are "
                 "handled (the client libraries always do).",
                 ""),
        property("maxExtension", "Max lease extension", T::Duration, 3600000,
                 "Pull: a message is no longer extended once held this long (the libraries' 60 minutes).",
                 "ms", 0, {}),
        property(
            "errorStatus", "Error status", T::Integer, 503,
            "Push: the HTTP status a failed handling answers (any status but 102, 200, 201, 202, 204 is a "
            "negative acknowledgement).",
            "", 100, 599),
    };
    k.check = [](const PropertyBag &p, std::vector<std::pair<std::string, std::string>> &problems) {
        if (isPushSuccess(static_cast<std::uint16_t>(p.integer("errorStatus"))))
            problems.push_back(
                {"errorStatus", "errorStatus " + std::to_string(p.integer("errorStatus")) +
                                    " is a success status for Pub/Sub push (102, 200, 201, 202, "
                                    "204 acknowledge)"});
    };
    k.explainRoute = [](const RouteQuestion &q) {
        RouteAnswer a;
        a.ends = true;
        a.note = q.properties.string("mode") == "push" ? "push endpoint: handles the POST and answers"
                                                       : "pulls, handles and acknowledges the message";
        return a;
    };
    k.factory = [](const NodeSetup &s) { return std::make_unique<PubsubSubscriber>(s); };
    return k;
}

} // namespace sb
