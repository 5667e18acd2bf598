#pragma once
// Pictures of the canvas: every node and link (with the live badges when a run's figures are
// showing) as SVG, PNG or PDF, chosen by the file's extension, with a margin and no selection marks.
#include <QString>

namespace sb {

class CanvasScene;

// Writes the picture; on failure says why, naming the file.
bool exportCanvas(CanvasScene &scene, const QString &path, QString *error = nullptr);

} // namespace sb
