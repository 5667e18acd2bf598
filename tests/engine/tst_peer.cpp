// The `peer` kind (core/nodes/p2p/peer.cpp): flooding with TTL and duplicate suppression on small
// graphs worked out by hand, gossip (push, pull, push-pull; Demers et al. 1987) on 200 peers,
// anti-entropy, churn, determinism, and the Weibull distribution churn uses.
#include "p2ptest.h"

#include <cmath>

using namespace sb;
using namespace sbtest;

class TestPeer : public QObject {
    Q_OBJECT
private slots:
    void flooding_data();
    void flooding();
    void floodingHops();
    void gossipConvergence_data();
    void gossipConvergence();
    void pushPullBeatsPush();
    void feedbackCoin();
    void antiEntropyConverges();
    void churnOfflinePeersMiss();
    void churnAntiEntropyCatchesUp();
    void deterministic();
    void badProperties_data();
    void badProperties();
    void weibull_data();
    void weibull();
    void summaryText();
};

namespace {
constexpr SimTime kRound = 100 * kMillisecond;

Json gossipPeer(const std::string &mode, int fanout = 1, int rounds = 10)
{
    return Json{{"dissemination", "gossip"},
                {"gossip", mode},
                {"fanout", fanout},
                {"rounds", rounds},
                {"roundPeriod", "100ms"}};
}

Overlay wattsStrogatz(int n, std::uint64_t seed)
{
    OverlayParams p;
    p.shape = OverlayShape::WattsStrogatz;
    p.n = n;
    p.k = 3;
    p.beta = 0.2;
    p.seed = seed;
    p.layout = OverlayLayout::Circular;
    return generated(p);
}
} // namespace

void TestPeer::flooding_data()
{
    QTest::addColumn<int>("n");
    QTest::addColumn<QString>("edges");
    QTest::addColumn<int>("origin");
    QTest::addColumn<int>("ttl");
    QTest::addColumn<int>("learned"); // peers holding the item at the end, its origin included
    QTest::addColumn<int>("duplicates");
    QTest::addColumn<int>("ttlExpired");
    const QString ring6 = "1-2,2-3,3-4,4-5,5-6,6-1";
    // A 6-ring from peer 1: TTL t reaches the peers within t hops each way. At TTL 3 the two copies
    // meet at peer 4: the second is a duplicate, the first's TTL is spent (a drop). From TTL 4 peer 4
    // forwards on and the copies cross: peer 4 and its other neighbour each see one duplicate.
    QTest::newRow("ring ttl 1") << 6 << ring6 << 1 << 1 << 3 << 0 << 2;
    QTest::newRow("ring ttl 2") << 6 << ring6 << 1 << 2 << 5 << 0 << 2;
    QTest::newRow("ring ttl 3") << 6 << ring6 << 1 << 3 << 6 << 1 << 1;
    QTest::newRow("ring ttl 4") << 6 << ring6 << 1 << 4 << 6 << 2 << 0;
    QTest::newRow("ring ttl 7") << 6 << ring6 << 1 << 7 << 6 << 2 << 0;
    // A star, hub 1 and leaves 2..5: from a leaf, TTL 1 stops at the hub (which had leaves to
    // forward to: a drop); TTL 2 reaches every leaf, which has no one else to forward to.
    const QString star = "1-2,1-3,1-4,1-5";
    QTest::newRow("star leaf ttl 1") << 5 << star << 2 << 1 << 2 << 0 << 1;
    QTest::newRow("star leaf ttl 2") << 5 << star << 2 << 2 << 5 << 0 << 0;
    QTest::newRow("star hub ttl 1") << 5 << star << 1 << 1 << 5 << 0 << 0;
    // A line of 5.
    const QString line = "1-2,2-3,3-4,4-5";
    QTest::newRow("line end ttl 1") << 5 << line << 1 << 1 << 2 << 0 << 1;
    QTest::newRow("line end ttl 2") << 5 << line << 1 << 2 << 3 << 0 << 1;
    QTest::newRow("line end ttl 4") << 5 << line << 1 << 4 << 5 << 0 << 0;
    QTest::newRow("line middle ttl 1") << 5 << line << 3 << 1 << 3 << 0 << 2;
    QTest::newRow("line middle ttl 2") << 5 << line << 3 << 2 << 5 << 0 << 0;
    // A triangle: both neighbours forward to each other: two duplicates.
    QTest::newRow("triangle ttl 2") << 3 << "1-2,2-3,3-1" << 1 << 2 << 3 << 2 << 0;
    QTest::newRow("triangle ttl 1") << 3 << "1-2,2-3,3-1" << 1 << 1 << 3 << 0 << 2;
}

void TestPeer::flooding()
{
    QFETCH(int, n);
    QFETCH(QString, edges);
    QFETCH(int, origin);
    QFETCH(int, ttl);
    QFETCH(int, learned);
    QFETCH(int, duplicates);
    QFETCH(int, ttlExpired);
    const Json props = {{"dissemination", "flooding"}, {"ttl", ttl}};
    const auto t =
        overlayTopology(edgesOverlay(n, edges.toStdString()), props, {{origin, Json{{"originate", 1}}}});
    auto r = runP2P(t);
    QVERIFY(r.run);
    QCOMPARE(r.run->reason, StopReason::Quiescent);
    QCOMPARE(int(r.run->trace.count(TraceKind::Learn)), learned);
    QCOMPARE(int(r.run->trace.count(TraceKind::Drop, DropReason::Deduplicated)), duplicates);
    QCOMPARE(int(r.run->trace.count(TraceKind::Drop, DropReason::TtlExpired)), ttlExpired);
    const auto rep = r.report();
    QCOMPARE(rep.items.size(), std::size_t(1));
    QCOMPARE(int(rep.items[0].learned), learned);
    QCOMPARE(int(rep.duplicates), duplicates);
    QCOMPARE(int(notCovered(r)), n - learned);
    QCOMPARE(rep.items[0].to100 != kNever, learned == n);
}

void TestPeer::floodingHops()
{
    // On a line from one end, peer i learns at hop i - 1, 1 ms a hop (the default latency).
    const auto t = overlayTopology(edgesOverlay(5, "1-2,2-3,3-4,4-5"), {{"dissemination", "flooding"}},
                                   {{1, Json{{"originate", 1}, {"originateAt", 0}}}});
    auto r = runP2P(t);
    for (const auto &e : r.run->trace.events)
        if (e.kind == TraceKind::Learn) {
            const int peer = int(e.node) + 1;
            QCOMPARE(e.aux, peer - 1);
            QCOMPARE(e.time, SimTime(peer - 1) * kMillisecond);
        }
    const auto rep = r.report();
    QCOMPARE(rep.items[0].maxHops, 4u);
    QCOMPARE(rep.items[0].meanHops, 2.5); // (1 + 2 + 3 + 4) / 4
    QCOMPARE(rep.items[0].to100, 4 * kMillisecond);
    QCOMPARE(rep.items[0].to50, 2 * kMillisecond); // 3 of 5
}

void TestPeer::gossipConvergence_data()
{
    QTest::addColumn<QString>("mode");
    QTest::addColumn<int>("maxRounds"); // to 100 % coverage, each of 3 seeds
    // Push-pull reaches all of 200 peers in O(log N) rounds (Karp et al. 2000: log3 N + O(log log N)
    // on a complete graph; a Watts-Strogatz overlay of degree 6 is slower but still logarithmic).
    QTest::newRow("push-pull") << "push-pull" << int(3 * std::log2(200));
    QTest::newRow("pull") << "pull" << int(4 * std::log2(200));
}

void TestPeer::gossipConvergence()
{
    QFETCH(QString, mode);
    QFETCH(int, maxRounds);
    for (std::uint64_t seed : {1, 2, 3}) {
        const auto t =
            overlayTopology(wattsStrogatz(200, seed), gossipPeer(mode.toStdString(), 1, 20),
                            {{1, Json{{"originate", 1}, {"originateAt", 0}}}}, Json::object(), seed);
        auto r = runP2P(t);
        QVERIFY(r.run);
        QCOMPARE(r.run->reason, StopReason::Quiescent);
        const auto rep = r.report();
        QCOMPARE(rep.items.size(), std::size_t(1));
        const auto &i = rep.items[0];
        qInfo("%s seed %llu: 50%% in %.1f rounds, 100%% in %.1f rounds, mean hops %.2f, %.1f messages/peer",
              qPrintable(mode), (unsigned long long)seed, double(i.to50) / kRound, double(i.to100) / kRound,
              i.meanHops, rep.messagesPerPeer);
        QCOMPARE(i.learned, 200u);
        QVERIFY(i.to100 <= maxRounds * kRound);
        QCOMPARE(notCovered(r), std::uint64_t(0));
        // The S-curve: monotone, ends at 1.
        const auto curve = r.checker->coverageCurve(0);
        QCOMPARE(curve.size(), std::size_t(200));
        QCOMPARE(curve.back().fraction, 1.0);
        for (std::size_t k = 1; k < curve.size(); ++k)
            QVERIFY(curve[k].time >= curve[k - 1].time);
        // The series over the run: the origin alone at time 0 (it originates then), rising
        // monotonically to 1 at the last first receipt.
        const auto &series = rep.series;
        QCOMPARE(series.size(), P2PChecker::kSeriesPoints);
        QCOMPARE(series.front().time, SimTime(0));
        QCOMPARE(series.front().fraction, 1.0 / 200);
        QCOMPARE(series.back().fraction, 1.0);
        for (std::size_t k = 1; k < series.size(); ++k)
            QVERIFY(series[k].fraction >= series[k - 1].fraction);
        QVERIFY(series[series.size() / 2].fraction > 0.1); // the epidemic's middle is well under way
    }
}

void TestPeer::pushPullBeatsPush()
{
    // Push is fast while few know the rumour and slow at the end (each of the last peers waits to
    // be picked); pull the other way round. Push-pull finishes sooner than push, summed over seeds;
    // and pull's last half (50 % to 100 %) is quicker than push's (Demers et al. 1987, section 1.3).
    SimTime push = 0, pushPull = 0, pushTail = 0, pullTail = 0;
    for (std::uint64_t seed : {1, 2, 3, 4}) {
        auto once = [&](const char *mode) {
            const auto t =
                overlayTopology(wattsStrogatz(200, seed), gossipPeer(mode, 1, 30),
                                {{1, Json{{"originate", 1}, {"originateAt", 0}}}}, Json::object(), seed);
            auto r = runP2P(t);
            return r.report().items.at(0);
        };
        const auto a = once("push"), b = once("push-pull"), c = once("pull");
        QCOMPARE(a.learned, 200u);
        QCOMPARE(b.learned, 200u);
        QCOMPARE(c.learned, 200u);
        push += a.to100;
        pushPull += b.to100;
        pushTail += a.to100 - a.to50;
        pullTail += c.to100 - c.to50;
    }
    qInfo("100%%: push %.1f rounds, push-pull %.1f; 50%%->100%%: push %.1f, pull %.1f (means of 4)",
          double(push) / kRound / 4, double(pushPull) / kRound / 4, double(pushTail) / kRound / 4,
          double(pullTail) / kRound / 4);
    QVERIFY(pushPull < push);
    QVERIFY(pullTail < pushTail);
}

void TestPeer::feedbackCoin()
{
    // Feedback-coin: a peer stops pushing a rumour with probability 1/k each time it pushes it to
    // a peer that knew it. A larger k spreads further at the cost of more messages (Demers et al.
    // 1987, table 1: residue s falls as k grows).
    auto runK = [](int k) {
        Json props = gossipPeer("push", 1, 10);
        props["stopRule"] = "feedback-coin";
        props["coinK"] = k;
        double coverage = 0, messages = 0;
        for (std::uint64_t seed : {1, 2, 3}) {
            const auto t =
                overlayTopology(wattsStrogatz(200, seed), props,
                                {{1, Json{{"originate", 1}, {"originateAt", 0}}}}, Json::object(), seed);
            auto r = runP2P(t);
            coverage += r.report().items.at(0).coverage;
            messages += r.report().messagesPerPeer;
        }
        return std::pair{coverage / 3, messages / 3};
    };
    const auto [c1, m1] = runK(1);
    const auto [c4, m4] = runK(4);
    qInfo("feedback-coin k=1: coverage %.3f, %.2f msgs/peer; k=4: %.3f, %.2f", c1, m1, c4, m4);
    QVERIFY(c4 > c1);
    QVERIFY(m4 > m1);
    QVERIFY(c4 > 0.95);
}

void TestPeer::antiEntropyConverges()
{
    // Anti-entropy between random neighbours: every peer ends with every item, from several origins.
    Json props = {{"dissemination", "anti-entropy"}, {"roundPeriod", "100ms"}, {"rounds", 8}};
    const auto t =
        overlayTopology(wattsStrogatz(60, 5), props,
                        {{1, Json{{"originate", 2}, {"originateAt", 0}, {"originateEvery", "300ms"}}},
                         {30, Json{{"originate", 1}, {"originateAt", 50}}}});
    auto r = runP2P(t);
    QCOMPARE(r.run->reason, StopReason::Quiescent);
    const auto rep = r.report();
    QCOMPARE(rep.items.size(), std::size_t(3));
    for (const auto &i : rep.items)
        QCOMPARE(i.learned, 60u);
    QCOMPARE(notCovered(r), std::uint64_t(0));
    QVERIFY(r.run->trace.count(TraceKind::Send) > 0);
}

void TestPeer::churnOfflinePeersMiss()
{
    // Peers 5 and 12 leave after 5 ms and never come back; the flood at 100 ms passes them by: each
    // neighbour's copy to them is lost (Drop, ClientOffline), they never learn it. The ring with 2
    // neighbours each side stays connected without them, so everyone else learns it.
    OverlayParams p;
    p.shape = OverlayShape::Ring;
    p.n = 20;
    p.k = 2;
    const Json gone = {{"sessionTime", "5ms"}, {"offTime", 0}};
    const auto t =
        overlayTopology(generated(p), {{"dissemination", "flooding"}, {"ttl", 20}},
                        {{1, Json{{"originate", 1}, {"originateAt", 100}}}, {5, gone}, {12, gone}});
    auto r = runP2P(t);
    QCOMPARE(r.run->reason, StopReason::Quiescent);
    QCOMPARE(r.run->trace.count(TraceKind::PeerLeave), std::size_t(2));
    QCOMPARE(r.run->trace.count(TraceKind::PeerJoin), std::size_t(0));
    QCOMPARE(r.run->trace.count(TraceKind::Learn), std::size_t(18));
    QCOMPARE(r.run->trace.countAt(TraceKind::Learn, r.run->index("peer-5")), std::size_t(0));
    QCOMPARE(r.run->trace.countAt(TraceKind::Learn, r.run->index("peer-12")), std::size_t(0));
    QVERIFY(r.run->trace.count(TraceKind::Drop, DropReason::ClientOffline) >= 4);
    QCOMPARE(notCovered(r), std::uint64_t(2));
    const auto checks = r.checker->checks();
    QVERIFY(checks[0].examples[0].what.find("never learned item") != std::string::npos);
}

void TestPeer::churnAntiEntropyCatchesUp()
{
    // Every peer churns (sessions exp(3s), away exp(1s)). Flooding loses the item for whoever was
    // away during the flood; anti-entropy repairs that: each peer online at the end holds it.
    const Json churn = {{"sessionTime", "exp(3s)"}, {"offTime", "exp(1s)"}};
    auto props = [&](const char *d) {
        Json j = churn;
        j["dissemination"] = d;
        j["ttl"] = 30;
        j["roundPeriod"] = "100ms";
        j["rounds"] = 30;
        return j;
    };
    const Overlay o = wattsStrogatz(40, 2);
    auto flood =
        runP2P(overlayTopology(o, props("flooding"), {{1, Json{{"originate", 1}, {"originateAt", 2000}}}}),
               30 * kSecond);
    const auto fr = flood.report();
    qInfo("flooding under churn: coverage %.3f, %llu frames lost to offline peers", fr.items.at(0).coverage,
          (unsigned long long)fr.lostToOffline);
    QVERIFY(fr.items.at(0).coverage < 1.0);
    QVERIFY(fr.leaves > 0);

    // Churn never lets anti-entropy fall quiet (each rejoin wakes a peer up): the run is given 30 s.
    auto ae = runP2P(
        overlayTopology(o, props("anti-entropy"), {{1, Json{{"originate", 1}, {"originateAt", 2000}}}}),
        30 * kSecond);
    const auto ar = ae.report();
    qInfo("anti-entropy under churn: coverage %.3f, %llu leaves, %llu joins", ar.items.at(0).coverage,
          (unsigned long long)ar.leaves, (unsigned long long)ar.joins);
    QVERIFY(ar.joins > 0);
    std::vector<bool> online(40, true);
    std::vector<bool> learned(40, false);
    for (const auto &e : ae.run->trace.events) {
        if (e.kind == TraceKind::PeerLeave) online[e.node] = false;
        if (e.kind == TraceKind::PeerJoin) online[e.node] = true;
        if (e.kind == TraceKind::Learn) learned[e.node] = true;
    }
    int onlineAtEnd = 0;
    for (int i = 0; i < 40; ++i)
        if (online[i]) {
            ++onlineAtEnd;
            QVERIFY2(learned[i], qPrintable(QString("peer-%1").arg(i + 1)));
        }
    QVERIFY(onlineAtEnd > 20);
    QVERIFY(ar.items.at(0).coverage > fr.items.at(0).coverage);
}

void TestPeer::deterministic()
{
    auto hashOf = [](std::uint64_t seed) {
        const auto t =
            overlayTopology(wattsStrogatz(100, 3), gossipPeer("push-pull", 2),
                            {{1, Json{{"originate", 3}}},
                             {50, Json{{"sessionTime", "exp(1s)"}, {"offTime", "weibull(1s,0.7)"}}}},
                            Json{{"latency", "uniform(1ms,5ms)"}}, seed);
        std::string error;
        auto sim = Simulation::build(t, error);
        HashSink h;
        sim->addSink(&h);
        RunOptions o;
        o.until = 60 * kSecond;
        sim->run(o);
        return std::pair{h.hash(), h.count()};
    };
    const auto a = hashOf(7), b = hashOf(7), c = hashOf(8);
    QVERIFY(a.second > 1000);
    QCOMPARE(a.first, b.first);
    QCOMPARE(a.second, b.second);
    QVERIFY(a.first != c.first);
}

void TestPeer::badProperties_data()
{
    QTest::addColumn<QString>("key");
    QTest::addColumn<QString>("value"); // JSON
    QTest::addColumn<QString>("message");
    QTest::newRow("ttl 0") << "ttl"
                           << "0"
                           << "ttl";
    QTest::newRow("fanout 0") << "fanout"
                              << "0"
                              << "fanout";
    QTest::newRow("mode") << "dissemination"
                          << "\"epidemic\""
                          << "dissemination";
    QTest::newRow("gossip") << "gossip"
                            << "\"shove\""
                            << "gossip";
    QTest::newRow("weibull shape") << "sessionTime"
                                   << "\"weibull(1s,0)\""
                                   << "weibull's shape must be a number above 0";
    QTest::newRow("weibull args") << "offTime"
                                  << "\"weibull(1s)\""
                                  << "weibull takes 2 arguments";
}

void TestPeer::badProperties()
{
    QFETCH(QString, key);
    QFETCH(QString, value);
    QFETCH(QString, message);
    TopologyBuilder b;
    Json props = Json::object();
    props[key.toStdString()] = Json::parse(value.toStdString());
    b.node("a", "peer", props).node("b", "peer").link("a", "b");
    const auto errors = validationErrors(b.topology());
    QCOMPARE(errors.size(), std::size_t(1));
    QVERIFY2(QString::fromStdString(errors[0]).contains("$.nodes[0].properties." + key), errors[0].c_str());
    QVERIFY2(QString::fromStdString(errors[0]).contains(message), errors[0].c_str());
}

void TestPeer::weibull_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<double>("scaleMs");
    QTest::addColumn<double>("shape");
    QTest::newRow("heavy tail") << "weibull(30s,0.6)" << 30000.0 << 0.6;
    QTest::newRow("exponential") << "weibull(2s, 1)" << 2000.0 << 1.0;
    QTest::newRow("peaked") << "weibull(100ms,3.5)" << 100.0 << 3.5;
}

void TestPeer::weibull()
{
    QFETCH(QString, text);
    QFETCH(double, scaleMs);
    QFETCH(double, shape);
    Distribution d;
    std::string error;
    QVERIFY2(Distribution::parse(text.toStdString(), d, error), error.c_str());
    QCOMPARE(d.kind, Distribution::Kind::Weibull);
    QCOMPARE(d.shape, shape);
    QCOMPARE(toMilliseconds(d.a), scaleMs);
    Distribution again;
    QVERIFY(Distribution::parse(d.toString(), again, error));
    QVERIFY(again == d);
    // The sample mean approaches scale * Gamma(1 + 1/k); the median is scale * ln(2)^(1/k).
    Rng rng(11);
    const int n = 40000;
    std::vector<double> samples;
    double sum = 0;
    for (int i = 0; i < n; ++i) {
        samples.push_back(toMilliseconds(d.sample(rng)));
        sum += samples.back();
    }
    std::sort(samples.begin(), samples.end());
    const double mean = sum / n, expectedMean = scaleMs * std::tgamma(1 + 1 / shape);
    const double median = samples[n / 2], expectedMedian = scaleMs * std::pow(std::log(2.0), 1 / shape);
    qInfo("%s: mean %.1f (expected %.1f), median %.1f (expected %.1f)", qPrintable(text), mean, expectedMean,
          median, expectedMedian);
    QVERIFY(std::abs(mean - expectedMean) < 0.04 * expectedMean);
    QVERIFY(std::abs(median - expectedMedian) < 0.04 * expectedMedian);
    QVERIFY(std::abs(toMilliseconds(d.mean()) - expectedMean) < 0.001 * expectedMean + 0.001);
}

void TestPeer::summaryText()
{
    const auto t =
        overlayTopology(edgesOverlay(5, "1-2,2-3,3-4,4-5"), {{"dissemination", "flooding"}, {"ttl", 2}},
                        {{1, Json{{"originate", 1}}}});
    auto r = runP2P(t);
    const std::string text = formatP2PReport(r.report());
    qInfo("%s", text.c_str());
    QVERIFY(text.find("Peer to peer: 5 peers, 1 item, mean coverage 60.0%") != std::string::npos);
    QVERIFY(text.find("100% in never") != std::string::npos);
    const Json j = p2pReportJson(r.report());
    QVERIFY(j["items"][0]["learned"] == 3);
    QVERIFY(j["items"][0]["to_100_ms"].is_null());
    QVERIFY(j["ttl_expired"] == 1);
    QVERIFY(j["coverage_series"].size() == P2PChecker::kSeriesPoints);
    QVERIFY(j["coverage_series"].back()[1].get<double>() == 0.6);
}

QTEST_GUILESS_MAIN(TestPeer)
#include "tst_peer.moc"
