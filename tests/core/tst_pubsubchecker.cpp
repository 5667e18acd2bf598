// The pub-sub checker on synthetic traces: each copy a broker hands a subscriber (Match) is paired
// with the subscriber's processings; a copy never processed is lost, extra processings are
// duplicates, the broker's own drops are cut-offs; and link losses count only where nothing resends
// (QoS 0, Redis, NATS). Figures come per QoS level; settled messages free their state.
#include "pubsubchecker.h"

#include <QtTest>

using namespace sb;

using Events = std::vector<TraceEvent>;
Q_DECLARE_METATYPE(Events)

class TestPubSubChecker : public QObject {
    Q_OBJECT
private slots:
    void counts_data();
    void counts();
    void perQos();
    void findingsNameMessageNodeAndTime();
    void settledMessagesFreeTheirState();
    void helpListsEveryCheck();
};

namespace {

// Nodes: 0 the broker, 1 a subscriber, 2 another subscriber, 3 a publisher.
constexpr NodeIndex kBroker = 0, kSub = 1, kSub2 = 2, kPub = 3;

TraceEvent ev(TraceKind k, std::uint64_t id, SimTime t, NodeIndex node, NodeIndex peer)
{
    TraceEvent e;
    e.kind = k;
    e.messageId = id;
    e.time = t;
    e.node = node;
    e.peer = peer;
    return e;
}
TraceEvent match(std::uint64_t id, SimTime t, NodeIndex sub = kSub, std::uint32_t qos = 0)
{
    TraceEvent e = ev(TraceKind::Match, id, t, kBroker, sub);
    e.epoch = qos;
    return e;
}
TraceEvent process(std::uint64_t id, SimTime t, NodeIndex sub = kSub)
{
    return ev(TraceKind::Process, id, t, sub, kBroker);
}
// A link lost the broker's frame to `sub`.
TraceEvent linkLoss(std::uint64_t id, SimTime t, FrameType frame, std::uint32_t qos = 0, NodeIndex sub = kSub)
{
    TraceEvent e = ev(TraceKind::Drop, id, t, kBroker, sub);
    e.link = 0;
    e.frame = frame;
    e.epoch = qos;
    e.reason = DropReason::Loss;
    return e;
}
TraceEvent cutOff(std::uint64_t id, SimTime t, DropReason r, NodeIndex sub = kSub)
{
    TraceEvent e = ev(TraceKind::Drop, id, t, kBroker, sub);
    e.reason = r;
    return e;
}

PubSubChecker run(const Events &events)
{
    PubSubChecker c({"broker", "sub-a", "sub-b", "pub"});
    for (const auto &e : events)
        c.onEvent(e);
    return c;
}

} // namespace

void TestPubSubChecker::counts_data()
{
    QTest::addColumn<Events>("events");
    QTest::addColumn<int>("lost");
    QTest::addColumn<int>("duplicates");
    QTest::addColumn<int>("cutOff");

    QTest::newRow("delivered once") << Events{match(1, 1), process(1, 2)} << 0 << 0 << 0;
    QTest::newRow("never processed") << Events{match(1, 1)} << 1 << 0 << 0;
    QTest::newRow("two subscribers, one missed")
        << Events{match(1, 1), match(1, 1, kSub2), process(1, 2)} << 1 << 0 << 0;
    QTest::newRow("processed twice") << Events{match(1, 1, kSub, 1), process(1, 2), process(1, 3)} << 0 << 1
                                     << 0;
    QTest::newRow("processed twice after settling (late retransmission)")
        << Events{match(1, 1, kSub, 1), process(1, 2), match(2, 3), process(2, 4), process(1, 5)} << 0 << 1
        << 0;
    // A Redis client subscribed by channel and by a matching pattern is handed two copies.
    QTest::newRow("channel and pattern: two copies, two processings")
        << Events{match(1, 1), match(1, 1), process(1, 2), process(1, 2)} << 0 << 0 << 0;
    QTest::newRow("QoS 0 PUBLISH lost on the link")
        << Events{match(1, 1), linkLoss(1, 2, FrameType::MqttPublish)} << 1 << 0 << 0;
    QTest::newRow("Redis message lost on the link")
        << Events{match(1, 1), linkLoss(1, 2, FrameType::RedisPMessage)} << 1 << 0 << 0;
    // A QoS 1 PUBLISH lost on a link is sent again: not lost while the retransmission arrives.
    QTest::newRow("QoS 1 PUBLISH lost, then retransmitted")
        << Events{match(1, 1, kSub, 1), linkLoss(1, 2, FrameType::MqttPublish, 1), process(1, 3)} << 0 << 0
        << 0;
    QTest::newRow("slow consumer cut off")
        << Events{match(1, 1), cutOff(1, 2, DropReason::SlowConsumer)} << 0 << 0 << 1;
    // A NATS client library drops what its slow handler cannot take: traced at the subscriber.
    QTest::newRow("slow consumer at the subscriber")
        << Events{match(1, 1), ev(TraceKind::Drop, 1, 2, kSub, kBroker)} << 0 << 0 << 1;
    QTest::newRow("session expired") << Events{match(1, 1, kSub, 1), cutOff(1, 9, DropReason::SessionExpired)}
                                     << 0 << 0 << 1;
    // Another node's drop (the publisher's PUBLISH lost on its way to the broker) is no copy's.
    QTest::newRow("publisher's frame lost")
        << Events{ev(TraceKind::Drop, 1, 1, kPub, kBroker), match(2, 2), process(2, 3)} << 0 << 0 << 0;
    QTest::newRow("processing of no pub-sub copy is ignored") << Events{process(7, 1)} << 0 << 0 << 0;
    // An SQS queue subscribed to an SNS topic has its copy once it stored it.
    QTest::newRow("queue subscriber: enqueued")
        << Events{match(1, 1), ev(TraceKind::Enqueue, 1, 2, kSub, kBroker)} << 0 << 0 << 0;
    QTest::newRow("queue subscriber: never enqueued")
        << Events{match(1, 1), match(1, 1, kSub2), ev(TraceKind::Enqueue, 1, 2, kSub2, kBroker)} << 1 << 0
        << 0;
    QTest::newRow("enqueue of no pub-sub copy is ignored")
        << Events{ev(TraceKind::Enqueue, 7, 1, kSub, kBroker)} << 0 << 0 << 0;
}

void TestPubSubChecker::counts()
{
    QFETCH(Events, events);
    QFETCH(int, lost);
    QFETCH(int, duplicates);
    QFETCH(int, cutOff);
    const auto checks = run(events).checks();
    QCOMPARE(checks.size(), std::size_t(3));
    QCOMPARE(checks[0].check, std::string("pubsub-lost"));
    QCOMPARE(checks[0].count, std::uint64_t(lost));
    QCOMPARE(checks[1].check, std::string("pubsub-duplicates"));
    QCOMPARE(checks[1].count, std::uint64_t(duplicates));
    QCOMPARE(checks[2].check, std::string("pubsub-cut-off"));
    QCOMPARE(checks[2].count, std::uint64_t(cutOff));
    QCOMPARE(checks[0].examples.size(), std::size_t(lost));
    QCOMPARE(checks[1].examples.size(), std::size_t(duplicates));
}

// The point of QoS side by side: losses at 0, duplicates at 1, neither at 2.
void TestPubSubChecker::perQos()
{
    const Events events{match(1, 1, kSub, 0),
                        linkLoss(1, 2, FrameType::MqttPublish, 0),
                        match(2, 1, kSub, 1),
                        process(2, 3),
                        process(2, 4),
                        match(3, 1, kSub, 2),
                        linkLoss(3, 2, FrameType::MqttPublish, 2),
                        process(3, 5)};
    const auto c = run(events);
    QVERIFY(c.any());
    const auto q = c.byQos();
    QCOMPARE(q[0].copies, 1u);
    QCOMPARE(q[0].lost, 1u);
    QCOMPARE(q[0].processed, 0u);
    QCOMPARE(q[1].copies, 1u);
    QCOMPARE(q[1].duplicates, 1u);
    QCOMPARE(q[1].lost, 0u);
    QCOMPARE(q[2].copies, 1u);
    QCOMPARE(q[2].processed, 1u);
    QCOMPARE(q[2].lost + q[2].duplicates, 0u);
}

void TestPubSubChecker::findingsNameMessageNodeAndTime()
{
    const auto checks = run({match(4, 10, kSub2, 1), match(5, 20, kSub), linkLoss(5, 25, FrameType::NatsMsg),
                             process(4, 30, kSub2), process(4, 40, kSub2)})
                            .checks();
    const Finding &lost = checks[0].examples.at(0);
    QCOMPARE(lost.messageId, 5u);
    QCOMPARE(lost.subject, std::string("message 5"));
    QCOMPARE(lost.node, kSub);
    QCOMPARE(lost.time, SimTime(25));
    QVERIFY2(lost.what.find("broker") != std::string::npos && lost.what.find("sub-a") != std::string::npos,
             lost.what.c_str());
    const Finding &dup = checks[1].examples.at(0);
    QCOMPARE(dup.messageId, 4u);
    QCOMPARE(dup.node, kSub2);
    QCOMPARE(dup.time, SimTime(40));
    QVERIFY2(dup.what.find("processed again by sub-b") != std::string::npos, dup.what.c_str());
    QVERIFY(!PubSubChecker({}).any());
}

// Memory follows what is open, not what was run: settled messages leave only their id range.
void TestPubSubChecker::settledMessagesFreeTheirState()
{
    PubSubChecker c({});
    for (std::uint64_t id = 1; id <= 100000; ++id) {
        c.onEvent(match(id, SimTime(id), kSub, id % 3));
        c.onEvent(process(id, SimTime(id) + 1));
    }
    QCOMPARE(c.openMessages(), std::size_t(0));
    c.onEvent(match(100001, 100001));
    QCOMPARE(c.openMessages(), std::size_t(1));
    QCOMPARE(c.checks()[0].count, 1u);
}

void TestPubSubChecker::helpListsEveryCheck()
{
    const auto &help = PubSubChecker::help();
    QCOMPARE(help.size(), std::size_t(3));
    for (const auto &[name, what] : help)
        QVERIFY(!what.empty());
}

QTEST_APPLESS_MAIN(TestPubSubChecker)
#include "tst_pubsubchecker.moc"
