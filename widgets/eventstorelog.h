#pragma once
// What the window knows of a run's event stores, from the trace batches alone (the engine's stores
// belong to the engine thread): per store its streams (events, last revision, conflicts) and its
// newest events with their position, revision, type, schema version, recorded time and data, read
// from the messages' contents (an event is a message whose key is its stream, routing key its type,
// header "schema" its schema version, other headers its data). Conflicts are kept as rows among the
// events; retention marks the revisions it removed. Bounded: each store keeps its newest kMaxEvents
// rows and lists at most kMaxStreams streams (the counts stay exact for the events the batches held).
#include "messagecatalog.h"

#include <QHash>
#include <QObject>
#include <QString>
#include <QStringList>

#include <deque>
#include <functional>
#include <optional>
#include <vector>

namespace sb {

class EventStoreLog : public QObject {
    Q_OBJECT

public:
    static constexpr int kMaxEvents = 20000;
    static constexpr int kMaxStreams = 5000;
    using MessageLookup = std::function<std::optional<MessageInfo>(std::uint64_t)>;

    struct Event {
        std::int64_t position = -1; // -1 for a conflict
        std::int64_t revision = -1;
        std::uint64_t messageId = 0;
        std::uint64_t command = 0;
        SimTime recorded = 0;
        NodeIndex writer = kNoIndex;
        QString stream, type, data; // stream "?" when the message is no longer known
        int schema = 0;             // 0: not said
        bool removed = false;       // retention removed it
        bool conflict = false;
        std::int64_t expected = 0, actual = -1; // a conflict's expected version and the stream's
    };
    struct Stream {
        QString name;
        std::uint64_t events = 0; // appended in all
        std::int64_t lastRevision = -1;
        std::int64_t firstRevision = 0; // retention removed the revisions before it
        std::uint64_t conflicts = 0;
        std::deque<std::uint64_t> rows; // sequence numbers (Store::row) of its kept rows, oldest first
        std::uint64_t droppedRows = 0;  // rows forgotten from its front
    };
    struct Store {
        NodeIndex node = kNoIndex;
        QString id, label;
        std::deque<Event> rows;        // events and conflicts, in trace order
        std::uint64_t droppedRows = 0; // rows forgotten from the front (the sequence of rows.front())
        std::vector<Stream> streams;   // in order of first appearance
        QHash<QString, int> streamIndex;
        std::uint64_t unlistedStreams = 0; // streams past kMaxStreams
        std::int64_t lastPosition = -1;
        std::uint64_t events = 0, conflicts = 0, removed = 0;
        const Event &row(std::uint64_t sequence) const { return rows[std::size_t(sequence - droppedRows)]; }
        bool hasRow(std::uint64_t sequence) const
        {
            return sequence >= droppedRows && sequence - droppedRows < rows.size();
        }
    };

    explicit EventStoreLog(QObject *parent = nullptr);

    // A run starts: the nodes by index (ids and the names to show).
    void begin(const QStringList &nodeIds, const QStringList &nodeLabels);
    void clear();
    void setMessageLookup(MessageLookup lookup) { m_lookup = std::move(lookup); }

    // A trace batch (GUI thread).
    void addEvents(const std::vector<TraceEvent> &events);

    int storeCount() const { return int(m_stores.size()); }
    const Store &store(int index) const { return m_stores[std::size_t(index)]; }
    int storeIndex(NodeIndex node) const;
    // Bumped whenever retention marks kept rows removed (views repaint them).
    std::uint64_t retentionGeneration() const { return m_retention; }

    // "conflict: expected revision 3, stream at 4" (domainMarkText's words).
    static QString conflictText(const Event &e);

signals:
    // A store appeared (its first append or conflict): the browser shows.
    void storeAdded(int index);
    // A batch changed one or more stores.
    void changed();

private:
    Store &storeFor(NodeIndex node);
    Stream *streamFor(Store &store, const QString &name);
    void pushRow(Store &store, Event row);
    void applyRetention(Store &store, const TraceEvent &e);

    MessageLookup m_lookup;
    QStringList m_nodeIds, m_nodeLabels;
    std::vector<Store> m_stores;
    std::uint64_t m_retention = 0;
};

} // namespace sb
