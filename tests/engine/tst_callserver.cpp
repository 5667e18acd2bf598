// The call server (rpc-server, http-server) against callprotocol.h: a scripted test client sends
// exactly the frames each rule needs and records what comes back.
#include "enginetest.h"

#include "callstatus.h"
#include "nodes/rpc/callprotocol.h"
#include "nodes/rpc/idempotencystore.h"
#include "nodes/rpc/wireformat.h"

#include <map>

using namespace sb;
using namespace sbtest;

namespace {

constexpr SimTime ms = kMillisecond;
constexpr SimTime us = kMicrosecond;

// One frame the scripted client sends at a given time.
struct Action {
    SimTime at = 0;
    FrameType type = FrameType::Request;
    std::uint64_t tag = 0;
    std::uint64_t call = 0; // the call id (correlationId); 0: 1000 + tag
    std::uint32_t attempt = 1;
    SimTime deadline = kNever;
    std::string method = "orders.Orders/Get";
    std::vector<Header> headers;
    std::uint32_t size = 100;
    std::uint32_t count = 0;
};

struct Received {
    SimTime at = 0;
    FrameType type = FrameType::Reply;
    std::uint64_t tag = 0;
    std::uint16_t status = kNoStatus;
    std::uint32_t count = 0;
    MessageRef message;
};

struct Script {
    std::vector<Action> actions;
    // After each stream item received, give its bytes back with a WindowUpdate this much later
    // (negative: never, so the server's window runs out).
    SimTime grantAfter = -1;
    std::vector<Received> received;

    std::vector<Received> of(FrameType type) const
    {
        std::vector<Received> out;
        for (const auto &r : received)
            if (r.type == type) out.push_back(r);
        return out;
    }
    const Received *reply(std::uint64_t tag) const
    {
        for (const auto &r : received)
            if (r.type == FrameType::Reply && r.tag == tag) return &r;
        return nullptr;
    }
};

Action request(SimTime at, std::uint64_t tag, SimTime deadline = kNever, std::vector<Header> headers = {})
{
    Action a;
    a.at = at;
    a.tag = tag;
    a.deadline = deadline;
    a.headers = std::move(headers);
    return a;
}

Action frame(SimTime at, FrameType type, std::uint64_t tag, std::uint32_t size = 0)
{
    Action a;
    a.at = at;
    a.type = type;
    a.tag = tag;
    a.size = size;
    return a;
}

constexpr std::uint64_t kGrantTimer = 1ULL << 40;

// A test-only client kind: sends its script on its calls port and records what arrives.
class ScriptedClient final : public Node {
public:
    explicit ScriptedClient(Script *script) : m_script(script) {}
    void start(NodeContext &ctx) override
    {
        for (std::size_t i = 0; i < m_script->actions.size(); ++i)
            ctx.startTimer(m_script->actions[i].at, i);
    }
    void onFrame(NodeContext &ctx, LinkIndex, Frame &f) override
    {
        m_script->received.push_back({ctx.now(), f.type, f.tag, f.status, f.count, f.message});
        if (f.type == FrameType::StreamData && m_script->grantAfter >= 0 && f.message) {
            m_grants.push_back({f.tag, f.message->size});
            ctx.startTimer(m_script->grantAfter, kGrantTimer + m_grants.size() - 1);
        }
    }
    void onTimer(NodeContext &ctx, std::uint64_t tag) override
    {
        Frame f;
        if (tag >= kGrantTimer) {
            f.type = FrameType::WindowUpdate;
            f.tag = m_grants[tag - kGrantTimer].first;
            f.count = m_grants[tag - kGrantTimer].second;
        } else {
            const Action &a = m_script->actions[tag];
            f.type = a.type;
            f.tag = a.tag;
            f.count = a.count;
            f.deliveryCount = a.attempt;
            f.deadline = a.deadline;
            if (a.type == FrameType::Request || a.type == FrameType::StreamData) {
                auto m = std::make_shared<Message>();
                m->id = ctx.newMessageId();
                m->correlationId = a.call ? a.call : 1000 + a.tag;
                m->routingKey = a.method;
                m->headers = a.headers;
                m->size = a.size;
                m->publishedAt = ctx.now();
                f.message = std::move(m);
            }
        }
        ctx.send(ctx.links(0).front(), std::move(f));
    }

private:
    Script *m_script;
    std::vector<std::pair<std::uint64_t, std::uint32_t>> m_grants;
};

// Keeps the messages nodes announce (a downstream call's request).
class AnnounceSink final : public TraceSink {
public:
    explicit AnnounceSink(std::vector<Message> *out) : m_out(out) {}
    void onEvent(const TraceEvent &) override {}
    void onMessage(const Message &m) override { m_out->push_back(m); }

private:
    std::vector<Message> *m_out;
};

struct CallRun {
    // The simulation keeps pointers into its registry (fault kinds): it must outlive the run.
    std::unique_ptr<KindRegistry> registry;
    std::unique_ptr<Simulation> sim;
    RecordingSink trace;
    std::vector<Message> announced;
    AnnounceSink announcer{&announced};
    std::map<std::string, std::shared_ptr<Script>> scripts;

    NodeIndex index(const std::string &id) const
    {
        return static_cast<NodeIndex>(*sim->topology().nodeIndex(id));
    }
    Script &client(const std::string &id = "c") { return *scripts.at(id); }
    std::vector<TraceEvent> events(TraceKind k, const std::string &node) const
    {
        std::vector<TraceEvent> out;
        const NodeIndex n = index(node);
        for (const auto &e : trace.events)
            if (e.kind == k && e.node == n) out.push_back(e);
        return out;
    }
    std::size_t count(TraceKind k, const std::string &node) const { return events(k, node).size(); }
    std::size_t count(TraceKind k, DropReason r, const std::string &node) const
    {
        std::size_t n = 0;
        for (const auto &e : events(k, node))
            n += e.reason == r;
        return n;
    }
    StopReason runUntil(SimTime until)
    {
        RunOptions o;
        o.until = until;
        return sim->run(o);
    }
};

// Builds a topology whose "test-client" nodes run the given scripts.
std::unique_ptr<CallRun> build(const Topology &t, std::map<std::string, Script> scripts)
{
    auto r = std::make_unique<CallRun>();
    for (auto &[id, s] : scripts)
        r->scripts[id] = std::make_shared<Script>(std::move(s));
    r->registry = std::make_unique<KindRegistry>(KindRegistry::builtin());
    NodeKindSpec k;
    k.kind = "test-client";
    k.label = "Scripted client";
    k.category = "Test";
    k.ports = {{"calls", PortDirection::Out, Protocol::Call, true, "", PortSpec::Need::Optional}};
    auto *scriptsOf = &r->scripts;
    k.factory = [scriptsOf](const NodeSetup &s) {
        return std::make_unique<ScriptedClient>(scriptsOf->at(s.id).get());
    };
    r->registry->add(std::move(k));
    std::string error;
    r->sim = Simulation::build(t, error, *r->registry);
    if (!r->sim) {
        qWarning("build failed: %s", error.c_str());
        return nullptr;
    }
    r->sim->addSink(&r->trace);
    r->sim->addSink(&r->announcer);
    return r;
}

// A client "c" calling server "s" of `kind` over a 1 ms link.
TopologyBuilder clientServer(const std::string &kind, Json server)
{
    TopologyBuilder b;
    b.node("c", "test-client").node("s", kind, std::move(server));
    b.link("c", "s", Json::object(), "calls", "in");
    return b;
}

// A server that costs nothing but its service time.
Json plain(Json props)
{
    props["marshalFixed"] = 0;
    props["marshalPerByte"] = 0;
    return props;
}

Header key(const std::string &k)
{
    return {std::string(rpc::kIdempotencyKey), k};
}

} // namespace

Q_DECLARE_METATYPE(sb::SimTime)

class TestCallServer : public QObject {
    Q_OBJECT
private slots:
    void workersServeTheAcceptQueue_data();
    void workersServeTheAcceptQueue();
    void fullQueueRejects_data();
    void fullQueueRejects();
    void rateLimitAnswers429();
    void failureRate_data();
    void failureRate();
    void successStatus_data();
    void successStatus();
    void deadlines_data();
    void deadlines();
    void cancelDropsQueuedAndStopsRunning();
    void cancelIgnoredWithoutHonoringDeadlines();
    void idempotencyStoreAnswersRepeats_data();
    void idempotencyStoreAnswersRepeats();
    void idempotencyCoalescesConcurrentAttempts();
    void idempotencyWaiterExecutesWhenOwnerIsCancelled();
    void idempotencyKeysExpire();
    void idempotencyStoreSurvivesCrashWhenDurable_data();
    void idempotencyStoreSurvivesCrashWhenDurable();
    void idempotencyStoreExpiryIsBounded();
    void downstreamCalls_data();
    void downstreamCalls();
    void downstreamRoundRobin();
    void serverStreamingFlowControl_data();
    void serverStreamingFlowControl();
    void clientStreamingWindowUpdates_data();
    void clientStreamingWindowUpdates();
    void marshallingAndFormats_data();
    void marshallingAndFormats();
    void duplicatedFramesCountOnce();
    void realClientDeadlineReachesDownstream_data();
    void realClientDeadlineReachesDownstream();
    void thriftCarriesNoDeadline_data();
    void thriftCarriesNoDeadline();
    void eventsPublishedPerCallServed_data();
    void eventsPublishedPerCallServed();
};

void TestCallServer::workersServeTheAcceptQueue_data()
{
    QTest::addColumn<int>("workers");
    QTest::newRow("one worker") << 1;
    QTest::newRow("two workers") << 2;
    QTest::newRow("four workers") << 4;
}

// Six requests at once on a server with a fixed 10 ms service time: `workers` run at once, the
// rest wait in the accept queue, and request i is answered after (i / workers + 1) services.
void TestCallServer::workersServeTheAcceptQueue()
{
    QFETCH(int, workers);
    Script s;
    for (int i = 1; i <= 6; ++i)
        s.actions.push_back(request(0, i));
    auto r =
        build(clientServer("rpc-server", plain({{"workers", workers}, {"serviceTime", "10ms"}})).topology(),
              {{"c", s}});
    QVERIFY(r);
    r->runUntil(5 * ms);
    const auto status = r->sim->nodeStatus(r->index("s"));
    QCOMPARE(status.ready, std::uint64_t(6 - workers));
    QCOMPARE(status.unacked, std::uint64_t(workers));
    QVERIFY(r->sim->hasPendingWork());
    QCOMPARE(r->sim->run(RunOptions{}), StopReason::Quiescent);

    const auto accepts = r->events(TraceKind::Accept, "s");
    QCOMPARE(accepts.size(), std::size_t(6));
    std::int64_t deepest = 0;
    for (const auto &e : accepts)
        deepest = std::max(deepest, e.aux);
    QCOMPARE(deepest, std::int64_t(6 - workers));
    QCOMPARE(r->count(TraceKind::Execute, "s"), std::size_t(6));
    for (int i = 1; i <= 6; ++i) {
        const auto *reply = r->client().reply(i);
        QVERIFY(reply);
        QCOMPARE(reply->status, Grpc::Ok);
        QCOMPARE(reply->at, 2 * ms + ((i - 1) / workers + 1) * 10 * ms);
        QCOMPARE(reply->message->correlationId, std::uint64_t(1000 + i));
        QCOMPARE(reply->message->routingKey, std::string("orders.Orders/Get"));
    }
    const auto status2 = r->sim->nodeStatus(r->index("s"));
    QCOMPARE(status2.ready + status2.unacked, std::uint64_t(0));
}

void TestCallServer::fullQueueRejects_data()
{
    QTest::addColumn<QString>("kind");
    QTest::addColumn<QString>("retryAfter");
    QTest::addColumn<int>("status");
    QTest::addColumn<QString>("header");
    QTest::addColumn<QString>("value"); // empty: no header
    QTest::newRow("gRPC, no pushback") << "rpc-server"
                                       << "0ms" << int(Grpc::ResourceExhausted) << "grpc-retry-pushback-ms"
                                       << "";
    QTest::newRow("gRPC, 250 ms pushback")
        << "rpc-server"
        << "250ms" << int(Grpc::ResourceExhausted) << "grpc-retry-pushback-ms"
        << "250";
    QTest::newRow("HTTP 503, Retry-After rounded up to seconds") << "http-server"
                                                                 << "1500ms" << 503 << "retry-after"
                                                                 << "2";
    QTest::newRow("HTTP 503 without Retry-After") << "http-server"
                                                  << "0ms" << 503 << "retry-after"
                                                  << "";
}

// One worker and room for two in the queue: of five requests at once, two are answered at once.
void TestCallServer::fullQueueRejects()
{
    QFETCH(QString, kind);
    QFETCH(QString, retryAfter);
    QFETCH(int, status);
    QFETCH(QString, header);
    QFETCH(QString, value);
    Script s;
    for (int i = 1; i <= 5; ++i) {
        s.actions.push_back(request(0, i));
        if (kind == "http-server") s.actions.back().method = "GET /orders";
    }
    auto r = build(clientServer(kind.toStdString(), plain({{"workers", 1},
                                                           {"queueLimit", 2},
                                                           {"serviceTime", "10ms"},
                                                           {"retryAfter", retryAfter.toStdString()}}))
                       .topology(),
                   {{"c", s}});
    QVERIFY(r);
    r->sim->run(RunOptions{});
    QCOMPARE(r->count(TraceKind::Accept, "s"), std::size_t(3));
    QCOMPARE(r->count(TraceKind::Execute, "s"), std::size_t(3));
    for (int tag : {4, 5}) {
        const auto *reply = r->client().reply(tag);
        QVERIFY(reply);
        QCOMPARE(int(reply->status), status);
        QCOMPARE(reply->at, 2 * ms); // at once
        const std::string *h = reply->message->header(header.toStdString());
        if (value.isEmpty()) {
            QVERIFY(!h);
        } else {
            QVERIFY(h);
            QCOMPARE(QString::fromStdString(*h), value);
        }
    }
    for (int tag : {1, 2, 3})
        QVERIFY(isSuccessStatus(r->client().reply(tag)->status));
}

// A token bucket of 2 at 10 requests/s: of five at once two pass and three get 429 with
// Retry-After; 100 ms later one token is back.
void TestCallServer::rateLimitAnswers429()
{
    Script s;
    for (int i = 1; i <= 5; ++i)
        s.actions.push_back(request(0, i));
    s.actions.push_back(request(150 * ms, 6));
    s.actions.push_back(request(150 * ms, 7));
    for (auto &a : s.actions)
        a.method = "GET /orders";
    auto r = build(clientServer("http-server", plain({{"rateLimit", 10},
                                                      {"rateBurst", 2},
                                                      {"queueLimit", 0},
                                                      {"serviceTime", "1ms"},
                                                      {"retryAfter", "3s"}}))
                       .topology(),
                   {{"c", s}});
    QVERIFY(r);
    r->sim->run(RunOptions{});
    std::vector<int> statuses;
    for (int tag = 1; tag <= 7; ++tag)
        statuses.push_back(r->client().reply(tag)->status);
    QCOMPARE(statuses, (std::vector<int>{200, 200, 429, 429, 429, 200, 429}));
    const auto *limited = r->client().reply(3);
    QCOMPARE(*limited->message->header(rpc::kRetryAfter), std::string("3"));
    QCOMPARE(r->count(TraceKind::Execute, "s"), std::size_t(3));
}

void TestCallServer::failureRate_data()
{
    QTest::addColumn<QString>("kind");
    QTest::addColumn<double>("rate");
    QTest::addColumn<QString>("failureStatus");
    QTest::addColumn<int>("expected");
    QTest::newRow("gRPC, never fails") << "rpc-server" << 0.0 << "INTERNAL" << int(Grpc::Ok);
    QTest::newRow("gRPC, always INTERNAL") << "rpc-server" << 1.0 << "INTERNAL" << int(Grpc::Internal);
    QTest::newRow("HTTP, always 503") << "http-server" << 1.0 << "503" << 503;
    QTest::newRow("HTTP, never fails") << "http-server" << 0.0 << "500" << 200;
}

// A failing handler still does the work (executes, takes its service time) before it fails.
void TestCallServer::failureRate()
{
    QFETCH(QString, kind);
    QFETCH(double, rate);
    QFETCH(QString, failureStatus);
    QFETCH(int, expected);
    Script s;
    for (int i = 1; i <= 4; ++i) {
        s.actions.push_back(request(0, i));
        s.actions.back().method = kind == "http-server" ? "GET /orders" : "orders.Orders/Get";
    }
    auto r = build(clientServer(kind.toStdString(), plain({{"workers", 4},
                                                           {"serviceTime", "10ms"},
                                                           {"responseSize", 300},
                                                           {"failureRate", rate},
                                                           {"failureStatus", failureStatus.toStdString()}}))
                       .topology(),
                   {{"c", s}});
    QVERIFY(r);
    r->sim->run(RunOptions{});
    QCOMPARE(r->count(TraceKind::Execute, "s"), std::size_t(4));
    for (int tag = 1; tag <= 4; ++tag) {
        const auto *reply = r->client().reply(tag);
        QVERIFY(reply);
        QCOMPARE(int(reply->status), expected);
        QCOMPARE(reply->at, 12 * ms);
        // An error carries no response body.
        QCOMPARE(reply->message->size,
                 isSuccessStatus(reply->status)
                     ? rpc::wireBytes(rpc::wireFormat(kind == "http-server" ? "json" : "protobuf"), 300)
                     : 0u);
    }
}

void TestCallServer::successStatus_data()
{
    QTest::addColumn<QString>("kind");
    QTest::addColumn<QString>("method");
    QTest::addColumn<int>("status");
    QTest::newRow("gRPC OK") << "rpc-server"
                             << "orders.Orders/Get" << int(Grpc::Ok);
    QTest::newRow("Thrift maps to OK") << "rpc-server"
                                       << "orders.Orders/Get" << int(Grpc::Ok);
    QTest::newRow("HTTP GET 200") << "http-server"
                                  << "GET /orders" << 200;
    QTest::newRow("HTTP PUT 200") << "http-server"
                                  << "PUT /orders/1" << 200;
    QTest::newRow("HTTP POST 201 Created") << "http-server"
                                           << "POST /orders" << 201;
}

void TestCallServer::successStatus()
{
    QFETCH(QString, kind);
    QFETCH(QString, method);
    QFETCH(int, status);
    Script s;
    s.actions.push_back(request(0, 1));
    s.actions.back().method = method.toStdString();
    Json props = {{"serviceTime", "1ms"}};
    if (QByteArray(QTest::currentDataTag()).startsWith("Thrift")) props["protocol"] = "thrift";
    auto r = build(clientServer(kind.toStdString(), props).topology(), {{"c", s}});
    QVERIFY(r);
    r->sim->run(RunOptions{});
    QCOMPARE(int(r->client().reply(1)->status), status);
}

void TestCallServer::deadlines_data()
{
    QTest::addColumn<bool>("honor");
    QTest::addColumn<int>("executions");
    QTest::addColumn<int>("shedOrStopped");
    QTest::addColumn<QList<int>>("answered");
    QTest::addColumn<SimTime>("lastReplyAt");
    // A (no deadline) runs 1..11 ms. B (deadline 5 ms) waits behind it: shed at 11 ms. C (deadline
    // 16 ms) starts at 11 ms and is stopped at 16 ms, freeing the worker for D (no deadline).
    QTest::newRow("honored: shed in the queue, stopped while running")
        << true << 3 << 2 << QList<int>{1, 4} << SimTime(27 * ms);
    // Off, every request is worked and answered though nobody waits for B and C any more.
    QTest::newRow("ignored: the work runs to the end")
        << false << 4 << 0 << QList<int>{1, 2, 3, 4} << SimTime(42 * ms);
}

void TestCallServer::deadlines()
{
    QFETCH(bool, honor);
    QFETCH(int, executions);
    QFETCH(int, shedOrStopped);
    QFETCH(QList<int>, answered);
    QFETCH(SimTime, lastReplyAt);
    Script s;
    s.actions = {request(0, 1), request(0, 2, 5 * ms), request(0, 3, 16 * ms), request(0, 4)};
    auto r = build(
        clientServer("rpc-server", plain({{"workers", 1}, {"serviceTime", "10ms"}, {"honorDeadline", honor}}))
            .topology(),
        {{"c", s}});
    QVERIFY(r);
    r->sim->run(RunOptions{});
    QCOMPARE(int(r->count(TraceKind::Execute, "s")), executions);
    const auto cancels = r->events(TraceKind::Cancel, "s");
    QCOMPARE(int(cancels.size()), shedOrStopped);
    if (honor) {
        // B shed at 11 ms when the worker would take it, C stopped at its deadline.
        QCOMPARE(cancels[0].correlationId, std::uint64_t(1002));
        QCOMPARE(cancels[0].time, 11 * ms);
        QCOMPARE(cancels[1].correlationId, std::uint64_t(1003));
        QCOMPARE(cancels[1].time, 16 * ms);
        for (const auto &e : cancels)
            QCOMPARE(e.reason, DropReason::DeadlineExceeded);
        for (const auto &e : r->events(TraceKind::Execute, "s"))
            QVERIFY(e.correlationId != 1002); // shed work never executes
    }
    QList<int> got;
    for (const auto &rec : r->client().of(FrameType::Reply))
        got.push_back(int(rec.tag));
    QCOMPARE(got, answered);
    QCOMPARE(r->client().reply(4)->at, lastReplyAt);
}

// A Cancel drops a queued attempt and stops a running one; the freed worker takes the next.
void TestCallServer::cancelDropsQueuedAndStopsRunning()
{
    Script s;
    s.actions = {request(0, 1),
                 request(0, 2),
                 request(0, 3),
                 frame(2 * ms, FrameType::Cancel, 2),
                 frame(4 * ms, FrameType::Cancel, 1),
                 frame(30 * ms, FrameType::Cancel, 3)};
    auto r = build(clientServer("rpc-server", plain({{"workers", 1}, {"serviceTime", "10ms"}})).topology(),
                   {{"c", s}});
    QVERIFY(r);
    r->runUntil(4 * ms);
    QCOMPARE(r->sim->nodeStatus(r->index("s")).ready, std::uint64_t(1)); // B dropped, C waits
    r->sim->run(RunOptions{});
    QCOMPARE(r->count(TraceKind::Cancel, DropReason::Cancelled, "s"), std::size_t(2));
    QCOMPARE(r->count(TraceKind::Execute, "s"), std::size_t(2)); // A and C, never B
    const auto replies = r->client().of(FrameType::Reply);
    QCOMPARE(replies.size(), std::size_t(1));
    QCOMPARE(replies[0].tag, std::uint64_t(3));
    QCOMPARE(replies[0].at, 16 * ms); // C ran from 5 ms, when A's cancel freed the worker
    // A cancel for an attempt already answered changes nothing.
    QCOMPARE(r->sim->nodeStatus(r->index("s")).unacked, std::uint64_t(0));
}

// A handler that ignores its context (honorDeadline off) never notices a cancel either: every
// request is worked and answered.
void TestCallServer::cancelIgnoredWithoutHonoringDeadlines()
{
    Script s;
    s.actions = {request(0, 1), request(0, 2), frame(2 * ms, FrameType::Cancel, 2),
                 frame(4 * ms, FrameType::Cancel, 1)};
    auto r = build(
        clientServer("rpc-server", plain({{"workers", 1}, {"serviceTime", "10ms"}, {"honorDeadline", false}}))
            .topology(),
        {{"c", s}});
    QVERIFY(r);
    r->sim->run(RunOptions{});
    QCOMPARE(r->count(TraceKind::Cancel, "s"), std::size_t(0));
    QCOMPARE(r->count(TraceKind::Execute, "s"), std::size_t(2));
    QCOMPARE(r->client().reply(1)->at, 12 * ms);
    QCOMPARE(r->client().reply(2)->at, 22 * ms);
}

void TestCallServer::idempotencyStoreAnswersRepeats_data()
{
    QTest::addColumn<QString>("store");
    QTest::addColumn<bool>("withKey");
    QTest::addColumn<int>("executions");
    QTest::addColumn<int>("dedupes");
    QTest::newRow("no store: the retry executes again") << "off" << true << 2 << 0;
    QTest::newRow("memory store answers the retry") << "memory" << true << 1 << 1;
    QTest::newRow("durable store answers the retry") << "durable" << true << 1 << 1;
    QTest::newRow("a store needs the key") << "memory" << false << 2 << 0;
}

// The same call twice (a retry after the reply was lost): with a store and a key the second
// attempt gets the stored reply at once and the handler runs once.
void TestCallServer::idempotencyStoreAnswersRepeats()
{
    QFETCH(QString, store);
    QFETCH(bool, withKey);
    QFETCH(int, executions);
    QFETCH(int, dedupes);
    std::vector<Header> headers;
    if (withKey) headers.push_back(key("k-1"));
    Script s;
    s.actions = {request(0, 1, kNever, headers), request(50 * ms, 2, kNever, headers)};
    s.actions[1].attempt = 2;
    s.actions[1].call = 1001; // the same logical call
    auto r = build(clientServer("rpc-server", plain({{"serviceTime", "10ms"},
                                                     {"responseSize", 700},
                                                     {"idempotencyStore", store.toStdString()}}))
                       .topology(),
                   {{"c", s}});
    QVERIFY(r);
    r->sim->run(RunOptions{});
    QCOMPARE(int(r->count(TraceKind::Execute, "s")), executions);
    const auto dedupe = r->events(TraceKind::Dedupe, "s");
    QCOMPARE(int(dedupe.size()), dedupes);
    const auto *first = r->client().reply(1);
    const auto *second = r->client().reply(2);
    QVERIFY(first && second);
    QCOMPARE(second->status, Grpc::Ok);
    QCOMPARE(second->message->correlationId, std::uint64_t(1001));
    if (dedupes) {
        QCOMPARE(dedupe[0].deliveryCount, 2u);
        QCOMPARE(second->at, 52 * ms);                         // at once
        QCOMPARE(second->message.get(), first->message.get()); // the stored reply itself
    } else {
        QCOMPARE(second->at, 62 * ms);
    }
}

// A retry arriving while the first attempt still executes waits for that execution and gets the
// same reply, with its own tag.
void TestCallServer::idempotencyCoalescesConcurrentAttempts()
{
    Script s;
    s.actions = {request(0, 1, kNever, {key("k")}), request(3 * ms, 2, kNever, {key("k")}),
                 request(4 * ms, 3, kNever, {key("other")})};
    s.actions[1].call = 1001;
    auto r =
        build(clientServer("rpc-server",
                           plain({{"workers", 4}, {"serviceTime", "10ms"}, {"idempotencyStore", "memory"}}))
                  .topology(),
              {{"c", s}});
    QVERIFY(r);
    r->sim->run(RunOptions{});
    QCOMPARE(r->count(TraceKind::Execute, "s"), std::size_t(2)); // "k" once, "other" once
    QCOMPARE(r->count(TraceKind::Dedupe, "s"), std::size_t(1));
    QCOMPARE(r->count(TraceKind::Accept, "s"), std::size_t(2)); // the waiter holds no queue place
    const auto *first = r->client().reply(1);
    const auto *second = r->client().reply(2);
    QVERIFY(first && second);
    QCOMPARE(first->at, 12 * ms);
    QCOMPARE(second->at, 12 * ms);
    QCOMPARE(second->message.get(), first->message.get());
    QCOMPARE(r->client().reply(3)->at, 16 * ms); // "other" ran from 5 ms
}

// The execution a retry waits for is cancelled: the waiting attempt executes the key itself.
void TestCallServer::idempotencyWaiterExecutesWhenOwnerIsCancelled()
{
    Script s;
    s.actions = {request(0, 1, kNever, {key("k")}), request(2 * ms, 2, kNever, {key("k")}),
                 frame(4 * ms, FrameType::Cancel, 1)};
    s.actions[1].call = 1001;
    auto r =
        build(clientServer("rpc-server", plain({{"serviceTime", "10ms"}, {"idempotencyStore", "memory"}}))
                  .topology(),
              {{"c", s}});
    QVERIFY(r);
    r->sim->run(RunOptions{});
    QCOMPARE(r->count(TraceKind::Execute, "s"), std::size_t(2));
    QCOMPARE(r->count(TraceKind::Dedupe, "s"), std::size_t(0));
    QVERIFY(!r->client().reply(1));
    QCOMPARE(r->client().reply(2)->at, 16 * ms); // executed from 5 ms
}

// Keys live for the retention: a repeat within it is answered, one after it executes again.
void TestCallServer::idempotencyKeysExpire()
{
    Script s;
    // Stored at 11 ms with a 20 ms retention: held until 31 ms.
    s.actions = {request(0, 1, kNever, {key("k")}), request(25 * ms, 2, kNever, {key("k")}),
                 request(40 * ms, 3, kNever, {key("k")})};
    auto r = build(clientServer("rpc-server", plain({{"serviceTime", "10ms"},
                                                     {"idempotencyStore", "memory"},
                                                     {"idempotencyRetention", "20ms"}}))
                       .topology(),
                   {{"c", s}});
    QVERIFY(r);
    r->sim->run(RunOptions{});
    QCOMPARE(r->count(TraceKind::Execute, "s"), std::size_t(2));
    const auto dedupe = r->events(TraceKind::Dedupe, "s");
    QCOMPARE(dedupe.size(), std::size_t(1));
    QCOMPARE(dedupe[0].time, 26 * ms);
    QCOMPARE(r->client().reply(3)->at, 52 * ms);
}

void TestCallServer::idempotencyStoreSurvivesCrashWhenDurable_data()
{
    QTest::addColumn<QString>("store");
    QTest::addColumn<QString>("disk");
    QTest::addColumn<int>("executions");
    QTest::newRow("memory store lost in the crash") << "memory"
                                                    << "kept" << 3;
    QTest::newRow("durable store survives the crash") << "durable"
                                                      << "kept" << 2;
    QTest::newRow("durable store lost with the disk") << "durable"
                                                      << "lost" << 3;
}

// A keyed call is answered and stored; the server crashes (losing a request it was running) and
// restarts; the retry of the keyed call executes again unless the store survived.
void TestCallServer::idempotencyStoreSurvivesCrashWhenDurable()
{
    QFETCH(QString, store);
    QFETCH(QString, disk);
    QFETCH(int, executions);
    Script s;
    s.actions = {request(0, 1, kNever, {key("k")}), request(15 * ms, 2), request(15 * ms, 3),
                 request(40 * ms, 4, kNever, {key("k")})};
    s.actions[3].call = 1001;
    Topology t =
        clientServer(
            "rpc-server",
            plain({{"workers", 1}, {"serviceTime", "10ms"}, {"idempotencyStore", store.toStdString()}}))
            .topology();
    FaultDef crash;
    crash.id = "crash";
    crash.kind = "crash";
    crash.target = "s";
    crash.start = 20 * ms;
    crash.duration = 10 * ms;
    crash.params = {{"disk", disk.toStdString()}};
    t.faults.push_back(crash);
    auto r = build(t, {{"c", s}});
    QVERIFY(r);
    r->sim->run(RunOptions{});
    // The running request (tag 2) and the queued one (tag 3) were lost in the crash.
    const auto drops = r->events(TraceKind::Drop, "s");
    std::vector<std::uint64_t> lost;
    for (const auto &e : drops)
        if (e.reason == DropReason::Crash) lost.push_back(e.correlationId);
    QCOMPARE(lost, (std::vector<std::uint64_t>{1002, 1003}));
    QVERIFY(!r->client().reply(2) && !r->client().reply(3));
    QCOMPARE(int(r->count(TraceKind::Execute, "s")), executions);
    QCOMPARE(int(r->count(TraceKind::Dedupe, "s")), 3 - executions);
    QVERIFY(r->client().reply(4));
}

// Expiry works from the front of a time-ordered queue: after a long run of distinct keys the
// store holds only the keys of the last retention window.
void TestCallServer::idempotencyStoreExpiryIsBounded()
{
    rpc::IdempotencyStore store(10 * ms);
    for (int i = 0; i < 100000; ++i)
        store.put("key-" + std::to_string(i), Grpc::Ok, nullptr, i * ms);
    QCOMPARE(store.size(), std::size_t(10)); // keys stored at 99990..99999 ms
    QCOMPARE(store.pendingExpiries(), std::size_t(10));
    QVERIFY(!store.find("key-99989", 99999 * ms));
    QVERIFY(store.find("key-99990", 99999 * ms));
    QVERIFY(!store.find("key-99990", 100000 * ms)); // expired, though not purged yet
    // Stored again, a key keeps its new expiry when its old record is purged.
    store.put("key-99995", 13, nullptr, 100001 * ms);
    store.purge(100006 * ms);
    QVERIFY(store.find("key-99995", 100006 * ms));
    QCOMPARE(store.find("key-99995", 100006 * ms)->status, std::uint16_t(13));
    store.purge(100012 * ms);
    QCOMPARE(store.size(), std::size_t(0));
    QCOMPARE(store.pendingExpiries(), std::size_t(0));
}

void TestCallServer::downstreamCalls_data()
{
    QTest::addColumn<QString>("kind");
    QTest::addColumn<bool>("propagate");
    QTest::addColumn<bool>("honor");
    QTest::addColumn<QString>("downService");
    QTest::addColumn<double>("downFailure");
    QTest::addColumn<int>("completeStatus"); // the downstream call's status at the front server
    QTest::addColumn<int>("replyStatus");    // -1: no reply (the front gave up at the deadline)
    QTest::addColumn<int>("downCancel");     // the downstream server's Cancel reason, or -1
    const int none = -1;
    const int deadline = int(DropReason::DeadlineExceeded);
    QTest::newRow("fast downstream: OK")
        << "rpc-server" << true << true << "5ms" << 0.0 << int(Grpc::Ok) << int(Grpc::Ok) << none;
    QTest::newRow("failing downstream: UNAVAILABLE") << "rpc-server" << true << true << "5ms" << 1.0
                                                     << int(Grpc::Internal) << int(Grpc::Unavailable) << none;
    QTest::newRow("HTTP: failing downstream gives 502")
        << "http-server" << true << true << "5ms" << 1.0 << int(Grpc::Internal) << 502 << none;
    // The caller's 30 ms deadline travels downstream: the downstream server stops at it too.
    QTest::newRow("slow downstream, deadline propagated")
        << "rpc-server" << true << true << "50ms" << 0.0 << int(Grpc::DeadlineExceeded) << none << deadline;
    // Not propagated (a fresh context): the downstream server is never told and works on.
    QTest::newRow("slow downstream, deadline not propagated")
        << "rpc-server" << false << true << "50ms" << 0.0 << int(Grpc::DeadlineExceeded) << none << none;
    // A front server that does not honor deadlines answers DEADLINE_EXCEEDED itself.
    QTest::newRow("front ignores deadlines: DEADLINE_EXCEEDED")
        << "rpc-server" << true << false << "50ms" << 0.0 << int(Grpc::DeadlineExceeded)
        << int(Grpc::DeadlineExceeded) << deadline;
    QTest::newRow("HTTP front ignores deadlines: 504")
        << "http-server" << true << false << "50ms" << 0.0 << 504 << 504 << deadline;
}

// c -> s (front, 5 ms service) -> d (downstream). The call's deadline is 30 ms.
void TestCallServer::downstreamCalls()
{
    QFETCH(QString, kind);
    QFETCH(bool, propagate);
    QFETCH(bool, honor);
    QFETCH(QString, downService);
    QFETCH(double, downFailure);
    QFETCH(int, completeStatus);
    QFETCH(int, replyStatus);
    QFETCH(int, downCancel);
    Script s;
    s.actions = {request(0, 1, 30 * ms)};
    if (kind == "http-server") s.actions[0].method = "GET /orders";
    TopologyBuilder b;
    b.node("c", "test-client")
        .node("s", kind.toStdString(),
              plain({{"serviceTime", "5ms"},
                     {"downstreamMethod", "inventory.Inventory/Reserve"},
                     {"propagateDeadline", propagate},
                     {"honorDeadline", honor}}))
        .node("d", "rpc-server",
              plain({{"serviceTime", downService.toStdString()},
                     {"failureRate", downFailure},
                     {"failureStatus", "INTERNAL"}}));
    b.link("c", "s", Json::object(), "calls", "in").link("s", "d", Json::object(), "downstream", "in");
    auto r = build(b.topology(), {{"c", s}});
    QVERIFY(r);
    r->sim->run(RunOptions{});

    const auto calls = r->events(TraceKind::Call, "s");
    QCOMPARE(calls.size(), std::size_t(1));
    QCOMPARE(calls[0].aux, std::int64_t(1001)); // the parent call
    QCOMPARE(calls[0].time, 1 * ms);
    const auto accepted = r->events(TraceKind::Accept, "d");
    QCOMPARE(accepted.size(), std::size_t(1));
    QCOMPARE(accepted[0].correlationId, calls[0].correlationId);
    QCOMPARE(accepted[0].messageId, calls[0].messageId);
    QVERIFY(calls[0].correlationId != 1001);
    const auto completes = r->events(TraceKind::Complete, "s");
    QCOMPARE(completes.size(), std::size_t(1));
    QCOMPARE(int(completes[0].status), completeStatus);
    QCOMPARE(completes[0].correlationId, calls[0].correlationId);
    if (completeStatus == int(Grpc::DeadlineExceeded) || completeStatus == 504)
        QCOMPARE(completes[0].aux, 29 * ms); // from 1 ms to the 30 ms deadline
    else
        QCOMPARE(completes[0].aux, 7 * ms); // 1 ms there, 5 ms of work, 1 ms back
    const auto *reply = r->client().reply(1);
    if (replyStatus < 0) {
        QVERIFY(!reply);
        QCOMPARE(r->count(TraceKind::Cancel, DropReason::DeadlineExceeded, "s"), std::size_t(1));
    } else {
        QVERIFY(reply);
        QCOMPARE(int(reply->status), replyStatus);
        if (replyStatus == int(Grpc::Ok)) QCOMPARE(reply->at, 14 * ms); // 1 + 7 + 5 + 1
    }
    const auto downCancels = r->events(TraceKind::Cancel, "d");
    if (downCancel < 0) {
        QVERIFY(downCancels.empty());
    } else {
        QCOMPARE(downCancels.size(), std::size_t(1));
        QCOMPARE(int(downCancels[0].reason), downCancel);
    }
    // The downstream request was announced, naming its parent call.
    QCOMPARE(r->announced.size(), std::size_t(1));
    QCOMPARE(r->announced[0].id, calls[0].messageId);
    QCOMPARE(r->announced[0].routingKey, std::string("inventory.Inventory/Reserve"));
    QCOMPARE(*r->announced[0].header(rpc::kParentCall), std::string("1001"));
}

// A server with two downstream replicas spreads its calls over them in turn.
void TestCallServer::downstreamRoundRobin()
{
    Script s;
    for (int i = 1; i <= 6; ++i)
        s.actions.push_back(request(i * ms, i));
    TopologyBuilder b;
    b.node("c", "test-client")
        .node("s", "rpc-server",
              plain({{"serviceTime", "1ms"}, {"downstreamMethod", "inventory.Inventory/Get"}}))
        .node("d1", "rpc-server", plain({{"serviceTime", "1ms"}}))
        .node("d2", "rpc-server", plain({{"serviceTime", "1ms"}}));
    b.link("c", "s", Json::object(), "calls", "in")
        .link("s", "d1", Json::object(), "downstream", "in")
        .link("s", "d2", Json::object(), "downstream", "in");
    auto r = build(b.topology(), {{"c", s}});
    QVERIFY(r);
    r->sim->run(RunOptions{});
    QCOMPARE(r->count(TraceKind::Execute, "d1"), std::size_t(3));
    QCOMPARE(r->count(TraceKind::Execute, "d2"), std::size_t(3));
    QCOMPARE(r->client().of(FrameType::Reply).size(), std::size_t(6));
    for (const auto &e : r->events(TraceKind::Complete, "s"))
        QCOMPARE(e.status, Grpc::Ok);
}

void TestCallServer::serverStreamingFlowControl_data()
{
    QTest::addColumn<SimTime>("grantAfter"); // -1: the client never consumes
    QTest::addColumn<int>("itemsSent");
    QTest::addColumn<bool>("unblocked");
    QTest::newRow("client never consumes: three items fill the window") << SimTime(-1) << 3 << false;
    QTest::newRow("client consumes after 20 ms: all items, unblocked") << SimTime(20 * ms) << 10 << true;
}

// Ten 20,000-byte items against HTTP/2's 65,535-byte initial window: three fit; the fourth
// waits (Block) for the client's WindowUpdates.
void TestCallServer::serverStreamingFlowControl()
{
    QFETCH(SimTime, grantAfter);
    QFETCH(int, itemsSent);
    QFETCH(bool, unblocked);
    Script s;
    s.grantAfter = grantAfter;
    s.actions = {request(0, 1, kNever,
                         {{std::string(rpc::kCallKind), "server-streaming"},
                          {std::string(rpc::kStreamItems), "10"},
                          {std::string(rpc::kStreamItemSize), "20000"}})};
    auto r =
        build(clientServer("rpc-server", plain({{"serviceTime", "0ms"}, {"itemInterval", "1ms"}})).topology(),
              {{"c", s}});
    QVERIFY(r);
    r->runUntil(kSecond);
    const auto items = r->client().of(FrameType::StreamData);
    QCOMPARE(int(items.size()), itemsSent);
    for (std::size_t i = 0; i < items.size(); ++i) {
        QCOMPARE(items[i].count, std::uint32_t(i));
        QCOMPARE(items[i].message->size, 20000u);
        QCOMPARE(items[i].message->correlationId, std::uint64_t(1001));
    }
    // Produced one per millisecond from 1 ms: items 0..2 arrive at 3, 4, 5 ms.
    QCOMPARE(items[2].at, 5 * ms);
    const auto blocks = r->events(TraceKind::Block, "s");
    QVERIFY(!blocks.empty());
    QCOMPARE(blocks[0].time, 5 * ms); // the fourth item is ready at 5 ms and does not fit
    const auto unblocks = r->events(TraceKind::Unblock, "s");
    const auto *reply = r->client().reply(1);
    if (unblocked) {
        QCOMPARE(unblocks.size(), blocks.size());
        // The first item's bytes come back at 3 + 20 + 1 ms: blocked 19 ms.
        QCOMPARE(unblocks[0].time, 24 * ms);
        QCOMPARE(unblocks[0].aux, 19 * ms);
        QVERIFY(reply);
        QCOMPARE(reply->status, Grpc::Ok);
        QCOMPARE(reply->message->size, 0u);    // trailers
        QVERIFY(reply->at >= items.back().at); // trailers after the last item
    } else {
        QVERIFY(unblocks.empty());
        QVERIFY(!reply);
        QCOMPARE(r->sim->nodeStatus(r->index("s")).unacked, std::uint64_t(1)); // still streaming
    }
}

void TestCallServer::clientStreamingWindowUpdates_data()
{
    QTest::addColumn<QString>("callKind");
    QTest::addColumn<int>("serverItems");
    QTest::newRow("client streaming") << "client-streaming" << 0;
    QTest::newRow("bidi streaming") << "bidi-streaming" << 2;
}

// The client sends five 1,000-byte items 2 ms apart, then half-closes. The server consumes each
// in 3 ms and returns its bytes with a WindowUpdate; it replies once it has all and worked 10 ms.
void TestCallServer::clientStreamingWindowUpdates()
{
    QFETCH(QString, callKind);
    QFETCH(int, serverItems);
    Script s;
    s.actions = {request(0, 1, kNever,
                         {{std::string(rpc::kCallKind), callKind.toStdString()},
                          {std::string(rpc::kStreamItems), std::to_string(serverItems)},
                          {std::string(rpc::kStreamItemSize), "500"}})};
    for (int i = 0; i < 5; ++i) {
        s.actions.push_back(frame(i * 2 * ms, FrameType::StreamData, 1, 1000));
        s.actions.back().count = i;
    }
    s.actions.push_back(frame(8 * ms, FrameType::HalfClose, 1));
    s.grantAfter = 0;
    auto r = build(clientServer("rpc-server", plain({{"serviceTime", "10ms"},
                                                     {"itemProcessing", "3ms"},
                                                     {"itemInterval", "1ms"},
                                                     {"responseSize", 400}}))
                       .topology(),
                   {{"c", s}});
    QVERIFY(r);
    r->sim->run(RunOptions{});
    const auto updates = r->client().of(FrameType::WindowUpdate);
    QCOMPARE(updates.size(), std::size_t(5));
    // Consumed from 1 ms (the handler starts) at 3 ms each: done at 4, 7, 10, 13, 16 ms.
    std::vector<SimTime> at;
    for (const auto &u : updates) {
        QCOMPARE(u.count, 1000u);
        QCOMPARE(u.tag, std::uint64_t(1));
        at.push_back(u.at);
    }
    QCOMPARE(at, (std::vector<SimTime>{5 * ms, 8 * ms, 11 * ms, 14 * ms, 17 * ms}));
    QCOMPARE(int(r->client().of(FrameType::StreamData).size()), serverItems);
    const auto *reply = r->client().reply(1);
    QVERIFY(reply);
    QCOMPARE(reply->status, Grpc::Ok);
    QCOMPARE(reply->at, 27 * ms); // all consumed at 16 ms, 10 ms of work, 1 ms back
    // A client-streaming reply carries the response; a bidi stream's reply is its trailers.
    QCOMPARE(reply->message->size, serverItems ? 0u : 400u);
}

void TestCallServer::marshallingAndFormats_data()
{
    QTest::addColumn<QString>("format");
    QTest::addColumn<int>("replyBytes");
    QTest::addColumn<SimTime>("work");
    // Unmarshalling the 500-byte request and marshalling the reply, each 20 us + wire bytes x
    // 1 us x the format's cpu factor (1.0 protobuf and compact, 0.8 binary, 4.0 json).
    QTest::newRow("protobuf") << "protobuf" << 1000 << SimTime((20 + 500 + 20 + 1000) * us);
    QTest::newRow("thrift-compact") << "thrift-compact" << 1050 << SimTime((20 + 500 + 20 + 1050) * us);
    QTest::newRow("thrift-binary") << "thrift-binary" << 1500 << SimTime((20 + 400 + 20 + 1200) * us);
    QTest::newRow("json") << "json" << 2200 << SimTime((20 + 2000 + 20 + 8800) * us);
}

// A 1,000-byte response on the wire in each format, and the time marshalling costs the server.
void TestCallServer::marshallingAndFormats()
{
    QFETCH(QString, format);
    QFETCH(int, replyBytes);
    QFETCH(SimTime, work);
    Script s;
    s.actions = {request(0, 1)};
    s.actions[0].size = 500;
    auto r = build(clientServer("rpc-server", {{"serviceTime", "0ms"},
                                               {"responseSize", 1000},
                                               {"format", format.toStdString()},
                                               {"marshalFixed", "20us"},
                                               {"marshalPerByte", 1000}})
                       .topology(),
                   {{"c", s}});
    QVERIFY(r);
    r->sim->run(RunOptions{});
    const auto *reply = r->client().reply(1);
    QVERIFY(reply);
    QCOMPARE(int(reply->message->size), replyBytes);
    QCOMPARE(reply->at, 2 * ms + work);
}

// A link that delivers every frame twice: the request of a live attempt and each stream item
// count once (HTTP/2 runs over one ordered connection), so the call executes once and every
// item is consumed once.
void TestCallServer::duplicatedFramesCountOnce()
{
    Script s;
    s.actions = {request(0, 1, kNever, {{std::string(rpc::kCallKind), "client-streaming"}})};
    for (int i = 0; i < 3; ++i) {
        s.actions.push_back(frame(i * ms, FrameType::StreamData, 1, 1000));
        s.actions.back().count = i;
    }
    s.actions.push_back(frame(3 * ms, FrameType::HalfClose, 1));
    TopologyBuilder b;
    b.node("c", "test-client")
        .node("s", "rpc-server", plain({{"serviceTime", "5ms"}, {"itemProcessing", "1ms"}}));
    b.link("c", "s", {{"duplicate", 1.0}}, "calls", "in");
    auto r = build(b.topology(), {{"c", s}});
    QVERIFY(r);
    r->sim->run(RunOptions{});
    QCOMPARE(r->count(TraceKind::Execute, "s"), std::size_t(1));
    std::size_t updates = 0;
    for (const auto &e : r->events(TraceKind::Send, "s"))
        updates += e.frame == FrameType::WindowUpdate && e.messageId == 0;
    QCOMPARE(updates, std::size_t(3 * 2)); // three, each duplicated on the way back
    QCOMPARE(r->client().of(FrameType::Reply).size(), std::size_t(2));
}

void TestCallServer::realClientDeadlineReachesDownstream_data()
{
    QTest::addColumn<bool>("propagate");
    QTest::addColumn<int>("downstreamReason");
    QTest::newRow("propagated: the downstream server gives up at the deadline")
        << true << int(DropReason::DeadlineExceeded);
    // A fresh context: the downstream server is neither given the deadline nor cancelled.
    QTest::newRow("not propagated: it works to the end") << false << -1;
}

// The real rpc-client with a 30 ms deadline calls a server whose downstream takes 50 ms: every
// call ends DEADLINE_EXCEEDED, the front server stops at the deadline it was sent, and the
// downstream server stops at the same deadline when it travelled with the call.
void TestCallServer::realClientDeadlineReachesDownstream()
{
    QFETCH(bool, propagate);
    QFETCH(int, downstreamReason);
    TopologyBuilder b;
    b.node("client", "rpc-client",
           {{"loop", "closed"}, {"users", 1}, {"thinkTime", "0ms"}, {"count", 3}, {"deadline", "30ms"}})
        .node("s", "rpc-server",
              plain({{"serviceTime", "1ms"},
                     {"downstreamMethod", "inventory.Inventory/Get"},
                     {"propagateDeadline", propagate}}))
        .node("d", "rpc-server", plain({{"serviceTime", "50ms"}}));
    b.link("client", "s").link("s", "d", Json::object(), "downstream", "in");
    auto r = run(b.topology());
    QVERIFY(r);
    std::size_t completes = 0;
    for (const auto &e : r->trace.events) {
        if (e.kind == TraceKind::Complete && e.node == r->index("client")) {
            ++completes;
            QCOMPARE(e.status, Grpc::DeadlineExceeded);
        }
        if (e.kind == TraceKind::Cancel && e.node == r->index("s"))
            QCOMPARE(e.reason, DropReason::DeadlineExceeded);
        if (e.kind == TraceKind::Cancel && e.node == r->index("d")) QCOMPARE(int(e.reason), downstreamReason);
    }
    QCOMPARE(completes, std::size_t(3));
    QCOMPARE(r->trace.countAt(TraceKind::Cancel, r->index("s")), std::size_t(3));
    QCOMPARE(r->trace.countAt(TraceKind::Cancel, r->index("d")), std::size_t(propagate ? 3 : 0));
    QCOMPARE(r->trace.countAt(TraceKind::Execute, r->index("d")), std::size_t(3));
}

void TestCallServer::thriftCarriesNoDeadline_data()
{
    QTest::addColumn<QString>("protocol");
    QTest::newRow("gRPC: the deadline travels, a cancel follows") << "grpc";
    QTest::newRow("Thrift: no deadline on the wire, no cancel") << "thrift";
}

// The real rpc-client with a 30 ms timeout calls a server that takes 50 ms. Every call ends
// DEADLINE_EXCEEDED either way. gRPC sends the deadline with the request and RST_STREAM when it
// gives up: the server stops at the deadline and never replies. An Apache Thrift message is a
// name, a type and a sequence id (apache/thrift doc/specs/thrift-rpc.md): the server does not
// know the client's socket timeout, is not told it passed, and works to the end and replies.
void TestCallServer::thriftCarriesNoDeadline()
{
    QFETCH(QString, protocol);
    const bool thrift = protocol == "thrift";
    TopologyBuilder b;
    b.node("client", "rpc-client",
           {{"protocol", protocol.toStdString()},
            {"loop", "closed"},
            {"users", 1},
            {"thinkTime", "0ms"},
            {"count", 3},
            {"deadline", "30ms"}})
        .node("s", "rpc-server", plain({{"protocol", protocol.toStdString()}, {"serviceTime", "50ms"}}));
    b.link("client", "s");
    auto r = run(b.topology());
    QVERIFY(r);
    std::size_t completes = 0, cancelFrames = 0, replies = 0;
    for (const auto &e : r->trace.events) {
        if (e.kind == TraceKind::Complete && e.node == r->index("client")) {
            ++completes;
            QCOMPARE(e.status, Grpc::DeadlineExceeded);
        }
        if (e.kind == TraceKind::Send && e.frame == FrameType::Cancel && e.node == r->index("client"))
            ++cancelFrames;
        if (e.kind == TraceKind::Send && e.frame == FrameType::Reply && e.node == r->index("s")) ++replies;
    }
    QCOMPARE(completes, std::size_t(3));
    // The client stops waiting in both cases (its Cancel trace event), but only gRPC says so.
    QCOMPARE(r->trace.countAt(TraceKind::Cancel, r->index("client")), std::size_t(3));
    QCOMPARE(cancelFrames, std::size_t(thrift ? 0 : 3));
    QCOMPARE(r->trace.countAt(TraceKind::Cancel, r->index("s")), std::size_t(thrift ? 0 : 3));
    QCOMPARE(r->trace.countAt(TraceKind::Execute, r->index("s")), std::size_t(3));
    QCOMPARE(replies, std::size_t(thrift ? 3 : 0));
}

void TestCallServer::eventsPublishedPerCallServed_data()
{
    QTest::addColumn<QString>("kind");
    QTest::addColumn<QString>("routingKey"); // eventRoutingKey ("" = none)
    QTest::addColumn<double>("failureRate");
    QTest::addColumn<bool>("linked"); // the events port has a link
    QTest::addColumn<int>("events");
    QTest::newRow("rpc, every call served") << "rpc-server"
                                            << "order.placed" << 0.0 << true << 6;
    QTest::newRow("http, every call served") << "http-server"
                                             << "order.placed" << 0.0 << true << 6;
    QTest::newRow("failed calls publish nothing") << "rpc-server"
                                                  << "order.placed" << 1.0 << true << 0;
    QTest::newRow("no routing key, no events") << "rpc-server"
                                               << "" << 0.0 << true << 0;
    QTest::newRow("no link, no events") << "rpc-server"
                                        << "order.placed" << 0.0 << false << 0;
}

void TestCallServer::eventsPublishedPerCallServed()
{
    QFETCH(QString, kind);
    QFETCH(QString, routingKey);
    QFETCH(double, failureRate);
    QFETCH(bool, linked);
    QFETCH(int, events);
    Script s;
    for (int i = 1; i <= 6; ++i) {
        s.actions.push_back(request(0, i));
        s.actions.back().method = kind == "http-server" ? "POST /orders" : "orders.Orders/Place";
    }
    TopologyBuilder b =
        clientServer(kind.toStdString(), plain({{"workers", 2},
                                                {"serviceTime", "5ms"},
                                                {"failureRate", failureRate},
                                                {"eventRoutingKey", routingKey.toStdString()}}));
    b.node("bus", "queue").node("w", "consumer");
    if (linked) b.link("s", "bus", Json::object(), "events", "in");
    b.link("bus", "w", Json::object(), "deliver", "in");
    auto r = build(b.topology(), {{"c", s}});
    QVERIFY(r);
    r->sim->run(RunOptions{});
    // Each event is a new message published by the server, after its reply, processed downstream.
    const auto published = r->events(TraceKind::Publish, "s");
    QCOMPARE(int(published.size()), events);
    QCOMPARE(int(r->count(TraceKind::Process, "w")), events);
    for (const TraceEvent &e : published) {
        const auto it = std::find_if(r->announced.begin(), r->announced.end(),
                                     [&](const Message &m) { return m.id == e.messageId; });
        QVERIFY(it != r->announced.end());
        QCOMPARE(QString::fromStdString(it->routingKey), routingKey);
        QCOMPARE(it->producer, r->index("s"));
    }
    for (int tag = 1; tag <= 6; ++tag)
        QVERIFY(r->client().reply(tag));
}

QTEST_GUILESS_MAIN(TestCallServer)
#include "tst_callserver.moc"
