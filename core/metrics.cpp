#include "metrics.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>

namespace sb {

std::uint64_t NodeCounters::totalDrops() const
{
    std::uint64_t n = 0;
    for (auto d : drops)
        n += d;
    return n - drops[static_cast<int>(DropReason::UnknownTag)];
}

void countNodeEvent(NodeCounters &n, const TraceEvent &e)
{
    switch (e.kind) {
    case TraceKind::Publish:
        ++n.published;
        break;
    case TraceKind::Send:
        ++n.framesSent;
        if (e.frame == FrameType::Nack) ++n.failed;
        break;
    case TraceKind::Route:
        ++n.routed;
        break;
    case TraceKind::Enqueue:
        ++n.enqueued;
        n.maxDepth = std::max<std::uint64_t>(n.maxDepth, static_cast<std::uint64_t>(e.aux));
        break;
    case TraceKind::Deliver:
        ++n.delivered;
        break;
    case TraceKind::Redeliver:
        ++n.delivered;
        ++n.redelivered;
        break;
    case TraceKind::Ack:
        ++(e.reason == DropReason::UnknownTag ? n.unknownTags : n.acked);
        break;
    case TraceKind::Nack:
        ++(e.reason == DropReason::UnknownTag ? n.unknownTags : n.nacked);
        break;
    case TraceKind::Requeue:
        ++n.requeued;
        break;
    case TraceKind::Process:
        ++n.processed;
        break;
    case TraceKind::Dedupe:
        ++n.deduplicated;
        break;
    case TraceKind::Confirm:
        ++n.confirmed;
        break;
    case TraceKind::Drop:
        // Frames lost in the network belong to the link, not to the node that sent them.
        if (e.link != kNoIndex) break;
        if (e.reason == DropReason::ProcessingFailed) ++n.failed;
        ++n.drops[static_cast<int>(e.reason)];
        break;
    case TraceKind::Expire:
        ++n.expired;
        break;
    case TraceKind::DeadLetter:
        ++n.deadLettered;
        ++n.deadLetters[static_cast<int>(e.reason)];
        break;
    case TraceKind::Timeout:
        ++n.timeouts;
        break;
    case TraceKind::Retry:
        ++n.retries;
        break;
    default:
        break;
    }
}

Metrics::Metrics(std::size_t nodes, std::size_t links, SimTime bucketWidth, std::size_t maxBuckets)
    : m_nodes(nodes), m_links(links), m_nodeLatency(nodes), m_nodeBuckets(nodes), m_linkBuckets(links),
      m_linkInFlightDelta(links), m_bucketWidth(std::max<SimTime>(bucketWidth, 1)),
      m_maxBuckets(std::max<std::size_t>(maxBuckets, 2))
{
}

void Metrics::halveResolution()
{
    auto mergeNode = [](std::vector<NodeBucket> &v) {
        const std::size_t n = (v.size() + 1) / 2;
        for (std::size_t i = 0; i < n; ++i) {
            NodeBucket a = v[2 * i];
            if (2 * i + 1 < v.size()) {
                const NodeBucket &b = v[2 * i + 1];
                a.throughput += b.throughput;
                a.drops += b.drops;
                a.redeliveries += b.redeliveries;
                a.depthMax = std::max(a.depthMax, b.depthMax);
                a.latencyCount += b.latencyCount;
                a.latencyMax = std::max(a.latencyMax, b.latencyMax);
                a.latencySum += b.latencySum;
            }
            v[i] = a;
        }
        v.resize(n);
    };
    for (auto &v : m_nodeBuckets)
        mergeNode(v);
    auto mergeSum = [](auto &v) {
        const std::size_t n = (v.size() + 1) / 2;
        for (std::size_t i = 0; i < n; ++i)
            v[i] = v[2 * i] + (2 * i + 1 < v.size() ? v[2 * i + 1] : 0);
        v.resize(n);
    };
    for (auto &v : m_linkBuckets)
        mergeSum(v);
    for (auto &v : m_linkInFlightDelta)
        mergeSum(v);
    m_bucketWidth *= 2;
    m_bucketCount = (m_bucketCount + 1) / 2;
}

std::size_t Metrics::bucketIndex(SimTime t)
{
    auto idx = static_cast<std::size_t>(std::max<SimTime>(t, 0) / m_bucketWidth);
    while (idx >= m_maxBuckets) {
        halveResolution();
        idx = static_cast<std::size_t>(std::max<SimTime>(t, 0) / m_bucketWidth);
    }
    if (idx >= m_bucketCount) {
        m_bucketCount = idx + 1;
        for (auto &v : m_nodeBuckets)
            v.resize(m_bucketCount);
        for (auto &v : m_linkBuckets)
            v.resize(m_bucketCount);
        for (auto &v : m_linkInFlightDelta)
            v.resize(m_bucketCount);
    }
    return idx;
}

void Metrics::onEvent(const TraceEvent &e)
{
    ++m_traceEvents;
    if (e.kind == TraceKind::LinkDown || e.kind == TraceKind::LinkUp || e.kind == TraceKind::LinkChange)
        return;
    // For a Send, the arrival bucket is looked up first because it may grow or coarsen the buckets;
    // the send's own bucket (never later) is then final.
    const std::size_t arrival = e.kind == TraceKind::Send ? bucketIndex(e.aux) : 0;
    const std::size_t b = bucketIndex(e.time);
    if (e.kind == TraceKind::Send && e.link < m_links.size()) {
        // +1 when sent, -1 when it arrives: the running sum is what is in flight at the end of a bucket.
        ++m_linkInFlightDelta[e.link][b];
        --m_linkInFlightDelta[e.link][arrival];
    }
    if (e.node == kNoIndex || e.node >= m_nodes.size()) return;
    NodeCounters &n = m_nodes[e.node];
    countNodeEvent(n, e);
    NodeBucket &nb = m_nodeBuckets[e.node][b];
    switch (e.kind) {
    case TraceKind::Publish:
    case TraceKind::Route:
        ++nb.throughput;
        break;
    case TraceKind::Send:
        if (e.link < m_links.size()) {
            ++m_links[e.link].frames;
            ++m_links[e.link].byFrame[static_cast<int>(e.frame)];
            ++m_linkBuckets[e.link][b];
        }
        break;
    case TraceKind::Enqueue:
        ++nb.throughput;
        nb.depthMax = std::max<std::uint32_t>(nb.depthMax, static_cast<std::uint32_t>(e.aux));
        break;
    case TraceKind::Redeliver:
        ++nb.redeliveries;
        break;
    case TraceKind::Requeue:
        nb.depthMax = std::max<std::uint32_t>(nb.depthMax, static_cast<std::uint32_t>(e.aux));
        break;
    case TraceKind::Process:
        ++nb.throughput;
        m_latency.record(e.aux);
        if (!m_nodeLatency[e.node]) m_nodeLatency[e.node] = std::make_unique<LatencyHistogram>();
        m_nodeLatency[e.node]->record(e.aux);
        ++nb.latencyCount;
        nb.latencySum += static_cast<double>(e.aux);
        nb.latencyMax = std::max(nb.latencyMax, e.aux);
        break;
    case TraceKind::Drop:
        if (e.link != kNoIndex) {
            // Frames lost in the network belong to the link, not to the node that sent them.
            if (e.link < m_links.size()) {
                auto &l = m_links[e.link];
                switch (e.reason) {
                case DropReason::Loss:
                    ++l.lost;
                    break;
                case DropReason::Crash:
                    ++l.crashed;
                    break;
                case DropReason::Corrupt:
                    ++l.corrupted;
                    break;
                case DropReason::Injected:
                    ++l.injected;
                    break;
                default:
                    ++l.partitioned;
                    break;
                }
            }
            break;
        }
        ++nb.drops;
        break;
    default:
        break;
    }
}

std::vector<std::int64_t> Metrics::linkInFlight(LinkIndex link) const
{
    std::vector<std::int64_t> out(m_bucketCount, 0);
    std::int64_t level = 0;
    for (std::size_t b = 0; b < m_bucketCount && b < m_linkInFlightDelta[link].size(); ++b) {
        level += m_linkInFlightDelta[link][b];
        out[b] = level;
    }
    return out;
}

bool Metrics::writeCsv(const std::string &path, const std::vector<std::string> &nodeIds,
                       const std::vector<std::string> &linkIds, std::string &error) const
{
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    if (!out) {
        error = path + ": cannot write (" + std::strerror(errno) + ")";
        return false;
    }
    out << "time_ms,target,id,throughput_per_s,drops,redeliveries,depth_max,latency_mean_ms,latency_max_ms,"
           "in_flight\n";
    std::vector<std::vector<std::int64_t>> inFlight;
    for (std::size_t i = 0; i < m_linkBuckets.size(); ++i)
        inFlight.push_back(linkInFlight(static_cast<LinkIndex>(i)));
    const double perSecond = 1e9 / static_cast<double>(m_bucketWidth);
    for (std::size_t b = 0; b < m_bucketCount; ++b) {
        const double t = toMilliseconds(static_cast<SimTime>(b) * m_bucketWidth);
        for (std::size_t i = 0; i < m_nodeBuckets.size(); ++i) {
            const NodeBucket &nb = m_nodeBuckets[i][b];
            out << t << ",node," << (i < nodeIds.size() ? nodeIds[i] : std::to_string(i)) << ','
                << nb.throughput * perSecond << ',' << nb.drops << ',' << nb.redeliveries << ','
                << nb.depthMax << ',';
            if (nb.latencyCount)
                out << toMilliseconds(static_cast<SimTime>(nb.latencySum / nb.latencyCount)) << ','
                    << toMilliseconds(nb.latencyMax);
            else
                out << ',';
            out << ",\n";
        }
        for (std::size_t i = 0; i < m_linkBuckets.size(); ++i)
            out << t << ",link," << (i < linkIds.size() ? linkIds[i] : std::to_string(i)) << ','
                << m_linkBuckets[i][b] * perSecond << ",,,,,," << inFlight[i][b] << "\n";
    }
    out.flush();
    if (!out) {
        error = path + ": writing failed (disk full?)";
        return false;
    }
    return true;
}

} // namespace sb
