#pragma once
// The GUI thread's copy of a run's time series: every point of every node and link figure, in
// virtual seconds, built from the deltas TimeSeriesSink hands out. Charts decimate from here; CSV
// exports write from here, undecimated. Smoothed series (a trailing moving average) are kept here
// too, computed once and then only from where the data changed.
#include "seriesdecimator.h"
#include "timeseries.h"

#include <QPointF>
#include <QStringList>

#include <limits>
#include <vector>

class QIODevice;

namespace sb {

class ChartSeriesStore {
public:
    void reset(const QStringList &nodeIds, const QStringList &linkIds);
    // Keeps the points before the delta's first bucket and replaces the rest (all of them when the
    // delta says the bucket width changed). Buckets without a value (NaN) have no point.
    void apply(const TimeSeriesDelta &delta);

    const QStringList &nodeIds() const { return m_nodeIds; }
    const QStringList &linkIds() const { return m_linkIds; }
    // `target` is a node index, or a link index for link metrics. Sorted by time.
    const std::vector<QPointF> &points(SeriesMetric metric, int target) const;
    // Kept up to date with points(), for fast decimation.
    const MinMaxIndex *index(SeriesMetric metric, int target) const;
    // For tests and benchmarks: replaces one series outright.
    void setPoints(SeriesMetric metric, int target, std::vector<QPointF> points);
    // The end of the last bucket, in virtual seconds (0 before any data).
    double endTime() const { return m_endTime; }
    SimTime bucketWidth() const { return m_width; }

    // Smoothing: a trailing moving average over `window` seconds of virtual time. The smoothed
    // value at time t is the mean of the series' points in (t - window, t] (fewer at the start of
    // the run), so it depends only on points at or before t: a live chart can show it at once, and
    // new data changes only the values from its first bucket on. Rates, counts and levels can be
    // smoothed; latency percentiles cannot (an average of percentiles is no percentile of anything).
    static bool canSmooth(SeriesMetric metric);
    // Whether smoothing over `window` changes this metric's values now: not for latency, not for
    // a window no wider than the bucket width (a window of one bucket averages one point).
    bool smooths(SeriesMetric metric, double window) const;
    struct View {
        const std::vector<QPointF> *points = nullptr; // sorted by time
        const MinMaxIndex *index = nullptr;           // indexes exactly these points
    };
    // The points of a series as shown with smoothing over `window` seconds: the series itself
    // when smooths() is false, else the smoothed series, kept in a cache per (metric, target) for
    // the last window asked for and brought up to date from the first point that changed since.
    View view(SeriesMetric metric, int target, double window = 0) const;

    // time_s,node,metric,value: one row per point of each target's series with from <= time_s <= to
    // (every point by default). With smoothing that applies, the values are smoothed (as view())
    // and each row has a fifth column, smoothing_s, the window in seconds.
    bool writeCsv(QIODevice *device, SeriesMetric metric, const QList<int> &targets,
                  double from = -std::numeric_limits<double>::infinity(),
                  double to = std::numeric_limits<double>::infinity(), double smoothing = 0) const;

private:
    struct Smoothed {
        double window = 0;
        qsizetype valid = 0; // points[0, valid) are up to date
        std::vector<QPointF> points;
        MinMaxIndex index;
    };
    // One figure of one node or link: its points, their min/max index, and its smoothed copy
    // (a cache, filled by view()).
    struct Series {
        std::vector<QPointF> points;
        MinMaxIndex index;
        mutable Smoothed smoothed;
    };
    const Series *find(SeriesMetric metric, int target) const;
    // Points [0, kept) stayed, the rest is new: the index and the smoothed copy follow.
    static void changed(Series &series, qsizetype kept);
    QStringList m_nodeIds, m_linkIds;
    std::vector<std::vector<Series>> m_series; // [metric][target]
    double m_endTime = 0;
    SimTime m_width = 0;
};

} // namespace sb
