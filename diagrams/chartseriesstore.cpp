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
    m_statusKeys.clear();
    m_methodKeys.clear();
    m_groupKeys.clear();
    m_itemKeys.clear();
    for (int m = 0; m < kSeriesMetricCount; ++m)
        m_series[m].resize(seriesMetricIsKeyed(SeriesMetric(m))  ? 0
                           : seriesMetricIsLink(SeriesMetric(m)) ? linkIds.size()
                                                                 : nodeIds.size());
    m_endTime = 0;
    m_width = 0;
}

const std::vector<SeriesKey> &ChartSeriesStore::keys(SeriesKeyKind kind) const
{
    static const std::vector<SeriesKey> none;
    switch (kind) {
    case SeriesKeyKind::Status:
        return m_statusKeys;
    case SeriesKeyKind::Method:
        return m_methodKeys;
    case SeriesKeyKind::Group:
        return m_groupKeys;
    case SeriesKeyKind::Item:
        return m_itemKeys;
    case SeriesKeyKind::None:
        break;
    }
    return none;
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
    series.windowed.valid = std::min(series.windowed.valid, kept);
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
        if (values.empty() && s.points.empty()) return; // a figure the node does not have
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
            if (!seriesMetricIsLink(SeriesMetric(m)) && !seriesMetricIsKeyed(SeriesMetric(m)))
                update(SeriesMetric(m), int(n), delta.nodeValues[n][m]);
    for (std::size_t l = 0; l < delta.linkFrames.size() && int(l) < m_linkIds.size(); ++l)
        update(SeriesMetric::LinkFrames, int(l), delta.linkFrames[l]);
    for (std::size_t l = 0; l < delta.linkLosses.size() && int(l) < m_linkIds.size(); ++l)
        update(SeriesMetric::LinkLosses, int(l), delta.linkLosses[l]);
    // Keys only ever grow, in the order the run met them: a new key's series starts empty.
    if (delta.statusKeys.size() >= m_statusKeys.size()) m_statusKeys = delta.statusKeys;
    if (delta.methodKeys.size() >= m_methodKeys.size()) m_methodKeys = delta.methodKeys;
    if (delta.groupKeys.size() >= m_groupKeys.size()) m_groupKeys = delta.groupKeys;
    if (delta.itemKeys.size() >= m_itemKeys.size()) m_itemKeys = delta.itemKeys;
    for (int m = 0; m < kSeriesMetricCount; ++m) {
        const auto metric = SeriesMetric(m);
        const std::vector<std::vector<double>> *values = delta.keyedValues(metric);
        if (!values) continue;
        auto &series = m_series[std::size_t(m)];
        series.resize(std::max(series.size(), values->size()));
        for (std::size_t k = 0; k < values->size(); ++k)
            update(metric, int(k), (*values)[k]);
    }
    m_endTime = toSeconds(static_cast<SimTime>(delta.firstBucket + delta.rows) * delta.bucketWidth);
}

bool ChartSeriesStore::canSmooth(SeriesMetric metric)
{
    return metric != SeriesMetric::LatencyP50 && metric != SeriesMetric::LatencyP99 &&
           metric != SeriesMetric::LatencyMax && metric != SeriesMetric::CallLatencyP50 &&
           metric != SeriesMetric::CallLatencyP99 && metric != SeriesMetric::BreakerState &&
           metric != SeriesMetric::LookupHops;
}

bool ChartSeriesStore::smooths(SeriesMetric metric, double window, double rateWindow) const
{
    // Bucket times are whole nanoseconds: half of one is tolerance enough for the comparisons.
    return canSmooth(metric) &&
           window > std::max(toSeconds(m_width), shownWindow(metric, rateWindow)) + kTimeTolerance;
}

QList<double> ChartSeriesStore::rateWindowChoices()
{
    return {0.01, 0.1, 1, 10, 60, 600, 3600};
}

double ChartSeriesStore::rateWindow(double span) const
{
    const double bucket = toSeconds(m_width > 0 ? m_width : TimeSeriesSink::kDefaultBucketWidth);
    // The choices a whole number of buckets wide (summing buckets must not split one), and the
    // bucket itself.
    QList<double> fitting{bucket};
    for (double w : rateWindowChoices()) {
        const double buckets = w / bucket;
        if (w > bucket + kTimeTolerance && std::abs(buckets - std::round(buckets)) < 1e-6) fitting.append(w);
    }
    for (double w : std::as_const(fitting))
        if (span / w <= kMaxRateWindows + 1e-9) return w;
    return fitting.last();
}

bool ChartSeriesStore::windows(SeriesMetric metric, double rateWindow) const
{
    return seriesMetricIsRate(metric) && m_width > 0 && rateWindow > toSeconds(m_width) + kTimeTolerance;
}

double ChartSeriesStore::shownWindow(SeriesMetric metric, double rateWindow) const
{
    if (!seriesMetricIsRate(metric)) return 0;
    return windows(metric, rateWindow) ? rateWindow : toSeconds(m_width);
}

QString ChartSeriesStore::windowText(double seconds)
{
    if (seconds <= 0) return {};
    if (seconds < 1 - kTimeTolerance)
        return QStringLiteral("%1 ms").arg(QString::number(seconds * 1000, 'g', 6));
    if (seconds >= 3600 && std::fmod(seconds, 3600) < kTimeTolerance)
        return QStringLiteral("%1 h").arg(QString::number(seconds / 3600, 'g', 6));
    if (seconds >= 60 && std::fmod(seconds, 60) < kTimeTolerance)
        return QStringLiteral("%1 min").arg(QString::number(seconds / 60, 'g', 6));
    return QStringLiteral("%1 s").arg(QString::number(seconds, 'g', 6));
}

qsizetype ChartSeriesStore::window(const std::vector<QPointF> &raw, Derived &out, double window) const
{
    if (out.window != window) {
        out.window = window;
        out.valid = 0;
        out.points.clear();
    }
    const auto n = qsizetype(raw.size());
    if (out.valid >= n && out.valid > 0) return qsizetype(out.points.size());
    const double bucket = toSeconds(m_width);
    // Which window a bucket's start falls in; starts are whole buckets, the tolerance absorbs the
    // rounding of the division.
    const auto windowOf = [window](double x) { return std::floor(x / window + 1e-6); };
    // Only whole windows have a point: the last, unfinished one would divide a partial count by
    // a full window (or, divided by what it covers, count up to the last event only). So the
    // windows from the first one not yet shown, or the first changed, are computed again.
    double from = out.points.empty() ? 0 : windowOf(out.points.back().x()) + 1;
    if (out.valid < n) from = std::min(from, windowOf(raw[std::size_t(out.valid)].x()));
    out.points.erase(std::lower_bound(out.points.begin(), out.points.end(), from * window - kTimeTolerance,
                                      [](const QPointF &p, double x) { return p.x() < x; }),
                     out.points.end());
    const auto kept = qsizetype(out.points.size());
    auto it = std::lower_bound(raw.begin(), raw.end(), from * window - kTimeTolerance,
                               [](const QPointF &p, double x) { return p.x() < x; });
    while (it != raw.end()) {
        const double k = windowOf(it->x());
        double count = 0;
        for (; it != raw.end() && windowOf(it->x()) == k; ++it)
            count += it->y() * bucket; // the bucket's rate back to its count
        const double start = k * window;
        if (start + window > m_endTime + kTimeTolerance) break; // not finished yet
        out.points.emplace_back(start, count / window);
    }
    out.index.update(out.points.data(), qsizetype(out.points.size()), kept);
    out.valid = n;
    return kept;
}

void ChartSeriesStore::smooth(const std::vector<QPointF> &base, Derived &s, double window)
{
    const auto n = qsizetype(base.size());
    if (s.valid < n || qsizetype(s.points.size()) != n) {
        const qsizetype from = std::min(s.valid, qsizetype(s.points.size()));
        // As much room as the points have: a series that grows without moving keeps its smoothed
        // copy in place too (moving a million points would cost a frame).
        if (s.points.capacity() < base.capacity()) s.points.reserve(base.capacity());
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
        const QPointF *p = base.data();
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
}

ChartSeriesStore::View ChartSeriesStore::view(SeriesMetric metric, int target, double smoothing,
                                              double rateWindow) const
{
    const Series *series = find(metric, target);
    if (!series) return {&points(metric, target), nullptr};
    View base{&series->points, &series->index};
    double spacing = 0;
    if (windows(metric, rateWindow)) {
        Derived &w = series->windowed;
        const qsizetype kept = window(series->points, w, rateWindow);
        // The smoothed copy follows the windowed points from the first one that changed.
        series->smoothed.valid = std::min(series->smoothed.valid, kept);
        base = {&w.points, &w.index};
        spacing = rateWindow;
    }
    if (!smooths(metric, smoothing, rateWindow)) return base;
    Derived &s = series->smoothed;
    if (s.window != smoothing || s.base != spacing) {
        s.window = smoothing;
        s.base = spacing;
        s.valid = 0;
    }
    smooth(*base.points, s, smoothing);
    return {&s.points, &s.index};
}

bool ChartSeriesStore::writeCsv(QIODevice *device, SeriesMetric metric, const QList<int> &targets,
                                double from, double to, double smoothing, double rateWindow) const
{
    QTextStream out(device);
    const bool smoothed = smooths(metric, smoothing, rateWindow);
    // A rate states its window (unknown only for points set without a bucket width, in tests).
    const bool rate = seriesMetricIsRate(metric) && shownWindow(metric, rateWindow) > 0;
    const SeriesKeyKind keyKind = seriesMetricKey(metric);
    const bool keyed = keyKind != SeriesKeyKind::None;
    out << (keyed ? "time_s,node,key,metric,value" : "time_s,node,metric,value") << (rate ? ",window_s" : "")
        << (smoothed ? ",smoothing_s" : "") << '\n';
    QString suffix;
    if (rate) suffix += QLatin1Char(',') + QString::number(shownWindow(metric, rateWindow), 'g', 12);
    if (smoothed) suffix += QLatin1Char(',') + QString::number(smoothing, 'g', 12);
    const QStringList &ids = seriesMetricIsLink(metric) ? m_linkIds : m_nodeIds;
    const QString name = QString::fromLatin1(seriesMetricName(metric));
    // A key as a CSV field: quoted when it holds a comma or a quote ("POST /a,b").
    const auto field = [](const QString &text) {
        if (!text.contains(QLatin1Char(',')) && !text.contains(QLatin1Char('"'))) return text;
        return QLatin1Char('"') + QString(text).replace(QLatin1String("\""), QLatin1String("\"\"")) +
               QLatin1Char('"');
    };
    const std::vector<SeriesKey> &keyList = keys(keyKind);
    for (int t : targets) {
        QString id = t >= 0 && t < ids.size() ? ids[t] : QString::number(t);
        if (keyed) {
            const SeriesKey key =
                t >= 0 && std::size_t(t) < keyList.size() ? keyList[std::size_t(t)] : SeriesKey{};
            const QString client =
                key.node < std::size_t(m_nodeIds.size()) ? m_nodeIds[int(key.node)] : QString();
            id = client + QLatin1Char(',') + field(QString::fromStdString(key.label));
        }
        const View v = view(metric, t, smoothing, rateWindow);
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
