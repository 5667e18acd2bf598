// The kafka-consumer kind end to end against a test-only topic (a fixed in-memory log per
// partition that answers Metadata, Fetch and ListOffsets and hosts a real GroupCoordinator): a
// group splits the partitions, a crashed member's partitions move to the survivor from the last
// commit, a slow member leaves after max.poll.interval.ms, each commit mode's guarantee,
// auto.offset.reset, seeks to an offset and a timestamp, static and cooperative rebalances.
#include "enginetest.h"

#include "callstatus.h"
#include "faults/faultplan.h"
#include "nodes/common.h"
#include "nodes/kafka/groupcoordinator.h"
#include "nodes/kafka/kafka.h"

#include <map>
#include <set>

using namespace sb;
using namespace sb::kafka;
using namespace sbtest;

namespace {

// Record i of partition p has timestamp i * gap and is in the log from then on.
class FakeTopic final : public Node {
public:
    explicit FakeTopic(const NodeSetup &s)
        : m_partitions(std::uint32_t(s.properties.integer("partitions"))),
          m_records(s.properties.integer("records")), m_gap(s.properties.duration("gap")),
          m_coordinator(m_partitions)
    {
        for (std::uint32_t p = 0; p < m_partitions; ++p) {
            m_log.emplace_back();
            for (std::int64_t i = 0; i < m_records; ++i) {
                auto m = std::make_shared<Message>();
                m->id = std::uint64_t(p) * 100000 + std::uint64_t(i) + 1;
                m->publishedAt = SimTime(i) * m_gap;
                Record r;
                r.message = m;
                r.offset = i;
                r.timestamp = m->publishedAt;
                m_log.back().push_back(r);
            }
        }
        // Partition 0: an aborted transaction of producer 7 over offsets 10.., then its abort marker.
        m_aborted = s.properties.integer("abortedRecords");
        if (m_aborted > 0 && m_partitions > 0 && m_records > 10 + m_aborted) {
            for (std::int64_t o = 10; o < 10 + m_aborted; ++o) {
                m_log[0][std::size_t(o)].transactional = true;
                m_log[0][std::size_t(o)].producerId = 7;
            }
            auto &marker = m_log[0][std::size_t(10 + m_aborted)];
            marker.control = true;
            marker.commit = false;
            marker.producerId = 7;
        }
    }

    void onFrame(NodeContext &ctx, LinkIndex from, Frame &f) override
    {
        if (GroupCoordinator::handles(f)) {
            m_coordinator.onFrame(ctx, from, f);
            return;
        }
        Frame r;
        r.type = f.type;
        r.response = true;
        r.tag = f.tag;
        r.status = KafkaError::None;
        if (f.type == FrameType::Metadata) {
            auto b = std::make_shared<MetadataResponse>();
            b->partitions = m_partitions;
            b->leaders.assign(m_partitions, 1);
            r.body = b;
        } else if (const auto *q = f.as<ListOffsetsRequest>()) {
            auto b = std::make_shared<ListOffsetsResponse>();
            for (const auto &p : q->partitions) {
                std::int64_t o = kNoOffset;
                if (p.timestamp == kEarliestTimestamp)
                    o = 0;
                else if (p.timestamp == kLatestTimestamp)
                    o = end(ctx, p.partition);
                else
                    for (const auto &rec : m_log[p.partition])
                        if (rec.timestamp >= p.timestamp && rec.offset < end(ctx, p.partition)) {
                            o = rec.offset;
                            break;
                        }
                b->partitions.push_back({p.partition, KafkaError::None, o});
            }
            r.body = b;
        } else if (const auto *q = f.as<FetchRequest>()) {
            auto b = answer(ctx, *q);
            if (b->partitions.empty() && q->maxWait > 0) {
                // Nothing yet: held for fetch.max.wait.ms.
                m_held[++m_heldIds] = {from, f.tag, f.body};
                ctx.startTimer(q->maxWait, m_heldIds, true);
                return;
            }
            r.body = b;
        } else {
            return;
        }
        ctx.send(from, std::move(r));
    }

    void onTimer(NodeContext &ctx, std::uint64_t tag) override
    {
        if (tag >= GroupCoordinator::kTimerTagBase) {
            m_coordinator.onTimer(ctx, tag);
            return;
        }
        auto it = m_held.find(tag);
        if (it == m_held.end()) return;
        Frame r;
        r.type = FrameType::Fetch;
        r.response = true;
        r.tag = it->second.tag;
        r.status = KafkaError::None;
        r.body = answer(ctx, *static_cast<const FetchRequest *>(it->second.body.get()));
        ctx.send(it->second.link, std::move(r));
        m_held.erase(it);
    }

    void onCrash(NodeContext &) override
    {
        m_coordinator.onCrash();
        m_held.clear();
    }
    // The run goes on to its time limit: the tests watch timeouts that happen while idle.
    bool hasPendingWork() const override { return true; }

private:
    std::int64_t end(NodeContext &ctx, std::uint32_t p) const
    {
        std::int64_t n = 0;
        for (const auto &rec : m_log[p])
            n += rec.timestamp <= ctx.now();
        return n;
    }
    std::shared_ptr<FetchResponse> answer(NodeContext &ctx, const FetchRequest &q)
    {
        auto b = std::make_shared<FetchResponse>();
        // Each partition gets its share of max.poll.records (as max.partition.fetch.bytes spreads a
        // real fetch over the partitions).
        const std::size_t n = std::max<std::size_t>(q.partitions.size(), 1);
        for (const auto &p : q.partitions) {
            std::uint32_t budget = std::uint32_t((q.maxRecords + n - 1) / n);
            FetchResponse::Partition out;
            out.partition = p.partition;
            out.highWatermark = end(ctx, p.partition);
            if (p.fetchOffset > out.highWatermark || p.fetchOffset < 0) {
                out.error = KafkaError::OffsetOutOfRange;
                b->partitions.push_back(out);
                continue;
            }
            for (std::int64_t o = p.fetchOffset; o < out.highWatermark && budget > 0; ++o, --budget)
                out.records.push_back(m_log[p.partition][std::size_t(o)]);
            if (q.readCommitted && m_aborted > 0 && p.partition == 0 && !out.records.empty() &&
                out.records.front().offset <= 10 + m_aborted && out.records.back().offset >= 10)
                out.aborted.push_back({7, 10});
            if (!out.records.empty()) b->partitions.push_back(std::move(out));
        }
        return b;
    }

    struct Held {
        LinkIndex link;
        std::uint64_t tag;
        std::shared_ptr<const FrameBody> body;
    };
    std::uint32_t m_partitions;
    std::int64_t m_records;
    SimTime m_gap;
    GroupCoordinator m_coordinator;
    std::vector<std::vector<Record>> m_log;
    std::map<std::uint64_t, Held> m_held;
    std::uint64_t m_heldIds = 0;
    std::int64_t m_aborted = 0;
};

const KindRegistry &registry()
{
    static const KindRegistry r = [] {
        KindRegistry copy = KindRegistry::builtin();
        NodeKindSpec k;
        k.kind = "fake-topic";
        k.label = "Fake topic";
        k.category = "Test";
        k.ports = {{"consumers", PortDirection::Out, Protocol::Kafka, true, "Consumers."}};
        using T = PropertyType;
        k.properties = {property("partitions", "Partitions", T::Integer, 4, "", "", 1, 100),
                        property("records", "Records", T::Integer, 100, "Records per partition.", "", 0, {}),
                        property("gap", "Gap", T::Duration, 0, "Time between records.", "ms", 0, {}),
                        property("abortedRecords", "Aborted records", T::Integer, 0,
                                 "Records of an aborted transaction in partition 0 from offset 10.", "", 0,
                                 {})};
        k.factory = [](const NodeSetup &s) { return std::make_unique<FakeTopic>(s); };
        copy.add(std::move(k));
        return copy;
    }();
    return r;
}

struct KafkaRun {
    std::unique_ptr<Simulation> sim;
    RecordingSink trace;
    NodeIndex index(const std::string &id) const { return NodeIndex(*sim->topology().nodeIndex(id)); }
    // How often each (partition, offset) was processed, by anyone.
    std::map<std::pair<std::uint32_t, std::int64_t>, int> processed() const
    {
        std::map<std::pair<std::uint32_t, std::int64_t>, int> out;
        for (const auto &e : trace.events)
            if (e.kind == TraceKind::Process) ++out[{e.partition, e.offset}];
        return out;
    }
    std::set<std::uint32_t> partitionsProcessedBy(const std::string &node) const
    {
        std::set<std::uint32_t> out;
        for (const auto &e : trace.events)
            if (e.kind == TraceKind::Process && e.node == index(node)) out.insert(e.partition);
        return out;
    }
    std::size_t count(TraceKind k, const std::string &node) const { return trace.countAt(k, index(node)); }
};

struct Setup {
    Json topic = Json::object();
    std::vector<std::pair<std::string, Json>> consumers;
    std::vector<FaultDef> faults;
};

std::unique_ptr<KafkaRun> runKafka(const Setup &s, SimTime until)
{
    TopologyBuilder b;
    b.node("t", "fake-topic", s.topic);
    Topology t = b.topology();
    for (const auto &[id, props] : s.consumers) {
        t.nodes.push_back({id, "kafka-consumer", id, props.is_null() ? Json::object() : props, {}});
        LinkDef l;
        l.id = "t-" + id;
        l.from = "t";
        l.to = id;
        l.fromPort = "consumers";
        l.toPort = "topic";
        l.properties = Json::object();
        t.links.push_back(l);
    }
    t.faults = s.faults;
    auto r = std::make_unique<KafkaRun>();
    std::string error;
    r->sim = Simulation::build(t, error, registry());
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

FaultDef crash(const std::string &target, SimTime at, std::optional<SimTime> duration)
{
    FaultDef f;
    f.id = "crash-" + target;
    f.kind = "crash";
    f.target = target;
    f.start = at;
    f.duration = duration;
    return f;
}

} // namespace

class TestKafkaConsumer : public QObject {
    Q_OBJECT
private slots:
    void groupSplitsPartitions_data();
    void groupSplitsPartitions();
    void moreMembersThanPartitionsLeavesSomeIdle();
    void crashedMemberPartitionsResumeFromLastCommit();
    void slowMemberLeavesAfterMaxPollInterval();
    void commitModes_data();
    void commitModes();
    void autoOffsetReset_data();
    void autoOffsetReset();
    void seekReplays_data();
    void seekReplays();
    void withoutGroupReadsEverythingCommitsNothing();
    void staticMemberRestartsWithoutRebalance();
    void eagerRevokesAllCooperativeOnlyWhatMoves_data();
    void eagerRevokesAllCooperativeOnlyWhatMoves();
    void readCommittedSkipsAbortedRecords_data();
    void readCommittedSkipsAbortedRecords();
    void topicCrashMembersRejoinAndResume();
};

void TestKafkaConsumer::groupSplitsPartitions_data()
{
    QTest::addColumn<QString>("strategy");
    QTest::addColumn<QList<int>>("firstMember"); // partitions of the member that joined first
    QTest::newRow("range") << "range" << QList<int>{0, 1};
    QTest::newRow("roundrobin") << "roundrobin" << QList<int>{0, 2};
    QTest::newRow("sticky") << "sticky" << QList<int>{0, 2};
    QTest::newRow("cooperative-sticky") << "cooperative-sticky" << QList<int>{0, 2};
    QTest::newRow("default list (range first)") << "range,cooperative-sticky" << QList<int>{0, 1};
}

void TestKafkaConsumer::groupSplitsPartitions()
{
    QFETCH(QString, strategy);
    QFETCH(QList<int>, firstMember);
    Setup s;
    s.topic = {{"partitions", 4}, {"records", 50}};
    const Json c = {{"partitionAssignmentStrategy", strategy.toStdString()}, {"autoOffsetReset", "earliest"}};
    s.consumers = {{"c1", c}, {"c2", c}};
    auto r = runKafka(s, 20 * kSecond);
    QVERIFY(r);
    const auto counts = r->processed();
    QCOMPARE(int(counts.size()), 200);
    for (const auto &[at, n] : counts)
        QCOMPARE(n, 1);
    const auto a = r->partitionsProcessedBy("c1"), b = r->partitionsProcessedBy("c2");
    QCOMPARE(int(a.size()), 2);
    QCOMPARE(int(b.size()), 2);
    const std::set<std::uint32_t> expected(firstMember.begin(), firstMember.end());
    QCOMPARE(a, expected); // c1 joined first: member-1, first in Kafka's member order
    QCOMPARE(r->count(TraceKind::Assign, "c1"), std::size_t(2));
    QCOMPARE(r->trace.count(TraceKind::Rebalance), std::size_t(1));
    // Auto-commit (5 s) committed everything by the end.
    std::map<std::uint32_t, std::int64_t> last;
    for (const auto &e : r->trace.events)
        if (e.kind == TraceKind::Commit) last[e.partition] = e.offset;
    QCOMPARE(int(last.size()), 4);
    for (const auto &[p, o] : last)
        QCOMPARE(o, std::int64_t(50));
}

void TestKafkaConsumer::moreMembersThanPartitionsLeavesSomeIdle()
{
    Setup s;
    s.topic = {{"partitions", 2}, {"records", 20}};
    const Json c = {{"autoOffsetReset", "earliest"}};
    s.consumers = {{"c1", c}, {"c2", c}, {"c3", c}};
    auto r = runKafka(s, 10 * kSecond);
    QVERIFY(r);
    QCOMPARE(int(r->processed().size()), 40);
    QCOMPARE(r->count(TraceKind::Assign, "c1") + r->count(TraceKind::Assign, "c2"), std::size_t(2));
    QCOMPARE(r->count(TraceKind::Assign, "c3"), std::size_t(0));
    QCOMPARE(r->count(TraceKind::Join, "c3"), std::size_t(1));
}

void TestKafkaConsumer::crashedMemberPartitionsResumeFromLastCommit()
{
    Setup s;
    s.topic = {{"partitions", 4}, {"records", 1000}};
    const Json c = {{"autoOffsetReset", "earliest"},
                    {"processingTime", "10ms"},
                    {"maxPollRecords", 50},
                    {"sessionTimeout", 6000}};
    s.consumers = {{"c1", c}, {"c2", c}};
    s.faults = {crash("c2", 9 * kSecond, std::nullopt)};
    auto r = runKafka(s, 80 * kSecond);
    QVERIFY(r);
    const NodeIndex c2 = r->index("c2"), c1 = r->index("c1");
    std::map<std::uint32_t, std::int64_t> c2Committed;
    for (const auto &e : r->trace.events)
        if (e.kind == TraceKind::Commit && e.peer == c2) c2Committed[e.partition] = e.offset;
    const auto c2Parts = r->partitionsProcessedBy("c2");
    QCOMPARE(int(c2Parts.size()), 2);
    // Session timeout: one Leave (aux 1) for c2, a second rebalance, and c1 then reads c2's
    // partitions from c2's last committed offset.
    std::size_t evictions = 0;
    for (const auto &e : r->trace.events)
        if (e.kind == TraceKind::Leave && e.aux == 1 && e.peer == c2) ++evictions;
    QCOMPARE(evictions, std::size_t(1));
    QCOMPARE(r->trace.count(TraceKind::Rebalance), std::size_t(2));
    for (std::uint32_t p : c2Parts) {
        QVERIFY2(c2Committed.count(p), "c2 committed nothing before it crashed");
        std::int64_t first = -1;
        for (const auto &e : r->trace.events)
            if (e.kind == TraceKind::Process && e.node == c1 && e.partition == p) {
                first = e.offset;
                break;
            }
        QCOMPARE(first, c2Committed[p]);
    }
    // Everything processed at least once; what c2 processed after its last commit twice.
    const auto counts = r->processed();
    QCOMPARE(int(counts.size()), 4000);
    int duplicates = 0;
    for (const auto &[at, n] : counts)
        duplicates += n - 1;
    QVERIFY(duplicates > 0);
    int c2Uncommitted = 0;
    for (const auto &e : r->trace.events)
        if (e.kind == TraceKind::Process && e.node == c2 && e.offset >= c2Committed[e.partition])
            ++c2Uncommitted;
    QCOMPARE(duplicates, c2Uncommitted);
}

void TestKafkaConsumer::slowMemberLeavesAfterMaxPollInterval()
{
    Setup s;
    s.topic = {{"partitions", 2}, {"records", 200}};
    s.consumers = {
        {"slow",
         {{"autoOffsetReset", "earliest"},
          {"processingTime", "50ms"},
          {"maxPollRecords", 200},
          {"maxPollInterval", 5000}}},
        {"fast", {{"autoOffsetReset", "earliest"}, {"processingTime", "1ms"}, {"maxPollInterval", 5000}}}};
    auto r = runKafka(s, 40 * kSecond);
    QVERIFY(r);
    std::size_t pollLeaves = 0;
    for (const auto &e : r->trace.events)
        if (e.kind == TraceKind::Leave && e.node == r->index("slow")) {
            QCOMPARE(e.aux, std::int64_t(2));
            ++pollLeaves;
        }
    QVERIFY(pollLeaves >= 1);
    QVERIFY(r->trace.count(TraceKind::Rebalance) >= 2);
    // The fast member took the slow one's partition over: it read both.
    QCOMPARE(int(r->partitionsProcessedBy("fast").size()), 2);
    QCOMPARE(int(r->processed().size()), 400);
}

void TestKafkaConsumer::commitModes_data()
{
    QTest::addColumn<bool>("autoCommit");
    QTest::addColumn<QString>("mode");
    QTest::addColumn<bool>("mayLose");
    QTest::addColumn<bool>("mayDuplicate");
    QTest::newRow("auto commit") << true << "" << false << true;
    QTest::newRow("sync after processing") << false << "sync-after-processing" << false << true;
    QTest::newRow("async after processing") << false << "async-after-processing" << false << true;
    QTest::newRow("before processing (at-most-once)") << false << "before-processing" << true << false;
}

void TestKafkaConsumer::commitModes()
{
    QFETCH(bool, autoCommit);
    QFETCH(QString, mode);
    QFETCH(bool, mayLose);
    QFETCH(bool, mayDuplicate);
    Setup s;
    s.topic = {{"partitions", 2}, {"records", 300}};
    Json c = {{"autoOffsetReset", "earliest"},
              {"processingTime", "10ms"},
              {"maxPollRecords", 40},
              {"sessionTimeout", 6000},
              {"enableAutoCommit", autoCommit}};
    if (!mode.isEmpty()) c["commitMode"] = mode.toStdString();
    s.consumers = {{"c", c}};
    // Crashes in the middle of a batch, restarts 100 ms later as a new member.
    s.faults = {crash("c", 5150 * kMillisecond, 100 * kMillisecond)};
    auto r = runKafka(s, 40 * kSecond);
    QVERIFY(r);
    const auto counts = r->processed();
    const int lost = 600 - int(counts.size());
    int duplicates = 0;
    for (const auto &[at, n] : counts)
        duplicates += n - 1;
    QCOMPARE(lost > 0, mayLose);
    QCOMPARE(duplicates > 0, mayDuplicate);
    QVERIFY(r->count(TraceKind::Commit, "t") > 0);
}

void TestKafkaConsumer::autoOffsetReset_data()
{
    QTest::addColumn<QString>("reset");
    QTest::addColumn<bool>("fromStart");
    QTest::newRow("earliest") << "earliest" << true;
    QTest::newRow("latest") << "latest" << false;
}

void TestKafkaConsumer::autoOffsetReset()
{
    QFETCH(QString, reset);
    QFETCH(bool, fromStart);
    Setup s;
    // 100 records, one every 100 ms: the group forms after the 3 s initial delay, at offset ~30.
    s.topic = {{"partitions", 1}, {"records", 100}, {"gap", 100}};
    s.consumers = {{"c", {{"autoOffsetReset", reset.toStdString()}}}};
    auto r = runKafka(s, 15 * kSecond);
    QVERIFY(r);
    std::int64_t first = -1;
    for (const auto &e : r->trace.events)
        if (e.kind == TraceKind::Process) {
            first = e.offset;
            break;
        }
    const auto counts = r->processed();
    if (fromStart) {
        QCOMPARE(first, std::int64_t(0));
        QCOMPARE(int(counts.size()), 100);
    } else {
        QVERIFY2(first >= 29 && first <= 32, qPrintable(QString::number(first)));
        QCOMPARE(std::int64_t(counts.size()), 100 - first);
    }
}

void TestKafkaConsumer::seekReplays_data()
{
    QTest::addColumn<QString>("seek");
    QTest::addColumn<int>("expectedFirst");
    QTest::newRow("offset 40") << "offset" << 40;
    QTest::newRow("timestamp 2.5 s") << "timestamp" << 25;
}

void TestKafkaConsumer::seekReplays()
{
    QFETCH(QString, seek);
    QFETCH(int, expectedFirst);
    Setup s;
    s.topic = {{"partitions", 2}, {"records", 100}, {"gap", 100}};
    // A group that already committed the end would read nothing new: the seek replays.
    s.consumers = {{"c",
                    {{"autoOffsetReset", "latest"},
                     {"seek", seek.toStdString()},
                     {"seekOffset", 40},
                     {"seekTimestamp", 2500},
                     {"startAt", 12000}}}};
    auto r = runKafka(s, 25 * kSecond);
    QVERIFY(r);
    for (std::uint32_t p = 0; p < 2; ++p) {
        std::int64_t first = -1;
        int n = 0;
        for (const auto &e : r->trace.events)
            if (e.kind == TraceKind::Process && e.partition == p) {
                if (first < 0) first = e.offset;
                ++n;
            }
        QCOMPARE(first, std::int64_t(expectedFirst));
        QCOMPARE(n, 100 - expectedFirst);
    }
}

void TestKafkaConsumer::withoutGroupReadsEverythingCommitsNothing()
{
    Setup s;
    s.topic = {{"partitions", 3}, {"records", 30}};
    s.consumers = {{"c", {{"groupId", ""}, {"autoOffsetReset", "earliest"}}}};
    auto r = runKafka(s, 10 * kSecond);
    QVERIFY(r);
    QCOMPARE(int(r->processed().size()), 90);
    QCOMPARE(r->trace.count(TraceKind::Commit), std::size_t(0));
    QCOMPARE(r->trace.count(TraceKind::Join), std::size_t(0));
    QCOMPARE(r->count(TraceKind::Assign, "c"), std::size_t(3));
}

void TestKafkaConsumer::staticMemberRestartsWithoutRebalance()
{
    Setup s;
    s.topic = {{"partitions", 4}, {"records", 1000}, {"gap", 10}};
    s.consumers = {{"c1", {{"groupInstanceId", "one"}, {"sessionTimeout", 10000}}},
                   {"c2", {{"groupInstanceId", "two"}, {"sessionTimeout", 10000}}}};
    s.faults = {crash("c2", 5 * kSecond, 2 * kSecond)};
    auto r = runKafka(s, 15 * kSecond);
    QVERIFY(r);
    QCOMPARE(r->trace.count(TraceKind::Rebalance), std::size_t(1));
    QCOMPARE(r->count(TraceKind::Assign, "c2"), std::size_t(4)); // 2 before, the same 2 after
    QCOMPARE(r->count(TraceKind::Revoke, "c1"), std::size_t(0));
    std::set<std::uint32_t> before, after;
    for (const auto &e : r->trace.events)
        if (e.kind == TraceKind::Assign && e.node == r->index("c2"))
            (e.time < 5 * kSecond ? before : after).insert(e.partition);
    QCOMPARE(before, after);
}

void TestKafkaConsumer::eagerRevokesAllCooperativeOnlyWhatMoves_data()
{
    QTest::addColumn<QString>("strategy");
    QTest::addColumn<int>("revokedAtFirst");
    QTest::addColumn<int>("assignedToFirst"); // Assign events at c1 in all
    QTest::addColumn<int>("rebalances");
    QTest::newRow("range (eager)") << "range" << 4 << 6 << 2;
    QTest::newRow("sticky (eager)") << "sticky" << 4 << 6 << 2;
    // Cooperative: c1 gives up the 2 that move, keeps 2; a follow-up rebalance hands them over.
    QTest::newRow("cooperative-sticky") << "cooperative-sticky" << 2 << 4 << 3;
}

void TestKafkaConsumer::eagerRevokesAllCooperativeOnlyWhatMoves()
{
    QFETCH(QString, strategy);
    QFETCH(int, revokedAtFirst);
    QFETCH(int, assignedToFirst);
    QFETCH(int, rebalances);
    Setup s;
    s.topic = {{"partitions", 4}, {"records", 2000}, {"gap", 10}};
    const std::string st = strategy.toStdString();
    s.consumers = {{"c1", {{"partitionAssignmentStrategy", st}}},
                   {"c2", {{"partitionAssignmentStrategy", st}, {"startAt", 8000}}}};
    auto r = runKafka(s, 20 * kSecond);
    QVERIFY(r);
    QCOMPARE(int(r->count(TraceKind::Revoke, "c1")), revokedAtFirst);
    QCOMPARE(int(r->count(TraceKind::Assign, "c1")), assignedToFirst);
    QCOMPARE(int(r->count(TraceKind::Assign, "c2")), 2);
    QCOMPARE(int(r->trace.count(TraceKind::Rebalance)), rebalances);
    // No record processed twice: revoking commits first (auto-commit), the new owner resumes there.
    for (const auto &[at, n] : r->processed())
        QCOMPARE(n, 1);
}

void TestKafkaConsumer::readCommittedSkipsAbortedRecords_data()
{
    QTest::addColumn<QString>("isolation");
    QTest::addColumn<int>("processed");
    // 50 records in partition 0: offsets 10..14 an aborted transaction, 15 its abort marker.
    QTest::newRow("read_committed") << "read_committed" << 44;
    QTest::newRow("read_uncommitted") << "read_uncommitted" << 49; // the marker is never a record
}

void TestKafkaConsumer::readCommittedSkipsAbortedRecords()
{
    QFETCH(QString, isolation);
    QFETCH(int, processed);
    Setup s;
    s.topic = {{"partitions", 1}, {"records", 50}, {"abortedRecords", 5}};
    s.consumers = {{"c",
                    {{"autoOffsetReset", "earliest"},
                     {"isolationLevel", isolation.toStdString()},
                     {"maxPollRecords", 8}}}};
    auto r = runKafka(s, 10 * kSecond);
    QVERIFY(r);
    const auto counts = r->processed();
    QCOMPARE(int(counts.size()), processed);
    QVERIFY(!counts.count({0, 15}));
    QCOMPARE(counts.count({0, 12}) == 1, isolation == "read_uncommitted");
    QVERIFY(counts.count({0, 16}));
}

void TestKafkaConsumer::topicCrashMembersRejoinAndResume()
{
    Setup s;
    s.topic = {{"partitions", 2}, {"records", 1000}, {"gap", 10}};
    const Json c = {{"autoOffsetReset", "earliest"}, {"sessionTimeout", 6000}};
    s.consumers = {{"c1", c}, {"c2", c}};
    // The coordinator loses the membership (offsets survive) and the fetches it held.
    s.faults = {crash("t", 6 * kSecond, kSecond)};
    auto r = runKafka(s, 60 * kSecond);
    QVERIFY(r);
    const auto counts = r->processed();
    QCOMPARE(int(counts.size()), 2000);
    QVERIFY(r->count(TraceKind::Join, "c1") >= 2);
    QVERIFY(r->trace.count(TraceKind::Rebalance) >= 2);
    // Both members read again after the restart.
    bool c1After = false, c2After = false;
    for (const auto &e : r->trace.events)
        if (e.kind == TraceKind::Process && e.time > 7 * kSecond) {
            c1After = c1After || e.node == r->index("c1");
            c2After = c2After || e.node == r->index("c2");
        }
    QVERIFY(c1After && c2After);
}

QTEST_GUILESS_MAIN(TestKafkaConsumer)
#include "tst_kafkaconsumer.moc"
