#pragma once
// The file side of the workbench: open, save, save as, new and recent files, bundled examples,
// dropped files, autosave and recovery of unsaved work, and the clipboard. It loads what it opens
// into the engine first (a topology the engine refuses is not adopted) and says what went wrong
// in one dialog at a time. The window reacts to its signals; it keeps none of the file state.
#include "recoverystore.h"

#include <QMessageBox>
#include <QObject>
#include <QPointer>
#include <QStringList>

#include <memory>

class QMimeData;
class QTimer;
class QWidget;

namespace sb {

class EngineHost;
class TopologyDocument;
struct Topology;

class DocumentController : public QObject {
    Q_OBJECT

public:
    static constexpr int kDefaultAutosaveInterval = 30000;
    static constexpr int kMaxRecentFiles = 8;

    // Dialogs are parented to `dialogParent`; unsaved work is autosaved under `recoveryDir`.
    DocumentController(TopologyDocument *document, EngineHost *engine, QWidget *dialogParent,
                       const QString &recoveryDir, QObject *parent = nullptr);
    ~DocumentController() override;

    QString currentFile() const { return m_currentFile; }
    // Loads a topology file and adopts it. On failure shows every problem found (non-modally) and
    // keeps the current document.
    bool openFile(const QString &path);
    // Opens a bundled example (":/examples/NAME.json") as a new, untitled topology.
    bool openExample(const QString &resourcePath);
    // Writes the document to `path` atomically (QSaveFile); on failure says why and keeps the
    // document modified. An empty path means the current file (or asks for one when untitled).
    bool saveFile(const QString &path = {});
    // Asks for a file name and saves there.
    void saveAs();
    // Asks for a topology file and opens it.
    void open();
    // Starts an empty, untitled topology (after asking about unsaved changes).
    void newDocument();
    // Asks whether to save unsaved changes; false when the user cancels.
    bool maybeSave();

    // The recently opened or saved files, newest first.
    static QStringList recentFiles();
    static void clearRecentFiles();

    // The topology files among dropped URLs.
    static QStringList droppedFiles(const QMimeData *mime);
    // Opens the first of `files`; more are named as not opened.
    void openDropped(const QStringList &files);

    // The clipboard carries nodes as topology JSON, under its own MIME type and as text, so a
    // selection can be pasted into another window or read in an editor.
    static constexpr const char *kTopologyMimeType = "application/x-signalbox-topology";
    void copy(const QStringList &nodeIds);
    void cut(const QStringList &nodeIds);
    // The ids of the nodes pasted (empty: nothing pasted; the status bar says why).
    QStringList paste();
    QStringList duplicate(const QStringList &nodeIds);

    void setAutosaveInterval(int ms);
    int autosaveInterval() const;
    void autosaveNow();
    RecoveryStore *recoveryStore() const { return m_recovery.get(); }
    // Work left by sessions that ended without saving it, newest first.
    QList<RecoveryStore::Recovery> recoverableWork() const;
    // Restores recovered work over the file it belongs to (or an empty document) as one undo step.
    bool recover(const QString &recoveryPath);
    // Asks, without blocking, whether to recover each piece of work left behind.
    void offerRecovery();
    // What the recovery question calls a piece of work: its file's name, else the untitled
    // topology's own name ("(no name)" only when it has none).
    static QString recoveryText(const RecoveryStore::Recovery &recovery);

    // Says, in a dialog, why `path` could not be opened.
    void showLoadError(const QString &path, const QStringList &problems);
    // The dialog showing now, if any; later ones wait until it closes.
    QMessageBox *currentDialog() const { return m_dialog; }

signals:
    // A file or example became the document; `warnings` are the file's.
    void documentOpened(const QStringList &warnings);
    // The document became an empty, untitled one.
    void documentCleared();
    // Recovered work became the document.
    void documentRecovered();
    // The file the document is saved as changed (or it was saved).
    void currentFileChanged(const QString &path);
    void recentFilesChanged();
    // A message for the status bar.
    void messagePosted(const QString &text, int timeoutMs);

private:
    // Makes `topology` the document (saved as `filePath`, empty: untitled) after the engine took it;
    // `where` names it in an error.
    bool adoptTopology(const Topology &topology, const QString &filePath, const QString &where,
                       const QStringList &warnings);
    void addRecentFile(const QString &path);
    // Shows `box` now, or once the dialogs before it closed: one message at a time.
    void showDialog(QMessageBox *box);
    void showNextDialog();

    TopologyDocument *m_document = nullptr;
    EngineHost *m_engine = nullptr;
    QWidget *m_dialogParent = nullptr;
    QString m_currentFile;
    std::unique_ptr<RecoveryStore> m_recovery;
    QTimer *m_autosaveTimer = nullptr;
    QPointer<QMessageBox> m_dialog;
    QList<QPointer<QMessageBox>> m_queuedDialogs;
};

} // namespace sb
