// What the RPC client and server over queues share: consuming a queue as AMQP consumers, and the
// RabbitMQ system templates of the two kinds.
#include "reqreply.h"

namespace sb {

namespace reqreply {

void subscribe(NodeContext &ctx, LinkIndex link, std::uint32_t prefetch, bool noAck)
{
    Frame s;
    s.type = FrameType::Subscribe;
    s.count = prefetch;
    s.noAck = noAck;
    ctx.send(link, std::move(s));
}

void subscribeAll(NodeContext &ctx, PortIndex port, std::uint32_t prefetch, bool noAck)
{
    for (LinkIndex l : ctx.links(port))
        subscribe(ctx, l, prefetch, noAck);
}

void ack(NodeContext &ctx, LinkIndex link, std::uint64_t tag, std::uint32_t deliveryCount, MessageRef message)
{
    Frame f;
    f.type = FrameType::Ack;
    f.tag = tag;
    f.deliveryCount = deliveryCount;
    f.message = std::move(message);
    ctx.send(link, std::move(f));
}

} // namespace reqreply

std::vector<NodeTemplate> amqpRpcTemplates()
{
    return {
        {"rabbitmq-rpc-client",
         "RPC client (reply-to)",
         "RabbitMQ",
         "amqp-rpc-client",
         "RabbitMQ tutorial's RPC client: rpc_queue, reply-to, correlation id, 1 s timeout.",
         {{"routingKey", "rpc_queue"}, {"maxOutstanding", 1}, {"timeout", "1s"}, {"ackMode", "auto"}}},
        {"rabbitmq-rpc-server",
         "RPC server",
         "RabbitMQ",
         "amqp-rpc-server",
         "RabbitMQ tutorial's RPC server: prefetch 1, acked after the reply.",
         {{"prefetch", 1}, {"concurrency", 1}}},
    };
}

} // namespace sb
