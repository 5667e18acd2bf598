// The "crash-at" fault: a node reports its named crash points through NodeContext::crashPoint();
// while the fault is active the node crashes at the chosen pass of the chosen point and restarts
// after the downtime. Planned and live faults act the same; validation names a wrong point.
#include "enginetest.h"

#include "faults/faultplan.h"

using namespace sb;
using namespace sbtest;

namespace {

constexpr SimTime ms = kMillisecond;

// Ticks every 10 ms (10 ticks from its first start); at each tick it passes "before-work", does
// its work (a Process event), then passes "after-work".
struct Ticks {
    int work = 0;
    int restarts = 0;
};
Ticks g_ticks;

class TickingNode final : public Node {
public:
    void start(NodeContext &ctx) override { ctx.startTimer(10 * ms, 0); }
    void onRestart(NodeContext &ctx) override
    {
        ++g_ticks.restarts;
        ctx.startTimer(10 * ms, 0);
    }
    void onTimer(NodeContext &ctx, std::uint64_t) override
    {
        if (ctx.crashPoint("before-work")) return;
        ++g_ticks.work;
        TraceEvent e;
        e.kind = TraceKind::Process;
        ctx.trace(e);
        if (ctx.crashPoint("after-work")) return;
        if (++m_ticks < 10) ctx.startTimer(10 * ms, 0);
    }
    void onFrame(NodeContext &, LinkIndex, Frame &) override {}

private:
    int m_ticks = 0;
};

const KindRegistry &testRegistry()
{
    static const KindRegistry reg = [] {
        KindRegistry r = KindRegistry::builtin();
        NodeKindSpec k;
        k.kind = "test-ticker";
        k.label = "Ticker";
        k.category = "Test";
        k.crashPoints = {{"before-work", "before its work"}, {"after-work", "after its work"}};
        k.factory = [](const NodeSetup &) { return std::make_unique<TickingNode>(); };
        r.add(std::move(k));
        return r;
    }();
    return reg;
}

FaultDef crashAt(const std::string &point, int occurrence, SimTime start = 0,
                 std::optional<SimTime> duration = {}, const std::string &downtime = "25ms")
{
    FaultDef f;
    f.id = "f1";
    f.kind = "crash-at";
    f.target = "n";
    f.start = start;
    f.duration = duration;
    f.params = {{"point", point}, {"occurrence", occurrence}, {"downtime", downtime}};
    return f;
}

Topology ticker(std::vector<FaultDef> faults)
{
    TopologyBuilder b;
    b.node("n", "test-ticker");
    Topology t = b.topology();
    t.faults = std::move(faults);
    return t;
}

struct TickRun {
    std::unique_ptr<Simulation> sim;
    RecordingSink trace;
    std::vector<SimTime> times(TraceKind k) const
    {
        std::vector<SimTime> out;
        for (const auto &e : trace.events)
            if (e.kind == k) out.push_back(e.time);
        return out;
    }
};

std::unique_ptr<TickRun> runTicker(const Topology &t, const std::function<void(Simulation &)> &live = {})
{
    g_ticks = {};
    auto r = std::make_unique<TickRun>();
    std::string error;
    r->sim = Simulation::build(t, error, testRegistry());
    if (!r->sim) {
        qWarning("%s", error.c_str());
        return nullptr;
    }
    r->sim->addSink(&r->trace);
    if (live) live(*r->sim);
    RunOptions o;
    o.until = 10 * kSecond;
    r->sim->run(o);
    return r;
}

} // namespace

using Times = std::vector<SimTime>;
Q_DECLARE_METATYPE(Times)

class TestCrashPoints : public QObject {
    Q_OBJECT

private slots:
    void crashesAtThePoint_data();
    void crashesAtThePoint();
    void notArmedBeforeItsStartOrAfterItsEnd();
    void liveFaultActsTheSame();
    void validationNamesThePoint_data();
    void validationNamesThePoint();
};

void TestCrashPoints::crashesAtThePoint_data()
{
    QTest::addColumn<QString>("point");
    QTest::addColumn<int>("occurrence");
    QTest::addColumn<SimTime>("crashTime");
    QTest::addColumn<int>("workBeforeCrash"); // Process events before the crash

    // Ticks at 10, 20, 30 ms...: before-work on the 3rd pass crashes at 30 ms with 2 works done;
    // after-work on the 3rd pass at 30 ms with 3 done (the work happened, what follows did not).
    QTest::newRow("before-work, 1st") << "before-work" << 1 << 10 * ms << 0;
    QTest::newRow("before-work, 3rd") << "before-work" << 3 << 30 * ms << 2;
    QTest::newRow("after-work, 1st") << "after-work" << 1 << 10 * ms << 1;
    QTest::newRow("after-work, 3rd") << "after-work" << 3 << 30 * ms << 3;
}

void TestCrashPoints::crashesAtThePoint()
{
    QFETCH(QString, point);
    QFETCH(int, occurrence);
    QFETCH(SimTime, crashTime);
    QFETCH(int, workBeforeCrash);
    auto r = runTicker(ticker({crashAt(point.toStdString(), occurrence)}));
    QVERIFY(r);
    QCOMPARE(r->times(TraceKind::Crash), Times({crashTime}));
    QCOMPARE(r->times(TraceKind::Restart), Times({crashTime + 25 * ms}));
    QCOMPARE(g_ticks.restarts, 1);
    int before = 0;
    for (SimTime t : r->times(TraceKind::Process))
        before += t <= crashTime;
    QCOMPARE(before, workBeforeCrash);
    // Once per span: later passes of the point do not crash it again.
    QVERIFY(r->times(TraceKind::Process).size() > std::size_t(workBeforeCrash));
}

void TestCrashPoints::notArmedBeforeItsStartOrAfterItsEnd()
{
    // Armed from 25 ms to 45 ms: the first pass in that span is the tick at 30 ms.
    auto r = runTicker(ticker({crashAt("before-work", 1, 25 * ms, 20 * ms)}));
    QVERIFY(r);
    QCOMPARE(r->times(TraceKind::Crash), Times({30 * ms}));
    // The 2nd pass in a span that ends before it never comes: no crash.
    auto none = runTicker(ticker({crashAt("before-work", 2, 25 * ms, 10 * ms)}));
    QVERIFY(none);
    QCOMPARE(none->times(TraceKind::Crash), Times());
    QCOMPARE(g_ticks.work, 10);
}

void TestCrashPoints::liveFaultActsTheSame()
{
    FaultDef live = crashAt("after-work", 2);
    live.id.clear();
    auto r = runTicker(ticker({}), [&](Simulation &sim) { sim.injectFault(live); });
    QVERIFY(r);
    QCOMPARE(r->times(TraceKind::Crash), Times({20 * ms}));
    QCOMPARE(r->times(TraceKind::Restart), Times({45 * ms}));
}

void TestCrashPoints::validationNamesThePoint_data()
{
    QTest::addColumn<QString>("point");
    QTest::addColumn<QString>("message");
    QTest::newRow("a typo")
        << "after-wrok"
        << "fault \"f1\" (crash-at): node \"n\" (test-ticker) has no crash point \"after-wrok\" (did you "
           "mean \"after-work\"?); its points are \"before-work\", \"after-work\"";
    QTest::newRow("empty")
        << ""
        << "fault \"f1\" (crash-at): node \"n\" (test-ticker) has no crash point \"\"; its points are "
           "\"before-work\", \"after-work\"";
}

void TestCrashPoints::validationNamesThePoint()
{
    QFETCH(QString, point);
    QFETCH(QString, message);
    const auto diags = validateTopology(ticker({crashAt(point.toStdString(), 1)}), testRegistry());
    QStringList errors;
    for (const auto &d : diags)
        if (d.severity == Diagnostic::Severity::Error)
            errors << QString::fromStdString(d.path + ": " + d.message);
    QCOMPARE(errors, QStringList({"$.faults[0].params.point: " + message}));
}

QTEST_GUILESS_MAIN(TestCrashPoints)
#include "tst_crashpoints.moc"
