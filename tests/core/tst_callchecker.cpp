// The call checker (core/callchecker.h): per logical call the attempts, hedges, executions at
// servers (0, 1, 2+), the final status, replies lost and late, cancellations; per (client, method)
// latency and statuses; examples as findings. Data-driven rows of synthetic event sequences, each
// checked with the folding on and against the folding off (the reference), plus bounded memory over
// a long stream, and the delivery checker leaving calls alone.
#include "callchecker.h"
#include "callstatus.h"
#include "checker.h"
#include "nodelabels.h"

#include "../engine/enginetest.h"

#include <QTest>

#include <map>
#include <set>

using namespace sb;

namespace {

// Nodes: 0 and 1 clients, 2 and 3 servers, 4 a queue (message-delivery noise), 5 a consumer.
const std::vector<std::string> kLabels = {"client-a", "client-b", "server-1",
                                          "server-2", "queue",    "consumer"};

// One event per line: "<ms> <what> <args...>". What:
//   call ID CLIENT METHOD            the client starts call ID (its request is message ID * 100)
//   req ID CLIENT ATTEMPT ARRIVE_MS  the client sends attempt ATTEMPT, arriving at ARRIVE_MS
//   hedge ID CLIENT ATTEMPT          the client sends a hedged attempt
//   accept ID SERVER / exec ID SERVER
//   reply ID SERVER ARRIVE_MS        the server sends its reply
//   lostreply ID SERVER / lostreq ID CLIENT   a reply / request lost on a link
//   late ID CLIENT                   a reply for no call the client waits for (UnknownCorrelation)
//   cancel ID NODE                   Cancel at a client or a server
//   expire ID SERVER                 the server drops a request whose deadline passed
//   done ID CLIENT STATUS LATENCY_MS ATTEMPTS   the call completes (STATUS: a statusKey, "OK", "503")
//   crash NODE / pause NODE / resume NODE
//   publish ID / enqueue ID / deliver ID / process ID / droppedpublish ID   messages, with correlation ID
//   tick                             an unrelated event (lets finished calls fold)
std::vector<std::pair<TraceEvent, const Message *>> parse(const QString &script,
                                                          std::vector<Message> &messages)
{
    std::vector<std::pair<TraceEvent, const Message *>> out;
    const QStringList lines = script.split(QLatin1Char(';'), Qt::SkipEmptyParts);
    messages.reserve(std::size_t(lines.size()));
    for (const QString &line : lines) {
        const QStringList t = line.simplified().split(QLatin1Char(' '));
        TraceEvent e;
        e.time = fromMilliseconds(t.value(0).toDouble());
        const QString what = t.value(1);
        const std::uint64_t id = t.value(2).toULongLong();
        const auto node = [&](int i) { return NodeIndex(t.value(i).toUInt()); };
        e.correlationId = id;
        const Message *announced = nullptr;
        if (what == QLatin1String("call")) {
            e.kind = TraceKind::Call;
            e.node = node(3);
            e.messageId = id * 100;
            Message m;
            m.id = e.messageId;
            m.correlationId = id;
            m.routingKey = t.value(4).toStdString();
            messages.push_back(m);
            announced = &messages.back();
        } else if (what == QLatin1String("req") || what == QLatin1String("hedge")) {
            e.kind = what == QLatin1String("req") ? TraceKind::Send : TraceKind::Hedge;
            e.frame = FrameType::Request;
            e.node = node(3);
            e.link = 0;
            e.messageId = id * 100;
            e.deliveryCount = t.value(4).toUInt();
            e.aux = fromMilliseconds(t.value(5).toDouble());
        } else if (what == QLatin1String("accept") || what == QLatin1String("exec")) {
            e.kind = what == QLatin1String("accept") ? TraceKind::Accept : TraceKind::Execute;
            e.node = node(3);
            e.messageId = id * 100;
        } else if (what == QLatin1String("reply")) {
            e.kind = TraceKind::Send;
            e.frame = FrameType::Reply;
            e.node = node(3);
            e.link = 1;
            e.messageId = id * 100 + 1;
            e.status = Grpc::Ok;
            e.aux = fromMilliseconds(t.value(4).toDouble());
        } else if (what == QLatin1String("lostreply") || what == QLatin1String("lostreq")) {
            e.kind = TraceKind::Drop;
            e.frame = what == QLatin1String("lostreply") ? FrameType::Reply : FrameType::Request;
            e.reason = DropReason::Loss;
            e.node = node(3);
            e.link = 1;
            e.messageId = id * 100 + 1;
        } else if (what == QLatin1String("late")) {
            e.kind = TraceKind::Drop;
            e.frame = FrameType::Reply;
            e.reason = DropReason::UnknownCorrelation;
            e.node = node(3);
            e.messageId = id * 100 + 1;
        } else if (what == QLatin1String("cancel")) {
            e.kind = TraceKind::Cancel;
            e.node = node(3);
            e.reason = DropReason::Cancelled;
        } else if (what == QLatin1String("expire")) {
            e.kind = TraceKind::Drop;
            e.reason = DropReason::DeadlineExceeded;
            e.node = node(3);
            e.messageId = id * 100;
        } else if (what == QLatin1String("done")) {
            e.kind = TraceKind::Complete;
            e.node = node(3);
            e.messageId = id * 100;
            e.status = statusFromKey(t.value(4).toStdString()).value_or(kNoStatus);
            e.aux = fromMilliseconds(t.value(5).toDouble());
            e.deliveryCount = t.value(6).toUInt();
        } else if (what == QLatin1String("crash") || what == QLatin1String("pause") ||
                   what == QLatin1String("resume")) {
            e.kind = what == QLatin1String("crash")   ? TraceKind::Crash
                     : what == QLatin1String("pause") ? TraceKind::Pause
                                                      : TraceKind::Resume;
            e.node = NodeIndex(id);
            e.correlationId = 0;
        } else if (what == QLatin1String("publish") || what == QLatin1String("enqueue") ||
                   what == QLatin1String("deliver") || what == QLatin1String("process") ||
                   what == QLatin1String("droppedpublish")) {
            // A message whose correlation id is the same number as a call's: still not a call.
            e.messageId = 1000 + id;
            e.kind = what == QLatin1String("publish")   ? TraceKind::Publish
                     : what == QLatin1String("enqueue") ? TraceKind::Enqueue
                     : what == QLatin1String("deliver") ? TraceKind::Deliver
                     : what == QLatin1String("process") ? TraceKind::Process
                                                        : TraceKind::Drop;
            e.node = what == QLatin1String("process") ? 5 : what == QLatin1String("publish") ? 0 : 4;
            e.peer = what == QLatin1String("process") ? 4 : what == QLatin1String("deliver") ? 5 : kNoIndex;
            if (e.kind == TraceKind::Drop) {
                e.link = 2;
                e.reason = DropReason::Loss;
            }
        } else if (what == QLatin1String("tick")) {
            e.kind = TraceKind::LinkChange;
            e.correlationId = 0;
        } else {
            qFatal("unknown step %s", qPrintable(line));
        }
        out.push_back({e, announced});
    }
    return out;
}

std::map<QString, quint64> figures(const CallReport &r)
{
    std::map<QString, quint64> f = {
        {"calls", r.calls},
        {"completed", r.completed},
        {"succeeded", r.succeeded},
        {"failed", r.failed},
        {"open", r.open},
        {"exec0", r.executedNever},
        {"exec1", r.executedOnce},
        {"exec2", r.executedTwiceOrMore},
        {"executions", r.executions},
        {"attempts", r.attempts},
        {"retries", r.retries},
        {"hedges", r.hedges},
        {"lostReplies", r.repliesLost},
        {"late", r.lateReplies},
        {"unmatched", r.unmatchedReplies},
        {"cancelClient", r.cancelledAttempts},
        {"cancelServer", r.cancelledAtServers},
        {"deadline", r.deadlineExceeded},
    };
    for (const auto &[status, n] : r.failedByStatus)
        f[QStringLiteral("failed:") + QString::fromStdString(statusKey(status))] = n;
    for (const auto &c : r.checks)
        f[QStringLiteral("check:") + QString::fromStdString(c.check)] = c.count;
    return f;
}

QString describe(const std::map<QString, quint64> &f)
{
    QStringList parts;
    for (const auto &[k, v] : f)
        parts << QStringLiteral("%1=%2").arg(k).arg(v);
    return parts.join(QLatin1Char(' '));
}

struct Fed {
    CallReport report;
    std::size_t tracked = 0;
};

Fed feed(const QString &script, bool folding)
{
    std::vector<Message> messages;
    CallChecker checker(kLabels);
    checker.setFolding(folding);
    for (const auto &[e, m] : parse(script, messages)) {
        if (m) checker.onMessage(*m);
        checker.onEvent(e);
    }
    return {checker.report(CallChecker::kKeptExamples), checker.trackedCalls()};
}

} // namespace

class TestCallChecker : public QObject {
    Q_OBJECT

private slots:
    void outcomes_data();
    void outcomes();
    void methods();
    void findingsNameTheCall();
    void examplesAreBounded();
    void memoryStaysBounded();
    void deliveryCheckerIgnoresCalls_data();
    void deliveryCheckerIgnoresCalls();
    void examplesAgreeWithTheirTrace_data();
    void examplesAgreeWithTheirTrace();
};

void TestCallChecker::outcomes_data()
{
    QTest::addColumn<QString>("script");
    QTest::addColumn<QString>("expected"); // the figures that must hold, "key=value ..."
    QTest::addColumn<int>("tracked");      // calls still held at the end (folding on), -1: any

    QTest::newRow("one call, executed once")
        << "0 call 1 0 Get; 0 req 1 0 1 5; 5 accept 1 2; 5 exec 1 2; 6 reply 1 2 11; 11 done 1 0 OK 11 1; 20 "
           "tick"
        << "calls=1 completed=1 succeeded=1 failed=0 exec0=0 exec1=1 exec2=0 attempts=1 retries=0 "
           "check:executed-twice=0 check:failed-calls=0 lostReplies=0 late=0 open=0"
        << 0;
    QTest::newRow("reply lost, the retry executes again")
        << "0 call 1 0 Get; 0 req 1 0 1 5; 5 accept 1 2; 5 exec 1 2; 6 lostreply 1 2;"
           "100 req 1 0 2 105; 105 accept 1 2; 105 exec 1 2; 106 reply 1 2 111; 111 done 1 0 OK 111 2; 200 "
           "tick"
        << "calls=1 succeeded=1 exec2=1 executions=2 attempts=2 retries=1 lostReplies=1 "
           "check:executed-twice=1 check:lost-replies=1"
        << 0;
    QTest::newRow("reply lost, an idempotent server answers the retry from its store")
        << "0 call 1 0 Get; 0 req 1 0 1 5; 5 accept 1 2; 5 exec 1 2; 6 lostreply 1 2;"
           "100 req 1 0 2 105; 105 accept 1 2; 106 reply 1 2 111; 111 done 1 0 OK 111 2; 200 tick"
        << "calls=1 succeeded=1 exec1=1 exec2=0 attempts=2 retries=1 lostReplies=1 check:executed-twice=0"
        << 0;
    QTest::newRow("executed after the caller gave up: late reply")
        << "0 call 1 0 Get; 0 req 1 0 1 5; 5 accept 1 2; 50 done 1 0 DEADLINE_EXCEEDED 50 1; 55 tick;"
           "60 exec 1 2; 61 reply 1 2 62; 62 late 1 0; 100 tick"
        << "calls=1 failed=1 deadline=1 failed:DEADLINE_EXCEEDED=1 exec1=1 late=1 unmatched=0 "
           "check:late-replies=1 check:deadline-exceeded=1 check:failed-calls=1"
        << 0;
    QTest::newRow("a retry still in flight when the call ended executes: twice")
        << "0 call 1 0 Get; 0 req 1 0 1 5; 5 accept 1 2; 5 exec 1 2; 6 lostreply 1 2;"
           "100 req 1 0 2 105; 102 done 1 0 DEADLINE_EXCEEDED 102 2; 104 tick; 105 accept 1 3; 106 exec 1 3;"
           "107 reply 1 3 108; 108 late 1 0; 200 tick"
        << "calls=1 failed=1 exec2=1 executions=2 late=1 lostReplies=1 check:executed-twice=1" << 0;
    QTest::newRow("hedged: both servers execute, the loser is cancelled")
        << "0 call 1 0 Get; 0 req 1 0 1 5; 5 accept 1 2; 5 exec 1 2; 20 hedge 1 0 2; 20 req 1 0 2 25;"
           "25 accept 1 3; 25 exec 1 3; 30 reply 1 2 35; 35 done 1 0 OK 35 2; 35 cancel 1 0; 36 cancel 1 3;"
           "100 tick"
        << "calls=1 succeeded=1 attempts=2 hedges=1 retries=0 exec2=1 cancelClient=1 cancelServer=1" << 0;
    QTest::newRow("unavailable after three attempts, never executed")
        << "0 call 1 0 Put; 0 req 1 0 1 5; 5 lostreq 1 0; 50 req 1 0 2 55; 55 lostreq 1 0; 150 req 1 0 3 155;"
           "155 lostreq 1 0; 300 done 1 0 UNAVAILABLE 300 3; 400 tick"
        << "calls=1 failed=1 failed:UNAVAILABLE=1 exec0=1 attempts=3 retries=2 deadline=0 "
           "check:failed-calls=1"
        << 0;
    QTest::newRow("an HTTP 503")
        << "0 call 1 1 POST_/orders; 0 req 1 1 1 5; 5 accept 1 2; 5 exec 1 2; 6 reply 1 2 11; "
           "11 done 1 1 503 11 1; 20 tick"
        << "calls=1 failed=1 failed:503=1 exec1=1 succeeded=0" << 0;
    QTest::newRow("HTTP 201 succeeds")
        << "0 call 1 1 POST_/orders; 0 req 1 1 1 5; 5 accept 1 2; 5 exec 1 2; 6 reply 1 2 11; "
           "11 done 1 1 201 11 1; 20 tick"
        << "calls=1 failed=0 succeeded=1 exec1=1" << 0;
    QTest::newRow("a lost reply ends the server's hold")
        << "0 call 1 0 Get; 0 req 1 0 1 5; 5 accept 1 2; 5 exec 1 2; 6 lostreply 1 2; 50 done 1 0 "
           "DEADLINE_EXCEEDED 50 1;"
           "60 tick"
        << "calls=1 failed=1 exec1=1 lostReplies=1" << 0;
    QTest::newRow("still open when the run stops") << "0 call 1 0 Get; 0 req 1 0 1 5; 5 accept 1 2; 100 tick"
                                                   << "calls=1 completed=0 open=1 exec0=1" << 1;
    QTest::newRow("a reply to a call never made") << "0 late 99 0; 10 tick"
                                                  << "calls=0 late=0 unmatched=1 check:late-replies=0" << 0;
    QTest::newRow("a crashed server forgets what it held")
        << "0 call 1 0 Get; 0 req 1 0 1 5; 5 accept 1 2; 10 crash 2; 50 done 1 0 DEADLINE_EXCEEDED 50 1; 60 "
           "tick"
        << "calls=1 failed=1 exec0=1" << 0;
    QTest::newRow("a server drops a request whose deadline passed")
        << "0 call 1 0 Get; 0 req 1 0 1 5; 5 accept 1 2; 50 done 1 0 DEADLINE_EXCEEDED 50 1; 51 expire 1 2; "
           "60 tick"
        << "calls=1 failed=1 exec0=1" << 0;
    QTest::newRow("a server still holding the attempt keeps the call open")
        << "0 call 1 0 Get; 0 req 1 0 1 5; 5 accept 1 2; 50 done 1 0 DEADLINE_EXCEEDED 50 1; 60 tick"
        << "calls=1 failed=1 open=0 exec0=1" << 1;
    QTest::newRow("a paused server holds the request: it executes after the resume")
        << "0 call 1 0 Get; 0 req 1 0 1 5; 3 pause 2; 50 done 1 0 DEADLINE_EXCEEDED 50 1; 60 tick; 70 resume "
           "2;"
           "70 accept 1 2; 70 exec 1 2; 71 reply 1 2 72; 72 late 1 0; 100 tick"
        << "calls=1 failed=1 exec1=1 late=1" << 0;
    QTest::newRow("message delivery is not a call")
        << "0 publish 1; 1 enqueue 1; 2 deliver 1; 3 process 1; 4 droppedpublish 1; 10 tick"
        << "calls=0 completed=0 exec0=0 exec1=0 executions=0 lostReplies=0 late=0 unmatched=0 attempts=0"
        << 0;
    QTest::newRow("calls among messages")
        << "0 publish 1; 0 call 1 0 Get; 0 req 1 0 1 5; 1 enqueue 1; 5 accept 1 2; 5 exec 1 2; 2 deliver 1;"
           "6 reply 1 2 11; 6 process 1; 11 done 1 0 OK 11 1; 20 tick"
        << "calls=1 succeeded=1 exec1=1 attempts=1" << 0;
}

void TestCallChecker::outcomes()
{
    QFETCH(QString, script);
    QFETCH(QString, expected);
    QFETCH(int, tracked);
    const Fed folded = feed(script, true);
    const Fed reference = feed(script, false);
    const auto actual = figures(folded.report);
    for (const QString &pair : expected.split(QLatin1Char(' '), Qt::SkipEmptyParts)) {
        const QString key = pair.section(QLatin1Char('='), 0, 0);
        const quint64 want = pair.section(QLatin1Char('='), 1).toULongLong();
        const auto it = actual.find(key);
        const quint64 got = it == actual.end() ? 0 : it->second;
        QVERIFY2(got == want, qPrintable(QStringLiteral("%1: got %2, expected %3 (all: %4)")
                                             .arg(key)
                                             .arg(got)
                                             .arg(want)
                                             .arg(describe(actual))));
    }
    // Folding changes what is kept, never what is reported.
    QCOMPARE(describe(actual), describe(figures(reference.report)));
    if (tracked >= 0) QCOMPARE(folded.tracked, std::size_t(tracked));
}

void TestCallChecker::methods()
{
    const QString script = "0 call 1 0 Get; 0 req 1 0 1 5; 10 done 1 0 OK 10 1;"
                           "0 call 2 0 Get; 0 req 2 0 1 5; 20 done 2 0 OK 20 1;"
                           "0 call 3 0 Get; 0 req 3 0 1 5; 30 done 3 0 UNAVAILABLE 30 1;"
                           "0 call 4 0 Put; 0 req 4 0 1 5; 40 done 4 0 OK 40 1;"
                           "0 call 5 1 Get; 0 req 5 1 1 5; 50 done 5 1 OK 50 1; 100 tick";
    const CallReport r = feed(script, true).report;
    QCOMPARE(r.methods.size(), std::size_t(3));
    const CallMethodReport &get = r.methods[0];
    QCOMPARE(get.client, NodeIndex(0));
    QCOMPARE(get.method, std::string("Get"));
    QCOMPARE(get.calls, quint64(3));
    QCOMPARE(get.latency.count, quint64(3));
    // The histogram reports within 1.6%.
    QVERIFY(qAbs(toMilliseconds(get.latency.p50) - 20) < 0.4);
    QVERIFY(qAbs(toMilliseconds(get.latency.max) - 30) < 0.5);
    QCOMPARE(get.byStatus.size(), std::size_t(2));
    QCOMPARE(get.byStatus[0], (std::pair<std::uint16_t, std::uint64_t>(Grpc::Ok, 2)));
    QCOMPARE(get.byStatus[1], (std::pair<std::uint16_t, std::uint64_t>(Grpc::Unavailable, 1)));
    QCOMPARE(r.methods[1].method, std::string("Put"));
    QCOMPARE(r.methods[1].calls, quint64(1));
    QCOMPARE(r.methods[2].client, NodeIndex(1));
    QCOMPARE(r.methods[2].method, std::string("Get"));
}

void TestCallChecker::findingsNameTheCall()
{
    const QString script =
        "0 call 7 0 orders.Orders/Get; 0 req 7 0 1 5; 5 accept 7 2; 5 exec 7 2; 6 lostreply 7 2;"
        "100 req 7 0 2 105; 105 accept 7 3; 105 exec 7 3; 106 reply 7 3 111; 111 done 7 0 OK 111 2; 200 tick";
    const CallReport r = feed(script, true).report;
    const CheckResult &twice = r.checks[0];
    QCOMPARE(twice.check, std::string("executed-twice"));
    QVERIFY(!twice.help.empty());
    QCOMPARE(twice.count, quint64(1));
    QCOMPARE(twice.examples.size(), std::size_t(1));
    const Finding &f = twice.examples[0];
    QCOMPARE(f.check, std::string("executed-twice"));
    QCOMPARE(f.subject, std::string("call 7"));
    QCOMPARE(f.correlationId, quint64(7));
    QCOMPARE(f.messageId, quint64(700));
    QCOMPARE(f.node, NodeIndex(3));
    QCOMPARE(f.time, fromMilliseconds(105));
    QVERIFY2(f.what.find("call 7 (orders.Orders/Get from client-a)") != std::string::npos, f.what.c_str());
    QVERIFY2(f.what.find("server-2") != std::string::npos, f.what.c_str());
    const CheckResult &lost = r.checks[3];
    QCOMPARE(lost.check, std::string("lost-replies"));
    QCOMPARE(lost.examples.size(), std::size_t(1));
    QCOMPARE(lost.examples[0].node, NodeIndex(2));
    QVERIFY2(lost.examples[0].what.find("server-1") != std::string::npos, lost.examples[0].what.c_str());
    QStringList names;
    for (const auto &c : r.checks)
        names << QString::fromStdString(c.check);
    QCOMPARE(names, QStringList({"executed-twice", "failed-calls", "late-replies", "lost-replies",
                                 "deadline-exceeded"}));
}

void TestCallChecker::examplesAreBounded()
{
    CallChecker checker(kLabels);
    std::vector<Message> messages;
    for (int i = 1; i <= 200; ++i) {
        const double t = i * 10.0;
        const QString script =
            QStringLiteral("%1 call %2 0 Get; %1 req %2 0 1 %3; %3 accept %2 2; %3 exec %2 2;"
                           "%3 exec %2 3; %4 reply %2 2 %5; %5 done %2 0 OK 4 1")
                .arg(t)
                .arg(i)
                .arg(t + 1)
                .arg(t + 2)
                .arg(t + 3);
        for (const auto &[e, m] : parse(script, messages)) {
            if (m) checker.onMessage(*m);
            checker.onEvent(e);
        }
    }
    const CallReport all = checker.report(1000);
    QCOMPARE(all.checks[0].count, quint64(200));
    QCOMPARE(all.checks[0].examples.size(), CallChecker::kKeptExamples);
    // The first ones, in time order.
    QCOMPARE(all.checks[0].examples.front().correlationId, quint64(1));
    QCOMPARE(all.checks[0].examples.back().correlationId, quint64(CallChecker::kKeptExamples));
    QCOMPARE(checker.report(3).checks[0].examples.size(), std::size_t(3));
}

void TestCallChecker::memoryStaysBounded()
{
    // 100,000 calls, ten in flight at a time, some replies lost and retried: what stays tracked is
    // what is in flight, and the figures match the reference that keeps everything.
    CallChecker folding(kLabels), keeping(kLabels);
    keeping.setFolding(false);
    std::size_t mostTracked = 0;
    TraceEvent e;
    auto both = [&](TraceEvent ev) {
        folding.onEvent(ev);
        keeping.onEvent(ev);
    };
    for (std::uint64_t id = 1; id <= 100000; ++id) {
        const SimTime t = SimTime(id) * kMillisecond;
        Message m;
        m.id = id * 100;
        m.correlationId = id;
        m.routingKey = id % 2 ? "Get" : "Put";
        folding.onMessage(m);
        keeping.onMessage(m);
        e = {};
        e.time = t;
        e.kind = TraceKind::Call;
        e.node = NodeIndex(id % 2);
        e.correlationId = id;
        e.messageId = m.id;
        both(e);
        // The call started ten calls ago: executed, its reply lost every seventh time (then a
        // retry executes it again), completed.
        if (id > 10) {
            const std::uint64_t c = id - 10;
            const bool lost = c % 7 == 0;
            TraceEvent x;
            x.time = t;
            x.correlationId = c;
            x.node = 2;
            x.kind = TraceKind::Execute;
            both(x);
            if (lost) {
                x.kind = TraceKind::Drop;
                x.link = 1;
                x.frame = FrameType::Reply;
                x.reason = DropReason::Loss;
                both(x);
                x = {};
                x.time = t;
                x.correlationId = c;
                x.node = 3;
                x.kind = TraceKind::Execute;
                both(x);
            }
            x = {};
            x.time = t;
            x.correlationId = c;
            x.node = NodeIndex(c % 2);
            x.kind = TraceKind::Complete;
            x.status = Grpc::Ok;
            x.aux = 10 * kMillisecond;
            x.deliveryCount = lost ? 2 : 1;
            both(x);
        }
        mostTracked = std::max(mostTracked, folding.trackedCalls());
    }
    QVERIFY2(mostTracked <= 32, qPrintable(QString::number(mostTracked)));
    const CallReport a = folding.report(), b = keeping.report();
    QCOMPARE(describe(figures(a)), describe(figures(b)));
    QCOMPARE(a.executedTwiceOrMore, quint64((100000 - 10) / 7));
    QCOMPARE(a.open, quint64(10));
    QCOMPARE(keeping.trackedCalls(), std::size_t(100000));
}

void TestCallChecker::deliveryCheckerIgnoresCalls_data()
{
    QTest::addColumn<QString>("script");
    QTest::newRow("a call") << "0 call 1 0 Get; 0 req 1 0 1 5; 5 accept 1 2; 5 exec 1 2; 6 reply 1 2 11; "
                               "11 done 1 0 OK 11 1; 20 tick";
    QTest::newRow("lost frames, late and unmatched replies")
        << "0 call 1 0 Get; 0 req 1 0 1 5; 5 lostreq 1 0; 10 req 1 0 2 15; 15 accept 1 2; 15 exec 1 2;"
           "16 lostreply 1 2; 30 done 1 0 DEADLINE_EXCEEDED 30 2; 31 late 1 0; 32 late 9 0;"
           "33 expire 1 2; 34 cancel 1 2; 40 tick";
    QTest::newRow("a crashed server") << "0 call 1 0 Get; 0 req 1 0 1 5; 5 accept 1 2; 6 crash 2; 40 tick";
}

void TestCallChecker::deliveryCheckerIgnoresCalls()
{
    QFETCH(QString, script);
    std::vector<Message> messages;
    const auto events = parse(script, messages);
    for (const bool folding : {true, false}) {
        DeliveryChecker checker({false, false, false, false, true, false});
        checker.setFolding(folding);
        for (const auto &[e, m] : events)
            checker.onEvent(e);
        // Also a Dedupe of a request (an idempotency store answering a retry) and a server's
        // crash drop of a request it held: neither is a published message.
        TraceEvent dedupe;
        dedupe.time = fromMilliseconds(50);
        dedupe.kind = TraceKind::Dedupe;
        dedupe.node = 2;
        dedupe.messageId = 100;
        dedupe.correlationId = 1;
        checker.onEvent(dedupe);
        TraceEvent crashed = dedupe;
        crashed.kind = TraceKind::Drop;
        crashed.reason = DropReason::Crash;
        checker.onEvent(crashed);
        const DeliveryReport r = checker.report();
        QCOMPARE(r.published, quint64(0));
        QCOMPARE(r.copies, quint64(0));
        QCOMPARE(r.pending, quint64(0));
        QCOMPARE(r.lost, quint64(0));
        QCOMPARE(r.droppedTotal(), quint64(0));
        QCOMPARE(r.duplicates, quint64(0));
        QCOMPARE(checker.trackedMessages(), std::size_t(0));
    }
}

void TestCallChecker::examplesAgreeWithTheirTrace_data()
{
    QTest::addColumn<QString>("example");
    QTest::addColumn<bool>("executesTwice"); // what the example exists to show, where it is about that
    QTest::newRow("gRPC retries with and without idempotency keys") << "grpc-retries-idempotency" << true;
    QTest::newRow("RPC treated like a local call") << "rpc-as-local-call-broken" << true;
    QTest::newRow("... fixed") << "rpc-as-local-call-fixed" << false;
    QTest::newRow("REST safe and unsafe retries") << "rest-safe-and-unsafe-retries" << true;
    QTest::newRow("client-server overload") << "client-server-overload" << false;
    QTest::newRow("open vs closed loop") << "open-vs-closed-loop" << false;
    QTest::newRow("server streaming") << "grpc-server-streaming" << false;
    QTest::newRow("sync vs async request-reply") << "sync-vs-async-request-reply" << false;
}

// On real runs of the call examples, the checker's figures equal what the raw trace says (counted
// here the simple way, keeping every event), with the folding on and off; the delivery checker
// finds no message in them.
void TestCallChecker::examplesAgreeWithTheirTrace()
{
    QFETCH(QString, example);
    QFETCH(bool, executesTwice);
    const auto loaded =
        loadTopologyFile(std::string(SIGNALBOX_EXAMPLES_DIR) + "/" + example.toStdString() + ".json");
    QVERIFY2(loaded.ok(), loaded.errorText().c_str());
    auto r = sbtest::prepare(*loaded.topology);
    QVERIFY(r);
    CallChecker folding(nodeLabels(*loaded.topology)), keeping;
    keeping.setFolding(false);
    r->sim->addSink(&folding);
    r->sim->addSink(&keeping);
    RunOptions options;
    options.until = loaded.topology->run.until ? *loaded.topology->run.until : 60 * kSecond;
    r->sim->run(options);

    std::map<std::uint64_t, int> executions;
    std::set<std::uint64_t> calls;
    quint64 lostReplies = 0, succeeded = 0, failed = 0, hedges = 0;
    for (const TraceEvent &e : r->trace.events) {
        if (e.kind == TraceKind::Call) calls.insert(e.correlationId);
        if (e.kind == TraceKind::Execute) ++executions[e.correlationId];
        if (e.kind == TraceKind::Drop && e.link != kNoIndex && e.frame == FrameType::Reply) ++lostReplies;
        if (e.kind == TraceKind::Hedge) ++hedges;
        if (e.kind == TraceKind::Complete) ++(isSuccessStatus(e.status) ? succeeded : failed);
    }
    quint64 never = 0, once = 0, twice = 0;
    for (std::uint64_t id : calls) {
        const int n = executions.count(id) ? executions[id] : 0;
        ++(n == 0 ? never : n == 1 ? once : twice);
    }
    const CallReport a = folding.report(), b = keeping.report();
    QCOMPARE(describe(figures(a)), describe(figures(b)));
    QVERIFY(a.calls > 0);
    QCOMPARE(a.calls, quint64(calls.size()));
    QCOMPARE(a.executedNever, never);
    QCOMPARE(a.executedOnce, once);
    QCOMPARE(a.executedTwiceOrMore, twice);
    QCOMPARE(a.repliesLost, lostReplies);
    QCOMPARE(a.succeeded, succeeded);
    QCOMPARE(a.failed, failed);
    QCOMPARE(a.hedges, hedges);
    QCOMPARE(a.unmatchedReplies, quint64(0));
    QCOMPARE(a.executedTwiceOrMore > 0, executesTwice);
    // What stays tracked at the end is what was still open or held, not the whole run.
    QVERIFY2(folding.trackedCalls() <= a.open + 2,
             qPrintable(QStringLiteral("%1 of %2").arg(folding.trackedCalls()).arg(calls.size())));
    const DeliveryReport d = r->report();
    QCOMPARE(d.published, quint64(0));
    QCOMPARE(d.pending, quint64(0));
    QCOMPARE(d.lost, quint64(0));
    QCOMPARE(d.droppedTotal(), quint64(0));
}

QTEST_GUILESS_MAIN(TestCallChecker)
#include "tst_callchecker.moc"
