#pragma once
// The saga view's table over a SagaLog: one row per saga instance (oldest first), its
// orchestrator, start, its steps (drawn on a time axis by SagaTimelineDelegate), its end state
// and duration. Follows the log live: rows are inserted as sagas begin and removed from the top
// as the log's bound forgets the oldest.
#include "sagalog.h"

#include <QAbstractTableModel>

namespace sb {

class SagaModel : public QAbstractTableModel {
    Q_OBJECT

public:
    enum Column {
        SagaColumn,
        OrchestratorColumn,
        StartedColumn,
        StepsColumn,
        EndColumn,
        DurationColumn,
        ColumnCount
    };
    // On any column: the saga id (quint64).
    static constexpr int SagaIdRole = Qt::UserRole;

    explicit SagaModel(SagaLog *log, QObject *parent = nullptr);
    const SagaLog::Saga *saga(int row) const;
    const SagaLog *log() const { return m_log; }

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    // "1 ReserveCredit done · 2 ReserveStock failed (Rejected) · compensation of 1 done".
    static QString stepsText(const SagaLog::Saga &saga);

private:
    void onLogChanged();
    SagaLog *m_log;
    int m_rows = 0;
    std::uint64_t m_dropped = 0;
};

} // namespace sb
