// The bundled Kafka examples, each run to its end with the consumer-group checker and the log
// metrics watching, asserting the outcome the example exists to show.
#include "kafkatest.h"

#include <QtTest>

#include <algorithm>
#include <set>

using namespace sb;
using namespace sbtest;

namespace {

std::unique_ptr<KafkaRun> runKafkaExample(const char *name)
{
    const auto loaded = loadTopologyFile(std::string(SIGNALBOX_EXAMPLES_DIR) + "/" + name);
    if (!loaded.ok()) {
        qWarning("%s", loaded.errorText().c_str());
        return nullptr;
    }
    return runKafka(*loaded.topology);
}

} // namespace

class TestKafkaExamples : public QObject {
    Q_OBJECT
private slots:
    void consumerGroupsRebalance();
    void replay();
    void acksOneLosesAcknowledgedRecords();
    void idempotenceKeepsOrderAndOnce();
    void compactionKeepsNewestPerKey();
    void exactlyOncePipeline();
};

void TestKafkaExamples::consumerGroupsRebalance()
{
    auto r = runKafkaExample("kafka-consumer-groups.json");
    QVERIFY(r);
    const GroupReport billing = r->group("billing"), audit = r->group("audit");
    QCOMPARE(billing.group, std::string("billing"));
    QCOMPARE(audit.group, std::string("audit"));
    // Both groups read every record; none is lost.
    QCOMPARE(billing.processed, std::uint64_t{3000});
    QCOMPARE(audit.processed, std::uint64_t{3000});
    QCOMPARE(billing.lost + audit.lost, std::uint64_t{0});
    // billing re-read what the crashed member had not committed; audit read each record once.
    QVERIFY2(billing.duplicates > 0, std::to_string(billing.duplicates).c_str());
    QCOMPARE(audit.duplicates, std::uint64_t{0});
    // billing rebalanced for the crash and again for the restart; audit only to start.
    const auto &groups = r->logs->groups();
    const auto billingFigures = groups.at(r->groupIndex("billing"));
    const auto auditFigures = groups.at(r->groupIndex("audit"));
    QVERIFY2(billingFigures.rebalances >= auditFigures.rebalances + 2,
             std::to_string(billingFigures.rebalances).c_str());
    QVERIFY(r->logs->unassignedTime(r->groupIndex("billing"), 0, r->sim->now()) +
                r->logs->unassignedTime(r->groupIndex("billing"), 1, r->sim->now()) +
                r->logs->unassignedTime(r->groupIndex("billing"), 2, r->sim->now()) +
                r->logs->unassignedTime(r->groupIndex("billing"), 3, r->sim->now()) +
                r->logs->unassignedTime(r->groupIndex("billing"), 4, r->sim->now()) +
                r->logs->unassignedTime(r->groupIndex("billing"), 5, r->sim->now()) >
            kSecond);
    QVERIFY(r->trace.count(TraceKind::Revoke) > 0);
}

void TestKafkaExamples::replay()
{
    auto r = runKafkaExample("kafka-replay.json");
    QVERIFY(r);
    QCOMPARE(r->group("live").processed, std::uint64_t{600});
    QCOMPARE(r->group("replay").processed, std::uint64_t{600});
    const auto fromThree = r->group("from-3s").processed;
    // Records are written from 0 to 6 s at 100/s: those at or after 3 s are the last 300 or so.
    QVERIFY2(fromThree >= 280 && fromThree <= 320, std::to_string(fromThree).c_str());
    for (const char *g : {"live", "replay", "from-3s"}) {
        QCOMPARE(r->group(g).lost, std::uint64_t{0});
        QCOMPARE(r->group(g).duplicates, std::uint64_t{0});
    }
}

void TestKafkaExamples::acksOneLosesAcknowledgedRecords()
{
    auto r = runKafkaExample("kafka-acks.json");
    QVERIFY(r);
    QVERIFY2(r->group("fast-readers").lost > 0, "acks=1 lost nothing");
    QCOMPARE(r->group("safe-readers").lost, std::uint64_t{0});
    QVERIFY(r->trace.count(TraceKind::Drop, DropReason::Truncated) > 0);
    QVERIFY(r->count(TraceKind::Truncate, "fast") > 0);
}

void TestKafkaExamples::idempotenceKeepsOrderAndOnce()
{
    auto r = runKafkaExample("kafka-idempotence.json");
    QVERIFY(r);
    const GroupReport plain = r->group("plain-readers"), idem = r->group("idempotent-readers");
    QCOMPARE(plain.group, std::string("plain-readers"));
    QCOMPARE(idem.group, std::string("idempotent-readers"));
    QVERIFY2(plain.partitionOrder > 0, "no reordering without idempotence");
    QVERIFY2(plain.duplicates > 0, "no duplicates without idempotence");
    QCOMPARE(idem.partitionOrder + idem.keyOrder + idem.duplicates, std::uint64_t{0});
    QCOMPARE(idem.processed, std::uint64_t{1000});
}

void TestKafkaExamples::compactionKeepsNewestPerKey()
{
    auto r = runKafkaExample("kafka-compaction.json");
    QVERIFY(r);
    QVERIFY(r->count(TraceKind::Compact, "profiles") > 0);
    // The late reader saw the newest a, c and d, nothing of b, and far fewer records than written.
    // The script's entries are made in their order: a b c d a b c d ... (40), b's tombstone, 12 e.
    std::vector<std::uint64_t> made;
    for (const auto &e : r->trace.events)
        if (e.kind == TraceKind::Publish) made.push_back(e.messageId);
    QCOMPARE(made.size(), std::size_t{53});
    auto keyOf = [&](std::uint64_t id) {
        const auto i = static_cast<std::size_t>(std::find(made.begin(), made.end(), id) - made.begin());
        return i < 40 ? std::string(1, "abcd"[i % 4]) : i == 40 ? std::string("b") : std::string("e");
    };
    const NodeIndex reader = r->index("late-reader");
    std::set<std::uint64_t> processed;
    for (const auto &e : r->trace.events)
        if (e.kind == TraceKind::Process && e.node == reader) processed.insert(e.messageId);
    QVERIFY2(processed.size() < 30, std::to_string(processed.size()).c_str());
    for (std::size_t newestOf : {std::size_t{36}, std::size_t{38}, std::size_t{39}}) // the last a, c, d
        QVERIFY2(processed.count(made[newestOf]), keyOf(made[newestOf]).c_str());
    for (std::uint64_t id : processed) {
        QVERIFY2(keyOf(id) != "b", "a record of the deleted key b survived");
        const auto i = static_cast<std::size_t>(std::find(made.begin(), made.end(), id) - made.begin());
        if (i < 40) QVERIFY2(i >= 36, "an older value of a key survived compaction");
    }
}

void TestKafkaExamples::exactlyOncePipeline()
{
    auto r = runKafkaExample("kafka-exactly-once.json");
    QVERIFY(r);
    // Every order's output reaches each audit group.
    for (const char *g : {"audit-committed", "audit-uncommitted", "audit-alos"}) {
        QCOMPARE(r->group(g).processed, std::uint64_t{2400});
        QCOMPARE(r->group(g).lost, std::uint64_t{0});
    }
    // read_committed on the exactly-once topic: each output once, nothing of an aborted transaction.
    const GroupReport committed = r->group("audit-committed");
    QVERIFY(committed.readCommitted);
    QCOMPARE(committed.duplicates, std::uint64_t{0});
    QCOMPARE(committed.abortedReads, std::uint64_t{0});
    // read_uncommitted on the same topic sees the aborted transactions' records: duplicates.
    const GroupReport uncommitted = r->group("audit-uncommitted");
    QVERIFY(!uncommitted.readCommitted);
    QVERIFY2(uncommitted.abortedReads > 0, "no aborted transaction reached read_uncommitted");
    QCOMPARE(uncommitted.duplicates, uncommitted.abortedReads);
    // at-least-once: the crashes wrote outputs again.
    QVERIFY2(r->group("audit-alos").duplicates > 0, "at-least-once wrote nothing twice");
    // The exactly-once processor read records again after aborts, without duplicate effects.
    QVERIFY(r->group("enricher-eos").reprocessed > 0);
    QCOMPARE(r->group("enricher-eos").duplicates, std::uint64_t{0});
    // Aborts were asked (abortRate) and forced by a restart fencing the open transaction.
    std::set<std::int64_t> causes;
    for (const auto &e : r->trace.events)
        if (e.kind == TraceKind::TxnAbort && e.node == r->index("enriched-eos")) causes.insert(e.aux);
    QVERIFY(causes.count(0));
    QVERIFY(causes.count(2));
    QVERIFY(r->count(TraceKind::TxnCommit, "enriched-eos") > 0);
    // The processors' groups belong to the topic they read, not the one they write; nothing is
    // left behind in the end.
    for (const char *g : {"enricher-eos", "enricher-alos"}) {
        QCOMPARE(r->logs->groups().at(r->groupIndex(g)).topic, r->index("orders"));
        QCOMPARE(r->logs->totalLag(r->groupIndex(g)), std::int64_t{0});
    }
    QCOMPARE(r->count(TraceKind::TxnCommit, "enriched-alos"), std::size_t{0});
}

QTEST_APPLESS_MAIN(TestKafkaExamples)
#include "tst_kafkaexamples.moc"
