#include "livelogs.h"

#include "schema.h"
#include "simtime.h"

#include <QLocale>
#include <QObject>

#include <algorithm>

namespace sb {

namespace {

QString q(const std::string &s)
{
    return QString::fromStdString(s);
}

// "1 rebalance", "3 rebalances".
QString countOf(std::uint64_t n, const QString &one, const QString &many)
{
    return QStringLiteral("%1 %2").arg(n).arg(n == 1 ? one : many);
}

// The kinds that change what a topic's lanes or a group's assignment show.
bool changesLogs(TraceKind k)
{
    switch (k) {
    case TraceKind::Append:
    case TraceKind::HighWatermark:
    case TraceKind::IsrShrink:
    case TraceKind::IsrExpand:
    case TraceKind::LeaderElect:
    case TraceKind::Truncate:
    case TraceKind::Retention:
    case TraceKind::Commit:
    case TraceKind::Rebalance:
    case TraceKind::Join:
    case TraceKind::Leave:
    case TraceKind::Assign:
    case TraceKind::Revoke:
    case TraceKind::Crash:
        return true;
    default:
        return false;
    }
}

} // namespace

void LiveLogs::begin(const Topology &topology, const QStringList &groupNames)
{
    clear();
    m_metrics = std::make_unique<LogMetrics>(topology);
    m_runGroupNames = groupNames;
    const std::size_t n = topology.nodes.size();
    m_topicOf.assign(n, kNoIndex);
    m_leaderKnown.assign(n, {});
    for (std::size_t i = 0; i < n; ++i) {
        const NodeDef &node = topology.nodes[i];
        m_index.insert(q(node.id), int(i));
        m_ids << q(node.id);
        m_labels << q(node.name.empty() ? node.id : node.name);
        QString groupId;
        if (const NodeKindSpec *spec = KindRegistry::builtin().find(node.kind);
            spec && spec->property("groupId")) {
            const PropertyBag p(spec->properties, node.properties);
            groupId = q(p.string("groupId"));
        }
        m_groupIds << groupId;
    }
    for (NodeIndex t : m_metrics->topics())
        m_leaderKnown[t].assign(m_metrics->partitions(t).size(), false);
    for (const LinkDef &l : topology.links) {
        const auto from = topology.nodeIndex(l.from), to = topology.nodeIndex(l.to);
        if (!from || !to) continue;
        if (!m_leaderKnown[*from].empty()) m_topicOf[*to] = NodeIndex(*from);
        if (!m_leaderKnown[*to].empty()) m_topicOf[*from] = NodeIndex(*to);
    }
}

void LiveLogs::clear()
{
    m_metrics.reset();
    m_index.clear();
    m_ids.clear();
    m_labels.clear();
    m_groupIds.clear();
    m_topicOf.clear();
    m_runGroupNames.clear();
    m_leaderKnown.clear();
    m_now = 0;
}

QStringList LiveLogs::addEvents(const std::vector<TraceEvent> &events)
{
    QStringList changed;
    if (!m_metrics || events.empty()) return changed;
    std::vector<bool> touched(std::size_t(m_ids.size()), false);
    std::vector<std::uint32_t> groups; // groups whose members' assignment may have changed
    const auto touch = [&](NodeIndex n) {
        if (n < touched.size()) touched[n] = true;
    };
    for (const TraceEvent &e : events) {
        if (!changesLogs(e.kind)) continue;
        m_metrics->onEvent(e);
        if (e.kind == TraceKind::LeaderElect && e.node < m_leaderKnown.size() &&
            e.partition < m_leaderKnown[e.node].size())
            m_leaderKnown[e.node][e.partition] = true;
        touch(e.node);
        touch(e.peer);
        if (e.node < m_topicOf.size()) touch(m_topicOf[e.node]);
        if (e.group != kNoIndex && std::find(groups.begin(), groups.end(), e.group) == groups.end())
            groups.push_back(e.group);
        if (e.kind == TraceKind::Crash)
            for (const auto &[index, g] : m_metrics->groups())
                if (std::find(groups.begin(), groups.end(), index) == groups.end()) groups.push_back(index);
    }
    m_now = std::max(m_now, events.back().time);
    const auto &all = m_metrics->groups();
    for (std::uint32_t index : groups) {
        const auto it = all.find(index);
        if (it == all.end()) continue;
        touch(it->second.topic);
        // Every member shows the group's assignment, and one that left shows it too.
        for (std::size_t i = 0; i < touched.size(); ++i)
            if (m_topicOf[i] == it->second.topic && m_topicOf[i] != kNoIndex && !m_groupIds[int(i)].isEmpty())
                touched[i] = true;
    }
    for (std::size_t i = 0; i < touched.size(); ++i)
        if (touched[i]) changed << m_ids[int(i)];
    return changed;
}

bool LiveLogs::isTopic(const QString &id) const
{
    const auto i = indexOf(id);
    return m_metrics && i >= 0 && !m_leaderKnown[std::size_t(i)].empty();
}

std::vector<LiveLogs::Lane> LiveLogs::lanes(const QString &topicId) const
{
    std::vector<Lane> out;
    if (!isTopic(topicId)) return out;
    const auto topic = NodeIndex(indexOf(topicId));
    const QStringList names = groupNames(topicId);
    const auto &parts = m_metrics->partitions(topic);
    out.reserve(parts.size());
    for (std::uint32_t p = 0; p < parts.size(); ++p) {
        Lane lane;
        lane.partition = p;
        lane.figures = parts[p];
        lane.leaderKnown = m_leaderKnown[topic][p];
        lane.underReplicatedTime = m_metrics->underReplicatedTime(topic, p, m_now);
        lane.committed.assign(std::size_t(names.size()), -1);
        for (const auto &[index, g] : m_metrics->groups()) {
            if (g.topic != topic) continue;
            const auto slot = names.indexOf(groupName(index));
            const auto it = g.partitions.find(p);
            if (slot >= 0 && it != g.partitions.end())
                lane.committed[std::size_t(slot)] =
                    std::max(lane.committed[std::size_t(slot)], it->second.committed);
        }
        out.push_back(std::move(lane));
    }
    return out;
}

QString LiveLogs::groupName(std::uint32_t index) const
{
    if (index < std::uint32_t(m_runGroupNames.size())) return m_runGroupNames[int(index)];
    // Named while running (a default groupId): its members say which.
    if (m_metrics) {
        const auto it = m_metrics->groups().find(index);
        if (it != m_metrics->groups().end())
            for (NodeIndex member : it->second.members)
                if (member < NodeIndex(m_groupIds.size()) && !m_groupIds[int(member)].isEmpty())
                    return m_groupIds[int(member)];
    }
    return QObject::tr("group %1").arg(index);
}

QStringList LiveLogs::groupNames(const QString &topicId) const
{
    QStringList names;
    if (!isTopic(topicId)) return names;
    const auto topic = NodeIndex(indexOf(topicId));
    for (std::size_t i = 0; i < m_topicOf.size(); ++i)
        if (m_topicOf[i] == topic && !m_groupIds[int(i)].isEmpty() && !names.contains(m_groupIds[int(i)]))
            names << m_groupIds[int(i)];
    for (const auto &[index, g] : m_metrics->groups())
        if (g.topic == topic && !names.contains(groupName(index))) names << groupName(index);
    return names;
}

LiveLogs::Group LiveLogs::group(std::uint32_t index, const GroupFigures &figures) const
{
    Group g;
    g.name = groupName(index);
    if (figures.topic < NodeIndex(m_ids.size())) g.topic = m_ids[int(figures.topic)];
    g.generation = figures.generation;
    g.rebalances = figures.rebalances;
    g.lag = m_metrics->totalLag(index);
    const std::size_t partitions = m_metrics->partitions(figures.topic).size();
    for (NodeIndex m : figures.members) {
        if (m >= NodeIndex(m_ids.size())) continue;
        g.members.push_back({m_ids[int(m)], m_labels[int(m)], {}, 0});
    }
    for (std::uint32_t p = 0; p < partitions; ++p) {
        const auto it = figures.partitions.find(p);
        const NodeIndex owner = it != figures.partitions.end() ? it->second.owner : kNoIndex;
        auto member = std::find_if(g.members.begin(), g.members.end(), [&](const Member &x) {
            return owner < NodeIndex(m_ids.size()) && x.id == m_ids[int(owner)];
        });
        if (member == g.members.end()) {
            g.unassigned.push_back(p);
            continue;
        }
        member->partitions.push_back(p);
        member->lag += m_metrics->lag(index, p);
    }
    return g;
}

std::vector<LiveLogs::Group> LiveLogs::groups(const QString &topicId) const
{
    std::vector<Group> out;
    if (!isTopic(topicId)) return out;
    const auto topic = NodeIndex(indexOf(topicId));
    // In the lanes' order.
    const QStringList names = groupNames(topicId);
    for (const QString &name : names)
        for (const auto &[index, g] : m_metrics->groups())
            if (g.topic == topic && groupName(index) == name) out.push_back(group(index, g));
    return out;
}

bool LiveLogs::groupOfMember(const QString &consumerId, Group *out) const
{
    const auto i = indexOf(consumerId);
    if (!m_metrics || i < 0 || m_groupIds[int(i)].isEmpty()) return false;
    const auto topic = m_topicOf[std::size_t(i)];
    for (const auto &[index, g] : m_metrics->groups())
        if ((g.topic == topic || g.members.count(NodeIndex(i))) && groupName(index) == m_groupIds[int(i)]) {
            if (out) *out = group(index, g);
            return true;
        }
    return false;
}

QString LiveLogs::partitionsText(const std::vector<std::uint32_t> &partitions, int max)
{
    QStringList parts;
    for (std::uint32_t p : partitions) {
        if (parts.size() == max) {
            parts << QStringLiteral("+%1").arg(partitions.size() - std::size_t(max));
            break;
        }
        parts << QStringLiteral("P%1").arg(p);
    }
    return parts.join(QLatin1Char(' '));
}

QString LiveLogs::assignmentText(const Group &g)
{
    QStringList members;
    for (const Member &m : g.members)
        members << (m.partitions.empty()
                        ? QObject::tr("%1 (idle)").arg(m.label)
                        : QStringLiteral("%1 [%2]").arg(m.label, partitionsText(m.partitions)));
    QString text =
        QObject::tr("group %1, generation %2: %3")
            .arg(g.name)
            .arg(g.generation)
            .arg(members.isEmpty() ? QObject::tr("no members") : members.join(QStringLiteral(", ")));
    if (!g.unassigned.empty()) text += QObject::tr("; unassigned [%1]").arg(partitionsText(g.unassigned));
    return text;
}

QString LiveLogs::offsetsText(const Lane &lane)
{
    const QLocale locale;
    const auto number = [&](std::int64_t v) {
        return v < 10'000
                   ? locale.toString(v)
                   : QStringLiteral("%1k").arg(locale.toString(double(v) / 1e3, 'f', v < 100'000 ? 1 : 0));
    };
    if (lane.figures.logStart > 0)
        return QStringLiteral("%1\u2013%2").arg(number(lane.figures.logStart), number(lane.figures.logEnd));
    return number(lane.figures.logEnd);
}

QString LiveLogs::leaderText(const Lane &lane)
{
    if (lane.offline()) return QObject::tr("offline");
    if (!lane.leaderKnown) return {};
    QString text = QStringLiteral("L%1").arg(lane.figures.leader);
    if (lane.figures.isr > 0)
        text += QStringLiteral(" ISR %1/%2").arg(lane.figures.isr).arg(lane.figures.replicas);
    return text;
}

QStringList LiveLogs::topicLines(const QString &topicId) const
{
    QStringList lines;
    const std::vector<Lane> all = lanes(topicId);
    if (all.empty()) return lines;
    const QStringList names = groupNames(topicId);
    for (const Lane &l : all) {
        const PartitionFigures &f = l.figures;
        QString line = QObject::tr("P%1: log start %2, log end %3, high watermark %4")
                           .arg(l.partition)
                           .arg(f.logStart)
                           .arg(f.logEnd)
                           .arg(f.highWatermark);
        if (l.offline())
            line += QObject::tr(", offline (no leader)");
        else if (l.leaderKnown)
            line += QObject::tr(", leader broker %1 (epoch %2)").arg(f.leader).arg(f.leaderEpoch);
        if (f.isr > 0) line += QObject::tr(", ISR %1/%2").arg(f.isr).arg(f.replicas);
        if (l.underReplicated()) line += QObject::tr(" under-replicated");
        if (l.underReplicatedTime > 0)
            line += QObject::tr(", under-replicated %1 in all").arg(q(formatDuration(l.underReplicatedTime)));
        if (f.elections)
            line += QStringLiteral(", ") +
                    countOf(f.elections, QObject::tr("election"), QObject::tr("elections"));
        QStringList committed;
        for (int g = 0; g < names.size(); ++g)
            if (l.committed[std::size_t(g)] >= 0)
                committed << QStringLiteral("%1 %2").arg(names[g]).arg(l.committed[std::size_t(g)]);
        if (!committed.isEmpty())
            line += QObject::tr("; committed: %1").arg(committed.join(QStringLiteral(", ")));
        lines << line;
    }
    for (const Group &g : groups(topicId))
        lines << QObject::tr("%1; lag %2, %3")
                     .arg(assignmentText(g))
                     .arg(g.lag)
                     .arg(countOf(g.rebalances, QObject::tr("rebalance"), QObject::tr("rebalances")));
    return lines;
}

QStringList LiveLogs::memberLines(const QString &consumerId) const
{
    Group g;
    if (!groupOfMember(consumerId, &g)) return {};
    QStringList lines{assignmentText(g)};
    const auto me =
        std::find_if(g.members.begin(), g.members.end(), [&](const Member &m) { return m.id == consumerId; });
    if (me == g.members.end())
        lines << QObject::tr("not a member now");
    else if (me->partitions.empty())
        lines << QObject::tr("no partitions: idle");
    else
        lines << QObject::tr("its partitions %1, lag %2").arg(partitionsText(me->partitions)).arg(me->lag);
    lines << QObject::tr("group lag %1, %2")
                 .arg(g.lag)
                 .arg(countOf(g.rebalances, QObject::tr("rebalance"), QObject::tr("rebalances")));
    return lines;
}

} // namespace sb
