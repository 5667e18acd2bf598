// Consumer semantics: ack modes and what each guarantees, failures, idempotency, concurrency.
#include "enginetest.h"

using namespace sb;
using namespace sbtest;

class TestConsumer : public QObject {
    Q_OBJECT
private slots:
    void ackModes_data();
    void ackModes();
    void idempotentSkipsDuplicates();
    void failureUnderAutoAckLosesMessage();
    void concurrencyOverlapsWork_data();
    void concurrencyOverlapsWork();
    void processingTimeFollowsDistribution();
    void resubscribesAfterPartition();
};

void TestConsumer::ackModes_data()
{
    QTest::addColumn<QString>("ackMode");
    QTest::addColumn<bool>("queueTracksUnacked");
    QTest::addColumn<int>("acks");
    QTest::newRow("auto: forgotten on delivery") << "auto" << false << 0;
    QTest::newRow("manual: acked after processing") << "manual" << true << 5;
    QTest::newRow("idempotent: acked after processing") << "idempotent" << true << 5;
}

void TestConsumer::ackModes()
{
    QFETCH(QString, ackMode);
    QFETCH(bool, queueTracksUnacked);
    QFETCH(int, acks);
    TopologyBuilder b;
    b.node("p", "producer", {{"script", script(5)}})
        .node("q", "queue")
        .node("c", "consumer", {{"ackMode", ackMode.toStdString()}, {"processing", "20ms"}});
    b.link("p", "q").link("q", "c");
    auto r = prepare(b.topology());
    QVERIFY(r);
    RunOptions o;
    o.until = 10 * kMillisecond; // all delivered, none processed yet
    r->sim->run(o);
    QCOMPARE(r->sim->nodeStatus(r->index("q")).unacked, std::uint64_t(queueTracksUnacked ? 5 : 0));
    r->sim->run(RunOptions{});
    QCOMPARE(r->node("c").processed, std::uint64_t(5));
    QCOMPARE(r->node("q").acked, std::uint64_t(acks));
    QCOMPARE(r->sim->nodeStatus(r->index("q")).unacked, std::uint64_t(0));
    for (const auto &e : r->trace.events)
        if (e.kind == TraceKind::Deliver) QCOMPARE(bool(e.flags & TraceFlag::NoAck), ackMode == "auto");
}

void TestConsumer::idempotentSkipsDuplicates()
{
    // A link that duplicates every frame delivers each message twice: a manual consumer processes
    // duplicates, an idempotent one skips them.
    for (const char *mode : {"manual", "idempotent"}) {
        TopologyBuilder b;
        b.node("p", "producer", {{"script", script(10, 1)}})
            .node("q", "queue")
            .node("c", "consumer", {{"ackMode", mode}, {"processing", "1ms"}});
        b.link("p", "q", {{"duplicate", 1.0}}).link("q", "c");
        auto r = run(b.topology());
        QVERIFY(r);
        const auto report = r->report();
        QCOMPARE(r->node("q").enqueued, std::uint64_t(20));
        QCOMPARE(report.processed, std::uint64_t(10));
        if (QByteArray(mode) == "manual") {
            QCOMPARE(report.duplicates, std::uint64_t(10));
            QCOMPARE(r->node("c").deduplicated, std::uint64_t(0));
        } else {
            QCOMPARE(report.duplicates, std::uint64_t(0));
            QCOMPARE(r->node("c").deduplicated, std::uint64_t(10));
            QCOMPARE(r->node("q").acked, std::uint64_t(20)); // skipped duplicates are still acked
        }
    }
}

void TestConsumer::failureUnderAutoAckLosesMessage()
{
    TopologyBuilder b;
    b.node("p", "producer", {{"script", script(4)}})
        .node("q", "queue")
        .node("c", "consumer", {{"ackMode", "auto"}, {"failureProbability", 1.0}});
    b.link("p", "q").link("q", "c");
    auto r = run(b.topology());
    QVERIFY(r);
    QCOMPARE(r->trace.count(TraceKind::Drop, DropReason::ProcessingFailed), std::size_t(4));
    QCOMPARE(r->node("c").failed, std::uint64_t(4));
    QCOMPARE(r->report().lost, std::uint64_t(4));
    QCOMPARE(r->node("q").redelivered, std::uint64_t(0));
}

void TestConsumer::concurrencyOverlapsWork_data()
{
    QTest::addColumn<int>("concurrency");
    QTest::addColumn<qint64>("finishMs");
    // 8 messages of 100 ms each, all available at once (prefetch 8).
    QTest::newRow("1") << 1 << qint64(802);
    QTest::newRow("2") << 2 << qint64(402);
    QTest::newRow("4") << 4 << qint64(202);
    QTest::newRow("8") << 8 << qint64(102);
}

void TestConsumer::concurrencyOverlapsWork()
{
    QFETCH(int, concurrency);
    QFETCH(qint64, finishMs);
    TopologyBuilder b;
    b.node("p", "producer", {{"script", script(8)}})
        .node("q", "queue")
        .node("c", "consumer", {{"processing", "100ms"}, {"concurrency", concurrency}, {"prefetch", 8}});
    b.link("p", "q", {{"latency", "1ms"}}).link("q", "c", {{"latency", "1ms"}});
    auto r = run(b.topology());
    QVERIFY(r);
    SimTime last = 0;
    for (const auto &e : r->trace.events)
        if (e.kind == TraceKind::Process) last = std::max(last, e.time);
    QCOMPARE(last, finishMs * kMillisecond);
}

void TestConsumer::processingTimeFollowsDistribution()
{
    TopologyBuilder b;
    b.node("p", "producer", {{"script", script(2000)}})
        .node("q", "queue")
        .node("c", "consumer", {{"processing", "exp(10ms)"}, {"prefetch", 1}});
    b.link("p", "q", {{"latency", "0"}}).link("q", "c", {{"latency", "0"}});
    auto r = run(b.topology());
    QVERIFY(r);
    SimTime last = 0;
    for (const auto &e : r->trace.events)
        if (e.kind == TraceKind::Process) last = std::max(last, e.time);
    // 2000 exponential services with mean 10 ms back to back: about 20 s (within 10%).
    QVERIFY2(last > 18 * kSecond && last < 22 * kSecond, qPrintable(QString::number(toSeconds(last))));
}

void TestConsumer::resubscribesAfterPartition()
{
    TopologyBuilder b;
    b.node("p", "producer", {{"script", script(10, 100)}})
        .node("q", "queue")
        .node("c", "consumer", {{"processing", "1ms"}});
    b.link("p", "q").link("q", "c");
    auto r = prepare(b.topology());
    QVERIFY(r);
    RunOptions o;
    o.until = 250 * kMillisecond;
    r->sim->run(o);
    const LinkIndex link = static_cast<LinkIndex>(*r->sim->topology().linkIndex("q-c"));
    r->sim->setLinkUp(link, false);
    o.until = 650 * kMillisecond;
    r->sim->run(o);
    const auto processedDuringPartition = r->node("c").processed;
    QCOMPARE(processedDuringPartition, std::uint64_t(3));
    QCOMPARE(r->sim->nodeStatus(r->index("q")).ready, std::uint64_t(4));
    r->sim->setLinkUp(link, true);
    r->sim->run(RunOptions{});
    QCOMPARE(r->node("c").processed, std::uint64_t(10));
    QCOMPARE(r->report().pending, std::uint64_t(0));
}

QTEST_APPLESS_MAIN(TestConsumer)
#include "tst_consumer.moc"
