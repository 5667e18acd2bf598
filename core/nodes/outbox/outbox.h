#pragma once
// The transactional outbox (Richardson, microservices.io "Transactional outbox"; Debezium's outbox
// event router): a service that changes its local database and publishes an event about it, either
// as two separate actions (the dual-write pitfall) or through an outbox table written in the same
// local transaction and published by a relay. Each kind's schema sits next to its logic.
#include "../../node.h"
#include "../../schema.h"

#include <vector>

namespace sb {

NodeKindSpec outboxServiceKind();
// "Service with dual write", "Service with outbox relay": grouped under "Transactional outbox".
std::vector<NodeTemplate> outboxTemplates();

namespace OutboxServicePort {
inline constexpr PortIndex Publish = 0;
}

} // namespace sb
