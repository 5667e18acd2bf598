#include "faulttracker.h"

#include <algorithm>

namespace sb {

FaultTracker::FaultTracker(std::size_t nodes, std::size_t links, Describer describe)
    : m_describe(std::move(describe))
{
    m_state.linkDown.assign(links, false);
    m_state.crashed.assign(nodes, false);
    m_state.paused.assign(nodes, false);
}

FaultTracker::Describer FaultTracker::describer(const Simulation &sim, std::size_t plannedFaults)
{
    const std::size_t planned = std::max(plannedFaults, sim.faults().size());
    return [&sim, planned](const TraceEvent &e) {
        const auto index = std::size_t(e.aux);
        const auto &log = sim.faultLog();
        if (!log.empty() && log.back().fault == index && log.back().repetition == e.correlationId)
            return log.back();
        FaultActivation a;
        a.fault = index;
        a.repetition = e.correlationId;
        a.start = e.time;
        a.planned = index < planned;
        if (index < sim.faults().size()) {
            const FaultDef &def = sim.faults()[index];
            a.id = def.id;
            a.kind = def.kind;
            a.target = def.target;
            for (const std::string &n : def.nodes)
                a.target += (a.target.empty() ? "" : ",") + n;
        }
        return a;
    };
}

void FaultTracker::onEvent(const TraceEvent &e)
{
    switch (e.kind) {
    case TraceKind::LinkDown:
    case TraceKind::LinkUp:
        if (e.link < m_state.linkDown.size())
            change([&] { m_state.linkDown[e.link] = e.kind == TraceKind::LinkDown; });
        break;
    case TraceKind::Crash:
    case TraceKind::Restart:
        if (e.node < m_state.crashed.size())
            change([&] {
                m_state.crashed[e.node] = e.kind == TraceKind::Crash;
                if (e.kind == TraceKind::Crash) m_state.paused[e.node] = false; // a crash ends a pause
            });
        break;
    case TraceKind::Pause:
    case TraceKind::Resume:
        if (e.node < m_state.paused.size())
            change([&] { m_state.paused[e.node] = e.kind == TraceKind::Pause; });
        break;
    case TraceKind::FaultStart: {
        FaultActivation span = m_describe(e);
        span.end = kNever;
        change([&] {
            if (m_state.spans.size() < kMaxSpans) m_state.spans.push_back(span);
            m_state.active.push_back(std::move(span));
        });
        break;
    }
    case TraceKind::FaultEnd:
        change([&] {
            const auto same = [&](const FaultActivation &a) {
                return a.fault == std::size_t(e.aux) && a.repetition == e.correlationId && a.end == kNever;
            };
            std::erase_if(m_state.active, same);
            const auto it = std::find_if(m_state.spans.rbegin(), m_state.spans.rend(), same);
            if (it != m_state.spans.rend()) it->end = e.time;
        });
        break;
    default:
        break;
    }
}

bool FaultTracker::takeIfNewer(std::uint64_t &version, State &out) const
{
    const std::lock_guard lock(m_mutex);
    if (m_state.version == version) return false;
    out = m_state;
    version = m_state.version;
    return true;
}

} // namespace sb
