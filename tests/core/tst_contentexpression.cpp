// Content filters' expressions (muparserx): what the seeds' `total > 1000 && country != 'US'` and
// its relatives make of messages, and how a broken expression is refused, naming the column.
#include "nodes/content/contentexpression.h"
#include "schema.h"

#include <QtTest>

using namespace sb;

class TestContentExpression : public QObject {
    Q_OBJECT
private slots:
    void evaluate_data();
    void evaluate();
    void refused_data();
    void refused();
    void namesInOrder();
};

namespace {

Message order(double total, const std::string &country)
{
    Message m;
    m.routingKey = "orders.created";
    m.key = "customer-7";
    m.size = 512;
    m.fields.push_back({"total", numberText(total), total, true});
    m.fields.push_back({"country", country, 0, false});
    m.headers.push_back({"channel", "web"});
    return m;
}

} // namespace

void TestContentExpression::evaluate_data()
{
    QTest::addColumn<QString>("expression");
    QTest::addColumn<double>("total");
    QTest::addColumn<QString>("country");
    QTest::addColumn<bool>("match");
    QTest::addColumn<QString>("why"); // a part of the reason when it cannot be decided

    const QString seeds = "total > 1000 && country != 'US'";
    QTest::newRow("seeds: big foreign order") << seeds << 1500.0 << "DE" << true << "";
    QTest::newRow("seeds: big US order") << seeds << 1500.0 << "US" << false << "";
    QTest::newRow("seeds: small order") << seeds << 999.0 << "FR" << false << "";
    QTest::newRow("seeds: boundary") << seeds << 1000.0 << "FR" << false << "";
    QTest::newRow("double quotes") << "country == \"DE\"" << 1.0 << "DE" << true << "";
    QTest::newRow("and / or words") << "total > 10 and (country == 'FR' or country == 'DE')" << 20.0 << "DE"
                                    << true << "";
    QTest::newRow("not") << "!(total > 10)" << 5.0 << "DE" << true << "";
    QTest::newRow("arithmetic") << "total * 1.2 >= 120" << 100.0 << "DE" << true << "";
    QTest::newRow("header") << "channel == 'web'" << 1.0 << "DE" << true << "";
    QTest::newRow("routing key, key, size")
        << "routingKey == 'orders.created' && key == 'customer-7' && bytes > 500" << 1.0 << "DE" << true
        << "";
    QTest::newRow("non-ASCII string") << "country == 'Österreich'" << 1.0 << "Österreich" << true << "";
    QTest::newRow("missing name") << "discount > 5" << 1.0 << "DE" << false
                                  << "the message has no field or header 'discount'";
    QTest::newRow("a number is not true or false") << "total + 1" << 1.0 << "DE" << true << "";
    QTest::newRow("zero is false") << "total - 1" << 1.0 << "DE" << false << "";
}

void TestContentExpression::evaluate()
{
    QFETCH(QString, expression);
    QFETCH(double, total);
    QFETCH(QString, country);
    QFETCH(bool, match);
    QFETCH(QString, why);
    ContentExpression::Error error;
    auto x = ContentExpression::compile(expression.toStdString(), error);
    QVERIFY2(x, error.message.c_str());
    std::string reason;
    QCOMPARE(x->evaluate(order(total, country.toStdString()), &reason), match);
    if (!why.isEmpty()) QVERIFY2(reason.find(why.toStdString()) != std::string::npos, reason.c_str());
    // Evaluated again, with other values, it answers anew (names are bound per message).
    QCOMPARE(x->evaluate(order(total, country.toStdString())), match);
}

void TestContentExpression::refused_data()
{
    QTest::addColumn<QString>("expression");
    QTest::addColumn<int>("position");
    QTest::addColumn<QString>("message");

    QTest::newRow("empty") << "  " << 0 << "column 1: the expression is empty";
    QTest::newRow("two operators") << "total > > 1000" << 8 << "column 9: ";
    QTest::newRow("open parenthesis") << "(total > 1000" << -1 << "parenthes";
    QTest::newRow("unterminated string")
        << "country == 'US" << 11 << "column 12: the string that starts here is not closed";
    QTest::newRow("dangling operator") << "total > 1000 &&" << -1 << "column";
}

void TestContentExpression::refused()
{
    QFETCH(QString, expression);
    QFETCH(int, position);
    QFETCH(QString, message);
    ContentExpression::Error error;
    QVERIFY(!ContentExpression::compile(expression.toStdString(), error));
    if (position >= 0) QCOMPARE(int(error.position), position);
    QVERIFY2(error.message.rfind("column ", 0) == 0, error.message.c_str());
    QVERIFY2(QString::fromStdString(error.message).contains(message, Qt::CaseInsensitive),
             error.message.c_str());
}

void TestContentExpression::namesInOrder()
{
    ContentExpression::Error error;
    auto x = ContentExpression::compile("total > 1000 && country != 'US' && total < 5000", error);
    QVERIFY(x);
    QCOMPARE(x->names(), (std::vector<std::string>{"total", "country"}));
}

QTEST_APPLESS_MAIN(TestContentExpression)
#include "tst_contentexpression.moc"
