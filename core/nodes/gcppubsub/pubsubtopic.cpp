// pubsub-publisher and pubsub-topic.
// pubsub-publisher: generates messages with the shared workload and publishes each with
// Publisher.Publish: attributes (templates) and an ordering key (a template; empty = none), one
// message per request. A request without a response within attemptTimeout, or answered with a
// retryable code (UNAVAILABLE, DEADLINE_EXCEEDED, ABORTED, RESOURCE_EXHAUSTED, INTERNAL, UNKNOWN,
// CANCELLED: the client libraries' publish retry codes) is retried with exponential backoff (the
// Python library's defaults: initial 100 ms, multiplier 1.3, at most 60 s, with jitter) until the
// total timeout (60 s) passes. Traces Publish, Confirm (the response), Timeout, Retry, Nack (an
// error response) and Drop (RetriesExhausted, or Rejected for INVALID_ARGUMENT).
// pubsub-topic: answers each valid publish and hands the message to every subscription linked to
// it (Route, then a PubsubPublish carrying the ordering key, the server's publish time and the
// topic's retention). A subscription created later ignores what was published before it existed
// unless a seek reaches back into the topic's retention (pubsubsubscription.cpp).
// Pub/Sub stores messages durably across zones: a crash of the topic node loses nothing it
// answered. A publish with an invalid attribute or ordering key is refused with INVALID_ARGUMENT.
#include "../../callstatus.h"
#include "../common.h"
#include "../workload.h"
#include "gcppubsub.h"
#include "pubsubprotocol.h"

#include <algorithm>
#include <map>

namespace sb {

namespace {

std::string checkPubsubEntry(const Json &e)
{
    if (e.contains("orderingKey") && !e["orderingKey"].is_string()) return "'orderingKey' must be a string";
    return {};
}

bool retryablePublish(std::uint16_t s)
{
    return s == Grpc::Unavailable || s == Grpc::DeadlineExceeded || s == Grpc::Aborted ||
           s == Grpc::ResourceExhausted || s == Grpc::Internal || s == Grpc::Unknown || s == Grpc::Cancelled;
}

// Why a message's attributes or ordering key break Pub/Sub's limits, or empty.
std::string publishProblem(const Message &m, const std::string &orderingKey)
{
    if (m.headers.size() > PubsubLimit::MaxAttributes) return "more than 100 attributes";
    for (const auto &h : m.headers) {
        if (h.name.empty()) return "an attribute key is empty";
        if (h.name.size() > PubsubLimit::MaxAttributeKeyBytes)
            return "attribute key '" + h.name + "' is longer than 256 bytes";
        if (h.name.rfind("goog", 0) == 0)
            return "attribute key '" + h.name + "' starts with the reserved 'goog'";
        if (h.value.size() > PubsubLimit::MaxAttributeValueBytes)
            return "the value of attribute '" + h.name + "' is longer than 1024 bytes";
    }
    if (orderingKey.size() > PubsubLimit::MaxOrderingKeyBytes) return "the ordering key is longer than 1 KB";
    if (m.size > PubsubLimit::MaxMessageBytes) return "the message is larger than 10 MB";
    return {};
}

class PubsubPublisher final : public Node {
public:
    explicit PubsubPublisher(const NodeSetup &s) : m_id(s.id), m_workload(s.properties)
    {
        const auto &p = s.properties;
        m_attributes = p.stringMap("attributes");
        m_orderingKey = p.string("orderingKey");
        m_attemptTimeout = p.duration("attemptTimeout");
        m_totalTimeout = p.duration("totalTimeout");
        m_initialBackoff = p.duration("initialBackoff");
        m_maxBackoff = p.duration("maxBackoff");
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
            TraceEvent e = messageEvent(TraceKind::Retry, p.message.get());
            e.deliveryCount = p.attempts + 1;
            ctx.trace(e);
            transmit(ctx, std::move(p));
            return;
        }
        auto it = m_pending.find(n);
        if (it == m_pending.end()) return;
        Pending p = std::move(it->second);
        m_pending.erase(it);
        TraceEvent e = messageEvent(TraceKind::Timeout, p.message.get());
        e.deliveryCount = p.attempts;
        ctx.trace(e);
        retryOrGiveUp(ctx, std::move(p), true, Grpc::DeadlineExceeded);
    }

    void onFrame(NodeContext &ctx, LinkIndex, Frame &f) override
    {
        if (f.type != FrameType::PubsubPublishResponse) return;
        auto it = m_pending.find(f.tag);
        if (it == m_pending.end()) return; // the response to an attempt that timed out
        Pending p = std::move(it->second);
        m_pending.erase(it);
        ctx.cancelTimer(p.timer);
        if (f.status == Grpc::Ok) {
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
        retryOrGiveUp(ctx, std::move(p), retryablePublish(f.status), f.status);
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
        std::shared_ptr<const PubsubPublishBody> body;
        std::uint32_t attempts = 0;
        SimTime firstAt = 0;
        SimTime backoff = 0;
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
        for (const auto &[k, v] : m_attributes)
            m->headers.push_back({k, expandTemplate(v, m->sequence, m->key, m_id, m->id)});
        if (item.entry)
            for (auto &h : Workload::entryHeaders(*item.entry)) {
                auto same = std::find_if(m->headers.begin(), m->headers.end(),
                                         [&](const Header &x) { return x.name == h.name; });
                if (same != m->headers.end())
                    same->value = h.value;
                else
                    m->headers.push_back(std::move(h));
            }
        auto body = std::make_shared<PubsubPublishBody>();
        const std::string tmpl = item.entry && item.entry->contains("orderingKey")
                                     ? (*item.entry)["orderingKey"].get<std::string>()
                                     : m_orderingKey;
        body->orderingKey = expandTemplate(tmpl, m->sequence, m->key, m_id, m->id);
        ctx.announce(*m);
        TraceEvent e = messageEvent(TraceKind::Publish, m.get());
        e.aux = m->size;
        e.flags |= TraceFlag::Confirmed;
        ctx.trace(e);
        Pending p;
        p.message = std::move(m);
        p.body = std::move(body);
        p.firstAt = ctx.now();
        p.backoff = m_initialBackoff;
        transmit(ctx, std::move(p));
    }

    void transmit(NodeContext &ctx, Pending p)
    {
        const std::uint64_t tag = ++m_nextTag;
        ++p.attempts;
        p.timer = ctx.startTimer(m_attemptTimeout, tag << 1);
        Frame f;
        f.type = FrameType::PubsubPublish;
        f.tag = tag;
        f.deliveryCount = p.attempts;
        f.message = p.message;
        f.body = p.body;
        m_pending.emplace(tag, std::move(p));
        sendOnPort(ctx, PubsubPublisherPort::Out, std::move(f));
    }

    void retryOrGiveUp(NodeContext &ctx, Pending p, bool canRetry, std::uint16_t status)
    {
        // api_core's exponential retry: sleep a random time up to twice the current delay (at most
        // maxBackoff), the delay growing by 1.3 each time, until the total timeout has passed.
        const SimTime sleep = std::min(
            m_maxBackoff, static_cast<SimTime>(ctx.rng().uniform01() * 2.0 * static_cast<double>(p.backoff)));
        if (!canRetry || ctx.now() + sleep - p.firstAt >= m_totalTimeout) {
            TraceEvent e = messageEvent(TraceKind::Drop, p.message.get());
            e.reason = canRetry ? DropReason::RetriesExhausted : DropReason::Rejected;
            e.status = status;
            e.deliveryCount = p.attempts;
            ctx.trace(e);
            return;
        }
        p.backoff = std::min(m_maxBackoff, static_cast<SimTime>(static_cast<double>(p.backoff) * 1.3));
        const std::uint64_t key = ++m_nextRetry;
        m_retrying.emplace(key, std::move(p));
        ctx.startTimer(sleep, (key << 1) | 1);
    }

    std::string m_id;
    Workload m_workload;
    std::vector<std::pair<std::string, std::string>> m_attributes;
    std::string m_orderingKey;
    SimTime m_attemptTimeout = 0, m_totalTimeout = 0, m_initialBackoff = 0, m_maxBackoff = 0;
    std::map<std::uint64_t, Pending> m_pending; // by request tag
    std::map<std::uint64_t, Pending> m_retrying;
    std::uint64_t m_nextTag = 0, m_nextRetry = 0;
};

class PubsubTopic final : public Node {
public:
    explicit PubsubTopic(const NodeSetup &s) : m_retention(s.properties.duration("messageRetentionDuration"))
    {
    }

    void onFrame(NodeContext &ctx, LinkIndex from, Frame &f) override
    {
        if (f.type != FrameType::PubsubPublish || !f.message) return;
        const auto *req = f.as<PubsubPublishBody>();
        const std::string orderingKey = req ? req->orderingKey : std::string();
        Frame r;
        r.type = FrameType::PubsubPublishResponse;
        r.response = true;
        r.tag = f.tag;
        r.message = f.message;
        if (const std::string problem = publishProblem(*f.message, orderingKey); !problem.empty()) {
            TraceEvent e = messageEvent(TraceKind::Drop, f.message.get());
            e.reason = DropReason::RejectPublish;
            e.status = Grpc::InvalidArgument;
            e.peer = ctx.peer(from);
            e.link = from;
            ctx.trace(e);
            r.status = Grpc::InvalidArgument;
            if (f.tag) ctx.send(from, std::move(r));
            return;
        }
        // A retried publish whose first attempt got through is stored again: without the
        // publisher's idempotence Pub/Sub may deliver it twice (same message id here).
        auto body = std::make_shared<PubsubPublishBody>();
        body->orderingKey = orderingKey;
        body->publishTime = ctx.now();
        body->topicRetention = m_retention;
        std::shared_ptr<const FrameBody> shared = std::move(body);
        const auto subs = ctx.links(PubsubTopicPort::Subscriptions);
        for (LinkIndex l : subs) {
            TraceEvent e = messageEvent(TraceKind::Route, f.message.get());
            e.peer = ctx.peer(l);
            e.link = l;
            ctx.trace(e);
            Frame out;
            out.type = FrameType::PubsubPublish;
            out.message = f.message;
            out.body = shared;
            ctx.send(l, std::move(out));
        }
        if (subs.empty()) {
            // No subscription: Pub/Sub accepts the publish and keeps the message for nobody.
            TraceEvent e = messageEvent(TraceKind::Drop, f.message.get());
            e.reason = DropReason::NoSubscribers;
            ctx.trace(e);
        }
        r.status = Grpc::Ok;
        if (f.tag) ctx.send(from, std::move(r));
    }

private:
    SimTime m_retention = 0;
};

} // namespace

NodeKindSpec pubsubPublisherKind()
{
    NodeKindSpec k;
    k.kind = "pubsub-publisher";
    k.label = "Pub/Sub publisher";
    k.category = "Publish-subscribe";
    k.help = "Publishes to a Google Cloud Pub/Sub topic: attributes and an ordering key per message, with "
             "the client library's publish retries.";
    k.ports = {{"out", PortDirection::Out, Protocol::Pubsub, false, "Publish to a pubsub-topic.",
                PortSpec::Need::Required}};
    using T = PropertyType;
    k.properties = Workload::propertySpecs({"orderingKey"}, checkPubsubEntry,
                                           "{\"at\": \"10ms\", \"key\": \"k\", \"orderingKey\": "
                                           "\"customer-7\", \"headers\": {\"region\": \"eu\"}}");
    const std::vector<PropertySpec> own = {
        property("attributes", "Attributes", T::StringMap, Json::object(),
                 "Message attributes (key -> value template: {key}, {seq}, {node}, {id}); a script entry's "
                 "headers add to them. At most 100; keys up to 256 bytes, not starting with 'goog'; values "
                 "up to 1,024 bytes.",
                 ""),
        property("orderingKey", "Ordering key", T::String, "",
                 "The ordering key template ({key}, {seq}, {node}, {id}); empty = none. Subscriptions with "
                 "message ordering deliver the messages of one key in publish order (up to 1 KB).",
                 ""),
        property("attemptTimeout", "Attempt timeout", T::Duration, 10000,
                 "How long one Publish request waits for its response before it is retried.", "ms", 0.001,
                 {}),
        property("totalTimeout", "Total timeout", T::Duration, 60000,
                 "Retries stop once this long has passed since the first attempt (the client libraries' "
                 "publish timeout, 60 s).",
                 "ms", 0.001, {}),
        property("initialBackoff", "Initial backoff", T::Duration, 100,
                 "The first retry delay (x1.3 per retry, jittered: the Python library's 100 ms).", "ms", 0,
                 {}),
        property("maxBackoff", "Max backoff", T::Duration, 60000, "The retry delay's cap (60 s).", "ms", 0,
                 {}),
    };
    k.properties.insert(k.properties.end(), own.begin(), own.end());
    k.check = [](const PropertyBag &p, std::vector<std::pair<std::string, std::string>> &problems) {
        const auto attrs = p.stringMap("attributes");
        if (attrs.size() > PubsubLimit::MaxAttributes)
            problems.push_back({"attributes", "Pub/Sub allows at most 100 attributes per message"});
        for (const auto &[key, value] : attrs) {
            if (key.rfind("goog", 0) == 0)
                problems.push_back(
                    {"attributes", "attribute key '" + key + "' starts with 'goog', which Pub/Sub reserves"});
            if (key.size() > PubsubLimit::MaxAttributeKeyBytes)
                problems.push_back({"attributes", "attribute key '" + key + "' is longer than 256 bytes"});
            if (value.size() > PubsubLimit::MaxAttributeValueBytes)
                problems.push_back(
                    {"attributes", "the value of attribute '" + key + "' is longer than 1,024 bytes"});
        }
        if (p.string("orderingKey").size() > PubsubLimit::MaxOrderingKeyBytes)
            problems.push_back({"orderingKey", "an ordering key is at most 1 KB"});
    };
    k.explainRoute = [](const RouteQuestion &q) {
        RouteAnswer a;
        // Its first message: the workload's key, the attribute and ordering-key templates expanded
        // with it (as publish does), unless the person gave them.
        std::string filled;
        RouteMessage m = producedMessage(q, "", filled);
        const std::string node(q.node);
        for (const auto &[key, value] : q.properties.stringMap("attributes"))
            if (!m.header(key)) m.headers.emplace_back(key, expandTemplate(value, 1, m.key, node, 1));
        if (!q.message.keyGiven) {
            m.key = expandTemplate(q.properties.string("orderingKey"), 1, m.key, node, 1);
            m.keyGiven = true;
        }
        a.note = "publishes with " + std::to_string(m.headers.size()) + " attribute(s)" +
                 (m.key.empty() ? ", no ordering key" : ", ordering key '" + m.key + "'");
        for (std::size_t i = 0; i < q.outputs.size(); ++i) {
            if (q.outputs[i].inbound) continue;
            RouteVerdict v;
            v.output = i;
            v.taken = true;
            v.why = "Publish to the topic";
            v.message = m;
            a.verdicts.push_back(std::move(v));
        }
        return a;
    };
    k.factory = [](const NodeSetup &s) { return std::make_unique<PubsubPublisher>(s); };
    return k;
}

NodeKindSpec pubsubTopicKind()
{
    NodeKindSpec k;
    k.kind = "pubsub-topic";
    k.label = "Pub/Sub topic";
    k.category = "Publish-subscribe";
    k.help = "A Google Cloud Pub/Sub topic: stores each published message once for every subscription "
             "attached to it when it is published.";
    k.ports = {
        {"publish", PortDirection::In, Protocol::Pubsub, true,
         "Publish from pubsub-publishers, and a subscription's dead-lettered messages."},
        {"subscriptions", PortDirection::Out, Protocol::Pubsub, true,
         "The subscriptions attached to the topic (pubsub-subscription's topic port)."},
    };
    using T = PropertyType;
    k.properties = {
        property(
            "messageRetentionDuration", "Message retention", T::Duration, 0,
            "Topic retention: every message published in this window stays available to the topic's "
            "subscriptions for seek, acknowledged or not and even if published before a subscription was "
            "created (10 minutes to 31 days; 0 = not set: retention is each subscription's).",
            "ms", 0, 31 * 24 * 3600e3),
    };
    k.check = [](const PropertyBag &p, std::vector<std::pair<std::string, std::string>> &problems) {
        const SimTime r = p.duration("messageRetentionDuration");
        if (r > 0 && r < PubsubLimit::MinRetention)
            problems.push_back(
                {"messageRetentionDuration", "messageRetentionDuration " + formatDuration(r) +
                                                 " is less than Pub/Sub's minimum of 10 minutes"});
    };
    k.explainRoute = [](const RouteQuestion &q) {
        RouteAnswer a;
        std::size_t taken = 0;
        for (std::size_t i = 0; i < q.outputs.size(); ++i) {
            const RouteOutput &o = q.outputs[i];
            RouteVerdict v;
            v.output = i;
            v.message = q.message;
            if (o.port != "subscriptions") {
                v.why = "not a route";
            } else if (o.peerKind && o.peerKind->explainRoute && o.peerKind->kind == "pubsub-subscription" &&
                       o.peerProperties) {
                // The subscription's filter decides (its own answer, asked for its input side).
                std::vector<RouteOutput> none;
                RouteQuestion sub{*o.peerProperties, q.message, none, "topic"};
                const RouteAnswer s = o.peerKind->explainRoute(sub);
                v.taken = !s.note.starts_with("filtered out");
                v.why = s.note;
            } else {
                v.taken = true;
                v.why = "attached subscription";
            }
            taken += v.taken;
            a.verdicts.push_back(std::move(v));
        }
        a.note = "Pub/Sub topic: " + std::to_string(taken) + " of " + std::to_string(q.outputs.size()) +
                 " subscription(s) keep the message";
        return a;
    };
    k.factory = [](const NodeSetup &s) { return std::make_unique<PubsubTopic>(s); };
    return k;
}

} // namespace sb
