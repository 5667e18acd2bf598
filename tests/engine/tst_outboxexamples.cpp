// The transactional-outbox examples show what their descriptions promise: the dual writes lose
// and fake events the delivery checker cannot see, and the outbox with its relay loses none and,
// with an idempotent consumer, processes none twice.
#include "enginetest.h"

#include "nodelabels.h"
#include "outboxchecker.h"

#include <set>

using namespace sb;
using namespace sbtest;

class TestOutboxExamples : public QObject {
    Q_OBJECT
private slots:
    void dualWriteLosesAndFakesEvents();
    void relayLosesNothing();
};

namespace {

struct Checked {
    std::unique_ptr<Run> run;
    std::unique_ptr<OutboxChecker> outbox;
    CheckResult check(const char *name) const
    {
        for (auto &c : outbox->checks())
            if (c.check == name) return c;
        qFatal("no check %s", name);
    }
};

Checked runChecked(const char *name)
{
    Checked c;
    const auto loaded = loadTopologyFile(std::string(SIGNALBOX_EXAMPLES_DIR) + "/" + name);
    if (!loaded.ok()) {
        qWarning("%s", loaded.errorText().c_str());
        return c;
    }
    c.run = prepare(*loaded.topology);
    if (!c.run) return c;
    c.outbox = OutboxChecker::forTopology(*loaded.topology, nodeLabels(*loaded.topology));
    c.run->sim->addSink(c.outbox.get());
    RunOptions o;
    c.run->reason = c.run->sim->run(o);
    return c;
}

} // namespace

void TestOutboxExamples::dualWriteLosesAndFakesEvents()
{
    Checked c = runChecked("outbox-dual-write.json");
    QVERIFY(c.run);
    QCOMPARE(c.run->reason, StopReason::Quiescent);
    const NodeIndex dbFirst = c.run->index("orders-db-first"),
                    publishFirst = c.run->index("orders-publish-first");
    QCOMPARE(c.run->trace.countAt(TraceKind::Crash, dbFirst), std::size_t(2));
    QCOMPARE(c.run->trace.countAt(TraceKind::Crash, publishFirst), std::size_t(2));
    // Invisible to the delivery checker: whatever was published was processed.
    const DeliveryReport d = c.run->report();
    QCOMPARE(d.lost, quint64(0));
    QCOMPARE(d.duplicates, quint64(0));
    const CheckResult lost = c.check(OutboxChecker::kLost);
    QCOMPARE(lost.count, quint64(2));
    for (const auto &f : lost.examples) {
        QCOMPARE(f.node, dbFirst);
        QVERIFY2(f.what.find("never published") != std::string::npos, f.what.c_str());
        QVERIFY2(f.what.find("Orders (commit, then publish)") != std::string::npos, f.what.c_str());
    }
    const CheckResult phantom = c.check(OutboxChecker::kPhantom);
    QCOMPARE(phantom.count, quint64(2));
    for (const auto &f : phantom.examples) {
        QCOMPARE(f.node, publishFirst);
        QVERIFY2(f.what.find("processed by Billing B") != std::string::npos, f.what.c_str());
    }
    QCOMPARE(c.check(OutboxChecker::kDuplicates).count, quint64(0));
    qInfo("dual write: %llu lost, %llu phantom", (unsigned long long)lost.count,
          (unsigned long long)phantom.count);
}

void TestOutboxExamples::relayLosesNothing()
{
    Checked c = runChecked("outbox-relay.json");
    QVERIFY(c.run);
    QCOMPARE(c.run->reason, StopReason::Quiescent);
    const NodeIndex orders = c.run->index("orders");
    QCOMPARE(c.run->trace.countAt(TraceKind::Crash, orders), std::size_t(2));
    QCOMPARE(c.run->trace.countAt(TraceKind::DbCommit, orders), std::size_t(100));
    QCOMPARE(c.check(OutboxChecker::kLost).count, quint64(0));
    QCOMPARE(c.check(OutboxChecker::kPhantom).count, quint64(0));
    QCOMPARE(c.check(OutboxChecker::kDuplicates).count, quint64(0));
    // At least once: one row went out twice, and billing deduped it.
    std::size_t second = 0;
    for (const auto &e : c.run->trace.events)
        second += e.kind == TraceKind::Relay && e.aux == 2;
    QCOMPARE(second, std::size_t(1));
    QCOMPARE(c.run->trace.count(TraceKind::Dedupe), std::size_t(1));
    std::set<std::uint64_t> processed;
    for (const auto &e : c.run->trace.events)
        if (e.kind == TraceKind::Process) processed.insert(e.messageId);
    QCOMPARE(processed.size(), std::size_t(100));
    QCOMPARE(c.run->trace.count(TraceKind::Process), std::size_t(100));
}

QTEST_GUILESS_MAIN(TestOutboxExamples)
#include "tst_outboxexamples.moc"
