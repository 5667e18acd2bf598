// mqtt-broker: an MQTT 3.1.1/5 server as Mosquitto runs one.
//
// Sessions are keyed by client id and outlive their connection when the client asked so (clean
// start off with a session expiry): subscriptions stay, QoS >= 1 messages queue for the offline
// client (QoS 0 only with queueQos0Messages) and wait for its reconnect; an expired session drops
// them. Each online session has an in-flight window (maxInflightMessages) and a queue behind it
// (maxQueuedMessages). QoS 1 and 2 copies the client has not acknowledged are resent with DUP after
// retryInterval and on reconnect, keeping their message id, so duplicates show in the trace.
// Incoming QoS 2 publishes are routed once: the packet id is kept until PUBREL (the spec's method B).
// Topic filters are matched through a SubscriptionIndex in the mqtt dialect; a shared
// subscription ($share/group/filter) hands each message to one member of its group, round robin.
#include "../../pubsub/dialect.h"
#include "../../pubsub/subscriptionindex.h"
#include "../common.h"
#include "mqtt.h"
#include "mqttprotocol.h"

#include <algorithm>
#include <deque>
#include <map>
#include <set>
#include <unordered_map>

namespace sb {

namespace {

enum BrokerTimer : std::uint64_t { KeepAliveTimer = 1, RetryTimer = 2, ExpiryTimer = 3 };
// kind in the low 4 bits, the packet id in the next 16, the session above.
inline std::uint64_t brokerTag(BrokerTimer k, std::size_t session, std::uint16_t packetId = 0)
{
    return (static_cast<std::uint64_t>(session) << 20) | (static_cast<std::uint64_t>(packetId) << 4) | k;
}

bool hasWildcard(std::string_view filter)
{
    return filter.find_first_of("+#") != std::string_view::npos;
}

class MqttBroker final : public Node {
public:
    explicit MqttBroker(const NodeSetup &s)
    {
        const auto &p = s.properties;
        m_maxInflight = static_cast<std::size_t>(p.integer("maxInflightMessages"));
        m_maxQueued = static_cast<std::size_t>(p.integer("maxQueuedMessages"));
        m_queueQos0 = p.boolean("queueQos0Messages");
        m_retryInterval = p.duration("retryInterval");
        m_persistentExpiration = p.duration("persistentClientExpiration");
        m_retainAvailable = p.boolean("retainAvailable");
        m_maxQos = static_cast<std::uint8_t>(p.integer("maxQos"));
        m_allowDuplicateMessages = p.boolean("allowDuplicateMessages");
    }

    void onFrame(NodeContext &ctx, LinkIndex link, Frame &f) override
    {
        if (f.type == FrameType::Connect) {
            connect(ctx, link, f);
            return;
        }
        const auto it = m_byLink.find(link);
        if (it == m_byLink.end()) return; // no connection on it (the broker restarted): nothing to answer
        const std::size_t si = it->second;
        m_sessions[si].lastHeard = ctx.now();
        switch (f.type) {
        case FrameType::MqttPublish:
            onPublish(ctx, si, f);
            break;
        case FrameType::PubRel: {
            m_sessions[si].receivedQos2.erase(static_cast<std::uint16_t>(f.tag));
            sendControl(ctx, m_sessions[si], FrameType::PubComp, f.tag);
            break;
        }
        case FrameType::PubAck:
        case FrameType::PubComp:
            onAcknowledged(ctx, si, f);
            break;
        case FrameType::PubRec:
            onPubRec(ctx, si, f);
            break;
        case FrameType::MqttSubscribe:
            onSubscribe(ctx, si, f);
            break;
        case FrameType::MqttUnsubscribe:
            onUnsubscribe(ctx, si, f);
            break;
        case FrameType::PingReq:
            sendControl(ctx, m_sessions[si], FrameType::PingResp, 0);
            break;
        case FrameType::Disconnect:
            // A clean DISCONNECT: the will is discarded (MQTT 3.1.2.5).
            m_sessions[si].will.reset();
            endConnection(ctx, si, 0);
            break;
        default:
            break;
        }
    }

    void onTimer(NodeContext &ctx, std::uint64_t tag) override
    {
        const auto kind = static_cast<BrokerTimer>(tag & 15);
        const std::size_t si = static_cast<std::size_t>(tag >> 20);
        if (si >= m_sessions.size() || !m_sessions[si].alive) return;
        Session &s = m_sessions[si];
        switch (kind) {
        case KeepAliveTimer: {
            s.keepAliveTimer = kNoTimer;
            if (s.link == kNoIndex) return;
            // MQTT 3.1.2.10: one and a half times the keep-alive without a control packet.
            const SimTime deadline = addTime(s.lastHeard, s.keepAlive + s.keepAlive / 2);
            if (ctx.now() >= deadline) {
                endConnection(ctx, si, 1);
                return;
            }
            s.keepAliveTimer = ctx.startTimer(deadline - ctx.now(), brokerTag(KeepAliveTimer, si), true);
            break;
        }
        case RetryTimer: {
            const auto id = static_cast<std::uint16_t>((tag >> 4) & 0xFFFF);
            auto it = s.inflight.find(id);
            if (it == s.inflight.end() || s.link == kNoIndex) return;
            it->second.timer = kNoTimer;
            resend(ctx, si, it->second);
            break;
        }
        case ExpiryTimer:
            s.expiryTimer = kNoTimer;
            if (s.link == kNoIndex) endSession(ctx, si, true);
            break;
        }
    }

    void onLinkState(NodeContext &ctx, LinkIndex link, bool up) override
    {
        if (up) return;
        const auto it = m_byLink.find(link);
        if (it != m_byLink.end()) endConnection(ctx, it->second, 4);
    }

    void onCrash(NodeContext &) override
    {
        // Mosquitto without persistence keeps sessions and retained messages in memory only.
        m_sessions.clear();
        m_byClient.clear();
        m_byLink.clear();
        m_index = SubscriptionIndex(Dialect::Mqtt);
        m_entries.clear();
        m_shareCursor.clear();
        m_retained.clear();
    }
    void onRestart(NodeContext &) override {}

    NodeStatus status() const override
    {
        NodeStatus st;
        for (const auto &s : m_sessions) {
            if (!s.alive) continue;
            st.ready += s.queue.size();
            st.unacked += s.inflight.size();
        }
        return st;
    }

private:
    // A copy of a message for one session.
    struct Copy {
        MessageRef message;
        std::uint8_t qos = 0;
        bool retain = false;
        std::uint16_t packetId = 0;
        bool released = false; // QoS 2: PUBREC came, PUBREL sent, waiting for PUBCOMP
        std::uint32_t attempts = 0;
        TimerId timer = kNoTimer;
    };
    struct Session {
        std::string clientId;
        bool alive = true;
        NodeIndex client = kNoIndex;
        LinkIndex link = kNoIndex; // kNoIndex while offline
        SimTime expiry = 0;        // kNever: never
        SimTime keepAlive = 0;
        SimTime lastHeard = 0;
        int protocolVersion = 5;
        TimerId keepAliveTimer = kNoTimer;
        TimerId expiryTimer = kNoTimer;
        std::optional<MqttWill> will;
        std::map<std::string, std::uint32_t> subscriptions; // filter as subscribed -> entry id
        std::map<std::uint16_t, Copy> inflight;             // by packet id
        std::deque<Copy> queue;
        std::set<std::uint16_t> receivedQos2; // incoming QoS 2 packet ids awaiting PUBREL
        std::uint16_t lastPacketId = 0;
    };
    // One subscription in the index.
    struct Entry {
        std::size_t session = 0;
        std::uint8_t qos = 0;
        std::string filter; // without the $share prefix
        std::string shareName;
        std::uint32_t indexId = 0;
    };

    void connect(NodeContext &ctx, LinkIndex link, const Frame &f)
    {
        const auto *c = f.as<MqttConnectBody>();
        if (!c) return;
        // A CONNECT on a link that still has a connection: the old connection is gone.
        if (auto old = m_byLink.find(link); old != m_byLink.end())
            endConnection(ctx, old->second, m_sessions[old->second].clientId == c->clientId ? 3 : 4);
        bool present = false;
        std::size_t si = 0;
        if (auto it = m_byClient.find(c->clientId); it != m_byClient.end()) {
            si = it->second;
            Session &s = m_sessions[si];
            if (s.link != kNoIndex) {
                // Session takeover (MQTT 5 3.1.4): the existing connection is closed.
                Frame d;
                d.type = FrameType::Disconnect;
                d.status = MqttReason::SessionTakenOver;
                ctx.send(s.link, std::move(d));
                endConnection(ctx, si, 3);
            }
            if (m_sessions[si].alive && !c->cleanStart) {
                present = true;
            } else if (m_sessions[si].alive) {
                endSession(ctx, si, false);
            }
        }
        if (!present) {
            si = m_sessions.size();
            m_sessions.emplace_back();
            m_sessions[si].clientId = c->clientId;
            m_byClient[c->clientId] = si;
        }
        Session &s = m_sessions[si];
        if (s.expiryTimer != kNoTimer) ctx.cancelTimer(s.expiryTimer);
        s.expiryTimer = kNoTimer;
        s.client = ctx.peer(link);
        s.link = link;
        m_byLink[link] = si;
        s.expiry = c->sessionExpiry;
        if (c->protocolVersion < 5 && s.expiry == kNever && m_persistentExpiration > 0)
            s.expiry = m_persistentExpiration;
        s.keepAlive = c->keepAlive;
        s.protocolVersion = c->protocolVersion;
        s.lastHeard = ctx.now();
        s.will = c->will;
        if (s.keepAlive > 0)
            s.keepAliveTimer =
                ctx.startTimer(s.keepAlive + s.keepAlive / 2, brokerTag(KeepAliveTimer, si), true);
        TraceEvent e;
        e.kind = TraceKind::Connect;
        e.peer = s.client;
        e.aux = present ? 1 : 0;
        ctx.trace(e);
        auto ack = std::make_shared<MqttConnAckBody>();
        ack->sessionPresent = present;
        Frame a;
        a.type = FrameType::ConnAck;
        a.status = MqttReason::Success;
        a.body = std::move(ack);
        ctx.send(link, std::move(a));
        if (!present) return;
        // Resume: what was in flight goes again, with DUP (MQTT 4.4), then the queue.
        for (auto &[id, copy] : s.inflight)
            resend(ctx, si, copy);
        pump(ctx, si);
    }

    // The connection of session `si` ended; aux as TraceKind::Disconnect says. Anything but a clean
    // DISCONNECT (which cleared the will) publishes the will.
    void endConnection(NodeContext &ctx, std::size_t si, std::int64_t aux)
    {
        Session &s = m_sessions[si];
        if (s.link == kNoIndex) return;
        TraceEvent e;
        e.kind = TraceKind::Disconnect;
        e.peer = s.client;
        e.link = s.link;
        e.aux = aux;
        ctx.trace(e);
        m_byLink.erase(s.link);
        s.link = kNoIndex;
        if (s.keepAliveTimer != kNoTimer) ctx.cancelTimer(s.keepAliveTimer);
        s.keepAliveTimer = kNoTimer;
        for (auto &[id, copy] : s.inflight)
            if (copy.timer != kNoTimer) {
                ctx.cancelTimer(copy.timer);
                copy.timer = kNoTimer;
            }
        if (auto will = std::move(s.will)) {
            s.will.reset();
            publishWill(ctx, si, *will);
        }
        if (!m_sessions[si].alive) return; // the will's routing cannot end it, but stay safe
        if (m_sessions[si].expiry == 0)
            endSession(ctx, si, false);
        else if (m_sessions[si].expiry != kNever)
            m_sessions[si].expiryTimer = ctx.startTimer(m_sessions[si].expiry, brokerTag(ExpiryTimer, si));
    }

    // The session ends: at expiry (traced SessionExpire, held messages dropped SessionExpired), or
    // with its connection (a session expiry of 0) or a clean start replacing it.
    void endSession(NodeContext &ctx, std::size_t si, bool expired)
    {
        Session &s = m_sessions[si];
        std::vector<const Copy *> held;
        for (const auto &[id, copy] : s.inflight)
            if (!copy.released) held.push_back(&copy); // a released QoS 2 copy has reached the client
        for (const auto &copy : s.queue)
            held.push_back(&copy);
        if (expired) {
            TraceEvent e;
            e.kind = TraceKind::SessionExpire;
            e.peer = s.client;
            e.aux = static_cast<std::int64_t>(held.size());
            ctx.trace(e);
        }
        for (const Copy *copy : held) {
            TraceEvent d = messageEvent(TraceKind::Drop, copy->message.get());
            d.peer = s.client;
            d.reason = expired ? DropReason::SessionExpired : DropReason::ClientOffline;
            d.epoch = copy->qos;
            ctx.trace(d);
        }
        for (auto &[id, copy] : s.inflight)
            if (copy.timer != kNoTimer) ctx.cancelTimer(copy.timer);
        for (const auto &[filter, entry] : s.subscriptions)
            removeEntry(entry);
        if (s.expiryTimer != kNoTimer) ctx.cancelTimer(s.expiryTimer);
        if (auto it = m_byClient.find(s.clientId); it != m_byClient.end() && it->second == si)
            m_byClient.erase(it);
        // The slot stays (timer tags name sessions by index) but holds nothing.
        Session dead;
        dead.alive = false;
        s = std::move(dead);
    }

    void publishWill(NodeContext &ctx, std::size_t si, const MqttWill &will)
    {
        auto m = std::make_shared<Message>();
        m->id = ctx.newMessageId();
        m->routingKey = will.topic;
        m->size = will.size;
        m->publishedAt = ctx.now();
        m->producer = m_sessions[si].client;
        ctx.announce(*m);
        TraceEvent e = messageEvent(TraceKind::Will, m.get());
        e.peer = m_sessions[si].client;
        ctx.trace(e);
        accept(ctx, std::move(m), std::min(will.qos, m_maxQos), will.retain);
    }

    void onPublish(NodeContext &ctx, std::size_t si, Frame &f)
    {
        if (!f.message) return;
        const auto qos = std::min(f.qos, m_maxQos);
        const auto id = static_cast<std::uint16_t>(f.tag);
        if (f.qos == 2) {
            // Method B (MQTT 4.3.3): keep the packet id until PUBREL; a resent PUBLISH with it is
            // acknowledged again but not routed again.
            const bool fresh = m_sessions[si].receivedQos2.insert(id).second;
            if (fresh) accept(ctx, f.message, qos, f.retain);
            if (m_sessions[si].alive && m_sessions[si].link != kNoIndex)
                sendControl(ctx, m_sessions[si], FrameType::PubRec, id);
            return;
        }
        accept(ctx, f.message, qos, f.retain);
        if (f.qos == 1 && m_sessions[si].alive && m_sessions[si].link != kNoIndex)
            sendControl(ctx, m_sessions[si], FrameType::PubAck, id);
    }

    // A message the broker takes on (a client's PUBLISH, a will): retained, then routed.
    void accept(NodeContext &ctx, MessageRef m, std::uint8_t qos, bool retain)
    {
        const std::string &topic = m->routingKey;
        if (retain && m_retainAvailable) {
            TraceEvent e = messageEvent(TraceKind::Retain, m.get());
            if (m->size == 0) {
                m_retained.erase(topic);
                e.aux = 1;
            } else {
                m_retained[topic] = {m, qos};
            }
            ctx.trace(e);
        }
        m_matched.clear();
        m_index.match(topic, m_matched);
        // Overlapping subscriptions of one client: an MQTT 5 client gets a copy per matching
        // subscription (MQTT 5 3.3.4 allows it; Mosquitto 2.0 does it), a 3.1.1 client one copy at
        // the highest of their QoS unless allowDuplicateMessages. One member of each shared group.
        // Reused per publish (this is the broker's per-message path): nothing re-enters here.
        auto &targets = m_targets;
        auto &bySession = m_targetBySession;
        targets.clear();
        bySession.clear();
        std::map<std::string, std::vector<std::uint32_t>> shared; // "name\nfilter" -> entries
        std::vector<std::string> sharedOrder;
        for (std::uint32_t entryId : m_matched) {
            const Entry &en = m_entries.at(entryId);
            if (!en.shareName.empty()) {
                const std::string key = en.shareName + '\n' + en.filter;
                auto [it, added] = shared.try_emplace(key);
                if (added) sharedOrder.push_back(key);
                it->second.push_back(entryId);
                continue;
            }
            const std::uint8_t q = std::min(qos, en.qos);
            const bool copyPerSubscription =
                m_sessions[en.session].protocolVersion >= 5 || m_allowDuplicateMessages;
            if (auto it = bySession.find(en.session); it != bySession.end() && !copyPerSubscription) {
                Target &t = targets[it->second];
                t.qos = std::max(t.qos, q);
                t.wildcard = t.wildcard && hasWildcard(en.filter);
                continue;
            }
            bySession[en.session] = targets.size();
            targets.push_back({en.session, q, hasWildcard(en.filter), kNoIndex});
        }
        for (const std::string &key : sharedOrder) {
            const auto &members = shared[key];
            // Round robin over the group's members, preferring one that is connected.
            std::size_t &cursor = m_shareCursor[key];
            std::size_t pick = cursor % members.size();
            for (std::size_t k = 0; k < members.size(); ++k) {
                const std::size_t c = (cursor + k) % members.size();
                if (m_sessions[m_entries.at(members[c]).session].link != kNoIndex) {
                    pick = c;
                    break;
                }
            }
            cursor = pick + 1;
            const Entry &en = m_entries.at(members[pick]);
            targets.push_back(
                {en.session, std::min(qos, en.qos), hasWildcard(en.filter), ctx.groupIndex(en.shareName)});
        }
        if (targets.empty()) {
            if (!(retain && m_retainAvailable)) {
                TraceEvent d = messageEvent(TraceKind::Drop, m.get());
                d.reason = DropReason::NoSubscribers;
                d.epoch = qos;
                ctx.trace(d);
            }
            return;
        }
        for (const Target &t : targets)
            deliver(ctx, t.session, m, t.qos, false, t.wildcard, t.group);
    }

    // Hands session `si` a copy: traced Match, then sent, put in flight or queued, or dropped.
    void deliver(NodeContext &ctx, std::size_t si, const MessageRef &m, std::uint8_t qos, bool retain,
                 bool wildcard, std::uint32_t group)
    {
        Session &s = m_sessions[si];
        TraceEvent e = messageEvent(TraceKind::Match, m.get());
        e.peer = s.client;
        e.epoch = qos;
        e.group = group;
        e.aux = wildcard ? 1 : 0;
        if (retain) e.flags |= TraceFlag::Retain;
        ctx.trace(e);
        Copy copy{m, qos, retain};
        if (s.link == kNoIndex) {
            if (qos == 0 && !m_queueQos0) {
                drop(ctx, s, copy, DropReason::ClientOffline);
                return;
            }
            enqueue(ctx, s, std::move(copy));
            return;
        }
        if (qos == 0) {
            sendPublish(ctx, s, copy, false);
            return;
        }
        if (s.queue.empty() && (m_maxInflight == 0 || s.inflight.size() < m_maxInflight)) {
            startInflight(ctx, si, std::move(copy));
            return;
        }
        enqueue(ctx, s, std::move(copy));
    }

    void enqueue(NodeContext &ctx, Session &s, Copy copy)
    {
        if (m_maxQueued > 0 && s.queue.size() >= m_maxQueued) {
            drop(ctx, s, copy, DropReason::MaxLength);
            return;
        }
        s.queue.push_back(std::move(copy));
    }

    void drop(NodeContext &ctx, const Session &s, const Copy &copy, DropReason reason)
    {
        TraceEvent d = messageEvent(TraceKind::Drop, copy.message.get());
        d.peer = s.client;
        d.reason = reason;
        d.epoch = copy.qos;
        ctx.trace(d);
    }

    // Sends queued copies while the session is online and its window has room.
    void pump(NodeContext &ctx, std::size_t si)
    {
        Session &s = m_sessions[si];
        while (s.link != kNoIndex && !s.queue.empty()) {
            if (s.queue.front().qos == 0) {
                sendPublish(ctx, s, s.queue.front(), false);
                s.queue.pop_front();
                continue;
            }
            if (m_maxInflight > 0 && s.inflight.size() >= m_maxInflight) break;
            Copy copy = std::move(s.queue.front());
            s.queue.pop_front();
            startInflight(ctx, si, std::move(copy));
        }
    }

    void startInflight(NodeContext &ctx, std::size_t si, Copy copy)
    {
        Session &s = m_sessions[si];
        std::uint16_t id = s.lastPacketId;
        do {
            id = id == MqttDefault::MaxPacketId ? 1 : static_cast<std::uint16_t>(id + 1);
        } while (s.inflight.count(id));
        s.lastPacketId = id;
        copy.packetId = id;
        copy.attempts = 1;
        sendPublish(ctx, s, copy, false);
        armRetry(ctx, si, copy);
        s.inflight.emplace(id, std::move(copy));
    }

    void armRetry(NodeContext &ctx, std::size_t si, Copy &copy)
    {
        if (m_retryInterval > 0)
            copy.timer = ctx.startTimer(m_retryInterval, brokerTag(RetryTimer, si, copy.packetId));
    }

    // What was not acknowledged goes again: the PUBLISH with DUP, or the PUBREL.
    void resend(NodeContext &ctx, std::size_t si, Copy &copy)
    {
        Session &s = m_sessions[si];
        if (copy.timer != kNoTimer) ctx.cancelTimer(copy.timer);
        ++copy.attempts;
        if (copy.released) {
            sendControl(ctx, s, FrameType::PubRel, copy.packetId);
        } else {
            TraceEvent e = messageEvent(TraceKind::Retry, copy.message.get());
            e.peer = s.client;
            e.deliveryCount = copy.attempts;
            ctx.trace(e);
            sendPublish(ctx, s, copy, true);
        }
        armRetry(ctx, si, copy);
    }

    void sendPublish(NodeContext &ctx, const Session &s, const Copy &copy, bool dup)
    {
        Frame f;
        f.type = FrameType::MqttPublish;
        f.qos = copy.qos;
        f.tag = copy.packetId;
        f.redelivered = dup;
        f.retain = copy.retain;
        f.deliveryCount = copy.attempts;
        f.message = copy.message;
        ctx.send(s.link, std::move(f));
    }

    void sendControl(NodeContext &ctx, const Session &s, FrameType type, std::uint64_t tag)
    {
        Frame f;
        f.type = type;
        f.tag = tag;
        ctx.send(s.link, std::move(f));
    }

    void onAcknowledged(NodeContext &ctx, std::size_t si, const Frame &f)
    {
        Session &s = m_sessions[si];
        auto it = s.inflight.find(static_cast<std::uint16_t>(f.tag));
        if (it == s.inflight.end()) return;
        // PUBACK ends a QoS 1 flow; PUBCOMP a QoS 2 flow (after PUBREL).
        if ((f.type == FrameType::PubAck) != (it->second.qos == 1)) return;
        if (it->second.timer != kNoTimer) ctx.cancelTimer(it->second.timer);
        s.inflight.erase(it);
        pump(ctx, si);
    }

    void onPubRec(NodeContext &ctx, std::size_t si, const Frame &f)
    {
        Session &s = m_sessions[si];
        const auto id = static_cast<std::uint16_t>(f.tag);
        auto it = s.inflight.find(id);
        if (it != s.inflight.end() && it->second.qos == 2) {
            Copy &copy = it->second;
            if (copy.timer != kNoTimer) ctx.cancelTimer(copy.timer);
            copy.timer = kNoTimer;
            copy.released = true;
            armRetry(ctx, si, copy);
        }
        // A PUBREC for an id no longer in flight (a duplicate) still gets its PUBREL.
        sendControl(ctx, s, FrameType::PubRel, id);
    }

    void onSubscribe(NodeContext &ctx, std::size_t si, const Frame &f)
    {
        const auto *body = f.as<MqttSubscribeBody>();
        if (!body) return;
        auto ack = std::make_shared<MqttSubAckBody>();
        struct Fresh {
            std::string filter;
            std::uint8_t qos;
        };
        std::vector<Fresh> retainedFor;
        for (const auto &req : body->filters) {
            MqttFilter parsed;
            if (!parseMqttFilter(req.filter, parsed).empty() || req.qos > 2) {
                ack->granted.push_back(static_cast<std::uint8_t>(MqttReason::UnspecifiedError));
                continue;
            }
            const std::uint8_t qos = std::min(req.qos, m_maxQos);
            Session &s = m_sessions[si];
            // The same filter again replaces the subscription (MQTT 3.8.4).
            if (auto old = s.subscriptions.find(req.filter); old != s.subscriptions.end()) {
                removeEntry(old->second);
                s.subscriptions.erase(old);
            }
            const std::uint32_t entryId = m_nextEntry++;
            Entry en{si, qos, parsed.filter, parsed.shareName, 0};
            en.indexId = m_index.add(parsed.filter, entryId);
            m_entries.emplace(entryId, std::move(en));
            s.subscriptions[req.filter] = entryId;
            ack->granted.push_back(qos);
            // Retained messages go to a new subscription, not to a shared one (MQTT 5 4.8.2).
            if (parsed.shareName.empty()) retainedFor.push_back({parsed.filter, qos});
        }
        Frame a;
        a.type = FrameType::SubAck;
        a.tag = f.tag;
        a.status = MqttReason::Success;
        a.body = std::move(ack);
        ctx.send(m_sessions[si].link, std::move(a));
        for (const auto &fresh : retainedFor)
            for (const auto &[topic, r] : m_retained)
                if (dialectMatches(Dialect::Mqtt, fresh.filter, topic))
                    deliver(ctx, si, r.message, std::min(r.qos, fresh.qos), true, hasWildcard(fresh.filter),
                            kNoIndex);
    }

    void onUnsubscribe(NodeContext &ctx, std::size_t si, const Frame &f)
    {
        Session &s = m_sessions[si];
        if (const auto *body = f.as<MqttUnsubscribeBody>())
            for (const auto &filter : body->filters)
                if (auto it = s.subscriptions.find(filter); it != s.subscriptions.end()) {
                    removeEntry(it->second);
                    s.subscriptions.erase(it);
                }
        sendControl(ctx, s, FrameType::UnsubAck, f.tag);
    }

    void removeEntry(std::uint32_t entryId)
    {
        auto it = m_entries.find(entryId);
        if (it == m_entries.end()) return;
        m_index.remove(it->second.indexId);
        m_entries.erase(it);
    }

    struct Retained {
        MessageRef message;
        std::uint8_t qos = 0;
    };

    std::size_t m_maxInflight = 20;
    std::size_t m_maxQueued = 1000;
    bool m_queueQos0 = false;
    SimTime m_retryInterval = 0;
    SimTime m_persistentExpiration = 0;
    bool m_retainAvailable = true;
    std::uint8_t m_maxQos = 2;
    bool m_allowDuplicateMessages = false;

    std::vector<Session> m_sessions;
    std::unordered_map<std::string, std::size_t> m_byClient;
    std::unordered_map<LinkIndex, std::size_t> m_byLink;
    SubscriptionIndex m_index{Dialect::Mqtt};
    std::unordered_map<std::uint32_t, Entry> m_entries;
    std::uint32_t m_nextEntry = 0;
    std::unordered_map<std::string, std::size_t> m_shareCursor;
    std::map<std::string, Retained> m_retained; // by topic, in topic order (deterministic on subscribe)
    std::vector<std::uint32_t> m_matched;
    // Where a publish goes: one entry per copy (session, QoS, matched by a wildcard, shared group).
    struct Target {
        std::size_t session;
        std::uint8_t qos;
        bool wildcard;
        std::uint32_t group;
    };
    std::vector<Target> m_targets;
    std::unordered_map<std::size_t, std::size_t> m_targetBySession; // session -> its entry in m_targets
};

} // namespace

NodeKindSpec mqttBrokerKind()
{
    NodeKindSpec k;
    k.kind = "mqtt-broker";
    k.label = "MQTT broker";
    k.category = "Pub/sub";
    k.help = "An MQTT 3.1.1/5 broker as Mosquitto: sessions, QoS 0/1/2, retained messages, Last Will, "
             "keep-alive and shared subscriptions.";
    k.ports = {{"in", PortDirection::In, Protocol::Mqtt, true,
                "One duplex link per mqtt-client: CONNECT, PUBLISH, SUBSCRIBE... in, CONNACK, PUBLISH, "
                "PUBACK... back."}};
    using T = PropertyType;
    k.properties = {
        property("maxInflightMessages", "Max in-flight messages", T::Integer, MqttDefault::MaxInflight,
                 "QoS 1 and 2 messages sent to a client and not yet acknowledged, at most "
                 "(mosquitto.conf max_inflight_messages; 0 = no limit).",
                 "msg", 0, 65535),
        property("maxQueuedMessages", "Max queued messages", T::Integer, MqttDefault::MaxQueued,
                 "Messages queued per client beyond the in-flight window or while it is offline; more are "
                 "dropped (max_queued_messages; 0 = no limit).",
                 "msg", 0, 1e9),
        property("queueQos0Messages", "Queue QoS 0 messages", T::Bool, false,
                 "Queue QoS 0 messages for an offline client with a persistent session too "
                 "(queue_qos0_messages); otherwise they are dropped (ClientOffline).",
                 ""),
        property("retryInterval", "Retry interval", T::Duration, toMilliseconds(MqttDefault::RetryInterval),
                 "Resend an unacknowledged QoS 1/2 PUBLISH (with DUP) or PUBREL after this long (Mosquitto "
                 "1.x retry_interval, 20 s); 0 = only on reconnect, as MQTT 5 and Mosquitto 2.",
                 "ms", 0, {}),
        property("persistentClientExpiration", "Persistent client expiration", T::Duration, 0,
                 "An MQTT 3.1.1 persistent session (clean session off) is removed after this long offline "
                 "(persistent_client_expiration; 0 = never). MQTT 5 clients set their session expiry.",
                 "ms", 0, {}),
        property("retainAvailable", "Retain available", T::Bool, true,
                 "Store retained messages (retain_available).", ""),
        property("allowDuplicateMessages", "Allow duplicate messages", T::Bool, false,
                 "A 3.1.1 client whose subscriptions overlap (foo/# and foo/+/baz) gets a copy per matching "
                 "subscription instead of one at the highest QoS (allow_duplicate_messages, false in "
                 "Mosquitto 2.0). MQTT 5 clients always get one per subscription, as Mosquitto 2.0 sends.",
                 ""),
        property("maxQos", "Maximum QoS", T::Integer, 2,
                 "The highest QoS the broker supports (max_qos); higher publishes and subscriptions are "
                 "downgraded.",
                 "", 0, 2),
    };
    k.deliveryRole = DeliveryRole::Log;
    k.factory = [](const NodeSetup &s) { return std::make_unique<MqttBroker>(s); };
    k.explainRoute = [](const RouteQuestion &q) {
        return brokerRoute(q, static_cast<int>(Dialect::Mqtt), [](const RouteOutput &o) {
            std::vector<RouteSubscription> subs;
            if (!o.peerKind || o.peerKind->kind != "mqtt-client") return subs;
            for (const auto &line : o.peerProperties->stringList("subscriptions")) {
                MqttSubscriptionLine sub;
                if (!parseMqttSubscriptionLine(line, sub).empty()) continue;
                RouteSubscription r;
                SharedSubscription shared;
                if (parseSharedSubscription(sub.filter, shared)) {
                    r.pattern = std::string(shared.filter);
                    r.group = std::string(shared.group);
                } else {
                    r.pattern = sub.filter;
                }
                r.label = "subscription (QoS " + std::to_string(sub.qos) + ")";
                subs.push_back(std::move(r));
            }
            return subs;
        });
    };
    return k;
}

} // namespace sb
