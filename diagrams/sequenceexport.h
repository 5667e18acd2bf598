#pragma once
// Pictures of a sequence diagram: SVG, PNG or PDF (chosen by the file's extension) of a time
// range, drawn by SequenceRenderer in a light palette so they print well. Used by the window's
// export action and by `signalbox-cli run ... --sequence out.svg|out.png|out.pdf`.
#include "picturefile.h" // isPicturePath: which paths are pictures
#include "sequencerenderer.h"

#include <QString>

namespace sb {

struct SequencePicture;

struct SequenceImageOptions {
    SimTime from = 0;
    SimTime to = kNever;                        // kNever: up to the last event
    double nsPerPixel = 0;                      // 0: chosen so the range fits kMaxHeight
    static constexpr double kMaxHeight = 12000; // px; PNG and PDF pages beyond this get coarser
    static constexpr double kMinHeight = 300;
};

// How a picture of `history` between options.from and options.to is laid out: `layout` with the
// picture's zoom and top time, the picture's size, and the filter narrowed to the range.
struct SequencePictureFrame {
    SequenceLayout layout;
    QSizeF size;
    SequenceFilter filter;
};
// False (with the reason) when the range is empty.
bool sequencePictureFrame(const SequenceHistory &history, SequenceLayout layout, const SequenceFilter &filter,
                          const SequenceImageOptions &options, SequencePictureFrame &frame, QString &why);

// The lifelines of a signalbox-cli picture: every node in topology order, shown by its label.
SequenceLayout sequencePictureLayout(const SequencePicture &picture);

// Writes the diagram of `history` between options.from and options.to. On failure says why,
// naming the file.
bool exportSequenceImage(const QString &path, const SequenceHistory &history, SequenceLayout layout,
                         const SequenceFilter &filter, const std::vector<SequenceAnnotation> &annotations,
                         const SequenceImageOptions &options, QString *error = nullptr);

// The light palette pictures are drawn with.
QPalette exportPalette();

// signalbox-cli's picture renderer (see setSequencePictureSupport in cli.h): draws the picture's
// events from options.from to options.to (or the run's end). Makes an offscreen QGuiApplication
// when none exists, so it works without a display.
bool writeSequencePicture(const SequencePicture &picture, std::string &error);
// Registers writeSequencePicture with the command line.
void installSequencePictureSupport();

} // namespace sb
