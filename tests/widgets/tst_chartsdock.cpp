// The Charts dock in the main window: tabified with the event log, filled live by a run, reset when
// the next run starts.
#include "chartpanel.h"
#include "isolatedsettings.h"
#include "mainwindow.h"
#include "seriespickermodel.h"

#include <QAction>
#include <QDockWidget>
#include <QLineSeries>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace sb;

namespace {
constexpr int kRunTimeout = 30000;
const QString kExample = QStringLiteral(SIGNALBOX_EXAMPLES_DIR "/work-queue.json");
} // namespace

class TestChartsDock : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void chartsDockBesideTheEventLog();
    void runFillsTheChartsAndTheNextRunResetsThem();

private:
    QTemporaryDir m_dir;
};

void TestChartsDock::initTestCase()
{
    QVERIFY(m_dir.isValid());
    sbtest::isolateUserFiles(m_dir);
}

void TestChartsDock::chartsDockBesideTheEventLog()
{
    MainWindow window;
    auto *charts = window.findChild<QDockWidget *>(QStringLiteral("chartsDock"));
    auto *events = window.findChild<QDockWidget *>(QStringLiteral("eventLogDock"));
    QVERIFY(charts && events);
    QCOMPARE(charts->windowTitle(), QStringLiteral("Charts"));
    QVERIFY(window.tabifiedDockWidgets(events).contains(charts));
    QCOMPARE(window.dockWidgetArea(charts), Qt::BottomDockWidgetArea);
    QCOMPARE(charts->widget(), window.chartPanel());
}

void TestChartsDock::runFillsTheChartsAndTheNextRunResetsThem()
{
    MainWindow window;
    window.show();
    QVERIFY(window.openFile(kExample));
    ChartPanel *panel = window.chartPanel();
    QCOMPARE(panel->picker()->rowCount(), 5); // every node has a throughput

    window.findChild<QDockWidget *>(QStringLiteral("chartsDock"))->raise(); // hidden charts draw nothing
    QSignalSpy finished(window.engine(), &EngineHost::finished);
    auto *run = window.findChild<QAction *>(QStringLiteral("runAction"));
    run->trigger();
    QVERIFY(finished.wait(kRunTimeout));
    QVERIFY(panel->store().endTime() > 0);
    const auto &produced = panel->store().points(SeriesMetric::Throughput, 0);
    QVERIFY(!produced.empty());
    QTRY_VERIFY(!panel->shownSeries().isEmpty() && panel->shownSeries().first()->count() > 0);

    // The next run starts from nothing.
    run->trigger();
    QCOMPARE(panel->store().endTime(), 0.0);
    QVERIFY(panel->store().points(SeriesMetric::Throughput, 0).empty());
    QVERIFY(finished.wait(kRunTimeout));
    QCOMPARE(panel->store().points(SeriesMetric::Throughput, 0), produced); // deterministic: the same again
}

QTEST_MAIN(TestChartsDock)
#include "tst_chartsdock.moc"
