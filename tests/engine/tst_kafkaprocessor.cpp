// The kafka-consumer as a consume-transform-produce loop (its output port linked to a second
// topic): at_least_once writes outputs again after a crash; exactly_once_v2 keeps every output's
// effect once for read_committed readers through aborts, crashes and a transaction timeout, while
// read_uncommitted readers see the aborted transactions' records.
#include "kafkatest.h"

#include <QtTest>

#include <set>

using namespace sb;
using namespace sbtest;

namespace {

constexpr SimTime ms = kMillisecond;
constexpr SimTime s = kSecond;
constexpr int kRecords = 600;

// producer -> in (3 partitions) -> processor -> out (2 partitions) -> groups rc (read_committed)
// and ru (read_uncommitted); the processor with `props`, faulted by `faults`.
std::unique_ptr<KafkaRun> runPipeline(Json props, std::vector<FaultDef> faults)
{
    TopologyBuilder b;
    b.node("producer", "kafka-producer",
           {{"rate", 200}, {"count", kRecords}, {"keys", "uniform"}, {"keyCount", 20}});
    b.node("in", "kafka-topic", {{"partitions", 3}, {"brokers", 3}, {"replicationFactor", 3}});
    Json p = {{"groupId", "proc"},
              {"autoOffsetReset", "earliest"},
              {"processingTime", "3ms"},
              {"maxPollRecords", 40},
              {"sessionTimeout", 10000},
              {"heartbeatInterval", 1000},
              {"isolationLevel", "read_committed"},
              {"enableAutoCommit", false}};
    for (const auto &[k, v] : props.items())
        p[k] = v;
    b.node("processor", "kafka-consumer", p);
    b.node("out", "kafka-topic", {{"partitions", 2}, {"brokers", 3}, {"replicationFactor", 3}});
    b.node("rc", "kafka-consumer",
           {{"groupId", "rc"}, {"autoOffsetReset", "earliest"}, {"isolationLevel", "read_committed"}});
    b.node("ru", "kafka-consumer",
           {{"groupId", "ru"}, {"autoOffsetReset", "earliest"}, {"isolationLevel", "read_uncommitted"}});
    b.link("producer", "in", {}, "out", "produce");
    b.link("in", "processor", {}, "consumers", "topic");
    b.link("processor", "out", {}, "output", "produce");
    b.link("out", "rc", {}, "consumers", "topic");
    b.link("out", "ru", {}, "consumers", "topic");
    Topology t = b.topology();
    t.faults = std::move(faults);
    return runKafka(t, 40 * s);
}

std::size_t aborts(const KafkaRun &r, std::int64_t cause)
{
    return static_cast<std::size_t>(
        std::count_if(r.trace.events.begin(), r.trace.events.end(), [cause](const TraceEvent &e) {
            return e.kind == TraceKind::TxnAbort && e.aux == cause;
        }));
}

FaultDef nodeFault(const std::string &kind, SimTime start, SimTime duration)
{
    FaultDef f;
    f.id = kind;
    f.kind = kind;
    f.target = "processor";
    f.start = start;
    f.duration = duration;
    return f;
}

} // namespace

class TestKafkaProcessor : public QObject {
    Q_OBJECT
private slots:
    void guarantees_data();
    void guarantees();
    void validation();
};

void TestKafkaProcessor::guarantees_data()
{
    QTest::addColumn<QString>("props");
    QTest::addColumn<QString>("fault");             // none, crash, pause
    QTest::addColumn<bool>("duplicatesDownstream"); // read_committed readers process an output twice
    QTest::addColumn<bool>("abortedVisible");       // read_uncommitted readers see aborted records
    QTest::addColumn<int>("abortCause");            // a TxnAbort cause that must occur (-1: no transactions)
    QTest::newRow("at_least_once, no fault") << R"({"processingGuarantee": "at_least_once"})"
                                             << "none" << false << false << -1;
    QTest::newRow("at_least_once, crash mid-poll") << R"({"processingGuarantee": "at_least_once"})"
                                                   << "crash" << true << false << -1;
    QTest::newRow("exactly_once_v2, application aborts")
        << R"({"processingGuarantee": "exactly_once_v2", "abortRate": 0.3})"
        << "none" << false << true << 0;
    QTest::newRow("exactly_once_v2, crash mid-transaction") << R"({"processingGuarantee": "exactly_once_v2"})"
                                                            << "crash" << false << true << 2;
    QTest::newRow("exactly_once_v2, paused past transaction.timeout.ms")
        << R"({"processingGuarantee": "exactly_once_v2", "transactionTimeout": 1000})"
        << "pause" << false << true << 1;
}

void TestKafkaProcessor::guarantees()
{
    QFETCH(QString, props);
    QFETCH(QString, fault);
    QFETCH(bool, duplicatesDownstream);
    QFETCH(bool, abortedVisible);
    QFETCH(int, abortCause);
    std::vector<FaultDef> faults;
    // At 4 s the processor is busy: its group formed after the 3 s initial rebalance delay, with a
    // backlog of records taking 3 ms each: mid-poll, mid-transaction.
    if (fault == "crash") faults.push_back(nodeFault("crash", 4 * s, 500 * ms));
    if (fault == "pause") faults.push_back(nodeFault("pause", 4 * s, 3 * s));
    auto r = runPipeline(Json::parse(props.toStdString()), faults);
    QVERIFY(r);
    const GroupReport rc = r->group("rc"), ru = r->group("ru");
    // Every input's output arrives, and nothing acknowledged is lost.
    QCOMPARE(rc.processed, std::uint64_t{kRecords});
    QCOMPARE(ru.processed, std::uint64_t{kRecords});
    QCOMPARE(rc.lost, std::uint64_t{0});
    QCOMPARE(rc.pending, std::uint64_t{0});
    QCOMPARE(rc.abortedReads, std::uint64_t{0});
    QCOMPARE(rc.duplicates > 0, duplicatesDownstream);
    QCOMPARE(ru.abortedReads > 0, abortedVisible);
    if (abortedVisible) QCOMPARE(ru.duplicates, ru.abortedReads); // each aborted copy is written again
    if (abortCause < 0) {
        QCOMPARE(r->count(TraceKind::TxnCommit) + r->count(TraceKind::TxnAbort), std::size_t{0});
    } else {
        QVERIFY(r->count(TraceKind::TxnCommit) > 0);
        QVERIFY2(aborts(*r, abortCause) > 0, qPrintable(QString("no abort with cause %1").arg(abortCause)));
        // The markers say the same: one per partition the transaction wrote.
        QVERIFY(r->count(TraceKind::Marker) >=
                r->count(TraceKind::TxnCommit) + r->count(TraceKind::TxnAbort));
    }
}

void TestKafkaProcessor::validation()
{
    TopologyBuilder b;
    b.node("c", "kafka-consumer", {{"groupId", ""}, {"processingGuarantee", "exactly_once_v2"}});
    bool found = false;
    QString all;
    for (const auto &d : validateTopology(b.topology())) {
        all += QString::fromStdString(d.toString()) + "\n";
        if (d.severity == Diagnostic::Severity::Error &&
            d.path == "$.nodes[0].properties.processingGuarantee" &&
            QString::fromStdString(d.message).contains("set a groupId"))
            found = true;
    }
    QVERIFY2(found, qPrintable(all));
    // A plain consumer leaves its output port alone without a warning: the port is optional.
    TopologyBuilder plain;
    plain.node("t", "kafka-topic").node("c", "kafka-consumer");
    plain.link("t", "c", {}, "consumers", "topic");
    for (const auto &d : validateTopology(plain.topology()))
        QVERIFY2(d.message.find("\"output\"") == std::string::npos, d.toString().c_str());
}

QTEST_GUILESS_MAIN(TestKafkaProcessor)
#include "tst_kafkaprocessor.moc"
