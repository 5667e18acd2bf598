// The run summary's checks (core/findings.h, core/summary.h): the delivery report as checks (lost,
// duplicates, pending, order) with their examples as findings, the call checks after them, the
// "Calls" section only for runs with calls, and both in the summary's JSON.
#include "domaincheckers.h"
#include "summary.h"

#include <QTest>

using namespace sb;

namespace {

RunSummary withNodes()
{
    RunSummary s;
    for (const char *id : {"client", "server", "tasks", "worker"}) {
        NodeSummary n;
        n.id = id;
        s.nodes.push_back(n);
    }
    s.nodes[3].name = "Worker one";
    return s;
}

CallReport sampleCalls()
{
    CallReport c;
    c.calls = 10;
    c.completed = 9;
    c.succeeded = 7;
    c.failed = 2;
    c.failedByStatus = {{4, 1}, {503, 1}};
    c.open = 1;
    c.executedNever = 1;
    c.executedOnce = 8;
    c.executedTwiceOrMore = 1;
    c.executions = 10;
    c.attempts = 12;
    c.retries = 2;
    c.repliesLost = 1;
    c.lateReplies = 1;
    CallMethodReport m;
    m.client = 0;
    m.method = "orders.Orders/Get";
    m.calls = 9;
    m.latency.count = 9;
    m.latency.p50 = 20 * kMillisecond;
    m.latency.max = 900 * kMillisecond;
    m.byStatus = {{0, 7}, {4, 1}, {503, 1}};
    c.methods = {m};
    for (const char *name :
         {"executed-twice", "failed-calls", "late-replies", "lost-replies", "deadline-exceeded"})
        c.checks.push_back({name, "what it counts", 0, {}});
    Finding twice;
    twice.check = "executed-twice";
    twice.what = "call 17 (orders.Orders/Get from client) was executed a second time, at server at 1.2s";
    twice.subject = "call 17";
    twice.correlationId = 17;
    twice.messageId = 170;
    twice.node = 1;
    twice.time = 1200 * kMillisecond;
    c.checks[0].count = 1;
    c.checks[0].examples = {twice};
    c.checks[1].count = 2;
    c.checks[4].count = 1;
    return c;
}

} // namespace

class TestFindings : public QObject {
    Q_OBJECT

private slots:
    void deliveryChecks_data();
    void deliveryChecks();
    void callChecksFollow();
    void checkNamesAreTheFailOnNames();
    void textShowsCallsOnlyWithCalls_data();
    void textShowsCallsOnlyWithCalls();
    void json();
};

void TestFindings::deliveryChecks_data()
{
    QTest::addColumn<QString>("check");
    QTest::addColumn<quint64>("count");
    QTest::addColumn<QString>("firstWhat");
    QTest::newRow("lost") << "lost" << quint64(3) << "message 5 was lost";
    QTest::newRow("duplicates") << "duplicates" << quint64(2) << "message 8 was processed more than once";
    QTest::newRow("pending") << "pending" << quint64(1) << "message 9 was still pending when the run ended";
    QTest::newRow("order") << "order" << quint64(4)
                           << "message 11 was processed after message 12 at Worker one from tasks";
}

void TestFindings::deliveryChecks()
{
    QFETCH(QString, check);
    QFETCH(quint64, count);
    QFETCH(QString, firstWhat);
    RunSummary s = withNodes();
    s.delivery.lost = 3;
    s.delivery.lostIds = {5, 6};
    s.delivery.duplicates = 2;
    s.delivery.duplicateIds = {8};
    s.delivery.pending = 1;
    s.delivery.pendingIds = {9};
    s.delivery.outOfOrder = 4;
    s.delivery.outOfOrderExamples = {{11, 12, 3, 2, 7 * kMillisecond}};
    setChecks(s, nullptr);
    QCOMPARE(s.checks.size(), std::size_t(4));
    const CheckResult *c = s.check(check.toStdString());
    QVERIFY(c);
    QCOMPARE(c->count, count);
    QVERIFY(!c->help.empty());
    QVERIFY(!c->examples.empty());
    const Finding &f = c->examples.front();
    QCOMPARE(QString::fromStdString(f.what), firstWhat);
    QCOMPARE(f.check, c->check);
    QVERIFY(f.messageId != 0);
    QCOMPARE(QString::fromStdString(f.subject), QStringLiteral("message %1").arg(f.messageId));
    if (check == QLatin1String("order")) {
        QCOMPARE(f.node, NodeIndex(3));
        QCOMPARE(f.time, 7 * kMillisecond);
    }
    QVERIFY(!s.check("executed-twice")); // no call checker watched
}

void TestFindings::callChecksFollow()
{
    RunSummary s = withNodes();
    const CallReport calls = sampleCalls();
    setChecks(s, &calls);
    QStringList names;
    for (const auto &c : s.checks)
        names << QString::fromStdString(c.check);
    QCOMPARE(names, QStringList({"lost", "duplicates", "pending", "order", "executed-twice", "failed-calls",
                                 "late-replies", "lost-replies", "deadline-exceeded"}));
    QCOMPARE(s.check("executed-twice")->count, quint64(1));
    QCOMPARE(s.check("executed-twice")->examples.front().correlationId, quint64(17));
    QCOMPARE(s.calls.calls, quint64(10));
}

void TestFindings::checkNamesAreTheFailOnNames()
{
    RunSummary s = withNodes();
    const CallReport calls = sampleCalls();
    // The group checks come last, as GroupChecker::checks() lists them.
    std::vector<CheckResult> groupChecks;
    for (const auto &[name, help] : GroupChecker::checkHelp())
        groupChecks.push_back({name, help, 0, {}});
    // Then the domain checkers' (domaincheckers.h), in their order.
    for (const auto &[name, help] : domainCheckHelp())
        groupChecks.push_back({name, help, 0, {}});
    setChecks(s, &calls, &groupChecks);
    QCOMPARE(checkNames().size(), s.checks.size());
    for (std::size_t i = 0; i < s.checks.size(); ++i)
        QCOMPARE(checkNames()[i], s.checks[i].check);
    QCOMPARE(
        checkNamesText(),
        std::string("lost, duplicates, pending, order, executed-twice, failed-calls, "
                    "late-replies, lost-replies, deadline-exceeded, records-lost, "
                    "records-duplicated, partition-order, key-order, records-unconsumed, aborted-reads, "
                    "conflicts, stale-reads, unreadable-events, parked-events, saga-unfinished, "
                    "compensation-order, step-repeated, compensated-after-pivot, dirty-reads, lost-updates, "
                    "outbox-lost, outbox-phantom, outbox-duplicates, pubsub-lost, pubsub-duplicates, "
                    "pubsub-cut-off or p2p-not-covered"));
}

void TestFindings::textShowsCallsOnlyWithCalls_data()
{
    QTest::addColumn<bool>("withCalls");
    QTest::newRow("a run with calls") << true;
    QTest::newRow("a run of messages") << false;
}

void TestFindings::textShowsCallsOnlyWithCalls()
{
    QFETCH(bool, withCalls);
    RunSummary s = withNodes();
    // A run of messages still had a call checker watching (as signalbox-cli does): it saw nothing.
    const CallReport calls = withCalls ? sampleCalls() : CallChecker().report();
    setChecks(s, &calls);
    const QString text = QString::fromStdString(formatSummary(s));
    QCOMPARE(text.contains(QLatin1String("\nCalls: ")), withCalls);
    QVERIFY(
        text.contains(QLatin1String("\nChecks: lost 0, duplicates 0, pending 0, order 0, executed-twice ")));
    if (!withCalls) {
        QVERIFY(text.contains(QLatin1String("executed-twice 0, failed-calls 0")));
        return;
    }
    QVERIFY2(text.contains(
                 QLatin1String("Calls: 10 started, 9 completed: 7 succeeded, 2 failed (DEADLINE_EXCEEDED 1, "
                               "503 Service Unavailable 1), 1 still open")),
             qPrintable(text));
    QVERIFY2(text.contains(QLatin1String("executed at servers: 1 never, 8 once, 1 twice or more")),
             qPrintable(text));
    QVERIFY2(text.contains(QLatin1String("attempts: 12 (2 retries, 0 hedges)")), qPrintable(text));
    QVERIFY2(text.contains(QLatin1String("replies: 1 lost on links, 1 late")), qPrintable(text));
    QVERIFY2(text.contains(QLatin1String("    client orders.Orders/Get: 9 calls, p50 20ms")),
             qPrintable(text));
    QVERIFY2(text.contains(
                 QLatin1String("  executed-twice: call 17 (orders.Orders/Get from client) was executed")),
             qPrintable(text));
    // A count beyond its examples says so.
    QVERIFY2(!text.contains(QLatin1String("failed-calls: ... and")),
             qPrintable(text)); // no examples to extend
}

void TestFindings::json()
{
    RunSummary s = withNodes();
    const CallReport calls = sampleCalls();
    setChecks(s, &calls);
    const Json j = summaryToJson(s);
    QVERIFY(j.contains("calls"));
    QCOMPARE(j["calls"]["executed_twice_or_more"].get<int>(), 1);
    QCOMPARE(j["calls"]["failed_by_status"]["DEADLINE_EXCEEDED"].get<int>(), 1);
    QCOMPARE(j["calls"]["failed_by_status"]["503"].get<int>(), 1);
    QCOMPARE(j["calls"]["methods"][0]["client"].get<std::string>(), std::string("client"));
    QCOMPARE(j["calls"]["methods"][0]["by_status"]["OK"].get<int>(), 7);
    QCOMPARE(j["checks"].size(), std::size_t(9));
    const Json &twice = j["checks"][4];
    QCOMPARE(twice["name"].get<std::string>(), std::string("executed-twice"));
    QCOMPARE(twice["count"].get<int>(), 1);
    QCOMPARE(twice["examples"][0]["subject"].get<std::string>(), std::string("call 17"));
    QCOMPARE(twice["examples"][0]["correlation"].get<int>(), 17);
    QCOMPARE(twice["examples"][0]["node"].get<std::string>(), std::string("server"));
    QCOMPARE(twice["examples"][0]["time_ns"].get<SimTime>(), 1200 * kMillisecond);
    // A run without calls has no "calls" object, and still its checks.
    RunSummary plain = withNodes();
    setChecks(plain, nullptr);
    const Json p = summaryToJson(plain);
    QVERIFY(!p.contains("calls"));
    QCOMPARE(p["checks"].size(), std::size_t(4));
}

QTEST_GUILESS_MAIN(TestFindings)
#include "tst_findings.moc"
