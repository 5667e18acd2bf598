#pragma once
// What the window knows of a run's read models, from the trace batches alone: per projection (a
// node that applies a store's events, tracing Project) its position, its lag behind its store (in
// events, and the time since the oldest event it has not applied), the events applied, upcast,
// unreadable and parked, and one row per stream it projected (events applied, last type, the
// revision reached, the state its events make). The store's positions come from its StreamAppend events.
// Bounded: a projection lists at most kMaxRows streams (the counts stay exact), a store's positions are
// remembered for its newest kMaxPositions events (an older lag time is then a lower bound).
#include "messagecatalog.h"
#include "nodes/eventsourcing/aggregatemodel.h"

#include <QHash>
#include <QObject>
#include <QString>
#include <QStringList>

#include <deque>
#include <functional>
#include <optional>
#include <vector>

namespace sb {

class ReadModelLog : public QObject {
    Q_OBJECT

public:
    static constexpr int kMaxRows = 2000;
    static constexpr std::size_t kMaxPositions = 100000;
    using MessageLookup = std::function<std::optional<MessageInfo>(std::uint64_t)>;

    struct Row {
        QString stream;
        std::uint64_t applied = 0;
        QString lastType;
        std::int64_t revision = -1; // -1: not known (older than the store's remembered positions)
        // The row's state: what the event's model (the one that knows its type) makes of the
        // events applied, as the projection's own table holds it. Incomplete when an event's
        // contents had left the message catalog.
        es::AggregateState state;
        bool stateComplete = true;
    };
    struct Projection {
        NodeIndex node = kNoIndex;
        QString id, label;
        NodeIndex store = kNoIndex;
        std::int64_t position = -1; // the last position applied
        std::uint64_t applied = 0;
        std::vector<Row> rows;
        QHash<QString, int> rowIndex;
        std::uint64_t unlistedStreams = 0;
    };

    explicit ReadModelLog(QObject *parent = nullptr);
    void begin(const QStringList &nodeIds, const QStringList &nodeLabels);
    void clear();
    void setMessageLookup(MessageLookup lookup) { m_lookup = std::move(lookup); }
    void addEvents(const std::vector<TraceEvent> &events);

    int projectionCount() const { return int(m_projections.size()); }
    const Projection &projection(int index) const { return m_projections[std::size_t(index)]; }
    // The time of the newest event seen.
    SimTime now() const { return m_now; }
    // Events the store holds that the projection has not applied.
    std::int64_t lagEvents(const Projection &p) const;
    // How long the oldest of those has waited (0 when caught up).
    SimTime lagTime(const Projection &p) const;
    std::uint64_t upcasts(NodeIndex node) const { return m_upcasts.value(node); }
    std::uint64_t unreadable(NodeIndex node) const { return m_unreadable.value(node); }
    std::uint64_t parked(NodeIndex node) const { return m_parked.value(node); }

signals:
    void projectionAdded(int index);
    void changed();

private:
    struct StorePositions {
        std::int64_t first = 0; // the position of times.front()
        std::int64_t last = -1;
        std::deque<std::pair<SimTime, std::int64_t>> entries; // (recorded, revision) by position
    };
    Projection &projectionFor(NodeIndex node);
    static void applyToState(Row &row, const MessageInfo *info);
    const std::pair<SimTime, std::int64_t> *positionEntry(NodeIndex store, std::int64_t position) const;

    MessageLookup m_lookup;
    QStringList m_nodeIds, m_nodeLabels;
    std::vector<Projection> m_projections;
    QHash<NodeIndex, StorePositions> m_stores;
    QHash<NodeIndex, std::uint64_t> m_upcasts, m_unreadable, m_parked;
    SimTime m_now = 0;
};

} // namespace sb
