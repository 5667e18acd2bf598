#include "readmodelmodels.h"

#include "simtime.h"

#include <QBrush>
#include <QColor>
#include <QLocale>

namespace sb {

namespace {
QString number(std::uint64_t n)
{
    return QLocale().toString(qulonglong(n));
}
QString nonZero(std::uint64_t n)
{
    return n ? number(n) : QString();
}
} // namespace

ProjectionsModel::ProjectionsModel(ReadModelLog *log, QObject *parent)
    : QAbstractTableModel(parent), m_log(log)
{
    connect(m_log, &ReadModelLog::changed, this, &ProjectionsModel::onLogChanged);
    m_rows = m_log->projectionCount();
}

void ProjectionsModel::onLogChanged()
{
    const int rows = m_log->projectionCount();
    if (rows < m_rows) {
        beginResetModel();
        m_rows = rows;
        endResetModel();
        return;
    }
    if (m_rows > 0) Q_EMIT dataChanged(index(0, 0), index(m_rows - 1, ColumnCount - 1));
    if (rows > m_rows) {
        beginInsertRows({}, m_rows, rows - 1);
        m_rows = rows;
        endInsertRows();
    }
}

int ProjectionsModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : m_rows;
}

int ProjectionsModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant ProjectionsModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= m_rows) return {};
    const ReadModelLog::Projection &p = m_log->projection(index.row());
    const std::int64_t lag = m_log->lagEvents(p);
    if (role == Qt::DisplayRole) {
        switch (index.column()) {
        case ProjectionColumn:
            return p.label;
        case PositionColumn:
            return p.position < 0 ? QString() : QStringLiteral("@%1").arg(p.position);
        case LagColumn:
            return number(std::uint64_t(lag));
        case LagTimeColumn:
            return lag > 0 ? QString::fromStdString(formatDuration(m_log->lagTime(p))) : tr("caught up");
        case AppliedColumn:
            return number(p.applied);
        case UpcastsColumn:
            return nonZero(m_log->upcasts(p.node));
        case UnreadableColumn:
            return nonZero(m_log->unreadable(p.node));
        case ParkedColumn:
            return nonZero(m_log->parked(p.node));
        default:
            return {};
        }
    }
    if (role == Qt::TextAlignmentRole && index.column() != ProjectionColumn)
        return QVariant(Qt::AlignRight | Qt::AlignVCenter);
    if (role == Qt::ForegroundRole && ((index.column() == UnreadableColumn && m_log->unreadable(p.node)) ||
                                       (index.column() == ParkedColumn && m_log->parked(p.node))))
        return QBrush(QColor(0xc6, 0x3b, 0x2f));
    if (role == Qt::ToolTipRole) {
        switch (index.column()) {
        case LagColumn:
            return tr(
                "Events in its store it has not applied yet (the store's last position minus its position)");
        case LagTimeColumn:
            return tr("How long the oldest event it has not applied has waited");
        case UnreadableColumn:
            return tr("Events it could not read: an unknown type or schema version with no upcaster");
        case ParkedColumn:
            return tr("Events parked for it after their retries ran out");
        default:
            return {};
        }
    }
    return {};
}

QVariant ProjectionsModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
    switch (section) {
    case ProjectionColumn:
        return tr("Projection");
    case PositionColumn:
        return tr("Position");
    case LagColumn:
        return tr("Lag");
    case LagTimeColumn:
        return tr("Lag time");
    case AppliedColumn:
        return tr("Applied");
    case UpcastsColumn:
        return tr("Upcasts");
    case UnreadableColumn:
        return tr("Unreadable");
    case ParkedColumn:
        return tr("Parked");
    default:
        return {};
    }
}

// --- rows ------------------------------------------------------------------------------------

ProjectionRowsModel::ProjectionRowsModel(ReadModelLog *log, QObject *parent)
    : QAbstractTableModel(parent), m_log(log)
{
    connect(m_log, &ReadModelLog::changed, this, &ProjectionRowsModel::onLogChanged);
}

int ProjectionRowsModel::sourceRows() const
{
    return m_projection >= 0 && m_projection < m_log->projectionCount()
               ? int(m_log->projection(m_projection).rows.size())
               : 0;
}

void ProjectionRowsModel::setProjection(int index)
{
    beginResetModel();
    m_projection = index < m_log->projectionCount() ? index : -1;
    m_rows = sourceRows();
    endResetModel();
}

void ProjectionRowsModel::onLogChanged()
{
    if (m_projection >= m_log->projectionCount()) {
        setProjection(-1);
        return;
    }
    const int rows = sourceRows();
    if (m_rows > 0) Q_EMIT dataChanged(index(0, 0), index(m_rows - 1, ColumnCount - 1));
    if (rows > m_rows) {
        beginInsertRows({}, m_rows, rows - 1);
        m_rows = rows;
        endInsertRows();
    }
}

int ProjectionRowsModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : m_rows;
}

int ProjectionRowsModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant ProjectionRowsModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= m_rows) return {};
    const ReadModelLog::Row &r = m_log->projection(m_projection).rows[std::size_t(index.row())];
    if (role == Qt::DisplayRole) {
        switch (index.column()) {
        case StreamColumn:
            return r.stream;
        case AppliedColumn:
            return number(r.applied);
        case TypeColumn:
            return r.lastType;
        case RevisionColumn:
            return r.revision < 0 ? QString() : QString::number(r.revision);
        case StateColumn: {
            QStringList fields;
            for (const auto &f : r.state.fields)
                fields << QString::fromStdString(f.name + " " + f.value);
            return fields.join(QStringLiteral(", ")) + (r.stateComplete ? QString() : QStringLiteral(" …"));
        }
        default:
            return {};
        }
    }
    if (role == Qt::TextAlignmentRole &&
        (index.column() == AppliedColumn || index.column() == RevisionColumn))
        return QVariant(Qt::AlignRight | Qt::AlignVCenter);
    return {};
}

QVariant ProjectionRowsModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
    switch (section) {
    case StreamColumn:
        return tr("Stream");
    case AppliedColumn:
        return tr("Applied");
    case TypeColumn:
        return tr("Last type");
    case RevisionColumn:
        return tr("Revision");
    case StateColumn:
        return tr("State");
    default:
        return {};
    }
}

} // namespace sb
