// The Event store, Read models and Sagas docks in the main window: hidden until a run has
// something for them, tabbed with the run's views, and filled by a real run (the order saga
// example; two tellers writing the same accounts through two handlers, with a read model).
#include "domainviews.h"
#include "eventstorebrowser.h"
#include "eventstorelog.h"
#include "isolatedsettings.h"
#include "mainwindow.h"
#include "readmodellog.h"
#include "readmodelview.h"
#include "sagalog.h"
#include "sagamodel.h"
#include "sagaview.h"
#include "sequencepanel.h"
#include "sequenceview.h"

#include <QAction>
#include <QDockWidget>
#include <QSignalSpy>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>

using namespace sb;

namespace {
constexpr int kRunTimeout = 30000;
const QString kSaga = QStringLiteral(SIGNALBOX_EXAMPLES_DIR "/saga-orchestrated.json");
const QString kAccounts = QStringLiteral(SIGNALBOX_TEST_DATA_DIR "/es-two-writers.json");
const QString kWorkQueue = QStringLiteral(SIGNALBOX_EXAMPLES_DIR "/work-queue.json");

QDockWidget *dock(MainWindow &window, const char *name)
{
    return window.findChild<QDockWidget *>(QLatin1String(name));
}

bool run(MainWindow &window)
{
    QSignalSpy finished(window.engine(), &EngineHost::finished);
    window.findChild<QAction *>(QStringLiteral("runAction"))->trigger();
    return finished.wait(kRunTimeout);
}
} // namespace

class TestDomainDocks : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void hiddenUntilARunHasThem();
    void sagaRunFillsTheSagaDock();
    void accountsRunFillsTheStoreAndReadModelDocks();

private:
    QTemporaryDir m_dir;
};

void TestDomainDocks::initTestCase()
{
    QVERIFY(m_dir.isValid());
    sbtest::isolateUserFiles(m_dir);
}

void TestDomainDocks::hiddenUntilARunHasThem()
{
    MainWindow window;
    window.show();
    QVERIFY(window.openFile(kWorkQueue));
    for (const char *name : {"eventStoreDock", "readModelDock", "sagaDock"}) {
        QDockWidget *d = dock(window, name);
        QVERIFY2(d, name);
        QVERIFY2(!d->isVisible(), name);
        QCOMPARE(window.dockWidgetArea(d), Qt::BottomDockWidgetArea);
        QVERIFY2(window.tabifiedDockWidgets(dock(window, "sequenceDock")).contains(d), name);
    }
    QVERIFY(run(window));
    for (const char *name : {"eventStoreDock", "readModelDock", "sagaDock"})
        QVERIFY2(!dock(window, name)->isVisible(), name);
    // The sequence diagram stays the bottom row's current tab.
    QVERIFY(window.sequencePanel()->view()->isVisible());
}

void TestDomainDocks::sagaRunFillsTheSagaDock()
{
    MainWindow window;
    window.show();
    QVERIFY(window.openFile(kSaga));
    QVERIFY(run(window));
    QVERIFY(dock(window, "sagaDock")->isVisible());
    QVERIFY(!dock(window, "eventStoreDock")->isVisible());
    SagaView *view = window.domainViews()->sagaView();
    SagaModel *model = view->model();
    // The example's two sagas: the first completes, the second is refused at the inventory step
    // and compensates payment, then the order.
    QCOMPARE(model->rowCount(), 2);
    using S = SagaLog::StepState;
    const SagaLog::Saga *first = model->saga(0), *second = model->saga(1);
    QCOMPARE(first->endState, SagaLog::EndState::Completed);
    QCOMPARE(second->endState, SagaLog::EndState::Compensated);
    QCOMPARE(second->steps.size(), std::size_t(3));
    QCOMPARE(second->steps[0].state, S::Compensated);
    QCOMPARE(second->steps[1].state, S::Compensated);
    QCOMPARE(second->steps[2].state, S::Failed);
    QVERIFY(second->steps[1].compensationStart < second->steps[0].compensationStart);
    // Selecting it selects its events on the sequence diagram.
    QSignalSpy calls(window.sequencePanel()->view(), &SequenceView::callSelected);
    view->selectSaga(second->id);
    QCOMPARE(calls.size(), 1);
    QCOMPARE(calls.at(0).at(0).value<quint64>(), quint64(second->id));
    QVERIFY(!window.sequencePanel()->view()->selectedJourney().empty());
}

void TestDomainDocks::accountsRunFillsTheStoreAndReadModelDocks()
{
    MainWindow window;
    window.show();
    QVERIFY(window.openFile(kAccounts));
    QVERIFY(run(window));
    QVERIFY(dock(window, "eventStoreDock")->isVisible());
    QVERIFY(dock(window, "readModelDock")->isVisible());
    QVERIFY(!dock(window, "sagaDock")->isVisible());
    const EventStoreLog *store = window.domainViews()->eventStoreLog();
    QCOMPARE(store->storeCount(), 1);
    const EventStoreLog::Store &s = store->store(0);
    QCOMPARE(s.id, QStringLiteral("store"));
    QVERIFY(s.events > 0);
    QCOMPARE(std::int64_t(s.events), s.lastPosition + 1); // every append of the run, by position
    QVERIFY(s.conflicts > 0);                             // the two handlers race for the same accounts
    std::uint64_t perStream = 0, conflicts = 0;
    for (const EventStoreLog::Stream &stream : s.streams) {
        QVERIFY2(stream.name.startsWith(QLatin1String("account-")), qPrintable(stream.name));
        QCOMPARE(std::int64_t(stream.events), stream.lastRevision + 1);
        perStream += stream.events;
        conflicts += stream.conflicts;
    }
    QCOMPARE(perStream, s.events);
    QCOMPARE(conflicts, s.conflicts);
    // The read model applied every event and caught up.
    const ReadModelLog *readModels = window.domainViews()->readModelLog();
    QCOMPARE(readModels->projectionCount(), 1);
    const ReadModelLog::Projection &p = readModels->projection(0);
    QCOMPARE(p.position, s.lastPosition);
    QCOMPARE(p.applied, s.events);
    QCOMPARE(readModels->lagEvents(p), std::int64_t(0));
    QCOMPARE(int(p.rows.size()), int(s.streams.size()));
}

QTEST_MAIN(TestDomainDocks)
#include "tst_domaindocks.moc"
