#include "logmetrics.h"

#include <algorithm>

namespace sb {

std::vector<std::string> consumerGroupNames(const Topology &t, const KindRegistry &registry)
{
    std::vector<std::string> names;
    const auto add = [&names](const std::string &name) {
        if (!name.empty() && std::find(names.begin(), names.end(), name) == names.end())
            names.push_back(name);
    };
    // The groups set in the file first, then those members join by their kind's default.
    for (const NodeDef &n : t.nodes)
        if (auto g = n.properties.find("groupId"); g != n.properties.end() && g->is_string())
            add(g->get<std::string>());
    for (const NodeDef &n : t.nodes) {
        const NodeKindSpec *spec = registry.find(n.kind);
        if (!spec || !spec->property("groupId")) continue;
        const Json &value = PropertyBag(spec->properties, n.properties).value("groupId");
        if (value.is_string()) add(value.get<std::string>());
    }
    return names;
}

LogMetrics::LogMetrics(const Topology &t, const KindRegistry &registry) : m_topicOf(t.nodes.size(), kNoIndex)
{
    for (NodeIndex i = 0; i < t.nodes.size(); ++i) {
        const NodeKindSpec *spec = registry.find(t.nodes[i].kind);
        if (!spec || spec->deliveryRole != DeliveryRole::Log || !spec->property("partitions")) continue;
        const PropertyBag p(spec->properties, t.nodes[i].properties);
        std::vector<PartitionFigures> parts(
            static_cast<std::size_t>(std::max<std::int64_t>(p.integer("partitions"), 1)));
        const std::uint32_t rf = spec->property("replicationFactor")
                                     ? static_cast<std::uint32_t>(p.integer("replicationFactor"))
                                     : 1;
        for (auto &f : parts)
            f.replicas = rf;
        m_topics.emplace(i, std::move(parts));
    }
    for (const auto &l : t.links) {
        const auto from = t.nodeIndex(l.from), to = t.nodeIndex(l.to);
        if (!from || !to) continue;
        // A consumer's group is the topic it reads (a processor also writes another one).
        if (m_topics.count(static_cast<NodeIndex>(*from))) m_topicOf[*to] = static_cast<NodeIndex>(*from);
    }
}

const std::vector<PartitionFigures> &LogMetrics::partitions(NodeIndex topic) const
{
    static const std::vector<PartitionFigures> none;
    auto it = m_topics.find(topic);
    return it == m_topics.end() ? none : it->second;
}

std::vector<NodeIndex> LogMetrics::topics() const
{
    std::vector<NodeIndex> out;
    for (const auto &[n, parts] : m_topics)
        out.push_back(n);
    return out;
}

PartitionFigures *LogMetrics::partition(NodeIndex topic, std::uint32_t p)
{
    auto it = m_topics.find(topic);
    if (it == m_topics.end() || p >= it->second.size()) return nullptr;
    return &it->second[p];
}

void LogMetrics::setIsr(PartitionFigures &f, std::uint32_t isr, SimTime now)
{
    const bool wasUnder = f.underSince != kNever;
    f.isr = isr;
    const bool under = isr < f.replicas;
    if (under && !wasUnder) f.underSince = now;
    if (!under && wasUnder) {
        f.underReplicated += now - f.underSince;
        f.underSince = kNever;
    }
}

void LogMetrics::onEvent(const TraceEvent &e)
{
    switch (e.kind) {
    case TraceKind::Append:
    case TraceKind::Marker: // a transaction's control record takes an offset too
        if (auto *f = partition(e.node, e.partition)) {
            f->logEnd = e.offset + 1; // the leader appends in offset order
            if (f->isr == 0) setIsr(*f, f->replicas, e.time);
        }
        break;
    case TraceKind::HighWatermark:
        if (auto *f = partition(e.node, e.partition)) f->highWatermark = e.offset;
        break;
    case TraceKind::Truncate:
        if (auto *f = partition(e.node, e.partition); f && e.aux == f->leader) f->logEnd = e.offset;
        break;
    case TraceKind::Retention:
        if (auto *f = partition(e.node, e.partition)) f->logStart = std::max(f->logStart, e.offset);
        break;
    case TraceKind::IsrShrink:
    case TraceKind::IsrExpand:
        if (auto *f = partition(e.node, e.partition)) setIsr(*f, e.deliveryCount, e.time);
        break;
    case TraceKind::LeaderElect:
        if (auto *f = partition(e.node, e.partition)) {
            if (f->leaderEpoch > 0 || f->leader >= 0) ++f->elections;
            if (e.flags & TraceFlag::Unclean) ++f->uncleanElections;
            f->leader = static_cast<std::int32_t>(e.aux);
            f->leaderEpoch = e.epoch;
        }
        break;
    case TraceKind::Commit:
        if (e.group != kNoIndex && e.partition != kNoIndex) {
            GroupFigures &g = m_groups[e.group];
            if (g.topic == kNoIndex) g.topic = e.node;
            g.partitions[e.partition].committed = e.offset;
        }
        break;
    case TraceKind::Rebalance:
        if (e.group != kNoIndex) {
            GroupFigures &g = m_groups[e.group];
            if (g.topic == kNoIndex) g.topic = e.node;
            ++g.rebalances;
            g.generation = e.epoch;
        }
        break;
    case TraceKind::Join:
        if (e.group != kNoIndex) {
            GroupFigures &g = m_groups[e.group];
            if (g.topic == kNoIndex && e.node < m_topicOf.size()) g.topic = m_topicOf[e.node];
            g.members.insert(e.node);
            g.generation = std::max(g.generation, e.epoch);
        }
        break;
    case TraceKind::Leave:
        // The coordinator traces a session expiry (aux 1) with the member as peer.
        if (e.group != kNoIndex)
            m_groups[e.group].members.erase(e.aux == 1 && e.peer != kNoIndex ? e.peer : e.node);
        break;
    case TraceKind::Assign:
        if (e.group != kNoIndex && e.partition != kNoIndex) {
            GroupFigures &g = m_groups[e.group];
            if (g.topic == kNoIndex && e.node < m_topicOf.size()) g.topic = m_topicOf[e.node];
            auto &p = g.partitions[e.partition];
            if (p.unassignedSince != kNever) {
                p.unassigned += e.time - p.unassignedSince;
                p.unassignedSince = kNever;
            }
            p.owner = e.node;
        }
        break;
    case TraceKind::Revoke:
        if (e.group != kNoIndex && e.partition != kNoIndex) {
            auto &p = m_groups[e.group].partitions[e.partition];
            if (p.owner == e.node) {
                p.owner = kNoIndex;
                p.unassignedSince = e.time;
            }
        }
        break;
    case TraceKind::Crash: {
        // A crashed member owns nothing any more: its partitions stand unassigned until the
        // group gives them to someone.
        for (auto &[index, g] : m_groups) {
            if (!g.members.erase(e.node)) continue;
            for (auto &[p, f] : g.partitions)
                if (f.owner == e.node) {
                    f.owner = kNoIndex;
                    f.unassignedSince = e.time;
                }
        }
        break;
    }
    default:
        break;
    }
}

std::int64_t LogMetrics::lag(std::uint32_t group, std::uint32_t partition) const
{
    auto g = m_groups.find(group);
    if (g == m_groups.end()) return 0;
    const auto &parts = this->partitions(g->second.topic);
    if (partition >= parts.size()) return 0;
    const PartitionFigures &f = parts[partition];
    auto gp = g->second.partitions.find(partition);
    const std::int64_t committed =
        gp != g->second.partitions.end() && gp->second.committed >= 0 ? gp->second.committed : f.logStart;
    return std::max<std::int64_t>(0, f.logEnd - committed);
}

std::int64_t LogMetrics::totalLag(std::uint32_t group) const
{
    auto g = m_groups.find(group);
    if (g == m_groups.end()) return 0;
    std::int64_t total = 0;
    for (std::uint32_t p = 0; p < partitions(g->second.topic).size(); ++p)
        total += lag(group, p);
    return total;
}

SimTime LogMetrics::underReplicatedTime(NodeIndex topic, std::uint32_t partition, SimTime now) const
{
    const auto &parts = partitions(topic);
    if (partition >= parts.size()) return 0;
    const PartitionFigures &f = parts[partition];
    return f.underReplicated + (f.underSince != kNever ? now - f.underSince : 0);
}

SimTime LogMetrics::unassignedTime(std::uint32_t group, std::uint32_t partition, SimTime now) const
{
    auto g = m_groups.find(group);
    if (g == m_groups.end()) return 0;
    auto p = g->second.partitions.find(partition);
    if (p == g->second.partitions.end()) return 0;
    return p->second.unassigned + (p->second.unassignedSince != kNever ? now - p->second.unassignedSince : 0);
}

} // namespace sb
