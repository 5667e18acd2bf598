#pragma once
// The built-in node kinds. Each describes itself (ports, properties) next to its logic; the
// registry collects the descriptions.
#include "../schema.h"

namespace sb {

NodeKindSpec producerKind();
NodeKindSpec exchangeKind();
NodeKindSpec queueKind();
NodeKindSpec consumerKind();
// The AMQP kinds as RabbitMQ runs them ("Quorum queue", "Topic exchange"...), grouped under
// "RabbitMQ" in the palette.
std::vector<NodeTemplate> rabbitMqTemplates();

// Port numbers, fixed by the order each kind declares its ports.
namespace ProducerPort {
inline constexpr PortIndex Out = 0;
}
namespace ExchangePort {
inline constexpr PortIndex In = 0, Out = 1, Alternate = 2;
}
namespace QueuePort {
inline constexpr PortIndex In = 0, Deliver = 1, DeadLetter = 2;
}
namespace ConsumerPort {
inline constexpr PortIndex In = 0;
}

} // namespace sb
