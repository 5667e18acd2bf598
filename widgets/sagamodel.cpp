#include "sagamodel.h"

#include "callstatus.h"
#include "simtime.h"
#include "tableviews.h"

#include <QBrush>
#include <QColor>

namespace sb {

SagaModel::SagaModel(SagaLog *log, QObject *parent) : QAbstractTableModel(parent), m_log(log)
{
    connect(m_log, &SagaLog::changed, this, &SagaModel::onLogChanged);
    m_rows = int(m_log->sagas().size());
    m_dropped = m_log->dropped();
}

void SagaModel::onLogChanged()
{
    const int size = int(m_log->sagas().size());
    if (m_log->dropped() < m_dropped || (size == 0 && m_rows > 0)) { // a new run
        beginResetModel();
        m_rows = size;
        m_dropped = m_log->dropped();
        endResetModel();
        return;
    }
    // The rows shown that are still kept are the front of the log now.
    const int removed = int(std::min<std::uint64_t>(std::uint64_t(m_rows), m_log->dropped() - m_dropped));
    if (removed > 0) {
        beginRemoveRows({}, 0, removed - 1);
        m_rows -= removed;
        m_dropped += std::uint64_t(removed);
        endRemoveRows();
    }
    // Sagas that came and went within the batch were never shown.
    m_dropped = m_log->dropped();
    if (m_rows > 0) Q_EMIT dataChanged(index(0, 0), index(m_rows - 1, ColumnCount - 1));
    if (size > m_rows) {
        beginInsertRows({}, m_rows, size - 1);
        m_rows = size;
        endInsertRows();
    }
}

const SagaLog::Saga *SagaModel::saga(int row) const
{
    // Rows follow the model's own count of sagas forgotten, so that while rows are removed they
    // still name what they showed (the log may have moved on within the batch).
    if (row < 0 || row >= m_rows) return nullptr;
    const std::int64_t i = std::int64_t(row) - std::int64_t(m_log->dropped() - m_dropped);
    return i >= 0 && std::size_t(i) < m_log->sagas().size() ? &m_log->sagas()[std::size_t(i)] : nullptr;
}

int SagaModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : m_rows;
}

int SagaModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QString SagaModel::stepsText(const SagaLog::Saga &saga)
{
    QStringList parts;
    for (std::size_t i = 0; i < saga.steps.size(); ++i) {
        const SagaLog::Step &s = saga.steps[i];
        QString t = QString::number(i + 1);
        if (!s.command.isEmpty()) t += QLatin1Char(' ') + s.command;
        const bool compensation = s.state == SagaLog::StepState::Compensating ||
                                  s.state == SagaLog::StepState::Compensated ||
                                  s.state == SagaLog::StepState::CompensationFailed;
        // A compensated step was done first: say both.
        t += QLatin1Char(' ') +
             (compensation ? SagaLog::stepStateName(SagaLog::StepState::Done) + QStringLiteral(", ")
                           : QString()) +
             SagaLog::stepStateName(s.state);
        if (s.state == SagaLog::StepState::Failed && s.status)
            t += QStringLiteral(" (%1)").arg(QString::fromStdString(commandStatusName(s.status)));
        if (s.attempts > 1) t += SagaModel::tr(", %1 attempts").arg(s.attempts);
        parts << t;
    }
    return parts.join(QStringLiteral(" · "));
}

QVariant SagaModel::data(const QModelIndex &index, int role) const
{
    const SagaLog::Saga *s = index.isValid() ? saga(index.row()) : nullptr;
    if (!s) return {};
    if (role == SagaIdRole) return QVariant::fromValue<quint64>(s->id);
    if (role == Qt::DisplayRole) {
        switch (index.column()) {
        case SagaColumn:
            return tr("saga %1").arg(s->id);
        case OrchestratorColumn:
            return m_log->nodeLabel(s->orchestrator);
        case StartedColumn:
            return QString::fromStdString(formatDuration(s->begin));
        case StepsColumn:
            return stepsText(*s); // the delegate draws the cells; this is for copy and search
        case EndColumn:
            return SagaLog::endStateName(s->endState) +
                   (s->resumes ? tr(" (resumed %1)").arg(countText(s->resumes, tr("time"), tr("times")))
                               : QString());
        case DurationColumn:
            return s->end >= 0 ? QString::fromStdString(formatDuration(s->end - s->begin)) : QString();
        default:
            return {};
        }
    }
    if (role == Qt::ToolTipRole && index.column() == StepsColumn) return stepsText(*s);
    if (role == Qt::ForegroundRole && index.column() == EndColumn) {
        switch (s->endState) {
        case SagaLog::EndState::Completed:
            return QBrush(QColor(0x1e, 0x8a, 0x4c));
        case SagaLog::EndState::Compensated:
            return QBrush(QColor(0xb0, 0x6a, 0x00));
        case SagaLog::EndState::Failed:
            return QBrush(QColor(0xc6, 0x3b, 0x2f));
        case SagaLog::EndState::Running:
            return QBrush(QColor(0x2f, 0x7f, 0xd6));
        }
    }
    if (role == Qt::TextAlignmentRole &&
        (index.column() == StartedColumn || index.column() == DurationColumn))
        return QVariant(Qt::AlignRight | Qt::AlignVCenter);
    return {};
}

QVariant SagaModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
    switch (section) {
    case SagaColumn:
        return tr("Saga");
    case OrchestratorColumn:
        return tr("Orchestrator");
    case StartedColumn:
        return tr("Started");
    case StepsColumn:
        return tr("Steps (on a time axis)");
    case EndColumn:
        return tr("End");
    case DurationColumn:
        return tr("Duration");
    default:
        return {};
    }
}

} // namespace sb
