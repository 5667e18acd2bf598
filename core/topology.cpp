#include "topology.h"

#include "nodes/amqp/headersmatch.h"
#include "nodes/eventsourcing/aggregatemodel.h"
#include "nodes/eventsourcing/esprotocol.h"

#include "faults/faultvalidation.h"
#include "nodes/sagas/sagas.h"
#include "nodes/sns/sns.h"
#include "pubsub/dialect.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>

namespace sb {

std::optional<std::size_t> Topology::nodeIndex(std::string_view id) const
{
    for (std::size_t i = 0; i < nodes.size(); ++i)
        if (nodes[i].id == id) return i;
    return std::nullopt;
}

std::optional<std::size_t> Topology::faultIndex(std::string_view id) const
{
    for (std::size_t i = 0; i < faults.size(); ++i)
        if (faults[i].id == id) return i;
    return std::nullopt;
}

std::optional<std::size_t> Topology::linkIndex(std::string_view id) const
{
    for (std::size_t i = 0; i < links.size(); ++i)
        if (links[i].id == id) return i;
    return std::nullopt;
}

NodeIdIndex::NodeIdIndex(const std::vector<NodeDef> &nodes)
{
    m_index.reserve(nodes.size());
    for (std::size_t i = 0; i < nodes.size(); ++i)
        m_index.emplace(nodes[i].id, i);
}

std::optional<std::size_t> NodeIdIndex::find(std::string_view id) const
{
    auto it = m_index.find(id);
    if (it == m_index.end()) return std::nullopt;
    return it->second;
}

std::string Diagnostic::where() const
{
    if (line > 0) return file + ":" + std::to_string(line) + ":" + std::to_string(column);
    if (file.empty()) return path;
    if (path.empty()) return file;
    return file + ": " + path;
}

std::string Diagnostic::toString() const
{
    return where() + ": " + (severity == Severity::Warning ? "warning: " : "") + message;
}

std::string LoadResult::errorText() const
{
    std::string out;
    for (const auto &d : diagnostics)
        out += d.toString() + "\n";
    return out;
}

bool isValidId(std::string_view id)
{
    if (id.empty() || id.size() > 64) return false;
    auto alnum = [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    };
    if (!alnum(id.front())) return false;
    for (char c : id)
        if (!alnum(c) && c != '_' && c != '.' && c != ':' && c != '-') return false;
    return true;
}

std::string checkBindingKey(std::string_view exchangeType, std::string_view key)
{
    // AMQP routing and binding keys are short strings: at most 255 bytes.
    if (key.size() > 255) return "binding key is longer than 255 bytes";
    if (exchangeType == "fanout") {
        if (!key.empty()) return "fanout exchanges ignore binding keys; leave the key empty";
        return {};
    }
    const bool wild = key.find('*') != std::string_view::npos || key.find('#') != std::string_view::npos;
    if (exchangeType == "direct") {
        if (wild)
            return "'" + std::string(key) +
                   "': direct exchanges match keys exactly; * and # are wildcards "
                   "only on topic exchanges";
        return {};
    }
    if (exchangeType == "topic") {
        // As RabbitMQ decides (core/pubsub, amqp dialect): a '*' or '#' inside a word is a literal
        // character, accepted (the loader warns); a key with more than two '#' words is refused.
        for (const auto &issue : checkFilter(Dialect::Amqp, key))
            if (issue.error) return "'" + std::string(key) + "': " + issue.message;
        return {};
    }
    return {};
}

void checkPropertyObject(const std::vector<PropertySpec> &specs, const Json &props, const std::string &path,
                         const std::string &owner, std::vector<Diagnostic> &diags)
{
    auto error = [&diags](std::string p, std::string msg) {
        diags.push_back({Diagnostic::Severity::Error, std::move(p), std::move(msg), {}, 0, 0});
    };
    if (!props.is_object()) {
        error(path, owner + ": properties must be an object");
        return;
    }
    for (auto it = props.begin(); it != props.end(); ++it) {
        const PropertySpec *spec = nullptr;
        for (const auto &s : specs)
            if (s.key == it.key()) spec = &s;
        const std::string ppath = path + "." + it.key();
        if (!spec) {
            std::string known;
            std::vector<std::string> keys;
            for (const auto &s : specs) {
                known += (known.empty() ? "" : ", ") + s.key;
                keys.push_back(s.key);
            }
            const std::string hint = closestMatch(it.key(), keys);
            error(ppath, owner + ": unknown property '" + it.key() + "'" +
                             (hint.empty() ? "" : " (did you mean '" + hint + "'?)") +
                             (known.empty() ? " (it takes none)" : " (known: " + known + ")"));
            continue;
        }
        std::string why = checkPropertyValue(*spec, it.value());
        if (!why.empty()) error(ppath, owner + ": property '" + it.key() + "': " + why);
    }
}

namespace {

using Sev = Diagnostic::Severity;

struct Checker {
    const KindRegistry &reg;
    std::vector<Diagnostic> diags;
    void error(std::string path, std::string msg)
    {
        diags.push_back({Sev::Error, std::move(path), std::move(msg), {}, 0, 0});
    }
    void warn(std::string path, std::string msg)
    {
        diags.push_back({Sev::Warning, std::move(path), std::move(msg), {}, 0, 0});
    }
    bool hasErrors() const
    {
        for (const auto &d : diags)
            if (d.severity == Sev::Error) return true;
        return false;
    }
};

std::string quoted(const std::string &s)
{
    return "\"" + s + "\"";
}

void checkProperties(Checker &c, const std::vector<PropertySpec> &specs, const Json &props,
                     const std::string &path, const std::string &owner)
{
    checkPropertyObject(specs, props, path, owner, c.diags);
}

// Structural + semantic validation of an in-memory topology. `nodePaths` etc. map items to the
// JSON paths they came from (identical to their index when built in memory).
// A reader of an event store (a node with a "model" and a "stream" property, such as a
// projection) should read streams that something linked to the same store writes: a writer with a
// model writes its category's streams ("account-7"); a writer without one may write anything.
// Reading what nothing writes is a warning: the reader's table stays empty.
void checkEventStoreReaders(Checker &c, const Topology &t, const std::vector<bool> &propertiesValid)
{
    struct Side {
        std::size_t node;
        std::string store;
    };
    std::vector<Side> readers;
    std::map<std::string, std::vector<std::pair<std::string, std::string>>>
        writers;                    // store -> (id, category)
    const NodeIdIndex ids(t.nodes); // linear in the file's size, not links x nodes
    for (const auto &l : t.links) {
        const auto fi = ids.find(l.from), ti = ids.find(l.to);
        if (!fi || !ti) continue;
        const NodeKindSpec *fs = c.reg.find(t.nodes[*fi].kind);
        const NodeKindSpec *ts = c.reg.find(t.nodes[*ti].kind);
        const auto fp = fs ? fs->port(l.fromPort) : std::nullopt;
        if (!fp || !ts || ts->kind != "event-store" || fs->ports[*fp].protocol != Protocol::EventStore)
            continue;
        if (!propertiesValid[*fi]) return; // its own messages say what is wrong first
        const PropertyBag props(fs->properties, t.nodes[*fi].properties);
        const es::AggregateModel *model =
            fs->property("model") ? es::aggregateModel(props.string("model")) : nullptr;
        if (fs->property("stream") && model)
            readers.push_back({*fi, l.to});
        else
            writers[l.to].emplace_back(l.from, model ? std::string(model->category()) : std::string());
    }
    for (const auto &r : readers) {
        const NodeDef &n = t.nodes[r.node];
        const NodeKindSpec *spec = c.reg.find(n.kind);
        const PropertyBag props(spec->properties, n.properties);
        const es::AggregateModel *model = es::aggregateModel(props.string("model"));
        std::string stream = props.string("stream");
        const bool own = stream.empty();
        if (own) stream = "$ce-" + std::string(model->category());
        if (stream == "$all") continue;
        const std::string category =
            stream.starts_with("$ce-") ? stream.substr(4) : std::string(es::category(stream));
        const auto &ws = writers[r.store];
        std::string written;
        bool found = false;
        for (const auto &[id, cat] : ws) {
            found = found || cat.empty() || cat == category;
            written += (written.empty() ? "" : ", ") + quoted(id) + " writes " + cat + " streams";
        }
        if (found) continue;
        c.warn("$.nodes[" + std::to_string(r.node) + "].properties." + (own ? "model" : "stream"),
               "node " + quoted(n.id) + " (" + n.kind + ") reads " + stream +
                   ", but nothing linked to event store " + quoted(r.store) + " writes " + category +
                   " streams" +
                   (written.empty() ? std::string(" (nothing writes to it)") : " (" + written + ")"));
    }
}

void validateModel(Checker &c, const Topology &t)
{
    std::set<std::string> ids;
    std::vector<bool> propertiesValid(t.nodes.size(), false); // for the kinds' link checks
    for (std::size_t i = 0; i < t.nodes.size(); ++i) {
        const auto &n = t.nodes[i];
        const std::string path = "$.nodes[" + std::to_string(i) + "]";
        if (!isValidId(n.id)) {
            c.error(
                path + ".id",
                quoted(n.id) +
                    " is not a valid id (1-64 letters, digits, _ . : -, starting with a letter or digit)");
        } else if (!ids.insert(n.id).second) {
            c.error(path + ".id", "duplicate node id " + quoted(n.id));
        }
        const NodeKindSpec *spec = c.reg.find(n.kind);
        if (!spec) {
            std::string known;
            for (const auto &k : c.reg.kinds())
                known += (known.empty() ? "" : ", ") + k.kind;
            const std::string hint = closestMatch(n.kind, c.reg.kindNames());
            c.error(path + ".kind", "node " + quoted(n.id) + ": unknown kind " + quoted(n.kind) +
                                        (hint.empty() ? "" : " (did you mean " + quoted(hint) + "?)") +
                                        " (known: " + known + ")");
            continue;
        }
        const std::size_t before = c.diags.size();
        checkProperties(c, spec->properties, n.properties, path + ".properties",
                        "node " + quoted(n.id) + " (" + n.kind + ")");
        propertiesValid[i] = c.diags.size() == before;
        if (spec->check && c.diags.size() == before) {
            std::vector<std::pair<std::string, std::string>> problems;
            spec->check(PropertyBag(spec->properties, n.properties), problems);
            for (const auto &[key, reason] : problems)
                c.error(path + ".properties." + key,
                        "node " + quoted(n.id) + " (" + n.kind + "): " + key + ": " + reason);
        }
        if (!n.clock.empty())
            checkPropertyObject(c.reg.clockProperties(), n.clock, path + ".clock",
                                "node " + quoted(n.id) + " clock", c.diags);
    }

    const NodeIdIndex index(t.nodes);
    std::set<std::string> linkIds;
    std::set<std::tuple<std::string, std::string, std::string, std::string>> seen;
    std::vector<std::vector<int>> portUse(t.nodes.size());
    for (std::size_t i = 0; i < t.nodes.size(); ++i)
        if (auto *spec = c.reg.find(t.nodes[i].kind)) portUse[i].assign(spec->ports.size(), 0);

    for (std::size_t i = 0; i < t.links.size(); ++i) {
        const auto &l = t.links[i];
        const std::string path = "$.links[" + std::to_string(i) + "]";
        const std::string name = "link " + quoted(l.id);
        if (!isValidId(l.id))
            c.error(path + ".id", quoted(l.id) + " is not a valid link id");
        else if (!linkIds.insert(l.id).second)
            c.error(path + ".id", "duplicate link id " + quoted(l.id));
        auto fi = index.find(l.from);
        auto ti = index.find(l.to);
        if (!fi) c.error(path + ".from", name + ": no node with id " + quoted(l.from));
        if (!ti) c.error(path + ".to", name + ": no node with id " + quoted(l.to));
        checkProperties(c, c.reg.linkProperties(), l.properties, path + ".properties", name);
        if (!fi || !ti) continue;
        if (*fi == *ti) {
            c.error(path, name + ": a link cannot connect node " + quoted(l.from) + " to itself");
            continue;
        }
        const NodeKindSpec *fs = c.reg.find(t.nodes[*fi].kind);
        const NodeKindSpec *ts = c.reg.find(t.nodes[*ti].kind);
        if (!fs || !ts) continue;
        auto fp = fs->port(l.fromPort);
        auto tp = ts->port(l.toPort);
        auto portList = [](const NodeKindSpec *s, PortDirection d) {
            std::string out;
            for (const auto &p : s->ports)
                if (p.direction == d) out += (out.empty() ? "" : ", ") + p.name;
            return out.empty() ? std::string("none") : out;
        };
        if (!fp || fs->ports[*fp].direction != PortDirection::Out) {
            c.error(path + ".fromPort", name + ": " + fs->kind + " " + quoted(l.from) +
                                            " has no output port " + quoted(l.fromPort) +
                                            " (outputs: " + portList(fs, PortDirection::Out) + ")");
            continue;
        }
        if (!tp || ts->ports[*tp].direction != PortDirection::In) {
            c.error(path + ".toPort", name + ": " + ts->kind + " " + quoted(l.to) + " has no input port " +
                                          quoted(l.toPort) + " (inputs: " + portList(ts, PortDirection::In) +
                                          ")");
            continue;
        }
        if (fs->ports[*fp].protocol != ts->ports[*tp].protocol) {
            c.error(path, name + ": cannot connect " + fs->kind + "." + l.fromPort + " to " + ts->kind + "." +
                              l.toPort + " (one carries " + protocolName(fs->ports[*fp].protocol) +
                              ", the other " + protocolName(ts->ports[*tp].protocol) + ")");
            continue;
        }
        if (fs->linkCheck && propertiesValid[*fi] && propertiesValid[*ti]) {
            const std::string why =
                fs->linkCheck(PropertyBag(fs->properties, t.nodes[*fi].properties), l.fromPort, *ts,
                              PropertyBag(ts->properties, t.nodes[*ti].properties));
            if (!why.empty())
                c.error(path, name + ": " + fs->kind + " " + quoted(l.from) + " -> " + ts->kind + " " +
                                  quoted(l.to) + ": " + why);
        }
        if (!seen.insert({l.from, l.fromPort, l.to, l.toPort}).second)
            c.error(path, name + ": " + quoted(l.from) + " is already linked to " + quoted(l.to) +
                              " on these ports");
        if (++portUse[*fi][*fp] > 1 && !fs->ports[*fp].multiple)
            c.error(path + ".fromPort",
                    name + ": port " + quoted(l.fromPort) + " of " + quoted(l.from) + " takes one link only");
        if (++portUse[*ti][*tp] > 1 && !ts->ports[*tp].multiple)
            c.error(path + ".toPort",
                    name + ": port " + quoted(l.toPort) + " of " + quoted(l.to) + " takes one link only");
    }

    // Properties that name another node (a client's reply queue) must name one of the right kind.
    for (std::size_t i = 0; i < t.nodes.size(); ++i) {
        const auto &n = t.nodes[i];
        const NodeKindSpec *spec = c.reg.find(n.kind);
        if (!spec) continue;
        for (const auto &p : spec->properties) {
            if (p.refersTo.empty()) continue;
            auto it = n.properties.find(p.key);
            if (it == n.properties.end() || !it->is_string() || it->get<std::string>().empty()) continue;
            const std::string target = it->get<std::string>();
            const std::string where = "$.nodes[" + std::to_string(i) + "].properties." + p.key;
            const std::string owner = "node " + quoted(n.id) + " (" + n.kind + "): " + p.key + ": ";
            if (auto ti = index.find(target)) {
                if (t.nodes[*ti].kind != p.refersTo)
                    c.error(where, owner + quoted(target) + " is not a " + p.refersTo +
                                       " but a node of kind " + t.nodes[*ti].kind);
                continue;
            }
            std::vector<std::string> candidates;
            for (const auto &m : t.nodes)
                if (m.kind == p.refersTo) candidates.push_back(m.id);
            const std::string hint = closestMatch(target, candidates);
            c.error(where, owner + "no " + p.refersTo + " with id " + quoted(target) +
                               (hint.empty() ? "" : " (did you mean " + quoted(hint) + "?)"));
        }
    }

    checkEventStoreReaders(c, t, propertiesValid);
    // Saga orchestrators' steps name services they are linked to.
    for (const auto &[where, reason] : sagaTopologyProblems(t))
        c.error(where, reason);

    // Bindings. Which exchanges have an "out" link to which destination, looked up per binding.
    std::set<std::pair<std::string_view, std::string_view>> exchangeLinks;
    for (const auto &l : t.links)
        if (l.fromPort == "out") exchangeLinks.emplace(l.from, l.to);
    std::set<std::tuple<std::string, std::string, std::string>> bseen;
    for (std::size_t i = 0; i < t.bindings.size(); ++i) {
        const auto &b = t.bindings[i];
        const std::string path = "$.bindings[" + std::to_string(i) + "]";
        auto ei = index.find(b.exchange);
        if (!ei) {
            c.error(path + ".exchange", "no node with id " + quoted(b.exchange));
            continue;
        }
        const auto &ex = t.nodes[*ei];
        if (ex.kind == "sns-topic") {
            // An SNS subscription's attributes (core/nodes/sns/sns.h).
            for (const auto &p : snsBindingProblems(t, i))
                p.warning ? c.warn(p.path, p.message) : c.error(p.path, p.message);
            continue;
        }
        if (ex.kind != "exchange") {
            c.error(path + ".exchange",
                    quoted(b.exchange) + " is a " + ex.kind + ", not an exchange or an sns-topic");
            continue;
        }
        if (!index.find(b.destination)) {
            c.error(path + ".destination", "no node with id " + quoted(b.destination));
            continue;
        }
        if (!exchangeLinks.count({b.exchange, b.destination})) {
            c.error(path, "exchange " + quoted(b.exchange) + " has no link from its \"out\" port to " +
                              quoted(b.destination) + "; draw the link first, then bind it");
            continue;
        }
        const Json &typeValue = ex.properties.contains("type") ? ex.properties["type"] : Json("direct");
        const std::string type = typeValue.is_string() ? typeValue.get<std::string>() : "direct";
        const std::string which = "binding " + quoted(b.exchange) + " -> " + quoted(b.destination);
        if (type == "headers") {
            std::string arg;
            std::string why = HeadersBinding::check(b.arguments, &arg);
            if (!why.empty())
                c.error(path + ".arguments" + (arg.empty() ? std::string() : "[\"" + arg + "\"]"),
                        which + ": " + why);
            if (!b.key.empty())
                c.warn(path + ".key", which + ": a headers exchange ignores the binding key; it matches the "
                                              "arguments against the message's headers");
        } else {
            std::string why = checkBindingKey(type, b.key);
            if (!why.empty())
                c.error(path + ".key", which + ": " + why);
            else if (type == "topic")
                for (const auto &issue : checkFilter(Dialect::Amqp, b.key))
                    c.warn(path + ".key", which + ", key " + quoted(b.key) + ": " + issue.message);
            if (!b.arguments.empty())
                c.warn(path + ".arguments", which +
                                                ": binding arguments are used only by headers exchanges; " +
                                                "this " + type + " exchange ignores them");
        }
        if (!bseen.insert({b.exchange, b.destination, b.key + '\n' + b.arguments.dump()}).second)
            c.warn(path, "duplicate binding " + quoted(b.exchange) + " -> " + quoted(b.destination) +
                             (type == "headers" ? " with the same arguments" : " with key " + quoted(b.key)) +
                             " (AMQP keeps one)");
    }

    // Exchanges that publish to each other in a cycle would route one message forever without
    // virtual time advancing. (RabbitMQ stops such loops per message; a designer tool refuses them.)
    {
        std::vector<std::vector<std::size_t>> next(t.nodes.size());
        for (const auto &l : t.links) {
            auto fi = index.find(l.from), ti = index.find(l.to);
            if (fi && ti && t.nodes[*fi].kind == "exchange" && t.nodes[*ti].kind == "exchange")
                next[*fi].push_back(*ti);
        }
        // Depth-first with an explicit stack: a chain of 100,000 exchanges must not overflow the
        // call stack.
        std::vector<int> state(t.nodes.size(), 0);             // 0 new, 1 on the path, 2 done
        std::vector<std::pair<std::size_t, std::size_t>> path; // node, next edge to follow
        bool found = false;
        for (std::size_t start = 0; start < t.nodes.size() && !found; ++start) {
            if (state[start] != 0) continue;
            state[start] = 1;
            path.push_back({start, 0});
            while (!path.empty() && !found) {
                auto &[n, edge] = path.back();
                if (edge == next[n].size()) {
                    state[n] = 2;
                    path.pop_back();
                    continue;
                }
                const std::size_t m = next[n][edge++];
                if (state[m] == 1) {
                    std::string cycle;
                    auto it =
                        std::find_if(path.begin(), path.end(), [&](const auto &p) { return p.first == m; });
                    for (; it != path.end(); ++it)
                        cycle += quoted(t.nodes[it->first].id) + " -> ";
                    c.error("$.nodes[" + std::to_string(m) + "]",
                            "exchanges " + cycle + quoted(t.nodes[m].id) +
                                " form a cycle: a message would be routed forever");
                    found = true;
                } else if (state[m] == 0) {
                    state[m] = 1;
                    path.push_back({m, 0});
                }
            }
        }
    }

    // Warnings for things that run but are probably not what was meant.
    std::set<std::pair<std::string_view, std::string_view>> bound;
    for (const auto &b : t.bindings)
        bound.emplace(b.exchange, b.destination);
    for (std::size_t li = 0; li < t.links.size(); ++li) {
        const auto &l = t.links[li];
        auto fi = index.find(l.from);
        if (!fi || t.nodes[*fi].kind != "exchange" || l.fromPort != "out") continue;
        const auto &props = t.nodes[*fi].properties;
        std::string type =
            props.contains("type") && props["type"].is_string() ? props["type"].get<std::string>() : "direct";
        if (type == "fanout") continue;
        if (!bound.count({l.from, l.to}))
            c.warn("$.links[" + std::to_string(li) + "]",
                   "link " + quoted(l.id) + ": " + type + " exchange " + quoted(l.from) +
                       " has no binding to " + quoted(l.to) + ", so nothing will be routed there");
    }
    // Ports with a link, as (node id, port name), one set per direction.
    std::set<std::pair<std::string_view, std::string_view>> usedOut, usedIn;
    for (const auto &l : t.links) {
        usedOut.emplace(l.from, l.fromPort);
        usedIn.emplace(l.to, l.toPort);
    }
    for (std::size_t i = 0; i < t.nodes.size(); ++i) {
        const auto &n = t.nodes[i];
        const NodeKindSpec *spec = c.reg.find(n.kind);
        if (!spec) continue;
        for (const auto &p : spec->ports) {
            if (p.need == PortSpec::Need::Optional) continue;
            const bool used =
                (p.direction == PortDirection::Out ? usedOut : usedIn).count({n.id, p.name}) > 0;
            if (used) continue;
            const std::string what =
                spec->kind + " " + quoted(n.id) + ": port " + quoted(p.name) + " is not connected";
            if (p.need == PortSpec::Need::Required)
                c.error("$.nodes[" + std::to_string(i) + "]", what + " (" + p.help + ")");
            else
                c.warn("$.nodes[" + std::to_string(i) + "]", what);
        }
    }
    if (t.run.speed < 0) c.error("$.run.speed", "speed must be \"max\" or a positive number");
    validateFaults(t, c.reg, c.diags);
}

const Json *member(Checker &c, const Json &obj, const char *key, const std::string &path, bool required,
                   Json::value_t type, const char *typeName)
{
    auto it = obj.find(key);
    if (it == obj.end()) {
        if (required) c.error(path, std::string("missing \"") + key + "\"");
        return nullptr;
    }
    bool ok =
        it->type() == type || (type == Json::value_t::number_float && it->is_number()) ||
        (type == Json::value_t::number_unsigned && it->is_number_integer() && it->get<std::int64_t>() >= 0);
    if (!ok) {
        c.error(path + "." + key, std::string("expected ") + typeName + ", got " + it->dump());
        return nullptr;
    }
    return &*it;
}

} // namespace

std::vector<Diagnostic> validateTopology(const Topology &t, const KindRegistry &registry)
{
    Checker c{registry, {}};
    validateModel(c, t);
    return c.diags;
}

namespace {

LoadResult parseTopologyDocument(std::string_view text, const std::string &source,
                                 const KindRegistry &registry)
{
    LoadResult result;
    Checker c{registry, {}};
    JsonError jsonError;
    auto parsed = parseJson(text, jsonError);
    if (!parsed) {
        result.diagnostics.push_back({Sev::Error, "", "not valid JSON: " + jsonError.reason, source,
                                      jsonError.line, jsonError.column});
        return result;
    }
    const Json root = std::move(*parsed);
    if (!root.is_object()) {
        result.diagnostics.push_back(
            {Sev::Error,
             "$",
             "a topology file is a JSON object, got " + std::string(root.type_name()),
             {},
             0,
             0});
        return result;
    }
    if (auto *f = member(c, root, "format", "$", true, Json::value_t::string, "a string")) {
        if (f->get<std::string>() != "signalbox-topology")
            c.error("$.format", "expected \"signalbox-topology\", got " + f->dump() +
                                    " (is this a Signalbox topology file?)");
    }
    if (auto *v = member(c, root, "version", "$", true, Json::value_t::number_unsigned, "a version number")) {
        const auto ver = v->get<std::uint64_t>(); // member() let only whole numbers >= 0 through
        if (ver > Topology::kFormatVersion)
            c.error("$.version", "written by a newer Signalbox (format version " + std::to_string(ver) +
                                     "); this one reads version " + std::to_string(Topology::kFormatVersion));
        else if (ver < 1)
            c.error("$.version", "format version must be 1 or more");
    }
    if (c.hasErrors()) {
        result.diagnostics = std::move(c.diags);
        return result;
    }

    static const std::set<std::string> knownTop = {"format", "version",  "name", "description", "nodes",
                                                   "links",  "bindings", "run",  "faults",      "gallery"};
    for (auto it = root.begin(); it != root.end(); ++it)
        if (!knownTop.count(it.key())) c.warn("$." + it.key(), "unknown field '" + it.key() + "' is ignored");

    Topology t;
    if (auto *n = member(c, root, "name", "$", false, Json::value_t::string, "a string"))
        t.name = n->get<std::string>();
    if (auto *d = member(c, root, "description", "$", false, Json::value_t::string, "a string"))
        t.description = d->get<std::string>();
    if (auto it = root.find("gallery"); it != root.end()) {
        std::vector<GalleryProblem> problems;
        t.gallery = parseGalleryInfo(*it, "$.gallery", problems);
        for (const GalleryProblem &p : problems)
            c.warn(p.path, p.message);
    }

    if (auto *nodes = member(c, root, "nodes", "$", true, Json::value_t::array, "an array of nodes")) {
        for (std::size_t i = 0; i < nodes->size(); ++i) {
            const Json &jn = (*nodes)[i];
            const std::string path = "$.nodes[" + std::to_string(i) + "]";
            if (!jn.is_object()) {
                c.error(path, "a node is an object, got " + jn.dump());
                continue;
            }
            NodeDef n;
            if (auto *id = member(c, jn, "id", path, true, Json::value_t::string, "a string"))
                n.id = id->get<std::string>();
            if (auto *k = member(c, jn, "kind", path, true, Json::value_t::string, "a string"))
                n.kind = k->get<std::string>();
            if (auto *nm = member(c, jn, "name", path, false, Json::value_t::string, "a string"))
                n.name = nm->get<std::string>();
            if (auto *p = member(c, jn, "properties", path, false, Json::value_t::object, "an object"))
                n.properties = *p;
            if (auto *clk = member(c, jn, "clock", path, false, Json::value_t::object,
                                   "an object {\"offset\": .., \"drift\": .., \"jumps\": [..]}"))
                n.clock = *clk;
            if (auto *pos = member(c, jn, "position", path, false, Json::value_t::object,
                                   "an object {\"x\":..,\"y\":..}")) {
                if (auto *x = member(c, *pos, "x", path + ".position", true, Json::value_t::number_float,
                                     "a number"))
                    n.position.x = x->get<double>();
                if (auto *y = member(c, *pos, "y", path + ".position", true, Json::value_t::number_float,
                                     "a number"))
                    n.position.y = y->get<double>();
            }
            for (auto it = jn.begin(); it != jn.end(); ++it)
                if (it.key() != "id" && it.key() != "kind" && it.key() != "name" &&
                    it.key() != "properties" && it.key() != "position" && it.key() != "clock")
                    c.warn(path + "." + it.key(), "unknown field '" + it.key() + "' is ignored");
            t.nodes.push_back(std::move(n));
        }
    }

    const NodeIdIndex nodeIndex(t.nodes);
    auto defaultPort = [&](const std::string &nodeId, PortDirection dir) -> std::string {
        auto ni = nodeIndex.find(nodeId);
        if (!ni) return {};
        const NodeKindSpec *s = registry.find(t.nodes[*ni].kind);
        if (!s) return {};
        for (const auto &p : s->ports)
            if (p.direction == dir) return p.name;
        return {};
    };

    if (auto *links = member(c, root, "links", "$", false, Json::value_t::array, "an array of links")) {
        for (std::size_t i = 0; i < links->size(); ++i) {
            const Json &jl = (*links)[i];
            const std::string path = "$.links[" + std::to_string(i) + "]";
            if (!jl.is_object()) {
                c.error(path, "a link is an object, got " + jl.dump());
                continue;
            }
            LinkDef l;
            if (auto *id = member(c, jl, "id", path, true, Json::value_t::string, "a string"))
                l.id = id->get<std::string>();
            if (auto *f = member(c, jl, "from", path, true, Json::value_t::string, "a node id"))
                l.from = f->get<std::string>();
            if (auto *to = member(c, jl, "to", path, true, Json::value_t::string, "a node id"))
                l.to = to->get<std::string>();
            if (auto *fp = member(c, jl, "fromPort", path, false, Json::value_t::string, "a port name"))
                l.fromPort = fp->get<std::string>();
            else
                l.fromPort = defaultPort(l.from, PortDirection::Out);
            if (auto *tp = member(c, jl, "toPort", path, false, Json::value_t::string, "a port name"))
                l.toPort = tp->get<std::string>();
            else
                l.toPort = defaultPort(l.to, PortDirection::In);
            if (auto *p = member(c, jl, "properties", path, false, Json::value_t::object, "an object"))
                l.properties = *p;
            t.links.push_back(std::move(l));
        }
    }

    if (auto *bindings =
            member(c, root, "bindings", "$", false, Json::value_t::array, "an array of bindings")) {
        for (std::size_t i = 0; i < bindings->size(); ++i) {
            const Json &jb = (*bindings)[i];
            const std::string path = "$.bindings[" + std::to_string(i) + "]";
            if (!jb.is_object()) {
                c.error(path, "a binding is an object, got " + jb.dump());
                continue;
            }
            BindingDef b;
            if (auto *e = member(c, jb, "exchange", path, true, Json::value_t::string, "a node id"))
                b.exchange = e->get<std::string>();
            if (auto *d = member(c, jb, "destination", path, true, Json::value_t::string, "a node id"))
                b.destination = d->get<std::string>();
            if (auto *k = member(c, jb, "key", path, false, Json::value_t::string, "a string"))
                b.key = k->get<std::string>();
            if (auto *a = member(c, jb, "arguments", path, false, Json::value_t::object,
                                 "an object of header names and values (headers exchange)"))
                b.arguments = *a;
            t.bindings.push_back(std::move(b));
        }
    }

    if (auto *run = member(c, root, "run", "$", false, Json::value_t::object, "an object")) {
        if (auto *s = member(c, *run, "seed", "$.run", false, Json::value_t::number_unsigned,
                             "a non-negative whole number"))
            t.run.seed = s->get<std::uint64_t>();
        if (auto *u = run->contains("until") ? &(*run)["until"] : nullptr) {
            std::optional<SimTime> d;
            if (u->is_string())
                d = parseDuration(u->get<std::string>());
            else if (u->is_number() && u->get<double>() >= 0 && u->get<double>() <= 9.0e12)
                d = fromMilliseconds(u->get<double>()); // at most what virtual time can count
            if (!d)
                c.error("$.run.until", "expected a duration such as \"10s\", got " + u->dump());
            else
                t.run.until = *d;
        }
        if (auto *m = member(c, *run, "messages", "$.run", false, Json::value_t::number_unsigned,
                             "a non-negative whole number"))
            t.run.messages = m->get<std::uint64_t>();
        if (auto *sp = run->contains("speed") ? &(*run)["speed"] : nullptr) {
            if (sp->is_string() && sp->get<std::string>() == "max")
                t.run.speed = 0;
            else if (sp->is_number() && sp->get<double>() > 0)
                t.run.speed = sp->get<double>();
            else
                c.error("$.run.speed", "expected \"max\" or a positive number, got " + sp->dump());
        }
    }

    if (auto *faults = member(c, root, "faults", "$", false, Json::value_t::array, "an array of faults"))
        readFaults(*faults, t.faults, c.diags);

    if (!c.hasErrors()) validateModel(c, t);
    result.diagnostics = std::move(c.diags);
    bool errors = false;
    for (const auto &d : result.diagnostics)
        errors = errors || d.severity == Sev::Error;
    if (!errors) result.topology = std::move(t);
    return result;
}

} // namespace

LoadResult parseTopology(std::string_view text, const std::string &source, const KindRegistry &registry)
{
    // Every read of the document is guarded by a type check; this is the net under them, so
    // that no crafted file can end the program with an uncaught exception.
    try {
        return parseTopologyDocument(text, source, registry);
    } catch (const std::exception &e) {
        LoadResult r;
        r.diagnostics.push_back({Sev::Error, "", std::string("cannot be read: ") + e.what(), source, 0, 0});
        return r;
    }
}

LoadResult loadTopologyFile(const std::string &path, const KindRegistry &registry)
{
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) {
        // Linux lets a directory be opened for reading; it would read as an empty document.
        LoadResult r;
        r.diagnostics.push_back({Sev::Error, "", "cannot open (is a directory)", path, 0, 0});
        return r;
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        LoadResult r;
        r.diagnostics.push_back(
            {Sev::Error, "", std::string("cannot open (") + std::strerror(errno) + ")", path, 0, 0});
        return r;
    }
    std::stringstream ss;
    ss << in.rdbuf();
    const std::string text = ss.str();
    auto r = parseTopology(text, path, registry);
    for (auto &d : r.diagnostics)
        d.file = path;
    return r;
}

Json topologyToJson(const Topology &t)
{
    Json root;
    root["format"] = "signalbox-topology";
    root["version"] = Topology::kFormatVersion;
    if (!t.name.empty()) root["name"] = t.name;
    if (!t.description.empty()) root["description"] = t.description;
    if (!t.gallery.empty()) root["gallery"] = galleryInfoToJson(t.gallery);
    Json nodes = Json::array();
    for (const auto &n : t.nodes) {
        Json j;
        j["id"] = n.id;
        j["kind"] = n.kind;
        if (!n.name.empty()) j["name"] = n.name;
        if (!n.properties.empty()) j["properties"] = n.properties;
        if (!n.clock.empty()) j["clock"] = n.clock;
        j["position"] = {{"x", n.position.x}, {"y", n.position.y}};
        nodes.push_back(std::move(j));
    }
    root["nodes"] = std::move(nodes);
    Json links = Json::array();
    for (const auto &l : t.links) {
        Json j;
        j["id"] = l.id;
        j["from"] = l.from;
        j["fromPort"] = l.fromPort;
        j["to"] = l.to;
        j["toPort"] = l.toPort;
        if (!l.properties.empty()) j["properties"] = l.properties;
        links.push_back(std::move(j));
    }
    root["links"] = std::move(links);
    Json bindings = Json::array();
    for (const auto &b : t.bindings) {
        Json jb = {{"exchange", b.exchange}, {"destination", b.destination}, {"key", b.key}};
        if (!b.arguments.empty()) jb["arguments"] = b.arguments;
        bindings.push_back(std::move(jb));
    }
    root["bindings"] = std::move(bindings);
    Json run;
    run["seed"] = t.run.seed;
    if (t.run.until) run["until"] = formatDurationExact(*t.run.until);
    if (t.run.messages) run["messages"] = t.run.messages;
    if (t.run.speed > 0)
        run["speed"] = t.run.speed;
    else
        run["speed"] = "max";
    root["run"] = std::move(run);
    if (!t.faults.empty()) {
        Json faults = Json::array();
        for (const auto &f : t.faults)
            faults.push_back(faultToJson(f));
        root["faults"] = std::move(faults);
    }
    return root;
}

std::string serializeTopology(const Topology &t)
{
    return topologyToJson(t).dump(2) + "\n";
}

bool saveTopologyFile(const Topology &t, const std::string &path, std::string &error)
{
    namespace fs = std::filesystem;
    const std::string text = serializeTopology(t);
    const std::string tmp = path + ".saving";
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        if (!out) {
            error = path + ": cannot write (" + std::strerror(errno) + ")";
            return false;
        }
        out << text;
        out.flush();
        if (!out) {
            error = path + ": writing failed (disk full?)";
            std::error_code ec;
            fs::remove(tmp, ec);
            return false;
        }
    }
    std::error_code ec;
    fs::rename(tmp, path, ec);
    if (ec) {
        error = path + ": cannot replace the file (" + ec.message() + ")";
        fs::remove(tmp, ec);
        return false;
    }
    return true;
}

} // namespace sb
