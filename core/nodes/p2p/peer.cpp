// The `peer` kind: one peer of an unstructured overlay. Its neighbours are the nodes at the other
// end of the links on its two ports ("out" and "in": a link is an undirected overlay edge, frames
// travel both ways). It holds items (rumours) and spreads them by one of:
//  - flooding (Gnutella 0.4 query flooding): a new item goes to every neighbour but the one it
//    came from with the time to live decremented; a copy of an item already seen is a duplicate
//    (a Drop, reason Deduplicated: the seen set is its deduplication window) and goes no further; a copy
//    whose TTL reaches 0 is not forwarded (Drop, reason TtlExpired).
//  - gossip (rumour mongering, Demers et al. 1987): in rounds of `roundPeriod` (each peer's rounds
//    start at a random phase), push: every hot item goes to `fanout` random neighbours; pull:
//    the peer sends `fanout` random neighbours a digest and gets back the hot items it lacks;
//    push-pull: both. An item stays hot for `rounds` rounds after the peer learned it (the
//    "counter" rule), or, with stopRule feedback-coin, until a push hits a peer that already had
//    it and a coin with probability 1/coinK says stop (the "feedback, coin" variant).
//  - anti-entropy (Demers et al. 1987, push-pull): every round the peer compares digests with one
//    random neighbour (`fanout`) and both end up with the union.
// Pull and anti-entropy peers keep going until `rounds` rounds in a row brought them nothing new;
// a digest naming items they lack (a neighbour's pull) wakes them up again. Churn: with a session
// time set, a peer leaves after one (PeerLeave), frames to it are lost (Drop, ClientOffline) and it
// rejoins after an off time (PeerJoin) with the items it held. Its neighbours do not notice: they
// keep picking it and their frames are lost (no failure detector; docs/p2p.md).
#include "p2p.h"
#include "p2pprotocol.h"

#include "../common.h"

#include <algorithm>
#include <unordered_map>

namespace sb {

namespace {

enum class Mode { Flooding, Push, Pull, PushPull, AntiEntropy };

class Peer final : public Node {
public:
    explicit Peer(const NodeSetup &s)
    {
        const auto &p = s.properties;
        const std::string d = p.string("dissemination");
        if (d == "flooding")
            m_mode = Mode::Flooding;
        else if (d == "anti-entropy")
            m_mode = Mode::AntiEntropy;
        else {
            const std::string g = p.string("gossip");
            m_mode = g == "push" ? Mode::Push : g == "pull" ? Mode::Pull : Mode::PushPull;
        }
        m_ttl = static_cast<std::uint32_t>(p.integer("ttl"));
        m_fanout = static_cast<std::uint32_t>(p.integer("fanout"));
        m_rounds = static_cast<int>(p.integer("rounds"));
        m_period = p.duration("roundPeriod");
        m_coin = p.string("stopRule") == "feedback-coin";
        m_coinK = static_cast<int>(p.integer("coinK"));
        m_originate = static_cast<int>(p.integer("originate"));
        m_originateAt = p.duration("originateAt");
        m_originateEvery = p.duration("originateEvery");
        m_itemSize = static_cast<std::uint32_t>(p.integer("itemSize"));
        m_session = p.distribution("sessionTime");
        m_offTime = p.distribution("offTime");
    }

    void start(NodeContext &ctx) override
    {
        m_neighbours.clear();
        for (PortIndex port : {PeerPort::Out, PeerPort::In})
            for (LinkIndex l : ctx.links(port))
                m_neighbours.push_back(l);
        m_online = true;
        if (m_originate > 0 && m_originated < m_originate) ctx.startTimer(m_originateAt, OriginateTimer);
        if (pulls()) engage(ctx);
        scheduleLeave(ctx);
    }

    void onTimer(NodeContext &ctx, std::uint64_t tag) override
    {
        switch (tag) {
        case OriginateTimer:
            if (!m_online) { // an offline peer originates when it is back
                m_originatePending = true;
                return;
            }
            originate(ctx);
            if (m_originated < m_originate) ctx.startTimer(m_originateEvery, OriginateTimer);
            break;
        case RoundTimer:
            m_roundTimer = kNoTimer;
            round(ctx);
            break;
        case LeaveTimer:
            leave(ctx);
            break;
        case JoinTimer:
            join(ctx);
            break;
        default:
            break;
        }
    }

    void onFrame(NodeContext &ctx, LinkIndex from, Frame &f) override
    {
        if (!m_online) {
            TraceEvent e = messageEvent(TraceKind::Drop, f.message.get());
            e.reason = DropReason::ClientOffline;
            e.peer = ctx.peer(from);
            e.link = from;
            e.frame = f.type;
            ctx.trace(e);
            return;
        }
        switch (f.type) {
        case FrameType::PeerFlood:
            onFlood(ctx, from, f);
            break;
        case FrameType::PeerGossip:
            if (f.response)
                onFeedback(ctx, f.tag);
            else if (f.message)
                onPush(ctx, from, f);
            break;
        case FrameType::PeerPull:
            onPull(ctx, from, f);
            break;
        case FrameType::PeerPullReply:
            onPullReply(ctx, from, f);
            break;
        default:
            break;
        }
    }

    void onCrash(NodeContext &ctx) override
    {
        // A crash takes what the peer held in memory.
        m_items.clear();
        m_order.clear();
        stopRounds(ctx);
    }

    NodeStatus status() const override
    {
        NodeStatus s;
        s.ready = m_order.size();
        s.crashed = !m_online;
        return s;
    }

private:
    enum : std::uint64_t { OriginateTimer = 1, RoundTimer = 2, LeaveTimer = 3, JoinTimer = 4 };
    struct Held {
        MessageRef message;
        std::uint32_t hops = 0;
        int hotRounds = 0; // rounds it stays hot (counter rule); > 0 while hot
    };

    bool pushes() const { return m_mode == Mode::Push || m_mode == Mode::PushPull; }
    bool pulls() const
    {
        return m_mode == Mode::Pull || m_mode == Mode::PushPull || m_mode == Mode::AntiEntropy;
    }
    bool gossips() const { return m_mode != Mode::Flooding; }

    // Records a new item; false when it was held already.
    bool learn(NodeContext &ctx, const MessageRef &m, std::uint32_t hops, NodeIndex from)
    {
        if (m_items.count(m->id)) {
            TraceEvent e = messageEvent(TraceKind::Drop, m.get());
            e.reason = DropReason::Deduplicated;
            e.peer = from;
            e.aux = hops;
            ctx.trace(e);
            return false;
        }
        m_items.emplace(m->id, Held{m, hops, m_coin ? 1 : m_rounds});
        m_order.push_back(m->id);
        TraceEvent e = messageEvent(TraceKind::Learn, m.get());
        e.peer = from;
        e.aux = hops;
        ctx.trace(e);
        if (gossips()) {
            m_idle = 0;
            engage(ctx);
        }
        return true;
    }

    void originate(NodeContext &ctx)
    {
        if (!ctx.mayPublish()) {
            m_originated = m_originate;
            return;
        }
        auto m = std::make_shared<Message>();
        m->id = ctx.newMessageId();
        m->publishedAt = ctx.now();
        m->producer = ctx.self();
        m->sequence = ++m_originated;
        m->size = m_itemSize;
        m->routingKey = "rumour";
        ctx.announce(*m);
        ctx.trace(messageEvent(TraceKind::Publish, m.get()));
        MessageRef ref = m;
        learn(ctx, ref, 0, kNoIndex);
        if (m_mode == Mode::Flooding) forwardFlood(ctx, ref, m_ttl, 1, kNoIndex);
    }

    // Flooding ----------------------------------------------------------------------------------
    void onFlood(NodeContext &ctx, LinkIndex from, Frame &f)
    {
        if (!f.message) return;
        const std::uint32_t hops = f.deliveryCount;
        if (!learn(ctx, f.message, hops, ctx.peer(from))) return;
        if (m_mode != Mode::Flooding) return; // a gossiping peer spreads it its own way
        forwardFlood(ctx, f.message, f.count > 0 ? f.count - 1 : 0, hops + 1, from);
    }

    void forwardFlood(NodeContext &ctx, const MessageRef &m, std::uint32_t ttl, std::uint32_t hops,
                      LinkIndex from)
    {
        bool others = false;
        for (LinkIndex l : m_neighbours)
            others = others || l != from;
        if (!others) return;
        if (ttl == 0) {
            TraceEvent e = messageEvent(TraceKind::Drop, m.get());
            e.reason = DropReason::TtlExpired;
            e.aux = hops - 1;
            ctx.trace(e);
            return;
        }
        for (LinkIndex l : m_neighbours) {
            if (l == from) continue;
            Frame f;
            f.type = FrameType::PeerFlood;
            f.message = m;
            f.count = ttl;
            f.deliveryCount = hops;
            ctx.send(l, std::move(f));
        }
    }

    // Gossip rounds -----------------------------------------------------------------------------
    void engage(NodeContext &ctx)
    {
        if (!m_online || !gossips() || m_roundTimer != kNoTimer) return;
        // The first round at a random phase within a period: peers' rounds are not in lockstep.
        const SimTime first = m_period > 0 ? static_cast<SimTime>(ctx.rng().below(m_period)) + 1 : 0;
        m_roundTimer = ctx.startTimer(first, RoundTimer);
    }

    void stopRounds(NodeContext &ctx)
    {
        if (m_roundTimer != kNoTimer) ctx.cancelTimer(m_roundTimer);
        m_roundTimer = kNoTimer;
    }

    bool anyHot() const
    {
        for (auto id : m_order)
            if (m_items.at(id).hotRounds > 0) return true;
        return false;
    }

    void round(NodeContext &ctx)
    {
        if (!m_online) return;
        if (m_neighbours.empty()) return;
        if (pushes()) {
            for (auto id : m_order) {
                Held &h = m_items[id];
                if (h.hotRounds <= 0) continue;
                for (LinkIndex l : pick(ctx)) {
                    Frame f;
                    f.type = FrameType::PeerGossip;
                    f.message = h.message;
                    f.deliveryCount = h.hops + 1;
                    ctx.send(l, std::move(f));
                }
                if (!m_coin) --h.hotRounds;
            }
        } else if (m_mode == Mode::Pull) {
            for (auto id : m_order) { // hot items age in rounds all the same
                Held &h = m_items[id];
                if (h.hotRounds > 0 && !m_coin) --h.hotRounds;
            }
        }
        if (pulls()) {
            ++m_idle; // reset by anything new this round brings
            const auto digest = std::make_shared<PeerDigest>();
            digest->ids = sortedIds();
            for (LinkIndex l : pick(ctx)) {
                Frame f;
                f.type = FrameType::PeerPull;
                f.body = digest;
                f.count = static_cast<std::uint32_t>(digest->ids.size());
                ctx.send(l, std::move(f));
            }
        }
        const bool more = (pushes() && anyHot()) || (pulls() && m_idle < m_rounds);
        if (more) m_roundTimer = ctx.startTimer(m_period, RoundTimer);
    }

    // Up to `fanout` distinct random neighbours (all of them when there are fewer).
    std::vector<LinkIndex> pick(NodeContext &ctx)
    {
        std::vector<LinkIndex> out = m_neighbours;
        const std::size_t k = std::min<std::size_t>(m_fanout, out.size());
        for (std::size_t i = 0; i < k; ++i) // partial Fisher-Yates
            std::swap(out[i], out[i + ctx.rng().below(out.size() - i)]);
        out.resize(k);
        return out;
    }

    std::vector<std::uint64_t> sortedIds() const
    {
        std::vector<std::uint64_t> ids(m_order.begin(), m_order.end());
        std::sort(ids.begin(), ids.end());
        return ids;
    }

    void onPush(NodeContext &ctx, LinkIndex from, Frame &f)
    {
        const bool fresh = learn(ctx, f.message, f.deliveryCount, ctx.peer(from));
        if (!fresh && m_coin && f.message && !f.requeue) {
            // Feedback: tell the pusher this one was known already.
            Frame r;
            r.type = FrameType::PeerGossip;
            r.response = true;
            r.tag = f.message->id;
            ctx.send(from, std::move(r));
        }
    }

    void onFeedback(NodeContext &ctx, std::uint64_t id)
    {
        auto it = m_items.find(id);
        if (it == m_items.end() || it->second.hotRounds <= 0) return;
        // Coin: lose interest with probability 1/k.
        if (ctx.rng().below(static_cast<std::uint64_t>(std::max(1, m_coinK))) == 0) it->second.hotRounds = 0;
    }

    void onPull(NodeContext &ctx, LinkIndex from, Frame &f)
    {
        const auto *digest = f.as<PeerDigest>();
        if (!digest) return;
        auto reply = std::make_shared<PeerItems>();
        reply->antiEntropy = m_mode == Mode::AntiEntropy;
        for (auto id : m_order) {
            const Held &h = m_items[id];
            if (std::binary_search(digest->ids.begin(), digest->ids.end(), id)) continue;
            // Rumour mongering hands out hot rumours; anti-entropy the whole database.
            if (!reply->antiEntropy && h.hotRounds <= 0) continue;
            reply->items.push_back({h.message, h.hops + 1});
        }
        if (reply->antiEntropy) reply->digest = sortedIds();
        // The asker holds items this peer lacks: wake up and ask for them in the rounds to come.
        if (pulls() && m_roundTimer == kNoTimer) {
            for (auto id : digest->ids)
                if (!m_items.count(id)) {
                    m_idle = 0;
                    engage(ctx);
                    break;
                }
        }
        Frame r;
        r.type = FrameType::PeerPullReply;
        r.count = static_cast<std::uint32_t>(reply->items.size());
        r.body = std::move(reply);
        ctx.send(from, std::move(r));
    }

    void onPullReply(NodeContext &ctx, LinkIndex from, Frame &f)
    {
        const auto *items = f.as<PeerItems>();
        if (!items) return;
        for (const auto &item : items->items)
            if (item.message) learn(ctx, item.message, item.hops, ctx.peer(from));
        if (!items->antiEntropy) return;
        // Push-back: what this peer holds that the replier lacks.
        for (auto id : m_order) {
            if (std::binary_search(items->digest.begin(), items->digest.end(), id)) continue;
            const Held &h = m_items[id];
            Frame p;
            p.type = FrameType::PeerGossip;
            p.message = h.message;
            p.deliveryCount = h.hops + 1;
            p.requeue = true; // an anti-entropy push-back: no feedback
            ctx.send(from, std::move(p));
            m_idle = 0;
        }
    }

    // Churn -------------------------------------------------------------------------------------
    void scheduleLeave(NodeContext &ctx)
    {
        if (m_session == Distribution::fixed(0)) return;
        ctx.startTimer(std::max<SimTime>(1, m_session.sample(ctx.rng())), LeaveTimer, true);
    }

    void leave(NodeContext &ctx)
    {
        if (!m_online) return;
        m_online = false;
        stopRounds(ctx);
        ctx.trace(TraceEvent{.kind = TraceKind::PeerLeave});
        if (!(m_offTime == Distribution::fixed(0)))
            ctx.startTimer(std::max<SimTime>(1, m_offTime.sample(ctx.rng())), JoinTimer, true);
    }

    void join(NodeContext &ctx)
    {
        if (m_online) return;
        m_online = true;
        ctx.trace(TraceEvent{.kind = TraceKind::PeerJoin});
        m_idle = 0;
        if (pulls() || (pushes() && anyHot())) engage(ctx);
        if (m_originatePending) {
            m_originatePending = false;
            ctx.startTimer(0, OriginateTimer);
        }
        scheduleLeave(ctx);
    }

    Mode m_mode = Mode::PushPull;
    std::uint32_t m_ttl = 7, m_fanout = 1, m_itemSize = 0;
    int m_rounds = 10, m_coinK = 4;
    bool m_coin = false;
    SimTime m_period = kSecond, m_originateAt = 0, m_originateEvery = 0;
    int m_originate = 0, m_originated = 0;
    bool m_originatePending = false;
    Distribution m_session, m_offTime;

    std::vector<LinkIndex> m_neighbours;
    std::unordered_map<std::uint64_t, Held> m_items;
    std::vector<std::uint64_t> m_order; // ids in the order learned (deterministic iteration)
    bool m_online = true;
    TimerId m_roundTimer = kNoTimer;
    int m_idle = 0; // pull, anti-entropy: rounds in a row that brought nothing new
};

RouteAnswer peerRoute(const RouteQuestion &q)
{
    const std::string d = q.properties.string("dissemination");
    if (!q.inPort.empty())
        return endRoute("a peer learns the item and spreads it on by " + d +
                        "; where it goes next depends on the run (the inspector follows one hop)");
    RouteAnswer a;
    std::string why;
    if (d == "flooding") {
        why =
            "flooded to every neighbour, TTL " + numberText(static_cast<double>(q.properties.integer("ttl")));
        a.note = "floods a new item to all " + std::to_string(q.outputs.size()) + " neighbours";
    } else if (d == "anti-entropy") {
        why = "one of the neighbours it may compare digests with in a round";
        a.note = "anti-entropy: each round it exchanges digests with " +
                 numberText(static_cast<double>(q.properties.integer("fanout"))) + " random neighbour(s)";
    } else {
        why = "one of the neighbours it may gossip with in a round";
        a.note = "gossip (" + q.properties.string("gossip") + "): each round " +
                 numberText(static_cast<double>(q.properties.integer("fanout"))) +
                 " random neighbour(s) of " + std::to_string(q.outputs.size());
    }
    for (std::size_t i = 0; i < q.outputs.size(); ++i)
        a.verdicts.push_back(routeVerdict(i, true, why));
    if (q.outputs.empty()) a.ends = true;
    return a;
}

} // namespace

NodeKindSpec peerKind()
{
    NodeKindSpec k;
    k.kind = "peer";
    k.label = "Peer";
    k.category = "Peer to peer";
    k.help = "A peer of an overlay: floods or gossips items (rumours) to its neighbours, with churn.";
    k.ports = {{"out", PortDirection::Out, Protocol::Peer, true,
                "Links to neighbours (an overlay edge: frames travel both ways).", PortSpec::Need::Optional},
               {"in", PortDirection::In, Protocol::Peer, true,
                "Links from neighbours (an overlay edge: frames travel both ways).",
                PortSpec::Need::Optional}};
    using T = PropertyType;
    k.properties = {
        property("dissemination", "Dissemination", T::Enum, "gossip",
                 "How the peer spreads items: flooding (to every neighbour, TTL and duplicate suppression, "
                 "as Gnutella), gossip (rumour mongering in rounds) or anti-entropy (digest exchange with a "
                 "random neighbour every round until consistent); Demers et al. 1987.",
                 "", {}, {}, {"flooding", "gossip", "anti-entropy"}),
        property("gossip", "Gossip", T::Enum, "push-pull",
                 "Rumour mongering's direction: push (a peer sends its hot rumours to fanout random "
                 "neighbours each round), pull (it asks fanout random neighbours, with a digest, for the "
                 "hot rumours it lacks) or push-pull (both). Push is slow at the end (the last peers wait "
                 "to be picked), pull very fast (Demers et al. 1987, Karp et al. 2000).",
                 "", {}, {}, {"push", "pull", "push-pull"}),
        property("ttl", "TTL", T::Integer, 7,
                 "Flooding: the hops a new item may travel; each peer forwards it with one less and "
                 "does not forward it at 0 (Gnutella 0.4's default is 7).",
                 "hops", 1, 255),
        property("fanout", "Fanout", T::Integer, 1,
                 "Gossip and anti-entropy: neighbours contacted per round (Demers et al.'s sites contact "
                 "one).",
                 "", 1, 1000),
        property("roundPeriod", "Round period", T::Duration, 1000,
                 "Time between a peer's gossip rounds (each peer starts at a random phase).", "ms", 0.001),
        property("rounds", "Rounds", T::Integer, 10,
                 "Counter rule: a rumour stays hot (is pushed and handed out) for this many rounds after "
                 "a peer learns it. Pull and anti-entropy: a peer stops after this many rounds in a row "
                 "that brought it nothing new.",
                 "rounds", 1, 100000),
        property("stopRule", "Stop rule", T::Enum, "counter",
                 "When a peer loses interest in a rumour: counter (after `rounds` rounds, blind) or "
                 "feedback-coin (a push to a peer that already had it comes back as feedback and the "
                 "peer stops with probability 1/coinK); Demers et al. 1987, section 1.4.",
                 "", {}, {}, {"counter", "feedback-coin"}),
        property("coinK", "Coin k", T::Integer, 4,
                 "feedback-coin: stop with probability 1/k on each unnecessary push.", "", 1, 1000),
        property("originate", "Originate", T::Integer, 0,
                 "Items this peer originates (0 = none: it only relays).", "items", 0, 100000),
        property("originateAt", "Originate at", T::Duration, 10, "When it originates its first item.", "ms",
                 0),
        property("originateEvery", "Originate every", T::Duration, 1000, "Time between its items.", "ms", 0),
        property("itemSize", "Item size", T::Integer, 64, "An item's payload size.", "bytes", 0, 1e9),
        property("sessionTime", "Session time", T::Distribution, 0,
                 "Churn: how long the peer stays online before it leaves, e.g. exp(30s) or "
                 "weibull(30s,0.6) (measured P2P sessions are heavy-tailed, Stutzbach & Rejaie 2006); 0 = "
                 "no churn: it never leaves.",
                 "ms"),
        property("offTime", "Off time", T::Distribution, 0,
                 "Churn: how long it stays away before it rejoins with what it held; 0 = it never "
                 "rejoins.",
                 "ms"),
    };
    for (auto &p : k.properties) {
        if (p.key == "originate") p.zeroMeans = "none: it only relays";
        if (p.key == "sessionTime") p.zeroMeans = "no churn: it never leaves";
        if (p.key == "offTime") p.zeroMeans = "it never rejoins";
    }
    k.deliveryRole = DeliveryRole::Log; // items are not queue deliveries: p2pchecker.h accounts for them
    k.factory = [](const NodeSetup &s) { return std::make_unique<Peer>(s); };
    k.explainRoute = peerRoute;
    return k;
}

std::vector<NodeTemplate> peerTemplates()
{
    std::vector<NodeTemplate> t;
    t.push_back({"gnutella-peer", "Gnutella peer (flooding)", "Peer to peer", "peer",
                 "Query flooding with TTL 7 and duplicate suppression, as Gnutella 0.4.",
                 Json{{"dissemination", "flooding"}, {"ttl", 7}}});
    t.push_back({"rumour-mongering-peer", "Rumour mongering peer", "Peer to peer", "peer",
                 "Push-pull rumour mongering, one neighbour a round, as Demers et al. 1987.",
                 Json{{"dissemination", "gossip"}, {"gossip", "push-pull"}, {"fanout", 1}}});
    t.push_back({"anti-entropy-peer", "Anti-entropy peer", "Peer to peer", "peer",
                 "Push-pull anti-entropy with one random neighbour a round, as Demers et al. 1987.",
                 Json{{"dissemination", "anti-entropy"}, {"fanout", 1}}});
    return t;
}

} // namespace sb
