#pragma once
// The event log: a table of trace events, appended in batches as the engine reports them. It keeps
// at most `capacity` events and forgets the oldest first, so a long run cannot exhaust memory.
// Nodes show by name, with the id in the tooltip.
#include "trace.h"

#include <QAbstractTableModel>
#include <QHash>
#include <QStringList>

#include <deque>
#include <vector>

namespace sb {

struct Topology;

class EventLogModel : public QAbstractTableModel {
    Q_OBJECT

public:
    enum Column {
        TimeColumn,
        KindColumn,
        NodeColumn,
        PeerColumn,
        LinkColumn,
        MessageColumn,
        CorrelationColumn,
        DeliveriesColumn,
        ReasonColumn,
        DetailColumn,
        ColumnCount
    };
    enum Role {
        TimeRole = Qt::UserRole + 1, // virtual time in ns (qint64)
        KindRole,                    // TraceKind as int
        NodeIndexRole,               // NodeIndex (uint); kNoIndex when none
        PeerIndexRole,               // NodeIndex (uint); kNoIndex when none
        MessageIdRole,               // qulonglong; 0 for events about no message
    };
    static constexpr std::size_t kDefaultCapacity = 200000;

    explicit EventLogModel(std::size_t capacity = kDefaultCapacity, QObject *parent = nullptr);

    // Appends the batch in one insertion; when the log is full the oldest rows go first.
    void appendBatch(const std::vector<TraceEvent> &events);
    // Maps node and link indices to their ids. The node columns show `nodeNames` (see nodeLabels();
    // the ids when empty) with the id in the tooltip; indices outside the lists show as numbers.
    void setNames(const QStringList &nodeIds, const QStringList &linkIds, const QStringList &nodeNames = {});
    // The same from a topology: ids, names and links in its order (the engine's indices).
    void setTopology(const Topology &topology);
    void clear();

    // row must be valid.
    const TraceEvent &eventAt(int row) const;
    std::size_t capacity() const { return m_capacity; }
    // Events forgotten because the log was full, since the last clear().
    quint64 discarded() const { return m_discarded; }

    // What the node columns show for a node; its id.
    QString nodeName(NodeIndex index) const;
    QString nodeId(NodeIndex index) const;
    QString linkName(LinkIndex index) const;
    // The index of the node with this id, else of the one shown with this name, else kNoIndex.
    NodeIndex nodeIndex(const QString &idOrName) const;

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    // What the Detail column says about an event: the meaning of its aux value and flags; a
    // Kafka or SQS frame by the protocol's name ("Fetch response", with its error); the partition,
    // offset and group of a log's events, the group named by `groupNames` (by TraceEvent::group,
    // consumerGroupNames()) or else by its number.
    static QString detailText(const TraceEvent &e, const QStringList &groupNames = {});
    // Names groups in the Detail column (setTopology() sets them from the topology).
    void setGroupNames(const QStringList &names);

private:
    QVariant displayData(const TraceEvent &e, int column) const;

    std::deque<TraceEvent> m_events;
    std::size_t m_capacity;
    quint64 m_discarded = 0;
    QStringList m_nodeIds;
    QStringList m_nodeNames;
    QStringList m_linkIds;
    QStringList m_groupNames;
    QHash<QString, NodeIndex> m_nodeIndex; // ids
    QHash<QString, NodeIndex> m_nameIndex; // names shown
};

} // namespace sb
