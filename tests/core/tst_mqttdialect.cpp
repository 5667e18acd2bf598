// The mqtt dialect through core/pubsub: MQTT 3.1.1/5 topic filters and names as Mosquitto matches
// and validates them (mosquitto_topic_matches_sub, mosquitto_sub_topic_check,
// mosquitto_pub_topic_check, mosquitto_validate_utf8), shared subscriptions, and explainMatch.
#include "dialecttables.h"

using namespace dialecttest;

class TestMqttDialect : public QObject {
    Q_OBJECT

private slots:
    void matches_data();
    void matches() { checkMatchRow(sb::Dialect::Mqtt); }
    void explain_data();
    void explain() { checkExplainRow(sb::Dialect::Mqtt); }
    void filterIssues_data();
    void filterIssues();
    void topicIssues_data();
    void topicIssues();
    void sharedSubscription_data();
    void sharedSubscription();
};

void TestMqttDialect::matches_data()
{
    addMatchColumns();
    QTest::newRow("literal") << QByteArray("home/kitchen/temp") << QByteArray("home/kitchen/temp") << true;
    QTest::newRow("+ one level") << QByteArray("home/+/temp") << QByteArray("home/kitchen/temp") << true;
    QTest::newRow("+ not two levels") << QByteArray("home/+/temp") << QByteArray("home/a/b/temp") << false;
    QTest::newRow("+ needs the level") << QByteArray("home/+") << QByteArray("home") << false;
    QTest::newRow("+ takes an empty level") << QByteArray("home/+") << QByteArray("home/") << true;
    QTest::newRow("# the rest") << QByteArray("home/#") << QByteArray("home/a/b") << true;
    QTest::newRow("# the parent") << QByteArray("home/#") << QByteArray("home") << true;
    QTest::newRow("# empty last level") << QByteArray("home/#") << QByteArray("home/") << true;
    QTest::newRow("# alone") << QByteArray("#") << QByteArray("a/b/c") << true;
    QTest::newRow("+/# parent") << QByteArray("foo/+/#") << QByteArray("foo/bar") << true;
    QTest::newRow("+/# not the grandparent") << QByteArray("foo/+/#") << QByteArray("foo") << false;
    QTest::newRow("leading / is an empty level") << QByteArray("/a") << QByteArray("/a") << true;
    QTest::newRow("leading / differs from none") << QByteArray("a") << QByteArray("/a") << false;
    QTest::newRow("+ matches the empty first level") << QByteArray("+/a") << QByteArray("/a") << true;
    QTest::newRow("trailing /") << QByteArray("a/+") << QByteArray("a/") << true;
    QTest::newRow("double / is an empty level") << QByteArray("a/+/b") << QByteArray("a//b") << true;
    QTest::newRow("filter longer") << QByteArray("a/b/c") << QByteArray("a/b") << false;
    QTest::newRow("filter shorter") << QByteArray("a/b") << QByteArray("a/b/c") << false;
    QTest::newRow("# does not match $SYS") << QByteArray("#") << QByteArray("$SYS/uptime") << false;
    QTest::newRow("+ does not match $SYS") << QByteArray("+/uptime") << QByteArray("$SYS/uptime") << false;
    QTest::newRow("$SYS/# matches $SYS") << QByteArray("$SYS/#") << QByteArray("$SYS/uptime") << true;
    QTest::newRow("$ later is ordinary") << QByteArray("a/+") << QByteArray("a/$x") << true;
    QTest::newRow("case-sensitive") << QByteArray("Home/+") << QByteArray("home/a") << false;
    QTest::newRow("non-ASCII levels") << QByteArray("k\xc3\xbc"
                                                    "che/+")
                                      << QByteArray("k\xc3\xbc"
                                                    "che/\xe6\xb8\xa9")
                                      << true;
    QTest::newRow("shared subscription matches by its filter")
        << QByteArray("$share/g/home/+") << QByteArray("home/a") << true;
    QTest::newRow("shared # hides $ topics") << QByteArray("$share/g/#") << QByteArray("$SYS/a") << false;
}

void TestMqttDialect::explain_data()
{
    addExplainColumns();
    QTest::newRow("other level") << QByteArray("home/garage/+") << QByteArray("home/kitchen/temp")
                                 << QByteArray("no match: level 2 'kitchen' is not 'garage'");
    QTest::newRow("wildcards") << QByteArray("home/+/#") << QByteArray("home/kitchen/temp/c")
                               << QByteArray("matches: '+' took 'kitchen', '#' took 'temp/c'");
    QTest::newRow("# the parent") << QByteArray("home/#") << QByteArray("home")
                                  << QByteArray(
                                         "matches: '#' took nothing (it also matches the parent level)");
    QTest::newRow("$ topic")
        << QByteArray("#") << QByteArray("$SYS/x")
        << QByteArray("no match: '#' at the start does not match topics beginning with '$' "
                      "(such as '$SYS/...', the broker's own); subscribe to '$SYS/#' for those");
    QTest::newRow("topic shorter") << QByteArray("a/+/c") << QByteArray("a/b")
                                   << QByteArray("no match: the topic has only 2 levels; the filter needs 3");
    QTest::newRow("topic longer")
        << QByteArray("a/+") << QByteArray("a/b/c")
        << QByteArray("no match: the topic has 3 levels, the filter only 2 and no '#' to take "
                      "the rest");
    QTest::newRow("same") << QByteArray("a/b") << QByteArray("a/b")
                          << QByteArray("matches: the same 2 levels, level for level");
    QTest::newRow("empty level") << QByteArray("a/+") << QByteArray("a/")
                                 << QByteArray("matches: '+' took the empty level ''");
}

void TestMqttDialect::filterIssues_data()
{
    addIssueColumns();
    QTest::newRow("plain") << QByteArray("home/kitchen") << 0 << false << 0 << QByteArray();
    QTest::newRow("wildcards") << QByteArray("+/a/+/#") << 0 << false << 0 << QByteArray();
    QTest::newRow("# alone") << QByteArray("#") << 0 << false << 0 << QByteArray();
    QTest::newRow("empty levels") << QByteArray("/a//b/") << 0 << false << 0 << QByteArray();
    QTest::newRow("empty") << QByteArray("") << 1 << true << 0
                           << QByteArray("an empty topic filter is not allowed");
    QTest::newRow("+ inside a level")
        << QByteArray("a/b+") << 1 << true << 3 << QByteArray("'+' at column 4 must be a whole level");
    QTest::newRow("+ before text") << QByteArray("+a") << 1 << true << 0 << QByteArray("whole level");
    QTest::newRow("# inside a level")
        << QByteArray("a/b#") << 1 << true << 3 << QByteArray("'#' at column 4 must be a whole level");
    QTest::newRow("# in the middle") << QByteArray("a/#/b") << 1 << true << 2
                                     << QByteArray("'#' at column 3 must be the last level");
    QTest::newRow("# then /") << QByteArray("a/#/") << 1 << true << 2 << QByteArray("last level");
    QTest::newRow("two bad wildcards") << QByteArray("a+/#b") << 2 << true << 1 << QByteArray("'+'");
    QTest::newRow("65535 bytes") << QByteArray(65535, 'a') << 0 << false << 0 << QByteArray();
    QTest::newRow("65536 bytes") << QByteArray(65536, 'a') << 1 << true << 65535
                                 << QByteArray("65536 bytes long");
    QTest::newRow("U+0000") << QByteArray("a/\0b", 4) << 1 << true << 2
                            << QByteArray("null character U+0000 at column 3");
    QTest::newRow("bad UTF-8") << QByteArray("a/\xc3(") << 1 << true << 2
                               << QByteArray("byte 0xC3 at column 3 does not start valid UTF-8");
    QTest::newRow("overlong UTF-8") << QByteArray("\xc0\xaf") << 1 << true << 0 << QByteArray("valid UTF-8");
    QTest::newRow("surrogate") << QByteArray("a\xed\xa0\x80") << 1 << true << 1 << QByteArray("valid UTF-8");
    QTest::newRow("control character")
        << QByteArray("a\x1b") << 1 << true << 1
        << QByteArray("control character U+001B at column 2 is refused by Mosquitto");
    QTest::newRow("201 levels") << QByteArray("a").append(QByteArray("/a").repeated(200)) << 0 << false << 0
                                << QByteArray();
    QTest::newRow("202 levels") << QByteArray("a").append(QByteArray("/a").repeated(201)) << 1 << true << 401
                                << QByteArray("more than 200 '/'");
    QTest::newRow("shared") << QByteArray("$share/g1/home/+") << 0 << false << 0 << QByteArray();
    QTest::newRow("shared, empty group")
        << QByteArray("$share//a") << 1 << true << 7 << QByteArray("names its group");
    QTest::newRow("shared, + in group")
        << QByteArray("$share/g+/a") << 1 << true << 8 << QByteArray("share name 'g+' cannot contain '+'");
    QTest::newRow("shared, no filter")
        << QByteArray("$share/g") << 1 << true << 8 << QByteArray("needs a topic filter after the group");
    QTest::newRow("shared, empty filter") << QByteArray("$share/g/") << 1 << true << 9
                                          << QByteArray("the topic filter after '$share/g/' is empty");
    QTest::newRow("shared, bad filter")
        << QByteArray("$share/g/a#") << 1 << true << 10 << QByteArray("'#' at column 11");
}

void TestMqttDialect::filterIssues()
{
    QFETCH(QByteArray, text);
    checkIssueRow(sb::checkFilter(sb::Dialect::Mqtt, str(text)));
}

void TestMqttDialect::topicIssues_data()
{
    addIssueColumns();
    QTest::newRow("plain") << QByteArray("home/kitchen") << 0 << false << 0 << QByteArray();
    QTest::newRow("$SYS") << QByteArray("$SYS/broker/uptime") << 0 << false << 0 << QByteArray();
    QTest::newRow("empty levels") << QByteArray("/") << 0 << false << 0 << QByteArray();
    QTest::newRow("non-ASCII") << QByteArray("\xe6\xb8\xa9/x") << 0 << false << 0 << QByteArray();
    QTest::newRow("empty") << QByteArray("") << 1 << true << 0
                           << QByteArray("an empty topic name is not allowed");
    QTest::newRow("+") << QByteArray("home/+/temp") << 1 << true << 5
                       << QByteArray("'+' at column 6: a topic name to publish to cannot contain wildcards");
    QTest::newRow("# inside a level")
        << QByteArray("a#") << 1 << true << 1 << QByteArray("cannot contain wildcards");
    QTest::newRow("65536 bytes") << QByteArray(65536, 'a') << 1 << true << 65535
                                 << QByteArray("at most 65535 bytes");
    QTest::newRow("U+0000") << QByteArray("\0", 1) << 1 << true << 0 << QByteArray("U+0000");
}

void TestMqttDialect::topicIssues()
{
    QFETCH(QByteArray, text);
    checkIssueRow(sb::checkSubject(sb::Dialect::Mqtt, str(text)));
}

void TestMqttDialect::sharedSubscription_data()
{
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<bool>("shared");
    QTest::addColumn<QByteArray>("group");
    QTest::addColumn<QByteArray>("filter");
    QTest::addColumn<int>("filterPosition");
    QTest::newRow("shared") << QByteArray("$share/workers/jobs/#") << true << QByteArray("workers")
                            << QByteArray("jobs/#") << 15;
    QTest::newRow("no filter") << QByteArray("$share/workers") << true << QByteArray("workers")
                               << QByteArray() << 14;
    QTest::newRow("not shared") << QByteArray("jobs/#") << false << QByteArray() << QByteArray() << 0;
    QTest::newRow("$share alone is a topic")
        << QByteArray("$share") << false << QByteArray() << QByteArray() << 0;
}

void TestMqttDialect::sharedSubscription()
{
    QFETCH(QByteArray, text);
    QFETCH(bool, shared);
    QFETCH(QByteArray, group);
    QFETCH(QByteArray, filter);
    QFETCH(int, filterPosition);
    const std::string t = str(text);
    sb::SharedSubscription s;
    QCOMPARE(sb::parseSharedSubscription(t, s), shared);
    if (!shared) return;
    QCOMPARE(QByteArray(s.group.data(), qsizetype(s.group.size())), group);
    QCOMPARE(QByteArray(s.filter.data(), qsizetype(s.filter.size())), filter);
    QCOMPARE(int(s.filterPosition), filterPosition);
}

QTEST_APPLESS_MAIN(TestMqttDialect)
#include "tst_mqttdialect.moc"
