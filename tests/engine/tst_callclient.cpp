// The call client (rpc-client, http-client): retries and their backoff bounds, attempt timeouts,
// deadlines, hedging, retry throttling, status handling, HTTP safety rules and Retry-After, load
// balancing, the circuit breaker, the outstanding-call window and the bad input it refuses. The
// server here is a scripted test kind that answers each arriving attempt as its script says, so
// each client rule is seen alone.
#include "callstatus.h"
#include "enginetest.h"
#include "nodes/common.h"
#include "nodes/rpc/callprotocol.h"

#include <QtTest>

#include <algorithm>
#include <map>

using namespace sb;
using sbtest::Json;
using sbtest::RecordingSink;

namespace {

// Answers the n-th attempt it receives (over all its links) with actions[n] (the last one
// repeats): "OK", a status key ("UNAVAILABLE", "503"), "none" (never answers), each optionally
// followed by "@<duration>" (answer after that long; default at once).
class ScriptServer final : public Node {
public:
    explicit ScriptServer(const NodeSetup &s)
    {
        for (const auto &a : s.properties.stringList("actions")) {
            Action act;
            const auto at = a.find('@');
            const std::string what = a.substr(0, at);
            act.silent = what == "none";
            if (!act.silent) act.status = *statusFromKey(what == "OK" ? "OK" : what);
            if (at != std::string::npos) act.delay = *parseDuration(a.substr(at + 1));
            m_actions.push_back(act);
        }
        m_retryAfter = s.properties.string("retryAfter");
    }
    void onFrame(NodeContext &ctx, LinkIndex link, Frame &f) override
    {
        if (f.type != FrameType::Request) return;
        TraceEvent e = messageEvent(TraceKind::Execute, f.message.get());
        e.deliveryCount = f.deliveryCount;
        ctx.trace(e);
        const Action &a = m_actions[std::min(m_seen++, m_actions.size() - 1)];
        if (a.silent) return;
        Pending p{link, f.tag, f.deliveryCount, a.status, f.message};
        if (a.delay == 0) {
            reply(ctx, p);
            return;
        }
        m_pending[m_nextTimer] = p;
        ctx.startTimer(a.delay, m_nextTimer++);
    }
    void onTimer(NodeContext &ctx, std::uint64_t tag) override
    {
        auto it = m_pending.find(tag);
        reply(ctx, it->second);
        m_pending.erase(it);
    }

private:
    struct Action {
        std::uint16_t status = 0;
        SimTime delay = 0;
        bool silent = false;
    };
    struct Pending {
        LinkIndex link;
        std::uint64_t tag;
        std::uint32_t attempt;
        std::uint16_t status;
        MessageRef request;
    };
    void reply(NodeContext &ctx, const Pending &p)
    {
        auto m = std::make_shared<Message>();
        m->id = ctx.newMessageId();
        m->correlationId = p.request->correlationId;
        m->routingKey = p.request->routingKey;
        if (!m_retryAfter.empty() && (p.status == 503 || p.status == 429))
            m->headers.push_back({std::string(rpc::kRetryAfter), m_retryAfter});
        Frame f;
        f.type = FrameType::Reply;
        f.tag = p.tag;
        f.status = p.status;
        f.deliveryCount = p.attempt;
        f.message = std::move(m);
        ctx.send(p.link, std::move(f));
    }
    std::vector<Action> m_actions;
    std::size_t m_seen = 0;
    std::string m_retryAfter;
    std::map<std::uint64_t, Pending> m_pending;
    std::uint64_t m_nextTimer = 1;
};

const KindRegistry &testRegistry()
{
    static const KindRegistry reg = [] {
        KindRegistry r = KindRegistry::builtin();
        NodeKindSpec k;
        k.kind = "script-server";
        k.label = "Script server";
        k.category = "Test";
        k.help = "Answers attempts as scripted.";
        k.ports = {{"in", PortDirection::In, Protocol::Call, true, "Clients."}};
        k.properties = {
            property("actions", "Actions", PropertyType::StringList, Json::array({"OK"}), "Script."),
            property("retryAfter", "Retry-After", PropertyType::String, "", "Seconds.")};
        k.factory = [](const NodeSetup &s) { return std::make_unique<ScriptServer>(s); };
        r.add(std::move(k));
        return r;
    }();
    return reg;
}

struct CallRun {
    std::unique_ptr<Simulation> sim;
    RecordingSink trace;
    std::vector<TraceEvent> of(TraceKind k) const
    {
        std::vector<TraceEvent> out;
        for (const auto &e : trace.events)
            if (e.kind == k) out.push_back(e);
        return out;
    }
    std::vector<TraceEvent> sends(FrameType f) const
    {
        std::vector<TraceEvent> out;
        for (const auto &e : trace.events)
            if (e.kind == TraceKind::Send && e.frame == f) out.push_back(e);
        return out;
    }
    NodeIndex index(const std::string &id) const
    {
        return static_cast<NodeIndex>(*sim->topology().nodeIndex(id));
    }
};

Topology clientServers(const std::string &clientKind, Json client, std::vector<Json> servers)
{
    Topology t;
    t.name = "calls";
    // Marshalling costs nothing here unless a test says otherwise, so times are round trips.
    if (client.is_object() && !client.contains("marshalFixed")) {
        client["marshalFixed"] = 0;
        client["marshalPerByte"] = 0;
    }
    t.nodes.push_back({"c", clientKind, "c", std::move(client), {}});
    for (std::size_t i = 0; i < servers.size(); ++i) {
        const std::string id = "s" + std::to_string(i + 1);
        t.nodes.push_back({id, "script-server", id, std::move(servers[i]), {}});
        LinkDef l;
        l.id = "c-" + id;
        l.from = "c";
        l.fromPort = "calls";
        l.to = id;
        l.toPort = "in";
        l.properties = {{"latency", "1ms"}};
        t.links.push_back(std::move(l));
    }
    return t;
}

std::unique_ptr<CallRun> runCalls(const Topology &t, SimTime until = 60 * kSecond)
{
    auto r = std::make_unique<CallRun>();
    std::string error;
    r->sim = Simulation::build(t, error, testRegistry());
    if (!r->sim) {
        qWarning("build failed: %s", error.c_str());
        return nullptr;
    }
    r->sim->addSink(&r->trace);
    RunOptions o;
    o.until = until;
    r->sim->run(o);
    return r;
}

Json oneCall(Json extra = Json::object())
{
    Json c = {{"count", 1}, {"rate", 1}};
    for (auto it = extra.begin(); it != extra.end(); ++it)
        c[it.key()] = it.value();
    return c;
}

} // namespace

class TestCallClient : public QObject {
    Q_OBJECT
private slots:
    void retries_data();
    void retries();
    void backoffBounds_data();
    void backoffBounds();
    void attemptTimeoutAndDeadline_data();
    void attemptTimeoutAndDeadline();
    void hedging();
    void hedgingNonFatalSendsNextAtOnce();
    void retryThrottling();
    void httpRetriesOnlyWhatIsSafe_data();
    void httpRetriesOnlyWhatIsSafe();
    void retryAfterIsHonoured();
    void loadBalancing_data();
    void loadBalancing();
    void circuitBreaker();
    void breakerProbeFailureReopens();
    void outstandingWindow_data();
    void outstandingWindow();
    void lateReplyIsCountedAndDropped();
    void idempotencyKeyIsTheSameOnEveryAttempt();
    void lostReplyFaultMakesTheRetryExecuteAgain();
    void streams_data();
    void streams();
    void badInput_data();
    void badInput();
};

// gRPC retryPolicy: an attempt failing with a retryable status is retried until maxAttempts;
// other statuses end the call at once.
void TestCallClient::retries_data()
{
    QTest::addColumn<QStringList>("actions");
    QTest::addColumn<QString>("policy");
    QTest::addColumn<int>("maxAttempts");
    QTest::addColumn<int>("attempts");
    QTest::addColumn<QString>("status");
    QTest::newRow("no policy: one attempt")
        << QStringList{"UNAVAILABLE", "OK"} << "none" << 3 << 1 << "UNAVAILABLE";
    QTest::newRow("retried to success")
        << QStringList{"UNAVAILABLE", "UNAVAILABLE", "OK"} << "retry" << 3 << 3 << "OK";
    QTest::newRow("attempts exhausted") << QStringList{"UNAVAILABLE"} << "retry" << 4 << 4 << "UNAVAILABLE";
    QTest::newRow("not retryable") << QStringList{"INTERNAL", "OK"} << "retry" << 3 << 1 << "INTERNAL";
    QTest::newRow("client error") << QStringList{"NOT_FOUND", "OK"} << "retry" << 5 << 1 << "NOT_FOUND";
    QTest::newRow("success at once") << QStringList{"OK"} << "retry" << 5 << 1 << "OK";
}

void TestCallClient::retries()
{
    QFETCH(QStringList, actions);
    QFETCH(QString, policy);
    QFETCH(int, maxAttempts);
    QFETCH(int, attempts);
    QFETCH(QString, status);
    Json acts = Json::array();
    for (const auto &a : actions)
        acts.push_back(a.toStdString());
    auto r = runCalls(clientServers("rpc-client",
                                    oneCall({{"retryPolicy", policy.toStdString()},
                                             {"maxAttempts", maxAttempts},
                                             {"initialBackoff", "10ms"}}),
                                    {{{"actions", acts}}}));
    QVERIFY(r);
    const auto done = r->of(TraceKind::Complete);
    QCOMPARE(done.size(), std::size_t{1});
    QCOMPARE(int(done[0].deliveryCount), attempts);
    QCOMPARE(QString::fromStdString(statusKey(done[0].status)), status);
    QCOMPARE(int(r->sends(FrameType::Request).size()), attempts);
    QCOMPARE(int(r->of(TraceKind::Retry).size()), attempts - 1);
    // Every attempt carries its number and the same call id.
    const auto reqs = r->sends(FrameType::Request);
    for (std::size_t i = 0; i < reqs.size(); ++i) {
        QCOMPARE(reqs[i].deliveryCount, std::uint32_t(i + 1));
        QCOMPARE(reqs[i].correlationId, done[0].correlationId);
    }
}

// gRFC A6: the n-th retry waits random(0, min(initial x multiplier^(n-1), max)); "equal" jitter
// waits at least half of that, "none" exactly that.
void TestCallClient::backoffBounds_data()
{
    QTest::addColumn<QString>("jitter");
    QTest::addColumn<double>("multiplier");
    QTest::newRow("full x2") << "full" << 2.0;
    QTest::newRow("full x3") << "full" << 3.0;
    QTest::newRow("equal x2") << "equal" << 2.0;
    QTest::newRow("none x2") << "none" << 2.0;
}

void TestCallClient::backoffBounds()
{
    QFETCH(QString, jitter);
    QFETCH(double, multiplier);
    const SimTime initial = 40 * kMillisecond, maxB = 200 * kMillisecond;
    auto r = runCalls(clientServers("rpc-client",
                                    {{"count", 30},
                                     {"rate", 1},
                                     {"retryPolicy", "retry"},
                                     {"maxAttempts", 5},
                                     {"initialBackoff", "40ms"},
                                     {"maxBackoff", "200ms"},
                                     {"backoffMultiplier", multiplier},
                                     {"jitter", jitter.toStdString()}},
                                    {{{"actions", Json::array({"UNAVAILABLE"})}}}),
                      120 * kSecond);
    QVERIFY(r);
    // The failure of attempt n reaches the client 2 ms after it was sent (1 ms each way); its
    // retry is sent after the backoff.
    std::map<std::uint64_t, SimTime> lastSend;
    int checked = 0;
    double sumRatio = 0;
    for (const auto &e : r->trace.events) {
        if (e.kind != TraceKind::Send || e.frame != FrameType::Request) continue;
        auto it = lastSend.find(e.correlationId);
        if (it != lastSend.end()) {
            const SimTime waited = e.time - it->second - 2 * kMillisecond;
            const double cap =
                std::min<double>(double(initial) * std::pow(multiplier, e.deliveryCount - 2), double(maxB));
            QVERIFY2(waited >= 0 && double(waited) <= cap + 1, qPrintable(QString::number(waited)));
            if (jitter == "equal") QVERIFY(double(waited) >= cap / 2 - 1);
            if (jitter == "none") QVERIFY(std::abs(double(waited) - cap) <= 1);
            sumRatio += double(waited) / cap;
            ++checked;
        }
        lastSend[e.correlationId] = e.time;
    }
    QCOMPARE(checked, 30 * 4);
    // Full jitter spreads the waits over the whole range: their mean ratio is near 1/2.
    if (jitter == "full")
        QVERIFY2(sumRatio / checked > 0.35 && sumRatio / checked < 0.65,
                 qPrintable(QString::number(sumRatio / checked)));
}

// An attempt timeout fails one attempt (UNAVAILABLE, retryable); the deadline ends the whole call.
void TestCallClient::attemptTimeoutAndDeadline_data()
{
    QTest::addColumn<QString>("attemptTimeout");
    QTest::addColumn<QString>("deadline");
    QTest::addColumn<QString>("policy");
    QTest::addColumn<int>("attempts");
    QTest::addColumn<QString>("status");
    QTest::addColumn<double>("latencyMs");
    QTest::newRow("deadline only") << "0"
                                   << "300ms"
                                   << "retry" << 1 << "DEADLINE_EXCEEDED" << 300.0;
    QTest::newRow("attempt timeouts, no deadline") << "100ms"
                                                   << "0"
                                                   << "retry" << 3 << "UNAVAILABLE" << -1.0;
    QTest::newRow("deadline cuts the retries") << "100ms"
                                               << "250ms"
                                               << "retry" << 3 << "DEADLINE_EXCEEDED" << 250.0;
    QTest::newRow("no policy: one timeout") << "100ms"
                                            << "0"
                                            << "none" << 1 << "UNAVAILABLE" << 100.0;
}

void TestCallClient::attemptTimeoutAndDeadline()
{
    QFETCH(QString, attemptTimeout);
    QFETCH(QString, deadline);
    QFETCH(QString, policy);
    QFETCH(int, attempts);
    QFETCH(QString, status);
    QFETCH(double, latencyMs);
    auto r = runCalls(clientServers("rpc-client",
                                    oneCall({{"attemptTimeout", attemptTimeout.toStdString()},
                                             {"deadline", deadline.toStdString()},
                                             {"retryPolicy", policy.toStdString()},
                                             {"maxAttempts", 3},
                                             {"initialBackoff", "1ms"},
                                             {"maxBackoff", "1ms"}}),
                                    {{{"actions", Json::array({"none"})}}}));
    QVERIFY(r);
    const auto done = r->of(TraceKind::Complete);
    QCOMPARE(done.size(), std::size_t{1});
    QCOMPARE(QString::fromStdString(statusKey(done[0].status)), status);
    QCOMPARE(int(done[0].deliveryCount), attempts);
    if (latencyMs >= 0) QCOMPARE(double(done[0].aux) / kMillisecond, latencyMs);
    // Every abandoned attempt is cancelled at the server (RST_STREAM), none left waiting.
    QCOMPARE(int(r->sends(FrameType::Cancel).size()), attempts);
    QCOMPARE(r->sim->nodeStatus(r->index("c")).inFlight, std::uint64_t{0});
}

// gRPC hedging: a second attempt goes out after the hedging delay; the first answer wins and the
// other attempt is cancelled.
void TestCallClient::hedging()
{
    auto r = runCalls(clientServers(
        "rpc-client", oneCall({{"retryPolicy", "hedge"}, {"maxAttempts", 3}, {"hedgingDelay", "20ms"}}),
        {{{"actions", Json::array({"OK@100ms", "OK@5ms"})}}}));
    QVERIFY(r);
    const auto done = r->of(TraceKind::Complete);
    QCOMPARE(done.size(), std::size_t{1});
    QCOMPARE(done[0].status, Grpc::Ok);
    QCOMPARE(int(done[0].deliveryCount), 2);
    QCOMPARE(r->of(TraceKind::Hedge).size(), std::size_t{1});
    // Sent at 20 ms, answered 5 ms after arriving: 1 + 5 + 1 ms later.
    QCOMPARE(done[0].aux, 27 * kMillisecond);
    QCOMPARE(r->sends(FrameType::Cancel).size(), std::size_t{1});
    // The first attempt's reply arrives late and is dropped as an unknown correlation.
    QCOMPARE(r->trace.count(TraceKind::Drop, DropReason::UnknownCorrelation), std::size_t{1});
}

void TestCallClient::hedgingNonFatalSendsNextAtOnce()
{
    auto r = runCalls(clientServers(
        "rpc-client", oneCall({{"retryPolicy", "hedge"}, {"maxAttempts", 3}, {"hedgingDelay", "1s"}}),
        {{{"actions", Json::array({"UNAVAILABLE", "UNAVAILABLE", "OK"})}}}));
    QVERIFY(r);
    const auto done = r->of(TraceKind::Complete);
    QCOMPARE(done[0].status, Grpc::Ok);
    QCOMPARE(int(done[0].deliveryCount), 3);
    // No waiting for the hedging delay: 3 round trips of 2 ms.
    QCOMPARE(done[0].aux, 6 * kMillisecond);
}

// gRPC retry throttling: with maxTokens 4 a failure takes 1, and retries stop once at most 2 are
// left, so after two failed attempts no call is retried until successes refill the bucket.
void TestCallClient::retryThrottling()
{
    auto r = runCalls(clientServers("rpc-client",
                                    {{"count", 5},
                                     {"rate", 10},
                                     {"retryPolicy", "retry"},
                                     {"maxAttempts", 5},
                                     {"initialBackoff", "1ms"},
                                     {"maxBackoff", "1ms"},
                                     {"throttleMaxTokens", 4}},
                                    {{{"actions", Json::array({"UNAVAILABLE"})}}}));
    QVERIFY(r);
    const auto done = r->of(TraceKind::Complete);
    QCOMPARE(done.size(), std::size_t{5});
    // First call: attempt 1 fails (4 -> 3, retry allowed), attempt 2 fails (3 -> 2: not above
    // half) and the call ends. Every later call: one attempt.
    QCOMPARE(int(done[0].deliveryCount), 2);
    for (std::size_t i = 1; i < done.size(); ++i)
        QCOMPARE(int(done[i].deliveryCount), 1);
}

// RFC 9110: GET, PUT, DELETE are idempotent and retried; POST only with an Idempotency-Key, or
// when the client is told to retry unsafe requests.
void TestCallClient::httpRetriesOnlyWhatIsSafe_data()
{
    QTest::addColumn<QString>("method");
    QTest::addColumn<bool>("keys");
    QTest::addColumn<bool>("unsafe");
    QTest::addColumn<int>("attempts");
    QTest::newRow("GET") << "GET /orders" << false << false << 3;
    QTest::newRow("PUT") << "PUT /orders/1" << false << false << 3;
    QTest::newRow("DELETE") << "DELETE /orders/1" << false << false << 3;
    QTest::newRow("POST") << "POST /orders" << false << false << 1;
    QTest::newRow("PATCH") << "PATCH /orders/1" << false << false << 1;
    QTest::newRow("POST with Idempotency-Key") << "POST /orders" << true << false << 3;
    QTest::newRow("POST retried unsafely") << "POST /orders" << false << true << 3;
}

void TestCallClient::httpRetriesOnlyWhatIsSafe()
{
    QFETCH(QString, method);
    QFETCH(bool, keys);
    QFETCH(bool, unsafe);
    QFETCH(int, attempts);
    auto r = runCalls(clientServers("http-client",
                                    oneCall({{"methods", Json::array({method.toStdString()})},
                                             {"retryPolicy", "retry"},
                                             {"maxAttempts", 3},
                                             {"initialBackoff", "1ms"},
                                             {"idempotencyKeys", keys},
                                             {"retryUnsafe", unsafe}}),
                                    {{{"actions", Json::array({"503", "503", "200"})}}}));
    QVERIFY(r);
    const auto done = r->of(TraceKind::Complete);
    QCOMPARE(int(done[0].deliveryCount), attempts);
    QCOMPARE(done[0].status, std::uint16_t(attempts == 3 ? 200 : 503));
}

// A 503 with Retry-After: 2 makes the client wait at least 2 s before retrying.
void TestCallClient::retryAfterIsHonoured()
{
    for (bool honour : {true, false}) {
        auto r = runCalls(clientServers("http-client",
                                        oneCall({{"retryPolicy", "retry"},
                                                 {"maxAttempts", 2},
                                                 {"initialBackoff", "10ms"},
                                                 {"honorRetryAfter", honour}}),
                                        {{{"actions", Json::array({"503", "200"})}, {"retryAfter", "2"}}}));
        QVERIFY(r);
        const auto reqs = r->sends(FrameType::Request);
        QCOMPARE(reqs.size(), std::size_t{2});
        const SimTime gap = reqs[1].time - reqs[0].time;
        if (honour)
            QVERIFY(gap >= 2 * kSecond);
        else
            QVERIFY(gap <= 12 * kMillisecond);
    }
}

// Attempts per server for pick-first, round-robin and least-outstanding (one slow server).
void TestCallClient::loadBalancing_data()
{
    QTest::addColumn<QString>("policy");
    QTest::addColumn<QList<int>>("expected");
    QTest::newRow("pick-first") << "pick-first" << QList<int>{30, 0, 0};
    QTest::newRow("round-robin") << "round-robin" << QList<int>{10, 10, 10};
    QTest::newRow("least-outstanding") << "least-outstanding" << QList<int>{-1, -1, -1};
}

void TestCallClient::loadBalancing()
{
    QFETCH(QString, policy);
    QFETCH(QList<int>, expected);
    auto r = runCalls(clientServers("rpc-client",
                                    {{"count", 30}, {"rate", 100}, {"loadBalancing", policy.toStdString()}},
                                    {{{"actions", Json::array({"OK@500ms"})}},
                                     {{"actions", Json::array({"OK@2ms"})}},
                                     {{"actions", Json::array({"OK@2ms"})}}}));
    QVERIFY(r);
    std::vector<int> perServer(3, 0);
    for (const auto &e : r->sends(FrameType::Request))
        ++perServer[e.peer - r->index("s1")];
    if (expected[0] >= 0) {
        for (int i = 0; i < 3; ++i)
            QCOMPARE(perServer[i], expected[i]);
    } else {
        // The slow server keeps its first call outstanding, so it gets one; the fast ones the rest.
        QCOMPARE(perServer[0], 1);
        QCOMPARE(perServer[1] + perServer[2], 29);
    }
}

// Closed -> open after 3 consecutive failed calls; open calls fail at once without an attempt;
// after the open time one probe goes through (half-open) and its success closes the breaker.
void TestCallClient::circuitBreaker()
{
    auto r = runCalls(
        clientServers("rpc-client",
                      {{"count", 12},
                       {"rate", 10},
                       {"breakerThreshold", 3},
                       {"breakerOpenFor", "350ms"},
                       {"breakerProbes", 1}},
                      {{{"actions", Json::array({"UNAVAILABLE", "UNAVAILABLE", "UNAVAILABLE", "OK"})}}}));
    QVERIFY(r);
    const auto states = r->of(TraceKind::Breaker);
    QCOMPARE(states.size(), std::size_t{3});
    QCOMPARE(states[0].aux, std::int64_t{1}); // open after the third failure (t = 202 ms)
    QCOMPARE(states[1].aux, std::int64_t{2}); // half-open 350 ms later
    QCOMPARE(states[2].aux, std::int64_t{0}); // closed by the probe's success
    QCOMPARE(states[1].time - states[0].time, 350 * kMillisecond);
    const auto done = r->of(TraceKind::Complete);
    QCOMPARE(done.size(), std::size_t{12});
    int failedFast = 0;
    for (const auto &e : done)
        if (e.deliveryCount == 0) {
            ++failedFast;
            QCOMPARE(e.status, Grpc::Unavailable);
            QVERIFY(e.time > states[0].time && e.time < states[2].time);
        }
    // Calls at 300, 400, 500 ms find it open; the one at 600 ms is the probe.
    QCOMPARE(failedFast, 3);
    QCOMPARE(int(r->sends(FrameType::Request).size()), 12 - failedFast);
}

// A failed probe opens the breaker again for another open time; NOT_FOUND (the request's fault,
// not the server's) does not count towards the threshold.
void TestCallClient::breakerProbeFailureReopens()
{
    auto r = runCalls(clientServers(
        "rpc-client", {{"count", 10}, {"rate", 10}, {"breakerThreshold", 2}, {"breakerOpenFor", "250ms"}},
        {{{"actions", Json::array({"NOT_FOUND", "UNAVAILABLE", "UNAVAILABLE", "UNAVAILABLE", "OK"})}}}));
    QVERIFY(r);
    std::vector<std::int64_t> states;
    for (const auto &e : r->of(TraceKind::Breaker))
        states.push_back(e.aux);
    // Calls at 0 (NOT_FOUND), 100, 200 ms (UNAVAILABLE x2: open at 202), probe at 500 ms fails
    // (open again at 502), probe at 800 ms succeeds (closed).
    QCOMPARE(states, (std::vector<std::int64_t>{1, 2, 1, 2, 0}));
    const auto changes = r->of(TraceKind::Breaker);
    QCOMPARE(changes[0].time, 202 * kMillisecond);
    QCOMPARE(changes[2].time, 502 * kMillisecond);
    QCOMPARE(changes[4].time, 802 * kMillisecond);
}

// maxOutstanding 1 is synchronous request-reply: never two calls in flight; the window of N allows N.
void TestCallClient::outstandingWindow_data()
{
    QTest::addColumn<int>("window");
    QTest::addColumn<int>("peak");
    QTest::newRow("synchronous") << 1 << 1;
    QTest::newRow("window of 4") << 4 << 4;
    QTest::newRow("unlimited") << 0 << 20;
}

void TestCallClient::outstandingWindow()
{
    QFETCH(int, window);
    QFETCH(int, peak);
    auto r = runCalls(clientServers("rpc-client", {{"count", 20}, {"rate", 1000}, {"maxOutstanding", window}},
                                    {{{"actions", Json::array({"OK@50ms"})}}}));
    QVERIFY(r);
    int inFlight = 0, most = 0;
    for (const auto &e : r->trace.events) {
        if (e.kind == TraceKind::Send && e.frame == FrameType::Request) most = std::max(most, ++inFlight);
        if (e.kind == TraceKind::Complete) --inFlight;
    }
    QCOMPARE(most, peak);
    QCOMPARE(r->of(TraceKind::Complete).size(), std::size_t{20});
    // Latency runs from when the call was due, so waiting in the client's window counts.
    const auto done = r->of(TraceKind::Complete);
    if (window == 1) QVERIFY(done.back().aux > 19 * 50 * kMillisecond);
}

void TestCallClient::lateReplyIsCountedAndDropped()
{
    auto r = runCalls(clientServers("rpc-client", oneCall({{"deadline", "50ms"}}),
                                    {{{"actions", Json::array({"OK@100ms"})}}}));
    QVERIFY(r);
    QCOMPARE(r->of(TraceKind::Complete)[0].status, Grpc::DeadlineExceeded);
    QCOMPARE(r->trace.count(TraceKind::Drop, DropReason::UnknownCorrelation), std::size_t{1});
}

void TestCallClient::idempotencyKeyIsTheSameOnEveryAttempt()
{
    Topology t = clientServers(
        "rpc-client",
        oneCall({{"retryPolicy", "retry"}, {"initialBackoff", "1ms"}, {"idempotencyKeys", true}}),
        {{{"actions", Json::array({"UNAVAILABLE", "UNAVAILABLE", "OK"})}}});
    struct Keys final : TraceSink {
        void onEvent(const TraceEvent &) override {}
        void onMessage(const Message &m) override
        {
            if (auto *k = m.header(rpc::kIdempotencyKey)) keys.push_back(*k);
        }
        std::vector<std::string> keys;
    } keys;
    std::string error;
    auto sim = Simulation::build(t, error, testRegistry());
    QVERIFY(sim);
    sim->addSink(&keys);
    sim->run({});
    // One logical call, one request message announced, with one key.
    QCOMPARE(keys.keys.size(), std::size_t{1});
    QCOMPARE(keys.keys[0], std::string("c-1"));
}

// The partial failure, planned: a fault drops the first reply on its way back; the server had
// executed the call, the client times out and retries, and the server executes it again.
void TestCallClient::lostReplyFaultMakesTheRetryExecuteAgain()
{
    Topology t = clientServers(
        "rpc-client",
        oneCall({{"attemptTimeout", "50ms"}, {"retryPolicy", "retry"}, {"initialBackoff", "1ms"}}),
        {{{"actions", Json::array({"OK"})}}});
    FaultDef f;
    f.id = "lose-reply";
    f.kind = "drop-first";
    f.target = "c-s1";
    f.params = {{"count", 1}, {"frameType", "Reply"}};
    t.faults.push_back(f);
    auto r = runCalls(t);
    QVERIFY(r);
    QCOMPARE(r->of(TraceKind::Execute).size(), std::size_t{2});
    const auto done = r->of(TraceKind::Complete);
    QCOMPARE(done[0].status, Grpc::Ok);
    QCOMPARE(int(done[0].deliveryCount), 2);
    QCOMPARE(r->trace.count(TraceKind::Drop, DropReason::Injected), std::size_t{1});
}

// The four call types against a real rpc-server: who streams how many messages, the half-close,
// and flow control holding a client that streams more than a window (40 x 4 KiB > 65,535 bytes)
// to the server's pace (2 ms per message consumed).
void TestCallClient::streams_data()
{
    QTest::addColumn<QString>("type");
    QTest::addColumn<int>("fromClient");
    QTest::addColumn<int>("fromServer");
    QTest::addColumn<bool>("clientBlocked");
    QTest::newRow("unary") << "unary" << 0 << 0 << false;
    QTest::newRow("server streaming") << "server-streaming" << 0 << 40 << false;
    QTest::newRow("client streaming") << "client-streaming" << 40 << 0 << true;
    QTest::newRow("bidi streaming") << "bidi-streaming" << 40 << 40 << true;
}

void TestCallClient::streams()
{
    QFETCH(QString, type);
    QFETCH(int, fromClient);
    QFETCH(int, fromServer);
    QFETCH(bool, clientBlocked);
    Topology t = clientServers(
        "rpc-client",
        oneCall({{"callType", type.toStdString()}, {"streamItems", 40}, {"streamItemSize", 4096}}), {});
    t.nodes.push_back({"s",
                       "rpc-server",
                       "s",
                       {{"serviceTime", "1ms"}, {"itemInterval", "1ms"}, {"itemProcessing", "2ms"}},
                       {}});
    t.links.push_back({"c-s", "c", "calls", "s", "in", {{"latency", "1ms"}}});
    auto r = runCalls(t);
    QVERIFY(r);
    const auto done = r->of(TraceKind::Complete);
    QCOMPARE(done.size(), std::size_t{1});
    QCOMPARE(done[0].status, Grpc::Ok);
    int up = 0, down = 0;
    for (const auto &e : r->sends(FrameType::StreamData))
        (e.node == r->index("c") ? up : down) += 1;
    QCOMPARE(up, fromClient);
    QCOMPARE(down, fromServer);
    QCOMPARE(int(r->sends(FrameType::HalfClose).size()), fromClient > 0 ? 1 : 0);
    QCOMPARE(r->trace.countAt(TraceKind::Block, r->index("c")) > 0, clientBlocked);
    QCOMPARE(r->trace.countAt(TraceKind::Block, r->index("c")),
             r->trace.countAt(TraceKind::Unblock, r->index("c")));
    // Every message consumed gives its bytes back to the sender's window.
    QCOMPARE(int(r->sends(FrameType::WindowUpdate).size()), fromClient + fromServer);
    if (clientBlocked) QVERIFY(done[0].aux >= 40 * 2 * kMillisecond);
}

void TestCallClient::badInput_data()
{
    QTest::addColumn<QString>("kind");
    QTest::addColumn<QString>("props");
    QTest::addColumn<bool>("connected");
    QTest::addColumn<QString>("path");
    QTest::addColumn<QString>("reason");
    QTest::newRow("negative deadline") << "rpc-client"
                                       << R"({"deadline": -5})" << true << "$.nodes[0].properties.deadline"
                                       << "deadline";
    QTest::newRow("retry without retryable codes")
        << "rpc-client"
        << R"({"retryPolicy": "retry", "retryableStatusCodes": []})" << true
        << "$.nodes[0].properties.retryableStatusCodes"
        << "at least one retryable status code";
    QTest::newRow("unknown status name") << "rpc-client"
                                         << R"({"retryableStatusCodes": ["UNAVAILBLE"]})" << true
                                         << "$.nodes[0].properties.retryableStatusCodes"
                                         << "gRPC status code";
    QTest::newRow("gRPC caps attempts at 5")
        << "rpc-client"
        << R"({"maxAttempts": 6})" << true << "$.nodes[0].properties.maxAttempts"
        << "maxAttempts";
    QTest::newRow("http method without a verb")
        << "http-client"
        << R"({"methods": ["/orders"]})" << true << "$.nodes[0].properties.methods"
        << "GET /orders";
    QTest::newRow("Thrift has no streaming calls")
        << "rpc-client"
        << R"({"protocol": "thrift", "callType": "server-streaming"})" << true
        << "$.nodes[0].properties.callType"
        << "Apache Thrift has no streaming calls";
    QTest::newRow("client with no server") << "rpc-client"
                                           << "{}" << false << "$.nodes[0]"
                                           << "\"calls\" is not connected";
}

void TestCallClient::badInput()
{
    QFETCH(QString, kind);
    QFETCH(QString, props);
    QFETCH(bool, connected);
    QFETCH(QString, path);
    QFETCH(QString, reason);
    Topology t = clientServers(kind.toStdString(), Json::parse(props.toStdString()), {});
    if (connected) {
        t.nodes.push_back({"s", "rpc-server", "s", Json::object(), {}});
        t.links.push_back({"l", "c", "calls", "s", "in", Json::object()});
    }
    const auto diags = validateTopology(t, testRegistry());
    bool found = false;
    QString all;
    for (const auto &d : diags) {
        all += QString::fromStdString(d.toString()) + "\n";
        if (d.severity == Diagnostic::Severity::Error && QString::fromStdString(d.path) == path &&
            QString::fromStdString(d.message).contains(reason) &&
            QString::fromStdString(d.message).contains("\"c\""))
            found = true;
    }
    QVERIFY2(found, qPrintable(all));
    std::string error;
    QVERIFY(!Simulation::build(t, error, testRegistry()));
}

QTEST_GUILESS_MAIN(TestCallClient)
#include "tst_callclient.moc"
