// The bundled fault examples show what they exist to show.
#include "enginetest.h"

#include <QtTest>

using namespace sb;
using namespace sbtest;

namespace {

// Messages a node itself dropped for `reason` (not frames lost on a link).
std::size_t nodeDrops(const Run &r, const std::string &node, DropReason reason)
{
    std::size_t n = 0;
    for (const auto &e : r.trace.events)
        n += e.kind == TraceKind::Drop && e.reason == reason && e.link == kNoIndex && e.node == r.index(node);
    return n;
}

// The longest run of consecutive frames lost on a link, in send order.
int longestLossRun(const Run &r, const std::string &link)
{
    const auto li = *r.sim->topology().linkIndex(link);
    int run = 0, longest = 0;
    for (const auto &e : r.trace.events) {
        if (e.link != li || e.frame != FrameType::Publish) continue;
        if (e.kind == TraceKind::Drop)
            longest = std::max(longest, ++run);
        else if (e.kind == TraceKind::Send)
            run = 0;
    }
    return longest;
}

} // namespace

class TestFaultExamples : public QObject {
    Q_OBJECT
private slots:
    void durableQueueSurvivesTheCrash();
    void partitionHealsWithoutLoss();
    void burstLossClustersAtTheSameRate();
};

void TestFaultExamples::durableQueueSurvivesTheCrash()
{
    auto r = runExample("crash-durable-vs-transient.json");
    QVERIFY(r);
    QCOMPARE(nodeDrops(*r, "durable", DropReason::Crash), std::size_t(0));
    const std::size_t lostInTransient = nodeDrops(*r, "transient", DropReason::Crash);
    QVERIFY2(lostInTransient > 10, QByteArray::number(qulonglong(lostInTransient)));
    // Everything lost is what the non-durable queue held (less the un-acked deliveries its worker
    // had processed already); the durable queue redelivered its share.
    QVERIFY(r->report().lost > 10);
    QVERIFY(r->report().lost <= lostInTransient);
    QVERIFY(r->trace.countAt(TraceKind::Redeliver, r->index("durable")) > 0);
    QCOMPARE(r->node("worker-a").processed - r->report().duplicates, std::uint64_t(200));
}

void TestFaultExamples::partitionHealsWithoutLoss()
{
    auto r = runExample("partition-heals.json");
    QVERIFY(r);
    QCOMPARE(r->report().lost, std::uint64_t(0));
    QCOMPARE(r->report().pending, std::uint64_t(0));
    QVERIFY(r->trace.count(TraceKind::Retry) > 0);
    QVERIFY(r->trace.count(TraceKind::Drop, DropReason::Partition) > 0);
    // Nothing reached the queue while the link was down.
    for (const auto &e : r->trace.events)
        if (e.kind == TraceKind::Enqueue) QVERIFY(e.time < 2003 * kMillisecond || e.time >= 4 * kSecond);
}

void TestFaultExamples::burstLossClustersAtTheSameRate()
{
    auto r = runExample("burst-vs-uniform-loss.json");
    QVERIFY(r);
    const auto a = LinkIndex(*r->sim->topology().linkIndex("uplink-a"));
    const auto b = LinkIndex(*r->sim->topology().linkIndex("uplink-b"));
    const double rateA = double(r->metrics->link(a).lost) / 4000,
                 rateB = double(r->metrics->link(b).lost) / 4000;
    QVERIFY2(rateA > 0.08 && rateA < 0.12, QByteArray::number(rateA));
    QVERIFY2(rateB > 0.07 && rateB < 0.13, QByteArray::number(rateB));
    const int runA = longestLossRun(*r, "uplink-a"), runB = longestLossRun(*r, "uplink-b");
    QVERIFY2(runB >= 2 * runA, (QByteArray::number(runA) + " vs " + QByteArray::number(runB)).constData());
}

QTEST_APPLESS_MAIN(TestFaultExamples)
#include "tst_faultexamples.moc"
