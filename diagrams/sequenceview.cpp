#include "sequenceview.h"

#include <QContextMenuEvent>
#include <QElapsedTimer>
#include <QHelpEvent>
#include <QMenu>
#include <QPainter>
#include <QScrollBar>
#include <QToolTip>
#include <QWheelEvent>

#include <algorithm>
#include <cmath>
#include <optional>

namespace sb {

namespace {
constexpr double kMinNsPerPixel = 1;
constexpr double kMaxNsPerPixel = 1e10;
constexpr double kZoomStep = 1.25;
constexpr double kHitDistance = 4;
constexpr double kMarkHitDistance = 6;

double distanceToSegment(QPointF p, QLineF l)
{
    const QPointF d = l.p2() - l.p1();
    const double len2 = d.x() * d.x() + d.y() * d.y();
    double t = len2 > 0 ? ((p.x() - l.x1()) * d.x() + (p.y() - l.y1()) * d.y()) / len2 : 0;
    t = std::clamp(t, 0.0, 1.0);
    const QPointF q = l.p1() + d * t;
    return std::hypot(p.x() - q.x(), p.y() - q.y());
}
} // namespace

SequenceView::SequenceView(QWidget *parent) : QAbstractScrollArea(parent)
{
    setObjectName(QStringLiteral("sequenceView"));
    viewport()->setMouseTracking(true);
    viewport()->setAttribute(Qt::WA_OpaquePaintEvent);
    setFocusPolicy(Qt::StrongFocus);
    setHorizontalScrollBarPolicy(Qt::ScrollBarAsNeeded);
    setVerticalScrollBarPolicy(Qt::ScrollBarAlwaysOn);
    m_layout.nsPerPixel = 2e5; // 200 µs a pixel: 1 s fills 5,000 px, a 1 ms hop slopes 5 px
}

void SequenceView::setHistory(const SequenceHistory *history)
{
    m_history = history;
    // Another history (or one rebuilt in another order): the selected journey is looked up anew.
    if (m_journey.id() && m_history)
        m_journey = SequenceHistory::Journey(*m_history, m_journey.id(), m_journey.of());
    m_highlight.hovered = SIZE_MAX;
    historyChanged();
}

void SequenceView::setProjection(const SequenceProjection *projection)
{
    m_projection = projection;
    m_layout.ordering = projection ? projection->order() : SequenceOrder::True;
    m_layout.axisShift = projection ? projection->axisShift() : 0;
    setHistory(projection ? &projection->history() : m_trueHistory);
}

void SequenceView::setClockContext(std::vector<NodeClock> clocks,
                                   std::vector<std::pair<NodeIndex, NodeIndex>> linkEnds,
                                   std::function<QString(std::uint64_t)> faultName)
{
    m_layout.clocks = std::move(clocks);
    m_layout.linkEnds = std::move(linkEnds);
    m_layout.faultName = std::move(faultName);
    viewport()->update();
}

void SequenceView::setTopology(const QStringList &nodeIds, const QStringList &nodeKinds,
                               const QStringList &linkIds, const std::vector<NodeIndex> &order,
                               const QStringList &nodeNames)
{
    m_layout.nodeIds = nodeIds;
    m_layout.nodeNames = nodeNames.size() == nodeIds.size() ? nodeNames : nodeIds;
    m_layout.nodeKinds = nodeKinds;
    m_linkIds = linkIds;
    m_fullOrder = order;
    if (m_fullOrder.size() != std::size_t(nodeIds.size())) {
        m_fullOrder.clear();
        for (NodeIndex n = 0; n < NodeIndex(nodeIds.size()); ++n)
            m_fullOrder.push_back(n);
    }
    m_hidden.assign(std::size_t(nodeIds.size()), false);
    m_layout.order = m_fullOrder;
    m_highlight = {};
    m_journey = {};
    m_annotations.clear();
    m_findings.clear();
    m_painted.clear();
    m_follow = true;
    updateScrollBars();
    viewport()->update();
    Q_EMIT lifelinesChanged();
}

void SequenceView::setLifelineOrder(const std::vector<NodeIndex> &order)
{
    // Keep hidden nodes where they were relative to the new order: append any node not named.
    std::vector<NodeIndex> full = order;
    for (NodeIndex n : m_fullOrder)
        if (std::find(full.begin(), full.end(), n) == full.end()) full.push_back(n);
    m_fullOrder = full;
    m_layout.order.clear();
    for (NodeIndex n : m_fullOrder)
        if (n < m_hidden.size() && !m_hidden[n]) m_layout.order.push_back(n);
    updateScrollBars();
    viewport()->update();
    Q_EMIT lifelinesChanged();
}

void SequenceView::setNodeHidden(NodeIndex node, bool hidden)
{
    if (node >= m_hidden.size() || m_hidden[node] == hidden) return;
    m_hidden[node] = hidden;
    setLifelineOrder(m_fullOrder);
}

void SequenceView::showAllNodes()
{
    std::fill(m_hidden.begin(), m_hidden.end(), false);
    setLifelineOrder(m_fullOrder);
}

SimTime SequenceView::visibleSpan() const
{
    return SimTime(std::max(1.0, (viewport()->height() - m_layout.headerHeight - m_layout.topMargin) *
                                     m_layout.nsPerPixel));
}

SimTime SequenceView::bottomTime() const
{
    return m_layout.top + visibleSpan();
}

SimTime SequenceView::scrollUnit() const
{
    // Scroll bars count in ints: one step is at least a pixel's worth of time, and the whole run
    // fits in a few hundred million steps.
    const SimTime total = m_history ? m_history->lastTime() : 0;
    return std::max<SimTime>({1, SimTime(m_layout.nsPerPixel), total / 400'000'000});
}

void SequenceView::updateScrollBars()
{
    m_updatingScrollBars = true;
    const SimTime unit = scrollUnit();
    const SimTime first = m_history ? m_history->firstTime() : 0;
    const SimTime last = m_history ? m_history->lastTime() : 0;
    const SimTime span = visibleSpan();
    QScrollBar *v = verticalScrollBar();
    v->setRange(int(first / unit), int(std::max<SimTime>(first, last - span / 2) / unit));
    v->setPageStep(int(std::max<SimTime>(1, span / unit)));
    v->setSingleStep(std::max(1, int(span / unit / 20)));
    v->setValue(int(m_layout.top / unit));
    QScrollBar *h = horizontalScrollBar();
    const int contentWidth = int(m_layout.width());
    h->setRange(0, std::max(0, contentWidth - viewport()->width()));
    h->setPageStep(viewport()->width());
    m_updatingScrollBars = false;
}

void SequenceView::followEnd()
{
    if (!m_history) return;
    const SimTime span = visibleSpan();
    m_layout.top = std::max(m_history->firstTime(), m_history->lastTime() - span * 9 / 10);
}

void SequenceView::historyChanged()
{
    if (m_follow) followEnd();
    if (m_journey.id() && m_history) {
        // Only the events appended since the last frame are looked at.
        m_journey.update(*m_history);
        m_highlight.journey = m_journey.indices();
        if (m_journey.calls().size() != m_highlight.calls.size()) { // a downstream call began
            m_highlight.calls.assign(m_journey.calls().begin(), m_journey.calls().end());
            std::sort(m_highlight.calls.begin(), m_highlight.calls.end());
        }
    }
    updateScrollBars();
    viewport()->update();
}

void SequenceView::setFollowing(bool on)
{
    if (m_follow == on) return;
    m_follow = on;
    if (on) historyChanged();
    Q_EMIT followingChanged(on);
}

void SequenceView::setNsPerPixel(double ns)
{
    ns = std::clamp(ns, kMinNsPerPixel, kMaxNsPerPixel);
    if (ns == m_layout.nsPerPixel) return;
    m_layout.nsPerPixel = ns;
    if (m_follow) followEnd();
    updateScrollBars();
    viewport()->update();
    Q_EMIT zoomChanged(ns);
}

void SequenceView::zoomBy(double factor, double anchorY)
{
    // Keep the time under the anchor where it is.
    const SimTime anchor = m_layout.timeAt(anchorY);
    const double before = m_layout.nsPerPixel;
    const double after = std::clamp(before / factor, kMinNsPerPixel, kMaxNsPerPixel);
    if (after == before) return;
    m_layout.nsPerPixel = after;
    if (!m_follow)
        m_layout.top = std::max<SimTime>(
            0, anchor - SimTime((anchorY - m_layout.headerHeight - m_layout.topMargin) * after));
    else
        followEnd();
    updateScrollBars();
    viewport()->update();
    Q_EMIT zoomChanged(after);
}

void SequenceView::scrollToTime(SimTime t)
{
    setFollowing(false);
    m_layout.top = std::max<SimTime>(0, t);
    updateScrollBars();
    viewport()->update();
}

void SequenceView::setFilter(const SequenceFilter &filter)
{
    m_filter = filter;
    viewport()->update();
}

void SequenceView::setAnnotations(std::vector<SequenceAnnotation> annotations)
{
    m_annotations = std::move(annotations);
    updatePainted();
}

void SequenceView::setFindings(std::vector<Finding> findings)
{
    m_findings = std::move(findings);
    updatePainted();
}

void SequenceView::updatePainted()
{
    m_painted = m_annotations;
    const QColor findingColor(0xd0, 0x2b, 0x5c);
    for (const Finding &f : m_findings) {
        SequenceAnnotation a;
        a.time = f.time;
        a.node = f.node;
        const QString subject = QString::fromStdString(f.subject);
        a.text = QString::fromStdString(f.check) +
                 (subject.isEmpty() ? QString() : QStringLiteral(" · ") + subject);
        a.color = findingColor;
        a.messageId = f.messageId;
        a.correlationId = f.correlationId;
        m_painted.push_back(std::move(a));
    }
    viewport()->update();
}

std::size_t SequenceView::findingAt(QPointF pos) const
{
    const QPointF p = pos + QPointF(horizontalScrollBar()->value(), 0);
    for (const auto &l : m_stats.labels)
        if (l.kind == SequenceRenderer::DrawnLabel::Kind::Annotation &&
            l.annotation >= m_annotations.size() && l.annotation < m_painted.size() && l.rect.contains(p))
            return l.annotation - m_annotations.size();
    return SIZE_MAX;
}

void SequenceView::showFinding(std::size_t index)
{
    if (index >= m_findings.size()) return;
    const Finding &f = m_findings[index];
    if (f.correlationId)
        selectCall(f.correlationId);
    else
        selectMessage(f.messageId);
    // The mark a little below the top, as a filter's jump shows what it picked.
    scrollToTime(std::max<SimTime>(0, f.time - SimTime(80 * m_layout.nsPerPixel)));
    Q_EMIT findingClicked(int(index));
}

QStringList SequenceView::journeyLinks() const
{
    QStringList links;
    if (m_history)
        for (std::size_t i : m_highlight.journey) {
            const TraceEvent &e = m_history->at(i);
            if (e.kind == TraceKind::Send && e.link < LinkIndex(m_linkIds.size()) &&
                !links.contains(m_linkIds[int(e.link)]))
                links << m_linkIds[int(e.link)];
        }
    return links;
}

void SequenceView::select(std::uint64_t id, SequenceHistory::Journey::Of of)
{
    m_journey = id && m_history ? SequenceHistory::Journey(*m_history, id, of) : SequenceHistory::Journey();
    m_highlight.journey = m_journey.indices();
    m_highlight.calls.assign(m_journey.calls().begin(), m_journey.calls().end());
    std::sort(m_highlight.calls.begin(), m_highlight.calls.end());
    viewport()->update();
}

void SequenceView::selectMessage(std::uint64_t messageId)
{
    select(messageId, SequenceHistory::Journey::Of::Message);
    Q_EMIT messageSelected(messageId, journeyLinks());
}

void SequenceView::selectCall(std::uint64_t callId)
{
    select(callId, SequenceHistory::Journey::Of::Call);
    Q_EMIT callSelected(callId, journeyLinks());
}

void SequenceView::setHighlightedNodes(const QStringList &nodeIds)
{
    m_highlight.nodes.assign(std::size_t(m_layout.nodeIds.size()), false);
    for (const QString &id : nodeIds) {
        const auto i = m_layout.nodeIds.indexOf(id);
        if (i >= 0) m_highlight.nodes[std::size_t(i)] = true;
    }
    viewport()->update();
}

void SequenceView::setHighlightedLinks(const QStringList &linkIds)
{
    m_highlight.links.assign(std::size_t(m_linkIds.size()), false);
    for (const QString &id : linkIds) {
        const auto i = m_linkIds.indexOf(id);
        if (i >= 0) m_highlight.links[std::size_t(i)] = true;
    }
    viewport()->update();
}

std::size_t SequenceView::arrowAt(QPointF pos) const
{
    const QPointF p = pos + QPointF(horizontalScrollBar()->value(), 0);
    std::size_t best = SIZE_MAX;
    double bestDistance = kHitDistance;
    for (const auto &hit : m_hits) {
        const double d = distanceToSegment(p, hit.line);
        if (d <= bestDistance) {
            bestDistance = d;
            best = hit.index;
        }
    }
    return best;
}

std::vector<std::size_t> SequenceView::marksAt(QPointF pos) const
{
    const QPointF p = pos + QPointF(horizontalScrollBar()->value(), 0);
    // A mark's glyph is about 10 px across: anywhere on it counts.
    double best = kMarkHitDistance;
    std::optional<QPointF> spot;
    for (const auto &m : m_stats.markSpots) {
        const double d = QLineF(p, m.at).length();
        if (d <= best) {
            best = d;
            spot = m.at;
        }
    }
    std::vector<std::size_t> out;
    if (!spot) return out;
    for (const auto &m : m_stats.markSpots)
        if (m.at == *spot) out.push_back(m.index);
    return out;
}

QString SequenceView::markToolTip(const std::vector<std::size_t> &indices) const
{
    QStringList lines;
    for (std::size_t i : indices)
        lines << arrowToolTip(i);
    return lines.join(QLatin1Char('\n'));
}

void SequenceView::setGroupNames(std::function<QString(std::uint32_t)> names)
{
    m_layout.groupName = std::move(names);
    viewport()->update();
}

NodeIndex SequenceView::headerAt(QPointF pos) const
{
    if (pos.y() > m_layout.headerHeight) return kNoIndex;
    const double x = pos.x() + horizontalScrollBar()->value() - m_layout.rulerWidth;
    if (x < 0) return kNoIndex;
    const auto column = std::size_t(x / m_layout.columnWidth);
    return column < m_layout.order.size() ? m_layout.order[column] : kNoIndex;
}

void SequenceView::paintEvent(QPaintEvent *)
{
    QElapsedTimer clock;
    clock.start();
    QPainter p(viewport());
    static const SequenceHistory empty(2);
    const SequenceHistory &history = m_history ? *m_history : empty;
    p.translate(-horizontalScrollBar()->value(), 0);
    const QSizeF size(
        std::max<double>(viewport()->width() + horizontalScrollBar()->value(), m_layout.width()),
        viewport()->height());
    m_stats = SequenceRenderer::paint(p, size, history, m_layout, m_filter, m_highlight, m_painted, palette(),
                                      &m_hits);
    if (history.empty()) {
        p.resetTransform();
        p.setPen(palette().color(QPalette::PlaceholderText));
        p.drawText(viewport()->rect().adjusted(0, int(m_layout.headerHeight), 0, 0), Qt::AlignCenter,
                   tr("Run the topology: every message appears here as it moves."));
    }
    m_lastPaintMs = double(clock.nsecsElapsed()) / 1e6;
}

void SequenceView::resizeEvent(QResizeEvent *event)
{
    QAbstractScrollArea::resizeEvent(event);
    if (m_follow) followEnd();
    updateScrollBars();
}

void SequenceView::scrollContentsBy(int, int dy)
{
    if (m_updatingScrollBars) return;
    if (dy != 0) {
        m_layout.top = SimTime(verticalScrollBar()->value()) * scrollUnit();
        // Scrolled to the end: follow again; anywhere else: stay.
        const bool atEnd = verticalScrollBar()->value() >= verticalScrollBar()->maximum();
        if (atEnd != m_follow) {
            m_follow = atEnd;
            Q_EMIT followingChanged(atEnd);
        }
    }
    viewport()->update();
}

void SequenceView::wheelEvent(QWheelEvent *event)
{
    if (event->modifiers() & Qt::ControlModifier) {
        const double steps = event->angleDelta().y() / 120.0;
        if (steps != 0) zoomBy(std::pow(kZoomStep, steps), event->position().y());
        event->accept();
        return;
    }
    QAbstractScrollArea::wheelEvent(event);
}

void SequenceView::mousePressEvent(QMouseEvent *event)
{
    if (event->button() != Qt::LeftButton) return QAbstractScrollArea::mousePressEvent(event);
    const NodeIndex header = headerAt(event->position());
    if (header != kNoIndex) {
        m_draggedNode = header;
        m_dragStartX = event->position().x();
        return;
    }
    if (const std::size_t finding = findingAt(event->position()); finding != SIZE_MAX) {
        const Finding &f = m_findings[finding];
        if (f.correlationId)
            selectCall(f.correlationId);
        else
            selectMessage(f.messageId);
        Q_EMIT findingClicked(int(finding));
        return;
    }
    const std::size_t hit = arrowAt(event->position());
    // A call's frame selects the call (every attempt, and its downstream calls); any other frame
    // its message.
    if (hit != SIZE_MAX && m_history && isCallFrame(m_history->at(hit).frame) &&
        m_history->at(hit).correlationId)
        selectCall(m_history->at(hit).correlationId);
    else
        selectMessage(hit != SIZE_MAX && m_history ? m_history->at(hit).messageId : 0);
}

void SequenceView::mouseMoveEvent(QMouseEvent *event)
{
    if (m_draggedNode != kNoIndex) {
        viewport()->setCursor(Qt::SizeHorCursor);
        return;
    }
    const std::size_t hit = arrowAt(event->position());
    if (hit != m_highlight.hovered) {
        m_highlight.hovered = hit;
        viewport()->update();
    }
}

void SequenceView::mouseReleaseEvent(QMouseEvent *event)
{
    if (m_draggedNode == kNoIndex) return QAbstractScrollArea::mouseReleaseEvent(event);
    const NodeIndex node = m_draggedNode;
    m_draggedNode = kNoIndex;
    viewport()->unsetCursor();
    if (std::abs(event->position().x() - m_dragStartX) < 6) {
        if (node < NodeIndex(m_layout.nodeIds.size())) Q_EMIT nodeClicked(m_layout.nodeIds[int(node)]);
        return;
    }
    // Dropped over another column: the lifeline moves there.
    const double x = event->position().x() + horizontalScrollBar()->value() - m_layout.rulerWidth;
    const auto target =
        std::size_t(std::clamp(x / m_layout.columnWidth, 0.0, double(m_layout.order.size()) - 1));
    std::vector<NodeIndex> order = m_layout.order;
    order.erase(std::find(order.begin(), order.end(), node));
    order.insert(order.begin() + std::ptrdiff_t(std::min(target, order.size())), node);
    setLifelineOrder(order);
}

void SequenceView::mouseDoubleClickEvent(QMouseEvent *event)
{
    const std::size_t hit = arrowAt(event->position());
    if (hit != SIZE_MAX && m_history && m_history->at(hit).messageId)
        Q_EMIT messageActivated(m_history->at(hit).messageId);
}

void SequenceView::contextMenuEvent(QContextMenuEvent *event)
{
    QMenu menu(this);
    const NodeIndex node = headerAt(event->pos());
    if (node != kNoIndex && node < NodeIndex(m_layout.nodeIds.size()))
        menu.addAction(tr("Hide \u201c%1\u201d").arg(m_layout.nodeName(node)), this,
                       [this, node] { setNodeHidden(node, true); });
    QAction *all = menu.addAction(tr("Show All Lifelines"), this, &SequenceView::showAllNodes);
    all->setEnabled(std::find(m_hidden.begin(), m_hidden.end(), true) != m_hidden.end());
    menu.addSeparator();
    menu.addAction(m_follow ? tr("Stop Following") : tr("Follow the Run"), this,
                   [this] { setFollowing(!m_follow); });
    menu.exec(event->globalPos());
}

void SequenceView::keyPressEvent(QKeyEvent *event)
{
    if (event->modifiers() & Qt::ControlModifier) {
        if (event->key() == Qt::Key_Plus || event->key() == Qt::Key_Equal) {
            zoomBy(kZoomStep, viewport()->height() / 2.0);
            return;
        }
        if (event->key() == Qt::Key_Minus) {
            zoomBy(1 / kZoomStep, viewport()->height() / 2.0);
            return;
        }
    }
    if (event->key() == Qt::Key_End) {
        setFollowing(true);
        return;
    }
    if (event->key() == Qt::Key_Home && m_history && !m_history->empty()) {
        scrollToTime(m_history->firstTime());
        return;
    }
    if (event->key() == Qt::Key_Escape) {
        selectMessage(0);
        return;
    }
    QAbstractScrollArea::keyPressEvent(event);
}

QString SequenceView::headerToolTip(NodeIndex node) const
{
    if (node >= NodeIndex(m_layout.nodeIds.size())) return {};
    return tr("%1\nid: %2 \u00b7 %3\nDrag to move the lifeline, right-click to hide it")
        .arg(m_layout.nodeName(node), m_layout.nodeId(node), m_layout.nodeKinds.value(int(node)));
}

QString SequenceView::arrowToolTip(std::size_t i) const
{
    if (!m_history || i >= m_history->size()) return {};
    const bool projected = m_projection && m_history == &m_projection->history();
    // Placed by another order, the copy's times are positions: describe the event as traced.
    const TraceEvent &e = projected ? m_projection->original(i) : m_history->at(i);
    QString text = SequenceRenderer::describe(e, m_layout, m_linkIds);
    if (projected) {
        std::vector<std::string> names;
        for (const QString &id : m_layout.nodeIds)
            names.push_back(id.toStdString());
        text += QLatin1Char('\n') + QString::fromStdString(m_projection->stampText(i, names));
    } else if (m_layout.contradicts(e)) {
        text +=
            QLatin1Char('\n') +
            tr("Received at %1 by %2's clock, before it was sent at %3 by %4's")
                .arg(QString::fromStdString(formatDuration(localReading(m_layout.clocks, e.peer, e.aux))),
                     m_layout.nodeName(e.peer),
                     QString::fromStdString(formatDuration(localReading(m_layout.clocks, e.node, e.time))),
                     m_layout.nodeName(e.node));
    }
    const QString details = e.messageId && m_messageDetails ? m_messageDetails(e.messageId) : QString();
    if (!details.isEmpty()) text += QLatin1Char('\n') + details;
    return text;
}

bool SequenceView::viewportEvent(QEvent *event)
{
    if (event->type() == QEvent::ToolTip && m_history) {
        auto *help = static_cast<QHelpEvent *>(event);
        const std::size_t hit = arrowAt(help->pos());
        if (const std::size_t finding = findingAt(help->pos()); finding != SIZE_MAX) {
            QToolTip::showText(help->globalPos(), QString::fromStdString(m_findings[finding].what),
                               viewport());
        } else if (hit != SIZE_MAX) {
            QToolTip::showText(help->globalPos(), arrowToolTip(hit), viewport());
        } else if (const std::vector<std::size_t> marks = marksAt(help->pos()); !marks.empty()) {
            QToolTip::showText(help->globalPos(), markToolTip(marks), viewport());
        } else {
            const NodeIndex node = headerAt(help->pos());
            if (node != kNoIndex && node < NodeIndex(m_layout.nodeIds.size()))
                QToolTip::showText(help->globalPos(), headerToolTip(node), viewport());
            else
                QToolTip::hideText();
        }
        return true;
    }
    return QAbstractScrollArea::viewportEvent(event);
}

} // namespace sb
