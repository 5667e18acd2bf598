// The outbox checker on synthetic traces: each check counts what it should (a committed change
// nobody heard of, an event whose change never committed, a second processing without dedupe)
// and nothing else; its findings name the message, the row, the node and the time.
#include "outboxchecker.h"

#include <QtTest>

using namespace sb;

using Events = std::vector<TraceEvent>;
Q_DECLARE_METATYPE(Events)

class TestOutboxChecker : public QObject {
    Q_OBJECT
private slots:
    void counts_data();
    void counts();
    void findingsNameMessageRowNodeAndTime();
    void anyNeedsAService();
    void helpListsEveryCheck();
};

namespace {

// Nodes: 0 the service, 1 a queue, 2 a consumer, 3 another consumer, 4 another queue, 5 a plain
// AMQP producer (not a service: its messages are not the checker's).
constexpr NodeIndex kService = 0, kQueue = 1, kConsumer = 2, kOther = 3, kQueue2 = 4, kProducer = 5;

TraceEvent ev(TraceKind k, std::uint64_t id, SimTime t, NodeIndex node, NodeIndex peer = kNoIndex)
{
    TraceEvent e;
    e.kind = k;
    e.messageId = id;
    e.time = t;
    e.node = node;
    e.peer = peer;
    return e;
}
TraceEvent commit(std::uint64_t id, SimTime t, bool transactional = false)
{
    TraceEvent e = ev(TraceKind::DbCommit, id, t, kService);
    if (transactional) e.flags = TraceFlag::Transactional;
    return e;
}
TraceEvent publish(std::uint64_t id, SimTime t, NodeIndex node = kService)
{
    TraceEvent e = ev(TraceKind::Publish, id, t, node);
    e.flags = TraceFlag::Confirmed;
    return e;
}
TraceEvent process(std::uint64_t id, SimTime t, NodeIndex consumer = kConsumer, NodeIndex queue = kQueue)
{
    return ev(TraceKind::Process, id, t, consumer, queue);
}
TraceEvent gaveUp(std::uint64_t id, SimTime t)
{
    TraceEvent e = ev(TraceKind::Drop, id, t, kService);
    e.reason = DropReason::RetriesExhausted;
    return e;
}

OutboxChecker makeChecker()
{
    return OutboxChecker({true, false, false, false, false, false},
                         {"orders", "events", "billing", "audit", "events-2", "plain"});
}

std::uint64_t countOf(const OutboxChecker &c, const char *check)
{
    for (const auto &r : c.checks())
        if (r.check == check) return r.count;
    return ~std::uint64_t{0};
}

} // namespace

void TestOutboxChecker::counts_data()
{
    QTest::addColumn<Events>("events");
    QTest::addColumn<int>("lost");
    QTest::addColumn<int>("phantom");
    QTest::addColumn<int>("duplicates");
    QTest::newRow("committed, published, processed")
        << Events{commit(1, 1), publish(1, 2), process(1, 3)} << 0 << 0 << 0;
    QTest::newRow("committed, never published") << Events{commit(1, 1)} << 1 << 0 << 0;
    QTest::newRow("committed, published, given up")
        << Events{commit(1, 1), publish(1, 2), gaveUp(1, 9)} << 1 << 0 << 0;
    QTest::newRow("committed, published, processed by nobody")
        << Events{commit(1, 1), publish(1, 2)} << 1 << 0 << 0;
    QTest::newRow("still in the outbox: pending, not lost") << Events{commit(1, 1, true)} << 0 << 0 << 0;
    QTest::newRow("relayed, confirmed, processed by nobody")
        << Events{commit(1, 1, true), ev(TraceKind::Relay, 1, 2, kService), publish(1, 2),
                  ev(TraceKind::Confirm, 1, 3, kService)}
        << 1 << 0 << 0;
    QTest::newRow("published and processed, never committed")
        << Events{publish(1, 1), process(1, 2)} << 0 << 1 << 0;
    QTest::newRow("published, committed later")
        << Events{publish(1, 1), process(1, 2), commit(1, 3)} << 0 << 0 << 0;
    QTest::newRow("processed twice by one consumer")
        << Events{commit(1, 1), publish(1, 2), process(1, 3), process(1, 4)} << 0 << 0 << 1;
    QTest::newRow("processed three times: two duplicates")
        << Events{commit(1, 1), publish(1, 2), process(1, 3), process(1, 4), process(1, 5)} << 0 << 0 << 2;
    QTest::newRow("processed, then deduped")
        << Events{commit(1, 1), publish(1, 2), process(1, 3), ev(TraceKind::Dedupe, 1, 4, kConsumer, kQueue)}
        << 0 << 0 << 0;
    QTest::newRow("processed by two consumers (a fanout)")
        << Events{commit(1, 1), publish(1, 2), process(1, 3), process(1, 4, kOther)} << 0 << 0 << 0;
    QTest::newRow("one consumer, two queues' copies")
        << Events{commit(1, 1), publish(1, 2), process(1, 3), process(1, 4, kConsumer, kQueue2)} << 0 << 0
        << 0;
    QTest::newRow("a plain producer's messages are not the checker's")
        << Events{publish(7, 1, kProducer), process(7, 2), process(7, 3)} << 0 << 0 << 0;
    QTest::newRow("each event on its own")
        << Events{commit(1, 1),  commit(2, 2), publish(2, 3), process(2, 4),  publish(3, 5), process(3, 6),
                  process(3, 7), commit(4, 8), publish(4, 9), process(4, 10), process(4, 11)}
        << 1 << 1 << 2;
}

void TestOutboxChecker::counts()
{
    QFETCH(Events, events);
    QFETCH(int, lost);
    QFETCH(int, phantom);
    QFETCH(int, duplicates);
    OutboxChecker c = makeChecker();
    for (const auto &e : events)
        c.onEvent(e);
    QVERIFY(c.any());
    QCOMPARE(countOf(c, OutboxChecker::kLost), quint64(lost));
    QCOMPARE(countOf(c, OutboxChecker::kPhantom), quint64(phantom));
    QCOMPARE(countOf(c, OutboxChecker::kDuplicates), quint64(duplicates));
    for (const auto &r : c.checks()) {
        QCOMPARE(r.examples.size(), std::size_t(r.count));
        for (const auto &f : r.examples)
            QCOMPARE(f.check, r.check);
    }
}

void TestOutboxChecker::findingsNameMessageRowNodeAndTime()
{
    OutboxChecker c = makeChecker();
    Message m;
    m.id = 1;
    m.key = "order-7";
    m.producer = kService;
    c.onMessage(m);
    m.id = 2;
    m.key = "order-8";
    c.onMessage(m);
    c.onEvent(commit(1, 5 * kMillisecond));
    c.onEvent(publish(2, 6 * kMillisecond));
    c.onEvent(process(2, 8 * kMillisecond));
    c.onEvent(process(2, 9 * kMillisecond));
    const auto checks = c.checks();
    QCOMPARE(checks.size(), std::size_t(3));

    const Finding &lost = checks[0].examples.at(0);
    QCOMPARE(lost.messageId, quint64(1));
    QCOMPARE(lost.subject, std::string("message 1"));
    QCOMPARE(lost.node, kService);
    QCOMPARE(lost.time, 5 * kMillisecond);
    QCOMPARE(lost.what, std::string("message 1 (row order-7) of orders: the change committed at 5ms but its "
                                    "event was never published"));

    const Finding &phantom = checks[1].examples.at(0);
    QCOMPARE(phantom.messageId, quint64(2));
    QCOMPARE(phantom.node, kService);
    QCOMPARE(phantom.time, 6 * kMillisecond);
    QCOMPARE(phantom.what,
             std::string("message 2 (row order-8) of orders was published at 6ms and processed by "
                         "billing but its change never committed"));

    const Finding &twice = checks[2].examples.at(0);
    QCOMPARE(twice.messageId, quint64(2));
    QCOMPARE(twice.node, kConsumer);
    QCOMPARE(twice.time, 9 * kMillisecond);
    QCOMPARE(twice.what,
             std::string("message 2 (row order-8) from orders processed 2 times by billing from events"));
}

void TestOutboxChecker::anyNeedsAService()
{
    OutboxChecker none({false, false}, {"p", "q"});
    none.onEvent(publish(1, 1, 0));
    QVERIFY(!none.any());
    OutboxChecker one({false, true}, {"q", "svc"});
    QVERIFY(one.any());
    Topology t;
    t.nodes.push_back({"svc", "outbox-service", "svc", Json::object(), {}});
    QVERIFY(OutboxChecker::forTopology(t, {"svc"})->any());
    t.nodes[0].kind = "producer";
    QVERIFY(!OutboxChecker::forTopology(t, {"svc"})->any());
}

void TestOutboxChecker::helpListsEveryCheck()
{
    std::vector<std::string> names;
    for (const auto &[name, help] : domainCheckHelp()) {
        names.push_back(name);
        QVERIFY(!help.empty());
    }
    for (const char *check : {OutboxChecker::kLost, OutboxChecker::kPhantom, OutboxChecker::kDuplicates})
        QVERIFY2(std::find(names.begin(), names.end(), check) != names.end(), check);
    // makeDomainCheckers makes it: a topology with a service gets its checks.
    Topology t;
    t.nodes.push_back({"svc", "outbox-service", "svc", Json::object(), {}});
    bool found = false;
    for (const auto &checker : makeDomainCheckers(t, {"svc"}))
        for (const auto &r : checker->checks())
            found = found || r.check == OutboxChecker::kPhantom;
    QVERIFY(found);
}

QTEST_GUILESS_MAIN(TestOutboxChecker)
#include "tst_outboxchecker.moc"
