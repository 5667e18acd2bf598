// Kademlia (core/nodes/p2p/kademlia.cpp): lookups find the node closest to a key by XOR, their
// hops grow like log N (N = 64 vs 512), runs are deterministic, and under churn some lookups meet
// timeouts (dead contacts) yet still end.
#include "nodes/p2p/p2p.h"
#include "p2ptest.h"

#include <cmath>

using namespace sb;
using namespace sbtest;

class TestKademlia : public QObject {
    Q_OBJECT
private slots:
    void lookupsFindClosest();
    void hopsGrowLogarithmically();
    void deterministic();
    void churnTimeouts();
    void badProperties();
};

namespace {

Topology dht(int n, const Json &props, std::uint64_t seed = 1)
{
    TopologyBuilder b;
    b.seed(seed);
    b.node("net", "ip-network");
    for (int i = 1; i <= n; ++i) {
        const std::string id = "kad-" + std::to_string(i);
        b.node(id, "kademlia-node", props).link(id, "net");
    }
    return b.topology();
}

struct Hops {
    double mean = 0;
    std::size_t lookups = 0, failed = 0;
    std::size_t timeouts = 0;
};

Hops hopsOf(const Run &r)
{
    Hops h;
    double sum = 0;
    for (const auto &e : r.trace.events) {
        if (e.kind == TraceKind::Timeout) ++h.timeouts;
        if (e.kind != TraceKind::Lookup) continue;
        ++h.lookups;
        if (e.reason != DropReason::None) {
            ++h.failed;
            continue;
        }
        sum += double(e.aux);
    }
    if (h.lookups > h.failed) h.mean = sum / double(h.lookups - h.failed);
    return h;
}

} // namespace

void TestKademlia::lookupsFindClosest()
{
    // Without churn every lookup ends at the node whose id is XOR-closest to its key.
    const int n = 40;
    auto r = run(dht(n, {{"k", 8}, {"lookups", 3}, {"lookupsFrom", 3000}, {"joinSpread", 1000}}));
    QVERIFY(r);
    QCOMPARE(r->reason, StopReason::Quiescent);
    std::vector<std::uint64_t> ids;
    for (int i = 1; i <= n; ++i)
        ids.push_back(kademliaId("kad-" + std::to_string(i)));
    std::size_t lookups = 0;
    for (const auto &e : r->trace.events) {
        if (e.kind != TraceKind::Lookup) continue;
        ++lookups;
        QCOMPARE(e.reason, DropReason::None);
        // The key's 63 high bits ride in offset; the closest id by them (the lowest bit cannot
        // change which id is closest unless two ids differ only there).
        const std::uint64_t key = std::uint64_t(e.offset) << 1;
        // The origin never finds itself: the closest among the others.
        const std::uint64_t origin = kademliaId(r->sim->topology().nodes[e.node].id);
        std::uint64_t best = origin == ids[0] ? ids[1] : ids[0];
        for (auto id : ids)
            if (id != origin && (id ^ key) >> 1 < (best ^ key) >> 1) best = id;
        const std::uint64_t found = kademliaId(r->sim->topology().nodes[e.peer].id);
        QCOMPARE(found, best);
    }
    QCOMPARE(lookups, std::size_t(3 * n));
}

void TestKademlia::hopsGrowLogarithmically()
{
    // k = 4 so that tables do not hold most of a small network: the iterative lookup's rounds grow
    // with log N. From 64 to 512 nodes (8 times as many, log2 N from 6 to 9) mean hops grow, but
    // far less than 8-fold.
    const Json props = {{"k", 4}, {"alpha", 3}, {"lookups", 4}, {"lookupsFrom", 8000}, {"joinSpread", 4000}};
    const auto small = run(dht(64, props));
    const auto large = run(dht(512, props));
    const Hops hs = hopsOf(*small), hl = hopsOf(*large);
    qInfo("mean hops: N=64 %.2f (%zu lookups), N=512 %.2f (%zu lookups)", hs.mean, hs.lookups, hl.mean,
          hl.lookups);
    QCOMPARE(hs.lookups, std::size_t(64 * 4));
    QCOMPARE(hl.lookups, std::size_t(512 * 4));
    QCOMPARE(hs.failed + hl.failed, std::size_t(0));
    QVERIFY(hl.mean > hs.mean + 0.3);
    QVERIFY(hl.mean < hs.mean * 2.5);
}

void TestKademlia::deterministic()
{
    auto hashOf = [](std::uint64_t seed) {
        std::string error;
        auto sim = Simulation::build(
            dht(50, {{"lookups", 2}, {"sessionTime", "exp(20s)"}, {"offTime", "exp(5s)"}}, seed), error);
        HashSink h;
        sim->addSink(&h);
        RunOptions o;
        o.until = 120 * kSecond;
        sim->run(o);
        return h.hash();
    };
    QCOMPARE(hashOf(3), hashOf(3));
    QVERIFY(hashOf(3) != hashOf(4));
}

void TestKademlia::churnTimeouts()
{
    // Nodes leave (exp(8s) sessions) and come back (exp(4s) away): lookups meet contacts that do not
    // answer (Timeout, the contact evicted from its bucket) and go on with the next closest; they
    // still end, most of them with an answer.
    const Json props = {{"k", 8},
                        {"lookups", 6},
                        {"lookupsFrom", 4000},
                        {"sessionTime", "exp(8s)"},
                        {"offTime", "exp(4s)"},
                        {"lookupInterval", "exp(2s)"},
                        {"rpcTimeout", 500}};
    auto r = run(dht(80, props), 200 * kSecond);
    QVERIFY(r);
    const Hops h = hopsOf(*r);
    qInfo("churn: %zu lookups, %zu failed, %zu RPC timeouts, mean hops %.2f, %zu leaves", h.lookups, h.failed,
          h.timeouts, h.mean, r->trace.count(TraceKind::PeerLeave));
    QVERIFY(r->trace.count(TraceKind::PeerLeave) > 20);
    QVERIFY(h.timeouts > 0);
    QVERIFY(r->trace.count(TraceKind::Drop, DropReason::ClientOffline) > 0);
    QVERIFY(h.lookups > 200);
    QVERIFY(h.failed < h.lookups / 4);
}

void TestKademlia::badProperties()
{
    TopologyBuilder b;
    b.node("net", "ip-network").node("a", "kademlia-node", {{"alpha", 0}}).link("a", "net");
    b.node("b", "kademlia-node");
    const auto errors = validationErrors(b.topology());
    QCOMPARE(errors.size(), std::size_t(2));
    QVERIFY2(QString::fromStdString(errors[0]).contains("alpha"), errors[0].c_str());
    QVERIFY2(QString::fromStdString(errors[1]).contains("port \"net\" is not connected"), errors[1].c_str());
}

QTEST_GUILESS_MAIN(TestKademlia)
#include "tst_kademlia.moc"
