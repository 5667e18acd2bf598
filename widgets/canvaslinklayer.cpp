#include "canvaslinklayer.h"

#include "canvasscene.h"
#include "topologydocument.h"

#include <QPainter>
#include <QStyleOptionGraphicsItem>

#include <algorithm>

namespace sb {

namespace {

// Beyond this many device pixels a side the lines are stroked each paint rather than kept in an
// image (a huge topology at the compact threshold).
constexpr int kMaxImageSide = 4096;

} // namespace

LinkLayer::LinkLayer(const QHash<QString, LinkItem *> *links) : m_links(links)
{
    setZValue(-1); // under the links (their route marks) and the nodes
    setAcceptedMouseButtons(Qt::NoButton);
    setFlag(ItemUsesExtendedStyleOption);
}

void LinkLayer::linksChanged()
{
    QRectF bounds;
    for (const LinkItem *l : *m_links)
        bounds |= l->boundingRect();
    if (bounds != m_bounds) {
        prepareGeometryChange();
        m_bounds = bounds;
    }
    looksChanged();
}

void LinkLayer::looksChanged()
{
    // A repaint only when the image is showing: otherwise the next compact paint draws it anew
    // anyway, and the links that changed ask for their own repaint (no whole-canvas repaint at
    // 100 % for every change of a run's figures).
    if (m_imageValid) update();
    m_imageValid = false;
    m_recoloured.clear();
}

void LinkLayer::recoloured(const std::vector<const LinkItem *> &links)
{
    if (!m_imageValid) return; // drawn whole at the next paint anyway
    m_recoloured.insert(m_recoloured.end(), links.begin(), links.end());
    update();
}

const LiveOverlay *LinkLayer::overlay() const
{
    auto *canvas = qobject_cast<CanvasScene *>(scene());
    return canvas && canvas->live().isActive() ? &canvas->live() : nullptr;
}

void LinkLayer::drawLines(QPainter *painter, qreal lod) const
{
    painter->setRenderHint(QPainter::Antialiasing, false);
    const LiveOverlay *live = overlay();
    const CanvasColors colours = canvasColors();
    for (const LinkItem *l : *m_links)
        l->paintCompactLine(painter, lod, live, colours);
}

void LinkLayer::paint(QPainter *painter, const QStyleOptionGraphicsItem *, QWidget *)
{
    const QTransform world = painter->worldTransform();
    if (!isCompactLod(world) || m_links->isEmpty()) return;
    const qreal lod = QStyleOptionGraphicsItem::levelOfDetailFromTransform(world);
    const bool antialiased = painter->testRenderHint(QPainter::Antialiasing);
    const QTransform scale(world.m11(), world.m12(), world.m21(), world.m22(), 0, 0);
    const QRect device = scale.mapRect(m_bounds).toAlignedRect().adjusted(-1, -1, 1, 1);
    if (device.width() > kMaxImageSide || device.height() > kMaxImageSide) {
        drawLines(painter, lod);
    } else {
        if (!m_imageValid || scale != m_imageScale) {
            m_image = QImage(device.size(), QImage::Format_ARGB32_Premultiplied);
            m_image.fill(Qt::transparent);
            QPainter p(&m_image);
            p.translate(-device.topLeft());
            p.setTransform(scale, true);
            drawLines(&p, lod);
            m_imageScale = scale;
            m_imageOrigin = device.topLeft();
            m_imageValid = true;
            m_recoloured.clear();
            ++m_linesDrawn;
        } else if (!m_recoloured.empty()) {
            QPainter p(&m_image);
            p.translate(-m_imageOrigin);
            p.setTransform(scale, true);
            const LiveOverlay *live = overlay();
            const CanvasColors colours = canvasColors();
            for (const LinkItem *l : m_recoloured)
                if (m_links->value(l->id()) == l) l->paintCompactLine(&p, lod, live, colours);
            m_recoloured.clear();
        }
        painter->setWorldTransform(QTransform());
        painter->drawImage(m_imageOrigin + QPoint(qRound(world.dx()), qRound(world.dy())), m_image);
        painter->setWorldTransform(world);
    }
    // The frames on their way, over every line: squares a few device pixels wide, placed in device
    // pixels (whole-pixel rectangles are the raster engine's fastest fill), in a fill per colour.
    if (const LiveOverlay *live = overlay()) {
        std::vector<QRectF> messages;
        QHash<QRgb, std::vector<QRectF>> controls; // by the colour of what the link carries
        for (const LinkItem *l : *m_links)
            l->compactDots(lod, live, &messages, &controls);
        const auto toDevice = [&](const std::vector<QRectF> &rects) {
            std::vector<QRect> out;
            out.reserve(rects.size());
            for (const QRectF &r : rects) {
                const int side = std::max(1, qRound(r.width() * lod));
                const QPointF c = world.map(r.center());
                out.emplace_back(qRound(c.x() - side / 2.0), qRound(c.y() - side / 2.0), side, side);
            }
            return out;
        };
        painter->setWorldTransform(QTransform());
        painter->setRenderHint(QPainter::Antialiasing, false);
        painter->setPen(Qt::NoPen);
        for (auto it = controls.cbegin(); it != controls.cend(); ++it) {
            const std::vector<QRect> rects = toDevice(*it);
            painter->setBrush(QColor::fromRgba(it.key()));
            painter->drawRects(rects.data(), int(rects.size()));
        }
        if (!messages.empty()) {
            const std::vector<QRect> rects = toDevice(messages);
            painter->setBrush(LinkItem::messageDotColour());
            painter->drawRects(rects.data(), int(rects.size()));
        }
        painter->setWorldTransform(world);
    }
    painter->setRenderHint(QPainter::Antialiasing, antialiased);
}

} // namespace sb
