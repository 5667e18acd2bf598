#pragma once

#include <QByteArray>
#include <QDateTime>
#include <QList>
#include <QSqlDatabase>
#include <QString>

#include <optional>

class QThread;

namespace sb {

// The values of the runs.status column. A run is Running from beginRun until finishRun gives it
// one of the other three, which are final.
namespace RunStatus {
inline constexpr QLatin1StringView Running{"running"};
inline constexpr QLatin1StringView Finished{"finished"}; // reached its stop condition
inline constexpr QLatin1StringView Failed{"failed"};     // the engine reported an error
inline constexpr QLatin1StringView Stopped{"stopped"};   // the user stopped it early
} // namespace RunStatus

// One row of the runs table.
struct RunRecord {
    qint64 id = 0;        // assigned by beginRun; ignored on input
    QDateTime startedAt;  // beginRun uses the current time when invalid; read back in UTC, ms precision
    QDateTime finishedAt; // invalid while the run is running
    QString topologyName;
    QByteArray topologyJson; // UTF-8
    QString topologySha256;  // lowercase hex; beginRun hashes topologyJson when this is empty
    // Unsigned so that any 64-bit generator seed fits. SQLite integers are signed, so values above
    // INT64_MAX are stored by bit pattern and look negative to a raw SQL query, yet round-trip here.
    quint64 seed = 0;
    QString stopCondition;
    QString status;         // a RunStatus value; beginRun always stores Running
    QByteArray summaryJson; // empty until finishRun
    QString note;

    friend bool operator==(const RunRecord &, const RunRecord &) = default;
};

// One flat numeric result of a run, such as name "delivered" at node "q1".
struct RunMetric {
    QString name;
    QString node; // empty for a metric of the whole run
    // NaN (a mean over nothing, say) is kept: SQLite stores it as NULL and it reads back as NaN.
    double value = 0;

    friend bool operator==(const RunMetric &, const RunMetric &) = default;
};

// The SQLite file in which every run is kept. open() accepts only a new or empty file or a
// Signalbox run database it can read, and never alters or deletes a file it rejects.
// Not thread-safe: use an instance only on the thread that opened it, as QSqlDatabase requires.
// Every call that can fail takes an optional error out-parameter, set only on failure to a
// sentence that names the file and the reason.
class RunStore {
public:
    static constexpr int SchemaVersion = 1;
    // Stored in PRAGMA application_id so that another program's SQLite file that happens to use
    // user_version is not mistaken for ours. "SBox" in ASCII.
    static constexpr qint32 ApplicationId = 0x53426f78;

    RunStore();
    ~RunStore();
    Q_DISABLE_COPY_MOVE(RunStore)

    // Opens or creates the database at path, upgrading an older schema. Closes any database this
    // instance had open first. ":memory:" gives a private in-memory database (for tests).
    bool open(const QString &path, QString *error = nullptr);
    void close();
    bool isOpen() const;
    QString path() const { return m_path; }

    // Records a run as running and returns its id. Ids are never reused, even after deleteRun,
    // because users quote them ("run #12").
    std::optional<qint64> beginRun(const RunRecord &record, QString *error = nullptr);
    // Gives a running run its final status (finished, failed or stopped), finish time, summary
    // and metrics, all or nothing. Fails for a run that is not running.
    bool finishRun(qint64 id, const QString &status, const QByteArray &summaryJson,
                   const QList<RunMetric> &metrics, QString *error = nullptr);

    // Newest first (by start time, then id). Returns an empty list on failure.
    QList<RunRecord> runs(QString *error = nullptr) const;
    // std::nullopt, with the error set, when the run does not exist or cannot be read.
    std::optional<RunRecord> run(qint64 id, QString *error = nullptr) const;
    // Sorted by name, then node. Empty for an unknown run.
    QList<RunMetric> metrics(qint64 id, QString *error = nullptr) const;

    // Deletes the run and, through the foreign key, its metrics.
    bool deleteRun(qint64 id, QString *error = nullptr);
    bool setNote(qint64 id, const QString &note, QString *error = nullptr);

private:
    bool openDatabase(const QString &path, QString *error);
    bool checkOpen(QString *error) const;
    bool migrate(QString *error);
    QString failure(const QString &reason) const;

    QString m_connectionName;
    QSqlDatabase m_db;
    QString m_path;
    QThread *m_thread = nullptr; // the thread that opened m_db; asserted on every use
};

} // namespace sb
