#include "topologycommands.h"

#include "topologydocument.h"

#include <QCoreApplication>

namespace sb {

namespace {

QString tr(const char *text, int n = -1)
{
    return QCoreApplication::translate("sb::TopologyDocument", text, nullptr, n);
}

QString q(const std::string &s)
{
    return QString::fromStdString(s);
}

// A node as people read it: its name, else its id.
QString shownName(const TopologyDocument &doc, const std::string &id)
{
    const NodeDef *n = doc.node(q(id));
    return q(n && !n->name.empty() ? n->name : id);
}

// "Send mode of 'Producer 1'", "Loss of the link 'Producer 1' → 'jobs'": the property's label
// and its owner's name, for the History.
QString propertyWhat(const TopologyDocument &doc, PropertyCommand::Target target, const std::string &id,
                     const std::string &key)
{
    const auto &registry = KindRegistry::builtin();
    const PropertySpec *spec = nullptr;
    QString owner;
    if (target == PropertyCommand::Target::Clock) {
        for (const PropertySpec &p : registry.clockProperties())
            if (p.key == key) spec = &p;
        owner = tr("the clock of '%1'").arg(shownName(doc, id));
    } else if (target == PropertyCommand::Target::Node) {
        const NodeDef *n = doc.node(q(id));
        const NodeKindSpec *kind = n ? registry.find(n->kind) : nullptr;
        spec = kind ? kind->property(key) : nullptr;
        owner = QStringLiteral("'%1'").arg(shownName(doc, id));
    } else {
        for (const PropertySpec &p : registry.linkProperties())
            if (p.key == key) spec = &p;
        const LinkDef *l = doc.link(q(id));
        owner = l ? tr("the link '%1' \u2192 '%2'").arg(shownName(doc, l->from), shownName(doc, l->to))
                  : tr("the link '%1'").arg(q(id));
    }
    const QString label = spec && !spec->label.empty() ? q(spec->label) : q(key);
    return tr("%1 of %2").arg(label, owner);
}

} // namespace

void DocumentAccess::insertNode(TopologyDocument &d, std::size_t index, NodeDef n)
{
    d.insertNode(index, std::move(n));
}

NodeDef DocumentAccess::takeNode(TopologyDocument &d, const std::string &id)
{
    return d.takeNode(id);
}

void DocumentAccess::insertLink(TopologyDocument &d, std::size_t index, LinkDef l)
{
    d.insertLink(index, std::move(l));
}

LinkDef DocumentAccess::takeLink(TopologyDocument &d, const std::string &id)
{
    return d.takeLink(id);
}

void DocumentAccess::placeNode(TopologyDocument &d, const std::string &id, Position p)
{
    d.placeNode(id, p);
}

void DocumentAccess::nameNode(TopologyDocument &d, const std::string &id, const std::string &name)
{
    d.nameNode(id, name);
}

void DocumentAccess::giveNodeId(TopologyDocument &d, const std::string &id, const std::string &newId)
{
    d.giveNodeId(id, newId);
}

void DocumentAccess::putNodeProperties(TopologyDocument &d, const std::string &id, const std::string &key,
                                       Json properties)
{
    d.putNodeProperties(id, key, std::move(properties));
}

void DocumentAccess::putNodeClock(TopologyDocument &d, const std::string &id, const std::string &key,
                                  Json clock)
{
    d.putNodeClock(id, key, std::move(clock));
}

void DocumentAccess::putLinkProperties(TopologyDocument &d, const std::string &id, const std::string &key,
                                       Json properties)
{
    d.putLinkProperties(id, key, std::move(properties));
}

void DocumentAccess::replaceBindings(TopologyDocument &d, std::vector<BindingDef> bindings)
{
    d.replaceBindings(std::move(bindings));
}

void DocumentAccess::putRunSettings(TopologyDocument &d, RunSettings run)
{
    d.putRunSettings(run);
}

void DocumentAccess::putTopology(TopologyDocument &d, Topology t)
{
    d.putTopology(std::move(t));
}

void DocumentAccess::insertFault(TopologyDocument &d, std::size_t index, FaultDef f)
{
    d.insertFault(index, std::move(f));
}

FaultDef DocumentAccess::takeFault(TopologyDocument &d, const std::string &id)
{
    return d.takeFault(id);
}

void DocumentAccess::putFault(TopologyDocument &d, const std::string &id, FaultDef f)
{
    d.putFault(id, std::move(f));
}

// Nodes

NodeCommand::NodeCommand(TopologyDocument *doc, NodeDef node, std::size_t index, bool remove,
                         QUndoCommand *parent)
    : QUndoCommand(parent), m_doc(doc), m_node(std::move(node)), m_index(index), m_remove(remove)
{
    setText((remove ? tr("Remove %1") : tr("Add %1")).arg(q(m_node.id)));
}

void NodeCommand::insert()
{
    DocumentAccess::insertNode(*m_doc, m_index, m_node);
}

void NodeCommand::take()
{
    m_node = DocumentAccess::takeNode(*m_doc, m_node.id);
}

void NodeCommand::redo()
{
    m_remove ? take() : insert();
}

void NodeCommand::undo()
{
    m_remove ? insert() : take();
}

// Links

LinkCommand::LinkCommand(TopologyDocument *doc, LinkDef link, std::size_t index, bool remove,
                         QUndoCommand *parent)
    : QUndoCommand(parent), m_doc(doc), m_link(std::move(link)), m_index(index), m_remove(remove)
{
    setText(remove ? tr("Remove %1").arg(q(m_link.id))
                   : tr("Connect %1.%2 to %3.%4")
                         .arg(q(m_link.from), q(m_link.fromPort), q(m_link.to), q(m_link.toPort)));
}

void LinkCommand::insert()
{
    DocumentAccess::insertLink(*m_doc, m_index, m_link);
}

void LinkCommand::take()
{
    m_link = DocumentAccess::takeLink(*m_doc, m_link.id);
}

void LinkCommand::redo()
{
    m_remove ? take() : insert();
}

void LinkCommand::undo()
{
    m_remove ? insert() : take();
}

// Faults

FaultCommand::FaultCommand(TopologyDocument *doc, FaultDef fault, std::size_t index, bool remove,
                           QUndoCommand *parent)
    : QUndoCommand(parent), m_doc(doc), m_fault(std::move(fault)), m_index(index), m_remove(remove)
{
    setText((remove ? tr("Remove fault %1") : tr("Add fault %1")).arg(q(describeFault(m_fault))));
}

void FaultCommand::insert()
{
    DocumentAccess::insertFault(*m_doc, m_index, m_fault);
}

void FaultCommand::take()
{
    m_fault = DocumentAccess::takeFault(*m_doc, m_fault.id);
}

void FaultCommand::redo()
{
    m_remove ? take() : insert();
}

void FaultCommand::undo()
{
    m_remove ? insert() : take();
}

FaultChangeCommand::FaultChangeCommand(TopologyDocument *doc, FaultDef before, FaultDef after,
                                       std::string field, QUndoCommand *parent)
    : QUndoCommand(tr("Change fault %1").arg(q(after.id)), parent), m_doc(doc), m_before(std::move(before)),
      m_after(std::move(after)), m_field(std::move(field))
{
}

bool FaultChangeCommand::mergeWith(const QUndoCommand *other)
{
    if (other->id() != id()) return false;
    const auto *change = static_cast<const FaultChangeCommand *>(other);
    if (m_field.empty() || change->m_field != m_field || change->m_before.id != m_after.id) return false;
    m_after = change->m_after;
    setObsolete(m_after == m_before);
    return true;
}

void FaultChangeCommand::redo()
{
    DocumentAccess::putFault(*m_doc, m_before.id, m_after);
}

void FaultChangeCommand::undo()
{
    DocumentAccess::putFault(*m_doc, m_after.id, m_before);
}

// Bindings

BindingsCommand::BindingsCommand(TopologyDocument *doc, std::vector<BindingDef> before,
                                 std::vector<BindingDef> after, QUndoCommand *parent)
    : QUndoCommand(tr("Change bindings"), parent), m_doc(doc), m_before(std::move(before)),
      m_after(std::move(after))
{
}

void BindingsCommand::redo()
{
    DocumentAccess::replaceBindings(*m_doc, m_after);
}

void BindingsCommand::undo()
{
    DocumentAccess::replaceBindings(*m_doc, m_before);
}

// Moves

MoveCommand::MoveCommand(TopologyDocument *doc, std::map<std::string, Step> steps, bool finished,
                         QUndoCommand *parent)
    : QUndoCommand(parent), m_doc(doc), m_steps(std::move(steps)), m_finished(finished)
{
    setText(m_steps.size() == 1 ? tr("Move %1").arg(q(m_steps.begin()->first))
                                : tr("Move %n nodes", int(m_steps.size())));
    updateObsolete();
}

void MoveCommand::updateObsolete()
{
    // A drag that ends where it started is no undo step at all.
    bool moved = false;
    for (const auto &[id, step] : m_steps)
        moved = moved || !(step.from == step.to);
    setObsolete(!moved);
}

bool MoveCommand::mergeWith(const QUndoCommand *other)
{
    if (m_finished || other->id() != id()) return false;
    const auto *move = static_cast<const MoveCommand *>(other);
    if (move->m_steps.size() != m_steps.size()) return false;
    for (const auto &[nodeId, step] : move->m_steps)
        if (!m_steps.contains(nodeId)) return false;
    for (const auto &[nodeId, step] : move->m_steps)
        m_steps[nodeId].to = step.to;
    m_finished = move->m_finished;
    updateObsolete();
    return true;
}

void MoveCommand::redo()
{
    for (const auto &[id, step] : m_steps)
        DocumentAccess::placeNode(*m_doc, id, step.to);
}

void MoveCommand::undo()
{
    for (const auto &[id, step] : m_steps)
        DocumentAccess::placeNode(*m_doc, id, step.from);
}

// Names

RenameCommand::RenameCommand(TopologyDocument *doc, std::string id, std::string before, std::string after,
                             QUndoCommand *parent)
    : QUndoCommand(parent), m_doc(doc), m_id(std::move(id)), m_before(std::move(before)),
      m_after(std::move(after))
{
    const QString from = q(m_before.empty() ? m_id : m_before);
    const QString to = q(m_after.empty() ? m_id : m_after);
    setText(tr("Rename node '%1' to '%2'").arg(from, to));
}

void RenameCommand::redo()
{
    DocumentAccess::nameNode(*m_doc, m_id, m_after);
}

void RenameCommand::undo()
{
    DocumentAccess::nameNode(*m_doc, m_id, m_before);
}

// Ids

NodeIdCommand::NodeIdCommand(TopologyDocument *doc, std::string id, std::string newId, QUndoCommand *parent)
    : QUndoCommand(parent), m_doc(doc), m_id(std::move(id)), m_newId(std::move(newId))
{
    setText(tr("Change the id of '%1' from '%2' to '%3'").arg(shownName(*m_doc, m_id), q(m_id), q(m_newId)));
}

void NodeIdCommand::redo()
{
    DocumentAccess::giveNodeId(*m_doc, m_id, m_newId);
}

void NodeIdCommand::undo()
{
    DocumentAccess::giveNodeId(*m_doc, m_newId, m_id);
}

// Properties

PropertyCommand::PropertyCommand(TopologyDocument *doc, Target target, std::string id, std::string key,
                                 Json before, Json after, QUndoCommand *parent)
    : QUndoCommand(parent), m_doc(doc), m_target(target), m_id(std::move(id)), m_key(std::move(key)),
      m_before(std::move(before)), m_after(std::move(after))
{
    const QString what = propertyWhat(*m_doc, m_target, m_id, m_key);
    setText((m_after.contains(m_key) ? tr("Set %1") : tr("Reset %1")).arg(what));
}

int PropertyCommand::id() const
{
    return int(m_target == Target::Node   ? CommandId::NodeProperty
               : m_target == Target::Link ? CommandId::LinkProperty
                                          : CommandId::NodeClock);
}

bool PropertyCommand::mergeWith(const QUndoCommand *other)
{
    if (other->id() != id()) return false;
    const auto *edit = static_cast<const PropertyCommand *>(other);
    if (edit->m_id != m_id || edit->m_key != m_key) return false;
    m_after = edit->m_after;
    setText(edit->text());
    setObsolete(m_before == m_after);
    return true;
}

void PropertyCommand::apply(const Json &properties)
{
    if (m_target == Target::Node)
        DocumentAccess::putNodeProperties(*m_doc, m_id, m_key, properties);
    else if (m_target == Target::Clock)
        DocumentAccess::putNodeClock(*m_doc, m_id, m_key, properties);
    else
        DocumentAccess::putLinkProperties(*m_doc, m_id, m_key, properties);
}

void PropertyCommand::redo()
{
    apply(m_after);
}

void PropertyCommand::undo()
{
    apply(m_before);
}

} // namespace sb
