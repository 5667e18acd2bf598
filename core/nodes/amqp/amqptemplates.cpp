// RabbitMQ's system templates of the AMQP kinds.
#include "../nodes.h"

namespace sb {

// The AMQP kinds as RabbitMQ runs them (their kinds' defaults follow RabbitMQ already).
std::vector<NodeTemplate> rabbitMqTemplates()
{
    return {
        {"rabbitmq-publisher",
         "Publisher (confirms)",
         "RabbitMQ",
         "producer",
         "Publisher confirms and persistent messages (delivery mode 2).",
         {{"sendMode", "confirmed"}, {"deliveryMode", "persistent"}}},
        {"rabbitmq-direct-exchange",
         "Direct exchange",
         "RabbitMQ",
         "exchange",
         "Routes to queues whose binding key equals the routing key (amq.direct).",
         {{"type", "direct"}}},
        {"rabbitmq-topic-exchange",
         "Topic exchange",
         "RabbitMQ",
         "exchange",
         "Routes by '.'-separated patterns: * one word, # zero or more (amq.topic).",
         {{"type", "topic"}}},
        {"rabbitmq-headers-exchange",
         "Headers exchange",
         "RabbitMQ",
         "exchange",
         "Routes by the bindings' header arguments, x-match all or any (amq.match).",
         {{"type", "headers"}}},
        {"rabbitmq-fanout-exchange",
         "Fanout exchange",
         "RabbitMQ",
         "exchange",
         "Copies every message to every bound queue (amq.fanout).",
         {{"type", "fanout"}}},
        {"rabbitmq-classic-queue",
         "Classic queue (durable)",
         "RabbitMQ",
         "queue",
         "A durable classic queue: persistent messages survive a broker restart.",
         {{"durable", true}}},
        {"rabbitmq-quorum-queue",
         "Quorum queue",
         "RabbitMQ",
         "queue",
         "Durable, with RabbitMQ 4's default delivery limit of 20.",
         {{"durable", true}, {"deliveryLimit", 20}}},
        {"rabbitmq-consumer",
         "Consumer (manual ack)",
         "RabbitMQ",
         "consumer",
         "Manual acknowledgements with a prefetch (basic.qos) of 10.",
         {{"ackMode", "manual"}, {"prefetch", 10}}},
    };
}

} // namespace sb
