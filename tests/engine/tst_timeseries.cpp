// TimeSeriesSink: the figures live charts show, checked against Metrics on the same run; bounded
// buckets; deltas that rebuild the whole series; consumer lag; take() from another thread.
#include "enginetest.h"
#include "timeseries.h"

#include <atomic>
#include <cmath>
#include <random>
#include <thread>

using namespace sb;
using namespace sbtest;

namespace {

// A topology with every figure the charts show: bursts that overflow a queue, failures that
// redeliver and dead-letter, a lossy link.
Topology busyTopology()
{
    auto loaded = loadTopologyFile(std::string(SIGNALBOX_EXAMPLES_DIR) + "/dead-letter.json");
    Q_ASSERT(loaded.ok());
    Topology t = *loaded.topology;
    for (auto &l : t.links)
        if (l.id == "deliver") l.properties = Json{{"latency", "2ms"}, {"loss", 0.05}};
    for (auto &n : t.nodes)
        if (n.id == "parking") n.properties = Json{{"maxLength", 20}, {"overflow", "reject-publish"}};
    return t;
}

// Applies a delta to series kept as one dense vector per node and metric (NaN where none).
struct Rebuilt {
    SimTime width = 0;
    std::vector<std::array<std::vector<double>, kSeriesMetricCount>> nodes;
    std::vector<std::vector<double>> links, losses;
    void apply(const TimeSeriesDelta &d)
    {
        width = d.bucketWidth;
        nodes.resize(d.nodeValues.size());
        links.resize(d.linkFrames.size());
        losses.resize(d.linkLosses.size());
        for (std::size_t n = 0; n < d.nodeValues.size(); ++n)
            for (int m = 0; m < kSeriesMetricCount; ++m) {
                auto &v = nodes[n][m];
                if (d.replaceAll) v.clear();
                v.resize(std::min(v.size(), d.firstBucket));
                v.insert(v.end(), d.nodeValues[n][m].begin(), d.nodeValues[n][m].end());
            }
        for (std::size_t l = 0; l < d.linkFrames.size(); ++l) {
            auto &v = links[l];
            if (d.replaceAll) v.clear();
            v.resize(std::min(v.size(), d.firstBucket));
            v.insert(v.end(), d.linkFrames[l].begin(), d.linkFrames[l].end());
        }
        for (std::size_t l = 0; l < d.linkLosses.size(); ++l) {
            auto &v = losses[l];
            if (d.replaceAll) v.clear();
            v.resize(std::min(v.size(), d.firstBucket));
            v.insert(v.end(), d.linkLosses[l].begin(), d.linkLosses[l].end());
        }
    }
};

// Per node and bucket, the message frames (publish, deliver) the network lost on their way from
// the node; per link and bucket, every frame the link lost. Counted straight from the trace.
class LossCounter final : public TraceSink {
public:
    LossCounter(std::size_t nodes, std::size_t links, SimTime width)
        : nodeLosses(nodes), linkLosses(links), m_width(width)
    {
    }
    void onEvent(const TraceEvent &e) override
    {
        if (e.kind != TraceKind::Drop || e.link == kNoIndex) return;
        const auto b = static_cast<std::size_t>(e.time / m_width);
        auto bump = [b](std::vector<std::uint32_t> &v) {
            if (v.size() <= b) v.resize(b + 1, 0);
            ++v[b];
        };
        bump(linkLosses[e.link]);
        if (e.frame == FrameType::Publish || e.frame == FrameType::Deliver) bump(nodeLosses[e.node]);
    }
    static std::uint32_t at(const std::vector<std::uint32_t> &v, std::size_t b)
    {
        return b < v.size() ? v[b] : 0;
    }
    std::vector<std::vector<std::uint32_t>> nodeLosses, linkLosses;

private:
    SimTime m_width;
};

bool sameValue(double a, double b)
{
    return (std::isnan(a) && std::isnan(b)) || a == b;
}

} // namespace

class TestTimeSeries : public QObject {
    Q_OBJECT
private slots:
    void sparseLatencyMatchesHistogram_data();
    void sparseLatencyMatchesHistogram();
    void figuresMatchMetrics();
    void bucketsStayBounded();
    void widthsGrowOneTwoTen_data();
    void widthsGrowOneTwoTen();
    void deltasRebuildTheSeries();
    void consumerLagIsReadyPlusUnacked();
    void lostFramesAreCharted_data();
    void lostFramesAreCharted();
    void takeWhileTheEngineRuns();
};

void TestTimeSeries::sparseLatencyMatchesHistogram_data()
{
    QTest::addColumn<int>("count");
    QTest::addColumn<double>("scale");
    QTest::newRow("one") << 1 << 1e6;
    QTest::newRow("exact range") << 100 << 100.0;
    QTest::newRow("milliseconds") << 5000 << 5e6;
    QTest::newRow("seconds") << 2000 << 3e9;
}

void TestTimeSeries::sparseLatencyMatchesHistogram()
{
    QFETCH(int, count);
    QFETCH(double, scale);
    std::mt19937_64 rng(42);
    std::exponential_distribution<double> dist(1.0);
    LatencyHistogram full;
    SparseLatency a, b;
    for (int i = 0; i < count; ++i) {
        const auto v = static_cast<std::int64_t>(dist(rng) * scale);
        full.record(v);
        (i % 3 ? a : b).record(v);
    }
    a.merge(b);
    QCOMPARE(a.count(), full.count());
    for (double q : {0.0, 0.5, 0.9, 0.99, 0.999, 1.0})
        QCOMPARE(a.quantile(q), full.quantile(q));
    QCOMPARE(a.max(), full.max());
}

void TestTimeSeries::figuresMatchMetrics()
{
    const Topology t = busyTopology();
    const SimTime width = 10 * kMillisecond;
    auto r = prepare(t);
    QVERIFY(r);
    Metrics metrics(r->sim->nodeCount(), r->sim->linkCount(), width, 1 << 20);
    TimeSeriesSink series(t, width, 1 << 20);
    LossCounter losses(r->sim->nodeCount(), r->sim->linkCount(), width);
    const Simulation *sim = r->sim.get();
    series.setStatusSource([sim](NodeIndex n) { return sim->nodeStatus(n); });
    r->sim->addSink(&metrics);
    r->sim->addSink(&series);
    r->sim->addSink(&losses);
    RunOptions o;
    o.until = 30 * kSecond;
    r->sim->run(o);
    QCOMPARE(series.bucketWidth(), width);
    QVERIFY(series.bucketCount() > 100);
    QVERIFY(series.bucketCount() <= metrics.bucketCount());

    std::uint64_t redeliveries = 0, drops = 0;
    for (NodeIndex n = 0; n < r->sim->nodeCount(); ++n) {
        const auto &mine = series.buckets(n);
        const auto &theirs = metrics.buckets(n);
        std::uint32_t depthMax = 0;
        SparseLatency latency;
        std::uint64_t dl = 0;
        for (std::size_t b = 0; b < series.bucketCount(); ++b) {
            QCOMPARE(mine[b].throughput, theirs[b].throughput);
            // Metrics keeps network losses on the links; the chart adds the lost messages to the sender.
            QCOMPARE(mine[b].drops, theirs[b].drops + LossCounter::at(losses.nodeLosses[n], b));
            QCOMPARE(mine[b].redeliveries, theirs[b].redeliveries);
            QCOMPARE(mine[b].latency.count(), std::uint64_t(theirs[b].latencyCount));
            QCOMPARE(mine[b].latency.max(), theirs[b].latencyMax);
            // Metrics sees the depth only where it rises; the series also carries it over.
            QVERIFY(mine[b].depthMax >= theirs[b].depthMax);
            QVERIFY(mine[b].lagMax >= mine[b].depthLast);
            depthMax = std::max(depthMax, mine[b].depthMax);
            latency.merge(mine[b].latency);
            dl += mine[b].deadLetters;
            redeliveries += mine[b].redeliveries;
            drops += mine[b].drops;
        }
        for (std::size_t b = series.bucketCount(); b < metrics.bucketCount(); ++b)
            QCOMPARE(theirs[b].throughput, 0u);
        QCOMPARE(std::uint64_t(depthMax), metrics.node(n).maxDepth);
        QCOMPARE(dl, metrics.node(n).deadLettered);
        if (const auto *h = metrics.latency(n)) {
            QCOMPARE(latency.quantile(0.5), h->quantile(0.5));
            QCOMPARE(latency.quantile(0.99), h->quantile(0.99));
            QCOMPARE(latency.max(), h->max());
        }
    }
    std::uint64_t linkLosses = 0;
    for (LinkIndex l = 0; l < r->sim->linkCount(); ++l) {
        std::uint64_t lost = 0;
        for (std::size_t b = 0; b < series.bucketCount(); ++b) {
            QCOMPARE(series.linkBuckets(l)[b], metrics.linkBuckets(l)[b]);
            QCOMPARE(series.linkLossBuckets(l)[b], LossCounter::at(losses.linkLosses[l], b));
            lost += series.linkLossBuckets(l)[b];
        }
        QCOMPARE(lost, metrics.link(l).lost + metrics.link(l).partitioned);
        linkLosses += lost;
    }
    QVERIFY(linkLosses > 0);
    // The run exercises every figure.
    QVERIFY(redeliveries > 0);
    QVERIFY(drops > 0);
    QVERIFY(metrics.node(r->index("orders")).deadLettered > 0);

    // A delta carries rates per second and latency in ms.
    auto snap = series.snapshot();
    const auto worker = r->index("worker");
    const double perSecond = 1e9 / double(width);
    for (std::size_t b = 0; b < series.bucketCount(); ++b) {
        const auto &bucket = series.buckets(worker)[b];
        QCOMPARE(snap->nodeValues[worker][int(SeriesMetric::Throughput)][b], bucket.throughput * perSecond);
        const double p99 = snap->nodeValues[worker][int(SeriesMetric::LatencyP99)][b];
        if (bucket.latency.count())
            QCOMPARE(p99, toMilliseconds(bucket.latency.quantile(0.99)));
        else
            QVERIFY(std::isnan(p99));
        // Queue figures exist for queues only: a consumer's are not even sent.
        QVERIFY(snap->nodeValues[worker][int(SeriesMetric::QueueDepth)].empty());
    }
}

void TestTimeSeries::bucketsStayBounded()
{
    TopologyBuilder builder;
    builder.node("p", "producer");
    TimeSeriesSink s(builder.topology(), 10 * kMillisecond, 64);
    TraceEvent e;
    e.node = 0;
    e.kind = TraceKind::Publish;
    for (int i = 0; i < 100000; ++i) {
        e.time = SimTime(i) * kMillisecond;
        s.onEvent(e);
    }
    s.flush();
    QVERIFY(s.bucketCount() <= 64);
    QVERIFY(s.bucketWidth() >= 100 * kSecond / 64);
    std::uint64_t total = 0;
    for (const auto &b : s.buckets(0))
        total += b.throughput;
    QCOMPARE(total, std::uint64_t(100000)); // merging loses no count
    auto d = s.take();
    QVERIFY(d);
    QVERIFY(d->replaceAll); // the width changed since the start
    QCOMPARE(d->bucketWidth, s.bucketWidth());
    QCOMPARE(d->rows, s.bucketCount());
    QVERIFY(!s.take()); // nothing new
}

void TestTimeSeries::widthsGrowOneTwoTen_data()
{
    QTest::addColumn<qint64>("width");
    QTest::addColumn<qint64>("next");
    QTest::newRow("10 ms") << qint64(10 * kMillisecond) << qint64(20 * kMillisecond);
    QTest::newRow("20 ms") << qint64(20 * kMillisecond) << qint64(100 * kMillisecond);
    QTest::newRow("100 ms") << qint64(100 * kMillisecond) << qint64(200 * kMillisecond);
    QTest::newRow("200 ms") << qint64(200 * kMillisecond) << qint64(kSecond);
    QTest::newRow("10 s") << qint64(10 * kSecond) << qint64(20 * kSecond);
    QTest::newRow("20 s") << qint64(20 * kSecond) << qint64(100 * kSecond);
    QTest::newRow("1 ns") << qint64(1) << qint64(2);
    QTest::newRow("2 ns") << qint64(2) << qint64(10);
    QTest::newRow("not a round width") << qint64(3 * kMillisecond) << qint64(6 * kMillisecond);
}

// Merged buckets stay whole divisors of the charts' rate windows (an 80 ms bucket would divide
// none of 100 ms, 1 s, 10 s), and a merge keeps every count.
void TestTimeSeries::widthsGrowOneTwoTen()
{
    QFETCH(qint64, width);
    QFETCH(qint64, next);
    QCOMPARE(qint64(TimeSeriesSink::nextWidth(width)), next);

    TopologyBuilder builder;
    builder.node("p", "producer");
    TimeSeriesSink s(builder.topology(), width, 8);
    TraceEvent e;
    e.node = 0;
    e.kind = TraceKind::Publish;
    for (int i = 0; i < 9 * 3; ++i) { // 9 buckets of three events: one more than fits
        e.time = SimTime(i / 3) * width + (i % 3) * (width / 3);
        s.onEvent(e);
    }
    QCOMPARE(qint64(s.bucketWidth()), next);
    const auto factor = std::size_t(next / width);
    QCOMPARE(s.bucketCount(), (9 + factor - 1) / factor);
    std::uint64_t total = 0;
    for (const auto &b : s.buckets(0))
        total += b.throughput;
    QCOMPARE(total, std::uint64_t(27));
    QCOMPARE(s.buckets(0).front().throughput, std::uint32_t(3 * factor));
}

void TestTimeSeries::deltasRebuildTheSeries()
{
    const Topology t = busyTopology();
    auto r = prepare(t);
    QVERIFY(r);
    // Few buckets, so the width doubles several times during the run.
    TimeSeriesSink series(t, kMillisecond, 512);
    const Simulation *sim = r->sim.get();
    series.setStatusSource([sim](NodeIndex n) { return sim->nodeStatus(n); });
    r->sim->addSink(&series);
    Rebuilt rebuilt;
    int deltas = 0, replacements = 0;
    RunOptions o;
    o.until = 30 * kSecond;
    o.maxEvents = 100;
    while (r->sim->run(o) == StopReason::EventLimit) {
        // As EngineHost does: publish between events, take from the GUI side.
        r->sim->post([&series](Simulation &) { series.publish(); });
        if (auto d = series.take()) {
            rebuilt.apply(*d);
            ++deltas;
            replacements += d->replaceAll;
        }
    }
    if (auto d = series.take()) rebuilt.apply(*d);
    qInfo("%d deltas, %d with a new bucket width", deltas, replacements);
    QVERIFY(deltas > 10);
    QVERIFY(replacements >= 2);
    auto snap = series.snapshot();
    QCOMPARE(rebuilt.width, snap->bucketWidth);
    for (std::size_t n = 0; n < snap->nodeValues.size(); ++n)
        for (int m = 0; m < kSeriesMetricCount; ++m) {
            const auto &want = snap->nodeValues[n][m];
            const auto &got = rebuilt.nodes[n][m];
            QCOMPARE(got.size(), want.size());
            for (std::size_t i = 0; i < want.size(); ++i)
                if (!sameValue(got[i], want[i]))
                    QFAIL(qPrintable(QStringLiteral("node %1 %2 bucket %3: %4 != %5")
                                         .arg(n)
                                         .arg(seriesMetricName(SeriesMetric(m)))
                                         .arg(i)
                                         .arg(got[i])
                                         .arg(want[i])));
        }
    for (std::size_t l = 0; l < snap->linkFrames.size(); ++l) {
        QCOMPARE(rebuilt.links[l], snap->linkFrames[l]);
        QCOMPARE(rebuilt.losses[l], snap->linkLosses[l]);
    }
}

void TestTimeSeries::lostFramesAreCharted_data()
{
    QTest::addColumn<QString>("example");
    QTest::newRow("at most once") << QStringLiteral("lossy-at-most-once.json");
    QTest::newRow("at least once") << QStringLiteral("lossy-at-least-once.json");
}

// The lossy examples lose frames only in the network: the Drops chart once showed 0 there, and no
// chart showed the link losses.
void TestTimeSeries::lostFramesAreCharted()
{
    QFETCH(QString, example);
    auto loaded = loadTopologyFile(std::string(SIGNALBOX_EXAMPLES_DIR) + "/" + example.toStdString());
    QVERIFY(loaded.ok());
    const Topology t = *loaded.topology;
    auto r = prepare(t);
    QVERIFY(r);
    Metrics metrics(r->sim->nodeCount(), r->sim->linkCount(), 10 * kMillisecond, 1 << 20);
    TimeSeriesSink series(t);
    r->sim->addSink(&metrics);
    r->sim->addSink(&series);
    RunOptions o;
    o.until = 20 * kSecond;
    r->sim->run(o);
    series.flush();
    auto snap = series.snapshot();
    const double perBucket = toSeconds(series.bucketWidth());
    auto total = [&](const std::vector<double> &rates) {
        double sum = 0;
        for (double v : rates)
            if (!std::isnan(v)) sum += v * perBucket;
        return std::llround(sum);
    };
    long long lostOnLinks = 0, nodeDrops = 0, charted = 0;
    for (LinkIndex l = 0; l < r->sim->linkCount(); ++l) {
        const auto lost = metrics.link(l).lost + metrics.link(l).partitioned;
        QCOMPARE(total(snap->linkLosses[l]), (long long)lost);
        lostOnLinks += lost;
    }
    for (NodeIndex n = 0; n < r->sim->nodeCount(); ++n) {
        nodeDrops += metrics.node(n).totalDrops();
        charted += total(snap->nodeValues[n][int(SeriesMetric::Drops)]);
    }
    QVERIFY2(lostOnLinks > 50, qPrintable(QString::number(lostOnLinks)));
    // Every message frame lost counts as a drop at its sender; acks and confirms lost do not.
    QVERIFY(charted > nodeDrops);
    QVERIFY(charted <= nodeDrops + lostOnLinks);
}

void TestTimeSeries::consumerLagIsReadyPlusUnacked()
{
    // A slow consumer with a prefetch of 10: the queue holds 10 unacked beyond its ready depth.
    TopologyBuilder b;
    b.node("p", "producer", {{"rate", 200}, {"duration", 1000}})
        .node("q", "queue")
        .node("c", "consumer", {{"processing", "50ms"}, {"prefetch", 10}});
    b.link("p", "q").link("q", "c");
    auto r = prepare(b.topology());
    QVERIFY(r);
    TimeSeriesSink series(b.topology());
    TimeSeriesSink readyOnly(b.topology()); // no status source: lag is the ready depth
    const Simulation *sim = r->sim.get();
    series.setStatusSource([sim](NodeIndex n) { return sim->nodeStatus(n); });
    r->sim->addSink(&series);
    r->sim->addSink(&readyOnly);
    RunOptions o;
    o.until = 2 * kSecond; // stop while the backlog drains
    r->sim->run(o);
    series.flush();
    readyOnly.flush();
    const auto q = r->index("q");
    const NodeStatus status = r->sim->nodeStatus(q);
    QCOMPARE(status.unacked, std::uint64_t(10));
    QVERIFY(status.ready > 0);
    const auto &last = series.buckets(q).back();
    QCOMPARE(std::uint64_t(last.lagLast), status.ready + status.unacked);
    QCOMPARE(std::uint64_t(last.depthLast), status.ready);
    QCOMPARE(std::uint64_t(readyOnly.buckets(q).back().lagLast), status.ready);
    for (const auto &bucket : series.buckets(q))
        QVERIFY(bucket.lagMax >= bucket.depthMax);
}

void TestTimeSeries::takeWhileTheEngineRuns()
{
    const Topology t = busyTopology();
    auto r = prepare(t);
    QVERIFY(r);
    TimeSeriesSink series(t, kMillisecond, 1024);
    r->sim->addSink(&series);
    std::atomic<bool> done{false};
    Rebuilt rebuilt;
    std::thread gui([&] {
        while (!done.load()) {
            if (auto d = series.take()) rebuilt.apply(*d);
            std::this_thread::yield();
        }
    });
    std::thread engine([&] {
        RunOptions o;
        o.until = 30 * kSecond;
        r->sim->run(o);
        series.flush();
        done = true;
    });
    engine.join();
    gui.join();
    if (auto d = series.take()) rebuilt.apply(*d);
    auto snap = series.snapshot();
    QCOMPARE(rebuilt.links.size(), snap->linkFrames.size());
    for (std::size_t l = 0; l < snap->linkFrames.size(); ++l) {
        QCOMPARE(rebuilt.links[l], snap->linkFrames[l]);
        QCOMPARE(rebuilt.losses[l], snap->linkLosses[l]);
    }
}

QTEST_GUILESS_MAIN(TestTimeSeries)
#include "tst_timeseries.moc"
