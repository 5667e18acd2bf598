#include "seriespickermodel.h"

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

void SeriesPickerModel::setTargets(const QStringList &nodeIds, const QStringList &nodeKinds,
                                   const QStringList &linkIds)
{
    beginResetModel();
    m_targets.clear();
    for (int i = 0; i < nodeIds.size(); ++i)
        m_targets.append({nodeIds[i], nodeKinds.value(i), i, false, true});
    for (int i = 0; i < linkIds.size(); ++i)
        m_targets.append({linkIds[i], QStringLiteral("link"), i, true, true});
    rebuildRows();
    endResetModel();
    Q_EMIT checkedChanged();
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
        if (hasMetric(m_targets[i].kind, m_metric)) m_rows.append(i);
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
        return t.id;
    case Qt::ToolTipRole:
        return QStringLiteral("%1 (%2)").arg(t.id, t.kind);
    case Qt::CheckStateRole:
        return t.checked ? Qt::Checked : Qt::Unchecked;
    case TargetRole:
        return t.index;
    case KindRole:
        return t.kind;
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
