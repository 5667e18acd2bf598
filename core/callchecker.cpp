#include "callchecker.h"

#include "callstatus.h"
#include "simtime.h"

#include <algorithm>

namespace sb {

namespace {
bool isCallReason(DropReason r)
{
    return r == DropReason::UnknownCorrelation || r == DropReason::DeadlineExceeded ||
           r == DropReason::Cancelled;
}

// The checks in the order the report lists them, with what each counts.
struct CheckSpec {
    const char *name, *help;
};
constexpr CheckSpec kChecks[] = {
    {CallChecker::kExecutedTwice, "calls that servers executed more than once"},
    {CallChecker::kFailedCalls, "calls that ended with a status other than OK or 2xx"},
    {CallChecker::kLateReplies, "replies that came after their caller stopped waiting for them"},
    {CallChecker::kLostReplies, "replies lost on a link on their way back"},
    {CallChecker::kDeadlineExceeded, "calls that ended DEADLINE_EXCEEDED"},
};
enum CheckSlot : std::size_t { ExecutedTwice, FailedCalls, LateReplies, LostReplies, DeadlineExceededSlot };
} // namespace

CallChecker::CallChecker(std::vector<std::string> nodeLabels) : m_labels(std::move(nodeLabels))
{
    for (const auto &c : kChecks)
        m_checks.push_back({c.name, c.help, 0, {}});
}

void CallChecker::onMessage(const Message &m)
{
    if (!m.correlationId) return;
    m_announcedCall = m.correlationId;
    m_announcedRequest = m.id;
    m_announcedMethod = m.routingKey;
}

std::string CallChecker::label(NodeIndex n) const
{
    if (n < m_labels.size()) return m_labels[n];
    return n == kNoIndex ? std::string("an unknown node") : "node " + std::to_string(n);
}

std::uint32_t CallChecker::methodIndex(NodeIndex client, const std::string &method)
{
    // A client calls a few methods: a short search, with no allocation per call.
    const std::size_t slot = client == kNoIndex ? 0 : std::size_t(client) + 1;
    if (slot >= m_methodsByClient.size()) m_methodsByClient.resize(slot + 1);
    for (std::uint32_t i : m_methodsByClient[slot])
        if (m_methods[i].method == method) return i;
    m_methods.push_back({client, method, nullptr, {}});
    m_methodsByClient[slot].push_back(std::uint32_t(m_methods.size() - 1));
    return std::uint32_t(m_methods.size() - 1);
}

std::string CallChecker::callText(std::uint64_t id, std::uint32_t method) const
{
    std::string text = "call " + std::to_string(id);
    if (method < m_methods.size()) {
        const MethodStats &m = m_methods[method];
        text += " (";
        if (!m.method.empty()) text += m.method + " ";
        text += "from " + label(m.client) + ")";
    }
    return text;
}

void CallChecker::addFinding(std::size_t check, Finding f)
{
    CheckResult &r = m_checks[check];
    ++r.count;
    if (r.examples.size() >= kKeptExamples) return;
    f.check = r.check;
    r.examples.push_back(std::move(f));
}

void CallChecker::onEvent(const TraceEvent &e)
{
    if (!m_candidates.empty()) retireFinished(e.time);
    nodeEvent(e);
    switch (e.kind) {
    case TraceKind::Call:
    case TraceKind::Accept:
    case TraceKind::Execute:
    case TraceKind::Complete:
    case TraceKind::Hedge:
    case TraceKind::Cancel:
        break;
    case TraceKind::Send:
        if (!isCallFrame(e.frame)) return;
        break;
    case TraceKind::Drop:
        // On a link: a call frame lost. At a node: a call given up (deadline, cancel) or a reply
        // nobody waits for.
        if (!isCallFrame(e.frame) && (e.link != kNoIndex || !isCallReason(e.reason))) return;
        break;
    default:
        return; // message delivery, faults, breakers, blocking: not about one call
    }
    const std::uint64_t id = e.correlationId;
    if (!id) return;
    auto it = m_open.find(id);
    if (it == m_open.end()) {
        if (e.kind == TraceKind::Drop && e.reason == DropReason::UnknownCorrelation) {
            const Recent *recent = m_recent.empty() ? nullptr : &m_recent[id & (kRecent - 1)];
            if (!recent || recent->id != id) {
                ++m_totals.unmatchedReplies; // a reply to a call this run never made
                return;
            }
        }
        Call c;
        if (!m_recent.empty()) {
            // A call folded a moment ago: open it again with what it had, so this event counts
            // as if it had never been folded (its execution class is taken back out of the counts).
            Recent &recent = m_recent[id & (kRecent - 1)];
            if (recent.id == id) {
                c.started = c.completed = true;
                c.executions = recent.executions;
                c.attempts = recent.attempts;
                c.method = recent.method;
                if (recent.method < m_methods.size()) c.client = m_methods[recent.method].client;
                Counts undo;
                classify(recent.executions, undo);
                m_folded.executedNever -= undo.executedNever;
                m_folded.executedOnce -= undo.executedOnce;
                m_folded.executedTwiceOrMore -= undo.executedTwiceOrMore;
                recent.id = 0;
            }
        }
        it = m_open.emplace(id, std::move(c)).first;
    }
    apply(e, id, it->second);
}

void CallChecker::hold(Call &c, NodeIndex server)
{
    for (auto &h : c.held)
        if (h.server == server) {
            ++h.count;
            return;
        }
    c.held.push_back({server, 1});
}

void CallChecker::release(Call &c, NodeIndex server)
{
    for (std::size_t i = 0; i < c.held.size(); ++i)
        if (c.held[i].server == server) {
            if (--c.held[i].count == 0) c.held.erase(c.held.begin() + std::ptrdiff_t(i));
            return;
        }
}

void CallChecker::apply(const TraceEvent &e, std::uint64_t id, Call &c)
{
    c.lastActivity = std::max(c.lastActivity, e.time);
    switch (e.kind) {
    case TraceKind::Call:
        if (c.started) break;
        c.started = true;
        c.client = e.node;
        c.request = e.messageId;
        ++m_totals.calls;
        c.method =
            methodIndex(e.node, m_announcedCall == id || (e.messageId && m_announcedRequest == e.messageId)
                                    ? m_announcedMethod
                                    : std::string());
        break;
    case TraceKind::Send:
        // Whatever it carries may still do something when it arrives.
        c.lastActivity = std::max<SimTime>(c.lastActivity, e.aux);
        if (e.frame == FrameType::Request && (c.client == kNoIndex || e.node == c.client) &&
            e.deliveryCount > c.attempts) {
            m_totals.attempts += e.deliveryCount - c.attempts;
            if (c.attempts == 0) ++m_calledAtLeastOnce;
            c.attempts = e.deliveryCount;
        } else if (e.frame == FrameType::Reply && e.node != c.client) {
            release(c, e.node); // the server is done with an attempt
        }
        break;
    case TraceKind::Accept:
        hold(c, e.node);
        break;
    case TraceKind::Execute:
        ++c.executions;
        ++m_totals.executions;
        if (c.executions == 2) {
            Finding f;
            f.what = callText(id, c.method) + " was executed a second time, at " + label(e.node) + " at " +
                     formatDuration(e.time);
            f.subject = "call " + std::to_string(id);
            f.messageId = c.request;
            f.correlationId = id;
            f.node = e.node;
            f.time = e.time;
            addFinding(ExecutedTwice, std::move(f));
        }
        break;
    case TraceKind::Hedge:
        ++c.hedges;
        ++m_totals.hedges;
        break;
    case TraceKind::Cancel:
        if (c.client != kNoIndex && e.node == c.client) {
            ++m_totals.cancelledAttempts;
        } else {
            ++m_totals.cancelledAtServers;
            release(c, e.node);
        }
        break;
    case TraceKind::Complete: {
        if (c.completed) break;
        c.completed = true;
        c.status = e.status;
        if (c.client == kNoIndex) c.client = e.node;
        if (e.deliveryCount > c.attempts) {
            m_totals.attempts += e.deliveryCount - c.attempts;
            if (c.attempts == 0) ++m_calledAtLeastOnce;
            c.attempts = e.deliveryCount;
        }
        ++m_totals.completed;
        if (c.method == UINT32_MAX) c.method = methodIndex(c.client, std::string());
        MethodStats &m = m_methods[c.method];
        if (!m.latency) m.latency = std::make_unique<LatencyHistogram>();
        m.latency->record(e.aux);
        ++m.byStatus[e.status];
        Finding f;
        f.subject = "call " + std::to_string(id);
        f.messageId = c.request;
        f.correlationId = id;
        f.node = e.node;
        f.time = e.time;
        if (isSuccessStatus(e.status)) {
            ++m_totals.succeeded;
        } else {
            ++m_totals.failed;
            ++m_failedByStatus[e.status];
            f.what = callText(id, c.method) + " failed with " +
                     (e.status == kNoStatus ? std::string("no status") : statusName(e.status)) + " after " +
                     std::to_string(c.attempts) + (c.attempts == 1 ? " attempt" : " attempts");
            addFinding(FailedCalls, f);
        }
        if (e.status == Grpc::DeadlineExceeded) {
            ++m_totals.deadlineExceeded;
            f.what = callText(id, c.method) + " exceeded its deadline after " + formatDuration(e.aux);
            addFinding(DeadlineExceededSlot, std::move(f));
        }
        break;
    }
    case TraceKind::Drop:
        if (e.link != kNoIndex) {
            if (e.frame == FrameType::Reply) {
                // The link lost it as the server sent it: the server is done with that attempt.
                if (c.client == kNoIndex || e.node != c.client) release(c, e.node);
                ++m_totals.repliesLost;
                Finding f;
                f.what = "the reply to " + callText(id, c.method) + " from " + label(e.node) +
                         " was lost on its way back (" + dropReasonName(e.reason) + ")";
                f.subject = "call " + std::to_string(id);
                f.messageId = e.messageId;
                f.correlationId = id;
                f.node = e.node;
                f.time = e.time;
                addFinding(LostReplies, std::move(f));
            }
        } else if (e.reason == DropReason::UnknownCorrelation) {
            ++m_totals.lateReplies;
            Finding f;
            f.what = "a reply to " + callText(id, c.method) + " reached " + label(e.node) + " at " +
                     formatDuration(e.time) + ", after it stopped waiting";
            f.subject = "call " + std::to_string(id);
            f.messageId = e.messageId;
            f.correlationId = id;
            f.node = e.node;
            f.time = e.time;
            addFinding(LateReplies, std::move(f));
        } else if (c.client == kNoIndex || e.node != c.client) {
            release(c, e.node); // a server dropped an attempt it held (deadline passed, cancelled)
        }
        break;
    default:
        break;
    }
    noteCandidate(id, c);
}

void CallChecker::nodeEvent(const TraceEvent &e)
{
    if (e.node == kNoIndex) return;
    const bool pause = e.kind == TraceKind::Pause;
    if (!pause && e.kind != TraceKind::Resume && e.kind != TraceKind::Crash) return;
    if (e.node >= m_paused.size()) m_paused.resize(std::size_t(e.node) + 1, false);
    if (pause && !m_paused[e.node]) {
        m_paused[e.node] = true;
        ++m_pausedCount;
    } else if (!pause && m_paused[e.node]) {
        // What the node held runs at this instant.
        m_paused[e.node] = false;
        --m_pausedCount;
        m_holdUntil = e.time;
    }
    if (e.kind == TraceKind::Crash) {
        // A crashed server forgets the attempts it held (a durable idempotency store answers a
        // retry later, but will not execute the lost ones on its own).
        for (auto &[id, c] : m_open) {
            const auto before = c.held.size();
            std::erase_if(c.held, [&](const Held &h) { return h.server == e.node; });
            if (c.held.size() != before) {
                c.lastActivity = std::max(c.lastActivity, e.time);
                noteCandidate(id, c);
            }
        }
    }
}

void CallChecker::noteCandidate(std::uint64_t id, const Call &c)
{
    if (!m_folding || !c.held.empty()) return;
    // A call its client has not ended is open; one whose Call the trace never showed (its client
    // is not a call client) can only end by going quiet.
    if (c.started && !c.completed) return;
    m_candidates.emplace(c.lastActivity, id);
}

void CallChecker::classify(std::uint32_t executions, Counts &counts)
{
    if (executions == 0)
        ++counts.executedNever;
    else if (executions == 1)
        ++counts.executedOnce;
    else
        ++counts.executedTwiceOrMore;
}

void CallChecker::retireFinished(SimTime now)
{
    if (m_pausedCount || now <= m_holdUntil) return;
    // Every event before `now` has been seen: a call whose last activity lies before it, that no
    // server holds and whose client has ended it, is finished.
    while (!m_candidates.empty() && m_candidates.top().first < now) {
        const std::uint64_t id = m_candidates.top().second;
        m_candidates.pop();
        auto it = m_open.find(id);
        if (it == m_open.end()) continue;
        const Call &c = it->second;
        if (c.lastActivity >= now || !c.held.empty() || (c.started && !c.completed)) continue;
        classify(c.executions, m_folded);
        if (m_recent.empty()) m_recent.resize(kRecent);
        m_recent[id & (kRecent - 1)] = {id, c.executions, c.attempts, c.method};
        m_open.erase(it);
    }
}

CallReport CallChecker::report(std::size_t examples) const
{
    examples = std::min(examples, kKeptExamples);
    CallReport r = m_totals;
    Counts counts = m_folded;
    for (const auto &[id, c] : m_open) {
        classify(c.executions, counts);
        if (c.started && !c.completed) ++counts.open;
    }
    r.executedNever = counts.executedNever;
    r.executedOnce = counts.executedOnce;
    r.executedTwiceOrMore = counts.executedTwiceOrMore;
    r.open = counts.open;
    const std::uint64_t firstAttempts = m_calledAtLeastOnce;
    r.retries = r.attempts > firstAttempts + r.hedges ? r.attempts - firstAttempts - r.hedges : 0;
    r.failedByStatus.assign(m_failedByStatus.begin(), m_failedByStatus.end());
    for (const MethodStats &m : m_methods) {
        CallMethodReport mr;
        mr.client = m.client;
        mr.method = m.method;
        if (m.latency) mr.latency = LatencySummary::from(*m.latency);
        mr.calls = mr.latency.count;
        mr.byStatus.assign(m.byStatus.begin(), m.byStatus.end());
        r.methods.push_back(std::move(mr));
    }
    std::sort(r.methods.begin(), r.methods.end(), [](const CallMethodReport &a, const CallMethodReport &b) {
        return a.client != b.client ? a.client < b.client : a.method < b.method;
    });
    r.checks = m_checks;
    // executed-twice counts calls, whichever execution made them so (a folded call that executed
    // again is reopened, so the examples and the count agree).
    r.checks[ExecutedTwice].count = r.executedTwiceOrMore;
    for (auto &check : r.checks)
        if (check.examples.size() > examples) check.examples.resize(examples);
    return r;
}

} // namespace sb
