#include "canvasitems.h"
#include "canvasscene.h"
#include "canvasview.h"
#include "eventlogmodel.h"
#include "isolatedsettings.h"
#include "mainwindow.h"
#include "palette.h"
#include "propertyeditor.h"
#include "runstore.h"
#include "sequencepanel.h"
#include "sequenceview.h"
#include "summarymodel.h"
#include "topologydocument.h"
#include "topologymodel.h"

#include <QAction>
#include <QApplication>
#include <QClipboard>
#include <QComboBox>
#include <QDir>
#include <QDockWidget>
#include <QDoubleSpinBox>
#include <QFile>
#include <QGuiApplication>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QMessageBox>
#include <QMimeData>
#include <QRegularExpression>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QStatusBar>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <QTextBrowser>
#include <QUndoStack>

using namespace sb;

namespace {

constexpr int kRunTimeout = 30000;
const QString kExample = QStringLiteral(SIGNALBOX_EXAMPLES_DIR "/work-queue.json");

QMessageBox *findLoadErrorDialog()
{
    for (QWidget *w : QApplication::topLevelWidgets())
        if (w->objectName() == QLatin1String("loadErrorDialog") && w->isVisible())
            return qobject_cast<QMessageBox *>(w);
    return nullptr;
}

QAction *action(const MainWindow &window, const char *name)
{
    return window.findChild<QAction *>(QLatin1String(name));
}

QString label(const MainWindow &window, const char *name)
{
    const auto *l = window.findChild<QLabel *>(QLatin1String(name));
    return l ? l->text() : QString();
}

QString runStorePath()
{
    return QStandardPaths::writableLocation(QStandardPaths::AppDataLocation) + QStringLiteral("/runs.db");
}

} // namespace

class TestMainWindow : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void init();

    void startsWithoutDocument();
    void opensExampleAndShowsNodes();
    void brokenFileShowsEveryProblemAndKeepsDocument_data();
    void brokenFileShowsEveryProblemAndKeepsDocument();
    void recentFilesKeepTheLastEight();
    void runActionFillsSummaryAndEventLog();
    void pauseResumeAndStopThroughActions();
    void filterNarrowsTheEventLog();
    void geometryAndDocksAreRestored();
    void unusableRunStoreIsNotFatal();
    void paletteAddsNodeAndPropertiesEditIt();
    void saveThenOpenGivesTheSameTopology();
    void failedSaveKeepsChangesAndSaysWhy();
    void deleteRemovesSelectedNodeWithUndo();
    void editedTopologyRunsAsEdited();
    void canvasFollowsTheDocumentAndDrivesSelection();
    void linkPropertiesAndBindingKeysInThePanel();
    void copyPasteDuplicateCutAndSelectAll();
    void undoAndRedoByKeyboard_data();
    void undoAndRedoByKeyboard();
    void noTwoActionsShareAKey();
    void newTopologyIsNotReportedAsNone();
    void refusedLinkMessageGoesAtTheNextEdit();
    void failedOpenAtStartKeepsTheWelcomePage();
    void canvasAndSequenceGetMostOfTheWindow_data();
    void canvasAndSequenceGetMostOfTheWindow();

private:
    QTemporaryDir m_dir;
};

void TestMainWindow::initTestCase()
{
    QVERIFY(m_dir.isValid());
    sbtest::isolateUserFiles(m_dir);
}

void TestMainWindow::init()
{
    QSettings().clear();
    QFile::remove(runStorePath());
}

void TestMainWindow::startsWithoutDocument()
{
    MainWindow window;
    QCOMPARE(window.windowTitle(), QString("Signalbox — untitled[*]"));
    QVERIFY(!window.isWindowModified());
    QCOMPARE(window.topologyModel()->rowCount(), 0);
    QVERIFY(!action(window, "runAction")->isEnabled());
    QVERIFY(!action(window, "pauseAction")->isEnabled());
    QVERIFY(!action(window, "stopAction")->isEnabled());
    QCOMPARE(action(window, "openAction")->shortcut(), QKeySequence(QKeySequence::Open));
    QCOMPARE(action(window, "quitAction")->shortcut(), QKeySequence("Ctrl+Q"));
    QCOMPARE(action(window, "runAction")->shortcut(), QKeySequence("F5"));
    QCOMPARE(action(window, "stopAction")->shortcut(), QKeySequence("Shift+F5"));
    auto *speed = window.findChild<QComboBox *>("speedCombo");
    QVERIFY(speed);
    QStringList speeds;
    for (int i = 0; i < speed->count(); ++i)
        speeds << speed->itemText(i);
    QCOMPARE(speeds, QStringList({"1x", "10x", "100x", "Max"}));
    QVERIFY(window.findChild<QDockWidget *>("summaryDock"));
    QVERIFY(window.findChild<QDockWidget *>("eventLogDock"));
}

void TestMainWindow::opensExampleAndShowsNodes()
{
    MainWindow window;
    window.show();
    QVERIFY(window.openFile(kExample));
    QCOMPARE(window.currentFile(), QFileInfo(kExample).absoluteFilePath());
    QCOMPARE(window.windowTitle(), QString("Signalbox — work-queue.json[*]"));
    QVERIFY(action(window, "runAction")->isEnabled());

    auto *view = window.findChild<QTableView *>("topologyView");
    QVERIFY(view);
    QAbstractItemModel *model = view->model();
    QCOMPARE(model->rowCount(), 5);
    QStringList ids;
    for (int row = 0; row < model->rowCount(); ++row)
        ids << model->index(row, TopologyModel::IdColumn).data().toString();
    QCOMPARE(ids, QStringList({"producer", "tasks", "worker-1", "worker-2", "worker-3"}));

    QCOMPARE(label(window, "runStateLabel"), QString("Ready"));
}

void TestMainWindow::brokenFileShowsEveryProblemAndKeepsDocument_data()
{
    QTest::addColumn<QByteArray>("content"); // empty: the file does not exist
    QTest::addColumn<QStringList>("mentions");

    QTest::newRow("bad property and unknown kind")
        << QByteArray(R"({"format": "signalbox-topology", "version": 1, "name": "broken",
  "nodes": [{"id": "p", "kind": "producer", "properties": {"rate": -5}},
            {"id": "x", "kind": "teleporter"}],
  "links": []})")
        << QStringList({"$.nodes[0].properties.rate", "below the minimum", "$.nodes[1].kind", "teleporter"});
    QTest::newRow("syntax error") << QByteArray("{ \"format\": ")
                                  << QStringList({"line 1, column", "not valid JSON"});
    QTest::newRow("missing file") << QByteArray() << QStringList({"cannot open"});
}

void TestMainWindow::brokenFileShowsEveryProblemAndKeepsDocument()
{
    QFETCH(QByteArray, content);
    QFETCH(QStringList, mentions);

    QTemporaryDir dir;
    const QString path = dir.filePath("broken.json");
    if (!content.isEmpty()) {
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(content);
    }

    MainWindow window;
    window.show();
    QVERIFY(window.openFile(kExample));
    const QString title = window.windowTitle();

    QVERIFY(!window.openFile(path));
    QMessageBox *box = nullptr;
    QTRY_VERIFY((box = findLoadErrorDialog()) != nullptr);
    QCOMPARE(window.findChild<QMessageBox *>("loadErrorDialog"), box);
    QCOMPARE(box->icon(), QMessageBox::Warning);
    QVERIFY2(box->text().contains(QDir::toNativeSeparators(path)), qPrintable(box->text()));
    for (const QString &mention : mentions)
        QVERIFY2(box->text().contains(mention), qPrintable(box->text()));

    box->close();
    QTRY_VERIFY(!window.findChild<QMessageBox *>("loadErrorDialog"));

    // The document shown before is still the document.
    QCOMPARE(window.currentFile(), QFileInfo(kExample).absoluteFilePath());
    QCOMPARE(window.windowTitle(), title);
    QCOMPARE(window.topologyModel()->rowCount(), 5);
    QCOMPARE(window.engine()->state(), EngineHost::State::Ready);
    QCOMPARE(window.engine()->nodeIds().size(), 5);
}

void TestMainWindow::recentFilesKeepTheLastEight()
{
    QTemporaryDir dir;
    QFile example(kExample);
    QVERIFY(example.open(QIODevice::ReadOnly));
    const QByteArray json = example.readAll();
    QStringList paths;
    for (int i = 0; i < 10; ++i) {
        paths << dir.filePath(QStringLiteral("topology-%1.json").arg(i));
        QFile file(paths.last());
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(json);
    }

    MainWindow window;
    for (const QString &path : paths)
        QVERIFY(window.openFile(path));
    QVERIFY(window.openFile(paths[5])); // opening again moves it to the top

    auto *menu = window.findChild<QMenu *>("recentMenu");
    QVERIFY(menu);
    QStringList listed;
    for (QAction *a : menu->actions())
        if (!a->data().toString().isEmpty()) listed << a->data().toString();
    const QStringList expected = {paths[5], paths[9], paths[8], paths[7],
                                  paths[6], paths[4], paths[3], paths[2]};
    QCOMPARE(listed, expected);
    QCOMPARE(QSettings().value("recentFiles").toStringList(), expected);

    // A new window offers the same list, and its entries open their file.
    MainWindow second;
    auto *secondMenu = second.findChild<QMenu *>("recentMenu");
    QAction *entry = nullptr;
    for (QAction *a : secondMenu->actions())
        if (a->data().toString() == paths[9]) entry = a;
    QVERIFY(entry);
    entry->trigger();
    QCOMPARE(second.currentFile(), paths[9]);
}

void TestMainWindow::runActionFillsSummaryAndEventLog()
{
    MainWindow window;
    window.show();
    QVERIFY(window.openFile(kExample));
    QCOMPARE(window.findChild<QComboBox *>("speedCombo")->currentText(), QString("Max"));

    QSignalSpy finished(window.engine(), &EngineHost::finished);
    action(window, "runAction")->trigger();
    QVERIFY(finished.wait(kRunTimeout));

    auto *summaryView = window.findChild<QTableView *>("summaryView");
    QVERIFY(summaryView);
    QTRY_COMPARE(summaryView->model()->rowCount(), 5);
    quint64 processed = 0;
    for (int row = 0; row < 5; ++row)
        processed += summaryView->model()
                         ->index(row, SummaryModel::ProcessedColumn)
                         .data(SummaryModel::CountRole)
                         .toULongLong();
    QCOMPARE(processed, quint64(2000));
    const QString check = label(window, "deliveryCheckLabel");
    QVERIFY2(check.startsWith("Delivery check: 2000 published, 2000 copies reached queues, 2000 processed, "
                              "0 duplicates, 0 lost"),
             qPrintable(check));
    const StopReason reason = window.summaryModel()->summary().stopReason;
    QVERIFY(reason != StopReason::Stopped);
    QVERIFY2(label(window, "runHeadline").contains(QString("ended: ") + stopReasonName(reason)),
             qPrintable(label(window, "runHeadline")));

    auto *eventView = window.findChild<QTableView *>("eventLogView");
    QVERIFY(eventView);
    QVERIFY(eventView->model()->rowCount() > 2000);
    // Nodes are shown by the names the canvas shows (issue 9).
    QStringList nodes;
    for (int row = 0; row < eventView->model()->rowCount(); ++row)
        nodes << eventView->model()->index(row, EventLogModel::NodeColumn).data().toString();
    nodes.removeDuplicates();
    nodes.sort();
    QCOMPARE(nodes, QStringList({"Task producer", "Worker 1", "Worker 2", "Worker 3 (slow)", "tasks"}));

    QCOMPARE(label(window, "runStateLabel"), QString("Finished"));
    QCOMPARE(label(window, "virtualTimeLabel"),
             "Virtual time: " +
                 QString::fromStdString(formatDuration(window.summaryModel()->summary().endTime)));
    QVERIFY(action(window, "runAction")->isEnabled());
    QVERIFY(!action(window, "pauseAction")->isEnabled());
    QVERIFY(!action(window, "stopAction")->isEnabled());

    // The run is on record, finished, with its summary and metrics.
    RunStore store;
    QString error;
    QVERIFY2(store.open(runStorePath(), &error), qPrintable(error));
    const QList<RunRecord> runs = store.runs();
    QCOMPARE(runs.size(), 1);
    QCOMPARE(runs.first().status, QString(RunStatus::Finished));
    QCOMPARE(runs.first().seed, quint64(42));
    QCOMPARE(runs.first().topologyName, QString("Work queue with competing consumers"));
    QVERIFY(runs.first().summaryJson.contains("signalbox-summary"));
    bool foundProcessed = false;
    for (const RunMetric &m : store.metrics(runs.first().id))
        if (m.name == "delivery.processed") foundProcessed = m.value == 2000;
    QVERIFY(foundProcessed);
}

void TestMainWindow::pauseResumeAndStopThroughActions()
{
    MainWindow window;
    window.show();
    QVERIFY(window.openFile(kExample));
    window.findChild<QComboBox *>("speedCombo")->setCurrentText("1x");

    QSignalSpy progress(window.engine(), &EngineHost::progressed);
    QSignalSpy finished(window.engine(), &EngineHost::finished);
    action(window, "runAction")->trigger();
    QVERIFY(progress.wait(5000));
    QVERIFY(action(window, "pauseAction")->isEnabled());
    QVERIFY(action(window, "stopAction")->isEnabled());
    QVERIFY(!action(window, "runAction")->isEnabled());

    action(window, "pauseAction")->trigger();
    QTRY_COMPARE(window.engine()->state(), EngineHost::State::Paused);
    QCOMPARE(label(window, "runStateLabel"), QString("Paused"));
    QCOMPARE(action(window, "runAction")->text(), QString("&Resume"));
    QVERIFY(action(window, "runAction")->isEnabled());

    action(window, "runAction")->trigger();
    QCOMPARE(window.engine()->state(), EngineHost::State::Running);
    action(window, "stopAction")->trigger();
    QVERIFY(finished.wait(5000));
    QTRY_COMPARE(window.summaryModel()->rowCount(), 5);
    QVERIFY2(label(window, "runHeadline").contains("ended: stopped"),
             qPrintable(label(window, "runHeadline")));

    RunStore store;
    QVERIFY(store.open(runStorePath()));
    QCOMPARE(store.runs().size(), 1);
    QCOMPARE(store.runs().first().status, QString(RunStatus::Stopped));
}

void TestMainWindow::filterNarrowsTheEventLog()
{
    MainWindow window;
    window.show();
    QVERIFY(window.openFile(kExample));
    QSignalSpy finished(window.engine(), &EngineHost::finished);
    action(window, "runAction")->trigger();
    QVERIFY(finished.wait(kRunTimeout));

    const int worker1Processed =
        window.summaryModel()->index(2, SummaryModel::ProcessedColumn).data(SummaryModel::CountRole).toInt();
    QVERIFY(worker1Processed > 0);
    auto *filter = window.findChild<QLineEdit *>("eventFilterEdit");
    auto *view = window.findChild<QTableView *>("eventLogView");
    QVERIFY(filter && view);
    const int all = view->model()->rowCount();

    filter->setText("worker-1 process");
    QCOMPARE(view->model()->rowCount(), worker1Processed);
    QVERIFY2(label(window, "eventCountLabel").startsWith(QLocale().toString(worker1Processed) + " of "),
             qPrintable(label(window, "eventCountLabel")));

    filter->setText("kind:nope");
    QVERIFY2(label(window, "eventCountLabel").contains("not an event kind"),
             qPrintable(label(window, "eventCountLabel")));

    filter->clear();
    QCOMPARE(view->model()->rowCount(), all);
}

void TestMainWindow::geometryAndDocksAreRestored()
{
    {
        MainWindow window;
        window.show();
        window.resize(1000, 700);
        window.findChild<QDockWidget *>("eventLogDock")->hide();
        QVERIFY(window.close());
    }
    QSettings settings;
    QVERIFY(settings.contains("mainWindow/geometry"));
    QVERIFY(settings.contains("mainWindow/state"));

    MainWindow window;
    window.show();
    QCOMPARE(window.size(), QSize(1000, 700));
    QVERIFY(!window.findChild<QDockWidget *>("eventLogDock")->isVisible());
    QVERIFY(window.findChild<QDockWidget *>("summaryDock")->isVisible());
}

void TestMainWindow::unusableRunStoreIsNotFatal()
{
    // A file where the data folder should be: the store cannot be created.
    const QByteArray dataHome = qgetenv("XDG_DATA_HOME");
    const QString blocker = m_dir.filePath("blocked");
    QFile file(blocker);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.close();
    qputenv("XDG_DATA_HOME", QFile::encodeName(blocker));

    MainWindow window;
    qputenv("XDG_DATA_HOME", dataHome);
    window.show();
    QVERIFY2(window.statusBar()->currentMessage().startsWith("Runs will not be kept:"),
             qPrintable(window.statusBar()->currentMessage()));

    QVERIFY(window.openFile(kExample));
    QSignalSpy finished(window.engine(), &EngineHost::finished);
    action(window, "runAction")->trigger();
    QVERIFY(finished.wait(kRunTimeout));
    QTRY_COMPARE(window.summaryModel()->rowCount(), 5);
    QVERIFY(!QFile::exists(runStorePath()));
}

void TestMainWindow::paletteAddsNodeAndPropertiesEditIt()
{
    MainWindow window;
    // The keyboard way into the palette: filter ("queue" also matches kinds whose help mentions
    // queues), Down to the queue, Enter adds it.
    window.palette()->setFilterText(QStringLiteral("queue"));
    for (int i = 0; i < 4 && window.palette()->currentKind() != QLatin1String("queue"); ++i)
        QTest::keyClick(window.palette()->searchField(), Qt::Key_Down);
    QCOMPARE(window.palette()->currentKind(), QString("queue"));
    QTest::keyClick(window.palette()->searchField(), Qt::Key_Return);
    QCOMPARE(window.document()->nodeIds(), QStringList{"queue-1"});
    QCOMPARE(window.topologyModel()->rowCount(), 1);
    QCOMPARE(window.selectedNode(), QString("queue-1"));
    QVERIFY(window.isWindowModified());
    QVERIFY(window.propertyEditor()->title().contains("queue-1"));

    // Type a max length into the property panel: the document changes, one undo step.
    auto *maxLength = qobject_cast<QLineEdit *>(window.propertyEditor()->editor(QStringLiteral("maxLength")));
    QVERIFY(maxLength);
    maxLength->clear();
    QTest::keyClicks(maxLength, QStringLiteral("25"));
    QTest::keyClick(maxLength, Qt::Key_Return);
    QCOMPARE(window.document()->node("queue-1")->properties.value("maxLength", 0), 25);
    QVERIFY(window.topologyModel()
                ->data(window.topologyModel()->index(0, TopologyModel::PropertiesColumn))
                .toString()
                .contains("maxLength 25"));

    // An invalid value never reaches the document.
    maxLength->clear();
    QTest::keyClicks(maxLength, QStringLiteral("-4"));
    QTest::keyClick(maxLength, Qt::Key_Return);
    QCOMPARE(window.document()->node("queue-1")->properties.value("maxLength", 0), 25);

    action(window, "undoAction")->trigger();
    QVERIFY(!window.document()->node("queue-1")->properties.contains("maxLength"));
    QCOMPARE(maxLength->text(), QString());
    action(window, "redoAction")->trigger();
    QCOMPARE(window.document()->node("queue-1")->properties.value("maxLength", 0), 25);
    action(window, "undoAction")->trigger();
    action(window, "undoAction")->trigger();
    QVERIFY(window.document()->nodeIds().isEmpty());
    QVERIFY(!window.isWindowModified());
}

void TestMainWindow::saveThenOpenGivesTheSameTopology()
{
    MainWindow window;
    QVERIFY(window.openFile(kExample));
    window.palette()->setFilterText(QStringLiteral("consumer"));
    QTest::keyClick(window.palette()->searchField(), Qt::Key_Return);
    QVERIFY(window.isWindowModified());
    const QString path = m_dir.filePath(QStringLiteral("saved.json"));
    QVERIFY(window.saveFile(path));
    QVERIFY(!window.isWindowModified());
    QCOMPARE(window.windowTitle(), QString("Signalbox — saved.json[*]"));
    const Topology saved = window.document()->topology();

    MainWindow other;
    QVERIFY(other.openFile(path));
    QVERIFY(other.document()->topology() == saved);
    QCOMPARE(other.topologyModel()->rowCount(), 6);
}

void TestMainWindow::failedSaveKeepsChangesAndSaysWhy()
{
    MainWindow window;
    QVERIFY(window.openFile(kExample));
    window.palette()->setFilterText(QStringLiteral("producer"));
    QTest::keyClick(window.palette()->searchField(), Qt::Key_Return);
    const QString path = m_dir.filePath(QStringLiteral("no-such-folder/saved.json"));
    QVERIFY(!window.saveFile(path));
    QVERIFY(window.isWindowModified());
    QMessageBox *box = nullptr;
    for (QWidget *w : QApplication::topLevelWidgets())
        if (w->objectName() == QLatin1String("saveErrorDialog") && w->isVisible())
            box = qobject_cast<QMessageBox *>(w);
    QVERIFY(box);
    QVERIFY(box->text().contains(QDir::toNativeSeparators(path)));
    box->close();
    QVERIFY(!QFile::exists(path));
    // The example on disk is untouched.
    QVERIFY(window.currentFile().endsWith("work-queue.json"));
    window.document()->undoStack()->setClean(); // let the window close without asking
}

void TestMainWindow::deleteRemovesSelectedNodeWithUndo()
{
    MainWindow window;
    QVERIFY(window.openFile(kExample));
    window.selectNode(QStringLiteral("tasks"));
    QVERIFY(action(window, "deleteAction")->isEnabled());
    action(window, "deleteAction")->trigger();
    QVERIFY(!window.document()->node("tasks"));
    QVERIFY(window.document()->topology().links.empty()); // every link touched the queue
    QCOMPARE(window.topologyModel()->rowCount(), 4);
    action(window, "undoAction")->trigger();
    QVERIFY(window.document()->node("tasks"));
    QCOMPARE(window.document()->topology().links.size(), std::size_t(4));
    QVERIFY(!window.isWindowModified());
}

void TestMainWindow::editedTopologyRunsAsEdited()
{
    // The engine runs what the document says now: cap the producer at 100 messages.
    MainWindow window;
    QVERIFY(window.openFile(kExample));
    QVERIFY(window.document()->setNodeProperty("producer", "count", 100));
    QSignalSpy finished(window.engine(), &EngineHost::finished);
    action(window, "runAction")->trigger();
    QVERIFY(finished.wait(kRunTimeout));
    const auto summary = finished.first().first().value<RunSummary>();
    QCOMPARE(summary.delivery.published, std::uint64_t(100));
    window.document()->undoStack()->setClean();
}

void TestMainWindow::canvasFollowsTheDocumentAndDrivesSelection()
{
    MainWindow window;
    QVERIFY(window.openFile(kExample));
    CanvasScene *scene = window.canvasScene();
    for (const auto &n : window.document()->topology().nodes)
        QVERIFY(scene->nodeItem(QString::fromStdString(n.id)));
    for (const auto &l : window.document()->topology().links)
        QVERIFY(scene->linkItem(QString::fromStdString(l.id)));

    // Selecting on the canvas shows the node's properties.
    scene->selectNode(QStringLiteral("worker-2"));
    QCOMPARE(window.selectedNode(), QString("worker-2"));
    QVERIFY(window.propertyEditor()->title().contains("worker-2"));
    // Selecting in the window selects on the canvas.
    window.selectNode(QStringLiteral("tasks"));
    QCOMPARE(scene->selectedNodeIds(), QStringList{"tasks"});

    // Delete removes what the canvas has selected: here one link.
    scene->clearSelection();
    scene->linkItem(QStringLiteral("to-worker-3"))->setSelected(true);
    QVERIFY(action(window, "deleteAction")->isEnabled());
    action(window, "deleteAction")->trigger();
    QVERIFY(!window.document()->link("to-worker-3"));
    QVERIFY(!scene->linkItem(QStringLiteral("to-worker-3")));
    QVERIFY(window.document()->node("worker-3"));
    action(window, "undoAction")->trigger();
    QVERIFY(scene->linkItem(QStringLiteral("to-worker-3")));

    // The palette adds onto the visible part of the canvas.
    window.palette()->setFilterText(QStringLiteral("exchange"));
    QTest::keyClick(window.palette()->searchField(), Qt::Key_Return);
    QVERIFY(scene->nodeItem(QStringLiteral("exchange-1")));
    QVERIFY(window.document()->undoStack()->canUndo());
    window.document()->undoStack()->setClean();
}

void TestMainWindow::linkPropertiesAndBindingKeysInThePanel()
{
    MainWindow window;
    QVERIFY(window.openFile(QStringLiteral(SIGNALBOX_EXAMPLES_DIR "/topic-routing.json")));
    CanvasScene *scene = window.canvasScene();
    scene->clearSelection();
    scene->linkItem(QStringLiteral("bind-eu"))->setSelected(true);
    QCOMPARE(window.selectedLink(), QString("bind-eu"));
    QVERIFY(window.selectedNode().isEmpty());
    QVERIFY(window.propertyEditor()->title().contains("bind-eu"));

    // A network property of the link.
    auto *loss = window.propertyEditor()->editor(QStringLiteral("loss"));
    QVERIFY(loss);
    if (auto *spin = qobject_cast<QDoubleSpinBox *>(loss)) {
        spin->setValue(0.25);
        QTest::keyClick(spin, Qt::Key_Return);
    }
    QCOMPARE(window.document()->link("bind-eu")->properties.value("loss", 0.0), 0.25);

    // The binding keys, shown and edited like a property.
    auto *keys = qobject_cast<QLineEdit *>(window.propertyEditor()->editor(QStringLiteral("bindingKeys")));
    QVERIFY(keys);
    QVERIFY(keys->text().contains("eu.#"));
    keys->clear();
    QTest::keyClicks(keys, QStringLiteral("eu.*, #.eu"));
    QTest::keyClick(keys, Qt::Key_Return);
    QCOMPARE(window.document()->bindings("topic", "eu-all"), (QStringList{"eu.*", "#.eu"}));

    // A key the topic exchange cannot take is refused with the reason, under the field as it is
    // typed; nothing changes.
    keys->clear();
    QTest::keyClicks(keys, QStringLiteral("#.eu.#.b.#"));
    QVERIFY2(
        window.propertyEditor()->errorText(QStringLiteral("bindingKeys")).contains("more than 2 '#' words"),
        qPrintable(window.propertyEditor()->errorText(QStringLiteral("bindingKeys"))));
    QTest::keyClick(keys, Qt::Key_Return);
    QCOMPARE(window.document()->bindings("topic", "eu-all"), (QStringList{"eu.*", "#.eu"}));
    QVERIFY(
        window.propertyEditor()->errorText(QStringLiteral("bindingKeys")).contains("more than 2 '#' words"));
    // A '*' inside a word is literal in RabbitMQ: taken, with a warning in the status bar.
    keys->clear();
    QTest::keyClicks(keys, QStringLiteral("eu.*, #.eu, eu.b*"));
    QVERIFY(window.propertyEditor()->errorText(QStringLiteral("bindingKeys")).isEmpty());
    QTest::keyClick(keys, Qt::Key_Return);
    QCOMPARE(window.document()->bindings("topic", "eu-all"), (QStringList{"eu.*", "#.eu", "eu.b*"}));
    QVERIFY2(window.statusBar()->currentMessage().contains("literal"),
             qPrintable(window.statusBar()->currentMessage()));
    action(window, "undoAction")->trigger();

    // Undo restores the original binding.
    action(window, "undoAction")->trigger();
    QCOMPARE(window.document()->bindings("topic", "eu-all"), QStringList{"eu.#"});
    window.document()->undoStack()->setClean();
}

void TestMainWindow::copyPasteDuplicateCutAndSelectAll()
{
    MainWindow window;
    QVERIFY(window.openFile(kExample));
    CanvasScene *scene = window.canvasScene();

    action(window, "selectAllAction")->trigger();
    QCOMPARE(scene->selectedNodeIds().size(), 5);
    QCOMPARE(scene->selectedLinkIds().size(), 4);

    // Copy the queue and one worker: the link between them comes along.
    scene->clearSelection();
    scene->nodeItem("tasks")->setSelected(true);
    scene->nodeItem("worker-1")->setSelected(true);
    action(window, "copyAction")->trigger();
    QVERIFY(QGuiApplication::clipboard()->mimeData()->hasFormat("application/x-signalbox-topology"));
    action(window, "pasteAction")->trigger();
    QCOMPARE(window.document()->nodeIds().size(), 7);
    QCOMPARE(window.document()->topology().links.size(), std::size_t(5));
    const QStringList pasted = scene->selectedNodeIds();
    QCOMPARE(pasted.size(), 2);
    for (const QString &id : pasted)
        QVERIFY(id != "tasks" && id != "worker-1");
    action(window, "undoAction")->trigger(); // one undo step for the whole paste
    QCOMPARE(window.document()->nodeIds().size(), 5);

    // Duplicate the producer, then cut it again.
    window.selectNode("producer");
    action(window, "duplicateAction")->trigger();
    QCOMPARE(window.document()->nodeIds().size(), 6);
    const QStringList copies = scene->selectedNodeIds();
    QCOMPARE(copies.size(), 1);
    QCOMPARE(window.document()->node(copies.first())->kind, std::string("producer"));
    action(window, "cutAction")->trigger();
    QCOMPARE(window.document()->nodeIds().size(), 5);
    action(window, "pasteAction")->trigger();
    QCOMPARE(window.document()->nodeIds().size(), 6);

    // Text that is not a topology is refused with a reason and changes nothing.
    QGuiApplication::clipboard()->setText(QStringLiteral("not a topology"));
    action(window, "pasteAction")->trigger();
    QCOMPARE(window.document()->nodeIds().size(), 6);
    QVERIFY(window.statusBar()->currentMessage().startsWith("Cannot paste"));
    window.document()->undoStack()->setClean();
}

QTEST_MAIN(TestMainWindow)
void TestMainWindow::undoAndRedoByKeyboard_data()
{
    QTest::addColumn<QKeySequence>("redo");
    QTest::newRow("Ctrl+Shift+Z") << QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_Z);
    QTest::newRow("Ctrl+Y") << QKeySequence(Qt::CTRL | Qt::Key_Y);
}

void TestMainWindow::undoAndRedoByKeyboard()
{
    QFETCH(QKeySequence, redo);
    QTest::failOnWarning(QRegularExpression(QStringLiteral("Ambiguous shortcut")));
    MainWindow window;
    window.show();
    window.newDocument();
    QApplication::setActiveWindow(&window);
    QVERIFY(QTest::qWaitForWindowActive(&window));
    QVERIFY(!window.document()->addNode("queue", QPointF(0, 0)).isEmpty());
    window.canvasView()->setFocus();
    QCOMPARE(window.document()->topology().nodes.size(), std::size_t(1));

    QTest::keyClick(window.canvasView(), Qt::Key_Z, Qt::ControlModifier);
    QCOMPARE(window.document()->topology().nodes.size(), std::size_t(0));
    QTest::keySequence(window.canvasView(), redo);
    QCOMPARE(window.document()->topology().nodes.size(), std::size_t(1));
}

void TestMainWindow::noTwoActionsShareAKey()
{
    // A key bound twice (two actions, or one action listing it twice) is ambiguous: it does nothing.
    MainWindow window;
    window.show();
    window.openFile(kExample);
    QHash<QString, QString> owner; // key -> the action that has it
    QStringList clashes;
    for (QAction *a : window.findChildren<QAction *>()) {
        for (const QKeySequence &key : a->shortcuts()) {
            const QString text = key.toString();
            if (owner.contains(text))
                clashes << QStringLiteral("%1: %2 and %3").arg(text, owner.value(text), a->objectName());
            owner.insert(text, a->objectName());
        }
    }
    QVERIFY2(clashes.isEmpty(), qPrintable(clashes.join(QLatin1String("; "))));
    QVERIFY(owner.contains(QKeySequence(Qt::CTRL | Qt::Key_Y).toString()));
}

void TestMainWindow::newTopologyIsNotReportedAsNone()
{
    MainWindow window;
    window.show();
    window.newDocument();
    const auto *description = window.findChild<QTextBrowser *>("topologyDescription");
    QVERIFY(description);
    QVERIFY(label(window, "runStateLabel") != QString("No topology"));
    QVERIFY2(!description->toPlainText().contains("No topology"), qPrintable(description->toPlainText()));
    QVERIFY2(description->toPlainText().contains("Palette"), qPrintable(description->toPlainText()));

    QVERIFY(!window.document()->addNode("producer", QPointF(0, 0)).isEmpty());
    QCOMPARE(label(window, "runStateLabel"), QString("Ready"));
    QVERIFY(!description->toPlainText().contains("No topology"));

    QVERIFY(window.saveFile(m_dir.filePath("new-topology.json")));
    QCOMPARE(label(window, "runStateLabel"), QString("Ready"));
    QVERIFY(!description->toPlainText().contains("No topology"));
}

void TestMainWindow::refusedLinkMessageGoesAtTheNextEdit()
{
    MainWindow window;
    window.show();
    window.newDocument();
    const QString producer = window.document()->addNode("producer", QPointF(0, 0));
    const QString queue = window.document()->addNode("queue", QPointF(200, 0));
    Q_EMIT window.canvasScene()->connectionRefused(QStringLiteral("cannot connect a queue to itself"));
    QCOMPARE(window.statusBar()->currentMessage(), QString("cannot connect a queue to itself"));
    QVERIFY(!window.document()->addLink(producer, "out", queue, "in").isEmpty());
    QCOMPARE(window.statusBar()->currentMessage(), QString());

    // Any other message stays: only the refusal is cleared.
    window.statusBar()->showMessage(QStringLiteral("Saved"));
    window.document()->moveNodes({{queue, QPointF(300, 0)}}, true);
    QCOMPARE(window.statusBar()->currentMessage(), QString("Saved"));
}

void TestMainWindow::failedOpenAtStartKeepsTheWelcomePage()
{
    MainWindow window;
    window.show();
    QVERIFY(!window.openFile(m_dir.filePath("does-not-exist.json")));
    QVERIFY(window.isWelcomeShown());
    QTRY_VERIFY(findLoadErrorDialog());
    findLoadErrorDialog()->close();

    // With a document open, a failed open keeps it on screen.
    QVERIFY(window.openFile(kExample));
    QVERIFY(!window.isWelcomeShown());
    QVERIFY(!window.openFile(m_dir.filePath("does-not-exist.json")));
    QVERIFY(!window.isWelcomeShown());
    QCOMPARE(window.currentFile(), QFileInfo(kExample).absoluteFilePath());
    QTRY_VERIFY(findLoadErrorDialog());
    findLoadErrorDialog()->close();
}

void TestMainWindow::canvasAndSequenceGetMostOfTheWindow_data()
{
    // The canvas's least share of the window: menus, toolbar, status bar, the side panels and a
    // sequence diagram tall enough to read take the rest.
    QTest::addColumn<QSize>("size");
    QTest::addColumn<double>("canvasShare");
    QTest::newRow("1440x900") << QSize(1440, 900) << 0.35;
    QTest::newRow("1920x1080") << QSize(1920, 1080) << 0.45;
}

void TestMainWindow::canvasAndSequenceGetMostOfTheWindow()
{
    QFETCH(QSize, size);
    QFETCH(double, canvasShare);
    MainWindow window;
    window.resize(size);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    QVERIFY(window.openFile(kExample));
    QCoreApplication::processEvents();
    const double windowArea = double(size.width()) * size.height();
    const QSize canvas = window.canvasView()->size();
    const QWidget *sequence = window.sequencePanel()->view();
    const QSize diagram = sequence->size();
    const QString sizes = QStringLiteral("canvas %1x%2, sequence %3x%4")
                              .arg(canvas.width())
                              .arg(canvas.height())
                              .arg(diagram.width())
                              .arg(diagram.height());
    QVERIFY2(sequence->isVisible(), qPrintable(sizes));
    QVERIFY2(canvas.width() * canvas.height() >= canvasShare * windowArea, qPrintable(sizes));
    QVERIFY2(diagram.height() >= 250, qPrintable(sizes));
    // The whole width, for a lifeline per node: the secondary panes are tabs behind it.
    QVERIFY2(diagram.width() >= size.width() * 9 / 10, qPrintable(sizes));
    auto *sequenceDock = window.findChild<QDockWidget *>("sequenceDock");
    const QList<QDockWidget *> behind = window.tabifiedDockWidgets(sequenceDock);
    for (const char *name : {"summaryDock", "eventLogDock", "chartsDock"})
        QVERIFY2(behind.contains(window.findChild<QDockWidget *>(name)), name);
    // Nothing else is as big as either.
    for (auto *dock : window.findChildren<QDockWidget *>())
        if (dock != sequenceDock && !behind.contains(dock) && dock->isVisible())
            QVERIFY2(dock->width() * dock->height() < diagram.width() * diagram.height(),
                     qPrintable(dock->objectName() + QLatin1String(": ") + sizes));
}

#include "tst_mainwindow.moc"
