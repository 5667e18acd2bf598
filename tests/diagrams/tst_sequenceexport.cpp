// Pictures of the sequence diagram: SVG is well-formed XML with one arrow head per frame drawn,
// PNG is an image of the diagram's size, PDF is a PDF; bad paths and empty ranges are refused
// with the file named. The panel's text exports come from the core's writers.
#include "exampletrace.h"
#include "sequenceexport.h"
#include "sequencepanel.h"
#include "sequenceview.h"

#include <QFile>
#include <QImage>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>
#include <QXmlStreamReader>

using namespace sb;

namespace {

struct Fixture {
    sbtest::ExampleTrace trace;
    SequenceHistory history;
    SequenceLayout layout;
};

Fixture fixture(SimTime until)
{
    Fixture f;
    f.trace = sbtest::runExample("work-queue.json", until);
    f.history.append(f.trace.events);
    f.layout.nodeNames = f.trace.nodeIds;
    f.layout.nodeKinds = f.trace.nodeKinds;
    for (NodeIndex n = 0; n < NodeIndex(f.trace.nodeIds.size()); ++n)
        f.layout.order.push_back(n);
    return f;
}

// Only arrows: every local mark hidden, so arrow heads are the only polygons.
SequenceFilter arrowsOnly()
{
    SequenceFilter filter;
    for (int k = 0; k < kTraceKindCount; ++k)
        filter.hiddenKinds[std::size_t(k)] = TraceKind(k) != TraceKind::Send;
    return filter;
}

} // namespace

class TestSequenceExport : public QObject {
    Q_OBJECT

private slots:
    void svgIsWellFormedWithOneHeadPerArrow();
    void pngHasTheDiagramSize();
    void pdfIsAPdf();
    void refusals_data();
    void refusals();
    void panelWritesTextFormats_data();
    void panelWritesTextFormats();

private:
    QTemporaryDir m_dir;
};

void TestSequenceExport::svgIsWellFormedWithOneHeadPerArrow()
{
    const Fixture f = fixture(300 * kMillisecond);
    const QString path = m_dir.filePath("window.svg");
    SequenceImageOptions options;
    options.from = 100 * kMillisecond;
    options.to = 160 * kMillisecond;
    options.nsPerPixel = 5000;
    QString error;
    QVERIFY2(exportSequenceImage(path, f.history, f.layout, arrowsOnly(), {}, options, &error),
             qPrintable(error));
    // The frames whose arrows fall in the range, counted from the trace.
    int expected = 0;
    for (const auto &e : f.trace.events)
        if (e.kind == TraceKind::Send && e.time <= options.to && e.aux >= options.from &&
            e.time >= options.from - f.history.longestFlight())
            ++expected;
    QVERIFY(expected > 10);
    QVERIFY(expected < int(SequenceRenderer::kMaxArrows));

    QFile file(path);
    QVERIFY(file.open(QIODevice::ReadOnly));
    QXmlStreamReader xml(&file);
    int polygons = 0;
    bool svgRoot = false;
    while (!xml.atEnd()) {
        xml.readNext();
        if (xml.isStartElement()) {
            if (xml.name() == QLatin1String("svg")) svgRoot = true;
            if (xml.name() == QLatin1String("polygon")) ++polygons;
            // QSvgGenerator writes a polygon as a closed path: "M a L b L c L a" for a triangle.
            if (xml.name() == QLatin1String("path")) {
                const QStringList steps = xml.attributes().value("d").toString().split(
                    QRegularExpression(QStringLiteral("\\s*[ML]\\s*")), Qt::SkipEmptyParts);
                if (steps.size() == 4 && steps.first() == steps.last()) ++polygons;
            }
        }
    }
    QVERIFY2(!xml.hasError(), qPrintable(xml.errorString()));
    QVERIFY(svgRoot);
    QCOMPARE(polygons, expected);
}

void TestSequenceExport::pngHasTheDiagramSize()
{
    const Fixture f = fixture(100 * kMillisecond);
    const QString path = m_dir.filePath("window.png");
    SequenceImageOptions options;
    options.from = 0;
    options.to = 50 * kMillisecond;
    options.nsPerPixel = 1e5; // 100 µs a pixel: 500 px of time
    QString error;
    QVERIFY2(exportSequenceImage(path, f.history, f.layout, {}, {}, options, &error), qPrintable(error));
    QImage image(path);
    QVERIFY(!image.isNull());
    QCOMPARE(image.width(), int(f.layout.width()));
    QCOMPARE(image.height(), int(f.layout.headerHeight + f.layout.topMargin + 500 + 20));
    // Something was drawn besides the background.
    QSet<QRgb> colours;
    for (int y = 0; y < image.height(); y += 3)
        for (int x = 0; x < image.width(); x += 3)
            colours.insert(image.pixel(x, y));
    QVERIFY(colours.size() > 5);
}

void TestSequenceExport::pdfIsAPdf()
{
    const Fixture f = fixture(100 * kMillisecond);
    const QString path = m_dir.filePath("whole.pdf");
    QString error;
    QVERIFY2(exportSequenceImage(path, f.history, f.layout, {}, {}, {}, &error), qPrintable(error));
    QFile file(path);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QByteArray bytes = file.readAll();
    QVERIFY(bytes.startsWith("%PDF-"));
    QVERIFY(bytes.trimmed().endsWith("%%EOF"));
    QVERIFY(bytes.size() > 1000);
}

void TestSequenceExport::refusals_data()
{
    QTest::addColumn<QString>("path");
    QTest::addColumn<qint64>("from");
    QTest::addColumn<qint64>("to");
    QTest::addColumn<QString>("mention");
    QTest::newRow("unknown extension")
        << "diagram.gif" << qint64(0) << qint64(kNever) << ".svg, .png or .pdf";
    QTest::newRow("empty range") << "diagram.svg" << qint64(50 * kMillisecond) << qint64(10 * kMillisecond)
                                 << "time range is empty";
    QTest::newRow("missing folder") << "no/such/folder/diagram.png" << qint64(0) << qint64(kNever)
                                    << "cannot write";
}

void TestSequenceExport::refusals()
{
    QFETCH(QString, path);
    QFETCH(qint64, from);
    QFETCH(qint64, to);
    QFETCH(QString, mention);
    const Fixture f = fixture(60 * kMillisecond);
    SequenceImageOptions options;
    options.from = from;
    options.to = to;
    QString error;
    const QString full = m_dir.filePath(path);
    QVERIFY(!exportSequenceImage(full, f.history, f.layout, {}, {}, options, &error));
    QVERIFY2(error.contains(mention), qPrintable(error));
    QVERIFY2(error.contains(QFileInfo(path).fileName()), qPrintable(error));
}

void TestSequenceExport::panelWritesTextFormats_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<QByteArray>("starts");
    QTest::newRow("mermaid") << "d.mmd" << QByteArray("sequenceDiagram");
    QTest::newRow("plantuml") << "d.puml" << QByteArray("@startuml");
    QTest::newRow("shiviz") << "d.shiviz" << QByteArray("(?<event>");
    QTest::newRow("svg") << "d.svg" << QByteArray("<?xml");
}

void TestSequenceExport::panelWritesTextFormats()
{
    QFETCH(QString, file);
    QFETCH(QByteArray, starts);
    const auto trace = sbtest::runExample("work-queue.json", 50 * kMillisecond);
    SequencePanel panel;
    panel.resize(800, 400);
    panel.reset(trace.nodeIds, trace.nodeKinds, trace.linkIds);
    panel.append(trace.events);
    const QString path = m_dir.filePath(file);
    QString error;
    QVERIFY2(panel.exportTo(path, true, &error), qPrintable(error));
    QFile out(path);
    QVERIFY(out.open(QIODevice::ReadOnly));
    const QByteArray bytes = out.readAll();
    QVERIFY2(bytes.startsWith(starts), bytes.left(60).constData());
    QVERIFY(!panel.exportTo(m_dir.filePath("d.doc"), true, &error));
    QVERIFY2(error.contains(".mmd"), qPrintable(error));
}

QTEST_MAIN(TestSequenceExport)
#include "tst_sequenceexport.moc"
