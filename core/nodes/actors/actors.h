#pragma once
// Actors with OTP/Akka supervision (docs/actors.md): the actor (a mailbox and a behaviour), the
// supervisor (one-for-one, one-for-all, rest-for-one; restart intensity; backoff; escalation) and
// the actor client (tells or asks at a workload's rate). actorprotocol.h is what they say to each
// other; supervision happens only through those frames, never by reading another node's state.
#include "../../node.h"
#include "../../schema.h"

namespace sb {

NodeKindSpec actorKind();
NodeKindSpec supervisorKind();
NodeKindSpec actorClientKind();
// "Erlang/OTP supervisor", "Erlang gen_server", "Akka actor", "Akka supervisor"...: grouped under
// "Erlang/OTP" and "Akka" in the palette.
std::vector<NodeTemplate> actorTemplates();
// The senders' "roomProbe" property (actor, actor client): back-pressure's probe timer (actorlinks.h).
PropertySpec roomProbeProperty();

} // namespace sb
