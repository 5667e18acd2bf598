// The delivery checker keeps per-message state only while a message is open and folds finished
// messages into counts: the report is the same as when every message stays tracked, and what it
// tracks stays bounded however many messages a run publishes.
#include "enginetest.h"
#include "idset.h"
#include "topology.h"

#include <QtTest>

#include <functional>

using namespace sb;
using namespace sbtest;

class TestCheckerFolding : public QObject {
    Q_OBJECT

private slots:
    void idRanges();
    void sameReportAsKeepingEverything_data();
    void sameReportAsKeepingEverything();
    void sameReportThroughPausesAndCrashes_data();
    void sameReportThroughPausesAndCrashes();
    void trackedStateStaysBounded_data();
    void trackedStateStaysBounded();
    void lateProcessingOfAFinishedMessageIsADuplicate();
};

namespace {

Topology example(const QString &name)
{
    const LoadResult r = loadTopologyFile(std::string(SIGNALBOX_EXAMPLES_DIR "/") + name.toStdString());
    if (!r.ok()) qFatal("%s does not load: %s", qPrintable(name), r.errorText().c_str());
    return *r.topology;
}

// producer -> queue -> consumer; `atLeastOnce` adds confirms, retries, an ack timeout and manual
// acks; links lose and duplicate frames as asked.
Topology chain(std::uint64_t messages, bool atLeastOnce, double loss, double duplicate)
{
    Json producer = {{"rate", 1000}, {"count", messages}};
    if (atLeastOnce)
        producer.update({{"sendMode", "confirmed"},
                         {"confirmTimeout", 50},
                         {"retries", 20},
                         {"retryBackoff", 5},
                         {"maxInFlight", 512}});
    Json queue = Json::object();
    if (atLeastOnce) queue["ackTimeout"] = 100;
    Json link = {{"latency", "uniform(1ms,3ms)"}, {"loss", loss}, {"duplicate", duplicate}};
    TopologyBuilder b;
    b.node("p", "producer", producer)
        .node("q", "queue", queue)
        .node("c", "consumer",
              {{"ackMode", atLeastOnce ? "manual" : "auto"}, {"processing", "exp(200us)"}, {"prefetch", 200}})
        .link("p", "q", link)
        .link("q", "c", link)
        .seed(7);
    return b.topology();
}

std::vector<bool> queueFlags(const Topology &t)
{
    std::vector<bool> flags;
    for (const auto &n : t.nodes)
        flags.push_back(n.kind == "queue");
    return flags;
}

// Watches a checker from behind it: the most messages it tracked at once.
class TrackedProbe final : public TraceSink {
public:
    explicit TrackedProbe(const DeliveryChecker &checker) : m_checker(checker) {}
    void onEvent(const TraceEvent &) override { peak = std::max(peak, m_checker.trackedMessages()); }
    std::size_t peak = 0;

private:
    const DeliveryChecker &m_checker;
};

void compareReports(const DeliveryReport &a, const DeliveryReport &b)
{
    QCOMPARE(a.published, b.published);
    QCOMPARE(a.copies, b.copies);
    QCOMPARE(a.processed, b.processed);
    QCOMPARE(a.duplicates, b.duplicates);
    QCOMPARE(a.lost, b.lost);
    QCOMPARE(a.deadLettered, b.deadLettered);
    QCOMPARE(a.parked, b.parked);
    QCOMPARE(a.processedFromDeadLetter, b.processedFromDeadLetter);
    QCOMPARE(a.pending, b.pending);
    for (int i = 0; i < kDropReasonCount; ++i)
        QCOMPARE(a.dropped[i], b.dropped[i]);
    QCOMPARE(a.lostIds, b.lostIds);
    QCOMPARE(a.duplicateIds, b.duplicateIds);
    QCOMPARE(a.pendingIds, b.pendingIds);
    QCOMPARE(a.outOfOrder, b.outOfOrder);
    QCOMPARE(a.outOfOrderExamples.size(), b.outOfOrderExamples.size());
    for (std::size_t i = 0; i < a.outOfOrderExamples.size(); ++i) {
        QCOMPARE(a.outOfOrderExamples[i].messageId, b.outOfOrderExamples[i].messageId);
        QCOMPARE(a.outOfOrderExamples[i].after, b.outOfOrderExamples[i].after);
        QCOMPARE(a.outOfOrderExamples[i].time, b.outOfOrderExamples[i].time);
    }
}

} // namespace

void TestCheckerFolding::idRanges()
{
    IdRanges s;
    QVERIFY(s.empty());
    for (std::uint64_t id : {5, 7, 6, 1, 3, 2})
        s.insert(id);
    // 1-3 and 5-7; 4 is a hole.
    QCOMPARE(s.rangeCount(), std::size_t(2));
    for (std::uint64_t id : {1, 2, 3, 5, 6, 7})
        QVERIFY(s.contains(id));
    for (std::uint64_t id : {0, 4, 8})
        QVERIFY(!s.contains(id));
    s.insert(4);
    QCOMPARE(s.rangeCount(), std::size_t(1));
    s.insert(4);
    QCOMPARE(s.rangeCount(), std::size_t(1));
    s.insert(100);
    QCOMPARE(s.rangeCount(), std::size_t(2));
    QVERIFY(s.contains(100) && !s.contains(99));
}

void TestCheckerFolding::sameReportAsKeepingEverything_data()
{
    QTest::addColumn<QString>("example");
    QTest::addColumn<bool>("atLeastOnce");
    QTest::addColumn<double>("loss");
    QTest::addColumn<double>("duplicate");
    for (const char *f :
         {"work-queue.json", "dead-letter.json", "lossy-at-least-once.json", "lossy-at-most-once.json",
          "topic-routing.json", "pull-consumers.json", "fanout-pubsub.json", "ordering.json"})
        QTest::newRow(f) << QString::fromLatin1(f) << false << 0.0 << 0.0;
    QTest::newRow("at-least-once, loss and duplication") << QString() << true << 0.1 << 0.1;
    QTest::newRow("at-most-once, loss and duplication") << QString() << false << 0.1 << 0.1;
}

// One run, two checkers side by side: one folds finished messages, the other keeps them all.
void TestCheckerFolding::sameReportAsKeepingEverything()
{
    QFETCH(QString, example);
    QFETCH(bool, atLeastOnce);
    QFETCH(double, loss);
    QFETCH(double, duplicate);
    const Topology t = example.isEmpty() ? chain(3000, atLeastOnce, loss, duplicate) : ::example(example);
    std::string error;
    auto sim = Simulation::build(t, error);
    QVERIFY2(sim, error.c_str());
    DeliveryChecker folding(queueFlags(t)), keeping(queueFlags(t));
    keeping.setFolding(false);
    sim->addSink(&folding);
    sim->addSink(&keeping);
    RunOptions o;
    o.until = t.run.until.value_or(600 * kSecond);
    sim->run(o);
    const DeliveryReport a = folding.report(DeliveryChecker::kKeptExamples);
    const DeliveryReport b = keeping.report(DeliveryChecker::kKeptExamples);
    compareReports(a, b);
    if (QTest::currentTestFailed()) return;
    // Not vacuous: every message was folded away but those still waiting in a queue (and the
    // last few, which finished at the run's last instants).
    QCOMPARE(keeping.trackedMessages(), std::size_t(b.published));
    QVERIFY2(folding.trackedMessages() <= b.pending + b.parked + 10,
             qPrintable(QString("%1 tracked").arg(folding.trackedMessages())));
}

void TestCheckerFolding::sameReportThroughPausesAndCrashes_data()
{
    QTest::addColumn<bool>("atLeastOnce");
    QTest::newRow("at-least-once") << true;
    QTest::newRow("at-most-once") << false;
}

// Live changes hold or lose work: a paused consumer holds frames past their arrival, a crashed
// queue loses what it holds, a crashed producer forgets what it had not had confirmed.
void TestCheckerFolding::sameReportThroughPausesAndCrashes()
{
    QFETCH(bool, atLeastOnce);
    const Topology t = chain(3000, atLeastOnce, 0.05, 0.05);
    std::string error;
    auto sim = Simulation::build(t, error);
    QVERIFY2(sim, error.c_str());
    DeliveryChecker folding(queueFlags(t)), keeping(queueFlags(t));
    keeping.setFolding(false);
    sim->addSink(&folding);
    sim->addSink(&keeping);
    const NodeIndex p = 0, q = 1, c = 2;
    const std::vector<std::pair<SimTime, std::function<void()>>> script = {
        {500 * kMillisecond, [&] { sim->pauseNode(c); }},
        {800 * kMillisecond, [&] { sim->resumeNode(c); }},
        {1200 * kMillisecond, [&] { sim->crashNode(q); }},
        {1300 * kMillisecond, [&] { sim->restartNode(q); }},
        {1600 * kMillisecond, [&] { sim->crashNode(p); }},
        {1700 * kMillisecond, [&] { sim->restartNode(p); }},
        {2000 * kMillisecond, [&] { sim->pauseNode(q); }},
        {2100 * kMillisecond, [&] { sim->crashNode(q); }},
        {2200 * kMillisecond, [&] { sim->restartNode(q); }},
    };
    RunOptions o;
    for (const auto &[at, change] : script) {
        o.until = at;
        sim->run(o);
        change();
    }
    o.until = 600 * kSecond;
    sim->run(o);
    const DeliveryReport a = folding.report(DeliveryChecker::kKeptExamples);
    const DeliveryReport b = keeping.report(DeliveryChecker::kKeptExamples);
    compareReports(a, b);
    if (QTest::currentTestFailed()) return;
    QVERIFY(b.lost > 0); // the crashes lost messages
    // Copies a crashed queue had delivered stay open (their consumer may still process them);
    // the rest were folded away.
    QVERIFY2(folding.trackedMessages() < b.published / 20,
             qPrintable(QString("%1 of %2 tracked").arg(folding.trackedMessages()).arg(b.published)));
}

void TestCheckerFolding::trackedStateStaysBounded_data()
{
    QTest::addColumn<bool>("atLeastOnce");
    QTest::addColumn<double>("loss");
    QTest::addColumn<double>("duplicate");
    QTest::newRow("plain") << false << 0.0 << 0.0;
    QTest::newRow("at-most-once, lossy") << false << 0.05 << 0.0;
    QTest::newRow("at-least-once, lossy with duplicates") << true << 0.05 << 0.02;
}

// 100,000 messages at 1,000/s with a few ms on each link: a few dozen are open at any moment, and
// the checker never tracks many more, while its counts still add up at the end.
void TestCheckerFolding::trackedStateStaysBounded()
{
    QFETCH(bool, atLeastOnce);
    QFETCH(double, loss);
    QFETCH(double, duplicate);
    const std::uint64_t messages = 100'000;
    auto r = prepare(chain(messages, atLeastOnce, loss, duplicate));
    QVERIFY(r);
    TrackedProbe probe(*r->checker);
    r->sim->addSink(&probe);
    RunOptions o;
    o.until = 3600 * kSecond;
    QCOMPARE(r->sim->run(o), StopReason::Quiescent);
    QVERIFY2(probe.peak < 2000, qPrintable(QString("peak %1 messages tracked").arg(probe.peak)));
    QVERIFY(r->checker->trackedMessages() < 2000);
    QVERIFY(r->checker->finishedRanges() < 100);

    const DeliveryReport report = r->report();
    QCOMPARE(report.published, messages);
    QCOMPARE(report.pending, std::uint64_t(0));
    // Every message is accounted for: processed (once, or more), or lost on the way.
    QCOMPARE(report.processed + report.lost, messages);
    QCOMPARE(report.processed, r->node("c").processed - report.duplicates);
    if (atLeastOnce) {
        QCOMPARE(report.lost, std::uint64_t(0));
        QVERIFY(report.duplicates > 0);
        QVERIFY(!report.duplicateIds.empty());
    } else if (loss > 0) {
        QVERIFY(report.lost > 0);
        QVERIFY(!report.lostIds.empty());
    }
}

// A processing that arrives after its message was folded away (here: one fed to the checker by
// hand once the run is over) still counts as the duplicate it is.
void TestCheckerFolding::lateProcessingOfAFinishedMessageIsADuplicate()
{
    auto r = prepare(chain(100, false, 0, 0));
    QVERIFY(r);
    RunOptions o;
    o.until = 60 * kSecond;
    r->sim->run(o);
    TraceEvent first;
    for (const auto &e : r->trace.events)
        if (e.kind == TraceKind::Process) {
            first = e;
            break;
        }
    QVERIFY(first.messageId);
    QCOMPARE(r->report().duplicates, std::uint64_t(0));
    // A later event lets the checker see that the first message finished long ago.
    TraceEvent tick;
    tick.kind = TraceKind::LinkChange;
    tick.time = r->sim->now() + kSecond;
    r->checker->onEvent(tick);
    QVERIFY(r->checker->trackedMessages() < 100);
    TraceEvent again = first;
    again.time = tick.time;
    r->checker->onEvent(again);
    const DeliveryReport report = r->report();
    QCOMPARE(report.duplicates, std::uint64_t(1));
    QCOMPARE(report.duplicateIds, std::vector<std::uint64_t>{first.messageId});
    QCOMPARE(report.processed, std::uint64_t(100));
}

QTEST_APPLESS_MAIN(TestCheckerFolding)
#include "tst_checkerfolding.moc"
