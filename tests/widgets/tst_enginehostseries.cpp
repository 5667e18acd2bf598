// EngineHost's chart data: deltas at frame rate while a run goes, a last one before finished(),
// together the same series as a TimeSeriesSink fed the same run directly; paced runs deliver at
// 10 Hz or more.
#include "chartseriesstore.h"
#include "enginehost.h"

#include <QElapsedTimer>
#include <QSignalSpy>
#include <QTest>

#include <cmath>

using namespace sb;

namespace {

constexpr int kRunTimeout = 30000;

Topology loadExample()
{
    const LoadResult result = loadTopologyFile(SIGNALBOX_EXAMPLES_DIR "/work-queue.json");
    if (!result.ok()) qFatal("the work-queue example does not load: %s", result.errorText().c_str());
    return *result.topology;
}

} // namespace

class TestEngineHostSeries : public QObject {
    Q_OBJECT
private slots:
    void deltasAddUpToTheRun();
    void pacedRunsDeliverAtTenHertz();
    void liveChangeWhilePausedArrivesAtOnce();
};

void TestEngineHostSeries::deltasAddUpToTheRun()
{
    const Topology topology = loadExample();
    EngineHost host;
    QVERIFY(host.load(topology));
    QSignalSpy series(&host, &EngineHost::seriesArrived);
    QSignalSpy finished(&host, &EngineHost::finished);
    qsizetype seriesAtFinish = -1;
    connect(&host, &EngineHost::finished, this, [&] { seriesAtFinish = series.count(); });
    host.start();
    QVERIFY(finished.wait(kRunTimeout));
    QVERIFY(series.count() >= 1);
    QCOMPARE(seriesAtFinish, series.count()); // the last delta comes before finished()

    ChartSeriesStore store;
    store.reset(host.nodeIds(), host.linkIds());
    for (const auto &args : std::as_const(series))
        store.apply(*args.at(0).value<std::shared_ptr<const TimeSeriesDelta>>());

    // The same run, directly.
    std::string error;
    auto sim = Simulation::build(topology, error);
    QVERIFY(sim);
    sim->setSeed(host.seed());
    TimeSeriesSink sink(topology);
    sink.setStatusSource([s = sim.get()](NodeIndex n) { return s->nodeStatus(n); });
    sim->addSink(&sink);
    RunOptions options;
    options.until = host.until();
    sim->run(options);
    ChartSeriesStore expected;
    expected.reset(host.nodeIds(), host.linkIds());
    expected.apply(*sink.snapshot());

    QCOMPARE(store.endTime(), expected.endTime());
    for (int m = 0; m < kSeriesMetricCount; ++m) {
        const int targets =
            seriesMetricIsLink(SeriesMetric(m)) ? host.linkIds().size() : host.nodeIds().size();
        for (int t = 0; t < targets; ++t)
            QCOMPARE(store.points(SeriesMetric(m), t), expected.points(SeriesMetric(m), t));
    }
    QVERIFY(!expected.points(SeriesMetric::Throughput, 0).empty());
}

void TestEngineHostSeries::pacedRunsDeliverAtTenHertz()
{
    EngineHost host;
    QVERIFY(host.load(loadExample()));
    QSignalSpy series(&host, &EngineHost::seriesArrived);
    EngineHost::RunRequest request;
    request.speed = 1.0; // real time
    QElapsedTimer clock;
    clock.start();
    host.start(request);
    QTest::qWait(1000);
    const double seconds = clock.elapsed() / 1000.0;
    host.stop();
    QSignalSpy finished(&host, &EngineHost::finished);
    QVERIFY(finished.wait(kRunTimeout));
    qInfo("%lld deltas in %.2f s", static_cast<long long>(series.count()), seconds);
    QVERIFY(series.count() >= 10 * seconds * 0.8); // 10 Hz, with slack for a busy machine
}

void TestEngineHostSeries::liveChangeWhilePausedArrivesAtOnce()
{
    EngineHost host;
    QVERIFY(host.load(loadExample()));
    QSignalSpy series(&host, &EngineHost::seriesArrived);
    QSignalSpy paused(&host, &EngineHost::paused);
    EngineHost::RunRequest request;
    request.speed = 1.0;
    host.start(request);
    QTest::qWait(300);
    host.pause();
    QVERIFY(paused.wait(kRunTimeout));
    const qsizetype before = series.count();
    QVERIFY(before > 0); // the last delta before the pause
    // A crash drops what the queue holds: its depth falls to 0, and the chart hears of it now.
    QVERIFY(host.crashNode(QStringLiteral("tasks")));
    QTRY_VERIFY(series.count() > before);
    const auto delta = series.last().at(0).value<std::shared_ptr<const TimeSeriesDelta>>();
    const auto tasks = host.nodeIds().indexOf(QStringLiteral("tasks"));
    QVERIFY(!std::isnan(delta->nodeValues[tasks][int(SeriesMetric::ConsumerLag)].back()));
    host.stop();
}

QTEST_MAIN(TestEngineHostSeries)
#include "tst_enginehostseries.moc"
