// The read-model view: per projection (a node tracing Project) its position, its lag behind its
// store in events and in time, the events applied, upcast, unreadable and parked, and one row per
// stream it projected, from synthetic trace batches; rows fill as it catches up, the table is
// bounded, and a new run forgets.
#include "readmodellog.h"
#include "readmodelmodels.h"
#include "readmodelview.h"

#include <QAbstractItemModelTester>
#include <QLabel>
#include <QSignalSpy>
#include <QTableView>
#include <QTest>

#include <unordered_map>

using namespace sb;

namespace {

constexpr NodeIndex kStore = 0, kProjection = 1, kOther = 2;

struct Catalog {
    std::unordered_map<std::uint64_t, MessageInfo> messages;
    void add(std::uint64_t id, const std::string &stream, const std::string &type,
             std::vector<Header> headers = {})
    {
        MessageInfo m;
        m.id = id;
        m.key = stream;
        m.routingKey = type;
        m.headers = std::move(headers);
        messages[id] = m;
    }
    ReadModelLog::MessageLookup lookup()
    {
        return [this](std::uint64_t id) -> std::optional<MessageInfo> {
            const auto it = messages.find(id);
            if (it == messages.end()) return std::nullopt;
            return it->second;
        };
    }
};

TraceEvent append(std::uint64_t id, std::int64_t position, std::int64_t revision, SimTime at)
{
    TraceEvent e;
    e.kind = TraceKind::StreamAppend;
    e.time = e.local = at;
    e.node = kStore;
    e.messageId = id;
    e.offset = position;
    e.aux = revision;
    return e;
}

TraceEvent project(std::uint64_t id, std::int64_t position, SimTime at, NodeIndex node = kProjection)
{
    TraceEvent e;
    e.kind = TraceKind::Project;
    e.time = e.local = at;
    e.node = node;
    e.peer = kStore;
    e.messageId = id;
    e.offset = position;
    return e;
}

TraceEvent at(TraceKind kind, NodeIndex node, NodeIndex peer = kNoIndex, DropReason reason = DropReason::None)
{
    TraceEvent e;
    e.kind = kind;
    e.node = node;
    e.peer = peer;
    e.reason = reason;
    e.time = e.local = kMillisecond;
    return e;
}

QString cell(const QAbstractItemModel *m, int row, int column)
{
    return m->data(m->index(row, column)).toString();
}

} // namespace

class TestReadModelView : public QObject {
    Q_OBJECT

private slots:
    void init();
    void cleanup();
    void lagAndRowsFillAsItCatchesUp();
    void countsUpcastsUnreadableParked();
    void rowsAreBounded();
    void selectingAProjectionShowsItsRows();
    void newRunForgets();

private:
    Catalog m_catalog;
    ReadModelLog *m_log = nullptr;
    ReadModelView *m_view = nullptr;
};

void TestReadModelView::init()
{
    m_catalog = {};
    m_log = new ReadModelLog;
    m_log->setMessageLookup(m_catalog.lookup());
    m_log->begin({QStringLiteral("store"), QStringLiteral("balances"), QStringLiteral("history")},
                 {QString(), QStringLiteral("Balances"), QString()});
    m_view = new ReadModelView(m_log);
    new QAbstractItemModelTester(m_view->projectionsModel(),
                                 QAbstractItemModelTester::FailureReportingMode::QtTest, m_view);
    new QAbstractItemModelTester(m_view->rowsModel(), QAbstractItemModelTester::FailureReportingMode::QtTest,
                                 m_view);
}

void TestReadModelView::cleanup()
{
    delete m_view;
    delete m_log;
}

void TestReadModelView::lagAndRowsFillAsItCatchesUp()
{
    // Five events in two streams, written at 1..5 ms.
    const char *streams[] = {"account-1", "account-2", "account-1", "account-1", "account-2"};
    const char *types[] = {"AccountOpened", "AccountOpened", "Deposited", "Withdrawn", "Deposited"};
    const char *cents[] = {nullptr, nullptr, "10000", "3000", "500"}; // v2: amounts in cents
    const std::int64_t revisions[] = {0, 0, 1, 2, 1};
    std::vector<TraceEvent> writes;
    for (int i = 0; i < 5; ++i) {
        std::vector<Header> data;
        if (cents[i]) data = {{"schema", "2"}, {"amountCents", cents[i]}};
        m_catalog.add(std::uint64_t(i + 1), streams[i], types[i], data);
        writes.push_back(append(std::uint64_t(i + 1), i, revisions[i], SimTime(i + 1) * kMillisecond));
    }
    QSignalSpy added(m_log, &ReadModelLog::projectionAdded);
    m_log->addEvents(writes);
    QCOMPARE(added.size(), 0); // nothing projected yet
    // The projection applies the first two at 6 ms: three behind, the oldest (@2, 3 ms) waiting 3 ms.
    m_log->addEvents({project(1, 0, 6 * kMillisecond), project(2, 1, 6 * kMillisecond)});
    QCOMPARE(added.size(), 1);
    const ProjectionsModel *projections = m_view->projectionsModel();
    QCOMPARE(projections->rowCount(), 1);
    QCOMPARE(cell(projections, 0, ProjectionsModel::ProjectionColumn), QStringLiteral("Balances"));
    QCOMPARE(cell(projections, 0, ProjectionsModel::PositionColumn), QStringLiteral("@1"));
    QCOMPARE(cell(projections, 0, ProjectionsModel::LagColumn), QStringLiteral("3"));
    QCOMPARE(cell(projections, 0, ProjectionsModel::LagTimeColumn), QStringLiteral("3ms"));
    QCOMPARE(cell(projections, 0, ProjectionsModel::AppliedColumn), QStringLiteral("2"));
    // The first projection is shown at once.
    ProjectionRowsModel *rows = m_view->rowsModel();
    QCOMPARE(rows->projection(), 0);
    QCOMPARE(rows->rowCount(), 2);

    QSignalSpy inserted(rows, &QAbstractItemModel::rowsInserted);
    QSignalSpy changed(rows, &QAbstractItemModel::dataChanged);
    m_log->addEvents(
        {project(3, 2, 8 * kMillisecond), project(4, 3, 8 * kMillisecond), project(5, 4, 9 * kMillisecond)});
    QCOMPARE(inserted.size(), 0); // no new stream
    QVERIFY(changed.size() >= 1);
    QCOMPARE(cell(projections, 0, ProjectionsModel::LagColumn), QStringLiteral("0"));
    QCOMPARE(cell(projections, 0, ProjectionsModel::LagTimeColumn), QStringLiteral("caught up"));
    QCOMPARE(cell(rows, 0, ProjectionRowsModel::StreamColumn), QStringLiteral("account-1"));
    QCOMPARE(cell(rows, 0, ProjectionRowsModel::AppliedColumn), QStringLiteral("3"));
    QCOMPARE(cell(rows, 0, ProjectionRowsModel::TypeColumn), QStringLiteral("Withdrawn"));
    QCOMPARE(cell(rows, 0, ProjectionRowsModel::RevisionColumn), QStringLiteral("2"));
    QCOMPARE(cell(rows, 1, ProjectionRowsModel::StreamColumn), QStringLiteral("account-2"));
    QCOMPARE(cell(rows, 1, ProjectionRowsModel::AppliedColumn), QStringLiteral("2"));
    QCOMPARE(cell(rows, 1, ProjectionRowsModel::RevisionColumn), QStringLiteral("1"));
    // The state the bank-account model makes of each stream's events, as the read model holds it.
    QCOMPARE(cell(rows, 0, ProjectionRowsModel::StateColumn), QStringLiteral("status open, balance 70"));
    QCOMPARE(cell(rows, 1, ProjectionRowsModel::StateColumn), QStringLiteral("status open, balance 5"));
    QVERIFY2(m_view->statusLabel()->text().contains(QStringLiteral("caught up")),
             qPrintable(m_view->statusLabel()->text()));

    // A new stream's first event: a row is inserted.
    m_catalog.add(6, "account-3", "Opened");
    m_log->addEvents({append(6, 5, 0, 10 * kMillisecond), project(6, 5, 11 * kMillisecond)});
    QCOMPARE(inserted.size(), 1);
    QCOMPARE(cell(rows, 2, ProjectionRowsModel::StreamColumn), QStringLiteral("account-3"));
}

void TestReadModelView::countsUpcastsUnreadableParked()
{
    m_catalog.add(1, "account-1", "Opened");
    m_log->addEvents({append(1, 0, 0, kMillisecond), project(1, 0, 2 * kMillisecond)});
    TraceEvent upcast = at(TraceKind::Upcast, kProjection);
    upcast.deliveryCount = 1;
    upcast.aux = 2;
    m_log->addEvents({upcast, upcast, at(TraceKind::Drop, kProjection, kNoIndex, DropReason::UnknownSchema),
                      // the store parks for its persistent subscriber; another node's park is not ours
                      at(TraceKind::Park, kStore, kProjection, DropReason::Parked),
                      at(TraceKind::Park, kStore, kOther, DropReason::Parked),
                      // a drop for another reason is not an unreadable event
                      at(TraceKind::Drop, kProjection, kNoIndex, DropReason::Crash)});
    const ProjectionsModel *projections = m_view->projectionsModel();
    QCOMPARE(cell(projections, 0, ProjectionsModel::UpcastsColumn), QStringLiteral("2"));
    QCOMPARE(cell(projections, 0, ProjectionsModel::UnreadableColumn), QStringLiteral("1"));
    QCOMPARE(cell(projections, 0, ProjectionsModel::ParkedColumn), QStringLiteral("1"));
}

void TestReadModelView::rowsAreBounded()
{
    const int streams = ReadModelLog::kMaxRows + 10;
    std::vector<TraceEvent> batch;
    for (int i = 0; i < streams; ++i) {
        m_catalog.add(std::uint64_t(i + 1), "account-" + std::to_string(i), "Opened");
        batch.push_back(append(std::uint64_t(i + 1), i, 0, kMillisecond));
        batch.push_back(project(std::uint64_t(i + 1), i, 2 * kMillisecond));
    }
    m_log->addEvents(batch);
    QCOMPARE(m_view->rowsModel()->rowCount(), ReadModelLog::kMaxRows);
    QCOMPARE(cell(m_view->projectionsModel(), 0, ProjectionsModel::AppliedColumn),
             QLocale().toString(streams));
    QVERIFY2(m_view->statusLabel()->text().contains(QLocale().toString(streams) +
                                                    QStringLiteral(" streams, the first ") +
                                                    QLocale().toString(ReadModelLog::kMaxRows)),
             qPrintable(m_view->statusLabel()->text()));
}

void TestReadModelView::selectingAProjectionShowsItsRows()
{
    m_catalog.add(1, "account-1", "Opened");
    m_catalog.add(2, "order-1", "Placed");
    m_log->addEvents({append(1, 0, 0, kMillisecond), append(2, 1, 0, kMillisecond),
                      project(1, 0, 2 * kMillisecond), project(2, 1, 2 * kMillisecond, kOther)});
    QCOMPARE(m_view->projectionsModel()->rowCount(), 2);
    QTableView *view = m_view->projectionsView();
    QTest::mouseClick(view->viewport(), Qt::LeftButton, {},
                      view->visualRect(view->model()->index(1, 0)).center());
    QCOMPARE(m_view->rowsModel()->projection(), 1);
    QCOMPARE(cell(m_view->rowsModel(), 0, ProjectionRowsModel::StreamColumn), QStringLiteral("order-1"));
    QCOMPARE(cell(m_view->projectionsModel(), 1, ProjectionsModel::ProjectionColumn),
             QStringLiteral("history"));
}

void TestReadModelView::newRunForgets()
{
    m_catalog.add(1, "account-1", "Opened");
    m_log->addEvents({append(1, 0, 0, kMillisecond), project(1, 0, 2 * kMillisecond)});
    m_log->begin({}, {});
    QCOMPARE(m_view->projectionsModel()->rowCount(), 0);
    QCOMPARE(m_view->rowsModel()->rowCount(), 0);
    QCOMPARE(m_view->statusLabel()->text(), QStringLiteral("No projection has applied an event yet."));
}

QTEST_MAIN(TestReadModelView)
#include "tst_readmodelview.moc"
