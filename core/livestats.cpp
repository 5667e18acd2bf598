#include "livestats.h"

#include "callstatus.h"
#include "simulation.h"

#include <algorithm>

namespace sb {

LiveStats::LiveStats(std::size_t nodes, std::size_t links)
    : m_nodes(nodes), m_links(links), m_latest(std::make_shared<LiveStatsSnapshot>())
{
}

void LiveStats::settleArrivals(LinkState &link, SimTime before)
{
    while (!link.arrivals.empty() && link.arrivals.top() < before) {
        link.arrivals.pop();
        ++link.stats.delivered;
    }
}

void LiveStats::onEvent(const TraceEvent &e)
{
    ++m_events;
    if (e.link != kNoIndex && e.link < m_links.size()) {
        LinkState &l = m_links[e.link];
        switch (e.kind) {
        case TraceKind::Send:
            ++l.stats.sent;
            if (e.frame == FrameType::Publish || e.frame == FrameType::Deliver) ++l.stats.messages;
            settleArrivals(l, e.time);
            l.arrivals.push(e.aux);
            break;
        case TraceKind::Drop:
            ++l.stats.dropped;
            // A frame discarded on arrival (the link went down or the receiver crashed meanwhile) is
            // dropped at exactly its arrival time; one lost on sending never entered the link.
            settleArrivals(l, e.time);
            if (!l.arrivals.empty() && l.arrivals.top() == e.time) l.arrivals.pop();
            break;
        case TraceKind::LinkDown:
            l.stats.up = false;
            break;
        case TraceKind::LinkUp:
            l.stats.up = true;
            break;
        default:
            break;
        }
    }
    if (e.node == kNoIndex || e.node >= m_nodes.size()) return;
    LiveNodeStats &n = m_nodes[e.node];
    countNodeEvent(n.counters, e);
    switch (e.kind) {
    case TraceKind::Enqueue:
    case TraceKind::Requeue:
        n.peakReady = std::max<std::uint64_t>(n.peakReady, static_cast<std::uint64_t>(e.aux));
        break;
    case TraceKind::Call:
        ++n.callsInFlight;
        break;
    case TraceKind::Complete:
        if (n.callsInFlight) --n.callsInFlight;
        ++(isSuccessStatus(e.status) ? n.callsSucceeded : n.callsFailed);
        break;
    case TraceKind::Execute:
        ++n.executions;
        [[fallthrough]];
    case TraceKind::Accept:
        // A server's events: the accept queue's depth after them.
        n.serverQueue = static_cast<std::uint64_t>(std::max<std::int64_t>(e.aux, 0));
        break;
    case TraceKind::Crash:
        n.crashed = true;
        // A crashed node forgets its calls and its queue: no Complete comes for them.
        n.callsInFlight = 0;
        n.serverQueue = 0;
        break;
    case TraceKind::Restart:
        n.crashed = false;
        break;
    default:
        break;
    }
}

void LiveStats::publish(const Simulation &sim)
{
    auto snapshot = std::make_shared<LiveStatsSnapshot>();
    snapshot->sequence = ++m_sequence;
    snapshot->time = sim.now();
    snapshot->events = m_events;
    const auto &nodes = sim.topology().nodes;
    for (NodeIndex i = 0; i < m_nodes.size() && i < sim.nodeCount(); ++i) {
        LiveNodeStats &n = m_nodes[i];
        const NodeStatus s = sim.nodeStatus(i);
        const bool consumer = i < nodes.size() && nodes[i].kind == "consumer";
        n.ready = s.ready;
        n.unacked = consumer ? 0 : s.unacked;
        n.busy = consumer ? s.unacked : 0;
        n.inFlight = s.inFlight;
        n.crashed = s.crashed;
        n.paused = sim.nodePaused(i);
        n.peakReady = std::max(n.peakReady, n.ready);
    }
    const std::vector<std::uint64_t> onLinks = sim.framesOnLinks();
    for (LinkIndex i = 0; i < m_links.size() && i < sim.linkCount(); ++i) {
        LinkState &l = m_links[i];
        settleArrivals(l, sim.now());
        // Frames due exactly now may have arrived or may still wait for their turn: the engine
        // knows how many are still on the link, and the others due now have arrived.
        const std::uint64_t still = i < onLinks.size() ? onLinks[i] : 0;
        while (l.arrivals.size() > still && l.arrivals.top() <= sim.now()) {
            l.arrivals.pop();
            ++l.stats.delivered;
        }
        l.stats.inFlight = l.arrivals.size();
        l.stats.up = sim.linkUp(i);
    }
    snapshot->nodes = m_nodes;
    snapshot->links.reserve(m_links.size());
    for (const auto &l : m_links)
        snapshot->links.push_back(l.stats);
    std::lock_guard<std::mutex> lock(m_mutex);
    m_latest = std::move(snapshot);
}

std::shared_ptr<const LiveStatsSnapshot> LiveStats::latest() const
{
    std::lock_guard<std::mutex> lock(m_mutex);
    return m_latest;
}

} // namespace sb
