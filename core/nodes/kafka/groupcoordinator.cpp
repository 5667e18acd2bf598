// The group coordinator of Kafka's classic group protocol (ClassicGroup and its state machine:
// Empty -> PreparingRebalance -> CompletingRebalance -> Stable), with KIP-394 member ids
// (MEMBER_ID_REQUIRED), KIP-345 static members, group.initial.rebalance.delay.ms for a new group,
// and the committed offsets of __consumer_offsets (durable across a crash of the topic node).
#include "groupcoordinator.h"

#include "../../callstatus.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>

namespace sb::kafka {

namespace {

enum class State { Empty, PreparingRebalance, CompletingRebalance, Stable };
enum class TimerKind { Session, Rebalance };

struct Member {
    std::string id;
    std::string instanceId;
    LinkIndex link = kNoIndex;
    SimTime sessionTimeout = 0;
    SimTime rebalanceTimeout = 0;
    std::vector<std::string> protocols;
    std::vector<std::uint32_t> owned;
    std::uint32_t generationOfOwned = 0;
    std::vector<std::uint32_t> assignment;
    bool awaitingJoin = false; // a JoinGroup of this rebalance waits for its response
    std::uint64_t joinTag = 0;
    bool awaitingSync = false;
    std::uint64_t syncTag = 0;
    SimTime expiresAt = kNever;   // the session ends unless a heartbeat (or any request) comes first
    bool sessionTimerSet = false; // one session timer at a time, re-armed when it fires early
};

struct PendingTxnOffset {
    std::string group;
    std::uint32_t partition = 0;
    std::int64_t offset = 0;
    NodeIndex peer = kNoIndex;
    SimTime expiresAt = kNever; // its transaction's timeout: discarded (aborted) after it
};

struct Group {
    State state = State::Empty;
    std::int32_t generation = 0;
    std::string protocol;
    std::string leader;
    std::map<std::string, Member> members;
    std::set<std::string> pending;                    // given an id by MEMBER_ID_REQUIRED, not joined yet
    std::map<std::string, std::string> staticMembers; // group.instance.id -> member id
    std::uint64_t rebalanceTimer = 0;                 // the timer tag of the running rebalance, 0 = none
    SimTime rebalanceDeadline = kNever;
    bool initialDelay = false; // a new group's join waits group.initial.rebalance.delay.ms
};

struct TimerRef {
    TimerKind kind;
    std::string group;
    std::string member;
};

} // namespace

struct GroupCoordinator::Impl {
    std::uint32_t partitions = 0;
    SimTime initialRebalanceDelay = 3 * kSecond;
    std::map<std::string, Group> groups;
    std::map<std::string, std::vector<std::int64_t>> committed;
    std::map<std::int64_t, std::vector<PendingTxnOffset>> pendingTxn; // by producer id
    std::map<std::uint64_t, TimerRef> timers;
    std::uint64_t nextTimer = 1;
    std::uint64_t nextMemberId = 1;

    std::uint64_t startTimer(NodeContext &ctx, SimTime delay, TimerRef ref)
    {
        const std::uint64_t tag = kTimerTagBase + nextTimer++;
        timers.emplace(tag, std::move(ref));
        ctx.startTimer(delay, tag, true);
        return tag;
    }

    void touch(NodeContext &ctx, const std::string &groupId, Member &m)
    {
        m.expiresAt = addTime(ctx.now(), m.sessionTimeout);
        if (!m.sessionTimerSet) {
            m.sessionTimerSet = true;
            startTimer(ctx, m.sessionTimeout, {TimerKind::Session, groupId, m.id});
        }
    }

    std::vector<std::int64_t> &offsetsOf(const std::string &groupId)
    {
        auto &o = committed[groupId];
        o.resize(partitions, kNoOffset);
        return o;
    }

    void traceCommit(NodeContext &ctx, const std::string &groupId, NodeIndex peer, std::uint32_t p,
                     std::int64_t offset)
    {
        TraceEvent e;
        e.kind = TraceKind::Commit;
        e.peer = peer;
        e.group = ctx.groupIndex(groupId);
        e.partition = p;
        e.offset = offset;
        ctx.trace(e);
    }

    // A member is gone: left, its session expired, or it was fenced.
    void removeMember(NodeContext &ctx, Group &g, const std::string &groupId, const std::string &memberId,
                      int why)
    {
        auto it = g.members.find(memberId);
        if (it == g.members.end()) return;
        Member &m = it->second;
        if (why != 0) {
            // The member's own Leave (aux 0, 2) is traced by the member; an eviction is decided here.
            TraceEvent e;
            e.kind = TraceKind::Leave;
            e.aux = why;
            e.peer = ctx.peer(m.link);
            e.group = ctx.groupIndex(groupId);
            e.epoch = static_cast<std::uint32_t>(std::max(g.generation, 0));
            ctx.trace(e);
        }
        // Requests it left waiting get their answer: it is no longer a member.
        if (m.awaitingJoin) {
            Frame r;
            r.type = FrameType::JoinGroup;
            r.response = true;
            r.tag = m.joinTag;
            r.status = KafkaError::UnknownMemberId;
            ctx.send(m.link, std::move(r));
        }
        if (m.awaitingSync) {
            Frame r;
            r.type = FrameType::SyncGroup;
            r.response = true;
            r.tag = m.syncTag;
            r.status = KafkaError::UnknownMemberId;
            ctx.send(m.link, std::move(r));
        }
        if (!m.instanceId.empty()) g.staticMembers.erase(m.instanceId);
        g.members.erase(it);
        if (g.leader == memberId) g.leader.clear();
        if (g.state == State::PreparingRebalance)
            maybeCompleteJoin(ctx, g, groupId);
        else
            prepareRebalance(ctx, g, groupId);
    }

    void prepareRebalance(NodeContext &ctx, Group &g, const std::string &groupId)
    {
        if (g.state == State::PreparingRebalance) return;
        // Followers waiting for the assignment of a generation that will not be: rejoin.
        for (auto &[id, m] : g.members)
            if (m.awaitingSync) {
                Frame r;
                r.type = FrameType::SyncGroup;
                r.response = true;
                r.tag = m.syncTag;
                r.status = KafkaError::RebalanceInProgress;
                m.awaitingSync = false;
                ctx.send(m.link, std::move(r));
            }
        SimTime timeout = 0;
        for (const auto &[id, m] : g.members)
            timeout = std::max(timeout, m.rebalanceTimeout);
        g.initialDelay = g.state == State::Empty && initialRebalanceDelay > 0;
        g.state = State::PreparingRebalance;
        TraceEvent e;
        e.kind = TraceKind::Rebalance;
        e.group = ctx.groupIndex(groupId);
        e.epoch = static_cast<std::uint32_t>(g.generation + 1);
        e.aux = static_cast<std::int64_t>(g.members.size());
        ctx.trace(e);
        g.rebalanceDeadline = addTime(ctx.now(), timeout);
        const SimTime first = g.initialDelay ? std::min(initialRebalanceDelay, timeout) : timeout;
        g.rebalanceTimer = startTimer(ctx, first, {TimerKind::Rebalance, groupId, {}});
        if (!g.initialDelay) maybeCompleteJoin(ctx, g, groupId);
    }

    void maybeCompleteJoin(NodeContext &ctx, Group &g, const std::string &groupId)
    {
        if (g.state != State::PreparingRebalance || g.initialDelay) return;
        for (const auto &[id, m] : g.members)
            if (!m.awaitingJoin) return;
        if (!g.pending.empty()) return;
        completeJoin(ctx, g, groupId);
    }

    // The rebalance timeout passed (or every member rejoined): members that did not rejoin are
    // out; the others get the new generation, and the leader the members to assign.
    void completeJoin(NodeContext &ctx, Group &g, const std::string &groupId)
    {
        std::vector<std::string> late;
        for (const auto &[id, m] : g.members)
            if (!m.awaitingJoin) late.push_back(id);
        for (const auto &id : late) {
            auto &m = g.members[id];
            if (!m.instanceId.empty()) g.staticMembers.erase(m.instanceId);
            g.members.erase(id);
            if (g.leader == id) g.leader.clear();
        }
        g.pending.clear();
        g.rebalanceTimer = 0;
        ++g.generation;
        if (g.members.empty()) {
            g.state = State::Empty;
            g.protocol.clear();
            g.leader.clear();
            return;
        }
        if (g.leader.empty()) g.leader = g.members.begin()->first;
        g.protocol = selectProtocol(g);
        g.state = State::CompletingRebalance;
        for (auto &[id, m] : g.members) {
            auto body = std::make_shared<JoinGroupResponse>();
            body->generation = g.generation;
            body->protocol = g.protocol;
            body->leader = g.leader;
            body->memberId = id;
            body->partitions = partitions;
            if (id == g.leader)
                for (const auto &[oid, o] : g.members)
                    body->members.push_back({oid, o.instanceId, o.owned, o.generationOfOwned});
            Frame r;
            r.type = FrameType::JoinGroup;
            r.response = true;
            r.tag = m.joinTag;
            r.status = KafkaError::None;
            r.body = std::move(body);
            m.awaitingJoin = false;
            m.assignment.clear();
            ctx.send(m.link, std::move(r));
            touch(ctx, groupId, m);
        }
    }

    // Kafka's vote: candidates are the protocols every member supports; each member votes for the
    // first candidate in its own order; most votes wins, a tie goes to the leader's preference.
    static std::string selectProtocol(const Group &g)
    {
        const auto &leader = g.members.at(g.leader);
        std::vector<std::string> candidates;
        for (const auto &p : leader.protocols) {
            bool all = true;
            for (const auto &[id, m] : g.members)
                all = all && std::find(m.protocols.begin(), m.protocols.end(), p) != m.protocols.end();
            if (all) candidates.push_back(p);
        }
        if (candidates.empty()) return {};
        std::map<std::string, int> votes;
        for (const auto &[id, m] : g.members)
            for (const auto &p : m.protocols)
                if (std::find(candidates.begin(), candidates.end(), p) != candidates.end()) {
                    ++votes[p];
                    break;
                }
        std::string best = candidates.front();
        for (const auto &c : candidates)
            if (votes[c] > votes[best]) best = c;
        return best;
    }

    static bool supportsAll(const Group &g, const std::vector<std::string> &protocols)
    {
        if (g.members.empty()) return true;
        // The group's members must share at least one protocol with the newcomer.
        for (const auto &p : protocols) {
            bool all = true;
            for (const auto &[id, m] : g.members)
                all = all && std::find(m.protocols.begin(), m.protocols.end(), p) != m.protocols.end();
            if (all) return true;
        }
        return false;
    }

    void join(NodeContext &ctx, LinkIndex from, const Frame &f, const JoinGroupRequest &q)
    {
        auto &g = groups[q.groupId];
        auto reply = [&](std::uint16_t status, std::string memberId = {}) {
            Frame r = responseTo(f, status);
            auto body = std::make_shared<JoinGroupResponse>();
            body->memberId = std::move(memberId);
            body->generation = g.generation;
            r.body = std::move(body);
            ctx.send(from, std::move(r));
        };
        if (q.protocols.empty() || !supportsAll(g, q.protocols)) {
            reply(KafkaError::InconsistentGroupProtocol);
            return;
        }
        std::string memberId = q.memberId;
        if (!q.groupInstanceId.empty()) {
            auto s = g.staticMembers.find(q.groupInstanceId);
            if (s != g.staticMembers.end() && !memberId.empty() && memberId != s->second) {
                reply(KafkaError::FencedInstanceId);
                return;
            }
            if (s != g.staticMembers.end() && memberId.empty()) {
                // A known instance rejoins (a restart): it takes a new member id, its old one is
                // fenced; with the same subscription in a stable group there is no rebalance.
                Member m = g.members[s->second];
                const std::string oldId = s->second;
                g.members.erase(oldId);
                m.id = "member-" + std::to_string(nextMemberId++);
                m.link = from;
                m.sessionTimerSet = false;
                m.sessionTimeout = q.sessionTimeout;
                m.rebalanceTimeout = q.rebalanceTimeout;
                m.awaitingSync = false;
                const bool changed = m.protocols != q.protocols;
                m.protocols = q.protocols;
                s->second = m.id;
                if (g.leader == oldId) g.leader = m.id;
                auto &stored = g.members[m.id] = std::move(m);
                if (g.state == State::PreparingRebalance) {
                    stored.awaitingJoin = true;
                    stored.joinTag = f.tag;
                    touch(ctx, q.groupId, stored);
                    maybeCompleteJoin(ctx, g, q.groupId);
                    return;
                }
                if (changed || g.state != State::Stable) {
                    stored.awaitingJoin = true;
                    stored.joinTag = f.tag;
                    touch(ctx, q.groupId, stored);
                    prepareRebalance(ctx, g, q.groupId);
                    return;
                }
                stored.awaitingJoin = false;
                touch(ctx, q.groupId, stored);
                Frame r = responseTo(f, KafkaError::None);
                auto body = std::make_shared<JoinGroupResponse>();
                body->generation = g.generation;
                body->protocol = g.protocol;
                body->leader = g.leader;
                body->memberId = stored.id;
                body->partitions = partitions;
                // No members even for the leader: the assignment stands (KIP-814 skipAssignment).
                r.body = std::move(body);
                ctx.send(from, std::move(r));
                return;
            }
            if (s == g.staticMembers.end() && memberId.empty())
                memberId = "member-" + std::to_string(nextMemberId++);
        } else if (memberId.empty()) {
            // KIP-394: a dynamic member first learns its id, then joins with it.
            memberId = "member-" + std::to_string(nextMemberId++);
            g.pending.insert(memberId);
            reply(KafkaError::MemberIdRequired, memberId);
            return;
        }
        auto it = g.members.find(memberId);
        if (it == g.members.end()) {
            const bool known = g.pending.erase(memberId) > 0 || !q.groupInstanceId.empty();
            if (!known) {
                reply(KafkaError::UnknownMemberId);
                return;
            }
            Member m;
            m.id = memberId;
            m.instanceId = q.groupInstanceId;
            if (!m.instanceId.empty()) g.staticMembers[m.instanceId] = memberId;
            it = g.members.emplace(memberId, std::move(m)).first;
        }
        Member &m = it->second;
        const bool changed = m.protocols != q.protocols || m.owned != q.ownedPartitions;
        m.link = from;
        m.sessionTimeout = q.sessionTimeout;
        m.rebalanceTimeout = q.rebalanceTimeout;
        m.protocols = q.protocols;
        m.owned = q.ownedPartitions;
        m.generationOfOwned = q.generationOfOwned;
        m.awaitingJoin = true;
        m.joinTag = f.tag;
        touch(ctx, q.groupId, m);
        switch (g.state) {
        case State::Empty:
            prepareRebalance(ctx, g, q.groupId);
            break;
        case State::PreparingRebalance:
            if (g.initialDelay) {
                // Each newcomer during the initial delay extends it, up to the rebalance timeout.
                extendInitialDelay(ctx, g, q.groupId);
            } else {
                maybeCompleteJoin(ctx, g, q.groupId);
            }
            break;
        case State::CompletingRebalance:
        case State::Stable:
            if (!changed && m.id != g.leader && g.state == State::Stable) {
                // A follower rejoining with nothing new gets the current generation back.
                m.awaitingJoin = false;
                Frame r = responseTo(f, KafkaError::None);
                auto body = std::make_shared<JoinGroupResponse>();
                body->generation = g.generation;
                body->protocol = g.protocol;
                body->leader = g.leader;
                body->memberId = m.id;
                body->partitions = partitions;
                r.body = std::move(body);
                ctx.send(from, std::move(r));
            } else {
                prepareRebalance(ctx, g, q.groupId);
            }
            break;
        }
    }

    void extendInitialDelay(NodeContext &ctx, Group &g, const std::string &groupId)
    {
        const SimTime remaining = g.rebalanceDeadline > ctx.now() ? g.rebalanceDeadline - ctx.now() : 0;
        const SimTime delay = std::min(initialRebalanceDelay, remaining);
        g.rebalanceTimer = startTimer(ctx, delay, {TimerKind::Rebalance, groupId, {}});
    }

    // The checks every request of a member goes through. 0 when it may proceed.
    std::uint16_t validate(const Group &g, const std::string &memberId, const std::string &instanceId,
                           std::int32_t generation) const
    {
        if (!instanceId.empty()) {
            auto s = g.staticMembers.find(instanceId);
            if (s != g.staticMembers.end() && s->second != memberId) return KafkaError::FencedInstanceId;
        }
        if (!g.members.count(memberId)) return KafkaError::UnknownMemberId;
        if (generation != g.generation) return KafkaError::IllegalGeneration;
        return KafkaError::None;
    }

    void sync(NodeContext &ctx, LinkIndex from, const Frame &f, const SyncGroupRequest &q)
    {
        auto &g = groups[q.groupId];
        auto reply = [&](std::uint16_t status, std::vector<std::uint32_t> assignment = {}) {
            Frame r = responseTo(f, status);
            auto body = std::make_shared<SyncGroupResponse>();
            body->assignment = std::move(assignment);
            r.body = std::move(body);
            ctx.send(from, std::move(r));
        };
        if (const auto err = validate(g, q.memberId, q.groupInstanceId, q.generation)) {
            reply(err);
            return;
        }
        Member &m = g.members[q.memberId];
        m.link = from;
        touch(ctx, q.groupId, m);
        switch (g.state) {
        case State::Empty:
            reply(KafkaError::UnknownMemberId);
            return;
        case State::PreparingRebalance:
            reply(KafkaError::RebalanceInProgress);
            return;
        case State::Stable:
            reply(KafkaError::None, m.assignment);
            return;
        case State::CompletingRebalance:
            break;
        }
        m.awaitingSync = true;
        m.syncTag = f.tag;
        if (q.memberId != g.leader) return;
        // The leader's assignment: stored, and sent to everyone waiting for it.
        for (auto &[id, member] : g.members)
            member.assignment.clear();
        for (const auto &[id, parts] : q.assignments) {
            auto it = g.members.find(id);
            if (it != g.members.end()) it->second.assignment = parts;
        }
        g.state = State::Stable;
        for (auto &[id, member] : g.members)
            if (member.awaitingSync) {
                member.awaitingSync = false;
                Frame r;
                r.type = FrameType::SyncGroup;
                r.response = true;
                r.tag = member.syncTag;
                r.status = KafkaError::None;
                auto body = std::make_shared<SyncGroupResponse>();
                body->assignment = member.assignment;
                r.body = std::move(body);
                ctx.send(member.link, std::move(r));
            }
    }

    void heartbeat(NodeContext &ctx, LinkIndex from, const Frame &f, const HeartbeatRequest &q)
    {
        auto &g = groups[q.groupId];
        std::uint16_t err = validate(g, q.memberId, q.groupInstanceId, q.generation);
        if (err == KafkaError::IllegalGeneration && g.state == State::PreparingRebalance)
            err = KafkaError::RebalanceInProgress;
        if (err == KafkaError::None || err == KafkaError::RebalanceInProgress) {
            Member &m = g.members[q.memberId];
            m.link = from;
            touch(ctx, q.groupId, m);
            if (g.state == State::PreparingRebalance) err = KafkaError::RebalanceInProgress;
        }
        ctx.send(from, responseTo(f, err));
    }

    void leave(NodeContext &ctx, LinkIndex from, const Frame &f, const LeaveGroupRequest &q)
    {
        auto &g = groups[q.groupId];
        std::string memberId = q.memberId;
        if (!q.groupInstanceId.empty()) {
            auto s = g.staticMembers.find(q.groupInstanceId);
            if (s != g.staticMembers.end() && !memberId.empty() && s->second != memberId) {
                ctx.send(from, responseTo(f, KafkaError::FencedInstanceId));
                return;
            }
            if (s != g.staticMembers.end()) memberId = s->second;
        }
        if (!g.members.count(memberId)) {
            ctx.send(from, responseTo(f, KafkaError::UnknownMemberId));
            return;
        }
        ctx.send(from, responseTo(f, KafkaError::None));
        removeMember(ctx, g, q.groupId, memberId, 0);
    }

    void commit(NodeContext &ctx, LinkIndex from, const Frame &f, const OffsetCommitRequest &q)
    {
        auto git = groups.find(q.groupId);
        std::uint16_t err = KafkaError::None;
        if (q.generation < 0 && q.memberId.empty()) {
            // A simple commit (no group membership) is taken only while nobody is a member.
            if (git != groups.end() && !git->second.members.empty()) err = KafkaError::UnknownMemberId;
        } else if (git == groups.end()) {
            err = KafkaError::UnknownMemberId;
        } else {
            const auto &g = git->second;
            err = validate(g, q.memberId, q.groupInstanceId, q.generation);
            // Between the join and the assignment nobody owns anything: no commits then.
            if (!err && g.state == State::CompletingRebalance) err = KafkaError::RebalanceInProgress;
        }
        auto body = std::make_shared<OffsetCommitResponse>();
        auto &offsets = offsetsOf(q.groupId);
        for (const auto &[p, o] : q.offsets) {
            if (err) {
                body->errors.emplace_back(p, err);
            } else if (p >= partitions) {
                body->errors.emplace_back(p, KafkaError::UnknownTopicOrPartition);
            } else {
                offsets[p] = o;
                body->errors.emplace_back(p, KafkaError::None);
                traceCommit(ctx, q.groupId, ctx.peer(from), p, o);
            }
        }
        if (!err && git != groups.end()) {
            if (auto m = git->second.members.find(q.memberId); m != git->second.members.end())
                touch(ctx, q.groupId, m->second);
        }
        Frame r = responseTo(f, err);
        r.body = std::move(body);
        ctx.send(from, std::move(r));
    }

    void txnCommit(NodeContext &ctx, LinkIndex from, const Frame &f, const TxnOffsetCommitRequest &q)
    {
        std::uint16_t err = KafkaError::None;
        // KIP-447: a producer that names its consumer's membership is fenced by its generation.
        if (!q.memberId.empty() && q.generation >= 0) {
            auto git = groups.find(q.groupId);
            err = git == groups.end() ? KafkaError::UnknownMemberId
                                      : validate(git->second, q.memberId, {}, q.generation);
        }
        auto body = std::make_shared<OffsetCommitResponse>();
        for (const auto &[p, o] : q.offsets) {
            if (!err && p < partitions) {
                auto &pending = pendingTxn[q.producerId];
                // The transaction's timeout counts from its first offsets here.
                const SimTime expires =
                    pending.empty() ? addTime(ctx.now(), q.transactionTimeout) : pending.front().expiresAt;
                // A later commit of the same partition in the transaction replaces the earlier one.
                const std::uint32_t partition = p; // clang cannot capture a structured binding
                std::erase_if(pending, [&q, partition](const PendingTxnOffset &held) {
                    return held.group == q.groupId && held.partition == partition;
                });
                pending.push_back({q.groupId, p, o, ctx.peer(from), expires});
            }
            body->errors.emplace_back(p, err              ? err
                                         : p < partitions ? KafkaError::None
                                                          : KafkaError::UnknownTopicOrPartition);
        }
        Frame r = responseTo(f, err);
        r.body = std::move(body);
        ctx.send(from, std::move(r));
    }

    // Offsets of transactions past their timeout: their coordinator has aborted them (Kafka's
    // abort marker reaches __consumer_offsets), so they are discarded.
    void expirePending(SimTime now)
    {
        std::erase_if(pendingTxn, [now](const auto &entry) {
            return !entry.second.empty() && entry.second.front().expiresAt <= now;
        });
    }

    void fetchOffsets(NodeContext &ctx, LinkIndex from, const Frame &f, const OffsetFetchRequest &q)
    {
        auto body = std::make_shared<OffsetFetchResponse>();
        expirePending(ctx.now());
        // KIP-447: requireStable waits (UNSTABLE_OFFSET_COMMIT, the client retries) while a
        // transaction's offsets for one of these partitions are pending.
        if (q.requireStable) {
            for (const auto &[producer, offsets] : pendingTxn)
                for (const auto &o : offsets)
                    if (o.group == q.groupId && std::find(q.partitions.begin(), q.partitions.end(),
                                                          o.partition) != q.partitions.end()) {
                        Frame r = responseTo(f, KafkaError::UnstableOffsetCommit);
                        r.body = std::move(body);
                        ctx.send(from, std::move(r));
                        return;
                    }
        }
        auto it = committed.find(q.groupId);
        for (std::uint32_t p : q.partitions)
            body->offsets.emplace_back(p, it != committed.end() && p < it->second.size() ? it->second[p]
                                                                                         : kNoOffset);
        Frame r = responseTo(f, KafkaError::None);
        r.body = std::move(body);
        ctx.send(from, std::move(r));
    }
};

GroupCoordinator::GroupCoordinator(std::uint32_t partitions) : m_impl(std::make_unique<Impl>())
{
    m_impl->partitions = partitions;
}
GroupCoordinator::~GroupCoordinator() = default;

void GroupCoordinator::setInitialRebalanceDelay(SimTime delay)
{
    m_impl->initialRebalanceDelay = delay;
}

bool GroupCoordinator::handles(const Frame &frame)
{
    if (frame.response) return false;
    switch (frame.type) {
    case FrameType::JoinGroup:
    case FrameType::SyncGroup:
    case FrameType::Heartbeat:
    case FrameType::LeaveGroup:
    case FrameType::OffsetCommit:
    case FrameType::OffsetFetch:
    case FrameType::TxnOffsetCommit:
        return true;
    default:
        return false;
    }
}

void GroupCoordinator::onFrame(NodeContext &ctx, LinkIndex from, const Frame &frame)
{
    auto &d = *m_impl;
    if (const auto *j = frame.as<JoinGroupRequest>())
        d.join(ctx, from, frame, *j);
    else if (const auto *s = frame.as<SyncGroupRequest>())
        d.sync(ctx, from, frame, *s);
    else if (const auto *h = frame.as<HeartbeatRequest>())
        d.heartbeat(ctx, from, frame, *h);
    else if (const auto *l = frame.as<LeaveGroupRequest>())
        d.leave(ctx, from, frame, *l);
    else if (const auto *c = frame.as<OffsetCommitRequest>())
        d.commit(ctx, from, frame, *c);
    else if (const auto *o = frame.as<OffsetFetchRequest>())
        d.fetchOffsets(ctx, from, frame, *o);
    else if (const auto *t = frame.as<TxnOffsetCommitRequest>())
        d.txnCommit(ctx, from, frame, *t);
    else
        ctx.send(from, responseTo(frame, KafkaError::CorruptMessage));
}

void GroupCoordinator::onTimer(NodeContext &ctx, std::uint64_t tag)
{
    auto &d = *m_impl;
    auto it = d.timers.find(tag);
    if (it == d.timers.end()) return;
    const TimerRef ref = std::move(it->second);
    d.timers.erase(it);
    auto git = d.groups.find(ref.group);
    if (git == d.groups.end()) return;
    Group &g = git->second;
    if (ref.kind == TimerKind::Rebalance) {
        if (g.rebalanceTimer != tag || g.state != State::PreparingRebalance) return;
        if (g.initialDelay) {
            g.initialDelay = false;
            bool all = g.pending.empty();
            for (const auto &[id, m] : g.members)
                all = all && m.awaitingJoin;
            if (!all && g.rebalanceDeadline > ctx.now()) {
                g.rebalanceTimer =
                    d.startTimer(ctx, g.rebalanceDeadline - ctx.now(), {TimerKind::Rebalance, ref.group, {}});
                return;
            }
        }
        d.completeJoin(ctx, g, ref.group);
        return;
    }
    auto mit = g.members.find(ref.member);
    if (mit == g.members.end()) return;
    Member &m = mit->second;
    m.sessionTimerSet = false;
    if (m.expiresAt > ctx.now()) {
        m.sessionTimerSet = true;
        d.startTimer(ctx, m.expiresAt - ctx.now(), {TimerKind::Session, ref.group, m.id});
        return;
    }
    // While it waits for a join response the member is not expected to heartbeat.
    if (m.awaitingJoin) {
        d.touch(ctx, ref.group, m);
        return;
    }
    d.removeMember(ctx, g, ref.group, ref.member, 1);
}

void GroupCoordinator::endTransaction(NodeContext &ctx, std::int64_t producerId, bool commit)
{
    auto &d = *m_impl;
    d.expirePending(ctx.now());
    auto it = d.pendingTxn.find(producerId);
    if (it == d.pendingTxn.end()) return;
    if (commit)
        for (const auto &o : it->second) {
            d.offsetsOf(o.group)[o.partition] = o.offset;
            d.traceCommit(ctx, o.group, o.peer, o.partition, o.offset);
        }
    d.pendingTxn.erase(it);
}

void GroupCoordinator::onCrash()
{
    // Membership is in memory; members find out by their errors and rejoin. The generation is
    // kept in __consumer_offsets with the group's metadata, and so are open transactions' offsets
    // (written there, made visible by the transaction's marker).
    for (auto &[id, g] : m_impl->groups) {
        g.members.clear();
        g.pending.clear();
        g.staticMembers.clear();
        g.leader.clear();
        g.protocol.clear();
        g.state = State::Empty;
        g.rebalanceTimer = 0;
        g.initialDelay = false;
    }
    m_impl->timers.clear();
}

void GroupCoordinator::onDiskLost()
{
    m_impl->committed.clear();
    m_impl->pendingTxn.clear();
    m_impl->groups.clear();
}

std::vector<std::pair<std::string, std::vector<std::int64_t>>> GroupCoordinator::committedOffsets() const
{
    return {m_impl->committed.begin(), m_impl->committed.end()};
}

bool GroupCoordinator::hasPendingWork() const
{
    for (const auto &[id, g] : m_impl->groups)
        if (g.state == State::PreparingRebalance || g.state == State::CompletingRebalance) return true;
    return false;
}

std::vector<GroupCoordinator::MemberView> GroupCoordinator::members(std::string_view groupId) const
{
    std::vector<MemberView> out;
    auto it = m_impl->groups.find(std::string(groupId));
    if (it == m_impl->groups.end()) return out;
    for (const auto &[id, m] : it->second.members)
        out.push_back({id, m.instanceId, it->second.leader == id, m.assignment});
    return out;
}

std::int32_t GroupCoordinator::generation(std::string_view groupId) const
{
    auto it = m_impl->groups.find(std::string(groupId));
    return it == m_impl->groups.end() ? 0 : it->second.generation;
}

} // namespace sb::kafka
