// The canvas's level of detail: zoomed far out (below kCompactLod) a node is a plain box with its
// live marks, its ports draw nothing unless a link drag targets them, a link is an aliased line;
// the painter's render hints come back as they were (the view does not save its state per item).
// The scene's LinkLayer keeps the compact lines in an image until a link changes.
// Peers' coverage heat is reported in steps, only for the peers whose step moved. A link's cached
// drawing follows a node that moves.
#include "canvasitems.h"
#include "canvaslinklayer.h"
#include "canvasscene.h"
#include "canvasview.h"
#include "topologydocument.h"

#include <QApplication>
#include <QPainter>
#include <QStyleOptionGraphicsItem>
#include <QTest>

using namespace sb;

namespace {

struct Painted {
    QImage image;
    bool antialiasedAfter = false;
};

// Paints `item` alone at `scale` into an image of `frame` (item coordinates; its bounding
// rectangle when empty), the painter antialiased as the view's is.
Painted paintItem(QGraphicsItem *item, qreal scale, QRectF frame = {})
{
    if (frame.isEmpty()) frame = item->boundingRect();
    Painted out;
    out.image = QImage((frame.size() * scale).toSize() + QSize(2, 2), QImage::Format_ARGB32_Premultiplied);
    out.image.fill(Qt::white);
    QPainter p(&out.image);
    p.setRenderHint(QPainter::Antialiasing);
    p.scale(scale, scale);
    p.translate(-frame.topLeft());
    QStyleOptionGraphicsItem option;
    option.exposedRect = item->boundingRect();
    item->paint(&p, &option, nullptr);
    out.antialiasedAfter = p.testRenderHint(QPainter::Antialiasing);
    return out;
}

// Renders the scene's `source` rectangle at `scale`, as a view would.
QImage renderScene(CanvasScene &scene, const QRectF &source, qreal scale)
{
    QImage image((source.size() * scale).toSize(), QImage::Format_ARGB32_Premultiplied);
    image.fill(Qt::white);
    QPainter p(&image);
    p.setRenderHint(QPainter::Antialiasing);
    scene.render(&p, QRectF(QPointF(0, 0), QSizeF(image.size())), source);
    return image;
}

bool blank(const QImage &image)
{
    QImage white(image.size(), image.format());
    white.fill(Qt::white);
    return image == white;
}

NodeDef node(const std::string &id, const std::string &kind, double x, double y)
{
    NodeDef n{id, kind, "n", Json::object(), {}};
    n.position = {x, y};
    return n;
}

// A producer `p` at (0, 0) linked to a queue `q` at (300, 0).
Topology producerToQueue(double queueY = 0)
{
    Topology t;
    t.nodes = {node("p", "producer", 0, 0), node("q", "queue", 300, queueY)};
    LinkDef link;
    link.id = "l";
    link.from = "p";
    link.to = "q";
    link.fromPort = "out";
    link.toPort = "in";
    t.links = {link};
    return t;
}

TraceEvent learn(NodeIndex node, std::uint64_t item)
{
    TraceEvent e;
    e.kind = TraceKind::Learn;
    e.node = node;
    e.messageId = item;
    return e;
}

} // namespace

class TestCanvasLod : public QObject {
    Q_OBJECT

private slots:
    void nodeForm_data();
    void nodeForm();
    void compactNodeKeepsLiveMarksAndHeat();
    void portsDrawNothingWhenCompact();
    void linkForm_data();
    void linkForm();
    void linkFollowsMovedNode();
    void linkLayerDrawsLinesAgainOnlyWhenTheyChange();
    void viewDrawsCompactFormZoomedOut();
    void heatReportsOnlyPeersWhoseStepMoved();
    void bigTopologiesAreNotIndexed_data();
    void bigTopologiesAreNotIndexed();
};

void TestCanvasLod::nodeForm_data()
{
    QTest::addColumn<qreal>("scale");
    QTest::addColumn<bool>("compact");
    QTest::newRow("200 %") << 2.0 << false;
    QTest::newRow("100 %") << 1.0 << false;
    QTest::newRow("50 %") << 0.5 << false;
    QTest::newRow("35 %") << 0.35 << true;
    QTest::newRow("20 %") << 0.2 << true;
    QTest::newRow("10 %") << 0.1 << true;
}

// The full form shows the kind's icon and the name; the compact one a box that two kinds of one
// size share, drawn without antialiasing, which the painter gets back afterwards.
void TestCanvasLod::nodeForm()
{
    QFETCH(qreal, scale);
    QFETCH(bool, compact);
    Topology t;
    t.nodes = {node("a", "producer", 0, 0), node("b", "queue", 0, 200)};
    TopologyDocument document;
    QVERIFY(document.setTopology(t));
    CanvasScene scene(&document);
    NodeItem *a = scene.nodeItem(QStringLiteral("a"));
    NodeItem *b = scene.nodeItem(QStringLiteral("b"));
    QVERIFY(a && b);
    QCOMPARE(a->boundingRect(), b->boundingRect());
    const Painted pa = paintItem(a, scale);
    const Painted pb = paintItem(b, scale);
    const PaintForm expected = compact ? PaintForm::Compact : PaintForm::Full;
    QCOMPARE(a->lastPaintForm(), expected);
    QCOMPARE(b->lastPaintForm(), expected);
    QCOMPARE(pa.image == pb.image, compact); // no icon in the compact form
    QVERIFY(!blank(pa.image));
    QVERIFY(pa.antialiasedAfter);
}

void TestCanvasLod::compactNodeKeepsLiveMarksAndHeat()
{
    const LoadResult r = parseTopology(R"({"format": "signalbox-topology", "version": 1, "nodes": [
        {"id": "a", "kind": "peer"}, {"id": "b", "kind": "peer"}, {"id": "c", "kind": "peer"}],
        "links": [{"id": "ab", "from": "a", "to": "b"}, {"id": "bc", "from": "b", "to": "c"}]})",
                                       "peers.json");
    QVERIFY(r.ok());
    TopologyDocument document;
    QVERIFY(document.setTopology(*r.topology));
    CanvasScene scene(&document);
    scene.beginLive(*r.topology);
    auto s = std::make_shared<LiveStatsSnapshot>();
    s->sequence = 1;
    s->time = kSecond;
    s->nodes.resize(3);
    s->links.resize(2);
    scene.setLiveStats(s);
    NodeItem *a = scene.nodeItem(QStringLiteral("a"));
    NodeItem *c = scene.nodeItem(QStringLiteral("c"));
    const qreal scale = 0.3;
    const QImage cold = paintItem(c, scale).image;
    QCOMPARE(c->lastPaintForm(), PaintForm::Compact);
    QCOMPARE(paintItem(a, scale).image, cold); // nothing learned, nothing crashed: alike

    // `a` learns an item: warmer than a peer that learned nothing.
    scene.addLiveEvents({learn(0, 1)});
    const QImage warm = paintItem(a, scale).image;
    const QPoint centre =
        ((QPointF(a->width() / 2, a->height() / 2) - a->boundingRect().topLeft()) * scale).toPoint();
    const QColor coldFill = cold.pixelColor(centre), warmFill = warm.pixelColor(centre);
    QVERIFY2(warmFill.red() - warmFill.blue() > coldFill.red() - coldFill.blue(),
             qPrintable(warmFill.name() + QLatin1Char(' ') + coldFill.name()));

    // `c` crashes: the compact form marks it too.
    auto crashed = std::make_shared<LiveStatsSnapshot>(*s);
    crashed->sequence = 2;
    crashed->nodes[2].crashed = true;
    scene.setLiveStats(crashed);
    QVERIFY(paintItem(c, scale).image != cold);
}

// Zoomed out a port draws nothing (the node's box stands for it), unless a link being dragged
// marks it as a target.
void TestCanvasLod::portsDrawNothingWhenCompact()
{
    TopologyDocument document;
    QVERIFY(document.setTopology(producerToQueue()));
    CanvasScene scene(&document);
    PortItem *in = scene.nodeItem(QStringLiteral("q"))->port(QStringLiteral("in"));
    QVERIFY(in);
    QVERIFY(blank(paintItem(in, 0.3).image));
    QCOMPARE(in->lastPaintForm(), PaintForm::Compact);
    QVERIFY(!blank(paintItem(in, 1.0).image));
    QCOMPARE(in->lastPaintForm(), PaintForm::Full);
    in->setLinkTarget(PortItem::LinkTarget::Accepts);
    QVERIFY(!blank(paintItem(in, 0.3).image));
    QCOMPARE(in->lastPaintForm(), PaintForm::Full);
}

void TestCanvasLod::linkForm_data()
{
    QTest::addColumn<qreal>("scale");
    QTest::addColumn<bool>("compact");
    QTest::newRow("200 %") << 2.0 << false;
    QTest::newRow("100 %") << 1.0 << false;
    QTest::newRow("30 %") << 0.3 << true;
    QTest::newRow("10 %") << 0.1 << true;
}

// A link is drawn at any scale, dots included (in the compact form by the scene's LinkLayer);
// the painter gets its antialiasing back.
void TestCanvasLod::linkForm()
{
    QFETCH(qreal, scale);
    QFETCH(bool, compact);
    const Topology t = producerToQueue();
    TopologyDocument document;
    QVERIFY(document.setTopology(t));
    CanvasScene scene(&document);
    LinkItem *link = scene.linkItem(QStringLiteral("l"));
    QVERIFY(link);
    // Between the boxes: the link alone.
    const QRectF between(NodeItem::kWidth + 10, -20, 300 - NodeItem::kWidth - 30, 100);
    const QImage idle = renderScene(scene, between, scale);
    QVERIFY(!blank(idle));
    QCOMPARE(link->lastPaintForm(), compact ? PaintForm::Compact : PaintForm::Full);
    QCOMPARE(paintItem(link, scale).antialiasedAfter, true);
    // A frame on its way: a dot halfway along.
    scene.live().setClock([] { return qint64(0); });
    scene.beginLive(t);
    TraceEvent e;
    e.kind = TraceKind::Send;
    e.frame = FrameType::Publish;
    e.link = 0;
    e.node = 0;
    e.time = 0;
    e.aux = 2 * kSecond;
    scene.addLiveEvents({e});
    auto s = std::make_shared<LiveStatsSnapshot>();
    s->sequence = 1;
    s->time = kSecond;
    s->nodes.resize(2);
    s->links.resize(1);
    s->links[0].sent = 1;
    s->links[0].inFlight = 1;
    scene.setLiveStats(s);
    scene.live().setClock([] { return qint64(LiveOverlay::kMinTravelMs / 2); });
    QCOMPARE(link->dotCount(), 1);
    QVERIFY(renderScene(scene, between, scale) != idle);
    QVERIFY(paintItem(link, scale).antialiasedAfter);
}

// Zoomed out, the layer keeps the lines it drew while only frames travel; a node that moves (or
// a run's change of dashes) has them all drawn again, as a fresh canvas draws them; a change of
// colour only the lines that changed.
void TestCanvasLod::linkLayerDrawsLinesAgainOnlyWhenTheyChange()
{
    const Topology t = producerToQueue();
    TopologyDocument document;
    QVERIFY(document.setTopology(t));
    CanvasScene scene(&document);
    LinkLayer *layer = scene.linkLayer();
    QVERIFY(layer);
    const QRectF source(-50, -100, 600, 500);
    const qreal scale = 0.3;
    renderScene(scene, source, scale);
    QCOMPARE(layer->linesDrawn(), 1);
    renderScene(scene, source, scale);
    QCOMPARE(layer->linesDrawn(), 1);
    renderScene(scene, source, 1.0); // the full form: the links draw themselves
    QCOMPARE(layer->linesDrawn(), 1);

    QVERIFY(document.moveNodes({{QStringLiteral("q"), QPointF(300, 200)}}, true));
    const QImage moved = renderScene(scene, source, scale);
    QCOMPARE(layer->linesDrawn(), 2);
    TopologyDocument there;
    QVERIFY(there.setTopology(producerToQueue(200)));
    CanvasScene fresh(&there);
    QCOMPARE(moved, renderScene(fresh, source, scale));

    // A run: its first snapshot puts the link in dots mode (drawn again once); then only the
    // frame on its way moves.
    qint64 wall = 0;
    scene.live().setClock([&wall] { return wall; });
    scene.beginLive(t);
    TraceEvent e;
    e.kind = TraceKind::Send;
    e.frame = FrameType::Publish;
    e.link = 0;
    e.node = 0;
    e.aux = 2 * kSecond;
    scene.addLiveEvents({e});
    auto s = std::make_shared<LiveStatsSnapshot>();
    s->sequence = 1;
    s->time = kSecond / 10;
    s->nodes.resize(2);
    s->links.resize(1);
    s->links[0].sent = 1;
    s->links[0].inFlight = 1;
    scene.setLiveStats(s);
    wall = LiveOverlay::kMinTravelMs / 10;
    const QImage early = renderScene(scene, source, scale);
    const int drawn = layer->linesDrawn();
    wall = LiveOverlay::kMinTravelMs / 2;
    s = std::make_shared<LiveStatsSnapshot>(*s);
    s->sequence = 2;
    s->time = kSecond;
    scene.setLiveStats(s);
    const QImage later = renderScene(scene, source, scale);
    QVERIFY(later != early); // the frame moved
    QCOMPARE(layer->linesDrawn(), drawn);

    // Busy: the link turns to throughput, warmer. Only its line is drawn again, over the old one,
    // and the picture is the one all lines drawn anew give.
    s = std::make_shared<LiveStatsSnapshot>(*s);
    s->sequence = 3;
    s->time = 2 * kSecond;
    s->links[0].sent = 1000;
    s->links[0].messages = 1000;
    scene.setLiveStats(s);
    QCOMPARE(scene.linkItem(QStringLiteral("l"))->liveMode(), int(LiveOverlay::LinkMode::Throughput));
    const QImage recoloured = renderScene(scene, source, scale);
    QCOMPARE(layer->linesDrawn(), drawn);
    QVERIFY(recoloured != later);
    layer->looksChanged();
    QCOMPARE(renderScene(scene, source, scale), recoloured);
    QCOMPARE(layer->linesDrawn(), drawn + 1);
}

// The link's route, its flattened lines and the outline it caches for a wide stroke follow a node
// that moves: drawn after the move it is the link a fresh canvas draws there.
void TestCanvasLod::linkFollowsMovedNode()
{
    TopologyDocument document;
    QVERIFY(document.setTopology(producerToQueue()));
    CanvasScene scene(&document);
    LinkItem *link = scene.linkItem(QStringLiteral("l"));
    const QRectF frame(-50, -100, 600, 500);
    const qreal scale = 1.0; // a stroke 1.6 px wide: drawn from its cached outline
    const QImage before = paintItem(link, scale, frame).image;
    const QPointF endBefore = link->coarsePoints().last();
    QVERIFY(document.moveNodes({{QStringLiteral("q"), QPointF(300, 200)}}, true));
    QCOMPARE(link->coarsePoints().last(), endBefore + QPointF(0, 200));
    const QImage after = paintItem(link, scale, frame).image;
    QVERIFY(after != before);

    TopologyDocument moved;
    QVERIFY(moved.setTopology(producerToQueue(200)));
    CanvasScene fresh(&moved);
    QCOMPARE(after, paintItem(fresh.linkItem(QStringLiteral("l")), scale, frame).image);
}

// Through a real view: zoomed far out every node and link is drawn compact; at 100 % the ones
// in view are drawn in full.
void TestCanvasLod::viewDrawsCompactFormZoomedOut()
{
    Topology t;
    for (int i = 0; i < 30; ++i)
        t.nodes.push_back(node("n" + std::to_string(i), "peer", (i % 6) * 200.0, (i / 6) * 120.0));
    for (int i = 0; i + 1 < 30; ++i) {
        LinkDef l;
        l.id = "l" + std::to_string(i);
        l.from = "n" + std::to_string(i);
        l.to = "n" + std::to_string(i + 1);
        l.fromPort = "out";
        l.toPort = "in";
        t.links.push_back(l);
    }
    TopologyDocument document;
    QVERIFY(document.setTopology(t));
    CanvasScene scene(&document);
    CanvasView view(&scene);
    view.resize(800, 600);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    view.setZoom(0.25);
    view.centerOn(500, 300);
    view.viewport()->grab();
    for (int i = 0; i < 30; ++i) {
        const QString id = QStringLiteral("n%1").arg(i);
        QCOMPARE(scene.nodeItem(id)->lastPaintForm(), PaintForm::Compact);
        for (PortItem *p : scene.nodeItem(id)->ports())
            QCOMPARE(p->lastPaintForm(), PaintForm::Compact);
    }
    for (int i = 0; i + 1 < 30; ++i)
        QCOMPARE(scene.linkItem(QStringLiteral("l%1").arg(i))->lastPaintForm(), PaintForm::Compact);
    view.setZoom(1.0);
    view.centerOn(scene.nodeItem(QStringLiteral("n0"))->sceneBoundingRect().center());
    view.viewport()->grab();
    QCOMPARE(scene.nodeItem(QStringLiteral("n0"))->lastPaintForm(), PaintForm::Full);
    QCOMPARE(scene.linkItem(QStringLiteral("l0"))->lastPaintForm(), PaintForm::Full);
}

// A peer is reported (and repainted) when its heat step moves, once per batch, however many items
// it learned in it; a batch that moves no step reports none.
void TestCanvasLod::heatReportsOnlyPeersWhoseStepMoved()
{
    const LoadResult r = parseTopology(R"({"format": "signalbox-topology", "version": 1, "nodes": [
        {"id": "a", "kind": "peer"}, {"id": "b", "kind": "peer"}, {"id": "c", "kind": "peer"}],
        "links": [{"id": "ab", "from": "a", "to": "b"}, {"id": "bc", "from": "b", "to": "c"}]})",
                                       "peers.json");
    QVERIFY(r.ok());
    LiveOverlay overlay;
    overlay.begin(*r.topology);
    const QString a = QStringLiteral("a"), b = QStringLiteral("b"), c = QStringLiteral("c");
    QCOMPARE(overlay.heatLevel(a), -1);
    QStringList changed;
    overlay.addEvents({learn(0, 1), learn(1, 1)}, &changed);
    QCOMPARE(changed, QStringList({a, b}));
    QCOMPARE(overlay.heatLevel(a), LiveOverlay::kHeatLevels);
    QCOMPARE(overlay.heatLevel(c), -1);
    // `a` learns three more in one batch: it stays the best informed (same step), `b` cools.
    changed.clear();
    overlay.addEvents({learn(0, 2), learn(0, 3), learn(0, 4)}, &changed);
    QCOMPARE(changed, QStringList({b}));
    QCOMPARE(overlay.heatLevel(b), LiveOverlay::kHeatLevels / 4);
    // Nothing learned: nothing to repaint.
    changed.clear();
    TraceEvent other;
    other.kind = TraceKind::Deliver;
    overlay.addEvents({other}, &changed);
    QVERIFY(changed.isEmpty());
    // `c` learns its first item: only it changes.
    overlay.addEvents({learn(2, 1)}, &changed);
    QCOMPARE(changed, QStringList({c}));
}

void TestCanvasLod::bigTopologiesAreNotIndexed_data()
{
    QTest::addColumn<int>("nodes");
    QTest::addColumn<bool>("indexed");
    QTest::newRow("3") << 3 << true;
    QTest::newRow("at the bound") << CanvasScene::kIndexedNodes << true;
    QTest::newRow("one more") << CanvasScene::kIndexedNodes + 1 << false;
    QTest::newRow("1000") << 1000 << false;
}

// A generated overlay is painted with every item in view: a BSP index only costs there. A small
// topology keeps it (hit tests and partial repaints when zoomed in).
void TestCanvasLod::bigTopologiesAreNotIndexed()
{
    QFETCH(int, nodes);
    QFETCH(bool, indexed);
    Topology t;
    for (int i = 0; i < nodes; ++i)
        t.nodes.push_back(node("p" + std::to_string(i), "peer", 180 * (i % 40), 90 * (i / 40)));
    TopologyDocument document;
    QVERIFY(document.setTopology(t));
    CanvasScene scene(&document);
    QCOMPARE(scene.itemIndexMethod(), indexed ? QGraphicsScene::BspTreeIndex : QGraphicsScene::NoIndex);
    // Items are still found where they are.
    const QString last = QStringLiteral("p%1").arg(nodes - 1);
    NodeItem *item = scene.nodeItem(last);
    QVERIFY(item);
    QVERIFY(scene.items(item->sceneBoundingRect().center()).contains(item));
    // Back to a small topology: indexed again.
    Topology small;
    small.nodes = {node("a", "producer", 0, 0)};
    QVERIFY(document.setTopology(small));
    QCOMPARE(scene.itemIndexMethod(), QGraphicsScene::BspTreeIndex);
}

QTEST_MAIN(TestCanvasLod)
#include "tst_canvaslod.moc"
