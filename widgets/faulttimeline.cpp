#include "faulttimeline.h"

#include "topologydocument.h"

#include <QContextMenuEvent>
#include <QKeyEvent>
#include <QMenu>
#include <QMouseEvent>
#include <QPainter>
#include <QScrollBar>
#include <QWheelEvent>

#include <algorithm>
#include <cmath>
#include <set>

namespace sb {

namespace {

constexpr int kAxisHeight = 22;
constexpr int kRowHeight = 20;
constexpr int kEdge = 5;          // px of a bar's ends that resize it
constexpr int kDragThreshold = 4; // px before a press becomes a drag
constexpr int kMinTickGap = 80;   // px between labelled ticks
constexpr SimTime kMinSpan = kMillisecond;
constexpr SimTime kMaxSpan = 1000000 * kSecond;
// Repetitions drawn per fault at most: a view never needs more than its width in bars.
constexpr std::uint64_t kMaxBars = 4000;

QString q(const std::string &s)
{
    return QString::fromStdString(s);
}

QString shownName(const TopologyDocument &doc, const std::string &id)
{
    const NodeDef *n = doc.node(q(id));
    return q(n && !n->name.empty() ? n->name : id);
}

QStringList sortedNodes(const std::vector<std::string> &nodes)
{
    QStringList list;
    for (const auto &n : nodes)
        list << q(n);
    list.sort();
    return list;
}

// Bars are coloured by category, in hues that read on light and dark backgrounds.
QColor categoryColor(const std::string &category)
{
    if (category == "Link") return QColor(0xe0, 0x8a, 0x1e);
    if (category == "Messages") return QColor(0x9c, 0x5b, 0xcf);
    if (category == "Node") return QColor(0xd6, 0x45, 0x45);
    return QColor(0x3b, 0x7d, 0xd8); // Nemesis
}

// The largest 1-2-5 step whose ticks stay at least `minGap` px apart.
SimTime niceStep(double nsPerPixel, int minGap)
{
    const double wanted = nsPerPixel * minGap;
    double step = 1;
    while (step < wanted) {
        for (double m : {2.0, 2.5, 2.0}) { // 1, 2, 5, 10, 20, 50 ...
            step *= m;
            if (step >= wanted) break;
        }
    }
    return std::max<SimTime>(1, SimTime(step));
}

} // namespace

FaultTimeline::FaultTimeline(TopologyDocument *document, QWidget *parent)
    : QAbstractScrollArea(parent), m_document(document), m_addMenu(new QMenu(tr("Add fault"), this))
{
    setObjectName(QStringLiteral("faultTimeline"));
    m_addMenu->setObjectName(QStringLiteral("addFaultMenu"));
    setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    setFocusPolicy(Qt::StrongFocus);
    viewport()->setMouseTracking(true);
    setMinimumHeight(kAxisHeight + 3 * kRowHeight);
    connect(m_addMenu, &QMenu::aboutToShow, this, &FaultTimeline::fillAddMenu);
    connect(verticalScrollBar(), &QScrollBar::valueChanged, viewport(), qOverload<>(&QWidget::update));

    using D = TopologyDocument;
    for (auto signal : {&D::nodeAdded, &D::nodeRemoved, &D::nodeRenamed, &D::linkAdded, &D::linkRemoved,
                        &D::faultAdded, &D::faultRemoved, &D::faultChanged})
        connect(m_document, signal, this, &FaultTimeline::onDocumentChanged);
    connect(m_document, &D::nodeIdChanged, this, &FaultTimeline::onDocumentChanged);
    // Another topology: nothing of the last one's selection or run time applies.
    connect(m_document, &D::documentReset, this, [this] {
        selectFault({});
        m_now = 0;
        onDocumentChanged();
        fitToPlan();
    });
    connect(m_document, &D::runSettingsChanged, this, &FaultTimeline::fitToPlan);
    rebuildRows();
    fitToPlan();
}

FaultTimeline::~FaultTimeline() = default;

void FaultTimeline::setSelectionProvider(std::function<QStringList()> nodes,
                                         std::function<QStringList()> links)
{
    m_selectedNodes = std::move(nodes);
    m_selectedLinks = std::move(links);
}

void FaultTimeline::onDocumentChanged()
{
    if (!m_selected.isEmpty() && !m_document->fault(m_selected)) selectFault({});
    rebuildRows();
    viewport()->update();
}

void FaultTimeline::rebuildRows()
{
    const Topology &t = m_document->topology();
    m_rows.clear();
    for (const auto &l : t.links)
        m_rows.push_back({FaultTarget::Link,
                          q(l.id),
                          {},
                          QStringLiteral("%1 \u2192 %2")
                              .arg(shownName(*m_document, l.from), shownName(*m_document, l.to))});
    for (const auto &n : t.nodes)
        m_rows.push_back({FaultTarget::Node, q(n.id), {}, shownName(*m_document, n.id)});
    // Groups: every node (where nemeses go by default), then each node list the plan uses.
    m_rows.push_back({FaultTarget::Group, {}, {}, tr("All nodes")});
    std::set<QStringList> groups;
    for (const auto &f : t.faults) {
        if (f.nodes.empty() || !f.target.empty()) continue;
        const QStringList nodes = sortedNodes(f.nodes);
        if (!groups.insert(nodes).second) continue;
        QStringList names;
        for (const QString &n : nodes)
            names << shownName(*m_document, n.toStdString());
        m_rows.push_back({FaultTarget::Group, {}, nodes, names.join(QStringLiteral(", "))});
    }
    updateScrollBar();
}

int FaultTimeline::rowOf(const FaultDef &f) const
{
    for (int i = 0; i < int(m_rows.size()); ++i) {
        const Row &r = m_rows[std::size_t(i)];
        if (!f.target.empty()) {
            if (r.type != FaultTarget::Group && r.target == q(f.target)) return i;
        } else if (r.type == FaultTarget::Group && r.nodes == sortedNodes(f.nodes)) {
            return i;
        }
    }
    return -1;
}

QStringList FaultTimeline::kindsFor(const Row &row) const
{
    QStringList kinds;
    for (const FaultKindSpec &k : KindRegistry::builtin().faultKinds()) {
        const bool fits = k.target == row.type || (row.type == FaultTarget::Group &&
                                                   k.target == FaultTarget::Node && !row.nodes.isEmpty());
        if (fits) kinds << q(k.kind);
    }
    return kinds;
}

// Geometry

int FaultTimeline::labelWidth() const
{
    int widest = 60;
    const QFontMetrics metrics(font());
    for (const Row &r : m_rows)
        widest = std::max(widest, metrics.horizontalAdvance(r.label));
    return std::min(widest + 16, 200);
}

QRect FaultTimeline::timeArea() const
{
    const int left = labelWidth();
    return QRect(left, kAxisHeight, std::max(10, viewport()->width() - left - 20),
                 std::max(0, viewport()->height() - kAxisHeight));
}

QRect FaultTimeline::rowRect(int row) const
{
    return QRect(0, kAxisHeight + row * kRowHeight - verticalScrollBar()->value(), viewport()->width(),
                 kRowHeight);
}

int FaultTimeline::rowAt(int y) const
{
    if (y < kAxisHeight) return -1;
    const int row = (y - kAxisHeight + verticalScrollBar()->value()) / kRowHeight;
    return row < int(m_rows.size()) ? row : -1;
}

int FaultTimeline::xOf(SimTime t) const
{
    const QRect area = timeArea();
    const double x = area.left() + double(t - m_from) * area.width() / double(m_to - m_from);
    return int(std::lround(std::clamp(x, -1.0e6, 1.0e6)));
}

SimTime FaultTimeline::timeAt(int x) const
{
    const QRect area = timeArea();
    return m_from + SimTime(std::llround(double(x - area.left()) * double(m_to - m_from) / area.width()));
}

SimTime FaultTimeline::tickStep() const
{
    return niceStep(double(m_to - m_from) / timeArea().width(), kMinTickGap);
}

SimTime FaultTimeline::snapStep() const
{
    return std::max<SimTime>(1, tickStep() / 10);
}

SimTime FaultTimeline::snap(SimTime t) const
{
    const SimTime step = snapStep();
    return std::max<SimTime>(0, SimTime(std::llround(double(t) / double(step))) * step);
}

void FaultTimeline::setVisibleRange(SimTime from, SimTime to)
{
    from = std::max<SimTime>(0, from);
    to = std::clamp(to, from + kMinSpan, from + kMaxSpan);
    if (from == m_from && to == m_to) return;
    m_from = from;
    m_to = to;
    viewport()->update();
}

SimTime FaultTimeline::defaultEnd() const
{
    const Topology &t = m_document->topology();
    SimTime end = t.run.until ? *t.run.until : 60 * kSecond;
    for (const FaultDef &f : t.faults) {
        const SimTime last = f.duration ? addTime(f.start, *f.duration) : f.start;
        // A little room after the last fault, so its end can be grabbed.
        if (last >= end) end = addTime(last, std::max<SimTime>(last / 20, kMillisecond));
    }
    return std::min(end, kMaxSpan);
}

void FaultTimeline::fitToPlan()
{
    setVisibleRange(0, defaultEnd());
}

std::vector<std::tuple<std::uint64_t, SimTime, SimTime>> FaultTimeline::spans(const FaultDef &f) const
{
    std::vector<std::tuple<std::uint64_t, SimTime, SimTime>> out;
    std::uint64_t k = 0;
    // A repeating fault: skip the repetitions that end before the view.
    if (f.every && *f.every > 0 && m_from > f.start) k = std::uint64_t((m_from - f.start) / *f.every);
    for (std::uint64_t n = 0; n < kMaxBars; ++n, ++k) {
        const SimTime s = f.startOf(k);
        if (s == kNever || s >= m_to) break;
        const SimTime e = f.endOf(k) == kNever ? m_to : std::min(f.endOf(k), m_to);
        if (e > m_from) out.emplace_back(k, s, e);
        if (!f.every) break;
    }
    return out;
}

QRect FaultTimeline::barRect(const QString &id, std::uint64_t k) const
{
    const FaultDef *f = m_document->fault(id);
    if (!f) return {};
    const FaultDef &shown = m_preview && m_preview->id == f->id ? *m_preview : *f;
    const int row = rowOf(shown);
    if (row < 0) return {};
    const QRect area = timeArea();
    const QRect r = rowRect(row);
    for (const auto &[rep, s, e] : spans(shown)) {
        if (rep != k) continue;
        const int x0 = std::max(xOf(s), area.left());
        const int x1 = std::min(xOf(e), area.right());
        return QRect(QPoint(x0, r.top() + 2), QPoint(std::max(x1, x0 + 3), r.bottom() - 2));
    }
    return {};
}

FaultTimeline::Hit FaultTimeline::hitAt(QPoint pos) const
{
    const int row = rowAt(pos.y());
    if (row < 0 || pos.x() < timeArea().left()) return {};
    // The last drawn is on top: search the plan backwards.
    const auto &faults = m_document->topology().faults;
    for (auto it = faults.rbegin(); it != faults.rend(); ++it) {
        if (rowOf(*it) != row) continue;
        for (const auto &[k, s, e] : spans(*it)) {
            const QRect bar = barRect(q(it->id), k);
            if (bar.isEmpty() || pos.x() < bar.left() - 2 || pos.x() > bar.right() + 2) continue;
            Part part = Part::Middle;
            const bool ends = it->duration && e == it->endOf(k);
            if (bar.width() > 2 * kEdge + 2) { // a thin bar is all middle: it moves
                if (ends && pos.x() >= bar.right() - kEdge)
                    part = Part::EndEdge;
                else if (s >= m_from && pos.x() <= bar.left() + kEdge)
                    part = Part::StartEdge;
            }
            return {q(it->id), k, part};
        }
    }
    return {};
}

// Selection and editing

void FaultTimeline::selectFault(const QString &id)
{
    if (id == m_selected) return;
    m_selected = id;
    viewport()->update();
    Q_EMIT faultSelected(id);
}

void FaultTimeline::setCurrentTime(qint64 virtualTimeNs)
{
    if (virtualTimeNs == m_now) return;
    m_now = virtualTimeNs;
    viewport()->update();
}

void FaultTimeline::removeSelected()
{
    if (m_selected.isEmpty()) return;
    QString error;
    if (!m_document->removeFaults({m_selected}, &error)) Q_EMIT editRefused(error);
}

SimTime FaultTimeline::newFaultStart() const
{
    if (m_now > m_from && m_now < m_to) return snap(m_now);
    return snap(m_from + (m_to - m_from) / 10);
}

SimTime FaultTimeline::newFaultDuration() const
{
    return std::max(snapStep(), snap((m_to - m_from) / 10));
}

QString FaultTimeline::addFault(const QString &kind, const Row &row, SimTime start,
                                std::optional<SimTime> duration)
{
    FaultDef f;
    f.kind = kind.toStdString();
    f.start = std::max<SimTime>(0, start);
    f.duration = duration;
    if (row.type == FaultTarget::Group) {
        for (const QString &n : row.nodes)
            f.nodes.push_back(n.toStdString());
    } else {
        f.target = row.target.toStdString();
    }
    QString error;
    const QString id = m_document->addFault(std::move(f), &error);
    if (id.isEmpty()) {
        Q_EMIT editRefused(error);
        return {};
    }
    if (const FaultKindSpec *spec = KindRegistry::builtin().findFault(kind.toStdString()))
        m_lastKind[spec->target] = kind;
    selectFault(id);
    return id;
}

QString FaultTimeline::chooseKind(const QStringList &kinds, const QString &last, QPoint globalPos)
{
    if (m_chooseKind) return m_chooseKind(kinds, last, globalPos);
    QMenu menu(this);
    QAction *active = nullptr;
    std::string category;
    for (const QString &kind : kinds) {
        const FaultKindSpec *spec = KindRegistry::builtin().findFault(kind.toStdString());
        if (!spec) continue;
        if (spec->category != category) menu.addSection(q(category = spec->category));
        QAction *a = menu.addAction(q(spec->label));
        a->setData(kind);
        a->setToolTip(q(spec->help));
        if (kind == last) active = a;
    }
    if (active) menu.setActiveAction(active);
    const QAction *chosen = menu.exec(globalPos, active);
    return chosen ? chosen->data().toString() : QString();
}

void FaultTimeline::fillAddMenu()
{
    m_addMenu->clear();
    const QStringList selectedNodes = m_selectedNodes ? m_selectedNodes() : QStringList();
    const QStringList selectedLinks = m_selectedLinks ? m_selectedLinks() : QStringList();
    QStringList group = selectedNodes;
    group.sort();
    // The row a kind would act on from the canvas selection, if it fits.
    auto fromSelection = [&](const FaultKindSpec &k) -> std::optional<Row> {
        for (const Row &r : m_rows) {
            if (k.target == FaultTarget::Link && r.type == FaultTarget::Link && selectedLinks.size() == 1 &&
                r.target == selectedLinks.first() && selectedNodes.isEmpty())
                return r;
            if (k.target == FaultTarget::Node && r.type == FaultTarget::Node && selectedNodes.size() == 1 &&
                r.target == selectedNodes.first())
                return r;
        }
        if (k.target == FaultTarget::Group && group.size() >= 2) {
            QStringList names;
            for (const QString &n : group)
                names << shownName(*m_document, n.toStdString());
            return Row{FaultTarget::Group, {}, group, names.join(QStringLiteral(", "))};
        }
        return std::nullopt;
    };
    std::map<std::string, QMenu *> categories;
    for (const FaultKindSpec &k : KindRegistry::builtin().faultKinds()) {
        QMenu *&category = categories[k.category];
        if (!category) {
            category = m_addMenu->addMenu(q(k.category));
            category->setObjectName(QStringLiteral("addFaultMenu-%1").arg(q(k.category)));
        }
        const QString kind = q(k.kind);
        if (const auto row = fromSelection(k)) {
            QAction *a = category->addAction(tr("%1 on %2").arg(q(k.label), row->label));
            a->setData(kind);
            a->setToolTip(q(k.help));
            connect(a, &QAction::triggered, this,
                    [this, kind, r = *row] { addFault(kind, r, newFaultStart(), newFaultDuration()); });
            continue;
        }
        QMenu *targets = category->addMenu(q(k.label));
        targets->setToolTipsVisible(true);
        targets->menuAction()->setData(kind);
        for (const Row &r : m_rows) {
            if (!kindsFor(r).contains(kind)) continue;
            QAction *a = targets->addAction(r.label);
            a->setData(r.type == FaultTarget::Group ? r.nodes.join(QLatin1Char(',')) : r.target);
            connect(a, &QAction::triggered, this,
                    [this, kind, r] { addFault(kind, r, newFaultStart(), newFaultDuration()); });
        }
        targets->setEnabled(!targets->isEmpty());
    }
}

FaultDef FaultTimeline::dragged(int x) const
{
    FaultDef f = m_original;
    const SimTime delta = snap(std::max<SimTime>(0, timeAt(x))) - snap(m_pressTime);
    const SimTime step = snapStep();
    switch (m_drag) {
    case Drag::Move:
        f.start = std::max<SimTime>(0, m_original.start + delta);
        break;
    case Drag::ResizeEnd: {
        const SimTime s = m_original.startOf(m_pressRepetition);
        const SimTime end = std::max(s + step, snap(timeAt(x)));
        f.duration = end - s;
        break;
    }
    case Drag::ResizeStart: {
        const SimTime s = m_original.startOf(m_pressRepetition);
        const SimTime e = m_original.endOf(m_pressRepetition);
        SimTime newStart = snap(timeAt(x));
        if (e != kNever) newStart = std::min(newStart, e - step);
        // The first repetition cannot start before 0.
        const SimTime shift = std::max(newStart - s, -m_original.start);
        f.start = m_original.start + shift;
        if (f.duration) f.duration = *m_original.duration - shift;
        break;
    }
    default:
        break;
    }
    return f;
}

// Events

bool FaultTimeline::event(QEvent *event)
{
    // Delete belongs to the timeline while it has focus and a fault is selected, not to the
    // window's Delete action (which removes the canvas selection).
    if (event->type() == QEvent::ShortcutOverride && !m_selected.isEmpty()) {
        auto *key = static_cast<QKeyEvent *>(event);
        if (key->key() == Qt::Key_Delete || key->key() == Qt::Key_Backspace) {
            event->accept();
            return true;
        }
    }
    return QAbstractScrollArea::event(event);
}

void FaultTimeline::keyPressEvent(QKeyEvent *event)
{
    if ((event->key() == Qt::Key_Delete || event->key() == Qt::Key_Backspace) && !m_selected.isEmpty()) {
        removeSelected();
        event->accept();
        return;
    }
    if (event->key() == Qt::Key_Escape && m_drag != Drag::None) {
        m_drag = Drag::None;
        m_preview.reset();
        viewport()->update();
        return;
    }
    QAbstractScrollArea::keyPressEvent(event);
}

void FaultTimeline::mousePressEvent(QMouseEvent *event)
{
    if (event->button() != Qt::LeftButton) return QAbstractScrollArea::mousePressEvent(event);
    setFocus(Qt::MouseFocusReason);
    const QPoint pos = event->position().toPoint();
    m_pressPos = pos;
    m_dragX = pos.x();
    m_pressTime = timeAt(pos.x());
    m_preview.reset();
    const Hit hit = hitAt(pos);
    if (!hit.fault.isEmpty()) {
        selectFault(hit.fault);
        m_original = *m_document->fault(hit.fault);
        m_pressRepetition = hit.repetition;
        m_drag = hit.part == Part::EndEdge     ? Drag::ResizeEnd
                 : hit.part == Part::StartEdge ? Drag::ResizeStart
                                               : Drag::Move;
        return;
    }
    selectFault({});
    m_pressRow = pos.x() >= timeArea().left() ? rowAt(pos.y()) : -1;
    m_drag = m_pressRow >= 0 ? Drag::Create : Drag::None;
}

void FaultTimeline::mouseMoveEvent(QMouseEvent *event)
{
    const QPoint pos = event->position().toPoint();
    if (m_drag == Drag::None) {
        const Hit hit = hitAt(pos);
        viewport()->setCursor(hit.part == Part::Middle                                   ? Qt::SizeAllCursor
                              : hit.part == Part::StartEdge || hit.part == Part::EndEdge ? Qt::SizeHorCursor
                                                                                         : Qt::ArrowCursor);
        return;
    }
    if ((pos - m_pressPos).manhattanLength() < kDragThreshold && !m_preview && m_drag != Drag::Create) return;
    m_dragX = pos.x();
    if (m_drag != Drag::Create) m_preview = dragged(pos.x());
    viewport()->update();
}

void FaultTimeline::mouseReleaseEvent(QMouseEvent *event)
{
    if (event->button() != Qt::LeftButton || m_drag == Drag::None)
        return QAbstractScrollArea::mouseReleaseEvent(event);
    const QPoint pos = event->position().toPoint();
    const Drag drag = m_drag;
    const FaultDef after = drag == Drag::Create ? FaultDef() : dragged(pos.x());
    m_drag = Drag::None;
    m_preview.reset();
    const bool moved = std::abs(pos.x() - m_pressPos.x()) >= kDragThreshold;
    viewport()->update();
    if (!moved) return;
    if (drag == Drag::Create) {
        const Row row = m_rows[std::size_t(m_pressRow)];
        const SimTime a = snap(timeAt(m_pressPos.x())), b = snap(timeAt(pos.x()));
        const SimTime start = std::min(a, b), end = std::max({a, b, std::min(a, b) + snapStep()});
        const QStringList kinds = kindsFor(row);
        const FaultKindSpec *last = nullptr;
        const auto it = m_lastKind.find(row.type);
        if (it != m_lastKind.end() && kinds.contains(it->second))
            last = KindRegistry::builtin().findFault(it->second.toStdString());
        const QString kind =
            chooseKind(kinds, last ? q(last->kind) : QString(), viewport()->mapToGlobal(pos));
        if (!kind.isEmpty()) addFault(kind, row, start, end - start);
        return;
    }
    QString error;
    if (!m_document->changeFault(q(after.id), after, &error)) Q_EMIT editRefused(error);
}

void FaultTimeline::wheelEvent(QWheelEvent *event)
{
    const double notches = event->angleDelta().y() / 120.0;
    if (notches == 0) return;
    const SimTime span = m_to - m_from;
    if (event->modifiers() & Qt::ShiftModifier) {
        // Pan along the time axis.
        const SimTime shift = SimTime(-notches * double(span) / 10.0);
        const SimTime from = std::max<SimTime>(0, m_from + shift);
        setVisibleRange(from, from + span);
    } else {
        // Zoom around the time under the pointer.
        const SimTime anchor = timeAt(int(event->position().x()));
        const double factor = std::pow(0.8, notches);
        const SimTime newSpan = std::clamp(SimTime(double(span) * factor), kMinSpan, kMaxSpan);
        const double at = double(anchor - m_from) / double(span);
        const SimTime from = std::max<SimTime>(0, anchor - SimTime(at * double(newSpan)));
        setVisibleRange(from, from + newSpan);
    }
    event->accept();
}

void FaultTimeline::contextMenuEvent(QContextMenuEvent *event)
{
    const Hit hit = hitAt(event->pos());
    QMenu menu(this);
    if (!hit.fault.isEmpty()) {
        selectFault(hit.fault);
        menu.addAction(tr("Delete fault %1").arg(hit.fault), this, &FaultTimeline::removeSelected);
    } else if (const int row = event->pos().x() >= timeArea().left() ? rowAt(event->pos().y()) : -1;
               row >= 0) {
        const Row r = m_rows[std::size_t(row)];
        const SimTime start = snap(timeAt(event->pos().x()));
        std::string category;
        for (const QString &kind : kindsFor(r)) {
            const FaultKindSpec *spec = KindRegistry::builtin().findFault(kind.toStdString());
            if (spec->category != category) menu.addSection(q(category = spec->category));
            menu.addAction(q(spec->label), this,
                           [this, kind, r, start] { addFault(kind, r, start, newFaultDuration()); });
        }
    } else {
        fillAddMenu();
        menu.addActions(m_addMenu->actions());
    }
    if (!menu.isEmpty()) menu.exec(event->globalPos());
}

void FaultTimeline::resizeEvent(QResizeEvent *event)
{
    QAbstractScrollArea::resizeEvent(event);
    updateScrollBar();
}

void FaultTimeline::updateScrollBar()
{
    const int content = int(m_rows.size()) * kRowHeight;
    const int page = std::max(0, viewport()->height() - kAxisHeight);
    verticalScrollBar()->setRange(0, std::max(0, content - page));
    verticalScrollBar()->setPageStep(page);
    verticalScrollBar()->setSingleStep(kRowHeight);
}

// Painting

void FaultTimeline::paintAxis(QPainter &p) const
{
    const QRect area = timeArea();
    const QColor text = palette().color(QPalette::Text);
    QColor grid = text;
    grid.setAlpha(35);
    const SimTime step = tickStep();
    p.setPen(text);
    p.drawLine(area.left(), kAxisHeight - 1, area.right(), kAxisHeight - 1);
    for (SimTime t = (m_from + step - 1) / step * step; t <= m_to; t += step) {
        const int x = xOf(t);
        p.setPen(grid);
        p.drawLine(x, kAxisHeight, x, viewport()->height());
        p.setPen(text);
        p.drawLine(x, kAxisHeight - 5, x, kAxisHeight - 1);
        const QString label = q(formatDuration(t));
        const int w = p.fontMetrics().horizontalAdvance(label);
        p.drawText(QRect(x - w / 2 - 2, 2, w + 4, kAxisHeight - 7), Qt::AlignCenter, label);
    }
}

void FaultTimeline::paintBar(QPainter &p, const FaultDef &f, const QRect &) const
{
    const FaultKindSpec *spec = KindRegistry::builtin().findFault(f.kind);
    QColor fill = categoryColor(spec ? spec->category : std::string());
    const bool selected = q(f.id) == m_selected;
    const QString label = spec ? q(spec->label) : q(f.kind);
    for (const auto &[k, s, e] : spans(f)) {
        const QRect bar = barRect(q(f.id), k);
        if (bar.isEmpty()) continue;
        p.setPen(QPen(selected ? palette().color(QPalette::Highlight) : fill.darker(140), selected ? 2 : 1));
        p.setBrush(selected ? fill : fill.lighter(115));
        // An open-ended fault runs off the right edge: a square end says it goes on.
        if (f.endOf(k) == kNever)
            p.drawRect(bar);
        else
            p.drawRoundedRect(bar, 3, 3);
        p.setPen(Qt::white);
        const QRect textRect = bar.adjusted(4, 0, -4, 0);
        p.drawText(textRect, Qt::AlignVCenter | Qt::AlignLeft,
                   p.fontMetrics().elidedText(label, Qt::ElideRight, textRect.width()));
    }
}

void FaultTimeline::paintEvent(QPaintEvent *)
{
    QPainter p(viewport());
    p.fillRect(viewport()->rect(), palette().color(QPalette::Base));
    const QRect area = timeArea();
    const int labels = labelWidth();
    // Rows: alternate shading and the target's name on the left.
    QColor stripe = palette().color(QPalette::AlternateBase);
    p.save();
    p.setClipRect(QRect(0, kAxisHeight, viewport()->width(), viewport()->height() - kAxisHeight));
    for (int i = 0; i < int(m_rows.size()); ++i) {
        const QRect r = rowRect(i);
        if (r.bottom() < kAxisHeight || r.top() > viewport()->height()) continue;
        if (i % 2) p.fillRect(r, stripe);
        p.setPen(palette().color(QPalette::Text));
        p.drawText(r.adjusted(6, 0, -(r.width() - labels) - 6, 0), Qt::AlignVCenter | Qt::AlignLeft,
                   p.fontMetrics().elidedText(m_rows[std::size_t(i)].label, Qt::ElideMiddle, labels - 12));
    }
    p.restore();
    paintAxis(p);
    p.save();
    p.setClipRect(area.adjusted(0, 0, 1, 0));
    p.setRenderHint(QPainter::Antialiasing);
    for (const FaultDef &f : m_document->topology().faults) {
        const FaultDef &shown = m_preview && m_preview->id == f.id ? *m_preview : f;
        const int row = rowOf(shown);
        if (row >= 0) paintBar(p, shown, rowRect(row));
    }
    p.setRenderHint(QPainter::Antialiasing, false);
    // A fault being drawn on a row.
    if (m_drag == Drag::Create && std::abs(m_dragX - m_pressPos.x()) >= kDragThreshold) {
        const QRect r = rowRect(m_pressRow);
        QColor c = palette().color(QPalette::Highlight);
        c.setAlpha(90);
        p.fillRect(QRect(QPoint(std::min(m_pressPos.x(), m_dragX), r.top() + 3),
                         QPoint(std::max(m_pressPos.x(), m_dragX), r.bottom() - 3)),
                   c);
    }
    // The run's current time.
    if (m_now >= m_from && m_now <= m_to) {
        const int x = xOf(m_now);
        p.setPen(QPen(QColor(0x2e, 0xa0, 0x43), 2));
        p.drawLine(x, kAxisHeight - 6, x, viewport()->height());
    }
    p.restore();
    if (m_rows.empty() || m_document->topology().nodes.empty()) {
        p.setPen(palette().color(QPalette::PlaceholderText));
        p.drawText(area, Qt::AlignCenter, tr("Add nodes and links to plan faults on them."));
    } else if (m_document->topology().faults.empty()) {
        p.setPen(palette().color(QPalette::PlaceholderText));
        p.drawText(area.adjusted(0, 0, 0, -4), Qt::AlignHCenter | Qt::AlignBottom,
                   tr("Drag on a row to add a fault, or use Add fault."));
    }
}

} // namespace sb
