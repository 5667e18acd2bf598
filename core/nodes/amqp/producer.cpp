// Producer: generates messages at a rate (constant, Poisson or bursts) or from a script, and
// publishes them fire-and-forget or with publisher confirms (timeout, retries with backoff).
//
// Blocking (confirmed mode): a message is generated (and traced Publish) on schedule, then waits in
// the producer's outbox while maxInFlight messages are unconfirmed (sent, or waiting to be resent).
// The producer traces Block at the first instant a message waits so, and Unblock (aux = ns blocked)
// at the instant that message goes out, room made by a confirm or by a message given up on (its
// retries spent). Behind a synchronous channel, or a full buffer, confirms come only as receivers
// take messages: the blocked spans are the sender waiting for its receivers.
#include "../common.h"
#include "../messaging/blockedspan.h"
#include "../nodes.h"
#include "../payload.h"
#include "../workload.h"

#include <deque>
#include <map>
#include <unordered_map>

namespace sb {

namespace {

enum TimerKind : std::uint64_t { ConfirmTimer = 2, RetryTimer = 3 };
inline std::uint64_t timerTag(TimerKind k, std::uint64_t n)
{
    return (n << 2) | k;
}

// AMQP's own script fields, beside the workload's common ones.
std::string checkAmqpEntry(const Json &e)
{
    if (e.contains("routingKey") && !e["routingKey"].is_string()) return "'routingKey' must be a string";
    if (e.contains("correlationId") &&
        !(e["correlationId"].is_number_integer() && e["correlationId"].get<std::int64_t>() >= 0))
        return "'correlationId' must be a non-negative whole number";
    return {};
}

class Producer final : public Node {
public:
    explicit Producer(const NodeSetup &s)
        : m_id(s.id), m_workload(s.properties), m_fields(s.properties.stringMap("fields"))
    {
        const auto &p = s.properties;
        m_routingKey = p.string("routingKey");
        for (auto &[k, v] : p.stringMap("headers"))
            m_headers.push_back({k, v});
        m_confirmed = p.string("sendMode") == "confirmed";
        m_persistent = p.string("deliveryMode") == "persistent";
        m_confirmTimeout = p.duration("confirmTimeout");
        m_retries = static_cast<std::uint32_t>(p.integer("retries"));
        m_backoff = p.duration("retryBackoff");
        m_maxInFlight = static_cast<std::uint32_t>(p.integer("maxInFlight"));
    }

    void start(NodeContext &ctx) override { m_workload.start(ctx); }

    void onTimer(NodeContext &ctx, std::uint64_t tag) override
    {
        if (m_workload.owns(tag)) {
            m_workload.onTimer(ctx, tag, [&](const Workload::Item &item) {
                if (!item.entry) {
                    publish(ctx, item.key, m_routingKey, m_headers.empty() ? nullptr : &m_headers, item.size,
                            0);
                    return;
                }
                const Json &e = *item.entry;
                const std::vector<Header> headers = Workload::entryHeaders(e);
                publish(ctx, item.key, e.value("routingKey", m_routingKey),
                        headers.empty() ? nullptr : &headers, item.size,
                        e.value("correlationId", std::uint64_t{0}));
            });
            pump(ctx);
            return;
        }
        const auto kind = static_cast<TimerKind>(tag & 3);
        const std::uint64_t n = tag >> 2;
        switch (kind) {
        case ConfirmTimer: {
            auto it = m_pending.find(n);
            if (it == m_pending.end()) return;
            Pending p = std::move(it->second);
            m_pending.erase(it);
            TraceEvent e = messageEvent(TraceKind::Timeout, p.message.get());
            e.deliveryCount = p.attempts;
            ctx.trace(e);
            retryOrGiveUp(ctx, std::move(p));
            break;
        }
        case RetryTimer: {
            auto it = m_retrying.find(n);
            if (it == m_retrying.end()) return;
            Pending p = std::move(it->second);
            m_retrying.erase(it);
            TraceEvent e = messageEvent(TraceKind::Retry, p.message.get());
            e.deliveryCount = p.attempts + 1;
            ctx.trace(e);
            transmit(ctx, std::move(p.message), p.attempts + 1);
            break;
        }
        }
        pump(ctx);
    }

    void onFrame(NodeContext &ctx, LinkIndex, Frame &f) override
    {
        if (f.type != FrameType::Confirm && f.type != FrameType::PublishNack) return;
        auto it = m_pending.find(f.tag);
        if (it == m_pending.end()) return; // late confirm for an attempt already timed out
        Pending p = std::move(it->second);
        m_pending.erase(it);
        ctx.cancelTimer(p.timer);
        if (f.type == FrameType::Confirm) {
            TraceEvent e = messageEvent(TraceKind::Confirm, p.message.get());
            e.deliveryCount = p.attempts;
            ctx.trace(e);
        } else {
            TraceEvent e = messageEvent(TraceKind::Nack, p.message.get());
            e.reason = DropReason::RejectPublish;
            e.deliveryCount = p.attempts;
            ctx.trace(e);
            retryOrGiveUp(ctx, std::move(p));
        }
        pump(ctx);
    }

    void onCrash(NodeContext &) override
    {
        m_outbox.clear();
        m_pending.clear();
        m_retrying.clear();
        m_blocked.reset();
        m_workload.stop();
    }
    void onRestart(NodeContext &ctx) override
    {
        // A restarted producer resumes its schedule; messages it had not yet confirmed are gone.
        m_workload.restart(ctx);
    }

    NodeStatus status() const override
    {
        NodeStatus s;
        s.ready = m_outbox.size();
        s.inFlight = m_pending.size() + m_retrying.size();
        return s;
    }

private:
    struct Pending {
        MessageRef message;
        std::uint32_t attempts = 1;
        TimerId timer = kNoTimer;
    };

    void publish(NodeContext &ctx, const std::string &key, const std::string &routingTemplate,
                 const std::vector<Header> *headers, std::uint32_t size, std::uint64_t correlationId)
    {
        auto m = std::make_shared<Message>();
        m->id = ctx.newMessageId();
        m->sequence = m_workload.generated();
        m->key = key;
        m->routingKey = expandTemplate(routingTemplate, m->sequence, key, m_id, m->id);
        if (headers)
            for (const auto &h : *headers)
                m->headers.push_back({h.name, expandTemplate(h.value, m->sequence, key, m_id, m->id)});
        m_fields.generate(ctx.rng(), m->sequence, m->fields);
        m->size = size;
        m->publishedAt = ctx.now();
        m->producer = ctx.self();
        m->correlationId = correlationId;
        m->persistent = m_persistent;
        ctx.announce(*m);
        TraceEvent e = messageEvent(TraceKind::Publish, m.get());
        e.aux = size;
        if (m_confirmed) e.flags |= TraceFlag::Confirmed;
        ctx.trace(e);
        if (!m_confirmed) {
            Frame f;
            f.type = FrameType::Publish;
            f.message = std::move(m);
            sendOnPort(ctx, ProducerPort::Out, std::move(f));
            return;
        }
        m_outbox.push_back(std::move(m));
        pump(ctx);
    }

    // Sends queued messages while the confirm window has room; blocked while it has none.
    void pump(NodeContext &ctx)
    {
        while (!m_outbox.empty() && m_pending.size() + m_retrying.size() < m_maxInFlight) {
            MessageRef m = std::move(m_outbox.front());
            m_outbox.pop_front();
            m_blocked.unblock(ctx, m->id, m->correlationId);
            transmit(ctx, std::move(m), 1);
        }
        if (!m_outbox.empty()) m_blocked.block(ctx, m_outbox.front()->id, m_outbox.front()->correlationId);
    }

    void transmit(NodeContext &ctx, MessageRef m, std::uint32_t attempts)
    {
        const std::uint64_t tag = ++m_nextTag;
        Pending p{m, attempts, ctx.startTimer(m_confirmTimeout, timerTag(ConfirmTimer, tag))};
        m_pending.emplace(tag, std::move(p));
        Frame f;
        f.type = FrameType::Publish;
        f.tag = tag;
        f.deliveryCount = attempts;
        f.message = std::move(m);
        sendOnPort(ctx, ProducerPort::Out, std::move(f));
    }

    void retryOrGiveUp(NodeContext &ctx, Pending p)
    {
        if (p.attempts > m_retries) {
            TraceEvent e = messageEvent(TraceKind::Drop, p.message.get());
            e.reason = DropReason::RetriesExhausted;
            e.deliveryCount = p.attempts;
            ctx.trace(e);
            return;
        }
        // Exponential backoff: base, 2x base, 4x base...
        const SimTime delay =
            multiplyTime(m_backoff, std::int64_t{1} << std::min<std::uint32_t>(p.attempts - 1, 20));
        const std::uint64_t key = ++m_nextRetry;
        m_retrying.emplace(key, std::move(p));
        ctx.startTimer(delay, timerTag(RetryTimer, key));
    }

    std::string m_id;
    Workload m_workload;
    std::string m_routingKey;
    std::vector<Header> m_headers;
    PayloadFields m_fields;
    bool m_confirmed = false;
    bool m_persistent = false;
    SimTime m_confirmTimeout = 0;
    std::uint32_t m_retries = 0;
    SimTime m_backoff = 0;
    std::uint32_t m_maxInFlight = 1;
    std::deque<MessageRef> m_outbox;
    BlockedSpan m_blocked;
    std::map<std::uint64_t, Pending> m_pending; // by publish tag
    std::map<std::uint64_t, Pending> m_retrying;
    std::uint64_t m_nextTag = 0;
    std::uint64_t m_nextRetry = 0;
};

} // namespace

NodeKindSpec producerKind()
{
    NodeKindSpec k;
    k.kind = "producer";
    k.label = "Producer";
    k.category = "Clients";
    k.help = "Publishes messages at a rate or from a script, fire-and-forget or with publisher confirms.";
    k.ports = {{"out", PortDirection::Out, Protocol::Publish, false, "Publishes to an exchange or a queue."}};
    using T = PropertyType;
    k.properties = Workload::propertySpecs(
        {"routingKey", "correlationId"}, checkAmqpEntry,
        "{\"at\": \"10ms\", \"routingKey\": \"a.b\", \"key\": \"k\", \"headers\": {}, \"size\": 100, "
        "\"correlationId\": 7}");
    // The routing key and header templates go before the script, as the editor has always shown them.
    const auto script = k.properties.end() - 1;
    k.properties.insert(
        script,
        {property("routingKey", "Routing key", T::String, "",
                  "Routing key template; {seq}, {key}, {node} and {id} are replaced per message.", ""),
         property("headers", "Headers", T::StringMap, Json::object(), "Header templates (same placeholders).",
                  ""),
         PayloadFields::propertySpec()});
    const std::vector<PropertySpec> own = {
        property("sendMode", "Send mode", T::Enum, "fire-and-forget",
                 "fire-and-forget: publish and move on; confirmed: wait for the broker's confirm, retry on "
                 "timeout or "
                 "nack.",
                 "", {}, {}, {"fire-and-forget", "confirmed"}),
        property("confirmTimeout", "Confirm timeout", T::Duration, 1000,
                 "How long to wait for a confirm before retrying.", "ms", 0.001, {}),
        property("retries", "Retries", T::Integer, 3, "Resends after a timeout or nack before giving up.", "",
                 0, 1000),
        property("retryBackoff", "Retry backoff", T::Duration, 100,
                 "Delay before the first retry; it doubles on each further retry.", "ms", 0, {}),
        property("maxInFlight", "Max in flight", T::Integer, 1,
                 "Unconfirmed messages allowed at once (1 waits for each confirm). With that many "
                 "unconfirmed, the producer is blocked: the next message waits (traced block / unblock).",
                 "msg", 1, 1e6),
        property(
            "deliveryMode", "Delivery mode", T::Enum, "transient",
            "AMQP delivery mode: transient (1, the client default) messages live in memory only; persistent "
            "(2) messages in a durable queue are written to disk and survive a broker crash.",
            "", {}, {}, {"transient", "persistent"}),
    };
    k.properties.insert(k.properties.end(), own.begin(), own.end());
    k.factory = [](const NodeSetup &s) { return std::make_unique<Producer>(s); };
    k.explainRoute = [](const RouteQuestion &q) { return publishRoute(q, "routingKey", "routing key"); };
    return k;
}

} // namespace sb
