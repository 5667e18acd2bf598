#pragma once
// The group coordinator a kafka-topic node runs for the consumer groups that read it: membership
// (JoinGroup, SyncGroup, Heartbeat, LeaveGroup with session and rebalance timeouts, static
// members), the generation, and the committed offsets (OffsetCommit, OffsetFetch, and the
// TxnOffsetCommit offsets a transaction commits). The topic node hands it the group frames and
// the timers it started; it answers through the NodeContext like the topic would.
#include "../../node.h"
#include "kafkaprotocol.h"

#include <memory>
#include <string>
#include <vector>

namespace sb::kafka {

class GroupCoordinator {
public:
    // Timer tags at or above this belong to the coordinator; the topic passes them on.
    static constexpr std::uint64_t kTimerTagBase = std::uint64_t{1} << 62;

    explicit GroupCoordinator(std::uint32_t partitions);
    ~GroupCoordinator();
    GroupCoordinator(const GroupCoordinator &) = delete;
    GroupCoordinator &operator=(const GroupCoordinator &) = delete;

    // The frame types it answers: JoinGroup, SyncGroup, Heartbeat, LeaveGroup, OffsetCommit,
    // OffsetFetch, TxnOffsetCommit (requests).
    static bool handles(const Frame &frame);
    void onFrame(NodeContext &ctx, LinkIndex from, const Frame &frame);
    void onTimer(NodeContext &ctx, std::uint64_t tag);
    // A transaction of `producerId` ended: its pending TxnOffsetCommit offsets are committed (and
    // traced Commit) or discarded.
    void endTransaction(NodeContext &ctx, std::int64_t producerId, bool commit);
    // The topic node crashed: membership is volatile (members rejoin after it restarts), committed
    // offsets are durable (Kafka keeps them in the replicated __consumer_offsets topic).
    void onCrash();
    // ... and its disk went with it: the committed offsets too.
    void onDiskLost();
    // Committed offsets by group id and partition (kNoOffset: none yet).
    std::vector<std::pair<std::string, std::vector<std::int64_t>>> committedOffsets() const;
    // Members of any group (a rebalance in progress keeps the run going).
    bool hasPendingWork() const;
    // group.initial.rebalance.delay.ms (the broker's 3 s by default): how long a new group's first
    // rebalance waits for more members; 0 = none.
    void setInitialRebalanceDelay(SimTime delay);
    // A group's members as the coordinator knows them (tooltips, Properties, tests).
    struct MemberView {
        std::string memberId;
        std::string groupInstanceId;
        bool leader = false;
        std::vector<std::uint32_t> assignment;
    };
    std::vector<MemberView> members(std::string_view groupId) const;
    // The group's current generation (0 before its first rebalance).
    std::int32_t generation(std::string_view groupId) const;

private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

} // namespace sb::kafka
