// Apache Kafka's system templates: the kafka kinds with the settings a Kafka user starts from.
// The kinds' own defaults are Kafka 4.x's defaults already; a template adds what a typical
// production setup changes (replication) or names a setting a lesson turns on.
#include "kafka.h"

namespace sb {

std::vector<NodeTemplate> kafkaTemplates()
{
    return {
        {"kafka-topic",
         "Kafka topic",
         "Apache Kafka",
         "kafka-topic",
         "As production runs it: 6 partitions, 3 brokers, replication 3, min.insync.replicas 2.",
         {{"partitions", 6}, {"brokers", 3}, {"replicationFactor", 3}, {"minInsyncReplicas", 2}}},
        {"kafka-compacted-topic",
         "Kafka compacted topic",
         "Apache Kafka",
         "kafka-topic",
         "cleanup.policy=compact: the newest record per key survives.",
         {{"partitions", 3},
          {"brokers", 3},
          {"replicationFactor", 3},
          {"minInsyncReplicas", 2},
          {"cleanupPolicy", "compact"}}},
        {"kafka-producer", "Kafka producer", "Apache Kafka", "kafka-producer",
         "Kafka 4 defaults: acks=all, idempotence, linger.ms 5, batch.size 16 KiB.", Json::object()},
        {"kafka-producer-acks1",
         "Kafka producer (acks=1)",
         "Apache Kafka",
         "kafka-producer",
         "acks=1, no idempotence (pre-3.0 defaults): a leader crash can lose records.",
         {{"acks", "1"}, {"enableIdempotence", false}}},
        {"kafka-consumer", "Kafka consumer group member", "Apache Kafka", "kafka-consumer",
         "Java client defaults: auto-commit every 5 s, range + cooperative-sticky.", Json::object()},
        {"kafka-consumer-manual",
         "Kafka consumer (commit after processing)",
         "Apache Kafka",
         "kafka-consumer",
         "No auto-commit; a synchronous commit after each poll: at-least-once.",
         {{"enableAutoCommit", false}, {"commitMode", "sync-after-processing"}}},
        {"kafka-streams-eos",
         "Kafka Streams processor (exactly-once)",
         "Apache Kafka",
         "kafka-consumer",
         "processing.guarantee exactly_once_v2: link its output to a topic.",
         {{"processingGuarantee", "exactly_once_v2"},
          {"isolationLevel", "read_committed"},
          {"enableAutoCommit", false},
          {"autoOffsetReset", "earliest"}}},
    };
}

} // namespace sb
