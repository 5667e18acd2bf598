// The overlay generator (core/nodes/p2p/overlay.h): each shape's degrees, connectivity, simple
// graphs only, determinism by seed, bad parameters refused with the parameter named, layouts, and
// the topology JSON it makes (which validates and runs).
#include "enginetest.h"
#include "nodes/p2p/overlay.h"

#include <QElapsedTimer>

#include <algorithm>
#include <cmath>
#include <set>

using namespace sb;
using namespace sbtest;

class TestOverlay : public QObject {
    Q_OBJECT
private slots:
    void exactDegrees_data();
    void exactDegrees();
    void simpleGraphs_data();
    void simpleGraphs();
    void erdosRenyiMeanDegree();
    void barabasiAlbertHeavyTail();
    void wattsStrogatzRewires();
    void deterministicBySeed();
    void badParameters_data();
    void badParameters();
    void forceDirectedIsFast();
    void tenThousandPeers();
    void topologyJson();
    void paramsFromJson_data();
    void paramsFromJson();
};

namespace {

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr bool kInstrumented = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
constexpr bool kInstrumented = true;
#else
constexpr bool kInstrumented = false;
#endif
#else
constexpr bool kInstrumented = false;
#endif

OverlayParams params(OverlayShape shape, int n)
{
    OverlayParams p;
    p.shape = shape;
    p.n = n;
    return p;
}

Overlay make(const OverlayParams &p)
{
    std::string error;
    auto o = generateOverlay(p, error);
    if (!o) qWarning("generateOverlay: %s", error.c_str());
    return o ? *o : Overlay{};
}

bool simple(const Overlay &o)
{
    std::set<std::pair<std::uint32_t, std::uint32_t>> seen;
    for (auto [a, b] : o.edges) {
        if (a == b || a >= b || b >= static_cast<std::uint32_t>(o.n)) return false;
        if (!seen.insert({a, b}).second) return false;
    }
    return true;
}

} // namespace

void TestOverlay::exactDegrees_data()
{
    QTest::addColumn<int>("shape");
    QTest::addColumn<int>("n");
    QTest::addColumn<int>("param");          // k, columns or degree
    QTest::addColumn<QList<int>>("degrees"); // the sorted set of degrees expected
    QTest::addColumn<int>("edges");
    QTest::newRow("ring k=1") << int(OverlayShape::Ring) << 10 << 1 << QList<int>{2} << 10;
    QTest::newRow("ring k=3") << int(OverlayShape::Ring) << 20 << 3 << QList<int>{6} << 60;
    // 4x5 lattice: 4 corners of degree 2, 2*(2+3)=10 border peers of degree 3, 6 inner of degree 4.
    QTest::newRow("grid 5x4") << int(OverlayShape::Grid) << 20 << 5 << QList<int>{2, 3, 4} << 31;
    QTest::newRow("grid square") << int(OverlayShape::Grid) << 16 << 0 << QList<int>{2, 3, 4} << 24;
    QTest::newRow("random-regular 3") << int(OverlayShape::RandomRegular) << 50 << 3 << QList<int>{3} << 75;
    QTest::newRow("random-regular 6") << int(OverlayShape::RandomRegular) << 101 << 6 << QList<int>{6} << 303;
    QTest::newRow("random-regular 4 of 1000")
        << int(OverlayShape::RandomRegular) << 1000 << 4 << QList<int>{4} << 2000;
}

void TestOverlay::exactDegrees()
{
    QFETCH(int, shape);
    QFETCH(int, n);
    QFETCH(int, param);
    QFETCH(QList<int>, degrees);
    QFETCH(int, edges);
    OverlayParams p = params(OverlayShape(shape), n);
    p.k = param;
    p.columns = param;
    p.degree = param;
    const Overlay o = make(p);
    QCOMPARE(o.n, n);
    QCOMPARE(int(o.edges.size()), edges);
    QVERIFY(simple(o));
    std::set<int> seen;
    for (int d : overlayDegrees(o))
        seen.insert(d);
    QCOMPARE(QList<int>(seen.begin(), seen.end()), degrees);
    QCOMPARE(overlayComponents(o), 1);
    QCOMPARE(int(o.positions.size()), n);
}

void TestOverlay::simpleGraphs_data()
{
    QTest::addColumn<int>("shape");
    QTest::addColumn<int>("n");
    QTest::addColumn<bool>("connected");
    QTest::newRow("ring") << int(OverlayShape::Ring) << 64 << true;
    QTest::newRow("grid") << int(OverlayShape::Grid) << 63 << true; // a partial last row
    QTest::newRow("random-regular") << int(OverlayShape::RandomRegular) << 64 << true;
    QTest::newRow("watts-strogatz") << int(OverlayShape::WattsStrogatz) << 200 << true;
    QTest::newRow("barabasi-albert") << int(OverlayShape::BarabasiAlbert) << 300 << true;
    QTest::newRow("erdos-renyi") << int(OverlayShape::ErdosRenyi) << 300 << false;
}

void TestOverlay::simpleGraphs()
{
    QFETCH(int, shape);
    QFETCH(int, n);
    QFETCH(bool, connected);
    for (std::uint64_t seed : {1, 2, 3, 4, 5}) {
        OverlayParams p = params(OverlayShape(shape), n);
        p.seed = seed;
        const Overlay o = make(p);
        QCOMPARE(o.n, n);
        QVERIFY(simple(o));
        QVERIFY(std::is_sorted(o.edges.begin(), o.edges.end()));
        if (connected) QCOMPARE(overlayComponents(o), 1);
    }
}

void TestOverlay::erdosRenyiMeanDegree()
{
    // Mean degree p(n-1), over a few seeds: within 5 % (the standard deviation of the mean is
    // about sqrt(2 p (n-1) / n), ~0.1 here, under 1 %).
    const int n = 2000;
    const double pr = 0.004;
    double sum = 0;
    for (std::uint64_t seed : {1, 2, 3}) {
        OverlayParams p = params(OverlayShape::ErdosRenyi, n);
        p.p = pr;
        p.seed = seed;
        const Overlay o = make(p);
        QVERIFY(simple(o));
        sum += 2.0 * o.edges.size() / n;
    }
    const double mean = sum / 3;
    qInfo("G(%d, %g): mean degree %.3f, expected %.3f", n, pr, mean, pr * (n - 1));
    QVERIFY(std::abs(mean - pr * (n - 1)) < 0.05 * pr * (n - 1));
    // p = 0: no edges; p = 1: the complete graph.
    OverlayParams none = params(OverlayShape::ErdosRenyi, 30);
    none.p = 0;
    QCOMPARE(make(none).edges.size(), std::size_t(0));
    none.p = 1;
    QCOMPARE(make(none).edges.size(), std::size_t(30 * 29 / 2));
}

void TestOverlay::barabasiAlbertHeavyTail()
{
    OverlayParams p = params(OverlayShape::BarabasiAlbert, 2000);
    p.m = 3;
    const Overlay o = make(p);
    const auto deg = overlayDegrees(o);
    const int minDegree = *std::min_element(deg.begin(), deg.end());
    const int maxDegree = *std::max_element(deg.begin(), deg.end());
    const double mean = 2.0 * o.edges.size() / o.n;
    qInfo("BA(2000, 3): min %d, mean %.2f, max %d", minDegree, mean, maxDegree);
    QCOMPARE(minDegree, 3);
    QVERIFY(std::abs(mean - 2 * 3) < 0.1); // m new edges per peer
    QVERIFY(maxDegree > 8 * mean);         // hubs: ~ m sqrt(n) = 134 expected
    // A ring of the same mean degree has no tail at all.
    OverlayParams r = params(OverlayShape::Ring, 2000);
    r.k = 3;
    const auto rd = overlayDegrees(make(r));
    QCOMPARE(*std::max_element(rd.begin(), rd.end()), 6);
}

void TestOverlay::wattsStrogatzRewires()
{
    OverlayParams p = params(OverlayShape::WattsStrogatz, 400);
    p.k = 2;
    p.beta = 0;
    const Overlay lattice = make(p);
    OverlayParams ring = params(OverlayShape::Ring, 400);
    ring.k = 2;
    QVERIFY(lattice.edges == make(ring).edges); // beta 0: the ring lattice itself
    p.beta = 0.2;
    const Overlay rewired = make(p);
    QCOMPARE(rewired.edges.size(), lattice.edges.size()); // rewiring keeps the number of edges
    std::size_t changed = 0;
    std::set<std::pair<std::uint32_t, std::uint32_t>> base(lattice.edges.begin(), lattice.edges.end());
    for (const auto &e : rewired.edges)
        changed += !base.count(e);
    const double fraction = static_cast<double>(changed) / rewired.edges.size();
    qInfo("WS beta 0.2: %.3f of edges rewired", fraction);
    QVERIFY(fraction > 0.14 && fraction < 0.26);
}

void TestOverlay::deterministicBySeed()
{
    for (auto shape : {OverlayShape::RandomRegular, OverlayShape::ErdosRenyi, OverlayShape::WattsStrogatz,
                       OverlayShape::BarabasiAlbert}) {
        OverlayParams p = params(shape, 300);
        p.seed = 42;
        const Overlay a = make(p), b = make(p);
        QVERIFY(a.edges == b.edges);
        QCOMPARE(a.positions.size(), b.positions.size());
        for (std::size_t i = 0; i < a.positions.size(); ++i) {
            QCOMPARE(a.positions[i].x, b.positions[i].x);
            QCOMPARE(a.positions[i].y, b.positions[i].y);
        }
        p.seed = 43;
        QVERIFY2(!(make(p).edges == a.edges), overlayShapeName(shape));
    }
}

void TestOverlay::badParameters_data()
{
    QTest::addColumn<QString>("shape");
    QTest::addColumn<int>("n");
    QTest::addColumn<double>("value");
    QTest::addColumn<QString>("message");
    QTest::newRow("no peers") << "ring" << 0 << 0.0
                              << "n: the number of peers must be between 1 and 100000, got 0";
    QTest::newRow("ring too small") << "ring" << 4 << 2.0
                                    << "k: a ring of 4 peers has room for at most 1 neighbours on each side";
    QTest::newRow("ring k 0") << "ring" << 10 << 0.0
                              << "k: neighbours on each side must be at least 1, got 0";
    QTest::newRow("odd stubs") << "random-regular" << 5 << 3.0
                               << "degree: n * degree must be even (5 * 3 = 15)";
    QTest::newRow("degree too high") << "random-regular" << 5 << 5.0
                                     << "degree: must be between 0 and n - 1 = 4";
    QTest::newRow("p above 1") << "erdos-renyi" << 10 << 1.5
                               << "p: the link probability must be in [0, 1], got 1.5";
    QTest::newRow("beta negative") << "watts-strogatz" << 10 << -0.5
                                   << "beta: the rewiring probability must be in [0, 1], got -0.5";
    QTest::newRow("m too big") << "barabasi-albert" << 3 << 3.0
                               << "m: links per new peer must be below n = 3, got 3";
    QTest::newRow("m 0") << "barabasi-albert" << 30 << 0.0
                         << "m: links per new peer must be at least 1, got 0";
    QTest::newRow("columns") << "grid" << 30 << -1.0 << "columns: must be 0 (square) or positive, got -1";
}

void TestOverlay::badParameters()
{
    QFETCH(QString, shape);
    QFETCH(int, n);
    QFETCH(double, value);
    QFETCH(QString, message);
    OverlayParams p;
    QVERIFY(overlayShapeFromName(shape.toStdString(), p.shape));
    p.n = n;
    p.k = int(value);
    p.degree = int(value);
    p.m = int(value);
    p.columns = int(value);
    p.p = value;
    p.beta = value;
    if (p.shape != OverlayShape::Ring) p.k = 1;
    std::string error;
    QVERIFY(!generateOverlay(p, error));
    QVERIFY2(QString::fromStdString(error).startsWith(message), error.c_str());
    OverlayShape s;
    QVERIFY(!overlayShapeFromName("hypercube", s));
}

void TestOverlay::forceDirectedIsFast()
{
    // 1,000 peers lay out in well under a second (a cell grid bounds the repulsion work); peers
    // end up spread out (no two on one spot) and neighbours nearer than strangers on average.
    OverlayParams p = params(OverlayShape::WattsStrogatz, 1000);
    p.layout = OverlayLayout::ForceDirected;
    QElapsedTimer timer;
    timer.start();
    const Overlay o = make(p);
    const qint64 ms = timer.elapsed();
    qInfo("force-directed layout of 1000 peers: %lld ms", ms);
    QVERIFY(ms < (kInstrumented ? 20000 : 1000)); // sanitizer builds run many times slower
    std::set<std::pair<double, double>> spots;
    for (const auto &pt : o.positions)
        spots.insert({pt.x, pt.y});
    QVERIFY(spots.size() > 990);
    auto dist = [&](std::uint32_t a, std::uint32_t b) {
        return std::hypot(o.positions[a].x - o.positions[b].x, o.positions[a].y - o.positions[b].y);
    };
    double linked = 0, random = 0;
    for (const auto &[a, b] : o.edges)
        linked += dist(a, b);
    linked /= o.edges.size();
    Rng rng(7);
    for (int i = 0; i < 2000; ++i)
        random += dist(rng.below(1000), rng.below(1000));
    random /= 2000;
    qInfo("mean edge length %.1f, mean distance %.1f", linked, random);
    QVERIFY(linked < random / 2);
    // Circular: all on one circle.
    p.layout = OverlayLayout::Circular;
    const Overlay c = make(p);
    QCOMPARE(c.positions.size(), std::size_t(1000));
}

void TestOverlay::tenThousandPeers()
{
    for (auto shape : {OverlayShape::RandomRegular, OverlayShape::BarabasiAlbert, OverlayShape::WattsStrogatz,
                       OverlayShape::ErdosRenyi}) {
        OverlayParams p = params(shape, 10000);
        p.p = 0.0008;
        p.layout = OverlayLayout::Circular;
        const Overlay o = make(p);
        QCOMPARE(o.n, 10000);
        QVERIFY(simple(o));
    }
}

void TestOverlay::topologyJson()
{
    OverlayParams p = params(OverlayShape::Ring, 6);
    p.k = 1;
    const Overlay o = make(p);
    const Json j = overlayTopologyJson(o, Json{{"dissemination", "flooding"}}, "peer-", 100, 50);
    QCOMPARE(j["nodes"].size(), std::size_t(6));
    QCOMPARE(j["links"].size(), std::size_t(6));
    QVERIFY(j["nodes"][0]["id"] == "peer-1");
    QVERIFY(j["nodes"][5]["id"] == "peer-6");
    QVERIFY(j["nodes"][0]["kind"] == "peer");
    QVERIFY(j["nodes"][0]["properties"]["dissemination"] == "flooding");
    QVERIFY(j["nodes"][0]["position"]["x"].get<double>() == o.positions[0].x + 100);
    QVERIFY(j["links"][0]["from"] == "peer-1");
    QVERIFY(j["links"][0]["to"] == "peer-2");
    // As a file: it loads, validates and runs.
    Json file = {{"format", "signalbox-topology"}, {"version", 1}, {"name", "ring"}};
    file["nodes"] = j["nodes"];
    file["nodes"][0]["properties"]["originate"] = 1;
    file["links"] = j["links"];
    const auto loaded = parseTopology(file.dump());
    QVERIFY2(loaded.ok(), loaded.errorText().c_str());
    QVERIFY(validationErrors(*loaded.topology).empty());
    auto r = run(*loaded.topology);
    QVERIFY(r);
    QCOMPARE(r->trace.count(TraceKind::Learn), std::size_t(6));
}

void TestOverlay::paramsFromJson_data()
{
    QTest::addColumn<QString>("json");
    QTest::addColumn<QString>("error"); // empty: accepted
    QTest::newRow("ok") << R"({"shape": "watts-strogatz", "n": 200, "k": 3, "beta": 0.1, "seed": 9})"
                        << "";
    QTest::newRow("layout") << R"({"shape": "ring", "n": 20, "layout": "force-directed"})"
                            << "";
    QTest::newRow("no shape") << R"({"n": 20})"
                              << "shape: must be one of ring, grid, random-regular";
    QTest::newRow("bad shape") << R"({"shape": "tree", "n": 20})"
                               << "shape: must be one of";
    QTest::newRow("no n") << R"({"shape": "ring"})"
                          << "n: the number of peers is required";
    QTest::newRow("fractional degree") << R"({"shape": "random-regular", "n": 20, "degree": 2.5})"
                                       << "degree: must be a whole number, got 2.5";
    QTest::newRow("typo") << R"({"shape": "ring", "n": 20, "degre": 3})"
                          << "degre: unknown overlay parameter (did you mean degree?)";
    QTest::newRow("layout name") << R"({"shape": "ring", "n": 20, "layout": "spring"})"
                                 << "layout: must be natural, circular or force-directed";
}

void TestOverlay::paramsFromJson()
{
    QFETCH(QString, json);
    QFETCH(QString, error);
    OverlayParams p;
    std::string why;
    const bool ok = overlayParamsFromJson(Json::parse(json.toStdString()), p, why);
    QCOMPARE(ok, error.isEmpty());
    if (!ok) QVERIFY2(QString::fromStdString(why).startsWith(error), why.c_str());
    if (ok && json.contains("watts")) {
        QCOMPARE(p.shape, OverlayShape::WattsStrogatz);
        QCOMPARE(p.n, 200);
        QCOMPARE(p.k, 3);
        QCOMPARE(p.beta, 0.1);
        QCOMPARE(p.seed, std::uint64_t(9));
    }
}

QTEST_GUILESS_MAIN(TestOverlay)
#include "tst_overlay.moc"
