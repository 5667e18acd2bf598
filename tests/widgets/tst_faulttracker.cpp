// FaultTracker: a run's fault state from its trace alone. Links go down and up, nodes crash,
// restart, pause and resume; each FaultStart opens a span named by the describer and its FaultEnd
// (same fault, same repetition) closes it; events about anything else change nothing.
#include "faulttracker.h"

#include <QTest>

using namespace sb;

class TestFaultTracker : public QObject {
    Q_OBJECT

private slots:
    void linksAndNodes_data();
    void linksAndNodes();
    void spansOpenAndCloseByFaultAndRepetition();
    void otherEventsChangeNothing();
    void spansAreBoundedActiveFaultsAreNot();
};

namespace {

TraceEvent traced(TraceKind kind, SimTime t, NodeIndex node = kNoIndex, LinkIndex link = kNoIndex)
{
    TraceEvent e;
    e.kind = kind;
    e.time = t;
    e.node = node;
    e.link = link;
    return e;
}

TraceEvent fault(TraceKind kind, SimTime t, std::size_t index, std::uint64_t repetition)
{
    TraceEvent e = traced(kind, t);
    e.aux = std::int64_t(index);
    e.correlationId = repetition;
    return e;
}

// Names fault i "f<i>", a loss on link "l".
FaultTracker::Describer names()
{
    return [](const TraceEvent &e) {
        FaultActivation a;
        a.fault = std::size_t(e.aux);
        a.repetition = e.correlationId;
        a.start = e.time;
        a.id = "f" + std::to_string(e.aux);
        a.kind = "loss";
        a.target = "l";
        a.planned = true;
        return a;
    };
}

FaultTracker::State take(const FaultTracker &tracker)
{
    std::uint64_t version = 0;
    FaultTracker::State state;
    tracker.takeIfNewer(version, state);
    return state;
}

} // namespace

void TestFaultTracker::linksAndNodes_data()
{
    QTest::addColumn<QList<int>>("kinds"); // TraceKind values, in order, about link 1 or node 1
    QTest::addColumn<bool>("linkDown");
    QTest::addColumn<bool>("crashed");
    QTest::addColumn<bool>("paused");
    const auto k = [](TraceKind kind) { return int(kind); };
    QTest::newRow("down") << QList<int>{k(TraceKind::LinkDown)} << true << false << false;
    QTest::newRow("down, up") << QList<int>{k(TraceKind::LinkDown), k(TraceKind::LinkUp)} << false << false
                              << false;
    QTest::newRow("crash") << QList<int>{k(TraceKind::Crash)} << false << true << false;
    QTest::newRow("crash, restart") << QList<int>{k(TraceKind::Crash), k(TraceKind::Restart)} << false
                                    << false << false;
    QTest::newRow("pause") << QList<int>{k(TraceKind::Pause)} << false << false << true;
    QTest::newRow("pause, resume") << QList<int>{k(TraceKind::Pause), k(TraceKind::Resume)} << false << false
                                   << false;
    QTest::newRow("a crash ends a pause")
        << QList<int>{k(TraceKind::Pause), k(TraceKind::Crash)} << false << true << false;
}

void TestFaultTracker::linksAndNodes()
{
    QFETCH(QList<int>, kinds);
    QFETCH(bool, linkDown);
    QFETCH(bool, crashed);
    QFETCH(bool, paused);
    FaultTracker tracker(3, 2, names());
    SimTime t = 0;
    for (int kind : kinds)
        tracker.onEvent(traced(TraceKind(kind), t += kSecond, 1, 1));
    const FaultTracker::State s = take(tracker);
    QCOMPARE(s.version, std::uint64_t(kinds.size()));
    QCOMPARE(bool(s.linkDown[1]), linkDown);
    QCOMPARE(bool(s.crashed[1]), crashed);
    QCOMPARE(bool(s.paused[1]), paused);
    // Only the one named.
    QVERIFY(!s.linkDown[0] && !s.crashed[0] && !s.paused[0] && !s.crashed[2]);
}

void TestFaultTracker::spansOpenAndCloseByFaultAndRepetition()
{
    FaultTracker tracker(1, 1, names());
    tracker.onEvent(fault(TraceKind::FaultStart, 1 * kSecond, 0, 0));
    tracker.onEvent(fault(TraceKind::FaultStart, 2 * kSecond, 1, 0));
    FaultTracker::State s = take(tracker);
    QCOMPARE(s.active.size(), std::size_t(2));
    QCOMPARE(s.spans.size(), std::size_t(2));
    QCOMPARE(s.spans[0].id, std::string("f0"));
    QCOMPARE(s.spans[0].end, kNever);

    tracker.onEvent(fault(TraceKind::FaultEnd, 3 * kSecond, 0, 0));
    tracker.onEvent(fault(TraceKind::FaultStart, 4 * kSecond, 0, 1)); // f0 comes back
    tracker.onEvent(fault(TraceKind::FaultEnd, 5 * kSecond, 1, 7));   // not a repetition of f1 that started
    s = take(tracker);
    QCOMPARE(s.spans.size(), std::size_t(3));
    QCOMPARE(s.spans[0].end, 3 * kSecond);
    QCOMPARE(s.spans[1].end, kNever);
    QCOMPARE(s.spans[2].start, 4 * kSecond);
    QCOMPARE(s.spans[2].repetition, std::uint64_t(1));
    QCOMPARE(s.active.size(), std::size_t(2));
    QCOMPARE(s.active[0].id, std::string("f1"));
    QCOMPARE(s.active[1].id, std::string("f0"));

    tracker.onEvent(fault(TraceKind::FaultEnd, 6 * kSecond, 0, 1));
    tracker.onEvent(fault(TraceKind::FaultEnd, 6 * kSecond, 1, 0));
    s = take(tracker);
    QVERIFY(s.active.empty());
    QCOMPARE(s.spans[1].end, 6 * kSecond);
    QCOMPARE(s.spans[2].end, 6 * kSecond);
}

void TestFaultTracker::otherEventsChangeNothing()
{
    FaultTracker tracker(2, 2, names());
    std::uint64_t version = 0;
    FaultTracker::State s;
    for (TraceKind kind : {TraceKind::Send, TraceKind::Drop, TraceKind::LinkChange, TraceKind::ClockJump})
        tracker.onEvent(traced(kind, kSecond, 0, 0));
    QVERIFY(!tracker.takeIfNewer(version, s));
    tracker.onEvent(traced(TraceKind::LinkDown, kSecond, kNoIndex, 9)); // no such link
    QVERIFY(!tracker.takeIfNewer(version, s));
    tracker.onEvent(traced(TraceKind::LinkDown, kSecond, kNoIndex, 0));
    QVERIFY(tracker.takeIfNewer(version, s));
    QVERIFY(!tracker.takeIfNewer(version, s)); // taken: nothing new
}

void TestFaultTracker::spansAreBoundedActiveFaultsAreNot()
{
    FaultTracker tracker(1, 1, names());
    for (std::size_t i = 0; i < FaultTracker::kMaxSpans + 5; ++i)
        tracker.onEvent(fault(TraceKind::FaultStart, SimTime(i), i, 0));
    const FaultTracker::State s = take(tracker);
    QCOMPARE(s.spans.size(), FaultTracker::kMaxSpans);
    QCOMPARE(s.active.size(), FaultTracker::kMaxSpans + 5);
}

QTEST_GUILESS_MAIN(TestFaultTracker)
#include "tst_faulttracker.moc"
