// Chart frame benchmark (a program, not a timed test).
// Fills a ChartPanel with S series of N points each (a noisy signal with spikes, 10 ms apart as the
// time series sink makes them), then draws F frames as a live chart does: each frame decimates
// every series to the visible range (min/max per pixel column), hands each series its points with
// one replace(), and renders the chart view into an image. The visible range moves every frame, so
// nothing is reused between frames. Prints medians and p99 of the decimation alone (with the
// min/max index the chart's store keeps, and without it for comparison) and of the whole frame;
// the target is a frame of at most 16 ms. Then F live frames: a delta with the newest buckets of
// every series arrives, the store takes it, and the chart follows the whole run. Then both again
// with smoothing over 1 s (a trailing moving average of 100 buckets), after one frame that smooths
// every series from scratch.
//
//   bench_charts [--points N] [--series S] [--frames F]
#include "chartpanel.h"
#include "seriesdecimator.h"

#include <QApplication>
#include <QChart>
#include <QChartView>
#include <QLineSeries>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <vector>

using namespace sb;

namespace {

double nowMs()
{
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

double percentile(std::vector<double> v, double q)
{
    std::sort(v.begin(), v.end());
    const auto i = static_cast<std::size_t>(std::ceil(q * static_cast<double>(v.size()))) - 1;
    return v[std::min(i, v.size() - 1)];
}

std::vector<QPointF> signal(int n, unsigned seed)
{
    std::mt19937 rng(seed);
    std::normal_distribution<double> noise(0, 20);
    std::vector<QPointF> v;
    v.reserve(std::size_t(n) + 4096);
    for (int i = 0; i < n; ++i) {
        double y = 500 + 200 * std::sin(i * 1e-4 * (seed + 1)) + noise(rng);
        if (rng() % 20000 == 0) y += 3000; // bursts
        v.emplace_back(i * 0.01, std::max(0.0, y));
    }
    return v;
}

} // namespace

int main(int argc, char **argv)
{
    int points = 1000000, seriesCount = 4, frames = 50;
    for (int i = 1; i < argc; ++i) {
        auto next = [&] { return i + 1 < argc ? std::atoi(argv[++i]) : 0; };
        if (!std::strcmp(argv[i], "--points"))
            points = next();
        else if (!std::strcmp(argv[i], "--series"))
            seriesCount = next();
        else if (!std::strcmp(argv[i], "--frames"))
            frames = next();
        else {
            std::fprintf(stderr, "usage: bench_charts [--points N] [--series S] [--frames F]\n");
            return 2;
        }
    }
    if (points < 2 || seriesCount < 1 || frames < 1) return 2;
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);

    QStringList nodes, kinds;
    for (int s = 0; s < seriesCount; ++s) {
        nodes << QStringLiteral("queue-%1").arg(s + 1);
        kinds << QStringLiteral("queue");
    }
    ChartPanel panel;
    panel.resize(1600, 600); // a wide chart: about 1400 pixel columns
    panel.show();
    panel.reset(nodes, kinds, {});
    // A level (queue depth) is drawn point by point, decimated; a rate would be summed into at most
    // a few hundred windows first and never reach the decimator with a million points.
    panel.setMetric(SeriesMetric::QueueDepth);
    std::vector<std::vector<QPointF>> data;
    for (int s = 0; s < seriesCount; ++s) {
        data.push_back(signal(points, unsigned(s)));
        std::vector<QPointF> copy;
        copy.reserve(data.back().capacity()); // room for the live frames: no reallocation mid-benchmark
        copy.assign(data.back().begin(), data.back().end());
        panel.store().setPoints(SeriesMetric::QueueDepth, s, std::move(copy));
    }
    panel.markDataChanged();
    panel.refresh();
    QApplication::processEvents();
    panel.refresh();
    const int columns = int(panel.chartView()->chart()->plotArea().width());
    const double end = data.front().back().x();

    // Decimation alone: every series over the whole run, with the min/max index the store keeps.
    std::vector<MinMaxIndex> indexes(data.size());
    const double i0 = nowMs();
    for (std::size_t s = 0; s < data.size(); ++s)
        indexes[s].update(data[s].data(), qsizetype(data[s].size()));
    const double indexMs = nowMs() - i0;
    std::vector<double> decimate, plain;
    QList<QPointF> out;
    std::size_t kept = 0;
    for (int f = 0; f < frames; ++f) {
        const double t0 = nowMs();
        kept = 0;
        for (std::size_t s = 0; s < data.size(); ++s) {
            const auto &d = data[s];
            SeriesDecimator::decimate(d.data(), d.data() + d.size(), 0, end * (1 - 0.001 * f), columns, out,
                                      &indexes[s]);
            kept += out.size();
        }
        decimate.push_back(nowMs() - t0);
        const double t1 = nowMs();
        for (const auto &d : data)
            SeriesDecimator::decimate(d.data(), d.data() + d.size(), 0, end * (1 - 0.001 * f), columns, out);
        plain.push_back(nowMs() - t1);
    }

    // Whole frames: decimate + one replace() per series + render the view into an image. Paused,
    // with the visible range moving a little every frame (a slow pan over the whole run).
    std::size_t drawn = 0;
    auto pausedFrames = [&](std::vector<double> &frame, std::vector<double> &render) {
        for (int f = 0; f < frames; ++f) {
            panel.setXRange(0.0005 * f * end, end * (1 - 0.0005 * f));
            const double t0 = nowMs();
            panel.refresh();
            const double t1 = nowMs();
            const QImage image = panel.renderImage();
            frame.push_back(nowMs() - t0);
            render.push_back(nowMs() - t1);
            drawn = 0;
            for (QLineSeries *s : panel.shownSeries())
                drawn += std::size_t(s->count());
            if (image.isNull()) return false;
        }
        return true;
    };
    std::vector<double> frame, render;
    if (!pausedFrames(frame, render)) return 1;
    const std::size_t drawnPlain = drawn;

    // Live: every frame, the engine's delta for the last buckets arrives (8 new ones per series,
    // every metric), and the chart follows the whole run.
    std::size_t bucket = std::size_t(points) - 1; // the open bucket
    auto liveFrames = [&](std::vector<double> &live) {
        panel.setLive(true);
        for (int f = 0; f < frames; ++f) {
            TimeSeriesDelta d;
            d.bucketWidth = 10 * kMillisecond;
            d.firstBucket = bucket;
            d.rows = 9;
            d.nodeValues.resize(std::size_t(seriesCount));
            for (auto &node : d.nodeValues)
                for (int m = 0; m < kSeriesMetricCount; ++m)
                    if (!seriesMetricIsLink(SeriesMetric(m))) node[m].assign(d.rows, 500.0 + f);
            bucket += 8;
            const double t0 = nowMs();
            panel.appendDelta(d);
            panel.refresh();
            const QImage image = panel.renderImage();
            live.push_back(nowMs() - t0);
            if (image.isNull()) return false;
        }
        return true;
    };
    std::vector<double> live;
    if (!liveFrames(live)) return 1;

    // Smoothed over 1 s: the first frame smooths every series whole; later frames reuse that, and
    // a delta costs only its buckets (and one window before them).
    panel.setSmoothing(1.0);
    panel.setXRange(0, end);
    const double s0 = nowMs();
    panel.refresh();
    const double firstSmoothedMs = nowMs() - s0;
    std::vector<double> smoothedFrame, smoothedRender, smoothedLive;
    if (!pausedFrames(smoothedFrame, smoothedRender) || !liveFrames(smoothedLive)) return 1;

    std::printf("chart %dx%d px, %d columns; %zu points drawn per frame (of %lld)\n",
                panel.chartView()->viewport()->width(), panel.chartView()->viewport()->height(), columns,
                drawnPlain, static_cast<long long>(points) * seriesCount);
    std::printf(
        "charts %d series x %s points: decimate p50 %.2f ms p99 %.2f ms, frame p50 %.2f ms p99 %.2f ms "
        "(%d frames; target frame <= 16 ms)\n",
        seriesCount,
        points % 1000000 == 0 ? (std::to_string(points / 1000000) + "M").c_str()
                              : std::to_string(points).c_str(),
        percentile(decimate, 0.5), percentile(decimate, 0.99), percentile(frame, 0.5),
        percentile(frame, 0.99), frames);
    std::printf("live (a delta arrives, the chart follows the whole run): frame p50 %.2f ms p99 %.2f ms\n",
                percentile(live, 0.5), percentile(live, 0.99));
    std::printf("decimation without the index p50 %.2f ms; building the index once %.2f ms\n",
                percentile(plain, 0.5), indexMs);
    std::printf("of which rendering the view into an image: p50 %.2f ms p99 %.2f ms\n",
                percentile(render, 0.5), percentile(render, 0.99));
    std::printf(
        "smoothed over 1 s: first frame (smooths every series whole) %.2f ms; frame p50 %.2f ms p99 %.2f ms; "
        "live frame p50 %.2f ms p99 %.2f ms\n",
        firstSmoothedMs, percentile(smoothedFrame, 0.5), percentile(smoothedFrame, 0.99),
        percentile(smoothedLive, 0.5), percentile(smoothedLive, 0.99));
    Q_UNUSED(kept);
    return 0;
}
