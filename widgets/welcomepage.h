#pragma once
// The page shown at start when no file is given: start a new topology, open one, reopen a recent
// one, or open one of the bundled examples from a gallery of cards (picture, name, what it shows).
#include <QElapsedTimer>
#include <QWidget>

class QListView;
class QListWidget;
class QListWidgetItem;
class QModelIndex;
class QPushButton;

namespace sb {

class ExamplesModel;

class WelcomePage : public QWidget {
    Q_OBJECT

public:
    explicit WelcomePage(QWidget *parent = nullptr);

    ExamplesModel *examples() const { return m_examples; }
    QListView *examplesView() const { return m_examplesView; }
    QListWidget *recentList() const { return m_recent; }
    // Shows these files (most recent first) under "Recent".
    void setRecentFiles(const QStringList &files);

signals:
    void newRequested();
    void openRequested();
    // `path` is the example's resource path (":/examples/NAME.json").
    void exampleActivated(const QString &path);
    void recentActivated(const QString &path);

private:
    void openExample(const QModelIndex &index);

    ExamplesModel *m_examples;
    QListView *m_examplesView;
    QListWidget *m_recent;
    QPushButton *m_newButton;
    QPushButton *m_openButton;
    QString m_lastOpened;        // the example opened last, and how long ago: a double click's
    QElapsedTimer m_sinceOpened; // second click does not open it again
};

} // namespace sb
