#include "canvasscene.h"

#include <QSet>

#include "canvasitems.h"
#include "canvaslinklayer.h"
#include "enginehost.h"
#include "palettemodel.h"
#include "topologydocument.h"

#include <QApplication>
#include <QGraphicsPathItem>
#include <QGraphicsRectItem>
#include <QGraphicsSceneContextMenuEvent>
#include <QGraphicsSceneDragDropEvent>
#include <QGraphicsSceneHelpEvent>
#include <QGraphicsSceneMouseEvent>
#include <QGraphicsTextItem>
#include <QGraphicsView>
#include <QKeyEvent>
#include <QMimeData>
#include <QPainter>
#include <QPalette>
#include <QPen>
#include <QTextCursor>
#include <QTimer>
#include <QToolTip>

#include <algorithm>
#include <cmath>
#include <functional>
#include <vector>

namespace sb {

namespace {

constexpr int kRefusalMs = 3500;
constexpr qreal kRefusalWidth = 320;

// The inline editor of a node's name: one line on an opaque field over the label. Return and
// leaving it commit, Escape cancels; the scene decides what that means.
class NameEditor : public QGraphicsTextItem {
public:
    explicit NameEditor(std::function<void(bool commit)> done) : m_done(std::move(done))
    {
        setTextInteractionFlags(Qt::TextEditorInteraction);
        setZValue(60);
    }

protected:
    void paint(QPainter *painter, const QStyleOptionGraphicsItem *option, QWidget *widget) override
    {
        const QPalette palette = QApplication::palette();
        painter->setPen(QPen(palette.color(QPalette::Highlight), 1));
        painter->setBrush(palette.color(QPalette::Base));
        painter->drawRect(boundingRect().adjusted(0.5, 0.5, -0.5, -0.5));
        QGraphicsTextItem::paint(painter, option, widget);
    }
    void keyPressEvent(QKeyEvent *event) override
    {
        switch (event->key()) {
        case Qt::Key_Return:
        case Qt::Key_Enter:
            finish(true);
            return;
        case Qt::Key_Escape:
            finish(false);
            return;
        default:
            QGraphicsTextItem::keyPressEvent(event);
        }
    }
    void focusOutEvent(QFocusEvent *event) override
    {
        QGraphicsTextItem::focusOutEvent(event);
        finish(true);
    }

private:
    void finish(bool commit)
    {
        if (!m_done) return;
        auto done = std::move(m_done);
        m_done = nullptr;
        done(commit);
    }
    std::function<void(bool)> m_done;
};

} // namespace

CanvasScene::CanvasScene(TopologyDocument *document, QObject *parent)
    : QGraphicsScene(parent), m_document(document), m_refusalTimer(new QTimer(this)),
      m_liveTimer(new QTimer(this))
{
    m_liveTimer->setInterval(16);
    connect(m_liveTimer, &QTimer::timeout, this, &CanvasScene::animateLive);
    m_refusalTimer->setSingleShot(true);
    m_refusalTimer->setInterval(kRefusalMs);
    connect(m_refusalTimer, &QTimer::timeout, this, [this] {
        if (m_refusalBox) m_refusalBox->hide();
    });

    connect(m_document, &TopologyDocument::documentReset, this, &CanvasScene::rebuild);
    connect(m_document, &TopologyDocument::nodeAdded, this, &CanvasScene::addNodeItem);
    connect(m_document, &TopologyDocument::nodeRemoved, this, &CanvasScene::removeNodeItem);
    connect(m_document, &TopologyDocument::nodeMoved, this, &CanvasScene::onNodeChanged);
    connect(m_document, &TopologyDocument::nodeRenamed, this, &CanvasScene::onNodeChanged);
    connect(m_document, &TopologyDocument::nodeIdChanged, this, &CanvasScene::onNodeIdChanged);
    connect(m_document, &TopologyDocument::nodePropertyChanged, this,
            [this](const QString &id, const QString &) { onNodeChanged(id); });
    connect(m_document, &TopologyDocument::linkAdded, this, &CanvasScene::addLinkItem);
    connect(m_document, &TopologyDocument::linkRemoved, this, &CanvasScene::removeLinkItem);
    connect(m_document, &TopologyDocument::bindingsChanged, this, &CanvasScene::onBindingsChanged);
    connect(this, &QGraphicsScene::selectionChanged, this, [this] {
        // A selected link is drawn in the selection's colour, in the compact form too.
        if (m_linkLayer) m_linkLayer->looksChanged();
        if (!m_quietSelection) Q_EMIT selectionChangedIds();
    });
    m_linkLayer = new LinkLayer(&m_links);
    addItem(m_linkLayer);
    rebuild();
}

CanvasScene::~CanvasScene()
{
    // Delete the items while this object is whole: QGraphicsScene's destructor would do it after
    // this part is gone, and the selection changes it reports must reach no slot of ours.
    m_quietSelection = true;
    if (m_document) disconnect(m_document, nullptr, this, nullptr);
    m_connectFrom = nullptr;
    m_hoveredInput = nullptr;
    m_connectLine = nullptr;
    m_refusalBox = nullptr;
    m_refusal = nullptr;
    m_nameEditor = nullptr;
    m_nodes.clear();
    m_links.clear();
    m_linkLayer = nullptr;
    clear();
}

// ---------------------------------------------------------------------------------------------
// Following the document

void CanvasScene::rebuild()
{
    finishNameEdit(false);
    m_connectFrom = nullptr;
    m_hoveredInput = nullptr;
    m_draggingNodes = false;
    m_quietSelection = true;
    for (LinkItem *l : std::as_const(m_links))
        delete l;
    for (NodeItem *n : std::as_const(m_nodes))
        delete n;
    m_links.clear();
    m_nodes.clear();
    delete m_connectLine;
    m_connectLine = nullptr;
    // A big topology (a generated overlay) is painted zoomed out with every item in view, where a
    // BSP index only costs: its paints walk every item anyway (1,000 peers live: canvas repaint
    // p50 10.4 -> 8.2 ms, frame interval p50 21 -> 17 ms in bench_frames_p2p).
    const bool big = m_document->nodeIds().size() > kIndexedNodes;
    setItemIndexMethod(big ? QGraphicsScene::NoIndex : QGraphicsScene::BspTreeIndex);
    for (const QString &id : m_document->nodeIds())
        addNodeItem(id);
    m_building = true;
    for (const QString &id : m_document->linkIds())
        addLinkItem(id);
    m_building = false;
    m_linkLayer->linksChanged();
    m_quietSelection = false;
    Q_EMIT selectionChangedIds();
}

void CanvasScene::addNodeItem(const QString &id)
{
    if (m_nodes.contains(id) || !m_document->node(id)) return;
    auto *item = new NodeItem(m_document, id);
    addItem(item);
    m_nodes.insert(id, item);
    // Undoing a node's removal brings its links back after it; any already here reattach.
    syncLinksOf(id);
}

void CanvasScene::addLinkItem(const QString &id)
{
    if (m_links.contains(id) || !m_document->link(id)) return;
    auto *item = new LinkItem(m_document, id);
    addItem(item);
    m_links.insert(id, item);
    item->sync();
    if (!m_building) m_linkLayer->linksChanged();
}

void CanvasScene::removeNodeItem(const QString &id)
{
    if (id == m_nameEditorNode) finishNameEdit(false);
    NodeItem *item = m_nodes.take(id);
    if (!item) return;
    if (m_connectFrom && m_connectFrom->node() == item) {
        m_connectFrom = nullptr;
        delete m_connectLine;
        m_connectLine = nullptr;
    }
    if (m_hoveredInput && m_hoveredInput->node() == item) m_hoveredInput = nullptr;
    delete item;
}

void CanvasScene::removeLinkItem(const QString &id)
{
    delete m_links.take(id);
    m_linkLayer->linksChanged();
}

void CanvasScene::syncLinksOf(const QString &nodeId)
{
    bool synced = false;
    for (const QString &linkId : m_document->linksOf(nodeId))
        if (LinkItem *l = m_links.value(linkId)) {
            l->sync();
            synced = true;
        }
    if (synced && !m_building) m_linkLayer->linksChanged();
}

void CanvasScene::onNodeChanged(const QString &id)
{
    if (NodeItem *n = m_nodes.value(id)) {
        n->sync();
        syncLinksOf(id);
    }
}

void CanvasScene::onNodeIdChanged(const QString &oldId, const QString &newId)
{
    NodeItem *n = m_nodes.take(oldId);
    if (!n) return;
    n->setId(newId);
    m_nodes.insert(newId, n);
    if (m_nameEditorNode == oldId) m_nameEditorNode = newId;
    n->sync();
    syncLinksOf(newId);
    // The selection by id changed although no item's selection did.
    if (n->isSelected() && !m_quietSelection) Q_EMIT selectionChangedIds();
}

void CanvasScene::onBindingsChanged(const QString &exchange, const QString &destination)
{
    for (const QString &linkId : m_document->linksOf(exchange)) {
        const LinkDef *l = m_document->link(linkId);
        if (l && QString::fromStdString(l->to) == destination)
            if (LinkItem *item = m_links.value(linkId)) item->sync();
    }
    m_linkLayer->linksChanged();
}

// ---------------------------------------------------------------------------------------------
// Selection

QStringList CanvasScene::selectedNodeIds() const
{
    QStringList ids;
    for (const QString &id : m_document->nodeIds())
        if (NodeItem *n = m_nodes.value(id); n && n->isSelected()) ids << id;
    return ids;
}

QStringList CanvasScene::selectedLinkIds() const
{
    QStringList ids;
    for (const QString &id : m_document->linkIds())
        if (LinkItem *l = m_links.value(id); l && l->isSelected()) ids << id;
    return ids;
}

void CanvasScene::selectNode(const QString &id)
{
    NodeItem *n = m_nodes.value(id);
    if (!n) return;
    // One selectionChangedIds for the whole change, not one per item.
    m_quietSelection = true;
    clearSelection();
    n->setSelected(true);
    m_quietSelection = false;
    Q_EMIT selectionChangedIds();
}

// ---------------------------------------------------------------------------------------------
// Editing

QString CanvasScene::connectPorts(const QString &fromNode, const QString &fromPort, const QString &toNode,
                                  const QString &toPort, QPointF feedbackPos)
{
    QString error;
    const QString id = m_document->addLink(fromNode, fromPort, toNode, toPort, &error);
    if (id.isEmpty()) {
        showRefusal(error, feedbackPos);
        Q_EMIT connectionRefused(error);
    } else if (m_refusalBox) {
        m_refusalBox->hide(); // the last refusal no longer applies
    }
    return id;
}

QString CanvasScene::dropKind(const QMimeData *mime, QPointF scenePos)
{
    const QString kind = kindFromMimeData(mime);
    if (kind.isEmpty()) return {};
    const QPointF topLeft = NodeItem::snapped(scenePos - QPointF(NodeItem::kWidth, NodeItem::kHeight) / 2);
    QString error;
    const QString templateId = templateFromMimeData(mime);
    const QString id = templateId.isEmpty() ? m_document->addNode(kind, topLeft, &error)
                                            : m_document->addNodeFromTemplate(templateId, topLeft, &error);
    if (id.isEmpty()) showRefusal(error, scenePos);
    return id;
}

void CanvasScene::removeSelection()
{
    const QStringList nodes = selectedNodeIds();
    const QStringList links = selectedLinkIds();
    if (nodes.isEmpty() && links.isEmpty()) return;
    QString error;
    if (!m_document->removeItems(nodes, links, &error))
        showRefusal(error, selectedItems().value(0)->scenePos());
}

bool CanvasScene::editNodeName(const QString &id)
{
    NodeItem *n = m_nodes.value(id);
    if (!n) return false;
    finishNameEdit(true);
    auto *editor = new NameEditor([this](bool commit) { finishNameEdit(commit); });
    QFont font = QApplication::font();
    font.setBold(true);
    editor->setFont(font);
    editor->setPlainText(n->name());
    const QRectF label = n->nameRect();
    editor->setTextWidth(std::max(label.width() + 20, editor->document()->idealWidth() + 12));
    addItem(editor);
    // Over the label: the text starts where the label's does (less the editor's own margin).
    const qreal margin = editor->document()->documentMargin();
    editor->setPos(n->mapToScene(label.topLeft()) - QPointF(margin, margin + 1));
    m_nameEditor = editor;
    m_nameEditorNode = id;
    editor->setFocus(Qt::OtherFocusReason);
    QTextCursor cursor = editor->textCursor();
    cursor.select(QTextCursor::Document);
    editor->setTextCursor(cursor);
    return true;
}

void CanvasScene::finishNameEdit(bool commit)
{
    QGraphicsTextItem *editor = m_nameEditor;
    if (!editor) return;
    const QString id = m_nameEditorNode;
    const QString text = editor->toPlainText().simplified(); // one line, whatever was pasted
    m_nameEditor = nullptr;
    m_nameEditorNode.clear();
    // Deleted later: this may run inside the editor's own key or focus handler.
    editor->hide();
    editor->deleteLater();
    const NodeItem *n = m_nodes.value(id);
    if (!commit || !n || text == n->name()) return;
    QString error;
    if (!m_document->renameNode(id, text, &error)) showRefusal(error, n->scenePos());
}

bool CanvasScene::alignSelection(Alignment alignment, QString *error)
{
    const QStringList ids = selectedNodeIds();
    const bool distribute =
        alignment == Alignment::DistributeHorizontally || alignment == Alignment::DistributeVertically;
    const int needed = distribute ? 3 : 2;
    if (ids.size() < needed) {
        if (error)
            *error = distribute ? tr("Select three or more nodes to distribute them")
                                : tr("Select two or more nodes to align them");
        return false;
    }
    std::vector<std::pair<QString, QPointF>> nodes;
    for (const QString &id : ids)
        if (const NodeItem *item = m_nodes.value(id)) nodes.emplace_back(id, item->pos());
    qreal minX = nodes.front().second.x(), maxX = minX, minY = nodes.front().second.y(), maxY = minY;
    for (const auto &[id, p] : nodes) {
        minX = std::min(minX, p.x());
        maxX = std::max(maxX, p.x());
        minY = std::min(minY, p.y());
        maxY = std::max(maxY, p.y());
    }
    QHash<QString, QPointF> to;
    const auto horizontal = alignment == Alignment::DistributeHorizontally;
    if (distribute) {
        // Boxes have one size, so equal gaps mean equally spaced corners, in their current order.
        std::stable_sort(nodes.begin(), nodes.end(), [horizontal](const auto &a, const auto &b) {
            return horizontal ? a.second.x() < b.second.x() : a.second.y() < b.second.y();
        });
        const qreal first = horizontal ? minX : minY;
        const qreal step = ((horizontal ? maxX : maxY) - first) / qreal(nodes.size() - 1);
        for (std::size_t i = 0; i < nodes.size(); ++i) {
            QPointF p = nodes[i].second;
            (horizontal ? p.rx() : p.ry()) = first + step * qreal(i);
            to.insert(nodes[i].first, p);
        }
    } else {
        for (const auto &[id, p0] : nodes) {
            QPointF p = p0;
            switch (alignment) {
            case Alignment::Left:
                p.setX(minX);
                break;
            case Alignment::Right:
                p.setX(maxX);
                break;
            case Alignment::HorizontalCenter:
                p.setX((minX + maxX) / 2);
                break;
            case Alignment::Top:
                p.setY(minY);
                break;
            case Alignment::Bottom:
                p.setY(maxY);
                break;
            case Alignment::VerticalCenter:
                p.setY((minY + maxY) / 2);
                break;
            default:
                break;
            }
            to.insert(id, p);
        }
    }
    if (m_snapToGrid)
        for (auto it = to.begin(); it != to.end(); ++it)
            it.value() = NodeItem::snapped(it.value());
    for (auto it = to.begin(); it != to.end();)
        it = m_nodes.value(it.key())->pos() == it.value() ? to.erase(it) : std::next(it);
    if (to.isEmpty()) return true; // already aligned
    return m_document->moveNodes(to, true, error);
}

void CanvasScene::contextMenuEvent(QGraphicsSceneContextMenuEvent *event)
{
    // Right-clicking an item acts on it: select it unless it is part of the selection already.
    QGraphicsItem *item = itemAt(event->scenePos(), QTransform());
    while (item && item->type() != NodeItemType && item->type() != LinkItemType)
        item = item->parentItem();
    if (item && !item->isSelected()) {
        m_quietSelection = true;
        clearSelection();
        item->setSelected(true);
        m_quietSelection = false;
        Q_EMIT selectionChangedIds();
    }
    Q_EMIT contextMenuRequested(event->screenPos());
    event->accept();
}

QString CanvasScene::refusalText() const
{
    return m_refusalBox && m_refusalBox->isVisible() ? m_refusal->toPlainText() : QString();
}

QPointF CanvasScene::refusalPosition(QPointF scenePos, QSizeF boxPixels) const
{
    // Beside the pointer, flipped to its other side where the view's edge would cut the box off,
    // and kept inside the part of the scene the view shows.
    constexpr qreal kOffset = 12;
    const QGraphicsView *view = views().value(0);
    if (!view) return scenePos + QPointF(kOffset, kOffset);
    const QPoint at = view->mapFromScene(scenePos);
    const QRect shown = view->viewport()->rect().adjusted(2, 2, -2, -2);
    const int w = int(std::ceil(boxPixels.width())), h = int(std::ceil(boxPixels.height()));
    int x = at.x() + int(kOffset), y = at.y() + int(kOffset);
    if (x + w > shown.right()) x = at.x() - int(kOffset) - w;
    if (y + h > shown.bottom()) y = at.y() - int(kOffset) - h;
    x = std::clamp(x, shown.left(), std::max(shown.left(), shown.right() - w));
    y = std::clamp(y, shown.top(), std::max(shown.top(), shown.bottom() - h));
    return view->mapToScene(QPoint(x, y));
}

QRect CanvasScene::refusalViewRect() const
{
    const QGraphicsView *view = views().value(0);
    if (!view || !m_refusalBox || !m_refusalBox->isVisible()) return {};
    return m_refusalBox->deviceTransform(view->viewportTransform())
        .mapRect(m_refusalBox->boundingRect())
        .toAlignedRect();
}

void CanvasScene::showRefusal(const QString &reason, QPointF scenePos)
{
    if (!m_refusalBox) {
        m_refusalBox = new QGraphicsRectItem;
        m_refusalBox->setPen(QPen(QColor(0xc0, 0x39, 0x2b), 1));
        m_refusalBox->setBrush(QColor(0xfd, 0xed, 0xec));
        m_refusalBox->setZValue(100);
        // Screen-sized at any zoom: a refusal is read, not part of the drawing.
        m_refusalBox->setFlag(QGraphicsItem::ItemIgnoresTransformations);
        m_refusal = new QGraphicsTextItem(m_refusalBox);
        m_refusal->setDefaultTextColor(QColor(0x8e, 0x1b, 0x10));
        m_refusal->setPos(2, 1);
        addItem(m_refusalBox);
    }
    // Long reasons wrap instead of running off the view.
    m_refusal->setTextWidth(-1);
    m_refusal->setPlainText(reason);
    if (m_refusal->boundingRect().width() > kRefusalWidth) m_refusal->setTextWidth(kRefusalWidth);
    m_refusalBox->setRect(m_refusal->boundingRect().adjusted(0, 0, 4, 2));
    m_refusalBox->setPos(refusalPosition(scenePos, m_refusalBox->rect().size()));
    m_refusalBox->show();
    m_refusalTimer->start();
}

// ---------------------------------------------------------------------------------------------
// Gestures

void CanvasScene::markLinkTargets(const PortItem *from)
{
    for (NodeItem *n : std::as_const(m_nodes))
        for (PortItem *p : n->ports()) {
            if (p->isOutput()) continue;
            if (!from) {
                p->setLinkTarget(PortItem::LinkTarget::None);
                continue;
            }
            const QString why =
                m_document->checkLink(from->node()->id(), from->name(), p->node()->id(), p->name());
            p->setLinkTarget(why.isEmpty() ? PortItem::LinkTarget::Accepts : PortItem::LinkTarget::Refuses,
                             why);
        }
}

PortItem *CanvasScene::inputPortAt(QPointF scenePos) const
{
    for (QGraphicsItem *item : items(scenePos)) {
        if (auto *port = qgraphicsitem_cast<PortItem *>(item)) return port->isOutput() ? nullptr : port;
    }
    return nullptr;
}

QHash<QString, QPointF> CanvasScene::movedNodes() const
{
    QHash<QString, QPointF> moved;
    for (QGraphicsItem *item : selectedItems()) {
        auto *n = qgraphicsitem_cast<NodeItem *>(item);
        if (!n) continue;
        const NodeDef *def = m_document->node(n->id());
        if (def && n->pos() != QPointF(def->position.x, def->position.y)) moved.insert(n->id(), n->pos());
    }
    return moved;
}

void CanvasScene::mousePressEvent(QGraphicsSceneMouseEvent *event)
{
    if (event->button() == Qt::LeftButton) {
        for (QGraphicsItem *item : items(event->scenePos())) {
            if (auto *port = qgraphicsitem_cast<PortItem *>(item); port && port->isOutput()) {
                m_connectFrom = port;
                m_connectLine = new QGraphicsPathItem(LinkItem::curve(port->anchor(), event->scenePos()));
                QPen pen(QColor(0x2f, 0x6f, 0xd6), 1.6, port->isDelivery() ? Qt::DashLine : Qt::SolidLine);
                m_connectLine->setPen(pen);
                m_connectLine->setZValue(50);
                addItem(m_connectLine);
                markLinkTargets(port);
                event->accept();
                return;
            }
            if (qgraphicsitem_cast<NodeItem *>(item)) break;
        }
    }
    QGraphicsScene::mousePressEvent(event);
    m_draggingNodes = event->button() == Qt::LeftButton && qgraphicsitem_cast<NodeItem *>(mouseGrabberItem());
    m_movedDuringDrag = false;
}

void CanvasScene::mouseMoveEvent(QGraphicsSceneMouseEvent *event)
{
    if (m_connectFrom) {
        PortItem *hovered = inputPortAt(event->scenePos());
        if (hovered != m_hoveredInput) {
            if (m_hoveredInput) m_hoveredInput->setHighlighted(false);
            m_hoveredInput = hovered;
            if (m_hoveredInput) m_hoveredInput->setHighlighted(true);
        }
        const QPointF end = m_hoveredInput ? m_hoveredInput->anchor() : event->scenePos();
        m_connectLine->setPath(LinkItem::curve(m_connectFrom->anchor(), end));
        event->accept();
        return;
    }
    QGraphicsScene::mouseMoveEvent(event);
    if (m_draggingNodes) {
        // The items moved under the mouse; the document follows now so links and other views do
        // too, merged into one undo step that the release closes.
        const QHash<QString, QPointF> moved = movedNodes();
        if (!moved.isEmpty()) {
            m_document->moveNodes(moved, false);
            m_movedDuringDrag = true;
        }
    }
}

void CanvasScene::mouseReleaseEvent(QGraphicsSceneMouseEvent *event)
{
    if (m_connectFrom && event->button() == Qt::LeftButton) {
        PortItem *from = m_connectFrom;
        PortItem *to = inputPortAt(event->scenePos());
        markLinkTargets(nullptr);
        if (m_hoveredInput) m_hoveredInput->setHighlighted(false);
        m_hoveredInput = nullptr;
        m_connectFrom = nullptr;
        delete m_connectLine;
        m_connectLine = nullptr;
        event->accept();
        if (to) {
            connectPorts(from->node()->id(), from->name(), to->node()->id(), to->name(), event->scenePos());
        } else {
            for (QGraphicsItem *item : items(event->scenePos())) {
                if (auto *port = qgraphicsitem_cast<PortItem *>(item); port && port->isOutput()) {
                    const QString reason =
                        tr("port \"%1\" of \"%2\" is an output; links end at an input port")
                            .arg(port->name(), port->node()->id());
                    showRefusal(reason, event->scenePos());
                    Q_EMIT connectionRefused(reason);
                    break;
                }
            }
        }
        return;
    }
    QGraphicsScene::mouseReleaseEvent(event);
    if (m_draggingNodes && event->button() == Qt::LeftButton) {
        m_draggingNodes = false;
        QHash<QString, QPointF> moved = movedNodes();
        if (moved.isEmpty() && m_movedDuringDrag) {
            // Close the merged step at the place the last move left it.
            for (const QString &id : selectedNodeIds())
                moved.insert(id, m_nodes.value(id)->pos());
        }
        if (!moved.isEmpty()) m_document->moveNodes(moved, true);
        m_movedDuringDrag = false;
    }
}

void CanvasScene::mouseDoubleClickEvent(QGraphicsSceneMouseEvent *event)
{
    if (event->button() == Qt::LeftButton) {
        for (QGraphicsItem *item : items(event->scenePos())) {
            if (item == m_nameEditor) break;
            if (auto *n = qgraphicsitem_cast<NodeItem *>(item)) {
                if (n->nameRect().contains(n->mapFromScene(event->scenePos()))) {
                    editNodeName(n->id());
                    event->accept();
                    return;
                }
                break;
            }
        }
    }
    QGraphicsScene::mouseDoubleClickEvent(event);
}

void CanvasScene::keyPressEvent(QKeyEvent *event)
{
    if (event->key() == Qt::Key_F2 && !focusItem()) {
        const QStringList nodes = selectedNodeIds();
        if (nodes.size() == 1 && selectedLinkIds().isEmpty()) {
            editNodeName(nodes.front());
            event->accept();
            return;
        }
    }
    if ((event->key() == Qt::Key_Delete || event->key() == Qt::Key_Backspace) && !focusItem() &&
        !selectedItems().isEmpty()) {
        removeSelection();
        event->accept();
        return;
    }
    QGraphicsScene::keyPressEvent(event);
}

void CanvasScene::dragEnterEvent(QGraphicsSceneDragDropEvent *event)
{
    if (!kindFromMimeData(event->mimeData()).isEmpty()) {
        event->setDropAction(Qt::CopyAction);
        event->accept();
        return;
    }
    QGraphicsScene::dragEnterEvent(event);
}

void CanvasScene::dragMoveEvent(QGraphicsSceneDragDropEvent *event)
{
    if (!kindFromMimeData(event->mimeData()).isEmpty()) {
        event->setDropAction(Qt::CopyAction);
        event->accept();
        return;
    }
    QGraphicsScene::dragMoveEvent(event);
}

void CanvasScene::dropEvent(QGraphicsSceneDragDropEvent *event)
{
    if (!dropKind(event->mimeData(), event->scenePos()).isEmpty()) {
        event->setDropAction(Qt::CopyAction);
        event->accept();
        return;
    }
    QGraphicsScene::dropEvent(event);
}

// ---------------------------------------------------------------------------------------------
// Live view of a run

void CanvasScene::followEngine(EngineHost *engine)
{
    connect(engine, &EngineHost::runStarted, this, [this, engine] {
        clearNodeProblems();
        beginLive(engine->topology(), engine->groupNames());
    });
    connect(engine, &EngineHost::eventsArrived, this, &CanvasScene::addLiveEvents);
    // A scripted node taken out of the run is marked at once; its message comes with the summary.
    connect(engine, &EngineHost::eventsArrived, this, [this, engine](const std::vector<TraceEvent> &events) {
        for (const TraceEvent &e : events)
            if (e.kind == TraceKind::ScriptError && e.node < engine->topology().nodes.size())
                setNodeProblem(QString::fromStdString(engine->topology().nodes[e.node].id),
                               e.aux > 0 ? tr("Script error at line %1: taken out of the run").arg(e.aux)
                                         : tr("Script error: taken out of the run"));
    });
    connect(engine, &EngineHost::finished, this, [this](const RunSummary &summary) {
        for (const NodeNote &n : summary.nodeProblems)
            if (n.node < summary.nodes.size())
                setNodeProblem(QString::fromStdString(summary.nodes[n.node].id),
                               n.line > 0 ? tr("Line %1: %2").arg(n.line).arg(QString::fromStdString(n.text))
                                          : QString::fromStdString(n.text));
    });
    connect(engine, &EngineHost::statsArrived, this, &CanvasScene::setLiveStats);
    connect(engine, &EngineHost::faultsChanged, this,
            [this, engine] { setLiveFaults(engine->activeFaults()); });
    connect(engine, &EngineHost::finished, this, [this] {
        m_live.endRun();
        // Links trade their rates for the run's totals.
        for (LinkItem *l : std::as_const(m_links))
            l->update();
        m_linkLayer->looksChanged();
        animateWhileDotsTravel();
    });
    // The last run's figures describe the topology it ran: an edit that changes what would run
    // clears them. Moving or renaming nodes does not.
    for (auto signal : {&TopologyDocument::nodeAdded, &TopologyDocument::nodeRemoved,
                        &TopologyDocument::linkAdded, &TopologyDocument::linkRemoved})
        connect(m_document, signal, this, &CanvasScene::clearLive);
    connect(m_document, &TopologyDocument::documentReset, this, &CanvasScene::clearLive);
    connect(m_document, &TopologyDocument::nodeIdChanged, this, &CanvasScene::clearLive);
    // A property edit while the run goes on is applied to it live (links) or waits for the next
    // run: either way the badges keep following the run that is still going; clearing them
    // would freeze them at the edit while the run carried on. After the run the edit clears.
    auto clearUnlessRunning = [this, engine = QPointer<EngineHost>(engine)] {
        if (!engine || !engine->acceptsLiveChanges()) clearLive();
    };
    connect(m_document, &TopologyDocument::nodePropertyChanged, this, clearUnlessRunning);
    connect(m_document, &TopologyDocument::linkPropertyChanged, this, clearUnlessRunning);
    connect(m_document, &TopologyDocument::bindingsChanged, this, clearUnlessRunning);
}

void CanvasScene::beginLive(const Topology &topology, const QStringList &groupNames)
{
    m_live.begin(topology, groupNames);
    m_liveTimer->stop();
    m_linkLayer->looksChanged();
    update();
    Q_EMIT liveLogsChanged({});
}

void CanvasScene::clearLive()
{
    if (!m_live.isActive()) return;
    m_live.clear();
    m_liveTimer->stop();
    m_linkLayer->looksChanged();
    update();
    Q_EMIT liveLogsChanged({});
}

void CanvasScene::setNodeProblem(const QString &id, const QString &text)
{
    if (m_problems.value(id) == text) return;
    m_problems.insert(id, text);
    if (NodeItem *n = m_nodes.value(id)) n->update();
    Q_EMIT nodeProblemsChanged();
}

void CanvasScene::clearNodeProblems()
{
    if (m_problems.isEmpty()) return;
    const QStringList ids = m_problems.keys();
    m_problems.clear();
    for (const QString &id : ids)
        if (NodeItem *n = m_nodes.value(id)) n->update();
    Q_EMIT nodeProblemsChanged();
}

void CanvasScene::addLiveEvents(const std::vector<TraceEvent> &events)
{
    if (!m_live.isActive()) return;
    QStringList nodes;
    m_live.addEvents(events, &nodes);
    for (const QString &id : std::as_const(nodes))
        if (NodeItem *n = m_nodes.value(id)) n->update();
    animateWhileDotsTravel();
    if (!nodes.isEmpty()) {
        refreshLiveToolTip();
        Q_EMIT liveLogsChanged(nodes);
    }
}

void CanvasScene::setLiveStats(std::shared_ptr<const LiveStatsSnapshot> stats)
{
    if (!m_live.isActive()) return;
    QStringList nodes, links;
    m_live.setStats(std::move(stats), &nodes, &links);
    for (const QString &id : std::as_const(nodes))
        if (NodeItem *n = m_nodes.value(id)) n->update();
    // The compact lines are drawn again only when one of them looks different (not for a rate
    // label, which the compact form does not show).
    std::vector<const LinkItem *> recoloured;
    bool restyled = false;
    for (const QString &id : std::as_const(links))
        if (LinkItem *l = m_links.value(id)) {
            l->update();
            switch (l->compactLookChange()) {
            case LinkItem::LookChange::None:
                break;
            case LinkItem::LookChange::Colour:
                recoloured.push_back(l);
                break;
            case LinkItem::LookChange::Style:
                restyled = true;
                break;
            }
        }
    if (restyled)
        m_linkLayer->looksChanged();
    else if (!recoloured.empty())
        m_linkLayer->recoloured(recoloured);
    animateWhileDotsTravel();
    refreshLiveToolTip();
}

void CanvasScene::setLiveFaults(const std::vector<FaultActivation> &active)
{
    if (!m_live.isActive()) return;
    QStringList nodes, links;
    m_live.setFaults(active, &nodes, &links);
    for (const QString &id : std::as_const(nodes))
        if (NodeItem *n = m_nodes.value(id)) n->update();
    for (const QString &id : std::as_const(links))
        if (LinkItem *l = m_links.value(id)) l->update();
    if (!links.isEmpty()) m_linkLayer->looksChanged();
    refreshLiveToolTip();
}

void CanvasScene::animateWhileDotsTravel()
{
    if (m_live.hasDots() && !m_liveTimer->isActive()) m_liveTimer->start();
}

void CanvasScene::animateLive()
{
    for (const QString &id : m_live.step())
        if (LinkItem *l = m_links.value(id)) l->update();
    if (!m_live.hasDots()) m_liveTimer->stop();
}

void CanvasScene::setRouteMarks(const QHash<QString, RouteMark> &links,
                                const QHash<QString, QString> &nodeNotes)
{
    QSet<QString> touched;
    for (auto it = m_routeMarks.cbegin(); it != m_routeMarks.cend(); ++it)
        touched.insert(it.key());
    for (auto it = links.cbegin(); it != links.cend(); ++it)
        touched.insert(it.key());
    m_routeMarks = links;
    m_routeNotes = nodeNotes;
    for (const QString &id : touched)
        if (LinkItem *l = m_links.value(id)) l->update();
}

const CanvasScene::RouteMark *CanvasScene::routeMark(const QString &linkId) const
{
    auto it = m_routeMarks.constFind(linkId);
    return it == m_routeMarks.cend() ? nullptr : &it.value();
}

void CanvasScene::helpEvent(QGraphicsSceneHelpEvent *event)
{
    m_tipNodeId.clear();
    m_tipLinkId.clear();
    if (!m_live.isActive() && !showsRoute()) {
        QGraphicsScene::helpEvent(event);
        return;
    }
    QString text;
    for (QGraphicsItem *item : items(event->scenePos(), Qt::IntersectsItemShape, Qt::DescendingOrder)) {
        if (item->type() == PortItem::Type) break; // ports keep their own help
        if (auto *n = qgraphicsitem_cast<NodeItem *>(item)) {
            m_tipNodeId = n->id();
            text = n->liveToolTip();
            break;
        }
        if (auto *l = qgraphicsitem_cast<LinkItem *>(item)) {
            m_tipLinkId = l->id();
            text = l->liveToolTip();
            break;
        }
    }
    if (text.isEmpty()) {
        QGraphicsScene::helpEvent(event);
        return;
    }
    m_tipScreenPos = event->screenPos();
    m_tipWidget = event->widget();
    QToolTip::showText(m_tipScreenPos, text, m_tipWidget);
    event->setAccepted(true);
}

void CanvasScene::refreshLiveToolTip()
{
    if ((m_tipNodeId.isEmpty() && m_tipLinkId.isEmpty()) || !QToolTip::isVisible()) return;
    QString text;
    if (NodeItem *n = m_nodes.value(m_tipNodeId))
        text = n->liveToolTip();
    else if (LinkItem *l = m_links.value(m_tipLinkId))
        text = l->liveToolTip();
    if (text.isEmpty() || text == QToolTip::text()) return;
    QToolTip::showText(m_tipScreenPos, text, m_tipWidget);
}

} // namespace sb
