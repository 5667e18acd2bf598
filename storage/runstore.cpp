#include "runstore.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSqlError>
#include <QSqlQuery>
#include <QStringList>
#include <QThread>

#include <atomic>
#include <cmath>
#include <limits>

namespace sb {

namespace {

const QString InMemoryPath = QStringLiteral(":memory:");

// SQLite's primary result codes for "this is not a database" and "this database is damaged".
// QSqlError reports extended codes, whose low byte is the primary code.
constexpr int SqliteCorrupt = 11;
constexpr int SqliteNotADatabase = 26;

// Each step moves the schema one version up: step i turns version i into i + 1. Append steps,
// never edit old ones, so that a file written by any older build upgrades one version at a time.
const QList<QStringList> &migrationSteps()
{
    static const QList<QStringList> steps = {
        {
            // AUTOINCREMENT: ids are shown to users, so a deleted run's id must never come back.
            QStringLiteral("CREATE TABLE runs ("
                           " id INTEGER PRIMARY KEY AUTOINCREMENT,"
                           " started_at TEXT NOT NULL,"
                           " finished_at TEXT,"
                           " topology_name TEXT NOT NULL,"
                           " topology_json TEXT NOT NULL,"
                           " topology_sha256 TEXT NOT NULL,"
                           " seed INTEGER NOT NULL,"
                           " stop_condition TEXT NOT NULL,"
                           " status TEXT NOT NULL"
                           "  CHECK (status IN ('running', 'finished', 'failed', 'stopped')),"
                           " summary_json TEXT,"
                           " note TEXT NOT NULL DEFAULT '',"
                           " CHECK ((status = 'running') = (finished_at IS NULL)))"),
            QStringLiteral("CREATE INDEX runs_by_start ON runs (started_at, id)"),
            // The primary key also serves the lookups by run_id that metrics() and the cascading
            // delete make, and keeps one value per metric and node.
            QStringLiteral("CREATE TABLE run_metrics ("
                           " run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,"
                           " name TEXT NOT NULL,"
                           " node TEXT NOT NULL DEFAULT '',"
                           " value REAL,"
                           " PRIMARY KEY (run_id, name, node))"),
        },
    };
    Q_ASSERT(steps.size() == RunStore::SchemaVersion);
    return steps;
}

// The tables a file of the given schema version must have before open() touches it.
QStringList requiredTables(int version)
{
    QStringList tables;
    if (version >= 1) tables << QStringLiteral("runs") << QStringLiteral("run_metrics");
    return tables;
}

const QString RunColumns =
    QStringLiteral("id, started_at, finished_at, topology_name, topology_json,"
                   " topology_sha256, seed, stop_condition, status, summary_json, note");

QString reasonOf(const QSqlError &error)
{
    if (!error.databaseText().isEmpty()) return error.databaseText();
    if (!error.driverText().isEmpty()) return error.driverText();
    return QStringLiteral("unknown SQLite error");
}

int primaryCode(const QSqlError &error)
{
    bool ok = false;
    const int code = error.nativeErrorCode().toInt(&ok);
    return ok ? (code & 0xff) : -1;
}

// Fixed-width UTC text, so that ORDER BY started_at sorts chronologically.
QString toStoredTime(const QDateTime &time)
{
    return time.toUTC().toString(Qt::ISODateWithMs);
}

QDateTime fromStoredTime(const QVariant &value)
{
    if (value.isNull()) return {};
    return QDateTime::fromString(value.toString(), Qt::ISODateWithMs).toUTC();
}

// A null QString binds as SQL NULL, which the NOT NULL text columns refuse; callers mean "".
QString notNull(const QString &text)
{
    return text.isNull() ? QString::fromLatin1("") : text;
}

QVariant nullableText(const QByteArray &utf8)
{
    if (utf8.isEmpty()) return QVariant(QMetaType::fromType<QString>());
    return QString::fromUtf8(utf8);
}

RunRecord recordFrom(const QSqlQuery &query)
{
    RunRecord record;
    record.id = query.value(0).toLongLong();
    record.startedAt = fromStoredTime(query.value(1));
    record.finishedAt = fromStoredTime(query.value(2));
    record.topologyName = query.value(3).toString();
    record.topologyJson = query.value(4).toString().toUtf8();
    record.topologySha256 = query.value(5).toString();
    record.seed = static_cast<quint64>(query.value(6).toLongLong());
    record.stopCondition = query.value(7).toString();
    record.status = query.value(8).toString();
    record.summaryJson = query.value(9).toString().toUtf8();
    record.note = query.value(10).toString();
    return record;
}

void setError(QString *error, const QString &text)
{
    if (error) *error = text;
}

} // namespace

RunStore::RunStore() = default;

RunStore::~RunStore()
{
    close();
}

bool RunStore::isOpen() const
{
    return m_db.isValid() && m_db.isOpen();
}

bool RunStore::open(const QString &path, QString *error)
{
    close();
    if (path.isEmpty()) {
        setError(error, QStringLiteral("No run database file was given"));
        return false;
    }

    // SQLite creates a missing file as it opens it, so a failed open of a new file removes what it
    // created. Beside an existing file nothing is removed: a -wal file there may belong to another
    // program that has the database open, and deleting it would lose that program's commits.
    QStringList created;
    const QFileInfo info(path);
    if (path != InMemoryPath && !info.exists() && !info.isSymLink()) {
        for (const QString &suffix :
             {QString(), QStringLiteral("-wal"), QStringLiteral("-shm"), QStringLiteral("-journal")}) {
            if (!QFileInfo::exists(path + suffix)) created << path + suffix;
        }
    }

    m_path = path;
    m_thread = QThread::currentThread();
    if (openDatabase(path, error)) return true;

    close();
    for (const QString &file : std::as_const(created)) {
        if (QFileInfo(file).isFile()) QFile::remove(file);
    }
    return false;
}

bool RunStore::openDatabase(const QString &path, QString *error)
{
    const QFileInfo info(path);
    if (path != InMemoryPath) {
        if (info.isDir()) {
            setError(error, failure(QStringLiteral("is a folder, not a run database file")));
            return false;
        }
        // These checks only give clearer words than SQLite's "unable to open database file". They
        // also keep SQLite away from a read-only file, where even reading a WAL database leaves
        // -wal and -shm files behind. The write probe in migrate() stays the real test.
        const QFileInfo folder(info.absolutePath());
        const QString folderName = QDir::toNativeSeparators(folder.filePath());
        if (!info.exists()) {
            if (!folder.exists()) {
                setError(error,
                         failure(QStringLiteral("cannot create it, because the folder %1 does not exist")
                                     .arg(folderName)));
                return false;
            }
            if (!folder.isDir()) {
                setError(error, failure(QStringLiteral("cannot create it, because %1 is a file, not a folder")
                                            .arg(folderName)));
                return false;
            }
            if (!folder.isWritable()) {
                setError(error, failure(QStringLiteral("cannot create it, because the folder %1 is read-only")
                                            .arg(folderName)));
                return false;
            }
        } else if (!info.isWritable()) {
            setError(error, failure(QStringLiteral("cannot write to it (the file is read-only)")));
            return false;
        } else if (!folder.isWritable()) {
            setError(error,
                     failure(QStringLiteral("cannot write to it (its folder %1 is read-only, and SQLite "
                                            "keeps its write-ahead log beside the file)")
                                 .arg(folderName)));
            return false;
        }
    }

    static std::atomic<quint64> connectionCount{0};
    m_connectionName = QStringLiteral("sb.RunStore.%1").arg(connectionCount.fetch_add(1));
    m_db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), m_connectionName);
    if (!m_db.isValid()) {
        setError(error, failure(QStringLiteral("cannot open it, because Qt's SQLite driver (QSQLITE) is not "
                                               "installed")));
        return false;
    }
    m_db.setDatabaseName(path);
    if (!m_db.open()) {
        setError(error,
                 failure(QStringLiteral("cannot open or create it (%1)").arg(reasonOf(m_db.lastError()))));
        return false;
    }

    QSqlQuery query(m_db);
    // SQLite's foreign keys are off per connection unless asked for; the metrics' cascade needs them.
    if (!query.exec(QStringLiteral("PRAGMA foreign_keys = ON"))) {
        setError(error, failure(QStringLiteral("cannot read it (%1)").arg(reasonOf(query.lastError()))));
        return false;
    }

    // Everything up to the journal mode only reads: a file that is rejected here stays byte for
    // byte as it was.
    auto readFailure = [this](const QSqlError &sqlError) {
        const int code = primaryCode(sqlError);
        if (code == SqliteNotADatabase || code == SqliteCorrupt)
            return failure(QStringLiteral("not a Signalbox run database (%1)").arg(reasonOf(sqlError)));
        return failure(QStringLiteral("cannot read it (%1)").arg(reasonOf(sqlError)));
    };
    auto readInt = [&query](const QString &sql, qint64 *value) {
        if (!query.exec(sql) || !query.next()) return false;
        *value = query.value(0).toLongLong();
        return true;
    };
    qint64 applicationId = 0;
    qint64 version = 0;
    if (!readInt(QStringLiteral("PRAGMA application_id"), &applicationId) ||
        !readInt(QStringLiteral("PRAGMA user_version"), &version)) {
        setError(error, readFailure(query.lastError()));
        return false;
    }
    if (!query.exec(
            QStringLiteral("SELECT name FROM sqlite_master WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\'"
                           " ORDER BY name"))) {
        setError(error, readFailure(query.lastError()));
        return false;
    }
    QStringList objects;
    while (query.next())
        objects << query.value(0).toString();

    const bool fresh = applicationId == 0 && version == 0 && objects.isEmpty();
    if (!fresh) {
        if (applicationId != ApplicationId || version < 1) {
            const QString what =
                objects.isEmpty()
                    ? QStringLiteral("it belongs to another program: application id %1, schema version %2")
                          .arg(applicationId)
                          .arg(version)
                    : QStringLiteral("it holds other tables: %1").arg(objects.join(QStringLiteral(", ")));
            setError(error, failure(QStringLiteral("not a Signalbox run database (%1)").arg(what)));
            return false;
        }
        if (version > SchemaVersion) {
            setError(error, failure(QStringLiteral("written by a newer Signalbox (schema version %1; this "
                                                   "version reads up to %2), so it is left untouched")
                                        .arg(version)
                                        .arg(SchemaVersion)));
            return false;
        }
        for (const QString &table : requiredTables(int(version))) {
            if (!objects.contains(table)) {
                setError(
                    error,
                    failure(
                        QStringLiteral("a damaged Signalbox run database (table %1 is missing)").arg(table)));
                return false;
            }
        }
    }

    // Write-ahead logging lets the run list read while a run is being recorded. The pragma answers
    // with the mode in force, which stays "delete" where WAL is impossible (a read-only file).
    const QString wantedMode = path == InMemoryPath ? QStringLiteral("memory") : QStringLiteral("wal");
    if (!query.exec(QStringLiteral("PRAGMA journal_mode = WAL")) || !query.next()) {
        setError(error, failure(QStringLiteral("cannot write to it (%1)").arg(reasonOf(query.lastError()))));
        return false;
    }
    const QString mode = query.value(0).toString().toLower();
    if (mode != wantedMode) {
        setError(error, failure(QStringLiteral("cannot write to it (write-ahead logging is unavailable; the "
                                               "journal mode stays %1)")
                                    .arg(mode)));
        return false;
    }
    query.finish();
    return migrate(error);
}

bool RunStore::migrate(QString *error)
{
    QSqlQuery query(m_db);
    // IMMEDIATE takes the write lock before reading the version, so two programs opening a new
    // file at once cannot both create the tables.
    if (!query.exec(QStringLiteral("BEGIN IMMEDIATE"))) {
        setError(error, failure(QStringLiteral("cannot write to it (%1)").arg(reasonOf(query.lastError()))));
        return false;
    }
    auto fail = [&](const QString &reason) {
        QSqlQuery(m_db).exec(QStringLiteral("ROLLBACK"));
        setError(error, failure(reason));
        return false;
    };
    if (!query.exec(QStringLiteral("PRAGMA user_version")) || !query.next())
        return fail(QStringLiteral("cannot read it (%1)").arg(reasonOf(query.lastError())));
    const int version = query.value(0).toInt();
    query.finish();
    if (version > SchemaVersion)
        return fail(
            QStringLiteral("written by a newer Signalbox (schema version %1; this version reads up to %2)")
                .arg(version)
                .arg(SchemaVersion));

    // SQLite opens a file it may not write read-only without a word, and BEGIN IMMEDIATE succeeds
    // there too; rewriting the version is the cheapest write that proves runs can be recorded.
    // PRAGMA takes no bound values; the numbers here are all integers from this code.
    if (!query.exec(QStringLiteral("PRAGMA user_version = %1").arg(version)))
        return fail(QStringLiteral("cannot write to it (%1)").arg(reasonOf(query.lastError())));
    if (version == SchemaVersion) {
        // Nothing to upgrade: roll back, so that opening a current file changes none of its bytes.
        if (!query.exec(QStringLiteral("ROLLBACK")))
            return fail(QStringLiteral("cannot write to it (%1)").arg(reasonOf(query.lastError())));
        return true;
    }

    const QList<QStringList> &steps = migrationSteps();
    for (int step = version; step < SchemaVersion; ++step) {
        for (const QString &statement : steps.at(step)) {
            if (!query.exec(statement))
                return fail(QStringLiteral("cannot upgrade it from schema version %1 (%2)")
                                .arg(step)
                                .arg(reasonOf(query.lastError())));
        }
    }
    if (version == 0 && !query.exec(QStringLiteral("PRAGMA application_id = %1").arg(ApplicationId)))
        return fail(QStringLiteral("cannot write to it (%1)").arg(reasonOf(query.lastError())));
    if (!query.exec(QStringLiteral("PRAGMA user_version = %1").arg(SchemaVersion)))
        return fail(QStringLiteral("cannot write to it (%1)").arg(reasonOf(query.lastError())));
    if (!query.exec(QStringLiteral("COMMIT")))
        return fail(QStringLiteral("cannot write to it (%1)").arg(reasonOf(query.lastError())));
    return true;
}

void RunStore::close()
{
    if (!m_connectionName.isEmpty()) {
        Q_ASSERT(QThread::currentThread() == m_thread);
        m_db.close();
        // removeDatabase() warns while any QSqlDatabase handle to the connection is alive.
        m_db = QSqlDatabase();
        QSqlDatabase::removeDatabase(m_connectionName);
        m_connectionName.clear();
    }
    m_path.clear();
    m_thread = nullptr;
}

QString RunStore::failure(const QString &reason) const
{
    return QStringLiteral("%1: %2").arg(QDir::toNativeSeparators(m_path), reason);
}

bool RunStore::checkOpen(QString *error) const
{
    if (!isOpen()) {
        setError(error, QStringLiteral("No run database is open"));
        return false;
    }
    Q_ASSERT_X(QThread::currentThread() == m_thread, "RunStore",
               "used from a thread other than the one that opened it");
    return true;
}

std::optional<qint64> RunStore::beginRun(const RunRecord &record, QString *error)
{
    if (!checkOpen(error)) return std::nullopt;
    const QDateTime startedAt =
        record.startedAt.isValid() ? record.startedAt : QDateTime::currentDateTimeUtc();
    const QString sha256 =
        record.topologySha256.isEmpty()
            ? QString::fromLatin1(
                  QCryptographicHash::hash(record.topologyJson, QCryptographicHash::Sha256).toHex())
            : record.topologySha256;

    QSqlQuery query(m_db);
    query.prepare(
        QStringLiteral("INSERT INTO runs (started_at, topology_name, topology_json, topology_sha256,"
                       " seed, stop_condition, status, note)"
                       " VALUES (:started_at, :topology_name, :topology_json, :topology_sha256,"
                       " :seed, :stop_condition, :status, :note)"));
    query.bindValue(QStringLiteral(":started_at"), toStoredTime(startedAt));
    query.bindValue(QStringLiteral(":topology_name"), notNull(record.topologyName));
    query.bindValue(QStringLiteral(":topology_json"), notNull(QString::fromUtf8(record.topologyJson)));
    query.bindValue(QStringLiteral(":topology_sha256"), sha256);
    query.bindValue(QStringLiteral(":seed"), static_cast<qint64>(record.seed));
    query.bindValue(QStringLiteral(":stop_condition"), notNull(record.stopCondition));
    query.bindValue(QStringLiteral(":status"), QString(RunStatus::Running));
    query.bindValue(QStringLiteral(":note"), notNull(record.note));
    if (!query.exec()) {
        setError(error,
                 failure(QStringLiteral("cannot record the run (%1)").arg(reasonOf(query.lastError()))));
        return std::nullopt;
    }
    return query.lastInsertId().toLongLong();
}

bool RunStore::finishRun(qint64 id, const QString &status, const QByteArray &summaryJson,
                         const QList<RunMetric> &metrics, QString *error)
{
    if (!checkOpen(error)) return false;
    if (status != RunStatus::Finished && status != RunStatus::Failed && status != RunStatus::Stopped) {
        setError(error, failure(QStringLiteral("cannot finish run #%1 with status \"%2\" (expected finished, "
                                               "failed or stopped)")
                                    .arg(id)
                                    .arg(status)));
        return false;
    }
    if (!m_db.transaction()) {
        setError(
            error,
            failure(QStringLiteral("cannot finish run #%1 (%2)").arg(id).arg(reasonOf(m_db.lastError()))));
        return false;
    }
    auto fail = [&](const QString &reason) {
        m_db.rollback();
        setError(error, failure(QStringLiteral("cannot finish run #%1 (%2)").arg(id).arg(reason)));
        return false;
    };

    QSqlQuery query(m_db);
    query.prepare(QStringLiteral("UPDATE runs SET status = :status, finished_at = :finished_at,"
                                 " summary_json = :summary_json WHERE id = :id AND status = :running"));
    query.bindValue(QStringLiteral(":status"), status);
    query.bindValue(QStringLiteral(":finished_at"), toStoredTime(QDateTime::currentDateTimeUtc()));
    query.bindValue(QStringLiteral(":summary_json"), nullableText(summaryJson));
    query.bindValue(QStringLiteral(":id"), id);
    query.bindValue(QStringLiteral(":running"), QString(RunStatus::Running));
    if (!query.exec()) return fail(reasonOf(query.lastError()));
    if (query.numRowsAffected() != 1) {
        QSqlQuery lookup(m_db);
        lookup.prepare(QStringLiteral("SELECT status FROM runs WHERE id = :id"));
        lookup.bindValue(QStringLiteral(":id"), id);
        if (!lookup.exec()) return fail(reasonOf(lookup.lastError()));
        if (!lookup.next()) return fail(QStringLiteral("no such run"));
        const QString current = lookup.value(0).toString();
        lookup.finish();
        return fail(QStringLiteral("it is already %1").arg(current));
    }

    QSqlQuery insert(m_db);
    insert.prepare(QStringLiteral("INSERT INTO run_metrics (run_id, name, node, value)"
                                  " VALUES (:run_id, :name, :node, :value)"));
    for (const RunMetric &metric : metrics) {
        insert.bindValue(QStringLiteral(":run_id"), id);
        insert.bindValue(QStringLiteral(":name"), notNull(metric.name));
        insert.bindValue(QStringLiteral(":node"), notNull(metric.node));
        insert.bindValue(QStringLiteral(":value"), std::isnan(metric.value)
                                                       ? QVariant(QMetaType::fromType<double>())
                                                       : QVariant(metric.value));
        if (!insert.exec())
            return fail(QStringLiteral("metric \"%1\" at node \"%2\": %3")
                            .arg(metric.name, metric.node, reasonOf(insert.lastError())));
    }
    if (!m_db.commit()) return fail(reasonOf(m_db.lastError()));
    return true;
}

QList<RunRecord> RunStore::runs(QString *error) const
{
    if (!checkOpen(error)) return {};
    QSqlQuery query(m_db);
    query.setForwardOnly(true);
    if (!query.exec(
            QStringLiteral("SELECT %1 FROM runs ORDER BY started_at DESC, id DESC").arg(RunColumns))) {
        setError(error,
                 failure(QStringLiteral("cannot list the runs (%1)").arg(reasonOf(query.lastError()))));
        return {};
    }
    QList<RunRecord> records;
    while (query.next())
        records << recordFrom(query);
    if (query.lastError().isValid()) {
        setError(error,
                 failure(QStringLiteral("cannot list the runs (%1)").arg(reasonOf(query.lastError()))));
        return {};
    }
    return records;
}

std::optional<RunRecord> RunStore::run(qint64 id, QString *error) const
{
    if (!checkOpen(error)) return std::nullopt;
    QSqlQuery query(m_db);
    query.setForwardOnly(true);
    query.prepare(QStringLiteral("SELECT %1 FROM runs WHERE id = :id").arg(RunColumns));
    query.bindValue(QStringLiteral(":id"), id);
    if (!query.exec()) {
        setError(
            error,
            failure(QStringLiteral("cannot read run #%1 (%2)").arg(id).arg(reasonOf(query.lastError()))));
        return std::nullopt;
    }
    if (!query.next()) {
        setError(error, failure(QStringLiteral("there is no run #%1").arg(id)));
        return std::nullopt;
    }
    return recordFrom(query);
}

QList<RunMetric> RunStore::metrics(qint64 id, QString *error) const
{
    if (!checkOpen(error)) return {};
    QSqlQuery query(m_db);
    query.setForwardOnly(true);
    query.prepare(
        QStringLiteral("SELECT name, node, value FROM run_metrics WHERE run_id = :id ORDER BY name, node"));
    query.bindValue(QStringLiteral(":id"), id);
    if (!query.exec()) {
        setError(error, failure(QStringLiteral("cannot read the metrics of run #%1 (%2)")
                                    .arg(id)
                                    .arg(reasonOf(query.lastError()))));
        return {};
    }
    QList<RunMetric> result;
    while (query.next()) {
        const QVariant value = query.value(2);
        result << RunMetric{query.value(0).toString(), query.value(1).toString(),
                            value.isNull() ? std::numeric_limits<double>::quiet_NaN() : value.toDouble()};
    }
    return result;
}

bool RunStore::deleteRun(qint64 id, QString *error)
{
    if (!checkOpen(error)) return false;
    QSqlQuery query(m_db);
    query.prepare(QStringLiteral("DELETE FROM runs WHERE id = :id"));
    query.bindValue(QStringLiteral(":id"), id);
    if (!query.exec()) {
        setError(
            error,
            failure(QStringLiteral("cannot delete run #%1 (%2)").arg(id).arg(reasonOf(query.lastError()))));
        return false;
    }
    if (query.numRowsAffected() != 1) {
        setError(error, failure(QStringLiteral("cannot delete run #%1 (no such run)").arg(id)));
        return false;
    }
    return true;
}

bool RunStore::setNote(qint64 id, const QString &note, QString *error)
{
    if (!checkOpen(error)) return false;
    QSqlQuery query(m_db);
    query.prepare(QStringLiteral("UPDATE runs SET note = :note WHERE id = :id"));
    query.bindValue(QStringLiteral(":note"), notNull(note));
    query.bindValue(QStringLiteral(":id"), id);
    if (!query.exec()) {
        setError(error, failure(QStringLiteral("cannot save the note of run #%1 (%2)")
                                    .arg(id)
                                    .arg(reasonOf(query.lastError()))));
        return false;
    }
    if (query.numRowsAffected() != 1) {
        setError(error, failure(QStringLiteral("cannot save the note of run #%1 (no such run)").arg(id)));
        return false;
    }
    return true;
}

} // namespace sb
