// The fault plan's edits on the document: each one checked against the plan it should produce,
// after undo (exactly the original) and after redo; refused edits change nothing and say why.
#include "faultsdock.h"
#include "topologydocument.h"

#include <QSignalSpy>
#include <QTest>
#include <QUndoStack>

using namespace sb;

namespace {

// p1 -> q1 -> c1, c2; two faults planned.
const char *kFixture = R"({
  "format": "signalbox-topology",
  "version": 1,
  "name": "faults",
  "nodes": [
    {"id": "p1", "kind": "producer"},
    {"id": "q1", "kind": "queue"},
    {"id": "c1", "kind": "consumer"},
    {"id": "c2", "kind": "consumer"}
  ],
  "links": [
    {"id": "l1", "from": "p1", "fromPort": "out", "to": "q1", "toPort": "in"},
    {"id": "l2", "from": "q1", "fromPort": "deliver", "to": "c1", "toPort": "in"},
    {"id": "l3", "from": "q1", "fromPort": "deliver", "to": "c2", "toPort": "in"}
  ],
  "faults": [
    {"id": "f1", "kind": "link-down", "target": "l1", "start": "2s", "duration": "1s"},
    {"id": "f2", "kind": "crash", "target": "q1", "start": "5s", "duration": "500ms"}
  ]
})";

Topology fixture()
{
    const LoadResult r = parseTopology(kFixture, "fixture");
    if (!r.ok()) {
        for (const auto &d : r.diagnostics)
            qWarning("%s", d.toString().c_str());
        qFatal("fixture does not load");
    }
    return *r.topology;
}

FaultDef makeFault(const std::string &id, const std::string &kind, const std::string &target, SimTime start,
                   std::optional<SimTime> duration)
{
    FaultDef f;
    f.id = id;
    f.kind = kind;
    f.target = target;
    f.start = start;
    f.duration = duration;
    return f;
}

// The plan as canonical JSON, for readable failures.
QByteArray planText(const Topology &t)
{
    Json plan = Json::array();
    for (const FaultDef &f : t.faults)
        plan.push_back(faultToJson(f));
    return QByteArray::fromStdString(plan.dump());
}

} // namespace

class TestFaultCommands : public QObject {
    Q_OBJECT

private slots:
    void editIsUndoneAndRedone_data();
    void editIsUndoneAndRedone();
    void refusedEditChangesNothing_data();
    void refusedEditChangesNothing();
    void signalsCarryTheFaultId();
    void typingIntoOneFieldMergesIntoOneStep();
    void liveFaultsBecomePlanEntries();
};

void TestFaultCommands::editIsUndoneAndRedone_data()
{
    QTest::addColumn<QString>("edit");
    QTest::addColumn<QByteArray>("expected"); // the plan after the edit
    QTest::addColumn<int>("undoSteps");

    const Topology t = fixture();
    auto plan = [&](std::vector<FaultDef> faults) {
        Topology changed = t;
        changed.faults = std::move(faults);
        return planText(changed);
    };
    const FaultDef f1 = t.faults[0], f2 = t.faults[1];
    FaultDef f3 = makeFault("f3", "loss", "l2", 1 * kSecond, 4 * kSecond);
    QTest::newRow("add") << "add" << plan({f1, f2, f3}) << 1;
    FaultDef f4 = makeFault("f4", "pause", "c1", 7 * kSecond, kSecond);
    QTest::newRow("add several") << "add several" << plan({f1, f2, f3, f4}) << 1;

    FaultDef moved = f1;
    moved.start = 3 * kSecond;
    QTest::newRow("change start") << "start" << plan({moved, f2}) << 1;
    FaultDef longer = f1;
    longer.duration = 2500 * kMillisecond;
    QTest::newRow("change duration") << "duration" << plan({longer, f2}) << 1;
    FaultDef open = f1;
    open.duration.reset();
    QTest::newRow("reset duration") << "no duration" << plan({open, f2}) << 1;
    FaultDef repeating = f1;
    repeating.every = 4 * kSecond;
    QTest::newRow("change every") << "every" << plan({repeating, f2}) << 1;
    FaultDef retargeted = f1;
    retargeted.target = "l3";
    QTest::newRow("change target") << "target" << plan({retargeted, f2}) << 1;
    FaultDef several = f2;
    several.target.clear();
    several.nodes = {"c1", "c2"};
    QTest::newRow("change nodes") << "nodes" << plan({f1, several}) << 1;
    FaultDef withParams = f1;
    withParams.params = {{"direction", "forward"}};
    QTest::newRow("change params") << "params" << plan({withParams, f2}) << 1;
    QTest::newRow("remove") << "remove" << plan({f2}) << 1;
    QTest::newRow("removing a node removes the faults on it and on its links")
        << "remove node" << plan({}) << 1;
    QTest::newRow("removing a node removes the faults on its links") << "remove producer" << plan({f2}) << 1;
    QTest::newRow("removing a link removes its faults") << "remove link" << plan({f2}) << 1;
    FaultDef renamed = f2;
    renamed.target = "broker";
    QTest::newRow("a node's new id follows in its faults") << "node id" << plan({f1, renamed}) << 1;
}

void TestFaultCommands::editIsUndoneAndRedone()
{
    QFETCH(QString, edit);
    QFETCH(QByteArray, expected);
    QFETCH(int, undoSteps);

    TopologyDocument doc;
    QString error;
    QVERIFY(doc.setTopology(fixture(), &error));
    const Topology original = doc.topology();
    FaultDef f1 = *doc.fault("f1"), f2 = *doc.fault("f2");
    bool ok = false;
    if (edit == "add") {
        ok = doc.addFault(makeFault({}, "loss", "l2", kSecond, 4 * kSecond), &error) == "f3";
    } else if (edit == "add several") {
        ok = doc.addFaults({makeFault({}, "loss", "l2", kSecond, 4 * kSecond),
                            makeFault({}, "pause", "c1", 7 * kSecond, kSecond)},
                           "Record", &error) == QStringList({"f3", "f4"});
    } else if (edit == "start") {
        ok = editFault(doc, "f1", "start", Json("3s"), &error);
    } else if (edit == "duration") {
        ok = editFault(doc, "f1", "duration", Json(2500), &error); // a number is ms, as in the file
    } else if (edit == "no duration") {
        ok = editFault(doc, "f1", "duration", std::nullopt, &error);
    } else if (edit == "every") {
        ok = editFault(doc, "f1", "every", Json("4s"), &error);
    } else if (edit == "target") {
        ok = editFault(doc, "f1", "target", Json("l3"), &error);
    } else if (edit == "nodes") {
        f2.target.clear();
        f2.nodes = {"c1", "c2"};
        ok = doc.changeFault("f2", f2, &error);
    } else if (edit == "params") {
        ok = editFault(doc, "f1", "params.direction", Json("forward"), &error);
    } else if (edit == "remove") {
        ok = doc.removeFaults({"f1"}, &error);
    } else if (edit == "remove node") {
        ok = doc.removeItems({"q1"}, {}, &error);
    } else if (edit == "remove producer") {
        ok = doc.removeItems({"p1"}, {}, &error);
    } else if (edit == "remove link") {
        ok = doc.removeItems({}, {"l1"}, &error);
    } else if (edit == "node id") {
        ok = doc.changeNodeId("q1", "broker", &error);
    }
    QVERIFY2(ok, qPrintable(error));
    QCOMPARE(planText(doc.topology()), expected);
    QCOMPARE(doc.undoStack()->count(), undoSteps);
    const Topology after = doc.topology();
    doc.undoStack()->undo();
    QCOMPARE(planText(doc.topology()), planText(original));
    QVERIFY(doc.topology() == original);
    doc.undoStack()->redo();
    QVERIFY(doc.topology() == after);
}

void TestFaultCommands::refusedEditChangesNothing_data()
{
    QTest::addColumn<QString>("edit");
    QTest::addColumn<QString>("reason"); // a part of the message

    QTest::newRow("overlap") << "overlap"
                             << "overlaps fault \"f1\"";
    QTest::newRow("unknown target") << "unknown target"
                                    << "unknown target: no link \"nope\"";
    QTest::newRow("every not longer than duration") << "every"
                                                    << "is not longer than the duration";
    QTest::newRow("parameter out of range") << "param"
                                            << "probability";
    QTest::newRow("not a duration") << "start"
                                    << "must be a duration";
    QTest::newRow("unknown kind") << "kind"
                                  << "unknown fault kind \"lightning\"";
    QTest::newRow("duplicate id") << "duplicate"
                                  << "another fault already has the id \"f1\"";
    QTest::newRow("no such fault") << "missing"
                                   << "no fault with id \"f9\"";
}

void TestFaultCommands::refusedEditChangesNothing()
{
    QFETCH(QString, edit);
    QFETCH(QString, reason);

    TopologyDocument doc;
    QString error;
    QVERIFY(doc.setTopology(fixture(), &error));
    const Topology original = doc.topology();
    bool ok = true;
    if (edit == "overlap") {
        ok = !doc.addFault(makeFault({}, "link-down", "l1", 2500 * kMillisecond, kSecond), &error).isEmpty();
    } else if (edit == "unknown target") {
        ok = editFault(doc, "f1", "target", Json("nope"), &error);
    } else if (edit == "every") {
        ok = editFault(doc, "f1", "every", Json("1s"), &error);
    } else if (edit == "param") {
        FaultDef loss = makeFault({}, "loss", "l2", 0, kSecond);
        loss.params = {{"probability", 1.5}};
        ok = !doc.addFault(loss, &error).isEmpty();
    } else if (edit == "start") {
        ok = editFault(doc, "f1", "start", Json("soon"), &error);
    } else if (edit == "kind") {
        ok = !doc.addFault(makeFault({}, "lightning", "l2", 0, kSecond), &error).isEmpty();
    } else if (edit == "duplicate") {
        ok = !doc.addFault(makeFault("f1", "loss", "l2", 0, kSecond), &error).isEmpty();
    } else if (edit == "missing") {
        ok = doc.removeFaults({"f9"}, &error);
    }
    QVERIFY(!ok);
    QVERIFY2(error.contains(reason), qPrintable(error));
    QVERIFY(doc.topology() == original);
    QCOMPARE(doc.undoStack()->count(), 0);
}

void TestFaultCommands::signalsCarryTheFaultId()
{
    TopologyDocument doc;
    QString error;
    QVERIFY(doc.setTopology(fixture(), &error));
    QSignalSpy added(&doc, &TopologyDocument::faultAdded);
    QSignalSpy changed(&doc, &TopologyDocument::faultChanged);
    QSignalSpy removed(&doc, &TopologyDocument::faultRemoved);
    QCOMPARE(doc.addFault(makeFault({}, "loss", "l2", 0, kSecond), &error), QStringLiteral("f3"));
    QCOMPARE(added.count(), 1);
    QCOMPARE(added.first().first().toString(), QStringLiteral("f3"));
    QVERIFY(editFault(doc, "f3", "start", Json("1s"), &error));
    QCOMPARE(changed.count(), 1);
    QCOMPARE(changed.first().first().toString(), QStringLiteral("f3"));
    QVERIFY(doc.removeFaults({"f3"}, &error));
    QCOMPARE(removed.count(), 1);
    QCOMPARE(removed.first().first().toString(), QStringLiteral("f3"));
    doc.undoStack()->undo(); // the removal
    QCOMPARE(added.count(), 2);
}

void TestFaultCommands::typingIntoOneFieldMergesIntoOneStep()
{
    TopologyDocument doc;
    QString error;
    QVERIFY(doc.setTopology(fixture(), &error));
    QVERIFY(editFault(doc, "f1", "start", Json("3s"), &error));
    QVERIFY(editFault(doc, "f1", "start", Json("4s"), &error));
    QCOMPARE(doc.undoStack()->count(), 1);
    QVERIFY(editFault(doc, "f1", "duration", Json("2s"), &error));
    QCOMPARE(doc.undoStack()->count(), 2);
    // Changes without a field (a drag on the timeline) never merge.
    FaultDef f = *doc.fault("f1");
    f.start = 6 * kSecond;
    QVERIFY(doc.changeFault("f1", f, &error));
    f.start = 7 * kSecond;
    QVERIFY(doc.changeFault("f1", f, &error));
    QCOMPARE(doc.undoStack()->count(), 4);
    doc.undoStack()->undo();
    doc.undoStack()->undo();
    doc.undoStack()->undo();
    QCOMPARE(doc.fault("f1")->start, 4 * kSecond);
    doc.undoStack()->undo();
    QCOMPARE(doc.fault("f1")->start, 2 * kSecond);
}

void TestFaultCommands::liveFaultsBecomePlanEntries()
{
    std::vector<FaultActivation> live(4);
    live[0] = {0, "live-1", "link-down", "l2", 0, 1 * kSecond, 3 * kSecond, false, {}};
    live[1] = {1, "f1", "link-down", "l1", 0, 2 * kSecond, 3 * kSecond, true, {}}; // planned: left out
    live[2] = {2, "live-2", "crash", "c1", 0, 4 * kSecond, kNever, false, {}};     // on at the end
    live[2].params = Json::object({{"disk", "lost"}});
    live[3] = {3, "live-3", "partition-halves", "c1,c2,q1", 0, 6 * kSecond, 8 * kSecond, false, {}};
    const std::vector<FaultDef> plan = FaultsPanel::liveFaultsAsPlan(live);
    QCOMPARE(plan.size(), std::size_t(3));
    QCOMPARE(plan[0].kind, std::string("link-down"));
    QCOMPARE(plan[0].target, std::string("l2"));
    QCOMPARE(plan[0].start, 1 * kSecond);
    QCOMPARE(plan[0].duration, std::optional<SimTime>(2 * kSecond));
    QCOMPARE(plan[1].target, std::string("c1"));
    QVERIFY(!plan[1].duration);
    QVERIFY(plan[1].params == Json::object({{"disk", "lost"}})); // the parameters it was applied with
    QVERIFY(plan[2].target.empty());
    QCOMPARE(plan[2].nodes, (std::vector<std::string>{"c1", "c2", "q1"}));
    QVERIFY(plan[2].id.empty()); // the document gives fresh ids
}

QTEST_MAIN(TestFaultCommands)
#include "tst_faultcommands.moc"
