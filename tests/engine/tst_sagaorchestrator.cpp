// The saga orchestrator and its participants: compensation of exactly the completed steps in
// reverse order, resuming from the saga log after a crash at each of its points, the pivot,
// timeouts and retries with and without idempotent services, bad definitions, and the examples.
#include "callstatus.h"
#include "sagatest.h"

using namespace sb;
using namespace sbtest;

using Steps = std::vector<std::uint32_t>;
Q_DECLARE_METATYPE(Steps)

class TestSagaOrchestrator : public QObject {
    Q_OBJECT
private slots:
    void failureAtEachStep_data();
    void failureAtEachStep();
    void crashAndResume_data();
    void crashAndResume();
    void crashStopsABurst();
    void pivot_data();
    void pivot();
    void timeoutCompensatesTheTimedOutStep();
    void retryAfterServiceCrash_data();
    void retryAfterServiceCrash();
    void badInput_data();
    void badInput();
    void exampleOrchestrated();
    void exampleConcurrent_data();
    void exampleConcurrent();
    void exampleOrchestratorCrash();
};

namespace {

std::vector<Json> participants(int n, int failing = 0, Json extra = Json::object())
{
    std::vector<Json> out;
    for (int i = 1; i <= n; ++i) {
        Json p = participant(i, extra);
        if (i == failing) p["failure"] = "always";
        out.push_back(p);
    }
    return out;
}

Steps range(std::uint32_t from, std::uint32_t to)
{
    Steps s;
    for (std::uint32_t i = from; i <= to; ++i)
        s.push_back(i);
    return s;
}

// The value of `item` at `node` after the last local transaction that touched it there.
std::int64_t finalValue(const Run &r, const std::string &node)
{
    std::int64_t v = -1;
    for (const auto &e : r.trace.events)
        if (e.kind == TraceKind::LocalTxn && e.node == r.index(node)) v = e.aux;
    return v;
}

} // namespace

void TestSagaOrchestrator::failureAtEachStep_data()
{
    QTest::addColumn<int>("failing");
    QTest::addColumn<Steps>("forward");
    QTest::addColumn<Steps>("compensated");
    QTest::addColumn<int>("end");
    constexpr int n = 4;
    QTest::newRow("no failure") << 0 << range(1, n) << Steps{} << 0;
    for (int k = 1; k <= n; ++k)
        QTest::addRow("step %d fails", k) << k << range(1, k - 1) << reversed(range(1, k - 1)) << 1;
}

void TestSagaOrchestrator::failureAtEachStep()
{
    QFETCH(int, failing);
    QFETCH(Steps, forward);
    QFETCH(Steps, compensated);
    QFETCH(int, end);
    const SagaRun r = runSagas(sagaTopology(sagaSteps(4), participants(4, failing)));
    QVERIFY(r.run);
    const auto h = histories(r.run->trace);
    QCOMPARE(h.size(), std::size_t(1));
    const SagaHistory &s = h.begin()->second;
    QCOMPARE(s.forward, forward);
    QCOMPARE(s.compensated, compensated);
    QCOMPARE(s.compensationsSent, compensated);
    QCOMPARE(s.end, std::int64_t(end));
    // The failing step was refused, not applied: nothing of it to undo.
    if (failing) {
        std::size_t refused = 0;
        for (const auto &e : r.run->trace.events)
            refused += e.kind == TraceKind::StepEnd && e.status == CommandStatus::Rejected &&
                       e.deliveryCount == std::uint32_t(failing);
        QCOMPARE(refused, std::size_t(1));
    }
    // Every service's value is back where it began, or charged once when the saga completed.
    for (int i = 1; i <= 4; ++i) {
        const std::int64_t v = finalValue(*r.run, "s" + std::to_string(i));
        if (i >= failing && failing) {
            QVERIFY2(v == -1 || v == 100, qPrintable(QString("s%1 ends at %2").arg(i).arg(v)));
        } else {
            QCOMPARE(v, std::int64_t(failing ? 100 : 90));
        }
    }
    QVERIFY2(r.clean(), r.findings().c_str());
}

void TestSagaOrchestrator::crashAndResume_data()
{
    QTest::addColumn<QString>("point");
    QTest::addColumn<bool>("idempotent");
    QTest::addColumn<int>("entriesRead");
    QTest::addColumn<bool>("applyTwice"); // the resumed step had already been applied
    // One saga of 3 steps whose third is refused: begin, (sent, reply) x 3, then the compensations.
    for (bool idem : {true, false}) {
        const char *mode = idem ? "idempotent" : "not idempotent";
        QTest::addRow("after-begin-logged, %s", mode) << "after-begin-logged" << idem << 1 << false;
        QTest::addRow("after-command-sent, %s", mode) << "after-command-sent" << idem << 2 << true;
        QTest::addRow("after-reply-logged, %s", mode) << "after-reply-logged" << idem << 3 << false;
        QTest::addRow("after-compensation-sent, %s", mode) << "after-compensation-sent" << idem << 8 << true;
    }
}

void TestSagaOrchestrator::crashAndResume()
{
    QFETCH(QString, point);
    QFETCH(bool, idempotent);
    QFETCH(int, entriesRead);
    QFETCH(bool, applyTwice);
    Topology t = sagaTopology(sagaSteps(3), participants(3, 3, Json{{"idempotent", idempotent}}));
    FaultDef f;
    f.id = "crash";
    f.kind = "crash-at";
    f.nodes = {"orch"};
    f.params = Json{{"point", point.toStdString()}, {"downtime", "100ms"}};
    t.faults.push_back(f);
    const SagaRun r = runSagas(t);
    QVERIFY(r.run);
    QCOMPARE(r.run->trace.count(TraceKind::Crash), std::size_t(1));
    const auto h = histories(r.run->trace);
    QCOMPARE(h.size(), std::size_t(1));
    const SagaHistory &s = h.begin()->second;
    QCOMPARE(s.resumes, 1u);
    QCOMPARE(s.resumeEntries, std::int64_t(entriesRead));
    // Resumed to the end, compensated exactly as without the crash.
    QCOMPARE(s.end, std::int64_t(1));
    QCOMPARE(r.count("saga-unfinished"), 0u);
    QCOMPARE(r.count("compensation-order"), 0u);
    // The step in progress is sent again: an idempotent service answers it from its table, any
    // other applies it a second time.
    const bool twice = applyTwice && !idempotent;
    QCOMPARE(r.count("step-repeated"), std::uint64_t(twice ? 1 : 0));
    QCOMPARE(r.run->trace.count(TraceKind::Dedupe), std::size_t(applyTwice && idempotent ? 1 : 0));
}

void TestSagaOrchestrator::crashStopsABurst()
{
    // Three sagas due at the same instant; the first crashes the orchestrator right after its begin
    // is logged. The other two must not begin on a crashed node (their schedule is lost with it).
    Topology t = sagaTopology(sagaSteps(2), participants(2));
    Json &script = t.nodes[0].properties["script"];
    script =
        Json::array({{{"at", 50}, {"key", "a"}}, {{"at", 50}, {"key", "b"}}, {{"at", 50}, {"key", "c"}}});
    FaultDef f;
    f.id = "crash";
    f.kind = "crash-at";
    f.nodes = {"orch"};
    f.params = Json{{"point", "after-begin-logged"}, {"downtime", "100ms"}};
    t.faults.push_back(f);
    const SagaRun r = runSagas(t);
    QVERIFY(r.run);
    QCOMPARE(r.run->trace.count(TraceKind::Crash), std::size_t(1));
    QCOMPARE(r.run->trace.count(TraceKind::SagaBegin), std::size_t(1));
    // The one that began is resumed from the log and completes.
    const SagaHistory s = histories(r.run->trace).begin()->second;
    QCOMPARE(s.resumes, 1u);
    QCOMPARE(s.end, std::int64_t(0));
    QVERIFY2(r.clean(), r.findings().c_str());
}

void TestSagaOrchestrator::pivot_data()
{
    QTest::addColumn<int>("failing");
    QTest::addColumn<QString>("failure");
    QTest::addColumn<int>("end");
    QTest::addColumn<Steps>("compensated");
    // Pivot: step 2 of 4.
    QTest::newRow("before the pivot: compensated") << 1 << "always" << 1 << Steps{};
    QTest::newRow("the pivot refused: what precedes it compensated") << 2 << "always" << 1 << Steps{1};
    QTest::newRow("after the pivot: retried until it succeeds") << 3 << "probability" << 0 << Steps{};
    QTest::newRow("the last step: retried until it succeeds") << 4 << "probability" << 0 << Steps{};
}

void TestSagaOrchestrator::pivot()
{
    QFETCH(int, failing);
    QFETCH(QString, failure);
    QFETCH(int, end);
    QFETCH(Steps, compensated);
    Json steps = sagaSteps(4);
    steps[2].erase("compensation"); // after the pivot: none needed
    steps[3].erase("compensation");
    std::vector<Json> ps = participants(4);
    ps[failing - 1]["failure"] = failure.toStdString();
    ps[failing - 1]["failureProbability"] = 0.8;
    const SagaRun r = runSagas(sagaTopology(steps, ps, Json{{"pivot", "step2"}}));
    QVERIFY(r.run);
    const auto h = histories(r.run->trace);
    const SagaHistory &s = h.begin()->second;
    QCOMPARE(s.end, std::int64_t(end));
    QCOMPARE(s.compensated, compensated);
    QCOMPARE(r.count("compensated-after-pivot"), 0u);
    if (end == 0) {
        // The refusals after the pivot were retried, not compensated.
        std::size_t refused = 0;
        for (const auto &e : r.run->trace.events)
            refused += e.kind == TraceKind::StepEnd && e.status == CommandStatus::Rejected;
        QVERIFY2(refused >= 1, "the seed made the step succeed at once: the retry was not shown");
        QCOMPARE(s.forward, range(1, 4));
    }
    QVERIFY2(r.clean(), r.findings().c_str());
}

void TestSagaOrchestrator::timeoutCompensatesTheTimedOutStep()
{
    // Step 2's service hangs: attempts 1..3 (2 retries), then the saga compensates step 2 (it may
    // have been applied: the service finds nothing to undo) and step 1.
    std::vector<Json> ps = participants(3);
    ps[1]["failure"] = "timeout";
    const SagaRun r = runSagas(sagaTopology(sagaSteps(3, "100ms", 2), ps));
    QVERIFY(r.run);
    std::vector<std::int64_t> attempts;
    for (const auto &e : r.run->trace.events)
        if (e.kind == TraceKind::StepStart && e.deliveryCount == 2 && !(e.flags & TraceFlag::Compensation))
            attempts.push_back(e.aux);
    QCOMPARE(attempts, (std::vector<std::int64_t>{1, 2, 3}));
    bool timedOut = false;
    for (const auto &e : r.run->trace.events)
        timedOut |= e.kind == TraceKind::StepEnd && e.status == CommandStatus::TimedOut && e.aux == 1;
    QVERIFY(timedOut);
    const SagaHistory s = histories(r.run->trace).begin()->second;
    QCOMPARE(s.compensationsSent, (Steps{2, 1}));
    QCOMPARE(s.compensated, (Steps{1}));
    QCOMPARE(s.end, std::int64_t(1));
    QVERIFY2(r.clean(), r.findings().c_str());
}

void TestSagaOrchestrator::retryAfterServiceCrash_data()
{
    QTest::addColumn<bool>("idempotent");
    QTest::addColumn<int>("value"); // the payment service's value at the end (100 - 10 once)
    QTest::newRow("idempotent: the retry is answered from the table") << true << 90;
    QTest::newRow("not idempotent: the retry charges again") << false << 80;
}

void TestSagaOrchestrator::retryAfterServiceCrash()
{
    QFETCH(bool, idempotent);
    QFETCH(int, value);
    // Service 2 commits, then crashes before replying; the orchestrator's retry reaches it again.
    Topology t = sagaTopology(sagaSteps(3, "200ms", 3), participants(3, 0, Json{{"idempotent", idempotent}}));
    FaultDef f;
    f.id = "crash";
    f.kind = "crash-at";
    f.nodes = {"s2"};
    f.params = Json{{"point", "after-local-commit"}, {"downtime", "50ms"}};
    t.faults.push_back(f);
    const SagaRun r = runSagas(t);
    QVERIFY(r.run);
    const SagaHistory s = histories(r.run->trace).begin()->second;
    QCOMPARE(s.end, std::int64_t(0));
    QCOMPARE(finalValue(*r.run, "s2"), std::int64_t(value));
    QCOMPARE(r.count("step-repeated"), std::uint64_t(idempotent ? 0 : 1));
    QCOMPARE(r.run->trace.count(TraceKind::Dedupe), std::size_t(idempotent ? 1 : 0));
}

void TestSagaOrchestrator::badInput_data()
{
    QTest::addColumn<QByteArray>("patch"); // JSON merged into the orchestrator's properties
    QTest::addColumn<QByteArray>("path");
    QTest::addColumn<QByteArray>("reason");
    QTest::newRow("a step before the pivot without a compensation")
        << QByteArray(R"({"steps": [{"name": "a", "service": "s1", "command": "Do1"},
                                    {"name": "b", "service": "s2", "command": "Do2", "compensation": "Undo2"}],
                          "pivot": "b"})")
        << QByteArray("$.nodes[0].properties.steps[0].compensation")
        << QByteArray("step \"a\" comes before the pivot \"b\" and needs a compensation");
    QTest::newRow("no pivot: every step needs a compensation")
        << QByteArray(R"({"steps": [{"name": "a", "service": "s1", "command": "Do1", "compensation": "Undo1"},
                                    {"name": "b", "service": "s2", "command": "Do2"}]})")
        << QByteArray("$.nodes[0].properties.steps[1].compensation")
        << QByteArray("step \"b\" comes before the pivot (there is none)");
    QTest::newRow("an unknown pivot")
        << QByteArray(R"({"pivot": "paymnet", "steps": [{"name": "payment", "service": "s1", "command": "Do1",
                          "compensation": "Undo1"}]})")
        << QByteArray("$.nodes[0].properties.pivot")
        << QByteArray("no step named \"paymnet\" (steps: payment)");
    QTest::newRow("a service that is not linked")
        << QByteArray(
               R"({"steps": [{"name": "a", "service": "s9", "command": "Do1", "compensation": "Undo1"}]})")
        << QByteArray("$.nodes[0].properties.steps[0].service")
        << QByteArray("step \"a\": service \"s9\" is not linked from its participants port");
    QTest::newRow("a step without a command") << QByteArray(R"({"steps": [{"name": "a", "service": "s1"}]})")
                                              << QByteArray("$.nodes[0].properties.steps")
                                              << QByteArray("steps[0].command: needs a non-empty string");
    QTest::newRow("an unknown field")
        << QByteArray(
               R"({"steps": [{"name": "a", "service": "s1", "command": "Do1", "compensate": "Undo1"}]})")
        << QByteArray("$.nodes[0].properties.steps") << QByteArray("steps[0].compensate: unknown field");
    QTest::newRow("a negative timeout")
        << QByteArray(
               R"({"steps": [{"name": "a", "service": "s1", "command": "Do1", "compensation": "U", "timeout": -5}]})")
        << QByteArray("$.nodes[0].properties.steps")
        << QByteArray("steps[0].timeout: must be a duration above zero");
    QTest::newRow("two steps of one name")
        << QByteArray(R"({"steps": [{"name": "a", "service": "s1", "command": "Do1", "compensation": "U"},
                                    {"name": "a", "service": "s2", "command": "Do2", "compensation": "U"}]})")
        << QByteArray("$.nodes[0].properties.steps")
        << QByteArray("steps[1].name: \"a\" names another step too");
    QTest::newRow("no steps") << QByteArray(R"({"steps": []})") << QByteArray("$.nodes[0].properties.steps")
                              << QByteArray("a saga needs at least one step");
    QTest::newRow("an amount below zero in the script")
        << QByteArray(R"({"script": [{"at": 0, "key": "c", "amount": -1}]})")
        << QByteArray("$.nodes[0].properties.script")
        << QByteArray("'amount' must be a non-negative whole number");
}

void TestSagaOrchestrator::badInput()
{
    QFETCH(QByteArray, patch);
    QFETCH(QByteArray, path);
    QFETCH(QByteArray, reason);
    Json props = sagaTopology(sagaSteps(2), participants(2)).nodes[0].properties;
    JsonError error;
    const auto extra = parseJson(patch.toStdString(), error);
    QVERIFY2(extra, error.reason.c_str());
    for (auto it = extra->begin(); it != extra->end(); ++it)
        props[it.key()] = it.value();
    Json doc{{"format", "signalbox-topology"},
             {"version", 1},
             {"nodes", Json::array({{{"id", "orch"}, {"kind", "saga-orchestrator"}, {"properties", props}},
                                    {{"id", "s1"}, {"kind", "saga-participant"}},
                                    {{"id", "s2"}, {"kind", "saga-participant"}}})},
             {"links", Json::array({{{"id", "l1"},
                                     {"from", "orch"},
                                     {"fromPort", "participants"},
                                     {"to", "s1"},
                                     {"toPort", "commands"}},
                                    {{"id", "l2"},
                                     {"from", "orch"},
                                     {"fromPort", "participants"},
                                     {"to", "s2"},
                                     {"toPort", "commands"}}})}};
    const auto r = parseTopology(doc.dump());
    QVERIFY2(!r.ok(), "bad input was accepted");
    bool found = false;
    std::string all;
    for (const auto &d : r.diagnostics) {
        all += d.toString() + "\n";
        found |= d.severity == Diagnostic::Severity::Error && d.path == path.toStdString() &&
                 d.message.find(reason.toStdString()) != std::string::npos;
    }
    QVERIFY2(found, all.c_str());
}

void TestSagaOrchestrator::exampleOrchestrated()
{
    // The seeds' diagram: the second saga's inventory step fails; RefundPayment, then CancelOrder.
    const auto loaded = loadTopologyFile(std::string(SIGNALBOX_EXAMPLES_DIR) + "/saga-orchestrated.json");
    QVERIFY2(loaded.ok(), loaded.errorText().c_str());
    const SagaRun r = runSagas(*loaded.topology);
    QVERIFY(r.run);
    const auto h = histories(r.run->trace);
    QCOMPARE(h.size(), std::size_t(2));
    const SagaHistory &first = h.begin()->second, &second = std::next(h.begin())->second;
    QCOMPARE(first.end, std::int64_t(0));
    QCOMPARE(first.forward, (Steps{1, 2, 3}));
    QCOMPARE(second.end, std::int64_t(1));
    QCOMPARE(second.forward, (Steps{1, 2}));
    QCOMPARE(second.compensated, (Steps{2, 1}));
    // By name, in the order the seeds draw them.
    std::vector<std::string> commands;
    for (const auto &e : r.run->trace.events)
        if (e.kind == TraceKind::StepStart && e.correlationId == std::next(h.begin())->first)
            commands.push_back(e.peer == r.run->index("payment-service") ? "payment"
                               : e.peer == r.run->index("order-service") ? "order"
                                                                         : "inventory");
    QCOMPARE(commands, (std::vector<std::string>{"order", "payment", "inventory", "payment", "order"}));
    QVERIFY2(r.clean(), r.findings().c_str());
}

void TestSagaOrchestrator::exampleConcurrent_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<int>("anomalies"); // dirty reads, and lost updates
    QTest::addColumn<int>("secondEnd");
    QTest::newRow("without isolation") << "saga-concurrent.json" << 1 << 0;
    QTest::newRow("with a semantic lock") << "saga-semantic-lock.json" << 0 << 1;
}

void TestSagaOrchestrator::exampleConcurrent()
{
    QFETCH(QString, file);
    QFETCH(int, anomalies);
    QFETCH(int, secondEnd);
    const auto loaded = loadTopologyFile(std::string(SIGNALBOX_EXAMPLES_DIR) + "/" + file.toStdString());
    QVERIFY2(loaded.ok(), loaded.errorText().c_str());
    const SagaRun r = runSagas(*loaded.topology);
    QVERIFY(r.run);
    QCOMPARE(r.count("dirty-reads"), std::uint64_t(anomalies));
    QCOMPARE(r.count("lost-updates"), std::uint64_t(anomalies));
    QCOMPARE(r.count("saga-unfinished"), 0u);
    QCOMPARE(r.count("compensation-order"), 0u);
    const auto h = histories(r.run->trace);
    QCOMPARE(h.size(), std::size_t(2));
    QCOMPARE(h.begin()->second.end, std::int64_t(1)); // the first saga is refused by the inventory
    QCOMPARE(std::next(h.begin())->second.end, std::int64_t(secondEnd));
    // Without isolation the customer keeps the second saga's payment: 100 although it completed.
    QCOMPARE(finalValue(*r.run, "payment-service"), std::int64_t(100));
    std::size_t locked = 0;
    for (const auto &e : r.run->trace.events)
        locked += e.kind == TraceKind::LocalTxn && e.status == CommandStatus::Locked;
    QCOMPARE(locked, std::size_t(anomalies ? 0 : 1));
}

void TestSagaOrchestrator::exampleOrchestratorCrash()
{
    const auto loaded =
        loadTopologyFile(std::string(SIGNALBOX_EXAMPLES_DIR) + "/saga-orchestrator-crash.json");
    QVERIFY2(loaded.ok(), loaded.errorText().c_str());
    const SagaRun r = runSagas(*loaded.topology);
    QVERIFY(r.run);
    QCOMPARE(r.run->trace.count(TraceKind::Crash), std::size_t(1));
    QVERIFY(r.run->trace.count(TraceKind::SagaResume) >= 1);
    QCOMPARE(r.run->trace.count(TraceKind::Dedupe), std::size_t(1));
    const auto h = histories(r.run->trace);
    QCOMPARE(h.size(), std::size_t(10));
    std::size_t compensated = 0;
    for (const auto &[id, s] : h) {
        QVERIFY(s.end == 0 || s.end == 1);
        compensated += s.end == 1;
    }
    QCOMPARE(compensated, std::size_t(4)); // a customer's third and fourth exceed its stock of 50
    QVERIFY2(r.clean(), r.findings().c_str());
}

QTEST_GUILESS_MAIN(TestSagaOrchestrator)
#include "tst_sagaorchestrator.moc"
