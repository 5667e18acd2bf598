// SeriesPickerModel: which nodes or links have a metric, checks kept across metrics.
#include "seriespickermodel.h"

#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QTest>

using namespace sb;

namespace {
const QStringList kNodes{"p", "x", "q", "c1", "c2"};
const QStringList kKinds{"producer", "exchange", "queue", "consumer", "consumer"};
const QStringList kLinks{"p-x", "x-q", "q-c1", "q-c2"};

QStringList rows(const SeriesPickerModel &m)
{
    QStringList out;
    for (int r = 0; r < m.rowCount(); ++r)
        out << m.index(r).data().toString();
    return out;
}
} // namespace

class TestSeriesPickerModel : public QObject {
    Q_OBJECT
private slots:
    void rowsPerMetric_data();
    void rowsPerMetric();
    void checksAreKeptAcrossMetrics();
};

void TestSeriesPickerModel::rowsPerMetric_data()
{
    QTest::addColumn<int>("metric");
    QTest::addColumn<QStringList>("expected");
    QTest::newRow("throughput") << int(SeriesMetric::Throughput) << kNodes;
    QTest::newRow("drops") << int(SeriesMetric::Drops) << kNodes;
    QTest::newRow("latency p99") << int(SeriesMetric::LatencyP99) << QStringList{"c1", "c2"};
    QTest::newRow("queue depth") << int(SeriesMetric::QueueDepth) << QStringList{"q"};
    QTest::newRow("consumer lag") << int(SeriesMetric::ConsumerLag) << QStringList{"q"};
    QTest::newRow("dead letters") << int(SeriesMetric::DeadLetters) << QStringList{"q"};
    QTest::newRow("link frames") << int(SeriesMetric::LinkFrames) << kLinks;
}

void TestSeriesPickerModel::rowsPerMetric()
{
    QFETCH(int, metric);
    QFETCH(QStringList, expected);
    SeriesPickerModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setTargets(kNodes, kKinds, kLinks);
    model.setMetric(SeriesMetric(metric));
    QCOMPARE(rows(model), expected);
    for (int r = 0; r < model.rowCount(); ++r) {
        const QModelIndex i = model.index(r);
        QCOMPARE(i.data(Qt::CheckStateRole).toInt(), int(Qt::Checked));
        QVERIFY(model.flags(i) & Qt::ItemIsUserCheckable);
        const QStringList &ids = SeriesMetric(metric) == SeriesMetric::LinkFrames ? kLinks : kNodes;
        QCOMPARE(ids[i.data(SeriesPickerModel::TargetRole).toInt()], expected[r]);
    }
}

void TestSeriesPickerModel::checksAreKeptAcrossMetrics()
{
    SeriesPickerModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setTargets(kNodes, kKinds, kLinks);
    QSignalSpy checked(&model, &SeriesPickerModel::checkedChanged);
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    QCOMPARE(model.checkedTargets(), (QList<int>{0, 1, 2, 3, 4}));

    QVERIFY(model.setData(model.index(3), Qt::Unchecked, Qt::CheckStateRole)); // c1
    QCOMPARE(checked.count(), 1);
    QCOMPARE(changed.count(), 1);
    QCOMPARE(model.checkedTargets(), (QList<int>{0, 1, 2, 4}));
    QVERIFY(!model.setData(model.index(3), QStringLiteral("x"), Qt::DisplayRole));

    model.setMetric(SeriesMetric::LatencyP50);
    QCOMPARE(model.checkedTargets(), (QList<int>{4}));
    QCOMPARE(model.index(0).data(Qt::CheckStateRole).toInt(), int(Qt::Unchecked));
    model.setAllChecked(false);
    QCOMPARE(model.checkedTargets(), QList<int>{});
    model.setMetric(SeriesMetric::Throughput);
    QCOMPARE(model.checkedTargets(), (QList<int>{0, 1, 2}));
    model.setAllChecked(true);
    QCOMPARE(model.checkedTargets(), (QList<int>{0, 1, 2, 3, 4}));

    // A new run starts with everything checked.
    model.setAllChecked(false);
    model.setTargets(kNodes, kKinds, kLinks);
    QCOMPARE(model.checkedTargets().size(), 5);
}

QTEST_GUILESS_MAIN(TestSeriesPickerModel)
#include "tst_seriespickermodel.moc"
