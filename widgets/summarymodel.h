#pragma once
// The per-node figures of a finished run, one row per node, for the run summary dock. Nodes show
// by name (the id in the tooltip). The counter columns are the message broker's (RabbitMQ-style);
// a Kafka or Amazon SQS node leaves blank those its kind never counts, and the Details column
// gives the figures of its own kind: a topic's log, a consumer's group, an SQS queue's messages.
#include "summary.h"

#include <QAbstractTableModel>
#include <QStringList>

namespace sb {

class SummaryModel : public QAbstractTableModel {
    Q_OBJECT

public:
    enum Column {
        NodeColumn,
        KindColumn,
        PublishedColumn,
        RoutedColumn,
        EnqueuedColumn,
        DeliveredColumn,
        RedeliveredColumn,
        AckedColumn,
        ProcessedColumn,
        DroppedColumn,
        DeadLetteredColumn,
        DepthColumn,   // messages ready in the queue when the run ended
        DetailsColumn, // the figures of the node's own kind (Kafka, SQS), as text
        ColumnCount
    };
    enum Role {
        CountRole = Qt::UserRole + 1, // the number in a counter column (qulonglong)
    };

    explicit SummaryModel(QObject *parent = nullptr);

    // `topology` (the one that ran) ties consumers to their groups; without it a consumer's
    // details leave its group out.
    void setSummary(const RunSummary &summary, const Topology &topology = {});
    void clear();
    const RunSummary &summary() const { return m_summary; }
    bool isEmpty() const { return m_summary.nodes.empty(); }

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    // The counter a column shows for a node; column must be a counter column.
    static quint64 count(const NodeSummary &node, int column);
    // Whether the node's kind counts what the column counts (a Kafka topic routes, enqueues and
    // acknowledges nothing); a column it does not count shows blank unless its figure is not 0.
    static bool counts(const NodeSummary &node, int column);
    // The Details column: "6 partitions, log end 3000, under-replicated 0s", "group billing: lag
    // 0, 2 rebalances, 40 duplicates, 0 lost", "visible 0, in flight 2 at the end"; empty for the
    // message broker's kinds.
    static QString details(const RunSummary &summary, const NodeSummary &node, const QString &groupId);

private:
    RunSummary m_summary;
    QStringList m_labels;  // what the Node column shows (nodeLabels()); the id is in the tooltip
    QStringList m_details; // by row
};

// The run's live changes, one row each in order: faults that started or ended (planned in the
// topology's fault plan, or applied live by a person) and link properties changed while it ran.
class LiveChangeModel : public QAbstractTableModel {
    Q_OBJECT

public:
    enum Column {
        TimeColumn,
        ChangeColumn,
        TargetColumn,
        FaultColumn,
        OriginColumn,
        DetailColumn,
        ColumnCount
    };
    enum Role {
        PlannedRole = Qt::UserRole + 1, // bool: from the fault plan (else applied live)
    };

    explicit LiveChangeModel(QObject *parent = nullptr);
    void setChanges(std::vector<LiveChange> changes);
    void clear() { setChanges({}); }
    const std::vector<LiveChange> &changes() const { return m_changes; }

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    // "planned" or "live".
    static QString originText(const LiveChange &change);

private:
    std::vector<LiveChange> m_changes;
};

// The run's checks, one row each (delivery: lost, duplicates, pending, order; calls: executed-twice,
// failed-calls, ...): how many each found and its first finding; the tooltip lists the kept ones.
class CheckModel : public QAbstractTableModel {
    Q_OBJECT

public:
    enum Column { CheckColumn, CountColumn, FindingColumn, ColumnCount };
    enum Role {
        CountRole = Qt::UserRole + 1, // qulonglong: what the check found
        CheckNameRole,                // QString: the name --fail-on takes
    };

    explicit CheckModel(QObject *parent = nullptr);
    void setChecks(std::vector<CheckResult> checks);
    void clear() { setChecks({}); }
    const std::vector<CheckResult> &checks() const { return m_checks; }
    // Whether any check found something (the dock shows the table then).
    bool anyFound() const;

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    std::vector<CheckResult> m_checks;
};

// Calls per client and method: how many completed, their latency percentiles, their statuses.
class CallMethodModel : public QAbstractTableModel {
    Q_OBJECT

public:
    enum Column {
        ClientColumn,
        MethodColumn,
        CallsColumn,
        P50Column,
        P90Column,
        P99Column,
        MaxColumn,
        StatusColumn,
        ColumnCount
    };
    enum Role {
        ValueRole = Qt::UserRole + 1, // qulonglong calls, or qlonglong ns for the latency columns
    };

    explicit CallMethodModel(QObject *parent = nullptr);
    // Nodes are named as the summary names them (nodeLabels()).
    void setSummary(const RunSummary &summary);
    void clear() { setSummary({}); }

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    std::vector<CallMethodReport> m_methods;
    QStringList m_clients; // the client column's labels, by row
};

// "Calls: 10 started, 9 completed: 7 succeeded, 2 failed (DEADLINE_EXCEEDED 1); executed 1 never,
// 8 once, 1 twice or more; ...", or nothing when the run made no calls.
QString callsText(const CallReport &calls);

// "Live changes: at 1s link down l1 (planned f1); at 2.5s crash worker-2 (live live-1); ...": the
// first `max` of the run's live changes on one line, then how many more; empty when there are none.
QString liveChangesText(const RunSummary &summary, int max = 12);

// "Delivery check: 2000 published, 2000 processed, 0 duplicates, 0 lost, ...": one line accounting
// for every message, as the CLI prints it.
QString deliveryCheckText(const DeliveryReport &report);

// "Order check: 3 processings out of publish order (e.g. message 5 after 7 at worker-1 from tasks)",
// or nothing when every consumer processed its messages in order. Nodes are named from `summary`.
QString orderCheckText(const RunSummary &summary);

// "Latency, publish to processed (2000 processings): p50 549ms, p90 1.028s, ...".
QString latencyText(const LatencySummary &latency);

// "Run of “Work queue”: seed 42, virtual time 30s, 24017 events, ended: quiescent, wall 0.052s".
QString runHeadlineText(const RunSummary &summary);

} // namespace sb
