// The command-client kind: its models' command mixes against a real handler and store, reading
// its own writes back in each readAfterWrite mode (a stub read model stands for a projection: it
// claims a position, and holds queries that ask for a later one until it "catches up"), and
// its timeouts when the handler never answers.
#include "commandtest.h"

#include "topology.h"

#include <set>

using namespace sb;
using namespace sbtest;

namespace {

constexpr SimTime ms = kMillisecond;

// The commands and queries the client made (their contents), in order.
class MessageSink final : public TraceSink {
public:
    void onEvent(const TraceEvent &) override {}
    void onMessage(const Message &m) override { messages.push_back(m); }
    std::vector<Message> messages;
};

struct ClientRun {
    std::unique_ptr<CommandRun> run;
    MessageSink messages;
};

// c (command-client) -> h (command-handler) -> es; c's queries -> rm (the stub read model).
std::unique_ptr<ClientRun> runClient(Json client, Json handler = Json::object(),
                                     std::vector<FaultDef> faults = {})
{
    TopologyBuilder b;
    b.node("c", "command-client", std::move(client))
        .node("h", "command-handler", std::move(handler))
        .node("es", "event-store")
        .node("rm", "test-read-model");
    b.link("c", "h", {{"latency", "1ms"}}, "commands", "commands");
    b.link("c", "rm", {{"latency", "1ms"}}, "queries", "queries");
    b.link("h", "es", {{"latency", "1ms"}}, "store", "clients");
    Topology t = b.topology();
    t.faults = std::move(faults);
    auto out = std::make_unique<ClientRun>();
    out->run = std::make_unique<CommandRun>();
    std::string error;
    out->run->sim = Simulation::build(t, error, commandTestRegistry());
    if (!out->run->sim) {
        qWarning("build failed: %s", error.c_str());
        return nullptr;
    }
    out->run->sim->addSink(&out->run->trace);
    out->run->sim->addSink(&out->messages);
    RunOptions o;
    o.until = 600 * kSecond;
    out->run->sim->run(o);
    return out;
}

// The handler's answers to commands, by status name.
std::map<std::string, int> answers(const CommandRun &r)
{
    std::map<std::string, int> out;
    for (const auto &e : r.trace.events)
        if (e.kind == TraceKind::Send && e.frame == FrameType::Command && (e.flags & TraceFlag::Response) &&
            e.node == r.index("h"))
            ++out[commandStatusName(e.status)];
    return out;
}

} // namespace

class TestCommandClient : public QObject {
    Q_OBJECT
private slots:
    void init() { readModelTable() = {}; }

    // Read your own writes: `immediate` asks a read model that has applied nothing (position -1)
    // or part of the store (5) and gets stale answers; `wait` asks with minPosition and is held
    // until the read model has caught up; `write-side` asks the handler, which is never stale.
    void readAfterWrite_data()
    {
        QTest::addColumn<QString>("mode");
        QTest::addColumn<int>("readModelAt");
        QTest::addColumn<QString>("stale"); // none, all, some
        QTest::addColumn<bool>("readModelAsked");

        QTest::newRow("none") << "none" << -1 << "none" << false;
        QTest::newRow("immediate, read model behind") << "immediate" << -1 << "all" << true;
        QTest::newRow("immediate, read model part way") << "immediate" << 5 << "some" << true;
        QTest::newRow("wait") << "wait" << -1 << "none" << true;
        QTest::newRow("write-side") << "write-side" << -1 << "none" << false;
    }

    void readAfterWrite()
    {
        QFETCH(QString, mode);
        QFETCH(int, readModelAt);
        QFETCH(QString, stale);
        QFETCH(bool, readModelAsked);
        ReadModelTable &table = readModelTable();
        table.position = readModelAt;
        if (mode == "wait") {
            table.catchUpAt = 5 * kSecond;
            table.caughtUpPosition = 1000;
        }
        auto r = runClient({{"model", "counter"},
                            {"rate", 20},
                            {"count", 30},
                            {"aggregates", 3},
                            {"readAfterWrite", mode.toStdString()}},
                           {{"model", "counter"}});
        QVERIFY(r);
        const CommandRun &run = *r->run;
        QCOMPARE(answers(run)["OK"], 30);
        const auto queryAnswers = run.events(TraceKind::QueryAnswer, "c");
        QCOMPARE(queryAnswers.size(), std::size_t(mode == "none" ? 0 : 30));
        QCOMPARE(table.queries > 0, readModelAsked);
        std::set<std::int64_t> written;
        for (const auto &e : run.events(TraceKind::StreamAppend))
            written.insert(e.offset);
        std::size_t staleCount = 0;
        for (const auto &a : queryAnswers) {
            QVERIFY(written.count(a.aux)); // the client's own write: one the store appended
            QCOMPARE(bool(a.flags & TraceFlag::Stale), a.offset < a.aux);
            QCOMPARE(a.peer, run.index(mode == "write-side" ? "h" : "rm"));
            staleCount += (a.flags & TraceFlag::Stale) ? 1 : 0;
            if (mode == "wait") QVERIFY(a.time >= 5 * kSecond);
            if (mode == "write-side") QCOMPARE(a.offset, a.aux); // its own write is the latest
        }
        if (stale == "none") QCOMPARE(staleCount, std::size_t(0));
        if (stale == "all") QCOMPARE(staleCount, queryAnswers.size());
        if (stale == "some") QVERIFY(staleCount > 0 && staleCount < queryAnswers.size());
        if (mode == "wait") QCOMPARE(table.held, std::size_t(30));
    }

    // The mixes follow each model's lifecycle: one entity, commands far apart (each answered
    // before the next), so none is refused for being out of order.
    void mix_data()
    {
        QTest::addColumn<QString>("model");
        QTest::addColumn<QString>("first");     // the first commands, in order
        QTest::addColumn<QStringList>("names"); // every command name it may send
        QTest::newRow("bank-account") << "bank-account"
                                      << "OpenAccount" << QStringList{"OpenAccount", "Deposit", "Withdraw"};
        QTest::newRow("order") << "order"
                               << "PlaceOrder"
                               << QStringList{"PlaceOrder", "PayOrder", "ReserveStock", "ShipOrder",
                                              "CancelOrder"};
        QTest::newRow("counter") << "counter"
                                 << "" << QStringList{"Increment", "Decrement"};
    }

    void mix()
    {
        QFETCH(QString, model);
        QFETCH(QString, first);
        QFETCH(QStringList, names);
        auto r = runClient({{"model", model.toStdString()}, {"rate", 2}, {"count", 40}, {"aggregates", 1}},
                           {{"model", model.toStdString()}, {"overdraft", 1000000}});
        QVERIFY(r);
        auto a = answers(*r->run);
        QCOMPARE(a["OK"], 40);
        std::vector<std::string> commands;
        std::set<std::string> streams;
        for (const auto &m : r->messages.messages)
            if (m.producer == r->run->index("c")) {
                commands.push_back(m.routingKey);
                streams.insert(m.key);
                QVERIFY2(names.contains(QString::fromStdString(m.routingKey)), m.routingKey.c_str());
            }
        QCOMPARE(commands.size(), std::size_t(40));
        if (!first.isEmpty()) QCOMPARE(QString::fromStdString(commands.front()), first);
        const std::string category = model == "bank-account" ? "account" : model.toStdString();
        QVERIFY(streams.count(category + "-1"));
        if (model == "order") {
            // An order that ends (shipped or cancelled) makes room for the next one in its slot.
            QVERIFY(streams.size() > 1);
            QVERIFY(streams.count("order-2"));
        } else {
            QCOMPARE(streams.size(), std::size_t(1));
        }
    }

    // A handler that never answers (crashed after storing the events) or answers too late: the
    // client gives up after `timeout` and the run ends; a late answer is dropped as unknown.
    void timeouts_data()
    {
        QTest::addColumn<bool>("crash");
        QTest::addColumn<int>("timeouts");
        QTest::addColumn<int>("late");
        // The second command's events are stored, then the handler dies; the third meets it down.
        QTest::newRow("handler crashed after append") << true << 2 << 0;
        QTest::newRow("handler too slow") << false << 3 << 3;
    }

    void timeouts()
    {
        QFETCH(bool, crash);
        QFETCH(int, timeouts);
        QFETCH(int, late);
        std::vector<FaultDef> faults;
        Json handler = {{"model", "counter"}};
        if (crash) {
            FaultDef f;
            f.id = "crash";
            f.kind = "crash-at";
            f.target = "h";
            f.params = {{"point", "after-append"}, {"occurrence", 2}, {"downtime", "100s"}};
            faults.push_back(f);
        } else {
            handler["decideTime"] = "2s";
        }
        auto r =
            runClient({{"model", "counter"}, {"rate", 1}, {"count", 3}, {"timeout", "1s"}}, handler, faults);
        QVERIFY(r);
        const auto t = r->run->events(TraceKind::Timeout, "c");
        QCOMPARE(t.size(), std::size_t(timeouts));
        for (const auto &e : t)
            QCOMPARE(e.aux, std::int64_t(kSecond));
        std::size_t unknown = 0;
        for (const auto &e : r->run->events(TraceKind::Drop, "c"))
            unknown += e.reason == DropReason::UnknownCorrelation;
        QCOMPARE(unknown, std::size_t(late));
        QCOMPARE(r->run->sim->nodeStatus(r->run->index("c")).inFlight, std::uint64_t(0));
    }

    void badProperties_data()
    {
        QTest::addColumn<QString>("key");
        QTest::addColumn<QString>("value"); // JSON
        QTest::addColumn<QString>("message");
        QTest::newRow("unknown mode") << "readAfterWrite"
                                      << "\"sometimes\""
                                      << "write-side";
        QTest::newRow("no aggregates") << "aggregates"
                                       << "0"
                                       << "aggregates";
        QTest::newRow("script amount") << "script"
                                       << "[{\"command\": \"Deposit\", \"amount\": -5}]"
                                       << "entry 0: 'amount' must be a positive whole number";
        QTest::newRow("script expected version") << "script"
                                                 << "[{\"expectedVersion\": \"latest\"}]"
                                                 << "'expectedVersion' must be a revision";
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
        b.node("es", "event-store")
            .node("h", "command-handler")
            .node("c", "command-client", {{key.toStdString(), *v}});
        b.link("h", "es", Json::object(), "store", "clients");
        b.link("c", "h", Json::object(), "commands", "commands");
        const auto diags = validateTopology(b.topology());
        QVERIFY(!diags.empty());
        const std::string text = diags.front().toString();
        QVERIFY2(text.find("\"c\"") != std::string::npos, text.c_str());
        QVERIFY2(text.find("properties." + key.toStdString()) != std::string::npos, text.c_str());
        QVERIFY2(text.find(message.toStdString()) != std::string::npos, text.c_str());
    }

    // A client of one model linked to a handler of another: refused at the link.
    void modelMismatch()
    {
        TopologyBuilder b;
        b.node("es", "event-store")
            .node("h", "command-handler")
            .node("c", "command-client", {{"model", "order"}});
        b.link("h", "es", Json::object(), "store", "clients");
        b.link("c", "h", Json::object(), "commands", "commands");
        const auto diags = validateTopology(b.topology());
        QCOMPARE(diags.size(), std::size_t(1));
        const std::string text = diags.front().toString();
        QVERIFY2(text.find("$.links[1]") != std::string::npos, text.c_str());
        QVERIFY2(
            text.find("command-client \"c\" -> command-handler \"h\": the client sends order commands but "
                      "its handler decides bank-account") != std::string::npos,
            text.c_str());
    }

    // A script names the entity, the command, its amount and its expected version.
    void script()
    {
        const Json script =
            Json::array({{{"at", 0}, {"key", "account-7"}, {"command", "OpenAccount"}},
                         {{"at", 100}, {"key", "account-7"}, {"command", "Deposit"}, {"amount", 30}},
                         {{"at", 200},
                          {"key", "account-7"},
                          {"command", "Withdraw"},
                          {"amount", 5},
                          {"expectedVersion", 0}}});
        auto r = runClient({{"script", script}, {"readAfterWrite", "write-side"}});
        QVERIFY(r);
        auto a = answers(*r->run);
        QCOMPARE(a["OK"], 2);
        QCOMPARE(a["CONFLICT"], 1);
        QCOMPARE(r->run->events(TraceKind::QueryAnswer, "c").size(), std::size_t(2));
        std::vector<Message> commands;
        for (const auto &m : r->messages.messages)
            if (m.producer == r->run->index("c") && !m.routingKey.starts_with("Get")) commands.push_back(m);
        QCOMPARE(commands.size(), std::size_t(3));
        QCOMPARE(commands[1].key, std::string("account-7"));
        QCOMPARE(commands[1].routingKey, std::string("Deposit"));
        QCOMPARE(*commands[1].header("amount"), std::string("30"));
    }
};

QTEST_GUILESS_MAIN(TestCommandClient)
#include "tst_commandclient.moc"
