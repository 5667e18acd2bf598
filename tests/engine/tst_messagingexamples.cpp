// The bundled message-passing and request-reply examples show what they exist to show.
#include "callstatus.h"
#include "enginetest.h"

#include <map>
#include <set>

using namespace sb;
using namespace sbtest;

namespace {

struct Sender {
    SimTime lastConfirm = 0;
    double meanSendLatencyMs = 0; // publish to confirm
    SimTime blocked = 0;          // all blocked spans together
    std::size_t blocks = 0;
};

Sender senderFigures(const Run &r, const std::string &node)
{
    Sender s;
    std::map<std::uint64_t, SimTime> published;
    std::size_t confirms = 0;
    double total = 0;
    for (const auto &e : r.trace.events) {
        if (e.node != r.index(node)) continue;
        if (e.kind == TraceKind::Publish) published[e.messageId] = e.time;
        if (e.kind == TraceKind::Confirm) {
            s.lastConfirm = e.time;
            total += toMilliseconds(e.time - published.at(e.messageId));
            ++confirms;
        }
        if (e.kind == TraceKind::Block) ++s.blocks;
        if (e.kind == TraceKind::Unblock) s.blocked += e.aux;
    }
    s.meanSendLatencyMs = confirms ? total / double(confirms) : 0;
    return s;
}

// Call ids per client, the statuses they completed with, and the replies each dropped.
struct Client {
    std::set<std::uint64_t> calls;
    std::map<std::uint64_t, std::uint16_t> status;
    std::vector<std::uint64_t> completionOrder;
    std::vector<std::uint64_t> unknownReplies; // correlation ids
};

std::map<std::string, Client> clients(const Run &r, std::initializer_list<const char *> ids)
{
    std::map<std::string, Client> out;
    for (const char *id : ids) {
        Client &c = out[id];
        for (const auto &e : r.trace.events) {
            if (e.node != r.index(id)) continue;
            if (e.kind == TraceKind::Call) c.calls.insert(e.correlationId);
            if (e.kind == TraceKind::Complete) {
                c.status[e.correlationId] = e.status;
                c.completionOrder.push_back(e.correlationId);
            }
            if (e.kind == TraceKind::Drop && e.reason == DropReason::UnknownCorrelation)
                c.unknownReplies.push_back(e.correlationId);
        }
    }
    return out;
}

} // namespace

class TestMessagingExamples : public QObject {
    Q_OBJECT
private slots:
    void synchronousSenderWaitsForItsReceiver();
    void rpcRepliesSortedByCorrelationId();
    void headersExchangeRoutesByHeaders();
    void contentBasedRoutingBySeedsExpression();
};

void TestMessagingExamples::synchronousSenderWaitsForItsReceiver()
{
    auto r = runExample("message-passing-sync-vs-async.json");
    QVERIFY(r);
    const Sender sync = senderFigures(*r, "sender-sync"), buffered = senderFigures(*r, "sender-async");
    // The asynchronous sender is done once its last message is due (990 ms) and through: it never
    // waits. The synchronous one goes at its receiver's pace, five times slower.
    QCOMPARE(buffered.lastConfirm, 992 * kMillisecond);
    QCOMPARE(buffered.blocks, std::size_t(0));
    QVERIFY2(sync.lastConfirm > 5 * buffered.lastConfirm, QByteArray::number(qlonglong(sync.lastConfirm)));
    QVERIFY(sync.blocks > 90);
    QVERIFY2(sync.blocked > 4 * kSecond, QByteArray::number(qlonglong(sync.blocked)));
    QCOMPARE(buffered.meanSendLatencyMs, 2.0);
    QVERIFY2(sync.meanSendLatencyMs > 1000, QByteArray::number(sync.meanSendLatencyMs));
    // The waiting moved into the asynchronous channel's buffer...
    QVERIFY(r->node("async").maxDepth > 70);
    QCOMPARE(r->node("sync").enqueued, std::uint64_t(0));
    // ...not away: both receivers took everything, at the same pace.
    QCOMPARE(r->node("receiver-sync").processed, std::uint64_t(100));
    QCOMPARE(r->node("receiver-async").processed, std::uint64_t(100));
    QCOMPARE(r->report().pending, std::uint64_t(0));
    QCOMPARE(r->report().lost, std::uint64_t(0));
}

void TestMessagingExamples::rpcRepliesSortedByCorrelationId()
{
    auto r = runExample("rpc-over-rabbitmq.json");
    QVERIFY(r);
    auto c = clients(*r, {"client-a", "client-b", "client-c", "client-d"});
    for (auto &[id, client] : c)
        QCOMPARE(client.status.size(), client.calls.size()); // every call ended
    // The asynchronous client's replies come back out of order and still complete their calls.
    int inversions = 0;
    const auto &order = c["client-b"].completionOrder;
    for (std::size_t i = 1; i < order.size(); ++i)
        inversions += order[i] < order[i - 1];
    QVERIFY2(inversions > 20, QByteArray::number(inversions));
    // On their own reply queues, clients drop only late replies: each is the reply to one of their
    // calls that had timed out, and every timed-out call's reply comes late.
    for (const char *id : {"client-a", "client-b"}) {
        const Client &client = c[id];
        std::size_t timedOut = 0;
        for (const auto &[call, status] : client.status)
            timedOut += status == Grpc::DeadlineExceeded;
        QVERIFY2(timedOut > 5, id);
        QCOMPARE(client.unknownReplies.size(), timedOut);
        for (auto call : client.unknownReplies)
            QCOMPARE(client.status.at(call), Grpc::DeadlineExceeded);
    }
    // On the shared queue, each client also drops replies to the other's calls.
    for (auto [self, other] : {std::pair{"client-c", "client-d"}, std::pair{"client-d", "client-c"}}) {
        std::size_t others = 0;
        for (auto call : c[self].unknownReplies) {
            QVERIFY(c[self].calls.count(call) || c[other].calls.count(call));
            others += c[other].calls.count(call);
        }
        QVERIFY2(others > 20, self);
    }
    // The delivery check: every request and reply accounted for, the dropped replies as such.
    std::size_t unknown = 0;
    for (auto &[id, client] : c)
        unknown += client.unknownReplies.size();
    QCOMPARE(r->report().pending, std::uint64_t(0));
    QCOMPARE(r->report().dropped[int(DropReason::UnknownCorrelation)], std::uint64_t(unknown));
}

// headers-exchange.json: x-match all takes only PDF reports; x-match any takes zip reports and every
// log; a CSV report matches neither and goes to the alternate queue. Each message is processed once.
void TestMessagingExamples::headersExchangeRoutesByHeaders()
{
    const auto loaded = loadTopologyFile(std::string(SIGNALBOX_EXAMPLES_DIR) + "/headers-exchange.json");
    QVERIFY2(loaded.ok(), loaded.errorText().c_str());
    auto r = prepare(*loaded.topology);
    QVERIFY(r);
    // Each message's "type/format", from the contents the producers announce.
    struct Catalog final : TraceSink {
        std::map<std::uint64_t, std::string> what;
        void onEvent(const TraceEvent &) override {}
        void onMessage(const Message &m) override
        {
            what[m.id] = *m.header("type") + "/" + *m.header("format");
        }
    } catalog;
    r->sim->addSink(&catalog);
    r->reason = r->sim->run(RunOptions{});
    std::map<std::string, std::multiset<std::string>> routed; // queue -> type/format of each message
    for (const auto &e : r->trace.events)
        if (e.kind == TraceKind::Route && e.node == r->index("documents"))
            routed[r->sim->topology().nodes[e.peer].id].insert(catalog.what.at(e.messageId));
    const auto only = [&](const std::string &queue, std::initializer_list<std::string> kinds) {
        std::multiset<std::string> expected;
        for (const auto &k : kinds)
            for (int i = 0; i < 100; ++i)
                expected.insert(k);
        return routed[queue] == expected;
    };
    QVERIFY(only("pdf-reports-q", {"report/pdf"}));
    QVERIFY(only("archive-q", {"report/zip", "log/pdf", "log/txt"}));
    QVERIFY(only("unrouted-q", {"report/csv"}));
    QCOMPARE(r->node("printer").processed, std::uint64_t(100));
    QCOMPARE(r->node("archiver").processed, std::uint64_t(300));
    QCOMPARE(r->node("inspector").processed, std::uint64_t(100));
    const auto report = r->report();
    QCOMPARE(report.published, std::uint64_t(500));
    QCOMPARE(report.lost + report.duplicates + report.pending, std::uint64_t(0));
}

// content-based-routing.json: every order in manual review satisfies total > 1000 && country != 'US'
// and every auto-approved one does not; the US filter passes exactly the US orders and drops the rest.
void TestMessagingExamples::contentBasedRoutingBySeedsExpression()
{
    const auto loaded = loadTopologyFile(std::string(SIGNALBOX_EXAMPLES_DIR) + "/content-based-routing.json");
    QVERIFY2(loaded.ok(), loaded.errorText().c_str());
    auto r = prepare(*loaded.topology);
    QVERIFY(r);
    struct Catalog final : TraceSink {
        std::map<std::uint64_t, std::pair<double, std::string>> orders; // total, country
        void onEvent(const TraceEvent &) override {}
        void onMessage(const Message &m) override
        {
            orders[m.id] = {m.field("total")->number, m.field("country")->text};
        }
    } catalog;
    r->sim->addSink(&catalog);
    r->reason = r->sim->run(RunOptions{});
    QCOMPARE(catalog.orders.size(), std::size_t(2000));
    std::size_t review = 0, approve = 0, us = 0, filtered = 0;
    for (const auto &e : r->trace.events) {
        const auto order = catalog.orders.find(e.messageId);
        if (order == catalog.orders.end()) continue;
        const auto &[total, country] = order->second;
        const bool big = total > 1000 && country != "US";
        if (e.kind == TraceKind::Enqueue && e.node == r->index("review-q")) {
            QVERIFY(big);
            ++review;
        } else if (e.kind == TraceKind::Enqueue && e.node == r->index("approve-q")) {
            QVERIFY(!big);
            ++approve;
        } else if (e.kind == TraceKind::Enqueue && e.node == r->index("tax-q")) {
            QCOMPARE(country, std::string("US"));
            ++us;
        } else if (e.kind == TraceKind::Drop && e.node == r->index("us-only")) {
            QCOMPARE(e.reason, DropReason::Filtered);
            QVERIFY(country != "US");
            ++filtered;
        }
    }
    QCOMPARE(review + approve, std::size_t(2000));
    QCOMPARE(us + filtered, std::size_t(2000));
    // A quarter are big foreign orders, half are American (the producer's distributions).
    QVERIFY2(review > 400 && review < 600, qPrintable(QString::number(review)));
    QVERIFY2(us > 900 && us < 1100, qPrintable(QString::number(us)));
    QCOMPARE(r->node("reviewer").processed + r->node("approver").processed + r->node("tax").processed,
             std::uint64_t(2000 + us));
}

QTEST_APPLESS_MAIN(TestMessagingExamples)
#include "tst_messagingexamples.moc"
