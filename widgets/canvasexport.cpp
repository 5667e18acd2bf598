#include "canvasexport.h"

#include "canvasitems.h"
#include "canvasscene.h"
#include "picturefile.h"
#include "topologydocument.h"

#include <QGraphicsItem>
#include <QPainter>

namespace sb {

namespace {
constexpr qreal kMargin = 24;
}

bool exportCanvas(CanvasScene &scene, const QString &path, QString *error)
{
    if (!isPicturePath(path)) return writePicture(path, {}, {}, {}, {}, error); // says why
    // The items alone: the refusal note, the rubber band and selection marks stay out.
    const QList<QGraphicsItem *> selected = scene.selectedItems();
    for (QGraphicsItem *item : selected)
        item->setSelected(false);
    QRectF source;
    for (QGraphicsItem *item : scene.items())
        if (item->type() == NodeItemType || item->type() == LinkItemType) source |= item->sceneBoundingRect();
    if (source.isEmpty()) source = QRectF(0, 0, 200, 100);
    source.adjust(-kMargin, -kMargin, kMargin, kMargin);
    const CanvasColors colours = canvasColors();
    // PNG at twice the scene's size, for sharp text on high-DPI screens and in documents.
    const bool ok = writePicture(
        path, source.size(), QStringLiteral("Signalbox topology"), colours.background,
        [&](QPainter &p) { scene.render(&p, QRectF(QPointF(0, 0), source.size()), source); }, error, 2);
    for (QGraphicsItem *item : selected)
        item->setSelected(true);
    return ok;
}

} // namespace sb
