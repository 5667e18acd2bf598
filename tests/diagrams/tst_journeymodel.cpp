// The message inspector's model: one row per event of a message's journey, in time order.
#include "exampletrace.h"
#include "journeymodel.h"

#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QTest>

using namespace sb;

class TestJourneyModel : public QObject {
    Q_OBJECT

private slots:
    void showsEveryEventOfTheMessage_data();
    void showsEveryEventOfTheMessage();
    void emptyAndUnknownMessages();
};

void TestJourneyModel::showsEveryEventOfTheMessage_data()
{
    QTest::addColumn<QString>("example");
    QTest::addColumn<quint64>("message");
    QTest::newRow("work queue") << "work-queue.json" << quint64(3);
    QTest::newRow("topic routing") << "topic-routing.json" << quint64(5);
    QTest::newRow("lossy") << "lossy-at-least-once.json" << quint64(9);
}

void TestJourneyModel::showsEveryEventOfTheMessage()
{
    QFETCH(QString, example);
    QFETCH(quint64, message);
    const auto trace = sbtest::runExample(example.toStdString(), kSecond);
    SequenceHistory history;
    history.append(trace.events);
    JourneyModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
    model.setMessage(&history, message, trace.nodeIds, trace.linkIds);
    QCOMPARE(reset.count(), 1);
    std::size_t expected = 0;
    for (const auto &e : trace.events)
        if (e.messageId == message || (e.correlationId == message && e.messageId)) ++expected;
    QCOMPARE(std::size_t(model.rowCount()), expected);
    QCOMPARE(model.columnCount(), int(JourneyModel::ColumnCount));
    QCOMPARE(model.index(0, JourneyModel::EventColumn).data().toString(), QString("publish"));
    SimTime previous = -1;
    for (int row = 0; row < model.rowCount(); ++row) {
        const auto i = model.index(row, 0).data(JourneyModel::HistoryIndexRole).toULongLong();
        QVERIFY(history.at(i).time >= previous);
        previous = history.at(i).time;
    }
    QVERIFY(model.summary().startsWith(QStringLiteral("Message #%1: published by").arg(message)));
    QCOMPARE(model.headerData(JourneyModel::LinkColumn, Qt::Horizontal).toString(), QString("Link"));
}

void TestJourneyModel::emptyAndUnknownMessages()
{
    JourneyModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QCOMPARE(model.rowCount(), 0);
    QVERIFY(model.summary().contains("No message selected"));
    SequenceHistory history;
    model.setMessage(&history, 42, {}, {});
    QCOMPARE(model.rowCount(), 0);
    QVERIFY(model.summary().contains("no events kept"));
}

QTEST_MAIN(TestJourneyModel)
#include "tst_journeymodel.moc"
