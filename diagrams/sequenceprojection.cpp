#include "sequenceprojection.h"

#include <algorithm>
#include <numeric>

namespace sb {

void SequenceProjection::clear()
{
    m_history.clear();
    m_original.clear();
    m_steps.clear();
    m_eventStep.clear();
    m_receiveStep.clear();
    m_shift = 0;
}

void SequenceProjection::rebuild(const SequenceHistory &source, SequenceOrder order,
                                 const std::vector<NodeClock> &clocks)
{
    clear();
    m_order = order;
    const std::size_t n = source.size();
    const std::size_t nodes = std::max(source.nodeCount(), clocks.size());
    CausalClocks causal(nodes, clocks);
    // Vector clocks for the tooltips while they take at most 8M entries (32 MiB); beyond, sums only.
    causal.setKeepVectors(n * nodes <= kMaxVectorEntries);
    for (std::size_t i = 0; i < n; ++i)
        causal.add(source.at(i), i, m_steps);
    causal.finish(source.lastTime(), m_steps);
    std::vector<std::size_t> eventStep(n, SIZE_MAX), receiveStep(n, SIZE_MAX);
    for (std::size_t s = 0; s < m_steps.size(); ++s)
        (m_steps[s].receive ? receiveStep : eventStep)[m_steps[s].event] = s;
    const std::vector<SimTime> placed = placeSteps(m_steps, order);

    // Where each event goes; an event that is no step (a group fault) stays after the one before.
    std::vector<TraceEvent> copies(n);
    SimTime last = order == SequenceOrder::True || order == SequenceOrder::Local ? 0 : kLogicalStep;
    SimTime lowest = 0;
    for (std::size_t i = 0; i < n; ++i) {
        TraceEvent e = source.at(i);
        if (eventStep[i] != SIZE_MAX)
            last = placed[eventStep[i]];
        else if (order == SequenceOrder::Local)
            last = e.time;
        e.time = last;
        if (e.kind == TraceKind::Send) {
            if (receiveStep[i] != SIZE_MAX) {
                e.aux = placed[receiveStep[i]];
                if (m_steps[receiveStep[i]].contradicts) e.flags |= kContradicts;
            } else if (order == SequenceOrder::Local || order == SequenceOrder::True) {
                e.aux = order == SequenceOrder::Local ? localReading(clocks, e.peer, e.aux) : e.aux;
            } else {
                e.aux = e.time + kLogicalStep; // never received (in flight): one row down
            }
            lowest = std::min(lowest, e.aux);
        }
        lowest = std::min(lowest, e.time);
        copies[i] = e;
    }
    m_shift = -lowest;
    std::vector<std::size_t> rank(n);
    std::iota(rank.begin(), rank.end(), std::size_t{0});
    std::stable_sort(rank.begin(), rank.end(),
                     [&copies](std::size_t a, std::size_t b) { return copies[a].time < copies[b].time; });
    m_history = SequenceHistory(std::max<std::size_t>(n, 2));
    m_original.reserve(n);
    m_eventStep.reserve(n);
    m_receiveStep.reserve(n);
    std::vector<TraceEvent> sorted;
    sorted.reserve(n);
    for (std::size_t i : rank) {
        TraceEvent e = copies[i];
        e.time += m_shift;
        if (e.kind == TraceKind::Send) e.aux += m_shift;
        sorted.push_back(e);
        m_original.push_back(source.at(i));
        m_eventStep.push_back(eventStep[i]);
        m_receiveStep.push_back(receiveStep[i]);
    }
    m_history.append(sorted);
}

std::string SequenceProjection::stampText(std::size_t i, const std::vector<std::string> &names) const
{
    if (i >= m_original.size()) return {};
    const TraceEvent &e = m_original[i];
    const CausalStep *at = m_eventStep[i] != SIZE_MAX ? &m_steps[m_eventStep[i]] : nullptr;
    const CausalStep *in = m_receiveStep[i] != SIZE_MAX ? &m_steps[m_receiveStep[i]] : nullptr;
    if (!at) return "true time " + formatDuration(e.time);
    const auto pair = [in](const std::string &a, const std::string &b) {
        return in ? a + " \u2192 " + b : a;
    };
    const auto vector = [&names](const CausalStep &st) {
        return st.vector.empty() ? "(sum " + std::to_string(st.vectorSum) + ")"
                                 : vectorClockText(st.vector, names);
    };
    std::string t = "true " + pair(formatDuration(at->time), in ? formatDuration(in->time) : "") +
                    " \u00b7 local " + pair(formatDuration(at->local), in ? formatDuration(in->local) : "") +
                    " \u00b7 Lamport " +
                    pair(std::to_string(at->lamport), in ? std::to_string(in->lamport) : "") +
                    " \u00b7 vector " + pair(vector(*at), in ? vector(*in) : "");
    if (in && in->contradicts) t += " \u00b7 received before it was sent, by the local clocks";
    return t;
}

std::pair<SimTime, SimTime> SequenceProjection::trueSpan(SimTime from, SimTime to) const
{
    SimTime lo = kNever, hi = 0;
    const auto [first, last] = m_history.window(from, to);
    for (std::size_t i = first; i < last; ++i) {
        const TraceEvent &e = m_history.at(i);
        if (e.time < from || e.time > to) continue;
        lo = std::min(lo, m_original[i].time);
        hi = std::max(hi, m_original[i].time);
    }
    if (lo == kNever) return {0, 0};
    return {lo, hi};
}

} // namespace sb
