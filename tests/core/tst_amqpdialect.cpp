// The amqp dialect (RabbitMQ topic exchanges) through core/pubsub: matching, the reason
// explainMatch gives, and validation of binding and routing keys as RabbitMQ 4.x decides them
// (rabbit_exchange_type_topic:validate_binding: at most two '#' words; '*'/'#' inside a word are
// literal; AMQP short strings of at most 255 bytes). tst_routing holds the full matching table.
#include "dialecttables.h"

using namespace dialecttest;

class TestAmqpDialect : public QObject {
    Q_OBJECT

private slots:
    void matches_data();
    void matches() { checkMatchRow(sb::Dialect::Amqp); }
    void explain_data();
    void explain() { checkExplainRow(sb::Dialect::Amqp); }
    void bindingKeyIssues_data();
    void bindingKeyIssues();
    void routingKeyIssues_data();
    void routingKeyIssues();
};

void TestAmqpDialect::matches_data()
{
    addMatchColumns();
    QTest::newRow("literal") << QByteArray("a.b") << QByteArray("a.b") << true;
    QTest::newRow("* one word") << QByteArray("a.*") << QByteArray("a.b") << true;
    QTest::newRow("* not two") << QByteArray("a.*") << QByteArray("a.b.c") << false;
    QTest::newRow("# zero words") << QByteArray("a.#") << QByteArray("a") << true;
    QTest::newRow("# in the middle") << QByteArray("a.#.z") << QByteArray("a.b.c.z") << true;
    QTest::newRow("# in the middle, nothing between") << QByteArray("a.#.z") << QByteArray("a.z") << true;
    QTest::newRow("# in the middle, wrong end") << QByteArray("a.#.z") << QByteArray("a.b.c") << false;
    QTest::newRow("two #") << QByteArray("#.b.#") << QByteArray("a.b.c") << true;
    QTest::newRow("empty key, # ") << QByteArray("#") << QByteArray("") << true;
    QTest::newRow("empty key, *") << QByteArray("*") << QByteArray("") << false;
    QTest::newRow("empty pattern, empty key") << QByteArray("") << QByteArray("") << true;
    QTest::newRow("empty word matched by *") << QByteArray("a.*.c") << QByteArray("a..c") << true;
    QTest::newRow("leading dot is an empty word") << QByteArray("*.a") << QByteArray(".a") << true;
    QTest::newRow("trailing dot is an empty word") << QByteArray("a") << QByteArray("a.") << false;
    QTest::newRow("pattern longer") << QByteArray("a.b.c") << QByteArray("a.b") << false;
    QTest::newRow("pattern shorter") << QByteArray("a.b") << QByteArray("a.b.c") << false;
    QTest::newRow("literal * in a word") << QByteArray("a.b*") << QByteArray("a.b*") << true;
    QTest::newRow("literal * is no wildcard") << QByteArray("a.b*") << QByteArray("a.bc") << false;
    QTest::newRow("non-ASCII words") << QByteArray("k\xc3\xbc"
                                                   "che.*")
                                     << QByteArray("k\xc3\xbc"
                                                   "che.\xe6\xb8\xa9")
                                     << true;
    QTest::newRow("$ is an ordinary character") << QByteArray("#") << QByteArray("$SYS.x") << true;
}

void TestAmqpDialect::explain_data()
{
    addExplainColumns();
    QTest::newRow("wildcards") << QByteArray("a.*.#") << QByteArray("a.b.c.d")
                               << QByteArray("matches: '*' took 'b', '#' took 'c.d'");
    QTest::newRow("# takes nothing") << QByteArray("a.#") << QByteArray("a")
                                     << QByteArray("matches: '#' took no word");
    QTest::newRow("* takes an empty word")
        << QByteArray("a.*") << QByteArray("a.") << QByteArray("matches: '*' took the empty word ''");
    QTest::newRow("literal") << QByteArray("a.b") << QByteArray("a.b")
                             << QByteArray("matches: the same 2 words, word for word");
    QTest::newRow("both empty") << QByteArray("") << QByteArray("")
                                << QByteArray("matches: both are empty (zero words)");
    QTest::newRow("other word") << QByteArray("home.garage.*") << QByteArray("home.kitchen.temp")
                                << QByteArray("no match: word 2 'kitchen' is not 'garage'");
    QTest::newRow("other last word") << QByteArray("a.b") << QByteArray("a.c")
                                     << QByteArray("no match: word 2 (the last) 'c' is not 'b'");
    QTest::newRow("key too short")
        << QByteArray("a.*.c") << QByteArray("a.b")
        << QByteArray("no match: the routing key has 2 words; the pattern needs exactly 3");
    QTest::newRow("key too long")
        << QByteArray("a.*") << QByteArray("a.b.c")
        << QByteArray("no match: the routing key has 3 words, the pattern only 2 and no '#' "
                      "to take the rest");
    QTest::newRow("too few words for #")
        << QByteArray("#.a.b") << QByteArray("b")
        << QByteArray("no match: the routing key has 1 word; the pattern needs at least 2 "
                      "(its words other than '#')");
    QTest::newRow("empty key")
        << QByteArray("*") << QByteArray("")
        << QByteArray("no match: the routing key is empty (zero words); the pattern needs exactly 1");
    QTest::newRow("suffix after #") << QByteArray("#.eu") << QByteArray("orders.us")
                                    << QByteArray("no match: word 2 (the last) 'us' is not 'eu'");
    QTest::newRow("middle between #")
        << QByteArray("#.b.#") << QByteArray("a.c")
        << QByteArray("no match: between its '#' words the pattern needs 'b', and the words "
                      "'a.c' do not hold it in order");
}

void TestAmqpDialect::bindingKeyIssues_data()
{
    addIssueColumns();
    QTest::newRow("words") << QByteArray("orders.eu") << 0 << false << 0 << QByteArray();
    QTest::newRow("empty key") << QByteArray("") << 0 << false << 0 << QByteArray();
    QTest::newRow("empty words") << QByteArray("a..b.") << 0 << false << 0 << QByteArray();
    QTest::newRow("two #") << QByteArray("#.a.#") << 0 << false << 0 << QByteArray();
    QTest::newRow("#.#") << QByteArray("#.#") << 0 << false << 0 << QByteArray();
    QTest::newRow("three # refused") << QByteArray("#.a.#.b.#") << 1 << true << 8
                                     << QByteArray("word 5 at column 9 is a third '#': RabbitMQ refuses");
    QTest::newRow("four # refused once")
        << QByteArray("#.#.#.#") << 1 << true << 4 << QByteArray("more than 2 '#'");
    QTest::newRow("## words do not count") << QByteArray("##.##.##") << 3 << false << 0
                                           << QByteArray("word 1 '##' has '#' at column 1 inside it");
    QTest::newRow("b* literal, warned")
        << QByteArray("a.b*") << 1 << false << 3
        << QByteArray("word 2 'b*' has '*' at column 4 inside it: RabbitMQ matches it "
                      "as a literal character");
    QTest::newRow("a#b literal, warned") << QByteArray("a#b") << 1 << false << 1 << QByteArray("literal");
    QTest::newRow("255 bytes") << QByteArray(255, 'k') << 0 << false << 0 << QByteArray();
    QTest::newRow("256 bytes") << QByteArray(256, 'k') << 1 << true << 255
                               << QByteArray(
                                      "the binding key is 256 bytes long; AMQP carries it as a short string");
    QByteArray utf8;
    for (int i = 0; i < 128; ++i)
        utf8 += "\xc3\xa9";
    QTest::newRow("256 bytes of UTF-8") << utf8 << 1 << true << 255 << QByteArray("256 bytes");
}

void TestAmqpDialect::bindingKeyIssues()
{
    QFETCH(QByteArray, text);
    checkIssueRow(sb::checkFilter(sb::Dialect::Amqp, str(text)));
}

void TestAmqpDialect::routingKeyIssues_data()
{
    addIssueColumns();
    QTest::newRow("words") << QByteArray("orders.eu") << 0 << false << 0 << QByteArray();
    QTest::newRow("empty") << QByteArray("") << 0 << false << 0 << QByteArray();
    QTest::newRow("* is literal") << QByteArray("orders.*") << 1 << false << 7
                                  << QByteArray("'*' at column 8 is a literal character in a routing key");
    QTest::newRow("256 bytes") << QByteArray(256, 'k') << 1 << true << 255
                               << QByteArray("routing key is 256 bytes");
}

void TestAmqpDialect::routingKeyIssues()
{
    QFETCH(QByteArray, text);
    checkIssueRow(sb::checkSubject(sb::Dialect::Amqp, str(text)));
}

QTEST_APPLESS_MAIN(TestAmqpDialect)
#include "tst_amqpdialect.moc"
