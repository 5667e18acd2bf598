// ChartSeriesStore: deltas keep the buckets before their first one and replace the rest; a new
// bucket width replaces everything; buckets without a value have no point; the min/max index
// always matches the points; the CSV has every point, or those of a time range; smoothing is a
// trailing moving average in virtual time, kept up to date as data arrives.
#include "chartseriesstore.h"

#include "topology.h"

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
    d.linkLosses = {std::vector<double>(values.size(), 0.5)};
    return d;
}

// A producer's published messages at the given virtual times, through a real TimeSeriesSink (whose
// buckets merge as a long run needs), into a store.
void feed(ChartSeriesStore &store, const std::vector<SimTime> &times)
{
    Topology t;
    NodeDef producer;
    producer.id = "p";
    producer.kind = "producer";
    t.nodes.push_back(producer);
    TimeSeriesSink sink(t);
    TraceEvent e;
    e.node = 0;
    e.kind = TraceKind::Publish;
    for (SimTime time : times) {
        e.time = time;
        sink.onEvent(e);
    }
    sink.flush();
    store.reset({"p"}, {});
    store.apply(*sink.take());
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
    void rateWindowSuitsTheSpan_data();
    void rateWindowSuitsTheSpan();
    void steadyRateReadsSteady_data();
    void steadyRateReadsSteady();
    void burstsKeepEveryMessage_data();
    void burstsKeepEveryMessage();
    void windowsFollowNewData();
    void csvStatesTheWindow();
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
    QCOMPARE(s.points(SeriesMetric::LinkLosses, 0).size(), std::size_t(expected.size()));
    QCOMPARE(s.points(SeriesMetric::LinkLosses, 0).back().y(), 0.5);
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
    s.setPoints(SeriesMetric::QueueDepth, 0, v);
    s.setPoints(SeriesMetric::QueueDepth, 1, v);
    QBuffer buffer;
    QVERIFY(buffer.open(QIODevice::WriteOnly));
    QVERIFY(s.writeCsv(&buffer, SeriesMetric::QueueDepth, {0, 1}, from, to));
    QByteArray expected("time_s,node,metric,value\n");
    for (const char *node : {"p", "q"})
        for (int i = first; i < first + count; ++i)
            expected +=
                QByteArray::number(i * 0.25) + ',' + node + ",queue_depth," + QByteArray::number(i) + '\n';
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
    // A rate states the window it is over: here the 10 ms bucket.
    QCOMPARE(buffer.data(), QByteArray("time_s,node,metric,value,window_s,smoothing_s\n"
                                       "0.01,p,throughput,6,0.01,0.02\n"
                                       "0.02,p,throughput,4,0.01,0.02\n"
                                       "0.03,p,throughput,1,0.01,0.02\n"));
    // A window of one bucket smooths nothing, and the file says nothing of smoothing.
    QBuffer plain;
    QVERIFY(plain.open(QIODevice::WriteOnly));
    QVERIFY(s.writeCsv(&plain, SeriesMetric::Throughput, {0}, 0.01, 0.02, 0.01));
    QCOMPARE(plain.data(), QByteArray("time_s,node,metric,value,window_s\n"
                                      "0.01,p,throughput,8,0.01\n"
                                      "0.02,p,throughput,0,0.01\n"));
}

void TestChartSeriesStore::rateWindowSuitsTheSpan_data()
{
    QTest::addColumn<qint64>("bucket"); // ns
    QTest::addColumn<double>("span");   // s
    QTest::addColumn<double>("window"); // s
    QTest::addColumn<QString>("text");
    const qint64 ms = kMillisecond;
    QTest::newRow("1 s at 10 ms") << 10 * ms << 1.0 << 0.01 << "10 ms";
    QTest::newRow("2 s at 10 ms: 200 windows") << 10 * ms << 2.0 << 0.01 << "10 ms";
    QTest::newRow("5 s") << 10 * ms << 5.0 << 0.1 << "100 ms";
    QTest::newRow("20 s") << 10 * ms << 20.0 << 0.1 << "100 ms";
    QTest::newRow("60 s") << 10 * ms << 60.0 << 1.0 << "1 s";
    QTest::newRow("10 min") << 10 * ms << 600.0 << 10.0 << "10 s";
    QTest::newRow("1 h") << 10 * ms << 3600.0 << 60.0 << "1 min";
    QTest::newRow("a day") << 10 * ms << 86400.0 << 600.0 << "10 min";
    QTest::newRow("a year: the widest") << 10 * ms << 3.15e7 << 3600.0 << "1 h";
    // Merged buckets: a window narrower than a bucket is no window.
    QTest::newRow("1 s at 200 ms") << 200 * ms << 1.0 << 0.2 << "200 ms";
    QTest::newRow("100 s at 200 ms") << 200 * ms << 100.0 << 1.0 << "1 s";
    QTest::newRow("10 min at 100 s") << qint64(100 * kSecond) << 600.0 << 100.0 << "100 s";
    QTest::newRow("1 h at 100 s") << qint64(100 * kSecond) << 3600.0 << 100.0 << "100 s";
    QTest::newRow("a week at 100 s") << qint64(100 * kSecond) << 604800.0 << 3600.0 << "1 h";
    // A bucket that divides no choice: the bucket itself, or a choice it divides.
    QTest::newRow("2 s at 3 ms") << 3 * ms << 0.5 << 0.003 << "3 ms";
    QTest::newRow("2 h at 3 ms") << 3 * ms << 7200.0 << 60.0 << "1 min";
}

void TestChartSeriesStore::rateWindowSuitsTheSpan()
{
    QFETCH(qint64, bucket);
    QFETCH(double, span);
    QFETCH(double, window);
    QFETCH(QString, text);
    ChartSeriesStore s;
    s.reset({"p"}, {});
    s.setBucketWidth(bucket);
    QCOMPARE(s.rateWindow(span), window);
    QCOMPARE(ChartSeriesStore::windowText(window), text);
    QCOMPARE(s.shownWindow(SeriesMetric::Throughput, window), window);
    QCOMPARE(s.shownWindow(SeriesMetric::QueueDepth, window), 0.0); // levels are not rates
    QVERIFY(!s.windows(SeriesMetric::LatencyP99, window));
}

void TestChartSeriesStore::steadyRateReadsSteady_data()
{
    QTest::addColumn<double>("span"); // a run of this long, shown whole
    QTest::addColumn<double>("window");
    QTest::newRow("5 s") << 5.0 << 0.1;
    QTest::newRow("30 s") << 30.0 << 1.0;
    QTest::newRow("3 min: 20 ms buckets") << 180.0 << 1.0;
    QTest::newRow("30 min: 100 ms buckets") << 1800.0 << 10.0;
    QTest::newRow("2 h: 1 s buckets") << 7200.0 << 60.0;
}

// A steady 50 msg/s (a message every 20 ms) is 100, 0, 100, 0 per 10 ms bucket: shown over the
// window the span calls for, every point reads 50.
void TestChartSeriesStore::steadyRateReadsSteady()
{
    QFETCH(double, span);
    QFETCH(double, window);
    std::vector<SimTime> times;
    for (SimTime t = 0; t < SimTime(span * kSecond); t += 20 * kMillisecond)
        times.push_back(t);
    ChartSeriesStore s;
    feed(s, times);
    QCOMPARE(s.rateWindow(span), window);
    QVERIFY(s.windows(SeriesMetric::Throughput, window));
    const auto *shown = s.view(SeriesMetric::Throughput, 0, 0, window).points;
    // Every whole window of the run has a point (the last one the run has not finished has none).
    QVERIFY2(qsizetype(shown->size()) >= qsizetype(span / window) - 1,
             qPrintable(QString::number(shown->size())));
    QVERIFY(shown->size() <= std::size_t(ChartSeriesStore::kMaxRateWindows));
    for (const QPointF &p : *shown)
        QVERIFY2(std::abs(p.y() - 50) < 1e-6, qPrintable(QStringLiteral("%1 at %2 s").arg(p.y()).arg(p.x())));
    // The raw buckets alternate, which is what the chart no longer draws.
    const auto &raw = s.points(SeriesMetric::Throughput, 0);
    if (s.bucketWidth() == 10 * kMillisecond) {
        QCOMPARE(raw[0].y(), 100.0);
        QCOMPARE(raw[1].y(), 0.0);
    }
}

void TestChartSeriesStore::burstsKeepEveryMessage_data()
{
    QTest::addColumn<double>("window");
    QTest::addColumn<double>("peak");
    QTest::addColumn<int>("total");
    // 100 messages at once every second for 20 s, then one at 20 s. Shown per bucket (10 ms) the
    // last one is in its own bucket; the window that starts at 20 s is not finished.
    QTest::newRow("10 ms") << 0.01 << 10000.0 << 2001;
    QTest::newRow("100 ms") << 0.1 << 1000.0 << 2000;
    QTest::newRow("1 s") << 1.0 << 100.0 << 2000;
    QTest::newRow("10 s") << 10.0 << 100.0 << 2000;
}

// A bursty series: the windows sum counts, so every message is in exactly one window and a burst
// reads as its count over the window, whatever the window.
void TestChartSeriesStore::burstsKeepEveryMessage()
{
    QFETCH(double, window);
    QFETCH(double, peak);
    QFETCH(int, total);
    std::vector<SimTime> times;
    for (int second = 0; second < 20; ++second)
        for (int i = 0; i < 100; ++i)
            times.push_back(SimTime(second) * kSecond);
    times.push_back(20 * kSecond); // the run goes on to 20 s
    ChartSeriesStore s;
    feed(s, times);
    const auto *shown = s.view(SeriesMetric::Throughput, 0, 0, window).points;
    double sum = 0, highest = 0;
    for (const QPointF &p : *shown) {
        sum += p.y() * window;
        highest = std::max(highest, p.y());
    }
    QCOMPARE(qRound64(sum), qint64(total));
    QCOMPARE(highest, peak);
}

// Live: deltas rewrite the open bucket and add new ones; the windows follow, and a window appears
// once the run has gone past its end.
void TestChartSeriesStore::windowsFollowNewData()
{
    ChartSeriesStore s;
    s.reset({"p"}, {});
    // 10 ms buckets of 100 msg/s (one message each), 25 of them: two whole 100 ms windows.
    s.apply(delta(0, std::vector<double>(25, 100.0)));
    auto shown = [&] {
        const auto *p = s.view(SeriesMetric::Throughput, 0, 0, 0.1).points;
        return QList<QPointF>(p->begin(), p->end());
    };
    QCOMPARE(shown(), (QList<QPointF>{{0, 100}, {0.1, 100}}));
    // The open bucket (24) is rewritten to 0 and buckets up to 0.4 s arrive, all 0.
    s.apply(delta(24, std::vector<double>(16, 0.0)));
    QCOMPARE(shown(), (QList<QPointF>{{0, 100}, {0.1, 100}, {0.2, 40}, {0.3, 0}}));
    QCOMPARE(s.view(SeriesMetric::Throughput, 0, 0, 0.1).index->size(), qsizetype(4));
    // Smoothing applies to the windows: over 200 ms, two windows.
    QVERIFY(s.smooths(SeriesMetric::Throughput, 0.2, 0.1));
    QVERIFY(!s.smooths(SeriesMetric::Throughput, 0.1, 0.1));
    const auto *smoothed = s.view(SeriesMetric::Throughput, 0, 0.2, 0.1).points;
    QCOMPARE(QList<QPointF>(smoothed->begin(), smoothed->end()),
             (QList<QPointF>{{0, 100}, {0.1, 100}, {0.2, 70}, {0.3, 20}}));
    // A new bucket width starts over.
    s.apply(delta(0, {50, 50, 50, 50, 50}, true, 20 * kMillisecond));
    QCOMPARE(shown(), (QList<QPointF>{{0, 50}}));
}

void TestChartSeriesStore::csvStatesTheWindow()
{
    std::vector<SimTime> times;
    for (SimTime t = 0; t < 10 * kSecond; t += 20 * kMillisecond)
        times.push_back(t);
    ChartSeriesStore s;
    feed(s, times);
    QBuffer buffer;
    QVERIFY(buffer.open(QIODevice::WriteOnly));
    QVERIFY(s.writeCsv(&buffer, SeriesMetric::Throughput, {0}, 0, 0.35, 0, 0.1));
    QCOMPARE(buffer.data(), QByteArray("time_s,node,metric,value,window_s\n"
                                       "0,p,throughput,50,0.1\n"
                                       "0.1,p,throughput,50,0.1\n"
                                       "0.2,p,throughput,50,0.1\n"
                                       "0.3,p,throughput,50,0.1\n"));
}

QTEST_GUILESS_MAIN(TestChartSeriesStore)
#include "tst_chartseriesstore.moc"
