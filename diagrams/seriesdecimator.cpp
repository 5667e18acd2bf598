#include "seriesdecimator.h"

#include <algorithm>

namespace sb {

void MinMaxIndex::update(const QPointF *points, qsizetype count, qsizetype from)
{
    from = std::clamp<qsizetype>(from, 0, std::min(count, m_count));
    const qsizetype firstBlock = from / kBlock;
    const qsizetype blocks = (count + kBlock - 1) / kBlock;
    m_blocks.resize(static_cast<std::size_t>(blocks));
    for (qsizetype b = firstBlock; b < blocks; ++b) {
        const qsizetype lo = b * kBlock, hi = std::min(count, lo + kBlock);
        qsizetype mn = lo, mx = lo;
        for (qsizetype i = lo + 1; i < hi; ++i) {
            if (points[i].y() < points[mn].y()) mn = i;
            if (points[i].y() > points[mx].y()) mx = i;
        }
        m_blocks[static_cast<std::size_t>(b)] = {points[lo].x(), points[mn].y(), points[mx].y(), mn, mx};
    }
    m_count = count;
}

namespace {

// The first lowest and first highest point in [a, b), which is not empty.
void minMax(const QPointF *base, qsizetype a, qsizetype b, const MinMaxIndex *index, qsizetype &mn,
            qsizetype &mx)
{
    mn = mx = a;
    auto scan = [&](qsizetype from, qsizetype to) {
        for (qsizetype i = from; i < to; ++i) {
            if (base[i].y() < base[mn].y()) mn = i;
            if (base[i].y() > base[mx].y()) mx = i;
        }
    };
    constexpr qsizetype kBlock = MinMaxIndex::kBlock;
    const qsizetype firstWhole = (a + kBlock - 1) / kBlock, endWhole = b / kBlock;
    if (!index || endWhole <= firstWhole) {
        scan(a + 1, b);
        return;
    }
    scan(a + 1, firstWhole * kBlock);
    const auto &blocks = index->blocks();
    double low = base[mn].y(), high = base[mx].y();
    for (qsizetype k = firstWhole; k < endWhole; ++k) {
        const MinMaxIndex::Block &block = blocks[static_cast<std::size_t>(k)];
        if (block.min < low) {
            low = block.min;
            mn = block.minAt;
        }
        if (block.max > high) {
            high = block.max;
            mx = block.maxAt;
        }
    }
    scan(endWhole * kBlock, b);
}

} // namespace

SeriesDecimator::Result SeriesDecimator::decimate(const QPointF *begin, const QPointF *end, double xMin,
                                                  double xMax, int columns, QList<QPointF> &out,
                                                  const MinMaxIndex *index)
{
    Result r;
    out.clear();
    if (index && index->size() != end - begin) index = nullptr;
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
            auto columnOf = [&](double x) { return std::min(columns - 1, int((x - xMin) * perColumn)); };
            const qsizetype first = lo - begin, last = hi - begin - 1;
            out.append(*lo);
            // Column by column: where each ends is found by bisection, its extremes from the index.
            // A column's end is looked for near where the last column's length says it is, so the
            // search stays within a few cache lines rather than bisecting the whole series.
            qsizetype a = first, step = std::max<qsizetype>(1, r.inRange / columns);
            while (a <= last) {
                const int c = columnOf(begin[a].x());
                auto inColumn = [&](const QPointF &p) { return columnOf(p.x()) <= c; };
                qsizetype known = a + 1, probe = a + step; // [a, known) is in the column
                if (c == columns - 1) {
                    known = probe = last + 1;
                } else if (index) {
                    // Whole blocks by their first x, then bisection inside one block.
                    const auto &blocks = index->blocks();
                    auto k = static_cast<std::size_t>(a / MinMaxIndex::kBlock);
                    while (k + 1 < blocks.size() && columnOf(blocks[k + 1].x) <= c)
                        ++k;
                    known = std::max(known, qsizetype(k) * MinMaxIndex::kBlock);
                    probe = std::min(qsizetype(k + 1) * MinMaxIndex::kBlock, last + 1);
                } else {
                    while (probe <= last && inColumn(begin[probe])) {
                        known = probe + 1;
                        step *= 2;
                        probe = a + step;
                    }
                }
                const QPointF *stop =
                    std::partition_point(begin + known, begin + std::min(probe, last + 1), inColumn);
                const qsizetype b = stop - begin;
                step = std::max<qsizetype>(1, b - a);
                qsizetype mn, mx;
                minMax(begin, a, b, index, mn, mx);
                const qsizetype x = std::min(mn, mx), y = std::max(mn, mx);
                if (x != first && x != last) out.append(begin[x]);
                if (y != x && y != first && y != last) out.append(begin[y]);
                r.yMin = std::min(r.yMin, begin[mn].y());
                r.yMax = std::max(r.yMax, begin[mx].y());
                a = b;
            }
            if (last != first) out.append(begin[last]);
            r.yMin = std::min({r.yMin, lo->y(), begin[last].y()});
            r.yMax = std::max({r.yMax, lo->y(), begin[last].y()});
        }
    }
    if (hi != end) out.append(*hi);
    return r;
}

} // namespace sb
