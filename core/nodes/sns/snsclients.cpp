// The SNS clients.
// sns-publisher: generates messages with the shared workload and publishes each with Publish: its
// payload fields are the JSON body (what FilterPolicyScope MessageBody filters on), its
// messageAttributes (and a script entry's headers) its message attributes (String, or Number when
// the value is a number), a FIFO topic's MessageGroupId and MessageDeduplicationId from templates.
// Retries as the AWS SDKs' standard retry mode does (3 attempts in all, exponential backoff with
// full jitter from 100 ms, at most 20 s) on throttling, 5xx and timeouts; a 400 is final. Traces
// Publish, Confirm (the 200), Timeout, Retry, Nack (status) and Drop (RetriesExhausted, Rejected).
// http-endpoint: an HTTP/S endpoint subscribed to a topic. Each Notification POST is answered
// after a latency drawn from its distribution: 200 and Process (peer = the topic, aux = end-to-end
// latency), or with failureProbability the failureStatus; during an outage (outageAt for
// outageFor) it answers outageStatus, or nothing at all (0: SNS's 15 s timeout runs out).
#include "../common.h"
#include "../payload.h"
#include "../workload.h"
#include "sns.h"

#include <map>

namespace sb {

namespace {

std::string checkSnsEntry(const Json &e)
{
    for (const char *f : {"messageGroupId", "deduplicationId"})
        if (e.contains(f) && !e[f].is_string()) return std::string("'") + f + "' must be a string";
    if (e.contains("fields")) {
        if (!e["fields"].is_object()) return "'fields' must be an object of field name -> string or number";
        for (const auto &v : e["fields"])
            if (!v.is_string() && !v.is_number()) return "'fields' values must be strings or numbers";
    }
    return {};
}

inline constexpr SimTime kRetryBase = 100 * kMillisecond;
inline constexpr SimTime kMaxBackoff = 20 * kSecond;

class SnsPublisher final : public Node {
public:
    explicit SnsPublisher(const NodeSetup &s)
        : m_id(s.id), m_workload(s.properties), m_fields(s.properties.stringMap("fields")),
          m_attributes(s.properties.stringMap("messageAttributes"))
    {
        const auto &p = s.properties;
        m_groupTemplate = p.string("messageGroupId");
        m_dedupTemplate = p.string("deduplicationId");
        m_maxAttempts = static_cast<std::uint32_t>(p.integer("maxAttempts"));
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
        retryOrGiveUp(ctx, std::move(p), true, kNoStatus);
    }

    void onFrame(NodeContext &ctx, LinkIndex, Frame &f) override
    {
        if (f.type != FrameType::SnsPublishResponse) return;
        auto it = m_pending.find(f.tag);
        if (it == m_pending.end()) return;
        Pending p = std::move(it->second);
        m_pending.erase(it);
        ctx.cancelTimer(p.timer);
        if (f.status == SnsStatus::Ok) {
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
        const bool retryable = f.status == SnsStatus::Throttled || f.status >= 500;
        retryOrGiveUp(ctx, std::move(p), retryable, f.status);
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
    struct Pending {
        MessageRef message;
        std::shared_ptr<const SnsPublishRequest> request;
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
        auto req = std::make_shared<SnsPublishRequest>();
        std::vector<Field> attrs;
        m_attributes.generate(ctx.rng(), m->sequence, attrs);
        for (const auto &a : attrs) {
            m->headers.push_back({a.name, a.text});
            req->attributes.push_back({a.name, a.numeric ? "Number" : "String", a.text});
        }
        m_fields.generate(ctx.rng(), m->sequence, m->fields);
        if (item.entry) {
            for (const auto &h : Workload::entryHeaders(*item.entry)) {
                req->attributes.push_back({h.name, "String", h.value});
                m->headers.push_back(h);
            }
            if (item.entry->contains("fields"))
                for (auto it = (*item.entry)["fields"].begin(); it != (*item.entry)["fields"].end(); ++it) {
                    const Json &v = it.value();
                    m->fields.push_back(
                        v.is_number() ? Field{it.key(), numberText(v.get<double>()), v.get<double>(), true}
                                      : Field{it.key(), v.get<std::string>(), 0, false});
                }
        }
        const auto entryString = [&](const char *field, const std::string &fallback) {
            return item.entry && item.entry->contains(field) ? (*item.entry)[field].get<std::string>()
                                                             : fallback;
        };
        req->messageGroupId =
            expandTemplate(entryString("messageGroupId", m_groupTemplate), m->sequence, m->key, m_id, m->id);
        req->deduplicationId =
            expandTemplate(entryString("deduplicationId", m_dedupTemplate), m->sequence, m->key, m_id, m->id);
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
        f.type = FrameType::SnsPublish;
        f.tag = tag;
        f.deliveryCount = attempts;
        f.message = p.message;
        f.body = p.request;
        m_pending.emplace(tag, std::move(p));
        sendOnPort(ctx, SnsPublisherPort::Out, std::move(f));
    }

    void retryOrGiveUp(NodeContext &ctx, Pending p, bool canRetry, std::uint16_t status)
    {
        if (!canRetry || p.attempts >= m_maxAttempts) {
            TraceEvent e = messageEvent(TraceKind::Drop, p.message.get());
            e.reason = canRetry ? DropReason::RetriesExhausted : DropReason::Rejected;
            e.status = status;
            e.deliveryCount = p.attempts;
            ctx.trace(e);
            return;
        }
        const SimTime cap = std::min(
            kMaxBackoff,
            multiplyTime(kRetryBase, std::int64_t{1} << std::min<std::uint32_t>(p.attempts - 1, 20)));
        const SimTime delay = static_cast<SimTime>(ctx.rng().uniform01() * static_cast<double>(cap));
        const std::uint64_t key = ++m_nextRetry;
        m_retrying.emplace(key, std::move(p));
        ctx.startTimer(delay, (key << 1) | 1);
    }

    std::string m_id;
    Workload m_workload;
    PayloadFields m_fields;
    PayloadFields m_attributes;
    std::string m_groupTemplate, m_dedupTemplate;
    std::uint32_t m_maxAttempts = 3;
    SimTime m_timeout = 0;
    std::map<std::uint64_t, Pending> m_pending;
    std::map<std::uint64_t, Pending> m_retrying;
    std::uint64_t m_nextTag = 0, m_nextRetry = 0;
};

class HttpEndpoint final : public Node {
public:
    explicit HttpEndpoint(const NodeSetup &s)
    {
        const auto &p = s.properties;
        m_latency = p.distribution("latency");
        m_failure = p.number("failureProbability");
        m_failureStatus = static_cast<std::uint16_t>(p.integer("failureStatus"));
        m_outageAt = p.duration("outageAt");
        m_outageFor = p.duration("outageFor");
        m_outageStatus = static_cast<std::uint16_t>(p.integer("outageStatus"));
    }

    void onFrame(NodeContext &ctx, LinkIndex link, Frame &f) override
    {
        if (f.type != FrameType::SnsNotification || !f.message) return;
        const bool down =
            m_outageFor > 0 && ctx.now() >= m_outageAt && ctx.now() < addTime(m_outageAt, m_outageFor);
        if (down && m_outageStatus == 0) return; // no answer: the connection times out
        const std::uint64_t n = ++m_next;
        Request r{link, f.tag, f.deliveryCount, f.message, kNoStatus};
        if (down)
            r.status = m_outageStatus;
        else if (ctx.rng().bernoulli(m_failure))
            r.status = m_failureStatus;
        else
            r.status = 200;
        m_requests.emplace(n, std::move(r));
        ctx.startTimer(m_latency.sample(ctx.rng()), n);
    }

    void onTimer(NodeContext &ctx, std::uint64_t tag) override
    {
        auto it = m_requests.find(tag);
        if (it == m_requests.end()) return;
        Request r = std::move(it->second);
        m_requests.erase(it);
        if (r.status >= 200 && r.status <= 299) {
            TraceEvent e = messageEvent(TraceKind::Process, r.message.get());
            e.peer = ctx.peer(r.link);
            e.deliveryCount = r.attempt;
            e.aux = ctx.now() - r.message->publishedAt;
            ctx.trace(e);
        }
        Frame reply;
        reply.type = FrameType::SnsNotificationResponse;
        reply.response = true;
        reply.tag = r.tag;
        reply.status = r.status;
        reply.message = r.message;
        reply.deliveryCount = r.attempt;
        ctx.send(r.link, std::move(reply));
    }

    void onCrash(NodeContext &) override { m_requests.clear(); }

    NodeStatus status() const override
    {
        NodeStatus s;
        s.unacked = m_requests.size();
        return s;
    }

private:
    struct Request {
        LinkIndex link = kNoIndex;
        std::uint64_t tag = 0;
        std::uint32_t attempt = 0;
        MessageRef message;
        std::uint16_t status = kNoStatus;
    };
    Distribution m_latency;
    double m_failure = 0;
    std::uint16_t m_failureStatus = 500;
    SimTime m_outageAt = 0, m_outageFor = 0;
    std::uint16_t m_outageStatus = 0;
    std::map<std::uint64_t, Request> m_requests;
    std::uint64_t m_next = 0;
};

// The publisher's message for the routing inspector: its attributes and body fields as its rules
// give them for message 1, unless the person gave some.
RouteAnswer explainPublisher(const RouteQuestion &q)
{
    RouteAnswer a;
    RouteMessage m = q.message;
    Rng rng(1);
    if (m.headers.empty()) {
        std::vector<Field> attrs;
        PayloadFields(q.properties.stringMap("messageAttributes")).generate(rng, 1, attrs);
        for (const auto &f : attrs)
            m.headers.push_back({f.name, f.text});
    }
    if (m.fields.empty()) {
        std::vector<Field> fields;
        PayloadFields(q.properties.stringMap("fields")).generate(rng, 1, fields);
        for (const auto &f : fields)
            m.fields.push_back({f.name, f.text});
    }
    if (!m.keyGiven) m.key = q.properties.string("messageGroupId");
    a.note = "SNS publisher: Publish with " + std::to_string(m.headers.size()) + " message attributes and " +
             std::to_string(m.fields.size()) + " body fields";
    for (std::size_t i = 0; i < q.outputs.size(); ++i)
        a.verdicts.push_back({i, true, "Publish to the topic", -1, m});
    return a;
}

} // namespace

NodeKindSpec snsPublisherKind()
{
    NodeKindSpec k;
    k.kind = "sns-publisher";
    k.deliveryRole = DeliveryRole::Log;
    k.label = "SNS publisher";
    k.category = "Publish-subscribe";
    k.help =
        "Publishes messages to an Amazon SNS topic with message attributes and a JSON body; the AWS SDK's "
        "standard retries.";
    k.ports = {{"out", PortDirection::Out, Protocol::Sns, false, "Publish to an sns-topic."}};
    using T = PropertyType;
    k.properties = Workload::propertySpecs(
        {"messageGroupId", "deduplicationId", "fields"}, checkSnsEntry,
        R"({"at": 100, "headers": {"store": "example_corp"}, "fields": {"price_usd": 210.75}})");
    k.properties.push_back(PayloadFields::propertySpec());
    k.properties.back().help =
        "The JSON body's properties (what a FilterPolicyScope MessageBody policy filters on): a constant, "
        "uniform(1, 2000), normal(100, 15), exp(50), choice(US 50%, DE, FR) or seq.";
    {
        PropertySpec a = PayloadFields::propertySpec();
        a.key = "messageAttributes";
        a.label = "Message attributes";
        a.help =
            "Message attributes by name, each generated per message like a payload field (a constant, "
            "choice(...), uniform(...), seq): String attributes, Number when the value is a number. At most "
            "10 (SNS's limit).";
        auto fieldCheck = a.check;
        a.check = [fieldCheck](const Json &v) -> std::string {
            if (v.size() > std::size_t(SnsLimit::MaxMessageAttributes))
                return "at most 10 message attributes (SNS's limit), got " + std::to_string(v.size());
            const std::string why = fieldCheck(v);
            if (why.rfind("field ", 0) == 0) return "attribute " + why.substr(6);
            return why;
        };
        k.properties.push_back(std::move(a));
    }
    k.properties.push_back(property("messageGroupId", "Message group id", T::String, "",
                                    "FIFO topics: the MessageGroupId template ({key}, {seq}, {node}, {id}); "
                                    "required by a FIFO topic.",
                                    ""));
    k.properties.push_back(
        property("deduplicationId", "Deduplication id", T::String, "",
                 "FIFO topics: the MessageDeduplicationId template, e.g. {id}; empty: none "
                 "(the topic then needs contentBasedDeduplication).",
                 ""));
    k.properties.push_back(property("maxAttempts", "Max attempts", T::Integer, 3,
                                    "Attempts per Publish, the first included (the AWS SDKs' standard retry "
                                    "mode: 3).",
                                    "", 1, 100));
    k.properties.push_back(
        property("attemptTimeout", "Attempt timeout", T::Duration, 5000,
                 "How long an attempt waits for the topic's response before it is retried.", "ms", 1, {}));
    k.explainRoute = explainPublisher;
    k.factory = [](const NodeSetup &s) { return std::make_unique<SnsPublisher>(s); };
    return k;
}

NodeKindSpec httpEndpointKind()
{
    NodeKindSpec k;
    k.kind = "http-endpoint";
    k.deliveryRole = DeliveryRole::Log;
    k.label = "HTTP/S endpoint";
    k.category = "Publish-subscribe";
    k.help =
        "An HTTP/S endpoint subscribed to an SNS topic: answers each Notification POST with 200 after a "
        "latency, or fails (a status, or no answer) so SNS retries by the subscription's delivery policy.";
    k.ports = {
        {"in", PortDirection::In, Protocol::Sns, true, "Notification POSTs from an sns-topic's https port."}};
    using T = PropertyType;
    k.properties = {
        property("latency", "Latency", T::Distribution, "20ms",
                 "How long the endpoint takes to answer a POST (SNS waits 15 s, then counts the attempt as "
                 "failed).",
                 "ms"),
        property("failureProbability", "Failure probability", T::Probability, 0.0,
                 "The chance that a POST is answered with failureStatus instead of 200.", ""),
        property(
            "failureStatus", "Failure status", T::Integer, 500,
            "The HTTP status of a failed answer. SNS retries 5xx (and statuses outside 200-599); a 4xx is a "
            "client error it does not retry.",
            "", 100, 599),
        property("outageAt", "Outage at", T::Duration, 0, "When an outage begins (with outageFor).", "ms", 0,
                 {}),
        property("outageFor", "Outage for", T::Duration, 0,
                 "How long the endpoint is down from outageAt (0 = never down).", "ms", 0, {}),
        property(
            "outageStatus", "Outage status", T::Integer, 0,
            "What a POST gets during the outage: a status (503, say) at once, or nothing (0 = no answer), so "
            "each attempt ends with SNS's 15 s timeout.",
            "", 0, 599),
    };
    k.check = [](const PropertyBag &p, std::vector<std::pair<std::string, std::string>> &problems) {
        const auto s = p.integer("outageStatus");
        if (s != 0 && s < 100)
            problems.push_back({"outageStatus", "outageStatus is 0 (no answer) or an HTTP status 100..599"});
    };
    k.explainRoute = [](const RouteQuestion &) {
        return endRoute("HTTP/S endpoint: it answers the POST; SNS retries a failed one");
    };
    k.factory = [](const NodeSetup &s) { return std::make_unique<HttpEndpoint>(s); };
    return k;
}

std::vector<NodeTemplate> snsTemplates()
{
    return {
        {"sns-standard-topic", "SNS standard topic", "Amazon SNS", "sns-topic",
         "A standard topic: best-effort order, at-least-once delivery to its SQS and HTTP/S subscriptions.",
         Json::object()},
        {"sns-fifo-topic",
         "SNS FIFO topic",
         "Amazon SNS",
         "sns-topic",
         "A FIFO topic with content-based deduplication: ordered per message group, to SQS FIFO queues.",
         {{"fifo", true}, {"contentBasedDeduplication", true}}},
        {"sns-publisher", "SNS publisher", "Amazon SNS", "sns-publisher",
         "Publishes with message attributes; the AWS SDK's standard retry mode (3 attempts).",
         Json::object()},
        {"https-endpoint", "HTTPS endpoint", "Amazon SNS", "http-endpoint",
         "An HTTPS subscriber answering in about 20 ms; set failures or an outage to watch SNS retry.",
         Json::object()},
    };
}

} // namespace sb
