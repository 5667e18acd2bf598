#include "eventlogmodel.h"

#include "callstatus.h"
#include "logmetrics.h"
#include "nodelabels.h"
#include "sequence.h"
#include "topology.h"

#include <algorithm>

namespace sb {

EventLogModel::EventLogModel(std::size_t capacity, QObject *parent)
    : QAbstractTableModel(parent), m_capacity(std::max<std::size_t>(capacity, 1))
{
}

void EventLogModel::appendBatch(const std::vector<TraceEvent> &events)
{
    if (events.empty()) return;
    // Of a batch larger than the whole log only the newest events could be kept anyway.
    const std::size_t skip = events.size() > m_capacity ? events.size() - m_capacity : 0;
    const std::size_t incoming = events.size() - skip;
    m_discarded += skip;

    const std::size_t free = m_capacity - m_events.size();
    if (incoming > free) {
        const std::size_t drop = incoming - free;
        beginRemoveRows({}, 0, static_cast<int>(drop) - 1);
        m_events.erase(m_events.begin(), m_events.begin() + static_cast<std::ptrdiff_t>(drop));
        m_discarded += drop;
        endRemoveRows();
    }

    const int first = static_cast<int>(m_events.size());
    beginInsertRows({}, first, first + static_cast<int>(incoming) - 1);
    m_events.insert(m_events.end(), events.begin() + static_cast<std::ptrdiff_t>(skip), events.end());
    endInsertRows();
}

void EventLogModel::setNames(const QStringList &nodeIds, const QStringList &linkIds,
                             const QStringList &nodeNames)
{
    m_nodeIds = nodeIds;
    m_nodeNames = nodeNames.size() == nodeIds.size() ? nodeNames : nodeIds;
    m_linkIds = linkIds;
    m_nodeIndex.clear();
    m_nameIndex.clear();
    for (int i = 0; i < m_nodeIds.size(); ++i) {
        m_nodeIndex.insert(m_nodeIds[i], static_cast<NodeIndex>(i));
        m_nameIndex.insert(m_nodeNames[i], static_cast<NodeIndex>(i));
    }
    if (!m_events.empty())
        Q_EMIT dataChanged(index(0, NodeColumn), index(rowCount() - 1, LinkColumn),
                           {Qt::DisplayRole, Qt::ToolTipRole});
}

void EventLogModel::setTopology(const Topology &topology)
{
    QStringList ids, names, links;
    for (const NodeDef &n : topology.nodes)
        ids << QString::fromStdString(n.id);
    for (const std::string &label : nodeLabels(topology))
        names << QString::fromStdString(label);
    for (const LinkDef &l : topology.links)
        links << QString::fromStdString(l.id);
    setNames(ids, links, names);
    QStringList groups;
    for (const std::string &g : consumerGroupNames(topology))
        groups << QString::fromStdString(g);
    setGroupNames(groups);
}

void EventLogModel::setGroupNames(const QStringList &names)
{
    m_groupNames = names;
    if (!m_events.empty())
        Q_EMIT dataChanged(index(0, DetailColumn), index(rowCount() - 1, DetailColumn),
                           {Qt::DisplayRole, Qt::ToolTipRole});
}

NodeIndex EventLogModel::nodeIndex(const QString &idOrName) const
{
    const NodeIndex byId = m_nodeIndex.value(idOrName, kNoIndex);
    return byId != kNoIndex ? byId : m_nameIndex.value(idOrName, kNoIndex);
}

void EventLogModel::clear()
{
    beginResetModel();
    m_events.clear();
    m_discarded = 0;
    endResetModel();
}

const TraceEvent &EventLogModel::eventAt(int row) const
{
    Q_ASSERT(row >= 0 && static_cast<std::size_t>(row) < m_events.size());
    return m_events[static_cast<std::size_t>(row)];
}

QString EventLogModel::nodeName(NodeIndex index) const
{
    if (index == kNoIndex) return {};
    if (index < static_cast<NodeIndex>(m_nodeNames.size())) return m_nodeNames[static_cast<int>(index)];
    return QString::number(index);
}

QString EventLogModel::nodeId(NodeIndex index) const
{
    if (index == kNoIndex) return {};
    if (index < static_cast<NodeIndex>(m_nodeIds.size())) return m_nodeIds[static_cast<int>(index)];
    return QString::number(index);
}

QString EventLogModel::linkName(LinkIndex index) const
{
    if (index == kNoIndex) return {};
    if (index < static_cast<LinkIndex>(m_linkIds.size())) return m_linkIds[static_cast<int>(index)];
    return QString::number(index);
}

int EventLogModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_events.size());
}

int EventLogModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant EventLogModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid)) return {};
    const TraceEvent &e = eventAt(index.row());
    switch (role) {
    case Qt::DisplayRole:
        return displayData(e, index.column());
    case Qt::ToolTipRole:
        if (index.column() == TimeColumn) return tr("%1 ns").arg(e.time);
        if (index.column() == DetailColumn) return detailText(e, m_groupNames);
        if (index.column() == NodeColumn && e.node != kNoIndex) return tr("id: %1").arg(nodeId(e.node));
        if (index.column() == PeerColumn && e.peer != kNoIndex) return tr("id: %1").arg(nodeId(e.peer));
        return {};
    case Qt::TextAlignmentRole:
        switch (index.column()) {
        case TimeColumn:
        case MessageColumn:
        case CorrelationColumn:
        case DeliveriesColumn:
            return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
        default:
            return QVariant::fromValue(Qt::AlignLeft | Qt::AlignVCenter);
        }
    case TimeRole:
        return QVariant::fromValue<qint64>(e.time);
    case KindRole:
        return static_cast<int>(e.kind);
    case NodeIndexRole:
        return QVariant::fromValue<uint>(e.node);
    case PeerIndexRole:
        return QVariant::fromValue<uint>(e.peer);
    case MessageIdRole:
        return QVariant::fromValue<qulonglong>(e.messageId);
    default:
        return {};
    }
}

QVariant EventLogModel::displayData(const TraceEvent &e, int column) const
{
    switch (column) {
    case TimeColumn:
        return QString::fromStdString(formatDuration(e.time));
    case KindColumn:
        return QString::fromLatin1(traceKindName(e.kind));
    case NodeColumn:
        return nodeName(e.node);
    case PeerColumn:
        return nodeName(e.peer);
    case LinkColumn:
        return linkName(e.link);
    case MessageColumn:
        return e.messageId ? QString::number(e.messageId) : QString();
    case CorrelationColumn:
        return e.correlationId ? QString::number(e.correlationId) : QString();
    case DeliveriesColumn:
        return e.deliveryCount ? QString::number(e.deliveryCount) : QString();
    case ReasonColumn:
        return e.reason == DropReason::None ? QString() : QString::fromLatin1(dropReasonName(e.reason));
    case DetailColumn:
        return detailText(e, m_groupNames);
    default:
        return {};
    }
}

QVariant EventLogModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal) return {};
    if (role != Qt::DisplayRole) return {};
    switch (section) {
    case TimeColumn:
        return tr("Time");
    case KindColumn:
        return tr("Kind");
    case NodeColumn:
        return tr("Node");
    case PeerColumn:
        return tr("Peer");
    case LinkColumn:
        return tr("Link");
    case MessageColumn:
        return tr("Message");
    case CorrelationColumn:
        return tr("Correlation");
    case DeliveriesColumn:
        return tr("Deliveries");
    case ReasonColumn:
        return tr("Reason");
    case DetailColumn:
        return tr("Detail");
    default:
        return {};
    }
}

QString EventLogModel::detailText(const TraceEvent &e, const QStringList &groupNames)
{
    const auto duration = [](std::int64_t t) { return QString::fromStdString(formatDuration(t)); };
    const auto status = [](std::uint16_t s) { return QString::fromStdString(statusName(s)); };
    const QString group = e.group == kNoIndex                          ? QString()
                          : e.group < std::uint32_t(groupNames.size()) ? groupNames[int(e.group)]
                                                                       : QString::number(e.group);
    if (isLogMark(e.kind)) return QString::fromStdString(logMarkDetails(e, group.toStdString()));
    if (isDomainMark(e.kind)) return QString::fromStdString(domainMarkDetails(e));
    // A Kafka or SQS frame in the protocol's words, with the partition it is about.
    QString protocol = QString::fromStdString(protocolFrameText(e));
    if (!protocol.isEmpty() && e.partition != kNoIndex) protocol += tr(", partition %1").arg(e.partition);
    switch (e.kind) {
    case TraceKind::Publish:
        return (e.flags & TraceFlag::Confirmed) ? tr("confirm requested") : QString();
    case TraceKind::Send:
        if (!protocol.isEmpty()) return tr("%1, arrives at %2").arg(protocol, duration(e.aux));
        if (e.status != kNoStatus)
            return tr("%1 frame (%2), arrives at %3")
                .arg(QLatin1String(frameTypeName(e.frame)), status(e.status), duration(e.aux));
        return tr("%1 frame, arrives at %2").arg(QLatin1String(frameTypeName(e.frame)), duration(e.aux));
    case TraceKind::Call:
        return e.aux > 0 ? tr("downstream of call %1").arg(e.aux) : QString();
    case TraceKind::Accept:
    case TraceKind::Execute:
        return tr("queue depth %1").arg(e.aux);
    case TraceKind::Complete:
        return tr("%1 after %n attempt(s), latency %2", nullptr, int(e.deliveryCount))
            .arg(status(e.status), duration(e.aux));
    case TraceKind::Breaker:
        return tr("breaker %1").arg(QLatin1String(breakerStateName(e.aux)));
    case TraceKind::Unblock:
        return tr("blocked for %1").arg(duration(e.aux));
    case TraceKind::Enqueue:
        return tr("depth %1").arg(e.aux);
    case TraceKind::Deliver:
    case TraceKind::Redeliver:
        return (e.flags & TraceFlag::NoAck) ? tr("depth %1, auto-ack").arg(e.aux) : tr("depth %1").arg(e.aux);
    case TraceKind::Nack:
        return (e.flags & TraceFlag::Requeue) ? tr("requeue") : tr("no requeue");
    case TraceKind::Process:
        return tr("latency %1").arg(duration(e.aux));
    case TraceKind::Drop:
        if (e.link == kNoIndex)
            return e.reason == DropReason::UnknownCorrelation ? tr("late reply: no call waits for it")
                                                              : QString();
        if (!protocol.isEmpty()) return protocol;
        if (e.status != kNoStatus)
            return tr("%1 frame (%2)").arg(QLatin1String(frameTypeName(e.frame)), status(e.status));
        return tr("%1 frame").arg(QLatin1String(frameTypeName(e.frame)));
    default: {
        // The log's other events (append, replicate, high watermark, commit, join, leave...): where
        // in the log and for which group.
        QStringList parts;
        if (e.partition != kNoIndex) parts << tr("partition %1").arg(e.partition);
        if (e.offset >= 0) parts << tr("offset %1").arg(e.offset);
        if (e.group != kNoIndex) parts << tr("group %1").arg(group);
        return parts.join(QStringLiteral(", "));
    }
    }
}

} // namespace sb
