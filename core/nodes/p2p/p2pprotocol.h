#pragma once
// What peers say to each other (core/nodes/p2p/). Items (rumours) travel as the frame's message;
// `deliveryCount` carries the hops the item has taken on arrival (1 for a neighbour of its
// originator) and, on PeerFlood, `count` the time to live left (the receiver forwards with one
// less; at 0 it is not forwarded).
//  - PeerFlood: one item, flooded (Gnutella-style query flooding: TTL and duplicate suppression).
//  - PeerGossip: one item pushed by rumour mongering (or an anti-entropy push-back); with
//    `response` set it is the receiver's feedback that it already knew the item (Demers et al.'s
//    "feedback" variant), no message attached... the item id rides in `tag`.
//  - PeerPull: a digest (the ids of the items the sender holds) asking for what it lacks.
//  - PeerPullReply: the items the asker lacks (hot ones for rumour mongering, all for
//    anti-entropy) and, for anti-entropy, the replier's own digest so the asker can push back.
#include "../../message.h"

#include <cstdint>
#include <vector>

namespace sb {

namespace PeerPort {
inline constexpr PortIndex Out = 0, In = 1;
}

struct PeerDigest final : FrameBody {
    std::vector<std::uint64_t> ids; // sorted
};

struct PeerItems final : FrameBody {
    struct Item {
        MessageRef message;
        std::uint32_t hops = 0; // hops on arrival
    };
    std::vector<Item> items;
    std::vector<std::uint64_t> digest; // anti-entropy: the replier's ids, sorted; else empty
    bool antiEntropy = false;
};

// BitTorrent's bitfield (bittorrent.cpp); have, request and piece carry the piece index in `count`.
struct BtBits final : FrameBody {
    std::vector<char> have; // by piece index
};

// Kademlia's FIND_NODE and its answer (kademlia.cpp), carried through an ip-network: `to` is the
// node the datagram is addressed to (kNoIndex: the network's bootstrap service picks a member).
struct KadMessage final : FrameBody {
    struct Contact {
        std::uint64_t id = 0; // the node's Kademlia id
        NodeIndex node = kNoIndex;
    };
    NodeIndex from = kNoIndex, to = kNoIndex;
    std::uint64_t fromId = 0;
    std::uint64_t target = 0;
    std::uint64_t rpc = 0;         // the sender's RPC id, echoed in the answer
    std::vector<Contact> contacts; // the answer: the k closest to target the answerer knows
};

} // namespace sb
