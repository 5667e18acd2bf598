#pragma once
// Draws a window of a SequenceHistory as a sequence (space-time) diagram: one lifeline per node
// across, virtual time downwards, an arrow per frame on a link from its send to its arrival (the
// slope shows the link's delay) and a mark per local event. The live view and the SVG/PNG/PDF
// exports both paint through here, so an export shows what the view shows.
#include "sequencehistory.h"

#include "keyfilter.h"
#include "sequenceorder.h"

#include <QColor>
#include <QLineF>
#include <QPalette>
#include <QRectF>
#include <QString>
#include <QStringList>

#include <functional>
#include <memory>
#include <vector>

class QPainter;

namespace sb {

// What the diagram leaves out.
struct SequenceFilter {
    std::vector<bool> hiddenKinds = std::vector<bool>(kTraceKindCount, false);  // by TraceKind
    std::vector<bool> hiddenFrames = std::vector<bool>(kFrameTypeCount, false); // arrows, by FrameType
    bool hideAcks = false;           // ack and confirm frames and ack marks
    std::uint64_t messageId = 0;     // non-zero: only this message's journey (and correlated ones)
    std::uint64_t correlationId = 0; // non-zero: only messages with this correlation id (or this id)
    SimTime from = 0, to = kNever;   // a time range
    // Non-null: only messages whose routing key passes (its cache is shared by the copies).
    std::shared_ptr<const RoutingKeyFilter> routingKeys;
    bool accepts(const TraceEvent &e) const;
    // Whether what is said about message `messageId` (with this correlation id) passes the message,
    // correlation and routing-key filters: a checker's mark shows only for a message shown.
    bool acceptsMessage(std::uint64_t messageId, std::uint64_t correlationId = 0) const;
};

// A mark a checker puts on the diagram where something went wrong (a lost message, a duplicate
// processing, an order violation).
struct SequenceAnnotation {
    SimTime time = 0;
    NodeIndex node = kNoIndex;
    QString text;
    QColor color;
    std::uint64_t messageId = 0;     // the message it is about (0: none; then it always shows)
    std::uint64_t correlationId = 0; // that message's correlation id, when it has one
};

struct SequenceLayout {
    QStringList nodeIds;          // by NodeIndex: what selections and signals name nodes by
    QStringList nodeNames;        // by NodeIndex: what the header and tooltips show (nodeLabels())
    QStringList nodeKinds;        // by NodeIndex ("producer", "queue", ...)
    std::vector<NodeIndex> order; // the lifelines shown, left to right
    double columnWidth = 150;
    double headerHeight = 42;
    // Room between the header and the top time, so the first arrows and their labels are not
    // hidden under the header.
    double topMargin = 16;
    double rulerWidth = 78;
    SimTime top = 0;         // the virtual time at topMargin below the header
    double nsPerPixel = 1e5; // zoom: 100 µs a pixel
    // Where a lifeline runs (its centre), or -1 when the node is not shown.
    double lifelineX(NodeIndex node) const;
    double timeY(SimTime t) const { return headerHeight + topMargin + double(t - top) / nsPerPixel; }
    SimTime timeAt(double y) const { return top + SimTime((y - headerHeight - topMargin) * nsPerPixel); }
    // The id and the shown name of a node, or its index as text when it is not in the lists.
    QString nodeId(NodeIndex node) const;
    QString nodeName(NodeIndex node) const;
    double width() const { return rulerWidth + columnWidth * double(order.size()); }

    // The order the history was placed by (a SequenceProjection's, or true time): what the ruler
    // reads (a time, "L n" Lamport rows, "#n" vector rows), shifted back by axisShift.
    SequenceOrder ordering = SequenceOrder::True;
    SimTime axisShift = 0;
    // The nodes' clocks, by NodeIndex: in true order, arrows whose receive reads earlier on the
    // receiver's clock than the send on the sender's are marked.
    std::vector<NodeClock> clocks;
    // Each link's ends, by LinkIndex (a link fault's mark spans them), and the run's fault names
    // by fault-table index ("cut (link-down)"); without them a fault shows its index.
    std::vector<std::pair<NodeIndex, NodeIndex>> linkEnds;
    std::function<QString(std::uint64_t index)> faultName;
    // The method a call's request names ("orders.Orders/Get", its routing key), by the request's
    // message id; without it (or when it says nothing) Request arrows show no method.
    std::function<QString(std::uint64_t messageId)> method;
    // Consumer groups' names by TraceEvent::group (consumerGroupNames()); without it (or when it
    // says nothing) a group shows its number.
    std::function<QString(std::uint32_t group)> groupName;
    QString groupText(std::uint32_t group) const;
    // What the ruler says at axis value `t`.
    QString rulerText(SimTime t) const;
    // Whether the arrow of Send `e` contradicts causality by the local clocks.
    bool contradicts(const TraceEvent &e) const;
};

struct SequenceHighlight {
    std::vector<std::size_t> journey; // history indices of the selected message's events (sorted)
    std::vector<bool> nodes;          // by NodeIndex: lifelines selected elsewhere (the canvas)
    std::vector<bool> links;          // by LinkIndex
    std::size_t hovered = SIZE_MAX;   // the history index under the mouse
    std::vector<std::uint64_t> calls; // the selected calls (a call and its downstream ones), sorted
};

class SequenceRenderer {
public:
    // Above this many arrows in view (per 1,000 px of height, for pictures taller than that),
    // pairs of lifelines show counts per time band instead.
    static constexpr std::size_t kMaxArrows = 1500;
    // A text drawn on the diagram body, where it was laid out. No two of them intersect.
    struct DrawnLabel {
        enum class Kind : std::uint8_t { Arrow, Mark, Annotation };
        Kind kind;
        QRectF rect;
        QString text;
        std::size_t annotation = SIZE_MAX; // Annotation: its index in the annotations painted
    };
    // A mark as drawn on a lifeline, for hit testing (its tooltip describes the event).
    struct DrawnMark {
        std::size_t index; // into the history
        QPointF at;
    };
    struct Stats {
        std::size_t arrows = 0;     // drawn one by one
        std::size_t marks = 0;      // local marks drawn
        bool density = false;       // too many arrows: bands with counts were drawn
        std::uint64_t inWindow = 0; // arrows in the window (drawn or counted)
        // Arrow labels, mark texts and checker annotations, in the order they were laid out. An
        // arrow label or a minor mark's text that would overlap one laid out before is left out;
        // a fault's text and an annotation move (beside, then stacked below) until they fit.
        std::vector<DrawnLabel> labels;
        // The local marks drawn (fault bars aside), in the order drawn.
        std::vector<DrawnMark> markSpots;
    };
    // An arrow as drawn, for hit testing.
    struct DrawnArrow {
        std::size_t index; // into the history
        QLineF line;
    };

    // Paints the diagram into `size` (device coordinates from 0,0), the header and ruler included.
    // `hits` (optional) receives the arrows drawn. `palette` gives the colours (light or dark).
    static Stats paint(QPainter &painter, QSizeF size, const SequenceHistory &history,
                       const SequenceLayout &layout, const SequenceFilter &filter,
                       const SequenceHighlight &highlight, const std::vector<SequenceAnnotation> &annotations,
                       const QPalette &palette, std::vector<DrawnArrow> *hits = nullptr);

    // The colour of a frame type's arrows; of a kind (a lifeline header's frame).
    static QColor frameColor(FrameType frame, bool dark);
    // A caller's waiting span (an activation bar) and a sender's blocked span.
    static QColor activationColor(bool dark);
    static QColor blockedColor(bool dark);
    // What an arrow says: a call frame's callArrowText() ("Request orders.Orders/Get #2",
    // "Reply UNAVAILABLE", "StreamData [3]"), a Kafka or SQS frame's protocolFrameText() ("Fetch",
    // "Produce response NOT_ENOUGH_REPLICAS", with its message and partition when it has them),
    // else the frame and message ("deliver #12").
    static QString arrowText(const SequenceHistory &history, std::size_t i, const SequenceLayout &layout);
    static QColor kindColor(const QString &kind);
    // Arrows whose local timestamps contradict causality (magenta, dashed).
    static QColor contradictionColor(bool dark);
    // Event-sourcing, saga and outbox marks (isDomainMark): the ones that always show with their
    // text (a conflict, a parked event, a saga's begin and end, a failed step, a compensation, a
    // stale answer), their colour, and their text with the name their message carries.
    static bool isMajorDomainMark(const TraceEvent &e);
    static QColor domainMarkColor(const TraceEvent &e, bool dark);
    static QString domainMarkLabel(const TraceEvent &e, const SequenceLayout &layout);
    // A node's colour (its header stripe and lifeline): nodeColor() by its topology index, the
    // colour of its chart series.
    static QColor lifelineColor(NodeIndex node);
    // A one-line description of an event, for tooltips and exports: "deliver #12 tasks → worker-1 …".
    static QString describe(const TraceEvent &e, const SequenceLayout &layout, const QStringList &linkNames);
    // What a log or group mark (isLogMark()) says beside it: logMarkText(), a rebalance with its
    // group ("billing: rebalance gen 3"), and the partitions a member was assigned or gave up at
    // once ("assign P0, P3"; `partitions` lists them); empty for other events.
    static QString logMarkLabel(const TraceEvent &e, const SequenceLayout &layout,
                                const std::vector<std::uint32_t> &partitions = {});
};

} // namespace sb
