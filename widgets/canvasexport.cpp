#include "canvasexport.h"

#include "canvasitems.h"
#include "canvasscene.h"
#include "topologydocument.h"

#include <QDir>
#include <QFileInfo>
#include <QGraphicsItem>
#include <QImage>
#include <QPageSize>
#include <QPainter>
#include <QPdfWriter>
#include <QSvgGenerator>

namespace sb {

namespace {
constexpr qreal kMargin = 24;
}

bool isCanvasImagePath(const QString &path)
{
    const QString suffix = QFileInfo(path).suffix().toLower();
    return suffix == QLatin1String("svg") || suffix == QLatin1String("png") || suffix == QLatin1String("pdf");
}

bool exportCanvas(CanvasScene &scene, const QString &path, QString *error)
{
    const QString where = QDir::toNativeSeparators(path);
    const auto fail = [&](const QString &why) {
        if (error) *error = QStringLiteral("%1: %2").arg(where, why);
        return false;
    };
    if (!isCanvasImagePath(path)) return fail(QStringLiteral("the extension must be .svg, .png or .pdf"));
    // The items alone: the refusal note, the rubber band and selection marks stay out.
    const QList<QGraphicsItem *> selected = scene.selectedItems();
    for (QGraphicsItem *item : selected)
        item->setSelected(false);
    QRectF source;
    for (QGraphicsItem *item : scene.items())
        if (item->type() == NodeItemType || item->type() == LinkItemType) source |= item->sceneBoundingRect();
    if (source.isEmpty()) source = QRectF(0, 0, 200, 100);
    source.adjust(-kMargin, -kMargin, kMargin, kMargin);
    const QSizeF size = source.size();
    const QString suffix = QFileInfo(path).suffix().toLower();
    const CanvasColors colours = canvasColors();
    const auto paint = [&](QPainter &p) {
        p.setRenderHints(QPainter::Antialiasing | QPainter::TextAntialiasing |
                         QPainter::SmoothPixmapTransform);
        p.fillRect(QRectF(QPointF(0, 0), size), colours.background);
        scene.render(&p, QRectF(QPointF(0, 0), size), source);
    };
    bool ok = true;
    QString why;
    if (suffix == QLatin1String("png")) {
        // Twice the scene's size, for sharp text on high-DPI screens and in documents.
        QImage image((size * 2).toSize(), QImage::Format_ARGB32_Premultiplied);
        image.setDevicePixelRatio(2);
        image.fill(colours.background);
        {
            QPainter p(&image);
            paint(p);
        }
        ok = image.save(path, "PNG");
        if (!ok) why = QStringLiteral("cannot write the PNG file");
    } else if (suffix == QLatin1String("svg")) {
        QSvgGenerator svg;
        svg.setFileName(path);
        svg.setSize(size.toSize());
        svg.setViewBox(QRectF(QPointF(0, 0), size));
        svg.setTitle(QStringLiteral("Signalbox topology"));
        QPainter p;
        ok = p.begin(&svg);
        if (ok) {
            paint(p);
            p.end();
        } else {
            why = QStringLiteral("cannot write the SVG file");
        }
    } else {
        QPdfWriter pdf(path);
        pdf.setResolution(96);
        pdf.setPageSize(
            QPageSize(size * 0.75, QPageSize::Point, QStringLiteral("Topology"), QPageSize::ExactMatch));
        pdf.setPageMargins(QMarginsF(0, 0, 0, 0));
        pdf.setTitle(QStringLiteral("Signalbox topology"));
        QPainter p;
        ok = p.begin(&pdf);
        if (ok) {
            paint(p);
            p.end();
        } else {
            why = QStringLiteral("cannot write the PDF file");
        }
    }
    for (QGraphicsItem *item : selected)
        item->setSelected(true);
    if (ok && (!QFileInfo::exists(path) || QFileInfo(path).size() == 0)) {
        ok = false;
        why = QStringLiteral("cannot write the file");
    }
    return ok || fail(why);
}

} // namespace sb
