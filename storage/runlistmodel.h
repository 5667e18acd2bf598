#pragma once

#include "runstore.h"

#include <QAbstractTableModel>
#include <QList>

namespace sb {

// A table of the runs in a RunStore, newest first, for the run history view. It is a snapshot:
// it shows nothing until reload() and changes only on reload(), so a view never sees rows move
// while the store is being written.
class RunListModel : public QAbstractTableModel {
    Q_OBJECT

public:
    enum Column {
        IdColumn,
        StartedColumn,
        TopologyColumn,
        SeedColumn,
        StatusColumn,
        DurationColumn,
        ColumnCount
    };
    enum Role {
        RunIdRole = Qt::UserRole + 1, // the run's id (qint64) in every column
    };

    // store is borrowed and must outlive the model; it may be null (an empty model).
    explicit RunListModel(RunStore *store, QObject *parent = nullptr);

    // Replaces the rows with the store's current runs. On failure the model is left empty and
    // error (if given) says why.
    bool reload(QString *error = nullptr);

    // The run shown in row; row must be valid.
    const RunRecord &runAt(int row) const;
    // The row showing the run with this id, or -1.
    int rowOfRun(qint64 id) const;

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    // "850 ms", "12.5 s", "3 min 07 s", "2 h 05 min": short enough for a narrow column.
    static QString formatDuration(qint64 milliseconds);

private:
    QVariant displayData(const RunRecord &run, int column) const;
    QVariant toolTipData(const RunRecord &run, int column) const;

    RunStore *m_store = nullptr;
    QList<RunRecord> m_runs;
};

} // namespace sb
