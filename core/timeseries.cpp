#include "timeseries.h"

#include "callstatus.h"
#include "p2pchecker.h"
#include "schema.h"

#include <algorithm>

namespace sb {

const char *seriesMetricName(SeriesMetric m)
{
    switch (m) {
    case SeriesMetric::Throughput:
        return "throughput";
    case SeriesMetric::LatencyP50:
        return "latency_p50";
    case SeriesMetric::LatencyP99:
        return "latency_p99";
    case SeriesMetric::LatencyMax:
        return "latency_max";
    case SeriesMetric::QueueDepth:
        return "queue_depth";
    case SeriesMetric::ConsumerLag:
        return "consumer_lag";
    case SeriesMetric::Drops:
        return "drops";
    case SeriesMetric::Redeliveries:
        return "redeliveries";
    case SeriesMetric::DeadLetters:
        return "dead_letters";
    case SeriesMetric::LinkFrames:
        return "link_frames";
    case SeriesMetric::LinkLosses:
        return "link_losses";
    case SeriesMetric::CallsByStatus:
        return "calls_by_status";
    case SeriesMetric::CallLatencyP50:
        return "call_latency_p50";
    case SeriesMetric::CallLatencyP99:
        return "call_latency_p99";
    case SeriesMetric::CallsInFlight:
        return "calls_in_flight";
    case SeriesMetric::ServerQueue:
        return "server_queue";
    case SeriesMetric::Retries:
        return "retries";
    case SeriesMetric::BreakerState:
        return "breaker_state";
    case SeriesMetric::GroupLag:
        return "group_lag";
    case SeriesMetric::MailboxDepth:
        return "mailbox_depth";
    case SeriesMetric::Restarts:
        return "restarts";
    case SeriesMetric::Coverage:
        return "coverage";
    case SeriesMetric::LookupHops:
        return "lookup_hops";
    }
    return "?";
}

const char *seriesMetricLabel(SeriesMetric m)
{
    switch (m) {
    case SeriesMetric::Throughput:
        return "Throughput (msg/s)";
    case SeriesMetric::LatencyP50:
        return "Latency p50 (ms)";
    case SeriesMetric::LatencyP99:
        return "Latency p99 (ms)";
    case SeriesMetric::LatencyMax:
        return "Latency max (ms)";
    case SeriesMetric::QueueDepth:
        return "Queue depth (messages)";
    case SeriesMetric::ConsumerLag:
        return "Consumer lag (messages)";
    case SeriesMetric::Drops:
        return "Drops (msg/s)";
    case SeriesMetric::Redeliveries:
        return "Redeliveries (msg/s)";
    case SeriesMetric::DeadLetters:
        return "Dead letters (msg/s)";
    case SeriesMetric::LinkFrames:
        return "Link frames (frames/s)";
    case SeriesMetric::LinkLosses:
        return "Link losses (frames/s)";
    case SeriesMetric::CallsByStatus:
        return "Calls by status (calls/s)";
    case SeriesMetric::CallLatencyP50:
        return "Call latency p50 by method (ms)";
    case SeriesMetric::CallLatencyP99:
        return "Call latency p99 by method (ms)";
    case SeriesMetric::CallsInFlight:
        return "Calls in flight (calls)";
    case SeriesMetric::ServerQueue:
        return "Server queue (requests)";
    case SeriesMetric::Retries:
        return "Retries and hedges (attempts/s)";
    case SeriesMetric::BreakerState:
        return "Circuit breaker (0 closed, 1 open, 2 half-open)";
    case SeriesMetric::GroupLag:
        return "Consumer group lag (records)";
    case SeriesMetric::MailboxDepth:
        return "Mailbox depth (messages)";
    case SeriesMetric::Restarts:
        return "Actor restarts (restarts/s)";
    case SeriesMetric::Coverage:
        return "Coverage (% of peers)";
    case SeriesMetric::LookupHops:
        return "Lookup hops (mean)";
    }
    return "?";
}

const char *seriesMetricUnit(SeriesMetric m)
{
    switch (m) {
    case SeriesMetric::Throughput:
    case SeriesMetric::Drops:
    case SeriesMetric::Redeliveries:
    case SeriesMetric::DeadLetters:
        return "msg/s";
    case SeriesMetric::LatencyP50:
    case SeriesMetric::LatencyP99:
    case SeriesMetric::LatencyMax:
        return "ms";
    case SeriesMetric::QueueDepth:
    case SeriesMetric::ConsumerLag:
        return "messages";
    case SeriesMetric::LinkFrames:
    case SeriesMetric::LinkLosses:
        return "frames/s";
    case SeriesMetric::CallsByStatus:
        return "calls/s";
    case SeriesMetric::CallLatencyP50:
    case SeriesMetric::CallLatencyP99:
        return "ms";
    case SeriesMetric::CallsInFlight:
        return "calls";
    case SeriesMetric::ServerQueue:
        return "requests";
    case SeriesMetric::Retries:
        return "attempts/s";
    case SeriesMetric::BreakerState:
        return "state";
    case SeriesMetric::GroupLag:
        return "records";
    case SeriesMetric::MailboxDepth:
        return "messages";
    case SeriesMetric::Restarts:
        return "restarts/s";
    case SeriesMetric::Coverage:
        return "% of peers";
    case SeriesMetric::LookupHops:
        return "hops";
    }
    return "";
}

bool seriesMetricIsLink(SeriesMetric m)
{
    return m == SeriesMetric::LinkFrames || m == SeriesMetric::LinkLosses;
}

SeriesKeyKind seriesMetricKey(SeriesMetric m)
{
    switch (m) {
    case SeriesMetric::CallsByStatus:
        return SeriesKeyKind::Status;
    case SeriesMetric::CallLatencyP50:
    case SeriesMetric::CallLatencyP99:
        return SeriesKeyKind::Method;
    case SeriesMetric::GroupLag:
        return SeriesKeyKind::Group;
    case SeriesMetric::Coverage:
        return SeriesKeyKind::Item;
    default:
        return SeriesKeyKind::None;
    }
}

const std::vector<SeriesKey> *TimeSeriesDelta::keys(SeriesMetric m) const
{
    switch (seriesMetricKey(m)) {
    case SeriesKeyKind::Status:
        return &statusKeys;
    case SeriesKeyKind::Method:
        return &methodKeys;
    case SeriesKeyKind::Group:
        return &groupKeys;
    case SeriesKeyKind::Item:
        return &itemKeys;
    case SeriesKeyKind::None:
        break;
    }
    return nullptr;
}

const std::vector<std::vector<double>> *TimeSeriesDelta::keyedValues(SeriesMetric m) const
{
    switch (m) {
    case SeriesMetric::CallsByStatus:
        return &callsByStatus;
    case SeriesMetric::CallLatencyP50:
        return &callLatencyP50;
    case SeriesMetric::CallLatencyP99:
        return &callLatencyP99;
    case SeriesMetric::GroupLag:
        return &groupLag;
    case SeriesMetric::Coverage:
        return &coverage;
    default:
        return nullptr;
    }
}

namespace {

// Whether a kind has a port of the call protocol in `direction`: a caller (out) or a server (in).
bool hasCallPort(std::string_view kind, PortDirection direction)
{
    const NodeKindSpec *spec = KindRegistry::builtin().find(std::string(kind));
    return spec && std::any_of(spec->ports.begin(), spec->ports.end(), [&](const PortSpec &p) {
               return p.direction == direction && p.protocol == Protocol::Call;
           });
}

} // namespace

bool seriesMetricApplies(std::string_view kind, SeriesMetric metric)
{
    // Kinds that only call or serve (RPC, HTTP) publish, route, enqueue and process nothing: their
    // throughput would be a flat zero. Their calls have figures of their own. (A server's optional
    // events port, an event per call served, does not make it a messaging node: what it publishes
    // is counted where it is queued and processed.)
    const auto callsOnly = [&kind] {
        const NodeKindSpec *spec = KindRegistry::builtin().find(std::string(kind));
        return spec && !spec->ports.empty() &&
               std::all_of(spec->ports.begin(), spec->ports.end(), [](const PortSpec &p) {
                   return p.protocol == Protocol::Call ||
                          (p.protocol == Protocol::Publish && p.direction == PortDirection::Out &&
                           p.need == PortSpec::Need::Optional);
               });
    };
    if (metric == SeriesMetric::Throughput && callsOnly()) return false;
    switch (metric) {
    case SeriesMetric::CallsByStatus:
    case SeriesMetric::CallLatencyP50:
    case SeriesMetric::CallLatencyP99:
    case SeriesMetric::CallsInFlight:
    case SeriesMetric::Retries:
    case SeriesMetric::BreakerState:
        return hasCallPort(kind, PortDirection::Out);
    case SeriesMetric::ServerQueue:
        return hasCallPort(kind, PortDirection::In);
    case SeriesMetric::Throughput:
    case SeriesMetric::Drops:
        return kind != "link";
    case SeriesMetric::LatencyP50:
    case SeriesMetric::LatencyP99:
    case SeriesMetric::LatencyMax:
        return kind == "consumer";
    case SeriesMetric::QueueDepth:
    case SeriesMetric::ConsumerLag:
    case SeriesMetric::Redeliveries:
    case SeriesMetric::DeadLetters:
        return kind == "queue";
    case SeriesMetric::LinkFrames:
    case SeriesMetric::LinkLosses:
        return kind == "link";
    case SeriesMetric::MailboxDepth:
        return kind == "actor";
    case SeriesMetric::Restarts:
        return kind == "actor" || kind == "supervisor";
    case SeriesMetric::LookupHops:
        return kind == "kademlia-node";
    case SeriesMetric::GroupLag:
    case SeriesMetric::Coverage:
        return false; // per group and partition, per item: not per node
    }
    return false;
}

bool seriesMetricIsRate(SeriesMetric m)
{
    switch (m) {
    case SeriesMetric::CallsByStatus:
    case SeriesMetric::Retries:
    case SeriesMetric::Throughput:
    case SeriesMetric::Drops:
    case SeriesMetric::Redeliveries:
    case SeriesMetric::DeadLetters:
    case SeriesMetric::LinkFrames:
    case SeriesMetric::LinkLosses:
    case SeriesMetric::Restarts:
        return true;
    default:
        return false;
    }
}

bool frameCarriesMessage(FrameType t)
{
    return t == FrameType::Publish || t == FrameType::Deliver;
}

// --- SparseLatency ---------------------------------------------------------------------------

void SparseLatency::record(std::int64_t value)
{
    if (value < 0) value = 0;
    const auto bin = static_cast<std::uint32_t>(LatencyHistogram::bucketFor(value));
    auto it = std::lower_bound(m_bins.begin(), m_bins.end(), bin,
                               [](const auto &p, std::uint32_t b) { return p.first < b; });
    if (it != m_bins.end() && it->first == bin)
        ++it->second;
    else
        m_bins.insert(it, {bin, 1});
    if (m_count == 0 || value < m_min) m_min = value;
    if (m_count == 0 || value > m_max) m_max = value;
    ++m_count;
}

void SparseLatency::merge(const SparseLatency &other)
{
    if (!other.m_count) return;
    std::vector<std::pair<std::uint32_t, std::uint32_t>> out;
    out.reserve(m_bins.size() + other.m_bins.size());
    auto a = m_bins.cbegin();
    auto b = other.m_bins.cbegin();
    while (a != m_bins.cend() || b != other.m_bins.cend()) {
        if (b == other.m_bins.cend() || (a != m_bins.cend() && a->first < b->first)) {
            out.push_back(*a++);
        } else if (a == m_bins.cend() || b->first < a->first) {
            out.push_back(*b++);
        } else {
            out.push_back({a->first, a->second + b->second});
            ++a;
            ++b;
        }
    }
    m_bins = std::move(out);
    m_min = m_count ? std::min(m_min, other.m_min) : other.m_min;
    m_max = m_count ? std::max(m_max, other.m_max) : other.m_max;
    m_count += other.m_count;
}

std::int64_t SparseLatency::quantile(double q) const
{
    if (!m_count) return 0;
    if (q >= 1.0) return m_max;
    if (q <= 0.0) return m_min;
    const std::uint64_t rank = LatencyHistogram::quantileRank(q, m_count);
    std::uint64_t seen = 0;
    for (const auto &[bin, n] : m_bins) {
        seen += n;
        if (seen >= rank) return LatencyHistogram::reported(bin, m_min, m_max);
    }
    return m_max;
}

// --- TimeSeriesSink --------------------------------------------------------------------------

TimeSeriesSink::TimeSeriesSink(const Topology &topology, SimTime bucketWidth, std::size_t maxBuckets)
    : m_nodes(topology.nodes.size()), m_links(topology.links.size()), m_linkLosses(topology.links.size()),
      m_ready(topology.nodes.size(), 0), m_width(std::max<SimTime>(bucketWidth, 1)),
      m_maxBuckets(std::max<std::size_t>(maxBuckets, 2))
{
    for (const auto &n : topology.nodes) {
        const NodeKindSpec *spec = KindRegistry::builtin().find(n.kind);
        m_isQueue.push_back(spec && spec->deliveryRole == DeliveryRole::Queue);
        m_isServer.push_back(spec &&
                             std::any_of(spec->ports.begin(), spec->ports.end(), [](const PortSpec &p) {
                                 return p.direction == PortDirection::In && p.protocol == Protocol::Call;
                             }));
        m_isActor.push_back(n.kind == "actor");
        std::uint32_t applies = 0;
        for (int m = 0; m < kSeriesMetricCount; ++m) {
            const auto metric = SeriesMetric(m);
            if (!seriesMetricIsLink(metric) && !seriesMetricIsKeyed(metric) &&
                seriesMetricApplies(n.kind, metric))
                applies |= 1u << m;
        }
        m_applies.push_back(applies);
    }
    m_publishEvery = std::max<std::uint64_t>(kPublishEvery, kPublishEventsPerNode * topology.nodes.size());
    auto overlays = std::make_unique<PeerOverlays>(topology);
    if (overlays->peers) m_overlays = std::move(overlays);
    m_inFlight.assign(topology.nodes.size(), 0);
    auto logs = std::make_unique<LogMetrics>(topology);
    if (logs->any()) {
        m_logs = std::move(logs);
        m_groupNames = consumerGroupNames(topology);
    }
}

TimeSeriesSink::~TimeSeriesSink() = default;

namespace {

// Open is worse than half-open, which is worse than closed (the states are 0 closed, 1 open,
// 2 half-open).
std::uint8_t worseBreaker(std::uint8_t a, std::uint8_t b)
{
    const auto rank = [](std::uint8_t s) { return s == 1 ? 2 : s == 2 ? 1 : 0; };
    return rank(b) > rank(a) ? b : a;
}

} // namespace

std::size_t TimeSeriesSink::statusKey(NodeIndex node, std::uint16_t status)
{
    if (auto it = m_statusIndex.find({node, status}); it != m_statusIndex.end()) return it->second;
    const bool other = m_statusKeys.size() >= kMaxKeys;
    const std::pair<NodeIndex, std::uint16_t> index =
        other ? std::pair<NodeIndex, std::uint16_t>{kNoIndex, kNoStatus} : std::pair{node, status};
    if (auto it = m_statusIndex.find(index); it != m_statusIndex.end()) return it->second;
    const std::string name = statusName(status);
    m_statusKeys.push_back({index.first, other ? kOtherKey : name.empty() ? "no status" : name});
    m_statusCounts.emplace_back(m_count, 0);
    m_statusIndex.emplace(index, m_statusKeys.size() - 1);
    return m_statusKeys.size() - 1;
}

std::size_t TimeSeriesSink::methodKey(NodeIndex node, const std::string &method)
{
    if (auto it = m_methodIndex.find({node, method}); it != m_methodIndex.end()) return it->second;
    const bool other = m_methodKeys.size() >= kMaxKeys;
    std::pair<NodeIndex, std::string> index{other ? kNoIndex : node, other ? std::string() : method};
    if (auto it = m_methodIndex.find(index); it != m_methodIndex.end()) return it->second;
    m_methodKeys.push_back({index.first, other ? kOtherKey : method});
    m_methodLatency.emplace_back(m_count);
    m_methodIndex.emplace(std::move(index), m_methodKeys.size() - 1);
    return m_methodKeys.size() - 1;
}

SimTime TimeSeriesSink::nextWidth(SimTime width)
{
    // 1, 2, 10, 20, 100, ... times a power of ten: widths that charts can sum into whole 10 ms,
    // 100 ms, 1 s, 10 s, 1 min windows (doubling alone would reach 80 ms, which divides none of
    // 100 ms, 1 s or 10 s).
    SimTime power = 1;
    while (power <= width / 10)
        power *= 10;
    return width == 2 * power ? 5 * width : 2 * width;
}

void TimeSeriesSink::coarsen()
{
    const SimTime wider = nextWidth(m_width);
    const auto factor = static_cast<std::size_t>(wider / m_width);
    for (auto &v : m_nodes) {
        const std::size_t n = (v.size() + factor - 1) / factor;
        for (std::size_t i = 0; i < n; ++i) {
            SeriesBucket a = std::move(v[factor * i]);
            for (std::size_t j = factor * i + 1; j < std::min(v.size(), factor * (i + 1)); ++j) {
                const SeriesBucket &b = v[j];
                a.throughput += b.throughput;
                a.drops += b.drops;
                a.redeliveries += b.redeliveries;
                a.deadLetters += b.deadLetters;
                a.depthMax = std::max(a.depthMax, b.depthMax);
                a.lagMax = std::max(a.lagMax, b.lagMax);
                a.depthLast = b.depthLast;
                a.lagLast = b.lagLast;
                a.retries += b.retries;
                a.inFlightMax = std::max(a.inFlightMax, b.inFlightMax);
                a.inFlightLast = b.inFlightLast;
                a.serverQueueMax = std::max(a.serverQueueMax, b.serverQueueMax);
                a.serverQueueLast = b.serverQueueLast;
                a.breakerWorst = worseBreaker(a.breakerWorst, b.breakerWorst);
                a.breakerLast = b.breakerLast;
                a.mailboxMax = std::max(a.mailboxMax, b.mailboxMax);
                a.mailboxLast = b.mailboxLast;
                a.restarts += b.restarts;
                a.lookups += b.lookups;
                a.lookupHops += b.lookupHops;
                a.latency.merge(b.latency);
            }
            v[i] = std::move(a);
        }
        v.resize(n);
    }
    for (auto *counts : {&m_links, &m_linkLosses, &m_statusCounts})
        for (auto &v : *counts) {
            const std::size_t n = (v.size() + factor - 1) / factor;
            for (std::size_t i = 0; i < n; ++i) {
                std::uint32_t sum = 0;
                for (std::size_t j = factor * i; j < std::min(v.size(), factor * (i + 1)); ++j)
                    sum += v[j];
                v[i] = sum;
            }
            v.resize(n);
        }
    for (auto *levels : {&m_groupLag, &m_coverage})
        for (auto &v : *levels) {
            const std::size_t n = (v.size() + factor - 1) / factor;
            for (std::size_t i = 0; i < n; ++i) {
                LagBucket a = v[factor * i];
                for (std::size_t j = factor * i + 1; j < std::min(v.size(), factor * (i + 1)); ++j) {
                    a.max = std::fmax(a.max, v[j].max); // a NaN (not known yet) gives way to a value
                    if (!std::isnan(v[j].last)) a.last = v[j].last;
                }
                v[i] = a;
            }
            v.resize(n);
        }
    for (auto &v : m_methodLatency) {
        const std::size_t n = (v.size() + factor - 1) / factor;
        for (std::size_t i = 0; i < n; ++i) {
            SparseLatency a = std::move(v[factor * i]);
            for (std::size_t j = factor * i + 1; j < std::min(v.size(), factor * (i + 1)); ++j)
                a.merge(v[j]);
            v[i] = std::move(a);
        }
        v.resize(n);
    }
    m_width = wider;
    m_count = (m_count + factor - 1) / factor;
    m_dirtyFrom = 0;
    m_widthChanged = true;
}

std::size_t TimeSeriesSink::bucketIndex(SimTime t)
{
    auto idx = static_cast<std::size_t>(std::max<SimTime>(t, 0) / m_width);
    while (idx >= m_maxBuckets) {
        coarsen();
        idx = static_cast<std::size_t>(std::max<SimTime>(t, 0) / m_width);
    }
    if (idx >= m_count) {
        for (auto &v : m_nodes) {
            // Levels carry over into buckets where nothing happened to them.
            const SeriesBucket carried = [&] {
                SeriesBucket c;
                if (!v.empty()) {
                    c.depthMax = c.depthLast = v.back().depthLast;
                    c.lagMax = c.lagLast = v.back().lagLast;
                    c.inFlightMax = c.inFlightLast = v.back().inFlightLast;
                    c.serverQueueMax = c.serverQueueLast = v.back().serverQueueLast;
                    c.breakerWorst = c.breakerLast = v.back().breakerLast;
                    c.mailboxMax = c.mailboxLast = v.back().mailboxLast;
                }
                return c;
            }();
            v.resize(idx + 1, carried);
        }
        for (auto *counts : {&m_links, &m_linkLosses, &m_statusCounts})
            for (auto &v : *counts)
                v.resize(idx + 1, 0);
        for (auto &v : m_methodLatency)
            v.resize(idx + 1);
        // Lag and coverage are levels: they carry over into buckets where nothing changed them.
        for (auto *levels : {&m_groupLag, &m_coverage})
            for (auto &v : *levels) {
                const double last = v.empty() ? std::numeric_limits<double>::quiet_NaN() : v.back().last;
                v.resize(idx + 1, LagBucket{last, last});
            }
        m_count = idx + 1;
    }
    return idx;
}

void TimeSeriesSink::setLevel(NodeIndex node, std::size_t bucket, std::uint32_t level, bool isDepth)
{
    SeriesBucket &b = m_nodes[node][bucket];
    if (isDepth) {
        b.depthMax = std::max(b.depthMax, level);
        b.depthLast = level;
    } else {
        b.lagMax = std::max(b.lagMax, level);
        b.lagLast = level;
    }
}

void TimeSeriesSink::setMailbox(NodeIndex node, std::size_t bucket, std::uint32_t depth)
{
    SeriesBucket &b = m_nodes[node][bucket];
    b.mailboxMax = std::max(b.mailboxMax, depth);
    b.mailboxLast = depth;
}

void TimeSeriesSink::sampleLag()
{
    if (m_lagPending == kNoIndex) return;
    const NodeIndex q = m_lagPending;
    m_lagPending = kNoIndex;
    ++m_sincePublish; // a change to publish
    if (m_isActor[q]) {
        // An actor at rest: the messages waiting in its mailbox (not the one it is processing).
        if (m_status)
            setMailbox(q, bucketIndex(m_lagTime),
                       static_cast<std::uint32_t>(std::min<std::uint64_t>(m_status(q).ready, UINT32_MAX)));
        return;
    }
    std::uint64_t lag = m_ready[q];
    if (m_status) {
        const NodeStatus s = m_status(q);
        lag = s.ready + s.unacked;
    }
    setLevel(q, bucketIndex(m_lagTime), static_cast<std::uint32_t>(std::min<std::uint64_t>(lag, UINT32_MAX)),
             false);
}

void TimeSeriesSink::onMessage(const Message &m)
{
    m_lastRequest = m.id;
    m_lastMethod = m.routingKey;
}

void TimeSeriesSink::onEvent(const TraceEvent &e)
{
    if (e.kind == TraceKind::LinkDown || e.kind == TraceKind::LinkUp || e.kind == TraceKind::LinkChange)
        return;
    // Every trace event of one step belongs to the node taking it, so a queue whose step traced
    // something is at rest once the trace moves on to another node or another time.
    if (m_lagPending != kNoIndex && (e.node != m_lagPending || e.time != m_lagTime)) sampleLag();
    const std::size_t b = bucketIndex(e.time);
    m_dirtyFrom = std::min(m_dirtyFrom, b);
    ++m_sincePublish;
    if (m_logs) recordLag(e, b);
    if (m_overlays) recordCoverage(e, b);
    record(e, b);
    // Not publish(): the node taking this step is not at rest yet, so its lag waits.
    if (m_sincePublish >= m_publishEvery) publishChanges();
}

void TimeSeriesSink::record(const TraceEvent &e, std::size_t b)
{
    if (e.kind == TraceKind::Send && e.link < m_links.size()) ++m_links[e.link][b];
    if (e.kind == TraceKind::Drop && e.link < m_linkLosses.size()) ++m_linkLosses[e.link][b];
    if (e.node == kNoIndex || e.node >= m_nodes.size()) return;
    SeriesBucket &nb = m_nodes[e.node][b];
    // A queue's event carries its ready depth after it.
    const auto depth = [&] {
        m_ready[e.node] = static_cast<std::uint32_t>(std::clamp<std::int64_t>(e.aux, 0, UINT32_MAX));
        setLevel(e.node, b, m_ready[e.node], true);
    };
    switch (e.kind) {
    case TraceKind::Publish:
    case TraceKind::Route:
        ++nb.throughput;
        break;
    case TraceKind::Enqueue:
        ++nb.throughput;
        if (m_isActor[e.node]) // the mailbox's depth after it (the actor may take it at once)
            setMailbox(e.node, b, static_cast<std::uint32_t>(std::clamp<std::int64_t>(e.aux, 0, UINT32_MAX)));
        else
            depth();
        break;
    case TraceKind::Lookup:
        if (e.reason == DropReason::None) {
            ++nb.lookups;
            nb.lookupHops += static_cast<std::uint32_t>(std::clamp<std::int64_t>(e.aux, 0, UINT32_MAX));
        }
        break;
    case TraceKind::Supervise:
        // A restart the supervisor ordered (at once, or after a backoff): counted for both.
        if (e.aux == 0 || e.aux == 3) {
            ++nb.restarts;
            if (e.peer < m_nodes.size()) ++m_nodes[e.peer][b].restarts;
        }
        break;
    case TraceKind::Crash:
        if (m_isActor[e.node]) setMailbox(e.node, b, 0);
        if (m_isQueue[e.node]) {
            m_ready[e.node] = 0;
            setLevel(e.node, b, 0, true);
        }
        recordCall(e, b);
        break;
    case TraceKind::Redeliver:
        ++nb.redeliveries;
        depth();
        break;
    case TraceKind::Deliver:
    case TraceKind::Requeue:
    case TraceKind::Expire:
        depth();
        break;
    case TraceKind::Process:
        ++nb.throughput;
        nb.latency.record(e.aux);
        break;
    case TraceKind::Drop:
        // A node's own drops, and the messages the network lost on their way from it (a lost
        // publish or delivery frame is a lost message; a lost ack or confirm is not).
        if (e.link == kNoIndex || frameCarriesMessage(e.frame)) ++nb.drops;
        break;
    case TraceKind::DeadLetter:
        ++nb.deadLetters;
        break;
    case TraceKind::Call:
    case TraceKind::Complete:
    case TraceKind::Accept:
    case TraceKind::Execute:
    case TraceKind::Retry:
    case TraceKind::Hedge:
    case TraceKind::Breaker:
        recordCall(e, b);
        break;
    default:
        break;
    }
    // Queues' lag and actors' mailboxes are sampled when the node comes to rest.
    if (m_isQueue[e.node] || m_isActor[e.node]) {
        m_lagPending = e.node;
        m_lagTime = e.time;
    }
}

void TimeSeriesSink::setCoverage(std::size_t key, std::size_t bucket, double percent)
{
    LagBucket &b = m_coverage[key][bucket];
    b.max = std::fmax(b.max, percent);
    b.last = percent;
}

void TimeSeriesSink::recordCoverage(const TraceEvent &e, std::size_t b)
{
    if ((e.kind != TraceKind::Publish && e.kind != TraceKind::Learn) || !e.messageId ||
        !m_overlays->isPeer(e.node))
        return;
    auto it = m_itemIndex.find(e.messageId);
    if (it == m_itemIndex.end()) {
        if (m_items.size() >= kMaxItems) return;
        if (m_itemKeys.empty()) {
            m_itemKeys.push_back({kNoIndex, "mean of items"});
            m_coverage.emplace_back(m_count);
        }
        Item item;
        item.population = m_overlays->population(e.node);
        item.has.assign(m_nodes.size(), false);
        if (m_itemKeys.size() <= kMaxKeys) {
            item.key = m_itemKeys.size();
            m_itemKeys.push_back(
                {e.node, "item " + std::to_string(e.messageId), kNoIndex, kNoIndex, e.messageId});
            m_coverage.emplace_back(m_count);
        }
        it = m_itemIndex.emplace(e.messageId, m_items.size()).first;
        m_items.push_back(std::move(item));
    }
    Item &i = m_items[it->second];
    if (e.kind == TraceKind::Learn && !i.has[e.node]) {
        i.has[e.node] = true;
        ++i.learned;
        m_coverageSum += 1.0 / i.population;
    }
    if (i.key != SIZE_MAX) setCoverage(i.key, b, 100.0 * i.learned / i.population);
    setCoverage(0, b, 100.0 * m_coverageSum / static_cast<double>(m_items.size()));
}

std::size_t TimeSeriesSink::groupKey(std::uint32_t group)
{
    if (auto it = m_groupFirstKey.find(group); it != m_groupFirstKey.end()) return it->second;
    const auto g = m_logs->groups().find(group);
    if (g == m_logs->groups().end() || g->second.topic == kNoIndex) return SIZE_MAX;
    const NodeIndex topic = g->second.topic;
    const std::string name = group < m_groupNames.size() ? m_groupNames[group] : std::to_string(group);
    const std::size_t first = m_groupKeys.size();
    m_groupKeys.push_back({topic, name + " total", group, kNoIndex});
    for (std::uint32_t p = 0; p < m_logs->partitions(topic).size(); ++p)
        m_groupKeys.push_back({topic, name + " P" + std::to_string(p), group, p});
    m_groupLag.resize(m_groupKeys.size(), std::vector<LagBucket>(m_count));
    m_groupFirstKey.emplace(group, first);
    return first;
}

void TimeSeriesSink::setLag(std::size_t key, std::size_t bucket, double lag)
{
    LagBucket &b = m_groupLag[key][bucket];
    b.max = std::fmax(b.max, lag);
    b.last = lag;
}

void TimeSeriesSink::recordLag(const TraceEvent &e, std::size_t b)
{
    m_logs->onEvent(e);
    // The partitions whose lag the event may change: one partition of a topic for every group
    // reading it (the log end or start moved), or one group's (a commit); every partition of a
    // group that just became known or was (re)assigned.
    const auto update = [&](std::uint32_t group, std::uint32_t partition) {
        const std::size_t first = groupKey(group);
        if (first == SIZE_MAX) return;
        const std::size_t partitions = m_logs->partitions(m_groupKeys[first].node).size();
        if (partition == kNoIndex) {
            for (std::uint32_t p = 0; p < partitions; ++p)
                setLag(first + 1 + p, b, double(m_logs->lag(group, p)));
        } else if (partition < partitions) {
            setLag(first + 1 + partition, b, double(m_logs->lag(group, partition)));
        }
        setLag(first, b, double(m_logs->totalLag(group)));
    };
    switch (e.kind) {
    case TraceKind::Append:
    case TraceKind::Truncate:
    case TraceKind::Retention:
        for (const auto &[group, figures] : m_logs->groups())
            if (figures.topic == e.node) update(group, e.partition);
        break;
    case TraceKind::Commit:
        if (e.group != kNoIndex) update(e.group, e.partition);
        break;
    case TraceKind::Join:
    case TraceKind::Assign:
    case TraceKind::Rebalance:
        if (e.group != kNoIndex) update(e.group, kNoIndex);
        break;
    default:
        break;
    }
}

void TimeSeriesSink::recordCall(const TraceEvent &e, std::size_t b)
{
    SeriesBucket &nb = m_nodes[e.node][b];
    const auto level = [](std::uint32_t &max, std::uint32_t &last, std::uint32_t value) {
        max = std::max(max, value);
        last = value;
    };
    switch (e.kind) {
    case TraceKind::Call: {
        level(nb.inFlightMax, nb.inFlightLast, ++m_inFlight[e.node]);
        // The request was announced just before: its routing key is the method.
        if (e.messageId != 0 && e.messageId == m_lastRequest)
            m_callMethod[e.correlationId] = methodKey(e.node, m_lastMethod);
        break;
    }
    case TraceKind::Complete: {
        if (m_inFlight[e.node]) --m_inFlight[e.node];
        level(nb.inFlightMax, nb.inFlightLast, m_inFlight[e.node]);
        ++m_statusCounts[statusKey(e.node, e.status)][b];
        if (auto it = m_callMethod.find(e.correlationId); it != m_callMethod.end()) {
            m_methodLatency[it->second][b].record(e.aux);
            m_callMethod.erase(it);
        }
        break;
    }
    case TraceKind::Accept:
    case TraceKind::Execute:
        // Both carry the accept queue's depth after them (a client's events never do).
        if (m_isServer[e.node])
            level(nb.serverQueueMax, nb.serverQueueLast,
                  static_cast<std::uint32_t>(std::clamp<std::int64_t>(e.aux, 0, UINT32_MAX)));
        break;
    case TraceKind::Retry:
    case TraceKind::Hedge:
        ++nb.retries;
        break;
    case TraceKind::Breaker: {
        const auto state = static_cast<std::uint8_t>(std::clamp<std::int64_t>(e.aux, 0, 2));
        nb.breakerWorst = worseBreaker(nb.breakerWorst, state);
        nb.breakerLast = state;
        break;
    }
    case TraceKind::Crash:
        // A crashed node forgets its calls and its accept queue; no Complete will come for them.
        if (m_inFlight[e.node]) {
            m_inFlight[e.node] = 0;
            level(nb.inFlightMax, nb.inFlightLast, 0);
            std::erase_if(m_callMethod,
                          [&](const auto &entry) { return m_methodKeys[entry.second].node == e.node; });
        }
        if (m_isServer[e.node]) level(nb.serverQueueMax, nb.serverQueueLast, 0);
        break;
    default:
        break;
    }
}

double TimeSeriesSink::value(const SeriesBucket &b, SeriesMetric m) const
{
    constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
    const double perSecond = 1e9 / static_cast<double>(m_width);
    switch (m) {
    case SeriesMetric::Throughput:
        return b.throughput * perSecond;
    case SeriesMetric::LatencyP50:
        return b.latency.count() ? toMilliseconds(b.latency.quantile(0.5)) : kNaN;
    case SeriesMetric::LatencyP99:
        return b.latency.count() ? toMilliseconds(b.latency.quantile(0.99)) : kNaN;
    case SeriesMetric::LatencyMax:
        return b.latency.count() ? toMilliseconds(b.latency.max()) : kNaN;
    case SeriesMetric::QueueDepth:
        return b.depthMax;
    case SeriesMetric::ConsumerLag:
        return b.lagMax;
    case SeriesMetric::Drops:
        return b.drops * perSecond;
    case SeriesMetric::Redeliveries:
        return b.redeliveries * perSecond;
    case SeriesMetric::DeadLetters:
        return b.deadLetters * perSecond;
    case SeriesMetric::Retries:
        return b.retries * perSecond;
    case SeriesMetric::CallsInFlight:
        return b.inFlightMax;
    case SeriesMetric::ServerQueue:
        return b.serverQueueMax;
    case SeriesMetric::BreakerState:
        return b.breakerWorst;
    case SeriesMetric::MailboxDepth:
        return b.mailboxMax;
    case SeriesMetric::Restarts:
        return b.restarts * perSecond;
    case SeriesMetric::LookupHops:
        return b.lookups ? static_cast<double>(b.lookupHops) / b.lookups : kNaN;
    case SeriesMetric::LinkFrames:
    case SeriesMetric::LinkLosses:
    case SeriesMetric::CallsByStatus:
    case SeriesMetric::CallLatencyP50:
    case SeriesMetric::CallLatencyP99:
    case SeriesMetric::GroupLag:
    case SeriesMetric::Coverage:
        return kNaN;
    }
    return kNaN;
}

void TimeSeriesSink::fill(TimeSeriesDelta &d, std::size_t first) const
{
    constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
    // Rows from `first` on are rewritten; rows before it stay as they are.
    first = std::max(first, d.firstBucket);
    const std::size_t keep = std::min(first - d.firstBucket, d.rows);
    d.bucketWidth = m_width;
    d.rows = m_count > d.firstBucket ? m_count - d.firstBucket : 0;
    d.rows = std::max(d.rows, keep);
    d.nodeValues.resize(m_nodes.size());
    d.linkFrames.resize(m_links.size());
    d.linkLosses.resize(m_linkLosses.size());
    const double perSecond = 1e9 / static_cast<double>(m_width);
    for (std::size_t n = 0; n < m_nodes.size(); ++n) {
        for (int m = 0; m < kSeriesMetricCount; ++m) {
            auto &out = d.nodeValues[n][m];
            // Metrics the node does not have (link and keyed ones among them) stay empty: no
            // values, no allocation.
            if (!(m_applies[n] & (1u << m))) {
                out.clear();
                continue;
            }
            out.resize(d.rows, kNaN);
            for (std::size_t r = keep; r < d.rows; ++r)
                out[r] = value(m_nodes[n][d.firstBucket + r], static_cast<SeriesMetric>(m));
        }
    }
    const auto fillLinks = [&](const std::vector<std::vector<std::uint32_t>> &from,
                               std::vector<std::vector<double>> &to) {
        for (std::size_t l = 0; l < from.size(); ++l) {
            auto &out = to[l];
            out.resize(d.rows, 0);
            for (std::size_t r = keep; r < d.rows; ++r)
                out[r] = from[l][d.firstBucket + r] * perSecond;
        }
    };
    fillLinks(m_links, d.linkFrames);
    fillLinks(m_linkLosses, d.linkLosses);
    // Keyed series: a key met after `keep` rows were filled has no values there yet, so its rows
    // are all written; the others from `keep` on.
    d.statusKeys = m_statusKeys;
    d.methodKeys = m_methodKeys;
    const std::size_t oldStatus = d.callsByStatus.size(), oldMethods = d.callLatencyP50.size();
    d.callsByStatus.resize(m_statusKeys.size());
    for (std::size_t k = 0; k < m_statusKeys.size(); ++k) {
        auto &out = d.callsByStatus[k];
        out.resize(d.rows, 0);
        for (std::size_t r = k < oldStatus ? keep : 0; r < d.rows; ++r)
            out[r] = m_statusCounts[k][d.firstBucket + r] * perSecond;
    }
    d.callLatencyP50.resize(m_methodKeys.size());
    d.callLatencyP99.resize(m_methodKeys.size());
    for (std::size_t k = 0; k < m_methodKeys.size(); ++k) {
        auto &p50 = d.callLatencyP50[k];
        auto &p99 = d.callLatencyP99[k];
        p50.resize(d.rows, kNaN);
        p99.resize(d.rows, kNaN);
        for (std::size_t r = k < oldMethods ? keep : 0; r < d.rows; ++r) {
            const SparseLatency &l = m_methodLatency[k][d.firstBucket + r];
            p50[r] = l.count() ? toMilliseconds(l.quantile(0.5)) : kNaN;
            p99[r] = l.count() ? toMilliseconds(l.quantile(0.99)) : kNaN;
        }
    }
    // Levels by key (a group's lag, its most in the bucket; an item's coverage, at the bucket's end).
    const auto fillLevels = [&](const std::vector<std::vector<LagBucket>> &from,
                                std::vector<std::vector<double>> &to, bool last) {
        const std::size_t old = to.size();
        to.resize(from.size());
        for (std::size_t k = 0; k < from.size(); ++k) {
            auto &out = to[k];
            out.resize(d.rows, kNaN);
            for (std::size_t r = k < old ? keep : 0; r < d.rows; ++r) {
                const LagBucket &b = from[k][d.firstBucket + r];
                out[r] = last ? b.last : b.max;
            }
        }
    };
    d.groupKeys = m_groupKeys;
    fillLevels(m_groupLag, d.groupLag, false);
    d.itemKeys = m_itemKeys;
    fillLevels(m_coverage, d.coverage, true);
}

void TimeSeriesSink::publish()
{
    sampleLag();
    publishChanges();
}

void TimeSeriesSink::publishChanges()
{
    const bool changed = m_sincePublish > 0 || m_widthChanged;
    m_sincePublish = 0;
    if (!changed) return;
    {
        std::lock_guard lock(m_mutex);
        if (m_widthChanged || !m_pending) {
            const bool replaceAll = m_widthChanged || (m_pending && m_pending->replaceAll);
            m_pending = std::make_shared<TimeSeriesDelta>();
            m_pending->replaceAll = replaceAll;
            m_pending->firstBucket = replaceAll ? 0 : m_dirtyFrom;
        }
        fill(*m_pending, m_dirtyFrom);
    }
    // The last bucket stays open: it is sent again next time.
    m_dirtyFrom = m_count ? m_count - 1 : 0;
    m_widthChanged = false;
}

std::shared_ptr<TimeSeriesDelta> TimeSeriesSink::take()
{
    std::lock_guard lock(m_mutex);
    return std::exchange(m_pending, nullptr);
}

std::shared_ptr<TimeSeriesDelta> TimeSeriesSink::snapshot() const
{
    auto d = std::make_shared<TimeSeriesDelta>();
    d->replaceAll = true;
    fill(*d, 0);
    return d;
}

} // namespace sb
