// ChartSeriesStore: deltas keep the buckets before their first one and replace the rest; a new
// bucket width replaces everything; buckets without a value have no point; the min/max index
// always matches the points; the CSV has every point, or those of a time range; smoothing is a
// trailing moving average in virtual time, kept up to date as data arrives.
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
    void csvRange_data();
    void csvRange();
    void smoothing_data();
    void smoothing();
    void smoothingFollowsNewData();
    void smoothingStaysExactOverLongRuns();
    void latencyIsNotSmoothed();
    void csvSmoothed();
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

void TestChartSeriesStore::csvRange_data()
{
    QTest::addColumn<double>("from");
    QTest::addColumn<double>("to");
    QTest::addColumn<int>("first"); // the first point written (points at i * 0.25 s, value i)
    QTest::addColumn<int>("count");
    constexpr double inf = std::numeric_limits<double>::infinity();
    QTest::newRow("whole") << -inf << inf << 0 << 10;
    QTest::newRow("ends on points, both in") << 0.5 << 1.25 << 2 << 4;
    QTest::newRow("ends between points") << 0.6 << 1.3 << 3 << 3;
    QTest::newRow("just past points") << 0.5000001 << 1.2499999 << 3 << 2;
    QTest::newRow("one point") << 1.0 << 1.0 << 4 << 1;
    QTest::newRow("first and last") << 0.0 << 2.25 << 0 << 10;
    QTest::newRow("before the run") << -5.0 << -0.1 << 0 << 0;
    QTest::newRow("after the run") << 2.3 << 9.0 << 0 << 0;
    QTest::newRow("empty range") << 1.0 << 0.5 << 0 << 0;
}

void TestChartSeriesStore::csvRange()
{
    QFETCH(double, from);
    QFETCH(double, to);
    QFETCH(int, first);
    QFETCH(int, count);
    ChartSeriesStore s;
    s.reset({"p", "q"}, {});
    std::vector<QPointF> v;
    for (int i = 0; i < 10; ++i)
        v.emplace_back(i * 0.25, i);
    s.setPoints(SeriesMetric::Throughput, 0, v);
    s.setPoints(SeriesMetric::Throughput, 1, v);
    QBuffer buffer;
    QVERIFY(buffer.open(QIODevice::WriteOnly));
    QVERIFY(s.writeCsv(&buffer, SeriesMetric::Throughput, {0, 1}, from, to));
    QByteArray expected("time_s,node,metric,value\n");
    for (const char *node : {"p", "q"})
        for (int i = first; i < first + count; ++i)
            expected +=
                QByteArray::number(i * 0.25) + ',' + node + ",throughput," + QByteArray::number(i) + '\n';
    QCOMPARE(buffer.data(), expected);
}

void TestChartSeriesStore::smoothing_data()
{
    QTest::addColumn<std::vector<double>>("values"); // one per 10 ms bucket; NaN: no point
    QTest::addColumn<double>("window");
    QTest::addColumn<bool>("smooths");
    QTest::addColumn<QList<QPointF>>("expected");
    const std::vector<double> v{4, 8, 0, 2, 6};
    QTest::newRow("off") << v << 0.0 << false
                         << QList<QPointF>{{0, 4}, {0.01, 8}, {0.02, 0}, {0.03, 2}, {0.04, 6}};
    QTest::newRow("narrower than a bucket")
        << v << 0.005 << false << QList<QPointF>{{0, 4}, {0.01, 8}, {0.02, 0}, {0.03, 2}, {0.04, 6}};
    QTest::newRow("one bucket") << v << 0.01 << false
                                << QList<QPointF>{{0, 4}, {0.01, 8}, {0.02, 0}, {0.03, 2}, {0.04, 6}};
    // (t - 20 ms, t]: the point and the one before.
    QTest::newRow("two buckets") << v << 0.02 << true
                                 << QList<QPointF>{{0, 4}, {0.01, 6}, {0.02, 4}, {0.03, 1}, {0.04, 4}};
    QTest::newRow("three buckets") << v << 0.03 << true
                                   << QList<QPointF>{
                                          {0, 4}, {0.01, 6}, {0.02, 4}, {0.03, 10.0 / 3}, {0.04, 8.0 / 3}};
    QTest::newRow("longer than the run")
        << v << 10.0 << true << QList<QPointF>{{0, 4}, {0.01, 6}, {0.02, 4}, {0.03, 3.5}, {0.04, 4}};
    // The window is in time, not in points: a bucket without a value is not in any mean.
    QTest::newRow("a bucket without a value") << std::vector<double>{4, kNone, 8, 2} << 0.03 << true
                                              << QList<QPointF>{{0, 4}, {0.02, 6}, {0.03, 5}};
}

void TestChartSeriesStore::smoothing()
{
    QFETCH(std::vector<double>, values);
    QFETCH(double, window);
    QFETCH(bool, smooths);
    QFETCH(QList<QPointF>, expected);
    ChartSeriesStore s;
    s.reset({"p"}, {"l"});
    s.apply(delta(0, values));
    QCOMPARE(s.smooths(SeriesMetric::Throughput, window), smooths);
    const ChartSeriesStore::View v = s.view(SeriesMetric::Throughput, 0, window);
    QVERIFY(v.points && v.index);
    // No smoothing: the store's own points, not a copy.
    QCOMPARE(v.points == &s.points(SeriesMetric::Throughput, 0), !smooths);
    QCOMPARE(QList<QPointF>(v.points->begin(), v.points->end()), expected);
    QCOMPARE(v.index->size(), qsizetype(expected.size()));
}

void TestChartSeriesStore::smoothingFollowsNewData()
{
    ChartSeriesStore s;
    s.reset({"p"}, {});
    s.apply(delta(0, {4, 8, 0}));
    auto smoothed = [&] {
        const auto *p = s.view(SeriesMetric::Throughput, 0, 0.02).points;
        return QList<QPointF>(p->begin(), p->end());
    };
    QCOMPARE(smoothed(), (QList<QPointF>{{0, 4}, {0.01, 6}, {0.02, 4}}));
    // The open bucket is rewritten (0 becomes 6) and one more arrives.
    s.apply(delta(2, {6, 2}));
    QCOMPARE(smoothed(), (QList<QPointF>{{0, 4}, {0.01, 6}, {0.02, 7}, {0.03, 4}}));
    // The index follows the smoothed points: the highest is the third.
    const MinMaxIndex *index = s.view(SeriesMetric::Throughput, 0, 0.02).index;
    QCOMPARE(index->size(), qsizetype(4));
    QCOMPARE(index->blocks().front().maxAt, qsizetype(2));
    QCOMPARE(index->blocks().front().max, 7.0);
    // Another window is computed afresh.
    QCOMPARE(s.view(SeriesMetric::Throughput, 0, 0.03).points->back(), QPointF(0.03, 16.0 / 3));
    // A new bucket width replaces everything; a window of one bucket no longer smooths.
    s.apply(delta(0, {1, 5}, true, 20 * kMillisecond));
    QVERIFY(!s.smooths(SeriesMetric::Throughput, 0.02));
    QCOMPARE(smoothed(), (QList<QPointF>{{0, 1}, {0.02, 5}}));
    QCOMPARE(s.view(SeriesMetric::Throughput, 0, 0.04).points->back(), QPointF(0.02, 3));
}

void TestChartSeriesStore::smoothingStaysExactOverLongRuns()
{
    // 200,000 buckets in stretches of 500: huge bursts, then small values, then silence. A sum that
    // slides over so many steps must not drift from the direct mean, nor keep a residue of the
    // bursts in the small values after them, nor in the silence.
    ChartSeriesStore s;
    s.reset({"p"}, {});
    std::vector<QPointF> v;
    for (int i = 0; i < 200000; ++i) {
        const int stretch = (i / 500) % 3;
        v.emplace_back(i * 0.01, stretch == 0   ? 1e9 * (1.1 + std::sin(i * 0.37))
                                 : stretch == 1 ? 1 + 0.5 * std::sin(i * 0.11)
                                                : 0.0);
    }
    s.setPoints(SeriesMetric::Throughput, 0, v);
    const auto &smoothed = *s.view(SeriesMetric::Throughput, 0, 1.0).points; // 100 buckets
    QCOMPARE(smoothed.size(), v.size());
    // Bursts, small values just after bursts (500 .. 999, 150500 .. 150999), a window across both.
    for (int i : {99, 12345, 199999, 999, 150999, 520}) {
        double sum = 0;
        for (int j = i - 99; j <= i; ++j)
            sum += v[j].y();
        const double mean = sum / 100;
        QVERIFY2(std::abs(smoothed[i].y() - mean) <= 1e-12 * mean,
                 qPrintable(QStringLiteral("%1: %2, not %3")
                                .arg(i)
                                .arg(smoothed[i].y(), 0, 'g', 17)
                                .arg(mean, 0, 'g', 17)));
    }
    // Windows in silence (1000 .. 1499, 149500 .. 149999) are exactly zero.
    QVERIFY(smoothed[1200].y() == 0.0);
    QVERIFY(smoothed[149999].y() == 0.0);
}

void TestChartSeriesStore::latencyIsNotSmoothed()
{
    ChartSeriesStore s;
    s.reset({"c"}, {});
    for (SeriesMetric m : {SeriesMetric::LatencyP50, SeriesMetric::LatencyP99, SeriesMetric::LatencyMax}) {
        s.setPoints(m, 0, {{0, 1}, {0.01, 9}, {0.02, 1}});
        QVERIFY(!ChartSeriesStore::canSmooth(m));
        QVERIFY(!s.smooths(m, 1.0));
        QCOMPARE(s.view(m, 0, 1.0).points, &s.points(m, 0));
    }
    QVERIFY(ChartSeriesStore::canSmooth(SeriesMetric::QueueDepth));
    QVERIFY(s.smooths(SeriesMetric::QueueDepth, 1.0));
}

void TestChartSeriesStore::csvSmoothed()
{
    ChartSeriesStore s;
    s.reset({"p"}, {});
    s.apply(delta(0, {4, 8, 0, 2, 6}));
    QBuffer buffer;
    QVERIFY(buffer.open(QIODevice::WriteOnly));
    QVERIFY(s.writeCsv(&buffer, SeriesMetric::Throughput, {0}, 0.01, 0.03, 0.02));
    QCOMPARE(buffer.data(), QByteArray("time_s,node,metric,value,smoothing_s\n"
                                       "0.01,p,throughput,6,0.02\n"
                                       "0.02,p,throughput,4,0.02\n"
                                       "0.03,p,throughput,1,0.02\n"));
    // A window of one bucket smooths nothing, and the file says nothing of smoothing.
    QBuffer plain;
    QVERIFY(plain.open(QIODevice::WriteOnly));
    QVERIFY(s.writeCsv(&plain, SeriesMetric::Throughput, {0}, 0.01, 0.02, 0.01));
    QCOMPARE(plain.data(), QByteArray("time_s,node,metric,value\n"
                                      "0.01,p,throughput,8\n"
                                      "0.02,p,throughput,0\n"));
}

QTEST_GUILESS_MAIN(TestChartSeriesStore)
#include "tst_chartseriesstore.moc"
