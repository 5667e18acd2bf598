// The kafka-topic kind against kafkaprotocol.h: a scripted test client sends exactly the requests
// each rule needs (produce with acks and producer ids, fetch, list offsets) and records what comes
// back; broker crashes come from the fault plan.
#include "enginetest.h"

#include "callstatus.h"
#include "nodes/kafka/kafka.h"
#include "nodes/kafka/kafkaprotocol.h"

#include <map>

using namespace sb;
using namespace sb::kafka;
using namespace sbtest;

namespace {

constexpr SimTime ms = kMillisecond;
constexpr SimTime s = kSecond;

struct Action {
    SimTime at = 0;
    Frame frame;
};

struct Script {
    std::vector<Action> actions;
    std::vector<std::pair<SimTime, Frame>> received;

    std::vector<std::pair<SimTime, Frame>> of(FrameType type) const
    {
        std::vector<std::pair<SimTime, Frame>> out;
        for (const auto &r : received)
            if (r.second.type == type) out.push_back(r);
        return out;
    }
    const Frame *response(std::uint64_t tag) const
    {
        for (const auto &r : received)
            if (r.second.tag == tag) return &r.second;
        return nullptr;
    }
    SimTime responseTime(std::uint64_t tag) const
    {
        for (const auto &r : received)
            if (r.second.tag == tag) return r.first;
        return -1;
    }
};

// A test-only Kafka client: sends its script on whichever port is connected, records responses.
class ScriptedKafkaClient final : public Node {
public:
    explicit ScriptedKafkaClient(Script *script) : m_script(script) {}
    void start(NodeContext &ctx) override
    {
        for (std::size_t i = 0; i < m_script->actions.size(); ++i)
            ctx.startTimer(m_script->actions[i].at, i);
    }
    void onFrame(NodeContext &ctx, LinkIndex, Frame &f) override
    {
        m_script->received.emplace_back(ctx.now(), f);
    }
    void onTimer(NodeContext &ctx, std::uint64_t tag) override
    {
        auto links = ctx.links(0).empty() ? ctx.links(1) : ctx.links(0);
        ctx.send(links.front(), m_script->actions[tag].frame);
    }

private:
    Script *m_script;
};

MessageRef message(std::uint64_t id, std::string key = {}, std::uint32_t size = 100)
{
    auto m = std::make_shared<Message>();
    m->id = id;
    m->key = std::move(key);
    m->size = size;
    return m;
}

Record record(std::uint64_t id, SimTime timestamp = 0)
{
    Record r;
    r.message = message(id);
    r.timestamp = timestamp;
    return r;
}

Record keyed(std::uint64_t id, std::string key)
{
    Record r;
    r.message = message(id, std::move(key));
    return r;
}

// A request of `type` with `body` at `at`.
Action request(SimTime at, std::uint64_t tag, FrameType type, std::shared_ptr<const FrameBody> body)
{
    Action a;
    a.at = at;
    a.frame.type = type;
    a.frame.tag = tag;
    a.frame.body = std::move(body);
    return a;
}

struct ProduceSpec {
    std::int16_t acks = -1;
    std::vector<Record> records;
    std::int64_t producerId = -1;
    std::int16_t producerEpoch = 0;
    std::int32_t baseSequence = -1;
    std::uint32_t partition = 0;
    SimTime timeout = 30 * s;
    bool transactional = false;
};

Action produce(SimTime at, std::uint64_t tag, ProduceSpec spec)
{
    auto body = std::make_shared<ProduceRequest>();
    body->acks = spec.acks;
    body->records = std::move(spec.records);
    body->producerId = spec.producerId;
    body->producerEpoch = spec.producerEpoch;
    body->baseSequence = spec.baseSequence;
    body->timeout = spec.timeout;
    body->transactional = spec.transactional;
    Action a;
    a.at = at;
    a.frame.type = FrameType::Produce;
    a.frame.tag = tag;
    a.frame.partition = spec.partition;
    a.frame.body = std::move(body);
    return a;
}

Action fetch(SimTime at, std::uint64_t tag, std::int64_t offset, SimTime maxWait = 0,
             std::uint32_t partition = 0)
{
    auto body = std::make_shared<FetchRequest>();
    body->partitions.push_back({partition, offset});
    body->maxWait = maxWait;
    Action a;
    a.at = at;
    a.frame.type = FrameType::Fetch;
    a.frame.tag = tag;
    a.frame.body = std::move(body);
    return a;
}

Action fetchIsolated(SimTime at, std::uint64_t tag, std::int64_t offset, bool readCommitted)
{
    Action a = fetch(at, tag, offset);
    auto body = std::make_shared<FetchRequest>(*a.frame.as<FetchRequest>());
    body->readCommitted = readCommitted;
    a.frame.body = std::move(body);
    return a;
}

// Producer ids are unique in the run: the topic's node index (1: the client "c" comes first) times
// 2^32 plus a count.
constexpr std::int64_t kPidBase = std::int64_t{1} << 32;

Action initProducerId(SimTime at, std::uint64_t tag, std::string transactionalId, SimTime timeout = 60 * s)
{
    auto body = std::make_shared<InitProducerIdRequest>();
    body->transactionalId = std::move(transactionalId);
    body->transactionTimeout = timeout;
    return request(at, tag, FrameType::InitProducerId, body);
}
Action addPartitions(SimTime at, std::uint64_t tag, std::int64_t pid, std::int16_t epoch,
                     std::vector<std::uint32_t> partitions = {0})
{
    auto body = std::make_shared<AddPartitionsToTxnRequest>();
    body->transactionalId = "tx";
    body->producerId = pid;
    body->producerEpoch = epoch;
    body->partitions = std::move(partitions);
    return request(at, tag, FrameType::AddPartitionsToTxn, body);
}
Action endTxn(SimTime at, std::uint64_t tag, std::int64_t pid, std::int16_t epoch, bool commit,
              std::string transactionalId = "tx")
{
    auto body = std::make_shared<EndTxnRequest>();
    body->transactionalId = std::move(transactionalId);
    body->producerId = pid;
    body->producerEpoch = epoch;
    body->commit = commit;
    return request(at, tag, FrameType::EndTxn, body);
}
std::size_t dataRecords(const FetchResponse::Partition &p)
{
    return static_cast<std::size_t>(
        std::count_if(p.records.begin(), p.records.end(), [](const Record &r) { return !r.control; }));
}

Action listOffsetsAt(SimTime at, std::uint64_t tag, std::int64_t timestamp)
{
    auto body = std::make_shared<ListOffsetsRequest>();
    body->partitions.push_back({0, timestamp});
    Action a;
    a.at = at;
    a.frame.type = FrameType::ListOffsets;
    a.frame.tag = tag;
    a.frame.body = std::move(body);
    return a;
}

std::uint16_t produceStatus(const Script &sc, std::uint64_t tag)
{
    const Frame *f = sc.response(tag);
    return f ? f->status : kNoStatus;
}
std::int64_t produceOffset(const Script &sc, std::uint64_t tag)
{
    const Frame *f = sc.response(tag);
    const auto *b = f ? f->as<ProduceResponse>() : nullptr;
    return b ? b->baseOffset : -2;
}
const FetchResponse::Partition *fetched(const Script &sc, std::uint64_t tag)
{
    const Frame *f = sc.response(tag);
    const auto *b = f ? f->as<FetchResponse>() : nullptr;
    return b && !b->partitions.empty() ? &b->partitions.front() : nullptr;
}

FaultDef brokerCrash(const std::string &id, int broker, SimTime start, std::optional<SimTime> duration)
{
    FaultDef f;
    f.id = id;
    f.kind = "broker-crash";
    f.target = "t";
    f.start = start;
    f.duration = duration;
    f.params = {{"broker", broker}};
    return f;
}

// The scripts of the current test's clients, by node id (tests run one at a time).
std::map<std::string, std::shared_ptr<Script>> &scripts()
{
    static std::map<std::string, std::shared_ptr<Script>> all;
    return all;
}

const KindRegistry &testRegistry()
{
    static const KindRegistry reg = [] {
        KindRegistry r = KindRegistry::builtin();
        NodeKindSpec k;
        k.kind = "test-kafka-client";
        k.label = "Scripted Kafka client";
        k.category = "Test";
        k.ports = {{"out", PortDirection::Out, Protocol::Kafka, true, "", PortSpec::Need::Optional},
                   {"in", PortDirection::In, Protocol::Kafka, true, "", PortSpec::Need::Optional}};
        k.factory = [](const NodeSetup &setup) {
            return std::make_unique<ScriptedKafkaClient>(scripts().at(setup.id).get());
        };
        r.add(std::move(k));
        return r;
    }();
    return reg;
}

struct TopicRun {
    std::unique_ptr<Simulation> sim;
    RecordingSink trace;
    NodeIndex topic = 0;

    std::vector<TraceEvent> events(TraceKind k) const
    {
        std::vector<TraceEvent> out;
        for (const auto &e : trace.events)
            if (e.kind == k && e.node == topic) out.push_back(e);
        return out;
    }
    std::size_t count(TraceKind k) const { return events(k).size(); }
    std::size_t drops(DropReason r) const
    {
        std::size_t n = 0;
        for (const auto &e : events(TraceKind::Drop))
            n += e.reason == r;
        return n;
    }
};

// A topic "t" with `props`, a producing client "c" (on the produce port) and, when given, a
// consuming client "k" (on the consumers port); 1 ms links.
std::unique_ptr<TopicRun> runTopic(Json props, Script producer, std::optional<Script> consumer = {},
                                   std::vector<FaultDef> faults = {}, SimTime until = 600 * s)
{
    scripts().clear();
    scripts()["c"] = std::make_shared<Script>(std::move(producer));
    TopologyBuilder b;
    b.node("c", "test-kafka-client").node("t", "kafka-topic", std::move(props));
    b.link("c", "t", {{"latency", "1ms"}}, "out", "produce");
    if (consumer) {
        scripts()["k"] = std::make_shared<Script>(std::move(*consumer));
        b.node("k", "test-kafka-client");
        b.link("t", "k", {{"latency", "1ms"}}, "consumers", "in");
    }
    Topology t = b.topology();
    t.faults = std::move(faults);
    for (const auto &d : validateTopology(t, testRegistry()))
        if (d.severity == Diagnostic::Severity::Error) qWarning("%s", d.toString().c_str());
    auto r = std::make_unique<TopicRun>();
    std::string error;
    r->sim = Simulation::build(t, error, testRegistry());
    if (!r->sim) {
        qWarning("build failed: %s", error.c_str());
        return nullptr;
    }
    r->topic = static_cast<NodeIndex>(*t.nodeIndex("t"));
    r->sim->addSink(&r->trace);
    RunOptions o;
    o.until = until;
    r->sim->run(o);
    return r;
}

Script &client(const std::string &id = "c")
{
    return *scripts().at(id);
}

} // namespace

Q_DECLARE_METATYPE(sb::SimTime)

class TestKafkaTopic : public QObject {
    Q_OBJECT
private slots:
    void acks_data();
    void acks();
    void notEnoughReplicas_data();
    void notEnoughReplicas();
    void leaderCrashBeforeReplication_data();
    void leaderCrashBeforeReplication();
    void cleanElectionFromIsr();
    void uncleanElection_data();
    void uncleanElection();
    void isrShrinksAndExpands();
    void idempotentDuplicateNotAppendedTwice();
    void producerSequence_data();
    void producerSequence();
    void fetchUpToHighWatermark();
    void longPoll_data();
    void longPoll();
    void offsetOutOfRange_data();
    void offsetOutOfRange();
    void listOffsets_data();
    void listOffsets();
    void messageTooLarge();
    void requestTimedOut();
    void retentionAndCompaction_data();
    void retentionAndCompaction();
    void nodeCrashKeepsLogsOnDisk_data();
    void nodeCrashKeepsLogsOnDisk();
    void metadataAndProducerIds();
    void groupFramesGoToTheCoordinator();
    void transactionVisibility_data();
    void transactionVisibility();
    void newEpochFencesAndAborts();
    void transactionTimeoutAborts();
    void transactionErrors_data();
    void transactionErrors();
    void requireStableWaitsForPendingOffsets_data();
    void requireStableWaitsForPendingOffsets();
    void validation_data();
    void validation();
};

void TestKafkaTopic::acks_data()
{
    QTest::addColumn<int>("acks");
    QTest::addColumn<bool>("answered");
    QTest::addColumn<SimTime>("answeredAt");
    // Sent at 0 over a 1 ms link; followers take 5 ms to replicate.
    QTest::newRow("acks=0: no response") << 0 << false << SimTime(0);
    QTest::newRow("acks=1: after the leader's append") << 1 << true << 2 * ms;
    QTest::newRow("acks=all: when the high watermark covers it") << -1 << true << 7 * ms;
}

void TestKafkaTopic::acks()
{
    QFETCH(int, acks);
    QFETCH(bool, answered);
    QFETCH(SimTime, answeredAt);
    Script sc;
    sc.actions.push_back(produce(0, 1, {std::int16_t(acks), {record(1)}}));
    auto r = runTopic({{"brokers", 3}, {"replicationFactor", 3}, {"replicationLatency", "5ms"}}, sc);
    QVERIFY(r);
    QCOMPARE(r->count(TraceKind::Append), std::size_t(1));
    QCOMPARE(r->count(TraceKind::Replicate), std::size_t(2));
    QCOMPARE(client().response(1) != nullptr, answered);
    if (answered) {
        QCOMPARE(produceStatus(client(), 1), KafkaError::None);
        QCOMPARE(produceOffset(client(), 1), std::int64_t(0));
        QCOMPARE(client().responseTime(1), answeredAt);
    }
    const auto hw = r->events(TraceKind::HighWatermark);
    QCOMPARE(hw.size(), std::size_t(1));
    QCOMPARE(hw[0].offset, std::int64_t(1));
    QCOMPARE(hw[0].time, 6 * ms);
}

void TestKafkaTopic::notEnoughReplicas_data()
{
    QTest::addColumn<int>("acks");
    QTest::addColumn<SimTime>("at");
    QTest::addColumn<int>("status");
    QTest::addColumn<int>("appended");
    // Two brokers, min.insync.replicas 2; broker 2 crashes at 1 s and is fenced at 10 s.
    QTest::newRow("acks=all with the ISR too small")
        << -1 << 12 * s << int(KafkaError::NotEnoughReplicas) << 0;
    QTest::newRow("acks=1 is not held to min.insync.replicas") << 1 << 12 * s << int(KafkaError::None) << 1;
    QTest::newRow("acks=all, the ISR shrank after the append")
        << -1 << 5 * s << int(KafkaError::NotEnoughReplicasAfterAppend) << 1;
    QTest::newRow("acks=all before the crash") << -1 << SimTime(0) << int(KafkaError::None) << 1;
}

void TestKafkaTopic::notEnoughReplicas()
{
    QFETCH(int, acks);
    QFETCH(SimTime, at);
    QFETCH(int, status);
    QFETCH(int, appended);
    Script sc;
    sc.actions.push_back(produce(at, 1, {std::int16_t(acks), {record(1)}}));
    sc.actions.push_back(fetch(20 * s, 2, 0)); // keeps the run going past the fence
    auto r = runTopic({{"brokers", 2}, {"replicationFactor", 2}, {"minInsyncReplicas", 2}}, sc, {},
                      {brokerCrash("b2", 2, 1 * s, {})}, 60 * s);
    QVERIFY(r);
    QCOMPARE(int(produceStatus(client(), 1)), status);
    QCOMPARE(r->count(TraceKind::Append), std::size_t(appended));
    const auto shrink = r->events(TraceKind::IsrShrink);
    QCOMPARE(shrink.size(), std::size_t(1));
    QCOMPARE(shrink[0].aux, std::int64_t(2));
    QCOMPARE(shrink[0].deliveryCount, 1u);
    QCOMPARE(shrink[0].time, 10 * s);
}

void TestKafkaTopic::leaderCrashBeforeReplication_data()
{
    QTest::addColumn<int>("acks");
    QTest::addColumn<int>("firstStatus");
    QTest::addColumn<bool>("retried");
    QTest::addColumn<int>("truncatedDrops");
    QTest::addColumn<int>("recordsLeft");
    // acks=1: acknowledged at once, lost when the old leader truncates on its return. acks=all:
    // never acknowledged (the crash fails it), so the producer retries and the record survives.
    QTest::newRow("acks=1 loses an acknowledged record") << 1 << int(KafkaError::None) << false << 1 << 0;
    QTest::newRow("acks=all does not") << -1 << int(KafkaError::NotLeaderOrFollower) << true << 0 << 1;
}

void TestKafkaTopic::leaderCrashBeforeReplication()
{
    QFETCH(int, acks);
    QFETCH(int, firstStatus);
    QFETCH(bool, retried);
    QFETCH(int, truncatedDrops);
    QFETCH(int, recordsLeft);
    Script sc;
    sc.actions.push_back(produce(0, 1, {std::int16_t(acks), {record(7)}}));
    if (retried) sc.actions.push_back(produce(15 * s, 2, {std::int16_t(acks), {record(7)}}));
    sc.actions.push_back(fetch(40 * s, 3, 0));
    // Broker 1 leads partition 0; it crashes at 10 ms, before the 50 ms replication, for 20 s.
    auto r = runTopic({{"brokers", 2}, {"replicationFactor", 2}, {"replicationLatency", "50ms"}}, sc, {},
                      {brokerCrash("b1", 1, 10 * ms, 20 * s)}, 60 * s);
    QVERIFY(r);
    QCOMPARE(int(produceStatus(client(), 1)), firstStatus);
    if (retried) QCOMPARE(produceStatus(client(), 2), KafkaError::None);
    QCOMPARE(int(r->drops(DropReason::Truncated)), truncatedDrops);
    const auto elect = r->events(TraceKind::LeaderElect);
    QCOMPARE(elect.size(), std::size_t(2)); // the start's, and broker 2 after the fence at 9.01 s
    QCOMPARE(elect[1].aux, std::int64_t(2));
    QCOMPARE(elect[1].epoch, 1u);
    QCOMPARE(elect[1].flags & TraceFlag::Unclean, 0);
    QCOMPARE(elect[1].time, 10 * ms + 9 * s);
    const auto truncate = r->events(TraceKind::Truncate);
    QCOMPARE(truncate.size(), std::size_t(1));
    QCOMPARE(truncate[0].aux, std::int64_t(1));
    QCOMPARE(truncate[0].offset, std::int64_t(0));
    const auto *p = fetched(client(), 3);
    QVERIFY(p);
    QCOMPARE(int(p->records.size()), recordsLeft);
}

void TestKafkaTopic::cleanElectionFromIsr()
{
    Script sc;
    sc.actions.push_back(produce(0, 1, {-1, {record(1), record(2)}}));
    sc.actions.push_back(fetch(20 * s, 2, 0));
    auto r = runTopic({{"brokers", 3}, {"replicationFactor", 3}}, sc, {}, {brokerCrash("b1", 1, 1 * s, {})},
                      60 * s);
    QVERIFY(r);
    QCOMPARE(produceStatus(client(), 1), KafkaError::None);
    const auto shrink = r->events(TraceKind::IsrShrink);
    QCOMPARE(shrink.size(), std::size_t(1));
    QCOMPARE(shrink[0].aux, std::int64_t(1));
    QCOMPARE(shrink[0].deliveryCount, 2u);
    const auto elect = r->events(TraceKind::LeaderElect);
    QCOMPARE(elect.size(), std::size_t(2));
    QCOMPARE(elect[1].aux, std::int64_t(2)); // the first live ISR member in assignment order
    QCOMPARE(elect[1].epoch, 1u);
    QCOMPARE(elect[1].flags & TraceFlag::Unclean, 0);
    QCOMPARE(elect[1].time, 10 * s);
    const auto *p = fetched(client(), 2);
    QVERIFY(p);
    QCOMPARE(p->error, KafkaError::None);
    QCOMPARE(p->records.size(), std::size_t(2));
    QCOMPARE(r->drops(DropReason::Truncated), std::size_t(0));
}

void TestKafkaTopic::uncleanElection_data()
{
    QTest::addColumn<bool>("unclean");
    QTest::addColumn<int>("offlineElections");
    QTest::addColumn<int>("uncleanElections");
    QTest::addColumn<int>("fetchError");
    QTest::addColumn<int>("truncatedDrops");
    QTest::addColumn<int>("finalLeader");
    QTest::newRow("unclean: broker 2 leads and the record is lost")
        << true << 0 << 1 << int(KafkaError::None) << 1 << 2;
    QTest::newRow("clean: offline until broker 1 returns")
        << false << 1 << 0 << int(KafkaError::LeaderNotAvailable) << 0 << 1;
}

void TestKafkaTopic::uncleanElection()
{
    QFETCH(bool, unclean);
    QFETCH(int, offlineElections);
    QFETCH(int, uncleanElections);
    QFETCH(int, fetchError);
    QFETCH(int, truncatedDrops);
    QFETCH(int, finalLeader);
    // Broker 2 (the follower) is down 1-21 s and fenced at 10 s: the ISR is {1}. A record acked at
    // 12 s lives on broker 1 only; broker 1 crashes at 15 s (fenced at 24 s) and returns at 45 s.
    Script sc;
    sc.actions.push_back(produce(12 * s, 1, {1, {record(5)}}));
    sc.actions.push_back(fetch(30 * s, 2, 0));
    auto r = runTopic({{"brokers", 2}, {"replicationFactor", 2}, {"uncleanLeaderElection", unclean}}, sc, {},
                      {brokerCrash("b2", 2, 1 * s, 20 * s), brokerCrash("b1", 1, 15 * s, 30 * s)}, 60 * s);
    QVERIFY(r);
    QCOMPARE(produceStatus(client(), 1), KafkaError::None);
    int offline = 0, uncleanCount = 0;
    std::int64_t last = 0;
    for (const auto &e : r->events(TraceKind::LeaderElect)) {
        offline += e.aux == -1;
        uncleanCount += (e.flags & TraceFlag::Unclean) != 0;
        last = e.aux;
    }
    QCOMPARE(offline, offlineElections);
    QCOMPARE(uncleanCount, uncleanElections);
    QCOMPARE(last, std::int64_t(finalLeader));
    const auto *p = fetched(client(), 2);
    QVERIFY(p);
    QCOMPARE(int(p->error), fetchError);
    QCOMPARE(int(r->drops(DropReason::Truncated)), truncatedDrops);
}

void TestKafkaTopic::isrShrinksAndExpands()
{
    // Replication takes 60 s, longer than replica.lag.time.max.ms (30 s, checked every 15 s).
    Script sc;
    sc.actions.push_back(produce(0, 1, {1, {record(1)}}));
    auto r = runTopic({{"brokers", 2}, {"replicationFactor", 2}, {"replicationLatency", "60s"}}, sc);
    QVERIFY(r);
    const auto shrink = r->events(TraceKind::IsrShrink);
    QCOMPARE(shrink.size(), std::size_t(1));
    QCOMPARE(shrink[0].time, 45 * s);
    QCOMPARE(shrink[0].aux, std::int64_t(2));
    QCOMPARE(shrink[0].deliveryCount, 1u);
    // With the follower out, the high watermark no longer waits for it.
    const auto hw = r->events(TraceKind::HighWatermark);
    QCOMPARE(hw.size(), std::size_t(1));
    QCOMPARE(hw[0].time, 45 * s);
    const auto expand = r->events(TraceKind::IsrExpand);
    QCOMPARE(expand.size(), std::size_t(1));
    QCOMPARE(expand[0].time, 60 * s + 1 * ms);
    QCOMPARE(expand[0].deliveryCount, 2u);
}

void TestKafkaTopic::idempotentDuplicateNotAppendedTwice()
{
    Script sc;
    ProduceSpec batch{1, {record(1), record(2)}, 7, 0, 0};
    sc.actions.push_back(produce(0, 1, batch));
    sc.actions.push_back(produce(10 * ms, 2, batch)); // a retry of the same batch
    auto r = runTopic(Json::object(), sc);
    QVERIFY(r);
    QCOMPARE(r->count(TraceKind::Append), std::size_t(2));
    const auto dedupe = r->events(TraceKind::Dedupe);
    QCOMPARE(dedupe.size(), std::size_t(2));
    QCOMPARE(dedupe[0].offset, std::int64_t(0));
    QCOMPARE(dedupe[1].offset, std::int64_t(1));
    QCOMPARE(produceStatus(client(), 2), KafkaError::None);
    QCOMPARE(produceOffset(client(), 2), std::int64_t(0)); // the original batch's offset
}

void TestKafkaTopic::producerSequence_data()
{
    QTest::addColumn<int>("secondEpoch");
    QTest::addColumn<int>("secondSequence");
    QTest::addColumn<int>("status");
    QTest::addColumn<int>("appends");
    // The first batch: epoch 1, sequences 0-1.
    QTest::newRow("next in sequence") << 1 << 2 << int(KafkaError::None) << 4;
    QTest::newRow("a gap") << 1 << 5 << int(KafkaError::OutOfOrderSequenceNumber) << 2;
    QTest::newRow("overlapping") << 1 << 1 << int(KafkaError::OutOfOrderSequenceNumber) << 2;
    QTest::newRow("an old epoch") << 0 << 2 << int(KafkaError::InvalidProducerEpoch) << 2;
    QTest::newRow("a new epoch from 0") << 2 << 0 << int(KafkaError::None) << 4;
    QTest::newRow("a new epoch not from 0") << 2 << 2 << int(KafkaError::OutOfOrderSequenceNumber) << 2;
}

void TestKafkaTopic::producerSequence()
{
    QFETCH(int, secondEpoch);
    QFETCH(int, secondSequence);
    QFETCH(int, status);
    QFETCH(int, appends);
    Script sc;
    sc.actions.push_back(produce(0, 1, {1, {record(1), record(2)}, 7, 1, 0}));
    sc.actions.push_back(produce(
        10 * ms, 2, {1, {record(3), record(4)}, 7, std::int16_t(secondEpoch), std::int32_t(secondSequence)}));
    auto r = runTopic(Json::object(), sc);
    QVERIFY(r);
    QCOMPARE(produceStatus(client(), 1), KafkaError::None);
    QCOMPARE(int(produceStatus(client(), 2)), status);
    QCOMPARE(int(r->count(TraceKind::Append)), appends);
}

void TestKafkaTopic::fetchUpToHighWatermark()
{
    Script sc;
    sc.actions.push_back(produce(0, 1, {1, {record(1), record(2), record(3)}}));
    sc.actions.push_back(fetch(10 * ms, 2, 0)); // replicated at 101 ms: nothing committed yet
    sc.actions.push_back(fetch(200 * ms, 3, 0));
    sc.actions.push_back(fetch(200 * ms, 4, 2));
    auto r = runTopic({{"brokers", 2}, {"replicationFactor", 2}, {"replicationLatency", "100ms"}}, sc);
    QVERIFY(r);
    const auto *early = fetched(client(), 2);
    QVERIFY(early);
    QCOMPARE(early->error, KafkaError::None);
    QCOMPARE(early->records.size(), std::size_t(0));
    QCOMPARE(early->highWatermark, std::int64_t(0));
    const auto *late = fetched(client(), 3);
    QVERIFY(late);
    QCOMPARE(late->records.size(), std::size_t(3));
    QCOMPARE(late->highWatermark, std::int64_t(3));
    const auto *tail = fetched(client(), 4);
    QVERIFY(tail);
    QCOMPARE(tail->records.size(), std::size_t(1));
    QCOMPARE(tail->records[0].offset, std::int64_t(2));
    QCOMPARE(tail->records[0].message->id, std::uint64_t(3));
    // A Deliver per record handed out, to the client.
    const auto delivered = r->events(TraceKind::Deliver);
    QCOMPARE(delivered.size(), std::size_t(4));
    QCOMPARE(delivered[0].peer, static_cast<NodeIndex>(*r->sim->topology().nodeIndex("c")));
    QCOMPARE(delivered[0].partition, 0u);
}

void TestKafkaTopic::longPoll_data()
{
    QTest::addColumn<bool>("recordArrives");
    QTest::addColumn<SimTime>("answeredAt");
    QTest::addColumn<int>("records");
    // The consumer fetches at 0 with fetch.max.wait.ms 500; a record is produced at 100 ms.
    QTest::newRow("answered when the record arrives") << true << 102 * ms << 1;
    QTest::newRow("answered empty at maxWait") << false << 502 * ms << 0;
}

void TestKafkaTopic::longPoll()
{
    QFETCH(bool, recordArrives);
    QFETCH(SimTime, answeredAt);
    QFETCH(int, records);
    Script producer, consumer;
    if (recordArrives) producer.actions.push_back(produce(100 * ms, 1, {1, {record(9)}}));
    consumer.actions.push_back(fetch(0, 5, 0, 500 * ms));
    auto r = runTopic(Json::object(), producer, consumer);
    QVERIFY(r);
    QCOMPARE(client("k").responseTime(5), answeredAt);
    const auto *p = fetched(client("k"), 5);
    QVERIFY(p);
    QCOMPARE(int(p->records.size()), records);
    if (records) {
        const auto delivered = r->events(TraceKind::Deliver);
        QCOMPARE(delivered.size(), std::size_t(1));
        QCOMPARE(delivered[0].messageId, std::uint64_t(9));
        QCOMPARE(delivered[0].peer, static_cast<NodeIndex>(*r->sim->topology().nodeIndex("k")));
        QCOMPARE(delivered[0].offset, std::int64_t(0));
    }
}

void TestKafkaTopic::offsetOutOfRange_data()
{
    QTest::addColumn<qint64>("offset");
    QTest::addColumn<int>("error");
    QTest::addColumn<int>("records");
    // Three records, offsets 0-2, all committed.
    QTest::newRow("from the start") << qint64(0) << int(KafkaError::None) << 3;
    QTest::newRow("at the log end") << qint64(3) << int(KafkaError::None) << 0;
    QTest::newRow("past the log end") << qint64(4) << int(KafkaError::OffsetOutOfRange) << 0;
    QTest::newRow("before the log start") << qint64(-1) << int(KafkaError::OffsetOutOfRange) << 0;
}

void TestKafkaTopic::offsetOutOfRange()
{
    QFETCH(qint64, offset);
    QFETCH(int, error);
    QFETCH(int, records);
    Script sc;
    sc.actions.push_back(produce(0, 1, {1, {record(1), record(2), record(3)}}));
    sc.actions.push_back(fetch(10 * ms, 2, offset));
    auto r = runTopic(Json::object(), sc);
    QVERIFY(r);
    const auto *p = fetched(client(), 2);
    QVERIFY(p);
    QCOMPARE(int(p->error), error);
    QCOMPARE(int(p->records.size()), records);
}

void TestKafkaTopic::listOffsets_data()
{
    QTest::addColumn<qint64>("timestamp");
    QTest::addColumn<qint64>("offset");
    // Records stamped 1 s, 2 s, 3 s at offsets 0-2.
    QTest::newRow("earliest") << qint64(kEarliestTimestamp) << qint64(0);
    QTest::newRow("latest") << qint64(kLatestTimestamp) << qint64(3);
    QTest::newRow("a record's timestamp") << qint64(2 * s) << qint64(1);
    QTest::newRow("between two") << qint64(1500 * ms) << qint64(1);
    QTest::newRow("after every record") << qint64(5 * s) << qint64(-1);
}

void TestKafkaTopic::listOffsets()
{
    QFETCH(qint64, timestamp);
    QFETCH(qint64, offset);
    Script sc;
    sc.actions.push_back(produce(0, 1, {1, {record(1, 1 * s), record(2, 2 * s), record(3, 3 * s)}}));
    sc.actions.push_back(listOffsetsAt(10 * ms, 2, timestamp));
    auto r = runTopic(Json::object(), sc);
    QVERIFY(r);
    const Frame *f = client().response(2);
    QVERIFY(f);
    const auto *b = f->as<ListOffsetsResponse>();
    QVERIFY(b);
    QCOMPARE(b->partitions.size(), std::size_t(1));
    QCOMPARE(b->partitions[0].error, KafkaError::None);
    QCOMPARE(b->partitions[0].offset, std::int64_t(offset));
}

void TestKafkaTopic::messageTooLarge()
{
    Script sc;
    Record big;
    big.message = message(1, {}, 2000);
    sc.actions.push_back(produce(0, 1, {1, {big}}));
    auto r = runTopic({{"maxMessageBytes", 1000}}, sc);
    QVERIFY(r);
    QCOMPARE(produceStatus(client(), 1), KafkaError::MessageTooLarge);
    QCOMPARE(r->count(TraceKind::Append), std::size_t(0));
}

void TestKafkaTopic::requestTimedOut()
{
    Script sc;
    ProduceSpec spec{-1, {record(1)}};
    spec.timeout = 1 * s;
    sc.actions.push_back(produce(0, 1, spec));
    auto r = runTopic({{"brokers", 2}, {"replicationFactor", 2}, {"replicationLatency", "10s"}}, sc);
    QVERIFY(r);
    QCOMPARE(produceStatus(client(), 1), KafkaError::RequestTimedOut);
    QCOMPARE(client().responseTime(1), 1 * s + 2 * ms);
    QCOMPARE(r->count(TraceKind::Append), std::size_t(1)); // appended all the same
}

void TestKafkaTopic::retentionAndCompaction_data()
{
    QTest::addColumn<QString>("props");
    QTest::addColumn<QStringList>("keys");
    QTest::addColumn<int>("retentionEvents");
    QTest::addColumn<int>("expiredDrops");
    QTest::addColumn<int>("compactEvents");
    QTest::addColumn<int>("compactedDrops");
    QTest::addColumn<int>("fetchError");
    QTest::addColumn<QList<qint64>>("left");
    QTest::addColumn<qint64>("logStart"); // after the first retention pass
    // Six records at 0 ms, two a segment; retention checked and the cleaner run every second.
    // Every segment expires: Kafka rolls the active one and deletes it too.
    QTest::newRow("delete: every segment expires, the active one rolled first")
        << R"({"retention": 1000, "segmentBytes": 250, "retentionCheck": 1000})"
        << QStringList{"", "", "", "", "", ""} << 1 << 6 << 0 << 0 << int(KafkaError::OffsetOutOfRange)
        << QList<qint64>{} << qint64(6);
    QTest::newRow("compact: the newest per key in closed segments")
        << R"({"cleanupPolicy": "compact", "segmentBytes": 202, "cleanerBackoff": 1000})"
        << QStringList{"a", "a", "b", "b", "a", "c"} << 0 << 0 << 2 << 2 << int(KafkaError::None)
        << QList<qint64>{1, 3, 4, 5} << qint64(0);
}

void TestKafkaTopic::retentionAndCompaction()
{
    QFETCH(QString, props);
    QFETCH(QStringList, keys);
    QFETCH(int, retentionEvents);
    QFETCH(int, expiredDrops);
    QFETCH(int, compactEvents);
    QFETCH(int, compactedDrops);
    QFETCH(int, fetchError);
    QFETCH(QList<qint64>, left);
    QFETCH(qint64, logStart);
    Script sc;
    for (int i = 0; i < keys.size(); ++i)
        sc.actions.push_back(produce(0, 1 + i, {1, {keyed(10 + i, keys[i].toStdString())}}));
    sc.actions.push_back(fetch(3 * s, 100, 0));
    auto r = runTopic(Json::parse(props.toStdString()), sc);
    QVERIFY(r);
    QCOMPARE(int(r->count(TraceKind::Retention)), retentionEvents);
    if (retentionEvents) {
        QCOMPARE(r->events(TraceKind::Retention)[0].offset, std::int64_t(logStart));
        QCOMPARE(r->events(TraceKind::Retention)[0].aux, std::int64_t(logStart));
    }
    QCOMPARE(int(r->drops(DropReason::RetentionExpired)), expiredDrops);
    QCOMPARE(int(r->count(TraceKind::Compact)), compactEvents);
    QCOMPARE(int(r->drops(DropReason::Compacted)), compactedDrops);
    const auto *p = fetched(client(), 100);
    QVERIFY(p);
    QCOMPARE(int(p->error), fetchError);
    QList<qint64> offsets;
    for (const auto &rec : p->records)
        offsets << rec.offset;
    QCOMPARE(offsets, left);
}

void TestKafkaTopic::nodeCrashKeepsLogsOnDisk_data()
{
    QTest::addColumn<QString>("disk");
    QTest::addColumn<int>("records");
    QTest::addColumn<int>("crashDrops");
    QTest::newRow("disk kept") << "kept" << 2 << 0;
    QTest::newRow("disk lost") << "lost" << 0 << 2;
}

void TestKafkaTopic::nodeCrashKeepsLogsOnDisk()
{
    QFETCH(QString, disk);
    QFETCH(int, records);
    QFETCH(int, crashDrops);
    Script sc;
    sc.actions.push_back(produce(0, 1, {-1, {record(1), record(2)}}));
    sc.actions.push_back(fetch(3 * s, 2, 0));
    FaultDef crash;
    crash.id = "crash";
    crash.kind = "crash";
    crash.target = "t";
    crash.start = 1 * s;
    crash.duration = 1 * s;
    crash.params = {{"disk", disk.toStdString()}};
    auto r = runTopic({{"brokers", 3}, {"replicationFactor", 3}}, sc, {}, {crash});
    QVERIFY(r);
    QCOMPARE(produceStatus(client(), 1), KafkaError::None);
    const auto *p = fetched(client(), 2);
    QVERIFY(p);
    QCOMPARE(p->error, KafkaError::None);
    QCOMPARE(int(p->records.size()), records);
    QCOMPARE(int(r->drops(DropReason::Crash)), crashDrops);
}

void TestKafkaTopic::metadataAndProducerIds()
{
    Script sc;
    sc.actions.push_back(request(0, 1, FrameType::Metadata, nullptr));
    sc.actions.push_back(request(0, 2, FrameType::InitProducerId, std::make_shared<InitProducerIdRequest>()));
    sc.actions.push_back(
        request(1 * ms, 3, FrameType::InitProducerId, std::make_shared<InitProducerIdRequest>()));
    auto txn = std::make_shared<InitProducerIdRequest>();
    txn->transactionalId = "tx";
    sc.actions.push_back(request(2 * ms, 4, FrameType::InitProducerId, txn));
    sc.actions.push_back(request(3 * ms, 5, FrameType::InitProducerId, txn));
    // The transactional id's first epoch is fenced by the second.
    sc.actions.push_back(produce(10 * ms, 6, {1, {record(1)}, kPidBase + 2, 0, 0}));
    sc.actions.push_back(produce(11 * ms, 7, {1, {record(2)}, kPidBase + 2, 1, 0}));
    auto r = runTopic({{"partitions", 4}, {"brokers", 3}}, sc);
    QVERIFY(r);
    const auto *meta = client().response(1)->as<MetadataResponse>();
    QVERIFY(meta);
    QCOMPARE(meta->partitions, 4u);
    QCOMPARE(meta->leaders, (std::vector<std::int32_t>{1, 2, 3, 1}));
    auto pid = [&](std::uint64_t tag) {
        const auto *b = client().response(tag)->as<InitProducerIdResponse>();
        return b ? std::pair<std::int64_t, int>{b->producerId, b->producerEpoch}
                 : std::pair<std::int64_t, int>{-9, -9};
    };
    QCOMPARE(pid(2), (std::pair<std::int64_t, int>{kPidBase + 0, 0}));
    QCOMPARE(pid(3), (std::pair<std::int64_t, int>{kPidBase + 1, 0}));
    QCOMPARE(pid(4), (std::pair<std::int64_t, int>{kPidBase + 2, 0}));
    QCOMPARE(pid(5), (std::pair<std::int64_t, int>{kPidBase + 2, 1}));
    QCOMPARE(produceStatus(client(), 6), KafkaError::InvalidProducerEpoch);
    QCOMPARE(produceStatus(client(), 7), KafkaError::None);
}

void TestKafkaTopic::groupFramesGoToTheCoordinator()
{
    Script producer, consumer;
    auto commit = std::make_shared<OffsetCommitRequest>();
    commit->groupId = "g";
    commit->offsets = {{0, 5}};
    consumer.actions.push_back(request(0, 1, FrameType::OffsetCommit, commit));
    auto read = std::make_shared<OffsetFetchRequest>();
    read->groupId = "g";
    read->partitions = {0};
    consumer.actions.push_back(request(10 * ms, 2, FrameType::OffsetFetch, read));
    auto r = runTopic(Json::object(), producer, consumer);
    QVERIFY(r);
    QVERIFY(client("k").response(1));
    QCOMPARE(client("k").response(1)->status, KafkaError::None);
    const Frame *f = client("k").response(2);
    QVERIFY(f);
    const auto *b = f->as<OffsetFetchResponse>();
    QVERIFY(b);
    QCOMPARE(b->offsets.size(), std::size_t(1));
    QCOMPARE(b->offsets[0].second, std::int64_t(5));
}

void TestKafkaTopic::transactionVisibility_data()
{
    QTest::addColumn<bool>("commit");
    QTest::addColumn<bool>("readCommitted");
    QTest::addColumn<int>("visibleBefore"); // records a fetch returns while the transaction is open
    QTest::addColumn<int>("visibleAfter");  // data records after it ended
    QTest::addColumn<int>("abortedListed"); // aborted transactions the response lists
    QTest::newRow("commit, read_committed") << true << true << 0 << 2 << 0;
    QTest::newRow("commit, read_uncommitted") << true << false << 2 << 2 << 0;
    QTest::newRow("abort, read_committed") << false << true << 0 << 2 << 1;
    QTest::newRow("abort, read_uncommitted") << false << false << 2 << 2 << 0;
}

void TestKafkaTopic::transactionVisibility()
{
    QFETCH(bool, commit);
    QFETCH(bool, readCommitted);
    QFETCH(int, visibleBefore);
    QFETCH(int, visibleAfter);
    QFETCH(int, abortedListed);
    Script sc;
    const std::int64_t pid = kPidBase;
    sc.actions.push_back(initProducerId(0, 1, "tx"));
    sc.actions.push_back(addPartitions(5 * ms, 2, pid, 0));
    ProduceSpec txn{-1, {record(1), record(2)}, pid, 0, 0};
    txn.transactional = true;
    sc.actions.push_back(produce(10 * ms, 3, txn));
    sc.actions.push_back(fetchIsolated(20 * ms, 4, 0, readCommitted));
    sc.actions.push_back(endTxn(30 * ms, 5, pid, 0, commit));
    sc.actions.push_back(fetchIsolated(40 * ms, 6, 0, readCommitted));
    auto r = runTopic({{"brokers", 3}, {"replicationFactor", 3}}, sc);
    QVERIFY(r);
    QCOMPARE(client().response(1)->as<InitProducerIdResponse>()->producerId, pid);
    QCOMPARE(client().response(2)->status, KafkaError::None);
    QCOMPARE(produceStatus(client(), 3), KafkaError::None);
    const auto *before = fetched(client(), 4);
    QVERIFY(before);
    QCOMPARE(int(dataRecords(*before)), visibleBefore);
    QCOMPARE(before->lastStableOffset, std::int64_t(0)); // the open transaction's first offset
    QCOMPARE(before->highWatermark, std::int64_t(2));
    QCOMPARE(client().response(5)->status, KafkaError::None);
    const auto *after = fetched(client(), 6);
    QVERIFY(after);
    QCOMPARE(int(dataRecords(*after)), visibleAfter);
    QCOMPARE(after->lastStableOffset, std::int64_t(3)); // past the marker at offset 2
    QCOMPARE(int(after->aborted.size()), abortedListed);
    // The marker is a control record at offset 2, traced with the transaction's number, which the
    // records' Append events carry too.
    const auto markers = r->events(TraceKind::Marker);
    QCOMPARE(markers.size(), std::size_t(1));
    QCOMPARE(markers[0].offset, std::int64_t(2));
    QCOMPARE(bool(markers[0].flags & TraceFlag::Aborted), !commit);
    const auto ends = r->events(commit ? TraceKind::TxnCommit : TraceKind::TxnAbort);
    QCOMPARE(ends.size(), std::size_t(1));
    QCOMPARE(ends[0].correlationId, markers[0].correlationId);
    QCOMPARE(ends[0].aux, std::int64_t(0)); // the producer asked
    for (const auto &a : r->events(TraceKind::Append)) {
        QVERIFY(a.flags & TraceFlag::Transactional);
        QCOMPARE(a.correlationId, markers[0].correlationId);
    }
}

void TestKafkaTopic::newEpochFencesAndAborts()
{
    Script sc;
    const std::int64_t pid = kPidBase;
    sc.actions.push_back(initProducerId(0, 1, "tx"));
    sc.actions.push_back(addPartitions(5 * ms, 2, pid, 0));
    ProduceSpec txn{-1, {record(1)}, pid, 0, 0};
    txn.transactional = true;
    sc.actions.push_back(produce(10 * ms, 3, txn));
    // A new incarnation with the same transactional id: epoch 1, the open transaction aborted.
    sc.actions.push_back(initProducerId(20 * ms, 4, "tx"));
    sc.actions.push_back(addPartitions(30 * ms, 5, pid, 0));
    ProduceSpec zombie{-1, {record(2)}, pid, 0, 1};
    zombie.transactional = true;
    sc.actions.push_back(produce(31 * ms, 6, zombie));
    sc.actions.push_back(endTxn(32 * ms, 7, pid, 0, true));
    sc.actions.push_back(fetchIsolated(40 * ms, 8, 0, true));
    auto r = runTopic({{"brokers", 3}, {"replicationFactor", 3}}, sc);
    QVERIFY(r);
    const auto *again = client().response(4)->as<InitProducerIdResponse>();
    QVERIFY(again);
    QCOMPARE(again->producerId, pid);
    QCOMPARE(int(again->producerEpoch), 1);
    QVERIFY(again->lastTransaction != 0);
    QVERIFY(!again->lastCommitted);
    QCOMPARE(client().response(5)->status, KafkaError::ProducerFenced);
    QCOMPARE(produceStatus(client(), 6), KafkaError::InvalidProducerEpoch);
    QCOMPARE(client().response(7)->status, KafkaError::ProducerFenced);
    const auto aborts = r->events(TraceKind::TxnAbort);
    QCOMPARE(aborts.size(), std::size_t(1));
    QCOMPARE(aborts[0].aux, std::int64_t(2)); // fenced by the new epoch
    QCOMPARE(aborts[0].correlationId, again->lastTransaction);
    const auto *p = fetched(client(), 8);
    QVERIFY(p);
    QCOMPARE(int(p->aborted.size()), 1);
}

void TestKafkaTopic::transactionTimeoutAborts()
{
    Script sc;
    const std::int64_t pid = kPidBase;
    sc.actions.push_back(initProducerId(0, 1, "tx", 100 * ms));
    sc.actions.push_back(addPartitions(5 * ms, 2, pid, 0));
    ProduceSpec txn{-1, {record(1)}, pid, 0, 0};
    txn.transactional = true;
    sc.actions.push_back(produce(10 * ms, 3, txn));
    sc.actions.push_back(fetchIsolated(50 * ms, 4, 0, true));
    sc.actions.push_back(endTxn(500 * ms, 5, pid, 0, true));
    sc.actions.push_back(fetchIsolated(600 * ms, 6, 0, true));
    auto r = runTopic({{"brokers", 3}, {"replicationFactor", 3}}, sc);
    QVERIFY(r);
    QCOMPARE(int(dataRecords(*fetched(client(), 4))), 0); // open: above the LSO
    const auto aborts = r->events(TraceKind::TxnAbort);
    QCOMPARE(aborts.size(), std::size_t(1));
    QCOMPARE(aborts[0].aux, std::int64_t(1)); // transaction.timeout.ms
    QVERIFY(aborts[0].time >= 105 * ms && aborts[0].time < 110 * ms);
    // The producer's late commit finds itself fenced (the timeout bumped the epoch, KIP-360).
    QCOMPARE(client().response(5)->status, KafkaError::ProducerFenced);
    const auto *p = fetched(client(), 6);
    QCOMPARE(int(p->aborted.size()), 1);
    QCOMPARE(p->lastStableOffset, std::int64_t(2));
}

void TestKafkaTopic::transactionErrors_data()
{
    QTest::addColumn<int>("scenario");
    QTest::addColumn<int>("expected");
    QTest::newRow("transactional produce before AddPartitionsToTxn") << 0 << int(KafkaError::InvalidTxnState);
    QTest::newRow("EndTxn with no open transaction") << 1 << int(KafkaError::InvalidTxnState);
    QTest::newRow("a producer id not the transactional id's")
        << 2 << int(KafkaError::InvalidProducerIdMapping);
    QTest::newRow("AddPartitionsToTxn for a partition the topic lacks")
        << 3 << int(KafkaError::UnknownTopicOrPartition);
    QTest::newRow("commit after an abort of the same transaction") << 4 << int(KafkaError::InvalidTxnState);
}

void TestKafkaTopic::transactionErrors()
{
    QFETCH(int, scenario);
    QFETCH(int, expected);
    Script sc;
    const std::int64_t pid = kPidBase;
    sc.actions.push_back(initProducerId(0, 1, "tx"));
    ProduceSpec txn{-1, {record(1)}, pid, 0, 0};
    txn.transactional = true;
    switch (scenario) {
    case 0:
        sc.actions.push_back(produce(10 * ms, 9, txn));
        break;
    case 1:
        sc.actions.push_back(endTxn(10 * ms, 9, pid, 0, true));
        break;
    case 2:
        sc.actions.push_back(addPartitions(10 * ms, 9, pid + 7, 0));
        break;
    case 3:
        sc.actions.push_back(addPartitions(10 * ms, 9, pid, 0, {5}));
        break;
    case 4:
        sc.actions.push_back(addPartitions(5 * ms, 2, pid, 0));
        sc.actions.push_back(endTxn(10 * ms, 3, pid, 0, false));
        sc.actions.push_back(endTxn(20 * ms, 9, pid, 0, true));
        break;
    }
    auto r = runTopic({{"partitions", 1}}, sc);
    QVERIFY(r);
    QVERIFY(client().response(9));
    QCOMPARE(int(client().response(9)->status), expected);
}

void TestKafkaTopic::requireStableWaitsForPendingOffsets_data()
{
    QTest::addColumn<bool>("requireStable");
    QTest::addColumn<bool>("commit");
    QTest::addColumn<int>("whilePending"); // status of an OffsetFetch while the offsets are pending
    QTest::addColumn<qint64>("offsetAfter");
    QTest::newRow("requireStable, committed")
        << true << true << int(KafkaError::UnstableOffsetCommit) << qint64(5);
    QTest::newRow("requireStable, aborted")
        << true << false << int(KafkaError::UnstableOffsetCommit) << qint64(-1);
    QTest::newRow("not stable, committed") << false << true << int(KafkaError::None) << qint64(5);
}

void TestKafkaTopic::requireStableWaitsForPendingOffsets()
{
    QFETCH(bool, requireStable);
    QFETCH(bool, commit);
    QFETCH(int, whilePending);
    QFETCH(qint64, offsetAfter);
    // The offsets of a transaction coordinated elsewhere: the producer passes its end on (EndTxn
    // for a transactional id this topic does not coordinate).
    Script producer, consumer;
    auto offsets = std::make_shared<TxnOffsetCommitRequest>();
    offsets->transactionalId = "elsewhere";
    offsets->groupId = "g";
    offsets->producerId = 77;
    offsets->offsets = {{0, 5}};
    consumer.actions.push_back(request(0, 1, FrameType::TxnOffsetCommit, offsets));
    auto read = std::make_shared<OffsetFetchRequest>();
    read->groupId = "g";
    read->partitions = {0};
    read->requireStable = requireStable;
    consumer.actions.push_back(request(10 * ms, 2, FrameType::OffsetFetch, read));
    consumer.actions.push_back(endTxn(20 * ms, 3, 77, 0, commit, "elsewhere"));
    consumer.actions.push_back(request(30 * ms, 4, FrameType::OffsetFetch, read));
    auto r = runTopic(Json::object(), producer, consumer);
    QVERIFY(r);
    QCOMPARE(int(client("k").response(2)->status), whilePending);
    QCOMPARE(client("k").response(3)->status, KafkaError::None);
    const auto *b = client("k").response(4)->as<OffsetFetchResponse>();
    QVERIFY(b);
    QCOMPARE(qint64(b->offsets.at(0).second), offsetAfter);
}

void TestKafkaTopic::validation_data()
{
    QTest::addColumn<QString>("props");
    QTest::addColumn<int>("faultBroker");
    QTest::addColumn<QString>("path");
    QTest::addColumn<QString>("reason");
    QTest::newRow("replicationFactor above brokers")
        << R"({"brokers": 3, "replicationFactor": 4})" << 0 << "$.nodes[0].properties.replicationFactor"
        << "replicationFactor 4 is more than the 3 brokers";
    QTest::newRow("minInsyncReplicas above replicationFactor")
        << R"({"brokers": 3, "replicationFactor": 2, "minInsyncReplicas": 3})" << 0
        << "$.nodes[0].properties.minInsyncReplicas"
        << "minInsyncReplicas 3 is more than the replicationFactor 2";
    QTest::newRow("broker-crash broker above brokers")
        << R"({"brokers": 3})" << 4 << "$.faults[0].params.broker"
        << "has 3 brokers (1 to 3), not broker 4";
}

void TestKafkaTopic::validation()
{
    QFETCH(QString, props);
    QFETCH(int, faultBroker);
    QFETCH(QString, path);
    QFETCH(QString, reason);
    TopologyBuilder b;
    b.node("t", "kafka-topic", Json::parse(props.toStdString()));
    Topology t = b.topology();
    if (faultBroker) t.faults.push_back(brokerCrash("f", faultBroker, 0, {}));
    bool found = false;
    QString all;
    for (const auto &d : validateTopology(t)) {
        all += QString::fromStdString(d.toString()) + "\n";
        if (d.severity == Diagnostic::Severity::Error && QString::fromStdString(d.path) == path &&
            QString::fromStdString(d.message).contains(reason) &&
            QString::fromStdString(d.message).contains("\"t\""))
            found = true;
    }
    QVERIFY2(found, qPrintable(all));
}

QTEST_GUILESS_MAIN(TestKafkaTopic)
#include "tst_kafkatopic.moc"
