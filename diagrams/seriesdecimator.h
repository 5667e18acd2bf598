#pragma once
// Min/max decimation for line charts: of the points inside a visible x range, keeps for each pixel
// column the lowest and the highest (in x order), so every spike and every dip that a column can
// show survives, whatever the number of points. Also keeps the first and last points of the range
// and the nearest neighbour on each side outside it, so lines run to the plot's edges. At most
// 2 x columns + 4 points come out; a range with no more than 2 x columns points comes out whole.
//
// With a MinMaxIndex of the points, a column is read a block at a time rather than point by point,
// so a frame over millions of points costs about (points / block size) + columns x block size.
#include <QList>
#include <QPointF>

#include <vector>

namespace sb {

// For each block of kBlock consecutive points: where its lowest and highest points are (the first
// of equals, as a scan would find them).
class MinMaxIndex {
public:
    static constexpr qsizetype kBlock = 64;
    struct Block {
        double x = 0;            // of the block's first point
        double min = 0, max = 0; // kept here too, so reading a block touches only the index
        qsizetype minAt = 0, maxAt = 0;
    };
    // Indexes `points` again from point `from` on (earlier blocks stay as they are).
    void update(const QPointF *points, qsizetype count, qsizetype from = 0);
    qsizetype size() const { return m_count; }
    const std::vector<Block> &blocks() const { return m_blocks; }

private:
    std::vector<Block> m_blocks;
    qsizetype m_count = 0;
};

class SeriesDecimator {
public:
    struct Result {
        qsizetype inRange = 0;     // points inside [xMin, xMax]
        double yMin = 0, yMax = 0; // over the points inside the range (0, 0 when none)
    };
    // `points` must be sorted by x. Replaces `out` with the decimated points. `index`, when given,
    // must index exactly these points.
    static Result decimate(const QPointF *begin, const QPointF *end, double xMin, double xMax, int columns,
                           QList<QPointF> &out, const MinMaxIndex *index = nullptr);
};

} // namespace sb
