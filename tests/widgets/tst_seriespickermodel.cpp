// SeriesPickerModel: which nodes or links have a metric, checks kept across metrics.
#include "seriespickermodel.h"

#include "nodecolors.h"
#include "topology.h"

#include <QAbstractItemModelTester>
#include <QIcon>
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
    void targetsFromATopology();
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
    QTest::newRow("link losses") << int(SeriesMetric::LinkLosses) << kLinks;
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
        const QStringList &ids = seriesMetricIsLink(SeriesMetric(metric)) ? kLinks : kNodes;
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

// Names for people (the id when a node has none; a link by its nodes' names), the id in the tooltip,
// one colour per node by its place in the node order, and a node's links told apart by pen style.
void TestSeriesPickerModel::targetsFromATopology()
{
    Topology t;
    for (const auto &[id, kind, name] :
         std::initializer_list<std::array<const char *, 3>>{{"orders", "producer", "Order service"},
                                                            {"q", "queue", "jobs"},
                                                            {"w1", "consumer", ""},
                                                            {"w2", "consumer", "Worker 2"}}) {
        NodeDef n;
        n.id = id;
        n.kind = kind;
        n.name = name;
        t.nodes.push_back(n);
    }
    for (const auto &[id, from, to] :
         std::initializer_list<std::array<const char *, 3>>{{"publish", "orders", "q"},
                                                            {"to-w1", "q", "w1"},
                                                            {"to-w2", "q", "w2"},
                                                            {"gone", "q", "nowhere"}}) {
        LinkDef l;
        l.id = id;
        l.from = from;
        l.to = to;
        t.links.push_back(l);
    }
    SeriesPickerModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setTargets(SeriesPickerModel::nodeTargets(t), SeriesPickerModel::linkTargets(t));
    QCOMPARE(rows(model), (QStringList{"Order service", "jobs", "w1", "Worker 2"}));
    QCOMPARE(model.index(0).data(Qt::ToolTipRole).toString(),
             QStringLiteral("Order service (orders, producer)"));
    QCOMPARE(model.index(2).data(Qt::ToolTipRole).toString(), QStringLiteral("w1 (consumer)"));
    for (int r = 0; r < 4; ++r) {
        QCOMPARE(model.index(r).data(SeriesPickerModel::ColorRole).value<QColor>(), nodeColor(r));
        QVERIFY(!model.index(r).data(Qt::DecorationRole).value<QIcon>().isNull());
    }
    model.setMetric(SeriesMetric::LinkLosses);
    QCOMPARE(rows(model),
             (QStringList{"Order service → jobs", "jobs → w1", "jobs → Worker 2", "jobs → nowhere"}));
    QCOMPARE(model.index(1).data(SeriesPickerModel::IdRole).toString(), QStringLiteral("to-w1"));
    QList<int> styles;
    for (int r = 0; r < 4; ++r) {
        styles << model.index(r).data(SeriesPickerModel::PenStyleRole).toInt();
        QCOMPARE(model.index(r).data(SeriesPickerModel::ColorRole).value<QColor>(),
                 nodeColor(r == 0 ? 0 : 1));
    }
    QCOMPARE(styles, (QList<int>{Qt::SolidLine, Qt::SolidLine, Qt::DashLine, Qt::DotLine}));
    QCOMPARE(model.target(SeriesMetric::LinkLosses, 2).name, QStringLiteral("jobs → Worker 2"));
    QCOMPARE(model.target(SeriesMetric::Throughput, 2).name, QStringLiteral("w1"));
    QVERIFY(model.target(SeriesMetric::Throughput, 9).id.isEmpty());
}

QTEST_MAIN(TestSeriesPickerModel) // line samples are pixmaps: a GUI application
#include "tst_seriespickermodel.moc"
