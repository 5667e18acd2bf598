// Delivery guarantees, end to end: the same lossy network with at-most-once settings loses
// messages (and the checker counts exactly those), with at-least-once settings loses none but
// redelivers, and with an idempotent consumer also processes each message once.
#include "enginetest.h"

#include <set>

using namespace sb;
using namespace sbtest;

namespace {
Topology lossy(bool atLeastOnce, const std::string &ackMode, std::uint64_t seed)
{
    Json producer = {{"rate", 200}, {"count", 1000}};
    if (atLeastOnce)
        producer.update({{"sendMode", "confirmed"},
                         {"confirmTimeout", 100},
                         {"retries", 50},
                         {"retryBackoff", 5},
                         {"maxInFlight", 32}});
    Json queue = Json::object();
    if (atLeastOnce) queue["ackTimeout"] = 200;
    TopologyBuilder b;
    b.node("p", "producer", producer)
        .node("q", "queue", queue)
        .node("c", "consumer", {{"ackMode", ackMode}, {"processing", "1ms"}});
    b.link("p", "q", {{"latency", "uniform(1ms,5ms)"}, {"loss", 0.1}});
    b.link("q", "c", {{"latency", "uniform(1ms,5ms)"}, {"loss", 0.1}});
    b.seed(seed);
    return b.topology();
}
} // namespace

class TestDelivery : public QObject {
    Q_OBJECT
private slots:
    void atMostOnceLosesMessages_data();
    void atMostOnceLosesMessages();
    void atLeastOnceLosesNone_data();
    void atLeastOnceLosesNone();
};

void TestDelivery::atMostOnceLosesMessages_data()
{
    QTest::addColumn<quint64>("seed");
    for (quint64 s : {1, 2, 3})
        QTest::newRow(qPrintable(QString("seed %1").arg(s))) << s;
}

void TestDelivery::atMostOnceLosesMessages()
{
    QFETCH(quint64, seed);
    auto r = run(lossy(false, "auto", seed));
    QVERIFY(r);
    const auto report = r->report();
    // Which messages were lost, straight from the trace: a publish lost before the queue, or a
    // delivery lost on the way to the consumer (auto-ack: the queue forgot it).
    std::set<std::uint64_t> lostOnLinks;
    for (const auto &e : r->trace.events)
        if (e.kind == TraceKind::Drop && e.reason == DropReason::Loss &&
            (e.frame == FrameType::Publish || e.frame == FrameType::Deliver))
            lostOnLinks.insert(e.messageId);
    QVERIFY(lostOnLinks.size() > 100); // about 19% of 1000
    QCOMPARE(report.published, std::uint64_t(1000));
    QCOMPARE(report.lost, std::uint64_t(lostOnLinks.size()));
    QCOMPARE(report.lost + r->node("c").processed, std::uint64_t(1000));
    QCOMPARE(report.duplicates, std::uint64_t(0));
    QCOMPARE(r->node("q").redelivered, std::uint64_t(0));
    QCOMPARE(report.pending, std::uint64_t(0));
}

void TestDelivery::atLeastOnceLosesNone_data()
{
    QTest::addColumn<quint64>("seed");
    QTest::addColumn<QString>("ackMode");
    for (quint64 s : {1, 2, 3}) {
        QTest::newRow(qPrintable(QString("manual, seed %1").arg(s))) << s << "manual";
        QTest::newRow(qPrintable(QString("idempotent, seed %1").arg(s))) << s << "idempotent";
    }
}

void TestDelivery::atLeastOnceLosesNone()
{
    QFETCH(quint64, seed);
    QFETCH(QString, ackMode);
    auto r = run(lossy(true, ackMode.toStdString(), seed));
    QVERIFY(r);
    const auto report = r->report();
    QCOMPARE(report.published, std::uint64_t(1000));
    QCOMPARE(report.lost, std::uint64_t(0));
    QCOMPARE(report.pending, std::uint64_t(0));
    QCOMPARE(report.processed, std::uint64_t(1000));
    QVERIFY(r->node("q").redelivered > 0);
    QVERIFY(r->node("p").retries > 0);
    if (ackMode == "manual") {
        QVERIFY(report.duplicates > 0); // lost acks and lost confirms both cause duplicates
    } else {
        QCOMPARE(report.duplicates, std::uint64_t(0));
        QVERIFY(r->node("c").deduplicated > 0);
    }
}

QTEST_APPLESS_MAIN(TestDelivery)
#include "tst_delivery.moc"
