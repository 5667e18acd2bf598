#include "sequenceorder.h"

#include "topology.h"

#include <algorithm>
#include <cstdint>
#include <numeric>

namespace sb {

const char *sequenceOrderName(SequenceOrder order)
{
    switch (order) {
    case SequenceOrder::True:
        return "true";
    case SequenceOrder::Local:
        return "local";
    case SequenceOrder::Lamport:
        return "lamport";
    case SequenceOrder::Vector:
        return "vector";
    }
    return "true";
}

bool sequenceOrderFromName(std::string_view name, SequenceOrder &out)
{
    for (int i = 0; i < kSequenceOrderCount; ++i) {
        if (name == sequenceOrderName(SequenceOrder(i))) {
            out = SequenceOrder(i);
            return true;
        }
    }
    return false;
}

std::vector<NodeClock> nodeClocks(const Topology &topology)
{
    std::vector<NodeClock> clocks;
    clocks.reserve(topology.nodes.size());
    for (const NodeDef &n : topology.nodes)
        clocks.push_back(NodeClock::fromJson(n.clock));
    return clocks;
}

SimTime localReading(const std::vector<NodeClock> &clocks, NodeIndex n, SimTime t)
{
    return n < clocks.size() ? clocks[n].local(t) : t;
}

bool mayFollowArrival(TraceKind k)
{
    switch (k) {
    case TraceKind::Publish:
    case TraceKind::Expire:
    case TraceKind::Timeout:
    case TraceKind::Retry:
    case TraceKind::LinkDown:
    case TraceKind::LinkUp:
    case TraceKind::Crash:
    case TraceKind::Restart:
    case TraceKind::Pause:
    case TraceKind::Resume:
    case TraceKind::LinkChange:
    case TraceKind::FaultStart:
    case TraceKind::FaultEnd:
    case TraceKind::ClockJump:
        return false;
    default:
        return true;
    }
}

CausalClocks::CausalClocks(std::size_t nodeCount, std::vector<NodeClock> clocks)
    : m_clocks(std::move(clocks)), m_lamport(nodeCount, 0),
      m_vector(nodeCount, std::vector<std::uint32_t>(nodeCount, 0))
{
}

CausalStep CausalClocks::step(NodeIndex node, SimTime time, std::size_t index, bool receive)
{
    CausalStep s;
    s.event = index;
    s.receive = receive;
    s.node = node;
    s.time = time;
    s.local = localReading(m_clocks, node, time);
    s.lamport = m_lamport[node];
    s.vectorSum = std::accumulate(m_vector[node].begin(), m_vector[node].end(), std::uint64_t{0});
    if (m_keepVectors) s.vector = m_vector[node];
    return s;
}

void FrameArrivals::settle(const TraceEvent *e, SimTime now, std::vector<Frame> &arrived)
{
    if (e && e->time < m_firstArrival) return;
    std::size_t kept = 0;
    m_firstArrival = kNever;
    for (std::size_t i = 0; i < m_pending.size(); ++i) {
        Frame &f = m_pending[i];
        const SimTime arrival = f.send.aux;
        const bool done = e ? arrival < e->time ||
                                  (arrival == e->time && f.send.peer == e->node && mayFollowArrival(e->kind))
                            : arrival <= now;
        if (done)
            arrived.push_back(f);
        else {
            m_firstArrival = std::min(m_firstArrival, arrival);
            m_pending[kept++] = f;
        }
    }
    m_pending.resize(kept);
}

std::size_t FrameArrivals::before(const TraceEvent &e, std::vector<Frame> &arrived)
{
    std::size_t dropped = SIZE_MAX;
    if (m_pending.empty()) return dropped;
    if (e.kind == TraceKind::Drop && e.link != kNoIndex &&
        (e.reason == DropReason::Partition || e.reason == DropReason::Crash)) {
        for (std::size_t i = 0; i < m_pending.size(); ++i) {
            const TraceEvent &s = m_pending[i].send;
            if (s.aux == e.time && s.link == e.link && s.node == e.node && s.peer == e.peer &&
                s.frame == e.frame && s.messageId == e.messageId) {
                dropped = m_pending[i].index;
                m_pending.erase(m_pending.begin() + static_cast<std::ptrdiff_t>(i));
                break;
            }
        }
    }
    settle(&e, 0, arrived);
    return dropped;
}

void FrameArrivals::finish(SimTime now, std::vector<Frame> &arrived)
{
    settle(nullptr, now, arrived);
}

void CausalClocks::receive(const std::vector<FrameArrivals::Frame> &arrived, std::vector<CausalStep> &out)
{
    for (const auto &f : arrived) {
        auto it = m_sent.find(f.index);
        if (it == m_sent.end()) continue;
        // Receive = max(own, sender's) + 1; the vector clock merges the sender's.
        const NodeIndex to = f.send.peer;
        m_lamport[to] = std::max(m_lamport[to], it->second.lamport) + 1;
        auto &v = m_vector[to];
        for (std::size_t k = 0; k < v.size(); ++k)
            v[k] = std::max(v[k], it->second.vector[k]);
        ++v[to];
        m_sent.erase(it);
        CausalStep s = step(to, f.send.aux, f.index, true);
        s.sendLocal = localReading(m_clocks, f.send.node, f.send.time);
        s.contradicts = s.local < s.sendLocal;
        out.push_back(std::move(s));
    }
}

void CausalClocks::add(const TraceEvent &e, std::size_t index, std::vector<CausalStep> &out)
{
    m_arrived.clear();
    if (const std::size_t dropped = m_arrivals.before(e, m_arrived); dropped != SIZE_MAX)
        m_sent.erase(dropped);
    receive(m_arrived, out);
    if (e.node >= m_lamport.size()) return;
    ++m_lamport[e.node];
    ++m_vector[e.node][e.node];
    out.push_back(step(e.node, e.time, index, false));
    if (e.kind == TraceKind::Send && e.peer < m_lamport.size()) {
        m_arrivals.sent(e, index);
        m_sent[index] = {m_vector[e.node], m_lamport[e.node]};
    }
}

void CausalClocks::finish(SimTime now, std::vector<CausalStep> &out)
{
    m_arrived.clear();
    m_arrivals.finish(now, m_arrived);
    receive(m_arrived, out);
}

std::vector<CausalStep> causalSteps(const std::vector<TraceEvent> &events, std::size_t nodeCount,
                                    std::vector<NodeClock> clocks)
{
    CausalClocks c(nodeCount, std::move(clocks));
    std::vector<CausalStep> out;
    for (std::size_t i = 0; i < events.size(); ++i)
        c.add(events[i], i, out);
    c.finish(events.empty() ? 0 : events.back().time, out);
    return out;
}

std::vector<SimTime> placeSteps(const std::vector<CausalStep> &steps, SequenceOrder order)
{
    std::vector<SimTime> at(steps.size(), 0);
    switch (order) {
    case SequenceOrder::True:
        for (std::size_t i = 0; i < steps.size(); ++i)
            at[i] = steps[i].time;
        break;
    case SequenceOrder::Local:
        for (std::size_t i = 0; i < steps.size(); ++i)
            at[i] = steps[i].local;
        break;
    case SequenceOrder::Lamport:
        for (std::size_t i = 0; i < steps.size(); ++i)
            at[i] = SimTime(steps[i].lamport) * kLogicalStep;
        break;
    case SequenceOrder::Vector: {
        std::vector<std::uint64_t> sums(steps.size());
        for (std::size_t i = 0; i < steps.size(); ++i)
            sums[i] = steps[i].vector.empty()
                          ? steps[i].vectorSum
                          : std::accumulate(steps[i].vector.begin(), steps[i].vector.end(), std::uint64_t{0});
        std::vector<std::size_t> rank(steps.size());
        std::iota(rank.begin(), rank.end(), std::size_t{0});
        std::stable_sort(rank.begin(), rank.end(),
                         [&](std::size_t a, std::size_t b) { return sums[a] < sums[b]; });
        for (std::size_t r = 0; r < rank.size(); ++r)
            at[rank[r]] = SimTime(r + 1) * kLogicalStep;
        break;
    }
    }
    return at;
}

std::string vectorClockText(const std::vector<std::uint32_t> &vector, const std::vector<std::string> &names)
{
    std::string t = "{";
    bool first = true;
    for (std::size_t i = 0; i < vector.size(); ++i) {
        if (!vector[i]) continue;
        t += (first ? "" : ", ") + (i < names.size() ? names[i] : std::to_string(i)) + ":" +
             std::to_string(vector[i]);
        first = false;
    }
    return t + "}";
}

} // namespace sb
