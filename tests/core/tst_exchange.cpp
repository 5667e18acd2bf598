// Exchange routing end to end: small topologies built in memory (a scripted producer, an exchange,
// queues without consumers) run to quiescence; the trace says which queue stored what.
#include "metrics.h"
#include "simulation.h"
#include "topology.h"
#include "trace.h"

#include <QTest>

#include <memory>
#include <numeric>
#include <set>
#include <string>
#include <vector>

using sb::Json;

namespace {

std::string str(const QByteArray &b)
{
    return std::string(b.constData(), static_cast<std::size_t>(b.size()));
}

// Builds a topology in memory, as the GUI's document does.
class Builder {
public:
    Builder &node(const std::string &id, const std::string &kind, Json properties = Json::object())
    {
        sb::NodeDef n;
        n.id = id;
        n.kind = kind;
        n.properties = std::move(properties);
        m_topology.nodes.push_back(std::move(n));
        return *this;
    }
    Builder &link(const std::string &from, const std::string &fromPort, const std::string &to,
                  const std::string &toPort = "in")
    {
        sb::LinkDef l;
        l.id = from + "." + fromPort + "-" + to;
        l.from = from;
        l.fromPort = fromPort;
        l.to = to;
        l.toPort = toPort;
        m_topology.links.push_back(std::move(l));
        return *this;
    }
    Builder &bind(const std::string &exchange, const std::string &destination, const std::string &key)
    {
        m_topology.bindings.push_back({exchange, destination, key});
        return *this;
    }
    const sb::Topology &topology() const { return m_topology; }

private:
    sb::Topology m_topology;
};

// A producer script publishing one message per millisecond with these routing keys, in order;
// message ids are then 1, 2, 3... in the same order.
Json script(const QList<QByteArray> &routingKeys)
{
    Json entries = Json::array();
    for (qsizetype i = 0; i < routingKeys.size(); ++i)
        entries.push_back({{"at", i + 1}, {"routingKey", str(routingKeys[i])}});
    return Json{{"script", std::move(entries)}};
}

// "q1=orders.*" -> binding of exchange `exchange` to q1 with key "orders.*".
void addBindings(Builder &b, const std::string &exchange, const QList<QByteArray> &bindings)
{
    for (const auto &spec : bindings) {
        const qsizetype eq = spec.indexOf('=');
        b.bind(exchange, str(spec.left(eq)), str(spec.mid(eq + 1)));
    }
}

class Recorder final : public sb::TraceSink {
public:
    void onEvent(const sb::TraceEvent &e) override { events.push_back(e); }
    std::vector<sb::TraceEvent> events;
};

struct RunResult {
    std::string error; // the diagnostics when the topology does not build
    sb::StopReason reason = sb::StopReason::Stopped;
    sb::Topology topology;
    std::unique_ptr<sb::CounterSink> counter;
    std::unique_ptr<sb::Metrics> metrics;
    Recorder recorder;

    sb::NodeIndex index(const std::string &id) const
    {
        return static_cast<sb::NodeIndex>(*topology.nodeIndex(id));
    }
    std::uint64_t enqueued(const std::string &queue) const
    {
        return counter->count(index(queue), sb::TraceKind::Enqueue);
    }
    std::uint64_t routed(const std::string &exchange) const
    {
        return counter->count(index(exchange), sb::TraceKind::Route);
    }
    // Drop events (not merely events carrying a reason) at `node`.
    std::uint64_t drops(const std::string &node, sb::DropReason reason) const
    {
        std::uint64_t n = 0;
        for (const auto &e : recorder.events)
            n += e.kind == sb::TraceKind::Drop && e.node == index(node) && e.reason == reason;
        return n;
    }
    std::set<std::uint64_t> messagesEnqueued(const std::string &queue) const
    {
        std::set<std::uint64_t> ids;
        for (const auto &e : recorder.events)
            if (e.kind == sb::TraceKind::Enqueue && e.node == index(queue)) ids.insert(e.messageId);
        return ids;
    }
};

// Validates (errors only; warnings such as unconnected ports are expected here), builds and runs
// with default RunOptions, i.e. until nothing is left to do.
std::unique_ptr<RunResult> runToQuiescence(const sb::Topology &t)
{
    auto r = std::make_unique<RunResult>();
    r->topology = t;
    for (const auto &d : sb::validateTopology(t))
        if (d.severity == sb::Diagnostic::Severity::Error) r->error += d.toString() + "\n";
    if (!r->error.empty()) return r;
    auto sim = sb::Simulation::build(t, r->error);
    if (!sim) return r;
    r->counter = std::make_unique<sb::CounterSink>(sim->nodeCount());
    r->metrics = std::make_unique<sb::Metrics>(sim->nodeCount(), sim->linkCount());
    sim->addSink(r->counter.get());
    sim->addSink(r->metrics.get());
    sim->addSink(&r->recorder);
    r->reason = sim->run(sb::RunOptions{});
    return r;
}

// producer p -> exchange x of `type` -> queues q1, q2, q3 (all linked, none consumed).
Builder routingTopology(const QByteArray &type, const QList<QByteArray> &bindings,
                        const QList<QByteArray> &keys)
{
    Builder b;
    b.node("p", "producer", script(keys))
        .node("x", "exchange", Json{{"type", str(type)}})
        .node("q1", "queue")
        .node("q2", "queue")
        .node("q3", "queue")
        .link("p", "out", "x")
        .link("x", "out", "q1")
        .link("x", "out", "q2")
        .link("x", "out", "q3");
    addBindings(b, "x", bindings);
    return b;
}

using Keys = QList<QByteArray>;
using Counts = QList<int>;

} // namespace

class TestExchange : public QObject {
    Q_OBJECT

private slots:
    void routingTable_data();
    void routingTable();
    void boundTwiceGetsOneCopy_data();
    void boundTwiceGetsOneCopy();
    void unroutableIsDropped();
    void alternateTakesUnroutable_data();
    void alternateTakesUnroutable();
    void alternateRouteIsNotCountedAsDrop();
    void exchangeToExchange();
    void fanoutChain();
    void headersExchange_data();
    void headersExchange();
    void topicIntoHeaders();
};

void TestExchange::routingTable_data()
{
    QTest::addColumn<QByteArray>("type");
    QTest::addColumn<Keys>("bindings");
    QTest::addColumn<Keys>("routingKeys");
    QTest::addColumn<Counts>("expected"); // messages enqueued in q1, q2, q3
    QTest::addColumn<int>("unroutable");

    QTest::newRow("direct: equal keys")
        << QByteArray("direct") << Keys{"q1=orders", "q2=payments"}
        << Keys{"orders", "payments", "orders", "refunds"} << Counts{2, 1, 0} << 1;
    QTest::newRow("direct: two queues, one key")
        << QByteArray("direct") << Keys{"q1=a", "q2=a", "q3=b"} << Keys{"a", "b"} << Counts{1, 1, 1} << 0;
    QTest::newRow("direct: one queue, two keys")
        << QByteArray("direct") << Keys{"q1=a", "q1=b"} << Keys{"a", "b", "c"} << Counts{2, 0, 0} << 1;
    QTest::newRow("direct: empty key")
        << QByteArray("direct") << Keys{"q1="} << Keys{"", "x"} << Counts{1, 0, 0} << 1;
    QTest::newRow("direct: dotted key is not a pattern")
        << QByteArray("direct") << Keys{"q1=a.b"} << Keys{"a.b", "a.c", "a"} << Counts{1, 0, 0} << 2;
    QTest::newRow("direct: wildcard characters in the routing key are literal")
        << QByteArray("direct") << Keys{"q1=a.b"} << Keys{"a.*", "#"} << Counts{0, 0, 0} << 2;
    QTest::newRow("direct: case sensitive")
        << QByteArray("direct") << Keys{"q1=Orders"} << Keys{"Orders", "orders"} << Counts{1, 0, 0} << 1;
    QTest::newRow("direct: no bindings")
        << QByteArray("direct") << Keys{} << Keys{"a"} << Counts{0, 0, 0} << 1;

    QTest::newRow("fanout: every bound queue")
        << QByteArray("fanout") << Keys{"q1=", "q2=", "q3="} << Keys{"a", "", "x.y"} << Counts{3, 3, 3} << 0;
    QTest::newRow("fanout: every linked queue")
        << QByteArray("fanout") << Keys{} << Keys{"a"} << Counts{1, 1, 1} << 0;

    QTest::newRow("topic: * and #") << QByteArray("topic") << Keys{"q1=orders.*", "q2=orders.#", "q3=#.eu"}
                                    << Keys{"orders.new", "orders", "orders.new.eu", "eu", "x.y"}
                                    << Counts{1, 3, 2} << 1;
    QTest::newRow("topic: catch-all #")
        << QByteArray("topic") << Keys{"q1=#"} << Keys{"", "a", "a.b"} << Counts{3, 0, 0} << 0;
    QTest::newRow("topic: * needs exactly one word")
        << QByteArray("topic") << Keys{"q1=*"} << Keys{"", "a", "a.b"} << Counts{1, 0, 0} << 2;
    QTest::newRow("topic: literal words") << QByteArray("topic") << Keys{"q1=a.b", "q2=a.b.c"}
                                          << Keys{"a.b", "a.b.c", "a"} << Counts{1, 1, 0} << 1;
    QTest::newRow("topic: a.#.b") << QByteArray("topic") << Keys{"q1=a.#.b", "q2=a.*"}
                                  << Keys{"a.b", "a.x.y.b", "a.x", "b"} << Counts{2, 2, 0} << 1;
    QTest::newRow("topic: empty word")
        << QByteArray("topic") << Keys{"q1=a.*.b"} << Keys{"a..b", "a.b"} << Counts{1, 0, 0} << 1;
    QTest::newRow("topic: case sensitive")
        << QByteArray("topic") << Keys{"q1=EU.#"} << Keys{"EU.x", "eu.x"} << Counts{1, 0, 0} << 1;
    QTest::newRow("topic: unbound queue gets nothing")
        << QByteArray("topic") << Keys{"q1=#", "q2=#"} << Keys{"a", "b"} << Counts{2, 2, 0} << 0;
}

void TestExchange::routingTable()
{
    QFETCH(QByteArray, type);
    QFETCH(Keys, bindings);
    QFETCH(Keys, routingKeys);
    QFETCH(Counts, expected);
    QFETCH(int, unroutable);

    auto r = runToQuiescence(routingTopology(type, bindings, routingKeys).topology());
    QVERIFY2(r->error.empty(), r->error.c_str());
    QCOMPARE(r->reason, sb::StopReason::Quiescent);
    QCOMPARE(r->counter->count(r->index("p"), sb::TraceKind::Publish), std::uint64_t(routingKeys.size()));

    const char *queues[] = {"q1", "q2", "q3"};
    for (int i = 0; i < 3; ++i) {
        const std::string q = queues[i];
        QCOMPARE(r->enqueued(q), std::uint64_t(expected[i]));
        QCOMPARE(r->metrics->node(r->index(q)).enqueued, std::uint64_t(expected[i]));
    }
    const int copies = std::accumulate(expected.begin(), expected.end(), 0);
    QCOMPARE(r->routed("x"), std::uint64_t(copies));
    QCOMPARE(r->drops("x", sb::DropReason::Unroutable), std::uint64_t(unroutable));
    QCOMPARE(r->metrics->node(r->index("x")).drops[int(sb::DropReason::Unroutable)],
             std::uint64_t(unroutable));
    // Nothing else is dropped anywhere.
    QCOMPARE(r->counter->count(sb::TraceKind::Drop), std::uint64_t(unroutable));
}

void TestExchange::boundTwiceGetsOneCopy_data()
{
    QTest::addColumn<QByteArray>("type");
    QTest::addColumn<Keys>("bindings");
    QTest::addColumn<QByteArray>("routingKey");

    QTest::newRow("topic: a.* and *.b")
        << QByteArray("topic") << Keys{"q1=a.*", "q1=*.b"} << QByteArray("a.b");
    QTest::newRow("topic: #, a.# and a.b")
        << QByteArray("topic") << Keys{"q1=#", "q1=a.#", "q1=a.b"} << QByteArray("a.b");
    QTest::newRow("topic: # twice") << QByteArray("topic") << Keys{"q1=#", "q1=#"} << QByteArray("x");
    QTest::newRow("direct: same key twice")
        << QByteArray("direct") << Keys{"q1=a", "q1=a"} << QByteArray("a");
    QTest::newRow("fanout: bound twice") << QByteArray("fanout") << Keys{"q1=", "q1="} << QByteArray("x");
}

void TestExchange::boundTwiceGetsOneCopy()
{
    QFETCH(QByteArray, type);
    QFETCH(Keys, bindings);
    QFETCH(QByteArray, routingKey);

    Builder b;
    b.node("p", "producer", script({routingKey, routingKey}))
        .node("x", "exchange", Json{{"type", str(type)}})
        .node("q1", "queue")
        .link("p", "out", "x")
        .link("x", "out", "q1");
    addBindings(b, "x", bindings);
    auto r = runToQuiescence(b.topology());
    QVERIFY2(r->error.empty(), r->error.c_str());
    QCOMPARE(r->reason, sb::StopReason::Quiescent);
    QCOMPARE(r->enqueued("q1"), std::uint64_t(2));
    QCOMPARE(r->routed("x"), std::uint64_t(2));
    QCOMPARE(r->messagesEnqueued("q1"), (std::set<std::uint64_t>{1, 2}));
}

void TestExchange::unroutableIsDropped()
{
    Builder b;
    b.node("p", "producer", script({"a", "b", "c"}))
        .node("x", "exchange", Json{{"type", "direct"}})
        .node("q1", "queue")
        .link("p", "out", "x")
        .link("x", "out", "q1")
        .bind("x", "q1", "a");
    auto r = runToQuiescence(b.topology());
    QVERIFY2(r->error.empty(), r->error.c_str());
    QCOMPARE(r->reason, sb::StopReason::Quiescent);
    QCOMPARE(r->enqueued("q1"), std::uint64_t(1));

    std::set<std::uint64_t> dropped;
    for (const auto &e : r->recorder.events) {
        if (e.kind != sb::TraceKind::Drop) continue;
        QCOMPARE(e.reason, sb::DropReason::Unroutable);
        QCOMPARE(e.node, r->index("x"));
        dropped.insert(e.messageId);
    }
    QCOMPARE(dropped, (std::set<std::uint64_t>{2, 3}));
    QCOMPARE(r->metrics->node(r->index("x")).totalDrops(), std::uint64_t(2));
    QCOMPARE(r->counter->drops(sb::DropReason::Unroutable), std::uint64_t(2));
}

void TestExchange::alternateTakesUnroutable_data()
{
    QTest::addColumn<QByteArray>("type");
    QTest::addColumn<Keys>("bindings");
    QTest::addColumn<bool>("alternateIsExchange"); // x.alternate -> fanout exchange "ae" -> "unrouted"
    QTest::addColumn<Keys>("routingKeys");
    QTest::addColumn<int>("toQ1");
    QTest::addColumn<int>("toAlternate");

    QTest::newRow("direct, queue") << QByteArray("direct") << Keys{"q1=a"} << false
                                   << Keys{"a", "b", "c", "a"} << 2 << 2;
    QTest::newRow("topic, queue") << QByteArray("topic") << Keys{"q1=a.#"} << false << Keys{"a.x", "b.x", "a"}
                                  << 2 << 1;
    QTest::newRow("direct, all routable")
        << QByteArray("direct") << Keys{"q1=a"} << false << Keys{"a", "a"} << 2 << 0;
    QTest::newRow("direct, nothing bound")
        << QByteArray("direct") << Keys{} << false << Keys{"a", "b"} << 0 << 2;
    QTest::newRow("direct, alternate exchange")
        << QByteArray("direct") << Keys{"q1=a"} << true << Keys{"a", "b", "c"} << 1 << 2;
    QTest::newRow("topic, alternate exchange")
        << QByteArray("topic") << Keys{"q1=*"} << true << Keys{"a", "a.b", "", "b"} << 2 << 2;
}

void TestExchange::alternateTakesUnroutable()
{
    QFETCH(QByteArray, type);
    QFETCH(Keys, bindings);
    QFETCH(bool, alternateIsExchange);
    QFETCH(Keys, routingKeys);
    QFETCH(int, toQ1);
    QFETCH(int, toAlternate);

    Builder b;
    b.node("p", "producer", script(routingKeys))
        .node("x", "exchange", Json{{"type", str(type)}})
        .node("q1", "queue")
        .node("unrouted", "queue")
        .link("p", "out", "x")
        .link("x", "out", "q1");
    if (alternateIsExchange)
        b.node("ae", "exchange", Json{{"type", "fanout"}})
            .link("x", "alternate", "ae")
            .link("ae", "out", "unrouted");
    else
        b.link("x", "alternate", "unrouted");
    addBindings(b, "x", bindings);

    auto r = runToQuiescence(b.topology());
    QVERIFY2(r->error.empty(), r->error.c_str());
    QCOMPARE(r->reason, sb::StopReason::Quiescent);
    QCOMPARE(r->enqueued("q1"), std::uint64_t(toQ1));
    QCOMPARE(r->enqueued("unrouted"), std::uint64_t(toAlternate));
    // Nothing is dropped: every unroutable message went to the alternate.
    QCOMPARE(r->counter->count(sb::TraceKind::Drop), std::uint64_t(0));
    QCOMPARE(r->metrics->node(r->index("x")).totalDrops(), std::uint64_t(0));

    // The exchange traces the detour as a Route to the alternate marked Unroutable.
    const sb::NodeIndex alternate = r->index(alternateIsExchange ? "ae" : "unrouted");
    std::uint64_t detours = 0;
    for (const auto &e : r->recorder.events) {
        if (e.kind != sb::TraceKind::Route || e.node != r->index("x")) continue;
        const bool toAlt = e.peer == alternate;
        QCOMPARE(e.reason, toAlt ? sb::DropReason::Unroutable : sb::DropReason::None);
        detours += toAlt;
    }
    QCOMPARE(detours, std::uint64_t(toAlternate));
}

// CounterSink::drops(reason) counts drops; a message routed to the alternate was not dropped.
void TestExchange::alternateRouteIsNotCountedAsDrop()
{
    Builder b;
    b.node("p", "producer", script({"a", "b"}))
        .node("x", "exchange", Json{{"type", "direct"}})
        .node("q1", "queue")
        .node("unrouted", "queue")
        .link("p", "out", "x")
        .link("x", "out", "q1")
        .link("x", "alternate", "unrouted")
        .bind("x", "q1", "a");
    auto r = runToQuiescence(b.topology());
    QVERIFY2(r->error.empty(), r->error.c_str());
    QCOMPARE(r->enqueued("unrouted"), std::uint64_t(1));
    QCOMPARE(r->counter->count(sb::TraceKind::Drop), std::uint64_t(0));
    QCOMPARE(r->counter->drops(sb::DropReason::Unroutable), std::uint64_t(0));
}

void TestExchange::exchangeToExchange()
{
    // p -> x1 (topic) -> { x2 (direct) -> {q2, q3}, q1 }
    Builder b;
    b.node("p", "producer",
           script({"orders.new", "orders.cancelled", "orders.new.audit", "orders.old", "misc", "x.audit"}))
        .node("x1", "exchange", Json{{"type", "topic"}})
        .node("x2", "exchange", Json{{"type", "direct"}})
        .node("q1", "queue")
        .node("q2", "queue")
        .node("q3", "queue")
        .link("p", "out", "x1")
        .link("x1", "out", "x2")
        .link("x1", "out", "q1")
        .link("x2", "out", "q2")
        .link("x2", "out", "q3")
        .bind("x1", "x2", "orders.#")
        .bind("x1", "q1", "#.audit")
        .bind("x2", "q2", "orders.new")
        .bind("x2", "q3", "orders.cancelled");
    auto r = runToQuiescence(b.topology());
    QVERIFY2(r->error.empty(), r->error.c_str());
    QCOMPARE(r->reason, sb::StopReason::Quiescent);

    // Message ids follow the script: 1 orders.new ... 6 x.audit.
    QCOMPARE(r->messagesEnqueued("q1"), (std::set<std::uint64_t>{3, 6}));
    QCOMPARE(r->messagesEnqueued("q2"), (std::set<std::uint64_t>{1}));
    QCOMPARE(r->messagesEnqueued("q3"), (std::set<std::uint64_t>{2}));
    QCOMPARE(r->enqueued("q1"), std::uint64_t(2));
    QCOMPARE(r->routed("x1"), std::uint64_t(6)); // four to x2, two to q1
    QCOMPARE(r->routed("x2"), std::uint64_t(2));
    QCOMPARE(r->drops("x1", sb::DropReason::Unroutable), std::uint64_t(1)); // misc
    QCOMPARE(r->drops("x2", sb::DropReason::Unroutable), std::uint64_t(2)); // orders.new.audit, orders.old
    QCOMPARE(r->counter->count(sb::TraceKind::Drop), std::uint64_t(3));
}

void TestExchange::fanoutChain()
{
    // p -> a (fanout) -> {b (fanout) -> {q2, q3}, q1}: every message reaches every queue once.
    Builder b;
    b.node("p", "producer", script({"k", "k.k", ""}))
        .node("a", "exchange", Json{{"type", "fanout"}})
        .node("b", "exchange", Json{{"type", "fanout"}})
        .node("q1", "queue")
        .node("q2", "queue")
        .node("q3", "queue")
        .link("p", "out", "a")
        .link("a", "out", "b")
        .link("a", "out", "q1")
        .link("b", "out", "q2")
        .link("b", "out", "q3")
        .bind("a", "b", "")
        .bind("a", "q1", "")
        .bind("b", "q2", "")
        .bind("b", "q3", "");
    auto r = runToQuiescence(b.topology());
    QVERIFY2(r->error.empty(), r->error.c_str());
    QCOMPARE(r->reason, sb::StopReason::Quiescent);
    for (const char *q : {"q1", "q2", "q3"})
        QCOMPARE(r->messagesEnqueued(q), (std::set<std::uint64_t>{1, 2, 3}));
    QCOMPARE(r->routed("a"), std::uint64_t(6));
    QCOMPARE(r->routed("b"), std::uint64_t(6));
    QCOMPARE(r->counter->count(sb::TraceKind::Drop), std::uint64_t(0));
}

using Arguments = QList<QByteArray>;  // "q1={json}": the binding of q1 with those arguments
using HeaderSets = QList<QByteArray>; // one JSON object of headers per message

void TestExchange::headersExchange_data()
{
    QTest::addColumn<Arguments>("bindings");
    QTest::addColumn<HeaderSets>("messages");
    QTest::addColumn<Counts>("expected"); // messages enqueued in q1, q2, q3
    QTest::addColumn<int>("unroutable");

    const HeaderSets reports{R"({"format": "pdf", "type": "report"})",
                             R"({"format": "zip", "type": "report"})", R"({"format": "pdf", "type": "log"})",
                             R"({})"};
    QTest::newRow("all (default) and any")
        << Arguments{R"(q1={"format": "pdf", "type": "report"})",
                     R"(q2={"x-match": "any", "format": "pdf", "type": "report"})"}
        << reports << Counts{1, 3, 0} << 1;
    QTest::newRow("x-match all spelled out")
        << Arguments{R"(q1={"x-match": "all", "format": "pdf"})"} << reports << Counts{2, 0, 0} << 2;
    QTest::newRow("null: present with any value")
        << Arguments{R"(q1={"format": null})", R"(q2={"x-match": "any", "missing": null})"} << reports
        << Counts{3, 0, 0} << 1;
    // RabbitMQ: all with nothing to compare matches every message, any matches none.
    QTest::newRow("no headers to compare")
        << Arguments{R"(q1={})", R"(q2={"x-match": "any"})"} << reports << Counts{4, 0, 0} << 0;
    // Arguments starting with x- are ignored unless x-match ends in -with-x.
    QTest::newRow("x- arguments")
        << Arguments{R"(q1={"x-tenant": "acme"})", R"(q2={"x-match": "all-with-x", "x-tenant": "acme"})",
                     R"(q3={"x-match": "any-with-x", "x-tenant": "acme", "format": "zip"})"}
        << HeaderSets{R"({"x-tenant": "acme"})", R"({"format": "zip"})", R"({})"} << Counts{3, 1, 2} << 0;
    QTest::newRow("numbers compare by their text")
        << Arguments{R"(q1={"priority": 5})", R"(q2={"urgent": true})"}
        << HeaderSets{R"({"priority": "5"})", R"({"urgent": "true"})", R"({"priority": "05"})"}
        << Counts{1, 1, 0} << 1;
}

void TestExchange::headersExchange()
{
    QFETCH(Arguments, bindings);
    QFETCH(HeaderSets, messages);
    QFETCH(Counts, expected);
    QFETCH(int, unroutable);

    Json entries = Json::array();
    for (qsizetype i = 0; i < messages.size(); ++i)
        entries.push_back({{"at", i + 1}, {"headers", Json::parse(str(messages[i]))}});
    sb::Topology t = routingTopology("headers", {}, {}).topology();
    t.nodes[0].properties = Json{{"script", entries}}; // the producer: headers, no routing keys
    for (const auto &spec : bindings) {
        const qsizetype eq = spec.indexOf('=');
        sb::BindingDef def{"x", str(spec.left(eq)), ""};
        def.arguments = Json::parse(str(spec.mid(eq + 1)));
        t.bindings.push_back(def);
    }
    auto r = runToQuiescence(t);
    QVERIFY2(r->error.empty(), r->error.c_str());
    QCOMPARE(r->reason, sb::StopReason::Quiescent);
    const Counts got{int(r->enqueued("q1")), int(r->enqueued("q2")), int(r->enqueued("q3"))};
    QCOMPARE(got, expected);
    QCOMPARE(int(r->drops("x", sb::DropReason::Unroutable)), unroutable);
}

// An exchange-to-exchange binding into a headers exchange: the topic exchange picks by routing key,
// the headers exchange it feeds by headers.
void TestExchange::topicIntoHeaders()
{
    Json entries = Json::array();
    entries.push_back({{"at", 1}, {"routingKey", "eu.orders"}, {"headers", {{"format", "pdf"}}}});
    entries.push_back({{"at", 2}, {"routingKey", "eu.orders"}, {"headers", {{"format", "csv"}}}});
    entries.push_back({{"at", 3}, {"routingKey", "us.orders"}, {"headers", {{"format", "pdf"}}}});
    Builder b;
    b.node("p", "producer", Json{{"script", entries}})
        .node("t", "exchange", Json{{"type", "topic"}})
        .node("h", "exchange", Json{{"type", "headers"}})
        .node("q1", "queue")
        .link("p", "out", "t")
        .link("t", "out", "h")
        .link("h", "out", "q1")
        .bind("t", "h", "eu.#");
    sb::Topology t = b.topology();
    sb::BindingDef def{"h", "q1", ""};
    def.arguments = Json{{"format", "pdf"}};
    t.bindings.push_back(def);
    auto r = runToQuiescence(t);
    QVERIFY2(r->error.empty(), r->error.c_str());
    QCOMPARE(r->messagesEnqueued("q1"), (std::set<std::uint64_t>{1}));
    QCOMPARE(r->drops("h", sb::DropReason::Unroutable), std::uint64_t(1)); // the csv one
    QCOMPARE(r->drops("t", sb::DropReason::Unroutable), std::uint64_t(1)); // us.orders
}

QTEST_APPLESS_MAIN(TestExchange)
#include "tst_exchange.moc"
