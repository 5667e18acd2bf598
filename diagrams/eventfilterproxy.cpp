#include "eventfilterproxy.h"

#include "eventlogmodel.h"

#include "sequence.h"

namespace sb {

namespace {

std::optional<TraceKind> kindFromText(const QString &text)
{
    TraceKind kind;
    if (traceKindFromName(text.toLower().toStdString(), kind)) return kind;
    return std::nullopt;
}

std::optional<FrameType> frameFromText(const QString &text)
{
    FrameType frame;
    if (frameTypeFromText(text.toStdString(), frame)) return frame;
    return std::nullopt;
}

std::optional<quint64> messageFromText(const QString &text)
{
    bool ok = false;
    const quint64 id = text.toULongLong(&ok);
    if (!ok || id == 0) return std::nullopt;
    return id;
}

} // namespace

EventFilterProxy::EventFilterProxy(QObject *parent) : QSortFilterProxyModel(parent) {}

void EventFilterProxy::setSourceModel(QAbstractItemModel *model)
{
    m_log = qobject_cast<EventLogModel *>(model);
    Q_ASSERT_X(!model || m_log, "EventFilterProxy", "the source model must be an EventLogModel");
    QSortFilterProxyModel::setSourceModel(model);
}

void EventFilterProxy::setNodeFilter(const QString &nodeId)
{
    if (nodeId == m_nodeId) return;
    m_nodeId = nodeId;
    invalidateFilter();
}

void EventFilterProxy::setKindFilter(std::optional<TraceKind> kind)
{
    if (kind == m_kind) return;
    m_kind = kind;
    invalidateFilter();
}

void EventFilterProxy::setMessageFilter(quint64 messageId)
{
    if (messageId == m_messageId) return;
    m_messageId = messageId;
    invalidateFilter();
}

void EventFilterProxy::setFrameFilter(std::optional<FrameType> frame)
{
    if (frame == m_frame) return;
    m_frame = frame;
    invalidateFilter();
}

void EventFilterProxy::setCallFilter(quint64 callId)
{
    if (callId == m_callId) return;
    m_callId = callId;
    invalidateFilter();
}

bool EventFilterProxy::setFilterText(const QString &text, QString *error)
{
    QString node;
    std::optional<TraceKind> kind;
    quint64 message = 0, call = 0;
    std::optional<FrameType> frame;
    const auto fail = [error](const QString &reason) {
        if (error) *error = reason;
        return false;
    };

    const QStringList terms = text.split(QLatin1Char(' '), Qt::SkipEmptyParts);
    for (const QString &term : terms) {
        const qsizetype colon = term.indexOf(QLatin1Char(':'));
        const QString key = colon > 0 ? term.left(colon).toLower() : QString();
        const QString value = colon > 0 ? term.mid(colon + 1) : term;
        if (key == QLatin1String("node")) {
            if (value.isEmpty()) return fail(tr("\"node:\" needs a node id, e.g. node:tasks"));
            node = value;
        } else if (key == QLatin1String("kind")) {
            kind = kindFromText(value);
            if (!kind) return fail(tr("\"%1\" is not an event kind (e.g. publish, deliver, ack)").arg(value));
        } else if (key == QLatin1String("frame")) {
            frame = frameFromText(value);
            if (!frame)
                return fail(
                    tr("\"%1\" is not a frame type (e.g. request, reply, deliver, Fetch, OffsetCommit)")
                        .arg(value));
        } else if (key == QLatin1String("call")) {
            const auto id = messageFromText(value);
            if (!id) return fail(tr("\"%1\" is not a call id (a number from 1)").arg(value));
            call = *id;
        } else if (key == QLatin1String("msg") || key == QLatin1String("message")) {
            const auto id = messageFromText(value);
            if (!id) return fail(tr("\"%1\" is not a message id (a number from 1)").arg(value));
            message = *id;
        } else if (term.startsWith(QLatin1Char('#'))) {
            const auto id = messageFromText(term.mid(1));
            if (!id) return fail(tr("\"%1\" is not a message id (a number from 1)").arg(term.mid(1)));
            message = *id;
        } else if (const auto id = messageFromText(term)) {
            message = *id;
        } else if (m_log && m_log->nodeIndex(term) != kNoIndex) {
            // Node ids and names win over kind names so that a node called "ack" can still be found.
            node = term;
        } else if (const auto k = kindFromText(term)) {
            kind = k;
        } else if (const auto f = frameFromText(term)) {
            // A frame by its name ("OffsetCommit", "Fetch"), after kinds: "deliver" is the event.
            frame = f;
        } else {
            // Ids may contain colons ("dc1:queue"), so an unknown term is taken as a node id.
            node = term;
        }
    }

    const bool changed =
        node != m_nodeId || kind != m_kind || message != m_messageId || frame != m_frame || call != m_callId;
    m_nodeId = node;
    m_kind = kind;
    m_messageId = message;
    m_frame = frame;
    m_callId = call;
    if (changed) invalidateFilter();
    return true;
}

bool EventFilterProxy::filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const
{
    if (!m_log || sourceParent.isValid()) return true;
    const TraceEvent &e = m_log->eventAt(sourceRow);
    if (m_kind && e.kind != *m_kind) return false;
    if (m_messageId && e.messageId != m_messageId) return false;
    if (m_frame && !((e.kind == TraceKind::Send || (e.kind == TraceKind::Drop && e.link != kNoIndex)) &&
                     e.frame == *m_frame))
        return false;
    if (m_callId && e.correlationId != m_callId) return false;
    if (!m_nodeId.isEmpty()) {
        const NodeIndex node = m_log->nodeIndex(m_nodeId);
        if (node == kNoIndex || (e.node != node && e.peer != node)) return false;
    }
    return true;
}

} // namespace sb
