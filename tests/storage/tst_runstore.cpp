#include "runstore.h"

#include <QCryptographicHash>
#include <QDirIterator>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QScopeGuard>
#include <QSqlError>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

#include <cmath>
#include <limits>

using namespace sb;

namespace {

// The ways a file handed to RunStore::open can be unusable.
enum class Fixture {
    RandomBytes,
    ForeignTables,
    ForeignApplication,
    NewerVersion,
    MissingTables,
    MissingFolder,
    ParentIsFile,
    ReadOnlyFolder,
    DatabaseInReadOnlyFolder,
    KernelFolder,
    PathIsFolder,
    ReadOnlyFile,
};

// A second, plain connection to a database file, to set up or inspect what RunStore cannot.
class RawDatabase {
public:
    explicit RawDatabase(const QString &path) : m_name(QStringLiteral("test.raw.%1").arg(++s_count))
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), m_name);
        db.setDatabaseName(path);
        m_open = db.open();
    }
    ~RawDatabase()
    {
        QSqlDatabase::database(m_name, false).close();
        QSqlDatabase::removeDatabase(m_name);
    }
    Q_DISABLE_COPY_MOVE(RawDatabase)

    bool isOpen() const { return m_open; }

    bool exec(const QString &sql)
    {
        QSqlQuery query(QSqlDatabase::database(m_name, false));
        if (!query.exec(sql)) {
            qWarning("%s: %s", qPrintable(sql), qPrintable(query.lastError().text()));
            return false;
        }
        return true;
    }

    QVariant value(const QString &sql)
    {
        QSqlQuery query(QSqlDatabase::database(m_name, false));
        if (!query.exec(sql) || !query.next()) return {};
        return query.value(0);
    }

private:
    static inline int s_count = 0;
    QString m_name;
    bool m_open = false;
};

// Every file and folder under root with its bytes, to prove that a rejected open wrote nothing.
QMap<QString, QByteArray> snapshot(const QString &root)
{
    QMap<QString, QByteArray> entries;
    QDirIterator it(root, QDir::AllEntries | QDir::Hidden | QDir::System | QDir::NoDotAndDotDot,
                    QDirIterator::Subdirectories);
    while (it.hasNext()) {
        const QFileInfo info(it.next());
        const QString name = QDir(root).relativeFilePath(info.filePath());
        if (info.isDir()) {
            entries.insert(name, QByteArrayLiteral("<folder>"));
        } else {
            QFile file(info.filePath());
            entries.insert(name, file.open(QIODevice::ReadOnly) ? file.readAll()
                                                                : QByteArrayLiteral("<unreadable>"));
        }
    }
    return entries;
}

bool writeFile(const QString &path, const QByteArray &bytes)
{
    QFile file(path);
    return file.open(QIODevice::WriteOnly) && file.write(bytes) == bytes.size();
}

// A real run database with one finished run, as a fixture to damage.
bool createStore(const QString &path)
{
    RunStore store;
    QString error;
    if (!store.open(path, &error)) {
        qWarning("%s", qPrintable(error));
        return false;
    }
    RunRecord record;
    record.topologyName = QStringLiteral("fixture");
    record.topologyJson = QByteArrayLiteral("{}");
    const std::optional<qint64> id = store.beginRun(record, &error);
    return id && store.finishRun(*id, QString(RunStatus::Finished), "{}", {{"delivered", "q1", 1}}, &error);
}

// Whether this user is held to permission bits: a read-only folder refuses a new file.
bool permissionsBind()
{
    QTemporaryDir dir;
    const QString folder = dir.filePath(QStringLiteral("locked"));
    if (!QDir(dir.path()).mkdir(QStringLiteral("locked"))) return false;
    QFile::setPermissions(folder, QFile::ReadOwner | QFile::ExeOwner);
    QFile probe(folder + QStringLiteral("/probe"));
    const bool refused = !probe.open(QIODevice::WriteOnly);
    probe.close();
    QFile::setPermissions(folder, QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
    return refused;
}

// Whether this process can write despite read-only permissions (root can).
bool permissionsIgnored(const QString &probePath)
{
    QFile probe(probePath);
    if (!probe.open(QIODevice::ReadWrite)) return false;
    probe.close();
    return true;
}

RunRecord sampleRecord(const QString &name = QStringLiteral("work-queue"))
{
    RunRecord record;
    record.startedAt = QDateTime(QDate(2024, 3, 1), QTime(9, 30, 15, 250), Qt::UTC);
    record.topologyName = name;
    record.topologyJson = QByteArrayLiteral(R"({"nodes":[{"id":"q1","type":"queue"}]})");
    record.seed = 42;
    record.stopCondition = QStringLiteral("messages=1000");
    record.note = QStringLiteral("baseline");
    return record;
}

} // namespace

Q_DECLARE_METATYPE(Fixture)

class TestRunStore : public QObject {
    Q_OBJECT

private slots:
    void init();

    void createsSchemaInNewFile();
    void opensEmptyFile();
    void reopensExistingFile();
    void openingCurrentFileChangesNothing();
    void rejectsUnusableFile_data();
    void rejectsUnusableFile();
    void rejectsEmptyPath();
    void openReplacesPreviousDatabase();
    void connectionsAreRemoved();
    void twoStoresShareOneFile();
    void inMemoryDatabase();

    void roundTrip();
    void runsAreNewestFirst();
    void valuesRoundTripExactly();
    void emptyRecordIsAccepted();
    void finishRunRejects_data();
    void finishRunRejects();
    void finishRunIsAllOrNothing();
    void deleteCascadesToMetrics();
    void idsAreNotReused();
    void setNote();
    void closedStoreReportsErrors();
};

void TestRunStore::init()
{
    // Qt SQL reports misuse (a connection removed while in use, a query on a closed database)
    // only as warnings; make them failures.
    QTest::failOnWarning(QRegularExpression(QStringLiteral(".*")));
}

void TestRunStore::createsSchemaInNewFile()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath(QStringLiteral("runs.db"));
    {
        RunStore store;
        QString error;
        QVERIFY2(store.open(path, &error), qPrintable(error));
        QVERIFY(store.isOpen());
        QCOMPARE(store.path(), path);
        QVERIFY(error.isEmpty());
    }
    RawDatabase raw(path);
    QVERIFY(raw.isOpen());
    QCOMPARE(raw.value(QStringLiteral("PRAGMA user_version")).toInt(), RunStore::SchemaVersion);
    QCOMPARE(raw.value(QStringLiteral("PRAGMA application_id")).toInt(), RunStore::ApplicationId);
    QCOMPARE(raw.value(QStringLiteral("PRAGMA journal_mode")).toString(), QStringLiteral("wal"));
    QCOMPARE(raw.value(QStringLiteral("SELECT count(*) FROM sqlite_master WHERE type = 'table'"
                                      " AND name IN ('runs', 'run_metrics')"))
                 .toInt(),
             2);
}

void TestRunStore::opensEmptyFile()
{
    // SQLite treats a zero-byte file as an empty database, as does a user who "touches" one.
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("runs.db"));
    QVERIFY(writeFile(path, {}));
    RunStore store;
    QString error;
    QVERIFY2(store.open(path, &error), qPrintable(error));
    QVERIFY(store.beginRun(sampleRecord(), &error));
}

void TestRunStore::reopensExistingFile()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("runs.db"));
    QVERIFY(createStore(path));
    RunStore store;
    QString error;
    QVERIFY2(store.open(path, &error), qPrintable(error));
    const QList<RunRecord> runs = store.runs(&error);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    QCOMPARE(runs.size(), 1);
    QCOMPARE(runs.first().topologyName, QStringLiteral("fixture"));
    QCOMPARE(store.metrics(runs.first().id).size(), 1);
}

void TestRunStore::openingCurrentFileChangesNothing()
{
    // Open proves the file writable with a write it rolls back; a reader that only browses the
    // history must not rewrite the file (or wake a backup tool) each time.
    QTemporaryDir dir;
    QVERIFY(createStore(dir.filePath(QStringLiteral("runs.db"))));
    const QMap<QString, QByteArray> before = snapshot(dir.path());
    {
        RunStore store;
        QString error;
        QVERIFY2(store.open(dir.filePath(QStringLiteral("runs.db")), &error), qPrintable(error));
        QCOMPARE(store.runs().size(), 1);
    }
    QCOMPARE(snapshot(dir.path()), before);
}

void TestRunStore::rejectsUnusableFile_data()
{
    QTest::addColumn<Fixture>("fixture");
    QTest::addColumn<QString>("reason");

    QTest::newRow("random bytes") << Fixture::RandomBytes
                                  << "not a Signalbox run database (file is not a database)";
    QTest::newRow("empty SQLite file with other tables")
        << Fixture::ForeignTables << "not a Signalbox run database (it holds other tables: customers)";
    QTest::newRow("another program's versioned file")
        << Fixture::ForeignApplication << "not a Signalbox run database (it holds other tables: runs)";
    QTest::newRow("newer schema version")
        << Fixture::NewerVersion
        << QStringLiteral("written by a newer Signalbox (schema version %1;")
               .arg(RunStore::SchemaVersion + 1);
    QTest::newRow("expected table missing") << Fixture::MissingTables << "table run_metrics is missing";
    QTest::newRow("folder does not exist") << Fixture::MissingFolder << "does not exist";
    QTest::newRow("parent is a file") << Fixture::ParentIsFile << "is a file, not a folder";
    // Permission bits do not bind root (CI runs as root), so these rows exist only where they can
    // fail; the /proc row below covers an unwritable location for every user.
    if (permissionsBind()) {
        QTest::newRow("read-only folder") << Fixture::ReadOnlyFolder << "locked is read-only";
        QTest::newRow("database in read-only folder")
            << Fixture::DatabaseInReadOnlyFolder
            << "locked is read-only, and SQLite keeps its write-ahead log";
        QTest::newRow("read-only file")
            << Fixture::ReadOnlyFile << "cannot write to it (the file is read-only)";
    }
    // /proc refuses new files even to root. Root hears SQLite's own refusal ("cannot open or
    // create it"), others the folder check.
    QTest::newRow("folder that takes no files") << Fixture::KernelFolder << "create it";
    QTest::newRow("path is a folder") << Fixture::PathIsFolder << "is a folder, not a run database file";
}

void TestRunStore::rejectsUnusableFile()
{
    QFETCH(Fixture, fixture);
    QFETCH(QString, reason);

    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    QString path = dir.filePath(QStringLiteral("runs.db"));
    QString lockedPath; // restored to writable at the end, so that QTemporaryDir can clean up
    auto unlock = qScopeGuard([&] {
        if (!lockedPath.isEmpty())
            QFile::setPermissions(lockedPath, QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
    });

    switch (fixture) {
    case Fixture::RandomBytes: {
        QRandomGenerator random(20240301); // fixed, so a failure reproduces
        QByteArray bytes(4096, Qt::Uninitialized);
        random.fillRange(reinterpret_cast<quint32 *>(bytes.data()), bytes.size() / int(sizeof(quint32)));
        QVERIFY(writeFile(path, bytes));
        break;
    }
    case Fixture::ForeignTables: {
        RawDatabase raw(path);
        QVERIFY(raw.exec(QStringLiteral("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)")));
        break;
    }
    case Fixture::ForeignApplication: {
        // Same table name and a user_version, but not our application id.
        RawDatabase raw(path);
        QVERIFY(raw.exec(QStringLiteral("CREATE TABLE runs (id INTEGER PRIMARY KEY)")));
        QVERIFY(raw.exec(QStringLiteral("PRAGMA user_version = 1")));
        break;
    }
    case Fixture::NewerVersion: {
        QVERIFY(createStore(path));
        RawDatabase raw(path);
        QVERIFY(raw.exec(QStringLiteral("PRAGMA user_version = %1").arg(RunStore::SchemaVersion + 1)));
        break;
    }
    case Fixture::MissingTables: {
        QVERIFY(createStore(path));
        RawDatabase raw(path);
        QVERIFY(raw.exec(QStringLiteral("DROP TABLE run_metrics")));
        break;
    }
    case Fixture::MissingFolder:
        path = dir.filePath(QStringLiteral("nowhere/runs.db"));
        break;
    case Fixture::ParentIsFile:
        QVERIFY(writeFile(dir.filePath(QStringLiteral("notes.txt")), "not a folder\n"));
        path = dir.filePath(QStringLiteral("notes.txt/runs.db"));
        break;
    case Fixture::ReadOnlyFolder: {
        const QString folder = dir.filePath(QStringLiteral("locked"));
        QVERIFY(QDir(dir.path()).mkdir(QStringLiteral("locked")));
        QVERIFY(QFile::setPermissions(folder, QFile::ReadOwner | QFile::ExeOwner));
        lockedPath = folder;
        path = folder + QStringLiteral("/runs.db");
        QVERIFY(!permissionsIgnored(folder + QStringLiteral("/probe")));
        break;
    }
    case Fixture::DatabaseInReadOnlyFolder: {
        const QString folder = dir.filePath(QStringLiteral("locked"));
        QVERIFY(QDir(dir.path()).mkdir(QStringLiteral("locked")));
        path = folder + QStringLiteral("/runs.db");
        QVERIFY(createStore(path));
        QVERIFY(QFile::setPermissions(folder, QFile::ReadOwner | QFile::ExeOwner));
        lockedPath = folder;
        QVERIFY(!permissionsIgnored(folder + QStringLiteral("/probe")));
        break;
    }
    case Fixture::KernelFolder:
        path = QStringLiteral("/proc/tst_runstore-%1.db").arg(QCoreApplication::applicationPid());
        QVERIFY(QFileInfo(QStringLiteral("/proc")).isDir());
        break;
    case Fixture::PathIsFolder:
        QVERIFY(QDir(dir.path()).mkdir(QStringLiteral("runs.db")));
        QVERIFY(writeFile(path + QStringLiteral("/inside.txt"), "keep me\n"));
        break;
    case Fixture::ReadOnlyFile:
        QVERIFY(createStore(path));
        QVERIFY(QFile::setPermissions(path, QFile::ReadOwner));
        lockedPath = path;
        QVERIFY(!permissionsIgnored(path));
        break;
    }

    const QMap<QString, QByteArray> before = snapshot(dir.path());
    const bool existed = QFileInfo::exists(path);
    RunStore store;
    QString error;
    QVERIFY(!store.open(path, &error));
    QVERIFY(!store.isOpen());
    QVERIFY2(error.startsWith(QDir::toNativeSeparators(path) + QStringLiteral(": ")), qPrintable(error));
    QVERIFY2(error.contains(reason), qPrintable(error));

    // Nothing written, created or removed: compare every file's bytes.
    QCOMPARE(QFileInfo::exists(path), existed);
    const QMap<QString, QByteArray> after = snapshot(dir.path());
    QCOMPARE(after.keys(), before.keys());
    for (auto it = before.cbegin(); it != before.cend(); ++it)
        QVERIFY2(after.value(it.key()) == it.value(), qPrintable(it.key() + QStringLiteral(" changed")));
}

void TestRunStore::rejectsEmptyPath()
{
    // QSQLITE would quietly open a temporary database for an empty name.
    RunStore store;
    QString error;
    QVERIFY(!store.open(QString(), &error));
    QVERIFY(!error.isEmpty());
    QVERIFY(!store.isOpen());
}

void TestRunStore::openReplacesPreviousDatabase()
{
    QTemporaryDir dir;
    const QString first = dir.filePath(QStringLiteral("first.db"));
    const QString second = dir.filePath(QStringLiteral("second.db"));
    QVERIFY(createStore(first));
    RunStore store;
    QString error;
    QVERIFY2(store.open(first, &error), qPrintable(error));
    QCOMPARE(store.runs().size(), 1);
    QVERIFY2(store.open(second, &error), qPrintable(error));
    QCOMPARE(store.path(), second);
    QCOMPARE(store.runs().size(), 0);

    // A failed open leaves the store closed rather than on the previous file.
    QVERIFY(!store.open(dir.filePath(QStringLiteral("nowhere/x.db")), &error));
    QVERIFY(!store.isOpen());
    QVERIFY(store.path().isEmpty());
}

void TestRunStore::connectionsAreRemoved()
{
    QTemporaryDir dir;
    const QStringList before = QSqlDatabase::connectionNames();
    {
        RunStore a;
        RunStore b;
        QVERIFY(a.open(dir.filePath(QStringLiteral("a.db"))));
        QVERIFY(b.open(dir.filePath(QStringLiteral("b.db"))));
        QCOMPARE(QSqlDatabase::connectionNames().size(), before.size() + 2);
        a.close();
        QVERIFY(!a.isOpen());
        QCOMPARE(QSqlDatabase::connectionNames().size(), before.size() + 1);
    }
    QCOMPARE(QSqlDatabase::connectionNames(), before);
}

void TestRunStore::twoStoresShareOneFile()
{
    // The run history window and the recorder may each hold a store on the same file.
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("runs.db"));
    RunStore writer;
    RunStore reader;
    QVERIFY(writer.open(path));
    QVERIFY(reader.open(path));
    const std::optional<qint64> id = writer.beginRun(sampleRecord());
    QVERIFY(id);
    QCOMPARE(reader.runs().size(), 1);
    QVERIFY(writer.finishRun(*id, QString(RunStatus::Stopped), "{}", {{"sent", "p1", 3}}));
    QCOMPARE(reader.run(*id)->status, QString(RunStatus::Stopped));
    QCOMPARE(reader.metrics(*id).size(), 1);
}

void TestRunStore::inMemoryDatabase()
{
    RunStore store;
    QString error;
    QVERIFY2(store.open(QStringLiteral(":memory:"), &error), qPrintable(error));
    const std::optional<qint64> id = store.beginRun(sampleRecord(), &error);
    QVERIFY2(id, qPrintable(error));
    QCOMPARE(store.runs().size(), 1);
}

void TestRunStore::roundTrip()
{
    QTemporaryDir dir;
    RunStore store;
    QString error;
    QVERIFY2(store.open(dir.filePath(QStringLiteral("runs.db")), &error), qPrintable(error));

    const RunRecord input = sampleRecord();
    const std::optional<qint64> id = store.beginRun(input, &error);
    QVERIFY2(id, qPrintable(error));

    RunRecord expected = input;
    expected.id = *id;
    expected.status = QString(RunStatus::Running);
    expected.topologySha256 =
        QString::fromLatin1(QCryptographicHash::hash(input.topologyJson, QCryptographicHash::Sha256).toHex());
    std::optional<RunRecord> stored = store.run(*id, &error);
    QVERIFY2(stored, qPrintable(error));
    QCOMPARE(*stored, expected);
    QCOMPARE(stored->startedAt.timeSpec(), Qt::UTC);
    QVERIFY(!stored->finishedAt.isValid());
    QVERIFY(store.metrics(*id).isEmpty());

    const QList<RunMetric> metrics = {
        {QStringLiteral("delivered"), QStringLiteral("q1"), 998},
        {QStringLiteral("dropped"), QStringLiteral("q1"), 2},
        {QStringLiteral("latency_p99_ms"), QString(), 12.75},
        {QStringLiteral("delivered"), QStringLiteral("c1"), 500},
    };
    const QByteArray summary = R"({"delivered":998,"dropped":2})";
    const QDateTime beforeFinish = QDateTime::currentDateTimeUtc().addMSecs(-1);
    QVERIFY2(store.finishRun(*id, QString(RunStatus::Finished), summary, metrics, &error), qPrintable(error));

    stored = store.run(*id, &error);
    QVERIFY2(stored, qPrintable(error));
    QCOMPARE(stored->status, QString(RunStatus::Finished));
    QCOMPARE(stored->summaryJson, summary);
    QVERIFY(stored->finishedAt >= beforeFinish);
    QVERIFY(stored->finishedAt <= QDateTime::currentDateTimeUtc());
    expected.status = stored->status;
    expected.summaryJson = summary;
    expected.finishedAt = stored->finishedAt;
    QCOMPARE(*stored, expected);

    // Sorted by name, then node.
    const QList<RunMetric> sorted = {metrics[3], metrics[0], metrics[1], metrics[2]};
    QCOMPARE(store.metrics(*id, &error), sorted);

    const QList<RunRecord> all = store.runs(&error);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    QCOMPARE(all.size(), 1);
    QCOMPARE(all.first(), expected);
}

void TestRunStore::runsAreNewestFirst()
{
    RunStore store;
    QVERIFY(store.open(QStringLiteral(":memory:")));
    const QDateTime t0(QDate(2024, 1, 1), QTime(12, 0), Qt::UTC);
    QList<qint64> ids;
    for (const QDateTime &start : {t0, t0.addSecs(7200), t0.addSecs(3600), t0.addSecs(7200)}) {
        RunRecord record = sampleRecord();
        record.startedAt = start;
        const std::optional<qint64> id = store.beginRun(record);
        QVERIFY(id);
        ids << *id;
    }
    // Local times are stored as the same instant in UTC.
    RunRecord local = sampleRecord();
    local.startedAt = t0.addSecs(60).toOffsetFromUtc(-5 * 3600);
    const std::optional<qint64> localId = store.beginRun(local);
    QVERIFY(localId);

    QList<qint64> order;
    for (const RunRecord &run : store.runs())
        order << run.id;
    // Equal start times: the later id first.
    QCOMPARE(order, (QList<qint64>{ids[3], ids[1], ids[2], *localId, ids[0]}));
    QCOMPARE(store.run(*localId)->startedAt, t0.addSecs(60));
}

void TestRunStore::valuesRoundTripExactly()
{
    RunStore store;
    QVERIFY(store.open(QStringLiteral(":memory:")));

    RunRecord record = sampleRecord(QStringLiteral("Robert'); DROP TABLE runs; --"));
    record.seed = std::numeric_limits<quint64>::max();
    record.topologyJson = QStringLiteral(R"({"name":"Grüße, 東京 🚦"})").toUtf8();
    record.topologySha256 = QStringLiteral("given-by-caller");
    record.stopCondition = QStringLiteral("time=10s; messages=\"5\"");
    record.note = QStringLiteral("line one\nline two\t\u00e9");
    const std::optional<qint64> id = store.beginRun(record);
    QVERIFY(id);
    const std::optional<RunRecord> stored = store.run(*id);
    QVERIFY(stored);
    QCOMPARE(stored->topologyName, record.topologyName);
    QCOMPARE(stored->seed, record.seed);
    QCOMPARE(stored->topologyJson, record.topologyJson);
    QCOMPARE(stored->topologySha256, record.topologySha256);
    QCOMPARE(stored->stopCondition, record.stopCondition);
    QCOMPARE(stored->note, record.note);

    const double nan = std::numeric_limits<double>::quiet_NaN();
    const double inf = std::numeric_limits<double>::infinity();
    QVERIFY(
        store.finishRun(*id, QString(RunStatus::Failed), {},
                        {{"mean_latency_ms", "c1", nan}, {"max_backlog", "q1", inf}, {"tiny", "", 1e-300}}));
    const QList<RunMetric> metrics = store.metrics(*id);
    QCOMPARE(metrics.size(), 3);
    QCOMPARE(metrics[0].name, QStringLiteral("max_backlog"));
    QCOMPARE(metrics[0].value, inf);
    QCOMPARE(metrics[1].name, QStringLiteral("mean_latency_ms"));
    QVERIFY(std::isnan(metrics[1].value));
    QCOMPARE(metrics[2].value, 1e-300);
    QVERIFY(metrics[2].node.isEmpty());
    // An empty summary is stored as NULL and read back empty.
    QVERIFY(store.run(*id)->summaryJson.isEmpty());
    QCOMPARE(store.runs().size(), 1);
}

void TestRunStore::emptyRecordIsAccepted()
{
    // Empty (null) strings and JSON must not trip the NOT NULL columns.
    RunStore store;
    QVERIFY(store.open(QStringLiteral(":memory:")));
    QString error;
    const std::optional<qint64> id = store.beginRun(RunRecord(), &error);
    QVERIFY2(id, qPrintable(error));
    const std::optional<RunRecord> stored = store.run(*id);
    QVERIFY(stored);
    QVERIFY(stored->startedAt.isValid());
    QVERIFY(stored->topologyName.isEmpty());
    QVERIFY(stored->topologyJson.isEmpty());
    QCOMPARE(stored->topologySha256,
             QString::fromLatin1(QCryptographicHash::hash({}, QCryptographicHash::Sha256).toHex()));
    QVERIFY2(store.finishRun(*id, QString(RunStatus::Stopped), {}, {RunMetric()}, &error), qPrintable(error));
    QCOMPARE(store.metrics(*id), QList<RunMetric>{RunMetric()});
    QVERIFY(store.setNote(*id, QString()));
}

void TestRunStore::finishRunRejects_data()
{
    QTest::addColumn<QString>("status");
    QTest::addColumn<bool>("knownRun");
    QTest::addColumn<bool>("finishFirst");
    QTest::addColumn<QString>("reason");

    QTest::newRow("status running") << "running" << true << false << "with status \"running\"";
    QTest::newRow("unknown status") << "done" << true << false << "with status \"done\"";
    QTest::newRow("empty status") << "" << true << false << "with status \"\"";
    QTest::newRow("unknown run") << "finished" << false << false << "(no such run)";
    QTest::newRow("finished twice") << "stopped" << true << true << "(it is already finished)";
}

void TestRunStore::finishRunRejects()
{
    QFETCH(QString, status);
    QFETCH(bool, knownRun);
    QFETCH(bool, finishFirst);
    QFETCH(QString, reason);

    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("runs.db"));
    RunStore store;
    QVERIFY(store.open(path));
    const std::optional<qint64> id = store.beginRun(sampleRecord());
    QVERIFY(id);
    if (finishFirst)
        QVERIFY(store.finishRun(*id, QString(RunStatus::Finished), "{}", {{"delivered", "q1", 1}}));
    const RunRecord before = *store.run(*id);
    const QList<RunMetric> metricsBefore = store.metrics(*id);

    QString error;
    QVERIFY(!store.finishRun(knownRun ? *id : *id + 100, status, "{}", {{"sent", "p1", 5}}, &error));
    QVERIFY2(error.startsWith(path + QStringLiteral(": cannot finish run #")), qPrintable(error));
    QVERIFY2(error.contains(reason), qPrintable(error));
    QCOMPARE(*store.run(*id), before);
    QCOMPARE(store.metrics(*id), metricsBefore);
}

void TestRunStore::finishRunIsAllOrNothing()
{
    RunStore store;
    QVERIFY(store.open(QStringLiteral(":memory:")));
    const std::optional<qint64> id = store.beginRun(sampleRecord());
    QVERIFY(id);

    // The second metric repeats the first's name and node, so its insert fails after the
    // status update and the first insert have succeeded.
    QString error;
    QVERIFY(!store.finishRun(*id, QString(RunStatus::Finished), "{}",
                             {{"delivered", "q1", 1}, {"delivered", "q1", 2}}, &error));
    QVERIFY2(error.contains(QStringLiteral("metric \"delivered\" at node \"q1\"")), qPrintable(error));
    QCOMPARE(store.run(*id)->status, QString(RunStatus::Running));
    QVERIFY(!store.run(*id)->finishedAt.isValid());
    QVERIFY(store.metrics(*id).isEmpty());

    // And the run can still be finished properly.
    QVERIFY(store.finishRun(*id, QString(RunStatus::Finished), "{}", {{"delivered", "q1", 1}}, &error));
    QCOMPARE(store.metrics(*id).size(), 1);
}

void TestRunStore::deleteCascadesToMetrics()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("runs.db"));
    RunStore store;
    QVERIFY(store.open(path));
    const std::optional<qint64> doomed = store.beginRun(sampleRecord());
    const std::optional<qint64> kept = store.beginRun(sampleRecord());
    QVERIFY(doomed && kept);
    QVERIFY(store.finishRun(*doomed, QString(RunStatus::Finished), "{}", {{"a", "q1", 1}, {"b", "q1", 2}}));
    QVERIFY(store.finishRun(*kept, QString(RunStatus::Finished), "{}", {{"a", "q1", 3}}));

    QString error;
    QVERIFY2(store.deleteRun(*doomed, &error), qPrintable(error));
    QVERIFY(!store.run(*doomed, &error));
    QVERIFY2(error.contains(QStringLiteral("there is no run #%1").arg(*doomed)), qPrintable(error));
    QVERIFY(store.metrics(*doomed).isEmpty());
    QCOMPARE(store.metrics(*kept).size(), 1);
    QCOMPARE(store.runs().size(), 1);
    {
        // Read past the API: no orphaned metric rows remain.
        RawDatabase raw(path);
        QCOMPARE(raw.value(QStringLiteral("SELECT count(*) FROM run_metrics WHERE run_id = %1").arg(*doomed))
                     .toInt(),
                 0);
        QCOMPARE(raw.value(QStringLiteral("SELECT count(*) FROM run_metrics")).toInt(), 1);
    }

    error.clear();
    QVERIFY(!store.deleteRun(*doomed, &error));
    QVERIFY2(error.contains(QStringLiteral("no such run")), qPrintable(error));
}

void TestRunStore::idsAreNotReused()
{
    RunStore store;
    QVERIFY(store.open(QStringLiteral(":memory:")));
    const std::optional<qint64> first = store.beginRun(sampleRecord());
    QVERIFY(first);
    QVERIFY(store.deleteRun(*first));
    const std::optional<qint64> second = store.beginRun(sampleRecord());
    QVERIFY(second);
    QVERIFY(*second > *first);
}

void TestRunStore::setNote()
{
    RunStore store;
    QVERIFY(store.open(QStringLiteral(":memory:")));
    const std::optional<qint64> id = store.beginRun(sampleRecord());
    QVERIFY(id);
    QString error;
    QVERIFY2(store.setNote(*id, QStringLiteral("prefetch 10 -> 50"), &error), qPrintable(error));
    QCOMPARE(store.run(*id)->note, QStringLiteral("prefetch 10 -> 50"));
    QVERIFY(store.setNote(*id, QString()));
    QCOMPARE(store.run(*id)->note, QString());
    QVERIFY(!store.setNote(*id + 1, QStringLiteral("x"), &error));
    QVERIFY2(error.contains(QStringLiteral("no such run")), qPrintable(error));
}

void TestRunStore::closedStoreReportsErrors()
{
    RunStore store;
    QString error;
    QVERIFY(store.runs(&error).isEmpty());
    QVERIFY(!error.isEmpty());
    error.clear();
    QVERIFY(!store.beginRun(sampleRecord(), &error));
    QVERIFY(!error.isEmpty());
    QVERIFY(!store.finishRun(1, QString(RunStatus::Finished), {}, {}));
    QVERIFY(!store.run(1));
    QVERIFY(store.metrics(1).isEmpty());
    QVERIFY(!store.deleteRun(1));
    QVERIFY(!store.setNote(1, QString()));
}

QTEST_GUILESS_MAIN(TestRunStore)
#include "tst_runstore.moc"
