#include "runcontroller.h"

#include "sequence.h"

#include "simtime.h"

#include "livestats.h"

#include "canvasitems.h"
#include "canvasscene.h"
#include "chartpanel.h"
#include "eventfilterproxy.h"
#include "eventlogmodel.h"
#include "faults/faultplan.h"
#include "runstore.h"
#include "sequencepanel.h"
#include "sequenceview.h"
#include "summarymodel.h"
#include "tableviews.h"
#include "topologydocument.h"

#include <QAction>
#include <QComboBox>
#include <QDir>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QMenu>
#include <QRegularExpressionValidator>
#include <QScrollBar>
#include <QStyle>
#include <QTableView>
#include <QThread>
#include <QVBoxLayout>
#include <QWidget>

#include <algorithm>
#include <cmath>

namespace sb {

namespace {

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

QString speedText(double speed)
{
    return speed > 0 ? QStringLiteral("%1x").arg(speed) : RunController::tr("Max");
}

// `hasNodes`: whether the document has something to run (the engine loads it when a run starts).
QString stateText(EngineHost::State state, bool hasNodes)
{
    switch (state) {
    case EngineHost::State::Empty:
        return hasNodes ? RunController::tr("Ready") : RunController::tr("Empty topology");
    case EngineHost::State::Ready:
        return RunController::tr("Ready");
    case EngineHost::State::Running:
        return RunController::tr("Running");
    case EngineHost::State::Pausing:
        return RunController::tr("Pausing…");
    case EngineHost::State::Paused:
        return RunController::tr("Paused");
    case EngineHost::State::Stopping:
        return RunController::tr("Stopping…");
    case EngineHost::State::Finished:
        return RunController::tr("Finished");
    }
    return {};
}

// The finished run's figures: events, wall time and the average rate over it, not the last
// instantaneous rate of a run that is no longer going.
QString finishedRateText(const RunSummary &summary)
{
    const QString events = QLocale().toString(static_cast<qint64>(summary.events));
    if (summary.wallSeconds <= 0) return RunController::tr("Finished: %1 events").arg(events);
    // Wall time as the virtual time reads ("2.3ms", "1.5s"): a fast run is over in milliseconds.
    // Three significant digits are all a wall clock is worth.
    const double seconds = std::min(summary.wallSeconds, 1e9);
    const double step = std::pow(10.0, std::floor(std::log10(seconds)) - 2);
    const auto wall = static_cast<SimTime>(std::llround(std::round(seconds / step) * step * 1e9));
    return RunController::tr("Finished: %1 events in %2 (%3 events/s)")
        .arg(events, QString::fromStdString(formatDuration(wall)),
             QLocale().toString(qRound64(static_cast<double>(summary.events) / summary.wallSeconds)));
}

// "1 node", "5 nodes": the app ships no translations, so tr()'s %n plurals would show "node(s)".
QString count(qint64 n, const char *one, const char *many)
{
    return QStringLiteral("%1 %2").arg(QLocale().toString(n), RunController::tr(n == 1 ? one : many));
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

RunController::RunController(EngineHost *engine, TopologyDocument *document, CanvasScene *scene,
                             QWidget *widgetParent, QObject *parent)
    : QObject(parent), m_engine(engine), m_document(document), m_canvasScene(scene)
{
    m_summaryModel = new SummaryModel(this);
    m_eventLog = new EventLogModel(EventLogModel::kDefaultCapacity, this);
    m_eventFilter = new EventFilterProxy(this);
    m_eventFilter->setSourceModel(m_eventLog);

    createActions(widgetParent);
    createFields(widgetParent);
    createStatusLabels(widgetParent);
    createViews(widgetParent);

    connect(m_engine, &EngineHost::stateChanged, this, &RunController::onEngineStateChanged);
    connect(m_engine, &EngineHost::eventsArrived, this, &RunController::onEventsArrived);
    connect(m_engine, &EngineHost::progressed, this, &RunController::onProgressed);
    connect(m_engine, &EngineHost::finished, this, &RunController::onRunFinished);
    connect(
        m_engine, &EngineHost::seriesArrived, this,
        [this](const std::shared_ptr<const TimeSeriesDelta> &delta) { m_chartPanel->appendDelta(*delta); });
    connect(m_engine, &EngineHost::faultsChanged, this, [this] {
        m_chartPanel->setFaultSpans(m_engine->faultSpans());
        // The sequence diagram names fault marks by the run's fault table: the plan's faults,
        // then those applied live, which only the engine's spans name.
        QHash<quint64, QString> names;
        const auto &plan = m_engine->topology().faults;
        for (std::size_t i = 0; i < plan.size(); ++i)
            names.insert(i, QString::fromStdString(sequenceFaultLabel(plan[i])));
        for (const FaultActivation &f : m_engine->faultSpans())
            names.insert(f.fault, QString::fromStdString(f.id + " (" + f.kind + ")"));
        m_sequence->setFaultNames([names](std::uint64_t i) { return names.value(i); });
    });
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
            [this](const QString &what) { Q_EMIT messagePosted(what, 5000); });
    connect(m_canvasScene, &CanvasScene::selectionChangedIds, this, &RunController::syncSequenceSelection);
    connect(m_document, &TopologyDocument::runSettingsChanged, this, &RunController::updateRunSettings);
    connect(m_document, &TopologyDocument::documentReset, this, &RunController::updateRunSettings);
    // Whether there is anything to run follows the document.
    for (auto signal : {&TopologyDocument::nodeAdded, &TopologyDocument::nodeRemoved})
        connect(m_document, signal, this, &RunController::updateRunActions);
    connect(m_document, &TopologyDocument::documentReset, this, &RunController::updateRunActions);
    updateRunActions();
}

RunController::~RunController() = default;

void RunController::setSelectionProvider(std::function<QStringList()> nodes,
                                         std::function<QStringList()> links)
{
    m_selectedNodes = std::move(nodes);
    m_selectedLinks = std::move(links);
}

QStringList RunController::selectedNodes() const
{
    return m_selectedNodes ? m_selectedNodes() : m_canvasScene->selectedNodeIds();
}

QStringList RunController::selectedLinks() const
{
    return m_selectedLinks ? m_selectedLinks() : m_canvasScene->selectedLinkIds();
}

QList<QLabel *> RunController::statusLabels() const
{
    return {m_timeLabel, m_rateLabel, m_inFlightLabel, m_stateLabel};
}

void RunController::createActions(QWidget *styleSource)
{
    const auto icon = [styleSource](QStyle::StandardPixmap pixmap) {
        return styleSource->style()->standardIcon(pixmap);
    };
    m_runAction = new QAction(icon(QStyle::SP_MediaPlay), tr("&Run"), this);
    m_runAction->setObjectName(QStringLiteral("runAction"));
    m_runAction->setShortcut(QKeySequence(Qt::Key_F5));
    m_runAction->setStatusTip(tr("Run the topology, or resume a paused run"));
    connect(m_runAction, &QAction::triggered, this, &RunController::onRunTriggered);

    m_pauseAction = new QAction(icon(QStyle::SP_MediaPause), tr("&Pause"), this);
    m_pauseAction->setObjectName(QStringLiteral("pauseAction"));
    m_pauseAction->setShortcut(QKeySequence(Qt::Key_F6));
    m_pauseAction->setStatusTip(tr("Pause the run; Run resumes it"));
    connect(m_pauseAction, &QAction::triggered, this, &RunController::onPauseTriggered);

    m_stopAction = new QAction(icon(QStyle::SP_MediaStop), tr("&Stop"), this);
    m_stopAction->setObjectName(QStringLiteral("stopAction"));
    m_stopAction->setShortcut(QKeySequence(Qt::SHIFT | Qt::Key_F5));
    m_stopAction->setStatusTip(tr("End the run and show its summary"));
    connect(m_stopAction, &QAction::triggered, this, &RunController::onStopTriggered);

    m_stepAction = new QAction(icon(QStyle::SP_MediaSeekForward), tr("S&tep"), this);
    m_stepAction->setObjectName(QStringLiteral("stepAction"));
    m_stepAction->setShortcut(QKeySequence(Qt::Key_F10));
    m_stepAction->setStatusTip(tr("Process the next event of the run, then pause"));
    connect(m_stepAction, &QAction::triggered, this, &RunController::onStepTriggered);

    // Live faults: they act on the selection while a run is in progress.
    m_linkDownAction = new QAction(tr("Take Link &Down"), this);
    m_linkDownAction->setObjectName(QStringLiteral("linkDownAction"));
    m_linkDownAction->setStatusTip(tr("Partition the selected link (frames on it are lost) or heal it"));
    connect(m_linkDownAction, &QAction::triggered, this, &RunController::onLinkDownTriggered);
    m_crashAction = new QAction(tr("&Crash Node"), this);
    m_crashAction->setObjectName(QStringLiteral("crashAction"));
    m_crashAction->setStatusTip(
        tr("Crash the selected node (it loses what it holds in memory) or restart it"));
    connect(m_crashAction, &QAction::triggered, this, &RunController::onCrashTriggered);
    m_pauseNodeAction = new QAction(tr("Pa&use Node"), this);
    m_pauseNodeAction->setObjectName(QStringLiteral("pauseNodeAction"));
    m_pauseNodeAction->setStatusTip(
        tr("Freeze the selected node like a stopped process (work for it waits) or resume it"));
    connect(m_pauseNodeAction, &QAction::triggered, this, &RunController::onPauseNodeTriggered);
}

void RunController::createFields(QWidget *parent)
{
    m_speedCombo = new QComboBox(parent);
    m_speedCombo->setObjectName(QStringLiteral("speedCombo"));
    m_speedCombo->setToolTip(tr("Virtual seconds per wall-clock second; Max runs as fast as possible"));
    for (const double speed : {1.0, 10.0, 100.0, 0.0})
        m_speedCombo->addItem(speedText(speed), speed);
    m_speedCombo->setCurrentIndex(m_speedCombo->count() - 1);
    connect(m_speedCombo, &QComboBox::currentIndexChanged, this, &RunController::onSpeedChanged);

    // Run settings: they belong to the topology (its "run" section), so editing one is an undo step.
    const auto makeField = [this, parent](const char *name, const QString &tip, int chars) {
        auto *edit = new QLineEdit(parent);
        edit->setObjectName(QLatin1String(name));
        edit->setToolTip(tip);
        edit->setMaximumWidth(edit->fontMetrics().horizontalAdvance(QLatin1Char('0')) * chars + 16);
        connect(edit, &QLineEdit::editingFinished, this, &RunController::onRunSettingEdited);
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
}

void RunController::createStatusLabels(QWidget *parent)
{
    m_timeLabel = new QLabel(parent);
    m_timeLabel->setObjectName(QStringLiteral("virtualTimeLabel"));
    m_rateLabel = new QLabel(parent);
    m_rateLabel->setObjectName(QStringLiteral("eventRateLabel"));
    m_inFlightLabel = new QLabel(parent);
    m_inFlightLabel->setObjectName(QStringLiteral("inFlightLabel"));
    m_inFlightLabel->setToolTip(tr("Frames on links now, and messages held by queues (ready and unacked)"));
    m_stateLabel = new QLabel(parent);
    m_stateLabel->setObjectName(QStringLiteral("runStateLabel"));
    m_stateLabel->setMinimumWidth(m_stateLabel->fontMetrics().horizontalAdvance(tr("Stopping…")) + 8);
    m_timeLabel->setText(tr("Virtual time: %1").arg(QStringLiteral("0")));
    m_rateLabel->setText(tr("%1 events/s").arg(0));
    m_stateLabel->setText(stateText(m_engine->state(), !m_document->topology().nodes.empty()));
}

void RunController::createViews(QWidget *parent)
{
    // Run summary: what the last run did, node by node, and whether every message is accounted for.
    m_summaryPane = new QWidget(parent);
    m_runHeadline = new QLabel(m_summaryPane);
    m_runHeadline->setObjectName(QStringLiteral("runHeadline"));
    m_runHeadline->setTextInteractionFlags(Qt::TextSelectableByMouse);
    // Wrapped: one long line would hold the whole bottom row as wide as itself after a run.
    m_runHeadline->setWordWrap(true);
    m_summaryView = makeTableView(m_summaryModel, QStringLiteral("summaryView"), m_summaryPane);
    // Columns fitted to their figures; stretching the last would push it far from the rest.
    m_summaryView->horizontalHeader()->setStretchLastSection(false);
    m_deliveryCheck = new QLabel(m_summaryPane);
    m_deliveryCheck->setObjectName(QStringLiteral("deliveryCheckLabel"));
    m_deliveryCheck->setWordWrap(true);
    m_deliveryCheck->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto *summaryLayout = new QVBoxLayout(m_summaryPane);
    summaryLayout->setContentsMargins(4, 4, 4, 4);
    summaryLayout->addWidget(m_runHeadline);
    summaryLayout->addWidget(m_summaryView, 2);
    // Faults that started and ended (planned and live) and live edits, when the run had any.
    m_liveChanges = new LiveChangeModel(this);
    m_liveChangeView = makeTableView(m_liveChanges, QStringLiteral("liveChangeView"), m_summaryPane);
    m_liveChangeView->hide();
    summaryLayout->addWidget(m_liveChangeView, 1);
    // Calls per client and method, and the checks with their first findings, when there is
    // something to show.
    m_callMethods = new CallMethodModel(this);
    m_callMethodView = makeTableView(m_callMethods, QStringLiteral("callMethodView"), m_summaryPane);
    m_callMethodView->hide();
    summaryLayout->addWidget(m_callMethodView, 1);
    m_checks = new CheckModel(this);
    m_checkView = makeTableView(m_checks, QStringLiteral("checkView"), m_summaryPane);
    m_checkView->setToolTip(tr("Double-click a check to see its first finding on the sequence diagram"));
    connect(m_checkView, &QAbstractItemView::doubleClicked, this, [this](const QModelIndex &index) {
        const auto row = static_cast<std::size_t>(index.row());
        if (m_sequence && row < m_firstFinding.size() && m_firstFinding[row] >= 0)
            m_sequence->showFinding(static_cast<std::size_t>(m_firstFinding[row]));
    });
    m_checkView->hide();
    summaryLayout->addWidget(m_checkView, 1);
    summaryLayout->addWidget(m_deliveryCheck);

    // Event log: every trace event of the run, filtered by node, kind or message.
    m_eventPane = new QWidget(parent);
    auto *filterLabel = new QLabel(tr("&Filter:"), m_eventPane);
    m_filterEdit = new QLineEdit(m_eventPane);
    m_filterEdit->setObjectName(QStringLiteral("eventFilterEdit"));
    m_filterEdit->setClearButtonEnabled(true);
    m_filterEdit->setToolTip(tr("Space-separated terms, all of which must match:\n"
                                "a node id (events at the node or sent to it), node:ID\n"
                                "an event kind such as deliver or ack, kind:NAME\n"
                                "a message id, msg:N or #N"));
    filterLabel->setBuddy(m_filterEdit);
    connect(m_filterEdit, &QLineEdit::textChanged, this, &RunController::onFilterTextChanged);
    m_eventCount = new QLabel(m_eventPane);
    m_eventCount->setObjectName(QStringLiteral("eventCountLabel"));
    auto *filterRow = new QHBoxLayout;
    filterRow->addWidget(filterLabel);
    filterRow->addWidget(m_filterEdit, 1);
    filterRow->addWidget(m_eventCount, 2);

    m_eventView = makeTableView(m_eventFilter, QStringLiteral("eventLogView"), m_eventPane);
    // Widths set once: measuring 200,000 rows to fit them would stall every batch.
    const int digit = m_eventView->fontMetrics().horizontalAdvance(QLatin1Char('0'));
    const int widths[] = {12, 10, 12, 12, 12, 8, 10, 8, 12};
    for (int column = 0; column < EventLogModel::DetailColumn; ++column)
        m_eventView->setColumnWidth(column, widths[column] * digit + 16);
    auto *eventLayout = new QVBoxLayout(m_eventPane);
    eventLayout->setContentsMargins(4, 4, 4, 4);
    eventLayout->addLayout(filterRow);
    eventLayout->addWidget(m_eventView, 1);

    // The live sequence diagram; its selection and the canvas's follow each other.
    m_sequence = new SequencePanel(parent);
    connect(m_sequence, &SequencePanel::messageSelected, this, [this](quint64, const QStringList &links) {
        if (m_syncingSelection) return;
        // The message's links light up on the canvas.
        m_syncingSelection = true;
        m_canvasScene->clearSelection();
        for (const QString &id : links)
            if (auto *item = m_canvasScene->linkItem(id)) item->setSelected(true);
        m_syncingSelection = false;
    });
    m_sequence->setMessageLookup([engine = m_engine](std::uint64_t id) { return engine->message(id); });

    // Charts: the run's figures over virtual time, live.
    m_chartPanel = new ChartPanel(parent);
    m_chartPanel->setObjectName(QStringLiteral("chartPanel"));
}

void RunController::openRunStore(const QString &dir)
{
    // A missing run history costs the user their record of runs, not the ability to run: say so
    // once and carry on.
    QString error;
    auto store = std::make_unique<RunStore>();
    if (dir.isEmpty())
        error = tr("there is no writable application data folder");
    else if (!QDir().mkpath(dir))
        error = tr("cannot create the folder %1").arg(QDir::toNativeSeparators(dir));
    else if (store->open(dir + QStringLiteral("/runs.db"), &error))
        m_runStore = std::move(store);
    if (!m_runStore) Q_EMIT messagePosted(tr("Runs will not be kept: %1").arg(error), 0);
}

void RunController::abandonRun()
{
    if (m_runId) recordRunFinished(nullptr);
}

void RunController::followDocument()
{
    if (m_sequence->history().empty()) resetSequence(m_document->topology());
}

void RunController::updateFaultActions()
{
    const QStringList nodes = selectedNodes();
    // With nodes selected, a link counts only when it is selected on the canvas too.
    const QStringList links = nodes.isEmpty() ? selectedLinks() : m_canvasScene->selectedLinkIds();
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

void RunController::onRunTriggered()
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

void RunController::onStepTriggered()
{
    const EngineHost::State state = m_engine->state();
    const bool fromStart = startsFresh(state);
    if (!fromStart && state != EngineHost::State::Paused) return;
    if (fromStart && !prepareRun()) return;
    m_engine->step(fromStart ? runRequest() : EngineHost::RunRequest{});
    if (fromStart) recordRunStarted();
}

void RunController::onPauseTriggered()
{
    m_engine->pause();
}

void RunController::onStopTriggered()
{
    m_engine->stop();
}

void RunController::updateRunSettings()
{
    const RunSettings &run = m_document->topology().run;
    m_seedEdit->setText(QString::number(run.seed));
    m_untilEdit->setText(run.until ? QString::fromStdString(formatDuration(*run.until)) : QString());
    m_messagesEdit->setText(run.messages ? QString::number(run.messages) : QString());
    for (QLineEdit *edit : {m_seedEdit, m_untilEdit, m_messagesEdit})
        edit->setStyleSheet(QString());
}

void RunController::onRunSettingEdited()
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
        Q_EMIT messagePosted(error, 8000);
        if (culprit) {
            culprit->setStyleSheet(QStringLiteral("QLineEdit { border: 1px solid #d0453a; }"));
            culprit->setToolTip(error);
        }
        return;
    }
    for (QLineEdit *edit : {m_seedEdit, m_untilEdit, m_messagesEdit})
        edit->setStyleSheet(QString());
}

void RunController::onLinkDownTriggered()
{
    const QStringList links = selectedLinks();
    if (links.isEmpty()) return;
    // One way for the whole selection: down unless every selected link is down already.
    const bool allDown = allOf(links, [this](const QString &id) { return m_engine->isLinkDown(id); });
    for (const QString &id : links)
        m_engine->setLinkUp(id, allDown);
    updateFaultActions();
}

void RunController::onCrashTriggered()
{
    const QStringList nodes = selectedNodes();
    if (nodes.isEmpty()) return;
    const bool allCrashed = allOf(nodes, [this](const QString &id) { return m_engine->isNodeCrashed(id); });
    for (const QString &id : nodes)
        allCrashed ? m_engine->restartNode(id) : m_engine->crashNode(id);
    updateFaultActions();
}

void RunController::onPauseNodeTriggered()
{
    const QStringList nodes = selectedNodes();
    if (nodes.isEmpty()) return;
    const bool allPaused = allOf(nodes, [this](const QString &id) { return nodeStopped(id); });
    for (const QString &id : nodes)
        allPaused ? m_engine->resumeNode(id) : m_engine->pauseNode(id);
    updateFaultActions();
}

void RunController::addFaultMenus(QMenu *menu)
{
    if (!m_engine->acceptsLiveChanges()) return;
    const QStringList nodes = selectedNodes();
    const QStringList links = nodes.isEmpty() ? selectedLinks() : m_canvasScene->selectedLinkIds();
    const FaultTarget target = !links.isEmpty() && nodes.isEmpty() ? FaultTarget::Link
                               : !nodes.isEmpty()                  ? FaultTarget::Node
                                                                   : FaultTarget::Group;
    QMenu *apply = menu->addMenu(tr("Apply &Fault Now"));
    apply->setObjectName(QStringLiteral("applyFaultMenu"));
    std::string category;
    for (const FaultKindSpec &spec : KindRegistry::builtin().faultKinds()) {
        if (spec.target != target) continue;
        if (spec.category != category) {
            category = spec.category;
            apply->addSection(QString::fromStdString(category));
        }
        QAction *action = apply->addAction(QString::fromStdString(spec.label));
        action->setObjectName(QStringLiteral("applyFault-%1").arg(QString::fromStdString(spec.kind)));
        action->setToolTip(QString::fromStdString(spec.help));
        action->setStatusTip(QString::fromStdString(spec.help));
        connect(action, &QAction::triggered, this, [this, kind = spec.kind, target, nodes, links] {
            // One fault per selected link; one over the selected nodes; a nemesis over every node.
            std::vector<FaultDef> faults;
            FaultDef def;
            def.kind = kind;
            if (target == FaultTarget::Link) {
                for (const QString &l : links) {
                    def.target = l.toStdString();
                    faults.push_back(def);
                }
            } else if (target == FaultTarget::Node) {
                if (nodes.size() == 1)
                    def.target = nodes.first().toStdString();
                else
                    for (const QString &n : nodes)
                        def.nodes.push_back(n.toStdString());
                faults.push_back(def);
            } else {
                faults.push_back(def);
            }
            for (const FaultDef &f : faults) {
                QString error;
                if (!m_engine->injectFault(f, &error)) {
                    Q_EMIT messagePosted(tr("Cannot apply %1: %2").arg(QString::fromStdString(kind), error),
                                         8000);
                    break;
                }
            }
            updateFaultActions();
        });
    }

    // Active faults on the selection (any, with nothing selected), to end now.
    std::vector<FaultActivation> active;
    if (nodes.isEmpty() && links.isEmpty()) {
        active = m_engine->activeFaults();
    } else {
        for (const QString &l : links)
            for (const FaultActivation &f : m_engine->linkFaults(l))
                active.push_back(f);
        for (const QString &n : nodes)
            for (const FaultActivation &f : m_engine->nodeFaults(n))
                if (std::none_of(active.begin(), active.end(),
                                 [&](const FaultActivation &a) { return a.fault == f.fault; }))
                    active.push_back(f);
    }
    if (active.empty()) return;
    QMenu *end = menu->addMenu(tr("&End Fault"));
    end->setObjectName(QStringLiteral("endFaultMenu"));
    for (const FaultActivation &f : active) {
        QAction *action = end->addAction(
            tr("%1 (%2 %3, %4)")
                .arg(QString::fromStdString(f.id), QString::fromStdString(f.kind),
                     QString::fromStdString(f.target), f.planned ? tr("planned") : tr("live")));
        connect(action, &QAction::triggered, this, [this, index = f.fault] {
            m_engine->endFault(index);
            updateFaultActions();
        });
    }
}

bool RunController::nodeStopped(const QString &nodeId) const
{
    return m_engine->isNodePaused(nodeId) || m_engine->isNodeCrashed(nodeId);
}

void RunController::applyLinkPropertyLive(const QString &linkId)
{
    if (!m_engine->acceptsLiveChanges() || !m_engine->linkIds().contains(linkId)) return;
    const LinkDef *link = m_document->link(linkId);
    if (!link) return;
    const auto specs = KindRegistry::builtin().linkProperties();
    m_engine->setLinkProperties(linkId, linkPropertiesFrom(PropertyBag(specs, link->properties)));
}

void RunController::onEngineStateChanged(EngineHost::State state)
{
    Q_ASSERT(QThread::currentThread() == thread());

    if (state == EngineHost::State::Running) {
        m_rateClock.start();
        m_rateEvents = m_progressEvents;
        if (m_summaryModel->isEmpty()) m_runHeadline->setText(tr("Running…"));
    }
    updateRunActions();
}

void RunController::updateRunActions()
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
    m_stateLabel->setText(stateText(state, !m_document->topology().nodes.empty()));
    updateFaultActions();
}

void RunController::onEventsArrived(const std::vector<TraceEvent> &events)
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

void RunController::updateEventCount()
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

void RunController::onFilterTextChanged(const QString &text)
{
    QString error;
    if (!m_eventFilter->setFilterText(text, &error)) {
        m_eventCount->setText(error);
        return;
    }
    updateEventCount();
}

void RunController::onProgressed(qint64 virtualTimeNs, quint64 eventsProcessed)
{
    Q_ASSERT(QThread::currentThread() == thread());
    m_progressEvents = eventsProcessed;
    m_timeLabel->setText(tr("Virtual time: %1").arg(QString::fromStdString(formatDuration(virtualTimeNs))));
    // Only while the run goes: once it ended, the label keeps the run's own figures.
    const bool running = m_engine->state() == EngineHost::State::Running;
    const qint64 elapsed = running && m_rateClock.isValid() ? m_rateClock.elapsed() : 0;
    if (elapsed >= 500) {
        const double rate =
            static_cast<double>(eventsProcessed - m_rateEvents) * 1000.0 / static_cast<double>(elapsed);
        m_rateLabel->setText(tr("%1 events/s").arg(QLocale().toString(qRound64(rate))));
        m_rateEvents = eventsProcessed;
        m_rateClock.restart();
    }
}

void RunController::onRunFinished(const RunSummary &summary)
{
    Q_ASSERT(QThread::currentThread() == thread());
    m_summaryModel->setSummary(summary, m_engine->topology());
    m_summaryView->resizeColumnsToContents();
    m_runHeadline->setText(runHeadlineText(summary));
    QString checks = deliveryCheckText(summary.delivery);
    if (summary.delivery.outOfOrder) checks += QLatin1Char('\n') + orderCheckText(summary);
    if (summary.latency.count) checks += QLatin1Char('\n') + latencyText(summary.latency);
    if (!summary.liveChanges.empty()) checks += QLatin1Char('\n') + liveChangesText(summary);
    if (summary.calls.any()) checks += QLatin1Char('\n') + callsText(summary.calls);
    m_callMethods->setSummary(summary);
    m_callMethodView->setVisible(summary.calls.any());
    m_callMethodView->resizeColumnsToContents();
    m_checks->setChecks(summary.checks);
    // The rows of checks that found nothing stay out of the way (the line below has their zeros).
    for (int row = 0; row < m_checks->rowCount(); ++row)
        m_checkView->setRowHidden(row, !m_checks->index(row, 0).data(CheckModel::CountRole).toULongLong());
    m_checkView->setVisible(m_checks->anyFound());
    m_checkView->resizeColumnsToContents();
    m_liveChanges->setChanges(summary.liveChanges);
    m_liveChangeView->setVisible(!summary.liveChanges.empty());
    m_liveChangeView->resizeColumnsToContents();
    m_deliveryCheck->setText(checks);
    m_rateLabel->setText(finishedRateText(summary));
    updateEventCount();
    annotateSequence(summary);
    recordRunFinished(&summary);
}

void RunController::resetRunViews()
{
    m_eventLog->clear();
    m_chartPanel->reset(m_engine->topology());
    m_summaryModel->clear();
    m_liveChanges->clear();
    m_liveChangeView->hide();
    m_callMethods->clear();
    m_callMethodView->hide();
    m_checks->clear();
    m_checkView->hide();
    m_runHeadline->setText(m_engine->isLoaded() ? tr("No run yet: Run (F5) runs the topology.")
                                                : tr("No run yet."));
    m_deliveryCheck->clear();
    m_timeLabel->setText(tr("Virtual time: %1").arg(QStringLiteral("0")));
    m_rateLabel->setText(tr("%1 events/s").arg(0));
    m_inFlightLabel->setText(tr("In flight: 0 · queued: 0"));
    // The diagram starts over with the document's lifelines (a run's engine runs that same topology).
    resetSequence(m_document->topology());
    m_sequence->setFindings({});
    m_firstFinding.clear();
    updateEventCount();
}

void RunController::recordRunStarted()
{
    if (!m_runStore) return;
    const Topology &t = m_engine->topology();
    RunRecord record;
    record.topologyName = t.name.empty() ? QFileInfo(m_document->filePath()).completeBaseName()
                                         : QString::fromStdString(t.name);
    record.topologyJson = QByteArray::fromStdString(serializeTopology(t));
    record.seed = m_engine->seed();
    record.stopCondition =
        QStringLiteral("until=%1").arg(QString::fromStdString(formatDuration(m_engine->until())));
    if (t.run.messages) record.stopCondition += QStringLiteral(" messages=%1").arg(t.run.messages);
    QString error;
    m_runId = m_runStore->beginRun(record, &error);
    if (!m_runId) Q_EMIT messagePosted(tr("This run will not be kept: %1").arg(error), 10000);
}

void RunController::recordRunFinished(const RunSummary *summary)
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
        Q_EMIT messagePosted(tr("This run will not be kept: %1").arg(error), 10000);
}

double RunController::selectedSpeed() const
{
    return m_speedCombo->currentData().toDouble();
}

void RunController::selectSpeed(double speed)
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

void RunController::onSpeedChanged(int index)
{
    if (index >= 0) m_engine->setSpeed(selectedSpeed());
}

bool RunController::prepareRun()
{
    // Run what the document says now, edits included.
    QString error;
    if (!m_engine->load(m_document->topology(), &error)) {
        Q_EMIT runRefused(m_document->filePath().isEmpty() ? tr("the topology") : m_document->filePath(),
                          error.split(QLatin1Char('\n'), Qt::SkipEmptyParts));
        return false;
    }
    resetRunViews();
    m_eventLog->setTopology(m_document->topology()); // the topology the engine just loaded
    m_progressEvents = 0;
    return true;
}

void RunController::resetSequence(const Topology &t)
{
    if (!m_sequence) return;
    m_sequence->reset(t); // lifelines named and ordered as the canvas shows the nodes
    syncSequenceSelection();
}

void RunController::syncSequenceSelection()
{
    if (m_syncingSelection || !m_sequence) return;
    QStringList nodes = m_canvasScene->selectedNodeIds();
    m_sequence->view()->setHighlightedNodes(nodes);
    m_sequence->view()->setHighlightedLinks(m_canvasScene->selectedLinkIds());
}

void RunController::annotateSequence(const RunSummary &summary)
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
            marks.push_back(
                {e->time, e->node, tr("lost #%1").arg(id), QColor(0xc6, 0x3b, 0x2f), id, e->correlationId});
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
    // The call checks' findings (executed twice, failed, late and lost replies, deadlines), each
    // at its node and time: clicking one selects its call. The delivery checks come first in
    // summary.checks and are marked above.
    std::vector<Finding> findings;
    const std::size_t deliveryCount = deliveryChecks(summary).size();
    m_firstFinding.assign(summary.checks.size(), -1);
    for (std::size_t i = deliveryCount; i < summary.checks.size(); ++i) {
        if (!summary.checks[i].examples.empty()) m_firstFinding[i] = int(findings.size());
        findings.insert(findings.end(), summary.checks[i].examples.begin(), summary.checks[i].examples.end());
    }
    m_sequence->setFindings(std::move(findings));
}

EngineHost::RunRequest RunController::runRequest() const
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

} // namespace sb
