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
    QString path = QStringLiteral(":/icons/%1.svg").arg(kind);
    // A kind without a picture of its own still gets one, so that no palette row or node is bare.
    if (!kind.isEmpty() && !QFile::exists(path) && KindRegistry::builtin().find(kind.toStdString()))
        path = QStringLiteral(":/icons/node.svg");
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

QString templateFromMimeData(const QMimeData *mime)
{
    if (!mime || !mime->hasFormat(QLatin1String(kTemplateMimeType))) return {};
    return QString::fromUtf8(mime->data(QLatin1String(kTemplateMimeType)));
}

namespace {

// "deadline 1s, maxAttempts 3, retryableStatusCodes [UNAVAILABLE]": a template's settings as
// people read them.
QString settingsText(const Json &properties)
{
    QStringList parts;
    for (auto it = properties.begin(); it != properties.end(); ++it) {
        QString value;
        if (it->is_string()) {
            value = QString::fromStdString(it->get<std::string>());
        } else if (it->is_array()) {
            QStringList items;
            for (const auto &v : *it)
                items << (v.is_string() ? QString::fromStdString(v.get<std::string>())
                                        : QString::fromStdString(v.dump()));
            value = QLatin1Char('[') + items.join(QStringLiteral(", ")) + QLatin1Char(']');
        } else {
            value = QString::fromStdString(it->dump());
        }
        parts << QStringLiteral("%1 %2").arg(QString::fromStdString(it.key()), value);
    }
    return parts.join(QStringLiteral(", "));
}

} // namespace

PaletteModel::PaletteModel(QObject *parent) : PaletteModel(KindRegistry::builtin(), parent) {}

PaletteModel::PaletteModel(const KindRegistry &registry, QObject *parent)
    : QAbstractItemModel(parent), m_registry(registry)
{
    const auto place = [this](const std::string &group, Entry e) {
        const QString name = QString::fromStdString(group);
        auto it = std::find_if(m_categories.begin(), m_categories.end(),
                               [&](const Category &c) { return c.name == name; });
        if (it == m_categories.end()) it = m_categories.insert(m_categories.end(), Category{name, {}});
        it->entries.push_back(e);
    };
    const auto &kinds = m_registry.kinds();
    for (int i = 0; i < static_cast<int>(kinds.size()); ++i)
        place(kinds[i].category, {false, i});
    // Templates after every kind: a system's group follows the kind categories, or, when a kind
    // category has the system's name ("Request-reply"), ends that group rather than repeat it.
    const auto &templates = m_registry.templates();
    for (int i = 0; i < static_cast<int>(templates.size()); ++i)
        if (m_registry.find(templates[i].kind)) place(templates[i].system, {true, i});
}

const PaletteModel::Entry &PaletteModel::entry(const QModelIndex &index) const
{
    return m_categories[index.internalId() - 1].entries[index.row()];
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
    return static_cast<int>(m_categories[parent.row()].entries.size());
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
        case TemplateRole:
        case SearchTextRole:
            // Empty, so that a category shows only when one of its kinds matches the filter.
            return QString();
        default:
            return {};
        }
    }
    const Entry &e = entry(index);
    if (e.isTemplate) {
        const NodeTemplate &t = m_registry.templates()[e.index];
        const NodeKindSpec &k = *m_registry.find(t.kind);
        switch (role) {
        case Qt::DisplayRole:
            return QString::fromStdString(t.label);
        case Qt::DecorationRole:
            return kindIcon(QString::fromStdString(t.kind));
        case Qt::StatusTipRole:
            // One line in the status bar; the tooltip has the settings too.
            return QString::fromStdString(t.help);
        case Qt::ToolTipRole: {
            const QString settings = settingsText(t.properties);
            const QString kind =
                tr("Kind: %1 (%2).").arg(QString::fromStdString(k.label), QString::fromStdString(k.kind));
            return QStringLiteral("%1\n%2").arg(QString::fromStdString(t.help),
                                                settings.isEmpty() ? kind
                                                                   : tr("%1 Set: %2.").arg(kind, settings));
        }
        case KindRole:
            return QString::fromStdString(t.kind);
        case TemplateRole:
            return QString::fromStdString(t.id);
        case SearchTextRole:
            return QString::fromStdString(t.label + '\n' + t.id + '\n' + t.system + '\n' + t.kind + '\n' +
                                          k.label + '\n' + t.help);
        default:
            return {};
        }
    }
    const NodeKindSpec &k = m_registry.kinds()[e.index];
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
    return {QLatin1String(kKindMimeType), QLatin1String(kTemplateMimeType)};
}

QMimeData *PaletteModel::mimeData(const QModelIndexList &indexes) const
{
    // One node per drag: the first kind among the dragged rows.
    for (const QModelIndex &i : indexes) {
        const QString kind = data(i, KindRole).toString();
        if (kind.isEmpty()) continue;
        auto *mime = new QMimeData;
        mime->setData(QLatin1String(kKindMimeType), kind.toUtf8());
        const QString id = data(i, TemplateRole).toString();
        if (!id.isEmpty()) mime->setData(QLatin1String(kTemplateMimeType), id.toUtf8());
        mime->setText(id.isEmpty() ? kind : id);
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
        const auto &entries = m_categories[c].entries;
        for (int r = 0; r < static_cast<int>(entries.size()); ++r)
            if (!entries[r].isTemplate &&
                QString::fromStdString(m_registry.kinds()[entries[r].index].kind) == kind)
                return index(r, 0, index(c, 0));
    }
    return {};
}

QModelIndex PaletteModel::indexOfTemplate(const QString &id) const
{
    for (int c = 0; c < static_cast<int>(m_categories.size()); ++c) {
        const auto &entries = m_categories[c].entries;
        for (int r = 0; r < static_cast<int>(entries.size()); ++r)
            if (entries[r].isTemplate &&
                QString::fromStdString(m_registry.templates()[entries[r].index].id) == id)
                return index(r, 0, index(c, 0));
    }
    return {};
}

} // namespace sb
