#pragma once
// The node palette's model: the kinds of KindRegistry::builtin() grouped by category (a two-level
// tree, categories in registry order). Kind rows can be dragged; their MIME data carries the kind
// name under kKindMimeType, which a canvas decodes with kindFromMimeData().
#include <QAbstractItemModel>
#include <QIcon>

#include <vector>

class QMimeData;

namespace sb {

class KindRegistry;

inline constexpr char kKindMimeType[] = "application/x-signalbox-kind";

// The icon of a node kind ("producer", "queue", ...) or of "link"; a null icon for anything else.
QIcon kindIcon(const QString &kind);

// The kind a palette drag carries, or an empty string when `mime` holds none.
QString kindFromMimeData(const QMimeData *mime);

class PaletteModel : public QAbstractItemModel {
    Q_OBJECT

public:
    enum Role {
        KindRole = Qt::UserRole + 1, // the kind name on kind rows; empty on category rows
        SearchTextRole,              // label, kind and help joined, for the palette's filter
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

private:
    struct Category {
        QString name;
        std::vector<int> kinds; // indexes into the registry's kinds()
    };

    const KindRegistry &m_registry;
    std::vector<Category> m_categories;
};

} // namespace sb
