#include "mainwindow.h"

#include "canvasexport.h"
#include "canvasitems.h"
#include "canvasscene.h"
#include "canvasview.h"
#include "chartpanel.h"
#include "domainviews.h"
#include "faultsdock.h"
#include "faulttimeline.h"
#include "overlaydialog.h"
#include "palette.h"
#include "propertyeditor.h"
#include "routinginspector.h"
#include "runcontroller.h"
#include "sequencepanel.h"
#include "tableviews.h"
#include "topologycommands.h"
#include "topologydocument.h"
#include "topologymodel.h"
#include "welcomepage.h"

#include "nodes/actors/supervisionlayout.h"
#include "nodes/amqp/headersmatch.h"
#include "pubsub/dialect.h"

#include <QAction>
#include <QActionGroup>
#include <QApplication>
#include <QCloseEvent>
#include <QComboBox>
#include <QDir>
#include <QDockWidget>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QGraphicsItem>
#include <QLabel>
#include <QLayout>
#include <QLineEdit>
#include <QLocale>
#include <QMenuBar>
#include <QMessageBox>
#include <QScreen>
#include <QScrollArea>
#include <QSettings>
#include <QShowEvent>
#include <QStackedWidget>
#include <QStandardPaths>
#include <QStatusBar>
#include <QStyle>
#include <QTableView>
#include <QTextBrowser>
#include <QTimer>
#include <QToolBar>
#include <QUndoStack>
#include <QUndoView>

#include <algorithm>

namespace sb {

namespace {

const QString kGeometryKey = QStringLiteral("mainWindow/geometry");
const QString kStateKey = QStringLiteral("mainWindow/state");
// The docks' arrangement; a layout saved under another version (an older arrangement) is not
// restored, so the current default applies.
constexpr int kLayoutVersion = 4;
// The bottom row of docks (the sequence diagram and the run's tabs).
constexpr int kBottomDockHeight = 340;
const QString kThemeKey = QStringLiteral("view/theme");
const QString kSnapKey = QStringLiteral("canvas/snapToGrid");

// "1 node", "5 nodes": the app ships no translations, so tr()'s %n plurals would show "node(s)".
QString count(qint64 n, const char *one, const char *many)
{
    return QStringLiteral("%1 %2").arg(QLocale().toString(n), MainWindow::tr(n == 1 ? one : many));
}

} // namespace

MainWindow::MainWindow(QWidget *parent) : QMainWindow(parent)
{
    m_engine = new EngineHost(this);
    m_document = new TopologyDocument(this);
    m_canvasScene = new CanvasScene(m_document, this);
    m_topologyModel = new TopologyModel(this);
    m_documents = new DocumentController(m_document, m_engine, this,
                                         QStandardPaths::writableLocation(QStandardPaths::AppDataLocation) +
                                             QStringLiteral("/recovery"),
                                         this);
    m_run = new RunController(m_engine, m_document, m_canvasScene, this, this);
    m_run->setSelectionProvider([this] { return selectedNodeIds(); }, [this] { return selectedLinkIds(); });
    // The fault plan's timeline: added faults act on the canvas selection; the run's time is its
    // cursor; a finished run's live faults can be recorded into the plan.
    m_faultsPanel = new FaultsPanel(m_document, this);
    m_faultsPanel->timeline()->setSelectionProvider([this] { return selectedNodeIds(); },
                                                    [this] { return selectedLinkIds(); });
    connect(m_engine, &EngineHost::progressed, m_faultsPanel->timeline(), &FaultTimeline::setCurrentTime);
    connect(m_engine, &EngineHost::runStarted, m_faultsPanel->timeline(),
            [this] { m_faultsPanel->timeline()->setCurrentTime(0); });
    connect(m_engine, &EngineHost::finished, m_faultsPanel, &FaultsPanel::setRunSummary);
    connect(m_faultsPanel, &FaultsPanel::editRefused, this,
            [this](const QString &reason) { statusBar()->showMessage(reason, 8000); });
    connect(m_faultsPanel->timeline(), &FaultTimeline::faultSelected, this, &MainWindow::selectFault);

    createActions();
    createMenus();
    createToolBar();
    createCentralWidget();
    createDocks();
    createStatusBar();

    // The canvas shows runs live: badges, dots and throughput (see CanvasScene::followEngine).
    m_canvasScene->followEngine(m_engine);
    connect(m_engine, &EngineHost::stateChanged, this, &MainWindow::updateActions);

    // Every view of the topology follows the document, whatever changed it.
    for (auto signal :
         {&TopologyDocument::nodeAdded, &TopologyDocument::nodeRemoved, &TopologyDocument::nodeMoved,
          &TopologyDocument::nodeRenamed, &TopologyDocument::linkAdded, &TopologyDocument::linkRemoved})
        connect(m_document, signal, this, &MainWindow::onDocumentChanged);
    connect(m_document, &TopologyDocument::nodePropertyChanged, this, &MainWindow::onDocumentChanged);
    connect(m_document, &TopologyDocument::linkPropertyChanged, this, &MainWindow::onDocumentChanged);
    connect(m_document, &TopologyDocument::bindingsChanged, this, &MainWindow::onDocumentChanged);
    connect(m_document, &TopologyDocument::documentReset, this, &MainWindow::onDocumentChanged);
    for (auto signal :
         {&TopologyDocument::faultAdded, &TopologyDocument::faultRemoved, &TopologyDocument::faultChanged})
        connect(m_document, signal, this, &MainWindow::onDocumentChanged);
    connect(m_document, &TopologyDocument::modifiedChanged, this, &MainWindow::updateTitle);
    connect(m_document, &TopologyDocument::runSettingsChanged, this, [this] { updateDescription({}); });
    connect(m_canvasScene, &CanvasScene::contextMenuRequested, this, &MainWindow::onCanvasContextMenu);
    connect(m_canvasScene, &CanvasScene::liveLogsChanged, this, [this](const QStringList &ids) {
        if (ids.isEmpty() || ids.contains(m_selectedNode)) showRunInfo();
    });
    setAcceptDrops(true);

    // The parts report to the status bar; a document they bring replaces the last one's views.
    connect(m_documents, &DocumentController::messagePosted, statusBar(), &QStatusBar::showMessage);
    connect(m_run, &RunController::messagePosted, statusBar(), &QStatusBar::showMessage);
    connect(m_run, &RunController::runRefused, m_documents, &DocumentController::showLoadError);
    connect(m_documents, &DocumentController::documentOpened, this, [this](const QStringList &warnings) {
        onDocumentReplaced(warnings);
        m_run->selectSpeed(m_document->topology().run.speed);
        m_descriptionDock->raise(); // what the opened topology is for, until something is selected
    });
    connect(m_documents, &DocumentController::documentCleared, this, [this] { onDocumentReplaced({}); });
    connect(m_documents, &DocumentController::documentRecovered, this, &MainWindow::showDocument);
    connect(m_documents, &DocumentController::currentFileChanged, this, &MainWindow::updateTitle);
    connect(m_documents, &DocumentController::recentFilesChanged, this, &MainWindow::updateRecentMenu);

    updateTitle();
    m_run->resetRunViews();
    updateDescription({});
    updateActions();
    updateSelectionActions();
    m_run->updateRunSettings();
    readSettings();
    m_run->openRunStore(QStandardPaths::writableLocation(QStandardPaths::AppDataLocation));
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
    connect(m_saveAsAction, &QAction::triggered, m_documents, &DocumentController::saveAs);

    m_undoAction = m_document->undoStack()->createUndoAction(this, tr("&Undo"));
    m_undoAction->setObjectName(QStringLiteral("undoAction"));
    m_undoAction->setShortcut(QKeySequence::Undo);
    m_redoAction = m_document->undoStack()->createRedoAction(this, tr("&Redo"));
    m_redoAction->setObjectName(QStringLiteral("redoAction"));
    // The platform's redo keys and both common ones (docs/workbench.md lists Ctrl+Shift+Z and
    // Ctrl+Y), each once: a key listed twice makes the shortcut ambiguous, and then it does nothing.
    QList<QKeySequence> redoKeys = QKeySequence::keyBindings(QKeySequence::Redo);
    for (const QKeySequence &key :
         {QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_Z), QKeySequence(Qt::CTRL | Qt::Key_Y)})
        if (!redoKeys.contains(key)) redoKeys << key;
    m_redoAction->setShortcuts(redoKeys);

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
    editAction(m_overlayAction, tr("Generate Peer-to-Peer &Overlay…"), "overlayAction", {},
               &MainWindow::onGenerateOverlayTriggered);
    m_overlayAction->setStatusTip(
        tr("Add N peers connected as a ring, grid, random, small-world or scale-free "
           "overlay"));
    editAction(m_arrangeSupervisionAction, tr("Arrange &Supervision Tree"), "arrangeSupervisionAction", {},
               &MainWindow::onArrangeSupervisionTriggered);
    m_arrangeSupervisionAction->setStatusTip(
        tr("Lay the supervision trees out top-down: each supervisor above its children, in start order"));
    m_arrangeSupervisionAction->setEnabled(false);
    connect(m_deleteAction, &QAction::triggered, this, &MainWindow::onDeleteTriggered);

    m_openAction = new QAction(style()->standardIcon(QStyle::SP_DialogOpenButton), tr("&Open…"), this);
    m_openAction->setObjectName(QStringLiteral("openAction"));
    m_openAction->setShortcut(QKeySequence::Open);
    m_openAction->setStatusTip(tr("Open a topology file"));
    connect(m_openAction, &QAction::triggered, m_documents, &DocumentController::open);

    m_quitAction = new QAction(tr("&Quit"), this);
    m_quitAction->setObjectName(QStringLiteral("quitAction"));
    m_quitAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Q));
    m_quitAction->setMenuRole(QAction::QuitRole);
    connect(m_quitAction, &QAction::triggered, this, &QWidget::close);

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
        const QString file = m_documents->currentFile();
        const QString dir = file.isEmpty() ? QString() : QFileInfo(file).absolutePath();
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
    edit->addSeparator();
    edit->addAction(m_overlayAction);
    edit->addAction(m_arrangeSupervisionAction);
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
    run->addAction(m_run->runAction());
    run->addAction(m_run->pauseAction());
    run->addAction(m_run->stepAction());
    run->addAction(m_run->stopAction());
    run->addSeparator();
    m_faultsMenu = run->addMenu(tr("&Faults"));
    m_faultsMenu->setObjectName(QStringLiteral("faultsMenu"));
    m_faultsMenu->addAction(m_run->linkDownAction());
    m_faultsMenu->addAction(m_run->crashAction());
    m_faultsMenu->addAction(m_run->pauseNodeAction());
    run->addAction(m_faultsPanel->recordAction());

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
    bar->addAction(m_run->runAction());
    bar->addAction(m_run->pauseAction());
    bar->addAction(m_run->stepAction());
    bar->addAction(m_run->stopAction());
    bar->addSeparator();
    const auto addLabelled = [bar](const QString &text, QWidget *field) {
        auto *label = new QLabel(text, bar);
        label->setBuddy(field);
        label->setContentsMargins(6, 0, 4, 0);
        bar->addWidget(label);
        bar->addWidget(field);
    };
    addLabelled(tr("Speed:"), m_run->speedCombo());
    // A speed chosen, the keys go back to the canvas (else Home/End would change the speed).
    connect(m_run->speedCombo(), &QComboBox::activated, this,
            [this] { m_canvasView->setFocus(Qt::OtherFocusReason); });
    // Run settings: they belong to the topology (its "run" section), so editing one is an undo step.
    addLabelled(tr("Seed:"), m_run->seedEdit());
    addLabelled(tr("Stop at:"), m_run->untilEdit());
    addLabelled(tr("Messages:"), m_run->messagesEdit());
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

    // The canvas is the topology; the description (a tab beside the properties) says what it is for.
    m_canvasView = new CanvasView(m_canvasScene, this);
    m_canvasView->setObjectName(QStringLiteral("canvasView"));
    connect(m_canvasScene, &CanvasScene::nodeProblemsChanged, this, &MainWindow::showRunInfo);
    connect(m_canvasScene, &CanvasScene::selectionChangedIds, this, [this] {
        const QStringList nodes = m_canvasScene->selectedNodeIds();
        const QStringList links = m_canvasScene->selectedLinkIds();
        // A fault shown in the properties gives way to what is picked on the canvas.
        const bool faultShown = !m_selectedFault.isEmpty();
        if (nodes.size() == 1 && (nodes.first() != m_selectedNode || faultShown))
            selectNode(nodes.first());
        else if (nodes.isEmpty() && links.size() == 1 && (links.first() != m_selectedLink || faultShown))
            selectLink(links.first());
        updateSelectionActions();
    });
    connect(m_canvasScene, &CanvasScene::connectionRefused, this, [this](const QString &reason) {
        m_refusal = reason;
        statusBar()->showMessage(reason, 8000);
    });

    m_editorPage = m_canvasView;

    m_welcome = new WelcomePage(this);
    connect(m_welcome, &WelcomePage::newRequested, this, &MainWindow::onNewTriggered);
    connect(m_welcome, &WelcomePage::openRequested, m_documents, &DocumentController::open);
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
    // The canvas and the sequence diagram are what the window is for: they get most of it. The
    // rest sits in tabs: Palette and Nodes on the left, Properties and History on the right, and
    // the run's summary, event log and charts beside the sequence diagram along the bottom.
    setCorner(Qt::BottomLeftCorner, Qt::BottomDockWidgetArea);
    setCorner(Qt::BottomRightCorner, Qt::BottomDockWidgetArea);
    const auto makeDock = [this](const QString &title, const char *name, QWidget *widget) {
        auto *dock = new QDockWidget(title, this);
        dock->setObjectName(QLatin1String(name));
        dock->setWidget(widget);
        return dock;
    };

    // Editing: the palette of node kinds, the nodes as a table (ids, kinds and the properties set,
    // at a glance), the selected node's properties and the undo history.
    m_palette = new Palette(this);
    m_palette->setObjectName(QStringLiteral("palette"));
    connect(m_palette, &Palette::kindActivated, this, [this](const QString &kind) { onKindActivated(kind); });
    connect(m_palette, &Palette::templateActivated, this,
            [this](const QString &templateId) { onKindActivated({}, templateId); });
    m_paletteDock = makeDock(tr("Palette"), "paletteDock", m_palette);
    addDockWidget(Qt::LeftDockWidgetArea, m_paletteDock);
    m_nodesDock = makeDock(tr("Nodes"), "nodesDock", m_topologyView);
    addDockWidget(Qt::LeftDockWidgetArea, m_nodesDock);
    tabifyDockWidget(m_paletteDock, m_nodesDock);

    m_propertyEditor = new PropertyEditor(this);
    m_propertyEditor->setObjectName(QStringLiteral("propertyEditor"));
    connect(m_propertyEditor, &PropertyEditor::propertyEdited, this, &MainWindow::onPropertyEdited);
    connect(m_propertyEditor, &PropertyEditor::propertyReset, this, &MainWindow::onPropertyReset);
    // Renaming in the panel: the name, or the id with the links and bindings that name it.
    connect(m_propertyEditor, &PropertyEditor::nameEdited, this, [this](const QString &name) {
        QString error;
        if (!m_document->renameNode(m_selectedNode, name, &error)) statusBar()->showMessage(error, 8000);
    });
    connect(m_propertyEditor, &PropertyEditor::idEdited, this, [this](const QString &id) {
        QString error;
        if (m_document->changeNodeId(m_selectedNode, id, &error))
            selectNode(id);
        else
            statusBar()->showMessage(error, 8000);
    });
    m_propertyDock = makeDock(tr("Properties"), "propertyDock", m_propertyEditor);
    addDockWidget(Qt::RightDockWidgetArea, m_propertyDock);
    auto *history = new QUndoView(m_document->undoStack(), this);
    history->setObjectName(QStringLiteral("undoHistoryView"));
    history->setEmptyLabel(tr("<opened>"));
    m_descriptionDock = makeDock(tr("Topology"), "descriptionDock", m_description);
    addDockWidget(Qt::RightDockWidgetArea, m_descriptionDock);
    tabifyDockWidget(m_propertyDock, m_descriptionDock);
    m_historyDock = makeDock(tr("History"), "historyDock", history);
    addDockWidget(Qt::RightDockWidgetArea, m_historyDock);
    tabifyDockWidget(m_descriptionDock, m_historyDock);

    // The live sequence diagram along the bottom; its selection and the canvas's follow each other.
    m_sequenceDock = makeDock(tr("Sequence"), "sequenceDock", m_run->sequencePanel());
    addDockWidget(Qt::BottomDockWidgetArea, m_sequenceDock);
    connect(m_run->sequencePanel(), &SequencePanel::nodeClicked, this, &MainWindow::selectNode);

    // Behind it, in tabs: the run summary, the event log and the charts (figures over virtual time).
    // Tabs rather than a split: the diagram and the charts both need the window's width for a
    // lifeline or a series per node.
    m_summaryDock = makeDock(tr("Run summary"), "summaryDock", m_run->summaryPane());
    addDockWidget(Qt::BottomDockWidgetArea, m_summaryDock);
    tabifyDockWidget(m_sequenceDock, m_summaryDock);
    m_eventDock = makeDock(tr("Event log"), "eventLogDock", m_run->eventPane());
    addDockWidget(Qt::BottomDockWidgetArea, m_eventDock);
    tabifyDockWidget(m_summaryDock, m_eventDock);
    m_chartDock = makeDock(tr("Charts"), "chartsDock", m_run->chartPanel());
    addDockWidget(Qt::BottomDockWidgetArea, m_chartDock);
    tabifyDockWidget(m_eventDock, m_chartDock);
    // The fault plan's timeline wants the bottom row's width too (time runs along it).
    m_faultsDock = makeDock(tr("Faults"), "faultsDock", m_faultsPanel);
    addDockWidget(Qt::BottomDockWidgetArea, m_faultsDock);
    tabifyDockWidget(m_chartDock, m_faultsDock);
    // The routing inspector: where a message would go, drawn on the canvas while its tab shows.
    m_routing = new RoutingInspector(m_document, this);
    m_routing->setObjectName(QStringLiteral("routingInspector"));
    m_routingDock = makeDock(tr("Routing"), "routingDock", m_routing);
    addDockWidget(Qt::BottomDockWidgetArea, m_routingDock);
    tabifyDockWidget(m_faultsDock, m_routingDock);
    const auto showRoute = [this] {
        QHash<QString, CanvasScene::RouteMark> links;
        QHash<QString, QString> notes;
        if (m_routingDock->isVisible() && !m_routingDock->visibleRegion().isEmpty()) {
            const auto marks = m_routing->linkMarks();
            for (auto it = marks.cbegin(); it != marks.cend(); ++it)
                links.insert(it.key(), {it->taken, it->why});
            notes = m_routing->nodeNotes();
        }
        m_canvasScene->setRouteMarks(links, notes);
    };
    connect(m_routing, &RoutingInspector::routeChanged, this, showRoute);
    connect(m_routingDock, &QDockWidget::visibilityChanged, this, showRoute);
    // A message picked on the sequence diagram: its routing key, key, headers and fields, from
    // the node that published it.
    connect(m_run->sequencePanel(), &SequencePanel::messageSelected, this,
            [this](quint64 id, const QStringList &) {
                if (!m_routingDock->isVisible() || m_routingDock->visibleRegion().isEmpty()) return;
                const auto info = m_engine->message(id);
                if (!info) return;
                const QStringList ids = m_engine->nodeIds();
                const QString producer =
                    info->producer < std::size_t(ids.size()) ? ids[int(info->producer)] : QString();
                m_routing->setMessage(*info, producer);
            });

    m_paletteDock->raise();
    m_propertyDock->raise();
    m_sequenceDock->raise();
    for (QDockWidget *dock :
         {m_paletteDock, m_nodesDock, m_propertyDock, m_descriptionDock, m_historyDock, m_sequenceDock,
          m_summaryDock, m_eventDock, m_chartDock, m_faultsDock, m_routingDock})
        m_viewMenu->addAction(dock->toggleViewAction());

    // Event sourcing, CQRS and sagas: with the run's tabs, hidden until a run has something for them.
    m_domainViews = new DomainViews(m_engine, m_run->sequencePanel(), this, this);
    const std::pair<DomainViews::View, QString> domainDocks[] = {
        {DomainViews::View::EventStore, tr("Event store")},
        {DomainViews::View::ReadModels, tr("Read models")},
        {DomainViews::View::Sagas, tr("Sagas")}};
    const char *const domainDockNames[] = {"eventStoreDock", "readModelDock", "sagaDock"};
    for (int i = 0; i < 3; ++i) {
        QDockWidget *dock =
            makeDock(domainDocks[i].second, domainDockNames[i], m_domainViews->widget(domainDocks[i].first));
        addDockWidget(Qt::BottomDockWidgetArea, dock);
        tabifyDockWidget(m_routingDock, dock);
        dock->hide();
        m_viewMenu->addAction(dock->toggleViewAction());
        m_domainDocks[i] = dock;
    }
    m_sequenceDock->raise(); // tabifying the docks above made the last one current
    connect(m_domainViews, &DomainViews::wanted, this,
            [this](DomainViews::View view, bool shown) { m_domainDocks[int(view)]->setVisible(shown); });
}

void MainWindow::createStatusBar()
{
    for (QLabel *label : m_run->statusLabels())
        statusBar()->addPermanentWidget(label);
}

// ---------------------------------------------------------------------------------------------
// Welcome page, examples, dropped files

void MainWindow::showWelcome()
{
    m_welcome->setRecentFiles(DocumentController::recentFiles());
    if (isWelcomeShown()) return;
    // The page has the window to itself; the docks come back as they were with a document.
    m_dockStateBeforeWelcome = saveState(kLayoutVersion);
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
    m_documentShown = true;
    if (isWelcomeShown()) {
        m_centralStack->setCurrentWidget(m_editorPage);
        restoreState(m_dockStateBeforeWelcome, kLayoutVersion);
        m_dockStateBeforeWelcome.clear();
    }
    m_topologyView->resizeColumnsToContents();
    QTimer::singleShot(0, m_canvasView, &CanvasView::fitToItems); // once the view has its size
}

void MainWindow::dragEnterEvent(QDragEnterEvent *event)
{
    if (!DocumentController::droppedFiles(event->mimeData()).isEmpty()) event->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent *event)
{
    const QStringList files = DocumentController::droppedFiles(event->mimeData());
    if (files.isEmpty()) return;
    event->acceptProposedAction();
    QTimer::singleShot(0, m_documents, [this, files] { m_documents->openDropped(files); });
}

// ---------------------------------------------------------------------------------------------
// The parts' API, as the window's

bool MainWindow::openFile(const QString &path)
{
    if (m_documents->openFile(path)) return true;
    // Nothing open yet (a file given at start that did not open): the welcome page, not an empty
    // editor that looks like a new topology.
    if (!m_documentShown) showWelcome();
    return false;
}

QString MainWindow::currentFile() const
{
    return m_documents->currentFile();
}

bool MainWindow::saveFile(const QString &path)
{
    return m_documents->saveFile(path);
}

void MainWindow::newDocument()
{
    m_documents->newDocument();
}

bool MainWindow::openExample(const QString &resourcePath)
{
    return m_documents->openExample(resourcePath);
}

void MainWindow::setAutosaveInterval(int ms)
{
    m_documents->setAutosaveInterval(ms);
}

int MainWindow::autosaveInterval() const
{
    return m_documents->autosaveInterval();
}

void MainWindow::autosaveNow()
{
    m_documents->autosaveNow();
}

RecoveryStore *MainWindow::recoveryStore() const
{
    return m_documents->recoveryStore();
}

QList<RecoveryStore::Recovery> MainWindow::recoverableWork() const
{
    return m_documents->recoverableWork();
}

bool MainWindow::recover(const QString &recoveryPath)
{
    return m_documents->recover(recoveryPath);
}

void MainWindow::offerRecovery()
{
    m_documents->offerRecovery();
}

SummaryModel *MainWindow::summaryModel() const
{
    return m_run->summaryModel();
}

EventLogModel *MainWindow::eventLogModel() const
{
    return m_run->eventLogModel();
}

SequencePanel *MainWindow::sequencePanel() const
{
    return m_run->sequencePanel();
}

ChartPanel *MainWindow::chartPanel() const
{
    return m_run->chartPanel();
}

QLineEdit *MainWindow::seedEdit() const
{
    return m_run->seedEdit();
}

QLineEdit *MainWindow::untilEdit() const
{
    return m_run->untilEdit();
}

QLineEdit *MainWindow::messagesEdit() const
{
    return m_run->messagesEdit();
}

void MainWindow::onDocumentReplaced(const QStringList &warnings)
{
    // Loading abandoned whatever was running.
    m_run->abandonRun();
    m_selectedNode.clear();
    m_selectedLink.clear();
    showDocument();
    updateDescription(warnings);
    m_run->resetRunViews();
}

// ---------------------------------------------------------------------------------------------
// Autosave and recovery

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

void MainWindow::readSettings()
{
    QSettings settings;
    if (!restoreGeometry(settings.value(kGeometryKey).toByteArray())) {
        // First start: most of the screen, at least 1280x860 where it fits.
        const QRect available = screen() ? screen()->availableGeometry() : QRect(0, 0, 1280, 860);
        resize(std::max(std::min(1280, available.width()), available.width() * 9 / 10),
               std::max(std::min(860, available.height()), available.height() * 9 / 10));
    }
    // No layout of this version saved: the default one, sized once the window has its size.
    m_defaultDocksPending = !restoreState(settings.value(kStateKey).toByteArray(), kLayoutVersion);
}

void MainWindow::showEvent(QShowEvent *event)
{
    QMainWindow::showEvent(event);
    if (!m_defaultDocksPending) return;
    m_defaultDocksPending = false;
    // The docks' sizes hold only once the layout has placed them at the window's own size.
    layout()->activate();
    resizeDefaultDocks();
}

void MainWindow::resizeDefaultDocks()
{
    // Narrow side panels; the bottom row tall enough for a run's first dozen messages.
    resizeDocks({m_paletteDock, m_propertyDock}, {180, 280}, Qt::Horizontal);
    resizeDocks({m_sequenceDock}, {std::max(kBottomDockHeight, height() * 3 / 10)}, Qt::Vertical);
}

void MainWindow::writeSettings() const
{
    QSettings settings;
    settings.setValue(kGeometryKey, saveGeometry());
    settings.setValue(kStateKey, m_dockStateBeforeWelcome.isEmpty() ? saveState(kLayoutVersion)
                                                                    : m_dockStateBeforeWelcome);
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    if (!m_documents->maybeSave()) {
        event->ignore();
        return;
    }
    m_run->abandonRun();
    writeSettings();
    m_documents->recoveryStore()->discard(); // saved or discarded: nothing to recover
    event->accept();
}

void MainWindow::updateTitle()
{
    const QString file = m_documents->currentFile();
    const QString name = file.isEmpty() ? tr("untitled") : QFileInfo(file).fileName();
    setWindowTitle(tr("Signalbox — %1[*]").arg(name));
    setWindowModified(m_document->isModified());
}

void MainWindow::onNewTriggered()
{
    newDocument();
}

void MainWindow::onSaveTriggered()
{
    saveFile();
}

void MainWindow::onCopyTriggered()
{
    m_documents->copy(selectedNodeIds());
}

void MainWindow::onCutTriggered()
{
    m_documents->cut(selectedNodeIds());
}

void MainWindow::onPasteTriggered()
{
    const QStringList pasted = m_documents->paste();
    if (!pasted.isEmpty()) selectPasted(pasted);
}

void MainWindow::onDuplicateTriggered()
{
    const QStringList pasted = m_documents->duplicate(selectedNodeIds());
    if (!pasted.isEmpty()) selectPasted(pasted);
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

QStringList MainWindow::selectedNodeIds() const
{
    QStringList ids = m_canvasScene->selectedNodeIds();
    if (ids.isEmpty() && !m_selectedNode.isEmpty()) ids << m_selectedNode;
    return ids;
}

QStringList MainWindow::selectedLinkIds() const
{
    QStringList ids = m_canvasScene->selectedLinkIds();
    if (ids.isEmpty() && !m_selectedLink.isEmpty()) ids << m_selectedLink;
    return ids;
}

void MainWindow::selectPasted(const QStringList &nodeIds)
{
    m_canvasScene->clearSelection();
    for (const QString &id : nodeIds)
        if (auto *item = m_canvasScene->nodeItem(id)) item->setSelected(true);
}

void MainWindow::onGenerateOverlayTriggered()
{
    OverlayDialog dialog(this);
    if (dialog.exec() != QDialog::Accepted) return;
    QString error;
    const QByteArray json = dialog.topologyJson(&error);
    if (json.isEmpty() || addOverlay(json, &error).isEmpty())
        QMessageBox::warning(this, tr("Generate Overlay"), tr("The overlay was not added: %1").arg(error));
}

QStringList MainWindow::addOverlay(const QByteArray &topologyJson, QString *error)
{
    // Beside what is there: right of the rightmost node, top-aligned with the topmost one.
    QPointF offset(0, 0);
    const Topology &t = m_document->topology();
    if (!t.nodes.empty()) {
        double right = t.nodes.front().position.x, top = t.nodes.front().position.y;
        for (const NodeDef &n : t.nodes) {
            right = std::max(right, n.position.x);
            top = std::min(top, n.position.y);
        }
        offset = QPointF(right + 300, top);
    }
    int peers = 0;
    if (const LoadResult r = parseTopology(topologyJson.toStdString(), "overlay"); r.ok()) {
        peers = int(r.topology->nodes.size());
        // The overlay's own origin at the offset.
        double left = 0, up = 0;
        if (!r.topology->nodes.empty()) {
            left = r.topology->nodes.front().position.x;
            up = r.topology->nodes.front().position.y;
            for (const NodeDef &n : r.topology->nodes) {
                left = std::min(left, n.position.x);
                up = std::min(up, n.position.y);
            }
        }
        if (!t.nodes.empty()) offset -= QPointF(left, up);
    }
    const QStringList ids =
        m_document->paste(topologyJson, offset, error, tr("Add overlay (%n peer(s))", nullptr, peers));
    if (ids.isEmpty()) return ids;
    if (isWelcomeShown()) showDocument();
    QTimer::singleShot(0, m_canvasView, &CanvasView::fitToItems);
    statusBar()->showMessage(tr("Added an overlay of %n peer(s)", nullptr, int(ids.size())), 5000);
    return ids;
}

void MainWindow::onArrangeSupervisionTriggered()
{
    QString error;
    if (!arrangeSupervisionTree(&error)) statusBar()->showMessage(error, 5000);
}

bool MainWindow::arrangeSupervisionTree(QString *error)
{
    const Topology &t = m_document->topology();
    const SupervisionLayout layout = supervisionLayout(t);
    if (layout.trees == 0) {
        if (error) *error = tr("There is no supervisor: no supervision tree to arrange.");
        return false;
    }
    // Every node the layout places, in one undo step (a finished move merges with nothing).
    std::map<std::string, MoveCommand::Step> steps;
    bool moved = false;
    for (const auto &[id, to] : layout.positions)
        if (const NodeDef *n = m_document->node(QString::fromStdString(id))) {
            steps[id] = {n->position, to};
            moved = moved || !(n->position == to);
        }
    if (!moved) {
        statusBar()->showMessage(tr("The supervision tree is arranged already"), 5000);
        return true;
    }
    auto *command = new MoveCommand(m_document, std::move(steps), true);
    command->setText(tr("Arrange supervision tree"));
    m_document->undoStack()->push(command);
    QTimer::singleShot(0, m_canvasView, &CanvasView::fitToItems);
    statusBar()->showMessage(tr("Arranged %n supervision tree(s)", nullptr, int(layout.trees)), 5000);
    return true;
}

void MainWindow::onSelectAllTriggered()
{
    for (QGraphicsItem *item : m_canvasScene->items())
        if (item->flags() & QGraphicsItem::ItemIsSelectable) item->setSelected(true);
}

void MainWindow::onDocumentChanged()
{
    // A refused link's reason goes once an edit (a link that worked, say) succeeded.
    if (!m_refusal.isEmpty() && statusBar()->currentMessage() == m_refusal) statusBar()->clearMessage();
    m_refusal.clear();
    m_topologyModel->setTopology(m_document->topology());
    if (!m_selectedNode.isEmpty() && !m_document->node(m_selectedNode)) m_selectedNode.clear();
    if (!m_selectedLink.isEmpty() && !m_document->link(m_selectedLink)) m_selectedLink.clear();
    if (!m_selectedFault.isEmpty() && !m_document->fault(m_selectedFault)) m_selectedFault.clear();
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
    if (m_run) m_run->followDocument();
}

void MainWindow::selectFault(const QString &faultId)
{
    if (faultId == m_selectedFault) return;
    m_selectedFault = m_document->fault(faultId) ? faultId : QString();
    m_faultsPanel->timeline()->selectFault(m_selectedFault);
    if (!m_selectedFault.isEmpty()) m_propertyDock->raise();
    showProperties();
}

void MainWindow::selectNode(const QString &nodeId)
{
    if (!m_document->node(nodeId)) return;
    selectFault({});
    m_selectedNode = nodeId;
    m_selectedLink.clear();
    m_propertyDock->raise();
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
    selectFault({});
    m_selectedLink = linkId;
    m_selectedNode.clear();
    m_propertyDock->raise();
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
PropertySpec bindingKeysSpec(const std::string &exchangeType, bool https = false)
{
    PropertySpec p;
    p.key = MainWindow::kBindingKeysProperty;
    if (exchangeType == "sns") {
        // An SNS subscription's attributes, validated as typed with AWS's rules.
        p.label = MainWindow::tr("Subscription attributes").toStdString();
        p.type = PropertyType::StringList;
        p.defaultValue = Json::array();
        p.help =
            "One line of JSON with AWS's attribute names: FilterPolicy (e.g. {\"country\": [\"DE\", "
            "{\"prefix\": \"F\"}]}), FilterPolicyScope (MessageAttributes or MessageBody), "
            "RawMessageDelivery, DeliveryPolicy (HTTP/S), RedrivePolicy ({\"deadLetterTargetArn\": queue}).";
        p.check = [https](const Json &value) -> std::string {
            if (value.size() > 1) return "one line of attributes, not " + std::to_string(value.size());
            for (const auto &line : value) {
                Json arguments;
                const std::string why = snsSubscriptionFromText(line.get<std::string>(), https, arguments);
                if (!why.empty()) return why;
            }
            return {};
        };
        return p;
    }
    p.label = exchangeType == "headers" ? MainWindow::tr("Binding arguments").toStdString()
                                        : MainWindow::tr("Binding keys").toStdString();
    p.type = PropertyType::StringList;
    p.defaultValue = Json::array();
    if (exchangeType == "headers") {
        p.help = "One binding per line, its arguments as name=value pairs separated by commas; a name alone "
                 "asks only that the header be present. x-match=all (the default) needs every header equal, "
                 "x-match=any one of them (e.g. x-match=any, format=zip, type=log).";
        p.check = [](const Json &value) -> std::string {
            for (const auto &line : value) {
                Json arguments;
                std::string why = HeadersBinding::fromText(line.get<std::string>(), arguments);
                if (why.empty()) why = HeadersBinding::check(arguments);
                if (!why.empty()) return "'" + line.get<std::string>() + "': " + why;
            }
            return {};
        };
        return p;
    }
    // The exchange's own rule, shown as the key is typed (RabbitMQ's, for a topic exchange).
    p.check = [exchangeType](const Json &value) -> std::string {
        for (const auto &key : value) {
            const std::string why = checkBindingKey(exchangeType, key.get<std::string>());
            if (!why.empty()) return why;
        }
        return {};
    };
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
    if (const FaultDef *fault = m_selectedFault.isEmpty() ? nullptr : m_document->fault(m_selectedFault)) {
        const FaultKindSpec *kind = KindRegistry::builtin().findFault(fault->kind);
        const QString title =
            tr("Fault \u201c%1\u201d: %2")
                .arg(m_selectedFault, QString::fromStdString(kind ? kind->label : fault->kind));
        m_propertyEditor->clearIdentity();
        // The same rows (kind and target type unchanged): only the values, so a field keeps its focus.
        const std::vector<PropertySpec> specs = faultFormSpecs(*m_document, *fault);
        const auto &shown = m_propertyEditor->specs();
        const bool sameRows =
            m_propertyEditor->title() == title && shown.size() == specs.size() &&
            std::equal(specs.begin(), specs.end(), shown.begin(),
                       [](const PropertySpec &a, const PropertySpec &b) { return a.key == b.key; });
        if (sameRows)
            m_propertyEditor->setValues(faultFormValues(*fault));
        else
            m_propertyEditor->setSchema(title, specs, faultFormValues(*fault));
        m_propertyEditor->setRunInfo({}, {});
        return;
    }
    if (const LinkDef *link = m_selectedLink.isEmpty() ? nullptr : m_document->link(m_selectedLink)) {
        std::vector<PropertySpec> specs = KindRegistry::builtin().linkProperties();
        Json values = link->properties;
        const NodeDef *from = m_document->node(QString::fromStdString(link->from));
        if (from && from->kind == "sns-topic" && (link->fromPort == "sqs" || link->fromPort == "https")) {
            specs.push_back(bindingKeysSpec("sns", link->fromPort == "https"));
            Json lines = Json::array();
            for (const QString &k :
                 m_document->bindings(QString::fromStdString(link->from), QString::fromStdString(link->to)))
                lines.push_back(k.toStdString());
            if (!lines.empty()) values[kBindingKeysProperty] = lines;
        }
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
        m_propertyEditor->clearIdentity();
        const QString title = tr("Link \u201c%1\u201d").arg(m_selectedLink);
        if (m_propertyEditor->title() == title)
            m_propertyEditor->setValues(values);
        else
            m_propertyEditor->setSchema(title, specs, values);
        m_propertyEditor->setRunInfo({}, {});
        return;
    }
    const NodeDef *node = m_selectedNode.isEmpty() ? nullptr : m_document->node(m_selectedNode);
    const NodeKindSpec *spec = node ? KindRegistry::builtin().find(node->kind) : nullptr;
    if (!spec) {
        m_propertyEditor->clear();
        return;
    }
    m_propertyEditor->setIdentity(
        m_selectedNode, QString::fromStdString(node->name),
        [this, id = m_selectedNode](const QString &t) { return m_document->checkNodeId(id, t); });
    const QString title = tr("%1 \u201c%2\u201d").arg(QString::fromStdString(spec->label), m_selectedNode);
    // The node's local clock, under its own heading: rows keyed "clock.offset", ...
    const PropertySection clock{tr("Clock"), QStringLiteral("clock"),
                                KindRegistry::builtin().clockProperties()};
    Json values = node->properties;
    values.update(clock.prefixed(node->clock));
    if (m_propertyEditor->title() == title)
        m_propertyEditor->setValues(values);
    else
        m_propertyEditor->setSchema(title, spec->properties, values, {clock});
    showRunInfo();
}

void MainWindow::showRunInfo()
{
    // Only under a node's form (a selected fault or link shows theirs).
    const bool nodeShown = m_selectedFault.isEmpty() && m_selectedLink.isEmpty() && !m_selectedNode.isEmpty();
    const LiveLogs &logs = m_canvasScene->live().logs();
    QStringList lines;
    QString title;
    if (nodeShown && logs.isActive()) {
        if (logs.isTopic(m_selectedNode)) {
            title = tr("Consumer groups in the run");
            for (const LiveLogs::Group &g : logs.groups(m_selectedNode))
                lines << tr("%1; lag %2").arg(LiveLogs::assignmentText(g)).arg(g.lag);
        } else {
            title = tr("Consumer group in the run");
            lines = logs.memberLines(m_selectedNode);
        }
    }
    const QString problem = nodeShown ? m_canvasScene->nodeProblem(m_selectedNode) : QString();
    if (!problem.isEmpty()) {
        title = tr("Taken out of the run");
        lines = QStringList{problem} + lines;
    }
    m_propertyEditor->setNodeProblem(problem);
    m_propertyEditor->setRunInfo(title, lines);
}

void MainWindow::onKindActivated(const QString &kind, const QString &templateId)
{
    // The keyboard way to add: the node lands in the middle of what the canvas shows, nudged so
    // that several added in a row do not hide each other.
    const std::size_t n = m_document->topology().nodes.size();
    const QPointF centre = m_canvasView->mapToScene(m_canvasView->viewport()->rect().center());
    const QPointF position = centre + QPointF(double(n % 4) * 30.0 - 70.0, double(n % 4) * 30.0 - 28.0);
    QString error;
    const QString id = templateId.isEmpty() ? m_document->addNode(kind, position, &error)
                                            : m_document->addNodeFromTemplate(templateId, position, &error);
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
    if (!m_selectedFault.isEmpty()) {
        ok = editFault(*m_document, m_selectedFault, key, value, &error);
    } else if (const LinkDef *link = m_selectedLink.isEmpty() ? nullptr : m_document->link(m_selectedLink)) {
        if (key == QLatin1String(kBindingKeysProperty)) {
            QStringList keys;
            for (const auto &k : value)
                keys << QString::fromStdString(k.get<std::string>());
            ok = m_document->setBindingKeys(QString::fromStdString(link->from),
                                            QString::fromStdString(link->to), keys, &error);
            // RabbitMQ takes a '*' or '#' inside a word literally: accepted, but likely a mistake.
            const NodeDef *exchange = m_document->node(QString::fromStdString(link->from));
            if (ok && exchange && exchange->properties.value("type", std::string("direct")) == "topic")
                for (const QString &k : keys)
                    for (const auto &issue : checkFilter(Dialect::Amqp, k.toStdString()))
                        statusBar()->showMessage(tr("Binding key \u201c%1\u201d: %2")
                                                     .arg(k, QString::fromStdString(issue.message)),
                                                 10000);
        } else {
            ok = m_document->setLinkProperty(m_selectedLink, key, value, &error);
            // While a run is on, the link's network changes in the engine too (a live change).
            if (ok) m_run->applyLinkPropertyLive(m_selectedLink);
        }
    } else if (key.startsWith(QLatin1String("clock."))) {
        ok = m_document->setNodeClock(m_selectedNode, key.mid(6), value, &error);
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
    if (!m_selectedFault.isEmpty()) {
        ok = editFault(*m_document, m_selectedFault, key, std::nullopt, &error);
        if (!ok) showProperties();
    } else if (const LinkDef *link = m_selectedLink.isEmpty() ? nullptr : m_document->link(m_selectedLink)) {
        ok = key == QLatin1String(kBindingKeysProperty)
                 ? m_document->setBindingKeys(QString::fromStdString(link->from),
                                              QString::fromStdString(link->to), {}, &error)
                 : m_document->resetLinkProperty(m_selectedLink, key, &error);
        if (ok && key != QLatin1String(kBindingKeysProperty)) m_run->applyLinkPropertyLive(m_selectedLink);
    } else if (key.startsWith(QLatin1String("clock."))) {
        ok = m_document->resetNodeClock(m_selectedNode, key.mid(6), &error);
    } else {
        ok = m_document->resetNodeProperty(m_selectedNode, key, &error);
    }
    if (!ok) statusBar()->showMessage(error, 8000);
}

void MainWindow::onRecentFileTriggered()
{
    if (auto *action = qobject_cast<QAction *>(sender())) openFile(action->data().toString());
}

void MainWindow::onClearRecentTriggered()
{
    DocumentController::clearRecentFiles();
    updateRecentMenu();
}

void MainWindow::updateRecentMenu()
{
    m_recentMenu->clear();
    const QStringList files = DocumentController::recentFiles();
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
    const Topology &t = m_topologyModel->topology();
    if (!m_documentShown && t.nodes.empty()) {
        m_description->setHtml(tr("<p>No topology is open.</p>"
                                  "<p>Open a topology file with <b>File › Open…</b> (Ctrl+O); the "
                                  "examples folder has some to start from.</p>"));
        return;
    }
    const QString file = m_documents->currentFile();
    const QString name = !t.name.empty()  ? QString::fromStdString(t.name)
                         : file.isEmpty() ? tr("Untitled topology")
                                          : QFileInfo(file).completeBaseName();
    QString html = QStringLiteral("<h3>%1</h3>").arg(name.toHtmlEscaped());
    if (t.nodes.empty())
        html += tr("<p>An empty topology: drag a node kind from the <b>Palette</b> onto the canvas to "
                   "add a node.</p>");
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

// ---------------------------------------------------------------------------------------------
// Live faults on the selection

void MainWindow::onCanvasContextMenu(const QPoint &screenPos)
{
    QMenu menu(this);
    const bool nodes = !m_canvasScene->selectedNodeIds().isEmpty();
    const bool links = !m_canvasScene->selectedLinkIds().isEmpty();
    if (m_engine->acceptsLiveChanges() && (nodes || links)) {
        if (links) menu.addAction(m_run->linkDownAction());
        if (nodes) {
            menu.addAction(m_run->crashAction());
            menu.addAction(m_run->pauseNodeAction());
        }
    }
    if (m_engine->acceptsLiveChanges()) {
        m_run->addFaultMenus(&menu);
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

    m_run->updateFaultActions();
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

void MainWindow::updateActions()
{
    m_arrangeSupervisionAction->setEnabled(hasSupervisor(m_document->topology()));
    m_run->updateRunActions();
    updateSelectionActions();
}

} // namespace sb
