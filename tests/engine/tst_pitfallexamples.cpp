// The seeds' five pitfalls as broken/fixed pairs, and the combined approach: each bundled example
// shows what its description promises, and the checker tells the broken from the fixed one.
#include "domainrun.h"

#include "callstatus.h"

#include <map>
#include <set>

using namespace sb;
using namespace sbtest;

class TestPitfallExamples : public QObject {
    Q_OBJECT

private slots:
    void orderingBrokenAndFixed();
    void queueAsDatabaseBroken();
    void databaseAsSourceOfTruthFixed();
    void couplingBrokenAndFixed();
    void duplicatesBrokenAndFixed();
    void combinedApproach();
};

void TestPitfallExamples::orderingBrokenAndFixed()
{
    const ExampleRun broken = runDomainExample("ordering-broken.json");
    QVERIFY(broken.run);
    const ExampleRun fixed = runDomainExample("ordering-fixed.json");
    QVERIFY(fixed.run);
    // Both read every record once: order is the only difference.
    for (const ExampleRun *r : {&broken, &fixed}) {
        QCOMPARE(r->check("records-lost"), std::uint64_t(0));
        QCOMPARE(r->check("records-duplicated"), std::uint64_t(0));
        QCOMPARE(r->run->node("ledger-1").processed + r->run->node("ledger-2").processed,
                 std::uint64_t(2000));
    }
    QVERIFY2(broken.check("key-order") > 20, std::to_string(broken.check("key-order")).c_str());
    QCOMPARE(fixed.check("key-order"), std::uint64_t(0));
}

void TestPitfallExamples::queueAsDatabaseBroken()
{
    const auto r = runExample("queue-as-database-broken.json");
    QVERIFY(r);
    const auto report = r->report();
    QCOMPARE(report.published, std::uint64_t(200));
    // Orders expired in the queue while billing was down, and reporting got only a few.
    QVERIFY2(r->node("orders").expired > 10, std::to_string(r->node("orders").expired).c_str());
    QVERIFY(report.lost + report.dropped[int(DropReason::Expired)] > 10);
    const auto reporting = r->node("reporting").processed, billing = r->node("billing").processed;
    QVERIFY2(reporting < 100, std::to_string(reporting).c_str());
    QVERIFY(reporting > 0); // it does get the orders that arrive once it is connected, shared with billing
    QVERIFY(billing + reporting < 200);
}

void TestPitfallExamples::databaseAsSourceOfTruthFixed()
{
    const ExampleRun r = runDomainExample("queue-as-database-fixed.json");
    QVERIFY(r.run);
    const auto appended = r.events(TraceKind::StreamAppend).size();
    QCOMPARE(appended, std::size_t(200));
    // Both read models read every order: billing across its crash, reporting from the start at 8 s.
    for (const char *model : {"billing", "reporting"}) {
        std::set<std::uint64_t> seen;
        for (const TraceEvent &e : r.events(TraceKind::Project, model))
            seen.insert(e.messageId);
        QVERIFY2(seen.size() == appended, (std::string(model) + ": " + std::to_string(seen.size())).c_str());
    }
    const auto reportingStart = r.events(TraceKind::Project, "reporting").front().time;
    QVERIFY(reportingStart >= 8 * kSecond);
}

void TestPitfallExamples::couplingBrokenAndFixed()
{
    const ExampleRun broken = runDomainExample("coupling-broken.json");
    QVERIFY(broken.run);
    QCOMPARE(broken.check("unreadable-events"), std::uint64_t(1));
    QVERIFY(broken.events(TraceKind::Project, "old-projection").size() <
            broken.events(TraceKind::StreamAppend).size());
    const ExampleRun fixed = runDomainExample("coupling-fixed.json");
    QVERIFY(fixed.run);
    QCOMPARE(fixed.check("unreadable-events"), std::uint64_t(0));
    QCOMPARE(fixed.events(TraceKind::Project, "new-projection").size(),
             fixed.events(TraceKind::StreamAppend).size());
    QVERIFY(fixed.events(TraceKind::Upcast, "new-projection").size() > 10);
}

void TestPitfallExamples::duplicatesBrokenAndFixed()
{
    const auto broken = runExample("lossy-at-least-once.json");
    const auto fixed = runExample("duplicates-idempotent-consumer.json");
    QVERIFY(broken && fixed);
    QCOMPARE(broken->report().lost, std::uint64_t(0));
    QVERIFY(broken->report().duplicates > 5);
    QCOMPARE(fixed->report().lost, std::uint64_t(0));
    QCOMPARE(fixed->report().duplicates, std::uint64_t(0));
    QCOMPARE(fixed->report().processed, std::uint64_t(1000));
    // The same network made the same kind of second copies; the idempotent consumer skipped them.
    QVERIFY(fixed->node("consumer").deduplicated > 5);
}

void TestPitfallExamples::combinedApproach()
{
    const ExampleRun r = runDomainExample("combined-approach.json");
    QVERIFY(r.run);
    // Calls by status at each server: every POST answered; failed charges fail the order.
    std::map<std::string, std::map<std::uint16_t, int>> replies;
    for (const char *server : {"gateway", "order-service", "payment-service"})
        for (const TraceEvent &e : r.events(TraceKind::Send, server))
            if (e.frame == FrameType::Reply) ++replies[server][e.status];
    int posts = 0;
    for (const auto &[status, n] : replies["gateway"])
        posts += n;
    QCOMPARE(posts, 400);
    const int charged = replies["payment-service"][0], failedCharges = 400 - charged;
    QVERIFY2(failedCharges > 0 && failedCharges < 40, std::to_string(failedCharges).c_str());
    QCOMPARE(replies["order-service"][0], charged);
    QCOMPARE(replies["gateway"][201], charged); // POST answered 201 Created
    QCOMPARE(replies["gateway"][502], failedCharges);
    // One event per placed order, processed once by each of the three subscribers.
    QCOMPARE(r.run->node("order-service").published, std::uint64_t(charged));
    const auto report = r.run->report();
    QCOMPARE(report.lost, std::uint64_t(0));
    QCOMPARE(report.duplicates, std::uint64_t(0));
    for (const char *consumer : {"analytics", "inventory", "email"})
        QCOMPARE(r.run->node(consumer).processed, std::uint64_t(charged));
    // Email is the slow one: its queue grows, the others' stay short.
    QVERIFY(r.run->node("email-queue").maxDepth > 5 * r.run->node("analytics-queue").maxDepth);
}

QTEST_GUILESS_MAIN(TestPitfallExamples)
#include "tst_pitfallexamples.moc"
