#pragma once
// The live sequence diagram: a custom-painted view of a SequenceHistory (no QGraphicsScene, so
// nothing is re-indexed as the run grows). It follows the run, or stops following when scrolled
// back; Ctrl+wheel zooms the time axis around the cursor; hovering an arrow shows the frame;
// clicking selects its message and highlights the whole journey; lifelines can be dragged into
// another order and hidden from the header's context menu.
#include "findings.h"
#include "sequenceprojection.h"
#include "sequencerenderer.h"

#include <QAbstractScrollArea>

#include <functional>

namespace sb {

class SequenceView : public QAbstractScrollArea {
    Q_OBJECT

public:
    explicit SequenceView(QWidget *parent = nullptr);

    // The history is borrowed; call historyChanged() after appending to it (once a frame).
    void setHistory(const SequenceHistory *history);
    // Shows a history re-placed in another order (its copies' tooltips describe the traced
    // events, with their clocks); null: back to `trueHistory()`. Borrowed.
    void setProjection(const SequenceProjection *projection);
    void setTrueHistory(const SequenceHistory *history) { m_trueHistory = history; }
    const SequenceProjection *projection() const { return m_projection; }
    // The nodes' clocks (contradicting arrows marked in true order), link ends and fault names
    // (fault marks): see SequenceLayout.
    void setClockContext(std::vector<NodeClock> clocks, std::vector<std::pair<NodeIndex, NodeIndex>> linkEnds,
                         std::function<QString(std::uint64_t)> faultName);
    const SequenceHistory *history() const { return m_history; }
    void historyChanged();
    // The nodes (ids and kinds, by NodeIndex) and links (ids, by LinkIndex) of the run; resets the
    // lifeline order to the given one (canvas order: left to right, then top to bottom). Headers
    // and tooltips show `nodeNames` (see nodeLabels()); the ids when it is not one a node.
    void setTopology(const QStringList &nodeIds, const QStringList &nodeKinds, const QStringList &linkIds,
                     const std::vector<NodeIndex> &order = {}, const QStringList &nodeNames = {});
    const SequenceLayout &layout() const { return m_layout; }
    QStringList linkIds() const { return m_linkIds; }
    // What a hovered arrow's tooltip adds about its message (routing key, headers...), if anything.
    void setMessageDetails(std::function<QString(std::uint64_t messageId)> details)
    {
        m_messageDetails = std::move(details);
    }
    // Where Request arrows find their method ("orders.Orders/Get"), by the request's message id.
    void setMethodLookup(std::function<QString(std::uint64_t messageId)> method)
    {
        m_layout.method = std::move(method);
    }
    // The tooltip of the arrow at history index `i`.
    QString arrowToolTip(std::size_t i) const;
    // The tooltip of a lifeline's header: its name, id and kind.
    QString headerToolTip(NodeIndex node) const;

    // Lifelines, left to right (node indices); hidden nodes are left out.
    std::vector<NodeIndex> lifelineOrder() const { return m_layout.order; }
    void setLifelineOrder(const std::vector<NodeIndex> &order);
    void setNodeHidden(NodeIndex node, bool hidden);
    void showAllNodes();

    bool isFollowing() const { return m_follow; }
    void setFollowing(bool on);
    double nsPerPixel() const { return m_layout.nsPerPixel; }
    void setNsPerPixel(double ns); // clamped to [1 ns, 10 s] a pixel
    void zoomBy(double factor, double anchorY);
    // Shows the window starting at `t` (stops following).
    void scrollToTime(SimTime t);
    SimTime topTime() const { return m_layout.top; }
    SimTime bottomTime() const;

    void setFilter(const SequenceFilter &filter);
    const SequenceFilter &filter() const { return m_filter; }
    void setAnnotations(std::vector<SequenceAnnotation> annotations);
    const std::vector<SequenceAnnotation> &annotations() const { return m_annotations; }

    // Selection: a message (its journey highlighted), nodes and links selected elsewhere.
    void selectMessage(std::uint64_t messageId);
    std::uint64_t selectedMessage() const
    {
        return m_journey.of() == SequenceHistory::Journey::Of::Message ? m_journey.id() : 0;
    }
    // Or a call: every attempt of it and of the calls made downstream for it (clicking any arrow
    // of a call selects it).
    void selectCall(std::uint64_t callId);
    std::uint64_t selectedCall() const
    {
        return m_journey.of() == SequenceHistory::Journey::Of::Call ? m_journey.id() : 0;
    }

    // A checker's findings (core/findings.h), marked at their node and time with the check's
    // name and subject, the finding's sentence in the mark's tooltip. Clicking a mark (or
    // showFinding) selects its call, else its message. Kept apart from setAnnotations().
    void setFindings(std::vector<Finding> findings);
    const std::vector<Finding> &findings() const { return m_findings; }
    // Scrolls to finding `index` and selects what it is about.
    void showFinding(std::size_t index);
    // The finding whose mark is at a viewport point, or SIZE_MAX.
    std::size_t findingAt(QPointF viewportPos) const;
    const std::vector<std::size_t> &selectedJourney() const { return m_highlight.journey; }
    void setHighlightedNodes(const QStringList &nodeIds);
    void setHighlightedLinks(const QStringList &linkIds);
    const SequenceHighlight &highlight() const { return m_highlight; }

    // The history index of the arrow at a viewport point, or SIZE_MAX.
    std::size_t arrowAt(QPointF viewportPos) const;
    // The history indices of the marks drawn at the spot nearest a viewport point (several when
    // one mark stands for several events: "assign P0, P3"), or none.
    std::vector<std::size_t> marksAt(QPointF viewportPos) const;
    // The tooltip of those marks: each event described (SequenceRenderer::describe).
    QString markToolTip(const std::vector<std::size_t> &indices) const;
    // Names consumer groups in marks and tooltips (by TraceEvent::group).
    void setGroupNames(std::function<QString(std::uint32_t)> names);
    // The node whose lifeline header is at a viewport point, or kNoIndex.
    NodeIndex headerAt(QPointF viewportPos) const;
    // What the last paint did.
    const SequenceRenderer::Stats &lastStats() const { return m_stats; }
    // How long the last paint took, in ms.
    double lastPaintMs() const { return m_lastPaintMs; }

signals:
    void followingChanged(bool following);
    void zoomChanged(double nsPerPixel);
    // A message was clicked (0: the selection was cleared), with the links its journey used.
    void messageSelected(quint64 messageId, const QStringList &linkIds);
    void messageActivated(quint64 messageId); // double-click: open the inspector
    // A call was selected (0: cleared), with the links its attempts and downstream calls used.
    void callSelected(quint64 callId, const QStringList &linkIds);
    void findingClicked(int index);
    void nodeClicked(const QString &nodeId);
    void lifelinesChanged();

protected:
    void paintEvent(QPaintEvent *event) override;
    void resizeEvent(QResizeEvent *event) override;
    void scrollContentsBy(int dx, int dy) override;
    void wheelEvent(QWheelEvent *event) override;
    void mousePressEvent(QMouseEvent *event) override;
    void mouseMoveEvent(QMouseEvent *event) override;
    void mouseReleaseEvent(QMouseEvent *event) override;
    void mouseDoubleClickEvent(QMouseEvent *event) override;
    void contextMenuEvent(QContextMenuEvent *event) override;
    void keyPressEvent(QKeyEvent *event) override;
    bool viewportEvent(QEvent *event) override;

private:
    void select(std::uint64_t id, SequenceHistory::Journey::Of of);
    QStringList journeyLinks() const;
    // The annotations painted: setAnnotations()'s, then one per finding.
    std::vector<SequenceAnnotation> m_painted;
    std::vector<Finding> m_findings;
    void updatePainted();
    void updateScrollBars();
    void followEnd();
    SimTime visibleSpan() const;
    SimTime scrollUnit() const;

    const SequenceHistory *m_history = nullptr;
    const SequenceHistory *m_trueHistory = nullptr;
    const SequenceProjection *m_projection = nullptr;
    SequenceLayout m_layout;
    QStringList m_linkIds;
    std::function<QString(std::uint64_t)> m_messageDetails;
    std::vector<NodeIndex> m_fullOrder; // every node, in display order (hidden ones included)
    std::vector<bool> m_hidden;
    SequenceFilter m_filter;
    SequenceHighlight m_highlight;
    std::vector<SequenceAnnotation> m_annotations;
    SequenceHistory::Journey m_journey; // the selected message's, kept up to date
    bool m_follow = true;
    bool m_updatingScrollBars = false;
    std::vector<SequenceRenderer::DrawnArrow> m_hits;
    SequenceRenderer::Stats m_stats;
    double m_lastPaintMs = 0;
    // Dragging a lifeline header to reorder.
    NodeIndex m_draggedNode = kNoIndex;
    double m_dragStartX = 0;
};

} // namespace sb
