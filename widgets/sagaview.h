#pragma once
// The saga dock: one row per saga instance with its steps as coloured cells on a time axis (as
// workflow UIs show an execution's history: done green, running blue, failed red, timed out
// orange, compensating and compensated amber below the step, pending grey), its end state and
// duration; a legend line says the colours and the bound. Selecting an instance selects it on
// the sequence diagram (its events and frames carry the saga's id as their correlation id), which
// lights its links on the canvas as a selected call does.
#include <QStyledItemDelegate>
#include <QWidget>

class QLabel;
class QTableView;

namespace sb {

class SagaLog;
class SagaModel;
class SequencePanel;

// Paints a saga's steps in the Steps column: forward transactions in the upper half, their
// compensations in the lower half, all sagas on one scale (the longest kept spans the column).
class SagaTimelineDelegate : public QStyledItemDelegate {
    Q_OBJECT

public:
    explicit SagaTimelineDelegate(SagaModel *model, QObject *parent = nullptr);
    void paint(QPainter *painter, const QStyleOptionViewItem &option,
               const QModelIndex &index) const override;
    QSize sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const override;
    static QColor stateColor(int state); // SagaLog::StepState

private:
    SagaModel *m_model;
};

class SagaView : public QWidget {
    Q_OBJECT

public:
    explicit SagaView(SagaLog *log, QWidget *parent = nullptr);
    SagaModel *model() const { return m_model; }
    QTableView *view() const { return m_view; }
    QLabel *legend() const { return m_legend; }
    // Where a selected saga is shown (its journey selected as a call's; null: nowhere).
    void setSequencePanel(SequencePanel *panel) { m_sequence = panel; }
    void selectSaga(std::uint64_t sagaId);

signals:
    // An instance was selected (0: none).
    void sagaSelected(quint64 sagaId);

private:
    void onSelectionChanged();
    void onLogChanged();

    SagaLog *m_log;
    SagaModel *m_model;
    QTableView *m_view;
    QLabel *m_legend;
    SequencePanel *m_sequence = nullptr;
};

} // namespace sb
