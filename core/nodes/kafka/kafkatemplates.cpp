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
         "A replicated topic as production clusters run it: 6 partitions on 3 brokers, replication factor 3, "
         "min.insync.replicas 2 (Kafka's own defaults are 1 partition, replication factor 1).",
         {{"partitions", 6}, {"brokers", 3}, {"replicationFactor", 3}, {"minInsyncReplicas", 2}}},
        {"kafka-compacted-topic",
         "Kafka compacted topic",
         "Apache Kafka",
         "kafka-topic",
         "cleanup.policy=compact: the newest record per key survives, tombstones go after delete.retention.ms.",
         {{"partitions", 3}, {"brokers", 3}, {"replicationFactor", 3}, {"minInsyncReplicas", 2},
          {"cleanupPolicy", "compact"}}},
        {"kafka-producer",
         "Kafka producer",
         "Apache Kafka",
         "kafka-producer",
         "The Java client's defaults (Kafka 4.x): acks=all, idempotence on, linger.ms 5, batch.size 16 KiB, 5 "
         "requests in flight.",
         Json::object()},
        {"kafka-producer-acks1",
         "Kafka producer (acks=1)",
         "Apache Kafka",
         "kafka-producer",
         "acks=1 without idempotence, the pre-3.0 defaults: faster, and a leader crash can lose acknowledged "
         "records.",
         {{"acks", "1"}, {"enableIdempotence", false}}},
        {"kafka-consumer",
         "Kafka consumer group member",
         "Apache Kafka",
         "kafka-consumer",
         "The Java client's defaults: auto-commit every 5 s, session.timeout.ms 45 s, range + cooperative-sticky "
         "assignors.",
         Json::object()},
        {"kafka-consumer-manual",
         "Kafka consumer (commit after processing)",
         "Apache Kafka",
         "kafka-consumer",
         "enable.auto.commit=false and a synchronous commit after each poll's records: at-least-once.",
         {{"enableAutoCommit", false}, {"commitMode", "sync-after-processing"}}},
    };
}

} // namespace sb
