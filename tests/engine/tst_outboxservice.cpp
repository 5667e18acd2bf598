// The outbox service: a crash at each of its crash points in each mode loses, fakes or duplicates
// exactly the events the transactional-outbox pattern says it does (the dual writes before the
// fix, the outbox and its relay after it), as the outbox checker reports them; the relay publishes
// a row again when its confirm is lost; bad properties are refused naming the property.
#include "enginetest.h"

#include "nodelabels.h"
#include "outboxchecker.h"

#include <map>
#include <set>

using namespace sb;
using namespace sbtest;

// Transactions by their sequence number (1 = the service's first).
using Seqs = std::set<std::uint64_t>;
Q_DECLARE_METATYPE(Seqs)

class TestOutboxService : public QObject {
    Q_OBJECT
private slots:
    void crashAtEachPoint_data();
    void crashAtEachPoint();
    void relayRepublishesAfterALostConfirm();
    void failedCommitLeavesAPhantom();
    void diskLostTakesTheOutbox_data();
    void diskLostTakesTheOutbox();
    void badProperties_data();
    void badProperties();
};

namespace {

// Each event's sequence (its transaction's number, from 1), as the service announced it.
class SequenceSink final : public TraceSink {
public:
    void onEvent(const TraceEvent &) override {}
    void onMessage(const Message &m) override { sequence[m.id] = m.sequence; }
    std::map<std::uint64_t, std::uint64_t> sequence;
};

struct OutboxRun {
    std::unique_ptr<Run> run;
    std::unique_ptr<OutboxChecker> checker;
    SequenceSink sequences;

    // The transactions (by sequence) that a check found, in order.
    std::set<std::uint64_t> found(const char *check) const
    {
        std::set<std::uint64_t> out;
        for (const auto &c : checker->checks())
            if (c.check == check)
                for (const auto &f : c.examples)
                    out.insert(sequences.sequence.at(f.messageId));
        return out;
    }
    std::uint64_t count(const char *check) const
    {
        for (const auto &c : checker->checks())
            if (c.check == check) return c.count;
        return ~std::uint64_t{0};
    }
};

// service -> durable queue -> consumer; 10 transactions, one every 100 ms.
Topology outboxTopology(const std::string &mode, const std::string &ackMode, Json extra = Json::object())
{
    Json props = {{"mode", mode},          {"rate", 10},  {"count", 10}, {"pollInterval", 50},
                  {"confirmTimeout", 200}, {"retries", 3}};
    if (extra.is_object())
        for (auto it = extra.begin(); it != extra.end(); ++it)
            props[it.key()] = it.value();
    TopologyBuilder b;
    b.node("service", "outbox-service", props)
        .node("events", "queue", {{"durable", true}})
        .node("worker", "consumer", {{"ackMode", ackMode}, {"processing", "5ms"}})
        .link("service", "events")
        .link("events", "worker", Json::object(), "deliver", "in");
    return b.topology();
}

FaultDef crashAt(const std::string &point, int occurrence, const char *disk = "kept")
{
    FaultDef f;
    f.id = "crash";
    f.kind = "crash-at";
    f.target = "service";
    f.start = 0;
    f.params = {{"point", point}, {"occurrence", occurrence}, {"downtime", "250ms"}, {"disk", disk}};
    return f;
}

std::unique_ptr<OutboxRun> runOutbox(Topology t)
{
    const auto diags = validateTopology(t);
    for (const auto &d : diags)
        if (d.severity == Diagnostic::Severity::Error) {
            qWarning("%s", d.toString().c_str());
            return nullptr;
        }
    auto r = std::make_unique<OutboxRun>();
    r->run = prepare(t);
    if (!r->run) return nullptr;
    r->checker = OutboxChecker::forTopology(t, nodeLabels(t));
    r->run->sim->addSink(r->checker.get());
    r->run->sim->addSink(&r->sequences);
    RunOptions o;
    o.until = 60 * kSecond;
    r->run->reason = r->run->sim->run(o);
    return r;
}

} // namespace

void TestOutboxService::crashAtEachPoint_data()
{
    QTest::addColumn<QString>("mode");
    QTest::addColumn<QString>("point");
    QTest::addColumn<QString>("ackMode");
    QTest::addColumn<Seqs>("lost");
    QTest::addColumn<Seqs>("phantom");
    QTest::addColumn<Seqs>("duplicated");
    QTest::addColumn<int>("commits");
    QTest::addColumn<int>("dedupes");
    // Before the fix: the dual writes. The crash comes at the third transaction.
    QTest::newRow("db first, crash after the commit: its event is lost")
        << "dual-write-db-first"
        << "after-db-commit"
        << "manual" << Seqs{3} << Seqs{} << Seqs{} << 10 << 0;
    QTest::newRow("db first, crash after the publish: nothing lost")
        << "dual-write-db-first"
        << "after-publish"
        << "manual" << Seqs{} << Seqs{} << Seqs{} << 10 << 0;
    QTest::newRow("publish first, crash after the publish: a phantom")
        << "dual-write-publish-first"
        << "after-publish"
        << "manual" << Seqs{} << Seqs{3} << Seqs{} << 9 << 0;
    QTest::newRow("publish first, crash after the commit: nothing wrong")
        << "dual-write-publish-first"
        << "after-db-commit"
        << "manual" << Seqs{} << Seqs{} << Seqs{} << 10 << 0;
    // After the fix: the outbox and its relay.
    QTest::newRow("outbox, crash after the commit: the relay publishes it after the restart")
        << "outbox"
        << "after-db-commit"
        << "manual" << Seqs{} << Seqs{} << Seqs{} << 10 << 0;
    QTest::newRow("outbox, crash after a relay publish: at least once, a duplicate")
        << "outbox"
        << "after-relay-publish"
        << "manual" << Seqs{} << Seqs{} << Seqs{3} << 10 << 0;
    QTest::newRow("outbox, crash after a relay publish, idempotent consumer: deduped")
        << "outbox"
        << "after-relay-publish"
        << "idempotent" << Seqs{} << Seqs{} << Seqs{} << 10 << 1;
}

void TestOutboxService::crashAtEachPoint()
{
    QFETCH(QString, mode);
    QFETCH(QString, point);
    QFETCH(QString, ackMode);
    QFETCH(Seqs, lost);
    QFETCH(Seqs, phantom);
    QFETCH(Seqs, duplicated);
    QFETCH(int, commits);
    QFETCH(int, dedupes);
    Topology t = outboxTopology(mode.toStdString(), ackMode.toStdString());
    t.faults.push_back(crashAt(point.toStdString(), 3));
    auto r = runOutbox(t);
    QVERIFY(r);
    const Run &run = *r->run;
    QCOMPARE(run.reason, StopReason::Quiescent);
    const NodeIndex service = run.index("service");
    QCOMPARE(run.trace.countAt(TraceKind::Crash, service), std::size_t(1));
    QCOMPARE(run.trace.countAt(TraceKind::Restart, service), std::size_t(1));
    QCOMPARE(r->sequences.sequence.size(), std::size_t(10)); // every transaction ran
    QCOMPARE(run.trace.countAt(TraceKind::DbCommit, service), std::size_t(commits));
    QCOMPARE(r->found(OutboxChecker::kLost), lost);
    QCOMPARE(r->found(OutboxChecker::kPhantom), phantom);
    QCOMPARE(r->found(OutboxChecker::kDuplicates), duplicated);
    QCOMPARE(r->count(OutboxChecker::kLost), quint64(lost.size()));
    QCOMPARE(r->count(OutboxChecker::kPhantom), quint64(phantom.size()));
    QCOMPARE(r->count(OutboxChecker::kDuplicates), quint64(duplicated.size()));
    QCOMPARE(run.trace.count(TraceKind::Dedupe), std::size_t(dedupes));
    // Every event the consumer heard of is one of the ten, each transactional only in outbox mode.
    for (const auto &e : run.trace.events)
        if (e.kind == TraceKind::DbCommit)
            QCOMPARE(bool(e.flags & TraceFlag::Transactional), mode == QLatin1String("outbox"));
    std::set<std::uint64_t> processed;
    for (const auto &e : run.trace.events)
        if (e.kind == TraceKind::Process) processed.insert(r->sequences.sequence.at(e.messageId));
    QCOMPARE(processed.size(), std::size_t(10 - lost.size()));
    for (std::uint64_t s : lost)
        QVERIFY(!processed.count(s));
    // The relay publishes each row once, the row published when the service crashed twice.
    if (mode == QLatin1String("outbox")) {
        const std::size_t relays = run.trace.countAt(TraceKind::Relay, service);
        QCOMPARE(relays, std::size_t(point == QLatin1String("after-relay-publish") ? 11 : 10));
    } else {
        QCOMPARE(run.trace.countAt(TraceKind::Relay, service), std::size_t(0));
    }
}

void TestOutboxService::relayRepublishesAfterALostConfirm()
{
    Topology t = outboxTopology("outbox", "idempotent");
    FaultDef drop;
    drop.id = "lose-confirm";
    drop.kind = "drop-first";
    drop.target = "service-events";
    drop.start = 0;
    drop.params = {{"count", 1}, {"frameType", "Confirm"}};
    t.faults.push_back(drop);
    auto r = runOutbox(t);
    QVERIFY(r);
    const Run &run = *r->run;
    QCOMPARE(run.reason, StopReason::Quiescent);
    const NodeIndex service = run.index("service");
    // The first row's confirm never came: it timed out and the relay published the row again.
    std::uint64_t first = 0;
    for (const auto &[id, seq] : r->sequences.sequence)
        if (seq == 1) first = id;
    std::vector<std::int64_t> attempts;
    for (const auto &e : run.trace.events) {
        if (e.kind == TraceKind::Relay && e.messageId == first) attempts.push_back(e.aux);
        if (e.kind == TraceKind::Timeout && e.node == service) QCOMPARE(e.messageId, first);
    }
    QCOMPARE(attempts, (std::vector<std::int64_t>{1, 2}));
    QCOMPARE(run.trace.countAt(TraceKind::Timeout, service), std::size_t(1));
    QCOMPARE(run.trace.countAt(TraceKind::Retry, service), std::size_t(1));
    QCOMPARE(run.trace.countAt(TraceKind::Confirm, service), std::size_t(10));
    QCOMPARE(run.trace.count(TraceKind::Dedupe), std::size_t(1));
    QCOMPARE(run.trace.count(TraceKind::Process), std::size_t(10));
    QCOMPARE(r->count(OutboxChecker::kLost), quint64(0));
    QCOMPARE(r->count(OutboxChecker::kDuplicates), quint64(0));
    QCOMPARE(run.trace.count(TraceKind::Crash), std::size_t(0));
}

void TestOutboxService::failedCommitLeavesAPhantom()
{
    // Every commit after a publish-first publish fails: ten events out, no change committed.
    auto r =
        runOutbox(outboxTopology("dual-write-publish-first", "manual", {{"commitFailureProbability", 1.0}}));
    QVERIFY(r);
    QCOMPARE(r->run->trace.count(TraceKind::DbCommit), std::size_t(0));
    QCOMPARE(r->run->trace.count(TraceKind::Process), std::size_t(10));
    QCOMPARE(r->count(OutboxChecker::kPhantom), quint64(10));
    QCOMPARE(r->count(OutboxChecker::kLost), quint64(0));
    const auto checks = r->checker->checks();
    const Finding &f = checks[1].examples.front();
    QVERIFY2(f.what.find("processed by worker") != std::string::npos, f.what.c_str());
    QVERIFY2(f.what.find("never committed") != std::string::npos, f.what.c_str());
    QCOMPARE(f.node, r->run->index("service"));
}

void TestOutboxService::diskLostTakesTheOutbox_data()
{
    QTest::addColumn<QString>("disk");
    QTest::addColumn<bool>("relaysAfterRestart");
    QTest::newRow("disk kept: the relay goes on with the outbox") << "kept" << true;
    QTest::newRow("disk lost: the outbox went with it") << "lost" << false;
}

void TestOutboxService::diskLostTakesTheOutbox()
{
    QFETCH(QString, disk);
    QFETCH(bool, relaysAfterRestart);
    // The broker is cut off for the whole run, so no row is ever confirmed and all five wait in
    // the outbox when the service crashes at its fifth commit.
    Topology t = outboxTopology("outbox", "manual", {{"count", 5}});
    FaultDef cut;
    cut.id = "cut";
    cut.kind = "link-down";
    cut.target = "service-events";
    cut.start = 0;
    t.faults.push_back(cut);
    t.faults.push_back(crashAt("after-db-commit", 5, disk == QLatin1String("lost") ? "lost" : "kept"));
    auto r = runOutbox(t);
    QVERIFY(r);
    const Run &run = *r->run;
    QCOMPARE(run.trace.count(TraceKind::DbCommit), std::size_t(5));
    QVERIFY(run.trace.count(TraceKind::Relay) > 0);
    SimTime restart = 0;
    for (const auto &e : run.trace.events)
        if (e.kind == TraceKind::Restart) restart = e.time;
    QVERIFY(restart > 0);
    std::size_t after = 0;
    for (const auto &e : run.trace.events)
        after += e.kind == TraceKind::Relay && e.time > restart;
    QCOMPARE(after > 0, relaysAfterRestart);
    // Rows waiting keep the relay, and the run, going; without rows the run goes quiet.
    QCOMPARE(run.reason, relaysAfterRestart ? StopReason::TimeLimit : StopReason::Quiescent);
}

void TestOutboxService::badProperties_data()
{
    QTest::addColumn<QString>("property");
    QTest::addColumn<QByteArray>("value");
    QTest::addColumn<QString>("reason");
    QTest::newRow("poll interval 0") << "pollInterval" << QByteArray("0") << "pollInterval";
    QTest::newRow("batch size 0") << "batchSize" << QByteArray("0") << "batchSize";
    QTest::newRow("unknown mode") << "mode" << QByteArray("\"outbox-ish\"") << "mode";
    QTest::newRow("commit failure above 1")
        << "commitFailureProbability" << QByteArray("1.5") << "commitFailureProbability";
}

void TestOutboxService::badProperties()
{
    QFETCH(QString, property);
    QFETCH(QByteArray, value);
    QFETCH(QString, reason);
    Topology t =
        outboxTopology("outbox", "manual", {{property.toStdString(), Json::parse(value.toStdString())}});
    const auto diags = validateTopology(t);
    QCOMPARE(diags.size(), std::size_t(1));
    QCOMPARE(diags[0].severity, Diagnostic::Severity::Error);
    QCOMPARE(QString::fromStdString(diags[0].path), "$.nodes[0].properties." + property);
    QVERIFY2(diags[0].message.find("\"service\"") != std::string::npos, diags[0].message.c_str());
    QVERIFY2(diags[0].message.find(reason.toStdString()) != std::string::npos, diags[0].message.c_str());
}

QTEST_GUILESS_MAIN(TestOutboxService)
#include "tst_outboxservice.moc"
