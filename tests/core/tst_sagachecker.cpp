// The saga checker on synthetic traces: each check fires on the history it exists for, names the
// saga, the node and the time, and stays quiet on a correct one.
#include "callstatus.h"
#include "sagachecker.h"
#include "topology.h"

#include <QTest>

#include <functional>

using namespace sb;

class TestSagaChecker : public QObject {
    Q_OBJECT
private slots:
    void checks_data();
    void checks();
    void nothingToCheckWithoutSagas();
    void registeredAsDomainChecker();
};

namespace {

// Nodes: 0 the orchestrator, 1..3 services.
Topology topology()
{
    Topology t;
    Json steps = Json::array();
    for (int i = 1; i <= 3; ++i)
        steps.push_back({{"name", "s" + std::to_string(i)},
                         {"service", "svc" + std::to_string(i)},
                         {"command", "Do"},
                         {"compensation", "Undo"}});
    t.nodes.push_back({"orch", "saga-orchestrator", "orch", Json{{"steps", steps}, {"pivot", "s3"}}, {}});
    for (int i = 1; i <= 3; ++i)
        t.nodes.push_back(
            {"svc" + std::to_string(i), "saga-participant", "svc" + std::to_string(i), Json::object(), {}});
    return t;
}

struct Trace {
    std::vector<TraceEvent> events;
    SimTime now = 0;
    Trace &begin(std::uint64_t saga)
    {
        TraceEvent e;
        e.kind = TraceKind::SagaBegin;
        e.node = 0;
        e.correlationId = saga;
        return push(e);
    }
    // A local transaction of `saga`'s step at service `step` (node = step).
    Trace &txn(std::uint64_t saga, std::uint32_t step, bool compensation, std::int64_t before,
               std::int64_t after, std::uint32_t readFrom = 0, std::uint16_t status = CommandStatus::Ok)
    {
        TraceEvent e;
        e.kind = TraceKind::LocalTxn;
        e.node = step;
        e.correlationId = saga;
        e.deliveryCount = step;
        e.offset = before;
        e.aux = after;
        e.epoch = readFrom;
        e.status = status;
        if (compensation) e.flags |= TraceFlag::Compensation;
        return push(e);
    }
    Trace &end(std::uint64_t saga, std::int64_t outcome)
    {
        TraceEvent e;
        e.kind = TraceKind::SagaEnd;
        e.node = 0;
        e.correlationId = saga;
        e.aux = outcome;
        return push(e);
    }
    Trace &push(TraceEvent e)
    {
        now += kMillisecond;
        e.time = now;
        events.push_back(e);
        return *this;
    }
};

// Writes the history a row feeds the checker.
using Build = std::function<void(Trace &)>;

} // namespace

Q_DECLARE_METATYPE(Build)

void TestSagaChecker::checks_data()
{
    QTest::addColumn<Build>("build");
    QTest::addColumn<QString>("check"); // the one check that fires (empty: none)
    QTest::addColumn<quint64>("saga");  // the saga its finding names
    QTest::addColumn<int>("node");

    QTest::newRow("completed") << Build([](Trace &t) {
        t.begin(7).txn(7, 1, false, 100, 90).txn(7, 2, false, 100, 90).txn(7, 3, false, 100, 90).end(7, 0);
    }) << "" << quint64(0) << 0;
    QTest::newRow("compensated in reverse order") << Build([](Trace &t) {
        t.begin(7)
            .txn(7, 1, false, 100, 90)
            .txn(7, 2, false, 100, 90)
            .txn(7, 3, false, 100, 100, 0, CommandStatus::Rejected);
        t.txn(7, 2, true, 90, 100, 7).txn(7, 1, true, 90, 100, 7).end(7, 1);
    }) << "" << quint64(0) << 0;
    QTest::newRow("never ended") << Build([](Trace &t) { t.begin(7).txn(7, 1, false, 100, 90); })
                                 << "saga-unfinished" << quint64(7) << 0;
    QTest::newRow("a compensation gave up")
        << Build([](Trace &t) { t.begin(7).txn(7, 1, false, 100, 90).end(7, 2); }) << "saga-unfinished"
        << quint64(7) << 0;
    QTest::newRow("compensations in the wrong order") << Build([](Trace &t) {
        t.begin(7).txn(7, 1, false, 100, 90).txn(7, 2, false, 100, 90);
        t.txn(7, 1, true, 90, 100, 7).txn(7, 2, true, 90, 100, 7).end(7, 1);
    }) << "compensation-order" << quint64(7) << 0;
    QTest::newRow("a completed step left applied") << Build([](Trace &t) {
        t.begin(7).txn(7, 1, false, 100, 90).txn(7, 2, false, 100, 90).txn(7, 2, true, 90, 100, 7).end(7, 1);
    }) << "compensation-order" << quint64(7) << 0;
    QTest::newRow("a step applied twice") << Build([](Trace &t) {
        t.begin(7).txn(7, 1, false, 100, 90).txn(7, 1, false, 90, 80, 7).txn(7, 2, false, 100, 90);
        t.txn(7, 3, false, 100, 90).end(7, 0);
    }) << "step-repeated" << quint64(7) << 1;
    QTest::newRow("a compensation applied twice") << Build([](Trace &t) {
        t.begin(7)
            .txn(7, 1, false, 100, 90)
            .txn(7, 1, true, 90, 100, 7)
            .txn(7, 1, true, 100, 110, 7)
            .end(7, 1);
    }) << "step-repeated" << quint64(7) << 1;
    QTest::newRow("compensated at the pivot") << Build([](Trace &t) {
        t.begin(7).txn(7, 1, false, 100, 90).txn(7, 2, false, 100, 90).txn(7, 3, false, 100, 90);
        t.txn(7, 3, true, 90, 100, 7).txn(7, 2, true, 90, 100, 7).txn(7, 1, true, 90, 100, 7).end(7, 1);
    }) << "compensated-after-pivot" << quint64(7)
                                              << 3;
    QTest::newRow("a dirty read") << Build([](Trace &t) {
        // Saga 8 reads at service 1 the value saga 7 wrote; saga 7 then compensates it.
        t.begin(7).begin(8).txn(7, 1, false, 100, 40).txn(8, 1, false, 40, 10, 7);
        t.txn(7, 1, true, 10, 70, 8).end(7, 1);
        t.txn(8, 2, false, 100, 90).txn(8, 3, false, 100, 90).end(8, 0);
    }) << "dirty-reads" << quint64(8)
                                  << 1;
    QTest::newRow("a read of a value that stays") << Build([](Trace &t) {
        t.begin(7).begin(8).txn(7, 1, false, 100, 40).end(7, 0).txn(8, 1, false, 40, 10, 7).end(8, 0);
    }) << "" << quint64(0) << 0;
    QTest::newRow("a lost update") << Build([](Trace &t) {
        // Saga 7's restore-style compensation writes back 100 over saga 8's charge (40 -> 10).
        t.begin(7).begin(8).txn(7, 1, false, 100, 40).end(8, 0);
        t.txn(7, 1, true, 10, 100, 8).end(7, 1);
    }) << "lost-updates" << quint64(7)
                                   << 1;
    QTest::newRow("a semantic compensation after another saga's change") << Build([](Trace &t) {
        t.begin(7).begin(8).txn(7, 1, false, 100, 40).end(8, 0);
        t.txn(7, 1, true, 10, 70, 8).end(7, 1);
    }) << "" << quint64(0) << 0;
    QTest::newRow("a transaction a semantic lock refused read nothing") << Build([](Trace &t) {
        t.begin(7)
            .begin(8)
            .txn(7, 1, false, 100, 40)
            .txn(8, 1, false, 40, 40, 7, CommandStatus::Locked)
            .end(8, 1);
        t.txn(7, 1, true, 40, 100, 7).end(7, 1);
    }) << "" << quint64(0) << 0;
}

void TestSagaChecker::checks()
{
    QFETCH(Build, build);
    QFETCH(QString, check);
    QFETCH(quint64, saga);
    QFETCH(int, node);
    Trace t;
    build(t);
    SagaChecker checker(topology(), {"Orchestrator", "Service 1", "Service 2", "Service 3"});
    for (const auto &e : t.events)
        checker.onEvent(e);
    QVERIFY(checker.any());
    const auto results = checker.checks();
    QCOMPARE(results.size(), SagaChecker::help().size());
    for (const auto &r : results) {
        const bool expected = r.check == check.toStdString();
        QVERIFY2(r.count == (expected ? 1u : 0u),
                 qPrintable(
                     QString("%1: %2 (%3)")
                         .arg(QString::fromStdString(r.check))
                         .arg(r.count)
                         .arg(r.examples.empty() ? QString() : QString::fromStdString(r.examples[0].what))));
        if (!expected) continue;
        QCOMPARE(r.examples.size(), std::size_t(1));
        const Finding &f = r.examples.front();
        QCOMPARE(f.check, r.check);
        QCOMPARE(f.correlationId, saga);
        QCOMPARE(f.subject, "saga " + std::to_string(saga));
        QCOMPARE(f.node, NodeIndex(node));
        QVERIFY(f.time > 0);
        QVERIFY2(f.what.find("saga " + std::to_string(saga)) != std::string::npos, f.what.c_str());
    }
}

void TestSagaChecker::nothingToCheckWithoutSagas()
{
    SagaChecker checker(topology(), {});
    TraceEvent e;
    e.kind = TraceKind::Publish;
    e.messageId = 1;
    checker.onEvent(e);
    QVERIFY(!checker.any());
}

void TestSagaChecker::registeredAsDomainChecker()
{
    const auto checkers = makeDomainCheckers(topology(), {});
    bool found = false;
    for (const auto &c : checkers)
        found |= dynamic_cast<SagaChecker *>(c.get()) != nullptr;
    QVERIFY(found);
    for (const auto &[name, help] : SagaChecker::help()) {
        const auto &all = domainCheckHelp();
        QVERIFY2(std::find(all.begin(), all.end(), std::make_pair(name, help)) != all.end(), name.c_str());
    }
}

QTEST_GUILESS_MAIN(TestSagaChecker)
#include "tst_sagachecker.moc"
