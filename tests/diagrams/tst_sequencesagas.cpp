// Event sourcing, CQRS, sagas and the outbox on the sequence diagram and in the event log: each
// new trace kind reads well (domainMarkText / domainMarkDetails, the notes of the text exports),
// is marked on the lifeline where it happened with its text where one belongs (a saga's begin and
// end on the orchestrator, local transactions and compensations on the service, conflicts and
// parked events on the store), Command arrows name their command, and selecting a saga (as a
// call: its id is the correlation id of its events and frames) highlights exactly its events.
#include "eventlogmodel.h"
#include "sequence.h"
#include "sequenceexport.h"
#include "sequencepanel.h"
#include "sequenceview.h"

#include "callstatus.h"

#include <QImage>
#include <QPainter>
#include <QSignalSpy>
#include <QTest>

using namespace sb;

Q_DECLARE_METATYPE(sb::TraceKind)

namespace {

SequenceRenderer::Stats paint(const SequenceHistory &history, const SequenceLayout &layout, QSizeF size)
{
    QImage image(size.toSize(), QImage::Format_ARGB32_Premultiplied);
    QPainter p(&image);
    return SequenceRenderer::paint(p, size, history, layout, {}, {}, {}, exportPalette());
}

QStringList markLabels(const SequenceRenderer::Stats &stats)
{
    QStringList out;
    for (const auto &l : stats.labels)
        if (l.kind == SequenceRenderer::DrawnLabel::Kind::Mark) out << l.text;
    return out;
}

// Lifelines: the store (0), the orchestrator (1), a service (2).
SequenceLayout threeLifelines()
{
    SequenceLayout layout;
    layout.nodeIds = {QStringLiteral("store"), QStringLiteral("orders"), QStringLiteral("payments")};
    layout.nodeNames = layout.nodeIds;
    layout.nodeKinds = {QStringLiteral("event-store"), QStringLiteral("saga-orchestrator"),
                        QStringLiteral("saga-participant")};
    layout.order = {0, 1, 2};
    // Message 12 is the command ReserveCredit, message 30 the event Deposited.
    layout.method = [](std::uint64_t id) {
        return id == 12   ? QStringLiteral("ReserveCredit")
               : id == 30 ? QStringLiteral("Deposited")
                          : QString();
    };
    return layout;
}

TraceEvent mark(TraceKind kind, NodeIndex node, std::int64_t aux = 0, std::uint64_t saga = 0,
                std::uint32_t step = 0, std::uint8_t flags = 0, std::uint16_t status = kNoStatus)
{
    TraceEvent e;
    e.kind = kind;
    e.time = e.local = 5 * kMillisecond;
    e.node = node;
    e.aux = aux;
    e.correlationId = saga;
    e.deliveryCount = step;
    e.flags = flags;
    e.status = status;
    return e;
}

} // namespace

class TestSequenceSagas : public QObject {
    Q_OBJECT

private slots:
    void markText_data();
    void markText();
    void marksOnTheirLifeline_data();
    void marksOnTheirLifeline();
    void commandArrowNamesItsCommand();
    void notesInTextExports();
    void selectingASagaHighlightsItsEvents();
};

void TestSequenceSagas::markText_data()
{
    QTest::addColumn<TraceEvent>("event");
    QTest::addColumn<QString>("name");
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("details");
    const std::uint8_t comp = TraceFlag::Compensation;
    TraceEvent append = mark(TraceKind::StreamAppend, 0, 3);
    append.offset = 12;
    append.correlationId = 9;
    QTest::newRow("append") << append << "account-7"
                            << "append account-7 r3 @12"
                            << "stream account-7, revision 3, position 12, command 9";
    TraceEvent conflict = mark(TraceKind::Conflict, 0, 4);
    conflict.offset = 3;
    QTest::newRow("conflict") << conflict << ""
                              << "conflict: expected revision 3, stream at 4"
                              << "";
    TraceEvent noStream = mark(TraceKind::Conflict, 0, 0);
    noStream.offset = -1;
    QTest::newRow("conflict no stream") << noStream << ""
                                        << "conflict: expected no stream, stream at 0"
                                        << "";
    TraceEvent rebuild = mark(TraceKind::Rebuild, 1, 2);
    rebuild.offset = 12;
    rebuild.deliveryCount = 1;
    rebuild.epoch = 10;
    QTest::newRow("rebuild from snapshot") << rebuild << ""
                                           << "rebuild to r12 (2 events after snapshot r10)"
                                           << "";
    TraceEvent snapshot = mark(TraceKind::Snapshot, 1);
    snapshot.offset = 100;
    QTest::newRow("snapshot") << snapshot << ""
                              << "snapshot r100"
                              << "";
    TraceEvent project = mark(TraceKind::Project, 2, 3);
    project.offset = 40;
    QTest::newRow("project") << project << "Deposited"
                             << "project Deposited @40 (lag 3)"
                             << "3 events behind";
    TraceEvent upcast = mark(TraceKind::Upcast, 2, 2);
    upcast.deliveryCount = 1;
    upcast.messageId = 30;
    QTest::newRow("upcast") << upcast << ""
                            << "upcast m30 v1 \u2192 v2"
                            << "";
    TraceEvent park = mark(TraceKind::Park, 0);
    park.messageId = 31;
    park.reason = DropReason::Parked;
    QTest::newRow("park") << park << ""
                          << "parked m31: parked"
                          << "";
    TraceEvent stale = mark(TraceKind::QueryAnswer, 1, 14, 7, 0, TraceFlag::Stale);
    stale.offset = 12;
    QTest::newRow("stale answer") << stale << ""
                                  << "answer @12 stale: own write @14 missing"
                                  << "query 7, own latest write @14";
    QTest::newRow("saga begins") << mark(TraceKind::SagaBegin, 1, 0, 5) << ""
                                 << "saga 5 begins"
                                 << "";
    QTest::newRow("step starts") << mark(TraceKind::StepStart, 1, 1, 5, 2) << "ReserveCredit"
                                 << "step 2 ReserveCredit starts"
                                 << "saga 5";
    QTest::newRow("step retried") << mark(TraceKind::StepStart, 1, 2, 5, 2) << "ReserveCredit"
                                  << "step 2 ReserveCredit starts #2"
                                  << "saga 5";
    QTest::newRow("step done") << mark(TraceKind::StepEnd, 1, 0, 5, 2, 0, 0) << "ReserveCredit"
                               << "step 2 ReserveCredit done"
                               << "saga 5";
    QTest::newRow("step failed") << mark(TraceKind::StepEnd, 1, 0, 5, 3, 0, CommandStatus::Rejected)
                                 << "ReserveStock"
                                 << "step 3 ReserveStock failed (" +
                                        QString::fromStdString(commandStatusName(CommandStatus::Rejected)) +
                                        ")"
                                 << "saga 5";
    QTest::newRow("step timed out") << mark(TraceKind::StepEnd, 1, 1, 5, 3, 0, CommandStatus::TimedOut) << ""
                                    << "step 3 timed out"
                                    << "saga 5";
    QTest::newRow("compensation") << mark(TraceKind::StepEnd, 1, 0, 5, 1, comp, 0) << "CancelOrder"
                                  << "compensation of step 1 done"
                                  << "saga 5";
    TraceEvent txn = mark(TraceKind::LocalTxn, 2, 60, 5, 2, 0, 0);
    txn.offset = 100;
    QTest::newRow("local txn") << txn << "ReserveCredit"
                               << "local txn ReserveCredit 100 \u2192 60"
                               << "saga 5";
    TraceEvent undo = mark(TraceKind::LocalTxn, 2, 100, 5, 2, comp, 0);
    undo.offset = 60;
    QTest::newRow("compensating txn") << undo << "ReleaseCredit"
                                      << "compensation txn ReleaseCredit 60 \u2192 100"
                                      << "saga 5";
    TraceEvent locked = mark(TraceKind::LocalTxn, 2, 0, 6, 2, 0, CommandStatus::Locked);
    locked.epoch = 5;
    QTest::newRow("refused txn") << locked << ""
                                 << "local txn refused (" +
                                        QString::fromStdString(commandStatusName(CommandStatus::Locked)) + ")"
                                 << "saga 6, read a value of saga 5";
    QTest::newRow("saga completed") << mark(TraceKind::SagaEnd, 1, 0, 5) << ""
                                    << "saga 5 completed"
                                    << "";
    QTest::newRow("saga compensated") << mark(TraceKind::SagaEnd, 1, 1, 5) << ""
                                      << "saga 5 compensated"
                                      << "";
    QTest::newRow("saga failed") << mark(TraceKind::SagaEnd, 1, 2, 5) << ""
                                 << "saga 5 failed"
                                 << "a compensation gave up";
    QTest::newRow("saga resumed") << mark(TraceKind::SagaResume, 1, 4, 5) << ""
                                  << "saga 5 resumed (4 log entries)"
                                  << "";
    TraceEvent commit = mark(TraceKind::DbCommit, 2, 0, 0, 0, TraceFlag::Transactional);
    commit.messageId = 44;
    QTest::newRow("db commit with outbox") << commit << ""
                                           << "db commit m44 + outbox row"
                                           << "";
    TraceEvent relay = mark(TraceKind::Relay, 2, 2);
    relay.messageId = 44;
    QTest::newRow("relay retried") << relay << ""
                                   << "relay m44 #2"
                                   << "";
}

void TestSequenceSagas::markText()
{
    QFETCH(TraceEvent, event);
    QFETCH(QString, name);
    QFETCH(QString, text);
    QFETCH(QString, details);
    QVERIFY(isDomainMark(event.kind));
    QCOMPARE(QString::fromStdString(domainMarkText(event, name.toStdString())), text);
    const QString full = QString::fromStdString(domainMarkDetails(event, name.toStdString()));
    QVERIFY2(full.startsWith(text), qPrintable(full));
    QVERIFY2(full.contains(details), qPrintable(full));
    // The event log's detail column says the same (without the message's name, which it lacks).
    const QString logText = EventLogModel::detailText(event, {});
    QCOMPARE(logText, QString::fromStdString(domainMarkDetails(event)));
}

void TestSequenceSagas::marksOnTheirLifeline_data()
{
    QTest::addColumn<TraceEvent>("event");
    QTest::addColumn<QString>("label"); // the text drawn beside the mark ("" for a minor mark at this zoom)
    TraceEvent conflict = mark(TraceKind::Conflict, 0, 4);
    conflict.offset = 3;
    conflict.messageId = 30; // the refused event: its type says nothing about the conflict
    QTest::newRow("conflict on the store") << conflict << "conflict: expected revision 3, stream at 4";
    TraceEvent park = mark(TraceKind::Park, 0);
    park.messageId = 31;
    park.reason = DropReason::Parked;
    QTest::newRow("park on the store") << park << "parked m31: parked";
    QTest::newRow("saga begins on the orchestrator")
        << mark(TraceKind::SagaBegin, 1, 0, 5) << "saga 5 begins";
    QTest::newRow("saga ends on the orchestrator")
        << mark(TraceKind::SagaEnd, 1, 1, 5) << "saga 5 compensated";
    TraceEvent undo = mark(TraceKind::LocalTxn, 2, 100, 5, 2, TraceFlag::Compensation, 0);
    undo.offset = 60;
    undo.messageId = 12;
    QTest::newRow("compensation on the service") << undo << "compensation txn ReserveCredit 60 \u2192 100";
    TraceEvent step = mark(TraceKind::StepEnd, 1, 0, 5, 2, 0, CommandStatus::Rejected);
    step.messageId = 12;
    QTest::newRow("failed step on the orchestrator")
        << step
        << "step 2 ReserveCredit failed (" +
               QString::fromStdString(commandStatusName(CommandStatus::Rejected)) + ")";
}

void TestSequenceSagas::marksOnTheirLifeline()
{
    QFETCH(TraceEvent, event);
    QFETCH(QString, label);
    SequenceHistory history(16);
    history.append({event});
    SequenceLayout layout = threeLifelines();
    const SequenceRenderer::Stats stats = paint(history, layout, QSizeF(layout.width(), 400));
    QCOMPARE(stats.markSpots.size(), std::size_t(1));
    QCOMPARE(stats.markSpots[0].at, QPointF(layout.lifelineX(event.node), layout.timeY(event.time)));
    QCOMPARE(markLabels(stats), QStringList{label});
    const QString described = SequenceRenderer::describe(event, layout, {});
    QVERIFY2(described.contains(label), qPrintable(described));
    // The filter hides the kind like any other.
    SequenceFilter hidden;
    hidden.hiddenKinds[int(event.kind)] = true;
    QImage image(QSize(int(layout.width()), 400), QImage::Format_ARGB32_Premultiplied);
    QPainter p(&image);
    const auto none = SequenceRenderer::paint(p, QSizeF(layout.width(), 400), history, layout, hidden, {}, {},
                                              exportPalette());
    QCOMPARE(none.markSpots.size(), std::size_t(0));
}

void TestSequenceSagas::commandArrowNamesItsCommand()
{
    TraceEvent send;
    send.kind = TraceKind::Send;
    send.frame = FrameType::Command;
    send.node = 1;
    send.peer = 2;
    send.link = 0;
    send.messageId = 12;
    send.correlationId = 5;
    send.time = kMillisecond;
    send.aux = 2 * kMillisecond;
    SequenceHistory history(16);
    history.append({send});
    SequenceLayout layout = threeLifelines();
    QCOMPARE(SequenceRenderer::arrowText(history, 0, layout), QStringLiteral("Command ReserveCredit #12"));
    send.flags = TraceFlag::Response;
    history.append({send});
    send.status = CommandStatus::Rejected;
    history.append({send});
    QCOMPARE(SequenceRenderer::arrowText(history, 1, layout),
             QStringLiteral("Command ReserveCredit response #12"));
    QCOMPARE(SequenceRenderer::arrowText(history, 2, layout),
             QStringLiteral("Command ReserveCredit response ") +
                 QString::fromStdString(commandStatusName(CommandStatus::Rejected)) + QStringLiteral(" #12"));
    // Unknown contents: the frame in the protocol's words and the message.
    send.messageId = 13;
    send.flags = 0;
    send.status = kNoStatus;
    history.append({send});
    QCOMPARE(SequenceRenderer::arrowText(history, 3, layout), QStringLiteral("Command #13"));
}

void TestSequenceSagas::notesInTextExports()
{
    // The Mermaid/PlantUML/ShiViz writers take their notes from sequenceNoteText.
    std::vector<TraceEvent> events = {mark(TraceKind::SagaBegin, 1, 0, 5),
                                      mark(TraceKind::StepEnd, 1, 0, 5, 1, 0, 0),
                                      mark(TraceKind::SagaEnd, 1, 0, 5)};
    const SequenceRecorder r = recordSequence(events, {"store", "orders", "payments"}, {"l0"}, {});
    QStringList notes;
    for (const SequenceItem &item : r.items())
        if (item.type == SequenceItem::Type::Note) notes << QString::fromStdString(sequenceNoteText(r, item));
    QCOMPARE(notes, (QStringList{QStringLiteral("saga 5 begins t=5ms"), QStringLiteral("step 1 done t=5ms"),
                                 QStringLiteral("saga 5 completed t=5ms")}));
}

void TestSequenceSagas::selectingASagaHighlightsItsEvents()
{
    SequencePanel panel;
    panel.reset({QStringLiteral("store"), QStringLiteral("orders"), QStringLiteral("payments")},
                {QStringLiteral("event-store"), QStringLiteral("saga-orchestrator"),
                 QStringLiteral("saga-participant")},
                {QStringLiteral("l0")});
    TraceEvent command;
    command.kind = TraceKind::Send;
    command.frame = FrameType::Command;
    command.node = 1;
    command.peer = 2;
    command.link = 0;
    command.messageId = 12;
    command.correlationId = 5;
    command.time = kMillisecond;
    command.aux = 2 * kMillisecond;
    TraceEvent other = command;
    other.correlationId = 6;
    other.messageId = 13;
    std::vector<TraceEvent> events = {mark(TraceKind::SagaBegin, 1, 0, 5),
                                      command,
                                      other,
                                      mark(TraceKind::StepEnd, 1, 0, 5, 1, 0, 0),
                                      mark(TraceKind::SagaBegin, 1, 0, 6),
                                      mark(TraceKind::SagaEnd, 1, 0, 5)};
    for (std::size_t i = 0; i < events.size(); ++i)
        events[i].time = events[i].local = SimTime(i + 1) * kMillisecond;
    panel.append(events);
    QSignalSpy calls(&panel, &SequencePanel::callSelected);
    panel.view()->selectCall(5);
    QCOMPARE(calls.size(), 1);
    QCOMPARE(calls.at(0).at(0).value<quint64>(), quint64(5));
    // Its begin, its command, its step and its end; not saga 6's.
    QCOMPARE(panel.view()->selectedJourney(), (std::vector<std::size_t>{0, 1, 3, 5}));
    // The link its command took lights on the canvas.
    QCOMPARE(calls.at(0).at(1).toStringList(), QStringList{QStringLiteral("l0")});
}

QTEST_MAIN(TestSequenceSagas)
#include "tst_sequencesagas.moc"
