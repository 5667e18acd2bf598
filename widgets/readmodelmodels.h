#pragma once
// The read-model view's two tables over a ReadModelLog: the projections (position, lag in events
// and in time, events applied, upcast, unreadable, parked) and the rows of the one selected (one
// per stream it projected: events applied, last type, revision). Both follow the log live.
#include "readmodellog.h"

#include <QAbstractTableModel>

namespace sb {

class ProjectionsModel : public QAbstractTableModel {
    Q_OBJECT

public:
    enum Column {
        ProjectionColumn,
        PositionColumn,
        LagColumn,
        LagTimeColumn,
        AppliedColumn,
        UpcastsColumn,
        UnreadableColumn,
        ParkedColumn,
        ColumnCount
    };
    explicit ProjectionsModel(ReadModelLog *log, QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    void onLogChanged();
    ReadModelLog *m_log;
    int m_rows = 0;
};

class ProjectionRowsModel : public QAbstractTableModel {
    Q_OBJECT

public:
    enum Column { StreamColumn, AppliedColumn, TypeColumn, RevisionColumn, StateColumn, ColumnCount };
    explicit ProjectionRowsModel(ReadModelLog *log, QObject *parent = nullptr);
    // Which projection (ReadModelLog index; -1 none).
    void setProjection(int index);
    int projection() const { return m_projection; }

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    void onLogChanged();
    int sourceRows() const;
    ReadModelLog *m_log;
    int m_projection = -1;
    int m_rows = 0;
};

} // namespace sb
