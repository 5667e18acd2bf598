#include "examplesmodel.h"

#include "canvasscene.h"
#include "topologydocument.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QPainter>

namespace sb {

ExamplesModel::ExamplesModel(QObject *parent, const QString &resourceDir) : QAbstractListModel(parent)
{
    const QDir dir(resourceDir);
    for (const QString &fileName : dir.entryList({QStringLiteral("*.json")}, QDir::Files, QDir::Name)) {
        QFile file(dir.filePath(fileName));
        if (!file.open(QIODevice::ReadOnly)) continue;
        Example e;
        e.json = file.readAll();
        const LoadResult result = parseTopology(e.json.toStdString(), fileName.toStdString());
        if (!result.ok()) continue;
        e.path = dir.filePath(fileName);
        e.fileName = fileName;
        e.name = QString::fromStdString(result.topology->name);
        if (e.name.isEmpty()) e.name = QFileInfo(fileName).completeBaseName();
        e.description = QString::fromStdString(result.topology->description);
        e.entry = {fileName.toStdString(), e.name.toStdString(), result.topology->description,
                   result.topology->gallery};
        m_examples.push_back(std::move(e));
    }
    // Gallery order, as `signalbox-cli examples` lists them.
    std::vector<GalleryEntry> order;
    for (const Example &e : m_examples)
        order.push_back(e.entry);
    sortForGallery(order);
    std::vector<Example> sorted;
    for (const GalleryEntry &g : order)
        for (Example &e : m_examples)
            if (!e.fileName.isEmpty() && e.entry.fileName == g.fileName) {
                sorted.push_back(std::move(e));
                e.fileName.clear();
                break;
            }
    m_examples = std::move(sorted);
}

int ExamplesModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_examples.size());
}

QVariant ExamplesModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid)) return {};
    const Example &e = m_examples[std::size_t(index.row())];
    switch (role) {
    case Qt::DisplayRole:
        return e.name;
    case Qt::ToolTipRole: {
        QString tip = QStringLiteral("<b>%1</b>").arg(e.name.toHtmlEscaped());
        QStringList about{QString::fromStdString(galleryGroupLabel(e.entry)).toHtmlEscaped()};
        for (const std::string &s : e.entry.info.systems)
            about << QString::fromStdString(s).toHtmlEscaped();
        tip += QStringLiteral("<br><i>%1</i>").arg(about.join(QStringLiteral(" · ")));
        if (const Pitfall *p = findPitfall(e.entry.info.pitfall))
            tip += QStringLiteral("<br>Pitfall: %1 (%2)")
                       .arg(QString::fromStdString(p->label).toHtmlEscaped(),
                            QString::fromStdString(e.entry.info.variant));
        return tip + QStringLiteral("<p>%1</p>").arg(e.description.toHtmlEscaped());
    }
    case Qt::DecorationRole:
        if (e.thumbnail.isNull()) e.thumbnail = renderThumbnail(e.json, {kThumbnailWidth, kThumbnailHeight});
        return e.thumbnail;
    case PathRole:
        return e.path;
    case DescriptionRole:
        return e.description;
    case FileNameRole:
        return e.fileName;
    case ParadigmRole:
        return QString::fromStdString(e.entry.info.paradigm);
    case GroupRole:
        return QString::fromStdString(galleryGroupLabel(e.entry));
    case SystemsRole: {
        QStringList systems;
        for (const std::string &s : e.entry.info.systems)
            systems << QString::fromStdString(s);
        return systems;
    }
    case PitfallRole: {
        const Pitfall *p = findPitfall(e.entry.info.pitfall);
        return p ? QString::fromStdString(p->label) : QString();
    }
    case VariantRole:
        return QString::fromStdString(e.entry.info.variant);
    default:
        return {};
    }
}

QHash<int, QByteArray> ExamplesModel::roleNames() const
{
    QHash<int, QByteArray> names = QAbstractListModel::roleNames();
    names.insert(PathRole, "path");
    names.insert(DescriptionRole, "description");
    names.insert(FileNameRole, "fileName");
    names.insert(ParadigmRole, "paradigm");
    names.insert(GroupRole, "group");
    names.insert(SystemsRole, "systems");
    names.insert(PitfallRole, "pitfall");
    names.insert(VariantRole, "variant");
    return names;
}

int ExamplesModel::rowOf(const QString &fileName) const
{
    for (std::size_t i = 0; i < m_examples.size(); ++i)
        if (m_examples[i].fileName == fileName) return int(i);
    return -1;
}

QPixmap ExamplesModel::renderThumbnail(const QByteArray &topologyJson, QSize size)
{
    QPixmap pixmap(size);
    pixmap.fill(QColor(0xf6, 0xf7, 0xf9));
    const LoadResult result = parseTopology(topologyJson.toStdString());
    if (!result.ok()) return pixmap;
    // The canvas itself draws the picture, so a thumbnail looks like what opening it shows.
    TopologyDocument document;
    if (!document.setTopology(*result.topology)) return pixmap;
    CanvasScene scene(&document);
    const QRectF source = scene.itemsBoundingRect().adjusted(-20, -20, 20, 20);
    QPainter painter(&pixmap);
    painter.setRenderHints(QPainter::Antialiasing | QPainter::TextAntialiasing |
                           QPainter::SmoothPixmapTransform);
    scene.render(&painter, QRectF(QPointF(0, 0), QSizeF(size)), source, Qt::KeepAspectRatio);
    return pixmap;
}

} // namespace sb
