#include "canvasitems.h"

#include "canvasscene.h"
#include "palettemodel.h"
#include "topologydocument.h"

#include <QApplication>
#include <QFontMetricsF>
#include <QPainter>
#include <QPainterPathStroker>
#include <QPalette>
#include <QStyleOptionGraphicsItem>

#include <cmath>

namespace sb {

namespace {

QString q(const std::string &s)
{
    return QString::fromStdString(s);
}

const QColor kNodeFill(0xfb, 0xfb, 0xfd);
const QColor kNodeBorder(0x8a, 0x93, 0xa6);
const QColor kSelection(0x2f, 0x6f, 0xd6);
const QColor kPublish(0x4a, 0x5a, 0x78);
const QColor kDelivery(0x2e, 0x8b, 0x57);

constexpr qreal kArrowLength = 10;
constexpr qreal kArrowWidth = 5;

} // namespace

// ---------------------------------------------------------------------------------------------
// NodeItem

NodeItem::NodeItem(const TopologyDocument *document, const QString &id) : m_document(document), m_id(id)
{
    setFlags(ItemIsSelectable | ItemIsMovable | ItemSendsGeometryChanges);
    setZValue(1);
    setCursor(Qt::ArrowCursor);
    const NodeDef *n = m_document->node(id);
    if (!n) return;
    m_kind = q(n->kind);
    if (const NodeKindSpec *spec = KindRegistry::builtin().find(n->kind)) {
        std::vector<const PortSpec *> inputs;
        std::vector<const PortSpec *> outputs;
        for (const auto &p : spec->ports)
            (p.direction == PortDirection::In ? inputs : outputs).push_back(&p);
        // Ports spread evenly over the edge, so one port sits in the middle.
        auto place = [this](const std::vector<const PortSpec *> &ports, bool output) {
            const qreal step = kHeight / qreal(ports.size() + 1);
            for (std::size_t i = 0; i < ports.size(); ++i) {
                const PortSpec &p = *ports[i];
                auto *item =
                    new PortItem(this, q(p.name), output, p.protocol == Protocol::Delivery, q(p.help));
                item->setPos(output ? kWidth : 0, step * qreal(i + 1));
                m_ports.push_back(item);
            }
        };
        place(inputs, false);
        place(outputs, true);
    }
    sync();
}

void NodeItem::sync()
{
    const NodeDef *n = m_document->node(m_id);
    if (!n) return;
    m_syncing = true;
    setPos(n->position.x, n->position.y);
    m_syncing = false;
    const QString name = q(n->name.empty() ? n->id : n->name);
    if (name != m_name) {
        m_name = name;
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

QRectF NodeItem::boundingRect() const
{
    return QRectF(0, 0, kWidth, kHeight).adjusted(-2, -2, 2, 2);
}

QPainterPath NodeItem::shape() const
{
    QPainterPath path;
    path.addRoundedRect(QRectF(0, 0, kWidth, kHeight), 8, 8);
    return path;
}

void NodeItem::paint(QPainter *painter, const QStyleOptionGraphicsItem *option, QWidget *widget)
{
    const QRectF box(0, 0, kWidth, kHeight);
    const bool selected = option->state & QStyle::State_Selected;
    painter->setPen(QPen(selected ? kSelection : kNodeBorder, selected ? 2.0 : 1.2));
    painter->setBrush(kNodeFill);
    painter->drawRoundedRect(box, 8, 8);

    const qreal iconSize = 24;
    const QRectF iconRect(12, (kHeight - iconSize) / 2, iconSize, iconSize);
    const QIcon icon = kindIcon(m_kind);
    if (!icon.isNull()) icon.paint(painter, iconRect.toRect());

    const QRectF textRect(iconRect.right() + 7, 8, kWidth - iconRect.right() - 7 - 10, kHeight - 16);
    QFont nameFont = widget ? widget->font() : QApplication::font();
    nameFont.setBold(true);
    QFont kindFont = nameFont;
    kindFont.setBold(false);
    kindFont.setPointSizeF(nameFont.pointSizeF() * 0.85);
    const QFontMetricsF nameMetrics(nameFont);
    const QFontMetricsF kindMetrics(kindFont);
    const qreal total = nameMetrics.height() + kindMetrics.height();
    const qreal top = textRect.top() + (textRect.height() - total) / 2;

    painter->setPen(QColor(0x20, 0x24, 0x2c));
    painter->setFont(nameFont);
    painter->drawText(QRectF(textRect.left(), top, textRect.width(), nameMetrics.height()),
                      Qt::AlignLeft | Qt::AlignVCenter,
                      nameMetrics.elidedText(m_name, Qt::ElideRight, textRect.width()));
    painter->setPen(QColor(0x6b, 0x72, 0x80));
    painter->setFont(kindFont);
    painter->drawText(
        QRectF(textRect.left(), top + nameMetrics.height(), textRect.width(), kindMetrics.height()),
        Qt::AlignLeft | Qt::AlignVCenter, kindMetrics.elidedText(m_kind, Qt::ElideRight, textRect.width()));
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

PortItem::PortItem(NodeItem *node, const QString &name, bool output, bool delivery, const QString &help)
    : QGraphicsItem(node), m_node(node), m_name(name), m_output(output), m_delivery(delivery)
{
    setZValue(2);
    setAcceptHoverEvents(true);
    setCursor(output ? Qt::CrossCursor : Qt::ArrowCursor);
    const QString what = output ? QObject::tr("output") : QObject::tr("input");
    const QString carries = delivery ? QObject::tr("deliveries") : QObject::tr("publishes");
    setToolTip(help.isEmpty() ? QStringLiteral("%1 (%2, %3)").arg(name, what, carries)
                              : QStringLiteral("%1 (%2, %3): %4").arg(name, what, carries, help));
}

void PortItem::setHighlighted(bool on)
{
    if (on == m_highlighted) return;
    m_highlighted = on;
    update();
}

QRectF PortItem::boundingRect() const
{
    const qreal r = kRadius + 2;
    return {-r, -r, 2 * r, 2 * r};
}

void PortItem::paint(QPainter *painter, const QStyleOptionGraphicsItem *, QWidget *)
{
    const QColor colour = m_delivery ? kDelivery : kPublish;
    painter->setPen(QPen(m_highlighted ? kSelection : colour, m_highlighted ? 2.5 : 1.5));
    painter->setBrush(m_output ? colour : QColor(Qt::white));
    const qreal r = m_highlighted ? kRadius + 1 : kRadius - 1;
    painter->drawEllipse(QPointF(0, 0), r, r);
}

// ---------------------------------------------------------------------------------------------
// LinkItem

LinkItem::LinkItem(const TopologyDocument *document, const QString &id) : m_document(document), m_id(id)
{
    setFlags(ItemIsSelectable);
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
    m_delivery = fromPort->isDelivery();
    const QPointF from = fromPort->anchor();
    // The arrow's tip touches the port circle; the curve ends at the arrow's base.
    const QPointF tip = toPort->anchor() - QPointF(PortItem::kRadius, 0);
    const QPointF base = tip - QPointF(kArrowLength, 0);
    m_path = curve(from, base);
    m_arrow = QPolygonF({tip, base + QPointF(0, -kArrowWidth), base + QPointF(0, kArrowWidth)});

    QString toolTipText = QStringLiteral("%1: %2.%3 \u2192 %4.%5")
                              .arg(m_id, q(l->from), q(l->fromPort), q(l->to), q(l->toPort));
    const QStringList keys = m_document->bindings(q(l->from), q(l->to));
    if (!keys.isEmpty())
        toolTipText +=
            QLatin1Char('\n') + QObject::tr("binding keys: %1").arg(keys.join(QStringLiteral(", ")));
    setToolTip(toolTipText);
    update();
}

QRectF LinkItem::boundingRect() const
{
    return m_path.boundingRect().united(m_arrow.boundingRect()).adjusted(-6, -6, 6, 6);
}

QPainterPath LinkItem::shape() const
{
    QPainterPathStroker stroker;
    stroker.setWidth(10);
    QPainterPath s = stroker.createStroke(m_path);
    s.addPolygon(m_arrow);
    return s;
}

void LinkItem::paint(QPainter *painter, const QStyleOptionGraphicsItem *option, QWidget *)
{
    const bool selected = option->state & QStyle::State_Selected;
    const QColor colour = selected ? kSelection : (m_delivery ? kDelivery : kPublish);
    QPen pen(colour, selected ? 2.5 : 1.6);
    if (m_delivery) pen.setStyle(Qt::DashLine);
    painter->setPen(pen);
    painter->setBrush(Qt::NoBrush);
    painter->drawPath(m_path);
    painter->setPen(QPen(colour, 1));
    painter->setBrush(colour);
    painter->drawPolygon(m_arrow);
}

} // namespace sb
