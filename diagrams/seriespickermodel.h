#pragma once
// The chart's node picker: a checkable list of the nodes (or links) that have the chosen metric:
// queues for queue depth, consumer lag, redeliveries and dead letters; consumers for latency;
// every node for throughput and drops; links for link frames and losses; callers (kinds with an
// output port of the call protocol) for calls in flight, retries and the breaker; servers (an
// input port of the call protocol) for the server queue; and, for the keyed call metrics, the
// client-and-status or client-and-method series the run has met so far (rows are added as keys
// appear), and for a consumer group's lag its total and each partition of its topic ("lag billing
// total", "lag billing P0"). Checks are kept per target while the metric changes. Rows show names (a link:
// "source → target" by node names; a key: "client · UNAVAILABLE"), with the id in the tooltip,
// and the line sample each series is drawn with.
#include "timeseries.h"

#include <QAbstractListModel>
#include <QColor>
#include <QStringList>

namespace sb {

struct Topology;

// A node or link a chart can show, as a person reads it and as it is drawn.
struct SeriesTarget {
    QString id;
    QString name; // the node's name (its id when it has none); a link: "source → target"
    QString kind; // the node's kind, or "link"
    QColor color; // the node's colour (NodeColors); a link: its source node's
    Qt::PenStyle style = Qt::SolidLine; // a link: varies among the links of one source node
};

class SeriesPickerModel : public QAbstractListModel {
    Q_OBJECT

public:
    enum Role {
        TargetRole = Qt::UserRole + 1, // node index, or link index for link metrics (int)
        KindRole,                      // node kind, or "link" (QString)
        IdRole,                        // node or link id (QString)
        ColorRole,                     // QColor
        PenStyleRole,                  // int (Qt::PenStyle)
    };

    explicit SeriesPickerModel(QObject *parent = nullptr);

    // The nodes and links of a topology, in its order: names, and one colour per node by its
    // index (the same as its sequence lifeline); a node's several links share its colour and
    // differ in pen style (solid, dash, dot, dash-dot...).
    static QList<SeriesTarget> nodeTargets(const Topology &topology);
    static QList<SeriesTarget> linkTargets(const Topology &topology);
    // All nodes and links start checked.
    void setTargets(const QList<SeriesTarget> &nodes, const QList<SeriesTarget> &links);
    // Ids as names, colours by index; links solid.
    void setTargets(const QStringList &nodeIds, const QStringList &nodeKinds, const QStringList &linkIds);
    // A node (or, for link metrics, a link) by its index; an empty target when there is none.
    SeriesTarget target(SeriesMetric metric, int index) const;
    void setMetric(SeriesMetric metric);
    SeriesMetric metric() const { return m_metric; }
    static bool hasMetric(const QString &kind, SeriesMetric metric);

    // Adds a row for each key of `kind` beyond those it has (keys only grow, in the order the run
    // met them), checked: a status key is coloured by its status (one colour per status, in the
    // order met) and styled by its client; a method key takes its client's colour, styled by the
    // method; a group key ("lag billing P0") takes its partition's colour (a group's total the
    // first) and is styled by its group. Rows appear at once when the current metric has such keys.
    void syncKeys(SeriesKeyKind kind, const std::vector<SeriesKey> &keys);
    int keyCount(SeriesKeyKind kind) const;

    // The checked rows' targets, in row order.
    QList<int> checkedTargets() const;
    void setAllChecked(bool checked);

    int rowCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    bool setData(const QModelIndex &index, const QVariant &value, int role = Qt::EditRole) override;
    Qt::ItemFlags flags(const QModelIndex &index) const override;

Q_SIGNALS:
    void checkedChanged();

private:
    // What a target is an index into: the nodes, the links, or a keyed metric's keys.
    enum class Family : std::uint8_t { Node, Link, Status, Method, Group, Item };
    static Family familyOf(SeriesKeyKind kind);
    static Family familyOf(SeriesMetric metric);
    struct Target {
        SeriesTarget what;
        int index = 0;
        Family family = Family::Node;
        bool checked = true;
    };
    bool shows(const Target &t) const;
    void rebuildRows();
    QList<Target> m_targets;
    QList<int> m_rows; // indices into m_targets shown for the metric
    SeriesMetric m_metric = SeriesMetric::Throughput;
};

} // namespace sb
