#pragma once
// The welcome page's gallery as the person narrows it: one paradigm (or all) and the words typed
// in the search box (every word must occur in the example's name, description, systems or
// pitfall: core/gallery.h's galleryMatches). Sits between ExamplesModel and the cards' view.
#include <QSortFilterProxyModel>
#include <QString>

namespace sb {

class ExamplesModel;

class GalleryFilterModel : public QSortFilterProxyModel {
    Q_OBJECT

public:
    explicit GalleryFilterModel(ExamplesModel *examples, QObject *parent = nullptr);

    // A paradigm's id ("pub-sub"), "other" for examples without a known one, or empty for all.
    void setParadigm(const QString &id);
    QString paradigm() const { return m_paradigm; }
    void setSearchText(const QString &text);
    QString searchText() const { return m_search; }

    // The examples a paradigm's entry would show with the current search text.
    int countFor(const QString &paradigmId) const;

Q_SIGNALS:
    void filterChanged();

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const override;

private:
    bool accepts(int sourceRow, const QString &paradigmId) const;

    ExamplesModel *m_examples;
    QString m_paradigm, m_search;
};

} // namespace sb
