#pragma once
// The GUI thread's copy of a run's time series: every point of every node and link figure, in
// virtual seconds, built from the deltas TimeSeriesSink hands out. Charts decimate from here; CSV
// exports write from here, undecimated. Rates summed over a wider window (rate windows) and
// smoothed series (a trailing moving average) are kept here too, computed once and then only from
// where the data changed.
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
    // The keys of keyed metrics (calls by status, call latency by method, group lag) met so far, in the order
    // the run met them: a keyed metric's target is an index into these.
    const std::vector<SeriesKey> &keys(SeriesKeyKind kind) const;
    // `target` is a node index, a link index for link metrics, a key index for keyed metrics.
    // Sorted by time.
    const std::vector<QPointF> &points(SeriesMetric metric, int target) const;
    // Kept up to date with points(), for fast decimation.
    const MinMaxIndex *index(SeriesMetric metric, int target) const;
    // For tests and benchmarks: replaces one series outright.
    void setPoints(SeriesMetric metric, int target, std::vector<QPointF> points);
    // For tests and benchmarks that use setPoints(): the width of the buckets the points stand for.
    void setBucketWidth(SimTime width) { m_width = width; }
    // The end of the last bucket, in virtual seconds (0 before any data).
    double endTime() const { return m_endTime; }
    SimTime bucketWidth() const { return m_width; }

    // Smoothing: a trailing moving average over `window` seconds of virtual time. The smoothed
    // value at time t is the mean of the series' points in (t - window, t] (fewer at the start of
    // the run), so it depends only on points at or before t: a live chart can show it at once, and
    // new data changes only the values from its first bucket on. Rates, counts and levels can be
    // smoothed; latency percentiles cannot (an average of percentiles is no percentile of anything),
    // nor a breaker's state (a mean of closed, open and half-open is none of them).
    static bool canSmooth(SeriesMetric metric);
    // Whether smoothing over `window` changes this metric's values now: not for latency, not for
    // a window no wider than the spacing of the points it averages (the bucket width, or the rate
    // window in use: a window of one point averages one point).
    bool smooths(SeriesMetric metric, double window, double rateWindow = 0) const;

    // Rate windows. A rate per 10 ms bucket is 0 or 100 msg/s for a steady 50 msg/s (a message
    // every 20 ms lands in every other bucket), so a chart shows rates as the count in a wider
    // window divided by the window: the buckets' counts are summed, never their rates sampled.
    // The windows a chart chooses from, in seconds: 10 ms, 100 ms, 1 s, 10 s, 1 min, 10 min, 1 h.
    static QList<double> rateWindowChoices();
    // A visible span is shown with at most this many windows (a few hundred across the plot).
    static constexpr int kMaxRateWindows = 200;
    // The window for rates over a visible span of `span` seconds: the narrowest choice that is a
    // whole number of buckets and gives at most kMaxRateWindows windows; the bucket width itself
    // when no choice both fits and is a whole number of buckets (after a long run has merged its
    // buckets to 80 ms, say); the widest fitting choice when even that gives too many.
    double rateWindow(double span) const;
    // Whether `rateWindow` sums buckets for this metric now: rates only, and a window wider than a
    // bucket.
    bool windows(SeriesMetric metric, double rateWindow) const;
    // The window a rate is shown over: `rateWindow` when windows() says so, else the bucket width;
    // 0 for metrics that are not rates.
    double shownWindow(SeriesMetric metric, double rateWindow) const;
    // "10 ms", "1 s", "1 min", "80 ms": a window as people read it.
    static QString windowText(double seconds);

    struct View {
        const std::vector<QPointF> *points = nullptr; // sorted by time
        const MinMaxIndex *index = nullptr;           // indexes exactly these points
    };
    // The points of a series as shown: for rates with windows() true, one point per rate window
    // (at its start: the count in it over the window, or over the part of it the run has reached);
    // then, when smooths() is true, the trailing moving average over `smoothing` seconds of those.
    // Each derived series is cached per (metric, target) for the last windows asked for and
    // brought up to date from the first point that changed since.
    View view(SeriesMetric metric, int target, double smoothing = 0, double rateWindow = 0) const;

    // time_s,node,metric,value (keyed metrics: time_s,node,key,metric,value, the node being the
    // client and the key its status or method, or the topic and the group's partition or total): one row per
    // point of each target's series with from <= time_s
    // <= to (every point by default), as view() shows it. Rates have a fifth column, window_s, the window the
    // rate is over in seconds (the bucket width when it is not summed into wider ones); with smoothing that
    // applies, the values are smoothed and each row ends with smoothing_s, the smoothing window in seconds.
    bool writeCsv(QIODevice *device, SeriesMetric metric, const QList<int> &targets,
                  double from = -std::numeric_limits<double>::infinity(),
                  double to = std::numeric_limits<double>::infinity(), double smoothing = 0,
                  double rateWindow = 0) const;

private:
    // A series computed from another one: rate windows from the points, smoothing from those.
    struct Derived {
        double window = 0;
        double base = 0;     // the window of what it was computed from (smoothing only)
        qsizetype valid = 0; // points[0, valid) are up to date
        std::vector<QPointF> points;
        MinMaxIndex index;
    };
    // One figure of one node or link: its points, their min/max index, and its windowed and
    // smoothed copies (caches, filled by view()).
    struct Series {
        std::vector<QPointF> points;
        MinMaxIndex index;
        mutable Derived windowed;
        mutable Derived smoothed;
    };
    const Series *find(SeriesMetric metric, int target) const;
    // Brings `out` up to date as the rates of `raw` summed over windows of `window` seconds;
    // returns how many of its points stayed as they were.
    qsizetype window(const std::vector<QPointF> &raw, Derived &out, double window) const;
    // Brings `out` up to date as the trailing moving average of `base` over `window` seconds.
    static void smooth(const std::vector<QPointF> &base, Derived &out, double window);
    // Points [0, kept) stayed, the rest is new: the index and the smoothed copy follow.
    static void changed(Series &series, qsizetype kept);
    QStringList m_nodeIds, m_linkIds;
    std::vector<SeriesKey> m_statusKeys, m_methodKeys, m_groupKeys, m_itemKeys;
    std::vector<std::vector<Series>> m_series; // [metric][target]
    double m_endTime = 0;
    SimTime m_width = 0;
};

} // namespace sb
