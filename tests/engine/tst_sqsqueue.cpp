// sqs-queue: visibility timeout and redelivery, redrive to a dead-letter queue, retention, delay
// queues, standard duplicates and best-effort order, FIFO group order and blocking, deduplication
// windows, the throughput quota, crashes, and validation of every limit.
#include "sqstest.h"

#include <map>

using namespace sb;
using namespace sbtest;

class TestSqsQueue : public QObject {
    Q_OBJECT
private slots:
    void visibilityTimeoutRedelivers_data();
    void visibilityTimeoutRedelivers();
    void redriveAfterMaxReceiveCount_data();
    void redriveAfterMaxReceiveCount();
    void retentionDeletes_data();
    void retentionDeletes();
    void delayQueue_data();
    void delayQueue();
    void standardDuplicatesAndOrder_data();
    void standardDuplicatesAndOrder();
    void fifoGroupBlocksWhileInFlight();
    void fifoReceiveReturnsGroupsInOrder_data();
    void fifoReceiveReturnsGroupsInOrder();
    void deduplicationInterval_data();
    void deduplicationInterval();
    void contentBasedDeduplication_data();
    void contentBasedDeduplication();
    void throughputQuota_data();
    void throughputQuota();
    void fifoSendWithoutGroupFails();
    void crashKeepsMessages_data();
    void crashKeepsMessages();
    void limitsAreValidated_data();
    void limitsAreValidated();
    void linksAreValidated_data();
    void linksAreValidated();
};

// A message that always fails processing comes back after each visibility timeout.
void TestSqsQueue::visibilityTimeoutRedelivers_data()
{
    QTest::addColumn<int>("visibilityMs");
    QTest::addColumn<int>("untilMs");
    QTest::addColumn<int>("receives");
    QTest::newRow("1 s, 3.5 s run") << 1000 << 3500 << 4;
    QTest::newRow("2 s, 3.5 s run") << 2000 << 3500 << 2;
    QTest::newRow("500 ms, 2.2 s run") << 500 << 2200 << 5;
}

void TestSqsQueue::visibilityTimeoutRedelivers()
{
    QFETCH(int, visibilityMs);
    QFETCH(int, untilMs);
    QFETCH(int, receives);
    auto b = sqsLine({{"script", sqsScript({0})}}, {{"visibilityTimeout", visibilityMs}, {"servers", 1}},
                     {{"failureProbability", 1.0}, {"waitTimeSeconds", 20}});
    auto r = run(b.topology(), untilMs * kMillisecond);
    QVERIFY(r);
    QCOMPARE(r->trace.count(TraceKind::Deliver), std::size_t(1));
    QCOMPARE(r->trace.count(TraceKind::Redeliver), std::size_t(receives - 1));
    QCOMPARE(r->trace.count(TraceKind::Timeout), std::size_t(receives - 1));
    const auto redeliveries = eventsOf(*r, TraceKind::Redeliver);
    // deliveryCount is SQS's ApproximateReceiveCount; each comes a visibility timeout after the last.
    SimTime last = eventsOf(*r, TraceKind::Deliver).front().time;
    for (std::size_t i = 0; i < redeliveries.size(); ++i) {
        QCOMPARE(redeliveries[i].deliveryCount, std::uint32_t(i + 2));
        QVERIFY(redeliveries[i].time - last >= visibilityMs * kMillisecond);
        QVERIFY(redeliveries[i].time - last < (visibilityMs + 20) * kMillisecond);
        last = redeliveries[i].time;
    }
    QCOMPARE(r->trace.count(TraceKind::Process), std::size_t(0));
}

void TestSqsQueue::redriveAfterMaxReceiveCount_data()
{
    QTest::addColumn<int>("maxReceiveCount");
    QTest::addColumn<bool>("withDlq");
    QTest::newRow("1, DLQ") << 1 << true;
    QTest::newRow("3, DLQ") << 3 << true;
    QTest::newRow("3, no DLQ") << 3 << false;
}

void TestSqsQueue::redriveAfterMaxReceiveCount()
{
    QFETCH(int, maxReceiveCount);
    QFETCH(bool, withDlq);
    auto b = sqsLine({{"script", sqsScript({0})}},
                     {{"visibilityTimeout", 1000}, {"servers", 1}, {"maxReceiveCount", maxReceiveCount}},
                     {{"failureProbability", 1.0}, {"waitTimeSeconds", 20}});
    if (withDlq) b.node("dlq", "sqs-queue").link("q", "dlq", {}, "deadLetter");
    auto r = run(b.topology(), 30 * kSecond);
    QVERIFY(r);
    QCOMPARE(r->trace.count(TraceKind::Deliver) + r->trace.count(TraceKind::Redeliver),
             std::size_t(maxReceiveCount));
    QCOMPARE(r->trace.count(TraceKind::DeadLetter, DropReason::DeliveryLimit), std::size_t(withDlq ? 1 : 0));
    QCOMPARE(r->trace.count(TraceKind::Drop, DropReason::DeliveryLimit), std::size_t(withDlq ? 0 : 1));
    if (withDlq) {
        QCOMPARE(r->trace.countAt(TraceKind::Enqueue, r->index("dlq")), std::size_t(1));
        QCOMPARE(r->sim->nodeStatus(r->index("dlq")).ready, std::uint64_t(1));
    }
    QCOMPARE(r->sim->nodeStatus(r->index("q")).ready + r->sim->nodeStatus(r->index("q")).unacked,
             std::uint64_t(0));
}

void TestSqsQueue::retentionDeletes_data()
{
    QTest::addColumn<int>("retentionS");
    QTest::addColumn<bool>("failingConsumer");
    QTest::newRow("60 s, no consumer") << 60 << false;
    QTest::newRow("90 s, no consumer") << 90 << false;
    QTest::newRow("60 s, in flight") << 60 << true;
}

void TestSqsQueue::retentionDeletes()
{
    QFETCH(int, retentionS);
    QFETCH(bool, failingConsumer);
    auto b =
        sqsLine({{"script", sqsScript({0})}},
                {{"messageRetentionPeriod", retentionS * 1000}, {"visibilityTimeout", 25000}, {"servers", 1}},
                failingConsumer ? Json{{"failureProbability", 1.0}, {"waitTimeSeconds", 20}} : Json());
    auto r = run(b.topology(), 10 * 60 * kSecond);
    QVERIFY(r);
    const auto expired = eventsOf(*r, TraceKind::Expire);
    QCOMPARE(expired.size(), std::size_t(1));
    QCOMPARE(expired.front().reason, DropReason::RetentionExpired);
    QCOMPARE(expired.front().time, retentionS * kSecond + kMillisecond); // enqueued after 1 ms latency
    QCOMPARE(r->trace.count(TraceKind::Drop, DropReason::RetentionExpired), std::size_t(1));
    QCOMPARE(r->sim->nodeStatus(r->index("q")).ready, std::uint64_t(0));
}

void TestSqsQueue::delayQueue_data()
{
    QTest::addColumn<bool>("fifo");
    QTest::addColumn<int>("queueDelayMs");
    QTest::addColumn<int>("messageDelayMs");
    QTest::addColumn<int>("expectedMs");
    QTest::newRow("queue delay") << false << 5000 << 0 << 5000;
    QTest::newRow("message delay overrides") << false << 5000 << 3000 << 3000;
    QTest::newRow("no delay") << false << 0 << 0 << 0;
    QTest::newRow("FIFO queue delay") << true << 2000 << 0 << 2000;
}

void TestSqsQueue::delayQueue()
{
    QFETCH(bool, fifo);
    QFETCH(int, queueDelayMs);
    QFETCH(int, messageDelayMs);
    QFETCH(int, expectedMs);
    Json producer = {{"script", sqsScript({0})}, {"delaySeconds", messageDelayMs}};
    Json queue = {{"delaySeconds", queueDelayMs}, {"servers", 1}, {"fifo", fifo}};
    if (fifo) {
        producer.update({{"messageGroupId", "g"}, {"deduplication", "messageId"}});
        queue.erase("servers");
    }
    auto r = run(sqsLine(producer, queue, {{"waitTimeSeconds", 20}}).topology());
    QVERIFY(r);
    const auto d = eventsOf(*r, TraceKind::Deliver);
    QCOMPARE(d.size(), std::size_t(1));
    // Enqueued at 1 ms (link latency); delivered the instant the delay ends, to the waiting receive.
    QCOMPARE(d.front().time, (expectedMs + 1) * kMillisecond);
    QCOMPARE(r->trace.count(TraceKind::Process), std::size_t(1));
}

// The same 40 messages through a standard and a FIFO queue, seed fixed: the standard queue
// delivers some twice (a delete that missed a copy) and some out of order; the FIFO queue neither.
void TestSqsQueue::standardDuplicatesAndOrder_data()
{
    QTest::addColumn<bool>("fifo");
    QTest::newRow("standard") << false;
    QTest::newRow("FIFO") << true;
}

void TestSqsQueue::standardDuplicatesAndOrder()
{
    QFETCH(bool, fifo);
    Json producer = {{"rate", 200}, {"count", 40}};
    Json queue = {{"fifo", fifo}};
    if (fifo) {
        producer.update({{"messageGroupId", "g"}, {"deduplication", "messageId"}});
    } else {
        queue.update({{"duplicateProbability", 0.2}, {"servers", 4}});
    }
    auto b = sqsLine(producer, queue,
                     {{"maxNumberOfMessages", 10},
                      {"waitTimeSeconds", 0},
                      {"visibilityTimeout", 200},
                      {"processingTime", "2ms"}});
    b.seed(7);
    auto r = run(b.topology());
    QVERIFY(r);
    const auto processed = eventsOf(*r, TraceKind::Process);
    std::map<std::uint64_t, int> times;
    int outOfOrder = 0;
    std::uint64_t highest = 0;
    for (const auto &e : processed) {
        if (++times[e.messageId] > 1) continue;
        if (e.messageId < highest) ++outOfOrder;
        highest = std::max(highest, e.messageId);
    }
    QCOMPARE(times.size(), std::size_t(40)); // every message processed
    if (fifo) {
        QCOMPARE(processed.size(), std::size_t(40));
        QCOMPARE(outOfOrder, 0);
    } else {
        QVERIFY2(processed.size() > 40, "a standard queue delivers some messages more than once");
        QVERIFY2(outOfOrder > 0, "a standard queue's order is best-effort");
    }
}

// FIFO: while A1 is in flight, A2 waits, and a second consumer gets B1 instead.
void TestSqsQueue::fifoGroupBlocksWhileInFlight()
{
    Json script = Json::array({{{"at", 0}, {"messageGroupId", "A"}},
                               {{"at", 0}, {"messageGroupId", "A"}},
                               {{"at", 0}, {"messageGroupId", "B"}}});
    Json consumer = {{"waitTimeSeconds", 20}, {"processingTime", "1s"}};
    auto b = sqsLine({{"script", script}, {"messageGroupId", "x"}, {"deduplication", "messageId"}},
                     {{"fifo", true}}, consumer);
    b.node("c2", "sqs-consumer", consumer).link("q", "c2");
    auto r = run(b.topology());
    QVERIFY(r);
    const auto d = eventsOf(*r, TraceKind::Deliver);
    QCOMPARE(d.size(), std::size_t(3));
    // Ids: A1 = 1, A2 = 2, B1 = 3.
    QCOMPARE(d[0].messageId, std::uint64_t(1));
    QCOMPARE(d[1].messageId, std::uint64_t(3));
    QCOMPARE(d[2].messageId, std::uint64_t(2));
    QVERIFY(d[0].peer != d[1].peer); // both consumers busy at once, on different groups
    SimTime a1Deleted = kNever;
    for (const auto &e : r->trace.events)
        if (e.kind == TraceKind::Ack && e.messageId == 1) a1Deleted = e.time;
    QVERIFY(d[2].time >= a1Deleted);
    QCOMPARE(r->trace.count(TraceKind::Process), std::size_t(3));
}

// One receive of up to 10: as many messages of one group as it can, in order, then the next group.
void TestSqsQueue::fifoReceiveReturnsGroupsInOrder_data()
{
    QTest::addColumn<QStringList>("groups");
    QTest::addColumn<QList<int>>("order");
    QTest::newRow("A B A B") << QStringList{"A", "B", "A", "B"} << QList<int>{1, 3, 2, 4};
    QTest::newRow("A A B") << QStringList{"A", "A", "B"} << QList<int>{1, 2, 3};
    QTest::newRow("B A A B C") << QStringList{"B", "A", "A", "B", "C"} << QList<int>{1, 4, 2, 3, 5};
}

void TestSqsQueue::fifoReceiveReturnsGroupsInOrder()
{
    QFETCH(QStringList, groups);
    QFETCH(QList<int>, order);
    Json script = Json::array();
    for (const auto &g : groups)
        script.push_back({{"at", 0}, {"messageGroupId", g.toStdString()}});
    // The queue's delay makes every message visible at the same instant, so one receive sees all.
    auto r = run(sqsLine({{"script", script}, {"messageGroupId", "x"}, {"deduplication", "messageId"}},
                         {{"fifo", true}, {"delaySeconds", 1000}},
                         {{"waitTimeSeconds", 20}, {"maxNumberOfMessages", 10}})
                     .topology());
    QVERIFY(r);
    const auto d = eventsOf(*r, TraceKind::Deliver);
    QCOMPARE(int(d.size()), order.size());
    for (int i = 0; i < order.size(); ++i) {
        QCOMPARE(d[i].messageId, std::uint64_t(order[i]));
        QCOMPARE(d[i].time, d[0].time); // one receive
    }
}

void TestSqsQueue::deduplicationInterval_data()
{
    QTest::addColumn<int>("gapS");
    QTest::addColumn<QString>("scope");
    QTest::addColumn<QString>("secondGroup");
    QTest::addColumn<int>("enqueued");
    QTest::newRow("4 min later: duplicate") << 240 << "queue"
                                            << "g" << 1;
    QTest::newRow("299 s later: duplicate") << 299 << "queue"
                                            << "g" << 1;
    QTest::newRow("6 min later: new") << 360 << "queue"
                                      << "g" << 2;
    QTest::newRow("other group, queue scope") << 10 << "queue"
                                              << "h" << 1;
    QTest::newRow("other group, group scope") << 10 << "messageGroup"
                                              << "h" << 2;
}

void TestSqsQueue::deduplicationInterval()
{
    QFETCH(int, gapS);
    QFETCH(QString, scope);
    QFETCH(QString, secondGroup);
    QFETCH(int, enqueued);
    Json script = Json::array({{{"at", 0}, {"messageGroupId", "g"}, {"deduplicationId", "order-1"}},
                               {{"at", gapS * 1000},
                                {"messageGroupId", secondGroup.toStdString()},
                                {"deduplicationId", "order-1"}}});
    auto r = run(sqsLine({{"script", script}, {"messageGroupId", "g"}, {"deduplication", "template"}},
                         {{"fifo", true}, {"deduplicationScope", scope.toStdString()}}, Json())
                     .topology(),
                 10 * 60 * kSecond);
    QVERIFY(r);
    QCOMPARE(r->trace.count(TraceKind::Enqueue), std::size_t(enqueued));
    QCOMPARE(r->trace.count(TraceKind::Drop, DropReason::Deduplicated), std::size_t(2 - enqueued));
    // A deduplicated send is still acknowledged.
    QCOMPARE(r->trace.count(TraceKind::Confirm), std::size_t(2));
}

void TestSqsQueue::contentBasedDeduplication_data()
{
    QTest::addColumn<bool>("contentBased");
    QTest::addColumn<QString>("secondKey");
    QTest::addColumn<int>("enqueued");
    QTest::newRow("same body") << true << "k" << 1;
    QTest::newRow("other body") << true << "other" << 2;
    QTest::newRow("explicit ids") << false << "k" << 2;
}

void TestSqsQueue::contentBasedDeduplication()
{
    QFETCH(bool, contentBased);
    QFETCH(QString, secondKey);
    QFETCH(int, enqueued);
    Json script = Json::array({{{"at", 0}, {"key", "k"}}, {{"at", 1000}, {"key", secondKey.toStdString()}}});
    Json producer = {{"script", script}, {"messageGroupId", "g"}};
    if (!contentBased) producer["deduplication"] = "messageId";
    auto r = run(
        sqsLine(producer, {{"fifo", true}, {"contentBasedDeduplication", contentBased}}, Json()).topology(),
        60 * kSecond);
    QVERIFY(r);
    QCOMPARE(r->trace.count(TraceKind::Enqueue), std::size_t(enqueued));
    QCOMPARE(r->trace.count(TraceKind::Drop, DropReason::Deduplicated), std::size_t(2 - enqueued));
}

void TestSqsQueue::throughputQuota_data()
{
    QTest::addColumn<QString>("limit");
    QTest::addColumn<double>("quota");
    QTest::addColumn<int>("enqueued");
    QTest::newRow("per queue, 5/s") << "perQueue" << 5.0 << 5;
    QTest::newRow("per message group, 5/s, 2 groups") << "perMessageGroupId" << 5.0 << 10;
    QTest::newRow("off") << "perQueue" << 0.0 << 10;
}

void TestSqsQueue::throughputQuota()
{
    QFETCH(QString, limit);
    QFETCH(double, quota);
    QFETCH(int, enqueued);
    Json script = Json::array();
    for (int i = 0; i < 10; ++i)
        script.push_back({{"at", 0}, {"messageGroupId", i % 2 ? "a" : "b"}});
    Json queue = {{"fifo", true}, {"throughputQuota", quota}, {"fifoThroughputLimit", limit.toStdString()}};
    if (limit == "perMessageGroupId") queue["deduplicationScope"] = "messageGroup";
    auto r = run(
        sqsLine(
            {{"script", script}, {"messageGroupId", "x"}, {"deduplication", "messageId"}, {"maxAttempts", 1}},
            queue, Json())
            .topology(),
        60 * kSecond);
    QVERIFY(r);
    QCOMPARE(r->trace.count(TraceKind::Enqueue), std::size_t(enqueued));
    std::size_t throttled = 0;
    for (const auto &e : eventsOf(*r, TraceKind::Nack))
        throttled += e.status == SqsError::RequestThrottled;
    QCOMPARE(throttled, std::size_t(10 - enqueued));
    QCOMPARE(r->trace.count(TraceKind::Drop, DropReason::RetriesExhausted), std::size_t(10 - enqueued));
}

// A send without MessageGroupId to a FIFO queue fails with MissingParameter, and is not retried.
void TestSqsQueue::fifoSendWithoutGroupFails()
{
    Json script = Json::array({{{"at", 0}, {"messageGroupId", ""}}, {{"at", 0}}});
    auto r = run(sqsLine({{"script", script}, {"messageGroupId", "g"}, {"deduplication", "messageId"}},
                         {{"fifo", true}}, Json())
                     .topology(),
                 60 * kSecond);
    QVERIFY(r);
    QCOMPARE(r->trace.count(TraceKind::Enqueue), std::size_t(1));
    const auto nacks = eventsOf(*r, TraceKind::Nack);
    QCOMPARE(nacks.size(), std::size_t(1));
    QCOMPARE(nacks.front().status, SqsError::MissingParameter);
    QCOMPARE(r->trace.count(TraceKind::Drop, DropReason::Rejected), std::size_t(1));
    QCOMPARE(r->trace.count(TraceKind::Retry), std::size_t(0));
}

// SQS keeps messages redundantly: a crash of the queue node loses none of them, a lost disk all.
void TestSqsQueue::crashKeepsMessages_data()
{
    QTest::addColumn<bool>("diskLost");
    QTest::addColumn<int>("processed");
    QTest::newRow("crash") << false << 5;
    QTest::newRow("crash, disk lost") << true << 0;
}

void TestSqsQueue::crashKeepsMessages()
{
    QFETCH(bool, diskLost);
    QFETCH(int, processed);
    // The consumer's link is down until 3 s, so the messages sit in the queue through its crash
    // (0.5 s to 1.5 s).
    auto b = sqsLine({{"script", sqsScript({0, 10, 20, 30, 40})}}, {{"servers", 1}},
                     {{"waitTimeSeconds", 20}, {"processingTime", "10ms"}});
    Topology t = b.topology();
    FaultDef crash;
    crash.id = "crash";
    crash.kind = "crash";
    crash.target = "q";
    crash.start = 500 * kMillisecond;
    crash.duration = kSecond;
    if (diskLost) crash.params = {{"disk", "lost"}};
    FaultDef down;
    down.id = "late-consumer";
    down.kind = "link-down";
    down.target = "q-c";
    down.start = 0;
    down.duration = 3 * kSecond;
    t.faults = {crash, down};
    auto r = run(t, 60 * kSecond);
    QVERIFY(r);
    QCOMPARE(r->trace.count(TraceKind::Enqueue), std::size_t(5));
    QCOMPARE(r->trace.count(TraceKind::Process), std::size_t(processed));
    QCOMPARE(r->trace.count(TraceKind::Drop, DropReason::Crash), std::size_t(5 - processed));
}

void TestSqsQueue::limitsAreValidated_data()
{
    QTest::addColumn<QString>("kind");
    QTest::addColumn<QString>("properties");
    QTest::addColumn<QString>("expected");
    const double h = 3600e3;
    QTest::newRow("visibility 13 h") << "sqs-queue" << QString("{\"visibilityTimeout\": %1}").arg(13 * h)
                                     << "visibilityTimeout 46800s is more than SQS's maximum of 12 hours";
    QTest::newRow("retention 15 days")
        << "sqs-queue" << QString("{\"messageRetentionPeriod\": %1}").arg(15 * 24 * h)
        << "is more than SQS's maximum of 14 days";
    QTest::newRow("retention 30 s") << "sqs-queue"
                                    << "{\"messageRetentionPeriod\": 30000}"
                                    << "is less than SQS's minimum of 60 seconds";
    QTest::newRow("delay 901 s") << "sqs-queue"
                                 << "{\"delaySeconds\": 901000}"
                                 << "is more than SQS's maximum of 15 minutes";
    QTest::newRow("wait 21 s") << "sqs-queue"
                               << "{\"receiveMessageWaitTime\": 21000}"
                               << "is more than SQS's maximum of 20 seconds";
    QTest::newRow("size 2 MB") << "sqs-queue"
                               << "{\"maximumMessageSize\": 2000000}"
                               << "is more than SQS's maximum of 1,048,576 bytes (1 MiB)";
    QTest::newRow("size 512") << "sqs-queue"
                              << "{\"maximumMessageSize\": 512}"
                              << "is less than SQS's minimum of 1,024 bytes";
    QTest::newRow("maxReceiveCount 1001") << "sqs-queue"
                                          << "{\"maxReceiveCount\": 1001}"
                                          << "is more than SQS's maximum of 1,000";
    QTest::newRow("FIFO in flight 120001") << "sqs-queue"
                                           << "{\"fifo\": true, \"maxInFlight\": 120001}"
                                           << "is more than SQS's FIFO in-flight quota of 120,000";
    QTest::newRow("standard in flight 120001") << "sqs-queue"
                                               << "{\"maxInFlight\": 120001}"
                                               << "in-flight quota of 120,000";
    QTest::newRow("content dedup on standard") << "sqs-queue"
                                               << "{\"contentBasedDeduplication\": true}"
                                               << "applies to FIFO queues only";
    QTest::newRow("quota on standard") << "sqs-queue"
                                       << "{\"throughputQuota\": 300}"
                                       << "applies to FIFO queues only";
    QTest::newRow("high throughput without group scope")
        << "sqs-queue"
        << "{\"fifo\": true, \"fifoThroughputLimit\": \"perMessageGroupId\"}"
        << "needs deduplicationScope messageGroup";
    QTest::newRow("consumer 11 messages") << "sqs-consumer"
                                          << "{\"maxNumberOfMessages\": 11}"
                                          << "is more than SQS's maximum of 10 per receive";
    QTest::newRow("consumer wait 21 s") << "sqs-consumer"
                                        << "{\"waitTimeSeconds\": 21}"
                                        << "is more than SQS's maximum of 20 seconds";
    QTest::newRow("consumer visibility 13 h")
        << "sqs-consumer" << QString("{\"visibilityTimeout\": %1}").arg(13 * h)
        << "is more than SQS's maximum of 12 hours";
    QTest::newRow("producer delay 16 min") << "sqs-producer"
                                           << "{\"delaySeconds\": 960000}"
                                           << "is more than SQS's maximum of 15 minutes";
}

void TestSqsQueue::limitsAreValidated()
{
    QFETCH(QString, kind);
    QFETCH(QString, properties);
    QFETCH(QString, expected);
    TopologyBuilder b;
    b.node("n", kind.toStdString(), Json::parse(properties.toStdString()));
    const auto errors = validationErrors(b.topology());
    QCOMPARE(errors.size(), std::size_t(1));
    QVERIFY2(QString::fromStdString(errors.front()).contains(expected), errors.front().c_str());
    QVERIFY2(QString::fromStdString(errors.front()).contains("\"n\""), errors.front().c_str());
}

void TestSqsQueue::linksAreValidated_data()
{
    QTest::addColumn<QString>("producer");
    QTest::addColumn<bool>("fifo");
    QTest::addColumn<int>("dlq"); // -1 none, 0 standard, 1 FIFO
    QTest::addColumn<QString>("expected");
    QTest::newRow("FIFO DLQ of a standard queue")
        << "{}" << false << 1 << "the dead-letter queue of a standard queue must be a standard queue";
    QTest::newRow("standard DLQ of a FIFO queue")
        << "{\"messageGroupId\": \"g\", \"deduplication\": \"messageId\"}" << true << 0
        << "the dead-letter queue of a FIFO queue must be a FIFO queue";
    QTest::newRow("group id on a standard queue")
        << "{\"messageGroupId\": \"{key}\"}" << false << -1
        << "messageGroupId is set but the queue is a standard queue";
    QTest::newRow("no group id on a FIFO queue")
        << "{\"deduplication\": \"messageId\"}" << true << -1 << "a FIFO queue needs a MessageGroupId";
    QTest::newRow("no deduplication id on a FIFO queue")
        << "{\"messageGroupId\": \"g\"}" << true << -1 << "needs a MessageDeduplicationId";
    QTest::newRow("message delay on a FIFO queue")
        << "{\"messageGroupId\": \"g\", \"deduplication\": \"messageId\", \"delaySeconds\": 1000}" << true
        << -1 << "does not take a per-message DelaySeconds";
    QTest::newRow("FIFO with FIFO DLQ")
        << "{\"messageGroupId\": \"g\", \"deduplication\": \"messageId\"}" << true << 1 << "";
    QTest::newRow("standard with standard DLQ") << "{}" << false << 0 << "";
}

void TestSqsQueue::linksAreValidated()
{
    QFETCH(QString, producer);
    QFETCH(bool, fifo);
    QFETCH(int, dlq);
    QFETCH(QString, expected);
    auto b = sqsLine(Json::parse(producer.toStdString()), {{"fifo", fifo}}, {{"waitTimeSeconds", 20}});
    if (dlq >= 0) b.node("dlq", "sqs-queue", {{"fifo", dlq == 1}}).link("q", "dlq", {}, "deadLetter");
    const auto errors = validationErrors(b.topology());
    if (expected.isEmpty()) {
        QVERIFY2(errors.empty(), errors.empty() ? "" : errors.front().c_str());
        return;
    }
    QCOMPARE(errors.size(), std::size_t(1));
    QVERIFY2(QString::fromStdString(errors.front()).contains(expected), errors.front().c_str());
    QVERIFY2(QString::fromStdString(errors.front()).startsWith("$.links["), errors.front().c_str());
}

QTEST_GUILESS_MAIN(TestSqsQueue)
#include "tst_sqsqueue.moc"
