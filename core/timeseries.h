#pragma once
// Time series for live charts: per node and per link, one row of figures per fixed-width bucket
// of virtual time. The sink runs on the engine thread like every other TraceSink; the GUI thread
// fetches what changed since its last look with take(), which never stops the engine. Memory is
// bounded: when a run outgrows `maxBuckets`, neighbouring buckets merge into wider ones (10 ms,
// 20 ms, 100 ms, 200 ms, 1 s, ...: see nextWidth()).
#include "histogram.h"
#include "logmetrics.h"
#include "node.h"
#include "topology.h"
#include "trace.h"

#include <array>
#include <cmath>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace sb {

struct PeerOverlays;

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
    // Calls (request-reply, RPC, HTTP: trace kinds Call .. Breaker).
    CallsByStatus,  // calls/s a client completed, per client and final status (a keyed series)
    CallLatencyP50, // ms, latency of the calls a client completed, per client and method (keyed)
    CallLatencyP99, // ms
    CallsInFlight,  // calls a client started and has not completed: the most during the bucket
    ServerQueue,    // requests in a server's accept queue: the most during the bucket
    Retries,        // retries and hedged attempts/s a client sent
    BreakerState,   // a client's circuit breaker: 0 closed, 1 open, 2 half-open (the worst in the bucket)
    // Logs (Kafka): the records a consumer group has yet to read, log end offset minus committed
    // offset (LogMetrics::lag), per group and partition and per group in total (keyed): the most
    // during the bucket.
    GroupLag,
    // Actors (core/nodes/actors/).
    MailboxDepth, // messages waiting in an actor's mailbox: the most at rest during the bucket
    Restarts,     // restarts/s: of an actor, ordered by its supervisor; of a supervisor, those it ordered
                  // plus its own (its parent restarting it)
    // Peer-to-peer dissemination (core/nodes/p2p/): the share of an item's overlay (PeerOverlays)
    // holding it at the end of the bucket, in percent, per item and as the mean over the items
    // originated so far (keyed): the epidemic S-curve.
    Coverage,
    LookupHops, // the mean hops of the structured-overlay lookups a node completed in the bucket
                // (Lookup events; failed lookups are not counted): Kademlia's log N
};
inline constexpr int kSeriesMetricCount = 23;
static_assert(kSeriesMetricCount <= 32, "TimeSeriesSink keeps a node's metrics as bits of a 32-bit mask");
// "throughput", "latency_p50", ..., as in CSV files.
const char *seriesMetricName(SeriesMetric m);
// "Throughput (msg/s)", ..., for axis titles.
const char *seriesMetricLabel(SeriesMetric m);
// "msg/s", "ms", "messages", "frames/s".
const char *seriesMetricUnit(SeriesMetric m);
bool seriesMetricIsLink(SeriesMetric m);
// What a keyed metric's series are per: nothing (a node or link metric), a client and a call
// status, a client and a method, or a consumer group and a partition of the topic it reads (or
// its total), or an item peers disseminate (and the mean over items). Keys appear as the run meets
// them.
enum class SeriesKeyKind : std::uint8_t { None, Status, Method, Group, Item };
SeriesKeyKind seriesMetricKey(SeriesMetric m);
inline bool seriesMetricIsKeyed(SeriesMetric m)
{
    return seriesMetricKey(m) != SeriesKeyKind::None;
}
// The target of a keyed series: a client and the status or method its calls are counted under;
// a topic and the consumer group (and partition) whose lag it is.
struct SeriesKey {
    NodeIndex node = kNoIndex; // the client or topic; kNoIndex for the key that gathers keys beyond the bound
    // statusName() ("UNAVAILABLE", "503 Service Unavailable"), the method, or the group and the
    // partition ("billing P0") or "total" ("billing total")
    std::string label;
    std::uint32_t group = kNoIndex;     // Group keys: TraceEvent::group
    std::uint32_t partition = kNoIndex; // Group keys: the partition; kNoIndex for the group's total
    std::uint64_t item = 0;             // Item keys: the item's message id; 0 for the mean over items
    bool operator==(const SeriesKey &) const = default;
};
// Whether a node of `kind` has a node metric (neither a link nor a keyed one): queues have queue
// depth, consumers latency, callers their calls, actors their mailboxes, Kademlia nodes lookup
// hops... The charts list a node for a metric when it has it, and the sink fills only those series
// (a run of 10,000 peers fills 2 of its node metrics, not all of them).
bool seriesMetricApplies(std::string_view kind, SeriesMetric m);
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
    // Calls: retries and hedges sent; calls in flight and a server's accept queue (levels, as
    // above); the breaker's worst state in the bucket and its state at the end (0, 1, 2).
    std::uint32_t retries = 0, inFlightMax = 0, inFlightLast = 0, serverQueueMax = 0, serverQueueLast = 0;
    std::uint8_t breakerWorst = 0, breakerLast = 0;
    // Actors: the mailbox (a level, as above) and restarts.
    std::uint32_t mailboxMax = 0, mailboxLast = 0, restarts = 0;
    // Structured overlays: lookups completed and their hops.
    std::uint32_t lookups = 0, lookupHops = 0;
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
    // nodeValues[node][metric][row]; empty for link and keyed metrics and for metrics the node does
    // not have (seriesMetricApplies).
    std::vector<std::array<std::vector<double>, kSeriesMetricCount>> nodeValues;
    // linkFrames[link][row], linkLosses[link][row]
    std::vector<std::vector<double>> linkFrames;
    std::vector<std::vector<double>> linkLosses;
    // Keyed series: every key met so far, in the order met (a receiver's key i stays key i), and
    // their values: callsByStatus[statusKey][row], callLatencyP50/P99[methodKey][row]. A key new
    // to a receiver had no calls before firstBucket (0 calls/s, no latency there).
    std::vector<SeriesKey> statusKeys, methodKeys;
    std::vector<std::vector<double>> callsByStatus, callLatencyP50, callLatencyP99;
    // Consumer groups' lag: groupKeys as met (a group's total, then each partition of its topic),
    // groupLag[key][row] (NaN before the group was known).
    std::vector<SeriesKey> groupKeys;
    std::vector<std::vector<double>> groupLag;
    // Coverage: itemKeys as met (the mean over items first, then each item as it is originated,
    // up to kMaxKeys), coverage[key][row] in percent (NaN before the item was originated).
    std::vector<SeriesKey> itemKeys;
    std::vector<std::vector<double>> coverage;
    // The keys of a keyed metric and its values by key (nullptr for other metrics).
    const std::vector<SeriesKey> *keys(SeriesMetric m) const;
    const std::vector<std::vector<double>> *keyedValues(SeriesMetric m) const;

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
    // The sink publishes on its own every this many events (at least; kPublishEventsPerNode per node
    // for a big topology, since a publish writes every node's figures), and whenever publish() or
    // flush() runs (the window asks at frame rate).
    static constexpr std::uint64_t kPublishEvery = 4096;
    static constexpr std::uint64_t kPublishEventsPerNode = 16;
    std::uint64_t publishEvery() const { return m_publishEvery; }
    // Keyed series (per client and status, per client and method) are bounded to this many keys
    // each; calls under keys beyond it are gathered in one more key, labelled kOtherKey.
    static constexpr std::size_t kMaxKeys = 256;
    static constexpr const char *kOtherKey = "other";
    // Coverage follows at most this many items (each costs a bit per node): later items are left
    // out of the mean too, which then says so in its label. Items beyond kMaxKeys count in the
    // mean without a key of their own.
    static constexpr std::size_t kMaxItems = 4096;

    // Which nodes are queues comes from the topology's kinds; topics (LogMetrics) give the
    // consumer groups' lag, named by consumerGroupNames().
    TimeSeriesSink(const Topology &topology, SimTime bucketWidth = kDefaultBucketWidth,
                   std::size_t maxBuckets = kDefaultMaxBuckets);
    ~TimeSeriesSink() override;

    // Consumer lag needs a queue's unacked count, which the trace does not carry: with a status
    // source (Simulation::nodeStatus, called on the engine thread) lag is ready + unacked, sampled
    // whenever a queue comes to rest after a step; without one, lag is the ready depth alone.
    using StatusSource = std::function<NodeStatus(NodeIndex)>;
    void setStatusSource(StatusSource source) { m_status = std::move(source); }

    // Engine thread.
    void onEvent(const TraceEvent &e) override;
    // A call's request comes just before its Call event: its routing key is the method.
    void onMessage(const Message &m) override;
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
    const std::vector<SeriesKey> &statusKeys() const { return m_statusKeys; }
    const std::vector<SeriesKey> &methodKeys() const { return m_methodKeys; }
    // Calls completed under status key `key`, per bucket; latency of those under method key `key`.
    const std::vector<std::uint32_t> &statusBuckets(std::size_t key) const { return m_statusCounts[key]; }
    const std::vector<SparseLatency> &methodBuckets(std::size_t key) const { return m_methodLatency[key]; }
    const std::vector<SeriesKey> &groupKeys() const { return m_groupKeys; }
    const std::vector<SeriesKey> &itemKeys() const { return m_itemKeys; }
    // Items being followed for coverage (bounded by kMaxItems).
    std::size_t itemsTracked() const { return m_items.size(); }
    // Calls whose method is remembered until they complete (bounded by the calls in flight).
    std::size_t callsTracked() const { return m_callMethod.size(); }
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
    void recordCall(const TraceEvent &e, std::size_t bucket);
    // Feeds the log figures and sets the lag of the keys the event changes.
    void recordLag(const TraceEvent &e, std::size_t bucket);
    // The first key of group `group` (its total; its partitions follow), added once the group's
    // topic is known; SIZE_MAX before.
    std::size_t groupKey(std::uint32_t group);
    void setLag(std::size_t key, std::size_t bucket, double lag);
    void setMailbox(NodeIndex node, std::size_t bucket, std::uint32_t depth);
    void setCoverage(std::size_t key, std::size_t bucket, double percent);
    // Coverage: an item originated or learned at a peer.
    void recordCoverage(const TraceEvent &e, std::size_t bucket);
    // The index of a key, added (with empty buckets) when new; the "other" key beyond kMaxKeys.
    std::size_t statusKey(NodeIndex node, std::uint16_t status);
    std::size_t methodKey(NodeIndex node, const std::string &method);
    void fill(TimeSeriesDelta &d, std::size_t first) const;

    std::vector<std::uint32_t> m_applies; // per node: bit m set when seriesMetricApplies
    std::vector<bool> m_isQueue;
    std::vector<bool> m_isServer; // takes calls (an input port of the call protocol)
    std::vector<std::vector<SeriesBucket>> m_nodes;
    std::vector<std::vector<std::uint32_t>> m_links;
    std::vector<std::vector<std::uint32_t>> m_linkLosses;
    std::vector<std::uint32_t> m_ready;    // last known ready depth per node (queues)
    std::vector<std::uint32_t> m_inFlight; // calls started and not completed, per node
    // Keyed series, each key's buckets as long as the nodes'.
    std::vector<SeriesKey> m_statusKeys, m_methodKeys;
    std::vector<std::vector<std::uint32_t>> m_statusCounts;
    std::vector<std::vector<SparseLatency>> m_methodLatency;
    std::map<std::pair<NodeIndex, std::uint16_t>, std::size_t> m_statusIndex;
    std::map<std::pair<NodeIndex, std::string>, std::size_t> m_methodIndex;
    // The request announced last (its id and method), and each call in flight's method key.
    std::uint64_t m_lastRequest = 0;
    std::string m_lastMethod;
    std::unordered_map<std::uint64_t, std::size_t> m_callMethod;
    // Consumer groups' lag: the log figures from the trace (null without a topic), each group's
    // first key, and per key and bucket the most lag and the lag at the end (NaN: not known yet).
    struct LagBucket {
        double max = std::numeric_limits<double>::quiet_NaN();
        double last = std::numeric_limits<double>::quiet_NaN();
    };
    std::unique_ptr<LogMetrics> m_logs;
    std::vector<std::string> m_groupNames;
    std::vector<SeriesKey> m_groupKeys;
    std::map<std::uint32_t, std::size_t> m_groupFirstKey;
    std::vector<std::vector<LagBucket>> m_groupLag;
    // Coverage (peer nodes only): the overlays, each item followed (its key, population and the
    // peers holding it), and per key and bucket the coverage (LagBucket: most and last, percent).
    struct Item {
        std::size_t key = SIZE_MAX; // SIZE_MAX: beyond kMaxKeys, counted in the mean only
        std::uint32_t population = 0, learned = 0;
        std::vector<bool> has; // by node
    };
    std::unique_ptr<PeerOverlays> m_overlays;
    std::unordered_map<std::uint64_t, std::size_t> m_itemIndex;
    std::vector<Item> m_items;
    double m_coverageSum = 0; // the sum of the items' coverage fractions
    std::vector<SeriesKey> m_itemKeys;
    std::vector<std::vector<LagBucket>> m_coverage;
    // Actors: which nodes have a mailbox (sampled at rest, as queues' lag).
    std::vector<bool> m_isActor;
    SimTime m_width;
    std::size_t m_maxBuckets;
    std::size_t m_count = 0;
    StatusSource m_status;
    NodeIndex m_lagPending = kNoIndex; // a queue whose lag is sampled when it comes to rest
    SimTime m_lagTime = 0;
    std::uint64_t m_sincePublish = 0;
    std::uint64_t m_publishEvery = kPublishEvery;
    std::size_t m_dirtyFrom = 0; // first bucket changed since the last publish
    bool m_widthChanged = false; // since the last publish

    std::mutex m_mutex;
    std::shared_ptr<TimeSeriesDelta> m_pending; // guarded by m_mutex
};

} // namespace sb
