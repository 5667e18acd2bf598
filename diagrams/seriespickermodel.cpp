#include "seriespickermodel.h"

#include "chartlegend.h"
#include "nodecolors.h"
#include "nodelabels.h"
#include "schema.h"
#include "topology.h"

#include <QHash>

#include <algorithm>

namespace sb {

SeriesPickerModel::SeriesPickerModel(QObject *parent) : QAbstractListModel(parent) {}

namespace {

constexpr Qt::PenStyle kStyles[] = {Qt::SolidLine, Qt::DashLine, Qt::DotLine, Qt::DashDotLine,
                                    Qt::DashDotDotLine};

} // namespace

SeriesPickerModel::Family SeriesPickerModel::familyOf(SeriesKeyKind kind)
{
    switch (kind) {
    case SeriesKeyKind::Status:
        return Family::Status;
    case SeriesKeyKind::Method:
        return Family::Method;
    case SeriesKeyKind::Group:
        return Family::Group;
    case SeriesKeyKind::Item:
        return Family::Item;
    case SeriesKeyKind::None:
        break;
    }
    return Family::Node;
}

SeriesPickerModel::Family SeriesPickerModel::familyOf(SeriesMetric metric)
{
    if (seriesMetricIsKeyed(metric)) return familyOf(seriesMetricKey(metric));
    return seriesMetricIsLink(metric) ? Family::Link : Family::Node;
}

bool SeriesPickerModel::hasMetric(const QString &kind, SeriesMetric metric)
{
    return seriesMetricApplies(kind.toStdString(), metric);
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
        m_targets.append({nodes[i], i, Family::Node, true});
    for (int i = 0; i < links.size(); ++i)
        m_targets.append({links[i], i, Family::Link, true});
    rebuildRows();
    endResetModel();
    Q_EMIT checkedChanged();
}

SeriesTarget SeriesPickerModel::target(SeriesMetric metric, int index) const
{
    const Family family = familyOf(metric);
    for (const Target &t : m_targets)
        if (t.family == family && t.index == index) return t.what;
    return {};
}

int SeriesPickerModel::keyCount(SeriesKeyKind kind) const
{
    if (kind == SeriesKeyKind::None) return 0;
    const Family family = familyOf(kind);
    return int(std::count_if(m_targets.begin(), m_targets.end(),
                             [family](const Target &t) { return t.family == family; }));
}

void SeriesPickerModel::syncKeys(SeriesKeyKind kind, const std::vector<SeriesKey> &keys)
{
    if (kind == SeriesKeyKind::None) return;
    const Family family = familyOf(kind);
    const int have = keyCount(kind);
    if (int(keys.size()) <= have) return;
    // Colours and styles follow from the whole key list, so the same keys always look the same.
    QStringList labels;              // distinct statuses, in the order met
    QList<NodeIndex> clients;        // distinct clients, in the order met
    QHash<NodeIndex, int> perClient; // keys seen so far per client
    QList<std::uint32_t> groups;     // distinct consumer groups, in the order met
    QList<SeriesTarget> added;
    for (std::size_t k = 0; k < keys.size(); ++k) {
        const SeriesKey &key = keys[k];
        const QString label = QString::fromStdString(key.label);
        if (!labels.contains(label)) labels << label;
        if (!clients.contains(key.node)) clients << key.node;
        if (!groups.contains(key.group)) groups << key.group;
        const int nth = perClient[key.node]++;
        if (int(k) < have) continue;
        SeriesTarget t;
        const SeriesTarget client = target(SeriesMetric::Throughput, int(key.node));
        if (family == Family::Group) {
            // "lag billing P0": the topic's id in the tooltip; a partition's colour, the same in
            // every group, and a style per group.
            t.id = client.id.isEmpty() ? label : client.id + QLatin1Char(' ') + label;
            t.name = tr("lag %1").arg(label);
            t.kind = client.kind;
            t.color = nodeColor(key.partition == kNoIndex ? 0 : int(key.partition) + 1);
            t.style = kStyles[groups.indexOf(key.group) % int(std::size(kStyles))];
        } else if (family == Family::Item) {
            // "mean of items" first, bold and dark; then "item 17 from p3" in its origin's colour.
            if (key.item == 0) {
                t.id = label;
                t.name = tr("mean of items");
                t.color = QColor(Qt::darkGray);
            } else {
                t.id = client.id.isEmpty() ? label : client.id + QLatin1Char(' ') + label;
                t.name = client.id.isEmpty() ? label : tr("%1 from %2").arg(label, client.name);
                t.kind = client.kind;
                t.color = client.color;
                t.style = Qt::DashLine;
            }
        } else if (key.node == kNoIndex || client.id.isEmpty()) {
            t.id = label;
            t.name = tr("other (beyond %1 keys)").arg(TimeSeriesSink::kMaxKeys);
            t.color = QColor(Qt::gray);
        } else {
            t.id = client.id + QLatin1Char(' ') + label;
            t.name = client.name + QStringLiteral(" · ") + label;
            t.kind = client.kind;
            if (family == Family::Status) {
                t.color = nodeColor(int(labels.indexOf(label)));
                t.style = kStyles[clients.indexOf(key.node) % int(std::size(kStyles))];
            } else {
                t.color = client.color;
                t.style = kStyles[nth % int(std::size(kStyles))];
            }
        }
        added.append(t);
    }
    // Rows for the current metric come in at the end of the list.
    const bool visible = familyOf(m_metric) == family;
    const int firstRow = int(m_rows.size());
    if (visible) beginInsertRows({}, firstRow, firstRow + int(added.size()) - 1);
    for (qsizetype i = 0; i < added.size(); ++i) {
        m_targets.append({added[i], have + int(i), family, true});
        if (visible) m_rows.append(int(m_targets.size()) - 1);
    }
    if (visible) endInsertRows();
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

bool SeriesPickerModel::shows(const Target &t) const
{
    const Family family = familyOf(m_metric);
    if (t.family != family) return false;
    return family != Family::Node || hasMetric(t.what.kind, m_metric);
}

void SeriesPickerModel::rebuildRows()
{
    m_rows.clear();
    for (int i = 0; i < m_targets.size(); ++i)
        if (shows(m_targets[i])) m_rows.append(i);
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
