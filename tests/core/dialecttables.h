#pragma once
// What the per-dialect tests (tst_amqpdialect, tst_mqttdialect, tst_natsdialect,
// tst_redisdialect) check on every row, written once: a matching row agrees across
// dialectMatches, a one-subscription SubscriptionIndex and explainMatch's verdict; an issue row
// finds the expected first issue (position, error or warning, words of the message).
#include "pubsub/dialect.h"
#include "pubsub/subscriptionindex.h"

#include <QTest>

#include <string>

namespace dialecttest {

inline std::string str(const QByteArray &b)
{
    return std::string(b.constData(), static_cast<std::size_t>(b.size()));
}

inline void addMatchColumns()
{
    QTest::addColumn<QByteArray>("pattern");
    QTest::addColumn<QByteArray>("subject");
    QTest::addColumn<bool>("expected");
}

inline void checkMatchRow(sb::Dialect d)
{
    QFETCH(QByteArray, pattern);
    QFETCH(QByteArray, subject);
    QFETCH(bool, expected);
    const std::string p = str(pattern), s = str(subject);
    QCOMPARE(sb::dialectMatches(d, p, s), expected);

    sb::SubscriptionIndex index(d);
    index.add("unrelated.never/matches", 1);
    index.add(p, 7);
    std::vector<std::uint32_t> values;
    index.match(s, values);
    QCOMPARE(values == std::vector<std::uint32_t>{7}, expected);

    const std::string why = sb::explainMatch(d, p, s);
    QVERIFY2(why.rfind(expected ? "matches" : "no match", 0) == 0, why.c_str());
}

inline void addExplainColumns()
{
    QTest::addColumn<QByteArray>("pattern");
    QTest::addColumn<QByteArray>("subject");
    QTest::addColumn<QByteArray>("explanation"); // the whole sentence
}

inline void checkExplainRow(sb::Dialect d)
{
    QFETCH(QByteArray, pattern);
    QFETCH(QByteArray, subject);
    QFETCH(QByteArray, explanation);
    QCOMPARE(QByteArray::fromStdString(sb::explainMatch(d, str(pattern), str(subject))), explanation);
}

inline void addIssueColumns()
{
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<int>("count");        // how many issues
    QTest::addColumn<bool>("error");       // the first issue is an error (else a warning)
    QTest::addColumn<int>("position");     // of the first issue
    QTest::addColumn<QByteArray>("words"); // in the first issue's message
}

inline void checkIssueRow(const std::vector<sb::PatternIssue> &issues)
{
    QFETCH(int, count);
    QFETCH(bool, error);
    QFETCH(int, position);
    QFETCH(QByteArray, words);
    QString all;
    for (const auto &i : issues)
        all += QStringLiteral("[%1%2] %3\n")
                   .arg(i.error ? "error " : "warning ")
                   .arg(i.position)
                   .arg(QString::fromStdString(i.message));
    QVERIFY2(int(issues.size()) == count, qPrintable(all));
    if (count == 0) return;
    QCOMPARE(issues.front().error, error);
    QCOMPARE(int(issues.front().position), position);
    QVERIFY2(issues.front().message.find(str(words)) != std::string::npos, qPrintable(all));
    // Every message names its place for a person: a column or a word/level/token number.
    for (const auto &i : issues)
        QVERIFY2(i.message.find("column") != std::string::npos ||
                     i.message.find("word ") != std::string::npos ||
                     i.message.find("token ") != std::string::npos ||
                     i.message.find("empty") != std::string::npos ||
                     i.message.find("bytes long") != std::string::npos,
                 i.message.c_str());
}

} // namespace dialecttest
