#include "runlistmodel.h"
#include "runstore.h"

#include <QAbstractItemModelTester>
#include <QLocale>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

using namespace sb;

namespace {

const QDateTime BaseTime(QDate(2024, 5, 6), QTime(8, 0), Qt::UTC);

// Starts a run whose start time is offsetSeconds after BaseTime and returns its id.
qint64 addRun(RunStore &store, int offsetSeconds, const QString &topology = QStringLiteral("work-queue"))
{
    RunRecord record;
    record.startedAt = BaseTime.addSecs(offsetSeconds);
    record.topologyName = topology;
    record.topologyJson = QByteArrayLiteral("{}");
    record.seed = quint64(offsetSeconds) + 1000;
    record.stopCondition = QStringLiteral("messages=100");
    const std::optional<qint64> id = store.beginRun(record);
    return id.value_or(-1);
}

QList<qint64> idsInModel(const QAbstractItemModel &model)
{
    QList<qint64> ids;
    for (int row = 0; row < model.rowCount(); ++row)
        ids << model.index(row, RunListModel::IdColumn).data(RunListModel::RunIdRole).toLongLong();
    return ids;
}

} // namespace

class TestRunListModel : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void init();

    void headers();
    void withoutStore();
    void reloadAcrossRunCounts();
    void displayAndToolTips();
    void runIdRoleInEveryColumn();
    void reloadFailureEmptiesModel();
    void closedStoreShowsNothing();
    void formatDuration_data();
    void formatDuration();

private:
    QTemporaryDir m_dir;
};

void TestRunListModel::initTestCase()
{
    // Durations and dates are formatted for the locale; pin it so expectations hold anywhere.
    QLocale::setDefault(QLocale::c());
    QVERIFY(m_dir.isValid());
}

void TestRunListModel::init()
{
    QTest::failOnWarning(QRegularExpression(QStringLiteral(".*")));
}

void TestRunListModel::headers()
{
    RunListModel model(nullptr);
    QCOMPARE(model.columnCount(), int(RunListModel::ColumnCount));
    QStringList titles;
    for (int column = 0; column < model.columnCount(); ++column)
        titles << model.headerData(column, Qt::Horizontal).toString();
    QCOMPARE(titles, (QStringList{"Run #", "Started", "Topology", "Seed", "Status", "Duration"}));
}

void TestRunListModel::withoutStore()
{
    RunListModel model(nullptr);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QString error;
    QVERIFY(model.reload(&error));
    QVERIFY(error.isEmpty());
    QCOMPARE(model.rowCount(), 0);
    QCOMPARE(model.rowOfRun(1), -1);
}

void TestRunListModel::reloadAcrossRunCounts()
{
    RunStore store;
    QString error;
    QVERIFY2(store.open(m_dir.filePath(QStringLiteral("counts.db")), &error), qPrintable(error));
    RunListModel model(&store);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QSignalSpy aboutToReset(&model, &QAbstractItemModel::modelAboutToBeReset);
    QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);

    // Nothing shows before the first reload, even with runs in the store.
    const qint64 first = addRun(store, 0);
    QCOMPARE(model.rowCount(), 0);
    QVERIFY(store.deleteRun(first));

    QVERIFY2(model.reload(&error), qPrintable(error));
    QCOMPARE(model.rowCount(), 0);

    const qint64 one = addRun(store, 10);
    QVERIFY(one > 0);
    QVERIFY2(model.reload(&error), qPrintable(error));
    QCOMPARE(model.rowCount(), 1);
    QCOMPARE(idsInModel(model), QList<qint64>{one});

    // Started out of order: the model lists them by start time, newest first.
    const qint64 late = addRun(store, 500);
    const qint64 early = addRun(store, 5);
    const qint64 middle = addRun(store, 100);
    QVERIFY(store.finishRun(middle, QString(RunStatus::Finished), "{}", {}));
    QVERIFY2(model.reload(&error), qPrintable(error));
    QCOMPARE(idsInModel(model), (QList<qint64>{late, middle, one, early}));
    QCOMPARE(model.rowOfRun(middle), 1);
    QCOMPARE(model.runAt(1).status, QString(RunStatus::Finished));

    // A persistent index does not survive a reset, so a view cannot point at a stale row.
    const QPersistentModelIndex persistent = model.index(0, 0);
    QVERIFY(store.deleteRun(late));
    QVERIFY(store.deleteRun(one));
    QVERIFY2(model.reload(&error), qPrintable(error));
    QVERIFY(!persistent.isValid());
    QCOMPARE(idsInModel(model), (QList<qint64>{middle, early}));

    QVERIFY(store.deleteRun(middle));
    QVERIFY(store.deleteRun(early));
    QVERIFY2(model.reload(&error), qPrintable(error));
    QCOMPARE(model.rowCount(), 0);

    QCOMPARE(aboutToReset.count(), 5);
    QCOMPARE(reset.count(), 5);
    QCOMPARE(inserted.count(), 0);
}

void TestRunListModel::displayAndToolTips()
{
    RunStore store;
    QVERIFY(store.open(QStringLiteral(":memory:")));
    const qint64 running = addRun(store, 0, QStringLiteral("pub-sub"));
    const qint64 finished = addRun(store, 60, QStringLiteral("rpc"));
    QVERIFY(store.finishRun(finished, QString(RunStatus::Failed), "{}", {}));
    QVERIFY(store.setNote(finished, QStringLiteral("broker crashed")));
    RunListModel model(&store);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QVERIFY(model.reload());
    QCOMPARE(model.rowCount(), 2);

    const int finishedRow = model.rowOfRun(finished);
    const int runningRow = model.rowOfRun(running);
    QCOMPARE(finishedRow, 0);
    QCOMPARE(runningRow, 1);
    auto display = [&](int row, int column) { return model.index(row, column).data(); };
    auto toolTip = [&](int row, int column) {
        return model.index(row, column).data(Qt::ToolTipRole).toString();
    };

    QCOMPARE(display(finishedRow, RunListModel::IdColumn).toLongLong(), finished);
    QCOMPARE(display(finishedRow, RunListModel::StartedColumn).toDateTime(), BaseTime.addSecs(60));
    QCOMPARE(display(finishedRow, RunListModel::TopologyColumn).toString(), QStringLiteral("rpc"));
    QCOMPARE(display(finishedRow, RunListModel::SeedColumn).toULongLong(), quint64(1060));
    QCOMPARE(display(finishedRow, RunListModel::StatusColumn).toString(), QStringLiteral("Failed"));
    QCOMPARE(display(runningRow, RunListModel::StatusColumn).toString(), QStringLiteral("Running"));
    // The start times lie in the past, so a finished run's duration is some non-empty text.
    QVERIFY(!display(finishedRow, RunListModel::DurationColumn).toString().isEmpty());
    QVERIFY(display(runningRow, RunListModel::DurationColumn).toString().isEmpty());

    QCOMPARE(toolTip(finishedRow, RunListModel::IdColumn),
             QStringLiteral("Run #%1\nNote: broker crashed").arg(finished));
    QVERIFY(toolTip(finishedRow, RunListModel::StartedColumn)
                .contains(QStringLiteral("2024-05-06 08:01:00.000 UTC")));
    QVERIFY(
        toolTip(finishedRow, RunListModel::TopologyColumn).contains(model.runAt(finishedRow).topologySha256));
    QVERIFY(toolTip(finishedRow, RunListModel::StatusColumn).startsWith(QStringLiteral("Failed at ")));
    QVERIFY(toolTip(finishedRow, RunListModel::StatusColumn)
                .contains(QStringLiteral("Stop condition: messages=100")));
    QVERIFY(toolTip(runningRow, RunListModel::StatusColumn).startsWith(QStringLiteral("Running since ")));
    QCOMPARE(toolTip(runningRow, RunListModel::DurationColumn), QStringLiteral("Still running"));
    QCOMPARE(toolTip(runningRow, RunListModel::SeedColumn), QStringLiteral("Random seed 1000"));

    QCOMPARE(model.index(0, RunListModel::SeedColumn).data(Qt::TextAlignmentRole).toInt(),
             int(Qt::AlignRight | Qt::AlignVCenter));
    QVERIFY(!model.index(0, RunListModel::TopologyColumn).data(Qt::TextAlignmentRole).isValid());
}

void TestRunListModel::runIdRoleInEveryColumn()
{
    RunStore store;
    QVERIFY(store.open(QStringLiteral(":memory:")));
    const qint64 id = addRun(store, 0);
    RunListModel model(&store);
    QVERIFY(model.reload());
    for (int column = 0; column < model.columnCount(); ++column)
        QCOMPARE(model.index(0, column).data(RunListModel::RunIdRole).toLongLong(), id);
}

void TestRunListModel::reloadFailureEmptiesModel()
{
    const QString path = m_dir.filePath(QStringLiteral("failure.db"));
    RunStore store;
    QVERIFY(store.open(path));
    addRun(store, 0);
    RunListModel model(&store);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QVERIFY(model.reload());
    QCOMPARE(model.rowCount(), 1);

    // Another program breaks the file under the store: the next reload fails and shows nothing
    // rather than the stale rows.
    {
        const QString connection = QStringLiteral("test.saboteur");
        {
            QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), connection);
            db.setDatabaseName(path);
            QVERIFY(db.open());
            QSqlQuery query(db);
            QVERIFY(query.exec(QStringLiteral("ALTER TABLE runs RENAME TO old_runs")));
        }
        QSqlDatabase::removeDatabase(connection);
    }
    QString error;
    QVERIFY(!model.reload(&error));
    QVERIFY2(error.startsWith(path + QStringLiteral(": cannot list the runs (")), qPrintable(error));
    QCOMPARE(model.rowCount(), 0);
}

void TestRunListModel::closedStoreShowsNothing()
{
    RunStore store;
    QVERIFY(store.open(QStringLiteral(":memory:")));
    addRun(store, 0);
    RunListModel model(&store);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QVERIFY(model.reload());
    QCOMPARE(model.rowCount(), 1);

    // A closed store reads as empty, the same as having no store.
    store.close();
    QVERIFY(model.reload());
    QCOMPARE(model.rowCount(), 0);
}

void TestRunListModel::formatDuration_data()
{
    QTest::addColumn<qint64>("milliseconds");
    QTest::addColumn<QString>("text");

    QTest::newRow("zero") << qint64(0) << "0 ms";
    QTest::newRow("clock set back") << qint64(-250) << "0 ms";
    QTest::newRow("under a second") << qint64(999) << "999 ms";
    QTest::newRow("one second") << qint64(1000) << "1.0 s";
    QTest::newRow("seconds") << qint64(12345) << "12.3 s";
    QTest::newRow("not rounded up to a minute") << qint64(59999) << "59.9 s";
    QTest::newRow("one minute") << qint64(60000) << "1 min 00 s";
    QTest::newRow("minutes") << qint64(187000) << "3 min 07 s";
    QTest::newRow("just under an hour") << qint64(3599999) << "59 min 59 s";
    QTest::newRow("one hour") << qint64(3600000) << "1 h 00 min";
    QTest::newRow("hours") << qint64(7500000) << "2 h 05 min";
    QTest::newRow("days") << qint64(30) * 24 * 3600 * 1000 << "720 h 00 min";
}

void TestRunListModel::formatDuration()
{
    QFETCH(qint64, milliseconds);
    QFETCH(QString, text);
    QCOMPARE(RunListModel::formatDuration(milliseconds), text);
}

QTEST_GUILESS_MAIN(TestRunListModel)
#include "tst_runlistmodel.moc"
