#pragma once
// The canvas's graphics items. Each holds an id and reads everything else (position, name, kind,
// ports, link ends) from the TopologyDocument; sync() re-reads it after the document reports a
// change. Items never edit the document: CanvasScene turns user gestures into document edits.
#include "liveoverlay.h"

#include <QColor>
#include <QGraphicsItem>
#include <QHash>
#include <QPainterPath>
#include <QStaticText>
#include <QString>
#include <QStringList>

#include <algorithm>
#include <vector>

namespace sb {

class TopologyDocument;
class PortItem;

// The canvas's colours for the current application palette: a light sheet in a light theme, a
// dark one in a dark theme.
struct CanvasColors {
    QColor background, dots, nodeFill, nodeBorder, text, subtext, track, labelFill, labelBorder, labelText,
        publish, portFill, call;
};
CanvasColors canvasColors();

enum CanvasItemType {
    NodeItemType = QGraphicsItem::UserType + 101,
    PortItemType,
    LinkItemType,
    LinkLayerType,
};

// Below this scale (a node's 9 pt name would be under 4 px high) the canvas draws its compact
// form: a node is a plain box in its fill colour with its live marks, no icon, text or ports; a
// link a one-pixel line without antialiasing, its dots small squares. Nobody can read more at that
// size, and with a large topology in view (a 1,000-peer overlay) the full form cost several times
// a frame.
constexpr qreal kCompactLod = 0.4;
// Whether a painter with this world transform draws the compact form.
bool isCompactLod(const QTransform &worldTransform);

// Which form an item drew at its last paint (for tests).
enum class PaintForm { None, Full, Compact };

// A node: a rounded box with the kind's icon, the node's name and kind, and its ports as children
// (inputs on the left edge, outputs on the right). The item's position is the node's top-left.
class NodeItem : public QGraphicsItem {
public:
    enum { Type = NodeItemType };
    // A box is kWidth wide and kHeight high, wider for a long name up to kMaxWidth, and a line
    // higher when the name wraps (elided only beyond two lines).
    static constexpr qreal kWidth = 140;
    static constexpr qreal kMaxWidth = 220;
    static constexpr qreal kHeight = 56;
    static constexpr qreal kGrid = 10;
    // The text column: right of the icon, short of the right edge.
    static constexpr qreal kTextLeft = 43;
    static constexpr qreal kTextRight = 10;
    // A log's node (a Kafka topic) is at least kLogWidth wide and grows a lane of kLaneHeight per
    // partition under its name, at most LiveLogs::kMaxLanes of them and a "+N more" line.
    static constexpr qreal kLogWidth = 200;
    static constexpr qreal kLaneHeight = 15;

    // `document` is borrowed and must outlive the item.
    NodeItem(const TopologyDocument *document, const QString &id);

    int type() const override { return Type; }
    QString id() const { return m_id; }
    // The document gave the node a new id (TopologyDocument::nodeIdChanged).
    void setId(const QString &id) { m_id = id; }
    // Re-reads position, name, kind and properties from the document.
    void sync();
    // The name as shown (the id when the node has no name), and where it is drawn, in item
    // coordinates: the place of the inline name editor and of a double-click that opens it.
    QString name() const { return m_name; }
    QRectF nameRect() const;
    // The name as drawn: one line, or two when it is wider than a kMaxWidth box allows.
    QStringList nameLines() const { return m_nameLines; }
    qreal width() const { return m_width; }
    qreal height() const { return m_height; }
    // A log's partitions (0 for other kinds), as its properties say, and the lanes drawn for them.
    int partitionCount() const { return m_partitions; }
    int laneCount() const { return std::min(m_partitions, LiveLogs::kMaxLanes); }
    // The lanes drawn, with the run's figures while a run's figures are showing (else empty), and
    // the line under them for the partitions not drawn: "+4 more", "+4 more: 1 under-replicated".
    std::vector<LiveLogs::Lane> shownLanes() const;
    QString moreLanesText() const;
    // The colour of the marks of a topic's `index`th group (LiveLogs::groupNames() order).
    static QColor groupColour(int index);
    // The name split into at most two lines of at most `width`: whole words where they fit,
    // the second line elided.
    static QStringList nameLines(const QString &name, const QFont &font, qreal width);
    static QFont nameFont();
    // The port item named `name`, or nullptr.
    PortItem *port(const QString &name) const;
    const std::vector<PortItem *> &ports() const { return m_ports; }

    static QPointF snapped(QPointF p);

    // What the node's badges show during and after a run (from the scene's LiveOverlay).
    struct Badges {
        bool live = false;        // a run's figures are showing
        quint64 depth = 0;        // queue: ready messages (the bar)
        quint64 depthScale = 0;   // queue: what a full bar means (maxLength, else adaptive)
        quint64 unacked = 0;      // queue: delivered, not yet acked
        quint64 busy = 0;         // consumer: messages in processing (busy dot)
        quint64 dropped = 0;      // red badge
        quint64 deadLettered = 0; // purple badge
        bool crashed = false;     // greyed out with a cross
        bool paused = false;      // veiled in blue with a pause sign
        QStringList faults;       // other faults active on it ("slow"): an amber pill each
        QString line; // the live line under the name, e.g. "depth 12 · 3 unacked", "4 in flight · 120 ok"
    };
    Badges badges() const { return badges(true); }
    // The tooltip with the live counters appended while a run's figures are showing.
    QString liveToolTip() const;
    // The box's fill: the canvas's, warmed by the peer's coverage during a gossip run.
    QColor fillColour() const;

    QRectF boundingRect() const override;
    QPainterPath shape() const override;
    void paint(QPainter *painter, const QStyleOptionGraphicsItem *option, QWidget *widget) override;
    PaintForm lastPaintForm() const { return m_lastForm; }

protected:
    QVariant itemChange(GraphicsItemChange change, const QVariant &value) override;

private:
    // `withLine` false: the marks only (the compact form draws no text).
    Badges badges(bool withLine) const;
    void paintCompact(QPainter *painter, bool selected);
    const LiveOverlay *overlay() const;
    const LiveNodeStats *liveStats() const; // this node's, while the scene shows a run
    void layoutPorts();
    // `font` null: marks only, no text (the canvas is zoomed too far out to read it).
    void paintBadges(QPainter *painter, const Badges &b, const QFont *font);
    // A log's lanes under the header; `font` null: marks only.
    void paintLanes(QPainter *painter, const QFont *font);
    // The box's top part, with the icon, name and kind line (the whole box but for a log).
    qreal headerHeight() const { return m_headerHeight; }
    const LiveLogs *liveLogs() const; // while the scene shows a run

    const TopologyDocument *m_document;
    QString m_id;
    QString m_kind;
    QString m_name;
    QStringList m_nameLines;
    qreal m_width = kWidth;
    qreal m_height = kHeight;
    qreal m_headerHeight = kHeight;
    int m_partitions = 0;
    // The text lines, laid out again only when their text, font or room changes.
    QStaticText m_nameText, m_nameText2, m_lineText;
    QString m_nameKey, m_nameKey2, m_lineKey;
    std::vector<PortItem *> m_ports;
    // What the node's call ports make it: a caller (an output of the call protocol), a server (an
    // input of it); its live line says so.
    bool m_caller = false;
    bool m_server = false;
    bool m_syncing = false;
    PaintForm m_lastForm = PaintForm::None;
};

// A port of a node on the node's edge: a circle for publishes (blue-grey) and deliveries (green),
// a diamond for calls (teal), its tooltip naming what it carries ("calls"). Dragging from an
// output starts a link.
class PortItem : public QGraphicsItem {
public:
    enum { Type = PortItemType };
    static constexpr qreal kRadius = 6;

    PortItem(NodeItem *node, const QString &name, bool output, Protocol protocol, const QString &help);

    int type() const override { return Type; }
    NodeItem *node() const { return m_node; }
    QString name() const { return m_name; }
    bool isOutput() const { return m_output; }
    Protocol protocol() const { return m_protocol; }
    bool isDelivery() const { return m_protocol == Protocol::Delivery; }
    // Where links attach, in scene coordinates.
    QPointF anchor() const { return scenePos(); }
    void setHighlighted(bool on);
    // While a link is dragged, every input says whether it would take it: accepting inputs are
    // ringed, refusing ones dimmed and red with the reason as their tooltip.
    enum class LinkTarget { None, Accepts, Refuses };
    void setLinkTarget(LinkTarget target, const QString &reason = {});
    LinkTarget linkTarget() const { return m_target; }

    QRectF boundingRect() const override;
    // Nothing in the compact form unless it is a link drag's target.
    void paint(QPainter *painter, const QStyleOptionGraphicsItem *option, QWidget *widget) override;
    PaintForm lastPaintForm() const { return m_lastForm; }

private:
    NodeItem *m_node;
    QString m_name;
    bool m_output;
    Protocol m_protocol;
    bool m_highlighted = false;
    LinkTarget m_target = LinkTarget::None;
    QString m_help; // the tooltip when no link is being dragged
    PaintForm m_lastForm = PaintForm::None;
};

// A link: a cubic curve from the output port to the input port ending in an arrow head; dashed
// when it carries deliveries, teal when it carries calls. Its ends are the ports of the NodeItems found in
// the same scene.
class LinkItem : public QGraphicsItem {
public:
    enum { Type = LinkItemType };
    // The width of the band around the curve that a click selects the link in.
    static constexpr qreal kHitWidth = 12;

    LinkItem(const TopologyDocument *document, const QString &id);

    int type() const override { return Type; }
    QString id() const { return m_id; }
    bool isDelivery() const { return m_protocol == Protocol::Delivery; }
    Protocol protocol() const { return m_protocol; }
    // Re-reads the link's ends and bindings and re-routes the curve to the ports' current places.
    void sync();

    // The binding keys drawn near the middle of a link leaving an exchange ("order.*",
    // "a, b +2"), or empty.
    QString keyLabel() const { return m_keyLabel; }
    static QString keyLabelFor(const QStringList &keys);
    // Live view: whether the link shows dots or throughput (Idle when no run is showing), the
    // label under the link (during a run the throughput, "1.2k/s", empty unless in throughput
    // mode; after it the total carried, "952 msgs", never a rate that has stopped being true) and
    // the dots drawn now.
    int liveMode() const;
    QString rateLabel() const;
    int dotCount() const;
    QString liveToolTip() const;
    // Whether the link is drawn down (dashed red): partitioned, by a planned or a live fault.
    bool looksDown() const;
    // The kinds of the other faults active on the link ("loss", "latency"), shown in an amber
    // label over it while they last.
    QStringList faultLabels() const;

    QRectF boundingRect() const override;
    QPainterPath shape() const override;
    void paint(QPainter *painter, const QStyleOptionGraphicsItem *option, QWidget *widget) override;
    PaintForm lastPaintForm() const { return m_lastForm; }
    // The points the link is drawn through at 100 % and below (scene coordinates), re-routed by
    // sync() when an end moves.
    const QPolygonF &coarsePoints() const { return m_coarse.points; }

    // The compact form's line and arrow head (LinkLayer draws them all into one image), and its
    // travelling frames as squares: messages into `messages` (messageDotColour()), control frames
    // into `controls` by colour.
    // `live`: the scene's overlay while it shows a run, else nullptr.
    void paintCompactLine(QPainter *painter, qreal lod, const LiveOverlay *live,
                          const CanvasColors &canvas) const;
    void compactDots(qreal lod, const LiveOverlay *live, std::vector<QRectF> *messages,
                     QHash<QRgb, std::vector<QRectF>> *controls) const;
    // How the line would now be drawn otherwise than paintCompactLine last drew it: a run's snapshot
    // changed its mode or rate (Colour), a fault took it down (Style: dashed).
    enum class LookChange { None, Colour, Style };
    LookChange compactLookChange() const;
    static QColor messageDotColour();

    // The curve between two scene points, also used for the temporary line while connecting.
    static QPainterPath curve(QPointF from, QPointF to);

private:
    // How the link's line is drawn now: its colour, width and dashes.
    struct Look {
        QColor colour;
        qreal width = 1.6;
        Qt::PenStyle style = Qt::SolidLine;
        bool down = false;
    };
    Look lookFor(bool selected, const LiveOverlay *live, const LiveOverlay::LinkState *state,
                 const CanvasColors &canvas) const;
    const LiveOverlay *overlay() const;
    const LiveOverlay::LinkState *liveState() const; // this link's, while the scene shows a run
    // This link's index in the run `live` shows (-1: none), looked up once per run.
    int liveIndex(const LiveOverlay &live) const;
    // The point at `fraction` of the curve's length.
    QPointF pointAt(qreal fraction) const;

    const TopologyDocument *m_document;
    QString m_id;
    QPainterPath m_path;
    QPainterPath m_shape; // the hit area (kHitWidth around the curve, and the arrow head)
    // The curve flattened once per sync, in runs of a few segments with their bounds and the
    // length before them: painting strokes only the runs in the exposed area (a long dashed link
    // mostly out of view costs nothing), with the dash pattern carried on from run to run.
    struct Run {
        int first = 0, count = 0;
        qreal offset = 0; // curve length before the run's first point
        QRectF bounds;
    };
    struct Polyline {
        QPolygonF points;
        std::vector<qreal> lengths; // curve length up to each point
        std::vector<Run> runs;
        QRectF bounds;
        void build(const QPainterPath &path, qreal scale);
    };
    // The outline of the last stroke drawn whole, for its width, dashing and precision.
    struct StrokeCache {
        qreal width = -1;
        int style = Qt::SolidLine;      // the pen style it was stroked with
        const Polyline *line = nullptr; // the precision: m_fine, m_coarse or m_compact
        QPainterPath outline;
    };
    StrokeCache m_stroke;
    Polyline m_fine;    // for zooming in, and for placing dots
    Polyline m_coarse;  // for 100 % and below
    Polyline m_compact; // for the compact form (below kCompactLod): a few pixels' precision
    QPolygonF m_arrow;
    Protocol m_protocol = Protocol::Publish;
    QString m_keyLabel;
    QStaticText m_keyText;  // laid out once per sync
    QStaticText m_rateText; // laid out again only when the shown rate changes
    QString m_rateString;
    QRectF m_keyRect;   // where the key label is drawn
    QRectF m_rateRect;  // where a throughput label goes
    QRectF m_lossRect;  // where the count of frames lost on the link goes
    QRectF m_faultRect; // the room for the label of the faults active on it
    QRectF m_bounds;    // boundingRect(), worked out once per sync
    PaintForm m_lastForm = PaintForm::None;
    mutable Look m_drawnLook; // by paintCompactLine
    mutable int m_liveIndex = -1;
    mutable std::uint64_t m_liveGeneration = ~std::uint64_t(0);
};

} // namespace sb
