// The Kafka producer: Kafka's murmur2 and the default partitioner, the sticky and round-robin
// partitioners, batching by linger.ms and batch.size, acks, retries with backoff, reordering
// without idempotence, duplicates after a request timeout, idempotent sequence numbers,
// delivery.timeout.ms, and the settings validation refuses. The topic here is a scripted test kind
// that answers each produce request as its script says and keeps a log, so each producer rule is
// seen alone (the real topic's rules are tested in tst_kafkatopic).
#include "callstatus.h"
#include "enginetest.h"
#include "nodes/common.h"
#include "nodes/kafka/kafkaprotocol.h"

#include <QtTest>

#include <map>

using namespace sb;
using sbtest::Json;
using sbtest::RecordingSink;

namespace {

// Answers the n-th produce request it receives with actions[n] (the last one repeats): "ok",
// "none" (never answers, but writes the batch: a lost response), "drop" (neither writes nor
// answers), or a Kafka error code number; each optionally followed by "@<duration>" (answer after
// that long). Keeps one log per partition; for idempotent producers it checks sequence numbers as
// a broker does (a gap: OUT_OF_ORDER_SEQUENCE_NUMBER; a batch already written: acknowledged with
// its first offset, not written again).
class ScriptTopic final : public Node {
public:
    explicit ScriptTopic(const NodeSetup &s)
    {
        m_partitions = static_cast<std::uint32_t>(s.properties.integer("partitions"));
        for (const auto &a : s.properties.stringList("actions")) {
            Action act;
            const auto at = a.find('@');
            const std::string what = a.substr(0, at);
            act.what = what;
            if (at != std::string::npos) act.delay = *parseDuration(a.substr(at + 1));
            m_actions.push_back(act);
        }
        m_logs.resize(m_partitions);
        m_nextSeq.resize(m_partitions, 0);
    }
    void onFrame(NodeContext &ctx, LinkIndex link, Frame &f) override
    {
        if (f.response) return;
        if (f.type == FrameType::Metadata) {
            auto body = std::make_shared<kafka::MetadataResponse>();
            body->partitions = m_partitions;
            for (std::uint32_t p = 0; p < m_partitions; ++p)
                body->leaders.push_back(static_cast<std::int32_t>(p % 3 + 1));
            respond(ctx, link, f, 0, body);
            return;
        }
        if (f.type == FrameType::InitProducerId) {
            auto body = std::make_shared<kafka::InitProducerIdResponse>();
            body->producerId = 1000;
            respond(ctx, link, f, 0, body);
            return;
        }
        if (f.type != FrameType::Produce) return;
        const auto *req = f.as<kafka::ProduceRequest>();
        requests.push_back(*req);
        const Action &a = m_actions[std::min(m_seen++, m_actions.size() - 1)];
        if (a.what == "drop") return;
        std::uint16_t status = 0;
        std::int64_t base = -1;
        if (a.what == "ok" || a.what == "none") {
            auto &log = m_logs[f.partition];
            if (req->producerId >= 0) {
                auto &next = m_nextSeq[f.partition];
                if (req->baseSequence < next) {
                    base = m_seqOffset[{f.partition, req->baseSequence}]; // a duplicate: not written again
                } else if (req->baseSequence > next) {
                    status = KafkaError::OutOfOrderSequenceNumber;
                } else {
                    base = static_cast<std::int64_t>(log.size());
                    m_seqOffset[{f.partition, req->baseSequence}] = base;
                    next += static_cast<std::int32_t>(req->records.size());
                    for (const auto &r : req->records)
                        log.push_back(r.message->id);
                }
            } else {
                base = static_cast<std::int64_t>(log.size());
                for (const auto &r : req->records)
                    log.push_back(r.message->id);
            }
            if (a.what == "none") return;
        } else {
            status = static_cast<std::uint16_t>(std::stoi(a.what));
        }
        if (req->acks == 0) return;
        auto body = std::make_shared<kafka::ProduceResponse>();
        body->baseOffset = status ? -1 : base;
        if (a.delay == 0) {
            respond(ctx, link, f, status, body);
            return;
        }
        m_delayed[m_nextTimer] = {link, f.tag, f.partition, status, body};
        ctx.startTimer(a.delay, m_nextTimer++);
    }
    void onTimer(NodeContext &ctx, std::uint64_t tag) override
    {
        auto d = m_delayed[tag];
        Frame f;
        f.type = FrameType::Produce;
        f.tag = d.tag;
        f.partition = d.partition;
        respond(ctx, d.link, f, d.status, d.body);
        m_delayed.erase(tag);
    }

    static inline std::vector<kafka::ProduceRequest> requests;
    static inline std::vector<std::vector<std::uint64_t>> logs; // copied out at destruction

    ~ScriptTopic() override { logs = m_logs; }

private:
    struct Action {
        std::string what;
        SimTime delay = 0;
    };
    struct Delayed {
        LinkIndex link = 0;
        std::uint64_t tag = 0;
        std::uint32_t partition = 0;
        std::uint16_t status = 0;
        std::shared_ptr<const FrameBody> body;
    };
    void respond(NodeContext &ctx, LinkIndex link, const Frame &req, std::uint16_t status,
                 std::shared_ptr<const FrameBody> body)
    {
        Frame f;
        f.type = req.type;
        f.response = true;
        f.tag = req.tag;
        f.partition = req.partition;
        f.status = status;
        f.body = std::move(body);
        ctx.send(link, std::move(f));
    }
    std::uint32_t m_partitions = 1;
    std::vector<Action> m_actions;
    std::size_t m_seen = 0;
    std::vector<std::vector<std::uint64_t>> m_logs;
    std::vector<std::int32_t> m_nextSeq;
    std::map<std::pair<std::uint32_t, std::int32_t>, std::int64_t> m_seqOffset;
    std::map<std::uint64_t, Delayed> m_delayed;
    std::uint64_t m_nextTimer = 1;
};

const KindRegistry &testRegistry()
{
    static const KindRegistry reg = [] {
        KindRegistry r = KindRegistry::builtin();
        NodeKindSpec k;
        k.kind = "script-topic";
        k.label = "Script topic";
        k.category = "Test";
        k.help = "Answers produce requests as scripted.";
        k.ports = {{"produce", PortDirection::In, Protocol::Kafka, true, "Producers."}};
        k.properties = {
            property("partitions", "Partitions", PropertyType::Integer, 1, "Partitions.", "", 1, 1000),
            property("actions", "Actions", PropertyType::StringList, Json::array({"ok"}), "Script.")};
        k.factory = [](const NodeSetup &s) { return std::make_unique<ScriptTopic>(s); };
        r.add(std::move(k));
        return r;
    }();
    return reg;
}

struct ProduceRun {
    std::unique_ptr<Simulation> sim;
    RecordingSink trace;
    std::vector<TraceEvent> of(TraceKind k) const
    {
        std::vector<TraceEvent> out;
        for (const auto &e : trace.events)
            if (e.kind == k) out.push_back(e);
        return out;
    }
};

// A producer (its properties) linked to a script topic with `partitions` and `actions`.
std::unique_ptr<ProduceRun> runProducer(Json producer, std::uint32_t partitions,
                                        std::vector<std::string> actions, SimTime until = 600 * kSecond,
                                        std::string latency = "1ms")
{
    ScriptTopic::requests.clear();
    ScriptTopic::logs.clear();
    Topology t;
    t.name = "produce";
    t.nodes.push_back({"p", "kafka-producer", "p", std::move(producer), {}});
    t.nodes.push_back({"t", "script-topic", "t", {{"partitions", partitions}, {"actions", actions}}, {}});
    LinkDef l;
    l.id = "p-t";
    l.from = "p";
    l.fromPort = "out";
    l.to = "t";
    l.toPort = "produce";
    l.properties = {{"latency", latency}};
    t.links.push_back(std::move(l));
    auto r = std::make_unique<ProduceRun>();
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
    r->sim.reset(); // the topic's destructor copies its logs out
    return r;
}

Json keyedScript(const std::vector<std::string> &keys, double gapMs = 0)
{
    Json s = Json::array();
    for (std::size_t i = 0; i < keys.size(); ++i)
        s.push_back({{"at", gapMs * static_cast<double>(i)}, {"key", keys[i]}, {"size", 100}});
    return s;
}

std::vector<std::string> validationErrors(Json producer)
{
    Topology t;
    t.name = "v";
    t.nodes.push_back({"p", "kafka-producer", "p", std::move(producer), {}});
    t.nodes.push_back({"t", "script-topic", "t", Json::object(), {}});
    LinkDef l;
    l.id = "p-t";
    l.from = "p";
    l.fromPort = "out";
    l.to = "t";
    l.toPort = "produce";
    t.links.push_back(std::move(l));
    std::vector<std::string> out;
    for (const auto &d : validateTopology(t, testRegistry()))
        if (d.severity == Diagnostic::Severity::Error) out.push_back(d.path + ": " + d.message);
    return out;
}

} // namespace

class TestKafkaProducer : public QObject {
    Q_OBJECT
private slots:
    void murmur2_data();
    void murmur2();
    void keyedRecordsGoToTheMurmur2Partition_data();
    void keyedRecordsGoToTheMurmur2Partition();
    void keylessRecordsStickToOnePartitionForABatch();
    void roundRobinIgnoresKeys();
    void explicitPartitionWins();
    void lingerGathersRecordsIntoOneBatch_data();
    void lingerGathersRecordsIntoOneBatch();
    void fullBatchLeavesBeforeLinger();
    void acksZeroGetsNoAnswer();
    void retriableErrorIsRetriedWithBackoff();
    void nonRetriableErrorFailsAtOnce();
    void retryReordersWithoutIdempotence();
    void idempotenceKeepsOrderAcrossRetries();
    void timedOutRequestDuplicatesWithoutIdempotence_data();
    void timedOutRequestDuplicatesWithoutIdempotence();
    void deliveryTimeoutFailsTheBatch();
    void maxInFlightOneKeepsOrder();
    void validation_data();
    void validation();
};

void TestKafkaProducer::murmur2_data()
{
    // Apache Kafka's UtilsTest.testMurmur2 vectors, and the partition of "foobar" among 50.
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<int>("hash");
    QTest::newRow("21") << QByteArray("21") << -973932308;
    QTest::newRow("foobar") << QByteArray("foobar") << -790332482;
    QTest::newRow("a-little-bit-long-string") << QByteArray("a-little-bit-long-string") << -985981536;
    QTest::newRow("a-little-bit-longer-string") << QByteArray("a-little-bit-longer-string") << -1486304829;
    QTest::newRow("lkjh...") << QByteArray("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8") << -58897971;
    QTest::newRow("abc") << QByteArray("abc") << 479470107;
}

void TestKafkaProducer::murmur2()
{
    QFETCH(QByteArray, bytes);
    QFETCH(int, hash);
    QCOMPARE(kafka::murmur2(std::string_view(bytes.constData(), static_cast<std::size_t>(bytes.size()))),
             hash);
    QCOMPARE(kafka::partitionForKey("foobar", 50), 16u);
}

void TestKafkaProducer::keyedRecordsGoToTheMurmur2Partition_data()
{
    QTest::addColumn<int>("partitions");
    QTest::newRow("1") << 1;
    QTest::newRow("3") << 3;
    QTest::newRow("7") << 7;
    QTest::newRow("12") << 12;
}

void TestKafkaProducer::keyedRecordsGoToTheMurmur2Partition()
{
    QFETCH(int, partitions);
    const std::vector<std::string> keys = {"21", "foobar", "abc", "user-1", "user-2", "order-77", "x"};
    auto r = runProducer({{"script", keyedScript(keys, 1)}}, static_cast<std::uint32_t>(partitions), {"ok"});
    QVERIFY(r);
    const auto published = r->of(TraceKind::Publish);
    QCOMPARE(published.size(), keys.size());
    for (std::size_t i = 0; i < keys.size(); ++i)
        QCOMPARE(published[i].partition,
                 kafka::partitionForKey(keys[i], static_cast<std::uint32_t>(partitions)));
    // Each record landed in that partition's log and was confirmed with its offset there.
    const auto confirms = r->of(TraceKind::Confirm);
    QCOMPARE(confirms.size(), keys.size());
    for (const auto &c : confirms) {
        const auto &log = ScriptTopic::logs[c.partition];
        QVERIFY(c.offset >= 0 && static_cast<std::size_t>(c.offset) < log.size());
        QCOMPARE(log[static_cast<std::size_t>(c.offset)], c.messageId);
    }
}

void TestKafkaProducer::keylessRecordsStickToOnePartitionForABatch()
{
    // 100-byte records, batch.size 1000: ten records stick to a partition, then it changes.
    Json script = Json::array();
    for (int i = 0; i < 40; ++i)
        script.push_back({{"at", i}, {"size", 100}});
    auto r = runProducer({{"script", script}, {"batchSize", 1000}}, 6, {"ok"});
    QVERIFY(r);
    const auto published = r->of(TraceKind::Publish);
    QCOMPARE(published.size(), std::size_t{40});
    for (std::size_t i = 0; i < published.size(); ++i) {
        QCOMPARE(published[i].partition, published[i - i % 10].partition);
        if (i % 10 == 0 && i > 0) QVERIFY(published[i].partition != published[i - 1].partition);
    }
}

void TestKafkaProducer::roundRobinIgnoresKeys()
{
    auto r = runProducer(
        {{"script", keyedScript({"a", "a", "a", "a", "a", "a"}, 1)}, {"partitioner", "round-robin"}}, 3,
        {"ok"});
    QVERIFY(r);
    const auto published = r->of(TraceKind::Publish);
    QCOMPARE(published.size(), std::size_t{6});
    for (std::size_t i = 0; i < published.size(); ++i)
        QCOMPARE(published[i].partition, static_cast<std::uint32_t>(i % 3));
}

void TestKafkaProducer::explicitPartitionWins()
{
    Json script = Json::array({{{"at", 0}, {"key", "foobar"}, {"partition", 2}}});
    auto r = runProducer({{"script", script}}, 4, {"ok"});
    QVERIFY(r);
    QCOMPARE(r->of(TraceKind::Publish).front().partition, 2u);
    QCOMPARE(ScriptTopic::logs[2].size(), std::size_t{1});
}

void TestKafkaProducer::lingerGathersRecordsIntoOneBatch_data()
{
    QTest::addColumn<QString>("linger");
    QTest::addColumn<int>("requests");
    // 10 records 1 ms apart to one partition: linger 0 sends each alone (the first at once, the
    // rest as they come); linger 20 ms gathers all ten into one request.
    QTest::newRow("linger 0") << "0ms" << 10;
    QTest::newRow("linger 20ms") << "20ms" << 1;
    QTest::newRow("linger 5ms") << "5ms" << 2;
}

void TestKafkaProducer::lingerGathersRecordsIntoOneBatch()
{
    QFETCH(QString, linger);
    QFETCH(int, requests);
    std::vector<std::string> keys(10, "k");
    auto r = runProducer({{"script", keyedScript(keys, 1)}, {"linger", linger.toStdString()}}, 1, {"ok"});
    QVERIFY(r);
    QCOMPARE(static_cast<int>(ScriptTopic::requests.size()), requests);
    QCOMPARE(r->of(TraceKind::Confirm).size(), std::size_t{10});
}

void TestKafkaProducer::fullBatchLeavesBeforeLinger()
{
    // batch.size 300 and 100-byte records: a batch leaves with 3 records, long before linger 1 s.
    std::vector<std::string> keys(9, "k");
    auto r = runProducer({{"script", keyedScript(keys, 1)}, {"linger", "1s"}, {"batchSize", 300}}, 1, {"ok"});
    QVERIFY(r);
    QCOMPARE(ScriptTopic::requests.size(), std::size_t{3});
    for (const auto &req : ScriptTopic::requests)
        QCOMPARE(req.records.size(), std::size_t{3});
    // The last of them left when it filled, at 8 ms (+1 ms latency), not after the linger.
    QVERIFY(r->of(TraceKind::Confirm).back().time < 20 * kMillisecond);
}

void TestKafkaProducer::acksZeroGetsNoAnswer()
{
    auto r =
        runProducer({{"script", keyedScript({"a", "b", "c"}, 1)}, {"acks", "0"}, {"linger", 0}}, 1, {"ok"});
    QVERIFY(r);
    QCOMPARE(ScriptTopic::requests.size(), std::size_t{3});
    QCOMPARE(ScriptTopic::requests.front().acks, std::int16_t{0});
    QCOMPARE(r->of(TraceKind::Confirm).size(), std::size_t{0});
    QCOMPARE(ScriptTopic::logs[0].size(), std::size_t{3});
}

void TestKafkaProducer::retriableErrorIsRetriedWithBackoff()
{
    // NOT_ENOUGH_REPLICAS twice, then ok: two retries, each after a backoff within +-20% of
    // 100 ms and then 200 ms.
    auto r = runProducer(
        {{"script", keyedScript({"a"})}, {"linger", 0}}, 1,
        {std::to_string(KafkaError::NotEnoughReplicas), std::to_string(KafkaError::NotEnoughReplicas), "ok"});
    QVERIFY(r);
    QCOMPARE(ScriptTopic::requests.size(), std::size_t{3});
    const auto retries = r->of(TraceKind::Retry);
    QCOMPARE(retries.size(), std::size_t{2});
    const auto nacks = r->of(TraceKind::Nack);
    QCOMPARE(nacks.size(), std::size_t{2});
    QCOMPARE(nacks[0].status, KafkaError::NotEnoughReplicas);
    const SimTime first = retries[0].time - nacks[0].time, second = retries[1].time - nacks[1].time;
    QVERIFY(first >= 80 * kMillisecond && first <= 120 * kMillisecond);
    QVERIFY(second >= 160 * kMillisecond && second <= 240 * kMillisecond);
    QCOMPARE(r->of(TraceKind::Confirm).size(), std::size_t{1});
    QCOMPARE(r->of(TraceKind::Confirm).front().deliveryCount, 3u);
}

void TestKafkaProducer::nonRetriableErrorFailsAtOnce()
{
    auto r = runProducer({{"script", keyedScript({"a"})}}, 1, {std::to_string(KafkaError::InvalidTxnState)});
    QVERIFY(r);
    QCOMPARE(ScriptTopic::requests.size(), std::size_t{1});
    QCOMPARE(r->trace.count(TraceKind::Drop, DropReason::RetriesExhausted), std::size_t{1});
}

void TestKafkaProducer::retryReordersWithoutIdempotence()
{
    // Two batches in flight to one partition; the first is refused, the second written: the
    // retried first lands after the second.
    Json script = Json::array({{{"at", 0}, {"key", "k"}}, {{"at", 1}, {"key", "k"}}});
    auto r =
        runProducer({{"script", script}, {"linger", 0}, {"enableIdempotence", false}, {"maxInFlight", 5}}, 1,
                    {std::to_string(KafkaError::NotEnoughReplicas), "ok"}, 600 * kSecond, "5ms");
    QVERIFY(r);
    const auto published = r->of(TraceKind::Publish);
    QCOMPARE(ScriptTopic::logs[0].size(), std::size_t{2});
    QCOMPARE(ScriptTopic::logs[0][0], published[1].messageId); // the second record first
    QCOMPARE(ScriptTopic::logs[0][1], published[0].messageId);
}

void TestKafkaProducer::idempotenceKeepsOrderAcrossRetries()
{
    // The same refusal with idempotence: the second batch's sequence leaves a gap, the topic
    // refuses it too, and both are written again in order.
    Json script = Json::array({{{"at", 0}, {"key", "k"}}, {{"at", 1}, {"key", "k"}}});
    auto r = runProducer({{"script", script}, {"linger", 0}}, 1,
                         {std::to_string(KafkaError::NotEnoughReplicas), "ok"}, 600 * kSecond, "5ms");
    QVERIFY(r);
    const auto published = r->of(TraceKind::Publish);
    QCOMPARE(ScriptTopic::logs[0].size(), std::size_t{2});
    QCOMPARE(ScriptTopic::logs[0][0], published[0].messageId);
    QCOMPARE(ScriptTopic::logs[0][1], published[1].messageId);
    QCOMPARE(ScriptTopic::requests.front().producerId, std::int64_t{1000});
    QCOMPARE(ScriptTopic::requests.front().baseSequence, 0);
    QCOMPARE(r->of(TraceKind::Confirm).size(), std::size_t{2});
}

void TestKafkaProducer::timedOutRequestDuplicatesWithoutIdempotence_data()
{
    QTest::addColumn<bool>("idempotent");
    QTest::addColumn<int>("written");
    QTest::newRow("idempotent: written once") << true << 1;
    QTest::newRow("not idempotent: written twice") << false << 2;
}

void TestKafkaProducer::timedOutRequestDuplicatesWithoutIdempotence()
{
    // The first response is lost after the topic wrote the batch; the producer's request times
    // out and sends it again.
    QFETCH(bool, idempotent);
    QFETCH(int, written);
    auto r = runProducer({{"script", keyedScript({"a"})},
                          {"enableIdempotence", idempotent},
                          {"requestTimeout", "1s"},
                          {"linger", 0}},
                         1, {"none", "ok"});
    QVERIFY(r);
    QCOMPARE(ScriptTopic::requests.size(), std::size_t{2});
    QCOMPARE(r->trace.count(TraceKind::Timeout), std::size_t{1});
    QCOMPARE(static_cast<int>(ScriptTopic::logs[0].size()), written);
    QCOMPARE(r->of(TraceKind::Confirm).size(), std::size_t{1});
}

void TestKafkaProducer::deliveryTimeoutFailsTheBatch()
{
    // Nothing ever answers: retries go on until delivery.timeout.ms, then the record fails.
    auto r = runProducer(
        {{"script", keyedScript({"a"})}, {"requestTimeout", "1s"}, {"deliveryTimeout", "5s"}, {"linger", 0}},
        1, {"drop"});
    QVERIFY(r);
    const auto drops = r->of(TraceKind::Drop);
    QCOMPARE(drops.size(), std::size_t{1});
    QCOMPARE(drops.front().reason, DropReason::RetriesExhausted);
    QVERIFY(drops.front().time >= 5 * kSecond && drops.front().time < 8 * kSecond);
    QVERIFY(ScriptTopic::requests.size() >= 3);
}

void TestKafkaProducer::maxInFlightOneKeepsOrder()
{
    // One request in flight at a time: the second batch waits for the first's retry.
    Json script = Json::array({{{"at", 0}, {"key", "k"}}, {{"at", 1}, {"key", "k"}}});
    auto r =
        runProducer({{"script", script}, {"linger", 0}, {"enableIdempotence", false}, {"maxInFlight", 1}}, 1,
                    {std::to_string(KafkaError::NotEnoughReplicas), "ok"}, 600 * kSecond, "5ms");
    QVERIFY(r);
    const auto published = r->of(TraceKind::Publish);
    QCOMPARE(ScriptTopic::logs[0].size(), std::size_t{2});
    QCOMPARE(ScriptTopic::logs[0][0], published[0].messageId);
}

void TestKafkaProducer::validation_data()
{
    QTest::addColumn<QString>("props");
    QTest::addColumn<QString>("error"); // a fragment of the one error expected, or empty for none
    QTest::newRow("defaults") << "{}"
                              << "";
    QTest::newRow("acks=1 with default idempotence: quietly off") << R"({"acks": "1"})"
                                                                  << "";
    QTest::newRow("explicit idempotence with acks=1") << R"({"acks": "1", "enableIdempotence": true})"
                                                      << "$.nodes[0].properties.acks";
    QTest::newRow("explicit idempotence with 6 in flight")
        << R"({"maxInFlight": 6, "enableIdempotence": true})"
        << "at most 5, not 6";
    QTest::newRow("delivery timeout below linger + request timeout")
        << R"({"deliveryTimeout": "10s", "requestTimeout": "30s"})"
        << "delivery.timeout.ms 10s is less than linger.ms + request.timeout.ms";
    QTest::newRow("unknown acks") << R"({"acks": "2"})"
                                  << "acks";
    QTest::newRow("script partition not a number") << R"({"script": [{"partition": "x"}]})"
                                                   << "'partition' must be";
}

void TestKafkaProducer::validation()
{
    QFETCH(QString, props);
    QFETCH(QString, error);
    const auto errors = validationErrors(Json::parse(props.toStdString()));
    if (error.isEmpty()) {
        QVERIFY2(errors.empty(), errors.empty() ? "" : errors.front().c_str());
        return;
    }
    QCOMPARE(errors.size(), std::size_t{1});
    QVERIFY2(QString::fromStdString(errors.front()).contains(error), errors.front().c_str());
}

QTEST_APPLESS_MAIN(TestKafkaProducer)
#include "tst_kafkaproducer.moc"
