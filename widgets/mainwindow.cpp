#include "mainwindow.h"

#include "canvasitems.h"
#include "canvasscene.h"
#include "canvasview.h"
#include "eventfilterproxy.h"
#include "eventlogmodel.h"
#include "palette.h"
#include "propertyeditor.h"
#include "runstore.h"
#include "summarymodel.h"
#include "topologydocument.h"
#include "topologymodel.h"

#include <QAction>
#include <QApplication>
#include <QClipboard>
#include <QCloseEvent>
#include <QComboBox>
#include <QDir>
#include <QDockWidget>
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
#include <QSaveFile>
#include <QScrollBar>
#include <QSettings>
#include <QSplitter>
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

namespace sb {

namespace {

const QString kRecentFilesKey = QStringLiteral("recentFiles");
const QString kGeometryKey = QStringLiteral("mainWindow/geometry");
const QString kStateKey = QStringLiteral("mainWindow/state");

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

    updateTitle();
    resetRunViews();
    updateDescription({});
    updateActions();
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
    m_pauseAction->setStatusTip(tr("Pause the run; Run resumes it"));
    connect(m_pauseAction, &QAction::triggered, this, &MainWindow::onPauseTriggered);

    m_stopAction = new QAction(style()->standardIcon(QStyle::SP_MediaStop), tr("&Stop"), this);
    m_stopAction->setObjectName(QStringLiteral("stopAction"));
    m_stopAction->setShortcut(QKeySequence(Qt::SHIFT | Qt::Key_F5));
    m_stopAction->setStatusTip(tr("End the run and show its summary"));
    connect(m_stopAction, &QAction::triggered, this, &MainWindow::onStopTriggered);

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

    QMenu *run = menuBar()->addMenu(tr("&Run"));
    run->addAction(m_runAction);
    run->addAction(m_pauseAction);
    run->addAction(m_stopAction);

    QMenu *help = menuBar()->addMenu(tr("&Help"));
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
    bar->addAction(m_stopAction);
    bar->addSeparator();
    auto *speedLabel = new QLabel(tr("Speed:"), bar);
    speedLabel->setBuddy(m_speedCombo);
    speedLabel->setContentsMargins(4, 0, 4, 0);
    bar->addWidget(speedLabel);
    bar->addWidget(m_speedCombo);
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
        m_deleteAction->setEnabled(!nodes.isEmpty() || !m_canvasScene->selectedLinkIds().isEmpty() ||
                                   !m_selectedNode.isEmpty());
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
    setCentralWidget(splitter);
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
    m_eventDock->raise();
    resizeDocks({m_summaryDock, m_eventDock}, {170, 230}, Qt::Vertical);
    resizeDocks({m_paletteDock, m_propertyDock}, {210, 360}, Qt::Horizontal);
}

void MainWindow::createStatusBar()
{
    m_timeLabel = new QLabel(this);
    m_timeLabel->setObjectName(QStringLiteral("virtualTimeLabel"));
    m_rateLabel = new QLabel(this);
    m_rateLabel->setObjectName(QStringLiteral("eventRateLabel"));
    m_stateLabel = new QLabel(this);
    m_stateLabel->setObjectName(QStringLiteral("runStateLabel"));
    m_stateLabel->setMinimumWidth(m_stateLabel->fontMetrics().horizontalAdvance(tr("Stopping…")) + 8);
    statusBar()->addPermanentWidget(m_timeLabel);
    statusBar()->addPermanentWidget(m_rateLabel);
    statusBar()->addPermanentWidget(m_stateLabel);
    m_timeLabel->setText(tr("Virtual time: %1").arg(QStringLiteral("0")));
    m_rateLabel->setText(tr("%1 events/s").arg(0));
    m_stateLabel->setText(stateText(m_engine->state()));
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
    if (!restoreGeometry(settings.value(kGeometryKey).toByteArray())) resize(1280, 860);
    restoreState(settings.value(kStateKey).toByteArray());
}

void MainWindow::writeSettings() const
{
    QSettings settings;
    settings.setValue(kGeometryKey, saveGeometry());
    settings.setValue(kStateKey, saveState());
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    if (!maybeSave()) {
        event->ignore();
        return;
    }
    if (m_runId) recordRunFinished(nullptr);
    writeSettings();
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
    const Topology &topology = *result.topology;
    QString error;
    if (!m_engine->load(topology, &error)) {
        showLoadError(path, error.split(QLatin1Char('\n'), Qt::SkipEmptyParts));
        return false;
    }

    // Loading abandoned whatever was running.
    if (m_runId) recordRunFinished(nullptr);
    m_currentFile = QFileInfo(path).absoluteFilePath();
    m_selectedNode.clear();
    m_document->setTopology(topology);
    m_document->setFilePath(m_currentFile);
    m_document->setClean();
    m_topologyView->resizeColumnsToContents();
    QTimer::singleShot(0, m_canvasView, &CanvasView::fitToItems); // once the view has its size
    updateDescription(warnings);
    resetRunViews();
    selectSpeed(topology.run.speed);
    updateTitle();
    addRecentFile(m_currentFile);
    statusBar()->showMessage(warnings.isEmpty() ? tr("Opened %1").arg(QDir::toNativeSeparators(m_currentFile))
                                                : tr("Opened %1 with %2")
                                                      .arg(QDir::toNativeSeparators(m_currentFile),
                                                           count(warnings.size(), "warning", "warnings")),
                             5000);
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
    m_document->clear();
    resetRunViews();
    updateTitle();
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
    m_deleteAction->setEnabled(!m_selectedNode.isEmpty());
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
    m_deleteAction->setEnabled(true);
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
    m_deleteAction->setEnabled(true);
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

void MainWindow::onRunTriggered()
{
    Q_ASSERT(QThread::currentThread() == thread());
    const EngineHost::State state = m_engine->state();
    const bool fromStart = state == EngineHost::State::Ready || state == EngineHost::State::Finished;
    if (!fromStart && state != EngineHost::State::Paused && state != EngineHost::State::Pausing) return;
    if (fromStart) {
        // Run what the document says now, edits included.
        QString error;
        if (!m_engine->load(m_document->topology(), &error)) {
            showLoadError(m_currentFile.isEmpty() ? tr("the topology") : m_currentFile,
                          error.split(QLatin1Char('\n'), Qt::SkipEmptyParts));
            return;
        }
        resetRunViews();
        m_eventLog->setNames(m_engine->nodeIds(), m_engine->linkIds());
        m_progressEvents = 0;
    }
    EngineHost::RunRequest request;
    request.speed = selectedSpeed();
    m_engine->start(request);
    if (fromStart) recordRunStarted();
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
    if (summary.latency.count) checks += QLatin1Char('\n') + latencyText(summary.latency);
    m_deliveryCheck->setText(checks);
    if (summary.wallSeconds > 0)
        m_rateLabel->setText(tr("%1 events/s")
                                 .arg(QLocale().toString(
                                     qRound64(static_cast<double>(summary.events) / summary.wallSeconds))));
    updateEventCount();
    recordRunFinished(&summary);
}

void MainWindow::resetRunViews()
{
    m_eventLog->clear();
    m_summaryModel->clear();
    m_runHeadline->setText(m_engine->isLoaded() ? tr("No run yet: Run (F5) runs the topology.")
                                                : tr("No run yet."));
    m_deliveryCheck->clear();
    m_timeLabel->setText(tr("Virtual time: %1").arg(QStringLiteral("0")));
    m_rateLabel->setText(tr("%1 events/s").arg(0));
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
