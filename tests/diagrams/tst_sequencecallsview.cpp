// Calls on the live sequence diagram, driven by the hand-written trace of calltrace.h: the history
// numbers stream items and executions, knows hedges and keeps the callers' waiting spans and the
// senders' blocked spans; the renderer labels call arrows with method, attempt and status, draws
// the spans as bars and marks what a reader must not miss; clicking a call's arrow selects every
// attempt and its downstream calls; findings are marks that select their call or message; the
// filter line and the event log's filter take frame: and call:.
#include "calltrace.h"
#include "eventfilterproxy.h"
#include "eventlogmodel.h"
#include "sequenceexport.h"
#include "sequencepanel.h"
#include "sequenceview.h"

#include <QAbstractItemModelTester>
#include <QImage>
#include <QLineEdit>
#include <QPainter>
#include <QScrollBar>
#include <QSignalSpy>
#include <QTest>

#include <set>

using namespace sb;

namespace {

constexpr SimTime ms = kMillisecond;

std::size_t indexOf(const SequenceHistory &h, TraceKind kind, std::uint64_t call, std::uint32_t attempt = 0,
                    FrameType frame = FrameType::Publish, std::uint64_t messageId = 0)
{
    for (std::size_t i = 0; i < h.size(); ++i) {
        const TraceEvent &e = h.at(i);
        if (e.kind == kind && e.correlationId == call && (!attempt || e.deliveryCount == attempt) &&
            (kind != TraceKind::Send || e.frame == frame) && (!messageId || e.messageId == messageId))
            return i;
    }
    return SIZE_MAX;
}

SequenceLayout layoutOf(const sbtest::CallTrace &t)
{
    SequenceLayout layout;
    layout.nodeIds = t.nodeIds;
    layout.nodeNames = t.nodeIds;
    layout.nodeKinds = t.nodeKinds;
    layout.order = {0, 1, 2};
    layout.columnWidth = 260;
    layout.nsPerPixel = 2e4; // 20 µs a pixel: the 45 ms trace in 2,250 px, labels apart
    layout.method = [&t](std::uint64_t id) {
        for (const Message &m : t.messages)
            if (m.id == id) return QString::fromStdString(m.routingKey);
        return QString();
    };
    return layout;
}

void sendMouse(QWidget *w, QEvent::Type type, QPoint pos)
{
    QMouseEvent e(type, QPointF(pos), w->mapToGlobal(QPointF(pos)), Qt::LeftButton,
                  type == QEvent::MouseButtonPress ? Qt::LeftButton : Qt::NoButton, Qt::NoModifier);
    QApplication::sendEvent(w, &e);
}

void click(QWidget *w, QPoint pos)
{
    sendMouse(w, QEvent::MouseButtonPress, pos);
    sendMouse(w, QEvent::MouseButtonRelease, pos);
}

} // namespace

class TestSequenceCallsView : public QObject {
    Q_OBJECT

private slots:
    void init();
    void cleanup();

    void historyNumbersCalls_data();
    void historyNumbersCalls();
    void spans_data();
    void spans();
    void spansOfAHistoryThatForgets();
    void callJourney_data();
    void callJourney();
    void callJourneyGrowsLive();
    void paintedLabels_data();
    void paintedLabels();
    void barsAreDrawn_data();
    void barsAreDrawn();
    void clickSelectsTheCall_data();
    void clickSelectsTheCall();
    void findingsAreMarksThatSelect_data();
    void findingsAreMarksThatSelect();
    void filterLineFrames_data();
    void filterLineFrames();
    void eventLogFilter_data();
    void eventLogFilter();

private:
    void feed();
    std::unique_ptr<SequencePanel> m_panel;
    SequenceView *m_view = nullptr;
    sbtest::CallTrace m_trace;
};

void TestSequenceCallsView::init()
{
    m_trace = sbtest::callTrace();
    m_panel = std::make_unique<SequencePanel>();
    m_panel->resize(1100, 700);
    m_panel->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_panel.get()));
    m_view = m_panel->view();
}

void TestSequenceCallsView::cleanup()
{
    m_panel.reset();
}

void TestSequenceCallsView::feed()
{
    m_panel->reset(m_trace.nodeIds, m_trace.nodeKinds, m_trace.linkIds);
    m_panel->setMessageLookup([this](std::uint64_t id) -> std::optional<MessageInfo> {
        for (const Message &m : m_trace.messages)
            if (m.id == id) {
                MessageInfo info;
                info.id = m.id;
                info.correlationId = m.correlationId;
                info.routingKey = m.routingKey;
                return info;
            }
        return std::nullopt;
    });
    m_panel->append(m_trace.events);
    m_view->setNsPerPixel(2e4);
    m_view->scrollToTime(0);
    m_view->viewport()->repaint();
}

void TestSequenceCallsView::historyNumbersCalls_data()
{
    QTest::addColumn<int>("kind");
    QTest::addColumn<quint64>("call");
    QTest::addColumn<int>("attempt");
    QTest::addColumn<int>("frame");
    QTest::addColumn<quint64>("message");
    QTest::addColumn<int>("ordinal");
    QTest::addColumn<bool>("hedge");
    const int send = int(TraceKind::Send), execute = int(TraceKind::Execute);
    const int request = int(FrameType::Request), item = int(FrameType::StreamData);
    QTest::newRow("first execution") << execute << quint64(7) << 1 << 0 << quint64(0) << 1 << false;
    QTest::newRow("second execution") << execute << quint64(7) << 2 << 0 << quint64(0) << 2 << false;
    QTest::newRow("downstream execution") << execute << quint64(8) << 1 << 0 << quint64(0) << 1 << false;
    QTest::newRow("first request") << send << quint64(7) << 1 << request << quint64(0) << 0 << false;
    QTest::newRow("retry") << send << quint64(7) << 2 << request << quint64(0) << 0 << false;
    QTest::newRow("hedge") << send << quint64(7) << 3 << request << quint64(0) << 0 << true;
    QTest::newRow("item 0") << send << quint64(9) << 1 << item << quint64(111) << 0 << false;
    QTest::newRow("item 1") << send << quint64(9) << 1 << item << quint64(112) << 1 << false;
    QTest::newRow("item 2") << send << quint64(9) << 1 << item << quint64(113) << 2 << false;
}

void TestSequenceCallsView::historyNumbersCalls()
{
    QFETCH(int, kind);
    QFETCH(quint64, call);
    QFETCH(int, attempt);
    QFETCH(int, frame);
    QFETCH(quint64, message);
    QFETCH(int, ordinal);
    QFETCH(bool, hedge);
    SequenceHistory h(256);
    h.append(m_trace.events);
    const std::size_t i =
        indexOf(h, TraceKind(kind), call, std::uint32_t(attempt), FrameType(frame), message);
    QVERIFY(i != SIZE_MAX);
    QCOMPARE(int(h.ordinal(i)), ordinal);
    QCOMPARE(h.isHedge(i), hedge);
    QCOMPARE(h.parentCall(8), std::uint64_t(7));
}

void TestSequenceCallsView::spans_data()
{
    QTest::addColumn<qint64>("from");
    QTest::addColumn<qint64>("to");
    QTest::addColumn<QString>("expected"); // kind:node:call:depth:start-end (ms), in order
    QTest::newRow("everything") << qint64(0) << qint64(100 * ms)
                                << "call:0:7:0:0-16 call:1:8:0:1-3 call:0:9:0:30-36 blocked:1:0:0:40-45";
    QTest::newRow("inside call 7's wait") << qint64(5 * ms) << qint64(6 * ms) << "call:0:7:0:0-16";
    QTest::newRow("between calls") << qint64(20 * ms) << qint64(25 * ms) << "";
    QTest::newRow("the blocked span") << qint64(44 * ms) << qint64(50 * ms) << "blocked:1:0:0:40-45";
    QTest::newRow("touching an end") << qint64(16 * ms) << qint64(30 * ms)
                                     << "call:0:7:0:0-16 call:0:9:0:30-36";
}

void TestSequenceCallsView::spans()
{
    QFETCH(qint64, from);
    QFETCH(qint64, to);
    QFETCH(QString, expected);
    SequenceHistory h(256);
    h.append(m_trace.events);
    QStringList got;
    for (const SequenceHistory::Span &s : h.spans(from, to))
        got << QStringLiteral("%1:%2:%3:%4:%5-%6")
                   .arg(s.kind == SequenceHistory::Span::Kind::Call ? "call" : "blocked")
                   .arg(s.node)
                   .arg(s.call)
                   .arg(s.depth)
                   .arg(s.start / ms)
                   .arg(s.end / ms);
    QCOMPARE(got.join(QLatin1Char(' ')), expected);
}

void TestSequenceCallsView::spansOfAHistoryThatForgets()
{
    // A ring of 8 events: once call 7's events are forgotten its span goes; an open call stays
    // open up to the newest event.
    SequenceHistory h(8);
    // Up to the trailers of call 9, before its Complete.
    std::vector<TraceEvent> prefix(m_trace.events.begin(), m_trace.events.begin() + 34);
    QCOMPARE(prefix.back().frame, FrameType::Reply);
    h.append(prefix);
    QVERIFY(h.discarded() > 0);
    QVERIFY(h.firstTime() > 16 * ms);
    bool sawCall7 = false, call9Open = false;
    for (const SequenceHistory::Span &s : h.spans(0, kNever)) {
        sawCall7 |= s.call == 7;
        if (s.call == 9) call9Open = s.open && s.end == h.lastTime();
    }
    QVERIFY(!sawCall7);
    QVERIFY(call9Open);
    h.clear();
    QVERIFY(h.spans(0, kNever).empty());
}

void TestSequenceCallsView::callJourney_data()
{
    QTest::addColumn<quint64>("call");
    QTest::addColumn<QString>("calls"); // the calls whose events the journey holds
    QTest::newRow("call 7 and its downstream call 8") << quint64(7) << "7 8";
    QTest::newRow("downstream call 8 alone") << quint64(8) << "8";
    QTest::newRow("streaming call 9") << quint64(9) << "9";
}

void TestSequenceCallsView::callJourney()
{
    QFETCH(quint64, call);
    QFETCH(QString, calls);
    SequenceHistory h(256);
    h.append(m_trace.events);
    const SequenceHistory::Journey j(h, call, SequenceHistory::Journey::Of::Call);
    std::set<std::uint64_t> seen;
    for (std::size_t i : j.indices())
        seen.insert(h.at(i).correlationId);
    QStringList got;
    for (std::uint64_t c : seen)
        got << QString::number(c);
    QCOMPARE(got.join(QLatin1Char(' ')), calls);
    // Every event of those calls is in it.
    std::size_t expected = 0;
    for (std::size_t i = 0; i < h.size(); ++i)
        expected += seen.count(h.at(i).correlationId) && h.at(i).correlationId;
    QCOMPARE(j.indices().size(), expected);
}

void TestSequenceCallsView::callJourneyGrowsLive()
{
    // Selected before the server calls downstream: call 8 joins when its Call arrives.
    SequenceHistory h(256);
    h.append(m_trace.events.data(), 2);
    SequenceHistory::Journey j(h, 7, SequenceHistory::Journey::Of::Call);
    QCOMPARE(j.calls().size(), std::size_t(1));
    h.append(m_trace.events.data() + 2, m_trace.events.size() - 2);
    j.update(h);
    QVERIFY(j.calls().count(8));
    const std::size_t downstreamExecute = indexOf(h, TraceKind::Execute, 8);
    QVERIFY(std::binary_search(j.indices().begin(), j.indices().end(), downstreamExecute));
}

void TestSequenceCallsView::paintedLabels_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<int>("kind"); // DrawnLabel::Kind
    const int arrow = int(SequenceRenderer::DrawnLabel::Kind::Arrow);
    const int mark = int(SequenceRenderer::DrawnLabel::Kind::Mark);
    QTest::newRow("request") << "Request orders.Orders/Get" << arrow;
    QTest::newRow("retry") << "Request orders.Orders/Get #2" << arrow;
    QTest::newRow("hedge") << "Request orders.Orders/Get hedge #3" << arrow;
    QTest::newRow("downstream request") << "Request db.Db/Read" << arrow;
    QTest::newRow("reply") << "Reply OK" << arrow;
    QTest::newRow("lost reply") << "Reply UNAVAILABLE" << arrow;
    QTest::newRow("cancel frame") << "Cancel #3" << arrow;
    // (Item 2 crosses the window update and the half-close lies on the request: labels that
    // would overlap another are left out.)
    QTest::newRow("stream item") << "StreamData [1]" << arrow;
    QTest::newRow("window update") << "WindowUpdate" << arrow;
    QTest::newRow("second execution") << "execute #2" << mark;
    QTest::newRow("cancel at the client") << "cancel: deadline" << mark;
    QTest::newRow("cancel at the server") << "cancel: cancelled" << mark;
    QTest::newRow("late reply") << "late reply" << mark;
    QTest::newRow("breaker") << "breaker open" << mark;
    QTest::newRow("hedge mark") << "hedge #3" << mark;
    QTest::newRow("timeout") << "timeout" << mark;
}

void TestSequenceCallsView::paintedLabels()
{
    QFETCH(QString, text);
    QFETCH(int, kind);
    SequenceHistory h(256);
    h.append(m_trace.events);
    const SequenceLayout layout = layoutOf(m_trace);
    const QSizeF size(layout.width(), layout.timeY(50 * ms));
    QImage image(size.toSize(), QImage::Format_ARGB32_Premultiplied);
    QPainter p(&image);
    const auto stats = SequenceRenderer::paint(p, size, h, layout, {}, {}, {}, exportPalette());
    QStringList all;
    bool found = false;
    for (const auto &l : stats.labels) {
        all << l.text;
        found |= l.text == text && int(l.kind) == kind;
    }
    QVERIFY2(found, qPrintable(all.join(QLatin1String(" | "))));
}

void TestSequenceCallsView::barsAreDrawn_data()
{
    QTest::addColumn<int>("node");
    QTest::addColumn<qint64>("at");
    QTest::addColumn<int>("bar"); // 0 none, 1 a caller's wait, 2 a blocked sender
    QTest::newRow("client waits for call 7") << 0 << qint64(8 * ms) << 1;
    QTest::newRow("client between calls") << 0 << qint64(25 * ms) << 0;
    QTest::newRow("client waits for call 9") << 0 << qint64(32 * ms + 500 * kMicrosecond) << 1;
    QTest::newRow("server waits for call 8") << 1 << qint64(2 * ms) << 1;
    QTest::newRow("server blocked") << 1 << qint64(42 * ms) << 2;
    QTest::newRow("server free") << 1 << qint64(47 * ms) << 0;
}

void TestSequenceCallsView::barsAreDrawn()
{
    QFETCH(int, node);
    QFETCH(qint64, at);
    QFETCH(int, bar);
    SequenceHistory h(256);
    h.append(m_trace.events);
    SequenceLayout layout = layoutOf(m_trace);
    const QSizeF size(layout.width(), layout.timeY(50 * ms));
    QImage image(size.toSize(), QImage::Format_ARGB32_Premultiplied);
    {
        QPainter p(&image);
        SequenceRenderer::paint(p, size, h, layout, {}, {}, {}, exportPalette());
    }
    // Inside the bar, just right of the lifeline (a blocked bar stands 2 px further right).
    const QPoint spot(int(layout.lifelineX(NodeIndex(node))) + 1, int(layout.timeY(at)));
    const QColor got = image.pixelColor(spot);
    const QColor wait = SequenceRenderer::activationColor(false),
                 blocked = SequenceRenderer::blockedColor(false);
    QCOMPARE(got == wait ? 1 : got == blocked ? 2 : 0, bar);
}

void TestSequenceCallsView::clickSelectsTheCall_data()
{
    QTest::addColumn<int>("frame");
    QTest::addColumn<quint64>("call");
    QTest::addColumn<int>("attempt");
    QTest::addColumn<QString>("selected"); // the calls highlighted
    QTest::newRow("first attempt") << int(FrameType::Request) << quint64(7) << 1 << "7 8";
    QTest::newRow("retry") << int(FrameType::Request) << quint64(7) << 2 << "7 8";
    QTest::newRow("hedge") << int(FrameType::Request) << quint64(7) << 3 << "7 8";
    QTest::newRow("a reply") << int(FrameType::Reply) << quint64(7) << 2 << "7 8";
    QTest::newRow("the downstream request") << int(FrameType::Request) << quint64(8) << 1 << "8";
    QTest::newRow("a stream item") << int(FrameType::StreamData) << quint64(9) << 1 << "9";
}

void TestSequenceCallsView::clickSelectsTheCall()
{
    QFETCH(int, frame);
    QFETCH(quint64, call);
    QFETCH(int, attempt);
    QFETCH(QString, selected);
    feed();
    const SequenceHistory &h = *m_view->history();
    const std::size_t target = indexOf(h, TraceKind::Send, call, std::uint32_t(attempt), FrameType(frame));
    QVERIFY(target != SIZE_MAX);
    m_view->scrollToTime(std::max<SimTime>(0, h.at(target).time - 5 * ms));
    m_view->viewport()->repaint();
    const TraceEvent &e = h.at(target);
    const SequenceLayout &l = m_view->layout();
    const QPointF a(l.lifelineX(e.node), l.timeY(e.time)), b(l.lifelineX(e.peer), l.timeY(e.aux));
    const QPoint at = (a + (b - a) / 3 - QPointF(m_view->horizontalScrollBar()->value(), 0)).toPoint();
    QCOMPARE(m_view->arrowAt(at), target);

    QSignalSpy calls(m_view, &SequenceView::callSelected);
    QSignalSpy panelMessages(m_panel.get(), &SequencePanel::messageSelected);
    click(m_view->viewport(), at);
    QCOMPARE(m_view->selectedCall(), std::uint64_t(call));
    QCOMPARE(m_view->selectedMessage(), std::uint64_t(0));
    QCOMPARE(calls.count(), 1);
    QCOMPARE(calls.at(0).at(0).toULongLong(), call);
    QVERIFY(calls.at(0).at(1).toStringList().contains(m_trace.linkIds[int(e.link)]));
    QStringList got;
    for (std::uint64_t c : m_view->highlight().calls)
        got << QString::number(c);
    QCOMPARE(got.join(QLatin1Char(' ')), selected);
    // Every attempt of the call is in the selection.
    for (std::size_t i = 0; i < h.size(); ++i)
        if (h.at(i).correlationId == call)
            QVERIFY(
                std::binary_search(m_view->selectedJourney().begin(), m_view->selectedJourney().end(), i));
    // The panel names the call in the inspector and lights its links on the canvas.
    QCOMPARE(panelMessages.count(), 1);
    QVERIFY(m_panel->callText(call).startsWith(QStringLiteral("Call %1").arg(call)));
    QTest::keyClick(m_view, Qt::Key_Escape);
    QCOMPARE(m_view->selectedCall(), std::uint64_t(0));
}

void TestSequenceCallsView::findingsAreMarksThatSelect_data()
{
    QTest::addColumn<quint64>("correlation");
    QTest::addColumn<quint64>("message");
    QTest::addColumn<quint64>("selectedCall");
    QTest::addColumn<quint64>("selectedMessage");
    QTest::newRow("a call's finding selects the call")
        << quint64(7) << quint64(100) << quint64(7) << quint64(0);
    QTest::newRow("a message's finding selects the message")
        << quint64(0) << quint64(120) << quint64(0) << quint64(120);
}

void TestSequenceCallsView::findingsAreMarksThatSelect()
{
    QFETCH(quint64, correlation);
    QFETCH(quint64, message);
    QFETCH(quint64, selectedCall);
    QFETCH(quint64, selectedMessage);
    feed();
    Finding f;
    f.check = "executed-twice";
    f.what = "call 7 was executed twice by server";
    f.subject = correlation ? "call 7" : "message 120";
    f.correlationId = correlation;
    f.messageId = message;
    f.node = 1;
    f.time = 13 * ms;
    m_panel->setFindings({f});
    m_view->scrollToTime(5 * ms);
    m_view->viewport()->repaint();
    QRectF rect;
    for (const auto &l : m_view->lastStats().labels)
        if (l.kind == SequenceRenderer::DrawnLabel::Kind::Annotation) rect = l.rect;
    QCOMPARE(rect.isEmpty(), false);
    const QPoint at = (rect.center() - QPointF(m_view->horizontalScrollBar()->value(), 0)).toPoint();
    QCOMPARE(m_view->findingAt(at), std::size_t(0));
    QSignalSpy clicked(m_view, &SequenceView::findingClicked);
    click(m_view->viewport(), at);
    QCOMPARE(clicked.count(), 1);
    QCOMPARE(m_view->selectedCall(), std::uint64_t(selectedCall));
    QCOMPARE(m_view->selectedMessage(), std::uint64_t(selectedMessage));
    // The mark says the check and the subject.
    bool shown = false;
    for (const auto &l : m_view->lastStats().labels)
        shown |= l.text == QStringLiteral("executed-twice \u00b7 %1").arg(QString::fromStdString(f.subject));
    QVERIFY(shown);
    // showFinding scrolls there and selects the same.
    m_view->scrollToTime(40 * ms);
    QTest::keyClick(m_view, Qt::Key_Escape);
    m_panel->showFinding(0);
    QVERIFY(m_view->topTime() <= f.time && m_view->bottomTime() >= f.time);
    QCOMPARE(m_view->selectedCall(), std::uint64_t(selectedCall));
    QCOMPARE(clicked.count(), 2);
    // Findings stay apart from the delivery check's annotations.
    m_view->setAnnotations({});
    QCOMPARE(m_view->findings().size(), std::size_t(1));
}

void TestSequenceCallsView::filterLineFrames_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<bool>("ok");
    QTest::addColumn<QString>("frames"); // the frame types of the arrows drawn, sorted, distinct
    QTest::newRow("no filter") << "" << true << "cancel half-close reply request stream-data window-update";
    QTest::newRow("requests only") << "frame:request" << true << "request";
    QTest::newRow("requests and replies") << "frame:request frame:reply" << true << "reply request";
    QTest::newRow("no stream items") << "-frame:stream-data" << true
                                     << "cancel half-close reply request window-update";
    QTest::newRow("one call") << "call:9" << true << "half-close reply request stream-data window-update";
    QTest::newRow("not a frame") << "frame:requests" << false << "";
    QTest::newRow("no call id") << "call:x" << false << "";
}

void TestSequenceCallsView::filterLineFrames()
{
    QFETCH(QString, text);
    QFETCH(bool, ok);
    QFETCH(QString, frames);
    feed();
    m_view->setNsPerPixel(1e5); // the whole trace in view
    m_view->scrollToTime(0);
    QString error;
    QCOMPARE(m_panel->setFilterText(text, &error), ok);
    if (!ok) {
        QVERIFY2(error.contains(text), qPrintable(error)); // names the term
        return;
    }
    m_view->viewport()->repaint();
    std::set<std::string> drawn;
    // Hit lines are the arrows drawn.
    QImage image(m_view->viewport()->size(), QImage::Format_ARGB32_Premultiplied);
    std::vector<SequenceRenderer::DrawnArrow> hits;
    {
        QPainter p(&image);
        SequenceRenderer::paint(p, image.size(), *m_view->history(), m_view->layout(), m_view->filter(),
                                m_view->highlight(), {}, exportPalette(), &hits);
    }
    for (const auto &hit : hits)
        drawn.insert(frameTypeName(m_view->history()->at(hit.index).frame));
    QStringList got;
    for (const std::string &f : drawn)
        got << QString::fromStdString(f);
    QCOMPARE(got.join(QLatin1Char(' ')), frames);
}

void TestSequenceCallsView::eventLogFilter_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<bool>("ok");
    QTest::addColumn<int>("rows");
    int requests = 0, call9 = 0, streamItems = 0;
    for (const TraceEvent &e : sbtest::callTrace().events) {
        requests += e.kind == TraceKind::Send && e.frame == FrameType::Request;
        streamItems += e.kind == TraceKind::Send && e.frame == FrameType::StreamData;
        call9 += e.correlationId == 9;
    }
    QTest::newRow("request frames") << "frame:request" << true << requests;
    QTest::newRow("stream items") << "frame:stream-data" << true << streamItems;
    QTest::newRow("call 9") << "call:9" << true << call9;
    QTest::newRow("a call's stream items") << "call:9 frame:stream-data" << true << streamItems;
    QTest::newRow("execute events") << "kind:execute" << true << 4;
    QTest::newRow("not a frame") << "frame:nope" << false << 0;
    QTest::newRow("not a call id") << "call:0" << false << 0;
}

void TestSequenceCallsView::eventLogFilter()
{
    QFETCH(QString, text);
    QFETCH(bool, ok);
    QFETCH(int, rows);
    EventLogModel log;
    log.setNames(m_trace.nodeIds, m_trace.linkIds);
    log.appendBatch(m_trace.events);
    EventFilterProxy proxy;
    QAbstractItemModelTester tester(&proxy, QAbstractItemModelTester::FailureReportingMode::QtTest);
    proxy.setSourceModel(&log);
    QString error;
    QCOMPARE(proxy.setFilterText(text, &error), ok);
    if (!ok) {
        QVERIFY(!error.isEmpty());
        QCOMPARE(proxy.rowCount(), log.rowCount()); // unchanged
        return;
    }
    QCOMPARE(proxy.rowCount(), rows);
}

QTEST_MAIN(TestSequenceCallsView)
#include "tst_sequencecallsview.moc"
