#pragma once
// The legend of a chart: one entry per shown series (its node's or link's name, colour and pen
// style), as an item model for the panel's wrapping legend view, and painted in rows for chart
// exports. Qt Charts' own legend lays its markers out in one row or column and cuts off what does
// not fit; this one wraps, and scrolls when even wrapped rows do not fit.
#include <QAbstractListModel>
#include <QColor>
#include <QIcon>
#include <QList>
#include <QListView>
#include <QString>

class QFont;
class QPainter;

namespace sb {

struct LegendEntry {
    QString name; // what a person reads: the node's name, or "source → target" for a link
    QString id;   // the node or link id, for the tooltip
    QColor color; // the node's colour (a link: its source node's)
    Qt::PenStyle style = Qt::SolidLine;
    bool operator==(const LegendEntry &) const = default;
};

// A short line drawn with the colour and pen style: the swatch for a legend entry or a picker row.
QIcon lineSampleIcon(const QColor &color, Qt::PenStyle style);

class ChartLegendModel : public QAbstractListModel {
    Q_OBJECT

public:
    enum Role {
        IdRole = Qt::UserRole + 1, // QString
        ColorRole,                 // QColor
        PenStyleRole,              // int (Qt::PenStyle)
    };

    explicit ChartLegendModel(QObject *parent = nullptr);
    // Replaces the entries (a reset only when they differ).
    void setEntries(const QList<LegendEntry> &entries);
    const QList<LegendEntry> &entries() const { return m_entries; }

    int rowCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;

private:
    QList<LegendEntry> m_entries;
};

// The legend in the panel: entries left to right, wrapping into rows; as tall as its rows up to
// kMaxRows, then it scrolls.
class ChartLegendView : public QListView {
    Q_OBJECT

public:
    static constexpr int kMaxRows = 3;
    explicit ChartLegendView(QWidget *parent = nullptr);
    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

protected:
    void resizeEvent(QResizeEvent *event) override;
    void rowsInserted(const QModelIndex &parent, int start, int end) override;
    void reset() override;

private:
    int rowHeight() const;
};

// Exports: the legend drawn in rows across `width`, starting at `topLeft`. legendHeight() says how
// tall it will be.
qreal legendHeight(const QList<LegendEntry> &entries, const QFont &font, qreal width);
void paintLegend(QPainter &painter, const QList<LegendEntry> &entries, const QFont &font,
                 const QPointF &topLeft, qreal width, const QColor &text);

} // namespace sb
