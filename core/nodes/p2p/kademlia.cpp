// Kademlia (Maymounkov & Mazières 2002, "Kademlia: A Peer-to-peer Information System Based on the
// XOR Metric"): the `kademlia-node` kind and the `ip-network` it talks through.
//
// Ids: 64 bits (the paper's are 160-bit SHA-1 values), derived from the node's id in the file by
// a hash (FNV-1a, then the splitmix64 finaliser): fixed for a file, spread uniformly. Distance is
// XOR. The routing table has one k-bucket per bit: bucket i holds up to k contacts whose distance
// has its highest set bit at i, least recently seen first. Any message from a node moves it to
// its bucket's tail; a full bucket keeps its old contacts and drops the newcomer (the paper pings
// the least recently seen first and keeps it if it answers: long-lived contacts are the best
// predictors of staying up). A contact that does not answer an RPC within rpcTimeout is removed.
//
// FIND_NODE (KadFindNode / KadFindNodeReply): the receiver answers with the k contacts it knows
// closest to the target. A lookup is iterative: the origin keeps a shortlist of the closest
// contacts it has heard of, sends FIND_NODE to alpha of the closest not yet asked, and on each
// answer (or timeout) asks the next, until the k closest it knows have all answered or failed.
// Its hops are the rounds it took to reach the closest node found (a contact from the origin's own
// table is 1 hop, one named in that contact's answer 2, ...); traced as Lookup (aux = hops) at the
// origin, reason Timeout when nobody answered.
//
// Joining (section 2.3): a node joins at a random time within joinSpread; it asks the network's
// bootstrap service for a node already in (the network forwards its first FIND_NODE to a random
// earlier member, standing in for a well-known bootstrap node such as router.bittorrent.com), looks
// up its own id, then refreshes every bucket further than its closest neighbour with a lookup of a
// random id in that bucket's range. Then it issues `lookups` lookups of random keys, one every
// lookupInterval, from lookupsFrom on.
//
// ip-network: the underlay. Kademlia nodes contact any node by address, not only neighbours: each
// node has one link to the network, which forwards a datagram to the node it is addressed to (two
// link latencies end to end). It keeps no state beyond who has joined.
#include "p2p.h"
#include "p2pprotocol.h"

#include "../common.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cstdio>
#include <unordered_map>

namespace sb {

namespace {

constexpr int kIdBits = 64;

std::uint64_t kadIdOf(std::string_view name)
{
    std::uint64_t h = 0xcbf29ce484222325ULL;
    for (unsigned char c : name) {
        h ^= c;
        h *= 0x100000001b3ULL;
    }
    h ^= h >> 30;
    h *= 0xbf58476d1ce4e5b9ULL;
    h ^= h >> 27;
    h *= 0x94d049bb133111ebULL;
    h ^= h >> 31;
    return h;
}

int bucketOf(std::uint64_t distance)
{
    return distance == 0 ? -1 : kIdBits - 1 - std::countl_zero(distance);
}

class KademliaNode final : public Node {
public:
    explicit KademliaNode(const NodeSetup &s)
    {
        const auto &p = s.properties;
        m_id = kadIdOf(s.id);
        m_k = static_cast<std::size_t>(p.integer("k"));
        m_alpha = static_cast<std::size_t>(p.integer("alpha"));
        m_timeout = p.duration("rpcTimeout");
        m_joinSpread = p.duration("joinSpread");
        m_lookups = static_cast<int>(p.integer("lookups"));
        m_lookupsFrom = p.duration("lookupsFrom");
        m_interval = p.distribution("lookupInterval");
        m_session = p.distribution("sessionTime");
        m_offTime = p.distribution("offTime");
    }

    void start(NodeContext &ctx) override
    {
        const SimTime at = m_joinSpread > 0 ? static_cast<SimTime>(ctx.rng().below(m_joinSpread)) : 0;
        ctx.startTimer(at, JoinTimer);
        if (m_lookups > 0) ctx.startTimer(std::max(m_lookupsFrom, at + 1), LookupTimer);
    }

    void onTimer(NodeContext &ctx, std::uint64_t tag) override
    {
        if (tag == JoinTimer) {
            join(ctx);
        } else if (tag == LookupTimer) {
            if (m_online && ctx.mayPublish()) {
                std::uint64_t key = ctx.rng().next();
                startLookup(ctx, key, Purpose::Measured);
            }
            if (++m_issued < m_lookups)
                ctx.startTimer(std::max<SimTime>(1, m_interval.sample(ctx.rng())), LookupTimer);
        } else if (tag == LeaveTimer) {
            leave(ctx);
        } else if (tag == RejoinTimer) {
            rejoin(ctx);
        } else if (tag >= kRpcTimerBase) {
            rpcTimedOut(ctx, tag - kRpcTimerBase);
        }
    }

    void onFrame(NodeContext &ctx, LinkIndex link, Frame &f) override
    {
        const auto *msg = f.as<KadMessage>();
        if (!msg) return;
        if (!m_online) {
            TraceEvent e;
            e.kind = TraceKind::Drop;
            e.reason = DropReason::ClientOffline;
            e.peer = msg->from;
            e.link = link;
            e.frame = f.type;
            ctx.trace(e);
            return;
        }
        if (msg->from != kNoIndex) seen(ctx, {msg->fromId, msg->from});
        if (f.type == FrameType::KadFindNode) {
            auto reply = std::make_shared<KadMessage>();
            reply->from = ctx.self();
            reply->fromId = m_id;
            reply->to = msg->from;
            reply->target = msg->target;
            reply->rpc = msg->rpc;
            reply->contacts = closest(msg->target, m_k, msg->fromId);
            Frame r;
            r.type = FrameType::KadFindNodeReply;
            r.response = true;
            r.tag = msg->rpc;
            r.count = static_cast<std::uint32_t>(reply->contacts.size());
            // 20-byte ids plus addresses in the paper's 160-bit world: 26 bytes a contact.
            r.message = rpcMessage(ctx, "FIND_NODE reply", msg->target, f.message ? f.message->id : 0,
                                   static_cast<std::uint32_t>(20 + 26 * reply->contacts.size()));
            r.body = std::move(reply);
            send(ctx, std::move(r));
        } else if (f.type == FrameType::KadFindNodeReply) {
            onReply(ctx, *msg);
        }
    }

    void onCrash(NodeContext &ctx) override
    {
        for (auto &b : m_buckets)
            b.clear();
        m_lookupsOpen.clear();
        m_rpcs.clear();
    }

    NodeStatus status() const override
    {
        NodeStatus s;
        for (const auto &b : m_buckets)
            s.ready += b.size();
        s.inFlight = m_rpcs.size();
        s.crashed = !m_online;
        return s;
    }

private:
    enum : std::uint64_t {
        JoinTimer = 1,
        LookupTimer = 2,
        LeaveTimer = 3,
        RejoinTimer = 4,
        kRpcTimerBase = 1000
    };
    enum class Purpose { Join, Refresh, Measured };
    using Contact = KadMessage::Contact;
    struct Candidate {
        Contact c;
        std::uint32_t depth = 1;
        enum State : std::uint8_t { Fresh, Asked, Answered, Failed } state = Fresh;
    };
    struct Lookup {
        std::uint64_t target = 0;
        Purpose purpose = Purpose::Measured;
        std::vector<Candidate> shortlist; // by distance to target
        std::size_t inFlight = 0;
        SimTime startedAt = 0;
        std::uint64_t id = 0;
    };
    struct Rpc {
        std::uint64_t lookup = 0;
        Contact to;
        TimerId timer = kNoTimer;
    };

    // The datagram an RPC travels in: its own message id (for the sequence diagram and message
    // inspector), the target as its key, correlated with the lookup (request) or request (reply).
    MessageRef rpcMessage(NodeContext &ctx, const char *what, std::uint64_t target, std::uint64_t correlation,
                          std::uint32_t size)
    {
        auto m = std::make_shared<Message>();
        m->id = ctx.newMessageId();
        m->correlationId = correlation;
        m->producer = ctx.self();
        m->publishedAt = ctx.now();
        m->routingKey = what;
        char key[17];
        std::snprintf(key, sizeof key, "%016llx", static_cast<unsigned long long>(target));
        m->key = key;
        m->size = size;
        return m;
    }

    void send(NodeContext &ctx, Frame f)
    {
        auto links = ctx.links(0);
        if (links.empty()) return;
        ctx.send(links.front(), std::move(f));
    }

    void seen(NodeContext &, const Contact &c)
    {
        if (c.id == m_id || c.node == kNoIndex) return;
        auto &b = m_buckets[bucketOf(c.id ^ m_id)];
        auto it = std::find_if(b.begin(), b.end(), [&](const Contact &x) { return x.node == c.node; });
        if (it != b.end()) {
            std::rotate(it, it + 1, b.end()); // most recently seen at the tail
            return;
        }
        if (b.size() < m_k) b.push_back(c);
    }

    void forget(NodeIndex node, std::uint64_t id)
    {
        if (id == m_id) return;
        auto &b = m_buckets[bucketOf(id ^ m_id)];
        b.erase(std::remove_if(b.begin(), b.end(), [&](const Contact &x) { return x.node == node; }),
                b.end());
    }

    std::vector<Contact> closest(std::uint64_t target, std::size_t n, std::uint64_t exceptId) const
    {
        std::vector<Contact> all;
        for (const auto &b : m_buckets)
            for (const auto &c : b)
                if (c.id != exceptId) all.push_back(c);
        const std::size_t keep = std::min(n, all.size());
        std::partial_sort(
            all.begin(), all.begin() + keep, all.end(),
            [&](const Contact &a, const Contact &b) { return (a.id ^ target) < (b.id ^ target); });
        all.resize(keep);
        return all;
    }

    void join(NodeContext &ctx)
    {
        m_online = true;
        m_joined = true;
        ctx.trace(TraceEvent{.kind = TraceKind::PeerJoin});
        // Ask the network's bootstrap service: it forwards this FIND_NODE(own id) to a member.
        const std::uint64_t lookup = startLookup(ctx, m_id, Purpose::Join);
        Lookup &l = m_lookupsOpen.at(lookup);
        if (l.shortlist.empty()) sendFindNode(ctx, l, Contact{0, kNoIndex}, 1);
        scheduleLeave(ctx);
    }

    void refreshBuckets(NodeContext &ctx)
    {
        // Section 2.3: refresh every bucket further away than the closest neighbour.
        int nearest = kIdBits;
        for (int i = 0; i < kIdBits; ++i)
            if (!m_buckets[i].empty()) {
                nearest = i;
                break;
            }
        for (int i = nearest + 1; i < kIdBits; ++i) {
            // A random id at distance [2^i, 2^(i+1)) from this node's.
            const std::uint64_t low = i == 0 ? 0 : (ctx.rng().next() & ((std::uint64_t(1) << i) - 1));
            const std::uint64_t target = m_id ^ ((std::uint64_t(1) << i) | low);
            if (m_buckets[i].size() >= m_k) continue; // full: nothing more to learn there
            if (i > nearest + 20) break;              // buckets that far are all but certainly full already
            startLookup(ctx, target, Purpose::Refresh);
        }
    }

    std::uint64_t startLookup(NodeContext &ctx, std::uint64_t target, Purpose purpose)
    {
        const std::uint64_t id = ++m_lookupSeq;
        Lookup &l = m_lookupsOpen[id];
        l.id = id;
        l.target = target;
        l.purpose = purpose;
        l.startedAt = ctx.now();
        for (const auto &c : closest(target, m_k, m_id))
            l.shortlist.push_back({c, 1, Candidate::Fresh});
        if (!l.shortlist.empty() || purpose != Purpose::Join) advance(ctx, id);
        return id;
    }

    void sendFindNode(NodeContext &ctx, Lookup &l, const Contact &to, std::uint32_t)
    {
        const std::uint64_t rpc = ++m_rpcSeq;
        auto body = std::make_shared<KadMessage>();
        body->from = ctx.self();
        body->fromId = m_id;
        body->to = to.node; // kNoIndex: the network's bootstrap service picks a member
        body->target = l.target;
        body->rpc = rpc;
        Frame f;
        f.type = FrameType::KadFindNode;
        f.tag = rpc;
        f.body = std::move(body);
        f.message = rpcMessage(ctx, "FIND_NODE", l.target, l.id, 20);
        Rpc r;
        r.lookup = l.id;
        r.to = to;
        r.timer = ctx.startTimer(m_timeout, kRpcTimerBase + rpc);
        m_rpcs.emplace(rpc, r);
        ++l.inFlight;
        send(ctx, std::move(f));
    }

    void onReply(NodeContext &ctx, const KadMessage &msg)
    {
        auto it = m_rpcs.find(msg.rpc);
        if (it == m_rpcs.end()) return; // late: it timed out already
        const Rpc rpc = it->second;
        ctx.cancelTimer(rpc.timer);
        m_rpcs.erase(it);
        auto lit = m_lookupsOpen.find(rpc.lookup);
        if (lit == m_lookupsOpen.end()) return;
        Lookup &l = lit->second;
        --l.inFlight;
        std::uint32_t depth = 1;
        bool listed = false;
        for (auto &c : l.shortlist)
            if (c.c.node == msg.from) {
                c.state = Candidate::Answered;
                depth = c.depth;
                listed = true;
            }
        if (!listed && msg.from != kNoIndex) // the bootstrap's answer: that member, 1 hop
            l.shortlist.push_back({{msg.fromId, msg.from}, 1, Candidate::Answered});
        for (const auto &c : msg.contacts) {
            if (c.node == ctx.self() || c.id == m_id) continue;
            const bool known = std::any_of(l.shortlist.begin(), l.shortlist.end(),
                                           [&](const Candidate &x) { return x.c.node == c.node; });
            if (!known) l.shortlist.push_back({c, depth + 1, Candidate::Fresh});
        }
        advance(ctx, l.id);
    }

    void rpcTimedOut(NodeContext &ctx, std::uint64_t rpcId)
    {
        auto it = m_rpcs.find(rpcId);
        if (it == m_rpcs.end()) return;
        const Rpc rpc = it->second;
        m_rpcs.erase(it);
        forget(rpc.to.node, rpc.to.id);
        TraceEvent e;
        e.kind = TraceKind::Timeout;
        e.peer = rpc.to.node;
        e.correlationId = rpc.lookup;
        e.frame = FrameType::KadFindNode;
        ctx.trace(e);
        auto lit = m_lookupsOpen.find(rpc.lookup);
        if (lit == m_lookupsOpen.end()) return;
        Lookup &l = lit->second;
        --l.inFlight;
        for (auto &c : l.shortlist)
            if (c.c.node == rpc.to.node) c.state = Candidate::Failed;
        advance(ctx, l.id);
    }

    void advance(NodeContext &ctx, std::uint64_t lookupId)
    {
        Lookup &l = m_lookupsOpen.at(lookupId);
        const std::uint64_t target = l.target;
        std::stable_sort(l.shortlist.begin(), l.shortlist.end(), [&](const Candidate &a, const Candidate &b) {
            return (a.c.id ^ target) < (b.c.id ^ target);
        });
        // Ask the closest not yet asked among the k closest that have not failed.
        std::size_t considered = 0;
        for (auto &c : l.shortlist) {
            if (l.inFlight >= m_alpha || considered >= m_k) break;
            if (c.state == Candidate::Failed) continue;
            ++considered;
            if (c.state != Candidate::Fresh) continue;
            c.state = Candidate::Asked;
            sendFindNode(ctx, l, c.c, c.depth);
        }
        if (l.inFlight > 0) return;
        // Done: the k closest live candidates have all answered (or there are none left).
        finish(ctx, l);
        m_lookupsOpen.erase(lookupId);
    }

    void finish(NodeContext &ctx, const Lookup &l)
    {
        const Candidate *best = nullptr;
        for (const auto &c : l.shortlist)
            if (c.state == Candidate::Answered) {
                best = &c;
                break;
            }
        if (l.purpose == Purpose::Join) {
            refreshBuckets(ctx);
            return;
        }
        if (l.purpose != Purpose::Measured) return;
        TraceEvent e;
        e.kind = TraceKind::Lookup;
        e.correlationId = l.id;
        e.offset = static_cast<std::int64_t>(l.target >> 1); // the key (63 high bits; offset is signed)
        if (best) {
            e.aux = best->depth;
            e.peer = best->c.node;
        } else {
            e.reason = DropReason::DeadlineExceeded;
        }
        ctx.trace(e);
    }

    void scheduleLeave(NodeContext &ctx)
    {
        if (m_session == Distribution::fixed(0)) return;
        ctx.startTimer(std::max<SimTime>(1, m_session.sample(ctx.rng())), LeaveTimer, true);
    }

    void leave(NodeContext &ctx)
    {
        if (!m_online) return;
        m_online = false;
        ctx.trace(TraceEvent{.kind = TraceKind::PeerLeave});
        for (auto &[id, rpc] : m_rpcs)
            ctx.cancelTimer(rpc.timer);
        m_rpcs.clear();
        m_lookupsOpen.clear();
        if (!(m_offTime == Distribution::fixed(0)))
            ctx.startTimer(std::max<SimTime>(1, m_offTime.sample(ctx.rng())), RejoinTimer, true);
    }

    void rejoin(NodeContext &ctx)
    {
        if (m_online) return;
        // Back with its routing table (what it knew may be stale: timeouts weed that out).
        m_online = true;
        ctx.trace(TraceEvent{.kind = TraceKind::PeerJoin});
        scheduleLeave(ctx);
    }

    std::uint64_t m_id = 0;
    std::size_t m_k = 20, m_alpha = 3;
    SimTime m_timeout = kSecond, m_joinSpread = 0, m_lookupsFrom = 0;
    int m_lookups = 0, m_issued = 0;
    Distribution m_interval, m_session, m_offTime;
    std::array<std::vector<Contact>, kIdBits> m_buckets;
    std::unordered_map<std::uint64_t, Lookup> m_lookupsOpen;
    std::unordered_map<std::uint64_t, Rpc> m_rpcs;
    std::uint64_t m_lookupSeq = 0, m_rpcSeq = 0;
    bool m_online = false, m_joined = false;
};

// The underlay: forwards each datagram to the node it is addressed to.
class IpNetwork final : public Node {
public:
    explicit IpNetwork(const NodeSetup &s) : m_bootstrap(s.properties.boolean("bootstrap")) {}

    void start(NodeContext &ctx) override
    {
        m_linkOf.clear();
        for (LinkIndex l : ctx.links(0))
            m_linkOf[ctx.peer(l)] = l;
    }

    void onFrame(NodeContext &ctx, LinkIndex from, Frame &f) override
    {
        const auto *msg = f.as<KadMessage>();
        if (!msg) return;
        NodeIndex to = msg->to;
        const NodeIndex sender = ctx.peer(from);
        if (to == kNoIndex && !m_bootstrap) {
            TraceEvent e;
            e.kind = TraceKind::Drop;
            e.reason = DropReason::NoRoute;
            e.peer = sender;
            e.frame = f.type;
            ctx.trace(e);
            return;
        }
        if (to == kNoIndex) {
            // Bootstrap: a random member that joined before (not the asker).
            std::vector<NodeIndex> others;
            for (NodeIndex m : m_members)
                if (m != sender) others.push_back(m);
            if (std::find(m_members.begin(), m_members.end(), sender) == m_members.end())
                m_members.push_back(sender);
            if (others.empty()) {
                // The first node: nobody to introduce. An empty answer from "nobody".
                auto reply = std::make_shared<KadMessage>(*msg);
                reply->to = sender;
                reply->from = kNoIndex;
                Frame r;
                r.type = FrameType::KadFindNodeReply;
                r.response = true;
                r.tag = msg->rpc;
                r.message = f.message;
                r.body = std::move(reply);
                ctx.send(from, std::move(r));
                return;
            }
            to = others[ctx.rng().below(others.size())];
            auto forwarded = std::make_shared<KadMessage>(*msg);
            forwarded->to = to;
            f.body = std::move(forwarded);
        }
        auto it = m_linkOf.find(to);
        if (it == m_linkOf.end()) {
            TraceEvent e;
            e.kind = TraceKind::Drop;
            e.reason = DropReason::NoRoute;
            e.peer = to;
            e.frame = f.type;
            ctx.trace(e);
            return;
        }
        ctx.send(it->second, std::move(f));
    }

private:
    bool m_bootstrap = true;
    std::unordered_map<NodeIndex, LinkIndex> m_linkOf;
    std::vector<NodeIndex> m_members;
};

} // namespace

NodeKindSpec kademliaNodeKind()
{
    NodeKindSpec k;
    k.kind = "kademlia-node";
    k.label = "Kademlia node";
    k.category = "Peer to peer";
    k.help =
        "A Kademlia DHT node: XOR metric, k-buckets, iterative FIND_NODE lookups with alpha in parallel.";
    k.ports = {{"net", PortDirection::Out, Protocol::Peer, false,
                "Its link to the ip-network it reaches other nodes through.", PortSpec::Need::Required}};
    using T = PropertyType;
    k.properties = {
        property("k", "k", T::Integer, 20,
                 "Bucket size and the number of closest contacts a FIND_NODE returns (the paper's k = 20).",
                 "", 1, 1000),
        property("alpha", "Alpha", T::Integer, 3,
                 "FIND_NODE RPCs a lookup keeps in flight (the paper's alpha = 3).", "", 1, 100),
        property(
            "rpcTimeout", "RPC timeout", T::Duration, 1000,
            "How long a FIND_NODE waits for its answer; a contact that misses it is dropped from its bucket.",
            "ms", 0.001),
        property("joinSpread", "Join spread", T::Duration, 1000,
                 "Each node joins at a random time within this window (0 = all at once).", "ms", 0),
        property("lookups", "Lookups", T::Integer, 0, "Lookups of random keys this node issues (0 = none).",
                 "", 0, 1000000),
        property("lookupsFrom", "Lookups from", T::Duration, 5000, "When it issues its first lookup.", "ms",
                 0),
        property("lookupInterval", "Lookup interval", T::Distribution, "exp(1s)",
                 "Time between its lookups, e.g. exp(1s) for a Poisson stream.", "ms"),
        property(
            "sessionTime", "Session time", T::Distribution, 0,
            "Churn: how long the node stays up after it joins, e.g. weibull(30s,0.6); 0 = no churn: it never "
            "leaves.",
            "ms"),
        property(
            "offTime", "Off time", T::Distribution, 0,
            "Churn: how long it stays away before it comes back with its routing table; 0 = it never comes "
            "back.",
            "ms"),
    };
    for (auto &p : k.properties) {
        if (p.key == "lookups") p.zeroMeans = "none";
        if (p.key == "joinSpread") p.zeroMeans = "all at once";
        if (p.key == "sessionTime") p.zeroMeans = "no churn: it never leaves";
        if (p.key == "offTime") p.zeroMeans = "it never comes back";
    }
    k.deliveryRole = DeliveryRole::Log;
    k.factory = [](const NodeSetup &s) { return std::make_unique<KademliaNode>(s); };
    k.explainRoute = [](const RouteQuestion &) {
        return endRoute("a Kademlia node looks up keys; it sends no messages on to be followed");
    };
    return k;
}

NodeKindSpec ipNetworkKind()
{
    NodeKindSpec k;
    k.kind = "ip-network";
    k.label = "IP network";
    k.category = "Peer to peer";
    k.help = "The underlay: forwards each datagram to the node it is addressed to; also the DHT's bootstrap.";
    k.ports = {{"peers", PortDirection::In, Protocol::Peer, true, "Links from the nodes attached to it."}};
    k.properties = {
        property("bootstrap", "Bootstrap", PropertyType::Bool, true,
                 "Answers a joining node's first FIND_NODE by forwarding it to a random node that "
                 "joined before (a well-known bootstrap node such as router.bittorrent.com); off, "
                 "nodes cannot join.")};
    k.deliveryRole = DeliveryRole::Log;
    k.factory = [](const NodeSetup &s) { return std::make_unique<IpNetwork>(s); };
    k.explainRoute = [](const RouteQuestion &) {
        return endRoute("the network forwards each datagram to the node it is addressed to");
    };
    return k;
}

std::uint64_t kademliaId(std::string_view nodeId)
{
    return kadIdOf(nodeId);
}

} // namespace sb
