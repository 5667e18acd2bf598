#pragma once
// The run summary: the figures a person reads after a run, as text (CLI, GUI dock) and JSON.
#include "actormetrics.h"
#include "callchecker.h"
#include "checker.h"
#include "clockchecker.h"
#include "domaincheckers.h"
#include "findings.h"
#include "groupchecker.h"
#include "logmetrics.h"
#include "metrics.h"
#include "p2pchecker.h"
#include "simulation.h"

#include <string>

namespace sb {

struct NodeSummary {
    std::string id, kind, name;
    NodeCounters counters;
    NodeStatus status;      // at the end of the run
    LatencySummary latency; // consumers only
};

struct LinkSummary {
    std::string id, from, to;
    LinkCounters counters;
};

// A topic's partitions at the end of a run (LogMetrics).
struct TopicSummary {
    std::string id;
    struct Partition {
        PartitionFigures figures;
        SimTime underReplicated = 0; // total time with fewer in-sync replicas than replicas
    };
    std::vector<Partition> partitions;
};

struct RunSummary {
    std::string topologyName;
    std::uint64_t seed = 0;
    SimTime endTime = 0;
    // "Events" are trace events, the ones the event log, the sequence diagram and an --events
    // file show (publish, send, enqueue, deliver, ack...). The engine's own count of the steps it
    // scheduled (frame arrivals and timers) is a different, smaller number: engine steps.
    std::uint64_t events = 0;
    std::uint64_t engineSteps = 0;
    StopReason stopReason = StopReason::Quiescent;
    // Stopped by a signal (Ctrl+C on signalbox-cli) rather than by a person's Stop or a limit: the
    // figures are those of a run cut short, and the summary says "ended: interrupted".
    bool interrupted = false;
    double wallSeconds = 0;
    std::vector<NodeSummary> nodes;
    std::vector<LinkSummary> links;
    LatencySummary latency;
    DeliveryReport delivery;
    std::vector<LiveChange> liveChanges; // faults that started or ended during the run, in order
    // Errors that took a node out of the run (a scripted node's runtime error or instruction
    // budget, with its source line): NodeContext::note with problem set, in order.
    std::vector<NodeNote> nodeProblems;
    std::vector<FaultActivation> faults; // each fault's spans (planned and live), in start order
    std::uint64_t recordsOmitted = 0;    // live changes and spans beyond the lists' bounds
    // Set by whoever ran a ClockChecker along the run (nodes with clocks); unchecked: not shown.
    ClockAnomalies clockAnomalies;
    // Set when a CallChecker watched the run; a run without calls has none to show (calls.any()).
    CallReport calls;
    // Set when a GroupChecker watched a run whose consumer groups read a log: per group, what
    // became of the records (empty: no groups).
    std::vector<GroupReport> groups;
    // Set when a LogMetrics watched a run with topics: their partitions, and per group (by name)
    // its rebalances, lag and unassigned time, merged into `groups`.
    std::vector<TopicSummary> topics;
    // Set when a P2PChecker (a domain checker) saw peers originate items: coverage, hops, duplicates.
    P2PReport p2p;
    // Every check of the run, each with its count and first findings: the delivery checks (lost,
    // duplicates, pending, order), when a CallChecker watched, the call checks, and when consumer
    // groups read a log, the group checks.
    std::vector<CheckResult> checks;
    // Set when an ActorMetrics (one of the domain checkers) watched a run with actors: mailboxes,
    // processing, failures, restarts, escalations, dead letters (the "Actors" section).
    ActorReport actors;

    // The check named `name` (as --fail-on writes it), or null when the run did not make it.
    const CheckResult *check(std::string_view name) const;

    // The id of node `n`, or its index as text when there is no such node.
    std::string nodeId(NodeIndex n) const { return n < nodes.size() ? nodes[n].id : std::to_string(n); }
    // What a person reads for each node, by index: see nodeLabels().
    std::vector<std::string> nodeLabels() const;
    // The label of node `n`, or its index as text when there is no such node.
    std::string nodeLabel(NodeIndex n) const;
};

RunSummary buildSummary(const Simulation &sim, const Metrics &metrics, const DeliveryChecker &checker,
                        StopReason reason, double wallSeconds, const CallChecker *calls = nullptr,
                        const GroupChecker *groups = nullptr, const LogMetrics *logs = nullptr,
                        const DomainCheckers *domain = nullptr);
// The delivery report as checks (lost, duplicates, pending, order), examples naming nodes by label.
std::vector<CheckResult> deliveryChecks(const RunSummary &s);
// Sets s.calls and s.checks: the delivery checks, then the call checks, then the group checks,
// then the domain checks (domaincheckers.h) of the checkers that had something to check.
void setChecks(RunSummary &s, const CallReport *calls, const std::vector<CheckResult> *groupChecks = nullptr,
               const DomainCheckers *domain = nullptr);
// The name of every check a run can make, in report order: what --fail-on accepts.
const std::vector<std::string> &checkNames();
// "lost, duplicates, ... or deadline-exceeded": for messages naming what is accepted.
std::string checkNamesText();
// Why the run ended as the summary words it: the stop reason's name, or "interrupted".
std::string endReasonName(const RunSummary &s);
// Text for people: nodes by their labels. JSON for tools: nodes by id, each with its "name".
std::string formatSummary(const RunSummary &s);
Json summaryToJson(const RunSummary &s);
// The "clock anomalies" section alone (text: "" when unchecked; JSON: its object).
std::string formatClockAnomalies(const RunSummary &s);
Json clockAnomaliesJson(const RunSummary &s);
// The "calls" section alone (text: "" when the run had no calls) and the checks.
std::string formatCalls(const RunSummary &s);
// The "consumer groups" section alone (text: "" when the run had none).
std::string formatGroups(const RunSummary &s);
Json groupsJson(const RunSummary &s);
Json topicsJson(const RunSummary &s);
std::string formatChecks(const RunSummary &s);
Json callsJson(const RunSummary &s);
Json checksJson(const RunSummary &s);

} // namespace sb
