// The bundled request-reply, RPC, HTTP and client-server examples show what they exist to show.
#include "callstatus.h"
#include "enginetest.h"
#include "nodes/rpc/wireformat.h"

#include <QtTest>

#include <algorithm>
#include <cmath>
#include <map>

using namespace sb;
using namespace sbtest;

namespace {

// Executions per call at one server, by call id.
std::map<std::uint64_t, int> executions(const Run &r, const std::string &server)
{
    std::map<std::uint64_t, int> n;
    for (const auto &e : r.trace.events)
        if (e.kind == TraceKind::Execute && e.node == r.index(server)) ++n[e.correlationId];
    return n;
}

int executedTwice(const Run &r, const std::string &server)
{
    int twice = 0;
    for (const auto &[call, times] : executions(r, server))
        twice += times >= 2;
    return twice;
}

std::vector<TraceEvent> completes(const Run &r, const std::string &client)
{
    std::vector<TraceEvent> out;
    for (const auto &e : r.trace.events)
        if (e.kind == TraceKind::Complete && e.node == r.index(client)) out.push_back(e);
    return out;
}

SimTime percentile(std::vector<TraceEvent> done, double q)
{
    if (done.empty()) return 0;
    std::sort(done.begin(), done.end(), [](const auto &a, const auto &b) { return a.aux < b.aux; });
    return done[std::min(done.size() - 1, std::size_t(q * double(done.size())))].aux;
}

int withStatus(const std::vector<TraceEvent> &done, std::uint16_t status)
{
    return int(std::count_if(done.begin(), done.end(), [&](const auto &e) { return e.status == status; }));
}

} // namespace

class TestRpcExamples : public QObject {
    Q_OBJECT
private slots:
    void asyncRequestReplyKeepsUp();
    void idempotencyStoreExecutesOnce();
    void flowControlHoldsTheServer();
    void unsafeRetriesExecuteTwice();
    void overloadRejectsWhenTheQueueIsFull();
    void closedLoopHidesTheStalls();
    void rpcAsLocalCallBrokenAndFixed();
    void propagatedDeadlinesShedWork();
    void thriftProtocolsOverALimitedLink();
};

void TestRpcExamples::asyncRequestReplyKeepsUp()
{
    auto r = runExample("sync-vs-async-request-reply.json");
    QVERIFY(r);
    const auto sync = completes(*r, "sync"), async = completes(*r, "async");
    QCOMPARE(sync.size(), std::size_t{400});
    QCOMPARE(async.size(), std::size_t{400});
    QCOMPARE(withStatus(async, Grpc::Ok), 400);
    // The synchronous requester cannot keep up: calls wait in it until their deadline.
    QVERIFY(withStatus(sync, Grpc::DeadlineExceeded) > 50);
    QVERIFY(percentile(async, 0.5) * 5 < percentile(sync, 0.5));
    // Replies come back out of order: some call completes before one started earlier.
    bool outOfOrder = false;
    for (std::size_t i = 1; i < async.size() && !outOfOrder; ++i)
        outOfOrder = async[i].correlationId < async[i - 1].correlationId;
    QVERIFY(outOfOrder);
    // Never two requests of the synchronous requester on the wire at once.
    int inFlight = 0, peak = 0;
    for (const auto &e : r->trace.events) {
        if (e.node != r->index("sync")) continue;
        if (e.kind == TraceKind::Send && e.frame == FrameType::Request) peak = std::max(peak, ++inFlight);
        if (e.kind == TraceKind::Complete && e.deliveryCount > 0) --inFlight;
    }
    QCOMPARE(peak, 1);
}

void TestRpcExamples::idempotencyStoreExecutesOnce()
{
    auto r = runExample("grpc-retries-idempotency.json");
    QVERIFY(r);
    QVERIFY(executedTwice(*r, "orders") > 0);
    QCOMPARE(executedTwice(*r, "orders-idem"), 0);
    QVERIFY(r->trace.countAt(TraceKind::Dedupe, r->index("orders-idem")) > 0);
    // Retries happened on both sides: the difference is the store, not luck.
    QVERIFY(r->trace.countAt(TraceKind::Retry, r->index("client")) > 10);
    QVERIFY(r->trace.countAt(TraceKind::Retry, r->index("client-keys")) > 10);
    // Most calls still succeed despite 10% loss each way.
    QVERIFY(withStatus(completes(*r, "client-keys"), Grpc::Ok) > 280);
}

void TestRpcExamples::flowControlHoldsTheServer()
{
    auto r = runExample("grpc-server-streaming.json");
    QVERIFY(r);
    int slowBlocks = 0, fastBlocks = 0;
    for (const auto &e : r->trace.events)
        if (e.kind == TraceKind::Block && e.node == r->index("feed")) {
            slowBlocks += e.peer == r->index("slow");
            fastBlocks += e.peer == r->index("fast");
        }
    QVERIFY(slowBlocks > 0);
    QCOMPARE(fastBlocks, 0);
    for (const auto &e : completes(*r, "slow")) {
        QCOMPARE(e.status, Grpc::Ok);
        QVERIFY(e.aux >= 200 * 5 * kMillisecond);
    }
    for (const auto &e : completes(*r, "fast")) {
        QCOMPARE(e.status, Grpc::Ok);
        QVERIFY(e.aux < 400 * kMillisecond);
    }
    QCOMPARE(completes(*r, "slow").size(), std::size_t{3});
}

void TestRpcExamples::unsafeRetriesExecuteTwice()
{
    auto r = runExample("rest-safe-and-unsafe-retries.json");
    QVERIFY(r);
    QVERIFY(executedTwice(*r, "orders") > 0);
    QCOMPARE(executedTwice(*r, "orders-keyed"), 0);
    QVERIFY(r->trace.countAt(TraceKind::Retry, r->index("reader")) > 0);
    QVERIFY(r->trace.countAt(TraceKind::Retry, r->index("keyed")) > 0);
    const auto posts = completes(*r, "keyed");
    QVERIFY(withStatus(posts, 201) > 180);
}

void TestRpcExamples::overloadRejectsWhenTheQueueIsFull()
{
    auto r = runExample("client-server-overload.json");
    QVERIFY(r);
    std::vector<TraceEvent> phase1, phase3;
    int rejectedEarly = 0, rejectedLate = 0;
    for (const auto &e : r->trace.events) {
        if (e.kind != TraceKind::Complete) continue;
        if (e.time < 4 * kSecond) {
            phase1.push_back(e);
            rejectedEarly += e.status == 503;
        } else if (e.time >= 8 * kSecond) {
            phase3.push_back(e);
            rejectedLate += e.status == 503;
        }
    }
    QCOMPARE(rejectedEarly, 0);
    QVERIFY(rejectedLate > 50);
    QVERIFY(percentile(phase3, 0.5) > 3 * percentile(phase1, 0.5));
}

void TestRpcExamples::closedLoopHidesTheStalls()
{
    auto r = runExample("open-vs-closed-loop.json");
    QVERIFY(r);
    const auto open = completes(*r, "open"), closed = completes(*r, "closed");
    QVERIFY(open.size() > 400 && closed.size() > 300);
    // Five stalls of 500 ms: the open loop records every request due in them; the closed loop
    // records one per stall.
    QVERIFY(percentile(open, 0.95) > 100 * kMillisecond);
    QVERIFY(percentile(closed, 0.95) < 20 * kMillisecond);
    auto slow = [](const std::vector<TraceEvent> &d) {
        return std::count_if(d.begin(), d.end(), [](const auto &e) { return e.aux > 100 * kMillisecond; });
    };
    QVERIFY(slow(closed) <= 5);
    QVERIFY(slow(open) > 10 * slow(closed));
}

void TestRpcExamples::rpcAsLocalCallBrokenAndFixed()
{
    auto broken = runExample("rpc-as-local-call-broken.json");
    auto fixed = runExample("rpc-as-local-call-fixed.json");
    QVERIFY(broken && fixed);
    QVERIFY(executedTwice(*broken, "payments") > 0);
    QCOMPARE(executedTwice(*fixed, "payments"), 0);
    auto attempts = [](const Run &r) {
        std::uint64_t n = 0;
        for (const auto &e : r.trace.events)
            n += e.kind == TraceKind::Send && e.frame == FrameType::Request;
        return n;
    };
    // The retry storm: the naive client sends far more attempts for the same calls.
    QVERIFY(attempts(*broken) > attempts(*fixed) * 3 / 2);
    const auto b = completes(*broken, "checkout"), f = completes(*fixed, "checkout");
    QCOMPARE(b.size(), f.size());
    // The naive server is still busy with abandoned work long after the stall.
    auto lastExecute = [](const Run &r) {
        SimTime t = 0;
        for (const auto &e : r.trace.events)
            if (e.kind == TraceKind::Execute) t = e.time;
        return t;
    };
    QVERIFY(lastExecute(*broken) > lastExecute(*fixed));
}

void TestRpcExamples::propagatedDeadlinesShedWork()
{
    auto r = runExample("deadline-propagation.json");
    QVERIFY(r);
    const auto propagated = completes(*r, "client"), fresh = completes(*r, "client-2");
    QCOMPARE(propagated.size(), fresh.size());
    // With the deadline propagated the inventory service gives up work nobody waits for and keeps
    // up; in a fresh context it works through a growing backlog and most calls miss their deadline.
    QVERIFY(withStatus(propagated, Grpc::Ok) > 3 * withStatus(fresh, Grpc::Ok));
    QVERIFY(r->trace.countAt(TraceKind::Cancel, r->index("inventory")) > 0);
    QCOMPARE(r->trace.countAt(TraceKind::Cancel, r->index("inventory-2")), std::size_t{0});
    // Each gateway call made one downstream call, tied to its parent by the Call event's aux.
    std::map<std::uint64_t, int> parents;
    for (const auto &e : r->trace.events)
        if (e.kind == TraceKind::Call && e.node == r->index("gateway")) ++parents[std::uint64_t(e.aux)];
    QCOMPARE(parents.size(), propagated.size());
    for (const auto &e : propagated)
        QCOMPARE(parents[e.correlationId], 1);
}

// Four clients call the same service over 1 Mbit/s links, one per encoding: Thrift's compact,
// binary and JSON protocols, and gRPC's protobuf. The bigger the encoding, the longer each reply
// holds the link, the longer replies queue, the slower the calls; JSON needs more than the link
// has and misses its deadline, and Thrift, which carries no deadline and sends no cancel, still
// executes and replies to every call.
void TestRpcExamples::thriftProtocolsOverALimitedLink()
{
    auto r = runExample("thrift-wire-formats.json");
    QVERIFY(r);
    const std::vector<std::string> variants = {"grpc", "compact", "binary", "json"};
    const std::vector<std::string> formats = {"protobuf", "thrift-compact", "thrift-binary", "json"};
    const SimTime latency = 5 * kMillisecond;
    const double bytesPerSecond = 125000;
    const std::uint32_t responseSize = 4096;
    std::map<std::string, SimTime> p50, fastestReply, linkDelay;
    std::map<std::string, int> missed;
    for (std::size_t i = 0; i < variants.size(); ++i) {
        const std::string &v = variants[i];
        const auto done = completes(*r, v + "-client");
        QCOMPARE(done.size(), std::size_t{320});
        p50[v] = percentile(done, 0.5);
        missed[v] = withStatus(done, Grpc::DeadlineExceeded);
        // A reply's time on its link (Send's aux is its arrival): latency, then waiting behind the
        // replies before it, then its size / bandwidth. The fastest found the link idle.
        SimTime fastest = kNever, total = 0;
        int replies = 0;
        for (const auto &e : r->trace.events)
            if (e.kind == TraceKind::Send && e.frame == FrameType::Reply &&
                e.node == r->index(v + "-server")) {
                fastest = std::min(fastest, SimTime(e.aux) - e.time);
                total += SimTime(e.aux) - e.time;
                ++replies;
            }
        QCOMPARE(replies, 320);
        fastestReply[v] = fastest;
        linkDelay[v] = total / replies;
        // Bytes on the wire, measured by the link: the encoded reply plus the link's 64 bytes of
        // framing, as the format's size factor says.
        const double measured = double(fastest - latency) / double(kSecond) * bytesPerSecond;
        const double expected = rpc::wireBytes(rpc::wireFormat(formats[i]), responseSize) + 64.0;
        QVERIFY2(std::abs(measured - expected) < 1.0,
                 qPrintable(QString("%1: %2 bytes on the wire, expected %3")
                                .arg(QString::fromStdString(v))
                                .arg(measured)
                                .arg(expected)));
    }
    // Bigger encodings take the link longer, queue longer, and make slower calls.
    QVERIFY(fastestReply["grpc"] < fastestReply["compact"]);
    QVERIFY(fastestReply["compact"] < fastestReply["binary"]);
    QVERIFY(fastestReply["binary"] < fastestReply["json"]);
    QVERIFY(linkDelay["compact"] < linkDelay["binary"]);
    QVERIFY(linkDelay["binary"] * 3 < linkDelay["json"]);
    QVERIFY(p50["compact"] < p50["binary"]);
    QVERIFY(p50["grpc"] < p50["binary"]);
    QVERIFY(p50["binary"] < p50["json"]);
    // Protobuf and TCompactProtocol are within 5% of each other on the wire: their calls are alike.
    QVERIFY(p50["compact"] < p50["grpc"] * 3 / 2 && p50["grpc"] < p50["compact"] * 3 / 2);
    // JSON needs more than the link has: its queue grows until calls miss the 1 s timeout; the
    // compact encodings never come near it.
    QCOMPARE(missed["grpc"], 0);
    QCOMPARE(missed["compact"], 0);
    QVERIFY(missed["json"] > 160);
    // Thrift sends no deadline and no cancel: the JSON server executes every call and replies to
    // each (the late replies), so the link stays full of answers nobody waits for.
    QCOMPARE(r->trace.countAt(TraceKind::Execute, r->index("json-server")), std::size_t{320});
    QCOMPARE(r->trace.countAt(TraceKind::Cancel, r->index("json-server")), std::size_t{0});
    for (const auto &e : r->trace.events)
        QVERIFY(!(e.kind == TraceKind::Send && e.frame == FrameType::Cancel &&
                  e.node == r->index("json-client")));
}

QTEST_GUILESS_MAIN(TestRpcExamples)
#include "tst_rpcexamples.moc"
