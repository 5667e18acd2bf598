// RabbitMQ's headers-exchange rule on its own: which messages a binding's arguments match under
// each x-match mode, why (explain), and which arguments RabbitMQ's validate_binding refuses.
#include "nodes/amqp/headersmatch.h"

#include <QtTest>

using namespace sb;

class TestHeadersBinding : public QObject {
    Q_OBJECT
private slots:
    void matches_data();
    void matches();
    void check_data();
    void check();
    void text_data();
    void text();
};

namespace {

Message messageWith(const Json &headers)
{
    Message m;
    for (auto it = headers.begin(); it != headers.end(); ++it)
        m.headers.push_back({it.key(), it.value().get<std::string>()});
    return m;
}

} // namespace

void TestHeadersBinding::matches_data()
{
    QTest::addColumn<QByteArray>("arguments");
    QTest::addColumn<QByteArray>("headers");
    QTest::addColumn<bool>("match");
    QTest::addColumn<QString>("reason"); // a part of explain()

    QTest::newRow("all: both equal") << QByteArray(R"({"a": "1", "b": "2"})")
                                     << QByteArray(R"({"a": "1", "b": "2"})") << true
                                     << "every header compared is equal";
    QTest::newRow("all: one differs")
        << QByteArray(R"({"a": "1", "b": "2"})") << QByteArray(R"({"a": "1", "b": "3"})") << false
        << "header 'b' is '3', not '2'";
    QTest::newRow("all: one missing") << QByteArray(R"({"a": "1", "b": "2"})") << QByteArray(R"({"a": "1"})")
                                      << false << "the message has no header 'b'";
    QTest::newRow("all: extra headers do not matter")
        << QByteArray(R"({"a": "1"})") << QByteArray(R"({"a": "1", "z": "9"})") << true << "every header";
    QTest::newRow("any: one equal") << QByteArray(R"({"x-match": "any", "a": "1", "b": "2"})")
                                    << QByteArray(R"({"b": "2"})") << true << "header 'b' is '2'";
    QTest::newRow("any: none equal") << QByteArray(R"({"x-match": "any", "a": "1"})")
                                     << QByteArray(R"({"a": "2"})") << false
                                     << "none of the headers compared is equal";
    QTest::newRow("null: presence") << QByteArray(R"({"a": null})") << QByteArray(R"({"a": ""})") << true
                                    << "every header";
    QTest::newRow("null: absent") << QByteArray(R"({"a": null})") << QByteArray(R"({})") << false
                                  << "no header 'a'";
    QTest::newRow("all with nothing to compare")
        << QByteArray(R"({"x-match": "all"})") << QByteArray(R"({})") << true << "matches every message";
    QTest::newRow("any with nothing to compare")
        << QByteArray(R"({"x-match": "any"})") << QByteArray(R"({"a": "1"})") << false
        << "matches no message";
    QTest::newRow("x- ignored by all")
        << QByteArray(R"({"x-id": "7"})") << QByteArray(R"({})") << true << "matches every message";
    QTest::newRow("x- compared by all-with-x") << QByteArray(R"({"x-match": "all-with-x", "x-id": "7"})")
                                               << QByteArray(R"({})") << false << "no header 'x-id'";
    QTest::newRow("x- compared by any-with-x") << QByteArray(R"({"x-match": "any-with-x", "x-id": "7"})")
                                               << QByteArray(R"({"x-id": "7"})") << true << "'x-id' is '7'";
    QTest::newRow("number by its text")
        << QByteArray(R"({"n": 42})") << QByteArray(R"({"n": "42"})") << true << "every header";
    QTest::newRow("non-ASCII values") << QByteArray(R"({"city": "Zürich"})")
                                      << QByteArray(R"({"city": "Zürich"})") << true << "every header";
}

void TestHeadersBinding::matches()
{
    QFETCH(QByteArray, arguments);
    QFETCH(QByteArray, headers);
    QFETCH(bool, match);
    QFETCH(QString, reason);
    const Json args = Json::parse(arguments.toStdString());
    QVERIFY(HeadersBinding::check(args).empty());
    const HeadersBinding b(args);
    const Message m = messageWith(Json::parse(headers.toStdString()));
    QCOMPARE(b.matches(m), match);
    const std::string why = b.explain(m);
    QVERIFY2(why.rfind(match ? "matches" : "no match", 0) == 0, why.c_str());
    QVERIFY2(why.find(reason.toStdString()) != std::string::npos, why.c_str());
}

void TestHeadersBinding::check_data()
{
    QTest::addColumn<QByteArray>("arguments");
    QTest::addColumn<QString>("where");
    QTest::addColumn<QString>("message"); // a part of the reason; empty: accepted

    QTest::newRow("no x-match") << QByteArray(R"({"a": "1"})") << ""
                                << "";
    QTest::newRow("each mode") << QByteArray(R"({"x-match": "any-with-x"})") << ""
                               << "";
    QTest::newRow("unknown mode")
        << QByteArray(R"({"x-match": "some"})") << "x-match"
        << "invalid x-match value 'some': expected all, any, all-with-x or any-with-x";
    QTest::newRow("mode not a string") << QByteArray(R"({"x-match": 1})") << "x-match"
                                       << "must be a string";
    QTest::newRow("object value")
        << QByteArray(R"({"a": {"b": 1}})") << "a"
        << "header 'a' must be compared with a string, a number, a boolean, or null";
    QTest::newRow("array value") << QByteArray(R"({"a": [1]})") << "a"
                                 << "header 'a' must be compared";
}

void TestHeadersBinding::check()
{
    QFETCH(QByteArray, arguments);
    QFETCH(QString, where);
    QFETCH(QString, message);
    std::string at;
    const std::string why = HeadersBinding::check(Json::parse(arguments.toStdString()), &at);
    QCOMPARE(QString::fromStdString(at), where);
    if (message.isEmpty())
        QVERIFY2(why.empty(), why.c_str());
    else
        QVERIFY2(why.find(message.toStdString()) != std::string::npos, why.c_str());
}

void TestHeadersBinding::text_data()
{
    QTest::addColumn<QString>("line");
    QTest::addColumn<QByteArray>("arguments"); // empty: refused
    QTest::addColumn<QString>("message");
    QTest::addColumn<QString>("canonical"); // toText() of the arguments

    QTest::newRow("pairs") << "x-match=any, format=zip, type=log"
                           << QByteArray(R"({"x-match": "any", "format": "zip", "type": "log"})") << ""
                           << "x-match=any, format=zip, type=log";
    QTest::newRow("spaces trimmed") << " a = 1 ,b=2 " << QByteArray(R"({"a": "1", "b": "2"})") << ""
                                    << "a=1, b=2";
    QTest::newRow("presence") << "urgent, a=" << QByteArray(R"({"urgent": null, "a": ""})") << ""
                              << "urgent, a=";
    QTest::newRow("empty line") << "" << QByteArray("{}") << ""
                                << "";
    QTest::newRow("missing name") << "a=1,=2" << QByteArray() << "column 5: a header name is missing"
                                  << "";
    QTest::newRow("trailing comma") << "a=1," << QByteArray() << "column 5: a header name is missing"
                                    << "";
    QTest::newRow("twice") << "a=1, a=2" << QByteArray() << "column 6: header 'a' is listed twice"
                           << "";
}

void TestHeadersBinding::text()
{
    QFETCH(QString, line);
    QFETCH(QByteArray, arguments);
    QFETCH(QString, message);
    QFETCH(QString, canonical);
    Json parsed;
    const std::string why = HeadersBinding::fromText(line.toStdString(), parsed);
    if (arguments.isEmpty()) {
        QVERIFY2(QString::fromStdString(why).startsWith(message), why.c_str());
        return;
    }
    QVERIFY2(why.empty(), why.c_str());
    QVERIFY2(parsed == Json::parse(arguments.toStdString()), parsed.dump().c_str());
    QCOMPARE(QString::fromStdString(HeadersBinding::toText(parsed)), canonical);
}

QTEST_APPLESS_MAIN(TestHeadersBinding)
#include "tst_headersbinding.moc"
