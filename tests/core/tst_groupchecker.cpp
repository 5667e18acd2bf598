// The consumer-group checker (core/groupchecker.h) on hand-made traces: a producer (node 0)
// writes records to a topic (node 1) read by consumers (nodes 2, 3) in groups. Each case is one
// rule: lost by truncation, skipped past by a commit, deleted by retention before it was read,
// superseded by compaction (not lost), duplicates, partition and key order, pending, groups kept
// apart, and the checks' place in the summary.
#include "groupchecker.h"
#include "summary.h"

#include <QTest>

#include <algorithm>

using namespace sb;

namespace {

class Trace {
public:
    explicit Trace(GroupChecker &c) : m_c(c) {}
    // The producer makes a record: its message, then its Publish.
    std::uint64_t produce(const std::string &key = {})
    {
        Message m;
        m.id = ++m_nextId;
        m.producer = 0;
        m.sequence = m.id;
        m.key = key;
        m_c.onMessage(m);
        TraceEvent e;
        e.time = ++m_time;
        e.kind = TraceKind::Publish;
        e.node = 0;
        e.messageId = m.id;
        m_c.onEvent(e);
        return m.id;
    }
    void append(std::uint64_t id, std::uint32_t partition, std::int64_t offset)
    {
        event(TraceKind::Append, 1, id, partition, offset);
    }
    void confirm(std::uint64_t id) { event(TraceKind::Confirm, 0, id, kNoIndex, -1); }
    void drop(std::uint64_t id, DropReason r)
    {
        TraceEvent e = make(TraceKind::Drop, 1, id, kNoIndex, -1);
        e.reason = r;
        m_c.onEvent(e);
    }
    void process(NodeIndex consumer, std::uint32_t group, std::uint64_t id, std::uint32_t partition,
                 std::int64_t offset)
    {
        TraceEvent e = make(TraceKind::Process, consumer, id, partition, offset);
        e.group = group;
        m_c.onEvent(e);
    }
    // A record of transaction `txn` written (not acknowledged until the transaction commits).
    std::uint64_t writtenInTransaction(std::uint32_t partition, std::int64_t offset, std::uint64_t txn)
    {
        const auto id = produce();
        TraceEvent e = make(TraceKind::Append, 1, id, partition, offset);
        e.flags = TraceFlag::Transactional;
        e.correlationId = txn;
        m_c.onEvent(e);
        return id;
    }
    void endTransaction(std::uint64_t txn, bool commit)
    {
        TraceEvent e = make(commit ? TraceKind::TxnCommit : TraceKind::TxnAbort, 1, 0, kNoIndex, -1);
        e.correlationId = txn;
        m_c.onEvent(e);
    }
    void processWith(NodeIndex consumer, std::uint32_t group, std::uint64_t id, std::uint32_t partition,
                     std::int64_t offset, std::uint8_t flags)
    {
        TraceEvent e = make(TraceKind::Process, consumer, id, partition, offset);
        e.group = group;
        e.peer = 1;
        e.flags = flags;
        m_c.onEvent(e);
    }
    void commit(std::uint32_t group, std::uint32_t partition, std::int64_t offset)
    {
        TraceEvent e = make(TraceKind::Commit, 1, 0, partition, offset);
        e.group = group;
        m_c.onEvent(e);
    }
    // A record written and acknowledged at (partition, offset).
    std::uint64_t written(std::uint32_t partition, std::int64_t offset, const std::string &key = {})
    {
        const auto id = produce(key);
        append(id, partition, offset);
        confirm(id);
        return id;
    }

private:
    TraceEvent make(TraceKind k, NodeIndex node, std::uint64_t id, std::uint32_t partition,
                    std::int64_t offset)
    {
        TraceEvent e;
        e.time = ++m_time;
        e.kind = k;
        e.node = node;
        e.messageId = id;
        e.partition = partition;
        e.offset = offset;
        return e;
    }
    void event(TraceKind k, NodeIndex node, std::uint64_t id, std::uint32_t partition, std::int64_t offset)
    {
        m_c.onEvent(make(k, node, id, partition, offset));
    }
    GroupChecker &m_c;
    std::uint64_t m_nextId = 0;
    SimTime m_time = 0;
};

const std::vector<std::string> kGroups = {"billing", "audit"};

GroupChecker makeChecker()
{
    return GroupChecker({"producer", "topic", "c1", "c2"}, {true, true, true, true});
}

const CheckResult &check(const std::vector<CheckResult> &checks, const std::string &name)
{
    for (const auto &c : checks)
        if (c.check == name) return c;
    static CheckResult none;
    return none;
}

} // namespace

class TestGroupChecker : public QObject {
    Q_OBJECT
private slots:
    void nothingWithoutGroups();
    void everythingProcessedOnce();
    void outcomes_data();
    void outcomes();
    void duplicates();
    void partitionAndKeyOrder();
    void groupsAreCheckedApart();
    void unacknowledgedRecordsAreNotLost();
    void checksInTheSummary();
    void abortedReads_data();
    void abortedReads();
    void reprocessingUnderExactlyOnce();
};

void TestGroupChecker::nothingWithoutGroups()
{
    auto c = makeChecker();
    Trace t(c);
    t.written(0, 0);
    QVERIFY(!c.any());
    QVERIFY(c.reports(kGroups).empty());
}

void TestGroupChecker::everythingProcessedOnce()
{
    auto c = makeChecker();
    Trace t(c);
    for (int i = 0; i < 5; ++i) {
        const auto id = t.written(0, i, "k");
        t.process(2, 0, id, 0, i);
    }
    const auto reports = c.reports(kGroups);
    QCOMPARE(reports.size(), std::size_t{1});
    QCOMPARE(reports[0].group, std::string("billing"));
    QCOMPARE(reports[0].processed, std::uint64_t{5});
    QCOMPARE(reports[0].lost + reports[0].duplicates + reports[0].pending + reports[0].partitionOrder +
                 reports[0].keyOrder,
             std::uint64_t{0});
    for (const auto &r : c.checks(kGroups))
        QCOMPARE(r.count, std::uint64_t{0});
}

void TestGroupChecker::outcomes_data()
{
    // Records at offsets 0..3 of partition 0; the group processes offsets `processed`, commits
    // `committed` (-1: none); record `removed` (offset, -1: none) is removed for `reason`.
    QTest::addColumn<QList<int>>("processed");
    QTest::addColumn<int>("committed");
    QTest::addColumn<int>("removed");
    QTest::addColumn<int>("reason"); // DropReason
    QTest::addColumn<int>("lost");
    QTest::addColumn<int>("pending");
    QTest::newRow("lag: the rest pending") << QList<int>{0, 1} << -1 << -1 << 0 << 0 << 2;
    QTest::newRow("a hole: skipped") << QList<int>{0, 2, 3} << -1 << -1 << 0 << 1 << 0;
    QTest::newRow("committed past unprocessed (at-most-once)") << QList<int>{0} << 3 << -1 << 0 << 2 << 1;
    QTest::newRow("truncated before read")
        << QList<int>{0, 1} << -1 << 2 << int(DropReason::Truncated) << 1 << 1;
    QTest::newRow("deleted by retention before read")
        << QList<int>{0, 1} << -1 << 3 << int(DropReason::RetentionExpired) << 1 << 1;
    QTest::newRow("compacted away: superseded, not lost")
        << QList<int>{0, 1} << -1 << 2 << int(DropReason::Compacted) << 0 << 1;
    QTest::newRow("started later: earlier records not the group's")
        << QList<int>{2, 3} << -1 << -1 << 0 << 0 << 0;
}

void TestGroupChecker::outcomes()
{
    QFETCH(QList<int>, processed);
    QFETCH(int, committed);
    QFETCH(int, removed);
    QFETCH(int, reason);
    QFETCH(int, lost);
    QFETCH(int, pending);
    auto c = makeChecker();
    Trace t(c);
    std::vector<std::uint64_t> ids;
    for (int i = 0; i < 4; ++i)
        ids.push_back(t.written(0, i));
    if (removed >= 0) t.drop(ids[static_cast<std::size_t>(removed)], DropReason(reason));
    for (int o : processed)
        t.process(2, 0, ids[static_cast<std::size_t>(o)], 0, o);
    if (committed >= 0) t.commit(0, 0, committed);
    const auto reports = c.reports(kGroups);
    QCOMPARE(reports.size(), std::size_t{1});
    QCOMPARE(reports[0].lost, std::uint64_t(lost));
    QCOMPARE(reports[0].pending, std::uint64_t(pending));
    const auto checks = c.checks(kGroups);
    QCOMPARE(check(checks, "records-lost").count, std::uint64_t(lost));
    QCOMPARE(check(checks, "records-unconsumed").count, std::uint64_t(pending));
    if (lost) QVERIFY(check(checks, "records-lost").examples.front().what.find("group billing") == 0);
}

void TestGroupChecker::duplicates()
{
    // Reprocessed after a rebalance, and a record written twice by a retry: both are duplicates.
    auto c = makeChecker();
    Trace t(c);
    const auto a = t.written(0, 0), b = t.written(0, 1);
    t.append(b, 0, 2); // the retried batch, written again
    t.process(2, 0, a, 0, 0);
    t.process(2, 0, b, 0, 1);
    t.process(3, 0, a, 0, 0); // the new owner after a rebalance, from the last commit
    t.process(3, 0, b, 0, 1);
    t.process(3, 0, b, 0, 2);
    const auto reports = c.reports(kGroups);
    QCOMPARE(reports[0].processed, std::uint64_t{2});
    QCOMPARE(reports[0].duplicates, std::uint64_t{3});
    const auto checks = c.checks(kGroups);
    const auto &dup = check(checks, "records-duplicated");
    QCOMPARE(dup.count, std::uint64_t{3});
    QCOMPARE(dup.examples.front().messageId, a);
    QCOMPARE(dup.examples.front().node, NodeIndex{3});
    QVERIFY(dup.examples.front().what.find("processed 2 times by c2") != std::string::npos);
}

void TestGroupChecker::partitionAndKeyOrder()
{
    // The producer made a, b (key k) then c (key j); the log holds b before a (a retry reordered
    // them): processing in offset order is out of order for the partition and for key k.
    auto c = makeChecker();
    Trace t(c);
    const auto a = t.produce("k"), b = t.produce("k"), d = t.produce("j");
    t.append(b, 0, 0);
    t.append(a, 0, 1);
    t.append(d, 0, 2);
    for (auto id : {a, b, d})
        t.confirm(id);
    t.process(2, 0, b, 0, 0);
    t.process(2, 0, a, 0, 1);
    t.process(2, 0, d, 0, 2);
    const auto checks = c.checks(kGroups);
    QCOMPARE(check(checks, "partition-order").count, std::uint64_t{1});
    QCOMPARE(check(checks, "key-order").count, std::uint64_t{1});
    QCOMPARE(check(checks, "key-order").examples.front().messageId, a);
    QVERIFY(check(checks, "key-order").examples.front().what.find("after message " + std::to_string(b)) !=
            std::string::npos);
}

void TestGroupChecker::groupsAreCheckedApart()
{
    // billing processes everything; audit processes record 0 twice and skips record 1.
    auto c = makeChecker();
    Trace t(c);
    const auto a = t.written(0, 0), b = t.written(0, 1), d = t.written(0, 2);
    for (auto [id, o] : {std::pair{a, 0}, {b, 1}, {d, 2}})
        t.process(2, 0, id, 0, o);
    t.process(3, 1, a, 0, 0);
    t.process(3, 1, a, 0, 0);
    t.process(3, 1, d, 0, 2);
    const auto reports = c.reports(kGroups);
    QCOMPARE(reports.size(), std::size_t{2});
    QCOMPARE(reports[0].group, std::string("billing"));
    QCOMPARE(reports[0].lost + reports[0].duplicates, std::uint64_t{0});
    QCOMPARE(reports[1].group, std::string("audit"));
    QCOMPARE(reports[1].duplicates, std::uint64_t{1});
    QCOMPARE(reports[1].lost, std::uint64_t{1});
}

void TestGroupChecker::unacknowledgedRecordsAreNotLost()
{
    // acks=0, or a batch that failed: never acknowledged, so not the topic's to lose.
    auto c = makeChecker();
    Trace t(c);
    const auto a = t.written(0, 0);
    const auto b = t.produce();
    t.append(b, 0, 1);
    t.drop(b, DropReason::Truncated);
    t.process(2, 0, a, 0, 0);
    QCOMPARE(c.reports(kGroups)[0].lost, std::uint64_t{0});
}

void TestGroupChecker::checksInTheSummary()
{
    auto c = makeChecker();
    Trace t(c);
    const auto a = t.written(0, 0);
    t.process(2, 0, a, 0, 0);
    t.process(2, 0, a, 0, 0);
    RunSummary s;
    s.groups = c.reports(kGroups);
    const auto groupChecks = c.checks(kGroups);
    setChecks(s, nullptr, &groupChecks);
    QVERIFY(s.check("records-duplicated"));
    QCOMPARE(s.check("records-duplicated")->count, std::uint64_t{1});
    for (const auto &[name, help] : GroupChecker::checkHelp())
        QVERIFY2(std::find(checkNames().begin(), checkNames().end(), name) != checkNames().end(),
                 name.c_str());
    QVERIFY(formatSummary(s).find("billing: 1 records processed, 1 duplicates") != std::string::npos);
    QCOMPARE(summaryToJson(s)["groups"][0]["duplicates"].get<int>(), 1);
}

void TestGroupChecker::abortedReads_data()
{
    QTest::addColumn<bool>("readCommitted");
    QTest::addColumn<bool>("abortBeforeRead"); // the abort comes before or after the group read it
    QTest::addColumn<int>("violations");       // the aborted-reads check's count
    QTest::newRow("read_committed reads an aborted record") << true << true << 1;
    QTest::newRow("read_committed, the abort decided after the read") << true << false << 1;
    QTest::newRow("read_uncommitted: counted, not a violation") << false << true << 0;
}

void TestGroupChecker::abortedReads()
{
    QFETCH(bool, readCommitted);
    QFETCH(bool, abortBeforeRead);
    QFETCH(int, violations);
    auto c = makeChecker();
    Trace t(c);
    const auto kept = t.writtenInTransaction(0, 0, 7);
    const auto gone = t.writtenInTransaction(0, 1, 8);
    t.endTransaction(7, true);
    if (abortBeforeRead) t.endTransaction(8, false);
    const std::uint8_t flags = readCommitted ? TraceFlag::ReadCommitted : 0;
    t.processWith(2, 0, kept, 0, 0, flags);
    t.processWith(2, 0, gone, 0, 1, flags);
    if (!abortBeforeRead) t.endTransaction(8, false);
    const auto reports = c.reports(kGroups);
    QCOMPARE(reports[0].abortedReads, std::uint64_t{1});
    QCOMPARE(reports[0].readCommitted, readCommitted);
    const auto checks = c.checks(kGroups);
    const CheckResult check = ::check(checks, "aborted-reads");
    QCOMPARE(int(check.count), violations);
    if (violations) {
        QCOMPARE(check.examples.front().messageId, gone);
        QCOMPARE(check.examples.front().correlationId, std::uint64_t{8});
        QCOMPARE(check.examples.front().node, NodeIndex{2});
    }
}

void TestGroupChecker::reprocessingUnderExactlyOnce()
{
    // An exactly_once_v2 processor reads a record again after its transaction aborted: reprocessed,
    // not a duplicate. A plain consumer's second processing is a duplicate.
    auto c = makeChecker();
    Trace t(c);
    const auto a = t.written(0, 0);
    t.processWith(2, 0, a, 0, 0, TraceFlag::Transactional);
    t.processWith(2, 0, a, 0, 0, TraceFlag::Transactional);
    t.processWith(3, 1, a, 0, 0, 0);
    t.processWith(3, 1, a, 0, 0, 0);
    const auto reports = c.reports(kGroups);
    QCOMPARE(reports[0].reprocessed, std::uint64_t{1});
    QCOMPARE(reports[0].duplicates, std::uint64_t{0});
    QCOMPARE(reports[1].reprocessed, std::uint64_t{0});
    QCOMPARE(reports[1].duplicates, std::uint64_t{1});
}

QTEST_APPLESS_MAIN(TestGroupChecker)
#include "tst_groupchecker.moc"
