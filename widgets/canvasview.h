#pragma once
// The view onto a CanvasScene: antialiased, zoomable (Ctrl+wheel around the cursor, Ctrl+=,
// Ctrl+-, Ctrl+0 to fit everything), pannable with the middle button or Space+drag, rubber-band selection on
// the background, and a light dot grid behind the items. The canvas extends well beyond the items.
#include <QGraphicsView>
#include <QPointer>

namespace sb {

class CanvasView : public QGraphicsView {
    Q_OBJECT

public:
    static constexpr qreal kMinZoom = 0.1;
    static constexpr qreal kMaxZoom = 4.0;

    explicit CanvasView(QWidget *parent = nullptr);
    explicit CanvasView(QGraphicsScene *scene, QWidget *parent = nullptr);

    qreal zoom() const { return transform().m11(); }
    // Sets the zoom factor (clamped to [kMinZoom, kMaxZoom]) keeping the view's centre in place.
    void setZoom(qreal factor);
    void zoomIn();
    void zoomOut();
    // Fits every item into the view, never zooming in beyond 1:1.
    void fitToItems();

signals:
    void zoomChanged(qreal factor);

protected:
    void drawBackground(QPainter *painter, const QRectF &rect) override;
    void wheelEvent(QWheelEvent *event) override;
    void keyPressEvent(QKeyEvent *event) override;
    void keyReleaseEvent(QKeyEvent *event) override;
    void focusOutEvent(QFocusEvent *event) override;
    void mousePressEvent(QMouseEvent *event) override;
    void mouseMoveEvent(QMouseEvent *event) override;
    void mouseReleaseEvent(QMouseEvent *event) override;
    void showEvent(QShowEvent *event) override;

private:
    // Lets the view scroll well past the items, so zooming around the cursor and panning work
    // even when everything would fit: the view's rect is the scene's plus a wide margin.
    void followSceneRect();

    // Scales by `factor` keeping the scene point under `viewPos` where it is.
    void zoomBy(qreal factor, QPoint viewPos);

    QPointer<QGraphicsScene> m_followedScene;
    void endPan();

    bool m_panning = false;
    Qt::MouseButton m_panButton = Qt::NoButton;
    bool m_spaceHeld = false; // Space is down: a left drag pans
    QPoint m_panLast;
};

} // namespace sb
