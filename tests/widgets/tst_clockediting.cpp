// Editing a node's local clock in the window: the Properties dock's "Clock" section (rows over
// KindRegistry::clockProperties()), each edit an undo command on NodeDef::clock, bad values refused
// with the reason, and the document's own setNodeClock/resetNodeClock, undone and redone.
#include <QtTest>

#include "isolatedsettings.h"
#include "mainwindow.h"
#include "propertyeditor.h"
#include "topologydocument.h"

#include <QAbstractButton>
#include <QDoubleSpinBox>
#include <QLabel>
#include <QLineEdit>
#include <QSignalSpy>
#include <QStatusBar>
#include <QTemporaryDir>
#include <QTest>
#include <QUndoStack>

using namespace sb;

namespace {

Topology twoNodes()
{
    Topology t;
    t.nodes.push_back({"p", "producer", "Shop", Json::object(), {}});
    t.nodes.push_back({"q", "queue", "orders", Json::object(), {}});
    return t;
}

void typeInto(QWidget *editor, const QString &text)
{
    editor->setFocus();
    if (auto *edit = qobject_cast<QLineEdit *>(editor)) {
        edit->selectAll();
        QTest::keyClicks(edit, text);
        QTest::keyClick(edit, Qt::Key_Return);
    } else if (auto *spin = qobject_cast<QDoubleSpinBox *>(editor)) {
        spin->selectAll();
        QTest::keyClicks(spin, text);
        QTest::keyClick(spin, Qt::Key_Return);
    } else {
        QFAIL("no text input for this editor");
    }
}

} // namespace

class TestClockEditing : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void documentUndoRedo_data();
    void documentUndoRedo();
    void documentRefuses_data();
    void documentRefuses();
    void sectionRows();
    void editingInTheDock();

private:
    QTemporaryDir m_dir;
};

void TestClockEditing::initTestCase()
{
    QVERIFY(m_dir.isValid());
    sbtest::isolateUserFiles(m_dir);
}

void TestClockEditing::documentUndoRedo_data()
{
    QTest::addColumn<QString>("key");
    QTest::addColumn<Json>("value");
    QTest::newRow("offset") << "offset" << Json(-50.0);
    QTest::newRow("drift") << "drift" << Json(250.0);
    QTest::newRow("jumps") << "jumps" << Json::array({{{"at", "2s"}, {"by", -30}}});
}

void TestClockEditing::documentUndoRedo()
{
    QFETCH(QString, key);
    QFETCH(Json, value);
    TopologyDocument doc;
    QVERIFY(doc.setTopology(twoNodes()));
    QSignalSpy changed(&doc, &TopologyDocument::nodePropertyChanged);
    QString error;
    QVERIFY2(doc.setNodeClock("q", key, value, &error), qPrintable(error));
    Json expected = Json::object();
    expected[key.toStdString()] = value;
    QVERIFY2(doc.node("q")->clock == expected, doc.node("q")->clock.dump().c_str());
    QCOMPARE(changed.count(), 1);
    QCOMPARE(changed.last().value(1).toString(), QStringLiteral("clock"));
    QVERIFY2(doc.undoStack()->undoText().contains(QStringLiteral("clock of 'orders'")),
             qPrintable(doc.undoStack()->undoText()));
    doc.undoStack()->undo();
    QCOMPARE(doc.node("q")->clock, Json::object());
    doc.undoStack()->redo();
    QCOMPARE(doc.node("q")->clock, expected);
    // Reset is an undo step too (after another node's edit: successive edits of one field merge).
    QVERIFY(doc.setNodeClock("p", QStringLiteral("offset"), Json(5.0), &error));
    QVERIFY(doc.resetNodeClock("q", key, &error));
    QCOMPARE(doc.node("q")->clock, Json::object());
    doc.undoStack()->undo();
    QCOMPARE(doc.node("q")->clock, expected);
    // Properties are untouched.
    QCOMPARE(doc.node("q")->properties, Json::object());
}

void TestClockEditing::documentRefuses_data()
{
    QTest::addColumn<QString>("key");
    QTest::addColumn<Json>("value");
    QTest::addColumn<QString>("message");
    QTest::newRow("unknown field") << "skew" << Json(1) << "skew";
    QTest::newRow("offset out of range") << "offset" << Json(1e9) << "offset";
    QTest::newRow("jump without by") << "jumps" << Json::array({{{"at", "2s"}}})
                                     << "needs both 'at' and 'by'";
    QTest::newRow("drift not a number") << "drift" << Json("fast") << "drift";
}

void TestClockEditing::documentRefuses()
{
    QFETCH(QString, key);
    QFETCH(Json, value);
    QFETCH(QString, message);
    TopologyDocument doc;
    QVERIFY(doc.setTopology(twoNodes()));
    QString error;
    QVERIFY(!doc.setNodeClock("q", key, value, &error));
    QVERIFY2(error.contains(message) && error.contains(QStringLiteral("\"q\"")), qPrintable(error));
    QCOMPARE(doc.undoStack()->count(), 0);
    QCOMPARE(doc.node("q")->clock, Json::object());
}

void TestClockEditing::sectionRows()
{
    PropertyEditor editor;
    const PropertySection clock{QStringLiteral("Clock"), QStringLiteral("clock"),
                                KindRegistry::builtin().clockProperties()};
    editor.setSchema(QStringLiteral("Queue"), KindRegistry::builtin().find("queue")->properties,
                     clock.prefixed(Json{{"offset", -20}}), {clock});
    auto *heading = editor.findChild<QLabel *>(QStringLiteral("section_clock"));
    QVERIFY(heading);
    QCOMPARE(heading->text(), QStringLiteral("Clock"));
    QVERIFY(editor.editor(QStringLiteral("clock.offset")));
    QVERIFY(editor.editor(QStringLiteral("clock.drift")));
    QVERIFY(editor.editor(QStringLiteral("clock.jumps")));
    QVERIFY(!editor.editor(QStringLiteral("offset")));
    QCOMPARE(clock.prefixed(Json{{"drift", 3}}), Json({{"clock.drift", 3}}));
}

void TestClockEditing::editingInTheDock()
{
    MainWindow window;
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    QVERIFY(window.document()->setTopology(twoNodes()));
    window.selectNode(QStringLiteral("q"));
    PropertyEditor *editor = window.propertyEditor();
    QWidget *offset = editor->editor(QStringLiteral("clock.offset"));
    QVERIFY(offset);
    const int before = window.document()->undoStack()->count();
    typeInto(offset, QStringLiteral("-50"));
    QCOMPARE(window.document()->node("q")->clock, Json({{"offset", -50.0}}));
    QCOMPARE(window.document()->undoStack()->count(), before + 1);
    QCOMPARE(window.document()->node("q")->properties, Json::object()); // not a queue property
    // Undo puts the field back.
    window.document()->undoStack()->undo();
    QCOMPARE(window.document()->node("q")->clock, Json::object());
    window.document()->undoStack()->redo();
    QCOMPARE(window.document()->node("q")->clock, Json({{"offset", -50.0}}));
    // The reset button of the row resets the clock field.
    QAbstractButton *reset = editor->resetButton(QStringLiteral("clock.offset"));
    QVERIFY(reset && reset->isEnabled());
    QTest::mouseClick(reset, Qt::LeftButton);
    QCOMPARE(window.document()->node("q")->clock, Json::object());
}

QTEST_MAIN(TestClockEditing)
#include "tst_clockediting.moc"
