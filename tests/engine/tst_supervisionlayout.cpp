// The supervision-tree layout (core/nodes/actors/supervisionlayout.h): positions for hand-drawn
// trees, no two boxes overlapping, the bundled example, determinism.
#include "enginetest.h"
#include "nodes/actors/supervisionlayout.h"

#include <algorithm>
#include <cmath>

using namespace sb;
using namespace sbtest;

class TestSupervisionLayout : public QObject {
    Q_OBJECT
private slots:
    void handDrawnTrees_data();
    void handDrawnTrees();
    void exampleTree();
    void otherNodesStay();
    void deterministicAndIdempotent();
    void nothingToArrange();
};

namespace {

// A topology from names: "sup..." is a supervisor, "client..." an actor client, "other..." a queue,
// anything else an actor; edges "parent>child" are supervision links, in start order.
Topology forest(const QStringList &nodes, const QStringList &edges)
{
    TopologyBuilder b;
    for (const QString &n : nodes) {
        const std::string id = n.toStdString();
        b.node(id, n.startsWith("sup")      ? "supervisor"
                   : n.startsWith("client") ? "actor-client"
                   : n.startsWith("other")  ? "queue"
                                            : "actor");
    }
    for (const QString &e : edges) {
        const auto parts = e.split('>');
        b.link(parts[0].toStdString(), parts[1].toStdString(), {}, "children", "parent");
    }
    return b.topology();
}

// "id@x,y" for each placed node, sorted.
QStringList placed(const SupervisionLayout &l)
{
    QStringList out;
    for (const auto &[id, p] : l.positions)
        out << QStringLiteral("%1@%2,%3").arg(QString::fromStdString(id)).arg(p.x).arg(p.y);
    out.sort();
    return out;
}

// Whether two node boxes (the canvas's widest, 220 x 56) at these top-left corners overlap.
bool overlap(const Position &a, const Position &b)
{
    return std::abs(a.x - b.x) < 220 && std::abs(a.y - b.y) < 56;
}

void checkNoOverlap(const Topology &t)
{
    for (std::size_t i = 0; i < t.nodes.size(); ++i)
        for (std::size_t j = i + 1; j < t.nodes.size(); ++j)
            QVERIFY2(!overlap(t.nodes[i].position, t.nodes[j].position),
                     (t.nodes[i].id + " overlaps " + t.nodes[j].id).c_str());
}

} // namespace

void TestSupervisionLayout::handDrawnTrees_data()
{
    QTest::addColumn<QStringList>("nodes");
    QTest::addColumn<QStringList>("edges");
    QTest::addColumn<QStringList>("expected");
    // Columns are 240 wide and rows 120 high; every node starts at (0, 0), the anchor.
    QTest::newRow("one supervisor, two children")
        << QStringList{"sup", "a", "b"} << QStringList{"sup>a", "sup>b"}
        << QStringList{"a@0,120", "b@240,120", "sup@120,0"};
    // Children go left to right in start order (the links' order), not the nodes' order.
    QTest::newRow("start order is the links' order")
        << QStringList{"sup", "a", "b"} << QStringList{"sup>b", "sup>a"}
        << QStringList{"a@240,120", "b@0,120", "sup@120,0"};
    // The example's shape: a client outside the tree goes in the left column, from the second row.
    QTest::newRow("nested supervisor and a client")
        << QStringList{"client", "router", "w1", "w2", "sup-w", "sup-app"}
        << QStringList{"sup-app>router", "sup-app>sup-w", "sup-w>w1", "sup-w>w2"}
        << QStringList{"client@0,120",  "router@240,120", "sup-app@420,0",
                       "sup-w@600,120", "w1@480,240",     "w2@720,240"};
    // A subtree is as wide as its leaves: the middle one's three children push b to the right.
    QTest::newRow("unbalanced") << QStringList{"sup", "a", "sup-sub", "x", "y", "z", "b"}
                                << QStringList{"sup>a",     "sup>sup-sub", "sup-sub>x",
                                               "sup-sub>y", "sup-sub>z",   "sup>b"}
                                << QStringList{"a@0,120",   "b@960,120", "sup-sub@480,120", "sup@480,0",
                                               "x@240,240", "y@480,240", "z@720,240"};
    QTest::newRow("two trees side by side")
        << QStringList{"sup1", "a", "sup2", "b", "c"} << QStringList{"sup1>a", "sup2>b", "sup2>c"}
        << QStringList{"a@0,120", "b@240,120", "c@480,120", "sup1@0,0", "sup2@360,0"};
    // An unsupervised actor and a client both go in the left column; a supervisor with no children is
    // a tree of its own.
    QTest::newRow("loose actors and a lone supervisor")
        << QStringList{"lonely", "sup", "client"} << QStringList{}
        << QStringList{"client@0,240", "lonely@0,120", "sup@240,0"};
}

void TestSupervisionLayout::handDrawnTrees()
{
    QFETCH(QStringList, nodes);
    QFETCH(QStringList, edges);
    QFETCH(QStringList, expected);
    Topology t = forest(nodes, edges);
    const SupervisionLayout l = supervisionLayout(t);
    QCOMPARE(placed(l), expected);
    applyLayout(t, l);
    checkNoOverlap(t);
}

void TestSupervisionLayout::exampleTree()
{
    const auto loaded =
        loadTopologyFile(std::string(SIGNALBOX_EXAMPLES_DIR) + "/actor-supervision-tree.json");
    QVERIFY2(loaded.ok(), loaded.errorText().c_str());
    Topology t = *loaded.topology;
    const SupervisionLayout l = supervisionLayout(t);
    QCOMPARE(l.trees, std::size_t(1));
    // Anchored where the nodes were: the top-left is (0, -300) (orders' x, app-sup's y).
    QCOMPARE(placed(l), (QStringList{"app-sup@420,-300", "orders@0,-180", "router@240,-180",
                                     "worker-1@480,-60", "worker-2@720,-60", "worker-sup@600,-180"}));
    applyLayout(t, l);
    checkNoOverlap(t);
    QVERIFY(validationErrors(t).empty());
}

void TestSupervisionLayout::otherNodesStay()
{
    Topology t = forest({"sup", "a", "other-q"}, {"sup>a"});
    t.nodes[2].position = {1000, 500};
    const SupervisionLayout l = supervisionLayout(t);
    QCOMPARE(placed(l), (QStringList{"a@0,120", "sup@0,0"}));
    applyLayout(t, l);
    QCOMPARE(t.nodes[2].position.x, 1000.0);
    QCOMPARE(t.nodes[2].position.y, 500.0);
}

void TestSupervisionLayout::deterministicAndIdempotent()
{
    Topology t = forest({"client", "sup", "a", "sup-sub", "x", "y", "b"},
                        {"sup>a", "sup>sup-sub", "sup-sub>x", "sup-sub>y", "sup>b"});
    // Scattered off the grid.
    for (std::size_t i = 0; i < t.nodes.size(); ++i)
        t.nodes[i].position = {37.5 + 91.0 * double((i * 7) % 5), -13.0 + 53.0 * double((i * 3) % 4)};
    const SupervisionLayout a = supervisionLayout(t), b = supervisionLayout(t);
    QCOMPARE(placed(a), placed(b));
    QCOMPARE(a.positions.size(), t.nodes.size());
    for (const auto &[id, p] : a.positions) {
        // On the grid.
        QCOMPARE(std::fmod(p.x, 10.0), 0.0);
        QCOMPARE(std::fmod(p.y, 10.0), 0.0);
    }
    applyLayout(t, a);
    checkNoOverlap(t);
    // Arranging an arranged topology changes nothing.
    QCOMPARE(placed(supervisionLayout(t)), placed(a));
}

void TestSupervisionLayout::nothingToArrange()
{
    const Topology t = forest({"client", "a"}, {});
    QVERIFY(!hasSupervisor(t));
    const SupervisionLayout l = supervisionLayout(t);
    QCOMPARE(l.trees, std::size_t(0));
    QVERIFY(l.positions.empty());
}

QTEST_GUILESS_MAIN(TestSupervisionLayout)
#include "tst_supervisionlayout.moc"
