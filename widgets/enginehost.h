#pragma once
// Runs one simulation on an engine thread of its own and reports to the GUI thread: trace events
// in batches at frame rate, progress, and the run summary at the end. The GUI thread never runs
// the engine; it only asks it, through the simulation's thread-safe requests, to pause or stop.
#include "livestats.h"
#include "messagecatalog.h"
#include "simulation.h"
#include "summary.h"
#include "timeseries.h"
#include "topology.h"
#include "trace.h"

#include <QMetaType>
#include <QObject>
#include <QSet>
#include <QStringList>

#include <functional>

#include <memory>
#include <optional>
#include <vector>

class QThread;
class QTimer;

namespace sb {

class EngineWorker;
class Simulation;
struct LinkProperties;
struct EngineRun;

class EngineHost : public QObject {
    Q_OBJECT

public:
    enum class State {
        Empty,    // nothing loaded
        Ready,    // loaded, not started
        Running,  // the engine thread is running the simulation
        Pausing,  // a pause was asked for; the engine has not stopped yet
        Paused,   // between runs; start() continues where it stopped
        Stopping, // a stop was asked for; the summary is on its way
        Finished, // the run ended and finished() was emitted; start() runs again from the beginning
    };
    Q_ENUM(State)

    // How to run. Unset values keep the current setting, which load() takes from the topology's
    // run settings.
    struct RunRequest {
        std::optional<SimTime> until; // default: the topology's run.until, else 60 s
        std::optional<double> speed;  // 0: as fast as possible; else virtual seconds per wall second
        std::optional<std::uint64_t> seed;
        std::optional<std::uint64_t> messages; // producers stop after this many in total; 0: no limit
    };

    static constexpr std::size_t kRingCapacity = std::size_t{1} << 16;
    static constexpr SimTime kDefaultUntil = 60 * kSecond;

    explicit EngineHost(QObject *parent = nullptr);
    // Stops a run in progress and waits for the engine thread to end.
    ~EngineHost() override;

    // Validates and builds the simulation, replacing whatever was loaded (a run in progress is
    // stopped and its results are discarded). On failure keeps the previous simulation.
    bool load(const Topology &topology, QString *error = nullptr);

    // Starts, resumes after a pause, or runs again from the beginning after a finished run.
    // Ignored while running or stopping; asked while a pause is on its way, it carries on after
    // it. The seed only applies when the run starts from the beginning.
    void start(const RunRequest &request = {});
    // Pauses at the next event boundary; paused() follows.
    void pause();
    // Ends the run (also a paused one); finished() follows with stop reason Stopped.
    void stop();
    // Takes effect at once: a running simulation pauses and resumes at the new pace.
    void setSpeed(double speed);
    // Processes exactly one event, then pauses (paused() follows); from Ready it starts the run
    // with `request`. Ignored while running or stopping.
    void step(const RunRequest &request = {});

    // Live changes to the run in progress (running, pausing or paused; ignored otherwise, when
    // they return false). Each is applied between two events on the engine thread, traced, and
    // listed in the run summary's live changes.
    bool setLinkUp(const QString &linkId, bool up);
    bool setLinkProperties(const QString &linkId, const LinkProperties &properties);
    bool crashNode(const QString &nodeId);
    bool restartNode(const QString &nodeId);
    bool pauseNode(const QString &nodeId);
    bool resumeNode(const QString &nodeId);
    // Applies a fault of any kind now (its start is the moment it reaches the engine; it lasts its
    // duration, or until endFault() or the run's end). An empty id gets a fresh one ("live-1").
    // False, saying why in `error`, when no run takes live changes or the fault is not valid for
    // the run's topology (unknown target, a value out of range: the file's validation rules).
    bool injectFault(const FaultDef &def, QString *error = nullptr);
    // Ends the active span of fault `index` (an index into the run's fault table, as
    // faultSpans() and the FaultStart events carry it).
    bool endFault(std::size_t index);
    // What a link or node is now, planned and live faults alike, as the run's trace says
    // (LinkDown/LinkUp, Crash/Restart, Pause/Resume, FaultStart/FaultEnd). A live request counts
    // at once, before its trace arrives, so that the fault actions can name their opposite.
    bool isLinkDown(const QString &linkId) const { return m_downLinks.contains(linkId); }
    bool isNodeCrashed(const QString &nodeId) const { return m_crashedNodes.contains(nodeId); }
    bool isNodePaused(const QString &nodeId) const { return m_pausedNodes.contains(nodeId); }
    // Every fault span of the run so far (planned and live, in start order; an active one has end
    // kNever), as of the last frame; bounded by FaultTracker::kMaxSpans (active ones always show).
    const std::vector<FaultActivation> &faultSpans() const { return m_faultSpans; }
    // The faults active now, in start order.
    const std::vector<FaultActivation> &activeFaults() const { return m_activeFaults; }
    // The active faults that act on a link, or on a node (a node fault naming it, a nemesis over
    // a group holding it).
    std::vector<FaultActivation> linkFaults(const QString &linkId) const;
    std::vector<FaultActivation> nodeFaults(const QString &nodeId) const;
    // The nodes a fault's target names: a node id, or a group "a,b,c".
    static QStringList faultNodes(const FaultActivation &fault);
    // True while a run is in progress that live changes apply to.
    bool acceptsLiveChanges() const;
    // What a message of the current (or last) run carried: routing key, key, headers, size.
    // Nothing for messages older than the run's catalog keeps. Any time, from the GUI thread.
    std::optional<MessageInfo> message(std::uint64_t id) const;

    State state() const { return m_state; }
    bool isLoaded() const { return m_state != State::Empty; }
    const Topology &topology() const { return m_topology; }
    QStringList nodeIds() const { return m_nodeIds; }
    QStringList linkIds() const { return m_linkIds; }
    // The run's consumer groups by TraceEvent::group (Simulation::groupNames() as built: every
    // node's groupId set in the file).
    QStringList groupNames() const { return m_groupNames; }
    // The seed of the current (or last) run.
    std::uint64_t seed() const { return m_seed; }
    // Trace events the engine produced faster than the GUI drained them, in this run; they are
    // missing from eventsArrived but counted in the summary.
    quint64 overflowedEvents() const;
    // The stop time of the current (or last) run, after defaults.
    SimTime until() const { return m_until; }

signals:
    void stateChanged(sb::EngineHost::State state);
    // One batch per frame while the engine runs, in trace order.
    void eventsArrived(const std::vector<sb::TraceEvent> &events);
    void progressed(qint64 virtualTimeNs, quint64 eventsProcessed);
    void paused();
    // A live change was handed to the engine (it appears in the trace within a frame).
    void liveChangeRequested(const QString &description);
    // A fault started or ended, or a link or node went down, up, crashed, restarted, paused or
    // resumed (at most once per frame; also when a run starts, with nothing active).
    void faultsChanged();
    // Chart data: what changed in the run's time series, about 12 times a second while it runs,
    // and once more when it pauses or ends (before finished()).
    void seriesArrived(const std::shared_ptr<const sb::TimeSeriesDelta> &delta);
    // The run ended; the last eventsArrived batch of the run comes before this.
    void finished(const sb::RunSummary &summary);
    // A run starts from the beginning (not a resume): live views reset. nodeIds()/linkIds() and
    // topology() describe it.
    void runStarted();
    // The engine's live counters (exact, unlike a possibly overflowed trace), at most once per
    // frame while running; a final one, taken where the engine stopped, comes before paused() and
    // finished().
    void statsArrived(std::shared_ptr<const sb::LiveStatsSnapshot> stats);

private slots:
    void onFrameTick();
    void onRunPaused(quint64 generation, qint64 virtualTimeNs, quint64 eventsProcessed);
    void onRunFinished(quint64 generation, const sb::RunSummary &summary);

private:
    void setState(State state);
    std::shared_ptr<EngineRun> build(const Topology &topology, QString *error);
    void runOnEngine(std::uint64_t maxEvents = UINT64_MAX);
    // A new run of the loaded topology after one finished (false when it cannot be built).
    bool rebuild();
    void beginFresh(const RunRequest &request);
    void takeGroupNames();
    // Frees a replaced run on the engine thread.
    void retire(std::shared_ptr<EngineRun> run);
    bool applyLive(std::function<void(Simulation &)> change, const QString &description);
    std::optional<std::size_t> nodeIndex(const QString &id) const;
    std::optional<std::size_t> linkIndex(const QString &id) const;
    void finishOnEngine(StopReason reason);
    void drain();
    void reportProgress(qint64 virtualTimeNs, quint64 eventsProcessed);
    void endFrames();
    // The run's fault state as the engine's trace left it, when it changed.
    void takeFaultState();
    void clearFaultState();

    QThread *m_thread = nullptr;
    EngineWorker *m_worker = nullptr; // lives on m_thread; deleted after it ends
    QTimer *m_frameTimer = nullptr;
    std::shared_ptr<EngineRun> m_run; // shared with work queued on the engine thread
    quint64 m_generation = 0;
    Topology m_topology;
    QStringList m_nodeIds;
    QStringList m_linkIds;
    QStringList m_groupNames;
    bool m_fresh = true; // m_run has not processed an event yet
    SimTime m_until = kDefaultUntil;
    double m_speed = 0;
    std::uint64_t m_seed = 0;
    bool m_resumeAfterPause = false;
    State m_state = State::Empty;
    QSet<QString> m_downLinks, m_crashedNodes, m_pausedNodes;
    std::vector<FaultActivation> m_faultSpans, m_activeFaults;
    std::uint64_t m_faultVersion = 0; // of the engine's fault state last taken
    int m_liveFaults = 0;             // live faults given an id in this run
    std::vector<TraceEvent> m_batch;
    qint64 m_lastTime = -1;
    quint64 m_lastEvents = 0;
    std::uint64_t m_lastStats = 0; // sequence of the last snapshot emitted
    int m_seriesTick = 0;          // frames since chart data was last taken
};

} // namespace sb

Q_DECLARE_METATYPE(sb::RunSummary)
Q_DECLARE_METATYPE(std::vector<sb::TraceEvent>)
Q_DECLARE_METATYPE(std::shared_ptr<const sb::LiveStatsSnapshot>)
Q_DECLARE_METATYPE(std::shared_ptr<const sb::TimeSeriesDelta>)
