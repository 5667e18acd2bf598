#include "palette.h"
#include "palettemodel.h"
#include "schema.h"

#include <QAbstractItemModelTester>
#include <QApplication>
#include <QFile>
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

// The kinds (or, with `templates`, the templates) visible through `model`, in view order.
QStringList visibleKinds(const QAbstractItemModel *model, bool templates = false)
{
    QStringList out;
    for (int c = 0; c < model->rowCount(); ++c) {
        const QModelIndex category = model->index(c, 0);
        for (int r = 0; r < model->rowCount(category); ++r) {
            const QModelIndex row = model->index(r, 0, category);
            const QString id = row.data(PaletteModel::TemplateRole).toString();
            if (templates != id.isEmpty())
                out << (templates ? id : row.data(PaletteModel::KindRole).toString());
        }
    }
    return out;
}

QStringList visibleTemplates(const QAbstractItemModel *model)
{
    return visibleKinds(model, true);
}

// Every kind of the registry, in palette order (by category, in registry order).
QStringList allKinds()
{
    QStringList categories;
    for (const auto &k : KindRegistry::builtin().kinds())
        if (!categories.contains(QString::fromStdString(k.category)))
            categories << QString::fromStdString(k.category);
    QStringList out;
    for (const QString &c : categories)
        for (const auto &k : KindRegistry::builtin().kinds())
            if (QString::fromStdString(k.category) == c) out << QString::fromStdString(k.kind);
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
    void templatesGroupedBySystemAfterKinds();
    void templateRowsCarryTemplateData();
    void mimeDataCarriesTheTemplate();
    void filterFindsTemplates_data();
    void filterFindsTemplates();
    void doubleClickOnTemplateActivatesIt();
    void helpShowsTemplateHelpOnly();
    void kindRowsCarryRegistryData();
    void categoriesAreNotDraggable();
    void mimeDataCarriesTheKind();
    void iconsLoadFromResources();
    void streamAndManagedQueueKindsHaveIconsOfTheirOwn_data();
    void streamAndManagedQueueKindsHaveIconsOfTheirOwn();
    void everyKindHasAnIconOfItsOwn_data();
    void everyKindHasAnIconOfItsOwn();
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
            if (!model.index(r, 0, category).data(PaletteModel::TemplateRole).toString().isEmpty()) continue;
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
    QCOMPARE(model.mimeTypes(),
             (QStringList{QString::fromLatin1(kKindMimeType), QString::fromLatin1(kTemplateMimeType)}));
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
    for (const char *name : {"producer", "exchange", "queue", "consumer", "link", "rpc-client", "rpc-server",
                             "http-client", "http-server"}) {
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
    // Each of these has a picture of its own, not the plain one kinds without an icon get.
    const QImage plain = kindIcon(QStringLiteral("node")).pixmap(24, 24).toImage();
    QVERIFY(!plain.isNull());
    for (const char *name : {"rpc-client", "rpc-server", "http-client", "http-server"})
        QVERIFY2(kindIcon(QString::fromLatin1(name)).pixmap(24, 24).toImage() != plain, name);
    QVERIFY(kindIcon(QStringLiteral("teleporter")).isNull());
    QVERIFY(kindIcon(QString()).isNull());
}

void TestPaletteModel::streamAndManagedQueueKindsHaveIconsOfTheirOwn_data()
{
    QTest::addColumn<QString>("kind");
    for (const char *kind :
         {"kafka-topic", "kafka-producer", "kafka-consumer", "sqs-queue", "sqs-producer", "sqs-consumer"})
        QTest::newRow(kind) << QString::fromLatin1(kind);
}

void TestPaletteModel::streamAndManagedQueueKindsHaveIconsOfTheirOwn()
{
    QFETCH(QString, kind);
    QVERIFY(KindRegistry::builtin().find(kind.toStdString()));
    // A picture of its own in the resources, not the plain box a kind without one falls back to.
    QVERIFY(QFile::exists(QStringLiteral(":/icons/%1.svg").arg(kind)));
    const QImage image = kindIcon(kind).pixmap(24, 24).toImage();
    QVERIFY(!image.isNull());
    QVERIFY(image != kindIcon(QStringLiteral("node")).pixmap(24, 24).toImage());
    // Told apart from the other kinds of its system and from the RabbitMQ-style kinds.
    for (const char *other : {"kafka-topic", "kafka-producer", "kafka-consumer", "sqs-queue", "sqs-producer",
                              "sqs-consumer", "producer", "queue", "consumer"})
        if (kind != QLatin1String(other))
            QVERIFY2(image != kindIcon(QString::fromLatin1(other)).pixmap(24, 24).toImage(), other);
    // The palette's row shows it.
    PaletteModel model;
    const QModelIndex row = model.indexOfKind(kind);
    QVERIFY(row.isValid());
    QCOMPARE(model.data(row, Qt::DecorationRole).value<QIcon>().pixmap(24, 24).toImage(), image);
}

void TestPaletteModel::everyKindHasAnIconOfItsOwn_data()
{
    QTest::addColumn<QString>("kind");
    for (const auto &k : KindRegistry::builtin().kinds())
        QTest::newRow(k.kind.c_str()) << QString::fromStdString(k.kind);
}

// Every kind the registry has (and so the palette lists) has a picture in the resources, not the
// plain box a kind without one falls back to, and no other kind has the same picture.
void TestPaletteModel::everyKindHasAnIconOfItsOwn()
{
    QFETCH(QString, kind);
    QVERIFY2(QFile::exists(QStringLiteral(":/icons/%1.svg").arg(kind)),
             qPrintable(QStringLiteral("resources/icons/%1.svg is missing or not in widgets/CMakeLists.txt's "
                                       "signalbox_icons")
                            .arg(kind)));
    const QImage image = kindIcon(kind).pixmap(24, 24).toImage();
    QVERIFY(!image.isNull());
    bool painted = false;
    for (int y = 0; y < image.height() && !painted; ++y)
        for (int x = 0; x < image.width() && !painted; ++x)
            painted = qAlpha(image.pixel(x, y)) > 0;
    QVERIFY(painted);
    QVERIFY(image != kindIcon(QStringLiteral("node")).pixmap(24, 24).toImage());
    for (const auto &other : KindRegistry::builtin().kinds()) {
        const QString name = QString::fromStdString(other.kind);
        if (name != kind) QVERIFY2(image != kindIcon(name).pixmap(24, 24).toImage(), qPrintable(name));
    }
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
    for (const char *text :
         {"q", "queue", "CONSUMER", "routes", "zzz", "", "e", "ack", "grpc", "thrift", ""}) {
        palette.setFilterText(QString::fromLatin1(text));
        QCOMPARE(palette.proxyModel()->rowCount() > 0,
                 visibleKinds(palette.proxyModel()).size() + visibleTemplates(palette.proxyModel()).size() >
                     0);
    }
}

void TestPaletteModel::filter_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QStringList>("kinds");

    const QStringList all = allKinds();
    QTest::newRow("empty shows all") << QString() << all;
    QTest::newRow("spaces show all") << QStringLiteral("   ") << all;
    QTest::newRow("label") << QStringLiteral("Exchange") << QStringList{"exchange"};
    QTest::newRow("case-insensitive") << QStringLiteral("eXCHANGE") << QStringList{"exchange"};
    // A server's help speaks of its accept queue; the RPC-over-queues kinds of their queues.
    QTest::newRow("label and help") << QStringLiteral("queue")
                                    << QStringList{"consumer",        "exchange",    "queue",
                                                   "rpc-server",      "http-server", "amqp-rpc-client",
                                                   "amqp-rpc-server", "sqs-queue",   "sqs-producer",
                                                   "sqs-consumer",    "nats-server", "nats-subscriber",
                                                   "sns-topic"};
    QTest::newRow("part of a label") << QStringLiteral("prod")
                                     << QStringList{"producer", "kafka-producer", "sqs-producer"};
    QTest::newRow("help text") << QStringLiteral("fanout") << QStringList{"exchange"};
    QTest::newRow("help text, two kinds")
        << QStringLiteral("acks") << QStringList{"consumer", "queue", "kafka-producer", "script"};
    QTest::newRow("help text, confirms") << QStringLiteral("publisher confirms") << QStringList{"producer"};
    QTest::newRow("kind and help") << QStringLiteral("consumer")
                                   << QStringList{"consumer", "queue", "kafka-consumer", "sqs-consumer"};
    // A category no kind names in its id, label or help ("Broker" is in mqtt-broker's id).
    QTest::newRow("category name alone") << QStringLiteral("Managed queues") << QStringList{};
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
    QCOMPARE(visibleKinds(palette.proxyModel()), (QStringList{"exchange", "content-filter"}));
    QTest::keyClick(palette.searchField(), Qt::Key_Return);
    QCOMPARE(spy.count(), 1);
    QCOMPARE(spy.at(0).at(0).toString(), QStringLiteral("exchange"));

    // The arrow keys choose among the matches, stepping over categories; focus stays put.
    palette.searchField()->selectAll();
    QTest::keyClicks(palette.searchField(), QStringLiteral("queue"));
    QCOMPARE(visibleKinds(palette.proxyModel()),
             (QStringList{"consumer", "exchange", "queue", "rpc-server", "http-server", "amqp-rpc-client",
                          "amqp-rpc-server", "sqs-queue", "sqs-producer", "sqs-consumer", "nats-server",
                          "nats-subscriber", "sns-topic"}));
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
    QCOMPARE(visibleTemplates(palette.proxyModel()).size(),
             static_cast<int>(KindRegistry::builtin().templates().size()));
}

void TestPaletteModel::templatesGroupedBySystemAfterKinds()
{
    PaletteModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    const auto &registry = KindRegistry::builtin();
    QStringList kindCategories;
    for (const auto &k : registry.kinds())
        if (!kindCategories.contains(QString::fromStdString(k.category)))
            kindCategories << QString::fromStdString(k.category);
    // Groups: the kind categories first, then the systems that are not also a kind category, each
    // named once.
    QStringList groups;
    for (int c = 0; c < model.rowCount(); ++c)
        groups << model.index(c, 0).data().toString();
    QCOMPARE(groups.mid(0, kindCategories.size()), kindCategories);
    QCOMPARE(QSet<QString>(groups.begin(), groups.end()).size(), groups.size());
    QStringList systems;
    for (const auto &t : registry.templates())
        if (!kindCategories.contains(QString::fromStdString(t.system)) &&
            !systems.contains(QString::fromStdString(t.system)))
            systems << QString::fromStdString(t.system);
    QCOMPARE(groups.mid(kindCategories.size()), systems);
    for (const char *system : {"gRPC", "Apache Thrift", "REST", "Request-reply", "Client-server"})
        QVERIFY2(groups.contains(QString::fromLatin1(system)), system);

    // Every template once, under its system, after every kind of that group, in registry order.
    int templateRows = 0;
    for (int c = 0; c < model.rowCount(); ++c) {
        const QModelIndex group = model.index(c, 0);
        bool seenTemplate = false;
        for (int r = 0; r < model.rowCount(group); ++r) {
            const bool isTemplate =
                !model.index(r, 0, group).data(PaletteModel::TemplateRole).toString().isEmpty();
            QVERIFY2(isTemplate || !seenTemplate,
                     qPrintable(group.data().toString() + ": a kind after a template"));
            seenTemplate = seenTemplate || isTemplate;
            templateRows += isTemplate;
        }
    }
    QCOMPARE(templateRows, static_cast<int>(registry.templates().size()));
    QModelIndex previous;
    for (const auto &t : registry.templates()) {
        const QModelIndex i = model.indexOfTemplate(QString::fromStdString(t.id));
        QVERIFY2(i.isValid(), t.id.c_str());
        QCOMPARE(i.parent().data().toString(), QString::fromStdString(t.system));
        if (previous.isValid() && previous.parent() == i.parent()) QVERIFY(previous.row() < i.row());
        previous = i;
    }
    QVERIFY(!model.indexOfTemplate(QStringLiteral("corba-client")).isValid());
    QVERIFY(!model.indexOfTemplate(QStringLiteral("rpc-client")).isValid()); // a kind, not a template
}

void TestPaletteModel::templateRowsCarryTemplateData()
{
    PaletteModel model;
    for (const auto &t : KindRegistry::builtin().templates()) {
        const QModelIndex i = model.indexOfTemplate(QString::fromStdString(t.id));
        QCOMPARE(i.data(Qt::DisplayRole).toString(), QString::fromStdString(t.label));
        QCOMPARE(i.data(PaletteModel::KindRole).toString(), QString::fromStdString(t.kind));
        QCOMPARE(i.data(PaletteModel::TemplateRole).toString(), QString::fromStdString(t.id));
        const QString tip = i.data(Qt::ToolTipRole).toString();
        QVERIFY2(tip.startsWith(QString::fromStdString(t.help)), qPrintable(tip));
        QVERIFY2(tip.contains(QString::fromStdString(t.kind)), qPrintable(tip));
        for (auto it = t.properties.begin(); it != t.properties.end(); ++it)
            QVERIFY2(tip.contains(QString::fromStdString(it.key())), qPrintable(tip));
        QVERIFY(!i.data(Qt::DecorationRole).value<QIcon>().isNull());
        QVERIFY(i.flags() & Qt::ItemIsDragEnabled);
        QVERIFY(i.flags() & Qt::ItemIsSelectable);
    }
    const QModelIndex grpc = model.indexOfTemplate(QStringLiteral("grpc-client"));
    QVERIFY2(grpc.data(Qt::ToolTipRole).toString().contains(QStringLiteral("deadline 1s")),
             qPrintable(grpc.data(Qt::ToolTipRole).toString()));
    QVERIFY2(
        grpc.data(Qt::ToolTipRole).toString().contains(QStringLiteral("retryableStatusCodes [UNAVAILABLE]")),
        qPrintable(grpc.data(Qt::ToolTipRole).toString()));
    // Kind rows carry no template.
    QVERIFY(model.indexOfKind(QStringLiteral("rpc-client"))
                .data(PaletteModel::TemplateRole)
                .toString()
                .isEmpty());
}

void TestPaletteModel::mimeDataCarriesTheTemplate()
{
    PaletteModel model;
    for (const auto &t : KindRegistry::builtin().templates()) {
        const QModelIndex i = model.indexOfTemplate(QString::fromStdString(t.id));
        std::unique_ptr<QMimeData> mime(model.mimeData({i.parent(), i}));
        QVERIFY(mime);
        QCOMPARE(kindFromMimeData(mime.get()), QString::fromStdString(t.kind));
        QCOMPARE(templateFromMimeData(mime.get()), QString::fromStdString(t.id));
    }
    std::unique_ptr<QMimeData> kind(model.mimeData({model.indexOfKind(QStringLiteral("queue"))}));
    QVERIFY(templateFromMimeData(kind.get()).isEmpty());
    QVERIFY(templateFromMimeData(nullptr).isEmpty());
}

void TestPaletteModel::filterFindsTemplates_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QStringList>("templates");
    QTest::newRow("system") << QStringLiteral("grpc") << QStringList{"grpc-client", "grpc-server"};
    QTest::newRow("label, case-insensitive")
        << QStringLiteral("THRIFT CLIENT") << QStringList{"thrift-client"};
    QTest::newRow("system name") << QStringLiteral("Apache Thrift")
                                 << QStringList{"thrift-client", "thrift-server"};
    QTest::newRow("id") << QStringLiteral("closed-loop-users") << QStringList{"closed-loop-users"};
    QTest::newRow("help") << QStringLiteral("think time") << QStringList{"closed-loop-users"};
    QTest::newRow("label part") << QStringLiteral("requester")
                                << QStringList{"sync-requester", "async-requester", "nats-requester"};
    QTest::newRow("nothing") << QStringLiteral("corba") << QStringList{};
}

void TestPaletteModel::filterFindsTemplates()
{
    QFETCH(QString, text);
    QFETCH(QStringList, templates);
    Palette palette;
    QAbstractItemModelTester tester(palette.proxyModel(),
                                    QAbstractItemModelTester::FailureReportingMode::QtTest);
    palette.setFilterText(text);
    QCOMPARE(visibleTemplates(palette.proxyModel()), templates);
    if (!templates.isEmpty() && visibleKinds(palette.proxyModel()).isEmpty())
        QCOMPARE(palette.currentTemplate(), templates.first());
}

void TestPaletteModel::doubleClickOnTemplateActivatesIt()
{
    Palette palette;
    palette.resize(260, 400);
    palette.show();
    QVERIFY(QTest::qWaitForWindowExposed(&palette));
    QSignalSpy templates(&palette, &Palette::templateActivated);
    QSignalSpy kinds(&palette, &Palette::kindActivated);
    palette.setFilterText(QStringLiteral("REST"));
    const QModelIndex row =
        palette.proxyModel()->mapFromSource(palette.model()->indexOfTemplate(QStringLiteral("rest-server")));
    QVERIFY(row.isValid());
    palette.view()->scrollTo(row);
    doubleClick(palette.view()->viewport(), palette.view()->visualRect(row).center());
    QCOMPARE(templates.count(), 1);
    QCOMPARE(templates.at(0).at(0).toString(), QStringLiteral("rest-server"));
    QCOMPARE(kinds.count(), 0);
    QCOMPARE(palette.currentTemplate(), QStringLiteral("rest-server"));
    QCOMPARE(palette.currentKind(), QStringLiteral("http-server"));
    // Enter on it does the same.
    palette.view()->setFocus();
    QTest::keyClick(palette.view()->viewport(), Qt::Key_Return);
    QCOMPARE(templates.count(), 2);
    QCOMPARE(kinds.count(), 0);
}

void TestPaletteModel::helpShowsTemplateHelpOnly()
{
    // The label under the list shows the one-line help, not the tooltip with the settings, so
    // that moving onto a template does not squeeze the list (a double-click's second click would
    // land on another row).
    Palette palette;
    palette.resize(260, 500);
    palette.show();
    QVERIFY(QTest::qWaitForWindowExposed(&palette));
    const int height = palette.view()->height();
    for (const auto &t : KindRegistry::builtin().templates()) {
        palette.view()->setCurrentIndex(palette.proxyModel()->mapFromSource(
            palette.model()->indexOfTemplate(QString::fromStdString(t.id))));
        QCOMPARE(palette.helpLabel()->text(), QString::fromStdString(t.help));
        QApplication::processEvents();
        QCOMPARE(palette.view()->height(), height);
    }
}

QTEST_MAIN(TestPaletteModel)
#include "tst_palettemodel.moc"
