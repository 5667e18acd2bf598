#include "sequencepanel.h"

#include "journeymodel.h"
#include "sequenceexport.h"
#include "sequenceview.h"

#include "callstatus.h"
#include "logmetrics.h"
#include "nodelabels.h"
#include "sequence.h"
#include "topology.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QMenu>
#include <QMessageBox>
#include <QSaveFile>
#include <QSplitter>
#include <QTableView>
#include <QTimer>
#include <QToolButton>
#include <QVBoxLayout>

#include <algorithm>

namespace sb {

namespace {

// The frames as a filter reads them: Kafka and SQS by their own names ("OffsetCommit"), the
// others by their file names ("publish").
QString frameTypeNames()
{
    QStringList names;
    for (int f = 0; f < kFrameTypeCount; ++f)
        names << QString::fromLatin1(frameTypeLabel(FrameType(f)));
    return names.join(QLatin1String(", "));
}

} // namespace

SequencePanel::SequencePanel(QWidget *parent) : QWidget(parent)
{
    setObjectName(QStringLiteral("sequencePanel"));
    m_view = new SequenceView(this);
    m_replaceTimer = new QTimer(this);
    m_replaceTimer->setSingleShot(true);
    connect(m_replaceTimer, &QTimer::timeout, this, [this] {
        replace();
        updateStatus();
    });
    m_view->setTrueHistory(&m_history);
    m_view->setHistory(&m_history);
    m_view->setMessageDetails([this](std::uint64_t id) { return carriedText(id); });
    m_view->setMethodLookup([this](std::uint64_t id) {
        const std::optional<MessageInfo> info = m_lookup ? m_lookup(id) : std::nullopt;
        return info ? QString::fromStdString(info->routingKey) : QString();
    });

    m_follow = new QToolButton(this);
    m_follow->setObjectName(QStringLiteral("sequenceFollowButton"));
    m_follow->setText(tr("Follow"));
    m_follow->setCheckable(true);
    m_follow->setChecked(true);
    m_follow->setToolTip(tr("Keep the newest events in view (End); scrolling back stops following"));
    connect(m_follow, &QToolButton::toggled, m_view, &SequenceView::setFollowing);
    connect(m_view, &SequenceView::followingChanged, m_follow, &QToolButton::setChecked);

    auto *zoomIn = new QToolButton(this);
    zoomIn->setText(QStringLiteral("+"));
    zoomIn->setToolTip(tr("Zoom in on the time axis (Ctrl+wheel, Ctrl+=)"));
    connect(zoomIn, &QToolButton::clicked, this,
            [this] { m_view->zoomBy(2, m_view->viewport()->height() / 2.0); });
    auto *zoomOut = new QToolButton(this);
    zoomOut->setText(QStringLiteral("\u2212"));
    zoomOut->setToolTip(tr("Zoom out on the time axis (Ctrl+wheel, Ctrl+-)"));
    connect(zoomOut, &QToolButton::clicked, this,
            [this] { m_view->zoomBy(0.5, m_view->viewport()->height() / 2.0); });

    m_filterEdit = new QLineEdit(this);
    m_filterEdit->setObjectName(QStringLiteral("sequenceFilterEdit"));
    m_filterEdit->setClearButtonEnabled(true);
    m_filterEdit->setPlaceholderText(
        tr("Filter: kind:ack -kind:enqueue frame:request msg:12 call:7 rk:orders.# from:1s to:2s -node:ID"));
    const QString filterHelp =
        tr("Space-separated terms:\n"
           "kind:NAME or -kind:NAME — only, or not, these event kinds\n"
           "msg:N — one message's journey; corr:N — one correlation id\n"
           "rk:PATTERN or -rk:PATTERN — only, or not, messages whose routing key\n"
           "    matches an AMQP topic pattern ('*' one word, '#' any), e.g. rk:orders.#\n"
           "from:T to:T — a time range, e.g. from:2s to:2.5s\n"
           "frame:NAME or -frame:NAME — only, or not, these frames' arrows (request, reply,\n"
           "    cancel, stream-data, half-close, window-update, publish, deliver, ...)\n"
           "call:N — one call's events (every attempt)\n"
           "-node:ID — hide a lifeline; -ack — hide acks and confirms");
    m_filterEdit->setToolTip(filterHelp);
    connect(m_filterEdit, &QLineEdit::textChanged, this, [this, filterHelp](const QString &text) {
        QString error;
        const bool ok = setFilterText(text, &error);
        m_filterEdit->setStyleSheet(ok ? QString()
                                       : QStringLiteral("QLineEdit { border: 1px solid #d0453a; }"));
        m_filterEdit->setToolTip(ok ? filterHelp : error + QLatin1String("\n\n") + filterHelp);
        if (!ok) m_status->setText(error);
    });

    m_orderBox = new QComboBox(this);
    m_orderBox->setObjectName(QStringLiteral("sequenceOrderBox"));
    m_orderBox->addItem(tr("True time"), int(SequenceOrder::True));
    m_orderBox->addItem(tr("Local clocks"), int(SequenceOrder::Local));
    m_orderBox->addItem(tr("Lamport"), int(SequenceOrder::Lamport));
    m_orderBox->addItem(tr("Vector clocks"), int(SequenceOrder::Vector));
    m_orderBox->setToolTip(
        tr("Order events by true virtual time; by each node's local clock (what a log sorted by timestamps "
           "shows: arrows received \u201cbefore\u201d they were sent go up, in magenta); by Lamport clock "
           "(rows of logical time); or by vector clocks (one row per event, consistent with happens-before). "
           "Exports follow the order."));
    connect(m_orderBox, &QComboBox::activated, this,
            [this](int index) { setOrder(SequenceOrder(m_orderBox->itemData(index).toInt())); });

    m_hideAcks = new QCheckBox(tr("Hide acks"), this);
    m_hideAcks->setObjectName(QStringLiteral("sequenceHideAcks"));
    connect(m_hideAcks, &QCheckBox::toggled, this, [this] { setFilterText(m_filterEdit->text()); });

    auto *exportButton = new QToolButton(this);
    exportButton->setObjectName(QStringLiteral("sequenceExportButton"));
    exportButton->setText(tr("Export…"));
    exportButton->setToolTip(
        tr("Save the diagram as SVG, PNG or PDF, or as Mermaid, PlantUML or ShiViz text"));
    connect(exportButton, &QToolButton::clicked, this, &SequencePanel::onExport);

    m_status = new QLabel(this);
    m_status->setObjectName(QStringLiteral("sequenceStatus"));

    auto *bar = new QHBoxLayout;
    bar->setContentsMargins(0, 0, 0, 0);
    bar->addWidget(m_follow);
    bar->addWidget(zoomIn);
    bar->addWidget(zoomOut);
    bar->addWidget(m_orderBox);
    bar->addWidget(m_filterEdit, 2);
    bar->addWidget(m_hideAcks);
    bar->addWidget(exportButton);
    bar->addWidget(m_status, 1);

    // The message inspector: the journey of the clicked message.
    m_journey = new JourneyModel(this);
    m_journeyView = new QTableView(this);
    m_journeyView->setObjectName(QStringLiteral("journeyView"));
    m_journeyView->setModel(m_journey);
    m_journeyView->verticalHeader()->hide();
    m_journeyView->setShowGrid(false);
    m_journeyView->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_journeyView->horizontalHeader()->setStretchLastSection(true);
    m_journeyView->verticalHeader()->setDefaultSectionSize(m_journeyView->fontMetrics().height() + 6);
    m_journeySummary = new QLabel(this);
    m_journeySummary->setObjectName(QStringLiteral("journeySummary"));
    m_journeySummary->setWordWrap(true);
    m_inspector = new QWidget(this);
    auto *inspectorLayout = new QVBoxLayout(m_inspector);
    inspectorLayout->setContentsMargins(0, 0, 0, 0);
    inspectorLayout->addWidget(m_journeySummary);
    inspectorLayout->addWidget(m_journeyView, 1);
    m_inspector->hide();

    auto *splitter = new QSplitter(Qt::Horizontal, this);
    splitter->addWidget(m_view);
    splitter->addWidget(m_inspector);
    splitter->setStretchFactor(0, 3);
    splitter->setStretchFactor(1, 2);

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addLayout(bar);
    layout->addWidget(splitter, 1);

    connect(m_view, &SequenceView::messageSelected, this, [this](quint64 id, const QStringList &links) {
        m_journey->setMessage(&m_history, id, m_nodeNames, m_linkIds);
        m_journeySummary->setText(inspectorText(id));
        m_journeyView->resizeColumnsToContents();
        m_inspector->setVisible(id != 0);
        Q_EMIT messageSelected(id, links);
    });
    connect(m_view, &SequenceView::callSelected, this, [this](quint64 id, const QStringList &links) {
        // The inspector lists the journey of the call's request (its attempts), under the call's
        // headline; the canvas lights the links of the call and its downstream calls.
        std::uint64_t request = 0;
        for (std::size_t i : m_view->selectedJourney())
            if (m_history.at(i).kind == TraceKind::Call && m_history.at(i).correlationId == id) {
                request = m_history.at(i).messageId;
                break;
            }
        m_journey->setMessage(&m_history, request, m_nodeNames, m_linkIds);
        m_journeySummary->setText(callText(id));
        m_journeyView->resizeColumnsToContents();
        m_inspector->setVisible(id != 0);
        Q_EMIT callSelected(id, links);
        Q_EMIT messageSelected(request, links);
    });
    connect(m_view, &SequenceView::nodeClicked, this, &SequencePanel::nodeClicked);
    updateStatus();
}

void SequencePanel::reset(const Topology &topology)
{
    QStringList ids, kinds, names, links;
    std::vector<NodeIndex> order;
    for (const NodeDef &n : topology.nodes) {
        order.push_back(NodeIndex(ids.size()));
        ids << QString::fromStdString(n.id);
        kinds << QString::fromStdString(n.kind);
    }
    std::stable_sort(order.begin(), order.end(), [&topology](NodeIndex a, NodeIndex b) {
        const Position &pa = topology.nodes[a].position, &pb = topology.nodes[b].position;
        return pa.x != pb.x ? pa.x < pb.x : pa.y < pb.y;
    });
    for (const std::string &label : nodeLabels(topology))
        names << QString::fromStdString(label);
    for (const LinkDef &l : topology.links)
        links << QString::fromStdString(l.id);
    m_clocks = nodeClocks(topology);
    m_linkEnds = sequenceLinkEnds(topology);
    QStringList faults;
    for (const FaultDef &f : topology.faults)
        faults << QString::fromStdString(sequenceFaultLabel(f));
    m_faultNames = [faults](std::uint64_t i) {
        return i < std::uint64_t(faults.size()) ? faults[int(i)] : QString();
    };
    reset(ids, kinds, links, order, names);
    m_view->setClockContext(m_clocks, m_linkEnds, m_faultNames);
    QStringList groups;
    for (const std::string &g : consumerGroupNames(topology))
        groups << QString::fromStdString(g);
    m_view->setGroupNames(
        [groups](std::uint32_t g) { return g < std::uint32_t(groups.size()) ? groups[int(g)] : QString(); });
}

void SequencePanel::setFaultNames(std::function<QString(std::uint64_t)> names)
{
    m_faultNames = std::move(names);
    m_view->setClockContext(m_clocks, m_linkEnds, m_faultNames);
}

void SequencePanel::setOrder(SequenceOrder order)
{
    m_orderBox->setCurrentIndex(m_orderBox->findData(int(order)));
    if (order == m_order) return;
    m_order = order;
    replace();
    if (!m_history.empty()) m_view->scrollToTime(m_view->history()->firstTime());
    updateStatus();
}

void SequencePanel::replace()
{
    if (m_order == SequenceOrder::True) {
        m_projection.clear();
        m_view->setProjection(nullptr);
        return;
    }
    m_replaceTimer->stop();
    QElapsedTimer took;
    took.start();
    m_projection.rebuild(m_history, m_order, m_clocks);
    m_view->setProjection(&m_projection);
    m_replaceMs = took.elapsed();
    m_sinceReplace.start();
}

void SequencePanel::reset(const QStringList &nodeIds, const QStringList &nodeKinds,
                          const QStringList &linkIds, const std::vector<NodeIndex> &order,
                          const QStringList &nodeNames)
{
    m_history.clear();
    m_projection.clear();
    m_view->setProjection(nullptr);
    m_nodeIds = nodeIds;
    m_nodeNames = nodeNames.size() == nodeIds.size() ? nodeNames : nodeIds;
    m_linkIds = linkIds;
    m_view->setTopology(nodeIds, nodeKinds, linkIds, order, m_nodeNames);
    replace();
    m_journey->setMessage(nullptr, 0, m_nodeNames, linkIds);
    m_inspector->hide();
    setFilterText(m_filterEdit->text());
    updateStatus();
}

void SequencePanel::append(const std::vector<TraceEvent> &events)
{
    m_history.append(events);
    if (m_order == SequenceOrder::True) {
        m_view->historyChanged();
    } else {
        // A big history is re-placed at most every 4 times what it took (then a frame or two of
        // the GUI's time is spent on it at most a fifth of the time); a timer catches the last batch.
        const qint64 wait = 4 * m_replaceMs - (m_sinceReplace.isValid() ? m_sinceReplace.elapsed() : 0);
        if (wait <= 0)
            replace();
        else if (!m_replaceTimer->isActive())
            m_replaceTimer->start(int(wait));
    }
    updateStatus();
}

QString SequencePanel::carriedText(std::uint64_t messageId) const
{
    const std::optional<MessageInfo> info = messageId && m_lookup ? m_lookup(messageId) : std::nullopt;
    if (!info) return {};
    QStringList carried;
    carried << tr("routing key \u201c%1\u201d").arg(QString::fromStdString(info->routingKey));
    if (!info->key.empty()) carried << tr("key \u201c%1\u201d").arg(QString::fromStdString(info->key));
    carried << tr("%1 bytes").arg(info->size);
    if (info->sequence) carried << tr("producer's message %1").arg(info->sequence);
    QStringList headers;
    for (const Header &h : info->headers)
        headers << QStringLiteral("%1=%2").arg(QString::fromStdString(h.name),
                                               QString::fromStdString(h.value));
    if (!headers.isEmpty()) carried << tr("headers %1").arg(headers.join(QLatin1String(", ")));
    return carried.join(QStringLiteral(" \u00b7 "));
}

QString SequencePanel::inspectorText(std::uint64_t messageId) const
{
    const QString text = m_journey->messageId() == messageId ? m_journey->summary() : QString();
    const QString carried = carriedText(messageId);
    return carried.isEmpty() ? text : text + QLatin1Char('\n') + carried;
}

void SequencePanel::setFindings(std::vector<Finding> findings)
{
    m_view->setFindings(std::move(findings));
}

void SequencePanel::showFinding(std::size_t index)
{
    m_view->showFinding(index);
}

QString SequencePanel::callText(std::uint64_t callId) const
{
    if (!callId) return {};
    // A saga is selected as a call (its events and frames carry its id): its steps' outcomes.
    QStringList saga;
    bool isSaga = false;
    for (std::size_t i = 0; i < m_history.size(); ++i) {
        const TraceEvent &e = m_history.at(i);
        if (e.correlationId != callId || !(e.kind >= TraceKind::SagaBegin && e.kind <= TraceKind::SagaResume))
            continue;
        isSaga = true;
        if (e.kind != TraceKind::StepEnd && e.kind != TraceKind::SagaEnd && e.kind != TraceKind::SagaResume)
            continue;
        const std::optional<MessageInfo> info =
            e.kind == TraceKind::StepEnd && e.messageId && m_lookup ? m_lookup(e.messageId) : std::nullopt;
        saga << QString::fromStdString(domainMarkText(e, info ? info->routingKey : std::string()));
    }
    if (isSaga)
        return saga.isEmpty() ? tr("Saga %1: running").arg(callId)
                              : tr("Saga %1: %2").arg(callId).arg(saga.join(QStringLiteral(" · ")));
    std::uint64_t request = 0, parent = m_history.parentCall(callId);
    std::uint32_t attempts = 0, executions = 0;
    std::uint16_t status = kNoStatus;
    QStringList downstream;
    for (std::size_t i = 0; i < m_history.size(); ++i) {
        const TraceEvent &e = m_history.at(i);
        if (e.kind == TraceKind::Call && e.aux > 0 && std::uint64_t(e.aux) == callId)
            downstream << QString::number(e.correlationId);
        if (e.correlationId != callId) continue;
        switch (e.kind) {
        case TraceKind::Call:
            request = e.messageId;
            break;
        case TraceKind::Send:
            if (e.frame == FrameType::Request) attempts = std::max(attempts, e.deliveryCount);
            break;
        case TraceKind::Execute:
            ++executions;
            break;
        case TraceKind::Complete:
            status = e.status;
            attempts = std::max(attempts, e.deliveryCount);
            break;
        default:
            break;
        }
    }
    QStringList parts;
    QString head = tr("Call %1").arg(callId);
    const std::optional<MessageInfo> info = request && m_lookup ? m_lookup(request) : std::nullopt;
    if (info && !info->routingKey.empty())
        head += QLatin1Char(' ') + QString::fromStdString(info->routingKey);
    parts << head;
    parts << tr("%n attempt(s)", nullptr, int(attempts));
    parts << (status == kNoStatus ? tr("not complete") : QString::fromStdString(statusName(status)));
    parts << tr("executed %n time(s)", nullptr, int(executions));
    if (parent) parts << tr("made for call %1").arg(parent);
    if (!downstream.isEmpty()) parts << tr("downstream calls %1").arg(downstream.join(QLatin1String(", ")));
    return parts.join(QStringLiteral(" · "));
}

void SequencePanel::updateStatus()
{
    QString text = tr("%1 events").arg(QLocale().toString(qulonglong(m_history.size())));
    if (m_history.discarded())
        text += tr(", %1 older forgotten").arg(QLocale().toString(qulonglong(m_history.discarded())));
    if (m_view->lastStats().density) text += tr(" · too many arrows to draw: counts per band");
    if (m_order != SequenceOrder::True && !m_clocks.empty()) {
        std::size_t up = 0;
        for (std::size_t i = 0; i < m_projection.history().size(); ++i)
            up += (m_projection.history().at(i).flags & SequenceProjection::kContradicts) != 0;
        if (up) text += tr(" · %n received before sent by local clocks", nullptr, int(up));
    }
    m_status->setText(text);
}

bool SequencePanel::setFilterText(const QString &text, QString *error)
{
    SequenceFilter filter;
    filter.hideAcks = m_hideAcks->isChecked();
    std::vector<bool> onlyKinds(kTraceKindCount, false), onlyFrames(kFrameTypeCount, false);
    bool anyOnly = false, anyOnlyFrame = false;
    std::vector<NodeIndex> hidden;
    std::vector<std::string> keysIn, keysOut;
    const auto fail = [error](const QString &term, const QString &why) {
        if (error) *error = tr("\u201c%1\u201d: %2").arg(term, why);
        return false;
    };
    for (const QString &term : text.split(QLatin1Char(' '), Qt::SkipEmptyParts)) {
        const bool negated = term.startsWith(QLatin1Char('-'));
        const QString body = negated ? term.mid(1) : term;
        const auto colon = body.indexOf(QLatin1Char(':'));
        const QString key = colon < 0 ? body : body.left(colon);
        const QString value = colon < 0 ? QString() : body.mid(colon + 1);
        if (negated && key == QLatin1String("ack") && value.isEmpty()) {
            filter.hideAcks = true;
        } else if (key == QLatin1String("kind")) {
            TraceKind kind;
            if (!traceKindFromName(value.toStdString(), kind)) return fail(term, tr("not an event kind"));
            if (negated)
                filter.hiddenKinds[int(kind)] = true;
            else {
                onlyKinds[int(kind)] = true;
                anyOnly = true;
            }
        } else if (key == QLatin1String("frame")) {
            FrameType frame;
            if (!frameTypeFromText(value.toStdString(), frame))
                return fail(term, tr("not a frame type; use one of %1").arg(frameTypeNames()));
            if (negated)
                filter.hiddenFrames[int(frame)] = true;
            else {
                onlyFrames[int(frame)] = true;
                anyOnlyFrame = true;
            }
        } else if (key == QLatin1String("msg") || key == QLatin1String("corr") ||
                   key == QLatin1String("call")) {
            bool ok = false;
            const qulonglong id = value.toULongLong(&ok);
            if (!ok || id == 0)
                return fail(term, key == QLatin1String("call") ? tr("needs a call id, e.g. call:7")
                                                               : tr("needs a message id, e.g. msg:12"));
            (key == QLatin1String("msg") ? filter.messageId : filter.correlationId) = id;
        } else if (key == QLatin1String("from") || key == QLatin1String("to")) {
            const auto t = parseDuration(value.toStdString(), "s");
            if (!t) return fail(term, tr("needs a time, e.g. from:1.5s"));
            (key == QLatin1String("from") ? filter.from : filter.to) = *t;
        } else if (key == QLatin1String("rk")) {
            if (value.isEmpty()) return fail(term, tr("needs a routing-key pattern, e.g. rk:orders.#"));
            (negated ? keysOut : keysIn).push_back(value.toStdString());
        } else if (key == QLatin1String("node") && negated) {
            auto i = m_nodeIds.indexOf(value);
            if (i < 0) i = m_nodeNames.indexOf(value);
            if (i < 0) return fail(term, tr("no node with this id or name"));
            hidden.push_back(NodeIndex(i));
        } else {
            return fail(term, tr("unknown term; use kind:, -kind:, frame:, -frame:, msg:, corr:, call:, rk:, "
                                 "-rk:, from:, to:, "
                                 "-node: or -ack"));
        }
    }
    if (filter.from > filter.to) return fail(text, tr("from: lies after to:"));
    if (!keysIn.empty() || !keysOut.empty()) {
        auto keys = std::make_shared<RoutingKeyFilter>(std::move(keysIn), std::move(keysOut));
        // The catalog is asked once per message; the answer is cached with the filter.
        keys->setLookup([this](std::uint64_t id) -> std::optional<std::string> {
            const std::optional<MessageInfo> info = m_lookup ? m_lookup(id) : std::nullopt;
            if (!info) return std::nullopt;
            return info->routingKey;
        });
        filter.routingKeys = std::move(keys);
    }
    if (anyOnly) {
        // Arrows stay (they are sends); only the listed local kinds show beside them.
        for (int k = 0; k < kTraceKindCount; ++k)
            if (!onlyKinds[std::size_t(k)] && TraceKind(k) != TraceKind::Send)
                filter.hiddenKinds[std::size_t(k)] = true;
    }
    if (anyOnlyFrame)
        for (int f = 0; f < kFrameTypeCount; ++f)
            if (!onlyFrames[std::size_t(f)]) filter.hiddenFrames[std::size_t(f)] = true;
    // A new message, correlation or start time is shown at once: the view goes to where it begins.
    const SequenceFilter &before = m_view->filter();
    const bool jump = (filter.messageId && filter.messageId != before.messageId) ||
                      (filter.correlationId && filter.correlationId != before.correlationId) ||
                      (filter.from && filter.from != before.from);
    m_view->setFilter(filter);
    if (jump) {
        SimTime start = filter.from;
        for (std::size_t i = 0; i < m_history.size(); ++i) {
            const TraceEvent &e = m_history.at(i);
            if (e.time >= filter.from && (filter.messageId || filter.correlationId) && filter.accepts(e) &&
                e.messageId) {
                start = e.time;
                break;
            }
        }
        if (!m_history.empty() && start <= m_history.lastTime())
            m_view->scrollToTime(std::max<SimTime>(0, start - SimTime(40 * m_view->nsPerPixel())));
    }
    for (NodeIndex n : m_filterHidden)
        m_view->setNodeHidden(n, false);
    for (NodeIndex n : hidden)
        m_view->setNodeHidden(n, true);
    m_filterHidden = hidden;
    updateStatus();
    return true;
}

bool SequencePanel::exportTo(const QString &path, bool whole, QString *error) const
{
    SequenceExportRequest request;
    request.path = path;
    request.range = whole ? SequenceExportRequest::Range::Whole : SequenceExportRequest::Range::Visible;
    request.from = whole ? m_view->history()->firstTime() : m_view->topTime();
    request.to = whole ? m_view->history()->lastTime() + 1 : m_view->bottomTime();
    return exportRequest(request, error);
}

bool SequencePanel::exportRequest(const SequenceExportRequest &request, QString *error) const
{
    const QString &path = request.path;
    SequenceFilter filter = m_view->filter();
    if (request.messageId) {
        filter.messageId = request.messageId;
        filter.correlationId = 0;
    }
    if (isPicturePath(path)) {
        SequenceImageOptions options;
        options.from = request.from;
        options.to = request.to;
        // The window shown keeps the view's zoom; another range is fitted to the picture.
        if (request.range == SequenceExportRequest::Range::Visible) options.nsPerPixel = m_view->nsPerPixel();
        // In another order the picture draws what the view draws: the re-placed history.
        return exportSequenceImage(path, *m_view->history(), m_view->layout(), filter, m_view->annotations(),
                                   options, error);
    }
    SequenceFormat format;
    if (!sequenceFormatForPath(path.toStdString(), format)) {
        if (error)
            *error = tr("%1: the extension must be .svg, .png, .pdf or one of %2")
                         .arg(path, QString::fromLatin1(kSequenceExtensions));
        return false;
    }
    // The text formats come from the core's recorder, fed the kept history of the range.
    SequenceOptions options;
    options.from = request.from;
    options.to = request.to;
    options.order = m_order;
    if (m_order != SequenceOrder::True) {
        // The range is on the diagram's axis: the text covers the true times of what lies in it.
        std::tie(options.from, options.to) = m_projection.trueSpan(request.from, request.to);
    }
    options.hideAcks = filter.hideAcks;
    options.messageId = filter.messageId;
    options.correlationId = options.messageId ? 0 : filter.correlationId;
    options.maxArrows = request.maxArrows;
    if (filter.routingKeys) options.routingKeys = *filter.routingKeys;
    std::vector<std::string> nodes, links;
    for (const QString &id : m_nodeIds)
        nodes.push_back(id.toStdString());
    for (const QString &id : m_linkIds)
        links.push_back(id.toStdString());
    // Fed straight from the ring, as recordSequence() would from a vector: no copy of up to
    // 2M events.
    SequenceRecorder recorder(std::move(nodes), std::move(links), options);
    std::vector<std::string> labels;
    for (const QString &name : m_nodeNames)
        labels.push_back(name.toStdString());
    recorder.setNodeLabels(std::move(labels));
    recorder.setClocks(m_clocks);
    recorder.setLinkEnds(m_linkEnds);
    if (m_faultNames)
        recorder.setFaultNames([this](std::uint64_t i) { return m_faultNames(i).toStdString(); });
    for (std::size_t i = 0; i < m_history.size(); ++i)
        recorder.onEvent(m_history.at(i));
    recorder.finish(m_history.lastTime());
    const std::string text = sequenceText(recorder, format);
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly) ||
        file.write(text.data(), qint64(text.size())) != qint64(text.size()) || !file.commit()) {
        if (error) *error = tr("%1: %2").arg(QDir::toNativeSeparators(path), file.errorString());
        return false;
    }
    return true;
}

SequenceExportDialog::Context SequencePanel::exportContext() const
{
    SequenceExportDialog::Context c;
    c.visibleFrom = m_view->topTime();
    c.visibleTo = m_view->bottomTime();
    c.firstTime = m_view->history()->firstTime(); // on the diagram's axis, whatever the order
    c.lastTime = m_view->history()->lastTime();
    c.selectedMessage = m_journey->messageId();
    QStringList filter;
    if (!m_filterEdit->text().trimmed().isEmpty()) filter << m_filterEdit->text().trimmed();
    if (m_hideAcks->isChecked()) filter << tr("hide acks");
    c.filterText = filter.join(QStringLiteral(", "));
    return c;
}

void SequencePanel::onExport()
{
    SequenceExportDialog dialog(exportContext(), this);
    if (dialog.exec() != QDialog::Accepted) return;
    QString error;
    if (!exportRequest(dialog.request(), &error)) {
        QMessageBox::warning(this, tr("Cannot export"), error);
        return;
    }
    m_status->setText(tr("Exported to %1").arg(QDir::toNativeSeparators(dialog.request().path)));
}

} // namespace sb
