// Kafka and SQS on the sequence diagram: arrows read with the protocol's own operation names
// ("Fetch", "OffsetCommit", "ReceiveMessage"; "Fetch response", with its error), in the view, the
// pictures and the Mermaid text; the filter selects them by those names; rebalances, partitions
// revoked and assigned, leader elections, ISR changes and transactions are marked on the right
// lifeline at the right time, and their tooltips name group, generation, partition, broker and
// epoch. Driven by a real run of kafka-consumer-groups.json and by events as the engine traces them.
#include "eventfilterproxy.h"
#include "eventlogmodel.h"
#include "logmetrics.h"
#include "nodelabels.h"
#include "sequence.h"
#include "sequenceexport.h"
#include "sequencepanel.h"
#include "sequencetest.h"
#include "sequenceview.h"

#include "callstatus.h"

#include <QAbstractItemModelTester>
#include <QImage>
#include <QPainter>
#include <QScrollBar>
#include <QSignalSpy>
#include <QTest>

#include <algorithm>
#include <cmath>
#include <sstream>

using namespace sb;

Q_DECLARE_METATYPE(sb::FrameType)
Q_DECLARE_METATYPE(sb::TraceKind)

namespace {

SequenceRenderer::Stats paint(const SequenceHistory &history, const SequenceLayout &layout,
                              const SequenceFilter &filter, QSizeF size,
                              std::vector<SequenceRenderer::DrawnArrow> *hits = nullptr)
{
    QImage image(size.toSize(), QImage::Format_ARGB32_Premultiplied);
    QPainter p(&image);
    return SequenceRenderer::paint(p, size, history, layout, filter, {}, {}, exportPalette(), hits);
}

using sbtest::layoutOf;

QStringList labelsOf(const SequenceRenderer::Stats &stats, SequenceRenderer::DrawnLabel::Kind kind)
{
    QStringList out;
    for (const auto &l : stats.labels)
        if (l.kind == kind) out << l.text;
    return out;
}

// A frame on link 0 from node 0 to node 1, as Simulation::frameEvent traces it.
TraceEvent frameSend(FrameType frame, bool response, std::uint16_t status)
{
    TraceEvent e;
    e.kind = TraceKind::Send;
    e.time = 1 * kMillisecond;
    e.aux = 2 * kMillisecond;
    e.node = 0;
    e.peer = 1;
    e.link = 0;
    e.frame = frame;
    e.status = status;
    if (response) e.flags |= TraceFlag::Response;
    return e;
}

SequenceLayout threeLifelines()
{
    SequenceLayout layout;
    layout.nodeIds = {QStringLiteral("orders"), QStringLiteral("billing-1"), QStringLiteral("billing-2")};
    layout.nodeNames = layout.nodeIds;
    layout.nodeKinds = {QStringLiteral("kafka-topic"), QStringLiteral("kafka-consumer"),
                        QStringLiteral("kafka-consumer")};
    layout.order = {0, 1, 2};
    layout.groupName = [](std::uint32_t g) { return g == 0 ? QStringLiteral("billing") : QString(); };
    return layout;
}

} // namespace

class TestSequenceKafka : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void arrowLabels_data();
    void arrowLabels();
    void kafkaArrowsLegibleAtDefaultZoom();
    void filterSelectsOperations_data();
    void filterSelectsOperations();
    void eventLogModelsPassTheTester();
    void badFrameNameIsRefused();
    void marks_data();
    void marks();
    void marksOfOneInstantAreGathered();
    void runMarksSitOnTheirLifelines_data();
    void runMarksSitOnTheirLifelines();
    void viewTooltipNamesTheGroup();
    void mermaidUsesProtocolNames();
    void groupNamesMatchTheSimulation_data();
    void groupNamesMatchTheSimulation();

private:
    sbtest::ExampleTrace m_run;
    SequenceHistory m_history{1 << 20};
};

void TestSequenceKafka::initTestCase()
{
    // Past billing-2's crash at 5 s and its eviction after the 6 s session timeout: the rebalance.
    m_run = sbtest::runExample("kafka-consumer-groups.json", 14 * kSecond, 7);
    m_history.append(m_run.events);
    QVERIFY(!m_run.events.empty());
}

void TestSequenceKafka::arrowLabels_data()
{
    QTest::addColumn<FrameType>("frame");
    QTest::addColumn<bool>("response");
    QTest::addColumn<int>("status");
    QTest::addColumn<QString>("expected");
    const struct {
        FrameType frame;
        const char *name;
    } frames[] = {{FrameType::Metadata, "Metadata"},
                  {FrameType::Produce, "Produce"},
                  {FrameType::Fetch, "Fetch"},
                  {FrameType::ListOffsets, "ListOffsets"},
                  {FrameType::JoinGroup, "JoinGroup"},
                  {FrameType::SyncGroup, "SyncGroup"},
                  {FrameType::Heartbeat, "Heartbeat"},
                  {FrameType::LeaveGroup, "LeaveGroup"},
                  {FrameType::OffsetCommit, "OffsetCommit"},
                  {FrameType::OffsetFetch, "OffsetFetch"},
                  {FrameType::InitProducerId, "InitProducerId"},
                  {FrameType::AddPartitionsToTxn, "AddPartitionsToTxn"},
                  {FrameType::AddOffsetsToTxn, "AddOffsetsToTxn"},
                  {FrameType::TxnOffsetCommit, "TxnOffsetCommit"},
                  {FrameType::EndTxn, "EndTxn"},
                  {FrameType::SendMessage, "SendMessage"},
                  {FrameType::ReceiveMessage, "ReceiveMessage"},
                  {FrameType::DeleteMessage, "DeleteMessage"},
                  {FrameType::ChangeMessageVisibility, "ChangeMessageVisibility"},
                  {FrameType::AppendToStream, "AppendToStream"},
                  {FrameType::ReadStream, "ReadStream"},
                  {FrameType::SubscribeToStream, "SubscribeToStream"},
                  {FrameType::EventAppeared, "EventAppeared"},
                  {FrameType::PersistentAck, "Ack"},
                  {FrameType::PersistentNack, "Nack"},
                  {FrameType::Command, "Command"},
                  {FrameType::Query, "Query"}};
    static_assert(std::size(frames) == int(FrameType::Query) + 1 - int(FrameType::Metadata),
                  "every Kafka, SQS, event-store and command frame");
    for (const auto &f : frames) {
        QTest::addRow("%s", f.name) << f.frame << false << int(kNoStatus) << QString::fromLatin1(f.name);
        QTest::addRow("%s response", f.name)
            << f.frame << true << 0 << QStringLiteral("%1 response").arg(f.name);
    }
    QTest::newRow("Produce response NOT_ENOUGH_REPLICAS")
        << FrameType::Produce << true << int(KafkaError::NotEnoughReplicas)
        << QStringLiteral("Produce response NOT_ENOUGH_REPLICAS");
    QTest::newRow("JoinGroup response MEMBER_ID_REQUIRED")
        << FrameType::JoinGroup << true << int(KafkaError::MemberIdRequired)
        << QStringLiteral("JoinGroup response MEMBER_ID_REQUIRED");
    QTest::newRow("OffsetCommit response REBALANCE_IN_PROGRESS")
        << FrameType::OffsetCommit << true << int(KafkaError::RebalanceInProgress)
        << QStringLiteral("OffsetCommit response REBALANCE_IN_PROGRESS");
    QTest::newRow("DeleteMessage response ReceiptHandleIsInvalid")
        << FrameType::DeleteMessage << true << int(SqsError::ReceiptHandleIsInvalid)
        << QString::fromStdString("DeleteMessage response " + sqsErrorName(SqsError::ReceiptHandleIsInvalid));
    QTest::newRow("AppendToStream response WrongExpectedVersion")
        << FrameType::AppendToStream << true << int(EsError::WrongExpectedVersion)
        << QStringLiteral("AppendToStream response WrongExpectedVersion");
    QTest::newRow("Command response REJECTED") << FrameType::Command << true << int(CommandStatus::Rejected)
                                               << QStringLiteral("Command response REJECTED");
}

// The arrow, its tooltip and the event log's detail read the protocol's name; a response says so,
// and names its error when it has one. The arrow is labelled although it carries no message.
void TestSequenceKafka::arrowLabels()
{
    QFETCH(FrameType, frame);
    QFETCH(bool, response);
    QFETCH(int, status);
    QFETCH(QString, expected);
    SequenceHistory history(16);
    history.append({frameSend(frame, response, std::uint16_t(status))});
    const SequenceLayout layout = threeLifelines();
    QCOMPARE(SequenceRenderer::arrowText(history, 0, layout), expected);
    QVERIFY2(SequenceRenderer::describe(history.at(0), layout, {QStringLiteral("l")})
                 .startsWith(QStringLiteral("send ") + expected + QStringLiteral(" orders")),
             qPrintable(SequenceRenderer::describe(history.at(0), layout, {})));
    QVERIFY(EventLogModel::detailText(history.at(0)).startsWith(expected + QStringLiteral(", arrives at")));
    // Drawn at the default zoom with its label beside it.
    const SequenceRenderer::Stats stats = paint(history, layout, {}, QSizeF(layout.width(), 400));
    QCOMPARE(stats.arrows, std::size_t(1));
    QCOMPARE(labelsOf(stats, SequenceRenderer::DrawnLabel::Kind::Arrow), QStringList{expected});
}

// At the default zoom (100 µs a pixel) the run's Kafka traffic is drawn arrow by arrow, and its
// labels name the operations.
void TestSequenceKafka::kafkaArrowsLegibleAtDefaultZoom()
{
    SequenceLayout layout = layoutOf(m_run);
    QCOMPARE(layout.nsPerPixel, 1e5);
    // The first offset commit of the run, 5 ms below the top of a 700 px window.
    std::size_t commit = SIZE_MAX;
    for (std::size_t i = 0; i < m_history.size() && commit == SIZE_MAX; ++i)
        if (m_history.at(i).kind == TraceKind::Send && m_history.at(i).frame == FrameType::OffsetCommit &&
            !(m_history.at(i).flags & TraceFlag::Response))
            commit = i;
    QVERIFY(commit != SIZE_MAX);
    layout.top = m_history.at(commit).time - 5 * kMillisecond;
    std::vector<SequenceRenderer::DrawnArrow> hits;
    const SequenceRenderer::Stats stats = paint(m_history, layout, {}, QSizeF(layout.width(), 700), &hits);
    QVERIFY(!stats.density);
    QVERIFY(stats.arrows > 0);
    const QStringList labels = labelsOf(stats, SequenceRenderer::DrawnLabel::Kind::Arrow);
    // Every label drawn is the text of an arrow drawn, and says the operation.
    QStringList drawnTexts;
    for (const auto &h : hits)
        drawnTexts << SequenceRenderer::arrowText(m_history, h.index, layout);
    for (const QString &l : labels) {
        QVERIFY2(drawnTexts.contains(l), qPrintable(l));
        FrameType f;
        QVERIFY2(frameTypeFromText(l.section(QLatin1Char(' '), 0, 0).toStdString(), f), qPrintable(l));
        QVERIFY2(isKafkaFrame(f), qPrintable(l));
    }
    QVERIFY2(labels.contains(SequenceRenderer::arrowText(m_history, commit, layout)),
             qPrintable(labels.join(", ")));
    // Most of the arrows in view are named: the labels are legible, not crowded out.
    QVERIFY2(labels.size() * 3 >= qsizetype(stats.arrows),
             qPrintable(QStringLiteral("%1 labels for %2 arrows").arg(labels.size()).arg(stats.arrows)));
}

void TestSequenceKafka::filterSelectsOperations_data()
{
    QTest::addColumn<QString>("filter");
    QTest::addColumn<FrameType>("frame");
    QTest::newRow("frame:OffsetCommit") << QStringLiteral("frame:OffsetCommit") << FrameType::OffsetCommit;
    QTest::newRow("frame:Fetch") << QStringLiteral("frame:Fetch") << FrameType::Fetch;
    QTest::newRow("frame:offset-commit") << QStringLiteral("frame:offset-commit") << FrameType::OffsetCommit;
    QTest::newRow("frame:joingroup") << QStringLiteral("frame:joingroup") << FrameType::JoinGroup;
    QTest::newRow("frame:Heartbeat") << QStringLiteral("frame:Heartbeat") << FrameType::Heartbeat;
}

// The diagram's filter line and the event log's select a Kafka operation by its name: only its
// frames are drawn or listed, and all of them.
void TestSequenceKafka::filterSelectsOperations()
{
    QFETCH(QString, filter);
    QFETCH(FrameType, frame);
    SequencePanel panel;
    panel.reset(m_run.topology);
    panel.append(m_run.events);
    QString error;
    QVERIFY2(panel.setFilterText(filter, &error), qPrintable(error));
    SequenceLayout layout = panel.view()->layout();
    layout.nsPerPixel = 2e7; // the whole 14 s in 700 px
    layout.top = 0;
    std::vector<SequenceRenderer::DrawnArrow> hits;
    const SequenceRenderer::Stats stats =
        paint(panel.history(), layout, panel.view()->filter(), QSizeF(layout.width(), 760), &hits);
    std::size_t expected = 0;
    for (const TraceEvent &e : m_run.events)
        expected += (e.kind == TraceKind::Send || isLostFrame(e)) && e.frame == frame;
    QVERIFY(expected > 0);
    QCOMPARE(stats.inWindow, std::uint64_t(expected));
    for (const auto &h : hits)
        QCOMPARE(panel.history().at(h.index).frame, frame);

    EventLogModel log;
    log.setTopology(m_run.topology);
    log.appendBatch(m_run.events);
    EventFilterProxy proxy;
    proxy.setSourceModel(&log);
    QVERIFY2(proxy.setFilterText(filter, &error), qPrintable(error));
    QCOMPARE(proxy.frameFilter(), std::optional<FrameType>(frame));
    std::size_t listed = 0;
    for (const TraceEvent &e : m_run.events)
        listed += (e.kind == TraceKind::Send || (e.kind == TraceKind::Drop && e.link != kNoIndex)) &&
                  e.frame == frame;
    QCOMPARE(std::size_t(proxy.rowCount()), listed);
    // A bare operation name works in the event log as well.
    QVERIFY(proxy.setFilterText(QString::fromLatin1(frameTypeLabel(frame)), &error));
    QCOMPARE(std::size_t(proxy.rowCount()), listed);
}

// The event log and its filter stay sound models while Kafka events arrive and the filter selects
// an operation (the first second of the run: the tester checks every row at each change).
void TestSequenceKafka::eventLogModelsPassTheTester()
{
    EventLogModel log(4000);
    EventFilterProxy proxy;
    proxy.setSourceModel(&log);
    QAbstractItemModelTester logTester(&log, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QAbstractItemModelTester proxyTester(&proxy, QAbstractItemModelTester::FailureReportingMode::QtTest);
    log.setTopology(m_run.topology);
    QVERIFY(proxy.setFilterText(QStringLiteral("frame:JoinGroup")));
    QSignalSpy inserted(&proxy, &QAbstractItemModel::rowsInserted);
    std::vector<TraceEvent> batch;
    std::size_t joins = 0;
    for (const TraceEvent &e : m_run.events) {
        if (e.time > kSecond) break;
        batch.push_back(e);
        joins += e.kind == TraceKind::Send && e.frame == FrameType::JoinGroup;
        if (batch.size() == 500) {
            log.appendBatch(batch);
            batch.clear();
        }
    }
    log.appendBatch(batch);
    QVERIFY(joins > 0);
    QVERIFY(inserted.count() > 0);
    QCOMPARE(std::size_t(proxy.rowCount()), joins);
    for (int r = 0; r < proxy.rowCount(); ++r) {
        const QString detail = proxy.index(r, EventLogModel::DetailColumn).data().toString();
        QVERIFY2(detail.startsWith(QStringLiteral("JoinGroup")), qPrintable(detail));
    }
}

void TestSequenceKafka::badFrameNameIsRefused()
{
    SequencePanel panel;
    panel.reset(m_run.topology);
    QString error;
    QVERIFY(!panel.setFilterText(QStringLiteral("frame:OffsetComit"), &error));
    QVERIFY2(error.contains(QStringLiteral("OffsetComit")) && error.contains(QStringLiteral("OffsetCommit")),
             qPrintable(error));
}

void TestSequenceKafka::marks_data()
{
    QTest::addColumn<TraceKind>("kind");
    QTest::addColumn<int>("node");
    QTest::addColumn<int>("partition");
    QTest::addColumn<int>("epoch");
    QTest::addColumn<int>("aux");
    QTest::addColumn<int>("flags");
    QTest::addColumn<QString>("label");
    QTest::addColumn<QString>("tooltip");
    QTest::newRow("rebalance") << TraceKind::Rebalance << 0 << -1 << 3 << 2 << 0
                               << QStringLiteral("billing: rebalance gen 3")
                               << QStringLiteral("group billing, generation 3, 2 members");
    QTest::newRow("assign") << TraceKind::Assign << 1 << 2 << 3 << 0 << 0 << QStringLiteral("assign P2")
                            << QStringLiteral("group billing, generation 3, partition 2");
    QTest::newRow("revoke") << TraceKind::Revoke << 2 << 4 << 5 << 0 << 0 << QStringLiteral("revoke P4")
                            << QStringLiteral("group billing, generation 5, partition 4");
    QTest::newRow("leader") << TraceKind::LeaderElect << 0 << 1 << 4 << 2 << 0
                            << QStringLiteral("leader P1: broker 2 (epoch 4)")
                            << QStringLiteral("partition 1, broker 2, leader epoch 4");
    QTest::newRow("unclean leader") << TraceKind::LeaderElect << 0 << 1 << 5 << 0 << int(TraceFlag::Unclean)
                                    << QStringLiteral("unclean leader P1: broker 0 (epoch 5)")
                                    << QStringLiteral("partition 1, broker 0, leader epoch 5, unclean");
    QTest::newRow("offline") << TraceKind::LeaderElect << 0 << 3 << 6 << -1 << 0
                             << QStringLiteral("P3 offline")
                             << QStringLiteral("partition 3, no leader (offline), leader epoch 6");
    QTest::newRow("ISR shrink") << TraceKind::IsrShrink << 0 << 0 << 0 << 1 << 0
                                << QStringLiteral("ISR P0 shrinks to 2")
                                << QStringLiteral("partition 0, broker 1, ISR size 2");
    QTest::newRow("ISR expand") << TraceKind::IsrExpand << 0 << 5 << 0 << 2 << 0
                                << QStringLiteral("ISR P5 grows to 2")
                                << QStringLiteral("partition 5, broker 2, ISR size 2");
    QTest::newRow("txn commit") << TraceKind::TxnCommit << 0 << -1 << 1 << 0 << 0
                                << QStringLiteral("txn 9 commit")
                                << QStringLiteral("transaction 9, producer epoch 1");
    QTest::newRow("txn abort, timeout")
        << TraceKind::TxnAbort << 0 << -1 << 2 << 1 << 0 << QStringLiteral("txn 9 abort (timeout)")
        << QStringLiteral("transaction 9, producer epoch 2, transaction.timeout.ms passed");
    QTest::newRow("txn abort, fenced")
        << TraceKind::TxnAbort << 0 << -1 << 2 << 2 << 0 << QStringLiteral("txn 9 abort (fenced)")
        << QStringLiteral("fenced by a newer epoch");
    QTest::newRow("abort marker") << TraceKind::Marker << 0 << 3 << 0 << 0 << int(TraceFlag::Aborted)
                                  << QStringLiteral("abort marker P3 @42")
                                  << QStringLiteral("abort marker of transaction 9, partition 3, offset 42");
}

// Each kind is marked on its node's lifeline at its time, labelled, and its tooltip (the event's
// description) names what it is about.
void TestSequenceKafka::marks()
{
    QFETCH(TraceKind, kind);
    QFETCH(int, node);
    QFETCH(int, partition);
    QFETCH(int, epoch);
    QFETCH(int, aux);
    QFETCH(int, flags);
    QFETCH(QString, label);
    QFETCH(QString, tooltip);
    TraceEvent e;
    e.kind = kind;
    e.time = e.local = 7 * kMillisecond;
    e.node = NodeIndex(node);
    e.group =
        kind == TraceKind::Rebalance || kind == TraceKind::Assign || kind == TraceKind::Revoke ? 0 : kNoIndex;
    e.partition = partition < 0 ? kNoIndex : std::uint32_t(partition);
    e.epoch = std::uint32_t(epoch);
    e.aux = aux;
    e.flags = std::uint8_t(flags);
    e.correlationId =
        kind == TraceKind::TxnCommit || kind == TraceKind::TxnAbort || kind == TraceKind::Marker ? 9 : 0;
    e.deliveryCount = kind == TraceKind::IsrShrink || kind == TraceKind::IsrExpand ? 2 : 0;
    e.offset = kind == TraceKind::Marker ? 42 : -1;
    SequenceHistory history(16);
    history.append({e});
    const SequenceLayout layout = threeLifelines();
    const SequenceRenderer::Stats stats = paint(history, layout, {}, QSizeF(layout.width(), 400));
    QCOMPARE(stats.markSpots.size(), std::size_t(1));
    QCOMPARE(stats.markSpots[0].index, std::size_t(0));
    QCOMPARE(stats.markSpots[0].at, QPointF(layout.lifelineX(e.node), layout.timeY(e.time)));
    QCOMPARE(labelsOf(stats, SequenceRenderer::DrawnLabel::Kind::Mark), QStringList{label});
    const QString described = SequenceRenderer::describe(e, layout, {});
    QVERIFY2(described.contains(tooltip), qPrintable(described));
    QVERIFY2(EventLogModel::detailText(e, {QStringLiteral("billing")}).contains(tooltip),
             qPrintable(EventLogModel::detailText(e, {QStringLiteral("billing")})));
    // The filter hides the kind like any other.
    SequenceFilter hidden;
    hidden.hiddenKinds[int(kind)] = true;
    QVERIFY(paint(history, layout, hidden, QSizeF(layout.width(), 400)).markSpots.empty());
}

// A member assigned several partitions at once gets one mark naming them all, and its tooltip
// describes each assignment.
void TestSequenceKafka::marksOfOneInstantAreGathered()
{
    std::vector<TraceEvent> events;
    for (std::uint32_t p : {0u, 3u, 5u}) {
        TraceEvent e;
        e.kind = TraceKind::Assign;
        e.time = e.local = 4 * kMillisecond;
        e.node = 1;
        e.group = 0;
        e.epoch = 2;
        e.partition = p;
        events.push_back(e);
    }
    SequenceHistory history(16);
    history.append(events);
    SequenceView view;
    view.setHistory(&history);
    view.setTopology(
        {QStringLiteral("orders"), QStringLiteral("billing-1"), QStringLiteral("billing-2")},
        {QStringLiteral("kafka-topic"), QStringLiteral("kafka-consumer"), QStringLiteral("kafka-consumer")},
        {});
    view.setGroupNames([](std::uint32_t g) { return g == 0 ? QStringLiteral("billing") : QString(); });
    view.resize(700, 400);
    view.setFollowing(false);
    view.scrollToTime(0);
    view.grab(); // paints
    const auto &stats = view.lastStats();
    QCOMPARE(labelsOf(stats, SequenceRenderer::DrawnLabel::Kind::Mark),
             QStringList{QStringLiteral("assign P0, P3, P5")});
    QCOMPARE(stats.markSpots.size(), std::size_t(3));
    const QPointF spot = stats.markSpots.front().at;
    const std::vector<std::size_t> under = view.marksAt(spot + QPointF(2, 1));
    QCOMPARE(under.size(), std::size_t(3));
    const QString tip = view.markToolTip(under);
    for (const char *p : {"partition 0", "partition 3", "partition 5"})
        QVERIFY2(tip.contains(QLatin1String(p)) &&
                     tip.contains(QStringLiteral("group billing, generation 2")),
                 qPrintable(tip));
    QVERIFY(view.marksAt(spot + QPointF(30, 30)).empty());
}

void TestSequenceKafka::runMarksSitOnTheirLifelines_data()
{
    QTest::addColumn<TraceKind>("kind");
    QTest::newRow("rebalance") << TraceKind::Rebalance;
    QTest::newRow("assign") << TraceKind::Assign;
    QTest::newRow("revoke") << TraceKind::Revoke;
    QTest::newRow("leader election") << TraceKind::LeaderElect;
}

// In the real run, every event of the kind in view is marked on its node's lifeline at its time
// (the rebalance after billing-2's session ran out included).
void TestSequenceKafka::runMarksSitOnTheirLifelines()
{
    QFETCH(TraceKind, kind);
    SequenceLayout layout = layoutOf(m_run);
    std::vector<std::size_t> ofKind;
    for (std::size_t i = 0; i < m_history.size(); ++i)
        if (m_history.at(i).kind == kind) ofKind.push_back(i);
    QVERIFY2(!ofKind.empty(), traceKindName(kind));
    if (kind == TraceKind::Rebalance) QVERIFY2(ofKind.size() >= 2, "the crash makes billing rebalance again");
    for (std::size_t i : ofKind) {
        const TraceEvent &e = m_history.at(i);
        layout.top = std::max<SimTime>(0, e.time - 2 * kMillisecond);
        const SequenceRenderer::Stats stats = paint(m_history, layout, {}, QSizeF(layout.width(), 500));
        const auto spot = std::find_if(stats.markSpots.begin(), stats.markSpots.end(),
                                       [i](const auto &m) { return m.index == i; });
        QVERIFY2(spot != stats.markSpots.end(), qPrintable(SequenceRenderer::describe(e, layout, {})));
        QCOMPARE(spot->at, QPointF(layout.lifelineX(e.node), layout.timeY(e.time)));
        // Its text sits beside it (right of the lifeline, within a few lines), not pushed away by
        // the labels of the busy traffic around it.
        const bool beside = std::any_of(stats.labels.begin(), stats.labels.end(), [&](const auto &l) {
            return l.kind == SequenceRenderer::DrawnLabel::Kind::Mark && l.rect.left() > spot->at.x() &&
                   l.rect.left() < spot->at.x() + 10 &&
                   std::abs(l.rect.center().y() - spot->at.y()) < 3 * l.rect.height();
        });
        QVERIFY2(beside, qPrintable(SequenceRenderer::describe(e, layout, {})));
    }
}

// In the window's panel (group names from the topology) a mark's tooltip names the group.
void TestSequenceKafka::viewTooltipNamesTheGroup()
{
    SequencePanel panel;
    panel.reset(m_run.topology);
    panel.append(m_run.events);
    panel.resize(1200, 700);
    SequenceView *view = panel.view();
    std::size_t rebalance = SIZE_MAX;
    for (std::size_t i = panel.history().size(); i-- > 0 && rebalance == SIZE_MAX;)
        if (panel.history().at(i).kind == TraceKind::Rebalance) rebalance = i;
    QVERIFY(rebalance != SIZE_MAX);
    const TraceEvent &e = panel.history().at(rebalance);
    view->setFollowing(false);
    view->scrollToTime(e.time - 3 * kMillisecond);
    panel.grab();
    const auto &spots = view->lastStats().markSpots;
    const auto spot =
        std::find_if(spots.begin(), spots.end(), [rebalance](const auto &m) { return m.index == rebalance; });
    QVERIFY(spot != spots.end());
    const QString group = QString::fromStdString(consumerGroupNames(m_run.topology).at(e.group));
    const QString tip =
        view->markToolTip(view->marksAt(spot->at - QPointF(view->horizontalScrollBar()->value(), 0)));
    QVERIFY2(tip.contains(QStringLiteral("group %1, generation %2").arg(group).arg(e.epoch)),
             qPrintable(tip));
    QVERIFY2(labelsOf(view->lastStats(), SequenceRenderer::DrawnLabel::Kind::Mark)
                 .contains(QStringLiteral("%1: rebalance gen %2").arg(group).arg(e.epoch)),
             qPrintable(labelsOf(view->lastStats(), SequenceRenderer::DrawnLabel::Kind::Mark).join(", ")));
}

// The Mermaid export names the operations and notes the rebalances, as the diagram does.
void TestSequenceKafka::mermaidUsesProtocolNames()
{
    std::vector<std::string> nodes, links;
    for (const QString &id : m_run.nodeIds)
        nodes.push_back(id.toStdString());
    for (const QString &id : m_run.linkIds)
        links.push_back(id.toStdString());
    SequenceOptions options;
    options.maxArrows = 100000;
    options.maxNotes = 100000;
    SequenceRecorder recorder(nodes, links, options);
    for (const TraceEvent &e : m_run.events)
        recorder.onEvent(e);
    recorder.finish(m_run.events.back().time);
    std::ostringstream out;
    writeMermaid(recorder, out);
    const QString text = QString::fromStdString(out.str());
    for (const TraceEvent &e : m_run.events) {
        if (e.kind == TraceKind::Send && isKafkaFrame(e.frame))
            QVERIFY2(text.contains(QString::fromStdString(protocolFrameText(e))),
                     protocolFrameText(e).c_str());
        if (e.kind == TraceKind::Rebalance)
            QVERIFY2(text.contains(QString::fromStdString(logMarkText(e))), logMarkText(e).c_str());
    }
    QVERIFY(!text.contains(QStringLiteral("offset-commit")));
}

void TestSequenceKafka::groupNamesMatchTheSimulation_data()
{
    QTest::addColumn<QString>("example");
    for (const char *file : {"kafka-consumer-groups.json", "kafka-replay.json", "kafka-compaction.json"})
        QTest::newRow(file) << QString::fromLatin1(file);
}

// The window names groups from the topology alone: the same names, in the same order, as the
// simulation numbers them in TraceEvent::group.
void TestSequenceKafka::groupNamesMatchTheSimulation()
{
    QFETCH(QString, example);
    const LoadResult loaded =
        loadTopologyFile(std::string(SIGNALBOX_EXAMPLES_DIR) + "/" + example.toStdString());
    QVERIFY2(loaded.ok(), loaded.errorText().c_str());
    std::string error;
    auto sim = Simulation::build(*loaded.topology, error);
    QVERIFY2(sim, error.c_str());
    RunOptions options;
    options.until = 3 * kSecond;
    sim->run(options);
    QVERIFY(!sim->groupNames().empty());
    QCOMPARE(consumerGroupNames(*loaded.topology), sim->groupNames());
}

QTEST_MAIN(TestSequenceKafka)
#include "tst_sequencekafka.moc"
