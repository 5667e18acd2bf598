// The consumer-group lag chart: TimeSeriesSink turns the trace into each group's lag per partition
// and in total (log end offset minus committed offset, as LogMetrics computes it), a level carried
// into quiet buckets and merged by its maximum when buckets widen; ChartSeriesStore keeps it by key;
// the series picker offers "lag billing total", "lag billing P0", ...; the chart panel shows it
// first for a topology with a Kafka topic. Driven by hand-made trace events and by a real run of
// kafka-consumer-groups.json through the engine.
#include "chartpanel.h"
#include "chartseriesstore.h"
#include "logmetrics.h"
#include "seriespickermodel.h"

#include "exampletrace.h"

#include <QAbstractItemModelTester>
#include <QLineSeries>
#include <QSignalSpy>
#include <QTest>

#include <cmath>

using namespace sb;

namespace {

// A two-partition topic read by one member of group "billing" (TraceEvent::group 0).
Topology smallTopic()
{
    Topology t;
    NodeDef topic;
    topic.id = "orders";
    topic.kind = "kafka-topic";
    topic.properties = Json::object({{"partitions", 2}});
    NodeDef member;
    member.id = "billing-1";
    member.kind = "kafka-consumer";
    member.properties = Json::object({{"groupId", "billing"}});
    t.nodes = {topic, member};
    LinkDef l;
    l.id = "l";
    l.from = "orders";
    l.to = "billing-1";
    t.links = {l};
    return t;
}

TraceEvent traced(TraceKind kind, SimTime time, NodeIndex node)
{
    TraceEvent e;
    e.kind = kind;
    e.time = e.local = time;
    e.node = node;
    return e;
}

TraceEvent append(SimTime time, std::uint32_t partition, std::int64_t offset)
{
    TraceEvent e = traced(TraceKind::Append, time, 0);
    e.partition = partition;
    e.offset = offset;
    return e;
}

TraceEvent commit(SimTime time, std::uint32_t partition, std::int64_t offset)
{
    TraceEvent e = traced(TraceKind::Commit, time, 0);
    e.peer = 1;
    e.group = 0;
    e.partition = partition;
    e.offset = offset;
    return e;
}

TraceEvent join(SimTime time)
{
    TraceEvent e = traced(TraceKind::Join, time, 1);
    e.group = 0;
    e.epoch = 1;
    return e;
}

// The key whose label is `label`, or -1.
int keyIndex(const std::vector<SeriesKey> &keys, const std::string &label)
{
    for (std::size_t k = 0; k < keys.size(); ++k)
        if (keys[k].label == label) return int(k);
    return -1;
}

std::vector<QPointF> points(const TimeSeriesDelta &d, int key)
{
    ChartSeriesStore store;
    store.reset({"orders", "billing-1"}, {"l"});
    store.apply(d);
    return store.points(SeriesMetric::GroupLag, key);
}

} // namespace

class TestGroupLagSeries : public QObject {
    Q_OBJECT

private slots:
    void metricIsKeyedByGroup();
    void lagPerBucket_data();
    void lagPerBucket();
    void widerBucketsKeepTheMost();
    void noTopicNoKeys();
    void runMatchesLogMetrics_data();
    void runMatchesLogMetrics();
    void pickerOffersLagSeries();
    void chartPanelShowsLagFirst();
};

void TestGroupLagSeries::metricIsKeyedByGroup()
{
    QCOMPARE(seriesMetricKey(SeriesMetric::GroupLag), SeriesKeyKind::Group);
    QVERIFY(!seriesMetricIsRate(SeriesMetric::GroupLag));
    QVERIFY(ChartSeriesStore::canSmooth(SeriesMetric::GroupLag));
    QCOMPARE(QString::fromLatin1(seriesMetricName(SeriesMetric::GroupLag)), QStringLiteral("group_lag"));
    QCOMPARE(QString::fromLatin1(seriesMetricUnit(SeriesMetric::GroupLag)), QStringLiteral("records"));
}

void TestGroupLagSeries::lagPerBucket_data()
{
    QTest::addColumn<QString>("key");
    QTest::addColumn<QList<double>>("expected"); // one value per 10 ms bucket
    // Bucket 0: the member joins (nothing written: lag 0). Bucket 1: three records to P0 (the most
    // 3). Bucket 2: P0 committed up to 2 (carried in at 3, 1 at the end), one record to P1.
    // Bucket 3: nothing happens: the level carries over. The total is carried in at 3 in bucket 2.
    QTest::newRow("billing P0") << QStringLiteral("billing P0") << QList<double>{0, 3, 3, 1};
    QTest::newRow("billing P1") << QStringLiteral("billing P1") << QList<double>{0, 0, 1, 1};
    QTest::newRow("billing total") << QStringLiteral("billing total") << QList<double>{0, 3, 3, 2};
}

void TestGroupLagSeries::lagPerBucket()
{
    QFETCH(QString, key);
    QFETCH(QList<double>, expected);
    const SimTime ms = kMillisecond;
    TimeSeriesSink sink(smallTopic());
    for (const TraceEvent &e :
         {join(1 * ms), append(12 * ms, 0, 0), append(13 * ms, 0, 1), append(14 * ms, 0, 2),
          commit(25 * ms, 0, 2), append(27 * ms, 1, 0), traced(TraceKind::Process, 35 * ms, 1)})
        sink.onEvent(e);
    sink.flush();
    const auto delta = sink.take();
    QVERIFY(delta);
    QCOMPARE(delta->groupKeys.size(), std::size_t(3)); // total, P0, P1
    QCOMPARE(delta->groupKeys[0].label, std::string("billing total"));
    QCOMPARE(delta->groupKeys[0].node, NodeIndex(0));
    const int k = keyIndex(delta->groupKeys, key.toStdString());
    QVERIFY(k >= 0);
    const std::vector<QPointF> p = points(*delta, k);
    QCOMPARE(p.size(), std::size_t(expected.size()));
    for (std::size_t r = 0; r < p.size(); ++r) {
        QCOMPARE(p[r].x(), delta->time(r));
        QCOMPARE(p[r].y(), expected[qsizetype(r)]);
    }
}

// When the run outgrows the buckets, merged buckets keep the most lag of the ones merged.
void TestGroupLagSeries::widerBucketsKeepTheMost()
{
    const SimTime ms = kMillisecond;
    TimeSeriesSink sink(smallTopic(), 10 * ms, 4);
    sink.onEvent(join(1 * ms));
    for (int i = 0; i < 5; ++i)
        sink.onEvent(append(12 * ms + i, 0, i)); // lag 5 in bucket 1
    sink.onEvent(commit(22 * ms, 0, 5));         // lag 0 from bucket 2
    sink.onEvent(append(45 * ms, 0, 5));         // bucket 4: the buckets merge into 20 ms ones
    sink.flush();
    QCOMPARE(sink.bucketWidth(), 20 * ms);
    const auto delta = sink.take();
    QVERIFY(delta && delta->replaceAll);
    const std::vector<QPointF> p = points(*delta, keyIndex(delta->groupKeys, "billing P0"));
    QCOMPARE(p.size(), std::size_t(3));
    QCOMPARE(p[0].y(), 5.0); // 0..20 ms: 0, then 5
    QCOMPARE(p[1].y(), 5.0); // 20..40 ms: 5 carried in, then 0
    QCOMPARE(p[2].y(), 1.0); // 40..60 ms: one record unread
}

// A topology without a log has no lag keys (and costs nothing).
void TestGroupLagSeries::noTopicNoKeys()
{
    Topology t;
    NodeDef q;
    q.id = "q";
    q.kind = "queue";
    t.nodes = {q};
    TimeSeriesSink sink(t);
    TraceEvent e = traced(TraceKind::Enqueue, 1, 0);
    sink.onEvent(e);
    sink.flush();
    QVERIFY(sink.take()->groupKeys.empty());
    QVERIFY(sink.groupKeys().empty());
}

void TestGroupLagSeries::runMatchesLogMetrics_data()
{
    QTest::addColumn<qint64>("until");
    QTest::newRow("3 s") << qint64(3 * kSecond);
    QTest::newRow("8 s: billing-2 crashed") << qint64(8 * kSecond);
    QTest::newRow("14 s: after the rebalance") << qint64(14 * kSecond);
}

// Through the engine: each group's keys are its total and every partition of the topic, and each
// series ends at the lag LogMetrics reports from the same trace.
void TestGroupLagSeries::runMatchesLogMetrics()
{
    QFETCH(qint64, until);
    const LoadResult loaded =
        loadTopologyFile(std::string(SIGNALBOX_EXAMPLES_DIR) + "/kafka-consumer-groups.json");
    QVERIFY(loaded.ok());
    std::string error;
    auto sim = Simulation::build(*loaded.topology, error);
    QVERIFY2(sim, error.c_str());
    TimeSeriesSink sink(*loaded.topology);
    LogMetrics logs(*loaded.topology);
    sim->addSink(&sink);
    sim->addSink(&logs);
    RunOptions options;
    options.until = until;
    sim->run(options);
    sink.flush();
    ChartSeriesStore store;
    QStringList nodeIds, linkIds;
    for (const auto &n : loaded.topology->nodes)
        nodeIds << QString::fromStdString(n.id);
    for (const auto &l : loaded.topology->links)
        linkIds << QString::fromStdString(l.id);
    store.reset(nodeIds, linkIds);
    store.apply(*sink.take());
    const auto &keys = store.keys(SeriesKeyKind::Group);
    QCOMPARE(logs.groups().size(), std::size_t(2)); // billing and audit
    std::size_t expectedKeys = 0;
    for (const auto &[group, figures] : logs.groups()) {
        const std::string name = sim->groupNames().at(group);
        const std::size_t partitions = logs.partitions(figures.topic).size();
        QCOMPARE(partitions, std::size_t(6));
        expectedKeys += 1 + partitions;
        const int total = keyIndex(keys, name + " total");
        QVERIFY2(total >= 0, name.c_str());
        QCOMPARE(store.points(SeriesMetric::GroupLag, total).back().y(), double(logs.totalLag(group)));
        for (std::uint32_t p = 0; p < partitions; ++p) {
            const int k = keyIndex(keys, name + " P" + std::to_string(p));
            QVERIFY(k >= 0);
            QCOMPARE(keys[std::size_t(k)].partition, p);
            QCOMPARE(keys[std::size_t(k)].group, group);
            QCOMPARE(store.points(SeriesMetric::GroupLag, k).back().y(), double(logs.lag(group, p)));
        }
    }
    QCOMPARE(keys.size(), expectedKeys);
    // The producer writes faster than nothing: some lag shows at some point of the run.
    double most = 0;
    for (std::size_t k = 0; k < keys.size(); ++k)
        for (const QPointF &pt : store.points(SeriesMetric::GroupLag, int(k)))
            most = std::max(most, pt.y());
    QVERIFY(most > 0);
}

// The picker lists a group's series as the run meets the group: "lag billing total" first, then
// each partition, checked; a model that passes QAbstractItemModelTester.
void TestGroupLagSeries::pickerOffersLagSeries()
{
    const Topology topology = smallTopic();
    SeriesPickerModel picker;
    QAbstractItemModelTester tester(&picker, QAbstractItemModelTester::FailureReportingMode::QtTest);
    picker.setTargets(SeriesPickerModel::nodeTargets(topology), SeriesPickerModel::linkTargets(topology));
    picker.setMetric(SeriesMetric::GroupLag);
    QCOMPARE(picker.rowCount(), 0); // no group known before the run
    QSignalSpy inserted(&picker, &QAbstractItemModel::rowsInserted);
    QSignalSpy checked(&picker, &SeriesPickerModel::checkedChanged);
    TimeSeriesSink sink(topology);
    sink.onEvent(join(1 * kMillisecond));
    sink.flush();
    const auto delta = sink.take();
    picker.syncKeys(SeriesKeyKind::Group, delta->groupKeys);
    QCOMPARE(inserted.count(), 1);
    QCOMPARE(checked.count(), 1);
    QCOMPARE(picker.rowCount(), 3);
    QStringList names;
    for (int r = 0; r < picker.rowCount(); ++r)
        names << picker.data(picker.index(r)).toString();
    QCOMPARE(names, (QStringList{QStringLiteral("lag billing total"), QStringLiteral("lag billing P0"),
                                 QStringLiteral("lag billing P1")}));
    QCOMPARE(picker.data(picker.index(1), SeriesPickerModel::IdRole).toString(),
             QStringLiteral("orders billing P0"));
    QCOMPARE(picker.checkedTargets(), (QList<int>{0, 1, 2}));
    // Partitions differ in colour; the same keys again add nothing.
    QVERIFY(picker.data(picker.index(1), SeriesPickerModel::ColorRole) !=
            picker.data(picker.index(2), SeriesPickerModel::ColorRole));
    picker.syncKeys(SeriesKeyKind::Group, delta->groupKeys);
    QCOMPARE(inserted.count(), 1);
    // Unchecking one leaves the others.
    QVERIFY(picker.setData(picker.index(0), Qt::Unchecked, Qt::CheckStateRole));
    QCOMPARE(picker.checkedTargets(), (QList<int>{1, 2}));
    // Another metric hides them; coming back shows them with their checks.
    picker.setMetric(SeriesMetric::Throughput);
    QVERIFY(picker.rowCount() > 0);
    QVERIFY(picker.data(picker.index(0)).toString() != QStringLiteral("lag billing total"));
    picker.setMetric(SeriesMetric::GroupLag);
    QCOMPARE(picker.checkedTargets(), (QList<int>{1, 2}));
}

// A topology with a Kafka topic opens the charts on the lag; the run's deltas fill the picker
// and draw one line per group series, named as the picker names them.
void TestGroupLagSeries::chartPanelShowsLagFirst()
{
    const sbtest::ExampleTrace trace = sbtest::runExample("kafka-consumer-groups.json", 3 * kSecond, 7);
    ChartPanel panel;
    panel.reset(trace.topology);
    QCOMPARE(panel.metric(), SeriesMetric::GroupLag);
    QVERIFY(panel.axisTitle().contains(QStringLiteral("records")));
    QSignalSpy checked(panel.picker(), &SeriesPickerModel::checkedChanged);
    TimeSeriesSink sink(trace.topology);
    for (const TraceEvent &e : trace.events)
        sink.onEvent(e);
    sink.flush();
    panel.appendDelta(*sink.take());
    QVERIFY(checked.count() >= 1);
    QCOMPARE(panel.picker()->rowCount(), 14); // billing and audit: a total and six partitions each
    panel.refresh();
    const QList<QLineSeries *> shown = panel.shownSeries();
    QCOMPARE(shown.size(), 14);
    for (int r = 0; r < shown.size(); ++r) {
        QCOMPARE(shown[r]->name(), panel.picker()->data(panel.picker()->index(r)).toString());
        QVERIFY2(shown[r]->count() > 0, qPrintable(shown[r]->name()));
    }
    // A topology without a log keeps throughput first.
    Topology plain;
    NodeDef q;
    q.id = "q";
    q.kind = "queue";
    plain.nodes = {q};
    ChartPanel other;
    other.reset(plain);
    QCOMPARE(other.metric(), SeriesMetric::Throughput);
}

QTEST_MAIN(TestGroupLagSeries)
#include "tst_grouplagseries.moc"
