// sns-topic: an Amazon SNS topic, standard or FIFO, with the rules of the SNS Developer Guide.
// - Publish: a message up to 256 KiB with at most 10 attributes is accepted (200) and fanned out to
//   every subscription whose filter policy it passes (snsfilterpolicy.h; scope MessageAttributes
//   or MessageBody). A subscription whose policy it fails does not get it: Drop Filtered with peer =
//   that subscriber. The publisher's call succeeds either way; with no subscription at all the
//   message is dropped (NoSubscribers).
// - Each delivery is a Match (peer = the subscriber): to an SQS subscription a SendMessage, to an
//   HTTP/S one a Notification POST. The pub-sub checker pairs it with the endpoint's Process, or
//   the queue's Enqueue. (All SNS kinds are pub-sub nodes to the delivery checker, DeliveryRole
//   Log, as MQTT's and NATS's are.) Without RawMessageDelivery the subscriber gets the JSON envelope
//   (Type "Notification", MessageId, TopicArn, Message, Timestamp, ..., MessageAttributes).
// - Failed deliveries are retried by the delivery policy (snsprotocol.h): for HTTP/S the
//   subscription's (default 3 retries 20 s apart), a 5xx, a status outside 200-599 or no answer
//   within 15 s being a failure; for SQS SNS's fixed policy for AWS managed endpoints (a throttled
//   or unanswered SendMessage). Traced: Nack (status) or Timeout, then Retry (deliveryCount = the
//   attempt). A client error (an HTTP 4xx, an SQS error other than throttling) is not retried.
//   When the policy is spent, or on a client error: Drop (RetriesExhausted, Rejected) for that
//   subscriber, then, when its RedrivePolicy names one, DeadLetter and a SendMessage to the
//   dead-letter queue.
// - FIFO topics: Publish needs a MessageGroupId and a MessageDeduplicationId (or
//   contentBasedDeduplication); a deduplication id seen in the last 5 minutes is accepted and not
//   delivered again (Drop Deduplicated). Each subscription gets a group's messages in order: while
//   one is being delivered (retries included) the next of its group waits. Deliveries to SQS FIFO
//   queues carry the group and deduplication ids. FIFO topics deliver to SQS queues only.
// - SNS stores messages across availability zones: a crash of the topic loses no delivery; after
//   the restart every pending delivery is attempted again.
#include "../../callstatus.h"
#include "../../topology.h"
#include "../common.h"
#include "../sqs/sqsprotocol.h"
#include "sns.h"

#include <deque>
#include <map>
#include <unordered_map>

namespace sb {

namespace {

std::string topicArn(const std::string &id, bool fifo)
{
    std::string name = id;
    if (fifo && (name.size() < 5 || name.compare(name.size() - 5, 5, ".fifo") != 0)) name += ".fifo";
    return "arn:aws:sns:us-east-1:123456789012:" + name;
}

// SNS's MessageId is a UUID; here one made from the message id, stable across deliveries.
std::string snsMessageId(std::uint64_t id)
{
    char buf[48];
    std::snprintf(buf, sizeof buf, "00000000-0000-4000-8000-%012llx",
                  static_cast<unsigned long long>(id & 0xffffffffffffULL));
    return buf;
}

std::string isoTime(SimTime t)
{
    // Virtual time from an arbitrary epoch, in the envelope's ISO 8601 format.
    const std::int64_t ms = t / kMillisecond;
    char buf[48];
    std::snprintf(buf, sizeof buf, "1970-01-01T%02lld:%02lld:%02lld.%03lldZ",
                  static_cast<long long>(ms / 3600000 % 24), static_cast<long long>(ms / 60000 % 60),
                  static_cast<long long>(ms / 1000 % 60), static_cast<long long>(ms % 1000));
    return buf;
}

// What FIFO content-based deduplication hashes (SNS: the SHA-256 of the body); a stable FNV-1a of
// the body's fields and size stands for it.
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
    for (const auto &f : m.fields) {
        mix(f.name);
        mix(f.text);
    }
    mix(m.key);
    mix(std::to_string(m.size));
    return "sha256:" + std::to_string(h);
}

// The envelope's fields, in the order SNS writes them.
std::vector<Field> envelope(const Message &m, const std::string &arn,
                            const std::vector<SnsAttribute> &attributes, SimTime now)
{
    auto text = [](std::string name, std::string v) {
        return Field{std::move(name), std::move(v), 0, false};
    };
    std::vector<Field> f;
    f.push_back(text("Type", "Notification"));
    f.push_back(text("MessageId", snsMessageId(m.id)));
    f.push_back(text("TopicArn", arn));
    f.push_back(text("Message", m.fields.empty() ? std::string() : snsBodyJson(m.fields).dump()));
    f.push_back(text("Timestamp", isoTime(now)));
    f.push_back(text("SignatureVersion", "1"));
    f.push_back(text("Signature", "EXAMPLE"));
    f.push_back(text("SigningCertURL", "https://sns.us-east-1.amazonaws.com/SimpleNotificationService.pem"));
    f.push_back(
        text("UnsubscribeURL",
             "https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=" + arn + ":..."));
    if (!attributes.empty()) {
        Json a = Json::object();
        for (const auto &at : attributes)
            a[at.name] = {{"Type", at.type}, {"Value", at.value}};
        f.push_back(text("MessageAttributes", a.dump()));
    }
    return f;
}

class SnsTopic final : public Node {
public:
    explicit SnsTopic(const NodeSetup &s) : m_id(s.id)
    {
        m_fifo = s.properties.boolean("fifo");
        m_contentDedup = s.properties.boolean("contentBasedDeduplication");
        m_arn = topicArn(m_id, m_fifo);
        for (const auto &b : s.bindings)
            m_bindings[b.link] = {b.key, b.arguments};
    }

    void start(NodeContext &ctx) override
    {
        m_subs.clear();
        for (PortIndex port : {SnsTopicPort::Sqs, SnsTopicPort::Https})
            for (LinkIndex link : ctx.links(port)) {
                Subscription s;
                s.link = link;
                s.peer = ctx.peer(link);
                s.https = port == SnsTopicPort::Https;
                auto b = m_bindings.find(link);
                std::vector<SnsAttributeProblem> problems; // validation reported them
                s.attrs = parseSnsSubscription(b != m_bindings.end() ? b->second.arguments : Json::object(),
                                               s.https, problems);
                if (!s.attrs.deadLetterTarget.empty())
                    for (LinkIndex dl : ctx.links(SnsTopicPort::DeadLetter)) {
                        auto db = m_bindings.find(dl);
                        if (db != m_bindings.end() && db->second.key == s.attrs.deadLetterTarget)
                            s.deadLetter = dl;
                    }
                m_subs.push_back(std::move(s));
            }
    }

    void onFrame(NodeContext &ctx, LinkIndex from, Frame &f) override
    {
        if (f.type == FrameType::SnsPublish && !f.response) return onPublish(ctx, from, f);
        if ((f.type == FrameType::SendMessage && f.response) || f.type == FrameType::SnsNotificationResponse)
            onDeliveryResponse(ctx, f);
    }

    void onTimer(NodeContext &ctx, std::uint64_t tag) override
    {
        auto t = m_timers.find(tag);
        if (t == m_timers.end()) return;
        const auto [kind, n] = t->second;
        m_timers.erase(t);
        if (kind == TimerKind::Response) {
            auto it = m_inFlight.find(n);
            if (it == m_inFlight.end()) return;
            const std::uint64_t key = it->second;
            m_inFlight.erase(it);
            Delivery &d = m_deliveries.at(key);
            TraceEvent e = messageEvent(TraceKind::Timeout, d.message.get());
            e.peer = m_subs[d.sub].peer;
            e.link = m_subs[d.sub].link;
            e.deliveryCount = d.attempts;
            ctx.trace(e);
            retryOrGiveUp(ctx, key);
            return;
        }
        auto it = m_deliveries.find(n);
        if (it == m_deliveries.end()) return;
        if (kind == TimerKind::Retry) {
            TraceEvent e = messageEvent(TraceKind::Retry, it->second.message.get());
            e.peer = m_subs[it->second.sub].peer;
            e.link = m_subs[it->second.sub].link;
            e.deliveryCount = it->second.attempts + 1;
            ctx.trace(e);
        }
        attempt(ctx, n, kind == TimerKind::Throttle);
    }

    void onCrash(NodeContext &) override
    {
        // Deliveries are stored redundantly: they survive. Attempts in flight and timers do not.
        m_inFlight.clear();
        m_timers.clear();
    }

    void onRestart(NodeContext &ctx) override
    {
        start(ctx);
        for (auto &[key, d] : m_deliveries) {
            if (!d.active) continue;
            TraceEvent e = messageEvent(TraceKind::Retry, d.message.get());
            e.peer = m_subs[d.sub].peer;
            e.link = m_subs[d.sub].link;
            e.deliveryCount = d.attempts + 1;
            ctx.trace(e);
            attempt(ctx, key, false);
        }
    }

    NodeStatus status() const override
    {
        NodeStatus s;
        s.inFlight = m_deliveries.size();
        return s;
    }

private:
    enum class TimerKind : std::uint8_t { Response, Retry, Throttle };
    struct BindingArgs {
        std::string key;
        Json arguments;
    };
    struct Subscription {
        LinkIndex link = kNoIndex;
        NodeIndex peer = kNoIndex;
        bool https = false;
        SnsSubscriptionAttributes attrs;
        LinkIndex deadLetter = kNoIndex;
        SimTime nextSend = 0; // throttlePolicy
    };
    struct Delivery {
        std::size_t sub = 0;
        MessageRef message; // as the subscriber gets it (raw or the envelope)
        std::string group, dedup;
        std::uint32_t attempts = 0;
        TimerId timer = kNoTimer;
        bool active = false; // false while it waits behind its FIFO group
    };

    std::uint64_t timer(NodeContext &ctx, SimTime delay, TimerKind kind, std::uint64_t n)
    {
        const std::uint64_t tag = ++m_timerTag;
        m_timers[tag] = {kind, n};
        ctx.startTimer(delay, tag);
        return tag;
    }

    void respond(NodeContext &ctx, LinkIndex link, const Frame &request, std::uint16_t status)
    {
        Frame r;
        r.type = FrameType::SnsPublishResponse;
        r.response = true;
        r.tag = request.tag;
        r.status = status;
        r.message = request.message;
        r.deliveryCount = request.deliveryCount;
        ctx.send(link, std::move(r));
    }

    void onPublish(NodeContext &ctx, LinkIndex from, Frame &f)
    {
        if (!f.message) return;
        const SnsPublishRequest none;
        const SnsPublishRequest &req = f.as<SnsPublishRequest>() ? *f.as<SnsPublishRequest>() : none;
        auto refuse = [&](std::uint16_t status) {
            TraceEvent e = messageEvent(TraceKind::Drop, f.message.get());
            e.reason = DropReason::RejectPublish;
            e.status = status;
            e.peer = ctx.peer(from);
            e.link = from;
            ctx.trace(e);
            respond(ctx, from, f, status);
        };
        if (f.message->size > SnsLimit::MaxMessageSize) return refuse(SnsStatus::InvalidParameter);
        const std::size_t attributeCount =
            f.as<SnsPublishRequest>() ? req.attributes.size() : f.message->headers.size();
        if (attributeCount > std::size_t(SnsLimit::MaxMessageAttributes))
            return refuse(SnsStatus::InvalidParameter);
        std::string dedup = req.deduplicationId;
        if (m_fifo) {
            if (req.messageGroupId.empty()) return refuse(SnsStatus::InvalidParameter);
            if (dedup.empty() && m_contentDedup) dedup = contentDigest(*f.message);
            if (dedup.empty()) return refuse(SnsStatus::InvalidParameter);
            auto [it, fresh] = m_dedup.try_emplace(dedup, ctx.now() + SnsLimit::DeduplicationInterval);
            if (!fresh && it->second > ctx.now()) {
                TraceEvent e = messageEvent(TraceKind::Drop, f.message.get());
                e.reason = DropReason::Deduplicated;
                e.peer = ctx.peer(from);
                e.link = from;
                ctx.trace(e);
                respond(ctx, from, f, SnsStatus::Ok);
                return;
            }
            it->second = ctx.now() + SnsLimit::DeduplicationInterval;
            pruneDedup(ctx);
        }
        respond(ctx, from, f, SnsStatus::Ok);
        fanOut(ctx, f.message, req, dedup);
    }

    void pruneDedup(NodeContext &ctx)
    {
        if (m_dedup.size() < 2 * m_dedupSwept + 64) return;
        for (auto it = m_dedup.begin(); it != m_dedup.end();)
            it = it->second <= ctx.now() ? m_dedup.erase(it) : std::next(it);
        m_dedupSwept = m_dedup.size();
    }

    void fanOut(NodeContext &ctx, const MessageRef &m, const SnsPublishRequest &req, const std::string &dedup)
    {
        if (m_subs.empty()) {
            TraceEvent e = messageEvent(TraceKind::Drop, m.get());
            e.reason = DropReason::NoSubscribers;
            ctx.trace(e);
            return;
        }
        std::vector<SnsAttribute> attrs = req.attributes;
        if (attrs.empty())
            for (const auto &h : m->headers)
                attrs.push_back({h.name, "String", h.value});
        const Json attributes = snsAttributesJson(attrs);
        const Json body = snsBodyJson(m->fields);
        MessageRef wrapped;
        for (std::size_t i = 0; i < m_subs.size(); ++i) {
            const Subscription &s = m_subs[i];
            if (s.attrs.filter) {
                std::string why;
                const bool bodyScope = s.attrs.scope == SnsFilterPolicy::Scope::MessageBody;
                if (!s.attrs.filter->matches(bodyScope ? body : attributes, &why)) {
                    TraceEvent e = messageEvent(TraceKind::Drop, m.get());
                    e.reason = DropReason::Filtered;
                    e.peer = s.peer;
                    ctx.trace(e);
                    continue;
                }
            }
            if (!s.attrs.raw && !wrapped) {
                auto w = std::make_shared<Message>(*m);
                w->headers.clear();
                w->fields = envelope(*m, m_arn, attrs, ctx.now());
                std::size_t bytes = 0;
                for (const auto &f : w->fields)
                    bytes += f.name.size() + f.text.size() + 8;
                w->size = m->size + static_cast<std::uint32_t>(bytes);
                wrapped = std::move(w);
            }
            TraceEvent e = messageEvent(TraceKind::Match, m.get());
            e.peer = s.peer;
            e.link = s.link;
            ctx.trace(e);
            const std::uint64_t key = ++m_nextDelivery;
            Delivery d;
            d.sub = i;
            d.message = s.attrs.raw ? m : wrapped;
            d.group = req.messageGroupId;
            d.dedup = dedup;
            auto &slot = m_deliveries.emplace(key, std::move(d)).first->second;
            if (m_fifo) {
                auto &waiting = m_groups[{i, slot.group}];
                waiting.push_back(key);
                if (waiting.size() > 1) continue; // behind an earlier message of its group
            }
            attempt(ctx, key, false);
        }
    }

    void attempt(NodeContext &ctx, std::uint64_t key, bool throttled)
    {
        Delivery &d = m_deliveries.at(key);
        Subscription &s = m_subs[d.sub];
        d.active = true;
        const double rate = s.https ? s.attrs.delivery.maxReceivesPerSecond : 0;
        if (rate > 0) {
            // throttlePolicy: deliveries to the subscription at most maxReceivesPerSecond.
            const SimTime gap = static_cast<SimTime>(double(kSecond) / rate);
            if (!throttled && s.nextSend > ctx.now()) {
                d.timer = timer(ctx, s.nextSend - ctx.now(), TimerKind::Throttle, key);
                s.nextSend = addTime(s.nextSend, gap);
                return;
            }
            s.nextSend = std::max(s.nextSend, addTime(ctx.now(), gap));
        }
        ++d.attempts;
        const std::uint64_t tag = ++m_nextTag;
        Frame f;
        f.tag = tag;
        f.deliveryCount = d.attempts;
        f.redelivered = d.attempts > 1;
        f.message = d.message;
        if (s.https) {
            f.type = FrameType::SnsNotification;
            auto body = std::make_shared<SnsNotificationBody>();
            body->topicArn = m_arn;
            body->raw = s.attrs.raw;
            f.body = std::move(body);
        } else {
            f.type = FrameType::SendMessage;
            auto body = std::make_shared<SqsSendRequest>();
            if (m_fifo) {
                body->messageGroupId = d.group;
                body->deduplicationId = d.dedup;
            }
            f.body = std::move(body);
        }
        m_inFlight[tag] = key;
        d.timer = timer(ctx, SnsLimit::HttpTimeout, TimerKind::Response, tag);
        ctx.send(s.link, std::move(f));
    }

    void onDeliveryResponse(NodeContext &ctx, const Frame &f)
    {
        auto it = m_inFlight.find(f.tag);
        if (it == m_inFlight.end()) return; // after its timeout, or the dead-letter queue's answer
        const std::uint64_t key = it->second;
        m_inFlight.erase(it);
        Delivery &d = m_deliveries.at(key);
        const Subscription &s = m_subs[d.sub];
        m_timers.erase(d.timer);
        bool ok = false, retry = false;
        if (s.https) {
            ok = f.status >= 200 && f.status <= 299;
            // SNS: a status in 500-599, or outside 200-599, is a failed attempt and retried.
            retry = !ok && (f.status >= 500 || f.status < 200);
        } else {
            ok = f.status == SqsError::None;
            retry = f.status == SqsError::RequestThrottled;
        }
        if (ok) return finish(ctx, key);
        TraceEvent e = messageEvent(TraceKind::Nack, d.message.get());
        e.peer = s.peer;
        e.link = s.link;
        e.status = f.status;
        e.deliveryCount = d.attempts;
        e.frame = f.type;
        ctx.trace(e);
        if (retry)
            retryOrGiveUp(ctx, key);
        else
            giveUp(ctx, key, DropReason::Rejected, f.status);
    }

    void retryOrGiveUp(NodeContext &ctx, std::uint64_t key)
    {
        Delivery &d = m_deliveries.at(key);
        const SimTime delay = m_subs[d.sub].attrs.delivery.delayBefore(d.attempts);
        if (delay < 0) return giveUp(ctx, key, DropReason::RetriesExhausted, kNoStatus);
        d.timer = timer(ctx, delay, TimerKind::Retry, key);
    }

    void giveUp(NodeContext &ctx, std::uint64_t key, DropReason reason, std::uint16_t status)
    {
        Delivery &d = m_deliveries.at(key);
        const Subscription &s = m_subs[d.sub];
        TraceEvent e = messageEvent(TraceKind::Drop, d.message.get());
        e.reason = reason;
        e.peer = s.peer;
        e.status = status;
        e.deliveryCount = d.attempts;
        ctx.trace(e);
        if (s.deadLetter != kNoIndex) {
            TraceEvent dl = messageEvent(TraceKind::DeadLetter, d.message.get());
            dl.reason = reason;
            dl.peer = ctx.peer(s.deadLetter);
            dl.link = s.deadLetter;
            dl.deliveryCount = d.attempts;
            ctx.trace(dl);
            Frame f;
            f.type = FrameType::SendMessage;
            f.tag = ++m_nextTag; // its response is not waited for
            f.message = d.message;
            auto body = std::make_shared<SqsSendRequest>();
            if (m_fifo) {
                body->messageGroupId = d.group;
                body->deduplicationId = d.dedup;
            }
            f.body = std::move(body);
            ctx.send(s.deadLetter, std::move(f));
        }
        finish(ctx, key);
    }

    // The delivery is done (delivered or given up): the next of its FIFO group may go.
    void finish(NodeContext &ctx, std::uint64_t key)
    {
        auto it = m_deliveries.find(key);
        const std::size_t sub = it->second.sub;
        const std::string group = it->second.group;
        m_deliveries.erase(it);
        if (!m_fifo) return;
        auto g = m_groups.find({sub, group});
        if (g == m_groups.end()) return;
        if (!g->second.empty() && g->second.front() == key) g->second.pop_front();
        if (g->second.empty()) {
            m_groups.erase(g);
            return;
        }
        attempt(ctx, g->second.front(), false);
    }

    std::string m_id;
    std::string m_arn;
    bool m_fifo = false;
    bool m_contentDedup = false;
    std::unordered_map<LinkIndex, BindingArgs> m_bindings;
    std::vector<Subscription> m_subs;
    std::map<std::uint64_t, Delivery> m_deliveries; // by delivery key, in publish order
    std::map<std::pair<std::size_t, std::string>, std::deque<std::uint64_t>> m_groups; // FIFO
    std::unordered_map<std::uint64_t, std::uint64_t> m_inFlight; // request tag -> delivery
    std::unordered_map<std::uint64_t, std::pair<TimerKind, std::uint64_t>> m_timers;
    std::unordered_map<std::string, SimTime> m_dedup;
    std::size_t m_dedupSwept = 0;
    std::uint64_t m_nextDelivery = 0, m_nextTag = 0, m_timerTag = 0;
};

// A header as the inspector's person wrote it: a number when it reads as one (a Number attribute).
Json routeValue(const std::string &v)
{
    char *end = nullptr;
    const double n = std::strtod(v.c_str(), &end);
    if (!v.empty() && end && *end == 0) return n;
    if (!v.empty() && v.front() == '[') {
        JsonError e;
        if (auto parsed = parseJson(v, e); parsed && parsed->is_array()) return *parsed;
    }
    return v;
}

RouteAnswer explainTopic(const RouteQuestion &q)
{
    RouteAnswer a;
    const bool fifo = q.properties.boolean("fifo");
    Json attributes = Json::object(), body = Json::object();
    std::vector<SnsAttribute> typed;
    for (const auto &[k, v] : q.message.headers) {
        attributes[k] = routeValue(v);
        typed.push_back({k,
                         attributes[k].is_number()  ? "Number"
                         : attributes[k].is_array() ? "String.Array"
                                                    : "String",
                         v});
    }
    for (const auto &[k, v] : q.message.fields)
        body[k] = routeValue(v);
    std::size_t subs = 0, taken = 0;
    for (std::size_t i = 0; i < q.outputs.size(); ++i) {
        const RouteOutput &o = q.outputs[i];
        RouteVerdict v;
        v.output = i;
        if (o.port == "deadLetter") {
            v.why = "a dead-letter queue: it gets only deliveries whose retries ran out (a subscription's "
                    "RedrivePolicy names it)";
            a.verdicts.push_back(std::move(v));
            continue;
        }
        ++subs;
        std::vector<SnsAttributeProblem> problems;
        const auto attrs = parseSnsSubscription(o.hasBinding ? o.bindingArguments : Json::object(),
                                                o.port == "https", problems);
        const char *scope =
            attrs.scope == SnsFilterPolicy::Scope::MessageBody ? "MessageBody" : "MessageAttributes";
        if (!problems.empty()) {
            v.why = "invalid subscription attributes: " + problems.front().message;
        } else if (!attrs.filter) {
            v.taken = true;
            v.why = "no filter policy: the subscription gets every message";
        } else {
            std::string why;
            v.taken = attrs.filter->matches(
                attrs.scope == SnsFilterPolicy::Scope::MessageBody ? body : attributes, &why);
            v.why = v.taken ? std::string("filter policy (") + scope + ") matches"
                            : std::string("filter policy (") + scope + "): " + why;
        }
        if (v.taken) {
            ++taken;
            RouteMessage out = q.message;
            if (!attrs.raw) {
                Message m;
                for (const auto &[k, val] : q.message.fields) {
                    const Json j = routeValue(val);
                    m.fields.push_back({k, val, j.is_number() ? j.get<double>() : 0, j.is_number()});
                }
                out.headers.clear();
                out.fields.clear();
                for (const auto &f : envelope(m, topicArn("topic", fifo), typed, 0))
                    if (f.name == "Type" || f.name == "TopicArn" || f.name == "Message" ||
                        f.name == "MessageAttributes")
                        out.fields.push_back({f.name, f.text});
                v.why += "; delivered in the JSON envelope (RawMessageDelivery off)";
            } else {
                v.why += "; delivered raw";
            }
            if (!fifo) out.key.clear();
            v.message = std::move(out);
        }
        a.verdicts.push_back(std::move(v));
    }
    a.note = std::string(fifo ? "SNS FIFO topic" : "SNS topic") + ": " + std::to_string(taken) + " of " +
             std::to_string(subs) + " subscriptions take the message" +
             (taken == 0 && subs > 0 ? " (Publish still succeeds)" : "");
    return a;
}

} // namespace

NodeKindSpec snsTopicKind()
{
    NodeKindSpec k;
    k.kind = "sns-topic";
    k.deliveryRole = DeliveryRole::Log;
    k.label = "SNS topic";
    k.category = "Publish-subscribe";
    k.help = "An Amazon SNS topic, standard or FIFO: fans each published message out to its SQS and HTTP/S "
             "subscriptions that its filter policies let through; raw or enveloped delivery, retries by the "
             "delivery policy, dead-letter queues.";
    k.ports = {{"publish", PortDirection::In, Protocol::Sns, true, "Publish from SNS publishers."},
               {"sqs", PortDirection::Out, Protocol::Sqs, true,
                "SQS subscriptions: each link to an sqs-queue's send port is one (SendMessage); a binding to "
                "the queue "
                "sets its attributes (FilterPolicy, FilterPolicyScope, RawMessageDelivery, RedrivePolicy).",
                PortSpec::Need::Optional},
               {"https", PortDirection::Out, Protocol::Sns, true,
                "HTTP/S subscriptions: each link to an http-endpoint is one (a Notification POST); a binding "
                "sets its "
                "attributes, DeliveryPolicy included.",
                PortSpec::Need::Optional},
               {"deadLetter", PortDirection::Out, Protocol::Sqs, true,
                "Dead-letter queues (sqs-queues) that subscriptions' RedrivePolicy names: where a delivery "
                "goes once "
                "its retries are spent or it failed with a client error.",
                PortSpec::Need::Optional}};
    using T = PropertyType;
    k.properties = {
        property(
            "fifo", "FIFO", T::Bool, false,
            "FIFO topic (in AWS its name ends in .fifo): Publish needs a MessageGroupId and a deduplication "
            "id; each subscription gets a group's messages in order, once (deduplication within 5 "
            "minutes). FIFO topics deliver to SQS queues only.",
            ""),
        property("contentBasedDeduplication", "Content-based deduplication", T::Bool, false,
                 "FIFO: a Publish without MessageDeduplicationId is deduplicated by a hash of its body.", ""),
    };
    k.check = [](const PropertyBag &p, std::vector<std::pair<std::string, std::string>> &problems) {
        if (!p.boolean("fifo") && p.boolean("contentBasedDeduplication"))
            problems.push_back({"contentBasedDeduplication",
                                "contentBasedDeduplication applies to FIFO topics only (set fifo)"});
    };
    k.linkCheck = [](const PropertyBag &own, std::string_view port, const NodeKindSpec &peerKind,
                     const PropertyBag &peer) -> std::string {
        const bool fifo = own.boolean("fifo");
        if (port == "https" && fifo)
            return "a FIFO topic delivers to SQS queues only, not to HTTP/S endpoints";
        if (peerKind.kind != "sqs-queue") return {};
        const bool queueFifo = peer.boolean("fifo");
        if (port == "sqs" && queueFifo && !fifo)
            return "an SQS FIFO queue can subscribe to an SNS FIFO topic only (set the topic's fifo)";
        if (port == "deadLetter" && queueFifo != fifo)
            return fifo ? "a FIFO topic's subscriptions need a FIFO dead-letter queue"
                        : "a standard topic's subscriptions need a standard dead-letter queue";
        return {};
    };
    k.explainRoute = explainTopic;
    k.factory = [](const NodeSetup &s) { return std::make_unique<SnsTopic>(s); };
    return k;
}

} // namespace sb
