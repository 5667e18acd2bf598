#pragma once
// The editable topology that the canvas, the palette and the property panel all work through.
// Every edit is validated first (a refused edit changes nothing and says why, naming the node,
// port or property) and then pushed as one QUndoCommand that changes the model and reports the
// change through past-tense signals carrying ids only.
#include "topology.h"

#include <QHash>
#include <QObject>
#include <QPointF>
#include <QString>
#include <QStringList>

#include <vector>

class QUndoStack;

namespace sb {

// An SNS subscription's attributes as the window edits them, one line of JSON
// ({"FilterPolicy": {...}, "RawMessageDelivery": true}): the reason it cannot be taken (the JSON's
// column, or the attribute and AWS's rule), or empty. `https`: an HTTP/S subscription.
std::string snsSubscriptionFromText(const std::string &text, bool https, Json &arguments);

class TopologyDocument : public QObject {
    Q_OBJECT

public:
    explicit TopologyDocument(QObject *parent = nullptr);
    ~TopologyDocument() override;

    // Reading
    const Topology &topology() const { return m_topology; }
    const NodeDef *node(const QString &id) const;
    const LinkDef *link(const QString &id) const;
    QStringList nodeIds() const;
    QStringList linkIds() const;
    // The links that start or end at `nodeId`, in topology order.
    QStringList linksOf(const QString &nodeId) const;
    // The binding keys from `exchangeId` to `destinationId`, in topology order.
    QStringList bindings(const QString &exchangeId, const QString &destinationId) const;

    QUndoStack *undoStack() const { return m_undoStack; }
    bool isModified() const { return m_modified; }
    QString filePath() const { return m_filePath; }
    void setFilePath(const QString &path) { m_filePath = path; }
    // Marks the current state as saved: undoing or redoing away from it sets the modified flag.
    void setClean();

    // Editing. Each returns false (or an empty id) with the reason in `error` and changes nothing
    // when the edit is not allowed.
    QString addNode(const QString &kind, QPointF pos, QString *error = nullptr);
    // A node placed from a system template (KindRegistry::templates()): of the template's kind,
    // with its properties set (the node's own values, not defaults), an id from the template's id
    // ("grpc-client-1") and its label for a name ("gRPC client", numbered when another node has
    // that name), as one undo step.
    QString addNodeFromTemplate(const QString &templateId, QPointF pos, QString *error = nullptr);
    // Removing a node also removes its links; removing a link also removes the bindings that
    // need it. One undo step restores everything in its original place.
    bool removeItems(const QStringList &nodeIds, const QStringList &linkIds, QString *error = nullptr);
    // Successive moves of the same set of nodes merge into one undo step until `finished`.
    bool moveNodes(const QHash<QString, QPointF> &to, bool finished, QString *error = nullptr);
    bool setNodeProperty(const QString &id, const QString &key, const Json &value, QString *error = nullptr);
    bool resetNodeProperty(const QString &id, const QString &key, QString *error = nullptr);
    // One field of a node's local clock (KindRegistry::clockProperties(): offset, drift, jumps),
    // as an undo step; nodePropertyChanged(id, "clock") follows.
    bool setNodeClock(const QString &id, const QString &key, const Json &value, QString *error = nullptr);
    bool resetNodeClock(const QString &id, const QString &key, QString *error = nullptr);
    bool renameNode(const QString &id, const QString &name, QString *error = nullptr);
    // Gives node `id` the id `newId` and updates everything that names it (links' ends and
    // bindings; no property names a node) as one undo step. Refuses, saying why, an id that is
    // malformed or taken by a node or a link.
    bool changeNodeId(const QString &id, const QString &newId, QString *error = nullptr);
    // Why a link from `fromNode`.`fromPort` to `toNode`.`toPort` would be refused, or an empty
    // string when addLink() would add it: the one rule behind the drop and the marks on ports
    // while a link is dragged.
    QString checkLink(const QString &fromNode, const QString &fromPort, const QString &toNode,
                      const QString &toPort) const;
    // Why `newId` cannot replace node `id`'s id, or an empty string when it can.
    QString checkNodeId(const QString &id, const QString &newId) const;
    QString addLink(const QString &fromNode, const QString &fromPort, const QString &toNode,
                    const QString &toPort, QString *error = nullptr);
    bool setLinkProperty(const QString &id, const QString &key, const Json &value, QString *error = nullptr);
    bool resetLinkProperty(const QString &id, const QString &key, QString *error = nullptr);
    // Replaces every binding from `exchangeId` to `destinationId` with `keys` (empty removes them).
    // For an SNS topic, one line: the subscription's attributes as JSON (snsSubscriptionFromText).
    bool setBindingKeys(const QString &exchangeId, const QString &destinationId, const QStringList &keys,
                        QString *error = nullptr);

    // The run section: seed, stop time (unset: the default), message budget and pace.
    bool setRunSettings(const RunSettings &run, QString *error = nullptr);

    // The nodes, the links between them and their bindings as topology JSON.
    QByteArray copy(const QStringList &nodeIds) const;
    // Adds what copy() produced under fresh ids, shifted by `offset`, as one undo step (named
    // `undoText`, or "Paste ..."); returns the new node ids.
    QStringList paste(const QByteArray &json, QPointF offset, QString *error = nullptr,
                      const QString &undoText = {});
    // Pastes of more nodes and links than this replace the topology in one step (documentReset)
    // rather than adding each item with its own signals.
    static constexpr std::size_t kPasteAsReplacement = 200;

    // Replaces everything and forgets the undo history. Refuses a topology with errors.
    bool setTopology(const Topology &t, QString *error = nullptr);
    // Replaces everything as one undo step named `text` (undo brings the current topology back).
    bool replaceTopology(const Topology &t, const QString &text, QString *error = nullptr);
    void clear();

    // A fresh id "<base>-<n>" not used by any node or link.
    QString uniqueId(const QString &base) const;

    // The fault plan (Topology::faults). Each edit is checked with validateTopology like the
    // others (an overlap, an unknown target, a bad parameter is refused with its message) and is
    // one undo step.
    const FaultDef *fault(const QString &id) const;
    QStringList faultIds() const;
    // A fresh fault id "f<n>" not used by any fault.
    QString uniqueFaultId() const;
    // Adds `f` at the end of the plan (an empty id gets uniqueFaultId()); returns its id.
    QString addFault(FaultDef f, QString *error = nullptr);
    // Adds several faults as one undo step named `text` (empty ids get fresh ones); returns the ids.
    QStringList addFaults(std::vector<FaultDef> faults, const QString &text, QString *error = nullptr);
    // Replaces fault `id` by `after` (same id). Successive changes with the same non-empty
    // `field` merge into one undo step (typing into one field); a drag passes none.
    bool changeFault(const QString &id, const FaultDef &after, QString *error = nullptr,
                     const QString &field = {});
    bool removeFaults(const QStringList &ids, QString *error = nullptr);

signals:
    void nodeAdded(const QString &id);
    void nodeRemoved(const QString &id);
    void nodeMoved(const QString &id);
    void nodeRenamed(const QString &id);
    // Node `oldId` is now `newId` (its links and bindings follow); nodeRenamed(newId) comes next.
    void nodeIdChanged(const QString &oldId, const QString &newId);
    void nodePropertyChanged(const QString &id, const QString &key);
    void linkAdded(const QString &id);
    void linkRemoved(const QString &id);
    void linkPropertyChanged(const QString &id, const QString &key);
    void bindingsChanged(const QString &exchange, const QString &destination);
    void runSettingsChanged();
    void faultAdded(const QString &id);
    void faultRemoved(const QString &id);
    void faultChanged(const QString &id);
    void documentReset();
    void modifiedChanged(bool modified);

private:
    friend class DocumentAccess;

    // The first error that `candidate` has and the current topology has not, or empty.
    QString newError(const Topology &candidate) const;
    QString checkNewLink(const LinkDef &l) const;
    void onCleanChanged(bool clean);

    // The mutations the undo commands perform; each emits its signal.
    void insertNode(std::size_t index, NodeDef n);
    NodeDef takeNode(const std::string &id);
    void insertLink(std::size_t index, LinkDef l);
    LinkDef takeLink(const std::string &id);
    void placeNode(const std::string &id, Position p);
    void nameNode(const std::string &id, const std::string &name);
    void giveNodeId(const std::string &id, const std::string &newId);
    void putNodeProperties(const std::string &id, const std::string &key, Json properties);
    void putNodeClock(const std::string &id, const std::string &key, Json clock);
    void putLinkProperties(const std::string &id, const std::string &key, Json properties);
    void replaceBindings(std::vector<BindingDef> bindings);
    void putRunSettings(const RunSettings &run);
    void putTopology(Topology t);
    void insertFault(std::size_t index, FaultDef f);
    FaultDef takeFault(const std::string &id);
    void putFault(const std::string &id, FaultDef f);

    Topology m_topology;
    QUndoStack *m_undoStack;
    QString m_filePath;
    bool m_modified = false;
};

} // namespace sb
