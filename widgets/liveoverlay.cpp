#include "liveoverlay.h"

#include <QElapsedTimer>
#include <QLocale>

#include <algorithm>

namespace sb {

LiveOverlay::LiveOverlay()
{
    auto timer = std::make_shared<QElapsedTimer>();
    timer->start();
    m_clock = [timer] { return timer->elapsed(); };
}

void LiveOverlay::begin(const Topology &topology, const QStringList &groupNames)
{
    clear();
    m_active = true;
    m_logs.begin(topology, groupNames);
    for (std::size_t i = 0; i < topology.nodes.size(); ++i) {
        m_nodeIndex.insert(QString::fromStdString(topology.nodes[i].id), int(i));
        m_nodeIds << QString::fromStdString(topology.nodes[i].id);
    }
    m_learned.assign(topology.nodes.size(), 0);
    m_heat.assign(topology.nodes.size(), -1);
    m_mostLearned = 0;
    m_links.resize(topology.links.size());
    m_linkFrom.resize(topology.links.size(), kNoIndex);
    for (std::size_t i = 0; i < topology.links.size(); ++i) {
        const auto &l = topology.links[i];
        const QString id = QString::fromStdString(l.id);
        m_linkIndex.insert(id, int(i));
        m_linkIds << id;
        if (auto from = topology.nodeIndex(l.from)) m_linkFrom[i] = NodeIndex(*from);
        m_links[i].dots.reserve(kMaxDots);
        m_links[i].samples.emplace_back(0, 0); // the run begins with nothing sent
    }
}

double LiveOverlay::coverage(const QString &nodeId) const
{
    if (m_mostLearned == 0) return -1;
    const auto it = m_nodeIndex.constFind(nodeId);
    if (it == m_nodeIndex.cend()) return -1;
    return double(m_learned[std::size_t(*it)]) / double(m_mostLearned);
}

int LiveOverlay::heatLevel(const QString &nodeId) const
{
    const auto it = m_nodeIndex.constFind(nodeId);
    return it == m_nodeIndex.cend() ? -1 : m_heat[std::size_t(*it)];
}

std::uint32_t LiveOverlay::learned(const QString &nodeId) const
{
    const auto it = m_nodeIndex.constFind(nodeId);
    return it == m_nodeIndex.cend() ? 0 : m_learned[std::size_t(*it)];
}

void LiveOverlay::clear()
{
    ++m_generation;
    m_active = false;
    m_ended = false;
    m_nodeIndex.clear();
    m_linkIndex.clear();
    m_linkIds.clear();
    m_nodeIds.clear();
    m_learned.clear();
    m_heat.clear();
    m_mostLearned = 0;
    m_linkFrom.clear();
    m_links.clear();
    m_snapshot.reset();
    m_linkFaults.clear();
    m_nodeFaults.clear();
    m_logs.clear();
    m_now = 0;
    m_prevTime = 0;
}

void LiveOverlay::addEvents(const std::vector<TraceEvent> &events, QStringList *changedNodes)
{
    if (!m_active || events.empty()) return;
    const QStringList logNodes = m_logs.addEvents(events);
    if (changedNodes) *changedNodes += logNodes;
    const qint64 wall = m_clock();
    // Coverage: each node's count of items learned. Every tint is relative to the best-informed
    // node's count, so after a batch that taught anything each node's level is worked out again
    // (a thousand integers); only the nodes whose level moved are reported, once each.
    bool learnedAny = false;
    for (const TraceEvent &e : events) {
        if (e.kind != TraceKind::Learn || e.node >= m_learned.size()) continue;
        m_mostLearned = std::max(m_mostLearned, ++m_learned[e.node]);
        learnedAny = true;
    }
    if (learnedAny)
        for (std::size_t i = 0; i < m_learned.size(); ++i) {
            const int level =
                m_learned[i] == 0 ? -1 : int(std::uint64_t(m_learned[i]) * kHeatLevels / m_mostLearned);
            if (level == m_heat[i]) continue;
            m_heat[i] = level;
            if (changedNodes) *changedNodes << m_nodeIds[int(i)];
        }
    // Only the newest kMaxDots sends of a link can show; older ones in the same batch count as
    // overflow. Walking the batch backwards keeps a full-speed batch (tens of thousands of events)
    // to one pass without shuffling dots.
    m_scratch.clear();
    for (auto &l : m_links)
        l.batchDots = 0;
    for (auto it = events.rbegin(); it != events.rend(); ++it) {
        if (it->kind != TraceKind::Send || it->link >= m_links.size()) continue;
        LinkState &l = m_links[it->link];
        if (l.batchDots >= kMaxDots) {
            ++l.overflow;
            continue;
        }
        ++l.batchDots;
        m_scratch.push_back(&*it);
    }
    for (auto it = m_scratch.rbegin(); it != m_scratch.rend(); ++it) {
        const TraceEvent &e = **it;
        LinkState &l = m_links[e.link];
        Dot d{e.time, e.aux, wall, e.node == m_linkFrom[e.link],
              e.frame == FrameType::Publish || e.frame == FrameType::Deliver};
        if (int(l.dots.size()) >= kMaxDots) {
            // Full: the oldest makes room, and the link has more than dots can show.
            l.dots.erase(l.dots.begin());
            ++l.overflow;
        }
        l.dots.push_back(d);
    }
    m_now = std::max(m_now, events.back().time);
}

void LiveOverlay::setStats(std::shared_ptr<const LiveStatsSnapshot> stats, QStringList *changedNodes,
                           QStringList *changedLinks)
{
    if (!m_active || !stats) return;
    const std::shared_ptr<const LiveStatsSnapshot> prev = std::move(m_snapshot);
    m_snapshot = std::move(stats);
    m_now = std::max(m_now, m_snapshot->time);
    const SimTime dt = m_snapshot->time - m_prevTime;
    m_prevTime = m_snapshot->time;

    if (changedNodes) {
        for (auto it = m_nodeIndex.cbegin(); it != m_nodeIndex.cend(); ++it) {
            const auto i = std::size_t(it.value());
            if (i >= m_snapshot->nodes.size()) continue;
            if (!prev || i >= prev->nodes.size() || !(prev->nodes[i] == m_snapshot->nodes[i]))
                changedNodes->append(it.key());
        }
    }

    for (std::size_t i = 0; i < m_links.size() && i < m_snapshot->links.size(); ++i) {
        LinkState &l = m_links[i];
        const LiveLinkStats &s = m_snapshot->links[i];
        const quint64 frames = s.sent - l.prevSent;
        const LinkMode oldMode = l.mode;
        const double oldRate = l.rate;
        // Over the last half second or so of snapshots, so that a few messages a second read
        // steadily rather than as 0 or 60/s from frame to frame.
        if (dt > 0) {
            l.samples.emplace_back(m_snapshot->time, s.messages > 0 ? s.messages : s.sent);
            if (l.samples.size() > kRateSamples) l.samples.pop_front();
            const auto &[t0, n0] = l.samples.front();
            const auto &[t1, n1] = l.samples.back();
            if (t1 > t0) l.rate = double(n1 - n0) * double(kSecond) / double(t1 - t0);
        }
        const bool busy = frames > quint64(kMaxDots) || l.overflow > 0 || s.inFlight > quint64(kMaxDots);
        if (busy) {
            l.mode = LinkMode::Throughput;
            l.calm = 0;
        } else if (l.mode == LinkMode::Throughput) {
            const bool quiet = frames <= quint64(kMaxDots / 2) && l.dots.size() <= std::size_t(kMaxDots / 2);
            l.calm = quiet ? l.calm + 1 : 0;
            if (l.calm >= kCalmFrames) l.mode = LinkMode::Dots;
        } else if (s.sent > 0) {
            l.mode = LinkMode::Dots;
        }
        l.overflow = 0;
        l.prevSent = s.sent;
        // Repaint only when what the link shows changed: its mode, up or down, the lost count, and
        // in throughput mode the rate label (three digits) and stroke. Counters that only the
        // tooltip shows need no repaint.
        const bool rateShown = l.mode == LinkMode::Throughput &&
                               (oldMode != LinkMode::Throughput || compact(oldRate) != compact(l.rate));
        l.changed = l.mode != oldMode || l.stats.up != s.up ||
                    compact(double(l.stats.dropped)) != compact(double(s.dropped)) || rateShown;
        l.stats = s;
        if (l.changed && changedLinks) changedLinks->append(m_linkIds.value(int(i)));
    }
}

QStringList LiveOverlay::step()
{
    QStringList ids;
    if (!m_active) return ids;
    const qint64 wall = m_clock();
    for (std::size_t i = 0; i < m_links.size(); ++i) {
        LinkState &l = m_links[i];
        if (l.dots.empty()) continue;
        if (l.mode == LinkMode::Dots) ids << m_linkIds.value(int(i));
        std::erase_if(l.dots, [&](const Dot &d) {
            const bool virtualDone = m_ended || m_now >= d.arrival;
            return virtualDone && wall - d.seenMs >= kMinTravelMs;
        });
    }
    return ids;
}

bool LiveOverlay::hasDots() const
{
    for (const LinkState &l : m_links)
        if (!l.dots.empty()) return true;
    return false;
}

const LiveNodeStats *LiveOverlay::node(const QString &id) const
{
    if (!m_active || !m_snapshot) return nullptr;
    const auto it = m_nodeIndex.constFind(id);
    if (it == m_nodeIndex.cend() || std::size_t(it.value()) >= m_snapshot->nodes.size()) return nullptr;
    return &m_snapshot->nodes[std::size_t(it.value())];
}

const LiveOverlay::LinkState *LiveOverlay::link(const QString &id) const
{
    if (!m_active || !m_snapshot) return nullptr;
    return link(linkIndex(id));
}

int LiveOverlay::linkIndex(const QString &id) const
{
    const auto it = m_linkIndex.constFind(id);
    return it == m_linkIndex.cend() ? -1 : it.value();
}

const LiveOverlay::LinkState *LiveOverlay::link(int index) const
{
    if (!m_active || !m_snapshot || index < 0 || std::size_t(index) >= m_links.size()) return nullptr;
    return &m_links[std::size_t(index)];
}

std::vector<LiveOverlay::DotPosition> LiveOverlay::dotPositions(const QString &linkId) const
{
    return dotPositions(linkIndex(linkId));
}

std::vector<LiveOverlay::DotPosition> LiveOverlay::dotPositions(int linkIndex) const
{
    std::vector<DotPosition> out;
    if (!m_active || linkIndex < 0 || std::size_t(linkIndex) >= m_links.size()) return out;
    const LinkState &l = m_links[std::size_t(linkIndex)];
    if (l.mode != LinkMode::Dots) return out;
    const qint64 wall = m_clock();
    out.reserve(l.dots.size());
    for (const Dot &d : l.dots) {
        // As far as virtual time has carried it, but no faster than the eye can follow.
        const double virtualFraction =
            d.arrival > d.sent && !m_ended ? double(m_now - d.sent) / double(d.arrival - d.sent) : 1.0;
        const double wallFraction = double(wall - d.seenMs) / double(kMinTravelMs);
        const double f = std::clamp(std::min(virtualFraction, wallFraction), 0.0, 1.0);
        if (f >= 1.0) continue;
        out.push_back({d.forward ? f : 1.0 - f, d.message});
    }
    return out;
}

void LiveOverlay::setFaults(const std::vector<FaultActivation> &active, QStringList *changedNodes,
                            QStringList *changedLinks)
{
    if (!m_active) return;
    QHash<QString, QList<Fault>> links, nodes;
    for (const FaultActivation &a : active) {
        const FaultKindSpec *spec = KindRegistry::builtin().findFault(a.kind);
        if (!spec) continue;
        const Fault f{QString::fromStdString(a.id), QString::fromStdString(a.kind), a.planned};
        const QString target = QString::fromStdString(a.target);
        if (spec->target == FaultTarget::Link) {
            if (m_linkIndex.contains(target)) links[target].append(f);
            continue;
        }
        // A node fault's target, or a nemesis's group ("a,b,c"; empty: every node, which marks none
        // in particular: its partitions show on the links it takes down).
        for (const QString &n : target.split(QLatin1Char(','), Qt::SkipEmptyParts))
            if (m_nodeIndex.contains(n)) nodes[n].append(f);
    }
    const auto diff = [](const QHash<QString, QList<Fault>> &before,
                         const QHash<QString, QList<Fault>> &after, QStringList *changed) {
        if (!changed) return;
        for (auto it = before.cbegin(); it != before.cend(); ++it)
            if (after.value(it.key()) != it.value()) changed->append(it.key());
        for (auto it = after.cbegin(); it != after.cend(); ++it)
            if (!before.contains(it.key())) changed->append(it.key());
    };
    diff(m_nodeFaults, nodes, changedNodes);
    diff(m_linkFaults, links, changedLinks);
    m_nodeFaults = std::move(nodes);
    m_linkFaults = std::move(links);
}

bool LiveOverlay::linkHasFault(const QString &linkId, const QString &kind) const
{
    const auto it = m_linkFaults.constFind(linkId);
    return it != m_linkFaults.cend() &&
           std::any_of(it->cbegin(), it->cend(), [&](const Fault &f) { return f.kind == kind; });
}

bool LiveOverlay::nodeHasFault(const QString &nodeId, const QString &kind) const
{
    const auto it = m_nodeFaults.constFind(nodeId);
    return it != m_nodeFaults.cend() &&
           std::any_of(it->cbegin(), it->cend(), [&](const Fault &f) { return f.kind == kind; });
}

QString LiveOverlay::compact(double value)
{
    const QLocale locale;
    if (value < 999.5) return locale.toString(qRound64(value));
    if (value < 999'500) return locale.toString(value / 1e3, 'g', value < 9'995 ? 2 : 3) + QLatin1Char('k');
    if (value < 999'500'000)
        return locale.toString(value / 1e6, 'g', value < 9'995'000 ? 2 : 3) + QLatin1Char('M');
    return locale.toString(value / 1e9, 'g', 3) + QLatin1Char('G');
}

} // namespace sb
