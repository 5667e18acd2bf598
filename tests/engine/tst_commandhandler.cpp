// The command-handler kind on a real event store: scripted commanders send the commands and
// queries each rule needs. Expected versions (the command's own, or the revision loaded), two
// writers on one account with and without conflict retries, rebuilds with and without snapshots
// and with the cache, write-side and temporal queries, schema versions a handler cannot read,
// crashes at its crash points, and the schema refusing bad properties with their place.
#include "commandtest.h"

#include "nodes/eventsourcing/esprotocol.h"
#include "topology.h"

using namespace sb;
using namespace sbtest;

namespace {

constexpr SimTime ms = kMillisecond;

CommandScript scriptOf(std::vector<Ask> a)
{
    CommandScript s;
    s.asks = std::move(a);
    return s;
}

FaultDef crashAt(const std::string &node, const std::string &point, int occurrence, SimTime downtime)
{
    FaultDef f;
    f.id = "crash-" + point;
    f.kind = "crash-at";
    f.target = node;
    f.start = 0;
    f.params = {{"point", point}, {"occurrence", occurrence}, {"downtime", formatDurationExact(downtime)}};
    return f;
}

} // namespace

class TestCommandHandler : public QObject {
    Q_OBJECT
private slots:
    // One commander, one handler: the command's expected version (after '@') or the revision the
    // handler loaded decides whether the append holds.
    void expectedVersion_data()
    {
        QTest::addColumn<QStringList>("commands");
        QTest::addColumn<int>("conflictRetries");
        QTest::addColumn<QString>("statuses");
        QTest::addColumn<QString>("reason"); // part of the last answer's reason

        QTest::newRow("loaded revision")
            << QStringList{"OpenAccount", "Deposit:10", "Withdraw:5"} << 0 << "OK OK OK"
            << "";
        QTest::newRow("exact, as read")
            << QStringList{"OpenAccount", "Deposit:10@0", "Deposit:10@1"} << 0 << "OK OK OK"
            << "";
        QTest::newRow("exact, stale")
            << QStringList{"OpenAccount", "Deposit:10", "Deposit:10@0"} << 0 << "OK OK CONFLICT"
            << "expected 0, stream at 1";
        QTest::newRow("exact, ahead") << QStringList{"OpenAccount", "Deposit:10@4"} << 0 << "OK CONFLICT"
                                      << "expected 4, stream at 0";
        QTest::newRow("stale, retries do not help")
            << QStringList{"OpenAccount", "Deposit:10", "Deposit:10@0"} << 3 << "OK OK CONFLICT"
            << "expected 0, stream at 1";
        QTest::newRow("any") << QStringList{"OpenAccount@any", "Deposit:10@any"} << 0 << "OK OK"
                             << "";
        QTest::newRow("no_stream, new") << QStringList{"OpenAccount@no_stream"} << 0 << "OK"
                                        << "";
        QTest::newRow("no_stream, exists")
            << QStringList{"OpenAccount", "Deposit:10@no_stream"} << 0 << "OK CONFLICT"
            << "expected no_stream, stream at 0";
        QTest::newRow("stream_exists")
            << QStringList{"OpenAccount", "Deposit:10@stream_exists"} << 0 << "OK OK"
            << "";
        QTest::newRow("stream_exists, new") << QStringList{"OpenAccount@stream_exists"} << 0 << "CONFLICT"
                                            << "expected stream_exists, stream at no_stream";
        QTest::newRow("rejected before any append")
            << QStringList{"OpenAccount", "Withdraw:10@0"} << 0 << "OK REJECTED"
            << "insufficient funds";
    }

    void expectedVersion()
    {
        QFETCH(QStringList, commands);
        QFETCH(int, conflictRetries);
        QFETCH(QString, statuses);
        QFETCH(QString, reason);
        auto r = runHandlers({{"h", {{"conflictRetries", conflictRetries}}}},
                             {{"c", {"h", scriptOf(asks("account-1", commands))}}});
        QVERIFY(r);
        const CommandScript &c = r->script("c");
        QCOMPARE(c.statuses(), statuses);
        const std::string last = c.reason(commands.size() - 1);
        QVERIFY2(QString::fromStdString(last).contains(reason), last.c_str());
        const std::size_t ok = static_cast<std::size_t>(statuses.count("OK"));
        QCOMPARE(r->events(TraceKind::StreamAppend).size(), ok);
        // The store saw each conflict the handler reported.
        QCOMPARE(r->events(TraceKind::Conflict).size(), std::size_t(statuses.count("CONFLICT")));
    }

    // Two writers deposit to one account at the same moment, after it was opened: both load
    // revision 0 and append expecting it; the store takes one. Without retries the other answers
    // Conflict; with them it reloads, decides again and appends on top.
    void twoWriters_data()
    {
        QTest::addColumn<bool>("twoHandlers"); // else one handler running two commands at once
        QTest::addColumn<int>("concurrency");
        QTest::addColumn<int>("conflictRetries");
        QTest::addColumn<QString>("deposits"); // the two deposits' outcomes, sorted
        QTest::addColumn<int>("balance");

        QTest::newRow("two handlers") << true << 1 << 0 << "CONFLICT OK" << 10;
        QTest::newRow("two handlers, retries") << true << 1 << 1 << "OK OK" << 30;
        QTest::newRow("one handler, two at once") << false << 2 << 0 << "CONFLICT OK" << 10;
        QTest::newRow("one handler, two at once, retries") << false << 2 << 2 << "OK OK" << 30;
        QTest::newRow("one handler, one at a time") << false << 1 << 0 << "OK OK" << 30;
    }

    void twoWriters()
    {
        QFETCH(bool, twoHandlers);
        QFETCH(int, concurrency);
        QFETCH(int, conflictRetries);
        QFETCH(QString, deposits);
        QFETCH(int, balance);
        const Json props = {{"concurrency", concurrency}, {"conflictRetries", conflictRetries}};
        std::vector<Ask> first = {{0, "account-1", "OpenAccount"},
                                  {100 * ms, "account-1", "Deposit:10"},
                                  {500 * ms, "account-1", "?"}};
        std::vector<Ask> second = {{100 * ms, "account-1", "Deposit:20"}};
        std::map<std::string, Json> handlers = {{"h1", props}};
        if (twoHandlers) handlers["h2"] = props;
        auto r = runHandlers(handlers, {{"c1", {"h1", scriptOf(first)}},
                                        {"c2", {twoHandlers ? "h2" : "h1", scriptOf(second)}}});
        QVERIFY(r);
        const CommandScript &c1 = r->script("c1");
        const CommandScript &c2 = r->script("c2");
        QStringList outcomes = {c1.statuses().section(' ', 1, 1), c2.statuses()};
        outcomes.sort();
        QCOMPARE(outcomes.join(' '), deposits);
        QCOMPARE(QString::fromStdString(c1.field(2, "balance")), QString::number(balance));
        const bool conflicted = deposits.contains("CONFLICT") || conflictRetries > 0;
        QCOMPARE(r->events(TraceKind::Conflict).size(), std::size_t(concurrency > 1 || twoHandlers ? 1 : 0));
        QVERIFY(conflicted || r->events(TraceKind::Conflict).empty());
        if (deposits.contains("CONFLICT")) {
            const std::string reason = c1.reason(1) + c2.reason(0);
            QVERIFY2(reason.find("expected 0, stream at 1") != std::string::npos, reason.c_str());
        }
    }

    // Loading an aggregate of `events` events: without snapshots every event is read; with
    // snapshots every N only those after the last snapshot (events mod N); with the cache none
    // (the handler wrote them all itself). The rebuild takes applyCost per event read.
    void rebuild_data()
    {
        QTest::addColumn<int>("events");
        QTest::addColumn<int>("snapshotEvery");
        QTest::addColumn<bool>("cache");
        QTest::addColumn<int>("read");
        QTest::addColumn<int>("snapshotRevision"); // the last Rebuild began from it; -1: none
        QTest::addColumn<int>("snapshots");

        QTest::newRow("no snapshots") << 25 << 0 << false << 25 << -1 << 0;
        QTest::newRow("every 10, 25 events") << 25 << 10 << false << 5 << 19 << 2;
        QTest::newRow("every 10, 30 events") << 30 << 10 << false << 0 << 29 << 3;
        QTest::newRow("every 10, 9 events") << 9 << 10 << false << 9 << -1 << 0;
        QTest::newRow("every 1") << 7 << 1 << false << 0 << 6 << 7;
        QTest::newRow("every 4") << 11 << 4 << false << 3 << 7 << 2;
        QTest::newRow("cache") << 25 << 0 << true << 0 << -1 << 0;
        QTest::newRow("cache and snapshots") << 25 << 10 << true << 0 << -1 << 2;
    }

    void rebuild()
    {
        QFETCH(int, events);
        QFETCH(int, snapshotEvery);
        QFETCH(bool, cache);
        QFETCH(int, read);
        QFETCH(int, snapshotRevision);
        QFETCH(int, snapshots);
        QStringList commands = {"OpenAccount"};
        for (int i = 1; i < events; ++i)
            commands << "Deposit:10";
        commands << "?";
        auto r = runHandlers(
            {{"h",
              {{"snapshotEvery", snapshotEvery}, {"cache", cache}, {"applyCost", "1ms"}, {"decideTime", 0}}}},
            {{"c", {"h", scriptOf(asks("account-1", commands, 0, 50))}}});
        QVERIFY(r);
        const CommandScript &c = r->script("c");
        QVERIFY(!c.statuses().contains('-'));
        QVERIFY(!c.statuses().contains("REJECTED"));
        const auto rebuilds = r->events(TraceKind::Rebuild, "h");
        QCOMPARE(rebuilds.size(), std::size_t(commands.size()));
        const TraceEvent last = rebuilds.back();
        QCOMPARE(last.messageId, c.messageIds.back());
        QCOMPARE(last.aux, std::int64_t(read));
        QCOMPARE(last.offset, std::int64_t(events - 1));
        QCOMPARE(last.deliveryCount, snapshotRevision >= 0 ? 1u : 0u);
        if (snapshotRevision >= 0) QCOMPARE(last.epoch, std::uint32_t(snapshotRevision));
        QCOMPARE(r->events(TraceKind::Snapshot, "h").size(), std::size_t(snapshots));
        // The state is the same however it was loaded.
        QCOMPARE(c.field(commands.size() - 1, "balance"), std::to_string(10 * (events - 1)));
        QVERIFY(c.queryResult(commands.size() - 1)->found);
        // applyCost per event read: the rebuild ends that long after the read's answer arrived.
        SimTime readArrived = -1;
        for (const auto &e : r->trace.events)
            if (e.kind == TraceKind::Send && e.frame == FrameType::ReadStream &&
                (e.flags & TraceFlag::Response) && e.peer == r->index("h") && e.time <= last.time)
                readArrived = e.aux;
        if (!cache || read > 0) QCOMPARE(last.time - readArrived, read * ms);
    }

    // The cache reads only what others appended since: here a second handler's deposit, which
    // the cached state must include for the withdrawal to pass.
    void cacheReadsNewerEvents()
    {
        const std::vector<Ask> first = {{0, "account-1", "OpenAccount"},
                                        {100 * ms, "account-1", "Deposit:10"},
                                        {300 * ms, "account-1", "Withdraw:60"}};
        const std::vector<Ask> second = {{200 * ms, "account-1", "Deposit:50"}};
        auto r = runHandlers({{"h1", {{"cache", true}}}, {"h2", Json::object()}},
                             {{"c1", {"h1", scriptOf(first)}}, {"c2", {"h2", scriptOf(second)}}});
        QVERIFY(r);
        QCOMPARE(r->script("c1").statuses(), QString("OK OK OK"));
        QCOMPARE(r->script("c2").statuses(), QString("OK"));
        const auto rebuilds = r->events(TraceKind::Rebuild, "h1");
        QCOMPARE(rebuilds.size(), std::size_t(3));
        QCOMPARE(rebuilds[1].aux, std::int64_t(0)); // its own open was cached
        QCOMPARE(rebuilds[2].aux, std::int64_t(1)); // h2's deposit, and nothing before it
        QCOMPARE(rebuilds[2].offset, std::int64_t(2));
    }

    // Queries on the commands port are answered from the write side: found or not, the state's
    // fields, the position of its last event; a temporal query gives the state as it was then.
    void writeSideQuery()
    {
        const std::vector<Ask> a = {{0, "account-2", "?"},
                                    {10 * ms, "account-1", "OpenAccount"},
                                    {100 * ms, "account-1", "Deposit:40"},
                                    {200 * ms, "account-1", "Withdraw:15"},
                                    {300 * ms, "account-1", "?"},
                                    {310 * ms, "account-1", "?@150"},
                                    {320 * ms, "order-1", "?"}};
        auto r = runHandlers({{"h", {{"snapshotEvery", 2}}}}, {{"c", {"h", scriptOf(a)}}});
        QVERIFY(r);
        const CommandScript &c = r->script("c");
        QCOMPARE(c.statuses(), QString("OK OK OK OK OK OK REJECTED"));
        QVERIFY(!c.queryResult(0)->found);
        QCOMPARE(c.queryResult(0)->position, std::int64_t(-1));
        QVERIFY(c.queryResult(4)->found);
        QCOMPARE(c.field(4, "balance"), std::string("25"));
        QCOMPARE(c.field(4, "status"), std::string("open"));
        // The last event's position: the open (0), the deposit (1), a snapshot (2), the withdrawal.
        const auto appends = r->events(TraceKind::StreamAppend);
        QCOMPARE(c.queryResult(4)->position, appends.back().offset);
        QCOMPARE(c.answer(3)->as<cmd::CommandResult>()->position, appends.back().offset);
        QCOMPARE(c.field(5, "balance"), std::string("40"));
        QCOMPARE(c.queryResult(5)->position, std::int64_t(1));
    }

    // Schema versions: a writer at `writeVersion` opens an account and deposits 50; a second
    // handler that reads `readVersions` (with or without upcasting) then withdraws 10, writing
    // at `readerWrites`, and reads the account back.
    void schemaVersions_data()
    {
        QTest::addColumn<int>("writeVersion");
        QTest::addColumn<QStringList>("readVersions");
        QTest::addColumn<bool>("upcasting");
        QTest::addColumn<int>("readerWrites");
        QTest::addColumn<QString>("status");
        QTest::addColumn<int>("upcasts"); // per load

        QTest::newRow("current to current") << 0 << QStringList{} << false << 0 << "OK" << 0;
        QTest::newRow("v1 to current, upcast") << 1 << QStringList{} << true << 0 << "OK" << 1;
        QTest::newRow("v1 to current, no upcasting")
            << 1 << QStringList{} << false << 0 << "UNKNOWN_SCHEMA" << 0;
        QTest::newRow("v1 to a v1 reader") << 1 << QStringList{"1"} << false << 1 << "OK" << 0;
        QTest::newRow("v2 to an old v1 reader")
            << 0 << QStringList{"1"} << true << 1 << "UNKNOWN_SCHEMA" << 0;
        QTest::newRow("v1 to a reader of both") << 1 << QStringList{"1", "2"} << false << 0 << "OK" << 0;
    }

    void schemaVersions()
    {
        QFETCH(int, writeVersion);
        QFETCH(QStringList, readVersions);
        QFETCH(bool, upcasting);
        QFETCH(int, readerWrites);
        QFETCH(QString, status);
        QFETCH(int, upcasts);
        Json versions = Json::array();
        for (const auto &v : readVersions)
            versions.push_back(v.toStdString());
        auto r = runHandlers(
            {{"writer", {{"writeVersion", writeVersion}}},
             {"reader",
              {{"readVersions", versions}, {"upcasting", upcasting}, {"writeVersion", readerWrites}}}},
            {{"w", {"writer", scriptOf(asks("account-1", {"OpenAccount", "Deposit:50"}))}},
             {"r", {"reader", scriptOf(asks("account-1", {"Withdraw:10", "?"}, 500))}}});
        QVERIFY(r);
        QCOMPARE(r->script("w").statuses(), QString("OK OK"));
        const CommandScript &c = r->script("r");
        QCOMPARE(c.statuses().section(' ', 0, 0), status);
        QCOMPARE(r->events(TraceKind::Upcast, "reader").size(), std::size_t(2 * upcasts));
        const auto drops = r->events(TraceKind::Drop, "reader");
        if (status == "OK") {
            QVERIFY(drops.empty());
            QCOMPARE(c.field(1, "balance"), std::string("40"));
            QCOMPARE(r->events(TraceKind::StreamAppend).size(), std::size_t(3));
            return;
        }
        // The deposit it cannot read: dropped as UnknownSchema, the command refused, nothing appended.
        QCOMPARE(drops.size(), std::size_t(2)); // the command's load and the query's
        QCOMPARE(drops[0].reason, DropReason::UnknownSchema);
        QCOMPARE(drops[0].offset, std::int64_t(1));
        QVERIFY2(c.reason(0).find("cannot read event Deposited v") != std::string::npos, c.reason(0).c_str());
        QCOMPARE(r->events(TraceKind::StreamAppend).size(), std::size_t(2));
    }

    // Crash points. after-load: the handler dies before deciding, nothing is appended and the
    // command is never answered. after-append: the deposit is stored but never answered. Either
    // way the restarted handler (its cache gone) serves the next command from the store.
    void crashPoints_data()
    {
        QTest::addColumn<QString>("point");
        QTest::addColumn<QString>("statuses");
        QTest::addColumn<QString>("balance");
        QTest::newRow("after-load") << "after-load"
                                    << "OK - OK"
                                    << "5";
        QTest::newRow("after-append") << "after-append"
                                      << "OK - OK"
                                      << "55";
    }

    void crashPoints()
    {
        QFETCH(QString, point);
        QFETCH(QString, statuses);
        QFETCH(QString, balance);
        auto r = runHandlers(
            {{"h", {{"cache", true}}}},
            {{"c",
              {"h", scriptOf(asks("account-1", {"OpenAccount", "Deposit:50", "Deposit:5", "?"}, 0, 1000))}}},
            {crashAt("h", point.toStdString(), 2, 500 * ms)});
        QVERIFY(r);
        const CommandScript &c = r->script("c");
        QCOMPARE(c.statuses(), statuses + " OK");
        QCOMPARE(QString::fromStdString(c.field(3, "balance")), balance);
        QCOMPARE(r->events(TraceKind::Crash, "h").size(), std::size_t(1));
        QCOMPARE(r->events(TraceKind::Restart, "h").size(), std::size_t(1));
        // After the restart nothing was cached: the next command's load reads the whole stream
        // again (the query after it finds it cached).
        const auto rebuilds = r->events(TraceKind::Rebuild, "h");
        QCOMPARE(rebuilds.size(), std::size_t(4));
        QCOMPARE(rebuilds[2].messageId, c.messageIds[2]);
        QCOMPARE(rebuilds[2].aux, rebuilds[2].offset + 1);
        QCOMPARE(rebuilds[3].aux, std::int64_t(0));
    }

    // With concurrency 1, commands wait their turn: both are answered, the second after the first.
    void concurrencyQueues()
    {
        const std::vector<Ask> a = {{0, "account-1", "OpenAccount"}, {0, "account-2", "OpenAccount"}};
        auto r = runHandlers({{"h", {{"decideTime", "10ms"}}}}, {{"c", {"h", scriptOf(a)}}});
        QVERIFY(r);
        const CommandScript &c = r->script("c");
        QCOMPARE(c.statuses(), QString("OK OK"));
        SimTime first = -1, second = -1;
        for (const auto &[t, f] : c.received)
            (f.tag == 1 ? first : second) = t;
        QVERIFY(second - first >= 10 * ms);
        QCOMPARE(r->sim->nodeStatus(r->index("h")).ready, std::uint64_t(0));
    }

    // Bad properties are refused by the schema, naming the node and the property.
    void badProperties_data()
    {
        QTest::addColumn<QString>("key");
        QTest::addColumn<QString>("value"); // JSON
        QTest::addColumn<QString>("message");
        QTest::newRow("negative snapshotEvery") << "snapshotEvery"
                                                << "-1"
                                                << "snapshotEvery";
        QTest::newRow("unknown model") << "model"
                                       << "\"bank\""
                                       << "bank-account";
        QTest::newRow("readVersions not a version") << "readVersions"
                                                    << "[\"2\", \"v1\"]"
                                                    << "entry 1: 'v1'";
        QTest::newRow("readVersions zero") << "readVersions"
                                           << "[\"0\"]"
                                           << "not a schema version";
        QTest::newRow("concurrency zero") << "concurrency"
                                          << "0"
                                          << "concurrency";
    }

    void badProperties()
    {
        QFETCH(QString, key);
        QFETCH(QString, value);
        QFETCH(QString, message);
        JsonError error;
        const auto v = parseJson(value.toStdString(), error);
        QVERIFY(v);
        TopologyBuilder b;
        b.node("es", "event-store").node("h", "command-handler", {{key.toStdString(), *v}});
        b.link("h", "es", Json::object(), "store", "clients");
        const auto diags = validateTopology(b.topology());
        QVERIFY(!diags.empty());
        const std::string text = diags.front().toString();
        QVERIFY2(text.find("\"h\"") != std::string::npos, text.c_str());
        QVERIFY2(text.find("properties." + key.toStdString()) != std::string::npos, text.c_str());
        QVERIFY2(text.find(message.toStdString()) != std::string::npos, text.c_str());
    }
};

QTEST_GUILESS_MAIN(TestCommandHandler)
#include "tst_commandhandler.moc"
