#include "topologydocument.h"

#include "topologycommands.h"

#include "nodes/amqp/headersmatch.h"
#include "nodes/sns/sns.h"

#include <QUndoStack>

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <set>
#include <unordered_map>
#include <unordered_set>

namespace sb {

namespace {

QString q(const std::string &s)
{
    return QString::fromStdString(s);
}

std::string s(const QString &text)
{
    return text.toStdString();
}

QString quoted(const std::string &text)
{
    return QLatin1Char('"') + q(text) + QLatin1Char('"');
}

bool fail(QString *error, const QString &reason)
{
    if (error) *error = reason;
    return false;
}

QString portNames(const NodeKindSpec &spec, PortDirection direction)
{
    QStringList names;
    for (const auto &p : spec.ports)
        if (p.direction == direction) names << q(p.name);
    return names.isEmpty() ? QStringLiteral("none") : names.join(QStringLiteral(", "));
}

QString unknownProperty(const std::vector<PropertySpec> &specs, const std::string &key, const QString &owner)
{
    std::vector<std::string> keys;
    for (const auto &p : specs)
        keys.push_back(p.key);
    const std::string hint = closestMatch(key, keys);
    QStringList known;
    for (const auto &k : keys)
        known << q(k);
    return TopologyDocument::tr("%1 has no property \"%2\"%3 (known: %4)")
        .arg(owner, q(key),
             hint.empty() ? QString() : TopologyDocument::tr(" (did you mean \"%1\"?)").arg(q(hint)),
             known.join(QStringLiteral(", ")));
}

std::string exchangeType(const NodeDef &exchange)
{
    const auto it = exchange.properties.find("type");
    return it != exchange.properties.end() && it->is_string() ? it->get<std::string>() : "direct";
}

// Whether a binding from `exchange` to `destination` has its link: an exchange's "out" link, or an
// SNS topic's subscription (a link from its "sqs" or "https" port).
bool hasRoute(const Topology &t, const std::string &exchange, const std::string &destination)
{
    return std::any_of(t.links.begin(), t.links.end(), [&](const LinkDef &l) {
        return l.from == exchange && l.to == destination &&
               (l.fromPort == "out" || l.fromPort == "sqs" || l.fromPort == "https");
    });
}

// An SNS subscription's attributes as the window edits them: one line of JSON
// ({"FilterPolicy": {...}, "RawMessageDelivery": true}); the reason it cannot be taken (the JSON's
// column, or the attribute and AWS's rule), or empty.
std::string snsAttributesFromText(const std::string &text, bool https, Json &arguments)
{
    try {
        arguments = Json::parse(text);
    } catch (const Json::parse_error &e) {
        return "not JSON at column " + std::to_string(e.byte) +
               ": write the attributes as {\"FilterPolicy\": {...}}";
    }
    if (!arguments.is_object())
        return "the attributes must be a JSON object, such as {\"RawMessageDelivery\": true}";
    std::vector<SnsAttributeProblem> problems;
    parseSnsSubscription(arguments, https, problems);
    if (!problems.empty()) {
        const std::string &path = problems.front().path;
        return path.substr(!path.empty() && path[0] == '.' ? 1 : 0) + ": " + problems.front().message;
    }
    return {};
}

} // namespace

std::string snsSubscriptionFromText(const std::string &text, bool https, Json &arguments)
{
    return snsAttributesFromText(text, https, arguments);
}

TopologyDocument::TopologyDocument(QObject *parent) : QObject(parent), m_undoStack(new QUndoStack(this))
{
    connect(m_undoStack, &QUndoStack::cleanChanged, this, &TopologyDocument::onCleanChanged);
}

TopologyDocument::~TopologyDocument()
{
    // The commands call back into this document; they must go before the topology does.
    disconnect(m_undoStack, nullptr, this, nullptr);
    delete m_undoStack;
}

// Reading

const NodeDef *TopologyDocument::node(const QString &id) const
{
    const auto i = m_topology.nodeIndex(s(id));
    return i ? &m_topology.nodes[*i] : nullptr;
}

const LinkDef *TopologyDocument::link(const QString &id) const
{
    const auto i = m_topology.linkIndex(s(id));
    return i ? &m_topology.links[*i] : nullptr;
}

QStringList TopologyDocument::nodeIds() const
{
    QStringList ids;
    for (const auto &n : m_topology.nodes)
        ids << q(n.id);
    return ids;
}

QStringList TopologyDocument::linkIds() const
{
    QStringList ids;
    for (const auto &l : m_topology.links)
        ids << q(l.id);
    return ids;
}

QStringList TopologyDocument::linksOf(const QString &nodeId) const
{
    const std::string id = s(nodeId);
    QStringList ids;
    for (const auto &l : m_topology.links)
        if (l.from == id || l.to == id) ids << q(l.id);
    return ids;
}

QStringList TopologyDocument::bindings(const QString &exchangeId, const QString &destinationId) const
{
    const std::string ex = s(exchangeId), dest = s(destinationId);
    const NodeDef *exchange = node(exchangeId);
    const bool headers = exchange && exchange->kind == "exchange" && exchangeType(*exchange) == "headers";
    const bool sns = exchange && exchange->kind == "sns-topic";
    QStringList keys;
    for (const auto &b : m_topology.bindings)
        if (b.exchange == ex && b.destination == dest)
            keys << q(sns ? b.arguments.dump() : headers ? HeadersBinding::toText(b.arguments) : b.key);
    return keys;
}

namespace {
std::optional<std::size_t> faultIndex(const Topology &t, const std::string &id)
{
    for (std::size_t i = 0; i < t.faults.size(); ++i)
        if (t.faults[i].id == id) return i;
    return std::nullopt;
}
} // namespace

const FaultDef *TopologyDocument::fault(const QString &id) const
{
    const auto i = faultIndex(m_topology, s(id));
    return i ? &m_topology.faults[*i] : nullptr;
}

QStringList TopologyDocument::faultIds() const
{
    QStringList ids;
    for (const auto &f : m_topology.faults)
        ids << q(f.id);
    return ids;
}

QString TopologyDocument::uniqueFaultId() const
{
    for (int n = 1;; ++n) {
        const std::string id = "f" + std::to_string(n);
        if (!faultIndex(m_topology, id)) return q(id);
    }
}

void TopologyDocument::setClean()
{
    m_undoStack->setClean();
}

QString TopologyDocument::uniqueId(const QString &base) const
{
    for (int n = 1;; ++n) {
        const QString id = QStringLiteral("%1-%2").arg(base).arg(n);
        const std::string sid = s(id);
        if (!m_topology.nodeIndex(sid) && !m_topology.linkIndex(sid)) return id;
    }
}

void TopologyDocument::onCleanChanged(bool clean)
{
    if (m_modified == !clean) return;
    m_modified = !clean;
    Q_EMIT modifiedChanged(m_modified);
}

QString TopologyDocument::newError(const Topology &candidate) const
{
    // Compare by message: paths shift with indices, and a document may already hold problems
    // (for example a pasted fanout binding) that an unrelated edit must not be blamed for.
    std::multiset<std::string> existing;
    for (const auto &d : validateTopology(m_topology))
        if (d.severity == Diagnostic::Severity::Error) existing.insert(d.message);
    for (const auto &d : validateTopology(candidate)) {
        if (d.severity != Diagnostic::Severity::Error) continue;
        auto it = existing.find(d.message);
        if (it == existing.end()) return q(d.message);
        existing.erase(it);
    }
    return {};
}

// Editing

QString TopologyDocument::addNode(const QString &kind, QPointF pos, QString *error)
{
    const KindRegistry &registry = KindRegistry::builtin();
    if (!registry.find(s(kind))) {
        const std::string hint = closestMatch(s(kind), registry.kindNames());
        QStringList known;
        for (const auto &k : registry.kindNames())
            known << q(k);
        fail(error,
             tr("unknown node kind %1%2 (known: %3)")
                 .arg(quoted(s(kind)), hint.empty() ? QString() : tr(" (did you mean %1?)").arg(quoted(hint)),
                      known.join(QStringLiteral(", "))));
        return {};
    }
    if (!std::isfinite(pos.x()) || !std::isfinite(pos.y())) {
        fail(error, tr("a node's position must be finite"));
        return {};
    }
    NodeDef n;
    n.id = s(uniqueId(kind));
    n.kind = s(kind);
    n.position = {pos.x(), pos.y()};
    const QString id = q(n.id);
    m_undoStack->push(new NodeCommand(this, std::move(n), m_topology.nodes.size(), false));
    return id;
}

QString TopologyDocument::addNodeFromTemplate(const QString &templateId, QPointF pos, QString *error)
{
    const KindRegistry &registry = KindRegistry::builtin();
    const NodeTemplate *t = registry.findTemplate(s(templateId));
    if (!t) {
        std::vector<std::string> ids;
        QStringList known;
        for (const auto &each : registry.templates()) {
            ids.push_back(each.id);
            known << q(each.id);
        }
        const std::string hint = closestMatch(s(templateId), ids);
        fail(error, tr("unknown template %1%2 (known: %3)")
                        .arg(quoted(s(templateId)),
                             hint.empty() ? QString() : tr(" (did you mean %1?)").arg(quoted(hint)),
                             known.join(QStringLiteral(", "))));
        return {};
    }
    const NodeKindSpec *spec = registry.find(t->kind);
    if (!spec) {
        fail(error, tr("template %1: unknown node kind %2").arg(quoted(t->id), quoted(t->kind)));
        return {};
    }
    if (!std::isfinite(pos.x()) || !std::isfinite(pos.y())) {
        fail(error, tr("a node's position must be finite"));
        return {};
    }
    // The registry's own templates are checked by its tests; this keeps a bad one from entering
    // a document all the same, with the place named.
    for (auto it = t->properties.begin(); it != t->properties.end(); ++it) {
        const PropertySpec *property = spec->property(it.key());
        const QString owner = tr("template %1").arg(quoted(t->id));
        if (!property) {
            fail(error, unknownProperty(spec->properties, it.key(), owner));
            return {};
        }
        if (const std::string why = checkPropertyValue(*property, *it); !why.empty()) {
            fail(error, tr("%1: property \"%2\": %3").arg(owner, q(it.key()), q(why)));
            return {};
        }
    }
    NodeDef n;
    n.id = s(uniqueId(q(t->id)));
    n.kind = t->kind;
    n.name = t->label;
    const auto nameTaken = [this](const std::string &name) {
        return std::any_of(m_topology.nodes.begin(), m_topology.nodes.end(),
                           [&](const NodeDef &other) { return other.name == name; });
    };
    for (int k = 2; nameTaken(n.name); ++k)
        n.name = t->label + ' ' + std::to_string(k);
    n.properties = t->properties;
    n.position = {pos.x(), pos.y()};
    // Not the whole topology check: a new client's calls port is not connected yet, which is an
    // error for a run but not for a placement (addNode places a bare one all the same).
    if (spec->check) {
        std::vector<std::pair<std::string, std::string>> problems;
        spec->check(PropertyBag(spec->properties, n.properties), problems);
        // Only what the template sets can be wrong in it; a value it leaves for the person to fill
        // in (a reply queue's id) is reported by the topology's own check, as for a bare node.
        for (const auto &[key, why] : problems) {
            if (!t->properties.contains(key)) continue;
            fail(error, tr("template %1: property \"%2\": %3").arg(quoted(t->id), q(key), q(why)));
            return {};
        }
    }
    const QString id = q(n.id);
    m_undoStack->push(new NodeCommand(this, std::move(n), m_topology.nodes.size(), false));
    return id;
}

bool TopologyDocument::removeItems(const QStringList &nodeIds, const QStringList &linkIds, QString *error)
{
    if (nodeIds.isEmpty() && linkIds.isEmpty()) return fail(error, tr("nothing to remove"));
    std::set<std::string> nodes, links;
    for (const QString &id : nodeIds) {
        if (!m_topology.nodeIndex(s(id))) return fail(error, tr("no node with id %1").arg(quoted(s(id))));
        nodes.insert(s(id));
    }
    for (const QString &id : linkIds) {
        if (!m_topology.linkIndex(s(id))) return fail(error, tr("no link with id %1").arg(quoted(s(id))));
        links.insert(s(id));
    }
    for (const auto &l : m_topology.links)
        if (nodes.contains(l.from) || nodes.contains(l.to)) links.insert(l.id);

    Topology after = m_topology;
    std::erase_if(after.nodes, [&](const NodeDef &n) { return nodes.contains(n.id); });
    std::erase_if(after.links, [&](const LinkDef &l) { return links.contains(l.id); });
    // A binding needs its exchange's "out" link to the destination.
    std::erase_if(after.bindings,
                  [&](const BindingDef &b) { return !hasRoute(after, b.exchange, b.destination); });

    // A fault that names a removed node or link would make the plan invalid: it goes too.
    auto names = [&](const FaultDef &f) {
        if (nodes.contains(f.target) || links.contains(f.target)) return true;
        return std::any_of(f.nodes.begin(), f.nodes.end(),
                           [&](const std::string &n) { return nodes.contains(n); });
    };

    auto *macro =
        new QUndoCommand(nodes.size() + links.size() == 1
                             ? tr("Remove %1").arg(q(nodes.empty() ? *links.begin() : *nodes.begin()))
                             : tr("Remove %n items", nullptr, int(nodes.size() + links.size())));
    if (after.bindings != m_topology.bindings)
        new BindingsCommand(this, m_topology.bindings, after.bindings, macro);
    // Last first, so that undo reinserts each item at its original index (the faults after the
    // nodes and links they name).
    for (std::size_t i = m_topology.faults.size(); i-- > 0;)
        if (names(m_topology.faults[i])) new FaultCommand(this, m_topology.faults[i], i, true, macro);
    for (std::size_t i = m_topology.links.size(); i-- > 0;)
        if (links.contains(m_topology.links[i].id))
            new LinkCommand(this, m_topology.links[i], i, true, macro);
    for (std::size_t i = m_topology.nodes.size(); i-- > 0;)
        if (nodes.contains(m_topology.nodes[i].id))
            new NodeCommand(this, m_topology.nodes[i], i, true, macro);
    m_undoStack->push(macro);
    return true;
}

bool TopologyDocument::moveNodes(const QHash<QString, QPointF> &to, bool finished, QString *error)
{
    if (to.isEmpty()) return fail(error, tr("no node to move"));
    std::map<std::string, MoveCommand::Step> steps;
    for (auto it = to.begin(); it != to.end(); ++it) {
        const NodeDef *n = node(it.key());
        if (!n) return fail(error, tr("no node with id %1").arg(quoted(s(it.key()))));
        if (!std::isfinite(it.value().x()) || !std::isfinite(it.value().y()))
            return fail(error, tr("node %1: the position must be finite").arg(quoted(n->id)));
        steps[n->id] = {n->position, {it.value().x(), it.value().y()}};
    }
    m_undoStack->push(new MoveCommand(this, std::move(steps), finished));
    return true;
}

bool TopologyDocument::setNodeProperty(const QString &id, const QString &key, const Json &value,
                                       QString *error)
{
    const NodeDef *n = node(id);
    if (!n) return fail(error, tr("no node with id %1").arg(quoted(s(id))));
    const NodeKindSpec *spec = KindRegistry::builtin().find(n->kind);
    const QString owner = QStringLiteral("%1 %2").arg(q(n->kind), quoted(n->id));
    if (!spec) return fail(error, tr("%1: unknown kind").arg(owner));
    const PropertySpec *property = spec->property(s(key));
    if (!property) return fail(error, unknownProperty(spec->properties, s(key), owner));
    const std::string why = checkPropertyValue(*property, value);
    if (!why.empty()) return fail(error, tr("%1: property \"%2\": %3").arg(owner, key, q(why)));

    Json properties = n->properties;
    properties[s(key)] = value;
    if (properties == n->properties) return true;
    Topology candidate = m_topology;
    candidate.nodes[*m_topology.nodeIndex(n->id)].properties = properties;
    if (const QString problem = newError(candidate); !problem.isEmpty()) return fail(error, problem);
    m_undoStack->push(
        new PropertyCommand(this, PropertyCommand::Target::Node, n->id, s(key), n->properties, properties));
    return true;
}

bool TopologyDocument::setNodeClock(const QString &id, const QString &key, const Json &value, QString *error)
{
    const NodeDef *n = node(id);
    if (!n) return fail(error, tr("no node with id %1").arg(quoted(s(id))));
    const QString owner = QStringLiteral("%1 %2 clock").arg(q(n->kind), quoted(n->id));
    const auto &specs = KindRegistry::builtin().clockProperties();
    const auto spec =
        std::find_if(specs.begin(), specs.end(), [&key](const PropertySpec &p) { return p.key == s(key); });
    if (spec == specs.end()) return fail(error, unknownProperty(specs, s(key), owner));
    const std::string why = checkPropertyValue(*spec, value);
    if (!why.empty()) return fail(error, tr("%1: \"%2\": %3").arg(owner, key, q(why)));
    Json clock = n->clock.is_object() ? n->clock : Json::object();
    clock[s(key)] = value;
    if (clock == n->clock) return true;
    Topology candidate = m_topology;
    candidate.nodes[*m_topology.nodeIndex(n->id)].clock = clock;
    if (const QString problem = newError(candidate); !problem.isEmpty()) return fail(error, problem);
    m_undoStack->push(
        new PropertyCommand(this, PropertyCommand::Target::Clock, n->id, s(key), n->clock, clock));
    return true;
}

bool TopologyDocument::resetNodeClock(const QString &id, const QString &key, QString *error)
{
    const NodeDef *n = node(id);
    if (!n) return fail(error, tr("no node with id %1").arg(quoted(s(id))));
    if (!n->clock.is_object() || !n->clock.contains(s(key))) return true;
    Json clock = n->clock;
    clock.erase(s(key));
    m_undoStack->push(
        new PropertyCommand(this, PropertyCommand::Target::Clock, n->id, s(key), n->clock, clock));
    return true;
}

bool TopologyDocument::resetNodeProperty(const QString &id, const QString &key, QString *error)
{
    const NodeDef *n = node(id);
    if (!n) return fail(error, tr("no node with id %1").arg(quoted(s(id))));
    const NodeKindSpec *spec = KindRegistry::builtin().find(n->kind);
    const QString owner = QStringLiteral("%1 %2").arg(q(n->kind), quoted(n->id));
    if (spec && !spec->property(s(key)) && !n->properties.contains(s(key)))
        return fail(error, unknownProperty(spec->properties, s(key), owner));
    if (!n->properties.contains(s(key))) return true;
    Json properties = n->properties;
    properties.erase(s(key));
    Topology candidate = m_topology;
    candidate.nodes[*m_topology.nodeIndex(n->id)].properties = properties;
    if (const QString problem = newError(candidate); !problem.isEmpty()) return fail(error, problem);
    m_undoStack->push(
        new PropertyCommand(this, PropertyCommand::Target::Node, n->id, s(key), n->properties, properties));
    return true;
}

bool TopologyDocument::renameNode(const QString &id, const QString &name, QString *error)
{
    const NodeDef *n = node(id);
    if (!n) return fail(error, tr("no node with id %1").arg(quoted(s(id))));
    if (name.contains(QLatin1Char('\n'))) return fail(error, tr("a node's name is one line"));
    if (n->name == s(name)) return true;
    m_undoStack->push(new RenameCommand(this, n->id, n->name, s(name)));
    return true;
}

QString TopologyDocument::checkNodeId(const QString &id, const QString &newId) const
{
    if (!node(id)) return tr("no node with id %1").arg(quoted(s(id)));
    if (newId == id) return {};
    if (newId.isEmpty()) return tr("an id cannot be empty");
    if (!isValidId(s(newId)))
        return tr("%1 is not a valid id: use 1 to 64 letters, digits, '_', '.', ':' or '-', starting with a "
                  "letter or digit")
            .arg(quoted(s(newId)));
    if (node(newId)) return tr("another node already has the id %1").arg(quoted(s(newId)));
    if (link(newId)) return tr("a link already has the id %1").arg(quoted(s(newId)));
    return {};
}

bool TopologyDocument::changeNodeId(const QString &id, const QString &newId, QString *error)
{
    if (const QString why = checkNodeId(id, newId); !why.isEmpty()) return fail(error, why);
    if (newId == id) return true;
    m_undoStack->push(new NodeIdCommand(this, s(id), s(newId)));
    return true;
}

QString TopologyDocument::checkNewLink(const LinkDef &l) const
{
    const NodeDef *from = node(q(l.from));
    const NodeDef *to = node(q(l.to));
    if (!from) return tr("no node with id %1").arg(quoted(l.from));
    if (!to) return tr("no node with id %1").arg(quoted(l.to));
    if (l.from == l.to) return tr("a link cannot connect node %1 to itself").arg(quoted(l.from));
    const KindRegistry &registry = KindRegistry::builtin();
    const NodeKindSpec *fs = registry.find(from->kind);
    const NodeKindSpec *ts = registry.find(to->kind);
    if (!fs || !ts) return tr("cannot link a node of unknown kind");
    const auto fp = fs->port(l.fromPort);
    const auto tp = ts->port(l.toPort);
    if (!fp)
        return tr("%1 %2 has no port %3 (outputs: %4)")
            .arg(q(from->kind), quoted(l.from), quoted(l.fromPort), portNames(*fs, PortDirection::Out));
    if (!tp)
        return tr("%1 %2 has no port %3 (inputs: %4)")
            .arg(q(to->kind), quoted(l.to), quoted(l.toPort), portNames(*ts, PortDirection::In));
    const PortSpec &fromSpec = fs->ports[*fp];
    const PortSpec &toSpec = ts->ports[*tp];
    if (fromSpec.direction != PortDirection::Out)
        return tr("port %1 of %2 is an input; a link starts at an output (outputs: %3)")
            .arg(quoted(l.fromPort), quoted(l.from), portNames(*fs, PortDirection::Out));
    if (toSpec.direction != PortDirection::In)
        return tr("port %1 of %2 is an output; a link ends at an input (inputs: %3)")
            .arg(quoted(l.toPort), quoted(l.to), portNames(*ts, PortDirection::In));
    const QString ends = QStringLiteral("%1.%2 to %3.%4").arg(q(l.from), q(l.fromPort), q(l.to), q(l.toPort));
    if (fromSpec.protocol != toSpec.protocol)
        return tr("cannot connect %1: one carries %2, the other %3")
            .arg(ends, QLatin1String(protocolName(fromSpec.protocol)),
                 QLatin1String(protocolName(toSpec.protocol)));
    for (const auto &other : m_topology.links) {
        if (other.from == l.from && other.fromPort == l.fromPort && other.to == l.to &&
            other.toPort == l.toPort)
            return tr("cannot connect %1: they are already linked (%2)").arg(ends, quoted(other.id));
        if (!fromSpec.multiple && other.from == l.from && other.fromPort == l.fromPort)
            return tr("cannot connect %1: port %2 of %3 takes one link only and already has %4")
                .arg(ends, quoted(l.fromPort), quoted(l.from), quoted(other.id));
        if (!toSpec.multiple && other.to == l.to && other.toPort == l.toPort)
            return tr("cannot connect %1: port %2 of %3 takes one link only and already has %4")
                .arg(ends, quoted(l.toPort), quoted(l.to), quoted(other.id));
    }
    // Anything the direct checks miss (an exchange cycle, ...), exactly as the loader sees it.
    Topology candidate = m_topology;
    candidate.links.push_back(l);
    if (const QString problem = newError(candidate); !problem.isEmpty())
        return tr("cannot connect %1: %2").arg(ends, problem);
    return {};
}

QString TopologyDocument::checkLink(const QString &fromNode, const QString &fromPort, const QString &toNode,
                                    const QString &toPort) const
{
    LinkDef l;
    l.id = s(uniqueId(QStringLiteral("link"))); // the id addLink() would give it
    l.from = s(fromNode);
    l.fromPort = s(fromPort);
    l.to = s(toNode);
    l.toPort = s(toPort);
    return checkNewLink(l);
}

QString TopologyDocument::addLink(const QString &fromNode, const QString &fromPort, const QString &toNode,
                                  const QString &toPort, QString *error)
{
    LinkDef l;
    l.id = s(uniqueId(QStringLiteral("link")));
    l.from = s(fromNode);
    l.fromPort = s(fromPort);
    l.to = s(toNode);
    l.toPort = s(toPort);
    if (const QString problem = checkNewLink(l); !problem.isEmpty()) {
        fail(error, problem);
        return {};
    }
    const QString id = q(l.id);
    m_undoStack->push(new LinkCommand(this, std::move(l), m_topology.links.size(), false));
    return id;
}

bool TopologyDocument::setLinkProperty(const QString &id, const QString &key, const Json &value,
                                       QString *error)
{
    const LinkDef *l = link(id);
    if (!l) return fail(error, tr("no link with id %1").arg(quoted(s(id))));
    const auto &specs = KindRegistry::builtin().linkProperties();
    const QString owner = tr("link %1").arg(quoted(l->id));
    const auto property =
        std::find_if(specs.begin(), specs.end(), [&](const PropertySpec &p) { return p.key == s(key); });
    if (property == specs.end()) return fail(error, unknownProperty(specs, s(key), owner));
    const std::string why = checkPropertyValue(*property, value);
    if (!why.empty()) return fail(error, tr("%1: property \"%2\": %3").arg(owner, key, q(why)));
    Json properties = l->properties;
    properties[s(key)] = value;
    if (properties == l->properties) return true;
    m_undoStack->push(
        new PropertyCommand(this, PropertyCommand::Target::Link, l->id, s(key), l->properties, properties));
    return true;
}

bool TopologyDocument::resetLinkProperty(const QString &id, const QString &key, QString *error)
{
    const LinkDef *l = link(id);
    if (!l) return fail(error, tr("no link with id %1").arg(quoted(s(id))));
    const auto &specs = KindRegistry::builtin().linkProperties();
    const bool known =
        std::any_of(specs.begin(), specs.end(), [&](const PropertySpec &p) { return p.key == s(key); });
    if (!known && !l->properties.contains(s(key)))
        return fail(error, unknownProperty(specs, s(key), tr("link %1").arg(quoted(l->id))));
    if (!l->properties.contains(s(key))) return true;
    Json properties = l->properties;
    properties.erase(s(key));
    m_undoStack->push(
        new PropertyCommand(this, PropertyCommand::Target::Link, l->id, s(key), l->properties, properties));
    return true;
}

bool TopologyDocument::setBindingKeys(const QString &exchangeId, const QString &destinationId,
                                      const QStringList &keys, QString *error)
{
    const NodeDef *ex = node(exchangeId);
    if (!ex) return fail(error, tr("no node with id %1").arg(quoted(s(exchangeId))));
    if (ex->kind != "exchange" && ex->kind != "sns-topic")
        return fail(error, tr("%1 is a %2, not an exchange; only exchanges and SNS topics have bindings")
                               .arg(quoted(ex->id), q(ex->kind)));
    const NodeDef *dest = node(destinationId);
    if (!dest) return fail(error, tr("no node with id %1").arg(quoted(s(destinationId))));
    if (!keys.isEmpty() && !hasRoute(m_topology, ex->id, dest->id))
        return fail(error, tr("exchange %1 has no link from its \"out\" port to %2; draw the link first, "
                              "then bind it")
                               .arg(quoted(ex->id), quoted(dest->id)));
    const std::string type = ex->kind == "sns-topic" ? "sns" : exchangeType(*ex);
    std::set<std::string> seen;
    std::vector<BindingDef> added;
    if (type == "sns" && keys.size() > 1)
        return fail(error, tr("subscription %1 -> %2: one line of attributes, not %3")
                               .arg(quoted(ex->id), quoted(dest->id))
                               .arg(keys.size()));
    for (const QString &key : keys) {
        if (type == "sns") {
            // A subscription's attributes, as AWS names them: {"FilterPolicy": {...}, ...}.
            const bool https =
                std::any_of(m_topology.links.begin(), m_topology.links.end(), [&](const LinkDef &l) {
                    return l.from == ex->id && l.to == dest->id && l.fromPort == "https";
                });
            BindingDef b{ex->id, dest->id, ""};
            const std::string why = snsAttributesFromText(s(key), https, b.arguments);
            if (!why.empty())
                return fail(error,
                            tr("subscription %1 -> %2: %3").arg(quoted(ex->id), quoted(dest->id), q(why)));
            added.push_back(std::move(b));
            continue;
        }
        if (type == "headers") {
            // A headers binding in its one-line form: "x-match=any, format=zip".
            BindingDef b{ex->id, dest->id, ""};
            std::string why = HeadersBinding::fromText(s(key), b.arguments);
            if (why.empty()) why = HeadersBinding::check(b.arguments);
            if (!why.empty())
                return fail(error, tr("binding %1 -> %2, arguments %3: %4")
                                       .arg(quoted(ex->id), quoted(dest->id), quoted(s(key)), q(why)));
            if (!seen.insert(b.arguments.dump()).second)
                return fail(error, tr("binding %1 -> %2: arguments %3 are listed twice")
                                       .arg(quoted(ex->id), quoted(dest->id), quoted(s(key))));
            added.push_back(std::move(b));
            continue;
        }
        const std::string why = checkBindingKey(type, s(key));
        if (!why.empty())
            return fail(error, tr("binding %1 -> %2, key %3: %4")
                                   .arg(quoted(ex->id), quoted(dest->id), quoted(s(key)), q(why)));
        if (!seen.insert(s(key)).second)
            return fail(error, tr("binding %1 -> %2: key %3 is listed twice")
                                   .arg(quoted(ex->id), quoted(dest->id), quoted(s(key))));
        added.push_back({ex->id, dest->id, s(key)});
    }
    // The new keys take the place of the pair's first binding, so that other bindings keep theirs.
    std::vector<BindingDef> after;
    bool placed = false;
    for (const auto &b : m_topology.bindings) {
        if (b.exchange != ex->id || b.destination != dest->id) {
            after.push_back(b);
        } else if (!placed) {
            after.insert(after.end(), added.begin(), added.end());
            placed = true;
        }
    }
    if (!placed) after.insert(after.end(), added.begin(), added.end());
    if (after == m_topology.bindings) return true;
    Topology candidate = m_topology;
    candidate.bindings = after;
    if (const QString problem = newError(candidate); !problem.isEmpty()) return fail(error, problem);
    auto *command = new BindingsCommand(this, m_topology.bindings, std::move(after));
    command->setText(tr("Bind %1 to %2").arg(q(ex->id), q(dest->id)));
    m_undoStack->push(command);
    return true;
}

QByteArray TopologyDocument::copy(const QStringList &nodeIds) const
{
    std::set<std::string> ids;
    for (const QString &id : nodeIds)
        ids.insert(s(id));
    Topology sub;
    for (const auto &n : m_topology.nodes)
        if (ids.contains(n.id)) sub.nodes.push_back(n);
    for (const auto &l : m_topology.links)
        if (ids.contains(l.from) && ids.contains(l.to)) sub.links.push_back(l);
    for (const auto &b : m_topology.bindings)
        if (ids.contains(b.exchange) && ids.contains(b.destination)) sub.bindings.push_back(b);
    return QByteArray::fromStdString(serializeTopology(sub));
}

QStringList TopologyDocument::paste(const QByteArray &json, QPointF offset, QString *error,
                                    const QString &undoText)
{
    const LoadResult loaded =
        parseTopology(std::string_view(json.constData(), std::size_t(json.size())), "clipboard");
    if (!loaded.ok()) {
        QString first;
        for (const auto &d : loaded.diagnostics)
            if (d.severity == Diagnostic::Severity::Error && first.isEmpty()) first = q(d.toString());
        fail(error, tr("the clipboard does not hold a topology: %1").arg(first));
        return {};
    }
    const Topology &clip = *loaded.topology;
    if (clip.nodes.empty()) {
        fail(error, tr("the clipboard holds no nodes"));
        return {};
    }
    if (!std::isfinite(offset.x()) || !std::isfinite(offset.y())) {
        fail(error, tr("the paste offset must be finite"));
        return {};
    }

    // Fresh ids, as addNode and addLink would give them, also distinct among the pasted items. The
    // ids in use are looked up in a set and each base counts on from where it stopped, so pasting
    // a generated overlay of thousands of peers stays linear.
    Topology candidate = m_topology;
    std::map<std::string, std::string> nodeIdMap;
    std::unordered_set<std::string> used;
    for (const NodeDef &n : candidate.nodes)
        used.insert(n.id);
    for (const LinkDef &l : candidate.links)
        used.insert(l.id);
    std::unordered_map<std::string, int> nextOf;
    auto freshId = [&](const std::string &base) {
        for (int &n = nextOf.try_emplace(base, 1).first->second;; ++n) {
            std::string id = base + "-" + std::to_string(n);
            if (used.insert(id).second) {
                ++n;
                return id;
            }
        }
    };
    QStringList newIds;
    std::vector<NodeDef> nodes;
    for (NodeDef n : clip.nodes) {
        const std::string id = freshId(n.kind);
        nodeIdMap[n.id] = id;
        n.id = id;
        n.position.x += offset.x();
        n.position.y += offset.y();
        candidate.nodes.push_back(n);
        nodes.push_back(std::move(n));
        newIds << q(id);
    }
    std::vector<LinkDef> links;
    for (LinkDef l : clip.links) {
        l.id = freshId("link");
        l.from = nodeIdMap.at(l.from);
        l.to = nodeIdMap.at(l.to);
        candidate.links.push_back(l);
        links.push_back(std::move(l));
    }
    for (BindingDef b : clip.bindings) {
        b.exchange = nodeIdMap.at(b.exchange);
        b.destination = nodeIdMap.at(b.destination);
        candidate.bindings.push_back(std::move(b));
    }
    if (const QString problem = newError(candidate); !problem.isEmpty()) {
        fail(error, tr("cannot paste: %1").arg(problem));
        return {};
    }

    const QString text = !undoText.isEmpty() ? undoText
                         : nodes.size() == 1 ? tr("Paste %1").arg(q(nodes.front().id))
                                             : tr("Paste %n nodes", nullptr, int(nodes.size()));
    // Many items at once (a generated overlay of a thousand peers): one replacement of the whole
    // topology, so the views rebuild once instead of once per node and link.
    if (nodes.size() + links.size() > kPasteAsReplacement) {
        if (!replaceTopology(candidate, text, error)) return {};
        return newIds;
    }
    auto *macro = new QUndoCommand(text);
    std::size_t index = m_topology.nodes.size();
    for (auto &n : nodes)
        new NodeCommand(this, std::move(n), index++, false, macro);
    index = m_topology.links.size();
    for (auto &l : links)
        new LinkCommand(this, std::move(l), index++, false, macro);
    if (candidate.bindings != m_topology.bindings)
        new BindingsCommand(this, m_topology.bindings, candidate.bindings, macro);
    m_undoStack->push(macro);
    return newIds;
}

// The fault plan

QString TopologyDocument::addFault(FaultDef f, QString *error)
{
    const QStringList ids = addFaults({std::move(f)}, {}, error);
    return ids.isEmpty() ? QString() : ids.first();
}

QStringList TopologyDocument::addFaults(std::vector<FaultDef> faults, const QString &text, QString *error)
{
    if (faults.empty()) {
        fail(error, tr("no fault to add"));
        return {};
    }
    Topology candidate = m_topology;
    QStringList ids;
    for (FaultDef &f : faults) {
        if (f.id.empty()) {
            for (int n = 1; f.id.empty(); ++n)
                if (!faultIndex(candidate, "f" + std::to_string(n))) f.id = "f" + std::to_string(n);
        } else if (faultIndex(candidate, f.id)) {
            fail(error, tr("another fault already has the id %1").arg(quoted(std::as_const(f.id))));
            return {};
        }
        candidate.faults.push_back(f);
        ids << q(f.id);
    }
    if (const QString problem = newError(candidate); !problem.isEmpty()) {
        fail(error, problem);
        return {};
    }
    std::size_t index = m_topology.faults.size();
    if (faults.size() == 1) {
        auto *command = new FaultCommand(this, std::move(faults.front()), index, false);
        if (!text.isEmpty()) command->setText(text);
        m_undoStack->push(command);
        return ids;
    }
    auto *macro = new QUndoCommand(text.isEmpty() ? tr("Add %n faults", nullptr, int(faults.size())) : text);
    for (FaultDef &f : faults)
        new FaultCommand(this, std::move(f), index++, false, macro);
    m_undoStack->push(macro);
    return ids;
}

bool TopologyDocument::changeFault(const QString &id, const FaultDef &after, QString *error,
                                   const QString &field)
{
    const auto i = faultIndex(m_topology, s(id));
    if (!i) return fail(error, tr("no fault with id %1").arg(quoted(s(id))));
    if (after.id != s(id)) return fail(error, tr("fault %1: its id cannot change here").arg(quoted(s(id))));
    const FaultDef &before = m_topology.faults[*i];
    if (after == before) return true;
    Topology candidate = m_topology;
    candidate.faults[*i] = after;
    if (const QString problem = newError(candidate); !problem.isEmpty()) return fail(error, problem);
    m_undoStack->push(new FaultChangeCommand(this, before, after, s(field)));
    return true;
}

bool TopologyDocument::removeFaults(const QStringList &ids, QString *error)
{
    if (ids.isEmpty()) return fail(error, tr("no fault to remove"));
    std::set<std::string> gone;
    for (const QString &id : ids) {
        if (!fault(id)) return fail(error, tr("no fault with id %1").arg(quoted(s(id))));
        gone.insert(s(id));
    }
    auto *macro = new QUndoCommand(gone.size() == 1 ? tr("Remove fault %1").arg(q(*gone.begin()))
                                                    : tr("Remove %n faults", nullptr, int(gone.size())));
    // Last first, so that undo reinserts each at its original index.
    for (std::size_t i = m_topology.faults.size(); i-- > 0;)
        if (gone.contains(m_topology.faults[i].id))
            new FaultCommand(this, m_topology.faults[i], i, true, macro);
    m_undoStack->push(macro);
    return true;
}

void TopologyDocument::insertFault(std::size_t index, FaultDef f)
{
    const QString id = q(f.id);
    index = std::min(index, m_topology.faults.size());
    m_topology.faults.insert(m_topology.faults.begin() + std::ptrdiff_t(index), std::move(f));
    Q_EMIT faultAdded(id);
}

FaultDef TopologyDocument::takeFault(const std::string &id)
{
    const auto i = faultIndex(m_topology, id);
    Q_ASSERT(i);
    FaultDef f = std::move(m_topology.faults[*i]);
    m_topology.faults.erase(m_topology.faults.begin() + std::ptrdiff_t(*i));
    Q_EMIT faultRemoved(q(id));
    return f;
}

void TopologyDocument::putFault(const std::string &id, FaultDef f)
{
    const auto i = faultIndex(m_topology, id);
    Q_ASSERT(i);
    const QString newId = q(f.id);
    m_topology.faults[*i] = std::move(f);
    Q_EMIT faultChanged(newId);
}

namespace {
// The first error a whole topology has, as the reason a replacement is refused; empty when none.
QString firstError(const Topology &t)
{
    for (const auto &d : validateTopology(t))
        if (d.severity == Diagnostic::Severity::Error) return QString::fromStdString(d.toString());
    return {};
}
} // namespace

bool TopologyDocument::setTopology(const Topology &t, QString *error)
{
    if (const QString why = firstError(t); !why.isEmpty()) return fail(error, why);
    m_undoStack->clear();
    m_topology = t;
    Q_EMIT documentReset();
    return true;
}

bool TopologyDocument::replaceTopology(const Topology &t, const QString &text, QString *error)
{
    if (const QString why = firstError(t); !why.isEmpty()) return fail(error, why);
    m_undoStack->push(new ReplaceTopologyCommand(this, m_topology, t, text));
    return true;
}

void TopologyDocument::putTopology(Topology t)
{
    m_topology = std::move(t);
    Q_EMIT documentReset();
}

void TopologyDocument::clear()
{
    m_undoStack->clear();
    m_topology = Topology();
    m_filePath.clear();
    Q_EMIT documentReset();
}

// Mutations, called by the undo commands only.

void TopologyDocument::insertNode(std::size_t index, NodeDef n)
{
    const QString id = q(n.id);
    index = std::min(index, m_topology.nodes.size());
    m_topology.nodes.insert(m_topology.nodes.begin() + std::ptrdiff_t(index), std::move(n));
    Q_EMIT nodeAdded(id);
}

NodeDef TopologyDocument::takeNode(const std::string &id)
{
    const auto i = m_topology.nodeIndex(id);
    Q_ASSERT(i);
    NodeDef n = std::move(m_topology.nodes[*i]);
    m_topology.nodes.erase(m_topology.nodes.begin() + std::ptrdiff_t(*i));
    Q_EMIT nodeRemoved(q(id));
    return n;
}

void TopologyDocument::insertLink(std::size_t index, LinkDef l)
{
    const QString id = q(l.id);
    index = std::min(index, m_topology.links.size());
    m_topology.links.insert(m_topology.links.begin() + std::ptrdiff_t(index), std::move(l));
    Q_EMIT linkAdded(id);
}

LinkDef TopologyDocument::takeLink(const std::string &id)
{
    const auto i = m_topology.linkIndex(id);
    Q_ASSERT(i);
    LinkDef l = std::move(m_topology.links[*i]);
    m_topology.links.erase(m_topology.links.begin() + std::ptrdiff_t(*i));
    Q_EMIT linkRemoved(q(id));
    return l;
}

void TopologyDocument::placeNode(const std::string &id, Position p)
{
    const auto i = m_topology.nodeIndex(id);
    Q_ASSERT(i);
    m_topology.nodes[*i].position = p;
    Q_EMIT nodeMoved(q(id));
}

void TopologyDocument::nameNode(const std::string &id, const std::string &name)
{
    const auto i = m_topology.nodeIndex(id);
    Q_ASSERT(i);
    m_topology.nodes[*i].name = name;
    Q_EMIT nodeRenamed(q(id));
}

void TopologyDocument::giveNodeId(const std::string &id, const std::string &newId)
{
    const auto i = m_topology.nodeIndex(id);
    Q_ASSERT(i);
    m_topology.nodes[*i].id = newId;
    for (LinkDef &l : m_topology.links) {
        if (l.from == id) l.from = newId;
        if (l.to == id) l.to = newId;
    }
    for (BindingDef &b : m_topology.bindings) {
        if (b.exchange == id) b.exchange = newId;
        if (b.destination == id) b.destination = newId;
    }
    QStringList faults;
    for (FaultDef &f : m_topology.faults) {
        const bool named = f.target == id || std::find(f.nodes.begin(), f.nodes.end(), id) != f.nodes.end();
        if (f.target == id) f.target = newId;
        std::replace(f.nodes.begin(), f.nodes.end(), id, newId);
        if (named) faults << q(f.id);
    }
    Q_EMIT nodeIdChanged(q(id), q(newId));
    for (const QString &f : faults)
        Q_EMIT faultChanged(f);
    Q_EMIT nodeRenamed(q(newId));
}

void TopologyDocument::putNodeProperties(const std::string &id, const std::string &key, Json properties)
{
    const auto i = m_topology.nodeIndex(id);
    Q_ASSERT(i);
    m_topology.nodes[*i].properties = std::move(properties);
    Q_EMIT nodePropertyChanged(q(id), q(key));
}

void TopologyDocument::putNodeClock(const std::string &id, const std::string & /*key*/, Json clock)
{
    const auto i = m_topology.nodeIndex(id);
    Q_ASSERT(i);
    m_topology.nodes[*i].clock = std::move(clock);
    Q_EMIT nodePropertyChanged(q(id), QStringLiteral("clock"));
}

void TopologyDocument::putLinkProperties(const std::string &id, const std::string &key, Json properties)
{
    const auto i = m_topology.linkIndex(id);
    Q_ASSERT(i);
    m_topology.links[*i].properties = std::move(properties);
    Q_EMIT linkPropertyChanged(q(id), q(key));
}

bool TopologyDocument::setRunSettings(const RunSettings &run, QString *error)
{
    if (run.until && *run.until <= 0) return fail(error, tr("run: the stop time must be greater than zero"));
    if (!std::isfinite(run.speed) || run.speed < 0)
        return fail(error, tr("run: the speed must be zero (as fast as possible) or positive"));
    if (run == m_topology.run) return true;
    m_undoStack->push(new RunSettingsCommand(this, m_topology.run, run, tr("Change run settings")));
    return true;
}

void TopologyDocument::putRunSettings(const RunSettings &run)
{
    m_topology.run = run;
    Q_EMIT runSettingsChanged();
}

void TopologyDocument::replaceBindings(std::vector<BindingDef> bindings)
{
    // Announce each exchange/destination pair whose keys differ, in the order they first appear.
    using Pair = std::pair<std::string, std::string>;
    auto keysByPair = [](const std::vector<BindingDef> &list, std::vector<Pair> &order) {
        std::map<Pair, std::vector<std::string>> keys;
        for (const auto &b : list) {
            Pair p{b.exchange, b.destination};
            if (!keys.contains(p)) order.push_back(p);
            keys[p].push_back(b.key);
        }
        return keys;
    };
    std::vector<Pair> order;
    const auto before = keysByPair(m_topology.bindings, order);
    const auto after = keysByPair(bindings, order);
    m_topology.bindings = std::move(bindings);
    std::set<Pair> announced;
    for (const auto &p : order) {
        const auto b = before.find(p), a = after.find(p);
        const bool same = b != before.end() && a != after.end() && b->second == a->second;
        if (!same && announced.insert(p).second) Q_EMIT bindingsChanged(q(p.first), q(p.second));
    }
}

} // namespace sb
