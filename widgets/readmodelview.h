#pragma once
// The read-model dock: the run's projections (position, lag, events applied, upcasts, unreadable
// and parked events) on the left; the rows of the one selected on the right, filling as it
// catches up, with a line saying how many streams it holds and how many are listed.
#include <QWidget>

class QLabel;
class QTableView;

namespace sb {

class ReadModelLog;
class ProjectionsModel;
class ProjectionRowsModel;

class ReadModelView : public QWidget {
    Q_OBJECT

public:
    explicit ReadModelView(ReadModelLog *log, QWidget *parent = nullptr);
    ProjectionsModel *projectionsModel() const { return m_projections; }
    ProjectionRowsModel *rowsModel() const { return m_rows; }
    QTableView *projectionsView() const { return m_projectionsView; }
    QTableView *rowsView() const { return m_rowsView; }
    QLabel *statusLabel() const { return m_status; }
    void selectProjection(int index);

private:
    void onProjectionSelected();
    void onLogChanged();
    void updateStatus();

    ReadModelLog *m_log;
    ProjectionsModel *m_projections;
    ProjectionRowsModel *m_rows;
    QTableView *m_projectionsView;
    QTableView *m_rowsView;
    QLabel *m_status;
};

} // namespace sb
