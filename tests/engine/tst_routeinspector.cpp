// The routing inspector (core/routeinspector.h): where a message would go, and why not
// elsewhere, without running — on small topologies of each family and on every bundled example.
#include "nodes/kafka/kafkaprotocol.h"
#include "routeinspector.h"
#include "topology.h"

#include <QDir>
#include <QtTest>

using namespace sb;

namespace {

Topology parse(const std::string &text)
{
    auto r = parseTopology(text);
    if (!r.ok()) qWarning("%s", r.errorText().c_str());
    return r.ok() ? *r.topology : Topology{};
}

const RouteBranch *branch(const RouteReport &r, const std::string &node, const std::string &peer)
{
    for (const auto &h : r.hops)
        if (h.node == node)
            for (const auto &b : h.branches)
                if (b.peer == peer) return &b;
    return nullptr;
}

QString joined(const std::vector<std::string> &v)
{
    QStringList out;
    for (const auto &s : v)
        out << QString::fromStdString(s);
    out.sort();
    return out.join(QLatin1Char(','));
}

RouteMessage withKey(const std::string &routingKey)
{
    RouteMessage m;
    m.routingKey = routingKey;
    m.routingKeyGiven = true;
    return m;
}

const char *kTopic = R"({"format": "signalbox-topology", "version": 1, "nodes": [
  {"id": "p", "kind": "producer", "properties": {"routingKey": "eu.orders.created"}},
  {"id": "x", "kind": "exchange", "properties": {"type": "topic"}},
  {"id": "eu", "kind": "queue"}, {"id": "orders", "kind": "queue"}, {"id": "failed", "kind": "queue"},
  {"id": "unrouted", "kind": "queue"},
  {"id": "c1", "kind": "consumer"}, {"id": "c2", "kind": "consumer"}, {"id": "c3", "kind": "consumer"}],
 "links": [
  {"id": "pub", "from": "p", "to": "x"},
  {"id": "b-eu", "from": "x", "fromPort": "out", "to": "eu"},
  {"id": "b-orders", "from": "x", "fromPort": "out", "to": "orders"},
  {"id": "b-failed", "from": "x", "fromPort": "out", "to": "failed"},
  {"id": "alt", "from": "x", "fromPort": "alternate", "to": "unrouted"},
  {"id": "d1", "from": "eu", "fromPort": "deliver", "to": "c1"},
  {"id": "d2", "from": "orders", "fromPort": "deliver", "to": "c2"},
  {"id": "d3", "from": "orders", "fromPort": "deliver", "to": "c3"}],
 "bindings": [
  {"exchange": "x", "destination": "eu", "key": "eu.#"},
  {"exchange": "x", "destination": "orders", "key": "*.orders.*"},
  {"exchange": "x", "destination": "orders", "key": "#.created"},
  {"exchange": "x", "destination": "failed", "key": "#.failed"}]})";

} // namespace

class TestRouteInspector : public QObject {
    Q_OBJECT

private slots:
    void topicExchange_data();
    void topicExchange();
    void producerFillsItsOwnRoutingKey();
    void severalBindingsOnOneLinkFollowedOnce();
    void headersAndContentFilter();
    void sameMessageAgainIsNotFollowedForever();
    void mqttSharedAndPlainSubscriptions();
    void redisChannelAndPatternGiveTwoCopies();
    void natsQueueGroups();
    void kafkaPartitionIsMurmur2OfTheKey();
    void unknownStartNode();
    void jsonReport();
    void examples_data();
    void examples();
    void everyExampleHasARow();
};

void TestRouteInspector::topicExchange_data()
{
    QTest::addColumn<QString>("routingKey");
    QTest::addColumn<QString>("ends");   // consumers (and parked queues) reached, sorted
    QTest::addColumn<QString>("whyNot"); // a phrase of the reason the "failed" binding is not taken
    QTest::addRow("eu order") << "eu.orders.created"
                              << "c1,c2,c3"
                              << "no match";
    QTest::addRow("us failure") << "us.payments.failed"
                                << ""
                                << "";
    QTest::addRow("nothing matches: alternate") << "audit.log"
                                                << "unrouted"
                                                << "no match";
    QTest::addRow("empty key") << ""
                               << "unrouted"
                               << "no match";
}

void TestRouteInspector::topicExchange()
{
    QFETCH(QString, routingKey);
    QFETCH(QString, ends);
    QFETCH(QString, whyNot);
    const Topology t = parse(kTopic);
    const RouteReport r = inspectRoute(t, "p", withKey(routingKey.toStdString()));
    QVERIFY(r.error.empty());
    std::vector<std::string> dest = r.destinations();
    if (routingKey == "us.payments.failed") {
        // "failed" has no consumer: the message stays queued there.
        QCOMPARE(joined(dest), QStringLiteral("failed"));
        QVERIFY(r.linkTaken("b-failed"));
        QVERIFY(!r.linkTaken("alt"));
        return;
    }
    QCOMPARE(joined(dest), ends);
    const RouteBranch *failed = branch(r, "x", "failed");
    QVERIFY(failed);
    QVERIFY(!failed->taken);
    QVERIFY2(QString::fromStdString(failed->why).contains(whyNot), failed->why.c_str());
    QCOMPARE(r.linkTaken("alt"), ends == QLatin1String("unrouted"));
}

void TestRouteInspector::producerFillsItsOwnRoutingKey()
{
    const Topology t = parse(kTopic);
    const RouteReport r = inspectRoute(t, "p", RouteMessage{});
    QCOMPARE(r.hops[0].node, std::string("p"));
    QVERIFY(QString::fromStdString(r.hops[0].note).contains("eu.orders.created"));
    QCOMPARE(r.hops[1].message.routingKey, std::string("eu.orders.created"));
    QVERIFY(r.linkTaken("b-eu"));
    // Competing consumers: both of the queue's consumers are on the route, one gets each message.
    const RouteBranch *d2 = branch(r, "orders", "c2");
    QVERIFY(d2 && d2->taken);
    QVERIFY(QString::fromStdString(d2->why).contains("one of 2"));
}

void TestRouteInspector::severalBindingsOnOneLinkFollowedOnce()
{
    const Topology t = parse(kTopic);
    const RouteReport r = inspectRoute(t, "p", withKey("eu.orders.created"));
    int orderBranches = 0, orderHops = 0;
    for (const auto &h : r.hops) {
        orderHops += h.node == "orders";
        for (const auto &b : h.branches)
            if (b.peer == "orders") {
                ++orderBranches;
                QVERIFY(b.hasBinding);
                QVERIFY(b.taken); // both "*.orders.*" and "#.created" match
            }
    }
    QCOMPARE(orderBranches, 2);
    QCOMPARE(orderHops, 1);
}

void TestRouteInspector::headersAndContentFilter()
{
    const char *text = R"({"format": "signalbox-topology", "version": 1, "nodes": [
      {"id": "p", "kind": "producer", "properties": {"headers": {"format": "pdf"}}},
      {"id": "x", "kind": "exchange", "properties": {"type": "headers"}},
      {"id": "f", "kind": "content-filter", "properties": {"expression": "total > 1000 && country != 'US'"}},
      {"id": "big", "kind": "queue"}, {"id": "docs", "kind": "queue"}],
     "links": [{"id": "pub", "from": "p", "to": "x"},
      {"id": "b-filter", "from": "x", "fromPort": "out", "to": "f"},
      {"id": "b-docs", "from": "x", "fromPort": "out", "to": "docs"},
      {"id": "pass", "from": "f", "fromPort": "out", "to": "big"}],
     "bindings": [{"exchange": "x", "destination": "f", "key": "", "arguments": {"x-match": "any", "format": "zip", "type": "order"}},
      {"exchange": "x", "destination": "docs", "key": "", "arguments": {"format": "pdf"}}]})";
    const Topology t = parse(text);
    RouteMessage m;
    m.headers = {{"type", "order"}};
    m.fields = {{"total", "1500"}, {"country", "DE"}};
    RouteReport r = inspectRoute(t, "p", m);
    QCOMPARE(joined(r.destinations()), QStringLiteral("big,docs"));
    m.fields = {{"total", "1500"}, {"country", "US"}};
    r = inspectRoute(t, "p", m);
    QCOMPARE(joined(r.destinations()), QStringLiteral("docs"));
    const RouteBranch *pass = branch(r, "f", "big");
    QVERIFY(pass && !pass->taken);
    QVERIFY2(QString::fromStdString(pass->why).contains("country = 'US'"), pass->why.c_str());
    // Neither header of the any-binding: not routed to the filter, and the headers binding says why.
    m.headers = {{"type", "invoice"}};
    r = inspectRoute(t, "p", m);
    const RouteBranch *toFilter = branch(r, "x", "f");
    QVERIFY(toFilter && !toFilter->taken);
    QVERIFY2(QString::fromStdString(toFilter->why).contains("no match"), toFilter->why.c_str());
}

// A participant that emits the event it reacts to would go round forever: the inspector stops
// where a node comes back with the same routing key on one path.
void TestRouteInspector::sameMessageAgainIsNotFollowedForever()
{
    const char *text = R"({"format": "signalbox-topology", "version": 1, "nodes": [
      {"id": "p", "kind": "producer", "properties": {"routingKey": "A"}},
      {"id": "x", "kind": "exchange", "properties": {"type": "direct"}}, {"id": "q", "kind": "queue"},
      {"id": "s", "kind": "saga-participant", "properties": {"emits": "A"}}],
     "links": [{"id": "pub", "from": "p", "to": "x"}, {"id": "xq", "from": "x", "fromPort": "out", "to": "q"},
      {"id": "qs", "from": "q", "fromPort": "deliver", "to": "s", "toPort": "events"}, {"id": "sx", "from": "s", "fromPort": "publish", "to": "x"}],
     "bindings": [{"exchange": "x", "destination": "q", "key": "A"}]})";
    const Topology t = parse(text);
    QVERIFY(!t.nodes.empty());
    const RouteReport r = inspectRoute(t, "p", RouteMessage{});
    QVERIFY(r.hops.size() < 10);
    QVERIFY(r.hops.back().again);
    QCOMPARE(r.hops.back().node, std::string("x"));
    QVERIFY(r.linkTaken("sx"));
}

void TestRouteInspector::mqttSharedAndPlainSubscriptions()
{
    const char *text = R"({"format": "signalbox-topology", "version": 1, "nodes": [
      {"id": "sensor", "kind": "mqtt-client", "properties": {"rate": 1, "topic": "home/kitchen/temp"}},
      {"id": "broker", "kind": "mqtt-broker"},
      {"id": "dash", "kind": "mqtt-client", "properties": {"subscriptions": ["home/+/temp 1"]}},
      {"id": "w1", "kind": "mqtt-client", "properties": {"subscriptions": ["$share/g/home/# 1"]}},
      {"id": "w2", "kind": "mqtt-client", "properties": {"subscriptions": ["$share/g/home/# 1"]}},
      {"id": "sys", "kind": "mqtt-client", "properties": {"subscriptions": ["garage/#"]}}],
     "links": [{"id": "l1", "from": "sensor", "to": "broker"}, {"id": "l2", "from": "dash", "to": "broker"},
      {"id": "l3", "from": "w1", "to": "broker"}, {"id": "l4", "from": "w2", "to": "broker"},
      {"id": "l5", "from": "sys", "to": "broker"}]})";
    const Topology t = parse(text);
    const RouteReport r = inspectRoute(t, "sensor", RouteMessage{});
    QCOMPARE(joined(r.destinations()), QStringLiteral("dash,w1,w2"));
    const RouteBranch *w1 = branch(r, "broker", "w1");
    QVERIFY(w1 && QString::fromStdString(w1->why).contains("one of the group's 2 members"));
    const RouteBranch *sys = branch(r, "broker", "sys");
    QVERIFY(sys && !sys->taken);
    QVERIFY2(QString::fromStdString(sys->why).contains("garage"), sys->why.c_str());
}

void TestRouteInspector::redisChannelAndPatternGiveTwoCopies()
{
    const char *text = R"({"format": "signalbox-topology", "version": 1, "nodes": [
      {"id": "pub", "kind": "redis-publisher", "properties": {"channel": "news.tech"}},
      {"id": "redis", "kind": "redis-server"},
      {"id": "both", "kind": "redis-subscriber", "properties": {"channels": ["news.tech"], "patterns": ["news.*"]}},
      {"id": "other", "kind": "redis-subscriber", "properties": {"channels": ["sport"]}}],
     "links": [{"id": "l1", "from": "pub", "to": "redis"}, {"id": "l2", "from": "both", "to": "redis"},
      {"id": "l3", "from": "other", "to": "redis"}]})";
    const Topology t = parse(text);
    const RouteReport r = inspectRoute(t, "pub", RouteMessage{});
    const RouteBranch *both = branch(r, "redis", "both");
    QVERIFY(both && both->taken);
    QVERIFY2(QString::fromStdString(both->why).contains("2 copies"), both->why.c_str());
    QCOMPARE(joined(r.destinations()), QStringLiteral("both"));
}

void TestRouteInspector::natsQueueGroups()
{
    const char *text = R"({"format": "signalbox-topology", "version": 1, "nodes": [
      {"id": "pub", "kind": "nats-publisher", "properties": {"subject": "orders.eu"}},
      {"id": "nats", "kind": "nats-server"},
      {"id": "a", "kind": "nats-subscriber", "properties": {"subscriptions": ["orders.* workers"]}},
      {"id": "b", "kind": "nats-subscriber", "properties": {"subscriptions": ["orders.* workers"]}},
      {"id": "audit", "kind": "nats-subscriber", "properties": {"subscriptions": ["orders.>"]}},
      {"id": "us", "kind": "nats-subscriber", "properties": {"subscriptions": ["orders.us"]}}],
     "links": [{"id": "l1", "from": "pub", "to": "nats"}, {"id": "l2", "from": "a", "to": "nats"},
      {"id": "l3", "from": "b", "to": "nats"}, {"id": "l4", "from": "audit", "to": "nats"},
      {"id": "l5", "from": "us", "to": "nats"}]})";
    const Topology t = parse(text);
    const RouteReport r = inspectRoute(t, "pub", RouteMessage{});
    QCOMPARE(joined(r.destinations()), QStringLiteral("a,audit,b"));
    QVERIFY(!r.linkTaken("l5"));
    QVERIFY(QString::fromStdString(branch(r, "nats", "a")->why).contains("one of the group's 2 members"));
}

void TestRouteInspector::kafkaPartitionIsMurmur2OfTheKey()
{
    const char *text = R"({"format": "signalbox-topology", "version": 1, "nodes": [
      {"id": "p", "kind": "kafka-producer"}, {"id": "t", "kind": "kafka-topic", "properties": {"partitions": 6}},
      {"id": "a", "kind": "kafka-consumer", "properties": {"groupId": "g1"}},
      {"id": "b", "kind": "kafka-consumer", "properties": {"groupId": "g1"}},
      {"id": "c", "kind": "kafka-consumer", "properties": {"groupId": "audit"}}],
     "links": [{"id": "prod", "from": "p", "to": "t"}, {"id": "ca", "from": "t", "fromPort": "consumers", "to": "a"},
      {"id": "cb", "from": "t", "fromPort": "consumers", "to": "b"}, {"id": "cc", "from": "t", "fromPort": "consumers", "to": "c"}]})";
    const Topology t = parse(text);
    RouteMessage m;
    m.key = "user-7";
    m.keyGiven = true;
    const RouteReport r = inspectRoute(t, "p", m);
    const RouteBranch *prod = branch(r, "p", "t");
    QVERIFY(prod);
    QCOMPARE(prod->partition, int(kafka::partitionForKey("user-7", 6)));
    QVERIFY(QString::fromStdString(prod->why).contains("murmur2"));
    QCOMPARE(joined(r.destinations()), QStringLiteral("a,b,c"));
    QVERIFY(QString::fromStdString(branch(r, "t", "a")->why).contains("one of its 2 members"));
    // Keyless: no partition can be named.
    const RouteReport keyless = inspectRoute(t, "p", RouteMessage{});
    QCOMPARE(branch(keyless, "p", "t")->partition, -1);
    QVERIFY(QString::fromStdString(branch(keyless, "p", "t")->why).contains("sticky"));
}

void TestRouteInspector::unknownStartNode()
{
    const Topology t = parse(kTopic);
    const RouteReport r = inspectRoute(t, "nope", RouteMessage{});
    QVERIFY(!r.error.empty());
    QVERIFY(r.hops.empty());
    QVERIFY(routeReportJson(r).contains("error"));
}

void TestRouteInspector::jsonReport()
{
    const Topology t = parse(kTopic);
    const Json j = routeReportJson(inspectRoute(t, "p", withKey("audit.log")));
    QVERIFY(j["destinations"] == Json::array({"unrouted"}));
    QCOMPARE(j["hops"][0]["node"].get<std::string>(), std::string("p"));
    bool sawAlternate = false;
    for (const auto &h : j["hops"])
        for (const auto &b : h["branches"])
            if (b["link"] == "alt") {
                sawAlternate = true;
                QVERIFY(b["taken"] == true);
                QVERIFY(b.contains("next"));
            }
    QVERIFY(sawAlternate);
}

// Every bundled example: from its first producing node, where its first message goes.
void TestRouteInspector::examples_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<QString>("from");
    QTest::addColumn<QString>("routingKey"); // empty: the node's own
    QTest::addColumn<QString>("extra");      // "header.k=v field.k=v key=K", space-separated
    QTest::addColumn<QString>("ends");       // the nodes where copies end, sorted, comma-separated
    QTest::addColumn<QString>("phrase");     // something the text report must say
#define ROUTE_EXAMPLE(file, from, key, extra, ends, phrase)                                                  \
    QTest::addRow("%s from %s %s %s", file, from, key, extra)                                                \
        << QStringLiteral(file) << QStringLiteral(from) << QStringLiteral(key) << QStringLiteral(extra)      \
        << QStringLiteral(ends) << QStringLiteral(phrase);
#include "routeinspector_examples.inc"
#undef ROUTE_EXAMPLE
}

void TestRouteInspector::everyExampleHasARow()
{
    QSet<QString> covered;
#define ROUTE_EXAMPLE(file, from, key, extra, ends, phrase) covered.insert(QStringLiteral(file));
#include "routeinspector_examples.inc"
#undef ROUTE_EXAMPLE
    const QStringList files =
        QDir(QStringLiteral(SIGNALBOX_EXAMPLES_DIR)).entryList({QStringLiteral("*.json")});
    QVERIFY(files.size() > 40);
    for (const QString &f : files)
        QVERIFY2(covered.contains(f), qPrintable(f + QStringLiteral(" has no routing-inspector row")));
}

void TestRouteInspector::examples()
{
    QFETCH(QString, file);
    QFETCH(QString, from);
    QFETCH(QString, routingKey);
    QFETCH(QString, extra);
    QFETCH(QString, ends);
    QFETCH(QString, phrase);
    const auto loaded = loadTopologyFile(std::string(SIGNALBOX_EXAMPLES_DIR) + "/" + file.toStdString());
    QVERIFY2(loaded.ok(), loaded.errorText().c_str());
    RouteMessage m;
    if (!routingKey.isEmpty()) m = withKey(routingKey.toStdString());
    for (const QString &part : extra.split(QLatin1Char(' '), Qt::SkipEmptyParts)) {
        const auto eq = part.indexOf(QLatin1Char('='));
        const std::string name = part.left(eq).toStdString(), value = part.mid(eq + 1).toStdString();
        if (name.rfind("header.", 0) == 0)
            m.headers.emplace_back(name.substr(7), value);
        else if (name.rfind("field.", 0) == 0)
            m.fields.emplace_back(name.substr(6), value);
        else if (name == "key") {
            m.key = value;
            m.keyGiven = true;
        } else
            QFAIL(qPrintable("bad extra " + part));
    }
    const RouteReport r = inspectRoute(*loaded.topology, from.toStdString(), m);
    QVERIFY2(r.error.empty(), r.error.c_str());
    const std::string text = routeReportText(r);
    QCOMPARE(joined(r.destinations()), ends);
    QVERIFY2(QString::fromStdString(text).contains(phrase), text.c_str());
}

QTEST_GUILESS_MAIN(TestRouteInspector)
#include "tst_routeinspector.moc"
