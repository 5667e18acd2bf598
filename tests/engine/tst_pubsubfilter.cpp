// Google Cloud Pub/Sub subscription filters (cloud.google.com/pubsub/docs/subscription-message-filter):
// which filters Pub/Sub accepts and which it refuses (with the column of the problem), and which
// messages a filter matches.
#include "nodes/gcppubsub/pubsubfilter.h"

#include <QtTest>

#include <map>

using namespace sb;

class TestPubsubFilter : public QObject {
    Q_OBJECT
private slots:
    void valid_data();
    void valid();
    void invalid_data();
    void invalid();
    void matching_data();
    void matching();
    void explainNamesTheClause();
    void lengthLimit();
};

void TestPubsubFilter::valid_data()
{
    QTest::addColumn<QString>("filter");
    QTest::newRow("empty: no filter") << "";
    QTest::newRow("has") << "attributes:domain";
    QTest::newRow("equals") << "attributes.domain = \"com\"";
    QTest::newRow("equals, no spaces") << "attributes.domain=\"com\"";
    QTest::newRow("not equals") << "attributes.domain != \"com\"";
    QTest::newRow("hasPrefix") << "hasPrefix(attributes.domain, \"co\")";
    QTest::newRow("NOT") << "NOT attributes:domain";
    QTest::newRow("minus") << "-attributes:domain";
    QTest::newRow("AND chain") << "attributes:a AND attributes:b AND attributes.c = \"x\"";
    QTest::newRow("OR chain") << "attributes:a OR attributes:b OR attributes:c";
    QTest::newRow("AND of ORs") << "(attributes:a OR attributes:b) AND attributes:c";
    QTest::newRow("OR of ANDs") << "(attributes:a AND attributes:b) OR attributes:c";
    QTest::newRow("nested")
        << "NOT (attributes:a AND (attributes.b = \"1\" OR hasPrefix(attributes.c, \"x\")))";
    QTest::newRow("quoted key") << "attributes.\"iana.org/language_tag\" = \"en\"";
    QTest::newRow("quoted key, has") << "attributes:\"a b\"";
    QTest::newRow("hyphen and underscore key") << "attributes.my-key_2 = \"v\"";
    QTest::newRow("escapes") << "attributes.k = \"a\\\"b\\\\c\\n\\x41\\u00e9\\101\"";
    QTest::newRow("empty value") << "attributes.k = \"\"";
}

void TestPubsubFilter::valid()
{
    QFETCH(QString, filter);
    PubsubFilterError e;
    const auto f = PubsubFilter::parse(filter.toStdString(), e);
    QVERIFY2(f, e.text().c_str());
    QVERIFY(PubsubFilter::problem(filter.toStdString()).empty());
}

void TestPubsubFilter::invalid_data()
{
    QTest::addColumn<QString>("filter");
    QTest::addColumn<int>("column");
    QTest::addColumn<QString>("reason");
    QTest::newRow("AND then OR without parentheses")
        << "attributes:a AND attributes:b OR attributes:c" << 31 << "AND and OR cannot be mixed";
    QTest::newRow("OR then AND without parentheses")
        << "attributes:a OR attributes:b AND attributes:c" << 30 << "AND and OR cannot be mixed";
    QTest::newRow("lowercase and") << "attributes:a and attributes:b" << 14 << "uppercase";
    QTest::newRow("not attributes") << "data.x = \"1\"" << 1 << "message attributes only";
    QTest::newRow("missing value") << "attributes.k =" << 15 << "expected a string";
    QTest::newRow("unquoted value") << "attributes.k = v" << 16 << "expected a string";
    QTest::newRow("single quotes") << "attributes.k = 'v'" << 16 << "double quotes";
    QTest::newRow("unclosed string") << "attributes.k = \"v" << 16 << "not closed";
    QTest::newRow("no operator") << "attributes.k" << 13 << "expected = or !=";
    QTest::newRow("other operator") << "attributes.k < \"1\"" << 14 << "expected = or !=";
    QTest::newRow("no key") << "attributes: AND attributes:b" << 12 << "expected an attribute key";
    QTest::newRow("dotted key unquoted") << "attributes.a.b = \"1\"" << 13 << "expected = or !=";
    QTest::newRow("unclosed parenthesis") << "(attributes:a" << 14 << "expected ')'";
    QTest::newRow("stray close") << "attributes:a)" << 13 << "unbalanced ')'";
    QTest::newRow("empty parentheses") << "()" << 2 << "expected a condition";
    QTest::newRow("dangling AND") << "attributes:a AND" << 17 << "expected a condition";
    QTest::newRow("hasPrefix on value") << "hasPrefix(\"x\", \"p\")" << 11 << "attributes.KEY";
    QTest::newRow("hasPrefix without comma") << "hasPrefix(attributes.k \"p\")" << 24 << "expected ','";
    QTest::newRow("hasPrefix unclosed") << "hasPrefix(attributes.k, \"p\"" << 28 << "expected ')'";
    QTest::newRow("bad escape") << "attributes.k = \"\\q\"" << 17 << "unknown escape";
    QTest::newRow("bad hex escape") << "attributes.k = \"\\xZ1\"" << 17 << "two hex digits";
    QTest::newRow("two conditions without operator")
        << "attributes:a attributes:b" << 14 << "expected AND, OR";
    QTest::newRow("whitespace only") << "   " << 4 << "expected a condition";
}

void TestPubsubFilter::invalid()
{
    QFETCH(QString, filter);
    QFETCH(int, column);
    QFETCH(QString, reason);
    PubsubFilterError e;
    QVERIFY(!PubsubFilter::parse(filter.toStdString(), e));
    QVERIFY2(e.reason.find(reason.toStdString()) != std::string::npos, e.text().c_str());
    QCOMPARE(int(e.column), column);
    const std::string problem = PubsubFilter::problem(filter.toStdString());
    QVERIFY2(problem.rfind("column " + std::to_string(column) + ": ", 0) == 0, problem.c_str());
}

void TestPubsubFilter::matching_data()
{
    QTest::addColumn<QString>("filter");
    QTest::addColumn<QString>("attributes"); // "k=v;k2=v2"
    QTest::addColumn<bool>("matches");
    const QString eq = "attributes.domain = \"com\"";
    QTest::newRow("= same value") << eq << "domain=com" << true;
    QTest::newRow("= other value") << eq << "domain=org" << false;
    QTest::newRow("= case-sensitive") << eq << "domain=COM" << false;
    QTest::newRow("= missing") << eq << "" << false;
    const QString ne = "attributes.domain != \"com\"";
    QTest::newRow("!= same value") << ne << "domain=com" << false;
    QTest::newRow("!= other value") << ne << "domain=org" << true;
    QTest::newRow("!= missing") << ne << "lang=en" << true;
    QTest::newRow("has present") << "attributes:domain"
                                 << "domain=" << true;
    QTest::newRow("has absent") << "attributes:domain"
                                << "lang=en" << false;
    QTest::newRow("NOT has") << "NOT attributes:domain"
                             << "lang=en" << true;
    QTest::newRow("minus has") << "-attributes:domain"
                               << "domain=x" << false;
    const QString prefix = "hasPrefix(attributes.region, \"eu-\")";
    QTest::newRow("prefix yes") << prefix << "region=eu-west1" << true;
    QTest::newRow("prefix whole") << prefix << "region=eu-" << true;
    QTest::newRow("prefix no") << prefix << "region=us-east1" << false;
    QTest::newRow("prefix missing") << prefix << "" << false;
    QTest::newRow("empty prefix") << "hasPrefix(attributes.region, \"\")"
                                  << "region=x" << true;
    const QString andOr =
        "(attributes.type = \"order\" OR attributes.type = \"refund\") AND NOT attributes:test";
    QTest::newRow("and/or: order") << andOr << "type=order" << true;
    QTest::newRow("and/or: refund") << andOr << "type=refund" << true;
    QTest::newRow("and/or: test") << andOr << "type=order;test=1" << false;
    QTest::newRow("and/or: other type") << andOr << "type=quote" << false;
    const QString orAnd = "(attributes:a AND attributes:b) OR attributes:c";
    QTest::newRow("or/and: a b") << orAnd << "a=1;b=1" << true;
    QTest::newRow("or/and: a") << orAnd << "a=1" << false;
    QTest::newRow("or/and: c") << orAnd << "c=1" << true;
    QTest::newRow("quoted key") << "attributes.\"iana.org/language_tag\" = \"en\""
                                << "iana.org/language_tag=en" << true;
    QTest::newRow("escaped value") << "attributes.k = \"caf\\u00e9\""
                                   << "k=café" << true;
    QTest::newRow("no filter") << ""
                               << "" << true;
}

void TestPubsubFilter::matching()
{
    QFETCH(QString, filter);
    QFETCH(QString, attributes);
    QFETCH(bool, matches);
    std::map<std::string, std::string> attrs;
    for (const QString &pair : attributes.split(';', Qt::SkipEmptyParts)) {
        const auto eq = pair.indexOf('=');
        attrs[pair.left(eq).toStdString()] = pair.mid(eq + 1).toStdString();
    }
    PubsubFilterError e;
    const auto f = PubsubFilter::parse(filter.toStdString(), e);
    QVERIFY2(f, e.text().c_str());
    const auto lookup = [&](std::string_view k) -> const std::string * {
        auto it = attrs.find(std::string(k));
        return it == attrs.end() ? nullptr : &it->second;
    };
    QCOMPARE(f->matches(lookup), matches);
    std::string why;
    QCOMPARE(f->explain(lookup, why), matches);
    QVERIFY(!why.empty());
}

void TestPubsubFilter::explainNamesTheClause()
{
    PubsubFilterError e;
    const auto f = PubsubFilter::parse("attributes:kind AND attributes.region = \"eu\"", e);
    QVERIFY(f);
    std::map<std::string, std::string> attrs{{"kind", "x"}, {"region", "us"}};
    std::string why;
    QVERIFY(!f->explain(
        [&](std::string_view k) -> const std::string * {
            auto it = attrs.find(std::string(k));
            return it == attrs.end() ? nullptr : &it->second;
        },
        why));
    QCOMPARE(QString::fromStdString(why), QString("attributes.region = \"eu\": region is \"us\""));
}

void TestPubsubFilter::lengthLimit()
{
    // 256 bytes is allowed, 257 is not.
    std::string at = "attributes.k = \"";
    std::string ok = at + std::string(256 - at.size() - 1, 'x') + "\"";
    QCOMPARE(ok.size(), std::size_t(256));
    PubsubFilterError e;
    QVERIFY2(PubsubFilter::parse(ok, e), e.text().c_str());
    std::string tooLong = at + std::string(256 - at.size(), 'x') + "\"";
    QVERIFY(!PubsubFilter::parse(tooLong, e));
    QCOMPARE(int(e.column), 257);
    QVERIFY2(e.reason.find("257 bytes") != std::string::npos && e.reason.find("256") != std::string::npos,
             e.reason.c_str());
}

QTEST_GUILESS_MAIN(TestPubsubFilter)
#include "tst_pubsubfilter.moc"
