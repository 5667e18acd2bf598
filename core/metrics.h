#pragma once
// Per-node and per-link metrics computed from the trace: counts, throughput per time bucket,
// end-to-end latency histograms, queue depth over time. Memory is bounded: when a run outgrows
// `maxBuckets`, neighbouring buckets merge and the bucket width doubles.
#include "histogram.h"
#include "trace.h"

#include <memory>
#include <string>
#include <vector>

namespace sb {

struct NodeCounters {
    std::uint64_t published = 0, routed = 0, enqueued = 0, delivered = 0, redelivered = 0, acked = 0,
                  nacked = 0, requeued = 0, processed = 0, deduplicated = 0, confirmed = 0, timeouts = 0,
                  retries = 0, deadLettered = 0, expired = 0, unknownTags = 0, framesSent = 0, failed = 0;
    std::uint64_t drops[kDropReasonCount] = {};
    std::uint64_t deadLetters[kDropReasonCount] = {}; // why messages were dead-lettered
    std::uint64_t maxDepth = 0;
    std::uint64_t totalDrops() const; // node drops; frames lost on links are the links'
    friend bool operator==(const NodeCounters &, const NodeCounters &) = default;
};

// The counting rules of a node's counters: what one trace event at node `e.node` adds. Metrics
// (the run's figures) and LiveStats (the live badges) both count with it, so they always agree.
void countNodeEvent(NodeCounters &n, const TraceEvent &e);

struct LinkCounters {
    std::uint64_t frames = 0;      // frames that entered the link (a duplicate counts twice)
    std::uint64_t lost = 0;        // lost to the loss probability (or a loss / burst-loss fault)
    std::uint64_t partitioned = 0; // sent or arriving while the link was down
    std::uint64_t crashed = 0;     // arriving at a crashed node
    std::uint64_t corrupted = 0;   // corrupted by a fault, rejected by the receiver
    std::uint64_t injected = 0;    // dropped by a message-aware fault (drop-first, drop-every, match)
    std::uint64_t byFrame[kFrameTypeCount] = {};
};

struct NodeBucket {
    std::uint32_t throughput =
        0; // producer: published; exchange: routed; queue: enqueued; consumer: processed
    std::uint32_t drops = 0;
    std::uint32_t redeliveries = 0;
    std::uint32_t depthMax = 0;
    std::uint32_t latencyCount = 0;
    std::int64_t latencyMax = 0;
    double latencySum = 0;
};

class Metrics final : public TraceSink {
public:
    Metrics(std::size_t nodes, std::size_t links, SimTime bucketWidth = 100 * kMillisecond,
            std::size_t maxBuckets = 4096);
    void onEvent(const TraceEvent &e) override;

    // Trace events seen: what an event log or an --events file lists, one per step of a message.
    std::uint64_t traceEvents() const { return m_traceEvents; }
    const NodeCounters &node(NodeIndex i) const { return m_nodes[i]; }
    const LinkCounters &link(LinkIndex i) const { return m_links[i]; }
    // End-to-end latency (publish to processed), over all consumers or one.
    const LatencyHistogram &latency() const { return m_latency; }
    const LatencyHistogram *latency(NodeIndex consumer) const { return m_nodeLatency[consumer].get(); }
    SimTime bucketWidth() const { return m_bucketWidth; }
    std::size_t bucketCount() const { return m_bucketCount; }
    const std::vector<NodeBucket> &buckets(NodeIndex node) const { return m_nodeBuckets[node]; }
    const std::vector<std::uint32_t> &linkBuckets(LinkIndex link) const { return m_linkBuckets[link]; }
    // Frames in flight on a link at the end of each bucket.
    std::vector<std::int64_t> linkInFlight(LinkIndex link) const;

    // One row per bucket and node/link: time_ms,target,id,throughput,drops,redeliveries,depth_max,...
    bool writeCsv(const std::string &path, const std::vector<std::string> &nodeIds,
                  const std::vector<std::string> &linkIds, std::string &error) const;

private:
    std::size_t bucketIndex(SimTime t);
    void halveResolution();

    std::vector<NodeCounters> m_nodes;
    std::vector<LinkCounters> m_links;
    std::vector<std::unique_ptr<LatencyHistogram>> m_nodeLatency;
    LatencyHistogram m_latency;
    std::vector<std::vector<NodeBucket>> m_nodeBuckets;
    std::vector<std::vector<std::uint32_t>> m_linkBuckets;
    std::vector<std::vector<std::int32_t>> m_linkInFlightDelta; // +1 at send, -1 at arrival
    SimTime m_bucketWidth;
    std::size_t m_maxBuckets;
    std::size_t m_bucketCount = 0;
    std::uint64_t m_traceEvents = 0;
};

} // namespace sb
