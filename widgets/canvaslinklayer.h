#pragma once
// One item under every link that draws the links' compact form (the canvas zoomed out below
// kCompactLod): all lines and arrow heads from one image kept for the view's scale, and all frames
// travelling on them as squares in one pass. Two thousand links of a large overlay then cost one
// image copy and a few thousand rectangles a frame instead of two thousand strokes. The LinkItems
// stay for picking, tooltips, selection and the full form; in the compact form they draw only what
// is rare (route marks, fault labels). Above kCompactLod it draws nothing.
#include "canvasitems.h"

#include <QHash>
#include <QImage>
#include <QTransform>

#include <vector>

namespace sb {

class LinkLayer : public QGraphicsItem {
public:
    enum { Type = LinkLayerType };
    // `links` is the scene's, borrowed: it must outlive the layer.
    explicit LinkLayer(const QHash<QString, LinkItem *> *links);

    int type() const override { return Type; }
    // The links changed: where they run (added, removed, re-routed) or how they look (selected, a
    // run's mode, rate or fault). Works out the bounds again and draws the lines anew at the next
    // paint.
    void linksChanged();
    // Only how they look changed: the lines are drawn anew at the next paint.
    void looksChanged();
    // Only the colour of these links' lines changed (a rate's step, throughput mode): they are drawn
    // again over their old pixels at the next paint (a one-pixel aliased line covers the same
    // pixels whatever its colour), not every line.
    void recoloured(const std::vector<const LinkItem *> &links);
    // How many times the lines were drawn into the image (for tests: moving dots draw none).
    int linesDrawn() const { return m_linesDrawn; }

    QRectF boundingRect() const override { return m_bounds; }
    void paint(QPainter *painter, const QStyleOptionGraphicsItem *option, QWidget *widget) override;

private:
    void drawLines(QPainter *painter, qreal lod) const;
    const LiveOverlay *overlay() const; // the scene's, while it shows a run

    const QHash<QString, LinkItem *> *m_links;
    QRectF m_bounds;
    // The lines at the scale they were drawn for (a transform without translation: scrolling
    // keeps them), with the device position of the image's corner at that scale.
    QImage m_image;
    QTransform m_imageScale;
    QPoint m_imageOrigin;
    bool m_imageValid = false;
    std::vector<const LinkItem *> m_recoloured; // to draw over the valid image
    int m_linesDrawn = 0;
};

} // namespace sb
