#pragma once
// Live charts of a run: one metric (throughput, latency p50/p99/max, queue depth, consumer lag,
// drops, redeliveries, dead letters, link frames) over virtual time for the nodes or links picked
// in a checkable list. Each frame decimates every shown series to the visible x range (min/max per
// pixel column) and hands it to its QLineSeries with one replace(), so a frame costs the same with
// a thousand points or millions. Live follow shows the whole run as it grows; pausing freezes the
// view while data keeps arriving; zooming (rubber band or wheel, on the time axis) pauses too, and
// Reset zoom goes back to live. Smoothing (a trailing moving average over 100 ms, 1 s or 10 s of
// virtual time) is applied before decimation, so decimation keeps every extreme of the smoothed
// series. Exports: the chart as PNG, SVG or PDF, the shown series as CSV (the whole run or the visible
// time range; smoothed when the chart is).
#include "chartseriesstore.h"

#include <QImage>
#include <QList>
#include <QWidget>

#include <memory>

class QChart;
class QChartView;
class QComboBox;
class QLineSeries;
class QListView;
class QTimer;
class QToolButton;
class QValueAxis;

namespace sb {

class SeriesPickerModel;

class ChartPanel : public QWidget {
    Q_OBJECT

public:
    static constexpr int kFrameIntervalMs = 50; // 20 frames per second at most, only when something changed
    // What a CSV export holds: every point of the run, or those in the visible time range.
    enum class CsvRange { Whole, Visible };

    explicit ChartPanel(QWidget *parent = nullptr);
    ~ChartPanel() override;

    // A new run: forgets all data; nodes, kinds and links name the targets.
    void reset(const QStringList &nodeIds, const QStringList &nodeKinds, const QStringList &linkIds);
    void appendDelta(const TimeSeriesDelta &delta);
    // Direct access for tests and benchmarks; call markDataChanged() after changing it.
    ChartSeriesStore &store() { return m_store; }
    void markDataChanged();

    SeriesMetric metric() const;
    void setMetric(SeriesMetric metric);
    SeriesPickerModel *picker() const { return m_picker; }

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

    // The chart as it looks now; `size` defaults to the view's.
    QImage renderImage(const QSize &size = {}) const;
    // The chart as shown, to .png, .svg or .pdf (by the extension; see writePicture), at `size`
    // (default: the view's).
    bool exportPicture(const QString &path, QString *error = nullptr, const QSize &size = {}) const;
    // Every point (not decimated) of the shown series, of the whole run or with xMin() <= time <= xMax():
    // time_s,node,metric,value, plus smoothing_s when the values are smoothed.
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

    ChartSeriesStore m_store;
    SeriesPickerModel *m_picker = nullptr;
    QComboBox *m_metricBox = nullptr;
    QComboBox *m_smoothingBox = nullptr;
    QListView *m_pickerView = nullptr;
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
    bool m_seriesDirty = true;         // metric or picks changed
    bool m_dataDirty = false;
    bool m_viewDirty = false;
    bool m_live = true;
    bool m_settingRange = false;
    double m_xMin = 0, m_xMax = 1;
    double m_smoothing = 0; // seconds, 0: off
    QSize m_plotSize;       // when the last frame was drawn
    int m_frames = 0;
};

} // namespace sb
