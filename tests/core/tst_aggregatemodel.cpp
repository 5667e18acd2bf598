// The built-in aggregate models (core/nodes/eventsourcing/aggregatemodel.h): each rule of
// bank-account, order and counter as a row (a history of commands, then one more: accepted with
// the state it leads to, or refused with the reason), the schema version new events are written
// at, and EventReader's reads of every (stored version, readable versions, upcasting) case.
#include "nodes/eventsourcing/aggregatemodel.h"
#include "nodes/eventsourcing/esprotocol.h"

#include <QTest>

using namespace sb;
using namespace sb::es;

namespace {

// "Deposit:50" -> a command message on stream `key`.
Message command(const QString &text, const std::string &key = "account-1")
{
    Message m;
    const auto parts = text.split(':');
    m.routingKey = parts[0].toStdString();
    m.key = key;
    if (parts.size() > 1) m.headers.push_back({"amount", parts[1].toStdString()});
    return m;
}

// Decides and applies each command in turn, as a handler does; a refusal in the history fails.
AggregateState replay(const AggregateModel &model, const QStringList &history, const ModelOptions &o)
{
    AggregateState s;
    for (const auto &c : history) {
        const Decision d = model.decide(s, command(c), o);
        if (!d.rejected.empty()) {
            QTest::qFail(
                qPrintable("history command " + c + " was refused: " + QString::fromStdString(d.rejected)),
                __FILE__, __LINE__);
            return s;
        }
        for (const auto &ne : d.events) {
            Message e;
            e.routingKey = ne.type;
            e.headers = ne.data;
            model.apply(s, e);
            ++s.revision;
        }
    }
    return s;
}

// "status=open,balance=50"
QString stateText(const AggregateState &s)
{
    QStringList parts;
    for (const auto &f : s.fields)
        parts << QString::fromStdString(f.name + "=" + f.value);
    return parts.join(',');
}

MessageRef storedEvent(const std::string &type, std::uint32_t version, std::vector<Header> data)
{
    auto m = std::make_shared<Message>();
    m->id = 7;
    m->key = "account-1";
    m->routingKey = type;
    m->headers.push_back({std::string(kSchemaHeader), std::to_string(version)});
    m->headers.insert(m->headers.end(), data.begin(), data.end());
    return m;
}

} // namespace

class TestAggregateModel : public QObject {
    Q_OBJECT
private slots:
    void models()
    {
        QCOMPARE(aggregateModelNames(), (std::vector<std::string>{"bank-account", "order", "counter"}));
        for (const auto &name : aggregateModelNames()) {
            const AggregateModel *m = aggregateModel(name);
            QVERIFY(m);
            QCOMPARE(std::string(m->name()), name);
            QVERIFY(!m->commandNames().empty());
            for (const auto &type : m->eventTypes())
                QVERIFY(m->currentVersion(type) >= 1);
        }
        QVERIFY(!aggregateModel("bank"));
        QCOMPARE(std::string(aggregateModel("bank-account")->category()), std::string("account"));
        QCOMPARE(aggregateModel("bank-account")->currentVersion("Deposited"), 2u);
        QCOMPARE(aggregateModel("bank-account")->currentVersion("AccountOpened"), 1u);
    }

    void decide_data()
    {
        QTest::addColumn<QString>("model");
        QTest::addColumn<QStringList>("history");
        QTest::addColumn<QString>("command");
        QTest::addColumn<int>("overdraft");
        QTest::addColumn<QString>("rejected"); // a part of the reason; empty: accepted
        QTest::addColumn<QString>("state");    // after the command (unchanged when refused)

        const QString bank = "bank-account";
        QTest::newRow("open") << bank << QStringList{} << "OpenAccount" << 0 << ""
                              << "status=open,balance=0";
        QTest::newRow("open twice") << bank << QStringList{"OpenAccount"} << "OpenAccount" << 0
                                    << "already opened"
                                    << "status=open,balance=0";
        QTest::newRow("deposit before open") << bank << QStringList{} << "Deposit:50" << 0 << "not opened"
                                             << "";
        QTest::newRow("deposit") << bank << QStringList{"OpenAccount"} << "Deposit:50" << 0 << ""
                                 << "status=open,balance=50";
        QTest::newRow("deposit zero")
            << bank << QStringList{"OpenAccount"} << "Deposit:0" << 0 << "positive whole 'amount'"
            << "status=open,balance=0";
        QTest::newRow("deposit not a number") << bank << QStringList{"OpenAccount"} << "Deposit:ten" << 0
                                              << "positive whole 'amount' up to 1000000000000000, got 'ten'"
                                              << "status=open,balance=0";
        QTest::newRow("withdraw within balance")
            << bank << QStringList{"OpenAccount", "Deposit:50"} << "Withdraw:30" << 0 << ""
            << "status=open,balance=20";
        QTest::newRow("deposit beyond the largest amount")
            << bank << QStringList{"OpenAccount"} << "Deposit:1000000000000001" << 0
            << "up to 1000000000000000, got '1000000000000001'"
            << "status=open,balance=0";
        QTest::newRow("withdraw all")
            << bank << QStringList{"OpenAccount", "Deposit:50"} << "Withdraw:50" << 0 << ""
            << "status=open,balance=0";
        QTest::newRow("withdraw beyond balance")
            << bank << QStringList{"OpenAccount", "Deposit:50"} << "Withdraw:51" << 0
            << "insufficient funds: balance 50, withdrawal 51, overdraft 0"
            << "status=open,balance=50";
        QTest::newRow("withdraw into overdraft")
            << bank << QStringList{"OpenAccount", "Deposit:50"} << "Withdraw:80" << 30 << ""
            << "status=open,balance=-30";
        QTest::newRow("withdraw beyond overdraft")
            << bank << QStringList{"OpenAccount", "Deposit:50"} << "Withdraw:81" << 30 << "insufficient funds"
            << "status=open,balance=50";
        QTest::newRow("withdraw before open") << bank << QStringList{} << "Withdraw:1" << 100 << "not opened"
                                              << "";
        QTest::newRow("close at zero")
            << bank << QStringList{"OpenAccount", "Deposit:5", "Withdraw:5"} << "CloseAccount" << 0 << ""
            << "status=closed,balance=0";
        QTest::newRow("close with money left")
            << bank << QStringList{"OpenAccount", "Deposit:5"} << "CloseAccount" << 0
            << "has balance 5: CloseAccount needs balance 0"
            << "status=open,balance=5";
        QTest::newRow("close in debt")
            << bank << QStringList{"OpenAccount", "Withdraw:5"} << "CloseAccount" << 10 << "has balance -5"
            << "status=open,balance=-5";
        QTest::newRow("deposit after close")
            << bank << QStringList{"OpenAccount", "CloseAccount"} << "Deposit:5" << 0 << "is closed"
            << "status=closed,balance=0";
        QTest::newRow("reopen") << bank << QStringList{"OpenAccount", "CloseAccount"} << "OpenAccount" << 0
                                << "already opened (it is closed)"
                                << "status=closed,balance=0";
        QTest::newRow("unknown command") << bank << QStringList{"OpenAccount"} << "Transfer:5" << 0
                                         << "unknown command 'Transfer' for model bank-account (known: "
                                            "OpenAccount, Deposit, Withdraw, CloseAccount)"
                                         << "status=open,balance=0";

        const QString order = "order";
        QTest::newRow("place") << order << QStringList{} << "PlaceOrder:70" << 0 << ""
                               << "status=placed,amount=70";
        QTest::newRow("place twice") << order << QStringList{"PlaceOrder"} << "PlaceOrder" << 0
                                     << "already placed"
                                     << "status=placed,amount=0";
        QTest::newRow("pay") << order << QStringList{"PlaceOrder"} << "PayOrder" << 0 << ""
                             << "status=paid,amount=0";
        QTest::newRow("pay unplaced")
            << order << QStringList{} << "PayOrder" << 0 << "is not placed: PayOrder needs it placed"
            << "";
        QTest::newRow("reserve") << order << QStringList{"PlaceOrder", "PayOrder"} << "ReserveStock" << 0
                                 << ""
                                 << "status=reserved,amount=0";
        QTest::newRow("reserve unpaid") << order << QStringList{"PlaceOrder"} << "ReserveStock" << 0
                                        << "is placed: ReserveStock needs it paid"
                                        << "status=placed,amount=0";
        QTest::newRow("ship") << order << QStringList{"PlaceOrder", "PayOrder", "ReserveStock"} << "ShipOrder"
                              << 0 << ""
                              << "status=shipped,amount=0";
        QTest::newRow("ship unreserved") << order << QStringList{"PlaceOrder", "PayOrder"} << "ShipOrder" << 0
                                         << "ShipOrder needs it reserved"
                                         << "status=paid,amount=0";
        QTest::newRow("pay twice") << order << QStringList{"PlaceOrder", "PayOrder"} << "PayOrder" << 0
                                   << "is paid: PayOrder needs it placed"
                                   << "status=paid,amount=0";
        QTest::newRow("cancel placed") << order << QStringList{"PlaceOrder"} << "CancelOrder" << 0 << ""
                                       << "status=cancelled,amount=0";
        QTest::newRow("cancel paid") << order << QStringList{"PlaceOrder", "PayOrder"} << "CancelOrder" << 0
                                     << ""
                                     << "status=cancelled,amount=0";
        QTest::newRow("cancel reserved")
            << order << QStringList{"PlaceOrder", "PayOrder", "ReserveStock"} << "CancelOrder" << 0 << ""
            << "status=cancelled,amount=0";
        QTest::newRow("cancel shipped")
            << order << QStringList{"PlaceOrder", "PayOrder", "ReserveStock", "ShipOrder"} << "CancelOrder"
            << 0 << "is shipped: CancelOrder needs it placed, paid or reserved"
            << "status=shipped,amount=0";
        QTest::newRow("cancel twice")
            << order << QStringList{"PlaceOrder", "CancelOrder"} << "CancelOrder" << 0 << "is cancelled"
            << "status=cancelled,amount=0";
        QTest::newRow("pay cancelled") << order << QStringList{"PlaceOrder", "CancelOrder"} << "PayOrder" << 0
                                       << "is cancelled: PayOrder needs it placed"
                                       << "status=cancelled,amount=0";

        const QString counter = "counter";
        QTest::newRow("increment") << counter << QStringList{} << "Increment" << 0 << ""
                                   << "value=1";
        QTest::newRow("increment by") << counter << QStringList{"Increment"} << "Increment:5" << 0 << ""
                                      << "value=6";
        QTest::newRow("increment by zero")
            << counter << QStringList{"Increment:2"} << "Increment:0" << 0 << "positive whole 'amount'"
            << "value=2";
        QTest::newRow("decrement below zero")
            << counter << QStringList{"Increment:2"} << "Decrement:3" << 0 << ""
            << "value=-1";
        QTest::newRow("counter unknown")
            << counter << QStringList{} << "Reset" << 0 << "unknown command 'Reset'"
            << "";
    }

    void decide()
    {
        QFETCH(QString, model);
        QFETCH(QStringList, history);
        QFETCH(QString, command);
        QFETCH(int, overdraft);
        QFETCH(QString, rejected);
        QFETCH(QString, state);
        const AggregateModel *m = aggregateModel(model.toStdString());
        QVERIFY(m);
        ModelOptions o;
        o.overdraft = overdraft;
        AggregateState s = replay(*m, history, o);
        const std::int64_t revision = s.revision;
        QCOMPARE(revision, std::int64_t(history.size()) - 1);
        const Decision d = m->decide(s, ::command(command), o);
        if (rejected.isEmpty()) {
            QVERIFY2(d.rejected.empty(), d.rejected.c_str());
            QCOMPARE(d.events.size(), std::size_t(1));
            Message e;
            e.routingKey = d.events[0].type;
            e.headers = d.events[0].data;
            // Every new event says its schema version, the current one by default.
            QCOMPARE(schemaVersion(e), m->currentVersion(e.routingKey));
            QVERIFY(e.header(kSchemaHeader));
            m->apply(s, e);
        } else {
            QVERIFY(d.events.empty());
            QVERIFY2(QString::fromStdString(d.rejected).contains(rejected), d.rejected.c_str());
        }
        QCOMPARE(stateText(s), state);
    }

    // writeVersion: an old writer writes Deposited v1 {amount}; the default writes v2 {amountCents};
    // a type that never changed is written at its only version whatever is asked.
    void writeVersion_data()
    {
        QTest::addColumn<int>("writeVersion");
        QTest::addColumn<QString>("command");
        QTest::addColumn<QString>("type");
        QTest::addColumn<QString>("data");
        QTest::newRow("current") << 0 << "Deposit:50"
                                 << "Deposited"
                                 << "schema=2,amountCents=5000";
        QTest::newRow("v2") << 2 << "Withdraw:5"
                            << "Withdrawn"
                            << "schema=2,amountCents=500";
        QTest::newRow("v1") << 1 << "Deposit:50"
                            << "Deposited"
                            << "schema=1,amount=50";
        QTest::newRow("v1 withdraw") << 1 << "Withdraw:5"
                                     << "Withdrawn"
                                     << "schema=1,amount=5";
        QTest::newRow("above current") << 9 << "Deposit:1"
                                       << "Deposited"
                                       << "schema=2,amountCents=100";
        QTest::newRow("unchanged type") << 1 << "CloseAccount"
                                        << "AccountClosed"
                                        << "schema=1";
    }

    void writeVersion()
    {
        QFETCH(int, writeVersion);
        QFETCH(QString, command);
        QFETCH(QString, type);
        QFETCH(QString, data);
        const AggregateModel &m = *aggregateModel("bank-account");
        ModelOptions o;
        o.writeVersion = static_cast<std::uint32_t>(writeVersion);
        o.overdraft = 100;
        AggregateState s = replay(m, {"OpenAccount"}, o);
        const Decision d = m.decide(s, ::command(command), o);
        QVERIFY2(d.rejected.empty(), d.rejected.c_str());
        QCOMPARE(QString::fromStdString(d.events.at(0).type), type);
        AggregateState shown;
        shown.fields = d.events[0].data;
        QCOMPARE(stateText(shown), data);
    }

    // Whatever version an event was written at, applying it (natively or upcast) moves the balance
    // by the same amount.
    void applyEitherVersion()
    {
        const AggregateModel &m = *aggregateModel("bank-account");
        AggregateState s;
        m.apply(s, *storedEvent("AccountOpened", 1, {}));
        m.apply(s, *storedEvent("Deposited", 1, {{"amount", "30"}}));
        m.apply(s, *storedEvent("Deposited", 2, {{"amountCents", "4500"}}));
        m.apply(s, *storedEvent("Withdrawn", 1, {{"amount", "10"}}));
        m.apply(s, *storedEvent("Withdrawn", 2, {{"amountCents", "500"}}));
        QCOMPARE(s.integer("balance"), std::int64_t(60));
    }

    void read_data()
    {
        QTest::addColumn<QString>("type");
        QTest::addColumn<int>("stored");
        QTest::addColumn<QList<int>>("readable");
        QTest::addColumn<bool>("upcasting");
        QTest::addColumn<bool>("read");
        QTest::addColumn<int>("to");
        QTest::addColumn<int>("balance"); // after OpenAccount and the event (read ones only)

        QTest::newRow("current, default reader")
            << "Deposited" << 2 << QList<int>{} << false << true << 2 << 50;
        QTest::newRow("v1, default reader, no upcasting")
            << "Deposited" << 1 << QList<int>{} << false << false << 1 << 0;
        QTest::newRow("v1, default reader, upcasting")
            << "Deposited" << 1 << QList<int>{} << true << true << 2 << 50;
        QTest::newRow("v1, reads v1") << "Deposited" << 1 << QList<int>{1} << false << true << 1 << 50;
        QTest::newRow("v1, reads v1 and v2: no upcast needed")
            << "Deposited" << 1 << QList<int>{1, 2} << true << true << 1 << 50;
        QTest::newRow("v2, old reader of v1 only")
            << "Deposited" << 2 << QList<int>{1} << true << false << 2 << 0;
        QTest::newRow("v1, reads v2 only, upcasting")
            << "Withdrawn" << 1 << QList<int>{2} << true << true << 2 << -50;
        QTest::newRow("v1, reads v2 only, no upcasting")
            << "Withdrawn" << 1 << QList<int>{2} << false << false << 1 << 0;
        QTest::newRow("v3 from a newer writer")
            << "Deposited" << 3 << QList<int>{} << true << false << 3 << 0;
        QTest::newRow("unchanged type") << "AccountClosed" << 1 << QList<int>{} << false << true << 1 << 0;
        QTest::newRow("unchanged type, reads v2: its only version 1 is its newest")
            << "AccountClosed" << 1 << QList<int>{2} << false << true << 1 << 0;
        QTest::newRow("type the model does not know")
            << "Transferred" << 1 << QList<int>{} << true << false << 1 << 0;
    }

    void read()
    {
        QFETCH(QString, type);
        QFETCH(int, stored);
        QFETCH(QList<int>, readable);
        QFETCH(bool, upcasting);
        QFETCH(bool, read);
        QFETCH(int, to);
        QFETCH(int, balance);
        const AggregateModel &m = *aggregateModel("bank-account");
        std::vector<std::uint32_t> versions;
        for (int v : readable)
            versions.push_back(static_cast<std::uint32_t>(v));
        const EventReader reader(m, versions, upcasting);
        const MessageRef event = storedEvent(type.toStdString(), static_cast<std::uint32_t>(stored),
                                             stored >= 2 ? std::vector<Header>{{"amountCents", "5000"}}
                                                         : std::vector<Header>{{"amount", "50"}});
        const EventReader::Result r = reader.read(event);
        QCOMPARE(bool(r.event), read);
        QCOMPARE(r.from, std::uint32_t(stored));
        QCOMPARE(r.to, std::uint32_t(to));
        if (!read) return;
        QCOMPARE(schemaVersion(*r.event), std::uint32_t(to));
        QCOMPARE(r.event->id, event->id); // an upcast is the same event, read differently
        QCOMPARE(r.event->key, event->key);
        if (r.from == r.to) QCOMPARE(r.event.get(), event.get());
        AggregateState s;
        m.apply(s, *storedEvent("AccountOpened", 1, {}));
        m.apply(s, *r.event);
        QCOMPARE(s.integer("balance"), std::int64_t(balance));
    }

    void upcaster()
    {
        const AggregateModel &m = *aggregateModel("bank-account");
        const MessageRef up = m.upcast(*storedEvent("Deposited", 1, {{"amount", "12"}, {"note", "salary"}}));
        QVERIFY(up);
        QCOMPARE(schemaVersion(*up), 2u);
        QVERIFY(!up->header("amount"));
        QCOMPARE(*up->header("amountCents"), std::string("1200"));
        QCOMPARE(*up->header("note"), std::string("salary")); // other data is carried over
        QVERIFY(!m.upcast(*up));                              // nothing above the current version
        QVERIFY(!m.upcast(*storedEvent("AccountOpened", 1, {})));
        QVERIFY(!aggregateModel("order")->upcast(*storedEvent("OrderPlaced", 1, {})));
    }

    void versionList_data()
    {
        QTest::addColumn<QString>("list"); // JSON
        QTest::addColumn<QList<int>>("versions");
        QTest::addColumn<QString>("problem"); // part of the property check's reason; empty: fine
        QTest::newRow("empty") << "[]" << QList<int>{} << "";
        QTest::newRow("one") << R"(["2"])" << QList<int>{2} << "";
        QTest::newRow("two") << R"(["1", "2"])" << QList<int>{1, 2} << "";
        QTest::newRow("zero") << R"(["0", "1"])" << QList<int>{1} << "entry 0: '0' is not a schema version";
        QTest::newRow("a word") << R"(["1", "v2"])" << QList<int>{1}
                                << "entry 1: 'v2' is not a schema version";
        QTest::newRow("too big") << R"(["1001"])" << QList<int>{} << "'1001'";
        QTest::newRow("wraps a 32-bit number") << R"(["4294967297"])" << QList<int>{} << "'4294967297'";
        QTest::newRow("negative") << R"(["-1"])" << QList<int>{} << "'-1'";
    }

    void versionList()
    {
        QFETCH(QString, list);
        QFETCH(QList<int>, versions);
        QFETCH(QString, problem);
        std::vector<std::uint32_t> expected;
        for (int v : versions)
            expected.push_back(static_cast<std::uint32_t>(v));
        const PropertySpec spec = readVersionsProperty("reader");
        const std::vector<PropertySpec> specs = {spec};
        const Json values = {{"readVersions", Json::parse(list.toStdString())}};
        QCOMPARE(readVersions(PropertyBag(specs, values)), expected);
        const std::string why = spec.check(values["readVersions"]);
        QCOMPARE(why.empty(), problem.isEmpty());
        QVERIFY2(QString::fromStdString(why).contains(problem), why.c_str());
    }

    void stateFields()
    {
        AggregateState s;
        QVERIFY(!s.field("balance"));
        QCOMPARE(s.integer("balance", -7), std::int64_t(-7));
        s.set("balance", std::int64_t{5});
        s.set("status", std::string("open"));
        s.set("balance", std::int64_t{-3}); // replaces in place: the order stays stable
        QCOMPARE(stateText(s), QString("balance=-3,status=open"));
        QCOMPARE(s.integer("status", 9), std::int64_t(9)); // not a number
    }
};

QTEST_GUILESS_MAIN(TestAggregateModel)
#include "tst_aggregatemodel.moc"
