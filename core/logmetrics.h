#pragma once
// The figures of a log and its consumer groups, from the trace alone: per topic partition the log
// start and end offsets, the high watermark, the leader and its epoch, the in-sync replica count
// and how long the partition stood under-replicated; per consumer group its members, rebalances,
// each partition's owner and committed offset, the lag (log end minus committed offset) and how
// long each partition stood unassigned. The run summary reports them; the window draws a topic's
// lanes and the lag chart from them.
#include "topology.h"
#include "trace.h"

#include <map>
#include <set>
#include <string>
#include <vector>

namespace sb {

struct PartitionFigures {
    std::int64_t logStart = 0;
    std::int64_t logEnd = 0; // the leader's log end offset: the next record's offset
    std::int64_t highWatermark = 0;
    std::int32_t leader = -1; // broker id, -1 offline or not yet known
    std::uint32_t leaderEpoch = 0;
    std::uint32_t isr = 0;       // in-sync replicas (0 until the topic says)
    std::uint32_t replicas = 1;  // the topic's replication factor
    SimTime underReplicated = 0; // total time with isr < replicas (ended spans and the open one)
    SimTime underSince = kNever; // start of the open span, kNever when none
    std::uint64_t elections = 0; // leader elections after the first
    std::uint64_t uncleanElections = 0;
};

struct GroupPartitionFigures {
    std::int64_t committed = -1; // the next offset to read; -1 none committed
    NodeIndex owner = kNoIndex;  // the member it is assigned to
    SimTime unassigned = 0;      // total time without an owner since the group first had one
    SimTime unassignedSince = kNever;
};

struct GroupFigures {
    NodeIndex topic = kNoIndex;
    std::uint32_t generation = 0;
    std::uint64_t rebalances = 0;
    std::set<NodeIndex> members;
    std::map<std::uint32_t, GroupPartitionFigures> partitions;
};

// The consumer groups' names by TraceEvent::group, as a Simulation of `t` numbers them
// (Simulation::groupNames()): the groupId properties set on nodes, in node order, then the
// default groupId of kinds whose nodes leave it unset. Simulation::build registers exactly these,
// so the window, which has no simulation, names groups the same.
std::vector<std::string> consumerGroupNames(const Topology &t,
                                            const KindRegistry &registry = KindRegistry::builtin());

class LogMetrics final : public TraceSink {
public:
    // Topics are the nodes of kinds with a "partitions" property and the Log delivery role;
    // consumers are tied to the topic they read (the link from its consumers port).
    explicit LogMetrics(const Topology &t, const KindRegistry &registry = KindRegistry::builtin());
    void onEvent(const TraceEvent &e) override;

    bool any() const { return !m_topics.empty(); }
    // Partitions of topic node `topic` (empty for other nodes).
    const std::vector<PartitionFigures> &partitions(NodeIndex topic) const;
    // Groups by TraceEvent::group.
    const std::map<std::uint32_t, GroupFigures> &groups() const { return m_groups; }
    // Log end minus committed offset (from the log start when nothing is committed).
    std::int64_t lag(std::uint32_t group, std::uint32_t partition) const;
    std::int64_t totalLag(std::uint32_t group) const;
    // Time spans still open count up to `now` (the end of the run).
    SimTime underReplicatedTime(NodeIndex topic, std::uint32_t partition, SimTime now) const;
    SimTime unassignedTime(std::uint32_t group, std::uint32_t partition, SimTime now) const;
    std::vector<NodeIndex> topics() const;

private:
    PartitionFigures *partition(NodeIndex topic, std::uint32_t p);
    void setIsr(PartitionFigures &f, std::uint32_t isr, SimTime now);

    std::map<NodeIndex, std::vector<PartitionFigures>> m_topics;
    std::vector<NodeIndex> m_topicOf; // by node: the topic a consumer links to
    std::map<std::uint32_t, GroupFigures> m_groups;
};

} // namespace sb
