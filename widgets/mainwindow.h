#pragma once
// The workbench window: open, edit and save a topology (every edit an undo step on the
// TopologyDocument), run it on the engine thread and read the run summary and the event log.
// Finished runs are kept in the run store. The window lays out and wires its parts: the
// DocumentController (files, recovery, clipboard) and the RunController (run controls, live faults,
// status-bar figures, run views and the run store).
#include "documentcontroller.h"
#include "enginehost.h"
#include "recoverystore.h"
#include "theme.h"

#include <QMainWindow>

class QAction;
class QDockWidget;
class QActionGroup;
class QLineEdit;
class QMenu;
class QStackedWidget;
class QTableView;
class QTextBrowser;

namespace sb {

class CanvasScene;
class DomainViews;
class ChartPanel;
class CanvasView;
class EventLogModel;
class FaultsPanel;
class RoutingInspector;
class Palette;
class PropertyEditor;
class RunController;
class TopologyDocument;
class SummaryModel;
class TopologyModel;
class SequencePanel;
class WelcomePage;

class MainWindow : public QMainWindow {
    Q_OBJECT

public:
    explicit MainWindow(QWidget *parent = nullptr);
    ~MainWindow() override;

    // Loads a topology file and shows it. On failure shows every problem found (non-modally) and
    // keeps the current document.
    bool openFile(const QString &path);
    QString currentFile() const;
    // Writes the document to `path` atomically (QSaveFile); on failure says why and keeps the
    // document modified. An empty path means the current file.
    bool saveFile(const QString &path = {});
    // Starts an empty, untitled topology.
    void newDocument();
    // Shows `nodeId`'s properties in the property panel (and selects it in the node table).
    void selectNode(const QString &nodeId);
    // Shows a link's network properties, and for a link from an exchange its binding keys.
    void selectLink(const QString &linkId);

    TopologyDocument *document() const { return m_document; }
    CanvasScene *canvasScene() const { return m_canvasScene; }
    CanvasView *canvasView() const { return m_canvasView; }
    Palette *palette() const { return m_palette; }
    PropertyEditor *propertyEditor() const { return m_propertyEditor; }
    // Shows fault `faultId` of the plan in the property panel (and selects its bar in the Faults dock).
    void selectFault(const QString &faultId);
    FaultsPanel *faultsPanel() const { return m_faultsPanel; }
    RoutingInspector *routingInspector() const { return m_routing; }
    QDockWidget *routingDock() const { return m_routingDock; }
    QString selectedFault() const { return m_selectedFault; }
    QString selectedNode() const { return m_selectedNode; }
    QString selectedLink() const { return m_selectedLink; }
    // The pseudo-property under which a link's binding keys are edited.
    static constexpr const char *kBindingKeysProperty = "bindingKeys";

    EngineHost *engine() const { return m_engine; }
    TopologyModel *topologyModel() const { return m_topologyModel; }
    SummaryModel *summaryModel() const;
    EventLogModel *eventLogModel() const;
    SequencePanel *sequencePanel() const;
    ChartPanel *chartPanel() const;
    DocumentController *documentController() const { return m_documents; }
    RunController *runController() const { return m_run; }
    // The event store browser, read-model and saga views (and their docks, hidden until a run has them).
    DomainViews *domainViews() const { return m_domainViews; }

    // The welcome page (new, open, recent files, examples gallery) in place of the canvas; any
    // open or new document replaces it.
    void showWelcome();
    bool isWelcomeShown() const;
    WelcomePage *welcomePage() const { return m_welcome; }
    // Opens a bundled example (":/examples/NAME.json") as a new, untitled topology: saving asks
    // for a file name, so the bundled copy never changes.
    bool openExample(const QString &resourcePath);

    // Autosave: unsaved work goes to this window's recovery file every autosaveInterval() ms (and
    // the file is removed once the work is saved or discarded).
    static constexpr int kDefaultAutosaveInterval = DocumentController::kDefaultAutosaveInterval;
    void setAutosaveInterval(int ms);
    int autosaveInterval() const;
    void autosaveNow();
    RecoveryStore *recoveryStore() const;
    // Work left by sessions that ended without saving it, newest first.
    QList<RecoveryStore::Recovery> recoverableWork() const;
    // Restores recovered work over the file it belongs to (or an empty document) as one undo
    // step, so the document shows as modified and Undo goes back to the saved file.
    bool recover(const QString &recoveryPath);
    // Asks, without blocking, whether to recover each piece of work left behind.
    void offerRecovery();

    void setTheme(Theme theme);
    // Applies the theme the settings keep (call before the first window shows).
    static void applySavedTheme();

    // The run settings the toolbar holds (seed, stop time, message budget); they edit the
    // document's run section.
    QLineEdit *seedEdit() const;
    QLineEdit *untilEdit() const;
    QLineEdit *messagesEdit() const;

    // Adds a generated peer-to-peer overlay (topology JSON from OverlayDialog::topologyJson or
    // `signalbox-cli overlay`) beside what the canvas holds, as one undo step; the new node ids.
    QStringList addOverlay(const QByteArray &topologyJson, QString *error = nullptr);
    // Edit > Arrange Supervision Tree: the supervision trees laid out top-down
    // (core/nodes/actors/supervisionlayout.h), every node moved in one undo step. False (with the
    // reason) when the topology has no supervisor.
    bool arrangeSupervisionTree(QString *error = nullptr);

    static constexpr int kMaxRecentFiles = DocumentController::kMaxRecentFiles;
    // The version of the build, e.g. "0.1.0".
    static QString version();

protected:
    void closeEvent(QCloseEvent *event) override;
    void showEvent(QShowEvent *event) override;
    void dragEnterEvent(QDragEnterEvent *event) override;
    void dropEvent(QDropEvent *event) override;

private slots:
    void onNewTriggered();
    void onSaveTriggered();
    void onDeleteTriggered();
    void onCopyTriggered();
    void onCutTriggered();
    void onPasteTriggered();
    void onDuplicateTriggered();
    void onSelectAllTriggered();
    void onGenerateOverlayTriggered();
    void onArrangeSupervisionTriggered();
    void onDocumentChanged();
    // Adds a node of `kind`, or from template `templateId` when one is given, where the canvas looks.
    void onKindActivated(const QString &kind, const QString &templateId = {});
    void onRecentFileTriggered();
    void onClearRecentTriggered();
    void onCanvasContextMenu(const QPoint &screenPos);
    void onAboutTriggered();

private:
    void createActions();
    void createMenus();
    void createToolBar();
    void createCentralWidget();
    void createDocks();
    void createStatusBar();
    void readSettings();
    // The default layout's dock sizes for the window's size.
    void resizeDefaultDocks();
    void writeSettings() const;

    // Not slots: a slot taking sb::Json would make moc need its metatype here.
    void onPropertyEdited(const QString &key, const sb::Json &value);
    void onPropertyReset(const QString &key);
    void updateTitle();
    void showProperties();
    // Under a topic's or consumer's properties: its consumer groups as the run shows them.
    void showRunInfo();
    // The nodes an edit command applies to: the canvas selection, else the selected node.
    QStringList selectedNodeIds() const;
    // The links a fault applies to: the canvas selection, else the selected link.
    QStringList selectedLinkIds() const;
    void selectPasted(const QStringList &nodeIds);
    void updateRecentMenu();
    void updateDescription(const QStringList &warnings);
    void updateActions();
    void updateSelectionActions();
    // After a document appears: shows the canvas and fits it.
    void showDocument();
    // A new document (opened, cleared or recovered) replaced the last: the selection and the
    // last run's views go.
    void onDocumentReplaced(const QStringList &warnings);

    EngineHost *m_engine = nullptr;
    DocumentController *m_documents = nullptr;
    RunController *m_run = nullptr;
    TopologyDocument *m_document = nullptr;
    CanvasScene *m_canvasScene = nullptr;
    CanvasView *m_canvasView = nullptr;
    Palette *m_palette = nullptr;
    PropertyEditor *m_propertyEditor = nullptr;
    FaultsPanel *m_faultsPanel = nullptr;
    RoutingInspector *m_routing = nullptr;
    QString m_selectedNode;
    QString m_selectedLink;
    QString m_selectedFault; // shown in the property panel while set
    TopologyModel *m_topologyModel = nullptr;

    QAction *m_newAction = nullptr;
    QAction *m_saveAction = nullptr;
    QAction *m_saveAsAction = nullptr;
    QAction *m_undoAction = nullptr;
    QAction *m_redoAction = nullptr;
    QAction *m_deleteAction = nullptr;
    QAction *m_cutAction = nullptr;
    QAction *m_copyAction = nullptr;
    QAction *m_pasteAction = nullptr;
    QAction *m_duplicateAction = nullptr;
    QAction *m_selectAllAction = nullptr;
    QAction *m_overlayAction = nullptr;
    QAction *m_arrangeSupervisionAction = nullptr;
    QAction *m_openAction = nullptr;
    QAction *m_quitAction = nullptr;
    QAction *m_snapAction = nullptr;
    QAction *m_welcomeAction = nullptr;
    QMenu *m_alignMenu = nullptr;
    QMenu *m_viewMenu = nullptr;
    QMenu *m_faultsMenu = nullptr;
    QActionGroup *m_themeGroup = nullptr;
    QAction *m_aboutAction = nullptr;
    QMenu *m_recentMenu = nullptr;
    QStackedWidget *m_centralStack = nullptr;
    QWidget *m_editorPage = nullptr;
    QByteArray m_dockStateBeforeWelcome; // the docks' layout while the welcome page hides them
    WelcomePage *m_welcome = nullptr;

    QTableView *m_topologyView = nullptr;
    QTextBrowser *m_description = nullptr;

    QDockWidget *m_paletteDock = nullptr;
    QDockWidget *m_nodesDock = nullptr;
    QDockWidget *m_propertyDock = nullptr;
    QDockWidget *m_descriptionDock = nullptr;
    QDockWidget *m_historyDock = nullptr;
    QDockWidget *m_summaryDock = nullptr;
    QDockWidget *m_eventDock = nullptr;
    QDockWidget *m_sequenceDock = nullptr;
    QDockWidget *m_chartDock = nullptr;
    QDockWidget *m_faultsDock = nullptr;
    QDockWidget *m_routingDock = nullptr;
    DomainViews *m_domainViews = nullptr;
    QDockWidget *m_domainDocks[3] = {}; // by DomainViews::View
    bool m_defaultDocksPending = false; // no saved layout: the default one is sized at the first show
    bool m_documentShown = false;       // a document (not the welcome page) was shown at least once
    QString m_refusal;                  // the reason a link was refused, while the status bar shows it
};

} // namespace sb
