// The sequence diagram's history: a bounded ring in time order, window lookups that find every
// arrow crossing a window, and a message's journey with its correlated messages.
#include "exampletrace.h"
#include "sequencehistory.h"

#include <QTest>

using namespace sb;

namespace {

TraceEvent traced(TraceKind kind, SimTime t, std::uint64_t message = 0, SimTime arrival = 0)
{
    TraceEvent e;
    e.kind = kind;
    e.time = t;
    e.aux = arrival;
    e.messageId = message;
    e.node = 0;
    e.peer = 1;
    e.link = 0;
    return e;
}

// The events a window must offer, found the slow way.
std::vector<std::size_t> bruteWindow(const std::vector<TraceEvent> &all, SimTime from, SimTime to)
{
    std::vector<std::size_t> out;
    for (std::size_t i = 0; i < all.size(); ++i) {
        const TraceEvent &e = all[i];
        const bool local = e.time >= from && e.time <= to;
        const bool crossing = e.kind == TraceKind::Send && e.time <= to && e.aux >= from;
        if (local || crossing) out.push_back(i);
    }
    return out;
}

} // namespace

class TestSequenceHistory : public QObject {
    Q_OBJECT

private slots:
    void keepsEventsInOrder();
    void ringForgetsTheOldest_data();
    void ringForgetsTheOldest();
    void windowHoldsEveryCrossingArrow_data();
    void windowHoldsEveryCrossingArrow();
    void journeyFollowsOneMessage();
    void journeyIncludesCorrelatedMessages();
    void liveJourneyMatchesARescan_data();
    void liveJourneyMatchesARescan();
    void lostFramesAreRecognised();
};

void TestSequenceHistory::keepsEventsInOrder()
{
    SequenceHistory h(8);
    QVERIFY(h.empty());
    std::vector<TraceEvent> batch{traced(TraceKind::Publish, 10, 1), traced(TraceKind::Send, 10, 1, 15),
                                  traced(TraceKind::Enqueue, 15, 1)};
    h.append(batch);
    QCOMPARE(h.size(), std::size_t(3));
    QCOMPARE(h.firstTime(), SimTime(10));
    QCOMPARE(h.lastTime(), SimTime(15));
    QCOMPARE(h.at(1).kind, TraceKind::Send);
    QCOMPARE(h.longestFlight(), SimTime(5));
    QCOMPARE(h.nodeCount(), std::size_t(2));
    QCOMPARE(h.lowerBound(11), std::size_t(2));
    QCOMPARE(h.lowerBound(100), std::size_t(3));
    h.clear();
    QVERIFY(h.empty());
    QCOMPARE(h.longestFlight(), SimTime(0));
}

void TestSequenceHistory::ringForgetsTheOldest_data()
{
    QTest::addColumn<int>("capacity");
    QTest::addColumn<int>("appended");
    QTest::newRow("under") << 16 << 10;
    QTest::newRow("exactly") << 16 << 16;
    QTest::newRow("over") << 16 << 40;
    QTest::newRow("rounded up to a power of two") << 10 << 40;
}

void TestSequenceHistory::ringForgetsTheOldest()
{
    QFETCH(int, capacity);
    QFETCH(int, appended);
    SequenceHistory h{std::size_t(capacity)};
    for (int i = 0; i < appended; ++i) {
        const TraceEvent e = traced(TraceKind::Enqueue, i, std::uint64_t(i + 1));
        h.append(&e, 1);
    }
    const int kept = std::min<int>(appended, int(h.capacity()));
    QCOMPARE(h.size(), std::size_t(kept));
    QCOMPARE(h.discarded(), std::uint64_t(appended - kept));
    // The newest are kept, oldest first.
    for (int i = 0; i < kept; ++i)
        QCOMPARE(h.at(std::size_t(i)).time, SimTime(appended - kept + i));
    QVERIFY(h.capacity() >= std::size_t(capacity));
}

void TestSequenceHistory::windowHoldsEveryCrossingArrow_data()
{
    QTest::addColumn<qint64>("from");
    QTest::addColumn<qint64>("to");
    QTest::newRow("start") << qint64(0) << qint64(50 * kMillisecond);
    QTest::newRow("middle") << qint64(400 * kMillisecond) << qint64(420 * kMillisecond);
    QTest::newRow("an instant") << qint64(300 * kMillisecond) << qint64(300 * kMillisecond);
    QTest::newRow("beyond the end") << qint64(5 * kSecond) << qint64(6 * kSecond);
}

void TestSequenceHistory::windowHoldsEveryCrossingArrow()
{
    QFETCH(qint64, from);
    QFETCH(qint64, to);
    const auto trace = sbtest::runExample("lossy-at-least-once.json", kSecond);
    SequenceHistory h;
    h.append(trace.events);
    const auto [first, last] = h.window(from, to);
    for (std::size_t i : bruteWindow(trace.events, from, to))
        QVERIFY2(i >= first && i < last,
                 qPrintable(QStringLiteral("event %1 outside [%2, %3)").arg(i).arg(first).arg(last)));
}

void TestSequenceHistory::journeyFollowsOneMessage()
{
    const auto trace = sbtest::runExample("work-queue.json", 500 * kMillisecond);
    SequenceHistory h;
    h.append(trace.events);
    const auto journey = h.journey(7, false);
    QVERIFY(!journey.empty());
    std::vector<TraceKind> kinds;
    for (std::size_t i : journey) {
        QCOMPARE(h.at(i).messageId, std::uint64_t(7));
        kinds.push_back(h.at(i).kind);
    }
    QVERIFY(std::is_sorted(journey.begin(), journey.end()));
    // Publish, the frame to the queue, enqueue, deliver, the frame to a worker, processing, ack.
    for (TraceKind k : {TraceKind::Publish, TraceKind::Send, TraceKind::Enqueue, TraceKind::Deliver,
                        TraceKind::Process, TraceKind::Ack})
        QVERIFY2(std::find(kinds.begin(), kinds.end(), k) != kinds.end(), traceKindName(k));
    QVERIFY(h.journey(0).empty());
    QVERIFY(h.journey(999999).empty());
}

void TestSequenceHistory::journeyIncludesCorrelatedMessages()
{
    SequenceHistory h;
    TraceEvent request = traced(TraceKind::Publish, 1, 10);
    TraceEvent reply = traced(TraceKind::Publish, 5, 11);
    reply.correlationId = 10; // a reply to message 10
    TraceEvent other = traced(TraceKind::Publish, 6, 12);
    h.append(std::vector<TraceEvent>{request, reply, other});
    QCOMPARE(h.journey(10), (std::vector<std::size_t>{0, 1}));
    QCOMPARE(h.journey(11), (std::vector<std::size_t>{0, 1})); // from the reply back to its request
    QCOMPARE(h.journey(10, false), (std::vector<std::size_t>{0}));
}

void TestSequenceHistory::liveJourneyMatchesARescan_data()
{
    QTest::addColumn<int>("capacity");
    QTest::addColumn<int>("batch");
    QTest::newRow("room for everything") << 1 << 500; // 1: the default capacity
    QTest::newRow("ring wraps, big batches") << 1024 << 300;
    QTest::newRow("ring wraps, small batches") << 512 << 37;
}

// A selection during a live run: updated batch by batch (the ring forgetting old events as it
// goes), the journey is what a full rescan finds.
void TestSequenceHistory::liveJourneyMatchesARescan()
{
    QFETCH(int, capacity);
    QFETCH(int, batch);
    const auto trace = sbtest::runExample("work-queue.json", 2 * kSecond);
    SequenceHistory h(capacity == 1 ? SequenceHistory::kDefaultCapacity : std::size_t(capacity));
    const std::size_t half = trace.events.size() / 2;
    h.append(trace.events.data(), half);
    // A message seen in the first half, whose journey goes on into the second.
    const std::uint64_t id =
        h.at(h.size() - 1).messageId ? h.at(h.size() - 1).messageId : h.at(h.size() - 2).messageId;
    QVERIFY(id != 0);
    SequenceHistory::Journey journey(h, id);
    QCOMPARE(journey.indices(), h.journey(id));
    bool forgot = false;
    for (std::size_t i = half; i < trace.events.size(); i += std::size_t(batch)) {
        h.append(trace.events.data() + i, std::min<std::size_t>(std::size_t(batch), trace.events.size() - i));
        journey.update(h);
        QCOMPARE(journey.indices(), h.journey(id));
        forgot = forgot || h.discarded() > 0;
    }
    QCOMPARE(forgot, capacity != 1);
    // Cleared: nothing is left to show.
    h.clear();
    journey.update(h);
    QVERIFY(journey.indices().empty());
}

void TestSequenceHistory::lostFramesAreRecognised()
{
    TraceEvent lost = traced(TraceKind::Drop, 3, 1);
    lost.reason = DropReason::Loss;
    QVERIFY(isLostFrame(lost));
    lost.link = kNoIndex; // a drop at a node (overflow) is no frame
    lost.reason = DropReason::MaxLength;
    QVERIFY(!isLostFrame(lost));
    QVERIFY(isArrow(traced(TraceKind::Send, 1, 1, 2)));
}

QTEST_GUILESS_MAIN(TestSequenceHistory)
#include "tst_sequencehistory.moc"
