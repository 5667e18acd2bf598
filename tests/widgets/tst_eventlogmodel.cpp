#include "eventfilterproxy.h"
#include "eventlogmodel.h"

#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QTest>

Q_DECLARE_METATYPE(sb::TraceEvent)

using namespace sb;

namespace {

TraceEvent makeEvent(SimTime time, TraceKind kind, NodeIndex node, NodeIndex peer = kNoIndex,
                     std::uint64_t message = 0, LinkIndex link = kNoIndex)
{
    TraceEvent e;
    e.time = time;
    e.kind = kind;
    e.node = node;
    e.peer = peer;
    e.messageId = message;
    e.link = link;
    return e;
}

// Events numbered by their message id, so that which ones a model holds is easy to read.
std::vector<TraceEvent> numbered(std::uint64_t first, std::uint64_t count)
{
    std::vector<TraceEvent> events;
    for (std::uint64_t id = first; id < first + count; ++id)
        events.push_back(
            makeEvent(static_cast<SimTime>(id) * kMillisecond, TraceKind::Publish, 0, kNoIndex, id));
    return events;
}

QList<quint64> messageIds(const EventLogModel &model)
{
    QList<quint64> ids;
    for (int row = 0; row < model.rowCount(); ++row)
        ids << model.eventAt(row).messageId;
    return ids;
}

QList<quint64> range(quint64 first, quint64 last)
{
    QList<quint64> ids;
    for (quint64 id = first; id <= last; ++id)
        ids << id;
    return ids;
}

// Nodes: 0 producer, 1 tasks, 2 worker-1, 3 worker-2, 4 ack (a node whose id is also a kind).
const QStringList kNodes = {"producer", "tasks", "worker-1", "worker-2", "ack"};
const QStringList kLinks = {"publish", "to-worker-1", "to-worker-2"};
// What the canvas shows for them (by index).
const QStringList kNames = {"Publisher", "jobs", "Alice", "Bob", "Acker"};

// A small run; row numbers are referred to by the filter tests.
std::vector<TraceEvent> sampleRun()
{
    std::vector<TraceEvent> events = {
        makeEvent(1 * kMillisecond, TraceKind::Publish, 0, kNoIndex, 1),            // 0
        makeEvent(2 * kMillisecond, TraceKind::Enqueue, 1, kNoIndex, 1),            // 1
        makeEvent(3 * kMillisecond, TraceKind::Deliver, 1, 2, 1, 1),                // 2
        makeEvent(4 * kMillisecond, TraceKind::Process, 2, 1, 1, 1),                // 3
        makeEvent(5 * kMillisecond, TraceKind::Publish, 0, kNoIndex, 2),            // 4
        makeEvent(6 * kMillisecond, TraceKind::Enqueue, 1, kNoIndex, 2),            // 5
        makeEvent(7 * kMillisecond, TraceKind::Deliver, 1, 3, 2, 2),                // 6
        makeEvent(8 * kMillisecond, TraceKind::Drop, 1, 3, 2, 2),                   // 7
        makeEvent(9 * kMillisecond, TraceKind::LinkDown, kNoIndex, kNoIndex, 0, 0), // 8
        makeEvent(10 * kMillisecond, TraceKind::Ack, 1, 2, 1, 1),                   // 9
    };
    events[7].reason = DropReason::Loss;
    return events;
}

} // namespace

class TestEventLogModel : public QObject {
    Q_OBJECT

private slots:
    void emptyModel();
    void headers();
    void appendsEachBatchInOneInsertion();
    void emptyBatchChangesNothing();
    void overflowRemovesOldestFirst();
    void batchLargerThanCapacityKeepsNewest();
    void clearEmptiesAndResetsDiscarded();
    void displayText_data();
    void displayText();
    void unnamedIndicesShowAsNumbers();
    void setNamesUpdatesShownRows();
    void namesShownIdsInToolTips();
    void roles();

    void filterText_data();
    void filterText();
    void badFilterTextKeepsFilters_data();
    void badFilterTextKeepsFilters();
    void filterSetters_data();
    void filterSetters();
    void proxyFollowsAppendsOverflowAndClear();
};

void TestEventLogModel::emptyModel()
{
    EventLogModel model(10);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QCOMPARE(model.rowCount(), 0);
    QCOMPARE(model.columnCount(), int(EventLogModel::ColumnCount));
    QCOMPARE(model.capacity(), std::size_t(10));
    QCOMPARE(EventLogModel().capacity(), std::size_t(200000));
}

void TestEventLogModel::headers()
{
    EventLogModel model;
    const QStringList expected = {"Time",    "Kind",        "Node",       "Peer",   "Link",
                                  "Message", "Correlation", "Deliveries", "Reason", "Detail"};
    QStringList actual;
    for (int c = 0; c < model.columnCount(); ++c)
        actual << model.headerData(c, Qt::Horizontal).toString();
    QCOMPARE(actual, expected);
}

void TestEventLogModel::appendsEachBatchInOneInsertion()
{
    EventLogModel model(100);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    QSignalSpy removed(&model, &QAbstractItemModel::rowsRemoved);

    model.appendBatch(numbered(1, 10));
    QCOMPARE(inserted.count(), 1);
    QCOMPARE(inserted.at(0).at(1).toInt(), 0);
    QCOMPARE(inserted.at(0).at(2).toInt(), 9);

    model.appendBatch(numbered(11, 5));
    QCOMPARE(inserted.count(), 2);
    QCOMPARE(inserted.at(1).at(1).toInt(), 10);
    QCOMPARE(inserted.at(1).at(2).toInt(), 14);
    QCOMPARE(removed.count(), 0);
    QCOMPARE(messageIds(model), range(1, 15));
    QCOMPARE(model.discarded(), quint64(0));
}

void TestEventLogModel::emptyBatchChangesNothing()
{
    EventLogModel model(10);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    model.appendBatch({});
    QCOMPARE(inserted.count(), 0);
    QCOMPARE(model.rowCount(), 0);
}

void TestEventLogModel::overflowRemovesOldestFirst()
{
    EventLogModel model(10);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.appendBatch(numbered(1, 7));

    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    QSignalSpy removed(&model, &QAbstractItemModel::rowsRemoved);
    model.appendBatch(numbered(8, 6));
    QCOMPARE(removed.count(), 1);
    QCOMPARE(removed.at(0).at(1).toInt(), 0);
    QCOMPARE(removed.at(0).at(2).toInt(), 2);
    QCOMPARE(inserted.count(), 1);
    QCOMPARE(inserted.at(0).at(1).toInt(), 4);
    QCOMPARE(inserted.at(0).at(2).toInt(), 9);
    QCOMPARE(messageIds(model), range(4, 13));
    QCOMPARE(model.discarded(), quint64(3));

    // Full: every further batch pushes out as many as it brings.
    for (std::uint64_t first = 14; first < 62; first += 4)
        model.appendBatch(numbered(first, 4));
    QCOMPARE(messageIds(model), range(52, 61));
    QCOMPARE(model.discarded(), quint64(51));
}

void TestEventLogModel::batchLargerThanCapacityKeepsNewest()
{
    EventLogModel model(5);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.appendBatch(numbered(1, 3));
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    QSignalSpy removed(&model, &QAbstractItemModel::rowsRemoved);

    model.appendBatch(numbered(4, 12));
    QCOMPARE(removed.count(), 1);
    QCOMPARE(removed.at(0).at(2).toInt(), 2);
    QCOMPARE(inserted.count(), 1);
    QCOMPARE(messageIds(model), range(11, 15));
    QCOMPARE(model.discarded(), quint64(10));
}

void TestEventLogModel::clearEmptiesAndResetsDiscarded()
{
    EventLogModel model(4);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.appendBatch(numbered(1, 6));
    QCOMPARE(model.discarded(), quint64(2));
    QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
    model.clear();
    QCOMPARE(reset.count(), 1);
    QCOMPARE(model.rowCount(), 0);
    QCOMPARE(model.discarded(), quint64(0));
    model.appendBatch(numbered(7, 2));
    QCOMPARE(messageIds(model), range(7, 8));
}

void TestEventLogModel::displayText_data()
{
    QTest::addColumn<TraceEvent>("event");
    QTest::addColumn<int>("column");
    QTest::addColumn<QString>("expected");

    TraceEvent send = makeEvent(1500 * kMicrosecond, TraceKind::Send, 0, 1, 7, 0);
    send.frame = FrameType::Publish;
    send.aux = 2500 * kMicrosecond;
    TraceEvent deliver = makeEvent(2 * kSecond, TraceKind::Deliver, 1, 2, 7, 1);
    deliver.aux = 3;
    deliver.deliveryCount = 2;
    deliver.correlationId = 99;
    TraceEvent noAck = deliver;
    noAck.flags = TraceFlag::NoAck;
    TraceEvent process = makeEvent(3 * kSecond, TraceKind::Process, 2, 1, 7, 1);
    process.aux = 12 * kMillisecond;
    TraceEvent drop = makeEvent(4 * kSecond, TraceKind::Drop, 1, 2, 7, 1);
    drop.reason = DropReason::Loss;
    drop.frame = FrameType::Ack;
    TraceEvent nack = makeEvent(5 * kSecond, TraceKind::Nack, 1, 2, 7, 1);
    nack.flags = TraceFlag::Requeue;
    TraceEvent linkDown = makeEvent(0, TraceKind::LinkDown, kNoIndex, kNoIndex, 0, 2);

    QTest::newRow("time") << send << int(EventLogModel::TimeColumn) << "1.5ms";
    QTest::newRow("time zero") << linkDown << int(EventLogModel::TimeColumn) << "0";
    QTest::newRow("kind") << send << int(EventLogModel::KindColumn) << "send";
    QTest::newRow("kind with dash") << makeEvent(0, TraceKind::DeadLetter, 1)
                                    << int(EventLogModel::KindColumn) << "dead-letter";
    QTest::newRow("node") << send << int(EventLogModel::NodeColumn) << "producer";
    QTest::newRow("peer") << send << int(EventLogModel::PeerColumn) << "tasks";
    QTest::newRow("link") << deliver << int(EventLogModel::LinkColumn) << "to-worker-1";
    QTest::newRow("no node") << linkDown << int(EventLogModel::NodeColumn) << "";
    QTest::newRow("no peer") << makeEvent(0, TraceKind::Publish, 0) << int(EventLogModel::PeerColumn) << "";
    QTest::newRow("message") << send << int(EventLogModel::MessageColumn) << "7";
    QTest::newRow("no message") << linkDown << int(EventLogModel::MessageColumn) << "";
    QTest::newRow("correlation") << deliver << int(EventLogModel::CorrelationColumn) << "99";
    QTest::newRow("deliveries") << deliver << int(EventLogModel::DeliveriesColumn) << "2";
    QTest::newRow("no reason") << deliver << int(EventLogModel::ReasonColumn) << "";
    QTest::newRow("reason") << drop << int(EventLogModel::ReasonColumn) << "loss";
    QTest::newRow("send detail") << send << int(EventLogModel::DetailColumn)
                                 << "publish frame, arrives at 2.5ms";
    QTest::newRow("deliver detail") << deliver << int(EventLogModel::DetailColumn) << "depth 3";
    QTest::newRow("auto-ack detail") << noAck << int(EventLogModel::DetailColumn) << "depth 3, auto-ack";
    QTest::newRow("process detail") << process << int(EventLogModel::DetailColumn) << "latency 12ms";
    QTest::newRow("link drop detail") << drop << int(EventLogModel::DetailColumn) << "ack frame";
    QTest::newRow("nack detail") << nack << int(EventLogModel::DetailColumn) << "requeue";
    QTest::newRow("no detail") << linkDown << int(EventLogModel::DetailColumn) << "";
}

void TestEventLogModel::displayText()
{
    QFETCH(TraceEvent, event);
    QFETCH(int, column);
    QFETCH(QString, expected);

    EventLogModel model;
    model.setNames(kNodes, kLinks);
    model.appendBatch({event});
    QCOMPARE(model.index(0, column).data().toString(), expected);
}

void TestEventLogModel::unnamedIndicesShowAsNumbers()
{
    EventLogModel model;
    model.appendBatch({makeEvent(0, TraceKind::Deliver, 1, 2, 5, 3)});
    QCOMPARE(model.index(0, EventLogModel::NodeColumn).data().toString(), QString("1"));
    QCOMPARE(model.index(0, EventLogModel::PeerColumn).data().toString(), QString("2"));
    QCOMPARE(model.index(0, EventLogModel::LinkColumn).data().toString(), QString("3"));
}

void TestEventLogModel::setNamesUpdatesShownRows()
{
    EventLogModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.appendBatch(sampleRun());
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    model.setNames(kNodes, kLinks);
    QCOMPARE(changed.count(), 1);
    QCOMPARE(model.index(2, EventLogModel::PeerColumn).data().toString(), QString("worker-1"));
    QCOMPARE(model.nodeIndex("worker-2"), NodeIndex(3));
    QCOMPARE(model.nodeIndex("nobody"), kNoIndex);
}

// Issue 9, usability 1: the node columns show names, the tooltip the id.
void TestEventLogModel::namesShownIdsInToolTips()
{
    EventLogModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.appendBatch(sampleRun());
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    model.setNames(kNodes, kLinks, kNames);
    QCOMPARE(changed.count(), 1);
    QCOMPARE(model.index(2, EventLogModel::NodeColumn).data().toString(), QString("jobs"));
    QCOMPARE(model.index(2, EventLogModel::PeerColumn).data().toString(), QString("Alice"));
    QCOMPARE(model.index(2, EventLogModel::NodeColumn).data(Qt::ToolTipRole).toString(),
             QString("id: tasks"));
    QCOMPARE(model.index(2, EventLogModel::PeerColumn).data(Qt::ToolTipRole).toString(),
             QString("id: worker-1"));
    QVERIFY(!model.index(0, EventLogModel::PeerColumn).data(Qt::ToolTipRole).isValid()); // no peer
    QCOMPARE(model.nodeIndex("Alice"), NodeIndex(2));
    QCOMPARE(model.nodeIndex("worker-1"), NodeIndex(2));
    // Names missing: the ids show.
    model.setNames(kNodes, kLinks);
    QCOMPARE(model.index(2, EventLogModel::PeerColumn).data().toString(), QString("worker-1"));
}

void TestEventLogModel::roles()
{
    EventLogModel model;
    model.appendBatch(sampleRun());
    const QModelIndex deliver = model.index(2, EventLogModel::DetailColumn);
    QCOMPARE(deliver.data(EventLogModel::TimeRole).toLongLong(), 3 * kMillisecond);
    QCOMPARE(deliver.data(EventLogModel::KindRole).toInt(), int(TraceKind::Deliver));
    QCOMPARE(deliver.data(EventLogModel::NodeIndexRole).toUInt(), 1u);
    QCOMPARE(deliver.data(EventLogModel::PeerIndexRole).toUInt(), 2u);
    QCOMPARE(deliver.data(EventLogModel::MessageIdRole).toULongLong(), 1ull);
    QCOMPARE(model.index(2, EventLogModel::MessageColumn).data(Qt::TextAlignmentRole).value<Qt::Alignment>(),
             Qt::AlignRight | Qt::AlignVCenter);
    QCOMPARE(model.index(2, EventLogModel::KindColumn).data(Qt::TextAlignmentRole).value<Qt::Alignment>(),
             Qt::AlignLeft | Qt::AlignVCenter);
}

void TestEventLogModel::filterText_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QList<int>>("rows");

    QTest::newRow("nothing") << "" << QList<int>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
    QTest::newRow("blank") << "   " << QList<int>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
    QTest::newRow("node as actor or peer") << "worker-1" << QList<int>{2, 3, 9};
    QTest::newRow("node: prefix") << "node:worker-2" << QList<int>{6, 7};
    QTest::newRow("bare kind") << "deliver" << QList<int>{2, 6};
    QTest::newRow("kind: prefix") << "kind:deliver" << QList<int>{2, 6};
    QTest::newRow("kind in capitals") << "Kind:DELIVER" << QList<int>{2, 6};
    QTest::newRow("kind with dash") << "link-down" << QList<int>{8};
    QTest::newRow("bare message id") << "2" << QList<int>{4, 5, 6, 7};
    QTest::newRow("hash message id") << "#1" << QList<int>{0, 1, 2, 3, 9};
    QTest::newRow("msg: prefix") << "msg:1" << QList<int>{0, 1, 2, 3, 9};
    QTest::newRow("message: prefix") << "message:2" << QList<int>{4, 5, 6, 7};
    QTest::newRow("message and node") << "msg:1 tasks" << QList<int>{1, 2, 3, 9};
    QTest::newRow("node, kind and message") << "tasks deliver 2" << QList<int>{6};
    QTest::newRow("node id beats kind name") << "ack" << QList<int>{};
    QTest::newRow("kind: reaches the kind") << "kind:ack" << QList<int>{9};
    QTest::newRow("unknown node") << "nobody" << QList<int>{};
    QTest::newRow("id with a colon") << "dc1:queue" << QList<int>{};
    QTest::newRow("last term of a sort wins") << "worker-1 worker-2" << QList<int>{6, 7};
    QTest::newRow("node by name") << "Alice" << QList<int>{2, 3, 9};
    QTest::newRow("node: by name") << "node:Bob" << QList<int>{6, 7};
    QTest::newRow("name and kind") << "jobs enqueue" << QList<int>{1, 5};
}

void TestEventLogModel::filterText()
{
    QFETCH(QString, text);
    QFETCH(QList<int>, rows);

    EventLogModel model;
    model.setNames(kNodes, kLinks, kNames);
    model.appendBatch(sampleRun());
    EventFilterProxy proxy;
    proxy.setSourceModel(&model);
    QAbstractItemModelTester tester(&proxy, QAbstractItemModelTester::FailureReportingMode::QtTest);

    QString error;
    QVERIFY2(proxy.setFilterText(text, &error), qPrintable(error));
    QList<int> actual;
    for (int row = 0; row < proxy.rowCount(); ++row)
        actual << proxy.mapToSource(proxy.index(row, 0)).row();
    QCOMPARE(actual, rows);

    // Clearing the text shows everything again.
    QVERIFY(proxy.setFilterText(QString()));
    QCOMPARE(proxy.rowCount(), model.rowCount());
}

void TestEventLogModel::badFilterTextKeepsFilters_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("reason");

    QTest::newRow("unknown kind") << "kind:nope"
                                  << "\"nope\" is not an event kind";
    QTest::newRow("kind without name") << "kind:"
                                       << "\"\" is not an event kind";
    QTest::newRow("message not a number") << "msg:abc"
                                          << "\"abc\" is not a message id";
    QTest::newRow("message zero") << "#0"
                                  << "\"0\" is not a message id";
    QTest::newRow("node without id") << "tasks node:"
                                     << "\"node:\" needs a node id";
}

void TestEventLogModel::badFilterTextKeepsFilters()
{
    QFETCH(QString, text);
    QFETCH(QString, reason);

    EventLogModel model;
    model.setNames(kNodes, kLinks);
    model.appendBatch(sampleRun());
    EventFilterProxy proxy;
    proxy.setSourceModel(&model);
    QVERIFY(proxy.setFilterText("worker-1"));

    QString error;
    QVERIFY(!proxy.setFilterText(text, &error));
    QVERIFY2(error.contains(reason), qPrintable(error));
    QCOMPARE(proxy.nodeFilter(), QString("worker-1"));
    QCOMPARE(proxy.rowCount(), 3);
}

void TestEventLogModel::filterSetters_data()
{
    QTest::addColumn<QString>("node");
    QTest::addColumn<int>("kind"); // -1: no kind filter
    QTest::addColumn<quint64>("message");
    QTest::addColumn<int>("expectedRows");

    QTest::newRow("none") << "" << -1 << quint64(0) << 10;
    QTest::newRow("node") << "tasks" << -1 << quint64(0) << 7;
    QTest::newRow("kind") << "" << int(TraceKind::Publish) << quint64(0) << 2;
    QTest::newRow("message") << "" << -1 << quint64(2) << 4;
    QTest::newRow("node and kind") << "tasks" << int(TraceKind::Enqueue) << quint64(0) << 2;
    QTest::newRow("all three") << "worker-2" << int(TraceKind::Drop) << quint64(2) << 1;
    QTest::newRow("no match") << "producer" << int(TraceKind::Ack) << quint64(0) << 0;
}

void TestEventLogModel::filterSetters()
{
    QFETCH(QString, node);
    QFETCH(int, kind);
    QFETCH(quint64, message);
    QFETCH(int, expectedRows);

    EventLogModel model;
    model.setNames(kNodes, kLinks);
    model.appendBatch(sampleRun());
    EventFilterProxy proxy;
    proxy.setSourceModel(&model);
    QAbstractItemModelTester tester(&proxy, QAbstractItemModelTester::FailureReportingMode::QtTest);

    proxy.setNodeFilter(node);
    proxy.setKindFilter(kind < 0 ? std::nullopt : std::optional<TraceKind>(static_cast<TraceKind>(kind)));
    proxy.setMessageFilter(message);
    QCOMPARE(proxy.rowCount(), expectedRows);
}

void TestEventLogModel::proxyFollowsAppendsOverflowAndClear()
{
    EventLogModel model(8);
    model.setNames(kNodes, kLinks);
    EventFilterProxy proxy;
    proxy.setSourceModel(&model);
    QAbstractItemModelTester sourceTester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QAbstractItemModelTester proxyTester(&proxy, QAbstractItemModelTester::FailureReportingMode::QtTest);
    proxy.setKindFilter(TraceKind::Deliver);

    // Each sample run has two deliveries; the log holds the last 8 of its events.
    for (int batch = 0; batch < 5; ++batch) {
        model.appendBatch(sampleRun());
        int expected = 0;
        for (int row = 0; row < model.rowCount(); ++row)
            if (model.eventAt(row).kind == TraceKind::Deliver) ++expected;
        QCOMPARE(proxy.rowCount(), expected);
        for (int row = 0; row < proxy.rowCount(); ++row)
            QCOMPARE(proxy.index(row, EventLogModel::KindColumn).data().toString(), QString("deliver"));
    }
    model.clear();
    QCOMPARE(proxy.rowCount(), 0);
}

QTEST_GUILESS_MAIN(TestEventLogModel)
#include "tst_eventlogmodel.moc"
