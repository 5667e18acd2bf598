#pragma once
// Narrows an EventLogModel to the events about one node, of one kind, or about one message. The
// filters combine (all must match); an unset filter matches everything. The source model must be
// an EventLogModel.
#include "trace.h"

#include <QSortFilterProxyModel>

#include <optional>

namespace sb {

class EventLogModel;

class EventFilterProxy : public QSortFilterProxyModel {
    Q_OBJECT

public:
    explicit EventFilterProxy(QObject *parent = nullptr);

    void setSourceModel(QAbstractItemModel *model) override;

    // Events where the node is either the one acting or its peer (a delivery from a queue to a
    // consumer is about both). The node is named by its id or by the name the log shows; an empty
    // text clears the filter; an unknown one matches nothing.
    void setNodeFilter(const QString &nodeId);
    QString nodeFilter() const { return m_nodeId; }
    void setKindFilter(std::optional<TraceKind> kind);
    std::optional<TraceKind> kindFilter() const { return m_kind; }
    // 0 clears the filter.
    void setMessageFilter(quint64 messageId);
    quint64 messageFilter() const { return m_messageId; }
    // Events of frames of this type: frames sent or lost on a link (request, reply, stream-data...).
    void setFrameFilter(std::optional<FrameType> frame);
    std::optional<FrameType> frameFilter() const { return m_frame; }
    // Events of one call (their correlation id is the call's id); 0 clears the filter.
    void setCallFilter(quint64 callId);
    quint64 callFilter() const { return m_callId; }

    // Sets all the filters from what a person typed: space-separated terms "node:ID" (or a name),
    // "kind:NAME", "frame:NAME" (a file name or the protocol's: "offset-commit", "OffsetCommit"), "call:N",
    // "msg:N" (or "#N"); a bare number is a message id, a bare word a node id or name or, failing that, an
    // event kind such as "deliver", then a frame type such as "Fetch". Terms not given clear their filter.
    // Returns false, with the reason in error, for a term it cannot read (the filters are then unchanged).
    bool setFilterText(const QString &text, QString *error = nullptr);

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const override;

private:
    EventLogModel *m_log = nullptr;
    QString m_nodeId;
    std::optional<TraceKind> m_kind;
    quint64 m_messageId = 0;
    std::optional<FrameType> m_frame;
    quint64 m_callId = 0;
};

} // namespace sb
