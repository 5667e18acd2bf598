// The fault mechanism in the engine: what each fault kind does at its start and end, planned
// and live faults as one mechanism, repetition, determinism, the Gilbert-Elliott loss rate and
// nemesis expansion.
#include "enginetest.h"
#include "faults/nemesis.h"
#include "link.h"

#include <QtTest>

#include <algorithm>
#include <map>

using namespace sb;
using namespace sbtest;

namespace {

FaultDef fault(const std::string &id, const std::string &kind, const std::string &target, SimTime start,
               std::optional<SimTime> duration, Json params = Json::object())
{
    FaultDef f;
    f.id = id;
    f.kind = kind;
    f.target = target;
    f.start = start;
    f.duration = duration;
    f.params = params.is_null() ? Json::object() : std::move(params);
    return f;
}

// 200 messages, one every 10 ms (0 .. 1.99 s), over link "p-q" (1 ms latency) to a queue with
// one auto-ack consumer.
Topology steadyFlow(Json producer = Json::object())
{
    Json p = {{"script", script(200, 10, "a.b")}};
    for (auto it = producer.begin(); it != producer.end(); ++it)
        p[it.key()] = it.value();
    return TopologyBuilder()
        .node("p", "producer", p)
        .node("q", "queue")
        .node("c", "consumer", {{"processing", "1ms"}, {"ackMode", "auto"}})
        .link("p", "q")
        .link("q", "c", Json::object(), "deliver")
        .topology();
}

bool inWindow(SimTime t)
{
    return t >= 500 * kMillisecond && t < 1500 * kMillisecond;
}

} // namespace

class TestFaults : public QObject {
    Q_OBJECT
private slots:
    void linkFault_data();
    void linkFault();
    void bandwidthQueues();
    void reorderBreaksFifoOnlyWhileActive();
    void crashKeepsDurableMessages_data();
    void crashKeepsDurableMessages();
    void pauseHoldsAndReleases();
    void slowStretchesProcessing();
    void faultEventsAreTraced();
    void repeatingFault();
    void liveFaultsAreFaults();
    void samePlanSameTrace();
    void burstLossConvergesToStationaryRate();
    void nemesisExpansion_data();
    void nemesisExpansion();
    void nemesisIsDeterministicBySeed();
    void nemesisCutsLinksInTheEngine();
    void clocksStampLocalTime();
};

// Each link fault, active from 0.5 s to 1.5 s on the publish link: the frames it acts on are
// those sent in that window, and only those.
void TestFaults::linkFault_data()
{
    QTest::addColumn<QString>("kind");
    QTest::addColumn<QString>("params");
    QTest::addColumn<int>("droppedInWindow"); // publishes dropped (-1: not checked)
    QTest::addColumn<int>("reason");          // DropReason of those drops
    QTest::addColumn<int>("extraDelayMs");    // extra one-way delay of publishes in the window
    QTest::addColumn<int>("copiesInWindow");  // sends per publish in the window
    const int partition = int(DropReason::Partition), loss = int(DropReason::Loss),
              corrupt = int(DropReason::Corrupt), injected = int(DropReason::Injected),
              none = int(DropReason::None);
    QTest::newRow("link-down") << "link-down"
                               << "{}" << 100 << partition << 0 << 0;
    QTest::newRow("link-down backward leaves publishes")
        << "link-down"
        << R"({"direction":"backward"})" << 0 << none << 0 << 1;
    QTest::newRow("loss 1") << "loss"
                            << R"({"probability":1})" << 100 << loss << 0 << 0;
    QTest::newRow("corrupt 1") << "corrupt"
                               << R"({"probability":1})" << 100 << corrupt << 0 << 0;
    QTest::newRow("extra latency") << "latency"
                                   << R"({"extra":"50ms"})" << 0 << none << 50 << 1;
    QTest::newRow("duplicate 1") << "duplicate"
                                 << R"({"probability":1})" << 0 << none << 0 << 2;
    QTest::newRow("drop-first 5") << "drop-first"
                                  << R"({"count":5})" << 5 << injected << 0 << -1;
    QTest::newRow("drop-every 4th") << "drop-every"
                                    << R"({"nth":4})" << 25 << injected << 0 << -1;
    QTest::newRow("match publish drop") << "match"
                                        << R"({"frameType":"Publish"})" << 100 << injected << 0 << 0;
    QTest::newRow("match other key passes") << "match"
                                            << R"({"routingKey":"x.*"})" << 0 << none << 0 << 1;
    QTest::newRow("match key drop") << "match"
                                    << R"({"routingKey":"a.*"})" << 100 << injected << 0 << 0;
    QTest::newRow("match delay") << "match"
                                 << R"({"action":"delay","delay":"100ms"})" << 0 << none << 100 << 1;
    QTest::newRow("match forward only") << "match"
                                        << R"({"direction":"forward"})" << 100 << injected << 0 << 0;
}

void TestFaults::linkFault()
{
    QFETCH(QString, kind);
    QFETCH(QString, params);
    QFETCH(int, droppedInWindow);
    QFETCH(int, reason);
    QFETCH(int, extraDelayMs);
    QFETCH(int, copiesInWindow);
    Topology t = steadyFlow();
    t.faults.push_back(fault("f1", kind.toStdString(), "p-q", 500 * kMillisecond, kSecond,
                             Json::parse(params.toStdString())));
    auto r = run(t);
    QVERIFY(r);
    std::map<std::uint64_t, int> sendsInWindow;
    int dropped = 0, droppedOutside = 0;
    for (const auto &e : r->trace.events) {
        if (e.link != 0 || e.frame != FrameType::Publish) continue;
        if (e.kind == TraceKind::Drop) {
            if (inWindow(e.time)) {
                ++dropped;
                QCOMPARE(int(e.reason), reason);
            } else {
                ++droppedOutside;
            }
        } else if (e.kind == TraceKind::Send) {
            const SimTime delay = e.aux - e.time;
            if (inWindow(e.time)) {
                ++sendsInWindow[e.messageId];
                QCOMPARE(delay, kMillisecond + extraDelayMs * kMillisecond);
            } else if (e.time < 500 * kMillisecond || e.time >= 1700 * kMillisecond) {
                // Before, and once the delayed frames have arrived: the link's own latency.
                // (Just after, FIFO keeps frames behind the delayed ones, as TCP would.)
                QCOMPARE(delay, kMillisecond);
            }
        }
    }
    QCOMPARE(droppedOutside, 0);
    if (droppedInWindow >= 0) QCOMPARE(dropped, droppedInWindow);
    if (copiesInWindow > 0) {
        QCOMPARE(int(sendsInWindow.size()), 100);
        for (const auto &[id, n] : sendsInWindow)
            QCOMPARE(n, copiesInWindow);
    }
    // Everything sent after the fault ended arrived.
    QCOMPARE(r->trace.count(TraceKind::FaultStart), std::size_t(1));
    QCOMPARE(r->trace.count(TraceKind::FaultEnd), std::size_t(1));
}

// A bandwidth limit below the offered load: frames queue behind each other, so the delay grows
// while the fault lasts and is back to the latency after.
void TestFaults::bandwidthQueues()
{
    Topology t = steadyFlow({{"size", 256}});
    // 320 bytes a frame at 16000 B/s: 20 ms each, offered every 10 ms.
    t.faults.push_back(
        fault("bw", "bandwidth", "p-q", 500 * kMillisecond, kSecond, {{"bytesPerSecond", 16000}}));
    auto r = run(t);
    QVERIFY(r);
    SimTime firstDelay = -1, lastDelay = -1;
    for (const auto &e : r->trace.events) {
        if (e.kind != TraceKind::Send || e.link != 0 || e.frame != FrameType::Publish) continue;
        const SimTime delay = e.aux - e.time;
        if (inWindow(e.time)) {
            if (firstDelay < 0) firstDelay = delay;
            lastDelay = delay;
        } else if (e.time >= 2 * kSecond) {
            QCOMPARE(delay, kMillisecond);
        }
    }
    QCOMPARE(firstDelay, 21 * kMillisecond); // 20 ms to send + 1 ms latency
    // 100 frames of 20 ms each offered in 1 s: the last waits about a second behind the others.
    QVERIFY2(lastDelay > 900 * kMillisecond, QByteArray::number(qint64(lastDelay)));
}

void TestFaults::reorderBreaksFifoOnlyWhileActive()
{
    Topology t = steadyFlow();
    t.faults.push_back(fault("r", "reorder", "p-q", 500 * kMillisecond, kSecond, {{"window", "40ms"}}));
    auto r = run(t);
    QVERIFY(r);
    // Enqueue order against publish order (message ids rise with publish time).
    std::uint64_t last = 0;
    int inversions = 0;
    for (const auto &e : r->trace.events) {
        if (e.kind != TraceKind::Enqueue) continue;
        if (e.messageId < last) {
            ++inversions;
            QVERIFY(e.time > 500 * kMillisecond && e.time < 1600 * kMillisecond);
        }
        last = std::max(last, e.messageId);
    }
    QVERIFY(inversions > 0);
}

void TestFaults::crashKeepsDurableMessages_data()
{
    QTest::addColumn<bool>("durable");
    QTest::addColumn<bool>("persistent");
    QTest::addColumn<QString>("disk");
    QTest::addColumn<bool>("survive");
    QTest::newRow("durable, persistent") << true << true << "kept" << true;
    QTest::newRow("durable, transient messages") << true << false << "kept" << false;
    QTest::newRow("non-durable") << false << true << "kept" << false;
    QTest::newRow("durable, disk lost") << true << true << "lost" << false;
}

// 50 messages wait in a queue whose consumer only starts late; the queue crashes at 1 s and
// restarts at 2 s. A durable queue's persistent messages are all processed after the restart.
void TestFaults::crashKeepsDurableMessages()
{
    QFETCH(bool, durable);
    QFETCH(bool, persistent);
    QFETCH(QString, disk);
    QFETCH(bool, survive);
    Topology t =
        TopologyBuilder()
            .node("p", "producer",
                  {{"script", script(50, 1)}, {"deliveryMode", persistent ? "persistent" : "transient"}})
            .node("q", "queue", {{"durable", durable}})
            .node("c", "consumer", {{"processing", "100ms"}, {"ackMode", "manual"}, {"prefetch", 5}})
            .link("p", "q")
            .link("q", "c", Json::object(), "deliver")
            .topology();
    t.faults.push_back(fault("crash", "crash", "q", kSecond, kSecond, {{"disk", disk.toStdString()}}));
    auto r = run(t);
    QVERIFY(r);
    const auto report = r->report();
    // Messages the queue itself lost (not acks in flight to the crashed queue).
    std::size_t crashDrops = 0;
    for (const auto &e : r->trace.events)
        crashDrops += e.kind == TraceKind::Drop && e.reason == DropReason::Crash && e.link == kNoIndex;
    if (survive) {
        QCOMPARE(crashDrops, std::size_t(0));
        QCOMPARE(report.lost, std::uint64_t(0));
        // The un-acked deliveries at the crash came back flagged redelivered.
        QVERIFY(r->trace.count(TraceKind::Redeliver) > 0);
    } else {
        QVERIFY(crashDrops > 30); // about 9 processed by 1 s; the rest were in the queue
        QVERIFY(report.lost > 30);
    }
    QCOMPARE(r->trace.count(TraceKind::Crash), std::size_t(1));
    QCOMPARE(r->trace.count(TraceKind::Restart), std::size_t(1));
}

void TestFaults::pauseHoldsAndReleases()
{
    Topology t = steadyFlow();
    t.faults.push_back(fault("gc", "pause", "q", 500 * kMillisecond, kSecond));
    auto r = run(t);
    QVERIFY(r);
    // Nothing is enqueued while paused; what arrived meanwhile is enqueued at the resume.
    int atResume = 0;
    for (const auto &e : r->trace.events) {
        if (e.kind != TraceKind::Enqueue) continue;
        QVERIFY(!(e.time > 501 * kMillisecond && e.time < 1500 * kMillisecond));
        atResume += e.time == 1500 * kMillisecond;
    }
    QVERIFY(atResume >= 99);
    QCOMPARE(r->report().lost, std::uint64_t(0));
}

void TestFaults::slowStretchesProcessing()
{
    Topology t = steadyFlow();
    t.faults.push_back(fault("slow", "slow", "c", 500 * kMillisecond, kSecond, {{"factor", 4}}));
    auto r = run(t);
    QVERIFY(r);
    // Processing is 1 ms; a delivery started while slowed takes 4 ms. Latency = publish -> processed.
    SimTime inside = 0, outside = 0;
    for (const auto &e : r->trace.events) {
        if (e.kind != TraceKind::Process) continue;
        if (e.time > 600 * kMillisecond && e.time < 1400 * kMillisecond)
            inside = std::max(inside, SimTime(e.aux));
        else if (e.time > 1600 * kMillisecond)
            outside = std::max(outside, SimTime(e.aux));
    }
    QCOMPARE(outside, 3 * kMillisecond); // 1 ms link, 1 ms link, 1 ms processing
    QCOMPARE(inside, 6 * kMillisecond);  // 4 ms processing
}

void TestFaults::faultEventsAreTraced()
{
    Topology t = steadyFlow();
    t.faults.push_back(fault("cut", "link-down", "p-q", 500 * kMillisecond, kSecond));
    t.faults.push_back(fault("crash", "crash", "c", 700 * kMillisecond, 100 * kMillisecond));
    auto r = run(t);
    QVERIFY(r);
    std::vector<std::pair<TraceKind, SimTime>> marks;
    for (const auto &e : r->trace.events)
        if (e.kind == TraceKind::FaultStart || e.kind == TraceKind::FaultEnd ||
            e.kind == TraceKind::LinkDown || e.kind == TraceKind::LinkUp || e.kind == TraceKind::Crash ||
            e.kind == TraceKind::Restart)
            marks.emplace_back(e.kind, e.time);
    const std::vector<std::pair<TraceKind, SimTime>> expected = {
        {TraceKind::FaultStart, 500 * kMillisecond}, {TraceKind::LinkDown, 500 * kMillisecond},
        {TraceKind::FaultStart, 700 * kMillisecond}, {TraceKind::Crash, 700 * kMillisecond},
        {TraceKind::FaultEnd, 800 * kMillisecond},   {TraceKind::Restart, 800 * kMillisecond},
        {TraceKind::FaultEnd, 1500 * kMillisecond},  {TraceKind::LinkUp, 1500 * kMillisecond}};
    QVERIFY(marks == expected);
    // The summary's lists: two spans, four changes, all planned.
    const auto &log = r->sim->faultLog();
    QCOMPARE(log.size(), std::size_t(2));
    QCOMPARE(log[0].id, std::string("cut"));
    QCOMPARE(log[0].end, 1500 * kMillisecond);
    QVERIFY(log[1].planned);
    const auto &changes = r->sim->liveChanges();
    QCOMPARE(changes.size(), std::size_t(4));
    QCOMPARE(changes[0].action, std::string("link down"));
    QCOMPARE(changes[1].action, std::string("crash"));
    QCOMPARE(changes[2].action, std::string("restart"));
    QCOMPARE(changes[3].fault, std::string("cut"));
}

void TestFaults::repeatingFault()
{
    Topology t = steadyFlow();
    FaultDef f = fault("flap", "link-down", "p-q", 100 * kMillisecond, 50 * kMillisecond);
    f.every = 400 * kMillisecond;
    t.faults.push_back(f);
    auto r = run(t);
    QVERIFY(r);
    std::vector<SimTime> starts;
    for (const auto &s : r->sim->faultLog()) {
        starts.push_back(s.start);
        QCOMPARE(s.end - s.start, 50 * kMillisecond);
    }
    // The flow ends at about 2 s: repetitions at 0.1, 0.5, 0.9, 1.3, 1.7 s.
    const std::vector<SimTime> expected = {100 * kMillisecond, 500 * kMillisecond, 900 * kMillisecond,
                                           1300 * kMillisecond, 1700 * kMillisecond};
    QVERIFY(starts == expected);
    QCOMPARE(r->sim->faultLog()[3].repetition, std::uint64_t(3));
}

void TestFaults::liveFaultsAreFaults()
{
    Topology t = steadyFlow();
    auto r = prepare(t);
    QVERIFY(r);
    RunOptions o;
    o.until = 500 * kMillisecond;
    r->sim->run(o);
    r->sim->setLinkUp(0, false);
    QCOMPARE(r->sim->faults().size(), std::size_t(1));
    QCOMPARE(r->sim->faults()[0].id, std::string("live-1"));
    QVERIFY(r->sim->faultActive(0));
    QVERIFY(!r->sim->linkUp(0));
    o.until = kSecond;
    r->sim->run(o);
    r->sim->setLinkUp(0, true);
    QVERIFY(!r->sim->faultActive(0));
    QVERIFY(r->sim->linkUp(0));
    // Any kind applies live the same way.
    const std::size_t loss =
        r->sim->injectFault(fault({}, "loss", "p-q", 0, 200 * kMillisecond, {{"probability", 1}}));
    QCOMPARE(r->sim->faults()[loss].start, kSecond);
    o.until = 10 * kSecond;
    r->sim->run(o);
    QVERIFY(!r->sim->faultActive(loss));
    const auto &log = r->sim->faultLog();
    QCOMPARE(log.size(), std::size_t(2));
    QVERIFY(!log[0].planned);
    QCOMPARE(log[0].start, 500 * kMillisecond);
    QCOMPARE(log[0].end, kSecond);
    QCOMPARE(log[1].end, 1200 * kMillisecond);
    // Publishes at 1.01 .. 1.19 s (the one at 1 s went before the fault began).
    QCOMPARE(r->trace.count(TraceKind::Drop, DropReason::Loss), std::size_t(19));
}

void TestFaults::samePlanSameTrace()
{
    Topology t = steadyFlow();
    t.links[0].properties = {{"latency", "exp(3ms)"}};
    t.faults.push_back(fault("b", "burst-loss", "p-q", 0, std::nullopt));
    t.faults.push_back(fault("d", "duplicate", "q-c:deliver", 200 * kMillisecond, 300 * kMillisecond,
                             {{"probability", 0.3}}));
    FaultDef n = fault("n", "partition-halves", "", 300 * kMillisecond, 100 * kMillisecond);
    n.every = 500 * kMillisecond;
    t.faults.push_back(n);
    std::uint64_t hashes[2];
    for (auto &h : hashes) {
        std::string error;
        auto sim = Simulation::build(t, error);
        QVERIFY2(sim, error.c_str());
        HashSink hash;
        sim->addSink(&hash);
        sim->run({});
        h = hash.hash();
        QVERIFY(hash.count() > 500);
    }
    QCOMPARE(hashes[0], hashes[1]);
}

// Long-run loss of a Gilbert-Elliott channel: (r*lossGood + p*lossBad) / (p + r).
void TestFaults::burstLossConvergesToStationaryRate()
{
    LinkModel model;
    LinkFault f;
    f.type = LinkFault::Type::BurstLoss;
    f.id = 1;
    f.goodToBad = 0.05;
    f.badToGood = 0.3;
    f.lossGood = 0.01;
    f.lossBad = 0.7;
    model.addFault(f);
    Rng rng(42);
    Frame frame;
    const int n = 400000;
    int lost = 0, bursts = 0;
    bool lastLost = false;
    for (int i = 0; i < n; ++i) {
        const bool isLost = model.transmit(i * kMicrosecond, 0, frame, rng).copies == 0;
        lost += isLost;
        bursts += isLost && !lastLost;
        lastLost = isLost;
    }
    const double expected = (0.3 * 0.01 + 0.05 * 0.7) / (0.05 + 0.3);
    const double rate = double(lost) / n;
    QVERIFY2(std::abs(rate - expected) < 0.005,
             QByteArray::number(rate) + " vs " + QByteArray::number(expected));
    // Losses cluster: the mean run is longer than independent losses at that rate give (1/(1-rate)).
    const double meanRun = double(lost) / bursts;
    QVERIFY2(meanRun > 1.5 / (1 - rate), QByteArray::number(meanRun));
}

void TestFaults::nemesisExpansion_data()
{
    QTest::addColumn<QString>("kind");
    QTest::addColumn<int>("nodes");
    QTest::addColumn<QString>("params");
    QTest::addColumn<int>("sideA");
    QTest::addColumn<int>("sideB");
    QTest::newRow("halves of 5") << "partition-halves" << 5 << "{}" << 2 << 3;
    QTest::newRow("halves of 4") << "partition-halves" << 4 << "{}" << 2 << 2;
    QTest::newRow("isolate one of 5") << "isolate-node" << 5 << "{}" << 1 << 4;
    QTest::newRow("minority 2 of 7") << "majority-minority" << 7 << R"({"minority":2})" << 2 << 5;
    QTest::newRow("bridge of 5") << "bridge" << 5 << "{}" << 3 << 3;
    QTest::newRow("ring of 5") << "ring" << 5 << "{}" << 3 << 3; // each node sees a majority of 3
}

// A full mesh of n nodes: which links a nemesis cuts follows from its sides.
void TestFaults::nemesisExpansion()
{
    QFETCH(QString, kind);
    QFETCH(int, nodes);
    QFETCH(QString, params);
    QFETCH(int, sideA);
    QFETCH(int, sideB);
    FaultDef f = fault("n", kind.toStdString(), "", 0, kSecond, Json::parse(params.toStdString()));
    std::vector<std::size_t> group;
    std::vector<std::string> ids;
    std::vector<std::pair<std::size_t, std::size_t>> links;
    for (int i = 0; i < nodes; ++i) {
        group.push_back(i);
        ids.push_back("n" + std::to_string(i));
        for (int j = i + 1; j < nodes; ++j)
            links.emplace_back(i, j);
    }
    const NemesisCut cut = expandNemesis(f, group, links, ids, 99, 0, 0);
    QVERIFY(cut.sides.size() >= 2);
    QCOMPARE(int(cut.sides[0].size()), sideA);
    QCOMPARE(int(cut.sides[1].size()), sideB);
    // A link survives exactly when some side holds both its ends.
    for (std::size_t l = 0; l < links.size(); ++l) {
        bool together = false;
        for (const auto &side : cut.sides)
            together = together || (std::count(side.begin(), side.end(), links[l].first) &&
                                    std::count(side.begin(), side.end(), links[l].second));
        const bool isCut = std::count(cut.cutLinks.begin(), cut.cutLinks.end(), l) > 0;
        if (kind == "ring") {
            // Every node's side is the nodes it sees; a cut link joins two nodes not seeing each other.
            const auto &side = cut.sides[links[l].first];
            const bool sees = std::count(side.begin(), side.end(), links[l].second) > 0;
            QCOMPARE(isCut, !sees);
        } else {
            QCOMPARE(isCut, !together);
        }
    }
    QVERIFY(!cut.cutLinks.empty());
    QVERIFY(!cut.description.empty());
}

void TestFaults::nemesisIsDeterministicBySeed()
{
    FaultDef f = fault("n", "partition-halves", "", 0, kSecond);
    std::vector<std::size_t> group = {0, 1, 2, 3, 4, 5, 6, 7};
    std::vector<std::string> ids;
    std::vector<std::pair<std::size_t, std::size_t>> links;
    for (std::size_t i = 0; i < group.size(); ++i) {
        ids.push_back("n" + std::to_string(i));
        for (std::size_t j = i + 1; j < group.size(); ++j)
            links.emplace_back(i, j);
    }
    const auto a = expandNemesis(f, group, links, ids, 1, 0, 0);
    const auto b = expandNemesis(f, group, links, ids, 1, 0, 0);
    QVERIFY(a.cutLinks == b.cutLinks);
    QCOMPARE(a.description, b.description);
    // Other seeds and other repetitions draw other sides (for some of them, at least).
    bool differs = false;
    for (std::uint64_t k = 1; k < 10; ++k)
        differs = differs || expandNemesis(f, group, links, ids, 1, 0, k).cutLinks != a.cutLinks ||
                  expandNemesis(f, group, links, ids, 1 + k, 0, 0).cutLinks != a.cutLinks;
    QVERIFY(differs);
}

void TestFaults::nemesisCutsLinksInTheEngine()
{
    Topology t = steadyFlow();
    FaultDef n = fault("iso", "isolate-node", "", 500 * kMillisecond, kSecond);
    n.nodes = {"p", "q"}; // one of the two is isolated: the link between them goes down
    t.faults.push_back(n);
    auto r = run(t);
    QVERIFY(r);
    QCOMPARE(r->trace.count(TraceKind::LinkDown), std::size_t(1));
    QCOMPARE(r->trace.count(TraceKind::LinkUp), std::size_t(1));
    QCOMPARE(int(r->trace.count(TraceKind::Drop, DropReason::Partition)), 100);
    QVERIFY(r->sim->faultLog()[0].detail.find(" | ") != std::string::npos);
}

void TestFaults::clocksStampLocalTime()
{
    Topology t = steadyFlow();
    t.nodes[1].clock = {{"offset", -50}, {"drift", 1000}, {"jumps", {{{"at", "1s"}, {"by", 200}}}}};
    auto r = run(t);
    QVERIFY(r);
    int checked = 0;
    for (const auto &e : r->trace.events) {
        if (e.node == 1 && e.kind == TraceKind::Enqueue) {
            SimTime expected = e.time - 50 * kMillisecond + e.time / 1000;
            if (e.time >= kSecond) expected += 200 * kMillisecond;
            QCOMPARE(e.local, expected);
            ++checked;
        } else if (e.node == 0) {
            QCOMPARE(e.local, e.time);
        }
    }
    QCOMPARE(checked, 200);
    QCOMPARE(r->trace.count(TraceKind::ClockJump), std::size_t(1));
}

QTEST_APPLESS_MAIN(TestFaults)
#include "tst_faults.moc"
