#pragma once
// Live charts of a run: one metric (throughput, latency p50/p99/max, queue depth, consumer lag,
// drops, redeliveries, dead letters, link frames, link losses, and for calls: calls by status,
// call latency by method, calls in flight, server queue, retries, breaker state) over virtual time for the
// nodes or links picked in a checkable list, named by their names and drawn in their nodes' colours (a node's
// several links differ in pen style), with a legend that wraps. Rates are shown over a window that suits the
// visible span (10 ms, 100 ms, 1 s...: ChartSeriesStore::rateWindow), named in the axis title. Each frame
// decimates every shown series to the visible x range (min/max per pixel column) and hands it to its
// QLineSeries with one replace(), so a frame costs the same with a thousand points or millions. Live follow
// shows the whole run as it grows; pausing freezes the view while data keeps arriving; zooming (rubber band
// or wheel, on the time axis) pauses too, and Reset zoom goes back to live. The plot keeps a sensible height;
// in a smaller dock the panel scrolls. Smoothing (a trailing moving average over 100 ms, 1 s or 10 s of
// virtual time) is applied before decimation, so decimation keeps every extreme of the smoothed
// series. Exports: the chart as PNG, SVG or PDF at a chosen size (drawn offscreen, with a title,
// axis titles with units and the whole legend), the shown series as CSV (the whole run or the
// visible time range; over the shown rate window, smoothed when the chart is). Faults of the run
// (planned and live) are shaded across the plot from their start to their end (to the run's
// current end while active), labelled with their id and kind, in the view and in exports.
#include "chartseriesstore.h"
#include "simulation.h"

#include <QImage>
#include <QList>
#include <QPair>
#include <QPen>
#include <QWidget>

#include <functional>
#include <memory>

class QChart;
class QGraphicsItem;
class QScrollArea;
class QChartView;
class QComboBox;
class QLineSeries;
class QListView;
class QTimer;
class QToolButton;
class QValueAxis;

namespace sb {

class ChartLegendModel;
class ChartLegendView;
class SeriesPickerModel;
struct Topology;

class ChartPanel : public QWidget {
    Q_OBJECT

public:
    static constexpr int kFrameIntervalMs = 50; // 20 frames per second at most, only when something changed
    static constexpr int kMinPlotHeight = 150;  // the plot area never gets less (the panel scrolls instead)
    static constexpr QSize kDefaultExportSize{1600, 900};
    // What a CSV export holds: every point of the run, or those in the visible time range.
    enum class CsvRange { Whole, Visible };

    explicit ChartPanel(QWidget *parent = nullptr);
    ~ChartPanel() override;

    // A new run of `topology`: forgets all data; series are named by node names (links as
    // "source → target") and coloured by node (NodeColors, as the sequence lifelines).
    void reset(const Topology &topology);
    // As above, with ids for names (tests and benchmarks).
    void reset(const QStringList &nodeIds, const QStringList &nodeKinds, const QStringList &linkIds);
    void appendDelta(const TimeSeriesDelta &delta);
    // Direct access for tests and benchmarks; call markDataChanged() after changing it.
    ChartSeriesStore &store() { return m_store; }
    void markDataChanged();

    // The run's fault spans (EngineHost::faultSpans(): an active one has end kNever), shaded on the
    // plot from the next frame. reset() forgets them.
    void setFaultSpans(std::vector<FaultActivation> spans);
    const std::vector<FaultActivation> &faultSpans() const { return m_faultSpans; }
    // A shaded band as drawn at the last frame: the span's time range in seconds (an active span's
    // end is the run's current end) and its label.
    struct FaultBand {
        double from = 0, to = 0;
        QString label;   // "f1 link-down"
        QString toolTip; // "Fault f1: link-down on l1, planned, 1 s to 4 s"
    };
    QList<FaultBand> faultBands() const { return m_faultBands; }

    SeriesMetric metric() const;
    // Any metric can be set; the metric box offers those that something in the topology has
    // (reset(const Topology &) decides: a node of a kind with the figure, a link, a consumer group
    // of a log, a peer), the others are greyed out.
    void setMetric(SeriesMetric metric);
    bool offersMetric(SeriesMetric metric) const;
    SeriesPickerModel *picker() const { return m_picker; }
    ChartLegendModel *legend() const { return m_legend; }
    ChartLegendView *legendView() const { return m_legendView; }

    // The window rates are shown over now, in seconds, as of the last frame: chosen for the visible
    // span (ChartSeriesStore::rateWindow) and never narrower than a bucket; 0 for levels and
    // latency.
    double rateWindow() const;
    // The y axis title: the unit, and for rates the window ("msg/s over 100 ms windows").
    QString axisTitle() const;

    // The smoothing window in virtual seconds (0: off), as chosen in the combo box: one of
    // smoothingChoices(). It applies to the metrics ChartSeriesStore::canSmooth() (the box is
    // disabled for latency) and only when wider than the bucket width.
    double smoothing() const { return m_smoothing; }
    void setSmoothing(double seconds);
    static QList<double> smoothingChoices() { return {0, 0.1, 1, 10}; }
    // The window the shown series are smoothed with now (0 when smoothing does not apply).
    double effectiveSmoothing() const;

    bool isLive() const { return m_live; }
    void setLive(bool live);
    // Zooms to a time range in virtual seconds; leaves live follow.
    void setXRange(double from, double to);
    // Back to the whole run, live.
    void resetZoom();
    double xMin() const { return m_xMin; }
    double xMax() const { return m_xMax; }

    // Draws one frame now: every shown series gets its decimated points with one replace().
    void refresh();
    int frames() const { return m_frames; }
    QChartView *chartView() const;
    // The shown series, in the picker's order.
    QList<QLineSeries *> shownSeries() const;

    // The chart view as it looks now; `size` defaults to the view's.
    QImage renderImage(const QSize &size = {}) const;
    // The shown series over the shown time range, drawn offscreen at `size` (default
    // kDefaultExportSize) with a title, axis titles with units and the whole legend, to .png,
    // .svg or .pdf (by the extension; see writePicture).
    bool exportPicture(const QString &path, QString *error = nullptr, const QSize &size = {}) const;
    // The picture exportPicture() writes, as an image.
    QImage renderPicture(const QSize &size = kDefaultExportSize) const;
    // The title of exported pictures: the metric and the time range.
    QString pictureTitle() const;
    // Every point (not decimated) of the shown series, of the whole run or with xMin() <= time <= xMax():
    // time_s,node,metric,value, plus window_s for rates and smoothing_s when the values are smoothed.
    bool exportCsv(const QString &path, QString *error = nullptr, CsvRange range = CsvRange::Whole) const;

Q_SIGNALS:
    void liveChanged(bool live);
    void smoothingChanged(double seconds);

protected:
    void changeEvent(QEvent *event) override;
    void showEvent(QShowEvent *event) override;

private:
    void onFrameTick();
    void syncSeries();
    void applyTheme();
    void exportWithDialog(const QString &format, CsvRange range = CsvRange::Whole);
    void updateSmoothingBox();
    void startOver(); // after a reset: the whole (empty) run, live
    void offerMetrics(const std::function<bool(SeriesMetric)> &offered);
    // Decimates every shown series to `columns` over [xMin(), xMax()] into `out`; returns the y
    // range to show.
    QPair<double, double> decimateShown(int columns, QList<QList<QPointF>> &out) const;
    QPen penFor(qsizetype series) const;
    // The bands of the fault spans in [xMin(), xMax()], the time axis at the run's end `endTime`.
    QList<FaultBand> bandsInView(double endTime) const;
    // Shades `bands` on `chart`'s plot area with items parented to the chart (put in `items`).
    void placeFaultBands(QChart *chart, const QList<FaultBand> &bands, QList<QGraphicsItem *> &items) const;
    void paintPicture(QPainter &painter, const QSizeF &size) const;
    QColor pictureBackground() const; // the palette's base colour, light or dark as the window
    bool askExportSize(QSize &size);

    ChartSeriesStore m_store;
    SeriesPickerModel *m_picker = nullptr;
    QComboBox *m_metricBox = nullptr;
    QComboBox *m_smoothingBox = nullptr;
    QListView *m_pickerView = nullptr;
    ChartLegendModel *m_legend = nullptr;
    ChartLegendView *m_legendView = nullptr;
    QScrollArea *m_scroll = nullptr;
    QToolButton *m_liveButton = nullptr;
    QToolButton *m_resetZoomButton = nullptr;
    QToolButton *m_exportButton = nullptr;
    QChart *m_chart = nullptr;
    QChartView *m_view = nullptr;
    QValueAxis *m_axisX = nullptr;
    QValueAxis *m_axisY = nullptr;
    QTimer *m_frameTimer = nullptr;
    QList<int> m_targets;              // shown, in order
    QList<QLineSeries *> m_series;     // one per target
    QList<QList<QPointF>> m_decimated; // per series, reused from frame to frame
    std::vector<FaultActivation> m_faultSpans;
    QList<FaultBand> m_faultBands;       // as drawn at the last frame
    QList<QGraphicsItem *> m_faultItems; // their items on m_chart
    bool m_seriesDirty = true;           // metric or picks changed
    bool m_dataDirty = false;
    bool m_viewDirty = false;
    bool m_live = true;
    bool m_settingRange = false;
    double m_xMin = 0, m_xMax = 1;
    double m_smoothing = 0;  // seconds, 0: off
    double m_rateWindow = 0; // seconds, chosen for the visible span at the last frame
    QSize m_exportSize = kDefaultExportSize;
    QSize m_plotSize; // when the last frame was drawn
    int m_frames = 0;
};

} // namespace sb
