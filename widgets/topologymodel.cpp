#include "topologymodel.h"

namespace sb {

namespace {

QString valueText(const Json &value)
{
    if (value.is_string()) return QString::fromStdString(value.get<std::string>());
    if (value.is_array()) {
        QStringList items;
        for (const auto &item : value)
            items << valueText(item);
        return QLatin1Char('[') + items.join(QLatin1String(", ")) + QLatin1Char(']');
    }
    return QString::fromStdString(value.dump());
}

} // namespace

TopologyModel::TopologyModel(QObject *parent) : QAbstractTableModel(parent) {}

void TopologyModel::setTopology(const Topology &topology)
{
    beginResetModel();
    m_topology = topology;
    endResetModel();
}

void TopologyModel::clear()
{
    setTopology({});
}

int TopologyModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_topology.nodes.size());
}

int TopologyModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant TopologyModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid)) return {};
    const NodeDef &node = m_topology.nodes[static_cast<std::size_t>(index.row())];
    if (role == Qt::DisplayRole) {
        switch (index.column()) {
        case IdColumn:
            return QString::fromStdString(node.id);
        case NameColumn:
            return QString::fromStdString(node.name.empty() ? node.id : node.name);
        case KindColumn:
            return QString::fromStdString(node.kind);
        case PropertiesColumn:
            return propertiesText(node);
        default:
            return {};
        }
    }
    if (role == Qt::ToolTipRole) {
        if (index.column() == KindColumn) {
            if (const NodeKindSpec *spec = KindRegistry::builtin().find(node.kind))
                return QString::fromStdString(spec->label + ": " + spec->help);
        }
        if (index.column() == PropertiesColumn) return propertiesText(node);
    }
    return {};
}

QVariant TopologyModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
    switch (section) {
    case IdColumn:
        return tr("Id");
    case NameColumn:
        return tr("Name");
    case KindColumn:
        return tr("Kind");
    case PropertiesColumn:
        return tr("Properties");
    default:
        return {};
    }
}

QString TopologyModel::propertiesText(const NodeDef &node)
{
    const NodeKindSpec *spec = KindRegistry::builtin().find(node.kind);
    QStringList parts;
    for (const auto &[key, value] : node.properties.items()) {
        QString text = QString::fromStdString(key) + QLatin1Char(' ') + valueText(value);
        if (spec) {
            const PropertySpec *property = spec->property(key);
            // Durations given as strings ("250ms") already carry their unit.
            if (property && !property->unit.empty() && value.is_number())
                text += QLatin1Char(' ') + QString::fromStdString(property->unit);
        }
        parts << text;
    }
    return parts.join(QLatin1String(", "));
}

} // namespace sb
