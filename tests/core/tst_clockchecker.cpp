// The clock checker (core/clockchecker.h): (send, receive) pairs whose local timestamps contradict
// causality, counted along a trace under offsets, drift and jumps; frames lost on arrival or still
// in flight are not pairs; the first few are named. Then on an engine run of the clock-skew
// example: contradictions with its clocks, none with the clocks removed.
#include "clockchecker.h"
#include "summary.h"

#include "../engine/enginetest.h"

using namespace sb;

namespace {

TraceEvent send(double ms, NodeIndex from, NodeIndex to, double arriveMs, std::uint64_t id)
{
    TraceEvent e;
    e.kind = TraceKind::Send;
    e.time = fromMilliseconds(ms);
    e.aux = fromMilliseconds(arriveMs);
    e.node = from;
    e.peer = to;
    e.link = from < to ? 0 : 1;
    e.messageId = id;
    e.frame = from < to ? FrameType::Publish : FrameType::Ack;
    return e;
}

TraceEvent processAt(double ms, NodeIndex node)
{
    TraceEvent e;
    e.kind = TraceKind::Process;
    e.time = fromMilliseconds(ms);
    e.node = node;
    return e;
}

// Three request-replies between node 0 and node 1: requests at 10, 20, 30 ms taking 1 ms, replies
// 1 ms after each arrival, also taking 1 ms.
std::vector<TraceEvent> exchanges()
{
    std::vector<TraceEvent> out;
    for (int k = 1; k <= 3; ++k) {
        const double t = 10.0 * k;
        out.push_back(send(t, 0, 1, t + 1, k));
        out.push_back(processAt(t + 1, 1));
        out.push_back(send(t + 2, 1, 0, t + 3, k));
        out.push_back(processAt(t + 3, 0));
    }
    return out;
}

ClockAnomalies check(const std::vector<TraceEvent> &events, std::vector<NodeClock> clocks,
                     std::size_t keep = 5)
{
    ClockChecker c(std::move(clocks), keep);
    for (const auto &e : events)
        c.onEvent(e);
    c.finish(events.empty() ? 0 : events.back().time);
    return c.anomalies();
}

sb::Topology exampleTopology(const char *name)
{
    auto loaded = loadTopologyFile(std::string(SIGNALBOX_EXAMPLES_DIR "/") + name);
    if (!loaded.ok()) qFatal("cannot load example %s: %s", name, loaded.errorText().c_str());
    return *loaded.topology;
}

} // namespace

class TestClockChecker : public QObject {
    Q_OBJECT
private slots:
    void counts_data();
    void counts();
    void namesTheFirstOffenders();
    void lostAndInFlightFramesAreNotPairs();
    void skewedExample_data();
    void skewedExample();
    void summarySection();
};

void TestClockChecker::counts_data()
{
    QTest::addColumn<Json>("clock1");
    QTest::addColumn<int>("contradicting");
    QTest::addColumn<int>("received");
    QTest::newRow("true time") << Json::object() << 0 << 6;
    QTest::newRow("behind 50ms: every request") << Json{{"offset", -50}} << 3 << 6;
    QTest::newRow("ahead 50ms: every reply") << Json{{"offset", 50}} << 3 << 6;
    QTest::newRow("behind 0.5ms: less than a flight") << Json{{"offset", -0.5}} << 0 << 6;
    // Steps back 5 ms at 20.5 ms, and stays 5 ms behind: the second and third requests.
    QTest::newRow("jump back") << Json{{"jumps", Json::array({{{"at", "20.5ms"}, {"by", -5}}})}} << 2 << 6;
    // 10% slow reads 0.9 t: the requests arriving at 11, 21, 31 ms read 9.9, 18.9, 27.9 ms.
    QTest::newRow("drift -10%") << Json{{"drift", -100000}} << 3 << 6;
}

void TestClockChecker::counts()
{
    QFETCH(Json, clock1);
    QFETCH(int, contradicting);
    QFETCH(int, received);
    const ClockAnomalies a = check(exchanges(), {NodeClock(), NodeClock::fromJson(clock1)});
    QVERIFY(a.checked);
    QCOMPARE(a.contradicting, std::uint64_t(contradicting));
    QCOMPARE(a.received, std::uint64_t(received));
    QCOMPARE(a.first.size(), std::size_t(contradicting));
    for (const auto &c : a.first)
        QVERIFY(c.receivedLocal < c.sentLocal);
}

void TestClockChecker::namesTheFirstOffenders()
{
    const ClockAnomalies a = check(exchanges(), {NodeClock(), NodeClock::fromJson({{"offset", -50}})}, 2);
    QCOMPARE(a.contradicting, std::uint64_t(3));
    QCOMPARE(a.first.size(), std::size_t(2)); // the first two are kept, all three counted
    const ClockContradiction &c = a.first[0];
    QCOMPARE(c.messageId, std::uint64_t(1));
    QCOMPARE(c.from, NodeIndex(0));
    QCOMPARE(c.to, NodeIndex(1));
    QCOMPARE(c.link, LinkIndex(0));
    QCOMPARE(c.frame, FrameType::Publish);
    QCOMPARE(c.sent, fromMilliseconds(10));
    QCOMPARE(c.received, fromMilliseconds(11));
    QCOMPARE(c.sentLocal, fromMilliseconds(10));
    QCOMPARE(c.receivedLocal, fromMilliseconds(-39));
    QCOMPARE(a.first[1].messageId, std::uint64_t(2));
}

void TestClockChecker::lostAndInFlightFramesAreNotPairs()
{
    std::vector<TraceEvent> events = exchanges();
    // The first request is dropped on arrival (the link went down while it flew)...
    TraceEvent drop = events[0];
    drop.kind = TraceKind::Drop;
    drop.reason = DropReason::Partition;
    drop.time = drop.aux;
    events.insert(events.begin() + 1, drop);
    // ...and a last one is still in flight when the trace ends.
    events.push_back(send(40, 0, 1, 90, 4));
    const ClockAnomalies a = check(events, {NodeClock(), NodeClock::fromJson({{"offset", -50}})});
    QCOMPARE(a.received, std::uint64_t(5));
    QCOMPARE(a.contradicting, std::uint64_t(2));
    QCOMPARE(a.first.front().messageId, std::uint64_t(2));
}

void TestClockChecker::skewedExample_data()
{
    QTest::addColumn<bool>("withClocks");
    QTest::newRow("clocks as in the file") << true;
    QTest::newRow("clocks removed") << false;
}

void TestClockChecker::skewedExample()
{
    QFETCH(bool, withClocks);
    sb::Topology t = exampleTopology("clock-skew.json");
    bool skewed = false;
    for (auto &n : t.nodes) {
        skewed = skewed || !NodeClock::fromJson(n.clock).exact();
        if (!withClocks) n.clock = Json::object();
    }
    QVERIFY2(skewed, "the example must give some node a clock");
    auto run = sbtest::run(t, 2 * kSecond);
    QVERIFY(run);
    const auto clocks = nodeClocks(t);
    const ClockAnomalies a = check(run->trace.events, clocks);
    QVERIFY(a.received > 10);
    if (withClocks) {
        QVERIFY2(a.contradicting > 0, "a skewed clock must make some receive precede its send");
        QVERIFY(!a.first.empty());
        // Lamport order never contradicts: every receive's Lamport value is above its send's.
        const auto steps = causalSteps(run->trace.events, t.nodes.size(), clocks);
        std::size_t contradictions = 0;
        std::map<std::size_t, std::uint64_t> sendLamport;
        for (const auto &s : steps) {
            if (!s.receive) {
                sendLamport[s.event] = s.lamport;
                continue;
            }
            QVERIFY(s.lamport > sendLamport.at(s.event));
            contradictions += s.contradicts;
        }
        QCOMPARE(contradictions, a.contradicting); // the diagram's marks and the checker agree
    } else {
        QCOMPARE(a.contradicting, std::uint64_t(0));
    }
}

void TestClockChecker::summarySection()
{
    RunSummary s;
    s.nodes.resize(2);
    s.nodes[0].id = "shop";
    s.nodes[0].name = "Shop";
    s.nodes[1].id = "billing";
    s.nodes[1].name = "Billing";
    s.links.push_back({"publish", "shop", "billing", {}});
    QCOMPARE(formatClockAnomalies(s), std::string()); // not checked: no section
    QVERIFY(!summaryToJson(s).contains("clock_anomalies"));
    s.clockAnomalies = check(exchanges(), {NodeClock(), NodeClock::fromJson({{"offset", -50}})}, 2);
    const std::string text = formatSummary(s);
    QVERIFY2(text.find("\nClock anomalies: 3 of 6 received frames were received before they were sent") !=
                 std::string::npos,
             text.c_str());
    QVERIFY2(text.find("  publish of message 1 Shop -> Billing (link publish): sent at 10ms (local 10ms), "
                       "received at 11ms (local -39ms)\n") != std::string::npos,
             text.c_str());
    QVERIFY2(text.find("  ... and 1 more\n") != std::string::npos, text.c_str());
    const Json j = summaryToJson(s)["clock_anomalies"];
    QCOMPARE(j["contradicting"].get<int>(), 3);
    QCOMPARE(j["received"].get<int>(), 6);
    QCOMPARE(j["examples"].size(), std::size_t(2));
    QCOMPARE(j["examples"][0]["from"].get<std::string>(), std::string("shop"));
    QCOMPARE(j["examples"][0]["to"].get<std::string>(), std::string("billing"));
    QCOMPARE(j["examples"][0]["link"].get<std::string>(), std::string("publish"));
    QCOMPARE(j["examples"][0]["received_local_ns"].get<std::int64_t>(), fromMilliseconds(-39));
}

QTEST_GUILESS_MAIN(TestClockChecker)
#include "tst_clockchecker.moc"
