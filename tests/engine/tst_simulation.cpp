// The executor: determinism, stepping, stop conditions, pause/stop/post across threads, pacing,
// partitions and crashes.
#include "enginetest.h"
#include "summary.h"
#include "testfiles.h"

#include <QFileInfo>

#include <atomic>
#include <thread>

using namespace sb;
using namespace sbtest;

namespace {

std::pair<std::uint64_t, std::uint64_t> hashRun(const Topology &t, std::uint64_t seed, SimTime until)
{
    std::string error;
    auto sim = Simulation::build(t, error);
    if (!sim) return {0, 0};
    sim->setSeed(seed);
    HashSink hash;
    sim->addSink(&hash);
    RunOptions o;
    o.until = until;
    sim->run(o);
    return {hash.hash(), hash.count()};
}

// A producer that never stops: only a pause or stop request ends a run of it.
Topology endless()
{
    TopologyBuilder b;
    b.node("p", "producer", {{"rate", 1000}})
        .node("q", "queue")
        .node("c", "consumer", {{"processing", "1ms"}});
    b.link("p", "q").link("q", "c");
    return b.topology();
}

Topology workQueue()
{
    TopologyBuilder b;
    b.node("p", "producer", {{"rate", 200}, {"arrival", "poisson"}, {"count", 500}})
        .node("q", "queue")
        .node("c1", "consumer", {{"processing", "exp(5ms)"}})
        .node("c2", "consumer", {{"processing", "exp(5ms)"}});
    b.link("p", "q", {{"latency", "uniform(1ms,3ms)"}, {"loss", 0.01}}).link("q", "c1").link("q", "c2");
    return b.topology();
}
// One message from producer p through queue q to consumer c.
Topology oneMessageChain()
{
    TopologyBuilder b;
    b.node("p", "producer", {{"script", script(1)}}).node("q", "queue").node("c", "consumer");
    b.link("p", "q").link("q", "c");
    return b.topology();
}

} // namespace

class TestSimulation : public QObject {
    Q_OBJECT
private slots:
    void deterministic_data();
    void deterministic();
    void seedChangesRun();
    void stepProcessesOneEvent();
    void untilStopsAtTime();
    void pauseFromAnotherThread();
    void stopFromAnotherThread();
    void postRunsOnEngineThread();
    void pacingFollowsWallClock_data();
    void pacingFollowsWallClock();
    void partitionDropsFrames();
    void crashedConsumerWorkIsRedelivered();
    void pausedNodeHoldsWorkUntilResumed();
    void crashEndsPause();
    void pausedNodeKeepsRunAliveUntilLimit();
    void liveChangesAreTracedAndSummarised();
    void summaryEventsAreTraceEvents_data();
    void summaryEventsAreTraceEvents();
    void buildRejectsInvalidTopology();
    void exchangeCycleIsRefused();
};

void TestSimulation::deterministic_data()
{
    QTest::addColumn<QString>("file");
    for (const QString &f : sbtest::exampleFiles())
        QTest::newRow(qPrintable(QFileInfo(f).fileName())) << f;
}

void TestSimulation::deterministic()
{
    QFETCH(QString, file);
    auto loaded = loadTopologyFile(file.toStdString());
    QVERIFY2(loaded.ok(), loaded.errorText().c_str());
    auto a = hashRun(*loaded.topology, 1234, 5 * kSecond);
    auto b = hashRun(*loaded.topology, 1234, 5 * kSecond);
    QVERIFY(a.second > 0);
    QCOMPARE(a, b);
}

void TestSimulation::seedChangesRun()
{
    auto a = hashRun(workQueue(), 1, 10 * kSecond);
    auto b = hashRun(workQueue(), 2, 10 * kSecond);
    QVERIFY(a.first != b.first);
}

void TestSimulation::stepProcessesOneEvent()
{
    auto r = prepare(workQueue());
    QVERIFY(r);
    std::uint64_t steps = 0;
    SimTime last = 0;
    while (r->sim->step()) {
        ++steps;
        QCOMPARE(r->sim->eventsProcessed(), steps);
        QVERIFY(r->sim->now() >= last); // time never goes backwards
        last = r->sim->now();
        if (steps > 100000) break;
    }
    QVERIFY(steps > 1000);
    // The same run in one go processes the same events.
    auto whole = run(workQueue());
    QCOMPARE(whole->sim->eventsProcessed(), steps);
    QCOMPARE(whole->trace.events.size(), r->trace.events.size());
}

void TestSimulation::untilStopsAtTime()
{
    auto r = prepare(workQueue());
    QVERIFY(r);
    RunOptions o;
    o.until = 700 * kMillisecond;
    QCOMPARE(r->sim->run(o), StopReason::TimeLimit);
    QCOMPARE(r->sim->now(), 700 * kMillisecond);
    for (const auto &e : r->trace.events)
        QVERIFY(e.time <= 700 * kMillisecond);
    // Resuming continues where it stopped, to the end.
    QCOMPARE(r->sim->run(RunOptions{}), StopReason::Quiescent);
    QCOMPARE(r->node("p").published, std::uint64_t(500));
}

void TestSimulation::pauseFromAnotherThread()
{
    auto r = prepare(endless());
    QVERIFY(r);
    std::atomic<bool> running{false};
    StopReason reason = StopReason::Quiescent;
    std::thread engine([&] {
        running = true;
        RunOptions o;
        o.speed = 1000; // paced, so the run would take a long time to reach `until`
        o.until = 3600 * kSecond;
        reason = r->sim->run(o);
    });
    while (!running)
        std::this_thread::yield();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    r->sim->requestPause();
    engine.join();
    QCOMPARE(reason, StopReason::Paused);
    QVERIFY(r->sim->now() < 3600 * kSecond);
}

void TestSimulation::stopFromAnotherThread()
{
    auto r = prepare(endless());
    QVERIFY(r);
    StopReason reason = StopReason::Quiescent;
    std::thread engine([&] {
        RunOptions o;
        o.until = kNever; // the producer never stops: only requestStop() ends this run
        reason = r->sim->run(o);
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    r->sim->requestStop();
    engine.join();
    QCOMPARE(reason, StopReason::Stopped);
    QVERIFY(r->sim->eventsProcessed() > 0);
}

void TestSimulation::postRunsOnEngineThread()
{
    auto r = prepare(workQueue());
    QVERIFY(r);
    std::thread::id engineThread, postedThread;
    std::atomic<bool> posted{false};
    std::thread engine([&] {
        engineThread = std::this_thread::get_id();
        RunOptions o;
        o.speed = 50; // slow enough that the post arrives mid-run
        o.until = 5 * kSecond;
        r->sim->run(o);
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    r->sim->post([&](Simulation &s) {
        postedThread = std::this_thread::get_id();
        s.setLinkUp(0, false);
        posted = true;
    });
    while (!posted)
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    r->sim->requestStop();
    engine.join();
    QCOMPARE(postedThread, engineThread);
    QCOMPARE(r->trace.count(TraceKind::LinkDown), std::size_t(1));
}

void TestSimulation::pacingFollowsWallClock_data()
{
    QTest::addColumn<double>("speed");
    QTest::newRow("1x") << 1.0;
    QTest::newRow("10x") << 10.0;
    QTest::newRow("100x") << 100.0;
}

void TestSimulation::pacingFollowsWallClock()
{
    // A fake clock that advances only when the engine sleeps: pacing must make the engine wait
    // (virtual time / speed) in total, and stamp events with the wall time.
    QFETCH(double, speed);
    auto r = prepare(workQueue());
    QVERIFY(r);
    std::int64_t fakeNow = 1'000'000;
    std::int64_t slept = 0;
    r->sim->setWallClock([&] { return fakeNow; },
                         [&](std::int64_t ns) {
                             fakeNow += ns;
                             slept += ns;
                         });
    RunOptions o;
    o.speed = speed;
    o.until = 2 * kSecond;
    QCOMPARE(r->sim->run(o), StopReason::TimeLimit);
    const double expected = 2e9 / speed;
    QVERIFY2(std::abs(double(slept) - expected) <= expected * 0.01 + 1e6, qPrintable(QString::number(slept)));
    for (const auto &e : r->trace.events) {
        const double due = double(e.time) / speed;
        QVERIFY(double(e.wall) >= due - 1);
    }
}

void TestSimulation::partitionDropsFrames()
{
    TopologyBuilder b;
    b.node("p", "producer", {{"script", script(10, 10)}}).node("q", "queue");
    b.link("p", "q", {{"latency", "1ms"}});
    auto r = prepare(b.topology());
    QVERIFY(r);
    RunOptions o;
    o.until = 25 * kMillisecond; // messages at 0, 10, 20 delivered
    r->sim->run(o);
    r->sim->setLinkUp(0, false);
    o.until = 55 * kMillisecond; // 30, 40, 50 lost to the partition
    r->sim->run(o);
    r->sim->setLinkUp(0, true);
    r->sim->run(RunOptions{});
    QCOMPARE(r->node("q").enqueued, std::uint64_t(7));
    QCOMPARE(r->metrics->link(0).partitioned, std::uint64_t(3));
    QCOMPARE(r->trace.count(TraceKind::LinkDown), std::size_t(1));
    QCOMPARE(r->trace.count(TraceKind::LinkUp), std::size_t(1));
    QCOMPARE(r->report().lost, std::uint64_t(3));
}

void TestSimulation::crashedConsumerWorkIsRedelivered()
{
    TopologyBuilder b;
    b.node("p", "producer", {{"script", script(4)}})
        .node("q", "queue")
        .node("c1", "consumer", {{"processing", "100ms"}, {"prefetch", 2}})
        .node("c2", "consumer", {{"processing", "100ms"}, {"prefetch", 2}});
    b.link("p", "q").link("q", "c1").link("q", "c2");
    auto r = prepare(b.topology());
    QVERIFY(r);
    RunOptions o;
    o.until = 50 * kMillisecond;
    r->sim->run(o);
    r->sim->crashNode(r->index("c1"));
    r->sim->run(RunOptions{});
    // c1 held two deliveries when it crashed: they return to the queue and c2 processes all four.
    QCOMPARE(r->node("c1").processed, std::uint64_t(0));
    QCOMPARE(r->node("c2").processed, std::uint64_t(4));
    QCOMPARE(r->node("q").redelivered, std::uint64_t(2));
    QCOMPARE(r->report().processed, std::uint64_t(4));
    QCOMPARE(r->report().lost, std::uint64_t(0));
}

void TestSimulation::pausedNodeHoldsWorkUntilResumed()
{
    TopologyBuilder b;
    b.node("p", "producer", {{"script", script(4, 10)}})
        .node("q", "queue")
        .node("c", "consumer", {{"processing", "1ms"}});
    b.link("p", "q").link("q", "c");
    auto r = prepare(b.topology());
    QVERIFY(r);
    r->sim->pauseNode(r->index("c"));
    QVERIFY(r->sim->nodePaused(r->index("c")));
    RunOptions o;
    o.until = 100 * kMillisecond;
    QCOMPARE(r->sim->run(o), StopReason::TimeLimit);
    // The queue delivered (its prefetch window allows it) but nothing was processed or lost.
    QCOMPARE(r->node("q").enqueued, std::uint64_t(4));
    QCOMPARE(r->node("c").processed, std::uint64_t(0));
    r->sim->resumeNode(r->index("c"));
    QVERIFY(!r->sim->nodePaused(r->index("c")));
    r->sim->run(RunOptions{});
    QCOMPARE(r->node("c").processed, std::uint64_t(4));
    QCOMPARE(r->report().lost, std::uint64_t(0));
    QCOMPARE(r->trace.count(TraceKind::Pause), std::size_t(1));
    QCOMPARE(r->trace.count(TraceKind::Resume), std::size_t(1));
    // Held work ran when resumed: processing ends after the resume time.
    QVERIFY(r->sim->now() >= 100 * kMillisecond);
}

void TestSimulation::crashEndsPause()
{
    TopologyBuilder b;
    b.node("p", "producer", {{"script", script(4)}})
        .node("q", "queue")
        .node("c", "consumer", {{"processing", "1ms"}});
    b.link("p", "q").link("q", "c");
    auto r = prepare(b.topology());
    QVERIFY(r);
    r->sim->pauseNode(r->index("c"));
    RunOptions o;
    o.until = 50 * kMillisecond;
    r->sim->run(o);
    r->sim->crashNode(r->index("c"));
    QVERIFY(!r->sim->nodePaused(r->index("c")));
    o.until = 100 * kMillisecond;
    r->sim->run(o);
    QCOMPARE(r->node("c").processed, std::uint64_t(0));
    r->sim->restartNode(r->index("c"));
    r->sim->run(RunOptions{});
    // The deliveries held by the paused consumer died with it and came back from the queue.
    QCOMPARE(r->node("c").processed, std::uint64_t(4));
    QCOMPARE(r->report().lost, std::uint64_t(0));
}

void TestSimulation::pausedNodeKeepsRunAliveUntilLimit()
{
    auto r = prepare(oneMessageChain());
    QVERIFY(r);
    r->sim->pauseNode(r->index("q"));
    RunOptions o;
    o.until = 2 * kSecond;
    QCOMPARE(r->sim->run(o), StopReason::TimeLimit);
    QCOMPARE(r->sim->now(), 2 * kSecond);
    QCOMPARE(r->node("q").enqueued, std::uint64_t(0));
    r->sim->resumeNode(r->index("q"));
    QCOMPARE(r->sim->run(RunOptions{}), StopReason::Quiescent);
    QCOMPARE(r->node("c").processed, std::uint64_t(1));
}

void TestSimulation::liveChangesAreTracedAndSummarised()
{
    auto r = prepare(oneMessageChain());
    QVERIFY(r);
    LinkProperties p = r->sim->linkProperties(0);
    p.loss = 0.25;
    p.latency = Distribution::fixed(50 * kMillisecond);
    r->sim->setLinkProperties(0, p);
    r->sim->setLinkProperties(0, p); // no change: not recorded again
    r->sim->setLinkUp(1, false);
    r->sim->setLinkUp(1, true);
    r->sim->crashNode(r->index("c"));
    r->sim->restartNode(r->index("c"));
    QCOMPARE(r->trace.count(TraceKind::LinkChange), std::size_t(1));
    const auto &changes = r->sim->liveChanges();
    QCOMPARE(changes.size(), std::size_t(5));
    QCOMPARE(changes[0].action, std::string("link change"));
    QCOMPARE(changes[0].detail, std::string("latency 1ms -> 50ms, loss 0 -> 0.25"));
    QCOMPARE(changes[1].action, std::string("link down"));
    QCOMPARE(changes[3].action, std::string("crash"));
    QCOMPARE(changes[3].target, std::string("c"));
    const RunSummary s = buildSummary(*r->sim, *r->metrics, *r->checker, StopReason::Quiescent, 0);
    const std::string text = formatSummary(s);
    QVERIFY2(text.find("Live changes:\n  at 0: link change") != std::string::npos, text.c_str());
    QCOMPARE(summaryToJson(s)["live_changes"].size(), std::size_t(5));
}

// One meaning of "events" wherever a person reads: the trace events an event log, the sequence
// diagram and an --events file show. The engine's own count (frame arrivals and timers it
// scheduled) is another number, reported as engine steps: smaller for messaging topologies (a
// step traces a send and what the node did), larger for calls (marshalling, deadlines and
// service steps are timers that trace nothing of their own).
void TestSimulation::summaryEventsAreTraceEvents_data()
{
    QTest::addColumn<QString>("file");
    for (const QString &f : sbtest::exampleFiles())
        QTest::newRow(qPrintable(QFileInfo(f).fileName())) << f;
}

void TestSimulation::summaryEventsAreTraceEvents()
{
    QFETCH(QString, file);
    const LoadResult loaded = loadTopologyFile(file.toStdString());
    QVERIFY(loaded.ok());
    auto r = run(*loaded.topology, loaded.topology->run.until.value_or(60 * kSecond));
    QVERIFY(r);
    const RunSummary s = buildSummary(*r->sim, *r->metrics, *r->checker, r->reason, 0);
    QCOMPARE(s.events, std::uint64_t(r->trace.events.size()));
    QCOMPARE(s.engineSteps, r->sim->eventsProcessed());
    // A polling client's idle loop is steps too: an SQS consumer's pause timer and the arrival of an
    // empty response, a Kafka client's heartbeat, poll and request-timeout timers trace nothing of
    // their own (the short-polling example is mostly that loop). So are the service timers of an
    // event store, a command handler or a saga participant (write, read, rebuild, decide), and of
    // peers (a gossip round, an RPC's timeout, a piece's upload).
    bool polling = false;
    for (const auto &e : r->trace.events)
        polling =
            polling || (e.kind == TraceKind::Send &&
                        (e.frame == FrameType::ReceiveMessage || e.frame == FrameType::Fetch ||
                         isEventStoreFrame(e.frame) || isCommandFrame(e.frame) || isPeerFrame(e.frame)));
    if (r->trace.count(TraceKind::Call) == 0 && !polling) QVERIFY(s.engineSteps < s.events);
    QVERIFY(s.engineSteps != s.events);
    const Json j = summaryToJson(s);
    QCOMPARE(j["events"].get<std::uint64_t>(), s.events);
    QCOMPARE(j["engine_steps"].get<std::uint64_t>(), s.engineSteps);
    const std::string text = formatSummary(s);
    const std::string said = ", " + std::to_string(s.events) + " trace events, ended";
    QVERIFY2(text.find(said) != std::string::npos, text.c_str());
}

void TestSimulation::buildRejectsInvalidTopology()
{
    TopologyBuilder b;
    b.node("p", "producer", {{"rate", -5}});
    std::string error;
    auto sim = Simulation::build(b.topology(), error);
    QVERIFY(!sim);
    QVERIFY2(error.find("$.nodes[0].properties.rate") != std::string::npos, error.c_str());
    QVERIFY2(error.find("minimum") != std::string::npos, error.c_str());
}

void TestSimulation::exchangeCycleIsRefused()
{
    TopologyBuilder b;
    b.node("p", "producer", {{"script", script(1)}})
        .node("x1", "exchange", {{"type", "fanout"}})
        .node("x2", "exchange", {{"type", "fanout"}})
        .node("x3", "exchange", {{"type", "fanout"}});
    b.link("p", "x1").link("x1", "x2", {}, "out").link("x2", "x3", {}, "out").link("x3", "x1", {}, "out");
    const auto diagnostics = validateTopology(b.topology());
    bool found = false;
    for (const auto &d : diagnostics)
        found = found || (d.severity == Diagnostic::Severity::Error &&
                          d.message.find("form a cycle") != std::string::npos &&
                          d.message.find("\"x1\" -> \"x2\" -> \"x3\" -> \"x1\"") != std::string::npos);
    QVERIFY(found);
    std::string error;
    QVERIFY(!Simulation::build(b.topology(), error));
}

QTEST_APPLESS_MAIN(TestSimulation)
#include "tst_simulation.moc"
