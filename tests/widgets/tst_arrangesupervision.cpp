// Edit > Arrange Supervision Tree (MainWindow::arrangeSupervisionTree): the supervision tree laid out
// top-down on the canvas as one undo step, and the action disabled when there is no supervisor.
#include "canvasitems.h"
#include "canvasscene.h"
#include "isolatedsettings.h"
#include "mainwindow.h"
#include "topologydocument.h"

#include "nodes/actors/supervisionlayout.h"

#include <QAction>
#include <QMenu>
#include <QMenuBar>
#include <QTemporaryDir>
#include <QTest>
#include <QUndoStack>

using namespace sb;

namespace {

const QString kTree = QStringLiteral(SIGNALBOX_EXAMPLES_DIR "/actor-supervision-tree.json");

// The bundled tree (already arranged) with its nodes moved onto one diagonal, in `dir`.
QString scrambledTree(const QTemporaryDir &dir)
{
    QFile in(kTree);
    if (!in.open(QIODevice::ReadOnly)) return {};
    Json j = Json::parse(in.readAll().toStdString());
    int i = 0;
    for (auto &n : j["nodes"]) {
        n["position"] = {{"x", 37 * i}, {"y", 53 * i}};
        ++i;
    }
    const QString path = dir.filePath(QStringLiteral("scrambled-tree.json"));
    QFile out(path);
    if (!out.open(QIODevice::WriteOnly)) return {};
    out.write(QByteArray::fromStdString(j.dump(2)));
    return path;
}

QAction *arrangeAction(const MainWindow &window)
{
    return window.findChild<QAction *>(QStringLiteral("arrangeSupervisionAction"));
}

// Each node's position in the document, and whether its canvas item stands there too.
QMap<QString, QPointF> positions(const MainWindow &window, bool *canvasAgrees)
{
    QMap<QString, QPointF> out;
    *canvasAgrees = true;
    for (const NodeDef &n : window.document()->topology().nodes) {
        const QString id = QString::fromStdString(n.id);
        out[id] = QPointF(n.position.x, n.position.y);
        const NodeItem *item = window.canvasScene()->nodeItem(id);
        if (!item || item->pos() != out[id]) *canvasAgrees = false;
    }
    return out;
}

} // namespace

class TestArrangeSupervision : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void disabledWithoutASupervisor_data();
    void disabledWithoutASupervisor();
    void arrangesAsOneUndoStep();

private:
    QTemporaryDir m_dir;
};

void TestArrangeSupervision::initTestCase()
{
    QVERIFY(m_dir.isValid());
    sbtest::isolateUserFiles(m_dir);
}

void TestArrangeSupervision::disabledWithoutASupervisor_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<bool>("enabled");
    QTest::newRow("empty document") << QString() << false;
    QTest::newRow("no supervisor") << QStringLiteral(SIGNALBOX_EXAMPLES_DIR "/work-queue.json") << false;
    QTest::newRow("actor-ask-pattern: actors, no supervisor")
        << QStringLiteral(SIGNALBOX_EXAMPLES_DIR "/actor-ask-pattern.json") << false;
    QTest::newRow("supervision tree") << kTree << true;
}

void TestArrangeSupervision::disabledWithoutASupervisor()
{
    QFETCH(QString, file);
    QFETCH(bool, enabled);
    MainWindow window;
    if (!file.isEmpty()) QVERIFY(window.openFile(file));
    QAction *arrange = arrangeAction(window);
    QVERIFY(arrange);
    QCOMPARE(arrange->isEnabled(), enabled);
    QString error;
    QCOMPARE(window.arrangeSupervisionTree(&error), enabled);
    if (!enabled) QVERIFY2(error.contains(QLatin1String("no supervisor")), qPrintable(error));
}

void TestArrangeSupervision::arrangesAsOneUndoStep()
{
    MainWindow window;
    QTemporaryDir dir;
    const QString file = scrambledTree(dir);
    QVERIFY(!file.isEmpty());
    QVERIFY(window.openFile(file));
    // The Edit menu offers it.
    bool inEditMenu = false;
    for (QAction *menu : window.menuBar()->actions())
        if (menu->menu() && menu->text().contains("Edit"))
            inEditMenu = menu->menu()->actions().contains(arrangeAction(window));
    QVERIFY(inEditMenu);
    QUndoStack *undo = window.document()->undoStack();
    const int steps = undo->count();
    bool agrees = false;
    const QMap<QString, QPointF> before = positions(window, &agrees);
    QVERIFY(agrees);

    arrangeAction(window)->trigger();
    QCOMPARE(undo->count(), steps + 1);
    QCOMPARE(undo->undoText(), QStringLiteral("Arrange supervision tree"));
    const QMap<QString, QPointF> after = positions(window, &agrees);
    QVERIFY(agrees);
    // The layout's positions: app-sup on top, router and worker-sup below it in start order, the
    // workers below worker-sup, the client in the left column.
    // (Relative to the client: where the tree lands depends on where the nodes were.)
    const QPointF origin = after.value("orders");
    QCOMPARE(after.value("app-sup") - origin, QPointF(420, -120));
    QCOMPARE(after.value("router") - origin, QPointF(240, 0));
    QCOMPARE(after.value("worker-sup") - origin, QPointF(600, 0));
    QCOMPARE(after.value("worker-1") - origin, QPointF(480, 120));
    QCOMPARE(after.value("worker-2") - origin, QPointF(720, 120));
    // No two nodes' boxes overlap on the canvas.
    const auto items = window.canvasScene()->items();
    QList<const NodeItem *> nodes;
    for (const QGraphicsItem *i : items)
        if (const auto *n = qgraphicsitem_cast<const NodeItem *>(i)) nodes << n;
    QCOMPARE(nodes.size(), 6);
    for (int i = 0; i < nodes.size(); ++i)
        for (int j = i + 1; j < nodes.size(); ++j)
            QVERIFY2(!nodes[i]->sceneBoundingRect().intersects(nodes[j]->sceneBoundingRect()),
                     qPrintable(nodes[i]->id() + " overlaps " + nodes[j]->id()));

    // One undo puts every node back; redo arranges them again.
    undo->undo();
    QCOMPARE(positions(window, &agrees), before);
    QVERIFY(agrees);
    undo->redo();
    QCOMPARE(positions(window, &agrees), after);
    QVERIFY(agrees);

    // Arranging an arranged tree is no new undo step.
    QVERIFY(window.arrangeSupervisionTree());
    QCOMPARE(undo->count(), steps + 1);
}

QTEST_MAIN(TestArrangeSupervision)
#include "tst_arrangesupervision.moc"
