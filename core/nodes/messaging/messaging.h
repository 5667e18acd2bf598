#pragma once
// Message passing between processes: a channel, synchronous (rendezvous) or asynchronous (a
// buffer), between senders (producers) and receivers (consumers).
#include "../../schema.h"

namespace sb {

NodeKindSpec channelKind();

// Port numbers, fixed by the order the kind declares its ports.
namespace ChannelPort {
inline constexpr PortIndex In = 0, Out = 1;
}

} // namespace sb
