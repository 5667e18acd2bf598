// LiveLogs: a run's topics and consumer groups as the window shows them, from trace batches. A real
// Kafka example run through the engine gives the events; the figures are checked against what the
// events themselves say (the last commit per group and partition, the last append, the last
// election, the last assignment), and synthetic events show each look of a lane.
#include "livelogs.h"

#include "schema.h"
#include "simulation.h"

#include <QTest>

#include <map>

Q_DECLARE_METATYPE(std::vector<sb::TraceEvent>)

using namespace sb;

class TestLiveLogs : public QObject {
    Q_OBJECT

private slots:
    void realRunInBatches();
    void laneLooks_data();
    void laneLooks();
    void changedIdsNameTopicAndMembers();
    void assignmentText();
    void groupNamedOnlyWhileRunning();
    void manyPartitions();
    void clearForgets();
};

namespace {

class Collector final : public TraceSink {
public:
    void onEvent(const TraceEvent &e) override { events.push_back(e); }
    std::vector<TraceEvent> events;
};

QStringList names(const std::vector<std::string> &v)
{
    QStringList out;
    for (const auto &s : v)
        out << QString::fromStdString(s);
    return out;
}

// A topic "t" (3 partitions, 3 brokers, replication 3) read by consumers "c1" and "c2" of group
// "g" and "a1" of group "a".
Topology smallTopic(int partitions = 3)
{
    Topology t;
    t.nodes.push_back({"p", "kafka-producer", "", Json::object(), {}});
    t.nodes.push_back({"t",
                       "kafka-topic",
                       "orders",
                       Json{{"partitions", partitions}, {"brokers", 3}, {"replicationFactor", 3}},
                       {}});
    t.nodes.push_back({"c1", "kafka-consumer", "first", Json{{"groupId", "g"}}, {}});
    t.nodes.push_back({"c2", "kafka-consumer", "", Json{{"groupId", "g"}}, {}});
    t.nodes.push_back({"a1", "kafka-consumer", "", Json{{"groupId", "a"}}, {}});
    const auto link = [&](const std::string &id, const std::string &from, const std::string &to,
                          const std::string &fromPort, const std::string &toPort) {
        LinkDef l;
        l.id = id;
        l.from = from;
        l.to = to;
        l.fromPort = fromPort;
        l.toPort = toPort;
        t.links.push_back(l);
    };
    link("l0", "p", "t", "out", "produce");
    link("l1", "t", "c1", "consumers", "topic");
    link("l2", "t", "c2", "consumers", "topic");
    link("l3", "t", "a1", "consumers", "topic");
    return t;
}

TraceEvent ev(TraceKind kind, NodeIndex node, std::uint32_t partition = kNoIndex, SimTime time = kSecond)
{
    TraceEvent e;
    e.kind = kind;
    e.node = node;
    e.partition = partition;
    e.time = time;
    return e;
}

TraceEvent elect(std::uint32_t partition, std::int64_t broker, std::uint32_t epoch = 0)
{
    TraceEvent e = ev(TraceKind::LeaderElect, 1, partition);
    e.aux = broker;
    e.epoch = epoch;
    return e;
}

TraceEvent append(std::uint32_t partition, std::int64_t offset)
{
    TraceEvent e = ev(TraceKind::Append, 1, partition);
    e.offset = offset;
    return e;
}

TraceEvent assign(NodeIndex member, std::uint32_t group, std::uint32_t partition, std::uint32_t generation)
{
    TraceEvent e = ev(TraceKind::Assign, member, partition);
    e.group = group;
    e.epoch = generation;
    return e;
}

TraceEvent join(NodeIndex member, std::uint32_t group, std::uint32_t generation)
{
    TraceEvent e = ev(TraceKind::Join, member);
    e.group = group;
    e.epoch = generation;
    return e;
}

TraceEvent commit(std::uint32_t group, std::uint32_t partition, std::int64_t offset)
{
    TraceEvent e = ev(TraceKind::Commit, 1, partition);
    e.group = group;
    e.offset = offset;
    return e;
}

} // namespace

void TestLiveLogs::realRunInBatches()
{
    const LoadResult loaded = loadTopologyFile(SIGNALBOX_EXAMPLES_DIR "/kafka-consumer-groups.json");
    QVERIFY2(loaded.ok(), loaded.errorText().c_str());
    const Topology &t = *loaded.topology;
    std::string error;
    auto sim = Simulation::build(t, error);
    QVERIFY2(sim, error.c_str());
    // Group names as the window gets them: read before the run.
    const QStringList groupNames = names(sim->groupNames());
    Collector collector;
    sim->addSink(&collector);
    RunOptions options;
    options.until = 20 * kSecond; // after billing-2's crash and the rebalance that evicts it
    sim->run(options);
    QVERIFY(collector.events.size() > 1000);

    LiveLogs logs;
    logs.begin(t, groupNames);
    // In frame-sized batches, as EngineHost emits them.
    for (std::size_t i = 0; i < collector.events.size(); i += 997) {
        const std::size_t end = std::min(collector.events.size(), i + 997);
        logs.addEvents(std::vector<TraceEvent>(collector.events.begin() + std::ptrdiff_t(i),
                                               collector.events.begin() + std::ptrdiff_t(end)));
    }

    // What the events say, worked out here on their own.
    const NodeIndex topic = NodeIndex(*t.nodeIndex("orders"));
    std::map<std::uint32_t, std::int64_t> logEnd;
    std::map<std::uint32_t, std::int64_t> leader;
    std::map<std::pair<std::uint32_t, std::uint32_t>, std::int64_t> committed; // (group, partition)
    std::map<std::pair<std::uint32_t, std::uint32_t>, NodeIndex> owner;
    for (const TraceEvent &e : collector.events) {
        if (e.kind == TraceKind::Append && e.node == topic) logEnd[e.partition] = e.offset + 1;
        if (e.kind == TraceKind::LeaderElect && e.node == topic) leader[e.partition] = e.aux;
        if (e.kind == TraceKind::Commit) committed[{e.group, e.partition}] = e.offset;
        if (e.kind == TraceKind::Assign) owner[{e.group, e.partition}] = e.node;
        if (e.kind == TraceKind::Revoke && owner.count({e.group, e.partition}) &&
            owner[{e.group, e.partition}] == e.node)
            owner[{e.group, e.partition}] = kNoIndex;
        // A crashed member owns nothing any more (it traces no Revoke).
        if (e.kind == TraceKind::Crash)
            for (auto &[key, node] : owner)
                if (node == e.node) node = kNoIndex;
    }
    QVERIFY(!committed.empty());

    QVERIFY(logs.isTopic(QStringLiteral("orders")));
    QVERIFY(!logs.isTopic(QStringLiteral("billing-1")));
    const QStringList groups = logs.groupNames(QStringLiteral("orders"));
    QCOMPARE(groups, QStringList({"billing", "audit"}));
    const std::vector<LiveLogs::Lane> lanes = logs.lanes(QStringLiteral("orders"));
    QCOMPARE(lanes.size(), std::size_t(6));
    int marks = 0;
    for (const LiveLogs::Lane &lane : lanes) {
        QCOMPARE(lane.figures.logEnd, logEnd[lane.partition]);
        QVERIFY(lane.leaderKnown);
        QCOMPARE(std::int64_t(lane.figures.leader), leader[lane.partition]);
        QCOMPARE(lane.committed.size(), std::size_t(2));
        for (int g = 0; g < groups.size(); ++g) {
            const auto index = std::uint32_t(groupNames.indexOf(groups[g]));
            const auto it = committed.find({index, lane.partition});
            QCOMPARE(lane.committed[std::size_t(g)], it == committed.end() ? -1 : it->second);
            marks += it != committed.end();
        }
        QCOMPARE(LiveLogs::offsetsText(lane), QLocale().toString(logEnd[lane.partition]));
    }
    QCOMPARE(marks, 12); // both groups committed on every partition by then

    // Each member's partitions are the ones the last Assign/Revoke left it.
    const auto billing = std::uint32_t(groupNames.indexOf(QStringLiteral("billing")));
    LiveLogs::Group g;
    QVERIFY(logs.groupOfMember(QStringLiteral("billing-1"), &g));
    QCOMPARE(g.name, QStringLiteral("billing"));
    QCOMPARE(g.topic, QStringLiteral("orders"));
    QVERIFY(g.rebalances >= 2); // the start, then billing-2's eviction
    std::size_t assigned = 0;
    for (const LiveLogs::Member &m : g.members) {
        const NodeIndex node = NodeIndex(*t.nodeIndex(m.id.toStdString()));
        std::vector<std::uint32_t> expected;
        for (std::uint32_t p = 0; p < 6; ++p)
            if (owner.count({billing, p}) && owner[{billing, p}] == node) expected.push_back(p);
        QCOMPARE(m.partitions, expected);
        assigned += expected.size();
    }
    // billing-2 crashed at 5 s and its session ran out: two members share the six partitions.
    QCOMPARE(g.members.size(), std::size_t(2));
    QVERIFY(std::none_of(g.members.begin(), g.members.end(),
                         [](const LiveLogs::Member &m) { return m.id == QLatin1String("billing-2"); }));
    QCOMPARE(assigned + g.unassigned.size(), std::size_t(6));
    QVERIFY(!logs.memberLines(QStringLiteral("billing-2")).isEmpty());
    QCOMPARE(logs.memberLines(QStringLiteral("billing-2")).value(1), QStringLiteral("not a member now"));
    QVERIFY(logs.memberLines(QStringLiteral("producer")).isEmpty());

    // The topic's lines: one per partition, then one per group.
    const QStringList lines = logs.topicLines(QStringLiteral("orders"));
    QCOMPARE(lines.size(), 8);
    QVERIFY2(lines[0].startsWith(QStringLiteral("P0: log start 0, log end %1").arg(logEnd[0])),
             qPrintable(lines[0]));
    QVERIFY2(lines[6].startsWith(LiveLogs::assignmentText(g)), qPrintable(lines[6]));
}

void TestLiveLogs::laneLooks_data()
{
    QTest::addColumn<std::vector<TraceEvent>>("events");
    QTest::addColumn<QString>("offsets");
    QTest::addColumn<QString>("leader");
    QTest::addColumn<bool>("under");
    QTest::addColumn<bool>("offline");

    QTest::newRow("no leader traced yet") << std::vector<TraceEvent>{} << "0"
                                          << "" << false << false;
    QTest::newRow("led, nothing appended") << std::vector<TraceEvent>{elect(0, 1)} << "0"
                                           << "L1" << false << false;
    QTest::newRow("appended: all in sync")
        << std::vector<TraceEvent>{elect(0, 1), append(0, 0), append(0, 1), append(0, 511)} << "512"
        << "L1 ISR 3/3" << false << false;
    TraceEvent shrink = ev(TraceKind::IsrShrink, 1, 0);
    shrink.deliveryCount = 2;
    shrink.aux = 2;
    QTest::newRow("a follower fell behind")
        << std::vector<TraceEvent>{elect(0, 1), append(0, 9), shrink} << "10"
        << "L1 ISR 2/3" << true << false;
    TraceEvent expand = shrink;
    expand.kind = TraceKind::IsrExpand;
    expand.deliveryCount = 3;
    QTest::newRow("and caught up again")
        << std::vector<TraceEvent>{elect(0, 1), append(0, 9), shrink, expand} << "10"
        << "L1 ISR 3/3" << false << false;
    QTest::newRow("leader lost, none elected")
        << std::vector<TraceEvent>{elect(0, 1), append(0, 9), elect(0, -1, 1)} << "10"
        << "offline" << false << true;
    QTest::newRow("a new leader") << std::vector<TraceEvent>{elect(0, 1), append(0, 9), elect(0, 2, 1)}
                                  << "10"
                                  << "L2 ISR 3/3" << false << false;
    TraceEvent retention = ev(TraceKind::Retention, 1, 0);
    retention.offset = 120;
    retention.aux = 120;
    QTest::newRow("retention moved the log start")
        << std::vector<TraceEvent>{elect(0, 1), append(0, 4999), retention}
        << QStringLiteral("120\u20135,000") << "L1 ISR 3/3" << false << false;
    QTest::newRow("big offsets read short")
        << std::vector<TraceEvent>{elect(0, 3), append(0, 123455)} << "123k"
        << "L3 ISR 3/3" << false << false;
}

void TestLiveLogs::laneLooks()
{
    QFETCH(std::vector<TraceEvent>, events);
    QFETCH(QString, offsets);
    QFETCH(QString, leader);
    QFETCH(bool, under);
    QFETCH(bool, offline);

    QLocale::setDefault(QLocale(QLocale::English, QLocale::UnitedStates));
    LiveLogs logs;
    logs.begin(smallTopic(), {"g", "a"});
    logs.addEvents(events);
    const auto lanes = logs.lanes(QStringLiteral("t"));
    QCOMPARE(lanes.size(), std::size_t(3));
    QCOMPARE(LiveLogs::offsetsText(lanes[0]), offsets);
    QCOMPARE(LiveLogs::leaderText(lanes[0]), leader);
    QCOMPARE(lanes[0].underReplicated(), under);
    QCOMPARE(lanes[0].offline(), offline);
    // The other partitions saw none of it.
    QCOMPARE(lanes[1].figures.logEnd, 0);
    QVERIFY(!lanes[1].leaderKnown);
}

void TestLiveLogs::changedIdsNameTopicAndMembers()
{
    LiveLogs logs;
    logs.begin(smallTopic(), {"g", "a"});
    // A send is nothing to the logs.
    TraceEvent send = ev(TraceKind::Send, 0);
    QVERIFY(logs.addEvents({send}).isEmpty());
    QCOMPARE(logs.addEvents({append(0, 0)}), QStringList({"t"}));
    // A member joining changes what its group's members and its topic show.
    QStringList changed = logs.addEvents({join(2, 0, 1)});
    changed.sort();
    QCOMPARE(changed, QStringList({"a1", "c1", "c2", "t"}));
    // A commit is the coordinator's (the topic's) event; the group's members show its lag.
    changed = logs.addEvents({commit(0, 0, 1)});
    changed.sort();
    QCOMPARE(changed, QStringList({"a1", "c1", "c2", "t"}));
    QCOMPARE(logs.lanes(QStringLiteral("t"))[0].committed, std::vector<std::int64_t>({1, -1}));
}

void TestLiveLogs::assignmentText()
{
    LiveLogs logs;
    logs.begin(smallTopic(), {"g", "a"});
    TraceEvent rebalance = ev(TraceKind::Rebalance, 1);
    rebalance.group = 0;
    rebalance.epoch = 3;
    logs.addEvents({join(2, 0, 3), join(3, 0, 3), rebalance, assign(2, 0, 0, 3), assign(2, 0, 1, 3),
                    assign(3, 0, 2, 3), append(0, 9), commit(0, 0, 4), append(2, 2)});
    LiveLogs::Group g;
    QVERIFY(logs.groupOfMember(QStringLiteral("c2"), &g));
    QCOMPARE(LiveLogs::assignmentText(g), QStringLiteral("group g, generation 3: first [P0 P1], c2 [P2]"));
    QCOMPARE(g.lag, 10 - 4 + 3);
    QCOMPARE(g.members[0].lag, 10 - 4);
    QCOMPARE(logs.memberLines(QStringLiteral("c1")),
             QStringList({"group g, generation 3: first [P0 P1], c2 [P2]", "its partitions P0 P1, lag 6",
                          "group lag 9, 1 rebalance"}));

    // c2 gives P2 up and nobody takes it: it shows as unassigned, c2 as idle.
    TraceEvent revoke = ev(TraceKind::Revoke, 3, 2);
    revoke.group = 0;
    logs.addEvents({revoke});
    QVERIFY(logs.groupOfMember(QStringLiteral("c1"), &g));
    QCOMPARE(LiveLogs::assignmentText(g),
             QStringLiteral("group g, generation 3: first [P0 P1], c2 (idle); unassigned [P2]"));
    // The group with no member yet is not listed; the topic lists the one there is.
    QCOMPARE(logs.groups(QStringLiteral("t")).size(), std::size_t(1));
    QVERIFY(!logs.groupOfMember(QStringLiteral("a1"), nullptr));
}

void TestLiveLogs::groupNamedOnlyWhileRunning()
{
    // A consumer left at the default groupId is not in the names the run had at its start: its
    // members' groupId names it.
    Topology t = smallTopic();
    t.nodes[4].properties = Json::object();
    LiveLogs logs;
    logs.begin(t, {"g"});
    logs.addEvents({join(4, 1, 1), assign(4, 1, 0, 1)});
    LiveLogs::Group g;
    QVERIFY(logs.groupOfMember(QStringLiteral("a1"), &g));
    const QString fallback = QString::fromStdString(
        KindRegistry::builtin().find("kafka-consumer")->property("groupId")->defaultValue.get<std::string>());
    QCOMPARE(g.name, fallback);
    QVERIFY(logs.groupNames(QStringLiteral("t")).contains(fallback));
}

void TestLiveLogs::manyPartitions()
{
    LiveLogs logs;
    logs.begin(smallTopic(12), {"g", "a"});
    std::vector<TraceEvent> events;
    for (std::uint32_t p = 0; p < 12; ++p) {
        events.push_back(elect(p, p % 3));
        events.push_back(append(p, p));
    }
    logs.addEvents(events);
    const auto lanes = logs.lanes(QStringLiteral("t"));
    QCOMPARE(lanes.size(), std::size_t(12));
    QCOMPARE(lanes[11].figures.logEnd, 12);
    QCOMPARE(LiveLogs::partitionsText({0, 1, 2, 3, 4}, 3), QStringLiteral("P0 P1 P2 +2"));
}

void TestLiveLogs::clearForgets()
{
    LiveLogs logs;
    logs.begin(smallTopic(), {"g"});
    QVERIFY(logs.isActive());
    logs.addEvents({append(0, 5)});
    logs.clear();
    QVERIFY(!logs.isActive());
    QVERIFY(logs.lanes(QStringLiteral("t")).empty());
    QVERIFY(logs.addEvents({append(0, 6)}).isEmpty());
}

QTEST_GUILESS_MAIN(TestLiveLogs)
#include "tst_livelogs.moc"
