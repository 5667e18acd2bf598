// The nats dialect through core/pubsub: subjects as nats-server's sublist.go matches and validates
// them (isValidSubject, Insert, IsValidLiteralSubject), and explainMatch.
#include "dialecttables.h"

using namespace dialecttest;

class TestNatsDialect : public QObject {
    Q_OBJECT

private slots:
    void matches_data();
    void matches() { checkMatchRow(sb::Dialect::Nats); }
    void explain_data();
    void explain() { checkExplainRow(sb::Dialect::Nats); }
    void subscriptionIssues_data();
    void subscriptionIssues();
    void publishIssues_data();
    void publishIssues();
};

void TestNatsDialect::matches_data()
{
    addMatchColumns();
    QTest::newRow("literal") << QByteArray("orders.eu") << QByteArray("orders.eu") << true;
    QTest::newRow("* one token") << QByteArray("orders.*") << QByteArray("orders.eu") << true;
    QTest::newRow("* not two") << QByteArray("orders.*") << QByteArray("orders.eu.paid") << false;
    QTest::newRow("* needs the token") << QByteArray("orders.*") << QByteArray("orders") << false;
    QTest::newRow("> one token") << QByteArray("orders.>") << QByteArray("orders.eu") << true;
    QTest::newRow("> more tokens") << QByteArray("orders.>") << QByteArray("orders.eu.paid") << true;
    QTest::newRow("> not zero tokens") << QByteArray("orders.>") << QByteArray("orders") << false;
    QTest::newRow("> alone") << QByteArray(">") << QByteArray("a.b") << true;
    QTest::newRow("* in the middle") << QByteArray("a.*.c") << QByteArray("a.b.c") << true;
    QTest::newRow("pattern longer") << QByteArray("a.b.c") << QByteArray("a.b") << false;
    QTest::newRow("pattern shorter") << QByteArray("a.b") << QByteArray("a.b.c") << false;
    QTest::newRow("* inside a token is literal") << QByteArray("a.b*") << QByteArray("a.b*") << true;
    QTest::newRow("* inside a token is no wildcard") << QByteArray("a.b*") << QByteArray("a.bc") << false;
    QTest::newRow("> inside a token is literal") << QByteArray("a.>b") << QByteArray("a.x") << false;
    QTest::newRow("$ is ordinary") << QByteArray(">") << QByteArray("$SYS.x") << true;
    QTest::newRow("case-sensitive") << QByteArray("A.*") << QByteArray("a.b") << false;
    QTest::newRow("non-ASCII tokens") << QByteArray("k\xc3\xbc"
                                                    "che.*")
                                      << QByteArray("k\xc3\xbc"
                                                    "che.\xe6\xb8\xa9")
                                      << true;
}

void TestNatsDialect::explain_data()
{
    addExplainColumns();
    QTest::newRow("wildcards") << QByteArray("orders.*.>") << QByteArray("orders.eu.paid.late")
                               << QByteArray("matches: '*' took 'eu', '>' took 'paid.late'");
    QTest::newRow("> needs a token") << QByteArray("orders.>") << QByteArray("orders")
                                     << QByteArray(
                                            "no match: '>' needs at least one more token after 'orders'");
    QTest::newRow("other token") << QByteArray("orders.us.*") << QByteArray("orders.eu.paid")
                                 << QByteArray("no match: token 2 'eu' is not 'us'");
    QTest::newRow("subject shorter")
        << QByteArray("a.*.>") << QByteArray("a")
        << QByteArray("no match: the subject has only 1 token; the pattern needs at least 3");
    QTest::newRow("subject longer")
        << QByteArray("a.*") << QByteArray("a.b.c")
        << QByteArray("no match: the subject has 3 tokens, the pattern only 2 and no '>' to "
                      "take the rest");
}

void TestNatsDialect::subscriptionIssues_data()
{
    addIssueColumns();
    QTest::newRow("plain") << QByteArray("orders.eu") << 0 << false << 0 << QByteArray();
    QTest::newRow("wildcards") << QByteArray("*.eu.>") << 0 << false << 0 << QByteArray();
    QTest::newRow("> alone") << QByteArray(">") << 0 << false << 0 << QByteArray();
    QTest::newRow("empty") << QByteArray("") << 1 << true << 0
                           << QByteArray("an empty subject is not allowed");
    QTest::newRow("leading dot") << QByteArray(".a") << 1 << true << 0
                                 << QByteArray("starts with '.', so token 1 is empty");
    QTest::newRow("trailing dot") << QByteArray("a.") << 1 << true << 1
                                  << QByteArray("ends with '.' at column 2, so its last token is empty");
    QTest::newRow("double dot") << QByteArray("a..b") << 1 << true << 1
                                << QByteArray("'..' at column 2 leaves token 2 empty");
    QTest::newRow("lone dot") << QByteArray(".") << 2 << true << 0 << QByteArray("token 1 is empty");
    QTest::newRow("> in the middle") << QByteArray("a.>.b") << 1 << true << 2
                                     << QByteArray("'>' at column 3 must be the last token");
    QTest::newRow("space") << QByteArray("a b") << 1 << true << 1
                           << QByteArray("whitespace at column 2: NATS subjects cannot contain spaces");
    QTest::newRow("tab token") << QByteArray("a.\t") << 1 << true << 2 << QByteArray("whitespace");
    QTest::newRow("* inside a token, warned")
        << QByteArray("a.b*") << 1 << false << 3
        << QByteArray("token 2 'b*' has '*' at column 4 inside it: NATS matches it "
                      "as a literal character");
    QTest::newRow("> inside a token, warned") << QByteArray(">a") << 1 << false << 0 << QByteArray("literal");
}

void TestNatsDialect::subscriptionIssues()
{
    QFETCH(QByteArray, text);
    checkIssueRow(sb::checkFilter(sb::Dialect::Nats, str(text)));
}

void TestNatsDialect::publishIssues_data()
{
    addIssueColumns();
    QTest::newRow("plain") << QByteArray("orders.eu") << 0 << false << 0 << QByteArray();
    QTest::newRow("literal * inside a token") << QByteArray("a.b*") << 0 << false << 0 << QByteArray();
    QTest::newRow("*") << QByteArray("orders.*") << 1 << true << 7
                       << QByteArray(
                              "token 2 is the wildcard '*' at column 8: a subject to publish to cannot "
                              "contain wildcards");
    QTest::newRow(">") << QByteArray(">") << 1 << true << 0 << QByteArray("wildcard '>'");
    QTest::newRow("empty token") << QByteArray("a..b") << 1 << true << 1 << QByteArray("empty");
    QTest::newRow("empty") << QByteArray("") << 1 << true << 0 << QByteArray("empty subject");
}

void TestNatsDialect::publishIssues()
{
    QFETCH(QByteArray, text);
    checkIssueRow(sb::checkSubject(sb::Dialect::Nats, str(text)));
}

QTEST_APPLESS_MAIN(TestNatsDialect)
#include "tst_natsdialect.moc"
