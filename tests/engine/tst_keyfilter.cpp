// The routing-key filter of sequence diagrams: topic patterns included and excluded, replies judged
// by the message they answer, keys learnt from a run or asked of a catalog once per message, and a
// sequence recorder that keeps only the chosen messages.
#include "enginetest.h"
#include "keyfilter.h"
#include "messagecatalog.h"
#include "sequence.h"

#include <set>

using namespace sb;
using namespace sbtest;

class TestKeyFilter : public QObject {
    Q_OBJECT

private slots:
    void keyPasses_data();
    void keyPasses();
    void replyFollowsItsRequest_data();
    void replyFollowsItsRequest();
    void eventsAboutNoMessagePass();
    void asksTheLookupOncePerMessage();
    void notedKeysNeedNoLookup();
    void text();
    void recorderKeepsOnlyMatchingMessages_data();
    void recorderKeepsOnlyMatchingMessages();
    void recorderFedAKeptTraceUsesTheCatalog();
};

namespace {
std::vector<std::string> split(const QString &s)
{
    std::vector<std::string> out;
    for (const QString &p : s.split(QLatin1Char(' '), Qt::SkipEmptyParts))
        out.push_back(p.toStdString());
    return out;
}

Message message(std::uint64_t id, const std::string &key, std::uint64_t correlation = 0)
{
    Message m;
    m.id = id;
    m.routingKey = key;
    m.correlationId = correlation;
    return m;
}

// A topic example: keys cycle through five, one message every millisecond.
Topology topicTopology(int count)
{
    TopologyBuilder b;
    b.node("p", "producer",
           {{"rate", 1000},
            {"count", count},
            {"keys", "list"},
            {"keyList", Json::array({"eu.orders.created", "us.orders.created", "eu.payments.failed",
                                     "us.payments.settled", "audit.log"})},
            {"routingKey", "{key}"}})
        .node("x", "exchange", {{"type", "fanout"}})
        .node("q", "queue")
        .node("c", "consumer");
    b.link("p", "x").link("x", "q").link("q", "c");
    b.bind("x", "q", "");
    return b.topology();
}
} // namespace

void TestKeyFilter::keyPasses_data()
{
    QTest::addColumn<QString>("include");
    QTest::addColumn<QString>("exclude");
    QTest::addColumn<QString>("key");
    QTest::addColumn<bool>("passes");
    QTest::newRow("no patterns") << ""
                                 << ""
                                 << "a.b" << true;
    QTest::newRow("exact") << "orders.created"
                           << ""
                           << "orders.created" << true;
    QTest::newRow("exact, other key") << "orders.created"
                                      << ""
                                      << "orders.deleted" << false;
    QTest::newRow("star is one word") << "*.orders.*"
                                      << ""
                                      << "eu.orders.created" << true;
    QTest::newRow("star is not two words") << "*.created"
                                           << ""
                                           << "eu.orders.created" << false;
    QTest::newRow("hash is zero words") << "orders.#"
                                        << ""
                                        << "orders" << true;
    QTest::newRow("hash is many words") << "eu.#"
                                        << ""
                                        << "eu.orders.created" << true;
    QTest::newRow("any of two includes") << "us.# audit.log"
                                         << ""
                                         << "audit.log" << true;
    QTest::newRow("none of two includes") << "us.# audit.log"
                                          << ""
                                          << "eu.orders.created" << false;
    QTest::newRow("excluded") << ""
                              << "#.failed"
                              << "eu.payments.failed" << false;
    QTest::newRow("not excluded") << ""
                                  << "#.failed"
                                  << "eu.payments.settled" << true;
    QTest::newRow("included, then excluded") << "eu.#"
                                             << "#.failed"
                                             << "eu.payments.failed" << false;
    QTest::newRow("empty key, hash") << "#"
                                     << ""
                                     << "" << true;
    QTest::newRow("empty key, star") << "*"
                                     << ""
                                     << "" << false;
}

void TestKeyFilter::keyPasses()
{
    QFETCH(QString, include);
    QFETCH(QString, exclude);
    QFETCH(QString, key);
    QFETCH(bool, passes);
    const RoutingKeyFilter f(split(include), split(exclude));
    QCOMPARE(f.keyPasses(key.toStdString()), passes);
    // The same verdict for a message with that key.
    RoutingKeyFilter noted(split(include), split(exclude));
    noted.note(message(5, key.toStdString()));
    QCOMPARE(noted.passes(5), passes);
}

void TestKeyFilter::replyFollowsItsRequest_data()
{
    QTest::addColumn<QString>("include");
    QTest::addColumn<QString>("exclude");
    QTest::addColumn<bool>("replyPasses");
    QTest::addColumn<bool>("strayPasses"); // no key, no known request
    QTest::newRow("request included") << "rpc.#"
                                      << "" << true << false;
    QTest::newRow("request not included") << "other.#"
                                          << "" << false << false;
    QTest::newRow("request excluded") << ""
                                      << "rpc.#" << false << true;
    QTest::newRow("request not excluded") << ""
                                          << "other" << true << true;
}

void TestKeyFilter::replyFollowsItsRequest()
{
    QFETCH(QString, include);
    QFETCH(QString, exclude);
    QFETCH(bool, replyPasses);
    QFETCH(bool, strayPasses);
    RoutingKeyFilter f(split(include), split(exclude));
    f.note(message(1, "rpc.add"));
    // Message 2 answers 1 and was never noted: it is judged by 1.
    QCOMPARE(f.passes(2, 1), replyPasses);
    // Message 3 answers 99, which nobody knows.
    QCOMPARE(f.passes(3, 99), strayPasses);
    QCOMPARE(f.passes(4), strayPasses);
}

void TestKeyFilter::eventsAboutNoMessagePass()
{
    RoutingKeyFilter f({"nothing.matches.this"}, {});
    TraceEvent crash;
    crash.kind = TraceKind::Crash;
    QVERIFY(f.accepts(crash));
    TraceEvent publish;
    publish.kind = TraceKind::Publish;
    publish.messageId = 8;
    QVERIFY(!f.accepts(publish));
}

void TestKeyFilter::asksTheLookupOncePerMessage()
{
    RoutingKeyFilter f({"eu.#"}, {});
    std::vector<std::uint64_t> asked;
    f.setLookup([&asked](std::uint64_t id) -> std::optional<std::string> {
        asked.push_back(id);
        if (id == 1) return std::string("eu.orders");
        if (id == 2) return std::string("us.orders");
        return std::nullopt; // forgotten
    });
    for (int round = 0; round < 3; ++round) {
        QVERIFY(f.passes(1));
        QVERIFY(!f.passes(2));
        QVERIFY(!f.passes(3));
    }
    QCOMPARE(asked, (std::vector<std::uint64_t>{1, 2, 3}));
}

void TestKeyFilter::notedKeysNeedNoLookup()
{
    RoutingKeyFilter f({}, {"audit.*"});
    int asked = 0;
    f.setLookup([&asked](std::uint64_t) -> std::optional<std::string> {
        ++asked;
        return std::string("audit.log");
    });
    f.note(message(1, "eu.orders"));
    QVERIFY(f.passes(1));
    QCOMPARE(asked, 0);
    QVERIFY(!f.passes(2)); // asked: audit.log is excluded
    QCOMPARE(asked, 1);
    // An empty filter notes nothing and passes everything.
    RoutingKeyFilter none;
    none.note(message(1, "x"));
    QVERIFY(none.empty());
    QVERIFY(none.passes(1));
}

void TestKeyFilter::text()
{
    QCOMPARE(RoutingKeyFilter({"a.#", "b"}, {"c.*"}).text(), std::string("rk:a.# rk:b -rk:c.*"));
    QCOMPARE(RoutingKeyFilter().text(), std::string());
}

void TestKeyFilter::recorderKeepsOnlyMatchingMessages_data()
{
    QTest::addColumn<QString>("include");
    QTest::addColumn<QString>("exclude");
    QTest::addColumn<QStringList>("keysKept");
    const QStringList all{"eu.orders.created", "us.orders.created", "eu.payments.failed",
                          "us.payments.settled", "audit.log"};
    QTest::newRow("everything") << ""
                                << "" << all;
    QTest::newRow("eu.#") << "eu.#"
                          << "" << QStringList{"eu.orders.created", "eu.payments.failed"};
    QTest::newRow("*.orders.*") << "*.orders.*"
                                << "" << QStringList{"eu.orders.created", "us.orders.created"};
    QTest::newRow("not #.failed, not audit.log")
        << ""
        << "#.failed audit.log"
        << QStringList{"eu.orders.created", "us.orders.created", "us.payments.settled"};
    QTest::newRow("no such key") << "nope"
                                 << "" << QStringList{};
}

void TestKeyFilter::recorderKeepsOnlyMatchingMessages()
{
    QFETCH(QString, include);
    QFETCH(QString, exclude);
    QFETCH(QStringList, keysKept);
    auto r = prepare(topicTopology(50));
    QVERIFY(r);
    MessageCatalog catalog;
    SequenceOptions options;
    options.maxArrows = 100000;
    options.routingKeys = RoutingKeyFilter(split(include), split(exclude));
    SequenceRecorder recorder({"p", "x", "q", "c"}, {"p-x", "x-q", "q-c"}, options);
    r->sim->addSink(&catalog);
    r->sim->addSink(&recorder);
    r->sim->run(RunOptions{});
    recorder.finish(r->sim->now());

    std::set<std::string> kept;
    std::size_t arrows = 0, subscribes = 0;
    for (const SequenceItem &item : recorder.items()) {
        if (item.type != SequenceItem::Type::Arrow) continue;
        if (item.event.messageId == 0) {
            // Frames about no message (the consumer's subscribe) always show.
            QCOMPARE(item.event.frame, FrameType::Subscribe);
            ++subscribes;
            continue;
        }
        ++arrows;
        const auto info = catalog.find(item.event.messageId);
        QVERIFY(info);
        kept.insert(info->routingKey);
    }
    std::set<std::string> expected;
    for (const QString &k : keysKept)
        expected.insert(k.toStdString());
    QCOMPARE(kept, expected);
    QCOMPARE(subscribes, std::size_t(1));
    // Each kept message makes four hops (publish, route, deliver, ack): ten messages per key.
    QCOMPARE(arrows, std::size_t(keysKept.size()) * 10 * 4);
}

void TestKeyFilter::recorderFedAKeptTraceUsesTheCatalog()
{
    auto r = prepare(topicTopology(50));
    QVERIFY(r);
    MessageCatalog catalog;
    r->sim->addSink(&catalog);
    r->sim->run(RunOptions{});
    SequenceOptions options;
    options.maxArrows = 100000;
    options.routingKeys = RoutingKeyFilter({"audit.log"}, {});
    options.routingKeys.setLookup([&catalog](std::uint64_t id) -> std::optional<std::string> {
        const auto info = catalog.find(id);
        return info ? std::optional<std::string>(info->routingKey) : std::nullopt;
    });
    const SequenceRecorder rec =
        recordSequence(r->trace.events, {"p", "x", "q", "c"}, {"p-x", "x-q", "q-c"}, options);
    QCOMPARE(rec.arrows(), std::size_t(10 * 4 + 1)); // and the subscribe
    // Without the lookup nothing is known, so an include keeps no message.
    options.routingKeys.setLookup({});
    QCOMPARE(recordSequence(r->trace.events, {"p", "x", "q", "c"}, {"p-x", "x-q", "q-c"}, options).arrows(),
             std::size_t(1));
}

QTEST_GUILESS_MAIN(TestKeyFilter)
#include "tst_keyfilter.moc"
