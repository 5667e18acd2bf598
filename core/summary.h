#pragma once
// The run summary: the figures a person reads after a run, as text (CLI, GUI dock) and JSON.
#include "checker.h"
#include "metrics.h"
#include "simulation.h"

#include <string>

namespace sb {

struct LatencySummary {
    std::uint64_t count = 0;
    SimTime p50 = 0, p90 = 0, p99 = 0, p999 = 0, max = 0;
    double mean = 0;
    static LatencySummary from(const LatencyHistogram &h);
};

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

struct RunSummary {
    std::string topologyName;
    std::uint64_t seed = 0;
    SimTime endTime = 0;
    std::uint64_t events = 0;
    StopReason stopReason = StopReason::Quiescent;
    double wallSeconds = 0;
    std::vector<NodeSummary> nodes;
    std::vector<LinkSummary> links;
    LatencySummary latency;
    DeliveryReport delivery;
    std::vector<LiveChange> liveChanges; // faults injected or healed during the run, in order

    // The id of node `n`, or its index as text when there is no such node.
    std::string nodeId(NodeIndex n) const { return n < nodes.size() ? nodes[n].id : std::to_string(n); }
    // What a person reads for each node, by index: see nodeLabels().
    std::vector<std::string> nodeLabels() const;
    // The label of node `n`, or its index as text when there is no such node.
    std::string nodeLabel(NodeIndex n) const;
};

RunSummary buildSummary(const Simulation &sim, const Metrics &metrics, const DeliveryChecker &checker,
                        StopReason reason, double wallSeconds);
// Text for people: nodes by their labels. JSON for tools: nodes by id, each with its "name".
std::string formatSummary(const RunSummary &s);
Json summaryToJson(const RunSummary &s);

} // namespace sb
