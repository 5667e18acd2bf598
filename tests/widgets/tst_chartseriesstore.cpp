// ChartSeriesStore: deltas keep the buckets before their first one and replace the rest; a new
// bucket width replaces everything; buckets without a value have no point; the min/max index
// always matches the points; the CSV has every point.
#include "chartseriesstore.h"

#include <QBuffer>
#include <QTest>

#include <cmath>
#include <limits>

using namespace sb;

namespace {

constexpr double kNone = std::numeric_limits<double>::quiet_NaN();

// A delta for one node (throughput values as given, everything else empty) and one link.
TimeSeriesDelta delta(std::size_t first, const std::vector<double> &values, bool replaceAll = false,
                      SimTime width = 10 * kMillisecond)
{
    TimeSeriesDelta d;
    d.bucketWidth = width;
    d.firstBucket = first;
    d.rows = values.size();
    d.replaceAll = replaceAll;
    d.nodeValues.resize(1);
    for (int m = 0; m < kSeriesMetricCount; ++m)
        if (!seriesMetricIsLink(SeriesMetric(m))) d.nodeValues[0][m].assign(values.size(), kNone);
    d.nodeValues[0][int(SeriesMetric::Throughput)] = values;
    d.linkFrames = {std::vector<double>(values.size(), 1.0)};
    return d;
}

QList<QPointF> points(const ChartSeriesStore &s, SeriesMetric m = SeriesMetric::Throughput, int target = 0)
{
    const auto &v = s.points(m, target);
    return QList<QPointF>(v.begin(), v.end());
}

} // namespace

class TestChartSeriesStore : public QObject {
    Q_OBJECT
private slots:
    void deltasReplaceFromTheirFirstBucket_data();
    void deltasReplaceFromTheirFirstBucket();
    void indexFollowsThePoints();
    void csvHasEveryPoint();
};

void TestChartSeriesStore::deltasReplaceFromTheirFirstBucket_data()
{
    QTest::addColumn<std::size_t>("first");
    QTest::addColumn<bool>("replaceAll");
    QTest::addColumn<QList<QPointF>>("expected");
    // The store holds buckets 0..3 = 1, 2, 3, 4 when the second delta, 9 and 8, arrives.
    QTest::newRow("appends") << std::size_t(4) << false
                             << QList<QPointF>{{0, 1}, {0.01, 2}, {0.02, 3}, {0.03, 4}, {0.04, 9}, {0.05, 8}};
    QTest::newRow("rewrites the open bucket")
        << std::size_t(3) << false << QList<QPointF>{{0, 1}, {0.01, 2}, {0.02, 3}, {0.03, 9}, {0.04, 8}};
    QTest::newRow("new width") << std::size_t(0) << true << QList<QPointF>{{0, 9}, {0.02, 8}};
}

void TestChartSeriesStore::deltasReplaceFromTheirFirstBucket()
{
    QFETCH(std::size_t, first);
    QFETCH(bool, replaceAll);
    QFETCH(QList<QPointF>, expected);
    ChartSeriesStore s;
    s.reset({"p"}, {"l"});
    s.apply(delta(0, {1, 2, 3, 4}));
    QCOMPARE(s.endTime(), 0.04);
    s.apply(delta(first, {9, 8}, replaceAll, replaceAll ? 20 * kMillisecond : 10 * kMillisecond));
    QCOMPARE(points(s), expected);
    QCOMPARE(s.points(SeriesMetric::LinkFrames, 0).size(), std::size_t(expected.size()));
    QVERIFY(s.points(SeriesMetric::LatencyP50, 0).empty()); // no values, no points
    QCOMPARE(s.endTime(), expected.last().x() + (replaceAll ? 0.02 : 0.01));
}

void TestChartSeriesStore::indexFollowsThePoints()
{
    ChartSeriesStore s;
    s.reset({"p"}, {});
    std::vector<double> values;
    for (int i = 0; i < 1000; ++i)
        values.push_back(i % 2 ? std::sin(i) * 100 : kNone); // every other bucket has no value
    // In pieces, each rewriting the last bucket of the one before, as the engine sends them.
    std::size_t first = 0;
    for (std::size_t n : {150, 1, 333, 200, 320}) {
        const std::size_t end = std::min(values.size(), first + n);
        s.apply(delta(first, std::vector<double>(values.begin() + first, values.begin() + end)));
        first = end - 1;
    }
    const auto &p = s.points(SeriesMetric::Throughput, 0);
    QCOMPARE(p.size(), std::size_t(500));
    MinMaxIndex fresh;
    fresh.update(p.data(), qsizetype(p.size()));
    const MinMaxIndex *kept = s.index(SeriesMetric::Throughput, 0);
    QVERIFY(kept);
    QCOMPARE(kept->size(), fresh.size());
    for (std::size_t b = 0; b < fresh.blocks().size(); ++b) {
        QCOMPARE(kept->blocks()[b].minAt, fresh.blocks()[b].minAt);
        QCOMPARE(kept->blocks()[b].maxAt, fresh.blocks()[b].maxAt);
        QCOMPARE(kept->blocks()[b].x, fresh.blocks()[b].x);
    }
}

void TestChartSeriesStore::csvHasEveryPoint()
{
    ChartSeriesStore s;
    s.reset({"p", "q"}, {"p-q"});
    s.setPoints(SeriesMetric::QueueDepth, 1, {{0, 5}, {0.01, 7}, {0.02, 6}});
    QBuffer buffer;
    QVERIFY(buffer.open(QIODevice::WriteOnly));
    QVERIFY(s.writeCsv(&buffer, SeriesMetric::QueueDepth, {0, 1}));
    QCOMPARE(buffer.data(), QByteArray("time_s,node,metric,value\n"
                                       "0,q,queue_depth,5\n"
                                       "0.01,q,queue_depth,7\n"
                                       "0.02,q,queue_depth,6\n"));
}

QTEST_GUILESS_MAIN(TestChartSeriesStore)
#include "tst_chartseriesstore.moc"
