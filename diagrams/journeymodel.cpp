#include "journeymodel.h"

namespace sb {

JourneyModel::JourneyModel(QObject *parent) : QAbstractTableModel(parent) {}

void JourneyModel::setMessage(const SequenceHistory *history, std::uint64_t id, const QStringList &nodeNames,
                              const QStringList &linkIds)
{
    beginResetModel();
    m_id = id;
    m_nodeNames = nodeNames;
    m_linkIds = linkIds;
    m_events.clear();
    m_indices = history && id ? history->journey(id) : std::vector<std::size_t>{};
    for (std::size_t i : m_indices)
        m_events.push_back(history->at(i));
    endResetModel();
}

QString JourneyModel::nodeName(NodeIndex n) const
{
    if (n == kNoIndex) return {};
    return n < NodeIndex(m_nodeNames.size()) ? m_nodeNames[int(n)] : QString::number(n);
}

QString JourneyModel::summary() const
{
    if (!m_id) return tr("No message selected: click an arrow in the diagram.");
    if (m_events.empty()) return tr("Message #%1: no events kept (older than the history holds).").arg(m_id);
    int hops = 0, processed = 0, drops = 0, redeliveries = 0;
    QString publisher;
    SimTime published = -1;
    for (const auto &e : m_events) {
        if (e.messageId != m_id) continue;
        if (e.kind == TraceKind::Send) ++hops;
        if (e.kind == TraceKind::Process) ++processed;
        if (e.kind == TraceKind::Drop) ++drops;
        if (e.kind == TraceKind::Redeliver) ++redeliveries;
        if (e.kind == TraceKind::Publish && published < 0) {
            published = e.time;
            publisher = nodeName(e.node);
        }
    }
    QString text = tr("Message #%1").arg(m_id);
    if (published >= 0)
        text +=
            tr(": published by %1 at %2").arg(publisher, QString::fromStdString(formatDuration(published)));
    text += tr(", %1 frames on links, processed %2 times").arg(hops).arg(processed);
    if (redeliveries) text += tr(", %1 redeliveries").arg(redeliveries);
    if (drops) text += tr(", %1 drops").arg(drops);
    if (m_events.front().correlationId) text += tr(", correlation id %1").arg(m_events.front().correlationId);
    return text;
}

int JourneyModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_events.size());
}

int JourneyModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant JourneyModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid)) return {};
    const TraceEvent &e = m_events[std::size_t(index.row())];
    if (role == HistoryIndexRole) return qulonglong(m_indices[std::size_t(index.row())]);
    if (role == MessageIdRole) return qulonglong(e.messageId);
    if (role == Qt::TextAlignmentRole && (index.column() == TimeColumn || index.column() == DeliveryColumn))
        return int(Qt::AlignRight | Qt::AlignVCenter);
    if (role != Qt::DisplayRole && role != Qt::ToolTipRole) return {};
    switch (index.column()) {
    case TimeColumn:
        return QString::fromStdString(formatDuration(e.time));
    case EventColumn: {
        QString kind = QString::fromLatin1(traceKindName(e.kind));
        if (e.kind == TraceKind::Send || (e.kind == TraceKind::Drop && e.link != kNoIndex))
            kind += QLatin1Char(' ') + QString::fromLatin1(frameTypeName(e.frame));
        if (e.messageId != m_id) kind += tr(" (#%1)").arg(e.messageId);
        return kind;
    }
    case NodeColumn:
        return nodeName(e.node);
    case PeerColumn:
        return nodeName(e.peer);
    case LinkColumn:
        return e.link != kNoIndex && e.link < LinkIndex(m_linkIds.size()) ? m_linkIds[int(e.link)]
                                                                          : QString();
    case DeliveryColumn:
        return e.deliveryCount ? QVariant(e.deliveryCount) : QVariant();
    case DetailColumn: {
        QStringList parts;
        if (e.kind == TraceKind::Send)
            parts << tr("arrives %1").arg(QString::fromStdString(formatDuration(e.aux)));
        if (e.reason != DropReason::None) parts << QString::fromLatin1(dropReasonName(e.reason));
        if (e.kind == TraceKind::Process)
            parts << tr("latency %1").arg(QString::fromStdString(formatDuration(e.aux)));
        if (e.kind == TraceKind::Enqueue || e.kind == TraceKind::Deliver) parts << tr("ready %1").arg(e.aux);
        if (e.flags & TraceFlag::NoAck) parts << tr("auto-ack");
        if (e.flags & TraceFlag::Requeue) parts << tr("requeue");
        if (e.flags & TraceFlag::Confirmed) parts << tr("confirm asked");
        return parts.join(QLatin1String(", "));
    }
    default:
        return {};
    }
}

QVariant JourneyModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case TimeColumn:
        return tr("Time");
    case EventColumn:
        return tr("Event");
    case NodeColumn:
        return tr("At");
    case PeerColumn:
        return tr("Peer");
    case LinkColumn:
        return tr("Link");
    case DeliveryColumn:
        return tr("Delivery");
    case DetailColumn:
        return tr("Detail");
    default:
        return {};
    }
}

} // namespace sb
