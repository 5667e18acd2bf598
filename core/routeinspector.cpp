#include "routeinspector.h"

#include <cstdlib>
#include <map>
#include <sstream>

namespace sb {

Message RouteMessage::toMessage() const
{
    Message m;
    m.routingKey = routingKey;
    m.key = key;
    for (const auto &[name, value] : headers)
        m.headers.push_back({name, value});
    for (const auto &[name, value] : fields) {
        Field f;
        f.name = name;
        f.text = value;
        char *end = nullptr;
        const double number = std::strtod(value.c_str(), &end);
        f.numeric = !value.empty() && end == value.c_str() + value.size();
        if (f.numeric) f.number = number;
        m.fields.push_back(std::move(f));
    }
    return m;
}

std::vector<std::string> RouteReport::destinations() const
{
    std::vector<std::string> out;
    for (const auto &h : hops)
        if (h.ends) out.push_back(h.node);
    return out;
}

bool RouteReport::linkTaken(std::string_view link) const
{
    for (const auto &h : hops)
        for (const auto &b : h.branches)
            if (b.taken && b.link == link) return true;
    return false;
}

namespace {

// A binding's arguments as one line ("x-match=any, format=zip"): a null argument is its name alone.
std::string argumentsText(const Json &arguments)
{
    std::string out;
    for (const auto &[name, value] : arguments.items()) {
        if (!out.empty()) out += ", ";
        out += name;
        if (!value.is_null()) out += "=" + (value.is_string() ? value.get<std::string>() : value.dump());
    }
    return out;
}

// Hops beyond this many (a topology fanning out hugely) are not followed: the report says so.
constexpr std::size_t kMaxHops = 2000;
constexpr int kMaxDepth = 64;

class Inspector {
public:
    Inspector(const Topology &t, const KindRegistry &registry) : m_t(t), m_index(t.nodes)
    {
        m_specs.reserve(t.nodes.size());
        m_bags.reserve(t.nodes.size());
        static const std::vector<PropertySpec> none;
        for (const auto &n : t.nodes) {
            const NodeKindSpec *spec = registry.find(n.kind);
            m_specs.push_back(spec);
            m_bags.emplace_back(spec ? spec->properties : none, n.properties);
        }
        m_linksOf.resize(t.nodes.size());
        for (std::size_t li = 0; li < t.links.size(); ++li) {
            const auto &l = t.links[li];
            auto from = m_index.find(l.from), to = m_index.find(l.to);
            if (!from || !to) continue;
            m_linksOf[*from].push_back(li);
            if (*to != *from) m_linksOf[*to].push_back(li);
        }
        for (const auto &b : t.bindings)
            m_bindings[{b.exchange, b.destination}].push_back(&b);
    }

    RouteReport run(std::string_view from, const RouteMessage &message)
    {
        RouteReport r;
        auto start = m_index.find(from);
        if (!start) {
            r.error = "no node \"" + std::string(from) + "\" in the topology";
            return r;
        }
        std::vector<std::pair<std::size_t, std::string>> path;
        visit(r, *start, message, "", "", -1, 0, path);
        return r;
    }

private:
    int visit(RouteReport &r, std::size_t node, const RouteMessage &message, std::string_view inPort,
              const std::string &via, int parent, int depth,
              std::vector<std::pair<std::size_t, std::string>> &path)
    {
        const int me = static_cast<int>(r.hops.size());
        r.hops.emplace_back();
        {
            RouteHop &h = r.hops.back();
            h.node = m_t.nodes[node].id;
            h.kind = m_t.nodes[node].kind;
            h.via = via;
            h.parent = parent;
            h.depth = depth;
            h.message = message;
        }
        const NodeKindSpec *spec = m_specs[node];
        // A node reached again on this path with the same message (an exchange-to-exchange cycle) is
        // not followed again; with another routing key it is (a choreographed saga's next event).
        for (const auto &[p, key] : path)
            if (p == node && key == message.routingKey) {
                r.hops[me].again = true;
                r.hops[me].note = "reached before on this path (a cycle): not followed again";
                return me;
            }
        if (!spec || !spec->explainRoute) {
            r.hops[me].unexplained = true;
            r.hops[me].ends = true;
            r.hops[me].note = "the inspector does not follow messages through a " +
                              (spec ? spec->label : m_t.nodes[node].kind);
            return me;
        }
        // The question: every link of the node but the one the message came on.
        std::vector<RouteOutput> outputs;
        for (std::size_t li : m_linksOf[node]) {
            const auto &l = m_t.links[li];
            if (l.id == via) continue;
            const bool inbound = l.to == m_t.nodes[node].id && l.from != l.to;
            const std::string &peerId = inbound ? l.from : l.to;
            const std::size_t peer = *m_index.find(peerId);
            RouteOutput o;
            o.link = l.id;
            o.port = inbound ? l.toPort : l.fromPort;
            o.peer = peerId;
            o.peerKind = m_specs[peer];
            o.peerProperties = &m_bags[peer];
            o.peerPort = inbound ? l.fromPort : l.toPort;
            o.inbound = inbound;
            // Bindings are on an exchange's "out" links (an SNS topic's subscriptions), by (source,
            // destination): a link with several is asked about once per binding.
            const bool bindable = !inbound && l.fromPort != "alternate" && l.fromPort != "deadLetter" &&
                                  l.fromPort != "dead-letter";
            auto b = bindable ? m_bindings.find({l.from, l.to}) : m_bindings.end();
            if (b == m_bindings.end()) {
                outputs.push_back(std::move(o));
                continue;
            }
            for (const BindingDef *def : b->second) {
                RouteOutput bound = o;
                bound.bindingKey = def->key;
                if (def->key.empty() && !def->arguments.empty())
                    bound.bindingLabel = argumentsText(def->arguments);
                bound.bindingArguments = def->arguments;
                bound.hasBinding = true;
                outputs.push_back(std::move(bound));
            }
        }
        RouteAnswer answer =
            spec->explainRoute(RouteQuestion{m_bags[node], message, outputs, inPort, m_t.nodes[node].id});
        r.hops[me].note = answer.note;
        r.hops[me].ends = answer.ends;
        std::vector<bool> named(outputs.size(), false);
        std::vector<RouteBranch> branches;
        std::vector<std::optional<RouteMessage>> leaving;
        for (auto &v : answer.verdicts) {
            if (v.output >= outputs.size()) continue;
            named[v.output] = true;
            const RouteOutput &o = outputs[v.output];
            branches.push_back({o.link, o.peer, o.bindingLabel.empty() ? o.bindingKey : o.bindingLabel,
                                o.hasBinding, v.taken, v.why, v.partition, -1});
            leaving.push_back(std::move(v.message));
        }
        for (std::size_t i = 0; i < outputs.size(); ++i) {
            // A link into the node that its kind does not answer for is no route (a publisher's).
            if (named[i] || outputs[i].inbound) continue;
            const RouteOutput &o = outputs[i];
            branches.push_back({o.link, o.peer, o.bindingLabel.empty() ? o.bindingKey : o.bindingLabel,
                                o.hasBinding, false, "not a route for this message", -1, -1});
            leaving.emplace_back();
        }
        r.hops[me].branches = branches;
        if (r.hops.size() >= kMaxHops || depth >= kMaxDepth) {
            for (auto &b : r.hops[me].branches)
                if (b.taken) b.why += " (not followed: the report is too large)";
            return me;
        }
        path.emplace_back(node, message.routingKey);
        std::map<std::string, int> followed; // a link taken by several bindings is followed once
        for (std::size_t i = 0; i < branches.size(); ++i) {
            if (!branches[i].taken) continue;
            auto done = followed.find(branches[i].link);
            if (done != followed.end()) {
                r.hops[me].branches[i].next = done->second;
                continue;
            }
            const auto &l = m_t.links[*m_t.linkIndex(branches[i].link)];
            const bool inbound = l.to == m_t.nodes[node].id && l.from != l.to;
            const std::size_t peer = *m_index.find(branches[i].peer);
            const std::string &peerPort = inbound ? l.fromPort : l.toPort;
            const int next =
                visit(r, peer, leaving[i] ? *leaving[i] : message, peerPort, l.id, me, depth + 1, path);
            r.hops[me].branches[i].next = next;
            followed[branches[i].link] = next;
        }
        path.pop_back();
        return me;
    }

    const Topology &m_t;
    NodeIdIndex m_index;
    std::vector<const NodeKindSpec *> m_specs;
    std::vector<PropertyBag> m_bags;
    std::vector<std::vector<std::size_t>> m_linksOf;
    std::map<std::pair<std::string, std::string>, std::vector<const BindingDef *>> m_bindings;
};

std::string messageText(const RouteMessage &m)
{
    std::string s;
    auto add = [&](const std::string &part) {
        if (!s.empty()) s += ", ";
        s += part;
    };
    if (!m.routingKey.empty()) add("routing key \"" + m.routingKey + "\"");
    if (!m.key.empty()) add("key \"" + m.key + "\"");
    for (const auto &[k, v] : m.headers)
        add("header " + k + "=" + v);
    for (const auto &[k, v] : m.fields)
        add("field " + k + "=" + v);
    return s;
}

} // namespace

RouteReport inspectRoute(const Topology &topology, std::string_view from, const RouteMessage &message,
                         const KindRegistry &registry)
{
    return Inspector(topology, registry).run(from, message);
}

std::string routeReportText(const RouteReport &report)
{
    if (!report.error.empty()) return report.error + "\n";
    std::ostringstream out;
    for (const auto &h : report.hops) {
        const std::string indent(static_cast<std::size_t>(h.depth) * 4, ' ');
        out << indent << h.node << " (" << h.kind << ")";
        if (!h.note.empty()) out << ": " << h.note;
        out << "\n";
        if (h.parent < 0) {
            const std::string m = messageText(h.message);
            if (!m.empty()) out << indent << "  message: " << m << "\n";
        }
        for (const auto &b : h.branches) {
            out << indent << "  " << (b.taken ? "-> " : "x  ") << b.peer << " via " << b.link;
            if (b.hasBinding) out << " (binding \"" << b.bindingKey << "\")";
            if (b.partition >= 0) out << " partition " << b.partition;
            out << ": " << (b.taken ? "" : "not taken: ") << b.why << "\n";
        }
    }
    const auto dest = report.destinations();
    out << "ends at: ";
    if (dest.empty()) out << "nowhere (no path delivers it)";
    for (std::size_t i = 0; i < dest.size(); ++i)
        out << (i ? ", " : "") << dest[i];
    out << "\n";
    return out.str();
}

Json routeReportJson(const RouteReport &report)
{
    Json j = Json::object();
    if (!report.error.empty()) {
        j["error"] = report.error;
        return j;
    }
    Json hops = Json::array();
    for (const auto &h : report.hops) {
        Json hop = {{"node", h.node}, {"kind", h.kind}, {"note", h.note}, {"depth", h.depth}};
        if (!h.via.empty()) hop["via"] = h.via;
        if (h.parent >= 0) hop["parent"] = h.parent;
        hop["ends"] = h.ends;
        if (h.unexplained) hop["unexplained"] = true;
        if (h.again) hop["cycle"] = true;
        Json msg = Json::object();
        msg["routingKey"] = h.message.routingKey;
        if (!h.message.key.empty()) msg["key"] = h.message.key;
        Json headers = Json::object(), fields = Json::object();
        for (const auto &[k, v] : h.message.headers)
            headers[k] = v;
        for (const auto &[k, v] : h.message.fields)
            fields[k] = v;
        if (!headers.empty()) msg["headers"] = headers;
        if (!fields.empty()) msg["fields"] = fields;
        hop["message"] = msg;
        Json branches = Json::array();
        for (const auto &b : h.branches) {
            Json br = {{"link", b.link}, {"peer", b.peer}, {"taken", b.taken}, {"why", b.why}};
            if (b.hasBinding) br["binding"] = b.bindingKey;
            if (b.partition >= 0) br["partition"] = b.partition;
            if (b.next >= 0) br["next"] = b.next;
            branches.push_back(std::move(br));
        }
        hop["branches"] = std::move(branches);
        hops.push_back(std::move(hop));
    }
    j["hops"] = std::move(hops);
    Json dest = Json::array();
    for (const auto &d : report.destinations())
        dest.push_back(d);
    j["destinations"] = std::move(dest);
    return j;
}

} // namespace sb
