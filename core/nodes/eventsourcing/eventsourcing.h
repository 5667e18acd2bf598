#pragma once
// Event-sourcing kinds: the event store (streams, expected versions, a global position,
// catch-up and persistent subscriptions) and the command handler that loads aggregates from it,
// decides commands with a built-in model (aggregatemodel.h) and appends the events. They speak
// the protocol of esprotocol.h; each kind's schema sits next to its logic.
#include "../../node.h"
#include "../../schema.h"

namespace sb {

NodeKindSpec eventStoreKind();
NodeKindSpec commandHandlerKind();
// "EventStoreDB (KurrentDB)": grouped under "Event sourcing" in the palette.
std::vector<NodeTemplate> eventStoreTemplates();
// "Bank account handler", "Order handler", "Counter handler": a command handler per built-in
// model, grouped under "Event sourcing" in the palette.
std::vector<NodeTemplate> commandHandlerTemplates();

namespace EventStorePort {
inline constexpr PortIndex Clients = 0;
}
namespace CommandHandlerPort {
inline constexpr PortIndex Commands = 0, Store = 1;
}

} // namespace sb
