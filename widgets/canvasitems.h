#pragma once
// The canvas's graphics items. Each holds an id and reads everything else (position, name, kind,
// ports, link ends) from the TopologyDocument; sync() re-reads it after the document reports a
// change. Items never edit the document: CanvasScene turns user gestures into document edits.
#include <QGraphicsItem>
#include <QPainterPath>
#include <QString>

#include <vector>

namespace sb {

class TopologyDocument;
class PortItem;

enum CanvasItemType {
    NodeItemType = QGraphicsItem::UserType + 101,
    PortItemType,
    LinkItemType,
};

// A node: a rounded box with the kind's icon, the node's name and kind, and its ports as children
// (inputs on the left edge, outputs on the right). The item's position is the node's top-left.
class NodeItem : public QGraphicsItem {
public:
    enum { Type = NodeItemType };
    static constexpr qreal kWidth = 140;
    static constexpr qreal kHeight = 56;
    static constexpr qreal kGrid = 10;

    // `document` is borrowed and must outlive the item.
    NodeItem(const TopologyDocument *document, const QString &id);

    int type() const override { return Type; }
    QString id() const { return m_id; }
    // Re-reads position, name, kind and properties from the document.
    void sync();
    // The port item named `name`, or nullptr.
    PortItem *port(const QString &name) const;
    const std::vector<PortItem *> &ports() const { return m_ports; }

    static QPointF snapped(QPointF p);

    QRectF boundingRect() const override;
    QPainterPath shape() const override;
    void paint(QPainter *painter, const QStyleOptionGraphicsItem *option, QWidget *widget) override;

protected:
    QVariant itemChange(GraphicsItemChange change, const QVariant &value) override;

private:
    const TopologyDocument *m_document;
    QString m_id;
    QString m_kind;
    QString m_name;
    std::vector<PortItem *> m_ports;
    bool m_syncing = false;
};

// A port of a node: a small circle on the node's edge. Dragging from an output starts a link.
class PortItem : public QGraphicsItem {
public:
    enum { Type = PortItemType };
    static constexpr qreal kRadius = 6;

    PortItem(NodeItem *node, const QString &name, bool output, bool delivery, const QString &help);

    int type() const override { return Type; }
    NodeItem *node() const { return m_node; }
    QString name() const { return m_name; }
    bool isOutput() const { return m_output; }
    bool isDelivery() const { return m_delivery; }
    // Where links attach, in scene coordinates.
    QPointF anchor() const { return scenePos(); }
    void setHighlighted(bool on);

    QRectF boundingRect() const override;
    void paint(QPainter *painter, const QStyleOptionGraphicsItem *option, QWidget *widget) override;

private:
    NodeItem *m_node;
    QString m_name;
    bool m_output;
    bool m_delivery;
    bool m_highlighted = false;
};

// A link: a cubic curve from the output port to the input port ending in an arrow head; dashed
// when it carries deliveries. Its ends are the ports of the NodeItems found in the same scene.
class LinkItem : public QGraphicsItem {
public:
    enum { Type = LinkItemType };

    LinkItem(const TopologyDocument *document, const QString &id);

    int type() const override { return Type; }
    QString id() const { return m_id; }
    bool isDelivery() const { return m_delivery; }
    // Re-reads the link's ends and bindings and re-routes the curve to the ports' current places.
    void sync();

    QRectF boundingRect() const override;
    QPainterPath shape() const override;
    void paint(QPainter *painter, const QStyleOptionGraphicsItem *option, QWidget *widget) override;

    // The curve between two scene points, also used for the temporary line while connecting.
    static QPainterPath curve(QPointF from, QPointF to);

private:
    const TopologyDocument *m_document;
    QString m_id;
    QPainterPath m_path;
    QPolygonF m_arrow;
    bool m_delivery = false;
};

} // namespace sb
