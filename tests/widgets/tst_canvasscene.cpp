// The canvas mirrors the document: one item per node and link, updated by the document's signals
// (including undo), and gestures (drop, drag, connect, Delete) become document edits.
#include "canvasitems.h"
#include "canvasscene.h"
#include "canvastest.h"
#include "canvasview.h"
#include "palettemodel.h"
#include "topologydocument.h"

#include <QApplication>
#include <QFontMetricsF>
#include <QGraphicsSceneDragDropEvent>
#include <QMimeData>
#include <QSignalSpy>
#include <QTest>
#include <QUndoStack>

#include <memory>

using namespace sb;
using namespace sbtest;

namespace {

Topology loadExample(const QString &file)
{
    const LoadResult r =
        loadTopologyFile(QStringLiteral(SIGNALBOX_EXAMPLES_DIR "/%1").arg(file).toStdString());
    if (!r.ok()) qFatal("cannot load %s: %s", qPrintable(file), r.errorText().c_str());
    return *r.topology;
}

template <typename T> int countItems(const QGraphicsScene &scene)
{
    int n = 0;
    for (QGraphicsItem *item : scene.items())
        if (qgraphicsitem_cast<T *>(item)) ++n;
    return n;
}

void sendDrop(QGraphicsScene *scene, QEvent::Type type, const QMimeData *mime, QPointF scenePos)
{
    QGraphicsSceneDragDropEvent e(type);
    e.setMimeData(mime);
    e.setScenePos(scenePos);
    e.setPossibleActions(Qt::CopyAction);
    e.setProposedAction(Qt::CopyAction);
    e.setButtons(Qt::LeftButton);
    e.ignore();
    QApplication::sendEvent(scene, &e);
}

} // namespace

class TestCanvasScene : public QObject {
    Q_OBJECT

private slots:
    void init();
    void cleanup();

    void itemsForExample_data();
    void itemsForExample();
    void documentEditsUpdateOnlyAffectedItems();
    void documentMoveMovesItemAndLinks();
    void dropAddsNode();
    void dropIgnoresOtherData();
    void dragMovesNodeAsOneUndoStep();
    void dragBetweenPortsConnects();
    void invalidConnectionIsRefused();
    void connectHelperRefusesWrongProtocol();
    void refusalStaysInsideTheView_data();
    void refusalStaysInsideTheView();
    void successfulLinkClearsTheRefusal();
    void portsShowWhetherTheyTakeTheDraggedLink();
    void linksHaveAWideHitArea();
    void nodesFitTheirNames_data();
    void nodesFitTheirNames();
    void deleteRemovesSelection();
    void selectionApi();
    void deliveryLinksAreDashed();
    void viewZoomShortcuts();
    void viewWheelZoomKeepsPointUnderCursor();
    void viewMiddleButtonPans();
    void viewRubberBandSelects();
    void dropOnViewAddsNode();

private:
    std::unique_ptr<TopologyDocument> m_doc;
    std::unique_ptr<CanvasScene> m_scene;
    std::unique_ptr<CanvasView> m_view;

    void showView();
    QPoint viewPoint(QPointF scenePos) const { return m_view->mapFromScene(scenePos); }
};

void TestCanvasScene::init()
{
    m_doc = std::make_unique<TopologyDocument>();
    m_scene = std::make_unique<CanvasScene>(m_doc.get());
    QString error;
    QVERIFY2(m_doc->setTopology(loadExample(QStringLiteral("work-queue.json")), &error), qPrintable(error));
}

void TestCanvasScene::cleanup()
{
    m_view.reset();
    m_scene.reset();
    m_doc.reset();
}

void TestCanvasScene::showView()
{
    m_view = std::make_unique<CanvasView>(m_scene.get());
    m_view->resize(900, 600);
    m_view->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_view.get()));
    m_view->centerOn(m_scene->itemsBoundingRect().center());
}

void TestCanvasScene::itemsForExample_data()
{
    QTest::addColumn<QString>("file");
    QTest::newRow("work-queue") << QStringLiteral("work-queue.json");
    QTest::newRow("topic-routing") << QStringLiteral("topic-routing.json");
    QTest::newRow("dead-letter") << QStringLiteral("dead-letter.json");
}

void TestCanvasScene::itemsForExample()
{
    QFETCH(QString, file);
    QVERIFY(m_doc->setTopology(loadExample(file)));
    QCOMPARE(countItems<NodeItem>(*m_scene), m_doc->nodeIds().size());
    QCOMPARE(countItems<LinkItem>(*m_scene), m_doc->linkIds().size());
    for (const QString &id : m_doc->nodeIds()) {
        NodeItem *n = m_scene->nodeItem(id);
        QVERIFY2(n, qPrintable(id));
        QCOMPARE(n->pos(), docPos(*m_doc, id));
        const NodeKindSpec *spec = KindRegistry::builtin().find(m_doc->node(id)->kind);
        QCOMPARE(n->ports().size(), spec->ports.size());
        for (PortItem *p : n->ports()) {
            QVERIFY(p->toolTip().startsWith(p->name()));
            // Inputs on the left edge, outputs on the right.
            QCOMPARE(p->pos().x(), p->isOutput() ? n->width() : 0.0);
        }
    }
    for (const QString &id : m_doc->linkIds()) {
        LinkItem *l = m_scene->linkItem(id);
        QVERIFY2(l, qPrintable(id));
        const LinkDef *def = m_doc->link(id);
        const QPointF from = m_scene->nodeItem(QString::fromStdString(def->from))
                                 ->port(QString::fromStdString(def->fromPort))
                                 ->anchor();
        QVERIFY(l->shape().contains(from));
    }
}

void TestCanvasScene::documentEditsUpdateOnlyAffectedItems()
{
    NodeItem *producer = m_scene->nodeItem(QStringLiteral("producer"));
    LinkItem *publish = m_scene->linkItem(QStringLiteral("publish"));

    const QString id = m_doc->addNode(QStringLiteral("queue"), {800, 300});
    QVERIFY(!id.isEmpty());
    QCOMPARE(countItems<NodeItem>(*m_scene), 6);
    QVERIFY(m_scene->nodeItem(id));
    // The other items are the same objects: one change, one item.
    QCOMPARE(m_scene->nodeItem(QStringLiteral("producer")), producer);
    QCOMPARE(m_scene->linkItem(QStringLiteral("publish")), publish);

    QVERIFY(m_doc->removeItems({QStringLiteral("tasks")}, {}));
    QCOMPARE(countItems<NodeItem>(*m_scene), 5);
    QCOMPARE(countItems<LinkItem>(*m_scene), 0);
    QVERIFY(!m_scene->nodeItem(QStringLiteral("tasks")));

    m_doc->undoStack()->undo();
    QCOMPARE(countItems<NodeItem>(*m_scene), 6);
    QCOMPARE(countItems<LinkItem>(*m_scene), 4);
    QCOMPARE(m_scene->nodeItem(QStringLiteral("producer")), producer);

    m_doc->undoStack()->undo();
    QCOMPARE(countItems<NodeItem>(*m_scene), 5);
    QVERIFY(!m_scene->nodeItem(id));

    m_doc->undoStack()->redo();
    QCOMPARE(countItems<NodeItem>(*m_scene), 6);
    QVERIFY(m_scene->nodeItem(id));

    QVERIFY(m_doc->renameNode(QStringLiteral("producer"), QStringLiteral("Orders")));
    QVERIFY(producer->toolTip().startsWith(QStringLiteral("Orders")));
}

void TestCanvasScene::documentMoveMovesItemAndLinks()
{
    LinkItem *publish = m_scene->linkItem(QStringLiteral("publish"));
    const QRectF before = publish->sceneBoundingRect();
    QVERIFY(m_doc->moveNodes({{QStringLiteral("producer"), QPointF(-200, 400)}}, true));
    QCOMPARE(m_scene->nodeItem(QStringLiteral("producer"))->pos(), QPointF(-200, 400));
    QVERIFY(publish->sceneBoundingRect() != before);
    QVERIFY(publish->shape().contains(
        m_scene->nodeItem(QStringLiteral("producer"))->port(QStringLiteral("out"))->anchor()));
    m_doc->undoStack()->undo();
    QCOMPARE(m_scene->nodeItem(QStringLiteral("producer"))->pos(), QPointF(0, 100));
    QCOMPARE(publish->sceneBoundingRect(), before);
}

void TestCanvasScene::dropAddsNode()
{
    QMimeData mime;
    mime.setData(QLatin1String(kKindMimeType), QByteArrayLiteral("exchange"));
    const QPointF at(403, 517);
    const int steps = m_doc->undoStack()->count();

    sendDrop(m_scene.get(), QEvent::GraphicsSceneDragEnter, &mime, at);
    QGraphicsSceneDragDropEvent move(QEvent::GraphicsSceneDragMove);
    move.setMimeData(&mime);
    move.setScenePos(at);
    move.setProposedAction(Qt::CopyAction);
    move.ignore();
    QApplication::sendEvent(m_scene.get(), &move);
    QVERIFY(move.isAccepted());
    QCOMPARE(move.dropAction(), Qt::CopyAction);

    sendDrop(m_scene.get(), QEvent::GraphicsSceneDrop, &mime, at);

    QCOMPARE(m_doc->nodeIds().size(), 6);
    QCOMPARE(countItems<NodeItem>(*m_scene), 6);
    const QString id = m_doc->nodeIds().last();
    QCOMPARE(m_doc->node(id)->kind, std::string("exchange"));
    // Centred under the cursor, on the grid.
    const QPointF pos = docPos(*m_doc, id);
    QCOMPARE(pos, QPointF(330, 490));
    QCOMPARE(m_doc->undoStack()->count(), steps + 1);

    m_doc->undoStack()->undo();
    QCOMPARE(m_doc->nodeIds().size(), 5);
    QCOMPARE(countItems<NodeItem>(*m_scene), 5);
}

void TestCanvasScene::dropIgnoresOtherData()
{
    QMimeData mime;
    mime.setText(QStringLiteral("queue"));
    sendDrop(m_scene.get(), QEvent::GraphicsSceneDragEnter, &mime, {10, 10});
    // The scene takes every drag in; whether it may drop is decided while the drag moves.
    QGraphicsSceneDragDropEvent move(QEvent::GraphicsSceneDragMove);
    move.setMimeData(&mime);
    move.setScenePos({10, 10});
    move.setProposedAction(Qt::CopyAction);
    move.ignore();
    QApplication::sendEvent(m_scene.get(), &move);
    QVERIFY(!move.isAccepted());
    QCOMPARE(m_scene->dropKind(&mime, {10, 10}), QString());
    QCOMPARE(m_doc->nodeIds().size(), 5);
}

void TestCanvasScene::dragMovesNodeAsOneUndoStep()
{
    showView();
    const QString id = QStringLiteral("worker-2");
    const QPointF start = docPos(*m_doc, id);
    const int steps = m_doc->undoStack()->count();
    QSignalSpy moved(m_doc.get(), &TopologyDocument::nodeMoved);

    // Grab the node in its middle, away from the ports.
    const QPoint from = viewPoint(start + QPointF(NodeItem::kWidth / 2, NodeItem::kHeight / 2));
    drag(m_view->viewport(), from, from + QPoint(73, 48));

    const QPointF end = docPos(*m_doc, id);
    QVERIFY2(end != start, "the drag did not move the node in the document");
    QCOMPARE(end, NodeItem::snapped(end));
    QVERIFY(moved.count() >= 1);
    QCOMPARE(moved.last().at(0).toString(), id);
    QCOMPARE(m_scene->nodeItem(id)->pos(), end);
    QCOMPARE(m_doc->undoStack()->count(), steps + 1);
    QCOMPARE(m_scene->selectedNodeIds(), QStringList{id});

    m_doc->undoStack()->undo();
    QCOMPARE(docPos(*m_doc, id), start);
    QCOMPARE(m_scene->nodeItem(id)->pos(), start);
}

void TestCanvasScene::dragBetweenPortsConnects()
{
    const QString consumer = m_doc->addNode(QStringLiteral("consumer"), {500, 300});
    QVERIFY(!consumer.isEmpty());
    showView();
    const int links = m_doc->linkIds().size();
    QSignalSpy added(m_doc.get(), &TopologyDocument::linkAdded);
    QSignalSpy refused(m_scene.get(), &CanvasScene::connectionRefused);

    PortItem *out = m_scene->nodeItem(QStringLiteral("tasks"))->port(QStringLiteral("deliver"));
    PortItem *in = m_scene->nodeItem(consumer)->port(QStringLiteral("in"));
    QVERIFY(out && in);
    drag(m_view->viewport(), viewPoint(out->anchor()), viewPoint(in->anchor()));

    QCOMPARE(refused.count(), 0);
    QCOMPARE(added.count(), 1);
    QCOMPARE(m_doc->linkIds().size(), links + 1);
    const LinkDef *l = m_doc->link(added.first().at(0).toString());
    QVERIFY(l);
    QCOMPARE(l->from, std::string("tasks"));
    QCOMPARE(l->fromPort, std::string("deliver"));
    QCOMPARE(l->to, consumer.toStdString());
    QCOMPARE(l->toPort, std::string("in"));
    QCOMPARE(countItems<LinkItem>(*m_scene), links + 1);
    // The node did not move and the temporary line is gone.
    QCOMPARE(docPos(*m_doc, QStringLiteral("tasks")), QPointF(250, 100));
    QCOMPARE(countItems<QGraphicsPathItem>(*m_scene), 0);
}

void TestCanvasScene::invalidConnectionIsRefused()
{
    showView();
    const int links = m_doc->linkIds().size();
    const int steps = m_doc->undoStack()->count();
    QSignalSpy refused(m_scene.get(), &CanvasScene::connectionRefused);

    // A producer publishes; a consumer's input takes deliveries.
    PortItem *out = m_scene->nodeItem(QStringLiteral("producer"))->port(QStringLiteral("out"));
    PortItem *in = m_scene->nodeItem(QStringLiteral("worker-3"))->port(QStringLiteral("in"));
    QVERIFY(out && in);
    drag(m_view->viewport(), viewPoint(out->anchor()), viewPoint(in->anchor()));

    QCOMPARE(refused.count(), 1);
    const QString reason = refused.first().at(0).toString();
    QVERIFY2(reason.contains(QStringLiteral("producer")), qPrintable(reason));
    QCOMPARE(m_scene->refusalText(), reason);
    QCOMPARE(m_doc->linkIds().size(), links);
    QCOMPARE(countItems<LinkItem>(*m_scene), links);
    QCOMPARE(m_doc->undoStack()->count(), steps);
}

void TestCanvasScene::refusalStaysInsideTheView_data()
{
    // Where in the viewport the gesture ended, as fractions of its size, and the zoom.
    QTest::addColumn<QPointF>("where");
    QTest::addColumn<qreal>("zoom");
    QTest::newRow("middle") << QPointF(0.5, 0.5) << 1.0;
    QTest::newRow("right edge") << QPointF(0.99, 0.5) << 1.0;
    QTest::newRow("bottom edge") << QPointF(0.5, 0.99) << 1.0;
    QTest::newRow("bottom-right corner") << QPointF(0.99, 0.99) << 1.0;
    QTest::newRow("top-left corner") << QPointF(0.01, 0.01) << 1.0;
    QTest::newRow("corner, zoomed out") << QPointF(0.99, 0.99) << 0.3;
    QTest::newRow("corner, zoomed in") << QPointF(0.99, 0.99) << 2.5;
}

void TestCanvasScene::refusalStaysInsideTheView()
{
    QFETCH(QPointF, where);
    QFETCH(qreal, zoom);
    showView();
    m_view->setZoom(zoom);
    const QRect viewport = m_view->viewport()->rect();
    const QPoint at(int(viewport.width() * where.x()), int(viewport.height() * where.y()));
    QVERIFY(m_scene
                ->connectPorts(QStringLiteral("producer"), QStringLiteral("out"), QStringLiteral("worker-3"),
                               QStringLiteral("in"), m_view->mapToScene(at))
                .isEmpty());
    QVERIFY(!m_scene->refusalText().isEmpty());
    const QRect box = m_scene->refusalViewRect();
    QVERIFY(!box.isEmpty());
    QVERIFY2(viewport.contains(box), qPrintable(QStringLiteral("box %1,%2 %3x%4 in viewport %5x%6")
                                                    .arg(box.x())
                                                    .arg(box.y())
                                                    .arg(box.width())
                                                    .arg(box.height())
                                                    .arg(viewport.width())
                                                    .arg(viewport.height())));
    // Readable at any zoom: the box keeps its screen size.
    QVERIFY2(box.height() >= m_view->fontMetrics().height(), qPrintable(QString::number(box.height())));
}

void TestCanvasScene::successfulLinkClearsTheRefusal()
{
    QVERIFY(m_scene
                ->connectPorts(QStringLiteral("producer"), QStringLiteral("out"), QStringLiteral("worker-3"),
                               QStringLiteral("in"), QPointF(0, 0))
                .isEmpty());
    QVERIFY(!m_scene->refusalText().isEmpty());
    const QString producer = m_doc->addNode(QStringLiteral("producer"), QPointF(600, 600));
    const QString queue = m_doc->addNode(QStringLiteral("queue"), QPointF(800, 600));
    QVERIFY(!producer.isEmpty() && !queue.isEmpty());
    QVERIFY(
        !m_scene->connectPorts(producer, QStringLiteral("out"), queue, QStringLiteral("in"), QPointF(0, 0))
             .isEmpty());
    QCOMPARE(m_scene->refusalText(), QString());
}

void TestCanvasScene::connectHelperRefusesWrongProtocol()
{
    QSignalSpy refused(m_scene.get(), &CanvasScene::connectionRefused);
    // Already linked on these ports.
    QCOMPARE(m_scene->connectPorts(QStringLiteral("tasks"), QStringLiteral("deliver"),
                                   QStringLiteral("worker-1"), QStringLiteral("in"), {0, 0}),
             QString());
    QCOMPARE(refused.count(), 1);
    QVERIFY(!refused.first().at(0).toString().isEmpty());
    QCOMPARE(m_doc->linkIds().size(), 4);

    const QString id = m_scene->connectPorts(QStringLiteral("producer"), QStringLiteral("out"),
                                             QStringLiteral("tasks"), QStringLiteral("in"), {0, 0});
    QCOMPARE(refused.count(), 2);
    QVERIFY(id.isEmpty());
}

// Issue 9, usability 8: while a link is dragged, each input port shows whether it would take it,
// by the rule the drop applies (the refusing port's tooltip is the reason the drop would give).
void TestCanvasScene::portsShowWhetherTheyTakeTheDraggedLink()
{
    const QString consumer = m_doc->addNode(QStringLiteral("consumer"), {500, 300});
    showView();
    PortItem *out = m_scene->nodeItem(QStringLiteral("tasks"))->port(QStringLiteral("deliver"));
    PortItem *free = m_scene->nodeItem(consumer)->port(QStringLiteral("in"));
    PortItem *linked = m_scene->nodeItem(QStringLiteral("worker-1"))->port(QStringLiteral("in"));
    PortItem *publishIn = m_scene->nodeItem(QStringLiteral("tasks"))->port(QStringLiteral("in"));
    QVERIFY(out && free && linked && publishIn);
    QCOMPARE(free->linkTarget(), PortItem::LinkTarget::None);

    const QPoint from = viewPoint(out->anchor());
    sendMouse(m_view->viewport(), QEvent::MouseButtonPress, from, Qt::LeftButton, Qt::LeftButton);
    sendMouse(m_view->viewport(), QEvent::MouseMove, from + QPoint(30, 30), Qt::NoButton, Qt::LeftButton);
    QCOMPARE(free->linkTarget(), PortItem::LinkTarget::Accepts);
    QCOMPARE(linked->linkTarget(), PortItem::LinkTarget::Refuses);
    QCOMPARE(publishIn->linkTarget(), PortItem::LinkTarget::Refuses);
    // The reasons are the drop's own.
    const QString why = m_doc->checkLink(QStringLiteral("tasks"), QStringLiteral("deliver"),
                                         QStringLiteral("worker-1"), QStringLiteral("in"));
    QVERIFY(why.contains(QStringLiteral("already linked")));
    QCOMPARE(linked->toolTip(), why);
    int accepting = 0;
    for (const QString &id : m_doc->nodeIds())
        for (PortItem *p : m_scene->nodeItem(id)->ports())
            if (!p->isOutput()) {
                const QString reason =
                    m_doc->checkLink(QStringLiteral("tasks"), QStringLiteral("deliver"), id, p->name());
                QCOMPARE(p->linkTarget(),
                         reason.isEmpty() ? PortItem::LinkTarget::Accepts : PortItem::LinkTarget::Refuses);
                accepting += reason.isEmpty();
            }
    QCOMPARE(accepting, 1);

    // Dropping on a refusing port is refused with that reason; the marks go with the drag.
    QSignalSpy refused(m_scene.get(), &CanvasScene::connectionRefused);
    sendMouse(m_view->viewport(), QEvent::MouseMove, viewPoint(linked->anchor()), Qt::NoButton,
              Qt::LeftButton);
    sendMouse(m_view->viewport(), QEvent::MouseButtonRelease, viewPoint(linked->anchor()), Qt::LeftButton,
              Qt::NoButton);
    QCOMPARE(refused.count(), 1);
    QCOMPARE(refused.at(0).at(0).toString(), why);
    QCOMPARE(free->linkTarget(), PortItem::LinkTarget::None);
    QCOMPARE(linked->linkTarget(), PortItem::LinkTarget::None);
    QVERIFY(linked->toolTip() != why);
}

// A click a few pixels beside a link still selects it.
void TestCanvasScene::linksHaveAWideHitArea()
{
    showView();
    LinkItem *link = m_scene->linkItem(QStringLiteral("publish"));
    QVERIFY(link);
    const QPainterPath centre =
        LinkItem::curve(m_scene->nodeItem(QStringLiteral("producer"))->port(QStringLiteral("out"))->anchor(),
                        m_scene->nodeItem(QStringLiteral("tasks"))->port(QStringLiteral("in"))->anchor());
    const QPointF mid = centre.pointAtPercent(0.5);
    // Beside the line by most of half the hit band, above and below.
    for (qreal dy : {LinkItem::kHitWidth / 2 - 1, -(LinkItem::kHitWidth / 2 - 1)}) {
        QVERIFY(link->contains(link->mapFromScene(mid + QPointF(0, dy))));
        m_scene->clearSelection();
        QTest::mouseClick(m_view->viewport(), Qt::LeftButton, {}, viewPoint(mid + QPointF(0, dy)));
        QCOMPARE(m_scene->selectedLinkIds(), QStringList{QStringLiteral("publish")});
    }
    QVERIFY(!link->contains(link->mapFromScene(mid + QPointF(0, LinkItem::kHitWidth))));
}

// Issue 9, usability 4: a node is as wide as its name up to kMaxWidth, then the name wraps to a
// second line (and the box grows); only beyond two lines is it elided. Ports follow the edges.
void TestCanvasScene::nodesFitTheirNames_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<int>("lines");
    QTest::addColumn<bool>("elided");
    QTest::newRow("short") << QStringLiteral("jobs") << 1 << false;
    QTest::newRow("event source") << QStringLiteral("Event source") << 1 << false;
    QTest::newRow("worker with note") << QStringLiteral("Worker 3 (slow disk)") << 1 << false;
    QTest::newRow("wide") << QStringLiteral("Order events from the web shop") << 2 << false;
    QTest::newRow("two lines") << QStringLiteral("Reservations from the warehouse in Leeds") << 2 << false;
    QTest::newRow("one long word") << QStringLiteral("inventory-reservations-warehouse-leeds") << 2 << false;
    QTest::newRow("beyond two lines")
        << QStringLiteral("Inventory reservations and cancellations from the warehouse management system "
                          "in Leeds and the one in Manchester")
        << 2 << true;
}

void TestCanvasScene::nodesFitTheirNames()
{
    QFETCH(QString, name);
    QFETCH(int, lines);
    QFETCH(bool, elided);
    QVERIFY(m_doc->renameNode(QStringLiteral("tasks"), name));
    NodeItem *n = m_scene->nodeItem(QStringLiteral("tasks"));
    const QStringList shown = n->nameLines();
    QCOMPARE(shown.size(), lines);
    QVERIFY(n->width() >= NodeItem::kWidth && n->width() <= NodeItem::kMaxWidth);
    QCOMPARE(n->height() > NodeItem::kHeight, lines > 1);
    // Every line fits the label's rect, which fits the box.
    const QFontMetricsF metrics(NodeItem::nameFont());
    const QRectF label = n->nameRect();
    QVERIFY(QRectF(0, 0, n->width(), n->height()).contains(label));
    QVERIFY(label.height() >= metrics.height() * lines - 0.5);
    for (const QString &line : shown)
        QVERIFY2(metrics.horizontalAdvance(line) <= label.width() + 0.5, qPrintable(line));
    // Nothing is lost unless beyond two lines.
    const QString joined = shown.join(QLatin1Char(' '));
    if (!elided) {
        QVERIFY(!joined.contains(QChar(0x2026)));
        QCOMPARE(QString(joined).remove(QLatin1Char(' ')), QString(name).remove(QLatin1Char(' ')));
    } else {
        QVERIFY(shown.last().endsWith(QChar(0x2026)));
    }
    if (lines == 1 &&
        metrics.horizontalAdvance(name) > NodeItem::kWidth - NodeItem::kTextLeft - NodeItem::kTextRight)
        QVERIFY(n->width() > NodeItem::kWidth);
    // The outputs sit on the right edge, the links end at them.
    for (PortItem *p : n->ports()) {
        QCOMPARE(p->pos().x(), p->isOutput() ? n->width() : 0.0);
        QVERIFY(p->pos().y() > 0 && p->pos().y() < n->height());
    }
    PortItem *deliver = n->port(QStringLiteral("deliver"));
    QVERIFY(m_scene->linkItem(QStringLiteral("to-worker-1"))->shape().contains(deliver->anchor()));
    // A short name again: back to the standard box.
    m_doc->undoStack()->undo();
    QCOMPARE(n->width(), NodeItem::kWidth);
    QCOMPARE(n->height(), NodeItem::kHeight);
}

void TestCanvasScene::deleteRemovesSelection()
{
    showView();
    const int steps = m_doc->undoStack()->count();
    m_scene->selectNode(QStringLiteral("worker-1"));
    m_scene->linkItem(QStringLiteral("publish"))->setSelected(true);
    QCOMPARE(m_scene->selectedNodeIds(), QStringList{QStringLiteral("worker-1")});
    QCOMPARE(m_scene->selectedLinkIds(), QStringList{QStringLiteral("publish")});

    m_view->setFocus();
    QTest::keyClick(m_view.get(), Qt::Key_Delete);

    QVERIFY(!m_doc->node(QStringLiteral("worker-1")));
    QVERIFY(!m_doc->link(QStringLiteral("publish")));
    QVERIFY(!m_doc->link(QStringLiteral("to-worker-1")));
    QCOMPARE(countItems<NodeItem>(*m_scene), 4);
    QCOMPARE(countItems<LinkItem>(*m_scene), 2);
    QCOMPARE(m_doc->undoStack()->count(), steps + 1);
    QVERIFY(m_scene->selectedNodeIds().isEmpty());

    m_doc->undoStack()->undo();
    QCOMPARE(countItems<NodeItem>(*m_scene), 5);
    QCOMPARE(countItems<LinkItem>(*m_scene), 4);
}

void TestCanvasScene::selectionApi()
{
    QSignalSpy changed(m_scene.get(), &CanvasScene::selectionChangedIds);
    m_scene->selectNode(QStringLiteral("tasks"));
    QCOMPARE(changed.count(), 1);
    QCOMPARE(m_scene->selectedNodeIds(), QStringList{QStringLiteral("tasks")});
    m_scene->selectNode(QStringLiteral("producer"));
    QCOMPARE(changed.count(), 2);
    QCOMPARE(m_scene->selectedNodeIds(), QStringList{QStringLiteral("producer")});
    m_scene->selectNode(QStringLiteral("no-such-node"));
    QCOMPARE(changed.count(), 2);
    m_scene->linkItem(QStringLiteral("to-worker-2"))->setSelected(true);
    QCOMPARE(changed.count(), 3);
    QCOMPARE(m_scene->selectedLinkIds(), QStringList{QStringLiteral("to-worker-2")});
    QVERIFY(m_doc->removeItems({QStringLiteral("producer")}, {}));
    QVERIFY(m_scene->selectedNodeIds().isEmpty());
}

void TestCanvasScene::deliveryLinksAreDashed()
{
    QVERIFY(!m_scene->linkItem(QStringLiteral("publish"))->isDelivery());
    QVERIFY(m_scene->linkItem(QStringLiteral("to-worker-1"))->isDelivery());
}

void TestCanvasScene::viewZoomShortcuts()
{
    showView();
    QSignalSpy zoomed(m_view.get(), &CanvasView::zoomChanged);
    const qreal start = m_view->zoom();
    QTest::keyClick(m_view.get(), Qt::Key_Equal, Qt::ControlModifier);
    QVERIFY(m_view->zoom() > start);
    QTest::keyClick(m_view.get(), Qt::Key_Minus, Qt::ControlModifier);
    QTest::keyClick(m_view.get(), Qt::Key_Minus, Qt::ControlModifier);
    QVERIFY(m_view->zoom() < start);
    QTest::keyClick(m_view.get(), Qt::Key_0, Qt::ControlModifier);
    QCOMPARE(zoomed.count(), 4);
    const QRectF visible = m_view->mapToScene(m_view->viewport()->rect()).boundingRect();
    for (const QString &id : m_doc->nodeIds())
        QVERIFY2(visible.contains(m_scene->nodeItem(id)->sceneBoundingRect()), qPrintable(id));
}

void TestCanvasScene::viewWheelZoomKeepsPointUnderCursor()
{
    showView();
    const QPoint cursor(300, 200);
    const QPointF under = m_view->mapToScene(cursor);
    const qreal start = m_view->zoom();
    QWheelEvent wheel(QPointF(cursor), m_view->viewport()->mapToGlobal(QPointF(cursor)), {}, {0, 120},
                      Qt::NoButton, Qt::ControlModifier, Qt::NoScrollPhase, false);
    QApplication::sendEvent(m_view->viewport(), &wheel);
    QVERIFY(m_view->zoom() > start);
    const QPointF after = m_view->mapToScene(cursor);
    QVERIFY2(QLineF(under, after).length() < 2.0 / m_view->zoom(), "the point under the cursor moved");
}

void TestCanvasScene::viewMiddleButtonPans()
{
    showView();
    m_view->setZoom(3);
    const QPointF before = m_view->mapToScene(m_view->viewport()->rect().center());
    QWidget *vp = m_view->viewport();
    sendMouse(vp, QEvent::MouseButtonPress, {400, 300}, Qt::MiddleButton, Qt::MiddleButton);
    sendMouse(vp, QEvent::MouseMove, {340, 260}, Qt::NoButton, Qt::MiddleButton);
    sendMouse(vp, QEvent::MouseButtonRelease, {340, 260}, Qt::MiddleButton, Qt::NoButton);
    const QPointF after = m_view->mapToScene(m_view->viewport()->rect().center());
    // Dragging the canvas left and up shows what lies right and below.
    QCOMPARE(qRound((after - before).x() * 3), 60);
    QCOMPARE(qRound((after - before).y() * 3), 40);
    QVERIFY(m_scene->selectedNodeIds().isEmpty());
    QCOMPARE(docPos(*m_doc, QStringLiteral("tasks")), QPointF(250, 100));
}

void TestCanvasScene::viewRubberBandSelects()
{
    showView();
    QSignalSpy changed(m_scene.get(), &CanvasScene::selectionChangedIds);
    // From empty canvas above-left of the workers to below-right of them.
    const QPoint from = viewPoint({480, -20});
    const QPoint to = viewPoint({660, 280});
    drag(m_view->viewport(), from, to);
    const QStringList expected{QStringLiteral("worker-1"), QStringLiteral("worker-2"),
                               QStringLiteral("worker-3")};
    QCOMPARE(m_scene->selectedNodeIds(), expected);
    QVERIFY(changed.count() >= 1);
    QCOMPARE(docPos(*m_doc, QStringLiteral("worker-1")), QPointF(500, 0));
}

void TestCanvasScene::dropOnViewAddsNode()
{
    showView();
    QMimeData mime;
    mime.setData(QLatin1String(kKindMimeType), QByteArrayLiteral("producer"));
    const QPoint at = viewPoint({100, 400});
    QWidget *vp = m_view->viewport();
    QDragEnterEvent enter(at, Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(vp, &enter);
    QVERIFY(enter.isAccepted());
    QDragMoveEvent move(at, Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(vp, &move);
    QVERIFY(move.isAccepted());
    QDropEvent drop(QPointF(at), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(vp, &drop);
    QVERIFY(drop.isAccepted());
    QCOMPARE(m_doc->nodeIds().size(), 6);
    QCOMPARE(m_doc->node(m_doc->nodeIds().last())->kind, std::string("producer"));
    QCOMPARE(countItems<NodeItem>(*m_scene), 6);
    m_doc->undoStack()->undo();
    QCOMPARE(countItems<NodeItem>(*m_scene), 5);
}

QTEST_MAIN(TestCanvasScene)
#include "tst_canvasscene.moc"
