// Charts of calls: the picker lists callers and servers for the call metrics and adds a row per
// client-and-status or client-and-method key as the run meets it; the store keeps keyed series and
// writes them to CSV with their key; the panel charts them from a real RPC run.
#include "chartpanel.h"
#include "chartseriesstore.h"
#include "nodecolors.h"
#include "seriespickermodel.h"
#include "simulation.h"
#include "topology.h"

#include <QAbstractItemModelTester>
#include <QBuffer>
#include <QComboBox>
#include <QLineSeries>
#include <QSignalSpy>
#include <QTest>

using namespace sb;

namespace {

const QStringList kNodes{"c1", "c2", "s1", "q", "p"};
const QStringList kKinds{"rpc-client", "http-client", "rpc-server", "queue", "producer"};

QStringList rows(const SeriesPickerModel &m)
{
    QStringList out;
    for (int r = 0; r < m.rowCount(); ++r)
        out << m.index(r).data().toString();
    return out;
}

// A delta with `rows` buckets of 10 ms from `first`, the given keys and one value per key and row.
TimeSeriesDelta keyedDelta(std::size_t first, std::vector<SeriesKey> status,
                           std::vector<std::vector<double>> byStatus, std::vector<SeriesKey> methods = {},
                           std::vector<std::vector<double>> p50 = {})
{
    TimeSeriesDelta d;
    d.bucketWidth = 10 * kMillisecond;
    d.firstBucket = first;
    d.rows = byStatus.empty() ? (p50.empty() ? 0 : p50.front().size()) : byStatus.front().size();
    d.nodeValues.resize(std::size_t(kNodes.size()));
    for (auto &n : d.nodeValues)
        for (int m = 0; m < kSeriesMetricCount; ++m)
            if (!seriesMetricIsLink(SeriesMetric(m)) && !seriesMetricIsKeyed(SeriesMetric(m)))
                n[m].assign(d.rows, 0.0);
    d.statusKeys = std::move(status);
    d.callsByStatus = std::move(byStatus);
    d.methodKeys = std::move(methods);
    d.callLatencyP50 = p50;
    d.callLatencyP99 = std::move(p50);
    return d;
}

Topology loadExample(const char *file)
{
    const LoadResult r = loadTopologyFile(std::string(SIGNALBOX_EXAMPLES_DIR) + "/" + file);
    if (!r.ok()) qFatal("cannot load %s: %s", file, r.errorText().c_str());
    return *r.topology;
}

} // namespace

Q_DECLARE_METATYPE(sb::SeriesMetric)

class TestCallCharts : public QObject {
    Q_OBJECT

private slots:
    void rowsPerCallMetric_data();
    void rowsPerCallMetric();
    void keyRowsAppearAsKeysAreMet();
    void keyTargetsLook();
    void storeKeepsKeyedSeries();
    void csvNamesClientAndKey();
    void breakerAndCallLatencyAreNotSmoothed();
    void metricBoxOffersCallMetrics();
    void chartsAnRpcRun();
};

void TestCallCharts::rowsPerCallMetric_data()
{
    QTest::addColumn<SeriesMetric>("metric");
    QTest::addColumn<QStringList>("expected");
    QTest::newRow("in flight: callers") << SeriesMetric::CallsInFlight << QStringList{"c1", "c2", "s1"};
    QTest::newRow("retries: callers") << SeriesMetric::Retries << QStringList{"c1", "c2", "s1"};
    QTest::newRow("breaker: callers") << SeriesMetric::BreakerState << QStringList{"c1", "c2", "s1"};
    QTest::newRow("server queue: servers") << SeriesMetric::ServerQueue << QStringList{"s1"};
    QTest::newRow("by status: none met yet") << SeriesMetric::CallsByStatus << QStringList{};
    QTest::newRow("by method: none met yet") << SeriesMetric::CallLatencyP50 << QStringList{};
    // Clients and servers only call: no flat-zero throughput for them.
    QTest::newRow("throughput: not the calls-only kinds")
        << SeriesMetric::Throughput << QStringList{"q", "p"};
    QTest::newRow("drops: every node") << SeriesMetric::Drops << kNodes;
}

void TestCallCharts::rowsPerCallMetric()
{
    QFETCH(SeriesMetric, metric);
    QFETCH(QStringList, expected);
    SeriesPickerModel m;
    QAbstractItemModelTester tester(&m, QAbstractItemModelTester::FailureReportingMode::QtTest);
    m.setTargets(kNodes, kKinds, {});
    m.setMetric(metric);
    QCOMPARE(rows(m), expected);
}

void TestCallCharts::keyRowsAppearAsKeysAreMet()
{
    SeriesPickerModel m;
    QAbstractItemModelTester tester(&m, QAbstractItemModelTester::FailureReportingMode::QtTest);
    m.setTargets(kNodes, kKinds, {});
    m.setMetric(SeriesMetric::CallsByStatus);
    QSignalSpy inserted(&m, &QAbstractItemModel::rowsInserted);
    QSignalSpy checked(&m, &SeriesPickerModel::checkedChanged);

    std::vector<SeriesKey> keys{{0, "OK"}};
    m.syncKeys(SeriesKeyKind::Status, keys);
    QCOMPARE(rows(m), QStringList{"c1 · OK"});
    QCOMPARE(inserted.count(), 1);
    QCOMPARE(checked.count(), 1);
    // The same keys again add nothing.
    m.syncKeys(SeriesKeyKind::Status, keys);
    QCOMPARE(inserted.count(), 1);
    keys.push_back({1, "503 Service Unavailable"});
    keys.push_back({0, "UNAVAILABLE"});
    m.syncKeys(SeriesKeyKind::Status, keys);
    QCOMPARE(rows(m), (QStringList{"c1 · OK", "c2 · 503 Service Unavailable", "c1 · UNAVAILABLE"}));
    QCOMPARE(inserted.count(), 2);
    QCOMPARE(m.checkedTargets(), (QList<int>{0, 1, 2}));
    QCOMPARE(m.keyCount(SeriesKeyKind::Status), 3);

    // Method keys arrive while another metric shows: no rows change now, they are there later.
    m.syncKeys(SeriesKeyKind::Method, {{0, "orders.Orders/Get"}});
    QCOMPARE(inserted.count(), 2);
    QCOMPARE(rows(m).size(), 3);
    m.setMetric(SeriesMetric::CallLatencyP99);
    QCOMPARE(rows(m), QStringList{"c1 · orders.Orders/Get"});
    // Unticked keys stay unticked across metrics.
    QVERIFY(m.setData(m.index(0), Qt::Unchecked, Qt::CheckStateRole));
    m.setMetric(SeriesMetric::CallsByStatus);
    m.setMetric(SeriesMetric::CallLatencyP50);
    QVERIFY(m.checkedTargets().isEmpty());
    // A new run forgets them.
    m.setTargets(kNodes, kKinds, {});
    QCOMPARE(m.keyCount(SeriesKeyKind::Method), 0);
    QCOMPARE(m.rowCount(), 0);
}

void TestCallCharts::keyTargetsLook()
{
    SeriesPickerModel m;
    m.setTargets(kNodes, kKinds, {});
    m.syncKeys(
        SeriesKeyKind::Status,
        {{0, "OK"}, {1, "200 OK"}, {0, "UNAVAILABLE"}, {1, "OK"}, {kNoIndex, TimeSeriesSink::kOtherKey}});
    // A status has one colour; clients differ in pen style.
    const SeriesTarget ok1 = m.target(SeriesMetric::CallsByStatus, 0);
    const SeriesTarget ok2 = m.target(SeriesMetric::CallsByStatus, 3);
    QCOMPARE(ok1.color, nodeColor(0));
    QCOMPARE(ok2.color, nodeColor(0));
    QCOMPARE(ok1.style, Qt::SolidLine);
    QCOMPARE(ok2.style, Qt::DashLine);
    QCOMPARE(m.target(SeriesMetric::CallsByStatus, 2).color, nodeColor(2));
    QCOMPARE(ok1.id, QStringLiteral("c1 OK"));
    QCOMPARE(ok1.kind, QStringLiteral("rpc-client"));
    const SeriesTarget other = m.target(SeriesMetric::CallsByStatus, 4);
    QVERIFY2(other.name.startsWith(QStringLiteral("other")), qPrintable(other.name));
    // A method takes its client's colour; a client's methods differ in pen style.
    m.syncKeys(SeriesKeyKind::Method, {{0, "a/Get"}, {0, "a/Put"}, {1, "GET /x"}});
    QCOMPARE(m.target(SeriesMetric::CallLatencyP50, 0).color, nodeColor(0));
    QCOMPARE(m.target(SeriesMetric::CallLatencyP50, 1).color, nodeColor(0));
    QCOMPARE(m.target(SeriesMetric::CallLatencyP50, 1).style, Qt::DashLine);
    QCOMPARE(m.target(SeriesMetric::CallLatencyP50, 2).color, nodeColor(1));
    QCOMPARE(m.target(SeriesMetric::CallLatencyP50, 2).style, Qt::SolidLine);
}

void TestCallCharts::storeKeepsKeyedSeries()
{
    ChartSeriesStore store;
    store.reset(kNodes, {});
    QVERIFY(store.keys(SeriesKeyKind::Status).empty());
    QVERIFY(store.points(SeriesMetric::CallsByStatus, 0).empty());
    store.apply(keyedDelta(0, {{0, "OK"}}, {{100, 0, 200}}));
    QCOMPARE(store.points(SeriesMetric::CallsByStatus, 0).size(), std::size_t(3));
    // The next delta rewrites from its first bucket and brings a key met later.
    store.apply(keyedDelta(2, {{0, "OK"}, {0, "UNAVAILABLE"}}, {{300, 100}, {0, 100}}, {{0, "a/B"}},
                           {{4.0, std::numeric_limits<double>::quiet_NaN()}}));
    QCOMPARE(store.keys(SeriesKeyKind::Status).size(), std::size_t(2));
    const auto &ok = store.points(SeriesMetric::CallsByStatus, 0);
    QCOMPARE(ok.size(), std::size_t(4));
    QCOMPARE(ok[2], QPointF(0.02, 300));
    QCOMPARE(ok[3], QPointF(0.03, 100));
    // The new key's series starts where the key was met.
    const auto &unavailable = store.points(SeriesMetric::CallsByStatus, 1);
    QCOMPARE(unavailable.size(), std::size_t(2));
    QCOMPARE(unavailable.front().x(), 0.02);
    // Latency: only buckets with calls have a point.
    QCOMPARE(store.points(SeriesMetric::CallLatencyP50, 0).size(), std::size_t(1));
    QCOMPARE(store.points(SeriesMetric::CallLatencyP99, 0).front(), QPointF(0.02, 4.0));
    // Rates over windows, as any rate: 10 ms buckets of 100, 0, 300, 100 calls/s over 20 ms.
    QVERIFY(store.windows(SeriesMetric::CallsByStatus, 0.1));
    QVERIFY(!store.windows(SeriesMetric::CallLatencyP50, 0.1));
}

void TestCallCharts::csvNamesClientAndKey()
{
    ChartSeriesStore store;
    store.reset(kNodes, {});
    store.apply(keyedDelta(0, {{0, "OK"}, {1, "503 Service Unavailable"}}, {{100}, {200}}, {{1, "POST /a,b"}},
                           {{7.5}}));
    QBuffer status;
    status.open(QIODevice::WriteOnly);
    QVERIFY(store.writeCsv(&status, SeriesMetric::CallsByStatus, {0, 1}));
    QCOMPARE(QString::fromUtf8(status.data()),
             QStringLiteral("time_s,node,key,metric,value,window_s\n"
                            "0,c1,OK,calls_by_status,100,0.01\n"
                            "0,c2,503 Service Unavailable,calls_by_status,200,0.01\n"));
    QBuffer latency;
    latency.open(QIODevice::WriteOnly);
    QVERIFY(store.writeCsv(&latency, SeriesMetric::CallLatencyP50, {0}));
    QCOMPARE(QString::fromUtf8(latency.data()),
             QStringLiteral("time_s,node,key,metric,value\n0,c2,\"POST /a,b\",call_latency_p50,7.5\n"));
}

void TestCallCharts::breakerAndCallLatencyAreNotSmoothed()
{
    QVERIFY(!ChartSeriesStore::canSmooth(SeriesMetric::BreakerState));
    QVERIFY(!ChartSeriesStore::canSmooth(SeriesMetric::CallLatencyP50));
    QVERIFY(!ChartSeriesStore::canSmooth(SeriesMetric::CallLatencyP99));
    QVERIFY(ChartSeriesStore::canSmooth(SeriesMetric::CallsByStatus));
    QVERIFY(ChartSeriesStore::canSmooth(SeriesMetric::CallsInFlight));
    QVERIFY(ChartSeriesStore::canSmooth(SeriesMetric::ServerQueue));
    QVERIFY(ChartSeriesStore::canSmooth(SeriesMetric::Retries));
    ChartPanel panel;
    panel.setMetric(SeriesMetric::BreakerState);
    auto *box = panel.findChild<QComboBox *>(QStringLiteral("chartSmoothing"));
    QVERIFY(box);
    QVERIFY(!box->isEnabled());
    QVERIFY2(box->toolTip().contains(QStringLiteral("breaker")), qPrintable(box->toolTip()));
}

void TestCallCharts::metricBoxOffersCallMetrics()
{
    ChartPanel panel;
    auto *box = panel.findChild<QComboBox *>(QStringLiteral("chartMetric"));
    QVERIFY(box);
    QCOMPARE(box->count(), kSeriesMetricCount);
    for (SeriesMetric m : {SeriesMetric::CallsByStatus, SeriesMetric::CallLatencyP50,
                           SeriesMetric::CallLatencyP99, SeriesMetric::CallsInFlight,
                           SeriesMetric::ServerQueue, SeriesMetric::Retries, SeriesMetric::BreakerState}) {
        const int i = box->findData(int(m));
        QVERIFY2(i >= 0, seriesMetricName(m));
        QCOMPARE(box->itemText(i), QString::fromLatin1(seriesMetricLabel(m)));
    }
}

void TestCallCharts::chartsAnRpcRun()
{
    // The overload example: a server's queue fills, calls fail with RESOURCE_EXHAUSTED or time out.
    const Topology t = loadExample("client-server-overload.json");
    std::string error;
    auto sim = Simulation::build(t, error);
    QVERIFY2(sim, error.c_str());
    TimeSeriesSink sink(t);
    sim->addSink(&sink);
    RunOptions o;
    o.until = 20 * kSecond;
    sim->run(o);
    sink.publish();

    ChartPanel panel;
    panel.resize(1200, 500);
    QCOMPARE(panel.metric(), SeriesMetric::Throughput);
    panel.reset(t);
    // Nothing here has a throughput: the panel opens on the calls by status.
    QCOMPARE(panel.metric(), SeriesMetric::CallsByStatus);
    panel.appendDelta(*sink.take());
    SeriesPickerModel *picker = panel.picker();
    QAbstractItemModelTester tester(picker, QAbstractItemModelTester::FailureReportingMode::QtTest);

    panel.setMetric(SeriesMetric::CallsByStatus);
    QVERIFY(picker->rowCount() >= 1);
    QCOMPARE(picker->rowCount(), int(panel.store().keys(SeriesKeyKind::Status).size()));
    panel.refresh();
    QCOMPARE(panel.shownSeries().size(), picker->rowCount());
    // Every status series holds points, named after its client and status.
    for (int r = 0; r < picker->rowCount(); ++r) {
        const int target = picker->index(r).data(SeriesPickerModel::TargetRole).toInt();
        QVERIFY(!panel.store().points(SeriesMetric::CallsByStatus, target).empty());
        QVERIFY2(picker->index(r).data().toString().contains(QStringLiteral(" · ")),
                 qPrintable(picker->index(r).data().toString()));
    }
    QVERIFY(panel.axisTitle().startsWith(QStringLiteral("calls/s")));

    panel.setMetric(SeriesMetric::CallLatencyP99);
    QVERIFY(picker->rowCount() >= 1);
    panel.refresh();
    QCOMPARE(panel.shownSeries().size(), picker->rowCount());
    QVERIFY(panel.shownSeries().front()->count() > 0);

    panel.setMetric(SeriesMetric::ServerQueue);
    QVERIFY(picker->rowCount() >= 1);
    double peak = 0;
    for (int r = 0; r < picker->rowCount(); ++r)
        for (const QPointF &p : panel.store().points(
                 SeriesMetric::ServerQueue, picker->index(r).data(SeriesPickerModel::TargetRole).toInt()))
            peak = std::max(peak, p.y());
    QVERIFY2(peak > 0, "an overloaded server's queue was never charted");

    panel.setMetric(SeriesMetric::CallsInFlight);
    QVERIFY(picker->rowCount() >= 1);
    panel.refresh();
    QCOMPARE(panel.shownSeries().size(), picker->rowCount());
}

QTEST_MAIN(TestCallCharts)
#include "tst_callcharts.moc"
