// The window's run side on its own, without the window: the run state as the document allows it,
// the speed presets, and the status bar's figures once a run has ended.
#include "canvasscene.h"
#include "enginehost.h"
#include "isolatedsettings.h"
#include "runcontroller.h"
#include "sequencepanel.h"
#include "sequenceview.h"
#include "summarymodel.h"
#include "topologydocument.h"

#include <QAction>
#include <QComboBox>
#include <QLabel>
#include <QLocale>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <QWidget>

using namespace sb;

namespace {

constexpr int kRunTimeout = 30000;
const QString kExample = QStringLiteral(SIGNALBOX_EXAMPLES_DIR "/work-queue.json");

// The parts a RunController works with, as the window gives them.
struct Fixture {
    Fixture() : scene(&document), controller(&engine, &document, &scene, &widgets) {}
    QWidget widgets;
    EngineHost engine;
    TopologyDocument document;
    CanvasScene scene;
    RunController controller;
};

QString stateText(const RunController &run)
{
    return run.statusLabels().last()->text();
}

} // namespace

class TestRunController : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void stateFollowsTheDocument();
    void selectSpeedAddsMissingPresets_data();
    void selectSpeedAddsMissingPresets();
    void finishedRunShowsItsOwnFigures();
    void summaryShowsTheChecks_data();
    void summaryShowsTheChecks();
    void callFindingsAreMarkedOnTheDiagram();

private:
    QTemporaryDir m_dir;
};

void TestRunController::initTestCase()
{
    QVERIFY(m_dir.isValid());
    sbtest::isolateUserFiles(m_dir);
}

void TestRunController::stateFollowsTheDocument()
{
    Fixture f;
    // Nothing to run yet: an empty topology, not "no topology".
    QCOMPARE(stateText(f.controller), QString("Empty topology"));
    QVERIFY(!f.controller.runAction()->isEnabled());
    const QString id = f.document.addNode("producer", QPointF(0, 0));
    QCOMPARE(stateText(f.controller), QString("Ready"));
    QVERIFY(f.controller.runAction()->isEnabled());
    QVERIFY(f.controller.stepAction()->isEnabled());
    QVERIFY(f.document.removeItems({id}, {}));
    QCOMPARE(stateText(f.controller), QString("Empty topology"));
    QVERIFY(!f.controller.runAction()->isEnabled());
}

void TestRunController::selectSpeedAddsMissingPresets_data()
{
    QTest::addColumn<double>("speed");
    QTest::addColumn<QStringList>("items");
    QTest::newRow("a preset") << 10.0 << QStringList({"1x", "10x", "100x", "Max"});
    QTest::newRow("between presets") << 50.0 << QStringList({"1x", "10x", "50x", "100x", "Max"});
    QTest::newRow("slower than all") << 0.5 << QStringList({"0.5x", "1x", "10x", "100x", "Max"});
}

void TestRunController::selectSpeedAddsMissingPresets()
{
    QFETCH(double, speed);
    QFETCH(QStringList, items);
    Fixture f;
    f.controller.selectSpeed(speed);
    QCOMPARE(f.controller.selectedSpeed(), speed);
    QStringList shown;
    for (int i = 0; i < f.controller.speedCombo()->count(); ++i)
        shown << f.controller.speedCombo()->itemText(i);
    QCOMPARE(shown, items);
}

void TestRunController::finishedRunShowsItsOwnFigures()
{
    Fixture f;
    const LoadResult loaded = loadTopologyFile(kExample.toStdString());
    QVERIFY(loaded.ok());
    Topology topology = *loaded.topology;
    topology.run.until = 5 * kSecond;
    f.document.setTopology(topology);
    f.controller.selectSpeed(0); // as fast as possible

    QSignalSpy finished(&f.engine, &EngineHost::finished);
    f.controller.onRunTriggered();
    QVERIFY(finished.wait(kRunTimeout));
    const auto summary = finished.at(0).at(0).value<RunSummary>();
    QVERIFY(summary.events > 0);
    const QString text = f.controller.rateLabel()->text();
    QVERIFY2(
        text.startsWith("Finished: " + QLocale().toString(static_cast<qint64>(summary.events)) + " events"),
        qPrintable(text));
    // The wall time reads like a duration with three significant digits at most: "in 2.35ms".
    QVERIFY2(QRegularExpression(QStringLiteral(R"( in \d{1,3}(\.\d{1,2})?[a-z]+ \([\d,.]+ events/s\)$)"))
                 .match(text)
                 .hasMatch(),
             qPrintable(text));
    QCOMPARE(stateText(f.controller), QString("Finished"));

    // A progress report that arrives late does not put a rate back over the run's figures.
    QTest::qWait(600);
    Q_EMIT f.engine.progressed(summary.endTime, summary.events);
    QCOMPARE(f.controller.rateLabel()->text(), text);
}

void TestRunController::summaryShowsTheChecks_data()
{
    QTest::addColumn<QString>("example");
    QTest::addColumn<bool>("found"); // a check found something: the table shows
    QTest::newRow("work queue: all well") << "work-queue" << false;
    QTest::newRow("at least once: duplicates") << "lossy-at-least-once" << true;
}

// The run summary lists every check of the run (the delivery ones and, the call checker watching
// every run, the call ones); the table shows when one found something, the calls table only for
// runs with calls.
void TestRunController::summaryShowsTheChecks()
{
    QFETCH(QString, example);
    QFETCH(bool, found);
    Fixture f;
    const LoadResult loaded =
        loadTopologyFile(QStringLiteral(SIGNALBOX_EXAMPLES_DIR "/%1.json").arg(example).toStdString());
    QVERIFY(loaded.ok());
    f.document.setTopology(*loaded.topology); // its own run: work-queue drains, nothing pending
    f.controller.selectSpeed(0);
    QSignalSpy finished(&f.engine, &EngineHost::finished);
    f.controller.onRunTriggered();
    QVERIFY(finished.wait(kRunTimeout));
    const CheckModel *checks = f.controller.checkModel();
    QCOMPARE(checks->rowCount(), 9);
    QCOMPARE(checks->index(4, CheckModel::CheckColumn).data().toString(), QString("executed-twice"));
    QCOMPARE(checks->anyFound(), found);
    auto *checkView = f.widgets.findChild<QWidget *>(QStringLiteral("checkView"));
    QVERIFY(checkView);
    QCOMPARE(checkView->isVisibleTo(&f.widgets), found);
    auto *callView = f.widgets.findChild<QWidget *>(QStringLiteral("callMethodView"));
    QVERIFY(callView);
    QVERIFY(!callView->isVisibleTo(&f.widgets));
    QCOMPARE(f.controller.callMethodModel()->rowCount(), 0);
    // Only the checks that found something have a row on view.
    auto *table = qobject_cast<QTableView *>(checkView);
    QVERIFY(table);
    for (int row = 0; row < checks->rowCount(); ++row)
        QCOMPARE(table->isRowHidden(row),
                 checks->index(row, 0).data(CheckModel::CountRole).toULongLong() == 0);
    if (found) {
        const QModelIndex duplicates = checks->index(1, CheckModel::FindingColumn);
        QVERIFY2(duplicates.data().toString().startsWith(QLatin1String("message ")),
                 qPrintable(duplicates.data().toString()));
    }
}

// The call checks' findings reach the sequence diagram as marks; double-clicking the
// executed-twice row of the checks table selects that call there.
void TestRunController::callFindingsAreMarkedOnTheDiagram()
{
    Fixture f;
    const LoadResult loaded = loadTopologyFile(
        QStringLiteral(SIGNALBOX_EXAMPLES_DIR "/grpc-retries-idempotency.json").toStdString());
    QVERIFY(loaded.ok());
    f.document.setTopology(*loaded.topology);
    f.controller.selectSpeed(0);
    QSignalSpy finished(&f.engine, &EngineHost::finished);
    f.controller.onRunTriggered();
    QVERIFY(finished.wait(kRunTimeout));
    const auto &findings = f.controller.sequencePanel()->view()->findings();
    QVERIFY(!findings.empty());
    std::uint64_t twiceCall = 0;
    for (const Finding &x : findings) {
        QVERIFY(x.correlationId != 0);
        QVERIFY(x.check != "lost" && x.check != "duplicates");
        if (x.check == "executed-twice" && !twiceCall) twiceCall = x.correlationId;
    }
    QVERIFY(twiceCall);
    auto *table = f.widgets.findChild<QTableView *>(QStringLiteral("checkView"));
    QVERIFY(table);
    const CheckModel *checks = f.controller.checkModel();
    QCOMPARE(checks->index(4, CheckModel::CheckColumn).data().toString(), QString("executed-twice"));
    f.widgets.show();
    QVERIFY(QTest::qWaitForWindowExposed(&f.widgets));
    const QRect cell = table->visualRect(checks->index(4, CheckModel::CheckColumn));
    QVERIFY(cell.isValid());
    QTest::mouseClick(table->viewport(), Qt::LeftButton, {}, cell.center());
    QTest::mouseDClick(table->viewport(), Qt::LeftButton, {}, cell.center());
    QCOMPARE(f.controller.sequencePanel()->view()->selectedCall(), twiceCall);
    // A new run starts without the old marks.
    f.controller.onRunTriggered();
    QVERIFY(finished.wait(kRunTimeout));
    QVERIFY(!f.controller.sequencePanel()->view()->findings().empty());
}

QTEST_MAIN(TestRunController)
#include "tst_runcontroller.moc"
