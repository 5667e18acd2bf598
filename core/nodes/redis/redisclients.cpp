// The Redis Pub/Sub clients.
// redis-publisher: generates messages with the shared workload and sends each with PUBLISH to its
// channel (a template; a script entry may name its own "channel"). Fire and forget: no retry, no
// ack; the server's reply (the number of clients that received it) is traced as Confirm with aux =
// that number.
// redis-subscriber: at subscribeAt it sends SUBSCRIBE for its channels and PSUBSCRIBE for its
// patterns; it gets only what is published from then on. It handles one push at a time for its
// read time (processingTime) and traces Process for each (peer = the server, aux = end-to-end
// latency). Cut off by the server (the connection closed), it reconnects and subscribes again after
// reconnectDelay when that is set, missing what was published meanwhile. unsubscribeAt sends
// UNSUBSCRIBE and PUNSUBSCRIBE (all).
#include "pubsubclient.h"
#include "redis.h"
#include "redisprotocol.h"

#include <deque>

namespace sb {

namespace {

std::string checkRedisEntry(const Json &e)
{
    if (e.contains("channel") && !e["channel"].is_string()) return "'channel' must be a string";
    return {};
}

class RedisPublisher final : public Node {
public:
    explicit RedisPublisher(const NodeSetup &s)
        : m_id(s.id), m_workload(s.properties), m_channel(s.properties.string("channel"))
    {
    }

    void start(NodeContext &ctx) override { m_workload.start(ctx); }
    void onTimer(NodeContext &ctx, std::uint64_t tag) override
    {
        if (!m_workload.owns(tag)) return;
        m_workload.onTimer(ctx, tag, [&](const Workload::Item &item) {
            Frame f;
            f.type = FrameType::RedisPublish;
            f.message = publishPubSubMessage(ctx, m_workload, item, m_channel, "channel", m_id);
            f.tag = f.message->sequence;
            sendOnPort(ctx, RedisClientPort::Server, std::move(f));
        });
    }

    void onFrame(NodeContext &ctx, LinkIndex, Frame &f) override
    {
        if (f.type != FrameType::RedisPublish || !f.response || !f.message) return;
        TraceEvent e = messageEvent(TraceKind::Confirm, f.message.get());
        e.aux = f.count; // PUBLISH's integer reply: the clients that received it
        ctx.trace(e);
    }

    void onCrash(NodeContext &) override { m_workload.stop(); }
    void onRestart(NodeContext &ctx) override { m_workload.restart(ctx); }

private:
    std::string m_id;
    Workload m_workload;
    std::string m_channel;
};

class RedisSubscriber final : public Node {
public:
    explicit RedisSubscriber(const NodeSetup &s)
    {
        const auto &p = s.properties;
        m_channels = p.stringList("channels");
        m_patterns = p.stringList("patterns");
        m_subscribeAt = p.duration("subscribeAt");
        m_unsubscribeAt = p.duration("unsubscribeAt");
        m_reconnectDelay = p.duration("reconnectDelay");
        m_readTime = p.distribution("processingTime");
    }

    void start(NodeContext &ctx) override
    {
        ctx.startTimer(m_subscribeAt, SubscribeTimer);
        if (m_unsubscribeAt > 0) ctx.startTimer(m_unsubscribeAt, UnsubscribeTimer);
    }

    void onTimer(NodeContext &ctx, std::uint64_t tag) override
    {
        switch (tag) {
        case SubscribeTimer:
            if (!m_unsubscribed) subscribe(ctx);
            break;
        case UnsubscribeTimer:
            m_unsubscribed = true;
            send(ctx, FrameType::RedisUnsubscribe, {}, false);
            send(ctx, FrameType::RedisUnsubscribe, {}, true);
            break;
        case ReadTimer:
            finishRead(ctx);
            break;
        default:
            break;
        }
    }

    void onFrame(NodeContext &ctx, LinkIndex link, Frame &f) override
    {
        if (f.type == FrameType::Disconnect) {
            // The server closed the connection: what it had not written is gone.
            if (m_reconnectDelay > 0 && !m_unsubscribed) ctx.startTimer(m_reconnectDelay, SubscribeTimer);
            return;
        }
        if (f.type != FrameType::RedisMessage && f.type != FrameType::RedisPMessage) return;
        const auto *push = f.as<RedisPush>();
        if (!f.message || !push) return;
        m_server = ctx.peer(link);
        m_inbox.push_back({f.message, push->readTime});
        if (!m_reading) startRead(ctx);
    }

    void onCrash(NodeContext &) override
    {
        m_inbox.clear();
        m_reading = false;
    }

    NodeStatus status() const override
    {
        NodeStatus s;
        s.ready = m_inbox.size();
        s.unacked = m_reading ? 1 : 0;
        return s;
    }

private:
    enum : std::uint64_t { SubscribeTimer = 1, UnsubscribeTimer = 2, ReadTimer = 3 };
    struct Received {
        MessageRef message;
        SimTime readTime = 0;
    };

    void send(NodeContext &ctx, FrameType type, std::vector<std::string> names, bool patterns)
    {
        auto body = std::make_shared<RedisSubscription>();
        body->names = std::move(names);
        body->patterns = patterns;
        body->readTime = m_readTime;
        Frame f;
        f.type = type;
        f.tag = ++m_tag;
        f.body = std::move(body);
        sendOnPort(ctx, RedisClientPort::Server, std::move(f));
    }

    void subscribe(NodeContext &ctx)
    {
        if (!m_channels.empty()) send(ctx, FrameType::RedisSubscribe, m_channels, false);
        if (!m_patterns.empty()) send(ctx, FrameType::RedisPSubscribe, m_patterns, true);
    }

    void startRead(NodeContext &ctx)
    {
        m_reading = true;
        ctx.startTimer(m_inbox.front().readTime, ReadTimer);
    }

    void finishRead(NodeContext &ctx)
    {
        if (!m_reading || m_inbox.empty()) return;
        Received r = std::move(m_inbox.front());
        m_inbox.pop_front();
        m_reading = false;
        TraceEvent e = messageEvent(TraceKind::Process, r.message.get());
        e.peer = m_server;
        e.aux = ctx.now() - r.message->publishedAt;
        ctx.trace(e);
        if (!m_inbox.empty()) startRead(ctx);
    }

    std::vector<std::string> m_channels, m_patterns;
    SimTime m_subscribeAt = 0, m_unsubscribeAt = 0, m_reconnectDelay = 0;
    Distribution m_readTime;
    std::deque<Received> m_inbox;
    bool m_reading = false;
    bool m_unsubscribed = false;
    NodeIndex m_server = kNoIndex;
    std::uint64_t m_tag = 0;
};

PropertySpec nameListProperty(std::string key, std::string label, bool patterns, Json def, std::string help)
{
    PropertySpec p =
        property(std::move(key), std::move(label), PropertyType::StringList, std::move(def), std::move(help));
    p.check = [patterns](const Json &list) -> std::string {
        for (std::size_t i = 0; i < list.size(); ++i) {
            const auto problem = pubSubNameProblem(Dialect::Redis, list[i].get<std::string>(), patterns);
            if (!problem.empty()) return "entry " + std::to_string(i) + ": " + problem;
        }
        return {};
    };
    return p;
}

} // namespace

NodeKindSpec redisPublisherKind()
{
    NodeKindSpec k;
    k.kind = "redis-publisher";
    k.label = "Redis publisher";
    k.category = "Publish-subscribe";
    k.help = "PUBLISHes messages to a Redis channel, fire and forget; the reply says how many clients got "
             "each.";
    k.ports = {{"server", PortDirection::Out, Protocol::Redis, false, "Its connection to a redis-server."}};
    using T = PropertyType;
    k.properties =
        Workload::propertySpecs({"channel"}, checkRedisEntry, "{\"at\": \"10ms\", \"channel\": \"news\"}");
    const auto script = k.properties.end() - 1;
    k.properties.insert(script,
                        property("channel", "Channel", T::String, "news",
                                 "The channel each message is PUBLISHed to: a template in which {seq}, "
                                 "{key}, {node} and {id} are replaced per message.",
                                 ""));
    k.deliveryRole = DeliveryRole::Log;
    k.factory = [](const NodeSetup &s) { return std::make_unique<RedisPublisher>(s); };
    k.explainRoute = [](const RouteQuestion &q) { return publishRoute(q, "channel", "channel"); };
    return k;
}

NodeKindSpec redisSubscriberKind()
{
    NodeKindSpec k;
    k.kind = "redis-subscriber";
    k.label = "Redis subscriber";
    k.category = "Publish-subscribe";
    k.help = "SUBSCRIBEs to channels and PSUBSCRIBEs to glob patterns on a redis-server and handles each "
             "message pushed to it.";
    k.ports = {{"server", PortDirection::Out, Protocol::Redis, false, "Its connection to a redis-server."}};
    using T = PropertyType;
    k.properties = {
        nameListProperty("channels", "Channels", false, Json::array({"news"}),
                         "SUBSCRIBE: channels by exact name, such as [\"news\", \"orders\"]."),
        nameListProperty("patterns", "Patterns", true, Json::array(),
                         "PSUBSCRIBE: glob patterns ('*', '?', '[abc]', '[^a]', '[a-z]', '\\' escapes), such "
                         "as [\"news.*\"]. A message whose channel the client has by name and by a pattern "
                         "comes twice, as Redis sends it."),
        property("subscribeAt", "Subscribe at", T::Duration, 0,
                 "When it connects and subscribes: it gets nothing published before (Pub/Sub keeps nothing).",
                 "ms", 0, {}),
        property("unsubscribeAt", "Unsubscribe at", T::Duration, 0,
                 "When it sends UNSUBSCRIBE and PUNSUBSCRIBE for everything (0 = never).", "ms", 0, {}),
        property("processingTime", "Processing time", T::Distribution, "1ms",
                 "How long it takes to read and handle one message: a subscriber slower than the messages "
                 "come makes the server's output buffer for it grow.",
                 ""),
        property("reconnectDelay", "Reconnect delay", T::Duration, 0,
                 "After the server closed its connection (output buffer limit), it reconnects and "
                 "subscribes again after this long, as ioredis's autoResubscribe does (0 = never: it "
                 "stays disconnected, as redis-cli).",
                 "ms", 0, {}),
    };
    k.check = [](const PropertyBag &p, std::vector<std::pair<std::string, std::string>> &problems) {
        if (p.stringList("channels").empty() && p.stringList("patterns").empty())
            problems.push_back({"channels", "a subscriber needs at least one channel or pattern"});
        const SimTime un = p.duration("unsubscribeAt");
        if (un > 0 && un < p.duration("subscribeAt"))
            problems.push_back({"unsubscribeAt", "unsubscribeAt " + formatDuration(un) +
                                                     " is before subscribeAt " +
                                                     formatDuration(p.duration("subscribeAt"))});
    };
    k.deliveryRole = DeliveryRole::Log;
    k.factory = [](const NodeSetup &s) { return std::make_unique<RedisSubscriber>(s); };
    k.explainRoute = [](const RouteQuestion &) {
        return endRoute("receives it (if connected at publish time)");
    };
    return k;
}

std::vector<NodeTemplate> redisTemplates()
{
    std::vector<NodeTemplate> t;
    t.push_back({"redis-server", "Redis server", "Redis", "redis-server",
                 "Redis Pub/Sub with redis.conf's client-output-buffer-limit pubsub 32mb 8mb 60.",
                 Json::object()});
    t.push_back({"redis-publisher", "Redis publisher", "Redis", "redis-publisher",
                 "PUBLISH to channel \"news\" at 10 msg/s.", Json::object()});
    t.push_back({"redis-subscriber", "Redis subscriber", "Redis", "redis-subscriber",
                 "SUBSCRIBE news from the start.", Json{{"channels", Json::array({"news"})}}});
    t.push_back({"redis-pattern-subscriber", "Redis pattern subscriber", "Redis", "redis-subscriber",
                 "PSUBSCRIBE news.* from the start.", Json{{"patterns", Json::array({"news.*"})}}});
    return t;
}

} // namespace sb
