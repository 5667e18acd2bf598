#pragma once
// Finds where node clocks make wall-clock timestamps lie: a frame whose receipt, read on the
// receiver's clock, is earlier than its sending, read on the sender's. A log merged by local
// timestamps would show such a reply before its request. Rides along a run as a TraceSink.
#include "nodeclock.h"
#include "sequenceorder.h"

#include <cstdint>
#include <string>
#include <vector>

namespace sb {

// One (send, receive) pair whose local timestamps contradict causality.
struct ClockContradiction {
    std::uint64_t messageId = 0;
    FrameType frame = FrameType::Publish;
    NodeIndex from = kNoIndex, to = kNoIndex;
    LinkIndex link = kNoIndex;
    SimTime sent = 0, received = 0;           // true times
    SimTime sentLocal = 0, receivedLocal = 0; // on the sender's and the receiver's clocks
};

// What the run summary reports ("clock anomalies").
struct ClockAnomalies {
    bool checked = false;       // a checker watched the run (the nodes had clocks)
    std::uint64_t received = 0; // frames received, all checked
    std::uint64_t contradicting = 0;
    std::vector<ClockContradiction> first; // the first few, in the order they were received
};

class ClockChecker final : public TraceSink {
public:
    static constexpr std::size_t kKeptExamples = 5;
    // clocks: by NodeIndex (nodeClocks(topology)); a node without one reads true time.
    explicit ClockChecker(std::vector<NodeClock> clocks, std::size_t keep = kKeptExamples);
    void onEvent(const TraceEvent &e) override;
    // The run is over at `now`: frames due by then are received and checked.
    void finish(SimTime now);
    const ClockAnomalies &anomalies() const { return m_anomalies; }
    std::uint64_t contradicting() const { return m_anomalies.contradicting; }

private:
    void check(const std::vector<FrameArrivals::Frame> &arrived);

    std::vector<NodeClock> m_clocks;
    std::size_t m_keep;
    FrameArrivals m_arrivals;
    std::vector<FrameArrivals::Frame> m_arrived;
    std::uint64_t m_sends = 0;
    ClockAnomalies m_anomalies;
};

// Whether any node's clock is not true time (else a checker would find nothing).
bool anyClockSkewed(const std::vector<NodeClock> &clocks);

} // namespace sb
