#include "palette.h"
#include "palettemodel.h"
#include "schema.h"

#include <QAbstractItemModelTester>
#include <QLabel>
#include <QLineEdit>
#include <QMimeData>
#include <QSignalSpy>
#include <QSortFilterProxyModel>
#include <QTest>
#include <QTreeView>

#include <memory>

using namespace sb;

namespace {

// The kinds visible through `model`, in view order.
QStringList visibleKinds(const QAbstractItemModel *model)
{
    QStringList out;
    for (int c = 0; c < model->rowCount(); ++c) {
        const QModelIndex category = model->index(c, 0);
        for (int r = 0; r < model->rowCount(category); ++r)
            out << model->index(r, 0, category).data(PaletteModel::KindRole).toString();
    }
    return out;
}

QModelIndex proxyIndexOfKind(const Palette &palette, const QString &kind)
{
    return palette.proxyModel()->mapFromSource(palette.model()->indexOfKind(kind));
}

// What a window system delivers for a double-click: press, release, double-click, release
// (QTest::mouseDClick alone sends only the third).
void doubleClick(QWidget *viewport, QPoint at)
{
    QTest::mouseClick(viewport, Qt::LeftButton, {}, at);
    QTest::mouseDClick(viewport, Qt::LeftButton, {}, at);
    QTest::mouseRelease(viewport, Qt::LeftButton, {}, at);
}

} // namespace

class TestPaletteModel : public QObject {
    Q_OBJECT

private slots:
    void modelPassesTester();
    void everyKindOnceUnderItsCategory();
    void kindRowsCarryRegistryData();
    void categoriesAreNotDraggable();
    void mimeDataCarriesTheKind();
    void iconsLoadFromResources();
    void viewIsExpandedAndDrags();
    void filterPassesTester();
    void filter_data();
    void filter();
    void filterKeepsAKindCurrent();
    void helpFollowsCurrentKind();
    void doubleClickActivates();
    void enterActivates();
    void enterInSearchFieldActivatesFirstMatch();
};

void TestPaletteModel::modelPassesTester()
{
    PaletteModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QVERIFY(model.rowCount() > 0);
}

void TestPaletteModel::everyKindOnceUnderItsCategory()
{
    PaletteModel model;
    const auto &registry = KindRegistry::builtin();
    QMap<QString, QString> categoryOf; // kind -> category it appears under
    int kindRows = 0;
    for (int c = 0; c < model.rowCount(); ++c) {
        const QModelIndex category = model.index(c, 0);
        QVERIFY(model.hasChildren(category));
        for (int r = 0; r < model.rowCount(category); ++r) {
            const QString kind = model.index(r, 0, category).data(PaletteModel::KindRole).toString();
            QVERIFY2(!categoryOf.contains(kind), qPrintable(kind + " appears twice"));
            categoryOf.insert(kind, category.data().toString());
            ++kindRows;
        }
    }
    QCOMPARE(kindRows, static_cast<int>(registry.kinds().size()));
    for (const auto &k : registry.kinds()) {
        const QString kind = QString::fromStdString(k.kind);
        QVERIFY2(categoryOf.contains(kind), qPrintable(kind + " is missing"));
        QCOMPARE(categoryOf.value(kind), QString::fromStdString(k.category));
        QCOMPARE(model.indexOfKind(kind).data(PaletteModel::KindRole).toString(), kind);
    }
    QVERIFY(!model.indexOfKind(QStringLiteral("teleporter")).isValid());
}

void TestPaletteModel::kindRowsCarryRegistryData()
{
    PaletteModel model;
    for (const auto &k : KindRegistry::builtin().kinds()) {
        const QModelIndex i = model.indexOfKind(QString::fromStdString(k.kind));
        QCOMPARE(i.data(Qt::DisplayRole).toString(), QString::fromStdString(k.label));
        QCOMPARE(i.data(Qt::ToolTipRole).toString(), QString::fromStdString(k.help));
        QVERIFY(!i.data(Qt::DecorationRole).value<QIcon>().isNull());
        QVERIFY(i.flags() & Qt::ItemIsDragEnabled);
        QVERIFY(i.flags() & Qt::ItemIsSelectable);
    }
}

void TestPaletteModel::categoriesAreNotDraggable()
{
    PaletteModel model;
    for (int c = 0; c < model.rowCount(); ++c) {
        const QModelIndex category = model.index(c, 0);
        QVERIFY(!(category.flags() & Qt::ItemIsDragEnabled));
        QVERIFY(category.data(PaletteModel::KindRole).toString().isEmpty());
    }
    std::unique_ptr<QMimeData> none(model.mimeData({model.index(0, 0)}));
    QVERIFY(!none);
}

void TestPaletteModel::mimeDataCarriesTheKind()
{
    PaletteModel model;
    QCOMPARE(model.mimeTypes(), QStringList{QString::fromLatin1(kKindMimeType)});
    QCOMPARE(model.supportedDragActions(), Qt::CopyAction);
    for (const auto &k : KindRegistry::builtin().kinds()) {
        const QString kind = QString::fromStdString(k.kind);
        const QModelIndex i = model.indexOfKind(kind);
        // A category selected along with the kind does not change what is dragged.
        std::unique_ptr<QMimeData> mime(model.mimeData({i.parent(), i}));
        QVERIFY(mime);
        QVERIFY(mime->hasFormat(QStringLiteral("application/x-signalbox-kind")));
        QCOMPARE(mime->data(QStringLiteral("application/x-signalbox-kind")), kind.toUtf8());
        QCOMPARE(kindFromMimeData(mime.get()), kind);
    }
    QMimeData plain;
    plain.setText(QStringLiteral("queue"));
    QVERIFY(kindFromMimeData(&plain).isEmpty());
    QVERIFY(kindFromMimeData(nullptr).isEmpty());
}

void TestPaletteModel::iconsLoadFromResources()
{
    for (const char *name : {"producer", "exchange", "queue", "consumer", "link"}) {
        const QIcon icon = kindIcon(QString::fromLatin1(name));
        QVERIFY2(!icon.isNull(), name);
        for (int size : {16, 24, 64}) {
            const QPixmap pixmap = icon.pixmap(size, size);
            QCOMPARE(pixmap.size(), QSize(size, size));
            // Something was drawn: the SVG parsed and rendered.
            const QImage image = pixmap.toImage();
            bool painted = false;
            for (int y = 0; y < image.height() && !painted; ++y)
                for (int x = 0; x < image.width() && !painted; ++x)
                    painted = qAlpha(image.pixel(x, y)) > 0;
            QVERIFY2(painted, name);
        }
    }
    QVERIFY(kindIcon(QStringLiteral("teleporter")).isNull());
    QVERIFY(kindIcon(QString()).isNull());
}

void TestPaletteModel::viewIsExpandedAndDrags()
{
    Palette palette;
    QTreeView *view = palette.view();
    QCOMPARE(view->model(), palette.proxyModel());
    QVERIFY(view->dragEnabled());
    QCOMPARE(view->dragDropMode(), QAbstractItemView::DragOnly);
    for (int c = 0; c < palette.proxyModel()->rowCount(); ++c)
        QVERIFY(view->isExpanded(palette.proxyModel()->index(c, 0)));
    QVERIFY(palette.proxyModel()->isRecursiveFilteringEnabled());
}

void TestPaletteModel::filterPassesTester()
{
    Palette palette;
    QAbstractItemModelTester tester(palette.proxyModel(),
                                    QAbstractItemModelTester::FailureReportingMode::QtTest);
    for (const char *text : {"q", "queue", "CONSUMER", "routes", "zzz", "", "e", "ack", ""}) {
        palette.setFilterText(QString::fromLatin1(text));
        QCOMPARE(palette.proxyModel()->rowCount() > 0, visibleKinds(palette.proxyModel()).size() > 0);
    }
}

void TestPaletteModel::filter_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QStringList>("kinds");

    const QStringList all{"producer", "consumer", "exchange", "queue"};
    QTest::newRow("empty shows all") << QString() << all;
    QTest::newRow("spaces show all") << QStringLiteral("   ") << all;
    QTest::newRow("label") << QStringLiteral("Exchange") << QStringList{"exchange"};
    QTest::newRow("case-insensitive") << QStringLiteral("eXCHANGE") << QStringList{"exchange"};
    QTest::newRow("label and help") << QStringLiteral("queue")
                                    << QStringList{"consumer", "exchange", "queue"};
    QTest::newRow("part of a label") << QStringLiteral("prod") << QStringList{"producer"};
    QTest::newRow("help text") << QStringLiteral("fanout") << QStringList{"exchange"};
    QTest::newRow("help text, two kinds") << QStringLiteral("acks") << QStringList{"consumer", "queue"};
    QTest::newRow("help text, confirms") << QStringLiteral("publisher confirms") << QStringList{"producer"};
    QTest::newRow("kind and help") << QStringLiteral("consumer") << QStringList{"consumer", "queue"};
    QTest::newRow("category name alone") << QStringLiteral("Broker") << QStringList{};
    QTest::newRow("nothing") << QStringLiteral("teleporter") << QStringList{};
}

void TestPaletteModel::filter()
{
    QFETCH(QString, text);
    QFETCH(QStringList, kinds);

    Palette palette;
    palette.setFilterText(text);
    QCOMPARE(palette.searchField()->text(), text);
    QCOMPARE(visibleKinds(palette.proxyModel()), kinds);
    // Categories without a match are hidden, the others stay expanded.
    for (int c = 0; c < palette.proxyModel()->rowCount(); ++c) {
        const QModelIndex category = palette.proxyModel()->index(c, 0);
        QVERIFY(palette.proxyModel()->rowCount(category) > 0);
        QVERIFY(palette.view()->isExpanded(category));
    }
}

void TestPaletteModel::filterKeepsAKindCurrent()
{
    Palette palette;
    palette.view()->setCurrentIndex(proxyIndexOfKind(palette, QStringLiteral("producer")));
    QCOMPARE(palette.currentKind(), QStringLiteral("producer"));
    palette.setFilterText(QStringLiteral("fanout"));
    QCOMPARE(palette.currentKind(), QStringLiteral("exchange"));
    palette.setFilterText(QString());
    QCOMPARE(palette.currentKind(), QStringLiteral("exchange"));
}

void TestPaletteModel::helpFollowsCurrentKind()
{
    Palette palette;
    palette.view()->setCurrentIndex(proxyIndexOfKind(palette, QStringLiteral("exchange")));
    QCOMPARE(palette.helpLabel()->text(),
             QString::fromStdString(KindRegistry::builtin().find("exchange")->help));
    palette.view()->setCurrentIndex(proxyIndexOfKind(palette, QStringLiteral("consumer")));
    QCOMPARE(palette.helpLabel()->text(),
             QString::fromStdString(KindRegistry::builtin().find("consumer")->help));
}

void TestPaletteModel::doubleClickActivates()
{
    Palette palette;
    palette.resize(260, 400);
    palette.show();
    QVERIFY(QTest::qWaitForWindowExposed(&palette));
    QSignalSpy spy(&palette, &Palette::kindActivated);

    const QModelIndex queue = proxyIndexOfKind(palette, QStringLiteral("queue"));
    const QPoint at = palette.view()->visualRect(queue).center();
    doubleClick(palette.view()->viewport(), at);
    QCOMPARE(spy.count(), 1);
    QCOMPARE(spy.at(0).at(0).toString(), QStringLiteral("queue"));

    // A category is not a kind.
    const QModelIndex category = queue.parent();
    doubleClick(palette.view()->viewport(), palette.view()->visualRect(category).center());
    QCOMPARE(spy.count(), 1);
}

void TestPaletteModel::enterActivates()
{
    Palette palette;
    palette.show();
    QVERIFY(QTest::qWaitForWindowExposed(&palette));
    QSignalSpy spy(&palette, &Palette::kindActivated);

    palette.view()->setFocus();
    palette.view()->setCurrentIndex(proxyIndexOfKind(palette, QStringLiteral("consumer")));
    QTest::keyClick(palette.view()->viewport(), Qt::Key_Return);
    QCOMPARE(spy.count(), 1);
    QCOMPARE(spy.at(0).at(0).toString(), QStringLiteral("consumer"));

    palette.view()->setCurrentIndex(proxyIndexOfKind(palette, QStringLiteral("exchange")));
    QTest::keyClick(palette.view(), Qt::Key_Enter, Qt::KeypadModifier);
    QCOMPARE(spy.count(), 2);
    QCOMPARE(spy.at(1).at(0).toString(), QStringLiteral("exchange"));
}

void TestPaletteModel::enterInSearchFieldActivatesFirstMatch()
{
    Palette palette;
    palette.show();
    QVERIFY(QTest::qWaitForWindowExposed(&palette));
    QSignalSpy spy(&palette, &Palette::kindActivated);

    palette.searchField()->setFocus();
    QTest::keyClicks(palette.searchField(), QStringLiteral("rout"));
    QCOMPARE(visibleKinds(palette.proxyModel()), QStringList{"exchange"});
    QTest::keyClick(palette.searchField(), Qt::Key_Return);
    QCOMPARE(spy.count(), 1);
    QCOMPARE(spy.at(0).at(0).toString(), QStringLiteral("exchange"));

    // The arrow keys choose among the matches, stepping over categories; focus stays put.
    palette.searchField()->selectAll();
    QTest::keyClicks(palette.searchField(), QStringLiteral("queue"));
    QCOMPARE(visibleKinds(palette.proxyModel()), (QStringList{"consumer", "exchange", "queue"}));
    QCOMPARE(palette.currentKind(), QStringLiteral("exchange"));
    QTest::keyClick(palette.searchField(), Qt::Key_Up);
    QCOMPARE(palette.currentKind(), QStringLiteral("consumer"));
    QTest::keyClick(palette.searchField(), Qt::Key_Up); // nothing above but a category
    QCOMPARE(palette.currentKind(), QStringLiteral("consumer"));
    QTest::keyClick(palette.searchField(), Qt::Key_Down);
    QTest::keyClick(palette.searchField(), Qt::Key_Down);
    QCOMPARE(palette.currentKind(), QStringLiteral("queue"));
    QVERIFY(palette.searchField()->hasFocus());
    QTest::keyClick(palette.searchField(), Qt::Key_Enter, Qt::KeypadModifier);
    QCOMPARE(spy.count(), 2);
    QCOMPARE(spy.at(1).at(0).toString(), QStringLiteral("queue"));

    // Escape clears the search.
    QTest::keyClick(palette.searchField(), Qt::Key_Escape);
    QVERIFY(palette.filterText().isEmpty());
    QCOMPARE(visibleKinds(palette.proxyModel()).size(),
             static_cast<int>(KindRegistry::builtin().kinds().size()));
}

QTEST_MAIN(TestPaletteModel)
#include "tst_palettemodel.moc"
