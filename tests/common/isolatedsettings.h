#pragma once
// Keeps a GUI test's settings, run store and recovery files out of the user's own: everything goes
// under a temporary folder, under an application name of its own.
#include <QApplication>
#include <QFile>
#include <QSettings>
#include <QTemporaryDir>

namespace sbtest {

inline void isolateUserFiles(const QTemporaryDir &dir)
{
    QApplication::setOrganizationName(QStringLiteral("SignalboxTest"));
    QApplication::setApplicationName(QStringLiteral("SignalboxTest"));
    QSettings::setPath(QSettings::NativeFormat, QSettings::UserScope, dir.filePath(QStringLiteral("config")));
    QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, dir.filePath(QStringLiteral("config")));
    qputenv("XDG_DATA_HOME", QFile::encodeName(dir.filePath(QStringLiteral("data"))));
}

} // namespace sbtest
