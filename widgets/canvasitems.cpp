#include "canvasitems.h"

#include "canvasscene.h"
#include "liveoverlay.h"
#include "palettemodel.h"
#include "theme.h"
#include "topologydocument.h"

#include <QApplication>
#include <QFontMetricsF>
#include <QLocale>
#include <QPainter>
#include <QPainterPathStroker>
#include <QPalette>
#include <QStyleOptionGraphicsItem>

#include <algorithm>
#include <cmath>
#include <optional>

namespace sb {

namespace {

QString q(const std::string &s)
{
    return QString::fromStdString(s);
}

const QColor kSelection(0x2f, 0x6f, 0xd6);
const QColor kDelivery(0x2e, 0x8b, 0x57);

const QColor kDrop(0xc6, 0x28, 0x28);
const QColor kHeat(0xf5, 0x7c, 0x00); // coverage: a peer that learned all the items there are
const QColor kDeadLetter(0x7b, 0x1f, 0xa2);
const QColor kBusy(0x2e, 0xa0, 0x43);
const QColor kIdle(0xb0, 0xb6, 0xc2);
const QColor kHot(0xe0, 0x6c, 0x00);
// Faults that slow or thin out traffic rather than stop it: lighter than the red of a down link.
const QColor kFault(0xd9, 0x8e, 0x04);

// `from` moved a share `t` (0..1) of the way towards `to`.
QColor mixed(const QColor &from, const QColor &to, double t)
{
    return QColor::fromRgbF(float(from.redF() * (1 - t) + to.redF() * t),
                            float(from.greenF() * (1 - t) + to.greenF() * t),
                            float(from.blueF() * (1 - t) + to.blueF() * t));
}

// The faults that have a look of their own (down, crashed, paused) are not labelled again.
bool hasOwnLook(const QString &kind)
{
    return kind == QLatin1String("link-down") || kind == QLatin1String("crash") ||
           kind == QLatin1String("pause");
}

// What a tooltip says of an active fault: "fault f1: loss (planned)".
QString faultLine(const LiveOverlay::Fault &f)
{
    return QObject::tr("fault %1: %2 (%3)")
        .arg(f.id, f.kind, f.planned ? QObject::tr("planned") : QObject::tr("applied live"));
}

// The label of a link's or node's other faults: their kinds, once each.
QStringList faultKinds(const QList<LiveOverlay::Fault> &faults)
{
    QStringList kinds;
    for (const LiveOverlay::Fault &f : faults)
        if (!hasOwnLook(f.kind) && !kinds.contains(f.kind)) kinds << f.kind;
    return kinds;
}

// A link's stroke is drawn with a one-pixel cosmetic pen up to this width on screen (see paint()).
constexpr qreal kHairline = 1.5;
// Steps of a busy link's width and colour between idle and 10k msg/s.
constexpr double kLevels = 8;

constexpr qreal kArrowLength = 10;
constexpr qreal kArrowWidth = 5;
// Room above a node for its drop and dead-letter badges, and beside it for wide ones.
constexpr qreal kBadgeRoom = 18;
constexpr qreal kBadgeSide = 24;

QFont smallFont(qreal scale = 0.8)
{
    QFont f = QApplication::font();
    f.setPointSizeF(f.pointSizeF() * scale);
    return f;
}

// 1-2-5 steps: the adaptive full scale of a queue's depth bar.
quint64 niceScale(quint64 v)
{
    quint64 scale = 10;
    while (scale < v) {
        if (scale * 2 >= v) return scale * 2;
        if (scale * 5 >= v) return scale * 5;
        scale *= 10;
    }
    return scale;
}

QString countText(quint64 n)
{
    return QLocale().toString(n);
}

// The colour of what a port or link carries: publishes blue-grey, deliveries green, calls teal,
// Kafka requests amber, SQS requests orange-brown, event-store requests violet, commands steel blue,
// MQTT packets olive green, Redis commands brick red, NATS messages dark cyan, Google Cloud Pub/Sub
// requests Google blue, SNS requests magenta.
QColor protocolColour(Protocol p, const CanvasColors &colours)
{
    switch (p) {
    case Protocol::Delivery:
        return kDelivery;
    case Protocol::Call:
        return colours.call;
    case Protocol::Kafka:
        return QColor(0xb0, 0x7d, 0x12);
    case Protocol::Sqs:
        return QColor(0xc0, 0x5a, 0x1e);
    case Protocol::EventStore:
        return QColor(0x6a, 0x4c, 0x9c);
    case Protocol::Command:
        return QColor(0x2f, 0x6f, 0x9f);
    case Protocol::Mqtt:
        return QColor(0x5f, 0x7f, 0x1f);
    case Protocol::Redis:
        return QColor(0xb0, 0x3a, 0x2e);
    case Protocol::Nats:
        return QColor(0x1f, 0x7a, 0x8a);
    case Protocol::Pubsub:
        return QColor(0x2a, 0x6a, 0xd8);
    case Protocol::Sns:
        return QColor(0xb0, 0x2a, 0x7a);
    case Protocol::Actor:
        return QColor(0x2e, 0x7d, 0x32);
    case Protocol::Supervision:
        return QColor(0x61, 0x61, 0x61);
    case Protocol::Peer:
        return QColor(0x00, 0x83, 0x8f);
    case Protocol::Publish:
        break;
    }
    return colours.publish;
}

} // namespace

bool isCompactLod(const QTransform &worldTransform)
{
    return QStyleOptionGraphicsItem::levelOfDetailFromTransform(worldTransform) < kCompactLod;
}

CanvasColors canvasColors()
{
    if (isDarkPalette())
        return {QColor(0x1c, 0x1e, 0x22), QColor(0x3a, 0x3e, 0x46),      QColor(0x2a, 0x2d, 0x33),
                QColor(0x5c, 0x63, 0x70), QColor(0xe6, 0xe8, 0xec),      QColor(0x9a, 0xa1, 0xad),
                QColor(0x3a, 0x3e, 0x46), QColor(0x2a, 0x2d, 0x33, 235), QColor(0x4a, 0x50, 0x5a),
                QColor(0xd0, 0xd4, 0xdc), QColor(0x8f, 0xa6, 0xd0),      QColor(0x2a, 0x2d, 0x33),
                QColor(0x4f, 0xc3, 0xcf)};
    return {QColor(0xf6, 0xf7, 0xf9), QColor(0xc4, 0xc9, 0xd2),   QColor(0xfb, 0xfb, 0xfd),
            QColor(0x8a, 0x93, 0xa6), QColor(0x20, 0x24, 0x2c),   QColor(0x6b, 0x72, 0x80),
            QColor(0xe4, 0xe7, 0xec), QColor(255, 255, 255, 230), QColor(0xc9, 0xcf, 0xda),
            QColor(0x3a, 0x42, 0x55), QColor(0x4a, 0x5a, 0x78),   QColor(Qt::white),
            QColor(0x00, 0x83, 0x8f)};
}

// ---------------------------------------------------------------------------------------------
// NodeItem

NodeItem::NodeItem(const TopologyDocument *document, const QString &id) : m_document(document), m_id(id)
{
    setFlags(ItemIsSelectable | ItemIsMovable | ItemSendsGeometryChanges);
    setZValue(1);
    // Text, icon and badges render once into a pixmap at the view's scale: panning and repaints
    // for other items' sake reuse it; update() (a badge changed) renders it again.
    setCacheMode(DeviceCoordinateCache);
    setCursor(Qt::ArrowCursor);
    const NodeDef *n = m_document->node(id);
    if (!n) return;
    m_kind = q(n->kind);
    if (const NodeKindSpec *spec = KindRegistry::builtin().find(n->kind)) {
        std::vector<const PortSpec *> inputs;
        std::vector<const PortSpec *> outputs;
        for (const auto &p : spec->ports)
            (p.direction == PortDirection::In ? inputs : outputs).push_back(&p);
        for (const auto &p : spec->ports)
            if (p.protocol == Protocol::Call) (p.direction == PortDirection::In ? m_server : m_caller) = true;
        auto add = [this](const std::vector<const PortSpec *> &ports, bool output) {
            for (const PortSpec *p : ports)
                m_ports.push_back(new PortItem(this, q(p->name), output, p->protocol, q(p->help)));
        };
        add(inputs, false);
        add(outputs, true);
    }
    sync();
}

void NodeItem::layoutPorts()
{
    // Ports spread evenly over the edge, so one port sits in the middle.
    for (bool output : {false, true}) {
        std::vector<PortItem *> side;
        for (PortItem *p : m_ports)
            if (p->isOutput() == output) side.push_back(p);
        const qreal step = m_height / qreal(side.size() + 1);
        for (std::size_t i = 0; i < side.size(); ++i)
            side[i]->setPos(output ? m_width : 0, step * qreal(i + 1));
    }
}

QFont NodeItem::nameFont()
{
    QFont f = QApplication::font();
    f.setBold(true);
    return f;
}

QStringList NodeItem::nameLines(const QString &name, const QFont &font, qreal width)
{
    const QFontMetricsF metrics(font);
    if (metrics.horizontalAdvance(name) <= width) return {name};
    // The longest run of whole words that fits goes on the first line; a word too long for a
    // line is cut where the line ends. The rest goes on the second line, elided if it must be.
    const QStringList words = name.split(QLatin1Char(' '), Qt::SkipEmptyParts);
    QString first;
    int used = 0;
    for (const QString &w : words) {
        const QString candidate = first.isEmpty() ? w : first + QLatin1Char(' ') + w;
        if (metrics.horizontalAdvance(candidate) > width) break;
        first = candidate;
        ++used;
    }
    QString rest;
    if (used == 0) {
        int n = 1;
        while (n < name.size() && metrics.horizontalAdvance(name.left(n + 1)) <= width)
            ++n;
        first = name.left(n);
        rest = name.mid(n).trimmed();
    } else {
        rest = words.mid(used).join(QLatin1Char(' '));
    }
    return {first, metrics.elidedText(rest, Qt::ElideRight, width)};
}

void NodeItem::sync()
{
    const NodeDef *n = m_document->node(m_id);
    if (!n) return;
    m_syncing = true;
    setPos(n->position.x, n->position.y);
    m_syncing = false;
    const QString name = q(n->name.empty() ? n->id : n->name);
    const bool first = m_nameLines.isEmpty();
    // A log (a Kafka topic) has a lane per partition.
    int partitions = 0;
    if (const NodeKindSpec *spec = KindRegistry::builtin().find(n->kind);
        spec && spec->deliveryRole == DeliveryRole::Log && spec->property("partitions")) {
        const PropertyBag p(spec->properties, n->properties);
        const Json &v = p.value("partitions");
        partitions =
            v.is_number_integer() ? int(std::clamp<std::int64_t>(v.get<std::int64_t>(), 1, 100000)) : 1;
    }
    if (name != m_name || first || partitions != m_partitions) {
        m_name = name;
        m_partitions = partitions;
        // As wide as the name needs, from kWidth up to kMaxWidth; beyond that the name wraps to
        // a second line and the box grows by a line.
        const QFont font = nameFont();
        const qreal advance = QFontMetricsF(font).horizontalAdvance(m_name);
        const qreal width = std::clamp(std::ceil(kTextLeft + advance + kTextRight), kWidth, kMaxWidth);
        m_nameLines = nameLines(m_name, font, width - kTextLeft - kTextRight);
        const qreal header =
            m_nameLines.size() > 1 ? kHeight + std::ceil(QFontMetricsF(font).height()) : kHeight;
        const int rows = laneCount() + (m_partitions > LiveLogs::kMaxLanes ? 1 : 0);
        const qreal height = rows ? header + qreal(rows) * kLaneHeight + 6 : header;
        const qreal boxWidth = rows ? std::max(width, kLogWidth) : width;
        m_headerHeight = rows ? header - 6 : header;
        if (boxWidth != m_width || height != m_height) {
            prepareGeometryChange();
            m_width = boxWidth;
            m_height = height;
            layoutPorts();
        } else if (first) {
            layoutPorts();
        }
        update();
    }
    setToolTip(QStringLiteral("%1 (%2 \"%3\")").arg(m_name, m_kind, m_id));
}

PortItem *NodeItem::port(const QString &name) const
{
    for (PortItem *p : m_ports)
        if (p->name() == name) return p;
    return nullptr;
}

QPointF NodeItem::snapped(QPointF p)
{
    return {std::round(p.x() / kGrid) * kGrid, std::round(p.y() / kGrid) * kGrid};
}

QRectF NodeItem::nameRect() const
{
    // The text column right of the icon, as high as the name's lines (see paint()).
    const QFontMetricsF name(nameFont());
    const qreal lines = qreal(std::max<qsizetype>(1, m_nameLines.size())) * name.height();
    const qreal top = (m_headerHeight - lines - name.height() * 0.85) / 2;
    return QRectF(kTextLeft, top, m_width - kTextLeft - kTextRight, lines);
}

QRectF NodeItem::boundingRect() const
{
    // Includes the room for badges above, so that showing them needs no geometry change.
    // Below, the problem outline (2 px out, a 2.5 pen) and its antialiased edge.
    return QRectF(0, 0, m_width, m_height).adjusted(-kBadgeSide, -kBadgeRoom, kBadgeSide, 4);
}

QPainterPath NodeItem::shape() const
{
    QPainterPath path;
    path.addRoundedRect(QRectF(0, 0, m_width, m_height), 8, 8);
    return path;
}

QColor NodeItem::fillColour() const
{
    const QColor fill = canvasColors().nodeFill;
    // Peer-to-peer coverage as heat: the more of the items going round a peer has learned (against
    // the best-informed peer), the warmer its fill; a peer that learned nothing stays cold. In
    // LiveOverlay::kHeatLevels steps, so that a peer repaints only when its colour changes.
    const LiveOverlay *live = overlay();
    const int level = live ? live->heatLevel(m_id) : -1;
    if (level < 0) return fill;
    return mixed(fill, kHeat, 0.25 + 0.6 * double(level) / double(LiveOverlay::kHeatLevels));
}

void NodeItem::paintCompact(QPainter *painter, bool selected)
{
    // A plain box with one-pixel edges: the raster engine fills and outlines it on its fastest
    // path. The live marks stay (a crash, drops, a paused node can be seen from afar), the text,
    // the icon and the ports go.
    const bool antialiased = painter->testRenderHint(QPainter::Antialiasing);
    painter->setRenderHint(QPainter::Antialiasing, false);
    const CanvasColors colours = canvasColors();
    const QColor fill = fillColour();
    // The edge halfway between the fill and the full form's border: at full strength a thousand
    // overlapping boxes read as a brick wall that hides the links.
    const QColor edge = mixed(fill, colours.nodeBorder, 0.5);
    QPen border(selected ? kSelection : edge, selected ? 2 : 1);
    border.setCosmetic(true);
    painter->setPen(border);
    painter->setBrush(fill);
    painter->drawRect(QRectF(0, 0, m_width, m_height));
    if (auto *canvas = qobject_cast<CanvasScene *>(scene());
        canvas && canvas->hasNodeProblems() && !canvas->nodeProblem(m_id).isEmpty()) {
        QPen problem(kDrop, 2);
        problem.setCosmetic(true);
        painter->setPen(problem);
        painter->setBrush(Qt::NoBrush);
        painter->drawRect(QRectF(0, 0, m_width, m_height).adjusted(-4, -4, 4, 4));
    }
    painter->setRenderHint(QPainter::Antialiasing, antialiased);
    if (m_partitions) paintLanes(painter, nullptr);
    if (!overlay()) return;
    const Badges b = badges(false);
    if (b.live) paintBadges(painter, b, nullptr);
}

void NodeItem::paint(QPainter *painter, const QStyleOptionGraphicsItem *option, QWidget *widget)
{
    const bool selected = option->state & QStyle::State_Selected;
    if (isCompactLod(painter->worldTransform())) {
        m_lastForm = PaintForm::Compact;
        paintCompact(painter, selected);
        return;
    }
    m_lastForm = PaintForm::Full;
    const QRectF box(0, 0, m_width, m_height);
    const CanvasColors colours = canvasColors();
    painter->setPen(QPen(selected ? kSelection : colours.nodeBorder, selected ? 2.0 : 1.2));
    painter->setBrush(fillColour());
    painter->drawRoundedRect(box, 8, 8);
    // Taken out of the last run (a script error): a red outline and a "!" at the top right.
    if (auto *canvas = qobject_cast<CanvasScene *>(scene());
        canvas && canvas->hasNodeProblems() && !canvas->nodeProblem(m_id).isEmpty()) {
        painter->setPen(QPen(kDrop, 2.5));
        painter->setBrush(Qt::NoBrush);
        painter->drawRoundedRect(box.adjusted(-2, -2, 2, 2), 9, 9);
        const QRectF mark(m_width - 10, -8, 18, 18);
        painter->setPen(Qt::NoPen);
        painter->setBrush(kDrop);
        painter->drawEllipse(mark);
        painter->setPen(Qt::white);
        painter->setFont(nameFont()); // bold; never the font the last item painted with
        painter->drawText(mark, Qt::AlignCenter, QStringLiteral("!"));
    }

    const qreal iconSize = 24;
    const QRectF iconRect(12, (m_headerHeight - iconSize) / 2, iconSize, iconSize);
    const QIcon icon = kindIcon(m_kind);
    if (!icon.isNull()) icon.paint(painter, iconRect.toRect());

    const QRectF textRect(kTextLeft, 8, m_width - kTextLeft - kTextRight, m_headerHeight - 16);
    // The name is laid out (width, lines) in sync() with the application's font: paint with it.
    Q_UNUSED(widget);
    const QFont nameFont = NodeItem::nameFont();
    QFont kindFont = nameFont;
    kindFont.setBold(false);
    kindFont.setPointSizeF(nameFont.pointSizeF() * 0.85);
    const QFontMetricsF nameMetrics(nameFont);
    const QFontMetricsF kindMetrics(kindFont);
    const qreal nameHeight = nameMetrics.height() * qreal(std::max<qsizetype>(1, m_nameLines.size()));
    const qreal total = nameHeight + kindMetrics.height();
    const qreal top = textRect.top() + (textRect.height() - total) / 2;

    // Elided and laid out once, then drawn from the cache: static text is much cheaper to paint.
    const auto drawLine = [&](QStaticText &cache, QString &key, const QString &text, const QFont &font,
                              qreal y, qreal width) {
        const QString k =
            text + QLatin1Char('\x1f') + font.key() + QLatin1Char('\x1f') + QString::number(width);
        if (k != key) {
            key = k;
            cache.setText(QFontMetricsF(font).elidedText(text, Qt::ElideRight, width));
            cache.setTextFormat(Qt::PlainText);
            cache.prepare(QTransform(), font);
        }
        painter->setFont(font);
        painter->drawStaticText(QPointF(textRect.left(), y), cache);
    };
    painter->setPen(colours.text);
    drawLine(m_nameText, m_nameKey, m_nameLines.value(0), nameFont, top, textRect.width());
    if (m_nameLines.size() > 1)
        drawLine(m_nameText2, m_nameKey2, m_nameLines.value(1), nameFont, top + nameMetrics.height(),
                 textRect.width());
    const Badges b = badges();
    const QString second = b.live ? b.line : m_kind;
    painter->setPen(b.crashed ? kDrop : colours.subtext);
    // The live line may use the room up to the edge, in a smaller font when it needs to.
    const qreal width = b.live ? m_width - textRect.left() - 4 : textRect.width();
    QFont lineFont = kindFont;
    if (b.live && kindMetrics.horizontalAdvance(second) > width)
        lineFont.setPointSizeF(kindFont.pointSizeF() * 0.9);
    const qreal lineTop = top + nameHeight + (kindMetrics.height() - QFontMetricsF(lineFont).height()) / 2;
    const LiveLogs *logs = b.live && m_partitions ? liveLogs() : nullptr;
    const QStringList legend = logs ? logs->groupNames(m_id) : QStringList();
    if (legend.isEmpty() || b.crashed) {
        drawLine(m_lineText, m_lineKey, second, lineFont, lineTop, width);
    } else {
        // A log's groups with the colour of their marks in the lanes: "● billing ● audit".
        QFont legendFont = kindFont;
        const QFontMetricsF metrics(legendFont);
        painter->setFont(legendFont);
        qreal x = textRect.left();
        const qreal right = m_width - 6;
        const qreal centre = lineTop + kindMetrics.height() / 2;
        for (int i = 0; i < legend.size() && x < right - 12; ++i) {
            painter->save();
            painter->setRenderHint(QPainter::Antialiasing);
            painter->setPen(Qt::NoPen);
            painter->setBrush(groupColour(i));
            painter->drawEllipse(QPointF(x + 4, centre), 3.5, 3.5);
            painter->restore();
            x += 10;
            const QString text = metrics.elidedText(legend[i], Qt::ElideRight, right - x);
            painter->drawText(QPointF(x, lineTop + metrics.ascent()), text);
            x += metrics.horizontalAdvance(text) + 8;
        }
    }
    if (m_partitions) paintLanes(painter, &kindFont);
    if (b.live) paintBadges(painter, b, &kindFont);
}

QColor NodeItem::groupColour(int index)
{
    // Told apart from the log's own amber and from the warning colours of the lanes.
    static const QColor colours[] = {QColor(0x2f, 0x6f, 0xd6), QColor(0x8e, 0x44, 0xad),
                                     QColor(0x00, 0x83, 0x8f), QColor(0xc2, 0x18, 0x5b),
                                     QColor(0x2e, 0x8b, 0x57), QColor(0x6d, 0x4c, 0x41)};
    return colours[std::size_t(index) % std::size(colours)];
}

const LiveLogs *NodeItem::liveLogs() const
{
    const LiveOverlay *live = overlay();
    return live && live->logs().isActive() ? &live->logs() : nullptr;
}

std::vector<LiveLogs::Lane> NodeItem::shownLanes() const
{
    const LiveLogs *logs = liveLogs();
    std::vector<LiveLogs::Lane> lanes = logs ? logs->lanes(m_id) : std::vector<LiveLogs::Lane>();
    if (lanes.size() > std::size_t(laneCount())) lanes.resize(std::size_t(laneCount()));
    return lanes;
}

QString NodeItem::moreLanesText() const
{
    if (m_partitions <= LiveLogs::kMaxLanes) return {};
    QString text = QObject::tr("+%1 more").arg(m_partitions - LiveLogs::kMaxLanes);
    // What the hidden lanes would warn of is said here, so that no trouble goes unseen.
    const LiveLogs *logs = liveLogs();
    if (!logs) return text;
    int under = 0, offline = 0;
    const std::vector<LiveLogs::Lane> lanes = logs->lanes(m_id);
    for (std::size_t i = std::size_t(LiveLogs::kMaxLanes); i < lanes.size(); ++i) {
        if (lanes[i].offline())
            ++offline;
        else if (lanes[i].underReplicated())
            ++under;
    }
    QStringList trouble;
    if (offline) trouble << QObject::tr("%1 offline").arg(offline);
    if (under) trouble << QObject::tr("%1 under-replicated").arg(under);
    if (!trouble.isEmpty()) text += QStringLiteral(": ") + trouble.join(QStringLiteral(", "));
    return text;
}

void NodeItem::paintLanes(QPainter *painter, const QFont *font)
{
    const CanvasColors colours = canvasColors();
    const QColor log(0xb0, 0x7d, 0x12);
    const std::vector<LiveLogs::Lane> lanes = shownLanes();
    const LiveLogs *logs = liveLogs();
    const int groups = logs ? int(logs->groupNames(m_id).size()) : 0;
    const QFont laneFont = font ? *font : QFont();
    const QFontMetricsF metrics(laneFont);
    QFont warnFont = laneFont; // a lane in trouble says so in bold
    warnFont.setBold(true);
    const QFontMetricsF warnMetrics(warnFont);
    const qreal left = 10, right = m_width - 10;
    // Columns: "P0", the bar, the offsets, the leader and ISR; as wide as this frame's widest.
    const qreal labelWidth =
        metrics.horizontalAdvance(QStringLiteral("P%1").arg(std::max(laneCount() - 1, 10)));
    qreal offsetsWidth = metrics.horizontalAdvance(QStringLiteral("8,888"));
    qreal leaderWidth = warnMetrics.horizontalAdvance(QStringLiteral("L8 ISR 8/8"));
    std::int64_t scale = 1;
    for (const LiveLogs::Lane &l : lanes) {
        offsetsWidth = std::max(offsetsWidth, metrics.horizontalAdvance(LiveLogs::offsetsText(l)));
        leaderWidth = std::max(leaderWidth, warnMetrics.horizontalAdvance(LiveLogs::leaderText(l)));
        scale = std::max(scale, l.figures.logEnd);
    }
    const qreal leaderLeft = right - leaderWidth;
    const qreal offsetsRight = leaderLeft - 6;
    const qreal barLeft = left + labelWidth + 5;
    const qreal barRight = std::max(barLeft + 20, offsetsRight - offsetsWidth - 5);
    const qreal barWidth = barRight - barLeft;
    const QColor warn(0xd9, 0x8e, 0x04), offline(0xc6, 0x28, 0x28);

    painter->save();
    // A hairline between the header and the lanes.
    painter->setPen(QPen(colours.track, 1));
    painter->drawLine(QPointF(6, m_headerHeight), QPointF(m_width - 6, m_headerHeight));
    if (font) painter->setFont(laneFont);
    for (int i = 0; i < laneCount(); ++i) {
        const qreal top = m_headerHeight + 3 + qreal(i) * kLaneHeight;
        const QRectF bar(barLeft, top + 3, barWidth, kLaneHeight - 6);
        const LiveLogs::Lane *lane = std::size_t(i) < lanes.size() ? &lanes[std::size_t(i)] : nullptr;
        const bool isOffline = lane && lane->offline();
        const bool isUnder = lane && lane->underReplicated();
        painter->setPen(Qt::NoPen);
        painter->setBrush(isOffline ? QColor(offline.red(), offline.green(), offline.blue(), 40)
                                    : colours.track);
        painter->drawRect(bar);
        if (lane && lane->figures.logEnd > 0) {
            const auto at = [&](std::int64_t offset) {
                return bar.left() +
                       bar.width() * double(std::clamp<std::int64_t>(offset, 0, scale)) / double(scale);
            };
            const PartitionFigures &f = lane->figures;
            // Records below the high watermark are committed (solid); above it, not yet replicated
            // (light); below the log start, deleted by retention (hatched).
            painter->setBrush(isOffline ? QColor(0x9e, 0x9e, 0x9e) : log);
            painter->drawRect(QRectF(QPointF(at(f.logStart), bar.top()),
                                     QPointF(at(std::max(f.logStart, f.highWatermark)), bar.bottom())));
            painter->setBrush(QColor(log.red(), log.green(), log.blue(), 110));
            painter->drawRect(QRectF(QPointF(at(std::max(f.logStart, f.highWatermark)), bar.top()),
                                     QPointF(at(f.logEnd), bar.bottom())));
            if (f.logStart > 0) {
                painter->setBrush(QBrush(colours.subtext, Qt::BDiagPattern));
                painter->drawRect(
                    QRectF(QPointF(bar.left(), bar.top()), QPointF(at(f.logStart), bar.bottom())));
            }
            // Each group's committed offset: a mark in its own slice of the bar's height.
            const qreal slice = groups ? (bar.height() + 4) / qreal(groups) : 0;
            for (int g = 0; g < groups && std::size_t(g) < lane->committed.size(); ++g) {
                if (lane->committed[std::size_t(g)] < 0) continue;
                const qreal x = at(lane->committed[std::size_t(g)]);
                painter->setBrush(groupColour(g));
                painter->drawRect(QRectF(x - 1.5, bar.top() - 2 + slice * g, 3, slice));
            }
        }
        if (!font) continue;
        painter->setPen(colours.subtext);
        painter->drawText(QRectF(left, top, labelWidth, kLaneHeight), Qt::AlignLeft | Qt::AlignVCenter,
                          QStringLiteral("P%1").arg(i));
        if (!lane) continue;
        painter->setPen(colours.text);
        painter->drawText(QRectF(offsetsRight - offsetsWidth, top, offsetsWidth, kLaneHeight),
                          Qt::AlignRight | Qt::AlignVCenter, LiveLogs::offsetsText(*lane));
        painter->setPen(isOffline ? offline : isUnder ? warn : colours.subtext);
        if (isOffline || isUnder) painter->setFont(warnFont);
        painter->drawText(QRectF(leaderLeft, top, leaderWidth, kLaneHeight), Qt::AlignLeft | Qt::AlignVCenter,
                          LiveLogs::leaderText(*lane));
        painter->setFont(laneFont);
    }
    const QString more = moreLanesText();
    if (font && !more.isEmpty()) {
        const qreal top = m_headerHeight + 3 + qreal(laneCount()) * kLaneHeight;
        painter->setPen(more.contains(QLatin1Char(':')) ? warn : colours.subtext);
        painter->drawText(QRectF(left, top, right - left, kLaneHeight), Qt::AlignLeft | Qt::AlignVCenter,
                          metrics.elidedText(more, Qt::ElideRight, right - left));
    }
    painter->restore();
}

const LiveOverlay *NodeItem::overlay() const
{
    auto *canvas = qobject_cast<CanvasScene *>(scene());
    return canvas && canvas->live().isActive() ? &canvas->live() : nullptr;
}

const LiveNodeStats *NodeItem::liveStats() const
{
    const LiveOverlay *live = overlay();
    return live ? live->node(m_id) : nullptr;
}

NodeItem::Badges NodeItem::badges(bool withLine) const
{
    Badges b;
    const LiveNodeStats *s = liveStats();
    if (!s) return b;
    b.live = true;
    b.depth = s->ready;
    b.unacked = s->unacked;
    b.busy = s->busy;
    b.dropped = s->counters.totalDrops();
    b.deadLettered = s->counters.deadLettered;
    const LiveOverlay *live = overlay();
    b.crashed = s->crashed || live->nodeHasFault(m_id, QStringLiteral("crash"));
    b.paused = s->paused || live->nodeHasFault(m_id, QStringLiteral("pause"));
    b.faults = faultKinds(live->nodeFaults(m_id));
    const QString dot = QStringLiteral(" \u00b7 ");
    const LiveLogs *logs = liveLogs();
    const bool streamConsumer =
        m_kind == QLatin1String("kafka-consumer") || m_kind == QLatin1String("sqs-consumer");
    if (streamConsumer) b.busy = s->busy + s->unacked; // the engine's busy gauge is the AMQP consumer's
    // A queue's depth bar: full at its maxLength, else at an adaptive 1-2-5 step over its peak.
    if (m_kind == QLatin1String("sqs-queue")) {
        b.depthScale = niceScale(std::max<quint64>(s->peakReady, 1));
    } else if (m_kind == QLatin1String("queue")) {
        quint64 maxLength = 0;
        if (const NodeDef *n = m_document->node(m_id)) {
            const auto it = n->properties.find("maxLength");
            if (it != n->properties.end() && it->is_number()) maxLength = it->get<quint64>();
        }
        b.depthScale = maxLength ? maxLength : niceScale(std::max<quint64>(s->peakReady, 1));
    }
    if (!withLine) return b;
    if (m_partitions) {
        // A log: its records in all (the lanes show each partition).
        std::int64_t records = 0;
        for (const LiveLogs::Lane &l : logs ? logs->lanes(m_id) : std::vector<LiveLogs::Lane>())
            records += l.figures.logEnd - l.figures.logStart;
        b.line = QObject::tr("%1 records").arg(LiveOverlay::compact(double(records)));
    } else if (m_kind == QLatin1String("kafka-consumer")) {
        // Its partitions and their lag, then what it processed.
        LiveLogs::Group g;
        QStringList parts;
        if (logs && logs->groupOfMember(m_id, &g)) {
            const auto me = std::find_if(g.members.begin(), g.members.end(),
                                         [&](const LiveLogs::Member &m) { return m.id == m_id; });
            if (me == g.members.end())
                parts << QObject::tr("not in %1").arg(g.name);
            else if (me->partitions.empty())
                parts << QObject::tr("no partitions");
            else
                parts << LiveLogs::partitionsText(me->partitions, 3)
                      << QObject::tr("lag %1").arg(LiveOverlay::compact(double(me->lag)));
        } else {
            parts << (b.busy ? QObject::tr("busy") : QObject::tr("idle"));
        }
        parts << QObject::tr("%1 done").arg(LiveOverlay::compact(double(s->counters.processed)));
        b.line = parts.join(dot);
    } else if (m_kind == QLatin1String("sqs-queue")) {
        b.line = QObject::tr("%1 visible").arg(countText(s->ready)) + dot +
                 QObject::tr("%1 in flight").arg(countText(s->unacked));
    } else if (m_kind == QLatin1String("sqs-consumer")) {
        b.line = (b.busy ? QObject::tr("busy") : QObject::tr("idle")) + dot +
                 QObject::tr("%1 done").arg(LiveOverlay::compact(double(s->counters.processed)));
    } else if (m_kind == QLatin1String("kafka-producer") || m_kind == QLatin1String("sqs-producer")) {
        b.line = QObject::tr("%1 sent").arg(LiveOverlay::compact(double(s->counters.published)));
        if (s->inFlight) b.line += dot + QObject::tr("%1 unacknowledged").arg(countText(s->inFlight));
    } else if (m_kind == QLatin1String("queue")) {
        b.line = QObject::tr("depth %1").arg(countText(s->ready));
        if (s->unacked) b.line += dot + QObject::tr("%1 unacked").arg(countText(s->unacked));
    } else if (m_kind == QLatin1String("consumer")) {
        b.line = (s->busy ? QObject::tr("busy %1").arg(countText(s->busy)) : QObject::tr("idle")) + dot +
                 QObject::tr("%1 done").arg(LiveOverlay::compact(double(s->counters.processed)));
    } else if (m_kind == QLatin1String("producer")) {
        b.line = QObject::tr("%1 published").arg(LiveOverlay::compact(double(s->counters.published)));
        if (s->inFlight) b.line += dot + QObject::tr("%1 unconfirmed").arg(countText(s->inFlight));
    } else if (m_kind == QLatin1String("exchange")) {
        b.line = QObject::tr("%1 routed").arg(LiveOverlay::compact(double(s->counters.routed)));
    } else if (m_server) {
        b.line = QObject::tr("queue %1").arg(countText(s->serverQueue)) + dot +
                 QObject::tr("%1 executed").arg(LiveOverlay::compact(double(s->executions)));
    } else if (m_caller) {
        b.line = QObject::tr("%1 in flight").arg(countText(s->callsInFlight)) + dot +
                 QObject::tr("%1 ok").arg(LiveOverlay::compact(double(s->callsSucceeded)));
        if (s->callsFailed)
            b.line += dot + QObject::tr("%1 failed").arg(LiveOverlay::compact(double(s->callsFailed)));
    }
    if (b.paused) b.line = QObject::tr("paused") + dot + b.line;
    if (b.crashed) b.line = QObject::tr("crashed");
    return b;
}

void NodeItem::paintBadges(QPainter *painter, const Badges &b, const QFont *font)
{
    painter->save();
    // Without text (the compact form) the marks are a few pixels: plain and aliased.
    painter->setRenderHint(QPainter::Antialiasing, font != nullptr);
    // Queue depth: a bar along the bottom edge, green to red as it fills.
    if ((m_kind == QLatin1String("queue") || m_kind == QLatin1String("sqs-queue")) && b.depthScale) {
        const qreal fill = std::min(1.0, double(b.depth) / double(b.depthScale));
        const QRectF bar(12, m_height - 8, m_width - 24, 4);
        painter->setPen(Qt::NoPen);
        painter->setBrush(canvasColors().track);
        painter->drawRoundedRect(bar, 2, 2);
        if (fill > 0) {
            const QColor colour = fill < 0.6 ? kBusy : fill < 0.9 ? QColor(0xe0, 0xa0, 0x00) : kDrop;
            painter->setBrush(colour);
            painter->drawRoundedRect(
                QRectF(bar.left(), bar.top(), std::max(4.0, bar.width() * fill), bar.height()), 2, 2);
        }
    }
    // Consumer: a dot in the top-right corner, green while processing.
    if (m_kind == QLatin1String("consumer") || m_kind == QLatin1String("kafka-consumer") ||
        m_kind == QLatin1String("sqs-consumer")) {
        painter->setPen(QPen(b.busy ? kBusy.darker(130) : kIdle, 1));
        painter->setBrush(b.busy ? kBusy : canvasColors().portFill);
        painter->drawEllipse(QPointF(m_width - 11, 11), 4.5, 4.5);
    }
    // Drops and dead letters: pills above the top-right corner (without their text when there is
    // no font: the canvas is too far out to read it).
    const bool text = font != nullptr;
    std::optional<QFontMetricsF> metrics;
    if (text) {
        QFont pillFont = *font;
        pillFont.setPointSizeF(pillFont.pointSizeF() * 0.9);
        pillFont.setBold(true);
        metrics.emplace(pillFont);
        painter->setFont(pillFont);
    }
    const auto drawPill = [&](const QRectF &r) {
        if (text)
            painter->drawRoundedRect(r, r.height() / 2, r.height() / 2);
        else
            painter->drawRect(r);
    };
    qreal right = m_width + kBadgeSide - 2;
    auto pill = [&](const QString &label, const QColor &colour) {
        const qreal w = text ? metrics->horizontalAdvance(label) + 10 : kBadgeRoom * 2;
        const QRectF r(right - w, -kBadgeRoom + 1, w, kBadgeRoom - 4);
        painter->setPen(Qt::NoPen);
        painter->setBrush(colour);
        drawPill(r);
        if (text) {
            painter->setPen(Qt::white);
            painter->drawText(r, Qt::AlignCenter, label);
        }
        right = r.left() - 4;
    };
    if (b.deadLettered)
        pill(text ? QObject::tr("%1 dead-lettered").arg(LiveOverlay::compact(double(b.deadLettered)))
                  : QString(),
             kDeadLetter);
    if (b.dropped)
        pill(text ? QObject::tr("%1 dropped").arg(LiveOverlay::compact(double(b.dropped))) : QString(),
             kDrop);
    // Other faults (slow, a nemesis over its group): amber pills from the top-left corner.
    qreal left = -kBadgeSide + 2;
    for (const QString &kind : b.faults) {
        const qreal w = text ? metrics->horizontalAdvance(kind) + 10 : kBadgeRoom * 2;
        const QRectF r(left, -kBadgeRoom + 1, w, kBadgeRoom - 4);
        painter->setPen(Qt::NoPen);
        painter->setBrush(kFault);
        drawPill(r);
        if (text) {
            painter->setPen(Qt::white);
            painter->drawText(r, Qt::AlignCenter, kind);
        }
        left = r.right() + 4;
    }
    // Paused: a pause sign in the top-left corner, the box veiled in blue.
    if (b.paused && !b.crashed) {
        painter->setPen(Qt::NoPen);
        painter->setBrush(QColor(0x2f, 0x7f, 0xd6, 40));
        painter->drawRoundedRect(QRectF(0, 0, m_width, m_height), 8, 8);
        painter->setBrush(QColor(0x2f, 0x7f, 0xd6));
        painter->drawRect(QRectF(m_width - 30, 6, 3.5, 11));
        painter->drawRect(QRectF(m_width - 24, 6, 3.5, 11));
    }
    // Crashed: greyed out and crossed.
    if (b.crashed) {
        painter->setPen(Qt::NoPen);
        painter->setBrush(QColor(0x80, 0x80, 0x80, 110));
        painter->drawRoundedRect(QRectF(0, 0, m_width, m_height), 8, 8);
        painter->setPen(QPen(kDrop, 2.5, Qt::SolidLine, Qt::RoundCap));
        painter->drawLine(QPointF(14, 14), QPointF(34, 42));
        painter->drawLine(QPointF(34, 14), QPointF(14, 42));
    }
    painter->restore();
}

QString NodeItem::liveToolTip() const
{
    QString text = toolTip();
    if (auto *canvas = qobject_cast<CanvasScene *>(scene()))
        if (const QString note = canvas->routeNote(m_id); !note.isEmpty())
            text += QLatin1Char('\n') + QObject::tr("Route: %1").arg(note);
    if (const LiveOverlay *live = overlay(); live && live->coverage(m_id) >= 0)
        text += QLatin1Char('\n') + QObject::tr("Learned %n item(s)", nullptr, int(live->learned(m_id)));
    if (auto *canvas = qobject_cast<CanvasScene *>(scene()))
        if (const QString problem = canvas->nodeProblem(m_id); !problem.isEmpty())
            text += QLatin1Char('\n') + QObject::tr("Taken out of the run: %1").arg(problem);
    const LiveOverlay *live = overlay();
    const LiveNodeStats *s = live ? live->node(m_id) : nullptr;
    if (!s) return text;
    QStringList lines;
    auto add = [&](const QString &label, quint64 v) {
        lines << QStringLiteral("%1: %2").arg(label, countText(v));
    };
    if (s->crashed) lines << QObject::tr("crashed");
    if (s->paused) lines << QObject::tr("paused: frames and timers wait until it resumes");
    for (const LiveOverlay::Fault &f : live->nodeFaults(m_id))
        lines << faultLine(f);
    const LiveLogs *logs = liveLogs();
    if (m_partitions && logs) {
        lines << logs->topicLines(m_id);
    } else if (m_kind == QLatin1String("kafka-consumer") || m_kind == QLatin1String("sqs-consumer")) {
        if (logs) lines << logs->memberLines(m_id);
        add(QObject::tr("busy (processing)"), s->busy + s->unacked);
        add(QObject::tr("buffered"), s->ready);
        add(QObject::tr("processed"), s->counters.processed);
    } else if (m_kind == QLatin1String("sqs-queue")) {
        add(QObject::tr("visible (ready to receive)"), s->ready);
        add(QObject::tr("in flight (received, not deleted)"), s->unacked);
        add(QObject::tr("sent to it"), s->counters.enqueued);
        add(QObject::tr("received"), s->counters.delivered);
        add(QObject::tr("received again"), s->counters.redelivered);
        add(QObject::tr("deleted"), s->counters.acked);
        add(QObject::tr("expired (retention)"), s->counters.expired);
    } else if (m_kind == QLatin1String("kafka-producer") || m_kind == QLatin1String("sqs-producer")) {
        add(QObject::tr("sent"), s->counters.published);
        add(QObject::tr("acknowledged"), s->counters.confirmed);
        add(QObject::tr("in flight (unacknowledged)"), s->inFlight);
        add(QObject::tr("retries"), s->counters.retries);
    } else if (m_kind == QLatin1String("producer")) {
        add(QObject::tr("published"), s->counters.published);
        add(QObject::tr("confirmed"), s->counters.confirmed);
        add(QObject::tr("in flight (unconfirmed)"), s->inFlight);
        add(QObject::tr("retries"), s->counters.retries);
    } else if (m_kind == QLatin1String("exchange")) {
        add(QObject::tr("routed"), s->counters.routed);
    } else if (m_kind == QLatin1String("queue")) {
        add(QObject::tr("queue depth (ready)"), s->ready);
        add(QObject::tr("peak depth"), s->peakReady);
        add(QObject::tr("unacked"), s->unacked);
        add(QObject::tr("enqueued"), s->counters.enqueued);
        add(QObject::tr("delivered"), s->counters.delivered);
        add(QObject::tr("redelivered"), s->counters.redelivered);
        add(QObject::tr("acked"), s->counters.acked);
        add(QObject::tr("nacked"), s->counters.nacked);
        add(QObject::tr("expired"), s->counters.expired);
    } else if (m_kind == QLatin1String("consumer")) {
        add(QObject::tr("busy (processing)"), s->busy);
        add(QObject::tr("buffered"), s->ready);
        add(QObject::tr("processed"), s->counters.processed);
    }
    if (m_server) {
        add(QObject::tr("accept queue"), s->serverQueue);
        add(QObject::tr("executed"), s->executions);
    }
    if (m_caller) {
        add(m_server ? QObject::tr("downstream calls in flight") : QObject::tr("calls in flight"),
            s->callsInFlight);
        add(QObject::tr("calls succeeded"), s->callsSucceeded);
        add(QObject::tr("calls failed"), s->callsFailed);
    }
    add(QObject::tr("dropped"), s->counters.totalDrops());
    add(QObject::tr("dead-lettered"), s->counters.deadLettered);
    text +=
        QLatin1Char('\n') + QObject::tr("At %1:").arg(QString::fromStdString(formatDuration(live->now())));
    for (const QString &l : lines)
        text += QStringLiteral("\n  ") + l;
    return text;
}

QVariant NodeItem::itemChange(GraphicsItemChange change, const QVariant &value)
{
    // Dragging snaps to the grid; the document's own positions are shown as they are.
    if (change == ItemPositionChange && !m_syncing) {
        const auto *canvas = qobject_cast<const CanvasScene *>(scene());
        if (!canvas || canvas->snapToGrid()) return snapped(value.toPointF());
    }
    return QGraphicsItem::itemChange(change, value);
}

// ---------------------------------------------------------------------------------------------
// PortItem

PortItem::PortItem(NodeItem *node, const QString &name, bool output, Protocol protocol, const QString &help)
    : QGraphicsItem(node), m_node(node), m_name(name), m_output(output), m_protocol(protocol)
{
    setZValue(2);
    // No pixmap cache: a small circle draws about as fast as a cached one is looked up and
    // copied, and zoomed far out a port draws nothing (a thousand empty lookups per frame).
    setAcceptHoverEvents(true);
    setCursor(output ? Qt::CrossCursor : Qt::ArrowCursor);
    const QString what = output ? QObject::tr("output") : QObject::tr("input");
    // protocolName(): "publishes", "deliveries", "calls", the words the link checks use too.
    const QString carries = QString::fromLatin1(protocolName(protocol));
    m_help = help.isEmpty() ? QStringLiteral("%1 (%2, %3)").arg(name, what, carries)
                            : QStringLiteral("%1 (%2, %3): %4").arg(name, what, carries, help);
    setToolTip(m_help);
}

void PortItem::setLinkTarget(LinkTarget target, const QString &reason)
{
    if (target == m_target && (target != LinkTarget::Refuses || toolTip() == reason)) return;
    m_target = target;
    setToolTip(target == LinkTarget::Refuses ? reason : m_help);
    update();
}

void PortItem::setHighlighted(bool on)
{
    if (on == m_highlighted) return;
    m_highlighted = on;
    update();
}

QRectF PortItem::boundingRect() const
{
    // A call's diamond reaches further than a circle of the same radius (see paint()).
    // A ringed circle (kRadius + 1, a 2.5 pen) reaches kRadius + 2.25; one more for antialiasing.
    const qreal r = m_protocol == Protocol::Call ? (kRadius + 1) * 1.25 + 2 : kRadius + 3;
    return {-r, -r, 2 * r, 2 * r};
}

void PortItem::paint(QPainter *painter, const QStyleOptionGraphicsItem *, QWidget *)
{
    // Too small to aim at: the node's compact box stands for it, unless a link being dragged
    // asks whether it would take it.
    if (m_target == LinkTarget::None && !m_highlighted && isCompactLod(painter->worldTransform())) {
        m_lastForm = PaintForm::Compact;
        return;
    }
    m_lastForm = PaintForm::Full;
    const QColor colour = protocolColour(m_protocol, canvasColors());
    // Calls are diamonds, publishes and deliveries circles: told apart without colour too.
    const auto mark = [&](qreal r) {
        if (m_protocol != Protocol::Call) {
            painter->drawEllipse(QPointF(0, 0), r, r);
            return;
        }
        const qreal d = r * 1.25;
        painter->drawPolygon(QPolygonF({QPointF(0, -d), QPointF(d, 0), QPointF(0, d), QPointF(-d, 0)}));
    };
    if (m_target == LinkTarget::Refuses) {
        // Dimmed, red and crossed: dropping here would be refused.
        painter->save();
        painter->setOpacity(0.55);
        painter->setPen(QPen(kDrop, 1.5));
        painter->setBrush(canvasColors().portFill);
        mark(kRadius - 1);
        const qreal c = (kRadius - 1) * 0.6;
        painter->drawLine(QPointF(-c, -c), QPointF(c, c));
        painter->drawLine(QPointF(-c, c), QPointF(c, -c));
        painter->restore();
        return;
    }
    const bool ring = m_highlighted || m_target == LinkTarget::Accepts;
    painter->setPen(QPen(m_highlighted ? kSelection : ring ? kBusy : colour, ring ? 2.5 : 1.5));
    painter->setBrush(m_output ? colour : canvasColors().portFill);
    mark(ring ? kRadius + 1 : kRadius - 1);
}

// ---------------------------------------------------------------------------------------------
// LinkItem

LinkItem::LinkItem(const TopologyDocument *document, const QString &id) : m_document(document), m_id(id)
{
    setFlags(ItemIsSelectable | ItemUsesExtendedStyleOption);
    setZValue(0);
}

QPainterPath LinkItem::curve(QPointF from, QPointF to)
{
    // Horizontal tangents at both ends, pulled further out when the target lies behind the source.
    const qreal dx = std::max(40.0, std::abs(to.x() - from.x()) / 2);
    QPainterPath path(from);
    path.cubicTo(from + QPointF(dx, 0), to - QPointF(dx, 0), to);
    return path;
}

void LinkItem::sync()
{
    const LinkDef *l = m_document->link(m_id);
    auto *canvas = qobject_cast<CanvasScene *>(scene());
    if (!l || !canvas) return;
    const NodeItem *fromNode = canvas->nodeItem(q(l->from));
    const NodeItem *toNode = canvas->nodeItem(q(l->to));
    const PortItem *fromPort = fromNode ? fromNode->port(q(l->fromPort)) : nullptr;
    const PortItem *toPort = toNode ? toNode->port(q(l->toPort)) : nullptr;
    if (!fromPort || !toPort) return;

    prepareGeometryChange();
    m_protocol = fromPort->protocol();
    const QPointF from = fromPort->anchor();
    // The arrow's tip touches the port circle; the curve ends at the arrow's base.
    const QPointF tip = toPort->anchor() - QPointF(PortItem::kRadius, 0);
    const QPointF base = tip - QPointF(kArrowLength, 0);
    m_path = curve(from, base);
    m_arrow = QPolygonF({tip, base + QPointF(0, -kArrowWidth), base + QPointF(0, kArrowWidth)});
    m_fine.build(m_path, 4);
    m_coarse.build(m_path, 1);
    m_compact.build(m_path, kCompactLod);
    m_stroke = {};
    // What a click hits: a band wider than the line, so that a link can be picked while dots
    // travel over it; built once per route, not at every hit test.
    QPainterPathStroker stroker;
    stroker.setWidth(kHitWidth);
    stroker.setCapStyle(Qt::RoundCap);
    m_shape = stroker.createStroke(m_path);
    m_shape.addPolygon(m_arrow);
    m_shape.closeSubpath();

    QString toolTipText = QStringLiteral("%1: %2.%3 \u2192 %4.%5")
                              .arg(m_id, q(l->from), q(l->fromPort), q(l->to), q(l->toPort));
    const QStringList keys = m_document->bindings(q(l->from), q(l->to));
    if (!keys.isEmpty())
        toolTipText +=
            QLatin1Char('\n') + QObject::tr("binding keys: %1").arg(keys.join(QStringLiteral(", ")));
    setToolTip(toolTipText);

    // Labels sit past the middle of the curve, where links fanning out of one port have parted:
    // the binding keys above it, a throughput label below.
    const QPointF mid = m_path.pointAtPercent(0.7);
    m_keyLabel = keyLabelFor(keys);
    m_keyText.setText(m_keyLabel);
    m_keyText.setTextFormat(Qt::PlainText);
    m_keyText.prepare(QTransform(), smallFont());
    m_keyRect = QRectF();
    if (!m_keyLabel.isEmpty()) {
        const QFontMetricsF metrics(smallFont());
        const qreal w = metrics.horizontalAdvance(m_keyLabel) + 8;
        const qreal h = metrics.height() + 2;
        m_keyRect = QRectF(mid.x() - w / 2, mid.y() - h - 3, w, h);
    }
    const QFontMetricsF metrics(smallFont());
    // Wide enough for a rate during the run and a total after it.
    const qreal rw =
        std::max(metrics.horizontalAdvance(QStringLiteral("888.8k/s")),
                 metrics.horizontalAdvance(QObject::tr("%1 frames").arg(QStringLiteral("888.8k")))) +
        8;
    const qreal rh = metrics.height() + 2;
    m_rateRect = QRectF(mid.x() - rw / 2, mid.y() + 3, rw, rh);
    m_lossRect = m_rateRect.translated(0, rh + 1);
    // Faults active on the link: a label above the curve, nearer its start than the binding keys,
    // as wide as a few kinds need.
    const QPointF faultAt = m_path.pointAtPercent(0.4);
    const qreal fw = metrics.horizontalAdvance(QStringLiteral("burst-loss, bandwidth, drop-every")) + 12;
    m_faultRect = QRectF(faultAt.x() - fw / 2, faultAt.y() - rh - 3, fw, rh);
    // Room for the widest throughput stroke, the labels and the dots.
    m_bounds = m_path.boundingRect().united(m_arrow.boundingRect()).adjusted(-8, -8, 8, 8);
    for (const QRectF &r : {m_keyRect, m_rateRect, m_lossRect, m_faultRect})
        if (!r.isNull()) m_bounds = m_bounds.united(r);
    update();
}

QString LinkItem::keyLabelFor(const QStringList &keys)
{
    QStringList shown;
    for (const QString &k : keys)
        if (!k.isEmpty()) shown << (k.size() > 24 ? k.left(23) + QChar(0x2026) : k);
    if (shown.isEmpty()) return {};
    if (shown.size() <= 2) return shown.join(QStringLiteral(", "));
    return QStringLiteral("%1, %2 +%3").arg(shown[0], shown[1]).arg(shown.size() - 2);
}

void LinkItem::Polyline::build(const QPainterPath &path, qreal scale)
{
    // Flattened at `scale` times the default precision (which suits 100 %).
    points = path.toSubpathPolygons(QTransform::fromScale(scale, scale)).value(0);
    for (QPointF &p : points)
        p /= scale;
    lengths.assign(std::size_t(points.size()), 0);
    for (int i = 1; i < points.size(); ++i)
        lengths[std::size_t(i)] = lengths[std::size_t(i) - 1] + QLineF(points[i - 1], points[i]).length();
    bounds = points.boundingRect().adjusted(-1, -1, 1, 1);
    runs.clear();
    constexpr int kRunPoints = 6;
    for (int first = 0; first + 1 < points.size(); first += kRunPoints) {
        Run r;
        r.first = first;
        r.count = std::min<int>(kRunPoints + 1, int(points.size()) - first);
        r.offset = lengths[std::size_t(first)];
        r.bounds = QPolygonF(points.mid(first, r.count)).boundingRect().adjusted(-1, -1, 1, 1);
        runs.push_back(r);
    }
}

QPointF LinkItem::pointAt(qreal fraction) const
{
    const QPolygonF &points = m_fine.points;
    const std::vector<qreal> &lengths = m_fine.lengths;
    if (points.isEmpty()) return {};
    const qreal target = std::clamp(fraction, 0.0, 1.0) * lengths.back();
    const auto it = std::lower_bound(lengths.begin(), lengths.end(), target);
    const auto i = std::size_t(std::max<std::ptrdiff_t>(1, it - lengths.begin()));
    if (i >= lengths.size()) return points.back();
    const qreal span = lengths[i] - lengths[i - 1];
    const qreal t = span > 0 ? (target - lengths[i - 1]) / span : 0;
    return points[int(i) - 1] + (points[int(i)] - points[int(i) - 1]) * t;
}

const LiveOverlay *LinkItem::overlay() const
{
    auto *canvas = qobject_cast<CanvasScene *>(scene());
    return canvas && canvas->live().isActive() ? &canvas->live() : nullptr;
}

int LinkItem::liveIndex(const LiveOverlay &live) const
{
    if (m_liveGeneration != live.generation()) {
        m_liveIndex = live.linkIndex(m_id);
        m_liveGeneration = live.generation();
    }
    return m_liveIndex;
}

const LiveOverlay::LinkState *LinkItem::liveState() const
{
    const LiveOverlay *live = overlay();
    return live ? live->link(m_id) : nullptr;
}

int LinkItem::liveMode() const
{
    const LiveOverlay::LinkState *s = liveState();
    return int(s ? s->mode : LiveOverlay::LinkMode::Idle);
}

QString LinkItem::rateLabel() const
{
    const LiveOverlay *live = overlay();
    const LiveOverlay::LinkState *s = live ? live->link(m_id) : nullptr;
    if (!s) return {};
    if (live->hasEnded()) {
        // The run's final figure: what the link carried in all.
        if (s->stats.messages)
            return QObject::tr("%1 msgs").arg(LiveOverlay::compact(double(s->stats.messages)));
        if (s->stats.sent) return QObject::tr("%1 frames").arg(LiveOverlay::compact(double(s->stats.sent)));
        return {};
    }
    if (s->mode != LiveOverlay::LinkMode::Throughput) return {};
    return LiveOverlay::compact(s->rate) + QStringLiteral("/s");
}

int LinkItem::dotCount() const
{
    const LiveOverlay *live = overlay();
    return live ? int(live->dotPositions(m_id).size()) : 0;
}

QString LinkItem::liveToolTip() const
{
    QString text = toolTip();
    if (auto *canvas = qobject_cast<CanvasScene *>(scene()))
        if (const CanvasScene::RouteMark *mark = canvas->routeMark(m_id))
            text += QLatin1Char('\n') +
                    (mark->taken ? QObject::tr("Route: taken — %1") : QObject::tr("Route: not taken — %1"))
                        .arg(mark->why);
    const LiveOverlay *live = overlay();
    const LiveOverlay::LinkState *s = live ? live->link(m_id) : nullptr;
    if (!s) return text;
    text +=
        QLatin1Char('\n') + QObject::tr("At %1:").arg(QString::fromStdString(formatDuration(live->now())));
    if (looksDown()) text += QStringLiteral("\n  ") + QObject::tr("link down (partitioned)");
    for (const LiveOverlay::Fault &f : live->linkFaults(m_id))
        text += QStringLiteral("\n  ") + faultLine(f);
    const auto line = [&](const QString &label, quint64 v) {
        text += QStringLiteral("\n  %1: %2").arg(label, countText(v));
    };
    line(QObject::tr("frames sent"), s->stats.sent);
    line(QObject::tr("messages sent"), s->stats.messages);
    line(QObject::tr("delivered"), s->stats.delivered);
    line(QObject::tr("in flight"), s->stats.inFlight);
    line(QObject::tr("dropped"), s->stats.dropped);
    text += QStringLiteral("\n  ") + QObject::tr("throughput: %1 msg/s").arg(LiveOverlay::compact(s->rate));
    return text;
}

bool LinkItem::looksDown() const
{
    const LiveOverlay *live = overlay();
    if (!live) return false;
    const LiveOverlay::LinkState *s = live->link(m_id);
    return (s && !s->stats.up) || live->linkHasFault(m_id, QStringLiteral("link-down"));
}

QStringList LinkItem::faultLabels() const
{
    const LiveOverlay *live = overlay();
    return live ? faultKinds(live->linkFaults(m_id)) : QStringList();
}

QRectF LinkItem::boundingRect() const
{
    return m_bounds;
}

QPainterPath LinkItem::shape() const
{
    return m_shape;
}

LinkItem::Look LinkItem::lookFor(bool selected, const LiveOverlay *live, const LiveOverlay::LinkState *state,
                                 const CanvasColors &canvas) const
{
    Look look;
    look.down =
        live && ((state && !state->stats.up) || live->linkHasFault(m_id, QStringLiteral("link-down")));
    // After the run, no link is drawn by a rate that no longer holds.
    const bool throughput = state && state->mode == LiveOverlay::LinkMode::Throughput && !live->hasEnded();
    look.colour = selected ? kSelection : protocolColour(m_protocol, canvas);
    look.width = selected ? 2.5 : 1.6;
    if (throughput && !look.down) {
        // Thicker and warmer with the rate, on a log scale: 1/s thin, 10k/s thick and orange. In
        // eight steps: a rate that wobbles keeps its stroke (and the outline cached for it), and
        // nobody reads a finer difference from a line's width.
        const double level =
            std::round(std::min(1.0, std::log10(1.0 + state->rate) / 4.0) * kLevels) / kLevels;
        look.width = std::max(look.width, 1.6 + 5.0 * level);
        if (!selected) {
            look.colour = mixed(look.colour, kHot, level * 0.85);
        }
    }
    if (look.down) {
        if (!selected) look.colour = kDrop;
        look.width = 2.0;
    }
    // Deliveries dashed; supervision edges (a supervisor to its children, a monitor) dotted, so a
    // supervision tree reads apart from the messages that flow through it.
    look.style = look.down || isDelivery()             ? Qt::DashLine
                 : m_protocol == Protocol::Supervision ? Qt::DotLine
                                                       : Qt::SolidLine;
    return look;
}

LinkItem::LookChange LinkItem::compactLookChange() const
{
    const LiveOverlay *live = overlay();
    const LiveOverlay::LinkState *state = live ? live->link(liveIndex(*live)) : nullptr;
    const Look look = lookFor(isSelected(), live, state, canvasColors());
    // The compact line is one pixel whatever the width: only its colour and dashes show.
    if (look.style != m_drawnLook.style) return LookChange::Style;
    return look.colour.rgba() != m_drawnLook.colour.rgba() ? LookChange::Colour : LookChange::None;
}

void LinkItem::paintCompactLine(QPainter *painter, qreal lod, const LiveOverlay *live,
                                const CanvasColors &canvas) const
{
    const LiveOverlay::LinkState *state = live ? live->link(liveIndex(*live)) : nullptr;
    const Look look = lookFor(isSelected(), live, state, canvas);
    m_drawnLook = look;
    // Always a one-pixel cosmetic line, the raster engine's fast path: a busy link shows by its
    // warmer colour (a wider stroke was an outline to compute for each busy link each time a rate
    // moved, most of a frame under full load).
    QPen pen(look.colour, std::min<qreal>(1.0, look.width * lod), look.style, Qt::FlatCap);
    pen.setCosmetic(true);
    painter->setPen(pen);
    painter->setBrush(Qt::NoBrush);
    painter->drawPolyline(m_compact.points);
    painter->setPen(Qt::NoPen);
    painter->setBrush(look.colour);
    painter->drawPolygon(m_arrow);
}

void LinkItem::compactDots(qreal lod, const LiveOverlay *live, std::vector<QRectF> *messages,
                           QHash<QRgb, std::vector<QRectF>> *controls) const
{
    const int index = live ? liveIndex(*live) : -1;
    const LiveOverlay::LinkState *state = live ? live->link(index) : nullptr;
    if (!state || state->mode != LiveOverlay::LinkMode::Dots || state->dots.empty()) return;
    // Squares three device pixels wide (control frames two), within the bounding rectangle's
    // margin (so smaller below 20 %).
    std::vector<QRectF> *control = nullptr;
    for (const auto &d : live->dotPositions(index)) {
        const QPointF p = pointAt(d.fraction);
        const qreal half = std::min((d.message ? 1.5 : 1.0) / lod, 7.5);
        const QRectF r(p.x() - half, p.y() - half, 2 * half, 2 * half);
        if (d.message) {
            messages->push_back(r);
            continue;
        }
        if (!control) control = &(*controls)[protocolColour(m_protocol, canvasColors()).rgba()];
        control->push_back(r);
    }
}

QColor LinkItem::messageDotColour()
{
    return kHot;
}

void LinkItem::paint(QPainter *painter, const QStyleOptionGraphicsItem *option, QWidget *)
{
    const bool selected = option->state & QStyle::State_Selected;
    const LiveOverlay *live = overlay();
    // No hash lookup for the link's live state (a thousand links repaint every frame).
    const int index = live ? liveIndex(*live) : -1;
    const LiveOverlay::LinkState *state = live ? live->link(index) : nullptr;
    const qreal lod = QStyleOptionGraphicsItem::levelOfDetailFromTransform(painter->worldTransform());
    // Zoomed far out: no antialiasing (lines a pixel wide, arrow heads and dots a few pixels), no
    // text. Restored before returning: the view may not save the painter's state per item.
    const bool compact = lod < kCompactLod;
    m_lastForm = compact ? PaintForm::Compact : PaintForm::Full;
    // The scene's LinkLayer draws the compact form's lines, arrow heads and dots, all at once:
    // nothing is left to draw but a route mark or a fault's label.
    auto *scene = qobject_cast<CanvasScene *>(this->scene());
    const bool layered = compact && scene && scene->linkLayer();
    if (layered && !(scene->showsRoute() && scene->routeMark(m_id)) &&
        !(live && !live->linkFaults(m_id).isEmpty()))
        return;
    const bool antialiased = painter->testRenderHint(QPainter::Antialiasing);
    if (compact) painter->setRenderHint(QPainter::Antialiasing, false);
    const CanvasColors canvas = canvasColors();
    const Look look = lookFor(selected, live, state, canvas);
    const QColor colour = look.colour;
    // The routing inspector's answer under the link: a wide green band where the message goes, a
    // red dashed one where it was considered and does not.
    // (Only while the Routing tab shows one: no lookup per link per frame otherwise.)
    if (scene && scene->showsRoute())
        if (const CanvasScene::RouteMark *mark = scene->routeMark(m_id)) {
            QPen band(mark->taken ? QColor(0x2e, 0x9d, 0x3a, 150) : QColor(0xc6, 0x28, 0x28, 140),
                      mark->taken ? 9.0 : 5.0, mark->taken ? Qt::SolidLine : Qt::DashLine, Qt::RoundCap);
            painter->setPen(band);
            painter->setBrush(Qt::NoBrush);
            painter->drawPath(m_path);
        }
    QPen pen(colour, look.width, look.style, Qt::FlatCap);
    const Qt::PenStyle style = look.style;
    const bool dashed = style != Qt::SolidLine;
    painter->setBrush(Qt::NoBrush);
    const QRectF exposed =
        option->exposedRect.adjusted(-pen.widthF(), -pen.widthF(), pen.widthF(), pen.widthF());
    const bool fine = lod > 1.5;
    const Polyline &line = fine ? m_fine : compact ? m_compact : m_coarse;
    // A line at most a pixel and a half wide on screen (any link zoomed out) is drawn one pixel
    // wide with a cosmetic pen: the raster engine strokes those on its fast path, dashes included,
    // where a wider one is an antialiased outline to fill. That was most of a live frame with a
    // whole large topology in view.
    const bool hairline = pen.widthF() * lod <= kHairline;
    if (hairline) {
        pen.setCosmetic(true);
        pen.setWidthF(std::min<qreal>(1.0, pen.widthF() * lod));
    }
    if (layered) {
        // Drawn by the layer.
    } else if (!hairline && exposed.contains(line.bounds)) {
        // All in view and wider than a device pixel (thinner strokes take the raster engine's
        // fast path): fill the stroke's outline, computed once per width and kept, rather than
        // stroking the curve again every frame.
        if (m_stroke.width != pen.widthF() || m_stroke.style != int(style) || m_stroke.line != &line) {
            QPainterPathStroker stroker;
            stroker.setWidth(pen.widthF());
            stroker.setCapStyle(pen.capStyle());
            stroker.setJoinStyle(pen.joinStyle());
            if (dashed) stroker.setDashPattern(style);
            QPainterPath centre;
            centre.addPolygon(line.points);
            m_stroke = {pen.widthF(), int(style), &line, stroker.createStroke(centre)};
        }
        painter->setPen(Qt::NoPen);
        painter->setBrush(colour);
        painter->drawPath(m_stroke.outline);
    } else
        // Partly in view: consecutive runs in view are stroked as one polyline, runs out of view not
        // at all (a long dashed link mostly out of view costs next to nothing).
        for (std::size_t i = 0; i < line.runs.size();) {
            if (!exposed.intersects(line.runs[i].bounds)) {
                ++i;
                continue;
            }
            std::size_t last = i;
            while (last + 1 < line.runs.size() && exposed.intersects(line.runs[last + 1].bounds))
                ++last;
            const Run &first = line.runs[i];
            const int count = line.runs[last].first + line.runs[last].count - first.first;
            // The dash offset is in pen widths (a cosmetic pen's in device pixels): the pattern
            // continues where the last span left it.
            if (dashed)
                pen.setDashOffset(pen.isCosmetic() ? first.offset * lod / std::max<qreal>(pen.widthF(), 1.0)
                                                   : first.offset / pen.widthF());
            painter->setPen(pen);
            painter->drawPolyline(line.points.constData() + first.first, count);
            i = last + 1;
        }
    if (!layered) {
        // Compact: a few pixels, filled without an outline.
        painter->setPen(compact ? QPen(Qt::NoPen) : QPen(colour, 1));
        painter->setBrush(colour);
        painter->drawPolygon(m_arrow);
    }

    // Labels only where they can be read. The binding keys go on top of the dots, to stay readable.
    const bool labels = !compact;
    const auto drawKeyLabel = [&] {
        if (labels && !m_keyLabel.isEmpty()) {
            painter->setPen(QPen(canvas.labelBorder, 0.8));
            painter->setBrush(canvas.labelFill);
            painter->drawRect(m_keyRect);
            painter->setPen(canvas.labelText);
            painter->setFont(smallFont());
            const QSizeF size = m_keyText.size();
            painter->drawStaticText(m_keyRect.center() - QPointF(size.width() / 2, size.height() / 2),
                                    m_keyText);
        }
    };
    const QStringList faults = live ? faultKinds(live->linkFaults(m_id)) : QStringList();
    if (!faults.isEmpty()) {
        // Amber: lighter than a down link's red, for faults that slow or thin out the traffic.
        QFont f = smallFont();
        f.setBold(true);
        const QString text = faults.join(QStringLiteral(", "));
        const QFontMetricsF metrics(f);
        const qreal w = std::min(metrics.horizontalAdvance(text) + 12, m_faultRect.width());
        const QRectF r(m_faultRect.center().x() - w / 2, m_faultRect.top(), w, m_faultRect.height());
        painter->save();
        painter->setRenderHint(QPainter::Antialiasing);
        painter->setPen(Qt::NoPen);
        painter->setBrush(kFault);
        painter->drawRoundedRect(r, r.height() / 2, r.height() / 2);
        if (labels) {
            painter->setPen(Qt::white);
            painter->setFont(f);
            painter->drawText(r.adjusted(6, 0, -6, 0), Qt::AlignCenter,
                              metrics.elidedText(text, Qt::ElideRight, r.width() - 12));
        }
        painter->restore();
    }
    if (!state) {
        drawKeyLabel();
        painter->setRenderHint(QPainter::Antialiasing, antialiased);
        return;
    }
    const QString rate = labels ? rateLabel() : QString();
    if (!rate.isEmpty()) {
        const QString &text = rate;
        painter->setPen(Qt::NoPen);
        painter->setBrush(canvas.labelFill);
        painter->drawRect(m_rateRect);
        painter->setPen(colour.darker(120));
        QFont f = smallFont();
        f.setBold(true);
        painter->setFont(f);
        if (text != m_rateString) {
            m_rateString = text;
            m_rateText.setText(text);
            m_rateText.setTextFormat(Qt::PlainText);
            m_rateText.prepare(QTransform(), f);
        }
        const QSizeF size = m_rateText.size();
        painter->drawStaticText(m_rateRect.center() - QPointF(size.width() / 2, size.height() / 2),
                                m_rateText);
    }
    if (state->mode == LiveOverlay::LinkMode::Dots && compact) {
        if (!layered) {
            std::vector<QRectF> messages;
            QHash<QRgb, std::vector<QRectF>> controls;
            compactDots(lod, live, &messages, &controls);
            painter->setPen(Qt::NoPen);
            for (auto it = controls.cbegin(); it != controls.cend(); ++it) {
                painter->setBrush(QColor::fromRgba(it.key()));
                painter->drawRects(it->data(), int(it->size()));
            }
            painter->setBrush(kHot);
            if (!messages.empty()) painter->drawRects(messages.data(), int(messages.size()));
        }
    } else if (state->mode == LiveOverlay::LinkMode::Dots) {
        const auto dots = live->dotPositions(m_id);
        painter->save();
        painter->setRenderHint(QPainter::Antialiasing);
        const QColor dotColour = protocolColour(m_protocol, canvas);
        for (const auto &d : dots) {
            const QPointF p = pointAt(d.fraction);
            if (d.message) {
                painter->setPen(QPen(Qt::white, 1.2));
                painter->setBrush(kHot);
                painter->drawEllipse(p, 4.5, 4.5);
            } else {
                // Acks, confirms and other control frames: small and hollow.
                painter->setPen(QPen(dotColour, 1.2));
                painter->setBrush(Qt::white);
                painter->drawEllipse(p, 2.5, 2.5);
            }
        }
        painter->restore();
    }
    // Frames the network lost (or dropped on a partition), in red under the rate.
    if (state->stats.dropped && labels) {
        QFont f = smallFont();
        f.setBold(true);
        painter->setFont(f);
        painter->setPen(kDrop);
        painter->drawText(m_lossRect, Qt::AlignCenter,
                          QObject::tr("%1 lost").arg(LiveOverlay::compact(double(state->stats.dropped))));
    }
    drawKeyLabel();
    painter->setRenderHint(QPainter::Antialiasing, antialiased);
}

} // namespace sb
