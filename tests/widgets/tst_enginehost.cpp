#include "enginehost.h"
#include "nodelabels.h"

#include <QElapsedTimer>
#include <QSignalSpy>
#include <QTest>

#include <algorithm>

using namespace sb;

namespace {

constexpr int kRunTimeout = 30000; // ms; a run of the example at full speed takes well under a second

Topology loadExample()
{
    const LoadResult result = loadTopologyFile(SIGNALBOX_EXAMPLES_DIR "/work-queue.json");
    if (!result.ok()) qFatal("the work-queue example does not load: %s", result.errorText().c_str());
    return *result.topology;
}

// The same topology run directly on this thread, as signalbox-cli runs it.
struct Headless {
    RunSummary summary;
    std::uint64_t traceEvents = 0;
    std::uint64_t traceHash = 0;
};

Headless runHeadless(const Topology &topology, std::uint64_t seed)
{
    std::string error;
    auto sim = Simulation::build(topology, error);
    if (!sim) qFatal("cannot build: %s", error.c_str());
    sim->setSeed(seed);
    Metrics metrics(sim->nodeCount(), sim->linkCount());
    std::vector<bool> isQueue;
    for (const auto &n : topology.nodes)
        isQueue.push_back(n.kind == "queue");
    DeliveryChecker checker(isQueue);
    CallChecker calls(nodeLabels(topology)); // as the window's runs have one
    HashSink hash;
    sim->addSink(&metrics);
    sim->addSink(&checker);
    sim->addSink(&calls);
    sim->addSink(&hash);
    RunOptions options;
    options.until = topology.run.until.value_or(EngineHost::kDefaultUntil);
    const StopReason reason = sim->run(options);
    return {buildSummary(*sim, metrics, checker, reason, 0, &calls), hash.count(), hash.hash()};
}

// Everything but the wall time, which differs from run to run.
std::string comparable(const RunSummary &summary)
{
    Json json = summaryToJson(summary);
    json.erase("wall_seconds");
    return json.dump(1);
}

std::vector<TraceEvent> received(const QSignalSpy &spy)
{
    std::vector<TraceEvent> events;
    for (const QList<QVariant> &arguments : spy) {
        const auto batch = arguments.at(0).value<std::vector<TraceEvent>>();
        events.insert(events.end(), batch.begin(), batch.end());
    }
    return events;
}

EngineHost::RunRequest atSpeed(double speed)
{
    EngineHost::RunRequest request;
    request.speed = speed;
    return request;
}

} // namespace

class TestEngineHost : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();

    void startsEmptyAndIgnoresStart();
    void groupNamesComeWithTheRun();
    void loadRejectsInvalidTopology();
    void runAtMaxSpeedMatchesHeadlessRun();
    void seedOverrideApplies();
    void runsAgainFromTheBeginningAfterFinishing();
    void pauseAndResumeGiveTheSameRun();
    void pauseRightAfterStartIsNotLost();
    void stopWhileRunning();
    void stopWhilePaused();
    void speedChangeWhileRunningTakesEffect();
    void loadWhileRunningAbandonsTheOldRun();
    void destroyWhileRunningReturnsPromptly();
    void stepProcessesOneEventAtATime();
    void stepThenRunMatchesHeadlessRun();
    void messageBudgetStopsProducers();
    void liveChangesWhilePausedAppearInTraceAndSummary();
    void liveChangesWhileRunningAppearInSummary();
    void liveChangesNeedARun();

private:
    Topology m_topology;
    Headless m_expected;
};

namespace {
// Whether a progress report has said that virtual time moved past 0.
bool movedOn(const QSignalSpy &progress)
{
    return !progress.isEmpty() && progress.last().at(0).toLongLong() > 0;
}
} // namespace

void TestEngineHost::initTestCase()
{
    m_topology = loadExample();
    m_expected = runHeadless(m_topology, m_topology.run.seed);
    // The whole trace fits the ring, so a test can expect every event to reach the GUI thread.
    QVERIFY(m_expected.traceEvents < EngineHost::kRingCapacity);
}

void TestEngineHost::startsEmptyAndIgnoresStart()
{
    EngineHost host;
    QCOMPARE(host.state(), EngineHost::State::Empty);
    QVERIFY(!host.isLoaded());
    QSignalSpy state(&host, &EngineHost::stateChanged);
    host.start();
    host.pause();
    host.stop();
    QCOMPARE(state.count(), 0);
}

void TestEngineHost::loadRejectsInvalidTopology()
{
    Topology broken = m_topology;
    broken.nodes[0].kind = "teleporter";

    EngineHost host;
    QString error;
    QVERIFY(!host.load(broken, &error));
    QVERIFY2(error.contains("teleporter"), qPrintable(error));
    QVERIFY2(error.contains("$.nodes[0].kind"), qPrintable(error));
    QCOMPARE(host.state(), EngineHost::State::Empty);

    QVERIFY(host.load(m_topology, &error));
    QCOMPARE(host.state(), EngineHost::State::Ready);
    QCOMPARE(host.nodeIds(), QStringList({"producer", "tasks", "worker-1", "worker-2", "worker-3"}));
    QCOMPARE(host.linkIds().size(), 4);

    // A failed load keeps what was loaded.
    QVERIFY(!host.load(broken, &error));
    QCOMPARE(host.state(), EngineHost::State::Ready);
    QCOMPARE(host.topology(), m_topology);
}

void TestEngineHost::runAtMaxSpeedMatchesHeadlessRun()
{
    EngineHost host;
    QVERIFY(host.load(m_topology));
    QSignalSpy finished(&host, &EngineHost::finished);
    QSignalSpy batches(&host, &EngineHost::eventsArrived);
    QSignalSpy progress(&host, &EngineHost::progressed);
    qsizetype batchesAtFinish = -1;
    connect(&host, &EngineHost::finished, this, [&] { batchesAtFinish = batches.count(); });

    host.start(atSpeed(0));
    QCOMPARE(host.state(), EngineHost::State::Running);
    QVERIFY(finished.wait(kRunTimeout));
    QCOMPARE(finished.count(), 1);
    QCOMPARE(host.state(), EngineHost::State::Finished);

    const auto summary = finished.at(0).at(0).value<RunSummary>();
    QCOMPARE(comparable(summary), comparable(m_expected.summary));
    QVERIFY(summary.wallSeconds > 0);

    // Every event arrived, in batches rather than one by one, in engine order, before finished().
    QTest::qWait(100);
    QCOMPARE(batches.count(), batchesAtFinish);
    QVERIFY(batches.count() >= 1);
    const std::vector<TraceEvent> events = received(batches);
    QCOMPARE(host.overflowedEvents(), quint64(0));
    QCOMPARE(events.size(), std::size_t(m_expected.traceEvents));
    // The summary's "events" are these: the trace events the event log receives.
    QCOMPARE(summary.events, std::uint64_t(events.size()));
    QVERIFY(summary.engineSteps > 0 && summary.engineSteps < summary.events);
    QVERIFY(std::size_t(batches.count()) < events.size());
    HashSink hash;
    for (const TraceEvent &e : events)
        hash.onEvent(e);
    QCOMPARE(hash.hash(), m_expected.traceHash);

    std::uint64_t processEvents = 0, processed = 0;
    for (const TraceEvent &e : events)
        if (e.kind == TraceKind::Process) ++processEvents;
    for (const NodeSummary &n : summary.nodes)
        processed += n.counters.processed;
    QCOMPARE(processEvents, processed);
    QCOMPARE(processed, std::uint64_t(2000));

    // The last progress report is where the run ended.
    QVERIFY(!progress.isEmpty());
    QCOMPARE(progress.last().at(0).toLongLong(), summary.endTime);
    QCOMPARE(progress.last().at(1).toULongLong(), summary.events);
}

void TestEngineHost::seedOverrideApplies()
{
    EngineHost host;
    QVERIFY(host.load(m_topology));
    QSignalSpy finished(&host, &EngineHost::finished);
    EngineHost::RunRequest request = atSpeed(0);
    request.seed = 7;
    host.start(request);
    QVERIFY(finished.wait(kRunTimeout));
    QCOMPARE(host.seed(), std::uint64_t(7));
    const auto summary = finished.at(0).at(0).value<RunSummary>();
    QCOMPARE(summary.seed, std::uint64_t(7));
    QCOMPARE(comparable(summary), comparable(runHeadless(m_topology, 7).summary));
    QVERIFY(comparable(summary) != comparable(m_expected.summary));
}

void TestEngineHost::runsAgainFromTheBeginningAfterFinishing()
{
    EngineHost host;
    QVERIFY(host.load(m_topology));
    QSignalSpy finished(&host, &EngineHost::finished);
    host.start(atSpeed(0));
    QVERIFY(finished.wait(kRunTimeout));
    host.start(atSpeed(0));
    QCOMPARE(host.state(), EngineHost::State::Running);
    QVERIFY(finished.wait(kRunTimeout));
    QCOMPARE(finished.count(), 2);
    QCOMPARE(comparable(finished.at(1).at(0).value<RunSummary>()), comparable(m_expected.summary));
}

void TestEngineHost::pauseAndResumeGiveTheSameRun()
{
    EngineHost host;
    QVERIFY(host.load(m_topology));
    QSignalSpy progress(&host, &EngineHost::progressed);
    QSignalSpy paused(&host, &EngineHost::paused);
    QSignalSpy finished(&host, &EngineHost::finished);
    QSignalSpy batches(&host, &EngineHost::eventsArrived);

    host.start(atSpeed(1)); // the example takes seconds of virtual time: long enough to pause in
    // The first progress report may come before the engine thread (nice +10) got the CPU on a
    // loaded machine: wait until virtual time has moved.
    QTRY_VERIFY_WITH_TIMEOUT(movedOn(progress), 5000);
    host.pause();
    QCOMPARE(host.state(), EngineHost::State::Pausing);
    QVERIFY(paused.wait(5000));
    QCOMPARE(host.state(), EngineHost::State::Paused);
    QCOMPARE(finished.count(), 0);
    const qint64 pausedAt = progress.last().at(0).toLongLong();
    QVERIFY(pausedAt > 0);
    QVERIFY(pausedAt < m_expected.summary.endTime);

    // Nothing moves while paused.
    const qsizetype batchesWhenPaused = batches.count();
    const qsizetype progressWhenPaused = progress.count();
    QTest::qWait(300);
    QCOMPARE(batches.count(), batchesWhenPaused);
    QCOMPARE(progress.count(), progressWhenPaused);

    host.start(atSpeed(0));
    QCOMPARE(host.state(), EngineHost::State::Running);
    QVERIFY(finished.wait(kRunTimeout));
    const auto summary = finished.at(0).at(0).value<RunSummary>();
    QCOMPARE(comparable(summary), comparable(m_expected.summary));
    QCOMPARE(received(batches).size(), std::size_t(m_expected.traceEvents));
}

void TestEngineHost::pauseRightAfterStartIsNotLost()
{
    // A producer that never stops and no time limit: only the pause (or a stop) can end this run,
    // so a lost pause shows as a run that never pauses, however the threads are scheduled. (The
    // example itself finishes in milliseconds at full speed, possibly before pause() is called.)
    Topology endless = m_topology;
    endless.nodes[0].properties.erase("count");
    EngineHost host;
    QVERIFY(host.load(endless));
    QSignalSpy paused(&host, &EngineHost::paused);
    QSignalSpy finished(&host, &EngineHost::finished);
    EngineHost::RunRequest request = atSpeed(0);
    request.until = kNever;
    // The engine thread has most likely not entered the simulation yet when the pause is asked for.
    host.start(request);
    host.pause();
    QVERIFY(paused.wait(5000));
    QCOMPARE(finished.count(), 0);
    QCOMPARE(host.state(), EngineHost::State::Paused);

    host.stop();
    QVERIFY(finished.wait(kRunTimeout));
    QCOMPARE(finished.at(0).at(0).value<RunSummary>().stopReason, StopReason::Stopped);
}

void TestEngineHost::stopWhileRunning()
{
    EngineHost host;
    QVERIFY(host.load(m_topology));
    QSignalSpy progress(&host, &EngineHost::progressed);
    QSignalSpy finished(&host, &EngineHost::finished);
    host.start(atSpeed(1));
    QVERIFY(progress.wait(5000));
    host.stop();
    QCOMPARE(host.state(), EngineHost::State::Stopping);
    QVERIFY(finished.wait(5000));
    QCOMPARE(host.state(), EngineHost::State::Finished);
    const auto summary = finished.at(0).at(0).value<RunSummary>();
    QCOMPARE(summary.stopReason, StopReason::Stopped);
    QVERIFY(summary.endTime < m_expected.summary.endTime);
    QVERIFY(summary.delivery.processed < 2000);
}

void TestEngineHost::stopWhilePaused()
{
    EngineHost host;
    QVERIFY(host.load(m_topology));
    QSignalSpy progress(&host, &EngineHost::progressed);
    QSignalSpy paused(&host, &EngineHost::paused);
    QSignalSpy finished(&host, &EngineHost::finished);
    host.start(atSpeed(1));
    QVERIFY(progress.wait(5000));
    host.pause();
    QVERIFY(paused.wait(5000));
    const qint64 pausedAt = progress.last().at(0).toLongLong();

    host.stop();
    QCOMPARE(host.state(), EngineHost::State::Stopping);
    QVERIFY(finished.wait(5000));
    const auto summary = finished.at(0).at(0).value<RunSummary>();
    QCOMPARE(summary.stopReason, StopReason::Stopped);
    QCOMPARE(summary.endTime, pausedAt);
    QCOMPARE(host.state(), EngineHost::State::Finished);
}

void TestEngineHost::speedChangeWhileRunningTakesEffect()
{
    EngineHost host;
    QVERIFY(host.load(m_topology));
    QSignalSpy progress(&host, &EngineHost::progressed);
    QSignalSpy paused(&host, &EngineHost::paused);
    QSignalSpy finished(&host, &EngineHost::finished);
    host.start(atSpeed(1));
    QVERIFY(progress.wait(5000));

    // At 1x the rest of the run would take about ten seconds; at full speed it is over at once.
    QElapsedTimer clock;
    clock.start();
    host.setSpeed(0);
    QCOMPARE(host.state(), EngineHost::State::Running);
    QVERIFY(finished.wait(kRunTimeout));
    QVERIFY2(clock.elapsed() < 5000, qPrintable(QString::number(clock.elapsed())));
    QCOMPARE(paused.count(), 0); // the pause behind the change is not the user's
    QCOMPARE(comparable(finished.at(0).at(0).value<RunSummary>()), comparable(m_expected.summary));
}

void TestEngineHost::loadWhileRunningAbandonsTheOldRun()
{
    EngineHost host;
    QVERIFY(host.load(m_topology));
    QSignalSpy progress(&host, &EngineHost::progressed);
    QSignalSpy finished(&host, &EngineHost::finished);
    QSignalSpy batches(&host, &EngineHost::eventsArrived);
    host.start(atSpeed(1));
    QVERIFY(progress.wait(5000));

    QVERIFY(host.load(m_topology));
    QCOMPARE(host.state(), EngineHost::State::Ready);
    batches.clear();
    QTest::qWait(300);
    QCOMPARE(finished.count(), 0);
    QCOMPARE(batches.count(), 0);

    host.start(atSpeed(0));
    QVERIFY(finished.wait(kRunTimeout));
    QCOMPARE(finished.count(), 1);
    QCOMPARE(comparable(finished.at(0).at(0).value<RunSummary>()), comparable(m_expected.summary));
    QCOMPARE(received(batches).size(), std::size_t(m_expected.traceEvents));
}

void TestEngineHost::destroyWhileRunningReturnsPromptly()
{
    auto *host = new EngineHost;
    QVERIFY(host->load(m_topology));
    QSignalSpy progress(host, &EngineHost::progressed);
    host->start(atSpeed(1));
    QVERIFY(progress.wait(5000));
    QElapsedTimer clock;
    clock.start();
    delete host;
    QVERIFY2(clock.elapsed() < 2000, qPrintable(QString::number(clock.elapsed())));
}

void TestEngineHost::stepProcessesOneEventAtATime()
{
    EngineHost host;
    QVERIFY(host.load(m_topology));
    QSignalSpy paused(&host, &EngineHost::paused);
    QSignalSpy progress(&host, &EngineHost::progressed);
    // The same topology stepped headlessly: after i steps, so many trace events (progress counts
    // the events the event log lists, and one engine step may trace several).
    std::string error;
    auto headless = Simulation::build(m_topology, error);
    QVERIFY2(headless, error.c_str());
    CounterSink traced;
    headless->addSink(&traced);
    for (int i = 1; i <= 3; ++i) {
        host.step();
        QCOMPARE(host.state(), EngineHost::State::Pausing);
        QVERIFY(paused.wait(5000));
        QCOMPARE(host.state(), EngineHost::State::Paused);
        QVERIFY(headless->step());
        QCOMPARE(progress.last().at(1).toULongLong(), quint64(traced.total()));
    }
}

void TestEngineHost::stepThenRunMatchesHeadlessRun()
{
    EngineHost host;
    QVERIFY(host.load(m_topology));
    QSignalSpy paused(&host, &EngineHost::paused);
    QSignalSpy finished(&host, &EngineHost::finished);
    host.step();
    QVERIFY(paused.wait(5000));
    host.step();
    QVERIFY(paused.wait(5000));
    host.start();
    QVERIFY(finished.wait(kRunTimeout));
    QCOMPARE(comparable(finished.at(0).at(0).value<RunSummary>()), comparable(m_expected.summary));
}

void TestEngineHost::messageBudgetStopsProducers()
{
    EngineHost host;
    QVERIFY(host.load(m_topology));
    QSignalSpy finished(&host, &EngineHost::finished);
    EngineHost::RunRequest request;
    request.messages = 25;
    host.start(request);
    QVERIFY(finished.wait(kRunTimeout));
    const auto summary = finished.at(0).at(0).value<RunSummary>();
    QCOMPARE(summary.delivery.published, std::uint64_t(25));
}

void TestEngineHost::liveChangesWhilePausedAppearInTraceAndSummary()
{
    EngineHost host;
    QVERIFY(host.load(m_topology));
    QSignalSpy paused(&host, &EngineHost::paused);
    QSignalSpy finished(&host, &EngineHost::finished);
    QSignalSpy batches(&host, &EngineHost::eventsArrived);
    QSignalSpy requested(&host, &EngineHost::liveChangeRequested);
    host.step();
    QVERIFY(paused.wait(5000));

    QVERIFY(host.setLinkUp(QStringLiteral("to-worker-3"), false));
    QVERIFY(host.isLinkDown(QStringLiteral("to-worker-3")));
    QVERIFY(host.crashNode(QStringLiteral("worker-2")));
    QVERIFY(host.isNodeCrashed(QStringLiteral("worker-2")));
    QVERIFY(host.pauseNode(QStringLiteral("worker-1")));
    QVERIFY(host.isNodePaused(QStringLiteral("worker-1")));
    QVERIFY(!host.pauseNode(QStringLiteral("worker-2"))); // crashed: nothing to pause
    QVERIFY(!host.crashNode(QStringLiteral("no-such-node")));
    QCOMPARE(requested.count(), 3);
    // Applied on the engine thread while paused, then drained: the trace shows them.
    const auto count = [&batches](TraceKind kind) {
        const auto events = received(batches);
        return std::count_if(events.begin(), events.end(),
                             [kind](const TraceEvent &e) { return e.kind == kind; });
    };
    QTRY_COMPARE_WITH_TIMEOUT(count(TraceKind::Pause), 1, 5000);
    QCOMPARE(count(TraceKind::LinkDown), 1);
    QCOMPARE(count(TraceKind::Crash), 1);

    QVERIFY(host.setLinkUp(QStringLiteral("to-worker-3"), true));
    QVERIFY(host.resumeNode(QStringLiteral("worker-1")));
    QVERIFY(host.restartNode(QStringLiteral("worker-2")));
    host.start();
    QVERIFY(finished.wait(kRunTimeout));
    const auto summary = finished.at(0).at(0).value<RunSummary>();
    QCOMPARE(summary.liveChanges.size(), std::size_t(6));
    QCOMPARE(summary.liveChanges[0].action, std::string("link down"));
    QCOMPARE(summary.liveChanges[0].target, std::string("to-worker-3"));
    QCOMPARE(summary.liveChanges[1].action, std::string("crash"));
    QCOMPARE(summary.liveChanges[5].action, std::string("restart"));
    QVERIFY(formatSummary(summary).find("Live changes:") != std::string::npos);
    // Nothing was lost to the changes: the crashed worker held nothing yet, the paused one resumed.
    QCOMPARE(summary.delivery.lost, std::uint64_t(0));
    QCOMPARE(summary.delivery.processed, m_expected.summary.delivery.processed);
}

void TestEngineHost::liveChangesWhileRunningAppearInSummary()
{
    EngineHost host;
    QVERIFY(host.load(m_topology));
    QSignalSpy progress(&host, &EngineHost::progressed);
    QSignalSpy finished(&host, &EngineHost::finished);
    host.start(atSpeed(2));
    QTRY_VERIFY_WITH_TIMEOUT(movedOn(progress), 5000); // so the changes come after time 0
    LinkProperties slow;
    slow.latency = Distribution::fixed(200 * kMillisecond);
    slow.loss = 0.5;
    QVERIFY(host.setLinkProperties(QStringLiteral("publish"), slow));
    QVERIFY(host.setLinkUp(QStringLiteral("to-worker-1"), false));
    host.setSpeed(0);
    QVERIFY(finished.wait(kRunTimeout));
    const auto summary = finished.at(0).at(0).value<RunSummary>();
    QCOMPARE(summary.liveChanges.size(), std::size_t(2));
    QCOMPARE(summary.liveChanges[0].action, std::string("link change"));
    QVERIFY2(summary.liveChanges[0].detail.find("loss 0 -> 0.5") != std::string::npos,
             summary.liveChanges[0].detail.c_str());
    QVERIFY(summary.liveChanges[0].time > 0);
    // Half of what was published afterwards never reached the queue.
    QVERIFY(summary.links[0].counters.lost > 0);
}

void TestEngineHost::liveChangesNeedARun()
{
    EngineHost host;
    QVERIFY(!host.crashNode(QStringLiteral("worker-1"))); // nothing loaded
    QVERIFY(host.load(m_topology));
    QVERIFY(!host.acceptsLiveChanges());
    QVERIFY(!host.setLinkUp(QStringLiteral("publish"), false)); // loaded, not started
    QVERIFY(!host.isLinkDown(QStringLiteral("publish")));
}

void TestEngineHost::groupNamesComeWithTheRun()
{
    // The consumer groups of the loaded topology, by TraceEvent::group, as the window's views of
    // the run need them: every groupId set in the file, in node order, once each.
    const LoadResult kafka = loadTopologyFile(SIGNALBOX_EXAMPLES_DIR "/kafka-consumer-groups.json");
    QVERIFY2(kafka.ok(), kafka.errorText().c_str());
    EngineHost host;
    QVERIFY(host.groupNames().isEmpty());
    QVERIFY(host.load(*kafka.topology));
    QCOMPARE(host.groupNames(), QStringList({"billing", "audit"}));
    // The trace numbers groups the same way.
    QSignalSpy batches(&host, &EngineHost::eventsArrived);
    QSignalSpy finished(&host, &EngineHost::finished);
    EngineHost::RunRequest request;
    request.until = 8 * kSecond; // past the group's initial rebalance delay
    host.start(request);
    QVERIFY(finished.wait(kRunTimeout));
    QSet<QString> named;
    for (const auto &args : batches)
        for (const TraceEvent &e : args.at(0).value<std::vector<TraceEvent>>())
            if (e.kind == TraceKind::Join && e.node < std::uint32_t(host.nodeIds().size()))
                named.insert(host.nodeIds()[int(e.node)] + QLatin1Char('=') +
                             host.groupNames().value(int(e.group)));
    QVERIFY2(named.contains(QStringLiteral("billing-1=billing")),
             qPrintable(QStringList(named.values()).join(',')));
    QVERIFY(named.contains(QStringLiteral("audit=audit")));
    // A run again from the start has them too; a topology without groups has none.
    host.start(request);
    QCOMPARE(host.groupNames(), QStringList({"billing", "audit"}));
    QVERIFY(finished.wait(kRunTimeout));
    QVERIFY(host.load(loadExample()));
    QVERIFY(host.groupNames().isEmpty());
}

QTEST_GUILESS_MAIN(TestEngineHost)
#include "tst_enginehost.moc"
