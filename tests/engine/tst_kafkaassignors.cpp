// Kafka's partition assignors: range, roundrobin, sticky and cooperative-sticky with 1-5 members
// and 1-12 partitions (every partition once, balance, determinism), Kafka's known results, the
// sticky ones' stickiness across member changes, and cooperative-sticky's two-phase handover.
#include "nodes/kafka/assignors.h"

#include <QtTest>

#include <algorithm>
#include <random>
#include <set>

using namespace sb::kafka;

namespace {

std::vector<AssignorMember> freshMembers(int n)
{
    std::vector<AssignorMember> out;
    for (int i = 0; i < n; ++i)
        out.push_back({"member-" + std::to_string(i + 1), {}, {}, 0});
    return out;
}

using Parts = std::vector<std::uint32_t>;

// The members of `before` with what they own in `a`, in generation `gen`.
std::vector<AssignorMember> owning(const std::vector<AssignorMember> &members, const Assignment &a,
                                   std::uint32_t gen)
{
    auto out = members;
    for (auto &m : out) {
        auto it = a.find(m.memberId);
        m.ownedPartitions = it == a.end() ? Parts{} : it->second;
        m.generation = gen;
    }
    return out;
}

} // namespace

class TestKafkaAssignors : public QObject {
    Q_OBJECT
private slots:
    void everyPartitionOnceAndBalanced_data();
    void everyPartitionOnceAndBalanced();
    void knownResults_data();
    void knownResults();
    void staticMembersSortByInstanceId();
    void stickyKeepsOwnedPartitions_data();
    void stickyKeepsOwnedPartitions();
    void cooperativeRevokesBeforeMoving_data();
    void cooperativeRevokesBeforeMoving();
    void higherGenerationClaimWins();
};

void TestKafkaAssignors::everyPartitionOnceAndBalanced_data()
{
    QTest::addColumn<QString>("assignor");
    QTest::addColumn<int>("members");
    QTest::addColumn<int>("partitions");
    for (const char *a : {"range", "roundrobin", "sticky", "cooperative-sticky"})
        for (int m = 1; m <= 5; ++m)
            for (int p = 1; p <= 12; ++p)
                QTest::addRow("%s %d members %d partitions", a, m, p) << QString(a) << m << p;
}

void TestKafkaAssignors::everyPartitionOnceAndBalanced()
{
    QFETCH(QString, assignor);
    QFETCH(int, members);
    QFETCH(int, partitions);
    const auto ms = freshMembers(members);
    const auto a = assignPartitions(assignor.toStdString(), ms, std::uint32_t(partitions));
    QCOMPARE(int(a.size()), members);
    std::multiset<std::uint32_t> seen;
    std::size_t most = 0, least = SIZE_MAX;
    for (const auto &[m, parts] : a) {
        QVERIFY(std::is_sorted(parts.begin(), parts.end()));
        seen.insert(parts.begin(), parts.end());
        most = std::max(most, parts.size());
        least = std::min(least, parts.size());
    }
    QCOMPARE(int(seen.size()), partitions);
    for (int p = 0; p < partitions; ++p)
        QCOMPARE(int(seen.count(std::uint32_t(p))), 1);
    QVERIFY2(most - least <= 1, "counts differ by more than one");
    // Determinism: the order the members arrive in does not matter.
    auto shuffled = ms;
    std::mt19937 g(std::uint32_t(members * 31 + partitions));
    std::shuffle(shuffled.begin(), shuffled.end(), g);
    QVERIFY(assignPartitions(assignor.toStdString(), shuffled, std::uint32_t(partitions)) == a);
}

void TestKafkaAssignors::knownResults_data()
{
    QTest::addColumn<QString>("assignor");
    QTest::addColumn<int>("members");
    QTest::addColumn<int>("partitions");
    QTest::addColumn<QList<Parts>>("expected"); // by member id order
    // RangeAssignor's javadoc: 2 consumers, 3 partitions -> C0 [p0, p1], C1 [p2].
    QTest::newRow("range 2x3") << "range" << 2 << 3 << QList<Parts>{{0, 1}, {2}};
    QTest::newRow("range 3x7") << "range" << 3 << 7 << QList<Parts>{{0, 1, 2}, {3, 4}, {5, 6}};
    QTest::newRow("range 4x2 idle") << "range" << 4 << 2 << QList<Parts>{{0}, {1}, {}, {}};
    QTest::newRow("range 5x12") << "range" << 5 << 12
                                << QList<Parts>{{0, 1, 2}, {3, 4, 5}, {6, 7}, {8, 9}, {10, 11}};
    // RoundRobinAssignor: partitions dealt in turn over the sorted members.
    QTest::newRow("roundrobin 3x7") << "roundrobin" << 3 << 7 << QList<Parts>{{0, 3, 6}, {1, 4}, {2, 5}};
    QTest::newRow("roundrobin 2x3") << "roundrobin" << 2 << 3 << QList<Parts>{{0, 2}, {1}};
    QTest::newRow("roundrobin 4x2 idle") << "roundrobin" << 4 << 2 << QList<Parts>{{0}, {1}, {}, {}};
    // A fresh sticky assignment deals like round robin.
    QTest::newRow("sticky 3x7") << "sticky" << 3 << 7 << QList<Parts>{{0, 3, 6}, {1, 4}, {2, 5}};
    QTest::newRow("cooperative-sticky 2x5")
        << "cooperative-sticky" << 2 << 5 << QList<Parts>{{0, 2, 4}, {1, 3}};
}

void TestKafkaAssignors::knownResults()
{
    QFETCH(QString, assignor);
    QFETCH(int, members);
    QFETCH(int, partitions);
    QFETCH(QList<Parts>, expected);
    const auto a = assignPartitions(assignor.toStdString(), freshMembers(members), std::uint32_t(partitions));
    int i = 0;
    for (const auto &[m, parts] : a)
        QCOMPARE(parts, expected[i++]);
}

void TestKafkaAssignors::staticMembersSortByInstanceId()
{
    // Member ids sort one way, group.instance.ids the other: range follows the instance ids.
    std::vector<AssignorMember> ms = {{"member-1", "zeta", {}, 0}, {"member-2", "alpha", {}, 0}};
    const auto a = assignRange(ms, 4);
    QCOMPARE(a.at("member-2"), (Parts{0, 1}));
    QCOMPARE(a.at("member-1"), (Parts{2, 3}));
    // One dynamic member: ordered by member id.
    ms[1].groupInstanceId.clear();
    const auto b = assignRange(ms, 4);
    QCOMPARE(b.at("member-1"), (Parts{0, 1}));
}

void TestKafkaAssignors::stickyKeepsOwnedPartitions_data()
{
    QTest::addColumn<int>("members");
    QTest::addColumn<int>("partitions");
    QTest::addColumn<int>("change"); // +1 a member joins, -1 the second member leaves
    for (int m = 1; m <= 5; ++m)
        for (int p : {1, 3, 6, 7, 12}) {
            QTest::addRow("%d members %d partitions, one joins", m, p) << m << p << 1;
            if (m > 1) QTest::addRow("%d members %d partitions, one leaves", m, p) << m << p << -1;
        }
}

void TestKafkaAssignors::stickyKeepsOwnedPartitions()
{
    QFETCH(int, members);
    QFETCH(int, partitions);
    QFETCH(int, change);
    const auto P = std::uint32_t(partitions);
    auto ms = freshMembers(members);
    const auto before = assignSticky(ms, P);
    auto next = owning(ms, before, 1);
    if (change > 0)
        next.push_back({"member-9", {}, {}, 0});
    else
        next.erase(next.begin() + 1);
    const auto after = assignSticky(next, P);
    // Balanced again, and every member that stays keeps what it owned up to its new share (or
    // keeps all of it and gets more): nothing moves that balance does not require.
    std::size_t moved = 0;
    for (const auto &m : next) {
        const auto &now = after.at(m.memberId);
        const std::set<std::uint32_t> was(m.ownedPartitions.begin(), m.ownedPartitions.end());
        std::size_t kept = 0;
        for (auto p : now)
            kept += was.count(p);
        QCOMPARE(kept, std::min(was.size(), now.size()));
        moved += was.size() - kept;
    }
    const std::uint32_t n = std::uint32_t(next.size());
    // Partitions taken from members above the new maximum share are the only ones moved.
    std::size_t excess = 0;
    for (const auto &m : next)
        if (m.ownedPartitions.size() > (P + n - 1) / n) excess += m.ownedPartitions.size() - (P + n - 1) / n;
    QVERIFY(moved <= excess + n);
    std::size_t most = 0, least = SIZE_MAX, total = 0;
    for (const auto &[m, parts] : after) {
        most = std::max(most, parts.size());
        least = std::min(least, parts.size());
        total += parts.size();
    }
    QCOMPARE(total, std::size_t(P));
    QVERIFY(most - least <= 1);
}

void TestKafkaAssignors::cooperativeRevokesBeforeMoving_data()
{
    QTest::addColumn<int>("members");
    QTest::addColumn<int>("partitions");
    for (int m = 1; m <= 4; ++m)
        for (int p : {2, 5, 8, 12})
            QTest::addRow("%d members + 1, %d partitions", m, p) << m << p;
}

void TestKafkaAssignors::cooperativeRevokesBeforeMoving()
{
    QFETCH(int, members);
    QFETCH(int, partitions);
    const auto P = std::uint32_t(partitions);
    auto ms = freshMembers(members);
    const auto gen1 = assignCooperativeSticky(ms, P);
    auto joining = owning(ms, gen1, 1);
    joining.push_back({"member-9", {}, {}, 0});
    // First rebalance: no partition goes from one owner straight to another.
    const auto gen2 = assignCooperativeSticky(joining, P);
    std::map<std::uint32_t, std::string> ownerBefore;
    for (const auto &[m, parts] : gen1)
        for (auto p : parts)
            ownerBefore[p] = m;
    std::size_t assigned = 0;
    for (const auto &[m, parts] : gen2)
        for (auto p : parts) {
            QCOMPARE(ownerBefore.at(p), m);
            ++assigned;
        }
    const auto sticky = assignSticky(joining, P);
    std::size_t moving = 0;
    for (const auto &[m, parts] : sticky)
        for (auto p : parts)
            moving += ownerBefore.at(p) != m;
    QCOMPARE(assigned, std::size_t(P) - moving); // what moves is revoked, unassigned
    // The follow-up rebalance (owners gave the revoked ones up) hands them over: the eager
    // sticky result, everything assigned.
    const auto gen3 = assignCooperativeSticky(owning(joining, gen2, 2), P);
    QVERIFY(gen3 == sticky);
}

void TestKafkaAssignors::higherGenerationClaimWins()
{
    // A member that missed a generation still claims p0 from generation 1; the claim of
    // generation 2 wins.
    std::vector<AssignorMember> ms = {{"member-1", {}, {0, 1}, 1}, {"member-2", {}, {0}, 2}};
    const auto a = assignSticky(ms, 2);
    QCOMPARE(a.at("member-2"), (Parts{0}));
    QCOMPARE(a.at("member-1"), (Parts{1}));
}

QTEST_GUILESS_MAIN(TestKafkaAssignors)
#include "tst_kafkaassignors.moc"
