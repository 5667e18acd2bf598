#include "summarymodel.h"

#include "nodelabels.h"

#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QTest>

Q_DECLARE_METATYPE(sb::DeliveryReport)

using namespace sb;

namespace {

RunSummary sampleSummary()
{
    RunSummary s;
    s.topologyName = "Work queue";
    s.seed = 42;
    s.endTime = 10 * kSecond;
    s.events = 11107;
    s.stopReason = StopReason::Quiescent;
    s.wallSeconds = 0.25;

    NodeSummary queue;
    queue.id = "tasks";
    queue.kind = "queue";
    queue.name = "Task queue";
    queue.counters.enqueued = 2000;
    queue.counters.delivered = 2010;
    queue.counters.redelivered = 10;
    queue.counters.acked = 1990;
    queue.counters.deadLettered = 4;
    queue.counters.drops[static_cast<int>(DropReason::MaxLength)] = 3;
    queue.counters.drops[static_cast<int>(DropReason::Expired)] = 2;
    queue.status.ready = 6;
    queue.status.unacked = 1;

    NodeSummary producer;
    producer.id = "producer";
    producer.kind = "producer";
    producer.name = "producer";
    producer.counters.published = 2000;
    producer.counters.routed = 0;

    NodeSummary worker;
    worker.id = "worker";
    worker.kind = "consumer";
    worker.counters.processed = 1990;

    s.nodes = {producer, queue, worker};
    s.delivery.published = 2000;
    s.delivery.copies = 2000;
    s.delivery.processed = 1990;
    return s;
}

} // namespace

class TestSummaryModel : public QObject {
    Q_OBJECT

private slots:
    void emptyModel();
    void headers();
    void cells_data();
    void cells();
    void numbersAlignRightTextLeft();
    void toolTips();
    void resetsOnSetAndClear();
    void realRunMatchesItsCounters();
    void streamAndManagedQueueRows_data();
    void streamAndManagedQueueRows();
    void kafkaRunShowsItsLogAndGroups();
    void deliveryCheckText_data();
    void deliveryCheckText();
    void headlineAndLatency();
    void namesInTheTextSayTheirIdsWhenShared();
    void checkModel_data();
    void checkModel();
    void callMethodModel();
    void callsText();
};

void TestSummaryModel::emptyModel()
{
    SummaryModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QCOMPARE(model.rowCount(), 0);
    QVERIFY(model.isEmpty());
    QCOMPARE(model.columnCount(), int(SummaryModel::ColumnCount));
}

void TestSummaryModel::headers()
{
    SummaryModel model;
    QStringList actual;
    for (int c = 0; c < model.columnCount(); ++c)
        actual << model.headerData(c, Qt::Horizontal).toString();
    QCOMPARE(actual,
             QStringList({"Node", "Kind", "Published", "Routed", "Enqueued", "Delivered", "Redelivered",
                          "Acked", "Processed", "Dropped", "Dead-lettered", "Depth at end", "Details"}));
}

void TestSummaryModel::cells_data()
{
    QTest::addColumn<int>("row");
    QTest::addColumn<int>("column");
    QTest::addColumn<QString>("expected");

    QTest::newRow("node by name") << 1 << int(SummaryModel::NodeColumn) << "Task queue";
    QTest::newRow("node without a name") << 2 << int(SummaryModel::NodeColumn) << "worker";
    QTest::newRow("kind") << 1 << int(SummaryModel::KindColumn) << "queue";
    QTest::newRow("published") << 0 << int(SummaryModel::PublishedColumn) << "2000";
    QTest::newRow("routed zero") << 0 << int(SummaryModel::RoutedColumn) << "0";
    QTest::newRow("enqueued") << 1 << int(SummaryModel::EnqueuedColumn) << "2000";
    QTest::newRow("delivered") << 1 << int(SummaryModel::DeliveredColumn) << "2010";
    QTest::newRow("redelivered") << 1 << int(SummaryModel::RedeliveredColumn) << "10";
    QTest::newRow("acked") << 1 << int(SummaryModel::AckedColumn) << "1990";
    QTest::newRow("processed") << 2 << int(SummaryModel::ProcessedColumn) << "1990";
    QTest::newRow("dropped sums the reasons") << 1 << int(SummaryModel::DroppedColumn) << "5";
    QTest::newRow("dead-lettered") << 1 << int(SummaryModel::DeadLetteredColumn) << "4";
    QTest::newRow("depth is what is ready") << 1 << int(SummaryModel::DepthColumn) << "6";
}

void TestSummaryModel::cells()
{
    QFETCH(int, row);
    QFETCH(int, column);
    QFETCH(QString, expected);

    SummaryModel model;
    model.setSummary(sampleSummary());
    const QModelIndex index = model.index(row, column);
    QCOMPARE(index.data().toString(), expected);
    if (column != SummaryModel::NodeColumn && column != SummaryModel::KindColumn)
        QCOMPARE(index.data(SummaryModel::CountRole).toULongLong(), expected.toULongLong());
    else
        QVERIFY(!index.data(SummaryModel::CountRole).isValid());
}

void TestSummaryModel::numbersAlignRightTextLeft()
{
    SummaryModel model;
    model.setSummary(sampleSummary());
    for (int c = 0; c < model.columnCount(); ++c) {
        const auto alignment = model.index(0, c).data(Qt::TextAlignmentRole).value<Qt::Alignment>();
        const bool number = c >= SummaryModel::PublishedColumn && c != SummaryModel::DetailsColumn;
        QCOMPARE(alignment & Qt::AlignHorizontal_Mask, number ? Qt::AlignRight : Qt::AlignLeft);
    }
}

void TestSummaryModel::toolTips()
{
    SummaryModel model;
    model.setSummary(sampleSummary());
    // The node shows by name, the id is in the tooltip.
    QCOMPARE(model.index(1, SummaryModel::NodeColumn).data(Qt::ToolTipRole).toString(), QString("id: tasks"));
    QCOMPARE(model.index(2, SummaryModel::NodeColumn).data(Qt::ToolTipRole).toString(),
             QString("id: worker"));
    QCOMPARE(model.index(1, SummaryModel::DepthColumn).data(Qt::ToolTipRole).toString(),
             QString("6 ready, 1 delivered but not acknowledged"));
}

void TestSummaryModel::resetsOnSetAndClear()
{
    SummaryModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
    model.setSummary(sampleSummary());
    QCOMPARE(model.rowCount(), 3);
    QCOMPARE(model.summary().seed, std::uint64_t(42));
    model.clear();
    QCOMPARE(model.rowCount(), 0);
    QCOMPARE(reset.count(), 2);
}

void TestSummaryModel::realRunMatchesItsCounters()
{
    const LoadResult loaded = loadTopologyFile(SIGNALBOX_EXAMPLES_DIR "/work-queue.json");
    QVERIFY2(loaded.ok(), loaded.errorText().c_str());
    std::string error;
    auto sim = Simulation::build(*loaded.topology, error);
    QVERIFY2(sim, error.c_str());
    Metrics metrics(sim->nodeCount(), sim->linkCount());
    DeliveryChecker checker = DeliveryChecker::forTopology(*loaded.topology);
    sim->addSink(&metrics);
    sim->addSink(&checker);
    RunOptions options;
    options.until = *loaded.topology->run.until;
    const StopReason reason = sim->run(options);

    SummaryModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setSummary(buildSummary(*sim, metrics, checker, reason, 0));
    QCOMPARE(model.rowCount(), 5);
    quint64 processed = 0;
    for (int row = 0; row < model.rowCount(); ++row) {
        QCOMPARE(model.index(row, SummaryModel::NodeColumn).data().toString(),
                 QString::fromStdString(loaded.topology->nodes[static_cast<std::size_t>(row)].name));
        processed +=
            model.index(row, SummaryModel::ProcessedColumn).data(SummaryModel::CountRole).toULongLong();
    }
    QCOMPARE(processed, quint64(2000));
    QCOMPARE(model.index(0, SummaryModel::PublishedColumn).data().toString(), QString("2000"));
}

void TestSummaryModel::streamAndManagedQueueRows_data()
{
    // A summary of Kafka and SQS nodes: the broker's columns their kinds never count are blank,
    // the Details column says what they did.
    QTest::addColumn<int>("row");
    QTest::addColumn<int>("column");
    QTest::addColumn<QString>("expected");
    QTest::addColumn<bool>("hasCount");

    const int details = SummaryModel::DetailsColumn;
    QTest::newRow("topic routes nothing") << 0 << int(SummaryModel::RoutedColumn) << "" << false;
    QTest::newRow("topic enqueues nothing") << 0 << int(SummaryModel::EnqueuedColumn) << "" << false;
    QTest::newRow("topic drops") << 0 << int(SummaryModel::DroppedColumn) << "2" << true;
    QTest::newRow("topic details")
        << 0 << details
        << "2 partitions, 350 records appended (log end), 50 deleted by retention, under-replicated 1.5s "
           "(1 partition), 1 leader election, 1 offline at the end"
        << false;
    QTest::newRow("consumer processes") << 1 << int(SummaryModel::ProcessedColumn) << "120" << true;
    QTest::newRow("consumer acks nothing") << 1 << int(SummaryModel::AckedColumn) << "" << false;
    QTest::newRow("consumer details")
        << 1 << details
        << "group billing: lag 7, 3 rebalances, 4 duplicates, 0 lost, partitions "
           "unassigned 2s"
        << false;
    QTest::newRow("consumer of an unknown group") << 2 << details << "" << false;
    QTest::newRow("sqs queue receives") << 3 << int(SummaryModel::DeliveredColumn) << "30" << true;
    QTest::newRow("sqs queue deletes") << 3 << int(SummaryModel::AckedColumn) << "25" << true;
    QTest::newRow("sqs queue routes nothing") << 3 << int(SummaryModel::RoutedColumn) << "" << false;
    QTest::newRow("sqs queue details")
        << 3 << details << "4 visible, 2 in flight at the end, 5 received again" << false;
    QTest::newRow("producer sends") << 4 << int(SummaryModel::PublishedColumn) << "300" << true;
    QTest::newRow("producer details") << 4 << details << "298 acknowledged, 2 retries" << false;
    QTest::newRow("a counter not zero shows whatever the kind")
        << 4 << int(SummaryModel::RoutedColumn) << "1" << true;
    QTest::newRow("broker kinds have no details") << 5 << details << "" << false;
    QTest::newRow("broker kinds keep their zeros") << 5 << int(SummaryModel::RoutedColumn) << "0" << true;
}

void TestSummaryModel::streamAndManagedQueueRows()
{
    QFETCH(int, row);
    QFETCH(int, column);
    QFETCH(QString, expected);
    QFETCH(bool, hasCount);

    RunSummary s;
    NodeSummary topic{"orders", "kafka-topic", "orders", {}, {}, {}};
    topic.counters.drops[static_cast<int>(DropReason::NotEnoughReplicas)] = 2;
    TopicSummary ts;
    ts.id = "orders";
    TopicSummary::Partition p0, p1;
    p0.figures.logStart = 50;
    p0.figures.logEnd = 200;
    p0.figures.leader = 1;
    p0.figures.elections = 1;
    p0.underReplicated = 1500 * kMillisecond;
    p1.figures.logEnd = 150;
    p1.figures.leader = -1;
    ts.partitions = {p0, p1};
    s.topics = {ts};
    NodeSummary billing{"billing-1", "kafka-consumer", "", {}, {}, {}};
    billing.counters.processed = 120;
    NodeSummary stray{"stray", "kafka-consumer", "", {}, {}, {}};
    GroupReport g;
    g.group = "billing";
    g.lag = 7;
    g.rebalances = 3;
    g.duplicates = 4;
    g.unassigned = 2 * kSecond;
    s.groups = {g};
    NodeSummary queue{"jobs", "sqs-queue", "", {}, {}, {}};
    queue.counters.enqueued = 31;
    queue.counters.delivered = 30;
    queue.counters.redelivered = 5;
    queue.counters.acked = 25;
    queue.status.ready = 4;
    queue.status.unacked = 2;
    NodeSummary producer{"writer", "kafka-producer", "", {}, {}, {}};
    producer.counters.published = 300;
    producer.counters.confirmed = 298;
    producer.counters.retries = 2;
    producer.counters.routed = 1; // not a Kafka figure, but never hidden when it is not 0
    NodeSummary exchange{"x", "exchange", "", {}, {}, {}};
    s.nodes = {topic, billing, stray, queue, producer, exchange};

    Topology t;
    for (const NodeSummary &n : s.nodes) {
        NodeDef d;
        d.id = n.id;
        d.kind = n.kind;
        if (n.id == "billing-1") d.properties["groupId"] = "billing";
        if (n.id == "stray") d.properties["groupId"] = "nobody";
        t.nodes.push_back(d);
    }
    SummaryModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setSummary(s, t);
    const QModelIndex cell = model.index(row, column);
    QCOMPARE(cell.data().toString(), expected);
    QCOMPARE(cell.data(SummaryModel::CountRole).isValid(), hasCount);
    if (hasCount) QCOMPARE(cell.data(SummaryModel::CountRole).toString(), expected);
}

void TestSummaryModel::kafkaRunShowsItsLogAndGroups()
{
    // The consumer-groups example run through the engine: the details are the run's own figures.
    const LoadResult loaded = loadTopologyFile(SIGNALBOX_EXAMPLES_DIR "/kafka-consumer-groups.json");
    QVERIFY2(loaded.ok(), loaded.errorText().c_str());
    const Topology &t = *loaded.topology;
    std::string error;
    auto sim = Simulation::build(t, error);
    QVERIFY2(sim, error.c_str());
    Metrics metrics(sim->nodeCount(), sim->linkCount());
    DeliveryChecker checker = DeliveryChecker::forTopology(t);
    GroupChecker groups(nodeLabels(t), DeliveryChecker::nodesWithRole(t, DeliveryRole::Log));
    LogMetrics logs(t);
    for (TraceSink *sink : std::initializer_list<TraceSink *>{&metrics, &checker, &groups, &logs})
        sim->addSink(sink);
    RunOptions options;
    options.until = *t.run.until;
    const StopReason reason = sim->run(options);
    const RunSummary summary = buildSummary(*sim, metrics, checker, reason, 0, nullptr, &groups, &logs);
    QCOMPARE(summary.topics.size(), std::size_t(1));

    SummaryModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setSummary(summary, t);
    std::int64_t end = 0;
    for (const auto &p : summary.topics.front().partitions)
        end += p.figures.logEnd;
    QVERIFY(end >= 3000); // every record the producer wrote, each at its own offset
    const int topicRow = int(*t.nodeIndex("orders"));
    const QString topicDetails = model.index(topicRow, SummaryModel::DetailsColumn).data().toString();
    QVERIFY2(topicDetails.startsWith(QStringLiteral("6 partitions, %1 records appended (log end)").arg(end)),
             qPrintable(topicDetails));
    QVERIFY(model.index(topicRow, SummaryModel::AckedColumn).data().toString().isEmpty());
    for (const char *member : {"billing-1", "audit"}) {
        const int row = int(*t.nodeIndex(member));
        const std::string group = t.nodes[std::size_t(row)].properties["groupId"].get<std::string>();
        const auto report = std::find_if(summary.groups.begin(), summary.groups.end(),
                                         [&](const GroupReport &r) { return r.group == group; });
        QVERIFY(report != summary.groups.end());
        const QString details = model.index(row, SummaryModel::DetailsColumn).data().toString();
        QVERIFY2(
            details.startsWith(
                QStringLiteral("group %1: lag %2, ").arg(QString::fromStdString(group)).arg(report->lag)),
            qPrintable(details));
        QVERIFY2(details.contains(QStringLiteral("%1 duplicates").arg(report->duplicates)),
                 qPrintable(details));
        QVERIFY2(details.contains(QStringLiteral(", %1 rebalance").arg(report->rebalances)),
                 qPrintable(details));
        // billing rebalanced when its member crashed and again when it came back.
        if (group == "billing") QVERIFY(report->rebalances >= 3);
        QCOMPARE(model.index(row, SummaryModel::ProcessedColumn).data(SummaryModel::CountRole).toULongLong(),
                 summary.nodes[std::size_t(row)].counters.processed);
    }
}

void TestSummaryModel::deliveryCheckText_data()
{
    QTest::addColumn<DeliveryReport>("report");
    QTest::addColumn<QString>("expected");

    DeliveryReport clean;
    clean.published = 2000;
    clean.copies = 2000;
    clean.processed = 2000;
    QTest::newRow("all processed") << clean
                                   << "Delivery check: 2000 published, 2000 copies reached queues, 2000 "
                                      "processed, 0 duplicates, 0 lost, "
                                      "0 dropped by policy, 0 dead-lettered, 0 pending";

    DeliveryReport messy = clean;
    messy.processed = 1990;
    messy.duplicates = 7;
    messy.duplicateIds = {3, 9, 12, 20, 31};
    messy.lost = 2;
    messy.lostIds = {5, 8};
    messy.dropped[static_cast<int>(DropReason::MaxLength)] = 4;
    messy.deadLettered = 1;
    messy.pending = 3;
    messy.pendingIds = {1997, 1998, 1999};
    QTest::newRow("with examples")
        << messy
        << "Delivery check: 2000 published, 2000 copies reached queues, 1990 processed, "
           "7 duplicates (e.g. message 3, 9, 12, 20, 31, …), 2 lost (e.g. message 5, 8), 4 dropped by "
           "policy, "
           "1 dead-lettered, 3 pending (e.g. message 1997, 1998, 1999)";
}

void TestSummaryModel::deliveryCheckText()
{
    QFETCH(DeliveryReport, report);
    QFETCH(QString, expected);
    QCOMPARE(sb::deliveryCheckText(report), expected);
}

void TestSummaryModel::headlineAndLatency()
{
    RunSummary s = sampleSummary();
    QCOMPARE(runHeadlineText(s), QString("Run of “Work queue”: seed 42, virtual time 10s, 11107 trace "
                                         "events, ended: quiescent, wall 0.250 s"));
    s.topologyName = "100%1 %2 sure";
    s.stopReason = StopReason::Stopped;
    QCOMPARE(runHeadlineText(s), QString("Run of “100%1 %2 sure”: seed 42, virtual time 10s, 11107 trace "
                                         "events, ended: stopped, wall 0.250 s"));

    LatencySummary latency;
    latency.count = 2000;
    latency.p50 = 549454 * kMicrosecond;
    latency.p90 = 1027600 * kMicrosecond;
    latency.p99 = 1132 * kMillisecond;
    latency.p999 = 1216 * kMillisecond;
    latency.max = 1276320 * kMicrosecond;
    QCOMPARE(latencyText(latency),
             QString("Latency, publish to processed (2000 processings): p50 549ms, p90 1.028s, "
                     "p99 1.132s, p99.9 1.216s, max 1.276s"));
}

// Two nodes with one name: the dock, the order check and the CLI's text say which is which; the
// JSON keeps ids and adds the names.
void TestSummaryModel::namesInTheTextSayTheirIdsWhenShared()
{
    RunSummary s = sampleSummary();
    s.nodes[2].name = "Task queue"; // the worker now shares the queue's name
    s.delivery.outOfOrder = 1;
    s.delivery.outOfOrderExamples.push_back({5, 7, 2, 1, 3 * kMillisecond});
    SummaryModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setSummary(s);
    QCOMPARE(model.index(1, SummaryModel::NodeColumn).data().toString(), QString("Task queue (tasks)"));
    QCOMPARE(model.index(2, SummaryModel::NodeColumn).data().toString(), QString("Task queue (worker)"));
    QCOMPARE(model.index(0, SummaryModel::NodeColumn).data().toString(), QString("producer"));
    QVERIFY2(orderCheckText(s).contains(QLatin1String("at Task queue (worker) from Task queue (tasks)")),
             qPrintable(orderCheckText(s)));
    const QString text = QString::fromStdString(formatSummary(s));
    QVERIFY2(text.contains(QLatin1String("\nTask queue (tasks)  queue")), qPrintable(text));
    QVERIFY2(text.contains(QLatin1String("  Task queue (tasks): maxlen 3")), qPrintable(text));
    const Json json = summaryToJson(s);
    QCOMPARE(json["nodes"][1]["id"].get<std::string>(), std::string("tasks"));
    QCOMPARE(json["nodes"][1]["name"].get<std::string>(), std::string("Task queue"));
    QCOMPARE(json["nodes"][2]["name"].get<std::string>(), std::string("Task queue"));
    QCOMPARE(json["delivery"]["out_of_order_examples"][0]["consumer"].get<std::string>(),
             std::string("worker"));
}

namespace {
CallReport sampleCalls()
{
    CallReport c;
    c.calls = 10;
    c.completed = 9;
    c.succeeded = 7;
    c.failed = 2;
    c.failedByStatus = {{4, 1}, {503, 1}};
    c.open = 1;
    c.executedNever = 1;
    c.executedOnce = 8;
    c.executedTwiceOrMore = 1;
    c.attempts = 12;
    c.retries = 2;
    c.hedges = 1;
    c.repliesLost = 1;
    c.lateReplies = 3;
    CallMethodReport get;
    get.client = 0;
    get.method = "orders.Orders/Get";
    get.calls = 9;
    get.latency.count = 9;
    get.latency.p50 = 20 * kMillisecond;
    get.latency.p90 = 40 * kMillisecond;
    get.latency.p99 = 900 * kMillisecond;
    get.latency.max = 1500 * kMillisecond;
    get.byStatus = {{0, 7}, {4, 1}, {503, 1}};
    CallMethodReport none;
    none.client = 2;
    c.methods = {get, none};
    return c;
}
} // namespace

void TestSummaryModel::checkModel_data()
{
    QTest::addColumn<int>("row");
    QTest::addColumn<int>("column");
    QTest::addColumn<QString>("expected");
    QTest::newRow("name") << 4 << int(CheckModel::CheckColumn) << "executed-twice";
    QTest::newRow("count") << 4 << int(CheckModel::CountColumn) << "3";
    QTest::newRow("first finding, and how many more")
        << 4 << int(CheckModel::FindingColumn) << "call 17 was executed a second time (and 2 more)";
    QTest::newRow("nothing found") << 0 << int(CheckModel::CountColumn) << "0";
    QTest::newRow("no finding to show") << 0 << int(CheckModel::FindingColumn) << "";
    QTest::newRow("one finding") << 1 << int(CheckModel::FindingColumn)
                                 << "message 8 was processed more than once";
}

void TestSummaryModel::checkModel()
{
    QFETCH(int, row);
    QFETCH(int, column);
    QFETCH(QString, expected);
    RunSummary s = sampleSummary();
    s.delivery.duplicates = 1;
    s.delivery.duplicateIds = {8};
    CallReport calls;
    for (const char *name : {"executed-twice", "failed-calls"})
        calls.checks.push_back({name, "calls that servers executed more than once", 0, {}});
    Finding f;
    f.what = "call 17 was executed a second time";
    calls.checks[0].count = 3;
    calls.checks[0].examples = {f};
    setChecks(s, &calls);

    CheckModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
    QVERIFY(!model.anyFound());
    model.setChecks(s.checks);
    QCOMPARE(reset.count(), 1);
    QCOMPARE(model.rowCount(), 6);
    QCOMPARE(model.columnCount(), int(CheckModel::ColumnCount));
    QVERIFY(model.anyFound());
    QCOMPARE(model.index(row, column).data().toString(), expected);
    QCOMPARE(model.index(4, 0).data(CheckModel::CheckNameRole).toString(), QString("executed-twice"));
    QCOMPARE(model.index(4, 0).data(CheckModel::CountRole).toULongLong(), quint64(3));
    const QString tip = model.index(4, CheckModel::FindingColumn).data(Qt::ToolTipRole).toString();
    QVERIFY2(tip.startsWith(QLatin1String("calls that servers executed more than once\n")), qPrintable(tip));
    QVERIFY2(tip.endsWith(QStringLiteral("… and 2 more")), qPrintable(tip));
    QCOMPARE(model.headerData(CheckModel::FindingColumn, Qt::Horizontal).toString(),
             QString("First finding"));
    model.clear();
    QCOMPARE(model.rowCount(), 0);
    QVERIFY(!model.anyFound());
}

void TestSummaryModel::callMethodModel()
{
    RunSummary s = sampleSummary();
    s.calls = sampleCalls();
    CallMethodModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setSummary(s);
    QCOMPARE(model.rowCount(), 2);
    QStringList headers;
    for (int c = 0; c < model.columnCount(); ++c)
        headers << model.headerData(c, Qt::Horizontal).toString();
    QCOMPARE(headers, QStringList({"Client", "Method", "Calls", "p50", "p90", "p99", "Max", "Statuses"}));
    const auto cell = [&](int row, int column) { return model.index(row, column).data().toString(); };
    QCOMPARE(cell(0, CallMethodModel::ClientColumn), QString("producer")); // node 0 by its label
    QCOMPARE(cell(0, CallMethodModel::MethodColumn), QString("orders.Orders/Get"));
    QCOMPARE(cell(0, CallMethodModel::CallsColumn), QString("9"));
    QCOMPARE(cell(0, CallMethodModel::P50Column), QString("20ms"));
    QCOMPARE(cell(0, CallMethodModel::P99Column), QString("900ms"));
    QCOMPARE(cell(0, CallMethodModel::MaxColumn), QString("1.5s"));
    QCOMPARE(cell(0, CallMethodModel::StatusColumn),
             QString("OK 7, DEADLINE_EXCEEDED 1, 503 Service Unavailable 1"));
    QCOMPARE(model.index(0, CallMethodModel::P90Column).data(CallMethodModel::ValueRole).toLongLong(),
             qlonglong(40 * kMillisecond));
    QCOMPARE(cell(1, CallMethodModel::ClientColumn), QString("worker"));
    QCOMPARE(cell(1, CallMethodModel::MethodColumn), QString("(no method)"));
    QCOMPARE(cell(1, CallMethodModel::P50Column), QString()); // no completed call: no latency
    model.clear();
    QCOMPARE(model.rowCount(), 0);
}

void TestSummaryModel::callsText()
{
    QCOMPARE(sb::callsText(CallReport{}), QString());
    QCOMPARE(
        sb::callsText(sampleCalls()),
        QString("Calls: 10 started, 9 completed: 7 succeeded, 2 failed (DEADLINE_EXCEEDED 1, 503 Service "
                "Unavailable 1), 1 still open; executed 1 never, 8 once, 1 twice or more; 12 "
                "attempts (2 retries, 1 hedges); replies 1 lost, 3 late"));
}

QTEST_GUILESS_MAIN(TestSummaryModel)
#include "tst_summarymodel.moc"
