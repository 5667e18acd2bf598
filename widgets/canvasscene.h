#pragma once
// The canvas: a projection of a TopologyDocument onto a QGraphicsScene. The scene builds its
// items when the document is reset and then adds, removes or updates only the items a document
// signal names. User gestures (dragging nodes, connecting ports, dropping palette kinds, Delete)
// become document edits; the items follow the document's signals, never the other way round.
#include "liveoverlay.h"

#include <QGraphicsScene>
#include <QHash>
#include <QPointer>
#include <QRect>
#include <QString>
#include <QStringList>

class QGraphicsPathItem;
class QGraphicsRectItem;
class QGraphicsTextItem;
class QMimeData;
class QTimer;

namespace sb {

class EngineHost;
class LinkItem;
class LinkLayer;
class NodeItem;
class PortItem;
class TopologyDocument;

class CanvasScene : public QGraphicsScene {
    Q_OBJECT

public:
    // Topologies with more nodes than this are not indexed (QGraphicsScene::NoIndex): see rebuild().
    static constexpr int kIndexedNodes = 200;
    // `document` is borrowed and must outlive the scene.
    explicit CanvasScene(TopologyDocument *document, QObject *parent = nullptr);
    ~CanvasScene() override;

    TopologyDocument *document() const { return m_document; }
    NodeItem *nodeItem(const QString &id) const { return m_nodes.value(id); }
    // What took a node out of the last run (a scripted node's error, with its line), shown as a red
    // outline and in the node's tooltip; cleared when a run starts.
    void setNodeProblem(const QString &id, const QString &text);
    void clearNodeProblems();
    QString nodeProblem(const QString &id) const { return m_problems.value(id); }
    bool hasNodeProblems() const { return !m_problems.isEmpty(); }
    LinkItem *linkItem(const QString &id) const { return m_links.value(id); }
    // The item that draws every link's compact form at once (zoomed far out).
    LinkLayer *linkLayer() const { return m_linkLayer; }

    // Selection, by id, in document order.
    QStringList selectedNodeIds() const;
    QStringList selectedLinkIds() const;
    // Selects only the node `id` (nothing when there is no such node).
    void selectNode(const QString &id);

    // What releasing a port drag does: adds the link, or emits connectionRefused with the reason
    // and shows it near `feedbackPos`. Returns the new link's id, or an empty string.
    QString connectPorts(const QString &fromNode, const QString &fromPort, const QString &toNode,
                         const QString &toPort, QPointF feedbackPos);
    // What dropping palette MIME data at `scenePos` does: adds a node of the carried kind centred
    // there. Returns the new node's id, or an empty string when `mime` carries no kind.
    QString dropKind(const QMimeData *mime, QPointF scenePos);
    // Removes the selected nodes and links as one undo step.
    void removeSelection();

    // The routing inspector's answer drawn on the canvas: links a message would take (green) and
    // links considered and not taken (red, dashed), each with the reason in its tooltip, and what
    // each node reached does with it. Empty hashes clear it.
    struct RouteMark {
        bool taken = false;
        QString why;
    };
    void setRouteMarks(const QHash<QString, RouteMark> &links, const QHash<QString, QString> &nodeNotes);
    const RouteMark *routeMark(const QString &linkId) const;
    QString routeNote(const QString &nodeId) const { return m_routeNotes.value(nodeId); }
    bool showsRoute() const { return !m_routeMarks.isEmpty() || !m_routeNotes.isEmpty(); }
    // Opens an editor for node `id`'s name over its label (F2, or a double-click on the label):
    // Return or leaving it renames the node as one undo step, Escape cancels.
    bool editNodeName(const QString &id);
    // The open name editor, or nullptr.
    QGraphicsTextItem *nameEditor() const { return m_nameEditor; }

    // The transient message shown after a refused connection, or empty when none is showing.
    QString refusalText() const;
    // Where that message shows in the first view's viewport (empty when none is showing).
    QRect refusalViewRect() const;

    // Whether dragged and aligned nodes snap to the grid (NodeItem::kGrid).
    bool snapToGrid() const { return m_snapToGrid; }
    void setSnapToGrid(bool on) { m_snapToGrid = on; }

    enum class Alignment {
        Left,
        HorizontalCenter,
        Right,
        Top,
        VerticalCenter,
        Bottom,
        DistributeHorizontally, // equal gaps between the boxes, the outermost staying put
        DistributeVertically,
    };
    // Lines up the selected nodes (two or more; three for distributing) as one undo step.
    // Returns false, saying why, when there is nothing to align.
    bool alignSelection(Alignment alignment, QString *error = nullptr);

    // Live view of a run (see LiveOverlay). The scene repaints only the items whose figures
    // changed, at most once per frame, and animates dots while any are travelling.
    const LiveOverlay &live() const { return m_live; }
    LiveOverlay &live() { return m_live; }
    void beginLive(const Topology &topology, const QStringList &groupNames = {});
    void addLiveEvents(const std::vector<sb::TraceEvent> &events);
    void setLiveStats(std::shared_ptr<const sb::LiveStatsSnapshot> stats);
    // The faults active now: their links and nodes look faulty until they end.
    void setLiveFaults(const std::vector<FaultActivation> &active);
    void clearLive();
    // Shows `engine`'s runs: each run from the beginning resets the live view, its batches and
    // snapshots feed it, and its figures stay after it ends until the document is edited (moving
    // nodes aside) or replaced.
    void followEngine(EngineHost *engine);

signals:
    void selectionChangedIds();
    void nodeProblemsChanged();
    void connectionRefused(const QString &reason);
    // A context menu was asked for at `screenPos`; the item under it (if any) is now selected.
    void contextMenuRequested(const QPoint &screenPos);
    // A trace batch changed what these topics and consumers show of the run's logs and groups
    // (live().logs()); empty: every node (a run began, or its figures were cleared).
    void liveLogsChanged(const QStringList &nodeIds);

protected:
    void mousePressEvent(QGraphicsSceneMouseEvent *event) override;
    void mouseMoveEvent(QGraphicsSceneMouseEvent *event) override;
    void mouseReleaseEvent(QGraphicsSceneMouseEvent *event) override;
    void mouseDoubleClickEvent(QGraphicsSceneMouseEvent *event) override;
    void keyPressEvent(QKeyEvent *event) override;
    void contextMenuEvent(QGraphicsSceneContextMenuEvent *event) override;
    void dragEnterEvent(QGraphicsSceneDragDropEvent *event) override;
    void dragMoveEvent(QGraphicsSceneDragDropEvent *event) override;
    void dropEvent(QGraphicsSceneDragDropEvent *event) override;
    void helpEvent(QGraphicsSceneHelpEvent *event) override;

private:
    void animateLive();
    void animateWhileDotsTravel(); // starts the animation timer when dots are on their way
    void refreshLiveToolTip();
    void rebuild();
    void addNodeItem(const QString &id);
    void addLinkItem(const QString &id);
    void removeNodeItem(const QString &id);
    void removeLinkItem(const QString &id);
    void syncLinksOf(const QString &nodeId);
    void onNodeChanged(const QString &id);
    void onNodeIdChanged(const QString &oldId, const QString &newId);
    // Closes the name editor, renaming its node when `commit` and the text changed.
    void finishNameEdit(bool commit);
    void onBindingsChanged(const QString &exchange, const QString &destination);
    // Where a refusal box of `boxPixels` (screen pixels) goes for a gesture at `scenePos`: fully
    // inside the view.
    QPointF refusalPosition(QPointF scenePos, QSizeF boxPixels) const;
    void showRefusal(const QString &reason, QPointF scenePos);

    PortItem *inputPortAt(QPointF scenePos) const;
    // Marks every input port as accepting or refusing a link from `from` (TopologyDocument's
    // checkLink, the rule the drop applies), or, with nullptr, clears the marks.
    void markLinkTargets(const PortItem *from);
    // The selected nodes' item positions that differ from the document's.
    QHash<QString, QPointF> movedNodes() const;

    QPointer<TopologyDocument> m_document; // may die first when both belong to one parent
    QHash<QString, NodeItem *> m_nodes;
    QHash<QString, QString> m_problems; // setNodeProblem
    QHash<QString, LinkItem *> m_links;
    LinkLayer *m_linkLayer = nullptr; // owned by the scene as an item

    // Dragging nodes: true from a press on a node until the release.
    bool m_draggingNodes = false;
    bool m_movedDuringDrag = false;
    // Connecting: the output port the drag started from, the rubber line and the hovered input.
    PortItem *m_connectFrom = nullptr;
    QGraphicsPathItem *m_connectLine = nullptr;
    PortItem *m_hoveredInput = nullptr;

    // Set while one change selects or deselects many items, which then report once.
    bool m_quietSelection = false;
    bool m_building = false; // rebuild() adds the links: the link layer follows once, at the end
    bool m_snapToGrid = true;

    QGraphicsTextItem *m_nameEditor = nullptr;
    QString m_nameEditorNode;

    QGraphicsRectItem *m_refusalBox = nullptr;
    QGraphicsTextItem *m_refusal = nullptr;
    QTimer *m_refusalTimer;

    QHash<QString, RouteMark> m_routeMarks;
    QHash<QString, QString> m_routeNotes;

    LiveOverlay m_live;
    QTimer *m_liveTimer; // animates dots at frame rate while any travel
    // The item whose live tooltip is showing, to refresh it as the figures change.
    QString m_tipNodeId;
    QString m_tipLinkId;
    QPoint m_tipScreenPos;
    QPointer<QWidget> m_tipWidget;
};

} // namespace sb
