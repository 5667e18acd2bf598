// Content filter: content-based routing (the seeds' `total > 1000 && country != 'US'`). Each
// published message is tested against an expression over its payload fields and headers
// (contentexpression.h): those for which it holds go on to "out", the others to "rejected" if
// linked, else they are dropped (reason filtered). Several filters behind a fanout exchange make
// a content-based router. With publisher confirms it confirms upstream once the destination has
// (a dropped message is confirmed at once, as an exchange confirms an unroutable one).
#include "../common.h"
#include "content.h"
#include "contentexpression.h"

#include <unordered_map>

namespace sb {

namespace {

namespace Port {
inline constexpr PortIndex In = 0, Out = 1, Rejected = 2;
}

class ContentFilter final : public Node {
public:
    explicit ContentFilter(const NodeSetup &s)
    {
        ContentExpression::Error error;
        m_expression = ContentExpression::compile(s.properties.string("expression"), error);
    }

    void onFrame(NodeContext &ctx, LinkIndex from, Frame &f) override
    {
        if (f.type == FrameType::Publish && f.message) {
            route(ctx, from, f);
        } else if (f.type == FrameType::Confirm || f.type == FrameType::PublishNack) {
            auto it = m_pending.find(f.tag);
            if (it == m_pending.end()) return;
            sendConfirm(ctx, it->second.upstream, it->second.tag, f.message,
                        f.type == FrameType::PublishNack);
            m_pending.erase(it);
        }
    }

    void onCrash(NodeContext &) override { m_pending.clear(); }

private:
    struct Pending {
        LinkIndex upstream;
        std::uint64_t tag;
    };

    void route(NodeContext &ctx, LinkIndex from, const Frame &f)
    {
        std::string why;
        const bool pass = m_expression && m_expression->evaluate(*f.message, &why);
        auto links = ctx.links(pass ? Port::Out : Port::Rejected);
        if (links.empty()) {
            TraceEvent e = messageEvent(TraceKind::Drop, f.message.get());
            e.reason = pass ? DropReason::NoRoute : DropReason::Filtered;
            ctx.trace(e);
            if (f.tag) sendConfirm(ctx, from, f.tag, f.message, false);
            return;
        }
        TraceEvent e = messageEvent(TraceKind::Route, f.message.get());
        e.peer = ctx.peer(links.front());
        e.link = links.front();
        if (!pass) e.reason = DropReason::Filtered; // routed to "rejected" because filtered out
        ctx.trace(e);
        Frame out;
        out.type = FrameType::Publish;
        out.deliveryCount = f.deliveryCount;
        out.message = f.message;
        if (f.tag) {
            out.tag = ++m_nextTag;
            m_pending.emplace(out.tag, Pending{from, f.tag});
        }
        ctx.send(links.front(), std::move(out));
    }

    std::unique_ptr<ContentExpression> m_expression;
    std::unordered_map<std::uint64_t, Pending> m_pending;
    std::uint64_t m_nextTag = 0;
};

// The routing inspector's question: does the expression hold for the message, and with which values.
RouteAnswer explainContentRoute(const RouteQuestion &q)
{
    ContentExpression::Error error;
    auto expr = ContentExpression::compile(q.properties.string("expression"), error);
    RouteAnswer a;
    if (!expr) {
        a.note = "its expression does not compile: " + error.message;
        a.ends = true;
        return a;
    }
    const Message m = q.message.toMessage();
    std::string why;
    const bool pass = expr->evaluate(m, &why);
    // The values the expression read, as it saw them.
    std::string values;
    for (const auto &name : expr->names()) {
        std::string v;
        if (const Field *f = m.field(name))
            v = f->numeric ? f->text : "'" + f->text + "'";
        else if (const std::string *h = m.header(name))
            v = "'" + *h + "'";
        else if (name == "routingKey")
            v = "'" + m.routingKey + "'";
        else if (name == "key")
            v = "'" + m.key + "'";
        else
            continue;
        values += (values.empty() ? "" : ", ") + name + " = " + v;
    }
    const std::string text = inQuotes(expr->text()) + (pass ? " holds" : " does not hold") +
                             (values.empty() ? "" : " for " + values) + (why.empty() ? "" : ": " + why);
    bool rejectedLinked = false;
    for (std::size_t i = 0; i < q.outputs.size(); ++i) {
        const RouteOutput &o = q.outputs[i];
        if (o.inbound) continue;
        if (o.port == "out") a.verdicts.push_back(routeVerdict(i, pass, text));
        if (o.port == "rejected") {
            rejectedLinked = true;
            a.verdicts.push_back(routeVerdict(i, !pass, text));
        }
    }
    a.note = pass ? "passes it" : rejectedLinked ? "rejects it" : "drops it (filtered)";
    return a;
}

} // namespace

std::string checkContentExpression(const Json &value)
{
    ContentExpression::Error error;
    if (!ContentExpression::compile(value.get<std::string>(), error)) return error.message;
    return {};
}

NodeKindSpec contentFilterKind()
{
    NodeKindSpec k;
    k.kind = "content-filter";
    k.label = "Content filter";
    k.category = "Broker";
    k.help = "Passes on the messages whose payload fields and headers satisfy an expression (content-based "
             "routing); the others go to 'rejected' or are dropped.";
    k.ports = {{"in", PortDirection::In, Protocol::Publish, true, "Publishes from producers or exchanges."},
               {"out", PortDirection::Out, Protocol::Publish, false, "Where messages that match go."},
               {"rejected", PortDirection::Out, Protocol::Publish, false,
                "Where messages that do not match go; unlinked, they are dropped (reason filtered).",
                PortSpec::Need::Optional}};
    PropertySpec expression =
        property("expression", "Expression", PropertyType::String, "true",
                 "A condition over the message's payload fields and headers, e.g. total > 1000 && country != "
                 "'US'. Also routingKey, key and bytes (the payload size). Strings in ' or \"; == != < <= > "
                 ">=, && || !, "
                 "arithmetic. A message without a name it uses does not match.");
    expression.check = checkContentExpression;
    k.properties = {expression};
    k.factory = [](const NodeSetup &s) { return std::make_unique<ContentFilter>(s); };
    k.explainRoute = explainContentRoute;
    return k;
}

std::vector<NodeTemplate> contentTemplates()
{
    return {{"content-filter-orders",
             "Big foreign orders",
             "Content-based routing",
             "content-filter",
             "The seeds' content filter: total > 1000 && country != 'US'.",
             {{"expression", "total > 1000 && country != 'US'"}}}};
}

} // namespace sb
