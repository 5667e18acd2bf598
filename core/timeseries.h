#pragma once
// Time series for live charts: per node and per link, one row of figures per fixed-width bucket
// of virtual time. The sink runs on the engine thread like every other TraceSink; the GUI thread
// fetches what changed since its last look with take(), which never stops the engine. Memory is
// bounded: when a run outgrows `maxBuckets`, neighbouring buckets merge into wider ones (10 ms,
// 20 ms, 100 ms, 200 ms, 1 s, ...: see nextWidth()).
#include "histogram.h"
#include "node.h"
#include "topology.h"
#include "trace.h"

#include <array>
#include <cmath>
#include <functional>
#include <limits>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace sb {

// What a chart can show. Rates are per second of virtual time so that they stay comparable when
// the bucket width grows; latency is in milliseconds; depth and lag are in messages.
enum class SeriesMetric : std::uint8_t {
    Throughput,  // msg/s: producer published, exchange routed, queue enqueued, consumer processed
    LatencyP50,  // ms, end-to-end latency of the messages a consumer processed in the bucket
    LatencyP99,  // ms
    LatencyMax,  // ms
    QueueDepth,  // messages ready in a queue: the most during the bucket
    ConsumerLag, // messages a queue holds for its consumers, ready + unacked: the most during the bucket
    Drops,       // msg/s lost at or from the node: discarded by it, or a message frame it sent lost on a link
    Redeliveries, // redeliveries/s by a queue
    DeadLetters,  // dead letters/s: messages a queue sent to its dead-letter target
    LinkFrames,   // frames/s that entered a link (a duplicate counts twice)
    LinkLosses,   // frames/s a link lost: to its loss probability, a partition or a crashed receiver
};
inline constexpr int kSeriesMetricCount = 11;
// "throughput", "latency_p50", ..., as in CSV files.
const char *seriesMetricName(SeriesMetric m);
// "Throughput (msg/s)", ..., for axis titles.
const char *seriesMetricLabel(SeriesMetric m);
// "msg/s", "ms", "messages", "frames/s".
const char *seriesMetricUnit(SeriesMetric m);
bool seriesMetricIsLink(SeriesMetric m);
// Whether a metric is a count per second (throughput, drops, ...), which a chart may show over a
// wider window by summing buckets, as opposed to a level (depth, lag) or a latency.
bool seriesMetricIsRate(SeriesMetric m);
// Whether a lost frame of this type carried a message (a publish or a delivery), so that losing it
// loses the message, as opposed to an ack, a confirm or a pull.
bool frameCarriesMessage(FrameType t);

// A latency histogram for one bucket: the non-empty bins of LatencyHistogram's layout only, so a
// bucket costs a few dozen bytes rather than 30 KiB while quantiles come out exactly as
// LatencyHistogram reports them for the same values.
class SparseLatency {
public:
    void record(std::int64_t value);
    void merge(const SparseLatency &other);
    std::uint64_t count() const { return m_count; }
    std::int64_t max() const { return m_count ? m_max : 0; }
    // As LatencyHistogram::quantile.
    std::int64_t quantile(double q) const;

private:
    std::vector<std::pair<std::uint32_t, std::uint32_t>> m_bins; // (LatencyHistogram bucket, count), sorted
    std::uint64_t m_count = 0;
    std::int64_t m_min = 0, m_max = 0;
};

// One node in one bucket, as accumulated on the engine thread.
struct SeriesBucket {
    std::uint32_t throughput = 0, drops = 0, redeliveries = 0, deadLetters = 0;
    // Levels: the most during the bucket (including the level carried in) and the level at its end.
    std::uint32_t depthMax = 0, depthLast = 0, lagMax = 0, lagLast = 0;
    SparseLatency latency;
};

// What changed since the last take(): for buckets firstBucket .. firstBucket + rows - 1, one value
// per node and metric (node metrics) and per link (link frames and losses). NaN where a bucket has no value
// (latency in a bucket where nothing was processed). A receiver keeps its buckets before
// firstBucket and replaces the rest with these; replaceAll says the width changed, so it keeps none.
struct TimeSeriesDelta {
    SimTime bucketWidth = 0;
    std::size_t firstBucket = 0;
    std::size_t rows = 0;
    bool replaceAll = false;
    // nodeValues[node][metric][row]; link metrics are empty here.
    std::vector<std::array<std::vector<double>, kSeriesMetricCount>> nodeValues;
    // linkFrames[link][row], linkLosses[link][row]
    std::vector<std::vector<double>> linkFrames;
    std::vector<std::vector<double>> linkLosses;

    double time(std::size_t row) const // start of a row's bucket, in virtual seconds
    {
        return toSeconds(static_cast<SimTime>(firstBucket + row) * bucketWidth);
    }
    bool empty() const { return rows == 0 && !replaceAll; }
};

class TimeSeriesSink final : public TraceSink {
public:
    static constexpr SimTime kDefaultBucketWidth = 10 * kMillisecond;
    static constexpr std::size_t kDefaultMaxBuckets = 16384;
    // The sink publishes on its own every this many events, and whenever publish() or flush() runs.
    static constexpr std::uint64_t kPublishEvery = 4096;

    // Which nodes are queues comes from the topology's kinds.
    TimeSeriesSink(const Topology &topology, SimTime bucketWidth = kDefaultBucketWidth,
                   std::size_t maxBuckets = kDefaultMaxBuckets);

    // Consumer lag needs a queue's unacked count, which the trace does not carry: with a status
    // source (Simulation::nodeStatus, called on the engine thread) lag is ready + unacked, sampled
    // whenever a queue comes to rest after a step; without one, lag is the ready depth alone.
    using StatusSource = std::function<NodeStatus(NodeIndex)>;
    void setStatusSource(StatusSource source) { m_status = std::move(source); }

    // Engine thread.
    void onEvent(const TraceEvent &e) override;
    void flush() override { publish(); }
    // Hands what changed since the last publish to take(). Engine thread (for instance from
    // Simulation::post), or any thread once the run has stopped.
    void publish();

    // Any thread: what was published since the last take(); empty when nothing was.
    std::shared_ptr<TimeSeriesDelta> take();

    // Engine thread, or after the run: everything, as one delta with replaceAll set.
    std::shared_ptr<TimeSeriesDelta> snapshot() const;
    SimTime bucketWidth() const { return m_width; }
    std::size_t bucketCount() const { return m_count; }
    const std::vector<SeriesBucket> &buckets(NodeIndex node) const { return m_nodes[node]; }
    // Frames that entered the link, per bucket.
    const std::vector<std::uint32_t> &linkBuckets(LinkIndex link) const { return m_links[link]; }
    // Frames the link lost, per bucket.
    const std::vector<std::uint32_t> &linkLossBuckets(LinkIndex link) const { return m_linkLosses[link]; }
    // The value a delta carries for a node bucket.
    double value(const SeriesBucket &b, SeriesMetric m) const;
    // The width buckets merge into after `width`: twice it, or five times a width of 2 x 10^k ns,
    // so that from 10 ms the widths are 20 ms, 100 ms, 200 ms, 1 s, 2 s, 10 s...: each divides
    // the wider of the chart's rate windows (10 ms, 100 ms, 1 s, 10 s, 1 min...).
    static SimTime nextWidth(SimTime width);

private:
    std::size_t bucketIndex(SimTime t);
    void coarsen(); // merges neighbouring buckets into buckets nextWidth() wide
    void record(const TraceEvent &e, std::size_t bucket);
    void sampleLag();
    void publishChanges();
    void setLevel(NodeIndex node, std::size_t bucket, std::uint32_t depth, bool isDepth);
    void fill(TimeSeriesDelta &d, std::size_t first) const;

    std::vector<bool> m_isQueue;
    std::vector<std::vector<SeriesBucket>> m_nodes;
    std::vector<std::vector<std::uint32_t>> m_links;
    std::vector<std::vector<std::uint32_t>> m_linkLosses;
    std::vector<std::uint32_t> m_ready; // last known ready depth per node (queues)
    SimTime m_width;
    std::size_t m_maxBuckets;
    std::size_t m_count = 0;
    StatusSource m_status;
    NodeIndex m_lagPending = kNoIndex; // a queue whose lag is sampled when it comes to rest
    SimTime m_lagTime = 0;
    std::uint64_t m_sincePublish = 0;
    std::size_t m_dirtyFrom = 0; // first bucket changed since the last publish
    bool m_widthChanged = false; // since the last publish

    std::mutex m_mutex;
    std::shared_ptr<TimeSeriesDelta> m_pending; // guarded by m_mutex
};

} // namespace sb
