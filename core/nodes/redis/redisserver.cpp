// redis-server, its Pub/Sub part, as src/pubsub.c and src/networking.c do it:
//  - PUBLISH hands the message to the clients subscribed at that moment and to nobody else (no
//    persistence, no acks, no redelivery): first every client subscribed to the channel (an exact
//    name: a hash map), then every pattern subscription whose glob matches it, one "pmessage" per
//    matching pattern. A client subscribed by the channel and by a matching pattern gets it twice.
//    PUBLISH replies with the number of copies handed out; none is traced as a NoSubscribers drop.
//  - Each client has an output buffer: the pushes not yet written to its socket. The server writes
//    the next push when the client has read the previous one (its read time, redisprotocol.h), so a
//    client reading slower than messages come falls behind and its buffer grows. After each push
//    is appended, the buffer is checked against client-output-buffer-limit pubsub (hard, soft and
//    soft seconds; checkClientOutputBufferLimits): at or over the hard limit, or at or over the
//    soft limit for longer than the soft seconds (counted from the first append that found it
//    over, reset by an append that finds it under), the server closes the client: a Disconnect
//    (aux 2), a SlowConsumer drop for each push its buffer held, its subscriptions gone.
#include "../../pubsub/subscriptionindex.h"
#include "../common.h"
#include "redis.h"
#include "redisprotocol.h"

#include <algorithm>
#include <deque>
#include <map>
#include <unordered_map>

namespace sb {

std::uint64_t redisPushBytes(const std::string &channel, const std::string *pattern, std::uint32_t payload)
{
    const auto bulk = [](std::uint64_t n) { return 1 + std::to_string(n).size() + 2 + n + 2; };
    std::uint64_t bytes = 4;        // "*3\r\n" or "*4\r\n"
    bytes += bulk(pattern ? 8 : 7); // "message" / "pmessage"
    if (pattern) bytes += bulk(pattern->size());
    return bytes + bulk(channel.size()) + bulk(payload);
}

namespace {

class RedisServer final : public Node {
public:
    explicit RedisServer(const NodeSetup &s) : m_patterns(Dialect::Redis)
    {
        const auto &p = s.properties;
        m_hardLimit = static_cast<std::uint64_t>(p.integer("pubsubHardLimit"));
        m_softLimit = static_cast<std::uint64_t>(p.integer("pubsubSoftLimit"));
        m_softSeconds = p.integer("pubsubSoftSeconds") * kSecond;
    }

    void onFrame(NodeContext &ctx, LinkIndex link, Frame &f) override
    {
        if (f.response) return;
        switch (f.type) {
        case FrameType::RedisPublish:
            publish(ctx, link, f);
            break;
        case FrameType::RedisSubscribe:
        case FrameType::RedisPSubscribe:
            subscribe(ctx, link, f);
            break;
        case FrameType::RedisUnsubscribe:
            unsubscribe(ctx, link, f);
            break;
        default:
            break;
        }
    }

    void onTimer(NodeContext &ctx, std::uint64_t tag) override
    {
        // The client read the push written last: write the next one.
        const LinkIndex link = static_cast<LinkIndex>(tag & 0xFFFFFFFFu);
        auto it = m_clients.find(link);
        if (it == m_clients.end() || it->second.generation != (tag >> 32)) return;
        it->second.writing = false;
        writeNext(ctx, it->second);
    }

    void onCrash(NodeContext &) override
    {
        // Pub/Sub state lives in memory only.
        m_clients.clear();
        m_channels.clear();
        m_patterns = SubscriptionIndex(Dialect::Redis);
        m_patternOwner.clear();
    }
    void onRestart(NodeContext &) override {}

    NodeStatus status() const override
    {
        NodeStatus s;
        for (const auto &[link, c] : m_clients)
            s.ready += c.out.size();
        return s;
    }

private:
    struct Pending {
        Frame frame;
        std::uint64_t bytes = 0;
    };
    struct Client {
        LinkIndex link = kNoIndex;
        NodeIndex node = kNoIndex;
        bool connected = false;
        std::vector<std::string> channels;             // in subscription order
        std::map<std::string, std::uint32_t> patterns; // pattern -> its id in m_patterns
        Distribution readTime;
        std::deque<Pending> out; // the output buffer: pushes not yet written
        std::uint64_t outBytes = 0;
        bool writing = false; // a push is on its way to the client or being read
        SimTime softSince = -1;
        std::uint32_t generation = 0; // the connection, for its timers
        std::size_t subscriptions() const { return channels.size() + patterns.size(); }
    };

    Client &client(NodeContext &ctx, LinkIndex link)
    {
        Client &c = m_clients[link];
        if (!c.connected) {
            c.link = link;
            c.node = ctx.peer(link);
            c.connected = true;
            TraceEvent e;
            e.kind = TraceKind::Connect;
            e.peer = c.node;
            ctx.trace(e);
        }
        return c;
    }

    void reply(NodeContext &ctx, LinkIndex link, const Frame &request, std::uint32_t count)
    {
        Frame r;
        r.type = request.type;
        r.response = true;
        r.tag = request.tag;
        r.count = count;
        r.message = request.message;
        ctx.send(link, std::move(r));
    }

    void subscribe(NodeContext &ctx, LinkIndex link, const Frame &f)
    {
        const auto *body = f.as<RedisSubscription>();
        if (!body) return;
        Client &c = client(ctx, link);
        c.readTime = body->readTime;
        for (const auto &name : body->names) {
            if (f.type == FrameType::RedisPSubscribe) {
                // A pattern the client already has is not added again (pubsubSubscribePattern).
                if (c.patterns.count(name) || hasError(checkFilter(Dialect::Redis, name))) continue;
                const auto id = m_patterns.add(name, link);
                c.patterns.emplace(name, id);
                m_patternOwner.emplace(id, link);
            } else {
                auto &subs = m_channels[name];
                if (std::find(subs.begin(), subs.end(), link) != subs.end()) continue;
                subs.push_back(link);
                c.channels.push_back(name);
            }
        }
        reply(ctx, link, f, static_cast<std::uint32_t>(c.subscriptions()));
    }

    void unsubscribe(NodeContext &ctx, LinkIndex link, const Frame &f)
    {
        const auto *body = f.as<RedisSubscription>();
        if (!body) return;
        auto it = m_clients.find(link);
        if (it == m_clients.end() || !it->second.connected) return;
        Client &c = it->second;
        if (body->patterns) {
            std::vector<std::string> names = body->names;
            if (names.empty())
                for (const auto &[p, id] : c.patterns)
                    names.push_back(p);
            for (const auto &n : names)
                dropPattern(c, n);
        } else {
            std::vector<std::string> names = body->names.empty() ? c.channels : body->names;
            for (const auto &n : names)
                dropChannel(c, n);
        }
        reply(ctx, link, f, static_cast<std::uint32_t>(c.subscriptions()));
    }

    void dropChannel(Client &c, const std::string &name)
    {
        auto ch = m_channels.find(name);
        if (ch != m_channels.end()) {
            std::erase(ch->second, c.link);
            if (ch->second.empty()) m_channels.erase(ch);
        }
        std::erase(c.channels, name);
    }

    void dropPattern(Client &c, const std::string &name)
    {
        auto p = c.patterns.find(name);
        if (p == c.patterns.end()) return;
        m_patterns.remove(p->second);
        m_patternOwner.erase(p->second);
        c.patterns.erase(p);
    }

    void publish(NodeContext &ctx, LinkIndex link, const Frame &f)
    {
        client(ctx, link);
        if (!f.message) return;
        const std::string &channel = f.message->routingKey;
        std::uint32_t receivers = 0;
        // Channel subscribers first, then patterns, as pubsubPublishMessage does.
        if (auto ch = m_channels.find(channel); ch != m_channels.end()) {
            const std::vector<LinkIndex> subs = ch->second; // a cut-off client leaves the list
            for (LinkIndex to : subs) {
                push(ctx, to, f.message, channel, nullptr);
                ++receivers;
            }
        }
        m_matched.clear();
        m_patterns.matchIds(channel, m_matched);
        const std::vector<std::uint32_t> ids = m_matched;
        for (std::uint32_t id : ids) {
            auto owner = m_patternOwner.find(id);
            if (owner == m_patternOwner.end()) continue; // its client was cut off by an earlier copy
            const std::string pattern = m_patterns.pattern(id);
            push(ctx, owner->second, f.message, channel, &pattern);
            ++receivers;
        }
        if (receivers == 0) {
            TraceEvent e = messageEvent(TraceKind::Drop, f.message.get());
            e.reason = DropReason::NoSubscribers;
            ctx.trace(e);
        }
        reply(ctx, link, f, receivers);
    }

    void push(NodeContext &ctx, LinkIndex to, const MessageRef &m, const std::string &channel,
              const std::string *pattern)
    {
        Client &c = m_clients[to];
        TraceEvent e = messageEvent(TraceKind::Match, m.get());
        e.peer = c.node;
        e.aux = pattern ? 1 : 0;
        ctx.trace(e);
        auto body = std::make_shared<RedisPush>();
        body->channel = channel;
        if (pattern) body->pattern = *pattern;
        Pending p;
        p.frame.type = pattern ? FrameType::RedisPMessage : FrameType::RedisMessage;
        p.frame.message = m;
        p.bytes = redisPushBytes(channel, pattern, m->size);
        p.frame.body = std::move(body);
        c.out.push_back(std::move(p));
        c.outBytes += c.out.back().bytes;
        if (overLimit(ctx, c)) {
            cutOff(ctx, c);
            return;
        }
        if (!c.writing) writeNext(ctx, c);
    }

    // checkClientOutputBufferLimits, for the pubsub class.
    bool overLimit(NodeContext &ctx, Client &c)
    {
        const bool hard = m_hardLimit && c.outBytes >= m_hardLimit;
        bool soft = m_softLimit && c.outBytes >= m_softLimit;
        if (soft) {
            if (c.softSince < 0) {
                c.softSince = ctx.now();
                soft = false;
            } else {
                soft = ctx.now() - c.softSince > m_softSeconds;
            }
        } else {
            c.softSince = -1;
        }
        return hard || soft;
    }

    void writeNext(NodeContext &ctx, Client &c)
    {
        if (c.out.empty()) return;
        Pending p = std::move(c.out.front());
        c.out.pop_front();
        c.outBytes -= p.bytes;
        const SimTime read = c.readTime.sample(ctx.rng());
        auto body = std::make_shared<RedisPush>(*p.frame.as<RedisPush>());
        body->readTime = read;
        p.frame.body = std::move(body);
        c.writing = true;
        ctx.send(c.link, std::move(p.frame));
        ctx.startTimer(read, (std::uint64_t(c.generation) << 32) | c.link);
    }

    void cutOff(NodeContext &ctx, Client &c)
    {
        TraceEvent e;
        e.kind = TraceKind::Disconnect;
        e.peer = c.node;
        e.aux = 2;
        ctx.trace(e);
        for (const auto &p : c.out) {
            TraceEvent d = messageEvent(TraceKind::Drop, p.frame.message.get());
            d.reason = DropReason::SlowConsumer;
            d.peer = c.node;
            ctx.trace(d);
        }
        c.out.clear();
        c.outBytes = 0;
        c.writing = false;
        c.softSince = -1;
        for (const std::string &name : std::vector<std::string>(c.channels))
            dropChannel(c, name);
        while (!c.patterns.empty())
            dropPattern(c, c.patterns.begin()->first);
        c.connected = false;
        ++c.generation;
        Frame close;
        close.type = FrameType::Disconnect;
        ctx.send(c.link, std::move(close));
    }

    std::uint64_t m_hardLimit = 0, m_softLimit = 0;
    SimTime m_softSeconds = 0;
    std::map<LinkIndex, Client> m_clients;
    std::unordered_map<std::string, std::vector<LinkIndex>> m_channels; // channel -> clients
    SubscriptionIndex m_patterns;                                       // PSUBSCRIBE globs -> client
    std::unordered_map<std::uint32_t, LinkIndex> m_patternOwner;        // pattern id -> client
    std::vector<std::uint32_t> m_matched;
};

} // namespace

NodeKindSpec redisServerKind()
{
    NodeKindSpec k;
    k.kind = "redis-server";
    k.label = "Redis server";
    k.category = "Publish-subscribe";
    k.help = "Redis Pub/Sub: PUBLISH reaches the clients subscribed at that moment (SUBSCRIBE channels, "
             "PSUBSCRIBE globs), nobody else; slow subscribers are cut off at client-output-buffer-limit "
             "pubsub.";
    k.ports = {{"clients", PortDirection::In, Protocol::Redis, true,
                "Redis clients: publishers and subscribers (one connection each)."}};
    using T = PropertyType;
    k.properties = {
        property("pubsubHardLimit", "Output buffer hard limit", T::Integer,
                 Json(RedisDefault::PubsubHardLimit),
                 "client-output-buffer-limit pubsub <hard>: a subscriber whose output buffer reaches it is "
                 "disconnected at once (Redis's default 32mb; 0 = no limit).",
                 "bytes", 0, {}),
        property("pubsubSoftLimit", "Output buffer soft limit", T::Integer,
                 Json(RedisDefault::PubsubSoftLimit),
                 "client-output-buffer-limit pubsub <soft>: a subscriber whose output buffer stays at or "
                 "over it for longer than the soft seconds is disconnected (Redis's default 8mb; 0 = no "
                 "limit).",
                 "bytes", 0, {}),
        property("pubsubSoftSeconds", "Soft limit seconds", T::Integer, Json(RedisDefault::PubsubSoftSeconds),
                 "client-output-buffer-limit pubsub <soft seconds> (Redis's default 60).", "s", 0, {}),
    };
    k.deliveryRole = DeliveryRole::Log;
    k.factory = [](const NodeSetup &s) { return std::make_unique<RedisServer>(s); };
    k.explainRoute = [](const RouteQuestion &q) {
        return brokerRoute(q, static_cast<int>(Dialect::Redis), [](const RouteOutput &o) {
            std::vector<RouteSubscription> subs;
            if (!o.peerKind || o.peerKind->kind != "redis-subscriber") return subs;
            for (const auto &c : o.peerProperties->stringList("channels"))
                subs.push_back({c, "", "channel", true});
            for (const auto &p : o.peerProperties->stringList("patterns"))
                subs.push_back({p, "", "pattern", false});
            return subs;
        });
    };
    return k;
}

} // namespace sb
