#pragma once
// The GUI thread's copy of a run's time series: every point of every node and link figure, in
// virtual seconds, built from the deltas TimeSeriesSink hands out. Charts decimate from here; CSV
// exports write from here, undecimated.
#include "seriesdecimator.h"
#include "timeseries.h"

#include <QPointF>
#include <QStringList>

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

    // time_s,node,metric,value: one row per point of each target's series, every point.
    bool writeCsv(QIODevice *device, SeriesMetric metric, const QList<int> &targets) const;

private:
    std::vector<QPointF> &series(SeriesMetric metric, int target);
    QStringList m_nodeIds, m_linkIds;
    // m_series[metric][target]
    std::vector<std::vector<std::vector<QPointF>>> m_series;
    std::vector<std::vector<MinMaxIndex>> m_index; // likewise
    double m_endTime = 0;
    SimTime m_width = 0;
};

} // namespace sb
