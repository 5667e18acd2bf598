#include "seriespickermodel.h"

#include "chartlegend.h"
#include "nodecolors.h"
#include "nodelabels.h"
#include "topology.h"

#include <QHash>

namespace sb {

SeriesPickerModel::SeriesPickerModel(QObject *parent) : QAbstractListModel(parent) {}

bool SeriesPickerModel::hasMetric(const QString &kind, SeriesMetric metric)
{
    switch (metric) {
    case SeriesMetric::Throughput:
    case SeriesMetric::Drops:
        return kind != QLatin1String("link");
    case SeriesMetric::LatencyP50:
    case SeriesMetric::LatencyP99:
    case SeriesMetric::LatencyMax:
        return kind == QLatin1String("consumer");
    case SeriesMetric::QueueDepth:
    case SeriesMetric::ConsumerLag:
    case SeriesMetric::Redeliveries:
    case SeriesMetric::DeadLetters:
        return kind == QLatin1String("queue");
    case SeriesMetric::LinkFrames:
    case SeriesMetric::LinkLosses:
        return kind == QLatin1String("link");
    }
    return false;
}

QList<SeriesTarget> SeriesPickerModel::nodeTargets(const Topology &topology)
{
    // The same label the sequence lifeline and the summary give the node.
    const std::vector<std::string> labels = nodeLabels(topology);
    QList<SeriesTarget> out;
    for (std::size_t i = 0; i < topology.nodes.size(); ++i) {
        const NodeDef &n = topology.nodes[i];
        out.append({QString::fromStdString(n.id), QString::fromStdString(labels[i]),
                    QString::fromStdString(n.kind), nodeColor(int(i)), Qt::SolidLine});
    }
    return out;
}

QList<SeriesTarget> SeriesPickerModel::linkTargets(const Topology &topology)
{
    static constexpr Qt::PenStyle kStyles[] = {Qt::SolidLine, Qt::DashLine, Qt::DotLine, Qt::DashDotLine,
                                               Qt::DashDotDotLine};
    const QList<SeriesTarget> nodes = nodeTargets(topology);
    QHash<QString, int> indexOf; // a lookup per link, not a scan (topologies with 40k links exist)
    for (int i = 0; i < nodes.size(); ++i)
        indexOf.insert(nodes[i].id, i);
    QHash<QString, int> perSource; // links seen so far from each node
    QList<SeriesTarget> out;
    for (const LinkDef &l : topology.links) {
        const QString from = QString::fromStdString(l.from), to = QString::fromStdString(l.to);
        const int fromIndex = indexOf.value(from, -1), toIndex = indexOf.value(to, -1);
        const QString fromName = fromIndex >= 0 ? nodes[fromIndex].name : from;
        const QString toName = toIndex >= 0 ? nodes[toIndex].name : to;
        const int nth = perSource[from]++;
        out.append({QString::fromStdString(l.id), QStringLiteral("%1 → %2").arg(fromName, toName),
                    QStringLiteral("link"), nodeColor(fromIndex), kStyles[nth % int(std::size(kStyles))]});
    }
    return out;
}

void SeriesPickerModel::setTargets(const QStringList &nodeIds, const QStringList &nodeKinds,
                                   const QStringList &linkIds)
{
    QList<SeriesTarget> nodes, links;
    for (int i = 0; i < nodeIds.size(); ++i)
        nodes.append({nodeIds[i], nodeIds[i], nodeKinds.value(i), nodeColor(i), Qt::SolidLine});
    for (const QString &id : linkIds)
        links.append({id, id, QStringLiteral("link"), nodeColor(-1), Qt::SolidLine});
    setTargets(nodes, links);
}

void SeriesPickerModel::setTargets(const QList<SeriesTarget> &nodes, const QList<SeriesTarget> &links)
{
    beginResetModel();
    m_targets.clear();
    for (int i = 0; i < nodes.size(); ++i)
        m_targets.append({nodes[i], i, false, true});
    for (int i = 0; i < links.size(); ++i)
        m_targets.append({links[i], i, true, true});
    rebuildRows();
    endResetModel();
    Q_EMIT checkedChanged();
}

SeriesTarget SeriesPickerModel::target(SeriesMetric metric, int index) const
{
    const bool link = seriesMetricIsLink(metric);
    for (const Target &t : m_targets)
        if (t.link == link && t.index == index) return t.what;
    return {};
}

void SeriesPickerModel::setMetric(SeriesMetric metric)
{
    if (metric == m_metric) return;
    beginResetModel();
    m_metric = metric;
    rebuildRows();
    endResetModel();
    Q_EMIT checkedChanged();
}

void SeriesPickerModel::rebuildRows()
{
    m_rows.clear();
    for (int i = 0; i < m_targets.size(); ++i)
        if (hasMetric(m_targets[i].what.kind, m_metric)) m_rows.append(i);
}

QList<int> SeriesPickerModel::checkedTargets() const
{
    QList<int> out;
    for (int i : m_rows)
        if (m_targets[i].checked) out.append(m_targets[i].index);
    return out;
}

void SeriesPickerModel::setAllChecked(bool checked)
{
    for (int i : m_rows)
        m_targets[i].checked = checked;
    if (!m_rows.isEmpty()) Q_EMIT dataChanged(index(0), index(int(m_rows.size()) - 1), {Qt::CheckStateRole});
    Q_EMIT checkedChanged();
}

int SeriesPickerModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

QVariant SeriesPickerModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid)) return {};
    const Target &t = m_targets[m_rows[index.row()]];
    switch (role) {
    case Qt::DisplayRole:
        return t.what.name;
    case Qt::ToolTipRole:
        return t.what.name == t.what.id
                   ? QStringLiteral("%1 (%2)").arg(t.what.id, t.what.kind)
                   : QStringLiteral("%1 (%2, %3)").arg(t.what.name, t.what.id, t.what.kind);
    case Qt::DecorationRole:
        return lineSampleIcon(t.what.color, t.what.style);
    case Qt::CheckStateRole:
        return t.checked ? Qt::Checked : Qt::Unchecked;
    case TargetRole:
        return t.index;
    case KindRole:
        return t.what.kind;
    case IdRole:
        return t.what.id;
    case ColorRole:
        return t.what.color;
    case PenStyleRole:
        return int(t.what.style);
    default:
        return {};
    }
}

bool SeriesPickerModel::setData(const QModelIndex &index, const QVariant &value, int role)
{
    if (role != Qt::CheckStateRole ||
        !checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return false;
    Target &t = m_targets[m_rows[index.row()]];
    const bool checked = value.toInt() == Qt::Checked;
    if (checked == t.checked) return true;
    t.checked = checked;
    Q_EMIT dataChanged(index, index, {Qt::CheckStateRole});
    Q_EMIT checkedChanged();
    return true;
}

Qt::ItemFlags SeriesPickerModel::flags(const QModelIndex &index) const
{
    if (!index.isValid()) return Qt::NoItemFlags;
    return Qt::ItemIsEnabled | Qt::ItemIsSelectable | Qt::ItemIsUserCheckable | Qt::ItemNeverHasChildren;
}

} // namespace sb
