#pragma once
// The consumer-group checker: follows every record of a log (a Kafka topic) from its producer
// through the topic's log to the consumer groups that read it, and reports per group what a Kafka
// user asks of a pipeline:
//   - lost: a record the topic acknowledged that the group will never process: gone from the log
//     (truncated by an election, deleted by retention before the group read it) or skipped (the
//     group processed or committed past it without processing it: commit-before-process after a
//     crash, at-most-once);
//   - duplicates: processings of a record the group had processed already (a crash or rebalance
//     before the commit, at-least-once; or a record written twice by a producer's retry);
//   - partition order and key order: a record processed for the first time after a later record
//     of the same producer in the same partition (or with the same key): what retries without
//     idempotence do to the log;
//   - pending: acknowledged records still in the log that the group has not reached (its lag);
//   - aborted reads: records of transactions that aborted (TxnAbort) that the group processed.
//     A read_uncommitted group sees them (as Kafka's do); under read_committed each is a violation.
// It reads only the trace (and the messages' keys from onMessage), so a run's events file is
// enough to check a run again from outside.
#include "findings.h"
#include "trace.h"

#include <map>
#include <set>
#include <string>
#include <tuple>
#include <unordered_map>
#include <vector>

namespace sb {

struct GroupReport {
    std::string group;
    std::uint64_t processed = 0;  // distinct records processed at least once
    std::uint64_t duplicates = 0; // extra processings
    // Extra processings by an exactly_once_v2 processor (Process flagged Transactional): each
    // after a transaction aborted and rewound it, so not duplicates of its effects.
    std::uint64_t reprocessed = 0;
    std::uint64_t lost = 0;
    std::uint64_t pending = 0;
    std::uint64_t partitionOrder = 0;
    std::uint64_t keyOrder = 0;
    // Records of aborted transactions the group processed; a violation only under read_committed.
    std::uint64_t abortedReads = 0;
    bool readCommitted = false;
    // From LogMetrics, when it watched: rebalances, the lag at the end (log end minus committed
    // offset, over the partitions), and the total time its partitions stood unassigned.
    std::uint64_t rebalances = 0;
    std::int64_t lag = 0;
    SimTime unassigned = 0;
    std::size_t members = 0;
};

class GroupChecker final : public TraceSink {
public:
    static constexpr std::size_t kExamples = 5;

    // nodeLabels: how findings name nodes; isLog: the nodes of logs (DeliveryChecker::nodesWithRole
    // with DeliveryRole::Log), whose producers' records it follows. Reports take the run's group
    // names (Simulation::groupNames()) by TraceEvent::group.
    GroupChecker(std::vector<std::string> nodeLabels, std::vector<bool> isLog)
        : m_labels(std::move(nodeLabels)), m_isLog(std::move(isLog))
    {
    }
    void onEvent(const TraceEvent &e) override;
    void onMessage(const Message &m) override;

    // Whether any group read anything (a run without consumer groups has no group checks).
    bool any() const { return !m_groups.empty(); }
    std::vector<GroupReport> reports(const std::vector<std::string> &groupNames) const;
    // The checks (records-lost, records-duplicated, partition-order, key-order, records-unconsumed,
    // aborted-reads), each summed over the groups, with the first findings.
    std::vector<CheckResult> checks(const std::vector<std::string> &groupNames) const;
    // Their names and what each counts, in report order.
    static const std::vector<std::pair<std::string, std::string>> &checkHelp();

private:
    struct RecordState {
        std::uint32_t partition = kNoIndex;
        std::int64_t offset = -1; // the first offset it was written at
        std::uint32_t copies = 0; // written and not removed
        bool confirmed = false;
        SimTime confirmedAt = 0;
        NodeIndex topic = kNoIndex;
        bool removed = false; // a copy was removed (truncated, retention) and none is left
        SimTime removedAt = 0;
        DropReason removedBy = DropReason::None;
        NodeIndex producer = kNoIndex;
        std::uint64_t sequence = 0;
        std::string key;
    };
    struct PartitionPos {
        std::int64_t maxProcessed = -1;
        std::int64_t minProcessed = -1;
        std::int64_t committed = -1;
    };
    struct Group {
        std::unordered_map<std::uint64_t, std::uint32_t> processed;            // record -> processings
        std::set<NodeIndex> topics;                                            // the topics it read
        std::map<std::pair<NodeIndex, std::uint32_t>, PartitionPos> positions; // by (topic, partition)
        // The newest (producer sequence, message id) processed per (partition, producer) and per
        // (key, producer).
        std::map<std::tuple<NodeIndex, std::uint32_t, NodeIndex>, std::pair<std::uint64_t, std::uint64_t>>
            newestInPartition; // by (topic, partition, producer)
        std::map<std::pair<std::string, NodeIndex>, std::pair<std::uint64_t, std::uint64_t>> newestForKey;
        std::uint64_t duplicates = 0, partitionOrder = 0, keyOrder = 0, reprocessed = 0;
        std::vector<Finding> duplicateExamples, partitionOrderExamples, keyOrderExamples;
        bool readCommitted = false; // a member processed with isolation.level=read_committed
        // Processings of transactional records: (transaction, the finding it makes if it aborted).
        std::vector<std::pair<std::uint64_t, Finding>> transactionalReads;
    };
    enum class Outcome { Lost, Pending, NotTheGroups };
    // What became of a confirmed record the group never processed.
    static Outcome outcome(const Group &g, const RecordState &r);
    void onProcess(const TraceEvent &e);
    // The group's processings of records whose transaction aborted (the first into `examples`).
    std::uint64_t abortedReads(const Group &g, std::vector<Finding> *examples) const;
    std::string label(NodeIndex n) const;
    static std::string groupName(const std::vector<std::string> &names, std::uint32_t g);

    std::vector<std::string> m_labels;
    std::vector<bool> m_isLog;
    struct LastMessage {
        std::uint64_t id = 0;
        NodeIndex producer = kNoIndex;
        std::uint64_t sequence = 0;
        std::string key;
    } m_lastMessage;
    // By message id, in id order so that examples come out the same every run.
    std::map<std::uint64_t, RecordState> m_records;
    std::map<std::uint32_t, Group> m_groups;
    // Transactional records by (topic, partition, offset): their transaction; and the aborted ones.
    std::map<std::tuple<NodeIndex, std::uint32_t, std::int64_t>, std::uint64_t> m_transactionOf;
    std::set<std::uint64_t> m_abortedTransactions;
};

} // namespace sb
