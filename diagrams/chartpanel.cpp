#include "chartpanel.h"

#include "chartlegend.h"
#include "logmetrics.h"
#include "picturefile.h"
#include "seriesdecimator.h"
#include "seriespickermodel.h"
#include "topology.h"

#include <QChart>
#include <QChartView>
#include <QComboBox>
#include <QCursor>
#include <QDialog>
#include <QDialogButtonBox>
#include <QEvent>
#include <QFile>
#include <QFileDialog>
#include <QFormLayout>
#include <QGraphicsLayout>
#include <QGraphicsRectItem>
#include <QGraphicsScene>
#include <QGraphicsSimpleTextItem>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineSeries>
#include <QListView>
#include <QMenu>
#include <QMessageBox>
#include <QPainter>
#include <QPushButton>
#include <QScopedValueRollback>
#include <QScrollArea>
#include <QSpinBox>
#include <QStandardItemModel>
#include <QTimer>
#include <QToolButton>
#include <QToolTip>
#include <QVBoxLayout>
#include <QValueAxis>
#include <QWheelEvent>

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>

namespace sb {

namespace {

// The chart view with wheel zoom on the time axis, around the pointer.
class ChartView final : public QChartView {
public:
    ChartView(QChart *chart, std::function<void(double factor, double atX)> zoom, QWidget *parent)
        : QChartView(chart, parent), m_zoom(std::move(zoom))
    {
    }

protected:
    void wheelEvent(QWheelEvent *event) override
    {
        const int delta = event->angleDelta().y();
        if (!delta) return QChartView::wheelEvent(event);
        const QPointF value =
            chart()->mapToValue(chart()->mapFromScene(mapToScene(event->position().toPoint())));
        m_zoom(delta > 0 ? 0.8 : 1.25, value.x());
        event->accept();
    }

private:
    std::function<void(double, double)> m_zoom;
};

// Sets a range with about `target` ticks at round values (1, 2 or 5 times a power of ten apart,
// from 0). The axis lays out ticks at every change, so the interval is made coarse first: a fine
// interval over a wide range would mean millions of ticks.
void setRangeWithNiceTicks(QValueAxis *axis, double min, double max, int target)
{
    const double span = max - min;
    if (!(span > 0) || !std::isfinite(span)) return;
    axis->setTickInterval(std::max(span, axis->max() - axis->min()));
    axis->setRange(min, max);
    const double raw = span / target;
    const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
    double step = magnitude;
    for (double m : {1.0, 2.0, 5.0, 10.0})
        if (raw <= m * magnitude) {
            step = m * magnitude;
            break;
        }
    axis->setTickAnchor(0);
    axis->setTickInterval(step);
}

QString windowedTitle(SeriesMetric metric, double window)
{
    const QString unit = QString::fromLatin1(seriesMetricUnit(metric));
    if (window <= 0) return unit;
    return ChartPanel::tr("%1 over %2 windows").arg(unit, ChartSeriesStore::windowText(window));
}

} // namespace

ChartPanel::ChartPanel(QWidget *parent) : QWidget(parent)
{
    m_picker = new SeriesPickerModel(this);

    m_metricBox = new QComboBox(this);
    m_metricBox->setObjectName(QStringLiteral("chartMetric"));
    for (int m = 0; m < kSeriesMetricCount; ++m)
        m_metricBox->addItem(QString::fromLatin1(seriesMetricLabel(SeriesMetric(m))), m);
    m_metricBox->setToolTip(tr("The figure to chart"));

    m_smoothingBox = new QComboBox(this);
    m_smoothingBox->setObjectName(QStringLiteral("chartSmoothing"));
    for (double w : smoothingChoices())
        m_smoothingBox->addItem(w == 0  ? tr("Off")
                                : w < 1 ? tr("%1 ms").arg(qRound(w * 1000))
                                        : tr("%1 s").arg(w),
                                w);

    m_liveButton = new QToolButton(this);
    m_liveButton->setObjectName(QStringLiteral("chartLive"));
    m_liveButton->setText(tr("Live"));
    m_liveButton->setCheckable(true);
    m_liveButton->setChecked(true);
    m_liveButton->setToolTip(tr("Follow the run as it grows; unchecked, the view stays as it is while data "
                                "keeps arriving"));

    m_resetZoomButton = new QToolButton(this);
    m_resetZoomButton->setObjectName(QStringLiteral("chartResetZoom"));
    m_resetZoomButton->setText(tr("Reset zoom"));
    m_resetZoomButton->setToolTip(tr("Show the whole run and follow it live again. Zoom with the mouse "
                                     "wheel or by dragging over a time range; right-click zooms out."));

    m_exportButton = new QToolButton(this);
    m_exportButton->setObjectName(QStringLiteral("chartExport"));
    m_exportButton->setText(tr("Export"));
    m_exportButton->setPopupMode(QToolButton::InstantPopup);
    auto *exportMenu = new QMenu(m_exportButton);
    exportMenu->addAction(tr("Chart as PNG…"), this, [this] { exportWithDialog(QStringLiteral("png")); });
    exportMenu->addAction(tr("Chart as SVG…"), this, [this] { exportWithDialog(QStringLiteral("svg")); });
    exportMenu->addAction(tr("Chart as PDF…"), this, [this] { exportWithDialog(QStringLiteral("pdf")); });
    exportMenu->addAction(tr("Series as CSV (whole run)…"), this,
                          [this] { exportWithDialog(QStringLiteral("csv"), CsvRange::Whole); });
    exportMenu->addAction(tr("Series as CSV (visible range)…"), this,
                          [this] { exportWithDialog(QStringLiteral("csv"), CsvRange::Visible); });
    m_exportButton->setMenu(exportMenu);

    m_pickerView = new QListView(this);
    m_pickerView->setObjectName(QStringLiteral("chartPicker"));
    m_pickerView->setModel(m_picker);
    m_pickerView->setToolTip(tr("The nodes (or links) to chart"));
    auto *all = new QPushButton(tr("All"), this);
    auto *none = new QPushButton(tr("None"), this);
    connect(all, &QPushButton::clicked, this, [this] { m_picker->setAllChecked(true); });
    connect(none, &QPushButton::clicked, this, [this] { m_picker->setAllChecked(false); });

    m_legend = new ChartLegendModel(this);
    m_legendView = new ChartLegendView(this);
    m_legendView->setObjectName(QStringLiteral("chartLegend"));
    m_legendView->setModel(m_legend);

    m_chart = new QChart;
    // Qt Charts' legend cuts off what does not fit in one column: the panel's own legend wraps.
    m_chart->legend()->hide();
    m_chart->setMargins(QMargins(4, 4, 4, 4));
    m_axisX = new QValueAxis(m_chart);
    m_axisX->setTitleText(tr("Virtual time (s)"));
    m_axisX->setLabelFormat(QStringLiteral("%.4g"));
    m_axisX->setTickInterval(1);
    m_axisX->setTickType(QValueAxis::TicksDynamic);
    m_axisY = new QValueAxis(m_chart);
    m_axisY->setLabelFormat(QStringLiteral("%.4g"));
    m_axisY->setTickInterval(1);
    m_axisY->setTickType(QValueAxis::TicksDynamic);
    m_chart->addAxis(m_axisX, Qt::AlignBottom);
    m_chart->addAxis(m_axisY, Qt::AlignLeft);
    m_view = new ChartView(
        m_chart,
        [this](double factor, double at) {
            if (!std::isfinite(at)) return;
            setXRange(at - (at - m_xMin) * factor, at + (m_xMax - at) * factor);
        },
        this);
    m_view->setObjectName(QStringLiteral("chartView"));
    m_view->setRenderHint(QPainter::Antialiasing, false); // a frame must stay cheap with many points
    m_view->setRubberBand(QChartView::HorizontalRubberBand);
    // Axis labels and titles take about 70 px of the view's height; the plot keeps the rest.
    m_view->setMinimumSize(300, kMinPlotHeight + 80);

    auto *top = new QHBoxLayout;
    top->addWidget(new QLabel(tr("Metric:"), this));
    top->addWidget(m_metricBox);
    auto *smoothingLabel = new QLabel(tr("Smoothing:"), this);
    smoothingLabel->setBuddy(m_smoothingBox);
    top->addWidget(smoothingLabel);
    top->addWidget(m_smoothingBox);
    top->addStretch(1);
    top->addWidget(m_liveButton);
    top->addWidget(m_resetZoomButton);
    top->addWidget(m_exportButton);
    auto *side = new QVBoxLayout;
    side->addWidget(m_pickerView, 1);
    auto *buttons = new QHBoxLayout;
    buttons->addWidget(all);
    buttons->addWidget(none);
    side->addLayout(buttons);
    auto *sideWidget = new QWidget(this);
    sideWidget->setLayout(side);
    sideWidget->setMaximumWidth(240);
    side->setContentsMargins(0, 0, 0, 0);
    auto *plot = new QVBoxLayout;
    plot->setContentsMargins(0, 0, 0, 0);
    plot->setSpacing(0);
    plot->addWidget(m_view, 1);
    plot->addWidget(m_legendView);
    auto *body = new QHBoxLayout;
    body->addWidget(sideWidget);
    body->addLayout(plot, 1);
    // Everything in a scroll area: given room the plot grows with the dock; given less than the
    // plot needs, the panel scrolls rather than squashing the plot to a strip.
    auto *content = new QWidget;
    auto *layout = new QVBoxLayout(content);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addLayout(top);
    layout->addLayout(body, 1);
    m_scroll = new QScrollArea(this);
    m_scroll->setObjectName(QStringLiteral("chartScroll"));
    m_scroll->setFrameShape(QFrame::NoFrame);
    m_scroll->setWidgetResizable(true);
    m_scroll->setWidget(content);
    auto *outer = new QVBoxLayout(this);
    outer->setContentsMargins(0, 0, 0, 0);
    outer->addWidget(m_scroll);

    connect(m_metricBox, &QComboBox::currentIndexChanged, this,
            [this](int) { setMetric(SeriesMetric(m_metricBox->currentData().toInt())); });
    connect(m_smoothingBox, &QComboBox::currentIndexChanged, this,
            [this](int) { setSmoothing(m_smoothingBox->currentData().toDouble()); });
    connect(m_picker, &SeriesPickerModel::checkedChanged, this, [this] {
        m_seriesDirty = true;
        m_viewDirty = true;
    });
    connect(m_liveButton, &QToolButton::toggled, this, &ChartPanel::setLive);
    connect(m_resetZoomButton, &QToolButton::clicked, this, &ChartPanel::resetZoom);
    // A rubber band or a right-click changes the axis itself: that is a zoom too.
    connect(m_axisX, &QValueAxis::rangeChanged, this, [this](qreal min, qreal max) {
        if (m_settingRange) return;
        m_xMin = min;
        m_xMax = max;
        setLive(false);
        m_viewDirty = true;
    });

    // Columns and ticks follow the plot's size.
    connect(m_chart, &QChart::plotAreaChanged, this, [this](const QRectF &area) {
        if (area.size().toSize() != m_plotSize) m_viewDirty = true;
    });

    m_frameTimer = new QTimer(this);
    m_frameTimer->setInterval(kFrameIntervalMs);
    connect(m_frameTimer, &QTimer::timeout, this, &ChartPanel::onFrameTick);
    m_frameTimer->start();
    applyTheme();
    setMetric(SeriesMetric::Throughput);
}

ChartPanel::~ChartPanel() = default;

QChartView *ChartPanel::chartView() const
{
    return m_view;
}

QList<QLineSeries *> ChartPanel::shownSeries() const
{
    return m_series;
}

void ChartPanel::reset(const Topology &topology)
{
    const QList<SeriesTarget> nodes = SeriesPickerModel::nodeTargets(topology);
    const QList<SeriesTarget> links = SeriesPickerModel::linkTargets(topology);
    QStringList nodeIds, linkIds;
    for (const SeriesTarget &t : nodes)
        nodeIds << t.id;
    for (const SeriesTarget &t : links)
        linkIds << t.id;
    m_store.reset(nodeIds, linkIds);
    m_picker->setTargets(nodes, links);
    // The metric box offers the figures some node, link, group or item of this topology has.
    const bool logs = LogMetrics(topology).any();
    const auto anyNode = [&nodes](SeriesMetric m) {
        return std::any_of(nodes.begin(), nodes.end(),
                           [m](const SeriesTarget &t) { return SeriesPickerModel::hasMetric(t.kind, m); });
    };
    const bool peers = std::any_of(nodes.begin(), nodes.end(),
                                   [](const SeriesTarget &t) { return t.kind == QLatin1String("peer"); });
    offerMetrics([&](SeriesMetric m) {
        switch (seriesMetricKey(m)) {
        case SeriesKeyKind::None:
            return seriesMetricIsLink(m) ? !links.isEmpty() : anyNode(m);
        case SeriesKeyKind::Status:
        case SeriesKeyKind::Method:
            return anyNode(SeriesMetric::CallsInFlight);
        case SeriesKeyKind::Group:
            return logs;
        case SeriesKeyKind::Item:
            return peers;
        }
        return true;
    });
    if (!offersMetric(metric())) setMetric(SeriesMetric::Throughput);
    // A topology of clients and servers only has no node with the default figure (throughput):
    // its calls by status are what to see first.
    if (m_picker->rowCount() == 0 && !seriesMetricIsKeyed(metric()) &&
        std::any_of(nodes.begin(), nodes.end(), [](const SeriesTarget &t) {
            return SeriesPickerModel::hasMetric(t.kind, SeriesMetric::CallsInFlight);
        }))
        setMetric(SeriesMetric::CallsByStatus);
    // A topology with a log (a Kafka topic) is read by consumer groups: how far behind they are
    // is what to see first.
    if (metric() == SeriesMetric::Throughput && logs) setMetric(SeriesMetric::GroupLag);
    // Peers disseminating items: how far each item has spread (the epidemic S-curve). A structured
    // overlay: its lookups' hops. A supervision tree of actors: its restarts.
    const bool supervisors = std::any_of(nodes.begin(), nodes.end(), [](const SeriesTarget &t) {
        return t.kind == QLatin1String("supervisor");
    });
    const bool lookups = anyNode(SeriesMetric::LookupHops);
    if (metric() == SeriesMetric::Throughput && peers) setMetric(SeriesMetric::Coverage);
    if (metric() == SeriesMetric::Throughput && lookups) setMetric(SeriesMetric::LookupHops);
    if (metric() == SeriesMetric::Throughput && supervisors) setMetric(SeriesMetric::Restarts);
    startOver();
}

void ChartPanel::reset(const QStringList &nodeIds, const QStringList &nodeKinds, const QStringList &linkIds)
{
    offerMetrics([](SeriesMetric) { return true; });
    m_store.reset(nodeIds, linkIds);
    m_picker->setTargets(nodeIds, nodeKinds, linkIds);
    startOver();
}

void ChartPanel::offerMetrics(const std::function<bool(SeriesMetric)> &offered)
{
    auto *model = qobject_cast<QStandardItemModel *>(m_metricBox->model());
    for (int i = 0; i < m_metricBox->count(); ++i) {
        const auto m = SeriesMetric(m_metricBox->itemData(i).toInt());
        const bool on = offered(m);
        if (QStandardItem *item = model ? model->item(i) : nullptr) {
            item->setEnabled(on);
            item->setToolTip(on ? QString() : tr("Nothing in this topology has this figure"));
        }
    }
}

bool ChartPanel::offersMetric(SeriesMetric metric) const
{
    const auto *model = qobject_cast<const QStandardItemModel *>(m_metricBox->model());
    const int i = m_metricBox->findData(int(metric));
    const QStandardItem *item = model && i >= 0 ? model->item(i) : nullptr;
    return item && item->isEnabled();
}

void ChartPanel::startOver()
{
    m_faultSpans.clear();
    m_seriesDirty = true;
    setLive(true);
    m_xMin = 0;
    m_xMax = 1;
    refresh();
}

void ChartPanel::appendDelta(const TimeSeriesDelta &delta)
{
    m_store.apply(delta);
    // Keyed series (per client and status or method, per group and partition) get their picker
    // rows as they appear.
    for (SeriesKeyKind kind :
         {SeriesKeyKind::Status, SeriesKeyKind::Method, SeriesKeyKind::Group, SeriesKeyKind::Item})
        m_picker->syncKeys(kind, m_store.keys(kind));
    markDataChanged();
}

void ChartPanel::markDataChanged()
{
    m_dataDirty = true;
}

void ChartPanel::setFaultSpans(std::vector<FaultActivation> spans)
{
    m_faultSpans = std::move(spans);
    m_viewDirty = true;
}

QList<ChartPanel::FaultBand> ChartPanel::bandsInView(double endTime) const
{
    QList<FaultBand> bands;
    for (const FaultActivation &f : m_faultSpans) {
        const double from = double(f.start) / double(kSecond);
        const double to = f.end == kNever ? std::max(from, endTime) : double(f.end) / double(kSecond);
        if (to < m_xMin || from > m_xMax) continue;
        FaultBand b;
        b.from = from;
        b.to = to;
        b.label = tr("%1 %2").arg(QString::fromStdString(f.id), QString::fromStdString(f.kind));
        const QString target = f.target.empty() ? tr("every node") : QString::fromStdString(f.target);
        b.toolTip = tr("Fault %1: %2 on %3, %4, %5 s to %6")
                        .arg(QString::fromStdString(f.id), QString::fromStdString(f.kind), target,
                             f.planned ? tr("planned") : tr("applied live"))
                        .arg(from, 0, 'g', 6)
                        .arg(f.end == kNever ? tr("now (active)") : tr("%1 s").arg(to, 0, 'g', 6));
        if (!f.detail.empty()) b.toolTip += QStringLiteral("\n") + QString::fromStdString(f.detail);
        bands.append(b);
        // Thousands of spans (a fault repeating every few milliseconds) would be one grey wash
        // and cost a frame each: the first ones in view show.
        if (bands.size() >= 500) break;
    }
    return bands;
}

void ChartPanel::placeFaultBands(QChart *chart, const QList<FaultBand> &bands,
                                 QList<QGraphicsItem *> &items) const
{
    qDeleteAll(items);
    items.clear();
    const QRectF plot = chart->plotArea();
    const double span = m_xMax - m_xMin;
    if (plot.isEmpty() || !(span > 0)) return;
    const auto xAt = [&](double t) {
        return plot.left() + (std::clamp(t, m_xMin, m_xMax) - m_xMin) / span * plot.width();
    };
    const bool dark = chart->theme() == QChart::ChartThemeDark;
    // Amber, as faults on the canvas; light, since overlapping faults add up.
    QColor fill(0xd9, 0x8e, 0x04, dark ? 40 : 24);
    QColor edge(0xd9, 0x8e, 0x04, 160);
    QFont font = chart->font();
    font.setPointSizeF(font.pointSizeF() * 0.85);
    const QFontMetricsF metrics(font);
    QList<double> rowEnds; // where each label row is taken up to, so labels never overlap
    for (const FaultBand &b : bands) {
        const qreal x0 = xAt(b.from);
        const qreal x1 = std::max(xAt(b.to), x0 + 2); // a span shorter than a pixel still shows
        auto *rect = new QGraphicsRectItem(QRectF(x0, plot.top(), x1 - x0, plot.height()), chart);
        rect->setPen(QPen(edge, 0));
        rect->setBrush(fill);
        rect->setToolTip(b.toolTip);
        rect->setZValue(0.5); // over the plot's background, under the grid and the series
        items.append(rect);
        const qreal w = metrics.horizontalAdvance(b.label);
        if (w + 4 > plot.right() - x0) continue;
        int row = 0;
        while (row < rowEnds.size() && rowEnds[row] > x0)
            ++row;
        if (row >= 3) continue; // a crowd of faults: their tooltips say which is which
        if (row == rowEnds.size()) rowEnds.append(0);
        rowEnds[row] = x0 + w + 8;
        auto *label = new QGraphicsSimpleTextItem(b.label, chart);
        label->setFont(font);
        label->setBrush(dark ? QColor(0xf0, 0xc0, 0x60) : QColor(0x8a, 0x57, 0x00));
        label->setPos(x0 + 3, plot.top() + 2 + row * metrics.height());
        label->setToolTip(b.toolTip);
        label->setZValue(10);
        items.append(label);
    }
}

SeriesMetric ChartPanel::metric() const
{
    return m_picker->metric();
}

void ChartPanel::setMetric(SeriesMetric metric)
{
    const int index = m_metricBox->findData(int(metric));
    if (index != m_metricBox->currentIndex()) {
        m_metricBox->setCurrentIndex(index); // comes back here
        return;
    }
    m_picker->setMetric(metric);
    m_axisY->setTitleText(axisTitle());
    updateSmoothingBox();
    m_seriesDirty = true;
    m_viewDirty = true;
}

void ChartPanel::setSmoothing(double seconds)
{
    const int index = m_smoothingBox->findData(seconds);
    if (index < 0) return;
    if (index != m_smoothingBox->currentIndex()) {
        m_smoothingBox->setCurrentIndex(index); // comes back here
        return;
    }
    if (seconds == m_smoothing) return;
    m_smoothing = seconds;
    m_viewDirty = true;
    Q_EMIT smoothingChanged(seconds);
}

double ChartPanel::effectiveSmoothing() const
{
    return m_store.smooths(metric(), m_smoothing, m_rateWindow) ? m_smoothing : 0;
}

double ChartPanel::rateWindow() const
{
    return m_store.shownWindow(metric(), m_rateWindow);
}

QString ChartPanel::axisTitle() const
{
    return windowedTitle(metric(), rateWindow());
}

void ChartPanel::updateSmoothingBox()
{
    const bool can = ChartSeriesStore::canSmooth(metric());
    m_smoothingBox->setEnabled(can);
    m_smoothingBox->setToolTip(
        can ? tr("Trailing moving average over a window of virtual time: each point shows the mean of the "
                 "points in the window that ends at it. Applied before the chart picks the points to draw "
                 "and written to CSV exports; no change while a window is no wider than one bucket.")
        : metric() == SeriesMetric::BreakerState
            ? tr("A circuit breaker's state is not smoothed: the mean of closed, open and half-open is "
                 "none of them, so each bucket shows the worst state it saw.")
        : metric() == SeriesMetric::LookupHops
            ? tr("Lookup hops are not smoothed: the mean of several buckets' means is not the mean of "
                 "their lookups, so each bucket is shown as it is.")
            : tr("Latency percentiles are not smoothed: the mean of the p50s (or p99s, or maxima) of "
                 "several buckets is not the percentile of their messages, so each bucket is shown as it "
                 "is."));
}

void ChartPanel::setLive(bool live)
{
    if (live == m_live) return;
    m_live = live;
    m_liveButton->setChecked(live);
    // Pausing keeps what is drawn; going live catches up.
    if (live) m_viewDirty = true;
    Q_EMIT liveChanged(live);
}

void ChartPanel::setXRange(double from, double to)
{
    if (!(to > from)) return;
    m_xMin = from;
    m_xMax = to;
    setLive(false);
    m_viewDirty = true;
}

void ChartPanel::resetZoom()
{
    setLive(true);
    m_viewDirty = true;
    refresh();
}

void ChartPanel::onFrameTick()
{
    // Hidden (another tab in front), nothing is drawn; shown again, the plot's size changes.
    if (!isVisible()) return;
    // Paused, arriving data waits; what the view shows changes only when asked.
    if (m_viewDirty || m_seriesDirty || (m_live && m_dataDirty)) refresh();
}

void ChartPanel::syncSeries()
{
    const QList<int> targets = m_picker->checkedTargets();
    if (!m_seriesDirty && targets == m_targets) return;
    m_seriesDirty = false;
    for (QLineSeries *s : std::as_const(m_series)) {
        m_chart->removeSeries(s);
        delete s;
    }
    m_series.clear();
    m_targets = targets;
    QList<LegendEntry> entries;
    for (int t : std::as_const(m_targets)) {
        const SeriesTarget target = m_picker->target(metric(), t);
        auto *s = new QLineSeries;
        s->setName(target.name);
        m_chart->addSeries(s);
        s->attachAxis(m_axisX);
        s->attachAxis(m_axisY);
        m_series.append(s);
        s->setPen(penFor(m_series.size() - 1));
        // The name a person reads, with the id, where the pointer is.
        connect(s, &QLineSeries::hovered, this, [s, target](const QPointF &point, bool state) {
            if (!state) return QToolTip::hideText();
            const QString who =
                target.name == target.id ? target.name : tr("%1 (%2)").arg(target.name, target.id);
            QToolTip::showText(
                QCursor::pos(),
                tr("%1\n%2 at %3 s").arg(who).arg(point.y(), 0, 'g', 4).arg(point.x(), 0, 'g', 6));
        });
        entries.append({target.name, target.id, target.color, target.style});
    }
    m_legend->setEntries(entries);
}

QPen ChartPanel::penFor(qsizetype series) const
{
    const SeriesTarget target = m_picker->target(metric(), m_targets.value(series, -1));
    // Thin lines: cheaper to lay out and draw, and clearer with a point per pixel column.
    QPen pen(target.color.isValid() ? target.color : QColor(Qt::gray), 1.0, target.style);
    pen.setCapStyle(Qt::FlatCap);
    return pen;
}

QPair<double, double> ChartPanel::decimateShown(int columns, QList<QList<QPointF>> &out) const
{
    double yMin = std::numeric_limits<double>::infinity(), yMax = -yMin;
    const SeriesMetric m = metric();
    out.resize(m_series.size());
    for (qsizetype i = 0; i < m_series.size(); ++i) {
        // Rates over their window, smoothed (when it applies), then decimated: the extremes kept
        // are those of what is shown.
        const ChartSeriesStore::View v = m_store.view(m, m_targets[i], m_smoothing, m_rateWindow);
        const std::vector<QPointF> &points = *v.points;
        const auto r = SeriesDecimator::decimate(points.data(), points.data() + points.size(), m_xMin, m_xMax,
                                                 columns, out[i], v.index);
        if (r.inRange) {
            yMin = std::min(yMin, r.yMin);
            yMax = std::max(yMax, r.yMax);
        }
    }
    if (!std::isfinite(yMin)) yMin = yMax = 0;
    yMin = std::min(yMin, 0.0);
    if (yMax <= yMin) yMax = yMin + 1;
    yMax += (yMax - yMin) * 0.05;
    return {yMin, yMax};
}

void ChartPanel::refresh()
{
    // Axis changes made here (attaching series, fitting ranges) are not the user zooming.
    const QScopedValueRollback guard(m_settingRange, true);
    syncSeries();
    if (m_live) {
        m_xMin = 0;
        m_xMax = std::max(m_store.endTime(), 1e-3);
    }
    m_plotSize = m_chart->plotArea().size().toSize();
    const int width = m_plotSize.width();
    const int columns = width > 0 ? width : 1000;
    // Rates are shown over a window that suits the visible span.
    m_rateWindow = m_store.rateWindow(m_xMax - m_xMin);
    const QString title = axisTitle();
    if (m_axisY->titleText() != title) m_axisY->setTitleText(title);
    // Decimate first: the y axis fits what is in range.
    const auto [yMin, yMax] = decimateShown(columns, m_decimated);
    // Qt Charts lays a line out again (path and hover shape) whenever an axis range changes, at a
    // cost that grows with its points: so the old points go first, in one call, the axes change
    // while the series are empty, and the new points come in with one replace().
    const bool rangeChanges = m_axisX->min() != m_xMin || m_axisX->max() != m_xMax ||
                              m_axisY->min() != yMin || m_axisY->max() != yMax;
    if (rangeChanges)
        for (QLineSeries *s : std::as_const(m_series))
            s->clear();
    setRangeWithNiceTicks(m_axisX, m_xMin, m_xMax, std::max(2, int(m_chart->plotArea().width() / 110)));
    setRangeWithNiceTicks(m_axisY, yMin, yMax, std::max(3, int(m_chart->plotArea().height() / 35)));
    for (qsizetype i = 0; i < m_series.size(); ++i)
        m_series[i]->replace(m_decimated[i]);
    m_faultBands = bandsInView(m_store.endTime());
    placeFaultBands(m_chart, m_faultBands, m_faultItems);
    m_dataDirty = false;
    m_viewDirty = false;
    ++m_frames;
}

QImage ChartPanel::renderImage(const QSize &size) const
{
    const QRect source = m_view->viewport()->rect();
    const QSize s = size.isValid() ? size : source.size();
    QImage image(s, QImage::Format_ARGB32_Premultiplied);
    image.fill(m_chart->backgroundBrush().color());
    QPainter painter(&image);
    m_view->render(&painter, QRectF(QPointF(0, 0), s), source);
    painter.end();
    return image;
}

QString ChartPanel::pictureTitle() const
{
    QString label = QString::fromLatin1(seriesMetricLabel(metric()));
    label.truncate(label.indexOf(QLatin1String(" (")));
    return tr("%1, %2 to %3 s of virtual time").arg(label).arg(m_xMin, 0, 'g', 6).arg(m_xMax, 0, 'g', 6);
}

void ChartPanel::paintPicture(QPainter &painter, const QSizeF &size) const
{
    // A chart of its own, offscreen, laid out for this size: scaling the view's pixels would
    // stretch a 1386 x 180 strip. The legend is painted below it, wrapped in rows.
    const qreal margin = 16;
    QFont legendFont = font();
    legendFont.setPointSizeF(legendFont.pointSizeF() * 1.1);
    const QList<LegendEntry> &entries = m_legend->entries();
    const qreal legendHeight = sb::legendHeight(entries, legendFont, size.width() - 2 * margin);
    const QSizeF chartSize(size.width(), std::max(100.0, size.height() - legendHeight - margin));

    QGraphicsScene scene;
    auto *chart = new QChart; // the scene owns it
    scene.addItem(chart);
    chart->setTheme(m_chart->theme());
    chart->legend()->hide();
    // One plain background from edge to edge (the theme's is a rounded, inset gradient).
    chart->setBackgroundRoundness(0);
    chart->setBackgroundBrush(pictureBackground());
    chart->setDropShadowEnabled(false);
    chart->setMargins(QMargins(int(margin), int(margin) / 2, int(margin), 0));
    chart->setTitle(pictureTitle());
    QFont titleFont = chart->titleFont();
    titleFont.setPointSizeF(std::max(12.0, titleFont.pointSizeF() * 1.4));
    titleFont.setBold(true);
    chart->setTitleFont(titleFont);
    auto *axisX = new QValueAxis;
    auto *axisY = new QValueAxis;
    for (QValueAxis *axis : {axisX, axisY}) {
        axis->setLabelFormat(QStringLiteral("%.4g"));
        axis->setTickType(QValueAxis::TicksDynamic);
    }
    axisX->setTitleText(m_axisX->titleText());
    axisY->setTitleText(axisTitle());
    chart->addAxis(axisX, Qt::AlignBottom);
    chart->addAxis(axisY, Qt::AlignLeft);
    chart->setGeometry(QRectF(QPointF(0, 0), chartSize));
    chart->layout()->activate();
    QList<QList<QPointF>> decimated;
    const auto [yMin, yMax] = decimateShown(std::max(1, int(chart->plotArea().width())), decimated);
    setRangeWithNiceTicks(axisX, m_xMin, m_xMax, std::max(2, int(chartSize.width() / 130)));
    setRangeWithNiceTicks(axisY, yMin, yMax, std::max(3, int(chartSize.height() / 60)));
    for (qsizetype i = 0; i < m_series.size(); ++i) {
        auto *s = new QLineSeries;
        s->setName(m_series[i]->name());
        chart->addSeries(s);
        s->attachAxis(axisX);
        s->attachAxis(axisY);
        QPen pen = penFor(i);
        pen.setWidthF(1.5);
        s->setPen(pen);
        s->replace(decimated[i]);
    }
    chart->layout()->activate();
    QList<QGraphicsItem *> bands; // owned by the chart
    placeFaultBands(chart, m_faultBands, bands);
    painter.save();
    painter.setRenderHint(QPainter::Antialiasing);
    scene.render(&painter, QRectF(QPointF(0, 0), chartSize), QRectF(QPointF(0, 0), chartSize));
    painter.restore();
    paintLegend(painter, entries, legendFont, QPointF(margin, chartSize.height()), size.width() - 2 * margin,
                m_axisX->labelsBrush().color());
}

QColor ChartPanel::pictureBackground() const
{
    return palette().color(QPalette::Base);
}

QImage ChartPanel::renderPicture(const QSize &size) const
{
    QImage image(size, QImage::Format_ARGB32_Premultiplied);
    image.fill(pictureBackground());
    QPainter painter(&image);
    paintPicture(painter, QSizeF(size));
    painter.end();
    return image;
}

bool ChartPanel::exportPicture(const QString &path, QString *error, const QSize &size) const
{
    const QSizeF target = size.isValid() && !size.isEmpty() ? QSizeF(size) : QSizeF(kDefaultExportSize);
    return writePicture(
        path, target, tr("Signalbox chart: %1").arg(pictureTitle()), pictureBackground(),
        [&](QPainter &painter) { paintPicture(painter, target); }, error);
}

bool ChartPanel::askExportSize(QSize &size)
{
    QDialog dialog(this);
    dialog.setWindowTitle(tr("Export chart"));
    auto *width = new QSpinBox(&dialog);
    auto *height = new QSpinBox(&dialog);
    for (QSpinBox *box : {width, height}) {
        box->setRange(200, 10000);
        box->setSuffix(tr(" px"));
    }
    width->setValue(size.width());
    height->setValue(size.height());
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, &dialog);
    connect(buttons, &QDialogButtonBox::accepted, &dialog, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, &dialog, &QDialog::reject);
    auto *form = new QFormLayout(&dialog);
    form->addRow(tr("Width:"), width);
    form->addRow(tr("Height:"), height);
    form->addRow(buttons);
    if (dialog.exec() != QDialog::Accepted) return false;
    size = QSize(width->value(), height->value());
    return true;
}

bool ChartPanel::exportCsv(const QString &path, QString *error, CsvRange range) const
{
    constexpr double inf = std::numeric_limits<double>::infinity();
    const bool visible = range == CsvRange::Visible;
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate | QIODevice::Text) ||
        !m_store.writeCsv(&file, metric(), m_picker->checkedTargets(), visible ? m_xMin : -inf,
                          visible ? m_xMax : inf, m_smoothing, m_rateWindow)) {
        if (error) *error = tr("%1: %2").arg(path, file.errorString());
        return false;
    }
    file.close();
    return file.error() == QFile::NoError;
}

void ChartPanel::exportWithDialog(const QString &format, CsvRange range)
{
    const QString filter = format == QLatin1String("png")   ? tr("PNG images (*.png)")
                           : format == QLatin1String("svg") ? tr("SVG images (*.svg)")
                           : format == QLatin1String("pdf") ? tr("PDF documents (*.pdf)")
                                                            : tr("CSV files (*.csv)");
    QString path = QFileDialog::getSaveFileName(
        this, tr("Export chart"),
        QStringLiteral("%1.%2").arg(QString::fromLatin1(seriesMetricName(metric())), format), filter);
    if (path.isEmpty()) return;
    const bool csv = format == QLatin1String("csv");
    if (!csv && !askExportSize(m_exportSize)) return;
    QString error;
    const bool ok = csv ? exportCsv(path, &error, range) : exportPicture(path, &error, m_exportSize);
    if (!ok) QMessageBox::warning(this, tr("Export chart"), error);
}

void ChartPanel::showEvent(QShowEvent *event)
{
    QWidget::showEvent(event);
    m_viewDirty = true;
}

void ChartPanel::changeEvent(QEvent *event)
{
    QWidget::changeEvent(event);
    if (event->type() == QEvent::PaletteChange) applyTheme();
}

void ChartPanel::applyTheme()
{
    // Follow the application's light or dark palette.
    const bool dark = palette().color(QPalette::Window).lightness() < 128;
    const auto theme = dark ? QChart::ChartThemeDark : QChart::ChartThemeLight;
    if (m_chart->theme() == theme) return;
    m_chart->setTheme(theme); // which sets every series' pen again
    for (qsizetype i = 0; i < m_series.size(); ++i)
        m_series[i]->setPen(penFor(i));
}

} // namespace sb
