#pragma once
// The page shown at start when no file is given: start a new topology, open one, reopen a recent
// one, or open one of the bundled examples from a gallery of cards (picture, paradigm and systems,
// name, what it shows), grouped by paradigm (a list to pick one, or all) with a search box.
#include <QElapsedTimer>
#include <QWidget>

class QLabel;
class QLineEdit;
class QListView;
class QListWidget;
class QListWidgetItem;
class QModelIndex;
class QPushButton;

namespace sb {

class ExamplesModel;
class GalleryFilterModel;

class WelcomePage : public QWidget {
    Q_OBJECT

public:
    explicit WelcomePage(QWidget *parent = nullptr);

    ExamplesModel *examples() const { return m_examples; }
    QListView *examplesView() const { return m_examplesView; }
    GalleryFilterModel *galleryFilter() const { return m_filter; }
    // The paradigms to pick from: "All examples" first (data: empty id), then each paradigm with
    // examples (Qt::UserRole: its id), with how many examples match the search.
    QListWidget *paradigmList() const { return m_paradigms; }
    QLineEdit *searchField() const { return m_search; }
    // The card of the example with this file name as the view shows it (invalid when filtered out).
    QModelIndex exampleIndex(const QString &fileName) const;
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
    void fillParadigms();
    void updateCounts();

    ExamplesModel *m_examples;
    QListView *m_examplesView;
    GalleryFilterModel *m_filter;
    QListWidget *m_paradigms;
    QLineEdit *m_search;
    QLabel *m_matches;
    QListWidget *m_recent;
    QPushButton *m_newButton;
    QPushButton *m_openButton;
    QString m_lastOpened;        // the example opened last, and how long ago: a double click's
    QElapsedTimer m_sinceOpened; // second click does not open it again
};

} // namespace sb
