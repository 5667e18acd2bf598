// The NATS clients.
// nats-publisher: generates messages with the shared workload to its subject (a template; a script
// entry may name its own "subject"). mode publish: PUB, fire and forget. mode request: as nats.go's
// Request with its shared inbox: at start it subscribes to _INBOX.<token>.*, then publishes each
// message with the reply subject _INBOX.<token>.<call>, and waits up to requestTimeout for the
// first reply. Traced as calls (core/nodes/rpc/callprotocol.h's trace kinds): Call (messageId = the
// request, correlationId = the call), Complete with status OK on a reply (after the reply's
// Process), 503 when the server says no responders (at once: no subscriber matched the subject),
// DEADLINE_EXCEEDED when the timeout passed; a reply after that is a Drop UnknownCorrelation.
// nats-subscriber: at subscribeAt it sends SUB for each subscription ("subject [queue group]").
// Each subscription has its own pending queue and handler (nats.go's async subscriptions: one
// goroutine each), handles one message at a time for processingTime and traces Process (peer = the
// server, aux = end-to-end latency). A message that would take a subscription beyond its pending
// limits (messages or bytes) is dropped by the client library as a slow consumer (Drop
// SlowConsumer at the subscriber; nats.go's processMsg). responder: a message with a reply subject
// is a request: Execute when its handling starts, and a reply of replySize bytes PUBlished to the
// reply subject when it ends.
#include "../../callstatus.h"
#include "../redis/pubsubclient.h"
#include "nats.h"
#include "natsprotocol.h"

#include <deque>
#include <map>
#include <sstream>

namespace sb {

namespace {

std::string checkNatsEntry(const Json &e)
{
    if (e.contains("subject") && !e["subject"].is_string()) return "'subject' must be a string";
    return {};
}

// "subject [queue group]" -> its parts; false when it is not one or two words.
bool parseSubscription(const std::string &text, std::string &subject, std::string &queue)
{
    std::istringstream in(text);
    std::string extra;
    subject.clear();
    queue.clear();
    in >> subject >> queue >> extra;
    return !subject.empty() && extra.empty();
}

class NatsPublisher final : public Node {
public:
    explicit NatsPublisher(const NodeSetup &s)
        : m_id(s.id), m_workload(s.properties), m_subject(s.properties.string("subject"))
    {
        m_request = s.properties.string("mode") == "request";
        m_timeout = s.properties.duration("requestTimeout");
        m_noResponders = s.properties.boolean("noResponders");
    }

    void start(NodeContext &ctx) override
    {
        subscribeInbox(ctx);
        m_workload.start(ctx);
    }

    void onTimer(NodeContext &ctx, std::uint64_t tag) override
    {
        if (m_workload.owns(tag)) {
            m_workload.onTimer(ctx, tag, [&](const Workload::Item &item) { publish(ctx, item); });
            return;
        }
        // A request's timeout.
        auto it = m_calls.find(tag);
        if (it == m_calls.end()) return;
        complete(ctx, it, Grpc::DeadlineExceeded);
    }

    void onFrame(NodeContext &ctx, LinkIndex link, Frame &f) override
    {
        if (f.type != FrameType::NatsMsg) return;
        const auto *d = f.as<NatsDelivery>();
        if (!d || d->subject.compare(0, m_inbox.size(), m_inbox) != 0) return;
        const std::uint64_t call = std::strtoull(d->subject.c_str() + m_inbox.size(), nullptr, 10);
        auto it = m_calls.find(call);
        if (it == m_calls.end()) {
            if (f.message) {
                TraceEvent e = messageEvent(TraceKind::Drop, f.message.get());
                e.reason = DropReason::UnknownCorrelation;
                e.correlationId = call;
                e.peer = ctx.peer(link);
                ctx.trace(e);
            }
            return;
        }
        if (f.status == NatsDefault::NoRespondersStatus) {
            complete(ctx, it, NatsDefault::NoRespondersStatus);
            return;
        }
        if (!f.message) return;
        TraceEvent e = messageEvent(TraceKind::Process, f.message.get());
        e.peer = ctx.peer(link);
        e.aux = ctx.now() - f.message->publishedAt;
        ctx.trace(e);
        complete(ctx, it, Grpc::Ok);
    }

    void onCrash(NodeContext &) override
    {
        m_calls.clear();
        m_workload.stop();
    }
    void onRestart(NodeContext &ctx) override
    {
        subscribeInbox(ctx); // a new connection: a new inbox
        m_workload.restart(ctx);
    }

    NodeStatus status() const override
    {
        NodeStatus s;
        s.inFlight = m_calls.size();
        return s;
    }

private:
    struct Call {
        MessageRef request;
        TimerId timer = kNoTimer;
    };

    // Requests: one wildcard subscription for all replies (nats.go's respMux), a new token per
    // connection.
    void subscribeInbox(NodeContext &ctx)
    {
        if (!m_request) return;
        m_inbox = "_INBOX." + std::to_string(ctx.self()) + "_" + std::to_string(++m_connection) + ".";
        auto sub = std::make_shared<NatsSubscription>();
        sub->subject = m_inbox + "*";
        sub->sid = 1;
        Frame f;
        f.type = FrameType::NatsSub;
        f.body = std::move(sub);
        sendOnPort(ctx, NatsClientPort::Server, std::move(f));
    }

    void publish(NodeContext &ctx, const Workload::Item &item)
    {
        MessageRef ref = publishPubSubMessage(ctx, m_workload, item, m_subject, "subject", m_id, m_request);
        auto pub = std::make_shared<NatsPublication>();
        pub->noResponders = m_noResponders;
        if (m_request) {
            const std::uint64_t call = ref->correlationId;
            TraceEvent e = messageEvent(TraceKind::Call, ref.get());
            ctx.trace(e);
            pub->replyTo = m_inbox + std::to_string(call);
            const TimerId timer = m_timeout > 0 ? ctx.startTimer(m_timeout, call) : kNoTimer;
            m_calls.emplace(call, Call{ref, timer});
        }
        Frame f;
        f.type = FrameType::NatsPub;
        f.message = std::move(ref);
        f.body = std::move(pub);
        sendOnPort(ctx, NatsClientPort::Server, std::move(f));
    }

    void complete(NodeContext &ctx, std::map<std::uint64_t, Call>::iterator it, std::uint16_t status)
    {
        ctx.cancelTimer(it->second.timer);
        TraceEvent e = messageEvent(TraceKind::Complete, it->second.request.get());
        e.status = status;
        e.aux = ctx.now() - it->second.request->publishedAt;
        e.deliveryCount = 1;
        ctx.trace(e);
        m_calls.erase(it);
    }

    std::string m_id;
    Workload m_workload;
    std::string m_subject;
    bool m_request = false;
    bool m_noResponders = true;
    SimTime m_timeout = 0;
    std::string m_inbox;
    std::uint32_t m_connection = 0;
    std::map<std::uint64_t, Call> m_calls; // open requests by call id
};

class NatsSubscriber final : public Node {
public:
    explicit NatsSubscriber(const NodeSetup &s)
    {
        const auto &p = s.properties;
        for (const auto &text : p.stringList("subscriptions")) {
            Sub sub;
            parseSubscription(text, sub.subject, sub.queue);
            m_subs.push_back(std::move(sub));
        }
        m_subscribeAt = p.duration("subscribeAt");
        m_processing = p.distribution("processingTime");
        m_respond = p.boolean("respond");
        m_replySize = static_cast<std::uint32_t>(p.integer("replySize"));
        m_msgsLimit = static_cast<std::uint64_t>(p.integer("pendingMsgsLimit"));
        m_bytesLimit = static_cast<std::uint64_t>(p.integer("pendingBytesLimit"));
    }

    void start(NodeContext &ctx) override { ctx.startTimer(m_subscribeAt, SubscribeTimer); }

    void onTimer(NodeContext &ctx, std::uint64_t tag) override
    {
        if (tag == SubscribeTimer) {
            for (std::size_t i = 0; i < m_subs.size(); ++i) {
                auto body = std::make_shared<NatsSubscription>();
                body->subject = m_subs[i].subject;
                body->queue = m_subs[i].queue;
                body->sid = static_cast<std::uint32_t>(i + 1);
                Frame f;
                f.type = FrameType::NatsSub;
                f.body = std::move(body);
                sendOnPort(ctx, NatsClientPort::Server, std::move(f));
            }
            return;
        }
        if (tag >= 1 && tag <= m_subs.size()) finish(ctx, m_subs[tag - 1]);
    }

    void onFrame(NodeContext &ctx, LinkIndex link, Frame &f) override
    {
        if (f.type != FrameType::NatsMsg || !f.message) return;
        const auto *d = f.as<NatsDelivery>();
        if (!d || d->sid < 1 || d->sid > m_subs.size()) return;
        m_server = ctx.peer(link);
        Sub &s = m_subs[d->sid - 1];
        // nats.go's processMsg: counted in, then checked against the limits; over them it is dropped.
        if ((m_msgsLimit && s.pending.size() + 1 > m_msgsLimit) ||
            (m_bytesLimit && s.pendingBytes + f.message->size > m_bytesLimit)) {
            TraceEvent e = messageEvent(TraceKind::Drop, f.message.get());
            e.reason = DropReason::SlowConsumer;
            e.peer = m_server;
            ctx.trace(e);
            return;
        }
        s.pending.push_back({f.message, d->replyTo});
        s.pendingBytes += f.message->size;
        if (!s.busy) next(ctx, d->sid);
    }

    void onCrash(NodeContext &) override
    {
        for (auto &s : m_subs) {
            s.pending.clear();
            s.pendingBytes = 0;
            s.busy = false;
        }
    }

    NodeStatus status() const override
    {
        NodeStatus st;
        for (const auto &s : m_subs) {
            st.ready += s.pending.size();
            st.unacked += s.busy ? 1 : 0;
        }
        return st;
    }

private:
    static constexpr std::uint64_t SubscribeTimer = std::uint64_t{1} << 40;
    struct Received {
        MessageRef message;
        std::string replyTo;
    };
    struct Sub {
        std::string subject, queue;
        std::deque<Received> pending; // delivered by the server, not yet handed to the handler
        std::uint64_t pendingBytes = 0;
        bool busy = false;
        Received current;
    };

    void next(NodeContext &ctx, std::uint32_t sid)
    {
        Sub &s = m_subs[sid - 1];
        if (s.pending.empty()) return;
        s.current = std::move(s.pending.front());
        s.pending.pop_front();
        s.pendingBytes -= s.current.message->size;
        s.busy = true;
        if (m_respond && !s.current.replyTo.empty()) {
            TraceEvent e = messageEvent(TraceKind::Execute, s.current.message.get());
            e.peer = m_server;
            ctx.trace(e);
        }
        ctx.startTimer(m_processing.sample(ctx.rng()), sid);
    }

    void finish(NodeContext &ctx, Sub &s)
    {
        if (!s.busy) return;
        s.busy = false;
        Received r = std::move(s.current);
        TraceEvent e = messageEvent(TraceKind::Process, r.message.get());
        e.peer = m_server;
        e.aux = ctx.now() - r.message->publishedAt;
        ctx.trace(e);
        if (m_respond && !r.replyTo.empty()) reply(ctx, r);
        next(ctx, static_cast<std::uint32_t>(&s - m_subs.data() + 1));
    }

    void reply(NodeContext &ctx, const Received &request)
    {
        auto m = std::make_shared<Message>();
        m->id = ctx.newMessageId();
        m->correlationId = request.message->correlationId;
        m->routingKey = request.replyTo;
        m->size = m_replySize;
        m->publishedAt = ctx.now();
        m->producer = ctx.self();
        ctx.announce(*m);
        TraceEvent e = messageEvent(TraceKind::Publish, m.get());
        e.aux = m->size;
        ctx.trace(e);
        Frame f;
        f.type = FrameType::NatsPub;
        f.message = std::move(m);
        f.body = std::make_shared<NatsPublication>();
        sendOnPort(ctx, NatsClientPort::Server, std::move(f));
    }

    std::vector<Sub> m_subs;
    SimTime m_subscribeAt = 0;
    Distribution m_processing;
    bool m_respond = false;
    std::uint32_t m_replySize = 0;
    std::uint64_t m_msgsLimit = 0, m_bytesLimit = 0;
    NodeIndex m_server = kNoIndex;
};

} // namespace

NodeKindSpec natsPublisherKind()
{
    NodeKindSpec k;
    k.kind = "nats-publisher";
    k.label = "NATS publisher";
    k.category = "Publish-subscribe";
    k.help = "PUBlishes messages to a NATS subject, fire and forget, or sends them as requests and waits for "
             "the first reply (\"no responders\" fails a request at once).";
    k.ports = {{"server", PortDirection::Out, Protocol::Nats, false, "Its connection to a nats-server."}};
    using T = PropertyType;
    k.properties = Workload::propertySpecs({"subject"}, checkNatsEntry,
                                           "{\"at\": \"10ms\", \"subject\": \"orders.eu\"}");
    const auto script = k.properties.end() - 1;
    PropertySpec subject = property(
        "subject", "Subject", T::String, "orders",
        "The subject of each message: '.'-separated tokens, no wildcards; a template in which {seq}, {key}, "
        "{node} and {id} are replaced per message.",
        "");
    subject.check = [](const Json &v) -> std::string {
        const std::string s = v.get<std::string>();
        if (s.find('{') != std::string::npos) return {}; // a template: checked by the server per message
        return pubSubNameProblem(Dialect::Nats, s, false);
    };
    k.properties.insert(
        script,
        {subject,
         property("mode", "Mode", T::Enum, "publish",
                  "publish: PUB, nobody answers. request: each message is a request with a reply inbox "
                  "(_INBOX.<token>.<call>); the first reply completes it.",
                  "", {}, {}, {"publish", "request"}),
         property("requestTimeout", "Request timeout", T::Duration, 5000,
                  "How long a request waits for its reply (the nats CLI's default 5 s; 0 = forever).", "ms",
                  0, {}),
         property("noResponders", "No responders", T::Bool, true,
                  "The connection supports headers and no_responders (NATS 2.2+ clients do): a request "
                  "that no subscription matches gets a 503 status at once instead of waiting for its "
                  "timeout.",
                  "")});
    k.deliveryRole = DeliveryRole::Log;
    k.factory = [](const NodeSetup &s) { return std::make_unique<NatsPublisher>(s); };
    k.explainRoute = [](const RouteQuestion &q) { return publishRoute(q, "subject", "subject"); };
    return k;
}

NodeKindSpec natsSubscriberKind()
{
    NodeKindSpec k;
    k.kind = "nats-subscriber";
    k.label = "NATS subscriber";
    k.category = "Publish-subscribe";
    k.help = "Subscribes to NATS subjects (wildcards, queue groups) and handles each message; as a responder "
             "it answers requests.";
    k.ports = {{"server", PortDirection::Out, Protocol::Nats, false, "Its connection to a nats-server."}};
    using T = PropertyType;
    PropertySpec subs = property(
        "subscriptions", "Subscriptions", T::StringList, Json::array({"orders"}),
        "SUB: one entry per subscription, \"subject\" or \"subject queue-group\" (\"orders.* workers\"): "
        "'*' matches one token, '>' the rest. Each message goes to every plain subscription and to one "
        "member of each queue group.",
        "");
    subs.check = [](const Json &list) -> std::string {
        for (std::size_t i = 0; i < list.size(); ++i) {
            const std::string text = list[i].get<std::string>();
            std::string subject, queue;
            if (!parseSubscription(text, subject, queue))
                return "entry " + std::to_string(i) + ": '" + text +
                       "' is not \"subject\" or \"subject queue-group\"";
            const auto problem = pubSubNameProblem(Dialect::Nats, subject, true);
            if (!problem.empty()) return "entry " + std::to_string(i) + ": " + problem;
        }
        return {};
    };
    k.properties = {
        subs,
        property("subscribeAt", "Subscribe at", T::Duration, 0,
                 "When it subscribes: it gets nothing published before (core NATS keeps nothing).", "ms", 0,
                 {}),
        property("processingTime", "Processing time", T::Distribution, "1ms",
                 "How long its handler takes over one message (each subscription has its own handler).", ""),
        property("respond", "Responder", T::Bool, false,
                 "Answer requests: a message with a reply subject gets a reply published to it when its "
                 "handling ends.",
                 ""),
        property("replySize", "Reply size", T::Integer, 64, "Payload of each reply.", "bytes", 0, {}),
        property("pendingMsgsLimit", "Pending messages limit", T::Integer,
                 Json(NatsDefault::PendingMsgsLimit),
                 "Messages a subscription may hold waiting for its handler before the client drops new ones "
                 "as a slow consumer (nats.go's default 65536; 0 = no limit).",
                 "msg", 0, {}),
        property("pendingBytesLimit", "Pending bytes limit", T::Integer, Json(NatsDefault::PendingBytesLimit),
                 "Bytes a subscription may hold waiting for its handler (nats.go's default 64 MB; 0 = no "
                 "limit).",
                 "bytes", 0, {}),
    };
    k.check = [](const PropertyBag &p, std::vector<std::pair<std::string, std::string>> &problems) {
        if (p.stringList("subscriptions").empty())
            problems.push_back({"subscriptions", "a subscriber needs at least one subscription"});
    };
    k.deliveryRole = DeliveryRole::Log;
    k.factory = [](const NodeSetup &s) { return std::make_unique<NatsSubscriber>(s); };
    k.explainRoute = [](const RouteQuestion &) {
        return endRoute("receives it (if subscribed at publish time)");
    };
    return k;
}

std::vector<NodeTemplate> natsTemplates()
{
    std::vector<NodeTemplate> t;
    t.push_back({"nats-server", "NATS server", "NATS", "nats-server", "Core NATS with max_payload 1 MB.",
                 Json::object()});
    t.push_back({"nats-publisher", "NATS publisher", "NATS", "nats-publisher",
                 "PUB to subject \"orders\" at 10 msg/s.", Json::object()});
    t.push_back({"nats-requester", "NATS requester", "NATS", "nats-publisher",
                 "Requests on \"orders\" with a 5 s timeout and no responders.", Json{{"mode", "request"}}});
    t.push_back({"nats-subscriber", "NATS subscriber", "NATS", "nats-subscriber",
                 "SUB orders, nats.go's pending limits (65536 messages, 64 MB).", Json::object()});
    t.push_back({"nats-queue-worker", "NATS queue worker", "NATS", "nats-subscriber",
                 "SUB orders in queue group \"workers\": one member of the group gets each message.",
                 Json{{"subscriptions", Json::array({"orders workers"})}}});
    t.push_back({"nats-responder", "NATS responder", "NATS", "nats-subscriber",
                 "Answers requests on \"orders\" in queue group \"responders\".",
                 Json{{"subscriptions", Json::array({"orders responders"})}, {"respond", true}}});
    return t;
}

} // namespace sb
