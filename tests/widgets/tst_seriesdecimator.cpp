// SeriesDecimator: min/max per pixel column. Whatever the data, every column's minimum and maximum
// survive, the range's first and last points and the neighbours outside it stay, the output stays
// within 2 x columns + 4 points, and a range with few points comes out whole.
#include "seriesdecimator.h"

#include <QTest>

#include <cmath>
#include <random>
#include <vector>

using namespace sb;

using Points = std::vector<QPointF>;
Q_DECLARE_METATYPE(Points)

namespace {

Points make(int n, const std::function<double(int, std::mt19937 &)> &y)
{
    std::mt19937 rng(7);
    Points p;
    p.reserve(n);
    for (int i = 0; i < n; ++i)
        p.emplace_back(i * 0.001, y(i, rng));
    return p;
}

} // namespace

class TestSeriesDecimator : public QObject {
    Q_OBJECT
private slots:
    void keepsEveryColumnsMinAndMax_data();
    void keepsEveryColumnsMinAndMax();
    void emptyAndOutsideRanges();
};

void TestSeriesDecimator::keepsEveryColumnsMinAndMax_data()
{
    QTest::addColumn<Points>("points");
    QTest::addColumn<double>("xMin");
    QTest::addColumn<double>("xMax");
    QTest::addColumn<int>("columns");
    QTest::addColumn<bool>("indexed"); // with a MinMaxIndex, as charts decimate

    const Points monotone = make(100000, [](int i, std::mt19937 &) { return i * 0.5; });
    const Points spikes = make(200000, [](int i, std::mt19937 &rng) {
        if (rng() % 5000 == 0) return (rng() % 2 ? 1000.0 : -1000.0) * (1 + rng() % 7);
        return std::sin(i * 0.01);
    });
    const Points random = make(
        150000, [](int, std::mt19937 &rng) { return std::uniform_real_distribution<double>(-50, 50)(rng); });
    const Points few = make(50, [](int i, std::mt19937 &) { return i % 3; });
    const Points sawtooth = make(99991, [](int i, std::mt19937 &) { return i % 17; });

    QTest::newRow("monotone, whole range") << monotone << 0.0 << 100.0 << 800 << false;
    QTest::newRow("monotone, whole range, indexed") << monotone << 0.0 << 100.0 << 800 << true;
    QTest::newRow("monotone, zoomed") << monotone << 20.0 << 21.5 << 640 << false;
    QTest::newRow("monotone, zoomed, indexed") << monotone << 20.0 << 21.5 << 640 << true;
    QTest::newRow("spikes") << spikes << 0.0 << 200.0 << 1200 << false;
    QTest::newRow("spikes, indexed") << spikes << 0.0 << 200.0 << 1200 << true;
    QTest::newRow("spikes, zoomed") << spikes << 37.3 << 151.9 << 333 << false;
    QTest::newRow("spikes, zoomed, indexed") << spikes << 37.3 << 151.9 << 333 << true;
    QTest::newRow("random") << random << 0.0 << 150.0 << 1000 << false;
    QTest::newRow("random, indexed") << random << 0.0 << 150.0 << 1000 << true;
    QTest::newRow("random, one column") << random << 10.0 << 90.0 << 1 << false;
    QTest::newRow("random, one column, indexed") << random << 10.0 << 90.0 << 1 << true;
    QTest::newRow("sawtooth, odd columns") << sawtooth << 0.0 << 99.99 << 997 << false;
    QTest::newRow("sawtooth, odd columns, indexed") << sawtooth << 0.0 << 99.99 << 997 << true;
    QTest::newRow("fewer points than columns") << few << 0.0 << 0.05 << 800 << false;
    QTest::newRow("fewer points than columns, indexed") << few << 0.0 << 0.05 << 800 << true;
}

void TestSeriesDecimator::keepsEveryColumnsMinAndMax()
{
    QFETCH(Points, points);
    QFETCH(double, xMin);
    QFETCH(double, xMax);
    QFETCH(int, columns);

    QList<QPointF> out;
    const auto r =
        SeriesDecimator::decimate(points.data(), points.data() + points.size(), xMin, xMax, columns, out);

    QVERIFY(out.size() <= 2 * columns + 4);
    for (qsizetype i = 1; i < out.size(); ++i)
        QVERIFY(out[i - 1].x() < out[i].x()); // in order, no point twice

    // Every output point is an input point.
    for (const QPointF &p : std::as_const(out)) {
        const auto it = std::lower_bound(points.begin(), points.end(), p.x(),
                                         [](const QPointF &a, double x) { return a.x() < x; });
        QVERIFY(it != points.end() && *it == p);
    }

    // The points in range, per column, as the decimator assigns them.
    std::vector<double> inMin(columns, INFINITY), inMax(columns, -INFINITY);
    std::vector<double> outMin(columns, INFINITY), outMax(columns, -INFINITY);
    auto column = [&](double x) {
        return std::min(columns - 1, int((x - xMin) * (columns / (xMax - xMin))));
    };
    qsizetype inRange = 0;
    double yMin = INFINITY, yMax = -INFINITY;
    const QPointF *first = nullptr, *last = nullptr;
    for (const QPointF &p : points) {
        if (p.x() < xMin || p.x() > xMax) continue;
        ++inRange;
        if (!first) first = &p;
        last = &p;
        const int c = column(p.x());
        inMin[c] = std::min(inMin[c], p.y());
        inMax[c] = std::max(inMax[c], p.y());
        yMin = std::min(yMin, p.y());
        yMax = std::max(yMax, p.y());
    }
    for (const QPointF &p : std::as_const(out)) {
        if (p.x() < xMin || p.x() > xMax) continue;
        const int c = column(p.x());
        outMin[c] = std::min(outMin[c], p.y());
        outMax[c] = std::max(outMax[c], p.y());
    }
    for (int c = 0; c < columns; ++c) {
        QCOMPARE(outMin[c], inMin[c]);
        QCOMPARE(outMax[c], inMax[c]);
    }
    QCOMPARE(r.inRange, inRange);
    QCOMPARE(r.yMin, yMin);
    QCOMPARE(r.yMax, yMax);
    QVERIFY(out.contains(*first));
    QVERIFY(out.contains(*last));
    // The neighbours just outside the range keep the line running to the plot's edges.
    if (first != points.data()) QCOMPARE(out.first(), *(first - 1));
    if (last != points.data() + points.size() - 1) QCOMPARE(out.last(), *(last + 1));
    if (inRange <= 2 * columns) {
        qsizetype kept = 0;
        for (const QPointF &p : std::as_const(out))
            kept += p.x() >= xMin && p.x() <= xMax;
        QCOMPARE(kept, inRange); // nothing to decimate: all of them
    }
}

void TestSeriesDecimator::emptyAndOutsideRanges()
{
    QList<QPointF> out{{1, 1}};
    Points none;
    auto r = SeriesDecimator::decimate(none.data(), none.data(), 0, 1, 100, out);
    QVERIFY(out.isEmpty());
    QCOMPARE(r.inRange, 0);

    const Points p{{0, 1}, {1, 2}, {5, 3}, {6, 4}};
    r = SeriesDecimator::decimate(p.data(), p.data() + p.size(), 2, 4, 100, out);
    QCOMPARE(r.inRange, 0);
    QCOMPARE(out, (QList<QPointF>{{1, 2}, {5, 3}})); // only the neighbours: a line across the gap
    r = SeriesDecimator::decimate(p.data(), p.data() + p.size(), 10, 20, 100, out);
    QCOMPARE(out, (QList<QPointF>{{6, 4}}));
}

QTEST_GUILESS_MAIN(TestSeriesDecimator)
#include "tst_seriesdecimator.moc"
