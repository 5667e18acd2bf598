#include "palettemodel.h"

#include "schema.h"

#include <QCoreApplication>
#include <QFile>
#include <QFont>
#include <QHash>
#include <QMimeData>

#include <algorithm>

namespace sb {

QIcon kindIcon(const QString &kind)
{
    // Views ask for the icon on every paint; icons belong to the GUI thread, so no lock. The cache
    // empties with the application, before the pixmaps' window system goes away.
    static QHash<QString, QIcon> cache;
    static const bool clearsOnExit = [] {
        qAddPostRoutine([] { cache.clear(); });
        return true;
    }();
    Q_UNUSED(clearsOnExit);
    if (auto it = cache.constFind(kind); it != cache.constEnd()) return *it;
    const QString path = QStringLiteral(":/icons/%1.svg").arg(kind);
    QIcon icon;
    if (!kind.isEmpty() && QFile::exists(path)) {
        icon.addFile(path, {}, QIcon::Normal);
        // Keep the kind's colours on a selected row instead of the style's tint.
        icon.addFile(path, {}, QIcon::Selected);
    }
    cache.insert(kind, icon);
    return icon;
}

QString kindFromMimeData(const QMimeData *mime)
{
    if (!mime || !mime->hasFormat(QLatin1String(kKindMimeType))) return {};
    return QString::fromUtf8(mime->data(QLatin1String(kKindMimeType)));
}

PaletteModel::PaletteModel(QObject *parent) : PaletteModel(KindRegistry::builtin(), parent) {}

PaletteModel::PaletteModel(const KindRegistry &registry, QObject *parent)
    : QAbstractItemModel(parent), m_registry(registry)
{
    const auto &kinds = m_registry.kinds();
    for (int i = 0; i < static_cast<int>(kinds.size()); ++i) {
        const QString name = QString::fromStdString(kinds[i].category);
        auto it = std::find_if(m_categories.begin(), m_categories.end(),
                               [&](const Category &c) { return c.name == name; });
        if (it == m_categories.end()) it = m_categories.insert(m_categories.end(), Category{name, {}});
        it->kinds.push_back(i);
    }
}

// Category rows carry internal id 0; kind rows carry their category's row + 1.
QModelIndex PaletteModel::index(int row, int column, const QModelIndex &parent) const
{
    if (!hasIndex(row, column, parent)) return {};
    if (!parent.isValid()) return createIndex(row, column, quintptr(0));
    return createIndex(row, column, quintptr(parent.row() + 1));
}

QModelIndex PaletteModel::parent(const QModelIndex &child) const
{
    if (!child.isValid() || child.internalId() == 0) return {};
    return createIndex(static_cast<int>(child.internalId() - 1), 0, quintptr(0));
}

int PaletteModel::rowCount(const QModelIndex &parent) const
{
    if (!parent.isValid()) return static_cast<int>(m_categories.size());
    if (parent.column() != 0 || parent.internalId() != 0) return 0;
    return static_cast<int>(m_categories[parent.row()].kinds.size());
}

int PaletteModel::columnCount(const QModelIndex &) const
{
    return 1;
}

QVariant PaletteModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid()) return {};
    Q_ASSERT(checkIndex(index, CheckIndexOption::IndexIsValid));
    if (index.internalId() == 0) {
        const Category &c = m_categories[index.row()];
        switch (role) {
        case Qt::DisplayRole:
            return c.name;
        case Qt::FontRole: {
            QFont font;
            font.setBold(true);
            return font;
        }
        case KindRole:
        case SearchTextRole:
            // Empty, so that a category shows only when one of its kinds matches the filter.
            return QString();
        default:
            return {};
        }
    }
    const Category &c = m_categories[index.internalId() - 1];
    const NodeKindSpec &k = m_registry.kinds()[c.kinds[index.row()]];
    switch (role) {
    case Qt::DisplayRole:
        return QString::fromStdString(k.label);
    case Qt::DecorationRole:
        return kindIcon(QString::fromStdString(k.kind));
    case Qt::ToolTipRole:
    case Qt::StatusTipRole:
        return QString::fromStdString(k.help);
    case KindRole:
        return QString::fromStdString(k.kind);
    case SearchTextRole:
        return QString::fromStdString(k.label + '\n' + k.kind + '\n' + k.help);
    default:
        return {};
    }
}

Qt::ItemFlags PaletteModel::flags(const QModelIndex &index) const
{
    if (!index.isValid()) return Qt::NoItemFlags;
    Q_ASSERT(checkIndex(index, CheckIndexOption::IndexIsValid));
    if (index.internalId() == 0) return Qt::ItemIsEnabled;
    return Qt::ItemIsEnabled | Qt::ItemIsSelectable | Qt::ItemIsDragEnabled | Qt::ItemNeverHasChildren;
}

QStringList PaletteModel::mimeTypes() const
{
    return {QLatin1String(kKindMimeType)};
}

QMimeData *PaletteModel::mimeData(const QModelIndexList &indexes) const
{
    // One node per drag: the first kind among the dragged rows.
    for (const QModelIndex &i : indexes) {
        const QString kind = data(i, KindRole).toString();
        if (kind.isEmpty()) continue;
        auto *mime = new QMimeData;
        mime->setData(QLatin1String(kKindMimeType), kind.toUtf8());
        mime->setText(kind);
        return mime;
    }
    return nullptr;
}

Qt::DropActions PaletteModel::supportedDragActions() const
{
    return Qt::CopyAction;
}

QModelIndex PaletteModel::indexOfKind(const QString &kind) const
{
    for (int c = 0; c < static_cast<int>(m_categories.size()); ++c) {
        const auto &kinds = m_categories[c].kinds;
        for (int r = 0; r < static_cast<int>(kinds.size()); ++r)
            if (QString::fromStdString(m_registry.kinds()[kinds[r]].kind) == kind)
                return index(r, 0, index(c, 0));
    }
    return {};
}

} // namespace sb
