#include "eventsourcingchecker.h"

namespace sb {

namespace {
std::string expectedText(std::int64_t v)
{
    switch (v) {
    case -2:
        return "any";
    case -1:
        return "no_stream";
    case -4:
        return "stream_exists";
    default:
        return "revision " + std::to_string(v);
    }
}
} // namespace

const std::vector<std::pair<std::string, std::string>> &EventSourcingChecker::checkHelp()
{
    static const std::vector<std::pair<std::string, std::string>> help = {
        {"conflicts", "appends refused with WrongExpectedVersion: another writer changed the stream after "
                      "this one loaded it (optimistic concurrency)"},
        {"stale-reads", "read-your-writes violations: a client's query answered from a read model that had "
                        "not applied the client's own latest write"},
        {"unreadable-events", "events a reader could not read: a schema version it neither knows nor can "
                              "upcast (it stopped on them or parked them)"},
        {"parked-events", "events a persistent subscription parked after its retries ran out"},
    };
    return help;
}

std::string EventSourcingChecker::label(NodeIndex n) const
{
    return n < m_labels.size() ? m_labels[n] : std::to_string(n);
}

void EventSourcingChecker::onEvent(const TraceEvent &e)
{
    switch (e.kind) {
    case TraceKind::StreamAppend:
        m_any = true;
        ++m_appended;
        break;
    case TraceKind::Conflict: {
        m_any = true;
        Finding f;
        f.check = "conflicts";
        f.what = label(e.peer) + " appended at " + expectedText(e.offset) + " but the stream was at " +
                 (e.aux < 0 ? std::string("no stream") : "revision " + std::to_string(e.aux)) + " (" +
                 label(e.node) + ")";
        f.subject = e.correlationId ? "command " + std::to_string(e.correlationId)
                                    : "message " + std::to_string(e.messageId);
        f.messageId = e.messageId;
        f.correlationId = e.correlationId;
        f.node = e.node;
        f.time = e.time;
        m_conflicts.add(std::move(f));
        break;
    }
    case TraceKind::QueryAnswer: {
        m_any = true;
        ++m_answers;
        if (!(e.flags & TraceFlag::Stale)) break;
        Finding f;
        f.check = "stale-reads";
        f.what = label(e.node) + " wrote up to position " + std::to_string(e.aux) + " but " + label(e.peer) +
                 " answered from position " + std::to_string(e.offset);
        f.subject = "query " + std::to_string(e.correlationId);
        f.messageId = e.messageId;
        f.correlationId = e.correlationId;
        f.node = e.node;
        f.time = e.time;
        m_stale.add(std::move(f));
        break;
    }
    case TraceKind::Drop:
    case TraceKind::Park:
    case TraceKind::DeadLetter:
        if (e.reason == DropReason::UnknownSchema) {
            m_any = true;
            Finding f;
            f.check = "unreadable-events";
            f.what = label(e.node) + " could not read message " + std::to_string(e.messageId) +
                     " (schema version " + std::to_string(e.deliveryCount) + ")" +
                     (e.kind == TraceKind::Park ? " and parked it" : "");
            f.subject = "message " + std::to_string(e.messageId);
            f.messageId = e.messageId;
            f.node = e.node;
            f.time = e.time;
            m_unreadable.add(std::move(f));
        } else if (e.kind == TraceKind::Park && e.reason == DropReason::Parked) {
            m_any = true;
            Finding f;
            f.check = "parked-events";
            f.what = label(e.node) + " parked message " + std::to_string(e.messageId) + " at position " +
                     std::to_string(e.offset) + " after its retries to " + label(e.peer);
            f.subject = "message " + std::to_string(e.messageId);
            f.messageId = e.messageId;
            f.node = e.node;
            f.time = e.time;
            m_parked.add(std::move(f));
        }
        break;
    default:
        break;
    }
}

std::vector<CheckResult> EventSourcingChecker::checks() const
{
    const auto &help = checkHelp();
    const Tally *tallies[] = {&m_conflicts, &m_stale, &m_unreadable, &m_parked};
    std::vector<CheckResult> out;
    for (std::size_t i = 0; i < help.size(); ++i)
        out.push_back({help[i].first, help[i].second, tallies[i]->count, tallies[i]->examples});
    return out;
}

} // namespace sb
