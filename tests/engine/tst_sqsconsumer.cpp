// sqs-consumer against sqs-queue: long polling returns as soon as a message arrives and empty after
// its wait; short polling comes back empty while messages wait on servers it did not ask; the
// visibility heartbeat (ChangeMessageVisibility) keeps a long job's message from a second consumer;
// a stale receipt handle deletes nothing; the receive's visibility override.
#include "sqstest.h"

using namespace sb;
using namespace sbtest;

class TestSqsConsumer : public QObject {
    Q_OBJECT
private slots:
    void longPolling_data();
    void longPolling();
    void shortPollingMissesMessages_data();
    void shortPollingMissesMessages();
    void visibilityHeartbeat_data();
    void visibilityHeartbeat();
    void visibilityOverride_data();
    void visibilityOverride();
    void lostReceiveIsAskedAgain_data();
    void lostReceiveIsAskedAgain();
};

void TestSqsConsumer::longPolling_data()
{
    QTest::addColumn<int>("waitS");
    QTest::addColumn<int>("messageAtMs");
    QTest::addColumn<int>("minEmpty");
    QTest::addColumn<int>("maxEmpty");
    // A 20 s long poll is still waiting when the message arrives at 3 s: it returns at once.
    QTest::newRow("20 s wait, message at 3 s") << 20 << 3000 << 0 << 0;
    // A 5 s long poll comes back empty at 5 s and at 10 s, then gets the message at 12 s.
    QTest::newRow("5 s wait, message at 12 s") << 5 << 12000 << 2 << 2;
    // Short polling: an empty response every few milliseconds until the message is there.
    QTest::newRow("short polling, message at 3 s") << 0 << 3000 << 500 << 3000;
}

void TestSqsConsumer::longPolling()
{
    QFETCH(int, waitS);
    QFETCH(int, messageAtMs);
    QFETCH(int, minEmpty);
    QFETCH(int, maxEmpty);
    auto r = run(sqsLine({{"script", sqsScript({double(messageAtMs)})}}, {{"servers", 1}},
                         {{"waitTimeSeconds", waitS}})
                     .topology());
    QVERIFY(r);
    const auto d = eventsOf(*r, TraceKind::Deliver);
    QCOMPARE(d.size(), std::size_t(1));
    const SimTime enqueued = eventsOf(*r, TraceKind::Enqueue).front().time;
    if (waitS > 0) QCOMPARE(d.front().time, enqueued); // the waiting receive is answered at once
    const auto empty = emptyReceives(*r);
    QVERIFY2(int(empty) >= minEmpty && int(empty) <= maxEmpty, std::to_string(empty).c_str());
    QCOMPARE(r->trace.count(TraceKind::Process), std::size_t(1));
}

// Receives that came back empty while the queue held visible messages.
void TestSqsConsumer::shortPollingMissesMessages_data()
{
    QTest::addColumn<int>("waitS");
    QTest::addColumn<int>("servers");
    QTest::addColumn<bool>("missed");
    QTest::newRow("short polling, 4 servers") << 0 << 4 << true;
    QTest::newRow("short polling, 1 server") << 0 << 1 << false;
    QTest::newRow("long polling, 4 servers") << 20 << 4 << false;
}

void TestSqsConsumer::shortPollingMissesMessages()
{
    QFETCH(int, waitS);
    QFETCH(int, servers);
    QFETCH(bool, missed);
    std::vector<double> at;
    for (int i = 0; i < 20; ++i)
        at.push_back(100.0 * i);
    auto b = sqsLine({{"script", sqsScript(at)}}, {{"servers", servers}},
                     {{"waitTimeSeconds", waitS}, {"processingTime", "1ms"}});
    b.seed(3);
    auto r = run(b.topology());
    QVERIFY(r);
    const NodeIndex q = r->index("q");
    std::int64_t waiting = 0;
    std::size_t emptyWhileWaiting = 0;
    for (const auto &e : r->trace.events) {
        if (e.node != q) continue;
        if (e.kind == TraceKind::Enqueue) ++waiting;
        if (e.kind == TraceKind::Deliver || e.kind == TraceKind::Redeliver) --waiting;
        if (e.kind == TraceKind::Send && e.frame == FrameType::ReceiveMessage && e.deliveryCount == 0 &&
            waiting > 0)
            ++emptyWhileWaiting;
    }
    QCOMPARE(emptyWhileWaiting > 0, missed);
    QCOMPARE(r->trace.count(TraceKind::Process), std::size_t(20));
}

// A 5 s job on a queue with a 2 s visibility timeout and a second, quick consumer. Without the
// heartbeat the message shows again at 2 s, the second consumer processes and deletes it too, and
// the first one's delete later finds nothing to delete; with it, one processing and no timeout.
void TestSqsConsumer::visibilityHeartbeat_data()
{
    QTest::addColumn<bool>("extend");
    QTest::addColumn<int>("processed");
    QTest::addColumn<int>("timeouts");
    QTest::addColumn<int>("staleDeletes");
    QTest::newRow("heartbeat") << true << 1 << 0 << 0;
    QTest::newRow("no heartbeat") << false << 2 << 1 << 1;
}

void TestSqsConsumer::visibilityHeartbeat()
{
    QFETCH(bool, extend);
    QFETCH(int, processed);
    QFETCH(int, timeouts);
    QFETCH(int, staleDeletes);
    Json consumer = {{"waitTimeSeconds", 20}, {"processingTime", "5s"}, {"extendVisibility", extend}};
    auto b = sqsLine({{"script", sqsScript({0})}}, {{"visibilityTimeout", 2000}, {"servers", 1}}, consumer);
    // The second consumer (it asks second, so it gets what comes back) is quick.
    consumer["processingTime"] = "1s";
    b.node("c2", "sqs-consumer", consumer).link("q", "c2");
    auto r = run(b.topology());
    QVERIFY(r);
    QCOMPARE(r->trace.count(TraceKind::Process), std::size_t(processed));
    QCOMPARE(r->trace.count(TraceKind::Timeout), std::size_t(timeouts));
    QCOMPARE(r->trace.count(TraceKind::Ack, DropReason::UnknownTag), std::size_t(staleDeletes));
    // Visibility: one per receive, and the heartbeats (every second while the 5 s job runs).
    std::size_t changes = 0;
    for (const auto &e : eventsOf(*r, TraceKind::Visibility))
        changes += e.link != kNoIndex;
    QCOMPARE(changes, std::size_t(extend ? 4 : 0));
    QCOMPARE(r->sim->nodeStatus(r->index("q")).ready + r->sim->nodeStatus(r->index("q")).unacked,
             std::uint64_t(0));
}

// The receive's VisibilityTimeout overrides the queue's.
void TestSqsConsumer::visibilityOverride_data()
{
    QTest::addColumn<int>("overrideMs");
    QTest::addColumn<int>("expectedMs");
    QTest::newRow("queue's 30 s") << 0 << 30000;
    QTest::newRow("500 ms") << 500 << 500;
    QTest::newRow("2 min") << 120000 << 120000;
}

void TestSqsConsumer::visibilityOverride()
{
    QFETCH(int, overrideMs);
    QFETCH(int, expectedMs);
    auto r =
        run(sqsLine({{"script", sqsScript({0})}}, {{"servers", 1}},
                    {{"waitTimeSeconds", 20}, {"failureProbability", 1.0}, {"visibilityTimeout", overrideMs}})
                .topology(),
            (expectedMs + expectedMs / 2) * kMillisecond);
    QVERIFY(r);
    const auto timeouts = eventsOf(*r, TraceKind::Timeout);
    QCOMPARE(timeouts.size(), std::size_t(1));
    const SimTime received = eventsOf(*r, TraceKind::Deliver).front().time;
    QCOMPARE(timeouts.front().time - received, expectedMs * kMillisecond);
    QCOMPARE(eventsOf(*r, TraceKind::Visibility).front().aux, expectedMs * kMillisecond);
}

// A ReceiveMessage response lost on the way (its message is in flight at the queue, unknown to the
// consumer): the consumer's response timeout (20 s, the longest a receive may wait, plus 5 s) asks
// again, and the message comes back when its 30 s visibility ends, as its second receive.
void TestSqsConsumer::lostReceiveIsAskedAgain_data()
{
    QTest::addColumn<bool>("lost");
    QTest::addColumn<int>("receivedAtMs");
    QTest::addColumn<int>("receiveCount");
    QTest::newRow("delivered") << false << 1001 << 1;
    QTest::newRow("response lost") << true << 31001 << 2;
}

void TestSqsConsumer::lostReceiveIsAskedAgain()
{
    QFETCH(bool, lost);
    QFETCH(int, receivedAtMs);
    QFETCH(int, receiveCount);
    Topology t =
        sqsLine({{"script", sqsScript({1000})}}, {{"servers", 1}}, {{"waitTimeSeconds", 20}}).topology();
    if (lost) {
        FaultDef f;
        f.id = "lose-response";
        f.kind = "drop-first";
        f.target = "q-c";
        f.params = {{"count", 1}};
        t.faults.push_back(f);
    }
    auto r = run(t);
    QVERIFY(r);
    QCOMPARE(r->trace.count(TraceKind::Drop, DropReason::Injected), std::size_t(lost ? 1 : 0));
    const auto processed = eventsOf(*r, TraceKind::Process);
    QCOMPARE(processed.size(), std::size_t(1));
    QCOMPARE(processed.front().deliveryCount, std::uint32_t(receiveCount));
    const auto last = eventsOf(*r, receiveCount > 1 ? TraceKind::Redeliver : TraceKind::Deliver);
    QCOMPARE(last.size(), std::size_t(1));
    QCOMPARE(last.front().time, receivedAtMs * kMillisecond);
    // Asked again after the response timeout, before the message was visible again.
    std::size_t receives = 0;
    for (const auto &e : r->trace.events)
        receives += e.kind == TraceKind::Send && e.frame == FrameType::ReceiveMessage &&
                    !(e.flags & TraceFlag::Response) && e.time > 20 * kSecond && e.time < 30 * kSecond;
    QCOMPARE(receives, std::size_t(lost ? 1 : 0));
}

QTEST_GUILESS_MAIN(TestSqsConsumer)
#include "tst_sqsconsumer.moc"
