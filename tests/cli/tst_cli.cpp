// signalbox-cli end to end: the real executable, run with QProcess on every shipped example and on
// broken input, checking exit codes, messages and the files it writes.
#include "cli.h"
#include "schema.h"
#include "sequence.h"
#include "testfiles.h"

#include <QDir>
#include <QFile>
#include <QImage>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMap>
#include <QPointF>
#include <QProcess>
#include <QRegularExpression>
#include <QSet>
#include <QTemporaryDir>
#include <QTest>
#include <QXmlStreamReader>

#include <set>
#include <sstream>

#include <csignal>
#include <sys/types.h>

namespace {

// The first columns of the CSV files; more may be appended.
const QByteArray kMetricsColumns = "time_ms,target,id,throughput_per_s,";
const QByteArray kEventsCsvColumns = "time_ns,kind,node,peer,link,message_id,";

struct CliResult {
    int exitCode = -1; // -1: did not start, crashed or timed out
    QByteArray out;
    QByteArray err;
    QString problem;
    QStringList args;

    // For failure messages: what ran and what it said.
    QByteArray describe() const
    {
        return "signalbox-cli " + args.join(QLatin1Char(' ')).toUtf8() + "\nexit " +
               QByteArray::number(exitCode) +
               (problem.isEmpty() ? QByteArray() : " (" + problem.toUtf8() + ")") + "\nstderr:\n" +
               err.left(4000);
    }
};

CliResult runCli(const QStringList &args, int timeoutMs = 120000)
{
    CliResult r;
    r.args = args;
    QProcess p;
    p.start(QStringLiteral(SIGNALBOX_CLI), args);
    if (!p.waitForStarted()) {
        r.problem = p.errorString();
        return r;
    }
    if (!p.waitForFinished(timeoutMs)) {
        p.kill();
        p.waitForFinished();
        r.problem = QStringLiteral("timed out");
    } else if (p.exitStatus() != QProcess::NormalExit) {
        r.problem = QStringLiteral("crashed");
    } else {
        r.exitCode = p.exitCode();
    }
    r.out = p.readAllStandardOutput();
    r.err = p.readAllStandardError();
    return r;
}

using sbtest::dataFile;
using sbtest::exampleFiles;
using sbtest::readAll;

// Whether the example draws random numbers, so that its trace depends on the seed.
bool usesRandomness(const QString &file)
{
    const QByteArray text = readAll(file);
    for (const char *marker : {"poisson", "exp(", "exponential(", "uniform(", "normal(", "gauss("})
        if (text.contains(marker)) return true;
    return false;
}

void addExampleRows()
{
    QTest::addColumn<QString>("file");
    for (const QString &f : exampleFiles())
        QTest::newRow(qPrintable(QFileInfo(f).fileName())) << f;
}

QList<QByteArray> lines(const QByteArray &text)
{
    QList<QByteArray> out = text.split('\n');
    if (!out.isEmpty() && out.last().isEmpty()) out.removeLast();
    return out;
}

} // namespace

class TestCli : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void validateExample_data();
    void validateExample();
    void runExample_data();
    void runExample();
    void eventsAsCsv();
    void sequence_data();
    void sequence();
    void sequenceFilters();
    void sequenceByRoutingKey_data();
    void sequenceByRoutingKey();
    void sequenceMatchesGolden_data();
    void sequenceMatchesGolden();
    void sequencePictures_data();
    void sequencePictures();
    void sequenceOrder_data();
    void sequenceOrder();
    void sequenceErrors_data();
    void sequenceErrors();
    void failOn_data();
    void failOn();
    void failOnCheckNames_data();
    void failOnCheckNames();
    void failOnCallChecks_data();
    void failOnCallChecks();
    void failOnOutboxChecks_data();
    void failOnOutboxChecks();
    void deterministic_data();
    void deterministic();
    void differentSeed_data();
    void differentSeed();
    void missingFile_data();
    void missingFile();
    void brokenFile_data();
    void brokenFile();
    void usageErrors_data();
    void usageErrors();
    void unwritableOutput_data();
    void unwritableOutput();
    void outputExtensions_data();
    void outputExtensions();
    void failedRunKeepsExistingFiles();
    void interrupt_data();
    void interrupt();
    void progressLine_data();
    void progressLine();
    void craftedFiles_data();
    void craftedFiles();
    void warningCap_data();
    void warningCap();
    void controlCharactersEscaped_data();
    void controlCharactersEscaped();
    void kinds();
    void kindsTextRanges_data();
    void kindsTextRanges();
    void kindsJson();
    void help_data();
    void help();
    void faultOptions_data();
    void faultOptions();
    void match_data();
    void match();
    void route_data();
    void route();
    void routeJson();
    void examples_data();
    void examples();
    void examplesJson();
    void overlay_data();
    void overlay();
    void overlayToFile();
    void layoutSupervision_data();
    void layoutSupervision();
    void layoutSupervisionInPlace();
    void matchJson_data();
    void matchJson();
    void eventsCarryFaultsAndLocalTime();
};

void TestCli::initTestCase()
{
    QVERIFY2(QFileInfo(QStringLiteral(SIGNALBOX_CLI)).isExecutable(), SIGNALBOX_CLI);
    QVERIFY2(!exampleFiles().isEmpty(), SIGNALBOX_EXAMPLES_DIR);
}

void TestCli::validateExample_data()
{
    addExampleRows();
}

void TestCli::validateExample()
{
    QFETCH(QString, file);
    const CliResult r = runCli({QStringLiteral("validate"), file});
    QVERIFY2(r.exitCode == sb::CliExit::Ok, r.describe().constData());
    QVERIFY2(r.out.contains("valid"), r.out.constData());
}

void TestCli::runExample_data()
{
    addExampleRows();
}

void TestCli::runExample()
{
    QFETCH(QString, file);
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString summaryPath = dir.filePath(QStringLiteral("summary.json"));
    const QString eventsPath = dir.filePath(QStringLiteral("events.jsonl"));
    const QString metricsPath = dir.filePath(QStringLiteral("metrics.csv"));

    const CliResult r = runCli({QStringLiteral("run"), file, QStringLiteral("--until"), QStringLiteral("5s"),
                                QStringLiteral("--summary"), summaryPath, QStringLiteral("--events"),
                                eventsPath, QStringLiteral("--metrics"), metricsPath});
    QVERIFY2(r.exitCode == sb::CliExit::Ok, r.describe().constData());
    QVERIFY2(r.out.contains("Delivery check"), r.out.constData()); // the summary is printed

    // Summary
    QJsonParseError error{};
    const QJsonDocument summaryDoc = QJsonDocument::fromJson(readAll(summaryPath), &error);
    QVERIFY2(error.error == QJsonParseError::NoError, qPrintable(error.errorString()));
    const QJsonObject summary = summaryDoc.object();
    QCOMPARE(summary.value(QStringLiteral("format")).toString(), QStringLiteral("signalbox-summary"));
    const QJsonArray nodes = summary.value(QStringLiteral("nodes")).toArray();
    QVERIFY(!nodes.isEmpty());
    qint64 processed = 0;
    for (const auto &n : nodes) {
        const QJsonObject node = n.toObject();
        QVERIFY2(node.contains(QStringLiteral("processed")),
                 qPrintable(node.value(QStringLiteral("id")).toString()));
        processed += node.value(QStringLiteral("processed")).toInteger();
    }
    // The time limit is respected.
    QVERIFY(summary.value(QStringLiteral("end_time_ns")).toInteger() <= qint64(5'000'000'000));

    // Events: one JSON object per line; as many process events as the summary counts.
    const QList<QByteArray> eventLines = lines(readAll(eventsPath));
    QVERIFY(!eventLines.isEmpty());
    qint64 processEvents = 0;
    for (qsizetype i = 0; i < eventLines.size(); ++i) {
        const QJsonDocument line = QJsonDocument::fromJson(eventLines[i], &error);
        QVERIFY2(error.error == QJsonParseError::NoError && line.isObject(),
                 qPrintable(QStringLiteral("line %1: %2").arg(i + 1).arg(QString::fromUtf8(eventLines[i]))));
        const QJsonObject event = line.object();
        QVERIFY2(event.value(QStringLiteral("kind")).isString() &&
                     event.value(QStringLiteral("t")).isDouble(),
                 eventLines[i].constData());
        processEvents += event.value(QStringLiteral("kind")).toString() == QLatin1String("process");
    }
    QCOMPARE(processEvents, processed);

    // Metrics
    const QList<QByteArray> metricLines = lines(readAll(metricsPath));
    QVERIFY(!metricLines.isEmpty());
    QVERIFY2(metricLines.first().startsWith(kMetricsColumns), metricLines.first().constData());
    const qsizetype metricColumns = metricLines.first().count(',');
    for (qsizetype i = 1; i < metricLines.size(); ++i)
        QVERIFY2(metricLines[i].count(',') == metricColumns, metricLines[i].constData());
}

void TestCli::eventsAsCsv()
{
    const QString file = exampleFiles().value(0);
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString csvPath = dir.filePath(QStringLiteral("events.csv"));
    const QString jsonlPath = dir.filePath(QStringLiteral("events.jsonl"));
    const QStringList common{QStringLiteral("run"),     file,
                             QStringLiteral("--until"), QStringLiteral("2s"),
                             QStringLiteral("--seed"),  QStringLiteral("3"),
                             QStringLiteral("--speed"), QStringLiteral("max"),
                             QStringLiteral("--quiet")};

    CliResult r = runCli(common + QStringList{QStringLiteral("--events"), csvPath});
    QVERIFY2(r.exitCode == sb::CliExit::Ok, r.describe().constData());
    const QList<QByteArray> csv = lines(readAll(csvPath));
    QVERIFY(csv.size() > 1);
    QVERIFY2(csv.first().startsWith(kEventsCsvColumns), csv.first().constData());
    const qsizetype columns = csv.first().count(',');
    for (qsizetype i = 1; i < csv.size(); ++i)
        QCOMPARE(csv[i].count(','), columns);
    QVERIFY(r.out.isEmpty()); // --quiet

    // The same run written as JSON Lines has the same events.
    r = runCli(common + QStringList{QStringLiteral("--events"), jsonlPath});
    QVERIFY2(r.exitCode == sb::CliExit::Ok, r.describe().constData());
    QCOMPARE(lines(readAll(jsonlPath)).size(), csv.size() - 1);
}

void TestCli::sequence_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<QByteArray>("firstLine");
    QTest::addColumn<QByteArray>("arrow"); // some line of the body has this
    QTest::newRow("mmd") << "out.mmd" << QByteArray("sequenceDiagram")
                         << QByteArray("    producer->>tasks: publish m1 ");
    QTest::newRow("mermaid") << "out.mermaid" << QByteArray("sequenceDiagram")
                             << QByteArray("    producer->>tasks: ");
    QTest::newRow("puml") << "out.puml" << QByteArray("@startuml")
                          << QByteArray("producer -> tasks : publish m1 ");
    QTest::newRow("plantuml") << "out.plantuml" << QByteArray("@startuml")
                              << QByteArray("producer -> tasks : ");
    QTest::newRow("shiviz") << "out.shiviz" << QByteArray(sb::kShiVizRegex)
                            << QByteArray("producer {\"producer\":1}");
    QTest::newRow("log") << "out.log" << QByteArray(sb::kShiVizRegex) << QByteArray("send publish m1 ");
}

void TestCli::sequence()
{
    QFETCH(QString, name);
    QFETCH(QByteArray, firstLine);
    QFETCH(QByteArray, arrow);
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath(name);
    const QStringList args{QStringLiteral("run"),
                           sbtest::exampleFiles().filter(QStringLiteral("work-queue")).value(0),
                           QStringLiteral("--until"),
                           QStringLiteral("100ms"),
                           QStringLiteral("--quiet"),
                           QStringLiteral("--sequence"),
                           path};
    CliResult r = runCli(args);
    QVERIFY2(r.exitCode == sb::CliExit::Ok, r.describe().constData());
    const QByteArray text = readAll(path);
    const QList<QByteArray> body = lines(text);
    QVERIFY(body.size() > 5);
    QCOMPARE(body.first(), firstLine);
    bool found = false;
    for (const auto &l : body)
        found = found || l.startsWith(arrow);
    QVERIFY2(found, text.left(2000).constData());
    // Same seed, same bytes.
    r = runCli(args);
    QVERIFY2(r.exitCode == sb::CliExit::Ok, r.describe().constData());
    QCOMPARE(readAll(path), text);
}

void TestCli::sequenceFilters()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath(QStringLiteral("out.mmd"));
    const QStringList common{QStringLiteral("run"),
                             sbtest::exampleFiles().filter(QStringLiteral("work-queue")).value(0),
                             QStringLiteral("--until"),
                             QStringLiteral("1s"),
                             QStringLiteral("--quiet"),
                             QStringLiteral("--sequence"),
                             path};
    // The cap: three arrows, then the truncation note.
    CliResult r = runCli(common + QStringList{QStringLiteral("--max-arrows"), QStringLiteral("3")});
    QVERIFY2(r.exitCode == sb::CliExit::Ok, r.describe().constData());
    QList<QByteArray> body = lines(readAll(path));
    qsizetype arrows = 0;
    for (const auto &l : body)
        arrows += QRegularExpression(QStringLiteral("^    \\w+(->>|-x|-\\))\\w+: "))
                      .match(QString::fromUtf8(l))
                      .hasMatch();
    QCOMPARE(arrows, qsizetype(3));
    QVERIFY2(body.last().contains(" more arrows not shown"), body.last().constData());
    QVERIFY(body.last().contains("truncated: "));

    // One message's journey in a time range: every arrow and note names it.
    r = runCli(common + QStringList{QStringLiteral("--message"), QStringLiteral("2"),
                                    QStringLiteral("--from"), QStringLiteral("5ms"), QStringLiteral("--to"),
                                    QStringLiteral("500ms")});
    QVERIFY2(r.exitCode == sb::CliExit::Ok, r.describe().constData());
    body = lines(readAll(path));
    QVERIFY(body.size() > 3);
    for (const auto &l : body.mid(1))
        if (!l.startsWith("    participant "))
            QVERIFY2(l.contains(" m2 ") || l.contains(" m2:"), l.constData());
}

void TestCli::sequenceByRoutingKey_data()
{
    // The topic-routing example's producer cycles five keys, so message N carries key (N - 1) % 5:
    // 0 eu.orders.created, 1 us.orders.created, 2 eu.payments.failed, 3 us.payments.settled, 4 audit.log.
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QList<int>>("keysKept");
    QTest::newRow("eu.#") << QStringList{"--routing-key", "eu.#"} << QList<int>{0, 2};
    QTest::newRow("two patterns") << QStringList{"--routing-key", "*.orders.*", "--routing-key", "audit.log"}
                                  << QList<int>{0, 1, 4};
    QTest::newRow("not #.failed") << QStringList{"--not-routing-key", "#.failed"} << QList<int>{0, 1, 3, 4};
    QTest::newRow("us, not settled") << QStringList{"--routing-key", "us.#", "--not-routing-key",
                                                    "*.*.settled"}
                                     << QList<int>{1};
}

// Only the chosen routing keys' messages appear; frames about no message (subscribes) stay.
void TestCli::sequenceByRoutingKey()
{
    QFETCH(QStringList, args);
    QFETCH(QList<int>, keysKept);
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath(QStringLiteral("out.mmd"));
    const CliResult r = runCli(
        QStringList{QStringLiteral("run"), exampleFiles().filter(QStringLiteral("topic-routing")).value(0),
                    QStringLiteral("--until"), QStringLiteral("200ms"), QStringLiteral("--max-arrows"),
                    QStringLiteral("100000"), QStringLiteral("--quiet"), QStringLiteral("--sequence"), path} +
        args);
    QVERIFY2(r.exitCode == sb::CliExit::Ok, r.describe().constData());
    const QRegularExpression arrow(QStringLiteral("^    \\w+(->>|-x|-\\))\\w+: (\\w+)(?: m(\\d+))?"));
    std::set<int> seen;
    int subscribes = 0;
    for (const QByteArray &l : lines(readAll(path))) {
        const auto m = arrow.match(QString::fromUtf8(l));
        if (!m.hasMatch()) continue;
        if (m.captured(3).isEmpty()) {
            QCOMPARE(m.captured(2), QStringLiteral("subscribe"));
            ++subscribes;
            continue;
        }
        const int key = int((m.captured(3).toULongLong() - 1) % 5);
        QVERIFY2(keysKept.contains(key), l.constData());
        seen.insert(key);
    }
    QCOMPARE(subscribes, 4);
    QCOMPARE(seen, std::set<int>(keysKept.begin(), keysKept.end()));
}

void TestCli::sequenceMatchesGolden_data()
{
    QTest::addColumn<QString>("extension");
    for (const char *e : {"mmd", "puml", "shiviz"})
        QTest::newRow(e) << QString::fromLatin1(e);
}

// The CLI writes what the core writes: the work-queue goldens of tst_sequence, byte for byte.
void TestCli::sequenceMatchesGolden()
{
    QFETCH(QString, extension);
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath(QStringLiteral("out.") + extension);
    const CliResult r =
        runCli({QStringLiteral("run"), exampleFiles().filter(QStringLiteral("work-queue")).value(0),
                QStringLiteral("--until"), QStringLiteral("60ms"), QStringLiteral("--max-arrows"),
                QStringLiteral("60"), QStringLiteral("--quiet"), QStringLiteral("--sequence"), path});
    QVERIFY2(r.exitCode == sb::CliExit::Ok, r.describe().constData());
    const QByteArray golden = readAll(dataFile("sequence") + QStringLiteral("/work-queue.") + extension);
    QVERIFY(!golden.isEmpty());
    QVERIFY2(readAll(path) == golden, qPrintable(path));
}

void TestCli::sequencePictures_data()
{
    QTest::addColumn<QString>("extension");
    QTest::addColumn<QByteArray>("starts");
    QTest::newRow("svg") << "svg" << QByteArray("<?xml");
    QTest::newRow("png") << "png" << QByteArray("\x89PNG");
    QTest::newRow("pdf") << "pdf" << QByteArray("%PDF-");
}

void TestCli::sequencePictures()
{
    QFETCH(QString, extension);
    QFETCH(QByteArray, starts);
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("diagram.") + extension);
    const CliResult r =
        runCli({QStringLiteral("run"), exampleFiles().filter(QStringLiteral("work-queue")).value(0),
                QStringLiteral("--until"), QStringLiteral("200ms"), QStringLiteral("--quiet"),
                QStringLiteral("--from"), QStringLiteral("50ms"), QStringLiteral("--to"),
                QStringLiteral("100ms"), QStringLiteral("--sequence"), path});
    QVERIFY2(r.exitCode == sb::CliExit::Ok, r.describe().constData());
    const QByteArray bytes = readAll(path);
    QVERIFY2(bytes.startsWith(starts), bytes.left(16).toHex().constData());
    if (extension == QLatin1String("png")) {
        // 50 ms at 50 µs a pixel, plus the header and a margin.
        const QImage image = QImage::fromData(bytes, "PNG");
        QVERIFY(!image.isNull());
        QCOMPARE(image.height(), 42 + 16 + 1000 + 20); // header, the margin below it, the range
    }
    if (extension == QLatin1String("svg")) {
        QXmlStreamReader xml(bytes);
        while (!xml.atEnd())
            xml.readNext();
        QVERIFY2(!xml.hasError(), qPrintable(xml.errorString()));
    }
}

void TestCli::sequenceOrder_data()
{
    QTest::addColumn<QString>("order");
    QTest::addColumn<bool>("replyFirst"); // billing's subscribe comes before the shop's first publish
    QTest::newRow("true") << QStringLiteral("true") << false;
    QTest::newRow("local") << QStringLiteral("local") << true;
    QTest::newRow("lamport") << QStringLiteral("lamport") << false;
    QTest::newRow("vector") << QStringLiteral("vector") << false;
}

void TestCli::sequenceOrder()
{
    // The clock-skew example: billing's clock is 50 ms behind. By local timestamps its subscribe
    // (sent at true 0, local -50 ms) and its acks come before the deliveries that caused them;
    // every mode marks the deliveries received "before" they were sent, and the summary counts them.
    QFETCH(QString, order);
    QFETCH(bool, replyFirst);
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath(QStringLiteral("out.mmd")),
                  summary = dir.filePath(QStringLiteral("s.json"));
    const CliResult r =
        runCli({QStringLiteral("run"), sbtest::exampleFiles().filter(QStringLiteral("clock-skew")).value(0),
                QStringLiteral("--until"), QStringLiteral("1s"), QStringLiteral("--quiet"),
                QStringLiteral("--sequence"), path, QStringLiteral("--sequence-order"), order,
                QStringLiteral("--max-arrows"), QStringLiteral("6"), QStringLiteral("--summary"), summary});
    QVERIFY2(r.exitCode == sb::CliExit::Ok, r.describe().constData());
    const QList<QByteArray> body = lines(readAll(path));
    qsizetype firstPublish = -1, firstAck = -1, marked = 0;
    for (qsizetype i = 0; i < body.size(); ++i) {
        if (firstPublish < 0 && body[i].startsWith("    shop->>orders: publish")) firstPublish = i;
        if (firstAck < 0 && body[i].startsWith("    billing->>orders: ack")) firstAck = i;
        marked += body[i].contains("orders->>billing: deliver") &&
                  body[i].contains("[local clocks: received before sent]");
    }
    QVERIFY(firstPublish > 0 && firstAck > 0);
    QCOMPARE(firstAck < firstPublish, replyFirst);
    QVERIFY(marked > 0);
    const QJsonObject anomalies = QJsonDocument::fromJson(readAll(summary))
                                      .object()
                                      .value(QStringLiteral("clock_anomalies"))
                                      .toObject();
    QVERIFY(anomalies.value(QStringLiteral("contradicting")).toInt() > 0);
    const QJsonObject first = anomalies.value(QStringLiteral("examples")).toArray().first().toObject();
    QCOMPARE(first.value(QStringLiteral("from")).toString(), QStringLiteral("orders"));
    QCOMPARE(first.value(QStringLiteral("to")).toString(), QStringLiteral("billing"));
    QVERIFY(first.value(QStringLiteral("received_local_ns")).toDouble() <
            first.value(QStringLiteral("sent_local_ns")).toDouble());
}

void TestCli::sequenceErrors_data()
{
    QTest::addColumn<QStringList>("args"); // after `run FILE`; OUT stands for a path in a temporary dir
    QTest::addColumn<int>("exitCode");
    QTest::addColumn<QByteArray>("message");
    QTest::newRow("unknown extension")
        << QStringList{"--sequence", "OUT.txt"} << int(sb::CliExit::Usage) << QByteArray("--sequence");
    QTest::newRow("extensions listed") << QStringList{"--sequence", "OUT.txt"} << int(sb::CliExit::Usage)
                                       << QByteArray(".mmd, .mermaid, .puml, .plantuml, .shiviz, .log");
    QTest::newRow("unwritable picture") << QStringList{"--sequence", "OUT/no/such/dir/x.svg"}
                                        << int(sb::CliExit::OutputError) << QByteArray("cannot write");
    QTest::newRow("picture extensions listed") << QStringList{"--sequence", "OUT.gif"}
                                               << int(sb::CliExit::Usage) << QByteArray(".svg, .png or .pdf");
    QTest::newRow("from after to") << QStringList{"--sequence", "OUT.mmd", "--from", "2s", "--to", "1s"}
                                   << int(sb::CliExit::Usage) << QByteArray("--from 2s is after --to 1s");
    QTest::newRow("bad from") << QStringList{"--sequence", "OUT.mmd", "--from", "later"}
                              << int(sb::CliExit::Usage) << QByteArray("--from: 'later' is not a duration");
    QTest::newRow("to without sequence") << QStringList{"--to", "1s"} << int(sb::CliExit::Usage)
                                         << QByteArray("--to applies to a sequence diagram");
    QTest::newRow("zero arrows") << QStringList{"--sequence", "OUT.mmd", "--max-arrows", "0"}
                                 << int(sb::CliExit::Usage) << QByteArray("--max-arrows");
    QTest::newRow("message and correlation")
        << QStringList{"--sequence", "OUT.mmd", "--message", "1", "--correlation", "2"}
        << int(sb::CliExit::Usage) << QByteArray("use one of them");
    QTest::newRow("empty routing key pattern")
        << QStringList{"--sequence", "OUT.mmd", "--routing-key", ""} << int(sb::CliExit::Usage)
        << QByteArray("needs a topic pattern");
    QTest::newRow("unknown sequence order")
        << QStringList{"--sequence", "OUT.mmd", "--sequence-order", "wall"} << int(sb::CliExit::Usage)
        << QByteArray("--sequence-order wall: expected one of true, local, lamport, vector");
    QTest::newRow("sequence order without sequence")
        << QStringList{"--sequence-order", "lamport"} << int(sb::CliExit::Usage)
        << QByteArray("--sequence-order applies to a sequence diagram");
    QTest::newRow("routing key without sequence")
        << QStringList{"--not-routing-key", "a.#"} << int(sb::CliExit::Usage)
        << QByteArray("--not-routing-key applies to a sequence diagram");
    QTest::newRow("unwritable") << QStringList{"--sequence", "OUT/no/such/dir/x.mmd"}
                                << int(sb::CliExit::OutputError)
                                << QByteArray("x.mmd: cannot write: no such file or directory");
}

void TestCli::sequenceErrors()
{
    QFETCH(QStringList, args);
    QFETCH(int, exitCode);
    QFETCH(QByteArray, message);
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    args.replaceInStrings(QRegularExpression(QStringLiteral("^OUT")), dir.filePath(QStringLiteral("seq")));
    const CliResult r =
        runCli(QStringList{QStringLiteral("run"), exampleFiles().value(0), QStringLiteral("--until"),
                           QStringLiteral("100ms"), QStringLiteral("--quiet")} +
               args);
    QVERIFY2(r.exitCode == exitCode, r.describe().constData());
    QVERIFY2(r.err.contains(message), r.describe().constData());
}

void TestCli::failOn_data()
{
    QTest::addColumn<QString>("example");
    QTest::addColumn<QString>("checks");
    QTest::addColumn<int>("exitCode");
    QTest::addColumn<QByteArray>("message");
    QTest::newRow("at most once loses")
        << "lossy-at-most-once"
        << "lost" << int(sb::CliExit::CheckFailed) << QByteArray(" lost, 0 duplicates");
    QTest::newRow("at most once, order kept") << "lossy-at-most-once"
                                              << "duplicates,order" << int(sb::CliExit::Ok) << QByteArray();
    QTest::newRow("at least once duplicates")
        << "lossy-at-least-once"
        << "lost,duplicates" << int(sb::CliExit::CheckFailed) << QByteArray("0 lost, ");
    QTest::newRow("redeliveries break order")
        << "lossy-at-least-once"
        << "order" << int(sb::CliExit::CheckFailed) << QByteArray(" out of order");
    QTest::newRow("requeues break order")
        << "dead-letter"
        << "order" << int(sb::CliExit::CheckFailed) << QByteArray(" out of order");
    QTest::newRow("work queue in order")
        << "work-queue"
        << "lost,duplicates,pending,order" << int(sb::CliExit::Ok) << QByteArray();
}

// --fail-on turns findings of the delivery and order checks into exit code 5.
void TestCli::failOn()
{
    QFETCH(QString, example);
    QFETCH(QString, checks);
    QFETCH(int, exitCode);
    QFETCH(QByteArray, message);
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString summary = dir.filePath(QStringLiteral("summary.json"));
    const CliResult r =
        runCli({QStringLiteral("run"), exampleFiles().filter(example + QStringLiteral(".json")).value(0),
                QStringLiteral("--summary"), summary, QStringLiteral("--fail-on"), checks});
    QVERIFY2(r.exitCode == exitCode, r.describe().constData());
    if (!message.isEmpty()) QVERIFY2(r.err.contains(message), r.err.constData());
    // The summary says the same as the exit code, examples included.
    QFile file(summary);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QJsonObject delivery =
        QJsonDocument::fromJson(file.readAll()).object().value("delivery").toObject();
    const qint64 outOfOrder = delivery.value("out_of_order").toInteger(-1);
    QVERIFY(outOfOrder >= 0);
    const QJsonArray examples = delivery.value("out_of_order_examples").toArray();
    QCOMPARE(examples.isEmpty(), outOfOrder == 0);
    for (const QJsonValue &v : examples)
        QVERIFY(v.toObject().value("message").toInteger() < v.toObject().value("after").toInteger());
    if (checks.contains(QLatin1String("order")))
        QCOMPARE(outOfOrder > 0, exitCode == sb::CliExit::CheckFailed);
    // The printed summary has an order line exactly when something was out of order.
    const QByteArray line =
        "Order check: " + QByteArray::number(outOfOrder) + " processings out of publish order";
    QCOMPARE(r.out.contains(line), outOfOrder > 0);
    QCOMPARE(r.out.contains("Order check: "), outOfOrder > 0);
}

void TestCli::failOnCheckNames_data()
{
    QTest::addColumn<QString>("example");
    QTest::addColumn<QString>("checks");
    QTest::addColumn<int>("exitCode");
    QTest::addColumn<QByteArray>("message");
    QTest::newRow("call checks on a run without calls")
        << "work-queue"
        << "executed-twice,failed-calls,late-replies,lost-replies,deadline-exceeded" << int(sb::CliExit::Ok)
        << QByteArray();
    QTest::newRow("out-of-order is order")
        << "lossy-at-least-once"
        << "out-of-order" << int(sb::CliExit::CheckFailed) << QByteArray(" out of order");
    QTest::newRow("old and new names together")
        << "lossy-at-least-once"
        << "executed-twice,duplicates" << int(sb::CliExit::CheckFailed)
        << QByteArray("delivery check failed: ");
    QTest::newRow("an unknown name lists the known ones")
        << "work-queue"
        << "lost,executed-thrice" << int(sb::CliExit::Usage)
        << QByteArray(
               "--fail-on: unknown check 'executed-thrice' (use lost, duplicates, pending, order, "
               "executed-twice, failed-calls, late-replies, lost-replies, deadline-exceeded, records-lost, "
               "records-duplicated, partition-order, key-order, records-unconsumed, aborted-reads, "
               "conflicts, "
               "stale-reads, unreadable-events, parked-events, saga-unfinished, compensation-order, "
               "step-repeated, compensated-after-pivot, dirty-reads, lost-updates, outbox-lost, "
               "outbox-phantom, outbox-duplicates, pubsub-lost, pubsub-duplicates, pubsub-cut-off or "
               "p2p-not-covered)");
}

// --fail-on takes every check's name; the summary lists every check with its count and examples,
// the delivery ones agreeing with the delivery section.
void TestCli::failOnCheckNames()
{
    QFETCH(QString, example);
    QFETCH(QString, checks);
    QFETCH(int, exitCode);
    QFETCH(QByteArray, message);
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString summary = dir.filePath(QStringLiteral("summary.json"));
    const CliResult r =
        runCli({QStringLiteral("run"), exampleFiles().filter(example + QStringLiteral(".json")).value(0),
                QStringLiteral("--summary"), summary, QStringLiteral("--fail-on"), checks});
    QVERIFY2(r.exitCode == exitCode, r.describe().constData());
    if (!message.isEmpty()) QVERIFY2(r.err.contains(message), r.err.constData());
    if (exitCode == sb::CliExit::Usage) return;
    QFile file(summary);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QJsonObject json = QJsonDocument::fromJson(file.readAll()).object();
    // Message topologies make no calls: no "calls" section, in the JSON or the text.
    QVERIFY(!json.contains(QLatin1String("calls")));
    QVERIFY(!r.out.contains("\nCalls: "));
    QStringList names;
    const QJsonObject delivery = json.value("delivery").toObject();
    for (const QJsonValue &v : json.value("checks").toArray()) {
        const QJsonObject c = v.toObject();
        names << c.value("name").toString();
        const qint64 count = c.value("count").toInteger(-1);
        QVERIFY(c.value("examples").toArray().size() <= count);
        if (c.value("name") == QLatin1String("lost")) QCOMPARE(count, delivery.value("lost").toInteger());
        if (c.value("name") == QLatin1String("duplicates"))
            QCOMPARE(count, delivery.value("duplicates").toInteger());
        if (c.value("name") == QLatin1String("order"))
            QCOMPARE(count, delivery.value("out_of_order").toInteger());
        if (!c.value("name").toString().contains(QLatin1Char('-')) ||
            c.value("name") == QLatin1String("out-of-order"))
            continue;
        QCOMPARE(count, 0); // no calls, nothing for the call checks to find
    }
    QCOMPARE(names, QStringList({"lost", "duplicates", "pending", "order", "executed-twice", "failed-calls",
                                 "late-replies", "lost-replies", "deadline-exceeded"}));
    QVERIFY(r.out.contains("\nChecks: lost "));
}

void TestCli::failOnCallChecks_data()
{
    QTest::addColumn<QString>("example");
    QTest::addColumn<QString>("checks");
    QTest::addColumn<int>("exitCode");
    QTest::addColumn<QByteArray>("message");
    QTest::newRow("retries without idempotency keys execute twice")
        << "grpc-retries-idempotency"
        << "executed-twice" << int(sb::CliExit::CheckFailed) << QByteArray("check executed-twice failed: ");
    QTest::newRow("the broken RPC client")
        << "rpc-as-local-call-broken"
        << "lost,late-replies" << int(sb::CliExit::CheckFailed) << QByteArray("check late-replies failed: ");
    QTest::newRow("the fixed one executes each call once")
        << "rpc-as-local-call-fixed"
        << "executed-twice,lost,duplicates,pending" << int(sb::CliExit::Ok) << QByteArray();
}

// Runs with calls: the summary's "calls" section and the call checks agree, and --fail-on on a call
// check exits 5 naming it with its first finding.
void TestCli::failOnCallChecks()
{
    QFETCH(QString, example);
    QFETCH(QString, checks);
    QFETCH(int, exitCode);
    QFETCH(QByteArray, message);
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString summary = dir.filePath(QStringLiteral("summary.json"));
    const QString file = exampleFiles().filter(QLatin1Char('/') + example + QStringLiteral(".json")).value(0);
    QVERIFY2(!file.isEmpty(), qPrintable(example));
    const CliResult r = runCli({QStringLiteral("run"), file, QStringLiteral("--summary"), summary,
                                QStringLiteral("--fail-on"), checks});
    QVERIFY2(r.exitCode == exitCode, r.describe().constData());
    if (!message.isEmpty()) {
        QVERIFY2(r.err.contains(message), r.err.constData());
        QVERIFY2(r.err.contains("), e.g. ") && r.err.contains(" call "), r.err.constData());
    }
    QVERIFY(r.out.contains("\nCalls: "));
    QFile f(summary);
    QVERIFY(f.open(QIODevice::ReadOnly));
    const QJsonObject json = QJsonDocument::fromJson(f.readAll()).object();
    const QJsonObject calls = json.value("calls").toObject();
    QVERIFY(calls.value("calls").toInteger() > 0);
    QCOMPARE(calls.value("calls").toInteger(),
             calls.value("completed").toInteger() + calls.value("open").toInteger());
    QCOMPARE(calls.value("calls").toInteger(), calls.value("executed_never").toInteger() +
                                                   calls.value("executed_once").toInteger() +
                                                   calls.value("executed_twice_or_more").toInteger());
    QVERIFY(!calls.value("methods").toArray().isEmpty());
    for (const QJsonValue &v : json.value("checks").toArray()) {
        const QJsonObject c = v.toObject();
        if (c.value("name") == QLatin1String("executed-twice"))
            QCOMPARE(c.value("count").toInteger(), calls.value("executed_twice_or_more").toInteger());
        if (c.value("name") == QLatin1String("late-replies"))
            QCOMPARE(c.value("count").toInteger(), calls.value("late_replies").toInteger());
        if (c.value("count").toInteger() > 0)
            QVERIFY(c.value("examples").toArray().first().toObject().contains(QLatin1String("correlation")) ||
                    c.value("examples").toArray().first().toObject().contains(QLatin1String("message")));
    }
}

void TestCli::failOnOutboxChecks_data()
{
    QTest::addColumn<QString>("example");
    QTest::addColumn<QString>("checks");
    QTest::addColumn<int>("exitCode");
    QTest::addColumn<QByteArray>("message");
    QTest::newRow("a dual write loses events")
        << "outbox-dual-write"
        << "outbox-lost" << int(sb::CliExit::CheckFailed) << QByteArray("check outbox-lost failed: 2 (");
    QTest::newRow("... and fakes some") << "outbox-dual-write"
                                        << "outbox-phantom" << int(sb::CliExit::CheckFailed)
                                        << QByteArray("check outbox-phantom failed: 2 (");
    QTest::newRow("the relay loses, fakes and duplicates none")
        << "outbox-relay"
        << "outbox-lost,outbox-phantom,outbox-duplicates,lost,duplicates" << int(sb::CliExit::Ok)
        << QByteArray();
}

// Runs with outbox services: the summary lists the outbox checks, and --fail-on on one exits 5
// naming it with its first finding (a message and the service).
void TestCli::failOnOutboxChecks()
{
    QFETCH(QString, example);
    QFETCH(QString, checks);
    QFETCH(int, exitCode);
    QFETCH(QByteArray, message);
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString summary = dir.filePath(QStringLiteral("summary.json"));
    const QString file = exampleFiles().filter(QLatin1Char('/') + example + QStringLiteral(".json")).value(0);
    QVERIFY2(!file.isEmpty(), qPrintable(example));
    const CliResult r = runCli({QStringLiteral("run"), file, QStringLiteral("--summary"), summary,
                                QStringLiteral("--fail-on"), checks});
    QVERIFY2(r.exitCode == exitCode, r.describe().constData());
    if (!message.isEmpty()) {
        QVERIFY2(r.err.contains(message), r.err.constData());
        QVERIFY2(r.err.contains("), e.g. message ") && r.err.contains("Orders ("), r.err.constData());
    }
    QFile f(summary);
    QVERIFY(f.open(QIODevice::ReadOnly));
    const QJsonObject json = QJsonDocument::fromJson(f.readAll()).object();
    QStringList names;
    for (const QJsonValue &v : json.value("checks").toArray())
        names << v.toObject().value("name").toString();
    for (const char *check : {"outbox-lost", "outbox-phantom", "outbox-duplicates"})
        QVERIFY2(names.contains(QLatin1String(check)), qPrintable(names.join(',')));
}

void TestCli::deterministic_data()
{
    addExampleRows();
}

void TestCli::deterministic()
{
    QFETCH(QString, file);
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    QByteArray runs[2];
    for (int i = 0; i < 2; ++i) {
        const QString events = dir.filePath(QStringLiteral("events-%1.jsonl").arg(i));
        const CliResult r = runCli({QStringLiteral("run"), file, QStringLiteral("--until"),
                                    QStringLiteral("5s"), QStringLiteral("--speed"), QStringLiteral("max"),
                                    QStringLiteral("--quiet"), QStringLiteral("--events"), events});
        QVERIFY2(r.exitCode == sb::CliExit::Ok, r.describe().constData());
        runs[i] = readAll(events);
    }
    QVERIFY(!runs[0].isEmpty());
    QVERIFY2(runs[0] == runs[1], "two runs with the same seed wrote different events");
}

void TestCli::differentSeed_data()
{
    QTest::addColumn<QString>("file");
    for (const QString &f : exampleFiles())
        if (usesRandomness(f)) QTest::newRow(qPrintable(QFileInfo(f).fileName())) << f;
}

void TestCli::differentSeed()
{
    QFETCH(QString, file);
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    QByteArray runs[2];
    for (int seed = 1; seed <= 2; ++seed) {
        const QString events = dir.filePath(QStringLiteral("events-%1.jsonl").arg(seed));
        const CliResult r =
            runCli({QStringLiteral("run"), file, QStringLiteral("--until"), QStringLiteral("5s"),
                    QStringLiteral("--seed"), QString::number(seed), QStringLiteral("--speed"),
                    QStringLiteral("max"), QStringLiteral("--quiet"), QStringLiteral("--events"), events});
        QVERIFY2(r.exitCode == sb::CliExit::Ok, r.describe().constData());
        runs[seed - 1] = readAll(events);
    }
    QVERIFY(!runs[0].isEmpty() && !runs[1].isEmpty());
    QVERIFY2(runs[0] != runs[1], "seeds 1 and 2 wrote identical events");
}

void TestCli::missingFile_data()
{
    QTest::addColumn<QString>("command");
    QTest::newRow("validate") << QStringLiteral("validate");
    QTest::newRow("run") << QStringLiteral("run");
}

void TestCli::missingFile()
{
    QFETCH(QString, command);
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString missing = dir.filePath(QStringLiteral("no-such-topology.json"));
    const CliResult r = runCli({command, missing});
    QVERIFY2(r.exitCode == sb::CliExit::InvalidInput, r.describe().constData());
    QVERIFY2(r.err.contains(missing.toUtf8()), r.describe().constData());
}

void TestCli::brokenFile_data()
{
    QTest::addColumn<QString>("command");
    QTest::addColumn<QString>("file");
    QTest::addColumn<QByteArray>("expected"); // in stderr, after the file name

    QTest::newRow("validate: property out of range")
        << QStringLiteral("validate") << dataFile("bad-property.json")
        << QByteArray(": $.nodes[1].properties.maxLength");
    QTest::newRow("run: property out of range") << QStringLiteral("run") << dataFile("bad-property.json")
                                                << QByteArray(": $.nodes[1].properties.maxLength");
    QTest::newRow("validate: unknown kind")
        << QStringLiteral("validate") << dataFile("unknown-kind.json") << QByteArray(": $.nodes[1].kind");
    QTest::newRow("run: binding without link")
        << QStringLiteral("run") << dataFile("binding-without-link.json") << QByteArray(": $.bindings[0]");
    QTest::newRow("validate: newer version")
        << QStringLiteral("validate") << dataFile("newer-version.json") << QByteArray(": $.version");
    QTest::newRow("validate: not JSON")
        << QStringLiteral("validate") << dataFile("not-json.json") << QByteArray(":6:5: not valid JSON");
    QTest::newRow("run: empty file") << QStringLiteral("run") << dataFile("empty.json")
                                     << QByteArray(":1:1: not valid JSON");
}

void TestCli::brokenFile()
{
    QFETCH(QString, command);
    QFETCH(QString, file);
    QFETCH(QByteArray, expected);

    QVERIFY2(QFile::exists(file), qPrintable(file));
    const CliResult r = runCli({command, file});
    QVERIFY2(r.exitCode == sb::CliExit::InvalidInput, r.describe().constData());
    QVERIFY2(r.err.contains(file.toUtf8() + expected), r.describe().constData());
}

void TestCli::usageErrors_data()
{
    QTest::addColumn<QStringList>("args"); // "FILE" stands for a valid example

    QTest::newRow("no arguments") << QStringList{};
    QTest::newRow("unknown command") << QStringList{"frobnicate"};
    QTest::newRow("validate without file") << QStringList{"validate"};
    QTest::newRow("validate two files") << QStringList{"validate", "FILE", "FILE"};
    QTest::newRow("kinds with an argument") << QStringList{"kinds", "--xml"};
    QTest::newRow("run without file") << QStringList{"run"};
    QTest::newRow("run two files") << QStringList{"run", "FILE", "FILE"};
    QTest::newRow("unknown option") << QStringList{"run", "FILE", "--bogus"};
    QTest::newRow("option without value") << QStringList{"run", "FILE", "--until"};
    QTest::newRow("bad duration") << QStringList{"run", "FILE", "--until", "soon"};
    QTest::newRow("negative seed") << QStringList{"run", "FILE", "--seed", "-1"};
    QTest::newRow("seed not a number") << QStringList{"run", "FILE", "--seed", "abc"};
    QTest::newRow("zero messages") << QStringList{"run", "FILE", "--messages", "0"};
    QTest::newRow("zero speed") << QStringList{"run", "FILE", "--speed", "0"};
    QTest::newRow("speed word") << QStringList{"run", "FILE", "--speed", "fast"};
    QTest::newRow("unknown check") << QStringList{"run", "FILE", "--fail-on", "everything"};
    QTest::newRow("match without dialect") << QStringList{"match", "a.*", "a.b"};
    QTest::newRow("match, unknown dialect") << QStringList{"match", "--dialect", "kafka", "a.*", "a.b"};
    QTest::newRow("match, dialect without value") << QStringList{"match", "a.*", "a.b", "--dialect"};
    QTest::newRow("match, one text") << QStringList{"match", "--dialect", "amqp", "a.*"};
    QTest::newRow("match, three texts") << QStringList{"match", "--dialect", "amqp", "a", "b", "c"};
    QTest::newRow("match, unknown option") << QStringList{"match", "--dialect", "amqp", "--why", "a", "b"};
    QTest::newRow("route without --from") << QStringList{"route", "FILE"};
    QTest::newRow("route without file") << QStringList{"route", "--from", "p"};
    QTest::newRow("route, header without =") << QStringList{"route", "FILE", "--from", "p", "--header", "x"};
    QTest::newRow("route, unknown option") << QStringList{"route", "FILE", "--from", "p", "--why"};
}

void TestCli::usageErrors()
{
    QFETCH(QStringList, args);
    args.replaceInStrings(QRegularExpression(QStringLiteral("^FILE$")), exampleFiles().value(0));
    const CliResult r = runCli(args);
    QVERIFY2(r.exitCode == sb::CliExit::Usage, r.describe().constData());
    QVERIFY2(!r.err.trimmed().isEmpty(), "a usage error says what is wrong");
}

void TestCli::unwritableOutput_data()
{
    // DIR stands for a temporary folder; NAME for a file name the option accepts.
    QTest::addColumn<QString>("option");
    QTest::addColumn<QString>("path");
    QTest::addColumn<QByteArray>("reason");
    const struct {
        const char *option, *name;
    } options[] = {{"--summary", "out.json"},
                   {"--events", "out.jsonl"},
                   {"--metrics", "out.csv"},
                   {"--sequence", "out.mmd"},
                   {"--sequence", "out.svg"}};
    for (const auto &o : options) {
        const QString name = QLatin1String(o.name);
        const QString row = QLatin1String(o.option) + QLatin1Char(' ') + name + QLatin1Char(' ');
        // A folder with the file's name: the OS's "is a directory".
        QTest::newRow(qPrintable(row + "directory"))
            << QString::fromLatin1(o.option) << QStringLiteral("DIR/") + name << QByteArray("is a directory");
        QTest::newRow(qPrintable(row + "missing folder"))
            << QString::fromLatin1(o.option) << QStringLiteral("DIR/no/such/") + name
            << QByteArray("no such file or directory");
        QTest::newRow(qPrintable(row + "folder is a file"))
            << QString::fromLatin1(o.option) << QStringLiteral("DIR/file.txt/") + name
            << QByteArray("not a directory");
        // Not writable even for root; the reason is the system's (permission denied, or a
        // read-only file system in some containers).
        QTest::newRow(qPrintable(row + "unwritable place"))
            << QString::fromLatin1(o.option) << QStringLiteral("/sys/") + name << QByteArray();
    }
}

void TestCli::unwritableOutput()
{
    QFETCH(QString, option);
    QFETCH(QString, path);
    QFETCH(QByteArray, reason);
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    QVERIFY(QDir(dir.path()).mkpath(QStringLiteral("out.json")));
    for (const char *name : {"out.jsonl", "out.csv", "out.mmd", "out.svg"})
        QVERIFY(QDir(dir.path()).mkpath(QLatin1String(name)));
    QFile plain(dir.filePath(QStringLiteral("file.txt")));
    QVERIFY(plain.open(QIODevice::WriteOnly));
    plain.close();
    path.replace(QStringLiteral("DIR"), dir.path());
    // The endless topology with a huge limit: only a check made before the run can return.
    const CliResult r = runCli({QStringLiteral("run"), dataFile("endless.json"), QStringLiteral("--until"),
                                QStringLiteral("1e9s"), QStringLiteral("--quiet"), option, path});
    QVERIFY2(r.exitCode == sb::CliExit::OutputError, r.describe().constData());
    const QByteArray expected = option.toUtf8() + ' ' + path.toUtf8() + ": cannot write: " + reason;
    QVERIFY2(r.err.startsWith(expected), r.describe().constData());
    QVERIFY2(r.err.trimmed().size() > expected.size() || !reason.isEmpty(), "the system's reason is given");
    QVERIFY2(r.out.isEmpty(), r.describe().constData());
}

void TestCli::outputExtensions_data()
{
    QTest::addColumn<QString>("option");
    QTest::addColumn<QString>("name");
    QTest::addColumn<bool>("accepted");
    QTest::addColumn<QByteArray>("message"); // for refused names
    QTest::newRow("summary .json") << "--summary"
                                   << "out.json" << true << QByteArray();
    QTest::newRow("summary .xml") << "--summary"
                                  << "out.xml" << false << QByteArray("unknown extension '.xml' (use .json)");
    QTest::newRow("summary .jsonl") << "--summary"
                                    << "out.jsonl" << false
                                    << QByteArray("unknown extension '.jsonl' (use .json)");
    QTest::newRow("summary none") << "--summary"
                                  << "summary" << false << QByteArray("no extension (use .json)");
    QTest::newRow("events .jsonl") << "--events"
                                   << "out.jsonl" << true << QByteArray();
    QTest::newRow("events .csv") << "--events"
                                 << "out.csv" << true << QByteArray();
    QTest::newRow("events .xml") << "--events"
                                 << "out.xml" << false
                                 << QByteArray("unknown extension '.xml' (use .jsonl or .csv)");
    QTest::newRow("events .json") << "--events"
                                  << "out.json" << false
                                  << QByteArray("unknown extension '.json' (use .jsonl or .csv)");
    QTest::newRow("events none") << "--events"
                                 << "events" << false << QByteArray("no extension (use .jsonl or .csv)");
    QTest::newRow("metrics .csv") << "--metrics"
                                  << "out.csv" << true << QByteArray();
    QTest::newRow("metrics .json") << "--metrics"
                                   << "out.json" << false
                                   << QByteArray("unknown extension '.json' (use .csv)");
    QTest::newRow("metrics .tsv") << "--metrics"
                                  << "out.tsv" << false << QByteArray("unknown extension '.tsv' (use .csv)");
    QTest::newRow("sequence .mmd") << "--sequence"
                                   << "out.mmd" << true << QByteArray();
    QTest::newRow("sequence .txt") << "--sequence"
                                   << "out.txt" << false << QByteArray("unknown extension '.txt' (use .mmd");
    QTest::newRow("sequence none") << "--sequence"
                                   << "diagram" << false << QByteArray("no extension (use .mmd");
}

void TestCli::outputExtensions()
{
    QFETCH(QString, option);
    QFETCH(QString, name);
    QFETCH(bool, accepted);
    QFETCH(QByteArray, message);
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath(name);
    const CliResult r = runCli({QStringLiteral("run"), exampleFiles().value(0), QStringLiteral("--until"),
                                QStringLiteral("100ms"), QStringLiteral("--quiet"), option, path});
    if (accepted) {
        QVERIFY2(r.exitCode == sb::CliExit::Ok, r.describe().constData());
        QVERIFY2(QFileInfo(path).size() > 0, qPrintable(path));
    } else {
        QVERIFY2(r.exitCode == sb::CliExit::Usage, r.describe().constData());
        QVERIFY2(r.err.contains(option.toUtf8() + ' ' + path.toUtf8() + ": " + message),
                 r.describe().constData());
        QVERIFY2(!QFile::exists(path), "nothing is written for a refused name");
    }
    // No temporary file is left beside the output.
    QCOMPARE(QDir(dir.path()).entryList(QDir::Files | QDir::Hidden).size(), accepted ? 1 : 0);
}

void TestCli::failedRunKeepsExistingFiles()
{
    // A run whose outputs cannot all be written fails before running and leaves the files of an
    // earlier run as they were.
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QStringList names{QStringLiteral("summary.json"), QStringLiteral("events.jsonl"),
                            QStringLiteral("seq.mmd")};
    for (const QString &n : names) {
        QFile f(dir.filePath(n));
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("saved earlier\n");
    }
    const CliResult r =
        runCli({QStringLiteral("run"), exampleFiles().value(0), QStringLiteral("--until"),
                QStringLiteral("1s"), QStringLiteral("--quiet"), QStringLiteral("--summary"),
                dir.filePath(names[0]), QStringLiteral("--events"), dir.filePath(names[1]),
                QStringLiteral("--sequence"), dir.filePath(names[2]), QStringLiteral("--metrics"),
                dir.filePath(QStringLiteral("no/such/metrics.csv"))});
    QVERIFY2(r.exitCode == sb::CliExit::OutputError, r.describe().constData());
    for (const QString &n : names)
        QCOMPARE(readAll(dir.filePath(n)), QByteArray("saved earlier\n"));
    QCOMPARE(QDir(dir.path()).entryList(QDir::Files | QDir::Hidden).size(), names.size());
}

void TestCli::interrupt_data()
{
    QTest::addColumn<QString>("eventsName");
    QTest::newRow("events as JSON Lines") << QStringLiteral("events.jsonl");
    QTest::newRow("events as CSV") << QStringLiteral("events.csv");
}

void TestCli::interrupt()
{
    QFETCH(QString, eventsName);
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString summaryPath = dir.filePath(QStringLiteral("summary.json"));
    const QString eventsPath = dir.filePath(eventsName);
    const QString metricsPath = dir.filePath(QStringLiteral("metrics.csv"));
    const QString sequencePath = dir.filePath(QStringLiteral("seq.mmd"));
    QProcess p;
    p.start(QStringLiteral(SIGNALBOX_CLI),
            {QStringLiteral("run"), dataFile("endless.json"), QStringLiteral("--until"),
             QStringLiteral("1e9s"), QStringLiteral("--summary"), summaryPath, QStringLiteral("--events"),
             eventsPath, QStringLiteral("--metrics"), metricsPath, QStringLiteral("--sequence"),
             sequencePath});
    QVERIFY(p.waitForStarted());
    // The run is under way once events reach the (temporary) events file.
    const auto eventsWritten = [&] {
        for (const QFileInfo &f : QDir(dir.path()).entryInfoList(QDir::Files | QDir::Hidden))
            if (f.fileName().startsWith(QLatin1Char('.') + eventsName) && f.size() > 100000) return true;
        return false;
    };
    QTRY_VERIFY_WITH_TIMEOUT(eventsWritten(), 60000);
    QCOMPARE(p.state(), QProcess::Running);
    ::kill(static_cast<pid_t>(p.processId()), SIGINT);
    QVERIFY(p.waitForFinished(60000));
    const QByteArray out = p.readAllStandardOutput(), err = p.readAllStandardError();
    QVERIFY2(p.exitStatus() == QProcess::NormalExit, err.constData());
    QCOMPARE(p.exitCode(), sb::CliExit::Interrupted);
    QVERIFY2(out.contains("ended: interrupted"), out.constData());
    QVERIFY2(err.contains("interrupted at virtual time"), err.constData());

    QJsonParseError error{};
    const QJsonDocument summary = QJsonDocument::fromJson(readAll(summaryPath), &error);
    QVERIFY2(error.error == QJsonParseError::NoError, qPrintable(error.errorString()));
    QCOMPARE(summary.object().value(QStringLiteral("stop_reason")).toString(), QStringLiteral("interrupted"));
    QVERIFY(summary.object().value(QStringLiteral("events")).toDouble() > 0);

    // Every file ends on a whole line, and each line parses.
    for (const QString &path : {summaryPath, eventsPath, metricsPath, sequencePath}) {
        const QByteArray text = readAll(path);
        QVERIFY2(!text.isEmpty(), qPrintable(path));
        QVERIFY2(text.endsWith('\n'), qPrintable(path));
    }
    const QList<QByteArray> eventLines = lines(readAll(eventsPath));
    QVERIFY(eventLines.size() > 1);
    if (eventsName.endsWith(QLatin1String(".jsonl"))) {
        for (const QByteArray &line : eventLines) {
            QJsonDocument::fromJson(line, &error);
            QVERIFY2(error.error == QJsonParseError::NoError, line.constData());
        }
    } else {
        const qsizetype columns = eventLines.first().count(',');
        for (const QByteArray &line : eventLines)
            QVERIFY2(line.count(',') == columns, line.constData());
    }
    const QList<QByteArray> metricLines = lines(readAll(metricsPath));
    for (const QByteArray &line : metricLines)
        QVERIFY2(line.count(',') == metricLines.first().count(','), line.constData());
    QVERIFY(readAll(sequencePath).startsWith("sequenceDiagram"));
    // Nothing temporary is left behind.
    QCOMPARE(QDir(dir.path()).entryList(QDir::Files | QDir::Hidden).size(), 4);
}

void TestCli::progressLine_data()
{
    QTest::addColumn<bool>("terminal");
    QTest::addColumn<QStringList>("args");    // after `run FILE --quiet`
    QTest::addColumn<QByteArray>("expected"); // in the first progress line
    QTest::newRow("time limit: time left") << true << QStringList{"--until", "20s"} << QByteArray(" left");
    QTest::newRow("time limit: rate") << true << QStringList{"--until", "20s"} << QByteArray(" events/s");
    QTest::newRow("not a terminal") << false << QStringList{"--until", "20s"} << QByteArray();
}

void TestCli::progressLine()
{
    QFETCH(bool, terminal);
    QFETCH(QStringList, args);
    QFETCH(QByteArray, expected);
    std::vector<std::string> argv{"run", dataFile("endless.json").toStdString(), "--quiet"};
    for (const QString &a : args)
        argv.push_back(a.toStdString());
    std::ostringstream out, err;
    sb::CliEnvironment environment;
    environment.progress = terminal;
    QCOMPARE(sb::cliMain(argv, out, err, environment), sb::CliExit::Ok);
    const QByteArray text = QByteArray::fromStdString(err.str());
    if (!terminal) {
        QVERIFY2(text.isEmpty(), text.constData());
        return;
    }
    // Drawn in place with a carriage return, and the line is cleared at the end.
    QVERIFY2(text.startsWith("\rvirtual "), text.constData());
    QVERIFY2(text.contains(expected), text.constData());
    QVERIFY2(text.endsWith("\r\033[K"), text.constData());
    QVERIFY2(!text.contains('\n'), "progress never scrolls the terminal");
}

void TestCli::craftedFiles_data()
{
    // Files that once ended signalbox-cli with an uncaught exception (exit 134) or a stack
    // overflow (SIGSEGV): now exit 3 with the place and the reason.
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<QByteArray>("message"); // after "FILE:"
    const QByteArray head = R"({"format": "signalbox-topology", "version": 1, )";
    QTest::newRow("1e400") << QByteArray("1e400")
                           << QByteArray("1:1: not valid JSON: number overflow parsing '1e400'");
    QTest::newRow("rate 1e400")
        << head + R"("nodes": [{"id": "p", "kind": "producer", "properties": {"rate": 1e400}}]})"
        << QByteArray("1:113: not valid JSON: number overflow parsing '1e400'");
    QTest::newRow("200000 levels") << head + R"("nodes": [], "x": )" + QByteArray(200000, '[') +
                                          QByteArray(200000, ']') + "}"
                                   << QByteArray("1:321: not valid JSON: nested deeper than 256 levels");
}

void TestCli::craftedFiles()
{
    QFETCH(QByteArray, text);
    QFETCH(QByteArray, message);
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath(QStringLiteral("crafted.json"));
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(text);
    f.close();
    for (const char *command : {"validate", "run"}) {
        const CliResult r = runCli({QLatin1String(command), path});
        QVERIFY2(r.exitCode == sb::CliExit::InvalidInput, r.describe().constData());
        QVERIFY2(r.err.startsWith(path.toUtf8() + ':' + message), r.describe().constData());
    }
}

void TestCli::warningCap_data()
{
    QTest::addColumn<int>("queues"); // unconnected queues: one warning each
    QTest::addColumn<int>("shown");
    QTest::addColumn<QByteArray>("tail"); // the last line; empty when every warning is shown
    QTest::newRow("19") << 19 << 19 << QByteArray();
    QTest::newRow("20") << 20 << 20 << QByteArray();
    QTest::newRow("21") << 21 << 20 << QByteArray("... and 1 more warning");
    QTest::newRow("1021") << 1021 << 20 << QByteArray("... and 1,001 more warnings");
    QTest::newRow("100000") << 100000 << 20 << QByteArray("... and 99,980 more warnings");
}

void TestCli::warningCap()
{
    QFETCH(int, queues);
    QFETCH(int, shown);
    QFETCH(QByteArray, tail);
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath(QStringLiteral("queues.json"));
    QByteArray text = R"({"format": "signalbox-topology", "version": 1, "nodes": [)";
    for (int i = 0; i < queues; ++i)
        text +=
            (i ? "," : "") + QByteArray(R"({"id": "q)") + QByteArray::number(i) + R"(", "kind": "queue"})";
    text += R"(], "links": []})";
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(text);
    f.close();
    const CliResult r = runCli({QStringLiteral("validate"), path});
    QVERIFY2(r.exitCode == sb::CliExit::Ok, r.describe().constData());
    const QList<QByteArray> out = lines(r.out);
    QCOMPARE(out.size(), shown + (tail.isEmpty() ? 0 : 1) + 1); // + the "valid" line
    for (int i = 0; i < shown; ++i)
        QVERIFY2(out[i].contains("warning: queue \"q" + QByteArray::number(i) +
                                 "\": port \"in\" is not connected"),
                 out[i].constData());
    if (!tail.isEmpty()) QCOMPARE(out[shown], tail);
    QVERIFY(out.last().endsWith(": valid (" + QByteArray::number(queues) + " nodes, 0 links, 0 bindings)"));
}

void TestCli::controlCharactersEscaped_data()
{
    QTest::addColumn<QByteArray>("raw");
    QTest::addColumn<QByteArray>("shown");
    QTest::newRow("right-to-left override")
        << QByteArray("evil\xe2\x80\xaeid") << QByteArray("evil\\u202eid");
    QTest::newRow("escape sequence") << QByteArray("a\\u001b[2Jb") << QByteArray("a\\x1b[2Jb");
    QTest::newRow("bell") << QByteArray("a\\u0007b") << QByteArray("a\\x07b");
    QTest::newRow("C1 control") << QByteArray("a\xc2\x9b"
                                              "b")
                                << QByteArray("a\\u009bb");
    QTest::newRow("isolate") << QByteArray("a\xe2\x81\xa6"
                                           "b")
                             << QByteArray("a\\u2066b");
}

void TestCli::controlCharactersEscaped()
{
    QFETCH(QByteArray, raw);
    QFETCH(QByteArray, shown);
    // The text sits in an invalid node id, which the diagnostic quotes.
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath(QStringLiteral("bad.json"));
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(R"({"format": "signalbox-topology", "version": 1, "nodes": [{"id": ")" + raw +
            R"(", "kind": "queue"}], "links": []})");
    f.close();
    for (const char *command : {"validate", "run"}) {
        const CliResult r = runCli({QLatin1String(command), path});
        QVERIFY2(r.exitCode == sb::CliExit::InvalidInput, r.describe().constData());
        QVERIFY2(r.err.contains(shown), r.describe().constData());
        for (char c = 0; c < 0x20; ++c)
            QVERIFY2(c == '\n' || !r.err.contains(c), r.describe().constData());
        QVERIFY2(!r.err.contains("\xe2\x80\xae") && !r.err.contains("\xc2\x9b") &&
                     !r.err.contains("\xe2\x81\xa6"),
                 r.describe().constData());
    }
}

void TestCli::kinds()
{
    const CliResult r = runCli({QStringLiteral("kinds")});
    QVERIFY2(r.exitCode == sb::CliExit::Ok, r.describe().constData());
    const QString out = QString::fromUtf8(r.out);
    for (const char *kind : {"producer", "exchange", "queue", "consumer"}) {
        const QRegularExpression heading(QStringLiteral("^%1 \\(").arg(QLatin1String(kind)),
                                         QRegularExpression::MultilineOption);
        QVERIFY2(heading.match(out).hasMatch(), kind);
    }
    QVERIFY(out.contains(QLatin1String("link properties:")));
}

void TestCli::kindsTextRanges_data()
{
    // Every property with a range, per kind (and the link's): the text output must print the
    // schema's bounds in full. Bounds are formatted here with QString::number, independently of
    // the CLI's own formatting.
    QTest::addColumn<QString>("section"); // the heading line's start: "producer (" or "link properties:"
    QTest::addColumn<QString>("key");
    QTest::addColumn<QString>("range");
    const auto bound = [](const std::optional<double> &v) {
        return v ? QString::number(*v, 'g', 17) : QString();
    };
    QStringList keys;
    const auto add = [&](const QString &section, const std::vector<sb::PropertySpec> &props) {
        for (const auto &p : props) {
            if (!p.min && !p.max) continue;
            const QString key = QString::fromStdString(p.key);
            keys << key;
            QTest::newRow(qPrintable(section + QLatin1Char(' ') + key))
                << section << key << QStringLiteral("[%1..%2]").arg(bound(p.min), bound(p.max));
        }
    };
    const auto &reg = sb::KindRegistry::builtin();
    for (const auto &k : reg.kinds())
        add(QString::fromStdString(k.kind) + QStringLiteral(" ("), k.properties);
    add(QStringLiteral("link properties:"), reg.linkProperties());
    // The properties the defect report named are among the rows.
    for (const char *named : {"rate", "burstSize", "count", "retries", "maxLength", "keyCount", "maxInFlight",
                              "concurrency", "batchSize"})
        QVERIFY2(keys.contains(QLatin1String(named)), named);
}

void TestCli::kindsTextRanges()
{
    QFETCH(QString, section);
    QFETCH(QString, key);
    QFETCH(QString, range);
    const CliResult r = runCli({QStringLiteral("kinds")});
    QVERIFY2(r.exitCode == sb::CliExit::Ok, r.describe().constData());
    const QStringList text = QString::fromUtf8(r.out).split(QLatin1Char('\n'));
    qsizetype i = 0;
    while (i < text.size() && !text[i].startsWith(section))
        ++i;
    QVERIFY2(i < text.size(), qPrintable(section));
    // The property's line within that section (sections start at column 0).
    for (++i; i < text.size() && (text[i].isEmpty() || text[i].startsWith(QLatin1Char(' '))); ++i) {
        if (!text[i].startsWith(QStringLiteral("    ") + key + QLatin1Char(' '))) continue;
        QVERIFY2(text[i].endsWith(QLatin1Char(' ') + range),
                 qPrintable(text[i] + QStringLiteral(" wants ") + range));
        return;
    }
    QFAIL(qPrintable(key + QStringLiteral(" is not listed under ") + section));
}

void TestCli::kindsJson()
{
    const CliResult r = runCli({QStringLiteral("kinds"), QStringLiteral("--json")});
    QVERIFY2(r.exitCode == sb::CliExit::Ok, r.describe().constData());
    QJsonParseError error{};
    const QJsonDocument doc = QJsonDocument::fromJson(r.out, &error);
    QVERIFY2(error.error == QJsonParseError::NoError, qPrintable(error.errorString()));
    std::set<QString> names;
    for (const auto &k : doc.object().value(QStringLiteral("kinds")).toArray())
        names.insert(k.toObject().value(QStringLiteral("kind")).toString());
    // Every kind of the registry, the AMQP ones and the call kinds among them.
    std::set<QString> expected;
    for (const auto &k : sb::KindRegistry::builtin().kinds())
        expected.insert(QString::fromStdString(k.kind));
    QCOMPARE(names, expected);
    for (const char *k : {"producer", "exchange", "queue", "consumer", "rpc-client", "rpc-server",
                          "http-client", "http-server"})
        QVERIFY2(names.count(QString::fromLatin1(k)), k);
    QVERIFY(doc.object().value(QStringLiteral("link")).isArray());

    // The executable prints exactly what the library's registry and cliMain say.
    QCOMPARE(r.out, QByteArray::fromStdString(sb::KindRegistry::builtin().toJson().dump(2) + "\n"));
    std::ostringstream out, err;
    QCOMPARE(sb::cliMain({"kinds", "--json"}, out, err), sb::CliExit::Ok);
    QCOMPARE(r.out, QByteArray::fromStdString(out.str()));
}

void TestCli::help_data()
{
    QTest::addColumn<QString>("flag");
    QTest::newRow("--help") << QStringLiteral("--help");
    QTest::newRow("-h") << QStringLiteral("-h");
    QTest::newRow("help") << QStringLiteral("help");
}

void TestCli::help()
{
    QFETCH(QString, flag);
    const CliResult r = runCli({flag});
    QVERIFY2(r.exitCode == sb::CliExit::Ok, r.describe().constData());
    const QString out = QString::fromUtf8(r.out);
    for (const char *command :
         {"validate", "kinds", "run", "match --dialect amqp|mqtt|nats|redis", "route FILE --from NODE"})
        QVERIFY2(out.contains(QLatin1String(command)), command);

    const qsizetype section = out.indexOf(QLatin1String("Exit codes"));
    QVERIFY2(section >= 0, r.out.constData());
    const QString codes = out.mid(section);
    for (int code : {sb::CliExit::Ok, sb::CliExit::NoMatch, sb::CliExit::Usage, sb::CliExit::InvalidInput,
                     sb::CliExit::OutputError, sb::CliExit::CheckFailed, sb::CliExit::Interrupted}) {
        const QRegularExpression line(QStringLiteral("^\\s*%1\\s+\\S").arg(code),
                                      QRegularExpression::MultilineOption);
        QVERIFY2(line.match(codes).hasMatch(),
                 qPrintable(QStringLiteral("exit code %1 is not listed").arg(code)));
    }
}

void TestCli::faultOptions_data()
{
    QTest::addColumn<QString>("example");
    QTest::addColumn<QStringList>("args"); // PLAN stands for a plan file holding `plan`
    QTest::addColumn<QByteArray>("plan");
    QTest::addColumn<int>("exitCode");
    QTest::addColumn<QByteArray>("output"); // expected in stdout (exit 0) or stderr
    QTest::newRow("nemesis") << "work-queue" << QStringList{"--nemesis", "isolate-node:at=1s,for=1s"}
                             << QByteArray() << int(sb::CliExit::Ok)
                             << QByteArray("nemesis-1 isolate-node: 1s - 2s, {");
    QTest::newRow("nemesis repeats") << "work-queue"
                                     << QStringList{"--nemesis", "partition-halves:every=2s,for=500ms"}
                                     << QByteArray() << int(sb::CliExit::Ok)
                                     << QByteArray("nemesis-1 partition-halves: 4s - 4.5s");
    QTest::newRow("not a nemesis") << "work-queue" << QStringList{"--nemesis", "crash:at=1s"} << QByteArray()
                                   << int(sb::CliExit::Usage) << QByteArray("'crash' is not a nemesis");
    QTest::newRow("nemesis on an unknown node")
        << "work-queue" << QStringList{"--nemesis", "bridge:nodes=tasks+nobody+producer"} << QByteArray()
        << int(sb::CliExit::InvalidInput)
        << QByteArray("--nemesis: $.faults[0].nodes[1]: fault \"nemesis-1\"");
    QTest::newRow("plan replaces")
        << "partition-heals" << QStringList{"--faults", "PLAN"}
        << QByteArray(
               R"({"faults":[{"id":"slow","kind":"slow","target":"worker","start":"1s","duration":"1s"}]})")
        << int(sb::CliExit::Ok) << QByteArray("Faults:\n  slow slow worker: 1s - 2s\n");
    QTest::newRow("plan adds")
        << "partition-heals" << QStringList{"--add-faults", "PLAN"}
        << QByteArray(R"([{"id":"gc","kind":"pause","target":"queue","start":"10s","duration":"1s"}])")
        << int(sb::CliExit::Ok) << QByteArray("  cut link-down publish: 2s - 4s\n");
    QTest::newRow("plan error names the plan")
        << "partition-heals" << QStringList{"--add-faults", "PLAN"}
        << QByteArray(
               R"({"faults":[{"id":"x","kind":"link-down","target":"publish","start":"3s","duration":"5s"}]})")
        << int(sb::CliExit::InvalidInput)
        << QByteArray("plan.json: $.faults[0]: fault \"x\" (link-down from 3s to 8s) overlaps fault \"cut\"");
    QTest::newRow("plan not json") << "partition-heals" << QStringList{"--faults", "PLAN"} << QByteArray("{")
                                   << int(sb::CliExit::InvalidInput)
                                   << QByteArray("plan.json:1:2: not valid JSON");
    QTest::newRow("two plans") << "partition-heals" << QStringList{"--faults", "PLAN", "--add-faults", "PLAN"}
                               << QByteArray("[]") << int(sb::CliExit::Usage)
                               << QByteArray("give one plan file");
}

// --faults, --add-faults and --nemesis change the plan a run uses; their problems name the plan.
void TestCli::faultOptions()
{
    QFETCH(QString, example);
    QFETCH(QStringList, args);
    QFETCH(QByteArray, plan);
    QFETCH(int, exitCode);
    QFETCH(QByteArray, output);
    QTemporaryDir dir;
    const QString planPath = dir.filePath(QStringLiteral("plan.json"));
    QFile file(planPath);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(plan);
    file.close();
    args.replaceInStrings(QRegularExpression(QStringLiteral("^PLAN$")), planPath);
    const CliResult r = runCli(QStringList{QStringLiteral("run"),
                                           exampleFiles().filter(example + QStringLiteral(".json")).value(0),
                                           QStringLiteral("--until"), QStringLiteral("6s")} +
                               args);
    QVERIFY2(r.exitCode == exitCode, r.describe().constData());
    QVERIFY2((exitCode == 0 ? r.out : r.err).contains(output), (r.out + r.err).constData());
    if (example == QLatin1String("partition-heals") && args.first() == QLatin1String("--faults") &&
        exitCode == 0)
        QVERIFY(!r.out.contains("cut link-down")); // replaced, not added
}

// The events file names each fault event's fault and carries local clock readings.
void TestCli::eventsCarryFaultsAndLocalTime()
{
    QTemporaryDir dir;
    const QString events = dir.filePath(QStringLiteral("events.jsonl"));
    const CliResult r =
        runCli({QStringLiteral("run"), exampleFiles().filter(QStringLiteral("partition-heals.json")).value(0),
                QStringLiteral("--quiet"), QStringLiteral("--events"), events});
    QVERIFY2(r.exitCode == sb::CliExit::Ok, r.describe().constData());
    const QByteArray text = readAll(events);
    QVERIFY(text.contains(
        R"({"t":2000000000,"kind":"fault-start","node":"publisher","peer":"queue","link":"publish","fault":"cut"})"));
    QVERIFY(text.contains(R"("kind":"fault-end")"));
    const CliResult skew =
        runCli({QStringLiteral("run"), exampleFiles().filter(QStringLiteral("clock-skew.json")).value(0),
                QStringLiteral("--quiet"), QStringLiteral("--events"), events});
    QVERIFY2(skew.exitCode == sb::CliExit::Ok, skew.describe().constData());
    QVERIFY(readAll(events).contains(",\"local\":"));
}

void TestCli::match_data()
{
    QTest::addColumn<QStringList>("args"); // after "match"
    QTest::addColumn<int>("exitCode");
    QTest::addColumn<QByteArray>("out"); // the whole of stdout
    QTest::addColumn<QByteArray>("err"); // in stderr
    QTest::newRow("mqtt match") << QStringList{"--dialect", "mqtt", "home/+/temp", "home/kitchen/temp"}
                                << int(sb::CliExit::Ok) << QByteArray("matches: '+' took 'kitchen'\n")
                                << QByteArray();
    QTest::newRow("mqtt no match") << QStringList{"--dialect", "mqtt", "home/garage/+", "home/kitchen/temp"}
                                   << int(sb::CliExit::NoMatch)
                                   << QByteArray("no match: level 2 'kitchen' is not 'garage'\n")
                                   << QByteArray();
    QTest::newRow("mqtt $ topic")
        << QStringList{"--dialect", "mqtt", "#", "$SYS/uptime"} << int(sb::CliExit::NoMatch)
        << QByteArray("no match: '#' at the start does not match topics beginning with '$' "
                      "(such as '$SYS/...', the broker's own); subscribe to '$SYS/#' for those\n")
        << QByteArray();
    QTest::newRow("amqp wildcards") << QStringList{"a.*.#", "--dialect", "amqp", "a.b.c.d"}
                                    << int(sb::CliExit::Ok)
                                    << QByteArray("matches: '*' took 'b', '#' took 'c.d'\n") << QByteArray();
    QTest::newRow("amqp literal * warned")
        << QStringList{"--dialect", "amqp", "a.b*", "a.bc"} << int(sb::CliExit::NoMatch)
        << QByteArray("pattern warning: word 2 'b*' has '*' at column 4 inside it: "
                      "RabbitMQ matches it as a literal character, not as a wildcard (a "
                      "wildcard is a whole word between dots, e.g. 'a.*')\n  a.b*\n     "
                      "^\nno match: word 2 (the last) 'bc' is not 'b*'\n")
        << QByteArray();
    QTest::newRow("amqp three #")
        << QStringList{"--dialect", "amqp", "#.a.#.b.#", "a.b"} << int(sb::CliExit::Usage) << QByteArray()
        << QByteArray("pattern error: word 5 at column 9 is a third '#': RabbitMQ refuses topic "
                      "binding keys with more than 2 '#' words (each one multiplies the "
                      "matching work)\n  #.a.#.b.#\n          ^\n");
    QTest::newRow("mqtt wildcard in the topic")
        << QStringList{"--dialect", "mqtt", "a/+", "a/+"} << int(sb::CliExit::Usage) << QByteArray()
        << QByteArray("subject error: '+' at column 3: a topic name to publish to "
                      "cannot contain wildcards");
    QTest::newRow("nats empty token")
        << QStringList{"--dialect", "nats", "a..b", "a.x.b"} << int(sb::CliExit::Usage) << QByteArray()
        << QByteArray("'..' at column 2 leaves token 2 empty");
    QTest::newRow("redis glob") << QStringList{"--dialect", "redis", "h[ae]llo", "hallo"}
                                << int(sb::CliExit::Ok) << QByteArray("matches: '[ae]' took 'a'\n")
                                << QByteArray();
    QTest::newRow("pattern after --")
        << QStringList{"--dialect", "redis", "--", "-*", "-x"} << int(sb::CliExit::Ok)
        << QByteArray("matches: '*' took 'x'\n") << QByteArray();
}

void TestCli::route_data()
{
    QTest::addColumn<QString>("example");
    QTest::addColumn<QStringList>("args"); // after "route EXAMPLE"
    QTest::addColumn<int>("exitCode");
    QTest::addColumn<QByteArray>("out"); // in stdout
    QTest::addColumn<QByteArray>("err"); // in stderr
    QTest::newRow("topic: two bindings")
        << "topic-routing" << QStringList{"--from", "events"} << int(sb::CliExit::Ok)
        << QByteArray("ends at: eu-service, order-service\n") << QByteArray();
    QTest::newRow("topic: alternate")
        << "topic-routing" << QStringList{"--from", "events", "--routing-key", "audit.log"}
        << int(sb::CliExit::Ok)
        << QByteArray("  x  failures via bind-failures (binding \"#.failed\"): not taken: no match")
        << QByteArray();
    QTest::newRow("content filter fields")
        << "content-based-routing"
        << QStringList{"--from", "orders", "--field", "total=1500", "--field", "country=DE"}
        << int(sb::CliExit::Ok)
        << QByteArray("\"total > 1000 && country != 'US'\" holds for total = 1500, country = 'DE'")
        << QByteArray();
    QTest::newRow("headers binding shown by its arguments")
        << "headers-exchange" << QStringList{"--from", "reports", "--header", "format=zip"}
        << int(sb::CliExit::Ok) << QByteArray("(binding \"x-match=any, format=zip, type=log\")")
        << QByteArray();
    QTest::newRow("kafka key picks the partition")
        << "kafka-consumer-groups" << QStringList{"--from", "producer", "--key", "user-7"}
        << int(sb::CliExit::Ok) << QByteArray("toPositive(murmur2(\"user-7\")) %") << QByteArray();
    QTest::newRow("nowhere: exit 1") << "nats-queue-groups"
                                     << QStringList{"--from", "orders", "--subject", "payments.eu"}
                                     << int(sb::CliExit::NoMatch)
                                     << QByteArray("ends at: nowhere (no path delivers it)\n")
                                     << QByteArray();
    QTest::newRow("unknown node, with a suggestion")
        << "work-queue" << QStringList{"--from", "prodcer"} << int(sb::CliExit::Usage) << QByteArray()
        << QByteArray("--from: no node \"prodcer\" in");
    QTest::newRow("did you mean") << "work-queue" << QStringList{"--from", "prodcer"}
                                  << int(sb::CliExit::Usage) << QByteArray()
                                  << QByteArray("did you mean \"producer\"?");
}

void TestCli::route()
{
    QFETCH(QString, example);
    QFETCH(QStringList, args);
    QFETCH(int, exitCode);
    QFETCH(QByteArray, out);
    QFETCH(QByteArray, err);
    const CliResult r = runCli(
        QStringList{QStringLiteral("route"), QStringLiteral(SIGNALBOX_EXAMPLES_DIR "/") + example + ".json"} +
        args);
    QVERIFY2(r.exitCode == exitCode, r.describe().constData());
    QVERIFY2(r.out.contains(out), r.describe().constData());
    QVERIFY2(r.err.contains(err), r.describe().constData());
}

void TestCli::routeJson()
{
    const CliResult r =
        runCli({QStringLiteral("route"), QStringLiteral(SIGNALBOX_EXAMPLES_DIR "/fanout-pubsub.json"),
                QStringLiteral("--from"), QStringLiteral("orders"), QStringLiteral("--json")});
    QVERIFY2(r.exitCode == sb::CliExit::Ok, r.describe().constData());
    const QJsonDocument doc = QJsonDocument::fromJson(r.out);
    QVERIFY(doc.isObject());
    QCOMPARE(doc.object().value("destinations").toArray().size(), 3);
    const QJsonArray hops = doc.object().value("hops").toArray();
    QCOMPARE(hops.first().toObject().value("node").toString(), QStringLiteral("orders"));
    // Each hop has the message as it arrived: the exchange gets the producer's routing key.
    QCOMPARE(hops.at(1).toObject().value("message").toObject().value("routingKey").toString(),
             QStringLiteral("order.created"));
    // A broken file: the load errors, exit 3.
    QTemporaryDir dir;
    const QString bad = dir.filePath("bad.json");
    QFile f(bad);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write("{\"format\": \"signalbox-topology\"");
    f.close();
    const CliResult broken =
        runCli({QStringLiteral("route"), bad, QStringLiteral("--from"), QStringLiteral("p")});
    QVERIFY2(broken.exitCode == sb::CliExit::InvalidInput, broken.describe().constData());
}

void TestCli::examples_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<int>("exitCode");
    QTest::addColumn<QStringList>("outHas");
    QTest::addColumn<QStringList>("outLacks");
    QTest::addColumn<QByteArray>("err");
    QTest::newRow("all, grouped") << QStringList{} << 0
                                  << QStringList{"Message passing\n", "Publish-subscribe\n",
                                                 "work-queue.json", "[pitfall: duplicates, fixed]",
                                                 "(Amazon SNS, Amazon SQS)"}
                                  << QStringList{} << QByteArray();
    QTest::newRow("one paradigm") << QStringList{"--paradigm", "sagas"} << 0
                                  << QStringList{"Sagas\n", "saga-orchestrated.json"}
                                  << QStringList{"work-queue.json", "Publish-subscribe"} << QByteArray();
    QTest::newRow("search") << QStringList{"--search", "kafka replay"} << 0
                            << QStringList{"kafka-replay.json"} << QStringList{"kafka-acks.json"}
                            << QByteArray();
    QTest::newRow("nothing matches") << QStringList{"--search", "no-such-thing"} << 0
                                     << QStringList{"no example matches"} << QStringList{} << QByteArray();
    QTest::newRow("misspelt paradigm") << QStringList{"--paradigm", "pubsub"} << 2 << QStringList{}
                                       << QStringList{} << QByteArray("did you mean 'pub-sub'");
    QTest::newRow("missing folder") << QStringList{"--dir", "/no/such/folder"} << 3 << QStringList{}
                                    << QStringList{} << QByteArray("/no/such/folder: no such directory");
    QTest::newRow("unknown option") << QStringList{"--all"} << 2 << QStringList{} << QStringList{}
                                    << QByteArray("unknown option '--all'");
    QTest::newRow("option without value") << QStringList{"--search"} << 2 << QStringList{} << QStringList{}
                                          << QByteArray("--search needs a value");
}

void TestCli::examples()
{
    QFETCH(QStringList, args);
    QFETCH(int, exitCode);
    QFETCH(QStringList, outHas);
    QFETCH(QStringList, outLacks);
    QFETCH(QByteArray, err);
    const CliResult r = runCli(QStringList{QStringLiteral("examples")} + args);
    QVERIFY2(r.exitCode == exitCode, r.describe().constData());
    for (const QString &s : outHas)
        QVERIFY2(r.out.contains(s.toUtf8()), qPrintable(s + "\n" + r.out));
    for (const QString &s : outLacks)
        QVERIFY2(!r.out.contains(s.toUtf8()), qPrintable(s + "\n" + r.out));
    if (err.isEmpty())
        QVERIFY2(r.err.isEmpty(), r.err.constData());
    else
        QVERIFY2(r.err.contains(err), r.err.constData());
}

void TestCli::examplesJson()
{
    const CliResult r = runCli({QStringLiteral("examples"), QStringLiteral("--json")});
    QVERIFY2(r.exitCode == sb::CliExit::Ok, r.describe().constData());
    const QJsonObject doc = QJsonDocument::fromJson(r.out).object();
    const QJsonArray list = doc.value("examples").toArray();
    QCOMPARE(list.size(), exampleFiles().size());
    QSet<QString> files;
    for (const QJsonValue &v : list) {
        files.insert(v.toObject().value("file").toString());
        QVERIFY(!v.toObject().value("paradigm").toString().isEmpty());
        QVERIFY(!v.toObject().value("description").toString().isEmpty());
    }
    for (const QString &f : exampleFiles())
        QVERIFY2(files.contains(QFileInfo(f).fileName()), qPrintable(f));
    QVERIFY(!doc.value("paradigms").toArray().isEmpty());
    QCOMPARE(doc.value("pitfalls").toArray().size(), 5);
    // A folder with a broken file: it is named on stderr and left out; the rest are listed.
    QTemporaryDir dir;
    QVERIFY(
        QFile::copy(QStringLiteral(SIGNALBOX_EXAMPLES_DIR "/work-queue.json"), dir.filePath("good.json")));
    QFile bad(dir.filePath("bad.json"));
    QVERIFY(bad.open(QIODevice::WriteOnly));
    bad.write("{\"nodes\": [");
    bad.close();
    const CliResult mixed =
        runCli({QStringLiteral("examples"), QStringLiteral("--json"), QStringLiteral("--dir"), dir.path()});
    QVERIFY2(mixed.exitCode == sb::CliExit::Ok, mixed.describe().constData());
    QCOMPARE(QJsonDocument::fromJson(mixed.out).object().value("examples").toArray().size(), 1);
    QVERIFY2(mixed.err.contains("bad.json") && mixed.err.contains("left out"), mixed.err.constData());
}

void TestCli::overlay_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<int>("exitCode");
    QTest::addColumn<int>("peers");
    QTest::addColumn<int>("links");
    QTest::addColumn<QByteArray>("err");
    QTest::newRow("ring") << QStringList{"--shape", "ring", "--peers", "8", "--k", "1"} << 0 << 8 << 8
                          << QByteArray();
    QTest::newRow("grid") << QStringList{"--shape", "grid", "--peers", "9"} << 0 << 9 << 12 << QByteArray();
    QTest::newRow("random regular") << QStringList{"--shape", "random-regular", "--peers",
                                                   "10",      "--degree",       "3"}
                                    << 0 << 10 << 15 << QByteArray();
    QTest::newRow("with peer properties")
        << QStringList{"--shape",           "ring",
                       "--peers",           "6",
                       "--peer-properties", R"({"dissemination": "flooding", "ttl": 2})"}
        << 0 << 6 << 12 << QByteArray();
    QTest::newRow("odd degree sum") << QStringList{"--shape", "random-regular", "--peers",
                                                   "5",       "--degree",       "3"}
                                    << 2 << 0 << 0 << QByteArray("even");
    QTest::newRow("no shape") << QStringList{"--peers", "5"} << 2 << 0 << 0 << QByteArray("needs --shape");
    QTest::newRow("unknown shape") << QStringList{"--shape", "torus", "--peers", "5"} << 2 << 0 << 0
                                   << QByteArray("torus");
    QTest::newRow("not a number") << QStringList{"--shape", "ring", "--peers", "many"} << 2 << 0 << 0
                                  << QByteArray("'many' is not a number");
    QTest::newRow("misspelt peer property")
        << QStringList{"--shape", "ring", "--peers", "6", "--peer-properties", R"({"fanuot": 2})"} << 2 << 0
        << 0 << QByteArray("fanuot");
    QTest::newRow("unknown option") << QStringList{"--shape", "ring", "--peers", "4", "--wrap", "yes"} << 2
                                    << 0 << 0 << QByteArray("unknown option '--wrap'");
}

void TestCli::overlay()
{
    QFETCH(QStringList, args);
    QFETCH(int, exitCode);
    QFETCH(int, peers);
    QFETCH(int, links);
    QFETCH(QByteArray, err);
    const CliResult r = runCli(QStringList{QStringLiteral("overlay")} + args);
    QVERIFY2(r.exitCode == exitCode, r.describe().constData());
    if (exitCode != 0) {
        QVERIFY2(r.err.contains(err), r.err.constData());
        QVERIFY(r.out.isEmpty());
        return;
    }
    const QJsonObject doc = QJsonDocument::fromJson(r.out).object();
    QCOMPARE(doc.value("format").toString(), QStringLiteral("signalbox-topology"));
    QCOMPARE(doc.value("nodes").toArray().size(), peers);
    QCOMPARE(doc.value("links").toArray().size(), links);
    QCOMPARE(doc.value("gallery").toObject().value("paradigm").toString(), QStringLiteral("p2p"));
    for (const QJsonValue &n : doc.value("nodes").toArray())
        QCOMPARE(n.toObject().value("kind").toString(), QStringLiteral("peer"));
    // The same seed, the same overlay.
    QCOMPARE(runCli(QStringList{QStringLiteral("overlay")} + args).out, r.out);
}

void TestCli::overlayToFile()
{
    QTemporaryDir dir;
    const QString file = dir.filePath("ws.json");
    const CliResult r = runCli({"overlay", "--shape", "watts-strogatz", "--peers", "60", "--k", "2", "--beta",
                                "0.2", "--seed", "7", "--layout", "force-directed", "--output", file});
    QVERIFY2(r.exitCode == sb::CliExit::Ok, r.describe().constData());
    QVERIFY2(r.err.contains("60 peers, 120 links"), r.err.constData());
    const CliResult valid = runCli({QStringLiteral("validate"), file});
    QVERIFY2(valid.exitCode == sb::CliExit::Ok, valid.describe().constData());
    const CliResult ran =
        runCli({QStringLiteral("run"), file, QStringLiteral("--until"), QStringLiteral("5s")});
    QVERIFY2(ran.exitCode == sb::CliExit::Ok, ran.describe().constData());
    // An output file that cannot be written: exit 4, nothing left behind.
    const CliResult bad =
        runCli({"overlay", "--shape", "ring", "--peers", "6", "--output", "/no/such/dir/x.json"});
    QVERIFY2(bad.exitCode == sb::CliExit::OutputError, bad.describe().constData());
    QVERIFY2(bad.err.contains("/no/such/dir/x.json"), bad.err.constData());
}

void TestCli::layoutSupervision_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<int>("exitCode");
    QTest::addColumn<QByteArray>("err");
    const QString tree = QStringLiteral(SIGNALBOX_EXAMPLES_DIR "/actor-supervision-tree.json");
    QTest::newRow("to stdout") << QStringList{"--supervision", tree, "--output", "-"} << 0 << QByteArray();
    QTest::newRow("no --supervision") << QStringList{tree} << 2 << QByteArray("needs --supervision");
    QTest::newRow("no file") << QStringList{"--supervision"} << 2
                             << QByteArray("needs --supervision and a FILE");
    QTest::newRow("unknown option") << QStringList{"--supervision", tree, "--radial"} << 2
                                    << QByteArray("unknown option '--radial'");
    QTest::newRow("no supervisor") << QStringList{"--supervision",
                                                  QStringLiteral(SIGNALBOX_EXAMPLES_DIR
                                                                 "/fanout-pubsub.json"),
                                                  "-o", "-"}
                                   << 3 << QByteArray("has no supervisor");
    QTest::newRow("missing file") << QStringList{"--supervision", "/no/such/file.json"} << 3
                                  << QByteArray("/no/such/file.json");
}

void TestCli::layoutSupervision()
{
    QFETCH(QStringList, args);
    QFETCH(int, exitCode);
    QFETCH(QByteArray, err);
    const CliResult r = runCli(QStringList{QStringLiteral("layout")} + args);
    QVERIFY2(r.exitCode == exitCode, r.describe().constData());
    if (exitCode != 0) {
        QVERIFY2(r.err.contains(err), r.err.constData());
        QVERIFY(r.out.isEmpty());
        return;
    }
    // The root supervisor on top, its children in start order below it (supervisionlayout.h).
    const QJsonObject doc = QJsonDocument::fromJson(r.out).object();
    QMap<QString, QPointF> at;
    for (const QJsonValue &n : doc.value("nodes").toArray()) {
        const QJsonObject p = n.toObject().value("position").toObject();
        at[n.toObject().value("id").toString()] = QPointF(p.value("x").toDouble(), p.value("y").toDouble());
    }
    QCOMPARE(at.value("app-sup"), QPointF(420, -300));
    QCOMPARE(at.value("router"), QPointF(240, -180));
    QCOMPARE(at.value("worker-sup"), QPointF(600, -180));
    QCOMPARE(at.value("worker-1"), QPointF(480, -60));
    QCOMPARE(at.value("worker-2"), QPointF(720, -60));
    QCOMPARE(at.value("orders"), QPointF(0, -180));
}

void TestCli::layoutSupervisionInPlace()
{
    QTemporaryDir dir;
    const QString file = dir.filePath("tree.json");
    QVERIFY(QFile::copy(QStringLiteral(SIGNALBOX_EXAMPLES_DIR "/actor-supervision-tree.json"), file));
    QFile::setPermissions(file, QFile::ReadOwner | QFile::WriteOwner);
    const CliResult r = runCli({"layout", "--supervision", file});
    QVERIFY2(r.exitCode == sb::CliExit::Ok, r.describe().constData());
    QVERIFY2(r.err.contains("1 supervision tree, 6 nodes placed"), r.err.constData());
    QVERIFY(!QFile::exists(file + ".saving"));
    const CliResult valid = runCli({QStringLiteral("validate"), file});
    QVERIFY2(valid.exitCode == sb::CliExit::Ok, valid.describe().constData());
    // Arranged already: arranging again writes the same bytes.
    QFile f(file);
    QVERIFY(f.open(QIODevice::ReadOnly));
    const QByteArray once = f.readAll();
    f.close();
    QVERIFY2(runCli({"layout", "--supervision", file}).exitCode == 0, "second layout");
    QVERIFY(f.open(QIODevice::ReadOnly));
    QCOMPARE(f.readAll(), once);
    // An output that cannot be written: exit 4.
    const CliResult bad = runCli({"layout", "--supervision", file, "--output", "/no/such/dir/x.json"});
    QVERIFY2(bad.exitCode == sb::CliExit::OutputError, bad.describe().constData());
}

void TestCli::match()
{
    QFETCH(QStringList, args);
    QFETCH(int, exitCode);
    QFETCH(QByteArray, out);
    QFETCH(QByteArray, err);
    const CliResult r = runCli(QStringList{QStringLiteral("match")} + args);
    QVERIFY2(r.exitCode == exitCode, r.describe().constData());
    QCOMPARE(r.out, out);
    QVERIFY2(r.err.contains(err), r.describe().constData());
    if (err.isEmpty()) QVERIFY2(r.err.isEmpty(), r.describe().constData());
}

void TestCli::matchJson_data()
{
    QTest::addColumn<QStringList>("args"); // --dialect D PATTERN SUBJECT
    QTest::addColumn<int>("exitCode");
    QTest::addColumn<QJsonValue>("matches");
    QTest::addColumn<QString>("reason");
    QTest::addColumn<QString>("issue"); // the first issue: "pattern"/"subject", severity, position
    QTest::newRow("match") << QStringList{"--dialect", "nats", "orders.>", "orders.eu.paid"}
                           << int(sb::CliExit::Ok) << QJsonValue(true)
                           << QStringLiteral("matches: '>' took 'eu.paid'") << QString();
    QTest::newRow("no match, warning")
        << QStringList{"--dialect", "redis", "news.[ab", "news.c"} << int(sb::CliExit::NoMatch)
        << QJsonValue(false)
        << QStringLiteral("no match: character 6 'c' is not in '[ab' at column 6 of the pattern")
        << QStringLiteral("pattern warning 5");
    QTest::newRow("invalid") << QStringList{"--dialect", "mqtt", "a/#/b", "a/x/b"} << int(sb::CliExit::Usage)
                             << QJsonValue(QJsonValue::Null) << QString()
                             << QStringLiteral("pattern error 2");
}

void TestCli::matchJson()
{
    QFETCH(QStringList, args);
    QFETCH(int, exitCode);
    QFETCH(QJsonValue, matches);
    QFETCH(QString, reason);
    QFETCH(QString, issue);
    const CliResult r = runCli(QStringList{QStringLiteral("match"), QStringLiteral("--json")} + args);
    QVERIFY2(r.exitCode == exitCode, r.describe().constData());
    QJsonParseError error;
    const QJsonObject o = QJsonDocument::fromJson(r.out, &error).object();
    QVERIFY2(error.error == QJsonParseError::NoError, r.out.constData());
    QCOMPARE(o.value(QStringLiteral("dialect")).toString(), args.at(1));
    QCOMPARE(o.value(QStringLiteral("pattern")).toString(), args.at(2));
    QCOMPARE(o.value(QStringLiteral("subject")).toString(), args.at(3));
    QCOMPARE(o.value(QStringLiteral("valid")).toBool(), exitCode != sb::CliExit::Usage);
    QCOMPARE(o.value(QStringLiteral("matches")), matches);
    QCOMPARE(o.value(QStringLiteral("reason")).toString(), reason);
    QString first;
    for (const char *which : {"pattern", "subject"}) {
        const QJsonArray list = o.value(QLatin1String(which) + QLatin1String("Issues")).toArray();
        if (first.isEmpty() && !list.isEmpty()) {
            const QJsonObject i = list.first().toObject();
            first = QStringLiteral("%1 %2 %3")
                        .arg(QLatin1String(which), i.value(QStringLiteral("severity")).toString())
                        .arg(i.value(QStringLiteral("position")).toInt());
            QVERIFY(!i.value(QStringLiteral("message")).toString().isEmpty());
        }
    }
    QCOMPARE(first, issue);
}

QTEST_GUILESS_MAIN(TestCli)
#include "tst_cli.moc"
