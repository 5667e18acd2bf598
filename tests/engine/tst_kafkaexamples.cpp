// The bundled Kafka examples, each run to its end with the consumer-group checker and the log
// metrics watching, asserting the outcome the example exists to show.
#include "enginetest.h"
#include "groupchecker.h"
#include "logmetrics.h"
#include "nodelabels.h"

#include <QtTest>

#include <algorithm>
#include <set>

using namespace sb;

namespace {

struct KafkaRun {
    std::unique_ptr<Simulation> sim;
    std::unique_ptr<GroupChecker> groups;
    std::unique_ptr<LogMetrics> logs;
    sbtest::RecordingSink trace;

    // The group's report (its `group` is empty when the run had no such group).
    GroupReport group(const std::string &name) const
    {
        for (const auto &r : groups->reports(sim->groupNames()))
            if (r.group == name) return r;
        return {};
    }
    std::uint32_t groupIndex(const std::string &name) const
    {
        const auto &names = sim->groupNames();
        return static_cast<std::uint32_t>(std::find(names.begin(), names.end(), name) - names.begin());
    }
    NodeIndex index(const std::string &id) const
    {
        return static_cast<NodeIndex>(*sim->topology().nodeIndex(id));
    }
    std::size_t count(TraceKind k, const std::string &node) const { return trace.countAt(k, index(node)); }
};

std::unique_ptr<KafkaRun> runKafkaExample(const char *name)
{
    const auto loaded = loadTopologyFile(std::string(SIGNALBOX_EXAMPLES_DIR) + "/" + name);
    if (!loaded.ok()) {
        qWarning("%s", loaded.errorText().c_str());
        return nullptr;
    }
    const Topology &t = *loaded.topology;
    auto r = std::make_unique<KafkaRun>();
    std::string error;
    r->sim = Simulation::build(t, error);
    if (!r->sim) {
        qWarning("%s", error.c_str());
        return nullptr;
    }
    r->groups =
        std::make_unique<GroupChecker>(nodeLabels(t), DeliveryChecker::nodesWithRole(t, DeliveryRole::Log));
    r->logs = std::make_unique<LogMetrics>(t);
    r->sim->addSink(r->groups.get());
    r->sim->addSink(r->logs.get());
    r->sim->addSink(&r->trace);
    RunOptions o;
    o.until = t.run.until ? *t.run.until : kNever;
    r->sim->run(o);
    return r;
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

QTEST_APPLESS_MAIN(TestKafkaExamples)
#include "tst_kafkaexamples.moc"
