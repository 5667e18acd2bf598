#include "documentcontroller.h"

#include "enginehost.h"
#include "topologydocument.h"

#include <QClipboard>
#include <QDir>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QGuiApplication>
#include <QLocale>
#include <QMessageBox>
#include <QMimeData>
#include <QPushButton>
#include <QSaveFile>
#include <QSettings>
#include <QTimer>
#include <QUrl>

namespace sb {

namespace {

const QString kRecentFilesKey = QStringLiteral("recentFiles");

// "1 node", "5 nodes": the app ships no translations, so tr()'s %n plurals would show "node(s)".
QString count(qint64 n, const char *one, const char *many)
{
    return QStringLiteral("%1 %2").arg(QLocale().toString(n), DocumentController::tr(n == 1 ? one : many));
}

// One problem of a file, without the file name: the message naming the file says it once.
QString diagnosticText(const Diagnostic &d)
{
    const QString what =
        (d.severity == Diagnostic::Severity::Warning ? DocumentController::tr("warning: ") : QString()) +
        QString::fromStdString(d.message);
    if (d.line > 0)
        return DocumentController::tr("line %1, column %2: %3").arg(d.line).arg(d.column).arg(what);
    if (!d.path.empty()) return QString::fromStdString(d.path) + QLatin1String(": ") + what;
    return what;
}

} // namespace

DocumentController::DocumentController(TopologyDocument *document, EngineHost *engine, QWidget *dialogParent,
                                       const QString &recoveryDir, QObject *parent)
    : QObject(parent), m_document(document), m_engine(engine), m_dialogParent(dialogParent),
      m_recovery(std::make_unique<RecoveryStore>(recoveryDir))
{
    // Autosave: unsaved work goes to a recovery file of this window's own.
    m_autosaveTimer = new QTimer(this);
    m_autosaveTimer->setInterval(kDefaultAutosaveInterval);
    connect(m_autosaveTimer, &QTimer::timeout, this, &DocumentController::autosaveNow);
    m_autosaveTimer->start();
}

DocumentController::~DocumentController() = default;

QStringList DocumentController::recentFiles()
{
    return QSettings().value(kRecentFilesKey).toStringList();
}

void DocumentController::clearRecentFiles()
{
    QSettings().remove(kRecentFilesKey);
}

QStringList DocumentController::droppedFiles(const QMimeData *mime)
{
    QStringList files;
    if (!mime || !mime->hasUrls()) return files;
    for (const QUrl &url : mime->urls())
        if (url.isLocalFile() && url.toLocalFile().endsWith(QLatin1String(".json"), Qt::CaseInsensitive))
            files << url.toLocalFile();
    return files;
}

void DocumentController::openDropped(const QStringList &files)
{
    if (files.isEmpty()) return;
    // One document a window: the first file opens; more are named as not opened.
    openFile(files.first());
    if (files.size() > 1)
        Q_EMIT messagePosted(tr("Opened %1; one file at a time, %2 not opened")
                                 .arg(QFileInfo(files.first()).fileName())
                                 .arg(files.size() - 1),
                             8000);
}

bool DocumentController::openFile(const QString &path)
{
    if (!maybeSave()) return false;
    const LoadResult result = loadTopologyFile(path.toStdString());
    QStringList warnings;
    for (const Diagnostic &d : result.diagnostics)
        if (d.severity == Diagnostic::Severity::Warning) warnings << diagnosticText(d);
    if (!result.ok()) {
        QStringList problems;
        for (const Diagnostic &d : result.diagnostics)
            problems << diagnosticText(d);
        showLoadError(path, problems);
        return false;
    }
    if (!adoptTopology(*result.topology, QFileInfo(path).absoluteFilePath(), path, warnings)) return false;
    addRecentFile(m_currentFile);
    Q_EMIT messagePosted(warnings.isEmpty() ? tr("Opened %1").arg(QDir::toNativeSeparators(m_currentFile))
                                            : tr("Opened %1 with %2")
                                                  .arg(QDir::toNativeSeparators(m_currentFile),
                                                       count(warnings.size(), "warning", "warnings")),
                         5000);
    return true;
}

bool DocumentController::adoptTopology(const Topology &topology, const QString &filePath,
                                       const QString &where, const QStringList &warnings)
{
    QString error;
    if (!m_engine->load(topology, &error)) {
        showLoadError(where, error.split(QLatin1Char('\n'), Qt::SkipEmptyParts));
        return false;
    }
    m_currentFile = filePath;
    m_document->setTopology(topology);
    m_document->setFilePath(filePath);
    m_document->setClean();
    m_recovery->discard();
    Q_EMIT documentOpened(warnings);
    Q_EMIT currentFileChanged(m_currentFile);
    return true;
}

bool DocumentController::maybeSave()
{
    if (!m_document->isModified()) return true;
    const auto answer = QMessageBox::warning(
        m_dialogParent, tr("Unsaved changes"),
        tr("%1 has changes that are not saved. Save them?")
            .arg(m_currentFile.isEmpty() ? tr("The topology") : QFileInfo(m_currentFile).fileName()),
        QMessageBox::Save | QMessageBox::Discard | QMessageBox::Cancel, QMessageBox::Save);
    if (answer == QMessageBox::Save) return saveFile();
    return answer == QMessageBox::Discard;
}

void DocumentController::newDocument()
{
    if (!maybeSave()) return;
    m_currentFile.clear();
    m_document->clear();
    m_recovery->discard();
    Q_EMIT documentCleared();
    Q_EMIT currentFileChanged(m_currentFile);
}

bool DocumentController::saveFile(const QString &requested)
{
    const QString path = requested.isEmpty() ? m_currentFile : requested;
    if (path.isEmpty()) {
        saveAs();
        return !m_document->isModified();
    }
    // QSaveFile writes beside the target and renames over it: a failed save leaves the old file.
    QSaveFile file(path);
    const std::string text = serializeTopology(m_document->topology());
    QString error;
    if (!file.open(QIODevice::WriteOnly))
        error = file.errorString();
    else if (file.write(text.data(), qint64(text.size())) != qint64(text.size()))
        error = file.errorString();
    else if (!file.commit())
        error = file.errorString();
    if (!error.isEmpty()) {
        auto *box = new QMessageBox(
            QMessageBox::Warning, tr("Cannot save topology"),
            tr("Signalbox could not save %1:\n\n%2").arg(QDir::toNativeSeparators(path), error),
            QMessageBox::Ok, m_dialogParent);
        box->setObjectName(QStringLiteral("saveErrorDialog"));
        box->setAttribute(Qt::WA_DeleteOnClose);
        showDialog(box);
        return false;
    }
    m_currentFile = QFileInfo(path).absoluteFilePath();
    m_document->setFilePath(m_currentFile);
    m_document->setClean();
    m_recovery->discard();
    addRecentFile(m_currentFile);
    Q_EMIT currentFileChanged(m_currentFile);
    Q_EMIT messagePosted(tr("Saved %1").arg(QDir::toNativeSeparators(m_currentFile)), 5000);
    return true;
}

void DocumentController::saveAs()
{
    const QString dir = m_currentFile.isEmpty() ? QString() : QFileInfo(m_currentFile).absolutePath();
    QString path = QFileDialog::getSaveFileName(m_dialogParent, tr("Save topology"), dir,
                                                tr("Signalbox topology (*.json)"));
    if (path.isEmpty()) return;
    if (QFileInfo(path).suffix().isEmpty()) path += QStringLiteral(".json");
    saveFile(path);
}

void DocumentController::open()
{
    const QString dir = m_currentFile.isEmpty() ? QString() : QFileInfo(m_currentFile).absolutePath();
    const QString path = QFileDialog::getOpenFileName(m_dialogParent, tr("Open topology"), dir,
                                                      tr("Signalbox topology (*.json)"));
    if (!path.isEmpty()) openFile(path);
}

bool DocumentController::openExample(const QString &resourcePath)
{
    if (!maybeSave()) return false;
    QFile file(resourcePath);
    const QString name = QFileInfo(resourcePath).fileName();
    if (!file.open(QIODevice::ReadOnly)) {
        showLoadError(name, {file.errorString()});
        return false;
    }
    const LoadResult result = parseTopology(file.readAll().toStdString(), name.toStdString());
    if (!result.ok()) {
        showLoadError(name, QString::fromStdString(result.errorText()).split(QLatin1Char('\n')));
        return false;
    }
    // Untitled: Save asks where, so the bundled copy is never written.
    if (!adoptTopology(*result.topology, QString(), name, {})) return false;
    Q_EMIT messagePosted(tr("Opened the example \u201c%1\u201d: Save As keeps your changes")
                             .arg(QString::fromStdString(result.topology->name)),
                         8000);
    return true;
}

void DocumentController::showLoadError(const QString &path, const QStringList &problems)
{
    // Non-modal, so that the window (and a test driving it) carries on while the message is up.
    auto *box = new QMessageBox(QMessageBox::Warning, tr("Cannot open topology"),
                                tr("Signalbox could not open %1:").arg(QDir::toNativeSeparators(path)) +
                                    QStringLiteral("\n\n") + problems.join(QLatin1Char('\n')),
                                QMessageBox::Ok, m_dialogParent);
    box->setObjectName(QStringLiteral("loadErrorDialog"));
    box->setTextFormat(Qt::PlainText);
    box->setAttribute(Qt::WA_DeleteOnClose);
    showDialog(box);
}

void DocumentController::setAutosaveInterval(int ms)
{
    m_autosaveTimer->setInterval(ms);
}

int DocumentController::autosaveInterval() const
{
    return m_autosaveTimer->interval();
}

void DocumentController::autosaveNow()
{
    if (!m_document->isModified()) {
        if (m_recovery->hasSaved()) m_recovery->discard();
        return;
    }
    QString error;
    if (!m_recovery->save(m_document->topology(), m_currentFile, &error))
        Q_EMIT messagePosted(tr("Autosave failed: %1").arg(error), 10000);
}

QList<RecoveryStore::Recovery> DocumentController::recoverableWork() const
{
    return m_recovery->orphaned();
}

bool DocumentController::recover(const QString &recoveryPath)
{
    QString originalFile, error;
    const auto topology = RecoveryStore::load(recoveryPath, &originalFile, &error);
    if (!topology) {
        showLoadError(recoveryPath, {error});
        return false;
    }
    // The saved file first (when it still opens), then the unsaved work over it as one step.
    bool opened = false;
    if (!originalFile.isEmpty() && QFileInfo::exists(originalFile)) opened = openFile(originalFile);
    if (!opened) {
        if (!maybeSave()) return false;
        newDocument();
    }
    if (!m_document->replaceTopology(*topology, tr("Recover unsaved work"), &error)) {
        showLoadError(recoveryPath, {error});
        return false;
    }
    if (!opened)
        m_currentFile = originalFile.isEmpty() || QFileInfo::exists(originalFile) ? QString() : originalFile;
    Q_EMIT currentFileChanged(m_currentFile);
    Q_EMIT documentRecovered();
    RecoveryStore::remove(recoveryPath);
    autosaveNow(); // the recovered work is this window's unsaved work now
    Q_EMIT messagePosted(tr("Recovered unsaved work; Undo goes back to the saved file"), 8000);
    return true;
}

QString DocumentController::recoveryText(const RecoveryStore::Recovery &r)
{
    // A file names the work; an untitled topology has only its own name, if any.
    if (!r.originalFile.isEmpty()) return QFileInfo(r.originalFile).fileName();
    return r.name.isEmpty() ? tr("an untitled topology (no name)")
                            : tr("the untitled topology \u201c%1\u201d").arg(r.name);
}

void DocumentController::showDialog(QMessageBox *box)
{
    // One message at a time: two dialogs on top of each other hide one and confuse whose button
    // is whose, so a later one waits until the one showing closes.
    m_queuedDialogs.append(box);
    if (!m_dialog) showNextDialog();
}

void DocumentController::showNextDialog()
{
    while (!m_queuedDialogs.isEmpty() && !m_dialog)
        m_dialog = m_queuedDialogs.takeFirst();
    if (!m_dialog) return;
    connect(m_dialog, &QDialog::finished, this, [this] {
        m_dialog = nullptr;
        QTimer::singleShot(0, this, &DocumentController::showNextDialog);
    });
    m_dialog->open();
}

void DocumentController::offerRecovery()
{
    const QList<RecoveryStore::Recovery> left = recoverableWork();
    if (left.isEmpty()) return;
    const RecoveryStore::Recovery &r = left.first();
    auto *box =
        new QMessageBox(QMessageBox::Question, tr("Recover unsaved work"),
                        tr("Signalbox ended without saving changes to %1, autosaved %2.\n\nRecover them?")
                            .arg(recoveryText(r), QLocale().toString(r.saved, QLocale::ShortFormat)),
                        QMessageBox::NoButton, m_dialogParent);
    box->setObjectName(QStringLiteral("recoveryDialog"));
    QPushButton *recoverButton = box->addButton(tr("&Recover"), QMessageBox::AcceptRole);
    box->addButton(tr("&Discard"), QMessageBox::DestructiveRole);
    box->addButton(tr("&Later"), QMessageBox::RejectRole);
    box->setDefaultButton(recoverButton);
    box->setAttribute(Qt::WA_DeleteOnClose);
    const QString path = r.path;
    connect(box, &QMessageBox::buttonClicked, this,
            [this, box, path, recoverButton](QAbstractButton *button) {
                const auto role = box->buttonRole(button);
                if (button == static_cast<QAbstractButton *>(recoverButton))
                    recover(path);
                else if (role == QMessageBox::DestructiveRole)
                    RecoveryStore::remove(path);
                if (role != QMessageBox::RejectRole)
                    QTimer::singleShot(0, this, &DocumentController::offerRecovery);
            });
    showDialog(box);
}

void DocumentController::addRecentFile(const QString &path)
{
    QSettings settings;
    QStringList files = settings.value(kRecentFilesKey).toStringList();
    files.removeAll(path);
    files.prepend(path);
    while (files.size() > kMaxRecentFiles)
        files.removeLast();
    settings.setValue(kRecentFilesKey, files);
    Q_EMIT recentFilesChanged();
}

void DocumentController::copy(const QStringList &ids)
{
    if (ids.isEmpty()) return;
    const QByteArray json = m_document->copy(ids);
    auto *mime = new QMimeData;
    mime->setData(QLatin1String(kTopologyMimeType), json);
    mime->setText(QString::fromUtf8(json));
    QGuiApplication::clipboard()->setMimeData(mime);
    Q_EMIT messagePosted(tr("Copied %1").arg(count(ids.size(), "node", "nodes")), 3000);
}

void DocumentController::cut(const QStringList &ids)
{
    if (ids.isEmpty()) return;
    copy(ids);
    QString error;
    if (!m_document->removeItems(ids, {}, &error)) Q_EMIT messagePosted(error, 5000);
}

QStringList DocumentController::paste()
{
    const QMimeData *mime = QGuiApplication::clipboard()->mimeData();
    if (!mime) return {};
    const QString type = QLatin1String(kTopologyMimeType);
    const QByteArray json = mime->hasFormat(type) ? mime->data(type) : mime->text().toUtf8();
    if (json.trimmed().isEmpty()) return {};
    QString error;
    const QStringList pasted = m_document->paste(json, QPointF(40, 40), &error);
    if (pasted.isEmpty()) {
        Q_EMIT messagePosted(tr("Cannot paste: %1").arg(error), 8000);
        return {};
    }
    return pasted;
}

QStringList DocumentController::duplicate(const QStringList &ids)
{
    if (ids.isEmpty()) return {};
    QString error;
    const QStringList pasted = m_document->paste(m_document->copy(ids), QPointF(40, 40), &error);
    if (pasted.isEmpty()) Q_EMIT messagePosted(error, 5000);
    return pasted;
}

} // namespace sb
