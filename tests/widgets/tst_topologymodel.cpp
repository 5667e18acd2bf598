#include "topologymodel.h"

#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QTest>

using namespace sb;

namespace {

Topology loadExample()
{
    const LoadResult result = loadTopologyFile(SIGNALBOX_EXAMPLES_DIR "/work-queue.json");
    if (!result.ok()) qFatal("the work-queue example does not load: %s", result.errorText().c_str());
    return *result.topology;
}

NodeDef node(std::string kind, Json properties)
{
    NodeDef n;
    n.id = std::string(1, 'n');
    n.kind = std::move(kind);
    n.properties = std::move(properties);
    return n;
}

} // namespace

class TestTopologyModel : public QObject {
    Q_OBJECT

private slots:
    void emptyModel();
    void headers();
    void listsTheExampleNodes();
    void nameFallsBackToId();
    void kindToolTipExplainsTheKind();
    void resetsOnNewTopologyAndClear();
    void propertiesText_data();
    void propertiesText();
};

void TestTopologyModel::emptyModel()
{
    TopologyModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QCOMPARE(model.rowCount(), 0);
    QCOMPARE(model.columnCount(), int(TopologyModel::ColumnCount));
}

void TestTopologyModel::headers()
{
    TopologyModel model;
    QStringList actual;
    for (int c = 0; c < model.columnCount(); ++c)
        actual << model.headerData(c, Qt::Horizontal).toString();
    QCOMPARE(actual, QStringList({"Id", "Name", "Kind", "Properties"}));
}

void TestTopologyModel::listsTheExampleNodes()
{
    TopologyModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setTopology(loadExample());
    QCOMPARE(model.rowCount(), 5);

    QStringList ids;
    for (int row = 0; row < model.rowCount(); ++row)
        ids << model.index(row, TopologyModel::IdColumn).data().toString();
    QCOMPARE(ids, QStringList({"producer", "tasks", "worker-1", "worker-2", "worker-3"}));
    QCOMPARE(model.index(0, TopologyModel::NameColumn).data().toString(), QString("Task producer"));
    QCOMPARE(model.index(0, TopologyModel::KindColumn).data().toString(), QString("producer"));
    QCOMPARE(model.index(0, TopologyModel::PropertiesColumn).data().toString(),
             QString("rate 200 msg/s, arrival poisson, count 2000 msg"));
    QCOMPARE(model.index(4, TopologyModel::NameColumn).data().toString(), QString("Worker 3 (slow)"));
    QCOMPARE(model.index(4, TopologyModel::PropertiesColumn).data().toString(),
             QString("processing exp(40ms), prefetch 1 msg"));
}

void TestTopologyModel::nameFallsBackToId()
{
    Topology t;
    t.nodes.push_back(node("queue", Json::object()));
    TopologyModel model;
    model.setTopology(t);
    QCOMPARE(model.index(0, TopologyModel::NameColumn).data().toString(), QString("n"));
}

void TestTopologyModel::kindToolTipExplainsTheKind()
{
    TopologyModel model;
    model.setTopology(loadExample());
    const QString tip = model.index(1, TopologyModel::KindColumn).data(Qt::ToolTipRole).toString();
    const NodeKindSpec *spec = KindRegistry::builtin().find("queue");
    QVERIFY(spec);
    QVERIFY2(tip.contains(QString::fromStdString(spec->help)), qPrintable(tip));
}

void TestTopologyModel::resetsOnNewTopologyAndClear()
{
    TopologyModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
    model.setTopology(loadExample());
    Topology small;
    small.nodes.push_back(node("queue", Json::object()));
    model.setTopology(small);
    QCOMPARE(model.rowCount(), 1);
    model.clear();
    QCOMPARE(model.rowCount(), 0);
    QCOMPARE(reset.count(), 3);
}

void TestTopologyModel::propertiesText_data()
{
    QTest::addColumn<QString>("kind");
    QTest::addColumn<QString>("properties"); // JSON
    QTest::addColumn<QString>("expected");

    QTest::newRow("none") << "producer"
                          << "{}"
                          << "";
    QTest::newRow("number with unit") << "producer"
                                      << R"({"rate": 200})"
                                      << "rate 200 msg/s";
    QTest::newRow("string") << "producer"
                            << R"({"arrival": "poisson"})"
                            << "arrival poisson";
    QTest::newRow("duration as number") << "queue"
                                        << R"({"ackTimeout": 5000})"
                                        << "ackTimeout 5000 ms";
    QTest::newRow("duration as text keeps its unit") << "queue"
                                                     << R"({"ackTimeout": "5s"})"
                                                     << "ackTimeout 5s";
    QTest::newRow("in file order") << "consumer"
                                   << R"json({"prefetch": 1, "processing": "exp(10ms)"})json"
                                   << "prefetch 1 msg, processing exp(10ms)";
    QTest::newRow("boolean") << "queue"
                             << R"({"durable": true})"
                             << "durable true";
    QTest::newRow("list") << "nosuch"
                          << R"({"keys": ["a", "b"]})"
                          << "keys [a, b]";
    QTest::newRow("unknown kind has no units") << "nosuch"
                                               << R"({"rate": 3})"
                                               << "rate 3";
}

void TestTopologyModel::propertiesText()
{
    QFETCH(QString, kind);
    QFETCH(QString, properties);
    QFETCH(QString, expected);

    QCOMPARE(TopologyModel::propertiesText(node(kind.toStdString(), Json::parse(properties.toStdString()))),
             expected);
}

QTEST_GUILESS_MAIN(TestTopologyModel)
#include "tst_topologymodel.moc"
