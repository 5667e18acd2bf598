#pragma once
// The run views of event sourcing, CQRS and sagas (issue 13): the event store browser, the
// read-model view and the saga view, with the logs they read, fed from the engine's trace batches
// and message catalog on the GUI thread and started afresh with each run. The window places the
// three widgets in docks; `wanted` says when one has something to show (the run's topology has
// such a node, or its first event arrived), so that the docks stay hidden for other runs.
#include <QObject>

class QWidget;

namespace sb {

class EngineHost;
class EventStoreBrowser;
class EventStoreLog;
class ReadModelLog;
class ReadModelView;
class SagaLog;
class SagaView;
class SequencePanel;
struct Topology;

class DomainViews : public QObject {
    Q_OBJECT

public:
    enum class View { EventStore, ReadModels, Sagas };
    // `widgetParent` parents the widgets; a selected saga is selected on `sequence`.
    DomainViews(EngineHost *engine, SequencePanel *sequence, QWidget *widgetParent,
                QObject *parent = nullptr);

    EventStoreBrowser *eventStoreBrowser() const { return m_browser; }
    ReadModelView *readModelView() const { return m_readModels; }
    SagaView *sagaView() const { return m_sagas; }
    EventStoreLog *eventStoreLog() const { return m_storeLog; }
    ReadModelLog *readModelLog() const { return m_readModelLog; }
    SagaLog *sagaLog() const { return m_sagaLog; }
    QWidget *widget(View view) const;
    // Whether a run of `topology` has something for `view` to show by its nodes' kinds alone.
    static bool topologyWants(const Topology &topology, View view);

signals:
    // A run started (`shown` whether the topology has a node for the view) or the view's first
    // data arrived (`shown` true).
    void wanted(sb::DomainViews::View view, bool shown);

private:
    void onRunStarted();

    EngineHost *m_engine;
    EventStoreLog *m_storeLog;
    ReadModelLog *m_readModelLog;
    SagaLog *m_sagaLog;
    EventStoreBrowser *m_browser;
    ReadModelView *m_readModels;
    SagaView *m_sagas;
    bool m_sagaShown = false;
};

} // namespace sb
