#pragma once
// The undo commands behind TopologyDocument's edits. Each holds ids and values, never pointers
// into the topology, so it stays valid however the stack is walked; redo and undo go through
// the document so that every change is announced by its signals.
#include "topology.h"

#include <QUndoCommand>

#include <map>
#include <string>
#include <vector>

namespace sb {

class TopologyDocument;

// The document's mutations, opened to the commands only.
class DocumentAccess {
public:
    static void insertNode(TopologyDocument &d, std::size_t index, NodeDef n);
    static NodeDef takeNode(TopologyDocument &d, const std::string &id);
    static void insertLink(TopologyDocument &d, std::size_t index, LinkDef l);
    static LinkDef takeLink(TopologyDocument &d, const std::string &id);
    static void placeNode(TopologyDocument &d, const std::string &id, Position p);
    static void nameNode(TopologyDocument &d, const std::string &id, const std::string &name);
    // Changes a node's id and every link end and binding that names it.
    static void giveNodeId(TopologyDocument &d, const std::string &id, const std::string &newId);
    // Replaces the whole property object (so that undo restores the order of keys too) and
    // announces `key` as changed.
    static void putNodeProperties(TopologyDocument &d, const std::string &id, const std::string &key,
                                  Json properties);
    static void putLinkProperties(TopologyDocument &d, const std::string &id, const std::string &key,
                                  Json properties);
    static void putNodeClock(TopologyDocument &d, const std::string &id, const std::string &key, Json clock);
    static void replaceBindings(TopologyDocument &d, std::vector<BindingDef> bindings);
    static void putRunSettings(TopologyDocument &d, RunSettings run);
    static void putTopology(TopologyDocument &d, Topology t);
    static void insertFault(TopologyDocument &d, std::size_t index, FaultDef f);
    static FaultDef takeFault(TopologyDocument &d, const std::string &id);
    // Replaces the fault with id `id` by `f`.
    static void putFault(TopologyDocument &d, const std::string &id, FaultDef f);
};

// Command ids for QUndoCommand::id(), so that mergeWith only sees its own kind.
enum class CommandId { Move = 1, NodeProperty, LinkProperty, Fault, NodeClock = 20 };

// Inserts a node at `index` (redo) and takes it out again (undo). `remove` swaps the two.
class NodeCommand : public QUndoCommand {
public:
    NodeCommand(TopologyDocument *doc, NodeDef node, std::size_t index, bool remove,
                QUndoCommand *parent = nullptr);
    void redo() override;
    void undo() override;

private:
    void insert();
    void take();
    TopologyDocument *m_doc;
    NodeDef m_node;
    std::size_t m_index;
    bool m_remove;
};

class LinkCommand : public QUndoCommand {
public:
    LinkCommand(TopologyDocument *doc, LinkDef link, std::size_t index, bool remove,
                QUndoCommand *parent = nullptr);
    void redo() override;
    void undo() override;

private:
    void insert();
    void take();
    TopologyDocument *m_doc;
    LinkDef m_link;
    std::size_t m_index;
    bool m_remove;
};

// Inserts a fault of the plan at `index` (redo) and takes it out again (undo). `remove` swaps the two.
class FaultCommand : public QUndoCommand {
public:
    FaultCommand(TopologyDocument *doc, FaultDef fault, std::size_t index, bool remove,
                 QUndoCommand *parent = nullptr);
    void redo() override;
    void undo() override;

private:
    void insert();
    void take();
    TopologyDocument *m_doc;
    FaultDef m_fault;
    std::size_t m_index;
    bool m_remove;
};

// Changes one fault (its times, target, nodes or parameters) from `before` to `after`. Changes of
// the same fault through the same non-empty `field` merge, so typing into a field is one step.
class FaultChangeCommand : public QUndoCommand {
public:
    FaultChangeCommand(TopologyDocument *doc, FaultDef before, FaultDef after, std::string field,
                       QUndoCommand *parent = nullptr);
    int id() const override { return int(CommandId::Fault); }
    bool mergeWith(const QUndoCommand *other) override;
    void redo() override;
    void undo() override;

private:
    TopologyDocument *m_doc;
    FaultDef m_before;
    FaultDef m_after;
    std::string m_field;
};

// Swaps the whole binding list, which keeps the order of untouched bindings exact.
class BindingsCommand : public QUndoCommand {
public:
    BindingsCommand(TopologyDocument *doc, std::vector<BindingDef> before, std::vector<BindingDef> after,
                    QUndoCommand *parent = nullptr);
    void redo() override;
    void undo() override;

private:
    TopologyDocument *m_doc;
    std::vector<BindingDef> m_before;
    std::vector<BindingDef> m_after;
};

// Swaps one whole value of the document (the run section, or the entire topology) between its
// state before and after; `put` is the DocumentAccess mutation that stores and announces it.
template <typename T, void (*put)(TopologyDocument &, T)> class ValueCommand : public QUndoCommand {
public:
    ValueCommand(TopologyDocument *doc, T before, T after, const QString &text,
                 QUndoCommand *parent = nullptr)
        : QUndoCommand(text, parent), m_doc(doc), m_before(std::move(before)), m_after(std::move(after))
    {
    }
    void redo() override { put(*m_doc, m_after); }
    void undo() override { put(*m_doc, m_before); }

private:
    TopologyDocument *m_doc;
    T m_before;
    T m_after;
};
// The run section of the topology: seed, stop time, message budget.
using RunSettingsCommand = ValueCommand<RunSettings, &DocumentAccess::putRunSettings>;
// Replaces the whole topology (recovering autosaved work), keeping the way back.
using ReplaceTopologyCommand = ValueCommand<Topology, &DocumentAccess::putTopology>;

// A drag: merges with the next move of the same nodes until a move marked finished closes it.
class MoveCommand : public QUndoCommand {
public:
    struct Step {
        Position from;
        Position to;
    };
    MoveCommand(TopologyDocument *doc, std::map<std::string, Step> steps, bool finished,
                QUndoCommand *parent = nullptr);
    int id() const override { return int(CommandId::Move); }
    bool mergeWith(const QUndoCommand *other) override;
    void redo() override;
    void undo() override;

private:
    void updateObsolete();
    TopologyDocument *m_doc;
    std::map<std::string, Step> m_steps;
    bool m_finished;
};

class RenameCommand : public QUndoCommand {
public:
    RenameCommand(TopologyDocument *doc, std::string id, std::string before, std::string after,
                  QUndoCommand *parent = nullptr);
    void redo() override;
    void undo() override;

private:
    TopologyDocument *m_doc;
    std::string m_id;
    std::string m_before;
    std::string m_after;
};

// A node's new id, with its links and bindings following; undo gives the old one back (the new
// id was free, so the change is exactly reversible).
class NodeIdCommand : public QUndoCommand {
public:
    NodeIdCommand(TopologyDocument *doc, std::string id, std::string newId, QUndoCommand *parent = nullptr);
    void redo() override;
    void undo() override;

private:
    TopologyDocument *m_doc;
    std::string m_id;
    std::string m_newId;
};

// Sets or resets one property of a node or a link, or one field of a node's clock, holding the
// property (or clock) objects before and after. Successive edits of the same property merge, so typing into a
// field is one undo step.
class PropertyCommand : public QUndoCommand {
public:
    enum class Target { Node, Link, Clock };
    PropertyCommand(TopologyDocument *doc, Target target, std::string id, std::string key, Json before,
                    Json after, QUndoCommand *parent = nullptr);
    int id() const override;
    bool mergeWith(const QUndoCommand *other) override;
    void redo() override;
    void undo() override;

private:
    void apply(const Json &properties);
    TopologyDocument *m_doc;
    Target m_target;
    std::string m_id;
    std::string m_key;
    Json m_before;
    Json m_after;
};

} // namespace sb
