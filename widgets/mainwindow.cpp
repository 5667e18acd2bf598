#include "mainwindow.h"

#include "livestats.h"

#include "canvasexport.h"
#include "canvasitems.h"
#include "canvasscene.h"
#include "canvasview.h"
#include "chartpanel.h"
#include "eventfilterproxy.h"
#include "eventlogmodel.h"
#include "palette.h"
#include "propertyeditor.h"
#include "runstore.h"
#include "sequencepanel.h"
#include "sequenceview.h"
#include "summarymodel.h"
#include "topologydocument.h"
#include "topologymodel.h"
#include "welcomepage.h"

#include <QAbstractButton>
#include <QAction>
#include <QActionGroup>
#include <QApplication>
#include <QClipboard>
#include <QCloseEvent>
#include <QComboBox>
#include <QDir>
#include <QDockWidget>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QGraphicsItem>
#include <QGuiApplication>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QPushButton>
#include <QRegularExpressionValidator>
#include <QSaveFile>
#include <QScreen>
#include <QScrollArea>
#include <QScrollBar>
#include <QSettings>
#include <QSplitter>
#include <QStackedWidget>
#include <QStandardPaths>
#include <QStatusBar>
#include <QStyle>
#include <QTableView>
#include <QTextBrowser>
#include <QThread>
#include <QTimer>
#include <QToolBar>
#include <QUndoStack>
#include <QUndoView>
#include <QVBoxLayout>

#include <algorithm>
#include <functional>

namespace sb {

namespace {

const QString kRecentFilesKey = QStringLiteral("recentFiles");
const QString kGeometryKey = QStringLiteral("mainWindow/geometry");
const QString kStateKey = QStringLiteral("mainWindow/state");
const QString kThemeKey = QStringLiteral("view/theme");
const QString kSnapKey = QStringLiteral("canvas/snapToGrid");

// Whether every id passes `test` (false for none): what a fault action on a selection does.
bool allOf(const QStringList &ids, const std::function<bool(const QString &)> &test)
{
    return !ids.isEmpty() && std::all_of(ids.begin(), ids.end(), test);
}

// Whether a run starts afresh from this state (rather than resuming a paused one).
bool startsFresh(EngineHost::State state)
{
    return state == EngineHost::State::Ready || state == EngineHost::State::Finished ||
           state == EngineHost::State::Empty;
}

// The topology files among dropped URLs.
QStringList droppedFiles(const QMimeData *mime)
{
    QStringList files;
    if (!mime || !mime->hasUrls()) return files;
    for (const QUrl &url : mime->urls())
        if (url.isLocalFile() && url.toLocalFile().endsWith(QLatin1String(".json"), Qt::CaseInsensitive))
            files << url.toLocalFile();
    return files;
}

// A table that shows rows of data, not a spreadsheet: whole-row selection, no grid, compact rows.
QTableView *makeTableView(QAbstractItemModel *model, const QString &objectName, QWidget *parent)
{
    auto *view = new QTableView(parent);
    view->setObjectName(objectName);
    view->setModel(model);
    view->setSelectionBehavior(QAbstractItemView::SelectRows);
    view->setAlternatingRowColors(true);
    view->setShowGrid(false);
    view->setWordWrap(false);
    view->verticalHeader()->hide();
    view->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    view->verticalHeader()->setDefaultSectionSize(view->fontMetrics().height() + 6);
    view->horizontalHeader()->setStretchLastSection(true);
    view->horizontalHeader()->setHighlightSections(false);
    return view;
}

QString speedText(double speed)
{
    return speed > 0 ? QStringLiteral("%1x").arg(speed) : MainWindow::tr("Max");
}

QString stateText(EngineHost::State state)
{
    switch (state) {
    case EngineHost::State::Empty:
        return MainWindow::tr("No topology");
    case EngineHost::State::Ready:
        return MainWindow::tr("Ready");
    case EngineHost::State::Running:
        return MainWindow::tr("Running");
    case EngineHost::State::Pausing:
        return MainWindow::tr("Pausing…");
    case EngineHost::State::Paused:
        return MainWindow::tr("Paused");
    case EngineHost::State::Stopping:
        return MainWindow::tr("Stopping…");
    case EngineHost::State::Finished:
        return MainWindow::tr("Finished");
    }
    return {};
}

// "1 node", "5 nodes": the app ships no translations, so tr()'s %n plurals would show "node(s)".
QString count(qint64 n, const char *one, const char *many)
{
    return QStringLiteral("%1 %2").arg(QLocale().toString(n), MainWindow::tr(n == 1 ? one : many));
}

// One problem of a file, without the file name: the message naming the file says it once.
QString diagnosticText(const Diagnostic &d)
{
    const QString what =
        (d.severity == Diagnostic::Severity::Warning ? MainWindow::tr("warning: ") : QString()) +
        QString::fromStdString(d.message);
    if (d.line > 0) return MainWindow::tr("line %1, column %2: %3").arg(d.line).arg(d.column).arg(what);
    if (!d.path.empty()) return QString::fromStdString(d.path) + QLatin1String(": ") + what;
    return what;
}

QList<RunMetric> runMetrics(const RunSummary &s)
{
    QList<RunMetric> metrics;
    const auto add = [&metrics](const char *name, const std::string &node, double value) {
        metrics.append({QString::fromLatin1(name), QString::fromStdString(node), value});
    };
    add("events", {}, static_cast<double>(s.events));
    add("end_time_ms", {}, toMilliseconds(s.endTime));
    add("wall_seconds", {}, s.wallSeconds);
    const DeliveryReport &d = s.delivery;
    add("delivery.published", {}, static_cast<double>(d.published));
    add("delivery.copies", {}, static_cast<double>(d.copies));
    add("delivery.processed", {}, static_cast<double>(d.processed));
    add("delivery.duplicates", {}, static_cast<double>(d.duplicates));
    add("delivery.lost", {}, static_cast<double>(d.lost));
    add("delivery.dropped", {}, static_cast<double>(d.droppedTotal()));
    add("delivery.dead_lettered", {}, static_cast<double>(d.deadLettered));
    add("delivery.pending", {}, static_cast<double>(d.pending));
    add("delivery.out_of_order", {}, static_cast<double>(d.outOfOrder));
    if (s.latency.count) {
        add("latency.p50_ms", {}, toMilliseconds(s.latency.p50));
        add("latency.p99_ms", {}, toMilliseconds(s.latency.p99));
        add("latency.max_ms", {}, toMilliseconds(s.latency.max));
    }
    for (const NodeSummary &n : s.nodes) {
        const NodeCounters &c = n.counters;
        add("published", n.id, static_cast<double>(c.published));
        add("routed", n.id, static_cast<double>(c.routed));
        add("enqueued", n.id, static_cast<double>(c.enqueued));
        add("delivered", n.id, static_cast<double>(c.delivered));
        add("redelivered", n.id, static_cast<double>(c.redelivered));
        add("acked", n.id, static_cast<double>(c.acked));
        add("processed", n.id, static_cast<double>(c.processed));
        add("dropped", n.id, static_cast<double>(c.totalDrops()));
        add("dead_lettered", n.id, static_cast<double>(c.deadLettered));
        add("depth_at_end", n.id, static_cast<double>(n.status.ready));
    }
    return metrics;
}

} // namespace

MainWindow::MainWindow(QWidget *parent) : QMainWindow(parent)
{
    m_engine = new EngineHost(this);
    m_document = new TopologyDocument(this);
    m_canvasScene = new CanvasScene(m_document, this);
    m_topologyModel = new TopologyModel(this);
    m_summaryModel = new SummaryModel(this);
    m_eventLog = new EventLogModel(EventLogModel::kDefaultCapacity, this);
    m_eventFilter = new EventFilterProxy(this);
    m_eventFilter->setSourceModel(m_eventLog);

    createActions();
    createMenus();
    createToolBar();
    createCentralWidget();
    createDocks();
    createStatusBar();

    connect(m_engine, &EngineHost::stateChanged, this, &MainWindow::onEngineStateChanged);
    connect(m_engine, &EngineHost::eventsArrived, this, &MainWindow::onEventsArrived);
    connect(m_engine, &EngineHost::progressed, this, &MainWindow::onProgressed);
    connect(m_engine, &EngineHost::finished, this, &MainWindow::onRunFinished);
    // The canvas shows runs live: badges, dots and throughput (see CanvasScene::followEngine).
    m_canvasScene->followEngine(m_engine);
    connect(
        m_engine, &EngineHost::seriesArrived, this,
        [this](const std::shared_ptr<const TimeSeriesDelta> &delta) { m_chartPanel->appendDelta(*delta); });

    // Every view of the topology follows the document, whatever changed it.
    for (auto signal :
         {&TopologyDocument::nodeAdded, &TopologyDocument::nodeRemoved, &TopologyDocument::nodeMoved,
          &TopologyDocument::nodeRenamed, &TopologyDocument::linkAdded, &TopologyDocument::linkRemoved})
        connect(m_document, signal, this, &MainWindow::onDocumentChanged);
    connect(m_document, &TopologyDocument::nodePropertyChanged, this, &MainWindow::onDocumentChanged);
    connect(m_document, &TopologyDocument::linkPropertyChanged, this, &MainWindow::onDocumentChanged);
    connect(m_document, &TopologyDocument::bindingsChanged, this, &MainWindow::onDocumentChanged);
    connect(m_document, &TopologyDocument::documentReset, this, &MainWindow::onDocumentChanged);
    connect(m_document, &TopologyDocument::modifiedChanged, this, &MainWindow::updateTitle);
    connect(m_document, &TopologyDocument::runSettingsChanged, this, [this] {
        updateRunSettings();
        updateDescription({});
    });
    connect(m_document, &TopologyDocument::documentReset, this, &MainWindow::updateRunSettings);
    connect(m_canvasScene, &CanvasScene::contextMenuRequested, this, &MainWindow::onCanvasContextMenu);
    connect(m_engine, &EngineHost::statsArrived, this,
            [this](const std::shared_ptr<const LiveStatsSnapshot> &stats) {
                quint64 onLinks = 0, queued = 0;
                for (const LiveLinkStats &l : stats->links)
                    onLinks += l.inFlight;
                const auto &nodes = m_engine->topology().nodes;
                for (std::size_t i = 0; i < stats->nodes.size() && i < nodes.size(); ++i)
                    if (nodes[i].kind == "queue") queued += stats->nodes[i].ready + stats->nodes[i].unacked;
                m_inFlightLabel->setText(tr("In flight: %1 · queued: %2")
                                             .arg(QLocale().toString(onLinks), QLocale().toString(queued)));
            });
    connect(m_engine, &EngineHost::liveChangeRequested, this,
            [this](const QString &what) { statusBar()->showMessage(what, 5000); });
    setAcceptDrops(true);

    // Autosave: unsaved work goes to a recovery file of this window's own.
    m_recovery = std::make_unique<RecoveryStore>(
        QStandardPaths::writableLocation(QStandardPaths::AppDataLocation) + QStringLiteral("/recovery"));
    m_autosaveTimer = new QTimer(this);
    m_autosaveTimer->setInterval(kDefaultAutosaveInterval);
    connect(m_autosaveTimer, &QTimer::timeout, this, &MainWindow::autosaveNow);
    m_autosaveTimer->start();

    updateTitle();
    resetRunViews();
    updateDescription({});
    updateActions();
    updateSelectionActions();
    updateRunSettings();
    readSettings();
    openRunStore();
}

MainWindow::~MainWindow() = default;

QString MainWindow::version()
{
    return QStringLiteral(SIGNALBOX_VERSION);
}

void MainWindow::createActions()
{
    m_newAction = new QAction(style()->standardIcon(QStyle::SP_FileIcon), tr("&New"), this);
    m_newAction->setObjectName(QStringLiteral("newAction"));
    m_newAction->setShortcut(QKeySequence::New);
    m_newAction->setStatusTip(tr("Start an empty topology"));
    connect(m_newAction, &QAction::triggered, this, &MainWindow::onNewTriggered);

    m_saveAction = new QAction(style()->standardIcon(QStyle::SP_DialogSaveButton), tr("&Save"), this);
    m_saveAction->setObjectName(QStringLiteral("saveAction"));
    m_saveAction->setShortcut(QKeySequence::Save);
    m_saveAction->setStatusTip(tr("Save the topology"));
    connect(m_saveAction, &QAction::triggered, this, &MainWindow::onSaveTriggered);

    m_saveAsAction = new QAction(tr("Save &As…"), this);
    m_saveAsAction->setObjectName(QStringLiteral("saveAsAction"));
    m_saveAsAction->setShortcut(QKeySequence::SaveAs);
    connect(m_saveAsAction, &QAction::triggered, this, &MainWindow::onSaveAsTriggered);

    m_undoAction = m_document->undoStack()->createUndoAction(this, tr("&Undo"));
    m_undoAction->setObjectName(QStringLiteral("undoAction"));
    m_undoAction->setShortcut(QKeySequence::Undo);
    m_redoAction = m_document->undoStack()->createRedoAction(this, tr("&Redo"));
    m_redoAction->setObjectName(QStringLiteral("redoAction"));
    m_redoAction->setShortcuts({QKeySequence::Redo, QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_Z)});

    m_deleteAction = new QAction(tr("&Delete"), this);
    m_deleteAction->setObjectName(QStringLiteral("deleteAction"));
    m_deleteAction->setShortcut(QKeySequence::Delete);
    m_deleteAction->setStatusTip(tr("Remove the selected node with its links"));
    m_deleteAction->setEnabled(false);

    const auto editAction = [this](QAction *&action, const QString &text, const char *name, QKeySequence key,
                                   void (MainWindow::*slot)()) {
        action = new QAction(text, this);
        action->setObjectName(QLatin1String(name));
        action->setShortcut(key);
        connect(action, &QAction::triggered, this, slot);
    };
    editAction(m_cutAction, tr("Cu&t"), "cutAction", QKeySequence::Cut, &MainWindow::onCutTriggered);
    editAction(m_copyAction, tr("&Copy"), "copyAction", QKeySequence::Copy, &MainWindow::onCopyTriggered);
    editAction(m_pasteAction, tr("&Paste"), "pasteAction", QKeySequence::Paste,
               &MainWindow::onPasteTriggered);
    editAction(m_duplicateAction, tr("D&uplicate"), "duplicateAction", QKeySequence(Qt::CTRL | Qt::Key_D),
               &MainWindow::onDuplicateTriggered);
    editAction(m_selectAllAction, tr("Select &All"), "selectAllAction", QKeySequence::SelectAll,
               &MainWindow::onSelectAllTriggered);
    connect(m_deleteAction, &QAction::triggered, this, &MainWindow::onDeleteTriggered);

    m_openAction = new QAction(style()->standardIcon(QStyle::SP_DialogOpenButton), tr("&Open…"), this);
    m_openAction->setObjectName(QStringLiteral("openAction"));
    m_openAction->setShortcut(QKeySequence::Open);
    m_openAction->setStatusTip(tr("Open a topology file"));
    connect(m_openAction, &QAction::triggered, this, &MainWindow::onOpenTriggered);

    m_quitAction = new QAction(tr("&Quit"), this);
    m_quitAction->setObjectName(QStringLiteral("quitAction"));
    m_quitAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Q));
    m_quitAction->setMenuRole(QAction::QuitRole);
    connect(m_quitAction, &QAction::triggered, this, &QWidget::close);

    m_runAction = new QAction(style()->standardIcon(QStyle::SP_MediaPlay), tr("&Run"), this);
    m_runAction->setObjectName(QStringLiteral("runAction"));
    m_runAction->setShortcut(QKeySequence(Qt::Key_F5));
    m_runAction->setStatusTip(tr("Run the topology, or resume a paused run"));
    connect(m_runAction, &QAction::triggered, this, &MainWindow::onRunTriggered);

    m_pauseAction = new QAction(style()->standardIcon(QStyle::SP_MediaPause), tr("&Pause"), this);
    m_pauseAction->setObjectName(QStringLiteral("pauseAction"));
    m_pauseAction->setShortcut(QKeySequence(Qt::Key_F6));
    m_pauseAction->setStatusTip(tr("Pause the run; Run resumes it"));
    connect(m_pauseAction, &QAction::triggered, this, &MainWindow::onPauseTriggered);

    m_stopAction = new QAction(style()->standardIcon(QStyle::SP_MediaStop), tr("&Stop"), this);
    m_stopAction->setObjectName(QStringLiteral("stopAction"));
    m_stopAction->setShortcut(QKeySequence(Qt::SHIFT | Qt::Key_F5));
    m_stopAction->setStatusTip(tr("End the run and show its summary"));
    connect(m_stopAction, &QAction::triggered, this, &MainWindow::onStopTriggered);

    m_stepAction = new QAction(style()->standardIcon(QStyle::SP_MediaSeekForward), tr("S&tep"), this);
    m_stepAction->setObjectName(QStringLiteral("stepAction"));
    m_stepAction->setShortcut(QKeySequence(Qt::Key_F10));
    m_stepAction->setStatusTip(tr("Process the next event of the run, then pause"));
    connect(m_stepAction, &QAction::triggered, this, &MainWindow::onStepTriggered);

    // Live faults: they act on the selection while a run is in progress.
    m_linkDownAction = new QAction(tr("Take Link &Down"), this);
    m_linkDownAction->setObjectName(QStringLiteral("linkDownAction"));
    m_linkDownAction->setStatusTip(tr("Partition the selected link (frames on it are lost) or heal it"));
    connect(m_linkDownAction, &QAction::triggered, this, &MainWindow::onLinkDownTriggered);
    m_crashAction = new QAction(tr("&Crash Node"), this);
    m_crashAction->setObjectName(QStringLiteral("crashAction"));
    m_crashAction->setStatusTip(
        tr("Crash the selected node (it loses what it holds in memory) or restart it"));
    connect(m_crashAction, &QAction::triggered, this, &MainWindow::onCrashTriggered);
    m_pauseNodeAction = new QAction(tr("Pa&use Node"), this);
    m_pauseNodeAction->setObjectName(QStringLiteral("pauseNodeAction"));
    m_pauseNodeAction->setStatusTip(
        tr("Freeze the selected node like a stopped process (work for it waits) or resume it"));
    connect(m_pauseNodeAction, &QAction::triggered, this, &MainWindow::onPauseNodeTriggered);

    m_snapAction = new QAction(tr("&Snap to Grid"), this);
    m_snapAction->setObjectName(QStringLiteral("snapAction"));
    m_snapAction->setCheckable(true);
    m_snapAction->setChecked(QSettings().value(kSnapKey, true).toBool());
    m_canvasScene->setSnapToGrid(m_snapAction->isChecked());
    connect(m_snapAction, &QAction::toggled, this, [this](bool on) {
        m_canvasScene->setSnapToGrid(on);
        QSettings().setValue(kSnapKey, on);
    });

    m_themeGroup = new QActionGroup(this);
    const Theme savedTheme = themeFromKey(QSettings().value(kThemeKey).toString());
    for (const auto &[theme, text] :
         {std::pair{Theme::System, tr("&System")}, std::pair{Theme::Light, tr("&Light")},
          std::pair{Theme::Dark, tr("&Dark")}}) {
        QAction *a = m_themeGroup->addAction(text);
        a->setObjectName(QStringLiteral("theme_") + themeKey(theme));
        a->setCheckable(true);
        a->setChecked(theme == savedTheme);
        connect(a, &QAction::triggered, this, [this, theme = theme] { setTheme(theme); });
    }

    m_welcomeAction = new QAction(tr("&Welcome Page"), this);
    m_welcomeAction->setObjectName(QStringLiteral("welcomeAction"));
    m_welcomeAction->setStatusTip(tr("Show the welcome page with the examples"));
    connect(m_welcomeAction, &QAction::triggered, this, &MainWindow::showWelcome);

    m_aboutAction = new QAction(tr("&About Signalbox"), this);
    m_aboutAction->setObjectName(QStringLiteral("aboutAction"));
    m_aboutAction->setMenuRole(QAction::AboutRole);
    connect(m_aboutAction, &QAction::triggered, this, &MainWindow::onAboutTriggered);

    m_speedCombo = new QComboBox(this);
    m_speedCombo->setObjectName(QStringLiteral("speedCombo"));
    m_speedCombo->setToolTip(tr("Virtual seconds per wall-clock second; Max runs as fast as possible"));
    for (const double speed : {1.0, 10.0, 100.0, 0.0})
        m_speedCombo->addItem(speedText(speed), speed);
    m_speedCombo->setCurrentIndex(m_speedCombo->count() - 1);
    connect(m_speedCombo, &QComboBox::currentIndexChanged, this, &MainWindow::onSpeedChanged);
}

void MainWindow::createMenus()
{
    QMenu *file = menuBar()->addMenu(tr("&File"));
    file->addAction(m_newAction);
    file->addAction(m_openAction);
    m_recentMenu = file->addMenu(tr("Open &Recent"));
    m_recentMenu->setObjectName(QStringLiteral("recentMenu"));
    file->addAction(m_saveAction);
    file->addAction(m_saveAsAction);
    QAction *exportCanvasAction = file->addAction(tr("&Export Canvas…"), this, [this] {
        const QString dir = m_currentFile.isEmpty() ? QString() : QFileInfo(m_currentFile).absolutePath();
        const QString path =
            QFileDialog::getSaveFileName(this, tr("Export canvas"), dir,
                                         tr("SVG picture (*.svg);;PNG image (*.png);;PDF document (*.pdf)"));
        if (path.isEmpty()) return;
        QString error;
        if (exportCanvas(*m_canvasScene, path, &error))
            statusBar()->showMessage(tr("Exported the canvas to %1").arg(QDir::toNativeSeparators(path)),
                                     5000);
        else
            QMessageBox::warning(this, tr("Cannot export"), error);
    });
    exportCanvasAction->setObjectName(QStringLiteral("exportCanvasAction"));
    exportCanvasAction->setStatusTip(tr("Save a picture of the canvas as SVG, PNG or PDF"));
    file->addSeparator();
    file->addAction(m_quitAction);
    updateRecentMenu();

    QMenu *edit = menuBar()->addMenu(tr("&Edit"));
    edit->addAction(m_undoAction);
    edit->addAction(m_redoAction);
    edit->addSeparator();
    edit->addAction(m_cutAction);
    edit->addAction(m_copyAction);
    edit->addAction(m_pasteAction);
    edit->addAction(m_duplicateAction);
    edit->addAction(m_deleteAction);
    edit->addSeparator();
    edit->addAction(m_selectAllAction);
    m_alignMenu = edit->addMenu(tr("A&lign"));
    m_alignMenu->setObjectName(QStringLiteral("alignMenu"));
    using A = CanvasScene::Alignment;
    const struct {
        A alignment;
        QString text;
        const char *name;
    } alignments[] = {{A::Left, tr("&Left Edges"), "alignLeftAction"},
                      {A::HorizontalCenter, tr("&Horizontal Centres"), "alignHCenterAction"},
                      {A::Right, tr("&Right Edges"), "alignRightAction"},
                      {A::Top, tr("&Top Edges"), "alignTopAction"},
                      {A::VerticalCenter, tr("&Vertical Centres"), "alignVCenterAction"},
                      {A::Bottom, tr("&Bottom Edges"), "alignBottomAction"},
                      {A::DistributeHorizontally, tr("Distribute Hori&zontally"), "distributeHAction"},
                      {A::DistributeVertically, tr("Distribute V&ertically"), "distributeVAction"}};
    for (const auto &a : alignments) {
        if (a.alignment == A::Top || a.alignment == A::DistributeHorizontally) m_alignMenu->addSeparator();
        QAction *action = m_alignMenu->addAction(a.text);
        action->setObjectName(QLatin1String(a.name));
        connect(action, &QAction::triggered, this, [this, alignment = a.alignment] {
            QString error;
            if (!m_canvasScene->alignSelection(alignment, &error)) statusBar()->showMessage(error, 5000);
        });
    }

    QMenu *view = menuBar()->addMenu(tr("&View"));
    view->addAction(m_snapAction);
    QMenu *theme = view->addMenu(tr("&Theme"));
    theme->addActions(m_themeGroup->actions());
    view->addSeparator();
    m_viewMenu = view;

    QMenu *run = menuBar()->addMenu(tr("&Run"));
    run->addAction(m_runAction);
    run->addAction(m_pauseAction);
    run->addAction(m_stepAction);
    run->addAction(m_stopAction);
    run->addSeparator();
    m_faultsMenu = run->addMenu(tr("&Faults"));
    m_faultsMenu->setObjectName(QStringLiteral("faultsMenu"));
    m_faultsMenu->addAction(m_linkDownAction);
    m_faultsMenu->addAction(m_crashAction);
    m_faultsMenu->addAction(m_pauseNodeAction);

    QMenu *help = menuBar()->addMenu(tr("&Help"));
    help->addAction(m_welcomeAction);
    help->addAction(m_aboutAction);
}

void MainWindow::createToolBar()
{
    QToolBar *bar = addToolBar(tr("Run"));
    bar->setObjectName(QStringLiteral("runToolBar"));
    bar->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    bar->addAction(m_newAction);
    bar->addAction(m_openAction);
    bar->addAction(m_saveAction);
    bar->addSeparator();
    bar->addAction(m_runAction);
    bar->addAction(m_pauseAction);
    bar->addAction(m_stepAction);
    bar->addAction(m_stopAction);
    bar->addSeparator();
    const auto addLabelled = [bar](const QString &text, QWidget *field) {
        auto *label = new QLabel(text, bar);
        label->setBuddy(field);
        label->setContentsMargins(6, 0, 4, 0);
        bar->addWidget(label);
        bar->addWidget(field);
    };
    addLabelled(tr("Speed:"), m_speedCombo);

    // Run settings: they belong to the topology (its "run" section), so editing one is an undo step.
    const auto makeField = [this, bar](const char *name, const QString &tip, int chars) {
        auto *edit = new QLineEdit(bar);
        edit->setObjectName(QLatin1String(name));
        edit->setToolTip(tip);
        edit->setMaximumWidth(edit->fontMetrics().horizontalAdvance(QLatin1Char('0')) * chars + 16);
        connect(edit, &QLineEdit::editingFinished, this, &MainWindow::onRunSettingEdited);
        return edit;
    };
    m_seedEdit =
        makeField("seedEdit", tr("Seed of the run's random numbers: the same seed gives the same run"), 12);
    m_seedEdit->setValidator(
        new QRegularExpressionValidator(QRegularExpression(QStringLiteral("[0-9]{1,19}")), m_seedEdit));
    m_untilEdit = makeField(
        "untilEdit",
        tr("Stop the run at this virtual time, e.g. 30s, 500ms, 2min; a bare number is seconds (empty: %1)")
            .arg(QString::fromStdString(formatDuration(EngineHost::kDefaultUntil))),
        7);
    m_untilEdit->setPlaceholderText(QString::fromStdString(formatDuration(EngineHost::kDefaultUntil)));
    m_messagesEdit = makeField("messagesEdit",
                               tr("Producers stop after this many messages in total (empty: no limit)"), 8);
    m_messagesEdit->setValidator(
        new QRegularExpressionValidator(QRegularExpression(QStringLiteral("[0-9]{0,12}")), m_messagesEdit));
    m_messagesEdit->setPlaceholderText(tr("no limit"));
    addLabelled(tr("Seed:"), m_seedEdit);
    addLabelled(tr("Stop at:"), m_untilEdit);
    addLabelled(tr("Messages:"), m_messagesEdit);
}

void MainWindow::createCentralWidget()
{
    m_topologyView = makeTableView(m_topologyModel, QStringLiteral("topologyView"), this);
    m_topologyView->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_topologyView->setSelectionMode(QAbstractItemView::SingleSelection);
    connect(m_topologyView->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            [this](const QModelIndex &current) {
                const auto &nodes = m_topologyModel->topology().nodes;
                if (current.isValid() && current.row() < int(nodes.size()))
                    selectNode(QString::fromStdString(nodes[std::size_t(current.row())].id));
            });
    m_description = new QTextBrowser(this);
    m_description->setObjectName(QStringLiteral("topologyDescription"));
    m_description->setOpenLinks(false);

    // The canvas is the topology; the description says what it is for.
    m_canvasView = new CanvasView(m_canvasScene, this);
    m_canvasView->setObjectName(QStringLiteral("canvasView"));
    connect(m_canvasScene, &CanvasScene::selectionChangedIds, this, [this] {
        const QStringList nodes = m_canvasScene->selectedNodeIds();
        const QStringList links = m_canvasScene->selectedLinkIds();
        if (nodes.size() == 1 && nodes.first() != m_selectedNode)
            selectNode(nodes.first());
        else if (nodes.isEmpty() && links.size() == 1 && links.first() != m_selectedLink)
            selectLink(links.first());
        updateSelectionActions();
    });
    connect(m_canvasScene, &CanvasScene::connectionRefused, this,
            [this](const QString &reason) { statusBar()->showMessage(reason, 8000); });

    auto *splitter = new QSplitter(Qt::Horizontal, this);
    splitter->setObjectName(QStringLiteral("topologySplitter"));
    splitter->addWidget(m_canvasView);
    splitter->addWidget(m_description);
    splitter->setStretchFactor(0, 4);
    splitter->setStretchFactor(1, 1);
    splitter->setChildrenCollapsible(false);
    m_description->setMinimumWidth(200);
    splitter->setSizes({720, 240});
    m_editorPage = splitter;

    m_welcome = new WelcomePage(this);
    connect(m_welcome, &WelcomePage::newRequested, this, &MainWindow::onNewTriggered);
    connect(m_welcome, &WelcomePage::openRequested, this, &MainWindow::onOpenTriggered);
    connect(m_welcome, &WelcomePage::exampleActivated, this, &MainWindow::openExample);
    connect(m_welcome, &WelcomePage::recentActivated, this, &MainWindow::openFile);
    m_centralStack = new QStackedWidget(this);
    m_centralStack->setObjectName(QStringLiteral("centralStack"));
    m_centralStack->addWidget(m_editorPage);
    // Scrolls rather than widening the window when the window is narrow.
    auto *welcomeScroll = new QScrollArea(this);
    welcomeScroll->setObjectName(QStringLiteral("welcomeScroll"));
    welcomeScroll->setWidget(m_welcome);
    welcomeScroll->setWidgetResizable(true);
    welcomeScroll->setFrameShape(QFrame::NoFrame);
    m_centralStack->addWidget(welcomeScroll);
    setCentralWidget(m_centralStack);
}

void MainWindow::createDocks()
{
    setCorner(Qt::BottomLeftCorner, Qt::BottomDockWidgetArea);
    setCorner(Qt::BottomRightCorner, Qt::BottomDockWidgetArea);

    // Run summary: what the last run did, node by node, and whether every message is accounted for.
    auto *summaryPane = new QWidget(this);
    m_runHeadline = new QLabel(summaryPane);
    m_runHeadline->setObjectName(QStringLiteral("runHeadline"));
    m_runHeadline->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_summaryView = makeTableView(m_summaryModel, QStringLiteral("summaryView"), summaryPane);
    // Columns fitted to their figures; stretching the last would push it far from the rest.
    m_summaryView->horizontalHeader()->setStretchLastSection(false);
    m_deliveryCheck = new QLabel(summaryPane);
    m_deliveryCheck->setObjectName(QStringLiteral("deliveryCheckLabel"));
    m_deliveryCheck->setWordWrap(true);
    m_deliveryCheck->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto *summaryLayout = new QVBoxLayout(summaryPane);
    summaryLayout->setContentsMargins(4, 4, 4, 4);
    summaryLayout->addWidget(m_runHeadline);
    summaryLayout->addWidget(m_summaryView, 1);
    summaryLayout->addWidget(m_deliveryCheck);

    m_summaryDock = new QDockWidget(tr("Run summary"), this);
    m_summaryDock->setObjectName(QStringLiteral("summaryDock"));
    m_summaryDock->setWidget(summaryPane);
    addDockWidget(Qt::BottomDockWidgetArea, m_summaryDock);

    // The nodes as a table: ids, kinds and the properties set, at a glance.
    m_nodesDock = new QDockWidget(tr("Nodes"), this);
    m_nodesDock->setObjectName(QStringLiteral("nodesDock"));
    m_nodesDock->setWidget(m_topologyView);
    addDockWidget(Qt::BottomDockWidgetArea, m_nodesDock);

    // Event log: every trace event of the run, filtered by node, kind or message.
    auto *eventPane = new QWidget(this);
    auto *filterLabel = new QLabel(tr("&Filter:"), eventPane);
    m_filterEdit = new QLineEdit(eventPane);
    m_filterEdit->setObjectName(QStringLiteral("eventFilterEdit"));
    m_filterEdit->setClearButtonEnabled(true);
    m_filterEdit->setToolTip(tr("Space-separated terms, all of which must match:\n"
                                "a node id (events at the node or sent to it), node:ID\n"
                                "an event kind such as deliver or ack, kind:NAME\n"
                                "a message id, msg:N or #N"));
    filterLabel->setBuddy(m_filterEdit);
    connect(m_filterEdit, &QLineEdit::textChanged, this, &MainWindow::onFilterTextChanged);
    m_eventCount = new QLabel(eventPane);
    m_eventCount->setObjectName(QStringLiteral("eventCountLabel"));
    auto *filterRow = new QHBoxLayout;
    filterRow->addWidget(filterLabel);
    filterRow->addWidget(m_filterEdit, 1);
    filterRow->addWidget(m_eventCount, 2);

    m_eventView = makeTableView(m_eventFilter, QStringLiteral("eventLogView"), eventPane);
    // Widths set once: measuring 200,000 rows to fit them would stall every batch.
    const int digit = m_eventView->fontMetrics().horizontalAdvance(QLatin1Char('0'));
    const int widths[] = {12, 10, 12, 12, 12, 8, 10, 8, 12};
    for (int column = 0; column < EventLogModel::DetailColumn; ++column)
        m_eventView->setColumnWidth(column, widths[column] * digit + 16);
    auto *eventLayout = new QVBoxLayout(eventPane);
    eventLayout->setContentsMargins(4, 4, 4, 4);
    eventLayout->addLayout(filterRow);
    eventLayout->addWidget(m_eventView, 1);

    // Editing: the palette of node kinds, the selected node's properties, the undo history.
    m_palette = new Palette(this);
    m_palette->setObjectName(QStringLiteral("palette"));
    connect(m_palette, &Palette::kindActivated, this, &MainWindow::onKindActivated);
    m_paletteDock = new QDockWidget(tr("Palette"), this);
    m_paletteDock->setObjectName(QStringLiteral("paletteDock"));
    m_paletteDock->setWidget(m_palette);
    addDockWidget(Qt::LeftDockWidgetArea, m_paletteDock);

    m_propertyEditor = new PropertyEditor(this);
    m_propertyEditor->setObjectName(QStringLiteral("propertyEditor"));
    connect(m_propertyEditor, &PropertyEditor::propertyEdited, this, &MainWindow::onPropertyEdited);
    connect(m_propertyEditor, &PropertyEditor::propertyReset, this, &MainWindow::onPropertyReset);
    m_propertyDock = new QDockWidget(tr("Properties"), this);
    m_propertyDock->setObjectName(QStringLiteral("propertyDock"));
    m_propertyDock->setWidget(m_propertyEditor);
    addDockWidget(Qt::RightDockWidgetArea, m_propertyDock);

    auto *history = new QUndoView(m_document->undoStack(), this);
    history->setObjectName(QStringLiteral("undoHistoryView"));
    history->setEmptyLabel(tr("<opened>"));
    m_historyDock = new QDockWidget(tr("History"), this);
    m_historyDock->setObjectName(QStringLiteral("historyDock"));
    m_historyDock->setWidget(history);
    addDockWidget(Qt::RightDockWidgetArea, m_historyDock);
    tabifyDockWidget(m_propertyDock, m_historyDock);
    m_propertyDock->raise();

    m_eventDock = new QDockWidget(tr("Event log"), this);
    m_eventDock->setObjectName(QStringLiteral("eventLogDock"));
    m_eventDock->setWidget(eventPane);
    addDockWidget(Qt::BottomDockWidgetArea, m_eventDock);
    splitDockWidget(m_summaryDock, m_eventDock, Qt::Vertical);
    tabifyDockWidget(m_eventDock, m_nodesDock);

    // The live sequence diagram, beside the event log; its selection and the canvas's follow each other.
    m_sequence = new SequencePanel(this);
    m_sequenceDock = new QDockWidget(tr("Sequence"), this);
    m_sequenceDock->setObjectName(QStringLiteral("sequenceDock"));
    m_sequenceDock->setWidget(m_sequence);
    addDockWidget(Qt::BottomDockWidgetArea, m_sequenceDock);
    tabifyDockWidget(m_eventDock, m_sequenceDock);
    connect(m_sequence, &SequencePanel::messageSelected, this, [this](quint64, const QStringList &links) {
        if (m_syncingSelection) return;
        // The message's links light up on the canvas.
        m_syncingSelection = true;
        m_canvasScene->clearSelection();
        for (const QString &id : links)
            if (auto *item = m_canvasScene->linkItem(id)) item->setSelected(true);
        m_syncingSelection = false;
    });
    connect(m_sequence, &SequencePanel::nodeClicked, this, &MainWindow::selectNode);
    m_sequence->setMessageLookup([engine = m_engine](std::uint64_t id) { return engine->message(id); });
    connect(m_canvasScene, &CanvasScene::selectionChangedIds, this, &MainWindow::syncSequenceSelection);
    m_sequenceDock->raise(); // the diagram is what a run shows first; the event log is a tab away
    resizeDocks({m_summaryDock, m_eventDock}, {170, 230}, Qt::Vertical);
    resizeDocks({m_paletteDock, m_propertyDock}, {210, 360}, Qt::Horizontal);
    for (QDockWidget *dock : {m_paletteDock, m_propertyDock, m_historyDock, m_summaryDock, m_eventDock,
                              m_sequenceDock, m_nodesDock})
        m_viewMenu->addAction(dock->toggleViewAction());

    // Charts: the run's figures over virtual time, live; a tab beside the event log.
    m_chartPanel = new ChartPanel(this);
    m_chartPanel->setObjectName(QStringLiteral("chartPanel"));
    m_chartDock = new QDockWidget(tr("Charts"), this);
    m_chartDock->setObjectName(QStringLiteral("chartsDock"));
    m_chartDock->setWidget(m_chartPanel);
    addDockWidget(Qt::BottomDockWidgetArea, m_chartDock);
    tabifyDockWidget(m_eventDock, m_chartDock);
    m_sequenceDock->raise();
    m_viewMenu->addAction(m_chartDock->toggleViewAction());
}

void MainWindow::createStatusBar()
{
    m_timeLabel = new QLabel(this);
    m_timeLabel->setObjectName(QStringLiteral("virtualTimeLabel"));
    m_rateLabel = new QLabel(this);
    m_rateLabel->setObjectName(QStringLiteral("eventRateLabel"));
    m_inFlightLabel = new QLabel(this);
    m_inFlightLabel->setObjectName(QStringLiteral("inFlightLabel"));
    m_inFlightLabel->setToolTip(tr("Frames on links now, and messages held by queues (ready and unacked)"));
    m_stateLabel = new QLabel(this);
    m_stateLabel->setObjectName(QStringLiteral("runStateLabel"));
    m_stateLabel->setMinimumWidth(m_stateLabel->fontMetrics().horizontalAdvance(tr("Stopping…")) + 8);
    statusBar()->addPermanentWidget(m_timeLabel);
    statusBar()->addPermanentWidget(m_rateLabel);
    statusBar()->addPermanentWidget(m_inFlightLabel);
    statusBar()->addPermanentWidget(m_stateLabel);
    m_timeLabel->setText(tr("Virtual time: %1").arg(QStringLiteral("0")));
    m_rateLabel->setText(tr("%1 events/s").arg(0));
    m_stateLabel->setText(stateText(m_engine->state()));
}

// ---------------------------------------------------------------------------------------------
// Welcome page, examples, dropped files

void MainWindow::showWelcome()
{
    m_welcome->setRecentFiles(QSettings().value(kRecentFilesKey).toStringList());
    if (isWelcomeShown()) return;
    // The page has the window to itself; the docks come back as they were with a document.
    m_dockStateBeforeWelcome = saveState();
    for (QDockWidget *dock : findChildren<QDockWidget *>())
        dock->hide();
    m_centralStack->setCurrentIndex(1);
}

bool MainWindow::isWelcomeShown() const
{
    return m_centralStack->currentIndex() == 1;
}

void MainWindow::showDocument()
{
    if (isWelcomeShown()) {
        m_centralStack->setCurrentWidget(m_editorPage);
        restoreState(m_dockStateBeforeWelcome);
        m_dockStateBeforeWelcome.clear();
    }
    m_topologyView->resizeColumnsToContents();
    QTimer::singleShot(0, m_canvasView, &CanvasView::fitToItems); // once the view has its size
}

bool MainWindow::openExample(const QString &resourcePath)
{
    if (!maybeSave()) return false;
    QFile file(resourcePath);
    const QString name = QFileInfo(resourcePath).fileName();
    if (!file.open(QIODevice::ReadOnly)) {
        showLoadError(name, {file.errorString()});
        return false;
    }
    const LoadResult result = parseTopology(file.readAll().toStdString(), name.toStdString());
    if (!result.ok()) {
        showLoadError(name, QString::fromStdString(result.errorText()).split(QLatin1Char('\n')));
        return false;
    }
    // Untitled: Save asks where, so the bundled copy is never written.
    if (!adoptTopology(*result.topology, QString(), name, {})) return false;
    statusBar()->showMessage(tr("Opened the example \u201c%1\u201d: Save As keeps your changes")
                                 .arg(QString::fromStdString(result.topology->name)),
                             8000);
    return true;
}

void MainWindow::dragEnterEvent(QDragEnterEvent *event)
{
    if (!droppedFiles(event->mimeData()).isEmpty()) event->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent *event)
{
    const QStringList files = droppedFiles(event->mimeData());
    if (files.isEmpty()) return;
    event->acceptProposedAction();
    // One document a window: the first file opens; more are named as not opened.
    QTimer::singleShot(0, this, [this, files] {
        openFile(files.first());
        if (files.size() > 1)
            statusBar()->showMessage(tr("Opened %1; one file at a time, %2 not opened")
                                         .arg(QFileInfo(files.first()).fileName())
                                         .arg(files.size() - 1),
                                     8000);
    });
}

// ---------------------------------------------------------------------------------------------
// Autosave and recovery

void MainWindow::setAutosaveInterval(int ms)
{
    m_autosaveTimer->setInterval(ms);
}

int MainWindow::autosaveInterval() const
{
    return m_autosaveTimer->interval();
}

void MainWindow::autosaveNow()
{
    if (!m_document->isModified()) {
        if (m_recovery->hasSaved()) m_recovery->discard();
        return;
    }
    QString error;
    if (!m_recovery->save(m_document->topology(), m_currentFile, &error))
        statusBar()->showMessage(tr("Autosave failed: %1").arg(error), 10000);
}

QList<RecoveryStore::Recovery> MainWindow::recoverableWork() const
{
    return m_recovery->orphaned();
}

bool MainWindow::recover(const QString &recoveryPath)
{
    QString originalFile, error;
    const auto topology = RecoveryStore::load(recoveryPath, &originalFile, &error);
    if (!topology) {
        showLoadError(recoveryPath, {error});
        return false;
    }
    // The saved file first (when it still opens), then the unsaved work over it as one step.
    bool opened = false;
    if (!originalFile.isEmpty() && QFileInfo::exists(originalFile)) opened = openFile(originalFile);
    if (!opened) {
        if (!maybeSave()) return false;
        newDocument();
    }
    if (!m_document->replaceTopology(*topology, tr("Recover unsaved work"), &error)) {
        showLoadError(recoveryPath, {error});
        return false;
    }
    if (!opened)
        m_currentFile = originalFile.isEmpty() || QFileInfo::exists(originalFile) ? QString() : originalFile;
    updateTitle();
    showDocument();
    RecoveryStore::remove(recoveryPath);
    autosaveNow(); // the recovered work is this window's unsaved work now
    statusBar()->showMessage(tr("Recovered unsaved work; Undo goes back to the saved file"), 8000);
    return true;
}

void MainWindow::offerRecovery()
{
    const QList<RecoveryStore::Recovery> left = recoverableWork();
    if (left.isEmpty()) return;
    const RecoveryStore::Recovery &r = left.first();
    const QString what =
        r.originalFile.isEmpty() ? tr("an untitled topology") : QFileInfo(r.originalFile).fileName();
    auto *box = new QMessageBox(
        QMessageBox::Question, tr("Recover unsaved work"),
        tr("Signalbox ended without saving changes to %1 (%2), autosaved %3.\n\nRecover them?")
            .arg(what, r.name.isEmpty() ? tr("no name") : r.name,
                 QLocale().toString(r.saved, QLocale::ShortFormat)),
        QMessageBox::NoButton, this);
    box->setObjectName(QStringLiteral("recoveryDialog"));
    QPushButton *recoverButton = box->addButton(tr("&Recover"), QMessageBox::AcceptRole);
    box->addButton(tr("&Discard"), QMessageBox::DestructiveRole);
    box->addButton(tr("&Later"), QMessageBox::RejectRole);
    box->setDefaultButton(recoverButton);
    box->setAttribute(Qt::WA_DeleteOnClose);
    const QString path = r.path;
    connect(box, &QMessageBox::buttonClicked, this,
            [this, box, path, recoverButton](QAbstractButton *button) {
                const auto role = box->buttonRole(button);
                if (button == static_cast<QAbstractButton *>(recoverButton))
                    recover(path);
                else if (role == QMessageBox::DestructiveRole)
                    RecoveryStore::remove(path);
                if (role != QMessageBox::RejectRole) QTimer::singleShot(0, this, &MainWindow::offerRecovery);
            });
    box->open();
}

void MainWindow::applySavedTheme()
{
    applyTheme(themeFromKey(QSettings().value(kThemeKey).toString()));
}

void MainWindow::setTheme(Theme theme)
{
    applyTheme(theme);
    QSettings().setValue(kThemeKey, themeKey(theme));
    for (QAction *a : m_themeGroup->actions())
        a->setChecked(a->objectName() == QStringLiteral("theme_") + themeKey(theme));
    m_canvasView->viewport()->update();
}

void MainWindow::openRunStore()
{
    // A missing run history costs the user their record of runs, not the ability to run: say so
    // once and carry on.
    const QString dir = QStandardPaths::writableLocation(QStandardPaths::AppDataLocation);
    QString error;
    auto store = std::make_unique<RunStore>();
    if (dir.isEmpty())
        error = tr("there is no writable application data folder");
    else if (!QDir().mkpath(dir))
        error = tr("cannot create the folder %1").arg(QDir::toNativeSeparators(dir));
    else if (store->open(dir + QStringLiteral("/runs.db"), &error))
        m_runStore = std::move(store);
    if (!m_runStore) statusBar()->showMessage(tr("Runs will not be kept: %1").arg(error));
}

void MainWindow::readSettings()
{
    QSettings settings;
    if (!restoreGeometry(settings.value(kGeometryKey).toByteArray())) {
        // First start: most of the screen, at least 1280x860 where it fits.
        const QRect available = screen() ? screen()->availableGeometry() : QRect(0, 0, 1280, 860);
        resize(std::max(std::min(1280, available.width()), available.width() * 9 / 10),
               std::max(std::min(860, available.height()), available.height() * 9 / 10));
    }
    restoreState(settings.value(kStateKey).toByteArray());
}

void MainWindow::writeSettings() const
{
    QSettings settings;
    settings.setValue(kGeometryKey, saveGeometry());
    settings.setValue(kStateKey, m_dockStateBeforeWelcome.isEmpty() ? saveState() : m_dockStateBeforeWelcome);
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    if (!maybeSave()) {
        event->ignore();
        return;
    }
    if (m_runId) recordRunFinished(nullptr);
    writeSettings();
    m_recovery->discard(); // saved or discarded: nothing to recover
    event->accept();
}

bool MainWindow::openFile(const QString &path)
{
    if (!maybeSave()) return false;
    const LoadResult result = loadTopologyFile(path.toStdString());
    QStringList warnings;
    for (const Diagnostic &d : result.diagnostics)
        if (d.severity == Diagnostic::Severity::Warning) warnings << diagnosticText(d);
    if (!result.ok()) {
        QStringList problems;
        for (const Diagnostic &d : result.diagnostics)
            problems << diagnosticText(d);
        showLoadError(path, problems);
        return false;
    }
    if (!adoptTopology(*result.topology, QFileInfo(path).absoluteFilePath(), path, warnings)) return false;
    addRecentFile(m_currentFile);
    statusBar()->showMessage(warnings.isEmpty() ? tr("Opened %1").arg(QDir::toNativeSeparators(m_currentFile))
                                                : tr("Opened %1 with %2")
                                                      .arg(QDir::toNativeSeparators(m_currentFile),
                                                           count(warnings.size(), "warning", "warnings")),
                             5000);
    return true;
}

bool MainWindow::adoptTopology(const Topology &topology, const QString &filePath, const QString &where,
                               const QStringList &warnings)
{
    QString error;
    if (!m_engine->load(topology, &error)) {
        showLoadError(where, error.split(QLatin1Char('\n'), Qt::SkipEmptyParts));
        return false;
    }
    // Loading abandoned whatever was running.
    if (m_runId) recordRunFinished(nullptr);
    m_currentFile = filePath;
    m_selectedNode.clear();
    m_selectedLink.clear();
    m_document->setTopology(topology);
    m_document->setFilePath(filePath);
    m_document->setClean();
    m_recovery->discard();
    showDocument();
    updateDescription(warnings);
    resetRunViews();
    selectSpeed(topology.run.speed);
    updateTitle();
    return true;
}

void MainWindow::updateTitle()
{
    const QString name = m_currentFile.isEmpty() ? tr("untitled") : QFileInfo(m_currentFile).fileName();
    setWindowTitle(tr("Signalbox — %1[*]").arg(name));
    setWindowModified(m_document->isModified());
}

bool MainWindow::maybeSave()
{
    if (!m_document->isModified()) return true;
    const auto answer = QMessageBox::warning(
        this, tr("Unsaved changes"),
        tr("%1 has changes that are not saved. Save them?")
            .arg(m_currentFile.isEmpty() ? tr("The topology") : QFileInfo(m_currentFile).fileName()),
        QMessageBox::Save | QMessageBox::Discard | QMessageBox::Cancel, QMessageBox::Save);
    if (answer == QMessageBox::Save) return saveFile();
    return answer == QMessageBox::Discard;
}

void MainWindow::newDocument()
{
    if (!maybeSave()) return;
    if (m_runId) recordRunFinished(nullptr);
    m_currentFile.clear();
    m_selectedNode.clear();
    m_selectedLink.clear();
    m_document->clear();
    m_recovery->discard();
    resetRunViews();
    updateTitle();
    showDocument();
}

bool MainWindow::saveFile(const QString &requested)
{
    const QString path = requested.isEmpty() ? m_currentFile : requested;
    if (path.isEmpty()) {
        onSaveAsTriggered();
        return !m_document->isModified();
    }
    // QSaveFile writes beside the target and renames over it: a failed save leaves the old file.
    QSaveFile file(path);
    const std::string text = serializeTopology(m_document->topology());
    QString error;
    if (!file.open(QIODevice::WriteOnly))
        error = file.errorString();
    else if (file.write(text.data(), qint64(text.size())) != qint64(text.size()))
        error = file.errorString();
    else if (!file.commit())
        error = file.errorString();
    if (!error.isEmpty()) {
        auto *box = new QMessageBox(
            QMessageBox::Warning, tr("Cannot save topology"),
            tr("Signalbox could not save %1:\n\n%2").arg(QDir::toNativeSeparators(path), error),
            QMessageBox::Ok, this);
        box->setObjectName(QStringLiteral("saveErrorDialog"));
        box->setAttribute(Qt::WA_DeleteOnClose);
        box->open();
        return false;
    }
    m_currentFile = QFileInfo(path).absoluteFilePath();
    m_document->setFilePath(m_currentFile);
    m_document->setClean();
    m_recovery->discard();
    addRecentFile(m_currentFile);
    updateTitle();
    statusBar()->showMessage(tr("Saved %1").arg(QDir::toNativeSeparators(m_currentFile)), 5000);
    return true;
}

void MainWindow::onNewTriggered()
{
    newDocument();
}

void MainWindow::onSaveTriggered()
{
    saveFile();
}

void MainWindow::onSaveAsTriggered()
{
    const QString dir = m_currentFile.isEmpty() ? QString() : QFileInfo(m_currentFile).absolutePath();
    QString path =
        QFileDialog::getSaveFileName(this, tr("Save topology"), dir, tr("Signalbox topology (*.json)"));
    if (path.isEmpty()) return;
    if (QFileInfo(path).suffix().isEmpty()) path += QStringLiteral(".json");
    saveFile(path);
}

void MainWindow::onDeleteTriggered()
{
    if (!m_canvasScene->selectedNodeIds().isEmpty() || !m_canvasScene->selectedLinkIds().isEmpty()) {
        m_canvasScene->removeSelection();
        return;
    }
    if (m_selectedNode.isEmpty()) return;
    QString error;
    if (!m_document->removeItems({m_selectedNode}, {}, &error)) statusBar()->showMessage(error, 5000);
}

// The clipboard carries the selection as topology JSON, under its own MIME type and as text, so a
// selection can be pasted into another window or read in an editor.
static const QString kTopologyMimeType = QStringLiteral("application/x-signalbox-topology");

QStringList MainWindow::selectedNodeIds() const
{
    QStringList ids = m_canvasScene->selectedNodeIds();
    if (ids.isEmpty() && !m_selectedNode.isEmpty()) ids << m_selectedNode;
    return ids;
}

void MainWindow::selectPasted(const QStringList &nodeIds)
{
    m_canvasScene->clearSelection();
    for (const QString &id : nodeIds)
        if (auto *item = m_canvasScene->nodeItem(id)) item->setSelected(true);
}

void MainWindow::onCopyTriggered()
{
    const QStringList ids = selectedNodeIds();
    if (ids.isEmpty()) return;
    const QByteArray json = m_document->copy(ids);
    auto *mime = new QMimeData;
    mime->setData(kTopologyMimeType, json);
    mime->setText(QString::fromUtf8(json));
    QGuiApplication::clipboard()->setMimeData(mime);
    statusBar()->showMessage(tr("Copied %1").arg(count(ids.size(), "node", "nodes")), 3000);
}

void MainWindow::onCutTriggered()
{
    const QStringList ids = selectedNodeIds();
    if (ids.isEmpty()) return;
    onCopyTriggered();
    QString error;
    if (!m_document->removeItems(ids, {}, &error)) statusBar()->showMessage(error, 5000);
}

void MainWindow::onPasteTriggered()
{
    const QMimeData *mime = QGuiApplication::clipboard()->mimeData();
    if (!mime) return;
    const QByteArray json =
        mime->hasFormat(kTopologyMimeType) ? mime->data(kTopologyMimeType) : mime->text().toUtf8();
    if (json.trimmed().isEmpty()) return;
    QString error;
    const QStringList pasted = m_document->paste(json, QPointF(40, 40), &error);
    if (pasted.isEmpty()) {
        statusBar()->showMessage(tr("Cannot paste: %1").arg(error), 8000);
        return;
    }
    selectPasted(pasted);
}

void MainWindow::onDuplicateTriggered()
{
    const QStringList ids = selectedNodeIds();
    if (ids.isEmpty()) return;
    QString error;
    const QStringList pasted = m_document->paste(m_document->copy(ids), QPointF(40, 40), &error);
    if (pasted.isEmpty())
        statusBar()->showMessage(error, 5000);
    else
        selectPasted(pasted);
}

void MainWindow::onSelectAllTriggered()
{
    for (QGraphicsItem *item : m_canvasScene->items())
        if (item->flags() & QGraphicsItem::ItemIsSelectable) item->setSelected(true);
}

void MainWindow::onDocumentChanged()
{
    m_topologyModel->setTopology(m_document->topology());
    if (!m_selectedNode.isEmpty() && !m_document->node(m_selectedNode)) m_selectedNode.clear();
    if (!m_selectedLink.isEmpty() && !m_document->link(m_selectedLink)) m_selectedLink.clear();
    // Keep the selected row selected across the model's reset.
    const auto &nodes = m_document->topology().nodes;
    for (std::size_t i = 0; i < nodes.size(); ++i)
        if (QString::fromStdString(nodes[i].id) == m_selectedNode) {
            const QSignalBlocker block(m_topologyView->selectionModel());
            m_topologyView->selectRow(int(i));
        }
    showProperties();
    updateDescription({});
    updateActions();
    // Before a run, the diagram's lifelines follow the canvas; after one, they stay the run's.
    if (m_sequence && m_sequence->history().empty()) resetSequence(m_document->topology());
}

void MainWindow::selectNode(const QString &nodeId)
{
    if (!m_document->node(nodeId)) return;
    m_selectedNode = nodeId;
    m_selectedLink.clear();
    if (m_canvasScene->selectedNodeIds() != QStringList{nodeId}) m_canvasScene->selectNode(nodeId);
    const auto &nodes = m_document->topology().nodes;
    for (std::size_t i = 0; i < nodes.size(); ++i)
        if (QString::fromStdString(nodes[i].id) == nodeId) {
            const QSignalBlocker block(m_topologyView->selectionModel());
            m_topologyView->selectRow(int(i));
        }
    showProperties();
    updateSelectionActions();
}

void MainWindow::selectLink(const QString &linkId)
{
    if (!m_document->link(linkId)) return;
    m_selectedLink = linkId;
    m_selectedNode.clear();
    m_topologyView->clearSelection();
    if (m_canvasScene->selectedLinkIds() != QStringList{linkId}) {
        m_canvasScene->clearSelection();
        if (auto *item = m_canvasScene->linkItem(linkId)) item->setSelected(true);
    }
    showProperties();
    updateSelectionActions();
}

namespace {
// A link's binding keys, edited as one more property of the link.
PropertySpec bindingKeysSpec(const std::string &exchangeType)
{
    PropertySpec p;
    p.key = MainWindow::kBindingKeysProperty;
    p.label = MainWindow::tr("Binding keys").toStdString();
    p.type = PropertyType::StringList;
    p.defaultValue = Json::array();
    p.help =
        exchangeType == "topic"
            ? "Keys that route messages down this link: words separated by '.', * for one word, # for zero "
              "or more (e.g. orders.*, eu.#)."
            : "Keys that route messages down this link: a routing key must equal one of them.";
    return p;
}
} // namespace

void MainWindow::showProperties()
{
    if (const LinkDef *link = m_selectedLink.isEmpty() ? nullptr : m_document->link(m_selectedLink)) {
        std::vector<PropertySpec> specs = KindRegistry::builtin().linkProperties();
        Json values = link->properties;
        const NodeDef *from = m_document->node(QString::fromStdString(link->from));
        if (from && from->kind == "exchange" && link->fromPort == "out") {
            const std::string type = from->properties.value("type", std::string("direct"));
            if (type != "fanout") {
                specs.push_back(bindingKeysSpec(type));
                Json keys = Json::array();
                for (const QString &k : m_document->bindings(QString::fromStdString(link->from),
                                                             QString::fromStdString(link->to)))
                    keys.push_back(k.toStdString());
                if (!keys.empty()) values[kBindingKeysProperty] = keys;
            }
        }
        const QString title = tr("Link \u201c%1\u201d").arg(m_selectedLink);
        if (m_propertyEditor->title() == title)
            m_propertyEditor->setValues(values);
        else
            m_propertyEditor->setSchema(title, specs, values);
        return;
    }
    const NodeDef *node = m_selectedNode.isEmpty() ? nullptr : m_document->node(m_selectedNode);
    const NodeKindSpec *spec = node ? KindRegistry::builtin().find(node->kind) : nullptr;
    if (!spec) {
        m_propertyEditor->clear();
        return;
    }
    const QString title = tr("%1 \u201c%2\u201d").arg(QString::fromStdString(spec->label), m_selectedNode);
    if (m_propertyEditor->title() == title)
        m_propertyEditor->setValues(node->properties);
    else
        m_propertyEditor->setSchema(title, spec->properties, node->properties);
}

void MainWindow::onKindActivated(const QString &kind)
{
    // The keyboard way to add: the node lands in the middle of what the canvas shows, nudged so
    // that several added in a row do not hide each other.
    const std::size_t n = m_document->topology().nodes.size();
    const QPointF centre = m_canvasView->mapToScene(m_canvasView->viewport()->rect().center());
    const QPointF position = centre + QPointF(double(n % 4) * 30.0 - 70.0, double(n % 4) * 30.0 - 28.0);
    QString error;
    const QString id = m_document->addNode(kind, position, &error);
    if (id.isEmpty()) {
        statusBar()->showMessage(error, 5000);
        return;
    }
    selectNode(id);
}

void MainWindow::onPropertyEdited(const QString &key, const Json &value)
{
    QString error;
    bool ok = false;
    if (const LinkDef *link = m_selectedLink.isEmpty() ? nullptr : m_document->link(m_selectedLink)) {
        if (key == QLatin1String(kBindingKeysProperty)) {
            QStringList keys;
            for (const auto &k : value)
                keys << QString::fromStdString(k.get<std::string>());
            ok = m_document->setBindingKeys(QString::fromStdString(link->from),
                                            QString::fromStdString(link->to), keys, &error);
        } else {
            ok = m_document->setLinkProperty(m_selectedLink, key, value, &error);
            // While a run is on, the link's network changes in the engine too (a live change).
            if (ok) applyLinkPropertyLive(m_selectedLink);
        }
    } else {
        ok = m_document->setNodeProperty(m_selectedNode, key, value, &error);
    }
    if (!ok) {
        statusBar()->showMessage(error, 8000);
        showProperties(); // put the document's value back in the field
    }
}

void MainWindow::onPropertyReset(const QString &key)
{
    QString error;
    bool ok = false;
    if (const LinkDef *link = m_selectedLink.isEmpty() ? nullptr : m_document->link(m_selectedLink)) {
        ok = key == QLatin1String(kBindingKeysProperty)
                 ? m_document->setBindingKeys(QString::fromStdString(link->from),
                                              QString::fromStdString(link->to), {}, &error)
                 : m_document->resetLinkProperty(m_selectedLink, key, &error);
        if (ok && key != QLatin1String(kBindingKeysProperty)) applyLinkPropertyLive(m_selectedLink);
    } else {
        ok = m_document->resetNodeProperty(m_selectedNode, key, &error);
    }
    if (!ok) statusBar()->showMessage(error, 8000);
}

void MainWindow::showLoadError(const QString &path, const QStringList &problems)
{
    // Non-modal, so that the window (and a test driving it) carries on while the message is up.
    auto *box = new QMessageBox(QMessageBox::Warning, tr("Cannot open topology"),
                                tr("Signalbox could not open %1:").arg(QDir::toNativeSeparators(path)) +
                                    QStringLiteral("\n\n") + problems.join(QLatin1Char('\n')),
                                QMessageBox::Ok, this);
    box->setObjectName(QStringLiteral("loadErrorDialog"));
    box->setTextFormat(Qt::PlainText);
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->open();
}

void MainWindow::onOpenTriggered()
{
    const QString dir = m_currentFile.isEmpty() ? QString() : QFileInfo(m_currentFile).absolutePath();
    const QString path =
        QFileDialog::getOpenFileName(this, tr("Open topology"), dir, tr("Signalbox topology (*.json)"));
    if (!path.isEmpty()) openFile(path);
}

void MainWindow::onRecentFileTriggered()
{
    if (auto *action = qobject_cast<QAction *>(sender())) openFile(action->data().toString());
}

void MainWindow::onClearRecentTriggered()
{
    QSettings().remove(kRecentFilesKey);
    updateRecentMenu();
}

void MainWindow::addRecentFile(const QString &path)
{
    QSettings settings;
    QStringList files = settings.value(kRecentFilesKey).toStringList();
    files.removeAll(path);
    files.prepend(path);
    while (files.size() > kMaxRecentFiles)
        files.removeLast();
    settings.setValue(kRecentFilesKey, files);
    updateRecentMenu();
}

void MainWindow::updateRecentMenu()
{
    m_recentMenu->clear();
    const QStringList files = QSettings().value(kRecentFilesKey).toStringList();
    for (int i = 0; i < files.size(); ++i) {
        QAction *action =
            m_recentMenu->addAction(tr("&%1 %2").arg(i + 1).arg(QFileInfo(files[i]).fileName()));
        action->setData(files[i]);
        action->setToolTip(QDir::toNativeSeparators(files[i]));
        action->setStatusTip(QDir::toNativeSeparators(files[i]));
        connect(action, &QAction::triggered, this, &MainWindow::onRecentFileTriggered);
    }
    if (!files.isEmpty()) {
        m_recentMenu->addSeparator();
        m_recentMenu->addAction(tr("&Clear Menu"), this, &MainWindow::onClearRecentTriggered);
    }
    m_recentMenu->setEnabled(!files.isEmpty());
}

void MainWindow::updateDescription(const QStringList &warnings)
{
    if (!m_engine->isLoaded() && m_document->topology().nodes.empty()) {
        m_description->setHtml(tr("<p>No topology is open.</p>"
                                  "<p>Open a topology file with <b>File › Open…</b> (Ctrl+O); the "
                                  "examples folder has some to start from.</p>"));
        return;
    }
    const Topology &t = m_topologyModel->topology();
    QString html = QStringLiteral("<h3>%1</h3>").arg(QString::fromStdString(t.name).toHtmlEscaped());
    if (!t.description.empty())
        html += QStringLiteral("<p>%1</p>").arg(QString::fromStdString(t.description).toHtmlEscaped());
    html += QStringLiteral("<p>%1, %2, %3.</p>")
                .arg(count(static_cast<qint64>(t.nodes.size()), "node", "nodes"),
                     count(static_cast<qint64>(t.links.size()), "link", "links"),
                     count(static_cast<qint64>(t.bindings.size()), "binding", "bindings"));
    QStringList run;
    run << tr("seed %1").arg(t.run.seed);
    run << tr("stops at %1 of virtual time")
               .arg(QString::fromStdString(formatDuration(t.run.until.value_or(EngineHost::kDefaultUntil))));
    if (t.run.messages) run << tr("producers stop after %1 messages").arg(t.run.messages);
    html += tr("<p><b>Run:</b> %1.</p>").arg(run.join(QLatin1String(", ")));
    if (!warnings.isEmpty()) {
        html += tr("<p><b>Warnings:</b></p><ul>");
        for (const QString &w : warnings)
            html += QStringLiteral("<li>%1</li>").arg(w.toHtmlEscaped());
        html += QStringLiteral("</ul>");
    }
    m_description->setHtml(html);
}

double MainWindow::selectedSpeed() const
{
    return m_speedCombo->currentData().toDouble();
}

void MainWindow::selectSpeed(double speed)
{
    int index = m_speedCombo->findData(speed);
    if (index < 0) {
        // A pace the file asks for that the presets lack: offer it too, in order.
        index = 0;
        while (index < m_speedCombo->count() - 1 && m_speedCombo->itemData(index).toDouble() < speed)
            ++index;
        m_speedCombo->insertItem(index, speedText(speed), speed);
    }
    m_speedCombo->setCurrentIndex(index);
}

void MainWindow::onSpeedChanged(int index)
{
    if (index >= 0) m_engine->setSpeed(selectedSpeed());
}

bool MainWindow::prepareRun()
{
    // Run what the document says now, edits included.
    QString error;
    if (!m_engine->load(m_document->topology(), &error)) {
        showLoadError(m_currentFile.isEmpty() ? tr("the topology") : m_currentFile,
                      error.split(QLatin1Char('\n'), Qt::SkipEmptyParts));
        return false;
    }
    resetRunViews();
    m_eventLog->setNames(m_engine->nodeIds(), m_engine->linkIds());
    m_progressEvents = 0;
    return true;
}

void MainWindow::resetSequence(const Topology &t)
{
    if (!m_sequence) return;
    // Lifelines in the order the canvas shows the nodes: left to right, then top to bottom.
    QStringList nodeIds, kinds, linkIds;
    std::vector<NodeIndex> order;
    for (NodeIndex i = 0; i < NodeIndex(t.nodes.size()); ++i) {
        nodeIds << QString::fromStdString(t.nodes[i].id);
        kinds << QString::fromStdString(t.nodes[i].kind);
        order.push_back(i);
    }
    for (const LinkDef &l : t.links)
        linkIds << QString::fromStdString(l.id);
    std::stable_sort(order.begin(), order.end(), [&t](NodeIndex a, NodeIndex b) {
        const Position &pa = t.nodes[a].position, &pb = t.nodes[b].position;
        return pa.x != pb.x ? pa.x < pb.x : pa.y < pb.y;
    });
    m_sequence->reset(nodeIds, kinds, linkIds, order);
    syncSequenceSelection();
}

void MainWindow::syncSequenceSelection()
{
    if (m_syncingSelection || !m_sequence) return;
    QStringList nodes = m_canvasScene->selectedNodeIds();
    m_sequence->view()->setHighlightedNodes(nodes);
    m_sequence->view()->setHighlightedLinks(m_canvasScene->selectedLinkIds());
}

void MainWindow::annotateSequence(const RunSummary &summary)
{
    // The delivery check's findings, marked where they showed: a lost message at its last event,
    // a duplicate at its second processing.
    const SequenceHistory &history = m_sequence->history();
    std::vector<SequenceAnnotation> marks;
    const auto lastEventOf = [&history](std::uint64_t id) -> const TraceEvent * {
        const TraceEvent *found = nullptr;
        for (std::size_t i = 0; i < history.size(); ++i)
            if (history.at(i).messageId == id) found = &history.at(i);
        return found;
    };
    for (std::uint64_t id : summary.delivery.lostIds)
        if (const TraceEvent *e = lastEventOf(id))
            marks.push_back({e->time, e->node, tr("lost #%1").arg(id), QColor(0xc6, 0x3b, 0x2f), id});
    for (std::uint64_t id : summary.delivery.duplicateIds) {
        int processed = 0;
        for (std::size_t i = 0; i < history.size(); ++i) {
            const TraceEvent &e = history.at(i);
            if (e.messageId == id && e.kind == TraceKind::Process && ++processed == 2) {
                marks.push_back({e.time, e.node, tr("duplicate #%1").arg(id), QColor(0xe0, 0x8e, 0x0b), id});
                break;
            }
        }
    }
    // An order violation is marked at the processing that came out of order.
    for (const DeliveryReport::OrderViolation &v : summary.delivery.outOfOrderExamples)
        marks.push_back({v.time, v.consumer, tr("out of order #%1 after #%2").arg(v.messageId).arg(v.after),
                         QColor(0x8e, 0x44, 0xad), v.messageId});
    m_sequence->view()->setAnnotations(std::move(marks));
}

EngineHost::RunRequest MainWindow::runRequest() const
{
    // The document's run section, which the toolbar fields edit; the speed is the toolbar's own.
    const RunSettings &run = m_document->topology().run;
    EngineHost::RunRequest request;
    request.speed = selectedSpeed();
    request.seed = run.seed;
    request.until = run.until.value_or(EngineHost::kDefaultUntil);
    request.messages = run.messages;
    return request;
}

void MainWindow::onRunTriggered()
{
    Q_ASSERT(QThread::currentThread() == thread());
    const EngineHost::State state = m_engine->state();
    const bool fromStart = startsFresh(state);
    if (!fromStart && state != EngineHost::State::Paused && state != EngineHost::State::Pausing) return;
    if (fromStart && !prepareRun()) return;
    EngineHost::RunRequest request;
    if (fromStart)
        request = runRequest();
    else
        request.speed = selectedSpeed();
    m_engine->start(request);
    if (fromStart) recordRunStarted();
}

void MainWindow::onStepTriggered()
{
    const EngineHost::State state = m_engine->state();
    const bool fromStart = startsFresh(state);
    if (!fromStart && state != EngineHost::State::Paused) return;
    if (fromStart && !prepareRun()) return;
    m_engine->step(fromStart ? runRequest() : EngineHost::RunRequest{});
    if (fromStart) recordRunStarted();
}

void MainWindow::updateRunSettings()
{
    const RunSettings &run = m_document->topology().run;
    m_seedEdit->setText(QString::number(run.seed));
    m_untilEdit->setText(run.until ? QString::fromStdString(formatDuration(*run.until)) : QString());
    m_messagesEdit->setText(run.messages ? QString::number(run.messages) : QString());
    for (QLineEdit *edit : {m_seedEdit, m_untilEdit, m_messagesEdit})
        edit->setStyleSheet(QString());
}

void MainWindow::onRunSettingEdited()
{
    RunSettings run = m_document->topology().run;
    QString error;
    bool ok = true;
    const QString seed = m_seedEdit->text().trimmed();
    if (seed.isEmpty()) {
        error = tr("Seed: a seed is a whole number, e.g. 1");
        ok = false;
    } else {
        run.seed = seed.toULongLong(&ok);
        if (!ok) error = tr("Seed: %1 is not a whole number from 0 to 18446744073709551615").arg(seed);
    }
    const QString until = m_untilEdit->text().trimmed();
    if (ok && until.isEmpty()) {
        run.until.reset();
    } else if (ok) {
        const std::optional<SimTime> parsed = parseDuration(until.toStdString(), "s");
        const SimTime t = parsed.value_or(0);
        if (!parsed) {
            error = tr("Stop at: \u201c%1\u201d is not a duration, e.g. 30s, 500ms or 2min").arg(until);
            ok = false;
        } else if (t <= 0) {
            error = tr("Stop at: the stop time must be greater than zero");
            ok = false;
        } else {
            run.until = t;
        }
    }
    const QString messages = m_messagesEdit->text().trimmed();
    if (ok) run.messages = messages.isEmpty() ? 0 : messages.toULongLong();
    QLineEdit *culprit = !ok ? (error.startsWith(tr("Seed")) ? m_seedEdit : m_untilEdit) : nullptr;
    if (ok && !m_document->setRunSettings(run, &error)) ok = false;
    if (!ok) {
        statusBar()->showMessage(error, 8000);
        if (culprit) {
            culprit->setStyleSheet(QStringLiteral("QLineEdit { border: 1px solid #d0453a; }"));
            culprit->setToolTip(error);
        }
        return;
    }
    for (QLineEdit *edit : {m_seedEdit, m_untilEdit, m_messagesEdit})
        edit->setStyleSheet(QString());
}

// ---------------------------------------------------------------------------------------------
// Live faults on the selection

void MainWindow::onLinkDownTriggered()
{
    QStringList links = m_canvasScene->selectedLinkIds();
    if (links.isEmpty() && !m_selectedLink.isEmpty()) links << m_selectedLink;
    if (links.isEmpty()) return;
    // One way for the whole selection: down unless every selected link is down already.
    const bool allDown = allOf(links, [this](const QString &id) { return m_engine->isLinkDown(id); });
    for (const QString &id : links)
        m_engine->setLinkUp(id, allDown);
    updateSelectionActions();
}

void MainWindow::onCrashTriggered()
{
    const QStringList nodes = selectedNodeIds();
    if (nodes.isEmpty()) return;
    const bool allCrashed = allOf(nodes, [this](const QString &id) { return m_engine->isNodeCrashed(id); });
    for (const QString &id : nodes)
        allCrashed ? m_engine->restartNode(id) : m_engine->crashNode(id);
    updateSelectionActions();
}

void MainWindow::onPauseNodeTriggered()
{
    const QStringList nodes = selectedNodeIds();
    if (nodes.isEmpty()) return;
    const bool allPaused = allOf(nodes, [this](const QString &id) { return nodeStopped(id); });
    for (const QString &id : nodes)
        allPaused ? m_engine->resumeNode(id) : m_engine->pauseNode(id);
    updateSelectionActions();
}

bool MainWindow::nodeStopped(const QString &nodeId) const
{
    return m_engine->isNodePaused(nodeId) || m_engine->isNodeCrashed(nodeId);
}

void MainWindow::applyLinkPropertyLive(const QString &linkId)
{
    if (!m_engine->acceptsLiveChanges() || !m_engine->linkIds().contains(linkId)) return;
    const LinkDef *link = m_document->link(linkId);
    if (!link) return;
    const auto specs = KindRegistry::builtin().linkProperties();
    m_engine->setLinkProperties(linkId, linkPropertiesFrom(PropertyBag(specs, link->properties)));
}

void MainWindow::onCanvasContextMenu(const QPoint &screenPos)
{
    QMenu menu(this);
    const bool nodes = !m_canvasScene->selectedNodeIds().isEmpty();
    const bool links = !m_canvasScene->selectedLinkIds().isEmpty();
    if (m_engine->acceptsLiveChanges() && (nodes || links)) {
        if (links) menu.addAction(m_linkDownAction);
        if (nodes) {
            menu.addAction(m_crashAction);
            menu.addAction(m_pauseNodeAction);
        }
        menu.addSeparator();
    }
    if (nodes) {
        menu.addAction(m_cutAction);
        menu.addAction(m_copyAction);
        menu.addAction(m_duplicateAction);
    }
    menu.addAction(m_pasteAction);
    if (nodes || links) menu.addAction(m_deleteAction);
    if (m_canvasScene->selectedNodeIds().size() >= 2) {
        menu.addSeparator();
        menu.addMenu(m_alignMenu);
    }
    menu.addSeparator();
    menu.addAction(m_selectAllAction);
    menu.exec(screenPos);
}

void MainWindow::updateSelectionActions()
{
    const QStringList nodes = selectedNodeIds();
    QStringList links = m_canvasScene->selectedLinkIds();
    if (links.isEmpty() && !m_selectedLink.isEmpty() && nodes.isEmpty()) links << m_selectedLink;
    const bool hasNodes = !nodes.isEmpty();
    m_cutAction->setEnabled(hasNodes);
    m_copyAction->setEnabled(hasNodes);
    m_duplicateAction->setEnabled(hasNodes);
    m_deleteAction->setEnabled(hasNodes || !links.isEmpty());
    m_alignMenu->setEnabled(m_canvasScene->selectedNodeIds().size() >= 2);
    for (QAction *a : m_alignMenu->actions())
        if (a->objectName().startsWith(QLatin1String("distribute")))
            a->setEnabled(m_canvasScene->selectedNodeIds().size() >= 3);

    // Faults act on what the running engine knows: nodes and links of the run's topology.
    const bool live = m_engine->acceptsLiveChanges();
    const QStringList runLinks = m_engine->linkIds(), runNodes = m_engine->nodeIds();
    const bool liveLinks = live && allOf(links, [&](const QString &id) { return runLinks.contains(id); });
    const bool liveNodes = live && allOf(nodes, [&](const QString &id) { return runNodes.contains(id); });
    const bool allDown =
        liveLinks && allOf(links, [this](const QString &id) { return m_engine->isLinkDown(id); });
    const bool allCrashed =
        liveNodes && allOf(nodes, [this](const QString &id) { return m_engine->isNodeCrashed(id); });
    const bool allPaused = liveNodes && allOf(nodes, [this](const QString &id) { return nodeStopped(id); });
    m_linkDownAction->setEnabled(liveLinks);
    m_linkDownAction->setText(allDown ? tr("Bring Link &Up") : tr("Take Link &Down"));
    m_crashAction->setEnabled(liveNodes);
    m_crashAction->setText(allCrashed ? tr("&Restart Node") : tr("&Crash Node"));
    m_pauseNodeAction->setEnabled(liveNodes && !allCrashed);
    m_pauseNodeAction->setText(allPaused ? tr("Res&ume Node") : tr("Pa&use Node"));
}

void MainWindow::onPauseTriggered()
{
    m_engine->pause();
}

void MainWindow::onStopTriggered()
{
    m_engine->stop();
}

void MainWindow::onAboutTriggered()
{
    QMessageBox::about(this, tr("About Signalbox"),
                       tr("<h3>Signalbox %1</h3>"
                          "<p>A workbench for messaging topologies: design producers, exchanges, queues and "
                          "consumers, run them on a deterministic engine in virtual time, and see what "
                          "happened to every message.</p>")
                           .arg(version()));
}

void MainWindow::onEngineStateChanged(EngineHost::State state)
{
    Q_ASSERT(QThread::currentThread() == thread());
    m_stateLabel->setText(stateText(state));
    if (state == EngineHost::State::Running) {
        m_rateClock.start();
        m_rateEvents = m_progressEvents;
        if (m_summaryModel->isEmpty()) m_runHeadline->setText(tr("Running…"));
    }
    updateActions();
}

void MainWindow::updateActions()
{
    const EngineHost::State state = m_engine->state();
    using S = EngineHost::State;
    const bool paused = state == S::Paused || state == S::Pausing;
    // A run starts from the document, so any document with nodes can run when the engine is idle.
    const bool idle = state == S::Empty || state == S::Ready || state == S::Finished;
    m_runAction->setEnabled(paused || (idle && !m_document->topology().nodes.empty()));
    m_runAction->setText(paused ? tr("&Resume") : tr("&Run"));
    m_pauseAction->setEnabled(state == S::Running);
    m_stopAction->setEnabled(state == S::Running || paused);
    m_stepAction->setEnabled(state == S::Paused || (idle && !m_document->topology().nodes.empty()));
    updateSelectionActions();
}

void MainWindow::onEventsArrived(const std::vector<TraceEvent> &events)
{
    Q_ASSERT(QThread::currentThread() == thread());
    // Follow the newest events only while the user is looking at them.
    QScrollBar *bar = m_eventView->verticalScrollBar();
    const bool follow = bar->value() == bar->maximum();
    m_eventLog->appendBatch(events);
    if (follow) m_eventView->scrollToBottom();
    updateEventCount();
    m_sequence->append(events);
}

void MainWindow::updateEventCount()
{
    const int shown = m_eventFilter->rowCount();
    const int total = m_eventLog->rowCount();
    QString text = count(total, "trace event", "trace events");
    if (shown != total) text = tr("%1 of %2").arg(QLocale().toString(shown), text);
    if (m_eventLog->discarded())
        text += tr(", %1 older not kept").arg(QLocale().toString(m_eventLog->discarded()));
    if (const quint64 missed = m_engine->overflowedEvents())
        text += tr(", %1 not shown (the engine ran ahead of the display)").arg(QLocale().toString(missed));
    m_eventCount->setText(text);
}

void MainWindow::onFilterTextChanged(const QString &text)
{
    QString error;
    if (!m_eventFilter->setFilterText(text, &error)) {
        m_eventCount->setText(error);
        return;
    }
    updateEventCount();
}

void MainWindow::onProgressed(qint64 virtualTimeNs, quint64 eventsProcessed)
{
    Q_ASSERT(QThread::currentThread() == thread());
    m_progressEvents = eventsProcessed;
    m_timeLabel->setText(tr("Virtual time: %1").arg(QString::fromStdString(formatDuration(virtualTimeNs))));
    const qint64 elapsed = m_rateClock.isValid() ? m_rateClock.elapsed() : 0;
    if (elapsed >= 500) {
        const double rate =
            static_cast<double>(eventsProcessed - m_rateEvents) * 1000.0 / static_cast<double>(elapsed);
        m_rateLabel->setText(tr("%1 events/s").arg(QLocale().toString(qRound64(rate))));
        m_rateEvents = eventsProcessed;
        m_rateClock.restart();
    }
}

void MainWindow::onRunFinished(const RunSummary &summary)
{
    Q_ASSERT(QThread::currentThread() == thread());
    m_summaryModel->setSummary(summary);
    m_summaryView->resizeColumnsToContents();
    m_runHeadline->setText(runHeadlineText(summary));
    QString checks = deliveryCheckText(summary.delivery);
    if (summary.delivery.outOfOrder) checks += QLatin1Char('\n') + orderCheckText(summary);
    if (summary.latency.count) checks += QLatin1Char('\n') + latencyText(summary.latency);
    if (!summary.liveChanges.empty()) {
        QStringList changes;
        for (const LiveChange &c : summary.liveChanges)
            changes << tr("at %1 %2 %3%4")
                           .arg(QString::fromStdString(formatDuration(c.time)),
                                QString::fromStdString(c.action), QString::fromStdString(c.target),
                                c.detail.empty()
                                    ? QString()
                                    : QStringLiteral(" (%1)").arg(QString::fromStdString(c.detail)));
        checks += QLatin1Char('\n') + tr("Live changes: %1").arg(changes.join(QLatin1String("; ")));
    }
    m_deliveryCheck->setText(checks);
    if (summary.wallSeconds > 0)
        m_rateLabel->setText(tr("%1 events/s")
                                 .arg(QLocale().toString(
                                     qRound64(static_cast<double>(summary.events) / summary.wallSeconds))));
    updateEventCount();
    annotateSequence(summary);
    recordRunFinished(&summary);
}

void MainWindow::resetRunViews()
{
    m_eventLog->clear();
    m_chartPanel->reset(m_engine->topology());
    m_summaryModel->clear();
    m_runHeadline->setText(m_engine->isLoaded() ? tr("No run yet: Run (F5) runs the topology.")
                                                : tr("No run yet."));
    m_deliveryCheck->clear();
    m_timeLabel->setText(tr("Virtual time: %1").arg(QStringLiteral("0")));
    m_rateLabel->setText(tr("%1 events/s").arg(0));
    m_inFlightLabel->setText(tr("In flight: 0 · queued: 0"));
    // The diagram starts over with the document's lifelines (a run's engine runs that same topology).
    resetSequence(m_document->topology());
    updateEventCount();
}

void MainWindow::recordRunStarted()
{
    if (!m_runStore) return;
    const Topology &t = m_engine->topology();
    RunRecord record;
    record.topologyName =
        t.name.empty() ? QFileInfo(m_currentFile).completeBaseName() : QString::fromStdString(t.name);
    record.topologyJson = QByteArray::fromStdString(serializeTopology(t));
    record.seed = m_engine->seed();
    record.stopCondition =
        QStringLiteral("until=%1").arg(QString::fromStdString(formatDuration(m_engine->until())));
    if (t.run.messages) record.stopCondition += QStringLiteral(" messages=%1").arg(t.run.messages);
    QString error;
    m_runId = m_runStore->beginRun(record, &error);
    if (!m_runId) statusBar()->showMessage(tr("This run will not be kept: %1").arg(error), 10000);
}

void MainWindow::recordRunFinished(const RunSummary *summary)
{
    if (!m_runStore || !m_runId) return;
    const qint64 id = *m_runId;
    m_runId.reset();
    // No summary: the run was abandoned (another file opened, the window closed) before it ended.
    const bool completed = summary && summary->stopReason != StopReason::Stopped;
    const QByteArray json =
        summary ? QByteArray::fromStdString(summaryToJson(*summary).dump(2)) : QByteArray();
    QString error;
    if (!m_runStore->finishRun(id, completed ? RunStatus::Finished : RunStatus::Stopped, json,
                               summary ? runMetrics(*summary) : QList<RunMetric>(), &error))
        statusBar()->showMessage(tr("This run will not be kept: %1").arg(error), 10000);
}

} // namespace sb
