#include "sequenceexport.h"

#include "picturefile.h"
#include "sequenceprojection.h"

#include "cli.h"

#include <QGuiApplication>

#include <QDir>
#include <QFileInfo>
#include <QPainter>

#include <algorithm>

namespace sb {

QPalette exportPalette()
{
    QPalette p;
    p.setColor(QPalette::Window, QColor(0xf4, 0xf5, 0xf7));
    p.setColor(QPalette::WindowText, QColor(0x20, 0x24, 0x2a));
    p.setColor(QPalette::Base, Qt::white);
    p.setColor(QPalette::Text, QColor(0x20, 0x24, 0x2a));
    p.setColor(QPalette::PlaceholderText, QColor(0x7a, 0x80, 0x88));
    return p;
}

bool sequencePictureFrame(const SequenceHistory &history, SequenceLayout layout, const SequenceFilter &filter,
                          const SequenceImageOptions &options, SequencePictureFrame &frame, QString &why)
{
    const SimTime from = std::max<SimTime>(0, options.from);
    const SimTime to = options.to == kNever ? std::max(history.lastTime(), from + 1) : options.to;
    if (to <= from) {
        why = QStringLiteral("the time range is empty (from %1 to %2)")
                  .arg(QString::fromStdString(formatDuration(from)),
                       QString::fromStdString(formatDuration(to)));
        return false;
    }
    const double span = double(to - from);
    // Unless told, 50 µs a pixel (a 1 ms hop slopes 20 px), coarser when the range would not fit.
    layout.nsPerPixel = options.nsPerPixel > 0 ? options.nsPerPixel : 5e4;
    layout.nsPerPixel = std::max(layout.nsPerPixel, span / SequenceImageOptions::kMaxHeight);
    layout.top = from;
    frame.size = QSizeF(std::max(layout.width(), 200.0),
                        std::max(SequenceImageOptions::kMinHeight,
                                 layout.headerHeight + layout.topMargin + span / layout.nsPerPixel + 20));
    frame.layout = std::move(layout);
    frame.filter = filter;
    frame.filter.from = std::max(filter.from, from);
    frame.filter.to = std::min(filter.to, to);
    return true;
}

bool exportSequenceImage(const QString &path, const SequenceHistory &history, SequenceLayout layout,
                         const SequenceFilter &filter, const std::vector<SequenceAnnotation> &annotations,
                         const SequenceImageOptions &options, QString *error)
{
    const QString where = QDir::toNativeSeparators(path);
    const auto fail = [&](const QString &why) {
        if (error) *error = QStringLiteral("%1: %2").arg(where, why);
        return false;
    };
    if (!isPicturePath(path)) return fail(QStringLiteral("the extension must be .svg, .png or .pdf"));
    SequencePictureFrame frame;
    QString why;
    if (!sequencePictureFrame(history, std::move(layout), filter, options, frame, why)) return fail(why);
    const QPalette palette = exportPalette();

    return writePicture(
        path, frame.size, QStringLiteral("Signalbox sequence diagram"), palette.color(QPalette::Base),
        [&](QPainter &painter) {
            SequenceRenderer::paint(painter, frame.size, history, frame.layout, frame.filter, {}, annotations,
                                    palette);
        },
        error);
}

SequenceLayout sequencePictureLayout(const SequencePicture &picture)
{
    SequenceLayout layout;
    for (const auto &id : picture.nodeIds)
        layout.nodeIds << QString::fromStdString(id);
    for (const auto &label : picture.nodeLabels)
        layout.nodeNames << QString::fromStdString(label);
    if (layout.nodeNames.size() != layout.nodeIds.size()) layout.nodeNames = layout.nodeIds;
    for (const auto &kind : picture.nodeKinds)
        layout.nodeKinds << QString::fromStdString(kind);
    for (NodeIndex n = 0; n < NodeIndex(picture.nodeIds.size()); ++n)
        layout.order.push_back(n);
    layout.clocks = picture.clocks;
    layout.linkEnds = picture.linkEnds;
    const std::vector<std::string> faults = picture.faultNames;
    layout.faultName = [faults](std::uint64_t i) {
        return i < faults.size() ? QString::fromStdString(faults[i]) : QString();
    };
    auto methods = std::make_shared<const std::unordered_map<std::uint64_t, std::string>>(picture.methods);
    layout.method = [methods](std::uint64_t id) {
        const auto it = methods->find(id);
        return it == methods->end() ? QString() : QString::fromStdString(it->second);
    };
    return layout;
}

bool writeSequencePicture(const SequencePicture &picture, std::string &error)
{
    if (!QGuiApplication::instance()) {
        // Fonts and painting need a GUI application; a command line has no display to offer.
        if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) qputenv("QT_QPA_PLATFORM", "offscreen");
        static int argc = 1;
        static char name[] = "signalbox-cli";
        static char *argv[] = {name, nullptr};
        static QGuiApplication app(argc, argv);
    }
    SequenceHistory history(std::max<std::size_t>(picture.events.size(), 2));
    history.append(picture.events);
    SequenceLayout layout = sequencePictureLayout(picture);
    // Another order than true time: the picture draws the history re-placed by it.
    SequenceProjection projection;
    const SequenceHistory *drawn = &history;
    if (picture.options.order != SequenceOrder::True) {
        projection.rebuild(history, picture.options.order, picture.clocks);
        drawn = &projection.history();
        layout.ordering = projection.order();
        layout.axisShift = projection.axisShift();
    }
    SequenceFilter filter;
    filter.hideAcks = picture.options.hideAcks;
    filter.messageId = picture.options.messageId;
    filter.correlationId = picture.options.correlationId;
    if (!picture.options.routingKeys.empty())
        filter.routingKeys = std::make_shared<RoutingKeyFilter>(picture.options.routingKeys);
    SequenceImageOptions options;
    options.from = picture.options.from;
    options.to =
        picture.options.to == kNever ? std::max<SimTime>(picture.end, options.from + 1) : picture.options.to;
    if (drawn != &history) {
        // The range chose the events; the picture shows all of them where the order put them.
        options.from = drawn->firstTime();
        options.to = std::max(drawn->lastTime(), options.from + 1);
        filter.from = 0;
        filter.to = kNever;
    }
    QString why;
    if (!exportSequenceImage(QString::fromStdString(picture.path), *drawn, layout, filter, {}, options,
                             &why)) {
        error = why.toStdString();
        return false;
    }
    return true;
}

void installSequencePictureSupport()
{
    setSequencePictureSupport(
        {[](const std::string &path) { return isPicturePath(QString::fromStdString(path)); },
         writeSequencePicture});
}

} // namespace sb
