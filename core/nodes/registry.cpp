#include "../faults/faultplan.h"
#include "../link.h"
#include "actors/actors.h"
#include "content/content.h"
#include "cqrs/cqrs.h"
#include "eventsourcing/eventsourcing.h"
#include "gcppubsub/gcppubsub.h"
#include "kafka/kafka.h"
#include "messaging/messaging.h"
#include "mqtt/mqtt.h"
#include "nats/nats.h"
#include "nodes.h"
#include "outbox/outbox.h"
#include "p2p/p2p.h"
#include "redis/redis.h"
#include "reqreply/reqreply.h"
#include "rpc/rpc.h"
#include "sagas/sagas.h"
#include "script/script.h"
#include "sns/sns.h"
#include "sqs/sqs.h"

#include <initializer_list>
#include <string_view>
#include <utility>

namespace sb {

namespace {

// The properties whose 0 switches a limit off rather than counting anything (their help says
// "0 = ..."): the property editor shows that 0 in words.
NodeKindSpec withZeroMeanings(NodeKindSpec kind,
                              std::initializer_list<std::pair<std::string_view, std::string_view>> meanings)
{
    for (auto &p : kind.properties)
        for (const auto &[key, meaning] : meanings)
            if (p.key == key) p.zeroMeans = meaning;
    return kind;
}

} // namespace

const KindRegistry &KindRegistry::builtin()
{
    static const KindRegistry registry = [] {
        KindRegistry r;
        r.add(withZeroMeanings(producerKind(), {{"count", "no limit"}, {"duration", "no limit"}}));
        r.add(exchangeKind());
        r.add(withZeroMeanings(queueKind(), {{"maxLength", "no limit"},
                                             {"messageTtl", "never"},
                                             {"ackTimeout", "never"},
                                             {"deliveryLimit", "no limit"}}));
        r.add(withZeroMeanings(consumerKind(), {{"prefetch", "unlimited"}}));
        for (auto &t : rabbitMqTemplates())
            r.addTemplate(std::move(t));
        const std::initializer_list<std::pair<std::string_view, std::string_view>> clientZeros = {
            {"count", "no limit"},
            {"duration", "no limit"},
            {"maxOutstanding", "no limit"},
            {"deadline", "none"},
            {"attemptTimeout", "until the deadline"},
            {"throttleMaxTokens", "off"},
            {"breakerThreshold", "no breaker"}};
        r.add(withZeroMeanings(rpcClientKind(), clientZeros));
        r.add(withZeroMeanings(rpcServerKind(), {{"queueLimit", "no limit"}, {"retryAfter", "none"}}));
        r.add(withZeroMeanings(httpClientKind(), clientZeros));
        r.add(withZeroMeanings(
            httpServerKind(),
            {{"queueLimit", "no limit"}, {"retryAfter", "no header"}, {"rateLimit", "no limit"}}));
        for (auto &t : rpcTemplates())
            r.addTemplate(std::move(t));
        r.add(withZeroMeanings(channelKind(), {{"capacity", "no limit"}}));
        r.add(withZeroMeanings(amqpRpcClientKind(), {{"count", "no limit"},
                                                     {"timeout", "wait forever"},
                                                     {"maxOutstanding", "no limit"},
                                                     {"prefetch", "no limit"}}));
        r.add(withZeroMeanings(amqpRpcServerKind(), {{"prefetch", "no limit"}}));
        for (auto &t : amqpRpcTemplates())
            r.addTemplate(std::move(t));
        r.add(withZeroMeanings(kafkaTopicKind(),
                               {{"retention", "no time limit"}, {"retentionBytes", "no limit"}}));
        r.add(withZeroMeanings(kafkaProducerKind(), {{"count", "no limit"},
                                                     {"duration", "no limit"},
                                                     {"linger", "send as soon as the sender can"},
                                                     {"retries", "never retry"}}));
        r.add(withZeroMeanings(kafkaConsumerKind(), {{"fetchMaxWait", "answer at once"},
                                                     {"autoCommitInterval", "at every poll"}}));
        for (auto &t : kafkaTemplates())
            r.addTemplate(std::move(t));
        r.add(withZeroMeanings(sqsQueueKind(), {{"maxReceiveCount", "no redrive"},
                                                {"receiveMessageWaitTime", "short polling"},
                                                {"throughputQuota", "off"},
                                                {"maxInFlight", "SQS's quota"}}));
        r.add(withZeroMeanings(
            sqsProducerKind(),
            {{"count", "no limit"}, {"duration", "no limit"}, {"delaySeconds", "the queue's"}}));
        r.add(withZeroMeanings(sqsConsumerKind(), {{"visibilityTimeout", "the queue's"}}));
        for (auto &t : sqsTemplates())
            r.addTemplate(std::move(t));
        r.add(withZeroMeanings(eventStoreKind(), {{"maxCount", "keep all"}, {"maxAge", "forever"}}));
        for (auto &t : eventStoreTemplates())
            r.addTemplate(std::move(t));
        r.add(withZeroMeanings(projectionKind(), {{"queryTimeout", "wait as long as it takes"}}));
        for (auto &t : readModelTemplates())
            r.addTemplate(std::move(t));
        r.add(withZeroMeanings(commandHandlerKind(), {{"snapshotEvery", "never"},
                                                      {"conflictRetries", "never"},
                                                      {"writeVersion", "each type's current version"},
                                                      {"storeTimeout", "wait forever"}}));
        for (auto &t : commandHandlerTemplates())
            r.addTemplate(std::move(t));
        r.add(
            withZeroMeanings(commandClientKind(),
                             {{"count", "no limit"}, {"duration", "no limit"}, {"timeout", "wait forever"}}));
        for (auto &t : commandClientTemplates())
            r.addTemplate(std::move(t));
        r.add(withZeroMeanings(sagaParticipantKind(), {{"amount", "the command's \"amount\" header"}}));
        r.add(withZeroMeanings(sagaOrchestratorKind(), {{"count", "no limit"}, {"duration", "no limit"}}));
        for (auto &t : sagaTemplates())
            r.addTemplate(std::move(t));
        r.add(withZeroMeanings(outboxServiceKind(), {{"count", "no limit"}, {"duration", "no limit"}}));
        for (auto &t : outboxTemplates())
            r.addTemplate(std::move(t));
        r.add(contentFilterKind());
        for (auto &t : contentTemplates())
            r.addTemplate(std::move(t));
        r.add(withZeroMeanings(mqttBrokerKind(), {{"maxInflightMessages", "no limit"},
                                                  {"maxQueuedMessages", "no limit"},
                                                  {"retryInterval", "only on reconnect"},
                                                  {"persistentClientExpiration", "never"}}));
        r.add(withZeroMeanings(mqttClientKind(), {{"count", "no limit"},
                                                  {"duration", "no limit"},
                                                  {"sessionExpiry", "ends with the connection"},
                                                  {"keepAlive", "off"},
                                                  {"maxInflightMessages", "no limit"},
                                                  {"retryInterval", "only on reconnect"},
                                                  {"connectTimeout", "wait forever"},
                                                  {"offlineAt", "never"},
                                                  {"offlineFor", "stay offline"}}));
        for (auto &t : mqttTemplates())
            r.addTemplate(std::move(t));
        // Redis Pub/Sub and NATS
        r.add(withZeroMeanings(redisServerKind(),
                               {{"pubsubHardLimit", "no limit"}, {"pubsubSoftLimit", "no limit"}}));
        r.add(withZeroMeanings(redisPublisherKind(), {{"count", "no limit"}, {"duration", "no limit"}}));
        r.add(withZeroMeanings(redisSubscriberKind(),
                               {{"unsubscribeAt", "never"}, {"reconnectDelay", "never"}}));
        for (auto &t : redisTemplates())
            r.addTemplate(std::move(t));
        r.add(withZeroMeanings(natsServerKind(), {{"maxPayload", "no limit"}}));
        r.add(withZeroMeanings(
            natsPublisherKind(),
            {{"count", "no limit"}, {"duration", "no limit"}, {"requestTimeout", "forever"}}));
        r.add(withZeroMeanings(natsSubscriberKind(),
                               {{"pendingMsgsLimit", "no limit"}, {"pendingBytesLimit", "no limit"}}));
        for (auto &t : natsTemplates())
            r.addTemplate(std::move(t));
        // Amazon SNS
        r.add(snsTopicKind());
        r.add(withZeroMeanings(snsPublisherKind(), {{"count", "no limit"}, {"duration", "no limit"}}));
        r.add(withZeroMeanings(httpEndpointKind(),
                               {{"outageFor", "never down"}, {"outageStatus", "no answer"}}));
        for (auto &t : snsTemplates())
            r.addTemplate(std::move(t));
        // Google Cloud Pub/Sub
        r.add(withZeroMeanings(pubsubPublisherKind(), {{"count", "no limit"}, {"duration", "no limit"}}));
        r.add(withZeroMeanings(pubsubTopicKind(), {{"messageRetentionDuration", "not set"}}));
        r.add(withZeroMeanings(pubsubSubscriptionKind(),
                               {{"createdAt", "from the start"}, {"seekAt", "never"}}));
        r.add(withZeroMeanings(pubsubSubscriberKind(), {{"maxOutstandingMessages", "no limit"},
                                                        {"maxOutstandingBytes", "no limit"}}));
        for (auto &t : pubsubTemplates())
            r.addTemplate(std::move(t));
        // Actors and supervision
        r.add(actorKind());
        r.add(
            withZeroMeanings(supervisorKind(), {{"period", "no limit"}, {"minBackoff", "restart at once"}}));
        r.add(withZeroMeanings(actorClientKind(), {{"count", "no limit"}, {"duration", "no limit"}}));
        for (auto &t : actorTemplates())
            r.addTemplate(std::move(t));
        // Peer to peer (core/nodes/p2p/)
        r.add(peerKind());
        r.add(kademliaNodeKind());
        r.add(ipNetworkKind());
        r.add(btPeerKind());
        r.add(fileServerKind());
        for (auto &t : peerTemplates())
            r.addTemplate(std::move(t));
        // Scripted nodes (Lua 5.4)
        r.add(scriptKind());
        for (auto &t : scriptTemplates())
            r.addTemplate(std::move(t));
        r.setLinkProperties(linkPropertySpecs());
        r.setFaultKinds(builtinFaultKinds());
        r.setClockProperties(clockPropertySpecs());
        return r;
    }();
    return registry;
}

} // namespace sb
