// The event store browser: streams and their events fill live from synthetic trace batches (the
// events' contents from a message lookup, as the window's catalog gives them), "$all" lists every
// event by position, conflicts are counted per stream and shown as red rows, retention greys out
// the revisions it removed, the filter box narrows the streams, the log keeps its newest rows, and
// a second store brings the store picker.
#include "eventstorebrowser.h"
#include "eventstorelog.h"
#include "eventstoremodels.h"

#include <QAbstractItemModelTester>
#include <QComboBox>
#include <QLabel>
#include <QLineEdit>
#include <QSignalSpy>
#include <QTableView>
#include <QTest>

#include <unordered_map>

using namespace sb;

namespace {

// Message contents by id, as the engine's catalog keeps them.
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
    EventStoreLog::MessageLookup lookup()
    {
        return [this](std::uint64_t id) -> std::optional<MessageInfo> {
            const auto it = messages.find(id);
            if (it == messages.end()) return std::nullopt;
            return it->second;
        };
    }
};

constexpr NodeIndex kStore = 0, kWriter = 1;

TraceEvent append(std::uint64_t id, std::int64_t position, std::int64_t revision, NodeIndex store = kStore)
{
    TraceEvent e;
    e.kind = TraceKind::StreamAppend;
    e.time = e.local = SimTime(position + 1) * kMillisecond;
    e.node = store;
    e.peer = kWriter;
    e.messageId = id;
    e.offset = position;
    e.aux = revision;
    return e;
}

TraceEvent conflict(std::uint64_t id, std::int64_t expected, std::int64_t actual)
{
    TraceEvent e;
    e.kind = TraceKind::Conflict;
    e.time = e.local = 50 * kMillisecond;
    e.node = kStore;
    e.peer = kWriter;
    e.messageId = id;
    e.offset = expected;
    e.aux = actual;
    return e;
}

TraceEvent retention(std::int64_t firstRevision, std::int64_t removed, std::uint64_t id = 0)
{
    TraceEvent e;
    e.kind = TraceKind::Retention;
    e.time = e.local = 60 * kMillisecond;
    e.node = kStore;
    e.messageId = id;
    e.offset = firstRevision;
    e.aux = removed;
    return e;
}

QString cell(const QAbstractItemModel *m, int row, int column, int role = Qt::DisplayRole)
{
    return m->data(m->index(row, column), role).toString();
}

} // namespace

class TestEventStoreBrowser : public QObject {
    Q_OBJECT

private slots:
    void init();
    void cleanup();
    void streamsAndEventsFillLive();
    void allListsEveryEventByPosition();
    void conflictsCountedAndRed();
    void retentionGreysOutRemovedRevisions_data();
    void retentionGreysOutRemovedRevisions();
    void filterNarrowsStreams();
    void keepsTheNewestRows();
    void secondStoreBringsThePicker();
    void newRunForgets();

private:
    Catalog m_catalog;
    EventStoreLog *m_log = nullptr;
    EventStoreBrowser *m_browser = nullptr;
};

void TestEventStoreBrowser::init()
{
    m_catalog = {};
    m_log = new EventStoreLog;
    m_log->setMessageLookup(m_catalog.lookup());
    m_log->begin({QStringLiteral("store"), QStringLiteral("writer"), QStringLiteral("store-2")},
                 {QStringLiteral("Accounts"), QStringLiteral("Teller"), QString()});
    m_browser = new EventStoreBrowser(m_log);
    new QAbstractItemModelTester(m_browser->streamsModel(),
                                 QAbstractItemModelTester::FailureReportingMode::QtTest, m_browser);
    new QAbstractItemModelTester(m_browser->eventsModel(),
                                 QAbstractItemModelTester::FailureReportingMode::QtTest, m_browser);
}

void TestEventStoreBrowser::cleanup()
{
    delete m_browser;
    delete m_log;
}

void TestEventStoreBrowser::streamsAndEventsFillLive()
{
    QSignalSpy added(m_log, &EventStoreLog::storeAdded);
    m_catalog.add(1, "account-1", "Opened", {{"schema", "1"}, {"owner", "ada"}});
    m_catalog.add(2, "account-2", "Opened", {{"schema", "1"}});
    m_log->addEvents({append(1, 0, 0), append(2, 1, 0)});
    QCOMPARE(added.size(), 1);
    const EventStreamsModel *streams = m_browser->streamsModel();
    QCOMPARE(streams->rowCount(), 3);
    QCOMPARE(cell(streams, 0, EventStreamsModel::StreamColumn), QStringLiteral("$all"));
    QCOMPARE(cell(streams, 1, EventStreamsModel::StreamColumn), QStringLiteral("account-1"));
    QCOMPARE(cell(streams, 2, EventStreamsModel::StreamColumn), QStringLiteral("account-2"));

    m_browser->selectStream(QStringLiteral("account-1"));
    StreamEventsModel *events = m_browser->eventsModel();
    QCOMPARE(events->stream(), QStringLiteral("account-1"));
    QCOMPARE(events->rowCount(), 1);
    QCOMPARE(cell(events, 0, StreamEventsModel::TypeColumn), QStringLiteral("Opened"));
    QCOMPARE(cell(events, 0, StreamEventsModel::SchemaColumn), QStringLiteral("v1"));
    QCOMPARE(cell(events, 0, StreamEventsModel::DataColumn), QStringLiteral("owner=ada"));

    // The next batch appends to the stream shown: its rows are inserted, not reset.
    QSignalSpy inserted(events, &QAbstractItemModel::rowsInserted);
    QSignalSpy reset(events, &QAbstractItemModel::modelReset);
    m_catalog.add(3, "account-1", "Deposited", {{"schema", "2"}, {"amount", "50"}});
    m_catalog.add(4, "account-2", "Deposited", {{"schema", "2"}, {"amount", "7"}});
    m_log->addEvents({append(3, 2, 1), append(4, 3, 1)});
    QCOMPARE(inserted.size(), 1);
    QCOMPARE(reset.size(), 0);
    QCOMPARE(events->rowCount(), 2);
    QCOMPARE(cell(events, 1, StreamEventsModel::PositionColumn), QStringLiteral("2"));
    QCOMPARE(cell(events, 1, StreamEventsModel::RevisionColumn), QStringLiteral("1"));
    QCOMPARE(cell(events, 1, StreamEventsModel::TypeColumn), QStringLiteral("Deposited"));
    QCOMPARE(cell(events, 1, StreamEventsModel::SchemaColumn), QStringLiteral("v2"));
    QCOMPARE(cell(events, 1, StreamEventsModel::RecordedColumn), QStringLiteral("3ms"));
    QCOMPARE(cell(events, 1, StreamEventsModel::DataColumn), QStringLiteral("amount=50"));
    QCOMPARE(cell(streams, 1, EventStreamsModel::EventsColumn), QStringLiteral("2"));
    QCOMPARE(cell(streams, 1, EventStreamsModel::RevisionColumn), QStringLiteral("1"));
    QVERIFY2(m_browser->statusLabel()->text().contains(QStringLiteral("account-1: 2 events")),
             qPrintable(m_browser->statusLabel()->text()));

    // Clicking another stream shows its events.
    QTableView *view = m_browser->streamsView();
    QTest::mouseClick(view->viewport(), Qt::LeftButton, {},
                      view->visualRect(view->model()->index(2, 0)).center());
    QCOMPARE(events->stream(), QStringLiteral("account-2"));
    QCOMPARE(cell(events, 1, StreamEventsModel::DataColumn), QStringLiteral("amount=7"));
}

void TestEventStoreBrowser::allListsEveryEventByPosition()
{
    for (std::uint64_t i = 0; i < 6; ++i)
        m_catalog.add(10 + i, "account-" + std::to_string(i % 3), "Deposited");
    std::vector<TraceEvent> batch;
    for (std::int64_t i = 0; i < 6; ++i)
        batch.push_back(append(10 + std::uint64_t(i), i, i / 3));
    m_log->addEvents(batch);
    m_browser->selectStream(QStringLiteral("$all"));
    StreamEventsModel *events = m_browser->eventsModel();
    QCOMPARE(events->rowCount(), 6);
    for (int row = 0; row < 6; ++row) {
        QCOMPARE(cell(events, row, StreamEventsModel::PositionColumn), QString::number(row));
        QCOMPARE(cell(events, row, StreamEventsModel::StreamColumn),
                 QStringLiteral("account-%1").arg(row % 3));
    }
    QCOMPARE(cell(m_browser->streamsModel(), 0, EventStreamsModel::EventsColumn), QStringLiteral("6"));
    QCOMPARE(cell(m_browser->streamsModel(), 0, EventStreamsModel::RevisionColumn), QStringLiteral("@5"));
}

void TestEventStoreBrowser::conflictsCountedAndRed()
{
    m_catalog.add(1, "account-1", "Opened");
    m_catalog.add(2, "account-1", "Deposited");
    m_catalog.add(3, "account-1", "Withdrawn");
    m_log->addEvents({append(1, 0, 0), append(2, 1, 1)});
    m_browser->selectStream(QStringLiteral("account-1"));
    StreamEventsModel *events = m_browser->eventsModel();
    // A second writer expected revision 0; the stream is at 1.
    m_log->addEvents({conflict(3, 0, 1)});
    QCOMPARE(cell(m_browser->streamsModel(), 1, EventStreamsModel::ConflictsColumn), QStringLiteral("1"));
    QCOMPARE(cell(m_browser->streamsModel(), 0, EventStreamsModel::ConflictsColumn), QStringLiteral("1"));
    QCOMPARE(events->rowCount(), 3);
    QVERIFY(events->data(events->index(2, 0), StreamEventsModel::ConflictRole).toBool());
    QVERIFY(!events->data(events->index(1, 0), StreamEventsModel::ConflictRole).toBool());
    QCOMPARE(cell(events, 2, StreamEventsModel::TypeColumn),
             QStringLiteral("conflict: expected revision 0, stream at 1"));
    QCOMPARE(cell(events, 2, StreamEventsModel::DataColumn), QStringLiteral("refused Withdrawn "));
    QCOMPARE(events->data(events->index(2, 0), Qt::ForegroundRole).value<QBrush>().color(),
             QColor(0xc6, 0x3b, 0x2f));
    QVERIFY2(m_browser->statusLabel()->text().contains(QStringLiteral("1 conflict")),
             qPrintable(m_browser->statusLabel()->text()));
}

void TestEventStoreBrowser::retentionGreysOutRemovedRevisions_data()
{
    QTest::addColumn<bool>("named");     // the Retention event names a removed event
    QTest::addColumn<bool>("otherLast"); // another stream was appended to after this one
    QTest::newRow("right after its append (maxCount)") << false << false;
    QTest::newRow("named by its message") << true << true;
    QTest::newRow("scavenged later (maxAge)") << false << true;
}

void TestEventStoreBrowser::retentionGreysOutRemovedRevisions()
{
    QFETCH(bool, named);
    QFETCH(bool, otherLast);
    for (std::uint64_t i = 0; i < 4; ++i)
        m_catalog.add(1 + i, "account-1", "Deposited");
    m_catalog.add(9, "account-9", "Opened");
    std::vector<TraceEvent> batch;
    for (std::int64_t i = 0; i < 4; ++i)
        batch.push_back(append(1 + std::uint64_t(i), i, i));
    if (otherLast) batch.push_back(append(9, 4, 0));
    m_log->addEvents(batch);
    m_browser->selectStream(QStringLiteral("account-1"));
    StreamEventsModel *events = m_browser->eventsModel();
    QSignalSpy changed(events, &QAbstractItemModel::dataChanged);
    // Revisions 0 and 1 removed: the first readable revision is 2.
    m_log->addEvents({retention(2, 2, named ? 1 : 0)});
    QVERIFY(changed.size() >= 1);
    QCOMPARE(events->rowCount(), 4);
    for (int row = 0; row < 4; ++row)
        QCOMPARE(events->data(events->index(row, 0), StreamEventsModel::RemovedRole).toBool(), row < 2);
    QCOMPARE(events->data(events->index(0, 0), Qt::ForegroundRole).value<QBrush>().color(),
             QColor(0x90, 0x90, 0x90));
    QVERIFY2(m_browser->statusLabel()->text().contains(QStringLiteral("revisions before 2 removed")),
             qPrintable(m_browser->statusLabel()->text()));
    // The other stream keeps its event.
    m_browser->selectStream(QStringLiteral("account-9"));
    for (int row = 0; row < events->rowCount(); ++row)
        QVERIFY(!events->data(events->index(row, 0), StreamEventsModel::RemovedRole).toBool());
}

void TestEventStoreBrowser::filterNarrowsStreams()
{
    m_catalog.add(1, "account-1", "Opened");
    m_catalog.add(2, "order-1", "Placed");
    m_catalog.add(3, "account-2", "Opened");
    m_log->addEvents({append(1, 0, 0), append(2, 1, 0), append(3, 2, 0)});
    QTableView *view = m_browser->streamsView();
    QCOMPARE(view->model()->rowCount(), 4);
    QTest::keyClicks(m_browser->filterEdit(), QStringLiteral("ACCOUNT"));
    QCOMPARE(view->model()->rowCount(), 2);
    QCOMPARE(view->model()->index(0, 0).data().toString(), QStringLiteral("account-1"));
    QCOMPARE(view->model()->index(1, 0).data().toString(), QStringLiteral("account-2"));
    m_browser->filterEdit()->clear();
    QCOMPARE(view->model()->rowCount(), 4);
}

void TestEventStoreBrowser::keepsTheNewestRows()
{
    const int total = EventStoreLog::kMaxEvents + 25;
    m_catalog.add(1, "account-1", "Deposited");
    m_browser->selectStream(QStringLiteral("$all"));
    StreamEventsModel *events = m_browser->eventsModel();
    QSignalSpy removed(events, &QAbstractItemModel::rowsRemoved);
    std::vector<TraceEvent> batch;
    for (int i = 0; i < total; ++i) {
        batch.push_back(append(1, i, i));
        if (batch.size() == 5000 || i == total - 1) {
            m_log->addEvents(batch);
            batch.clear();
        }
    }
    QCOMPARE(events->rowCount(), EventStoreLog::kMaxEvents);
    QVERIFY(removed.size() >= 1);
    QCOMPARE(cell(events, 0, StreamEventsModel::PositionColumn), QString::number(25));
    QCOMPARE(cell(events, EventStoreLog::kMaxEvents - 1, StreamEventsModel::PositionColumn),
             QString::number(total - 1));
    // The counts stay exact; the stream shows the same rows.
    QCOMPARE(cell(m_browser->streamsModel(), 1, EventStreamsModel::EventsColumn), QLocale().toString(total));
    m_browser->selectStream(QStringLiteral("account-1"));
    QCOMPARE(events->rowCount(), EventStoreLog::kMaxEvents);
    QCOMPARE(cell(events, 0, StreamEventsModel::RevisionColumn), QString::number(25));
    QVERIFY2(m_browser->statusLabel()->text().contains(QStringLiteral("newest")),
             qPrintable(m_browser->statusLabel()->text()));
}

void TestEventStoreBrowser::secondStoreBringsThePicker()
{
    m_browser->show();
    m_catalog.add(1, "account-1", "Opened");
    m_catalog.add(2, "audit-1", "Logged");
    m_log->addEvents({append(1, 0, 0)});
    QVERIFY(!m_browser->storeBox()->isVisible());
    m_log->addEvents({append(2, 0, 0, 2)});
    QVERIFY(m_browser->storeBox()->isVisible());
    QCOMPARE(m_browser->storeBox()->itemText(0), QStringLiteral("Accounts"));
    QCOMPARE(m_browser->storeBox()->itemText(1), QStringLiteral("store-2"));
    m_browser->storeBox()->setCurrentIndex(1);
    QCOMPARE(cell(m_browser->streamsModel(), 1, EventStreamsModel::StreamColumn), QStringLiteral("audit-1"));
    QCOMPARE(m_browser->eventsModel()->rowCount(), 1);
    QCOMPARE(cell(m_browser->eventsModel(), 0, StreamEventsModel::TypeColumn), QStringLiteral("Logged"));
}

void TestEventStoreBrowser::newRunForgets()
{
    m_catalog.add(1, "account-1", "Opened");
    m_log->addEvents({append(1, 0, 0)});
    QCOMPARE(m_browser->streamsModel()->rowCount(), 2);
    m_log->begin({QStringLiteral("store")}, {});
    QCOMPARE(m_browser->streamsModel()->rowCount(), 0);
    QCOMPARE(m_browser->eventsModel()->rowCount(), 0);
    QCOMPARE(m_browser->statusLabel()->text(), QStringLiteral("No event store has written yet."));
}

QTEST_MAIN(TestEventStoreBrowser)
#include "tst_eventstorebrowser.moc"
