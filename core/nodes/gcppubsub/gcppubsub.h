#pragma once
// Google Cloud Pub/Sub: a publisher (pubsub-publisher), a topic (pubsub-topic), a subscription
// (pubsub-subscription: pull or push, ack deadlines, ordering keys, dead-letter topic, retry
// policy, retention and seek, exactly-once delivery, attribute filters) and a subscriber
// (pubsub-subscriber: a pull client with flow control and lease extension, or a push endpoint).
// pubsubprotocol.h is what they say to each other; pubsubfilter.h the filter language.
#include "../../node.h"
#include "../../schema.h"

namespace sb {

NodeKindSpec pubsubPublisherKind();
NodeKindSpec pubsubTopicKind();
NodeKindSpec pubsubSubscriptionKind();
NodeKindSpec pubsubSubscriberKind();
// "Pub/Sub pull subscription", "Pub/Sub push subscription", ...: grouped under "Google Cloud
// Pub/Sub" in the palette.
std::vector<NodeTemplate> pubsubTemplates();

} // namespace sb
