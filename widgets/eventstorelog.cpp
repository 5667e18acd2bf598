#include "eventstorelog.h"

#include "sequence.h"

#include <QThread>

namespace sb {

EventStoreLog::EventStoreLog(QObject *parent) : QObject(parent) {}

void EventStoreLog::begin(const QStringList &nodeIds, const QStringList &nodeLabels)
{
    clear();
    m_nodeIds = nodeIds;
    m_nodeLabels = nodeLabels;
}

void EventStoreLog::clear()
{
    m_stores.clear();
    m_nodeIds.clear();
    m_nodeLabels.clear();
    ++m_retention;
    Q_EMIT changed();
}

int EventStoreLog::storeIndex(NodeIndex node) const
{
    for (std::size_t i = 0; i < m_stores.size(); ++i)
        if (m_stores[i].node == node) return int(i);
    return -1;
}

EventStoreLog::Store &EventStoreLog::storeFor(NodeIndex node)
{
    if (const int i = storeIndex(node); i >= 0) return m_stores[std::size_t(i)];
    Store s;
    s.node = node;
    s.id = node < NodeIndex(m_nodeIds.size()) ? m_nodeIds[int(node)] : QString::number(node);
    const QString label = node < NodeIndex(m_nodeLabels.size()) ? m_nodeLabels[int(node)] : QString();
    s.label = label.isEmpty() ? s.id : label;
    m_stores.push_back(std::move(s));
    Q_EMIT storeAdded(int(m_stores.size()) - 1);
    return m_stores.back();
}

EventStoreLog::Stream *EventStoreLog::streamFor(Store &store, const QString &name)
{
    if (auto it = store.streamIndex.constFind(name); it != store.streamIndex.constEnd())
        return &store.streams[std::size_t(*it)];
    if (int(store.streams.size()) >= kMaxStreams) {
        ++store.unlistedStreams;
        return nullptr;
    }
    store.streamIndex.insert(name, int(store.streams.size()));
    Stream s;
    s.name = name;
    store.streams.push_back(std::move(s));
    return &store.streams.back();
}

void EventStoreLog::pushRow(Store &store, Event row)
{
    const std::uint64_t sequence = store.droppedRows + store.rows.size();
    if (Stream *s = streamFor(store, row.stream)) s->rows.push_back(sequence);
    store.rows.push_back(std::move(row));
    if (int(store.rows.size()) <= kMaxEvents) return;
    // The oldest row goes; it is its stream's oldest kept row too.
    const Event &oldest = store.rows.front();
    if (auto it = store.streamIndex.constFind(oldest.stream); it != store.streamIndex.constEnd()) {
        auto &rows = store.streams[std::size_t(*it)].rows;
        if (!rows.empty() && rows.front() == store.droppedRows) {
            rows.pop_front();
            ++store.streams[std::size_t(*it)].droppedRows;
        }
    }
    store.rows.pop_front();
    ++store.droppedRows;
}

void EventStoreLog::applyRetention(Store &store, const TraceEvent &e)
{
    // The event names the stream's first readable revision and how many were removed, not the
    // stream: the stream its message names when it has one, else the one whose first revision plus
    // the removed count gives it, preferring the stream appended to last (maxCount trims right
    // after an append).
    Stream *stream = nullptr;
    if (e.messageId && m_lookup)
        if (const auto info = m_lookup(e.messageId)) {
            auto it = store.streamIndex.constFind(QString::fromStdString(info->key));
            if (it != store.streamIndex.constEnd()) stream = &store.streams[std::size_t(*it)];
        }
    const auto fits = [&e](const Stream &s) {
        return s.firstRevision + e.aux == e.offset && s.lastRevision >= e.offset - 1;
    };
    if (!stream) {
        for (std::size_t i = store.rows.size(); i-- > 0 && !stream;)
            if (!store.rows[i].conflict) {
                auto it = store.streamIndex.constFind(store.rows[i].stream);
                if (it != store.streamIndex.constEnd() && fits(store.streams[std::size_t(*it)]))
                    stream = &store.streams[std::size_t(*it)];
                break;
            }
    }
    for (std::size_t i = 0; !stream && i < store.streams.size(); ++i)
        if (fits(store.streams[i])) stream = &store.streams[i];
    if (!stream) return;
    stream->firstRevision = std::max(stream->firstRevision, e.offset);
    store.removed += std::uint64_t(std::max<std::int64_t>(e.aux, 0));
    for (std::uint64_t seq : stream->rows) {
        if (!store.hasRow(seq)) continue;
        Event &row = store.rows[std::size_t(seq - store.droppedRows)];
        if (!row.conflict && row.revision < e.offset) row.removed = true;
    }
    ++m_retention;
}

void EventStoreLog::addEvents(const std::vector<TraceEvent> &events)
{
    Q_ASSERT(QThread::currentThread() == thread());
    bool touched = false;
    for (const TraceEvent &e : events) {
        if (e.kind != TraceKind::StreamAppend && e.kind != TraceKind::Conflict &&
            !(e.kind == TraceKind::Retention && storeIndex(e.node) >= 0))
            continue;
        Store &store = storeFor(e.node);
        touched = true;
        if (e.kind == TraceKind::Retention) {
            applyRetention(store, e);
            continue;
        }
        Event row;
        row.messageId = e.messageId;
        row.command = e.correlationId;
        row.recorded = e.time;
        row.writer = e.peer;
        row.stream = QStringLiteral("?");
        if (const auto info = e.messageId && m_lookup ? m_lookup(e.messageId) : std::nullopt) {
            row.stream = QString::fromStdString(info->key);
            row.type = QString::fromStdString(info->routingKey);
            QStringList data;
            for (const Header &h : info->headers) {
                if (h.name == "schema") {
                    row.schema = QString::fromStdString(h.value).toInt();
                    continue;
                }
                data << QStringLiteral("%1=%2").arg(QString::fromStdString(h.name),
                                                    QString::fromStdString(h.value));
            }
            row.data = data.join(QStringLiteral(", "));
        }
        if (e.kind == TraceKind::Conflict) {
            row.conflict = true;
            row.expected = e.offset;
            row.actual = e.aux;
            ++store.conflicts;
            if (Stream *s = streamFor(store, row.stream)) ++s->conflicts;
        } else {
            row.position = e.offset;
            row.revision = e.aux;
            ++store.events;
            store.lastPosition = std::max(store.lastPosition, e.offset);
            if (Stream *s = streamFor(store, row.stream)) {
                ++s->events;
                s->lastRevision = std::max(s->lastRevision, e.aux);
            }
        }
        pushRow(store, std::move(row));
    }
    if (touched) Q_EMIT changed();
}

QString EventStoreLog::conflictText(const Event &e)
{
    TraceEvent t;
    t.kind = TraceKind::Conflict;
    t.offset = e.expected;
    t.aux = e.actual;
    return QString::fromStdString(domainMarkText(t));
}

} // namespace sb
