// The SQS clients.
// sqs-producer: generates messages with the shared workload and sends each with SendMessage
// (MessageGroupId, MessageDeduplicationId and DelaySeconds from its templates), retrying throttled,
// failed-over and timed-out attempts as the AWS SDKs' standard retry mode does (3 attempts in all,
// exponential backoff with full jitter from 100 ms, at most 20 s). Traces Publish, Confirm (the
// successful response), Timeout, Retry, Nack (an error response, status = the SqsError) and Drop
// (RetriesExhausted; Rejected for an error no retry can fix).
// sqs-consumer: a receive loop: ReceiveMessage (up to maxNumberOfMessages, waiting waitTimeSeconds),
// processes the batch one message at a time, DeleteMessage after each success, then receives again.
// A failed message is not deleted: it comes back when its visibility ends. extendVisibility keeps a
// long job's message invisible with ChangeMessageVisibility heartbeats. An empty receive is the
// queue's ReceiveMessage response with deliveryCount 0 in the trace (Send events).
#include "../../callstatus.h"
#include "../common.h"
#include "../workload.h"
#include "sqs.h"
#include "sqsprotocol.h"

#include <algorithm>
#include <deque>
#include <map>

namespace sb {

namespace {

std::string checkSqsEntry(const Json &e)
{
    for (const char *f : {"messageGroupId", "deduplicationId"})
        if (e.contains(f) && !e[f].is_string()) return std::string("'") + f + "' must be a string";
    return {};
}

// How long a client waits for a response beyond the time the request may take (its HTTP timeout).
inline constexpr SimTime kResponseTimeout = 5 * kSecond;

bool retryable(std::uint16_t status)
{
    // The SDKs retry throttling and service-side failures; a bad parameter fails the same way again.
    return status == SqsError::RequestThrottled;
}

class SqsProducer final : public Node {
public:
    explicit SqsProducer(const NodeSetup &s) : m_id(s.id), m_workload(s.properties)
    {
        const auto &p = s.properties;
        m_groupTemplate = p.string("messageGroupId");
        const std::string dedup = p.string("deduplication");
        m_dedup = dedup == "messageId"  ? Dedup::MessageId
                  : dedup == "template" ? Dedup::Template
                                        : Dedup::None;
        m_dedupTemplate = p.string("deduplicationId");
        m_delay = p.duration("delaySeconds");
        m_maxAttempts = static_cast<std::uint32_t>(p.integer("maxAttempts"));
        m_baseDelay = p.duration("retryBaseDelay");
        m_maxBackoff = p.duration("maxBackoff");
        m_timeout = p.duration("attemptTimeout");
    }

    void start(NodeContext &ctx) override { m_workload.start(ctx); }

    void onTimer(NodeContext &ctx, std::uint64_t tag) override
    {
        if (m_workload.owns(tag)) {
            m_workload.onTimer(ctx, tag, [&](const Workload::Item &item) { publish(ctx, item); });
            return;
        }
        const bool retryTimer = tag & 1;
        const std::uint64_t n = tag >> 1;
        if (retryTimer) {
            auto it = m_retrying.find(n);
            if (it == m_retrying.end()) return;
            Pending p = std::move(it->second);
            m_retrying.erase(it);
            const std::uint32_t attempt = p.attempts + 1;
            TraceEvent e = messageEvent(TraceKind::Retry, p.message.get());
            e.deliveryCount = attempt;
            ctx.trace(e);
            transmit(ctx, std::move(p), attempt);
            return;
        }
        auto it = m_pending.find(n);
        if (it == m_pending.end()) return;
        Pending p = std::move(it->second);
        m_pending.erase(it);
        TraceEvent e = messageEvent(TraceKind::Timeout, p.message.get());
        e.deliveryCount = p.attempts;
        ctx.trace(e);
        retryOrGiveUp(ctx, std::move(p), true);
    }

    void onFrame(NodeContext &ctx, LinkIndex, Frame &f) override
    {
        if (f.type != FrameType::SendMessage || !f.response) return;
        auto it = m_pending.find(f.tag);
        if (it == m_pending.end()) return; // the response to an attempt already timed out
        Pending p = std::move(it->second);
        m_pending.erase(it);
        ctx.cancelTimer(p.timer);
        if (f.status == SqsError::None) {
            TraceEvent e = messageEvent(TraceKind::Confirm, p.message.get());
            e.deliveryCount = p.attempts;
            ctx.trace(e);
            return;
        }
        TraceEvent e = messageEvent(TraceKind::Nack, p.message.get());
        e.reason = DropReason::RejectPublish;
        e.status = f.status;
        e.deliveryCount = p.attempts;
        ctx.trace(e);
        retryOrGiveUp(ctx, std::move(p), retryable(f.status), f.status);
    }

    void onCrash(NodeContext &) override
    {
        m_pending.clear();
        m_retrying.clear();
        m_workload.stop();
    }
    void onRestart(NodeContext &ctx) override { m_workload.restart(ctx); }

    NodeStatus status() const override
    {
        NodeStatus s;
        s.inFlight = m_pending.size() + m_retrying.size();
        return s;
    }

private:
    enum class Dedup { None, MessageId, Template };
    struct Pending {
        MessageRef message;
        std::shared_ptr<const SqsSendRequest> request;
        std::uint32_t attempts = 1;
        TimerId timer = kNoTimer;
    };

    void publish(NodeContext &ctx, const Workload::Item &item)
    {
        auto m = std::make_shared<Message>();
        m->id = ctx.newMessageId();
        m->sequence = m_workload.generated();
        m->key = item.key;
        m->size = item.size;
        m->publishedAt = ctx.now();
        m->producer = ctx.self();
        if (item.entry) m->headers = Workload::entryHeaders(*item.entry);
        auto req = std::make_shared<SqsSendRequest>();
        const auto entryString = [&](const char *field, const std::string &fallback) {
            return item.entry && item.entry->contains(field) ? (*item.entry)[field].get<std::string>()
                                                             : fallback;
        };
        req->messageGroupId =
            expandTemplate(entryString("messageGroupId", m_groupTemplate), m->sequence, m->key, m_id, m->id);
        std::string dedup = m_dedup == Dedup::MessageId  ? std::to_string(m->id)
                            : m_dedup == Dedup::Template ? m_dedupTemplate
                                                         : std::string();
        req->deduplicationId =
            expandTemplate(entryString("deduplicationId", dedup), m->sequence, m->key, m_id, m->id);
        req->delay = m_delay > 0 ? m_delay : -1;
        ctx.announce(*m);
        TraceEvent e = messageEvent(TraceKind::Publish, m.get());
        e.aux = m->size;
        e.flags |= TraceFlag::Confirmed;
        ctx.trace(e);
        transmit(ctx, Pending{std::move(m), std::move(req), 1, kNoTimer}, 1);
    }

    void transmit(NodeContext &ctx, Pending p, std::uint32_t attempts)
    {
        const std::uint64_t tag = ++m_nextTag;
        p.attempts = attempts;
        p.timer = ctx.startTimer(m_timeout, tag << 1);
        Frame f;
        f.type = FrameType::SendMessage;
        f.tag = tag;
        f.deliveryCount = attempts;
        f.message = p.message;
        f.body = p.request;
        m_pending.emplace(tag, std::move(p));
        sendOnPort(ctx, SqsProducerPort::Out, std::move(f));
    }

    void retryOrGiveUp(NodeContext &ctx, Pending p, bool canRetry, std::uint16_t status = kNoStatus)
    {
        if (!canRetry || p.attempts >= m_maxAttempts) {
            TraceEvent e = messageEvent(TraceKind::Drop, p.message.get());
            e.reason = canRetry ? DropReason::RetriesExhausted : DropReason::Rejected;
            e.status = status;
            e.deliveryCount = p.attempts;
            ctx.trace(e);
            return;
        }
        // Full jitter: a random delay up to min(base * 2^(attempt-1), max backoff).
        const SimTime cap = std::min(
            m_maxBackoff,
            multiplyTime(m_baseDelay, std::int64_t{1} << std::min<std::uint32_t>(p.attempts - 1, 20)));
        const SimTime delay = static_cast<SimTime>(ctx.rng().uniform01() * static_cast<double>(cap));
        const std::uint64_t key = ++m_nextRetry;
        m_retrying.emplace(key, std::move(p));
        ctx.startTimer(delay, (key << 1) | 1);
    }

    std::string m_id;
    Workload m_workload;
    std::string m_groupTemplate;
    Dedup m_dedup = Dedup::None;
    std::string m_dedupTemplate;
    SimTime m_delay = 0;
    std::uint32_t m_maxAttempts = 3;
    SimTime m_baseDelay = 0;
    SimTime m_maxBackoff = 0;
    SimTime m_timeout = 0;
    std::map<std::uint64_t, Pending> m_pending; // by request tag
    std::map<std::uint64_t, Pending> m_retrying;
    std::uint64_t m_nextTag = 0;
    std::uint64_t m_nextRetry = 0;
};

class SqsConsumer final : public Node {
public:
    explicit SqsConsumer(const NodeSetup &s)
    {
        const auto &p = s.properties;
        m_maxMessages = static_cast<std::uint32_t>(p.integer("maxNumberOfMessages"));
        const auto wait = p.integer("waitTimeSeconds");
        m_waitTime = wait < 0 ? -1 : wait * kSecond;
        m_visibility = p.duration("visibilityTimeout");
        m_processing = p.distribution("processingTime");
        m_failure = p.number("failureProbability");
        m_extend = p.boolean("extendVisibility");
        m_emptyDelay = p.duration("emptyReceiveDelay");
    }

    void start(NodeContext &ctx) override { receive(ctx); }

    void onFrame(NodeContext &ctx, LinkIndex link, Frame &f) override
    {
        if (!f.response || f.type != FrameType::ReceiveMessage || f.tag != m_receiveTag) return;
        m_queue = ctx.peer(link);
        m_waiting = false;
        ctx.cancelTimer(m_receiveTimer);
        const auto *body = f.as<SqsReceiveResponse>();
        if (f.status != SqsError::None || !body || body->messages.empty()) {
            // An idle loop does not keep a run alive on its own.
            ctx.startTimer(m_emptyDelay, ReceiveTimer, true);
            return;
        }
        for (const auto &m : body->messages)
            m_batch.push_back(m);
        next(ctx);
    }

    void onTimer(NodeContext &ctx, std::uint64_t tag) override
    {
        if (tag == ReceiveTimer) {
            receive(ctx);
            return;
        }
        if (tag == ResponseTimer) {
            // The request or its response was lost: the SDK's HTTP timeout gives up and asks again.
            if (m_waiting && !m_busy && m_batch.empty()) receive(ctx);
            return;
        }
        if (tag == HeartbeatTimer) {
            if (!m_busy) return;
            changeVisibility(ctx, m_current.visibilityTimeout);
            m_heartbeat = ctx.startTimer(heartbeatInterval(), HeartbeatTimer);
            return;
        }
        if (tag != WorkTimer || !m_busy) return;
        m_busy = false;
        ctx.cancelTimer(m_heartbeat);
        SqsReceivedMessage d = std::move(m_current);
        if (ctx.rng().bernoulli(m_failure)) {
            // Not deleted: SQS makes it visible again when its visibility timeout ends.
            TraceEvent e = messageEvent(TraceKind::Drop, d.message.get());
            e.reason = DropReason::ProcessingFailed;
            e.peer = m_queue;
            e.deliveryCount = d.receiveCount;
            ctx.trace(e);
        } else {
            TraceEvent e = messageEvent(TraceKind::Process, d.message.get());
            e.peer = m_queue;
            e.deliveryCount = d.receiveCount;
            e.aux = ctx.now() - d.message->publishedAt;
            ctx.trace(e);
            auto body = std::make_shared<SqsDeleteRequest>();
            body->receiptHandle = d.receiptHandle;
            Frame del;
            del.type = FrameType::DeleteMessage;
            del.tag = ++m_tag;
            del.message = d.message;
            del.deliveryCount = d.receiveCount;
            del.body = std::move(body);
            sendOnPort(ctx, SqsConsumerPort::In, std::move(del));
        }
        next(ctx);
    }

    void onLinkState(NodeContext &ctx, LinkIndex, bool up) override
    {
        // The receive in flight died with the connection: ask again once it is back.
        if (up && m_waiting && !m_busy && m_batch.empty()) receive(ctx);
    }

    void onCrash(NodeContext &) override
    {
        m_batch.clear();
        m_busy = false;
        m_waiting = false;
        m_heartbeat = m_receiveTimer = kNoTimer;
    }

    NodeStatus status() const override
    {
        NodeStatus s;
        s.ready = m_batch.size();
        s.unacked = m_busy ? 1 : 0;
        return s;
    }

private:
    enum : std::uint64_t { ReceiveTimer = 1, WorkTimer = 2, HeartbeatTimer = 3, ResponseTimer = 4 };

    SimTime heartbeatInterval() const
    {
        return std::max<SimTime>(kMillisecond, m_current.visibilityTimeout / 2);
    }

    void receive(NodeContext &ctx)
    {
        auto body = std::make_shared<SqsReceiveRequest>();
        body->maxMessages = m_maxMessages;
        body->waitTime = m_waitTime;
        body->visibilityTimeout = m_visibility > 0 ? m_visibility : -1;
        Frame r;
        r.type = FrameType::ReceiveMessage;
        r.tag = m_receiveTag = ++m_tag;
        r.count = m_maxMessages;
        r.body = std::move(body);
        m_waiting = true;
        // Longer than any receive can wait (20 s), background: a consumer waiting does not keep a
        // run alive.
        ctx.cancelTimer(m_receiveTimer);
        m_receiveTimer = ctx.startTimer(SqsLimit::MaxWaitTime + kResponseTimeout, ResponseTimer, true);
        sendOnPort(ctx, SqsConsumerPort::In, std::move(r));
    }

    void next(NodeContext &ctx)
    {
        if (m_batch.empty()) {
            receive(ctx);
            return;
        }
        m_current = std::move(m_batch.front());
        m_batch.pop_front();
        m_busy = true;
        ctx.startTimer(m_processing.sample(ctx.rng()), WorkTimer);
        if (m_extend && m_current.visibilityTimeout > 0)
            m_heartbeat = ctx.startTimer(heartbeatInterval(), HeartbeatTimer);
    }

    void changeVisibility(NodeContext &ctx, SimTime timeout)
    {
        auto body = std::make_shared<SqsChangeVisibilityRequest>();
        body->receiptHandle = m_current.receiptHandle;
        body->visibilityTimeout = timeout;
        Frame f;
        f.type = FrameType::ChangeMessageVisibility;
        f.tag = ++m_tag;
        f.message = m_current.message;
        f.body = std::move(body);
        sendOnPort(ctx, SqsConsumerPort::In, std::move(f));
    }

    std::uint32_t m_maxMessages = 1;
    SimTime m_waitTime = -1;
    SimTime m_visibility = 0;
    Distribution m_processing;
    double m_failure = 0;
    bool m_extend = false;
    SimTime m_emptyDelay = 0;

    std::deque<SqsReceivedMessage> m_batch;
    SqsReceivedMessage m_current;
    bool m_busy = false;
    bool m_waiting = false;
    TimerId m_heartbeat = kNoTimer;
    TimerId m_receiveTimer = kNoTimer;
    NodeIndex m_queue = kNoIndex;
    std::uint64_t m_tag = 0;
    std::uint64_t m_receiveTag = 0;
};

} // namespace

NodeKindSpec sqsProducerKind()
{
    NodeKindSpec k;
    k.kind = "sqs-producer";
    k.label = "SQS producer";
    k.category = "Managed queues";
    k.help =
        "Sends messages to an SQS queue with SendMessage (group id, deduplication id, delay) and the AWS "
        "SDK's standard retries.";
    k.ports = {{"out", PortDirection::Out, Protocol::Sqs, false, "SendMessage to an sqs-queue."}};
    using T = PropertyType;
    k.properties = Workload::propertySpecs(
        {"messageGroupId", "deduplicationId"}, checkSqsEntry,
        "{\"at\": \"10ms\", \"key\": \"k\", \"messageGroupId\": \"g1\", \"deduplicationId\": \"d1\"}");
    const std::vector<PropertySpec> own = {
        property(
            "messageGroupId", "Message group id", T::String, "",
            "FIFO queues: the MessageGroupId template ({key}, {seq}, {node}, {id}); empty = none (a FIFO "
            "queue refuses that with MissingParameter).",
            ""),
        property(
            "deduplication", "Deduplication id", T::Enum, "none",
            "FIFO: MessageDeduplicationId: none (the queue's content-based deduplication), messageId (so "
            "a retried send is not enqueued twice) or template (deduplicationId).",
            "", {}, {}, {"none", "messageId", "template"}),
        property("deduplicationId", "Deduplication id template", T::String, "{id}",
                 "The MessageDeduplicationId template when deduplication = template.", ""),
        property("delaySeconds", "Message delay", T::Duration, 0,
                 "Per-message DelaySeconds (standard queues only; 0 = the queue's delay; up to 15 minutes).",
                 "ms", 0, {}),
        property("maxAttempts", "Max attempts", T::Integer, 3,
                 "Attempts per message in all, as the AWS SDK's standard retry mode (3).", "", 1, 100),
        property("retryBaseDelay", "Retry base delay", T::Duration, 100,
                 "Backoff: a random delay up to base x 2^(attempt-1) (full jitter).", "ms", 0, {}),
        property("maxBackoff", "Max backoff", T::Duration, 20000, "The backoff's cap (the SDKs': 20 s).",
                 "ms", 0, {}),
        property("attemptTimeout", "Attempt timeout", T::Duration, 5000,
                 "How long one SendMessage attempt waits for its response before it is retried.", "ms", 0.001,
                 {}),
    };
    k.properties.insert(k.properties.end(), own.begin(), own.end());
    k.check = [](const PropertyBag &p, std::vector<std::pair<std::string, std::string>> &problems) {
        if (p.duration("delaySeconds") > SqsLimit::MaxDelay)
            problems.push_back(
                {"delaySeconds", "delaySeconds " + formatDuration(p.duration("delaySeconds")) +
                                     " is more than SQS's maximum of 15 minutes (900 seconds)"});
    };
    // What the producer sends must suit the queue it is linked to.
    k.linkCheck = [](const PropertyBag &own, std::string_view, const NodeKindSpec &peerKind,
                     const PropertyBag &peer) -> std::string {
        if (peerKind.kind != "sqs-queue") return {};
        const bool fifo = peer.boolean("fifo");
        if (!fifo && !own.string("messageGroupId").empty())
            return "messageGroupId is set but the queue is a standard queue: message groups order FIFO "
                   "queues "
                   "only (set the queue's fifo, or clear messageGroupId)";
        if (!fifo && own.string("deduplication") != "none")
            return "a MessageDeduplicationId applies to FIFO queues only";
        if (fifo && own.string("messageGroupId").empty())
            return "a FIFO queue needs a MessageGroupId on every send (set messageGroupId, e.g. \"{key}\")";
        if (fifo && own.duration("delaySeconds") > 0)
            return "a FIFO queue does not take a per-message DelaySeconds (set the queue's delaySeconds)";
        if (fifo && own.string("deduplication") == "none" && !peer.boolean("contentBasedDeduplication"))
            return "a FIFO queue without contentBasedDeduplication needs a MessageDeduplicationId "
                   "(set deduplication)";
        return {};
    };
    k.factory = [](const NodeSetup &s) { return std::make_unique<SqsProducer>(s); };
    k.explainRoute = [](const RouteQuestion &q) { return publishRoute(q, "", ""); };
    return k;
}

NodeKindSpec sqsConsumerKind()
{
    NodeKindSpec k;
    k.kind = "sqs-consumer";
    k.label = "SQS consumer";
    k.category = "Managed queues";
    k.help = "Receives from an SQS queue (short or long polling), processes each message and deletes it; "
             "failed ones come back after the visibility timeout.";
    k.ports = {{"in", PortDirection::In, Protocol::Sqs, false, "ReceiveMessage from an sqs-queue."}};
    using T = PropertyType;
    k.properties = {
        property("maxNumberOfMessages", "Max messages", T::Integer, 1,
                 "MaxNumberOfMessages per ReceiveMessage (1 to 10; SQS's default 1).", "msg", 1, {}),
        property("waitTimeSeconds", "Wait time", T::Integer, -1,
                 "WaitTimeSeconds: 0 short polls, 1 to 20 long polls; -1 uses the queue's "
                 "receiveMessageWaitTime.",
                 "s", -1, {}),
        property("visibilityTimeout", "Visibility timeout", T::Duration, 0,
                 "VisibilityTimeout for the messages of each receive (0 = the queue's).", "ms", 0, {}),
        property("processingTime", "Processing time", T::Distribution, "10ms", "Time to process one message.",
                 ""),
        property("failureProbability", "Failure probability", T::Probability, 0.0,
                 "Chance that processing fails: the message is not deleted and comes back after its "
                 "visibility timeout.",
                 ""),
        property("extendVisibility", "Extend visibility", T::Bool, false,
                 "Heartbeat: while a message is processed, ChangeMessageVisibility every half visibility "
                 "timeout keeps it invisible.",
                 ""),
        property("emptyReceiveDelay", "Pause after an empty receive", T::Duration, 1,
                 "The client's turnaround before it receives again after an empty response.", "ms", 0.001,
                 {}),
    };
    k.check = [](const PropertyBag &p, std::vector<std::pair<std::string, std::string>> &problems) {
        const auto n = p.integer("maxNumberOfMessages");
        if (n > SqsLimit::MaxMessagesPerReceive)
            problems.push_back({"maxNumberOfMessages", "maxNumberOfMessages " + std::to_string(n) +
                                                           " is more than SQS's maximum of 10 per receive"});
        const auto w = p.integer("waitTimeSeconds");
        if (w > 20)
            problems.push_back({"waitTimeSeconds", "waitTimeSeconds " + std::to_string(w) +
                                                       " is more than SQS's maximum of 20 seconds"});
        if (p.duration("visibilityTimeout") > SqsLimit::MaxVisibilityTimeout)
            problems.push_back({"visibilityTimeout", "visibilityTimeout " +
                                                         formatDuration(p.duration("visibilityTimeout")) +
                                                         " is more than SQS's maximum of 12 hours"});
    };
    k.factory = [](const NodeSetup &s) { return std::make_unique<SqsConsumer>(s); };
    k.explainRoute = [](const RouteQuestion &) {
        return endRoute("receives it, processes it and deletes it (else it becomes visible again)");
    };
    return k;
}

} // namespace sb
