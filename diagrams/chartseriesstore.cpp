#include "chartseriesstore.h"

#include <QIODevice>
#include <QTextStream>

#include <algorithm>
#include <cmath>

namespace sb {

namespace {
constexpr double kTimeTolerance = 0.5e-9; // half a nanosecond, in seconds
} // namespace

void ChartSeriesStore::reset(const QStringList &nodeIds, const QStringList &linkIds)
{
    m_nodeIds = nodeIds;
    m_linkIds = linkIds;
    m_series.assign(kSeriesMetricCount, {});
    for (int m = 0; m < kSeriesMetricCount; ++m)
        m_series[m].resize(seriesMetricIsLink(SeriesMetric(m)) ? linkIds.size() : nodeIds.size());
    m_endTime = 0;
    m_width = 0;
}

const ChartSeriesStore::Series *ChartSeriesStore::find(SeriesMetric metric, int target) const
{
    const auto m = static_cast<std::size_t>(metric);
    if (m >= m_series.size() || target < 0 || std::size_t(target) >= m_series[m].size()) return nullptr;
    return &m_series[m][std::size_t(target)];
}

const std::vector<QPointF> &ChartSeriesStore::points(SeriesMetric metric, int target) const
{
    static const std::vector<QPointF> none;
    const Series *s = find(metric, target);
    return s ? s->points : none;
}

const MinMaxIndex *ChartSeriesStore::index(SeriesMetric metric, int target) const
{
    const Series *s = find(metric, target);
    return s ? &s->index : nullptr;
}

void ChartSeriesStore::changed(Series &series, qsizetype kept)
{
    series.index.update(series.points.data(), qsizetype(series.points.size()), kept);
    series.smoothed.valid = std::min(series.smoothed.valid, kept);
}

void ChartSeriesStore::setPoints(SeriesMetric metric, int target, std::vector<QPointF> points)
{
    if (points.size()) m_endTime = std::max(m_endTime, points.back().x());
    Series &s = m_series[static_cast<std::size_t>(metric)][std::size_t(target)];
    s.points = std::move(points);
    changed(s, 0);
}

void ChartSeriesStore::apply(const TimeSeriesDelta &delta)
{
    m_width = delta.bucketWidth;
    const double from = delta.replaceAll ? -1.0 : delta.time(0) - 1e-12;
    auto update = [&](SeriesMetric metric, int target, const std::vector<double> &values) {
        Series &s = m_series[static_cast<std::size_t>(metric)][std::size_t(target)];
        std::vector<QPointF> &v = s.points;
        if (delta.replaceAll)
            v.clear();
        else
            v.erase(std::lower_bound(v.begin(), v.end(), from,
                                     [](const QPointF &p, double x) { return p.x() < x; }),
                    v.end());
        const auto kept = qsizetype(v.size());
        for (std::size_t r = 0; r < values.size(); ++r)
            if (!std::isnan(values[r])) v.emplace_back(delta.time(r), values[r]);
        changed(s, kept);
    };
    for (std::size_t n = 0; n < delta.nodeValues.size() && int(n) < m_nodeIds.size(); ++n)
        for (int m = 0; m < kSeriesMetricCount; ++m)
            if (!seriesMetricIsLink(SeriesMetric(m))) update(SeriesMetric(m), int(n), delta.nodeValues[n][m]);
    for (std::size_t l = 0; l < delta.linkFrames.size() && int(l) < m_linkIds.size(); ++l)
        update(SeriesMetric::LinkFrames, int(l), delta.linkFrames[l]);
    m_endTime = toSeconds(static_cast<SimTime>(delta.firstBucket + delta.rows) * delta.bucketWidth);
}

bool ChartSeriesStore::canSmooth(SeriesMetric metric)
{
    return metric != SeriesMetric::LatencyP50 && metric != SeriesMetric::LatencyP99 &&
           metric != SeriesMetric::LatencyMax;
}

bool ChartSeriesStore::smooths(SeriesMetric metric, double window) const
{
    // Bucket times are whole nanoseconds: half of one is tolerance enough for the comparisons.
    return canSmooth(metric) && window > toSeconds(m_width) + kTimeTolerance;
}

ChartSeriesStore::View ChartSeriesStore::view(SeriesMetric metric, int target, double window) const
{
    const Series *series = find(metric, target);
    if (!series) return {&points(metric, target), nullptr};
    const std::vector<QPointF> &raw = series->points;
    if (!smooths(metric, window)) return {&raw, &series->index};
    Smoothed &s = series->smoothed;
    if (s.window != window) {
        s.window = window;
        s.valid = 0;
    }
    const auto n = qsizetype(raw.size());
    if (s.valid < n || qsizetype(s.points.size()) != n) {
        const qsizetype from = std::min(s.valid, qsizetype(s.points.size()));
        // As much room as the points have: a series that grows without moving keeps its smoothed
        // copy in place too (moving a million points would cost a frame).
        if (s.points.capacity() < raw.capacity()) s.points.reserve(raw.capacity());
        s.points.resize(std::size_t(n));
        // The window of point i is the points j <= i with x[j] > x[i] - window. Its sum slides along
        // with compensated (Neumaier) additions, so that millions of steps add no visible error;
        // a window whose points are all zero is exactly zero.
        double sum = 0, compensation = 0;
        qsizetype nonZero = 0;
        auto accumulate = [&](double y) {
            const double t = sum + y;
            compensation += std::abs(sum) >= std::abs(y) ? (sum - t) + y : (y - t) + sum;
            sum = t;
        };
        auto add = [&](double y) {
            accumulate(y);
            nonZero += y != 0;
        };
        auto remove = [&](double y) {
            accumulate(-y);
            nonZero -= y != 0;
        };
        const QPointF *p = raw.data();
        qsizetype first = from;
        if (from > 0 && from < n) {
            const double start = p[from].x() - window + kTimeTolerance;
            first =
                std::upper_bound(p, p + from, start, [](double x, const QPointF &q) { return x < q.x(); }) -
                p;
            for (qsizetype j = first; j < from; ++j)
                add(p[j].y());
        }
        for (qsizetype i = from; i < n; ++i) {
            add(p[i].y());
            const double start = p[i].x() - window + kTimeTolerance;
            while (p[first].x() <= start)
                remove(p[first++].y());
            s.points[std::size_t(i)] =
                QPointF(p[i].x(), nonZero ? (sum + compensation) / double(i - first + 1) : 0.0);
        }
        s.index.update(s.points.data(), n, from);
        s.valid = n;
    }
    return {&s.points, &s.index};
}

bool ChartSeriesStore::writeCsv(QIODevice *device, SeriesMetric metric, const QList<int> &targets,
                                double from, double to, double smoothing) const
{
    QTextStream out(device);
    const bool smoothed = smooths(metric, smoothing);
    out << (smoothed ? "time_s,node,metric,value,smoothing_s\n" : "time_s,node,metric,value\n");
    const QString suffix = smoothed ? QLatin1Char(',') + QString::number(smoothing, 'g', 12) : QString();
    const QStringList &ids = seriesMetricIsLink(metric) ? m_linkIds : m_nodeIds;
    const QString name = QString::fromLatin1(seriesMetricName(metric));
    for (int t : targets) {
        const QString id = t >= 0 && t < ids.size() ? ids[t] : QString::number(t);
        const View v = view(metric, t, smoothing);
        if (!v.points) continue;
        const std::vector<QPointF> &p = *v.points;
        // The points with from <= x <= to.
        const auto begin =
            std::lower_bound(p.begin(), p.end(), from, [](const QPointF &q, double x) { return q.x() < x; });
        const auto end =
            std::upper_bound(begin, p.end(), to, [](double x, const QPointF &q) { return x < q.x(); });
        for (auto it = begin; it != end; ++it)
            out << QString::number(it->x(), 'g', 12) << ',' << id << ',' << name << ','
                << QString::number(it->y(), 'g', 12) << suffix << '\n';
    }
    out.flush();
    return out.status() == QTextStream::Ok;
}

} // namespace sb
