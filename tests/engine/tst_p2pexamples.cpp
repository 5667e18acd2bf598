// The bundled peer-to-peer examples, each asserting the outcome it exists to show.
#include "nodelabels.h"
#include "nodes/p2p/p2p.h"
#include "p2ptest.h"
#include "summary.h"

#include <map>

using namespace sb;
using namespace sbtest;

class TestP2PExamples : public QObject {
    Q_OBJECT
private slots:
    void gossipEpidemic();
    void floodingTtl();
    void kademliaLookup();
    void p2pVsClientServer();
    void runSummary();
};

namespace {

P2PRun runExampleP2P(const char *name)
{
    const auto loaded = loadTopologyFile(std::string(SIGNALBOX_EXAMPLES_DIR) + "/" + name);
    if (!loaded.ok()) {
        qWarning("%s", loaded.errorText().c_str());
        return {};
    }
    return runP2P(*loaded.topology);
}

// The report's items by the id prefix of their origin ("push-", "pp-").
std::map<std::string, P2PItemReport> itemsByGroup(const P2PRun &r)
{
    std::map<std::string, P2PItemReport> out;
    for (const auto &i : r.report().items) {
        const std::string id = r.run->sim->topology().nodes[i.origin].id;
        out[id.substr(0, id.find('-') + 1)] = i;
    }
    return out;
}

// Coverage of the peers whose ids start with `prefix` only (each group is its own overlay).
double groupCoverage(const P2PRun &r, const std::string &prefix)
{
    std::size_t peers = 0, learned = 0;
    const auto &nodes = r.run->sim->topology().nodes;
    for (NodeIndex n = 0; n < nodes.size(); ++n) {
        if (nodes[n].id.rfind(prefix, 0) != 0) continue;
        ++peers;
        learned += r.run->trace.countAt(TraceKind::Learn, n) > 0;
    }
    return peers ? double(learned) / double(peers) : 0;
}

std::size_t groupDuplicates(const P2PRun &r, const std::string &prefix)
{
    std::size_t n = 0;
    const auto &nodes = r.run->sim->topology().nodes;
    for (const auto &e : r.run->trace.events)
        if (e.kind == TraceKind::Drop && e.reason == DropReason::Deduplicated && e.node < nodes.size() &&
            nodes[e.node].id.rfind(prefix, 0) == 0)
            ++n;
    return n;
}

SimTime groupFullAt(const P2PRun &r, const std::string &prefix)
{
    const auto &nodes = r.run->sim->topology().nodes;
    std::size_t peers = 0;
    for (const auto &n : nodes)
        peers += n.id.rfind(prefix, 0) == 0;
    std::size_t learned = 0;
    for (const auto &e : r.run->trace.events)
        if (e.kind == TraceKind::Learn && nodes[e.node].id.rfind(prefix, 0) == 0 && ++learned == peers)
            return e.time;
    return kNever;
}

} // namespace

void TestP2PExamples::gossipEpidemic()
{
    // Two overlays of 100 Watts-Strogatz peers, one rumour each: push-pull informs every peer, and
    // sooner than push, whose last peers wait long to be picked (or are never reached).
    auto r = runExampleP2P("p2p-gossip-epidemic.json");
    QVERIFY(r.run);
    QCOMPARE(r.run->reason, StopReason::Quiescent);
    const double push = groupCoverage(r, "push-"), pushPull = groupCoverage(r, "pp-");
    const SimTime pushFull = groupFullAt(r, "push-"), pushPullFull = groupFullAt(r, "pp-");
    qInfo("push: coverage %.2f, full at %s; push-pull: coverage %.2f, full at %s", push,
          formatDuration(pushFull).c_str(), pushPull, formatDuration(pushPullFull).c_str());
    QCOMPARE(pushPull, 1.0);
    QVERIFY(pushPullFull < pushFull);
}

void TestP2PExamples::floodingTtl()
{
    // TTL 2 on a random 4-regular overlay of 50 reaches only the peers within 2 hops; TTL 7 reaches
    // all of them, with many duplicates (each peer hears the flood from most of its neighbours).
    auto r = runExampleP2P("p2p-flooding-ttl.json");
    QVERIFY(r.run);
    QCOMPARE(r.run->reason, StopReason::Quiescent);
    const double low = groupCoverage(r, "low-"), high = groupCoverage(r, "high-");
    const std::size_t lowDups = groupDuplicates(r, "low-"), highDups = groupDuplicates(r, "high-");
    qInfo("TTL 2: coverage %.2f, %zu duplicates, %zu TTL expiries; TTL 7: coverage %.2f, %zu duplicates", low,
          lowDups, r.run->trace.count(TraceKind::Drop, DropReason::TtlExpired), high, highDups);
    QVERIFY(low < 0.5);
    QCOMPARE(high, 1.0);
    QVERIFY(highDups > 50);
    QVERIFY(highDups > 4 * lowDups);
    QVERIFY(r.run->trace.count(TraceKind::Drop, DropReason::TtlExpired) > 0);
    QVERIFY(notCovered(r) > 0);
}

void TestP2PExamples::kademliaLookup()
{
    auto r = runExample("p2p-kademlia-lookup.json");
    QVERIFY(r);
    QCOMPARE(r->reason, StopReason::Quiescent);
    std::size_t lookups = 0, failed = 0;
    double hops = 0;
    for (const auto &e : r->trace.events)
        if (e.kind == TraceKind::Lookup) {
            ++lookups;
            if (e.reason != DropReason::None)
                ++failed;
            else
                hops += double(e.aux);
        }
    qInfo("%zu lookups, %zu failed, mean hops %.2f", lookups, failed, hops / double(lookups - failed));
    QCOMPARE(lookups, std::size_t(64 * 5));
    QCOMPARE(failed, std::size_t(0));
    // k = 20 of 64 nodes: most lookups take one or two rounds.
    QVERIFY(hops / double(lookups) >= 1.0);
    QVERIFY(hops / double(lookups) < 3.0);
    // Each ends at the node whose id is XOR-closest to its key (63 high bits ride in offset).
    const auto &nodes = r->sim->topology().nodes;
    for (const auto &e : r->trace.events) {
        if (e.kind != TraceKind::Lookup) continue;
        const std::uint64_t key = std::uint64_t(e.offset) << 1;
        std::uint64_t best = 0;
        bool first = true;
        for (NodeIndex n = 0; n < nodes.size(); ++n)
            if (nodes[n].kind == "kademlia-node" && n != e.node) {
                const std::uint64_t id = kademliaId(nodes[n].id);
                if (first || (id ^ key) >> 1 < (best ^ key) >> 1) best = id;
                first = false;
            }
        QCOMPARE(kademliaId(nodes[e.peer].id), best);
    }
}

void TestP2PExamples::p2pVsClientServer()
{
    // The same 16 downloaders and upload rate: the file server needs N F / us = 16 s; the swarm
    // about F / us = 1 s and a little more.
    auto r = runExample("p2p-vs-client-server.json");
    QVERIFY(r);
    QCOMPARE(r->reason, StopReason::Quiescent);
    SimTime clients = 0, peers = 0;
    std::size_t doneClients = 0, donePeers = 0;
    const auto &nodes = r->sim->topology().nodes;
    for (const auto &e : r->trace.events)
        if (e.kind == TraceKind::Process) {
            if (nodes[e.node].id.rfind("client-", 0) == 0) {
                ++doneClients;
                clients = std::max(clients, e.time);
            } else {
                ++donePeers;
                peers = std::max(peers, e.time);
            }
        }
    qInfo("client-server: %s, swarm: %s", formatDuration(clients).c_str(), formatDuration(peers).c_str());
    QCOMPARE(doneClients, std::size_t(16));
    QCOMPARE(donePeers, std::size_t(16));
    QVERIFY(clients >= 16 * kSecond);
    QVERIFY(peers * 4 < clients);
}

void TestP2PExamples::runSummary()
{
    // The run summary (as the CLI and the window build it, with the domain checkers) has the P2P
    // section, in text and JSON, and the p2p-not-covered check counts the TTL-2 flood's misses.
    const auto loaded = loadTopologyFile(std::string(SIGNALBOX_EXAMPLES_DIR) + "/p2p-flooding-ttl.json");
    QVERIFY(loaded.ok());
    auto r = prepare(*loaded.topology);
    QVERIFY(r);
    const DomainCheckers domain = makeDomainCheckers(*loaded.topology, nodeLabels(*loaded.topology));
    for (const auto &c : domain)
        r->sim->addSink(c.get());
    RunOptions o;
    r->reason = r->sim->run(o);
    const RunSummary s =
        buildSummary(*r->sim, *r->metrics, *r->checker, r->reason, 0, nullptr, nullptr, nullptr, &domain);
    QCOMPARE(s.p2p.peers, 100u);
    QCOMPARE(s.p2p.items.size(), std::size_t(2));
    const CheckResult *missed = s.check("p2p-not-covered");
    QVERIFY(missed);
    QCOMPARE(missed->count, std::uint64_t(50 - 16)); // the TTL-2 overlay's; the TTL-7 one misses none
    const std::string text = formatSummary(s);
    QVERIFY2(text.find("Peer to peer: 100 peers, 2 items") != std::string::npos, text.c_str());
    QVERIFY(text.find("TTL expiries") != std::string::npos);
    const Json j = summaryToJson(s);
    QVERIFY(j.contains("p2p"));
    QVERIFY(j["p2p"]["items"].size() == 2);
    QVERIFY(j["p2p"]["duplicates"].get<std::uint64_t>() > 50);
}

QTEST_GUILESS_MAIN(TestP2PExamples)
#include "tst_p2pexamples.moc"
