#include "readmodellog.h"

#include <QThread>

#include <algorithm>
#include <map>

namespace sb {

ReadModelLog::ReadModelLog(QObject *parent) : QObject(parent) {}

void ReadModelLog::begin(const QStringList &nodeIds, const QStringList &nodeLabels)
{
    clear();
    m_nodeIds = nodeIds;
    m_nodeLabels = nodeLabels;
}

void ReadModelLog::clear()
{
    m_projections.clear();
    m_stores.clear();
    m_upcasts.clear();
    m_unreadable.clear();
    m_parked.clear();
    m_nodeIds.clear();
    m_nodeLabels.clear();
    m_now = 0;
    Q_EMIT changed();
}

// The model that knows the event's type applies it (both schema versions read the same).
void ReadModelLog::applyToState(Row &row, const MessageInfo *info)
{
    if (!info) {
        row.stateComplete = false;
        return;
    }
    // Which model knows which event type, worked out once rather than for every event.
    static const std::map<std::string, const es::AggregateModel *> modelOf = [] {
        std::map<std::string, const es::AggregateModel *> out;
        for (const auto &name : es::aggregateModelNames()) {
            const es::AggregateModel *model = es::aggregateModel(name);
            for (const auto &type : model->eventTypes())
                out.emplace(type, model);
        }
        return out;
    }();
    if (const auto found = modelOf.find(info->routingKey); found != modelOf.end()) {
        const es::AggregateModel *model = found->second;
        Message m;
        m.id = info->id;
        m.key = info->key;
        m.routingKey = info->routingKey;
        m.headers = info->headers;
        model->apply(row.state, m);
    }
}

ReadModelLog::Projection &ReadModelLog::projectionFor(NodeIndex node)
{
    for (Projection &p : m_projections)
        if (p.node == node) return p;
    Projection p;
    p.node = node;
    p.id = node < NodeIndex(m_nodeIds.size()) ? m_nodeIds[int(node)] : QString::number(node);
    const QString label = node < NodeIndex(m_nodeLabels.size()) ? m_nodeLabels[int(node)] : QString();
    p.label = label.isEmpty() ? p.id : label;
    m_projections.push_back(std::move(p));
    Q_EMIT projectionAdded(int(m_projections.size()) - 1);
    return m_projections.back();
}

const std::pair<SimTime, std::int64_t> *ReadModelLog::positionEntry(NodeIndex store,
                                                                    std::int64_t position) const
{
    const auto it = m_stores.constFind(store);
    if (it == m_stores.constEnd() || position < it->first || position > it->last) return nullptr;
    const auto i = std::size_t(position - it->first);
    return i < it->entries.size() ? &it->entries[i] : nullptr;
}

void ReadModelLog::addEvents(const std::vector<TraceEvent> &events)
{
    Q_ASSERT(QThread::currentThread() == thread());
    bool touched = false;
    for (const TraceEvent &e : events) {
        m_now = std::max(m_now, e.time);
        switch (e.kind) {
        case TraceKind::StreamAppend: {
            StorePositions &s = m_stores[e.node];
            if (s.entries.empty()) s.first = e.offset;
            // Positions come in order; a gap (events the ring dropped) is filled with what we know.
            while (s.first + std::int64_t(s.entries.size()) < e.offset)
                s.entries.push_back({e.time, -1});
            if (s.first + std::int64_t(s.entries.size()) == e.offset) s.entries.push_back({e.time, e.aux});
            s.last = std::max(s.last, e.offset);
            while (s.entries.size() > kMaxPositions) {
                s.entries.pop_front();
                ++s.first;
            }
            touched = touched || !m_projections.empty();
            break;
        }
        case TraceKind::Project: {
            Projection &p = projectionFor(e.node);
            touched = true;
            p.store = e.peer;
            p.position = std::max(p.position, e.offset);
            ++p.applied;
            const auto info = e.messageId && m_lookup ? m_lookup(e.messageId) : std::nullopt;
            const QString stream = info ? QString::fromStdString(info->key) : QStringLiteral("?");
            auto it = p.rowIndex.constFind(stream);
            if (it == p.rowIndex.constEnd()) {
                if (int(p.rows.size()) >= kMaxRows) {
                    ++p.unlistedStreams;
                    break;
                }
                it = p.rowIndex.insert(stream, int(p.rows.size()));
                Row row;
                row.stream = stream;
                p.rows.push_back(std::move(row));
            }
            Row &row = p.rows[std::size_t(*it)];
            ++row.applied;
            if (info) row.lastType = QString::fromStdString(info->routingKey);
            applyToState(row, info ? &*info : nullptr);
            if (const auto *entry = positionEntry(e.peer, e.offset); entry && entry->second >= 0)
                row.revision = std::max(row.revision, entry->second);
            break;
        }
        case TraceKind::Upcast:
            ++m_upcasts[e.node];
            touched = true;
            break;
        case TraceKind::Park:
            // The store parks for a persistent subscriber (peer); a consumer parks for itself.
            ++m_parked[e.peer != kNoIndex ? e.peer : e.node];
            touched = true;
            break;
        case TraceKind::Drop:
            if (e.reason != DropReason::UnknownSchema) break;
            ++m_unreadable[e.node];
            touched = true;
            break;
        default:
            break;
        }
    }
    if (touched) Q_EMIT changed();
}

std::int64_t ReadModelLog::lagEvents(const Projection &p) const
{
    const auto it = m_stores.constFind(p.store);
    if (it == m_stores.constEnd()) return 0;
    return std::max<std::int64_t>(0, it->last - p.position);
}

SimTime ReadModelLog::lagTime(const Projection &p) const
{
    if (lagEvents(p) <= 0) return 0;
    const auto it = m_stores.constFind(p.store);
    // The oldest event not applied; when it is no longer remembered, the oldest remembered one.
    const std::int64_t position = std::max(p.position + 1, it->first);
    const auto *entry = positionEntry(p.store, position);
    return entry ? std::max<SimTime>(0, m_now - entry->first) : 0;
}

} // namespace sb
