#include "runlistmodel.h"

#include <QLocale>

#include <algorithm>
#include <utility>

namespace sb {

RunListModel::RunListModel(RunStore *store, QObject *parent) : QAbstractTableModel(parent), m_store(store) {}

bool RunListModel::reload(QString *error)
{
    QString reason;
    QList<RunRecord> runs;
    if (m_store && m_store->isOpen()) runs = m_store->runs(&reason);

    // Reset rather than diff: reloads follow a finished or deleted run, the list is small, and
    // a reset cannot leave a view with stale persistent indexes.
    beginResetModel();
    m_runs = std::move(runs);
    endResetModel();

    if (!reason.isEmpty()) {
        if (error) *error = reason;
        return false;
    }
    return true;
}

const RunRecord &RunListModel::runAt(int row) const
{
    Q_ASSERT(row >= 0 && row < m_runs.size());
    return m_runs.at(row);
}

int RunListModel::rowOfRun(qint64 id) const
{
    for (int row = 0; row < m_runs.size(); ++row) {
        if (m_runs.at(row).id == id) return row;
    }
    return -1;
}

int RunListModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_runs.size());
}

int RunListModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant RunListModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid)) return {};
    const RunRecord &run = m_runs.at(index.row());
    switch (role) {
    case Qt::DisplayRole:
        return displayData(run, index.column());
    case Qt::ToolTipRole:
        return toolTipData(run, index.column());
    case Qt::TextAlignmentRole:
        switch (index.column()) {
        case IdColumn:
        case SeedColumn:
        case DurationColumn:
            // An int, not Qt::Alignment: Qt 6.4's views read this role with toInt().
            return int(Qt::AlignRight | Qt::AlignVCenter);
        default:
            return {};
        }
    case RunIdRole:
        return run.id;
    default:
        return {};
    }
}

QVariant RunListModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case IdColumn:
        return tr("Run #");
    case StartedColumn:
        return tr("Started");
    case TopologyColumn:
        return tr("Topology");
    case SeedColumn:
        return tr("Seed");
    case StatusColumn:
        return tr("Status");
    case DurationColumn:
        return tr("Duration");
    default:
        return {};
    }
}

namespace {

QString statusText(const QString &status)
{
    if (status == RunStatus::Running) return RunListModel::tr("Running");
    if (status == RunStatus::Finished) return RunListModel::tr("Finished");
    if (status == RunStatus::Failed) return RunListModel::tr("Failed");
    if (status == RunStatus::Stopped) return RunListModel::tr("Stopped");
    return status;
}

QString timeText(const QDateTime &time)
{
    return RunListModel::tr("%1 (%2 UTC)")
        .arg(QLocale().toString(time.toLocalTime(), QLocale::LongFormat),
             time.toUTC().toString(QStringLiteral("yyyy-MM-dd HH:mm:ss.zzz")));
}

} // namespace

QVariant RunListModel::displayData(const RunRecord &run, int column) const
{
    switch (column) {
    case IdColumn:
        return run.id;
    case StartedColumn:
        // A QDateTime, not text, so that views format it for the locale and proxies sort by time.
        return run.startedAt.toLocalTime();
    case TopologyColumn:
        return run.topologyName;
    case SeedColumn:
        return QVariant::fromValue<qulonglong>(run.seed);
    case StatusColumn:
        return statusText(run.status);
    case DurationColumn:
        if (!run.finishedAt.isValid() || !run.startedAt.isValid()) return QString();
        return formatDuration(run.startedAt.msecsTo(run.finishedAt));
    default:
        return {};
    }
}

QVariant RunListModel::toolTipData(const RunRecord &run, int column) const
{
    QString tip;
    switch (column) {
    case IdColumn:
        tip = tr("Run #%1").arg(run.id);
        break;
    case StartedColumn:
        tip = tr("Started %1").arg(timeText(run.startedAt));
        break;
    case TopologyColumn:
        tip = tr("%1\nSHA-256 of the topology: %2").arg(run.topologyName, run.topologySha256);
        break;
    case SeedColumn:
        tip = tr("Random seed %1").arg(run.seed);
        break;
    case StatusColumn:
        tip = run.finishedAt.isValid()
                  ? tr("%1 at %2").arg(statusText(run.status), timeText(run.finishedAt))
                  : tr("%1 since %2").arg(statusText(run.status), timeText(run.startedAt));
        if (!run.stopCondition.isEmpty())
            tip += QLatin1Char('\n') + tr("Stop condition: %1").arg(run.stopCondition);
        break;
    case DurationColumn:
        tip = run.finishedAt.isValid()
                  ? tr("%1 ms").arg(QLocale().toString(run.startedAt.msecsTo(run.finishedAt)))
                  : tr("Still running");
        break;
    default:
        return {};
    }
    if (!run.note.isEmpty()) tip += QLatin1Char('\n') + tr("Note: %1").arg(run.note);
    return tip;
}

QString RunListModel::formatDuration(qint64 milliseconds)
{
    // A clock set back while a run was recorded can make the difference negative.
    const qint64 ms = std::max<qint64>(milliseconds, 0);
    if (ms < 1000) return tr("%1 ms").arg(ms);
    if (ms < 60 * 1000)
        // Truncated to tenths, so 59 999 ms shows as 59.9 s and never as a rounded-up "60.0 s".
        return tr("%1 s").arg(QLocale().toString(double(ms / 100) / 10.0, 'f', 1));
    const qint64 seconds = ms / 1000;
    if (seconds < 60 * 60)
        return tr("%1 min %2 s").arg(seconds / 60).arg(seconds % 60, 2, 10, QLatin1Char('0'));
    const qint64 minutes = seconds / 60;
    return tr("%1 h %2 min").arg(minutes / 60).arg(minutes % 60, 2, 10, QLatin1Char('0'));
}

} // namespace sb
