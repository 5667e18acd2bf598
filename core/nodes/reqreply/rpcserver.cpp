// RPC server over queues (RabbitMQ's RPC pattern). It consumes its request queue with a prefetch
// and manual acks, executes up to `concurrency` requests at once for a sampled service time each,
// then publishes the reply (fire-and-forget) with routing key = the request's reply-to and the
// request's correlation id, and only then acks the request, as the RabbitMQ tutorial does: a
// server that crashes between executing and acking gets the request redelivered and executes it
// again (the partial-failure case; the duplicate reply is dropped by the client as unknown).
//
// Traces, per request: execute when its handler starts (correlationId = the call id, aux = requests
// waiting in the server after, peer = the calling client, deliveryCount = 1, the call's single
// attempt; once per execution, so executions of a call are counted from these), process when it
// finishes (aux = the request's end-to-end latency, peer = the request queue), then publish for
// the reply. A request without a reply-to header is executed and acked with no reply.
#include "../common.h"
#include "reqreply.h"

#include <deque>

namespace sb {

namespace {

class AmqpRpcServer final : public Node {
public:
    explicit AmqpRpcServer(const NodeSetup &s)
    {
        const auto &p = s.properties;
        m_serviceTime = p.distribution("serviceTime");
        m_concurrency = static_cast<std::uint32_t>(p.integer("concurrency"));
        m_prefetch = static_cast<std::uint32_t>(p.integer("prefetch"));
        m_replySize = static_cast<std::uint32_t>(p.integer("replySize"));
    }

    void start(NodeContext &ctx) override
    {
        reqreply::subscribeAll(ctx, AmqpRpcServerPort::In, m_prefetch, false);
    }

    void onFrame(NodeContext &ctx, LinkIndex from, Frame &f) override
    {
        if (f.type != FrameType::Deliver || !f.message) return;
        m_waiting.push_back(Request{std::move(f.message), f.tag, from, f.deliveryCount});
        startWork(ctx);
    }

    void onTimer(NodeContext &ctx, std::uint64_t tag) override
    {
        if (tag >= m_slots.size() || !m_slots[tag].live) return;
        Request r = std::move(m_slots[tag].request);
        m_slots[tag].live = false;
        m_freeSlots.push_back(tag);
        --m_busy;
        finish(ctx, std::move(r));
        startWork(ctx);
    }

    void onLinkState(NodeContext &ctx, LinkIndex link, bool up) override
    {
        for (LinkIndex l : ctx.links(AmqpRpcServerPort::In))
            if (up && l == link) reqreply::subscribe(ctx, link, m_prefetch, false);
    }

    void onCrash(NodeContext &) override
    {
        // Work in progress is lost; the queue redelivers the unacked requests.
        m_waiting.clear();
        m_slots.clear();
        m_freeSlots.clear();
        m_busy = 0;
    }

    NodeStatus status() const override
    {
        NodeStatus s;
        s.ready = m_waiting.size();
        s.unacked = m_busy;
        return s;
    }

private:
    struct Request {
        MessageRef message;
        std::uint64_t tag = 0;
        LinkIndex link = kNoIndex;
        std::uint32_t deliveryCount = 0;
    };
    struct Work {
        Request request;
        bool live = false;
    };

    void startWork(NodeContext &ctx)
    {
        while (m_busy < m_concurrency && !m_waiting.empty()) {
            Request r = std::move(m_waiting.front());
            m_waiting.pop_front();
            TraceEvent e = messageEvent(TraceKind::Execute, r.message.get());
            e.peer = r.message->producer;
            e.aux = static_cast<std::int64_t>(m_waiting.size());
            e.deliveryCount = 1;
            ctx.trace(e);
            std::size_t slot;
            if (!m_freeSlots.empty()) {
                slot = m_freeSlots.back();
                m_freeSlots.pop_back();
            } else {
                slot = m_slots.size();
                m_slots.emplace_back();
            }
            m_slots[slot] = Work{std::move(r), true};
            ++m_busy;
            ctx.startTimer(m_serviceTime.sample(ctx.rng()), slot);
        }
    }

    void finish(NodeContext &ctx, Request &&r)
    {
        const Message &request = *r.message;
        TraceEvent e = messageEvent(TraceKind::Process, &request);
        e.peer = ctx.peer(r.link);
        e.link = r.link;
        e.deliveryCount = r.deliveryCount;
        e.aux = ctx.now() - request.publishedAt;
        ctx.trace(e);
        if (const std::string *replyTo = request.header(reqreply::kReplyTo)) {
            auto m = std::make_shared<Message>();
            m->id = ctx.newMessageId();
            m->correlationId = request.correlationId;
            m->routingKey = *replyTo;
            m->size = m_replySize;
            m->publishedAt = ctx.now();
            m->producer = ctx.self();
            m->sequence = ++m_replies;
            ctx.announce(*m);
            TraceEvent pub = messageEvent(TraceKind::Publish, m.get());
            pub.aux = m->size;
            ctx.trace(pub);
            Frame f;
            f.type = FrameType::Publish;
            f.message = std::move(m);
            sendOnPort(ctx, AmqpRpcServerPort::Out, std::move(f));
        }
        reqreply::ack(ctx, r.link, r.tag, r.deliveryCount, std::move(r.message));
    }

    Distribution m_serviceTime;
    std::uint32_t m_concurrency = 1;
    std::uint32_t m_prefetch = 1;
    std::uint32_t m_replySize = 0;

    std::deque<Request> m_waiting;
    std::vector<Work> m_slots; // work in progress, one slot per unit of concurrency
    std::vector<std::size_t> m_freeSlots;
    std::uint32_t m_busy = 0;
    std::uint64_t m_replies = 0;
};

} // namespace

NodeKindSpec amqpRpcServerKind()
{
    NodeKindSpec k;
    k.kind = "amqp-rpc-server";
    k.label = "RPC server (queues)";
    k.category = "Request-reply";
    k.help = "Consumes a request queue, executes each request and publishes the reply to its reply-to "
             "with its correlation id (RabbitMQ's RPC pattern).";
    k.ports = {
        {"in", PortDirection::In, Protocol::Delivery, true, "The request queue(s) this server consumes."},
        {"out", PortDirection::Out, Protocol::Publish, false,
         "Where replies go, routed by the request's reply-to: a direct exchange bound to each reply "
         "queue by its id, or the reply queue itself.",
         PortSpec::Need::Required}};
    using T = PropertyType;
    k.properties = {
        property("serviceTime", "Service time", T::Distribution, "10ms",
                 "How long executing one request takes: \"10ms\", uniform(5ms,15ms), exp(10ms).", "ms"),
        property("concurrency", "Concurrency", T::Integer, 1,
                 "Requests executed at the same time (several at once finish out of order).", "", 1, 10000),
        property("prefetch", "Prefetch", T::Integer, 1,
                 "Most unacked requests taken from the queue at once (basic.qos; 0 = no limit). A request "
                 "is acked after its reply is published.",
                 "msg", 0, 65535),
        property("replySize", "Reply size", T::Integer, 256, "Payload size of each reply.", "bytes", 0,
                 256.0 * 1024 * 1024),
    };
    k.factory = [](const NodeSetup &s) { return std::make_unique<AmqpRpcServer>(s); };
    k.explainRoute = [](const RouteQuestion &q) {
        RouteAnswer a = endRoute("executes the request and publishes the reply to its reply-to queue");
        for (std::size_t i = 0; i < q.outputs.size(); ++i)
            if (!q.outputs[i].inbound)
                a.verdicts.push_back(routeVerdict(i, false, "the reply, a new message, goes this way"));
        return a;
    };
    return k;
}

} // namespace sb
