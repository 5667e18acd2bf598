// Queue semantics: overflow policies, TTL, ack timeout and redelivery, delivery limit, dispatch,
// prefetch, pull batches, consumer loss and crash.
#include "enginetest.h"

#include <map>
#include <set>

using namespace sb;
using namespace sbtest;

class TestQueue : public QObject {
    Q_OBJECT
private slots:
    void overflow_data();
    void overflow();
    void ttlExpiresAtHead_data();
    void ttlExpiresAtHead();
    void ackTimeoutRedelivers();
    void deliveryLimit_data();
    void deliveryLimit();
    void dispatch_data();
    void dispatch();
    void prefetchBoundsUnacked_data();
    void prefetchBoundsUnacked();
    void pullTakesBatches();
    void lostConsumerReturnsUnacked();
    void crashLosesMessages();
    void deadLetterRoutingKey();
};

void TestQueue::overflow_data()
{
    QTest::addColumn<QString>("overflow");
    QTest::addColumn<bool>("withDlq");
    QTest::addColumn<bool>("confirmed");
    QTest::addColumn<int>("enqueued");
    QTest::addColumn<int>("dropped");
    QTest::addColumn<int>("deadLettered");
    QTest::addColumn<int>("publisherNacks");
    QTest::addColumn<QList<int>>("keptIds");
    // 10 messages into a queue of max length 4 with no consumer.
    QTest::newRow("drop-head") << "drop-head" << false << false << 10 << 6 << 0 << 0
                               << QList<int>{7, 8, 9, 10};
    QTest::newRow("drop-head dead-letters")
        << "drop-head" << true << false << 10 << 0 << 6 << 0 << QList<int>{7, 8, 9, 10};
    QTest::newRow("reject-publish") << "reject-publish" << false << false << 4 << 6 << 0 << 0
                                    << QList<int>{1, 2, 3, 4};
    QTest::newRow("reject-publish nacks")
        << "reject-publish" << false << true << 4 << 6 << 0 << 6 << QList<int>{1, 2, 3, 4};
    QTest::newRow("reject-publish-dlx")
        << "reject-publish-dlx" << true << false << 4 << 0 << 6 << 0 << QList<int>{1, 2, 3, 4};
}

void TestQueue::overflow()
{
    QFETCH(QString, overflow);
    QFETCH(bool, withDlq);
    QFETCH(bool, confirmed);
    QFETCH(int, enqueued);
    QFETCH(int, dropped);
    QFETCH(int, deadLettered);
    QFETCH(int, publisherNacks);
    QFETCH(QList<int>, keptIds);

    Json producer = {{"script", script(10, 1)}};
    if (confirmed) producer.update({{"sendMode", "confirmed"}, {"retries", 0}, {"maxInFlight", 100}});
    TopologyBuilder b;
    b.node("p", "producer", producer)
        .node("q", "queue", {{"maxLength", 4}, {"overflow", overflow.toStdString()}});
    b.link("p", "q");
    if (withDlq) b.node("dlq", "queue").link("q", "dlq", {}, "dead-letter");
    auto r = run(b.topology());
    QVERIFY(r);
    const auto &q = r->node("q");
    QCOMPARE(q.enqueued, std::uint64_t(enqueued));
    QCOMPARE(q.totalDrops(), std::uint64_t(dropped));
    QCOMPARE(q.deadLettered, std::uint64_t(deadLettered));
    QCOMPARE(r->sim->nodeStatus(r->index("q")).ready, std::uint64_t(4));
    QCOMPARE(r->trace.countAt(TraceKind::Nack, r->index("p")), std::size_t(publisherNacks));
    if (confirmed)
        QCOMPARE(r->trace.count(TraceKind::Drop, DropReason::RetriesExhausted), std::size_t(publisherNacks));
    if (withDlq) QCOMPARE(r->node("dlq").enqueued, std::uint64_t(deadLettered));
    for (const auto &e : r->trace.events)
        if (e.kind == TraceKind::DeadLetter) QCOMPARE(e.reason, DropReason::MaxLength);

    // Which messages are left: drop-head keeps the newest, reject-publish the oldest.
    std::set<int> enqueuedIds, removed;
    for (const auto &e : r->trace.events) {
        if (e.node != r->index("q")) continue;
        if (e.kind == TraceKind::Enqueue) enqueuedIds.insert(int(e.messageId));
        if (e.kind == TraceKind::Drop || e.kind == TraceKind::DeadLetter) removed.insert(int(e.messageId));
    }
    QList<int> kept;
    for (int id : enqueuedIds)
        if (!removed.count(id)) kept << id;
    QCOMPARE(kept, keptIds);
}

void TestQueue::ttlExpiresAtHead_data()
{
    QTest::addColumn<bool>("withDlq");
    QTest::newRow("dropped") << false;
    QTest::newRow("dead-lettered") << true;
}

void TestQueue::ttlExpiresAtHead()
{
    QFETCH(bool, withDlq);
    TopologyBuilder b;
    b.node("p", "producer", {{"script", script(3, 10)}}).node("q", "queue", {{"messageTtl", 100}});
    b.link("p", "q", {{"latency", "1ms"}});
    if (withDlq) b.node("dlq", "queue").link("q", "dlq", {}, "dead-letter");
    auto r = run(b.topology());
    QVERIFY(r);
    std::vector<SimTime> expiries;
    for (const auto &e : r->trace.events)
        if (e.kind == TraceKind::Expire) expiries.push_back(e.time);
    // Published at 0, 10, 20 ms, enqueued 1 ms later, expired 100 ms after that.
    QCOMPARE(expiries, (std::vector<SimTime>{101 * kMillisecond, 111 * kMillisecond, 121 * kMillisecond}));
    QCOMPARE(r->trace.count(withDlq ? TraceKind::DeadLetter : TraceKind::Drop, DropReason::Expired),
             std::size_t(3));
    QCOMPARE(r->sim->nodeStatus(r->index("q")).ready, std::uint64_t(0));
    const auto report = r->report();
    if (withDlq) {
        QCOMPARE(report.deadLettered, std::uint64_t(3));
        QCOMPARE(report.parked, std::uint64_t(3));
    } else {
        QCOMPARE(report.dropped[int(DropReason::Expired)], std::uint64_t(3));
    }
    QCOMPARE(report.lost, std::uint64_t(0));
}

void TestQueue::ackTimeoutRedelivers()
{
    // Processing (150 ms) outlasts the ack timeout (100 ms): the message is redelivered while the
    // first delivery is still being processed, and the late acks hit unknown delivery tags.
    TopologyBuilder b;
    b.node("p", "producer", {{"script", script(1)}})
        .node("q", "queue", {{"ackTimeout", 100}, {"deliveryLimit", 1}})
        .node("c", "consumer", {{"processing", "150ms"}, {"concurrency", 2}});
    b.link("p", "q").link("q", "c");
    auto r = run(b.topology());
    QVERIFY(r);
    QCOMPARE(r->trace.count(TraceKind::Timeout), std::size_t(2));
    QCOMPARE(r->trace.count(TraceKind::Redeliver), std::size_t(1));
    for (const auto &e : r->trace.events)
        if (e.kind == TraceKind::Redeliver) QCOMPARE(e.deliveryCount, 2u);
    QCOMPARE(r->trace.count(TraceKind::Ack, DropReason::UnknownTag), std::size_t(2));
    QCOMPARE(r->trace.count(TraceKind::Drop, DropReason::DeliveryLimit), std::size_t(1));
    QCOMPARE(r->trace.count(TraceKind::Process), std::size_t(2));
    const auto report = r->report();
    QCOMPARE(report.processed, std::uint64_t(1));
    QCOMPARE(report.duplicates, std::uint64_t(1));
}

void TestQueue::deliveryLimit_data()
{
    QTest::addColumn<int>("limit");
    QTest::addColumn<QString>("onFailure");
    QTest::addColumn<int>("deliveries");
    QTest::addColumn<int>("reason");
    // RabbitMQ quorum queues: dead-letter once a message was returned more than `limit` times.
    QTest::newRow("limit 1") << 1 << "requeue" << 2 << int(DropReason::DeliveryLimit);
    QTest::newRow("limit 2") << 2 << "requeue" << 3 << int(DropReason::DeliveryLimit);
    QTest::newRow("limit 5") << 5 << "requeue" << 6 << int(DropReason::DeliveryLimit);
    QTest::newRow("nack to dead-letter") << 5 << "dead-letter" << 1 << int(DropReason::Rejected);
}

void TestQueue::deliveryLimit()
{
    QFETCH(int, limit);
    QFETCH(QString, onFailure);
    QFETCH(int, deliveries);
    QFETCH(int, reason);
    TopologyBuilder b;
    b.node("p", "producer", {{"script", script(3)}})
        .node("q", "queue", {{"deliveryLimit", limit}})
        .node("c", "consumer",
              {{"failureProbability", 1.0}, {"onFailure", onFailure.toStdString()}, {"processing", "1ms"}})
        .node("dlq", "queue");
    b.link("p", "q").link("q", "c").link("q", "dlq", {}, "dead-letter");
    auto r = run(b.topology());
    QVERIFY(r);
    std::map<std::uint64_t, int> perMessage;
    for (const auto &e : r->trace.events)
        if (e.kind == TraceKind::Deliver || e.kind == TraceKind::Redeliver) ++perMessage[e.messageId];
    QCOMPARE(perMessage.size(), std::size_t(3));
    for (const auto &[id, n] : perMessage)
        QCOMPARE(n, deliveries);
    QCOMPARE(r->trace.count(TraceKind::DeadLetter, DropReason(reason)), std::size_t(3));
    QCOMPARE(r->node("dlq").enqueued, std::uint64_t(3));
    QCOMPARE(r->node("c").processed, std::uint64_t(0));
}

void TestQueue::dispatch_data()
{
    QTest::addColumn<QString>("mode");
    QTest::addColumn<int>("fastMin");
    QTest::addColumn<int>("fastMax");
    QTest::newRow("round-robin splits evenly") << "round-robin" << 50 << 50;
    QTest::newRow("fair favours the fast consumer") << "fair" << 90 << 100;
}

void TestQueue::dispatch()
{
    QFETCH(QString, mode);
    QFETCH(int, fastMin);
    QFETCH(int, fastMax);
    TopologyBuilder b;
    b.node("p", "producer", {{"script", script(100)}})
        .node("q", "queue", {{"dispatch", mode.toStdString()}})
        .node("fast", "consumer", {{"processing", "1ms"}, {"prefetch", 1}})
        .node("slow", "consumer", {{"processing", "50ms"}, {"prefetch", 1}});
    b.link("p", "q").link("q", "fast").link("q", "slow");
    auto r = run(b.topology());
    QVERIFY(r);
    const int fast = int(r->node("fast").processed);
    const int slow = int(r->node("slow").processed);
    QCOMPARE(fast + slow, 100);
    QVERIFY2(fast >= fastMin && fast <= fastMax, qPrintable(QString("fast consumer processed %1").arg(fast)));
}

void TestQueue::prefetchBoundsUnacked_data()
{
    QTest::addColumn<int>("prefetch");
    QTest::addColumn<int>("expectedMax");
    QTest::newRow("prefetch 1") << 1 << 1;
    QTest::newRow("prefetch 3") << 3 << 3;
    QTest::newRow("prefetch 5") << 5 << 5;
    QTest::newRow("unlimited") << 0 << 20;
}

void TestQueue::prefetchBoundsUnacked()
{
    QFETCH(int, prefetch);
    QFETCH(int, expectedMax);
    TopologyBuilder b;
    b.node("p", "producer", {{"script", script(20)}})
        .node("q", "queue", {{"dispatch", "fair"}})
        .node("c", "consumer", {{"processing", "10ms"}, {"prefetch", prefetch}});
    b.link("p", "q").link("q", "c");
    auto r = run(b.topology());
    QVERIFY(r);
    int outstanding = 0, most = 0;
    for (const auto &e : r->trace.events) {
        if (e.node != r->index("q")) continue;
        if (e.kind == TraceKind::Deliver) most = std::max(most, ++outstanding);
        if (e.kind == TraceKind::Ack) --outstanding;
    }
    QCOMPARE(most, expectedMax);
    QCOMPARE(r->node("c").processed, std::uint64_t(20));
}

void TestQueue::pullTakesBatches()
{
    TopologyBuilder b;
    b.node("p", "producer", {{"script", script(10)}})
        .node("q", "queue")
        .node("c", "consumer",
              {{"mode", "pull"}, {"batchSize", 4}, {"pollInterval", 1000}, {"processing", "1ms"}});
    b.link("p", "q").link("q", "c");
    auto r = run(b.topology());
    QVERIFY(r);
    std::map<SimTime, int> perPoll;
    for (const auto &e : r->trace.events)
        if (e.kind == TraceKind::Deliver) ++perPoll[e.time];
    QCOMPARE(r->node("c").processed, std::uint64_t(10));
    std::vector<int> sizes;
    for (const auto &[t, n] : perPoll)
        sizes.push_back(n);
    QCOMPARE(sizes, (std::vector<int>{4, 4, 2}));
    QCOMPARE(r->reason, StopReason::Quiescent);
}

void TestQueue::lostConsumerReturnsUnacked()
{
    TopologyBuilder b;
    b.node("p", "producer", {{"script", script(1)}})
        .node("q", "queue")
        .node("c1", "consumer", {{"processing", "100ms"}})
        .node("c2", "consumer", {{"processing", "1ms"}});
    b.link("p", "q").link("q", "c1").link("q", "c2");
    auto r = prepare(b.topology());
    QVERIFY(r);
    RunOptions o;
    o.until = 10 * kMillisecond;
    r->sim->run(o);
    // The message went to c1 (first in turn) and is being processed; c1's connection drops.
    QCOMPARE(r->trace.count(TraceKind::Deliver), std::size_t(1));
    const LinkIndex toC1 = static_cast<LinkIndex>(*r->sim->topology().linkIndex("q-c1"));
    r->sim->setLinkUp(toC1, false);
    QCOMPARE(r->trace.count(TraceKind::LinkDown), std::size_t(1));
    QCOMPARE(r->trace.count(TraceKind::Requeue), std::size_t(1));
    r->sim->run(RunOptions{});
    QCOMPARE(r->node("c2").processed, std::uint64_t(1));
    QCOMPARE(r->trace.count(TraceKind::Redeliver), std::size_t(1));
    // c1 finishes its copy too, but its ack cannot cross the partition.
    QCOMPARE(r->node("c1").processed, std::uint64_t(1));
    QVERIFY(r->trace.count(TraceKind::Drop, DropReason::Partition) >= 1);
}

void TestQueue::crashLosesMessages()
{
    TopologyBuilder b;
    b.node("p", "producer", {{"script", script(5)}}).node("q", "queue");
    b.link("p", "q");
    auto r = prepare(b.topology());
    QVERIFY(r);
    r->sim->run(RunOptions{});
    QCOMPARE(r->sim->nodeStatus(r->index("q")).ready, std::uint64_t(5));
    r->sim->crashNode(r->index("q"));
    QCOMPARE(r->trace.count(TraceKind::Crash), std::size_t(1));
    QCOMPARE(r->trace.count(TraceKind::Drop, DropReason::Crash), std::size_t(5));
    QCOMPARE(r->sim->nodeStatus(r->index("q")).ready, std::uint64_t(0));
    QVERIFY(r->sim->nodeStatus(r->index("q")).crashed);
    QCOMPARE(r->report().lost, std::uint64_t(5));
    r->sim->restartNode(r->index("q"));
    QCOMPARE(r->trace.count(TraceKind::Restart), std::size_t(1));
    QVERIFY(!r->sim->nodeStatus(r->index("q")).crashed);
}

void TestQueue::deadLetterRoutingKey()
{
    // The dead-letter routing key replaces the original, so the dead-letter exchange routes the
    // expired message to "parking", not to the queue bound to its original key.
    TopologyBuilder b;
    b.node("p", "producer", {{"script", script(1, 0, "orders.eu")}})
        .node("q", "queue", {{"messageTtl", 5}, {"deadLetterRoutingKey", "parked"}})
        .node("dlx", "exchange", {{"type", "direct"}})
        .node("parking", "queue")
        .node("other", "queue");
    b.link("p", "q")
        .link("q", "dlx", {}, "dead-letter")
        .link("dlx", "parking", {}, "out")
        .link("dlx", "other", {}, "out");
    b.bind("dlx", "parking", "parked").bind("dlx", "other", "orders.eu");
    auto r = run(b.topology());
    QVERIFY(r);
    QCOMPARE(r->node("parking").enqueued, std::uint64_t(1));
    QCOMPARE(r->node("other").enqueued, std::uint64_t(0));
    QCOMPARE(r->trace.count(TraceKind::DeadLetter, DropReason::Expired), std::size_t(1));
}

QTEST_APPLESS_MAIN(TestQueue)
#include "tst_queue.moc"
