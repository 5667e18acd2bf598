#pragma once
// The run side of the workbench: the run controls (run, pause, step, stop, speed, the seed, stop
// time and message fields), live faults on the selection, the status-bar figures, the run views
// (summary, event log, sequence diagram, charts) and the record of each run in the run store.
// The window places the actions and widgets this creates; it keeps none of the run's state.
#include "enginehost.h"

#include <QElapsedTimer>
#include <QObject>

#include <functional>
#include <memory>
#include <optional>

class QAction;
class QComboBox;
class QLabel;
class QLineEdit;
class QMenu;
class QTableView;
class QWidget;

namespace sb {

class CanvasScene;
class ChartPanel;
class EventFilterProxy;
class EventLogModel;
class LiveChangeModel;
class CheckModel;
class CallMethodModel;
class RunStore;
class SequencePanel;
class SummaryModel;
class TopologyDocument;

class RunController : public QObject {
    Q_OBJECT

public:
    // `widgetParent` parents the widgets (the window places them); `scene` is the canvas whose
    // selection the sequence diagram follows.
    RunController(EngineHost *engine, TopologyDocument *document, CanvasScene *scene, QWidget *widgetParent,
                  QObject *parent = nullptr);
    ~RunController() override;

    // What a live fault acts on: the selected nodes and links (the window knows the selection).
    void setSelectionProvider(std::function<QStringList()> nodes, std::function<QStringList()> links);
    // Keeps finished runs in the store at `dir`/runs.db; says once why when it cannot.
    void openRunStore(const QString &dir);
    bool hasRunStore() const { return m_runStore != nullptr; }

    // The controls, for the window's menus, toolbar and status bar.
    QAction *runAction() const { return m_runAction; }
    QAction *pauseAction() const { return m_pauseAction; }
    QAction *stepAction() const { return m_stepAction; }
    QAction *stopAction() const { return m_stopAction; }
    QAction *linkDownAction() const { return m_linkDownAction; }
    QAction *crashAction() const { return m_crashAction; }
    QAction *pauseNodeAction() const { return m_pauseNodeAction; }
    QComboBox *speedCombo() const { return m_speedCombo; }
    QLineEdit *seedEdit() const { return m_seedEdit; }
    QLineEdit *untilEdit() const { return m_untilEdit; }
    QLineEdit *messagesEdit() const { return m_messagesEdit; }
    QList<QLabel *> statusLabels() const;
    QLabel *rateLabel() const { return m_rateLabel; }

    // The run views, for the window's docks.
    QWidget *summaryPane() const { return m_summaryPane; }
    QWidget *eventPane() const { return m_eventPane; }
    SequencePanel *sequencePanel() const { return m_sequence; }
    ChartPanel *chartPanel() const { return m_chartPanel; }
    SummaryModel *summaryModel() const { return m_summaryModel; }
    LiveChangeModel *liveChangeModel() const { return m_liveChanges; }
    CheckModel *checkModel() const { return m_checks; }
    CallMethodModel *callMethodModel() const { return m_callMethods; }
    EventLogModel *eventLogModel() const { return m_eventLog; }

    double selectedSpeed() const;
    // Selects `speed` in the speed box, adding it when the presets lack it.
    void selectSpeed(double speed);
    // What the run request says from the toolbar: seed, stop time, messages and speed.
    EngineHost::RunRequest runRequest() const;

    // Enables the run controls for the engine's state and the document.
    void updateRunActions();
    // Enables and names the live faults for the selection.
    void updateFaultActions();
    // The document's run section into the toolbar fields.
    void updateRunSettings();
    // The views of the last run start over (the document's lifelines in the sequence diagram).
    void resetRunViews();
    // Before a run, the diagram's lifelines follow the document; after one, they stay the run's.
    void followDocument();
    // The canvas selection, highlighted in the sequence diagram.
    void syncSequenceSelection();
    // A run in progress is given up (another document replaced it, the window closes).
    void abandonRun();
    // While a run is on, a link's network changes in the engine too (a live change).
    void applyLinkPropertyLive(const QString &linkId);
    // While a run takes live changes: adds "Apply Fault Now" (the fault kinds for the selection:
    // link kinds for selected links, node kinds for selected nodes, nemeses over every node when
    // nothing is selected, each with its default parameters) and, when faults are active on the
    // selection (or anywhere, with nothing selected), "End Fault".
    void addFaultMenus(QMenu *menu);
    // Paused or crashed: a node a "resume" applies to.
    bool nodeStopped(const QString &nodeId) const;

signals:
    // A message for the status bar (0 ms: until replaced).
    void messagePosted(const QString &text, int timeoutMs);
    // The document cannot run: `problems` say why (`where` names the file).
    void runRefused(const QString &where, const QStringList &problems);

public slots:
    void onRunTriggered();
    void onPauseTriggered();
    void onStopTriggered();
    void onStepTriggered();
    void onLinkDownTriggered();
    void onCrashTriggered();
    void onPauseNodeTriggered();

private slots:
    void onRunSettingEdited();
    void onSpeedChanged(int index);
    void onEngineStateChanged(sb::EngineHost::State state);
    void onEventsArrived(const std::vector<sb::TraceEvent> &events);
    void onProgressed(qint64 virtualTimeNs, quint64 eventsProcessed);
    void onRunFinished(const sb::RunSummary &summary);
    void onFilterTextChanged(const QString &text);

private:
    void createActions(QWidget *styleSource);
    void createFields(QWidget *parent);
    void createStatusLabels(QWidget *parent);
    void createViews(QWidget *parent);
    QStringList selectedNodes() const;
    QStringList selectedLinks() const;
    // Loads the document into the engine for a run from the beginning; false when it cannot run.
    bool prepareRun();
    // The sequence diagram: a fresh history for a run, lifelines in canvas order; checker marks.
    void resetSequence(const Topology &topology);
    void annotateSequence(const RunSummary &summary);
    void updateEventCount();
    void recordRunStarted();
    void recordRunFinished(const RunSummary *summary);

    EngineHost *m_engine = nullptr;
    TopologyDocument *m_document = nullptr;
    CanvasScene *m_canvasScene = nullptr;
    std::function<QStringList()> m_selectedNodes;
    std::function<QStringList()> m_selectedLinks;

    SummaryModel *m_summaryModel = nullptr;
    LiveChangeModel *m_liveChanges = nullptr;
    QTableView *m_liveChangeView = nullptr;
    CheckModel *m_checks = nullptr; // the run's checks; shown when one found something
    QTableView *m_checkView = nullptr;
    // For each row of the checks table, the index of its first finding on the sequence diagram
    // (-1: none there), so a double-click on a check shows where it happened.
    std::vector<int> m_firstFinding;
    CallMethodModel *m_callMethods = nullptr; // calls per client and method; shown for runs with calls
    QTableView *m_callMethodView = nullptr;
    EventLogModel *m_eventLog = nullptr;
    EventFilterProxy *m_eventFilter = nullptr;
    std::unique_ptr<RunStore> m_runStore; // null when the store could not be opened
    std::optional<qint64> m_runId;        // the run being recorded

    QAction *m_runAction = nullptr;
    QAction *m_pauseAction = nullptr;
    QAction *m_stopAction = nullptr;
    QAction *m_stepAction = nullptr;
    QAction *m_linkDownAction = nullptr;
    QAction *m_crashAction = nullptr;
    QAction *m_pauseNodeAction = nullptr;
    QComboBox *m_speedCombo = nullptr;
    QLineEdit *m_seedEdit = nullptr;
    QLineEdit *m_untilEdit = nullptr;
    QLineEdit *m_messagesEdit = nullptr;

    QWidget *m_summaryPane = nullptr;
    QTableView *m_summaryView = nullptr;
    QLabel *m_runHeadline = nullptr;
    QLabel *m_deliveryCheck = nullptr;
    QWidget *m_eventPane = nullptr;
    QTableView *m_eventView = nullptr;
    QLineEdit *m_filterEdit = nullptr;
    QLabel *m_eventCount = nullptr;
    SequencePanel *m_sequence = nullptr;
    bool m_syncingSelection = false; // the diagram and the canvas selecting each other
    ChartPanel *m_chartPanel = nullptr;

    QLabel *m_timeLabel = nullptr;
    QLabel *m_rateLabel = nullptr;
    QLabel *m_inFlightLabel = nullptr;
    QLabel *m_stateLabel = nullptr;

    // Events per second over the last half second or so of wall time.
    QElapsedTimer m_rateClock;
    quint64 m_rateEvents = 0;
    quint64 m_progressEvents = 0;
};

} // namespace sb
