#pragma once
// One colour per node, shared by everything that draws the node as a line or a column: its chart
// series and its sequence lifeline. The colour follows the node's position in the topology's node
// order, so a node keeps its colour across views, runs and exports of the same topology.
#include <QColor>
#include <QHash>
#include <QStringList>

namespace sb {

// How many colours the palette holds before it repeats (each pair stays distinguishable, also to
// the common colour-vision deficiencies: Paul Tol's "muted" and "bright" sets, interleaved).
int nodeColorCount();
// The colour for the node at `index` in the node order (wraps past nodeColorCount()).
QColor nodeColor(int index);

// Node id -> colour for one topology: give it the ids in the topology's node order.
class NodeColors {
public:
    NodeColors() = default;
    explicit NodeColors(const QStringList &nodeIdsInOrder) { setNodes(nodeIdsInOrder); }
    void setNodes(const QStringList &nodeIdsInOrder);
    // The node's colour; an unknown id gets a neutral grey.
    QColor colorOf(const QString &nodeId) const;
    bool contains(const QString &nodeId) const { return m_index.contains(nodeId); }

private:
    QHash<QString, int> m_index;
};

} // namespace sb
