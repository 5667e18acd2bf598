#pragma once
// Kafka's client-side partition assignors for one topic, as pure functions: the group leader runs
// one over the members the coordinator sent it (their owned partitions for the sticky ones) and
// the topic's partition count. Each gives the same result as the Java client's assignor of that
// name for the same members: range (RangeAssignor), roundrobin (RoundRobinAssignor), sticky
// (StickyAssignor) and cooperative-sticky (CooperativeStickyAssignor).
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace sb::kafka {

struct AssignorMember {
    std::string memberId;
    std::string groupInstanceId;                // static members are ordered by it (range, roundrobin)
    std::vector<std::uint32_t> ownedPartitions; // what it owned before this rebalance (sticky ones)
    std::uint32_t generation = 0;               // the generation it owned them in
};

// Partitions by member id, each list ascending; every member has an entry (possibly empty).
using Assignment = std::map<std::string, std::vector<std::uint32_t>>;

Assignment assignRange(const std::vector<AssignorMember> &members, std::uint32_t partitions);
Assignment assignRoundRobin(const std::vector<AssignorMember> &members, std::uint32_t partitions);
// Balanced (counts differ by at most one) while keeping as many owned partitions in place as that allows.
Assignment assignSticky(const std::vector<AssignorMember> &members, std::uint32_t partitions);
// The sticky assignment minus every partition that changes owner: it is revoked in this generation
// and assigned in the follow-up rebalance its former owner triggers after giving it up (KIP-429).
Assignment assignCooperativeSticky(const std::vector<AssignorMember> &members, std::uint32_t partitions);

// By the assignor's protocol name ("range", "roundrobin", "sticky", "cooperative-sticky").
bool isKnownAssignor(std::string_view name);
// Cooperative assignors revoke only what moves; the eager ones make every member give up everything.
bool isCooperativeAssignor(std::string_view name);
Assignment assignPartitions(std::string_view assignor, const std::vector<AssignorMember> &members,
                            std::uint32_t partitions);

} // namespace sb::kafka
