// The live chart figures of actors and peers (TimeSeriesSink): an actor's mailbox depth and
// restarts, checked against ActorMetrics and the actors' status on the same run; an item's
// coverage over time (the epidemic S-curve), checked against the P2P checker and against counts
// made by hand on small overlays.
#include "actormetrics.h"
#include "actortest.h"
#include "p2ptest.h"
#include "timeseries.h"

#include <cmath>
#include <map>

using namespace sb;
using namespace sbtest;

namespace {

// An attached series sink with the status source the window gives it.
struct SeriesRun {
    std::unique_ptr<Run> run;
    std::unique_ptr<TimeSeriesSink> series;
    std::unique_ptr<ActorMetrics> actors;
    std::unique_ptr<P2PChecker> p2p;
};

SeriesRun runWithSeries(const Topology &t, SimTime until, SimTime width = 10 * kMillisecond)
{
    SeriesRun out;
    out.run = prepare(t);
    if (!out.run) return out;
    out.series = std::make_unique<TimeSeriesSink>(t, width, 1 << 20);
    out.actors = std::make_unique<ActorMetrics>(t);
    out.p2p = std::make_unique<P2PChecker>(t, std::vector<std::string>(t.nodes.size()));
    const Simulation *sim = out.run->sim.get();
    out.series->setStatusSource([sim](NodeIndex n) { return sim->nodeStatus(n); });
    out.run->sim->addSink(out.series.get());
    out.run->sim->addSink(out.actors.get());
    out.run->sim->addSink(out.p2p.get());
    RunOptions o;
    o.until = until;
    out.run->sim->run(o);
    out.series->flush();
    return out;
}

const ActorFigures *figuresOf(const ActorReport &r, NodeIndex n)
{
    for (const auto &f : r.nodes)
        if (f.node == n) return &f;
    return nullptr;
}
const ActorFigures *figuresOf(ActorReport &&, NodeIndex) = delete; // would point into a temporary

// The values of an item key's coverage as one dense vector (NaN before it was originated).
std::vector<double> coverageOf(const TimeSeriesDelta &d, std::uint64_t item)
{
    for (std::size_t k = 0; k < d.itemKeys.size(); ++k)
        if (d.itemKeys[k].item == item) return d.coverage[k];
    return {};
}

} // namespace

class TestActorP2PSeries : public QObject {
    Q_OBJECT

private slots:
    void mailboxDepth_data();
    void mailboxDepth();
    void restartsOfActorsAndSupervisors();
    void coverageByHand_data();
    void coverageByHand();
    void coverageMatchesTheChecker();
    void coveragePerOverlay();
    void coarsenedCoverageKeepsItsLevels();
    void lookupHopsAreTheMeanOfCompletedLookups();
};

void TestActorP2PSeries::mailboxDepth_data()
{
    QTest::addColumn<int>("messages");
    QTest::addColumn<double>("gapMs");
    QTest::addColumn<QString>("processing");
    QTest::addColumn<bool>("backlog"); // the mailbox ever holds more than one waiting message
    QTest::newRow("keeps up") << 20 << 50.0 << "5ms" << false;
    QTest::newRow("falls behind") << 40 << 5.0 << "20ms" << true;
    QTest::newRow("burst") << 60 << 0.0 << "10ms" << true;
}

void TestActorP2PSeries::mailboxDepth()
{
    QFETCH(int, messages);
    QFETCH(double, gapMs);
    QFETCH(QString, processing);
    QFETCH(bool, backlog);
    TopologyBuilder b;
    b.node("client", "actor-client", {{"script", actorScript(every(0, gapMs, messages, "work"))}})
        .node("a", "actor", {{"processingTime", processing.toStdString()}})
        .link("client", "a");
    // Stop half-way through the backlog (when there is one), so that the last level is not 0.
    const SimTime until = backlog ? 400 * kMillisecond : 5 * kSecond;
    auto r = runWithSeries(b.topology(), until);
    QVERIFY(r.run);
    const NodeIndex a = r.run->index("a"), client = r.run->index("client");
    const auto &buckets = r.series->buckets(a);
    QVERIFY(!buckets.empty());
    std::uint32_t most = 0;
    for (const auto &bucket : buckets) {
        QVERIFY(bucket.mailboxMax >= bucket.mailboxLast);
        most = std::max(most, bucket.mailboxMax);
    }
    // The deepest mailbox of the run is the one ActorMetrics saw (Enqueue events), and the level at
    // the end is what the actor holds then.
    const ActorReport report = r.actors->report(); // figuresOf points into it
    const ActorFigures *f = figuresOf(report, a);
    QVERIFY(f);
    QCOMPARE(std::uint64_t(most), f->maxMailbox);
    QCOMPARE(std::uint64_t(buckets.back().mailboxLast), r.run->sim->nodeStatus(a).ready);
    QCOMPARE(most > 1, backlog);
    // A delta carries the figure for actors only.
    auto snap = r.series->snapshot();
    const auto &values = snap->nodeValues[a][int(SeriesMetric::MailboxDepth)];
    QCOMPARE(values.size(), buckets.size());
    for (std::size_t i = 0; i < buckets.size(); ++i)
        QCOMPARE(values[i], double(buckets[i].mailboxMax));
    QVERIFY(snap->nodeValues[client][int(SeriesMetric::MailboxDepth)].empty());
}

void TestActorP2PSeries::restartsOfActorsAndSupervisors()
{
    // A poison message every 100 ms to b; one-for-all restarts a, b and c each time.
    TopologyBuilder b;
    b.node("client", "actor-client", {{"script", actorScript(every(0, 100, 5, "poison"))}})
        .node("sup", "supervisor", {{"strategy", "one-for-all"}, {"maxRestarts", 100}})
        .node("a", "actor")
        .node("b", "actor", {{"poison", "poison"}})
        .node("c", "actor")
        .link("sup", "a", {}, "children", "parent")
        .link("sup", "b", {}, "children", "parent")
        .link("sup", "c", {}, "children", "parent")
        .link("client", "b");
    auto r = runWithSeries(b.topology(), 2 * kSecond);
    QVERIFY(r.run);
    const ActorReport report = r.actors->report();
    std::uint64_t total = 0;
    for (const char *id : {"sup", "a", "b", "c"}) {
        const NodeIndex n = r.run->index(id);
        std::uint64_t sum = 0;
        for (const auto &bucket : r.series->buckets(n))
            sum += bucket.restarts;
        const ActorFigures *f = figuresOf(report, n);
        QVERIFY(f);
        QCOMPARE(sum, std::string(id) == "sup" ? f->restartsOrdered : f->restarts);
        total += sum;
    }
    QCOMPARE(report.restarts, std::uint64_t(15)); // 5 poison messages, 3 children restarted each
    QCOMPARE(total, 2 * report.restarts);
    // A rate per second.
    auto snap = r.series->snapshot();
    const NodeIndex sup = r.run->index("sup");
    const double perSecond = 1e9 / double(r.series->bucketWidth());
    for (std::size_t i = 0; i < r.series->bucketCount(); ++i)
        QCOMPARE(snap->nodeValues[sup][int(SeriesMetric::Restarts)][i],
                 r.series->buckets(sup)[i].restarts * perSecond);
}

void TestActorP2PSeries::coverageByHand_data()
{
    // Flooding over a line of peers with 10 ms links: peer k learns the item at (k - 1) x 10 ms, so
    // with 10 ms buckets the coverage in bucket k is (k + 1) of n peers, capped by the TTL.
    QTest::addColumn<int>("peers");
    QTest::addColumn<int>("ttl");
    QTest::addColumn<int>("reached");
    QTest::newRow("line of 5, ttl 8") << 5 << 8 << 5;
    QTest::newRow("line of 8, ttl 3") << 8 << 3 << 4;
    QTest::newRow("line of 6, ttl 1") << 6 << 1 << 2;
}

void TestActorP2PSeries::coverageByHand()
{
    QFETCH(int, peers);
    QFETCH(int, ttl);
    QFETCH(int, reached);
    std::string edges;
    for (int i = 1; i < peers; ++i)
        edges += (i > 1 ? "," : "") + std::to_string(i) + "-" + std::to_string(i + 1);
    const Topology t =
        overlayTopology(edgesOverlay(peers, edges), {{"dissemination", "flooding"}, {"ttl", ttl}},
                        {{1, Json{{"originate", 1}, {"originateAt", 0}}}}, {{"latency", "10ms"}});
    auto r = runWithSeries(t, 2 * kSecond);
    QVERIFY(r.run);
    auto snap = r.series->snapshot();
    QCOMPARE(snap->itemKeys.size(), std::size_t(2)); // the mean, and the one item
    QCOMPARE(snap->itemKeys[0].item, std::uint64_t(0));
    QCOMPARE(snap->itemKeys[1].node, r.run->index("peer-1"));
    const auto &item = snap->coverage[1];
    for (int k = 0; k < int(item.size()); ++k) {
        const double expected = 100.0 * std::min(k + 1, reached) / peers;
        QCOMPARE(item[std::size_t(k)], expected);
        QCOMPARE(snap->coverage[0][std::size_t(k)], expected); // one item: the mean is the item
    }
    QCOMPARE(item.back(), 100.0 * reached / peers);
}

void TestActorP2PSeries::coverageMatchesTheChecker()
{
    // The bundled gossip example: at every bucket's end, the coverage of each item is the share of
    // its learners before then, and times to 50 % and 100 % agree with the checker's.
    auto loaded = loadTopologyFile(std::string(SIGNALBOX_EXAMPLES_DIR) + "/p2p-gossip-epidemic.json");
    QVERIFY(loaded.ok());
    const SimTime width = 10 * kMillisecond;
    auto r = runWithSeries(*loaded.topology, 20 * kSecond, width);
    QVERIFY(r.run);
    const P2PReport report = r.p2p->report();
    QVERIFY(!report.items.empty());
    auto snap = r.series->snapshot();
    QCOMPARE(snap->itemKeys.size(), std::min(report.items.size(), TimeSeriesSink::kMaxKeys) + 1);
    int sCurve = 0;
    for (const P2PItemReport &item : report.items) {
        const std::vector<double> v = coverageOf(*snap, item.id);
        if (v.empty()) continue; // beyond the keyed items
        const auto firstAt = [&](double percent) -> SimTime {
            for (std::size_t b = 0; b < v.size(); ++b)
                if (!std::isnan(v[b]) && v[b] >= percent - 1e-9) return SimTime(b);
            return kNever;
        };
        const auto bucketOf = [&](SimTime since) {
            return since == kNever ? kNever : (item.originatedAt + since) / width;
        };
        QCOMPARE(firstAt(50), bucketOf(item.to50));
        QCOMPARE(firstAt(100), bucketOf(item.to100));
        QCOMPARE(v.back(), 100.0 * item.coverage);
        // Never falls; NaN before the item existed.
        double last = 0;
        for (std::size_t b = 0; b < v.size(); ++b) {
            if (SimTime(b) < item.originatedAt / width) QVERIFY(std::isnan(v[b]));
            if (std::isnan(v[b])) continue;
            QVERIFY(v[b] >= last);
            last = v[b];
        }
        ++sCurve;
    }
    QVERIFY(sCurve > 0);
    // The mean at the end is the checker's mean coverage.
    QVERIFY(std::abs(snap->coverage[0].back() - 100.0 * report.meanCoverage) < 1e-9);
}

void TestActorP2PSeries::coveragePerOverlay()
{
    // Two overlays side by side (1-2-3 and 4-5): an item from peer 4 covers its own two peers.
    const Topology t = overlayTopology(
        edgesOverlay(5, "1-2,2-3,4-5"), {{"dissemination", "flooding"}, {"ttl", 5}},
        {{1, Json{{"originate", 1}, {"originateAt", 0}}}, {4, Json{{"originate", 1}, {"originateAt", 0}}}});
    auto r = runWithSeries(t, kSecond);
    QVERIFY(r.run);
    auto snap = r.series->snapshot();
    QCOMPARE(snap->itemKeys.size(), std::size_t(3));
    for (std::size_t k = 1; k < 3; ++k)
        QCOMPARE(snap->coverage[k].back(), 100.0);
    QCOMPARE(snap->coverage[0].back(), 100.0);
    // Not peers: no coverage at all.
    TopologyBuilder b;
    b.node("p", "producer", {{"rate", 10}, {"duration", 100}}).node("q", "queue").node("c", "consumer");
    b.link("p", "q").link("q", "c");
    auto plain = runWithSeries(b.topology(), kSecond);
    QVERIFY(plain.run);
    QVERIFY(plain.series->itemKeys().empty());
}

void TestActorP2PSeries::coarsenedCoverageKeepsItsLevels()
{
    // With few buckets allowed, buckets merge as the run grows: a level merges to its last value.
    const Topology t =
        overlayTopology(edgesOverlay(6, "1-2,2-3,3-4,4-5,5-6"), {{"dissemination", "flooding"}, {"ttl", 8}},
                        {{1, Json{{"originate", 1}, {"originateAt", 0}}}}, {{"latency", "100ms"}});
    auto prepared = prepare(t);
    QVERIFY(prepared);
    TimeSeriesSink series(t, 10 * kMillisecond, 8);
    prepared->sim->addSink(&series);
    RunOptions o;
    o.until = 2 * kSecond;
    prepared->sim->run(o);
    series.flush();
    QVERIFY(series.bucketWidth() > 10 * kMillisecond);
    auto snap = series.snapshot();
    QCOMPARE(snap->coverage[1].back(), 100.0);
    double last = 0;
    for (double v : snap->coverage[1]) {
        if (std::isnan(v)) continue;
        QVERIFY(v >= last);
        last = v;
    }
}

void TestActorP2PSeries::lookupHopsAreTheMeanOfCompletedLookups()
{
    // The bundled Kademlia example: per node and bucket, the mean hops of its completed lookups,
    // counted here from the trace's Lookup events.
    auto loaded = loadTopologyFile(std::string(SIGNALBOX_EXAMPLES_DIR) + "/p2p-kademlia-lookup.json");
    QVERIFY(loaded.ok());
    const Topology &t = *loaded.topology;
    auto r = prepare(t);
    QVERIFY(r);
    const SimTime width = 10 * kMillisecond;
    TimeSeriesSink series(t, width, 1 << 20);
    r->sim->addSink(&series);
    RunOptions o;
    o.until = 60 * kSecond;
    r->sim->run(o);
    series.flush();
    std::map<std::pair<NodeIndex, std::size_t>, std::pair<std::uint64_t, std::uint64_t>>
        byHand; // count, hops
    for (const TraceEvent &e : r->trace.events) {
        if (e.kind != TraceKind::Lookup || e.reason != DropReason::None) continue;
        auto &[count, hops] = byHand[{e.node, std::size_t(e.time / width)}];
        ++count;
        hops += std::uint64_t(e.aux);
    }
    QVERIFY(!byHand.empty());
    auto snap = series.snapshot();
    std::size_t buckets = 0;
    for (NodeIndex n = 0; n < t.nodes.size(); ++n) {
        const auto &values = snap->nodeValues[n][int(SeriesMetric::LookupHops)];
        // Only Kademlia nodes have the figure; the ip-network's is not even sent.
        QCOMPARE(values.empty(), t.nodes[n].kind != "kademlia-node");
        if (values.empty()) continue;
        for (std::size_t b = 0; b < series.bucketCount(); ++b) {
            const double v = values[b];
            const auto it = byHand.find({n, b});
            if (it == byHand.end()) {
                QVERIFY(std::isnan(v));
                continue;
            }
            QCOMPARE(v, double(it->second.second) / double(it->second.first));
            ++buckets;
        }
    }
    QCOMPARE(buckets, byHand.size());
}

QTEST_GUILESS_MAIN(TestActorP2PSeries)
#include "tst_actorp2pseries.moc"
