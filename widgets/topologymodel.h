#pragma once
// A read-only table of a topology's nodes: id, name, kind and the properties set in the file.
// It is the plain view of a topology until the canvas shows it as a diagram.
#include "topology.h"

#include <QAbstractTableModel>

namespace sb {

class TopologyModel : public QAbstractTableModel {
    Q_OBJECT

public:
    enum Column { IdColumn, NameColumn, KindColumn, PropertiesColumn, ColumnCount };

    explicit TopologyModel(QObject *parent = nullptr);

    void setTopology(const Topology &topology);
    void clear();
    const Topology &topology() const { return m_topology; }

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    // "rate 200 msg/s, arrival poisson, count 2000": the values set explicitly, with their units.
    static QString propertiesText(const NodeDef &node);

private:
    Topology m_topology;
};

} // namespace sb
