// The event-store kind against esprotocol.h: scripted clients send exactly the requests each rule
// needs (appends under expected versions, reads, subscriptions, acks and nacks) and record what
// comes back; crashes come from the fault plan.
#include "estest.h"

using namespace sb;
using namespace sbtest;

namespace {

using namespace estest;

struct StoreRun {
    std::unique_ptr<Simulation> sim;
    RecordingSink trace;
    std::size_t count(TraceKind k) const { return trace.count(k); }
};

// A store "es" with `props` and the clients of `clients` (ids), each on its own 1 ms link.
std::unique_ptr<StoreRun> runStore(Json props, std::map<std::string, Script> clients,
                                   std::vector<FaultDef> faults = {}, SimTime until = 600 * s)
{
    scripts().clear();
    TopologyBuilder b;
    b.node("es", "event-store", std::move(props));
    for (auto &[id, script] : clients) {
        scripts()[id] = std::make_shared<Script>(std::move(script));
        b.node(id, "test-es-client");
        b.link(id, "es", {{"latency", "1ms"}}, "out", "clients");
    }
    Topology t = b.topology();
    t.faults = std::move(faults);
    for (const auto &d : validateTopology(t, testRegistry()))
        if (d.severity == Diagnostic::Severity::Error) qWarning("%s", d.toString().c_str());
    auto r = std::make_unique<StoreRun>();
    std::string error;
    r->sim = Simulation::build(t, error, testRegistry());
    if (!r->sim) {
        qWarning("build failed: %s", error.c_str());
        return nullptr;
    }
    r->sim->addSink(&r->trace);
    RunOptions o;
    o.until = until;
    r->sim->run(o);
    return r;
}

const es::AppendResponse *appended(const Script &sc, std::uint64_t tag)
{
    const Frame *f = sc.response(tag, FrameType::AppendToStream);
    return f ? f->as<es::AppendResponse>() : nullptr;
}
const es::ReadResponse *readBack(const Script &sc, std::uint64_t tag)
{
    const Frame *f = sc.response(tag, FrameType::ReadStream);
    return f ? f->as<es::ReadResponse>() : nullptr;
}
std::vector<std::int64_t> positions(const es::ReadResponse *r)
{
    std::vector<std::int64_t> out;
    if (r)
        for (const auto &e : r->events)
            out.push_back(e.position);
    return out;
}

FaultDef crash(SimTime start, SimTime duration, const std::string &disk = "kept")
{
    FaultDef f;
    f.id = "crash";
    f.kind = "crash";
    f.target = "es";
    f.start = start;
    f.duration = duration;
    f.params = {{"disk", disk}};
    return f;
}

} // namespace

using Positions = std::vector<std::int64_t>;
Q_DECLARE_METATYPE(Positions)

class TestEventStore : public QObject {
    Q_OBJECT

private slots:
    void expectedVersion_data();
    void expectedVersion();
    void retriedAppendIsIdempotent();
    void positionsAcrossStreams();
    void temporalRead();
    void readBackwardsAndMissingStream();
    void oneWriterAtATime();
    void catchUpSubscription_data();
    void catchUpSubscription();
    void persistentGroupSharesEvents();
    void persistentRetryAndPark_data();
    void persistentRetryAndPark();
    void crashKeepsEventsUnlessDiskLost_data();
    void crashKeepsEventsUnlessDiskLost();
    void persistentRedeliversAfterCrash();
    void retention();
};

void TestEventStore::expectedVersion_data()
{
    QTest::addColumn<int>("existing"); // events already in the stream
    QTest::addColumn<qint64>("expected");
    QTest::addColumn<int>("status");
    QTest::addColumn<qint64>("revision"); // after, or the actual one on a conflict

    const int ok = EsError::None, wrong = EsError::WrongExpectedVersion;
    QTest::newRow("any, no stream") << 0 << qint64(es::kAny) << ok << qint64(0);
    QTest::newRow("any, stream at 1") << 2 << qint64(es::kAny) << ok << qint64(2);
    QTest::newRow("no_stream, none") << 0 << qint64(es::kNoStream) << ok << qint64(0);
    QTest::newRow("no_stream, stream at 0") << 1 << qint64(es::kNoStream) << wrong << qint64(0);
    QTest::newRow("stream_exists, none") << 0 << qint64(es::kStreamExists) << wrong << qint64(-1);
    QTest::newRow("stream_exists, stream at 0") << 1 << qint64(es::kStreamExists) << ok << qint64(1);
    QTest::newRow("exact 1, stream at 1") << 2 << qint64(1) << ok << qint64(2);
    QTest::newRow("exact 0, stream at 1 (stale)") << 2 << qint64(0) << wrong << qint64(1);
    QTest::newRow("exact 3, stream at 1 (ahead)") << 2 << qint64(3) << wrong << qint64(1);
    QTest::newRow("exact 0, no stream") << 0 << qint64(0) << wrong << qint64(-1);
}

void TestEventStore::expectedVersion()
{
    QFETCH(int, existing);
    QFETCH(qint64, expected);
    QFETCH(int, status);
    QFETCH(qint64, revision);
    Script c;
    for (int i = 0; i < existing; ++i)
        c.actions.push_back(append(i * ms, 100 + i, "account-1", es::kAny, {ev("account-1")}));
    c.actions.push_back(append(50 * ms, 1, "account-1", expected, {ev("account-1")}));
    auto r = runStore({}, {{"c", std::move(c)}});
    QVERIFY(r);
    const Frame *f = client().response(1, FrameType::AppendToStream);
    QVERIFY(f);
    QCOMPARE(int(f->status), status);
    QCOMPARE(appended(client(), 1)->revision, revision);
    QCOMPARE(r->count(TraceKind::Conflict), std::size_t(status == EsError::WrongExpectedVersion));
    QCOMPARE(r->count(TraceKind::StreamAppend), std::size_t(existing + (status == EsError::None)));
    if (status != EsError::None) {
        for (const auto &e : r->trace.events)
            if (e.kind == TraceKind::Conflict) {
                QCOMPARE(e.offset, expected);
                QCOMPARE(e.aux, revision);
            }
    }
}

void TestEventStore::retriedAppendIsIdempotent()
{
    // The same events (by id) sent again under the same expected version: success, written once.
    Script c;
    const auto a = ev("order-1", "OrderPlaced"), b = ev("order-1", "OrderPaid");
    c.actions.push_back(append(0, 1, "order-1", es::kNoStream, {a, b}));
    c.actions.push_back(append(10 * ms, 2, "order-1", es::kNoStream, {a, b}));
    c.actions.push_back(append(20 * ms, 3, "order-1", es::kAny, {a, b}));
    auto r = runStore({}, {{"c", std::move(c)}});
    QVERIFY(r);
    for (std::uint64_t tag : {1, 2, 3}) {
        QCOMPARE(int(client().response(tag, FrameType::AppendToStream)->status), int(EsError::None));
        QCOMPARE(appended(client(), tag)->revision, std::int64_t(1));
    }
    QCOMPARE(r->count(TraceKind::StreamAppend), std::size_t(2));
    QCOMPARE(r->count(TraceKind::Conflict), std::size_t(0));
}

void TestEventStore::positionsAcrossStreams()
{
    Script c;
    c.actions.push_back(append(0, 1, "account-1", es::kAny, {ev("account-1")}));
    c.actions.push_back(append(5 * ms, 2, "order-1", es::kAny, {ev("order-1")}));
    c.actions.push_back(append(10 * ms, 3, "account-2", es::kAny, {ev("account-2"), ev("account-2")}));
    c.actions.push_back(read(50 * ms, 4, "$all"));
    c.actions.push_back(read(50 * ms, 5, "$ce-account"));
    c.actions.push_back(read(50 * ms, 6, "account-2"));
    c.actions.push_back(read(50 * ms, 7, "$all", 2));
    auto r = runStore({}, {{"c", std::move(c)}});
    QVERIFY(r);
    QCOMPARE(appended(client(), 3)->position, std::int64_t(3));
    QCOMPARE(positions(readBack(client(), 4)), Positions({0, 1, 2, 3}));
    QCOMPARE(positions(readBack(client(), 5)), Positions({0, 2, 3}));
    QCOMPARE(positions(readBack(client(), 6)), Positions({2, 3}));
    QCOMPARE(readBack(client(), 6)->lastRevision, std::int64_t(1));
    QCOMPARE(readBack(client(), 6)->events[1].revision, std::int64_t(1));
    QCOMPARE(positions(readBack(client(), 7)), Positions({2, 3}));
}

void TestEventStore::temporalRead()
{
    // The stream as it was at 25 ms: the events recorded by then.
    Script c;
    for (int i = 0; i < 4; ++i)
        c.actions.push_back(append(i * 10 * ms, 1 + i, "account-1", es::kAny, {ev("account-1")}));
    c.actions.push_back(read(100 * ms, 10, "account-1", 0, 0, 25 * ms));
    c.actions.push_back(read(100 * ms, 11, "account-1", 0, 0, kNever));
    c.actions.push_back(read(100 * ms, 12, "account-1", 0, 0, 0));
    auto r = runStore({}, {{"c", std::move(c)}});
    QVERIFY(r);
    // Appends arrive 1 ms after they are sent and take 1 ms to write: recorded at 2, 12, 22, 32 ms.
    QCOMPARE(positions(readBack(client(), 10)), Positions({0, 1, 2}));
    QCOMPARE(positions(readBack(client(), 11)).size(), std::size_t(4));
    QCOMPARE(positions(readBack(client(), 12)), Positions());
    QCOMPARE(readBack(client(), 10)->events[2].recorded, 22 * ms);
}

void TestEventStore::readBackwardsAndMissingStream()
{
    Script c;
    c.actions.push_back(append(0, 1, "snapshot-account-1", es::kAny, {ev("snapshot-account-1", "Snapshot")}));
    c.actions.push_back(
        append(5 * ms, 2, "snapshot-account-1", es::kAny, {ev("snapshot-account-1", "Snapshot")}));
    c.actions.push_back(read(20 * ms, 3, "snapshot-account-1", 0, 1, kNever, true));
    c.actions.push_back(read(20 * ms, 4, "account-9"));
    auto r = runStore({}, {{"c", std::move(c)}});
    QVERIFY(r);
    QCOMPARE(positions(readBack(client(), 3)), Positions({1}));
    QCOMPARE(int(client().response(4, FrameType::ReadStream)->status), int(EsError::StreamNotFound));
    QCOMPARE(readBack(client(), 4)->lastRevision, std::int64_t(-1));
}

void TestEventStore::oneWriterAtATime()
{
    // Three appends arriving together are written one after the other, appendTime apart.
    Script c;
    for (int i = 0; i < 3; ++i)
        c.actions.push_back(
            append(0, 1 + i, "s-" + std::to_string(i), es::kAny, {ev("s-" + std::to_string(i))}));
    auto r = runStore({{"appendTime", "5ms"}}, {{"c", std::move(c)}});
    QVERIFY(r);
    // Sent at 0, arrive at 1 ms; written at 6, 11, 16 ms; answers arrive 1 ms later.
    QCOMPARE(client().responseTime(1, FrameType::AppendToStream), 7 * ms);
    QCOMPARE(client().responseTime(2, FrameType::AppendToStream), 12 * ms);
    QCOMPARE(client().responseTime(3, FrameType::AppendToStream), 17 * ms);
}

void TestEventStore::catchUpSubscription_data()
{
    QTest::addColumn<QString>("stream");
    QTest::addColumn<qint64>("from");
    QTest::addColumn<Positions>("expected"); // positions pushed: catch-up, then live
    QTest::addColumn<int>("caughtUpAt");

    // Existing: account-1 at positions 0, 2; order-1 at 1. Live after subscribing: account-1 at 3.
    QTest::newRow("$all from start") << "$all" << qint64(es::kFromStart) << Positions({0, 1, 2, 3}) << 3;
    QTest::newRow("$all after position 1") << "$all" << qint64(1) << Positions({2, 3}) << 1;
    QTest::newRow("$all live only") << "$all" << qint64(es::kFromEnd) << Positions({3}) << 0;
    QTest::newRow("one stream from start")
        << "account-1" << qint64(es::kFromStart) << Positions({0, 2, 3}) << 2;
    QTest::newRow("one stream after revision 0") << "account-1" << qint64(0) << Positions({2, 3}) << 1;
    QTest::newRow("a category") << "$ce-order" << qint64(es::kFromStart) << Positions({1}) << 1;
}

void TestEventStore::catchUpSubscription()
{
    QFETCH(QString, stream);
    QFETCH(qint64, from);
    QFETCH(Positions, expected);
    QFETCH(int, caughtUpAt);
    Script w, sub;
    w.actions.push_back(append(0, 1, "account-1", es::kAny, {ev("account-1")}));
    w.actions.push_back(append(2 * ms, 2, "order-1", es::kAny, {ev("order-1")}));
    w.actions.push_back(append(4 * ms, 3, "account-1", es::kAny, {ev("account-1")}));
    w.actions.push_back(append(100 * ms, 4, "account-1", es::kAny, {ev("account-1")}));
    sub.actions.push_back(subscribe(50 * ms, 1, stream.toStdString(), from));
    auto r = runStore({}, {{"w", std::move(w)}, {"sub", std::move(sub)}});
    QVERIFY(r);
    QVERIFY(client("sub").response(1, FrameType::SubscribeToStream));
    QCOMPARE(client("sub").appeared(), expected);
    QCOMPARE(client("sub").caughtUpAt(), caughtUpAt);
}

void TestEventStore::persistentGroupSharesEvents()
{
    // Two consumers of one group share the stream's events round robin; each is delivered once.
    Script w, c1, c2;
    for (int i = 0; i < 6; ++i)
        w.actions.push_back(append(100 * ms + i * ms, 1 + i, "order-" + std::to_string(i), es::kAny,
                                   {ev("order-" + std::to_string(i))}));
    c1.actions.push_back(subscribe(0, 1, "$ce-order", es::kFromStart, "billing"));
    c2.actions.push_back(subscribe(10 * ms, 1, "$ce-order", es::kFromStart, "billing"));
    c1.ack = c2.ack = true;
    auto r = runStore({}, {{"w", std::move(w)}, {"c1", std::move(c1)}, {"c2", std::move(c2)}});
    QVERIFY(r);
    auto a = client("c1").appeared(), b = client("c2").appeared();
    QCOMPARE(a.size(), std::size_t(3));
    QCOMPARE(b.size(), std::size_t(3));
    std::vector<std::int64_t> all = a;
    all.insert(all.end(), b.begin(), b.end());
    std::sort(all.begin(), all.end());
    QCOMPARE(all, Positions({0, 1, 2, 3, 4, 5}));
    QCOMPARE(r->count(TraceKind::Park), std::size_t(0));
    QCOMPARE(r->count(TraceKind::Timeout), std::size_t(0));
}

void TestEventStore::persistentRetryAndPark_data()
{
    QTest::addColumn<int>("mode"); // 0 never settles, 1 nacks retry, 2 nacks park, 3 nacks skip
    QTest::addColumn<int>("deliveries");
    QTest::addColumn<int>("parked");
    QTest::addColumn<int>("timeouts");

    // maxRetryCount 2: a first delivery and two retries, then parked.
    QTest::newRow("no ack: retried after the timeout, then parked") << 0 << 3 << 1 << 3;
    QTest::newRow("nack retry: retried at once, then parked") << 1 << 3 << 1 << 0;
    QTest::newRow("nack park: parked at once") << 2 << 1 << 1 << 0;
    QTest::newRow("nack skip: gone, not parked") << 3 << 1 << 0 << 0;
}

void TestEventStore::persistentRetryAndPark()
{
    QFETCH(int, mode);
    QFETCH(int, deliveries);
    QFETCH(int, parked);
    QFETCH(int, timeouts);
    Script w, c;
    w.actions.push_back(append(0, 1, "order-1", es::kAny, {ev("order-1")}));
    es::PersistentSettings settings;
    settings.maxRetryCount = 2;
    settings.messageTimeout = 1 * s;
    c.actions.push_back(subscribe(10 * ms, 1, "order-1", es::kFromStart, "g", settings));
    if (mode == 1) c.settle = es::NackAction::Retry;
    if (mode == 2) c.settle = es::NackAction::Park;
    if (mode == 3) c.settle = es::NackAction::Skip;
    auto r = runStore({}, {{"w", std::move(w)}, {"c", std::move(c)}});
    QVERIFY(r);
    QCOMPARE(int(client("c").appeared().size()), deliveries);
    QCOMPARE(int(r->count(TraceKind::Park)), parked);
    QCOMPARE(int(r->count(TraceKind::Timeout)), timeouts);
    for (const auto &e : r->trace.events)
        if (e.kind == TraceKind::Park) QCOMPARE(int(e.reason), int(DropReason::Parked));
}

void TestEventStore::crashKeepsEventsUnlessDiskLost_data()
{
    QTest::addColumn<QString>("disk");
    QTest::addColumn<int>("events");
    QTest::newRow("disk kept") << "kept" << 2;
    QTest::newRow("disk lost") << "lost" << 0;
}

void TestEventStore::crashKeepsEventsUnlessDiskLost()
{
    QFETCH(QString, disk);
    QFETCH(int, events);
    Script c;
    c.actions.push_back(append(0, 1, "account-1", es::kAny, {ev("account-1"), ev("account-1")}));
    c.actions.push_back(read(2 * s, 2, "account-1"));
    auto r = runStore({}, {{"c", std::move(c)}}, {crash(1 * s, 500 * ms, disk.toStdString())});
    QVERIFY(r);
    QCOMPARE(int(positions(readBack(client(), 2)).size()), events);
}

void TestEventStore::persistentRedeliversAfterCrash()
{
    // The consumer never acks; the store crashes with the event in flight and the consumer
    // subscribes again after the restart: the event comes again (its checkpoint is below it).
    Script w, c;
    w.actions.push_back(append(0, 1, "order-1", es::kAny, {ev("order-1")}));
    c.actions.push_back(subscribe(10 * ms, 1, "order-1", es::kFromStart, "g"));
    c.actions.push_back(subscribe(3 * s, 2, "order-1", es::kFromStart, "g"));
    auto r = runStore({}, {{"w", std::move(w)}, {"c", std::move(c)}}, {crash(1 * s, 1 * s)}, 10 * s);
    QVERIFY(r);
    QCOMPARE(client("c").appeared(), Positions({0, 0}));
}

void TestEventStore::retention()
{
    Script c;
    for (int i = 0; i < 5; ++i)
        c.actions.push_back(append(i * ms, 1 + i, "account-1", es::kAny, {ev("account-1")}));
    c.actions.push_back(
        append(0, 10, "snapshot-account-1", es::kAny, {ev("snapshot-account-1", "Snapshot")}));
    c.actions.push_back(
        append(1 * ms, 11, "snapshot-account-1", es::kAny, {ev("snapshot-account-1", "Snapshot")}));
    c.actions.push_back(
        append(2 * ms, 12, "snapshot-account-1", es::kAny, {ev("snapshot-account-1", "Snapshot")}));
    c.actions.push_back(read(100 * ms, 20, "account-1"));
    c.actions.push_back(read(100 * ms, 21, "snapshot-account-1"));
    const std::uint64_t firstId = c.actions[0].frame.message->id;
    auto r = runStore({{"maxCount", 2}}, {{"c", std::move(c)}});
    QVERIFY(r);
    const auto *kept = readBack(client(), 20);
    QCOMPARE(kept->events.size(), std::size_t(2));
    QCOMPARE(kept->events.front().revision, std::int64_t(3));
    QCOMPARE(readBack(client(), 21)->events.size(), std::size_t(3)); // snapshots are not cut
    QCOMPARE(r->sim->nodeStatus(0).ready, std::uint64_t(5));         // 2 events and 3 snapshots held
    QCOMPARE(r->count(TraceKind::Retention), std::size_t(3));
    // Each names the stream it cut by the first event it removed.
    for (const auto &e : r->trace.events)
        if (e.kind == TraceKind::Retention) {
            QCOMPARE(e.messageId, firstId);
            break;
        }

    // maxAge: events older than 1 s are no longer read, and are scavenged.
    Script d;
    d.actions.push_back(append(0, 1, "account-1", es::kAny, {ev("account-1")}));
    d.actions.push_back(append(1500 * ms, 2, "account-1", es::kAny, {ev("account-1")}));
    d.actions.push_back(read(1600 * ms, 3, "account-1"));
    auto aged = runStore({{"maxAge", "1s"}}, {{"c", std::move(d)}}, {}, 5 * s);
    QVERIFY(aged);
    QCOMPARE(positions(readBack(client(), 3)), Positions({1}));
    QVERIFY(aged->count(TraceKind::Retention) >= 1);
}

QTEST_GUILESS_MAIN(TestEventStore)
#include "tst_eventstore.moc"
