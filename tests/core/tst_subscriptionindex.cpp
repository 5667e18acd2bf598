// SubscriptionIndex (core/pubsub): the tries answer exactly what the plain scan (SubscriptionScan,
// dialectMatches per pattern) answers, in the order the subscriptions were added, each once; ids
// are not reused; remove() prunes.
#include "pubsub/subscriptionindex.h"
#include "pubsub/subscriptionscan.h"

#include <QTest>

#include <random>
#include <string>

Q_DECLARE_METATYPE(sb::Dialect)

namespace {

std::string joinRandom(std::mt19937 &rng, const std::vector<std::string> &tokens, std::size_t minCount,
                       std::size_t maxCount, char sep, const std::vector<std::string> &lastOnly = {})
{
    const std::size_t n = std::uniform_int_distribution<std::size_t>(minCount, maxCount)(rng);
    std::string out;
    for (std::size_t i = 0; i < n; ++i) {
        if (i > 0) out += sep;
        if (i + 1 == n && !lastOnly.empty() && rng() % 4 == 0)
            out += lastOnly[rng() % lastOnly.size()];
        else
            out += tokens[rng() % tokens.size()];
    }
    return out;
}

std::string randomPattern(sb::Dialect d, std::mt19937 &rng)
{
    switch (d) {
    case sb::Dialect::Amqp:
        return joinRandom(rng, {"a", "b", "c", "", "*", "#", "ab", "a*"}, 0, 5, '.');
    case sb::Dialect::Mqtt: {
        std::string f = joinRandom(rng, {"a", "b", "", "+", "$x", "c"}, 1, 5, '/', {"#"});
        return rng() % 8 == 0 ? "$share/g/" + f : f;
    }
    case sb::Dialect::Nats:
        return joinRandom(rng, {"a", "b", "c", "*", "ab", "a*"}, 1, 5, '.', {">"});
    case sb::Dialect::Redis: {
        static const std::string alphabet = "ab*?[]^-\\c.";
        std::string p(rng() % 7, ' ');
        for (auto &c : p)
            c = alphabet[rng() % alphabet.size()];
        return p;
    }
    }
    return {};
}

std::string randomSubject(sb::Dialect d, std::mt19937 &rng)
{
    switch (d) {
    case sb::Dialect::Amqp:
        return joinRandom(rng, {"a", "b", "c", "", "ab", "*"}, 0, 5, '.');
    case sb::Dialect::Mqtt:
        return joinRandom(rng, {"a", "b", "", "c", "$x", "$SYS"}, 1, 5, '/');
    case sb::Dialect::Nats:
        return joinRandom(rng, {"a", "b", "c", "ab", "a*"}, 1, 5, '.');
    case sb::Dialect::Redis: {
        static const std::string alphabet = "abc.]^-\\*";
        std::string s(rng() % 7, ' ');
        for (auto &c : s)
            c = alphabet[rng() % alphabet.size()];
        return s;
    }
    }
    return {};
}

QByteArray describe(const std::vector<std::uint32_t> &v)
{
    QByteArray out;
    for (auto x : v)
        out += QByteArray::number(x) + ' ';
    return out;
}

void addDialectRows()
{
    QTest::addColumn<sb::Dialect>("dialect");
    for (int i = 0; i < sb::kDialectCount; ++i)
        QTest::newRow(sb::dialectName(sb::Dialect(i))) << sb::Dialect(i);
}

} // namespace

class TestSubscriptionIndex : public QObject {
    Q_OBJECT

private slots:
    void agreesWithScan_data() { addDialectRows(); }
    void agreesWithScan();
    void orderAdded_data();
    void orderAdded();
    void eachOnce();
    void removePrunes_data() { addDialectRows(); }
    void removePrunes();
    void removeUnknown();
};

void TestSubscriptionIndex::agreesWithScan()
{
    QFETCH(sb::Dialect, dialect);
    std::mt19937 rng(20261206u + static_cast<unsigned>(dialect));
    sb::SubscriptionIndex index(dialect);
    sb::SubscriptionScan scan(dialect);
    std::vector<std::uint32_t> ids;
    std::size_t pairs = 0, matched = 0;
    for (int round = 0; round < 4; ++round) {
        // Grow by 60 valid patterns (duplicates welcome), remove a third of what is there, compare.
        for (int added = 0; added < 60;) {
            const std::string p = randomPattern(dialect, rng);
            if (sb::hasError(sb::checkFilter(dialect, p))) continue;
            const auto value = static_cast<std::uint32_t>(rng() % 1000);
            const std::uint32_t id = index.add(p, value);
            QCOMPARE(scan.add(p, value), id);
            ids.push_back(id);
            ++added;
        }
        for (std::size_t i = 0; i < ids.size() / 3; ++i) {
            const std::size_t k = rng() % ids.size();
            QCOMPARE(index.remove(ids[k]), scan.remove(ids[k]));
            ids.erase(ids.begin() + static_cast<std::ptrdiff_t>(k));
        }
        QCOMPARE(index.size(), scan.size());
        for (int i = 0; i < 800; ++i) {
            const std::string s = randomSubject(dialect, rng);
            std::vector<std::uint32_t> fromIndex, fromScan;
            index.match(s, fromIndex);
            scan.match(s, fromScan);
            pairs += index.size();
            matched += fromScan.size();
            QVERIFY2(fromIndex == fromScan,
                     ("subject '" + s + "': index " + describe(fromIndex).toStdString() + "/ scan " +
                      describe(fromScan).toStdString())
                         .c_str());
        }
    }
    QVERIFY2(pairs > 100000, "too few pattern/subject pairs compared");
    QVERIFY2(matched > 1000, "the random tables should match often enough to test something");
}

void TestSubscriptionIndex::orderAdded_data()
{
    QTest::addColumn<sb::Dialect>("dialect");
    QTest::addColumn<QStringList>("patterns"); // values are their positions
    QTest::addColumn<QString>("subject");
    QTest::addColumn<QList<int>>("values");
    QTest::newRow("amqp") << sb::Dialect::Amqp << QStringList{"#", "a.b", "a.*", "*.b", "x", "a.#", "#.b"}
                          << QStringLiteral("a.b") << QList<int>{0, 1, 2, 3, 5, 6};
    QTest::newRow("mqtt") << sb::Dialect::Mqtt
                          << QStringList{"a/+", "#", "a/b/#", "+/b", "a/b", "$share/g/a/b"}
                          << QStringLiteral("a/b") << QList<int>{0, 1, 2, 3, 4, 5};
    QTest::newRow("nats") << sb::Dialect::Nats << QStringList{"a.>", ">", "a.b", "*.b", "a.*.c", "a.*"}
                          << QStringLiteral("a.b") << QList<int>{0, 1, 2, 3, 5};
    QTest::newRow("redis") << sb::Dialect::Redis << QStringList{"a*", "*", "ab", "a?", "b*", "[a]b", "a\\b"}
                           << QStringLiteral("ab") << QList<int>{0, 1, 2, 3, 5, 6};
}

void TestSubscriptionIndex::orderAdded()
{
    QFETCH(sb::Dialect, dialect);
    QFETCH(QStringList, patterns);
    QFETCH(QString, subject);
    QFETCH(QList<int>, values);
    sb::SubscriptionIndex index(dialect);
    for (qsizetype i = 0; i < patterns.size(); ++i)
        QCOMPARE(index.add(patterns[i].toStdString(), static_cast<std::uint32_t>(i)),
                 static_cast<std::uint32_t>(i));
    std::vector<std::uint32_t> got;
    index.match(subject.toStdString(), got);
    QCOMPARE(QList<int>(got.begin(), got.end()), values);
    std::vector<std::uint32_t> ids;
    index.matchIds(subject.toStdString(), ids);
    QCOMPARE(ids, got); // values are the positions here, so ids and values agree
}

void TestSubscriptionIndex::eachOnce()
{
    // '#.a.#' reaches the key 'a.a.a' by three paths (any 'a' as the middle word); one binding,
    // one value. Two subscriptions with the same pattern are two values.
    sb::SubscriptionIndex index(sb::Dialect::Amqp);
    index.add("#.a.#", 10);
    index.add("#.#", 11);
    index.add("#.a.#", 12);
    std::vector<std::uint32_t> got;
    index.match("a.a.a", got);
    QCOMPARE(got, (std::vector<std::uint32_t>{10, 11, 12}));
}

void TestSubscriptionIndex::removePrunes()
{
    QFETCH(sb::Dialect, dialect);
    std::mt19937 rng(7);
    sb::SubscriptionIndex index(dialect);
    std::vector<std::uint32_t> ids;
    std::uint32_t last = 0;
    for (int i = 0; i < 200; ++i) {
        const std::string p = randomPattern(dialect, rng);
        if (sb::hasError(sb::checkFilter(dialect, p))) continue;
        const std::uint32_t id = index.add(p, 1);
        if (!ids.empty()) QVERIFY(id > last); // never reused
        last = id;
        ids.push_back(id);
        QCOMPARE(index.pattern(id), p);
    }
    QVERIFY(!index.isPruned());
    std::shuffle(ids.begin(), ids.end(), rng);
    for (auto id : ids)
        QVERIFY(index.remove(id));
    QCOMPARE(index.size(), std::size_t{0});
    QVERIFY2(index.isPruned(), "removing every subscription leaves no node behind");
    QCOMPARE(index.pattern(ids.front()), std::string());
    const std::uint32_t again = index.add(dialect == sb::Dialect::Redis ? "*" : "a", 1);
    QVERIFY(again > last);
}

void TestSubscriptionIndex::removeUnknown()
{
    sb::SubscriptionIndex index(sb::Dialect::Mqtt);
    const auto id = index.add("a/+", 5);
    QVERIFY(!index.remove(id + 1));
    QVERIFY(index.remove(id));
    QVERIFY(!index.remove(id));
    std::vector<std::uint32_t> got;
    index.match("a/b", got);
    QVERIFY(got.empty());
}

QTEST_APPLESS_MAIN(TestSubscriptionIndex)
#include "tst_subscriptionindex.moc"
