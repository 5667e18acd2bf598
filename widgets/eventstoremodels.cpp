#include "eventstoremodels.h"

#include "simtime.h"
#include "tableviews.h"

#include <QBrush>
#include <QColor>
#include <QLocale>

#include <algorithm>

namespace sb {

namespace {
QString number(std::uint64_t n)
{
    return QLocale().toString(qulonglong(n));
}
} // namespace

// --- streams ---------------------------------------------------------------------------------

EventStreamsModel::EventStreamsModel(EventStoreLog *log, QObject *parent)
    : QAbstractTableModel(parent), m_log(log)
{
    connect(m_log, &EventStoreLog::changed, this, &EventStreamsModel::onLogChanged);
    onLogChanged();
}

void EventStreamsModel::setStore(int index)
{
    if (index >= m_log->storeCount()) index = -1;
    beginResetModel();
    m_store = index;
    m_rows = sourceRows();
    endResetModel();
}

int EventStreamsModel::sourceRows() const
{
    if (m_store < 0 || m_store >= m_log->storeCount()) return 0;
    return 1 + int(m_log->store(m_store).streams.size());
}

QString EventStreamsModel::streamAt(int row) const
{
    if (row <= 0 || row >= m_rows) return row == 0 && m_rows > 0 ? QLatin1String(kAllStreams) : QString();
    return m_log->store(m_store).streams[std::size_t(row - 1)].name;
}

void EventStreamsModel::onLogChanged()
{
    // A new run (the log cleared) or the first store: start over.
    if ((m_store >= m_log->storeCount()) || (m_store < 0 && m_log->storeCount() > 0)) {
        setStore(m_log->storeCount() > 0 ? 0 : -1);
        return;
    }
    const int rows = sourceRows();
    if (rows < m_rows) { // cannot happen short of a clear, which resets above
        setStore(m_store);
        return;
    }
    if (m_rows > 0) Q_EMIT dataChanged(index(0, 0), index(m_rows - 1, ColumnCount - 1));
    if (rows > m_rows) {
        beginInsertRows({}, m_rows, rows - 1);
        m_rows = rows;
        endInsertRows();
    }
}

int EventStreamsModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : m_rows;
}

int EventStreamsModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant EventStreamsModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= m_rows) return {};
    const EventStoreLog::Store &store = m_log->store(m_store);
    const bool all = index.row() == 0;
    const EventStoreLog::Stream *s = all ? nullptr : &store.streams[std::size_t(index.row() - 1)];
    const std::uint64_t conflicts = all ? store.conflicts : s->conflicts;
    if (role == Qt::DisplayRole) {
        switch (index.column()) {
        case StreamColumn:
            return all ? QLatin1String(kAllStreams) : s->name;
        case EventsColumn:
            return number(all ? store.events : s->events);
        case RevisionColumn: {
            const std::int64_t last = all ? store.lastPosition : s->lastRevision;
            return last < 0 ? QString() : all ? tr("@%1").arg(last) : QString::number(last);
        }
        case ConflictsColumn:
            return conflicts ? number(conflicts) : QString();
        default:
            return {};
        }
    }
    if (role == Qt::TextAlignmentRole && index.column() != StreamColumn)
        return QVariant(Qt::AlignRight | Qt::AlignVCenter);
    if (role == Qt::ForegroundRole && index.column() == ConflictsColumn && conflicts)
        return QBrush(QColor(0xc6, 0x3b, 0x2f));
    if (role == Qt::ToolTipRole) {
        if (all)
            return tr("Every event of %1 by its global position (last position %2)")
                .arg(store.label)
                .arg(store.lastPosition);
        QString t = tr("%1: %2, last revision %3")
                        .arg(s->name, countText(s->events, tr("event"), tr("events")))
                        .arg(s->lastRevision);
        if (s->firstRevision > 0) t += tr("; revisions before %1 removed by retention").arg(s->firstRevision);
        if (s->conflicts)
            t += tr("; %1 refused (wrong expected version)")
                     .arg(countText(s->conflicts, tr("append"), tr("appends")));
        return t;
    }
    return {};
}

QVariant EventStreamsModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
    switch (section) {
    case StreamColumn:
        return tr("Stream");
    case EventsColumn:
        return tr("Events");
    case RevisionColumn:
        return tr("Revision");
    case ConflictsColumn:
        return tr("Conflicts");
    default:
        return {};
    }
}

// --- events ----------------------------------------------------------------------------------

StreamEventsModel::StreamEventsModel(EventStoreLog *log, QObject *parent)
    : QAbstractTableModel(parent), m_log(log)
{
    connect(m_log, &EventStoreLog::changed, this, &StreamEventsModel::onLogChanged);
}

const EventStoreLog::Store *StreamEventsModel::currentStore() const
{
    return m_store >= 0 && m_store < m_log->storeCount() ? &m_log->store(m_store) : nullptr;
}

const EventStoreLog::Stream *StreamEventsModel::currentStream() const
{
    const EventStoreLog::Store *store = currentStore();
    if (!store || m_stream == QLatin1String(EventStreamsModel::kAllStreams)) return nullptr;
    const auto it = store->streamIndex.constFind(m_stream);
    return it == store->streamIndex.constEnd() ? nullptr : &store->streams[std::size_t(*it)];
}

std::size_t StreamEventsModel::sourceSize() const
{
    const EventStoreLog::Store *store = currentStore();
    if (!store) return 0;
    if (m_stream == QLatin1String(EventStreamsModel::kAllStreams)) return store->rows.size();
    const EventStoreLog::Stream *s = currentStream();
    return s ? s->rows.size() : 0;
}

std::uint64_t StreamEventsModel::sourceDropped() const
{
    if (const EventStoreLog::Stream *s = currentStream()) return s->droppedRows;
    const EventStoreLog::Store *store = currentStore();
    return store ? store->droppedRows : 0;
}

std::uint64_t StreamEventsModel::sequenceAt(std::size_t i) const
{
    if (const EventStoreLog::Stream *s = currentStream()) return s->rows[i];
    return currentStore()->droppedRows + i;
}

void StreamEventsModel::setStream(int storeIndex, const QString &stream)
{
    beginResetModel();
    m_store = storeIndex;
    m_stream = stream;
    m_rows = int(sourceSize());
    m_dropped = sourceDropped();
    m_retention = m_log->retentionGeneration();
    endResetModel();
}

void StreamEventsModel::onLogChanged()
{
    if (!currentStore()) {
        if (m_rows || m_store >= 0) setStream(-1, {});
        return;
    }
    const std::uint64_t dropped = sourceDropped();
    if (dropped < m_dropped) { // cannot happen short of a clear: start over
        setStream(m_store, m_stream);
        return;
    }
    const int removed = int(std::min<std::uint64_t>(std::uint64_t(m_rows), dropped - m_dropped));
    if (removed > 0) {
        beginRemoveRows({}, 0, removed - 1);
        m_rows -= removed;
        m_dropped += std::uint64_t(removed);
        endRemoveRows();
    }
    // Rows that came and went within the batch were never shown.
    m_dropped = dropped;
    if (m_retention != m_log->retentionGeneration() && m_rows > 0) {
        m_retention = m_log->retentionGeneration();
        Q_EMIT dataChanged(index(0, 0), index(m_rows - 1, ColumnCount - 1));
    }
    const std::size_t size = sourceSize();
    if (size > std::size_t(m_rows)) {
        beginInsertRows({}, m_rows, int(size) - 1);
        m_rows = int(size);
        endInsertRows();
    }
}

const EventStoreLog::Event *StreamEventsModel::event(int row) const
{
    if (row < 0 || row >= m_rows) return nullptr;
    const EventStoreLog::Store *store = currentStore();
    if (!store) return nullptr;
    const std::int64_t i = std::int64_t(row) - std::int64_t(sourceDropped() - m_dropped);
    if (i < 0 || std::size_t(i) >= sourceSize()) return nullptr;
    const std::uint64_t seq = sequenceAt(std::size_t(i));
    return store->hasRow(seq) ? &store->row(seq) : nullptr;
}

int StreamEventsModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : m_rows;
}

int StreamEventsModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant StreamEventsModel::data(const QModelIndex &index, int role) const
{
    const EventStoreLog::Event *e = index.isValid() ? event(index.row()) : nullptr;
    if (!e) return {};
    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case PositionColumn:
            return e->conflict ? QString() : QString::number(e->position);
        case StreamColumn:
            return e->stream;
        case RevisionColumn:
            return e->conflict ? QString() : QString::number(e->revision);
        case TypeColumn:
            return e->conflict ? EventStoreLog::conflictText(*e) : e->type;
        case SchemaColumn:
            return e->schema > 0 ? tr("v%1").arg(e->schema) : QString();
        case RecordedColumn:
            return QString::fromStdString(formatDuration(e->recorded));
        case DataColumn:
            return e->conflict && !e->type.isEmpty() ? tr("refused %1 %2").arg(e->type, e->data) : e->data;
        default:
            return {};
        }
    case Qt::TextAlignmentRole:
        if (index.column() == PositionColumn || index.column() == RevisionColumn ||
            index.column() == RecordedColumn)
            return QVariant(Qt::AlignRight | Qt::AlignVCenter);
        return {};
    case Qt::ForegroundRole:
        if (e->conflict) return QBrush(QColor(0xc6, 0x3b, 0x2f));
        if (e->removed) return QBrush(QColor(0x90, 0x90, 0x90));
        return {};
    case Qt::BackgroundRole:
        if (e->conflict) return QBrush(QColor(0xc6, 0x3b, 0x2f, 40));
        return {};
    case Qt::ToolTipRole:
        if (e->conflict)
            return tr("Append refused (wrong expected version): %1").arg(EventStoreLog::conflictText(*e));
        if (e->removed) return tr("Removed by retention: no longer readable");
        return {};
    case ConflictRole:
        return e->conflict;
    case RemovedRole:
        return e->removed;
    default:
        return {};
    }
}

QVariant StreamEventsModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
    switch (section) {
    case PositionColumn:
        return tr("Position");
    case StreamColumn:
        return tr("Stream");
    case RevisionColumn:
        return tr("Revision");
    case TypeColumn:
        return tr("Type");
    case SchemaColumn:
        return tr("Schema");
    case RecordedColumn:
        return tr("Recorded");
    case DataColumn:
        return tr("Data");
    default:
        return {};
    }
}

} // namespace sb
