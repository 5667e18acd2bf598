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

#include <deque>
#include <map>
#include <unordered_map>

namespace sb {

namespace {

enum TimerKind : std::uint64_t { ArrivalTimer = 0, ScriptTimer = 1, ConfirmTimer = 2, RetryTimer = 3 };
inline std::uint64_t timerTag(TimerKind k, std::uint64_t n)
{
    return (n << 2) | k;
}

struct ScriptEntry {
    SimTime at = 0;
    std::string routingKey;
    std::string key;
    std::vector<Header> headers;
    std::uint32_t size = 0;
    std::uint64_t correlationId = 0;
    bool hasSize = false;
};

std::string checkScript(const Json &script)
{
    static const std::vector<std::string> fields = {"at",      "routingKey", "key",
                                                    "headers", "size",       "correlationId"};
    for (std::size_t i = 0; i < script.size(); ++i) {
        const Json &e = script[i];
        const std::string where = "entry " + std::to_string(i) + ": ";
        if (!e.is_object())
            return where + "expected an object such as {\"at\": \"10ms\", \"routingKey\": \"a.b\"}";
        for (auto it = e.begin(); it != e.end(); ++it) {
            bool known = false;
            for (const auto &f : fields)
                known = known || f == it.key();
            if (!known)
                return where + "unknown field '" + it.key() +
                       "' (known: at, routingKey, key, headers, size, correlationId)";
        }
        if (e.contains("at")) {
            const Json &at = e["at"];
            bool ok = (at.is_number() && at.get<double>() >= 0) ||
                      (at.is_string() && parseDuration(at.get<std::string>()));
            if (!ok) return where + "'at' must be a duration such as \"10ms\", got " + at.dump();
        }
        for (const char *s : {"routingKey", "key"})
            if (e.contains(s) && !e[s].is_string()) return where + "'" + s + "' must be a string";
        if (e.contains("size") && !(e["size"].is_number_integer() && e["size"].get<std::int64_t>() >= 0))
            return where + "'size' must be a non-negative whole number of bytes";
        if (e.contains("correlationId") &&
            !(e["correlationId"].is_number_integer() && e["correlationId"].get<std::int64_t>() >= 0))
            return where + "'correlationId' must be a non-negative whole number";
        if (e.contains("headers")) {
            if (!e["headers"].is_object()) return where + "'headers' must be an object of strings";
            for (auto h = e["headers"].begin(); h != e["headers"].end(); ++h)
                if (!h.value().is_string()) return where + "header '" + h.key() + "' must be a string";
        }
    }
    return {};
}

std::string expand(const std::string &tmpl, std::uint64_t seq, const std::string &key,
                   const std::string &node, std::uint64_t id)
{
    if (tmpl.find('{') == std::string::npos) return tmpl;
    std::string out;
    out.reserve(tmpl.size() + 16);
    for (std::size_t i = 0; i < tmpl.size(); ++i) {
        if (tmpl[i] == '{') {
            auto close = tmpl.find('}', i);
            if (close != std::string::npos) {
                std::string_view name(tmpl.data() + i + 1, close - i - 1);
                if (name == "seq") {
                    out += std::to_string(seq);
                    i = close;
                    continue;
                }
                if (name == "key") {
                    out += key;
                    i = close;
                    continue;
                }
                if (name == "node") {
                    out += node;
                    i = close;
                    continue;
                }
                if (name == "id") {
                    out += std::to_string(id);
                    i = close;
                    continue;
                }
            }
        }
        out += tmpl[i];
    }
    return out;
}

class Producer final : public Node {
public:
    explicit Producer(const NodeSetup &s) : m_id(s.id)
    {
        const auto &p = s.properties;
        m_rate = p.number("rate");
        const std::string arrival = p.string("arrival");
        m_arrival = arrival == "poisson"  ? Arrival::Poisson
                    : arrival == "bursts" ? Arrival::Bursts
                                          : Arrival::Constant;
        m_burstSize = static_cast<std::uint32_t>(p.integer("burstSize"));
        m_count = static_cast<std::uint64_t>(p.integer("count"));
        m_duration = p.duration("duration");
        m_startAt = p.duration("startAt");
        m_size = static_cast<std::uint32_t>(p.integer("size"));
        const std::string keys = p.string("keys");
        m_keys = keys == "list"      ? Keys::List
                 : keys == "uniform" ? Keys::Uniform
                 : keys == "zipf"    ? Keys::Zipf
                                     : Keys::None;
        m_keyList = p.stringList("keyList");
        if (m_keys == Keys::List && m_keyList.empty()) m_keys = Keys::None;
        m_keyCount = static_cast<std::uint32_t>(p.integer("keyCount"));
        if (m_keys == Keys::Zipf) m_zipf = ZipfSampler(m_keyCount, p.number("zipfExponent"));
        m_routingKey = p.string("routingKey");
        for (auto &[k, v] : p.stringMap("headers"))
            m_headers.push_back({k, v});
        m_confirmed = p.string("sendMode") == "confirmed";
        m_persistent = p.string("deliveryMode") == "persistent";
        m_confirmTimeout = p.duration("confirmTimeout");
        m_retries = static_cast<std::uint32_t>(p.integer("retries"));
        m_backoff = p.duration("retryBackoff");
        m_maxInFlight = static_cast<std::uint32_t>(p.integer("maxInFlight"));
        for (const auto &e : p.value("script")) {
            ScriptEntry s;
            if (e.contains("at"))
                s.at = e["at"].is_string() ? *parseDuration(e["at"].get<std::string>())
                                           : fromMilliseconds(e["at"].get<double>());
            s.routingKey = e.value("routingKey", m_routingKey);
            s.key = e.value("key", std::string());
            if (e.contains("headers"))
                for (auto h = e["headers"].begin(); h != e["headers"].end(); ++h)
                    s.headers.push_back({h.key(), h.value().get<std::string>()});
            s.hasSize = e.contains("size");
            s.size = s.hasSize ? e["size"].get<std::uint32_t>() : m_size;
            s.correlationId = e.value("correlationId", std::uint64_t{0});
            m_script.push_back(std::move(s));
        }
    }

    void start(NodeContext &ctx) override
    {
        m_started = ctx.now();
        if (!m_script.empty()) {
            for (std::size_t i = 0; i < m_script.size(); ++i)
                ctx.startTimer(m_script[i].at, timerTag(ScriptTimer, i));
            return;
        }
        if (m_rate > 0) ctx.startTimer(m_startAt, timerTag(ArrivalTimer, 0));
    }

    void onTimer(NodeContext &ctx, std::uint64_t tag) override
    {
        const auto kind = static_cast<TimerKind>(tag & 3);
        const std::uint64_t n = tag >> 2;
        switch (kind) {
        case ArrivalTimer:
            onArrival(ctx);
            break;
        case ScriptTimer: {
            if (!ctx.mayPublish()) return;
            const auto &s = m_script[n];
            publish(ctx, s.key, s.routingKey, s.headers.empty() ? nullptr : &s.headers, s.size,
                    s.correlationId);
            break;
        }
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
        m_stopped = true;
    }
    void onRestart(NodeContext &ctx) override
    {
        // A restarted producer resumes its schedule; messages it had not yet confirmed are gone.
        m_stopped = false;
        if (m_script.empty() && m_rate > 0 && !finished(ctx)) ctx.startTimer(0, timerTag(ArrivalTimer, 0));
    }

    NodeStatus status() const override
    {
        NodeStatus s;
        s.ready = m_outbox.size();
        s.inFlight = m_pending.size() + m_retrying.size();
        return s;
    }

private:
    enum class Arrival { Constant, Poisson, Bursts };
    enum class Keys { None, List, Uniform, Zipf };
    struct Pending {
        MessageRef message;
        std::uint32_t attempts = 1;
        TimerId timer = kNoTimer;
    };

    bool finished(NodeContext &ctx) const
    {
        if (m_count && m_sent >= m_count) return true;
        if (m_duration && ctx.now() >= addTime(addTime(m_started, m_startAt), m_duration)) return true;
        return false;
    }

    void onArrival(NodeContext &ctx)
    {
        if (m_stopped) return;
        const std::uint32_t n = m_arrival == Arrival::Bursts ? m_burstSize : 1;
        for (std::uint32_t i = 0; i < n; ++i) {
            if (finished(ctx) || !ctx.mayPublish()) return;
            std::string key = nextKey(ctx);
            publish(ctx, key, m_routingKey, m_headers.empty() ? nullptr : &m_headers, m_size, 0);
        }
        if (finished(ctx) || !ctx.mayPublish()) return;
        const double meanNs = 1e9 / m_rate * (m_arrival == Arrival::Bursts ? m_burstSize : 1);
        SimTime gap =
            timeFromNanoseconds(m_arrival == Arrival::Poisson ? ctx.rng().exponential(meanNs) : meanNs);
        ctx.startTimer(std::max<SimTime>(gap, 1), timerTag(ArrivalTimer, 0));
    }

    std::string nextKey(NodeContext &ctx)
    {
        switch (m_keys) {
        case Keys::None:
            return {};
        case Keys::List:
            return m_keyList[m_keyCursor++ % m_keyList.size()];
        case Keys::Uniform:
            return "key-" + std::to_string(ctx.rng().below(m_keyCount));
        case Keys::Zipf:
            return "key-" + std::to_string(m_zipf.sample(ctx.rng()));
        }
        return {};
    }

    void publish(NodeContext &ctx, const std::string &key, const std::string &routingTemplate,
                 const std::vector<Header> *headers, std::uint32_t size, std::uint64_t correlationId)
    {
        auto m = std::make_shared<Message>();
        m->id = ctx.newMessageId();
        m->sequence = ++m_sent;
        m->key = key;
        m->routingKey = expand(routingTemplate, m->sequence, key, m_id, m->id);
        if (headers)
            for (const auto &h : *headers)
                m->headers.push_back({h.name, expand(h.value, m->sequence, key, m_id, m->id)});
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
    double m_rate = 0;
    Arrival m_arrival = Arrival::Constant;
    std::uint32_t m_burstSize = 1;
    std::uint64_t m_count = 0;
    SimTime m_duration = 0;
    SimTime m_startAt = 0;
    std::uint32_t m_size = 0;
    Keys m_keys = Keys::None;
    std::vector<std::string> m_keyList;
    std::uint32_t m_keyCount = 1;
    ZipfSampler m_zipf;
    std::size_t m_keyCursor = 0;
    std::string m_routingKey;
    std::vector<Header> m_headers;
    bool m_confirmed = false;
    bool m_persistent = false;
    SimTime m_confirmTimeout = 0;
    std::uint32_t m_retries = 0;
    SimTime m_backoff = 0;
    std::uint32_t m_maxInFlight = 1;
    std::vector<ScriptEntry> m_script;

    SimTime m_started = 0;
    std::uint64_t m_sent = 0;
    bool m_stopped = false;
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
    k.properties = {
        property("rate", "Rate", T::Number, 10.0, "Messages per second (on average for poisson).", "msg/s", 0,
                 1e7),
        property("arrival", "Arrival process", T::Enum, "constant",
                 "constant: evenly spaced; poisson: exponential gaps; bursts: burstSize messages at once.",
                 "", {}, {}, {"constant", "poisson", "bursts"}),
        property("burstSize", "Burst size", T::Integer, 10, "Messages per burst (arrival = bursts).", "msg",
                 1, 100000),
        property("count", "Stop after", T::Integer, 0, "Stop after this many messages (0 = no limit).", "msg",
                 0, 1e12),
        property("duration", "Stop after time", T::Duration, 0,
                 "Stop producing after this long (0 = no limit).", "ms", 0, {}),
        property("startAt", "Start at", T::Duration, 0, "Virtual time of the first message.", "ms", 0, {}),
        property("size", "Message size", T::Integer, 256, "Payload size of each message.", "bytes", 0,
                 256.0 * 1024 * 1024),
        property("keys", "Key distribution", T::Enum, "none",
                 "How message keys are chosen: none, list (cycles through keyList), uniform over keyCount "
                 "keys, or "
                 "zipf over keyCount keys.",
                 "", {}, {}, {"none", "list", "uniform", "zipf"}),
        property("keyList", "Key list", T::StringList, Json::array(), "Keys used when keys = list.", ""),
        property("keyCount", "Key count", T::Integer, 16, "Number of distinct keys (uniform, zipf).", "keys",
                 1, 1e6),
        property("zipfExponent", "Zipf exponent", T::Number, 1.0, "Skew of the zipf key distribution.", "", 0,
                 10),
        property("routingKey", "Routing key", T::String, "",
                 "Routing key template; {seq}, {key}, {node} and {id} are replaced per message.", ""),
        property("headers", "Headers", T::StringMap, Json::object(), "Header templates (same placeholders).",
                 ""),
        property("script", "Script", T::Script, Json::array(),
                 "Explicit messages instead of a rate: [{\"at\": \"10ms\", \"routingKey\": \"a.b\", \"key\": "
                 "\"k\", "
                 "\"headers\": {}, \"size\": 100, \"correlationId\": 7}].",
                 ""),
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
    k.properties[13].check = checkScript;
    k.factory = [](const NodeSetup &s) { return std::make_unique<Producer>(s); };
    return k;
}

} // namespace sb
