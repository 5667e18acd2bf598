// The live sequence view: following the run and scrolling back, zooming the time axis, clicking an
// arrow to select its message, lifelines reordered, hidden and clicked, bands with counts when
// arrows would be too many, and the filter line.
#include "exampletrace.h"
#include "journeymodel.h"
#include "sequencepanel.h"
#include "sequenceview.h"

#include <QLineEdit>
#include <QPainter>
#include <QScrollBar>
#include <QSignalSpy>
#include <QTest>

using namespace sb;

namespace {

// A viewport point on the arrow of history event `i` (a Send), a third of the way along.
QPoint pointOnArrow(const SequenceView &view, std::size_t i)
{
    const TraceEvent &e = view.history()->at(i);
    const SequenceLayout &l = view.layout();
    const QPointF a(l.lifelineX(e.node), l.timeY(e.time)), b(l.lifelineX(e.peer), l.timeY(e.aux));
    const QPointF p = a + (b - a) / 3 - QPointF(view.horizontalScrollBar()->value(), 0);
    return p.toPoint();
}

void sendMouse(QWidget *w, QEvent::Type type, QPoint pos, Qt::MouseButton button, Qt::MouseButtons buttons)
{
    QMouseEvent e(type, QPointF(pos), w->mapToGlobal(QPointF(pos)), button, buttons, Qt::NoModifier);
    QApplication::sendEvent(w, &e);
}

} // namespace

class TestSequenceView : public QObject {
    Q_OBJECT

private slots:
    void init();
    void cleanup();

    void followsTheRunUntilScrolledBack();
    void zoomKeepsTheTimeUnderTheCursor();
    void clickSelectsTheMessageJourney();
    void headerClickReorderAndHide();
    void densityBandsWhenArrowsAreTooMany();
    void filterLine_data();
    void filterLine();
    void filterHidesAcks();
    void filterJumpsToWhatItShows();
    void tooltipSaysWhatTheMessageCarried();
    void filterByRoutingKey_data();
    void filterByRoutingKey();
    void describeNamesTheFrame();

private:
    void feed(SimTime until, const char *file = "work-queue.json");
    std::unique_ptr<SequencePanel> m_panel;
    SequenceView *m_view = nullptr;
    sbtest::ExampleTrace m_trace;
};

void TestSequenceView::init()
{
    m_panel = std::make_unique<SequencePanel>();
    m_panel->resize(900, 500);
    m_panel->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_panel.get()));
    m_view = m_panel->view();
}

void TestSequenceView::cleanup()
{
    m_panel.reset();
}

void TestSequenceView::feed(SimTime until, const char *file)
{
    m_trace = sbtest::runExample(file, until);
    m_panel->reset(m_trace.nodeIds, m_trace.nodeKinds, m_trace.linkIds);
    // In frame-sized batches, as the window receives them.
    for (std::size_t i = 0; i < m_trace.events.size(); i += 500) {
        const auto end = std::min(m_trace.events.size(), i + 500);
        m_panel->append(std::vector<TraceEvent>(m_trace.events.begin() + std::ptrdiff_t(i),
                                                m_trace.events.begin() + std::ptrdiff_t(end)));
    }
    m_view->viewport()->repaint();
}

void TestSequenceView::followsTheRunUntilScrolledBack()
{
    feed(2 * kSecond);
    QVERIFY(m_view->isFollowing());
    const SimTime last = m_panel->history().lastTime();
    QVERIFY2(m_view->topTime() <= last && m_view->bottomTime() >= last, "the newest event is in view");

    QSignalSpy following(m_view, &SequenceView::followingChanged);
    m_view->verticalScrollBar()->setValue(m_view->verticalScrollBar()->minimum());
    QVERIFY(!m_view->isFollowing());
    QCOMPARE(following.count(), 1);
    QCOMPARE(m_view->topTime(), m_panel->history().firstTime());
    // More events arrive: the view stays where the user put it.
    const SimTime top = m_view->topTime();
    m_panel->append({m_trace.events.back()});
    QCOMPARE(m_view->topTime(), top);

    m_view->setFollowing(true);
    QVERIFY(m_view->bottomTime() >= last);
    QCOMPARE(following.count(), 2);
}

void TestSequenceView::zoomKeepsTheTimeUnderTheCursor()
{
    feed(kSecond);
    m_view->scrollToTime(200 * kMillisecond);
    const double y = 250;
    const SimTime before = m_view->layout().timeAt(y);
    QSignalSpy zoomed(m_view, &SequenceView::zoomChanged);
    const double ns = m_view->nsPerPixel();
    m_view->zoomBy(4, y);
    QCOMPARE(zoomed.count(), 1);
    QCOMPARE(m_view->nsPerPixel(), ns / 4);
    QVERIFY(std::abs(m_view->layout().timeAt(y) - before) <= SimTime(ns));
    // Ctrl+wheel zooms too; a plain wheel scrolls.
    QWheelEvent wheel(QPointF(100, y), m_view->viewport()->mapToGlobal(QPointF(100, y)), {}, QPoint(0, 120),
                      Qt::NoButton, Qt::ControlModifier, Qt::NoScrollPhase, false);
    QApplication::sendEvent(m_view->viewport(), &wheel);
    QCOMPARE(zoomed.count(), 2);
    QVERIFY(m_view->nsPerPixel() < ns / 4);
}

void TestSequenceView::clickSelectsTheMessageJourney()
{
    feed(300 * kMillisecond);
    m_view->setNsPerPixel(30000); // 30 µs a pixel: arrows are long and apart
    m_view->scrollToTime(100 * kMillisecond);
    m_view->viewport()->repaint();
    // A deliver frame in view.
    std::size_t target = SIZE_MAX;
    const auto &h = m_panel->history();
    for (std::size_t i = h.lowerBound(m_view->topTime() + 2 * kMillisecond); i < h.size(); ++i)
        if (h.at(i).kind == TraceKind::Send && h.at(i).frame == FrameType::Deliver) {
            target = i;
            break;
        }
    QVERIFY(target != SIZE_MAX);
    const QPoint at = pointOnArrow(*m_view, target);
    QCOMPARE(m_view->arrowAt(at), target);

    QSignalSpy selected(m_view, &SequenceView::messageSelected);
    sendMouse(m_view->viewport(), QEvent::MouseButtonPress, at, Qt::LeftButton, Qt::LeftButton);
    sendMouse(m_view->viewport(), QEvent::MouseButtonRelease, at, Qt::LeftButton, Qt::NoButton);
    const std::uint64_t id = h.at(target).messageId;
    QCOMPARE(m_view->selectedMessage(), id);
    QCOMPARE(selected.count(), 1);
    QCOMPARE(selected.at(0).at(0).toULongLong(), id);
    // The links the journey used: publish (producer → tasks) and the worker's link.
    const QStringList links = selected.at(0).at(1).toStringList();
    QVERIFY(links.contains("publish"));
    QVERIFY(links.contains(m_trace.linkIds[int(h.at(target).link)]));
    // The inspector shows the journey.
    QCOMPARE(m_panel->journeyModel()->messageId(), id);
    QCOMPARE(std::size_t(m_panel->journeyModel()->rowCount()), m_view->selectedJourney().size());
    QVERIFY(m_panel->journeyModel()->summary().contains(QStringLiteral("#%1").arg(id)));
    // Escape clears it.
    QTest::keyClick(m_view, Qt::Key_Escape);
    QCOMPARE(m_view->selectedMessage(), std::uint64_t(0));
}

void TestSequenceView::headerClickReorderAndHide()
{
    feed(100 * kMillisecond);
    const SequenceLayout &l = m_view->layout();
    const auto headerPoint = [&l](std::size_t column) {
        return QPoint(int(l.rulerWidth + l.columnWidth * (double(column) + 0.5)), int(l.headerHeight / 2));
    };
    QCOMPARE(m_view->headerAt(headerPoint(1)), NodeIndex(1));
    QSignalSpy clicked(m_view, &SequenceView::nodeClicked);
    sendMouse(m_view->viewport(), QEvent::MouseButtonPress, headerPoint(1), Qt::LeftButton, Qt::LeftButton);
    sendMouse(m_view->viewport(), QEvent::MouseButtonRelease, headerPoint(1), Qt::LeftButton, Qt::NoButton);
    QCOMPARE(clicked.count(), 1);
    QCOMPARE(clicked.at(0).at(0).toString(), QString("tasks"));

    // Drag the producer's header onto the last column.
    QSignalSpy changed(m_view, &SequenceView::lifelinesChanged);
    sendMouse(m_view->viewport(), QEvent::MouseButtonPress, headerPoint(0), Qt::LeftButton, Qt::LeftButton);
    sendMouse(m_view->viewport(), QEvent::MouseMove, headerPoint(2), Qt::NoButton, Qt::LeftButton);
    sendMouse(m_view->viewport(), QEvent::MouseButtonRelease, headerPoint(4), Qt::LeftButton, Qt::NoButton);
    QCOMPARE(changed.count(), 1);
    QCOMPARE(m_view->lifelineOrder(), (std::vector<NodeIndex>{1, 2, 3, 4, 0}));

    m_view->setNodeHidden(2, true);
    QCOMPARE(m_view->lifelineOrder(), (std::vector<NodeIndex>{1, 3, 4, 0}));
    QCOMPARE(m_view->layout().lifelineX(2), -1.0);
    m_view->showAllNodes();
    QCOMPARE(m_view->lifelineOrder(), (std::vector<NodeIndex>{1, 2, 3, 4, 0}));
}

void TestSequenceView::densityBandsWhenArrowsAreTooMany()
{
    feed(5 * kSecond);
    m_view->setNsPerPixel(2e7); // 20 ms a pixel: the whole run in view, thousands of frames
    m_view->scrollToTime(0);
    m_view->viewport()->repaint();
    QVERIFY(m_view->lastStats().density);
    QVERIFY(m_view->lastStats().inWindow > SequenceRenderer::kMaxArrows);
    QCOMPARE(m_view->lastStats().arrows, std::size_t(0));
    m_view->setNsPerPixel(1e4); // 10 µs a pixel: a few frames
    m_view->viewport()->repaint();
    QVERIFY(!m_view->lastStats().density);
    QVERIFY(m_view->lastStats().arrows > 0);
    QCOMPARE(std::uint64_t(m_view->lastStats().arrows), m_view->lastStats().inWindow);
}

void TestSequenceView::filterLine_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<bool>("ok");
    QTest::addColumn<QString>("mention");
    QTest::newRow("empty") << "" << true << "";
    QTest::newRow("kinds") << "kind:ack -kind:enqueue" << true << "";
    QTest::newRow("message") << "msg:12" << true << "";
    QTest::newRow("correlation and range") << "corr:7 from:1s to:2s" << true << "";
    QTest::newRow("hide a lifeline") << "-node:worker-2" << true << "";
    QTest::newRow("hide acks") << "-ack" << true << "";
    QTest::newRow("bad kind") << "kind:nope" << false << "not an event kind";
    QTest::newRow("bad id") << "msg:x" << false << "message id";
    QTest::newRow("bad time") << "from:soon" << false << "needs a time";
    QTest::newRow("reversed range") << "from:2s to:1s" << false << "after";
    QTest::newRow("unknown node") << "-node:nobody" << false << "no node";
    QTest::newRow("routing key") << "rk:orders.# -rk:*.created" << true << "";
    QTest::newRow("routing key without pattern") << "rk:" << false << "routing-key pattern";
    QTest::newRow("unknown term") << "colour:red" << false << "unknown term";
}

void TestSequenceView::filterLine()
{
    QFETCH(QString, text);
    QFETCH(bool, ok);
    QFETCH(QString, mention);
    feed(100 * kMillisecond);
    QString error;
    QCOMPARE(m_panel->setFilterText(text, &error), ok);
    if (!ok) QVERIFY2(error.contains(mention), qPrintable(error));
    if (text == QLatin1String("-node:worker-2")) QCOMPARE(m_view->layout().lifelineX(3), -1.0);
    if (text == QLatin1String("msg:12")) QCOMPARE(m_view->filter().messageId, std::uint64_t(12));
    if (text.startsWith(QLatin1String("corr"))) {
        QCOMPARE(m_view->filter().from, kSecond);
        QCOMPARE(m_view->filter().to, 2 * kSecond);
    }
}

void TestSequenceView::filterHidesAcks()
{
    feed(300 * kMillisecond);
    m_view->setNsPerPixel(20000);
    m_view->scrollToTime(100 * kMillisecond);
    m_view->viewport()->repaint();
    const std::size_t all = m_view->lastStats().arrows;
    m_panel->filterEdit()->setText(QStringLiteral("-ack"));
    m_view->viewport()->repaint();
    const std::size_t withoutAcks = m_view->lastStats().arrows;
    QVERIFY(withoutAcks < all);
    // What is left has no ack frame.
    SequenceFilter f = m_view->filter();
    TraceEvent ack;
    ack.kind = TraceKind::Send;
    ack.frame = FrameType::Ack;
    QVERIFY(!f.accepts(ack));
}

// Typing msg:N while following the end takes the view to where message N begins; Home goes to the
// start of the history.
void TestSequenceView::filterJumpsToWhatItShows()
{
    feed(2 * kSecond);
    QVERIFY(m_view->isFollowing());
    SimTime first = kNever;
    for (const TraceEvent &e : m_trace.events)
        if (e.messageId == 5) {
            first = e.time;
            break;
        }
    QVERIFY(first != kNever);
    QVERIFY(m_view->topTime() > first);
    m_panel->filterEdit()->setText(QStringLiteral("msg:5"));
    QVERIFY(!m_view->isFollowing());
    QVERIFY(m_view->topTime() <= first);
    QVERIFY(m_view->bottomTime() > first);
    // from: goes to the start of the range.
    m_panel->filterEdit()->setText(QStringLiteral("from:1.5s"));
    QVERIFY(m_view->topTime() <= 1500 * kMillisecond);
    QVERIFY(m_view->bottomTime() > 1500 * kMillisecond);
    m_view->setFocus();
    QTest::keyClick(m_view, Qt::Key_End);
    QVERIFY(m_view->isFollowing());
    QTest::keyClick(m_view, Qt::Key_Home);
    QVERIFY(!m_view->isFollowing());
    QCOMPARE(m_view->topTime(), m_view->history()->firstTime());
}

void TestSequenceView::tooltipSaysWhatTheMessageCarried()
{
    feed(200 * kMillisecond, "topic-routing.json");
    std::size_t publish = SIZE_MAX;
    for (std::size_t i = 0; i < m_view->history()->size() && publish == SIZE_MAX; ++i) {
        const TraceEvent &e = m_view->history()->at(i);
        if (e.kind == TraceKind::Send && e.frame == FrameType::Publish && e.messageId == 3) publish = i;
    }
    QVERIFY(publish != SIZE_MAX);
    // Without a catalog: the frame only.
    QString tip = m_view->arrowToolTip(publish);
    QVERIFY2(tip.contains(QLatin1String("#3")), qPrintable(tip));
    QVERIFY(!tip.contains(QLatin1String("routing key")));
    // With one: what it carried too (message 3 has the producer's third key).
    const auto catalog = m_trace.catalog;
    m_panel->setMessageLookup([catalog](std::uint64_t id) { return catalog->find(id); });
    tip = m_view->arrowToolTip(publish);
    QVERIFY2(tip.contains(QStringLiteral("routing key \u201ceu.payments.failed\u201d")), qPrintable(tip));
    QVERIFY(tip.contains(QLatin1String(" bytes")));
    QCOMPARE(m_view->arrowToolTip(m_view->history()->size()), QString());
}

void TestSequenceView::filterByRoutingKey_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QStringList>("keys"); // the routing keys of the messages drawn
    QTest::newRow("eu.#") << "rk:eu.#" << QStringList{"eu.orders.created", "eu.payments.failed"};
    QTest::newRow("eu.#, not failed") << "rk:eu.# -rk:#.failed" << QStringList{"eu.orders.created"};
    QTest::newRow("not orders") << "-rk:*.orders.*"
                                << QStringList{"eu.payments.failed", "us.payments.settled", "audit.log"};
}

// Only the chosen keys' messages are drawn; the catalog is asked once per message.
void TestSequenceView::filterByRoutingKey()
{
    QFETCH(QString, text);
    QFETCH(QStringList, keys);
    feed(300 * kMillisecond, "topic-routing.json");
    int asked = 0;
    const auto catalog = m_trace.catalog;
    m_panel->setMessageLookup([catalog, &asked](std::uint64_t id) {
        ++asked;
        return catalog->find(id);
    });
    m_view->setNsPerPixel(400000); // 400 µs a pixel: some twenty messages in view
    m_view->scrollToTime(0);
    m_view->viewport()->repaint();
    QVERIFY(!m_view->lastStats().density);
    const std::uint64_t all = m_view->lastStats().inWindow;
    QCOMPARE(asked, 0); // no routing-key term, no lookup
    QString error;
    QVERIFY2(m_panel->setFilterText(text, &error), qPrintable(error));
    m_view->viewport()->repaint();
    QVERIFY(m_view->lastStats().inWindow < all);
    QVERIFY(asked > 0);
    const int askedOnce = asked;
    m_view->viewport()->repaint();
    QCOMPARE(asked, askedOnce); // cached with the filter

    // What the renderer draws under this filter: every message arrow carries one of the keys.
    QImage image(m_view->viewport()->size(), QImage::Format_ARGB32_Premultiplied);
    QPainter painter(&image);
    std::vector<SequenceRenderer::DrawnArrow> hits;
    SequenceRenderer::paint(painter, image.size(), *m_view->history(), m_view->layout(), m_view->filter(), {},
                            {}, m_view->palette(), &hits);
    painter.end();
    QVERIFY(!hits.empty());
    QSet<QString> seen;
    for (const auto &hit : hits) {
        const TraceEvent &e = m_view->history()->at(hit.index);
        if (!e.messageId) continue;
        const auto info = catalog->find(e.messageId);
        QVERIFY(info);
        const QString key = QString::fromStdString(info->routingKey);
        QVERIFY2(keys.contains(key), qPrintable(key));
        seen.insert(key);
    }
    QCOMPARE(seen, QSet<QString>(keys.begin(), keys.end()));
}

void TestSequenceView::describeNamesTheFrame()
{
    SequenceLayout l;
    l.nodeNames = {"tasks", "worker-1"};
    TraceEvent e;
    e.kind = TraceKind::Send;
    e.frame = FrameType::Deliver;
    e.messageId = 12;
    e.node = 0;
    e.peer = 1;
    e.link = 0;
    e.time = 3 * kMillisecond;
    e.aux = 4 * kMillisecond;
    e.deliveryCount = 2;
    const QString text = SequenceRenderer::describe(e, l, {"to-worker-1"});
    QVERIFY2(text.contains("send deliver #12 tasks") && text.contains("worker-1 via to-worker-1") &&
                 text.contains("at 3ms") && text.contains("arrives 4ms") && text.contains("delivery 2"),
             qPrintable(text));
}

QTEST_MAIN(TestSequenceView)
#include "tst_sequenceview.moc"
