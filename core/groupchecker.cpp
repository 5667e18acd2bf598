#include "groupchecker.h"

#include <algorithm>

namespace sb {

namespace {

void keep(std::vector<Finding> &examples, Finding f)
{
    if (examples.size() < GroupChecker::kExamples) examples.push_back(std::move(f));
}

std::string messageSubject(std::uint64_t id)
{
    return "message " + std::to_string(id);
}

} // namespace

const std::vector<std::pair<std::string, std::string>> &GroupChecker::checkHelp()
{
    static const std::vector<std::pair<std::string, std::string>> help = {
        {"records-lost",
         "records the topic acknowledged that a consumer group will never process: removed from the "
         "log (truncated, deleted by retention) or skipped past"},
        {"records-duplicated",
         "extra processings of a record by a consumer group (reprocessed after a crash or "
         "rebalance, or written twice by a retrying producer)"},
        {"partition-order", "records a group processed for the first time after a later record of the same "
                            "producer in the same partition"},
        {"key-order",
         "records a group processed for the first time after a later record of the same producer "
         "with the same key"},
        {"records-unconsumed",
         "acknowledged records still in the log that a group had not processed when the run "
         "ended (its lag)"},
        {"aborted-reads", "records of aborted transactions that a read_committed group processed (a "
                          "read_uncommitted group sees them, counted in its report)"},
    };
    return help;
}

std::string GroupChecker::label(NodeIndex n) const
{
    return n < m_labels.size() ? m_labels[n] : std::to_string(n);
}

std::string GroupChecker::groupName(const std::vector<std::string> &names, std::uint32_t g)
{
    return g < names.size() ? names[g] : "group " + std::to_string(g);
}

void GroupChecker::onMessage(const Message &m)
{
    // Kept until its Publish says whether it is a record of a log (a Kafka producer's Publish
    // carries a partition or is followed by an Append); other messages are dropped at once.
    m_lastMessage = {m.id, m.producer, m.sequence, m.key};
}

void GroupChecker::onEvent(const TraceEvent &e)
{
    switch (e.kind) {
    case TraceKind::Publish:
        if (e.node < m_isLog.size() && m_isLog[e.node] && e.messageId) {
            RecordState &r = m_records[e.messageId];
            r.producer = e.node;
            if (m_lastMessage.id == e.messageId) {
                r.sequence = m_lastMessage.sequence;
                r.key = m_lastMessage.key;
            }
        }
        break;
    case TraceKind::Append: {
        if ((e.flags & TraceFlag::Transactional) && e.correlationId)
            m_transactionOf[{e.node, e.partition, e.offset}] = e.correlationId;
        auto it = m_records.find(e.messageId);
        if (it == m_records.end()) break;
        RecordState &r = it->second;
        if (r.offset < 0) {
            r.partition = e.partition;
            r.offset = e.offset;
            r.topic = e.node;
        }
        ++r.copies;
        r.removed = false;
        break;
    }
    case TraceKind::TxnAbort:
        m_abortedTransactions.insert(e.correlationId);
        break;
    case TraceKind::Drop: {
        if (e.reason != DropReason::Truncated && e.reason != DropReason::RetentionExpired &&
            e.reason != DropReason::Compacted)
            break;
        auto it = m_records.find(e.messageId);
        if (it == m_records.end() || it->second.copies == 0) break;
        RecordState &r = it->second;
        if (--r.copies == 0) {
            r.removed = true;
            r.removedAt = e.time;
            r.removedBy = e.reason;
        }
        break;
    }
    case TraceKind::Confirm: {
        auto it = m_records.find(e.messageId);
        if (it != m_records.end() && !it->second.confirmed) {
            it->second.confirmed = true;
            it->second.confirmedAt = e.time;
        }
        break;
    }
    case TraceKind::Commit:
        // Traced by the topic (its coordinator): node = the topic.
        if (e.group != kNoIndex && e.partition != kNoIndex) {
            Group &g = m_groups[e.group];
            g.topics.insert(e.node);
            g.positions[{e.node, e.partition}].committed = e.offset;
        }
        break;
    case TraceKind::Process:
        if (e.group != kNoIndex) onProcess(e);
        break;
    default:
        break;
    }
}

void GroupChecker::onProcess(const TraceEvent &e)
{
    auto it = m_records.find(e.messageId);
    if (it == m_records.end()) return;
    const RecordState &r = it->second;
    Group &g = m_groups[e.group];
    g.topics.insert(r.topic);
    if (e.flags & TraceFlag::ReadCommitted) g.readCommitted = true;
    const NodeIndex topic = e.peer != kNoIndex ? e.peer : r.topic;
    if (auto t = m_transactionOf.find({topic, e.partition, e.offset}); t != m_transactionOf.end())
        g.transactionalReads.push_back(
            {t->second,
             {"aborted-reads",
              "message " + std::to_string(e.messageId) + " (partition " + std::to_string(e.partition) +
                  ", offset " + std::to_string(e.offset) + ") processed by " + label(e.node) +
                  (e.flags & TraceFlag::ReadCommitted ? " under read_committed" : "") +
                  " belongs to a transaction that aborted",
              messageSubject(e.messageId), e.messageId, t->second, e.node, e.time}});
    if (e.partition != kNoIndex) {
        PartitionPos &pos = g.positions[{r.topic, e.partition}];
        pos.maxProcessed = std::max(pos.maxProcessed, e.offset);
        pos.minProcessed = pos.minProcessed < 0 ? e.offset : std::min(pos.minProcessed, e.offset);
    }
    const std::uint32_t times = ++g.processed[e.messageId];
    if (times > 1 && (e.flags & TraceFlag::Transactional)) {
        // An exactly_once_v2 processor reads a record again after its transaction aborted: that
        // processing's outputs and offsets went with the abort. Its effect is checked downstream.
        ++g.reprocessed;
        return;
    }
    if (times > 1) {
        ++g.duplicates;
        keep(g.duplicateExamples,
             {"records-duplicated",
              "message " + std::to_string(e.messageId) + " processed " + std::to_string(times) +
                  " times by " + label(e.node) + " (partition " + std::to_string(e.partition) + ", offset " +
                  std::to_string(e.offset) + ")",
              messageSubject(e.messageId), e.messageId, 0, e.node, e.time});
        return;
    }
    auto check = [&](auto &newest, const auto &key, std::uint64_t &count, std::vector<Finding> &examples,
                     const char *check, const std::string &where) {
        auto [slot, fresh] = newest.try_emplace(key, std::make_pair(r.sequence, e.messageId));
        if (fresh) return;
        if (r.sequence < slot->second.first) {
            ++count;
            keep(examples, {check,
                            "message " + std::to_string(e.messageId) + " processed by " + label(e.node) +
                                " after message " + std::to_string(slot->second.second) + ", which " +
                                label(r.producer) + " produced later " + where,
                            messageSubject(e.messageId), e.messageId, 0, e.node, e.time});
            return;
        }
        slot->second = {r.sequence, e.messageId};
    };
    check(g.newestInPartition, std::make_tuple(r.topic, e.partition, r.producer), g.partitionOrder,
          g.partitionOrderExamples, "partition-order",
          "to the same partition " + std::to_string(e.partition));
    if (!r.key.empty())
        check(g.newestForKey, std::make_pair(r.key, r.producer), g.keyOrder, g.keyOrderExamples, "key-order",
              "with the same key \"" + r.key + "\"");
}

std::vector<GroupReport> GroupChecker::reports(const std::vector<std::string> &groupNames) const
{
    std::vector<GroupReport> out;
    for (const auto &[index, g] : m_groups) {
        GroupReport rep;
        rep.group = groupName(groupNames, index);
        rep.processed = g.processed.size();
        rep.duplicates = g.duplicates;
        rep.reprocessed = g.reprocessed;
        rep.partitionOrder = g.partitionOrder;
        rep.keyOrder = g.keyOrder;
        rep.readCommitted = g.readCommitted;
        rep.abortedReads = abortedReads(g, nullptr);
        for (const auto &[id, r] : m_records) {
            if (!r.confirmed || g.processed.count(id)) continue;
            switch (outcome(g, r)) {
            case Outcome::Lost:
                ++rep.lost;
                break;
            case Outcome::Pending:
                ++rep.pending;
                break;
            case Outcome::NotTheGroups:
                break;
            }
        }
        out.push_back(std::move(rep));
    }
    return out;
}

std::uint64_t GroupChecker::abortedReads(const Group &g, std::vector<Finding> *examples) const
{
    std::uint64_t n = 0;
    for (const auto &[txn, finding] : g.transactionalReads) {
        if (!m_abortedTransactions.count(txn)) continue;
        ++n;
        if (examples) keep(*examples, finding);
    }
    return n;
}

GroupChecker::Outcome GroupChecker::outcome(const Group &g, const RecordState &r)
{
    if (!g.topics.count(r.topic)) return Outcome::NotTheGroups;                          // another topic's
    if (r.removed && r.removedBy == DropReason::Compacted) return Outcome::NotTheGroups; // superseded
    auto pos = g.positions.find({r.topic, r.partition});
    const bool read = pos != g.positions.end() && pos->second.minProcessed >= 0;
    // An acknowledged record an election truncated is lost to every group.
    if (r.removed && r.removedBy == DropReason::Truncated) return Outcome::Lost;
    if (r.offset < 0) return Outcome::Lost; // acknowledged, yet no log holds it
    if (!read) {
        // The group never processed anything of this partition: a commit past the record skipped it.
        if (pos != g.positions.end() && pos->second.committed > r.offset) return Outcome::Lost;
        return r.removed ? Outcome::Lost : Outcome::Pending;
    }
    if (r.offset < pos->second.minProcessed) return Outcome::NotTheGroups; // before where it started
    if (r.removed) return Outcome::Lost;                                   // retention got there first
    if (r.offset < pos->second.maxProcessed || r.offset < pos->second.committed)
        return Outcome::Lost; // skipped
    return Outcome::Pending;
}

std::vector<CheckResult> GroupChecker::checks(const std::vector<std::string> &groupNames) const
{
    const auto &help = checkHelp();
    std::vector<CheckResult> out;
    for (const auto &[name, text] : help)
        out.push_back({name, text, 0, {}});
    for (const auto &[index, g] : m_groups) {
        const std::string group = groupName(groupNames, index);
        auto add = [&](std::size_t slot, std::uint64_t count, const std::vector<Finding> &examples) {
            out[slot].count += count;
            for (Finding f : examples)
                if (out[slot].examples.size() < kExamples) {
                    f.what = "group " + group + ": " + f.what;
                    out[slot].examples.push_back(std::move(f));
                }
        };
        std::vector<Finding> lost, pending;
        std::uint64_t lostCount = 0, pendingCount = 0;
        for (const auto &[id, r] : m_records) {
            if (!r.confirmed || g.processed.count(id)) continue;
            const Outcome o = outcome(g, r);
            if (o == Outcome::Lost) {
                ++lostCount;
                std::string why = r.removed && r.removedBy == DropReason::Truncated ? "truncated from the log"
                                  : r.removed                                       ? "deleted by retention"
                                                                                    : "skipped";
                keep(lost, {"records-lost",
                            "message " + std::to_string(id) + " (partition " + std::to_string(r.partition) +
                                ", offset " + std::to_string(r.offset) + ") was acknowledged and " + why +
                                " before the group processed it",
                            messageSubject(id), id, 0, r.topic, r.removed ? r.removedAt : r.confirmedAt});
            } else if (o == Outcome::Pending) {
                ++pendingCount;
                keep(pending,
                     {"records-unconsumed",
                      "message " + std::to_string(id) + " (partition " + std::to_string(r.partition) +
                          ", offset " + std::to_string(r.offset) + ") not processed yet",
                      messageSubject(id), id, 0, r.topic, r.confirmedAt});
            }
        }
        add(0, lostCount, lost);
        add(1, g.duplicates, g.duplicateExamples);
        add(2, g.partitionOrder, g.partitionOrderExamples);
        add(3, g.keyOrder, g.keyOrderExamples);
        add(4, pendingCount, pending);
        if (g.readCommitted) {
            std::vector<Finding> aborted;
            const std::uint64_t abortedCount = abortedReads(g, &aborted);
            add(5, abortedCount, aborted);
        }
    }
    // Examples in time order, as every checker gives them.
    for (auto &c : out)
        std::stable_sort(c.examples.begin(), c.examples.end(),
                         [](const Finding &a, const Finding &b) { return a.time < b.time; });
    return out;
}

} // namespace sb
