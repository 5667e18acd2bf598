// The live canvas: a bundled example run for a fixed virtual time from the main window's controller
// leaves node badges that agree with the engine's counters and with the run summary dock; links
// switch between dots and throughput by rate; links leaving an exchange show their binding keys.
#include "canvasitems.h"
#include "canvasscene.h"
#include "mainwindow.h"
#include "propertyeditor.h"
#include "summarymodel.h"
#include "topologydocument.h"

#include <QAbstractItemModelTester>
#include <QDoubleSpinBox>
#include <QPainter>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QStyleOptionGraphicsItem>
#include <QTest>

using namespace sb;

class TestLiveCanvas : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void badgesAgreeWithEngine_data();
    void badgesAgreeWithEngine();
    void liveValuesStayAfterRunAndClearOnEdit();
    void linkEditDuringRunKeepsBadgesLive();
    void linksShowTotalsAfterRun();
    void snapshotsEveryFrameWhilePaced();
    void dotsAtLowRateThroughputAtHighRate();
    void linkDownAndCrashedNode();
    void bindingKeyLabels();
    void keyLabelText();
    void noTextWhenTooSmallToRead_data();
    void noTextWhenTooSmallToRead();
    void kafkaTopicLanesFollowTheRun();
    void manyPartitionsAreCapped();
    void streamKindsLiveLines_data();
    void streamKindsLiveLines();
};

namespace {

constexpr int kRunTimeout = 60000;

// A snapshot with the given per-link sent counts at virtual time `t`.
std::shared_ptr<LiveStatsSnapshot> snapshot(std::uint64_t seq, SimTime t, std::size_t nodes,
                                            std::vector<std::uint64_t> sent)
{
    auto s = std::make_shared<LiveStatsSnapshot>();
    s->sequence = seq;
    s->time = t;
    s->nodes.resize(nodes);
    for (auto n : sent) {
        LiveLinkStats l;
        l.sent = n;
        l.messages = n;
        s->links.push_back(l);
    }
    return s;
}

// A producer `p` linked to a queue `q` by link `l`.
Topology producerToQueue()
{
    Topology t;
    t.nodes = {{"p", "producer", "p", Json::object(), {}}, {"q", "queue", "q", Json::object(), {}}};
    LinkDef link;
    link.id = "l";
    link.from = "p";
    link.to = "q";
    link.fromPort = "out";
    link.toPort = "in";
    t.links = {link};
    return t;
}

TraceEvent send(LinkIndex link, NodeIndex from, SimTime t, SimTime arrival)
{
    TraceEvent e;
    e.kind = TraceKind::Send;
    e.link = link;
    e.node = from;
    e.time = t;
    e.aux = arrival;
    e.frame = FrameType::Publish;
    return e;
}

} // namespace

void TestLiveCanvas::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
}

void TestLiveCanvas::badgesAgreeWithEngine_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<qint64>("untilMs");
    QTest::addColumn<quint64>("seed");
    // Cut short while messages are still queued, so the depth badge has something to show.
    QTest::newRow("work-queue") << QStringLiteral("work-queue.json") << qint64(4000) << quint64(7);
    QTest::newRow("dead-letter") << QStringLiteral("dead-letter.json") << qint64(20000) << quint64(3);
    QTest::newRow("lossy-at-least-once")
        << QStringLiteral("lossy-at-least-once.json") << qint64(10000) << quint64(11);
    QTest::newRow("topic-routing") << QStringLiteral("topic-routing.json") << qint64(5000) << quint64(1);
}

void TestLiveCanvas::badgesAgreeWithEngine()
{
    QFETCH(QString, file);
    QFETCH(qint64, untilMs);
    QFETCH(quint64, seed);

    MainWindow window;
    QAbstractItemModelTester tester(window.summaryModel(),
                                    QAbstractItemModelTester::FailureReportingMode::QtTest);
    QVERIFY(window.openFile(QStringLiteral(SIGNALBOX_EXAMPLES_DIR "/") + file));
    EngineHost *engine = window.engine();
    QSignalSpy finished(engine, &EngineHost::finished);
    QSignalSpy stats(engine, &EngineHost::statsArrived);
    EngineHost::RunRequest request;
    request.until = untilMs * kMillisecond;
    request.speed = 0; // as fast as possible
    request.seed = seed;
    engine->start(request);
    QVERIFY(finished.wait(kRunTimeout));
    QVERIFY(stats.count() >= 1);
    const auto summary = finished.at(0).at(0).value<RunSummary>();
    QCOMPARE(quint64(summary.seed), seed);
    QVERIFY(qint64(summary.endTime) <= untilMs * qint64(kMillisecond)); // or quiescent before

    // The last snapshot is where the engine stopped.
    const auto last = stats.last().at(0).value<std::shared_ptr<const LiveStatsSnapshot>>();
    QCOMPARE(last->time, summary.endTime);
    QCOMPARE(last->events, summary.events);

    CanvasScene *scene = window.canvasScene();
    SummaryModel *model = window.summaryModel();
    QCOMPARE(model->rowCount(), int(summary.nodes.size()));
    quint64 anyDepth = 0, anyDrops = 0, anyDeadLetters = 0;
    for (std::size_t i = 0; i < summary.nodes.size(); ++i) {
        const NodeSummary &n = summary.nodes[i];
        NodeItem *item = scene->nodeItem(QString::fromStdString(n.id));
        QVERIFY(item);
        const NodeItem::Badges b = item->badges();
        QVERIFY2(b.live, n.id.c_str());
        auto dock = [&](int column) {
            return model->index(int(i), column).data(SummaryModel::CountRole).toULongLong();
        };
        // The dock's row is this node's (it shows the name; the id is in the tooltip).
        QCOMPARE(model->index(int(i), SummaryModel::NodeColumn).data(Qt::ToolTipRole).toString(),
                 QStringLiteral("id: ") + QString::fromStdString(n.id));
        // Queue depth: the badge, the summary and the dock agree on what remains.
        QCOMPARE(b.depth, quint64(n.status.ready));
        QCOMPARE(b.depth, dock(SummaryModel::DepthColumn));
        QCOMPARE(b.crashed, n.status.crashed);
        QCOMPARE(b.dropped, quint64(n.counters.totalDrops()));
        QCOMPARE(b.dropped, dock(SummaryModel::DroppedColumn));
        QCOMPARE(b.deadLettered, quint64(n.counters.deadLettered));
        QCOMPARE(b.deadLettered, dock(SummaryModel::DeadLetteredColumn));
        if (n.kind == "queue") {
            QCOMPARE(b.unacked, quint64(n.status.unacked));
            QVERIFY(b.depthScale >= 1);
            QVERIFY(b.line.contains(QLocale().toString(quint64(b.depth))));
        }
        if (n.kind == "consumer") QCOMPARE(b.busy, quint64(n.status.unacked));
        // The tooltip carries the live counters.
        QVERIFY2(
            item->liveToolTip().contains(QStringLiteral("dropped: %1").arg(QLocale().toString(b.dropped))),
            qPrintable(item->liveToolTip()));
        anyDepth += b.depth;
        anyDrops += b.dropped;
        anyDeadLetters += b.deadLettered;
    }
    // Links: the frames the engine counted.
    for (std::size_t i = 0; i < summary.links.size(); ++i) {
        const LinkSummary &l = summary.links[i];
        const auto *state = scene->live().link(QString::fromStdString(l.id));
        QVERIFY(state);
        QCOMPARE(state->stats.sent, l.counters.frames);
        QCOMPARE(state->stats.dropped, l.counters.lost + l.counters.partitioned);
        LinkItem *item = scene->linkItem(QString::fromStdString(l.id));
        QVERIFY(item->liveToolTip().contains(QStringLiteral("frames sent")));
    }
    // Each example shows what it is about.
    if (file == QLatin1String("work-queue.json")) QVERIFY(anyDepth > 0);
    if (file == QLatin1String("dead-letter.json")) QVERIFY(anyDeadLetters > 0);
    if (file == QLatin1String("lossy-at-least-once.json")) {
        quint64 lost = 0;
        for (const auto &l : summary.links)
            lost += l.counters.lost;
        QVERIFY(lost > 0 || anyDrops > 0);
    }
}

void TestLiveCanvas::liveValuesStayAfterRunAndClearOnEdit()
{
    MainWindow window;
    QVERIFY(window.openFile(QStringLiteral(SIGNALBOX_EXAMPLES_DIR "/work-queue.json")));
    EngineHost *engine = window.engine();
    QSignalSpy finished(engine, &EngineHost::finished);
    EngineHost::RunRequest request;
    request.until = 2 * kSecond;
    request.speed = 0;
    engine->start(request);
    QVERIFY(finished.wait(kRunTimeout));
    CanvasScene *scene = window.canvasScene();
    NodeItem *tasks = scene->nodeItem(QStringLiteral("tasks"));
    QVERIFY(tasks->badges().live);
    // Moving a node keeps the figures; changing a property clears them.
    QVERIFY(window.document()->moveNodes({{QStringLiteral("tasks"), QPointF(260, 120)}}, true));
    QVERIFY(tasks->badges().live);
    QVERIFY(window.document()->setNodeProperty(QStringLiteral("tasks"), QStringLiteral("maxLength"), 100));
    QVERIFY(!tasks->badges().live);
    QVERIFY(!scene->live().isActive());
    // The next run shows figures again, now scaled to maxLength.
    finished.clear();
    QVERIFY(engine->load(window.document()->topology()));
    engine->start(request);
    QVERIFY(finished.wait(kRunTimeout));
    QVERIFY(tasks->badges().live);
    QCOMPARE(tasks->badges().depthScale, quint64(100));
}

// Issue 9, defect 3: changing a link's loss in the Properties dock while a run goes on is applied
// to the run, and the canvas keeps following it: the badges' counters go on advancing, the edited
// link keeps its live state, and the figures are cleared only by an edit after the run.
void TestLiveCanvas::linkEditDuringRunKeepsBadgesLive()
{
    MainWindow window;
    QVERIFY(window.openFile(QStringLiteral(SIGNALBOX_EXAMPLES_DIR "/work-queue.json")));
    EngineHost *engine = window.engine();
    CanvasScene *scene = window.canvasScene();
    QSignalSpy finished(engine, &EngineHost::finished);
    QSignalSpy stats(engine, &EngineHost::statsArrived);
    EngineHost::RunRequest request;
    request.until = 60 * kSecond;
    request.speed = 2; // 2000 messages at 200/s: five seconds of wall time
    engine->start(request);
    const QString producer = QStringLiteral("producer");
    const QString link = QStringLiteral("publish");
    QTRY_VERIFY_WITH_TIMEOUT(scene->live().node(producer) &&
                                 scene->live().node(producer)->counters.published > 5 &&
                                 engine->acceptsLiveChanges(),
                             kRunTimeout);

    // The edit, as a person makes it: select the link, type a loss, press Return.
    scene->clearSelection();
    scene->linkItem(link)->setSelected(true);
    auto *loss = qobject_cast<QDoubleSpinBox *>(window.propertyEditor()->editor(QStringLiteral("loss")));
    QVERIFY(loss);
    loss->setValue(0.25);
    QTest::keyClick(loss, Qt::Key_Return);
    QCOMPARE(window.document()->link(link)->properties.value("loss", 0.0), 0.25);
    QVERIFY(scene->live().isActive());

    const quint64 publishedAtEdit = scene->live().node(producer)->counters.published;
    const auto sequenceAtEdit = scene->live().snapshotSequence();
    QTRY_VERIFY_WITH_TIMEOUT(scene->live().node(producer) &&
                                 scene->live().node(producer)->counters.published > publishedAtEdit + 5,
                             kRunTimeout);
    QVERIFY(scene->live().snapshotSequence() > sequenceAtEdit);
    QVERIFY(scene->nodeItem(producer)->badges().live);
    QVERIFY(scene->live().link(link));
    QVERIFY(scene->linkItem(link)->liveMode() != int(LiveOverlay::LinkMode::Idle));
    // The edit reached the run: frames are lost on the link from now on.
    QTRY_VERIFY_WITH_TIMEOUT(scene->live().link(link)->stats.dropped > 0, kRunTimeout);

    engine->stop();
    QVERIFY(finished.count() > 0 || finished.wait(kRunTimeout));
    QVERIFY(scene->live().isActive());
    // After the run, an edit describes a topology that has not run: the figures go.
    QVERIFY(window.document()->setLinkProperty(link, QStringLiteral("loss"), 0.5));
    QVERIFY(!scene->live().isActive());
}

// Issue 9, usability 6: after a run, links show what they carried in all, never a stale rate.
void TestLiveCanvas::linksShowTotalsAfterRun()
{
    MainWindow window;
    QVERIFY(window.openFile(QStringLiteral(SIGNALBOX_EXAMPLES_DIR "/work-queue.json")));
    EngineHost *engine = window.engine();
    QSignalSpy finished(engine, &EngineHost::finished);
    EngineHost::RunRequest request;
    request.until = 5 * kSecond;
    request.speed = 0;
    engine->start(request);
    QVERIFY(finished.wait(kRunTimeout));
    CanvasScene *scene = window.canvasScene();
    QVERIFY(scene->live().hasEnded());
    const auto summary = finished.at(0).at(0).value<RunSummary>();
    int shown = 0;
    for (const LinkSummary &l : summary.links) {
        const QString id = QString::fromStdString(l.id);
        const LiveOverlay::LinkState *state = scene->live().link(id);
        QVERIFY(state);
        const QString label = scene->linkItem(id)->rateLabel();
        QVERIFY2(!label.endsWith(QStringLiteral("/s")), qPrintable(label));
        if (state->stats.messages) {
            QCOMPARE(label,
                     QStringLiteral("%1 msgs").arg(LiveOverlay::compact(double(state->stats.messages))));
            ++shown;
        }
    }
    QCOMPARE(shown, int(summary.links.size()));
    // The publish link carried every message the producer published.
    QCOMPARE(scene->live().link(QStringLiteral("publish"))->stats.messages,
             scene->live().node(QStringLiteral("producer"))->counters.published);
}

// Paced, the engine sends a snapshot per frame (asked for through Simulation::post()), not only
// at the end; counters never run backwards, and the last one is where the run stopped.
void TestLiveCanvas::snapshotsEveryFrameWhilePaced()
{
    MainWindow window;
    QVERIFY(window.openFile(QStringLiteral(SIGNALBOX_EXAMPLES_DIR "/work-queue.json")));
    EngineHost *engine = window.engine();
    QSignalSpy finished(engine, &EngineHost::finished);
    QSignalSpy stats(engine, &EngineHost::statsArrived);
    QSignalSpy started(engine, &EngineHost::runStarted);
    EngineHost::RunRequest request;
    request.until = 3 * kSecond;
    request.speed = 10; // 0.3 s of wall time
    engine->start(request);
    QCOMPARE(started.count(), 1);
    QVERIFY(finished.wait(kRunTimeout));
    QVERIFY2(stats.count() >= 3, qPrintable(QString::number(stats.count())));
    std::uint64_t sequence = 0, processed = 0;
    for (const auto &args : std::as_const(stats)) {
        const auto s = args.at(0).value<std::shared_ptr<const LiveStatsSnapshot>>();
        QVERIFY(s->sequence > sequence);
        sequence = s->sequence;
        std::uint64_t p = 0;
        for (const auto &n : s->nodes)
            p += n.counters.processed;
        QVERIFY(p >= processed);
        processed = p;
    }
    const auto summary = finished.at(0).at(0).value<RunSummary>();
    const auto last = stats.last().at(0).value<std::shared_ptr<const LiveStatsSnapshot>>();
    QCOMPARE(last->time, summary.endTime);
    std::uint64_t summed = 0;
    for (const auto &n : summary.nodes)
        summed += n.counters.processed;
    QCOMPARE(processed, summed);
    QCOMPARE(window.canvasScene()->live().snapshotSequence(), last->sequence);
}

void TestLiveCanvas::dotsAtLowRateThroughputAtHighRate()
{
    LiveOverlay overlay;
    qint64 wall = 0;
    overlay.setClock([&wall] { return wall; });
    const Topology t = producerToQueue();
    overlay.begin(t);
    const QString id = QStringLiteral("l");
    QVERIFY(!overlay.link(id)); // nothing until the first snapshot

    // Low rate: 3 frames per frame -> dots, moving along the link.
    SimTime now = 0;
    std::uint64_t sent = 0, seq = 0;
    for (int frame = 0; frame < 5; ++frame) {
        std::vector<TraceEvent> batch;
        for (int k = 0; k < 3; ++k)
            batch.push_back(send(0, 0, now, now + 100 * kMillisecond));
        sent += 3;
        overlay.addEvents(batch);
        now += 16 * kMillisecond;
        wall += 16;
        overlay.setStats(snapshot(++seq, now, 2, {sent}), nullptr, nullptr);
        overlay.step();
    }
    QCOMPARE(overlay.link(id)->mode, LiveOverlay::LinkMode::Dots);
    const auto dots = overlay.dotPositions(id);
    QVERIFY(!dots.empty());
    QVERIFY(int(dots.size()) <= LiveOverlay::kMaxDots);
    for (const auto &d : dots)
        QVERIFY(d.fraction >= 0 && d.fraction < 1);

    // High rate: thousands per frame -> throughput, with a rate label in messages per second.
    for (int frame = 0; frame < 5; ++frame) {
        std::vector<TraceEvent> batch;
        for (int k = 0; k < 100; ++k)
            batch.push_back(send(0, 0, now, now + 1 * kMillisecond));
        overlay.addEvents(batch);
        sent += 2000; // the trace ring overflowed: the snapshot has the exact count
        now += 1 * kSecond;
        wall += 16;
        overlay.setStats(snapshot(++seq, now, 2, {sent}), nullptr, nullptr);
        overlay.step();
    }
    QCOMPARE(overlay.link(id)->mode, LiveOverlay::LinkMode::Throughput);
    QVERIFY(overlay.dotPositions(id).empty());
    QVERIFY(overlay.link(id)->rate > 1000 && overlay.link(id)->rate < 2100);
    QCOMPARE(LiveOverlay::compact(2000), QStringLiteral("2k"));

    // Calm again: after a while it goes back to dots (not at once, to avoid flicker).
    overlay.setStats(snapshot(++seq, now + kSecond, 2, {sent + 1}), nullptr, nullptr);
    QCOMPARE(overlay.link(id)->mode, LiveOverlay::LinkMode::Throughput);
    wall += 1000;
    overlay.step(); // the old dots arrive
    for (int frame = 0; frame < LiveOverlay::kCalmFrames + 1; ++frame) {
        now += 16 * kMillisecond;
        overlay.setStats(snapshot(++seq, now, 2, {++sent}), nullptr, nullptr);
    }
    QCOMPARE(overlay.link(id)->mode, LiveOverlay::LinkMode::Dots);

    // A frame still in flight when the run ends never arrives: its dot finishes and goes.
    overlay.addEvents({send(0, 0, now, now + 1000 * kSecond)});
    QVERIFY(overlay.hasDots());
    overlay.endRun();
    wall += LiveOverlay::kMinTravelMs;
    overlay.step();
    QVERIFY(!overlay.hasDots());
    QCOMPARE(overlay.link(id)->mode, LiveOverlay::LinkMode::Dots); // the figures stay

    // And the scene's link items read it: run one through a canvas.
    TopologyDocument document;
    QVERIFY(document.setTopology(t));
    CanvasScene scene(&document);
    scene.live().setClock([&wall] { return wall; });
    scene.beginLive(t);
    LinkItem *item = scene.linkItem(id);
    QVERIFY(item);
    scene.addLiveEvents({send(0, 0, 0, 10 * kMillisecond)});
    scene.setLiveStats(snapshot(1, kMillisecond, 2, {1}));
    QCOMPARE(item->liveMode(), int(LiveOverlay::LinkMode::Dots));
    QCOMPARE(item->dotCount(), 1);
    QVERIFY(item->rateLabel().isEmpty());
    scene.setLiveStats(snapshot(2, kSecond + kMillisecond, 2, {5001}));
    QCOMPARE(item->liveMode(), int(LiveOverlay::LinkMode::Throughput));
    QCOMPARE(item->dotCount(), 0);
    QVERIFY(item->rateLabel().endsWith(QStringLiteral("/s")));
    // Painting either mode works offscreen.
    QImage image(400, 300, QImage::Format_ARGB32_Premultiplied);
    QPainter painter(&image);
    scene.render(&painter);
}

void TestLiveCanvas::noTextWhenTooSmallToRead_data()
{
    QTest::addColumn<qreal>("scale");
    QTest::addColumn<bool>("textDrawn");
    QTest::newRow("100 %") << 1.0 << true;
    QTest::newRow("50 %") << 0.5 << true;
    QTest::newRow("30 %") << 0.3 << false;
    QTest::newRow("20 %") << 0.2 << false;
}

// Zoomed far out a node's name and live line cannot be read, so they are not drawn (they cost most
// of a live frame on a large canvas): renaming the node then changes no pixel.
void TestLiveCanvas::noTextWhenTooSmallToRead()
{
    QFETCH(qreal, scale);
    QFETCH(bool, textDrawn);
    Topology t;
    t.nodes = {{"q", "queue", "orders", Json::object(), {}}};
    TopologyDocument document;
    QVERIFY(document.setTopology(t));
    CanvasScene scene(&document);
    scene.beginLive(t);
    auto s = snapshot(1, kSecond, 1, {});
    s->nodes[0].ready = 5;
    s->nodes[0].counters.drops[int(DropReason::MaxLength)] = 3;
    scene.setLiveStats(s);
    NodeItem *item = scene.nodeItem(QStringLiteral("q"));
    QVERIFY(item);
    const auto render = [&] {
        QImage image(QSize(400, 200), QImage::Format_ARGB32_Premultiplied);
        image.fill(Qt::white);
        QPainter painter(&image);
        painter.scale(scale, scale);
        painter.translate(40, 40);
        QStyleOptionGraphicsItem option;
        option.exposedRect = item->boundingRect();
        item->paint(&painter, &option, nullptr);
        return image;
    };
    const QImage before = render();
    // Another name of the same box width (nodes are sized to their names).
    QVERIFY(document.renameNode(QStringLiteral("q"), QStringLiteral("events")));
    QCOMPARE(item->width(), NodeItem::kWidth);
    const QImage after = render();
    QCOMPARE(before != after, textDrawn);
    // The marks stay at any scale: the box is not blank.
    QImage blank(after.size(), after.format());
    blank.fill(Qt::white);
    QVERIFY(after != blank);
}

void TestLiveCanvas::linkDownAndCrashedNode()
{
    const Topology t = producerToQueue();
    TopologyDocument document;
    QVERIFY(document.setTopology(t));
    CanvasScene scene(&document);
    scene.beginLive(t);
    auto s = snapshot(1, kSecond, 2, {10});
    s->links[0].up = false;
    s->nodes[1].crashed = true;
    s->nodes[1].counters.drops[int(DropReason::MaxLength)] = 4;
    scene.setLiveStats(s);
    QVERIFY(!scene.live().link(QStringLiteral("l"))->stats.up);
    QVERIFY(scene.linkItem(QStringLiteral("l"))->liveToolTip().contains(QStringLiteral("link down")));
    const NodeItem::Badges b = scene.nodeItem(QStringLiteral("q"))->badges();
    QVERIFY(b.crashed);
    QCOMPARE(b.dropped, quint64(4));
    QCOMPARE(b.line, QStringLiteral("crashed"));
    QImage image(600, 300, QImage::Format_ARGB32_Premultiplied);
    QPainter painter(&image);
    scene.render(&painter);
    scene.clearLive();
    QVERIFY(!scene.nodeItem(QStringLiteral("q"))->badges().live);
}

void TestLiveCanvas::bindingKeyLabels()
{
    MainWindow window;
    QVERIFY(window.openFile(QStringLiteral(SIGNALBOX_EXAMPLES_DIR "/topic-routing.json")));
    TopologyDocument *document = window.document();
    int labelled = 0;
    for (const auto &l : document->topology().links) {
        LinkItem *item = window.canvasScene()->linkItem(QString::fromStdString(l.id));
        QVERIFY(item);
        const QStringList keys =
            document->bindings(QString::fromStdString(l.from), QString::fromStdString(l.to));
        if (keys.isEmpty()) {
            QVERIFY(item->keyLabel().isEmpty());
            continue;
        }
        ++labelled;
        QVERIFY2(item->keyLabel().contains(keys.first()), qPrintable(item->keyLabel()));
    }
    QVERIFY(labelled >= 2);
}

void TestLiveCanvas::keyLabelText()
{
    QCOMPARE(LinkItem::keyLabelFor({}), QString());
    QCOMPARE(LinkItem::keyLabelFor({QString()}), QString());
    QCOMPARE(LinkItem::keyLabelFor({QStringLiteral("order.*")}), QStringLiteral("order.*"));
    QCOMPARE(LinkItem::keyLabelFor({QStringLiteral("a"), QStringLiteral("b")}), QStringLiteral("a, b"));
    QCOMPARE(LinkItem::keyLabelFor(
                 {QStringLiteral("a"), QStringLiteral("b"), QStringLiteral("c"), QStringLiteral("d")}),
             QStringLiteral("a, b +2"));
}

void TestLiveCanvas::kafkaTopicLanesFollowTheRun()
{
    MainWindow window;
    window.resize(1440, 900);
    QVERIFY(window.openFile(QStringLiteral(SIGNALBOX_EXAMPLES_DIR "/kafka-consumer-groups.json")));
    CanvasScene *scene = window.canvasScene();
    NodeItem *topic = scene->nodeItem(QStringLiteral("orders"));
    QVERIFY(topic);
    // Before any run: a lane per partition, empty, and the box grown to hold them.
    QCOMPARE(topic->partitionCount(), 6);
    QCOMPARE(topic->laneCount(), 6);
    QCOMPARE(topic->height(), NodeItem::kHeight + 6 * NodeItem::kLaneHeight + 6);
    QVERIFY(topic->width() >= NodeItem::kLogWidth);
    QVERIFY(topic->shownLanes().empty());
    QVERIFY(topic->moreLanesText().isEmpty());
    QCOMPARE(scene->nodeItem(QStringLiteral("billing-1"))->height(), NodeItem::kHeight);

    // Paced, so that no trace batch overflows: the lanes see every event.
    EngineHost *engine = window.engine();
    QSignalSpy finished(engine, &EngineHost::finished);
    QSignalSpy logsChanged(scene, &CanvasScene::liveLogsChanged);
    EngineHost::RunRequest request;
    request.until = 20 * kSecond;
    request.speed = 40;
    engine->start(request);
    QVERIFY(finished.wait(kRunTimeout));
    QCOMPARE(engine->overflowedEvents(), quint64(0));
    QVERIFY(logsChanged.count() > 2); // live, batch after batch
    const auto summary = finished.at(0).at(0).value<RunSummary>();
    QCOMPARE(summary.topics.size(), std::size_t(1));

    // The lanes are the engine's own figures (its LogMetrics, in the summary) ...
    const std::vector<LiveLogs::Lane> lanes = topic->shownLanes();
    QCOMPARE(lanes.size(), std::size_t(6));
    for (std::size_t p = 0; p < lanes.size(); ++p) {
        const PartitionFigures &exact = summary.topics.front().partitions[p].figures;
        QCOMPARE(lanes[p].figures.logEnd, exact.logEnd);
        QCOMPARE(lanes[p].figures.highWatermark, exact.highWatermark);
        QCOMPARE(lanes[p].figures.leader, exact.leader);
        QCOMPARE(lanes[p].figures.isr, exact.isr);
        QVERIFY(exact.logEnd > 0);
    }
    // ... and each group's committed offsets leave exactly the lag the group checker reported.
    const QStringList groups = scene->live().logs().groupNames(QStringLiteral("orders"));
    QCOMPARE(groups, QStringList({"billing", "audit"}));
    for (int g = 0; g < groups.size(); ++g) {
        std::int64_t lag = 0;
        for (const LiveLogs::Lane &lane : lanes) {
            QVERIFY(lane.committed[std::size_t(g)] >= 0);
            QVERIFY(lane.committed[std::size_t(g)] <= lane.figures.logEnd);
            lag += lane.figures.logEnd - lane.committed[std::size_t(g)];
        }
        const auto report =
            std::find_if(summary.groups.begin(), summary.groups.end(),
                         [&](const GroupReport &r) { return QString::fromStdString(r.group) == groups[g]; });
        QVERIFY(report != summary.groups.end());
        QCOMPARE(lag, report->lag);
    }
    // The line under the name counts the records.
    std::int64_t records = 0;
    for (const LiveLogs::Lane &lane : lanes)
        records += lane.figures.logEnd;
    QCOMPARE(topic->badges().line, QStringLiteral("%1 records").arg(LiveOverlay::compact(double(records))));

    // The group's members and their partitions: in the topic's and each member's tooltip, and in
    // the Properties panel of a selected member.
    LiveLogs::Group billing;
    QVERIFY(scene->live().logs().groupOfMember(QStringLiteral("billing-1"), &billing));
    const QString assignment = LiveLogs::assignmentText(billing);
    QVERIFY2(assignment.startsWith(QStringLiteral("group billing, generation ")), qPrintable(assignment));
    QVERIFY2(topic->liveToolTip().contains(assignment), qPrintable(topic->liveToolTip()));
    QVERIFY(topic->liveToolTip().contains(
        QStringLiteral("P5: log start 0, log end %1").arg(lanes[5].figures.logEnd)));
    QVERIFY(scene->nodeItem(QStringLiteral("billing-3"))->liveToolTip().contains(assignment));
    QVERIFY(!scene->nodeItem(QStringLiteral("producer"))->liveToolTip().contains(assignment));
    auto *properties = window.findChild<PropertyEditor *>(QStringLiteral("propertyEditor"));
    QVERIFY(properties);
    scene->selectNode(QStringLiteral("billing-3"));
    QCOMPARE(properties->runInfoLines().value(0), assignment);
    QCOMPARE(properties->runInfoTitle(), QStringLiteral("Consumer group in the run"));
    scene->selectNode(QStringLiteral("orders"));
    QCOMPARE(properties->runInfoLines().size(), 2);
    QVERIFY(properties->runInfoLines().value(0).startsWith(assignment));
    scene->selectNode(QStringLiteral("producer"));
    QVERIFY(properties->runInfoLines().isEmpty());

    // Drawn: each group's committed mark in its colour, in the lanes under the header.
    QImage image(int(topic->width()) + 60, int(topic->height()) + 40, QImage::Format_ARGB32);
    image.fill(Qt::white);
    {
        QPainter painter(&image);
        painter.translate(30, 20);
        QStyleOptionGraphicsItem option;
        topic->paint(&painter, &option, nullptr);
    }
    for (int g = 0; g < 2; ++g) {
        const QRgb colour = NodeItem::groupColour(g).rgb();
        bool found = false;
        for (int y = 20 + int(NodeItem::kHeight) - 6; y < image.height() && !found; ++y)
            for (int x = 0; x < image.width() && !found; ++x)
                found = image.pixel(x, y) == colour;
        QVERIFY2(found, qPrintable(groups[g]));
    }

    // An edit after the run clears the lanes' figures, and the panel's section with them.
    scene->selectNode(QStringLiteral("billing-3"));
    QVERIFY(window.document()->setNodeProperty(QStringLiteral("orders"), QStringLiteral("partitions"), 4));
    QCOMPARE(topic->laneCount(), 4);
    QVERIFY(topic->shownLanes().empty());
    QVERIFY(properties->runInfoLines().isEmpty());
}

void TestLiveCanvas::manyPartitionsAreCapped()
{
    TopologyDocument document;
    Topology t;
    t.nodes.push_back({"t",
                       "kafka-topic",
                       "events",
                       Json{{"partitions", 12}, {"brokers", 3}, {"replicationFactor", 3}},
                       {}});
    t.nodes.push_back({"c", "kafka-consumer", "", Json{{"groupId", "g"}}, {}});
    LinkDef l;
    l.id = "l";
    l.from = "t";
    l.to = "c";
    l.fromPort = "consumers";
    l.toPort = "topic";
    t.links = {l};
    QString error;
    QVERIFY2(document.setTopology(t, &error), qPrintable(error));
    CanvasScene scene(&document);
    NodeItem *topic = scene.nodeItem(QStringLiteral("t"));
    QVERIFY(topic);
    QCOMPARE(topic->partitionCount(), 12);
    QCOMPARE(topic->laneCount(), LiveLogs::kMaxLanes);
    // Eight lanes and a line for the other four.
    QCOMPARE(topic->height(), NodeItem::kHeight + (LiveLogs::kMaxLanes + 1) * NodeItem::kLaneHeight + 6);
    QCOMPARE(topic->moreLanesText(), QStringLiteral("+4 more"));

    // While running, trouble in a partition not drawn is said on that line.
    scene.beginLive(t, {"g"});
    std::vector<TraceEvent> events;
    for (std::uint32_t p = 0; p < 12; ++p) {
        TraceEvent e;
        e.kind = TraceKind::LeaderElect;
        e.node = 0;
        e.partition = p;
        e.aux = p == 10 ? -1 : std::int64_t(p % 3);
        events.push_back(e);
        TraceEvent a;
        a.kind = TraceKind::Append;
        a.node = 0;
        a.partition = p;
        a.offset = p;
        events.push_back(a);
    }
    TraceEvent shrink;
    shrink.kind = TraceKind::IsrShrink;
    shrink.node = 0;
    shrink.partition = 9;
    shrink.deliveryCount = 2;
    events.push_back(shrink);
    QSignalSpy changed(&scene, &CanvasScene::liveLogsChanged);
    scene.addLiveEvents(events);
    QCOMPARE(changed.count(), 1);
    QCOMPARE(changed.at(0).at(0).toStringList(), QStringList({"t"}));
    QCOMPARE(topic->shownLanes().size(), std::size_t(LiveLogs::kMaxLanes));
    QCOMPARE(topic->shownLanes().back().figures.logEnd, 8);
    QCOMPARE(topic->moreLanesText(), QStringLiteral("+4 more: 1 offline, 1 under-replicated"));
    // The tooltip (with the node's counters, which come with every frame) has every partition,
    // the hidden ones too.
    auto stats = std::make_shared<LiveStatsSnapshot>();
    stats->sequence = 1;
    stats->nodes.resize(2);
    scene.setLiveStats(stats);
    QVERIFY(topic->liveToolTip().contains(
        QStringLiteral("P10: log start 0, log end 11, high watermark 0, offline (no leader)")));
    QVERIFY(
        topic->liveToolTip().contains(QStringLiteral("P9: log start 0, log end 10, high watermark 0, leader "
                                                     "broker 0 (epoch 0), ISR 2/3 under-replicated")));
}

void TestLiveCanvas::streamKindsLiveLines_data()
{
    // The line under a Kafka or SQS node's name while a run shows, from the live counters.
    QTest::addColumn<QString>("kind");
    QTest::addColumn<quint64>("ready");
    QTest::addColumn<quint64>("unacked");
    QTest::addColumn<quint64>("inFlight");
    QTest::addColumn<quint64>("count"); // published (producers) or processed (consumers)
    QTest::addColumn<QString>("line");
    QTest::addColumn<quint64>("busy");
    QTest::newRow("sqs queue") << "sqs-queue" << quint64(4) << quint64(2) << quint64(0) << quint64(0)
                               << QStringLiteral("4 visible \u00b7 2 in flight") << quint64(0);
    QTest::newRow("sqs consumer busy") << "sqs-consumer" << quint64(0) << quint64(1) << quint64(0)
                                       << quint64(5) << QStringLiteral("busy \u00b7 5 done") << quint64(1);
    QTest::newRow("sqs consumer idle") << "sqs-consumer" << quint64(0) << quint64(0) << quint64(0)
                                       << quint64(5) << QStringLiteral("idle \u00b7 5 done") << quint64(0);
    QTest::newRow("kafka producer") << "kafka-producer" << quint64(0) << quint64(0) << quint64(3)
                                    << quint64(1200) << QStringLiteral("1.2k sent \u00b7 3 unacknowledged")
                                    << quint64(0);
    QTest::newRow("sqs producer all acknowledged") << "sqs-producer" << quint64(0) << quint64(0) << quint64(0)
                                                   << quint64(7) << QStringLiteral("7 sent") << quint64(0);
    // Not linked to a topic: no group to tell of yet.
    QTest::newRow("kafka consumer alone") << "kafka-consumer" << quint64(0) << quint64(1) << quint64(0)
                                          << quint64(9) << QStringLiteral("busy \u00b7 9 done") << quint64(1);
}

void TestLiveCanvas::streamKindsLiveLines()
{
    QFETCH(QString, kind);
    QFETCH(quint64, ready);
    QFETCH(quint64, unacked);
    QFETCH(quint64, inFlight);
    QFETCH(quint64, count);
    QFETCH(QString, line);
    QFETCH(quint64, busy);

    QLocale::setDefault(QLocale(QLocale::English, QLocale::UnitedStates));
    TopologyDocument document;
    Topology t;
    t.nodes.push_back({"n", kind.toStdString(), "", Json::object(), {}});
    if (kind == QLatin1String("kafka-producer")) {
        // A Kafka producer must produce somewhere.
        t.nodes.push_back({"t", "kafka-topic", "", Json::object(), {}});
        LinkDef l;
        l.id = "l";
        l.from = "n";
        l.to = "t";
        l.fromPort = "out";
        l.toPort = "produce";
        t.links = {l};
    }
    QString error;
    QVERIFY2(document.setTopology(t, &error), qPrintable(error));
    CanvasScene scene(&document);
    NodeItem *node = scene.nodeItem(QStringLiteral("n"));
    QVERIFY(node);
    QCOMPARE(node->partitionCount(), 0);
    scene.beginLive(t);
    auto s = std::make_shared<LiveStatsSnapshot>();
    s->sequence = 1;
    s->time = kSecond;
    LiveNodeStats n;
    n.ready = ready;
    n.unacked = unacked;
    n.inFlight = inFlight;
    n.counters.published = count;
    n.counters.processed = count;
    s->nodes = {n, LiveNodeStats()};
    scene.setLiveStats(s);
    const NodeItem::Badges b = node->badges();
    QVERIFY(b.live);
    QCOMPARE(b.line, line);
    QCOMPARE(b.busy, busy);
}

QTEST_MAIN(TestLiveCanvas)
#include "tst_livecanvas.moc"
