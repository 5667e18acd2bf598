#pragma once
// The workbench window: open, edit and save a topology (every edit an undo step on the
// TopologyDocument), run it on the engine thread and read the run summary and the event log.
// Finished runs are kept in the run store.
#include "enginehost.h"
#include "recoverystore.h"
#include "theme.h"

#include <QElapsedTimer>
#include <QMainWindow>

#include <memory>
#include <optional>

class QAction;
class QComboBox;
class QTimer;
class QDockWidget;
class QLabel;
class QActionGroup;
class QLineEdit;
class QMenu;
class QStackedWidget;
class QTableView;
class QTextBrowser;

namespace sb {

class CanvasScene;
class ChartPanel;
class CanvasView;
class EventFilterProxy;
class EventLogModel;
class Palette;
class PropertyEditor;
class TopologyDocument;
class RunStore;
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
    QString currentFile() const { return m_currentFile; }
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
    QString selectedNode() const { return m_selectedNode; }
    QString selectedLink() const { return m_selectedLink; }
    // The pseudo-property under which a link's binding keys are edited.
    static constexpr const char *kBindingKeysProperty = "bindingKeys";

    EngineHost *engine() const { return m_engine; }
    TopologyModel *topologyModel() const { return m_topologyModel; }
    SummaryModel *summaryModel() const { return m_summaryModel; }
    EventLogModel *eventLogModel() const { return m_eventLog; }
    SequencePanel *sequencePanel() const { return m_sequence; }
    ChartPanel *chartPanel() const { return m_chartPanel; }

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
    static constexpr int kDefaultAutosaveInterval = 30000;
    void setAutosaveInterval(int ms);
    int autosaveInterval() const;
    void autosaveNow();
    RecoveryStore *recoveryStore() const { return m_recovery.get(); }
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
    QLineEdit *seedEdit() const { return m_seedEdit; }
    QLineEdit *untilEdit() const { return m_untilEdit; }
    QLineEdit *messagesEdit() const { return m_messagesEdit; }

    static constexpr int kMaxRecentFiles = 8;
    // The version of the build, e.g. "0.1.0".
    static QString version();

protected:
    void closeEvent(QCloseEvent *event) override;
    void dragEnterEvent(QDragEnterEvent *event) override;
    void dropEvent(QDropEvent *event) override;

private slots:
    void onNewTriggered();
    void onSaveTriggered();
    void onSaveAsTriggered();
    void onDeleteTriggered();
    void onCopyTriggered();
    void onCutTriggered();
    void onPasteTriggered();
    void onDuplicateTriggered();
    void onSelectAllTriggered();
    void onDocumentChanged();
    void onKindActivated(const QString &kind);
    void onOpenTriggered();
    void onRecentFileTriggered();
    void onClearRecentTriggered();
    void onRunTriggered();
    void onPauseTriggered();
    void onStopTriggered();
    void onStepTriggered();
    void onRunSettingEdited();
    void onLinkDownTriggered();
    void onCrashTriggered();
    void onPauseNodeTriggered();
    void onCanvasContextMenu(const QPoint &screenPos);
    void onSpeedChanged(int index);
    void onAboutTriggered();
    void onEngineStateChanged(sb::EngineHost::State state);
    void onEventsArrived(const std::vector<sb::TraceEvent> &events);
    void onProgressed(qint64 virtualTimeNs, quint64 eventsProcessed);
    void onRunFinished(const sb::RunSummary &summary);
    void onFilterTextChanged(const QString &text);

private:
    void createActions();
    void createMenus();
    void createToolBar();
    void createCentralWidget();
    void createDocks();
    void createStatusBar();
    void openRunStore();
    void readSettings();
    void writeSettings() const;

    void showLoadError(const QString &path, const QStringList &problems);
    // Not slots: a slot taking sb::Json would make moc need its metatype here.
    void onPropertyEdited(const QString &key, const sb::Json &value);
    void onPropertyReset(const QString &key);
    // Asks whether to save unsaved changes; false when the user cancels.
    bool maybeSave();
    void updateTitle();
    void showProperties();
    // The nodes an edit command applies to: the canvas selection, else the selected node.
    QStringList selectedNodeIds() const;
    // Paused or crashed: a node a "resume" applies to.
    bool nodeStopped(const QString &nodeId) const;
    // Makes `topology` the document (saved as `filePath`, empty: untitled) after the engine took it;
    // `where` names it in an error. The last run's views are reset.
    bool adoptTopology(const Topology &topology, const QString &filePath, const QString &where,
                       const QStringList &warnings);
    void selectPasted(const QStringList &nodeIds);
    void addRecentFile(const QString &path);
    void updateRecentMenu();
    void updateDescription(const QStringList &warnings);
    void updateActions();
    void updateSelectionActions();
    void updateRunSettings();
    // What the run request says from the toolbar: seed, stop time, messages and speed.
    EngineHost::RunRequest runRequest() const;
    // Loads the document into the engine for a run from the beginning; false when it cannot run.
    bool prepareRun();
    // After a document appears: shows the canvas, fits it and resets the run views.
    void showDocument();
    void applyLinkPropertyLive(const QString &linkId);
    // The sequence diagram: a fresh history for a run, lifelines in canvas order; checker marks.
    void resetSequence(const Topology &topology);
    void annotateSequence(const RunSummary &summary);
    void syncSequenceSelection();
    void updateEventCount();
    void resetRunViews();
    double selectedSpeed() const;
    void selectSpeed(double speed);

    void recordRunStarted();
    void recordRunFinished(const RunSummary *summary);

    EngineHost *m_engine = nullptr;
    TopologyDocument *m_document = nullptr;
    CanvasScene *m_canvasScene = nullptr;
    CanvasView *m_canvasView = nullptr;
    Palette *m_palette = nullptr;
    PropertyEditor *m_propertyEditor = nullptr;
    QString m_selectedNode;
    QString m_selectedLink;
    TopologyModel *m_topologyModel = nullptr;
    SummaryModel *m_summaryModel = nullptr;
    EventLogModel *m_eventLog = nullptr;
    EventFilterProxy *m_eventFilter = nullptr;
    ChartPanel *m_chartPanel = nullptr;   // in the Charts dock
    std::unique_ptr<RunStore> m_runStore; // null when the store could not be opened
    std::optional<qint64> m_runId;        // the run being recorded

    QString m_currentFile;

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
    QAction *m_openAction = nullptr;
    QAction *m_quitAction = nullptr;
    QAction *m_runAction = nullptr;
    QAction *m_pauseAction = nullptr;
    QAction *m_stopAction = nullptr;
    QAction *m_stepAction = nullptr;
    QAction *m_linkDownAction = nullptr;
    QAction *m_crashAction = nullptr;
    QAction *m_pauseNodeAction = nullptr;
    QAction *m_snapAction = nullptr;
    QAction *m_welcomeAction = nullptr;
    QMenu *m_alignMenu = nullptr;
    QMenu *m_viewMenu = nullptr;
    QMenu *m_faultsMenu = nullptr;
    QActionGroup *m_themeGroup = nullptr;
    QAction *m_aboutAction = nullptr;
    QMenu *m_recentMenu = nullptr;
    QComboBox *m_speedCombo = nullptr;
    QLineEdit *m_seedEdit = nullptr;
    QLineEdit *m_untilEdit = nullptr;
    QLineEdit *m_messagesEdit = nullptr;
    QStackedWidget *m_centralStack = nullptr;
    QWidget *m_editorPage = nullptr;
    QByteArray m_dockStateBeforeWelcome; // the docks' layout while the welcome page hides them
    WelcomePage *m_welcome = nullptr;
    std::unique_ptr<RecoveryStore> m_recovery;
    QTimer *m_autosaveTimer = nullptr;

    QTableView *m_topologyView = nullptr;
    QTextBrowser *m_description = nullptr;
    QTableView *m_summaryView = nullptr;
    QLabel *m_runHeadline = nullptr;
    QLabel *m_deliveryCheck = nullptr;
    QTableView *m_eventView = nullptr;
    QLineEdit *m_filterEdit = nullptr;
    QLabel *m_eventCount = nullptr;

    QLabel *m_timeLabel = nullptr;
    QLabel *m_rateLabel = nullptr;
    QLabel *m_inFlightLabel = nullptr;
    QLabel *m_stateLabel = nullptr;

    QDockWidget *m_paletteDock = nullptr;
    QDockWidget *m_nodesDock = nullptr;
    QDockWidget *m_propertyDock = nullptr;
    QDockWidget *m_historyDock = nullptr;
    QDockWidget *m_summaryDock = nullptr;
    QDockWidget *m_eventDock = nullptr;
    QDockWidget *m_sequenceDock = nullptr;
    SequencePanel *m_sequence = nullptr;
    bool m_syncingSelection = false; // the diagram and the canvas selecting each other
    QDockWidget *m_chartDock = nullptr;

    // Events per second over the last half second or so of wall time.
    QElapsedTimer m_rateClock;
    quint64 m_rateEvents = 0;
    quint64 m_progressEvents = 0;
};

} // namespace sb
