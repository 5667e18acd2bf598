#include "enginehost.h"

#include "callchecker.h"
#include "checker.h"
#include "faults/faultplan.h"
#include "faulttracker.h"
#include "messagecatalog.h"
#include "metrics.h"
#include "nodelabels.h"
#include "schema.h"
#include "simulation.h"

#include <QPointer>
#ifdef Q_OS_LINUX
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif
#include <QThread>
#include <QTimer>

#include <algorithm>
#include <atomic>
#include <chrono>

namespace sb {

namespace {

// Publishes the engine's position for the GUI thread to read at frame rate: virtual time, and
// trace events so far (the events the event log lists and the run summary counts), in atomics.
class ProgressSink final : public TraceSink {
public:
    void onEvent(const TraceEvent &e) override
    {
        m_time.store(e.time, std::memory_order_relaxed);
        m_events.store(m_events.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    }
    qint64 time() const { return m_time.load(std::memory_order_relaxed); }
    quint64 events() const { return m_events.load(std::memory_order_relaxed); }

private:
    std::atomic<qint64> m_time{0};
    std::atomic<quint64> m_events{0};
};

} // namespace

// Everything one run needs. The GUI thread creates it while no run is in progress; from the first
// start() on, the simulation, metrics and checker belong to the engine thread, and the GUI thread
// touches only the thread-safe parts: the ring's consumer side, the progress atomics and the
// simulation's request/post calls.
struct EngineRun {
    EngineRun(quint64 generation, std::unique_ptr<Simulation> simulation, const Topology &topology)
        : generation(generation), sim(std::move(simulation)), ring(EngineHost::kRingCapacity),
          metrics(sim->nodeCount(), sim->linkCount()), checker(DeliveryChecker::forTopology(topology)),
          calls(nodeLabels(topology)),
          groups(nodeLabels(topology), DeliveryChecker::nodesWithRole(topology, DeliveryRole::Log)),
          logs(topology), domain(makeDomainCheckers(topology, nodeLabels(topology))), progress(),
          live(sim->nodeCount(), sim->linkCount()), series(topology),
          faults(sim->nodeCount(), sim->linkCount(), FaultTracker::describer(*sim, topology.faults.size()))
    {
        series.setStatusSource([s = sim.get()](NodeIndex n) { return s->nodeStatus(n); });
        sim->addSink(&series);
        sim->addSink(&ring);
        sim->addSink(&metrics);
        sim->addSink(&checker);
        sim->addSink(&calls);
        sim->addSink(&groups);
        sim->addSink(&logs);
        for (const auto &c : domain)
            sim->addSink(c.get());
        sim->addSink(&progress);
        sim->addSink(&live);
        sim->addSink(&messages);
        sim->addSink(&faults);
    }
    const quint64 generation;
    std::unique_ptr<Simulation> sim;
    RingBufferSink ring;
    Metrics metrics;
    DeliveryChecker checker;
    CallChecker calls;
    GroupChecker groups;
    LogMetrics logs;
    DomainCheckers domain; // sagas, the outbox, event sourcing (domaincheckers.h)
    ProgressSink progress;
    LiveStats live;
    // Set while a publish of the live counters is posted to the engine and has not run yet, so
    // a busy engine gets at most one request per frame.
    std::atomic<bool> liveRequested{false};
    TimeSeriesSink series;   // chart data, taken by the GUI thread
    MessageCatalog messages; // what messages carried, for the inspector (any thread may look)
    double wallSeconds = 0;  // engine thread only: time spent inside Simulation::run
    FaultTracker faults;     // what is down, crashed, paused, faulty (any thread may take it)
};

// Lives on the engine thread; the host hands it work as queued calls and hears back through its
// (queued) signals.
class EngineWorker : public QObject {
    Q_OBJECT

public:
    void run(const std::shared_ptr<EngineRun> &run, const RunOptions &options)
    {
        const auto start = std::chrono::steady_clock::now();
        const StopReason reason = run->sim->run(options);
        run->wallSeconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        // Where the engine stopped, for the last frame before paused() or finished().
        run->live.publish(*run->sim);
        if (reason == StopReason::Paused || reason == StopReason::EventLimit)
            Q_EMIT runPaused(run->generation, run->sim->now(), run->progress.events());
        else
            finish(run, reason);
    }
    void finish(const std::shared_ptr<EngineRun> &run, StopReason reason)
    {
        Q_EMIT runFinished(run->generation,
                           buildSummary(*run->sim, run->metrics, run->checker, reason, run->wallSeconds,
                                        &run->calls, &run->groups, &run->logs, &run->domain));
    }

signals:
    // Where the simulation stopped, read here because only this thread may read it while it runs.
    void runPaused(quint64 generation, qint64 virtualTimeNs, quint64 eventsProcessed);
    void runFinished(quint64 generation, const sb::RunSummary &summary);
};

EngineHost::EngineHost(QObject *parent) : QObject(parent)
{
    qRegisterMetaType<sb::RunSummary>();
    qRegisterMetaType<std::vector<sb::TraceEvent>>();
    qRegisterMetaType<std::shared_ptr<const sb::LiveStatsSnapshot>>();
    qRegisterMetaType<std::shared_ptr<const sb::TimeSeriesDelta>>();

    m_thread = new QThread(this);
    m_thread->setObjectName(QStringLiteral("Signalbox engine"));
    m_worker = new EngineWorker;
    m_worker->moveToThread(m_thread);
    connect(m_worker, &EngineWorker::runPaused, this, &EngineHost::onRunPaused, Qt::QueuedConnection);
    connect(m_worker, &EngineWorker::runFinished, this, &EngineHost::onRunFinished, Qt::QueuedConnection);
    // The engine runs at a lower scheduling priority than the GUI: on a busy machine the window
    // keeps its frames and the engine takes what is left (Linux: a per-thread nice value).
    connect(
        m_thread, &QThread::started, m_worker,
        [] {
#ifdef Q_OS_LINUX
            setpriority(PRIO_PROCESS, static_cast<id_t>(syscall(SYS_gettid)), 10);
#endif
        },
        Qt::DirectConnection);
    m_thread->start();

    m_frameTimer = new QTimer(this);
    m_frameTimer->setInterval(16); // about 60 Hz: as often as a screen can show anything new
    connect(m_frameTimer, &QTimer::timeout, this, &EngineHost::onFrameTick);
}

EngineHost::~EngineHost()
{
    if (m_run) m_run->sim->requestStop();
    m_thread->quit();
    m_thread->wait();
    // Work still queued for the worker is discarded with it; the runs it shared are released here.
    delete m_worker;
}

bool EngineHost::load(const Topology &topology, QString *error)
{
    Q_ASSERT(QThread::currentThread() == thread());
    auto run = build(topology, error);
    if (!run) return false;

    // A run in progress is abandoned: it stops at its next event and its reports, carrying an old
    // generation, are ignored.
    if (m_run) m_run->sim->requestStop();
    m_frameTimer->stop();
    m_topology = topology;
    retire(std::move(m_run));
    m_run = std::move(run);
    takeGroupNames();
    m_nodeIds.clear();
    m_linkIds.clear();
    for (const auto &n : m_topology.nodes)
        m_nodeIds << QString::fromStdString(n.id);
    for (const auto &l : m_topology.links)
        m_linkIds << QString::fromStdString(l.id);
    m_fresh = true; // beginFresh() forgets the last run's live changes
    m_resumeAfterPause = false;
    m_seed = m_topology.run.seed;
    m_until = m_topology.run.until.value_or(kDefaultUntil);
    m_speed = m_topology.run.speed;
    setState(State::Ready);
    return true;
}

std::shared_ptr<EngineRun> EngineHost::build(const Topology &topology, QString *error)
{
    const auto diagnostics = validateTopology(topology);
    QStringList problems;
    for (const auto &d : diagnostics)
        if (d.severity == Diagnostic::Severity::Error) problems << QString::fromStdString(d.toString());
    if (!problems.isEmpty()) {
        if (error) *error = problems.join(QLatin1Char('\n'));
        return nullptr;
    }
    std::string reason;
    auto sim = Simulation::build(topology, reason);
    if (!sim) {
        if (error) *error = QString::fromStdString(reason);
        return nullptr;
    }
    return std::make_shared<EngineRun>(++m_generation, std::move(sim), topology);
}

void EngineHost::start(const RunRequest &request)
{
    Q_ASSERT(QThread::currentThread() == thread());
    switch (m_state) {
    case State::Empty:
    case State::Running:
    case State::Stopping:
        return;
    case State::Pausing:
        // The engine is about to pause: let it, then carry on.
        m_resumeAfterPause = true;
        if (request.speed) m_speed = *request.speed;
        if (request.until) m_until = *request.until;
        setState(State::Running);
        return;
    case State::Finished:
        if (!rebuild()) return;
        break;
    case State::Ready:
    case State::Paused:
        break;
    }

    if (request.speed) m_speed = *request.speed;
    if (request.until) m_until = *request.until;
    if (m_fresh) beginFresh(request);
    m_resumeAfterPause = false;
    runOnEngine();
    setState(State::Running);
}

bool EngineHost::rebuild()
{
    QString error;
    auto run = build(m_topology, &error);
    // The topology was valid when it was loaded and has not changed since.
    Q_ASSERT(run);
    if (!run) return false;
    retire(std::move(m_run));
    m_run = std::move(run);
    takeGroupNames();
    m_fresh = true;
    return true;
}

void EngineHost::takeGroupNames()
{
    // Read before the run starts, while the simulation is not yet the engine thread's.
    m_groupNames.clear();
    for (const std::string &name : m_run->sim->groupNames())
        m_groupNames << QString::fromStdString(name);
}

void EngineHost::beginFresh(const RunRequest &request)
{
    m_seed = request.seed.value_or(m_topology.run.seed);
    m_run->sim->setSeed(m_seed);
    m_run->sim->setMessageBudget(request.messages.value_or(m_topology.run.messages));
    m_fresh = false;
    m_lastTime = -1;
    m_lastEvents = 0;
    m_lastStats = 0;
    clearFaultState();
    Q_EMIT runStarted();
    Q_EMIT faultsChanged();
}

void EngineHost::clearFaultState()
{
    m_downLinks.clear();
    m_crashedNodes.clear();
    m_pausedNodes.clear();
    m_faultSpans.clear();
    m_activeFaults.clear();
    m_faultVersion = 0;
    m_liveFaults = 0;
}

void EngineHost::takeFaultState()
{
    FaultTracker::State state;
    if (!m_run->faults.takeIfNewer(m_faultVersion, state)) return;
    m_downLinks.clear();
    m_crashedNodes.clear();
    m_pausedNodes.clear();
    for (std::size_t i = 0; i < state.linkDown.size() && i < std::size_t(m_linkIds.size()); ++i)
        if (state.linkDown[i]) m_downLinks.insert(m_linkIds[qsizetype(i)]);
    for (std::size_t i = 0; i < state.crashed.size() && i < std::size_t(m_nodeIds.size()); ++i) {
        if (state.crashed[i]) m_crashedNodes.insert(m_nodeIds[qsizetype(i)]);
        if (state.paused[i]) m_pausedNodes.insert(m_nodeIds[qsizetype(i)]);
    }
    // A fault of these kinds holds its target down, crashed or paused even where the engine
    // traced no LinkDown, Crash or Pause for it (one direction of a link, say).
    for (const FaultActivation &f : state.active) {
        const QString target = QString::fromStdString(f.target);
        if (f.kind == "link-down") m_downLinks.insert(target);
        const QStringList nodes = faultNodes(f);
        if (f.kind == "crash")
            for (const QString &n : nodes)
                m_crashedNodes.insert(n);
        if (f.kind == "pause")
            for (const QString &n : nodes)
                m_pausedNodes.insert(n);
    }
    m_faultSpans = std::move(state.spans);
    m_activeFaults = std::move(state.active);
    Q_EMIT faultsChanged();
}

QStringList EngineHost::faultNodes(const FaultActivation &fault)
{
    return QString::fromStdString(fault.target).split(QLatin1Char(','), Qt::SkipEmptyParts);
}

std::vector<FaultActivation> EngineHost::linkFaults(const QString &linkId) const
{
    std::vector<FaultActivation> out;
    const std::string id = linkId.toStdString();
    for (const FaultActivation &f : m_activeFaults) {
        const FaultKindSpec *spec = KindRegistry::builtin().findFault(f.kind);
        if (spec && spec->target == FaultTarget::Link && f.target == id) out.push_back(f);
    }
    return out;
}

std::vector<FaultActivation> EngineHost::nodeFaults(const QString &nodeId) const
{
    std::vector<FaultActivation> out;
    for (const FaultActivation &f : m_activeFaults) {
        const FaultKindSpec *spec = KindRegistry::builtin().findFault(f.kind);
        if (spec && spec->target != FaultTarget::Link && faultNodes(f).contains(nodeId)) out.push_back(f);
    }
    return out;
}

void EngineHost::step(const RunRequest &request)
{
    Q_ASSERT(QThread::currentThread() == thread());
    if (m_state == State::Finished) {
        if (!rebuild()) return;
    } else if (m_state != State::Ready && m_state != State::Paused) {
        return;
    }
    if (request.until) m_until = *request.until;
    if (m_fresh) beginFresh(request);
    m_resumeAfterPause = false;
    runOnEngine(1);
    // The engine pauses after the one event: Pausing until it says so.
    setState(State::Pausing);
}

void EngineHost::retire(std::shared_ptr<EngineRun> run)
{
    // A long run's checker and metrics take a while to free: the engine thread does it, after any
    // work still queued for that run, so the window never stalls on it.
    if (!run) return;
    QMetaObject::invokeMethod(
        m_worker, [run = std::move(run)]() mutable { run.reset(); }, Qt::QueuedConnection);
}

std::optional<MessageInfo> EngineHost::message(std::uint64_t id) const
{
    return m_run ? m_run->messages.find(id) : std::nullopt;
}

bool EngineHost::acceptsLiveChanges() const
{
    return m_run && !m_fresh &&
           (m_state == State::Running || m_state == State::Pausing || m_state == State::Paused);
}

std::optional<std::size_t> EngineHost::nodeIndex(const QString &id) const
{
    const auto i = m_nodeIds.indexOf(id);
    if (i < 0) return std::nullopt;
    return static_cast<std::size_t>(i);
}

std::optional<std::size_t> EngineHost::linkIndex(const QString &id) const
{
    const auto i = m_linkIds.indexOf(id);
    if (i < 0) return std::nullopt;
    return static_cast<std::size_t>(i);
}

bool EngineHost::applyLive(std::function<void(Simulation &)> change, const QString &description)
{
    Q_ASSERT(QThread::currentThread() == thread());
    if (!acceptsLiveChanges()) return false;
    if (m_state == State::Paused) {
        // Nothing runs the simulation now, so the engine thread applies it directly and the
        // trace it leaves is drained at once.
        QMetaObject::invokeMethod(
            m_worker,
            [run = m_run, change = std::move(change), host = QPointer<EngineHost>(this)] {
                change(*run->sim);
                run->live.publish(*run->sim); // the badges show the change while paused
                run->series.publish();
                if (host)
                    QMetaObject::invokeMethod(
                        host, [host] { host->drain(); }, Qt::QueuedConnection);
            },
            Qt::QueuedConnection);
    } else {
        m_run->sim->post(std::move(change));
    }
    Q_EMIT liveChangeRequested(description);
    return true;
}

bool EngineHost::setLinkUp(const QString &linkId, bool up)
{
    const auto link = linkIndex(linkId);
    if (!link || !applyLive([l = *link, up](Simulation &sim) { sim.setLinkUp(l, up); },
                            up ? tr("Link %1 up").arg(linkId) : tr("Link %1 down").arg(linkId)))
        return false;
    if (up)
        m_downLinks.remove(linkId);
    else
        m_downLinks.insert(linkId);
    return true;
}

bool EngineHost::setLinkProperties(const QString &linkId, const LinkProperties &properties)
{
    const auto link = linkIndex(linkId);
    return link &&
           applyLive([l = *link, properties](Simulation &sim) { sim.setLinkProperties(l, properties); },
                     tr("Link %1 changed").arg(linkId));
}

bool EngineHost::crashNode(const QString &nodeId)
{
    const auto node = nodeIndex(nodeId);
    if (!node || !applyLive([n = *node](Simulation &sim) { sim.crashNode(n); }, tr("%1 crashed").arg(nodeId)))
        return false;
    m_crashedNodes.insert(nodeId);
    m_pausedNodes.remove(nodeId); // a crash ends a pause
    return true;
}

bool EngineHost::restartNode(const QString &nodeId)
{
    const auto node = nodeIndex(nodeId);
    if (!node ||
        !applyLive([n = *node](Simulation &sim) { sim.restartNode(n); }, tr("%1 restarted").arg(nodeId)))
        return false;
    m_crashedNodes.remove(nodeId);
    return true;
}

bool EngineHost::pauseNode(const QString &nodeId)
{
    const auto node = nodeIndex(nodeId);
    if (!node || m_crashedNodes.contains(nodeId) ||
        !applyLive([n = *node](Simulation &sim) { sim.pauseNode(n); }, tr("%1 paused").arg(nodeId)))
        return false;
    m_pausedNodes.insert(nodeId);
    return true;
}

bool EngineHost::resumeNode(const QString &nodeId)
{
    const auto node = nodeIndex(nodeId);
    if (!node ||
        !applyLive([n = *node](Simulation &sim) { sim.resumeNode(n); }, tr("%1 resumed").arg(nodeId)))
        return false;
    m_pausedNodes.remove(nodeId);
    return true;
}

bool EngineHost::injectFault(const FaultDef &def, QString *error)
{
    Q_ASSERT(QThread::currentThread() == thread());
    if (!acceptsLiveChanges()) {
        if (error) *error = tr("Faults apply to a run in progress: run the topology first.");
        return false;
    }
    FaultDef fault = def;
    if (fault.id.empty()) {
        // Fresh among the plan's ids and the live faults' so far.
        const auto taken = [this](const std::string &id) {
            return std::any_of(m_topology.faults.begin(), m_topology.faults.end(),
                               [&](const FaultDef &f) { return f.id == id; });
        };
        do
            fault.id = "live-" + std::to_string(++m_liveFaults);
        while (taken(fault.id));
    }
    // The file's rules for one fault (target, parameters, times), on the run's topology; alone,
    // since a fault applied now cannot clash with the plan's times.
    Topology check = m_topology;
    check.faults = {fault};
    QStringList problems;
    for (const auto &d : validateTopology(check))
        if (d.severity == Diagnostic::Severity::Error) problems << QString::fromStdString(d.toString());
    if (!problems.isEmpty()) {
        if (error) *error = problems.join(QLatin1Char('\n'));
        return false;
    }
    const QString description = tr("%1 applied").arg(QString::fromStdString(describeFault(fault)));
    return applyLive([fault = std::move(fault)](Simulation &sim) { sim.injectFault(fault); }, description);
}

bool EngineHost::endFault(std::size_t index)
{
    const auto it = std::find_if(m_activeFaults.begin(), m_activeFaults.end(),
                                 [index](const FaultActivation &f) { return f.fault == index; });
    if (it == m_activeFaults.end()) return false;
    return applyLive([index](Simulation &sim) { sim.endFault(index); },
                     tr("%1 ended").arg(QString::fromStdString(it->id)));
}

void EngineHost::runOnEngine(std::uint64_t maxEvents)
{
    RunOptions options;
    options.until = m_until;
    options.speed = m_speed;
    options.maxEvents = maxEvents;
    QMetaObject::invokeMethod(
        m_worker, [worker = m_worker, run = m_run, options] { worker->run(run, options); },
        Qt::QueuedConnection);
    m_frameTimer->start();
}

void EngineHost::finishOnEngine(StopReason reason)
{
    QMetaObject::invokeMethod(
        m_worker, [worker = m_worker, run = m_run, reason] { worker->finish(run, reason); },
        Qt::QueuedConnection);
}

void EngineHost::pause()
{
    Q_ASSERT(QThread::currentThread() == thread());
    if (m_state != State::Running) return;
    // A speed change may already have asked for a pause; one is enough.
    if (!m_resumeAfterPause) {
        // Posted rather than requestPause(): run() clears a pause requested before it began, but
        // runs posted work after that, so the pause cannot be lost between queueing and running.
        m_run->sim->post([](Simulation &sim) { sim.requestPause(); });
    }
    m_resumeAfterPause = false;
    setState(State::Pausing);
}

void EngineHost::stop()
{
    Q_ASSERT(QThread::currentThread() == thread());
    switch (m_state) {
    case State::Running:
    case State::Pausing:
        m_run->sim->requestStop();
        m_resumeAfterPause = false;
        setState(State::Stopping);
        break;
    case State::Paused:
        // Nothing is running to notice a stop request: build the summary right away.
        finishOnEngine(StopReason::Stopped);
        setState(State::Stopping);
        break;
    default:
        break;
    }
}

void EngineHost::setSpeed(double speed)
{
    Q_ASSERT(QThread::currentThread() == thread());
    if (speed == m_speed) return;
    m_speed = speed;
    // The simulation reads its pace when run() begins, so a running one pauses and resumes.
    if (m_state == State::Running && !m_resumeAfterPause) {
        m_run->sim->post([](Simulation &sim) { sim.requestPause(); });
        m_resumeAfterPause = true;
    }
}

quint64 EngineHost::overflowedEvents() const
{
    return m_run ? m_run->ring.overflowed() : 0;
}

void EngineHost::onFrameTick()
{
    Q_ASSERT(QThread::currentThread() == thread());
    drain();
}

void EngineHost::drain()
{
    if (!m_run) return;
    m_batch.clear();
    m_run->ring.drain(m_batch);
    if (!m_batch.empty()) Q_EMIT eventsArrived(m_batch);
    takeFaultState();
    // The snapshot asked for last frame (or the final one), then a request for the next frame.
    if (auto stats = m_run->live.latest(); stats->sequence != m_lastStats) {
        m_lastStats = stats->sequence;
        Q_EMIT statsArrived(std::move(stats));
    }
    if (m_state == State::Running && !m_run->liveRequested.exchange(true)) {
        // The simulation owns the posted work and lives in the run, so the run outlives it.
        EngineRun *run = m_run.get();
        m_run->sim->post([run](Simulation &sim) {
            run->liveRequested.store(false);
            run->live.publish(sim);
        });
    }
    // Chart data every 5th frame (about 12 Hz), and at once when the frames end: the engine is
    // asked to publish between two events, and what it published last time is taken.
    if (++m_seriesTick >= 5 || !m_frameTimer->isActive()) {
        m_seriesTick = 0;
        if (m_frameTimer->isActive())
            m_run->sim->post([series = &m_run->series](Simulation &) { series->publish(); });
        if (auto delta = m_run->series.take()) Q_EMIT seriesArrived(delta);
    }
    // The sink sees only traced steps, so after a pause it may lag the exact position reported
    // then; progress never runs backwards.
    const qint64 time = m_run->progress.time();
    const quint64 events = m_run->progress.events();
    if (events > m_lastEvents || (events == m_lastEvents && time > m_lastTime)) reportProgress(time, events);
}

void EngineHost::reportProgress(qint64 virtualTimeNs, quint64 eventsProcessed)
{
    if (virtualTimeNs == m_lastTime && eventsProcessed == m_lastEvents) return;
    m_lastTime = virtualTimeNs;
    m_lastEvents = eventsProcessed;
    Q_EMIT progressed(virtualTimeNs, eventsProcessed);
}

void EngineHost::endFrames()
{
    m_frameTimer->stop();
    // The engine has stopped, so this takes everything it produced.
    drain();
}

void EngineHost::onRunPaused(quint64 generation, qint64 virtualTimeNs, quint64 eventsProcessed)
{
    Q_ASSERT(QThread::currentThread() == thread());
    if (!m_run || generation != m_run->generation) return;
    endFrames();
    reportProgress(virtualTimeNs, eventsProcessed);
    if (m_state == State::Stopping) {
        finishOnEngine(StopReason::Stopped);
    } else if (m_resumeAfterPause) {
        m_resumeAfterPause = false;
        runOnEngine();
    } else {
        setState(State::Paused);
        Q_EMIT paused();
    }
}

void EngineHost::onRunFinished(quint64 generation, const RunSummary &summary)
{
    Q_ASSERT(QThread::currentThread() == thread());
    if (!m_run || generation != m_run->generation) return;
    endFrames();
    reportProgress(summary.endTime, summary.events);
    m_resumeAfterPause = false;
    setState(State::Finished);
    Q_EMIT finished(summary);
}

void EngineHost::setState(State state)
{
    if (state == m_state) return;
    m_state = state;
    Q_EMIT stateChanged(state);
}

} // namespace sb

#include "enginehost.moc"
