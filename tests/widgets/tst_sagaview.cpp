// The saga view: one row per saga instance from synthetic trace batches, its steps' states
// (pending, running, done, failed, timed out, compensating, compensated) and its end state; a
// failure at each step compensates exactly the steps before it; a choreography's steps come from
// its local transactions; the newest instances are kept; the cells are painted in their colours;
// selecting an instance says so and selects its events on the sequence diagram.
#include "sagalog.h"
#include "sagamodel.h"
#include "sagaview.h"
#include "sequencepanel.h"
#include "sequenceview.h"

#include "callstatus.h"

#include <QAbstractItemModelTester>
#include <QImage>
#include <QLabel>
#include <QSignalSpy>
#include <QTableView>
#include <QTest>

#include <unordered_map>

using namespace sb;
using StepState = SagaLog::StepState;
using EndState = SagaLog::EndState;

Q_DECLARE_METATYPE(std::vector<int>)

namespace {

constexpr NodeIndex kOrchestrator = 0;

struct Catalog {
    std::unordered_map<std::uint64_t, MessageInfo> messages;
    SagaLog::MessageLookup lookup()
    {
        return [this](std::uint64_t id) -> std::optional<MessageInfo> {
            const auto it = messages.find(id);
            if (it == messages.end()) return std::nullopt;
            return it->second;
        };
    }
};

// Builds a saga's events as an orchestrator traces them.
struct SagaTrace {
    std::uint64_t saga;
    SimTime now = 0;
    std::vector<TraceEvent> events;
    TraceEvent base(TraceKind kind, std::uint32_t step = 0)
    {
        TraceEvent e;
        e.kind = kind;
        now += kMillisecond;
        e.time = e.local = now;
        e.node = kOrchestrator;
        e.correlationId = saga;
        e.deliveryCount = step;
        return e;
    }
    SagaTrace &begin()
    {
        events.push_back(base(TraceKind::SagaBegin));
        return *this;
    }
    SagaTrace &start(std::uint32_t step, bool compensation = false, std::uint64_t command = 0)
    {
        TraceEvent e = base(TraceKind::StepStart, step);
        e.peer = NodeIndex(step);
        e.aux = 1;
        e.messageId = command;
        if (compensation) e.flags = TraceFlag::Compensation;
        events.push_back(e);
        return *this;
    }
    SagaTrace &end(std::uint32_t step, std::uint16_t status = 0, bool compensation = false,
                   bool timedOut = false)
    {
        TraceEvent e = base(TraceKind::StepEnd, step);
        e.status = status;
        e.aux = timedOut ? 1 : 0;
        if (compensation) e.flags = TraceFlag::Compensation;
        events.push_back(e);
        return *this;
    }
    SagaTrace &finish(int outcome)
    {
        TraceEvent e = base(TraceKind::SagaEnd);
        e.aux = outcome;
        events.push_back(e);
        return *this;
    }
};

std::vector<StepState> states(const SagaLog::Saga &s)
{
    std::vector<StepState> out;
    for (const auto &step : s.steps)
        out.push_back(step.state);
    return out;
}

} // namespace

class TestSagaView : public QObject {
    Q_OBJECT

private slots:
    void init();
    void cleanup();
    void stepsAndEndFillLive();
    void failureAtEachStepCompensatesTheStepsBefore_data();
    void failureAtEachStepCompensatesTheStepsBefore();
    void runningAndTimedOutSteps();
    void choreographyFromLocalTransactions();
    void keepsTheNewestInstances();
    void cellsArePaintedInTheirColours();
    void selectingAnInstanceSelectsItOnTheDiagram();

private:
    Catalog m_catalog;
    SagaLog *m_log = nullptr;
    SagaView *m_view = nullptr;
};

void TestSagaView::init()
{
    m_catalog = {};
    m_log = new SagaLog;
    m_log->setMessageLookup(m_catalog.lookup());
    m_log->begin({QStringLiteral("orders"), QStringLiteral("payments"), QStringLiteral("stock"),
                  QStringLiteral("shipping")},
                 {QStringLiteral("Order saga"), QString(), QString(), QString()});
    m_view = new SagaView(m_log);
    new QAbstractItemModelTester(m_view->model(), QAbstractItemModelTester::FailureReportingMode::QtTest,
                                 m_view);
}

void TestSagaView::cleanup()
{
    delete m_view;
    delete m_log;
}

void TestSagaView::stepsAndEndFillLive()
{
    MessageInfo command;
    command.id = 12;
    command.routingKey = "ReserveCredit";
    m_catalog.messages[12] = command;
    SagaTrace t{5};
    t.begin().start(1, false, 12);
    m_log->addEvents(t.events);
    SagaModel *model = m_view->model();
    QCOMPARE(model->rowCount(), 1);
    QCOMPARE(model->data(model->index(0, SagaModel::SagaColumn)).toString(), QStringLiteral("saga 5"));
    QCOMPARE(model->data(model->index(0, SagaModel::OrchestratorColumn)).toString(),
             QStringLiteral("Order saga"));
    QCOMPARE(model->data(model->index(0, SagaModel::EndColumn)).toString(), QStringLiteral("running"));
    QCOMPARE(model->data(model->index(0, SagaModel::SagaColumn), SagaModel::SagaIdRole).value<quint64>(),
             quint64(5));
    QCOMPARE(states(*model->saga(0)), std::vector<StepState>{StepState::Running});
    QCOMPARE(model->saga(0)->steps[0].command, QStringLiteral("ReserveCredit"));

    QSignalSpy changed(model, &QAbstractItemModel::dataChanged);
    QSignalSpy inserted(model, &QAbstractItemModel::rowsInserted);
    t.events.clear();
    t.end(1).start(2).end(2).finish(0);
    m_log->addEvents(t.events);
    QVERIFY(changed.size() >= 1);
    QCOMPARE(inserted.size(), 0);
    QCOMPARE(states(*model->saga(0)), (std::vector<StepState>{StepState::Done, StepState::Done}));
    QCOMPARE(model->data(model->index(0, SagaModel::EndColumn)).toString(), QStringLiteral("completed"));
    QCOMPARE(model->data(model->index(0, SagaModel::DurationColumn)).toString(), QStringLiteral("5ms"));
    QCOMPARE(model->data(model->index(0, SagaModel::StepsColumn)).toString(),
             QStringLiteral("1 ReserveCredit done · 2 done"));
}

void TestSagaView::failureAtEachStepCompensatesTheStepsBefore_data()
{
    QTest::addColumn<int>("failing");
    for (int k = 1; k <= 4; ++k)
        QTest::addRow("failure at step %d of 4", k) << k;
}

void TestSagaView::failureAtEachStepCompensatesTheStepsBefore()
{
    QFETCH(int, failing);
    // Three sagas of the same orchestrator: a full one (4 steps) teaches how many steps there are.
    SagaTrace full{1};
    full.begin();
    for (std::uint32_t s = 1; s <= 4; ++s)
        full.start(s).end(s);
    full.finish(0);
    SagaTrace t{2};
    t.now = full.now;
    t.begin();
    for (std::uint32_t s = 1; s < std::uint32_t(failing); ++s)
        t.start(s).end(s);
    t.start(std::uint32_t(failing)).end(std::uint32_t(failing), CommandStatus::Rejected);
    for (std::uint32_t s = std::uint32_t(failing); s-- > 1;)
        t.start(s, true).end(s, 0, true);
    t.finish(failing == 1 ? 1 : 1);
    std::vector<TraceEvent> events = full.events;
    events.insert(events.end(), t.events.begin(), t.events.end());
    m_log->addEvents(events);
    const SagaLog::Saga *saga = m_view->model()->saga(1);
    QVERIFY(saga);
    std::vector<StepState> expected(std::size_t(failing - 1), StepState::Compensated);
    expected.push_back(StepState::Failed);
    QCOMPARE(states(*saga), expected);
    QCOMPARE(saga->endState, EndState::Compensated);
    QCOMPARE(saga->steps.back().status, CommandStatus::Rejected);
    QCOMPARE(m_log->stepsOf(kOrchestrator), 4u);
    // The compensations ran in reverse order of the steps.
    for (int s = 1; s + 1 < failing; ++s)
        QVERIFY(saga->steps[std::size_t(s)].compensationStart <
                saga->steps[std::size_t(s - 1)].compensationStart);
    QCOMPARE(m_view->model()->data(m_view->model()->index(1, SagaModel::EndColumn)).toString(),
             QStringLiteral("compensated"));
}

void TestSagaView::runningAndTimedOutSteps()
{
    SagaTrace t{7};
    t.begin().start(1).end(1, CommandStatus::TimedOut, false, true).start(1, true);
    m_log->addEvents(t.events);
    const SagaLog::Saga *saga = m_view->model()->saga(0);
    QCOMPARE(states(*saga), std::vector<StepState>{StepState::Compensating});
    QCOMPARE(saga->steps[0].end - saga->steps[0].start, kMillisecond);
    t.events.clear();
    t.end(1, CommandStatus::Unavailable, true).finish(2);
    m_log->addEvents(t.events);
    QCOMPARE(states(*saga), std::vector<StepState>{StepState::CompensationFailed});
    QCOMPARE(saga->endState, EndState::Failed);
    SagaTrace u{8};
    u.begin().start(1).end(1, CommandStatus::TimedOut, false, true);
    m_log->addEvents(u.events);
    QCOMPARE(states(*m_view->model()->saga(1)), std::vector<StepState>{StepState::TimedOut});
}

void TestSagaView::choreographyFromLocalTransactions()
{
    // No orchestrator: the services trace their local transactions for the saga's steps.
    std::vector<TraceEvent> events;
    const auto txn = [&](NodeIndex service, std::uint32_t step, std::uint16_t status, bool compensation) {
        TraceEvent e;
        e.kind = TraceKind::LocalTxn;
        e.time = e.local = SimTime(events.size() + 1) * kMillisecond;
        e.node = service;
        e.correlationId = 9;
        e.deliveryCount = step;
        e.status = status;
        if (compensation) e.flags = TraceFlag::Compensation;
        events.push_back(e);
    };
    txn(1, 1, 0, false);
    txn(2, 2, CommandStatus::Rejected, false);
    txn(1, 1, 0, true);
    m_log->addEvents(events);
    const SagaLog::Saga *saga = m_view->model()->saga(0);
    QVERIFY(saga);
    QCOMPARE(states(*saga), (std::vector<StepState>{StepState::Compensated, StepState::Failed}));
    QCOMPARE(saga->steps[1].service, NodeIndex(2));
}

void TestSagaView::keepsTheNewestInstances()
{
    std::vector<TraceEvent> events;
    for (std::uint64_t id = 1; id <= std::uint64_t(SagaLog::kMaxSagas) + 5; ++id) {
        SagaTrace t{id};
        t.now = SimTime(id) * kMillisecond;
        t.begin().start(1).end(1).finish(0);
        events.insert(events.end(), t.events.begin(), t.events.end());
    }
    QSignalSpy removed(m_view->model(), &QAbstractItemModel::rowsRemoved);
    m_log->addEvents(std::vector<TraceEvent>(events.begin(), events.begin() + 4 * SagaLog::kMaxSagas));
    QCOMPARE(m_view->model()->rowCount(), SagaLog::kMaxSagas);
    m_log->addEvents(std::vector<TraceEvent>(events.begin() + 4 * SagaLog::kMaxSagas, events.end()));
    QCOMPARE(removed.size(), 1);
    QCOMPARE(m_view->model()->rowCount(), SagaLog::kMaxSagas);
    QCOMPARE(m_view->model()->saga(0)->id, 6u);
    QCOMPARE(m_log->indexOf(6), 0);
    QCOMPARE(m_log->indexOf(5), -1);
    QVERIFY2(m_view->legend()->text().contains(QLocale().toString(SagaLog::kMaxSagas)),
             qPrintable(m_view->legend()->text()));
}

void TestSagaView::cellsArePaintedInTheirColours()
{
    SagaTrace full{1};
    full.begin().start(1).end(1).start(2).end(2).start(3).end(3).finish(0);
    SagaTrace t{2};
    t.now = full.now;
    t.begin()
        .start(1)
        .end(1)
        .start(2)
        .end(2, CommandStatus::Rejected)
        .start(1, true)
        .end(1, 0, true)
        .finish(1);
    SagaTrace running{3};
    running.now = t.now;
    running.begin().start(1);
    std::vector<TraceEvent> events = full.events;
    events.insert(events.end(), t.events.begin(), t.events.end());
    events.insert(events.end(), running.events.begin(), running.events.end());
    m_log->addEvents(events);
    m_view->resize(1000, 300);
    m_view->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_view));
    const QImage image = m_view->view()->viewport()->grab().toImage();
    const auto rowHas = [&](int row, StepState state) {
        const QRect r = m_view->view()->visualRect(m_view->model()->index(row, SagaModel::StepsColumn));
        const QRgb want = SagaTimelineDelegate::stateColor(int(state)).rgb();
        for (int y = r.top(); y <= r.bottom(); ++y)
            for (int x = r.left(); x <= r.right(); ++x)
                if (image.pixel(x, y) == want) return true;
        return false;
    };
    QVERIFY(rowHas(0, StepState::Done));
    QVERIFY(!rowHas(0, StepState::Failed));
    QVERIFY(rowHas(1, StepState::Failed));
    QVERIFY(rowHas(1, StepState::Compensated));
    QVERIFY(rowHas(2, StepState::Running));
    // Saga 3 has yet to run steps 2 and 3 (its orchestrator's sagas have three): pending cells.
    const QRect r = m_view->view()->visualRect(m_view->model()->index(2, SagaModel::StepsColumn));
    const QRgb pending = SagaTimelineDelegate::stateColor(int(StepState::Pending)).darker(130).rgb();
    bool found = false;
    for (int y = r.top(); y <= r.bottom() && !found; ++y)
        for (int x = r.left(); x <= r.right() && !found; ++x)
            found = image.pixel(x, y) == pending;
    QVERIFY(found);
}

void TestSagaView::selectingAnInstanceSelectsItOnTheDiagram()
{
    SequencePanel panel;
    panel.reset({QStringLiteral("orders"), QStringLiteral("payments")}, {}, {QStringLiteral("l0")});
    m_view->setSequencePanel(&panel);
    SagaTrace a{5}, b{6};
    a.begin().start(1).end(1);
    b.now = a.now;
    b.begin().start(1);
    std::vector<TraceEvent> events = a.events;
    events.insert(events.end(), b.events.begin(), b.events.end());
    m_log->addEvents(events);
    panel.append(events);
    QSignalSpy selected(m_view, &SagaView::sagaSelected);
    QSignalSpy calls(panel.view(), &SequenceView::callSelected);
    QTableView *view = m_view->view();
    m_view->resize(900, 300);
    m_view->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_view));
    QTest::mouseClick(view->viewport(), Qt::LeftButton, {},
                      view->visualRect(m_view->model()->index(1, SagaModel::SagaColumn)).center());
    QCOMPARE(selected.size(), 1);
    QCOMPARE(selected.at(0).at(0).value<quint64>(), quint64(6));
    QCOMPARE(calls.size(), 1);
    QCOMPARE(calls.at(0).at(0).value<quint64>(), quint64(6));
    // Saga 6's events, and only those, are the diagram's selection.
    QCOMPARE(panel.view()->selectedJourney(), (std::vector<std::size_t>{3, 4}));
    m_view->selectSaga(5);
    QCOMPARE(selected.size(), 2);
    QCOMPARE(panel.view()->selectedJourney(), (std::vector<std::size_t>{0, 1, 2}));
}

QTEST_MAIN(TestSagaView)
#include "tst_sagaview.moc"
