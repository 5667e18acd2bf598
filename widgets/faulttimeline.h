#pragma once
// The fault plan as a Gantt chart: one row per target (a link, a node, a group of nodes), one bar
// per fault from its start to its end (each repetition of a repeating fault up to the visible
// range), a time axis, and the run's current time as a cursor. Every gesture (dragging on a row's
// empty space adds a fault, dragging a bar's middle moves it, its edges resize it, Delete removes
// it) becomes one TopologyDocument edit, so undo, redo and saving follow; a refused edit changes
// nothing and says why through editRefused().
#include "topology.h"

#include <QAbstractScrollArea>
#include <QStringList>

#include <functional>
#include <map>
#include <optional>
#include <vector>

class QMenu;

namespace sb {

class TopologyDocument;

class FaultTimeline : public QAbstractScrollArea {
    Q_OBJECT

public:
    // What the faults on one row act on.
    struct Row {
        FaultTarget type = FaultTarget::Link; // Group: `nodes` (empty: every node)
        QString target;                       // the link or node id (Link and Node rows)
        QStringList nodes;                    // Group rows, sorted
        QString label;
    };
    // Who picks the kind of a fault drawn on a row: `kinds` fit the row, `last` is the kind used
    // last (offered first). An empty answer cancels. The default shows a small menu at `globalPos`.
    using KindChooser =
        std::function<QString(const QStringList &kinds, const QString &last, QPoint globalPos)>;

    explicit FaultTimeline(TopologyDocument *document, QWidget *parent = nullptr);
    ~FaultTimeline() override;

    const std::vector<Row> &rows() const { return m_rows; }
    // The row fault `f` sits on, or -1.
    int rowOf(const FaultDef &f) const;
    // The fault kinds (registry names) that may act on row `row`'s target.
    QStringList kindsFor(const Row &row) const;

    SimTime visibleStart() const { return m_from; }
    SimTime visibleEnd() const { return m_to; }
    void setVisibleRange(SimTime from, SimTime to);
    // The run's stop time (else 60 s) or the end of the plan's last fault, whichever is later.
    SimTime defaultEnd() const;
    // Shows [0, defaultEnd()].
    void fitToPlan();

    SimTime currentTime() const { return m_now; }
    QString selectedFault() const { return m_selected; }
    // Selects fault `id` (empty: none); emits faultSelected when the selection changes.
    void selectFault(const QString &id);

    // Geometry in viewport coordinates, for painting, hit tests and tests.
    QRect rowRect(int row) const;
    int xOf(SimTime t) const;
    SimTime timeAt(int x) const;
    // Repetition `k` of fault `id`'s bar, clipped to the view; empty when not shown.
    QRect barRect(const QString &id, std::uint64_t k = 0) const;
    // The step times snap to at the current zoom (a tenth of the axis's tick step).
    SimTime snapStep() const;

    // "Add fault": one submenu per category (Link, Messages, Node, Nemesis); a kind acts on the
    // canvas selection when it fits, else its submenu lists the targets. Filled when it opens.
    QMenu *addFaultMenu() const { return m_addMenu; }
    void setKindChooser(KindChooser chooser) { m_chooseKind = std::move(chooser); }
    void setSelectionProvider(std::function<QStringList()> nodes, std::function<QStringList()> links);
    // Adds a fault of `kind` on `row` (the menu's and the drag's way); selects it and returns its
    // id, or says why not through editRefused and returns an empty id.
    QString addFault(const QString &kind, const Row &row, SimTime start, std::optional<SimTime> duration);
    // Where a fault added from the menu starts and how long it lasts at the current zoom.
    SimTime newFaultStart() const;
    SimTime newFaultDuration() const;

public slots:
    // The run's current virtual time (EngineHost::progressed), drawn as a vertical cursor.
    void setCurrentTime(qint64 virtualTimeNs);
    void removeSelected();

signals:
    void faultSelected(const QString &id);
    void editRefused(const QString &reason);

protected:
    bool event(QEvent *event) override;
    void paintEvent(QPaintEvent *event) override;
    void resizeEvent(QResizeEvent *event) override;
    void mousePressEvent(QMouseEvent *event) override;
    void mouseMoveEvent(QMouseEvent *event) override;
    void mouseReleaseEvent(QMouseEvent *event) override;
    void wheelEvent(QWheelEvent *event) override;
    void keyPressEvent(QKeyEvent *event) override;
    void contextMenuEvent(QContextMenuEvent *event) override;

private:
    enum class Part { None, Middle, StartEdge, EndEdge };
    struct Hit {
        QString fault;
        std::uint64_t repetition = 0;
        Part part = Part::None;
    };
    enum class Drag { None, Create, Move, ResizeStart, ResizeEnd };

    void onDocumentChanged();
    void rebuildRows();
    void updateScrollBar();
    void fillAddMenu();
    int labelWidth() const;
    QRect timeArea() const; // the part of the viewport right of the labels and under the axis
    SimTime tickStep() const;
    SimTime snap(SimTime t) const;
    Hit hitAt(QPoint pos) const;
    int rowAt(int y) const;
    // The bar spans of `f` that meet the visible range, as (repetition, start, end).
    std::vector<std::tuple<std::uint64_t, SimTime, SimTime>> spans(const FaultDef &f) const;
    // The fault the drag would leave, from where the drag started to `x`.
    FaultDef dragged(int x) const;
    void paintAxis(QPainter &p) const;
    void paintBar(QPainter &p, const FaultDef &f, const QRect &rowRect) const;
    QString chooseKind(const QStringList &kinds, const QString &last, QPoint globalPos);

    TopologyDocument *m_document;
    std::vector<Row> m_rows;
    SimTime m_from = 0;
    SimTime m_to = 60 * kSecond;
    SimTime m_now = 0;
    QString m_selected;
    QMenu *m_addMenu;
    KindChooser m_chooseKind;
    std::function<QStringList()> m_selectedNodes;
    std::function<QStringList()> m_selectedLinks;
    std::map<FaultTarget, QString> m_lastKind;

    Drag m_drag = Drag::None;
    QPoint m_pressPos;
    SimTime m_pressTime = 0;
    int m_pressRow = -1;
    std::uint64_t m_pressRepetition = 0;
    FaultDef m_original; // the fault being moved or resized, as it was
    std::optional<FaultDef> m_preview;
    int m_dragX = 0;
};

} // namespace sb
