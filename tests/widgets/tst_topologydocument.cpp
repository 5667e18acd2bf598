// The editable topology: every edit checked against the topology it should produce, after undo
// (exactly the original) and after redo; refused edits change nothing; signals carry the ids.
#include "topologydocument.h"

#include <QSignalSpy>
#include <QTest>
#include <QUndoStack>

using namespace sb;

namespace {

NodeDef makeNode(const std::string &id, const std::string &kind, double x, double y,
                 Json props = Json::object())
{
    NodeDef n;
    n.id = id;
    n.kind = kind;
    n.position = {x, y};
    n.properties = std::move(props);
    return n;
}

LinkDef makeLink(const std::string &id, const std::string &from, const std::string &fromPort,
                 const std::string &to, const std::string &toPort)
{
    LinkDef l;
    l.id = id;
    l.from = from;
    l.fromPort = fromPort;
    l.to = to;
    l.toPort = toPort;
    return l;
}

// producer-1 -> exchange-1 (topic) -> queue-1 -> consumer-1, and exchange-1 -> exchange-2.
Topology fixture()
{
    Topology t;
    t.name = "fixture";
    t.nodes = {makeNode("producer-1", "producer", 0, 0, {{"rate", 50.0}}),
               makeNode("exchange-1", "exchange", 100, 0, {{"type", "topic"}}),
               makeNode("exchange-2", "exchange", 200, 100),
               makeNode("queue-1", "queue", 200, 0, {{"maxLength", 5}, {"overflow", "reject-publish"}}),
               makeNode("consumer-1", "consumer", 300, 0)};
    t.links = {makeLink("link-1", "producer-1", "out", "exchange-1", "in"),
               makeLink("link-2", "exchange-1", "out", "queue-1", "in"),
               makeLink("link-3", "exchange-1", "out", "exchange-2", "in"),
               makeLink("link-4", "queue-1", "deliver", "consumer-1", "in")};
    t.bindings = {{"exchange-1", "queue-1", "orders.*"},
                  {"exchange-1", "exchange-2", "audit.#"},
                  {"exchange-1", "queue-1", "returns.#"}};
    return t;
}

QStringList errorsOf(const Topology &t)
{
    QStringList errors;
    for (const auto &d : validateTopology(t))
        if (d.severity == Diagnostic::Severity::Error) errors << QString::fromStdString(d.toString());
    return errors;
}

NodeDef &nodeIn(Topology &t, const std::string &id)
{
    return t.nodes[*t.nodeIndex(id)];
}

// Loads the fixture into `doc`, checking that the starting point is itself valid.
bool load(TopologyDocument &doc)
{
    QString error;
    return doc.setTopology(fixture(), &error) && error.isEmpty();
}

} // namespace

// Compares the document after the edit, after undo (the original exactly) and after redo.
#define CHECK_UNDO_REDO(doc, original, expected)                                                             \
    do {                                                                                                     \
        QCOMPARE(errorsOf((doc).topology()), QStringList());                                                 \
        QVERIFY((doc).topology() == (expected));                                                             \
        (doc).undoStack()->undo();                                                                           \
        QVERIFY((doc).topology() == (original));                                                             \
        (doc).undoStack()->redo();                                                                           \
        QVERIFY((doc).topology() == (expected));                                                             \
        QCOMPARE(errorsOf((doc).topology()), QStringList());                                                 \
    } while (false)

class TestTopologyDocument : public QObject {
    Q_OBJECT
private slots:
    void fixtureIsValid();
    void snsSubscriptionAttributes_data();
    void snsSubscriptionAttributes();
    void addNode_data();
    void addNode();
    void addNodeSkipsTakenIds();
    void addNodeRefusesUnknownKind();
    void connect_data();
    void connect();
    void invalidLinks_data();
    void invalidLinks();
    void setProperty_data();
    void setProperty();
    void propertyEditsMerge();
    void resetPropertyRestoresOrder();
    void setLinkProperty();
    void invalidProperties_data();
    void invalidProperties();
    void move();
    void movesMergeUntilFinished();
    void rename();
    void changeNodeIdUpdatesReferences();
    void changeNodeIdRefusals_data();
    void changeNodeIdRefusals();
    void historyNamesPropertiesAndNodes();
    void removeNodeTakesLinksAndBindings();
    void removeLinkTakesItsBindings();
    void removeRefusesUnknownIds();
    void bindings_data();
    void bindings();
    void invalidBindings_data();
    void invalidBindings();
    void headersBindings();
    void copyPaste();
    void pasteRefusesInvalidContent_data();
    void pasteRefusesInvalidContent();
    void modifiedFollowsCleanState();
    void setTopologyResets();
};

void TestTopologyDocument::fixtureIsValid()
{
    QCOMPARE(errorsOf(fixture()), QStringList());
    TopologyDocument doc;
    QSignalSpy reset(&doc, &TopologyDocument::documentReset);
    QVERIFY(load(doc));
    QCOMPARE(reset.count(), 1);
    QVERIFY(doc.topology() == fixture());
    QCOMPARE(doc.nodeIds(), QStringList({"producer-1", "exchange-1", "exchange-2", "queue-1", "consumer-1"}));
    QCOMPARE(doc.linkIds(), QStringList({"link-1", "link-2", "link-3", "link-4"}));
    QCOMPARE(doc.linksOf("queue-1"), QStringList({"link-2", "link-4"}));
    QCOMPARE(doc.bindings("exchange-1", "queue-1"), QStringList({"orders.*", "returns.#"}));
    QVERIFY(doc.node("queue-1"));
    QCOMPARE(doc.node("queue-1")->kind, std::string("queue"));
    QVERIFY(!doc.node("nope"));
    QVERIFY(doc.link("link-3"));
    QCOMPARE(doc.link("link-3")->to, std::string("exchange-2"));
    QVERIFY(!doc.link("link-9"));
}

void TestTopologyDocument::addNode_data()
{
    QTest::addColumn<QString>("kind");
    QTest::addColumn<QString>("expectedId");
    QTest::newRow("producer") << "producer"
                              << "producer-2";
    QTest::newRow("exchange") << "exchange"
                              << "exchange-3";
    QTest::newRow("queue") << "queue"
                           << "queue-2";
    QTest::newRow("consumer") << "consumer"
                              << "consumer-2";
}

void TestTopologyDocument::addNode()
{
    QFETCH(QString, kind);
    QFETCH(QString, expectedId);
    TopologyDocument doc;
    QVERIFY(load(doc));
    QSignalSpy added(&doc, &TopologyDocument::nodeAdded);
    QSignalSpy removed(&doc, &TopologyDocument::nodeRemoved);
    QString error;
    const QString id = doc.addNode(kind, QPointF(40, 60), &error);
    QCOMPARE(id, expectedId);
    QVERIFY(error.isEmpty());
    QCOMPARE(doc.undoStack()->count(), 1);

    Topology expected = fixture();
    expected.nodes.push_back(makeNode(expectedId.toStdString(), kind.toStdString(), 40, 60));
    CHECK_UNDO_REDO(doc, fixture(), expected);
    QCOMPARE(added.count(), 2);
    QCOMPARE(added.at(0).at(0).toString(), expectedId);
    QCOMPARE(removed.count(), 1);
    QCOMPARE(removed.at(0).at(0).toString(), expectedId);
}

void TestTopologyDocument::addNodeSkipsTakenIds()
{
    TopologyDocument doc;
    Topology t;
    t.nodes = {makeNode("queue-1", "queue", 0, 0), makeNode("queue-3", "queue", 0, 50)};
    QVERIFY(doc.setTopology(t));
    QCOMPARE(doc.addNode("queue", {}), QString("queue-2"));
    QCOMPARE(doc.addNode("queue", {}), QString("queue-4"));
    QVERIFY(doc.removeItems({"queue-1"}, {}));
    QCOMPARE(doc.addNode("queue", {}), QString("queue-1"));
    QCOMPARE(doc.nodeIds(), QStringList({"queue-3", "queue-2", "queue-4", "queue-1"}));
    QCOMPARE(errorsOf(doc.topology()), QStringList());
}

void TestTopologyDocument::addNodeRefusesUnknownKind()
{
    TopologyDocument doc;
    QVERIFY(load(doc));
    QString error;
    QCOMPARE(doc.addNode("queu", {}, &error), QString());
    QVERIFY2(error.contains("unknown node kind \"queu\""), qPrintable(error));
    QVERIFY2(error.contains("did you mean \"queue\""), qPrintable(error));
    QVERIFY(doc.topology() == fixture());
    QCOMPARE(doc.undoStack()->count(), 0);
}

void TestTopologyDocument::connect_data()
{
    QTest::addColumn<QString>("from");
    QTest::addColumn<QString>("fromPort");
    QTest::addColumn<QString>("to");
    QTest::addColumn<QString>("toPort");
    QTest::newRow("exchange to queue") << "exchange-2"
                                       << "out"
                                       << "queue-1"
                                       << "in";
    QTest::newRow("alternate exchange") << "exchange-1"
                                        << "alternate"
                                        << "exchange-2"
                                        << "in";
    QTest::newRow("competing consumer") << "queue-1"
                                        << "deliver"
                                        << "consumer-2"
                                        << "in";
    QTest::newRow("dead letters") << "queue-1"
                                  << "dead-letter"
                                  << "exchange-2"
                                  << "in";
}

void TestTopologyDocument::connect()
{
    QFETCH(QString, from);
    QFETCH(QString, fromPort);
    QFETCH(QString, to);
    QFETCH(QString, toPort);
    TopologyDocument doc;
    QVERIFY(load(doc));
    Topology original = fixture();
    if (to == "consumer-2") {
        // A second consumer for the queue, added first.
        QCOMPARE(doc.addNode("consumer", QPointF(300, 100)), to);
        original = doc.topology();
    }
    QSignalSpy added(&doc, &TopologyDocument::linkAdded);
    QSignalSpy removed(&doc, &TopologyDocument::linkRemoved);
    const int steps = doc.undoStack()->count();
    QString error;
    const QString id = doc.addLink(from, fromPort, to, toPort, &error);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    QCOMPARE(id, QString("link-5"));
    QCOMPARE(doc.undoStack()->count(), steps + 1);

    Topology expected = original;
    expected.links.push_back(makeLink("link-5", from.toStdString(), fromPort.toStdString(), to.toStdString(),
                                      toPort.toStdString()));
    CHECK_UNDO_REDO(doc, original, expected);
    QCOMPARE(added.count(), 2);
    QCOMPARE(added.at(1).at(0).toString(), id);
    QCOMPARE(removed.count(), 1);
    QCOMPARE(removed.at(0).at(0).toString(), id);
}

void TestTopologyDocument::invalidLinks_data()
{
    QTest::addColumn<QString>("from");
    QTest::addColumn<QString>("fromPort");
    QTest::addColumn<QString>("to");
    QTest::addColumn<QString>("toPort");
    QTest::addColumn<QString>("reason");
    QTest::newRow("unknown source node") << "nope"
                                         << "out"
                                         << "queue-1"
                                         << "in"
                                         << "no node with id \"nope\"";
    QTest::newRow("unknown target node") << "exchange-2"
                                         << "out"
                                         << "nope"
                                         << "in"
                                         << "no node with id \"nope\"";
    QTest::newRow("unknown port")
        << "exchange-2"
        << "output"
        << "queue-1"
        << "in"
        << "exchange \"exchange-2\" has no port \"output\" (outputs: out, alternate)";
    QTest::newRow("starts at an input") << "queue-1"
                                        << "in"
                                        << "exchange-2"
                                        << "in"
                                        << "port \"in\" of \"queue-1\" is an input";
    QTest::newRow("ends at an output") << "exchange-2"
                                       << "out"
                                       << "queue-1"
                                       << "deliver"
                                       << "port \"deliver\" of \"queue-1\" is an output";
    QTest::newRow("self-loop") << "exchange-2"
                               << "out"
                               << "exchange-2"
                               << "in"
                               << "cannot connect node \"exchange-2\" to itself";
    QTest::newRow("publish to delivery") << "exchange-2"
                                         << "out"
                                         << "consumer-1"
                                         << "in"
                                         << "cannot connect exchange-2.out to consumer-1.in: one carries "
                                            "publishes, the other deliveries";
    QTest::newRow("delivery to publish") << "queue-1"
                                         << "deliver"
                                         << "exchange-2"
                                         << "in"
                                         << "one carries deliveries, the other publishes";
    QTest::newRow("single-link port in use") << "producer-1"
                                             << "out"
                                             << "queue-1"
                                             << "in"
                                             << "port \"out\" of \"producer-1\" takes one link only";
    QTest::newRow("identical link") << "exchange-1"
                                    << "out"
                                    << "queue-1"
                                    << "in"
                                    << "already linked (\"link-2\")";
    QTest::newRow("exchange cycle") << "exchange-2"
                                    << "out"
                                    << "exchange-1"
                                    << "in"
                                    << "form a cycle";
}

void TestTopologyDocument::invalidLinks()
{
    QFETCH(QString, from);
    QFETCH(QString, fromPort);
    QFETCH(QString, to);
    QFETCH(QString, toPort);
    QFETCH(QString, reason);
    TopologyDocument doc;
    QVERIFY(load(doc));
    QSignalSpy added(&doc, &TopologyDocument::linkAdded);
    QString error;
    QCOMPARE(doc.addLink(from, fromPort, to, toPort, &error), QString());
    QVERIFY2(error.contains(reason), qPrintable(error));
    QVERIFY(doc.topology() == fixture());
    QCOMPARE(doc.undoStack()->count(), 0);
    QCOMPARE(added.count(), 0);
}

void TestTopologyDocument::setProperty_data()
{
    QTest::addColumn<QString>("node");
    QTest::addColumn<QString>("key");
    QTest::addColumn<QString>("value"); // JSON
    QTest::newRow("change a set value") << "producer-1"
                                        << "rate"
                                        << "250.5";
    QTest::newRow("set a default") << "queue-1"
                                   << "messageTtl"
                                   << "\"10s\"";
    QTest::newRow("enum") << "queue-1"
                          << "dispatch"
                          << "\"round-robin\"";
    QTest::newRow("exchange type keeping valid keys") << "exchange-1"
                                                      << "type"
                                                      << "\"topic\"";
    QTest::newRow("arrival process") << "producer-1"
                                     << "arrival"
                                     << "\"poisson\"";
}

void TestTopologyDocument::setProperty()
{
    QFETCH(QString, node);
    QFETCH(QString, key);
    QFETCH(QString, value);
    TopologyDocument doc;
    QVERIFY(load(doc));
    QSignalSpy changed(&doc, &TopologyDocument::nodePropertyChanged);
    const Json json = Json::parse(value.toStdString());
    QString error;
    QVERIFY2(doc.setNodeProperty(node, key, json, &error), qPrintable(error));

    Topology expected = fixture();
    nodeIn(expected, node.toStdString()).properties[key.toStdString()] = json;
    if (expected == fixture()) {
        // Setting the value it already has is no edit at all.
        QCOMPARE(doc.undoStack()->count(), 0);
        QCOMPARE(changed.count(), 0);
        return;
    }
    QCOMPARE(doc.undoStack()->count(), 1);
    CHECK_UNDO_REDO(doc, fixture(), expected);
    QCOMPARE(changed.count(), 3);
    for (const auto &args : changed) {
        QCOMPARE(args.at(0).toString(), node);
        QCOMPARE(args.at(1).toString(), key);
    }
}

void TestTopologyDocument::propertyEditsMerge()
{
    TopologyDocument doc;
    QVERIFY(load(doc));
    QVERIFY(doc.setNodeProperty("producer-1", "rate", 1.0));
    QVERIFY(doc.setNodeProperty("producer-1", "rate", 12.0));
    QVERIFY(doc.setNodeProperty("producer-1", "rate", 123.0));
    QCOMPARE(doc.undoStack()->count(), 1);
    QVERIFY(doc.setNodeProperty("producer-1", "count", 10));
    QVERIFY(doc.setNodeProperty("queue-1", "maxLength", 7));
    QCOMPARE(doc.undoStack()->count(), 3);
    Topology expected = fixture();
    nodeIn(expected, "producer-1").properties = {{"rate", 123.0}, {"count", 10}};
    nodeIn(expected, "queue-1").properties["maxLength"] = 7;
    QVERIFY(doc.topology() == expected);
    doc.undoStack()->undo();
    doc.undoStack()->undo();
    doc.undoStack()->undo();
    QVERIFY(doc.topology() == fixture());

    // Editing back to the original value leaves no undo step behind.
    QVERIFY(doc.setNodeProperty("producer-1", "rate", 60.0));
    QVERIFY(doc.setNodeProperty("producer-1", "rate", 50.0));
    QCOMPARE(doc.undoStack()->count(), 0);
    QVERIFY(doc.topology() == fixture());
}

void TestTopologyDocument::resetPropertyRestoresOrder()
{
    TopologyDocument doc;
    QVERIFY(load(doc));
    QSignalSpy changed(&doc, &TopologyDocument::nodePropertyChanged);
    QVERIFY(doc.resetNodeProperty("queue-1", "maxLength"));
    Topology expected = fixture();
    nodeIn(expected, "queue-1").properties = {{"overflow", "reject-publish"}};
    // The undone property goes back in front of "overflow", where it was.
    CHECK_UNDO_REDO(doc, fixture(), expected);
    QCOMPARE(changed.count(), 3);
    QCOMPARE(changed.at(1), QVariantList({"queue-1", "maxLength"}));

    // Resetting a property that has no explicit value is no edit.
    QVERIFY(doc.resetNodeProperty("queue-1", "dispatch"));
    QCOMPARE(doc.undoStack()->count(), 1);
    QString error;
    QVERIFY(!doc.resetNodeProperty("queue-1", "colour", &error));
    QVERIFY2(error.contains("has no property \"colour\""), qPrintable(error));
}

void TestTopologyDocument::setLinkProperty()
{
    TopologyDocument doc;
    QVERIFY(load(doc));
    QSignalSpy changed(&doc, &TopologyDocument::linkPropertyChanged);
    QVERIFY(doc.setLinkProperty("link-2", "loss", 0.1));
    QVERIFY(doc.setLinkProperty("link-2", "loss", 0.25));
    QVERIFY(doc.setLinkProperty("link-2", "latency", "uniform(1ms,5ms)"));
    QCOMPARE(doc.undoStack()->count(), 2);
    Topology expected = fixture();
    expected.links[1].properties = {{"loss", 0.25}, {"latency", "uniform(1ms,5ms)"}};
    QVERIFY(doc.topology() == expected);
    doc.undoStack()->undo();
    doc.undoStack()->undo();
    QVERIFY(doc.topology() == fixture());
    doc.undoStack()->redo();
    doc.undoStack()->redo();
    Topology lossOnly = expected;
    lossOnly.links[1].properties = {{"loss", 0.25}};
    CHECK_UNDO_REDO(doc, lossOnly, expected);

    QVERIFY(doc.resetLinkProperty("link-2", "loss"));
    expected.links[1].properties = {{"latency", "uniform(1ms,5ms)"}};
    QVERIFY(doc.topology() == expected);
    QCOMPARE(changed.last(), QVariantList({"link-2", "loss"}));
    QCOMPARE(errorsOf(doc.topology()), QStringList());
}

void TestTopologyDocument::invalidProperties_data()
{
    QTest::addColumn<QString>("id");
    QTest::addColumn<QString>("key");
    QTest::addColumn<QString>("value"); // JSON
    QTest::addColumn<QString>("reason");
    QTest::newRow("unknown node") << "nope"
                                  << "rate"
                                  << "1"
                                  << "no node with id \"nope\"";
    QTest::newRow("misspelt key")
        << "producer-1"
        << "rat"
        << "1"
        << "producer \"producer-1\" has no property \"rat\" (did you mean \"rate\"?)";
    QTest::newRow("below the minimum") << "queue-1"
                                       << "maxLength"
                                       << "-1"
                                       << "queue \"queue-1\": property \"maxLength\"";
    QTest::newRow("wrong type") << "producer-1"
                                << "rate"
                                << "\"fast\""
                                << "producer \"producer-1\": property \"rate\"";
    QTest::newRow("not a choice") << "exchange-1"
                                  << "type"
                                  << "\"x-consistent-hash\""
                                  << "exchange \"exchange-1\": property \"type\"";
    QTest::newRow("fanout with keyed bindings") << "exchange-1"
                                                << "type"
                                                << "\"fanout\""
                                                << "fanout exchanges ignore binding keys";
    QTest::newRow("link loss above 1") << "link-2"
                                       << "loss"
                                       << "1.5"
                                       << "link \"link-2\": property \"loss\"";
    QTest::newRow("unknown link property") << "link-2"
                                           << "los"
                                           << "0.5"
                                           << "link \"link-2\" has no property \"los\"";
    QTest::newRow("unknown link") << "link-9"
                                  << "loss"
                                  << "0.5"
                                  << "no link with id \"link-9\"";
}

void TestTopologyDocument::invalidProperties()
{
    QFETCH(QString, id);
    QFETCH(QString, key);
    QFETCH(QString, value);
    QFETCH(QString, reason);
    TopologyDocument doc;
    QVERIFY(load(doc));
    QSignalSpy nodeChanged(&doc, &TopologyDocument::nodePropertyChanged);
    QSignalSpy linkChanged(&doc, &TopologyDocument::linkPropertyChanged);
    const Json json = Json::parse(value.toStdString());
    QString error;
    const bool ok = id.startsWith("link") ? doc.setLinkProperty(id, key, json, &error)
                                          : doc.setNodeProperty(id, key, json, &error);
    QVERIFY(!ok);
    QVERIFY2(error.contains(reason), qPrintable(error));
    QVERIFY(doc.topology() == fixture());
    QCOMPARE(doc.undoStack()->count(), 0);
    QCOMPARE(nodeChanged.count() + linkChanged.count(), 0);
}

void TestTopologyDocument::move()
{
    TopologyDocument doc;
    QVERIFY(load(doc));
    QSignalSpy moved(&doc, &TopologyDocument::nodeMoved);
    QVERIFY(doc.moveNodes({{"queue-1", QPointF(220, 30)}}, true));
    Topology expected = fixture();
    nodeIn(expected, "queue-1").position = {220, 30};
    CHECK_UNDO_REDO(doc, fixture(), expected);
    QCOMPARE(moved.count(), 3);
    for (const auto &args : moved)
        QCOMPARE(args.at(0).toString(), QString("queue-1"));

    QString error;
    QVERIFY(!doc.moveNodes({{"nope", QPointF(1, 1)}}, true, &error));
    QVERIFY2(error.contains("no node with id \"nope\""), qPrintable(error));
    QVERIFY(!doc.moveNodes({{"queue-1", QPointF(qInf(), 1)}}, true, &error));
    QVERIFY2(error.contains("finite"), qPrintable(error));
    QVERIFY(doc.topology() == expected);
    QCOMPARE(doc.undoStack()->count(), 1);
}

void TestTopologyDocument::movesMergeUntilFinished()
{
    TopologyDocument doc;
    QVERIFY(load(doc));
    const QHash<QString, QPointF> step1{{"queue-1", QPointF(210, 10)}, {"consumer-1", QPointF(310, 10)}};
    const QHash<QString, QPointF> step2{{"queue-1", QPointF(220, 20)}, {"consumer-1", QPointF(320, 20)}};
    const QHash<QString, QPointF> step3{{"queue-1", QPointF(230, 30)}, {"consumer-1", QPointF(330, 30)}};
    QVERIFY(doc.moveNodes(step1, false));
    QVERIFY(doc.moveNodes(step2, false));
    QVERIFY(doc.moveNodes(step3, true));
    QCOMPARE(doc.undoStack()->count(), 1);
    Topology afterDrag = fixture();
    nodeIn(afterDrag, "queue-1").position = {230, 30};
    nodeIn(afterDrag, "consumer-1").position = {330, 30};
    CHECK_UNDO_REDO(doc, fixture(), afterDrag);

    // The finished drag is closed: the next one is a new undo step.
    QVERIFY(doc.moveNodes({{"queue-1", QPointF(240, 40)}, {"consumer-1", QPointF(340, 40)}}, false));
    QCOMPARE(doc.undoStack()->count(), 2);
    // A different selection does not merge either.
    QVERIFY(doc.moveNodes({{"queue-1", QPointF(250, 50)}}, false));
    QCOMPARE(doc.undoStack()->count(), 3);
    doc.undoStack()->undo();
    doc.undoStack()->undo();
    QVERIFY(doc.topology() == afterDrag);

    // A drag released where it started leaves no undo step.
    QVERIFY(doc.moveNodes({{"producer-1", QPointF(5, 5)}}, false));
    QVERIFY(doc.moveNodes({{"producer-1", QPointF(0, 0)}}, true));
    QCOMPARE(doc.undoStack()->count(), 1);
    QVERIFY(doc.topology() == afterDrag);
}

void TestTopologyDocument::rename()
{
    TopologyDocument doc;
    QVERIFY(load(doc));
    QSignalSpy renamed(&doc, &TopologyDocument::nodeRenamed);
    QVERIFY(doc.renameNode("exchange-1", "orders exchange"));
    Topology expected = fixture();
    nodeIn(expected, "exchange-1").name = "orders exchange";
    CHECK_UNDO_REDO(doc, fixture(), expected);
    QCOMPARE(renamed.count(), 3);
    QCOMPARE(renamed.at(0).at(0).toString(), QString("exchange-1"));

    QString error;
    QVERIFY(!doc.renameNode("nope", "x", &error));
    QVERIFY2(error.contains("no node with id \"nope\""), qPrintable(error));
    QVERIFY(!doc.renameNode("queue-1", "two\nlines", &error));
    QVERIFY(doc.topology() == expected);
    QCOMPARE(doc.undoStack()->count(), 1);
}

// Issue 9, usability 2: a new id reaches every link end and binding that names the node, as one
// undo step that gives the old id back.
void TestTopologyDocument::changeNodeIdUpdatesReferences()
{
    TopologyDocument doc;
    QVERIFY(load(doc));
    QSignalSpy idChanged(&doc, &TopologyDocument::nodeIdChanged);
    QSignalSpy renamed(&doc, &TopologyDocument::nodeRenamed);
    QVERIFY(doc.changeNodeId("exchange-1", "orders"));
    Topology expected = fixture();
    nodeIn(expected, "exchange-1").id = "orders";
    expected.links[0].to = "orders";
    expected.links[1].from = "orders";
    expected.links[2].from = "orders";
    for (BindingDef &b : expected.bindings)
        b.exchange = "orders";
    CHECK_UNDO_REDO(doc, fixture(), expected);
    QCOMPARE(doc.undoStack()->count(), 1);
    QCOMPARE(doc.undoStack()->undoText(),
             QString("Change the id of 'exchange-1' from 'exchange-1' to 'orders'"));
    QCOMPARE(idChanged.count(), 3);
    QCOMPARE(idChanged.at(0), QVariantList({"exchange-1", "orders"}));
    QCOMPARE(idChanged.at(1), QVariantList({"orders", "exchange-1"})); // undo
    QCOMPARE(renamed.last().at(0).toString(), QString("orders"));
    QVERIFY(doc.linksOf("orders").size() == 3);
    QCOMPARE(doc.bindings("orders", "queue-1"), (QStringList{"orders.*", "returns.#"}));

    // A destination's id too.
    QVERIFY(doc.changeNodeId("queue-1", "jobs"));
    QCOMPARE(doc.bindings("orders", "jobs"), (QStringList{"orders.*", "returns.#"}));
    QCOMPARE(QString::fromStdString(doc.link("link-4")->from), QString("jobs"));
    QCOMPARE(errorsOf(doc.topology()), QStringList());

    // The same id is no edit.
    QVERIFY(doc.changeNodeId("jobs", "jobs"));
    QCOMPARE(doc.undoStack()->count(), 2);
}

void TestTopologyDocument::changeNodeIdRefusals_data()
{
    QTest::addColumn<QString>("id");
    QTest::addColumn<QString>("newId");
    QTest::addColumn<QString>("reason");
    QTest::newRow("taken by a node") << "queue-1"
                                     << "consumer-1"
                                     << "another node already has the id \"consumer-1\"";
    QTest::newRow("taken by a link") << "queue-1"
                                     << "link-2"
                                     << "a link already has the id \"link-2\"";
    QTest::newRow("empty") << "queue-1"
                           << ""
                           << "an id cannot be empty";
    QTest::newRow("space") << "queue-1"
                           << "my queue"
                           << "is not a valid id";
    QTest::newRow("leading dash") << "queue-1"
                                  << "-q"
                                  << "starting with a letter or digit";
    QTest::newRow("too long") << "queue-1" << QString(65, 'q') << "1 to 64";
    QTest::newRow("no such node") << "nope"
                                  << "q"
                                  << "no node with id \"nope\"";
}

void TestTopologyDocument::changeNodeIdRefusals()
{
    QFETCH(QString, id);
    QFETCH(QString, newId);
    QFETCH(QString, reason);
    TopologyDocument doc;
    QVERIFY(load(doc));
    QString error;
    QVERIFY(!doc.changeNodeId(id, newId, &error));
    QVERIFY2(error.contains(reason), qPrintable(error));
    QCOMPARE(doc.checkNodeId(id, newId), error);
    QVERIFY(doc.topology() == fixture());
    QCOMPARE(doc.undoStack()->count(), 0);
}

// Issue 9, usability 9: the History names the property by its label and the node by its name.
void TestTopologyDocument::historyNamesPropertiesAndNodes()
{
    TopologyDocument doc;
    QVERIFY(load(doc));
    QVERIFY(doc.renameNode("producer-1", "Producer 1"));
    QCOMPARE(doc.undoStack()->undoText(), QString("Rename node 'producer-1' to 'Producer 1'"));
    QVERIFY(doc.renameNode("producer-1", "Orders in"));
    QCOMPARE(doc.undoStack()->undoText(), QString("Rename node 'Producer 1' to 'Orders in'"));
    doc.undoStack()->undo();
    QVERIFY(doc.setNodeProperty("producer-1", "sendMode", "confirmed"));
    QCOMPARE(doc.undoStack()->undoText(), QString("Set Send mode of 'Producer 1'"));
    QVERIFY(doc.resetNodeProperty("producer-1", "rate"));
    QCOMPARE(doc.undoStack()->undoText(), QString("Reset Rate of 'Producer 1'"));
    // A node without a name is its id.
    QVERIFY(doc.setNodeProperty("queue-1", "maxLength", 9));
    QCOMPARE(doc.undoStack()->undoText(), QString("Set Max length of 'queue-1'"));
    QVERIFY(doc.setLinkProperty("link-1", "loss", 0.5));
    QCOMPARE(doc.undoStack()->undoText(), QString("Set Loss of the link 'Producer 1' \u2192 'exchange-1'"));
}

void TestTopologyDocument::removeNodeTakesLinksAndBindings()
{
    TopologyDocument doc;
    QVERIFY(load(doc));
    QSignalSpy nodeRemoved(&doc, &TopologyDocument::nodeRemoved);
    QSignalSpy linkRemoved(&doc, &TopologyDocument::linkRemoved);
    QSignalSpy nodeAdded(&doc, &TopologyDocument::nodeAdded);
    QSignalSpy linkAdded(&doc, &TopologyDocument::linkAdded);
    QSignalSpy bindings(&doc, &TopologyDocument::bindingsChanged);
    QVERIFY(doc.removeItems({"queue-1"}, {}));
    QCOMPARE(doc.undoStack()->count(), 1);

    Topology expected = fixture();
    expected.nodes.erase(expected.nodes.begin() + 3);
    expected.links = {fixture().links[0], fixture().links[2]};
    expected.bindings = {{"exchange-1", "exchange-2", "audit.#"}};
    QVERIFY(doc.topology() == expected);
    QCOMPARE(nodeRemoved.count(), 1);
    QCOMPARE(nodeRemoved.at(0).at(0).toString(), QString("queue-1"));
    QCOMPARE(linkRemoved.count(), 2);
    QCOMPARE(linkRemoved.at(0).at(0).toString(), QString("link-4"));
    QCOMPARE(linkRemoved.at(1).at(0).toString(), QString("link-2"));
    QCOMPARE(bindings.count(), 1);
    QCOMPARE(bindings.at(0), QVariantList({"exchange-1", "queue-1"}));

    // Undo puts the node, its links and both of its bindings back where they were.
    CHECK_UNDO_REDO(doc, fixture(), expected);
    QCOMPARE(nodeAdded.count(), 1);
    QCOMPARE(nodeAdded.at(0).at(0).toString(), QString("queue-1"));
    QCOMPARE(linkAdded.count(), 2);
    QCOMPARE(linkAdded.at(0).at(0).toString(), QString("link-2"));
    QCOMPARE(linkAdded.at(1).at(0).toString(), QString("link-4"));
    doc.undoStack()->undo();
    QCOMPARE(doc.bindings("exchange-1", "queue-1"), QStringList({"orders.*", "returns.#"}));
}

void TestTopologyDocument::removeLinkTakesItsBindings()
{
    TopologyDocument doc;
    QVERIFY(load(doc));
    QSignalSpy bindings(&doc, &TopologyDocument::bindingsChanged);
    QVERIFY(doc.removeItems({}, {"link-3", "link-1"}));
    Topology expected = fixture();
    expected.links = {fixture().links[1], fixture().links[3]};
    expected.bindings = {{"exchange-1", "queue-1", "orders.*"}, {"exchange-1", "queue-1", "returns.#"}};
    CHECK_UNDO_REDO(doc, fixture(), expected);
    QCOMPARE(bindings.count(), 3);
    for (const auto &args : bindings)
        QCOMPARE(args, QVariantList({"exchange-1", "exchange-2"}));

    // Several nodes and links in one step.
    QVERIFY(doc.removeItems({"exchange-1", "consumer-1"}, {"link-4"}));
    QCOMPARE(doc.undoStack()->count(), 2);
    QCOMPARE(doc.nodeIds(), QStringList({"producer-1", "exchange-2", "queue-1"}));
    QVERIFY(doc.topology().links.empty());
    QVERIFY(doc.topology().bindings.empty());
    QCOMPARE(errorsOf(doc.topology()), QStringList());
    doc.undoStack()->undo();
    QVERIFY(doc.topology() == expected);
    doc.undoStack()->undo();
    QVERIFY(doc.topology() == fixture());
}

void TestTopologyDocument::removeRefusesUnknownIds()
{
    TopologyDocument doc;
    QVERIFY(load(doc));
    QString error;
    QVERIFY(!doc.removeItems({"queue-1", "nope"}, {}, &error));
    QVERIFY2(error.contains("no node with id \"nope\""), qPrintable(error));
    QVERIFY(!doc.removeItems({}, {"link-9"}, &error));
    QVERIFY2(error.contains("no link with id \"link-9\""), qPrintable(error));
    QVERIFY(!doc.removeItems({}, {}, &error));
    QVERIFY(doc.topology() == fixture());
    QCOMPARE(doc.undoStack()->count(), 0);
}

void TestTopologyDocument::bindings_data()
{
    QTest::addColumn<QString>("destination");
    QTest::addColumn<QStringList>("keys");
    QTest::addColumn<QStringList>("expectedKeys"); // every binding, "destination:key", in order
    QTest::newRow("add a key") << "queue-1" << QStringList{"orders.*", "returns.#", "refunds"}
                               << QStringList{"queue-1:orders.*", "queue-1:returns.#", "queue-1:refunds",
                                              "exchange-2:audit.#"};
    QTest::newRow("replace keys in place")
        << "exchange-2" << QStringList{"audit.*", "#"}
        << QStringList{"queue-1:orders.*", "exchange-2:audit.*", "exchange-2:#", "queue-1:returns.#"};
    QTest::newRow("remove all keys") << "queue-1" << QStringList{} << QStringList{"exchange-2:audit.#"};
}

void TestTopologyDocument::bindings()
{
    QFETCH(QString, destination);
    QFETCH(QStringList, keys);
    QFETCH(QStringList, expectedKeys);
    TopologyDocument doc;
    QVERIFY(load(doc));
    QSignalSpy changed(&doc, &TopologyDocument::bindingsChanged);
    QString error;
    QVERIFY2(doc.setBindingKeys("exchange-1", destination, keys, &error), qPrintable(error));
    QCOMPARE(doc.bindings("exchange-1", destination), keys);
    Topology expected = fixture();
    expected.bindings.clear();
    for (const QString &entry : expectedKeys)
        expected.bindings.push_back(
            {"exchange-1", entry.section(':', 0, 0).toStdString(), entry.section(':', 1).toStdString()});
    CHECK_UNDO_REDO(doc, fixture(), expected);
    QCOMPARE(changed.count(), 3);
    for (const auto &args : changed)
        QCOMPARE(args, QVariantList({"exchange-1", destination}));
}

void TestTopologyDocument::invalidBindings_data()
{
    QTest::addColumn<QString>("exchange");
    QTest::addColumn<QString>("destination");
    QTest::addColumn<QStringList>("keys");
    QTest::addColumn<QString>("reason");
    QTest::newRow("not an exchange") << "queue-1"
                                     << "consumer-1" << QStringList{"a"}
                                     << "\"queue-1\" is a queue, not an exchange";
    QTest::newRow("unknown exchange") << "nope"
                                      << "queue-1" << QStringList{"a"} << "no node with id \"nope\"";
    QTest::newRow("unknown destination") << "exchange-1"
                                         << "nope" << QStringList{"a"} << "no node with id \"nope\"";
    QTest::newRow("no link") << "exchange-2"
                             << "queue-1" << QStringList{"a"} << "draw the link first";
    // RabbitMQ refuses a topic key with more than two '#' words ('x*' inside a word is literal, accepted).
    QTest::newRow("three # words")
        << "exchange-1"
        << "queue-1" << QStringList{"orders", "#.a.#.b.#"}
        << "binding \"exchange-1\" -> \"queue-1\", key \"#.a.#.b.#\": '#.a.#.b.#': word 5 "
           "at column 9 is a third '#'";
    QTest::newRow("key too long") << "exchange-1"
                                  << "queue-1" << QStringList{QString(300, 'k')} << "longer than 255 bytes";
    QTest::newRow("key twice") << "exchange-1"
                               << "queue-1" << QStringList{"a.b", "a.b"} << "key \"a.b\" is listed twice";
}

void TestTopologyDocument::invalidBindings()
{
    QFETCH(QString, exchange);
    QFETCH(QString, destination);
    QFETCH(QStringList, keys);
    QFETCH(QString, reason);
    TopologyDocument doc;
    QVERIFY(load(doc));
    QSignalSpy changed(&doc, &TopologyDocument::bindingsChanged);
    QString error;
    QVERIFY(!doc.setBindingKeys(exchange, destination, keys, &error));
    QVERIFY2(error.contains(reason), qPrintable(error));
    QVERIFY(doc.topology() == fixture());
    QCOMPARE(doc.undoStack()->count(), 0);
    QCOMPARE(changed.count(), 0);
}

// A headers exchange's bindings are edited as one line of arguments each, validated as RabbitMQ
// validates them, and stored as the binding's arguments object.
void TestTopologyDocument::headersBindings()
{
    TopologyDocument doc;
    QVERIFY(load(doc));
    QString error;
    QVERIFY2(doc.setNodeProperty("exchange-1", "type", "headers", &error), qPrintable(error));
    QSignalSpy changed(&doc, &TopologyDocument::bindingsChanged);
    const QStringList lines{"x-match=any, format=zip, type=log", "urgent"};
    QVERIFY2(doc.setBindingKeys("exchange-1", "queue-1", lines, &error), qPrintable(error));
    QCOMPARE(changed.count(), 1);
    QCOMPARE(doc.bindings("exchange-1", "queue-1"), lines);
    std::vector<Json> arguments;
    for (const auto &b : doc.topology().bindings)
        if (b.destination == "queue-1") {
            QCOMPARE(b.key, std::string());
            arguments.push_back(b.arguments);
        }
    QCOMPARE(arguments.size(), std::size_t(2));
    QVERIFY2(arguments[0] == (Json{{"x-match", "any"}, {"format", "zip"}, {"type", "log"}}),
             arguments[0].dump().c_str());
    QVERIFY2(arguments[1] == (Json{{"urgent", nullptr}}), arguments[1].dump().c_str());

    const Topology before = doc.topology();
    for (const auto &[bad, reason] : {std::pair{"x-match=some, a=1", "invalid x-match value 'some'"},
                                      std::pair{"a=1, =2", "column 6: a header name is missing"},
                                      std::pair{"a=1, a=2", "header 'a' is listed twice"}}) {
        QVERIFY(!doc.setBindingKeys("exchange-1", "queue-1", {QString::fromLatin1(bad)}, &error));
        QVERIFY2(error.contains(QLatin1String(reason)), qPrintable(error));
        QVERIFY(doc.topology() == before);
    }
    QVERIFY(!doc.setBindingKeys("exchange-1", "queue-1", {"a=1", "a = 1"}, &error));
    QVERIFY2(error.contains("are listed twice"), qPrintable(error));
}

void TestTopologyDocument::copyPaste()
{
    TopologyDocument doc;
    QVERIFY(load(doc));
    const QByteArray clip = doc.copy({"exchange-1", "queue-1", "consumer-1"});
    const LoadResult parsed = parseTopology(clip.toStdString());
    QVERIFY2(parsed.ok(), parsed.errorText().c_str());
    QCOMPARE(parsed.topology->nodes.size(), std::size_t(3));
    QCOMPARE(parsed.topology->links.size(), std::size_t(2)); // link-2 and link-4
    QCOMPARE(parsed.topology->bindings.size(), std::size_t(2));

    QSignalSpy nodeAdded(&doc, &TopologyDocument::nodeAdded);
    QSignalSpy linkAdded(&doc, &TopologyDocument::linkAdded);
    QSignalSpy nodeRemoved(&doc, &TopologyDocument::nodeRemoved);
    QString error;
    const QStringList ids = doc.paste(clip, QPointF(50, 20), &error);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    QCOMPARE(ids, QStringList({"exchange-3", "queue-2", "consumer-2"}));
    QCOMPARE(doc.undoStack()->count(), 1);

    Topology expected = fixture();
    expected.nodes.push_back(makeNode("exchange-3", "exchange", 150, 20, {{"type", "topic"}}));
    expected.nodes.push_back(
        makeNode("queue-2", "queue", 250, 20, {{"maxLength", 5}, {"overflow", "reject-publish"}}));
    expected.nodes.push_back(makeNode("consumer-2", "consumer", 350, 20));
    expected.links.push_back(makeLink("link-5", "exchange-3", "out", "queue-2", "in"));
    expected.links.push_back(makeLink("link-6", "queue-2", "deliver", "consumer-2", "in"));
    expected.bindings.push_back({"exchange-3", "queue-2", "orders.*"});
    expected.bindings.push_back({"exchange-3", "queue-2", "returns.#"});
    CHECK_UNDO_REDO(doc, fixture(), expected);
    QCOMPARE(nodeAdded.count(), 6);
    QCOMPARE(nodeAdded.at(0).at(0).toString(), QString("exchange-3"));
    QCOMPARE(linkAdded.count(), 4);
    QCOMPARE(linkAdded.at(0).at(0).toString(), QString("link-5"));
    QCOMPARE(linkAdded.at(1).at(0).toString(), QString("link-6"));
    QCOMPARE(nodeRemoved.count(), 3);

    // Undo removes exactly the pasted items.
    doc.undoStack()->undo();
    QVERIFY(doc.topology() == fixture());

    // Pasting twice gives fresh ids again.
    doc.undoStack()->redo();
    const QStringList again = doc.paste(clip, QPointF(100, 40), &error);
    QCOMPARE(again, QStringList({"exchange-4", "queue-3", "consumer-3"}));
    QCOMPARE(doc.bindings("exchange-4", "queue-3"), QStringList({"orders.*", "returns.#"}));
    QCOMPARE(doc.link("link-7")->from, std::string("exchange-4"));
    QVERIFY(doc.node("consumer-3")->position == (Position{400, 40}));
    QCOMPARE(errorsOf(doc.topology()), QStringList());
}

void TestTopologyDocument::pasteRefusesInvalidContent_data()
{
    QTest::addColumn<QByteArray>("clip");
    QTest::addColumn<QString>("reason");
    QTest::newRow("not JSON") << QByteArray("hello") << "the clipboard does not hold a topology: clipboard:";
    QTest::newRow("not a topology") << QByteArray("{\"a\": 1}") << "the clipboard does not hold a topology";
    QTest::newRow("unknown kind") << QByteArray("{\"format\":\"signalbox-topology\",\"version\":1,"
                                                "\"nodes\":[{\"id\":\"a\",\"kind\":\"router\"}]}")
                                  << "unknown kind \"router\"";
    QTest::newRow("no nodes") << QByteArray("{\"format\":\"signalbox-topology\",\"version\":1,\"nodes\":[]}")
                              << "the clipboard holds no nodes";
}

void TestTopologyDocument::pasteRefusesInvalidContent()
{
    QFETCH(QByteArray, clip);
    QFETCH(QString, reason);
    TopologyDocument doc;
    QVERIFY(load(doc));
    QSignalSpy added(&doc, &TopologyDocument::nodeAdded);
    QString error;
    QCOMPARE(doc.paste(clip, QPointF(10, 10), &error), QStringList());
    QVERIFY2(error.contains(reason), qPrintable(error));
    QVERIFY(doc.topology() == fixture());
    QCOMPARE(doc.undoStack()->count(), 0);
    QCOMPARE(added.count(), 0);
}

void TestTopologyDocument::modifiedFollowsCleanState()
{
    TopologyDocument doc;
    QVERIFY(load(doc));
    QSignalSpy modified(&doc, &TopologyDocument::modifiedChanged);
    QVERIFY(!doc.isModified());
    QVERIFY(!doc.addNode("queue", QPointF(0, 200)).isEmpty());
    QVERIFY(doc.isModified());
    doc.undoStack()->undo();
    QVERIFY(!doc.isModified());
    doc.undoStack()->redo();
    QVERIFY(doc.isModified());
    QCOMPARE(modified.count(), 3);
    QCOMPARE(modified.at(0).at(0).toBool(), true);
    QCOMPARE(modified.at(1).at(0).toBool(), false);
    QCOMPARE(modified.at(2).at(0).toBool(), true);

    // Saved: back to clean, and stepping away from the saved state is a modification again.
    doc.setFilePath("/tmp/saved.json");
    doc.setClean();
    QVERIFY(!doc.isModified());
    QCOMPARE(doc.filePath(), QString("/tmp/saved.json"));
    doc.undoStack()->undo();
    QVERIFY(doc.isModified());
    doc.undoStack()->redo();
    QVERIFY(!doc.isModified());
    QCOMPARE(modified.count(), 6);

    // A refused edit does not touch the flag.
    QVERIFY(doc.addLink("nope", "out", "queue-1", "in").isEmpty());
    QVERIFY(!doc.isModified());
    QCOMPARE(modified.count(), 6);
    QCOMPARE(errorsOf(doc.topology()), QStringList());
}

void TestTopologyDocument::setTopologyResets()
{
    TopologyDocument doc;
    QVERIFY(load(doc));
    QVERIFY(!doc.addNode("queue", {}).isEmpty());
    QVERIFY(doc.isModified());
    QSignalSpy reset(&doc, &TopologyDocument::documentReset);
    QSignalSpy modified(&doc, &TopologyDocument::modifiedChanged);

    Topology bad = fixture();
    bad.links.push_back(makeLink("link-9", "producer-1", "out", "consumer-1", "in"));
    QString error;
    QVERIFY(!doc.setTopology(bad, &error));
    QVERIFY2(error.contains("one carries publishes, the other deliveries"), qPrintable(error));
    QCOMPARE(reset.count(), 0);
    QCOMPARE(doc.undoStack()->count(), 1);

    QVERIFY(doc.setTopology(fixture()));
    QCOMPARE(reset.count(), 1);
    QCOMPARE(doc.undoStack()->count(), 0);
    QVERIFY(!doc.isModified());
    QCOMPARE(modified.count(), 1);
    QVERIFY(doc.topology() == fixture());

    doc.setFilePath("/tmp/x.json");
    doc.clear();
    QCOMPARE(reset.count(), 2);
    QVERIFY(doc.topology() == Topology());
    QVERIFY(doc.filePath().isEmpty());
    QCOMPARE(errorsOf(doc.topology()), QStringList());
}

// An SNS subscription's attributes are its binding's arguments, edited as one line of JSON with
// AWS's rules checked before the edit is taken (one undo step).
void TestTopologyDocument::snsSubscriptionAttributes_data()
{
    QTest::addColumn<QString>("line");
    QTest::addColumn<QString>("problem"); // empty: taken
    QTest::addRow("filter and raw")
        << R"({"FilterPolicy": {"country": ["DE", {"prefix": "F"}]}, "RawMessageDelivery": true})"
        << "";
    QTest::addRow("body scope")
        << R"({"FilterPolicy": {"total": [{"numeric": [">", 1000]}]}, "FilterPolicyScope": "MessageBody"})"
        << "";
    QTest::addRow("not JSON") << R"({"FilterPolicy": )"
                              << "not JSON at column";
    QTest::addRow("not an object") << "[1]"
                                   << "must be a JSON object";
    QTest::addRow("bad operator") << R"({"FilterPolicy": {"total": [{"numeric": ["~", 1]}]}})"
                                  << "FilterPolicy";
    QTest::addRow("bad scope") << R"({"FilterPolicyScope": "Body"})"
                               << "FilterPolicyScope";
}

void TestTopologyDocument::snsSubscriptionAttributes()
{
    QFETCH(QString, line);
    QFETCH(QString, problem);
    auto loaded = loadTopologyFile(SIGNALBOX_EXAMPLES_DIR "/sns-fanout.json");
    QVERIFY2(loaded.ok(), loaded.errorText().c_str());
    TopologyDocument doc;
    QVERIFY(doc.setTopology(*loaded.topology));
    const QStringList before = doc.bindings(QStringLiteral("orders-topic"), QStringLiteral("cancellations"));
    QCOMPARE(before.size(), 1);
    QVERIFY(before.first().contains(QLatin1String("order_cancelled")));
    QString error;
    const bool ok =
        doc.setBindingKeys(QStringLiteral("orders-topic"), QStringLiteral("cancellations"), {line}, &error);
    QCOMPARE(ok, problem.isEmpty());
    if (!ok) {
        QVERIFY2(error.contains(problem), qPrintable(error));
        QCOMPARE(doc.bindings(QStringLiteral("orders-topic"), QStringLiteral("cancellations")), before);
        return;
    }
    const QStringList after = doc.bindings(QStringLiteral("orders-topic"), QStringLiteral("cancellations"));
    QCOMPARE(after.size(), 1);
    QVERIFY(Json::parse(after.first().toStdString()) == Json::parse(line.toStdString()));
    doc.undoStack()->undo();
    QCOMPARE(doc.bindings(QStringLiteral("orders-topic"), QStringLiteral("cancellations")), before);
    // Removing another link keeps the subscription's attributes (its link is still there).
    QVERIFY(doc.removeItems({}, {doc.linksOf(QStringLiteral("billing")).first()}));
    QCOMPARE(doc.bindings(QStringLiteral("orders-topic"), QStringLiteral("cancellations")), before);
}

QTEST_MAIN(TestTopologyDocument)
#include "tst_topologydocument.moc"
