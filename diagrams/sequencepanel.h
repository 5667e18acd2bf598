#pragma once
// The sequence diagram dock: the live view with its controls (follow, zoom, a filter line, hide
// acks, export) and the message inspector beside it, which shows the journey of the message
// clicked in the diagram.
#include "findings.h"
#include "messagecatalog.h"
#include "sequenceexportdialog.h"
#include "sequencehistory.h"
#include "sequenceprojection.h"
#include "sequencerenderer.h"

#include <QElapsedTimer>
#include <QWidget>

#include <functional>
#include <optional>

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QSplitter;
class QTableView;
class QTimer;
class QToolButton;

namespace sb {

struct Topology;
class JourneyModel;
class SequenceView;

class SequencePanel : public QWidget {
    Q_OBJECT

public:
    explicit SequencePanel(QWidget *parent = nullptr);

    SequenceView *view() const { return m_view; }
    SequenceHistory &history() { return m_history; }
    JourneyModel *journeyModel() const { return m_journey; }
    QLineEdit *filterEdit() const { return m_filterEdit; }

    // A new run of `topology`: forget the history, show its nodes by name (nodeLabels()) and its
    // links, lifelines in the order the canvas shows the nodes (left to right, then top to bottom).
    void reset(const Topology &topology);
    // Likewise from lists by index; `nodeNames` empty: the lifelines show the ids.
    void reset(const QStringList &nodeIds, const QStringList &nodeKinds, const QStringList &linkIds,
               const std::vector<NodeIndex> &order = {}, const QStringList &nodeNames = {});
    // Appends a batch of the run's trace and redraws (once a frame).
    void append(const std::vector<TraceEvent> &events);

    // How the diagram orders and places events (the Order selector): true time, local clocks,
    // Lamport or vector clocks. The exports follow it. Another order than true time re-places the
    // whole kept history at each batch (SequenceProjection).
    SequenceOrder order() const { return m_order; }
    void setOrder(SequenceOrder order);
    QComboBox *orderBox() const { return m_orderBox; }
    // Names faults on the diagram by their index in the run's fault table ("id (kind)"). reset()
    // names the topology's planned faults; a run that adds faults live passes the full table.
    void setFaultNames(std::function<QString(std::uint64_t index)> names);
    // The name a fault mark of fault `index` shows (empty when unknown).
    QString faultName(std::uint64_t index) const { return m_faultNames ? m_faultNames(index) : QString(); }

    // Where the inspector finds what a message carried (routing key, key, headers, size).
    using MessageLookup = std::function<std::optional<MessageInfo>(std::uint64_t)>;
    void setMessageLookup(MessageLookup lookup) { m_lookup = std::move(lookup); }
    // The inspector's headline for a message: its journey and, when known, what it carried.
    QString inspectorText(std::uint64_t messageId) const;
    // What a message carried, in one line ("routing key “a.b” · 256 bytes · headers x=1"), or "".
    QString carriedText(std::uint64_t messageId) const;

    // Parses a filter line: terms separated by spaces, each optional:
    //   kind:NAME / -kind:NAME   only / not these event kinds     -ack   hide acks and confirms
    //   msg:N                    one message's journey             corr:N  one correlation id
    //   rk:PATTERN / -rk:PATTERN only / not messages whose routing key matches the topic pattern
    //   from:T  to:T             a time range (e.g. from:2s to:2.5s)
    //   -node:ID                 hide a lifeline (by id, or by the name it shows)
    //   frame:NAME / -frame:NAME only / not these frames' arrows (request, reply, stream-data, ...)
    //   call:N                   one call's events (its id: the correlation id of its messages)
    // On a mistake returns false and says which term and why.
    bool setFilterText(const QString &text, QString *error = nullptr);

    // A checker's findings, marked on the diagram (SequenceView::setFindings); showFinding(i)
    // scrolls to finding i and selects its call or message.
    void setFindings(std::vector<Finding> findings);
    void showFinding(std::size_t index);
    // The inspector's headline for a call: its method, attempts, status, executions and the calls
    // made downstream for it, from the kept history.
    QString callText(std::uint64_t callId) const;

    // Exports what `request` asks (file, range, journey, arrow cap) under the diagram's filter:
    // .svg, .png, .pdf pictures, or .mmd, .puml, .shiviz text. On failure says why.
    bool exportRequest(const SequenceExportRequest &request, QString *error = nullptr) const;
    // The window shown (or the whole history with `whole`) to `path`.
    bool exportTo(const QString &path, bool whole = false, QString *error = nullptr) const;
    // What the export dialog is told: the window shown, the history kept, the selection, the filter.
    SequenceExportDialog::Context exportContext() const;

signals:
    // Relayed from the view.
    void messageSelected(quint64 messageId, const QStringList &linkIds);
    void callSelected(quint64 callId, const QStringList &linkIds);
    void nodeClicked(const QString &nodeId);

private:
    void onExport();
    void updateStatus();

    SequenceHistory m_history;
    SequenceView *m_view;
    JourneyModel *m_journey;
    QTableView *m_journeyView;
    QLabel *m_journeySummary;
    QWidget *m_inspector;
    QLineEdit *m_filterEdit;
    QCheckBox *m_hideAcks;
    QToolButton *m_follow;
    QComboBox *m_orderBox;
    SequenceOrder m_order = SequenceOrder::True;
    SequenceProjection m_projection;
    std::vector<NodeClock> m_clocks;
    std::vector<std::pair<NodeIndex, NodeIndex>> m_linkEnds;
    std::function<QString(std::uint64_t)> m_faultNames;
    void replace();
    // Re-placing costs about 1.5 us an event: during a long run it is done at most every few
    // times its own duration, and once more when the batches stop.
    QTimer *m_replaceTimer;
    QElapsedTimer m_sinceReplace;
    qint64 m_replaceMs = 0;
    QLabel *m_status;
    QStringList m_nodeIds, m_nodeNames, m_linkIds;
    std::vector<NodeIndex> m_filterHidden;
    MessageLookup m_lookup;
};

} // namespace sb
