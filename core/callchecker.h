#pragma once
// The call checker: follows every logical call (request-reply, RPC, HTTP; the contract is
// core/nodes/rpc/callprotocol.h) through the trace and accounts for it: how many attempts it took
// (retries, hedges), how often servers executed it (0, 1, 2+ times: a retry of a call whose reply
// was lost executes it twice unless the server de-duplicates), how it ended (its final status),
// replies lost on the way back, replies that came after their caller stopped waiting, and
// cancellations. Per (client, method): latency percentiles and counts by status.
//
// Events of the message-delivery kinds (Publish, Deliver, Ack...) are not calls and are ignored,
// as are frames other than the call frames.
#include "findings.h"
#include "histogram.h"
#include "trace.h"

#include <cstdint>
#include <limits>
#include <map>
#include <memory>
#include <queue>
#include <string>
#include <unordered_map>
#include <vector>

namespace sb {

struct CallMethodReport {
    NodeIndex client = kNoIndex;
    std::string method;      // the request's routing key: "orders.Orders/Get", "POST /orders"
    std::uint64_t calls = 0; // completed calls
    LatencySummary latency;  // of completed calls, from their intended start
    std::vector<std::pair<std::uint16_t, std::uint64_t>> byStatus; // status -> calls, by status
};

struct CallReport {
    std::uint64_t calls = 0;     // logical calls started (Call events)
    std::uint64_t completed = 0; // calls that ended (Complete)
    std::uint64_t succeeded = 0; // ended OK or 2xx
    std::uint64_t failed = 0;    // ended with another status
    std::vector<std::pair<std::uint16_t, std::uint64_t>> failedByStatus; // by status code
    std::uint64_t open = 0;                                              // not ended when the run stopped
    // Calls by how many times servers executed them.
    std::uint64_t executedNever = 0, executedOnce = 0, executedTwiceOrMore = 0;
    std::uint64_t executions = 0; // Execute events
    std::uint64_t attempts = 0;   // attempts sent (first attempts, retries and hedges)
    std::uint64_t retries = 0;    // attempts beyond the first that were not hedges
    std::uint64_t hedges = 0;
    std::uint64_t repliesLost = 0;         // Reply frames dropped on a link
    std::uint64_t lateReplies = 0;         // replies for a call (attempt) the caller no longer waited for
    std::uint64_t unmatchedReplies = 0;    // replies for a call id the checker never saw
    std::uint64_t cancelledAttempts = 0;   // attempts a client stopped waiting for (Cancel at a client)
    std::uint64_t cancelledAtServers = 0;  // work servers gave up (Cancel at a server)
    std::uint64_t deadlineExceeded = 0;    // calls that ended DEADLINE_EXCEEDED
    std::vector<CallMethodReport> methods; // by client, then method
    // executed-twice, failed-calls, late-replies, lost-replies, deadline-exceeded, in that order.
    std::vector<CheckResult> checks;
    bool any() const { return calls || completed || executions || repliesLost || lateReplies; }
};

// Memory stays bounded however long a run is: a call is kept only while it is open, that is while
// something may still happen to it:
//   - its client has not completed it,
//   - a frame of it (a request, a reply, a cancel) is still on a link (every Send says when it
//     arrives), or a paused node may hold such a frame,
//   - a server holds an attempt of it (accepted, not yet answered, dropped or cancelled): it may
//     still execute it, after the caller gave up — that execution counts like any other.
// When none holds, its outcome is final: it is folded into the counts and the kept examples, and
// its state goes. A short memory of recently folded calls (their execution count) still catches a
// stray event for one of them, such as a second execution the trace did not announce.
class CallChecker final : public TraceSink {
public:
    static constexpr std::size_t kKeptExamples = 64;
    static constexpr const char *kExecutedTwice = "executed-twice";
    static constexpr const char *kFailedCalls = "failed-calls";
    static constexpr const char *kLateReplies = "late-replies";
    static constexpr const char *kLostReplies = "lost-replies";
    static constexpr const char *kDeadlineExceeded = "deadline-exceeded";

    // nodeLabels: what findings call each node, by index (nodeLabels()); "node N" without.
    explicit CallChecker(std::vector<std::string> nodeLabels = {});
    void onMessage(const Message &m) override;
    void onEvent(const TraceEvent &e) override;
    CallReport report(std::size_t examples = 5) const;

    // Calls whose state is still held (open ones).
    std::size_t trackedCalls() const { return m_open.size(); }
    // Off, every call stays tracked to the end, as a reference for the folding (tests compare).
    void setFolding(bool on) { m_folding = on; }

private:
    struct Held {
        NodeIndex server;
        std::uint32_t count;
    };
    struct Call {
        NodeIndex client = kNoIndex;
        std::uint32_t method = UINT32_MAX; // index into m_methods
        std::uint64_t request = 0;         // the request message
        std::uint32_t attempts = 0, hedges = 0, executions = 0;
        std::uint16_t status = kNoStatus;
        bool started = false, completed = false;
        SimTime lastActivity = std::numeric_limits<SimTime>::min();
        std::vector<Held> held; // attempts servers hold, by server
    };
    struct MethodStats {
        NodeIndex client;
        std::string method;
        std::unique_ptr<LatencyHistogram> latency; // made on the first completed call
        std::map<std::uint16_t, std::uint64_t> byStatus;
    };
    // The counts of finished (folded) calls, and the ones open calls add at report time.
    struct Counts {
        std::uint64_t executedNever = 0, executedOnce = 0, executedTwiceOrMore = 0;
        std::uint64_t open = 0;
    };

    void apply(const TraceEvent &e, std::uint64_t id, Call &c);
    void hold(Call &c, NodeIndex server);
    void release(Call &c, NodeIndex server);
    void noteCandidate(std::uint64_t id, const Call &c);
    void retireFinished(SimTime now);
    void nodeEvent(const TraceEvent &e);
    static void classify(std::uint32_t executions, Counts &counts);
    std::uint32_t methodIndex(NodeIndex client, const std::string &method);
    std::string label(NodeIndex n) const;
    std::string callText(std::uint64_t id, std::uint32_t method) const;
    void addFinding(std::size_t check, Finding f);

    std::vector<std::string> m_labels;
    bool m_folding = true;
    std::unordered_map<std::uint64_t, Call> m_open;
    // The method of the call whose Call event comes next (onMessage comes just before it).
    std::uint64_t m_announcedCall = 0, m_announcedRequest = 0;
    std::string m_announcedMethod;
    std::vector<MethodStats> m_methods;
    std::vector<std::vector<std::uint32_t>> m_methodsByClient; // by client index: its m_methods entries
    // Recently folded calls (slot: id modulo the size), with what reopening one needs.
    static constexpr std::size_t kRecent = std::size_t{1} << 14;
    struct Recent {
        std::uint64_t id = 0;
        std::uint32_t executions = 0, attempts = 0;
        std::uint32_t method = UINT32_MAX;
    };
    std::vector<Recent> m_recent;
    using Candidate = std::pair<SimTime, std::uint64_t>;
    std::priority_queue<Candidate, std::vector<Candidate>, std::greater<>> m_candidates;
    std::vector<bool> m_paused;
    std::size_t m_pausedCount = 0;
    SimTime m_holdUntil = std::numeric_limits<SimTime>::min();

    CallReport m_totals;                   // every count but those open calls add
    std::uint64_t m_calledAtLeastOnce = 0; // calls with a first attempt (retries: the attempts beyond)
    std::map<std::uint16_t, std::uint64_t> m_failedByStatus;
    Counts m_folded;
    std::vector<CheckResult> m_checks; // kept examples per check
};

} // namespace sb
