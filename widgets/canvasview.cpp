#include "canvasview.h"

#include "canvasitems.h"

#include <QGraphicsItem>
#include <QKeyEvent>
#include <QPainter>
#include <QScrollBar>
#include <QWheelEvent>

#include <algorithm>
#include <cmath>
#include <vector>

namespace sb {

namespace {

constexpr qreal kZoomStep = 1.25;
constexpr qreal kDotSpacing = 20;
constexpr qreal kCanvasMargin = 2000;

} // namespace

CanvasView::CanvasView(QWidget *parent) : CanvasView(nullptr, parent) {}

CanvasView::CanvasView(QGraphicsScene *scene, QWidget *parent) : QGraphicsView(scene, parent)
{
    setRenderHints(QPainter::Antialiasing | QPainter::TextAntialiasing | QPainter::SmoothPixmapTransform);
    setDragMode(RubberBandDrag);
    setRubberBandSelectionMode(Qt::IntersectsItemShape);
    setTransformationAnchor(AnchorUnderMouse);
    setResizeAnchor(AnchorViewCenter);
    setViewportUpdateMode(SmartViewportUpdate);
    // The canvas's items set every pen, brush and font they draw with and restore the render hints
    // they change, and their bounding rectangles leave room for antialiased edges: the view need
    // not save and restore the painter around each of them nor widen every exposed area (a
    // thousand-peer overlay repaints thousands of items a frame).
    setOptimizationFlags(DontSavePainterState | DontAdjustForAntialiasing);
    setAcceptDrops(true);
    setFocusPolicy(Qt::StrongFocus);
    followSceneRect();
}

void CanvasView::followSceneRect()
{
    if (scene() == m_followedScene) return;
    if (m_followedScene) disconnect(m_followedScene, nullptr, this, nullptr);
    m_followedScene = scene();
    if (!m_followedScene) return;
    auto update = [this](const QRectF &rect) {
        setSceneRect(rect.adjusted(-kCanvasMargin, -kCanvasMargin, kCanvasMargin, kCanvasMargin));
    };
    connect(m_followedScene, &QGraphicsScene::sceneRectChanged, this, update);
    update(m_followedScene->sceneRect());
}

void CanvasView::showEvent(QShowEvent *event)
{
    followSceneRect();
    QGraphicsView::showEvent(event);
}

void CanvasView::setZoom(qreal factor)
{
    factor = std::clamp(factor, kMinZoom, kMaxZoom);
    if (qFuzzyCompare(factor, zoom())) return;
    const QPointF centre = mapToScene(viewport()->rect().center());
    setTransform(QTransform::fromScale(factor, factor));
    centerOn(centre);
    Q_EMIT zoomChanged(factor);
}

void CanvasView::zoomIn()
{
    setZoom(zoom() * kZoomStep);
}

void CanvasView::zoomOut()
{
    setZoom(zoom() / kZoomStep);
}

void CanvasView::fitToItems()
{
    if (!scene()) return;
    QRectF bounds;
    for (QGraphicsItem *item : scene()->items())
        if (item->isVisible() && !item->parentItem() && (item->flags() & QGraphicsItem::ItemIsSelectable))
            bounds |= item->sceneBoundingRect();
    if (bounds.isEmpty()) return;
    bounds.adjust(-30, -30, 30, 30);
    fitInView(bounds, Qt::KeepAspectRatio);
    const qreal fitted = std::clamp(zoom(), kMinZoom, 1.0);
    setTransform(QTransform::fromScale(fitted, fitted));
    centerOn(bounds.center());
    Q_EMIT zoomChanged(fitted);
}

void CanvasView::zoomBy(qreal factor, QPoint viewPos)
{
    const qreal target = std::clamp(zoom() * factor, kMinZoom, kMaxZoom);
    if (qFuzzyCompare(target, zoom())) return;
    const QPointF before = mapToScene(viewPos);
    const ViewportAnchor anchor = transformationAnchor();
    setTransformationAnchor(NoAnchor);
    setTransform(QTransform::fromScale(target, target));
    // Scroll so the scene point under the cursor stays under it.
    const QPointF after = mapToScene(viewPos);
    const QPointF delta = (after - before) * target;
    horizontalScrollBar()->setValue(horizontalScrollBar()->value() - qRound(delta.x()));
    verticalScrollBar()->setValue(verticalScrollBar()->value() - qRound(delta.y()));
    setTransformationAnchor(anchor);
    Q_EMIT zoomChanged(target);
}

void CanvasView::drawBackground(QPainter *painter, const QRectF &rect)
{
    const CanvasColors colours = canvasColors();
    painter->fillRect(rect, colours.background);
    // Too many dots when zoomed far out: space them wider so they stay a few pixels apart.
    qreal spacing = kDotSpacing;
    while (spacing * zoom() < 8)
        spacing *= 2;
    const qreal left = std::floor(rect.left() / spacing) * spacing;
    const qreal top = std::floor(rect.top() / spacing) * spacing;
    // Each dot is a small filled square two device pixels wide: filling rectangles is the raster
    // engine's fastest path, where stroking thousands of round-capped points is not (it dominated
    // a full repaint of a large topology).
    const qreal size = 2.0 / zoom();
    std::vector<QRectF> dots;
    for (qreal x = left; x <= rect.right(); x += spacing)
        for (qreal y = top; y <= rect.bottom(); y += spacing)
            dots.emplace_back(x - size / 2, y - size / 2, size, size);
    painter->save();
    painter->setRenderHint(QPainter::Antialiasing, false);
    painter->setPen(Qt::NoPen);
    painter->setBrush(colours.dots);
    painter->drawRects(dots.data(), int(dots.size()));
    painter->restore();
}

void CanvasView::wheelEvent(QWheelEvent *event)
{
    if (event->modifiers() & Qt::ControlModifier) {
        const qreal steps = event->angleDelta().y() / 120.0;
        if (steps != 0) zoomBy(std::pow(kZoomStep, steps), event->position().toPoint());
        event->accept();
        return;
    }
    QGraphicsView::wheelEvent(event);
}

void CanvasView::keyPressEvent(QKeyEvent *event)
{
    // An item taking text (the inline name editor) gets every key, spaces included.
    if (scene() && scene()->focusItem() &&
        (scene()->focusItem()->flags() & QGraphicsItem::ItemAcceptsInputMethod)) {
        QGraphicsView::keyPressEvent(event);
        return;
    }
    if (event->key() == Qt::Key_Space && event->modifiers() == Qt::NoModifier) {
        if (!event->isAutoRepeat() && !m_spaceHeld) {
            m_spaceHeld = true;
            if (!m_panning) viewport()->setCursor(Qt::OpenHandCursor);
        }
        event->accept();
        return;
    }
    if (event->modifiers() & Qt::ControlModifier) {
        switch (event->key()) {
        case Qt::Key_Equal:
        case Qt::Key_Plus:
            zoomIn();
            event->accept();
            return;
        case Qt::Key_Minus:
            zoomOut();
            event->accept();
            return;
        case Qt::Key_0:
            fitToItems();
            event->accept();
            return;
        default:
            break;
        }
    }
    QGraphicsView::keyPressEvent(event);
}

void CanvasView::keyReleaseEvent(QKeyEvent *event)
{
    if (event->key() == Qt::Key_Space && !event->isAutoRepeat()) {
        m_spaceHeld = false;
        if (!m_panning) viewport()->unsetCursor();
        event->accept();
        return;
    }
    QGraphicsView::keyReleaseEvent(event);
}

void CanvasView::focusOutEvent(QFocusEvent *event)
{
    // The key release may go elsewhere: forget Space, or the next click would pan.
    m_spaceHeld = false;
    if (!m_panning) viewport()->unsetCursor();
    QGraphicsView::focusOutEvent(event);
}

void CanvasView::endPan()
{
    m_panning = false;
    m_panButton = Qt::NoButton;
    if (m_spaceHeld)
        viewport()->setCursor(Qt::OpenHandCursor);
    else
        viewport()->unsetCursor();
}

void CanvasView::mousePressEvent(QMouseEvent *event)
{
    if (event->button() == Qt::MiddleButton || (event->button() == Qt::LeftButton && m_spaceHeld)) {
        m_panning = true;
        m_panButton = event->button();
        m_panLast = event->position().toPoint();
        viewport()->setCursor(Qt::ClosedHandCursor);
        event->accept();
        return;
    }
    QGraphicsView::mousePressEvent(event);
}

void CanvasView::mouseMoveEvent(QMouseEvent *event)
{
    if (m_panning) {
        const QPoint pos = event->position().toPoint();
        const QPoint delta = pos - m_panLast;
        m_panLast = pos;
        horizontalScrollBar()->setValue(horizontalScrollBar()->value() - delta.x());
        verticalScrollBar()->setValue(verticalScrollBar()->value() - delta.y());
        event->accept();
        return;
    }
    QGraphicsView::mouseMoveEvent(event);
}

void CanvasView::mouseReleaseEvent(QMouseEvent *event)
{
    if (m_panning && event->button() == m_panButton) {
        endPan();
        event->accept();
        return;
    }
    QGraphicsView::mouseReleaseEvent(event);
}

} // namespace sb
