// AMQP topic matching (routing.h) and binding-key validation per exchange type (topology.h), as
// tables. The matching rows follow RabbitMQ's topic exchange: '.'-separated words, '*' exactly one
// word, '#' zero or more, the empty key has zero words, everything else matches literally.
#include "routing.h"
#include "topology.h"

#include <QTest>

#include <string>

namespace {

std::string str(const QByteArray &b)
{
    return std::string(b.constData(), static_cast<std::size_t>(b.size()));
}

} // namespace

class TestRouting : public QObject {
    Q_OBJECT

private slots:
    void topicMatches_data();
    void topicMatches();
    void splitWords_data();
    void splitWords();
    void checkBindingKey_data();
    void checkBindingKey();
};

void TestRouting::topicMatches_data()
{
    QTest::addColumn<QByteArray>("pattern");
    QTest::addColumn<QByteArray>("routingKey");
    QTest::addColumn<bool>("expected");

    // Literal words
    QTest::newRow("equal one word") << QByteArray("orders") << QByteArray("orders") << true;
    QTest::newRow("equal two words") << QByteArray("a.b") << QByteArray("a.b") << true;
    QTest::newRow("other last word") << QByteArray("a.b") << QByteArray("a.c") << false;
    QTest::newRow("key has an extra word") << QByteArray("a.b") << QByteArray("a.b.c") << false;
    QTest::newRow("key lacks a word") << QByteArray("a.b.c") << QByteArray("a.b") << false;
    QTest::newRow("prefix of a word is not a match") << QByteArray("order") << QByteArray("orders") << false;
    QTest::newRow("empty pattern, empty key") << QByteArray("") << QByteArray("") << true;
    QTest::newRow("empty pattern, one word") << QByteArray("") << QByteArray("a") << false;
    QTest::newRow("one word, empty key") << QByteArray("a") << QByteArray("") << false;

    // '*': exactly one word
    QTest::newRow("* one word") << QByteArray("*") << QByteArray("a") << true;
    QTest::newRow("* empty key has no word") << QByteArray("*") << QByteArray("") << false;
    QTest::newRow("* two words") << QByteArray("*") << QByteArray("a.b") << false;
    QTest::newRow("a.*.c middle word") << QByteArray("a.*.c") << QByteArray("a.b.c") << true;
    QTest::newRow("a.*.c missing middle") << QByteArray("a.*.c") << QByteArray("a.c") << false;
    QTest::newRow("a.*.c two middle words") << QByteArray("a.*.c") << QByteArray("a.b.b.c") << false;
    QTest::newRow("a.*.c wrong last") << QByteArray("a.*.c") << QByteArray("a.b.d") << false;
    QTest::newRow("*.* two words") << QByteArray("*.*") << QByteArray("a.b") << true;
    QTest::newRow("*.* one word") << QByteArray("*.*") << QByteArray("a") << false;
    QTest::newRow("*.* three words") << QByteArray("*.*") << QByteArray("a.b.c") << false;
    QTest::newRow("a.* trailing") << QByteArray("a.*") << QByteArray("a.b") << true;
    QTest::newRow("a.* needs a word") << QByteArray("a.*") << QByteArray("a") << false;

    // '#': zero or more words
    QTest::newRow("# empty key") << QByteArray("#") << QByteArray("") << true;
    QTest::newRow("# one word") << QByteArray("#") << QByteArray("a") << true;
    QTest::newRow("# three words") << QByteArray("#") << QByteArray("a.b.c") << true;
    QTest::newRow("a.# zero words after") << QByteArray("a.#") << QByteArray("a") << true;
    QTest::newRow("a.# one word after") << QByteArray("a.#") << QByteArray("a.b") << true;
    QTest::newRow("a.# two words after") << QByteArray("a.#") << QByteArray("a.b.c") << true;
    QTest::newRow("a.# other first word") << QByteArray("a.#") << QByteArray("b.a") << false;
    QTest::newRow("a.# empty key") << QByteArray("a.#") << QByteArray("") << false;
    QTest::newRow("#.a zero words before") << QByteArray("#.a") << QByteArray("a") << true;
    QTest::newRow("#.a two words before") << QByteArray("#.a") << QByteArray("x.y.a") << true;
    QTest::newRow("#.a other last word") << QByteArray("#.a") << QByteArray("a.x") << false;
    QTest::newRow("a.#.b nothing between") << QByteArray("a.#.b") << QByteArray("a.b") << true;
    QTest::newRow("a.#.b two between") << QByteArray("a.#.b") << QByteArray("a.x.y.b") << true;
    QTest::newRow("a.#.b wrong end") << QByteArray("a.#.b") << QByteArray("a.b.c") << false;
    QTest::newRow("#.# empty key") << QByteArray("#.#") << QByteArray("") << true;
    QTest::newRow("#.# one word") << QByteArray("#.#") << QByteArray("a") << true;
    QTest::newRow("#.# three words") << QByteArray("#.#") << QByteArray("a.b.c") << true;
    QTest::newRow("#.b.# b alone") << QByteArray("#.b.#") << QByteArray("b") << true;
    QTest::newRow("#.b.# b inside") << QByteArray("#.b.#") << QByteArray("a.b.c") << true;
    QTest::newRow("#.b.# no b") << QByteArray("#.b.#") << QByteArray("a.c") << false;
    QTest::newRow("*.# needs one word") << QByteArray("*.#") << QByteArray("") << false;
    QTest::newRow("*.# one word") << QByteArray("*.#") << QByteArray("a") << true;
    QTest::newRow("#.* empty key") << QByteArray("#.*") << QByteArray("") << false;
    QTest::newRow("#.* two words") << QByteArray("#.*") << QByteArray("a.b") << true;
    QTest::newRow("# then literal, backtracking") << QByteArray("#.a.b") << QByteArray("a.a.b") << true;
    QTest::newRow("#.a.#.a") << QByteArray("#.a.#.a") << QByteArray("x.a.y.z.a") << true;
    QTest::newRow("a.#.a needs two a") << QByteArray("a.#.a") << QByteArray("a") << false;
    QTest::newRow("#.x.*.y") << QByteArray("#.x.*.y") << QByteArray("x.x.q.y") << true;
    QTest::newRow("#.x.*.y no match") << QByteArray("#.x.*.y") << QByteArray("x.q.x.y") << false;

    // Empty words between dots are words
    QTest::newRow("a..b literal") << QByteArray("a..b") << QByteArray("a..b") << true;
    QTest::newRow("a.*.b matches empty word") << QByteArray("a.*.b") << QByteArray("a..b") << true;
    QTest::newRow("a.b against a..b") << QByteArray("a.b") << QByteArray("a..b") << false;
    QTest::newRow("a..b against a.b") << QByteArray("a..b") << QByteArray("a.b") << false;
    QTest::newRow("* against single dot") << QByteArray("*") << QByteArray(".") << false;
    QTest::newRow("*.* against single dot") << QByteArray("*.*") << QByteArray(".") << true;
    QTest::newRow("a.* against trailing dot") << QByteArray("a.*") << QByteArray("a.") << true;
    QTest::newRow("#.a against leading dot") << QByteArray("#.a") << QByteArray(".a") << true;
    QTest::newRow("a against trailing dot") << QByteArray("a") << QByteArray("a.") << false;

    // Every other character is literal
    QTest::newRow("punctuation") << QByteArray("a-b_c:d/e") << QByteArray("a-b_c:d/e") << true;
    QTest::newRow("space inside a word") << QByteArray("a b.c") << QByteArray("a b.c") << true;
    QTest::newRow("regex ? is literal") << QByteArray("a.b?") << QByteArray("a.bc") << false;
    QTest::newRow("regex [] is literal") << QByteArray("a.[bc]") << QByteArray("a.b") << false;
    QTest::newRow("regex .+ is literal") << QByteArray("a.+") << QByteArray("a.b") << false;
    QTest::newRow("b* is a literal word") << QByteArray("a.b*") << QByteArray("a.b*") << true;
    QTest::newRow("b* is no wildcard") << QByteArray("a.b*") << QByteArray("a.bc") << false;
    QTest::newRow("#a is a literal word") << QByteArray("#a") << QByteArray("#a") << true;
    QTest::newRow("#a is no wildcard") << QByteArray("#a") << QByteArray("x.a") << false;
    QTest::newRow("* in the key is literal") << QByteArray("a.b") << QByteArray("a.*") << false;
    QTest::newRow("# in the key is literal") << QByteArray("a.b") << QByteArray("#") << false;
    QTest::newRow("utf-8 words") << QByteArray("caf\xc3\xa9.*") << QByteArray("caf\xc3\xa9.cr\xc3\xa8me")
                                 << true;

    // Case sensitive
    QTest::newRow("upper-case pattern") << QByteArray("A.b") << QByteArray("a.b") << false;
    QTest::newRow("upper-case key") << QByteArray("a.b") << QByteArray("a.B") << false;
    QTest::newRow("wildcard keeps case") << QByteArray("*.B") << QByteArray("x.b") << false;
    QTest::newRow("same case") << QByteArray("Orders.EU") << QByteArray("Orders.EU") << true;
}

void TestRouting::topicMatches()
{
    QFETCH(QByteArray, pattern);
    QFETCH(QByteArray, routingKey);
    QFETCH(bool, expected);

    QCOMPARE(sb::topicMatches(str(pattern), str(routingKey)), expected);

    // The compiled pattern, as the exchange keeps it, agrees with the one-shot function.
    const sb::TopicPattern compiled(str(pattern));
    QCOMPARE(QByteArray::fromStdString(compiled.text()), pattern);
    QCOMPARE(compiled.matches(str(routingKey)), expected);
    QCOMPARE(compiled.matchesWords(sb::splitWords(str(routingKey))), expected);
}

void TestRouting::splitWords_data()
{
    QTest::addColumn<QByteArray>("key");
    QTest::addColumn<QList<QByteArray>>("words");

    QTest::newRow("empty key has zero words") << QByteArray("") << QList<QByteArray>{};
    QTest::newRow("one word") << QByteArray("a") << QList<QByteArray>{"a"};
    QTest::newRow("three words") << QByteArray("a.b.c") << QList<QByteArray>{"a", "b", "c"};
    QTest::newRow("empty middle word") << QByteArray("a..b") << QList<QByteArray>{"a", "", "b"};
    QTest::newRow("single dot") << QByteArray(".") << QList<QByteArray>{"", ""};
    QTest::newRow("trailing dot") << QByteArray("a.") << QList<QByteArray>{"a", ""};
    QTest::newRow("leading dot") << QByteArray(".a") << QList<QByteArray>{"", "a"};
    QTest::newRow("wildcards are words") << QByteArray("*.#") << QList<QByteArray>{"*", "#"};
}

void TestRouting::splitWords()
{
    QFETCH(QByteArray, key);
    QFETCH(QList<QByteArray>, words);

    const std::string text = str(key);
    const auto got = sb::splitWords(text);
    QList<QByteArray> actual;
    for (auto w : got)
        actual.append(QByteArray(w.data(), static_cast<qsizetype>(w.size())));
    QCOMPARE(actual, words);
}

void TestRouting::checkBindingKey_data()
{
    QTest::addColumn<QByteArray>("exchangeType");
    QTest::addColumn<QByteArray>("key");
    QTest::addColumn<bool>("valid");
    QTest::addColumn<QByteArray>("reason"); // substring of the message when invalid

    const QByteArray longest(255, 'k');
    const QByteArray tooLong(256, 'k');
    QByteArray tooLongUtf8; // 128 two-byte characters: 128 characters but 256 bytes
    for (int i = 0; i < 128; ++i)
        tooLongUtf8 += "\xc3\xa9";

    QTest::newRow("direct: empty") << QByteArray("direct") << QByteArray("") << true << QByteArray();
    QTest::newRow("direct: word") << QByteArray("direct") << QByteArray("orders") << true << QByteArray();
    QTest::newRow("direct: dotted") << QByteArray("direct") << QByteArray("orders.eu") << true
                                    << QByteArray();
    QTest::newRow("direct: rejects *")
        << QByteArray("direct") << QByteArray("orders.*") << false << QByteArray("direct");
    QTest::newRow("direct: rejects lone *")
        << QByteArray("direct") << QByteArray("*") << false << QByteArray("direct");
    QTest::newRow("direct: rejects #")
        << QByteArray("direct") << QByteArray("#") << false << QByteArray("direct");
    QTest::newRow("direct: rejects # inside a word")
        << QByteArray("direct") << QByteArray("a#b") << false << QByteArray("direct");
    QTest::newRow("direct: 255 bytes") << QByteArray("direct") << longest << true << QByteArray();
    QTest::newRow("direct: 256 bytes") << QByteArray("direct") << tooLong << false << QByteArray("255");
    QTest::newRow("direct: 256 bytes of utf-8")
        << QByteArray("direct") << tooLongUtf8 << false << QByteArray("255");

    QTest::newRow("fanout: empty") << QByteArray("fanout") << QByteArray("") << true << QByteArray();
    QTest::newRow("fanout: rejects a word")
        << QByteArray("fanout") << QByteArray("orders") << false << QByteArray("fanout");
    QTest::newRow("fanout: rejects #")
        << QByteArray("fanout") << QByteArray("#") << false << QByteArray("fanout");
    QTest::newRow("fanout: rejects a space")
        << QByteArray("fanout") << QByteArray(" ") << false << QByteArray("fanout");
    QTest::newRow("fanout: 256 bytes") << QByteArray("fanout") << tooLong << false << QByteArray("255");

    QTest::newRow("topic: empty") << QByteArray("topic") << QByteArray("") << true << QByteArray();
    QTest::newRow("topic: words") << QByteArray("topic") << QByteArray("orders.eu") << true << QByteArray();
    QTest::newRow("topic: *") << QByteArray("topic") << QByteArray("*") << true << QByteArray();
    QTest::newRow("topic: #") << QByteArray("topic") << QByteArray("#") << true << QByteArray();
    QTest::newRow("topic: a.#.b") << QByteArray("topic") << QByteArray("a.#.b") << true << QByteArray();
    QTest::newRow("topic: a.*.c") << QByteArray("topic") << QByteArray("a.*.c") << true << QByteArray();
    QTest::newRow("topic: #.#") << QByteArray("topic") << QByteArray("#.#") << true << QByteArray();
    QTest::newRow("topic: *.#.*") << QByteArray("topic") << QByteArray("*.#.*") << true << QByteArray();
    QTest::newRow("topic: empty word") << QByteArray("topic") << QByteArray("a..b") << true << QByteArray();
    // RabbitMQ takes '*' and '#' inside a word as literal characters (the loader warns); it
    // refuses keys with more than two '#' words (rabbit_exchange_type_topic:validate_binding).
    QTest::newRow("topic: a.b* is literal")
        << QByteArray("topic") << QByteArray("a.b*") << true << QByteArray();
    QTest::newRow("topic: #a is literal") << QByteArray("topic") << QByteArray("#a") << true << QByteArray();
    QTest::newRow("topic: a.*b.c is literal")
        << QByteArray("topic") << QByteArray("a.*b.c") << true << QByteArray();
    QTest::newRow("topic: ** is literal") << QByteArray("topic") << QByteArray("**") << true << QByteArray();
    QTest::newRow("topic: ##.##.## are not '#' words")
        << QByteArray("topic") << QByteArray("##.##.##") << true << QByteArray();
    QTest::newRow("topic: #.a.# two #") << QByteArray("topic") << QByteArray("#.a.#") << true << QByteArray();
    QTest::newRow("topic: rejects #.#.#") << QByteArray("topic") << QByteArray("#.#.#") << false
                                          << QByteArray("'#.#.#': word 3 at column 5 is a third '#'");
    QTest::newRow("topic: rejects #.*.#.*.#")
        << QByteArray("topic") << QByteArray("#.*.#.*.#") << false << QByteArray("more than 2 '#' words");
    QTest::newRow("topic: rejects 128 # in 255 bytes")
        << QByteArray("topic") << QByteArray("#.").repeated(127).append("#") << false
        << QByteArray("third '#'");
    QTest::newRow("topic: 255 bytes") << QByteArray("topic") << longest << true << QByteArray();
    QTest::newRow("topic: 256 bytes") << QByteArray("topic") << tooLong << false << QByteArray("255");
    QTest::newRow("topic: 256 bytes of wildcards")
        << QByteArray("topic") << QByteArray("#.*.").repeated(64) << false << QByteArray("255");
}

void TestRouting::checkBindingKey()
{
    QFETCH(QByteArray, exchangeType);
    QFETCH(QByteArray, key);
    QFETCH(bool, valid);
    QFETCH(QByteArray, reason);

    const std::string why = sb::checkBindingKey(str(exchangeType), str(key));
    if (valid) {
        QVERIFY2(why.empty(), why.c_str());
        return;
    }
    QVERIFY2(!why.empty(), "an invalid binding key was accepted");
    QVERIFY2(why.find(str(reason)) != std::string::npos, why.c_str());
}

QTEST_APPLESS_MAIN(TestRouting)
#include "tst_routing.moc"
