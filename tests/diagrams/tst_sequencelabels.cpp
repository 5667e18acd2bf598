// The texts on the sequence diagram: checker marks follow the filter, no two laid-out labels
// intersect (a mark moves beside or below an arrow's label), pictures drawn without a view (the
// CLI's) have arrow labels and start below the header, and lifelines show names in their node's
// colour.
#include "nodecolors.h"
#include "nodelabels.h"
#include "sequenceexport.h"
#include "sequencepanel.h"
#include "sequencerenderer.h"
#include "sequencetest.h"
#include "sequenceview.h"

#include "cli.h"

#include <QImage>
#include <QPainter>
#include <QTest>

#include <map>

using namespace sb;

namespace {

struct Painted {
    SequenceRenderer::Stats stats;
    std::vector<SequenceRenderer::DrawnArrow> hits;
    QImage image;
};

Painted paint(const SequenceHistory &history, const SequenceLayout &layout, const SequenceFilter &filter,
              const std::vector<SequenceAnnotation> &annotations, QSizeF size)
{
    Painted out;
    out.image = QImage(size.toSize(), QImage::Format_ARGB32_Premultiplied);
    QPainter p(&out.image);
    out.stats = SequenceRenderer::paint(p, size, history, layout, filter, {}, annotations, exportPalette(),
                                        &out.hits);
    return out;
}

using sbtest::layoutOf;

// "lost #N" at the last event of every message that lost a frame on a link, as the window marks
// the delivery check's lost messages.
std::vector<SequenceAnnotation> lostMarks(const std::vector<TraceEvent> &events)
{
    std::map<std::uint64_t, const TraceEvent *> last;
    std::map<std::uint64_t, bool> lost;
    for (const TraceEvent &e : events) {
        if (!e.messageId) continue;
        last[e.messageId] = &e;
        if (isLostFrame(e)) lost[e.messageId] = true;
    }
    std::vector<SequenceAnnotation> marks;
    for (const auto &[id, e] : last)
        if (lost.count(id))
            marks.push_back({e->time, e->node, QStringLiteral("lost #%1").arg(id), QColor(0xc6, 0x3b, 0x2f),
                             id, e->correlationId});
    return marks;
}

QStringList annotationTexts(const SequenceRenderer::Stats &stats)
{
    QStringList texts;
    for (const auto &l : stats.labels)
        if (l.kind == SequenceRenderer::DrawnLabel::Kind::Annotation) texts << l.text;
    texts.sort();
    return texts;
}

} // namespace

class TestSequenceLabels : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void marksFollowTheFilter_data();
    void marksFollowTheFilter();
    void labelsNeverOverlap_data();
    void labelsNeverOverlap();
    void markMovesOffTheArrowLabel();
    void cliPictureHasLabelsBelowTheHeader();
    void lifelinesShowNamesInTheNodeColour();
    void everyFrameHasItsColour();

private:
    sbtest::ExampleTrace m_lossy;
    SequenceHistory m_lossyHistory{1 << 16};
    std::vector<SequenceAnnotation> m_lossyMarks;
};

void TestSequenceLabels::initTestCase()
{
    m_lossy = sbtest::runExample("lossy-at-most-once.json", 2 * kSecond);
    m_lossyHistory.append(m_lossy.events);
    m_lossyMarks = lostMarks(m_lossy.events);
    QVERIFY2(m_lossyMarks.size() >= 3, "the lossy example loses messages in 2 s");
}

void TestSequenceLabels::marksFollowTheFilter_data()
{
    QTest::addColumn<int>("filterOn"); // index into the lost marks; -1: no filter
    QTest::newRow("no filter") << -1;
    QTest::newRow("first lost message") << 0;
    QTest::newRow("second lost message") << 1;
    QTest::newRow("third lost message") << 2;
}

// `msg:N` shows the marks about message N, and no other message's.
void TestSequenceLabels::marksFollowTheFilter()
{
    QFETCH(int, filterOn);
    SequenceLayout layout = layoutOf(m_lossy);
    layout.nsPerPixel = 2e6; // 2 s in 1000 px: every mark in view
    SequenceFilter filter;
    QStringList expected;
    if (filterOn < 0) {
        for (const auto &a : m_lossyMarks)
            expected << a.text;
    } else {
        filter.messageId = m_lossyMarks[std::size_t(filterOn)].messageId;
        expected << m_lossyMarks[std::size_t(filterOn)].text;
    }
    expected.sort();
    const Painted painted = paint(m_lossyHistory, layout, filter, m_lossyMarks, QSizeF(layout.width(), 1100));
    QCOMPARE(annotationTexts(painted.stats), expected);
}

void TestSequenceLabels::labelsNeverOverlap_data()
{
    QTest::addColumn<double>("nsPerPixel");
    QTest::addColumn<quint64>("messageId");
    QTest::newRow("whole run") << 2e6 << quint64(0);
    QTest::newRow("1 ms a pixel") << 1e6 << quint64(0);
    QTest::newRow("fine zoom") << 5e4 << quint64(0);
    QTest::newRow("one lost message, fine zoom") << 2e4 << quint64(1);
}

void TestSequenceLabels::labelsNeverOverlap()
{
    QFETCH(double, nsPerPixel);
    QFETCH(quint64, messageId);
    SequenceLayout layout = layoutOf(m_lossy);
    layout.nsPerPixel = nsPerPixel;
    SequenceFilter filter;
    if (messageId) {
        // The first lost message's journey, from just before it starts.
        filter.messageId = m_lossyMarks.front().messageId;
        for (const TraceEvent &e : m_lossy.events)
            if (e.messageId == filter.messageId) {
                layout.top = std::max<SimTime>(0, e.time - SimTime(20 * nsPerPixel));
                break;
            }
    }
    const Painted painted = paint(m_lossyHistory, layout, filter, m_lossyMarks, QSizeF(layout.width(), 1100));
    const auto &labels = painted.stats.labels;
    QVERIFY(!labels.empty());
    for (std::size_t i = 0; i < labels.size(); ++i) {
        QVERIFY2(labels[i].rect.top() >= layout.headerHeight, qPrintable(labels[i].text));
        for (std::size_t j = i + 1; j < labels.size(); ++j)
            QVERIFY2(!labels[i].rect.intersects(labels[j].rect),
                     qPrintable(QStringLiteral("\u201c%1\u201d overlaps \u201c%2\u201d")
                                    .arg(labels[i].text, labels[j].text)));
    }
}

// A lost message's mark belongs where its lost frame's label is (the frame's last event, at the
// sender): the mark moves off it and both show.
void TestSequenceLabels::markMovesOffTheArrowLabel()
{
    const SequenceAnnotation &mark = m_lossyMarks.front();
    const TraceEvent *lostFrame = nullptr;
    for (const TraceEvent &e : m_lossy.events)
        if (e.messageId == mark.messageId && isLostFrame(e)) lostFrame = &e;
    QVERIFY(lostFrame);
    QCOMPARE(lostFrame->time, mark.time);
    SequenceLayout layout = layoutOf(m_lossy);
    layout.nsPerPixel = 2e4;
    layout.top = std::max<SimTime>(0, mark.time - SimTime(100 * layout.nsPerPixel));
    SequenceFilter filter;
    filter.messageId = mark.messageId;
    const Painted painted = paint(m_lossyHistory, layout, filter, {mark}, QSizeF(layout.width(), 600));
    const QString arrowText =
        QStringLiteral("%1 #%2").arg(QLatin1String(frameTypeName(lostFrame->frame))).arg(mark.messageId);
    const SequenceRenderer::DrawnLabel *arrowLabel = nullptr, *markLabel = nullptr;
    for (const auto &l : painted.stats.labels) {
        if (l.text == arrowText) arrowLabel = &l;
        if (l.kind == SequenceRenderer::DrawnLabel::Kind::Annotation) markLabel = &l;
    }
    QVERIFY2(arrowLabel, qPrintable(arrowText));
    QVERIFY(markLabel);
    QCOMPARE(markLabel->text, mark.text);
    QVERIFY(!arrowLabel->rect.intersects(markLabel->rect));
    // Where the mark would go on its own (above right of the spot) is the arrow label's place.
    const double x = layout.lifelineX(mark.node), y = layout.timeY(mark.time);
    const QRectF preferred(QPointF(x + 8, y - markLabel->rect.height() - 2), markLabel->rect.size());
    QVERIFY(preferred.intersects(arrowLabel->rect));
}

// What signalbox-cli draws: every arrow in the range counted, no view. The first arrows start
// below the header and the arrows are labelled.
void TestSequenceLabels::cliPictureHasLabelsBelowTheHeader()
{
    const sbtest::ExampleTrace trace = sbtest::runExample("work-queue.json", 3 * kSecond);
    SequencePicture picture;
    for (const QString &id : trace.nodeIds)
        picture.nodeIds.push_back(id.toStdString());
    for (const QString &kind : trace.nodeKinds)
        picture.nodeKinds.push_back(kind.toStdString());
    picture.nodeLabels = nodeLabels(trace.topology);
    picture.events = trace.events;
    picture.end = 3 * kSecond;
    SequenceHistory history(picture.events.size());
    history.append(picture.events);
    const SequenceLayout layout = sequencePictureLayout(picture);
    QCOMPARE(layout.nodeNames.at(0), QString("Task producer"));
    SequenceImageOptions options;
    options.to = picture.end;
    SequencePictureFrame frame;
    QString why;
    QVERIFY2(sequencePictureFrame(history, layout, {}, options, frame, why), qPrintable(why));

    const Painted painted = paint(history, frame.layout, frame.filter, {}, frame.size);
    // More arrows than fit a screen (the case that lost its labels), fewer than need bands.
    QVERIFY2(painted.stats.inWindow > 120 && !painted.stats.density,
             qPrintable(QString::number(painted.stats.inWindow)));
    QVERIFY(!painted.hits.empty());
    double firstY = 1e9;
    for (const auto &hit : painted.hits)
        firstY = std::min({firstY, hit.line.y1(), hit.line.y2()});
    QVERIFY2(firstY >= frame.layout.headerHeight + 8, qPrintable(QString::number(firstY)));
    int arrowLabels = 0;
    for (const auto &l : painted.stats.labels)
        if (l.kind == SequenceRenderer::DrawnLabel::Kind::Arrow) {
            ++arrowLabels;
            QVERIFY(l.rect.top() >= frame.layout.headerHeight);
        }
    QVERIFY2(arrowLabels >= 20, qPrintable(QString::number(arrowLabels)));
}

// Lifeline headers say the node's name (the id in the tooltip) on a stripe of the node's colour,
// the colour of its chart series.
void TestSequenceLabels::lifelinesShowNamesInTheNodeColour()
{
    const LoadResult loaded = loadTopologyFile(SIGNALBOX_EXAMPLES_DIR "/fanout-pubsub.json");
    QVERIFY2(loaded.ok(), loaded.errorText().c_str());
    Topology t = *loaded.topology;
    t.nodes[1].name = t.nodes[0].name; // two nodes with one name: each says its id
    t.nodes[2].name.clear();           // no name: the id
    SequencePanel panel;
    panel.reset(t);
    const SequenceView *view = panel.view();
    const SequenceLayout &layout = view->layout();
    QCOMPARE(layout.nodeIds.at(5), QString("inventory"));
    QCOMPARE(layout.nodeNames.at(5), QString("Inventory"));
    QCOMPARE(layout.nodeNames.at(0), QString("Order service (orders)"));
    QCOMPARE(layout.nodeNames.at(1), QString("Order service (order-events)"));
    QCOMPARE(layout.nodeNames.at(2), QString("inventory-q"));
    QVERIFY(view->headerToolTip(5).contains(QLatin1String("id: inventory")));
    QVERIFY(view->headerToolTip(5).startsWith(QLatin1String("Inventory")));

    SequenceHistory empty(2);
    const Painted painted = paint(empty, layout, {}, {}, QSizeF(layout.width(), 200));
    const NodeColors colors([&] {
        QStringList ids;
        for (const NodeDef &n : t.nodes)
            ids << QString::fromStdString(n.id);
        return ids;
    }());
    for (std::size_t column = 0; column < layout.order.size(); ++column) {
        const NodeIndex n = layout.order[column];
        // The stripe: 5 px at the left of the header box (6 px in from the column's edge).
        const int x = int(layout.rulerWidth + layout.columnWidth * double(column)) + 6 + 3;
        const int y = int(layout.headerHeight / 2);
        QCOMPARE(painted.image.pixelColor(x, y).rgb(), colors.colorOf(layout.nodeIds.at(int(n))).rgb());
    }
}

void TestSequenceLabels::everyFrameHasItsColour()
{
    // No frame type falls back to the renderer's grey default (Qt::gray), light or dark.
    for (int f = 0; f < kFrameTypeCount; ++f)
        for (bool dark : {false, true})
            QVERIFY2(SequenceRenderer::frameColor(FrameType(f), dark) != QColor(Qt::gray),
                     frameTypeName(FrameType(f)));
}

QTEST_MAIN(TestSequenceLabels)
#include "tst_sequencelabels.moc"
