// Charts of actors and peers: the panel opens a peer-to-peer run on coverage (a row for the mean
// and one per item, named by its origin) and a supervision tree on mailbox depth; mailbox depth
// and restarts list the actors (and supervisors) only; coverage comes from a real gossip run and
// exports to CSV with its item.
#include "chartpanel.h"
#include "seriespickermodel.h"
#include "simulation.h"
#include "topology.h"

#include <QAbstractItemModelTester>
#include <QComboBox>
#include <QLineSeries>
#include <QTemporaryDir>
#include <QTest>

using namespace sb;

namespace {

Topology loadExample(const char *file)
{
    const LoadResult r = loadTopologyFile(std::string(SIGNALBOX_EXAMPLES_DIR) + "/" + file);
    if (!r.ok()) qFatal("cannot load %s: %s", file, r.errorText().c_str());
    return *r.topology;
}

// Runs `t` for `until` with a series sink (and the status source the window gives it).
std::shared_ptr<TimeSeriesDelta> runSeries(const Topology &t, SimTime until)
{
    std::string error;
    auto sim = Simulation::build(t, error);
    if (!sim) qFatal("%s", error.c_str());
    TimeSeriesSink sink(t);
    const Simulation *s = sim.get();
    sink.setStatusSource([s](NodeIndex n) { return s->nodeStatus(n); });
    sim->addSink(&sink);
    RunOptions o;
    o.until = until;
    sim->run(o);
    sink.publish();
    return sink.take();
}

QStringList rows(const SeriesPickerModel &m)
{
    QStringList out;
    for (int r = 0; r < m.rowCount(); ++r)
        out << m.index(r).data().toString();
    return out;
}

QStringList kindsOf(const SeriesPickerModel &m)
{
    QStringList out;
    for (int r = 0; r < m.rowCount(); ++r)
        out << m.index(r).data(SeriesPickerModel::KindRole).toString();
    out.removeDuplicates();
    out.sort();
    return out;
}

} // namespace

Q_DECLARE_METATYPE(sb::SeriesMetric)

class TestActorP2PCharts : public QObject {
    Q_OBJECT

private slots:
    void metricBoxOffersTheNewFigures();
    void opensOnTheFigureThatMatters_data();
    void opensOnTheFigureThatMatters();
    void metricBoxOffersWhatTheTopologyHas_data();
    void metricBoxOffersWhatTheTopologyHas();
    void aFigureNotOfferedFallsBack();
    void actorFiguresListActorsOnly();
    void coverageOfAGossipRun();
};

void TestActorP2PCharts::metricBoxOffersTheNewFigures()
{
    ChartPanel panel;
    auto *box = panel.findChild<QComboBox *>(QStringLiteral("chartMetric"));
    QVERIFY(box);
    QCOMPARE(box->count(), kSeriesMetricCount);
    for (SeriesMetric m : {SeriesMetric::MailboxDepth, SeriesMetric::Restarts, SeriesMetric::Coverage,
                           SeriesMetric::LookupHops}) {
        const int i = box->findData(int(m));
        QVERIFY2(i >= 0, seriesMetricName(m));
        QCOMPARE(box->itemText(i), QString::fromLatin1(seriesMetricLabel(m)));
    }
    QVERIFY(seriesMetricIsRate(SeriesMetric::Restarts));
    QVERIFY(!seriesMetricIsRate(SeriesMetric::MailboxDepth));
    QCOMPARE(seriesMetricKey(SeriesMetric::Coverage), SeriesKeyKind::Item);
}

void TestActorP2PCharts::opensOnTheFigureThatMatters_data()
{
    QTest::addColumn<QString>("example");
    QTest::addColumn<SeriesMetric>("metric");
    QTest::newRow("gossip") << "p2p-gossip-epidemic.json" << SeriesMetric::Coverage;
    QTest::newRow("flooding") << "p2p-flooding-ttl.json" << SeriesMetric::Coverage;
    QTest::newRow("kademlia") << "p2p-kademlia-lookup.json" << SeriesMetric::LookupHops;
    QTest::newRow("supervision tree") << "actor-supervision-tree.json" << SeriesMetric::Restarts;
    QTest::newRow("work queue") << "work-queue.json" << SeriesMetric::Throughput;
}

void TestActorP2PCharts::opensOnTheFigureThatMatters()
{
    QFETCH(QString, example);
    QFETCH(SeriesMetric, metric);
    ChartPanel panel;
    panel.reset(loadExample(example.toLatin1().constData()));
    QCOMPARE(panel.metric(), metric);
}

void TestActorP2PCharts::metricBoxOffersWhatTheTopologyHas_data()
{
    QTest::addColumn<QString>("example");
    QTest::addColumn<QList<int>>("offered");
    QTest::addColumn<QList<int>>("greyed");
    const auto list = [](std::initializer_list<SeriesMetric> ms) {
        QList<int> out;
        for (SeriesMetric m : ms)
            out << int(m);
        return out;
    };
    QTest::newRow("gossip") << "p2p-gossip-epidemic.json"
                            << list({SeriesMetric::Coverage, SeriesMetric::LinkFrames, SeriesMetric::Drops})
                            << list({SeriesMetric::MailboxDepth, SeriesMetric::GroupLag,
                                     SeriesMetric::QueueDepth, SeriesMetric::CallsByStatus});
    QTest::newRow("supervision tree")
        << "actor-supervision-tree.json" << list({SeriesMetric::MailboxDepth, SeriesMetric::Restarts})
        << list({SeriesMetric::Coverage, SeriesMetric::ServerQueue, SeriesMetric::ConsumerLag});
    QTest::newRow("work queue") << "work-queue.json"
                                << list({SeriesMetric::QueueDepth, SeriesMetric::Throughput,
                                         SeriesMetric::LatencyP99})
                                << list({SeriesMetric::Coverage, SeriesMetric::Restarts,
                                         SeriesMetric::CallsByStatus, SeriesMetric::GroupLag});
    QTest::newRow("kademlia") << "p2p-kademlia-lookup.json" << list({SeriesMetric::LookupHops})
                              << list({SeriesMetric::Coverage, SeriesMetric::MailboxDepth});
    QTest::newRow("kafka") << "kafka-consumer-groups.json" << list({SeriesMetric::GroupLag})
                           << list({SeriesMetric::Coverage, SeriesMetric::MailboxDepth});
}

void TestActorP2PCharts::metricBoxOffersWhatTheTopologyHas()
{
    QFETCH(QString, example);
    QFETCH(QList<int>, offered);
    QFETCH(QList<int>, greyed);
    ChartPanel panel;
    panel.reset(loadExample(example.toLatin1().constData()));
    for (int m : offered)
        QVERIFY2(panel.offersMetric(SeriesMetric(m)), seriesMetricName(SeriesMetric(m)));
    for (int m : greyed)
        QVERIFY2(!panel.offersMetric(SeriesMetric(m)), seriesMetricName(SeriesMetric(m)));
    QVERIFY(panel.offersMetric(panel.metric()));
}

void TestActorP2PCharts::aFigureNotOfferedFallsBack()
{
    ChartPanel panel;
    panel.reset(loadExample("p2p-gossip-epidemic.json"));
    QCOMPARE(panel.metric(), SeriesMetric::Coverage);
    panel.reset(loadExample("work-queue.json")); // no peers: back to throughput
    QCOMPARE(panel.metric(), SeriesMetric::Throughput);
    panel.setMetric(SeriesMetric::QueueDepth);
    panel.reset(loadExample("work-queue.json")); // still offered: kept
    QCOMPARE(panel.metric(), SeriesMetric::QueueDepth);
}

void TestActorP2PCharts::actorFiguresListActorsOnly()
{
    const Topology t = loadExample("actor-supervision-tree.json");
    ChartPanel panel;
    panel.resize(1200, 500);
    panel.reset(t);
    SeriesPickerModel *picker = panel.picker();
    QAbstractItemModelTester tester(picker, QAbstractItemModelTester::FailureReportingMode::QtTest);
    panel.setMetric(SeriesMetric::MailboxDepth);
    QCOMPARE(kindsOf(*picker), QStringList{QStringLiteral("actor")});
    panel.setMetric(SeriesMetric::Restarts);
    QCOMPARE(kindsOf(*picker), (QStringList{QStringLiteral("actor"), QStringLiteral("supervisor")}));
    QVERIFY(panel.axisTitle().startsWith(QStringLiteral("restarts/s")));

    // A real run: the example's poison messages restart actors; mailboxes are charted.
    panel.appendDelta(*runSeries(t, 20 * kSecond));
    double restarts = 0;
    for (int r = 0; r < picker->rowCount(); ++r)
        for (const QPointF &p : panel.store().points(
                 SeriesMetric::Restarts, picker->index(r).data(SeriesPickerModel::TargetRole).toInt()))
            restarts += p.y();
    QVERIFY2(restarts > 0, "the supervision tree example restarted nothing on the chart");
    panel.setMetric(SeriesMetric::MailboxDepth);
    panel.refresh();
    QCOMPARE(panel.shownSeries().size(), picker->rowCount());
    QVERIFY(panel.shownSeries().front()->count() > 0);
}

void TestActorP2PCharts::coverageOfAGossipRun()
{
    const Topology t = loadExample("p2p-gossip-epidemic.json");
    ChartPanel panel;
    panel.resize(1200, 500);
    panel.reset(t);
    SeriesPickerModel *picker = panel.picker();
    QAbstractItemModelTester tester(picker, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QCOMPARE(picker->rowCount(), 0); // no item yet
    panel.appendDelta(*runSeries(t, 30 * kSecond));
    const QStringList names = rows(*picker);
    QVERIFY(names.size() >= 2);
    QCOMPARE(names.front(), QStringLiteral("mean of items"));
    QVERIFY2(names[1].startsWith(QStringLiteral("item ")) && names[1].contains(QStringLiteral(" from ")),
             qPrintable(names[1]));
    QCOMPARE(picker->rowCount(), int(panel.store().keys(SeriesKeyKind::Item).size()));
    panel.refresh();
    QCOMPARE(panel.shownSeries().size(), picker->rowCount());
    QVERIFY(panel.axisTitle().startsWith(QStringLiteral("% of peers")));
    // The S-curve: from the origin alone up to the whole overlay, never falling.
    const int item = picker->index(1).data(SeriesPickerModel::TargetRole).toInt();
    const auto &points = panel.store().points(SeriesMetric::Coverage, item);
    QVERIFY(points.size() > 2);
    QVERIFY(points.front().y() < 50);
    QCOMPARE(points.back().y(), 100.0);
    for (std::size_t i = 1; i < points.size(); ++i)
        QVERIFY(points[i].y() >= points[i - 1].y());
    // CSV: the item is named with its origin.
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("coverage.csv"));
    QString error;
    QVERIFY2(panel.exportCsv(path, &error), qPrintable(error));
    QFile f(path);
    QVERIFY(f.open(QIODevice::ReadOnly));
    const QString csv = QString::fromUtf8(f.readAll());
    QVERIFY2(csv.contains(QStringLiteral(",coverage,")), qPrintable(csv.left(200)));
    QVERIFY(csv.contains(QStringLiteral("mean of items")));
}

QTEST_MAIN(TestActorP2PCharts)
#include "tst_actorp2pcharts.moc"
