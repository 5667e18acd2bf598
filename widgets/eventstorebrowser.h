#pragma once
// The event store browser dock: one store's streams on the left (a filter box above them, "$all"
// first), the selected stream's events on the right, filling live as the run appends; a line
// under them says what the stream holds (events, last revision, conflicts, what retention removed).
// A store picker shows when the run has more than one store.
#include <QWidget>

class QComboBox;
class QLabel;
class QLineEdit;
class QSortFilterProxyModel;
class QTableView;

namespace sb {

class EventStoreLog;
class EventStreamsModel;
class StreamEventsModel;

class EventStoreBrowser : public QWidget {
    Q_OBJECT

public:
    explicit EventStoreBrowser(EventStoreLog *log, QWidget *parent = nullptr);

    EventStreamsModel *streamsModel() const { return m_streams; }
    StreamEventsModel *eventsModel() const { return m_events; }
    QTableView *streamsView() const { return m_streamsView; }
    QTableView *eventsView() const { return m_eventsView; }
    QLineEdit *filterEdit() const { return m_filter; }
    QComboBox *storeBox() const { return m_storeBox; }
    QLabel *statusLabel() const { return m_status; }
    // Shows stream `name` ("$all" for every event) of the store shown.
    void selectStream(const QString &name);

private:
    void onStoreAdded(int index);
    void onStoreChosen(int index);
    void onStreamSelected();
    void onLogChanged();
    void updateStatus();

    EventStoreLog *m_log;
    EventStreamsModel *m_streams;
    QSortFilterProxyModel *m_filterProxy;
    StreamEventsModel *m_events;
    QComboBox *m_storeBox;
    QLineEdit *m_filter;
    QTableView *m_streamsView;
    QTableView *m_eventsView;
    QLabel *m_status;
};

} // namespace sb
