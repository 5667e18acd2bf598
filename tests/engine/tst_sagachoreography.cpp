// Choreographed sagas: services reacting to each other's events through RabbitMQ, compensating by
// events on a failure at each step, surviving a service crash mid-step when idempotent, and doing
// the same local transactions as the orchestrated example.
#include "sagatest.h"

using namespace sb;
using namespace sbtest;

using Steps = std::vector<std::uint32_t>;
Q_DECLARE_METATYPE(Steps)

class TestSagaChoreography : public QObject {
    Q_OBJECT
private slots:
    void example();
    void sameTransactionsAsOrchestrated();
    void failureAtEachStep_data();
    void failureAtEachStep();
    void serviceCrashMidStep_data();
    void serviceCrashMidStep();
};

namespace {

Topology loadExample(const char *name)
{
    const auto loaded = loadTopologyFile(std::string(SIGNALBOX_EXAMPLES_DIR) + "/" + name);
    if (!loaded.ok()) qFatal("%s", loaded.errorText().c_str());
    return *loaded.topology;
}

NodeDef &nodeOf(Topology &t, const char *id)
{
    return t.nodes[*t.nodeIndex(id)];
}

// The choreographed example with one order of `amount` for customer-1.
Topology oneOrder(int amount)
{
    Topology t = loadExample("saga-choreographed.json");
    nodeOf(t, "orders-in").properties["script"] =
        Json::array({{{"at", 0},
                      {"routingKey", "PlaceOrder"},
                      {"key", "customer-1"},
                      {"headers", {{"amount", std::to_string(amount)}}}}});
    return t;
}

// Per saga, its local transactions as (service, compensation?) in trace order.
std::map<std::uint64_t, std::vector<std::pair<std::string, bool>>> transactions(const Run &r)
{
    std::map<std::uint64_t, std::vector<std::pair<std::string, bool>>> out;
    const auto &t = r.sim->topology();
    for (const auto &e : r.trace.events)
        if (e.kind == TraceKind::LocalTxn && e.status == 0)
            out[e.correlationId].push_back({t.nodes[e.node].id, bool(e.flags & TraceFlag::Compensation)});
    return out;
}

} // namespace

void TestSagaChoreography::example()
{
    const Topology t = loadExample("saga-choreographed.json");
    const SagaRun r = runSagas(t);
    QVERIFY(r.run);
    const auto h = histories(r.run->trace);
    QCOMPARE(h.size(), std::size_t(2));
    const SagaHistory &first = h.begin()->second, &second = std::next(h.begin())->second;
    QCOMPARE(first.forward, (Steps{1, 2, 3}));
    QCOMPARE(first.end, std::int64_t(0));
    QCOMPARE(second.forward, (Steps{1, 2}));
    QCOMPARE(second.compensated, (Steps{2, 1}));
    QCOMPARE(second.end, std::int64_t(1));
    // Where each saga began and ended: the first service, and the last (completed) or the first
    // again (compensated).
    for (const auto &e : r.run->trace.events) {
        if (e.kind == TraceKind::SagaBegin) QCOMPARE(e.node, r.run->index("order-service"));
        if (e.kind == TraceKind::SagaEnd)
            QCOMPARE(e.node, r.run->index(e.aux == 0 ? "inventory-service" : "order-service"));
    }
    QVERIFY2(r.clean(), r.findings().c_str());
    // Every event published reached its service and was processed once.
    const DeliveryReport d = r.run->report();
    QCOMPARE(d.lost, 0u);
    QCOMPARE(d.pending, 0u);
    QCOMPARE(d.duplicates, 0u);
}

void TestSagaChoreography::sameTransactionsAsOrchestrated()
{
    const SagaRun c = runSagas(loadExample("saga-choreographed.json"));
    const SagaRun o = runSagas(loadExample("saga-orchestrated.json"));
    QVERIFY(c.run && o.run);
    std::vector<std::vector<std::pair<std::string, bool>>> byEvents, byOrchestrator;
    for (auto &[id, txns] : transactions(*c.run))
        byEvents.push_back(txns);
    for (auto &[id, txns] : transactions(*o.run))
        byOrchestrator.push_back(txns);
    QCOMPARE(byEvents, byOrchestrator);
    QCOMPARE(byEvents.size(), std::size_t(2));
}

void TestSagaChoreography::failureAtEachStep_data()
{
    QTest::addColumn<QString>("failing");
    QTest::addColumn<Steps>("forward");
    QTest::addColumn<Steps>("compensated");
    QTest::addColumn<int>("end");
    QTest::addColumn<QString>("endsAt");
    QTest::newRow("none") << "" << Steps{1, 2, 3} << Steps{} << 0 << "inventory-service";
    QTest::newRow("order") << "order-service" << Steps{} << Steps{} << 1 << "order-service";
    QTest::newRow("payment") << "payment-service" << Steps{1} << Steps{1} << 1 << "order-service";
    QTest::newRow("inventory") << "inventory-service" << Steps{1, 2} << Steps{2, 1} << 1 << "order-service";
}

void TestSagaChoreography::failureAtEachStep()
{
    QFETCH(QString, failing);
    QFETCH(Steps, forward);
    QFETCH(Steps, compensated);
    QFETCH(int, end);
    QFETCH(QString, endsAt);
    Topology t = oneOrder(10);
    if (!failing.isEmpty()) nodeOf(t, failing.toUtf8().constData()).properties["failure"] = "always";
    const SagaRun r = runSagas(t);
    QVERIFY(r.run);
    const auto h = histories(r.run->trace);
    QCOMPARE(h.size(), std::size_t(1));
    const SagaHistory &s = h.begin()->second;
    QCOMPARE(s.forward, forward);
    QCOMPARE(s.compensated, compensated);
    QCOMPARE(s.end, std::int64_t(end));
    QCOMPARE(r.run->trace.count(TraceKind::SagaEnd), std::size_t(1));
    for (const auto &e : r.run->trace.events)
        if (e.kind == TraceKind::SagaEnd) QCOMPARE(e.node, r.run->index(endsAt.toStdString()));
    QVERIFY2(r.clean(), r.findings().c_str());
}

void TestSagaChoreography::serviceCrashMidStep_data()
{
    QTest::addColumn<bool>("idempotent");
    QTest::newRow("idempotent") << true;
    QTest::newRow("not idempotent") << false;
}

void TestSagaChoreography::serviceCrashMidStep()
{
    QFETCH(bool, idempotent);
    // The payment service commits, then crashes before publishing and acking: the queue redelivers
    // OrderCreated after its restart.
    Topology t = oneOrder(10);
    nodeOf(t, "payment-service").properties["idempotent"] = idempotent;
    FaultDef f;
    f.id = "crash";
    f.kind = "crash-at";
    f.nodes = {"payment-service"};
    f.params = Json{{"point", "after-local-commit"}, {"downtime", "100ms"}};
    t.faults.push_back(f);
    const SagaRun r = runSagas(t);
    QVERIFY(r.run);
    QCOMPARE(r.run->trace.count(TraceKind::Crash), std::size_t(1));
    const SagaHistory s = histories(r.run->trace).begin()->second;
    QCOMPARE(s.end, std::int64_t(0)); // the redelivery carries the saga on either way
    QCOMPARE(r.count("step-repeated"), std::uint64_t(idempotent ? 0 : 1));
    QCOMPARE(r.run->trace.count(TraceKind::Dedupe), std::size_t(idempotent ? 1 : 0));
    std::int64_t credit = -1;
    for (const auto &e : r.run->trace.events)
        if (e.kind == TraceKind::LocalTxn && e.node == r.run->index("payment-service")) credit = e.aux;
    QCOMPARE(credit, std::int64_t(idempotent ? 90 : 80));
}

QTEST_GUILESS_MAIN(TestSagaChoreography)
#include "tst_sagachoreography.moc"
