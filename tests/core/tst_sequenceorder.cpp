// Sequence orderings (core/sequenceorder.h): Lamport and vector clocks of hand-made traces, the
// placement of each mode, local-timestamp contradictions under skewed, drifting and jumping
// clocks, and how the Mermaid, PlantUML and ShiViz writers follow the chosen mode, with fault and
// clock-step notes over their targets.
#include "sequence.h"
#include "sequenceorder.h"

#include <QtTest>

#include <set>
#include <sstream>

using namespace sb;

namespace {

constexpr NodeIndex A = 0, B = 1, C = 2;
const std::vector<std::string> kNames = {"a", "b", "c"};

TraceEvent send(double ms, NodeIndex from, NodeIndex to, double arriveMs, std::uint64_t id = 1,
                LinkIndex link = 0)
{
    TraceEvent e;
    e.kind = TraceKind::Send;
    e.time = fromMilliseconds(ms);
    e.aux = fromMilliseconds(arriveMs);
    e.node = from;
    e.peer = to;
    e.link = link;
    e.messageId = id;
    return e;
}

TraceEvent local(double ms, NodeIndex node, TraceKind kind = TraceKind::Process, std::uint64_t id = 1)
{
    TraceEvent e;
    e.kind = kind;
    e.time = fromMilliseconds(ms);
    e.node = node;
    e.messageId = id;
    return e;
}

// "a L1 {a:1}" per step, receives marked "r".
QStringList describe(const std::vector<CausalStep> &steps)
{
    QStringList out;
    for (const auto &s : steps)
        out << QStringLiteral("%1%2 L%3 %4")
                   .arg(QString::fromStdString(kNames[s.node]), s.receive ? QStringLiteral(" r") : QString())
                   .arg(s.lamport)
                   .arg(QString::fromStdString(vectorClockText(s.vector, kNames)));
    return out;
}

std::vector<TraceEvent> requestReply()
{
    return {send(1, A, B, 2), local(2, B), send(3, B, A, 4, 1, 1), local(4, A)};
}

NodeClock clock(const Json &j)
{
    return NodeClock::fromJson(j);
}

} // namespace

class TestSequenceOrder : public QObject {
    Q_OBJECT
private slots:
    void names();
    void clocks_data();
    void clocks();
    void placement_data();
    void placement();
    void vectorOrderRespectsHappensBefore();
    void droppedOnArrivalIsNotReceived();
    void localContradictions_data();
    void localContradictions();
    void exportsFollowMode_data();
    void exportsFollowMode();
    void faultNotes();
    void shivizStampsAndClocks();
};

void TestSequenceOrder::names()
{
    for (int i = 0; i < kSequenceOrderCount; ++i) {
        SequenceOrder o;
        QVERIFY(sequenceOrderFromName(sequenceOrderName(SequenceOrder(i)), o));
        QCOMPARE(int(o), i);
    }
    SequenceOrder o = SequenceOrder::Lamport;
    QVERIFY(!sequenceOrderFromName("wall", o));
    QCOMPARE(o, SequenceOrder::Lamport);
}

void TestSequenceOrder::clocks_data()
{
    QTest::addColumn<std::vector<TraceEvent>>("events");
    QTest::addColumn<QStringList>("expected");
    QTest::newRow("request-reply") << requestReply()
                                   << QStringList{"a L1 {a:1}",      "b r L2 {a:1, b:1}", "b L3 {a:1, b:2}",
                                                  "b L4 {a:1, b:3}", "a r L5 {a:2, b:3}", "a L6 {a:3, b:3}"};
    // c's events are concurrent with a's send; b's receive takes max(own, sender's) + 1.
    QTest::newRow("concurrent") << std::vector<TraceEvent>{send(1, A, B, 5), local(2, C), local(3, C),
                                                           local(4, C), local(6, B)}
                                << QStringList{"a L1 {a:1}", "c L1 {c:1}",        "c L2 {c:2}",
                                               "c L3 {c:3}", "b r L2 {a:1, b:1}", "b L3 {a:1, b:2}"};
    // A receiver ahead in Lamport time keeps its own count: max(3, 1) + 1.
    QTest::newRow("receiver ahead") << std::vector<TraceEvent>{local(1, B), local(2, B), local(3, B),
                                                               send(4, A, B, 5), local(6, B)}
                                    << QStringList{"b L1 {b:1}", "b L2 {b:2}",        "b L3 {b:3}",
                                                   "a L1 {a:1}", "b r L4 {a:1, b:4}", "b L5 {a:1, b:5}"};
    // A frame due at the same instant as an event at its peer is received before it.
    QTest::newRow("same instant") << std::vector<TraceEvent>{send(1, A, B, 2), local(2, B)}
                                  << QStringList{"a L1 {a:1}", "b r L2 {a:1, b:1}", "b L3 {a:1, b:2}"};
    // A timer at the peer at the arrival instant is not a reaction to it: the receive comes after.
    QTest::newRow("timer first") << std::vector<TraceEvent>{send(1, A, B, 2), local(2, B, TraceKind::Timeout),
                                                            local(3, B)}
                                 << QStringList{"a L1 {a:1}", "b L1 {b:1}", "b r L2 {a:1, b:2}",
                                                "b L3 {a:1, b:3}"};
    // Still in flight when the trace ends at 3 ms: no receive.
    QTest::newRow("in flight") << std::vector<TraceEvent>{send(1, A, B, 9), local(3, C)}
                               << QStringList{"a L1 {a:1}", "c L1 {c:1}"};
}

void TestSequenceOrder::clocks()
{
    QFETCH(std::vector<TraceEvent>, events);
    QFETCH(QStringList, expected);
    QCOMPARE(describe(causalSteps(events, 3)), expected);
}

void TestSequenceOrder::placement_data()
{
    QTest::addColumn<int>("order");
    QTest::addColumn<QList<double>>("expectedMs");
    // Steps of request-reply with b's clock 50 ms behind: a send, b receive, b process, b send,
    // a receive, a process.
    QTest::newRow("true") << int(SequenceOrder::True) << QList<double>{1, 2, 2, 3, 4, 4};
    QTest::newRow("local") << int(SequenceOrder::Local) << QList<double>{1, -48, -48, -47, 4, 4};
    QTest::newRow("lamport") << int(SequenceOrder::Lamport) << QList<double>{1, 2, 3, 4, 5, 6};
    QTest::newRow("vector") << int(SequenceOrder::Vector) << QList<double>{1, 2, 3, 4, 5, 6};
}

void TestSequenceOrder::placement()
{
    QFETCH(int, order);
    QFETCH(QList<double>, expectedMs);
    const auto steps = causalSteps(requestReply(), 3, {NodeClock(), clock({{"offset", -50}})});
    const auto at = placeSteps(steps, SequenceOrder(order));
    QList<double> ms;
    for (SimTime t : at)
        ms << toMilliseconds(t);
    QCOMPARE(ms, expectedMs);
}

void TestSequenceOrder::vectorOrderRespectsHappensBefore()
{
    // A fan of sends and concurrent local work: every step placed after all its causal predecessors,
    // each on its own row.
    std::vector<TraceEvent> events = {send(1, A, B, 3), local(1.5, C),        send(2, C, B, 2.5, 2, 1),
                                      local(2.5, B),    local(3, B),          send(4, B, A, 6, 3, 2),
                                      local(5, C),      send(5.5, C, A, 5.8), local(6, A)};
    const auto steps = causalSteps(events, 3);
    const auto at = placeSteps(steps, SequenceOrder::Vector);
    const auto lamport = placeSteps(steps, SequenceOrder::Lamport);
    std::set<SimTime> rows(at.begin(), at.end());
    QCOMPARE(rows.size(), steps.size());
    bool sharedLamportRow = false;
    for (std::size_t i = 0; i < steps.size(); ++i)
        for (std::size_t j = 0; j < steps.size(); ++j) {
            bool before = i != j; // steps[i] happened before steps[j]: vector <= and not equal
            for (std::size_t k = 0; k < 3 && before; ++k)
                before = steps[i].vector[k] <= steps[j].vector[k];
            if (before) {
                QVERIFY2(at[i] < at[j],
                         qPrintable(QStringLiteral("vector: step %1 before %2").arg(i).arg(j)));
                QVERIFY2(lamport[i] < lamport[j],
                         qPrintable(QStringLiteral("lamport: %1 before %2").arg(i).arg(j)));
            }
            if (i != j && lamport[i] == lamport[j]) sharedLamportRow = true;
        }
    QVERIFY(sharedLamportRow); // concurrent steps share Lamport rows, never vector rows

    // Without the vectors kept (a long history of many nodes) the sums place the same.
    CausalClocks lean(3);
    lean.setKeepVectors(false);
    std::vector<CausalStep> sums;
    for (std::size_t i = 0; i < events.size(); ++i)
        lean.add(events[i], i, sums);
    lean.finish(events.back().time, sums);
    QCOMPARE(sums.size(), steps.size());
    for (std::size_t i = 0; i < sums.size(); ++i) {
        QVERIFY(sums[i].vector.empty());
        QCOMPARE(sums[i].vectorSum,
                 std::uint64_t(steps[i].vector[0] + steps[i].vector[1] + steps[i].vector[2]));
    }
    QCOMPARE(placeSteps(sums, SequenceOrder::Vector), at);
}

void TestSequenceOrder::droppedOnArrivalIsNotReceived()
{
    TraceEvent drop = send(1, A, B, 2);
    drop.kind = TraceKind::Drop;
    drop.reason = DropReason::Partition;
    drop.time = drop.aux;
    const auto steps = causalSteps({send(1, A, B, 2), drop, local(3, B)}, 3);
    // a's send, a's drop (traced at the sender), b's process: no receive, b knows nothing of a.
    QCOMPARE(describe(steps), (QStringList{"a L1 {a:1}", "a L2 {a:2}", "b L1 {b:1}"}));
}

void TestSequenceOrder::localContradictions_data()
{
    QTest::addColumn<Json>("clockA");
    QTest::addColumn<Json>("clockB");
    QTest::addColumn<QList<bool>>("contradicts"); // per receive: b's of the request, a's of the reply
    QTest::newRow("exact") << Json::object() << Json::object() << QList<bool>{false, false};
    QTest::newRow("b behind 50ms") << Json::object() << Json{{"offset", -50}} << QList<bool>{true, false};
    QTest::newRow("b ahead 50ms") << Json::object() << Json{{"offset", 50}} << QList<bool>{false, true};
    QTest::newRow("both behind alike")
        << Json{{"offset", -50}} << Json{{"offset", -50}} << QList<bool>{false, false};
    QTest::newRow("b behind less than the flight")
        << Json::object() << Json{{"offset", -0.5}} << QList<bool>{false, false};
    // b steps back 30 ms at 1.5 ms, between the request's send (1 ms) and its arrival (2 ms).
    QTest::newRow("b jumps back") << Json::object()
                                  << Json{{"jumps", Json::array({{{"at", "1.5ms"}, {"by", -30}}})}}
                                  << QList<bool>{true, false};
    // 10% slow: at 2 ms b reads 1.8 ms, after the 1 ms send; the reply is sent at 2.7 ms b-time.
    QTest::newRow("b drifts slow") << Json::object() << Json{{"drift", -100000}} << QList<bool>{false, false};
}

void TestSequenceOrder::localContradictions()
{
    QFETCH(Json, clockA);
    QFETCH(Json, clockB);
    QFETCH(QList<bool>, contradicts);
    const auto steps = causalSteps(requestReply(), 3, {clock(clockA), clock(clockB)});
    QList<bool> got;
    for (const auto &s : steps) {
        if (!s.receive) {
            QVERIFY(!s.contradicts);
            continue;
        }
        got << s.contradicts;
        QCOMPARE(s.contradicts, s.local < s.sendLocal);
    }
    QCOMPARE(got, contradicts);
    // In local order a contradicting receive is placed above its send.
    const auto at = placeSteps(steps, SequenceOrder::Local);
    QCOMPARE(at[1] < at[0], contradicts[0]);
    QCOMPARE(at[4] < at[3], contradicts[1]);
}

void TestSequenceOrder::exportsFollowMode_data()
{
    QTest::addColumn<int>("order");
    QTest::addColumn<int>("format");
    QTest::addColumn<QStringList>("expected"); // the lines after the participants, in order
    const QString warn = QStringLiteral(" [local clocks: received before sent]");
    // a's processing of the reply comes last in every mode.
    const QString mermaidLast = QStringLiteral("    Note over a: processed m1 (latency 0) t=4ms");
    const QString pumlLast = QStringLiteral("note over a : processed m1 (latency 0) t=4ms");
    QTest::newRow("mermaid true") << int(SequenceOrder::True) << int(SequenceFormat::Mermaid)
                                  << QStringList{"    a->>b: publish m1 t=1ms..2ms" + warn,
                                                 "    Note over b: processed m1 (latency 0) t=2ms",
                                                 "    b->>a: publish m1 t=3ms..4ms", mermaidLast};
    // b's clock is 50 ms behind: by local timestamps the reply is sent before the request.
    QTest::newRow("mermaid local") << int(SequenceOrder::Local) << int(SequenceFormat::Mermaid)
                                   << QStringList{"    Note over b: processed m1 (latency 0) t=2ms",
                                                  "    b->>a: publish m1 t=3ms..4ms local=-47ms..4ms",
                                                  "    a->>b: publish m1 t=1ms..2ms local=1ms..-48ms" + warn,
                                                  mermaidLast};
    QTest::newRow("mermaid lamport") << int(SequenceOrder::Lamport) << int(SequenceFormat::Mermaid)
                                     << QStringList{"    a->>b: publish m1 t=1ms..2ms L=1..2" + warn,
                                                    "    Note over b: processed m1 (latency 0) t=2ms",
                                                    "    b->>a: publish m1 t=3ms..4ms L=4..5", mermaidLast};
    QTest::newRow("plantuml local") << int(SequenceOrder::Local) << int(SequenceFormat::PlantUml)
                                    << QStringList{"note over b : processed m1 (latency 0) t=2ms",
                                                   "b -> a : publish m1 t=3ms..4ms local=-47ms..4ms",
                                                   "a -> b : publish m1 t=1ms..2ms local=1ms..-48ms" + warn,
                                                   pumlLast, "@enduml"};
    QTest::newRow("plantuml vector") << int(SequenceOrder::Vector) << int(SequenceFormat::PlantUml)
                                     << QStringList{"a -> b : publish m1 t=1ms..2ms VC={a:1}" + warn,
                                                    "note over b : processed m1 (latency 0) t=2ms",
                                                    "b -> a : publish m1 t=3ms..4ms VC={a:1, b:3}", pumlLast,
                                                    "@enduml"};
}

void TestSequenceOrder::exportsFollowMode()
{
    QFETCH(int, order);
    QFETCH(int, format);
    QFETCH(QStringList, expected);
    SequenceOptions o;
    o.order = SequenceOrder(order);
    SequenceRecorder r({"a", "b"}, {"ab", "ba"}, o);
    r.setClocks({NodeClock(), clock({{"offset", -50}})});
    for (const auto &e : requestReply())
        r.onEvent(e);
    r.finish(fromMilliseconds(4));
    QStringList lines = QString::fromStdString(sequenceText(r, SequenceFormat(format))).split('\n');
    lines.removeAll(QString());
    while (!lines.isEmpty() && (lines.first().contains("participant") || lines.first().startsWith("@start") ||
                                lines.first() == "sequenceDiagram"))
        lines.removeFirst();
    QCOMPARE(lines.join(QLatin1Char('\n')), expected.join(QLatin1Char('\n')));
}

void TestSequenceOrder::faultNotes()
{
    SequenceRecorder r({"a", "b", "c"}, {"ab"});
    r.setLinkEnds({{A, B}});
    r.setFaultNames([](std::uint64_t i) {
        return i == 0 ? "cut (link-down)" : i == 1 ? "split (partition-halves)" : "";
    });
    TraceEvent linkFault = local(1, kNoIndex, TraceKind::FaultStart, 0);
    linkFault.link = 0;
    TraceEvent linkEnd = linkFault;
    linkEnd.kind = TraceKind::FaultEnd;
    linkEnd.time = fromMilliseconds(3);
    TraceEvent group = local(2, kNoIndex, TraceKind::FaultStart, 0);
    group.aux = 1;
    TraceEvent nodeFault = local(2.5, C, TraceKind::FaultStart, 0);
    nodeFault.aux = 7; // no name known
    TraceEvent jump = local(4, B, TraceKind::ClockJump, 0);
    jump.aux = -30 * kMillisecond;
    for (const auto &e : {linkFault, group, nodeFault, linkEnd, jump})
        r.onEvent(e);
    r.finish(fromMilliseconds(4));
    const QString mermaid = QString::fromStdString(sequenceText(r, SequenceFormat::Mermaid));
    QVERIFY2(mermaid.contains("Note over a,b: fault cut (link-down) starts t=1ms\n"), qPrintable(mermaid));
    QVERIFY2(mermaid.contains("Note over a,c: fault split (partition-halves) starts t=2ms\n"),
             qPrintable(mermaid));
    QVERIFY2(mermaid.contains("Note over c: fault 7 starts t=2.5ms\n"), qPrintable(mermaid));
    QVERIFY2(mermaid.contains("Note over a,b: fault cut (link-down) ends t=3ms\n"), qPrintable(mermaid));
    QVERIFY2(mermaid.contains("Note over b: clock steps -30ms t=4ms\n"), qPrintable(mermaid));
    const QString puml = QString::fromStdString(sequenceText(r, SequenceFormat::PlantUml));
    QVERIFY2(puml.contains("note over a, b : fault cut (link-down) starts t=1ms\n"), qPrintable(puml));
    QVERIFY2(puml.contains("note over a, c : fault split (partition-halves) starts t=2ms\n"),
             qPrintable(puml));
    const QString shiviz = QString::fromStdString(sequenceText(r, SequenceFormat::ShiViz));
    QVERIFY2(shiviz.contains("fault cut (link-down) starts t=1ms\na {\"a\":1}\n"), qPrintable(shiviz));
    QVERIFY2(shiviz.contains("clock steps -30ms t=4ms\nb {\"b\":1}\n"), qPrintable(shiviz));
}

void TestSequenceOrder::shivizStampsAndClocks()
{
    // ShiViz keeps causal order and true vector clocks in every mode; the mode stamps the text.
    for (SequenceOrder order : {SequenceOrder::True, SequenceOrder::Local, SequenceOrder::Lamport}) {
        SequenceOptions o;
        o.order = order;
        SequenceRecorder r({"a", "b"}, {"ab", "ba"}, o);
        r.setClocks({NodeClock(), clock({{"offset", -50}})});
        for (const auto &e : requestReply())
            r.onEvent(e);
        r.finish(fromMilliseconds(4));
        QStringList lines = QString::fromStdString(sequenceText(r, SequenceFormat::ShiViz)).split('\n');
        QCOMPARE(lines.value(3), QStringLiteral("a {\"a\":1}"));
        QCOMPARE(lines.value(5), QStringLiteral("b {\"a\":1, \"b\":1}"));
        QCOMPARE(lines.value(11), QStringLiteral("a {\"a\":2, \"b\":3}"));
        const QString receive = lines.value(4);
        QVERIFY2(receive.startsWith("receive publish m1 from a t=2ms"), qPrintable(receive));
        QVERIFY(receive.endsWith("[local clocks: received before sent]"));
        QCOMPARE(receive.contains(" local=-48ms"), order == SequenceOrder::Local);
        QCOMPARE(receive.contains(" L=2"), order == SequenceOrder::Lamport);
    }
}

QTEST_GUILESS_MAIN(TestSequenceOrder)
#include "tst_sequenceorder.moc"
