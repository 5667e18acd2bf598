#pragma once
// Files tests read: the bundled examples and the broken topologies in tests/data.
// SIGNALBOX_EXAMPLES_DIR and SIGNALBOX_TEST_DATA_DIR come from tests/CMakeLists.txt.
#include <QDir>
#include <QFile>
#include <QStringList>

namespace sbtest {

inline QStringList exampleFiles()
{
    QStringList files;
    const QDir dir(QStringLiteral(SIGNALBOX_EXAMPLES_DIR));
    for (const QString &name : dir.entryList({QStringLiteral("*.json")}, QDir::Files, QDir::Name))
        files << dir.filePath(name);
    return files;
}

inline QString dataFile(const char *name)
{
    return QDir(QStringLiteral(SIGNALBOX_TEST_DATA_DIR)).filePath(QLatin1String(name));
}

inline QByteArray readAll(const QString &path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

} // namespace sbtest
