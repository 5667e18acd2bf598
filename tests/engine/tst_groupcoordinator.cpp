// The group coordinator (classic protocol) driven frame by frame through a recording context:
// MEMBER_ID_REQUIRED, join/sync and generations, the initial rebalance delay, heartbeats during a
// rebalance, session timeout eviction, static members rejoining without a rebalance and the fenced
// old member id, offset commits checked against generation and member, transactional offsets.
#include "nodes/kafka/groupcoordinator.h"

#include "callstatus.h"

#include <QtTest>

#include <map>

using namespace sb;
using namespace sb::kafka;

namespace {

// A NodeContext with a manual clock: frames sent are kept by link, timers fire when advanced to.
class Context final : public NodeContext {
public:
    SimTime now() const override { return m_now; }
    NodeIndex self() const override { return 0; }
    std::span<const LinkIndex> links(PortIndex) const override { return {}; }
    NodeIndex peer(LinkIndex link) const override { return 100 + link; }
    void send(LinkIndex link, Frame frame) override { sent[link].push_back(std::move(frame)); }
    TimerId startTimer(SimTime delay, std::uint64_t tag, bool) override
    {
        timers.emplace(m_now + delay, tag);
        return ++m_timerIds;
    }
    void cancelTimer(TimerId) override {}
    Rng &rng() override { return m_rng; }
    void trace(TraceEvent e) override
    {
        e.time = m_now;
        events.push_back(e);
    }
    std::uint64_t newMessageId() override { return 1; }
    bool mayPublish() override { return true; }
    std::uint32_t groupIndex(std::string_view) override { return 0; }

    // Fires the coordinator's timers due up to `t`.
    void advance(GroupCoordinator &c, SimTime t)
    {
        while (!timers.empty() && timers.begin()->first <= t) {
            auto [at, tag] = *timers.begin();
            timers.erase(timers.begin());
            m_now = at;
            c.onTimer(*this, tag);
        }
        m_now = t;
    }
    // The last frame sent to a link, removed from the record.
    Frame take(LinkIndex link)
    {
        auto &q = sent[link];
        if (q.empty()) {
            qWarning("nothing sent on link %u", link);
            return {};
        }
        Frame f = std::move(q.front());
        q.erase(q.begin());
        return f;
    }
    std::size_t count(TraceKind k) const
    {
        std::size_t n = 0;
        for (const auto &e : events)
            n += e.kind == k;
        return n;
    }

    std::map<LinkIndex, std::vector<Frame>> sent;
    std::multimap<SimTime, std::uint64_t> timers;
    std::vector<TraceEvent> events;

private:
    SimTime m_now = 0;
    TimerId m_timerIds = 0;
    Rng m_rng;
};

std::uint64_t g_tag = 1;

template <class Body> Frame frame(FrameType type, Body body)
{
    Frame f;
    f.type = type;
    f.tag = g_tag++;
    f.body = std::make_shared<Body>(std::move(body));
    return f;
}

Frame joinFrame(const std::string &memberId, const std::string &instance = {},
                std::vector<std::string> protocols = {"range"})
{
    JoinGroupRequest j;
    j.groupId = "g";
    j.memberId = memberId;
    j.groupInstanceId = instance;
    j.sessionTimeout = 10 * kSecond;
    j.rebalanceTimeout = 30 * kSecond;
    j.protocols = std::move(protocols);
    return frame(FrameType::JoinGroup, j);
}

Frame syncFrame(const std::string &memberId, std::int32_t gen,
                std::vector<std::pair<std::string, std::vector<std::uint32_t>>> assignments = {},
                const std::string &instance = {})
{
    SyncGroupRequest s;
    s.groupId = "g";
    s.generation = gen;
    s.memberId = memberId;
    s.groupInstanceId = instance;
    s.assignments = std::move(assignments);
    return frame(FrameType::SyncGroup, s);
}

Frame heartbeatFrame(const std::string &memberId, std::int32_t gen, const std::string &instance = {})
{
    HeartbeatRequest h;
    h.groupId = "g";
    h.generation = gen;
    h.memberId = memberId;
    h.groupInstanceId = instance;
    return frame(FrameType::Heartbeat, h);
}

Frame commitFrame(const std::string &memberId, std::int32_t gen, std::int64_t offset)
{
    OffsetCommitRequest c;
    c.groupId = "g";
    c.generation = gen;
    c.memberId = memberId;
    c.offsets = {{0, offset}};
    return frame(FrameType::OffsetCommit, c);
}

// Joins a dynamic member on `link`: MEMBER_ID_REQUIRED, then the join with its id (answered
// later, when the rebalance completes). Returns the id.
std::string startJoin(GroupCoordinator &c, Context &ctx, LinkIndex link)
{
    c.onFrame(ctx, link, joinFrame(""));
    Frame r = ctx.take(link);
    if (r.status != KafkaError::MemberIdRequired) qWarning("expected MEMBER_ID_REQUIRED");
    const std::string id = r.as<JoinGroupResponse>()->memberId;
    c.onFrame(ctx, link, joinFrame(id));
    return id;
}

// Two dynamic members (links 1, 2) in a stable group of generation 1; A leads.
struct TwoMembers {
    GroupCoordinator c{4};
    Context ctx;
    std::string a, b;
    TwoMembers()
    {
        a = startJoin(c, ctx, 1);
        b = startJoin(c, ctx, 2);
        ctx.advance(c, 10 * kSecond);
        auto ja = ctx.take(1), jb = ctx.take(2);
        c.onFrame(ctx, 2, syncFrame(b, 1));
        c.onFrame(ctx, 1, syncFrame(a, 1, {{a, {0, 1}}, {b, {2, 3}}}));
        ctx.take(1);
        ctx.take(2);
    }
};

} // namespace

class TestGroupCoordinator : public QObject {
    Q_OBJECT
private slots:
    void joinSyncGeneration();
    void initialDelayWaitsForMoreMembers_data();
    void initialDelayWaitsForMoreMembers();
    void heartbeatErrors_data();
    void heartbeatErrors();
    void sessionTimeoutEvicts();
    void leaveTriggersRebalance();
    void staticRejoinWithoutRebalance();
    void commitChecks_data();
    void commitChecks();
    void protocolVote();
    void txnOffsetsWaitForTheTransaction_data();
    void txnOffsetsWaitForTheTransaction();
    void offsetsSurviveCrashNotDiskLoss();
};

void TestGroupCoordinator::joinSyncGeneration()
{
    GroupCoordinator c(3);
    Context ctx;
    const auto a = startJoin(c, ctx, 1);
    QVERIFY(!a.empty());
    QCOMPARE(ctx.count(TraceKind::Rebalance), std::size_t(1));
    QVERIFY(ctx.sent[1].empty()); // held for the initial delay
    QVERIFY(c.hasPendingWork());
    ctx.advance(c, 3 * kSecond);
    Frame j = ctx.take(1);
    QCOMPARE(j.status, KafkaError::None);
    const auto *jr = j.as<JoinGroupResponse>();
    QCOMPARE(jr->generation, 1);
    QCOMPARE(jr->leader, a);
    QCOMPARE(jr->protocol, std::string("range"));
    QCOMPARE(int(jr->members.size()), 1);
    QCOMPARE(jr->partitions, 3u);
    c.onFrame(ctx, 1, syncFrame(a, 1, {{a, {0, 1, 2}}}));
    Frame s = ctx.take(1);
    QCOMPARE(s.status, KafkaError::None);
    QCOMPARE(s.as<SyncGroupResponse>()->assignment, (std::vector<std::uint32_t>{0, 1, 2}));
    QVERIFY(!c.hasPendingWork());
    QCOMPARE(c.generation("g"), 1);
    // A stale generation's sync is refused.
    c.onFrame(ctx, 1, syncFrame(a, 0));
    QCOMPARE(ctx.take(1).status, KafkaError::IllegalGeneration);
    // A member id the group never gave out.
    c.onFrame(ctx, 3, joinFrame("member-99"));
    QCOMPARE(ctx.take(3).status, KafkaError::UnknownMemberId);
}

void TestGroupCoordinator::initialDelayWaitsForMoreMembers_data()
{
    QTest::addColumn<qint64>("delayMs");
    QTest::addColumn<qint64>("secondJoinsAtMs");
    QTest::addColumn<int>("membersInFirstGeneration");
    QTest::addRow("second within the delay") << qint64(3000) << qint64(2000) << 2;
    QTest::addRow("second after the delay") << qint64(3000) << qint64(4000) << 1;
    QTest::addRow("no delay") << qint64(0) << qint64(1) << 1;
}

void TestGroupCoordinator::initialDelayWaitsForMoreMembers()
{
    QFETCH(qint64, delayMs);
    QFETCH(qint64, secondJoinsAtMs);
    QFETCH(int, membersInFirstGeneration);
    GroupCoordinator c(4);
    c.setInitialRebalanceDelay(delayMs * kMillisecond);
    Context ctx;
    startJoin(c, ctx, 1);
    ctx.advance(c, secondJoinsAtMs * kMillisecond);
    startJoin(c, ctx, 2);
    ctx.advance(c, 20 * kSecond);
    Frame j = ctx.take(1);
    QCOMPARE(j.status, KafkaError::None);
    QCOMPARE(j.as<JoinGroupResponse>()->generation, 1);
    QCOMPARE(int(j.as<JoinGroupResponse>()->members.size()), membersInFirstGeneration);
}

void TestGroupCoordinator::heartbeatErrors_data()
{
    QTest::addColumn<QString>("who");
    QTest::addColumn<int>("generation");
    QTest::addColumn<bool>("rebalancing");
    QTest::addColumn<int>("expected");
    QTest::addRow("member, current generation") << "a" << 1 << false << int(KafkaError::None);
    QTest::addRow("member, old generation") << "a" << 0 << false << int(KafkaError::IllegalGeneration);
    QTest::addRow("unknown member") << "x" << 1 << false << int(KafkaError::UnknownMemberId);
    QTest::addRow("during a rebalance") << "a" << 1 << true << int(KafkaError::RebalanceInProgress);
}

void TestGroupCoordinator::heartbeatErrors()
{
    QFETCH(QString, who);
    QFETCH(int, generation);
    QFETCH(bool, rebalancing);
    QFETCH(int, expected);
    TwoMembers g;
    if (rebalancing) {
        // A third member arrives: the stable group starts a rebalance.
        startJoin(g.c, g.ctx, 3);
        QCOMPARE(g.ctx.count(TraceKind::Rebalance), std::size_t(2));
        QCOMPARE(g.ctx.events.back().epoch, 2u);
    }
    const std::string id = who == "a" ? g.a : "member-77";
    g.c.onFrame(g.ctx, 1, heartbeatFrame(id, generation));
    QCOMPARE(int(g.ctx.take(1).status), expected);
}

void TestGroupCoordinator::sessionTimeoutEvicts()
{
    TwoMembers g;
    // A keeps heartbeating, B falls silent: after session.timeout.ms (10 s) B is removed.
    for (SimTime t = 12 * kSecond; t <= 24 * kSecond; t += 3 * kSecond) {
        g.ctx.advance(g.c, t);
        g.c.onFrame(g.ctx, 1, heartbeatFrame(g.a, g.c.generation("g")));
        const auto status = g.ctx.take(1).status;
        if (status == KafkaError::RebalanceInProgress) {
            g.c.onFrame(g.ctx, 1, joinFrame(g.a));
            break;
        }
    }
    std::size_t leaves = 0;
    for (const auto &e : g.ctx.events)
        if (e.kind == TraceKind::Leave) {
            ++leaves;
            QCOMPARE(e.aux, std::int64_t(1));
            QCOMPARE(e.peer, NodeIndex(102)); // B's link
        }
    QCOMPARE(leaves, std::size_t(1));
    Frame j = g.ctx.take(1);
    QCOMPARE(j.status, KafkaError::None);
    QCOMPARE(j.as<JoinGroupResponse>()->generation, 2);
    QCOMPARE(int(j.as<JoinGroupResponse>()->members.size()), 1);
    // B's late heartbeat: it is no longer a member.
    g.c.onFrame(g.ctx, 2, heartbeatFrame(g.b, 1));
    QCOMPARE(g.ctx.take(2).status, KafkaError::UnknownMemberId);
}

void TestGroupCoordinator::leaveTriggersRebalance()
{
    TwoMembers g;
    LeaveGroupRequest l;
    l.groupId = "g";
    l.memberId = g.b;
    g.c.onFrame(g.ctx, 2, frame(FrameType::LeaveGroup, l));
    QCOMPARE(g.ctx.take(2).status, KafkaError::None);
    QCOMPARE(g.ctx.count(TraceKind::Rebalance), std::size_t(2));
    g.c.onFrame(g.ctx, 1, heartbeatFrame(g.a, 1));
    QCOMPARE(g.ctx.take(1).status, KafkaError::RebalanceInProgress);
    g.c.onFrame(g.ctx, 1, joinFrame(g.a));
    Frame j = g.ctx.take(1); // the only member rejoined: no need to wait
    QCOMPARE(j.as<JoinGroupResponse>()->generation, 2);
}

void TestGroupCoordinator::staticRejoinWithoutRebalance()
{
    GroupCoordinator c(2);
    Context ctx;
    c.onFrame(ctx, 1, joinFrame("", "instance-a"));
    c.onFrame(ctx, 2, joinFrame("", "instance-b"));
    ctx.advance(c, 3 * kSecond);
    const auto ja = ctx.take(1), jb = ctx.take(2);
    const std::string a = ja.as<JoinGroupResponse>()->memberId, b = jb.as<JoinGroupResponse>()->memberId;
    QVERIFY(!a.empty() && !b.empty());
    c.onFrame(ctx, 2, syncFrame(b, 1, {}, "instance-b"));
    c.onFrame(ctx, 1, syncFrame(a, 1, {{a, {0}}, {b, {1}}}, "instance-a"));
    ctx.take(1);
    ctx.take(2);
    // B restarts (a new connection, link 3) and rejoins under its instance id within the session.
    ctx.advance(c, 5 * kSecond);
    c.onFrame(ctx, 3, joinFrame("", "instance-b"));
    Frame j = ctx.take(3);
    QCOMPARE(j.status, KafkaError::None);
    const auto *jr = j.as<JoinGroupResponse>();
    QCOMPARE(jr->generation, 1); // no new generation
    const std::string b2 = jr->memberId;
    QVERIFY(b2 != b);
    QCOMPARE(ctx.count(TraceKind::Rebalance), std::size_t(1));
    c.onFrame(ctx, 3, syncFrame(b2, 1, {}, "instance-b"));
    Frame s = ctx.take(3);
    QCOMPARE(s.status, KafkaError::None);
    QCOMPARE(s.as<SyncGroupResponse>()->assignment, (std::vector<std::uint32_t>{1}));
    // The old incarnation is fenced.
    c.onFrame(ctx, 2, heartbeatFrame(b, 1, "instance-b"));
    QCOMPARE(ctx.take(2).status, KafkaError::FencedInstanceId);
    c.onFrame(ctx, 2, joinFrame(b, "instance-b"));
    QCOMPARE(ctx.take(2).status, KafkaError::FencedInstanceId);
    // A static member that goes silent is removed after the session timeout all the same.
    for (SimTime t = 8 * kSecond; t <= 30 * kSecond; t += 3 * kSecond) {
        ctx.advance(c, t);
        c.onFrame(ctx, 1, heartbeatFrame(a, c.generation("g"), "instance-a"));
        ctx.sent[1].clear();
    }
    QCOMPARE(ctx.count(TraceKind::Rebalance), std::size_t(2));
    QCOMPARE(ctx.count(TraceKind::Leave), std::size_t(1));
}

void TestGroupCoordinator::commitChecks_data()
{
    QTest::addColumn<QString>("who");
    QTest::addColumn<int>("generation");
    QTest::addColumn<QString>("state");
    QTest::addColumn<int>("expected");
    QTest::addRow("member, current generation") << "a" << 1 << "stable" << int(KafkaError::None);
    QTest::addRow("stale generation") << "a" << 0 << "stable" << int(KafkaError::IllegalGeneration);
    QTest::addRow("unknown member") << "x" << 1 << "stable" << int(KafkaError::UnknownMemberId);
    QTest::addRow("simple commit to a live group")
        << "" << -1 << "stable" << int(KafkaError::UnknownMemberId);
    // onPartitionsRevoked commits while the group prepares the rebalance: allowed.
    QTest::addRow("preparing a rebalance") << "a" << 1 << "preparing" << int(KafkaError::None);
    QTest::addRow("awaiting the assignment")
        << "a" << 2 << "completing" << int(KafkaError::RebalanceInProgress);
}

void TestGroupCoordinator::commitChecks()
{
    QFETCH(QString, who);
    QFETCH(int, generation);
    QFETCH(QString, state);
    QFETCH(int, expected);
    TwoMembers g;
    if (state != "stable") {
        LeaveGroupRequest l;
        l.groupId = "g";
        l.memberId = g.b;
        g.c.onFrame(g.ctx, 2, frame(FrameType::LeaveGroup, l));
        if (state == "completing") g.c.onFrame(g.ctx, 1, joinFrame(g.a));
        g.ctx.sent.clear();
    }
    const std::string id = who == "a" ? g.a : who.isEmpty() ? std::string() : "member-77";
    g.c.onFrame(g.ctx, 1, commitFrame(id, generation, 42));
    Frame r = g.ctx.take(1);
    QCOMPARE(int(r.status), expected);
    const auto committed = g.c.committedOffsets();
    QCOMPARE(int(committed.size()), 1);
    QCOMPARE(committed[0].second[0], expected == KafkaError::None ? std::int64_t(42) : kNoOffset);
    QCOMPARE(g.ctx.count(TraceKind::Commit), std::size_t(expected == KafkaError::None ? 1 : 0));
    if (expected == KafkaError::None) {
        const auto &e = g.ctx.events.back();
        QCOMPARE(e.kind, TraceKind::Commit);
        QCOMPARE(e.offset, std::int64_t(42));
        QCOMPARE(e.partition, 0u);
        QCOMPARE(e.peer, NodeIndex(101));
        OffsetFetchRequest f;
        f.groupId = "g";
        f.partitions = {0, 1};
        g.c.onFrame(g.ctx, 1, frame(FrameType::OffsetFetch, f));
        const Frame fetched = g.ctx.take(1);
        const auto *o = fetched.as<OffsetFetchResponse>();
        QCOMPARE(o->offsets[0].second, std::int64_t(42));
        QCOMPARE(o->offsets[1].second, kNoOffset);
    }
}

void TestGroupCoordinator::protocolVote()
{
    GroupCoordinator c(2);
    Context ctx;
    // All support both; A (the leader) prefers range, B and C cooperative-sticky: the vote picks it.
    c.onFrame(ctx, 1, joinFrame("", "a", {"range", "cooperative-sticky"}));
    c.onFrame(ctx, 2, joinFrame("", "b", {"cooperative-sticky", "range"}));
    c.onFrame(ctx, 3, joinFrame("", "c", {"cooperative-sticky", "range"}));
    ctx.advance(c, 4 * kSecond);
    // A member supporting none of the group's protocols is refused.
    c.onFrame(ctx, 4, joinFrame("", "d", {"roundrobin"}));
    QCOMPARE(ctx.take(4).status, KafkaError::InconsistentGroupProtocol);
    Frame j = ctx.take(3);
    QCOMPARE(j.as<JoinGroupResponse>()->protocol, std::string("cooperative-sticky"));
}

void TestGroupCoordinator::txnOffsetsWaitForTheTransaction_data()
{
    QTest::addColumn<bool>("commit");
    QTest::addRow("committed") << true;
    QTest::addRow("aborted") << false;
}

void TestGroupCoordinator::txnOffsetsWaitForTheTransaction()
{
    QFETCH(bool, commit);
    GroupCoordinator c(2);
    Context ctx;
    TxnOffsetCommitRequest t;
    t.transactionalId = "tx";
    t.groupId = "pipeline";
    t.producerId = 7;
    t.offsets = {{1, 10}};
    c.onFrame(ctx, 1, frame(FrameType::TxnOffsetCommit, t));
    QCOMPARE(ctx.take(1).status, KafkaError::None);
    QVERIFY(c.committedOffsets().empty() || c.committedOffsets()[0].second[1] == kNoOffset);
    c.endTransaction(ctx, 7, commit);
    const auto offsets = c.committedOffsets();
    const std::int64_t got = offsets.empty() ? kNoOffset : offsets[0].second[1];
    QCOMPARE(got, commit ? std::int64_t(10) : kNoOffset);
    QCOMPARE(ctx.count(TraceKind::Commit), std::size_t(commit ? 1 : 0));
}

void TestGroupCoordinator::offsetsSurviveCrashNotDiskLoss()
{
    TwoMembers g;
    g.c.onFrame(g.ctx, 1, commitFrame(g.a, 1, 5));
    g.c.onCrash();
    QCOMPARE(g.c.committedOffsets()[0].second[0], std::int64_t(5));
    QVERIFY(g.c.members("g").empty());
    // Members find out and join again.
    g.ctx.sent.clear();
    g.c.onFrame(g.ctx, 1, heartbeatFrame(g.a, 1));
    QCOMPARE(g.ctx.take(1).status, KafkaError::UnknownMemberId);
    g.c.onDiskLost();
    QVERIFY(g.c.committedOffsets().empty());
}

QTEST_GUILESS_MAIN(TestGroupCoordinator)
#include "tst_groupcoordinator.moc"
