#pragma once
// Redis Pub/Sub: the server's Pub/Sub part (redis-server), a publisher (redis-publisher: PUBLISH
// with the shared workload) and a subscriber (redis-subscriber: SUBSCRIBE channels, PSUBSCRIBE
// patterns). redisprotocol.h is what they say to each other.
#include "../../node.h"
#include "../../schema.h"

namespace sb {

NodeKindSpec redisServerKind();
NodeKindSpec redisPublisherKind();
NodeKindSpec redisSubscriberKind();
// "Redis server", "Redis publisher", "Redis subscriber": grouped under "Redis" in the palette.
std::vector<NodeTemplate> redisTemplates();

} // namespace sb
