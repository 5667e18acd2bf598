// The actor kind (core/nodes/actors/actor.cpp) and the actor client: mailboxes and their overflow
// strategies, the built-in behaviours, asks and their timeouts, dead letters, monitors' DOWN,
// determinism and bad input.
#include "actortest.h"
#include "callstatus.h"

#include <algorithm>

using namespace sb;
using namespace sbtest;

class TestActor : public QObject {
    Q_OBJECT
private slots:
    void mailboxOverflow_data();
    void mailboxOverflow();
    void backPressureSurvivesALostRoomSignal_data();
    void backPressureSurvivesALostRoomSignal();
    void replyAnswersAsks();
    void counterCounts();
    void stateMachine_data();
    void stateMachine();
    void forward_data();
    void forward();
    void forwardedAskIsAnswered();
    void fanOutAggregates();
    void askTimeout();
    void remoteActorOverALossyLink();
    void deadLetters();
    void monitorsGetDown_data();
    void monitorsGetDown();
    void downIsAMessageTheBehaviourHandles_data();
    void downIsAMessageTheBehaviourHandles();
    void determinism();
    void badProperties_data();
    void badProperties();
};

namespace {

// The positions (1-based, in publish order) of the client's messages that `node` processed.
std::vector<int> processedPositions(const Run &r, const std::string &client, const std::string &node)
{
    std::vector<std::uint64_t> published;
    for (const auto &e : eventsAt(r, TraceKind::Publish, r.index(client)))
        published.push_back(e.messageId);
    std::vector<int> out;
    for (const auto &e : eventsAt(r, TraceKind::Process, r.index(node))) {
        const auto it = std::find(published.begin(), published.end(), e.messageId);
        out.push_back(it == published.end() ? 0 : static_cast<int>(it - published.begin()) + 1);
    }
    return out;
}

// The answers the client got: the field `field` of each answer, in order.
std::vector<std::string> answerFields(const Run &r, const MessageSink &messages, const std::string &client,
                                      const std::string &field)
{
    std::vector<std::string> out;
    for (const auto &e : r.trace.events) {
        if (e.kind != TraceKind::Send || e.frame != FrameType::ActorAskReply) continue;
        const auto &to = r.sim->topology().links[e.link];
        if (to.from != client && to.to != client) continue;
        const auto it = messages.messages.find(e.messageId);
        if (it == messages.messages.end()) continue;
        const Field *f = it->second.field(field);
        out.push_back(f ? f->text : std::string("?"));
    }
    return out;
}

std::unique_ptr<Run> runWithMessages(const Topology &t, MessageSink &messages)
{
    auto r = prepare(t);
    if (!r) return r;
    r->sim->addSink(&messages);
    RunOptions o;
    o.until = 600 * kSecond;
    r->reason = r->sim->run(o);
    return r;
}

} // namespace

void TestActor::mailboxOverflow_data()
{
    QTest::addColumn<QString>("overflow");
    QTest::addColumn<std::vector<int>>("processed");
    QTest::addColumn<int>("dropped");
    QTest::addColumn<bool>("heldBack");
    // Ten tells at once to a mailbox of 3 whose actor takes 10 ms each: the first is taken at once,
    // three wait. drop-new drops the six that find it full; drop-oldest drops the head each time, so
    // the last three stay; backpressure refuses them, the client holds and resends as room frees.
    QTest::newRow("drop-new") << "drop-new" << std::vector<int>{1, 2, 3, 4} << 6 << false;
    QTest::newRow("drop-oldest") << "drop-oldest" << std::vector<int>{1, 8, 9, 10} << 6 << false;
    QTest::newRow("backpressure") << "backpressure" << std::vector<int>{1, 2, 3, 4, 5, 6, 7, 8, 9, 10} << 0
                                  << true;
}

void TestActor::mailboxOverflow()
{
    QFETCH(QString, overflow);
    QFETCH(std::vector<int>, processed);
    QFETCH(int, dropped);
    QFETCH(bool, heldBack);
    TopologyBuilder b;
    b.node("client", "actor-client", {{"script", actorScript(every(0, 0, 10, "job"))}})
        .node("worker", "actor",
              {{"mailbox", "bounded"},
               {"capacity", 3},
               {"overflow", overflow.toStdString()},
               {"processingTime", "10ms"}})
        .link("client", "worker");
    auto r = run(b.topology());
    QVERIFY(r);
    QCOMPARE(processedPositions(*r, "client", "worker"), processed);
    QCOMPARE(r->trace.count(TraceKind::Drop, DropReason::MailboxFull), std::size_t(dropped));
    QCOMPARE(r->trace.countAt(TraceKind::Block, r->index("client")) > 0, heldBack);
    QCOMPARE(r->trace.countAt(TraceKind::Unblock, r->index("client")), std::size_t(heldBack ? 1 : 0));
    // The mailbox never held more than its capacity.
    for (const auto &e : eventsAt(*r, TraceKind::Enqueue, r->index("worker")))
        QVERIFY(e.aux <= 3);
}

void TestActor::backPressureSurvivesALostRoomSignal_data()
{
    QTest::addColumn<double>("loss");
    QTest::addColumn<int>("crashAtMs");
    QTest::addColumn<bool>("poisonFirst");
    QTest::addColumn<int>("roomProbeMs");
    QTest::addColumn<bool>("stuck");
    // Twenty tells at once to a mailbox of 2 pushing back. A lossy link loses some "room" signals
    // (and some messages sent on them); a crash of the actor loses its list of waiting senders. The
    // sender's probe timer re-offers its first held message, so it never holds messages forever.
    // Without the probe (roomProbe 0) a lost signal leaves the sender holding its messages.
    QTest::newRow("lossy link, seed 1") << 0.3 << -1 << false << 1000 << false;
    QTest::newRow("lossy link, seed 2") << 0.5 << -1 << false << 200 << false;
    QTest::newRow("lossy link, no probe") << 0.3 << -1 << false << 0 << true;
    QTest::newRow("actor crashes while the sender waits") << 0.0 << 25 << false << 1000 << false;
    QTest::newRow("actor crashes, no probe, link up again") << 0.0 << 25 << false << 0 << false;
    // A supervised restart (after a backoff) while the sender waits: the mailbox survives, and the
    // restarted actor grants room again.
    QTest::newRow("supervised restart while the sender waits") << 0.0 << -1 << true << 1000 << false;
}

void TestActor::backPressureSurvivesALostRoomSignal()
{
    QFETCH(double, loss);
    QFETCH(int, crashAtMs);
    QFETCH(bool, poisonFirst);
    QFETCH(int, roomProbeMs);
    QFETCH(bool, stuck);
    auto script = every(0, 0, 20, "job");
    if (poisonFirst) script.insert(script.begin(), {0, "poison"});
    TopologyBuilder b;
    b.node("client", "actor-client", {{"script", actorScript(script)}, {"roomProbe", roomProbeMs}})
        .node("worker", "actor",
              {{"mailbox", "bounded"},
               {"capacity", 2},
               {"overflow", "backpressure"},
               {"poison", "poison"},
               {"processingTime", "10ms"}})
        .link("client", "worker", {{"loss", loss}})
        .seed(QByteArray(QTest::currentDataTag()).endsWith('2') ? 2 : 1);
    if (poisonFirst)
        b.node("sup", "supervisor", {{"minBackoff", 100}}).link("sup", "worker", {}, "children", "parent");
    Topology t = b.topology();
    if (crashAtMs >= 0) {
        FaultDef crash;
        crash.id = "crash";
        crash.kind = "crash";
        crash.target = "worker";
        crash.start = crashAtMs * kMillisecond;
        crash.duration = 20 * kMillisecond;
        t.faults.push_back(crash);
    }
    auto r = run(t);
    QVERIFY(r);
    const NodeIndex client = r->index("client"), worker = r->index("worker");
    QVERIFY(r->trace.countAt(TraceKind::Block, client) > 0); // back-pressure did hold messages
    const std::size_t held = r->sim->nodeStatus(client).inFlight;
    if (stuck) {
        QVERIFY(held > 0);
        return;
    }
    QCOMPARE(held, std::size_t(0));
    // Every hold ended, and the actor's mailbox drained.
    QCOMPARE(r->trace.countAt(TraceKind::Unblock, client), r->trace.countAt(TraceKind::Block, client));
    QCOMPARE(r->sim->nodeStatus(worker).ready, std::size_t(0));
    QVERIFY(r->trace.countAt(TraceKind::Enqueue, worker) <= 21);
    for (const auto &e : eventsAt(*r, TraceKind::Enqueue, worker))
        QVERIFY(e.aux <= 2);
    const std::size_t processed = r->trace.countAt(TraceKind::Process, worker);
    if (crashAtMs < 0) {
        // Each lost frame loses at most one message (a tell, or a refusal carrying one back).
        QVERIFY(processed + r->metrics->link(0).lost >= 20);
    } else {
        // The crash loses what the mailbox held; the rest arrive after the restart.
        const auto ps = eventsAt(*r, TraceKind::Process, worker);
        QVERIFY(!ps.empty());
        QVERIFY(ps.back().time > (crashAtMs + 20) * kMillisecond);
        QVERIFY(processed >= 20 - 3); // at most the mailbox (2) and the message in hand
    }
}

void TestActor::replyAnswersAsks()
{
    TopologyBuilder b;
    b.node("client", "actor-client", {{"pattern", "ask"}, {"script", actorScript(every(0, 10, 3, "get"))}})
        .node("server", "actor", {{"behaviour", "reply"}})
        .link("client", "server");
    auto r = run(b.topology());
    QVERIFY(r);
    const auto completes = eventsAt(*r, TraceKind::Complete, r->index("client"));
    QCOMPARE(completes.size(), std::size_t(3));
    for (const auto &e : completes)
        QCOMPARE(e.status, Grpc::Ok);
    QCOMPARE(r->trace.countAt(TraceKind::Call, r->index("client")), std::size_t(3));
    QCOMPARE(r->trace.countAt(TraceKind::Execute, r->index("server")), std::size_t(3));
    // Each answer carries the ask's correlation id.
    const auto calls = eventsAt(*r, TraceKind::Call, r->index("client"));
    for (std::size_t i = 0; i < 3; ++i)
        QCOMPARE(completes[i].correlationId, calls[i].correlationId);
}

void TestActor::counterCounts()
{
    TopologyBuilder b;
    b.node("client", "actor-client", {{"pattern", "ask"}, {"script", actorScript(every(0, 10, 4, "inc"))}})
        .node("counter", "actor", {{"behaviour", "counter"}})
        .link("client", "counter");
    MessageSink messages;
    auto r = runWithMessages(b.topology(), messages);
    QVERIFY(r);
    QCOMPARE(answerFields(*r, messages, "client", "count"), (std::vector<std::string>{"1", "2", "3", "4"}));
}

void TestActor::stateMachine_data()
{
    QTest::addColumn<QString>("unhandled");
    QTest::addColumn<std::vector<std::string>>("states");
    QTest::addColumn<int>("rejected");
    QTest::addColumn<int>("failures");
    // idle -start-> running -stop-> idle; "pause" has no row in idle. Dropped as unhandled, the ask
    // gets no answer; with "fail" the actor fails (no supervisor: it stops, the last ask is a dead letter).
    QTest::newRow("dead-letter") << "dead-letter" << std::vector<std::string>{"running", "idle", "running"}
                                 << 1 << 0;
    QTest::newRow("fail") << "fail" << std::vector<std::string>{"running", "idle"} << 0 << 1;
}

void TestActor::stateMachine()
{
    QFETCH(QString, unhandled);
    QFETCH(std::vector<std::string>, states);
    QFETCH(int, rejected);
    QFETCH(int, failures);
    TopologyBuilder b;
    b.node("client", "actor-client",
           {{"pattern", "ask"},
            {"askTimeout", 100},
            {"script", actorScript({{0, "start"}, {10, "stop"}, {20, "pause"}, {30, "start"}})}})
        .node("fsm", "actor",
              {{"behaviour", "state-machine"},
               {"transitions", {"idle: start -> running", "running: stop -> idle"}},
               {"unhandled", unhandled.toStdString()}})
        .link("client", "fsm");
    MessageSink messages;
    auto r = runWithMessages(b.topology(), messages);
    QVERIFY(r);
    QCOMPARE(answerFields(*r, messages, "client", "state"), states);
    QCOMPARE(r->trace.count(TraceKind::Drop, DropReason::Rejected), std::size_t(rejected));
    QCOMPARE(r->trace.countAt(TraceKind::ActorFail, r->index("fsm")), std::size_t(failures));
}

void TestActor::forward_data()
{
    QTest::addColumn<QString>("forwardTo");
    QTest::addColumn<int>("each");
    QTest::newRow("round-robin") << "round-robin" << 2;
    QTest::newRow("all") << "all" << 4;
}

void TestActor::forward()
{
    QFETCH(QString, forwardTo);
    QFETCH(int, each);
    TopologyBuilder b;
    b.node("client", "actor-client", {{"script", actorScript(every(0, 10, 4, "job"))}})
        .node("router", "actor", {{"behaviour", "forward"}, {"forwardTo", forwardTo.toStdString()}})
        .node("a", "actor")
        .node("b", "actor")
        .link("client", "router")
        .link("router", "a")
        .link("router", "b");
    auto r = run(b.topology());
    QVERIFY(r);
    QCOMPARE(r->trace.countAt(TraceKind::Process, r->index("a")), std::size_t(each));
    QCOMPARE(r->trace.countAt(TraceKind::Process, r->index("b")), std::size_t(each));
    QCOMPARE(r->trace.countAt(TraceKind::Route, r->index("router")), std::size_t(2 * each));
}

void TestActor::forwardedAskIsAnswered()
{
    // Akka's forward keeps the original sender: the answer reaches the asker, through the router.
    TopologyBuilder b;
    b.node("client", "actor-client", {{"pattern", "ask"}, {"script", actorScript(every(0, 10, 2, "get"))}})
        .node("router", "actor", {{"behaviour", "forward"}})
        .node("server", "actor")
        .link("client", "router")
        .link("router", "server");
    auto r = run(b.topology());
    QVERIFY(r);
    const auto completes = eventsAt(*r, TraceKind::Complete, r->index("client"));
    QCOMPARE(completes.size(), std::size_t(2));
    for (const auto &e : completes)
        QCOMPARE(e.status, Grpc::Ok);
    // Executed once each, by the server (the router only passes it on).
    QCOMPARE(r->trace.countAt(TraceKind::Execute, r->index("router")), std::size_t(0));
    QCOMPARE(r->trace.countAt(TraceKind::Execute, r->index("server")), std::size_t(2));
}

void TestActor::fanOutAggregates()
{
    // The fan-out asks its three peers; one takes 2 s, past the 500 ms ask timeout: the aggregate is
    // answered with 2 of 3, the slow peer's ask ends DEADLINE_EXCEEDED and its late answer is a dead letter.
    TopologyBuilder b;
    b.node("client", "actor-client",
           {{"pattern", "ask"}, {"askTimeout", 5000}, {"script", actorScript({{0, "quote"}})}})
        .node("aggregator", "actor", {{"behaviour", "fan-out"}, {"askTimeout", 500}})
        .node("fast-1", "actor")
        .node("fast-2", "actor")
        .node("slow", "actor", {{"processingTime", "2s"}})
        .link("client", "aggregator")
        .link("aggregator", "fast-1")
        .link("aggregator", "fast-2")
        .link("aggregator", "slow");
    MessageSink messages;
    auto r = runWithMessages(b.topology(), messages);
    QVERIFY(r);
    QCOMPARE(answerFields(*r, messages, "client", "answered"), std::vector<std::string>{"2"});
    QCOMPARE(answerFields(*r, messages, "client", "asked"), std::vector<std::string>{"3"});
    const auto subAsks = eventsAt(*r, TraceKind::Complete, r->index("aggregator"));
    QCOMPARE(subAsks.size(), std::size_t(3));
    QCOMPARE(std::count_if(subAsks.begin(), subAsks.end(),
                           [](const TraceEvent &e) { return e.status == Grpc::DeadlineExceeded; }),
             std::ptrdiff_t(1));
    // The sub-asks name the call they serve as their parent.
    const auto clientCall = eventsAt(*r, TraceKind::Call, r->index("client")).front().correlationId;
    for (const auto &e : eventsAt(*r, TraceKind::Call, r->index("aggregator")))
        QCOMPARE(std::uint64_t(e.aux), clientCall);
    QCOMPARE(r->trace.count(TraceKind::Drop, DropReason::UnknownCorrelation), std::size_t(1));
    const auto done = eventsAt(*r, TraceKind::Complete, r->index("client"));
    QCOMPARE(done.size(), std::size_t(1));
    QCOMPARE(done.front().status, Grpc::Ok);
}

void TestActor::askTimeout()
{
    TopologyBuilder b;
    b.node("client", "actor-client",
           {{"pattern", "ask"}, {"askTimeout", 50}, {"script", actorScript({{0, "slow"}})}})
        .node("server", "actor", {{"processingTime", "100ms"}})
        .link("client", "server");
    auto r = run(b.topology());
    QVERIFY(r);
    const auto completes = eventsAt(*r, TraceKind::Complete, r->index("client"));
    QCOMPARE(completes.size(), std::size_t(1));
    QCOMPARE(completes.front().status, Grpc::DeadlineExceeded); // Akka's AskTimeoutException
    QCOMPARE(completes.front().time, sb::SimTime(50 * kMillisecond));
    // The answer came later: a dead letter at the client.
    const auto late = eventsAt(*r, TraceKind::Drop, r->index("client"));
    QCOMPARE(late.size(), std::size_t(1));
    QCOMPARE(late.front().reason, DropReason::UnknownCorrelation);
}

void TestActor::remoteActorOverALossyLink()
{
    // A remote actor is one across a link with latency and loss: asks whose request or answer the
    // link loses end with AskTimeout; the others are answered after the round trip.
    TopologyBuilder b;
    b.node("client", "actor-client",
           {{"pattern", "ask"}, {"askTimeout", 200}, {"script", actorScript(every(0, 10, 40, "get"))}})
        .node("remote", "actor", {{"system", "backend@node-b"}})
        .link("client", "remote", {{"latency", "20ms"}, {"loss", 0.3}})
        .seed(3);
    auto r = run(b.topology());
    QVERIFY(r);
    std::size_t ok = 0, timedOut = 0;
    for (const auto &e : eventsAt(*r, TraceKind::Complete, r->index("client"))) {
        ok += e.status == Grpc::Ok;
        timedOut += e.status == Grpc::DeadlineExceeded;
        if (e.status == Grpc::Ok) QVERIFY(e.aux >= 41 * kMillisecond); // two hops and the processing
    }
    QCOMPARE(ok + timedOut, std::size_t(40));
    QVERIFY(ok > 0);
    QVERIFY(timedOut > 0);
    QCOMPARE(timedOut, std::size_t(r->metrics->link(0).lost));
}

void TestActor::deadLetters()
{
    // No supervisor: after "stop" the actor stops for good. "b" was still in its mailbox (a dead
    // letter then), "c" comes later (a dead letter on arrival).
    TopologyBuilder b;
    b.node("client", "actor-client", {{"script", actorScript({{0, "a"}, {0, "stop"}, {0, "b"}, {50, "c"}})}})
        .node("worker", "actor", {{"stopOn", "stop"}, {"processingTime", "5ms"}})
        .link("client", "worker");
    auto r = run(b.topology());
    QVERIFY(r);
    QCOMPARE(r->trace.countAt(TraceKind::Process, r->index("worker")), std::size_t(2));
    const auto drops = eventsAt(*r, TraceKind::Drop, r->index("worker"));
    QCOMPARE(drops.size(), std::size_t(2));
    for (const auto &d : drops) {
        QCOMPARE(d.reason, DropReason::ActorStopped);
        QCOMPARE(d.peer, r->index("client"));
    }
}

void TestActor::monitorsGetDown_data()
{
    QTest::addColumn<bool>("supervised");
    QTest::addColumn<QString>("onDown");
    QTest::addColumn<int>("downs");
    QTest::addColumn<int>("watcherFailures");
    // Stopped for good (no supervisor to restart it): its monitor gets DOWN. Failed and restarted by
    // its supervisor: still alive, no DOWN. A watcher with onDown "fail" (Akka's death pact) fails then.
    QTest::newRow("stopped") << false << "message" << 1 << 0;
    QTest::newRow("restarted") << true << "message" << 0 << 0;
    QTest::newRow("stopped, death pact") << false << "fail" << 1 << 1;
    QTest::newRow("restarted, death pact") << true << "fail" << 0 << 0;
}

void TestActor::monitorsGetDown()
{
    QFETCH(bool, supervised);
    QFETCH(QString, onDown);
    QFETCH(int, downs);
    QFETCH(int, watcherFailures);
    TopologyBuilder b;
    b.node("client", "actor-client", {{"script", actorScript({{0, "poison"}})}})
        .node("worker", "actor", {{"poison", "poison"}})
        .node("watcher", "actor", {{"onDown", onDown.toStdString()}})
        .link("client", "worker")
        .link("watcher", "worker", {}, "monitors", "watchers");
    if (supervised) b.node("sup", "supervisor").link("sup", "worker", {}, "children", "parent");
    auto r = run(b.topology());
    QVERIFY(r);
    QCOMPARE(r->trace.countAt(TraceKind::ActorFail, r->index("worker")), std::size_t(1));
    QCOMPARE(sent(*r, FrameType::ActorDown, r->index("worker")), std::size_t(downs));
    QCOMPARE(r->trace.countAt(TraceKind::ActorFail, r->index("watcher")), std::size_t(watcherFailures));
    // The watcher, stopped in turn, tells its own watchers nothing here (it has none), and its
    // failure names the dead actor as the cause.
    for (const auto &e : eventsAt(*r, TraceKind::ActorFail, r->index("watcher")))
        QCOMPARE(e.peer, r->index("worker"));
}

void TestActor::downIsAMessageTheBehaviourHandles_data()
{
    QTest::addColumn<QString>("behaviour");
    QTest::addColumn<std::vector<std::string>>("transitions");
    QTest::addColumn<QString>("onDown");
    QTest::addColumn<QString>("unhandled");
    QTest::addColumn<QString>("field");
    QTest::addColumn<std::vector<std::string>>("answers");
    QTest::addColumn<int>("watcherFailures");
    QTest::addColumn<std::vector<std::string>>("downHandledAt");
    // The worker dies of a poison message at 1 ms (no supervisor: for good) and the watcher, which
    // monitors it, gets DOWN in its mailbox. At 50 ms a client asks the watcher "status": the answer
    // shows what the behaviour made of the DOWN.
    const std::vector<std::string> withRow{"watching: status -> watching", "watching: DOWN -> alone",
                                           "alone: status -> alone"};
    const std::vector<std::string> noRow{"watching: status -> watching"};
    using V = std::vector<std::string>;
    QTest::newRow("counter counts DOWN") << "counter" << noRow << "message"
                                         << "dead-letter"
                                         << "count" << V{"2"} << 0 << V{"watcher"};
    QTest::newRow("state machine moves on DOWN") << "state-machine" << withRow << "message"
                                                 << "dead-letter"
                                                 << "state" << V{"alone"} << 0 << V{"watcher"};
    QTest::newRow("state machine without a DOWN row: unhandled, a dead letter")
        << "state-machine" << noRow << "message"
        << "dead-letter"
        << "state" << V{"watching"} << 0 << V{};
    // gen_statem: an unexpected message crashes it; unsupervised, it stops and the ask is a dead letter.
    QTest::newRow("state machine without a DOWN row: unhandled fails it")
        << "state-machine" << noRow << "message"
        << "fail"
        << "state" << V{} << 1 << V{};
    // Akka's death pact: a Terminated the behaviour does not handle throws DeathPactException.
    QTest::newRow("death pact, the state machine handles DOWN") << "state-machine" << withRow << "fail"
                                                                << "dead-letter"
                                                                << "state" << V{"alone"} << 0 << V{"watcher"};
    QTest::newRow("death pact, a counter does not match DOWN") << "counter" << noRow << "fail"
                                                               << "dead-letter"
                                                               << "count" << V{} << 1 << V{};
    // A router passes DOWN on like any message: the counter behind it counts it (and the ask).
    QTest::newRow("forward passes DOWN on") << "forward" << noRow << "message"
                                            << "dead-letter"
                                            << "count" << V{"2"} << 0 << V{"watcher", "logger"};
}

void TestActor::downIsAMessageTheBehaviourHandles()
{
    QFETCH(QString, behaviour);
    QFETCH(std::vector<std::string>, transitions);
    QFETCH(QString, onDown);
    QFETCH(QString, unhandled);
    QFETCH(QString, field);
    QFETCH(std::vector<std::string>, answers);
    QFETCH(int, watcherFailures);
    QFETCH(std::vector<std::string>, downHandledAt);
    TopologyBuilder b;
    b.node("client", "actor-client", {{"script", actorScript({{0, "poison"}})}})
        .node("worker", "actor", {{"poison", "poison"}})
        .node("asker", "actor-client",
              {{"pattern", "ask"}, {"askTimeout", 100}, {"script", actorScript({{50, "status"}})}})
        .node("watcher", "actor",
              {{"behaviour", behaviour.toStdString()},
               {"transitions", transitions},
               {"onDown", onDown.toStdString()},
               {"unhandled", unhandled.toStdString()}})
        .node("logger", "actor", {{"behaviour", "counter"}})
        .link("client", "worker")
        .link("asker", "watcher")
        .link("watcher", "logger")
        .link("watcher", "worker", {}, "monitors", "watchers");
    MessageSink messages;
    auto r = runWithMessages(b.topology(), messages);
    QVERIFY(r);
    const NodeIndex worker = r->index("worker"), watcher = r->index("watcher");
    QCOMPARE(sent(*r, FrameType::ActorDown, worker), std::size_t(1));
    // DOWN entered the watcher's mailbox as a message from the dead actor, with the reason.
    const auto enqueued = eventsAt(*r, TraceKind::Enqueue, watcher);
    QVERIFY(!enqueued.empty());
    QCOMPARE(enqueued.front().peer, worker);
    const Message &down = messages.messages.at(enqueued.front().messageId);
    QCOMPARE(down.routingKey, std::string("DOWN"));
    QVERIFY(down.field("reason") && down.field("reason")->text == "poison");
    QCOMPARE(answerFields(*r, messages, "asker", field.toStdString()), answers);
    QCOMPARE(r->trace.countAt(TraceKind::ActorFail, watcher), std::size_t(watcherFailures));
    // Where a behaviour handled it (Process of the DOWN message), if anywhere.
    std::vector<std::string> handledAt;
    for (const auto &e : r->trace.events)
        if (e.kind == TraceKind::Process && e.messageId == down.id)
            handledAt.push_back(r->sim->topology().nodes[e.node].id);
    QCOMPARE(handledAt, downHandledAt);
}

void TestActor::determinism()
{
    auto topology = [](std::uint64_t seed) {
        TopologyBuilder b;
        b.node("client", "actor-client", {{"rate", 100}, {"count", 60}})
            .node("worker", "actor", {{"failureProbability", 0.3}, {"processingTime", "exp(5ms)"}})
            .node("sup", "supervisor", {{"period", 0}, {"minBackoff", 10}, {"randomFactor", 0.5}})
            .link("client", "worker")
            .link("sup", "worker", {}, "children", "parent")
            .seed(seed);
        return b.topology();
    };
    auto hashOf = [&](std::uint64_t seed) {
        auto r = prepare(topology(seed));
        HashSink h;
        r->sim->addSink(&h);
        RunOptions o;
        o.until = 600 * kSecond;
        r->sim->run(o);
        return std::make_pair(h.hash(), r->trace.count(TraceKind::ActorFail));
    };
    const auto a = hashOf(7), b = hashOf(7), c = hashOf(8);
    QCOMPARE(a.first, b.first);
    QVERIFY(a.second > 5); // the failures happened
    QVERIFY(a.first != c.first);
}

void TestActor::badProperties_data()
{
    QTest::addColumn<QString>("kind");
    QTest::addColumn<Json>("properties");
    QTest::addColumn<QString>("property");
    QTest::addColumn<QString>("reason");
    QTest::newRow("unknown behaviour") << "actor" << Json{{"behaviour", "sing"}} << "behaviour"
                                       << "sing";
    QTest::newRow("bounded mailbox, capacity 0")
        << "actor" << Json{{"mailbox", "bounded"}, {"capacity", 0}} << "capacity"
        << "at least 1";
    QTest::newRow("bad transition") << "actor"
                                    << Json{{"behaviour", "state-machine"},
                                            {"transitions", {"idle -> running"}}}
                                    << "transitions"
                                    << "is not";
    QTest::newRow("empty state machine")
        << "actor" << Json{{"behaviour", "state-machine"}, {"transitions", Json::array()}} << "transitions"
        << "at least one transition";
    QTest::newRow("failure probability above 1")
        << "actor" << Json{{"failureProbability", 1.5}} << "failureProbability"
        << "";
    QTest::newRow("negative max restarts") << "supervisor" << Json{{"maxRestarts", -1}} << "maxRestarts"
                                           << "";
    QTest::newRow("unknown strategy") << "supervisor" << Json{{"strategy", "all-for-one"}} << "strategy"
                                      << "all-for-one";
    QTest::newRow("max backoff below min")
        << "supervisor" << Json{{"minBackoff", 1000}, {"maxBackoff", 500}} << "maxBackoff"
        << "below minBackoff";
    QTest::newRow("unknown pattern") << "actor-client" << Json{{"pattern", "call"}} << "pattern"
                                     << "call";
}

void TestActor::badProperties()
{
    QFETCH(QString, kind);
    QFETCH(Json, properties);
    QFETCH(QString, property);
    QFETCH(QString, reason);
    TopologyBuilder b;
    b.node("subject", kind.toStdString(), properties).node("other", "actor");
    if (kind == "supervisor")
        b.link("subject", "other", {}, "children", "parent");
    else
        b.link("subject", "other");
    const std::vector<std::string> errors = validationErrors(b.topology());
    QVERIFY(!errors.empty());
    const std::string &e = errors.front();
    QVERIFY2(e.find("subject") != std::string::npos, e.c_str());
    QVERIFY2(e.find(property.toStdString()) != std::string::npos, e.c_str());
    QVERIFY2(e.find(reason.toStdString()) != std::string::npos, e.c_str());
}

QTEST_GUILESS_MAIN(TestActor)
#include "tst_actor.moc"
