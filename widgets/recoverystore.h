#pragma once
// Autosave's storage: each window's unsaved work is written, from time to time, to a recovery file
// of its own in a folder beside the run history. A running window holds a lock on its file; a file
// whose lock nobody holds was left by a session that ended without saving (a crash, a kill), and
// is offered back at the next start.
#include "topology.h"

#include <QDateTime>
#include <QList>
#include <QString>

#include <memory>
#include <optional>

class QLockFile;

namespace sb {

class RecoveryStore {
public:
    struct Recovery {
        QString path;         // the recovery file
        QString originalFile; // the topology file the work belongs to; empty when untitled
        QString name;         // the topology's name
        QDateTime saved;
    };

    // `dir` is created when first written to.
    explicit RecoveryStore(const QString &dir);
    // Releases the lock; the recovery file stays (discard() removes it).
    ~RecoveryStore();
    RecoveryStore(const RecoveryStore &) = delete;
    RecoveryStore &operator=(const RecoveryStore &) = delete;

    QString dir() const { return m_dir; }
    // This session's recovery file.
    QString path() const { return m_path; }
    bool hasSaved() const;

    // Writes `topology` and the file it belongs to, atomically. On failure says why.
    bool save(const Topology &topology, const QString &originalFile, QString *error = nullptr);
    // Removes this session's recovery file (after a save, or when the work was discarded).
    void discard();

    // Recovery files that no running session owns, newest first.
    QList<Recovery> orphaned() const;
    // Reads a recovery file; on failure says why (naming the file).
    static std::optional<Topology> load(const QString &path, QString *originalFile, QString *error = nullptr);
    static void remove(const QString &path);

private:
    bool lock(QString *error);

    QString m_dir;
    QString m_path;
    std::unique_ptr<QLockFile> m_lock;
};

} // namespace sb
