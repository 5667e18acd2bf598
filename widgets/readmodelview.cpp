#include "readmodelview.h"

#include "readmodellog.h"
#include "readmodelmodels.h"
#include "simtime.h"
#include "tableviews.h"

#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QLocale>
#include <QSplitter>
#include <QTableView>
#include <QVBoxLayout>

namespace sb {

ReadModelView::ReadModelView(ReadModelLog *log, QWidget *parent)
    : QWidget(parent), m_log(log), m_projections(new ProjectionsModel(log, this)),
      m_rows(new ProjectionRowsModel(log, this))
{
    m_projectionsView = makeTableView(m_projections, QStringLiteral("projectionsView"), this);
    m_projectionsView->setSelectionMode(QAbstractItemView::SingleSelection);
    m_projectionsView->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_projectionsView->horizontalHeader()->setStretchLastSection(false);
    m_rowsView = makeTableView(m_rows, QStringLiteral("projectionRowsView"), this);
    m_rowsView->horizontalHeader()->setStretchLastSection(true);
    const QFontMetrics fm(font());
    // Narrow figures, so that the state (the last, stretching column) can be read.
    m_rowsView->setColumnWidth(ProjectionRowsModel::StreamColumn,
                               fm.horizontalAdvance(QStringLiteral("account-000000")));
    m_rowsView->setColumnWidth(ProjectionRowsModel::AppliedColumn,
                               fm.horizontalAdvance(QStringLiteral("Applied000")));
    m_rowsView->setColumnWidth(ProjectionRowsModel::TypeColumn,
                               fm.horizontalAdvance(QStringLiteral("AccountOpened00")));
    m_rowsView->setColumnWidth(ProjectionRowsModel::RevisionColumn,
                               fm.horizontalAdvance(QStringLiteral("Revision00")));
    m_status = new QLabel(this);
    m_status->setObjectName(QStringLiteral("readModelStatus"));

    auto *right = new QWidget(this);
    auto *rightLayout = new QVBoxLayout(right);
    rightLayout->setContentsMargins(0, 0, 0, 0);
    rightLayout->addWidget(m_rowsView, 1);
    rightLayout->addWidget(m_status);
    auto *splitter = new QSplitter(Qt::Horizontal, this);
    splitter->addWidget(m_projectionsView);
    splitter->addWidget(right);
    splitter->setStretchFactor(0, 1);
    splitter->setStretchFactor(1, 1);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addWidget(splitter);

    connect(m_projectionsView->selectionModel(), &QItemSelectionModel::selectionChanged, this,
            &ReadModelView::onProjectionSelected);
    connect(m_log, &ReadModelLog::changed, this, &ReadModelView::onLogChanged);
    updateStatus();
}

void ReadModelView::selectProjection(int index)
{
    if (index < 0 || index >= m_projections->rowCount()) return;
    m_projectionsView->selectionModel()->setCurrentIndex(
        m_projections->index(index, 0), QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
}

void ReadModelView::onProjectionSelected()
{
    const QModelIndexList rows = m_projectionsView->selectionModel()->selectedRows();
    m_rows->setProjection(rows.isEmpty() ? -1 : rows.first().row());
    updateStatus();
}

void ReadModelView::onLogChanged()
{
    // The first projection to apply an event is shown.
    if (m_rows->projection() < 0 && m_projections->rowCount() > 0) selectProjection(0);
    updateStatus();
}

void ReadModelView::updateStatus()
{
    const int i = m_rows->projection();
    if (i < 0 || i >= m_log->projectionCount()) {
        m_status->setText(m_log->projectionCount() ? tr("Select a projection to see its rows.")
                                                   : tr("No projection has applied an event yet."));
        return;
    }
    const ReadModelLog::Projection &p = m_log->projection(i);
    const std::uint64_t streams = p.rows.size() + p.unlistedStreams;
    QString t = tr("%1: %2").arg(p.label, countText(streams, tr("stream"), tr("streams")));
    if (p.unlistedStreams) t += tr(", the first %1 listed").arg(QLocale().toString(ReadModelLog::kMaxRows));
    const std::int64_t lag = m_log->lagEvents(p);
    t += lag > 0 ? tr(" · %1 behind, the oldest waiting %2")
                       .arg(countText(std::uint64_t(lag), tr("event"), tr("events")),
                            QString::fromStdString(formatDuration(m_log->lagTime(p))))
                 : tr(" · caught up");
    m_status->setText(t);
}

} // namespace sb
