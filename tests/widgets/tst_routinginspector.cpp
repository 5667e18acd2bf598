// The Routing tab: the form drives the routing inspector, its tree shows the answer, the canvas
// draws it while the tab shows, and a message picked on the sequence diagram fills the form.
#include "canvasitems.h"
#include "canvasscene.h"
#include "enginehost.h"
#include "isolatedsettings.h"
#include "mainwindow.h"
#include "routinginspector.h"
#include "sequencepanel.h"
#include "sequenceview.h"
#include "topologydocument.h"

#include <QAbstractItemModelTester>
#include <QAction>
#include <QComboBox>
#include <QDockWidget>
#include <QLabel>
#include <QLineEdit>
#include <QSignalSpy>
#include <QStandardItemModel>
#include <QTemporaryDir>
#include <QTest>
#include <QUndoStack>

using namespace sb;

namespace {

Topology loadExample(const char *file)
{
    auto r = loadTopologyFile(std::string(SIGNALBOX_EXAMPLES_DIR "/") + file);
    return r.ok() ? *r.topology : Topology{};
}

// Every row's text in column `column`, depth first.
QStringList texts(const QStandardItemModel *model, int column, const QModelIndex &parent = {})
{
    QStringList out;
    for (int r = 0; r < model->rowCount(parent); ++r) {
        const QModelIndex i = model->index(r, column, parent);
        out << i.data().toString();
        out << texts(model, column, model->index(r, 0, parent));
    }
    return out;
}

} // namespace

class TestRoutingInspector : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void formDrivesTheAnswer_data();
    void formDrivesTheAnswer();
    void badPairsAreNamed_data();
    void badPairsAreNamed();
    void followsTopologyEdits();
    void canvasDrawsTheRouteWhileTheTabShows();
    void sequenceMessageFillsTheForm();

private:
    QTemporaryDir m_dir;
};

void TestRoutingInspector::initTestCase()
{
    QVERIFY(m_dir.isValid());
    sbtest::isolateUserFiles(m_dir);
}

void TestRoutingInspector::formDrivesTheAnswer_data()
{
    QTest::addColumn<QString>("routingKey");
    QTest::addColumn<QString>("summary");
    QTest::addColumn<QString>("notTaken"); // a "why" the tree must show
    QTest::addRow("eu order") << "eu.orders.created"
                              << "eu-service, order-service"
                              << "only unroutable messages go to the alternate exchange";
    QTest::addRow("audit: alternate") << "audit.log"
                                      << "auditor"
                                      << "no match";
    QTest::addRow("eu failure") << "eu.payments.failed"
                                << "eu-service, alerting"
                                << "no match";
}

void TestRoutingInspector::formDrivesTheAnswer()
{
    QFETCH(QString, routingKey);
    QFETCH(QString, summary);
    QFETCH(QString, notTaken);
    TopologyDocument doc;
    QVERIFY(doc.setTopology(loadExample("topic-routing.json")));
    RoutingInspector inspector(&doc);
    QAbstractItemModelTester tester(inspector.model(),
                                    QAbstractItemModelTester::FailureReportingMode::QtTest);
    // The first node that only sends is where a message starts.
    QCOMPARE(inspector.fromBox()->currentData().toString(), QStringLiteral("events"));
    QSignalSpy changed(&inspector, &RoutingInspector::routeChanged);
    QTest::keyClicks(inspector.routingKeyEdit(), routingKey);
    QVERIFY(changed.wait(2000));
    const QString said = inspector.findChild<QLabel *>(QStringLiteral("routeSummary"))->text();
    QVERIFY2(said.contains(summary), qPrintable(said));
    const QStringList why = texts(inspector.model(), 1);
    QVERIFY2(why.join(QLatin1Char('\n')).contains(notTaken), qPrintable(why.join(QLatin1Char('\n'))));
    // The first row is the start node; the marks say which links carry it.
    QVERIFY(inspector.model()->index(0, 0).data().toString().startsWith(QLatin1String("events")));
    const auto marks = inspector.linkMarks();
    QVERIFY(marks.value(QStringLiteral("publish")).taken);
    QCOMPARE(marks.value(QStringLiteral("alternate")).taken, routingKey == QLatin1String("audit.log"));
}

void TestRoutingInspector::badPairsAreNamed_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("problem"); // empty: accepted
    QTest::addColumn<int>("pairs");
    QTest::addRow("two pairs") << "a=1, b = two"
                               << "" << 2;
    QTest::addRow("empty") << ""
                           << "" << 0;
    QTest::addRow("trailing comma") << "a=1,"
                                    << "" << 1;
    QTest::addRow("no equals") << "a=1, b"
                               << "column 6: 'b' is not name=value" << 1;
    QTest::addRow("no name") << "=3"
                             << "column 1: '=3' is not name=value" << 0;
    QTest::addRow("value with equals") << "q=a=b"
                                       << "" << 1;
}

void TestRoutingInspector::badPairsAreNamed()
{
    QFETCH(QString, text);
    QFETCH(QString, problem);
    QFETCH(int, pairs);
    std::vector<std::pair<std::string, std::string>> out;
    QCOMPARE(RoutingInspector::parsePairs(text, out), problem);
    if (problem.isEmpty()) QCOMPARE(int(out.size()), pairs);
}

void TestRoutingInspector::followsTopologyEdits()
{
    TopologyDocument doc;
    QVERIFY(doc.setTopology(loadExample("topic-routing.json")));
    RoutingInspector inspector(&doc);
    inspector.routingKeyEdit()->setText(QStringLiteral("us.orders.created"));
    inspector.inspect();
    QVERIFY(inspector.report().linkTaken("bind-orders"));
    // Removing the link that carried it: the answer follows the edit.
    QSignalSpy changed(&inspector, &RoutingInspector::routeChanged);
    QVERIFY(doc.removeItems({}, {QStringLiteral("bind-orders")}));
    QVERIFY(changed.wait(2000));
    QVERIFY(!inspector.report().linkTaken("bind-orders"));
    QVERIFY(inspector.report().linkTaken("alternate"));
    doc.undoStack()->undo();
    QVERIFY(changed.wait(2000));
    QVERIFY(inspector.report().linkTaken("bind-orders"));
}

void TestRoutingInspector::canvasDrawsTheRouteWhileTheTabShows()
{
    MainWindow window;
    window.resize(1440, 900);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    QVERIFY(window.openFile(QStringLiteral(SIGNALBOX_EXAMPLES_DIR "/topic-routing.json")));
    CanvasScene *scene = window.canvasScene();
    QVERIFY(!scene->showsRoute());
    window.routingDock()->raise();
    QTRY_VERIFY(scene->showsRoute());
    RoutingInspector *inspector = window.routingInspector();
    inspector->routingKeyEdit()->setText(QStringLiteral("audit.log"));
    inspector->inspect();
    const CanvasScene::RouteMark *alt = scene->routeMark(QStringLiteral("alternate"));
    QVERIFY(alt && alt->taken);
    const CanvasScene::RouteMark *eu = scene->routeMark(QStringLiteral("bind-eu"));
    QVERIFY(eu && !eu->taken);
    QVERIFY(eu->why.contains(QLatin1String("no match")));
    QVERIFY(scene->linkItem(QStringLiteral("bind-eu"))
                ->liveToolTip()
                .contains(QLatin1String("Route: not taken")));
    QVERIFY(!scene->routeNote(QStringLiteral("topic")).isEmpty());
    // Another tab in front: the canvas is plain again.
    window.findChild<QDockWidget *>(QStringLiteral("sequenceDock"))->raise();
    QTRY_VERIFY(!scene->showsRoute());
}

void TestRoutingInspector::sequenceMessageFillsTheForm()
{
    MainWindow window;
    window.resize(1440, 900);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    QVERIFY(window.openFile(QStringLiteral(SIGNALBOX_EXAMPLES_DIR "/content-based-routing.json")));
    window.untilEdit()->setText(QStringLiteral("300ms"));
    Q_EMIT window.untilEdit()->editingFinished();
    QSignalSpy finished(window.engine(), &EngineHost::finished);
    window.findChild<QAction *>(QStringLiteral("runAction"))->trigger();
    QVERIFY(finished.wait(30000));
    window.document()->undoStack()->setClean();
    window.routingDock()->raise();
    QTRY_VERIFY(window.canvasScene()->showsRoute());
    const auto info = window.engine()->message(3);
    QVERIFY(info.has_value());
    QVERIFY(!info->fields.empty());
    window.sequencePanel()->view()->selectMessage(3);
    RoutingInspector *inspector = window.routingInspector();
    QVERIFY(inspector->fieldsEdit()->text().contains(QString::fromStdString(info->fields[0].name) + "="));
    // The answer is the one for that message's fields: the filter's verdict names their values.
    QString country;
    for (const auto &f : info->fields)
        if (f.name == "country") country = QString::fromStdString(f.text);
    QVERIFY(!country.isEmpty());
    QVERIFY2(texts(inspector->model(), 1).join('\n').contains("country = '" + country + "'"),
             qPrintable(texts(inspector->model(), 1).join('\n')));
}

QTEST_MAIN(TestRoutingInspector)
#include "tst_routinginspector.moc"
