#include "p2pchecker.h"

#include "schema.h"

#include <algorithm>
#include <cmath>

namespace sb {

PeerOverlays::PeerOverlays(const Topology &t)
{
    isPeerNode.resize(t.nodes.size(), 0);
    for (std::size_t i = 0; i < t.nodes.size(); ++i)
        if (t.nodes[i].kind == "peer") {
            isPeerNode[i] = 1;
            ++peers;
        }
    std::vector<std::uint32_t> parent(t.nodes.size());
    for (std::uint32_t i = 0; i < parent.size(); ++i)
        parent[i] = i;
    auto find = [&](std::uint32_t x) {
        while (parent[x] != x)
            x = parent[x] = parent[parent[x]];
        return x;
    };
    const NodeIdIndex index(t.nodes);
    for (const auto &l : t.links) {
        const auto a = index.find(l.from), b = index.find(l.to);
        if (!a || !b || !isPeerNode[*a] || !isPeerNode[*b]) continue;
        parent[find(static_cast<std::uint32_t>(*a))] = find(static_cast<std::uint32_t>(*b));
    }
    component.assign(t.nodes.size(), 0);
    std::vector<std::uint32_t> idOf(t.nodes.size(), ~0u);
    for (std::uint32_t i = 0; i < t.nodes.size(); ++i) {
        if (!isPeerNode[i]) continue;
        const auto root = find(i);
        if (idOf[root] == ~0u) {
            idOf[root] = static_cast<std::uint32_t>(componentSize.size());
            componentSize.push_back(0);
        }
        component[i] = idOf[root];
        ++componentSize[idOf[root]];
    }
}

P2PChecker::P2PChecker(const Topology &t, std::vector<std::string> nodeLabels)
    : m_labels(std::move(nodeLabels)), m_overlays(t)
{
    m_dups.assign(t.nodes.size(), 0);
    m_sent.assign(t.nodes.size(), 0);
}

const std::vector<std::pair<std::string, std::string>> &P2PChecker::help()
{
    static const std::vector<std::pair<std::string, std::string>> h = {
        {kNotCovered,
         "peers that never learned an item a peer originated (flooding's TTL too low, gossip that "
         "died out, a peer offline throughout)"},
    };
    return h;
}

P2PChecker::Item &P2PChecker::item(const TraceEvent &e)
{
    auto it = m_index.find(e.messageId);
    if (it != m_index.end()) return m_items[it->second];
    m_index.emplace(e.messageId, m_items.size());
    m_items.emplace_back();
    Item &i = m_items.back();
    i.id = e.messageId;
    i.origin = e.node;
    i.at = e.time;
    i.has.assign(m_overlays.isPeerNode.size(), 0);
    return i;
}

void P2PChecker::onEvent(const TraceEvent &e)
{
    if (!isPeer(e.node)) return;
    switch (e.kind) {
    case TraceKind::Publish:
        if (e.messageId) item(e);
        break;
    case TraceKind::Learn: {
        if (!e.messageId) break;
        Item &i = item(e);
        if (i.has[e.node]) break;
        i.has[e.node] = 1;
        i.learnedAt.push_back(e.time);
        if (e.peer != kNoIndex) {
            i.hopSum += static_cast<std::uint64_t>(std::max<std::int64_t>(0, e.aux));
            ++i.fromOthers;
            i.maxHops = std::max<std::uint32_t>(i.maxHops, static_cast<std::uint32_t>(e.aux));
        }
        break;
    }
    case TraceKind::Send:
        if (isPeerFrame(e.frame)) ++m_sent[e.node];
        break;
    case TraceKind::Drop:
        if (e.reason == DropReason::Deduplicated) ++m_dups[e.node];
        if (e.reason == DropReason::TtlExpired) ++m_ttlExpired;
        if (e.reason == DropReason::ClientOffline) ++m_offline;
        break;
    case TraceKind::PeerLeave:
        ++m_leaves;
        break;
    case TraceKind::PeerJoin:
        ++m_joins;
        break;
    case TraceKind::Lookup:
        ++m_lookups;
        break;
    default:
        break;
    }
}

P2PReport P2PChecker::report() const
{
    P2PReport r;
    r.peers = m_overlays.peers;
    std::uint64_t hopSum = 0, fromOthers = 0;
    for (const auto &i : m_items) {
        P2PItemReport ir;
        ir.id = i.id;
        ir.origin = i.origin;
        ir.originatedAt = i.at;
        ir.population = population(i);
        ir.learned = static_cast<std::uint32_t>(i.learnedAt.size());
        ir.coverage = ir.population ? static_cast<double>(ir.learned) / ir.population : 0;
        auto reach = [&](double fraction) -> SimTime {
            // The first time at least ceil(fraction * population) peers held it.
            const auto need = static_cast<std::size_t>(std::ceil(fraction * ir.population - 1e-9));
            if (need == 0) return 0;
            if (i.learnedAt.size() < need) return kNever;
            return i.learnedAt[need - 1] - i.at;
        };
        ir.to50 = reach(0.5);
        ir.to99 = reach(0.99);
        ir.to100 = reach(1.0);
        ir.meanHops = i.fromOthers ? static_cast<double>(i.hopSum) / i.fromOthers : 0;
        ir.maxHops = i.maxHops;
        hopSum += i.hopSum;
        fromOthers += i.fromOthers;
        r.meanCoverage += ir.coverage;
        r.items.push_back(ir);
    }
    if (!r.items.empty()) r.meanCoverage /= static_cast<double>(r.items.size());
    r.meanHops = fromOthers ? static_cast<double>(hopSum) / fromOthers : 0;
    for (std::size_t n = 0; n < m_overlays.isPeerNode.size(); ++n) {
        r.duplicates += m_dups[n];
        r.messages += m_sent[n];
    }
    if (m_overlays.peers) {
        r.duplicatesPerPeer = static_cast<double>(r.duplicates) / m_overlays.peers;
        r.messagesPerPeer = static_cast<double>(r.messages) / m_overlays.peers;
    }
    r.ttlExpired = m_ttlExpired;
    r.lostToOffline = m_offline;
    r.leaves = m_leaves;
    r.joins = m_joins;
    r.lookups = m_lookups;
    SimTime last = 0;
    for (const auto &i : m_items)
        if (!i.learnedAt.empty()) last = std::max(last, i.learnedAt.back());
    r.series = coverageSeries(last, kSeriesPoints);
    return r;
}

std::vector<CoveragePoint> P2PChecker::coverageCurve(std::size_t index) const
{
    std::vector<CoveragePoint> out;
    if (index >= m_items.size()) return out;
    const Item &i = m_items[index];
    const double pop = population(i);
    if (pop == 0) return out;
    for (std::size_t k = 0; k < i.learnedAt.size(); ++k)
        out.push_back({i.learnedAt[k] - i.at, static_cast<double>(k + 1) / pop});
    return out;
}

std::vector<CoveragePoint> P2PChecker::coverageSeries(SimTime end, std::size_t points) const
{
    std::vector<CoveragePoint> out;
    if (points == 0 || m_items.empty() || m_overlays.peers == 0) return out;
    for (std::size_t p = 0; p < points; ++p) {
        const SimTime t =
            points == 1 ? end : static_cast<SimTime>(static_cast<double>(end) * p / (points - 1));
        double sum = 0;
        for (const auto &i : m_items) {
            const auto n = std::upper_bound(i.learnedAt.begin(), i.learnedAt.end(), t) - i.learnedAt.begin();
            const double pop = population(i);
            sum += pop ? static_cast<double>(n) / pop : 0;
        }
        out.push_back({t, sum / static_cast<double>(m_items.size())});
    }
    return out;
}

std::vector<CheckResult> P2PChecker::checks() const
{
    CheckResult c;
    c.check = kNotCovered;
    c.help = help()[0].second;
    for (const auto &i : m_items)
        for (std::size_t n = 0; n < m_overlays.isPeerNode.size(); ++n) {
            if (!m_overlays.isPeerNode[n] || i.has[n]) continue;
            if (m_overlays.component[n] != m_overlays.component[i.origin]) continue;
            ++c.count;
            if (c.examples.size() >= kKeptExamples) continue;
            Finding f;
            f.check = kNotCovered;
            const std::string peer = n < m_labels.size() ? m_labels[n] : std::to_string(n);
            const std::string origin =
                i.origin < m_labels.size() ? m_labels[i.origin] : std::to_string(i.origin);
            f.what = "peer " + peer + " never learned item " + std::to_string(i.id) + " (originated by " +
                     origin + ")";
            f.subject = "message " + std::to_string(i.id);
            f.messageId = i.id;
            f.node = static_cast<NodeIndex>(n);
            f.time = i.at;
            c.examples.push_back(std::move(f));
        }
    return {c};
}

namespace {
std::string pct(double f)
{
    char b[32];
    std::snprintf(b, sizeof b, "%.1f%%", 100 * f);
    return b;
}
std::string fixed2(double v)
{
    char b[32];
    std::snprintf(b, sizeof b, "%.2f", v);
    return b;
}
std::string when(SimTime t)
{
    return t == kNever ? std::string("never") : formatDuration(t);
}
Json whenJson(SimTime t)
{
    return t == kNever ? Json(nullptr) : Json(toMilliseconds(t));
}
} // namespace

std::string formatP2PReport(const P2PReport &r)
{
    if (!r.any()) return {};
    std::string s = "Peer to peer: " + std::to_string(r.peers) + " peers, " + std::to_string(r.items.size()) +
                    " item" + (r.items.size() == 1 ? "" : "s") + ", mean coverage " + pct(r.meanCoverage) +
                    ", mean hops " + fixed2(r.meanHops) + "\n";
    s += "  per peer: " + fixed2(r.messagesPerPeer) + " messages sent, " + fixed2(r.duplicatesPerPeer) +
         " duplicates received";
    if (r.ttlExpired) s += "; " + std::to_string(r.ttlExpired) + " TTL expiries";
    if (r.lostToOffline) s += "; " + std::to_string(r.lostToOffline) + " frames lost to offline peers";
    if (r.leaves || r.joins)
        s += "; churn: " + std::to_string(r.leaves) + " leaves, " + std::to_string(r.joins) + " joins";
    s += "\n";
    const std::size_t shown = std::min<std::size_t>(r.items.size(), 10);
    for (std::size_t k = 0; k < shown; ++k) {
        const auto &i = r.items[k];
        s += "  item " + std::to_string(i.id) + ": " + pct(i.coverage) + " of " +
             std::to_string(i.population) + " peers; 50% in " + when(i.to50) + ", 99% in " + when(i.to99) +
             ", 100% in " + when(i.to100) + "; hops mean " + fixed2(i.meanHops) + ", max " +
             std::to_string(i.maxHops) + "\n";
    }
    if (shown < r.items.size()) s += "  ... and " + std::to_string(r.items.size() - shown) + " more items\n";
    return s;
}

Json p2pReportJson(const P2PReport &r)
{
    Json j;
    j["peers"] = r.peers;
    j["mean_coverage"] = r.meanCoverage;
    j["mean_hops"] = r.meanHops;
    j["messages"] = r.messages;
    j["messages_per_peer"] = r.messagesPerPeer;
    j["duplicates"] = r.duplicates;
    j["duplicates_per_peer"] = r.duplicatesPerPeer;
    j["ttl_expired"] = r.ttlExpired;
    j["lost_to_offline"] = r.lostToOffline;
    j["leaves"] = r.leaves;
    j["joins"] = r.joins;
    Json items = Json::array();
    for (const auto &i : r.items) {
        Json ji;
        ji["id"] = i.id;
        ji["originated_at_ms"] = toMilliseconds(i.originatedAt);
        ji["population"] = i.population;
        ji["learned"] = i.learned;
        ji["coverage"] = i.coverage;
        ji["to_50_ms"] = whenJson(i.to50);
        ji["to_99_ms"] = whenJson(i.to99);
        ji["to_100_ms"] = whenJson(i.to100);
        ji["mean_hops"] = i.meanHops;
        ji["max_hops"] = i.maxHops;
        items.push_back(std::move(ji));
    }
    j["items"] = std::move(items);
    Json series = Json::array();
    for (const auto &p : r.series)
        series.push_back(Json::array({toMilliseconds(p.time), p.fraction}));
    j["coverage_series"] = std::move(series); // [time in ms since the run began, mean coverage]
    return j;
}

} // namespace sb
