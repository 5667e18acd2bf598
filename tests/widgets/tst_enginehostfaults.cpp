// Planned and live faults as one mechanism in the window, driven by real runs: EngineHost follows
// a topology's fault plan (a planned link-down makes the link down while it lasts and up after; a
// planned crash greys the node), applies a fault of any kind live (its FaultStart arrives and drops
// of its kind follow), and the window's charts and live-change table show the faults' spans.
#include "canvasitems.h"
#include "canvasscene.h"
#include "chartpanel.h"
#include "enginehost.h"
#include "isolatedsettings.h"
#include "mainwindow.h"
#include "sequencepanel.h"
#include "summarymodel.h"
#include "topologydocument.h"

#include <QAbstractItemModelTester>
#include <QAction>
#include <QFile>
#include <QSignalSpy>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>

using namespace sb;

namespace {

constexpr int kRunTimeout = 30000;

// A producer feeding a queue over `publish`, a consumer taking from it over `deliver`, and the
// fault plan `faults` (JSON array text).
std::string topologyText(const std::string &faults)
{
    return R"({
  "format": "signalbox-topology", "version": 1, "name": "Faults",
  "nodes": [
    {"id": "producer", "kind": "producer", "properties": {"rate": 100}, "position": {"x": 0, "y": 0}},
    {"id": "tasks", "kind": "queue", "position": {"x": 250, "y": 0}},
    {"id": "worker", "kind": "consumer", "properties": {"processing": "5ms"}, "position": {"x": 500, "y": 0}}
  ],
  "links": [
    {"id": "publish", "from": "producer", "to": "tasks", "properties": {"latency": "1ms"}},
    {"id": "deliver", "from": "tasks", "fromPort": "deliver", "to": "worker", "properties": {"latency": "1ms"}}
  ],
  "faults": )" +
           faults +
           R"(,
  "run": {"seed": 7, "until": "6s"}
})";
}

Topology parse(const std::string &faults)
{
    const LoadResult result = parseTopology(topologyText(faults));
    if (!result.ok()) qFatal("the test topology does not load: %s", result.errorText().c_str());
    return *result.topology;
}

const std::string kLinkDown =
    R"([{"id": "f1", "kind": "link-down", "target": "publish", "start": "1s", "duration": "3s"}])";
const std::string kCrash =
    R"([{"id": "c1", "kind": "crash", "target": "tasks", "start": "1s", "duration": "3s"}])";

EngineHost::RunRequest until(SimTime t)
{
    EngineHost::RunRequest r;
    r.until = t;
    return r;
}

std::vector<TraceEvent> received(const QSignalSpy &spy)
{
    std::vector<TraceEvent> events;
    for (const QList<QVariant> &arguments : spy) {
        const auto batch = arguments.at(0).value<std::vector<TraceEvent>>();
        events.insert(events.end(), batch.begin(), batch.end());
    }
    return events;
}

} // namespace

class TestEngineHostFaults : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void plannedLinkDownLooksDownWhileActive();
    void plannedCrashGreysTheNode();
    void injectFaultAppliesLossLive();
    void injectFaultRefusesBadFaults();
    void windowShowsSpansAndPlannedChanges();

private:
    QTemporaryDir m_dir;
};

void TestEngineHostFaults::initTestCase()
{
    QVERIFY(m_dir.isValid());
    sbtest::isolateUserFiles(m_dir);
}

void TestEngineHostFaults::plannedLinkDownLooksDownWhileActive()
{
    const Topology t = parse(kLinkDown);
    TopologyDocument document;
    QVERIFY(document.setTopology(t));
    CanvasScene scene(&document);
    EngineHost host;
    scene.followEngine(&host);
    QVERIFY(host.load(t));
    QSignalSpy finished(&host, &EngineHost::finished);
    QSignalSpy faultsChanged(&host, &EngineHost::faultsChanged);
    const QString link = QStringLiteral("publish");

    // Stopped at 2 s, inside the fault's span: the link is down and drawn so.
    host.start(until(2 * kSecond));
    QVERIFY(finished.wait(kRunTimeout));
    QVERIFY(faultsChanged.count() >= 2); // the run's start, then the fault's
    QVERIFY(host.isLinkDown(link));
    QVERIFY(scene.linkItem(link)->looksDown());
    QVERIFY(!scene.linkItem(QStringLiteral("deliver"))->looksDown());
    QCOMPARE(host.activeFaults().size(), std::size_t(1));
    QCOMPARE(host.activeFaults()[0].id, std::string("f1"));
    QVERIFY(host.activeFaults()[0].planned);
    QCOMPARE(host.linkFaults(link).size(), std::size_t(1));
    QCOMPARE(host.faultSpans().size(), std::size_t(1));
    QCOMPARE(host.faultSpans()[0].start, kSecond);
    QCOMPARE(host.faultSpans()[0].end, kNever);

    // A new run to 6 s: it went down at 1 s and came back at 4 s.
    finished.clear();
    host.start(until(6 * kSecond));
    QVERIFY(finished.wait(kRunTimeout));
    QVERIFY(!host.isLinkDown(link));
    QVERIFY(!scene.linkItem(link)->looksDown());
    QVERIFY(host.activeFaults().empty());
    QCOMPARE(host.faultSpans().size(), std::size_t(1));
    QCOMPARE(host.faultSpans()[0].start, kSecond);
    QCOMPARE(host.faultSpans()[0].end, 4 * kSecond);
}

void TestEngineHostFaults::plannedCrashGreysTheNode()
{
    const Topology t = parse(kCrash);
    TopologyDocument document;
    QVERIFY(document.setTopology(t));
    CanvasScene scene(&document);
    EngineHost host;
    scene.followEngine(&host);
    QVERIFY(host.load(t));
    QSignalSpy finished(&host, &EngineHost::finished);
    const QString node = QStringLiteral("tasks");

    host.start(until(2 * kSecond));
    QVERIFY(finished.wait(kRunTimeout));
    QVERIFY(host.isNodeCrashed(node));
    QCOMPARE(host.nodeFaults(node).size(), std::size_t(1));
    QTRY_VERIFY_WITH_TIMEOUT(scene.nodeItem(node)->badges().crashed, 5000);
    QCOMPARE(scene.nodeItem(node)->badges().line, QStringLiteral("crashed"));
    QVERIFY(!scene.nodeItem(QStringLiteral("worker"))->badges().crashed);

    finished.clear();
    host.start(until(6 * kSecond));
    QVERIFY(finished.wait(kRunTimeout));
    QVERIFY(!host.isNodeCrashed(node));
    QTRY_VERIFY_WITH_TIMEOUT(!scene.nodeItem(node)->badges().crashed, 5000);
}

void TestEngineHostFaults::injectFaultAppliesLossLive()
{
    const Topology t = parse("[]");
    EngineHost host;
    QVERIFY(host.load(t));
    FaultDef loss;
    loss.kind = "loss";
    loss.target = "publish";
    loss.params = Json{{"probability", 1.0}};
    QString error;
    QVERIFY(!host.injectFault(loss, &error)); // no run yet
    QVERIFY(!error.isEmpty());

    QSignalSpy paused(&host, &EngineHost::paused);
    QSignalSpy batches(&host, &EngineHost::eventsArrived);
    QSignalSpy finished(&host, &EngineHost::finished);
    QSignalSpy requested(&host, &EngineHost::liveChangeRequested);
    host.step(until(3 * kSecond));
    QVERIFY(paused.wait(5000));
    QVERIFY2(host.injectFault(loss, &error), qPrintable(error));
    QCOMPARE(requested.count(), 1);
    const auto faultStart = [&] {
        const auto events = received(batches);
        return std::find_if(events.begin(), events.end(), [](const TraceEvent &e) {
                   return e.kind == TraceKind::FaultStart;
               }) != events.end();
    };
    QTRY_VERIFY_WITH_TIMEOUT(faultStart(), 5000);
    QCOMPARE(host.activeFaults().size(), std::size_t(1));
    QCOMPARE(host.activeFaults()[0].id, std::string("live-1"));
    QCOMPARE(host.activeFaults()[0].kind, std::string("loss"));
    QVERIFY(!host.activeFaults()[0].planned);
    QCOMPARE(host.linkFaults(QStringLiteral("publish")).size(), std::size_t(1));

    host.start();
    QVERIFY(finished.wait(kRunTimeout));
    // Every publish after the fault started was lost on the link, with reason loss.
    const auto events = received(batches);
    const auto start = std::find_if(events.begin(), events.end(),
                                    [](const TraceEvent &e) { return e.kind == TraceKind::FaultStart; });
    QVERIFY(start != events.end());
    QCOMPARE(std::size_t(start->aux), host.faultSpans()[0].fault);
    const auto losses = std::count_if(start, events.end(), [](const TraceEvent &e) {
        return e.kind == TraceKind::Drop && e.reason == DropReason::Loss && e.link == 0;
    });
    QVERIFY(losses > 100);
    const auto summary = finished.at(0).at(0).value<RunSummary>();
    QCOMPARE(summary.links[0].counters.lost, std::uint64_t(losses)); // every loss came after the fault
    QVERIFY(summary.delivery.processed <= 1);                        // at most what was on its way before
}

void TestEngineHostFaults::injectFaultRefusesBadFaults()
{
    EngineHost host;
    QVERIFY(host.load(parse("[]")));
    QSignalSpy paused(&host, &EngineHost::paused);
    host.step();
    QVERIFY(paused.wait(5000));
    FaultDef fault;
    fault.kind = "loss";
    fault.target = "no-such-link";
    QString error;
    QVERIFY(!host.injectFault(fault, &error));
    QVERIFY2(error.contains(QStringLiteral("no-such-link")), qPrintable(error));
    fault.target = "publish";
    fault.params = Json{{"probability", 2.0}};
    QVERIFY(!host.injectFault(fault, &error));
    QVERIFY2(error.contains(QStringLiteral("probability")), qPrintable(error));
    QVERIFY(host.activeFaults().empty());
}

void TestEngineHostFaults::windowShowsSpansAndPlannedChanges()
{
    const QString path = m_dir.filePath(QStringLiteral("faults.json"));
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(QByteArray::fromStdString(topologyText(kLinkDown)));
    file.close();
    MainWindow window;
    QVERIFY(window.openFile(path));
    QSignalSpy finished(window.engine(), &EngineHost::finished);
    window.findChild<QAction *>(QStringLiteral("runAction"))->trigger();
    QVERIFY(finished.wait(kRunTimeout));

    // The chart shades the span, from the fault's start to its end.
    ChartPanel *panel = window.chartPanel();
    QCOMPARE(panel->faultSpans().size(), std::size_t(1));
    QCOMPARE(panel->faultSpans()[0].id, std::string("f1"));
    QCOMPARE(panel->faultSpans()[0].end, 4 * kSecond);
    panel->refresh();
    QCOMPARE(panel->faultBands().size(), 1);
    QCOMPARE(panel->faultBands()[0].from, 1.0);
    QCOMPARE(panel->faultBands()[0].to, 4.0);

    // The sequence diagram names the planned fault's marks.
    QCOMPARE(window.sequencePanel()->faultName(0), QStringLiteral("f1 (link-down)"));

    // The live-change table lists the planned fault's start and end as planned.
    auto *view = window.findChild<QTableView *>(QStringLiteral("liveChangeView"));
    QVERIFY(view);
    auto *model = qobject_cast<LiveChangeModel *>(view->model());
    QVERIFY(model);
    QAbstractItemModelTester tester(model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QVERIFY(model->rowCount() >= 2);
    for (int row = 0; row < model->rowCount(); ++row) {
        QCOMPARE(model->index(row, LiveChangeModel::FaultColumn).data().toString(), QStringLiteral("f1"));
        QCOMPARE(model->index(row, LiveChangeModel::OriginColumn).data().toString(),
                 QStringLiteral("planned"));
    }

    // A fault applied live is named there too, by the index the engine gave it.
    FaultDef loss;
    loss.kind = "loss";
    loss.target = "publish";
    QSignalSpy paused(window.engine(), &EngineHost::paused);
    window.engine()->step();
    QVERIFY(paused.wait(kRunTimeout));
    QString error;
    QVERIFY2(window.engine()->injectFault(loss, &error), qPrintable(error));
    QTRY_COMPARE_WITH_TIMEOUT(window.sequencePanel()->faultName(1), QStringLiteral("live-1 (loss)"), 5000);
    window.engine()->stop();
    QVERIFY(finished.wait(kRunTimeout));
}

QTEST_MAIN(TestEngineHostFaults)
#include "tst_enginehostfaults.moc"
