#include "recoverystore.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QLockFile>
#include <QSaveFile>
#include <QUuid>

#include <algorithm>

namespace sb {

namespace {
constexpr const char *kFormat = "signalbox-recovery";
QString tr(const char *text)
{
    return QCoreApplication::translate("sb::RecoveryStore", text);
}
QString lockPathOf(const QString &recoveryPath)
{
    return recoveryPath.left(recoveryPath.size() - int(qstrlen(".json"))) + QStringLiteral(".lock");
}
} // namespace

RecoveryStore::RecoveryStore(const QString &dir)
    : m_dir(dir),
      m_path(QDir(dir).filePath(QUuid::createUuid().toString(QUuid::WithoutBraces) + QStringLiteral(".json")))
{
}

RecoveryStore::~RecoveryStore() = default;

bool RecoveryStore::lock(QString *error)
{
    if (m_lock) return true;
    if (!QDir().mkpath(m_dir)) {
        if (error) *error = tr("cannot create the folder %1").arg(QDir::toNativeSeparators(m_dir));
        return false;
    }
    auto lock = std::make_unique<QLockFile>(lockPathOf(m_path));
    lock->setStaleLockTime(0); // a lock is stale only when its process is gone
    if (!lock->tryLock(0)) {
        if (error) *error = tr("cannot lock %1").arg(QDir::toNativeSeparators(lockPathOf(m_path)));
        return false;
    }
    m_lock = std::move(lock);
    return true;
}

bool RecoveryStore::hasSaved() const
{
    return QFileInfo::exists(m_path);
}

bool RecoveryStore::save(const Topology &topology, const QString &originalFile, QString *error)
{
    if (!lock(error)) return false;
    Json j;
    j["format"] = kFormat;
    j["version"] = 1;
    j["file"] = originalFile.toStdString();
    j["saved"] = QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs).toStdString();
    j["topology"] = Json::parse(serializeTopology(topology));
    const std::string text = j.dump(1);
    QSaveFile file(m_path);
    if (!file.open(QIODevice::WriteOnly) ||
        file.write(text.data(), qint64(text.size())) != qint64(text.size()) || !file.commit()) {
        if (error) *error = tr("%1: %2").arg(QDir::toNativeSeparators(m_path), file.errorString());
        return false;
    }
    return true;
}

void RecoveryStore::discard()
{
    QFile::remove(m_path);
}

QList<RecoveryStore::Recovery> RecoveryStore::orphaned() const
{
    QList<Recovery> out;
    const QDir dir(m_dir);
    for (const QFileInfo &info : dir.entryInfoList({QStringLiteral("*.json")}, QDir::Files)) {
        const QString path = info.absoluteFilePath();
        if (path == QFileInfo(m_path).absoluteFilePath()) continue;
        // A lock another running window holds means the work is still open there.
        QLockFile owner(lockPathOf(path));
        owner.setStaleLockTime(0);
        if (!owner.tryLock(0)) continue;
        owner.unlock();
        QString originalFile;
        const auto topology = load(path, &originalFile);
        Recovery r;
        r.path = path;
        r.originalFile = originalFile;
        r.name = topology ? QString::fromStdString(topology->name) : QString();
        r.saved = info.lastModified();
        out << r;
    }
    std::sort(out.begin(), out.end(), [](const Recovery &a, const Recovery &b) { return a.saved > b.saved; });
    return out;
}

std::optional<Topology> RecoveryStore::load(const QString &path, QString *originalFile, QString *error)
{
    QFile file(path);
    const QString where = QDir::toNativeSeparators(path);
    if (!file.open(QIODevice::ReadOnly)) {
        if (error) *error = tr("%1: %2").arg(where, file.errorString());
        return std::nullopt;
    }
    JsonError jsonError; // parseJson: no throw on 1e400, no stack overflow on deep nesting
    const Json j = parseJson(file.readAll().toStdString(), jsonError).value_or(Json());
    if (!j.is_object() || j.value("format", std::string()) != kFormat || !j.contains("topology")) {
        if (error) *error = tr("%1: not a Signalbox recovery file").arg(where);
        return std::nullopt;
    }
    const LoadResult result = parseTopology(j["topology"].dump(), path.toStdString() + "#topology");
    if (!result.ok()) {
        if (error) *error = tr("%1: %2").arg(where, QString::fromStdString(result.errorText()));
        return std::nullopt;
    }
    if (originalFile) *originalFile = QString::fromStdString(j.value("file", std::string()));
    return result.topology;
}

void RecoveryStore::remove(const QString &path)
{
    QFile::remove(path);
    QFile::remove(lockPathOf(path));
}

} // namespace sb
