// The "faults" section of a topology file and node clocks: what is read, what is refused (with
// the JSON path and the reason), and that saving gives back what was loaded. The command line's
// plan files and nemesis specs are read the same way.
#include "faults/faultoptions.h"
#include "topology.h"

#include <QtTest>

using sb::Json;

namespace {

// Producer -> queue -> consumer, links "publish" and "deliver", with `faults` as its plan.
Json withFaults(Json faults)
{
    return Json{{"format", "signalbox-topology"},
                {"version", 1},
                {"nodes",
                 {{{"id", "p"}, {"kind", "producer"}},
                  {{"id", "q"}, {"kind", "queue"}},
                  {{"id", "c"}, {"kind", "consumer"}},
                  {{"id", "c2"}, {"kind", "consumer"}}}},
                {"links",
                 {{{"id", "publish"}, {"from", "p"}, {"to", "q"}},
                  {{"id", "deliver"}, {"from", "q"}, {"fromPort", "deliver"}, {"to", "c"}},
                  {{"id", "deliver2"}, {"from", "q"}, {"fromPort", "deliver"}, {"to", "c2"}}}},
                {"faults", std::move(faults)}};
}

std::string errors(const sb::LoadResult &r)
{
    std::string s;
    for (const auto &d : r.diagnostics)
        s += d.toString() + "\n";
    return s;
}

} // namespace

class TestFaultPlan : public QObject {
    Q_OBJECT
private slots:
    void badPlan_data();
    void badPlan();
    void goodPlanRoundTrips();
    void endBecomesDuration();
    void idsAreGiven();
    void badClock_data();
    void badClock();
    void nemesisSpec_data();
    void nemesisSpec();
    void planFileErrorsNameTheFile();
};

void TestFaultPlan::badPlan_data()
{
    QTest::addColumn<QByteArray>("faults");
    QTest::addColumn<QByteArray>("path");
    QTest::addColumn<QByteArray>("reason");
    auto row = [](const char *name, const char *faults, const char *path, const char *reason) {
        QTest::newRow(name) << QByteArray(faults) << QByteArray(path) << QByteArray(reason);
    };
    row("not an array", R"({"kind":"crash"})", "$.faults", "expected an array of faults");
    row("entry not an object", R"([3])", "$.faults[0]", "a fault is an object");
    row("missing kind", R"([{"target":"q","start":"1s"}])", "$.faults[0]", "missing \"kind\"");
    row("missing start", R"([{"kind":"crash","target":"q"}])", "$.faults[0]", "missing \"start\"");
    row("unknown kind", R"([{"kind":"crsh","target":"q","start":"1s"}])", "$.faults[0].kind",
        "unknown fault kind \"crsh\" (did you mean \"crash\"?)");
    row("unknown link", R"([{"kind":"link-down","target":"publsh","start":"1s"}])", "$.faults[0].target",
        "unknown target: no link \"publsh\" (did you mean \"publish\"?)");
    row("node as link", R"([{"kind":"loss","target":"q","start":"1s"}])", "$.faults[0].target",
        "that is a node; this fault acts on links");
    row("unknown node", R"([{"kind":"crash","target":"qq","start":"1s"}])", "$.faults[0].target",
        "unknown target: no node \"qq\"");
    row("unknown group node", R"([{"kind":"partition-halves","nodes":["p","x"],"start":"1s"}])",
        "$.faults[0].nodes[1]", "unknown target: no node \"x\"");
    row("node twice", R"([{"kind":"partition-halves","nodes":["p","p","q"],"start":"1s"}])",
        "$.faults[0].nodes[1]", "listed twice");
    row("target and nodes", R"([{"kind":"crash","target":"q","nodes":["c"],"start":"1s"}])", "$.faults[0]",
        "give either \"target\" (one node) or \"nodes\" (several)");
    row("nemesis with target", R"([{"kind":"bridge","target":"q","start":"1s"}])", "$.faults[0].target",
        "a nemesis acts on a group");
    row("group too small", R"([{"kind":"ring","nodes":["p","q","c"],"start":"1s"}])", "$.faults[0].nodes",
        "needs a group of at least 4 nodes, has 3");
    row("minority too big", R"([{"kind":"majority-minority","start":"1s","params":{"minority":2}}])",
        "$.faults[0].params.minority", "a minority of 2 is not fewer than half of the 4 nodes");
    row("bad start", R"([{"kind":"crash","target":"q","start":"soon"}])", "$.faults[0].start",
        "expected a duration such as \"2s\"");
    row("negative start", R"([{"kind":"crash","target":"q","start":-5}])", "$.faults[0].start",
        "expected a duration");
    row("end before start", R"([{"kind":"crash","target":"q","start":"2s","end":"1s"}])", "$.faults[0].end",
        "end 1s is not after start 2s");
    row("end and duration", R"([{"kind":"crash","target":"q","start":"2s","end":"3s","duration":"1s"}])",
        "$.faults[0].end", "give \"duration\" or \"end\", not both");
    row("zero duration", R"([{"kind":"crash","target":"q","start":"2s","duration":0}])",
        "$.faults[0].duration", "the duration must be longer than 0");
    row("every without duration", R"([{"kind":"crash","target":"q","start":"2s","every":"5s"}])",
        "$.faults[0].every", "a repeating fault needs a \"duration\"");
    row("every not longer", R"([{"kind":"crash","target":"q","start":"2s","duration":"5s","every":"5s"}])",
        "$.faults[0].every", "every 5s is not longer than the duration 5s");
    row("param out of range",
        R"([{"kind":"loss","target":"publish","start":"0","params":{"probability":1.5}}])",
        "$.faults[0].params.probability", "property 'probability'");
    row("unknown param", R"([{"kind":"loss","target":"publish","start":"0","params":{"probabilty":0.5}}])",
        "$.faults[0].params.probabilty", "(did you mean 'probability'?)");
    row("param of a kind with none", R"([{"kind":"pause","target":"q","start":"0","params":{"x":1}}])",
        "$.faults[0].params.x", "(it takes none)");
    row("bad enum", R"([{"kind":"link-down","target":"publish","start":"0","params":{"direction":"up"}}])",
        "$.faults[0].params.direction", "'up' is not one of: both, forward, backward");
    row("bad distribution",
        R"x([{"kind":"latency","target":"publish","start":"0","params":{"extra":"uniform(5ms,1ms)"}}])x",
        "$.faults[0].params.extra", "uniform");
    row("duplicate id",
        R"([{"id":"a","kind":"crash","target":"q","start":"0","duration":"1s"},{"id":"a","kind":"pause","target":"q","start":"5s"}])",
        "$.faults[1].id", "duplicate fault id \"a\"");
    row("bad id", R"([{"id":"a b","kind":"crash","target":"q","start":"0"}])", "$.faults[0].id",
        "is not a valid id");
    row("overlap",
        R"([{"id":"a","kind":"link-down","target":"publish","start":"1s","duration":"2s"},{"id":"b","kind":"link-down","target":"publish","start":"2s","duration":"2s"}])",
        "$.faults[1]",
        "fault \"b\" (link-down from 2s to 4s) overlaps fault \"a\" (from 1s to 3s) of the same kind on "
        "\"publish\"");
    row("overlap open-ended",
        R"([{"id":"a","kind":"crash","target":"q","start":"1s"},{"id":"b","kind":"crash","nodes":["q","c"],"start":"10s","duration":"1s"}])",
        "$.faults[1]", "overlaps fault \"a\" (from 1s on)");
    row("overlap of repetitions",
        R"([{"id":"a","kind":"pause","target":"q","start":"0","duration":"1s","every":"10s"},{"id":"b","kind":"pause","target":"q","start":"20.5s","duration":"1s"}])",
        "$.faults[1]", "overlaps fault \"a\" (from 20s to 21s)");
    row("overlap of nemeses on every node",
        R"([{"id":"a","kind":"bridge","start":"0","duration":"2s"},{"id":"b","kind":"bridge","nodes":["p","q","c"],"start":"1s","duration":"2s"}])",
        "$.faults[1]", "of the same kind on the same nodes");
}

void TestFaultPlan::badPlan()
{
    QFETCH(QByteArray, faults);
    QFETCH(QByteArray, path);
    QFETCH(QByteArray, reason);
    const auto r = sb::parseTopology(withFaults(Json::parse(faults.toStdString())).dump());
    QVERIFY(!r.ok());
    bool found = false;
    for (const auto &d : r.diagnostics)
        found = found ||
                (d.path == path.toStdString() && d.message.find(reason.toStdString()) != std::string::npos);
    QVERIFY2(found, errors(r).c_str());
}

void TestFaultPlan::goodPlanRoundTrips()
{
    const Json faults = Json::parse(R"([
        {"id":"cut","kind":"link-down","target":"publish","start":"2s","duration":"2s","params":{"direction":"forward"}},
        {"id":"crash","kind":"crash","nodes":["q","c"],"start":"5s","duration":"500ms","params":{"disk":"lost"}},
        {"id":"flap","kind":"link-down","target":"publish","start":"10s","duration":"1s","every":"5s"},
        {"id":"split","kind":"partition-halves","start":"0","duration":"1s","every":"3s"},
        {"id":"rule","kind":"match","target":"deliver","start":"0","params":{"frameType":"Ack","routingKey":"a.#","header":"x=1","action":"delay","delay":"20ms"}}
    ])");
    Json doc = withFaults(faults);
    doc["nodes"][1]["clock"] = {{"offset", -30}, {"drift", 50}, {"jumps", {{{"at", "2s"}, {"by", -10}}}}};
    const auto r = sb::parseTopology(doc.dump());
    QVERIFY2(r.ok(), errors(r).c_str());
    const sb::Topology &t = *r.topology;
    QCOMPARE(t.faults.size(), std::size_t(5));
    QCOMPARE(t.faults[1].nodes, (std::vector<std::string>{"q", "c"}));
    QCOMPARE(t.faults[2].every, std::optional<sb::SimTime>(5 * sb::kSecond));
    QVERIFY(!t.faults[4].duration);
    // Saved and read again: the same plan and clock, and the same bytes on a second save.
    const std::string saved = sb::serializeTopology(t);
    const auto again = sb::parseTopology(saved);
    QVERIFY2(again.ok(), errors(again).c_str());
    QVERIFY(again.topology->faults == t.faults);
    QVERIFY(again.topology->nodes[1].clock == t.nodes[1].clock);
    QCOMPARE(sb::serializeTopology(*again.topology), saved);
}

void TestFaultPlan::endBecomesDuration()
{
    const auto r = sb::parseTopology(
        withFaults(Json::parse(R"([{"kind":"pause","target":"q","start":"1s","end":"1.25s"}])")).dump());
    QVERIFY2(r.ok(), errors(r).c_str());
    QCOMPARE(r.topology->faults[0].duration, std::optional<sb::SimTime>(250 * sb::kMillisecond));
}

void TestFaultPlan::idsAreGiven()
{
    const auto r = sb::parseTopology(withFaults(Json::parse(R"([
        {"kind":"pause","target":"q","start":"1s","duration":"1s"},
        {"id":"f1","kind":"crash","target":"q","start":"5s","duration":"1s"},
        {"kind":"slow","target":"c","start":"0"}])"))
                                         .dump());
    QVERIFY2(r.ok(), errors(r).c_str());
    QCOMPARE(r.topology->faults[0].id, std::string("f2")); // f1 is taken
    QCOMPARE(r.topology->faults[2].id, std::string("f3"));
}

void TestFaultPlan::badClock_data()
{
    QTest::addColumn<QByteArray>("clock");
    QTest::addColumn<QByteArray>("path");
    QTest::addColumn<QByteArray>("reason");
    QTest::newRow("not an object") << QByteArray("5") << QByteArray("$.nodes[1].clock")
                                   << QByteArray("expected an object");
    QTest::newRow("offset too big") << QByteArray(R"({"offset":1e9})")
                                    << QByteArray("$.nodes[1].clock.offset")
                                    << QByteArray("property 'offset'");
    QTest::newRow("unknown field") << QByteArray(R"({"skew":1})") << QByteArray("$.nodes[1].clock.skew")
                                   << QByteArray("unknown property 'skew'");
    QTest::newRow("jump without by") << QByteArray(R"({"jumps":[{"at":"1s"}]})")
                                     << QByteArray("$.nodes[1].clock.jumps")
                                     << QByteArray("jump 0: needs both 'at' and 'by'");
    QTest::newRow("jump bad at") << QByteArray(R"({"jumps":[{"at":"x","by":1}]})")
                                 << QByteArray("$.nodes[1].clock.jumps")
                                 << QByteArray("'at' must be a duration");
}

void TestFaultPlan::badClock()
{
    QFETCH(QByteArray, clock);
    QFETCH(QByteArray, path);
    QFETCH(QByteArray, reason);
    Json doc = withFaults(Json::array());
    doc["nodes"][1]["clock"] = Json::parse(clock.toStdString());
    const auto r = sb::parseTopology(doc.dump());
    QVERIFY(!r.ok());
    bool found = false;
    for (const auto &d : r.diagnostics)
        found = found ||
                (d.path == path.toStdString() && d.message.find(reason.toStdString()) != std::string::npos);
    QVERIFY2(found, errors(r).c_str());
}

void TestFaultPlan::nemesisSpec_data()
{
    QTest::addColumn<QString>("spec");
    QTest::addColumn<bool>("ok");
    QTest::addColumn<QString>("expect"); // describeFault, or the error
    QTest::newRow("repeating") << "partition-halves:every=5s,for=2s" << true
                               << "partition-halves at 5s for 2s every 5s";
    QTest::newRow("once with nodes") << "isolate-node:at=3s,for=1s,nodes=q+c" << true
                                     << "isolate-node [q,c] at 3s for 1s";
    QTest::newRow("param") << "majority-minority:start=0,minority=2" << true
                           << "majority-minority at 0 (minority 2)";
    QTest::newRow("not a nemesis") << "crash:at=1s" << false << "'crash' is not a nemesis";
    QTest::newRow("typo") << "partition-halfs" << false << "did you mean 'partition-halves'?";
    QTest::newRow("bad duration") << "bridge:every=soon" << false << "every: 'soon' is not a duration";
    QTest::newRow("unknown key") << "bridge:often=1" << false << "unknown key 'often'";
    QTest::newRow("no value") << "ring:every" << false << "'every' is not key=value";
}

void TestFaultPlan::nemesisSpec()
{
    QFETCH(QString, spec);
    QFETCH(bool, ok);
    QFETCH(QString, expect);
    sb::FaultDef f;
    std::string error;
    QCOMPARE(sb::parseNemesisSpec(spec.toStdString(), sb::KindRegistry::builtin(), f, error), ok);
    if (ok)
        QCOMPARE(QString::fromStdString(sb::describeFault(f)), expect);
    else
        QVERIFY2(error.find(expect.toStdString()) != std::string::npos, error.c_str());
}

void TestFaultPlan::planFileErrorsNameTheFile()
{
    QTemporaryDir dir;
    const QString path = dir.filePath("plan.json");
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(R"({"faults": [{"id":"x","kind":"crash","target":"nowhere","start":"1s"}]})");
    file.close();
    std::vector<sb::FaultDef> plan;
    std::vector<sb::Diagnostic> diags;
    QVERIFY(sb::loadFaultPlanFile(path.toStdString(), plan, diags));
    auto r = sb::parseTopology(
        withFaults(Json::parse(R"([{"id":"a","kind":"pause","target":"q","start":"0"}])")).dump());
    QVERIFY(r.ok());
    sb::Topology t = *r.topology;
    QVERIFY(!sb::mergeFaultPlan(t, plan, false, path.toStdString(), diags));
    bool found = false;
    for (const auto &d : diags)
        found = found || (d.file == path.toStdString() && d.path == "$.faults[0].target" &&
                          d.message.find("no node \"nowhere\"") != std::string::npos);
    QVERIFY(found);
    // A file that is not a plan, and one that is missing.
    diags.clear();
    QVERIFY(!sb::loadFaultPlanFile(dir.filePath("missing.json").toStdString(), plan, diags));
    QCOMPARE(diags.back().message, std::string("cannot open the fault plan"));
}

QTEST_APPLESS_MAIN(TestFaultPlan)
#include "tst_faultplan.moc"
