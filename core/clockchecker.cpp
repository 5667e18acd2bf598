#include "clockchecker.h"

#include <algorithm>

namespace sb {

ClockChecker::ClockChecker(std::vector<NodeClock> clocks, std::size_t keep)
    : m_clocks(std::move(clocks)), m_keep(keep)
{
    m_anomalies.checked = true;
}

void ClockChecker::check(const std::vector<FrameArrivals::Frame> &arrived)
{
    for (const auto &f : arrived) {
        const TraceEvent &s = f.send;
        ++m_anomalies.received;
        const SimTime sentLocal = localReading(m_clocks, s.node, s.time);
        const SimTime receivedLocal = localReading(m_clocks, s.peer, s.aux);
        if (receivedLocal >= sentLocal) continue;
        ++m_anomalies.contradicting;
        if (m_anomalies.first.size() >= m_keep) continue;
        ClockContradiction c;
        c.messageId = s.messageId;
        c.frame = s.frame;
        c.from = s.node;
        c.to = s.peer;
        c.link = s.link;
        c.sent = s.time;
        c.received = s.aux;
        c.sentLocal = sentLocal;
        c.receivedLocal = receivedLocal;
        m_anomalies.first.push_back(c);
    }
}

void ClockChecker::onEvent(const TraceEvent &e)
{
    m_arrived.clear();
    m_arrivals.before(e, m_arrived);
    check(m_arrived);
    if (e.kind == TraceKind::Send && e.peer != kNoIndex) m_arrivals.sent(e, m_sends++);
}

void ClockChecker::finish(SimTime now)
{
    m_arrived.clear();
    m_arrivals.finish(now, m_arrived);
    check(m_arrived);
}

bool anyClockSkewed(const std::vector<NodeClock> &clocks)
{
    return std::any_of(clocks.begin(), clocks.end(), [](const NodeClock &c) { return !c.exact(); });
}

} // namespace sb
