// Call ports on the canvas: drawn apart from publish and delivery ports (a teal diamond, not a
// circle), their tooltips saying "calls", links between them teal; a call port dragged onto a
// publish port is refused with the document's words.
#include "canvasitems.h"
#include "canvasscene.h"
#include "canvastest.h"
#include "canvasview.h"
#include "topologydocument.h"

#include <QImage>
#include <QPainter>
#include <QSignalSpy>
#include <QStyleOptionGraphicsItem>
#include <QTest>
#include <QUndoStack>

#include <memory>

using namespace sb;
using namespace sbtest;

namespace {

// The port drawn alone on a white image 4x its size, its centre in the middle.
QImage renderPort(PortItem *port)
{
    QImage image(80, 80, QImage::Format_ARGB32);
    image.fill(Qt::white);
    QPainter p(&image);
    p.translate(40, 40);
    p.scale(4, 4);
    QStyleOptionGraphicsItem option;
    port->paint(&p, &option, nullptr);
    return image;
}

bool painted(const QImage &image, QPointF portPoint)
{
    const QPoint at = (QPointF(40, 40) + portPoint * 4).toPoint();
    return image.pixelColor(at) != QColor(Qt::white);
}

} // namespace

class TestCallPorts : public QObject {
    Q_OBJECT

private slots:
    void init();
    void cleanup();
    void portsKnowWhatTheyCarry_data();
    void portsKnowWhatTheyCarry();
    void callPortsAreDiamonds();
    void callLinksAreTealAndSolid();
    void callToPublishIsRefused_data();
    void callToPublishIsRefused();
    void draggedCallLinkIsRefusedOnAQueue();
    void liveLineForCallers_data();
    void liveLineForCallers();

private:
    std::unique_ptr<TopologyDocument> m_doc;
    std::unique_ptr<CanvasScene> m_scene;
    std::unique_ptr<CanvasView> m_view;
};

void TestCallPorts::init()
{
    m_doc = std::make_unique<TopologyDocument>();
    m_scene = std::make_unique<CanvasScene>(m_doc.get());
    QVERIFY(!m_doc->addNode(QStringLiteral("rpc-client"), {0, 0}).isEmpty());
    QVERIFY(!m_doc->addNode(QStringLiteral("rpc-server"), {300, 0}).isEmpty());
    QVERIFY(!m_doc->addNode(QStringLiteral("queue"), {300, 200}).isEmpty());
    QVERIFY(!m_doc->addNode(QStringLiteral("producer"), {0, 200}).isEmpty());
    QVERIFY(!m_doc->addNode(QStringLiteral("http-server"), {600, 0}).isEmpty());
}

void TestCallPorts::cleanup()
{
    m_view.reset();
    m_scene.reset();
    m_doc.reset();
}

void TestCallPorts::portsKnowWhatTheyCarry_data()
{
    QTest::addColumn<QString>("node");
    QTest::addColumn<QString>("port");
    QTest::addColumn<int>("protocol");
    QTest::addColumn<QString>("tip");
    QTest::newRow("client calls") << "rpc-client-1"
                                  << "calls" << int(Protocol::Call) << "calls (output, calls)";
    QTest::newRow("server in") << "rpc-server-1"
                               << "in" << int(Protocol::Call) << "in (input, calls)";
    QTest::newRow("server downstream") << "rpc-server-1"
                                       << "downstream" << int(Protocol::Call) << "downstream (output, calls)";
    QTest::newRow("queue in") << "queue-1"
                              << "in" << int(Protocol::Publish) << "in (input, publishes)";
    QTest::newRow("queue deliver") << "queue-1"
                                   << "deliver" << int(Protocol::Delivery) << "deliver (output, deliveries)";
}

void TestCallPorts::portsKnowWhatTheyCarry()
{
    QFETCH(QString, node);
    QFETCH(QString, port);
    QFETCH(int, protocol);
    QFETCH(QString, tip);
    PortItem *p = m_scene->nodeItem(node)->port(port);
    QVERIFY(p);
    QCOMPARE(int(p->protocol()), protocol);
    QCOMPARE(p->isDelivery(), protocol == int(Protocol::Delivery));
    QVERIFY2(p->toolTip().startsWith(tip), qPrintable(p->toolTip()));
}

void TestCallPorts::callPortsAreDiamonds()
{
    PortItem *call = m_scene->nodeItem(QStringLiteral("rpc-client-1"))->port(QStringLiteral("calls"));
    PortItem *publish = m_scene->nodeItem(QStringLiteral("producer-1"))->port(QStringLiteral("out"));
    QVERIFY(call && publish);
    const QImage diamond = renderPort(call);
    const QImage circle = renderPort(publish);
    // A diamond reaches further up than the circle of the same radius, and leaves the corners of
    // the square around that circle empty, where the circle fills them.
    const qreal r = PortItem::kRadius - 1;
    QVERIFY(painted(diamond, {0, -r * 1.3}));
    QVERIFY(!painted(circle, {0, -r * 1.3}));
    QVERIFY(!painted(diamond, {r * 0.75, -r * 0.75}));
    QVERIFY(painted(circle, {r * 0.75, -r * 0.75}));
    // In the call colour, not the publish one.
    const QColor centre = diamond.pixelColor(40, 40);
    QCOMPARE(centre, canvasColors().call);
    QVERIFY(call->boundingRect().contains(QRectF(-r * 1.25, -r * 1.25, r * 2.5, r * 2.5)));
}

void TestCallPorts::callLinksAreTealAndSolid()
{
    QString error;
    const QString id = m_scene->connectPorts(QStringLiteral("rpc-client-1"), QStringLiteral("calls"),
                                             QStringLiteral("rpc-server-1"), QStringLiteral("in"), {});
    QVERIFY(!id.isEmpty());
    LinkItem *link = m_scene->linkItem(id);
    QVERIFY(link);
    QCOMPARE(link->protocol(), Protocol::Call);
    QVERIFY(!link->isDelivery());
    // Drawn in the call colour: render the scene around the middle of the curve and find it there.
    const QPointF from =
        m_scene->nodeItem(QStringLiteral("rpc-client-1"))->port(QStringLiteral("calls"))->anchor();
    const QPointF to =
        m_scene->nodeItem(QStringLiteral("rpc-server-1"))->port(QStringLiteral("in"))->anchor();
    const QPointF mid = LinkItem::curve(from, to).pointAtPercent(0.5);
    QImage image(40, 40, QImage::Format_ARGB32);
    image.fill(Qt::white);
    {
        QPainter p(&image);
        m_scene->render(&p, QRectF(0, 0, 40, 40), QRectF(mid - QPointF(10, 10), QSizeF(20, 20)));
    }
    bool found = false;
    for (int y = 0; y < image.height() && !found; ++y)
        for (int x = 0; x < image.width() && !found; ++x) {
            const QColor c = image.pixelColor(x, y);
            found = std::abs(c.red() - canvasColors().call.red()) < 40 &&
                    std::abs(c.green() - canvasColors().call.green()) < 40 &&
                    std::abs(c.blue() - canvasColors().call.blue()) < 40;
        }
    QVERIFY2(found, "no call-coloured pixel on the link");
}

void TestCallPorts::callToPublishIsRefused_data()
{
    QTest::addColumn<QString>("from");
    QTest::addColumn<QString>("fromPort");
    QTest::addColumn<QString>("to");
    QTest::addColumn<QString>("toPort");
    QTest::addColumn<QString>("reason");
    QTest::newRow("calls to a queue")
        << "rpc-client-1"
        << "calls"
        << "queue-1"
        << "in"
        << "cannot connect rpc-client-1.calls to queue-1.in: one carries calls, the other publishes";
    QTest::newRow("publishes to a server")
        << "producer-1"
        << "out"
        << "rpc-server-1"
        << "in"
        << "cannot connect producer-1.out to rpc-server-1.in: one carries publishes, the other calls";
    QTest::newRow("downstream to a queue")
        << "rpc-server-1"
        << "downstream"
        << "queue-1"
        << "in"
        << "cannot connect rpc-server-1.downstream to queue-1.in: one carries calls, the other publishes";
}

void TestCallPorts::callToPublishIsRefused()
{
    QFETCH(QString, from);
    QFETCH(QString, fromPort);
    QFETCH(QString, to);
    QFETCH(QString, toPort);
    QFETCH(QString, reason);
    QSignalSpy refused(m_scene.get(), &CanvasScene::connectionRefused);
    const int steps = m_doc->undoStack()->count();
    QVERIFY(m_scene->connectPorts(from, fromPort, to, toPort, {}).isEmpty());
    QCOMPARE(refused.count(), 1);
    QCOMPARE(refused.first().at(0).toString(), reason);
    QCOMPARE(m_doc->checkLink(from, fromPort, to, toPort), reason);
    QVERIFY(m_doc->linkIds().isEmpty());
    QCOMPARE(m_doc->undoStack()->count(), steps);
    // A call port to a call port is fine.
    QVERIFY(m_doc
                ->checkLink(QStringLiteral("rpc-client-1"), QStringLiteral("calls"),
                            QStringLiteral("http-server-1"), QStringLiteral("in"))
                .isEmpty());
}

void TestCallPorts::draggedCallLinkIsRefusedOnAQueue()
{
    m_view = std::make_unique<CanvasView>(m_scene.get());
    m_view->resize(1000, 500);
    m_view->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_view.get()));
    m_view->fitInView(m_scene->itemsBoundingRect(), Qt::KeepAspectRatio);
    QSignalSpy refused(m_scene.get(), &CanvasScene::connectionRefused);
    PortItem *out = m_scene->nodeItem(QStringLiteral("rpc-client-1"))->port(QStringLiteral("calls"));
    PortItem *queue = m_scene->nodeItem(QStringLiteral("queue-1"))->port(QStringLiteral("in"));
    PortItem *server = m_scene->nodeItem(QStringLiteral("rpc-server-1"))->port(QStringLiteral("in"));
    drag(m_view->viewport(), m_view->mapFromScene(out->anchor()), m_view->mapFromScene(queue->anchor()));
    QCOMPARE(refused.count(), 1);
    QVERIFY2(
        refused.first().at(0).toString().contains(QStringLiteral("one carries calls, the other publishes")),
        qPrintable(refused.first().at(0).toString()));
    QCOMPARE(m_scene->refusalText(), refused.first().at(0).toString());
    QVERIFY(m_doc->linkIds().isEmpty());
    drag(m_view->viewport(), m_view->mapFromScene(out->anchor()), m_view->mapFromScene(server->anchor()));
    QCOMPARE(refused.count(), 1);
    QCOMPARE(m_doc->linkIds().size(), 1);
}

void TestCallPorts::liveLineForCallers_data()
{
    QTest::addColumn<QString>("node");
    QTest::addColumn<QString>("line");
    QTest::addColumn<QString>("tip");
    QTest::newRow("client") << "rpc-client-1"
                            << QString::fromUtf8("3 in flight \u00b7 120 ok \u00b7 4 failed")
                            << "calls in flight: 3";
    QTest::newRow("server") << "rpc-server-1" << QString::fromUtf8("queue 7 \u00b7 130 executed")
                            << "accept queue: 7";
    QTest::newRow("queue keeps its own")
        << "queue-1" << QStringLiteral("depth 0") << "queue depth (ready): 0";
}

void TestCallPorts::liveLineForCallers()
{
    QFETCH(QString, node);
    QFETCH(QString, line);
    QFETCH(QString, tip);
    // A run's counters as LiveStats publishes them: the client's calls, the server's queue.
    auto snapshot = std::make_shared<LiveStatsSnapshot>();
    snapshot->sequence = 1;
    snapshot->nodes.resize(m_doc->topology().nodes.size());
    LiveNodeStats &client = snapshot->nodes[*m_doc->topology().nodeIndex("rpc-client-1")];
    client.callsInFlight = 3;
    client.callsSucceeded = 120;
    client.callsFailed = 4;
    LiveNodeStats &server = snapshot->nodes[*m_doc->topology().nodeIndex("rpc-server-1")];
    server.serverQueue = 7;
    server.executions = 130;
    m_scene->live().begin(m_doc->topology());
    QStringList nodes, links;
    m_scene->live().setStats(snapshot, &nodes, &links);
    NodeItem *item = m_scene->nodeItem(node);
    QVERIFY(item);
    const NodeItem::Badges b = item->badges();
    QVERIFY(b.live);
    QCOMPARE(b.line, line);
    QVERIFY2(item->liveToolTip().contains(tip), qPrintable(item->liveToolTip()));
}

QTEST_MAIN(TestCallPorts)
#include "tst_callports.moc"
