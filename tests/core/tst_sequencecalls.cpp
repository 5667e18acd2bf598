// Calls on the sequence-diagram exports (core/sequence.h): a Request is an arrow labelled with the
// method and attempt, a Reply a dashed arrow back with its status, the caller's wait an activation
// (Mermaid/PlantUML activate/deactivate), and the call's events notes; CallTracker numbers stream
// items and executions, knows hedges and parents. Driven by the hand-written trace of calltrace.h.
#include "calltrace.h"
#include "exampletrace.h"
#include "sequence.h"

#include <QRegularExpression>
#include <QTest>

#include <algorithm>
#include <map>
#include <set>

using namespace sb;

namespace {

SequenceRecorder record(const sbtest::CallTrace &t, SequenceOptions o = {}, bool announce = true)
{
    SequenceRecorder r(t.nodes(), t.links(), o);
    if (announce)
        for (const Message &m : t.messages)
            r.onMessage(m);
    for (const TraceEvent &e : t.events)
        r.onEvent(e);
    r.finish(t.events.back().time);
    return r;
}

QStringList lines(const std::string &text)
{
    QStringList l = QString::fromStdString(text).split(QLatin1Char('\n'));
    l.removeAll(QString());
    return l;
}

// Every label and note text of the recorder's items, in item order.
QStringList texts(const SequenceRecorder &r)
{
    QStringList out;
    for (const SequenceItem &item : r.items()) {
        if (item.type == SequenceItem::Type::Arrow)
            out << QString::fromStdString(sequenceArrowLabel(r, item));
        else if (item.type == SequenceItem::Type::Note)
            out << QString::fromStdString(sequenceNoteText(r, item));
    }
    return out;
}

} // namespace

class TestSequenceCalls : public QObject {
    Q_OBJECT
private slots:
    void labels_data();
    void labels();
    void mermaidArrows_data();
    void mermaidArrows();
    void plantUmlArrows_data();
    void plantUmlArrows();
    void activationsBalance_data();
    void activationsBalance();
    void hedgeTracedAfterItsRequest();
    void methodUnknownWithoutAnnouncement();
    void tracker_data();
    void tracker();
    void callArrowText_data();
    void callArrowText();
    void realRun_data();
    void realRun();
};

void TestSequenceCalls::labels_data()
{
    QTest::addColumn<QString>("text");
    QTest::newRow("request") << "Request orders.Orders/Get m100 call 7 t=0..1ms";
    QTest::newRow("retry") << "Request orders.Orders/Get #2 m100 call 7 t=12ms..13ms";
    QTest::newRow("hedge") << "Request orders.Orders/Get hedge #3 m100 call 7 t=14ms..15ms";
    QTest::newRow("downstream request") << "Request db.Db/Read m101 call 8 t=1ms..2ms";
    QTest::newRow("reply ok") << "Reply OK m104 call 7 t=15ms..16ms";
    QTest::newRow("lost reply") << "Reply UNAVAILABLE m103 call 7 t=3ms lost (loss)";
    QTest::newRow("cancel frame") << "Cancel #3 m100 call 7 t=16ms..17ms";
    QTest::newRow("stream item 0") << "StreamData [0] m111 call 9 t=31ms..32ms";
    QTest::newRow("stream item 1") << "StreamData [1] m112 call 9 t=32ms..33ms";
    QTest::newRow("duplicated item 1") << "StreamData [1] m112 call 9 t=32ms..34ms";
    QTest::newRow("stream item 2") << "StreamData [2] m113 call 9 t=33ms..34ms";
    QTest::newRow("window update") << "WindowUpdate call 9 t=33ms..34ms";
    QTest::newRow("half close") << "HalfClose call 9 t=30ms..31ms";
    QTest::newRow("call") << "call 7 orders.Orders/Get m100 t=0";
    QTest::newRow("downstream call") << "call 8 db.Db/Read m101 (for call 7) t=1ms";
    QTest::newRow("accept") << "accept call 7 (queue 1) t=1ms";
    QTest::newRow("execute") << "execute call 7 t=1ms";
    QTest::newRow("second execution") << "execute call 7 #2 (execution 2) t=13ms";
    QTest::newRow("complete") << "complete call 7: OK after 3 attempts (latency 16ms) t=16ms";
    QTest::newRow("timeout") << "timeout m100 t=10ms";
    QTest::newRow("cancel at the client") << "cancel call 7: deadline t=10ms";
    QTest::newRow("cancel at the server") << "cancel call 7 #3: cancelled t=17ms";
    QTest::newRow("hedge mark") << "hedge #3 call 7 t=14ms";
    QTest::newRow("late reply") << "drop m105: unknown-correlation (late reply to call 7) t=21ms";
    QTest::newRow("breaker") << "breaker open t=22ms";
    QTest::newRow("blocked") << "blocked m120 t=40ms";
    QTest::newRow("unblocked") << "unblocked m120 after 5ms t=45ms";
}

void TestSequenceCalls::labels()
{
    QFETCH(QString, text);
    const SequenceRecorder r = record(sbtest::callTrace());
    const QStringList all = texts(r);
    QVERIFY2(all.contains(text), qPrintable(all.join(QLatin1Char('\n'))));
}

void TestSequenceCalls::mermaidArrows_data()
{
    QTest::addColumn<QString>("line");
    QTest::newRow("request: solid") << "client->>server: Request orders.Orders/Get m100 call 7 t=0..1ms";
    QTest::newRow("reply: dashed") << "server-->>client: Reply OK m104 call 7 t=15ms..16ms";
    QTest::newRow("lost reply: dashed, crossed")
        << "server--xclient: Reply UNAVAILABLE m103 call 7 t=3ms lost (loss)";
    QTest::newRow("retry: escaped #")
        << "client->>server: Request orders.Orders/Get #35;2 m100 call 7 t=12ms..13ms";
    QTest::newRow("stream item") << "server->>client: StreamData [2] m113 call 9 t=33ms..34ms";
    QTest::newRow("client activation") << "activate client";
    QTest::newRow("server activation (downstream call)") << "activate server";
    QTest::newRow("deactivation") << "deactivate client";
}

void TestSequenceCalls::mermaidArrows()
{
    QFETCH(QString, line);
    const QStringList out = lines(sequenceText(record(sbtest::callTrace()), SequenceFormat::Mermaid));
    QVERIFY2(out.contains(QStringLiteral("    ") + line), qPrintable(out.join(QLatin1Char('\n'))));
}

void TestSequenceCalls::plantUmlArrows_data()
{
    QTest::addColumn<QString>("line");
    QTest::newRow("request") << "client ->> server : Request orders.Orders/Get m100 call 7 t=0..1ms";
    QTest::newRow("reply") << "server -->> client : Reply OK m104 call 7 t=15ms..16ms";
    QTest::newRow("lost reply") << "server -->x client : Reply UNAVAILABLE m103 call 7 t=3ms lost (loss)";
    QTest::newRow("hedge")
        << "client ->> server : Request orders.Orders/Get hedge #3 m100 call 7 t=14ms..15ms";
    QTest::newRow("activate") << "activate client";
    QTest::newRow("deactivate") << "deactivate server";
}

void TestSequenceCalls::plantUmlArrows()
{
    QFETCH(QString, line);
    const QStringList out = lines(sequenceText(record(sbtest::callTrace()), SequenceFormat::PlantUml));
    QVERIFY2(out.contains(line), qPrintable(out.join(QLatin1Char('\n'))));
}

void TestSequenceCalls::activationsBalance_data()
{
    QTest::addColumn<qint64>("from");
    QTest::addColumn<qint64>("to");
    QTest::addColumn<quint64>("correlation");
    QTest::addColumn<int>("activations");
    QTest::addColumn<int>("deactivations");
    // Calls 7, 8 and 9: each opened at its Call and closed at its Complete.
    QTest::newRow("whole trace") << qint64(0) << qint64(kNever) << quint64(0) << 3 << 3;
    // From 5 ms the Calls of 7 and 8 are left out: call 7's Complete must not deactivate anything.
    QTest::newRow("from 5ms") << qint64(5 * kMillisecond) << qint64(kNever) << quint64(0) << 1 << 1;
    // Up to 10 ms call 7 never completes: it stays open.
    QTest::newRow("to 10ms") << qint64(0) << qint64(10 * kMillisecond) << quint64(0) << 2 << 1;
    QTest::newRow("call 9 only") << qint64(0) << qint64(kNever) << quint64(9) << 1 << 1;
}

void TestSequenceCalls::activationsBalance()
{
    QFETCH(qint64, from);
    QFETCH(qint64, to);
    QFETCH(quint64, correlation);
    QFETCH(int, activations);
    QFETCH(int, deactivations);
    SequenceOptions o;
    o.from = from;
    o.to = to;
    o.correlationId = correlation;
    const SequenceRecorder r = record(sbtest::callTrace(), o);
    for (SequenceFormat format : {SequenceFormat::Mermaid, SequenceFormat::PlantUml}) {
        const QStringList out = lines(sequenceText(r, format));
        int active = 0, opened = 0, closed = 0;
        for (const QString &l : out) {
            if (l.trimmed().startsWith(QLatin1String("activate "))) {
                ++opened;
                ++active;
            } else if (l.trimmed().startsWith(QLatin1String("deactivate "))) {
                ++closed;
                QVERIFY2(--active >= 0, "a deactivation without an activation before it");
            }
        }
        QCOMPARE(opened, activations);
        QCOMPARE(closed, deactivations);
    }
}

void TestSequenceCalls::hedgeTracedAfterItsRequest()
{
    // A client may trace Hedge after sending the hedged request: the arrow is still a hedge's.
    sbtest::CallTrace t = sbtest::callTrace();
    const auto hedge = std::find_if(t.events.begin(), t.events.end(),
                                    [](const TraceEvent &e) { return e.kind == TraceKind::Hedge; });
    QVERIFY(hedge != t.events.end());
    QCOMPARE((hedge + 1)->frame, FrameType::Request);
    std::iter_swap(hedge, hedge + 1);
    const QStringList all = texts(record(t));
    QVERIFY2(all.contains(QStringLiteral("Request orders.Orders/Get hedge #3 m100 call 7 t=14ms..15ms")),
             qPrintable(all.join(QLatin1Char('\n'))));
    // ... and the retry before it is not.
    QVERIFY(all.contains(QStringLiteral("Request orders.Orders/Get #2 m100 call 7 t=12ms..13ms")));
}

void TestSequenceCalls::methodUnknownWithoutAnnouncement()
{
    const QStringList all = texts(record(sbtest::callTrace(), {}, false));
    QVERIFY(all.contains(QStringLiteral("Request m100 call 7 t=0..1ms")));
    QVERIFY(all.contains(QStringLiteral("call 7 m100 t=0")));
}

void TestSequenceCalls::tracker_data()
{
    QTest::addColumn<int>("event"); // index into the trace
    QTest::addColumn<int>("ordinal");
    const sbtest::CallTrace t = sbtest::callTrace();
    int execution = 0, item = 0;
    for (int i = 0; i < int(t.events.size()); ++i) {
        const TraceEvent &e = t.events[std::size_t(i)];
        if (e.kind == TraceKind::Execute && e.correlationId == 7)
            QTest::addRow("execution %d of call 7", ++execution) << i << execution;
        if (e.kind == TraceKind::Send && e.frame == FrameType::StreamData)
            QTest::addRow("stream frame %d (message %llu)", item++, qulonglong(e.messageId))
                << i << int(e.messageId - 111);
    }
}

void TestSequenceCalls::tracker()
{
    QFETCH(int, event);
    QFETCH(int, ordinal);
    const sbtest::CallTrace t = sbtest::callTrace();
    CallTracker tracker;
    std::uint32_t got = 0;
    for (int i = 0; i <= event; ++i)
        got = tracker.add(t.events[std::size_t(i)]);
    QCOMPARE(int(got), ordinal);
    tracker.clear();
    for (const TraceEvent &e : t.events)
        tracker.add(e);
    QCOMPARE(tracker.parent(8), std::uint64_t(7));
    QCOMPARE(tracker.parent(7), std::uint64_t(0));
    QCOMPARE(tracker.executions(7), 2u);
    QVERIFY(tracker.isHedge(7, 3));
    QVERIFY(!tracker.isHedge(7, 2));
}

void TestSequenceCalls::callArrowText_data()
{
    QTest::addColumn<int>("frame");
    QTest::addColumn<int>("attempt");
    QTest::addColumn<int>("status");
    QTest::addColumn<bool>("hedge");
    QTest::addColumn<QString>("text");
    QTest::newRow("request") << int(FrameType::Request) << 1 << int(kNoStatus) << false << "Request m/X";
    QTest::newRow("retry") << int(FrameType::Request) << 2 << int(kNoStatus) << false << "Request m/X #2";
    QTest::newRow("hedge") << int(FrameType::Request) << 2 << int(kNoStatus) << true
                           << "Request m/X hedge #2";
    QTest::newRow("grpc status") << int(FrameType::Reply) << 1 << 14 << false << "Reply UNAVAILABLE";
    QTest::newRow("deadline") << int(FrameType::Reply) << 1 << 4 << false << "Reply DEADLINE_EXCEEDED";
    QTest::newRow("http status") << int(FrameType::Reply) << 1 << 503 << false
                                 << "Reply 503 Service Unavailable";
    QTest::newRow("reply without status") << int(FrameType::Reply) << 1 << int(kNoStatus) << false << "Reply";
    QTest::newRow("stream") << int(FrameType::StreamData) << 1 << int(kNoStatus) << false << "StreamData [5]";
}

void TestSequenceCalls::callArrowText()
{
    QFETCH(int, frame);
    QFETCH(int, attempt);
    QFETCH(int, status);
    QFETCH(bool, hedge);
    QFETCH(QString, text);
    TraceEvent e;
    e.kind = TraceKind::Send;
    e.frame = FrameType(frame);
    e.deliveryCount = std::uint32_t(attempt);
    e.status = std::uint16_t(status);
    QCOMPARE(QString::fromStdString(sb::callArrowText(e, "m/X", hedge, 5)), text);
}

void TestSequenceCalls::realRun_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<QString>("method");
    QTest::addColumn<qint64>("until");
    QTest::newRow("gRPC retries over a lossy link") << "grpc-retries-idempotency.json"
                                                    << "orders.Orders/Create" << qint64(3 * kSecond);
    QTest::newRow("server streaming") << "grpc-server-streaming.json"
                                      << "feed.Feed/Watch" << qint64(kSecond);
}

// A run of a bundled example through the client and server logic: every Request arrow names the
// method, every reply is dashed, activations balance, and the second executions the notes number
// are exactly the calls the trace shows executed twice or more.
void TestSequenceCalls::realRun()
{
    QFETCH(QString, file);
    QFETCH(QString, method);
    QFETCH(qint64, until);
    const sbtest::ExampleTrace trace = sbtest::runExample(file.toStdString(), until, 3);
    std::vector<std::string> nodes, links;
    for (const QString &id : trace.nodeIds)
        nodes.push_back(id.toStdString());
    for (const QString &id : trace.linkIds)
        links.push_back(id.toStdString());
    SequenceOptions o;
    o.maxArrows = 1'000'000;
    SequenceRecorder r(nodes, links, o);
    // The catalog kept what each message carried: announce the requests to the recorder as the
    // engine would have, before their events.
    std::set<std::uint64_t> announced;
    std::map<std::uint64_t, int> executions;
    std::size_t calls = 0, requests = 0, replies = 0;
    for (const TraceEvent &e : trace.events) {
        if (e.messageId && !announced.count(e.messageId)) {
            announced.insert(e.messageId);
            if (const auto info = trace.catalog->find(e.messageId)) {
                Message m;
                m.id = info->id;
                m.correlationId = info->correlationId;
                m.routingKey = info->routingKey;
                r.onMessage(m);
            }
        }
        r.onEvent(e);
        calls += e.kind == TraceKind::Call;
        executions[e.correlationId] += e.kind == TraceKind::Execute;
        requests += e.kind == TraceKind::Send && e.frame == FrameType::Request;
        replies += e.kind == TraceKind::Send && e.frame == FrameType::Reply;
    }
    r.finish(trace.events.back().time);
    QVERIFY(calls >= 2);
    QVERIFY(!r.truncated());
    const QStringList out = lines(sequenceText(r, SequenceFormat::Mermaid));
    std::size_t requestArrows = 0, replyArrows = 0, activations = 0, secondExecutions = 0;
    static const QRegularExpression arrow(
        QStringLiteral(R"(^\s+\w+(-->>|--x|--\)|->>|-x|-\))\w+: (\S+) (\S+))"));
    for (const QString &l : out) {
        activations += l.trimmed().startsWith(QLatin1String("activate "));
        secondExecutions += l.contains(QLatin1String("(execution 2)"));
        const QRegularExpressionMatch m = arrow.match(l);
        if (!m.hasMatch()) continue;
        const QString head = m.captured(1), frame = m.captured(2);
        const bool dashed = head.startsWith(QLatin1String("--"));
        if (frame == QLatin1String("Request")) {
            QVERIFY2(!dashed, qPrintable(l));
            QVERIFY2(m.captured(3) == method, qPrintable(l));
            requestArrows += head != QLatin1String("-x"); // sent (a lost one is a Drop, not a Send)
        } else if (frame == QLatin1String("Reply")) {
            QVERIFY2(dashed, qPrintable(l));
            replyArrows += head != QLatin1String("--x");
        } else {
            QVERIFY2(!dashed, qPrintable(l));
        }
    }
    QCOMPARE(requestArrows, requests);
    QCOMPARE(replyArrows, replies);
    QCOMPARE(activations, calls);
    std::size_t twice = 0;
    for (const auto &[call, n] : executions)
        twice += call && n >= 2;
    QCOMPARE(secondExecutions, twice);
}

QTEST_GUILESS_MAIN(TestSequenceCalls)
#include "tst_sequencecalls.moc"
