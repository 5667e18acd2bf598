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
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>
#include <QXmlStreamReader>

#include <set>
#include <sstream>

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
    void sequenceErrors_data();
    void sequenceErrors();
    void failOn_data();
    void failOn();
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
    void kinds();
    void kindsJson();
    void help_data();
    void help();
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
    QTest::newRow("mermaid") << "out.mermaid" << QByteArray("sequenceDiagram") << QByteArray("    producer->>tasks: ");
    QTest::newRow("puml") << "out.puml" << QByteArray("@startuml") << QByteArray("producer -> tasks : publish m1 ");
    QTest::newRow("plantuml") << "out.plantuml" << QByteArray("@startuml") << QByteArray("producer -> tasks : ");
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
    QTest::newRow("routing key without sequence")
        << QStringList{"--not-routing-key", "a.#"} << int(sb::CliExit::Usage)
        << QByteArray("--not-routing-key applies to a sequence diagram");
    QTest::newRow("unwritable") << QStringList{"--sequence", "OUT/no/such/dir/x.mmd"}
                                << int(sb::CliExit::OutputError) << QByteArray("--sequence: ");
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
    QTest::addColumn<QString>("option");
    QTest::newRow("summary") << QStringLiteral("--summary");
    QTest::newRow("events") << QStringLiteral("--events");
    QTest::newRow("metrics") << QStringLiteral("--metrics");
}

void TestCli::unwritableOutput()
{
    QFETCH(QString, option);
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath(QStringLiteral("no/such/dir/out.json"));
    const CliResult r = runCli({QStringLiteral("run"), exampleFiles().value(0), QStringLiteral("--until"),
                                QStringLiteral("1s"), QStringLiteral("--quiet"), option, path});
    QVERIFY2(r.exitCode == sb::CliExit::OutputError, r.describe().constData());
    QVERIFY2(r.err.contains(option.toUtf8()), r.describe().constData());
    QVERIFY2(r.err.contains(path.toUtf8()), r.describe().constData());
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
    QCOMPARE(names, (std::set<QString>{QStringLiteral("producer"), QStringLiteral("exchange"),
                                       QStringLiteral("queue"), QStringLiteral("consumer")}));
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
    for (const char *command : {"validate", "kinds", "run"})
        QVERIFY2(out.contains(QLatin1String(command)), command);

    const qsizetype section = out.indexOf(QLatin1String("Exit codes"));
    QVERIFY2(section >= 0, r.out.constData());
    const QString codes = out.mid(section);
    for (int code : {sb::CliExit::Ok, sb::CliExit::Usage, sb::CliExit::InvalidInput, sb::CliExit::OutputError,
                     sb::CliExit::CheckFailed}) {
        const QRegularExpression line(QStringLiteral("^\\s*%1\\s+\\S").arg(code),
                                      QRegularExpression::MultilineOption);
        QVERIFY2(line.match(codes).hasMatch(),
                 qPrintable(QStringLiteral("exit code %1 is not listed").arg(code)));
    }
}

QTEST_GUILESS_MAIN(TestCli)
#include "tst_cli.moc"
