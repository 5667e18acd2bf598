// The order check of the delivery checker: a consumer should process one producer's messages from
// one queue in publish order. Requeues, a link that reorders, and a consumer that processes several
// messages at once break it; competing consumers and interleaved producers do not.
#include "enginetest.h"

#include <map>
#include <tuple>

using namespace sb;
using namespace sbtest;

namespace {
// Producers p1 (and p2) publish into q; consumers c1 (and c2) take from it.
Topology ordered(int producers, int consumers, const Json &consumer, const Json &deliverLink)
{
    TopologyBuilder b;
    for (int i = 1; i <= producers; ++i)
        b.node("p" + std::to_string(i), "producer", {{"rate", 500}, {"count", 300}});
    b.node("q", "queue");
    for (int i = 1; i <= consumers; ++i)
        b.node("c" + std::to_string(i), "consumer", consumer);
    for (int i = 1; i <= producers; ++i)
        b.link("p" + std::to_string(i), "q");
    for (int i = 1; i <= consumers; ++i)
        b.link("q", "c" + std::to_string(i), deliverLink);
    b.seed(3);
    return b.topology();
}

// The definition, counted straight from the trace: a processing whose message id is below the
// largest already processed at the same consumer, from the same queue and producer.
std::uint64_t countOutOfOrder(const std::vector<TraceEvent> &events)
{
    std::map<std::uint64_t, NodeIndex> producerOf;
    std::map<std::tuple<NodeIndex, NodeIndex, NodeIndex>, std::uint64_t> largest;
    std::uint64_t n = 0;
    for (const auto &e : events) {
        if (e.kind == TraceKind::Publish) producerOf[e.messageId] = e.node;
        if (e.kind != TraceKind::Process) continue;
        auto &top = largest[{e.node, e.peer, producerOf.at(e.messageId)}];
        if (e.messageId < top) ++n;
        top = std::max(top, e.messageId);
    }
    return n;
}
} // namespace

class TestOrderCheck : public QObject {
    Q_OBJECT
private slots:
    void outOfOrder_data();
    void outOfOrder();
    void bundledExampleShowsWhatBreaksOrder();
};

void TestOrderCheck::outOfOrder_data()
{
    QTest::addColumn<int>("producers");
    QTest::addColumn<int>("consumers");
    QTest::addColumn<QString>("consumer"); // JSON
    QTest::addColumn<QString>("link");     // JSON, queue to consumer
    QTest::addColumn<bool>("inOrder");
    QTest::newRow("one consumer") << 1 << 1 << R"j({"processing": "1ms"})j"
                                  << "{}" << true;
    QTest::newRow("competing consumers") << 1 << 3 << R"j({"processing": "uniform(1ms,9ms)"})j"
                                         << "{}" << true;
    QTest::newRow("two producers, interleaved") << 2 << 1 << R"j({"processing": "1ms"})j"
                                                << "{}" << true;
    QTest::newRow("requeue on failure")
        << 1 << 1 << R"j({"processing": "1ms", "failureProbability": 0.2, "onFailure": "requeue"})j"
        << "{}" << false;
    QTest::newRow("concurrent processing")
        << 1 << 1 << R"j({"processing": "uniform(1ms,20ms)", "concurrency": 4})j"
        << "{}" << false;
    QTest::newRow("reordering link") << 1 << 1 << R"j({"processing": "1ms", "prefetch": 50})j"
                                     << R"j({"latency": "uniform(1ms,30ms)", "ordered": false})j" << false;
    QTest::newRow("ordered link, same latency")
        << 1 << 1 << R"j({"processing": "1ms", "prefetch": 50})j"
        << R"j({"latency": "uniform(1ms,30ms)", "ordered": true})j" << true;
}

void TestOrderCheck::outOfOrder()
{
    QFETCH(int, producers);
    QFETCH(int, consumers);
    QFETCH(QString, consumer);
    QFETCH(QString, link);
    QFETCH(bool, inOrder);
    auto r = run(
        ordered(producers, consumers, Json::parse(consumer.toStdString()), Json::parse(link.toStdString())));
    QVERIFY(r);
    const DeliveryReport report = r->report();
    QCOMPARE(report.processed, std::uint64_t(300 * producers));
    QCOMPARE(report.outOfOrder, countOutOfOrder(r->trace.events));
    if (inOrder) {
        QCOMPARE(report.outOfOrder, std::uint64_t(0));
        QVERIFY(report.outOfOrderExamples.empty());
        return;
    }
    QVERIFY(report.outOfOrder > 0);
    QVERIFY(!report.outOfOrderExamples.empty());
    QVERIFY(report.outOfOrderExamples.size() <= 5);
    // Each example happened as told: `after` was processed at that consumer before `messageId`.
    for (const auto &v : report.outOfOrderExamples) {
        QVERIFY(v.messageId < v.after);
        QCOMPARE(v.queue, r->index("q"));
        SimTime afterAt = kNever, at = kNever;
        for (const auto &e : r->trace.events)
            if (e.kind == TraceKind::Process && e.node == v.consumer) {
                if (e.messageId == v.after && afterAt == kNever) afterAt = e.time;
                if (e.messageId == v.messageId && e.time == v.time) at = e.time;
            }
        QVERIFY(afterAt != kNever && at != kNever);
        QVERIFY(afterAt <= at);
    }
}

// resources/examples/ordering.json: the same messages through three queues; only the consumer
// that takes one message at a time and never fails keeps publish order.
void TestOrderCheck::bundledExampleShowsWhatBreaksOrder()
{
    const LoadResult loaded = loadTopologyFile(SIGNALBOX_EXAMPLES_DIR "/ordering.json");
    QVERIFY2(loaded.ok(), loaded.errorText().c_str());
    auto r = run(*loaded.topology);
    QVERIFY(r);
    const DeliveryReport report = r->checker->report(1000); // the first 64 violations are kept
    QCOMPARE(report.outOfOrder, countOutOfOrder(r->trace.events));
    std::map<NodeIndex, std::uint64_t> byConsumer;
    for (const auto &v : report.outOfOrderExamples)
        ++byConsumer[v.consumer];
    QCOMPARE(byConsumer.count(r->index("in-order")), std::size_t(0));
    QVERIFY(byConsumer[r->index("flaky")] > 0);
    QVERIFY(byConsumer[r->index("concurrent")] > 0);
    QCOMPARE(report.lost, std::uint64_t(0));
    QCOMPARE(report.processed, std::uint64_t(1500));
}

QTEST_APPLESS_MAIN(TestOrderCheck)
#include "tst_ordercheck.moc"
