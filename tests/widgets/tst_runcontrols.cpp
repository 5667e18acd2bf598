// The window's run controls: Step, the run settings in the toolbar (seed, stop time, message
// budget) as undoable document edits, live faults on the selection while a run is on, live link
// property changes, and which edit actions the selection enables.
#include "canvasitems.h"
#include "canvasscene.h"
#include "canvasview.h"
#include "enginehost.h"
#include "isolatedsettings.h"
#include "mainwindow.h"
#include "propertyeditor.h"
#include "topologydocument.h"

#include <QAction>
#include <QApplication>
#include <QComboBox>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QSignalSpy>
#include <QStatusBar>
#include <QTemporaryDir>
#include <QTest>
#include <QUndoStack>

using namespace sb;

namespace {

constexpr int kRunTimeout = 30000;
const QString kExample = QStringLiteral(SIGNALBOX_EXAMPLES_DIR "/work-queue.json");

QAction *action(const MainWindow &window, const char *name)
{
    auto *a = window.findChild<QAction *>(QLatin1String(name));
    if (!a) qFatal("no action %s", name);
    return a;
}

void edit(QLineEdit *field, const QString &text)
{
    field->setText(text);
    Q_EMIT field->editingFinished();
}

// Runs at 1x so that there is time to act while the run is on, and waits for it to start moving.
bool startSlowRun(MainWindow &window)
{
    auto *speed = window.findChild<QComboBox *>(QStringLiteral("speedCombo"));
    speed->setCurrentIndex(speed->findData(1.0));
    QSignalSpy progressed(window.engine(), &EngineHost::progressed);
    action(window, "runAction")->trigger();
    return progressed.wait(5000);
}

RunSummary finish(MainWindow &window)
{
    QSignalSpy finished(window.engine(), &EngineHost::finished);
    action(window, "stopAction")->trigger();
    if (!finished.wait(kRunTimeout)) return {};
    return finished.at(0).at(0).value<RunSummary>();
}

bool hasChange(const RunSummary &s, const std::string &action, const std::string &target)
{
    for (const auto &c : s.liveChanges)
        if (c.action == action && c.target == target) return true;
    return false;
}

} // namespace

class TestRunControls : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void init();

    void stepProcessesOneEventAtATime();
    void runSettingsEditTheDocument_data();
    void runSettingsEditTheDocument();
    void runUsesTheRunSettings();
    void faultsActOnTheSelectionWhileRunning();
    void pauseNodeHoldsWorkUntilResumed();
    void linkPropertyEditsApplyLive();
    void faultsNeedARun();
    void editActionsFollowTheSelection();
    void choosingASpeedGivesTheKeysBackToTheCanvas();

private:
    QTemporaryDir m_dir;
};

void TestRunControls::initTestCase()
{
    QVERIFY(m_dir.isValid());
    sbtest::isolateUserFiles(m_dir);
}

void TestRunControls::init()
{
    QSettings().clear();
}

void TestRunControls::stepProcessesOneEventAtATime()
{
    MainWindow window;
    QVERIFY(window.openFile(kExample));
    QAction *step = action(window, "stepAction");
    QVERIFY(step->isEnabled());
    QCOMPARE(step->shortcut(), QKeySequence(Qt::Key_F10));
    QSignalSpy paused(window.engine(), &EngineHost::paused);
    QSignalSpy progressed(window.engine(), &EngineHost::progressed);
    // Progress counts trace events (one step may trace several): after i steps, as many as the
    // same example stepped headlessly i times.
    const LoadResult loaded = loadTopologyFile(QString(kExample).toStdString());
    QVERIFY(loaded.ok());
    std::string error;
    auto headless = Simulation::build(*loaded.topology, error);
    QVERIFY2(headless, error.c_str());
    CounterSink traced;
    headless->addSink(&traced);
    for (quint64 i = 1; i <= 3; ++i) {
        step->trigger();
        QVERIFY(paused.wait(5000));
        QCOMPARE(window.engine()->state(), EngineHost::State::Paused);
        QVERIFY(headless->step());
        QCOMPARE(progressed.last().at(1).toULongLong(), quint64(traced.total()));
    }
    // Run carries on from the step to the end.
    QSignalSpy finished(window.engine(), &EngineHost::finished);
    action(window, "runAction")->trigger();
    QVERIFY(finished.wait(kRunTimeout));
    QCOMPARE(finished.at(0).at(0).value<RunSummary>().delivery.published, std::uint64_t(2000));
}

void TestRunControls::runSettingsEditTheDocument_data()
{
    QTest::addColumn<QString>("field");
    QTest::addColumn<QString>("text");
    QTest::addColumn<bool>("accepted");
    QTest::addColumn<QString>("shown"); // the field's text afterwards
    QTest::newRow("seed") << "seedEdit"
                          << "4242" << true << "4242";
    QTest::newRow("stop at 2s") << "untilEdit"
                                << "2s" << true << "2s";
    QTest::newRow("stop at bare number is seconds") << "untilEdit"
                                                    << "3" << true << "3s";
    QTest::newRow("stop at 1500ms") << "untilEdit"
                                    << "1500ms" << true << "1.5s";
    QTest::newRow("stop at nonsense") << "untilEdit"
                                      << "soon" << false << "soon";
    QTest::newRow("stop at zero") << "untilEdit"
                                  << "0s" << false << "0s";
    QTest::newRow("messages") << "messagesEdit"
                              << "250" << true << "250";
}

void TestRunControls::runSettingsEditTheDocument()
{
    QFETCH(QString, field);
    QFETCH(QString, text);
    QFETCH(bool, accepted);
    QFETCH(QString, shown);
    MainWindow window;
    QVERIFY(window.openFile(kExample));
    const RunSettings before = window.document()->topology().run;
    auto *edit = window.findChild<QLineEdit *>(field);
    QVERIFY(edit);
    ::edit(edit, text);
    QCOMPARE(edit->text(), shown);
    const RunSettings after = window.document()->topology().run;
    if (!accepted) {
        QCOMPARE(after, before);
        QVERIFY(!window.document()->isModified());
        QVERIFY2(window.statusBar()->currentMessage().contains("Stop at"),
                 qPrintable(window.statusBar()->currentMessage()));
        QVERIFY(!edit->styleSheet().isEmpty()); // marked as wrong
        return;
    }
    QVERIFY(!(after == before));
    QVERIFY(window.document()->isModified());
    QCOMPARE(window.document()->undoStack()->undoText(), QString("Change run settings"));
    window.document()->undoStack()->undo();
    QCOMPARE(window.document()->topology().run, before);
    QVERIFY(edit->text() != shown); // the field follows the document
    window.document()->undoStack()->setClean();
}

void TestRunControls::runUsesTheRunSettings()
{
    MainWindow window;
    QVERIFY(window.openFile(kExample));
    edit(window.seedEdit(), QStringLiteral("7"));
    edit(window.untilEdit(), QStringLiteral("1s"));
    edit(window.messagesEdit(), QStringLiteral("100"));
    QSignalSpy finished(window.engine(), &EngineHost::finished);
    action(window, "runAction")->trigger();
    QVERIFY(finished.wait(kRunTimeout));
    const auto summary = finished.at(0).at(0).value<RunSummary>();
    QCOMPARE(summary.seed, std::uint64_t(7));
    QVERIFY(summary.endTime <= kSecond);
    QVERIFY(summary.delivery.published <= 100);
    window.document()->undoStack()->setClean();
}

void TestRunControls::faultsActOnTheSelectionWhileRunning()
{
    MainWindow window;
    window.show();
    QVERIFY(window.openFile(kExample));
    QVERIFY(startSlowRun(window));

    window.selectLink(QStringLiteral("to-worker-1"));
    QAction *linkDown = action(window, "linkDownAction");
    QVERIFY(linkDown->isEnabled());
    QCOMPARE(linkDown->text(), QString("Take Link &Down"));
    linkDown->trigger();
    QVERIFY(window.engine()->isLinkDown(QStringLiteral("to-worker-1")));
    QCOMPARE(linkDown->text(), QString("Bring Link &Up"));

    window.selectNode(QStringLiteral("worker-2"));
    QAction *crash = action(window, "crashAction");
    QVERIFY(crash->isEnabled());
    QVERIFY(!linkDown->isEnabled()); // a node is selected, not a link
    crash->trigger();
    QVERIFY(window.engine()->isNodeCrashed(QStringLiteral("worker-2")));
    QCOMPARE(crash->text(), QString("&Restart Node"));
    QVERIFY(!action(window, "pauseNodeAction")->isEnabled()); // a crashed node cannot pause
    crash->trigger();
    QVERIFY(!window.engine()->isNodeCrashed(QStringLiteral("worker-2")));

    const RunSummary summary = finish(window);
    QVERIFY(hasChange(summary, "link down", "to-worker-1"));
    QVERIFY(hasChange(summary, "crash", "worker-2"));
    QVERIFY(hasChange(summary, "restart", "worker-2"));
    // The summary dock says so too.
    const QString shown = window.findChild<QLabel *>(QStringLiteral("deliveryCheckLabel"))->text();
    QVERIFY2(shown.contains("link down to-worker-1") && shown.contains("crash worker-2"), qPrintable(shown));
    // After the run the faults have nothing to act on.
    QVERIFY(!crash->isEnabled());
}

void TestRunControls::pauseNodeHoldsWorkUntilResumed()
{
    MainWindow window;
    QVERIFY(window.openFile(kExample));
    QVERIFY(startSlowRun(window));
    window.selectNode(QStringLiteral("tasks"));
    QAction *pauseNode = action(window, "pauseNodeAction");
    pauseNode->trigger();
    QVERIFY(window.engine()->isNodePaused(QStringLiteral("tasks")));
    QCOMPARE(pauseNode->text(), QString("Res&ume Node"));
    // The canvas shows it: a paused badge from the engine's own state, within a few frames.
    NodeItem *tasks = window.canvasScene()->nodeItem(QStringLiteral("tasks"));
    QTRY_VERIFY_WITH_TIMEOUT(tasks->badges().paused, 5000);
    QVERIFY(tasks->badges().line.startsWith("paused"));
    // Work for the paused queue piles up on the way in: frames wait, counted in flight.
    auto *inFlight = window.findChild<QLabel *>(QStringLiteral("inFlightLabel"));
    QTRY_VERIFY_WITH_TIMEOUT(!inFlight->text().startsWith("In flight: 0 "), 5000);
    pauseNode->trigger();
    QVERIFY(!window.engine()->isNodePaused(QStringLiteral("tasks")));
    QTRY_VERIFY_WITH_TIMEOUT(!tasks->badges().paused, 5000);
    const RunSummary summary = finish(window);
    QVERIFY(hasChange(summary, "pause", "tasks"));
    QVERIFY(hasChange(summary, "resume", "tasks"));
    QCOMPARE(summary.delivery.lost, std::uint64_t(0)); // held, not lost
}

void TestRunControls::linkPropertyEditsApplyLive()
{
    MainWindow window;
    QVERIFY(window.openFile(kExample));
    QVERIFY(startSlowRun(window));
    window.selectLink(QStringLiteral("publish"));
    Q_EMIT window.propertyEditor()->propertyEdited(QStringLiteral("loss"), Json(0.5));
    QCOMPARE(window.document()->link(QStringLiteral("publish"))->properties.value("loss", 0.0), 0.5);
    // The speed change makes the rest of the run quick.
    auto *speed = window.findChild<QComboBox *>(QStringLiteral("speedCombo"));
    QSignalSpy finished(window.engine(), &EngineHost::finished);
    speed->setCurrentIndex(speed->findData(0.0));
    QVERIFY(finished.wait(kRunTimeout));
    const auto summary = finished.at(0).at(0).value<RunSummary>();
    QVERIFY(hasChange(summary, "link change", "publish"));
    QVERIFY(summary.links[0].counters.lost > 0);
    window.document()->undoStack()->setClean();
}

void TestRunControls::faultsNeedARun()
{
    MainWindow window;
    QVERIFY(window.openFile(kExample));
    window.selectNode(QStringLiteral("worker-1"));
    QVERIFY(!action(window, "crashAction")->isEnabled());
    QVERIFY(!action(window, "pauseNodeAction")->isEnabled());
    window.selectLink(QStringLiteral("publish"));
    QVERIFY(!action(window, "linkDownAction")->isEnabled());
    action(window, "linkDownAction")->trigger(); // does nothing
    QVERIFY(!window.engine()->isLinkDown(QStringLiteral("publish")));
}

void TestRunControls::editActionsFollowTheSelection()
{
    MainWindow window;
    QVERIFY(window.openFile(kExample));
    window.canvasScene()->clearSelection();
    for (const char *name : {"cutAction", "copyAction", "duplicateAction", "deleteAction"})
        QVERIFY2(!action(window, name)->isEnabled(), name);
    QVERIFY(!window.findChild<QMenu *>(QStringLiteral("alignMenu"))->isEnabled());

    window.canvasScene()->nodeItem(QStringLiteral("worker-1"))->setSelected(true);
    for (const char *name : {"cutAction", "copyAction", "duplicateAction", "deleteAction"})
        QVERIFY2(action(window, name)->isEnabled(), name);
    QVERIFY(!window.findChild<QMenu *>(QStringLiteral("alignMenu"))->isEnabled());
    window.canvasScene()->nodeItem(QStringLiteral("worker-2"))->setSelected(true);
    QVERIFY(window.findChild<QMenu *>(QStringLiteral("alignMenu"))->isEnabled());
    QVERIFY(!action(window, "distributeHAction")->isEnabled()); // needs three
    window.canvasScene()->nodeItem(QStringLiteral("worker-3"))->setSelected(true);
    QVERIFY(action(window, "distributeHAction")->isEnabled());
    action(window, "alignTopAction")->trigger();
    QCOMPARE(window.document()->node(QStringLiteral("worker-3"))->position.y, 0.0);

    // A link alone: it can be deleted, not copied.
    window.selectLink(QStringLiteral("publish"));
    QVERIFY(action(window, "deleteAction")->isEnabled());
    QVERIFY(!action(window, "copyAction")->isEnabled());
    window.document()->undoStack()->setClean();
}

QTEST_MAIN(TestRunControls)
void TestRunControls::choosingASpeedGivesTheKeysBackToTheCanvas()
{
    MainWindow window;
    window.show();
    QApplication::setActiveWindow(&window);
    QVERIFY(QTest::qWaitForWindowActive(&window));
    QVERIFY(window.openFile(kExample));
    auto *speed = window.findChild<QComboBox *>(QStringLiteral("speedCombo"));
    speed->setFocus();
    QVERIFY(speed->hasFocus());
    const int before = speed->currentIndex();
    QTest::keyClick(speed, Qt::Key_Up);
    QCOMPARE(speed->currentIndex(), before - 1);
    QVERIFY(window.canvasView()->hasFocus());
    // Home and End now go to the canvas, not to the speed box.
    const int chosen = speed->currentIndex();
    QTest::keyClick(QApplication::focusWidget(), Qt::Key_End);
    QTest::keyClick(QApplication::focusWidget(), Qt::Key_Home);
    QCOMPARE(speed->currentIndex(), chosen);
}

#include "tst_runcontrols.moc"
