#pragma once
// Min/max decimation for line charts: of the points inside a visible x range, keeps for each pixel
// column the lowest and the highest (in x order), so every spike and every dip that a column can
// show survives, whatever the number of points. Also keeps the first and last points of the range
// and the nearest neighbour on each side outside it, so lines run to the plot's edges. At most
// 2 x columns + 4 points come out; a range with no more than 2 x columns points comes out whole.
#include <QList>
#include <QPointF>

namespace sb {

class SeriesDecimator {
public:
    struct Result {
        qsizetype inRange = 0;     // points inside [xMin, xMax]
        double yMin = 0, yMax = 0; // over the points inside the range (0, 0 when none)
    };
    // `points` must be sorted by x. Replaces `out` with the decimated points.
    static Result decimate(const QPointF *begin, const QPointF *end, double xMin, double xMax, int columns,
                           QList<QPointF> &out);
};

} // namespace sb
