#include "chartseriesstore.h"

#include <QIODevice>
#include <QTextStream>

#include <algorithm>
#include <cmath>

namespace sb {

void ChartSeriesStore::reset(const QStringList &nodeIds, const QStringList &linkIds)
{
    m_nodeIds = nodeIds;
    m_linkIds = linkIds;
    m_series.assign(kSeriesMetricCount, {});
    m_index.assign(kSeriesMetricCount, {});
    for (int m = 0; m < kSeriesMetricCount; ++m) {
        m_series[m].resize(seriesMetricIsLink(SeriesMetric(m)) ? linkIds.size() : nodeIds.size());
        m_index[m].resize(m_series[m].size());
    }
    m_endTime = 0;
    m_width = 0;
}

const std::vector<QPointF> &ChartSeriesStore::points(SeriesMetric metric, int target) const
{
    static const std::vector<QPointF> none;
    const auto m = static_cast<std::size_t>(metric);
    if (m >= m_series.size() || target < 0 || std::size_t(target) >= m_series[m].size()) return none;
    return m_series[m][target];
}

const MinMaxIndex *ChartSeriesStore::index(SeriesMetric metric, int target) const
{
    const auto m = static_cast<std::size_t>(metric);
    if (m >= m_index.size() || target < 0 || std::size_t(target) >= m_index[m].size()) return nullptr;
    return &m_index[m][target];
}

std::vector<QPointF> &ChartSeriesStore::series(SeriesMetric metric, int target)
{
    return m_series[static_cast<std::size_t>(metric)][target];
}

void ChartSeriesStore::setPoints(SeriesMetric metric, int target, std::vector<QPointF> points)
{
    if (points.size()) m_endTime = std::max(m_endTime, points.back().x());
    auto &v = series(metric, target);
    v = std::move(points);
    m_index[static_cast<std::size_t>(metric)][target].update(v.data(), qsizetype(v.size()), 0);
}

void ChartSeriesStore::apply(const TimeSeriesDelta &delta)
{
    m_width = delta.bucketWidth;
    const double from = delta.replaceAll ? -1.0 : delta.time(0) - 1e-12;
    auto update = [&](SeriesMetric metric, int target, const std::vector<double> &values) {
        std::vector<QPointF> &v = series(metric, target);
        if (delta.replaceAll)
            v.clear();
        else
            v.erase(std::lower_bound(v.begin(), v.end(), from,
                                     [](const QPointF &p, double x) { return p.x() < x; }),
                    v.end());
        const auto kept = qsizetype(v.size());
        for (std::size_t r = 0; r < values.size(); ++r)
            if (!std::isnan(values[r])) v.emplace_back(delta.time(r), values[r]);
        m_index[static_cast<std::size_t>(metric)][target].update(v.data(), qsizetype(v.size()), kept);
    };
    for (std::size_t n = 0; n < delta.nodeValues.size() && int(n) < m_nodeIds.size(); ++n)
        for (int m = 0; m < kSeriesMetricCount; ++m)
            if (!seriesMetricIsLink(SeriesMetric(m))) update(SeriesMetric(m), int(n), delta.nodeValues[n][m]);
    for (std::size_t l = 0; l < delta.linkFrames.size() && int(l) < m_linkIds.size(); ++l)
        update(SeriesMetric::LinkFrames, int(l), delta.linkFrames[l]);
    m_endTime = toSeconds(static_cast<SimTime>(delta.firstBucket + delta.rows) * delta.bucketWidth);
}

bool ChartSeriesStore::writeCsv(QIODevice *device, SeriesMetric metric, const QList<int> &targets) const
{
    QTextStream out(device);
    out << "time_s,node,metric,value\n";
    const QStringList &ids = seriesMetricIsLink(metric) ? m_linkIds : m_nodeIds;
    const QString name = QString::fromLatin1(seriesMetricName(metric));
    for (int t : targets) {
        const QString id = t >= 0 && t < ids.size() ? ids[t] : QString::number(t);
        for (const QPointF &p : points(metric, t))
            out << QString::number(p.x(), 'g', 12) << ',' << id << ',' << name << ','
                << QString::number(p.y(), 'g', 12) << '\n';
    }
    out.flush();
    return out.status() == QTextStream::Ok;
}

} // namespace sb
