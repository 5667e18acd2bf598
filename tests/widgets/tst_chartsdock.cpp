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
    void lossesAreChartedByName();

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

// lossy-at-most-once loses frames only on its links: the Drops chart showed 0 and no chart showed
// the losses. Series are named by node names.
void TestChartsDock::lossesAreChartedByName()
{
    MainWindow window;
    window.show();
    QVERIFY(window.openFile(QStringLiteral(SIGNALBOX_EXAMPLES_DIR "/lossy-at-most-once.json")));
    ChartPanel *panel = window.chartPanel();
    QSignalSpy finished(window.engine(), &EngineHost::finished);
    window.findChild<QAction *>(QStringLiteral("runAction"))->trigger();
    QVERIFY(finished.wait(kRunTimeout));
    const auto total = [&](SeriesMetric metric, int target) {
        double sum = 0;
        for (const QPointF &p : panel->store().points(metric, target))
            sum += p.y() * toSeconds(panel->store().bucketWidth());
        return qRound(sum);
    };
    int drops = 0, losses = 0;
    for (int n = 0; n < 3; ++n)
        drops += total(SeriesMetric::Drops, n);
    for (int l = 0; l < 2; ++l)
        losses += total(SeriesMetric::LinkLosses, l);
    QVERIFY2(losses > 50, qPrintable(QString::number(losses)));
    QVERIFY2(drops > 50, qPrintable(QString::number(drops)));
    QVERIFY(drops <= losses); // lost messages, not lost frames of any kind
    panel->setMetric(SeriesMetric::LinkLosses);
    panel->refresh();
    QStringList names;
    for (QLineSeries *s : panel->shownSeries())
        names << s->name();
    QCOMPARE(names, (QStringList{QStringLiteral("Publisher (fire-and-forget) → jobs"),
                                 QStringLiteral("jobs → Worker (auto ack)")}));
}

QTEST_MAIN(TestChartsDock)
#include "tst_chartsdock.moc"
