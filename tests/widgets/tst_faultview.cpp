// How faults look in the window, fed directly (no engine): the canvas marks the links and nodes of
// the active faults (a link-down fault draws the link down, crash and pause faults the node crashed
// or paused, other faults an amber label) until they end or a new run starts; the chart panel shades
// each fault's span; the live-change table tells planned faults from live ones.
#include "canvasitems.h"
#include "canvasscene.h"
#include "chartpanel.h"
#include "enginehost.h"
#include "isolatedsettings.h"
#include "mainwindow.h"
#include "runcontroller.h"
#include "summarymodel.h"
#include "topologydocument.h"

#include <QAbstractItemModelTester>
#include <QAction>
#include <QComboBox>
#include <QImage>
#include <QMenu>
#include <QPainter>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace sb;

class TestFaultView : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void linkFaultLooks_data();
    void linkFaultLooks();
    void nodeFaultLooks_data();
    void nodeFaultLooks();
    void faultsClearWhenTheyEndAndWhenARunStarts();
    void chartShadesFaultSpans();
    void liveChangeModelTellsPlannedFromLive();
    void applyFaultMenuFollowsTheSelection_data();
    void applyFaultMenuFollowsTheSelection();

private:
    QTemporaryDir m_dir;
};

namespace {

// A producer `p` linked to a queue `q` by link `l`, then to a consumer `c` by `d`.
Topology chain()
{
    Topology t;
    t.nodes = {{"p", "producer", "p", Json::object(), {}},
               {"q", "queue", "q", Json::object(), {}},
               {"c", "consumer", "c", Json::object(), {}}};
    LinkDef l;
    l.id = "l";
    l.from = "p";
    l.to = "q";
    l.fromPort = "out";
    l.toPort = "in";
    LinkDef d;
    d.id = "d";
    d.from = "q";
    d.to = "c";
    d.fromPort = "deliver";
    d.toPort = "in";
    t.links = {l, d};
    return t;
}

FaultActivation active(const std::string &id, const std::string &kind, const std::string &target,
                       bool planned = true)
{
    FaultActivation f;
    f.id = id;
    f.kind = kind;
    f.target = target;
    f.planned = planned;
    f.start = kSecond;
    return f;
}

// A live snapshot of `t` with nothing down, crashed or paused.
std::shared_ptr<LiveStatsSnapshot> calm(const Topology &t)
{
    auto s = std::make_shared<LiveStatsSnapshot>();
    s->sequence = 1;
    s->time = 2 * kSecond;
    s->nodes.resize(t.nodes.size());
    s->links.resize(t.links.size());
    return s;
}

void render(QGraphicsScene &scene)
{
    QImage image(800, 400, QImage::Format_ARGB32_Premultiplied);
    QPainter painter(&image);
    scene.render(&painter);
}

} // namespace

void TestFaultView::initTestCase()
{
    QVERIFY(m_dir.isValid());
    sbtest::isolateUserFiles(m_dir);
}

void TestFaultView::linkFaultLooks_data()
{
    QTest::addColumn<QString>("kind");
    QTest::addColumn<bool>("down");
    QTest::addColumn<QStringList>("labels");
    QTest::newRow("link-down") << "link-down" << true << QStringList();
    for (const char *kind : {"latency", "loss", "burst-loss", "duplicate", "reorder", "bandwidth", "corrupt",
                             "drop-first", "drop-every", "match"})
        QTest::newRow(kind) << kind << false << QStringList{QString::fromLatin1(kind)};
}

void TestFaultView::linkFaultLooks()
{
    QFETCH(QString, kind);
    QFETCH(bool, down);
    QFETCH(QStringList, labels);
    const Topology t = chain();
    TopologyDocument document;
    QVERIFY(document.setTopology(t));
    CanvasScene scene(&document);
    scene.beginLive(t);
    scene.setLiveStats(calm(t)); // the engine's link is up: only the fault says otherwise
    LinkItem *link = scene.linkItem(QStringLiteral("l"));
    QVERIFY(!link->looksDown());
    QVERIFY(link->faultLabels().isEmpty());

    scene.setLiveFaults({active("f1", kind.toStdString(), "l")});
    QCOMPARE(link->looksDown(), down);
    QCOMPARE(link->faultLabels(), labels);
    QVERIFY2(link->liveToolTip().contains(QStringLiteral("fault f1: %1 (planned)").arg(kind)),
             qPrintable(link->liveToolTip()));
    // The other link and the nodes are untouched.
    QVERIFY(!scene.linkItem(QStringLiteral("d"))->looksDown());
    QVERIFY(scene.linkItem(QStringLiteral("d"))->faultLabels().isEmpty());
    QVERIFY(scene.nodeItem(QStringLiteral("q"))->badges().faults.isEmpty());
    render(scene);
}

void TestFaultView::nodeFaultLooks_data()
{
    QTest::addColumn<QString>("kind");
    QTest::addColumn<QString>("target");
    QTest::addColumn<bool>("crashed");
    QTest::addColumn<bool>("paused");
    QTest::addColumn<QStringList>("faults");
    QTest::newRow("crash") << "crash"
                           << "q" << true << false << QStringList();
    QTest::newRow("pause") << "pause"
                           << "q" << false << true << QStringList();
    QTest::newRow("slow") << "slow"
                          << "q" << false << false << QStringList{QStringLiteral("slow")};
    // A node fault over several nodes, and a nemesis over a group, mark each of them.
    QTest::newRow("crash of several") << "crash"
                                      << "p,q" << true << false << QStringList();
    QTest::newRow("nemesis over a group")
        << "partition-halves"
        << "q,c" << false << false << QStringList{QStringLiteral("partition-halves")};
}

void TestFaultView::nodeFaultLooks()
{
    QFETCH(QString, kind);
    QFETCH(QString, target);
    QFETCH(bool, crashed);
    QFETCH(bool, paused);
    QFETCH(QStringList, faults);
    const Topology t = chain();
    TopologyDocument document;
    QVERIFY(document.setTopology(t));
    CanvasScene scene(&document);
    scene.beginLive(t);
    scene.setLiveStats(calm(t));
    scene.setLiveFaults({active("f2", kind.toStdString(), target.toStdString(), false)});
    NodeItem *q = scene.nodeItem(QStringLiteral("q"));
    const NodeItem::Badges b = q->badges();
    QCOMPARE(b.crashed, crashed);
    QCOMPARE(b.paused, paused);
    QCOMPARE(b.faults, faults);
    if (crashed) QCOMPARE(b.line, QStringLiteral("crashed"));
    QVERIFY2(q->liveToolTip().contains(QStringLiteral("fault f2: %1 (applied live)").arg(kind)),
             qPrintable(q->liveToolTip()));
    // A node outside the target keeps its look.
    const QString outside = target.contains(QLatin1Char('c')) ? QStringLiteral("p") : QStringLiteral("c");
    QVERIFY(!scene.nodeItem(outside)->badges().crashed);
    QVERIFY(scene.nodeItem(outside)->badges().faults.isEmpty());
    render(scene);
}

void TestFaultView::faultsClearWhenTheyEndAndWhenARunStarts()
{
    const Topology t = chain();
    TopologyDocument document;
    QVERIFY(document.setTopology(t));
    CanvasScene scene(&document);
    scene.beginLive(t);
    scene.setLiveStats(calm(t));
    scene.setLiveFaults(
        {active("f1", "link-down", "l"), active("f2", "loss", "d"), active("f3", "crash", "c")});
    QVERIFY(scene.linkItem(QStringLiteral("l"))->looksDown());
    QCOMPARE(scene.linkItem(QStringLiteral("d"))->faultLabels(), QStringList{QStringLiteral("loss")});
    QVERIFY(scene.nodeItem(QStringLiteral("c"))->badges().crashed);

    // f1 and f3 ended: only the loss remains.
    scene.setLiveFaults({active("f2", "loss", "d")});
    QVERIFY(!scene.linkItem(QStringLiteral("l"))->looksDown());
    QVERIFY(!scene.nodeItem(QStringLiteral("c"))->badges().crashed);
    QCOMPARE(scene.linkItem(QStringLiteral("d"))->faultLabels(), QStringList{QStringLiteral("loss")});

    // A new run starts with nothing active.
    scene.beginLive(t);
    scene.setLiveStats(calm(t));
    QVERIFY(scene.linkItem(QStringLiteral("d"))->faultLabels().isEmpty());
    QVERIFY(scene.live().linkFaults(QStringLiteral("d")).isEmpty());
}

void TestFaultView::chartShadesFaultSpans()
{
    ChartPanel panel;
    panel.resize(900, 500);
    panel.show();
    panel.reset({QStringLiteral("p"), QStringLiteral("q")},
                {QStringLiteral("producer"), QStringLiteral("queue")}, {QStringLiteral("l")});
    // Data up to 10 s, so that the live view spans the run.
    TimeSeriesDelta delta;
    delta.bucketWidth = 100 * kMillisecond;
    delta.rows = 100;
    panel.appendDelta(delta);
    QCOMPARE(panel.store().endTime(), 10.0);

    FaultActivation ended = active("f1", "link-down", "l");
    ended.end = 4 * kSecond;
    FaultActivation running = active("f2", "loss", "l", false);
    running.start = 6 * kSecond; // active: shaded to the run's current end
    panel.setFaultSpans({ended, running});
    QCOMPARE(panel.faultSpans().size(), std::size_t(2));
    panel.refresh();
    const QList<ChartPanel::FaultBand> bands = panel.faultBands();
    QCOMPARE(bands.size(), 2);
    QCOMPARE(bands[0].from, 1.0);
    QCOMPARE(bands[0].to, 4.0);
    QCOMPARE(bands[0].label, QStringLiteral("f1 link-down"));
    QVERIFY2(bands[0].toolTip.contains(QStringLiteral("planned")), qPrintable(bands[0].toolTip));
    QCOMPARE(bands[1].from, 6.0);
    QCOMPARE(bands[1].to, 10.0);
    QVERIFY2(bands[1].toolTip.contains(QStringLiteral("applied live")), qPrintable(bands[1].toolTip));

    // Zoomed to 5..9 s: f1 is out of view, f2 clipped to it.
    panel.setXRange(5, 9);
    panel.refresh();
    QCOMPARE(panel.faultBands().size(), 1);
    QCOMPARE(panel.faultBands()[0].label, QStringLiteral("f2 loss"));
    // The export draws them too (through the same bands); a new run forgets them.
    QVERIFY(!panel.renderPicture(QSize(800, 400)).isNull());
    panel.reset({QStringLiteral("p")}, {QStringLiteral("producer")}, {});
    QVERIFY(panel.faultSpans().empty());
    QVERIFY(panel.faultBands().isEmpty());
}

void TestFaultView::liveChangeModelTellsPlannedFromLive()
{
    LiveChangeModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    RunSummary summary;
    LiveChange planned;
    planned.time = kSecond;
    planned.action = "link down";
    planned.target = "l";
    planned.fault = "f1";
    planned.planned = true;
    LiveChange live;
    live.time = 2 * kSecond;
    live.action = "loss start";
    live.target = "d";
    live.fault = "live-1";
    live.detail = "probability 0.5";
    summary.liveChanges = {planned, live};
    model.setChanges(summary.liveChanges);
    QCOMPARE(model.rowCount(), 2);
    QCOMPARE(model.index(0, LiveChangeModel::OriginColumn).data().toString(), QStringLiteral("planned"));
    QCOMPARE(model.index(1, LiveChangeModel::OriginColumn).data().toString(), QStringLiteral("live"));
    QCOMPARE(model.index(0, 0).data(LiveChangeModel::PlannedRole).toBool(), true);
    QCOMPARE(model.index(1, 0).data(LiveChangeModel::PlannedRole).toBool(), false);
    QCOMPARE(model.index(0, LiveChangeModel::FaultColumn).data().toString(), QStringLiteral("f1"));
    QCOMPARE(model.index(1, LiveChangeModel::ChangeColumn).data().toString(), QStringLiteral("loss start"));

    const QString text = liveChangesText(summary);
    QVERIFY2(text.contains(QStringLiteral("at 1s link down l (planned f1)")), qPrintable(text));
    QVERIFY2(text.contains(QStringLiteral("at 2s loss start d (live live-1: probability 0.5)")),
             qPrintable(text));
    // Bounded: the rest is counted.
    QVERIFY2(liveChangesText(summary, 1).endsWith(QStringLiteral("and 1 more (in the table)")),
             qPrintable(liveChangesText(summary, 1)));
    model.clear();
    QCOMPARE(model.rowCount(), 0);
}

void TestFaultView::applyFaultMenuFollowsTheSelection_data()
{
    QTest::addColumn<QString>("node");
    QTest::addColumn<QString>("link");
    QTest::addColumn<QString>("kind");    // offered, and applied
    QTest::addColumn<QString>("missing"); // not offered for this selection
    QTest::addColumn<QString>("described");
    QTest::newRow("link") << QString() << "publish"
                          << "loss"
                          << "crash"
                          << "loss publish";
    QTest::newRow("node") << "worker-2" << QString() << "slow"
                          << "loss"
                          << "slow worker-2";
    QTest::newRow("nothing: a nemesis") << QString() << QString() << "partition-halves"
                                        << "slow"
                                        << "partition-halves at";
}

void TestFaultView::applyFaultMenuFollowsTheSelection()
{
    QFETCH(QString, node);
    QFETCH(QString, link);
    QFETCH(QString, kind);
    QFETCH(QString, missing);
    QFETCH(QString, described);
    MainWindow window;
    QVERIFY(window.openFile(QStringLiteral(SIGNALBOX_EXAMPLES_DIR "/work-queue.json")));
    QMenu before;
    window.runController()->addFaultMenus(&before);
    QVERIFY(before.isEmpty()); // no run: nothing to apply a fault to

    auto *speed = window.findChild<QComboBox *>(QStringLiteral("speedCombo"));
    speed->setCurrentIndex(speed->findData(1.0)); // time to act while the run goes
    QSignalSpy progressed(window.engine(), &EngineHost::progressed);
    window.findChild<QAction *>(QStringLiteral("runAction"))->trigger();
    QVERIFY(progressed.wait(5000));
    window.canvasScene()->clearSelection();
    if (!node.isEmpty()) window.selectNode(node);
    if (!link.isEmpty()) window.canvasScene()->linkItem(link)->setSelected(true);

    QMenu menu;
    window.runController()->addFaultMenus(&menu);
    auto *apply = menu.findChild<QMenu *>(QStringLiteral("applyFaultMenu"));
    QVERIFY(apply);
    QAction *action = apply->findChild<QAction *>(QStringLiteral("applyFault-%1").arg(kind));
    QVERIFY(action);
    QVERIFY(!apply->findChild<QAction *>(QStringLiteral("applyFault-%1").arg(missing)));
    QSignalSpy requested(window.engine(), &EngineHost::liveChangeRequested);
    action->trigger();
    QCOMPARE(requested.count(), 1);
    QVERIFY2(requested.at(0).at(0).toString().startsWith(described),
             qPrintable(requested.at(0).at(0).toString()));
    QSignalSpy finished(window.engine(), &EngineHost::finished);
    window.findChild<QAction *>(QStringLiteral("stopAction"))->trigger();
    QVERIFY(finished.wait(30000));
}

QTEST_MAIN(TestFaultView)
#include "tst_faultview.moc"
