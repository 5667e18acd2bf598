#include "summarymodel.h"

#include "callstatus.h"

#include <algorithm>

namespace sb {

SummaryModel::SummaryModel(QObject *parent) : QAbstractTableModel(parent) {}

void SummaryModel::setSummary(const RunSummary &summary, const Topology &topology)
{
    beginResetModel();
    m_summary = summary;
    m_labels.clear();
    m_details.clear();
    for (const std::string &label : m_summary.nodeLabels())
        m_labels << QString::fromStdString(label);
    for (const NodeSummary &node : m_summary.nodes) {
        // A consumer's group: its groupId as set, else the kind's default.
        QString groupId;
        const auto i = topology.nodeIndex(node.id);
        const NodeKindSpec *spec = KindRegistry::builtin().find(node.kind);
        if (i && spec && spec->property("groupId")) {
            const PropertyBag p(spec->properties, topology.nodes[*i].properties);
            groupId = QString::fromStdString(p.string("groupId"));
        }
        m_details << details(m_summary, node, groupId);
    }
    endResetModel();
}

namespace {
// "1 partition", "6 partitions".
QString countOf(std::uint64_t n, const QString &one, const QString &many)
{
    return QStringLiteral("%1 %2").arg(n).arg(n == 1 ? one : many);
}
} // namespace

bool SummaryModel::counts(const NodeSummary &node, int column)
{
    if (column == DroppedColumn) return true;
    const std::string &k = node.kind;
    if (k == "kafka-producer" || k == "sqs-producer") return column == PublishedColumn;
    if (k == "kafka-consumer" || k == "sqs-consumer") return column == ProcessedColumn;
    if (k == "kafka-topic") return false;
    if (k == "sqs-queue")
        return column == EnqueuedColumn || column == DeliveredColumn || column == RedeliveredColumn ||
               column == AckedColumn || column == DeadLetteredColumn || column == DepthColumn;
    return true;
}

QString SummaryModel::details(const RunSummary &s, const NodeSummary &node, const QString &groupId)
{
    const auto duration = [](SimTime t) { return QString::fromStdString(formatDuration(t)); };
    QStringList parts;
    if (node.kind == "kafka-topic") {
        const auto t = std::find_if(s.topics.begin(), s.topics.end(),
                                    [&](const TopicSummary &x) { return x.id == node.id; });
        if (t == s.topics.end()) return {};
        std::int64_t end = 0, start = 0;
        SimTime under = 0;
        int underPartitions = 0, offline = 0;
        std::uint64_t elections = 0, unclean = 0;
        for (const TopicSummary::Partition &p : t->partitions) {
            end += p.figures.logEnd;
            start += p.figures.logStart;
            under += p.underReplicated;
            if (p.underReplicated) ++underPartitions;
            if (p.figures.leader < 0) ++offline;
            elections += p.figures.elections;
            unclean += p.figures.uncleanElections;
        }
        parts << countOf(t->partitions.size(), tr("partition"), tr("partitions"))
              << tr("%1 records appended (log end)").arg(end);
        if (start) parts << tr("%1 deleted by retention").arg(start);
        parts << (underPartitions ? tr("under-replicated %1 (%2)")
                                        .arg(duration(under), countOf(std::uint64_t(underPartitions),
                                                                      tr("partition"), tr("partitions")))
                                  : tr("never under-replicated"));
        if (elections) parts << countOf(elections, tr("leader election"), tr("leader elections"));
        if (unclean) parts << tr("%1 unclean").arg(unclean);
        if (offline) parts << tr("%1 offline at the end").arg(offline);
    } else if (node.kind == "kafka-consumer") {
        const auto g = std::find_if(s.groups.begin(), s.groups.end(), [&](const GroupReport &r) {
            return QString::fromStdString(r.group) == groupId;
        });
        if (groupId.isEmpty() || g == s.groups.end()) return {};
        parts << tr("group %1: lag %2").arg(groupId).arg(g->lag)
              << countOf(g->rebalances, tr("rebalance"), tr("rebalances"))
              << tr("%1 duplicates").arg(g->duplicates) << tr("%1 lost").arg(g->lost);
        if (g->unassigned) parts << tr("partitions unassigned %1").arg(duration(g->unassigned));
    } else if (node.kind == "sqs-queue") {
        parts << tr("%1 visible, %2 in flight at the end").arg(node.status.ready).arg(node.status.unacked);
        if (node.counters.redelivered) parts << tr("%1 received again").arg(node.counters.redelivered);
        if (node.counters.expired) parts << tr("%1 expired").arg(node.counters.expired);
    } else if (node.kind == "kafka-producer" || node.kind == "sqs-producer") {
        parts << tr("%1 acknowledged").arg(node.counters.confirmed);
        if (node.counters.retries) parts << countOf(node.counters.retries, tr("retry"), tr("retries"));
        if (node.status.inFlight) parts << tr("%1 unacknowledged at the end").arg(node.status.inFlight);
    }
    return parts.join(QStringLiteral(", "));
}

void SummaryModel::clear()
{
    setSummary({});
}

int SummaryModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_summary.nodes.size());
}

int SummaryModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

quint64 SummaryModel::count(const NodeSummary &node, int column)
{
    const NodeCounters &c = node.counters;
    switch (column) {
    case PublishedColumn:
        return c.published;
    case RoutedColumn:
        return c.routed;
    case EnqueuedColumn:
        return c.enqueued;
    case DeliveredColumn:
        return c.delivered;
    case RedeliveredColumn:
        return c.redelivered;
    case AckedColumn:
        return c.acked;
    case ProcessedColumn:
        return c.processed;
    case DroppedColumn:
        return c.totalDrops();
    case DeadLetteredColumn:
        return c.deadLettered;
    case DepthColumn:
        return node.status.ready;
    default:
        Q_ASSERT_X(false, "SummaryModel::count", "not a counter column");
        return 0;
    }
}

QVariant SummaryModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid)) return {};
    const NodeSummary &node = m_summary.nodes[static_cast<std::size_t>(index.row())];
    const int column = index.column();
    const bool isCounter = column != NodeColumn && column != KindColumn && column != DetailsColumn;
    // A counter the node's kind never counts is blank, not a misleading 0.
    const bool shown = isCounter && (counts(node, column) || count(node, column) != 0);
    switch (role) {
    case Qt::DisplayRole:
        if (column == NodeColumn) return m_labels.value(index.row());
        if (column == KindColumn) return QString::fromStdString(node.kind);
        if (column == DetailsColumn) return m_details.value(index.row());
        return shown ? QString::number(count(node, column)) : QString();
    case CountRole:
        return shown ? QVariant::fromValue<qulonglong>(count(node, column)) : QVariant();
    case Qt::TextAlignmentRole:
        return QVariant::fromValue(isCounter ? Qt::AlignRight | Qt::AlignVCenter
                                             : Qt::AlignLeft | Qt::AlignVCenter);
    case Qt::ToolTipRole:
        if (column == NodeColumn) return tr("id: %1").arg(QString::fromStdString(node.id));
        if (column == DetailsColumn) return m_details.value(index.row());
        if (node.kind == "sqs-queue" && column == AckedColumn) return tr("Deleted (DeleteMessage)");
        if (node.kind == "sqs-queue" && column == DeliveredColumn) return tr("Received (ReceiveMessage)");
        if (column == DepthColumn && node.status.unacked)
            return tr("%1 ready, %2 delivered but not acknowledged")
                .arg(node.status.ready)
                .arg(node.status.unacked);
        return {};
    default:
        return {};
    }
}

QVariant SummaryModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal) return {};
    if (role == Qt::ToolTipRole && section == DepthColumn)
        return tr("Messages ready in the queue when the run ended");
    if (role == Qt::ToolTipRole && section == DetailsColumn)
        return tr("Figures of the node's own kind: a Kafka topic's log, a consumer's group, an SQS queue's "
                  "messages, a producer's acknowledgements");
    if (role != Qt::DisplayRole) return {};
    switch (section) {
    case NodeColumn:
        return tr("Node");
    case KindColumn:
        return tr("Kind");
    case PublishedColumn:
        return tr("Published");
    case RoutedColumn:
        return tr("Routed");
    case EnqueuedColumn:
        return tr("Enqueued");
    case DeliveredColumn:
        return tr("Delivered");
    case RedeliveredColumn:
        return tr("Redelivered");
    case AckedColumn:
        return tr("Acked");
    case ProcessedColumn:
        return tr("Processed");
    case DroppedColumn:
        return tr("Dropped");
    case DeadLetteredColumn:
        return tr("Dead-lettered");
    case DepthColumn:
        return tr("Depth at end");
    case DetailsColumn:
        return tr("Details");
    default:
        return {};
    }
}

LiveChangeModel::LiveChangeModel(QObject *parent) : QAbstractTableModel(parent) {}

void LiveChangeModel::setChanges(std::vector<LiveChange> changes)
{
    beginResetModel();
    m_changes = std::move(changes);
    endResetModel();
}

int LiveChangeModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_changes.size());
}

int LiveChangeModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QString LiveChangeModel::originText(const LiveChange &change)
{
    return change.planned ? tr("planned") : tr("live");
}

QVariant LiveChangeModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid)) return {};
    const LiveChange &c = m_changes[static_cast<std::size_t>(index.row())];
    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case TimeColumn:
            return QString::fromStdString(formatDuration(c.time));
        case ChangeColumn:
            return QString::fromStdString(c.action);
        case TargetColumn:
            return c.target.empty() ? tr("every node") : QString::fromStdString(c.target);
        case FaultColumn:
            return QString::fromStdString(c.fault);
        case OriginColumn:
            return originText(c);
        case DetailColumn:
            return QString::fromStdString(c.detail);
        default:
            return {};
        }
    case PlannedRole:
        return c.planned;
    case Qt::ToolTipRole:
        if (index.column() == OriginColumn)
            return c.planned ? tr("From the topology's fault plan")
                             : tr("Applied by a person while the run went on");
        return {};
    case Qt::TextAlignmentRole:
        return QVariant::fromValue(index.column() == TimeColumn ? Qt::AlignRight | Qt::AlignVCenter
                                                                : Qt::AlignLeft | Qt::AlignVCenter);
    default:
        return {};
    }
}

QVariant LiveChangeModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
    switch (section) {
    case TimeColumn:
        return tr("Time");
    case ChangeColumn:
        return tr("Change");
    case TargetColumn:
        return tr("Target");
    case FaultColumn:
        return tr("Fault");
    case OriginColumn:
        return tr("Origin");
    case DetailColumn:
        return tr("Detail");
    default:
        return {};
    }
}

QString liveChangesText(const RunSummary &summary, int max)
{
    if (summary.liveChanges.empty()) return {};
    QStringList changes;
    for (const LiveChange &c : summary.liveChanges) {
        if (changes.size() == max) break;
        // Which fault, and whether the plan or a person applied it (a property change is a person's).
        QString origin = LiveChangeModel::originText(c);
        if (!c.fault.empty()) origin += QLatin1Char(' ') + QString::fromStdString(c.fault);
        if (!c.detail.empty()) origin += QStringLiteral(": ") + QString::fromStdString(c.detail);
        changes << SummaryModel::tr("at %1 %2 %3 (%4)")
                       .arg(QString::fromStdString(formatDuration(c.time)), QString::fromStdString(c.action),
                            QString::fromStdString(c.target), origin);
    }
    QString text = SummaryModel::tr("Live changes: %1").arg(changes.join(QLatin1String("; ")));
    const std::size_t more =
        summary.liveChanges.size() - std::size_t(changes.size()) + summary.recordsOmitted;
    if (more) text += SummaryModel::tr("; and %1 more (in the table)").arg(more);
    return text;
}

QString deliveryCheckText(const DeliveryReport &report)
{
    const auto examples = [](const std::vector<std::uint64_t> &ids, std::uint64_t total) {
        if (ids.empty()) return QString();
        QStringList list;
        for (const auto id : ids)
            list << QString::number(id);
        if (total > ids.size()) list << QStringLiteral("…");
        return SummaryModel::tr(" (e.g. message %1)").arg(list.join(QLatin1String(", ")));
    };
    return SummaryModel::tr(
               "Delivery check: %1 published, %2 copies reached queues, %3 processed, "
               "%4 duplicates%5, %6 lost%7, %8 dropped by policy, %9 dead-lettered, %10 pending%11")
        .arg(report.published)
        .arg(report.copies)
        .arg(report.processed)
        .arg(report.duplicates)
        .arg(examples(report.duplicateIds, report.duplicates))
        .arg(report.lost)
        .arg(examples(report.lostIds, report.lost))
        .arg(report.droppedTotal())
        .arg(report.deadLettered)
        .arg(report.pending)
        .arg(examples(report.pendingIds, report.pending));
}

QString orderCheckText(const RunSummary &summary)
{
    const DeliveryReport &d = summary.delivery;
    if (!d.outOfOrder) return {};
    QStringList examples;
    for (const auto &v : d.outOfOrderExamples)
        examples << SummaryModel::tr("message %1 after %2 at %3 from %4")
                        .arg(v.messageId)
                        .arg(v.after)
                        .arg(QString::fromStdString(summary.nodeLabel(v.consumer)),
                             QString::fromStdString(summary.nodeLabel(v.queue)));
    if (d.outOfOrder > d.outOfOrderExamples.size()) examples << QStringLiteral("…");
    return SummaryModel::tr("Order check: %1 processings out of publish order (e.g. %2)")
        .arg(d.outOfOrder)
        .arg(examples.join(QLatin1String("; ")));
}

QString latencyText(const LatencySummary &latency)
{
    // Three or four significant figures, as signalbox-cli prints them: enough to compare runs by.
    const auto t = [](SimTime d) {
        const double ms = toMilliseconds(d);
        return ms >= 1000 ? QStringLiteral("%1s").arg(toSeconds(d), 0, 'g', 4)
                          : QStringLiteral("%1ms").arg(ms, 0, 'g', 3);
    };
    return SummaryModel::tr(
               "Latency, publish to processed (%1 processings): p50 %2, p90 %3, p99 %4, p99.9 %5, max %6")
        .arg(latency.count)
        .arg(t(latency.p50), t(latency.p90), t(latency.p99), t(latency.p999), t(latency.max));
}

QString runHeadlineText(const RunSummary &summary)
{
    const QString name = summary.topologyName.empty()
                             ? SummaryModel::tr("topology")
                             : QStringLiteral("“%1”").arg(QString::fromStdString(summary.topologyName));
    // The name goes in last: text substituted earlier could otherwise be mistaken for a marker.
    return SummaryModel::tr("Run of %6: seed %1, virtual time %2, %3 trace events, ended: %4, wall %5 s")
        .arg(summary.seed)
        .arg(QString::fromStdString(formatDuration(summary.endTime)))
        .arg(summary.events)
        .arg(QLatin1String(stopReasonName(summary.stopReason)))
        .arg(summary.wallSeconds, 0, 'f', 3)
        .arg(name);
}

CheckModel::CheckModel(QObject *parent) : QAbstractTableModel(parent) {}

void CheckModel::setChecks(std::vector<CheckResult> checks)
{
    beginResetModel();
    m_checks = std::move(checks);
    endResetModel();
}

bool CheckModel::anyFound() const
{
    return std::any_of(m_checks.begin(), m_checks.end(), [](const CheckResult &c) { return c.count > 0; });
}

int CheckModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_checks.size());
}

int CheckModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant CheckModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid)) return {};
    const CheckResult &c = m_checks[static_cast<std::size_t>(index.row())];
    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case CheckColumn:
            return QString::fromStdString(c.check);
        case CountColumn:
            return QString::number(c.count);
        case FindingColumn:
            if (c.examples.empty()) return {};
            if (c.count > 1)
                return tr("%1 (and %2 more)")
                    .arg(QString::fromStdString(c.examples.front().what))
                    .arg(c.count - 1);
            return QString::fromStdString(c.examples.front().what);
        default:
            return {};
        }
    case CountRole:
        return QVariant::fromValue<qulonglong>(c.count);
    case CheckNameRole:
        return QString::fromStdString(c.check);
    case Qt::ToolTipRole: {
        QStringList lines{QString::fromStdString(c.help)};
        for (const Finding &f : c.examples)
            lines << QString::fromStdString(f.what);
        if (c.count > c.examples.size() && !c.examples.empty())
            lines << tr("… and %1 more").arg(c.count - c.examples.size());
        return lines.join(QLatin1Char('\n'));
    }
    case Qt::TextAlignmentRole:
        return QVariant::fromValue(index.column() == CountColumn ? Qt::AlignRight | Qt::AlignVCenter
                                                                 : Qt::AlignLeft | Qt::AlignVCenter);
    default:
        return {};
    }
}

QVariant CheckModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
    switch (section) {
    case CheckColumn:
        return tr("Check");
    case CountColumn:
        return tr("Found");
    case FindingColumn:
        return tr("First finding");
    default:
        return {};
    }
}

CallMethodModel::CallMethodModel(QObject *parent) : QAbstractTableModel(parent) {}

void CallMethodModel::setSummary(const RunSummary &summary)
{
    beginResetModel();
    m_methods = summary.calls.methods;
    m_clients.clear();
    const std::vector<std::string> labels = summary.nodeLabels();
    for (const CallMethodReport &m : m_methods)
        m_clients << (m.client < labels.size() ? QString::fromStdString(labels[m.client])
                                               : QString::number(m.client));
    endResetModel();
}

int CallMethodModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_methods.size());
}

int CallMethodModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

namespace {
// Three or four significant figures, as signalbox-cli prints them: enough to compare runs by.
QString shortDuration(SimTime d)
{
    const double ms = toMilliseconds(d);
    return ms >= 1000 ? QStringLiteral("%1s").arg(toSeconds(d), 0, 'g', 4)
                      : QStringLiteral("%1ms").arg(ms, 0, 'g', 3);
}

QString statusCountsText(const std::vector<std::pair<std::uint16_t, std::uint64_t>> &counts)
{
    QStringList parts;
    for (const auto &[status, n] : counts)
        parts << QStringLiteral("%1 %2")
                     .arg(status == kNoStatus ? SummaryModel::tr("no status")
                                              : QString::fromStdString(statusName(status)))
                     .arg(n);
    return parts.join(QLatin1String(", "));
}
} // namespace

QVariant CallMethodModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid)) return {};
    const CallMethodReport &m = m_methods[static_cast<std::size_t>(index.row())];
    const auto latency = [&](int column) -> SimTime {
        switch (column) {
        case P50Column:
            return m.latency.p50;
        case P90Column:
            return m.latency.p90;
        case P99Column:
            return m.latency.p99;
        default:
            return m.latency.max;
        }
    };
    const int column = index.column();
    const bool isLatency = column >= P50Column && column <= MaxColumn;
    switch (role) {
    case Qt::DisplayRole:
        switch (column) {
        case ClientColumn:
            return m_clients.value(index.row());
        case MethodColumn:
            return m.method.empty() ? tr("(no method)") : QString::fromStdString(m.method);
        case CallsColumn:
            return QString::number(m.calls);
        case StatusColumn:
            return statusCountsText(m.byStatus);
        default:
            return m.latency.count ? shortDuration(latency(column)) : QString();
        }
    case ValueRole:
        if (column == CallsColumn) return QVariant::fromValue<qulonglong>(m.calls);
        if (isLatency) return QVariant::fromValue<qlonglong>(latency(column));
        return {};
    case Qt::TextAlignmentRole:
        return QVariant::fromValue(column == CallsColumn || isLatency ? Qt::AlignRight | Qt::AlignVCenter
                                                                      : Qt::AlignLeft | Qt::AlignVCenter);
    default:
        return {};
    }
}

QVariant CallMethodModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal) return {};
    if (role == Qt::ToolTipRole && section >= P50Column && section <= MaxColumn)
        return tr("Latency of completed calls, from each call's intended start");
    if (role != Qt::DisplayRole) return {};
    switch (section) {
    case ClientColumn:
        return tr("Client");
    case MethodColumn:
        return tr("Method");
    case CallsColumn:
        return tr("Calls");
    case P50Column:
        return tr("p50");
    case P90Column:
        return tr("p90");
    case P99Column:
        return tr("p99");
    case MaxColumn:
        return tr("Max");
    case StatusColumn:
        return tr("Statuses");
    default:
        return {};
    }
}

QString callsText(const CallReport &c)
{
    if (!c.any()) return {};
    QString failed = SummaryModel::tr("%1 failed").arg(c.failed);
    if (!c.failedByStatus.empty()) failed += QStringLiteral(" (%1)").arg(statusCountsText(c.failedByStatus));
    return SummaryModel::tr("Calls: %1 started, %2 completed: %3 succeeded, %4, %5 still open; executed "
                            "%6 never, %7 once, %8 twice or more; %9 attempts (%10 retries, %11 hedges); "
                            "replies %12 lost, %13 late")
        .arg(c.calls)
        .arg(c.completed)
        .arg(c.succeeded)
        .arg(failed)
        .arg(c.open)
        .arg(c.executedNever)
        .arg(c.executedOnce)
        .arg(c.executedTwiceOrMore)
        .arg(c.attempts)
        .arg(c.retries)
        .arg(c.hedges)
        .arg(c.repliesLost)
        .arg(c.lateReplies);
}

} // namespace sb
