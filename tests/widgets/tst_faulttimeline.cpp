// The Faults dock's timeline: faults added from the menu and by dragging on a row, bars moved,
// resized and deleted with synthetic mouse and key events, each one undo step that undo and redo
// walk exactly; refused gestures change nothing; and in the window: the selected fault in the
// Properties dock, recording a run's live faults, and a plan that survives save and reopen.
#include "canvasscene.h"
#include "faultsdock.h"
#include "faulttimeline.h"
#include "isolatedsettings.h"
#include "mainwindow.h"
#include "propertyeditor.h"
#include "topologydocument.h"

#include <QAction>
#include <QDockWidget>
#include <QLineEdit>
#include <QMenu>
#include <QMenuBar>
#include <QSettings>
#include <QSignalSpy>
#include <QStatusBar>
#include <QTemporaryDir>
#include <QTest>
#include <QUndoStack>

using namespace sb;

namespace {

const char *kFixture = R"({
  "format": "signalbox-topology",
  "version": 1,
  "name": "faults",
  "nodes": [
    {"id": "p1", "kind": "producer"},
    {"id": "q1", "kind": "queue"},
    {"id": "c1", "kind": "consumer"}
  ],
  "links": [
    {"id": "l1", "from": "p1", "fromPort": "out", "to": "q1", "toPort": "in"},
    {"id": "l2", "from": "q1", "fromPort": "deliver", "to": "c1", "toPort": "in"}
  ],
  "run": {"until": "10s"},
  "faults": [
    {"id": "f1", "kind": "link-down", "target": "l1", "start": "2s", "duration": "1s"}
  ]
})";

Topology fixture()
{
    const LoadResult r = parseTopology(kFixture, "fixture");
    if (!r.ok()) qFatal("fixture does not load");
    return *r.topology;
}

int rowIndex(const FaultTimeline &t, const QString &target)
{
    for (int i = 0; i < int(t.rows().size()); ++i)
        if (t.rows()[std::size_t(i)].target == target) return i;
    return -1;
}

// A drag with the left button from `from` to `to` on the timeline's viewport.
void drag(FaultTimeline &t, QPoint from, QPoint to)
{
    QWidget *v = t.viewport();
    QTest::mousePress(v, Qt::LeftButton, {}, from);
    QTest::mouseMove(v, (from + to) / 2);
    QTest::mouseMove(v, to);
    QTest::mouseRelease(v, Qt::LeftButton, {}, to);
}

// Checks the edit just made against the plan before it: one undo step, undo gives the plan
// before back exactly, redo the plan after.
void checkUndoRedo(TopologyDocument &doc, const std::vector<FaultDef> &before, int stepsBefore)
{
    const std::vector<FaultDef> after = doc.topology().faults;
    QVERIFY(after != before);
    QCOMPARE(doc.undoStack()->count(), stepsBefore + 1);
    doc.undoStack()->undo();
    QVERIFY(doc.topology().faults == before);
    doc.undoStack()->redo();
    QVERIFY(doc.topology().faults == after);
}

struct Fixture {
    TopologyDocument doc;
    FaultTimeline timeline{&doc};
    Fixture()
    {
        QString error;
        if (!doc.setTopology(fixture(), &error)) qFatal("fixture refused");
        timeline.resize(900, 300);
        timeline.show();
    }
};

} // namespace

class TestFaultTimeline : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void init();
    void rowsAndDefaultRange();
    void addByMenuOnTheSelection();
    void addByMenuChoosingTheTarget();
    void addByDrag();
    void moveByDraggingTheMiddle();
    void resizeByDraggingTheEdges_data();
    void resizeByDraggingTheEdges();
    void deleteRemovesTheSelectedFault();
    void refusedDragChangesNothing();
    void repeatingFaultShowsEachRepetition();
    void wheelZoomsAroundThePointer();
    void currentTimeIsTheCursor();
    void selectingABarShowsItInProperties();
    void recordLiveFaultsIntoThePlan();
    void saveAndReopenKeepsThePlan();

private:
    QTemporaryDir m_dir;
};

void TestFaultTimeline::initTestCase()
{
    QVERIFY(m_dir.isValid());
    sbtest::isolateUserFiles(m_dir);
}

void TestFaultTimeline::init()
{
    QSettings().clear();
}

void TestFaultTimeline::rowsAndDefaultRange()
{
    Fixture f;
    // Links, nodes, then every node as a group.
    QCOMPARE(int(f.timeline.rows().size()), 2 + 3 + 1);
    QCOMPARE(f.timeline.rows()[0].label, QString("p1 \u2192 q1"));
    QCOMPARE(f.timeline.rows()[5].type, FaultTarget::Group);
    QCOMPARE(f.timeline.rowOf(*f.doc.fault("f1")), rowIndex(f.timeline, "l1"));
    QVERIFY(f.timeline.kindsFor(f.timeline.rows()[0]).contains("loss"));
    QVERIFY(!f.timeline.kindsFor(f.timeline.rows()[0]).contains("crash"));
    QVERIFY(f.timeline.kindsFor(f.timeline.rows()[2]).contains("crash"));
    QVERIFY(f.timeline.kindsFor(f.timeline.rows()[5]).contains("partition-halves"));
    // The run's stop time; without one 60 s; a fault beyond it widens the range.
    QCOMPARE(f.timeline.visibleStart(), SimTime(0));
    QCOMPARE(f.timeline.visibleEnd(), 10 * kSecond);
    RunSettings run = f.doc.topology().run;
    run.until.reset();
    QString error;
    QVERIFY(f.doc.setRunSettings(run, &error));
    QCOMPARE(f.timeline.visibleEnd(), 60 * kSecond);
    FaultDef late;
    late.kind = "crash";
    late.target = "c1";
    late.start = 90 * kSecond;
    late.duration = 10 * kSecond;
    QVERIFY(!f.doc.addFault(late, &error).isEmpty());
    f.timeline.fitToPlan();
    QVERIFY(f.timeline.visibleEnd() > 100 * kSecond);
    QVERIFY(!f.timeline.barRect(f.doc.faultIds().last()).isEmpty());
}

void TestFaultTimeline::addByMenuOnTheSelection()
{
    Fixture f;
    f.timeline.setSelectionProvider([] { return QStringList(); }, [] { return QStringList{"l2"}; });
    QMenu *menu = f.timeline.addFaultMenu();
    Q_EMIT menu->aboutToShow();
    QStringList categories;
    for (QAction *a : menu->actions())
        categories << a->text();
    QCOMPARE(categories, QStringList({"Link", "Messages", "Node", "Nemesis"}));
    QMenu *link = menu->findChild<QMenu *>("addFaultMenu-Link");
    QVERIFY(link);
    QAction *loss = nullptr;
    for (QAction *a : link->actions())
        if (a->data().toString() == "loss") loss = a;
    QVERIFY(loss);
    QVERIFY2(!loss->menu(), "a kind that fits the selection is one click");
    QVERIFY(loss->text().contains("q1 \u2192 c1"));
    QSignalSpy selected(&f.timeline, &FaultTimeline::faultSelected);
    const auto before = f.doc.topology().faults;
    loss->trigger();
    QCOMPARE(f.doc.topology().faults.size(), std::size_t(2));
    const FaultDef added = f.doc.topology().faults.back();
    QCOMPARE(added.kind, std::string("loss"));
    QCOMPARE(added.target, std::string("l2"));
    QCOMPARE(added.start, f.timeline.newFaultStart());
    QCOMPARE(added.duration, std::optional<SimTime>(f.timeline.newFaultDuration()));
    QCOMPARE(f.timeline.selectedFault(), QString::fromStdString(added.id));
    QCOMPARE(selected.count(), 1);
    checkUndoRedo(f.doc, before, 0);
}

void TestFaultTimeline::addByMenuChoosingTheTarget()
{
    Fixture f;
    QMenu *menu = f.timeline.addFaultMenu();
    Q_EMIT menu->aboutToShow();
    QMenu *node = menu->findChild<QMenu *>("addFaultMenu-Node");
    QVERIFY(node);
    QMenu *crash = nullptr;
    for (QAction *a : node->actions())
        if (a->data().toString() == "crash") crash = a->menu();
    QVERIFY2(crash, "without a selection, a kind lists its targets");
    QStringList targets;
    for (QAction *a : crash->actions())
        targets << a->data().toString();
    QCOMPARE(targets, QStringList({"p1", "q1", "c1"}));
    const auto before = f.doc.topology().faults;
    crash->actions()[1]->trigger();
    QCOMPARE(f.doc.topology().faults.back().kind, std::string("crash"));
    QCOMPARE(f.doc.topology().faults.back().target, std::string("q1"));
    checkUndoRedo(f.doc, before, 0);
}

void TestFaultTimeline::addByDrag()
{
    Fixture f;
    QStringList offered;
    QString offeredLast;
    f.timeline.setKindChooser([&](const QStringList &kinds, const QString &last, QPoint) {
        offered = kinds;
        offeredLast = last;
        return QStringLiteral("loss");
    });
    const int y = f.timeline.rowRect(rowIndex(f.timeline, "l2")).center().y();
    const auto before = f.doc.topology().faults;
    drag(f.timeline, {f.timeline.xOf(1 * kSecond), y}, {f.timeline.xOf(3 * kSecond), y});
    QVERIFY(offered.contains("loss"));
    QVERIFY(!offered.contains("crash"));
    QVERIFY(offeredLast.isEmpty());
    QCOMPARE(f.doc.topology().faults.size(), std::size_t(2));
    const FaultDef added = f.doc.topology().faults.back();
    QCOMPARE(added.kind, std::string("loss"));
    QCOMPARE(added.target, std::string("l2"));
    QCOMPARE(added.start, 1 * kSecond);
    QCOMPARE(added.duration, std::optional<SimTime>(2 * kSecond));
    checkUndoRedo(f.doc, before, 0);

    // The next drag on a link row offers the kind used last first; right to left works too.
    drag(f.timeline, {f.timeline.xOf(8 * kSecond), y}, {f.timeline.xOf(6 * kSecond), y});
    QCOMPARE(offeredLast, QString("loss"));
    QCOMPARE(f.doc.topology().faults.back().start, 6 * kSecond);

    // A click without a drag adds nothing; cancelling the kind adds nothing.
    const std::size_t count = f.doc.topology().faults.size();
    QTest::mouseClick(f.timeline.viewport(), Qt::LeftButton, {}, {f.timeline.xOf(5 * kSecond), y});
    f.timeline.setKindChooser([](const QStringList &, const QString &, QPoint) { return QString(); });
    drag(f.timeline, {f.timeline.xOf(4 * kSecond), y}, {f.timeline.xOf(5 * kSecond), y});
    QCOMPARE(f.doc.topology().faults.size(), count);
}

void TestFaultTimeline::moveByDraggingTheMiddle()
{
    Fixture f;
    const QRect bar = f.timeline.barRect("f1");
    QVERIFY(!bar.isEmpty());
    const auto before = f.doc.topology().faults;
    drag(f.timeline, bar.center(),
         {bar.center().x() + f.timeline.xOf(2 * kSecond) - f.timeline.xOf(0), bar.center().y()});
    QCOMPARE(f.doc.fault("f1")->start, 4 * kSecond);
    QCOMPARE(f.doc.fault("f1")->duration, std::optional<SimTime>(kSecond));
    QCOMPARE(f.timeline.selectedFault(), QString("f1"));
    checkUndoRedo(f.doc, before, 0);
}

void TestFaultTimeline::resizeByDraggingTheEdges_data()
{
    QTest::addColumn<bool>("endEdge");
    QTest::addColumn<qint64>("to");
    QTest::addColumn<qint64>("start");
    QTest::addColumn<qint64>("duration");
    QTest::newRow("end later") << true << qint64(5 * kSecond) << qint64(2 * kSecond) << qint64(3 * kSecond);
    QTest::newRow("end earlier") << true << qint64(2500 * kMillisecond) << qint64(2 * kSecond)
                                 << qint64(500 * kMillisecond);
    QTest::newRow("start earlier") << false << qint64(1 * kSecond) << qint64(1 * kSecond)
                                   << qint64(2 * kSecond);
    QTest::newRow("start later") << false << qint64(2500 * kMillisecond) << qint64(2500 * kMillisecond)
                                 << qint64(500 * kMillisecond);
}

void TestFaultTimeline::resizeByDraggingTheEdges()
{
    QFETCH(bool, endEdge);
    QFETCH(qint64, to);
    QFETCH(qint64, start);
    QFETCH(qint64, duration);
    Fixture f;
    const QRect bar = f.timeline.barRect("f1");
    const QPoint grab(endEdge ? bar.right() - 1 : bar.left() + 1, bar.center().y());
    const auto before = f.doc.topology().faults;
    drag(f.timeline, grab, {f.timeline.xOf(to), grab.y()});
    QCOMPARE(f.doc.fault("f1")->start, SimTime(start));
    QCOMPARE(f.doc.fault("f1")->duration, std::optional<SimTime>(duration));
    checkUndoRedo(f.doc, before, 0);
}

void TestFaultTimeline::deleteRemovesTheSelectedFault()
{
    Fixture f;
    const QRect bar = f.timeline.barRect("f1");
    QTest::mouseClick(f.timeline.viewport(), Qt::LeftButton, {}, bar.center());
    QCOMPARE(f.timeline.selectedFault(), QString("f1"));
    QCOMPARE(f.doc.undoStack()->count(), 0); // a click selects, it does not move
    const auto before = f.doc.topology().faults;
    QSignalSpy selected(&f.timeline, &FaultTimeline::faultSelected);
    QTest::keyClick(&f.timeline, Qt::Key_Delete);
    QVERIFY(!f.doc.fault("f1"));
    QVERIFY(f.timeline.selectedFault().isEmpty());
    QCOMPARE(selected.count(), 1);
    checkUndoRedo(f.doc, before, 0);
    // Clicking empty space clears the selection; Delete then does nothing.
    f.doc.undoStack()->undo();
    QTest::mouseClick(f.timeline.viewport(), Qt::LeftButton, {}, f.timeline.barRect("f1").center());
    QTest::mouseClick(f.timeline.viewport(), Qt::LeftButton, {},
                      {f.timeline.xOf(8 * kSecond), f.timeline.barRect("f1").center().y()});
    QVERIFY(f.timeline.selectedFault().isEmpty());
    QTest::keyClick(&f.timeline, Qt::Key_Delete);
    QVERIFY(f.doc.fault("f1"));
}

void TestFaultTimeline::refusedDragChangesNothing()
{
    Fixture f;
    FaultDef second;
    second.kind = "link-down";
    second.target = "l1";
    second.start = 6 * kSecond;
    second.duration = kSecond;
    QString error;
    QVERIFY(!f.doc.addFault(second, &error).isEmpty());
    const auto before = f.doc.topology().faults;
    const int steps = f.doc.undoStack()->count();
    QSignalSpy refused(&f.timeline, &FaultTimeline::editRefused);
    const QRect bar = f.timeline.barRect("f1");
    drag(f.timeline, bar.center(), {f.timeline.xOf(6500 * kMillisecond), bar.center().y()});
    QCOMPARE(refused.count(), 1);
    QVERIFY2(refused.first().first().toString().contains("overlaps"),
             qPrintable(refused.first().first().toString()));
    QVERIFY(f.doc.topology().faults == before);
    QCOMPARE(f.doc.undoStack()->count(), steps);
    QCOMPARE(f.timeline.barRect("f1"), bar); // the bar is back where it was
}

void TestFaultTimeline::repeatingFaultShowsEachRepetition()
{
    Fixture f;
    QString error;
    QVERIFY(editFault(f.doc, "f1", "every", Json("3s"), &error));
    // 2s, 5s, 8s fit in 10 s; 11s does not.
    QVERIFY(!f.timeline.barRect("f1", 0).isEmpty());
    QVERIFY(!f.timeline.barRect("f1", 2).isEmpty());
    QVERIFY(f.timeline.barRect("f1", 3).isEmpty());
    QCOMPARE(f.timeline.barRect("f1", 1).left(), f.timeline.xOf(5 * kSecond));
    // Without a duration a fault runs to the right edge.
    QVERIFY(editFault(f.doc, "f1", "every", std::nullopt, &error));
    QVERIFY(editFault(f.doc, "f1", "duration", std::nullopt, &error));
    QVERIFY(f.timeline.barRect("f1").right() >= f.timeline.xOf(10 * kSecond) - 1);
}

void TestFaultTimeline::wheelZoomsAroundThePointer()
{
    Fixture f;
    const int x = f.timeline.xOf(5 * kSecond);
    const QPoint pos(x, 40);
    QWheelEvent in(pos, f.timeline.viewport()->mapToGlobal(pos), {}, {0, 120}, Qt::NoButton, Qt::NoModifier,
                   Qt::NoScrollPhase, false);
    QApplication::sendEvent(f.timeline.viewport(), &in);
    const SimTime span = f.timeline.visibleEnd() - f.timeline.visibleStart();
    QVERIFY(span < 10 * kSecond);
    QVERIFY(std::llabs(f.timeline.timeAt(x) - 5 * kSecond) <
            50 * kMillisecond); // the time under the pointer stays
    QWheelEvent pan(pos, f.timeline.viewport()->mapToGlobal(pos), {}, {0, -120}, Qt::NoButton,
                    Qt::ShiftModifier, Qt::NoScrollPhase, false);
    const SimTime from = f.timeline.visibleStart();
    QApplication::sendEvent(f.timeline.viewport(), &pan);
    QVERIFY(f.timeline.visibleStart() > from);
    QCOMPARE(f.timeline.visibleEnd() - f.timeline.visibleStart(), span);
}

void TestFaultTimeline::currentTimeIsTheCursor()
{
    Fixture f;
    QCOMPARE(f.timeline.currentTime(), SimTime(0));
    f.timeline.setCurrentTime(4 * kSecond);
    QCOMPARE(f.timeline.currentTime(), 4 * kSecond);
    // A fault added from the menu starts at the cursor.
    QCOMPARE(f.timeline.newFaultStart(), 4 * kSecond);
}

void TestFaultTimeline::selectingABarShowsItInProperties()
{
    MainWindow window;
    QString error;
    QVERIFY(window.document()->setTopology(fixture(), &error));
    window.resize(1440, 900);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    window.findChild<QDockWidget *>("faultsDock")->raise();
    FaultTimeline *timeline = window.faultsPanel()->timeline();
    QTRY_VERIFY(timeline->isVisible());
    QTest::mouseClick(timeline->viewport(), Qt::LeftButton, {}, timeline->barRect("f1").center());
    QCOMPARE(window.selectedFault(), QString("f1"));
    PropertyEditor *editor = window.propertyEditor();
    QVERIFY2(editor->title().contains("f1") && editor->title().contains("Link down"),
             qPrintable(editor->title()));
    QVERIFY(editor->editor("start"));
    QVERIFY(editor->editor("duration"));
    QVERIFY(editor->editor("every"));
    QVERIFY(editor->editor("target"));
    QVERIFY(editor->editor("params.direction"));
    // An edit is an undo step on the document.
    auto *start = qobject_cast<QLineEdit *>(editor->editor("start"));
    QVERIFY(start);
    start->setFocus();
    start->selectAll();
    QTest::keyClicks(start, "4s");
    QTest::keyClick(start, Qt::Key_Return);
    QCOMPARE(window.document()->fault("f1")->start, 4 * kSecond);
    QCOMPARE(window.document()->undoStack()->count(), 1);
    // An invalid one is refused with the validation message and the field shows the plan again.
    auto *every = qobject_cast<QLineEdit *>(editor->editor("every"));
    every->setFocus();
    every->selectAll();
    QTest::keyClicks(every, "500ms");
    QTest::keyClick(every, Qt::Key_Return);
    QVERIFY(!window.document()->fault("f1")->every);
    QCOMPARE(window.document()->undoStack()->count(), 1);
    QVERIFY(window.statusBar()->currentMessage().contains("not longer than the duration"));
    // Selecting a node goes back to the node's properties.
    window.selectNode("q1");
    QVERIFY(window.selectedFault().isEmpty());
    QVERIFY(timeline->selectedFault().isEmpty());
    QVERIFY(!editor->title().contains("f1"));
    // So does picking the node that was shown before the fault again on the canvas.
    QTest::mouseClick(timeline->viewport(), Qt::LeftButton, {}, timeline->barRect("f1").center());
    QCOMPARE(window.selectedFault(), QString("f1"));
    window.canvasScene()->clearSelection();
    window.canvasScene()->selectNode("q1");
    QVERIFY(window.selectedFault().isEmpty());
    QVERIFY2(editor->title().contains("q1"), qPrintable(editor->title()));
}

void TestFaultTimeline::recordLiveFaultsIntoThePlan()
{
    MainWindow window;
    QString error;
    QVERIFY(window.document()->setTopology(fixture(), &error));
    QAction *record = window.faultsPanel()->recordAction();
    QVERIFY(!record->isEnabled());
    // The Run menu offers it too.
    bool inRunMenu = false;
    for (QAction *menu : window.menuBar()->actions())
        if (menu->menu() && menu->text().contains("Run"))
            inRunMenu = menu->menu()->actions().contains(record);
    QVERIFY(inRunMenu);
    RunSummary summary;
    summary.faults.push_back({0, "f1", "link-down", "l1", 0, 2 * kSecond, 3 * kSecond, true, {}});
    summary.faults.push_back({1, "live-1", "link-down", "l2", 0, 4 * kSecond, 6 * kSecond, false, {}});
    summary.faults.push_back({2, "live-2", "crash", "c1", 0, 7 * kSecond, kNever, false, {}});
    Q_EMIT window.engine()->finished(summary);
    QVERIFY(record->isEnabled());
    const auto before = window.document()->topology().faults;
    record->trigger();
    const auto &faults = window.document()->topology().faults;
    QCOMPARE(faults.size(), std::size_t(3));
    QCOMPARE(faults[1].kind, std::string("link-down"));
    QCOMPARE(faults[1].target, std::string("l2"));
    QCOMPARE(faults[1].start, 4 * kSecond);
    QCOMPARE(faults[1].duration, std::optional<SimTime>(2 * kSecond));
    QCOMPARE(faults[2].kind, std::string("crash"));
    QVERIFY(!faults[2].duration);
    checkUndoRedo(*window.document(), before, 0);
    // Recording the same faults again would overlap them: refused with the reason, nothing changes.
    const auto recorded = window.document()->topology().faults;
    record->trigger();
    QVERIFY(window.document()->topology().faults == recorded);
    QVERIFY2(window.statusBar()->currentMessage().contains("overlaps"),
             qPrintable(window.statusBar()->currentMessage()));
}

void TestFaultTimeline::saveAndReopenKeepsThePlan()
{
    const QString path = m_dir.filePath("plan.json");
    std::vector<FaultDef> plan;
    {
        MainWindow window;
        QString error;
        QVERIFY(window.document()->setTopology(fixture(), &error));
        window.resize(1440, 900);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        window.findChild<QDockWidget *>("faultsDock")->raise();
        FaultTimeline *timeline = window.faultsPanel()->timeline();
        QTRY_VERIFY(timeline->isVisible());
        timeline->setKindChooser(
            [](const QStringList &, const QString &, QPoint) { return QStringLiteral("crash"); });
        const int y = timeline->rowRect(rowIndex(*timeline, "q1")).center().y();
        drag(*timeline, {timeline->xOf(1 * kSecond), y}, {timeline->xOf(4 * kSecond), y});
        QVERIFY(editFault(*window.document(), "f1", "every", Json("5s"), &error));
        QVERIFY(editFault(*window.document(), "f1", "params.direction", Json("forward"), &error));
        plan = window.document()->topology().faults;
        QCOMPARE(plan.size(), std::size_t(2));
        QVERIFY(window.saveFile(path));
    }
    MainWindow reopened;
    QVERIFY(reopened.openFile(path));
    QVERIFY(reopened.document()->topology().faults == plan);
    FaultTimeline *timeline = reopened.faultsPanel()->timeline();
    QCOMPARE(timeline->rowOf(plan[1]), rowIndex(*timeline, "q1"));
}

QTEST_MAIN(TestFaultTimeline)
#include "tst_faulttimeline.moc"
