#pragma once
// A node's local clock: what its wall clock reads while true virtual time passes. It starts
// `offset` ahead (or behind), gains `drift` parts per million, and steps at scheduled times as an
// NTP step would. Node logic keeps using true time for its timers; trace events carry the local
// reading too, so logs ordered by local timestamps can be compared with what really happened.
#include "schema.h"

#include <utility>
#include <vector>

namespace sb {

class NodeClock {
public:
    NodeClock() = default;
    // From a node's validated "clock" object (clockPropertySpecs()); an empty object is true time.
    static NodeClock fromJson(const Json &clock);

    // True when the clock reads true time.
    bool exact() const { return m_offset == 0 && m_driftPpm == 0 && m_jumps.empty(); }
    SimTime local(SimTime trueTime) const;

    SimTime offset() const { return m_offset; }
    double driftPpm() const { return m_driftPpm; }
    // (true time, step) pairs, in time order.
    const std::vector<std::pair<SimTime, SimTime>> &jumps() const { return m_jumps; }

private:
    SimTime m_offset = 0;
    double m_driftPpm = 0;
    std::vector<std::pair<SimTime, SimTime>> m_jumps;
};

} // namespace sb
