#pragma once
// CQRS kinds: the command client (the write side's users: commands, then perhaps a read of what
// they wrote) and the projection (an event handler building a read model from a store's
// subscription and answering queries from it). Commands and queries follow commandprotocol.h.
#include "../../node.h"
#include "../../schema.h"

namespace sb {

NodeKindSpec commandClientKind();
// "Bank account client", "Order client", "Counter client": a command client per built-in model,
// grouped under "CQRS" in the palette.
std::vector<NodeTemplate> commandClientTemplates();
NodeKindSpec projectionKind();
// "Account balances (read model)", ...: grouped under "CQRS" in the palette.
std::vector<NodeTemplate> readModelTemplates();

namespace CommandClientPort {
inline constexpr PortIndex Commands = 0, Queries = 1;
}
namespace ProjectionPort {
inline constexpr PortIndex Store = 0, Queries = 1;
}

} // namespace sb
