#pragma once
// The node palette's model: the kinds of KindRegistry::builtin() grouped by category, then its
// system templates (KindRegistry::templates(): "gRPC client", ...) grouped by system (a two-level
// tree, groups in registry order; a template whose system names a kind category joins that group,
// after its kinds). Kind and template rows can be dragged; their MIME data carries the kind name
// under kKindMimeType, which a canvas decodes with kindFromMimeData(), and a template's id under
// kTemplateMimeType (templateFromMimeData()).
#include <QAbstractItemModel>
#include <QIcon>

#include <vector>

class QMimeData;

namespace sb {

class KindRegistry;

inline constexpr char kKindMimeType[] = "application/x-signalbox-kind";
inline constexpr char kTemplateMimeType[] = "application/x-signalbox-template";

// The icon of a node kind ("producer", "queue", ...) or of "link"; a registered kind without an
// icon of its own gets a plain node icon; a null icon for anything else.
QIcon kindIcon(const QString &kind);

// The kind a palette drag carries (for a template: the template's kind), or an empty string when
// `mime` holds none.
QString kindFromMimeData(const QMimeData *mime);
// The template a palette drag carries, or an empty string when it carries a plain kind or nothing.
QString templateFromMimeData(const QMimeData *mime);

class PaletteModel : public QAbstractItemModel {
    Q_OBJECT

public:
    enum Role {
        KindRole = Qt::UserRole + 1, // the kind name on kind and template rows; empty on groups
        SearchTextRole,              // label, kind, help (and a template's system) joined, for the filter
        TemplateRole,                // the template id on template rows; empty elsewhere
    };

    // `registry` is borrowed and must outlive the model; the default is the built-in one.
    explicit PaletteModel(QObject *parent = nullptr);
    PaletteModel(const KindRegistry &registry, QObject *parent = nullptr);

    QModelIndex index(int row, int column, const QModelIndex &parent = {}) const override;
    QModelIndex parent(const QModelIndex &child) const override;
    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    Qt::ItemFlags flags(const QModelIndex &index) const override;
    QStringList mimeTypes() const override;
    QMimeData *mimeData(const QModelIndexList &indexes) const override;
    Qt::DropActions supportedDragActions() const override;

    // The row of `kind`, or an invalid index when the registry has no such kind.
    QModelIndex indexOfKind(const QString &kind) const;
    // The row of template `id`, or an invalid index when the registry has no such template.
    QModelIndex indexOfTemplate(const QString &id) const;

private:
    // One row under a group: a kind or a template (an index into the registry's kinds() or
    // templates()).
    struct Entry {
        bool isTemplate = false;
        int index = 0;
    };
    struct Category {
        QString name;
        std::vector<Entry> entries;
    };
    const Entry &entry(const QModelIndex &index) const;

    const KindRegistry &m_registry;
    std::vector<Category> m_categories;
};

} // namespace sb
