// Each bundled event-sourcing example shows what its description promises: the read model's lag
// and read-your-writes broken and fixed, a temporal query, two writers conflicting, snapshots
// bounding the rebuild, schema evolution broken and fixed.
#include "domainrun.h"

#include "callstatus.h"

using namespace sb;
using namespace sbtest;

namespace {

ExampleRun runEsExample(const char *name)
{
    return runDomainExample(name);
}

} // namespace

class TestEsExamples : public QObject {
    Q_OBJECT

private slots:
    void bankAccountReadModelLagsAndStaleReadsHaveFixes();
    void temporalQueriesReplayUpToTheirTime();
    void conflictingWritersNeverLoseAWrite();
    void snapshotsBoundTheRebuild();
    void schemaEvolutionBrokenAndFixed();
};

void TestEsExamples::bankAccountReadModelLagsAndStaleReadsHaveFixes()
{
    const ExampleRun r = runEsExample("es-bank-account.json");
    QVERIFY(r.run);
    QVERIFY(r.check("stale-reads") > 10);
    int answers[3] = {}, stale[3] = {};
    const char *tellers[] = {"teller-immediate", "teller-wait", "teller-write-side"};
    for (int i = 0; i < 3; ++i)
        for (const auto &e : r.events(TraceKind::QueryAnswer, tellers[i])) {
            ++answers[i];
            stale[i] += (e.flags & TraceFlag::Stale) != 0;
        }
    QCOMPARE(std::uint64_t(stale[0]), r.check("stale-reads"));
    QCOMPARE(stale[1], 0);
    QCOMPARE(stale[2], 0);
    QVERIFY(answers[1] > 50 && answers[2] > 50);
    // The read model lagged (events queued behind one it applied) and caught up in the end.
    const auto projected = r.events(TraceKind::Project, "balances");
    QVERIFY(std::any_of(projected.begin(), projected.end(), [](const TraceEvent &e) { return e.aux > 0; }));
    QCOMPARE(projected.size(), r.events(TraceKind::StreamAppend).size());
    QCOMPARE(r.check("conflicts"), std::uint64_t(r.events(TraceKind::Conflict).size()));
}

void TestEsExamples::temporalQueriesReplayUpToTheirTime()
{
    const ExampleRun r = runEsExample("es-temporal-query.json");
    QVERIFY(r.run);
    std::vector<std::int64_t> positions;
    for (const auto &e : r.events(TraceKind::QueryAnswer, "teller")) {
        QCOMPARE(int(e.status), int(CommandStatus::Ok));
        positions.push_back(e.offset);
    }
    // As of 0.5 s only the opening (position 0); as of 1.5 s the deposit too; then the withdrawal;
    // as of 4 s everything.
    QCOMPARE(positions, std::vector<std::int64_t>({0, 1, 2, 3}));
    QCOMPARE(r.events(TraceKind::StreamAppend).size(), std::size_t(4));
}

void TestEsExamples::conflictingWritersNeverLoseAWrite()
{
    const ExampleRun r = runEsExample("es-conflicting-writers.json");
    QVERIFY(r.run);
    QVERIFY(r.check("conflicts") > 20);
    const auto a = r.answers("instance-a"), b = r.answers("instance-b");
    const auto count = [](const std::map<std::uint16_t, int> &m, std::uint16_t s) {
        auto it = m.find(s);
        return it == m.end() ? 0 : it->second;
    };
    // Instance A gives up at once; B reloads and retries, so far fewer of its commands fail.
    QVERIFY(count(a, CommandStatus::Conflict) > 20);
    QVERIFY(count(b, CommandStatus::Conflict) * 4 < count(a, CommandStatus::Conflict));
    QVERIFY(r.events(TraceKind::Rebuild, "instance-b").size() > 200); // its reloads
    // Every accepted command's event is in the stream; no refused one is.
    QCOMPARE(int(r.events(TraceKind::StreamAppend).size()),
             count(a, CommandStatus::Ok) + count(b, CommandStatus::Ok));
}

void TestEsExamples::snapshotsBoundTheRebuild()
{
    const ExampleRun r = runEsExample("es-snapshots.json");
    QVERIFY(r.run);
    auto maxRead = [&](const char *node) {
        std::int64_t m = 0;
        for (const auto &e : r.events(TraceKind::Rebuild, node))
            m = std::max(m, e.aux);
        return m;
    };
    QCOMPARE(maxRead("plain"), std::int64_t(499));
    QVERIFY(maxRead("snap") <= 50);
    QCOMPARE(r.events(TraceKind::Snapshot, "snap").size(), std::size_t(10));
    const auto last = r.events(TraceKind::Rebuild, "snap").back();
    QCOMPARE(last.deliveryCount, 1u); // from a snapshot
    QCOMPARE(r.events(TraceKind::Rebuild, "plain").size(), std::size_t(500));
}

void TestEsExamples::schemaEvolutionBrokenAndFixed()
{
    const ExampleRun r = runEsExample("es-schema-evolution.json");
    QVERIFY(r.run);
    QCOMPARE(r.check("unreadable-events"), std::uint64_t(1));
    const auto stops = r.events(TraceKind::Drop, "old-projection");
    QCOMPARE(stops.size(), std::size_t(1));
    QCOMPARE(int(stops.front().reason), int(DropReason::UnknownSchema));
    QCOMPARE(stops.front().time >= 5 * kSecond, true); // the first version-2 event, after the upgrade
    const auto appended = r.events(TraceKind::StreamAppend).size();
    QVERIFY(r.events(TraceKind::Project, "old-projection").size() < appended);
    QCOMPARE(r.events(TraceKind::Project, "new-projection").size(), appended);
    QVERIFY(r.events(TraceKind::Upcast, "new-projection").size() > 10);
    QCOMPARE(r.events(TraceKind::Upcast, "old-projection").size(), std::size_t(0));
}

QTEST_GUILESS_MAIN(TestEsExamples)
#include "tst_esexamples.moc"
