// The welcome page: the examples gallery (a model over the bundled examples, with pictures),
// opening an example as an untitled copy, recent files, and topology files dropped on the window.
#include "examplesmodel.h"
#include "galleryfilter.h"
#include "isolatedsettings.h"
#include "mainwindow.h"
#include "testfiles.h"
#include "topologydocument.h"
#include "welcomepage.h"

#include <QAbstractItemModelTester>
#include <QDockWidget>
#include <QDropEvent>
#include <QFileInfo>
#include <QImage>
#include <QLabel>
#include <QLineEdit>
#include <QListView>
#include <QListWidget>
#include <QMimeData>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QUndoStack>
#include <QUrl>

using namespace sb;

namespace {

const QString kExample = QStringLiteral(SIGNALBOX_EXAMPLES_DIR "/work-queue.json");

// True when the picture is more than one flat colour.
bool hasDrawing(const QPixmap &pixmap)
{
    const QImage image = pixmap.toImage();
    const QRgb first = image.pixel(0, 0);
    for (int y = 0; y < image.height(); y += 2)
        for (int x = 0; x < image.width(); x += 2)
            if (image.pixel(x, y) != first) return true;
    return false;
}

bool sendDrop(QWidget *target, const QList<QUrl> &urls)
{
    QMimeData mime;
    mime.setUrls(urls);
    QDragEnterEvent enter(QPoint(10, 10), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(target, &enter);
    if (!enter.isAccepted()) return false;
    QDropEvent drop(QPointF(10, 10), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(target, &drop);
    return drop.isAccepted();
}

} // namespace

class TestWelcomePage : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void init();

    void modelListsEveryBundledExample();
    void modelLeavesOutBrokenFiles();
    void thumbnailsShowTheTopology();
    void welcomeHidesDocksUntilADocumentOpens();
    void exampleOpensAsUntitledCopy();
    void exampleCardOpensOnOneClick();
    void doubleClickOpensTheExampleOnce();
    void cardTooltipHasTheWholeDescription();
    void modelIsInGalleryOrder();
    void filterModel_data();
    void filterModel();
    void searchFieldAndParadigmListFilterTheCards();
    void recentFilesAreListedAndOpen();
    void droppedTopologyFileOpens();
    void droppedOtherFilesAreRefused();

private:
    QTemporaryDir m_dir;
};

void TestWelcomePage::initTestCase()
{
    QVERIFY(m_dir.isValid());
    sbtest::isolateUserFiles(m_dir);
}

void TestWelcomePage::init()
{
    QSettings().clear();
}

void TestWelcomePage::modelListsEveryBundledExample()
{
    ExamplesModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    const QStringList files = sbtest::exampleFiles();
    QCOMPARE(model.rowCount(), files.size());
    for (const QString &file : files) {
        const int row = model.rowOf(QFileInfo(file).fileName());
        QVERIFY2(row >= 0, qPrintable(file));
        const QModelIndex index = model.index(row, 0);
        const LoadResult r = loadTopologyFile(file.toStdString());
        QVERIFY(r.ok());
        QCOMPARE(index.data().toString(), QString::fromStdString(r.topology->name));
        QCOMPARE(index.data(ExamplesModel::DescriptionRole).toString(),
                 QString::fromStdString(r.topology->description));
        QVERIFY(!index.data(ExamplesModel::DescriptionRole).toString().isEmpty());
        QCOMPARE(index.data(ExamplesModel::PathRole).toString(),
                 QStringLiteral(":/examples/") + QFileInfo(file).fileName());
        QVERIFY(index.data(Qt::ToolTipRole).toString().contains(index.data().toString().toHtmlEscaped()));
    }
    QCOMPARE(model.rowOf(QStringLiteral("no-such.json")), -1);
}

void TestWelcomePage::modelLeavesOutBrokenFiles()
{
    QTemporaryDir dir;
    QFile::copy(kExample, dir.filePath("good.json"));
    QFile broken(dir.filePath("broken.json"));
    QVERIFY(broken.open(QIODevice::WriteOnly));
    broken.write("{\"nodes\": [");
    broken.close();
    ExamplesModel model(nullptr, dir.path());
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QCOMPARE(model.rowCount(), 1);
    QCOMPARE(model.index(0, 0).data(ExamplesModel::FileNameRole).toString(), QString("good.json"));
}

void TestWelcomePage::thumbnailsShowTheTopology()
{
    ExamplesModel model;
    QVERIFY(model.rowCount() > 0);
    for (int row = 0; row < model.rowCount(); ++row) {
        const auto pixmap = model.index(row, 0).data(Qt::DecorationRole).value<QPixmap>();
        QCOMPARE(pixmap.size(), QSize(ExamplesModel::kThumbnailWidth, ExamplesModel::kThumbnailHeight));
        QVERIFY2(hasDrawing(pixmap), qPrintable(model.index(row, 0).data().toString()));
    }
    // Something that is not a topology gets a blank picture, not a crash.
    QVERIFY(!hasDrawing(ExamplesModel::renderThumbnail("not json", {40, 30})));
}

void TestWelcomePage::welcomeHidesDocksUntilADocumentOpens()
{
    MainWindow window;
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    auto *properties = window.findChild<QDockWidget *>(QStringLiteral("propertyDock"));
    QVERIFY(properties->isVisible());
    window.showWelcome();
    QVERIFY(window.isWelcomeShown());
    QVERIFY(window.welcomePage()->isVisible());
    QVERIFY(!properties->isVisible());
    window.newDocument();
    QVERIFY(!window.isWelcomeShown());
    QVERIFY(properties->isVisible());
}

void TestWelcomePage::exampleOpensAsUntitledCopy()
{
    MainWindow window;
    window.show();
    window.showWelcome();
    QListView *view = window.welcomePage()->examplesView();
    const QModelIndex card = window.welcomePage()->exampleIndex(QStringLiteral("topic-routing.json"));
    QVERIFY(card.isValid());
    view->setFocus();
    view->setCurrentIndex(card);
    QSignalSpy activated(window.welcomePage(), &WelcomePage::exampleActivated);
    QTest::keyClick(view, Qt::Key_Return);
    QCOMPARE(activated.count(), 1);
    QVERIFY(!window.isWelcomeShown());
    QCOMPARE(window.document()->topology().name, std::string("Topic routing"));
    // Untitled: Save must ask where, so the bundled file is never the target.
    QVERIFY(window.currentFile().isEmpty());
    QVERIFY(window.windowTitle().contains("untitled"));
    QVERIFY(!window.document()->isModified());
    QCOMPARE(window.engine()->state(), EngineHost::State::Ready);
}

void TestWelcomePage::exampleCardOpensOnOneClick()
{
    WelcomePage page;
    page.resize(1200, 800);
    page.show();
    QVERIFY(QTest::qWaitForWindowExposed(&page));
    QListView *view = page.examplesView();
    const QModelIndex card = view->model()->index(1, 0);
    QSignalSpy activated(&page, &WelcomePage::exampleActivated);
    QTest::mouseClick(view->viewport(), Qt::LeftButton, {}, view->visualRect(card).center());
    QCOMPARE(activated.count(), 1);
    QCOMPARE(activated.at(0).at(0).toString(), card.data(ExamplesModel::PathRole).toString());
}

void TestWelcomePage::doubleClickOpensTheExampleOnce()
{
    WelcomePage page;
    page.resize(1200, 800);
    page.show();
    QVERIFY(QTest::qWaitForWindowExposed(&page));
    QListView *view = page.examplesView();
    const QPoint at = view->visualRect(view->model()->index(0, 0)).center();
    QSignalSpy activated(&page, &WelcomePage::exampleActivated);
    QTest::mouseClick(view->viewport(), Qt::LeftButton, {}, at);
    QTest::mouseDClick(view->viewport(), Qt::LeftButton, {}, at);
    QCOMPARE(activated.count(), 1);
}

void TestWelcomePage::cardTooltipHasTheWholeDescription()
{
    ExamplesModel model;
    QVERIFY(model.rowCount() > 0);
    for (int row = 0; row < model.rowCount(); ++row) {
        const QModelIndex index = model.index(row, 0);
        const QString description = index.data(ExamplesModel::DescriptionRole).toString();
        QVERIFY(!description.isEmpty());
        QVERIFY2(index.data(Qt::ToolTipRole).toString().contains(description.toHtmlEscaped()),
                 qPrintable(index.data().toString()));
    }
}

void TestWelcomePage::modelIsInGalleryOrder()
{
    // Rows follow the paradigms' order; a pitfall's broken example comes right before its fixed one.
    ExamplesModel model;
    int lastRank = -1;
    for (int row = 0; row < model.rowCount(); ++row) {
        const std::string paradigm = model.entry(row).info.paradigm;
        int rank = 0;
        while (rank < int(paradigms().size()) && paradigms()[std::size_t(rank)].id != paradigm)
            ++rank;
        QVERIFY2(rank >= lastRank, model.entry(row).fileName.c_str());
        lastRank = rank;
        if (model.entry(row).info.variant == "fixed") {
            QVERIFY(row > 0);
            QCOMPARE(model.entry(row - 1).info.pitfall, model.entry(row).info.pitfall);
            QCOMPARE(model.entry(row - 1).info.variant, std::string("broken"));
        }
    }
    const QModelIndex sns = model.index(model.rowOf(QStringLiteral("sns-fanout.json")), 0);
    QCOMPARE(sns.data(ExamplesModel::ParadigmRole).toString(), QStringLiteral("pub-sub"));
    QCOMPARE(sns.data(ExamplesModel::GroupRole).toString(), QStringLiteral("Publish-subscribe"));
    QVERIFY(sns.data(ExamplesModel::SystemsRole).toStringList().contains(QStringLiteral("Amazon SNS")));
    QVERIFY(sns.data(Qt::ToolTipRole).toString().contains(QStringLiteral("Amazon SNS")));
}

void TestWelcomePage::filterModel_data()
{
    QTest::addColumn<QString>("paradigm");
    QTest::addColumn<QString>("search");
    QTest::addColumn<QString>("shown");  // an example that must be shown
    QTest::addColumn<QString>("hidden"); // one that must not
    QTest::newRow("all") << ""
                         << ""
                         << "work-queue.json"
                         << "";
    QTest::newRow("one paradigm") << "pub-sub"
                                  << ""
                                  << "sns-fanout.json"
                                  << "work-queue.json";
    QTest::newRow("a system") << ""
                              << "kafka"
                              << "kafka-acks.json"
                              << "work-queue.json";
    QTest::newRow("paradigm and system") << "queues"
                                         << "kafka"
                                         << "kafka-acks.json"
                                         << "kafka-consumer-groups.json";
    QTest::newRow("a pitfall") << ""
                               << "duplicates"
                               << "duplicates-idempotent-consumer.json"
                               << "topic-routing.json";
    QTest::newRow("two words") << ""
                               << "sqs fifo"
                               << "sqs-standard-vs-fifo.json"
                               << "sqs-long-vs-short-polling.json";
}

void TestWelcomePage::filterModel()
{
    QFETCH(QString, paradigm);
    QFETCH(QString, search);
    QFETCH(QString, shown);
    QFETCH(QString, hidden);
    ExamplesModel examples;
    GalleryFilterModel filter(&examples);
    QAbstractItemModelTester tester(&filter, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QSignalSpy changed(&filter, &GalleryFilterModel::filterChanged);
    filter.setParadigm(paradigm);
    filter.setSearchText(search);
    QCOMPARE(changed.count(), int(!paradigm.isEmpty()) + int(!search.isEmpty()));
    auto isShown = [&](const QString &file) {
        return filter.mapFromSource(examples.index(examples.rowOf(file), 0)).isValid();
    };
    QVERIFY2(examples.rowOf(shown) >= 0, qPrintable(shown));
    QVERIFY2(isShown(shown), qPrintable(shown));
    if (!hidden.isEmpty()) {
        QVERIFY2(examples.rowOf(hidden) >= 0, qPrintable(hidden));
        QVERIFY2(!isShown(hidden), qPrintable(hidden));
    }
    QCOMPARE(filter.countFor(paradigm), filter.rowCount());
    // The groups' counts add up to all the examples the search leaves.
    int sum = filter.countFor(QStringLiteral("other"));
    for (const Paradigm &p : paradigms())
        sum += filter.countFor(QString::fromStdString(p.id));
    QCOMPARE(sum, filter.countFor(QString()));
}

void TestWelcomePage::searchFieldAndParadigmListFilterTheCards()
{
    WelcomePage page;
    page.resize(1400, 850);
    page.show();
    QVERIFY(QTest::qWaitForWindowExposed(&page));
    QListView *view = page.examplesView();
    const int all = view->model()->rowCount();
    QCOMPARE(all, page.examples()->rowCount());
    QListWidget *list = page.paradigmList();
    QCOMPARE(list->currentRow(), 0);
    QVERIFY(list->item(0)->text().contains(QString::number(all)));
    // Typing narrows the cards and the groups' counts; Escape-free: clearing brings them back.
    QTest::keyClicks(page.searchField(), QStringLiteral("mqtt"));
    QVERIFY(view->model()->rowCount() >= 1 && view->model()->rowCount() < all);
    QVERIFY(page.exampleIndex(QStringLiteral("mqtt-iot-sensors.json")).isValid());
    QVERIFY(!page.exampleIndex(QStringLiteral("work-queue.json")).isValid());
    auto *matches = page.findChild<QLabel *>(QStringLiteral("welcomeMatchesLabel"));
    QVERIFY(matches->text().contains(QStringLiteral("mqtt")));
    QTest::keyClicks(page.searchField(), QStringLiteral("zzzz"));
    QCOMPARE(view->model()->rowCount(), 0);
    QVERIFY(matches->text().startsWith(QStringLiteral("No example matches")));
    page.searchField()->clear();
    QCOMPARE(view->model()->rowCount(), all);
    // Clicking a paradigm shows its examples only.
    int sagas = -1;
    for (int row = 0; row < list->count(); ++row)
        if (list->item(row)->data(Qt::UserRole).toString() == QLatin1String("sagas")) sagas = row;
    QVERIFY(sagas > 0);
    QTest::mouseClick(list->viewport(), Qt::LeftButton, {}, list->visualItemRect(list->item(sagas)).center());
    QCOMPARE(page.galleryFilter()->paradigm(), QStringLiteral("sagas"));
    QVERIFY(view->model()->rowCount() >= 5);
    for (int row = 0; row < view->model()->rowCount(); ++row)
        QCOMPARE(view->model()->index(row, 0).data(ExamplesModel::ParadigmRole).toString(),
                 QStringLiteral("sagas"));
    // A card still opens the example it shows.
    QSignalSpy activated(&page, &WelcomePage::exampleActivated);
    const QModelIndex card = view->model()->index(0, 0);
    QTest::mouseClick(view->viewport(), Qt::LeftButton, {}, view->visualRect(card).center());
    QCOMPARE(activated.count(), 1);
    QCOMPARE(activated.at(0).at(0).toString(), card.data(ExamplesModel::PathRole).toString());
}

void TestWelcomePage::recentFilesAreListedAndOpen()
{
    MainWindow window;
    window.show();
    QVERIFY(window.openFile(kExample));
    window.newDocument();
    window.showWelcome();
    QListWidget *recent = window.welcomePage()->recentList();
    QCOMPARE(recent->count(), 1);
    QCOMPARE(recent->item(0)->text(), QString("work-queue.json"));
    Q_EMIT recent->itemActivated(recent->item(0));
    QCOMPARE(window.currentFile(), QFileInfo(kExample).absoluteFilePath());
    QVERIFY(!window.isWelcomeShown());
}

void TestWelcomePage::droppedTopologyFileOpens()
{
    MainWindow window;
    window.show();
    QVERIFY(sendDrop(&window, {QUrl::fromLocalFile(kExample)}));
    QTRY_COMPARE(window.currentFile(), QFileInfo(kExample).absoluteFilePath());
    QCOMPARE(window.document()->topology().nodes.size(), std::size_t(5));
}

void TestWelcomePage::droppedOtherFilesAreRefused()
{
    MainWindow window;
    window.show();
    QVERIFY(!sendDrop(&window, {QUrl::fromLocalFile(m_dir.filePath("notes.txt"))}));
    QVERIFY(!sendDrop(&window, {QUrl(QStringLiteral("https://example.org/topology.json"))}));
    QTest::qWait(20);
    QVERIFY(window.currentFile().isEmpty());
}

QTEST_MAIN(TestWelcomePage)
#include "tst_welcomepage.moc"
