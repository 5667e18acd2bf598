#pragma once
// The message inspector's table: every kept event of one message's journey (and of messages
// correlated with it: a request's reply), in time order — publish, route, enqueue, deliver, ack,
// drops and redeliveries — with where it happened and what it carried.
#include "sequencehistory.h"

#include <QAbstractTableModel>
#include <QStringList>

namespace sb {

class JourneyModel : public QAbstractTableModel {
    Q_OBJECT

public:
    enum Column {
        TimeColumn,
        EventColumn,
        NodeColumn,
        PeerColumn,
        LinkColumn,
        DeliveryColumn,
        DetailColumn,
        ColumnCount
    };
    enum Role { HistoryIndexRole = Qt::UserRole + 1, MessageIdRole };

    explicit JourneyModel(QObject *parent = nullptr);

    // Shows message `id` from `history` (borrowed; call again after it changes), nodes by the names
    // given (by index). 0 clears.
    void setMessage(const SequenceHistory *history, std::uint64_t id, const QStringList &nodeNames,
                    const QStringList &linkIds);
    std::uint64_t messageId() const { return m_id; }
    // A summary line: "message #12: published by producer at 3ms, 4 hops, processed by worker-1".
    QString summary() const;

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    QString nodeName(NodeIndex n) const;
    std::vector<TraceEvent> m_events;
    std::vector<std::size_t> m_indices;
    std::uint64_t m_id = 0;
    QStringList m_nodeNames, m_linkIds;
};

} // namespace sb
