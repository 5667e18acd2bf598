#pragma once
// What the Redis and NATS clients share: a channel or subject template per message, a new message
// from the shared workload, and the check of a list of channels, subjects or patterns against a
// subscription dialect (core/pubsub/dialect.h).
#include "../../pubsub/dialect.h"
#include "../common.h"
#include "../workload.h"

#include <memory>
#include <string>

namespace sb {

// A new message of `workload` due now, to `name` (a channel or a subject: its routingKey; the
// item's script entry may name its own in `field`), announced and traced as Publish. `correlate`:
// the message starts a call, its correlationId is its own id.
MessageRef publishPubSubMessage(NodeContext &ctx, const Workload &workload, const Workload::Item &item,
                                const std::string &nameTemplate, const char *field, const std::string &node,
                                bool correlate = false);

// Why `name` is not a valid pattern (asFilter) or name in dialect `d`, for a person ("'a..b':
// token 2 is empty (at position 2)"), or empty when it is.
std::string pubSubNameProblem(Dialect d, const std::string &name, bool asFilter);

} // namespace sb
