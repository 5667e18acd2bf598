#pragma once
// How a sequence diagram orders and places events: by true virtual time, by each node's local
// clock (what a log merged by wall-clock timestamps shows), by Lamport clock, or by a linear
// extension of happens-before computed from vector clocks (as ShiViz lays logs out). CausalClocks
// walks a trace and gives every step (an event at a node, or a frame's receipt at its peer) its
// local reading, Lamport value and vector clock; placeSteps turns those into positions on the
// diagram's vertical axis.
#include "nodeclock.h"
#include "trace.h"

#include <algorithm>
#include <cstdint>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace sb {

struct Topology;

enum class SequenceOrder : std::uint8_t {
    True,    // virtual time: what really happened
    Local,   // each event at its node's local clock reading; receives may come before their sends
    Lamport, // rows by Lamport value: concurrent events can share a row
    Vector,  // one row per step, in an order consistent with happens-before
};
inline constexpr int kSequenceOrderCount = 4;
const char *sequenceOrderName(SequenceOrder order); // "true", "local", "lamport", "vector"
bool sequenceOrderFromName(std::string_view name, SequenceOrder &out);
inline constexpr const char *kSequenceOrderNames = "true, local, lamport, vector";
// How far apart two logical rows (Lamport values, vector-order ranks) stand on the time axis, so
// the diagram's zoom and scrolling work the same in every mode.
inline constexpr SimTime kLogicalStep = kMillisecond;

// The local clocks of a topology's nodes, by NodeIndex.
std::vector<NodeClock> nodeClocks(const Topology &topology);
// Node `n`'s clock reading at true time `t` (true time when it has no clock).
SimTime localReading(const std::vector<NodeClock> &clocks, NodeIndex n, SimTime t);

// One step of the happens-before graph.
struct CausalStep {
    std::size_t event = 0; // index of the trace event (for a receive: of its Send)
    bool receive = false;  // the arrival of that Send at its peer
    NodeIndex node = kNoIndex;
    SimTime time = 0;  // true time
    SimTime local = 0; // the node's clock reading then
    std::uint64_t lamport = 0;
    std::vector<std::uint32_t> vector; // by NodeIndex (empty when the walker keeps none)
    std::uint64_t vectorSum = 0;       // the sum of its entries (kept even then)
    // A receive whose local reading is before its send's: wall-clock timestamps contradict causality.
    bool contradicts = false;
    SimTime sendLocal = 0; // receives: the send's local reading
};

// Frames in flight along a trace, and which of them have arrived. A frame counts as received once
// its arrival has passed: due before the next event, or due at it when that event is at the peer
// and may react to it (the sequence recorder's rule); a frame dropped on arrival (link down, peer
// crashed) is not received.
class FrameArrivals {
public:
    struct Frame {
        TraceEvent send;
        std::size_t index; // the caller's number for the Send
    };
    void sent(const TraceEvent &send, std::size_t index)
    {
        m_pending.push_back({send, index});
        m_firstArrival = std::min(m_firstArrival, send.aux);
    }
    // Call before handling event `e`: forgets a frame `e` drops on arrival (returns its index, or
    // SIZE_MAX), and moves the frames that arrived before `e` to `arrived` (in send order).
    std::size_t before(const TraceEvent &e, std::vector<Frame> &arrived);
    // The run is over at `now`: frames due by then arrived.
    void finish(SimTime now, std::vector<Frame> &arrived);
    std::size_t inFlight() const { return m_pending.size(); }

private:
    void settle(const TraceEvent *e, SimTime now, std::vector<Frame> &arrived);
    std::vector<Frame> m_pending;    // in send order
    SimTime m_firstArrival = kNever; // nothing arrives before this
};

// Walks a trace in order (frames received as FrameArrivals says).
// Events without a node (a group fault) are not steps.
class CausalClocks {
public:
    explicit CausalClocks(std::size_t nodeCount, std::vector<NodeClock> clocks = {});
    // The next event, numbered `index` by the caller; appends the steps it completes to `out`
    // (receives that came due before it, then the event itself).
    void add(const TraceEvent &e, std::size_t index, std::vector<CausalStep> &out);
    // The run is over at `now`: frames due by then are received.
    void finish(SimTime now, std::vector<CausalStep> &out);
    std::size_t nodeCount() const { return m_lamport.size(); }
    // Whether steps carry their vector clocks (default) or only their sums: a long history of many
    // nodes would take nodes x steps entries.
    void setKeepVectors(bool keep) { m_keepVectors = keep; }

private:
    struct SenderClocks {
        std::vector<std::uint32_t> vector;
        std::uint64_t lamport;
    };
    void receive(const std::vector<FrameArrivals::Frame> &arrived, std::vector<CausalStep> &out);
    CausalStep step(NodeIndex node, SimTime time, std::size_t index, bool receive);

    std::vector<NodeClock> m_clocks;
    bool m_keepVectors = true;
    std::vector<std::uint64_t> m_lamport;
    std::vector<std::vector<std::uint32_t>> m_vector;
    FrameArrivals m_arrivals;
    std::vector<FrameArrivals::Frame> m_arrived;
    std::unordered_map<std::size_t, SenderClocks> m_sent; // by Send index, while in flight
};

// Whether an event at a node may be its reaction to a frame arriving at the same instant. Timer
// and fault events are not: a frame due then is not taken as received before them.
bool mayFollowArrival(TraceKind k);

// All the steps of a whole trace (finished at its last event's time).
std::vector<CausalStep> causalSteps(const std::vector<TraceEvent> &events, std::size_t nodeCount,
                                    std::vector<NodeClock> clocks = {});

// Where each step stands on the diagram's vertical axis under `order`: true time, local reading,
// Lamport value times kLogicalStep, or (vector) its rank times kLogicalStep, ranks ordering steps
// by the sum of their vector clocks (if a happened before b, a's sum is smaller), ties kept in
// trace order.
std::vector<SimTime> placeSteps(const std::vector<CausalStep> &steps, SequenceOrder order);

// "{a:1, b:3}" style text of a vector clock (zero entries left out), by the given node names.
std::string vectorClockText(const std::vector<std::uint32_t> &vector, const std::vector<std::string> &names);

} // namespace sb
