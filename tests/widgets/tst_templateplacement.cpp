// Placing a node from a system template (KindRegistry::templates()): through the document, a drop
// on the canvas and the palette in the window. The node is an ordinary node of the template's kind
// with the template's properties set, a name from the template, added as one undo step.
#include "canvasscene.h"
#include "isolatedsettings.h"
#include "mainwindow.h"
#include "palette.h"
#include "palettemodel.h"
#include "propertyeditor.h"
#include "schema.h"
#include "topologydocument.h"

#include <QAbstractButton>
#include <QLineEdit>
#include <QMimeData>
#include <QSignalSpy>
#include <QSortFilterProxyModel>
#include <QTemporaryDir>
#include <QTest>
#include <QTreeView>
#include <QUndoStack>

using namespace sb;

class TestTemplatePlacement : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void placesEveryTemplate_data();
    void placesEveryTemplate();
    void namesAreNumberedWhenTaken();
    void unknownTemplateIsRefused();
    void dropOnCanvasPlacesTemplate();
    void plainKindDropStaysBare();
    void paletteDoubleClickPlacesInWindow();

private:
    QTemporaryDir m_dir;
};

void TestTemplatePlacement::initTestCase()
{
    QVERIFY(m_dir.isValid());
    sbtest::isolateUserFiles(m_dir);
    QVERIFY(!KindRegistry::builtin().templates().empty());
}

void TestTemplatePlacement::placesEveryTemplate_data()
{
    QTest::addColumn<QString>("id");
    for (const NodeTemplate &t : KindRegistry::builtin().templates())
        QTest::newRow(t.id.c_str()) << QString::fromStdString(t.id);
}

void TestTemplatePlacement::placesEveryTemplate()
{
    QFETCH(QString, id);
    const NodeTemplate *t = KindRegistry::builtin().findTemplate(id.toStdString());
    QVERIFY(t);

    TopologyDocument doc;
    QSignalSpy added(&doc, &TopologyDocument::nodeAdded);
    QString error;
    const QString node = doc.addNodeFromTemplate(id, {40, 60}, &error);
    QVERIFY2(!node.isEmpty(), qPrintable(error));
    QCOMPARE(node, id + QStringLiteral("-1"));
    QCOMPARE(added.count(), 1);
    const NodeDef *n = doc.node(node);
    QVERIFY(n);
    QCOMPARE(n->kind, t->kind);
    QCOMPARE(n->name, t->label);
    // Set on the node, not left to the kind's defaults.
    QVERIFY2(n->properties == t->properties, n->properties.dump().c_str());
    QCOMPARE(n->position.x, 40.0);
    QCOMPARE(n->position.y, 60.0);

    // One undo step takes it all away, redo brings it back whole.
    QCOMPARE(doc.undoStack()->count(), 1);
    doc.undoStack()->undo();
    QVERIFY(!doc.node(node));
    QVERIFY(doc.topology().nodes.empty());
    doc.undoStack()->redo();
    QVERIFY(doc.node(node));
    QVERIFY(doc.node(node)->properties == t->properties);
    QCOMPARE(doc.node(node)->name, t->label);
}

void TestTemplatePlacement::namesAreNumberedWhenTaken()
{
    TopologyDocument doc;
    const QString a = doc.addNodeFromTemplate(QStringLiteral("grpc-client"), {0, 0});
    const QString b = doc.addNodeFromTemplate(QStringLiteral("grpc-client"), {0, 100});
    const QString c = doc.addNodeFromTemplate(QStringLiteral("grpc-client"), {0, 200});
    QCOMPARE(a, QStringLiteral("grpc-client-1"));
    QCOMPARE(b, QStringLiteral("grpc-client-2"));
    QCOMPARE(c, QStringLiteral("grpc-client-3"));
    QCOMPARE(doc.node(a)->name, std::string("gRPC client"));
    QCOMPARE(doc.node(b)->name, std::string("gRPC client 2"));
    QCOMPARE(doc.node(c)->name, std::string("gRPC client 3"));
    QCOMPARE(doc.undoStack()->count(), 3);
}

void TestTemplatePlacement::unknownTemplateIsRefused()
{
    TopologyDocument doc;
    QString error;
    QVERIFY(doc.addNodeFromTemplate(QStringLiteral("grpc-clinet"), {0, 0}, &error).isEmpty());
    QVERIFY2(error.contains(QStringLiteral("unknown template \"grpc-clinet\"")), qPrintable(error));
    QVERIFY2(error.contains(QStringLiteral("did you mean \"grpc-client\"")), qPrintable(error));
    QVERIFY(doc.topology().nodes.empty());
    QCOMPARE(doc.undoStack()->count(), 0);

    QVERIFY(doc.addNodeFromTemplate(QStringLiteral("rest-server"), {qInf(), 0}, &error).isEmpty());
    QCOMPARE(error, QStringLiteral("a node's position must be finite"));
    QCOMPARE(doc.undoStack()->count(), 0);
}

void TestTemplatePlacement::dropOnCanvasPlacesTemplate()
{
    TopologyDocument doc;
    CanvasScene scene(&doc);
    PaletteModel palette;
    const QModelIndex row = palette.indexOfTemplate(QStringLiteral("thrift-server"));
    QVERIFY(row.isValid());
    std::unique_ptr<QMimeData> mime(palette.mimeData({row}));
    QVERIFY(mime);
    QCOMPARE(kindFromMimeData(mime.get()), QStringLiteral("rpc-server"));
    QCOMPARE(templateFromMimeData(mime.get()), QStringLiteral("thrift-server"));

    const QString id = scene.dropKind(mime.get(), {300, 200});
    QCOMPARE(id, QStringLiteral("thrift-server-1"));
    const NodeDef *n = doc.node(id);
    QVERIFY(n);
    QCOMPARE(n->kind, std::string("rpc-server"));
    QCOMPARE(n->properties.value("protocol", std::string()), std::string("thrift"));
    QCOMPARE(n->properties.value("workers", 0), 8);
    QVERIFY(scene.nodeItem(id));
    QCOMPARE(doc.undoStack()->count(), 1);
    doc.undoStack()->undo();
    QVERIFY(!scene.nodeItem(id));
}

void TestTemplatePlacement::plainKindDropStaysBare()
{
    TopologyDocument doc;
    CanvasScene scene(&doc);
    PaletteModel palette;
    std::unique_ptr<QMimeData> mime(palette.mimeData({palette.indexOfKind(QStringLiteral("rpc-server"))}));
    QVERIFY(mime);
    QVERIFY(templateFromMimeData(mime.get()).isEmpty());
    const QString id = scene.dropKind(mime.get(), {0, 0});
    QCOMPARE(id, QStringLiteral("rpc-server-1"));
    QVERIFY(doc.node(id)->properties.empty());
    QVERIFY(doc.node(id)->name.empty());
}

void TestTemplatePlacement::paletteDoubleClickPlacesInWindow()
{
    MainWindow window;
    window.resize(1280, 800);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    Palette *palette = window.palette();
    QSignalSpy templates(palette, &Palette::templateActivated);
    QSignalSpy kinds(palette, &Palette::kindActivated);

    // Found through the search field, then double-clicked.
    palette->setFilterText(QStringLiteral("grpc"));
    const QModelIndex row = palette->proxyModel()->mapFromSource(
        palette->model()->indexOfTemplate(QStringLiteral("grpc-client")));
    QVERIFY(row.isValid());
    palette->view()->scrollTo(row);
    const QPoint at = palette->view()->visualRect(row).center();
    QTest::mouseClick(palette->view()->viewport(), Qt::LeftButton, {}, at);
    QTest::mouseDClick(palette->view()->viewport(), Qt::LeftButton, {}, at);
    QTest::mouseRelease(palette->view()->viewport(), Qt::LeftButton, {}, at);
    QCOMPARE(templates.count(), 1);
    QCOMPARE(templates.at(0).at(0).toString(), QStringLiteral("grpc-client"));
    QCOMPARE(kinds.count(), 0);

    TopologyDocument *doc = window.document();
    QCOMPARE(doc->topology().nodes.size(), std::size_t(1));
    const NodeDef &n = doc->topology().nodes.front();
    QCOMPARE(n.id, std::string("grpc-client-1"));
    QCOMPARE(n.kind, std::string("rpc-client"));
    QCOMPARE(n.name, std::string("gRPC client"));

    // The property editor shows the template's values as set (a reset button each), the kind's
    // other properties as defaults.
    PropertyEditor *editor = window.propertyEditor();
    QCOMPARE(editor->nameField()->text(), QStringLiteral("gRPC client"));
    for (auto it = n.properties.begin(); it != n.properties.end(); ++it) {
        const QString key = QString::fromStdString(it.key());
        QVERIFY2(editor->resetButton(key), qPrintable(key));
        QVERIFY2(editor->resetButton(key)->isVisibleTo(editor), qPrintable(key + " is not shown as set"));
    }
    QCOMPARE(editor->values().value("deadline", std::string()), std::string("1s"));
    QVERIFY(editor->resetButton(QStringLiteral("rate")));
    QVERIFY(!editor->resetButton(QStringLiteral("rate"))->isVisibleTo(editor));
    const auto *deadline = qobject_cast<QLineEdit *>(editor->editor(QStringLiteral("deadline")));
    QVERIFY(deadline);
    QCOMPARE(deadline->text(), QStringLiteral("1s"));

    // One undo step.
    QCOMPARE(doc->undoStack()->count(), 1);
    doc->undoStack()->undo();
    QVERIFY(doc->topology().nodes.empty());
}

QTEST_MAIN(TestTemplatePlacement)
#include "tst_templateplacement.moc"
