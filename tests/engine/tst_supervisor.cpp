// The supervisor kind (core/nodes/actors/supervisor.cpp): strategies, child restart types,
// restart intensity and escalation, backoff, what survives a restart, and the bundled examples.
#include "actormetrics.h"
#include "actortest.h"
#include "callstatus.h"
#include "domaincheckers.h"
#include "summary.h"

#include <algorithm>
#include <cmath>

using namespace sb;
using namespace sbtest;

class TestSupervisor : public QObject {
    Q_OBJECT
private slots:
    void strategies_data();
    void strategies();
    void temporarySiblingIsNotRestarted();
    void restartTypes_data();
    void restartTypes();
    void intensity_data();
    void intensity();
    void escalationChain_data();
    void escalationChain();
    void backoff_data();
    void backoff();
    void restartKeepsMailboxResetsState();
    void supervisionLinksAreLocal();
    void supervisionTreeExample();
    void askPatternExample();
};

using Ids = std::vector<std::string>;

void TestSupervisor::strategies_data()
{
    QTest::addColumn<QString>("strategy");
    QTest::addColumn<Ids>("restarted");
    // Children a, b, c started in that order; b fails.
    QTest::newRow("one-for-one") << "one-for-one" << Ids{"b"};
    QTest::newRow("one-for-all") << "one-for-all" << Ids{"a", "b", "c"};
    QTest::newRow("rest-for-one") << "rest-for-one" << Ids{"b", "c"};
}

void TestSupervisor::strategies()
{
    QFETCH(QString, strategy);
    QFETCH(Ids, restarted);
    TopologyBuilder b;
    b.node("client", "actor-client", {{"script", actorScript({{0, "poison"}})}})
        .node("sup", "supervisor", {{"strategy", strategy.toStdString()}})
        .node("a", "actor")
        .node("b", "actor", {{"poison", "poison"}})
        .node("c", "actor")
        .link("sup", "a", {}, "children", "parent")
        .link("sup", "b", {}, "children", "parent")
        .link("sup", "c", {}, "children", "parent")
        .link("client", "b");
    auto r = run(b.topology());
    QVERIFY(r);
    QCOMPARE(decisions(*r, "sup", 0), restarted);
    QCOMPARE(sent(*r, FrameType::ActorRestart, r->index("sup")), restarted.size());
    QCOMPARE(r->trace.count(TraceKind::Escalate), std::size_t(0));
}

void TestSupervisor::temporarySiblingIsNotRestarted()
{
    // one-for-all: b fails; its temporary sibling a is terminated, not restarted (OTP), so a message
    // for it afterwards is a dead letter; the permanent sibling c is restarted.
    TopologyBuilder b;
    b.node("client", "actor-client", {{"script", actorScript({{0, "poison"}})}})
        .node("late", "actor-client", {{"script", actorScript({{100, "hello"}})}})
        .node("late-c", "actor-client", {{"script", actorScript({{100, "hello"}})}})
        .node("sup", "supervisor", {{"strategy", "one-for-all"}})
        .node("a", "actor", {{"restart", "temporary"}})
        .node("b", "actor", {{"poison", "poison"}})
        .node("c", "actor")
        .link("sup", "a", {}, "children", "parent")
        .link("sup", "b", {}, "children", "parent")
        .link("sup", "c", {}, "children", "parent")
        .link("client", "b")
        .link("late", "a")
        .link("late-c", "c");
    auto r = run(b.topology());
    QVERIFY(r);
    QCOMPARE(r->trace.countAt(TraceKind::Process, r->index("a")), std::size_t(0));
    QCOMPARE(r->trace.count(TraceKind::Drop, DropReason::ActorStopped), std::size_t(1));
    QCOMPARE(r->trace.countAt(TraceKind::Process, r->index("c")), std::size_t(1));
}

void TestSupervisor::restartTypes_data()
{
    QTest::addColumn<QString>("restart");
    QTest::addColumn<bool>("abnormal");
    QTest::addColumn<bool>("restarted");
    // OTP child specs: permanent always restarted, transient only after an abnormal exit, temporary never.
    QTest::newRow("permanent, normal exit") << "permanent" << false << true;
    QTest::newRow("permanent, abnormal exit") << "permanent" << true << true;
    QTest::newRow("transient, normal exit") << "transient" << false << false;
    QTest::newRow("transient, abnormal exit") << "transient" << true << true;
    QTest::newRow("temporary, normal exit") << "temporary" << false << false;
    QTest::newRow("temporary, abnormal exit") << "temporary" << true << false;
}

void TestSupervisor::restartTypes()
{
    QFETCH(QString, restart);
    QFETCH(bool, abnormal);
    QFETCH(bool, restarted);
    TopologyBuilder b;
    b.node("client", "actor-client",
           {{"script", actorScript({{0, abnormal ? "boom" : "bye"}, {100, "after"}})}})
        .node("sup", "supervisor")
        .node("worker", "actor", {{"restart", restart.toStdString()}, {"poison", "boom"}, {"stopOn", "bye"}})
        .link("sup", "worker", {}, "children", "parent")
        .link("client", "worker");
    auto r = run(b.topology());
    QVERIFY(r);
    QCOMPARE(decisions(*r, "sup", 0).size(), std::size_t(restarted ? 1 : 0));
    QCOMPARE(decisions(*r, "sup", 1).size(), std::size_t(restarted ? 0 : 1));
    // Restarted, it handles the next message; stopped, that message is a dead letter.
    const std::size_t processed = r->trace.countAt(TraceKind::Process, r->index("worker"));
    QCOMPARE(processed, std::size_t((abnormal ? 0 : 1) + (restarted ? 1 : 0)));
    QCOMPARE(r->trace.count(TraceKind::Drop, DropReason::ActorStopped), std::size_t(restarted ? 0 : 1));
    QCOMPARE(r->trace.countAt(TraceKind::ActorFail, r->index("worker")), std::size_t(abnormal ? 1 : 0));
}

void TestSupervisor::intensity_data()
{
    QTest::addColumn<int>("maxRestarts");
    QTest::addColumn<double>("periodMs");
    QTest::addColumn<double>("gapMs");
    QTest::addColumn<int>("failures");
    QTest::addColumn<int>("restarts");
    QTest::addColumn<bool>("escalated");
    // OTP's add_restart: the restarts in the period (now <= then + period), this one included; more
    // than maxRestarts and the supervisor gives up.
    QTest::newRow("OTP default: 2 failures in 5 s") << 1 << 5000.0 << 100.0 << 2 << 1 << true;
    QTest::newRow("3 restarts in 1 s, the 4th escalates") << 3 << 1000.0 << 100.0 << 6 << 3 << true;
    QTest::newRow("spaced more than the period") << 2 << 1000.0 << 1200.0 << 5 << 5 << false;
    QTest::newRow("spaced exactly the period") << 1 << 1000.0 << 1000.0 << 2 << 1 << true;
    QTest::newRow("intensity 0: the first failure escalates") << 0 << 5000.0 << 100.0 << 1 << 0 << true;
    QTest::newRow("period 0: no limit (Akka)") << 1 << 0.0 << 10.0 << 10 << 10 << false;
}

void TestSupervisor::intensity()
{
    QFETCH(int, maxRestarts);
    QFETCH(double, periodMs);
    QFETCH(double, gapMs);
    QFETCH(int, failures);
    QFETCH(int, restarts);
    QFETCH(bool, escalated);
    TopologyBuilder b;
    b.node("client", "actor-client", {{"script", actorScript(every(0, gapMs, failures, "poison"))}})
        .node("sup", "supervisor", {{"maxRestarts", maxRestarts}, {"period", periodMs}})
        .node("worker", "actor", {{"poison", "poison"}})
        .link("sup", "worker", {}, "children", "parent")
        .link("client", "worker");
    auto r = run(b.topology());
    QVERIFY(r);
    QCOMPARE(decisions(*r, "sup", 0).size(), std::size_t(restarts));
    QCOMPARE(decisions(*r, "sup", 2).size(), std::size_t(escalated ? 1 : 0));
    const auto escalations = eventsAt(*r, TraceKind::Escalate, r->index("sup"));
    QCOMPARE(escalations.size(), std::size_t(escalated ? 1 : 0));
    if (escalated) {
        QCOMPARE(escalations.front().peer, kNoIndex); // the top: the application terminates
        QCOMPARE(sent(*r, FrameType::ActorShutdown, r->index("sup")), std::size_t(1)); // shut down with it
        // Failures after the escalation are dead letters, not failures.
        QCOMPARE(r->trace.countAt(TraceKind::ActorFail, r->index("worker")), std::size_t(restarts + 1));
    } else {
        QCOMPARE(r->trace.countAt(TraceKind::ActorFail, r->index("worker")), std::size_t(failures));
    }
}

void TestSupervisor::escalationChain_data()
{
    QTest::addColumn<int>("topMaxRestarts");
    QTest::addColumn<bool>("terminated");
    QTest::newRow("the top restarts the subtree") << 1 << false;
    QTest::newRow("the top gives up: application terminated") << 0 << true;
}

void TestSupervisor::escalationChain()
{
    QFETCH(int, topMaxRestarts);
    QFETCH(bool, terminated);
    // worker under mid under top. Two poisons 100 ms apart exceed mid's intensity (1 in 5 s): mid
    // shuts worker down and escalates to top, which restarts mid (and mid its worker) or gives up.
    TopologyBuilder b;
    b.node("client", "actor-client", {{"script", actorScript({{0, "poison"}, {100, "poison"}, {500, "ok"}})}})
        .node("top", "supervisor", {{"maxRestarts", topMaxRestarts}})
        .node("mid", "supervisor")
        .node("worker", "actor", {{"poison", "poison"}})
        .link("top", "mid", {}, "children", "parent")
        .link("mid", "worker", {}, "children", "parent")
        .link("client", "worker");
    auto r = run(b.topology());
    QVERIFY(r);
    const auto midEscalations = eventsAt(*r, TraceKind::Escalate, r->index("mid"));
    QCOMPARE(midEscalations.size(), std::size_t(1));
    QCOMPARE(midEscalations.front().peer, r->index("top"));
    const auto topEscalations = eventsAt(*r, TraceKind::Escalate, r->index("top"));
    QCOMPARE(topEscalations.size(), std::size_t(terminated ? 1 : 0));
    QCOMPARE(decisions(*r, "top", 0), terminated ? Ids{} : Ids{"mid"});
    // mid restarted its worker once for the first poison, and once more when top restarted it.
    QCOMPARE(decisions(*r, "mid", 0), terminated ? Ids{"worker"} : (Ids{"worker", "worker"}));
    QCOMPARE(r->trace.countAt(TraceKind::Process, r->index("worker")), std::size_t(terminated ? 0 : 1));
    QCOMPARE(r->trace.count(TraceKind::Drop, DropReason::ActorStopped), std::size_t(terminated ? 1 : 0));
}

void TestSupervisor::backoff_data()
{
    QTest::addColumn<double>("randomFactor");
    QTest::addColumn<double>("gapMs");
    QTest::addColumn<std::vector<double>>("delaysMs");
    // Akka's BackoffSupervisor: min(maxBackoff, minBackoff * 2^n) * (1 + u * randomFactor); minBackoff
    // 100 ms, maxBackoff 1 s. Failures back to back: 100, 200, 400, 800, then the cap.
    QTest::newRow("exponential, capped") << 0.0 << 0.0 << std::vector<double>{100, 200, 400, 800, 1000};
    QTest::newRow("with jitter") << 0.5 << 0.0 << std::vector<double>{100, 200, 400, 800, 1000};
    // A child that ran minBackoff without failing starts again from minBackoff (AutoReset).
    QTest::newRow("reset after running") << 0.0 << 3000.0 << std::vector<double>{100, 100, 100, 100, 100};
}

void TestSupervisor::backoff()
{
    QFETCH(double, randomFactor);
    QFETCH(double, gapMs);
    QFETCH(std::vector<double>, delaysMs);
    TopologyBuilder b;
    b.node("client", "actor-client", {{"script", actorScript(every(0, gapMs, 5, "poison"))}})
        .node("sup", "supervisor",
              {{"period", 0}, {"minBackoff", 100}, {"maxBackoff", 1000}, {"randomFactor", randomFactor}})
        .node("worker", "actor", {{"poison", "poison"}})
        .link("sup", "worker", {}, "children", "parent")
        .link("client", "worker");
    auto r = run(b.topology());
    QVERIFY(r);
    std::vector<SimTime> delays;
    for (const auto &e : eventsAt(*r, TraceKind::Supervise, r->index("sup")))
        if (e.aux == 3) delays.push_back(e.offset);
    QCOMPARE(delays.size(), delaysMs.size());
    bool jittered = false;
    for (std::size_t i = 0; i < delays.size(); ++i) {
        const double base = delaysMs[i] * kMillisecond;
        QVERIFY2(delays[i] >= base - 1 && delays[i] <= base * (1 + randomFactor) + 1,
                 (std::to_string(i) + ": " + formatDuration(delays[i])).c_str());
        jittered = jittered || std::abs(delays[i] - base) > 1;
    }
    QCOMPARE(jittered, randomFactor > 0);
    // Each restart is sent after its delay.
    const auto restarts = eventsAt(*r, TraceKind::Send, r->index("sup"));
    std::vector<SimTime> sentAt;
    for (const auto &e : restarts)
        if (e.frame == FrameType::ActorRestart) sentAt.push_back(e.time);
    QCOMPARE(sentAt.size(), delays.size());
    const auto decided = eventsAt(*r, TraceKind::Supervise, r->index("sup"));
    for (std::size_t i = 0; i < sentAt.size(); ++i)
        QCOMPARE(sentAt[i], decided[i].time + delays[i]);
}

void TestSupervisor::restartKeepsMailboxResetsState()
{
    // Akka: the mailbox survives a restart, the failing message is dropped, the state starts over.
    // A counter asked inc, inc, poison, inc at once: answers 1, 2, none (the poison's ask times out), 1.
    TopologyBuilder b;
    b.node("client", "actor-client",
           {{"pattern", "ask"},
            {"askTimeout", 200},
            {"script", actorScript({{0, "inc"}, {0, "inc"}, {0, "poison"}, {0, "inc"}})}})
        .node("sup", "supervisor")
        .node("counter", "actor",
              {{"behaviour", "counter"}, {"poison", "poison"}, {"processingTime", "10ms"}})
        .link("sup", "counter", {}, "children", "parent")
        .link("client", "counter");
    MessageSink messages;
    auto r = prepare(b.topology());
    QVERIFY(r);
    r->sim->addSink(&messages);
    RunOptions o;
    o.until = 60 * kSecond;
    r->sim->run(o);
    std::vector<std::string> counts;
    for (const auto &e : r->trace.events)
        if (e.kind == TraceKind::Send && e.frame == FrameType::ActorAskReply)
            counts.push_back(messages.messages[e.messageId].field("count")->text);
    QCOMPARE(counts, (std::vector<std::string>{"1", "2", "1"}));
    std::size_t timedOut = 0;
    for (const auto &e : eventsAt(*r, TraceKind::Complete, r->index("client")))
        timedOut += e.status == Grpc::DeadlineExceeded;
    QCOMPARE(timedOut, std::size_t(1));
    QCOMPARE(r->trace.count(TraceKind::Drop, DropReason::ActorStopped), std::size_t(0));
}

void TestSupervisor::supervisionLinksAreLocal()
{
    // A supervision link without a latency of its own delivers at once; one with a latency (a child
    // on another node) takes it.
    for (const double latencyMs : {-1.0, 30.0}) {
        TopologyBuilder b;
        Json props = latencyMs < 0 ? Json::object() : Json{{"latency", latencyMs}};
        b.node("client", "actor-client", {{"script", actorScript({{0, "poison"}})}})
            .node("sup", "supervisor")
            .node("worker", "actor", {{"poison", "poison"}, {"processingTime", "1ms"}})
            .link("sup", "worker", props, "children", "parent")
            .link("client", "worker");
        auto r = run(b.topology());
        QVERIFY(r);
        const auto fail = eventsAt(*r, TraceKind::ActorFail, r->index("worker"));
        const auto decide = eventsAt(*r, TraceKind::Supervise, r->index("sup"));
        QCOMPARE(fail.size(), std::size_t(1));
        QCOMPARE(decide.size(), std::size_t(1));
        QCOMPARE(decide.front().time - fail.front().time,
                 SimTime(latencyMs < 0 ? 0 : static_cast<SimTime>(latencyMs * kMillisecond)));
    }
}

namespace {

// Runs an example with the actor figures watching, and its summary.
struct ExampleRun {
    std::unique_ptr<Run> run;
    DomainCheckers domain;
    RunSummary summary;
};

ExampleRun runActorExample(const char *name)
{
    ExampleRun x;
    const auto loaded = loadTopologyFile(std::string(SIGNALBOX_EXAMPLES_DIR) + "/" + name);
    if (!loaded.ok()) {
        qWarning("%s", loaded.errorText().c_str());
        return x;
    }
    x.run = prepare(*loaded.topology);
    if (!x.run) return x;
    std::vector<std::string> labels;
    for (const auto &n : loaded.topology->nodes)
        labels.push_back(n.name.empty() ? n.id : n.name);
    x.domain = makeDomainCheckers(*loaded.topology, labels);
    for (auto &c : x.domain)
        x.run->sim->addSink(c.get());
    RunOptions o;
    o.until = kNever;
    x.run->reason = x.run->sim->run(o);
    x.summary = buildSummary(*x.run->sim, *x.run->metrics, *x.run->checker, x.run->reason, 0, nullptr,
                             nullptr, nullptr, &x.domain);
    return x;
}

const ActorFigures *figuresOf(const RunSummary &s, const Run &r, const std::string &id)
{
    for (const auto &f : s.actors.nodes)
        if (f.node == r.index(id)) return &f;
    return nullptr;
}

} // namespace

void TestSupervisor::supervisionTreeExample()
{
    auto x = runActorExample("actor-supervision-tree.json");
    QVERIFY(x.run);
    const Run &r = *x.run;
    QCOMPARE(r.reason, StopReason::Quiescent);
    // Every fifth order is poison and goes to worker-2: worker-sup restarts it once, the second
    // failure within 5 s exceeds its intensity and it escalates to app-sup, which restarts the
    // subtree; the same again, and app-sup's own intensity is exceeded: the application terminates.
    QCOMPARE(r.trace.countAt(TraceKind::ActorFail, r.index("worker-2")), std::size_t(4));
    QCOMPARE(r.trace.countAt(TraceKind::ActorFail, r.index("worker-1")), std::size_t(0));
    const auto workerSupEscalations = eventsAt(r, TraceKind::Escalate, r.index("worker-sup"));
    QCOMPARE(workerSupEscalations.size(), std::size_t(2));
    QCOMPARE(workerSupEscalations.front().peer, r.index("app-sup"));
    const auto top = eventsAt(r, TraceKind::Escalate, r.index("app-sup"));
    QCOMPARE(top.size(), std::size_t(1));
    QCOMPARE(top.front().peer, kNoIndex);
    QVERIFY(r.trace.count(TraceKind::Drop, DropReason::ActorStopped) > 0);
    // The summary's actor section says so.
    const ActorReport &a = x.summary.actors;
    QVERIFY(a.any());
    QVERIFY(a.applicationTerminated);
    QCOMPARE(a.escalations, std::uint64_t(3));
    QCOMPARE(a.failures, std::uint64_t(4));
    QCOMPARE(figuresOf(x.summary, r, "worker-sup")->escalations, std::uint64_t(2));
    QCOMPARE(figuresOf(x.summary, r, "app-sup")->restartsOrdered, std::uint64_t(1));
    QCOMPARE(figuresOf(x.summary, r, "worker-2")->restarts,
             std::uint64_t(3)); // 2 after its own crashes, 1 with the subtree
    QVERIFY(figuresOf(x.summary, r, "router")->deadLetters > 0);
    const std::string text = formatSummary(x.summary);
    QVERIFY2(text.find("the application terminated") != std::string::npos, text.c_str());
    const Json j = summaryToJson(x.summary);
    QVERIFY(j.contains("actors"));
    QVERIFY(j["actors"]["escalations"] == Json(3));
    QVERIFY(j["actors"]["application_terminated"] == Json(true));
}

void TestSupervisor::askPatternExample()
{
    auto x = runActorExample("actor-ask-pattern.json");
    QVERIFY(x.run);
    const Run &r = *x.run;
    QCOMPARE(r.reason, StopReason::Quiescent);
    // Every ask of the client is answered by the aggregator (it answers with what came in time).
    const auto client = eventsAt(r, TraceKind::Complete, r.index("client"));
    QCOMPARE(client.size(), std::size_t(20));
    for (const auto &e : client)
        QCOMPARE(e.status, Grpc::Ok);
    // The slow pricer misses the aggregator's 300 ms ask timeout sometimes; the retiring pricer stops
    // after its fifth quote: its later asks are dead letters and time out, and the watchdog gets DOWN.
    const auto &a = x.summary.actors;
    QVERIFY(figuresOf(x.summary, r, "slow-pricer")->processed > 0);
    QCOMPARE(figuresOf(x.summary, r, "retiring-pricer")->processed, std::uint64_t(5));
    QCOMPARE(figuresOf(x.summary, r, "retiring-pricer")->deadLetters, std::uint64_t(15));
    QVERIFY(figuresOf(x.summary, r, "aggregator")->askTimeouts > 15);
    QCOMPARE(a.downs, std::uint64_t(1));
    QCOMPARE(sent(r, FrameType::ActorDown, r.index("retiring-pricer")), std::size_t(1));
}

QTEST_GUILESS_MAIN(TestSupervisor)
#include "tst_supervisor.moc"
