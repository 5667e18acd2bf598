#pragma once
// NATS core: the server (nats-server: subjects with '*' and '>' wildcards, queue groups,
// request-reply's "no responders"), a publisher (nats-publisher: PUB, or requests with a reply
// inbox) and a subscriber (nats-subscriber: subscriptions with queue groups, optionally a responder
// answering requests). natsprotocol.h is what they say to each other.
#include "../../node.h"
#include "../../schema.h"

namespace sb {

NodeKindSpec natsServerKind();
NodeKindSpec natsPublisherKind();
NodeKindSpec natsSubscriberKind();
// "NATS server", "NATS publisher", "NATS requester", ...: grouped under "NATS" in the palette.
std::vector<NodeTemplate> natsTemplates();

} // namespace sb
