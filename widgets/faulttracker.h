#pragma once
// A run's fault state, derived on the engine thread from its trace: which links are down, which
// nodes crashed or paused (LinkDown/LinkUp, Crash/Restart, Pause/Resume), and each fault's spans
// (FaultStart/FaultEnd), planned and live alike. It is a trace sink rather than a reader of the
// drained ring, so that an overflowing ring cannot leave a fault looking active forever; the GUI
// thread takes a copy when it changed, at most once per frame.
#include "simulation.h"
#include "trace.h"

#include <functional>
#include <mutex>
#include <vector>

namespace sb {

class FaultTracker final : public TraceSink {
public:
    // Spans kept (the active ones always are).
    static constexpr std::size_t kMaxSpans = 10000;

    struct State {
        std::uint64_t version = 0; // increases with every change
        std::vector<bool> linkDown, crashed, paused;
        std::vector<FaultActivation> spans;  // in start order; an active one has end kNever
        std::vector<FaultActivation> active; // in start order
    };

    // Names the span a FaultStart opens (id, kind, target, planned...). Engine thread.
    using Describer = std::function<FaultActivation(const TraceEvent &faultStart)>;

    FaultTracker(std::size_t nodes, std::size_t links, Describer describe);

    // The describer for `sim`'s fault table: as its fault log has the span (a nemesis's sides in
    // its detail), else from the table's entry; the first `plannedFaults` entries (or as many as the
    // table holds before the run) are the plan's.
    static Describer describer(const Simulation &sim, std::size_t plannedFaults);

    void onEvent(const TraceEvent &e) override;

    // A copy of the state when it changed since `version` (which it then updates). Any thread.
    bool takeIfNewer(std::uint64_t &version, State &out) const;

private:
    template <typename F> void change(F &&f)
    {
        const std::lock_guard lock(m_mutex);
        f();
        ++m_state.version;
    }

    Describer m_describe;
    mutable std::mutex m_mutex;
    State m_state;
};

} // namespace sb
