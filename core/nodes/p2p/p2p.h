#pragma once
// Peer to peer (docs/p2p.md): the `peer` kind (flooding, gossip push/pull/push-pull, anti-entropy,
// churn) and the overlay generator (overlay.h) that lays peers out and links them.
#include "../../node.h"
#include "../../schema.h"

namespace sb {

NodeKindSpec peerKind();
// "Gnutella-style flooding", "Rumour mongering (push-pull)", "Anti-entropy": grouped under
// "Peer to peer" in the palette.
std::vector<NodeTemplate> peerTemplates();

} // namespace sb
