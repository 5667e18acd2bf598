#pragma once
// Peer-to-peer dissemination figures, from the trace alone (core/nodes/p2p/): per item (a rumour a
// peer originated, its Publish), when each peer first learned it (Learn, aux = hops), so that
//  - coverage over time: the fraction of peers holding an item at each moment (the epidemic
//    S-curve), per item and averaged over items, as a time series the charts plot;
//  - time to 50 %, 99 % and 100 % coverage per item (from its origination);
//  - duplicates per peer (Drop, reason Deduplicated, at peers: copies of an item it already held), messages
//  per peer
//    (frames peers sent: floods, gossip, pulls and their replies), mean hops of first receipts;
//  - churn: PeerLeave/PeerJoin counts.
// An item's population is the peers of its origin's overlay: the connected component of the links
// between `peer` nodes that holds its origin (a file may hold several overlays side by side).
// Coverage is a fraction of that population. One check: p2p-not-covered, each (item, peer) pair
// where a peer of the item's overlay never learned it by the end of the run (a TTL too low, gossip
// that died out, a peer offline throughout).
// Memory: per item one time per peer (bounded by items x peers).
#include "domaincheckers.h"

#include <map>
#include <unordered_map>
#include <vector>

namespace sb {

// The overlays of a topology: the connected components of the links between `peer` nodes. An
// item's population is the component of its origin (the P2P checker and the live coverage chart
// count coverage against it).
struct PeerOverlays {
    explicit PeerOverlays(const Topology &t);
    bool isPeer(NodeIndex n) const { return n < isPeerNode.size() && isPeerNode[n]; }
    // The peers of `origin`'s overlay (every peer when it is not a peer).
    std::uint32_t population(NodeIndex origin) const
    {
        return isPeer(origin) ? componentSize[component[origin]] : peers;
    }
    std::vector<char> isPeerNode;
    std::vector<std::uint32_t> component;     // by node: its overlay
    std::vector<std::uint32_t> componentSize; // peers in each
    std::uint32_t peers = 0;
};

struct CoveragePoint {
    SimTime time = 0;    // since the item's origination (per item) or the run's start (overall)
    double fraction = 0; // of the peers
};

struct P2PItemReport {
    std::uint64_t id = 0;
    NodeIndex origin = kNoIndex;
    SimTime originatedAt = 0;
    std::uint32_t population = 0; // peers of its origin's overlay
    std::uint32_t learned = 0;    // peers holding it at the end (its origin included)
    double coverage = 0;          // learned / population
    // Time from origination to 50 / 99 / 100 % of the peers; kNever when not reached.
    SimTime to50 = kNever, to99 = kNever, to100 = kNever;
    double meanHops = 0; // of the peers that learned it from others
    std::uint32_t maxHops = 0;
};

struct P2PReport {
    std::uint32_t peers = 0;
    std::vector<P2PItemReport> items;
    double meanCoverage = 0;      // over items
    double duplicatesPerPeer = 0; // Deduplicated drops / peers
    double messagesPerPeer = 0;   // peer frames sent / peers
    double meanHops = 0;          // over all first receipts from another peer
    std::uint64_t duplicates = 0, messages = 0, ttlExpired = 0, lostToOffline = 0;
    std::uint64_t leaves = 0, joins = 0, lookups = 0;
    // Mean coverage over the items from the run's start to the last first receipt, at
    // kSeriesPoints evenly spaced times (coverageSeries): the S-curve the charts plot.
    std::vector<CoveragePoint> series;
    bool any() const { return !items.empty(); }
};

class P2PChecker final : public DomainChecker {
public:
    static constexpr const char *kNotCovered = "p2p-not-covered";
    static constexpr std::size_t kKeptExamples = 64;
    static constexpr std::size_t kSeriesPoints = 50;

    P2PChecker(const Topology &t, std::vector<std::string> nodeLabels);
    static const std::vector<std::pair<std::string, std::string>> &help();

    void onEvent(const TraceEvent &e) override;
    bool any() const override { return !m_items.empty(); }
    std::vector<CheckResult> checks() const override;

    P2PReport report() const;
    // The S-curve of item `index` (in origination order): a point at each first receipt.
    std::vector<CoveragePoint> coverageCurve(std::size_t index) const;
    // Mean coverage over all items at `points` evenly spaced times from 0 to `end` (run time;
    // an item counts 0 before it is originated).
    std::vector<CoveragePoint> coverageSeries(SimTime end, std::size_t points) const;
    // Per peer (by node index; non-peers 0): duplicates received, frames sent.
    std::uint64_t duplicatesAt(NodeIndex n) const { return n < m_dups.size() ? m_dups[n] : 0; }
    std::uint64_t messagesFrom(NodeIndex n) const { return n < m_sent.size() ? m_sent[n] : 0; }

private:
    struct Item {
        std::uint64_t id = 0;
        NodeIndex origin = kNoIndex;
        SimTime at = 0;
        std::vector<SimTime> learnedAt; // first receipts (origin at its origination), in time order
        std::uint64_t hopSum = 0;
        std::uint32_t fromOthers = 0, maxHops = 0;
        std::vector<char> has; // by node index
    };
    bool isPeer(NodeIndex n) const { return m_overlays.isPeer(n); }
    std::uint32_t population(const Item &i) const { return m_overlays.population(i.origin); }
    Item &item(const TraceEvent &e);

    std::vector<std::string> m_labels;
    PeerOverlays m_overlays;
    std::vector<Item> m_items;
    std::unordered_map<std::uint64_t, std::size_t> m_index;
    std::vector<std::uint64_t> m_dups, m_sent;
    std::uint64_t m_ttlExpired = 0, m_offline = 0, m_leaves = 0, m_joins = 0, m_lookups = 0;
};

// The report as the run summary's text lines ("Peer to peer: ...") and JSON ("p2p").
std::string formatP2PReport(const P2PReport &r);
Json p2pReportJson(const P2PReport &r);

} // namespace sb
