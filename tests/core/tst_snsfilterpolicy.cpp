// Amazon SNS filter policies: each operator on the examples of the SNS developer guide (exact
// strings and numbers, prefix, suffix, equals-ignore-case, anything-but, numeric ranges, exists,
// $or, String.Array attributes, the MessageBody scope with nesting), and the policies SNS refuses
// with where and why.
#include "pubsub/snsfilterpolicy.h"

#include <QtTest>

using namespace sb;

class TestSnsFilterPolicy : public QObject {
    Q_OBJECT
private slots:
    void matches_data();
    void matches();
    void refused_data();
    void refused();
    void messageAsAttributesAndBody();
    void combinationsCounted();
};

void TestSnsFilterPolicy::matches_data()
{
    QTest::addColumn<QByteArray>("policy");
    QTest::addColumn<QByteArray>("message"); // attributes (or the body, for "body:" rows)
    QTest::addColumn<bool>("match");

    const QByteArray interests = R"({"customer_interests": ["rugby", "tennis"]})";
    QTest::newRow("exact string") << interests << QByteArray(R"({"customer_interests": "rugby"})") << true;
    QTest::newRow("exact string, other value")
        << interests << QByteArray(R"({"customer_interests": "baseball"})") << false;
    QTest::newRow("exact string is case-sensitive")
        << interests << QByteArray(R"({"customer_interests": "Rugby"})") << false;
    QTest::newRow("String.Array, one element matches")
        << interests << QByteArray(R"({"customer_interests": ["baseball", "tennis"]})") << true;
    QTest::newRow("String.Array, none matches")
        << interests << QByteArray(R"({"customer_interests": ["golf"]})") << false;
    QTest::newRow("missing attribute") << interests << QByteArray(R"({"store": "example_corp"})") << false;
    QTest::newRow("exact number") << QByteArray(R"({"price_usd": [301]})")
                                  << QByteArray(R"({"price_usd": 301})") << true;
    QTest::newRow("exact number, five decimals")
        << QByteArray(R"({"price_usd": [301.5]})") << QByteArray(R"({"price_usd": 301.500001})") << true;
    QTest::newRow("a number is not its string")
        << QByteArray(R"({"price_usd": [301]})") << QByteArray(R"({"price_usd": "301"})") << false;
    QTest::newRow("prefix") << QByteArray(R"({"customer_interests": [{"prefix": "bas"}]})")
                            << QByteArray(R"({"customer_interests": "baseball"})") << true;
    QTest::newRow("prefix, no") << QByteArray(R"({"customer_interests": [{"prefix": "bas"}]})")
                                << QByteArray(R"({"customer_interests": "rugby"})") << false;
    QTest::newRow("suffix") << QByteArray(R"({"customer_interests": [{"suffix": "ball"}]})")
                            << QByteArray(R"({"customer_interests": "baseball"})") << true;
    QTest::newRow("equals-ignore-case")
        << QByteArray(R"({"customer_interests": [{"equals-ignore-case": "TENNIS"}]})")
        << QByteArray(R"({"customer_interests": "Tennis"})") << true;
    const QByteArray anythingBut = R"({"customer_interests": [{"anything-but": ["rugby", "tennis"]}]})";
    QTest::newRow("anything-but") << anythingBut << QByteArray(R"({"customer_interests": "baseball"})")
                                  << true;
    QTest::newRow("anything-but, excluded")
        << anythingBut << QByteArray(R"({"customer_interests": "rugby"})") << false;
    QTest::newRow("anything-but, array with one not excluded")
        << anythingBut << QByteArray(R"({"customer_interests": ["rugby", "baseball"]})") << true;
    QTest::newRow("anything-but, array all excluded")
        << anythingBut << QByteArray(R"({"customer_interests": ["rugby", "tennis"]})") << false;
    QTest::newRow("anything-but needs the key") << anythingBut << QByteArray(R"({"store": "x"})") << false;
    QTest::newRow("anything-but or exists false")
        << QByteArray(R"({"customer_interests": [{"anything-but": "rugby"}, {"exists": false}]})")
        << QByteArray(R"({"store": "x"})") << true;
    QTest::newRow("anything-but number") << QByteArray(R"({"price_usd": [{"anything-but": [100, 200]}]})")
                                         << QByteArray(R"({"price_usd": 150})") << true;
    QTest::newRow("anything-but prefix")
        << QByteArray(R"({"event": [{"anything-but": {"prefix": "order-"}}]})")
        << QByteArray(R"({"event": "order-created"})") << false;
    const QByteArray range = R"({"price_usd": [{"numeric": [">", 0, "<=", 150]}]})";
    QTest::newRow("numeric range inside") << range << QByteArray(R"({"price_usd": 150})") << true;
    QTest::newRow("numeric range low end excluded") << range << QByteArray(R"({"price_usd": 0})") << false;
    QTest::newRow("numeric range above") << range << QByteArray(R"({"price_usd": 150.5})") << false;
    QTest::newRow("numeric on a string") << range << QByteArray(R"({"price_usd": "100"})") << false;
    QTest::newRow("numeric =") << QByteArray(R"({"price_usd": [{"numeric": ["=", 301.5]}]})")
                               << QByteArray(R"({"price_usd": 301.5})") << true;
    QTest::newRow("numeric <") << QByteArray(R"({"price_usd": [{"numeric": ["<", 0]}]})")
                               << QByteArray(R"({"price_usd": -1})") << true;
    QTest::newRow("exists true") << QByteArray(R"({"store": [{"exists": true}]})")
                                 << QByteArray(R"({"store": "fans"})") << true;
    QTest::newRow("exists true, empty value")
        << QByteArray(R"({"store": [{"exists": true}]})") << QByteArray(R"({"store": ""})") << false;
    QTest::newRow("exists false") << QByteArray(R"({"store": [{"exists": false}]})")
                                  << QByteArray(R"({"customer_interests": "rugby"})") << true;
    QTest::newRow("exists false, present")
        << QByteArray(R"({"store": [{"exists": false}]})") << QByteArray(R"({"store": "fans"})") << false;
    // SNS: exists false matches only a message with at least one attribute.
    QTest::newRow("exists false, no attributes")
        << QByteArray(R"({"store": [{"exists": false}]})") << QByteArray("{}") << false;
    const QByteArray both = R"({"store": ["example_corp"], "price_usd": [{"numeric": [">", 100]}]})";
    QTest::newRow("keys AND: both hold")
        << both << QByteArray(R"({"store": "example_corp", "price_usd": 150})") << true;
    QTest::newRow("keys AND: one fails")
        << both << QByteArray(R"({"store": "example_corp", "price_usd": 50})") << false;
    const QByteArray orPolicy =
        R"({"source": ["aws.cloudwatch"], "$or": [{"metricName": ["CPUUtilization"]}, {"namespace": ["AWS/EC2"]}]})";
    QTest::newRow("$or: first alternative")
        << orPolicy << QByteArray(R"({"source": "aws.cloudwatch", "metricName": "CPUUtilization"})") << true;
    QTest::newRow("$or: second alternative")
        << orPolicy << QByteArray(R"({"source": "aws.cloudwatch", "namespace": "AWS/EC2"})") << true;
    QTest::newRow("$or: neither") << orPolicy
                                  << QByteArray(R"({"source": "aws.cloudwatch", "namespace": "x"})") << false;
    QTest::newRow("$or: outer key fails")
        << orPolicy << QByteArray(R"({"source": "other", "metricName": "CPUUtilization"})") << false;
    QTest::newRow("body: nested")
        << QByteArray(R"({"order": {"status": ["paid"], "total": [{"numeric": [">", 10]}]}})")
        << QByteArray(R"({"order": {"status": "paid", "total": 12}})") << true;
    QTest::newRow("body: nested, missing object")
        << QByteArray(R"({"order": {"status": ["paid"]}})") << QByteArray(R"({"status": "paid"})") << false;
    QTest::newRow("body: null") << QByteArray(R"({"coupon": [null]})") << QByteArray(R"({"coupon": null})")
                                << true;
    QTest::newRow("empty policy matches all") << QByteArray("{}") << QByteArray(R"({"a": "b"})") << true;
}

void TestSnsFilterPolicy::matches()
{
    QFETCH(QByteArray, policy);
    QFETCH(QByteArray, message);
    QFETCH(bool, match);
    const bool body = QByteArray(QTest::currentDataTag()).startsWith("body:");
    SnsFilterPolicy::Error error;
    const auto p = SnsFilterPolicy::parse(
        Json::parse(policy.toStdString()),
        body ? SnsFilterPolicy::Scope::MessageBody : SnsFilterPolicy::Scope::MessageAttributes, error);
    QVERIFY2(p, (error.path + ": " + error.message).c_str());
    std::string why;
    QCOMPARE(p->matches(Json::parse(message.toStdString()), &why), match);
    if (!match) QVERIFY(!why.empty());
}

void TestSnsFilterPolicy::refused_data()
{
    QTest::addColumn<QByteArray>("policy");
    QTest::addColumn<QString>("path");
    QTest::addColumn<QString>("message");

    QTest::newRow("not an object") << QByteArray("[1]") << "$"
                                   << "a filter policy is a JSON object";
    QTest::newRow("value not an array") << QByteArray(R"({"store": "x"})") << "$.store"
                                        << "expected an array of conditions";
    QTest::newRow("empty array") << QByteArray(R"({"store": []})") << "$.store"
                                 << "matches nothing";
    QTest::newRow("boolean condition") << QByteArray(R"({"store": [true]})") << "$.store[0]"
                                       << "a condition is a string, a number, null";
    QTest::newRow("unknown operator")
        << QByteArray(R"({"store": [{"contains": "x"}]})") << "$.store[0].contains"
        << "unknown operator 'contains'";
    QTest::newRow("two operators") << QByteArray(R"({"store": [{"prefix": "a", "suffix": "b"}]})")
                                   << "$.store[0]"
                                   << "an object with one operator";
    QTest::newRow("empty prefix") << QByteArray(R"({"store": [{"prefix": ""}]})") << "$.store[0].prefix"
                                  << "takes a non-empty string";
    QTest::newRow("exists not boolean")
        << QByteArray(R"({"store": [{"exists": "yes"}]})") << "$.store[0].exists"
        << "takes true or false";
    QTest::newRow("numeric odd") << QByteArray(R"({"p": [{"numeric": [">", 1, "<"]}]})") << "$.p[0].numeric"
                                 << "takes [operator, number]";
    QTest::newRow("numeric bad operator")
        << QByteArray(R"({"p": [{"numeric": ["!=", 1]}]})") << "$.p[0].numeric[0]"
        << "unknown operator '!='";
    QTest::newRow("numeric reversed range")
        << QByteArray(R"({"p": [{"numeric": [">", 10, "<", 5]}]})") << "$.p[0].numeric"
        << "low end must be below its high end";
    QTest::newRow("numeric range wrong order")
        << QByteArray(R"({"p": [{"numeric": ["<", 10, ">", 5]}]})") << "$.p[0].numeric[0]"
        << "a range is";
    QTest::newRow("number too big") << QByteArray(R"({"p": [2000000000]})") << "$.p[0]"
                                    << "numbers range from -1,000,000,000 to 1,000,000,000";
    QTest::newRow("six decimals") << QByteArray(R"({"p": [{"numeric": [">", 0.000001]}]})")
                                  << "$.p[0].numeric[1]"
                                  << "at most five digits after the decimal point";
    QTest::newRow("anything-but empty")
        << QByteArray(R"({"p": [{"anything-but": []}]})") << "$.p[0].anything-but"
        << "needs at least one value";
    QTest::newRow("$or with one policy") << QByteArray(R"({"$or": [{"a": ["b"]}]})") << "$.$or"
                                         << "at least two policies";
    QTest::newRow("nested in attributes scope")
        << QByteArray(R"({"order": {"status": ["paid"]}})") << "$.order"
        << "only with FilterPolicyScope MessageBody";
    QTest::newRow("six keys")
        << QByteArray(R"({"a": ["1"], "b": ["1"], "c": ["1"], "d": ["1"], "e": ["1"], "f": ["1"]})") << "$"
        << "at most 5 keys; this one has 6";
    QTest::newRow("151 combinations") << QByteArray(R"({"a": ["1","2","3","4","5","6","7","8","9","10","11"],
                          "b": ["1","2","3","4","5","6","7","8","9","10","11","12","13","14"]})")
                                      << "$"
                                      << "must not exceed 150; this one has 154";
}

void TestSnsFilterPolicy::refused()
{
    QFETCH(QByteArray, policy);
    QFETCH(QString, path);
    QFETCH(QString, message);
    SnsFilterPolicy::Error error;
    QVERIFY(!SnsFilterPolicy::parse(Json::parse(policy.toStdString()),
                                    SnsFilterPolicy::Scope::MessageAttributes, error));
    QCOMPARE(QString::fromStdString(error.path), path);
    QVERIFY2(QString::fromStdString(error.message).contains(message), error.message.c_str());
}

// A Signalbox message: its headers are String attributes, its payload fields Number or String ones;
// in the MessageBody scope its fields are the body's properties.
void TestSnsFilterPolicy::messageAsAttributesAndBody()
{
    Message m;
    m.headers.push_back({"event", "order-created"});
    m.fields.push_back({"total", "1500", 1500, true});
    m.fields.push_back({"country", "DE", 0, false});
    SnsFilterPolicy::Error error;
    const Json policy =
        Json::parse(R"({"total": [{"numeric": [">", 1000]}], "country": [{"anything-but": "US"}]})");
    auto attributes = SnsFilterPolicy::parse(policy, SnsFilterPolicy::Scope::MessageAttributes, error);
    QVERIFY(attributes);
    QVERIFY(attributes->matches(m));
    auto body = SnsFilterPolicy::parse(policy, SnsFilterPolicy::Scope::MessageBody, error);
    QVERIFY(body);
    QVERIFY(body->matches(m));
    auto byHeader = SnsFilterPolicy::parse(Json::parse(R"({"event": [{"prefix": "order-"}]})"),
                                           SnsFilterPolicy::Scope::MessageBody, error);
    QVERIFY(byHeader);
    std::string why;
    QVERIFY(!byHeader->matches(m, &why)); // headers are attributes, not the body
    QVERIFY2(why.find("no 'event'") != std::string::npos, why.c_str());
    m.fields[1].text = "US";
    QVERIFY(!attributes->matches(m));
}

void TestSnsFilterPolicy::combinationsCounted()
{
    SnsFilterPolicy::Error error;
    // The guide's example: 3 x 2 x 1 ... here (2 x 3) + (1 x 2) over two $or branches, times 1.
    auto p =
        SnsFilterPolicy::parse(Json::parse(R"({"k": ["a"], "$or": [{"a": ["1", "2"], "b": ["x", "y", "z"]},
                                                                       {"c": ["1"], "d": ["p", "q"]}]})"),
                               SnsFilterPolicy::Scope::MessageAttributes, error);
    QVERIFY2(p, error.message.c_str());
    QCOMPARE(p->combinations(), std::uint64_t(8));
}

QTEST_APPLESS_MAIN(TestSnsFilterPolicy)
#include "tst_snsfilterpolicy.moc"
