// ChartPanel: one replace() per series per frame with decimated points, live follow and pause,
// zoom, deltas from a real run, smoothing, and the exports (PNG, SVG, CSV of the whole run or of
// the visible range).
#include "chartlegend.h"
#include "chartpanel.h"
#include "nodecolors.h"
#include "seriespickermodel.h"
#include "simulation.h"
#include "timeseries.h"

#include <QAbstractItemModelTester>
#include <QApplication>
#include <QChart>
#include <QChartView>
#include <QComboBox>
#include <QFile>
#include <QImage>
#include <QLineSeries>
#include <QMenu>
#include <QScrollArea>
#include <QScrollBar>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QToolButton>
#include <QValueAxis>
#include <QWheelEvent>
#include <QXmlStreamReader>

#include <memory>

using namespace sb;

namespace {

const QStringList kNodes{"p", "q", "c"};
const QStringList kKinds{"producer", "queue", "consumer"};
const QStringList kLinks{"p-q", "q-c"};

std::vector<QPointF> ramp(int n, double step, double slope)
{
    std::vector<QPointF> v;
    v.reserve(n);
    for (int i = 0; i < n; ++i)
        v.emplace_back(i * step, (i % 1000) * slope);
    return v;
}

// A panel on screen (offscreen platform) at a known size with data for every node.
std::unique_ptr<ChartPanel> makePanel(int points = 1000)
{
    auto panel = std::make_unique<ChartPanel>();
    panel->resize(1000, 500);
    panel->show();
    panel->reset(kNodes, kKinds, kLinks);
    for (int n = 0; n < kNodes.size(); ++n)
        panel->store().setPoints(SeriesMetric::Throughput, n, ramp(points, 0.01, n + 1));
    panel->markDataChanged();
    panel->refresh();
    return panel;
}

// A square wave, one point per 10 ms bucket: 20 buckets at 0, then 20 at 100, and so on.
std::vector<QPointF> squareWave(int n)
{
    std::vector<QPointF> v;
    for (int i = 0; i < n; ++i)
        v.emplace_back(i * 0.01, (i / 20) % 2 ? 100.0 : 0.0);
    return v;
}

QStringList csvLines(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly | QIODevice::Text)) return {};
    return QString::fromUtf8(file.readAll()).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
}

double shownMax(const ChartPanel &panel)
{
    double max = -1;
    for (QLineSeries *s : panel.shownSeries())
        for (const QPointF &p : s->points())
            max = std::max(max, p.y());
    return max;
}

// A topology of `count` producers named "Node 1", "Node 2"... (the first has no name: its id shows),
// each with a link to one queue, and a second link from the first producer.
Topology namedTopology(int count)
{
    Topology t;
    for (int i = 0; i < count; ++i) {
        NodeDef n;
        n.id = QStringLiteral("n%1").arg(i).toStdString();
        n.kind = "producer";
        n.name = i == 0 ? std::string() : QStringLiteral("Node %1").arg(i).toStdString();
        t.nodes.push_back(n);
    }
    NodeDef q;
    q.id = "q";
    q.kind = "queue";
    q.name = "Jobs";
    t.nodes.push_back(q);
    for (int i = 0; i < count; ++i) {
        LinkDef l;
        l.id = QStringLiteral("l%1").arg(i).toStdString();
        l.from = QStringLiteral("n%1").arg(i).toStdString();
        l.to = "q";
        t.links.push_back(l);
    }
    LinkDef extra;
    extra.id = "l0b";
    extra.from = "n0";
    extra.to = "q";
    t.links.push_back(extra);
    return t;
}

// A steady 50 msg/s from producer 0 for `seconds`, through a real TimeSeriesSink, into the panel.
void feedSteady(ChartPanel &panel, double seconds)
{
    Topology t;
    NodeDef p;
    p.id = "p";
    p.kind = "producer";
    p.name = "Orders";
    t.nodes.push_back(p);
    panel.reset(t);
    TimeSeriesSink sink(t);
    TraceEvent e;
    e.node = 0;
    e.kind = TraceKind::Publish;
    for (SimTime time = 0; time < SimTime(seconds * kSecond); time += 20 * kMillisecond) {
        e.time = time;
        sink.onEvent(e);
    }
    sink.flush();
    panel.appendDelta(*sink.take());
    panel.refresh();
}

} // namespace

class TestChartPanel : public QObject {
    Q_OBJECT
private slots:
    void onePerSeriesReplacePerFrame();
    void pauseFreezesTheView();
    void zoomAndReset();
    void wheelZoomsAroundThePointer();
    void metricAndPicks();
    void deltasFromARun();
    void exportPng();
    void exportSvg();
    void exportPdf();
    void exportCsv();
    void exportMenuOffersBothRanges();
    void exportCsvVisibleRange_data();
    void exportCsvVisibleRange();
    void smoothingFlattensTheShownSeries_data();
    void smoothingFlattensTheShownSeries();
    void smoothingInTheCsv();
    void noSmoothingForLatency();
    void steadyRateReadsSteady_data();
    void steadyRateReadsSteady();
    void namesNotIds();
    void oneColourPerNode();
    void legendShowsEverySeries_data();
    void legendShowsEverySeries();
    void plotKeepsItsHeight();
    void exportedPictureIsComplete();
};

void TestChartPanel::onePerSeriesReplacePerFrame()
{
    auto panel = makePanel(300000);
    const auto series = panel->shownSeries();
    QCOMPARE(series.size(), kNodes.size());
    QList<std::shared_ptr<QSignalSpy>> replaced, added;
    for (QLineSeries *s : series) {
        replaced << std::make_shared<QSignalSpy>(s, &QXYSeries::pointsReplaced);
        added << std::make_shared<QSignalSpy>(s, &QXYSeries::pointAdded);
    }
    const int frames = panel->frames();
    panel->refresh();
    QCOMPARE(panel->frames(), frames + 1);
    const int columns = int(panel->chartView()->chart()->plotArea().width());
    QVERIFY(columns > 100);
    for (int i = 0; i < series.size(); ++i) {
        QCOMPARE(replaced[i]->count(), 1);
        QCOMPARE(added[i]->count(), 0);
        QVERIFY(series[i]->count() <= 2 * columns + 4);
        QVERIFY(series[i]->count() > columns); // min and max per column of a dense sawtooth
    }
    // The y axis fits the data: the highest series peaks at 999 * 3.
    auto *y = qobject_cast<QValueAxis *>(panel->chartView()->chart()->axes(Qt::Vertical).first());
    QVERIFY(y->max() >= 2997);
    QVERIFY(y->max() < 2997 * 1.1);
}

void TestChartPanel::pauseFreezesTheView()
{
    auto panel = makePanel();
    // Let the layout settle (the legend takes its rows, the plot its size): until three frame
    // intervals pass without a frame, however slow a loaded machine is.
    for (int settled = -1, tries = 0; settled != panel->frames() && tries < 40; ++tries) {
        settled = panel->frames();
        QTest::qWait(3 * ChartPanel::kFrameIntervalMs);
    }
    QSignalSpy live(panel.get(), &ChartPanel::liveChanged);
    QVERIFY(panel->isLive());
    QCOMPARE(panel->xMax(), 9.99);
    panel->setLive(false);
    QCOMPARE(live.count(), 1);
    QCOMPARE(live.first().first().toBool(), false);
    const qsizetype before = panel->shownSeries().first()->count();
    const int frames = panel->frames();
    // Data keeps arriving while paused...
    panel->store().setPoints(SeriesMetric::Throughput, 0, ramp(5000, 0.01, 1));
    panel->markDataChanged();
    QTest::qWait(3 * ChartPanel::kFrameIntervalMs);
    // ...but the view stays as it was.
    QCOMPARE(panel->xMax(), 9.99);
    QCOMPARE(panel->shownSeries().first()->count(), before);
    QCOMPARE(panel->frames(), frames); // not one frame drawn
    panel->setLive(true);
    QTRY_COMPARE(panel->xMax(), 49.99);
    QVERIFY(panel->shownSeries().first()->count() > before);
}

void TestChartPanel::zoomAndReset()
{
    auto panel = makePanel(100000);
    panel->setXRange(100, 200);
    QVERIFY(!panel->isLive());
    panel->refresh();
    auto *x = qobject_cast<QValueAxis *>(panel->chartView()->chart()->axes(Qt::Horizontal).first());
    QCOMPARE(x->min(), 100.0);
    QCOMPARE(x->max(), 200.0);
    // Zoomed in, the series is drawn from the points in range (plus one neighbour each side).
    for (QLineSeries *s : panel->shownSeries()) {
        QVERIFY(s->at(1).x() >= 100);
        QVERIFY(s->at(s->count() - 2).x() <= 200);
    }
    // A zoom made on the chart itself (rubber band) pauses too.
    panel->resetZoom();
    QVERIFY(panel->isLive());
    QCOMPARE(x->max(), 999.99);
    panel->chartView()->chart()->zoomIn(
        QRectF(panel->chartView()->chart()->plotArea().topLeft(),
               QSizeF(100, panel->chartView()->chart()->plotArea().height())));
    QVERIFY(!panel->isLive());
    QVERIFY(panel->xMax() < 500);
    panel->resetZoom();
    QVERIFY(panel->isLive());
}

void TestChartPanel::wheelZoomsAroundThePointer()
{
    auto panel = makePanel(100000); // 0 .. 999.99 s
    QChartView *view = panel->chartView();
    const QRectF plot = view->chart()->plotArea();
    const QPointF at(plot.left() + plot.width() / 4, plot.center().y());
    const double x = view->chart()->mapToValue(at).x();
    auto wheel = [&](int delta) {
        QWheelEvent event(view->mapFromScene(at), view->viewport()->mapToGlobal(view->mapFromScene(at)), {},
                          {0, delta}, Qt::NoButton, Qt::NoModifier, Qt::NoScrollPhase, false);
        QApplication::sendEvent(view->viewport(), &event);
    };
    wheel(120);
    QVERIFY(!panel->isLive());
    QCOMPARE(panel->xMax() - panel->xMin(), 999.99 * 0.8);
    // The value under the pointer stays where it was.
    QVERIFY(qAbs((x - panel->xMin()) / (panel->xMax() - panel->xMin()) - 0.25) < 0.01);
    panel->refresh();
    wheel(-120);
    QVERIFY(qAbs((panel->xMax() - panel->xMin()) - 999.99) < 0.5);
}

void TestChartPanel::metricAndPicks()
{
    auto panel = makePanel();
    panel->setMetric(SeriesMetric::QueueDepth);
    panel->refresh();
    QCOMPARE(panel->shownSeries().size(), 1);
    QCOMPARE(panel->shownSeries().first()->name(), QStringLiteral("q"));
    panel->setMetric(SeriesMetric::LinkFrames);
    panel->refresh();
    QCOMPARE(panel->shownSeries().size(), 2);
    QCOMPARE(panel->shownSeries().last()->name(), QStringLiteral("q-c"));
    panel->picker()->setData(panel->picker()->index(0), Qt::Unchecked, Qt::CheckStateRole);
    panel->refresh();
    QCOMPARE(panel->shownSeries().size(), 1);
    QCOMPARE(panel->shownSeries().first()->name(), QStringLiteral("q-c"));
}

void TestChartPanel::deltasFromARun()
{
    Topology t;
    t.nodes.push_back({"p", "producer", "p", Json{{"rate", 100}, {"duration", 1000}}, {}});
    t.nodes.push_back({"q", "queue", "q", Json::object(), {}});
    LinkDef l;
    l.id = "p-q";
    l.from = "p";
    l.to = "q";
    l.fromPort = "out";
    l.toPort = "in";
    l.properties = Json::object();
    t.links.push_back(l);
    std::string error;
    auto sim = Simulation::build(t, error);
    QVERIFY2(sim, error.c_str());
    TimeSeriesSink sink(t);
    sim->addSink(&sink);
    ChartPanel panel;
    panel.reset({"p", "q"}, {"producer", "queue"}, {"p-q"});
    RunOptions o;
    o.maxEvents = 50;
    while (sim->run(o) == StopReason::EventLimit) {
        sink.publish();
        if (auto d = sink.take()) panel.appendDelta(*d);
    }
    if (auto d = sink.take()) panel.appendDelta(*d);
    // 100 msg/s for 1 s: a hundred 10 ms buckets of one message each, 100 msg/s.
    const auto &published = panel.store().points(SeriesMetric::Throughput, 0);
    QCOMPARE(published.size(), std::size_t(100));
    double total = 0;
    for (const auto &p : published)
        total += p.y() * 0.01;
    QCOMPARE(qRound(total), 100);
    QCOMPARE(panel.store().points(SeriesMetric::QueueDepth, 1).back().y(), 100.0);
    QVERIFY(panel.store().points(SeriesMetric::QueueDepth, 0).empty()); // not a queue
    QVERIFY(panel.store().points(SeriesMetric::LatencyP50, 1).empty()); // nothing processed
    // Link frames have a value (maybe 0) in every bucket.
    QCOMPARE(panel.store().points(SeriesMetric::LinkFrames, 0).size(),
             std::size_t(qRound(panel.store().endTime() / 0.01)));
}

void TestChartPanel::exportPng()
{
    auto panel = makePanel();
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("chart.png"));
    QString error;
    QVERIFY2(panel->exportPicture(path, &error), qPrintable(error));
    QImage image(path);
    QVERIFY(!image.isNull());
    QCOMPARE(image.size(), ChartPanel::kDefaultExportSize); // not the widget's strip
    QVERIFY2(panel->exportPicture(path, &error, QSize(640, 360)), qPrintable(error));
    QCOMPARE(QImage(path).size(), QSize(640, 360));
    // Something was drawn: not one flat colour.
    const QImage drawn(path);
    QSet<QRgb> colours;
    for (int y = 0; y < drawn.height(); y += 7)
        for (int x = 0; x < drawn.width(); x += 7)
            colours.insert(drawn.pixel(x, y));
    QVERIFY(colours.size() > 3);
    QVERIFY(!panel->exportPicture(dir.filePath(QStringLiteral("missing/dir/chart.png")), &error));
    QVERIFY(!error.isEmpty());
}

void TestChartPanel::exportSvg()
{
    auto panel = makePanel();
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("chart.svg"));
    QString error;
    QVERIFY2(panel->exportPicture(path, &error), qPrintable(error));
    QFile file(path);
    QVERIFY(file.open(QIODevice::ReadOnly));
    QXmlStreamReader xml(&file);
    QString root;
    int elements = 0;
    while (!xml.atEnd()) {
        if (xml.readNext() == QXmlStreamReader::StartElement) {
            if (root.isEmpty()) root = xml.name().toString();
            ++elements;
        }
    }
    QVERIFY2(!xml.hasError(), qPrintable(xml.errorString()));
    QCOMPARE(root, QStringLiteral("svg"));
    QVERIFY(elements > 10);
    QVERIFY(!panel->exportPicture(dir.filePath(QStringLiteral("missing/dir/chart.svg")), &error));
}

void TestChartPanel::exportPdf()
{
    auto panel = makePanel();
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("chart.pdf"));
    QString error;
    QVERIFY2(panel->exportPicture(path, &error), qPrintable(error));
    QFile file(path);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QByteArray bytes = file.readAll();
    QVERIFY(bytes.startsWith("%PDF-"));
    QVERIFY(bytes.contains("%%EOF"));
    QVERIFY(!panel->exportPicture(dir.filePath(QStringLiteral("chart.gif")), &error));
    QVERIFY2(error.contains(QLatin1String(".svg")), qPrintable(error));
}

void TestChartPanel::exportCsv()
{
    auto panel = makePanel(25000); // more than any chart draws: the CSV has every point
    panel->picker()->setData(panel->picker()->index(1), Qt::Unchecked, Qt::CheckStateRole);
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("series.csv"));
    QString error;
    QVERIFY2(panel->exportCsv(path, &error), qPrintable(error));
    QFile file(path);
    QVERIFY(file.open(QIODevice::ReadOnly | QIODevice::Text));
    const QStringList lines = QString::fromUtf8(file.readAll()).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    QCOMPARE(lines.first(), QStringLiteral("time_s,node,metric,value"));
    QCOMPARE(lines.size(), 1 + 2 * 25000);
    QCOMPARE(lines[1], QStringLiteral("0,p,throughput,0"));
    QCOMPARE(lines[2], QStringLiteral("0.01,p,throughput,1"));
    QCOMPARE(lines.last(), QStringLiteral("249.99,c,throughput,2997"));
}

void TestChartPanel::exportMenuOffersBothRanges()
{
    auto panel = makePanel();
    auto *button = panel->findChild<QToolButton *>(QStringLiteral("chartExport"));
    QVERIFY(button && button->menu());
    QStringList texts;
    for (QAction *a : button->menu()->actions())
        texts << a->text();
    QCOMPARE(texts,
             (QStringList{QStringLiteral("Chart as PNG…"), QStringLiteral("Chart as SVG…"),
                          QStringLiteral("Chart as PDF…"), QStringLiteral("Series as CSV (whole run)…"),
                          QStringLiteral("Series as CSV (visible range)…")}));
}

void TestChartPanel::exportCsvVisibleRange_data()
{
    QTest::addColumn<double>("from");
    QTest::addColumn<double>("to");
    QTest::addColumn<int>("first"); // the first point in range (points at i * 0.01 s)
    QTest::addColumn<int>("count"); // per series
    QTest::newRow("ends on points") << 10000 * 0.01 << 15050 * 0.01 << 10000 << 5051;
    QTest::newRow("ends between points") << 100.005 << 150.505 << 10001 << 5050;
    QTest::newRow("the start") << -1.0 << 0.015 << 0 << 2;
    QTest::newRow("past the end") << 249.985 << 300.0 << 24999 << 1;
}

void TestChartPanel::exportCsvVisibleRange()
{
    QFETCH(double, from);
    QFETCH(double, to);
    QFETCH(int, first);
    QFETCH(int, count);
    auto panel = makePanel(25000); // 0 .. 249.99 s
    panel->picker()->setData(panel->picker()->index(1), Qt::Unchecked, Qt::CheckStateRole);
    panel->setXRange(from, to);
    panel->refresh();
    QCOMPARE(panel->xMin(), from);
    QCOMPARE(panel->xMax(), to);
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("visible.csv"));
    QString error;
    QVERIFY2(panel->exportCsv(path, &error, ChartPanel::CsvRange::Visible), qPrintable(error));
    const QStringList lines = csvLines(path);
    QCOMPARE(lines.first(), QStringLiteral("time_s,node,metric,value"));
    QCOMPARE(lines.size(), 1 + 2 * count);
    for (qsizetype i = 1; i < lines.size(); ++i) {
        const double t = lines[i].section(QLatin1Char(','), 0, 0).toDouble();
        QVERIFY2(t >= from && t <= to, qPrintable(lines[i]));
    }
    // p's points first, then c's (slope 3).
    const auto &p = panel->store().points(SeriesMetric::Throughput, 0);
    QCOMPARE(lines[1], QStringLiteral("%1,p,throughput,%2").arg(p[first].x(), 0, 'g', 12).arg(p[first].y()));
    const int last = first + count - 1;
    QCOMPARE(lines.last(),
             QStringLiteral("%1,c,throughput,%2").arg(p[last].x(), 0, 'g', 12).arg(p[last].y() * 3));
    // The whole run is still all of it.
    QVERIFY2(panel->exportCsv(path, &error, ChartPanel::CsvRange::Whole), qPrintable(error));
    QCOMPARE(csvLines(path).size(), 1 + 2 * 25000);
}

void TestChartPanel::smoothingFlattensTheShownSeries_data()
{
    QTest::addColumn<int>("choice"); // in the combo box
    QTest::addColumn<double>("window");
    QTest::addColumn<double>("max"); // of the shown series
    // 10 buckets fit in a high half wave; a window of 100 holds at most 60 high buckets (the wave
    // repeats every 40), one of 1000 exactly 500 (or, in the first 10 s, at most half of its buckets).
    QTest::newRow("off") << 0 << 0.0 << 100.0;
    QTest::newRow("100 ms") << 1 << 0.1 << 100.0;
    QTest::newRow("1 s") << 2 << 1.0 << 60.0;
    QTest::newRow("10 s") << 3 << 10.0 << 50.0;
}

void TestChartPanel::smoothingFlattensTheShownSeries()
{
    QFETCH(int, choice);
    QFETCH(double, window);
    QFETCH(double, max);
    auto panel = makePanel();
    panel->picker()->setAllChecked(false);
    panel->picker()->setData(panel->picker()->index(0), Qt::Checked, Qt::CheckStateRole);
    panel->store().setPoints(SeriesMetric::Throughput, 0, squareWave(5000));
    panel->markDataChanged();
    panel->refresh();
    QCOMPARE(panel->shownSeries().size(), 1);
    QCOMPARE(shownMax(*panel), 100.0);
    auto *box = panel->findChild<QComboBox *>(QStringLiteral("chartSmoothing"));
    QVERIFY(box);
    QVERIFY(box->isEnabled());
    QCOMPARE(box->count(), 4);
    QSignalSpy changed(panel.get(), &ChartPanel::smoothingChanged);
    box->setCurrentIndex(choice);
    QCOMPARE(changed.count(), choice ? 1 : 0);
    if (choice) QCOMPARE(changed.first().first().toDouble(), window);
    QCOMPARE(panel->smoothing(), window);
    QCOMPARE(panel->effectiveSmoothing(), window);
    const int frames = panel->frames();
    QTRY_VERIFY(panel->frames() > frames || !choice); // the next frame draws it
    panel->refresh();
    QCOMPARE(shownMax(*panel), max);
    // Back to off: the wave again.
    panel->setSmoothing(0);
    QCOMPARE(box->currentIndex(), 0);
    panel->refresh();
    QCOMPARE(shownMax(*panel), 100.0);
}

void TestChartPanel::smoothingInTheCsv()
{
    auto panel = makePanel();
    panel->picker()->setAllChecked(false);
    panel->picker()->setData(panel->picker()->index(0), Qt::Checked, Qt::CheckStateRole);
    panel->store().setPoints(SeriesMetric::Throughput, 0, squareWave(5000));
    panel->markDataChanged();
    panel->setSmoothing(1.0);
    panel->setXRange(1.0, 1.5);
    panel->refresh();
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("smoothed.csv"));
    QString error;
    QVERIFY2(panel->exportCsv(path, &error, ChartPanel::CsvRange::Visible), qPrintable(error));
    const QStringList lines = csvLines(path);
    QCOMPARE(lines.first(), QStringLiteral("time_s,node,metric,value,smoothing_s"));
    QCOMPARE(lines.size(), 1 + 51);
    // At 1.19 s the window (0.19, 1.19] holds buckets 20 .. 119: 60 of them high.
    QCOMPARE(lines[20], QStringLiteral("1.19,p,throughput,60,1"));
    for (qsizetype i = 1; i < lines.size(); ++i)
        QVERIFY2(lines[i].endsWith(QLatin1String(",1")), qPrintable(lines[i]));
    // Smoothing off: four columns, the raw wave.
    panel->setSmoothing(0);
    QVERIFY2(panel->exportCsv(path, &error, ChartPanel::CsvRange::Visible), qPrintable(error));
    const QStringList raw = csvLines(path);
    QCOMPARE(raw.first(), QStringLiteral("time_s,node,metric,value"));
    QCOMPARE(raw[20], QStringLiteral("1.19,p,throughput,100"));
}

void TestChartPanel::noSmoothingForLatency()
{
    auto panel = makePanel();
    auto *box = panel->findChild<QComboBox *>(QStringLiteral("chartSmoothing"));
    QVERIFY(box);
    panel->setSmoothing(1.0);
    QCOMPARE(panel->effectiveSmoothing(), 1.0);
    panel->setMetric(SeriesMetric::LatencyP99);
    QVERIFY(!box->isEnabled());
    QVERIFY(box->toolTip().contains(QLatin1String("percentile")));
    QCOMPARE(panel->effectiveSmoothing(), 0.0);
    QCOMPARE(panel->smoothing(), 1.0); // kept for the next metric that can be smoothed
    panel->store().setPoints(SeriesMetric::LatencyP99, 2, squareWave(500));
    panel->markDataChanged();
    panel->refresh();
    QCOMPARE(panel->shownSeries().size(), 1);
    QCOMPARE(shownMax(*panel), 100.0);
    panel->setMetric(SeriesMetric::Throughput);
    QVERIFY(box->isEnabled());
    QCOMPARE(panel->effectiveSmoothing(), 1.0);
}

void TestChartPanel::steadyRateReadsSteady_data()
{
    QTest::addColumn<double>("seconds");
    QTest::addColumn<QString>("title");
    QTest::newRow("5 s") << 5.0 << "msg/s over 100 ms windows";
    QTest::newRow("1 min") << 60.0 << "msg/s over 1 s windows";
    QTest::newRow("15 min") << 900.0 << "msg/s over 10 s windows";
}

// The default chart (throughput, live, the whole run) of a steady 50 msg/s producer: once drawn as
// a band between 0 and 100 (10 ms buckets of 1, 0, 1 message), now a line at 50, with the window
// in the axis title.
void TestChartPanel::steadyRateReadsSteady()
{
    QFETCH(double, seconds);
    QFETCH(QString, title);
    ChartPanel panel;
    panel.resize(1000, 500);
    panel.show();
    QVERIFY(QTest::qWaitForWindowExposed(&panel));
    feedSteady(panel, seconds);
    QCOMPARE(panel.metric(), SeriesMetric::Throughput);
    QVERIFY(panel.isLive());
    QCOMPARE(panel.axisTitle(), title);
    auto *axisY = qobject_cast<QValueAxis *>(panel.chartView()->chart()->axes(Qt::Vertical).value(0));
    QVERIFY(axisY);
    QCOMPARE(axisY->titleText(), title);
    QCOMPARE(panel.shownSeries().size(), 1);
    const QList<QPointF> shown = panel.shownSeries().first()->points();
    QVERIFY(shown.size() > 10);
    for (const QPointF &p : shown)
        QVERIFY2(std::abs(p.y() - 50) < 1e-6, qPrintable(QStringLiteral("%1 at %2 s").arg(p.y()).arg(p.x())));
    // Zoomed in to 1 s, the window narrows to 10 ms (and the truth at that scale is 0 or 100),
    // or to the bucket width when a long run has merged its buckets.
    panel.setXRange(2.0, 3.0);
    panel.refresh();
    const double bucket = toSeconds(panel.store().bucketWidth());
    QCOMPARE(panel.rateWindow(), std::max(0.01, bucket));
    QCOMPARE(
        panel.axisTitle(),
        QStringLiteral("msg/s over %1 windows").arg(ChartSeriesStore::windowText(std::max(0.01, bucket))));
    QCOMPARE(shownMax(panel), bucket > 0.02 ? 50.0 : 100.0);
    // Levels have no window.
    panel.setMetric(SeriesMetric::QueueDepth);
    panel.refresh();
    QCOMPARE(panel.rateWindow(), 0.0);
    QCOMPARE(panel.axisTitle(), QStringLiteral("messages"));
}

void TestChartPanel::namesNotIds()
{
    ChartPanel panel;
    QAbstractItemModelTester tester(panel.picker(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    QAbstractItemModelTester legendTester(panel.legend(),
                                          QAbstractItemModelTester::FailureReportingMode::QtTest);
    panel.reset(namedTopology(3));
    panel.refresh();
    SeriesPickerModel *picker = panel.picker();
    QCOMPARE(picker->rowCount(), 4);
    QCOMPARE(picker->index(0).data().toString(), QStringLiteral("n0")); // no name: the id
    QCOMPARE(picker->index(1).data().toString(), QStringLiteral("Node 1"));
    QCOMPARE(picker->index(3).data().toString(), QStringLiteral("Jobs"));
    QVERIFY(picker->index(3).data(Qt::ToolTipRole).toString().contains(QLatin1String("q")));
    QCOMPARE(picker->index(3).data(SeriesPickerModel::IdRole).toString(), QStringLiteral("q"));
    QStringList names;
    for (QLineSeries *s : panel.shownSeries())
        names << s->name();
    QCOMPARE(names, (QStringList{"n0", "Node 1", "Node 2", "Jobs"}));
    QCOMPARE(panel.legend()->index(3).data(Qt::ToolTipRole).toString(), QStringLiteral("Jobs (q)"));
    // Links by their nodes' names.
    panel.setMetric(SeriesMetric::LinkLosses);
    panel.refresh();
    names.clear();
    for (QLineSeries *s : panel.shownSeries())
        names << s->name();
    QCOMPARE(names, (QStringList{"n0 → Jobs", "Node 1 → Jobs", "Node 2 → Jobs", "n0 → Jobs"}));
    QCOMPARE(panel.legend()->index(1).data(ChartLegendModel::IdRole).toString(), QStringLiteral("l1"));
}

// One colour per node, the NodeColors one (as its sequence lifeline); a node's several links share
// it and differ in pen style.
void TestChartPanel::oneColourPerNode()
{
    ChartPanel panel;
    const int count = 13;
    panel.reset(namedTopology(count));
    panel.refresh();
    const auto series = panel.shownSeries();
    QCOMPARE(series.size(), count + 1);
    QSet<QRgb> colours;
    for (int i = 0; i < series.size(); ++i) {
        QCOMPARE(series[i]->pen().color(), nodeColor(i));
        QCOMPARE(series[i]->pen().style(), Qt::SolidLine);
        QCOMPARE(panel.legend()->index(i).data(ChartLegendModel::ColorRole).value<QColor>(), nodeColor(i));
        colours.insert(series[i]->pen().color().rgb());
    }
    QCOMPARE(colours.size(), count + 1); // no colour twice
    panel.setMetric(SeriesMetric::LinkFrames);
    panel.refresh();
    const auto links = panel.shownSeries();
    QCOMPARE(links.size(), count + 1);
    QCOMPARE(links[0]->pen().color(), nodeColor(0));
    QCOMPARE(links[count]->pen().color(), nodeColor(0)); // n0's second link: n0's colour...
    QCOMPARE(links[0]->pen().style(), Qt::SolidLine);
    QCOMPARE(links[count]->pen().style(), Qt::DashLine); // ...in another style
    QCOMPARE(links[5]->pen().color(), nodeColor(5));
    // The theme follows the palette and sets every pen again: the colours stay.
    QPalette dark = panel.palette();
    dark.setColor(QPalette::Window, Qt::black);
    panel.setPalette(dark);
    QCOMPARE(panel.shownSeries()[count]->pen().color(), nodeColor(0));
    QCOMPARE(panel.shownSeries()[count]->pen().style(), Qt::DashLine);
}

void TestChartPanel::legendShowsEverySeries_data()
{
    QTest::addColumn<int>("nodes");
    QTest::addColumn<int>("width");
    QTest::addColumn<bool>("scrolls");
    QTest::newRow("12 series, wide") << 11 << 1200 << false;
    QTest::newRow("16 series, default dock") << 15 << 1000 << false;
    QTest::newRow("40 series, narrow") << 39 << 600 << true;
}

// Qt Charts' legend cut off 3 of 10 series. Every entry is in the legend's area, in wrapped rows;
// when even those do not fit, the legend scrolls to each.
void TestChartPanel::legendShowsEverySeries()
{
    QFETCH(int, nodes);
    QFETCH(int, width);
    QFETCH(bool, scrolls);
    ChartPanel panel;
    panel.resize(width, 600);
    panel.show();
    QVERIFY(QTest::qWaitForWindowExposed(&panel));
    panel.reset(namedTopology(nodes));
    panel.refresh();
    QApplication::processEvents();
    ChartLegendView *view = panel.legendView();
    QCOMPARE(view->model()->rowCount(), nodes + 1);
    QVERIFY(!panel.chartView()->chart()->legend()->isVisible());
    const QRect area = view->viewport()->rect();
    QVERIFY(view->isVisible());
    QVERIFY(area.height() > 10);
    QCOMPARE(view->verticalScrollBar()->maximum() > 0, scrolls);
    for (int row = 0; row < view->model()->rowCount(); ++row) {
        const QModelIndex index = view->model()->index(row, 0);
        if (scrolls) view->scrollTo(index);
        const QRect rect = view->visualRect(index);
        QVERIFY2(area.contains(rect), qPrintable(QStringLiteral("%1 at %2,%3 %4x%5 outside %6x%7")
                                                     .arg(index.data().toString())
                                                     .arg(rect.x())
                                                     .arg(rect.y())
                                                     .arg(rect.width())
                                                     .arg(rect.height())
                                                     .arg(area.width())
                                                     .arg(area.height())));
        // The whole name, not elided.
        QVERIFY(rect.width() >= view->fontMetrics().horizontalAdvance(index.data().toString()));
    }
}

// The plot was a 100 px strip: it keeps kMinPlotHeight, grows with room, and a smaller dock scrolls.
void TestChartPanel::plotKeepsItsHeight()
{
    ChartPanel panel;
    panel.resize(1000, 200);
    panel.show();
    QVERIFY(QTest::qWaitForWindowExposed(&panel));
    panel.reset(namedTopology(10));
    panel.refresh();
    QApplication::processEvents();
    QChart *chart = panel.chartView()->chart();
    QVERIFY2(chart->plotArea().height() >= ChartPanel::kMinPlotHeight,
             qPrintable(QString::number(chart->plotArea().height())));
    auto *scroll = panel.findChild<QScrollArea *>(QStringLiteral("chartScroll"));
    QVERIFY(scroll);
    QVERIFY(scroll->verticalScrollBar()->maximum() > 0);
    panel.resize(1000, 800);
    QApplication::processEvents();
    QTRY_VERIFY2(chart->plotArea().height() > 500, qPrintable(QString::number(chart->plotArea().height())));
    QCOMPARE(scroll->verticalScrollBar()->maximum(), 0);
}

// Exports carry a title, axis titles with units and the whole legend, laid out for the chosen size.
void TestChartPanel::exportedPictureIsComplete()
{
    ChartPanel panel;
    panel.resize(1000, 400);
    panel.show();
    feedSteady(panel, 30);
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("chart.svg"));
    QString error;
    QVERIFY2(panel.exportPicture(path, &error), qPrintable(error));
    QFile file(path);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QString svg = QString::fromUtf8(file.readAll());
    QVERIFY(svg.contains(QLatin1String("width=\"1600")) || svg.contains(QLatin1String("1600")));
    QVERIFY2(svg.contains(QLatin1String("Throughput, 0 to")), "the title");
    QVERIFY2(svg.contains(QLatin1String("Virtual time (s)")), "the time axis");
    QCOMPARE(panel.axisTitle(), QStringLiteral("msg/s over 1 s windows"));
    QVERIFY2(svg.contains(QLatin1String("msg/s over 1 s windows")),
             "the value axis, with its unit and window");
    QVERIFY2(svg.contains(QLatin1String("Orders")), "the legend");

    // Many series: every legend entry is drawn, in its colour, below the plot.
    panel.reset(namedTopology(13));
    panel.refresh();
    const QSize size(1200, 700);
    const QImage image = panel.renderPicture(size);
    QCOMPARE(image.size(), size);
    QVERIFY2(panel.exportPicture(dir.filePath(QStringLiteral("chart.png")), &error, size), qPrintable(error));
    QCOMPARE(QImage(dir.filePath(QStringLiteral("chart.png"))).size(), size);
    const int legendTop = size.height() - 120;
    for (int i = 0; i < 14; ++i) {
        const QRgb want = nodeColor(i).rgb();
        bool found = false;
        for (int y = legendTop; y < image.height() && !found; ++y)
            for (int x = 0; x < image.width() && !found; ++x)
                found = (image.pixel(x, y) & 0xffffff) == (want & 0xffffff);
        QVERIFY2(found, qPrintable(QStringLiteral("no legend sample in %1").arg(nodeColor(i).name())));
    }
}

QTEST_MAIN(TestChartPanel)
#include "tst_chartpanel.moc"
