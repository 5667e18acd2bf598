#pragma once
// A sequence history re-placed under an order other than true time (see sequenceorder.h): every
// event copied with its time replaced by where the order puts it (a Send's arrival by where its
// receive goes), sorted by that, so the renderer, the view and the picture exports draw it as they
// draw virtual time. Keeps, for each copy, the original event and its clocks for tooltips.
#include "sequencehistory.h"
#include "sequenceorder.h"

#include <string>
#include <vector>

namespace sb {

class SequenceProjection {
public:
    // Set on a copied Send whose receive, read on the receiver's clock, is before its send (never
    // set by the engine: TraceFlag bits stay below it).
    static constexpr std::uint8_t kContradicts = 0x80;
    // Above this many (events x nodes), steps keep only their vector clocks' sums: tooltips then
    // give the sum instead of the clock.
    static constexpr std::size_t kMaxVectorEntries = std::size_t{1} << 23;

    // Re-places `source` (the true history) under `order`; `clocks` by NodeIndex.
    void rebuild(const SequenceHistory &source, SequenceOrder order, const std::vector<NodeClock> &clocks);
    void clear();

    SequenceOrder order() const { return m_order; }
    const SequenceHistory &history() const { return m_history; }
    // Positions are shifted so the earliest is not negative (a clock behind at time 0): the axis
    // reads a position minus this.
    SimTime axisShift() const { return m_shift; }
    // The event copied to index `i` of history(), as the engine traced it.
    const TraceEvent &original(std::size_t i) const { return m_original[i]; }
    // One line of the clocks of the copy at `i`: true and local times, Lamport values and vector
    // clocks (of the send and of its receive for an arrow), nodes named by `names`.
    std::string stampText(std::size_t i, const std::vector<std::string> &names) const;
    // The true times of the earliest and latest events placed inside [from, to] (0, 0 if none): what
    // a text export of that part of the diagram covers.
    std::pair<SimTime, SimTime> trueSpan(SimTime from, SimTime to) const;

private:
    SequenceOrder m_order = SequenceOrder::True;
    SequenceHistory m_history{2};
    SimTime m_shift = 0;
    std::vector<TraceEvent> m_original;
    std::vector<CausalStep> m_steps;
    std::vector<std::size_t> m_eventStep, m_receiveStep; // by index in history(); SIZE_MAX: none
};

} // namespace sb
