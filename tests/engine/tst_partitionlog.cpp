// One partition replica's log (core/nodes/kafka/partitionlog.h): offsets, segments, retention by
// time and size over closed segments, compaction (newest record per key, tombstones after
// delete.retention.ms), truncation and the leader-epoch cache.
#include "enginetest.h"

#include "nodes/kafka/partitionlog.h"

using namespace sb;
using namespace sb::kafka;

namespace {

constexpr SimTime s = kSecond;
constexpr SimTime ms = kMillisecond;

Record record(std::uint64_t id, std::string key, SimTime timestamp, std::uint32_t size = 100,
              bool tombstone = false, std::uint32_t epoch = 0)
{
    auto m = std::make_shared<Message>();
    m->id = id;
    m->key = std::move(key);
    m->size = size;
    Record r;
    r.message = std::move(m);
    r.timestamp = timestamp;
    r.tombstone = tombstone;
    r.leaderEpoch = epoch;
    return r;
}

// Six keyless 100-byte records at 0, 1, ... 5 s in segments of two (segment.bytes 250): offsets
// 0-1, 2-3 closed, 4-5 the active segment.
PartitionLog sixRecords(PartitionLog::Config c)
{
    c.segmentBytes = 250;
    PartitionLog log(c);
    for (int i = 0; i < 6; ++i)
        log.append(record(100 + i, "", i * s));
    return log;
}

QList<qint64> offsets(const PartitionLog &log)
{
    QList<qint64> out;
    for (const auto &r : log.read(0, log.logEndOffset(), SIZE_MAX))
        out << r.offset;
    return out;
}

} // namespace

Q_DECLARE_METATYPE(sb::SimTime)

class TestPartitionLog : public QObject {
    Q_OBJECT
private slots:
    void offsetsAndSegments();
    void segmentRollsByTime();
    void retentionByTime_data();
    void retentionByTime();
    void retentionBySize_data();
    void retentionBySize();
    void compactionKeepsNewestPerKey();
    void tombstoneRemovedAfterDeleteRetention_data();
    void tombstoneRemovedAfterDeleteRetention();
    void minCompactionLagHoldsYoungRecords();
    void truncateAndEpochs();
    void offsetForTimestamp_data();
    void offsetForTimestamp();
};

void TestPartitionLog::offsetsAndSegments()
{
    PartitionLog log = sixRecords({});
    QCOMPARE(log.logStartOffset(), std::int64_t(0));
    QCOMPARE(log.logEndOffset(), std::int64_t(6));
    QCOMPARE(log.segments().size(), std::size_t(3));
    QCOMPARE(log.segments()[1].baseOffset, std::int64_t(2));
    QCOMPARE(log.segments()[2].baseOffset, std::int64_t(4));
    QCOMPARE(log.bytes(), std::uint64_t(600));
    QCOMPARE(offsets(log), (QList<qint64>{0, 1, 2, 3, 4, 5}));
    const auto some = log.read(3, 6, 2);
    QCOMPARE(some.size(), std::size_t(2));
    QCOMPARE(some[0].offset, std::int64_t(3));
    QCOMPARE(some[0].message->id, std::uint64_t(103));
}

void TestPartitionLog::segmentRollsByTime()
{
    PartitionLog::Config c;
    c.segmentMs = 10 * s;
    PartitionLog log(c);
    log.append(record(1, "", 0));
    log.append(record(2, "", 10 * s)); // exactly segment.ms: still the same segment
    log.append(record(3, "", 11 * s)); // older than segment.ms: rolls
    QCOMPARE(log.segments().size(), std::size_t(2));
    QCOMPARE(log.segments()[1].baseOffset, std::int64_t(2));
}

void TestPartitionLog::retentionByTime_data()
{
    QTest::addColumn<SimTime>("now");
    QTest::addColumn<SimTime>("retention");
    QTest::addColumn<qint64>("limit");
    QTest::addColumn<qint64>("logStart");
    // Segment 0-1 has its newest record at 1 s, segment 2-3 at 3 s; 4-5 is active.
    QTest::newRow("both closed segments expired, active kept")
        << 6 * s << 2500 * ms << qint64(6) << qint64(4);
    // Kafka rolls a new, empty active segment and deletes the expired one (UnifiedLog.deleteSegments).
    QTest::newRow("every segment expired: the active one rolls and goes too")
        << 10 * s << 1 * s << qint64(6) << qint64(6);
    QTest::newRow("active expired, its last record above the high watermark")
        << 10 * s << 1 * s << qint64(5) << qint64(4);
    QTest::newRow("only the oldest expired") << 4 * s << 2 * s << qint64(6) << qint64(2);
    QTest::newRow("nothing expired") << 3 * s << 10 * s << qint64(6) << qint64(0);
    QTest::newRow("not above the high watermark") << 10 * s << 1 * s << qint64(3) << qint64(2);
    QTest::newRow("retention 0 is no limit") << 100 * s << SimTime(0) << qint64(6) << qint64(0);
}

void TestPartitionLog::retentionByTime()
{
    QFETCH(SimTime, now);
    QFETCH(SimTime, retention);
    QFETCH(qint64, limit);
    QFETCH(qint64, logStart);
    PartitionLog::Config c;
    c.retentionMs = retention;
    PartitionLog log = sixRecords(c);
    const auto removed = log.applyRetention(now, limit);
    QCOMPARE(log.logStartOffset(), std::int64_t(logStart));
    QCOMPARE(removed.size(), std::size_t(logStart));
    for (std::size_t i = 0; i < removed.size(); ++i)
        QCOMPARE(removed[i].offset, std::int64_t(i)); // oldest first
    // Offsets stay as assigned.
    QList<qint64> expected;
    for (qint64 o = logStart; o < 6; ++o)
        expected << o;
    QCOMPARE(offsets(log), expected);
    QCOMPARE(log.logEndOffset(), std::int64_t(6));
    // The next record takes the next offset, in the active segment (a fresh one when it rolled).
    QCOMPARE(log.append(record(200, "", now)), std::int64_t(6));
    QCOMPARE(log.segments().back().records.back().offset, std::int64_t(6));
}

void TestPartitionLog::retentionBySize_data()
{
    QTest::addColumn<qint64>("retentionBytes");
    QTest::addColumn<qint64>("logStart");
    // 600 bytes in three segments of 200; the active one (4-5) never goes.
    QTest::newRow("under the limit") << qint64(600) << qint64(0);
    QTest::newRow("over by less than a segment") << qint64(450) << qint64(0);
    QTest::newRow("over by one segment") << qint64(400) << qint64(2);
    QTest::newRow("over by more than every closed segment") << qint64(100) << qint64(4);
    QTest::newRow("0 is no limit") << qint64(0) << qint64(0);
}

void TestPartitionLog::retentionBySize()
{
    QFETCH(qint64, retentionBytes);
    QFETCH(qint64, logStart);
    PartitionLog::Config c;
    c.retentionMs = 0;
    c.retentionBytes = std::uint64_t(retentionBytes);
    PartitionLog log = sixRecords(c);
    log.applyRetention(6 * s, 6);
    QCOMPARE(log.logStartOffset(), std::int64_t(logStart));
    QCOMPARE(log.bytes(), std::uint64_t(600 - 100 * logStart));
}

void TestPartitionLog::compactionKeepsNewestPerKey()
{
    PartitionLog::Config c;
    c.deletePolicy = false;
    c.compactPolicy = true;
    c.segmentBytes = 202; // two 101-byte records (1-byte key + 100) a segment
    PartitionLog log(c);
    const char *keys[] = {"a", "b", "a", "c", "b", "a", "a"};
    for (int i = 0; i < 7; ++i)
        log.append(record(10 + i, keys[i], i * s));
    // Closed: 0-1, 2-3, 4-5; active: 6 (its "a" does not count: the cleaner stops at the active segment).
    const auto removed = log.compact(10 * s, log.logEndOffset());
    QCOMPARE(removed.size(), std::size_t(3));
    QCOMPARE(removed[0].record.offset, std::int64_t(0));
    QCOMPARE(removed[0].supersededBy, std::int64_t(5));
    QCOMPARE(removed[1].record.offset, std::int64_t(1));
    QCOMPARE(removed[1].supersededBy, std::int64_t(4));
    QCOMPARE(removed[2].record.offset, std::int64_t(2));
    QCOMPARE(removed[2].supersededBy, std::int64_t(5));
    QCOMPARE(offsets(log), (QList<qint64>{3, 4, 5, 6}));
    QCOMPARE(log.logStartOffset(), std::int64_t(0)); // compaction never moves the log start
    QCOMPARE(log.logEndOffset(), std::int64_t(7));
    // A second pass finds nothing more to do.
    QVERIFY(log.compact(11 * s, log.logEndOffset()).empty());
    // Nothing at or above the limit (the high watermark) is touched.
    PartitionLog capped(c);
    for (int i = 0; i < 7; ++i)
        capped.append(record(10 + i, keys[i], i * s));
    QVERIFY(capped.compact(10 * s, 1).empty());
}

void TestPartitionLog::tombstoneRemovedAfterDeleteRetention_data()
{
    QTest::addColumn<SimTime>("secondPass");
    QTest::addColumn<bool>("removed");
    // The first pass at 10 s keeps the tombstone and sets its delete horizon at 10 s + 60 s.
    QTest::newRow("before the horizon") << 69 * s << false;
    QTest::newRow("at the horizon") << 70 * s << true;
    QTest::newRow("after the horizon") << 500 * s << true;
}

void TestPartitionLog::tombstoneRemovedAfterDeleteRetention()
{
    QFETCH(SimTime, secondPass);
    QFETCH(bool, removed);
    PartitionLog::Config c;
    c.deletePolicy = false;
    c.compactPolicy = true;
    c.deleteRetention = 60 * s;
    c.segmentBytes = 202;
    PartitionLog log(c);
    log.append(record(1, "k", 0));                // 0
    log.append(record(2, "k", 1 * s, 100, true)); // 1: tombstone for k
    log.append(record(3, "x", 2 * s));            // 2
    log.append(record(4, "y", 3 * s));            // 3
    log.append(record(5, "z", 4 * s));            // 4: active segment
    const auto first = log.compact(10 * s, log.logEndOffset());
    QCOMPARE(first.size(), std::size_t(1));
    QCOMPARE(first[0].record.offset, std::int64_t(0));
    QCOMPARE(first[0].supersededBy, std::int64_t(1));
    QVERIFY(log.at(1)); // the tombstone stays for now
    const auto second = log.compact(secondPass, log.logEndOffset());
    QCOMPARE(second.size(), std::size_t(removed ? 1 : 0));
    QCOMPARE(log.at(1) == nullptr, removed);
    if (removed) {
        QCOMPARE(second[0].record.offset, std::int64_t(1));
        QCOMPARE(second[0].supersededBy, std::int64_t(-1));
        QVERIFY(second[0].record.tombstone);
    }
    QCOMPARE(offsets(log), removed ? (QList<qint64>{2, 3, 4}) : (QList<qint64>{1, 2, 3, 4}));
}

void TestPartitionLog::minCompactionLagHoldsYoungRecords()
{
    PartitionLog::Config c;
    c.deletePolicy = false;
    c.compactPolicy = true;
    c.minCompactionLag = 5 * s;
    c.segmentBytes = 202;
    PartitionLog log(c);
    const char *keys[] = {"a", "a", "a", "a", "a"};
    for (int i = 0; i < 5; ++i)
        log.append(record(10 + i, keys[i], i * s));
    // At 6 s the segment 0-1 (newest 1 s) is old enough, segment 2-3 (newest 3 s) is not.
    const auto removed = log.compact(6 * s, log.logEndOffset());
    QCOMPARE(removed.size(), std::size_t(1));
    QCOMPARE(removed[0].record.offset, std::int64_t(0));
    QCOMPARE(removed[0].supersededBy, std::int64_t(1));
    // At 9 s both closed segments may be cleaned: only 3 (the newest "a" below the active one) stays.
    log.compact(9 * s, log.logEndOffset());
    QCOMPARE(offsets(log), (QList<qint64>{3, 4}));
}

void TestPartitionLog::truncateAndEpochs()
{
    PartitionLog log;
    log.append(record(1, "", 0, 100, false, 0));
    log.append(record(2, "", 0, 100, false, 0));
    log.append(record(3, "", 0, 100, false, 2));
    log.append(record(4, "", 0, 100, false, 2));
    log.append(record(5, "", 0, 100, false, 5));
    QCOMPARE(log.epochs().size(), std::size_t(3));
    QCOMPARE(log.endOffsetForEpoch(0), (std::pair<std::int64_t, std::int64_t>{0, 2}));
    QCOMPARE(log.endOffsetForEpoch(1), (std::pair<std::int64_t, std::int64_t>{0, 2}));
    QCOMPARE(log.endOffsetForEpoch(3), (std::pair<std::int64_t, std::int64_t>{2, 4}));
    QCOMPARE(log.endOffsetForEpoch(5), (std::pair<std::int64_t, std::int64_t>{5, 5}));
    QCOMPARE(log.endOffsetForEpoch(9), (std::pair<std::int64_t, std::int64_t>{-1, -1}));
    PartitionLog later;
    later.append(record(1, "", 0, 100, false, 3));
    QCOMPARE(later.endOffsetForEpoch(1), (std::pair<std::int64_t, std::int64_t>{1, 0}));
    const auto removed = log.truncateTo(3);
    QCOMPARE(removed.size(), std::size_t(2));
    QCOMPARE(removed[0].offset, std::int64_t(3));
    QCOMPARE(log.logEndOffset(), std::int64_t(3));
    QCOMPARE(log.latestEpoch(), std::uint32_t(2));
    // The next append takes the next offset after the cut.
    QCOMPARE(log.append(record(6, "", 0, 100, false, 6)), std::int64_t(3));
    // A follower whose leader's last offsets hold no records (compacted) still ends where it does.
    log.advanceEndTo(10);
    QCOMPARE(log.logEndOffset(), std::int64_t(10));
    QCOMPARE(log.append(record(7, "", 0, 100, false, 6)), std::int64_t(10));
    log.advanceEndTo(5); // never backwards
    QCOMPARE(log.logEndOffset(), std::int64_t(11));
}

void TestPartitionLog::offsetForTimestamp_data()
{
    QTest::addColumn<SimTime>("timestamp");
    QTest::addColumn<qint64>("limit");
    QTest::addColumn<qint64>("offset");
    QTest::newRow("before every record") << SimTime(0) << qint64(6) << qint64(0);
    QTest::newRow("exact") << 2 * s << qint64(6) << qint64(2);
    QTest::newRow("between") << 2 * s + 1 << qint64(6) << qint64(3);
    QTest::newRow("after every record") << 9 * s << qint64(6) << qint64(-1);
    QTest::newRow("above the limit") << 4 * s << qint64(3) << qint64(-1);
}

void TestPartitionLog::offsetForTimestamp()
{
    QFETCH(SimTime, timestamp);
    QFETCH(qint64, limit);
    QFETCH(qint64, offset);
    PartitionLog log = sixRecords({});
    QCOMPARE(log.offsetForTimestamp(timestamp, limit), std::int64_t(offset));
}

QTEST_GUILESS_MAIN(TestPartitionLog)
#include "tst_partitionlog.moc"
