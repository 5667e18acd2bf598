// The Sequence dock's Order selector: switching it with the keyboard re-places the clock-skew
// example's history (arrows received "before" they were sent go up in local order, never in
// Lamport or vector order, and are marked in all), the ruler and tooltips follow, the text and picture
// exports follow, and fault and clock-step marks show over their targets.
#include "exampletrace.h"
#include "sequencepanel.h"
#include "sequenceview.h"

#include <QComboBox>
#include <QFile>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace sb;

class TestSequenceOrderPanel : public QObject {
    Q_OBJECT
private slots:
    void init();
    void cleanup();
    void switchingTheOrder_data();
    void switchingTheOrder();
    void exportsFollowTheOrder();
    void faultAndClockMarks();

private:
    void feed(SimTime until);
    std::size_t upArrows(bool onlyMarked) const;
    std::unique_ptr<SequencePanel> m_panel;
    SequenceView *m_view = nullptr;
    sbtest::ExampleTrace m_trace;
};

void TestSequenceOrderPanel::init()
{
    m_panel = std::make_unique<SequencePanel>();
    m_panel->resize(1000, 600);
    m_panel->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_panel.get()));
    m_view = m_panel->view();
}

void TestSequenceOrderPanel::cleanup()
{
    m_panel.reset();
}

void TestSequenceOrderPanel::feed(SimTime until)
{
    m_trace = sbtest::runExample("clock-skew.json", until);
    m_panel->reset(m_trace.topology);
    for (std::size_t i = 0; i < m_trace.events.size(); i += 200) {
        const auto end = std::min(m_trace.events.size(), i + 200);
        m_panel->append(std::vector<TraceEvent>(m_trace.events.begin() + std::ptrdiff_t(i),
                                                m_trace.events.begin() + std::ptrdiff_t(end)));
    }
}

std::size_t TestSequenceOrderPanel::upArrows(bool onlyMarked) const
{
    std::size_t n = 0;
    const SequenceHistory &h = *m_view->history();
    for (std::size_t i = 0; i < h.size(); ++i) {
        const TraceEvent &e = h.at(i);
        if (e.kind != TraceKind::Send || e.aux >= e.time) continue;
        n += !onlyMarked || (e.flags & SequenceProjection::kContradicts);
    }
    return n;
}

void TestSequenceOrderPanel::switchingTheOrder_data()
{
    QTest::addColumn<int>("downPresses"); // from "True time"
    QTest::addColumn<int>("order");
    QTest::addColumn<bool>("arrowsGoUp");
    QTest::addColumn<QString>("ruler");
    QTest::addColumn<QString>("tooltip"); // in the tooltip of a delivery arrow
    QTest::newRow("local") << 1 << int(SequenceOrder::Local) << true << "local "
                           << "local 252ms \u2192 203ms";
    QTest::newRow("lamport") << 2 << int(SequenceOrder::Lamport) << false << "L "
                             << "Lamport ";
    QTest::newRow("vector") << 3 << int(SequenceOrder::Vector) << false << "#"
                            << "vector {shop:";
}

void TestSequenceOrderPanel::switchingTheOrder()
{
    QFETCH(int, downPresses);
    QFETCH(int, order);
    QFETCH(bool, arrowsGoUp);
    QFETCH(QString, ruler);
    QFETCH(QString, tooltip);
    feed(300 * kMillisecond);
    QComboBox *box = m_panel->orderBox();
    QCOMPARE(box->currentText(), QStringLiteral("True time"));
    QCOMPARE(m_view->history(), &m_panel->history());
    QCOMPARE(upArrows(false), std::size_t(0));
    // In true order the deliveries to billing are already marked: its clock reads them early.
    m_view->scrollToTime(0);
    m_view->viewport()->repaint();
    const auto markedLabels = [this] {
        int n = 0;
        for (const auto &l : m_view->lastStats().labels)
            n += l.text.endsWith(QStringLiteral("\u26a0 clocks"));
        return n;
    };
    QVERIFY(markedLabels() > 0);

    QSignalSpy activated(box, &QComboBox::activated);
    box->setFocus();
    for (int k = 0; k < downPresses; ++k)
        QTest::keyClick(box, Qt::Key_Down);
    QCOMPARE(activated.count(), downPresses);
    QCOMPARE(int(m_panel->order()), order);
    QCOMPARE(int(m_view->layout().ordering), order);
    QVERIFY(m_view->projection());
    QCOMPARE(m_view->history(), &m_view->projection()->history());
    QCOMPARE(m_view->history()->size(), m_panel->history().size());
    // Local clocks: the deliveries to billing (its clock 50 ms behind) go up, and every arrow that
    // goes up is marked; in logical orders every arrow goes down.
    QCOMPARE(upArrows(false) > 0, arrowsGoUp);
    QCOMPARE(upArrows(true), upArrows(false));
    QVERIFY(m_view->layout().rulerText(m_view->topTime()).startsWith(ruler));
    m_view->viewport()->repaint();
    QVERIFY(m_view->lastStats().arrows > 0);
    QVERIFY(markedLabels() > 0); // the contradicting pairs are marked in every order

    // The tooltip of the first delivery to billing describes the traced event and its clocks.
    const SequenceHistory &h = *m_view->history();
    std::size_t delivery = SIZE_MAX;
    for (std::size_t i = 0; i < h.size() && delivery == SIZE_MAX; ++i)
        if (h.at(i).kind == TraceKind::Send && h.at(i).frame == FrameType::Deliver && h.at(i).messageId == 6)
            delivery = i;
    QVERIFY(delivery != SIZE_MAX);
    const QString tip = m_view->arrowToolTip(delivery);
    QVERIFY2(tip.contains(QStringLiteral("at 252ms, arrives 253ms")), qPrintable(tip));
    QVERIFY2(tip.contains(tooltip), qPrintable(tip));

    // Back to true time: the history shown is the run's own again.
    for (int k = 0; k < downPresses; ++k)
        QTest::keyClick(box, Qt::Key_Up);
    QCOMPARE(m_panel->order(), SequenceOrder::True);
    QCOMPARE(m_view->history(), &m_panel->history());
    QVERIFY(!m_view->projection());
}

void TestSequenceOrderPanel::exportsFollowTheOrder()
{
    feed(300 * kMillisecond);
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString trueText = dir.filePath(QStringLiteral("true.mmd")),
                  localText = dir.filePath(QStringLiteral("local.mmd"));
    QString error;
    QVERIFY2(m_panel->exportTo(trueText, true, &error), qPrintable(error));
    m_panel->setOrder(SequenceOrder::Local);
    QCOMPARE(m_panel->orderBox()->currentIndex(), 1);
    QVERIFY2(m_panel->exportTo(localText, true, &error), qPrintable(error));
    const auto read = [](const QString &path) {
        QFile f(path);
        return f.open(QIODevice::ReadOnly) ? QString::fromUtf8(f.readAll()) : QString();
    };
    const QString t = read(trueText), l = read(localText);
    // The same arrows, in another order: by local time billing's acks come before the deliveries.
    QVERIFY(t.indexOf(QStringLiteral("shop->>orders: publish m1")) <
            t.indexOf(QStringLiteral("billing->>orders: ack m1")));
    QVERIFY(l.indexOf(QStringLiteral("billing->>orders: ack m1")) <
            l.indexOf(QStringLiteral("shop->>orders: publish m1")));
    QVERIFY2(l.contains(QStringLiteral("local=")), qPrintable(l.left(400)));
    QVERIFY(t.contains(QStringLiteral("[local clocks: received before sent]")));
    QCOMPARE(t.count(QStringLiteral("->>")), l.count(QStringLiteral("->>")));
    // A picture of the re-placed diagram.
    const QString svg = dir.filePath(QStringLiteral("local.svg"));
    QVERIFY2(m_panel->exportTo(svg, true, &error), qPrintable(error));
    QVERIFY(read(svg).contains(QStringLiteral("local ")));
}

void TestSequenceOrderPanel::faultAndClockMarks()
{
    feed(50 * kMillisecond);
    m_panel->setFaultNames(
        [](std::uint64_t i) { return i == 3 ? QStringLiteral("cut (link-down)") : QString(); });
    // A link fault on "deliver" (orders -> billing), a group fault, and billing's clock step.
    TraceEvent start;
    start.kind = TraceKind::FaultStart;
    start.time = 60 * kMillisecond;
    start.link = 1;
    start.aux = 3;
    TraceEvent group = start;
    group.link = kNoIndex;
    group.aux = 9;
    group.time = 62 * kMillisecond;
    TraceEvent jump;
    jump.kind = TraceKind::ClockJump;
    jump.time = 64 * kMillisecond;
    jump.node = 2;
    jump.aux = -30 * kMillisecond;
    TraceEvent end = start;
    end.kind = TraceKind::FaultEnd;
    end.time = 66 * kMillisecond;
    m_panel->append({start, group, jump, end});
    m_view->setNsPerPixel(5e4);
    m_view->scrollToTime(55 * kMillisecond);
    m_view->viewport()->repaint();
    QStringList marks;
    for (const auto &l : m_view->lastStats().labels)
        if (l.kind == SequenceRenderer::DrawnLabel::Kind::Mark) marks << l.text;
    QVERIFY2(marks.contains(QStringLiteral("\u26a1 cut (link-down) starts")), qPrintable(marks.join('|')));
    QVERIFY2(marks.contains(QStringLiteral("\u26a1 fault 9 starts")), qPrintable(marks.join('|')));
    QVERIFY2(marks.contains(QStringLiteral("cut (link-down) ends")), qPrintable(marks.join('|')));
    QVERIFY2(marks.contains(QStringLiteral("clock \u221230ms")), qPrintable(marks.join('|')));
}

QTEST_MAIN(TestSequenceOrderPanel)
#include "tst_sequenceorderpanel.moc"
