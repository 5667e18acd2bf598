// nats-server, core NATS (no JetStream), as server/client.go and server/sublist.go do it:
//  - PUB hands a copy to every plain subscription whose subject matches (tokens, '*' one, '>' the
//    rest) and to ONE member of each matching queue group, picked at random (processMsgResults);
//    at most once: no acks, no redelivery, nothing kept for later subscribers.
//  - A PUB that matches nothing is dropped (NoSubscribers); when it has a reply subject and its
//    connection asked for no_responders (headers), the server answers at once with a 503 status
//    message on the reply subject, so the request fails fast.
//  - A PUB larger than max_payload gets -ERR 'Maximum Payload Violation' and is dropped; a SUB or
//    PUB with an invalid subject gets -ERR 'Invalid Subject' / 'Invalid Publish Subject'.
// The clients read their sockets as fast as messages come (a NATS client's reader hands messages to
// per-subscription pending queues), so slow handling shows at the client's pending limits
// (natsclients.cpp), not as a full server outbound buffer.
#include "../../pubsub/subscriptionindex.h"
#include "../common.h"
#include "nats.h"
#include "natsprotocol.h"

#include <algorithm>
#include <map>
#include <set>
#include <sstream>
#include <unordered_map>

namespace sb {

namespace {

bool hasWildcard(const std::string &subject)
{
    std::size_t start = 0;
    while (start <= subject.size()) {
        const auto dot = subject.find('.', start);
        const auto token = subject.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
        if (token == "*" || token == ">") return true;
        if (dot == std::string::npos) break;
        start = dot + 1;
    }
    return false;
}

class NatsServer final : public Node {
public:
    explicit NatsServer(const NodeSetup &s) : m_index(Dialect::Nats)
    {
        m_maxPayload = static_cast<std::uint64_t>(s.properties.integer("maxPayload"));
    }

    void onFrame(NodeContext &ctx, LinkIndex link, Frame &f) override
    {
        connect(ctx, link);
        switch (f.type) {
        case FrameType::NatsSub:
            if (const auto *b = f.as<NatsSubscription>()) subscribe(ctx, link, *b);
            break;
        case FrameType::NatsUnsub:
            if (const auto *b = f.as<NatsUnsubscription>()) unsubscribe(link, b->sid);
            break;
        case FrameType::NatsPub:
            publish(ctx, link, f);
            break;
        case FrameType::NatsPing: {
            Frame pong;
            pong.type = FrameType::NatsPong;
            ctx.send(link, std::move(pong));
            break;
        }
        default:
            break;
        }
    }

    void onCrash(NodeContext &) override
    {
        m_index = SubscriptionIndex(Dialect::Nats);
        m_subs.clear();
        m_bySid.clear();
        m_connected.clear();
    }
    void onRestart(NodeContext &) override {}

private:
    struct Sub {
        LinkIndex link = kNoIndex;
        NodeIndex node = kNoIndex;
        std::uint32_t sid = 0;
        std::string subject;
        std::string queue;
        bool wildcard = false;
    };

    void connect(NodeContext &ctx, LinkIndex link)
    {
        if (!m_connected.insert(link).second) return;
        TraceEvent e;
        e.kind = TraceKind::Connect;
        e.peer = ctx.peer(link);
        ctx.trace(e);
    }

    void error(NodeContext &ctx, LinkIndex link, std::string text)
    {
        auto body = std::make_shared<NatsError>();
        body->text = std::move(text);
        Frame f;
        f.type = FrameType::NatsErr;
        f.body = std::move(body);
        ctx.send(link, std::move(f));
    }

    void subscribe(NodeContext &ctx, LinkIndex link, const NatsSubscription &b)
    {
        if (hasError(checkFilter(Dialect::Nats, b.subject))) {
            error(ctx, link, "Invalid Subject");
            return;
        }
        const auto key = std::make_pair(link, b.sid);
        if (m_bySid.count(key)) return; // a sid names one subscription per connection
        const auto id = m_index.add(b.subject, 0);
        Sub s{link, ctx.peer(link), b.sid, b.subject, b.queue, hasWildcard(b.subject)};
        m_subs.emplace(id, std::move(s));
        m_bySid.emplace(key, id);
    }

    void unsubscribe(LinkIndex link, std::uint32_t sid)
    {
        auto it = m_bySid.find({link, sid});
        if (it == m_bySid.end()) return;
        m_index.remove(it->second);
        m_subs.erase(it->second);
        m_bySid.erase(it);
    }

    void publish(NodeContext &ctx, LinkIndex link, const Frame &f)
    {
        if (!f.message) return;
        const auto *pub = f.as<NatsPublication>();
        const std::string &subject = f.message->routingKey;
        auto refuse = [&](std::string text) {
            error(ctx, link, std::move(text));
            TraceEvent e = messageEvent(TraceKind::Drop, f.message.get());
            e.reason = DropReason::Rejected;
            ctx.trace(e);
        };
        if (hasError(checkSubject(Dialect::Nats, subject))) return refuse("Invalid Publish Subject");
        if (m_maxPayload && f.message->size > m_maxPayload) return refuse("Maximum Payload Violation");

        m_matched.clear();
        m_index.matchIds(subject, m_matched);
        // Plain subscriptions get a copy each; queue subscriptions are grouped by queue name, in the
        // order each group first matched, and one member of each is picked.
        std::vector<std::pair<std::string, std::vector<std::uint32_t>>> groups;
        std::size_t copies = 0;
        for (std::uint32_t id : m_matched) {
            const Sub &s = m_subs.at(id);
            if (s.queue.empty()) {
                deliver(ctx, s, f, kNoIndex);
                ++copies;
                continue;
            }
            auto g =
                std::find_if(groups.begin(), groups.end(), [&](const auto &x) { return x.first == s.queue; });
            if (g == groups.end())
                groups.push_back({s.queue, {id}});
            else
                g->second.push_back(id);
        }
        for (const auto &[queue, members] : groups) {
            const Sub &s = m_subs.at(members[ctx.rng().below(members.size())]);
            deliver(ctx, s, f, ctx.groupIndex(queue));
            ++copies;
        }
        if (copies) return;
        TraceEvent e = messageEvent(TraceKind::Drop, f.message.get());
        e.reason = DropReason::NoSubscribers;
        ctx.trace(e);
        if (pub && !pub->replyTo.empty() && pub->noResponders) noResponders(ctx, link, pub->replyTo, f);
    }

    void deliver(NodeContext &ctx, const Sub &s, const Frame &pub, std::uint32_t group)
    {
        TraceEvent e = messageEvent(TraceKind::Match, pub.message.get());
        e.peer = s.node;
        e.group = group;
        e.aux = s.wildcard ? 1 : 0;
        ctx.trace(e);
        auto body = std::make_shared<NatsDelivery>();
        body->subject = pub.message->routingKey;
        body->sid = s.sid;
        if (const auto *p = pub.as<NatsPublication>()) body->replyTo = p->replyTo;
        Frame m;
        m.type = FrameType::NatsMsg;
        m.message = pub.message;
        m.body = std::move(body);
        ctx.send(s.link, std::move(m));
    }

    // HMSG <reply> <sid> with "NATS/1.0 503" and no payload, to the requester's own subscription
    // on its reply subject (its inbox).
    void noResponders(NodeContext &ctx, LinkIndex link, const std::string &replyTo, const Frame &request)
    {
        m_matched.clear();
        m_index.matchIds(replyTo, m_matched);
        for (std::uint32_t id : m_matched) {
            const Sub &s = m_subs.at(id);
            if (s.link != link) continue;
            auto body = std::make_shared<NatsDelivery>();
            body->subject = replyTo;
            body->sid = s.sid;
            Frame m;
            m.type = FrameType::NatsMsg;
            m.status = NatsDefault::NoRespondersStatus;
            m.body = std::move(body);
            ctx.send(link, std::move(m));
            return;
        }
    }

    std::uint64_t m_maxPayload = 0;
    SubscriptionIndex m_index;
    std::unordered_map<std::uint32_t, Sub> m_subs;                        // by index id
    std::map<std::pair<LinkIndex, std::uint32_t>, std::uint32_t> m_bySid; // (connection, sid) -> id
    std::set<LinkIndex> m_connected;
    std::vector<std::uint32_t> m_matched;
};

} // namespace

NodeKindSpec natsServerKind()
{
    NodeKindSpec k;
    k.kind = "nats-server";
    k.label = "NATS server";
    k.category = "Publish-subscribe";
    k.help = "Core NATS: subjects with '*' and '>' wildcards, queue groups (one member each), at-most-once, "
             "request-reply with \"no responders\".";
    k.ports = {{"clients", PortDirection::In, Protocol::Nats, true,
                "NATS clients: publishers, requesters, subscribers, responders (one connection each)."}};
    using T = PropertyType;
    k.properties = {
        property("maxPayload", "Max payload", T::Integer, Json(NatsDefault::MaxPayload),
                 "max_payload: a PUB larger than it is refused with -ERR 'Maximum Payload Violation' "
                 "(nats-server's default 1 MB; 0 = no limit).",
                 "bytes", 0, 64.0 * 1024 * 1024),
    };
    k.deliveryRole = DeliveryRole::Log;
    k.factory = [](const NodeSetup &s) { return std::make_unique<NatsServer>(s); };
    k.explainRoute = [](const RouteQuestion &q) {
        return brokerRoute(q, static_cast<int>(Dialect::Nats), [](const RouteOutput &o) {
            std::vector<RouteSubscription> subs;
            if (!o.peerKind || o.peerKind->kind != "nats-subscriber") return subs;
            for (const auto &line : o.peerProperties->stringList("subscriptions")) {
                std::istringstream in(line); // "subject [queue group]"
                RouteSubscription r;
                in >> r.pattern >> r.group;
                if (!r.pattern.empty()) subs.push_back(std::move(r));
            }
            return subs;
        });
    };
    return k;
}

} // namespace sb
