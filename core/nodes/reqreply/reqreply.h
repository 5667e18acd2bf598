#pragma once
// Request-reply over queues, RabbitMQ's RPC pattern: a client publishes each request with a
// reply-to header (the id of the queue it consumes replies from) and a correlation id (the call's
// id); a server consumes the request queue, executes each request and publishes the reply with the
// request's reply-to as routing key (to a direct exchange bound by reply-queue ids, or straight to
// the reply queue) and the request's correlation id; the client matches replies to its calls by
// correlation id and drops the ones it does not wait for.
#include "../../node.h"
#include "../../schema.h"

#include <string_view>

namespace sb {

NodeKindSpec amqpRpcClientKind();
NodeKindSpec amqpRpcServerKind();
// The RabbitMQ system templates of these kinds.
std::vector<NodeTemplate> amqpRpcTemplates();

namespace AmqpRpcClientPort {
inline constexpr PortIndex Out = 0, In = 1;
}
namespace AmqpRpcServerPort {
inline constexpr PortIndex In = 0, Out = 1;
}

namespace reqreply {
// AMQP's reply_to message property, carried as a header.
inline constexpr std::string_view kReplyTo = "reply-to";

// What both sides do as AMQP consumers: basic.consume on one link or on every link of a port, and
// basic.ack of a delivery.
void subscribeAll(NodeContext &ctx, PortIndex port, std::uint32_t prefetch, bool noAck);
void subscribe(NodeContext &ctx, LinkIndex link, std::uint32_t prefetch, bool noAck);
void ack(NodeContext &ctx, LinkIndex link, std::uint64_t tag, std::uint32_t deliveryCount,
         MessageRef message);
} // namespace reqreply

} // namespace sb
