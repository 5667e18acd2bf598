// Sequence-diagram exports (core/sequence.h): golden files of Mermaid, PlantUML and ShiViz output
// on deterministic runs, the filters and the arrow cap, Mermaid-safe names, and the vector-clock
// invariants of the ShiViz log.
//
// Goldens live in tests/data/sequence/. After an intended change of the output, regenerate them
// with SIGNALBOX_UPDATE_GOLDEN=1 (e.g. `SIGNALBOX_UPDATE_GOLDEN=1 ctest -R tst_sequence`) and
// review the diff.
#include "../engine/enginetest.h"
#include "nodelabels.h"
#include "sequence.h"
#include "testfiles.h"

#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>

#include <map>
#include <set>
#include <sstream>

using namespace sb;
using namespace sbtest;

namespace {

// A confirmed producer with correlation ids, a direct exchange, a queue and a consumer that fails
// some messages; the exchange -> queue link loses frames, so there are lost arrows and retries.
Topology journeyTopology()
{
    Json script = Json::array();
    for (int i = 0; i < 6; ++i)
        script.push_back({{"at", 2.0 * i}, {"routingKey", "k"}, {"correlationId", 100 + i % 2}});
    return TopologyBuilder()
        .node("end", "producer",
              {{"script", script}, {"sendMode", "confirmed"}, {"confirmTimeout", 20}, {"retryBackoff", 5}})
        .node("loop", "exchange")
        .node("opt", "queue", {{"ackTimeout", 50}})
        .node("worker", "consumer", {{"processing", "3ms"}})
        .link("end", "loop", {{"latency", "1ms"}})
        .link("loop", "opt", {{"latency", "2ms"}, {"loss", 0.3}})
        .link("opt", "worker", {{"latency", "1ms"}})
        .bind("loop", "opt", "k")
        .seed(7)
        .topology();
}

Topology exampleTopology(const char *name)
{
    auto loaded = loadTopologyFile(std::string(SIGNALBOX_EXAMPLES_DIR "/") + name);
    if (!loaded.ok()) qFatal("cannot load example %s", name);
    return *loaded.topology;
}

struct Recorded {
    std::unique_ptr<Run> run;
    std::vector<std::string> nodes, links;
};

Recorded runTopology(const Topology &t, SimTime until)
{
    Recorded r;
    r.run = sbtest::run(t, until);
    if (!r.run) qFatal("build failed");
    r.nodes = r.run->sim->nodeIds();
    r.links = r.run->sim->linkIds();
    return r;
}

SequenceRecorder record(const Recorded &r, SequenceOptions o = {})
{
    SequenceRecorder s(r.nodes, r.links, o);
    for (const auto &e : r.run->trace.events)
        s.onEvent(e);
    s.finish(r.run->sim->now());
    return s;
}

QString goldenPath(const QString &name)
{
    return QDir(QStringLiteral(SIGNALBOX_TEST_DATA_DIR "/sequence")).filePath(name);
}

QStringList textLines(const std::string &text)
{
    QStringList l = QString::fromStdString(text).split(QLatin1Char('\n'));
    if (!l.isEmpty() && l.last().isEmpty()) l.removeLast();
    return l;
}

std::size_t arrowsIn(const std::vector<TraceEvent> &events, const SequenceOptions &o)
{
    std::size_t n = 0;
    for (const auto &e : events)
        n += (e.kind == TraceKind::Send || (e.kind == TraceKind::Drop && e.link != kNoIndex)) &&
             e.time >= o.from && e.time <= o.to;
    return n;
}

TraceEvent sendEvent(SimTime t, NodeIndex from, NodeIndex to, std::uint64_t id,
                     FrameType frame = FrameType::Publish)
{
    TraceEvent e;
    e.time = t;
    e.kind = TraceKind::Send;
    e.node = from;
    e.peer = to;
    e.link = 0;
    e.messageId = id;
    e.frame = frame;
    e.aux = t + kMillisecond;
    return e;
}

} // namespace

class TestSequence : public QObject {
    Q_OBJECT
private slots:
    void golden_data();
    void golden();
    void deterministic();
    void mermaidNames_data();
    void mermaidNames();
    void plantUmlNames();
    void participantNamesAreUnique();
    void namesAreLabels();
    void nodeLabels_data();
    void nodeLabels();
    void truncation_data();
    void truncation();
    void timeRange_data();
    void timeRange();
    void correlationFilter_data();
    void correlationFilter();
    void hideAcks();
    void lostArrows();
    void lostAtArrivalAfterPeerEvent();
    void inFlight();
    void shivizClocks_data();
    void shivizClocks();
    void formatForPath_data();
    void formatForPath();
};

void TestSequence::golden_data()
{
    QTest::addColumn<QString>("topology");
    QTest::addColumn<int>("format");
    QTest::addColumn<QString>("file");
    const struct {
        const char *name, *ext;
        SequenceFormat format;
    } formats[] = {{"mermaid", "mmd", SequenceFormat::Mermaid},
                   {"plantuml", "puml", SequenceFormat::PlantUml},
                   {"shiviz", "shiviz", SequenceFormat::ShiViz}};
    for (const char *topology : {"work-queue", "journey"})
        for (const auto &f : formats)
            QTest::newRow(
                qPrintable(QStringLiteral("%1 %2").arg(QLatin1String(topology), QLatin1String(f.name))))
                << QString::fromLatin1(topology) << static_cast<int>(f.format)
                << QStringLiteral("%1.%2").arg(QLatin1String(topology), QLatin1String(f.ext));
}

void TestSequence::golden()
{
    QFETCH(QString, topology);
    QFETCH(int, format);
    QFETCH(QString, file);
    const Topology t =
        topology == QLatin1String("work-queue") ? exampleTopology("work-queue.json") : journeyTopology();
    const Recorded r =
        runTopology(t, topology == QLatin1String("work-queue") ? 60 * kMillisecond : 200 * kMillisecond);
    SequenceOptions o;
    o.maxArrows = 60;
    auto s = record(r, o);
    s.setNodeLabels(sb::nodeLabels(t)); // as the CLI and the window write them: nodes by name
    const QByteArray text = QByteArray::fromStdString(sequenceText(s, static_cast<SequenceFormat>(format)));
    const QString path = goldenPath(file);
    if (qEnvironmentVariableIntValue("SIGNALBOX_UPDATE_GOLDEN") == 1) {
        QDir().mkpath(QFileInfo(path).path());
        QFile f(path);
        QVERIFY2(f.open(QIODevice::WriteOnly | QIODevice::Truncate), qPrintable(path));
        f.write(text);
        qInfo("updated %s", qPrintable(path));
        return;
    }
    const QByteArray expected = readAll(path);
    QVERIFY2(!expected.isEmpty(),
             qPrintable(path + QStringLiteral(" is missing: run with SIGNALBOX_UPDATE_GOLDEN=1")));
    if (text != expected) {
        const QList<QByteArray> got = text.split('\n'), want = expected.split('\n');
        for (qsizetype i = 0; i < std::max(got.size(), want.size()); ++i)
            if (got.value(i) != want.value(i))
                QFAIL(
                    qPrintable(QStringLiteral("%1 differs at line %2:\n  got:      %3\n  expected: %4\n"
                                              "(after an intended change: SIGNALBOX_UPDATE_GOLDEN=1)")
                                   .arg(path)
                                   .arg(i + 1)
                                   .arg(QString::fromUtf8(got.value(i)), QString::fromUtf8(want.value(i)))));
    }
}

void TestSequence::deterministic()
{
    std::string texts[2];
    for (auto &t : texts) {
        const Recorded r = runTopology(journeyTopology(), 200 * kMillisecond);
        const auto s = record(r);
        t = sequenceText(s, SequenceFormat::Mermaid) + sequenceText(s, SequenceFormat::PlantUml) +
            sequenceText(s, SequenceFormat::ShiViz);
    }
    QVERIFY(!texts[0].empty());
    QVERIFY(texts[0] == texts[1]);
}

void TestSequence::mermaidNames_data()
{
    QTest::addColumn<QString>("id");
    QTest::addColumn<QString>("participant"); // what the arrows say
    QTest::addColumn<QString>("shown");       // the display text after `as`
    QTest::newRow("plain id") << "tasks"
                              << "tasks"
                              << "tasks";
    QTest::newRow("end") << "end"
                         << "n_end"
                         << "end";
    QTest::newRow("loop") << "loop"
                          << "n_loop"
                          << "loop";
    QTest::newRow("opt") << "opt"
                         << "n_opt"
                         << "opt";
    QTest::newRow("keyword in capitals") << "End"
                                         << "n_End"
                                         << "End";
    QTest::newRow("plantuml's queue") << "queue"
                                      << "n_queue"
                                      << "queue";
    QTest::newRow("leading digit") << "7up"
                                   << "n_7up"
                                   << "7up";
    QTest::newRow("spaces") << "my queue"
                            << "my_queue"
                            << "my queue";
    QTest::newRow("dashes and dots") << "worker-1.eu:a"
                                     << "worker_1_eu_a"
                                     << "worker-1.eu:a";
    QTest::newRow("semicolon and hash") << "a;b#c"
                                        << "a_b_c"
                                        << "a#59;b#35;c";
    QTest::newRow("arrow-like") << "x->>y"
                                << "x___y"
                                << "x-#gt;#gt;y";
    QTest::newRow("newline") << "two\nlines"
                             << "two_lines"
                             << "two lines";
}

void TestSequence::mermaidNames()
{
    QFETCH(QString, id);
    QFETCH(QString, participant);
    QFETCH(QString, shown);
    SequenceRecorder s({"source", id.toStdString()}, {"l0"});
    s.onEvent(sendEvent(0, 0, 1, 1));
    s.onEvent(sendEvent(kMillisecond, 1, 0, 1, FrameType::Confirm));
    s.finish(10 * kMillisecond);
    std::ostringstream out;
    writeMermaid(s, out);
    const QStringList lines = textLines(out.str());
    QCOMPARE(lines.value(0), QStringLiteral("sequenceDiagram"));
    QCOMPARE(lines.value(1), QStringLiteral("    participant source as source"));
    QCOMPARE(lines.value(2), QStringLiteral("    participant %1 as %2").arg(participant, shown));
    // Arrows name participants only by their participant names.
    QCOMPARE(lines.value(3), QStringLiteral("    source->>%1: publish m1 t=0..1ms").arg(participant));
    QCOMPARE(lines.value(4), QStringLiteral("    %1->>source: confirm m1 t=1ms..2ms").arg(participant));
    QCOMPARE(lines.size(), 5);
}

void TestSequence::plantUmlNames()
{
    SequenceRecorder s({"end", "my queue"}, {"l0"});
    s.onEvent(sendEvent(0, 0, 1, 1));
    s.finish(10 * kMillisecond);
    std::ostringstream out;
    writePlantUml(s, out);
    QCOMPARE(QString::fromStdString(out.str()), QStringLiteral("@startuml\n"
                                                               "participant \"end\" as n_end\n"
                                                               "participant \"my queue\" as my_queue\n"
                                                               "n_end -> my_queue : publish m1 t=0..1ms\n"
                                                               "@enduml\n"));
}

// Ids that become the same word stay apart.
void TestSequence::participantNamesAreUnique()
{
    const auto names = sequenceParticipantNames({"a-b", "a.b", "a_b", "a_b_2x", "n_end", "end"});
    QCOMPARE(names, (std::vector<std::string>{"a_b", "a_b_2", "a_b_3", "a_b_2x", "n_end", "n_end_2"}));
}

// Issue 9, usability 1: participants keep the ids, the labels show the names; ShiViz hosts stay
// ids (a host is one word there).
void TestSequence::namesAreLabels()
{
    SequenceRecorder s({"producer", "q"}, {"l0"});
    s.setNodeLabels({"Task producer", "jobs"});
    s.onEvent(sendEvent(0, 0, 1, 1));
    s.finish(10 * kMillisecond);
    QCOMPARE(QString::fromStdString(sequenceText(s, SequenceFormat::Mermaid)),
             QStringLiteral("sequenceDiagram\n"
                            "    participant producer as Task producer\n"
                            "    participant q as jobs\n"
                            "    producer->>q: publish m1 t=0..1ms\n"));
    QCOMPARE(QString::fromStdString(sequenceText(s, SequenceFormat::PlantUml)),
             QStringLiteral("@startuml\n"
                            "participant \"Task producer\" as producer\n"
                            "participant \"jobs\" as q\n"
                            "producer -> q : publish m1 t=0..1ms\n"
                            "@enduml\n"));
    const std::string shiviz = sequenceText(s, SequenceFormat::ShiViz);
    QVERIFY2(shiviz.find("send publish m1 t=0..1ms to q\nproducer {\"producer\":1}\n") != std::string::npos,
             shiviz.c_str());
    QVERIFY(shiviz.find("jobs") == std::string::npos);
}

void TestSequence::nodeLabels_data()
{
    QTest::addColumn<QStringList>("ids");
    QTest::addColumn<QStringList>("names");
    QTest::addColumn<QStringList>("labels");
    QTest::newRow("names") << QStringList{"p", "q"} << QStringList{"Producer", "jobs"}
                           << QStringList{"Producer", "jobs"};
    QTest::newRow("empty name: the id")
        << QStringList{"p", "q"} << QStringList{"", "jobs"} << QStringList{"p", "jobs"};
    QTest::newRow("shared name") << QStringList{"q1", "q2", "c"}
                                 << QStringList{"inventory", "inventory", "Consumer"}
                                 << QStringList{"inventory (q1)", "inventory (q2)", "Consumer"};
    QTest::newRow("a name that is another's id")
        << QStringList{"inventory", "q"} << QStringList{"", "inventory"}
        << QStringList{"inventory", "inventory (q)"};
}

void TestSequence::nodeLabels()
{
    QFETCH(QStringList, ids);
    QFETCH(QStringList, names);
    QFETCH(QStringList, labels);
    std::vector<std::string> i, n;
    for (const QString &id : ids)
        i.push_back(id.toStdString());
    for (const QString &name : names)
        n.push_back(name.toStdString());
    QStringList got;
    for (const std::string &label : sb::nodeLabels(i, n))
        got << QString::fromStdString(label);
    QCOMPARE(got, labels);
}

void TestSequence::truncation_data()
{
    QTest::addColumn<int>("cap");
    QTest::newRow("1") << 1;
    QTest::newRow("10") << 10;
    QTest::newRow("one below all") << -1;
    QTest::newRow("exactly all") << 0;
    QTest::newRow("above all") << 1000;
}

void TestSequence::truncation()
{
    QFETCH(int, cap);
    const Recorded r = runTopology(journeyTopology(), 200 * kMillisecond);
    const std::size_t total = arrowsIn(r.run->trace.events, {});
    QVERIFY(total > 12);
    SequenceOptions o;
    o.maxArrows = cap > 0 ? std::size_t(cap) : total + cap;
    const auto s = record(r, o);
    const std::size_t shown = std::min(o.maxArrows, total);
    QCOMPARE(s.arrows(), shown);
    QCOMPARE(s.omittedArrows(), total - shown);
    // Bounded: what is kept is at most the arrows, their receives and the notes between them.
    QVERIFY(s.items().size() <= 2 * shown + 4 * o.maxArrows);

    const std::string mermaid = sequenceText(s, SequenceFormat::Mermaid);
    const std::string puml = sequenceText(s, SequenceFormat::PlantUml);
    const QStringList lines = textLines(mermaid);
    qsizetype arrowLines = 0;
    for (const auto &l : lines)
        arrowLines += l.contains(QRegularExpression(QStringLiteral("^    \\w+(->>|-x|-\\))\\w+: ")));
    QCOMPARE(std::size_t(arrowLines), shown);
    const QString note = QStringLiteral("truncated: %1 more arrows not shown").arg(total - shown);
    if (total > shown) {
        // Over the first and last participant shown.
        const QRegularExpression mermaidNote(QStringLiteral("^    Note over \\w+,\\w+: ") + note);
        QVERIFY2(mermaidNote.match(lines.last()).hasMatch(), qPrintable(lines.last()));
        const QRegularExpression pumlNote(QStringLiteral("^note over \\w+, \\w+ : ") + note,
                                          QRegularExpression::MultilineOption);
        QVERIFY2(pumlNote.match(QString::fromStdString(puml)).hasMatch(), puml.c_str());
    } else {
        QVERIFY(!QString::fromStdString(mermaid).contains(QLatin1String("truncated")));
        QVERIFY(!QString::fromStdString(puml).contains(QLatin1String("truncated")));
    }
}

void TestSequence::timeRange_data()
{
    QTest::addColumn<SimTime>("from");
    QTest::addColumn<SimTime>("to");
    QTest::newRow("all") << SimTime(0) << kNever;
    QTest::newRow("start") << SimTime(0) << 5 * kMillisecond;
    QTest::newRow("middle") << 4 * kMillisecond << 9 * kMillisecond;
    QTest::newRow("tail") << 10 * kMillisecond << kNever;
    QTest::newRow("one instant") << 2 * kMillisecond << 2 * kMillisecond;
    QTest::newRow("after the run") << 10 * kSecond << 20 * kSecond;
}

void TestSequence::timeRange()
{
    QFETCH(SimTime, from);
    QFETCH(SimTime, to);
    const Recorded r = runTopology(journeyTopology(), 200 * kMillisecond);
    SequenceOptions o;
    o.from = from;
    o.to = to;
    const auto s = record(r, o);
    QCOMPARE(s.arrows(), arrowsIn(r.run->trace.events, o));
    for (const auto &item : s.items()) {
        QVERIFY(item.time >= from);
        QVERIFY(item.time <= to);
    }
    if (s.items().empty()) {
        const std::string text = sequenceText(s, SequenceFormat::Mermaid);
        QVERIFY2(text.find("Note over n_end,worker: no events in this range") != std::string::npos,
                 text.c_str());
    }
}

void TestSequence::correlationFilter_data()
{
    QTest::addColumn<bool>("byCorrelation");
    QTest::addColumn<std::uint64_t>("id");
    QTest::newRow("message 1") << false << std::uint64_t(1);
    QTest::newRow("message 4") << false << std::uint64_t(4);
    QTest::newRow("correlation 100") << true << std::uint64_t(100);
    QTest::newRow("correlation 101") << true << std::uint64_t(101);
}

void TestSequence::correlationFilter()
{
    QFETCH(bool, byCorrelation);
    QFETCH(std::uint64_t, id);
    const Recorded r = runTopology(journeyTopology(), 200 * kMillisecond);
    SequenceOptions o;
    (byCorrelation ? o.correlationId : o.messageId) = id;
    const auto s = record(r, o);
    QVERIFY(!s.items().empty());
    std::set<FrameType> frames;
    std::set<std::uint64_t> messages;
    for (const auto &item : s.items()) {
        const auto &e = item.event;
        if (byCorrelation)
            QCOMPARE(e.correlationId, id);
        else
            QCOMPARE(e.messageId, id);
        messages.insert(e.messageId);
        if (item.type == SequenceItem::Type::Arrow) frames.insert(e.frame);
    }
    // Every frame of the journey that happened is shown: publish, confirm, deliver, ack.
    std::set<FrameType> expected;
    std::set<std::uint64_t> expectedMessages;
    for (const auto &e : r.run->trace.events)
        if (e.kind == TraceKind::Send && (byCorrelation ? e.correlationId : e.messageId) == id) {
            expected.insert(e.frame);
            expectedMessages.insert(e.messageId);
        }
    QVERIFY(expected.count(FrameType::Publish));
    QVERIFY(frames == expected || frames.size() >= expected.size());
    for (FrameType f : expected)
        QVERIFY2(frames.count(f), frameTypeName(f));
    QVERIFY(messages == expectedMessages || messages.size() >= expectedMessages.size());
    if (byCorrelation) QCOMPARE(messages.size(), std::size_t(3)); // three of six messages carry each id
}

void TestSequence::hideAcks()
{
    const Recorded r = runTopology(journeyTopology(), 200 * kMillisecond);
    const auto all = record(r);
    SequenceOptions o;
    o.hideAcks = true;
    const auto s = record(r, o);
    std::size_t acks = 0;
    for (const auto &item : all.items())
        acks += item.type == SequenceItem::Type::Arrow &&
                (item.event.frame == FrameType::Ack || item.event.frame == FrameType::Confirm);
    QVERIFY(acks > 0);
    QCOMPARE(s.arrows(), all.arrows() - acks);
    for (const auto &item : s.items()) {
        if (item.type == SequenceItem::Type::Arrow) {
            QVERIFY(item.event.frame != FrameType::Ack);
            QVERIFY(item.event.frame != FrameType::Confirm);
        }
        QVERIFY(item.event.kind != TraceKind::Ack);
    }
    QVERIFY(sequenceText(s, SequenceFormat::Mermaid).find(": ack ") == std::string::npos);
}

void TestSequence::lostArrows()
{
    // Everything sent to the queue is lost on the link; the producer's link is partitioned
    // while a frame is on it, which loses that frame at its arrival.
    const Topology t = TopologyBuilder()
                           .node("p", "producer", {{"script", script(2, 5)}})
                           .node("q", "queue")
                           .link("p", "q", {{"latency", "2ms"}, {"loss", 1.0}})
                           .topology();
    const Recorded r = runTopology(t, kSecond);
    const auto s = record(r);
    QCOMPARE(s.arrows(), std::size_t(2));
    for (const auto &item : s.items())
        QVERIFY(item.type != SequenceItem::Type::Arrow || item.fate == SequenceItem::Fate::Lost);
    QCOMPARE(QString::fromStdString(sequenceText(s, SequenceFormat::Mermaid)),
             QStringLiteral("sequenceDiagram\n"
                            "    participant p as p\n"
                            "    participant q as q\n"
                            "    p-xq: publish m1 t=0 lost (loss)\n"
                            "    p-xq: publish m2 t=5ms lost (loss)\n"));
    QVERIFY(sequenceText(s, SequenceFormat::PlantUml).find("p ->x q : publish m1 t=0 lost (loss)\n") !=
            std::string::npos);

    // Partitioned while in flight: the Send is followed by a Drop at the arrival.
    auto prepared = prepare(TopologyBuilder()
                                .node("p", "producer", {{"script", script(1)}})
                                .node("q", "queue")
                                .link("p", "q", {{"latency", "2ms"}})
                                .topology());
    RunOptions until;
    until.until = kMillisecond;
    prepared->sim->run(until);
    prepared->sim->setLinkUp(0, false);
    until.until = kSecond;
    prepared->sim->run(until);
    SequenceRecorder p(prepared->sim->nodeIds(), prepared->sim->linkIds());
    for (const auto &e : prepared->trace.events)
        p.onEvent(e);
    p.finish(prepared->sim->now());
    const std::string text = sequenceText(p, SequenceFormat::Mermaid);
    QVERIFY2(text.find("    p-xq: publish m1 t=0 lost (partition)\n") != std::string::npos, text.c_str());
    QVERIFY2(text.find("    Note over p,q: link p-q down t=1ms\n") != std::string::npos, text.c_str());
    // A lost frame has no receive in the ShiViz log.
    QVERIFY(sequenceText(p, SequenceFormat::ShiViz).find("receive") == std::string::npos);
}

void TestSequence::lostAtArrivalAfterPeerEvent()
{
    // Two frames reach q at 1ms. p1's arrives first and is enqueued, which makes p2's look received
    // too; then p2's is dropped (its link went down while it was on it): one lost arrow, and one
    // receive in the ShiViz log.
    auto prepared = prepare(TopologyBuilder()
                                .node("p1", "producer", {{"script", script(1)}})
                                .node("p2", "producer", {{"script", script(1)}})
                                .node("q", "queue")
                                .link("p1", "q", {{"latency", "1ms"}})
                                .link("p2", "q", {{"latency", "1ms"}})
                                .topology());
    RunOptions o;
    o.until = kMillisecond / 2;
    prepared->sim->run(o);
    prepared->sim->setLinkUp(1, false);
    o.until = kSecond;
    prepared->sim->run(o);
    SequenceRecorder s(prepared->sim->nodeIds(), prepared->sim->linkIds());
    for (const auto &e : prepared->trace.events)
        s.onEvent(e);
    s.finish(prepared->sim->now());
    QCOMPARE(s.arrows(), std::size_t(2));
    const std::string mermaid = sequenceText(s, SequenceFormat::Mermaid);
    QVERIFY2(mermaid.find("    p1->>q: publish m1 t=0..1ms\n") != std::string::npos, mermaid.c_str());
    QVERIFY2(mermaid.find("    p2-xq: publish m2 t=0 lost (partition)\n") != std::string::npos,
             mermaid.c_str());
    const std::string shiviz = sequenceText(s, SequenceFormat::ShiViz);
    QVERIFY2(shiviz.find("receive publish m1 from p1") != std::string::npos, shiviz.c_str());
    QVERIFY2(shiviz.find("receive publish m2") == std::string::npos, shiviz.c_str());
}

void TestSequence::inFlight()
{
    // The run stops while the frame is on the link: an open arrow, and no receive.
    const Topology t = TopologyBuilder()
                           .node("p", "producer", {{"script", script(1)}})
                           .node("q", "queue")
                           .link("p", "q", {{"latency", "10ms"}})
                           .topology();
    const Recorded r = runTopology(t, 5 * kMillisecond);
    const auto s = record(r);
    QCOMPARE(s.arrows(), std::size_t(1));
    QCOMPARE(s.items().size(), std::size_t(1));
    QCOMPARE(int(s.items().front().fate), int(SequenceItem::Fate::InFlight));
    QCOMPARE(sequenceText(s, SequenceFormat::Mermaid),
             std::string("sequenceDiagram\n"
                         "    participant p as p\n"
                         "    participant q as q\n"
                         "    p-)q: publish m1 t=0..10ms in flight\n"));
    QVERIFY(sequenceText(s, SequenceFormat::PlantUml).find("p ->> q : publish m1 t=0..10ms in flight\n") !=
            std::string::npos);
    QCOMPARE(sequenceText(s, SequenceFormat::ShiViz), std::string(kShiVizRegex) +
                                                          "\n\n"
                                                          "send publish m1 t=0..10ms in flight to q\n"
                                                          "p {\"p\":1}\n");

    // The same trace recorded from a vector of events, after the frame arrived.
    const Recorded done = runTopology(t, kSecond);
    const auto v = recordSequence(done.run->trace.events, done.nodes, done.links);
    QCOMPARE(int(v.items().front().fate), int(SequenceItem::Fate::Delivered));
    QCOMPARE(int(v.items().at(1).type), int(SequenceItem::Type::Receive));
    QCOMPARE(v.items().at(1).time, 10 * kMillisecond);
}

void TestSequence::shivizClocks_data()
{
    QTest::addColumn<QString>("topology");
    QTest::newRow("journey") << QString();
    for (const QString &f : exampleFiles())
        QTest::newRow(qPrintable(QFileInfo(f).fileName())) << f;
}

void TestSequence::shivizClocks()
{
    QFETCH(QString, topology);
    Topology t;
    if (topology.isEmpty()) {
        t = journeyTopology();
    } else {
        auto loaded = loadTopologyFile(topology.toStdString());
        QVERIFY(loaded.ok());
        t = *loaded.topology;
    }
    const Recorded r = runTopology(t, 300 * kMillisecond);
    SequenceOptions o;
    o.maxArrows = 5000;
    const auto s = record(r, o);
    const QStringList lines = textLines(sequenceText(s, SequenceFormat::ShiViz));
    QCOMPARE(lines.value(0), QString::fromLatin1(kShiVizRegex));
    QCOMPARE(lines.value(1), QString());
    QVERIFY((lines.size() - 2) % 2 == 0);
    QVERIFY(lines.size() > 10);

    // ShiViz's default parser, as a QRegularExpression (same named groups).
    const QRegularExpression parser(QStringLiteral("^(?<event>.*)\\n(?<host>\\S*) (?<clock>{.*})$"));
    const QRegularExpression sendRe(QStringLiteral("^send (\\S+) (m\\d+)\\b.* to (\\S+)$"));
    const QRegularExpression receiveRe(QStringLiteral("^receive (\\S+) (m\\d+) from (\\S+) t="));
    std::map<QString, qint64> own;
    struct Sent {
        QJsonObject clock;
        bool used = false;
    };
    std::map<QString, std::vector<Sent>> sent; // "from>to frame message" -> sends in order
    int receives = 0;
    for (qsizetype i = 2; i + 1 < lines.size(); i += 2) {
        const auto m = parser.match(lines[i] + QLatin1Char('\n') + lines[i + 1]);
        QVERIFY2(m.hasMatch(), qPrintable(lines[i] + QLatin1Char('\n') + lines[i + 1]));
        const QString host = m.captured(QStringLiteral("host"));
        QJsonParseError error{};
        const QJsonObject clock =
            QJsonDocument::fromJson(m.captured(QStringLiteral("clock")).toUtf8(), &error).object();
        QVERIFY2(error.error == QJsonParseError::NoError, qPrintable(lines[i + 1]));
        // Each host's own entry rises by exactly one per event it records.
        QCOMPARE(clock.value(host).toInteger(), ++own[host]);
        for (auto it = clock.begin(); it != clock.end(); ++it)
            if (it.key() != host) QVERIFY(it.value().toInteger() <= own[it.key()]);
        const QString event = m.captured(QStringLiteral("event"));
        if (const auto sm = sendRe.match(event); sm.hasMatch() && !event.contains(QLatin1String(" lost ")) &&
                                                 !event.contains(QLatin1String(" in flight"))) {
            sent[host + QLatin1Char('>') + sm.captured(3) + QLatin1Char(' ') + sm.captured(1) +
                 QLatin1Char(' ') + sm.captured(2)]
                .push_back({clock, false});
        } else if (const auto rm = receiveRe.match(event); rm.hasMatch()) {
            ++receives;
            // A receive merges the sender's clock: it is >= that send's clock element-wise.
            auto &candidates = sent[rm.captured(3) + QLatin1Char('>') + host + QLatin1Char(' ') +
                                    rm.captured(1) + QLatin1Char(' ') + rm.captured(2)];
            bool found = false;
            for (auto &c : candidates) {
                if (c.used) continue;
                bool ge = true;
                for (auto it = c.clock.begin(); it != c.clock.end(); ++it)
                    ge = ge && clock.value(it.key()).toInteger() >= it.value().toInteger();
                if (ge) {
                    c.used = found = true;
                    break;
                }
            }
            QVERIFY2(found, qPrintable(event + QStringLiteral(" merges no send's clock")));
        }
    }
    QVERIFY(receives > 0);
}

void TestSequence::formatForPath_data()
{
    QTest::addColumn<QString>("path");
    QTest::addColumn<int>("format"); // -1: refused
    QTest::newRow("mmd") << "out.mmd" << int(SequenceFormat::Mermaid);
    QTest::newRow("mermaid upper") << "dir.x/OUT.MERMAID" << int(SequenceFormat::Mermaid);
    QTest::newRow("puml") << "a/b.puml" << int(SequenceFormat::PlantUml);
    QTest::newRow("plantuml") << "b.plantuml" << int(SequenceFormat::PlantUml);
    QTest::newRow("shiviz") << "run.shiviz" << int(SequenceFormat::ShiViz);
    QTest::newRow("log") << "run.log" << int(SequenceFormat::ShiViz);
    QTest::newRow("svg") << "out.svg" << -1;
    QTest::newRow("none") << "out" << -1;
    QTest::newRow("txt") << "out.mmd.txt" << -1;
}

void TestSequence::formatForPath()
{
    QFETCH(QString, path);
    QFETCH(int, format);
    SequenceFormat f = SequenceFormat::Mermaid;
    const bool ok = sequenceFormatForPath(path.toStdString(), f);
    QCOMPARE(ok, format >= 0);
    if (ok) QCOMPARE(int(f), format);
}

QTEST_APPLESS_MAIN(TestSequence)
#include "tst_sequence.moc"
