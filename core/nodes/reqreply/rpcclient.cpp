// RPC client over queues (RabbitMQ's RPC pattern). Calls are due at a rate; each call publishes one
// request (fire-and-forget, as the RabbitMQ tutorial does) with header reply-to = the client's reply
// queue and correlation id = the call's id, a new id unique in the run. Up to maxOutstanding calls
// wait for their replies at once (1: synchronous request-reply); a call due beyond that waits in the
// client, its latency running, and the client is blocked (traced block / unblock, as a producer's
// confirm window is). The client consumes its reply queue like a consumer (auto-ack or ack).
//
// Traces, per call: call when its request goes out (messageId = the request, correlationId = the
// call id), publish for the request, and complete when it ends: on its reply with status 0 (gRPC
// OK; the pattern has no error replies), or when its timeout passes with DEADLINE_EXCEEDED; aux =
// the latency from when the call was due, deliveryCount = 1 (one attempt: the client does not
// retry). A matched reply is traced process (the reply's end-to-end latency, peer = the reply
// queue). A reply for a call the client does not wait for — late after its timeout, a second reply
// to a request executed twice, or another client's on a shared reply queue — is counted and dropped
// as real clients do: drop with reason unknown-correlation (peer = the reply queue).
#include "../../callstatus.h"
#include "../common.h"
#include "../messaging/blockedspan.h"
#include "reqreply.h"

#include <deque>
#include <map>

namespace sb {

namespace {

enum TimerKind : std::uint64_t { ArrivalTimer = 0, TimeoutTimer = 1 };

class AmqpRpcClient final : public Node {
public:
    explicit AmqpRpcClient(const NodeSetup &s)
    {
        const auto &p = s.properties;
        m_rate = p.number("rate");
        m_poisson = p.string("arrival") == "poisson";
        m_count = static_cast<std::uint64_t>(p.integer("count"));
        m_startAt = p.duration("startAt");
        m_requestSize = static_cast<std::uint32_t>(p.integer("requestSize"));
        m_routingKey = p.string("routingKey");
        m_replyTo = p.string("replyTo");
        m_timeout = p.duration("timeout");
        m_maxOutstanding = static_cast<std::uint64_t>(p.integer("maxOutstanding"));
        m_noAck = p.string("ackMode") == "auto";
        m_prefetch = static_cast<std::uint32_t>(p.integer("prefetch"));
    }

    void start(NodeContext &ctx) override
    {
        reqreply::subscribeAll(ctx, AmqpRpcClientPort::In, m_prefetch, m_noAck);
        if (m_rate > 0 && !finished()) ctx.startTimer(m_startAt, ArrivalTimer);
    }

    void onTimer(NodeContext &ctx, std::uint64_t tag) override
    {
        if ((tag & 1) == ArrivalTimer) {
            onArrival(ctx);
            return;
        }
        auto it = m_outstanding.find(tag >> 1);
        if (it == m_outstanding.end()) return;
        const Outstanding call = it->second;
        m_outstanding.erase(it);
        complete(ctx, tag >> 1, call, Grpc::DeadlineExceeded, kNoIndex);
        pump(ctx);
    }

    void onFrame(NodeContext &ctx, LinkIndex from, Frame &f) override
    {
        if (f.type != FrameType::Deliver || !f.message) return;
        if (!f.noAck) reqreply::ack(ctx, from, f.tag, f.deliveryCount, f.message);
        const Message &reply = *f.message;
        auto it = m_outstanding.find(reply.correlationId);
        if (it == m_outstanding.end()) {
            TraceEvent e = messageEvent(TraceKind::Drop, &reply);
            e.reason = DropReason::UnknownCorrelation;
            e.peer = ctx.peer(from);
            e.deliveryCount = f.deliveryCount;
            if (f.noAck) e.flags |= TraceFlag::NoAck;
            ctx.trace(e);
            return;
        }
        const Outstanding call = it->second;
        m_outstanding.erase(it);
        ctx.cancelTimer(call.timer);
        TraceEvent e = messageEvent(TraceKind::Process, &reply);
        e.peer = ctx.peer(from);
        e.link = from;
        e.deliveryCount = f.deliveryCount;
        e.aux = ctx.now() - reply.publishedAt;
        ctx.trace(e);
        complete(ctx, reply.correlationId, call, Grpc::Ok, reply.producer);
        pump(ctx);
    }

    void onLinkState(NodeContext &ctx, LinkIndex link, bool up) override
    {
        // A fresh connection to the reply queue: consume again.
        for (LinkIndex l : ctx.links(AmqpRpcClientPort::In))
            if (up && l == link) reqreply::subscribe(ctx, link, m_prefetch, m_noAck);
    }

    void onCrash(NodeContext &) override
    {
        // The calls in progress die with the process: nobody is left to complete them.
        m_waiting.clear();
        m_outstanding.clear();
        m_blocked.reset();
        m_stopped = true;
    }

    void onRestart(NodeContext &ctx) override
    {
        m_stopped = false;
        reqreply::subscribeAll(ctx, AmqpRpcClientPort::In, m_prefetch, m_noAck);
        if (m_rate > 0 && !finished()) ctx.startTimer(0, ArrivalTimer);
    }

    NodeStatus status() const override
    {
        NodeStatus s;
        s.ready = m_waiting.size();
        s.inFlight = m_outstanding.size();
        return s;
    }

private:
    struct Due {
        SimTime at = 0;
        std::uint64_t requestId = 0, callId = 0;
    };
    struct Outstanding {
        SimTime due = 0;
        std::uint64_t requestId = 0;
        TimerId timer = kNoTimer;
    };

    bool finished() const { return m_count && m_issued >= m_count; }

    void onArrival(NodeContext &ctx)
    {
        if (m_stopped || finished() || !ctx.mayPublish()) return;
        ++m_issued;
        Due d;
        d.at = ctx.now();
        d.requestId = ctx.newMessageId();
        d.callId = ctx.newMessageId();
        m_waiting.push_back(d);
        pump(ctx);
        if (finished()) return;
        const double meanNs = 1e9 / m_rate;
        const SimTime gap = timeFromNanoseconds(m_poisson ? ctx.rng().exponential(meanNs) : meanNs);
        ctx.startTimer(std::max<SimTime>(gap, 1), ArrivalTimer);
    }

    // Starts the calls that are due while the limit of outstanding calls allows.
    void pump(NodeContext &ctx)
    {
        while (!m_waiting.empty() && (m_maxOutstanding == 0 || m_outstanding.size() < m_maxOutstanding)) {
            const Due d = m_waiting.front();
            m_waiting.pop_front();
            m_blocked.unblock(ctx, d.requestId, d.callId);
            send(ctx, d);
        }
        if (!m_waiting.empty()) m_blocked.block(ctx, m_waiting.front().requestId, m_waiting.front().callId);
    }

    void send(NodeContext &ctx, const Due &d)
    {
        auto m = std::make_shared<Message>();
        m->id = d.requestId;
        m->correlationId = d.callId;
        m->routingKey = m_routingKey;
        m->headers.push_back({std::string(reqreply::kReplyTo), m_replyTo});
        m->size = m_requestSize;
        m->publishedAt = ctx.now();
        m->producer = ctx.self();
        m->sequence = ++m_sent;
        ctx.announce(*m);
        TraceEvent call = messageEvent(TraceKind::Call, m.get());
        call.deliveryCount = 1;
        ctx.trace(call);
        TraceEvent pub = messageEvent(TraceKind::Publish, m.get());
        pub.aux = m->size;
        ctx.trace(pub);
        const TimerId timer =
            m_timeout ? ctx.startTimer(m_timeout, (d.callId << 1) | TimeoutTimer) : kNoTimer;
        m_outstanding.emplace(d.callId, Outstanding{d.at, d.requestId, timer});
        Frame f;
        f.type = FrameType::Publish;
        f.message = std::move(m);
        sendOnPort(ctx, AmqpRpcClientPort::Out, std::move(f));
    }

    void complete(NodeContext &ctx, std::uint64_t callId, const Outstanding &call, std::uint16_t status,
                  NodeIndex server)
    {
        TraceEvent e;
        e.kind = TraceKind::Complete;
        e.messageId = call.requestId;
        e.correlationId = callId;
        e.status = status;
        e.aux = ctx.now() - call.due;
        e.deliveryCount = 1;
        e.peer = server;
        ctx.trace(e);
    }

    double m_rate = 0;
    bool m_poisson = false;
    std::uint64_t m_count = 0;
    SimTime m_startAt = 0;
    std::uint32_t m_requestSize = 0;
    std::string m_routingKey;
    std::string m_replyTo;
    SimTime m_timeout = 0;
    std::uint64_t m_maxOutstanding = 1;
    bool m_noAck = true;
    std::uint32_t m_prefetch = 0;

    bool m_stopped = false;
    std::uint64_t m_issued = 0, m_sent = 0;
    std::deque<Due> m_waiting;
    std::map<std::uint64_t, Outstanding> m_outstanding; // by call id
    BlockedSpan m_blocked;
};

} // namespace

NodeKindSpec amqpRpcClientKind()
{
    NodeKindSpec k;
    k.kind = "amqp-rpc-client";
    k.label = "RPC client (queues)";
    k.category = "Request-reply";
    k.help = "Calls a server through queues (RabbitMQ's RPC pattern): each request carries reply-to and a "
             "correlation id; replies are matched by it, unknown ones dropped.";
    k.ports = {{"out", PortDirection::Out, Protocol::Publish, false,
                "Where requests go: the request queue, or an exchange that routes them there.",
                PortSpec::Need::Required},
               {"in", PortDirection::In, Protocol::Delivery, false,
                "The reply queue this client consumes (the queue named by replyTo).",
                PortSpec::Need::Required}};
    using T = PropertyType;
    k.properties = {
        property("rate", "Rate", T::Number, 10,
                 "Calls due per second (on average for poisson); a call due while maxOutstanding calls "
                 "wait for replies waits in the client.",
                 "calls/s", 0, 1e7),
        property("arrival", "Arrival", T::Enum, "constant",
                 "constant: calls evenly spaced; poisson: exponential gaps at that rate.", "", {}, {},
                 {"constant", "poisson"}),
        property("count", "Calls", T::Integer, 0, "Stop after this many calls (0 = no limit).", "calls", 0,
                 1e12),
        property("startAt", "Start at", T::Duration, 0, "When the first call is due.", "ms", 0, {}),
        property("requestSize", "Request size", T::Integer, 256, "Payload size of each request.", "bytes", 0,
                 256.0 * 1024 * 1024),
        property("routingKey", "Routing key", T::String, "rpc_queue",
                 "Routing key of each request: the request queue's binding key when requests go through "
                 "an exchange (ignored when the out port goes straight to the queue).",
                 ""),
        property("replyTo", "Reply-to queue", T::String, "",
                 "Id of the queue replies come back to, sent as each request's reply-to header; the server "
                 "publishes the reply with it as routing key. Usually the queue on this client's in port; "
                 "a queue shared by several clients works too (correlation ids sort the replies).",
                 ""),
        property("timeout", "Timeout", T::Duration, "1s",
                 "How long a call waits for its reply before it ends with DEADLINE_EXCEEDED; a reply "
                 "after that is dropped as unknown (0 = wait forever).",
                 "ms", 0, 86400000),
        property("maxOutstanding", "Outstanding calls", T::Integer, 1,
                 "Calls waiting for their replies at once (1 = synchronous request-reply, the caller "
                 "waits; more = asynchronous, replies matched by correlation id in any order; 0 = no "
                 "limit).",
                 "calls", 0, 1e6),
        property("ackMode", "Reply ack mode", T::Enum, "auto",
                 "auto: replies are settled on delivery (the RabbitMQ tutorial's auto_ack); manual: the "
                 "client acks each reply as it takes it.",
                 "", {}, {}, {"auto", "manual"}),
        property("prefetch", "Prefetch", T::Integer, 0,
                 "Most unacked replies at once (basic.qos; manual ack only; 0 = no limit).", "msg", 0, 65535),
    };
    for (auto &p : k.properties)
        if (p.key == "replyTo") p.refersTo = "queue";
    k.check = [](const PropertyBag &p, std::vector<std::pair<std::string, std::string>> &problems) {
        if (p.string("replyTo").empty())
            problems.push_back({"replyTo", "needs the id of the queue replies come back to (the client "
                                           "sends it as each request's reply-to)"});
    };
    k.factory = [](const NodeSetup &s) { return std::make_unique<AmqpRpcClient>(s); };
    k.explainRoute = [](const RouteQuestion &q) {
        RouteAnswer a = publishRoute(q, "routingKey", "routing key");
        a.note += ", reply-to its own queue";
        return a;
    };
    return k;
}

} // namespace sb
