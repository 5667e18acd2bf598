#include "galleryfilter.h"

#include "examplesmodel.h"

namespace sb {

GalleryFilterModel::GalleryFilterModel(ExamplesModel *examples, QObject *parent)
    : QSortFilterProxyModel(parent), m_examples(examples)
{
    setSourceModel(examples);
}

void GalleryFilterModel::setParadigm(const QString &id)
{
    if (id == m_paradigm) return;
    m_paradigm = id;
    invalidateFilter();
    Q_EMIT filterChanged();
}

void GalleryFilterModel::setSearchText(const QString &text)
{
    if (text == m_search) return;
    m_search = text;
    invalidateFilter();
    Q_EMIT filterChanged();
}

int GalleryFilterModel::countFor(const QString &paradigmId) const
{
    int n = 0;
    for (int row = 0; row < m_examples->rowCount(); ++row)
        if (accepts(row, paradigmId)) ++n;
    return n;
}

bool GalleryFilterModel::filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const
{
    return !sourceParent.isValid() && accepts(sourceRow, m_paradigm);
}

bool GalleryFilterModel::accepts(int sourceRow, const QString &paradigmId) const
{
    const GalleryEntry &e = m_examples->entry(sourceRow);
    if (!paradigmId.isEmpty()) {
        const bool other = !findParadigm(e.info.paradigm);
        if (paradigmId == QLatin1String("other") ? !other : e.info.paradigm != paradigmId.toStdString())
            return false;
    }
    return galleryMatches(e, m_search.toStdString());
}

} // namespace sb
