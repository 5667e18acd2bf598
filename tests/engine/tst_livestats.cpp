// LiveStats: the live counters behind the canvas badges agree with Metrics, CounterSink and the
// nodes' own gauges, at the end of a run and at snapshots taken between events along the way.
#include "callstatus.h"
#include "enginetest.h"
#include "livestats.h"
#include "summary.h"

#include <QtTest>

#include <thread>

using namespace sb;
using namespace sbtest;

class TestLiveStats : public QObject {
    Q_OBJECT

private slots:
    void emptyBeforePublish();
    void agreesWithMetrics_data();
    void agreesWithMetrics();
    void linkDownAndCrash();
    void nothingInFlightAfterQuiescentEnd_data();
    void nothingInFlightAfterQuiescentEnd();
    void publishFromPost();
    void callCountersAgreeWithTheTrace_data();
    void callCountersAgreeWithTheTrace();
};

namespace {

Topology example(const char *name)
{
    const LoadResult r = loadTopologyFile(std::string(SIGNALBOX_EXAMPLES_DIR "/") + name);
    if (!r.ok()) qFatal("%s does not load: %s", name, r.errorText().c_str());
    return *r.topology;
}

// Compares a snapshot with what Metrics, the CounterSink and the simulation say now.
void compare(const LiveStatsSnapshot &s, const Simulation &sim, const Metrics &m, const CounterSink &c)
{
    QCOMPARE(s.time, sim.now());
    QCOMPARE(s.events, c.total()); // trace events, as the run summary counts them
    QCOMPARE(s.nodes.size(), sim.nodeCount());
    QCOMPARE(s.links.size(), sim.linkCount());
    for (NodeIndex i = 0; i < sim.nodeCount(); ++i) {
        const LiveNodeStats &n = s.nodes[i];
        const NodeCounters &mc = m.node(i);
        const NodeStatus st = sim.nodeStatus(i);
        const bool consumer = sim.topology().nodes[i].kind == "consumer";
        // Counted by the same rules as Metrics, and as the trace says.
        QVERIFY(n.counters == mc);
        QCOMPARE(n.counters.published, c.count(i, TraceKind::Publish));
        QCOMPARE(n.counters.redelivered, c.count(i, TraceKind::Redeliver));
        QCOMPARE(n.counters.deadLettered, c.count(i, TraceKind::DeadLetter));
        QCOMPARE(n.counters.processed, c.count(i, TraceKind::Process));
        QCOMPARE(n.counters.routed, c.count(i, TraceKind::Route));
        QCOMPARE(n.ready, st.ready);
        QCOMPARE(n.unacked, consumer ? 0 : st.unacked);
        QCOMPARE(n.busy, consumer ? st.unacked : 0);
        QCOMPARE(n.crashed, st.crashed);
        QVERIFY(n.peakReady >= n.ready);
        QVERIFY(n.peakReady >= mc.maxDepth); // Enqueue depths, and also requeues and gauges
    }
    std::uint64_t sent = 0;
    const std::vector<std::uint64_t> onLinks = sim.framesOnLinks();
    for (LinkIndex i = 0; i < sim.linkCount(); ++i) {
        const LiveLinkStats &l = s.links[i];
        QCOMPARE(l.inFlight, onLinks[i]); // exactly what the engine has on the link
        const LinkCounters &mc = m.link(i);
        QCOMPARE(l.sent, mc.frames);
        QCOMPARE(l.dropped, mc.lost + mc.partitioned);
        QCOMPARE(l.messages, mc.byFrame[int(FrameType::Publish)] + mc.byFrame[int(FrameType::Deliver)]);
        QCOMPARE(l.up, sim.linkUp(i));
        // Every frame sent is delivered, dropped on arrival or still in flight.
        QVERIFY(l.delivered + l.inFlight <= l.sent);
        QVERIFY(l.delivered + l.inFlight + l.dropped >= l.sent);
        sent += l.sent;
    }
    QCOMPARE(sent, c.count(TraceKind::Send));
}

} // namespace

void TestLiveStats::emptyBeforePublish()
{
    LiveStats stats(3, 2);
    auto s = stats.latest();
    QVERIFY(s);
    QCOMPARE(s->sequence, std::uint64_t(0));
    QVERIFY(s->nodes.empty());
}

void TestLiveStats::agreesWithMetrics_data()
{
    QTest::addColumn<QString>("file");
    for (const char *f : {"work-queue.json", "dead-letter.json", "lossy-at-least-once.json",
                          "lossy-at-most-once.json", "topic-routing.json", "pull-consumers.json"})
        QTest::newRow(f) << QString::fromLatin1(f);
}

void TestLiveStats::agreesWithMetrics()
{
    QFETCH(QString, file);
    const Topology t = example(file.toLatin1().constData());
    auto r = prepare(t);
    QVERIFY(r);
    LiveStats live(r->sim->nodeCount(), r->sim->linkCount());
    CounterSink counter(r->sim->nodeCount());
    r->sim->addSink(&live);
    r->sim->addSink(&counter);
    RunOptions o;
    o.until = t.run.until.value_or(60 * kSecond);
    o.maxEvents = 997; // snapshots at odd places along the run
    std::uint64_t lastSequence = 0;
    StopReason reason = StopReason::EventLimit;
    int snapshots = 0;
    while (reason == StopReason::EventLimit) {
        reason = r->sim->run(o);
        live.publish(*r->sim);
        const auto s = live.latest();
        QVERIFY(s->sequence > lastSequence);
        lastSequence = s->sequence;
        compare(*s, *r->sim, *r->metrics, counter);
        if (QTest::currentTestFailed()) return;
        ++snapshots;
    }
    QVERIFY(snapshots > 1);
    // At the end the badges agree with the run summary too.
    const RunSummary summary = buildSummary(*r->sim, *r->metrics, *r->checker, reason, 0);
    const auto s = live.latest();
    for (std::size_t i = 0; i < summary.nodes.size(); ++i) {
        QCOMPARE(s->nodes[i].ready, summary.nodes[i].status.ready);
        QCOMPARE(s->nodes[i].counters.totalDrops(), summary.nodes[i].counters.totalDrops());
        QCOMPARE(s->nodes[i].counters.deadLettered, summary.nodes[i].counters.deadLettered);
    }
}

// The status bar's "In flight: N · queued: M" after a run that ended because nothing was left to
// do: no frame is on a link, and the queues hold what the delivery checker finds still waiting
// there (pending, or parked in a dead-letter queue).
void TestLiveStats::nothingInFlightAfterQuiescentEnd_data()
{
    QTest::addColumn<QString>("file");
    for (const char *f :
         {"topic-routing.json", "work-queue.json", "dead-letter.json", "fanout-pubsub.json", "ordering.json",
          "pull-consumers.json", "lossy-at-least-once.json", "lossy-at-most-once.json"})
        QTest::newRow(f) << QString::fromLatin1(f);
}

void TestLiveStats::nothingInFlightAfterQuiescentEnd()
{
    QFETCH(QString, file);
    const Topology t = example(file.toLatin1().constData());
    auto r = prepare(t);
    QVERIFY(r);
    LiveStats live(r->sim->nodeCount(), r->sim->linkCount());
    r->sim->addSink(&live);
    RunOptions o;
    o.until = t.run.until.value_or(60 * kSecond);
    QCOMPARE(r->sim->run(o), StopReason::Quiescent);
    live.publish(*r->sim);
    const auto s = live.latest();
    std::uint64_t onLinks = 0, queued = 0;
    for (const auto &l : s->links)
        onLinks += l.inFlight;
    for (NodeIndex i = 0; i < s->nodes.size(); ++i)
        if (t.nodes[i].kind == "queue") queued += s->nodes[i].ready + s->nodes[i].unacked;
    QCOMPARE(onLinks, std::uint64_t(0));
    const DeliveryReport report = r->report();
    QCOMPARE(queued, report.pending + report.parked);
    // Every frame that entered a link reached its far end (or was dropped there).
    for (const auto &l : s->links)
        QVERIFY(l.delivered <= l.sent && l.delivered + l.dropped >= l.sent);
}

void TestLiveStats::linkDownAndCrash()
{
    TopologyBuilder b;
    b.node("p", "producer", {{"rate", 200}, {"sendMode", "confirmed"}})
        .node("q", "queue")
        .node("c", "consumer", {{"processing", "5ms"}})
        .link("p", "q", {{"latency", "2ms"}})
        .link("q", "c", {{"latency", "1ms"}});
    auto r = prepare(b.topology());
    QVERIFY(r);
    LiveStats live(r->sim->nodeCount(), r->sim->linkCount());
    CounterSink counter(r->sim->nodeCount());
    r->sim->addSink(&live);
    r->sim->addSink(&counter);
    RunOptions o;
    o.until = 1 * kSecond;
    r->sim->run(o);
    r->sim->setLinkUp(0, false);
    r->sim->crashNode(r->index("c"));
    live.publish(*r->sim);
    compare(*live.latest(), *r->sim, *r->metrics, counter);
    QVERIFY(!live.latest()->links[0].up);
    QVERIFY(live.latest()->nodes[2].crashed);
    o.until = 2 * kSecond;
    r->sim->run(o);
    live.publish(*r->sim);
    compare(*live.latest(), *r->sim, *r->metrics, counter);
    QVERIFY(live.latest()->links[0].dropped > 0);
    r->sim->setLinkUp(0, true);
    r->sim->restartNode(r->index("c"));
    o.until = 3 * kSecond;
    r->sim->run(o);
    live.publish(*r->sim);
    compare(*live.latest(), *r->sim, *r->metrics, counter);
    QVERIFY(live.latest()->links[0].up);
    QVERIFY(!live.latest()->nodes[2].crashed);
    QVERIFY(live.latest()->nodes[2].counters.processed > 0);
}

// The way the GUI uses it: another thread asks for snapshots through post() while the engine runs
// as fast as it can, and reads them with latest(). Run under TSan via the core label.
void TestLiveStats::publishFromPost()
{
    const Topology t = example("work-queue.json");
    auto r = prepare(t);
    QVERIFY(r);
    LiveStats live(r->sim->nodeCount(), r->sim->linkCount());
    r->sim->addSink(&live);
    std::atomic<bool> done{false};
    std::thread engine([&] {
        RunOptions o;
        o.until = t.run.until.value_or(60 * kSecond);
        r->sim->run(o);
        live.publish(*r->sim);
        done.store(true);
    });
    std::uint64_t last = 0;
    std::uint64_t processed = 0;
    while (!done.load()) {
        r->sim->post([&live](Simulation &sim) { live.publish(sim); });
        const auto s = live.latest();
        QVERIFY(s->sequence >= last);
        last = s->sequence;
        if (!s->nodes.empty()) {
            std::uint64_t p = 0;
            for (const auto &n : s->nodes)
                p += n.counters.processed;
            QVERIFY(p >= processed); // counters never run backwards
            processed = p;
        }
        std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
    engine.join();
    QCOMPARE(live.latest()->events, r->metrics->traceEvents());
}

void TestLiveStats::callCountersAgreeWithTheTrace_data()
{
    QTest::addColumn<QString>("example");
    QTest::newRow("gRPC retries") << QStringLiteral("grpc-retries-idempotency.json");
    QTest::newRow("overload") << QStringLiteral("client-server-overload.json");
}

void TestLiveStats::callCountersAgreeWithTheTrace()
{
    // Callers: calls succeeded and failed add up to their Complete events by status, the rest of
    // their Call events still in flight; servers: executions are their Execute events, the queue
    // the depth their last Accept or Execute said.
    QFETCH(QString, example);
    auto loaded = loadTopologyFile(std::string(SIGNALBOX_EXAMPLES_DIR) + "/" + example.toStdString());
    QVERIFY(loaded.ok());
    auto r = prepare(*loaded.topology);
    QVERIFY(r);
    LiveStats live(r->sim->nodeCount(), r->sim->linkCount());
    r->sim->addSink(&live);
    RunOptions o;
    o.until = 60 * kSecond;
    r->sim->run(o);
    live.publish(*r->sim);
    const auto snapshot = live.latest();
    std::uint64_t completed = 0;
    for (std::size_t i = 0; i < snapshot->nodes.size(); ++i) {
        const LiveNodeStats &n = snapshot->nodes[i];
        std::uint64_t ok = 0, failed = 0, started = 0, executed = 0;
        std::int64_t queue = 0;
        for (const auto &e : r->trace.events) {
            if (e.node != NodeIndex(i)) continue;
            if (e.kind == TraceKind::Call) ++started;
            if (e.kind == TraceKind::Complete) ++(isSuccessStatus(e.status) ? ok : failed);
            if (e.kind == TraceKind::Execute) ++executed;
            if (e.kind == TraceKind::Accept || e.kind == TraceKind::Execute) queue = e.aux;
        }
        QCOMPARE(n.callsSucceeded, ok);
        QCOMPARE(n.callsFailed, failed);
        QCOMPARE(n.callsInFlight, started - ok - failed);
        QCOMPARE(n.executions, executed);
        QCOMPARE(n.serverQueue, std::uint64_t(queue));
        completed += ok + failed;
    }
    QVERIFY(completed > 0);
}

QTEST_GUILESS_MAIN(TestLiveStats)
#include "tst_livestats.moc"
