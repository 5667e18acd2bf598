#include "seriesdecimator.h"

#include <algorithm>

namespace sb {

SeriesDecimator::Result SeriesDecimator::decimate(const QPointF *begin, const QPointF *end, double xMin,
                                                  double xMax, int columns, QList<QPointF> &out)
{
    Result r;
    out.clear();
    const QPointF *lo =
        std::lower_bound(begin, end, xMin, [](const QPointF &p, double x) { return p.x() < x; });
    const QPointF *hi = std::upper_bound(lo, end, xMax, [](double x, const QPointF &p) { return x < p.x(); });
    r.inRange = hi - lo;
    columns = std::max(columns, 1);
    if (lo != begin) out.append(*(lo - 1));
    if (lo != hi) {
        r.yMin = r.yMax = lo->y();
        if (r.inRange <= 2 * qsizetype(columns)) {
            for (const QPointF *p = lo; p != hi; ++p) {
                r.yMin = std::min(r.yMin, p->y());
                r.yMax = std::max(r.yMax, p->y());
                out.append(*p);
            }
        } else {
            out.reserve(2 * columns + 4);
            const double span = xMax > xMin ? xMax - xMin : 1.0;
            const double perColumn = columns / span;
            const QPointF *last = hi - 1;
            out.append(*lo);
            auto emitColumn = [&](const QPointF *mn, const QPointF *mx) {
                const QPointF *a = std::min(mn, mx), *b = std::max(mn, mx);
                if (a != lo && a != last) out.append(*a);
                if (b != a && b != lo && b != last) out.append(*b);
            };
            int column = -1;
            const QPointF *mn = nullptr, *mx = nullptr;
            for (const QPointF *p = lo; p != hi; ++p) {
                const int c = std::min(columns - 1, int((p->x() - xMin) * perColumn));
                if (c != column) {
                    if (mn) emitColumn(mn, mx);
                    column = c;
                    mn = mx = p;
                    continue;
                }
                if (p->y() < mn->y()) mn = p;
                if (p->y() > mx->y()) mx = p;
            }
            if (mn) emitColumn(mn, mx);
            if (last != lo) out.append(*last);
            for (const QPointF &p : out) {
                if (p.x() < xMin || p.x() > xMax) continue;
                r.yMin = std::min(r.yMin, p.y());
                r.yMax = std::max(r.yMax, p.y());
            }
        }
    }
    if (hi != end) out.append(*hi);
    return r;
}

} // namespace sb
