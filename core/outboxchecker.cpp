#include "outboxchecker.h"

namespace sb {

namespace {

std::string messageSubject(std::uint64_t id)
{
    return "message " + std::to_string(id);
}

} // namespace

OutboxChecker::OutboxChecker(std::vector<bool> isService, std::vector<std::string> nodeLabels)
    : m_isService(std::move(isService)), m_labels(std::move(nodeLabels))
{
}

std::unique_ptr<OutboxChecker> OutboxChecker::forTopology(const Topology &t,
                                                          const std::vector<std::string> &nodeLabels)
{
    std::vector<bool> services;
    for (const auto &n : t.nodes)
        services.push_back(n.kind == "outbox-service");
    return std::make_unique<OutboxChecker>(std::move(services), nodeLabels);
}

const std::vector<std::pair<std::string, std::string>> &OutboxChecker::help()
{
    static const std::vector<std::pair<std::string, std::string>> h = {
        {kLost, "outbox events whose committed change no consumer heard of (never published, given up, "
                "lost on the way)"},
        {kPhantom, "outbox events published whose database change never committed"},
        {kDuplicates, "extra processings of an outbox event by a consumer that does not dedupe"},
    };
    return h;
}

std::string OutboxChecker::label(NodeIndex n) const
{
    if (n < m_labels.size()) return m_labels[n];
    return n == kNoIndex ? std::string("?") : "node " + std::to_string(n);
}

void OutboxChecker::onMessage(const Message &m)
{
    if (isService(m.producer)) m_events[m.id].row = m.key;
}

void OutboxChecker::onEvent(const TraceEvent &e)
{
    if (!e.messageId) return;
    if (isService(e.node)) {
        switch (e.kind) {
        case TraceKind::DbCommit: {
            Event &ev = m_events[e.messageId];
            ev.service = e.node;
            ev.committed = true;
            ev.transactional = (e.flags & TraceFlag::Transactional) != 0;
            ev.committedAt = e.time;
            break;
        }
        case TraceKind::Publish:
        case TraceKind::Relay: {
            Event &ev = m_events[e.messageId];
            ev.service = e.node;
            if (!ev.published) ev.publishedAt = e.time;
            ev.published = true;
            break;
        }
        case TraceKind::Confirm:
            if (auto it = m_events.find(e.messageId); it != m_events.end()) it->second.confirmed = true;
            break;
        case TraceKind::Drop:
            if (e.reason == DropReason::RetriesExhausted)
                if (auto it = m_events.find(e.messageId); it != m_events.end()) it->second.gaveUp = true;
            break;
        default:
            break;
        }
        return;
    }
    if (e.kind != TraceKind::Process && e.kind != TraceKind::Dedupe) return;
    auto it = m_events.find(e.messageId);
    if (it == m_events.end() || !it->second.published) return;
    Event &ev = it->second;
    if (e.kind == TraceKind::Dedupe) {
        ++ev.deduped;
        return;
    }
    if (!ev.processed++) ev.firstConsumer = e.node;
    const std::uint32_t times = ++m_processings[{e.messageId, e.node, e.peer}];
    if (times < 2) return;
    ++m_duplicates;
    if (m_duplicateExamples.size() < kKeptExamples)
        m_duplicateExamples.push_back({kDuplicates,
                                       messageSubject(e.messageId) +
                                           (ev.row.empty() ? "" : " (row " + ev.row + ")") + " from " +
                                           label(ev.service) + " processed " + std::to_string(times) +
                                           " times by " + label(e.node) + " from " + label(e.peer),
                                       messageSubject(e.messageId), e.messageId, 0, e.node, e.time});
}

bool OutboxChecker::any() const
{
    for (bool s : m_isService)
        if (s) return true;
    return !m_events.empty();
}

std::string OutboxChecker::describe(std::uint64_t id, const Event &ev) const
{
    return messageSubject(id) + (ev.row.empty() ? "" : " (row " + ev.row + ")") + " of " + label(ev.service);
}

std::vector<CheckResult> OutboxChecker::checks() const
{
    const auto &h = help();
    CheckResult lost{h[0].first, h[0].second, 0, {}};
    CheckResult phantom{h[1].first, h[1].second, 0, {}};
    for (const auto &[id, ev] : m_events) {
        if (ev.committed && !ev.processed && !ev.deduped) {
            // Still in the outbox: the relay has it and will publish it (not lost, pending).
            if (ev.transactional && !ev.confirmed) continue;
            ++lost.count;
            if (lost.examples.size() < kKeptExamples) {
                const std::string why = !ev.published ? "was never published"
                                        : ev.gaveUp   ? "was published, then given up"
                                                      : "was published but no consumer processed it";
                lost.examples.push_back({kLost,
                                         describe(id, ev) + ": the change committed at " +
                                             formatDuration(ev.committedAt) + " but its event " + why,
                                         messageSubject(id), id, 0, ev.service, ev.committedAt});
            }
        }
        if (ev.published && !ev.committed) {
            ++phantom.count;
            if (phantom.examples.size() < kKeptExamples)
                phantom.examples.push_back(
                    {kPhantom,
                     describe(id, ev) + " was published at " + formatDuration(ev.publishedAt) +
                         (ev.processed ? " and processed by " + label(ev.firstConsumer) : std::string()) +
                         " but its change never committed",
                     messageSubject(id), id, 0, ev.service, ev.publishedAt});
        }
    }
    CheckResult duplicates{h[2].first, h[2].second, m_duplicates, m_duplicateExamples};
    return {std::move(lost), std::move(phantom), std::move(duplicates)};
}

} // namespace sb
