#pragma once
// What the canvas shows of a run on top of the topology: the engine's live counters per node and
// link (exact, from LiveStats snapshots), messages travelling along links as dots while they are
// few, and each link's throughput when they are many. One per CanvasScene; items read it when they
// paint. Fed at frame rate: one trace batch, one snapshot and one animation step per frame.
#include "livelogs.h"
#include "livestats.h"
#include "simulation.h"
#include "topology.h"

#include <QHash>
#include <QString>
#include <QStringList>

#include <deque>
#include <functional>
#include <memory>
#include <vector>

namespace sb {

class LiveOverlay {
public:
    // A link shows at most this many dots; more frames in flight switch it to throughput mode.
    static constexpr int kMaxDots = 20;
    // A dot takes at least this long (wall time) to travel its link, so that it can be seen even
    // when the link's latency is far shorter than a frame.
    static constexpr qint64 kMinTravelMs = 300;
    // Frames in a row a throughput-mode link must stay calm before it shows dots again.
    static constexpr int kCalmFrames = 30;
    // The throughput rate is measured over this many snapshots (about half a second).
    static constexpr std::size_t kRateSamples = 32;

    enum class LinkMode { Idle, Dots, Throughput };

    struct Dot {
        SimTime sent = 0, arrival = 0; // virtual
        qint64 seenMs = 0;             // wall time the GUI first saw it
        bool forward = true;           // from the link's `from` end to its `to` end
        bool message = true;           // carries a message (publish, deliver), else a control frame
    };
    struct DotPosition {
        qreal fraction; // along the link's path, from its `from` end
        bool message;
    };

    struct LinkState {
        LiveLinkStats stats;
        LinkMode mode = LinkMode::Idle;
        double rate = 0; // messages (or frames, on links carrying none) per virtual second, recently
        std::deque<std::pair<SimTime, quint64>> samples; // (time, count) of the last snapshots
        std::vector<Dot> dots;
        int overflow = 0;     // dots that found the link full since the last frame
        int calm = 0;         // frames in a row below the dots threshold, in throughput mode
        int batchDots = 0;    // dots taken from the batch being added
        quint64 prevSent = 0; // frames sent by the last snapshot
        bool changed = false;
    };

    // A fault active on a link or node, as the canvas marks it.
    struct Fault {
        QString id, kind;
        bool planned = false;
        bool operator==(const Fault &) const = default;
    };

    LiveOverlay();

    // A run starts: forget the last one, and map the topology's indices to ids. `groupNames`
    // name its consumer groups (EngineHost::groupNames()).
    void begin(const Topology &topology, const QStringList &groupNames = {});
    // Nothing to show any more (the document changed, or a file was opened).
    void clear();
    // The run ended: frames still in flight will never arrive, so their dots finish their trip
    // and go; counters and rates stay.
    void endRun() { m_ended = true; }
    // Whether the run shown has ended: its rates are history, its totals final.
    bool hasEnded() const { return m_ended; }
    bool isActive() const { return m_active; }
    // The sequence number of the snapshot shown (0: none yet).
    std::uint64_t snapshotSequence() const { return m_snapshot ? m_snapshot->sequence : 0; }

    // A trace batch: Send events become dots; log and group events move the topics' lanes and
    // the groups' assignments (logs()). Adds the ids of the nodes whose log figures changed.
    void addEvents(const std::vector<TraceEvent> &events, QStringList *changedNodes = nullptr);
    // The run's topics and consumer groups, as far as the batches so far tell.
    const LiveLogs &logs() const { return m_logs; }
    // A snapshot of the live counters: updates counters, rates and each link's mode. Returns the
    // ids of the nodes and links whose figures changed.
    void setStats(std::shared_ptr<const LiveStatsSnapshot> stats, QStringList *changedNodes,
                  QStringList *changedLinks);
    // One animation step: drops dots that arrived. Returns the ids of links that have dots to draw
    // (or had until now).
    QStringList step();
    bool hasDots() const;

    SimTime now() const { return m_now; }
    const LiveStatsSnapshot *snapshot() const { return m_snapshot.get(); }
    const LiveNodeStats *node(const QString &id) const;
    const LinkState *link(const QString &id) const;
    std::vector<DotPosition> dotPositions(const QString &linkId) const;
    // The same by the link's index in the run shown: linkIndex() looks it up once (-1: not in the
    // run), and an item may keep it while generation() stays the same (a run begins or is cleared:
    // it changes). A large overlay's links repaint every frame: no hash lookups there.
    int linkIndex(const QString &id) const;
    std::uint64_t generation() const { return m_generation; }
    const LinkState *link(int index) const;
    std::vector<DotPosition> dotPositions(int linkIndex) const;

    // The faults active now (EngineHost::activeFaults()): each link or node they act on is marked
    // until they end. Returns the ids of the nodes and links whose marks changed.
    void setFaults(const std::vector<FaultActivation> &active, QStringList *changedNodes,
                   QStringList *changedLinks);
    QList<Fault> linkFaults(const QString &linkId) const { return m_linkFaults.value(linkId); }
    QList<Fault> nodeFaults(const QString &nodeId) const { return m_nodeFaults.value(nodeId); }
    // A fault of `kind` is active on the link or node.
    bool linkHasFault(const QString &linkId, const QString &kind) const;
    bool nodeHasFault(const QString &nodeId, const QString &kind) const;

    // Peer-to-peer coverage (Learn events): how many items a node has learned, against the node
    // that learned the most, in [0, 1]; -1 when the run has learned nothing (no coverage to show).
    // The canvas tints peers by it: the epidemic spreading as a heat map.
    double coverage(const QString &nodeId) const;
    std::uint32_t learned(const QString &nodeId) const;
    // The coverage the canvas shows, in kHeatLevels steps: 0..kHeatLevels, -1 for no heat (the
    // node learned nothing, or nothing has been learned). addEvents reports a node changed only
    // when its level does, so a new item reaching the best-informed peer repaints the peers whose
    // colour moves, not every peer.
    static constexpr int kHeatLevels = 16;
    int heatLevel(const QString &nodeId) const;

    // Wall clock in ms (monotonic); replaceable for tests.
    void setClock(std::function<qint64()> clock) { m_clock = std::move(clock); }

    // "950", "1.2k", "3.4M".
    static QString compact(double value);

private:
    bool m_active = false;
    bool m_ended = false;
    std::uint64_t m_generation = 0; // begin() and clear()
    QHash<QString, int> m_nodeIndex;
    QHash<QString, int> m_linkIndex;
    std::vector<NodeIndex> m_linkFrom; // per link: the index of its `from` node
    std::vector<LinkState> m_links;
    std::shared_ptr<const LiveStatsSnapshot> m_snapshot;
    SimTime m_now = 0;
    SimTime m_prevTime = 0;
    std::function<qint64()> m_clock;
    std::vector<const TraceEvent *> m_scratch; // addEvents: the sends that become dots
    QStringList m_linkIds;
    QStringList m_nodeIds;                // by node index
    std::vector<std::uint32_t> m_learned; // by node index: items learned (coverage)
    std::vector<int> m_heat;              // by node index: the heat level last reported
    std::uint32_t m_mostLearned = 0;
    QHash<QString, QList<Fault>> m_linkFaults, m_nodeFaults;
    LiveLogs m_logs;
};

} // namespace sb
