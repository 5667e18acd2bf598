// The window's file side on its own, without the window: open and save with their signals, the
// clipboard, the recovery question's wording, and one dialog at a time.
#include "documentcontroller.h"
#include "enginehost.h"
#include "isolatedsettings.h"
#include "recoverystore.h"
#include "topologydocument.h"

#include <QAbstractButton>
#include <QFileInfo>
#include <QMessageBox>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QWidget>

using namespace sb;

namespace {

const QString kExample = QStringLiteral(SIGNALBOX_EXAMPLES_DIR "/work-queue.json");

// The parts a DocumentController works with, as the window gives them.
struct Fixture {
    explicit Fixture(const QString &recoveryDir) : controller(&document, &engine, &dialogParent, recoveryDir)
    {
    }
    QWidget dialogParent;
    EngineHost engine;
    TopologyDocument document;
    DocumentController controller;
};

} // namespace

class TestDocumentController : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void openAndSaveSayWhatChanged();
    void failedOpenKeepsTheDocument();
    void newDocumentClears();
    void clipboardCopiesPastesAndDuplicates();
    void recoveryText_data();
    void recoveryText();
    void dialogsComeOneAtATime();

private:
    QTemporaryDir m_dir;
};

void TestDocumentController::initTestCase()
{
    QVERIFY(m_dir.isValid());
    sbtest::isolateUserFiles(m_dir);
}

void TestDocumentController::openAndSaveSayWhatChanged()
{
    Fixture f(m_dir.filePath("recovery-open"));
    QSignalSpy opened(&f.controller, &DocumentController::documentOpened);
    QSignalSpy fileChanged(&f.controller, &DocumentController::currentFileChanged);
    QSignalSpy recent(&f.controller, &DocumentController::recentFilesChanged);
    QVERIFY(f.controller.openFile(kExample));
    QCOMPARE(opened.count(), 1);
    QCOMPARE(f.controller.currentFile(), QFileInfo(kExample).absoluteFilePath());
    QCOMPARE(fileChanged.last().at(0).toString(), QFileInfo(kExample).absoluteFilePath());
    QCOMPARE(f.document.topology().nodes.size(), std::size_t(5));
    QVERIFY(f.engine.isLoaded());
    QCOMPARE(recent.count(), 1);

    QVERIFY(!f.document.addNode("queue", QPointF(500, 500)).isEmpty());
    QVERIFY(f.document.isModified());
    const QString copy = m_dir.filePath("saved-copy.json");
    QVERIFY(f.controller.saveFile(copy));
    QVERIFY(!f.document.isModified());
    QCOMPARE(f.controller.currentFile(), QFileInfo(copy).absoluteFilePath());
    QCOMPARE(DocumentController::recentFiles().first(), QFileInfo(copy).absoluteFilePath());
    QCOMPARE(fileChanged.last().at(0).toString(), QFileInfo(copy).absoluteFilePath());
}

void TestDocumentController::failedOpenKeepsTheDocument()
{
    Fixture f(m_dir.filePath("recovery-failed"));
    QVERIFY(f.controller.openFile(kExample));
    QSignalSpy opened(&f.controller, &DocumentController::documentOpened);
    QVERIFY(!f.controller.openFile(m_dir.filePath("missing.json")));
    QCOMPARE(opened.count(), 0);
    QCOMPARE(f.controller.currentFile(), QFileInfo(kExample).absoluteFilePath());
    QVERIFY(f.controller.currentDialog());
    QCOMPARE(f.controller.currentDialog()->objectName(), QString("loadErrorDialog"));
    QVERIFY(f.controller.currentDialog()->text().contains("missing.json"));
    f.controller.currentDialog()->done(0);
}

void TestDocumentController::newDocumentClears()
{
    Fixture f(m_dir.filePath("recovery-new"));
    QVERIFY(f.controller.openFile(kExample));
    QSignalSpy cleared(&f.controller, &DocumentController::documentCleared);
    f.controller.newDocument();
    QCOMPARE(cleared.count(), 1);
    QVERIFY(f.document.topology().nodes.empty());
    QCOMPARE(f.controller.currentFile(), QString());
}

void TestDocumentController::clipboardCopiesPastesAndDuplicates()
{
    Fixture f(m_dir.filePath("recovery-clipboard"));
    QVERIFY(f.controller.openFile(kExample));
    f.controller.copy({"tasks"});
    const QStringList pasted = f.controller.paste();
    QCOMPARE(pasted.size(), 1);
    QVERIFY(pasted.first() != "tasks");
    QCOMPARE(f.document.node(pasted.first())->kind, std::string("queue"));
    const QStringList duplicated = f.controller.duplicate({"worker-1", "worker-2"});
    QCOMPARE(duplicated.size(), 2);
    QCOMPARE(f.document.topology().nodes.size(), std::size_t(8));
    f.controller.cut({"worker-3"});
    QVERIFY(!f.document.node("worker-3"));
    QCOMPARE(f.controller.paste().size(), 1);
}

void TestDocumentController::recoveryText_data()
{
    QTest::addColumn<QString>("originalFile");
    QTest::addColumn<QString>("name");
    QTest::addColumn<QString>("expected");
    QTest::newRow("saved file, named") << "/home/me/mine.json"
                                       << "Orders"
                                       << "mine.json";
    QTest::newRow("saved file, no name") << "/home/me/mine.json"
                                         << ""
                                         << "mine.json";
    QTest::newRow("untitled, named") << ""
                                     << "Orders"
                                     << "the untitled topology \u201cOrders\u201d";
    QTest::newRow("untitled, no name") << ""
                                       << ""
                                       << "an untitled topology (no name)";
}

void TestDocumentController::recoveryText()
{
    QFETCH(QString, originalFile);
    QFETCH(QString, name);
    QFETCH(QString, expected);
    RecoveryStore::Recovery r;
    r.originalFile = originalFile;
    r.name = name;
    QCOMPARE(DocumentController::recoveryText(r), expected);
}

void TestDocumentController::dialogsComeOneAtATime()
{
    // Work a crashed session left: a recovery file no running session holds.
    const QString recoveryDir = m_dir.filePath("recovery-queue");
    {
        const LoadResult loaded = loadTopologyFile(kExample.toStdString());
        QVERIFY(loaded.ok());
        Topology unnamed = *loaded.topology;
        unnamed.name.clear();
        RecoveryStore crashed(recoveryDir);
        QVERIFY(crashed.save(unnamed, QStringLiteral("/home/me/mine.json")));
    }
    Fixture f(recoveryDir);
    QVERIFY(!f.controller.openFile(m_dir.filePath("missing.json")));
    QMessageBox *loadError = f.controller.currentDialog();
    QVERIFY(loadError && loadError->isVisible());
    f.controller.offerRecovery();
    auto *recovery = f.dialogParent.findChild<QMessageBox *>("recoveryDialog");
    QVERIFY(recovery);
    QVERIFY(!recovery->isVisible()); // waits behind the load error
    QCOMPARE(f.controller.currentDialog(), loadError);

    loadError->done(0);
    QTRY_VERIFY(recovery->isVisible());
    QCOMPARE(f.controller.currentDialog(), recovery);
    QVERIFY2(recovery->text().contains("changes to mine.json,"), qPrintable(recovery->text()));
    QVERIFY2(!recovery->text().contains("no name"), qPrintable(recovery->text()));
    for (QAbstractButton *button : recovery->buttons())
        if (recovery->buttonRole(button) == QMessageBox::RejectRole) button->click(); // Later
    QTRY_VERIFY(!f.controller.currentDialog());
}

QTEST_MAIN(TestDocumentController)
#include "tst_documentcontroller.moc"
