// File distribution: BitTorrent-style piece exchange (BEP 3, "The BitTorrent Protocol
// Specification") and, to compare with, a plain file server.
//
// bt-peer: a peer of a swarm sharing one file of `pieces` pieces of `pieceSize` bytes. Its
// neighbours are the peers at the other end of its links (what the tracker's peer list gave it).
// On start it sends each neighbour a bitfield (BtBitfield) of the pieces it has (a seed has all);
// each piece it completes it announces with have (BtHave) to every neighbour. It keeps up to
// `pipeline` requests (BtRequest) outstanding on each connection (BEP 3: "keeping a few unfulfilled
// requests on each connection"), choosing rarest first among the pieces that neighbour has and it
// lacks and has not requested elsewhere (ties broken at random). Requests it receives queue for its
// upload link: each piece (BtPiece) takes pieceSize / uploadRate to send, one at a time, FIFO.
// Choking: it serves at most `uploadSlots` peers at once (a peer holds a slot while it has requests
// queued); a request from another is rejected (a BtRequest response: BEP 6's Reject Request) and
// that peer asks others, trying this one again after rechokeInterval. Simplifications (docs/p2p.md):
// whole pieces rather than 16 KiB blocks, slots first come first served rather than tit-for-tat
// by upload rate, no optimistic unchoke, no endgame, download capacity not limited. A leecher that has the
// whole file traces Process (aux = the time since the run began) and stays to seed.
//
// file-server: holds the whole file and serves its clients' requests from one upload link of
// `uploadRate`, FIFO; its clients are bt-peers linked only to it (they download and never upload).
// With the same upload rate, the client-server time grows as N F / us and the swarm's stays near
// F / us (Kurose & Ross, "Computer Networking", section 2.5: D_cs = max(N F / us, F / dmin),
// D_p2p = max(F / us, F / dmin, N F / (us + sum ui))).
#include "p2p.h"
#include "p2pprotocol.h"

#include "../common.h"

#include <algorithm>
#include <deque>
#include <map>

namespace sb {

namespace {

class PieceNode final : public Node {
public:
    PieceNode(const NodeSetup &s, bool server)
    {
        const auto &p = s.properties;
        m_server = server;
        m_pieces = static_cast<std::uint32_t>(p.integer("pieces"));
        m_pieceSize = static_cast<std::uint64_t>(p.integer("pieceSize"));
        m_uploadRate = p.number("uploadRate");
        m_seed = server || p.boolean("seed");
        if (!server) {
            m_pipeline = static_cast<std::uint32_t>(p.integer("pipeline"));
            m_slots = static_cast<std::uint32_t>(p.integer("uploadSlots"));
            m_rechoke = p.duration("rechokeInterval");
        }
    }

    void start(NodeContext &ctx) override
    {
        m_have.assign(m_pieces, m_seed);
        // A seed's pieces are its data: one message each (id, size), passed on unchanged by every
        // peer that uploads the piece later.
        m_data.assign(m_pieces, nullptr);
        if (m_seed)
            for (std::uint32_t p = 0; p < m_pieces; ++p) {
                auto m = std::make_shared<Message>();
                m->id = ctx.newMessageId();
                m->producer = ctx.self();
                m->sequence = p + 1;
                m->size = static_cast<std::uint32_t>(std::min<std::uint64_t>(m_pieceSize, 0xffffffffu));
                m->key = "piece-" + std::to_string(p);
                m_data[p] = std::move(m);
            }
        m_haveCount = m_seed ? m_pieces : 0;
        m_neighbours.clear();
        for (PortIndex port = 0; port < 2; ++port)
            for (LinkIndex l : ctx.links(port))
                m_neighbours[l] = Neighbour{std::vector<char>(m_pieces, 0), 0};
        m_availability.assign(m_pieces, 0);
        auto bits = std::make_shared<BtBits>();
        bits->have = m_have;
        for (auto &[l, n] : m_neighbours) {
            Frame f;
            f.type = FrameType::BtBitfield;
            f.count = m_haveCount;
            f.body = bits;
            ctx.send(l, std::move(f));
        }
    }

    void onFrame(NodeContext &ctx, LinkIndex from, Frame &f) override
    {
        auto it = m_neighbours.find(from);
        if (it == m_neighbours.end()) return;
        Neighbour &n = it->second;
        switch (f.type) {
        case FrameType::BtBitfield:
            if (const auto *bits = f.as<BtBits>())
                for (std::uint32_t p = 0; p < m_pieces && p < bits->have.size(); ++p)
                    if (bits->have[p] && !n.has[p]) {
                        n.has[p] = 1;
                        ++m_availability[p];
                    }
            requestMore(ctx, from);
            break;
        case FrameType::BtHave:
            if (f.count < m_pieces && !n.has[f.count]) {
                n.has[f.count] = 1;
                ++m_availability[f.count];
            }
            requestMore(ctx, from);
            break;
        case FrameType::BtRequest:
            if (f.response) { // rejected: that neighbour chokes this peer for now
                onReject(ctx, from, f.count);
                break;
            }
            if (f.count >= m_pieces || !m_have[f.count]) break;
            if (m_slots > 0 && !m_unchoked.count(from) && m_unchoked.size() >= m_slots) {
                // Choked: every upload slot is taken. Reject Request (BEP 6) so it asks elsewhere.
                Frame r;
                r.type = FrameType::BtRequest;
                r.response = true;
                r.count = f.count;
                ctx.send(from, std::move(r));
                break;
            }
            m_unchoked[from] += 1;
            m_uploads.push_back({from, f.count});
            if (!m_uploading) startUpload(ctx);
            break;
        case FrameType::BtPiece:
            if (f.count < m_pieces && !m_data[f.count]) m_data[f.count] = f.message;
            onPiece(ctx, from, f.count);
            break;
        default:
            break;
        }
    }

    void onTimer(NodeContext &ctx, std::uint64_t tag) override
    {
        if (tag >= RetryTimerBase) { // a choking neighbour may have a slot again
            const auto link = static_cast<LinkIndex>(tag - RetryTimerBase);
            auto it = m_neighbours.find(link);
            if (it != m_neighbours.end()) {
                it->second.choked = false;
                requestMore(ctx, link);
            }
            return;
        }
        if (tag != UploadTimer || m_uploads.empty()) return;
        const Upload u = m_uploads.front();
        m_uploads.pop_front();
        // A peer with nothing more queued gives its upload slot up.
        if (auto it = m_unchoked.find(u.to); it != m_unchoked.end() && --it->second == 0)
            m_unchoked.erase(it);
        Frame f;
        f.type = FrameType::BtPiece;
        f.count = u.piece;
        f.message = m_data[u.piece];
        ctx.send(u.to, std::move(f));
        m_uploading = false;
        if (!m_uploads.empty()) startUpload(ctx);
    }

    NodeStatus status() const override
    {
        NodeStatus s;
        s.ready = m_uploads.size();
        s.inFlight = m_requested.size();
        return s;
    }

private:
    enum : std::uint64_t { UploadTimer = 1, RetryTimerBase = 1000 };
    struct Neighbour {
        std::vector<char> has;
        std::uint32_t outstanding = 0;
        bool choked = false; // it rejected a request: ask it again after rechokeInterval
    };
    struct Upload {
        LinkIndex to = kNoIndex;
        std::uint32_t piece = 0;
    };

    void startUpload(NodeContext &ctx)
    {
        m_uploading = true;
        const double seconds = m_uploadRate > 0 ? static_cast<double>(m_pieceSize) / m_uploadRate : 0;
        ctx.startTimer(timeFromNanoseconds(seconds * 1e9), UploadTimer);
    }

    void requestMore(NodeContext &ctx, LinkIndex link)
    {
        if (m_server || m_haveCount == m_pieces) return;
        Neighbour &n = m_neighbours[link];
        if (n.choked) return;
        while (n.outstanding < m_pipeline) {
            // Rarest first among what this neighbour has and nobody was asked for yet.
            std::uint32_t best = m_pieces, ties = 0;
            for (std::uint32_t p = 0; p < m_pieces; ++p) {
                if (m_have[p] || !n.has[p] || m_requested.count(p)) continue;
                if (best == m_pieces || m_availability[p] < m_availability[best]) {
                    best = p;
                    ties = 1;
                } else if (m_availability[p] == m_availability[best] && ctx.rng().below(++ties) == 0) {
                    best = p; // reservoir sampling: a uniform pick among the rarest
                }
            }
            if (best == m_pieces) return;
            m_requested[best] = link;
            ++n.outstanding;
            Frame f;
            f.type = FrameType::BtRequest;
            f.count = best;
            ctx.send(link, std::move(f));
        }
    }

    void onReject(NodeContext &ctx, LinkIndex from, std::uint32_t piece)
    {
        Neighbour &n = m_neighbours[from];
        if (n.outstanding > 0) --n.outstanding;
        if (auto it = m_requested.find(piece); it != m_requested.end() && it->second == from)
            m_requested.erase(it);
        if (!n.choked) {
            n.choked = true;
            ctx.startTimer(m_rechoke, RetryTimerBase + from);
        }
        // The piece is free to ask for elsewhere.
        for (auto &[l, nb] : m_neighbours)
            if (l != from) requestMore(ctx, l);
    }

    void onPiece(NodeContext &ctx, LinkIndex from, std::uint32_t piece)
    {
        if (piece >= m_pieces) return;
        Neighbour &n = m_neighbours[from];
        if (n.outstanding > 0) --n.outstanding;
        m_requested.erase(piece);
        if (m_have[piece]) {
            TraceEvent e;
            e.kind = TraceKind::Drop;
            e.reason = DropReason::Deduplicated;
            e.peer = ctx.peer(from);
            e.offset = piece;
            ctx.trace(e);
        } else {
            m_have[piece] = 1;
            ++m_haveCount;
            TraceEvent e;
            e.kind = TraceKind::Learn;
            e.messageId = m_data[piece] ? m_data[piece]->id : 0;
            e.peer = ctx.peer(from);
            e.offset = piece; // the piece's index
            e.aux = 1;
            ctx.trace(e);
            for (auto &[l, nb] : m_neighbours) {
                if (nb.has[piece]) continue; // it has it: no need to tell (BEP 3 allows it either way)
                Frame h;
                h.type = FrameType::BtHave;
                h.count = piece;
                ctx.send(l, std::move(h));
            }
            if (m_haveCount == m_pieces) {
                TraceEvent done;
                done.kind = TraceKind::Process;
                done.peer = ctx.peer(from);
                done.aux = ctx.now();
                ctx.trace(done);
                return;
            }
        }
        for (auto &[l, nb] : m_neighbours)
            requestMore(ctx, l);
    }

    bool m_server = false, m_seed = false, m_uploading = false;
    std::uint32_t m_pieces = 0, m_haveCount = 0, m_pipeline = 5, m_slots = 0;
    SimTime m_rechoke = 10 * kSecond;
    std::map<LinkIndex, std::uint32_t> m_unchoked; // peers holding an upload slot: their queued requests
    std::uint64_t m_pieceSize = 0;
    double m_uploadRate = 0;
    std::vector<char> m_have;
    std::vector<MessageRef> m_data;            // each piece's data, once held
    std::vector<std::uint32_t> m_availability; // neighbours holding each piece
    std::map<LinkIndex, Neighbour> m_neighbours;
    std::map<std::uint32_t, LinkIndex> m_requested; // outstanding requests by piece
    std::deque<Upload> m_uploads;
};

std::vector<PropertySpec> fileProperties(double uploadDefault)
{
    using T = PropertyType;
    return {
        property("pieces", "Pieces", T::Integer, 64, "The file's pieces.", "", 1, 100000),
        property("pieceSize", "Piece size", T::Integer, 262144,
                 "Bytes a piece (BEP 3: \"almost always a power of two, most commonly 2^18 = 256 K\").",
                 "bytes", 1, 1e9),
        property("uploadRate", "Upload rate", T::Number, uploadDefault,
                 "Upload capacity: one piece at a time, each taking pieceSize / uploadRate.", "bytes/s", 1,
                 1e12),
    };
}

} // namespace

NodeKindSpec btPeerKind()
{
    NodeKindSpec k;
    k.kind = "bt-peer";
    k.label = "BitTorrent peer";
    k.category = "Peer to peer";
    k.help = "A BitTorrent peer (BEP 3): bitfield, have, request, piece; rarest first; uploads what it has.";
    k.ports = {{"out", PortDirection::Out, Protocol::Peer, true, "Connections to other peers of the swarm.",
                PortSpec::Need::Optional},
               {"in", PortDirection::In, Protocol::Peer, true,
                "Connections from other peers, a seed or a file-server.", PortSpec::Need::Optional}};
    k.properties = fileProperties(1048576);
    using T = PropertyType;
    k.properties.push_back(property("seed", "Seed", T::Bool, false,
                                    "Starts with the whole file (a seeder) rather than none of it."));
    k.properties.push_back(property("pipeline", "Pipeline", T::Integer, 5,
                                    "Requests kept outstanding on each connection (BEP 3: a few).", "", 1,
                                    1000));
    k.properties.push_back(
        property("uploadSlots", "Upload slots", T::Integer, 4,
                 "Peers served at once (unchoked; the mainline client unchokes 4). Requests from "
                 "others are rejected (BEP 6's Reject Request) and they ask elsewhere; 0 = no "
                 "limit.",
                 "", 0, 1000));
    k.properties.push_back(
        property("rechokeInterval", "Rechoke interval", T::Duration, 10000,
                 "How long a peer whose request was rejected waits before asking that neighbour "
                 "again (BEP 3's choking runs every 10 s).",
                 "ms", 1));
    k.properties[k.properties.size() - 2].zeroMeans = "no limit";
    k.deliveryRole = DeliveryRole::Log;
    k.factory = [](const NodeSetup &s) { return std::make_unique<PieceNode>(s, false); };
    k.explainRoute = [](const RouteQuestion &) {
        return endRoute("a BitTorrent peer exchanges pieces with its neighbours; nothing to follow");
    };
    return k;
}

NodeKindSpec fileServerKind()
{
    NodeKindSpec k;
    k.kind = "file-server";
    k.label = "File server";
    k.category = "Peer to peer";
    k.help = "Serves a whole file to its clients (bt-peers linked only to it) from one upload link.";
    k.ports = {{"clients", PortDirection::Out, Protocol::Peer, true, "Links to its clients (bt-peers)."}};
    k.properties = fileProperties(1048576);
    k.deliveryRole = DeliveryRole::Log;
    k.factory = [](const NodeSetup &s) { return std::make_unique<PieceNode>(s, true); };
    k.explainRoute = [](const RouteQuestion &) {
        return endRoute("a file server sends the file's pieces to the clients that ask; nothing to follow");
    };
    return k;
}

} // namespace sb
