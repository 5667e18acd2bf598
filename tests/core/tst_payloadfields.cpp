// A producer's payload fields: the rules people write (uniform, normal, exp, choice with weights,
// seq, constants), what is refused and why (naming the column), and what they generate.
#include "nodes/payload.h"

#include <QtTest>

#include <cmath>
#include <map>

using namespace sb;

class TestPayloadFields : public QObject {
    Q_OBJECT
private slots:
    void rules_data();
    void rules();
    void uniformWholeStaysInBounds();
    void choiceFollowsItsWeights();
    void constantsSequenceAndOrder();
    void sameSeedSameFields();
};

void TestPayloadFields::rules_data()
{
    QTest::addColumn<QString>("rule");
    QTest::addColumn<QString>("error"); // a part of the reason; empty: accepted

    QTest::newRow("uniform") << "uniform(1, 2000)"
                             << "";
    QTest::newRow("uniform reals") << "uniform(0.5,1.5)"
                                   << "";
    QTest::newRow("normal") << "normal(100, 15)"
                            << "";
    QTest::newRow("exp") << "exp(50)"
                         << "";
    QTest::newRow("choice with a weight") << "choice(US 50%, DE, FR)"
                                          << "";
    QTest::newRow("choice, all weighted") << "choice(a 25%, b 75%)"
                                          << "";
    QTest::newRow("seq") << "seq"
                         << "";
    QTest::newRow("constant number") << "1250"
                                     << "";
    QTest::newRow("constant string") << "EUR"
                                     << "";
    QTest::newRow("empty") << ""
                           << "an empty rule";
    QTest::newRow("uniform, one number") << "uniform(1)"
                                         << "column 8: uniform takes 2 numbers, got 1";
    QTest::newRow("uniform, not a number") << "uniform(1, x)"
                                           << "column 11: 'x' is not a number";
    QTest::newRow("uniform reversed") << "uniform(5, 1)"
                                      << "uniform needs low <= high";
    QTest::newRow("unclosed") << "uniform(1, 2"
                              << "column 12: expected ')'";
    QTest::newRow("negative deviation") << "normal(1, -2)"
                                        << "standard deviation must not be negative";
    QTest::newRow("exp mean 0") << "exp(0)"
                                << "the mean must be above 0";
    QTest::newRow("weights over 100%") << "choice(a 60%, b 50%)"
                                       << "more than 100%";
    QTest::newRow("weights under 100%") << "choice(a 60%, b 30%)"
                                        << "add up to 90%, not 100%";
    QTest::newRow("weight without value") << "choice(50%)"
                                          << "needs its value before it";
    QTest::newRow("bad weight") << "choice(a x%, b)"
                                << "'x%' is not a weight";
    QTest::newRow("empty choice") << "choice(a, , b)"
                                  << "column 10: an empty choice";
    QTest::newRow("unknown rule") << "zipf(1, 2)"
                                  << "unknown rule 'zipf'";
}

void TestPayloadFields::rules()
{
    QFETCH(QString, rule);
    QFETCH(QString, error);
    const std::string why = PayloadFields::parseRule(rule.toStdString());
    if (error.isEmpty())
        QVERIFY2(why.empty(), why.c_str());
    else
        QVERIFY2(why.find(error.toStdString()) != std::string::npos, why.c_str());
    // The property check says which field.
    const std::string checked = PayloadFields::propertySpec().check(Json{{"amount", rule.toStdString()}});
    QCOMPARE(checked.empty(), error.isEmpty());
    if (!error.isEmpty()) QVERIFY2(checked.rfind("field 'amount': ", 0) == 0, checked.c_str());
}

void TestPayloadFields::uniformWholeStaysInBounds()
{
    const PayloadFields fields(PayloadFields::Rules{{"total", "uniform(1, 6)"}});
    Rng rng(5);
    std::map<double, int> seen;
    for (int i = 0; i < 6000; ++i) {
        std::vector<Field> out;
        fields.generate(rng, std::uint64_t(i + 1), out);
        QCOMPARE(out.size(), std::size_t(1));
        QVERIFY(out[0].numeric);
        QCOMPARE(out[0].number, std::floor(out[0].number));
        QCOMPARE(out[0].text, numberText(out[0].number));
        ++seen[out[0].number];
    }
    QCOMPARE(seen.size(), std::size_t(6)); // 1..6, each about 1000 times
    for (const auto &[v, n] : seen) {
        QVERIFY(v >= 1 && v <= 6);
        QVERIFY2(n > 850 && n < 1150, qPrintable(QString::number(n)));
    }
}

void TestPayloadFields::choiceFollowsItsWeights()
{
    const PayloadFields fields(PayloadFields::Rules{{"country", "choice(US 50%, DE, FR)"}});
    Rng rng(11);
    std::map<std::string, int> seen;
    for (int i = 0; i < 10000; ++i) {
        std::vector<Field> out;
        fields.generate(rng, 1, out);
        QVERIFY(!out[0].numeric);
        ++seen[out[0].text];
    }
    QCOMPARE(seen.size(), std::size_t(3));
    QVERIFY2(std::abs(seen["US"] - 5000) < 250, qPrintable(QString::number(seen["US"])));
    QVERIFY2(std::abs(seen["DE"] - 2500) < 200, qPrintable(QString::number(seen["DE"])));
    QVERIFY2(std::abs(seen["FR"] - 2500) < 200, qPrintable(QString::number(seen["FR"])));
}

void TestPayloadFields::constantsSequenceAndOrder()
{
    const PayloadFields fields(PayloadFields::Rules{{"n", "seq"}, {"currency", "EUR"}, {"rate", "1.5"}});
    Rng rng(1);
    std::vector<Field> out;
    fields.generate(rng, 42, out);
    QCOMPARE(out.size(), std::size_t(3));
    QCOMPARE(out[0].name, std::string("n"));
    QCOMPARE(out[0].number, 42.0);
    QCOMPARE(out[1].name, std::string("currency"));
    QCOMPARE(out[1].text, std::string("EUR"));
    QVERIFY(!out[1].numeric);
    QVERIFY(out[2].numeric);
    QCOMPARE(out[2].number, 1.5);
    QVERIFY(PayloadFields(PayloadFields::Rules{}).empty());
}

void TestPayloadFields::sameSeedSameFields()
{
    const PayloadFields fields(
        PayloadFields::Rules{{"amount", "normal(100, 15)"}, {"wait", "exp(5)"}, {"x", "uniform(0, 1)"}});
    Rng a(9), b(9);
    for (int i = 0; i < 100; ++i) {
        std::vector<Field> fa, fb;
        fields.generate(a, 1, fa);
        fields.generate(b, 1, fb);
        QCOMPARE(fa, fb);
        QCOMPARE(fa[2].number, std::round(fa[2].number * 100) / 100); // two decimals
    }
}

QTEST_APPLESS_MAIN(TestPayloadFields)
#include "tst_payloadfields.moc"
