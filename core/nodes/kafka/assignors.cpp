// The four assignors of Kafka's Java client for a single topic every member subscribes to.
#include "assignors.h"

#include <algorithm>
#include <deque>

namespace sb::kafka {

namespace {

// Kafka's MemberInfo order (range, roundrobin): by group.instance.id when both members are static,
// else by member id.
std::vector<const AssignorMember *> sortedMembers(const std::vector<AssignorMember> &members)
{
    std::vector<const AssignorMember *> out;
    for (const auto &m : members)
        out.push_back(&m);
    std::sort(out.begin(), out.end(), [](const AssignorMember *a, const AssignorMember *b) {
        if (!a->groupInstanceId.empty() && !b->groupInstanceId.empty())
            return a->groupInstanceId != b->groupInstanceId ? a->groupInstanceId < b->groupInstanceId
                                                            : a->memberId < b->memberId;
        return a->memberId < b->memberId;
    });
    return out;
}

Assignment emptyAssignment(const std::vector<AssignorMember> &members)
{
    Assignment a;
    for (const auto &m : members)
        a[m.memberId];
    return a;
}

} // namespace

Assignment assignRange(const std::vector<AssignorMember> &members, std::uint32_t partitions)
{
    Assignment out = emptyAssignment(members);
    const auto sorted = sortedMembers(members);
    if (sorted.empty()) return out;
    const auto n = static_cast<std::uint32_t>(sorted.size());
    const std::uint32_t per = partitions / n, extra = partitions % n;
    for (std::uint32_t i = 0; i < n; ++i) {
        const std::uint32_t start = per * i + std::min(i, extra);
        const std::uint32_t length = per + (i < extra ? 1 : 0);
        auto &list = out[sorted[i]->memberId];
        for (std::uint32_t p = start; p < start + length; ++p)
            list.push_back(p);
    }
    return out;
}

Assignment assignRoundRobin(const std::vector<AssignorMember> &members, std::uint32_t partitions)
{
    Assignment out = emptyAssignment(members);
    const auto sorted = sortedMembers(members);
    if (sorted.empty()) return out;
    for (std::uint32_t p = 0; p < partitions; ++p)
        out[sorted[p % sorted.size()]->memberId].push_back(p);
    return out;
}

Assignment assignSticky(const std::vector<AssignorMember> &members, std::uint32_t partitions)
{
    Assignment out = emptyAssignment(members);
    if (members.empty()) return out;
    // Who owned each partition before: the claim of the highest generation wins; two claims of the
    // same generation cancel out (the partition counts as unowned), as Kafka treats them.
    std::vector<const AssignorMember *> owner(partitions, nullptr);
    std::vector<std::uint32_t> ownerGeneration(partitions, 0);
    std::vector<bool> contested(partitions, false);
    for (const auto &m : members)
        for (std::uint32_t p : m.ownedPartitions) {
            if (p >= partitions) continue;
            if (!owner[p] || m.generation > ownerGeneration[p]) {
                owner[p] = &m;
                ownerGeneration[p] = m.generation;
                contested[p] = false;
            } else if (m.generation == ownerGeneration[p]) {
                contested[p] = true;
            }
        }
    std::map<std::string, std::vector<std::uint32_t>> owned; // by member id, ascending
    for (const auto &m : members)
        owned[m.memberId];
    for (std::uint32_t p = 0; p < partitions; ++p)
        if (owner[p] && !contested[p]) owned[owner[p]->memberId].push_back(p);

    const auto n = static_cast<std::uint32_t>(members.size());
    const std::uint32_t minQuota = partitions / n;
    const std::uint32_t maxQuota = minQuota + (partitions % n ? 1 : 0);
    const std::uint32_t expectedOverMin = partitions % n;
    std::uint32_t overMin = 0;
    std::vector<bool> assigned(partitions, false);
    std::vector<std::string> underMin, exactlyMin; // ascending member ids
    // Keep what each member owned, up to its quota (members in member-id order).
    for (auto &[memberId, list] : owned) {
        auto &target = out[memberId];
        std::uint32_t keep;
        if (list.size() < minQuota) {
            keep = static_cast<std::uint32_t>(list.size());
            underMin.push_back(memberId);
        } else if (list.size() >= maxQuota && overMin < expectedOverMin) {
            keep = maxQuota;
            if (++overMin == expectedOverMin) exactlyMin.clear();
        } else {
            keep = minQuota;
            if (overMin < expectedOverMin) exactlyMin.push_back(memberId);
        }
        for (std::uint32_t i = 0; i < keep; ++i) {
            target.push_back(list[i]);
            assigned[list[i]] = true;
        }
    }
    // The rest, in partition order: round the members still under the minimum quota, then one
    // more each to members at the minimum while the over-minimum slots last.
    std::deque<std::string> fill(underMin.begin(), underMin.end());
    std::deque<std::string> extra(exactlyMin.begin(), exactlyMin.end());
    for (std::uint32_t p = 0; p < partitions; ++p) {
        if (assigned[p]) continue;
        if (!fill.empty()) {
            std::string m = fill.front();
            fill.pop_front();
            auto &target = out[m];
            target.push_back(p);
            if (target.size() < minQuota) {
                fill.push_back(m);
            } else if (overMin < expectedOverMin) {
                extra.push_back(m);
            }
        } else if (!extra.empty()) {
            std::string m = extra.front();
            extra.pop_front();
            out[m].push_back(p);
            if (++overMin == expectedOverMin) extra.clear();
        } else {
            // Cannot happen with quotas that add up to the partition count; keep every partition
            // assigned all the same: to the member with the fewest.
            auto best = std::min_element(out.begin(), out.end(), [](const auto &a, const auto &b) {
                return a.second.size() < b.second.size();
            });
            best->second.push_back(p);
        }
    }
    for (auto &[m, list] : out)
        std::sort(list.begin(), list.end());
    return out;
}

Assignment assignCooperativeSticky(const std::vector<AssignorMember> &members, std::uint32_t partitions)
{
    Assignment out = assignSticky(members, partitions);
    // A partition some other member still owns is not handed over in this generation: its owner
    // revokes it first, then rejoins, and the follow-up rebalance assigns it.
    std::map<std::uint32_t, std::string> ownerOf;
    std::map<std::uint32_t, std::uint32_t> generationOf;
    for (const auto &m : members)
        for (std::uint32_t p : m.ownedPartitions)
            if (!ownerOf.count(p) || m.generation > generationOf[p]) {
                ownerOf[p] = m.memberId;
                generationOf[p] = m.generation;
            }
    for (auto &entry : out) {
        const std::string &memberId =
            entry.first; // a named variable: lambdas cannot capture bindings (clang)
        std::erase_if(entry.second, [&](std::uint32_t p) {
            auto it = ownerOf.find(p);
            return it != ownerOf.end() && it->second != memberId;
        });
    }
    return out;
}

bool isKnownAssignor(std::string_view name)
{
    return name == "range" || name == "roundrobin" || name == "sticky" || name == "cooperative-sticky";
}

bool isCooperativeAssignor(std::string_view name)
{
    return name == "cooperative-sticky";
}

Assignment assignPartitions(std::string_view assignor, const std::vector<AssignorMember> &members,
                            std::uint32_t partitions)
{
    if (assignor == "roundrobin") return assignRoundRobin(members, partitions);
    if (assignor == "sticky") return assignSticky(members, partitions);
    if (assignor == "cooperative-sticky") return assignCooperativeSticky(members, partitions);
    return assignRange(members, partitions);
}

} // namespace sb::kafka
