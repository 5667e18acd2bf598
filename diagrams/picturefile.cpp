#include "picturefile.h"

#include <QDir>
#include <QFileInfo>
#include <QImage>
#include <QPageSize>
#include <QPainter>
#include <QPdfWriter>
#include <QSvgGenerator>

namespace sb {

bool isPicturePath(const QString &path)
{
    const QString suffix = QFileInfo(path).suffix().toLower();
    return suffix == QLatin1String("svg") || suffix == QLatin1String("png") || suffix == QLatin1String("pdf");
}

bool writePicture(const QString &path, QSizeF size, const QString &title, const QColor &background,
                  const std::function<void(QPainter &)> &paint, QString *error, qreal pixelRatio)
{
    const auto fail = [&](const QString &why) {
        if (error) *error = QStringLiteral("%1: %2").arg(QDir::toNativeSeparators(path), why);
        return false;
    };
    const QString suffix = QFileInfo(path).suffix().toLower();
    if (!isPicturePath(path)) return fail(QStringLiteral("the extension must be .svg, .png or .pdf"));
    const QString cannot = QStringLiteral("cannot write the %1 file").arg(suffix.toUpper());
    const auto draw = [&](QPainter &p) {
        p.setRenderHints(QPainter::Antialiasing | QPainter::TextAntialiasing |
                         QPainter::SmoothPixmapTransform);
        p.fillRect(QRectF(QPointF(0, 0), size), background);
        paint(p);
    };
    if (suffix == QLatin1String("png")) {
        QImage image((size * pixelRatio).toSize(), QImage::Format_ARGB32_Premultiplied);
        image.setDevicePixelRatio(pixelRatio);
        image.fill(background);
        {
            QPainter p(&image);
            draw(p);
        }
        return image.save(path, "PNG") || fail(cannot);
    }
    QPainter p;
    std::unique_ptr<QPaintDevice> device;
    if (suffix == QLatin1String("svg")) {
        auto svg = std::make_unique<QSvgGenerator>();
        svg->setFileName(path);
        svg->setSize(size.toSize());
        svg->setViewBox(QRectF(QPointF(0, 0), size));
        svg->setTitle(title);
        device = std::move(svg);
    } else {
        // One page of the picture's own size, in points (1 px = 0.75 pt at 96 dpi).
        auto pdf = std::make_unique<QPdfWriter>(path);
        pdf->setResolution(96);
        pdf->setPageSize(QPageSize(size * 0.75, QPageSize::Point, title, QPageSize::ExactMatch));
        pdf->setPageMargins(QMarginsF(0, 0, 0, 0));
        pdf->setTitle(title);
        device = std::move(pdf);
    }
    if (!p.begin(device.get())) return fail(cannot);
    draw(p);
    p.end();
    device.reset(); // closes the file
    if (!QFileInfo::exists(path) || QFileInfo(path).size() == 0) return fail(cannot);
    return true;
}

} // namespace sb
