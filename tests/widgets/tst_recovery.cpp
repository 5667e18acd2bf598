// Autosave and recovery: the recovery store (save, load, locks that tell a live window's work
// from work a crashed session left), and the window saving unsaved work, cleaning up after a save,
// and restoring what a crashed session left as an undoable step over the saved file.
#include "isolatedsettings.h"
#include "mainwindow.h"
#include "recoverystore.h"
#include "testfiles.h"
#include "topologydocument.h"

#include <QAbstractButton>
#include <QApplication>
#include <QDir>
#include <QFile>
#include <QMessageBox>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QUndoStack>

#include <memory>

using namespace sb;

namespace {

const QString kExample = QStringLiteral(SIGNALBOX_EXAMPLES_DIR "/work-queue.json");

Topology example()
{
    const LoadResult r = loadTopologyFile(kExample.toStdString());
    if (!r.ok()) qFatal("cannot load the example");
    return *r.topology;
}

// A copy of the example the test may save over (the bundled file may be read-only).
bool writableCopyOfExample(const QString &copy)
{
    QFile::remove(copy);
    return QFile::copy(kExample, copy) && QFile::setPermissions(copy, QFile::ReadOwner | QFile::WriteOwner);
}

QString recoveryDir()
{
    return QStandardPaths::writableLocation(QStandardPaths::AppDataLocation) + QStringLiteral("/recovery");
}

QMessageBox *visibleDialog(const char *name)
{
    for (QWidget *w : QApplication::topLevelWidgets())
        if (w->objectName() == QLatin1String(name) && w->isVisible()) return qobject_cast<QMessageBox *>(w);
    return nullptr;
}

} // namespace

class TestRecovery : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void init();

    void storeRoundTrip();
    void liveWorkIsNotOrphaned();
    void unreadableRecoveryFileIsNamed_data();
    void unreadableRecoveryFileIsNamed();
    void windowAutosavesUnsavedWorkOnly();
    void savingRemovesTheRecoveryFile();
    void crashedSessionWorkIsRecovered();
    void untitledWorkIsRecovered();
    void offerRecoveryAsksWithoutBlocking();

private:
    QTemporaryDir m_dir;
};

void TestRecovery::initTestCase()
{
    QVERIFY(m_dir.isValid());
    sbtest::isolateUserFiles(m_dir);
}

void TestRecovery::init()
{
    QSettings().clear();
    QDir(recoveryDir()).removeRecursively();
}

void TestRecovery::storeRoundTrip()
{
    QTemporaryDir dir;
    RecoveryStore store(dir.filePath("recovery"));
    QVERIFY(!store.hasSaved());
    Topology t = example();
    t.name = "edited";
    QString error;
    QVERIFY2(store.save(t, QStringLiteral("/somewhere/work-queue.json"), &error), qPrintable(error));
    QVERIFY(store.hasSaved());
    QString original;
    const auto loaded = RecoveryStore::load(store.path(), &original, &error);
    QVERIFY2(loaded, qPrintable(error));
    QCOMPARE(*loaded, t);
    QCOMPARE(original, QString("/somewhere/work-queue.json"));
    store.discard();
    QVERIFY(!store.hasSaved());
}

void TestRecovery::liveWorkIsNotOrphaned()
{
    QTemporaryDir dir;
    auto crashed = std::make_unique<RecoveryStore>(dir.filePath("recovery"));
    QVERIFY(crashed->save(example(), {}));
    RecoveryStore other(dir.filePath("recovery"));
    // The first window still runs: its work is its own.
    QVERIFY(other.orphaned().isEmpty());
    // It goes away without discarding (a crash): its file is now left behind.
    const QString path = crashed->path();
    crashed.reset();
    const auto left = other.orphaned();
    QCOMPARE(left.size(), 1);
    QCOMPARE(left.first().path, QFileInfo(path).absoluteFilePath());
    QCOMPARE(left.first().name, QString::fromStdString(example().name));
    RecoveryStore::remove(path);
    QVERIFY(other.orphaned().isEmpty());
}

void TestRecovery::unreadableRecoveryFileIsNamed_data()
{
    QTest::addColumn<QByteArray>("content");
    QTest::addColumn<QString>("mention");
    QTest::newRow("not json") << QByteArray("{{{") << "not a Signalbox recovery file";
    QTest::newRow("other json") << QByteArray("{\"format\": \"x\"}") << "not a Signalbox recovery file";
    QTest::newRow("bad topology") << QByteArray(
                                         R"({"format": "signalbox-recovery", "topology": {"nodes": 5}})")
                                  << "missing";
}

void TestRecovery::unreadableRecoveryFileIsNamed()
{
    QFETCH(QByteArray, content);
    QFETCH(QString, mention);
    QTemporaryDir dir;
    const QString path = dir.filePath("broken.json");
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(content);
    f.close();
    QString error;
    QVERIFY(!RecoveryStore::load(path, nullptr, &error));
    QVERIFY2(error.contains(mention), qPrintable(error));
    QVERIFY2(error.contains("broken.json"), qPrintable(error));

    // The window says so and keeps its document.
    MainWindow window;
    QVERIFY(window.openFile(kExample));
    QVERIFY(!window.recover(path));
    QTRY_VERIFY(visibleDialog("loadErrorDialog"));
    visibleDialog("loadErrorDialog")->close();
    QCOMPARE(window.document()->topology(), example());
}

void TestRecovery::windowAutosavesUnsavedWorkOnly()
{
    MainWindow window;
    QCOMPARE(window.autosaveInterval(), MainWindow::kDefaultAutosaveInterval);
    QVERIFY(window.openFile(kExample));
    window.autosaveNow();
    QVERIFY(!window.recoveryStore()->hasSaved()); // nothing unsaved
    QVERIFY(!window.document()->addNode(QStringLiteral("queue"), {700, 300}).isEmpty());
    window.setAutosaveInterval(20);
    QTRY_VERIFY(window.recoveryStore()->hasSaved()); // the timer did it
    QString original;
    const auto saved = RecoveryStore::load(window.recoveryStore()->path(), &original);
    QVERIFY(saved);
    QCOMPARE(*saved, window.document()->topology());
    QCOMPARE(original, QFileInfo(kExample).absoluteFilePath());
    // Undone back to the file: nothing to recover any more.
    window.document()->undoStack()->undo();
    QTRY_VERIFY(!window.recoveryStore()->hasSaved());
}

void TestRecovery::savingRemovesTheRecoveryFile()
{
    const QString copy = m_dir.filePath("saved.json");
    QVERIFY(writableCopyOfExample(copy));
    MainWindow window;
    QVERIFY(window.openFile(copy));
    QVERIFY(window.document()->renameNode(QStringLiteral("tasks"), QStringLiteral("jobs")));
    window.autosaveNow();
    QVERIFY(window.recoveryStore()->hasSaved());
    QVERIFY(window.saveFile());
    QVERIFY(!window.recoveryStore()->hasSaved());
}

void TestRecovery::crashedSessionWorkIsRecovered()
{
    const QString copy = m_dir.filePath("work.json");
    QVERIFY(writableCopyOfExample(copy));
    Topology unsaved;
    {
        auto crashed = std::make_unique<MainWindow>();
        QVERIFY(crashed->openFile(copy));
        QVERIFY(!crashed->document()->addNode(QStringLiteral("consumer"), {700, 300}).isEmpty());
        QVERIFY(crashed->document()->setNodeProperty(QStringLiteral("tasks"), QStringLiteral("maxLength"),
                                                     Json(7)));
        crashed->autosaveNow();
        unsaved = crashed->document()->topology();
        // Destroyed without closing: as if the process died. The recovery file stays.
        crashed.reset();
    }

    MainWindow window;
    const auto left = window.recoverableWork();
    QCOMPARE(left.size(), 1);
    QCOMPARE(left.first().originalFile, QFileInfo(copy).absoluteFilePath());
    QVERIFY(window.recover(left.first().path));
    QCOMPARE(window.document()->topology(), unsaved);
    QVERIFY(window.document()->isModified());
    QCOMPARE(window.currentFile(), QFileInfo(copy).absoluteFilePath());
    QVERIFY(window.windowTitle().contains("work.json"));
    // The recovered file is gone; the work is this window's unsaved work now.
    QVERIFY(!QFile::exists(left.first().path));
    QVERIFY(window.recoveryStore()->hasSaved());
    // One undo step back to the file as saved.
    window.document()->undoStack()->undo();
    const LoadResult onDisk = loadTopologyFile(copy.toStdString());
    QCOMPARE(window.document()->topology(), *onDisk.topology);
    QVERIFY(!window.document()->isModified());
}

void TestRecovery::untitledWorkIsRecovered()
{
    {
        auto crashed = std::make_unique<MainWindow>();
        crashed->newDocument();
        QVERIFY(!crashed->document()->addNode(QStringLiteral("producer"), {0, 0}).isEmpty());
        crashed->autosaveNow();
    }
    MainWindow window;
    const auto left = window.recoverableWork();
    QCOMPARE(left.size(), 1);
    QVERIFY(left.first().originalFile.isEmpty());
    QVERIFY(window.recover(left.first().path));
    QCOMPARE(window.document()->topology().nodes.size(), std::size_t(1));
    QVERIFY(window.currentFile().isEmpty());
    QVERIFY(window.document()->isModified());
    window.document()->undoStack()->setClean();
}

void TestRecovery::offerRecoveryAsksWithoutBlocking()
{
    {
        auto crashed = std::make_unique<MainWindow>();
        QVERIFY(crashed->openFile(kExample));
        QVERIFY(crashed->document()->renameNode(QStringLiteral("tasks"), QStringLiteral("jobs")));
        crashed->autosaveNow();
    }
    MainWindow window;
    window.show();
    window.offerRecovery();
    QMessageBox *box = visibleDialog("recoveryDialog");
    QVERIFY(box);
    QVERIFY2(box->text().contains("work-queue.json"), qPrintable(box->text()));
    QAbstractButton *discard = nullptr;
    for (QAbstractButton *b : box->buttons())
        if (box->buttonRole(b) == QMessageBox::DestructiveRole) discard = b;
    QVERIFY(discard);
    discard->click();
    QTRY_VERIFY(window.recoverableWork().isEmpty());
    QVERIFY(!window.document()->isModified());
    QVERIFY(!visibleDialog("recoveryDialog"));
}

QTEST_MAIN(TestRecovery)
#include "tst_recovery.moc"
