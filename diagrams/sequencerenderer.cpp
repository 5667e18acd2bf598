#include "sequencerenderer.h"

#include "sequence.h"

#include <QFontMetricsF>
#include <QPainter>
#include <QPainterPath>

#include <algorithm>
#include <cmath>

namespace sb {

namespace {

bool contains(const std::vector<std::size_t> &sorted, std::size_t i)
{
    return std::binary_search(sorted.begin(), sorted.end(), i);
}

// A readable step for ruler ticks: 1, 2 or 5 times a power of ten, in ns, at least `minimum`.
SimTime tickStep(double minimum)
{
    double step = 1;
    while (step < minimum) {
        for (double f : {2.0, 2.5, 2.0}) {
            step *= f;
            if (step >= minimum) break;
        }
    }
    return SimTime(step);
}

QString durationText(SimTime t)
{
    return QString::fromStdString(formatDuration(t));
}

} // namespace

bool SequenceFilter::accepts(const TraceEvent &e) const
{
    if (hiddenKinds[static_cast<int>(e.kind)]) return false;
    if (hideAcks && isAckLike(e)) return false;
    if (e.time < from || e.time > to) {
        // An arrow crossing into the range still shows.
        if (!(e.kind == TraceKind::Send && e.time < from && e.aux >= from)) return false;
    }
    if (messageId && e.messageId != messageId && e.correlationId != messageId) return false;
    if (correlationId && e.correlationId != correlationId && e.messageId != correlationId) return false;
    if (routingKeys && !routingKeys->accepts(e)) return false;
    return true;
}

double SequenceLayout::lifelineX(NodeIndex node) const
{
    for (std::size_t i = 0; i < order.size(); ++i)
        if (order[i] == node) return rulerWidth + columnWidth * (double(i) + 0.5);
    return -1;
}

QColor SequenceRenderer::frameColor(FrameType frame, bool dark)
{
    switch (frame) {
    case FrameType::Publish:
        return dark ? QColor(0x6a, 0xa8, 0xf0) : QColor(0x1f, 0x5f, 0xbf);
    case FrameType::Deliver:
        return dark ? QColor(0x5f, 0xc9, 0x8a) : QColor(0x1e, 0x8a, 0x4c);
    case FrameType::Ack:
    case FrameType::Confirm:
        return dark ? QColor(0x8e, 0x94, 0x9c) : QColor(0x8a, 0x90, 0x99);
    case FrameType::Nack:
    case FrameType::PublishNack:
        return dark ? QColor(0xf0, 0x7a, 0x6e) : QColor(0xc6, 0x3b, 0x2f);
    case FrameType::Pull:
    case FrameType::Subscribe:
        return dark ? QColor(0x4f, 0xc1, 0xc9) : QColor(0x16, 0x8a, 0x93);
    }
    return Qt::gray;
}

QColor SequenceRenderer::kindColor(const QString &kind)
{
    if (kind == QLatin1String("producer")) return {0x2e, 0x9e, 0x5b};
    if (kind == QLatin1String("exchange")) return {0xe0, 0x7b, 0x20};
    if (kind == QLatin1String("queue")) return {0x7b, 0x4f, 0xc9};
    if (kind == QLatin1String("consumer")) return {0x2f, 0x7f, 0xd6};
    return {0x80, 0x80, 0x80};
}

QString SequenceRenderer::describe(const TraceEvent &e, const SequenceLayout &layout,
                                   const QStringList &linkNames)
{
    const auto name = [&layout](NodeIndex n) {
        return n < NodeIndex(layout.nodeNames.size()) ? layout.nodeNames[int(n)] : QStringLiteral("?");
    };
    QString text = QString::fromLatin1(traceKindName(e.kind));
    if (e.kind == TraceKind::Send || (e.kind == TraceKind::Drop && e.link != kNoIndex))
        text += QLatin1Char(' ') + QString::fromLatin1(frameTypeName(e.frame));
    if (e.messageId) text += QStringLiteral(" #%1").arg(e.messageId);
    if (e.node != kNoIndex) text += QLatin1Char(' ') + name(e.node);
    if (e.peer != kNoIndex) text += QStringLiteral(" \u2192 ") + name(e.peer);
    if (e.link != kNoIndex && e.link < LinkIndex(linkNames.size()))
        text += QStringLiteral(" via %1").arg(linkNames[int(e.link)]);
    text += QStringLiteral(" at %1").arg(durationText(e.time));
    if (e.kind == TraceKind::Send) text += QStringLiteral(", arrives %1").arg(durationText(e.aux));
    if (e.reason != DropReason::None)
        text += QStringLiteral(", %1").arg(QString::fromLatin1(dropReasonName(e.reason)));
    if (e.deliveryCount > 1) text += QStringLiteral(", delivery %1").arg(e.deliveryCount);
    if (e.correlationId) text += QStringLiteral(", correlation %1").arg(e.correlationId);
    if (e.kind == TraceKind::Process) text += QStringLiteral(", latency %1").arg(durationText(e.aux));
    return text;
}

SequenceRenderer::Stats SequenceRenderer::paint(QPainter &p, QSizeF size, const SequenceHistory &history,
                                                const SequenceLayout &layout, const SequenceFilter &filter,
                                                const SequenceHighlight &highlight,
                                                const std::vector<SequenceAnnotation> &annotations,
                                                const QPalette &palette, std::vector<DrawnArrow> *hits)
{
    Stats stats;
    const bool dark =
        palette.color(QPalette::Window).lightness() < palette.color(QPalette::WindowText).lightness();
    const QColor base = palette.color(QPalette::Base);
    const QColor text = palette.color(QPalette::Text);
    const QColor faint = palette.color(QPalette::PlaceholderText);
    const QColor grid = dark ? QColor(0x3a, 0x3d, 0x42) : QColor(0xe3, 0xe6, 0xea);
    const QColor accent(0xf0, 0x8c, 0x1a);
    const bool selecting = !highlight.journey.empty();
    if (hits) hits->clear();

    p.save();
    p.fillRect(QRectF(QPointF(0, 0), size), base);
    p.setRenderHint(QPainter::Antialiasing, true);

    const double bodyTop = layout.headerHeight;
    const SimTime from = std::max<SimTime>(layout.top, filter.from);
    const SimTime to = std::min<SimTime>(layout.timeAt(size.height()), filter.to);

    // The ruler: ticks every 60 px or so, with the time.
    const QFont font = p.font();
    QFont small = font;
    small.setPointSizeF(std::max(6.0, font.pointSizeF() * 0.85));
    const QFontMetricsF fm(small);
    {
        const SimTime step = std::max<SimTime>(1, tickStep(60 * layout.nsPerPixel));
        p.setFont(small);
        for (SimTime t = (layout.top / step) * step; layout.timeY(t) < size.height(); t += step) {
            const double y = layout.timeY(t);
            if (y < bodyTop + fm.height() / 2) continue; // a label would sit under the header
            p.setPen(QPen(grid, 1));
            p.drawLine(QPointF(layout.rulerWidth, y), QPointF(size.width(), y));
            p.setPen(faint);
            p.drawText(QRectF(2, y - fm.height() / 2, layout.rulerWidth - 8, fm.height()),
                       Qt::AlignRight | Qt::AlignVCenter, durationText(t));
        }
    }

    // Lifelines.
    for (std::size_t i = 0; i < layout.order.size(); ++i) {
        const NodeIndex n = layout.order[i];
        const double x = layout.rulerWidth + layout.columnWidth * (double(i) + 0.5);
        const bool marked = n < highlight.nodes.size() && highlight.nodes[n];
        QPen pen(marked ? accent : faint, marked ? 2.5 : 1, marked ? Qt::SolidLine : Qt::DashLine);
        p.setPen(pen);
        p.drawLine(QPointF(x, bodyTop), QPointF(x, size.height()));
    }

    const auto [first, last] = history.window(from, to);
    std::vector<double> xs(history.nodeCount() + 1, -1);
    for (NodeIndex n = 0; n < NodeIndex(xs.size()); ++n)
        xs[n] = layout.lifelineX(n);
    const auto lifeline = [&xs](NodeIndex n) { return n < xs.size() ? xs[n] : -1.0; };

    // One pass over the window: the arrows to draw (up to kMaxArrows), and per link direction
    // and 6 px band how many frames left, for when there are too many to draw.
    const double band = 6;
    const int bands = std::max(1, int(std::ceil((size.height() - bodyTop) / band)) + 1);
    struct Lane {
        NodeIndex from = kNoIndex, to = kNoIndex;
        std::uint32_t total = 0;
    };
    std::vector<Lane> lanes(2 * std::max<std::size_t>(history.linkCount(), 1));
    std::vector<std::uint32_t> counts(lanes.size() * std::size_t(bands), 0);
    std::vector<std::size_t> arrows;
    arrows.reserve(std::min<std::size_t>(kMaxArrows + 1, last - first));
    std::uint64_t arrowsInView = 0;
    for (std::size_t i = first; i < last; ++i) {
        const TraceEvent &e = history.at(i);
        const bool lost = isLostFrame(e);
        if (!isArrow(e) && !lost) continue;
        if (!lost && e.aux < from) continue;
        if (e.time > to || !filter.accepts(e)) continue;
        if (lifeline(e.node) < 0 || lifeline(e.peer) < 0) continue;
        ++arrowsInView;
        if (arrows.size() <= kMaxArrows) arrows.push_back(i);
        if (e.link == kNoIndex || e.time < from) continue;
        const std::size_t lane = std::size_t(e.link) * 2 + (e.node < e.peer ? 0 : 1);
        if (lane >= lanes.size()) continue;
        lanes[lane].from = e.node;
        lanes[lane].to = e.peer;
        ++lanes[lane].total;
        const int b = std::clamp(int((layout.timeY(e.time) - bodyTop) / band), 0, bands - 1);
        ++counts[lane * std::size_t(bands) + std::size_t(b)];
    }
    stats.inWindow = arrowsInView;
    stats.density = arrowsInView > kMaxArrows;

    if (stats.density) {
        std::uint32_t peak = 1;
        for (auto c : counts)
            peak = std::max(peak, c);
        const double logPeak = std::log1p(double(peak));
        p.setFont(small);
        const double labelWidth = fm.horizontalAdvance(QStringLiteral("\u00d7000"));
        for (std::size_t lane = 0; lane < lanes.size(); ++lane) {
            if (!lanes[lane].total) continue;
            const double xa = lifeline(lanes[lane].from), xb = lifeline(lanes[lane].to);
            const QColor c = frameColor(xa < xb ? FrameType::Publish : FrameType::Ack, dark);
            const double offset = xa < xb ? -3 : 3; // the two directions side by side
            std::uint64_t sinceLabel = 0;
            double lastLabel = -1e9;
            const std::uint32_t *row = counts.data() + lane * std::size_t(bands);
            for (int k = 0; k < bands; ++k) {
                const std::uint32_t count = row[k];
                sinceLabel += count;
                if (!count) continue;
                const double y = bodyTop + band * k + band / 2 + offset;
                QColor shade = c;
                shade.setAlphaF(0.15 + 0.85 * std::log1p(double(count)) / logPeak);
                p.setPen(QPen(shade, std::min(band - 1, 1.0 + std::log2(1.0 + count)), Qt::SolidLine,
                              Qt::FlatCap));
                p.drawLine(QPointF(std::min(xa, xb) + 4, y), QPointF(std::max(xa, xb) - 4, y));
                if (y - lastLabel > 48) {
                    p.setPen(text);
                    p.drawText(QPointF((xa + xb) / 2 - labelWidth / 2, y - 2),
                               QStringLiteral("\u00d7%1").arg(sinceLabel));
                    lastLabel = y;
                    sinceLabel = 0;
                }
            }
        }
        // Only the selected journey and the hovered frame are drawn as arrows over the bands.
        arrows.clear();
        for (std::size_t i : highlight.journey)
            if (i >= first && i < last) arrows.push_back(i);
        if (highlight.hovered >= first && highlight.hovered < last) arrows.push_back(highlight.hovered);
    }

    // Arrows one by one (or only the selected journey's, in density mode), then the marks.
    const auto drawArrowHead = [&p](QPointF tip, QPointF from, const QColor &c) {
        const QPointF d = from - tip;
        const double length = std::sqrt(d.x() * d.x() + d.y() * d.y());
        if (length < 1) return;
        const QPointF along = d * (8.0 / length);                  // 8 px back along the arrow
        const QPointF across(-along.y() * 0.45, along.x() * 0.45); // half the head's width
        const QPointF head[3] = {tip, tip + along + across, tip + along - across};
        p.setPen(Qt::NoPen);
        p.setBrush(c);
        p.drawPolygon(head, 3);
        p.setBrush(Qt::NoBrush);
    };
    p.setFont(small);
    std::vector<double> labelledUntil(layout.order.size() + 1, -1e9);
    for (std::size_t i : arrows) {
        const TraceEvent &e = history.at(i);
        const bool lost = isLostFrame(e);
        const bool inJourney = selecting && contains(highlight.journey, i);
        const double x1 = lifeline(e.node), x2 = lifeline(e.peer);
        if (x1 < 0 || x2 < 0) continue;
        const QPointF start(x1, layout.timeY(e.time));
        QPointF end(x2, layout.timeY(lost ? e.time : e.aux));
        if (lost) end = QPointF((x1 + x2) / 2, start.y() + 6); // lost on the way
        const bool onLink = e.link < highlight.links.size() && highlight.links[e.link];
        QColor c = frameColor(e.frame, dark);
        if (lost) c = frameColor(FrameType::Nack, dark);
        double width = 1.3;
        if (selecting && !inJourney) c.setAlphaF(0.25);
        if (inJourney || onLink || i == highlight.hovered) {
            if (inJourney || i == highlight.hovered) c = accent;
            width = 2.6;
        }
        p.setPen(
            QPen(c, width,
                 e.frame == FrameType::Ack || e.frame == FrameType::Confirm ? Qt::DashLine : Qt::SolidLine));
        p.drawLine(start, end);
        if (lost) {
            p.setPen(QPen(c, 2));
            p.drawLine(end + QPointF(-4, -4), end + QPointF(4, 4));
            p.drawLine(end + QPointF(-4, 4), end + QPointF(4, -4));
        } else {
            drawArrowHead(end, start, c);
        }
        if (hits) hits->push_back({i, QLineF(start, end)});
        ++stats.arrows;
        // The frame and message id along the arrow, where labels do not overlap: one per text
        // line's height in each column gap.
        const QPointF mid = (start + end) / 2;
        const auto gap = std::size_t(
            std::max(0.0, (std::min(start.x(), end.x()) - layout.rulerWidth) / layout.columnWidth));
        if (!stats.density && arrowsInView <= kLabelledArrows && e.messageId && gap < labelledUntil.size() &&
            mid.y() - labelledUntil[gap] >= fm.height()) {
            labelledUntil[gap] = mid.y();
            p.setPen(selecting && !inJourney ? faint : text);
            p.drawText(
                mid + QPointF(4, -3),
                QStringLiteral("%1 #%2").arg(QString::fromLatin1(frameTypeName(e.frame))).arg(e.messageId));
        }
    }

    // Local marks on the lifelines.
    const auto markColor = [dark](TraceKind k) -> QColor {
        switch (k) {
        case TraceKind::Drop:
        case TraceKind::Crash:
        case TraceKind::Nack:
        case TraceKind::LinkDown:
            return dark ? QColor(0xf0, 0x7a, 0x6e) : QColor(0xc6, 0x3b, 0x2f);
        case TraceKind::DeadLetter:
        case TraceKind::Expire:
            return {0x9b, 0x59, 0xb6};
        case TraceKind::Timeout:
        case TraceKind::Retry:
        case TraceKind::Requeue:
            return {0xe0, 0x8e, 0x0b};
        case TraceKind::Restart:
        case TraceKind::LinkUp:
        case TraceKind::Resume:
            return dark ? QColor(0x5f, 0xc9, 0x8a) : QColor(0x1e, 0x8a, 0x4c);
        case TraceKind::Pause:
        case TraceKind::LinkChange:
            return {0x2f, 0x7f, 0xd6};
        default:
            return dark ? QColor(0xb0, 0xb4, 0xba) : QColor(0x5a, 0x60, 0x69);
        }
    };
    double lastMarkY = -1e9;
    std::vector<double> lastMarkAt(xs.size(), -1e9);
    for (std::size_t i = first; i < last; ++i) {
        const TraceEvent &e = history.at(i);
        if (isArrow(e) || isLostFrame(e) || e.time < from || e.time > to) continue;
        if (e.kind == TraceKind::Publish || e.kind == TraceKind::Route || e.kind == TraceKind::Deliver ||
            e.kind == TraceKind::Redeliver || e.kind == TraceKind::Confirm)
            continue; // the arrows show these
        if (!filter.accepts(e)) continue;
        const double x = lifeline(e.node);
        if (x < 0) continue;
        const double y = layout.timeY(e.time);
        const bool inJourney = selecting && contains(highlight.journey, i);
        const bool major = e.kind == TraceKind::Crash || e.kind == TraceKind::Restart ||
                           e.kind == TraceKind::Pause || e.kind == TraceKind::Resume ||
                           e.kind == TraceKind::LinkDown || e.kind == TraceKind::LinkUp ||
                           e.kind == TraceKind::LinkChange;
        // Crowded lifelines keep one mark every 3 px; faults and the selection always show.
        if (!major && !inJourney && y - lastMarkAt[e.node] < 3) continue;
        lastMarkAt[e.node] = y;
        QColor c = markColor(e.kind);
        if (selecting && !inJourney && !major) c.setAlphaF(0.3);
        if (inJourney) c = accent;
        p.setPen(QPen(c, 1.5));
        p.setBrush(c);
        ++stats.marks;
        switch (e.kind) {
        case TraceKind::Crash:
        case TraceKind::Restart:
        case TraceKind::Pause:
        case TraceKind::Resume: {
            p.setPen(QPen(c, 3));
            p.drawLine(QPointF(x - layout.columnWidth * 0.35, y), QPointF(x + layout.columnWidth * 0.35, y));
            p.drawText(QPointF(x + 6, y - 4), QString::fromLatin1(traceKindName(e.kind)));
            break;
        }
        case TraceKind::LinkDown:
        case TraceKind::LinkUp:
        case TraceKind::LinkChange: {
            const double x2 = lifeline(e.peer);
            p.setPen(QPen(c, 2, Qt::DashDotLine));
            if (x2 >= 0) p.drawLine(QPointF(x, y), QPointF(x2, y));
            p.drawText(QPointF((x + std::max(x, x2)) / 2 + 4, y - 4),
                       QString::fromLatin1(traceKindName(e.kind)));
            break;
        }
        case TraceKind::Drop:
        case TraceKind::Nack:
            p.setPen(QPen(c, 2));
            p.drawLine(QPointF(x - 4, y - 4), QPointF(x + 4, y + 4));
            p.drawLine(QPointF(x - 4, y + 4), QPointF(x + 4, y - 4));
            if (layout.nsPerPixel < 2e6 && y - lastMarkY > 10 && e.reason != DropReason::None) {
                p.drawText(QPointF(x + 7, y + 4), QString::fromLatin1(dropReasonName(e.reason)));
                lastMarkY = y;
            }
            break;
        case TraceKind::Ack:
        case TraceKind::Dedupe:
            p.drawEllipse(QPointF(x, y), 2.2, 2.2);
            break;
        case TraceKind::Process:
            p.drawRect(QRectF(x - 3, y - 3, 6, 6));
            break;
        case TraceKind::Enqueue:
            p.setBrush(Qt::NoBrush);
            p.drawRect(QRectF(x - 3, y - 3, 6, 6));
            break;
        default: {
            // Expire, dead-letter, timeout, retry, requeue: a diamond with a short label.
            QPolygonF diamond;
            diamond << QPointF(x, y - 4) << QPointF(x + 4, y) << QPointF(x, y + 4) << QPointF(x - 4, y);
            p.drawPolygon(diamond);
            if (layout.nsPerPixel < 2e6 && y - lastMarkY > 10) {
                p.drawText(QPointF(x + 7, y + 4), QString::fromLatin1(traceKindName(e.kind)));
                lastMarkY = y;
            }
            break;
        }
        }
        p.setBrush(Qt::NoBrush);
    }

    // Checker annotations: a flag where the problem showed.
    p.setFont(small);
    for (const auto &a : annotations) {
        if (a.time < from || a.time > to) continue;
        const double x = lifeline(a.node);
        if (x < 0) continue;
        const double y = layout.timeY(a.time);
        const QRectF box(x + 8, y - fm.height() - 2, fm.horizontalAdvance(a.text) + 8, fm.height() + 4);
        p.setPen(QPen(a.color, 1.5));
        p.drawLine(QPointF(x, y), box.bottomLeft());
        p.setBrush(a.color.lighter(dark ? 60 : 170));
        p.drawRoundedRect(box, 3, 3);
        p.setPen(dark ? Qt::white : Qt::black);
        p.drawText(box, Qt::AlignCenter, a.text);
        p.setBrush(Qt::NoBrush);
    }

    // The header on top: node names, a stripe in the kind's colour.
    p.setFont(font);
    p.fillRect(QRectF(0, 0, size.width(), bodyTop), palette.color(QPalette::Window));
    p.setPen(QPen(grid, 1));
    p.drawLine(QPointF(0, bodyTop - 0.5), QPointF(size.width(), bodyTop - 0.5));
    const QFontMetricsF names(font);
    for (std::size_t i = 0; i < layout.order.size(); ++i) {
        const NodeIndex n = layout.order[i];
        const double x = layout.rulerWidth + layout.columnWidth * double(i);
        const QRectF box(x + 6, 6, layout.columnWidth - 12, bodyTop - 12);
        const bool marked = n < highlight.nodes.size() && highlight.nodes[n];
        const QString kind = n < NodeIndex(layout.nodeKinds.size()) ? layout.nodeKinds[int(n)] : QString();
        p.setPen(QPen(marked ? accent : grid, marked ? 2 : 1));
        p.setBrush(base);
        p.drawRoundedRect(box, 4, 4);
        p.fillRect(QRectF(box.left() + 1, box.top() + 1, 4, box.height() - 2), kindColor(kind));
        p.setPen(text);
        const QString name =
            n < NodeIndex(layout.nodeNames.size()) ? layout.nodeNames[int(n)] : QString::number(n);
        p.drawText(box.adjusted(10, 0, -4, 0), Qt::AlignVCenter | Qt::AlignLeft,
                   names.elidedText(name, Qt::ElideRight, box.width() - 14));
    }
    p.fillRect(QRectF(0, 0, layout.rulerWidth, bodyTop), palette.color(QPalette::Window));
    p.restore();
    return stats;
}

} // namespace sb
