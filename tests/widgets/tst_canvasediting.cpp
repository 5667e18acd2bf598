// Editing gestures beyond add/connect/delete: align and distribute, snap to grid on and off,
// Space+drag panning, and the context menu request that selects what was right-clicked.
#include "canvasitems.h"
#include "canvasscene.h"
#include "canvastest.h"
#include "canvasview.h"
#include "topologydocument.h"

#include <QApplication>
#include <QGraphicsSceneContextMenuEvent>
#include <QGraphicsTextItem>
#include <QSignalSpy>
#include <QTest>
#include <QUndoStack>

#include <memory>

using namespace sb;
using namespace sbtest;

namespace {

Topology workQueue()
{
    const LoadResult r = loadTopologyFile(SIGNALBOX_EXAMPLES_DIR "/work-queue.json");
    if (!r.ok()) qFatal("cannot load the example: %s", r.errorText().c_str());
    return *r.topology;
}

// "id:x,y id:x,y" as a map.
QHash<QString, QPointF> positions(const QString &spec)
{
    QHash<QString, QPointF> out;
    for (const QString &entry : spec.split(QLatin1Char(' '), Qt::SkipEmptyParts)) {
        const QStringList idAndPoint = entry.split(QLatin1Char(':'));
        const QStringList xy = idAndPoint.at(1).split(QLatin1Char(','));
        out.insert(idAndPoint.at(0), QPointF(xy.at(0).toDouble(), xy.at(1).toDouble()));
    }
    return out;
}

} // namespace

class TestCanvasEditing : public QObject {
    Q_OBJECT

private slots:
    void init();
    void cleanup();

    void alignSelection_data();
    void alignSelection();
    void alignNeedsEnoughNodes();
    void alignAlreadyAlignedAddsNoStep();
    void snapToGridCanBeTurnedOff_data();
    void snapToGridCanBeTurnedOff();
    void spaceDragPans();
    void contextMenuSelectsItemUnderCursor();
    void f2RenamesSelectedNode();
    void doubleClickOnLabelRenames();
    void escapeCancelsRename();
    void idChangeKeepsItemsAndSelection();

private:
    void showView();
    void select(const QStringList &ids);
    QPoint viewPoint(QPointF scenePos) const { return m_view->mapFromScene(scenePos); }

    std::unique_ptr<TopologyDocument> m_doc;
    std::unique_ptr<CanvasScene> m_scene;
    std::unique_ptr<CanvasView> m_view;
};

void TestCanvasEditing::init()
{
    m_doc = std::make_unique<TopologyDocument>();
    m_scene = std::make_unique<CanvasScene>(m_doc.get());
    QVERIFY(m_doc->setTopology(workQueue()));
}

void TestCanvasEditing::cleanup()
{
    m_view.reset();
    m_scene.reset();
    m_doc.reset();
}

void TestCanvasEditing::showView()
{
    m_view = std::make_unique<CanvasView>(m_scene.get());
    m_view->resize(900, 600);
    m_view->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_view.get()));
    m_view->centerOn(m_scene->itemsBoundingRect().center());
}

void TestCanvasEditing::select(const QStringList &ids)
{
    m_scene->clearSelection();
    for (const QString &id : ids)
        m_scene->nodeItem(id)->setSelected(true);
}

void TestCanvasEditing::alignSelection_data()
{
    // work-queue: producer (0,100), tasks (250,100), worker-1 (500,0), worker-2 (500,100), worker-3
    // (500,200).
    QTest::addColumn<int>("alignment");
    QTest::addColumn<QStringList>("selection");
    QTest::addColumn<QString>("expected");
    using A = CanvasScene::Alignment;
    const QStringList three{"producer", "worker-1", "worker-3"};
    QTest::newRow("left") << int(A::Left) << three << "producer:0,100 worker-1:0,0 worker-3:0,200";
    QTest::newRow("right") << int(A::Right) << three << "producer:500,100 worker-1:500,0 worker-3:500,200";
    QTest::newRow("h-centre") << int(A::HorizontalCenter) << three
                              << "producer:250,100 worker-1:250,0 worker-3:250,200";
    QTest::newRow("top") << int(A::Top) << three << "producer:0,0 worker-1:500,0 worker-3:500,0";
    QTest::newRow("bottom") << int(A::Bottom) << three << "producer:0,200 worker-1:500,200 worker-3:500,200";
    QTest::newRow("v-centre") << int(A::VerticalCenter) << three
                              << "producer:0,100 worker-1:500,100 worker-3:500,100";
    // Sorted by x (ties keep document order): producer 0, worker-1, worker-3 spread to 250 and 500.
    QTest::newRow("distribute-h") << int(A::DistributeHorizontally) << three
                                  << "producer:0,100 worker-1:250,0 worker-3:500,200";
    QTest::newRow("distribute-v") << int(A::DistributeVertically)
                                  << QStringList{"producer", "tasks", "worker-3"}
                                  << "producer:0,100 tasks:250,150 worker-3:500,200";
}

void TestCanvasEditing::alignSelection()
{
    QFETCH(int, alignment);
    QFETCH(QStringList, selection);
    QFETCH(QString, expected);
    const Topology before = m_doc->topology();
    select(selection);
    const int steps = m_doc->undoStack()->count();
    QString error;
    QVERIFY2(m_scene->alignSelection(CanvasScene::Alignment(alignment), &error), qPrintable(error));
    const auto want = positions(expected);
    for (auto it = want.begin(); it != want.end(); ++it) {
        QCOMPARE(docPos(*m_doc, it.key()), it.value());
        QCOMPARE(m_scene->nodeItem(it.key())->pos(), it.value()); // the canvas follows
    }
    QCOMPARE(m_doc->undoStack()->count(), steps + 1);
    m_doc->undoStack()->undo();
    QCOMPARE(m_doc->topology(), before);
}

void TestCanvasEditing::alignNeedsEnoughNodes()
{
    select({"producer"});
    QString error;
    QVERIFY(!m_scene->alignSelection(CanvasScene::Alignment::Left, &error));
    QVERIFY2(error.contains("two or more"), qPrintable(error));
    select({"producer", "tasks"});
    QVERIFY(!m_scene->alignSelection(CanvasScene::Alignment::DistributeHorizontally, &error));
    QVERIFY2(error.contains("three or more"), qPrintable(error));
    QCOMPARE(m_doc->undoStack()->count(), 0);
}

void TestCanvasEditing::alignAlreadyAlignedAddsNoStep()
{
    select({"worker-1", "worker-2", "worker-3"});
    QVERIFY(m_scene->alignSelection(CanvasScene::Alignment::Left));
    QCOMPARE(m_doc->undoStack()->count(), 0);
}

void TestCanvasEditing::snapToGridCanBeTurnedOff_data()
{
    QTest::addColumn<bool>("snap");
    QTest::addColumn<QPointF>("expected");
    // A drag of (13, 7) pixels at zoom 1 from tasks at (250, 100).
    QTest::newRow("snap on") << true << QPointF(260, 110);
    QTest::newRow("snap off") << false << QPointF(263, 107);
}

void TestCanvasEditing::snapToGridCanBeTurnedOff()
{
    QFETCH(bool, snap);
    QFETCH(QPointF, expected);
    m_scene->setSnapToGrid(snap);
    QCOMPARE(m_scene->snapToGrid(), snap);
    showView();
    m_view->setZoom(1);
    const QPoint from = viewPoint(QPointF(250, 100) + QPointF(NodeItem::kWidth / 2, 20));
    drag(m_view->viewport(), from, from + QPoint(13, 7));
    QCOMPARE(docPos(*m_doc, QStringLiteral("tasks")), expected);
}

void TestCanvasEditing::spaceDragPans()
{
    showView();
    m_view->setZoom(2);
    const QPointF before = m_view->mapToScene(m_view->viewport()->rect().center());
    m_view->setFocus();
    QTest::keyPress(m_view.get(), Qt::Key_Space);
    QCOMPARE(m_view->viewport()->cursor().shape(), Qt::OpenHandCursor);
    // Starting on a node: with Space held the drag pans rather than moving the node.
    const QPoint onTasks = viewPoint(QPointF(250, 100) + QPointF(NodeItem::kWidth / 2, 20));
    drag(m_view->viewport(), onTasks, onTasks - QPoint(60, 40));
    QTest::keyRelease(m_view.get(), Qt::Key_Space);
    const QPointF after = m_view->mapToScene(m_view->viewport()->rect().center());
    QCOMPARE(qRound((after - before).x() * 2), 60);
    QCOMPARE(qRound((after - before).y() * 2), 40);
    QCOMPARE(docPos(*m_doc, QStringLiteral("tasks")), QPointF(250, 100));
    QCOMPARE(m_doc->undoStack()->count(), 0);
    QVERIFY(m_view->viewport()->cursor().shape() != Qt::OpenHandCursor);

    // Without Space the same drag moves the node again.
    const QPoint now = viewPoint(QPointF(250, 100) + QPointF(NodeItem::kWidth / 2, 20));
    drag(m_view->viewport(), now, now + QPoint(40, 0));
    QCOMPARE(docPos(*m_doc, QStringLiteral("tasks")), QPointF(270, 100));
}

void TestCanvasEditing::contextMenuSelectsItemUnderCursor()
{
    QSignalSpy requested(m_scene.get(), &CanvasScene::contextMenuRequested);
    QSignalSpy selection(m_scene.get(), &CanvasScene::selectionChangedIds);
    select({"producer", "tasks"});
    // On a node outside the selection: that node alone is selected.
    QGraphicsSceneContextMenuEvent onWorker(QEvent::GraphicsSceneContextMenu);
    onWorker.setScenePos(QPointF(500, 100) + QPointF(NodeItem::kWidth / 2, 20));
    onWorker.setScreenPos(QPoint(321, 123));
    QApplication::sendEvent(m_scene.get(), &onWorker);
    QCOMPARE(requested.count(), 1);
    QCOMPARE(requested.at(0).at(0).toPoint(), QPoint(321, 123));
    QCOMPARE(m_scene->selectedNodeIds(), QStringList{"worker-2"});
    QVERIFY(selection.count() >= 1);

    // On a node inside a selection: the selection stays.
    select({"producer", "tasks"});
    QGraphicsSceneContextMenuEvent onTasks(QEvent::GraphicsSceneContextMenu);
    onTasks.setScenePos(QPointF(250, 100) + QPointF(NodeItem::kWidth / 2, 20));
    QApplication::sendEvent(m_scene.get(), &onTasks);
    QCOMPARE(requested.count(), 2);
    QCOMPARE(m_scene->selectedNodeIds(), (QStringList{"producer", "tasks"}));
}

// Issue 9, usability 2: F2 on the canvas with a node selected opens an editor over its label;
// typing and Return rename it as one undo step.
void TestCanvasEditing::f2RenamesSelectedNode()
{
    showView();
    m_view->activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(m_view.get()));
    m_view->setFocus();
    select({"tasks"});
    QTest::keyClick(m_view.get(), Qt::Key_F2);
    QGraphicsTextItem *editor = m_scene->nameEditor();
    QVERIFY(editor);
    QCOMPARE(editor->toPlainText(), m_scene->nodeItem("tasks")->name());
    QVERIFY(editor->hasFocus());
    // Over the label.
    const NodeItem *tasks = m_scene->nodeItem("tasks");
    QVERIFY(editor->sceneBoundingRect().intersects(tasks->mapRectToScene(tasks->nameRect())));
    // The whole name is selected: typing replaces it.
    QTest::keyClicks(m_view.get(), QStringLiteral("orders"));
    QTest::keyClick(m_view.get(), Qt::Key_Return);
    QVERIFY(!m_scene->nameEditor());
    QCOMPARE(QString::fromStdString(m_doc->node("tasks")->name), QString("orders"));
    QCOMPARE(m_scene->nodeItem("tasks")->name(), QString("orders"));
    QCOMPARE(m_doc->undoStack()->count(), 1);
    QVERIFY(m_doc->undoStack()->undoText().startsWith("Rename node "));
    QVERIFY(m_doc->undoStack()->undoText().endsWith(" to 'orders'"));
    m_doc->undoStack()->undo();
    QVERIFY(m_scene->nodeItem("tasks")->name() != QString("orders"));

    // F2 without exactly one node selected opens nothing.
    select({"tasks", "producer"});
    QTest::keyClick(m_view.get(), Qt::Key_F2);
    QVERIFY(!m_scene->nameEditor());
}

void TestCanvasEditing::doubleClickOnLabelRenames()
{
    showView();
    m_view->activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(m_view.get()));
    NodeItem *worker = m_scene->nodeItem("worker-2");
    // A double-click on the box but off the label opens nothing.
    QTest::mouseDClick(m_view->viewport(), Qt::LeftButton, {},
                       viewPoint(worker->mapToScene(QPointF(NodeItem::kWidth / 2, NodeItem::kHeight - 6))));
    QVERIFY(!m_scene->nameEditor());
    QTest::mouseDClick(m_view->viewport(), Qt::LeftButton, {},
                       viewPoint(worker->mapToScene(worker->nameRect().center())));
    QVERIFY(m_scene->nameEditor());
    QTest::keyClicks(m_view.get(), QStringLiteral("Worker two"));
    // Leaving the editor (a click elsewhere) commits too.
    m_scene->nameEditor()->clearFocus();
    QVERIFY(!m_scene->nameEditor());
    QCOMPARE(QString::fromStdString(m_doc->node("worker-2")->name), QString("Worker two"));
    QCOMPARE(m_doc->undoStack()->count(), 1);
}

void TestCanvasEditing::escapeCancelsRename()
{
    showView();
    m_view->activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(m_view.get()));
    const std::string before = m_doc->node("producer")->name;
    QVERIFY(m_scene->editNodeName("producer"));
    QTest::keyClicks(m_view.get(), QStringLiteral("nope"));
    QTest::keyClick(m_view.get(), Qt::Key_Escape);
    QVERIFY(!m_scene->nameEditor());
    QCOMPARE(m_doc->node("producer")->name, before);
    QCOMPARE(m_doc->undoStack()->count(), 0);
}

// A new id keeps the node's item (re-keyed), its links attached and its selection.
void TestCanvasEditing::idChangeKeepsItemsAndSelection()
{
    select({"tasks"});
    NodeItem *item = m_scene->nodeItem("tasks");
    QSignalSpy selection(m_scene.get(), &CanvasScene::selectionChangedIds);
    QVERIFY(m_doc->changeNodeId("tasks", "jobs"));
    QCOMPARE(m_scene->nodeItem("jobs"), item);
    QVERIFY(!m_scene->nodeItem("tasks"));
    QCOMPARE(item->id(), QString("jobs"));
    QCOMPARE(m_scene->selectedNodeIds(), QStringList{"jobs"});
    QVERIFY(selection.count() >= 1);
    // The links still end at the node's ports.
    const QPointF in = item->port("in")->anchor();
    const qreal r = PortItem::kRadius + 1; // the arrow's tip touches the port's circle
    QVERIFY(m_scene->linkItem("publish")->shape().boundingRect().adjusted(-r, -r, r, r).contains(in));
    m_doc->undoStack()->undo();
    QCOMPARE(m_scene->nodeItem("tasks"), item);
    QCOMPARE(item->id(), QString("tasks"));
}

QTEST_MAIN(TestCanvasEditing)
#include "tst_canvasediting.moc"
