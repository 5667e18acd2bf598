#pragma once
// The event store browser's two tables over an EventStoreLog: the streams of one store (with
// "$all" first) and the events of the stream selected. Both follow the log live: rows are inserted
// as appends arrive and removed from the top as the log's bound forgets the oldest.
#include "eventstorelog.h"

#include <QAbstractTableModel>

namespace sb {

// One store's streams: "$all" (every event by position), then each stream in order of its first
// event: name, events appended, last revision, conflicts.
class EventStreamsModel : public QAbstractTableModel {
    Q_OBJECT

public:
    enum Column { StreamColumn, EventsColumn, RevisionColumn, ConflictsColumn, ColumnCount };
    static constexpr const char *kAllStreams = "$all";

    explicit EventStreamsModel(EventStoreLog *log, QObject *parent = nullptr);
    // Which store (EventStoreLog::store index; -1 none). The first store to appear is shown.
    void setStore(int index);
    int storeIndex() const { return m_store; }
    // The stream on `row` ("$all" on row 0).
    QString streamAt(int row) const;

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    void onLogChanged();
    int sourceRows() const;

    EventStoreLog *m_log;
    int m_store = -1;
    int m_rows = 0;
};

// The events of one stream of one store (or of "$all"), oldest first: position, stream, revision,
// type, schema version, recorded time, data. A conflict is a row of its own, in red; events that
// retention removed are greyed out.
class StreamEventsModel : public QAbstractTableModel {
    Q_OBJECT

public:
    enum Column {
        PositionColumn,
        StreamColumn,
        RevisionColumn,
        TypeColumn,
        SchemaColumn,
        RecordedColumn,
        DataColumn,
        ColumnCount
    };
    // Qt::UserRole on any column: whether the row is a conflict (bool).
    static constexpr int ConflictRole = Qt::UserRole;
    // ... whether retention removed it (bool).
    static constexpr int RemovedRole = Qt::UserRole + 1;

    explicit StreamEventsModel(EventStoreLog *log, QObject *parent = nullptr);
    void setStream(int storeIndex, const QString &stream);
    QString stream() const { return m_stream; }
    const EventStoreLog::Event *event(int row) const;

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    void onLogChanged();
    // The rows of the current source ("$all": the store's, else the stream's): how many it keeps,
    // how many it forgot from its front, and the sequence number (Store::row) of its i-th.
    std::size_t sourceSize() const;
    std::uint64_t sourceDropped() const;
    std::uint64_t sequenceAt(std::size_t i) const;
    const EventStoreLog::Store *currentStore() const;
    const EventStoreLog::Stream *currentStream() const;

    EventStoreLog *m_log;
    int m_store = -1;
    QString m_stream;
    int m_rows = 0;
    // The source's forgotten rows as of the rows shown: row i is the source's i - (sourceDropped()
    // - m_dropped), so that rows name what they showed while they are being removed.
    std::uint64_t m_dropped = 0;
    std::uint64_t m_retention = 0;
};

} // namespace sb
