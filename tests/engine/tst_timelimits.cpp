// Durations near the largest virtual time: saturating time arithmetic (simtime.h) and runs whose
// start, latency and limit are all 9e9 s, where "now + latency" would pass the 64-bit range.
#include "enginetest.h"
#include "simtime.h"

#include <limits>

using namespace sb;
using namespace sbtest;

namespace {
constexpr SimTime kMin = std::numeric_limits<SimTime>::min();
constexpr SimTime kMax = 9'000'000'000 * kSecond; // the documented maximum duration, 9e9 s
} // namespace

class TestTimeLimits : public QObject {
    Q_OBJECT
private slots:
    void addTime_data();
    void addTime();
    void multiplyTime_data();
    void multiplyTime();
    void fromNanoseconds_data();
    void fromNanoseconds();
    void exponentialSamplesSaturate();
    void extremeDurations_data();
    void extremeDurations();
};

void TestTimeLimits::addTime_data()
{
    QTest::addColumn<qint64>("a");
    QTest::addColumn<qint64>("b");
    QTest::addColumn<qint64>("sum");
    QTest::newRow("small") << qint64(2) << qint64(3) << qint64(5);
    QTest::newRow("max + max") << qint64(kMax) << qint64(kMax) << qint64(kNever);
    QTest::newRow("never + 1") << qint64(kNever) << qint64(1) << qint64(kNever);
    QTest::newRow("just fits") << qint64(kNever - 5) << qint64(5) << qint64(kNever);
    QTest::newRow("negative overflow") << qint64(kMin) << qint64(-1) << qint64(kMin);
    QTest::newRow("max + negative") << qint64(kMax) << qint64(-kMax) << qint64(0);
}

void TestTimeLimits::addTime()
{
    QFETCH(qint64, a);
    QFETCH(qint64, b);
    QFETCH(qint64, sum);
    QCOMPARE(sb::addTime(a, b), sum);
}

void TestTimeLimits::multiplyTime_data()
{
    QTest::addColumn<qint64>("t");
    QTest::addColumn<qint64>("factor");
    QTest::addColumn<qint64>("product");
    QTest::newRow("backoff 2^20") << qint64(100 * kMillisecond) << qint64(1 << 20)
                                  << qint64(100 * kMillisecond * (1 << 20));
    QTest::newRow("max backoff 2^20") << qint64(kMax) << qint64(1 << 20) << qint64(kNever);
    QTest::newRow("max * -2") << qint64(kMax) << qint64(-2) << qint64(kMin);
    QTest::newRow("zero") << qint64(kMax) << qint64(0) << qint64(0);
}

void TestTimeLimits::multiplyTime()
{
    QFETCH(qint64, t);
    QFETCH(qint64, factor);
    QFETCH(qint64, product);
    QCOMPARE(sb::multiplyTime(t, factor), product);
}

void TestTimeLimits::fromNanoseconds_data()
{
    QTest::addColumn<double>("ns");
    QTest::addColumn<qint64>("ticks");
    QTest::newRow("rounds") << 1.5 << qint64(2);
    QTest::newRow("9e18") << 9e18 << qint64(9'000'000'000'000'000'000);
    QTest::newRow("2^63") << 9223372036854775808.0 << qint64(kNever);
    QTest::newRow("1e30") << 1e30 << qint64(kNever);
    QTest::newRow("infinity") << std::numeric_limits<double>::infinity() << qint64(kNever);
    QTest::newRow("-1e30") << -1e30 << qint64(kMin);
    QTest::newRow("NaN") << std::numeric_limits<double>::quiet_NaN() << qint64(0);
    QTest::newRow("milliseconds 1e300") << 1e300 * 1e6 << qint64(kNever);
}

void TestTimeLimits::fromNanoseconds()
{
    QFETCH(double, ns);
    QFETCH(qint64, ticks);
    QCOMPARE(timeFromNanoseconds(ns), ticks);
}

void TestTimeLimits::exponentialSamplesSaturate()
{
    // With the mean at the maximum, about 1 sample in 3 lies beyond the 64-bit range.
    Distribution d;
    std::string error;
    QVERIFY(Distribution::parse("exp(9000000000s)", d, error));
    Rng rng(1);
    int saturated = 0;
    for (int i = 0; i < 1000; ++i) {
        const SimTime t = d.sample(rng);
        QVERIFY2(t >= 0, qPrintable(QString::number(t)));
        saturated += t == kNever;
    }
    QVERIFY(saturated > 0);
}

void TestTimeLimits::extremeDurations_data()
{
    QTest::addColumn<QString>("startAt");
    QTest::addColumn<QString>("latency");
    QTest::addColumn<qint64>("until");
    QTest::newRow("all at 9e9 s") << "9000000000s"
                                  << "9000000000s" << qint64(kMax);
    QTest::newRow("exp latency, no limit") << "9000000000s"
                                           << "exp(9000000000s)" << qint64(kNever);
    QTest::newRow("start at 9e9 s, 1ms latency") << "9000000000s"
                                                 << "1ms" << qint64(kMax);
    QTest::newRow("start at 0, latency 9e9 s") << "0"
                                               << "9000000000s" << qint64(kMax);
}

void TestTimeLimits::extremeDurations()
{
    QFETCH(QString, startAt);
    QFETCH(QString, latency);
    QFETCH(qint64, until);
    TopologyBuilder b;
    b.node("p", "producer",
           {{"rate", 1000},
            {"startAt", startAt.toStdString()},
            {"confirmTimeout", "9000000000s"},
            {"sendMode", "confirmed"},
            {"count", 3}})
        .node("q", "queue", {{"messageTtl", "9000000000s"}, {"ackTimeout", "9000000000s"}})
        .node("c", "consumer", {{"processing", "9000000000s"}, {"ackMode", "manual"}})
        .link("p", "q", {{"latency", latency.toStdString()}})
        .link("q", "c", {{"latency", latency.toStdString()}}, "deliver");
    auto r = run(b.topology(), until);
    QVERIFY(r);
    // Virtual time never goes back and no event happens after the end of the run.
    SimTime last = 0;
    for (const auto &e : r->trace.events) {
        QVERIFY2(e.time >= last, qPrintable(QStringLiteral("time went back to %1").arg(e.time)));
        QVERIFY2(e.time <= until && e.time != kNever, qPrintable(QString::number(e.time)));
        if (e.kind == TraceKind::Send) QVERIFY2(e.aux >= e.time, "a frame arrives before it is sent");
        last = e.time;
    }
    QVERIFY(r->sim->now() >= 0 && r->sim->now() <= until);
}

QTEST_GUILESS_MAIN(TestTimeLimits)
#include "tst_timelimits.moc"
