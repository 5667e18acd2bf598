// TimeSeriesSink's call figures: calls by status per client, latency percentiles per client and
// method (the method from the request announced before its Call event), calls in flight, a
// server's accept queue, retries and hedges, the circuit breaker's state. Fed synthetic trace
// events, then a real RPC example checked against its own trace.
#include "callstatus.h"
#include "enginetest.h"
#include "timeseries.h"

#include <cmath>

using namespace sb;
using namespace sbtest;

namespace {

constexpr SimTime kMs = kMillisecond;

// Two clients and a server (indices 0, 1, 2) and a queue (3).
Topology callTopology()
{
    Topology t;
    for (const auto &[id, kind] : std::vector<std::pair<std::string, std::string>>{
             {"c1", "rpc-client"}, {"c2", "http-client"}, {"s1", "rpc-server"}, {"q", "queue"}}) {
        NodeDef n;
        n.id = id;
        n.kind = kind;
        t.nodes.push_back(n);
    }
    return t;
}

TraceEvent traceEvent(TraceKind kind, NodeIndex node, SimTime at, std::uint64_t call = 0,
                      std::int64_t aux = 0, std::uint16_t status = kNoStatus)
{
    TraceEvent e;
    e.kind = kind;
    e.node = node;
    e.time = e.local = at;
    e.correlationId = call;
    e.messageId = kind == TraceKind::Call ? call : 0;
    e.aux = aux;
    e.status = status;
    return e;
}

// A client starts call `id` for `method`: the request is announced, then the Call event.
void startCall(TimeSeriesSink &sink, NodeIndex client, SimTime at, std::uint64_t id,
               const std::string &method)
{
    Message m;
    m.id = id;
    m.correlationId = id;
    m.routingKey = method;
    sink.onMessage(m);
    sink.onEvent(traceEvent(TraceKind::Call, client, at, id));
}

// The scripted run every data row reads (10 ms buckets).
void feedScript(TimeSeriesSink &sink)
{
    startCall(sink, 0, 1 * kMs, 1, "orders.Orders/Get");
    startCall(sink, 0, 2 * kMs, 2, "orders.Orders/Put");
    startCall(sink, 1, 3 * kMs, 3, "GET /orders");
    sink.onEvent(traceEvent(TraceKind::Accept, 2, 3 * kMs, 1, 1));
    sink.onEvent(traceEvent(TraceKind::Accept, 2, 4 * kMs, 2, 2));
    sink.onEvent(traceEvent(TraceKind::Execute, 2, 5 * kMs, 1, 1));
    sink.onEvent(traceEvent(TraceKind::Retry, 0, 5 * kMs, 2));
    sink.onEvent(traceEvent(TraceKind::Hedge, 0, 6 * kMs, 2));
    sink.onEvent(traceEvent(TraceKind::Complete, 0, 5 * kMs, 1, 4 * kMs, Grpc::Ok));
    sink.onEvent(traceEvent(TraceKind::Execute, 2, 7 * kMs, 2, 0));
    sink.onEvent(traceEvent(TraceKind::Breaker, 0, 12 * kMs, 0, 1));
    sink.onEvent(traceEvent(TraceKind::Complete, 1, 13 * kMs, 3, 10 * kMs, 200));
    sink.onEvent(traceEvent(TraceKind::Breaker, 0, 15 * kMs, 0, 2));
    sink.onEvent(traceEvent(TraceKind::Complete, 0, 22 * kMs, 2, 20 * kMs, Grpc::Unavailable));
    sink.onEvent(traceEvent(TraceKind::Breaker, 0, 35 * kMs, 0, 0));
    sink.onEvent(traceEvent(TraceKind::Retry, 1, 45 * kMs, 9)); // an HTTP client's retry
    sink.publish();
}

using Values = QList<double>;
constexpr double kNone = std::numeric_limits<double>::quiet_NaN();

void compareValues(const std::vector<double> &actual, const Values &expected)
{
    QCOMPARE(qsizetype(actual.size()), expected.size());
    for (qsizetype i = 0; i < expected.size(); ++i) {
        if (std::isnan(expected[i])) {
            QVERIFY2(std::isnan(actual[std::size_t(i)]), qPrintable(QStringLiteral("row %1").arg(i)));
            continue;
        }
        // Latency percentiles come from the run summary's histogram bins: within 1.6 %.
        QVERIFY2(std::abs(actual[std::size_t(i)] - expected[i]) <= 0.016 * std::abs(expected[i]) + 1e-9,
                 qPrintable(QStringLiteral("row %1: %2, expected %3")
                                .arg(i)
                                .arg(actual[std::size_t(i)])
                                .arg(expected[i])));
    }
}

} // namespace

Q_DECLARE_METATYPE(sb::SeriesMetric)

class TestCallSeries : public QObject {
    Q_OBJECT

private slots:
    void metricsAreNamed();
    void nodeFigures_data();
    void nodeFigures();
    void keysInTheOrderMet();
    void keyedFigures_data();
    void keyedFigures();
    void callsWithoutAnnouncedMethod();
    void keysAreBounded();
    void crashForgetsCalls();
    void coarseningKeepsCallFigures();
    void deltasCarryKeysMetLater();
    void exampleRunMatchesItsTrace();
};

void TestCallSeries::metricsAreNamed()
{
    const std::vector<std::pair<SeriesMetric, const char *>> names{
        {SeriesMetric::CallsByStatus, "calls_by_status"},
        {SeriesMetric::CallLatencyP50, "call_latency_p50"},
        {SeriesMetric::CallLatencyP99, "call_latency_p99"},
        {SeriesMetric::CallsInFlight, "calls_in_flight"},
        {SeriesMetric::ServerQueue, "server_queue"},
        {SeriesMetric::Retries, "retries"},
        {SeriesMetric::BreakerState, "breaker_state"}};
    for (const auto &[m, name] : names) {
        QCOMPARE(seriesMetricName(m), name);
        QVERIFY(std::string(seriesMetricLabel(m)) != "?");
        QVERIFY(!std::string(seriesMetricUnit(m)).empty());
        QVERIFY(!seriesMetricIsLink(m));
    }
    QVERIFY(seriesMetricIsRate(SeriesMetric::CallsByStatus));
    QVERIFY(seriesMetricIsRate(SeriesMetric::Retries));
    QVERIFY(!seriesMetricIsRate(SeriesMetric::CallsInFlight));
    QVERIFY(!seriesMetricIsRate(SeriesMetric::BreakerState));
    QCOMPARE(seriesMetricKey(SeriesMetric::CallsByStatus), SeriesKeyKind::Status);
    QCOMPARE(seriesMetricKey(SeriesMetric::CallLatencyP99), SeriesKeyKind::Method);
    QCOMPARE(seriesMetricKey(SeriesMetric::Retries), SeriesKeyKind::None);
    QCOMPARE(seriesMetricKey(SeriesMetric::Throughput), SeriesKeyKind::None);
}

void TestCallSeries::nodeFigures_data()
{
    QTest::addColumn<SeriesMetric>("metric");
    QTest::addColumn<int>("node");
    QTest::addColumn<Values>("values"); // per 10 ms bucket, 0..40 ms
    // Two calls start, one ends at 5 ms; the level carries on until the second ends at 22 ms.
    QTest::newRow("in flight, c1") << SeriesMetric::CallsInFlight << 0 << Values{2, 1, 1, 0, 0};
    QTest::newRow("in flight, c2") << SeriesMetric::CallsInFlight << 1 << Values{1, 1, 0, 0, 0};
    QTest::newRow("server queue") << SeriesMetric::ServerQueue << 2 << Values{2, 0, 0, 0, 0};
    // A client has no server queue: the figure is not even sent for it.
    QTest::newRow("no server queue at a client") << SeriesMetric::ServerQueue << 0 << Values{};
    QTest::newRow("retries and hedges, c1") << SeriesMetric::Retries << 0 << Values{200, 0, 0, 0, 0};
    QTest::newRow("retries, c2") << SeriesMetric::Retries << 1 << Values{0, 0, 0, 0, 100};
    // Open at 12 ms, half-open at 15 ms: open is the worst of that bucket; half-open carries
    // into the next two (closed again at 35 ms, after half-open opened that bucket).
    QTest::newRow("breaker, c1") << SeriesMetric::BreakerState << 0 << Values{0, 1, 2, 2, 0};
    QTest::newRow("breaker, c2 never changed") << SeriesMetric::BreakerState << 1 << Values{0, 0, 0, 0, 0};
}

void TestCallSeries::nodeFigures()
{
    QFETCH(SeriesMetric, metric);
    QFETCH(int, node);
    QFETCH(Values, values);
    TimeSeriesSink sink(callTopology());
    feedScript(sink);
    const auto d = sink.snapshot();
    QCOMPARE(d->bucketWidth, 10 * kMs);
    compareValues(d->nodeValues[std::size_t(node)][int(metric)], values);
}

void TestCallSeries::keysInTheOrderMet()
{
    TimeSeriesSink sink(callTopology());
    feedScript(sink);
    const std::vector<SeriesKey> status{{0, "OK"}, {1, "200 OK"}, {0, "UNAVAILABLE"}};
    const std::vector<SeriesKey> methods{
        {0, "orders.Orders/Get"}, {0, "orders.Orders/Put"}, {1, "GET /orders"}};
    QVERIFY(sink.statusKeys() == status);
    QVERIFY(sink.methodKeys() == methods);
    const auto d = sink.snapshot();
    QVERIFY(d->statusKeys == status);
    QVERIFY(d->methodKeys == methods);
    QCOMPARE(d->keys(SeriesMetric::CallsByStatus), &d->statusKeys);
    QCOMPARE(d->keys(SeriesMetric::CallLatencyP50), &d->methodKeys);
    QVERIFY(!d->keys(SeriesMetric::Throughput));
    QCOMPARE(d->keyedValues(SeriesMetric::CallLatencyP99), &d->callLatencyP99);
    // Keyed metrics have no per-node values.
    QVERIFY(d->nodeValues[0][int(SeriesMetric::CallsByStatus)].empty());
    // Every call completed: none is remembered any more.
    QCOMPARE(sink.callsTracked(), std::size_t(0));
}

void TestCallSeries::keyedFigures_data()
{
    QTest::addColumn<SeriesMetric>("metric");
    QTest::addColumn<int>("key");
    QTest::addColumn<Values>("values");
    QTest::newRow("c1 OK") << SeriesMetric::CallsByStatus << 0 << Values{100, 0, 0, 0, 0};
    QTest::newRow("c2 200") << SeriesMetric::CallsByStatus << 1 << Values{0, 100, 0, 0, 0};
    QTest::newRow("c1 UNAVAILABLE") << SeriesMetric::CallsByStatus << 2 << Values{0, 0, 100, 0, 0};
    QTest::newRow("c1 Get p50") << SeriesMetric::CallLatencyP50 << 0 << Values{4, kNone, kNone, kNone, kNone};
    QTest::newRow("c1 Put p99") << SeriesMetric::CallLatencyP99 << 1
                                << Values{kNone, kNone, 20, kNone, kNone};
    QTest::newRow("c2 GET p50") << SeriesMetric::CallLatencyP50 << 2
                                << Values{kNone, 10, kNone, kNone, kNone};
}

void TestCallSeries::keyedFigures()
{
    QFETCH(SeriesMetric, metric);
    QFETCH(int, key);
    QFETCH(Values, values);
    TimeSeriesSink sink(callTopology());
    feedScript(sink);
    const auto d = sink.snapshot();
    const auto *v = d->keyedValues(metric);
    QVERIFY(v);
    QVERIFY(std::size_t(key) < v->size());
    compareValues((*v)[std::size_t(key)], values);
}

void TestCallSeries::callsWithoutAnnouncedMethod()
{
    // A Call whose request was not the message announced last has no method: its status still
    // counts, its latency goes in no method's series.
    TimeSeriesSink sink(callTopology());
    Message other;
    other.id = 77;
    other.routingKey = "not.a/Call";
    sink.onMessage(other);
    sink.onEvent(traceEvent(TraceKind::Call, 0, 1 * kMs, 5));
    sink.onEvent(traceEvent(TraceKind::Complete, 0, 3 * kMs, 5, 2 * kMs, Grpc::DeadlineExceeded));
    QVERIFY(sink.methodKeys().empty());
    QCOMPARE(sink.statusKeys().size(), std::size_t(1));
    QCOMPARE(sink.statusKeys()[0].label, std::string("DEADLINE_EXCEEDED"));
    QCOMPARE(sink.statusBuckets(0)[0], 1u);
    QCOMPARE(sink.callsTracked(), std::size_t(0));
}

void TestCallSeries::keysAreBounded()
{
    TimeSeriesSink sink(callTopology());
    const std::size_t n = TimeSeriesSink::kMaxKeys + 50;
    for (std::size_t i = 1; i <= n; ++i) {
        startCall(sink, 0, SimTime(i) * kMs, i, "svc.S/M" + std::to_string(i));
        sink.onEvent(
            traceEvent(TraceKind::Complete, 0, SimTime(i) * kMs, i, kMs, std::uint16_t(200 + i % 400)));
    }
    QCOMPARE(sink.methodKeys().size(), TimeSeriesSink::kMaxKeys + 1);
    QCOMPARE(sink.statusKeys().size(), TimeSeriesSink::kMaxKeys + 1);
    QCOMPARE(sink.methodKeys().back().label, std::string(TimeSeriesSink::kOtherKey));
    QCOMPARE(sink.methodKeys().back().node, kNoIndex);
    QCOMPARE(sink.statusKeys().back().label, std::string(TimeSeriesSink::kOtherKey));
    // The calls beyond the bound are all in the "other" key.
    std::uint64_t other = 0;
    for (const auto &l : sink.methodBuckets(TimeSeriesSink::kMaxKeys))
        other += l.count();
    QCOMPARE(other, std::uint64_t(n - TimeSeriesSink::kMaxKeys));
    QCOMPARE(sink.callsTracked(), std::size_t(0));
}

void TestCallSeries::crashForgetsCalls()
{
    TimeSeriesSink sink(callTopology());
    startCall(sink, 0, 1 * kMs, 1, "a/B");
    startCall(sink, 0, 2 * kMs, 2, "a/B");
    startCall(sink, 1, 2 * kMs, 3, "GET /x");
    sink.onEvent(traceEvent(TraceKind::Accept, 2, 3 * kMs, 1, 5));
    QCOMPARE(sink.callsTracked(), std::size_t(3));
    sink.onEvent(traceEvent(TraceKind::Crash, 0, 15 * kMs));
    sink.onEvent(traceEvent(TraceKind::Crash, 2, 15 * kMs));
    QCOMPARE(sink.callsTracked(), std::size_t(1)); // c2's call is still on
    const auto d = sink.snapshot();
    compareValues(d->nodeValues[0][int(SeriesMetric::CallsInFlight)], Values{2, 2});
    QCOMPARE(sink.buckets(0)[1].inFlightLast, 0u);
    QCOMPARE(sink.buckets(2)[1].serverQueueLast, 0u);
    QCOMPARE(sink.buckets(1)[1].inFlightLast, 1u);
}

void TestCallSeries::coarseningKeepsCallFigures()
{
    // Four buckets at most: the script's 50 ms merge into wider buckets; counts add up, levels
    // keep their peaks, the breaker its worst, latency its values.
    TimeSeriesSink sink(callTopology(), 10 * kMs, 4);
    feedScript(sink);
    QCOMPARE(sink.bucketWidth(), 20 * kMs);
    const auto d = sink.snapshot();
    compareValues(d->nodeValues[0][int(SeriesMetric::CallsInFlight)], Values{2, 1, 0});
    compareValues(d->nodeValues[0][int(SeriesMetric::BreakerState)], Values{1, 2, 0});
    compareValues(d->nodeValues[0][int(SeriesMetric::Retries)], Values{100, 0, 0});
    compareValues(d->callsByStatus[0], Values{50, 0, 0});
    compareValues(d->callsByStatus[2], Values{0, 50, 0});
    compareValues(d->callLatencyP50[1], Values{kNone, 20, kNone});
    std::uint32_t total = 0;
    for (std::size_t k = 0; k < sink.statusKeys().size(); ++k)
        for (auto c : sink.statusBuckets(k))
            total += c;
    QCOMPARE(total, 3u);
}

void TestCallSeries::deltasCarryKeysMetLater()
{
    // Deltas taken as the run goes, applied in order, end with what a snapshot holds, keys met
    // late included (their earlier rows filled too).
    TimeSeriesSink sink(callTopology());
    std::vector<std::vector<double>> status;
    std::vector<SeriesKey> keys;
    const auto apply = [&](const TimeSeriesDelta &d) {
        keys = d.statusKeys;
        status.resize(d.callsByStatus.size());
        for (std::size_t k = 0; k < d.callsByStatus.size(); ++k) {
            auto &v = status[k];
            if (d.replaceAll) v.clear();
            // A key met after the delta's first bucket had no calls before: 0 calls/s there.
            v.resize(d.firstBucket, 0.0);
            v.insert(v.end(), d.callsByStatus[k].begin(), d.callsByStatus[k].end());
        }
    };
    for (std::uint64_t i = 1; i <= 40; ++i) {
        const SimTime at = SimTime(i) * 7 * kMs;
        startCall(sink, 0, at, i, "a/B");
        sink.onEvent(
            traceEvent(TraceKind::Complete, 0, at + kMs, i, kMs, i < 30 ? Grpc::Ok : Grpc::Unavailable));
        if (i % 3 == 0) {
            sink.publish();
            if (auto d = sink.take()) apply(*d);
        }
    }
    sink.publish();
    if (auto d = sink.take()) apply(*d);
    const auto all = sink.snapshot();
    QVERIFY(keys == all->statusKeys);
    QCOMPARE(keys.size(), std::size_t(2));
    QCOMPARE(status.size(), all->callsByStatus.size());
    for (std::size_t k = 0; k < status.size(); ++k)
        QVERIFY2(status[k] == all->callsByStatus[k], qPrintable(QStringLiteral("key %1").arg(k)));
}

void TestCallSeries::exampleRunMatchesItsTrace()
{
    auto loaded = loadTopologyFile(std::string(SIGNALBOX_EXAMPLES_DIR) + "/grpc-retries-idempotency.json");
    QVERIFY(loaded.ok());
    auto r = prepare(*loaded.topology);
    QVERIFY(r);
    TimeSeriesSink series(*loaded.topology);
    r->sim->addSink(&series);
    RunOptions o;
    o.until = 60 * kSecond;
    r->sim->run(o);
    series.publish();
    QVERIFY(r->trace.count(TraceKind::Complete) > 0);
    QVERIFY(r->trace.count(TraceKind::Retry) > 0);

    const double width = toSeconds(series.bucketWidth());
    const auto d = series.snapshot();
    for (const NodeDef &n : loaded.topology->nodes) {
        const NodeIndex i = r->index(n.id);
        // Completed calls by status add up to the client's Complete events, status by status.
        std::map<std::string, std::size_t> expected;
        for (const auto &e : r->trace.events)
            if (e.kind == TraceKind::Complete && e.node == i) ++expected[statusName(e.status)];
        std::map<std::string, std::size_t> charted;
        for (std::size_t k = 0; k < d->statusKeys.size(); ++k) {
            if (d->statusKeys[k].node != i) continue;
            double sum = 0;
            for (double v : d->callsByStatus[k])
                sum += v * width;
            charted[d->statusKeys[k].label] = std::size_t(std::llround(sum));
        }
        QCOMPARE(charted, expected);
        // Retries and hedges per second add up to the client's Retry and Hedge events.
        double retries = 0;
        for (double v : d->nodeValues[i][int(SeriesMetric::Retries)])
            retries += v * width;
        QCOMPARE(std::size_t(std::llround(retries)),
                 r->trace.countAt(TraceKind::Retry, i) + r->trace.countAt(TraceKind::Hedge, i));
        // Every call ended: nothing in flight at the end.
        QCOMPARE(series.buckets(i).back().inFlightLast, 0u);
    }
    // The clients' one method, under each client.
    QCOMPARE(d->methodKeys.size(), std::size_t(2));
    for (const auto &k : d->methodKeys)
        QCOMPARE(k.label, std::string("orders.Orders/Create"));
    QCOMPARE(series.callsTracked(), std::size_t(0));
    // The servers' queues were charted (they took calls).
    bool queued = false;
    for (const auto &b : series.buckets(r->index("orders")))
        queued = queued || b.serverQueueMax > 0;
    QVERIFY(queued);
}

QTEST_MAIN(TestCallSeries)
#include "tst_callseries.moc"
