#pragma once
// The chart's node picker: a checkable list of the nodes (or links) that have the chosen metric:
// queues for queue depth, consumer lag, redeliveries and dead letters; consumers for latency;
// every node for throughput and drops; links for link frames. Checks are kept per node and link
// while the metric changes.
#include "timeseries.h"

#include <QAbstractListModel>
#include <QStringList>

namespace sb {

class SeriesPickerModel : public QAbstractListModel {
    Q_OBJECT

public:
    enum Role {
        TargetRole = Qt::UserRole + 1, // node index, or link index for link metrics (int)
        KindRole,                      // node kind, or "link" (QString)
    };

    explicit SeriesPickerModel(QObject *parent = nullptr);

    // All nodes and links start checked.
    void setTargets(const QStringList &nodeIds, const QStringList &nodeKinds, const QStringList &linkIds);
    void setMetric(SeriesMetric metric);
    SeriesMetric metric() const { return m_metric; }
    static bool hasMetric(const QString &kind, SeriesMetric metric);

    // The checked rows' targets, in row order.
    QList<int> checkedTargets() const;
    void setAllChecked(bool checked);

    int rowCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    bool setData(const QModelIndex &index, const QVariant &value, int role = Qt::EditRole) override;
    Qt::ItemFlags flags(const QModelIndex &index) const override;

Q_SIGNALS:
    void checkedChanged();

private:
    struct Target {
        QString id, kind;
        int index = 0;
        bool link = false;
        bool checked = true;
    };
    void rebuildRows();
    QList<Target> m_targets;
    QList<int> m_rows; // indices into m_targets shown for the metric
    SeriesMetric m_metric = SeriesMetric::Throughput;
};

} // namespace sb
