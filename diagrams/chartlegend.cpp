#include "chartlegend.h"

#include <QFontMetricsF>
#include <QPainter>
#include <QPixmap>
#include <QResizeEvent>
#include <QScrollBar>

namespace sb {

namespace {

constexpr qreal kSampleWidth = 24; // the line sample before a name
constexpr qreal kGap = 6;          // between sample and name
constexpr qreal kEntryGap = 16;    // between entries in a row

QPen samplePen(const QColor &color, Qt::PenStyle style)
{
    QPen pen(color, 2.0, style);
    pen.setCapStyle(Qt::FlatCap);
    return pen;
}

// Where each entry goes when the entries wrap across `width`: (x, row) per entry.
QList<QPair<qreal, int>> layoutRows(const QList<LegendEntry> &entries, const QFontMetricsF &fm, qreal width)
{
    QList<QPair<qreal, int>> out;
    qreal x = 0;
    int row = 0;
    for (const LegendEntry &e : entries) {
        const qreal w = kSampleWidth + kGap + fm.horizontalAdvance(e.name);
        if (x > 0 && x + w > width) {
            x = 0;
            ++row;
        }
        out.append({x, row});
        x += w + kEntryGap;
    }
    return out;
}

} // namespace

QIcon lineSampleIcon(const QColor &color, Qt::PenStyle style)
{
    QPixmap pixmap(int(kSampleWidth), 12);
    pixmap.fill(Qt::transparent);
    QPainter painter(&pixmap);
    painter.setPen(samplePen(color, style));
    painter.drawLine(QPointF(1, 6), QPointF(kSampleWidth - 1, 6));
    painter.end();
    return QIcon(pixmap);
}

ChartLegendModel::ChartLegendModel(QObject *parent) : QAbstractListModel(parent) {}

void ChartLegendModel::setEntries(const QList<LegendEntry> &entries)
{
    if (entries == m_entries) return;
    beginResetModel();
    m_entries = entries;
    endResetModel();
}

int ChartLegendModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_entries.size());
}

QVariant ChartLegendModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid)) return {};
    const LegendEntry &e = m_entries[index.row()];
    switch (role) {
    case Qt::DisplayRole:
        return e.name;
    case Qt::ToolTipRole:
        return e.id == e.name ? e.name : QStringLiteral("%1 (%2)").arg(e.name, e.id);
    case Qt::DecorationRole:
        return lineSampleIcon(e.color, e.style);
    case IdRole:
        return e.id;
    case ColorRole:
        return e.color;
    case PenStyleRole:
        return int(e.style);
    default:
        return {};
    }
}

ChartLegendView::ChartLegendView(QWidget *parent) : QListView(parent)
{
    setFlow(QListView::LeftToRight);
    setWrapping(true);
    setResizeMode(QListView::Adjust);
    setSpacing(2);
    setIconSize(QSize(int(kSampleWidth), 12));
    setSelectionMode(QAbstractItemView::NoSelection);
    setFocusPolicy(Qt::NoFocus);
    setFrameShape(QFrame::NoFrame);
    setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
    // The legend reads as part of the chart, not as an editable list.
    viewport()->setAutoFillBackground(false);
}

int ChartLegendView::rowHeight() const
{
    const int text = fontMetrics().height();
    return std::max(text, iconSize().height()) + 2 * spacing() + 4;
}

QSize ChartLegendView::sizeHint() const
{
    // As tall as the wrapped rows, up to kMaxRows.
    const int rows = [&] {
        if (!model() || model()->rowCount() == 0) return 1;
        const int height = std::max(contentsSize().height(), rowHeight());
        return std::clamp((height + rowHeight() - 1) / rowHeight(), 1, kMaxRows);
    }();
    return {QListView::sizeHint().width(), rows * rowHeight() + 2 * frameWidth()};
}

QSize ChartLegendView::minimumSizeHint() const
{
    return {0, rowHeight() + 2 * frameWidth()};
}

void ChartLegendView::resizeEvent(QResizeEvent *event)
{
    QListView::resizeEvent(event);
    if (event->size().width() != event->oldSize().width()) {
        doItemsLayout();
        updateGeometry();
    }
}

void ChartLegendView::rowsInserted(const QModelIndex &parent, int start, int end)
{
    QListView::rowsInserted(parent, start, end);
    updateGeometry();
}

void ChartLegendView::reset()
{
    QListView::reset();
    doItemsLayout();
    updateGeometry();
}

qreal legendHeight(const QList<LegendEntry> &entries, const QFont &font, qreal width)
{
    if (entries.isEmpty()) return 0;
    const QFontMetricsF fm(font);
    const auto rows = layoutRows(entries, fm, width);
    return (rows.last().second + 1) * fm.height() * 1.5;
}

void paintLegend(QPainter &painter, const QList<LegendEntry> &entries, const QFont &font,
                 const QPointF &topLeft, qreal width, const QColor &text)
{
    const QFontMetricsF fm(font);
    const auto rows = layoutRows(entries, fm, width);
    const qreal rowHeight = fm.height() * 1.5;
    painter.save();
    painter.setFont(font);
    for (qsizetype i = 0; i < entries.size(); ++i) {
        const qreal x = topLeft.x() + rows[i].first;
        const qreal y = topLeft.y() + rows[i].second * rowHeight + rowHeight / 2;
        painter.setPen(samplePen(entries[i].color, entries[i].style));
        painter.drawLine(QPointF(x, y), QPointF(x + kSampleWidth, y));
        painter.setPen(text);
        painter.drawText(QRectF(x + kSampleWidth + kGap, y - rowHeight / 2, width, rowHeight),
                         Qt::AlignLeft | Qt::AlignVCenter, entries[i].name);
    }
    painter.restore();
}

} // namespace sb
