#pragma once
// The discrete-event executor on virtual time. Deterministic: the same topology and seed give
// the same trace, event for event. Runs as fast as possible or paced to the wall clock; can be
// paused, stopped and fed live changes from another thread (post()), and single-stepped.
#include "eventqueue.h"
#include "link.h"
#include "node.h"
#include "nodeclock.h"
#include "topology.h"

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace sb {

struct RunOptions {
    SimTime until = kNever;               // stop when the next event lies beyond this time
    double speed = 0;                     // 0: as fast as possible; else virtual s per wall s
    std::uint64_t maxEvents = UINT64_MAX; // stop after this many events (1 = single step)
};

enum class StopReason {
    Quiescent,  // nothing left to do but idle background timers
    TimeLimit,  // reached RunOptions::until
    EventLimit, // processed RunOptions::maxEvents
    Paused,     // requestPause()
    Stopped,    // requestStop()
};
const char *stopReasonName(StopReason r);

// A change made to a running simulation (a fault starting or ending, a link's properties
// changed by a person), for the run summary.
struct LiveChange {
    SimTime time = 0;
    // "link down", "link up", "crash", "restart", "pause", "resume" for those faults; "<kind>
    // start" / "<kind> end" for the others ("burst-loss start"); "link change" for properties.
    std::string action;
    std::string target;   // node or link id; a nemesis's group as "a,b,c" (empty: every node)
    std::string detail;   // e.g. "latency 1ms -> 50ms, loss 0 -> 0.2"; a nemesis's sides
    std::string fault;    // the fault's id when a fault started or ended
    bool planned = false; // from the topology's fault plan (else applied live by a person)
};

// One start-to-end span of a fault in a run (a repeating fault has one per repetition).
struct FaultActivation {
    std::size_t fault = 0;        // index into Simulation::faults()
    std::string id, kind, target; // target as in LiveChange
    std::uint64_t repetition = 0;
    SimTime start = 0;
    SimTime end = kNever; // kNever while active, or when the run ended first
    bool planned = false;
    std::string detail;             // a nemesis's sides ("{a, b} | {c}"), else the parameters set
    Json params = Json::object();   // the fault's parameters as set (to record it into a plan)
    std::vector<std::string> nodes; // its node list (node faults on several nodes, nemeses)
};

class Simulation {
public:
    // Builds the nodes and links of a validated topology. On failure returns null and says why.
    // The simulation keeps pointers into `registry` (its fault kinds): it must outlive the run.
    static std::unique_ptr<Simulation> build(const Topology &topology, std::string &error,
                                             const KindRegistry &registry = KindRegistry::builtin());
    ~Simulation();
    Simulation(const Simulation &) = delete;
    Simulation &operator=(const Simulation &) = delete;

    void setSeed(std::uint64_t seed); // before the first event
    // Producers stop after this many messages in total (0 = unlimited).
    void setMessageBudget(std::uint64_t messages) { m_budget = messages; }
    // Sinks are borrowed and must outlive the run.
    void addSink(TraceSink *sink) { m_sinks.push_back(sink); }

    StopReason run(const RunOptions &options);
    // Processes exactly one event; returns false when there was none.
    bool step();

    // Thread-safe: ask run() to return at the next event boundary. A request stays set until a
    // run() returns because of it, so one made just before run() starts still takes effect.
    void requestPause() { m_pauseRequested.store(true, std::memory_order_relaxed); }
    void requestStop() { m_stopRequested.store(true, std::memory_order_relaxed); }
    // Thread-safe: run `fn` on the engine thread between two events (or at the next run()).
    void post(std::function<void(Simulation &)> fn);

    // Live changes; call on the engine thread (e.g. from post()).
    void setLinkUp(LinkIndex link, bool up);
    void setLinkProperties(LinkIndex link, const LinkProperties &p);
    void crashNode(NodeIndex node);
    void restartNode(NodeIndex node);
    // Freezes a node like a stopped process: frames reaching it and its timers wait, in order,
    // until resumeNode() runs them; its connections stay up. A crash ends a pause.
    void pauseNode(NodeIndex node);
    void resumeNode(NodeIndex node);
    bool nodePaused(NodeIndex node) const;
    const LinkProperties &linkProperties(LinkIndex link) const;
    // Every live change so far, in order (bounded: at most kMaxRecorded, then only counted).
    const std::vector<LiveChange> &liveChanges() const { return m_liveChanges; }

    // Faults. The run's fault table holds the topology's plan, then the faults applied live, in
    // the order they came; FaultStart/FaultEnd trace events carry an index into it. Planned and
    // live faults are one mechanism: the live calls above (link down, crash, pause...) apply a
    // fault of that kind, and their opposites end every active fault of that kind on the target.
    static constexpr std::size_t kMaxRecorded = 100000;
    const std::vector<FaultDef> &faults() const { return m_faultDefs; }
    // Applies a fault now (its start is set to now); it lasts def.duration, or until endFault().
    // The definition must be valid for the topology (validateTopology with it in the plan).
    // Returns its index in faults(). Engine thread only.
    std::size_t injectFault(FaultDef def);
    // Ends the fault's active span now (nothing when it is not active). A planned repeating
    // fault still comes back at its next repetition.
    void endFault(std::size_t index);
    bool faultActive(std::size_t index) const;
    // Every span so far, in start order (bounded like liveChanges()).
    const std::vector<FaultActivation> &faultLog() const { return m_faultLog; }
    // Spans and live changes left out of the lists above because they were full.
    std::uint64_t recordsOmitted() const { return m_recordsOmitted; }
    // A node's local clock reading now (true time for nodes without a clock).
    SimTime localTime(NodeIndex node) const;

    // Engine-thread reads; other threads learn progress from the trace (or a sink of their own).
    SimTime now() const { return m_now; }
    std::uint64_t seed() const { return m_seed; }
    std::uint64_t eventsProcessed() const { return m_eventCount; }
    std::uint64_t messagesPublished() const { return m_published; }
    bool hasPendingWork() const { return !m_started || m_workPending > 0; }
    std::size_t nodeCount() const;
    std::size_t linkCount() const;
    const Topology &topology() const { return m_topology; }
    NodeStatus nodeStatus(NodeIndex node) const;
    bool nodeCrashed(NodeIndex node) const;
    bool linkUp(LinkIndex link) const;
    // Frames on each link now, by link: sent and not yet handed to the far end (a paused
    // receiver's held frames included).
    std::vector<std::uint64_t> framesOnLinks() const;
    std::vector<std::string> nodeIds() const;
    // Consumer groups by TraceEvent::group: every node's "groupId" property at build, in node
    // order, then any a node names later. Read it on the engine thread or after the run.
    const std::vector<std::string> &groupNames() const { return m_groupNames; }
    std::uint32_t groupIndex(std::string_view groupId);
    std::vector<std::string> linkIds() const;
    // The lines of text nodes reported (NodeContext::note): scripted nodes' log lines and the
    // errors that took them out of the run, in order (bounded like liveChanges()). A ScriptLog
    // event's aux is an index into it. Read it on the engine thread or after the run.
    const std::vector<NodeNote> &notes() const { return m_notes; }
    // Only the problems, by node (for a node's properties and its mark on the canvas).
    std::vector<NodeNote> problems(NodeIndex node) const;

    // Wall clock and sleep, replaceable for tests of pacing. Both in nanoseconds.
    using WallClock = std::function<std::int64_t()>;
    using Sleeper = std::function<void(std::int64_t)>;
    void setWallClock(WallClock clock, Sleeper sleeper);

private:
    class Context;
    friend class Context;
    struct NodeSlot;
    struct LinkSlot;
    using Event = ScheduledEvent;
    struct InFlight {
        Frame frame;
        LinkIndex link = 0;
        std::uint8_t direction = 0;
        bool used = false;
    };
    struct TimerSlot {
        NodeIndex node = 0;
        std::uint64_t tag = 0;
        std::uint32_t generation = 0;
        bool active = false;
        bool background = false;
    };

    Simulation();
    void startNodes();
    void push(SimTime t, std::uint8_t type, std::uint32_t slot);
    void processEvent(const Event &e);
    void emitTrace(TraceEvent &e);
    void sendFrame(NodeIndex from, LinkIndex link, Frame &&frame);
    TimerId startTimer(NodeIndex node, SimTime delay, std::uint64_t tag, bool background);
    void cancelTimer(TimerId id);
    void runPosted();
    bool anyNodeHasPendingWork() const;
    bool anyNodeHoldsWork() const;
    void releaseHeld(NodeIndex node);
    void recordChange(LiveChange change);
    void traceNode(NodeIndex node, TraceKind kind);
    std::int64_t addNote(NodeIndex node, std::string_view text, int line, bool problem);
    // Faults: the plan's timeline and the mechanisms faults act through.
    struct FaultState {
        const FaultKindSpec *spec = nullptr;
        bool planned = false;
        bool active = false;
        bool endPending = false;         // an end event is in the heap (and counted as pending work)
        std::uint64_t repetition = 0;    // of the active span, or the next one
        std::size_t logEntry = SIZE_MAX; // the active span's entry in m_faultLog
        // What it acts on while active: link faults and nemeses, (link, instance) pairs applied
        // to link models; node faults, the nodes it holds down, paused or slowed.
        std::vector<std::pair<LinkIndex, std::uint64_t>> links;
        std::vector<NodeIndex> nodes;
    };
    void setUpFaults(const KindRegistry &registry);
    void startFaultSpan(std::size_t index);
    void endFaultSpan(std::size_t index);
    void processFaultEvent(const Event &e);
    void emitFaultEvent(TraceKind kind, std::size_t index);
    // A person restarts or resumes one node: it leaves the active faults of `kind` holding it.
    void releaseNode(NodeIndex node, const char *kind);
    std::size_t addLiveFault(FaultDef def);
    void linkFaultAdded(LinkIndex link, LinkFault fault);
    void linkFaultRemoved(LinkIndex link, std::uint64_t instance);
    void linkStateChanged(LinkIndex link, bool up);
    void crashNow(NodeIndex node, bool diskLost);
    // A node passed one of its crash points: crashes it when an armed crash-at fault says so.
    bool reachedCrashPoint(NodeIndex node, std::string_view point);
    void restartNow(NodeIndex node);
    void pauseNow(NodeIndex node);
    void resumeNow(NodeIndex node);
    std::string faultTargetText(const FaultDef &f) const;
    void notifyPeers(NodeIndex node, bool up);
    TraceEvent frameEvent(TraceKind kind, NodeIndex from, NodeIndex to, LinkIndex link, const Frame &f) const;

    Topology m_topology;
    std::vector<NodeSlot> m_nodes;
    std::vector<LinkSlot> m_links;
    EventQueue m_heap;
    std::vector<InFlight> m_frames;
    std::vector<std::uint32_t> m_freeFrames;
    std::vector<TimerSlot> m_timers;
    std::vector<std::uint32_t> m_freeTimers;
    std::vector<TraceSink *> m_sinks;
    std::vector<std::string> m_groupNames;
    std::vector<LiveChange> m_liveChanges;
    std::vector<NodeNote> m_notes;
    std::vector<FaultDef> m_faultDefs;
    std::vector<FaultState> m_faultStates; // parallel to m_faultDefs
    std::vector<FaultActivation> m_faultLog;
    std::uint64_t m_recordsOmitted = 0;
    std::uint64_t m_nextFaultInstance = 1;
    const KindRegistry *m_registry = nullptr;
    std::vector<NodeClock> m_clocks;                         // by node; empty when every clock is exact
    std::vector<std::pair<NodeIndex, SimTime>> m_clockJumps; // (node, step), by event slot
    SimTime m_now = 0;
    // Ties at one time run in push order, except that fault starts, ends and clock steps go
    // before everything else due then: a fault from T1 to T2 acts on what happens at T1 and not
    // on what happens at T2. Their own counter starts far below the others'.
    std::uint64_t m_seq = std::uint64_t{1} << 62;
    std::uint64_t m_faultSeq = 0;
    std::uint64_t m_eventCount = 0;
    std::uint64_t m_workPending = 0;
    std::uint64_t m_nextMessageId = 1;
    std::uint64_t m_budget = 0;
    std::uint64_t m_published = 0;
    std::uint64_t m_seed = 1;
    bool m_started = false;
    std::size_t m_pausedNodes = 0; // nodes paused now: none, and events skip the pause check

    // Pacing
    bool m_paced = false;
    std::int64_t m_wallStart = 0;
    SimTime m_virtualStart = 0;
    WallClock m_clock;
    Sleeper m_sleep;

    std::atomic<bool> m_pauseRequested{false};
    std::atomic<bool> m_stopRequested{false};
    std::atomic<bool> m_hasPosted{false};
    std::mutex m_postMutex;
    std::vector<std::function<void(Simulation &)>> m_posted;
};

} // namespace sb
