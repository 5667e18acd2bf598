// Exchange: routes each published message to the destinations whose bindings match its routing
// key (direct: equal; fanout: all; topic: AMQP wildcards) or its headers (headers: RabbitMQ's
// x-match rules, headersmatch.h). A destination may be another exchange (an exchange-to-exchange
// binding): it routes the message again by its own bindings. Unroutable messages go to the
// alternate target if one is linked (RabbitMQ's alternate-exchange), else they are dropped.
// With publisher confirms, the exchange confirms upstream once every destination has accepted,
// and nacks if any rejected.
#include "../../pubsub/dialect.h"
#include "../../pubsub/subscriptionindex.h"
#include "../common.h"
#include "../nodes.h"
#include "../routeanswers.h"
#include "headersmatch.h"

#include <algorithm>
#include <unordered_map>

namespace sb {

namespace {

class Exchange final : public Node {
public:
    explicit Exchange(const NodeSetup &s)
    {
        const std::string type = s.properties.string("type");
        m_type = type == "fanout"    ? Type::Fanout
                 : type == "topic"   ? Type::Topic
                 : type == "headers" ? Type::Headers
                                     : Type::Direct;
        for (const auto &b : s.bindings) {
            // Topic keys go into the AMQP dialect's trie: routing does not scan the bindings.
            if (m_type == Type::Topic) m_topics.add(b.key, b.link);
            m_bindings.push_back({b.link, b.key, HeadersBinding(b.arguments)});
        }
    }

    void onFrame(NodeContext &ctx, LinkIndex from, Frame &f) override
    {
        switch (f.type) {
        case FrameType::Publish:
            route(ctx, from, f);
            break;
        case FrameType::Confirm:
        case FrameType::PublishNack:
            onDownstreamConfirm(ctx, f);
            break;
        default:
            break;
        }
    }

    void onCrash(NodeContext &) override { m_pending.clear(); }

private:
    enum class Type { Direct, Fanout, Topic, Headers };
    struct Binding {
        LinkIndex link;
        std::string key;
        HeadersBinding headers;
    };
    struct Pending {
        LinkIndex upstream;
        std::uint64_t upstreamTag;
        std::uint32_t remaining;
        bool nacked;
        MessageRef message;
    };

    void route(NodeContext &ctx, LinkIndex from, const Frame &f)
    {
        const Message &m = *f.message;
        m_targets.clear();
        if (m_type == Type::Fanout) {
            for (LinkIndex l : ctx.links(ExchangePort::Out))
                m_targets.push_back(l);
        } else if (m_type == Type::Direct) {
            for (const auto &b : m_bindings)
                if (b.key == m.routingKey) m_targets.push_back(b.link);
        } else if (m_type == Type::Headers) {
            for (const auto &b : m_bindings)
                if (b.headers.matches(m)) m_targets.push_back(b.link);
        } else {
            m_topics.match(m.routingKey, m_targets);
        }
        // A destination bound by several matching keys still receives one copy.
        std::sort(m_targets.begin(), m_targets.end());
        m_targets.erase(std::unique(m_targets.begin(), m_targets.end()), m_targets.end());

        bool alternate = false;
        if (m_targets.empty()) {
            auto alt = ctx.links(ExchangePort::Alternate);
            if (alt.empty()) {
                TraceEvent e = messageEvent(TraceKind::Drop, &m);
                e.reason = DropReason::Unroutable;
                ctx.trace(e);
                // RabbitMQ confirms unroutable messages published without the mandatory flag.
                if (f.tag) sendConfirm(ctx, from, f.tag, f.message, false);
                return;
            }
            m_targets.push_back(alt.front());
            alternate = true;
        }
        std::uint64_t tag = 0;
        if (f.tag) {
            tag = ++m_nextTag;
            m_pending.emplace(
                tag, Pending{from, f.tag, static_cast<std::uint32_t>(m_targets.size()), false, f.message});
        }
        for (LinkIndex l : m_targets) {
            TraceEvent e = messageEvent(TraceKind::Route, &m);
            e.peer = ctx.peer(l);
            e.link = l;
            if (alternate) e.reason = DropReason::Unroutable; // routed to the alternate because unroutable
            ctx.trace(e);
            Frame out;
            out.type = FrameType::Publish;
            out.tag = tag;
            out.deliveryCount = f.deliveryCount;
            out.message = f.message;
            ctx.send(l, std::move(out));
        }
    }

    void onDownstreamConfirm(NodeContext &ctx, const Frame &f)
    {
        auto it = m_pending.find(f.tag);
        if (it == m_pending.end()) return;
        Pending &p = it->second;
        p.nacked = p.nacked || f.type == FrameType::PublishNack;
        if (--p.remaining > 0) return;
        sendConfirm(ctx, p.upstream, p.upstreamTag, p.message, p.nacked);
        m_pending.erase(it);
    }

    Type m_type = Type::Direct;
    std::vector<Binding> m_bindings;
    SubscriptionIndex m_topics{Dialect::Amqp}; // topic bindings: link by key
    std::vector<LinkIndex> m_targets;
    std::unordered_map<std::uint64_t, Pending> m_pending;
    std::uint64_t m_nextTag = 0;
};

// The routing inspector's question: which bindings match, and why the others do not.
RouteAnswer explainExchangeRoute(const RouteQuestion &q)
{
    const std::string type = q.properties.string("type");
    const Message m = q.message.toMessage();
    RouteAnswer a;
    std::size_t bindings = 0, matched = 0;
    std::vector<std::size_t> alternates;
    for (std::size_t i = 0; i < q.outputs.size(); ++i) {
        const RouteOutput &o = q.outputs[i];
        if (o.inbound) continue;
        if (o.port == "alternate") {
            alternates.push_back(i);
            continue;
        }
        if (o.port != "out") continue;
        ++bindings;
        bool taken = false;
        std::string why;
        if (type == "fanout") {
            taken = true;
            why = "fanout: every linked destination gets a copy";
        } else if (!o.hasBinding) {
            why = "no binding on this link (a " + type + " exchange routes by its bindings)";
        } else if (type == "direct") {
            taken = o.bindingKey == m.routingKey;
            why = taken ? "binding key " + inQuotes(o.bindingKey) + " equals the routing key"
                        : "binding key " + inQuotes(o.bindingKey) + " is not the routing key " +
                              inQuotes(m.routingKey);
        } else if (type == "topic") {
            why = explainMatch(Dialect::Amqp, o.bindingKey, m.routingKey);
            taken = why.rfind("matches", 0) == 0;
        } else {
            const std::string problem = HeadersBinding::check(o.bindingArguments);
            if (!problem.empty()) {
                why = "binding arguments refused: " + problem;
            } else {
                const HeadersBinding h(o.bindingArguments);
                taken = h.matches(m);
                why = h.explain(m);
            }
        }
        matched += taken;
        a.verdicts.push_back(routeVerdict(i, taken, why));
    }
    for (std::size_t i : alternates)
        a.verdicts.push_back(routeVerdict(
            i, matched == 0,
            matched == 0 ? "unroutable: no binding matched, so the alternate exchange takes it"
                         : "only unroutable messages go to the alternate exchange, and this one matched"));
    a.note = type + " exchange: " + std::to_string(matched) + " of " + std::to_string(bindings) +
             (type == "fanout" ? " destinations" : " bindings match");
    if (matched == 0 && alternates.empty()) a.note += "; unroutable, so it is dropped";
    return a;
}

} // namespace

NodeKindSpec exchangeKind()
{
    NodeKindSpec k;
    k.kind = "exchange";
    k.label = "Exchange";
    k.category = "Broker";
    k.help = "Routes messages to bound queues or exchanges by routing key or headers (AMQP direct, fanout, "
             "topic, headers).";
    k.ports = {
        {"in", PortDirection::In, Protocol::Publish, true, "Publishes from producers or other exchanges."},
        {"out", PortDirection::Out, Protocol::Publish, true, "Bound destinations (see bindings)."},
        {"alternate", PortDirection::Out, Protocol::Publish, false,
         "Where unroutable messages go (RabbitMQ alternate-exchange).", PortSpec::Need::Optional}};
    k.properties = {
        property("type", "Type", PropertyType::Enum, "direct",
                 "direct: binding key equals routing key; fanout: every linked destination; topic: "
                 "'.'-separated words, * = one word, # = zero or more; headers: the binding's arguments "
                 "(x-match all or any) compared with the message's headers.",
                 "", {}, {}, {"direct", "fanout", "topic", "headers"})};
    k.factory = [](const NodeSetup &s) { return std::make_unique<Exchange>(s); };
    k.explainRoute = explainExchangeRoute;
    return k;
}

} // namespace sb
