// Core NATS as nats-server and nats.go document it: subjects with '*' and '>', queue groups (each
// message to one member of each group, plus every plain subscriber), at most once, slow consumers
// at the client's pending limits, and request-reply with "no responders".
#include "callstatus.h"
#include "enginetest.h"
#include "pubsub/dialect.h"

#include <map>

using namespace sb;
using namespace sbtest;

class TestNats : public QObject {
    Q_OBJECT
private slots:
    void wildcardSubjects_data();
    void wildcardSubjects();
    void queueGroups_data();
    void queueGroups();
    void queueGroupDistribution();
    void lateSubscriberMisses();
    void slowConsumer_data();
    void slowConsumer();
    void requestReply();
    void noResponders_data();
    void noResponders();
    void requestTimeout();
    void maxPayload();
    void badProperties_data();
    void badProperties();
    void queueGroupsExample();
};

namespace {

Json natsScript(const std::vector<double> &atMs, const std::string &subject, int size = 100)
{
    Json s = Json::array();
    for (double at : atMs)
        s.push_back({{"at", at}, {"subject", subject}, {"size", size}});
    return s;
}

std::vector<double> every(double fromMs, double stepMs, int n)
{
    std::vector<double> v;
    for (int i = 0; i < n; ++i)
        v.push_back(fromMs + stepMs * i);
    return v;
}

// pub -> nats <- each subscriber.
TopologyBuilder natsLine(Json publisher, std::vector<std::pair<std::string, Json>> subscribers,
                         Json server = {})
{
    TopologyBuilder b;
    b.node("pub", "nats-publisher", publisher).node("nats", "nats-server", server).link("pub", "nats");
    for (auto &[id, props] : subscribers)
        b.node(id, "nats-subscriber", props).link(id, "nats");
    return b;
}

std::size_t processed(const Run &r, const std::string &node)
{
    return r.trace.countAt(TraceKind::Process, r.index(node));
}

std::vector<TraceEvent> ofKind(const Run &r, TraceKind k, NodeIndex node = kNoIndex)
{
    std::vector<TraceEvent> v;
    for (const auto &e : r.trace.events)
        if (e.kind == k && (node == kNoIndex || e.node == node)) v.push_back(e);
    return v;
}

} // namespace

void TestNats::wildcardSubjects_data()
{
    QTest::addColumn<QString>("subscription");
    QTest::addColumn<QString>("subject");
    QTest::addColumn<bool>("delivered");
    QTest::addColumn<int>("aux"); // Match: 1 by a wildcard subscription
    QTest::newRow("exact") << "orders.eu"
                           << "orders.eu" << true << 0;
    QTest::newRow("exact, other") << "orders.eu"
                                  << "orders.us" << false << 0;
    QTest::newRow("* one token") << "orders.*"
                                 << "orders.eu" << true << 1;
    QTest::newRow("* not two tokens") << "orders.*"
                                      << "orders.eu.paris" << false << 0;
    QTest::newRow("* not zero tokens") << "orders.*"
                                       << "orders" << false << 0;
    QTest::newRow("> one token") << "orders.>"
                                 << "orders.eu" << true << 1;
    QTest::newRow("> several tokens") << "orders.>"
                                      << "orders.eu.paris.1" << true << 1;
    QTest::newRow("> not zero tokens") << "orders.>"
                                       << "orders" << false << 0;
    QTest::newRow("* in the middle") << "orders.*.paris"
                                     << "orders.eu.paris" << true << 1;
    QTest::newRow("*.> ") << "*.>"
                          << "a.b" << true << 1;
    QTest::newRow("case matters") << "Orders"
                                  << "orders" << false << 0;
}

void TestNats::wildcardSubjects()
{
    QFETCH(QString, subscription);
    QFETCH(QString, subject);
    QFETCH(bool, delivered);
    QFETCH(int, aux);
    auto b = natsLine({{"script", natsScript({10}, subject.toStdString())}},
                      {{"sub", {{"subscriptions", {subscription.toStdString()}}}}});
    auto r = run(b.topology());
    QVERIFY(r);
    QCOMPARE(processed(*r, "sub"), std::size_t(delivered));
    const auto m = ofKind(*r, TraceKind::Match);
    QCOMPARE(m.size(), std::size_t(delivered));
    if (delivered) {
        QCOMPARE(m[0].aux, std::int64_t(aux));
        QCOMPARE(m[0].peer, r->index("sub"));
        QCOMPARE(m[0].group, kNoIndex);
    }
    std::size_t noSubscribers = 0;
    for (const auto &e : ofKind(*r, TraceKind::Drop, r->index("nats")))
        noSubscribers += e.reason == DropReason::NoSubscribers;
    QCOMPARE(noSubscribers, std::size_t(!delivered));
}

void TestNats::queueGroups_data()
{
    // Each row: the subscribers' subscriptions, and how many of the 30 messages (to "orders.eu")
    // each group and each plain subscriber must get.
    QTest::addColumn<QStringList>("subscriptions"); // one subscriber each: "s0", "s1", ...
    QTest::addColumn<QList<int>>("plainCounts");    // for the plain ones, -1 for queue members
    QTest::newRow("one group of three")
        << QStringList{"orders.* workers", "orders.* workers", "orders.eu workers"} << QList<int>{-1, -1, -1};
    QTest::newRow("group and plain subscriber")
        << QStringList{"orders.* workers", "orders.* workers", "orders.>"} << QList<int>{-1, -1, 30};
    QTest::newRow("two groups") << QStringList{"orders.* a", "orders.* a", "orders.eu b", "orders.> b"}
                                << QList<int>{-1, -1, -1, -1};
    QTest::newRow("a group of one") << QStringList{"orders.eu solo", "orders.eu"} << QList<int>{-1, 30};
}

void TestNats::queueGroups()
{
    QFETCH(QStringList, subscriptions);
    QFETCH(QList<int>, plainCounts);
    std::vector<std::pair<std::string, Json>> subs;
    for (int i = 0; i < subscriptions.size(); ++i)
        subs.push_back({"s" + std::to_string(i), {{"subscriptions", {subscriptions[i].toStdString()}}}});
    auto b = natsLine({{"script", natsScript(every(10, 1, 30), "orders.eu")}}, subs);
    auto r = run(b.topology());
    QVERIFY(r);
    // Per message, per queue group: exactly one Match, naming the group; per plain subscriber one.
    std::map<std::string, std::vector<int>> groupOf; // group -> member indices
    for (int i = 0; i < subscriptions.size(); ++i) {
        const auto parts = subscriptions[i].split(' ');
        if (parts.size() == 2) groupOf[parts[1].toStdString()].push_back(i);
    }
    const auto &names = r->sim->groupNames();
    std::map<std::pair<std::uint64_t, std::string>, int> perMessageGroup;
    std::map<std::pair<std::uint64_t, NodeIndex>, int> perMessagePlain;
    for (const auto &e : ofKind(*r, TraceKind::Match)) {
        if (e.group == kNoIndex) {
            ++perMessagePlain[{e.messageId, e.peer}];
            continue;
        }
        QVERIFY(e.group < names.size());
        const std::string group = names[e.group];
        QVERIFY2(groupOf.count(group), group.c_str());
        bool member = false;
        for (int i : groupOf[group])
            member |= e.peer == r->index("s" + std::to_string(i));
        QVERIFY2(member, "the chosen subscriber is a member of the group");
        ++perMessageGroup[{e.messageId, group}];
    }
    QCOMPARE(perMessageGroup.size(), std::size_t(30) * groupOf.size());
    for (const auto &[key, n] : perMessageGroup)
        QCOMPARE(n, 1);
    for (int i = 0; i < plainCounts.size(); ++i) {
        const std::string id = "s" + std::to_string(i);
        if (plainCounts[i] < 0) continue;
        QCOMPARE(processed(*r, id), std::size_t(plainCounts[i]));
    }
    for (const auto &[key, n] : perMessagePlain)
        QCOMPARE(n, 1);
    // Every copy handed out was processed.
    std::size_t total = 0;
    for (int i = 0; i < subscriptions.size(); ++i)
        total += processed(*r, "s" + std::to_string(i));
    QCOMPARE(total, ofKind(*r, TraceKind::Match).size());
}

void TestNats::queueGroupDistribution()
{
    // 3000 messages over a group of three: the server picks at random, so each gets about a third;
    // the same seed picks the same way again, another seed differently.
    auto topology = [](std::uint64_t seed) {
        auto b = natsLine({{"rate", 1000}, {"count", 3000}, {"subject", "jobs"}, {"startAt", 10}},
                          {{"w1", {{"subscriptions", {"jobs workers"}}, {"processingTime", "0.1ms"}}},
                           {"w2", {{"subscriptions", {"jobs workers"}}, {"processingTime", "0.1ms"}}},
                           {"w3", {{"subscriptions", {"jobs workers"}}, {"processingTime", "0.1ms"}}}});
        b.seed(seed);
        return b.topology();
    };
    auto counts = [](const Run &r) {
        return std::vector<std::size_t>{processed(r, "w1"), processed(r, "w2"), processed(r, "w3")};
    };
    auto a = run(topology(1));
    auto again = run(topology(1));
    auto other = run(topology(2));
    QVERIFY(a && again && other);
    const auto c = counts(*a);
    qInfo("seed 1: %zu / %zu / %zu", c[0], c[1], c[2]);
    QCOMPARE(c[0] + c[1] + c[2], std::size_t(3000));
    for (std::size_t n : c)
        QVERIFY2(n > 850 && n < 1150, std::to_string(n).c_str()); // 1000 +- about 5 standard deviations
    QCOMPARE(counts(*again), c);
    QVERIFY(counts(*other) != c);
}

void TestNats::lateSubscriberMisses()
{
    auto b = natsLine({{"script", natsScript(every(5, 100, 10), "news")}},
                      {{"early", {{"subscriptions", {"news"}}}},
                       {"late", {{"subscriptions", {"news"}}, {"subscribeAt", 450}}}});
    auto r = run(b.topology());
    QVERIFY(r);
    QCOMPARE(processed(*r, "early"), std::size_t(10));
    QCOMPARE(processed(*r, "late"), std::size_t(5));
}

void TestNats::slowConsumer_data()
{
    // 100 messages of 1000 bytes at once to a subscriber handling one per 10 ms.
    QTest::addColumn<int>("msgsLimit");
    QTest::addColumn<int>("bytesLimit");
    QTest::addColumn<int>("kept"); // processed; the rest dropped as a slow consumer
    QTest::newRow("nats.go defaults: nothing dropped") << 65536 << 64 * 1024 * 1024 << 100;
    // The first goes straight to the handler, the next 10 wait; the 12th would make 11 pending.
    QTest::newRow("10 messages pending") << 10 << 0 << 11;
    QTest::newRow("5000 bytes pending") << 0 << 5000 << 6;
    QTest::newRow("both, the bytes first") << 20 << 3000 << 4;
    QTest::newRow("no limits") << 0 << 0 << 100;
}

void TestNats::slowConsumer()
{
    QFETCH(int, msgsLimit);
    QFETCH(int, bytesLimit);
    QFETCH(int, kept);
    auto b = natsLine({{"script", natsScript(every(10, 0, 100), "news", 1000)}},
                      {{"slow",
                        {{"subscriptions", {"news"}},
                         {"processingTime", "10ms"},
                         {"pendingMsgsLimit", msgsLimit},
                         {"pendingBytesLimit", bytesLimit}}}});
    auto r = run(b.topology());
    QVERIFY(r);
    const NodeIndex slow = r->index("slow");
    QCOMPARE(processed(*r, "slow"), std::size_t(kept));
    std::size_t dropped = 0;
    for (const auto &e : ofKind(*r, TraceKind::Drop, slow)) {
        QCOMPARE(e.reason, DropReason::SlowConsumer);
        QCOMPARE(e.peer, r->index("nats"));
        ++dropped;
    }
    QCOMPARE(dropped, std::size_t(100 - kept));
    // The server handed out every copy: the client library dropped them.
    QCOMPARE(ofKind(*r, TraceKind::Match).size(), std::size_t(100));
}

void TestNats::requestReply()
{
    // A requester to "prices.get", answered by a responder (queue group) after 5 ms; 1 ms links.
    TopologyBuilder b;
    b.node(
         "req", "nats-publisher",
         {{"subject", "prices.get"}, {"mode", "request"}, {"script", natsScript({10, 20, 30}, "prices.get")}})
        .node("nats", "nats-server")
        .node("resp", "nats-subscriber",
              {{"subscriptions", {"prices.get pricers"}}, {"respond", true}, {"processingTime", "5ms"}})
        .link("req", "nats")
        .link("resp", "nats");
    auto r = run(b.topology());
    QVERIFY(r);
    const auto calls = ofKind(*r, TraceKind::Call, r->index("req"));
    const auto completes = ofKind(*r, TraceKind::Complete, r->index("req"));
    const auto executes = ofKind(*r, TraceKind::Execute, r->index("resp"));
    QCOMPARE(calls.size(), std::size_t(3));
    QCOMPARE(completes.size(), std::size_t(3));
    QCOMPARE(executes.size(), std::size_t(3));
    for (std::size_t i = 0; i < 3; ++i) {
        QCOMPARE(completes[i].status, Grpc::Ok);
        QCOMPARE(completes[i].correlationId, calls[i].correlationId);
        QCOMPARE(executes[i].correlationId, calls[i].correlationId);
        // four 1 ms hops (requester, server, responder, server, requester) and 5 ms of handling
        QCOMPARE(completes[i].aux, SimTime(9 * kMillisecond));
    }
    // The reply came through the requester's inbox subscription: matched and processed there.
    std::size_t inbox = 0;
    for (const auto &e : ofKind(*r, TraceKind::Match))
        inbox += e.peer == r->index("req") && e.aux == 1;
    QCOMPARE(inbox, std::size_t(3));
    QCOMPARE(processed(*r, "req"), std::size_t(3));
}

void TestNats::noResponders_data()
{
    QTest::addColumn<bool>("noResponders"); // the connection supports headers and no_responders
    QTest::addColumn<int>("status");
    QTest::addColumn<double>("latencyMs");
    QTest::newRow("no responders: 503 at once") << true << 503 << 2.0;
    QTest::newRow("an old client: waits for its timeout") << false << int(Grpc::DeadlineExceeded) << 5000.0;
}

void TestNats::noResponders()
{
    QFETCH(bool, noResponders);
    QFETCH(int, status);
    QFETCH(double, latencyMs);
    // Nobody subscribes to "stock.check"; a subscriber to another subject does not count.
    auto b = natsLine({{"subject", "stock.check"},
                       {"mode", "request"},
                       {"noResponders", noResponders},
                       {"script", natsScript({10}, "stock.check")}},
                      {{"other", {{"subscriptions", {"prices.*"}}, {"respond", true}}}});
    auto r = run(b.topology());
    QVERIFY(r);
    const auto completes = ofKind(*r, TraceKind::Complete, r->index("pub"));
    QCOMPARE(completes.size(), std::size_t(1));
    QCOMPARE(int(completes[0].status), status);
    QCOMPARE(completes[0].aux, SimTime(latencyMs * kMillisecond));
    std::size_t noSubscribers = 0;
    for (const auto &e : ofKind(*r, TraceKind::Drop, r->index("nats")))
        noSubscribers += e.reason == DropReason::NoSubscribers;
    QCOMPARE(noSubscribers, std::size_t(1));
    // The 503 is a status message on the inbox: a MSG with a status and no message.
    std::size_t statusMsgs = 0;
    for (const auto &e : ofKind(*r, TraceKind::Send, r->index("nats")))
        statusMsgs += e.frame == FrameType::NatsMsg && e.messageId == 0;
    QCOMPARE(statusMsgs, std::size_t(noResponders));
}

void TestNats::requestTimeout()
{
    // A responder slower than the request timeout: the call ends DEADLINE_EXCEEDED and its late
    // reply is dropped as unknown.
    TopologyBuilder b;
    b.node("req", "nats-publisher",
           {{"subject", "slow"},
            {"mode", "request"},
            {"requestTimeout", 100},
            {"script", natsScript({10}, "slow")}})
        .node("nats", "nats-server")
        .node("resp", "nats-subscriber",
              {{"subscriptions", {"slow"}}, {"respond", true}, {"processingTime", "300ms"}})
        .link("req", "nats")
        .link("resp", "nats");
    auto r = run(b.topology());
    QVERIFY(r);
    const auto completes = ofKind(*r, TraceKind::Complete, r->index("req"));
    QCOMPARE(completes.size(), std::size_t(1));
    QCOMPARE(completes[0].status, Grpc::DeadlineExceeded);
    QCOMPARE(completes[0].aux, SimTime(100 * kMillisecond));
    const auto drops = ofKind(*r, TraceKind::Drop, r->index("req"));
    QCOMPARE(drops.size(), std::size_t(1));
    QCOMPARE(drops[0].reason, DropReason::UnknownCorrelation);
    QCOMPARE(drops[0].correlationId, completes[0].correlationId);
}

void TestNats::maxPayload()
{
    Json script = natsScript({10}, "big", 2000);
    script.push_back({{"at", 20}, {"subject", "big"}, {"size", 1000}});
    auto b = natsLine({{"script", script}}, {{"sub", {{"subscriptions", {"big"}}}}}, {{"maxPayload", 1024}});
    auto r = run(b.topology());
    QVERIFY(r);
    QCOMPARE(processed(*r, "sub"), std::size_t(1));
    std::size_t errs = 0;
    for (const auto &e : ofKind(*r, TraceKind::Send, r->index("nats")))
        errs += e.frame == FrameType::NatsErr && e.peer == r->index("pub");
    QCOMPARE(errs, std::size_t(1));
}

void TestNats::badProperties_data()
{
    QTest::addColumn<QString>("kind");
    QTest::addColumn<Json>("properties");
    QTest::addColumn<QString>("property");
    QTest::addColumn<QString>("reason");
    QTest::newRow("three words") << "nats-subscriber" << Json{{"subscriptions", {"orders workers extra"}}}
                                 << "subscriptions"
                                 << "entry 0: 'orders workers extra' is not";
    QTest::newRow("empty entry") << "nats-subscriber" << Json{{"subscriptions", {"orders", " "}}}
                                 << "subscriptions"
                                 << "entry 1";
    QTest::newRow("no subscription") << "nats-subscriber" << Json{{"subscriptions", Json::array()}}
                                     << "subscriptions"
                                     << "at least one subscription";
    QTest::newRow("unknown mode") << "nats-publisher" << Json{{"mode", "reply"}} << "mode"
                                  << "";
    QTest::newRow("negative pending limit")
        << "nats-subscriber" << Json{{"pendingMsgsLimit", -1}} << "pendingMsgsLimit"
        << "";
    QTest::newRow("max payload beyond 64 MB")
        << "nats-server" << Json{{"maxPayload", 100000000}} << "maxPayload"
        << "";
    // Whatever the NATS dialect refuses (core/pubsub/dialect.h), the kinds refuse with its message;
    // what it accepts they accept.
    for (const char *s : {"orders..eu", "orders.>.eu", ".orders", "orders.*"}) {
        const auto issues = checkFilter(Dialect::Nats, s);
        const std::string reason = hasError(issues) ? issues.front().message : std::string();
        QTest::newRow(("subscription " + std::string(s)).c_str())
            << "nats-subscriber" << Json{{"subscriptions", {s}}} << "subscriptions"
            << QString::fromStdString(reason);
    }
    for (const char *s : {"orders..eu", "orders.*", "orders.>"}) {
        const auto issues = checkSubject(Dialect::Nats, s);
        const std::string reason = hasError(issues) ? issues.front().message : std::string();
        QTest::newRow(("subject " + std::string(s)).c_str())
            << "nats-publisher" << Json{{"subject", s}} << "subject" << QString::fromStdString(reason);
    }
}

void TestNats::badProperties()
{
    QFETCH(QString, kind);
    QFETCH(Json, properties);
    QFETCH(QString, property);
    QFETCH(QString, reason);
    TopologyBuilder b;
    if (kind == "nats-server")
        b.node("nats", "nats-server", properties);
    else
        b.node("nats", "nats-server").node("client", kind.toStdString(), properties).link("client", "nats");
    const std::vector<std::string> errors = validationErrors(b.topology());
    const bool dialectRow = QString(QTest::currentDataTag()).startsWith("sub");
    if (dialectRow && reason.isEmpty()) {
        QVERIFY2(errors.empty(), errors.empty() ? "" : errors.front().c_str());
        return;
    }
    QVERIFY(!errors.empty());
    const std::string &e = errors.front();
    const std::string node = kind == "nats-server" ? "nats" : "client";
    QVERIFY2(e.find("\"" + node + "\"") != std::string::npos, e.c_str());
    QVERIFY2(e.find(property.toStdString()) != std::string::npos, e.c_str());
    QVERIFY2(e.find(reason.toStdString()) != std::string::npos, e.c_str());
}

void TestNats::queueGroupsExample()
{
    auto r = runExample("nats-queue-groups.json");
    QVERIFY(r);
    QCOMPARE(r->reason, StopReason::Quiescent);
    // 60 orders: each processed by exactly one worker, every one by the audit subscriber.
    std::map<std::uint64_t, int> byWorker;
    std::size_t workers = 0;
    for (const char *w : {"worker-1", "worker-2", "worker-3"}) {
        const std::size_t n = processed(*r, w);
        qInfo("%s: %zu", w, n);
        QVERIFY2(n > 0, w);
        workers += n;
        for (const auto &e : ofKind(*r, TraceKind::Process, r->index(w)))
            ++byWorker[e.messageId];
    }
    QCOMPARE(workers, std::size_t(60));
    QCOMPARE(byWorker.size(), std::size_t(60));
    QCOMPARE(processed(*r, "audit"), std::size_t(60));
    for (const auto &e : ofKind(*r, TraceKind::Process, r->index("audit")))
        QVERIFY(byWorker.count(e.messageId));
    // Price requests: all answered; stock requests: all failed fast with "no responders".
    const auto prices = ofKind(*r, TraceKind::Complete, r->index("price-client"));
    QCOMPARE(prices.size(), std::size_t(10));
    for (const auto &e : prices)
        QCOMPARE(e.status, Grpc::Ok);
    const auto stock = ofKind(*r, TraceKind::Complete, r->index("stock-client"));
    QCOMPARE(stock.size(), std::size_t(5));
    for (const auto &e : stock) {
        QCOMPARE(int(e.status), 503);
        QVERIFY(e.aux < 10 * kMillisecond); // a round trip, not the 5 s timeout
    }
}

QTEST_GUILESS_MAIN(TestNats)
#include "tst_nats.moc"
