// Producer semantics: arrival processes, stop conditions, keys, templates, scripts, confirms.
#include "enginetest.h"

#include <map>
#include <set>

using namespace sb;
using namespace sbtest;

namespace {
// Producer -> queue (no consumer); returns the run.
std::unique_ptr<Run> produce(Json props, SimTime until = 600 * kSecond, Json link = Json::object())
{
    TopologyBuilder b;
    b.node("p", "producer", std::move(props)).node("q", "queue");
    b.link("p", "q", std::move(link));
    return run(b.topology(), until);
}
} // namespace

class TestProducer : public QObject {
    Q_OBJECT
private slots:
    void rates_data();
    void rates();
    void stopConditions_data();
    void stopConditions();
    void keyDistributions();
    void templates();
    void scriptTiming();
    void confirmsSurviveLoss();
    void confirmWindow_data();
    void confirmWindow();
    void retriesBackOffExponentially();
    void messageBudget();
};

void TestProducer::rates_data()
{
    QTest::addColumn<QString>("arrival");
    QTest::addColumn<int>("minCount");
    QTest::addColumn<int>("maxCount");
    // 100 msg/s for 10 s of virtual time.
    QTest::newRow("constant") << "constant" << 1000 << 1001;
    QTest::newRow("poisson") << "poisson" << 900 << 1100;
    QTest::newRow("bursts") << "bursts" << 1000 << 1010;
}

void TestProducer::rates()
{
    QFETCH(QString, arrival);
    QFETCH(int, minCount);
    QFETCH(int, maxCount);
    auto r = produce({{"rate", 100}, {"arrival", arrival.toStdString()}, {"burstSize", 10}}, 10 * kSecond);
    QVERIFY(r);
    const int n = int(r->node("p").published);
    QVERIFY2(n >= minCount && n <= maxCount, qPrintable(QString("%1 published").arg(n)));
    if (arrival == "bursts") {
        std::map<SimTime, int> perInstant;
        for (const auto &e : r->trace.events)
            if (e.kind == TraceKind::Publish) ++perInstant[e.time];
        for (const auto &[t, k] : perInstant)
            QCOMPARE(k, 10);
    }
}

void TestProducer::stopConditions_data()
{
    QTest::addColumn<int>("count");
    QTest::addColumn<int>("durationMs");
    QTest::addColumn<int>("expected");
    QTest::newRow("count") << 37 << 0 << 37;
    QTest::newRow("duration") << 0 << 500 << 50;
    QTest::newRow("count first") << 20 << 500 << 20;
}

void TestProducer::stopConditions()
{
    QFETCH(int, count);
    QFETCH(int, durationMs);
    QFETCH(int, expected);
    auto r = produce({{"rate", 100}, {"count", count}, {"duration", durationMs}});
    QVERIFY(r);
    QCOMPARE(int(r->node("p").published), expected);
    QCOMPARE(r->reason, StopReason::Quiescent);
}

void TestProducer::keyDistributions()
{
    // Keys are visible through the routing-key template "{key}" and a direct exchange binding
    // per key: count what each bound queue receives.
    auto routed = [](Json producer, int keyCount) {
        TopologyBuilder b;
        b.node("p", "producer", std::move(producer)).node("x", "exchange", {{"type", "direct"}});
        b.link("p", "x");
        for (int k = 0; k < keyCount; ++k) {
            const std::string q = "q" + std::to_string(k);
            b.node(q, "queue").link("x", q, {}, "out").bind("x", q, "key-" + std::to_string(k));
        }
        auto r = run(b.topology());
        std::vector<int> counts;
        for (int k = 0; k < keyCount; ++k)
            counts.push_back(int(r->node("q" + std::to_string(k)).enqueued));
        return counts;
    };
    // list: cycles in order
    {
        auto counts = routed({{"rate", 1000},
                              {"count", 9},
                              {"keys", "list"},
                              {"keyList", {"key-0", "key-1", "key-2"}},
                              {"routingKey", "{key}"}},
                             3);
        QCOMPARE(counts, (std::vector<int>{3, 3, 3}));
    }
    // uniform over 4 keys: every key used, roughly evenly
    {
        auto counts = routed(
            {{"rate", 1000}, {"count", 4000}, {"keys", "uniform"}, {"keyCount", 4}, {"routingKey", "{key}"}},
            4);
        for (int c : counts)
            QVERIFY2(c > 850 && c < 1150, qPrintable(QString::number(c)));
    }
    // zipf: rank 0 most frequent, decreasing
    {
        auto counts = routed({{"rate", 1000},
                              {"count", 4000},
                              {"keys", "zipf"},
                              {"keyCount", 4},
                              {"zipfExponent", 1.2},
                              {"routingKey", "{key}"}},
                             4);
        QVERIFY(counts[0] > counts[1] && counts[1] > counts[2] && counts[2] > counts[3]);
        QVERIFY(counts[0] > 1600);
    }
}

void TestProducer::templates()
{
    // {seq} in the routing key: message n is routed by key "job.n".
    TopologyBuilder b;
    b.node("p", "producer", {{"rate", 1000}, {"count", 5}, {"routingKey", "job.{seq}"}})
        .node("x", "exchange", {{"type", "topic"}});
    b.node("odd", "queue").node("three", "queue");
    b.link("p", "x").link("x", "odd", {}, "out").link("x", "three", {}, "out");
    b.bind("x", "odd", "job.1").bind("x", "odd", "job.5").bind("x", "three", "job.3");
    auto r = run(b.topology());
    QVERIFY(r);
    QCOMPARE(r->node("odd").enqueued, std::uint64_t(2));
    QCOMPARE(r->node("three").enqueued, std::uint64_t(1));
    QCOMPARE(r->trace.count(TraceKind::Drop, DropReason::Unroutable), std::size_t(2));
}

void TestProducer::scriptTiming()
{
    Json s = Json::array();
    s.push_back({{"at", "5ms"}, {"routingKey", "a"}});
    s.push_back({{"at", 12.5}, {"routingKey", "b"}, {"correlationId", 77}});
    s.push_back({{"at", "1s"}, {"routingKey", "c"}, {"size", 4096}});
    auto r = produce({{"script", s}});
    QVERIFY(r);
    std::vector<SimTime> times;
    std::vector<std::uint64_t> corr;
    std::vector<std::int64_t> sizes;
    for (const auto &e : r->trace.events)
        if (e.kind == TraceKind::Publish) {
            times.push_back(e.time);
            corr.push_back(e.correlationId);
            sizes.push_back(e.aux);
        }
    QCOMPARE(times, (std::vector<SimTime>{5 * kMillisecond, 12500 * kMicrosecond, kSecond}));
    QCOMPARE(corr, (std::vector<std::uint64_t>{0, 77, 0}));
    QCOMPARE(sizes, (std::vector<std::int64_t>{256, 256, 4096}));
}

void TestProducer::confirmsSurviveLoss()
{
    auto r = produce({{"rate", 100},
                      {"count", 200},
                      {"sendMode", "confirmed"},
                      {"confirmTimeout", 50},
                      {"retries", 20},
                      {"retryBackoff", 1},
                      {"maxInFlight", 10}},
                     600 * kSecond, {{"loss", 0.2}});
    QVERIFY(r);
    const auto &p = r->node("p");
    QCOMPARE(p.published, std::uint64_t(200));
    QCOMPARE(p.confirmed, std::uint64_t(200));
    QVERIFY(p.retries > 0);
    QCOMPARE(p.timeouts, p.retries);
    // Every message reached the queue; a lost confirm makes the retry a duplicate copy.
    std::set<std::uint64_t> ids;
    for (const auto &e : r->trace.events)
        if (e.kind == TraceKind::Enqueue) ids.insert(e.messageId);
    QCOMPARE(ids.size(), std::size_t(200));
    QVERIFY(r->node("q").enqueued >= 200);
    QCOMPARE(r->report().lost, std::uint64_t(0));
}

void TestProducer::confirmWindow_data()
{
    QTest::addColumn<int>("window");
    QTest::newRow("1 (synchronous)") << 1;
    QTest::newRow("4") << 4;
    QTest::newRow("16") << 16;
}

void TestProducer::confirmWindow()
{
    QFETCH(int, window);
    auto r = produce({{"rate", 10000}, {"count", 100}, {"sendMode", "confirmed"}, {"maxInFlight", window}},
                     600 * kSecond, {{"latency", "5ms"}});
    QVERIFY(r);
    int outstanding = 0, most = 0;
    const NodeIndex p = r->index("p");
    for (const auto &e : r->trace.events) {
        if (e.kind == TraceKind::Send && e.node == p && e.frame == FrameType::Publish)
            most = std::max(most, ++outstanding);
        if (e.kind == TraceKind::Confirm) --outstanding;
    }
    QCOMPARE(most, window);
    QCOMPARE(r->node("p").confirmed, std::uint64_t(100));
}

void TestProducer::retriesBackOffExponentially()
{
    // A link that loses everything: no confirm ever comes, so the producer retries 3 times after
    // 10, 20 and 40 ms of backoff, then gives up.
    auto r = produce({{"script", script(1)},
                      {"sendMode", "confirmed"},
                      {"confirmTimeout", 100},
                      {"retries", 3},
                      {"retryBackoff", 10}},
                     600 * kSecond, {{"loss", 1.0}});
    QVERIFY(r);
    std::vector<SimTime> sends;
    for (const auto &e : r->trace.events)
        if (e.kind == TraceKind::Drop && e.link != kNoIndex && e.frame == FrameType::Publish)
            sends.push_back(e.time);
    // attempt 1 at 0; timeout at 100, retry at 110; timeout 210, retry 230; timeout 330, retry 370.
    QCOMPARE(sends, (std::vector<SimTime>{0, 110 * kMillisecond, 230 * kMillisecond, 370 * kMillisecond}));
    QCOMPARE(r->trace.count(TraceKind::Drop, DropReason::RetriesExhausted), std::size_t(1));
    QCOMPARE(r->report().lost, std::uint64_t(1));
}

void TestProducer::messageBudget()
{
    TopologyBuilder b;
    b.node("p1", "producer", {{"rate", 100}}).node("p2", "producer", {{"rate", 100}}).node("q", "queue");
    b.link("p1", "q").link("p2", "q");
    auto r = prepare(b.topology());
    QVERIFY(r);
    r->sim->setMessageBudget(50);
    QCOMPARE(r->sim->run(RunOptions{}), StopReason::Quiescent);
    QCOMPARE(r->node("q").enqueued, std::uint64_t(50));
    QCOMPARE(r->sim->messagesPublished(), std::uint64_t(50));
}

QTEST_APPLESS_MAIN(TestProducer)
#include "tst_producer.moc"
