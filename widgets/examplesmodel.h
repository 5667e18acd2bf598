#pragma once
// The bundled examples (compiled in as resources under ":/examples"), one row each in gallery
// order (by paradigm, a pitfall's broken example before its fixed one; core/gallery.h): the
// topology's name, what it shows, its gallery section, and a thumbnail of its canvas rendered on
// first use.
#include "gallery.h"

#include <QAbstractListModel>
#include <QPixmap>
#include <QString>

#include <vector>

namespace sb {

class ExamplesModel : public QAbstractListModel {
    Q_OBJECT

public:
    enum Role {
        PathRole = Qt::UserRole + 1, // the resource path, e.g. ":/examples/work-queue.json"
        DescriptionRole,             // the topology's description
        FileNameRole,                // e.g. "work-queue.json"
        ParadigmRole,                // its paradigm's id ("pub-sub"), empty for none
        GroupRole,                   // what it is grouped under: "Publish-subscribe", "Other"
        SystemsRole,                 // QStringList: the real systems it models
        PitfallRole,                 // the pitfall's label, empty for none
        VariantRole,                 // a pitfall's "broken" or "fixed"
    };
    static constexpr int kThumbnailWidth = 240;
    static constexpr int kThumbnailHeight = 130;

    // Reads every example under `resourceDir` (examples that do not load are left out).
    explicit ExamplesModel(QObject *parent = nullptr,
                           const QString &resourceDir = QStringLiteral(":/examples"));

    int rowCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QHash<int, QByteArray> roleNames() const override;

    // The row of the example whose file name is `fileName`, or -1.
    int rowOf(const QString &fileName) const;
    // What the gallery knows of a row (name, description, paradigm, systems, pitfall).
    const GalleryEntry &entry(int row) const { return m_examples[std::size_t(row)].entry; }

    // A picture of a topology's canvas, scaled to fit `size`.
    static QPixmap renderThumbnail(const QByteArray &topologyJson, QSize size);

private:
    struct Example {
        GalleryEntry entry;
        QString path, fileName, name, description;
        QByteArray json;
        mutable QPixmap thumbnail; // rendered when first asked for
    };
    std::vector<Example> m_examples;
};

} // namespace sb
