// Request-reply over queues (RabbitMQ's RPC pattern): amqp-rpc-client and amqp-rpc-server through
// a request queue, a direct exchange bound by reply-queue ids and the reply queues.
#include "callstatus.h"
#include "enginetest.h"

#include <map>
#include <set>

using namespace sb;
using namespace sbtest;

namespace {

// `clients` clients -> requests -> server -> direct exchange "replies" -> reply queues -> clients.
// Each client has its own reply queue ("replies-<i>") unless `shared`, when all share "replies-0".
Topology rpcTopology(Json client, Json server, int clients = 1, bool shared = false)
{
    TopologyBuilder b;
    for (int i = 0; i < clients; ++i) {
        Json props = client;
        props["replyTo"] = "replies-" + std::to_string(shared ? 0 : i);
        b.node("client-" + std::to_string(i), "amqp-rpc-client", props);
    }
    b.node("requests", "queue").node("server", "amqp-rpc-server", std::move(server));
    b.node("exchange", "exchange", {{"type", "direct"}});
    const int queues = shared ? 1 : clients;
    for (int q = 0; q < queues; ++q)
        b.node("replies-" + std::to_string(q), "queue");
    for (int i = 0; i < clients; ++i)
        b.link("client-" + std::to_string(i), "requests");
    b.link("requests", "server").link("server", "exchange");
    for (int q = 0; q < queues; ++q) {
        const std::string queue = "replies-" + std::to_string(q);
        b.link("exchange", queue).bind("exchange", queue, queue);
    }
    for (int i = 0; i < clients; ++i)
        b.link("replies-" + std::to_string(shared ? 0 : i), "client-" + std::to_string(i));
    return b.topology();
}

// What one client's calls came to, from the trace.
struct Calls {
    std::map<std::uint64_t, std::uint64_t> requestOf; // call id -> request message id
    std::map<std::uint64_t, TraceEvent> completed;    // call id -> its Complete
    std::vector<std::uint64_t> completionOrder;       // call ids, in the order they completed
    std::vector<TraceEvent> unknown;                  // replies dropped as unknown-correlation
    int ok = 0, deadline = 0, mostOutstanding = 0;
};

Calls callsOf(const Run &r, const std::string &client)
{
    Calls c;
    int outstanding = 0;
    for (const auto &e : r.trace.events) {
        if (e.node != r.index(client)) continue;
        if (e.kind == TraceKind::Call) {
            [&] { QVERIFY2(!c.requestOf.count(e.correlationId), "a call id used twice"); }();
            c.requestOf[e.correlationId] = e.messageId;
            c.mostOutstanding = std::max(c.mostOutstanding, ++outstanding);
        } else if (e.kind == TraceKind::Complete) {
            --outstanding;
            [&] { QVERIFY2(!c.completed.count(e.correlationId), "a call completed twice"); }();
            c.completed[e.correlationId] = e;
            c.completionOrder.push_back(e.correlationId);
            c.ok += e.status == Grpc::Ok;
            c.deadline += e.status == Grpc::DeadlineExceeded;
        } else if (e.kind == TraceKind::Drop && e.reason == DropReason::UnknownCorrelation) {
            c.unknown.push_back(e);
        }
    }
    return c;
}

// Keeps the messages' contents (headers, routing keys).
class MessageSink final : public TraceSink {
public:
    void onEvent(const TraceEvent &) override {}
    void onMessage(const Message &m) override { messages[m.id] = m; }
    std::map<std::uint64_t, Message> messages;
};

std::string firstError(const Topology &t)
{
    for (const auto &d : validateTopology(t))
        if (d.severity == Diagnostic::Severity::Error) return d.path + ": " + d.message;
    return {};
}

} // namespace

class TestAmqpRpc : public QObject {
    Q_OBJECT
private slots:
    void callsComplete_data();
    void callsComplete();
    void outOfOrderRepliesMatchedByCorrelation();
    void requestsCarryReplyToAndCallId();
    void synchronousClientBlocks();
    void sharedReplyQueue_data();
    void sharedReplyQueue();
    void serverCrashExecutesTheCallAgain();
    void clientRestartKeepsItsSchedule();
    void badInput_data();
    void badInput();
};

void TestAmqpRpc::callsComplete_data()
{
    QTest::addColumn<int>("maxOutstanding");
    QTest::addColumn<QString>("serviceTime");
    QTest::addColumn<int>("concurrency");
    QTest::addColumn<int>("timeoutMs");
    QTest::addColumn<int>("count");
    QTest::addColumn<int>("ok");       // -1: some
    QTest::addColumn<int>("deadline"); // -1: some
    QTest::newRow("synchronous, fast server") << 1 << "10ms" << 1 << 1000 << 5 << 5 << 0;
    // Each reply takes 205 ms, each call waits 100: all time out, all replies come late.
    QTest::newRow("synchronous, server slower than the timeout") << 1 << "200ms" << 1 << 100 << 3 << 0 << 3;
    QTest::newRow("no timeout waits for slow replies") << 1 << "200ms" << 1 << 0 << 3 << 3 << 0;
    QTest::newRow("asynchronous window of 8") << 8 << "uniform(1ms,50ms)" << 8 << 1000 << 50 << 50 << 0;
    QTest::newRow("asynchronous, no limit, some time out")
        << 0 << "uniform(10ms,100ms)" << 4 << 60 << 40 << -1 << -1;
}

void TestAmqpRpc::callsComplete()
{
    QFETCH(int, maxOutstanding);
    QFETCH(QString, serviceTime);
    QFETCH(int, concurrency);
    QFETCH(int, timeoutMs);
    QFETCH(int, count);
    QFETCH(int, ok);
    QFETCH(int, deadline);
    auto r = run(rpcTopology(
        {{"rate", 10}, {"count", count}, {"maxOutstanding", maxOutstanding}, {"timeout", timeoutMs}},
        {{"serviceTime", serviceTime.toStdString()},
         {"concurrency", concurrency},
         {"prefetch", concurrency}}));
    QVERIFY(r);
    const Calls c = callsOf(*r, "client-0");
    QCOMPARE(int(c.requestOf.size()), count);
    QCOMPARE(int(c.completed.size()), count); // every call ends, one way or the other
    if (ok >= 0) QCOMPARE(c.ok, ok);
    if (deadline >= 0) QCOMPARE(c.deadline, deadline);
    if (ok < 0) QVERIFY(c.ok > 0 && c.deadline > 0);
    QCOMPARE(c.ok + c.deadline, count);
    if (maxOutstanding) QVERIFY(c.mostOutstanding <= maxOutstanding);
    for (const auto &[call, e] : c.completed) {
        QCOMPARE(e.messageId, c.requestOf.at(call));
        QCOMPARE(e.deliveryCount, 1u);
        if (e.status == Grpc::DeadlineExceeded) QVERIFY(e.aux >= timeoutMs * kMillisecond);
    }
    // Every request executed once; every late reply (and only those) dropped as unknown.
    QCOMPARE(int(r->trace.count(TraceKind::Execute)), count);
    QCOMPARE(int(c.unknown.size()), c.deadline);
    for (const auto &drop : c.unknown) {
        const auto it = c.completed.find(drop.correlationId);
        QVERIFY(it != c.completed.end());
        QCOMPARE(it->second.status, Grpc::DeadlineExceeded);
        QVERIFY(it->second.time <= drop.time);
    }
    // The delivery check accounts for every request and reply: none pending, the late replies as
    // dropped (unknown correlation).
    const auto report = r->report();
    QCOMPARE(report.published, std::uint64_t(2 * count));
    QCOMPARE(report.pending, std::uint64_t(0));
    QCOMPARE(report.lost, std::uint64_t(0));
    QCOMPARE(report.dropped[int(DropReason::UnknownCorrelation)], std::uint64_t(c.deadline));
    QCOMPARE(report.processed, std::uint64_t(count + c.ok));
}

void TestAmqpRpc::outOfOrderRepliesMatchedByCorrelation()
{
    // Eight calls in flight on a server running eight at once for 1-50 ms each: replies come back
    // in another order than the calls went out, and each still completes its own call.
    auto r = run(rpcTopology({{"rate", 200}, {"count", 100}, {"maxOutstanding", 8}, {"timeout", "1s"}},
                             {{"serviceTime", "uniform(1ms,50ms)"}, {"concurrency", 8}, {"prefetch", 8}}));
    QVERIFY(r);
    const Calls c = callsOf(*r, "client-0");
    QCOMPARE(c.ok, 100);
    int inversions = 0;
    for (std::size_t i = 1; i < c.completionOrder.size(); ++i)
        inversions += c.completionOrder[i] < c.completionOrder[i - 1];
    QVERIFY2(inversions > 10, QByteArray::number(inversions));
    // The reply that completed each call carried the call's id.
    for (const auto &e : r->trace.events)
        if (e.kind == TraceKind::Process && e.node == r->index("client-0"))
            QVERIFY(c.completed.count(e.correlationId));
}

void TestAmqpRpc::requestsCarryReplyToAndCallId()
{
    auto r = prepare(rpcTopology({{"rate", 50}, {"count", 10}, {"maxOutstanding", 4}}, {}, 2));
    QVERIFY(r);
    MessageSink messages;
    r->sim->addSink(&messages);
    RunOptions o;
    o.until = 60 * kSecond;
    r->sim->run(o);
    std::set<std::uint64_t> callIds;
    for (int i = 0; i < 2; ++i) {
        const std::string client = "client-" + std::to_string(i);
        const Calls c = callsOf(*r, client);
        QCOMPARE(c.ok, 10);
        for (const auto &[call, request] : c.requestOf) {
            QVERIFY(callIds.insert(call).second); // unique across clients
            const Message &m = messages.messages.at(request);
            QCOMPARE(m.correlationId, call);
            QCOMPARE(m.routingKey, std::string("rpc_queue"));
            QVERIFY(m.header("reply-to"));
            QCOMPARE(*m.header("reply-to"), "replies-" + std::to_string(i));
        }
    }
    // Replies: routed by the request's reply-to, carrying its call id.
    int replies = 0;
    for (const auto &[id, m] : messages.messages) {
        if (m.producer != r->index("server")) continue;
        ++replies;
        QVERIFY(callIds.count(m.correlationId));
        QVERIFY(!m.header("reply-to"));
        const bool ofClient0 = callsOf(*r, "client-0").requestOf.count(m.correlationId) > 0;
        QCOMPARE(m.routingKey, std::string(ofClient0 ? "replies-0" : "replies-1"));
    }
    QCOMPARE(replies, 20);
}

void TestAmqpRpc::synchronousClientBlocks()
{
    // One call at a time, due every 10 ms, each taking 55 ms (1 ms per hop, 50 ms of work): each
    // waits for the one before; the client is blocked from when a call is due (or the previous
    // one went out) to when it can send it.
    auto r = run(rpcTopology({{"rate", 100}, {"count", 5}, {"maxOutstanding", 1}, {"timeout", 0}},
                             {{"serviceTime", "50ms"}}));
    QVERIFY(r);
    const Calls c = callsOf(*r, "client-0");
    std::vector<double> latencies, blocked, sentAt;
    for (auto call : c.completionOrder)
        latencies.push_back(toMilliseconds(c.completed.at(call).aux));
    for (const auto &e : r->trace.events) {
        if (e.node != r->index("client-0")) continue;
        if (e.kind == TraceKind::Unblock) blocked.push_back(toMilliseconds(e.aux));
        if (e.kind == TraceKind::Call) sentAt.push_back(toMilliseconds(e.time));
    }
    QCOMPARE(sentAt, (std::vector<double>{0, 55, 110, 165, 220}));
    // Latency runs from when each call was due (0, 10, 20, 30, 40 ms).
    QCOMPARE(latencies, (std::vector<double>{55, 100, 145, 190, 235}));
    QCOMPARE(blocked, (std::vector<double>{45, 55, 55, 55}));
    QCOMPARE(c.mostOutstanding, 1);
}

void TestAmqpRpc::sharedReplyQueue_data()
{
    QTest::addColumn<QString>("ackMode");
    QTest::newRow("auto-ack") << "auto";
    QTest::newRow("manual ack") << "manual";
}

void TestAmqpRpc::sharedReplyQueue()
{
    // Two clients consume one reply queue: it hands them replies in turn, so each receives some of
    // the other's, which it drops as unknown; the calls those replies belonged to time out. (Calls
    // at random times: two clients calling in lockstep would each get their own replies by luck.)
    QFETCH(QString, ackMode);
    auto r = run(rpcTopology({{"rate", 20},
                              {"arrival", "poisson"},
                              {"count", 20},
                              {"maxOutstanding", 4},
                              {"timeout", "200ms"},
                              {"ackMode", ackMode.toStdString()},
                              {"prefetch", 10}},
                             {{"serviceTime", "5ms"}}, 2, true));
    QVERIFY(r);
    const Calls a = callsOf(*r, "client-0"), b = callsOf(*r, "client-1");
    QVERIFY(!a.unknown.empty());
    QVERIFY(!b.unknown.empty());
    for (const auto &drop : a.unknown)
        QVERIFY(b.requestOf.count(drop.correlationId));
    for (const auto &drop : b.unknown)
        QVERIFY(a.requestOf.count(drop.correlationId));
    // A fast server answers every call in time: a call times out exactly when the other client
    // took its reply.
    QCOMPARE(std::size_t(a.deadline), b.unknown.size());
    QCOMPARE(std::size_t(b.deadline), a.unknown.size());
    QCOMPARE(a.ok + a.deadline, 20);
    const auto report = r->report();
    QCOMPARE(report.pending, std::uint64_t(0));
    QCOMPARE(report.dropped[int(DropReason::UnknownCorrelation)],
             std::uint64_t(a.unknown.size() + b.unknown.size()));
    QCOMPARE(r->node("client-0").drops[int(DropReason::UnknownCorrelation)], std::uint64_t(a.unknown.size()));
}

void TestAmqpRpc::serverCrashExecutesTheCallAgain()
{
    // The server crashes 50 ms into a 100 ms execution: the request was never acked, so the queue
    // redelivers it after the restart and it executes again, from the start. The call completes
    // once, with the reply of the second execution.
    Topology t = rpcTopology({{"count", 1}, {"timeout", 0}}, {{"serviceTime", "100ms"}});
    t.faults.push_back({"crash", "crash", "server", {}, 50 * kMillisecond, 10 * kMillisecond});
    auto r = run(t);
    QVERIFY(r);
    std::vector<double> executions;
    for (const auto &e : r->trace.events)
        if (e.kind == TraceKind::Execute) executions.push_back(toMilliseconds(e.time));
    // Request at the server at 2 ms; restarted at 60 ms, it subscribes again (1 ms there) and the
    // redelivery arrives 1 ms later.
    QCOMPARE(executions, (std::vector<double>{2, 62}));
    const Calls c = callsOf(*r, "client-0");
    QCOMPARE(c.ok, 1);
    // The reply left after the full second execution (162 ms): 2 more hops to the reply queue, 1
    // to the client.
    QCOMPARE(toMilliseconds(c.completed.begin()->second.time), 165.0);
    QVERIFY(c.unknown.empty());
}

void TestAmqpRpc::clientRestartKeepsItsSchedule()
{
    // A client that crashes for 10 ms loses its calls in progress and starts its schedule again at
    // the restart.
    Topology t = rpcTopology({{"rate", 10}, {"count", 4}, {"maxOutstanding", 0}}, {{"serviceTime", "1ms"}});
    t.faults.push_back({"crash", "crash", "client-0", {}, 50 * kMillisecond, 10 * kMillisecond});
    auto r = run(t);
    QVERIFY(r);
    std::vector<double> calls;
    for (const auto &e : r->trace.events)
        if (e.kind == TraceKind::Call) calls.push_back(toMilliseconds(e.time));
    QCOMPARE(calls, (std::vector<double>{0, 60, 160, 260}));
}

void TestAmqpRpc::badInput_data()
{
    QTest::addColumn<QString>("property"); // of client-0; empty: none
    QTest::addColumn<QString>("value");    // JSON
    QTest::addColumn<bool>("unlinked");    // client-0 without its link to the request queue
    QTest::addColumn<QString>("path");
    QTest::addColumn<QString>("reason");
    QTest::newRow("replyTo empty") << "replyTo"
                                   << "\"\"" << false << "$.nodes[0].properties.replyTo"
                                   << "needs the id of the queue replies come back to";
    QTest::newRow("replyTo names no node") << "replyTo"
                                           << "\"replies-9\"" << false << "$.nodes[0].properties.replyTo"
                                           << "no queue with id \"replies-9\" (did you mean \"replies-0\"?)";
    QTest::newRow("replyTo names the server")
        << "replyTo"
        << "\"server\"" << false << "$.nodes[0].properties.replyTo"
        << "\"server\" is not a queue but a node of kind amqp-rpc-server";
    QTest::newRow("negative timeout") << "timeout"
                                      << "-5" << false << "$.nodes[0].properties.timeout"
                                      << "timeout";
    QTest::newRow("negative maxOutstanding") << "maxOutstanding"
                                             << "-1" << false << "$.nodes[0].properties.maxOutstanding"
                                             << "maxOutstanding";
    QTest::newRow("client with no request queue") << ""
                                                  << "" << true << "$.nodes[0]"
                                                  << "port \"out\" is not connected";
}

void TestAmqpRpc::badInput()
{
    QFETCH(QString, property);
    QFETCH(QString, value);
    QFETCH(bool, unlinked);
    QFETCH(QString, path);
    QFETCH(QString, reason);
    Topology t = rpcTopology({{"count", 1}}, {});
    if (!property.isEmpty()) t.nodes[0].properties[property.toStdString()] = Json::parse(value.toStdString());
    if (unlinked)
        std::erase_if(t.links, [](const LinkDef &l) { return l.from == "client-0" && l.to == "requests"; });
    const std::string error = firstError(t);
    QVERIFY2(error.rfind(path.toStdString() + ": ", 0) == 0, error.c_str());
    QVERIFY2(error.find("\"client-0\"") != std::string::npos, error.c_str());
    QVERIFY2(error.find(reason.toStdString()) != std::string::npos, error.c_str());
}

QTEST_APPLESS_MAIN(TestAmqpRpc)
#include "tst_amqprpc.moc"
