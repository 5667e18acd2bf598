#pragma once
// Writes a picture drawn by a painting function to a file, in the format its extension names:
// SVG (vector), PNG (raster, at `pixelRatio` times the size) or PDF (one page of the picture's
// size). Shared by every export: the sequence diagram, the canvas, the charts.
#include <QColor>
#include <QSizeF>
#include <QString>

#include <functional>

class QPainter;

namespace sb {

bool isPicturePath(const QString &path); // .svg, .png or .pdf

// `paint` draws into a painter whose device spans `size` (logical pixels). On failure returns
// false and says why, naming the file.
bool writePicture(const QString &path, QSizeF size, const QString &title, const QColor &background,
                  const std::function<void(QPainter &)> &paint, QString *error = nullptr,
                  qreal pixelRatio = 1);

} // namespace sb
