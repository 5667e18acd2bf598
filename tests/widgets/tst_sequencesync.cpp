// The sequence diagram in the window: it fills from the run, and its selection and the canvas's
// follow each other (a node selected on the canvas lights its lifeline; a message selected in the
// diagram selects the links it travelled; a lifeline header clicked selects the node).
#include "canvasitems.h"
#include "canvasscene.h"
#include "enginehost.h"
#include "eventlogmodel.h"
#include "isolatedsettings.h"
#include "mainwindow.h"
#include "sequencepanel.h"
#include "sequenceview.h"
#include "topologydocument.h"

#include <QAction>
#include <QLabel>
#include <QLineEdit>
#include <QSignalSpy>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <QUndoStack>

using namespace sb;

class TestSequenceSync : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void lifelinesBeforeTheFirstRun();
    void diagramFillsFromTheRun();
    void canvasSelectionHighlightsLifelinesAndLinks();
    void diagramSelectionSelectsCanvasLinks();
    void lifelineClickSelectsTheNode();
    void checkerMarksLostMessages();
    void checkerMarksOrderViolations();
    void checkerMarksFollowTheFilter();
    void eventLogShowsNames();

private:
    void runExample(MainWindow &window, const char *file, const char *until);
    QTemporaryDir m_dir;
};

void TestSequenceSync::initTestCase()
{
    QVERIFY(m_dir.isValid());
    sbtest::isolateUserFiles(m_dir);
}

void TestSequenceSync::runExample(MainWindow &window, const char *file, const char *until)
{
    QVERIFY(window.openFile(QStringLiteral(SIGNALBOX_EXAMPLES_DIR "/") + QLatin1String(file)));
    window.untilEdit()->setText(QLatin1String(until));
    Q_EMIT window.untilEdit()->editingFinished();
    QSignalSpy finished(window.engine(), &EngineHost::finished);
    window.findChild<QAction *>(QStringLiteral("runAction"))->trigger();
    QVERIFY(finished.wait(30000));
    window.document()->undoStack()->setClean();
}

// Before any run the lifelines follow the canvas, so the diagram is not an empty box.
void TestSequenceSync::lifelinesBeforeTheFirstRun()
{
    MainWindow window;
    QVERIFY(window.openFile(QStringLiteral(SIGNALBOX_EXAMPLES_DIR "/work-queue.json")));
    SequenceView *view = window.sequencePanel()->view();
    QCOMPARE(window.sequencePanel()->history().size(), std::size_t(0));
    QCOMPARE(view->layout().nodeIds, (QStringList{"producer", "tasks", "worker-1", "worker-2", "worker-3"}));
    // The headers say the names the canvas shows.
    QCOMPARE(view->layout().nodeNames,
             (QStringList{"Task producer", "tasks", "Worker 1", "Worker 2", "Worker 3 (slow)"}));
    QCOMPARE(view->lifelineOrder().size(), std::size_t(5));
    // A node added (and its undo) shows at once.
    const QString added = window.document()->addNode(QStringLiteral("consumer"), QPointF(900, 0));
    QVERIFY(!added.isEmpty());
    QCOMPARE(view->lifelineOrder().size(), std::size_t(6));
    QCOMPARE(view->layout().nodeIds.last(), added);
    window.document()->undoStack()->undo();
    QCOMPARE(view->lifelineOrder().size(), std::size_t(5));
    // After a run the lifelines are the run's: an edit does not throw its history away.
    runExample(window, "work-queue.json", "100ms");
    const std::size_t events = window.sequencePanel()->history().size();
    QVERIFY(events > 0);
    window.document()->addNode(QStringLiteral("consumer"), QPointF(900, 0));
    QCOMPARE(window.sequencePanel()->history().size(), events);
    QCOMPARE(view->lifelineOrder().size(), std::size_t(5));
    // Another file: the old run's diagram goes, the new file's lifelines come.
    window.document()->undoStack()->setClean();
    QVERIFY(window.openFile(QStringLiteral(SIGNALBOX_EXAMPLES_DIR "/topic-routing.json")));
    QCOMPARE(window.sequencePanel()->history().size(), std::size_t(0));
    QCOMPARE(view->lifelineOrder().size(), std::size_t(10));
}

void TestSequenceSync::diagramFillsFromTheRun()
{
    MainWindow window;
    runExample(window, "work-queue.json", "500ms");
    const SequenceHistory &history = window.sequencePanel()->history();
    QVERIFY(history.size() > 100);
    QVERIFY(history.lastTime() <= 500 * kMillisecond);
    // Lifelines in canvas order: producer (x 0), tasks (250), then the workers top to bottom.
    const auto order = window.sequencePanel()->view()->lifelineOrder();
    QCOMPARE(order, (std::vector<NodeIndex>{0, 1, 2, 3, 4}));
    QCOMPARE(window.sequencePanel()->view()->layout().nodeIds.at(1), QString("tasks"));
    QCOMPARE(window.sequencePanel()->view()->layout().nodeNames.at(0), QString("Task producer"));
}

void TestSequenceSync::canvasSelectionHighlightsLifelinesAndLinks()
{
    MainWindow window;
    runExample(window, "work-queue.json", "200ms");
    SequenceView *view = window.sequencePanel()->view();
    window.canvasScene()->nodeItem(QStringLiteral("worker-2"))->setSelected(true);
    const auto &nodes = view->highlight().nodes;
    QVERIFY(nodes.size() == 5 && nodes[3] && !nodes[2]);
    window.canvasScene()->clearSelection();
    window.canvasScene()->linkItem(QStringLiteral("publish"))->setSelected(true);
    const auto &links = view->highlight().links;
    QVERIFY(!links.empty() && links[0]);
    QVERIFY(std::none_of(view->highlight().nodes.begin(), view->highlight().nodes.end(),
                         [](bool b) { return b; }));
}

void TestSequenceSync::diagramSelectionSelectsCanvasLinks()
{
    MainWindow window;
    runExample(window, "work-queue.json", "200ms");
    SequenceView *view = window.sequencePanel()->view();
    QSignalSpy selected(view, &SequenceView::messageSelected);
    view->selectMessage(4);
    QCOMPARE(selected.count(), 1);
    const QStringList links = selected.at(0).at(1).toStringList();
    QVERIFY(links.size() >= 2);
    QStringList onCanvas = window.canvasScene()->selectedLinkIds();
    QStringList expected = links;
    onCanvas.sort();
    expected.sort();
    QCOMPARE(onCanvas, expected);
    QVERIFY(window.canvasScene()->selectedNodeIds().isEmpty());
    // The inspector names what the message carried, from the run's message catalog.
    const QString shown = window.sequencePanel()->inspectorText(4);
    QVERIFY2(shown.contains("Message #4") && shown.contains("routing key") && shown.contains("bytes"),
             qPrintable(shown));
    QVERIFY(window.engine()->message(4));
    QVERIFY(!window.engine()->message(999999));
}

void TestSequenceSync::lifelineClickSelectsTheNode()
{
    MainWindow window;
    runExample(window, "work-queue.json", "100ms");
    Q_EMIT window.sequencePanel()->view()->nodeClicked(QStringLiteral("tasks"));
    QCOMPARE(window.selectedNode(), QString("tasks"));
    QCOMPARE(window.canvasScene()->selectedNodeIds(), QStringList{"tasks"});
}

void TestSequenceSync::checkerMarksLostMessages()
{
    MainWindow window;
    runExample(window, "lossy-at-most-once.json", "2s");
    const auto &marks = window.sequencePanel()->view()->annotations();
    QVERIFY(!marks.empty());
    for (const auto &m : marks) {
        QVERIFY2(m.text.startsWith("lost #") || m.text.startsWith("duplicate #"), qPrintable(m.text));
        QVERIFY(m.messageId != 0);
        QVERIFY(m.node != kNoIndex);
    }
}

// A requeue breaks publish order: the processing that came late is marked at its consumer, and
// the summary dock says so.
void TestSequenceSync::checkerMarksOrderViolations()
{
    MainWindow window;
    runExample(window, "dead-letter.json", "3s");
    const SequenceHistory &history = window.sequencePanel()->history();
    int order = 0;
    for (const auto &m : window.sequencePanel()->view()->annotations()) {
        if (!m.text.startsWith(QLatin1String("out of order #"))) continue;
        ++order;
        // It sits on the processing it names.
        bool found = false;
        for (std::size_t i = 0; i < history.size() && !found; ++i) {
            const TraceEvent &e = history.at(i);
            found = e.kind == TraceKind::Process && e.messageId == m.messageId && e.node == m.node &&
                    e.time == m.time;
        }
        QVERIFY2(found, qPrintable(m.text));
    }
    QVERIFY(order > 0);
    const auto *checks = window.findChild<QLabel *>(QStringLiteral("deliveryCheckLabel"));
    QVERIFY(checks);
    QVERIFY2(checks->text().contains(QLatin1String("Order check: ")), qPrintable(checks->text()));
    QVERIFY(checks->text().contains(QLatin1String("out of publish order")));
}

// Issue 9, defect 6: with `msg:N` the diagram shows the marks about message N and no other's, and
// no mark is drawn over another text.
void TestSequenceSync::checkerMarksFollowTheFilter()
{
    MainWindow window;
    runExample(window, "lossy-at-most-once.json", "2s");
    SequencePanel *panel = window.sequencePanel();
    SequenceView *view = panel->view();
    const auto marks = view->annotations();
    QVERIFY(marks.size() >= 2);
    view->resize(900, 700);
    view->setNsPerPixel(4e6); // 4 ms a pixel: the whole run, every other lost message in view
    const SequenceAnnotation &mark = marks.front();
    QVERIFY(panel->setFilterText(QStringLiteral("msg:%1").arg(mark.messageId)));
    view->grab(); // paints
    QStringList shown;
    const auto &labels = view->lastStats().labels;
    for (const auto &l : labels)
        if (l.kind == SequenceRenderer::DrawnLabel::Kind::Annotation) shown << l.text;
    QCOMPARE(shown, QStringList{mark.text});
    for (std::size_t i = 0; i < labels.size(); ++i)
        for (std::size_t j = i + 1; j < labels.size(); ++j)
            QVERIFY2(!labels[i].rect.intersects(labels[j].rect),
                     qPrintable(labels[i].text + QLatin1String(" / ") + labels[j].text));
}

// The event log names nodes as the canvas does; the id is in the tooltip, and a filter finds the
// node by either.
void TestSequenceSync::eventLogShowsNames()
{
    MainWindow window;
    runExample(window, "work-queue.json", "100ms");
    auto *log = window.findChild<QTableView *>(QStringLiteral("eventLogView"));
    QVERIFY(log);
    QAbstractItemModel *model = log->model();
    QVERIFY(model->rowCount() > 0);
    QStringList nodes;
    for (int row = 0; row < model->rowCount(); ++row)
        nodes << model->index(row, EventLogModel::NodeColumn).data().toString();
    QVERIFY(nodes.contains(QLatin1String("Task producer")));
    QVERIFY(!nodes.contains(QLatin1String("producer")));
    const int row = int(nodes.indexOf(QLatin1String("Task producer")));
    QCOMPARE(model->index(row, EventLogModel::NodeColumn).data(Qt::ToolTipRole).toString(),
             QString("id: producer"));
}

QTEST_MAIN(TestSequenceSync)
#include "tst_sequencesync.moc"
