// The projection kind: a read model built from an event store's subscription, answering queries as
// far as it has caught up. A scripted writer appends bank-account events to a real event-store; a
// scripted client queries the projection.
#include "estest.h"

using namespace sb;
using namespace sbtest;
using namespace estest;

namespace {

MessageRef bankEvent(const std::string &stream, const std::string &type, std::uint32_t version = 2,
                     std::int64_t amount = 0)
{
    auto m = std::make_shared<Message>();
    m->id = g_nextId++;
    m->key = stream;
    m->routingKey = type;
    m->size = 100;
    m->headers.push_back({"schema", std::to_string(version)});
    if (amount)
        m->headers.push_back(version >= 2 ? Header{"amountCents", std::to_string(amount * 100)}
                                          : Header{"amount", std::to_string(amount)});
    return m;
}

Action query(SimTime at, std::uint64_t tag, const std::string &entity, std::int64_t minPosition = -1)
{
    auto m = std::make_shared<Message>();
    m->id = 1'000'000 + tag;
    m->key = entity;
    m->routingKey = "GetAccount";
    auto body = std::make_shared<cmd::QueryBody>();
    body->minPosition = minPosition;
    Action a;
    a.at = at;
    a.frame.type = FrameType::Query;
    a.frame.tag = tag;
    a.frame.message = m;
    a.frame.body = std::move(body);
    return a;
}

struct ProjectionRun {
    std::unique_ptr<Simulation> sim;
    RecordingSink trace;
    std::vector<TraceEvent> events(TraceKind k) const
    {
        std::vector<TraceEvent> out;
        for (const auto &e : trace.events)
            if (e.kind == k) out.push_back(e);
        return out;
    }
};

// A store "es", a writer "w" (appends), a projection "p" with `props`, a querying client "q".
std::unique_ptr<ProjectionRun> runProjection(Json props, Script writer, Script queries,
                                             std::vector<FaultDef> faults = {}, SimTime until = 60 * s)
{
    scripts().clear();
    scripts()["w"] = std::make_shared<Script>(std::move(writer));
    scripts()["q"] = std::make_shared<Script>(std::move(queries));
    TopologyBuilder b;
    b.node("es", "event-store").node("w", "test-es-client").node("p", "projection", std::move(props));
    b.node("q", "test-es-client");
    b.link("w", "es", {{"latency", "1ms"}}, "out", "clients");
    b.link("p", "es", {{"latency", "1ms"}}, "store", "clients");
    b.link("q", "p", {{"latency", "1ms"}}, "cmd", "queries");
    Topology t = b.topology();
    t.faults = std::move(faults);
    for (const auto &d : validateTopology(t, testRegistry()))
        if (d.severity == Diagnostic::Severity::Error) qWarning("%s", d.toString().c_str());
    auto r = std::make_unique<ProjectionRun>();
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

const cmd::QueryResult *answer(std::uint64_t tag)
{
    const Frame *f = client("q").response(tag, FrameType::Query);
    return f ? f->as<cmd::QueryResult>() : nullptr;
}
std::string field(const cmd::QueryResult *r, const std::string &name)
{
    if (r)
        for (const auto &h : r->fields)
            if (h.name == name) return h.value;
    return "<none>";
}

// account-1: opened, +100, -30 (positions 0..2); account-2: opened, +5 (positions 3..4).
Script bankWriter(std::uint32_t version = 2, SimTime at = 0)
{
    Script w;
    w.actions.push_back(
        append(at, 1, "account-1", es::kNoStream,
               {bankEvent("account-1", "AccountOpened", 1), bankEvent("account-1", "Deposited", version, 100),
                bankEvent("account-1", "Withdrawn", version, 30)}));
    w.actions.push_back(append(
        at + 5 * ms, 2, "account-2", es::kNoStream,
        {bankEvent("account-2", "AccountOpened", 1), bankEvent("account-2", "Deposited", version, 5)}));
    return w;
}

FaultDef storeCrash(SimTime start, SimTime duration)
{
    FaultDef f;
    f.id = "crash";
    f.kind = "crash";
    f.target = "es";
    f.start = start;
    f.duration = duration;
    return f;
}

} // namespace

class TestProjection : public QObject {
    Q_OBJECT

private slots:
    void buildsTheReadModel_data();
    void buildsTheReadModel();
    void lagsByWhatIsQueued();
    void staleAnswerThenWaitForPosition();
    void waitingQueryTimesOut();
    void schemaVersions_data();
    void schemaVersions();
    void storeCrashNeitherRepeatsNorSkips();
    void storeCrashWhileApplying();
    void passesOverOtherTypesOnAll();
    void validation_data();
    void validation();
    void warnsWhenNothingWritesItsStream();
};

void TestProjection::buildsTheReadModel_data()
{
    QTest::addColumn<QString>("subscription");
    QTest::newRow("catch-up") << "catch-up";
    QTest::newRow("persistent") << "persistent";
}

void TestProjection::buildsTheReadModel()
{
    QFETCH(QString, subscription);
    Script q;
    q.actions.push_back(query(1 * s, 1, "account-1"));
    q.actions.push_back(query(1 * s, 2, "account-2"));
    q.actions.push_back(query(1 * s, 3, "account-9"));
    auto r = runProjection({{"subscription", subscription.toStdString()}}, bankWriter(), std::move(q));
    QVERIFY(r);
    QCOMPARE(field(answer(1), "balance"), std::string("70"));
    QCOMPARE(field(answer(1), "status"), std::string("open"));
    QCOMPARE(field(answer(2), "balance"), std::string("5"));
    QCOMPARE(answer(1)->position, std::int64_t(4));
    QVERIFY(!answer(3)->found);
    QCOMPARE(int(client("q").response(3, FrameType::Query)->status), int(CommandStatus::NotFound));
    QCOMPARE(r->events(TraceKind::Project).size(), std::size_t(5));
}

void TestProjection::lagsByWhatIsQueued()
{
    // Five events reach a projection that takes 10 ms each: each Project says how many wait behind.
    auto r = runProjection({{"processingTime", "10ms"}}, bankWriter(), {});
    QVERIFY(r);
    std::vector<std::int64_t> behind;
    for (const auto &e : r->events(TraceKind::Project))
        behind.push_back(e.aux);
    // The first append's three events come together; the second's two arrive 5 ms later, while
    // the first is being applied.
    QCOMPARE(behind, std::vector<std::int64_t>({4, 3, 2, 1, 0}));
}

void TestProjection::staleAnswerThenWaitForPosition()
{
    // Right after the writes the model has applied nothing; asked to wait for position 4, the
    // answer comes once it has.
    Script q;
    q.actions.push_back(query(8 * ms, 1, "account-1"));
    q.actions.push_back(query(8 * ms, 2, "account-1", 4));
    auto r = runProjection({{"processingTime", "10ms"}}, bankWriter(), std::move(q));
    QVERIFY(r);
    QVERIFY(answer(1)->position < 2);
    QCOMPARE(field(answer(2), "balance"), std::string("70"));
    QCOMPARE(answer(2)->position, std::int64_t(4));
    const SimTime lastApplied = r->events(TraceKind::Project).back().time;
    QVERIFY(client("q").responseTime(2, FrameType::Query) >= lastApplied);
}

void TestProjection::waitingQueryTimesOut()
{
    Script q;
    q.actions.push_back(query(0, 1, "account-1", 100));
    auto r = runProjection({{"queryTimeout", "50ms"}}, bankWriter(), std::move(q));
    QVERIFY(r);
    QCOMPARE(int(client("q").response(1, FrameType::Query)->status), int(CommandStatus::TimedOut));
}

void TestProjection::schemaVersions_data()
{
    QTest::addColumn<int>("written");          // the version Deposited/Withdrawn are written at
    QTest::addColumn<QStringList>("versions"); // readVersions
    QTest::addColumn<bool>("upcasting");
    QTest::addColumn<QString>("onUnreadable");
    QTest::addColumn<int>("applied");
    QTest::addColumn<int>("upcasts");
    QTest::addColumn<int>("unreadable");
    QTest::addColumn<QString>("balance"); // account-1's

    QTest::newRow("v2 read by a v2 reader") << 2 << QStringList() << true << "stop" << 5 << 0 << 0 << "70";
    QTest::newRow("v1 upcast for a v2 reader")
        << 1 << QStringList({"2"}) << true << "stop" << 5 << 3 << 0 << "70";
    QTest::newRow("v1 without upcasting: stops at the first")
        << 1 << QStringList({"2"}) << false << "stop" << 1 << 0 << 1 << "0";
    QTest::newRow("v2 for a v1-only reader: parks them")
        << 2 << QStringList({"1"}) << true << "park" << 2 << 0 << 3 << "0";
    QTest::newRow("a reader of both reads both")
        << 1 << QStringList({"1", "2"}) << false << "stop" << 5 << 0 << 0 << "70";
}

void TestProjection::schemaVersions()
{
    QFETCH(int, written);
    QFETCH(QStringList, versions);
    Json list = Json::array();
    for (const auto &v : versions)
        list.push_back(v.toStdString());
    QFETCH(bool, upcasting);
    QFETCH(QString, onUnreadable);
    QFETCH(int, applied);
    QFETCH(int, upcasts);
    QFETCH(int, unreadable);
    QFETCH(QString, balance);
    Script q;
    q.actions.push_back(query(1 * s, 1, "account-1"));
    auto r = runProjection(
        {{"readVersions", list}, {"upcasting", upcasting}, {"onUnreadable", onUnreadable.toStdString()}},
        bankWriter(std::uint32_t(written)), std::move(q));
    QVERIFY(r);
    QCOMPARE(int(r->events(TraceKind::Project).size()), applied);
    QCOMPARE(int(r->events(TraceKind::Upcast).size()), upcasts);
    int unknown = 0;
    for (const auto &e : r->trace.events)
        unknown +=
            (e.kind == TraceKind::Drop || e.kind == TraceKind::Park) && e.reason == DropReason::UnknownSchema;
    QCOMPARE(unknown, unreadable);
    QCOMPARE(field(answer(1), "balance"), balance.toStdString());
}

void TestProjection::storeCrashNeitherRepeatsNorSkips()
{
    // The store crashes after the first append; the projection resubscribes from its position when
    // it is back and applies the second append's events once.
    Script w = bankWriter();
    w.actions[1].at = 3 * s;
    Script q;
    q.actions.push_back(query(5 * s, 1, "account-1"));
    q.actions.push_back(query(5 * s, 2, "account-2"));
    auto r = runProjection({}, std::move(w), std::move(q), {storeCrash(1 * s, 1 * s)});
    QVERIFY(r);
    QCOMPARE(r->events(TraceKind::Project).size(), std::size_t(5));
    QCOMPARE(field(answer(1), "balance"), std::string("70"));
    QCOMPARE(field(answer(2), "balance"), std::string("5"));
}

void TestProjection::storeCrashWhileApplying()
{
    // The store goes down while the projection is in the middle of applying an event: what it had
    // queued is dropped with the connection, and when the store is back it subscribes again from
    // its position, applying each event once.
    auto r = runProjection({{"processingTime", "100ms"}}, bankWriter(), {}, {storeCrash(150 * ms, 20 * ms)});
    QVERIFY(r);
    std::vector<std::int64_t> applied;
    for (const auto &e : r->events(TraceKind::Project))
        applied.push_back(e.offset);
    QCOMPARE(applied, std::vector<std::int64_t>({0, 1, 2, 3, 4}));
}

void TestProjection::passesOverOtherTypesOnAll()
{
    // On $all it meets another model's events and a handler's snapshots: it passes over them (they
    // are no events of its model), neither stopping nor counting them unreadable.
    Script w = bankWriter();
    w.actions.push_back(append(20 * ms, 3, "order-1", es::kAny, {bankEvent("order-1", "OrderPlaced", 1)}));
    w.actions.push_back(
        append(25 * ms, 4, "snapshot-account-1", es::kAny, {bankEvent("snapshot-account-1", "Snapshot", 1)}));
    w.actions.push_back(
        append(30 * ms, 5, "account-1", es::kAny, {bankEvent("account-1", "Deposited", 2, 1)}));
    Script q;
    q.actions.push_back(query(1 * s, 1, "account-1"));
    auto r = runProjection({{"stream", "$all"}}, std::move(w), std::move(q));
    QVERIFY(r);
    QCOMPARE(r->events(TraceKind::Project).size(), std::size_t(6));
    QCOMPARE(r->events(TraceKind::Drop).size(), std::size_t(0));
    QCOMPARE(field(answer(1), "balance"), std::string("71"));
    QCOMPARE(answer(1)->position, std::int64_t(7));
}

void TestProjection::validation_data()
{
    QTest::addColumn<QString>("key");
    QTest::addColumn<QString>("value"); // JSON
    QTest::addColumn<QString>("message");
    QTest::newRow("versions not numbers")
        << "readVersions"
        << R"(["v1"])"
        << "$.nodes[0].properties.readVersions: node \"p\" (projection): property 'readVersions': entry 0: "
           "'v1' is not a schema version (a whole number from 1, such as \"1\" or \"2\")";
    QTest::newRow("version 0")
        << "readVersions"
        << R"(["1", "0"])"
        << "$.nodes[0].properties.readVersions: node \"p\" (projection): property 'readVersions': entry 1: "
           "'0' is not a schema version (a whole number from 1, such as \"1\" or \"2\")";
    QTest::newRow("a $ stream it cannot read")
        << "stream"
        << R"("$streams")"
        << "$.nodes[0].properties.stream: node \"p\" (projection): stream: "
           "\"$streams\" is no stream it can read: use \"$all\", "
           "\"$ce-<category>\" or a stream's name";
}

void TestProjection::validation()
{
    QFETCH(QString, key);
    QFETCH(QString, value);
    QFETCH(QString, message);
    TopologyBuilder b;
    b.node("p", "projection", {{key.toStdString(), Json::parse(value.toStdString())}})
        .node("es", "event-store");
    b.link("p", "es", {}, "store", "clients");
    QStringList errors;
    for (const auto &d : validateTopology(b.topology()))
        if (d.severity == Diagnostic::Severity::Error)
            errors << QString::fromStdString(d.path + ": " + d.message);
    QCOMPARE(errors, QStringList({message}));
}

void TestProjection::warnsWhenNothingWritesItsStream()
{
    auto warnings = [](const Topology &t) {
        QStringList out;
        for (const auto &d : validateTopology(t, testRegistry()))
            if (d.severity == Diagnostic::Severity::Warning)
                out << QString::fromStdString(d.path + ": " + d.message);
        return out;
    };
    TopologyBuilder b;
    b.node("p", "projection", {{"model", "order"}}).node("es", "event-store");
    b.link("p", "es", {}, "store", "clients");
    QCOMPARE(warnings(b.topology()),
             QStringList(
                 {"$.nodes[0].properties.model: node \"p\" (projection) reads $ce-order, but nothing linked "
                  "to event store \"es\" writes order streams (nothing writes to it)"}));
    // A writer that says nothing of its streams may write any.
    b.node("w", "test-es-client");
    b.link("w", "es", {}, "out", "clients");
    QCOMPARE(warnings(b.topology()), QStringList());
}

QTEST_GUILESS_MAIN(TestProjection)
#include "tst_projection.moc"
