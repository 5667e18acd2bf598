#pragma once
// Apache Kafka kinds: the topic (a partitioned, replicated log on a cluster of brokers, with the
// group and transaction coordinators), the producer and the consumer. They speak the Kafka
// protocol of kafkaprotocol.h; each kind's schema sits next to its logic (topic.cpp,
// producer.cpp, consumer.cpp) and the system templates in kafkatemplates.cpp.
#include "../../node.h"
#include "../../schema.h"

namespace sb {

NodeKindSpec kafkaTopicKind();
NodeKindSpec kafkaProducerKind();
NodeKindSpec kafkaConsumerKind();
// "Kafka topic", "Kafka producer", "Kafka consumer group member", ...: the kinds with Kafka's
// documented defaults, grouped under "Apache Kafka" in the palette.
std::vector<NodeTemplate> kafkaTemplates();

namespace KafkaTopicPort {
inline constexpr PortIndex Produce = 0, Consumers = 1;
}
namespace KafkaProducerPort {
inline constexpr PortIndex Out = 0;
}
namespace KafkaConsumerPort {
inline constexpr PortIndex In = 0, Out = 1;
}

} // namespace sb
