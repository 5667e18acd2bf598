// Metrics: bounded time buckets, latency histograms per consumer, CSV output; and the delivery
// checker's accounting of each outcome.
#include "enginetest.h"

#include <QTemporaryDir>
#include <fstream>

using namespace sb;
using namespace sbtest;

class TestMetrics : public QObject {
    Q_OBJECT
private slots:
    void bucketsStayBounded();
    void throughputPerBucket();
    void latencyPerConsumer();
    void linkInFlight();
    void csvHasOneRowPerBucketAndTarget();
    void checkerOutcomes_data();
    void checkerOutcomes();
};

void TestMetrics::bucketsStayBounded()
{
    Metrics m(1, 0, 10 * kMillisecond, 64);
    TraceEvent e;
    e.node = 0;
    e.kind = TraceKind::Publish;
    for (int i = 0; i < 100000; ++i) {
        e.time = SimTime(i) * kMillisecond;
        m.onEvent(e);
    }
    QVERIFY(m.bucketCount() <= 64);
    QVERIFY(m.bucketWidth() >= 100 * kSecond / 64);
    std::uint64_t total = 0;
    for (const auto &b : m.buckets(0))
        total += b.throughput;
    QCOMPARE(total, std::uint64_t(100000)); // merging loses no count
}

void TestMetrics::throughputPerBucket()
{
    auto r = [] {
        TopologyBuilder b;
        b.node("p", "producer", {{"rate", 100}, {"duration", 2000}}).node("q", "queue");
        b.link("p", "q");
        return run(b.topology());
    }();
    QVERIFY(r);
    const auto &buckets = r->metrics->buckets(r->index("p"));
    QCOMPARE(r->metrics->bucketWidth(), 100 * kMillisecond);
    for (std::size_t i = 0; i < 20; ++i)
        QCOMPARE(buckets[i].throughput, 10u);
    // Queue depth grows by 10 per 100 ms with no consumer.
    const auto &q = r->metrics->buckets(r->index("q"));
    QCOMPARE(q[5].depthMax, 60u);
}

void TestMetrics::latencyPerConsumer()
{
    TopologyBuilder b;
    b.node("p", "producer", {{"script", script(100, 100)}})
        .node("q", "queue")
        .node("fast", "consumer", {{"processing", "2ms"}, {"prefetch", 1}})
        .node("slow", "consumer", {{"processing", "20ms"}, {"prefetch", 1}});
    b.link("p", "q", {{"latency", "1ms"}})
        .link("q", "fast", {{"latency", "1ms"}})
        .link("q", "slow", {{"latency", "1ms"}});
    b.node("q2", "queue"); // unused queue: no histogram
    auto r = run(b.topology());
    QVERIFY(r);
    const auto *fast = r->metrics->latency(r->index("fast"));
    const auto *slow = r->metrics->latency(r->index("slow"));
    QVERIFY(fast && slow);
    QVERIFY(!r->metrics->latency(r->index("q2")));
    // Messages arrive every 100 ms and alternate: latency = 1 + 1 + processing.
    QCOMPARE(fast->max(), 4 * kMillisecond);
    QCOMPARE(slow->max(), 22 * kMillisecond);
    QCOMPARE(r->metrics->latency().count(), std::uint64_t(100));
}

void TestMetrics::linkInFlight()
{
    // 10 messages per 100 ms bucket over a link with 250 ms latency: at the end of each bucket,
    // the messages of the last 250 ms are still in flight.
    TopologyBuilder b;
    b.node("p", "producer", {{"rate", 100}, {"duration", 1000}}).node("q", "queue");
    b.link("p", "q", {{"latency", "250ms"}});
    auto r = run(b.topology());
    QVERIFY(r);
    const auto inFlight = r->metrics->linkInFlight(0);
    QCOMPARE(inFlight[0], std::int64_t(10));
    QCOMPARE(inFlight[1], std::int64_t(20));
    QCOMPARE(inFlight[5], std::int64_t(25)); // sent at 350..590 ms, arriving in bucket 6 or later
    QCOMPARE(inFlight.back(), std::int64_t(0));
}

void TestMetrics::csvHasOneRowPerBucketAndTarget()
{
    TopologyBuilder b;
    b.node("p", "producer", {{"rate", 10}, {"duration", 1000}}).node("q", "queue");
    b.link("p", "q");
    auto r = run(b.topology());
    QVERIFY(r);
    QTemporaryDir dir;
    const std::string path = dir.filePath("m.csv").toStdString();
    std::string error;
    QVERIFY(r->metrics->writeCsv(path, r->sim->nodeIds(), r->sim->linkIds(), error));
    std::ifstream in(path);
    std::string line;
    int rows = 0;
    std::getline(in, line);
    QVERIFY(line.rfind("time_ms,target,id,throughput_per_s", 0) == 0);
    while (std::getline(in, line))
        ++rows;
    QCOMPARE(rows, int(r->metrics->bucketCount() * 3)); // 2 nodes + 1 link per bucket
    QVERIFY(!r->metrics->writeCsv("/nonexistent-dir/m.csv", {}, {}, error));
    QVERIFY(error.find("/nonexistent-dir/m.csv") != std::string::npos);
}

void TestMetrics::checkerOutcomes_data()
{
    // Hand-written traces through the checker: each row one message's story.
    QTest::addColumn<QString>("story");
    QTest::addColumn<QString>("outcome");
    QTest::newRow("processed") << "publish enqueue deliver process"
                               << "processed";
    QTest::newRow("processed twice") << "publish enqueue deliver process timeout deliver process"
                                     << "duplicate";
    QTest::newRow("lost publish") << "publish lostPublish"
                                  << "lost";
    QTest::newRow("lost confirmed publish is retried") << "publish lostConfirmedPublish"
                                                       << "pending";
    QTest::newRow("lost auto-ack delivery") << "publish enqueue deliver lostNoAckDelivery"
                                            << "lost";
    QTest::newRow("lost manual delivery stays unacked") << "publish enqueue deliver lostDelivery"
                                                        << "pending";
    QTest::newRow("expired") << "publish enqueue expire dropExpired"
                             << "dropped";
    QTest::newRow("dead-lettered") << "publish enqueue deadLetter"
                                   << "dead-lettered";
    QTest::newRow("unroutable") << "publish dropUnroutable"
                                << "dropped";
    QTest::newRow("queue crashed") << "publish enqueue dropCrash"
                                   << "lost";
}

void TestMetrics::checkerOutcomes()
{
    QFETCH(QString, story);
    QFETCH(QString, outcome);
    // Nodes: 0 producer, 1 queue, 2 consumer.
    DeliveryChecker checker({false, true, false});
    auto ev = [](TraceKind k, NodeIndex node, NodeIndex peer = kNoIndex) {
        TraceEvent e;
        e.kind = k;
        e.node = node;
        e.peer = peer;
        e.messageId = 1;
        return e;
    };
    for (const QString &step : story.split(' ')) {
        TraceEvent e;
        if (step == "publish")
            e = ev(TraceKind::Publish, 0);
        else if (step == "enqueue")
            e = ev(TraceKind::Enqueue, 1);
        else if (step == "deliver")
            e = ev(TraceKind::Deliver, 1, 2);
        else if (step == "process")
            e = ev(TraceKind::Process, 2, 1);
        else if (step == "timeout")
            e = ev(TraceKind::Timeout, 1, 2);
        else if (step == "expire")
            e = ev(TraceKind::Expire, 1);
        else if (step == "deadLetter")
            e = ev(TraceKind::DeadLetter, 1);
        else if (step.startsWith("lost")) {
            const bool publish = step.contains("Publish");
            e = ev(TraceKind::Drop, publish ? 0 : 1, publish ? 1 : 2);
            e.link = 0;
            e.reason = DropReason::Loss;
            e.frame = publish ? FrameType::Publish : FrameType::Deliver;
            if (step == "lostConfirmedPublish") e.flags = TraceFlag::Confirmed;
            if (step == "lostNoAckDelivery") e.flags = TraceFlag::NoAck;
        } else if (step.startsWith("drop")) {
            const bool unroutable = step == "dropUnroutable";
            e = ev(TraceKind::Drop, unroutable ? 0 : 1);
            e.reason = unroutable            ? DropReason::Unroutable
                       : step == "dropCrash" ? DropReason::Crash
                                             : DropReason::Expired;
        } else {
            QFAIL(qPrintable("unknown step " + step));
        }
        checker.onEvent(e);
    }
    const auto r = checker.report();
    QCOMPARE(r.published, std::uint64_t(1));
    QString got;
    if (r.duplicates)
        got = "duplicate";
    else if (r.processed)
        got = "processed";
    else if (r.lost)
        got = "lost";
    else if (r.deadLettered)
        got = "dead-lettered";
    else if (r.droppedTotal())
        got = "dropped";
    else if (r.pending)
        got = "pending";
    QCOMPARE(got, outcome);
    QCOMPARE(r.lost + r.processed + r.deadLettered + r.droppedTotal() + r.pending, std::uint64_t(1));
}

QTEST_GUILESS_MAIN(TestMetrics)
#include "tst_metrics.moc"
