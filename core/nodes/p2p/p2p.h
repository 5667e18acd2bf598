#pragma once
// Peer to peer (docs/p2p.md): the `peer` kind (flooding, gossip push/pull/push-pull, anti-entropy,
// churn) and the overlay generator (overlay.h) that lays peers out and links them.
#include "../../node.h"
#include "../../schema.h"

namespace sb {

NodeKindSpec peerKind();
// Kademlia (kademlia.cpp): a DHT node, and the ip-network underlay it reaches other nodes through.
NodeKindSpec kademliaNodeKind();
NodeKindSpec ipNetworkKind();
// File distribution (bittorrent.cpp): a BitTorrent peer (BEP 3) and a plain file server.
NodeKindSpec btPeerKind();
NodeKindSpec fileServerKind();
// A node's 64-bit Kademlia id, from its id in the file.
std::uint64_t kademliaId(std::string_view nodeId);
// "Gnutella-style flooding", "Rumour mongering (push-pull)", "Anti-entropy": grouped under
// "Peer to peer" in the palette.
std::vector<NodeTemplate> peerTemplates();

} // namespace sb
