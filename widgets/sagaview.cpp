#include "sagaview.h"

#include "sagalog.h"
#include "sagamodel.h"
#include "sequencepanel.h"
#include "sequenceview.h"
#include "tableviews.h"

#include <QApplication>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QLocale>
#include <QPainter>
#include <QScrollBar>
#include <QTableView>
#include <QVBoxLayout>

#include <algorithm>

namespace sb {

using StepState = SagaLog::StepState;

SagaTimelineDelegate::SagaTimelineDelegate(SagaModel *model, QObject *parent)
    : QStyledItemDelegate(parent), m_model(model)
{
}

QColor SagaTimelineDelegate::stateColor(int state)
{
    switch (StepState(state)) {
    case StepState::Pending:
        return {0xb8, 0xbc, 0xc2};
    case StepState::Running:
        return {0x2f, 0x7f, 0xd6};
    case StepState::Done:
        return {0x2e, 0x9e, 0x5b};
    case StepState::Failed:
    case StepState::CompensationFailed:
        return {0xd2, 0x3f, 0x31};
    case StepState::TimedOut:
        return {0xe0, 0x6c, 0x0b};
    case StepState::Compensating:
        return {0xf0, 0xb4, 0x29};
    case StepState::Compensated:
        return {0xc9, 0x8a, 0x00};
    }
    return {};
}

QSize SagaTimelineDelegate::sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const
{
    QSize s = QStyledItemDelegate::sizeHint(option, index);
    if (index.column() == SagaModel::StepsColumn) s.setWidth(std::max(s.width(), 320));
    return s;
}

void SagaTimelineDelegate::paint(QPainter *painter, const QStyleOptionViewItem &option,
                                 const QModelIndex &index) const
{
    const SagaLog::Saga *saga = m_model->saga(index.row());
    if (index.column() != SagaModel::StepsColumn || !saga) {
        QStyledItemDelegate::paint(painter, option, index);
        return;
    }
    // The row's background and selection as the style draws them, without the text (the cells
    // are the content).
    QStyleOptionViewItem opt = option;
    initStyleOption(&opt, index);
    opt.text.clear();
    const QWidget *widget = opt.widget;
    (widget ? widget->style() : QApplication::style())
        ->drawControl(QStyle::CE_ItemViewItem, &opt, painter, widget);

    painter->save();
    painter->setRenderHint(QPainter::Antialiasing);
    const SagaLog *log = m_model->log();
    const QRectF area = QRectF(option.rect).adjusted(4, 2, -4, -2);
    const std::uint32_t total =
        std::max<std::uint32_t>(log->stepsOf(saga->orchestrator), std::uint32_t(saga->steps.size()));
    const double pendingWidth = 14;
    const double axisWidth = std::max(40.0, area.width() - pendingWidth * 3);
    const double span = double(std::max<SimTime>(log->longest(), 1));
    const auto xAt = [&](SimTime t) { return area.left() + axisWidth * double(t - saga->begin) / span; };
    const double half = area.height() / 2;
    const double minWidth = 6;
    QFont small = option.font;
    small.setPointSizeF(small.pointSizeF() * 0.8);
    painter->setFont(small);
    const QFontMetricsF fm(small);
    const SimTime now = saga->end >= 0 ? saga->end : log->now();
    double right = area.left();
    const auto cell = [&](QRectF r, StepState state, const QString &label) {
        const QColor c = SagaTimelineDelegate::stateColor(int(state));
        painter->setPen(QPen(c.darker(130), 1));
        painter->setBrush(state == StepState::Pending ? QBrush(Qt::NoBrush) : QBrush(c));
        painter->drawRoundedRect(r, 2, 2);
        if (fm.horizontalAdvance(label) + 4 <= r.width()) {
            painter->setPen(state == StepState::Pending ? option.palette.color(QPalette::Text)
                                                        : QColor(Qt::white));
            painter->drawText(r, Qt::AlignCenter, label);
        }
        right = std::max(right, r.right());
    };
    for (std::size_t i = 0; i < saga->steps.size(); ++i) {
        const SagaLog::Step &s = saga->steps[i];
        const QString number = QString::number(i + 1);
        if (s.start >= 0) {
            const SimTime end = s.end >= 0 ? s.end : now;
            const double x0 = xAt(s.start);
            const double x1 = std::max(xAt(end), x0 + minWidth);
            // The forward transaction's outcome: a compensated step was done first.
            StepState forward = s.state;
            if (forward == StepState::Compensating || forward == StepState::Compensated ||
                forward == StepState::CompensationFailed)
                forward = StepState::Done;
            const QString label = s.command.isEmpty() ? number : number + QLatin1Char(' ') + s.command;
            cell(QRectF(x0, area.top(), x1 - x0, half - 1), forward,
                 fm.horizontalAdvance(label) + 4 <= x1 - x0 ? label : number);
        }
        if (s.compensationStart >= 0) {
            const SimTime end = s.compensationEnd >= 0 ? s.compensationEnd : now;
            const double x0 = xAt(s.compensationStart);
            const double x1 = std::max(xAt(end), x0 + minWidth);
            cell(QRectF(x0, area.top() + half + 1, x1 - x0, half - 1), s.state,
                 QStringLiteral("\u21b6") + number);
        }
    }
    // Steps not reached yet (as many as this orchestrator's sagas have had), after the last cell.
    double x = right + 3;
    for (std::uint32_t n = 1; n <= total; ++n) {
        const bool reached = n <= saga->steps.size() &&
                             (saga->steps[n - 1].start >= 0 || saga->steps[n - 1].compensationStart >= 0);
        if (reached || saga->endState != SagaLog::EndState::Running) continue;
        if (x + pendingWidth > area.right()) break;
        cell(QRectF(x, area.top(), pendingWidth - 2, half - 1), StepState::Pending, QString::number(n));
        x += pendingWidth;
    }
    painter->restore();
}

SagaView::SagaView(SagaLog *log, QWidget *parent)
    : QWidget(parent), m_log(log), m_model(new SagaModel(log, this))
{
    m_view = makeTableView(m_model, QStringLiteral("sagaView"), this);
    m_view->setSelectionMode(QAbstractItemView::SingleSelection);
    m_view->setItemDelegate(new SagaTimelineDelegate(m_model, m_view));
    // Two bands of cells a row (a step, its compensation below) need more than a line of text.
    m_view->verticalHeader()->setDefaultSectionSize(
        std::max(32, m_view->verticalHeader()->defaultSectionSize() * 3 / 2));
    QHeaderView *header = m_view->horizontalHeader();
    header->setStretchLastSection(false);
    header->setSectionResizeMode(SagaModel::StepsColumn, QHeaderView::Stretch);
    const QFontMetrics fm(font());
    m_view->setColumnWidth(SagaModel::SagaColumn, fm.horizontalAdvance(QStringLiteral("saga 000000")));
    m_view->setColumnWidth(SagaModel::OrchestratorColumn,
                           fm.horizontalAdvance(QStringLiteral("Order saga orchestrator00")));
    m_view->setColumnWidth(SagaModel::StartedColumn, fm.horizontalAdvance(QStringLiteral("Started 000")));
    m_view->setColumnWidth(SagaModel::EndColumn,
                           fm.horizontalAdvance(QStringLiteral("compensated (resumed)")));
    m_view->setColumnWidth(SagaModel::DurationColumn, fm.horizontalAdvance(QStringLiteral("Duration00")));

    m_legend = new QLabel(this);
    m_legend->setObjectName(QStringLiteral("sagaLegend"));
    QStringList keys;
    for (StepState s : {StepState::Done, StepState::Running, StepState::Failed, StepState::TimedOut,
                        StepState::Compensating, StepState::Compensated, StepState::Pending})
        keys << QStringLiteral("<span style=\"color:%1\">\u25a0</span> %2")
                    .arg(SagaTimelineDelegate::stateColor(int(s)).name(),
                         SagaLog::stepStateName(s).toHtmlEscaped());
    m_legend->setText(
        keys.join(QStringLiteral("&nbsp;&nbsp;")) +
        tr("&nbsp;&nbsp;· compensations below their step (\u21b6) · the newest %1 sagas are kept")
            .arg(QLocale().toString(SagaLog::kMaxSagas)));
    m_legend->setTextFormat(Qt::RichText);

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addWidget(m_view, 1);
    layout->addWidget(m_legend);

    connect(m_view->selectionModel(), &QItemSelectionModel::selectionChanged, this,
            &SagaView::onSelectionChanged);
    connect(m_log, &SagaLog::changed, this, &SagaView::onLogChanged);
}

void SagaView::selectSaga(std::uint64_t sagaId)
{
    const int row = m_log->indexOf(sagaId);
    if (row < 0 || row >= m_model->rowCount()) {
        m_view->clearSelection();
        return;
    }
    m_view->selectionModel()->setCurrentIndex(m_model->index(row, 0), QItemSelectionModel::ClearAndSelect |
                                                                          QItemSelectionModel::Rows);
}

void SagaView::onSelectionChanged()
{
    const QModelIndexList rows = m_view->selectionModel()->selectedRows();
    const quint64 id =
        rows.isEmpty() ? 0 : m_model->data(rows.first(), SagaModel::SagaIdRole).value<quint64>();
    // The diagram's call selection is the saga's: every event and frame with its correlation id.
    if (m_sequence) m_sequence->view()->selectCall(id);
    Q_EMIT sagaSelected(id);
}

void SagaView::onLogChanged()
{
    // Follow the newest sagas only while the reader is at the bottom.
    QScrollBar *bar = m_view->verticalScrollBar();
    if (bar->value() == bar->maximum()) m_view->scrollToBottom();
}

} // namespace sb
