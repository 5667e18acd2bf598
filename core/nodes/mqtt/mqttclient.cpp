// mqtt-client: connects to one mqtt-broker (CONNECT/CONNACK with its client id, clean start,
// session expiry, keep-alive and Last Will), publishes a workload to a topic at QoS 0/1/2 and
// subscribes to topic filters, tracing Process for each application message it receives.
//
// Publishing: QoS 0 goes out once; QoS 1 and 2 take a place in the in-flight window
// (maxInflightMessages) until PUBACK, or PUBREC/PUBREL/PUBCOMP, and are resent with DUP after
// retryInterval and on reconnect. While offline, QoS >= 1 messages wait (the library's offline
// queue) and QoS 0 ones are dropped (ClientOffline).
// Receiving: QoS 1 is acknowledged and processed every time it arrives (a resent one again: at
// least once); QoS 2 keeps the packet id from PUBLISH until PUBREL, so a resent PUBLISH is
// acknowledged but not processed twice (MQTT 4.3.3 method B).
// Keep-alive: a PINGREQ when nothing was sent for keepAlive; no PINGRESP by the next one means the
// connection is gone. A lost connection (link down, the broker's DISCONNECT, no CONNACK in time) is
// retried after reconnectDelay, doubling up to reconnectDelayMax. offlineAt/offlineFor script a
// clean DISCONNECT and a reconnect.
#include "../common.h"
#include "../workload.h"
#include "mqtt.h"
#include "mqttprotocol.h"

#include <algorithm>
#include <deque>
#include <map>
#include <set>

namespace sb {

namespace {

enum ClientTimer : std::uint64_t {
    PingTimer = 1,
    RetryTimer = 2,
    ReconnectTimer = 3,
    ConnectTimeoutTimer = 4,
    OfflineTimer = 5,
    OnlineTimer = 6,
    SubscribeTimer = 7
};
inline std::uint64_t clientTag(ClientTimer k, std::uint16_t packetId = 0)
{
    return (static_cast<std::uint64_t>(packetId) << 4) | k;
}

std::string checkMqttEntry(const Json &e)
{
    if (e.contains("topic")) {
        if (!e["topic"].is_string()) return "'topic' must be a string";
        if (std::string p = checkMqttTopic(e["topic"].get<std::string>()); !p.empty()) return p;
    }
    if (e.contains("qos") &&
        !(e["qos"].is_number_integer() && e["qos"].get<int>() >= 0 && e["qos"].get<int>() <= 2))
        return "'qos' must be 0, 1 or 2";
    if (e.contains("retain") && !e["retain"].is_boolean()) return "'retain' must be true or false";
    return {};
}

class MqttClient final : public Node {
public:
    explicit MqttClient(const NodeSetup &s) : m_node(s.id), m_workload(s.properties)
    {
        const auto &p = s.properties;
        m_clientId = p.string("clientId").empty() ? s.id : p.string("clientId");
        m_protocolVersion = p.string("protocolVersion") == "3.1.1" ? 4 : 5;
        m_cleanStart = p.boolean("cleanStart");
        m_sessionExpiry = p.duration("sessionExpiry");
        m_keepAlive = p.duration("keepAlive");
        m_topic = p.string("topic");
        m_qos = static_cast<std::uint8_t>(p.integer("qos"));
        m_retain = p.boolean("retain");
        for (const auto &line : p.stringList("subscriptions")) {
            MqttSubscriptionLine sub;
            if (parseMqttSubscriptionLine(line, sub).empty())
                m_subscriptions.push_back({sub.filter, sub.qos});
        }
        m_maxInflight = static_cast<std::size_t>(p.integer("maxInflightMessages"));
        m_retryInterval = p.duration("retryInterval");
        m_reconnectDelay = p.duration("reconnectDelay");
        m_reconnectDelayMax = std::max(p.duration("reconnectDelayMax"), m_reconnectDelay);
        m_connectTimeout = p.duration("connectTimeout");
        if (!p.string("willTopic").empty())
            m_will = MqttWill{expandTemplate(p.string("willTopic"), 0, {}, s.id, 0),
                              static_cast<std::uint8_t>(p.integer("willQos")), p.boolean("willRetain"),
                              static_cast<std::uint32_t>(p.integer("willSize"))};
        m_offlineAt = p.duration("offlineAt");
        m_offlineFor = p.duration("offlineFor");
        m_connectAt = p.duration("connectAt");
    }

    void start(NodeContext &ctx) override
    {
        m_workload.start(ctx);
        if (m_offlineAt > 0) ctx.startTimer(m_offlineAt, clientTag(OfflineTimer));
        if (m_connectAt > 0)
            ctx.startTimer(m_connectAt, clientTag(OnlineTimer));
        else
            connect(ctx);
    }

    void onRestart(NodeContext &ctx) override
    {
        // A restarted client connects again with its configuration; what it held is gone.
        m_workload.restart(ctx);
        connect(ctx);
    }

    void onCrash(NodeContext &) override
    {
        m_workload.stop();
        m_state = State::Offline;
        m_inflight.clear();
        m_outbox.clear();
        m_receivedQos2.clear();
        m_pingOutstanding = false;
        m_scriptedOffline = false;
        m_reconnects = 0;
        m_pingTimer = m_connectTimer = m_reconnectTimer = m_subscribeTimer = kNoTimer;
        m_subscribeId = 0;
    }

    void onLinkState(NodeContext &ctx, LinkIndex, bool up) override
    {
        m_linkUp = up;
        if (!up && m_state != State::Offline) lost(ctx);
    }

    void onTimer(NodeContext &ctx, std::uint64_t tag) override
    {
        if (m_workload.owns(tag)) {
            m_workload.onTimer(ctx, tag, [&](const Workload::Item &item) { publish(ctx, item); });
            return;
        }
        const auto kind = static_cast<ClientTimer>(tag & 15);
        switch (kind) {
        case PingTimer:
            m_pingTimer = kNoTimer;
            keepAlive(ctx);
            break;
        case RetryTimer: {
            auto it = m_inflight.find(static_cast<std::uint16_t>(tag >> 4));
            if (it == m_inflight.end() || m_state != State::Connected) return;
            it->second.timer = kNoTimer;
            resend(ctx, it->second);
            break;
        }
        case ReconnectTimer:
            m_reconnectTimer = kNoTimer;
            if (m_state == State::Offline && !m_scriptedOffline) connect(ctx);
            break;
        case ConnectTimeoutTimer:
            m_connectTimer = kNoTimer;
            if (m_state == State::Connecting) lost(ctx);
            break;
        case OfflineTimer:
            goOffline(ctx);
            break;
        case OnlineTimer:
            m_scriptedOffline = false;
            if (m_state == State::Offline) connect(ctx);
            break;
        case SubscribeTimer:
            m_subscribeTimer = kNoTimer;
            if (m_state == State::Connected && m_subscribeId != 0) subscribe(ctx);
            break;
        }
    }

    void onFrame(NodeContext &ctx, LinkIndex link, Frame &f) override
    {
        if (m_state == State::Offline) return; // nothing of an old connection counts now
        switch (f.type) {
        case FrameType::ConnAck:
            onConnAck(ctx, f);
            break;
        case FrameType::MqttPublish:
            onPublish(ctx, link, f);
            break;
        case FrameType::PubRel:
            m_receivedQos2.erase(static_cast<std::uint16_t>(f.tag));
            sendControl(ctx, FrameType::PubComp, f.tag);
            break;
        case FrameType::PubAck:
        case FrameType::PubComp:
            onAcknowledged(ctx, f);
            break;
        case FrameType::PubRec:
            onPubRec(ctx, f);
            break;
        case FrameType::SubAck:
            if (f.tag == m_subscribeId) {
                m_subscribeId = 0;
                if (m_subscribeTimer != kNoTimer) ctx.cancelTimer(m_subscribeTimer);
                m_subscribeTimer = kNoTimer;
            }
            break;
        case FrameType::PingResp:
            m_pingOutstanding = false;
            break;
        case FrameType::Disconnect:
            lost(ctx);
            break;
        default:
            break;
        }
    }

    NodeStatus status() const override
    {
        NodeStatus st;
        st.ready = m_outbox.size();
        st.inFlight = m_inflight.size();
        return st;
    }

private:
    enum class State { Offline, Connecting, Connected };
    struct Outgoing {
        MessageRef message;
        std::uint8_t qos = 0;
        bool retain = false;
        std::uint16_t packetId = 0;
        bool released = false; // QoS 2: PUBREC came, PUBREL sent
        std::uint32_t attempts = 0;
        TimerId timer = kNoTimer;
    };

    LinkIndex link(NodeContext &ctx) const
    {
        const auto links = ctx.links(MqttClientPort::Out);
        return links.empty() ? kNoIndex : links.front();
    }

    void connect(NodeContext &ctx)
    {
        const LinkIndex l = link(ctx);
        if (l == kNoIndex) return; // validation warned: the client has no broker
        if (!m_linkUp) {
            // No route to the broker (a partition, the broker down): the attempt fails at once,
            // as a refused TCP connection does, and the backoff goes on.
            lost(ctx);
            return;
        }
        auto body = std::make_shared<MqttConnectBody>();
        body->clientId = m_clientId;
        body->protocolVersion = m_protocolVersion;
        body->cleanStart = m_cleanStart;
        // MQTT 3.1.1 has no expiry interval: a clean session ends with its connection, another is
        // kept (until the broker's persistent_client_expiration).
        body->sessionExpiry = m_protocolVersion >= 5 ? m_sessionExpiry : (m_cleanStart ? 0 : kNever);
        body->keepAlive = m_keepAlive;
        body->will = m_will;
        Frame f;
        f.type = FrameType::Connect;
        f.body = std::move(body);
        m_state = State::Connecting;
        send(ctx, std::move(f));
        if (m_connectTimeout > 0)
            m_connectTimer = ctx.startTimer(m_connectTimeout, clientTag(ConnectTimeoutTimer));
    }

    void onConnAck(NodeContext &ctx, const Frame &f)
    {
        if (m_state != State::Connecting) return;
        if (m_connectTimer != kNoTimer) ctx.cancelTimer(m_connectTimer);
        m_connectTimer = kNoTimer;
        const auto *ack = f.as<MqttConnAckBody>();
        const bool present = ack && ack->sessionPresent;
        m_state = State::Connected;
        m_reconnects = 0;
        m_pingOutstanding = false;
        if (present) {
            // The session goes on: what was in flight goes again (MQTT 4.4).
            for (auto &[id, out] : m_inflight)
                resend(ctx, out);
        } else {
            // No session at the broker: the client's session state is discarded (MQTT 3.2.2.2).
            for (auto &[id, out] : m_inflight) {
                if (out.timer != kNoTimer) ctx.cancelTimer(out.timer);
                TraceEvent d = messageEvent(TraceKind::Drop, out.message.get());
                d.reason = DropReason::ClientOffline;
                d.epoch = out.qos;
                ctx.trace(d);
            }
            m_inflight.clear();
            m_receivedQos2.clear();
            if (!m_subscriptions.empty()) {
                m_subscribeId = nextPacketId();
                subscribe(ctx);
            }
        }
        pump(ctx);
        if (m_keepAlive > 0 && m_pingTimer == kNoTimer)
            m_pingTimer = ctx.startTimer(m_keepAlive, clientTag(PingTimer), true);
    }

    // SUBSCRIBE, again after retryInterval until its SUBACK comes.
    void subscribe(NodeContext &ctx)
    {
        auto body = std::make_shared<MqttSubscribeBody>();
        body->filters = m_subscriptions;
        Frame s;
        s.type = FrameType::MqttSubscribe;
        s.tag = m_subscribeId;
        s.body = std::move(body);
        send(ctx, std::move(s));
        if (m_retryInterval > 0)
            m_subscribeTimer = ctx.startTimer(m_retryInterval, clientTag(SubscribeTimer));
    }

    void keepAlive(NodeContext &ctx)
    {
        if (m_state != State::Connected || m_keepAlive <= 0) return;
        if (m_pingOutstanding) {
            // No PINGRESP within a keep-alive: the connection is gone (as libmosquitto decides).
            lost(ctx);
            return;
        }
        const SimTime idle = ctx.now() - m_lastSent;
        if (idle >= m_keepAlive) {
            Frame f;
            f.type = FrameType::PingReq;
            send(ctx, std::move(f));
            m_pingOutstanding = true;
            m_pingTimer = ctx.startTimer(m_keepAlive, clientTag(PingTimer), true);
            return;
        }
        m_pingTimer = ctx.startTimer(m_keepAlive - idle, clientTag(PingTimer), true);
    }

    // The connection is gone without a DISCONNECT: try again after the backoff.
    void lost(NodeContext &ctx)
    {
        dropConnection(ctx);
        if (m_scriptedOffline || m_reconnectTimer != kNoTimer) return;
        SimTime delay = m_reconnectDelay;
        for (std::uint32_t i = 0; i < m_reconnects && delay < m_reconnectDelayMax; ++i)
            delay = std::min(delay * 2, m_reconnectDelayMax);
        ++m_reconnects;
        m_reconnectTimer = ctx.startTimer(delay, clientTag(ReconnectTimer));
    }

    void dropConnection(NodeContext &ctx)
    {
        m_state = State::Offline;
        m_pingOutstanding = false;
        m_subscribeId = 0;
        for (TimerId *t : {&m_pingTimer, &m_connectTimer, &m_subscribeTimer})
            if (*t != kNoTimer) {
                ctx.cancelTimer(*t);
                *t = kNoTimer;
            }
        for (auto &[id, out] : m_inflight)
            if (out.timer != kNoTimer) {
                ctx.cancelTimer(out.timer);
                out.timer = kNoTimer;
            }
    }

    void goOffline(NodeContext &ctx)
    {
        m_scriptedOffline = true;
        if (m_state == State::Connected) {
            Frame f;
            f.type = FrameType::Disconnect;
            f.status = MqttReason::Success;
            send(ctx, std::move(f));
        }
        dropConnection(ctx);
        if (m_reconnectTimer != kNoTimer) ctx.cancelTimer(m_reconnectTimer);
        m_reconnectTimer = kNoTimer;
        if (m_offlineFor > 0) ctx.startTimer(m_offlineFor, clientTag(OnlineTimer));
    }

    void publish(NodeContext &ctx, const Workload::Item &item)
    {
        std::string topic = m_topic;
        std::uint8_t qos = m_qos;
        bool retain = m_retain;
        if (item.entry) {
            topic = item.entry->value("topic", topic);
            qos = static_cast<std::uint8_t>(item.entry->value("qos", static_cast<int>(qos)));
            retain = item.entry->value("retain", retain);
        }
        auto m = std::make_shared<Message>();
        m->id = ctx.newMessageId();
        m->sequence = m_workload.generated();
        m->key = item.key;
        m->routingKey = expandTemplate(topic, m->sequence, item.key, m_node, m->id);
        if (item.entry) m->headers = Workload::entryHeaders(*item.entry);
        m->size = item.size;
        m->publishedAt = ctx.now();
        m->producer = ctx.self();
        ctx.announce(*m);
        TraceEvent e = messageEvent(TraceKind::Publish, m.get());
        e.aux = item.size;
        e.epoch = qos;
        if (qos > 0) e.flags |= TraceFlag::Confirmed;
        if (retain) e.flags |= TraceFlag::Retain;
        ctx.trace(e);
        if (qos == 0 && m_state == State::Offline) {
            TraceEvent d = messageEvent(TraceKind::Drop, m.get());
            d.reason = DropReason::ClientOffline;
            ctx.trace(d);
            return;
        }
        // While connecting, QoS 0 waits for the CONNACK with the rest.
        m_outbox.push_back({std::move(m), qos, retain});
        pump(ctx);
    }

    void pump(NodeContext &ctx)
    {
        while (m_state == State::Connected && !m_outbox.empty()) {
            if (m_outbox.front().qos == 0) {
                sendPublish(ctx, m_outbox.front(), false);
                m_outbox.pop_front();
                continue;
            }
            if (m_maxInflight > 0 && m_inflight.size() >= m_maxInflight) break;
            Outgoing out = std::move(m_outbox.front());
            m_outbox.pop_front();
            out.packetId = nextPacketId();
            out.attempts = 1;
            sendPublish(ctx, out, false);
            armRetry(ctx, out);
            m_inflight.emplace(out.packetId, std::move(out));
        }
    }

    std::uint16_t nextPacketId()
    {
        do {
            m_lastPacketId = m_lastPacketId == MqttDefault::MaxPacketId
                                 ? 1
                                 : static_cast<std::uint16_t>(m_lastPacketId + 1);
        } while (m_inflight.count(m_lastPacketId));
        return m_lastPacketId;
    }

    void armRetry(NodeContext &ctx, Outgoing &out)
    {
        if (m_retryInterval > 0)
            out.timer = ctx.startTimer(m_retryInterval, clientTag(RetryTimer, out.packetId));
    }

    void resend(NodeContext &ctx, Outgoing &out)
    {
        if (out.timer != kNoTimer) ctx.cancelTimer(out.timer);
        ++out.attempts;
        if (out.released) {
            sendControl(ctx, FrameType::PubRel, out.packetId);
        } else {
            TraceEvent e = messageEvent(TraceKind::Retry, out.message.get());
            e.deliveryCount = out.attempts;
            ctx.trace(e);
            sendPublish(ctx, out, true);
        }
        armRetry(ctx, out);
    }

    void sendPublish(NodeContext &ctx, const Outgoing &out, bool dup)
    {
        Frame f;
        f.type = FrameType::MqttPublish;
        f.qos = out.qos;
        f.tag = out.packetId;
        f.redelivered = dup;
        f.retain = out.retain;
        f.deliveryCount = std::max<std::uint32_t>(out.attempts, 1);
        f.message = out.message;
        send(ctx, std::move(f));
    }

    void sendControl(NodeContext &ctx, FrameType type, std::uint64_t tag)
    {
        Frame f;
        f.type = type;
        f.tag = tag;
        send(ctx, std::move(f));
    }

    void send(NodeContext &ctx, Frame f)
    {
        m_lastSent = ctx.now();
        sendOnPort(ctx, MqttClientPort::Out, std::move(f));
    }

    void onAcknowledged(NodeContext &ctx, const Frame &f)
    {
        auto it = m_inflight.find(static_cast<std::uint16_t>(f.tag));
        if (it == m_inflight.end()) return;
        if ((f.type == FrameType::PubAck) != (it->second.qos == 1)) return;
        if (it->second.timer != kNoTimer) ctx.cancelTimer(it->second.timer);
        TraceEvent e = messageEvent(TraceKind::Confirm, it->second.message.get());
        e.deliveryCount = it->second.attempts;
        ctx.trace(e);
        m_inflight.erase(it);
        pump(ctx);
    }

    void onPubRec(NodeContext &ctx, const Frame &f)
    {
        const auto id = static_cast<std::uint16_t>(f.tag);
        auto it = m_inflight.find(id);
        if (it != m_inflight.end() && it->second.qos == 2) {
            Outgoing &out = it->second;
            if (out.timer != kNoTimer) ctx.cancelTimer(out.timer);
            out.timer = kNoTimer;
            out.released = true;
            armRetry(ctx, out);
        }
        sendControl(ctx, FrameType::PubRel, id);
    }

    void onPublish(NodeContext &ctx, LinkIndex link, const Frame &f)
    {
        if (!f.message) return;
        const auto id = static_cast<std::uint16_t>(f.tag);
        bool deliver = true;
        if (f.qos == 2) deliver = m_receivedQos2.insert(id).second;
        if (deliver) {
            TraceEvent e = messageEvent(TraceKind::Process, f.message.get());
            e.peer = ctx.peer(link);
            e.aux = ctx.now() - f.message->publishedAt;
            e.epoch = f.qos;
            if (f.retain) e.flags |= TraceFlag::Retain;
            ctx.trace(e);
        }
        if (f.qos == 1) sendControl(ctx, FrameType::PubAck, id);
        if (f.qos == 2) sendControl(ctx, FrameType::PubRec, id);
    }

    std::string m_node;
    Workload m_workload;
    std::string m_clientId;
    int m_protocolVersion = 5;
    bool m_cleanStart = true;
    SimTime m_sessionExpiry = 0;
    SimTime m_keepAlive = 0;
    std::string m_topic;
    std::uint8_t m_qos = 0;
    bool m_retain = false;
    std::vector<MqttTopicRequest> m_subscriptions;
    std::size_t m_maxInflight = 20;
    SimTime m_retryInterval = 0;
    SimTime m_reconnectDelay = 0;
    SimTime m_reconnectDelayMax = 0;
    SimTime m_connectTimeout = 0;
    std::optional<MqttWill> m_will;
    SimTime m_offlineAt = 0;
    SimTime m_offlineFor = 0;
    SimTime m_connectAt = 0;

    State m_state = State::Offline;
    bool m_linkUp = true; // what the last link-state change said (kept across a crash)
    bool m_scriptedOffline = false;
    std::map<std::uint16_t, Outgoing> m_inflight;
    std::deque<Outgoing> m_outbox;
    std::set<std::uint16_t> m_receivedQos2;
    std::uint16_t m_lastPacketId = 0;
    SimTime m_lastSent = 0;
    bool m_pingOutstanding = false;
    std::uint32_t m_reconnects = 0;
    TimerId m_pingTimer = kNoTimer;
    TimerId m_connectTimer = kNoTimer;
    TimerId m_reconnectTimer = kNoTimer;
    TimerId m_subscribeTimer = kNoTimer;
    std::uint64_t m_subscribeId = 0; // the SUBSCRIBE awaiting its SUBACK (0: none)
};

std::string checkTopicProperty(const Json &v)
{
    // The template's placeholders stand for a level's text; check what is around them.
    return checkMqttTopic(expandTemplate(v.get<std::string>(), 1, "key", "node", 1));
}

} // namespace

NodeKindSpec mqttClientKind()
{
    NodeKindSpec k;
    k.kind = "mqtt-client";
    k.label = "MQTT client";
    k.category = "Pub/sub";
    k.help = "Connects to an mqtt-broker, publishes a workload to a topic at QoS 0, 1 or 2 and subscribes "
             "to topic filters; reconnects after a lost connection.";
    k.ports = {{"out", PortDirection::Out, Protocol::Mqtt, false,
                "The connection to an mqtt-broker (frames go both ways).", PortSpec::Need::Required}};
    using T = PropertyType;
    k.properties = Workload::propertySpecs(
        {"topic", "qos", "retain"}, checkMqttEntry,
        "{\"at\": \"10ms\", \"topic\": \"status/door\", \"qos\": 1, \"retain\": true, \"size\": 0}", 64);
    // A client that only subscribes is the common case of a client without a rate.
    for (auto &p : k.properties)
        if (p.key == "rate") p.defaultValue = 0.0;
    std::vector<PropertySpec> own = {
        property("clientId", "Client id", T::String, "",
                 "The client identifier the broker keys the session by (empty = the node's id).", ""),
        property("protocolVersion", "Protocol version", T::Enum, "5",
                 "MQTT 5 (session expiry interval) or 3.1.1 (clean session: a persistent session never "
                 "expires unless the broker's persistentClientExpiration says so).",
                 "", {}, {}, {"5", "3.1.1"}),
        property("cleanStart", "Clean start", T::Bool, true,
                 "Start a new session on connect, discarding any stored one (3.1.1: clean session).", ""),
        property("sessionExpiry", "Session expiry interval", T::Duration, 0,
                 "MQTT 5: how long the broker keeps the session after the connection ends (0 = ends with "
                 "the connection, the spec's default).",
                 "ms", 0, {}),
        property("keepAlive", "Keep alive", T::Duration, toMilliseconds(MqttDefault::KeepAlive),
                 "PINGREQ when nothing was sent for this long; the broker disconnects a client silent for "
                 "1.5 times it (0 = off).",
                 "ms", 0, 65535000),
        property("topic", "Topic", T::String, "signalbox/test",
                 "The topic name each message is published to; {key}, {seq} and {node} are replaced (e.g. "
                 "sensors/{key}/temp).",
                 ""),
        property("qos", "QoS", T::Integer, 0,
                 "0 at most once, 1 at least once (PUBACK), 2 exactly once (PUBREC, PUBREL, PUBCOMP).", "", 0,
                 2),
        property("retain", "Retain", T::Bool, false,
                 "Publish with RETAIN: the broker keeps the last message per topic for new subscribers (an "
                 "empty one clears it).",
                 ""),
        property("subscriptions", "Subscriptions", T::StringList, Json::array(),
                 "Topic filters with their maximum QoS, one per line: \"sensors/+/temp 1\", \"sensors/# 2\", "
                 "\"$share/group/filter 1\" (QoS 0 when left out).",
                 ""),
        property("maxInflightMessages", "Max in-flight messages", T::Integer, MqttDefault::MaxInflight,
                 "QoS 1/2 publishes awaiting acknowledgement at most (libmosquitto's default 20; 0 = no "
                 "limit).",
                 "msg", 0, 65535),
        property("retryInterval", "Retry interval", T::Duration, toMilliseconds(MqttDefault::RetryInterval),
                 "Resend an unacknowledged QoS 1/2 PUBLISH (DUP) or PUBREL after this long (0 = only on "
                 "reconnect, as MQTT 5 says).",
                 "ms", 0, {}),
        property(
            "reconnectDelay", "Reconnect delay", T::Duration, toMilliseconds(MqttDefault::ReconnectDelay),
            "Wait before reconnecting after a lost connection; doubles on each failed attempt.", "ms", 0, {}),
        property("reconnectDelayMax", "Max reconnect delay", T::Duration,
                 toMilliseconds(MqttDefault::ReconnectDelayMax),
                 "The reconnect backoff's cap (paho's 120 s).", "ms", 0, {}),
        property("connectTimeout", "Connect timeout", T::Duration,
                 toMilliseconds(MqttDefault::ConnectTimeout),
                 "Give up on a CONNECT without CONNACK after this long and try again (0 = wait forever).",
                 "ms", 0, {}),
        property("willTopic", "Will topic", T::String, "",
                 "The Last Will's topic ({node} replaced), published by the broker if the connection ends "
                 "without DISCONNECT; empty = no will.",
                 ""),
        property("willQos", "Will QoS", T::Integer, 0, "The will's QoS.", "", 0, 2),
        property("willRetain", "Will retain", T::Bool, false, "Publish the will as a retained message.", ""),
        property("willSize", "Will size", T::Integer, 7, "The will payload's bytes (\"offline\").", "bytes",
                 0, 268435455),
        property("connectAt", "Connect at", T::Duration, 0,
                 "When the client first connects (a late subscriber); what it publishes before waits (QoS 1, "
                 "2) or is dropped (QoS 0).",
                 "ms", 0, {}),
        property("offlineAt", "Go offline at", T::Duration, 0,
                 "Disconnect cleanly (DISCONNECT, no will) at this time (0 = never).", "ms", 0, {}),
        property("offlineFor", "Offline for", T::Duration, 10000,
                 "Reconnect this long after going offline at offlineAt (0 = stay offline).", "ms", 0, {}),
    };
    for (auto &p : own) {
        if (p.key == "topic")
            p.check = checkTopicProperty;
        else if (p.key == "willTopic")
            p.check = [](const Json &v) {
                return v.get<std::string>().empty() ? std::string() : checkTopicProperty(v);
            };
        else if (p.key == "subscriptions")
            p.check = [](const Json &v) {
                for (const auto &line : v) {
                    MqttSubscriptionLine sub;
                    if (std::string problem = parseMqttSubscriptionLine(line.get<std::string>(), sub);
                        !problem.empty())
                        return problem;
                }
                return std::string();
            };
    }
    k.properties.insert(k.properties.end(), own.begin(), own.end());
    k.deliveryRole = DeliveryRole::Log;
    k.factory = [](const NodeSetup &s) { return std::make_unique<MqttClient>(s); };
    k.explainRoute = [](const RouteQuestion &q) {
        return q.inPort.empty() ? publishRoute(q, "topic", "topic") : endRoute("receives it as a subscriber");
    };
    return k;
}

} // namespace sb
