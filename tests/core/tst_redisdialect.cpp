// The redis dialect through core/pubsub: PSUBSCRIBE glob patterns matched exactly as Redis's
// util.c stringmatchlen (its corners included), the warnings for patterns that surely do not say
// what was meant, and explainMatch.
#include "dialecttables.h"

using namespace dialecttest;

class TestRedisDialect : public QObject {
    Q_OBJECT

private slots:
    void matches_data();
    void matches() { checkMatchRow(sb::Dialect::Redis); }
    void explain_data();
    void explain() { checkExplainRow(sb::Dialect::Redis); }
    void patternIssues_data();
    void patternIssues();
    void anyChannelIsValid();
};

void TestRedisDialect::matches_data()
{
    addMatchColumns();
    // Redis's own documentation examples (PSUBSCRIBE / KEYS).
    QTest::newRow("h?llo") << QByteArray("h?llo") << QByteArray("hello") << true;
    QTest::newRow("h*llo") << QByteArray("h*llo") << QByteArray("heeeello") << true;
    QTest::newRow("h*llo, no l") << QByteArray("h*llo") << QByteArray("heeeeo") << false;
    QTest::newRow("h[ae]llo a") << QByteArray("h[ae]llo") << QByteArray("hallo") << true;
    QTest::newRow("h[ae]llo i") << QByteArray("h[ae]llo") << QByteArray("hillo") << false;
    QTest::newRow("h[^e]llo a") << QByteArray("h[^e]llo") << QByteArray("hallo") << true;
    QTest::newRow("h[^e]llo e") << QByteArray("h[^e]llo") << QByteArray("hello") << false;
    QTest::newRow("h[a-b]llo b") << QByteArray("h[a-b]llo") << QByteArray("hbllo") << true;
    QTest::newRow("h[a-b]llo c") << QByteArray("h[a-b]llo") << QByteArray("hcllo") << false;
    QTest::newRow("news.*") << QByteArray("news.*") << QByteArray("news.art.figurative") << true;
    // Empty channels: the loop needs a character, so only the empty pattern matches one.
    QTest::newRow("* does not match the empty channel") << QByteArray("*") << QByteArray("") << false;
    QTest::newRow("** does not match the empty channel") << QByteArray("**") << QByteArray("") << false;
    QTest::newRow("empty pattern, empty channel") << QByteArray("") << QByteArray("") << true;
    QTest::newRow("empty pattern, a channel") << QByteArray("") << QByteArray("a") << false;
    QTest::newRow("trailing * takes nothing") << QByteArray("a*") << QByteArray("a") << true;
    QTest::newRow("trailing ** take nothing") << QByteArray("a**") << QByteArray("a") << true;
    QTest::newRow("* in the middle takes nothing") << QByteArray("a*b") << QByteArray("ab") << true;
    QTest::newRow("* then literal, backtracking") << QByteArray("*ab") << QByteArray("aab") << true;
    QTest::newRow("? needs a character") << QByteArray("a?") << QByteArray("a") << false;
    // Classes
    QTest::newRow("reversed range is swapped") << QByteArray("[c-a]") << QByteArray("b") << true;
    QTest::newRow("unterminated class takes the rest") << QByteArray("[abc") << QByteArray("c") << true;
    QTest::newRow("unterminated class, other") << QByteArray("[abc") << QByteArray("d") << false;
    QTest::newRow("lone [ matches nothing") << QByteArray("[") << QByteArray("[") << false;
    QTest::newRow("[^ unterminated matches any") << QByteArray("[^") << QByteArray("x") << true;
    QTest::newRow("[] is empty") << QByteArray("[]a]") << QByteArray("]") << false;
    QTest::newRow("[^] is any") << QByteArray("[^]") << QByteArray("x") << true;
    QTest::newRow("escaped ] in a class") << QByteArray("[\\]]") << QByteArray("]") << true;
    QTest::newRow("[a-] is the range ]-a") << QByteArray("[a-]") << QByteArray("^") << true;
    QTest::newRow("[a-] not b") << QByteArray("[a-]") << QByteArray("b") << false;
    QTest::newRow("range of bytes above 0x7f is signed")
        << QByteArray("[a-\xc3]") << QByteArray("b") << false;
    // Escapes
    QTest::newRow("\\* is a literal *") << QByteArray("a\\*") << QByteArray("a*") << true;
    QTest::newRow("\\* is no wildcard") << QByteArray("a\\*") << QByteArray("ab") << false;
    QTest::newRow("trailing \\ is literal") << QByteArray("a\\") << QByteArray("a\\") << true;
    QTest::newRow("\\? literal") << QByteArray("\\?") << QByteArray("x") << false;
    // Other bytes
    QTest::newRow("case-sensitive") << QByteArray("News.*") << QByteArray("news.x") << false;
    QTest::newRow("non-ASCII") << QByteArray("k\xc3\xbc"
                                             "che.*")
                               << QByteArray("k\xc3\xbc"
                                             "che.\xe6\xb8\xa9")
                               << true;
    QTest::newRow("? is one byte, not one character") << QByteArray("?") << QByteArray("\xc3\xbc") << false;
    QTest::newRow("dots and slashes are ordinary") << QByteArray("a*z") << QByteArray("a.b/c.z") << true;
    // Redis gives up past 1000 nested '*': the pattern then does not match.
    QTest::newRow("999 nested *") << QByteArray("*a").repeated(999) << QByteArray("a").repeated(999) << true;
    QTest::newRow("1001 nested * give up")
        << QByteArray("*a").repeated(1001) << QByteArray("a").repeated(1001) << false;
}

void TestRedisDialect::explain_data()
{
    addExplainColumns();
    QTest::newRow("*") << QByteArray("h*llo") << QByteArray("heeello")
                       << QByteArray("matches: '*' took 'eee'");
    QTest::newRow("? and class") << QByteArray("h?[a-z]o") << QByteArray("helo")
                                 << QByteArray("matches: '?' took 'e', '[a-z]' took 'l'");
    QTest::newRow("literal") << QByteArray("hello") << QByteArray("hello")
                             << QByteArray("matches: the same characters, literally");
    QTest::newRow("prefix") << QByteArray("news.*") << QByteArray("sport.x")
                            << QByteArray(
                                   "no match: character 1 's' is not 'n' (the pattern starts with 'news.')");
    QTest::newRow("shorter than the prefix")
        << QByteArray("news.*") << QByteArray("new")
        << QByteArray("no match: the channel is shorter than the pattern's literal "
                      "start 'news.'");
    QTest::newRow("empty channel")
        << QByteArray("*") << QByteArray("")
        << QByteArray("no match: the channel is empty, and Redis matches an empty channel only "
                      "with the empty pattern (even '*' needs one character)");
    QTest::newRow("class") << QByteArray("h[ae]llo") << QByteArray("hillo")
                           << QByteArray(
                                  "no match: character 2 'i' is not in '[ae]' at column 2 of the pattern");
    QTest::newRow("after *")
        << QByteArray("a*b") << QByteArray("axxc")
        << QByteArray("no match: at best, character 4 'c' is not 'b' at column 3 of the pattern "
                      "(with every way of placing its '*'s)");
    QTest::newRow("pattern ends") << QByteArray("ab?") << QByteArray("abcd")
                                  << QByteArray(
                                         "no match: the pattern ends while the channel goes on with 'd'");
    QTest::newRow("channel ends") << QByteArray("a?c") << QByteArray("ab")
                                  << QByteArray(
                                         "no match: the channel ends while the pattern still needs 'c'");
}

void TestRedisDialect::patternIssues_data()
{
    addIssueColumns();
    QTest::newRow("plain") << QByteArray("news.*") << 0 << false << 0 << QByteArray();
    QTest::newRow("empty") << QByteArray("") << 0 << false << 0 << QByteArray();
    QTest::newRow("classes") << QByteArray("h[ae][^x][a-z][\\]]?") << 0 << false << 0 << QByteArray();
    QTest::newRow("[^] is fine") << QByteArray("[^]") << 0 << false << 0 << QByteArray();
    QTest::newRow("unterminated [") << QByteArray("news.[abc") << 1 << false << 5
                                    << QByteArray("the '[' at column 6 opens a class that is never closed");
    QTest::newRow("trailing \\") << QByteArray("a\\") << 1 << false << 1
                                 << QByteArray("ends with a lone '\\' at column 2");
    QTest::newRow("escaped \\ at the end is fine") << QByteArray("a\\\\") << 0 << false << 0 << QByteArray();
    QTest::newRow("reversed range")
        << QByteArray("[z-a]") << 1 << false << 1
        << QByteArray("the range 'z-a' at column 2 is reversed: Redis reads it as 'a-z'");
    QTest::newRow("empty class") << QByteArray("x[]") << 1 << false << 1
                                 << QByteArray("'[]' at column 2 is an empty class");
    QTest::newRow("[a-] takes the ]") << QByteArray("[a-]") << 2 << false << 1 << QByteArray("reversed");
}

void TestRedisDialect::patternIssues()
{
    QFETCH(QByteArray, text);
    checkIssueRow(sb::checkFilter(sb::Dialect::Redis, str(text)));
}

void TestRedisDialect::anyChannelIsValid()
{
    for (const char *channel : {"", "a b", "*", "news.[x", "\x01"})
        QVERIFY2(sb::checkSubject(sb::Dialect::Redis, channel).empty(), channel);
}

QTEST_APPLESS_MAIN(TestRedisDialect)
#include "tst_redisdialect.moc"
