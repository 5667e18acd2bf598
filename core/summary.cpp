#include "summary.h"

#include "callstatus.h"
#include "nodelabels.h"

#include <algorithm>
#include <cstdio>
#include <sstream>

namespace sb {

std::vector<std::string> RunSummary::nodeLabels() const
{
    std::vector<std::string> ids, names;
    for (const NodeSummary &n : nodes) {
        ids.push_back(n.id);
        names.push_back(n.name);
    }
    return sb::nodeLabels(ids, names);
}

std::string RunSummary::nodeLabel(NodeIndex n) const
{
    if (n >= nodes.size()) return std::to_string(n);
    return nodeLabels()[n];
}

const CheckResult *RunSummary::check(std::string_view name) const
{
    for (const CheckResult &c : checks)
        if (c.check == name) return &c;
    return nullptr;
}

const std::vector<std::string> &checkNames()
{
    static const std::vector<std::string> names = [] {
        std::vector<std::string> all = {"lost",
                                        "duplicates",
                                        "pending",
                                        "order",
                                        CallChecker::kExecutedTwice,
                                        CallChecker::kFailedCalls,
                                        CallChecker::kLateReplies,
                                        CallChecker::kLostReplies,
                                        CallChecker::kDeadlineExceeded,
                                        "records-lost",
                                        "records-duplicated",
                                        "partition-order",
                                        "key-order",
                                        "records-unconsumed",
                                        "aborted-reads"};
        for (const auto &[name, help] : domainCheckHelp())
            all.push_back(name);
        return all;
    }();
    return names;
}

std::string checkNamesText()
{
    const auto &names = checkNames();
    std::string text;
    for (std::size_t i = 0; i < names.size(); ++i)
        text += (i == 0 ? "" : i + 1 == names.size() ? " or " : ", ") + names[i];
    return text;
}

std::vector<CheckResult> deliveryChecks(const RunSummary &s)
{
    const DeliveryReport &d = s.delivery;
    auto messages = [](const char *name, const char *help, std::uint64_t count,
                       const std::vector<std::uint64_t> &ids, const char *what) {
        CheckResult c{name, help, count, {}};
        for (std::uint64_t id : ids) {
            Finding f;
            f.check = name;
            f.subject = "message " + std::to_string(id);
            f.what = f.subject + " " + what;
            f.messageId = id;
            c.examples.push_back(std::move(f));
        }
        return c;
    };
    std::vector<CheckResult> out;
    out.push_back(messages("lost", "message copies lost (network, crash, a failure under auto-ack)", d.lost,
                           d.lostIds, "was lost"));
    out.push_back(messages("duplicates", "extra processings of a message copy already processed",
                           d.duplicates, d.duplicateIds, "was processed more than once"));
    out.push_back(messages("pending", "message copies still queued, unacked or in flight at the end",
                           d.pending, d.pendingIds, "was still pending when the run ended"));
    CheckResult order{
        "order", "processings of a message after a later one of its producer", d.outOfOrder, {}};
    for (const auto &v : d.outOfOrderExamples) {
        Finding f;
        f.check = order.check;
        f.subject = "message " + std::to_string(v.messageId);
        f.what = f.subject + " was processed after message " + std::to_string(v.after) + " at " +
                 s.nodeLabel(v.consumer) + " from " + s.nodeLabel(v.queue);
        f.messageId = v.messageId;
        f.node = v.consumer;
        f.time = v.time;
        order.examples.push_back(std::move(f));
    }
    out.push_back(std::move(order));
    return out;
}

void setChecks(RunSummary &s, const CallReport *calls, const std::vector<CheckResult> *groupChecks,
               const DomainCheckers *domain)
{
    s.checks = deliveryChecks(s);
    if (calls) {
        s.calls = *calls;
        s.checks.insert(s.checks.end(), calls->checks.begin(), calls->checks.end());
    }
    if (groupChecks) s.checks.insert(s.checks.end(), groupChecks->begin(), groupChecks->end());
    if (domain)
        for (const auto &checker : *domain)
            if (checker->any()) {
                auto more = checker->checks();
                s.checks.insert(s.checks.end(), more.begin(), more.end());
            }
}

RunSummary buildSummary(const Simulation &sim, const Metrics &metrics, const DeliveryChecker &checker,
                        StopReason reason, double wallSeconds, const CallChecker *calls,
                        const GroupChecker *groups, const LogMetrics *logs, const DomainCheckers *domain)
{
    RunSummary s;
    const Topology &t = sim.topology();
    s.topologyName = t.name;
    s.seed = sim.seed();
    s.endTime = sim.now();
    s.events = metrics.traceEvents();
    s.engineSteps = sim.eventsProcessed();
    s.stopReason = reason;
    s.wallSeconds = wallSeconds;
    for (NodeIndex i = 0; i < t.nodes.size(); ++i) {
        NodeSummary n;
        n.id = t.nodes[i].id;
        n.kind = t.nodes[i].kind;
        n.name = t.nodes[i].name;
        n.counters = metrics.node(i);
        n.status = sim.nodeStatus(i);
        if (auto *h = metrics.latency(i)) n.latency = LatencySummary::from(*h);
        s.nodes.push_back(std::move(n));
    }
    for (LinkIndex i = 0; i < t.links.size(); ++i)
        s.links.push_back({t.links[i].id, t.links[i].from, t.links[i].to, metrics.link(i)});
    s.latency = LatencySummary::from(metrics.latency());
    s.delivery = checker.report();
    s.liveChanges = sim.liveChanges();
    for (const NodeNote &n : sim.notes())
        if (n.problem) s.nodeProblems.push_back(n);
    s.faults = sim.faultLog();
    s.recordsOmitted = sim.recordsOmitted();
    std::vector<CheckResult> groupChecks;
    if (groups && groups->any()) {
        s.groups = groups->reports(sim.groupNames());
        groupChecks = groups->checks(sim.groupNames());
    }
    if (logs && logs->any()) {
        for (NodeIndex topic : logs->topics()) {
            TopicSummary ts;
            ts.id = t.nodes[topic].id;
            const auto &parts = logs->partitions(topic);
            for (std::uint32_t p = 0; p < parts.size(); ++p)
                ts.partitions.push_back({parts[p], logs->underReplicatedTime(topic, p, sim.now())});
            s.topics.push_back(std::move(ts));
        }
        for (const auto &[index, g] : logs->groups()) {
            const std::string name =
                index < sim.groupNames().size() ? sim.groupNames()[index] : std::to_string(index);
            auto it = std::find_if(s.groups.begin(), s.groups.end(),
                                   [&](const GroupReport &r) { return r.group == name; });
            if (it == s.groups.end()) {
                s.groups.push_back(GroupReport{});
                s.groups.back().group = name;
                it = s.groups.end() - 1;
            }
            it->rebalances = g.rebalances;
            it->lag = logs->totalLag(index);
            it->members = g.members.size();
            SimTime unassigned = 0;
            for (const auto &[p, f] : g.partitions)
                unassigned += logs->unassignedTime(index, p, sim.now());
            it->unassigned = unassigned;
        }
    }
    if (domain)
        for (const auto &c : *domain) {
            if (const auto *actors = dynamic_cast<const ActorMetrics *>(c.get()); actors && actors->any())
                s.actors = actors->report();
            if (const auto *p2p = dynamic_cast<const P2PChecker *>(c.get()); p2p && p2p->any())
                s.p2p = p2p->report();
        }
    const std::vector<CheckResult> *g = s.groups.empty() ? nullptr : &groupChecks;
    if (calls) {
        const CallReport report = calls->report();
        setChecks(s, &report, g, domain);
    } else {
        setChecks(s, nullptr, g, domain);
    }
    return s;
}

namespace {
std::string ms(SimTime t)
{
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.3gms", toMilliseconds(t));
    if (toMilliseconds(t) >= 1000) std::snprintf(buf, sizeof buf, "%.4gs", toSeconds(t));
    return buf;
}

std::string idList(const std::vector<std::uint64_t> &ids, std::uint64_t total)
{
    if (ids.empty()) return {};
    std::string out = " (e.g. message ";
    for (std::size_t i = 0; i < ids.size(); ++i)
        out += (i ? ", " : "") + std::to_string(ids[i]);
    if (total > ids.size()) out += ", ...";
    return out + ")";
}
Json orderJson(const RunSummary &s, const std::vector<DeliveryReport::OrderViolation> &examples)
{
    Json a = Json::array();
    for (const auto &v : examples)
        a.push_back({{"message", v.messageId},
                     {"after", v.after},
                     {"consumer", s.nodeId(v.consumer)},
                     {"queue", s.nodeId(v.queue)},
                     {"time_ns", v.time}});
    return a;
}
} // namespace

std::string endReasonName(const RunSummary &s)
{
    return s.interrupted ? "interrupted" : stopReasonName(s.stopReason);
}

namespace {
// Characters, not bytes: names may be UTF-8.
std::size_t textWidth(const std::string &text)
{
    std::size_t n = 0;
    for (unsigned char c : text)
        if ((c & 0xC0) != 0x80) ++n;
    return n;
}

// `text` left-aligned in `width` characters; a longer one ends in "…".
std::string column(const std::string &text, std::size_t width)
{
    if (textWidth(text) <= width) return text + std::string(width - textWidth(text), ' ');
    std::string out;
    std::size_t n = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        if ((c & 0xC0) != 0x80 && ++n == width) break;
        out += text[i];
    }
    return out + "\u2026";
}
} // namespace

std::string formatSummary(const RunSummary &s)
{
    std::ostringstream o;
    char line[512];
    o << "Run of " << (s.topologyName.empty() ? std::string("topology") : "\"" + s.topologyName + "\"")
      << ": seed " << s.seed << ", virtual time " << formatDuration(s.endTime) << ", " << s.events
      << " trace events, ended: " << endReasonName(s);
    std::snprintf(line, sizeof line, ", wall %.3fs\n\n", s.wallSeconds);
    o << line;
    // Nodes by label: the column is as wide as the longest (from 16 to 24 characters).
    const std::vector<std::string> labels = s.nodeLabels();
    std::size_t width = 16;
    for (const auto &label : labels)
        width = std::max(width, std::min<std::size_t>(textWidth(label), 24));
    // Kinds as wide as the longest ("kafka-consumer", "command-handler"), at least 9.
    std::size_t kindWidth = 9;
    for (const auto &n : s.nodes)
        kindWidth = std::max(kindWidth, textWidth(n.kind));
    o << column("node", width) << " " << column("kind", kindWidth) << " ";
    std::snprintf(line, sizeof line, "%9s %9s %9s %9s %9s %9s %9s %9s %9s %7s\n", "published", "routed",
                  "enqueued", "delivered", "redeliver", "acked", "processed", "dropped", "dead-lett",
                  "depth");
    o << line;
    for (std::size_t i = 0; i < s.nodes.size(); ++i) {
        const auto &n = s.nodes[i];
        const auto &c = n.counters;
        o << column(labels[i], width) << " " << column(n.kind, kindWidth) << " ";
        std::snprintf(line, sizeof line, "%9llu %9llu %9llu %9llu %9llu %9llu %9llu %9llu %9llu %7llu\n",
                      (unsigned long long)c.published, (unsigned long long)c.routed,
                      (unsigned long long)c.enqueued, (unsigned long long)c.delivered,
                      (unsigned long long)c.redelivered, (unsigned long long)c.acked,
                      (unsigned long long)c.processed, (unsigned long long)c.totalDrops(),
                      (unsigned long long)c.deadLettered, (unsigned long long)n.status.ready);
        o << line;
    }
    // Drops by reason, per node and link.
    std::string drops;
    for (std::size_t i = 0; i < s.nodes.size(); ++i)
        for (int r = 1; r < kDropReasonCount; ++r)
            if (s.nodes[i].counters.drops[r] && r != static_cast<int>(DropReason::UnknownTag) &&
                r != static_cast<int>(DropReason::Loss) && r != static_cast<int>(DropReason::Partition))
                drops += "  " + labels[i] + ": " + dropReasonName(static_cast<DropReason>(r)) + " " +
                         std::to_string(s.nodes[i].counters.drops[r]) + "\n";
    for (const auto &l : s.links) {
        if (l.counters.lost)
            drops += "  link " + l.id + ": loss " + std::to_string(l.counters.lost) + " frames\n";
        if (l.counters.partitioned)
            drops += "  link " + l.id + ": partition " + std::to_string(l.counters.partitioned) + " frames\n";
        if (l.counters.crashed)
            drops +=
                "  link " + l.id + ": to a crashed node " + std::to_string(l.counters.crashed) + " frames\n";
        if (l.counters.corrupted)
            drops += "  link " + l.id + ": corrupt " + std::to_string(l.counters.corrupted) + " frames\n";
        if (l.counters.injected)
            drops += "  link " + l.id + ": dropped by a fault rule " + std::to_string(l.counters.injected) +
                     " frames\n";
    }
    if (!drops.empty()) o << "\nDrops by reason:\n" << drops;
    std::string dead;
    for (std::size_t i = 0; i < s.nodes.size(); ++i)
        for (int r = 1; r < kDropReasonCount; ++r)
            if (s.nodes[i].counters.deadLetters[r])
                dead += "  " + labels[i] + ": " + dropReasonName(static_cast<DropReason>(r)) + " " +
                        std::to_string(s.nodes[i].counters.deadLetters[r]) + "\n";
    if (!dead.empty()) o << "\nDead-lettered by reason:\n" << dead;
    std::string other;
    for (std::size_t i = 0; i < s.nodes.size(); ++i) {
        const auto &c = s.nodes[i].counters;
        if (c.timeouts) other += "  " + labels[i] + ": " + std::to_string(c.timeouts) + " timeouts\n";
        if (c.retries) other += "  " + labels[i] + ": " + std::to_string(c.retries) + " retries\n";
        if (c.confirmed) other += "  " + labels[i] + ": " + std::to_string(c.confirmed) + " confirms\n";
        if (c.deduplicated)
            other += "  " + labels[i] + ": " + std::to_string(c.deduplicated) +
                     " duplicates skipped (idempotent)\n";
        if (c.unknownTags)
            other += "  " + labels[i] + ": " + std::to_string(c.unknownTags) +
                     " late acks for redelivered messages\n";
        if (c.expired) other += "  " + labels[i] + ": " + std::to_string(c.expired) + " expired\n";
    }
    if (!other.empty()) o << "\nOther:\n" << other;
    const auto &l = s.latency;
    if (l.count) {
        o << "\nLatency, publish to processed (" << l.count << " processings): p50 " << ms(l.p50) << "  p90 "
          << ms(l.p90) << "  p99 " << ms(l.p99) << "  p99.9 " << ms(l.p999) << "  max " << ms(l.max) << "\n";
    }
    const auto &d = s.delivery;
    o << "\nDelivery check: " << d.published << " published, " << d.copies << " copies reached queues, "
      << d.processed << " processed, " << d.duplicates << " duplicate processings"
      << idList(d.duplicateIds, d.duplicates) << ", " << d.lost << " lost" << idList(d.lostIds, d.lost)
      << ", " << d.droppedTotal() << " dropped by policy, " << d.deadLettered << " dead-lettered";
    if (d.parked || d.processedFromDeadLetter)
        o << " (" << d.parked << " parked in a dead-letter queue, " << d.processedFromDeadLetter
          << " processed from it)";
    o << ", " << d.pending << " pending" << idList(d.pendingIds, d.pending) << "\n";
    if (d.outOfOrder) {
        o << "Order check: " << d.outOfOrder << " processings out of publish order";
        for (std::size_t i = 0; i < d.outOfOrderExamples.size(); ++i) {
            const auto &v = d.outOfOrderExamples[i];
            o << (i ? "; " : " (e.g. ") << "message " << v.messageId << " after " << v.after << " at "
              << s.nodeLabel(v.consumer) << " from " << s.nodeLabel(v.queue);
        }
        if (!d.outOfOrderExamples.empty()) o << (d.outOfOrder > d.outOfOrderExamples.size() ? "; ...)" : ")");
        o << "\n";
    }
    if (!s.faults.empty()) {
        o << "\nFaults:\n";
        for (const auto &f : s.faults) {
            o << "  " << f.id << " " << f.kind << (f.target.empty() ? "" : " " + f.target) << ": "
              << formatDuration(f.start) << " - " << (f.end == kNever ? "end of run" : formatDuration(f.end))
              << (f.planned ? "" : " (live)") << (f.detail.empty() ? "" : ", " + f.detail) << "\n";
        }
    }
    if (!s.liveChanges.empty()) {
        o << "\nLive changes:\n";
        for (const auto &c : s.liveChanges)
            o << "  at " << formatDuration(c.time) << ": " << c.action << " " << c.target
              << (c.detail.empty() ? "" : " (" + c.detail + ")")
              << (c.fault.empty() ? ""
                  : c.planned     ? " [planned " + c.fault + "]"
                                  : " [live " + c.fault + "]")
              << "\n";
    }
    if (s.recordsOmitted) o << "  (" << s.recordsOmitted << " more changes not listed)\n";
    if (!s.nodeProblems.empty()) {
        o << "\nNodes taken out of the run:\n";
        for (const NodeNote &n : s.nodeProblems)
            o << "  at " << formatDuration(n.time) << ": "
              << (n.node < labels.size() ? labels[n.node] : std::string("?"))
              << (n.line > 0 ? ", line " + std::to_string(n.line) : std::string()) << ": " << n.text << "\n";
    }
    o << formatClockAnomalies(s);
    o << formatCalls(s);
    o << formatActors(s.actors, labels);
    o << formatGroups(s);
    if (s.p2p.any()) o << "\n" << formatP2PReport(s.p2p);
    o << formatChecks(s);
    return o.str();
}

std::string formatGroups(const RunSummary &s)
{
    if (s.groups.empty() && s.topics.empty()) return {};
    std::ostringstream o;
    o << "\nConsumer groups and topics:\n";
    for (const GroupReport &g : s.groups)
        o << "  " << g.group << ": " << g.processed << " records processed, " << g.duplicates
          << " duplicates, "
          << (g.reprocessed ? std::to_string(g.reprocessed) + " reprocessed after an abort, " : "") << g.lost
          << " lost, " << g.pending << " not yet processed; out of order: " << g.partitionOrder
          << " in a partition, " << g.keyOrder << " for a key; " << g.abortedReads
          << " records of aborted transactions read ("
          << (g.readCommitted ? "read_committed" : "read_uncommitted") << "); " << g.rebalances
          << " rebalances, partitions unassigned " << formatDuration(g.unassigned) << " in all, lag " << g.lag
          << " at the end\n";
    for (const TopicSummary &t : s.topics) {
        o << "  topic " << t.id << ":";
        for (std::size_t p = 0; p < t.partitions.size(); ++p) {
            const PartitionFigures &f = t.partitions[p].figures;
            o << (p ? "," : "") << " p" << p << " [" << f.logStart << ", " << f.logEnd << ") hw "
              << f.highWatermark << " leader "
              << (f.leader < 0 ? std::string("none") : std::to_string(f.leader)) << " isr " << f.isr << "/"
              << f.replicas;
            if (t.partitions[p].underReplicated)
                o << " under-replicated " << formatDuration(t.partitions[p].underReplicated);
            if (f.uncleanElections) o << " unclean elections " << f.uncleanElections;
        }
        o << "\n";
    }
    return o.str();
}

Json groupsJson(const RunSummary &s)
{
    Json j = Json::array();
    for (const GroupReport &g : s.groups)
        j.push_back({{"group", g.group},
                     {"processed", g.processed},
                     {"duplicates", g.duplicates},
                     {"reprocessed", g.reprocessed},
                     {"lost", g.lost},
                     {"pending", g.pending},
                     {"partition_order", g.partitionOrder},
                     {"key_order", g.keyOrder},
                     {"aborted_reads", g.abortedReads},
                     {"isolation", g.readCommitted ? "read_committed" : "read_uncommitted"},
                     {"rebalances", g.rebalances},
                     {"lag", g.lag},
                     {"unassigned", formatDuration(g.unassigned)},
                     {"members", g.members}});
    return j;
}

Json topicsJson(const RunSummary &s)
{
    Json j = Json::array();
    for (const TopicSummary &t : s.topics) {
        Json parts = Json::array();
        for (const auto &p : t.partitions)
            parts.push_back({{"log_start", p.figures.logStart},
                             {"log_end", p.figures.logEnd},
                             {"high_watermark", p.figures.highWatermark},
                             {"leader", p.figures.leader},
                             {"leader_epoch", p.figures.leaderEpoch},
                             {"isr", p.figures.isr},
                             {"replicas", p.figures.replicas},
                             {"under_replicated", formatDuration(p.underReplicated)},
                             {"elections", p.figures.elections},
                             {"unclean_elections", p.figures.uncleanElections}});
        j.push_back({{"topic", t.id}, {"partitions", std::move(parts)}});
    }
    return j;
}

namespace {
// "UNAVAILABLE 3, 503 Service Unavailable 1"
std::string statusCounts(const std::vector<std::pair<std::uint16_t, std::uint64_t>> &counts)
{
    std::string text;
    for (const auto &[status, n] : counts)
        text += (text.empty() ? "" : ", ") +
                (status == kNoStatus ? std::string("no status") : statusName(status)) + " " +
                std::to_string(n);
    return text;
}
// The per-(client, method) lines the text shows; the JSON has them all.
constexpr std::size_t kMethodLinesShown = 20;
} // namespace

std::string formatCalls(const RunSummary &s)
{
    const CallReport &c = s.calls;
    if (!c.any()) return {};
    std::ostringstream o;
    o << "\nCalls: " << c.calls << " started, " << c.completed << " completed: " << c.succeeded
      << " succeeded, " << c.failed << " failed";
    if (!c.failedByStatus.empty()) o << " (" << statusCounts(c.failedByStatus) << ")";
    o << ", " << c.open << " still open\n";
    o << "  executed at servers: " << c.executedNever << " never, " << c.executedOnce << " once, "
      << c.executedTwiceOrMore << " twice or more (" << c.executions << " executions)\n";
    o << "  attempts: " << c.attempts << " (" << c.retries << " retries, " << c.hedges
      << " hedges); cancelled: " << c.cancelledAttempts << " attempts by clients, " << c.cancelledAtServers
      << " at servers\n";
    o << "  replies: " << c.repliesLost << " lost on links, " << c.lateReplies
      << " late (after the caller stopped waiting)";
    if (c.unmatchedReplies) o << ", " << c.unmatchedReplies << " for calls never made";
    o << "\n";
    if (!c.methods.empty()) o << "  latency by client and method (from each call's intended start):\n";
    for (std::size_t i = 0; i < c.methods.size() && i < kMethodLinesShown; ++i) {
        const CallMethodReport &m = c.methods[i];
        const LatencySummary &l = m.latency;
        o << "    " << s.nodeLabel(m.client) << " " << (m.method.empty() ? "(no method)" : m.method) << ": "
          << m.calls << " calls";
        if (l.count)
            o << ", p50 " << ms(l.p50) << "  p90 " << ms(l.p90) << "  p99 " << ms(l.p99) << "  max "
              << ms(l.max);
        if (!m.byStatus.empty()) o << "; " << statusCounts(m.byStatus);
        o << "\n";
    }
    if (c.methods.size() > kMethodLinesShown)
        o << "    ... and " << (c.methods.size() - kMethodLinesShown) << " more (in the JSON summary)\n";
    return o.str();
}

std::string formatChecks(const RunSummary &s)
{
    if (s.checks.empty()) return {};
    std::ostringstream o;
    o << "\nChecks:";
    for (std::size_t i = 0; i < s.checks.size(); ++i)
        o << (i ? ", " : " ") << s.checks[i].check << " " << s.checks[i].count;
    o << "\n";
    for (const CheckResult &c : s.checks) {
        if (!c.count) continue;
        for (const Finding &f : c.examples)
            o << "  " << c.check << ": " << f.what << "\n";
        if (c.count > c.examples.size() && !c.examples.empty())
            o << "  " << c.check << ": ... and " << (c.count - c.examples.size()) << " more\n";
    }
    return o.str();
}

namespace {
std::string linkId(const RunSummary &s, LinkIndex l)
{
    return l < s.links.size() ? s.links[l].id : std::string();
}
} // namespace

std::string formatClockAnomalies(const RunSummary &s)
{
    const ClockAnomalies &a = s.clockAnomalies;
    if (!a.checked) return {};
    std::ostringstream o;
    o << "\nClock anomalies: " << a.contradicting << " of " << a.received
      << " received frames were received before they were sent, by the nodes' local clocks"
      << (a.contradicting ? " (a log ordered by local timestamps contradicts causality there)" : "") << "\n";
    for (const auto &c : a.first) {
        o << "  " << frameTypeName(c.frame)
          << (c.messageId ? " of message " + std::to_string(c.messageId) : "") << " " << s.nodeLabel(c.from)
          << " -> " << s.nodeLabel(c.to);
        if (const std::string l = linkId(s, c.link); !l.empty()) o << " (link " << l << ")";
        o << ": sent at " << formatDuration(c.sent) << " (local " << formatDuration(c.sentLocal)
          << "), received at " << formatDuration(c.received) << " (local " << formatDuration(c.receivedLocal)
          << ")\n";
    }
    if (a.contradicting > a.first.size())
        o << "  ... and " << (a.contradicting - a.first.size()) << " more\n";
    return o.str();
}

Json clockAnomaliesJson(const RunSummary &s)
{
    const ClockAnomalies &a = s.clockAnomalies;
    Json examples = Json::array();
    for (const auto &c : a.first)
        examples.push_back({{"message", c.messageId},
                            {"frame", frameTypeName(c.frame)},
                            {"from", s.nodeId(c.from)},
                            {"to", s.nodeId(c.to)},
                            {"link", linkId(s, c.link)},
                            {"sent_ns", c.sent},
                            {"received_ns", c.received},
                            {"sent_local_ns", c.sentLocal},
                            {"received_local_ns", c.receivedLocal}});
    return {{"received", a.received}, {"contradicting", a.contradicting}, {"examples", std::move(examples)}};
}

namespace {
Json latencyJson(const LatencySummary &l)
{
    return {{"count", l.count},
            {"p50_ms", toMilliseconds(l.p50)},
            {"p90_ms", toMilliseconds(l.p90)},
            {"p99_ms", toMilliseconds(l.p99)},
            {"p999_ms", toMilliseconds(l.p999)},
            {"max_ms", toMilliseconds(l.max)},
            {"mean_ms", l.mean / 1e6}};
}
Json dropsJson(const std::uint64_t (&drops)[kDropReasonCount])
{
    Json j = Json::object();
    for (int r = 1; r < kDropReasonCount; ++r)
        if (drops[r]) j[dropReasonName(static_cast<DropReason>(r))] = drops[r];
    return j;
}
} // namespace

Json summaryToJson(const RunSummary &s)
{
    Json j;
    j["format"] = "signalbox-summary";
    j["version"] = 1;
    j["topology"] = s.topologyName;
    j["seed"] = s.seed;
    j["end_time_ns"] = s.endTime;
    j["end_time"] = formatDuration(s.endTime);
    j["events"] = s.events; // trace events
    j["engine_steps"] = s.engineSteps;
    j["stop_reason"] = endReasonName(s);
    j["wall_seconds"] = s.wallSeconds;
    Json nodes = Json::array();
    for (const auto &n : s.nodes) {
        const auto &c = n.counters;
        Json nj = {{"id", n.id},
                   {"name", n.name.empty() ? n.id : n.name},
                   {"kind", n.kind},
                   {"published", c.published},
                   {"routed", c.routed},
                   {"enqueued", c.enqueued},
                   {"delivered", c.delivered},
                   {"redelivered", c.redelivered},
                   {"acked", c.acked},
                   {"nacked", c.nacked},
                   {"requeued", c.requeued},
                   {"processed", c.processed},
                   {"failed", c.failed},
                   {"deduplicated", c.deduplicated},
                   {"confirmed", c.confirmed},
                   {"timeouts", c.timeouts},
                   {"retries", c.retries},
                   {"expired", c.expired},
                   {"dead_lettered", c.deadLettered},
                   {"late_acks", c.unknownTags},
                   {"dropped", c.totalDrops()},
                   {"drops", dropsJson(c.drops)},
                   {"dead_letters", dropsJson(c.deadLetters)},
                   {"max_depth", c.maxDepth},
                   {"ready_at_end", n.status.ready},
                   {"unacked_at_end", n.status.unacked}};
        if (n.latency.count) nj["latency"] = latencyJson(n.latency);
        nodes.push_back(std::move(nj));
    }
    j["nodes"] = std::move(nodes);
    Json links = Json::array();
    for (const auto &l : s.links) {
        Json fj = Json::object();
        for (int f = 0; f < kFrameTypeCount; ++f)
            if (l.counters.byFrame[f]) fj[frameTypeName(static_cast<FrameType>(f))] = l.counters.byFrame[f];
        links.push_back({{"id", l.id},
                         {"from", l.from},
                         {"to", l.to},
                         {"frames", l.counters.frames},
                         {"lost", l.counters.lost},
                         {"partitioned", l.counters.partitioned},
                         {"crashed", l.counters.crashed},
                         {"corrupted", l.counters.corrupted},
                         {"injected", l.counters.injected},
                         {"by_frame", fj}});
    }
    j["links"] = std::move(links);
    j["latency"] = latencyJson(s.latency);
    const auto &d = s.delivery;
    j["delivery"] = {{"published", d.published},
                     {"copies", d.copies},
                     {"processed", d.processed},
                     {"duplicates", d.duplicates},
                     {"lost", d.lost},
                     {"dropped", d.droppedTotal()},
                     {"dropped_by_reason", dropsJson(d.dropped)},
                     {"dead_lettered", d.deadLettered},
                     {"parked", d.parked},
                     {"processed_from_dead_letter", d.processedFromDeadLetter},
                     {"pending", d.pending},
                     {"lost_examples", d.lostIds},
                     {"duplicate_examples", d.duplicateIds},
                     {"out_of_order", d.outOfOrder},
                     {"out_of_order_examples", orderJson(s, d.outOfOrderExamples)}};
    if (!s.nodeProblems.empty()) {
        Json problems = Json::array();
        for (const NodeNote &n : s.nodeProblems)
            problems.push_back({{"time_ns", n.time},
                                {"time", formatDuration(n.time)},
                                {"node", n.node < s.nodes.size() ? s.nodes[n.node].id : std::string()},
                                {"line", n.line},
                                {"text", n.text}});
        j["node_problems"] = std::move(problems);
    }
    Json changes = Json::array();
    for (const auto &c : s.liveChanges)
        changes.push_back({{"time_ns", c.time},
                           {"time", formatDuration(c.time)},
                           {"action", c.action},
                           {"target", c.target},
                           {"detail", c.detail},
                           {"fault", c.fault},
                           {"planned", c.planned}});
    j["live_changes"] = std::move(changes);
    Json faults = Json::array();
    for (const auto &f : s.faults) {
        Json jf = {{"id", f.id},          {"kind", f.kind},
                   {"target", f.target},  {"repetition", f.repetition},
                   {"start_ns", f.start}, {"start", formatDuration(f.start)}};
        jf["end_ns"] = f.end == kNever ? Json() : Json(f.end);
        jf["end"] = f.end == kNever ? Json() : Json(formatDuration(f.end));
        jf["planned"] = f.planned;
        jf["detail"] = f.detail;
        faults.push_back(std::move(jf));
    }
    j["faults"] = std::move(faults);
    j["records_omitted"] = s.recordsOmitted;
    if (s.clockAnomalies.checked) j["clock_anomalies"] = clockAnomaliesJson(s);
    if (s.calls.any()) j["calls"] = callsJson(s);
    if (s.actors.any()) {
        std::vector<std::string> ids;
        for (const auto &n : s.nodes)
            ids.push_back(n.id);
        j["actors"] = actorsJson(s.actors, ids);
    }
    if (!s.groups.empty()) j["groups"] = groupsJson(s);
    if (!s.topics.empty()) j["topics"] = topicsJson(s);
    if (s.p2p.any()) j["p2p"] = p2pReportJson(s.p2p);
    j["checks"] = checksJson(s);
    return j;
}

namespace {
Json statusesJson(const std::vector<std::pair<std::uint16_t, std::uint64_t>> &counts)
{
    Json j = Json::object();
    for (const auto &[status, n] : counts)
        j[status == kNoStatus ? std::string("none") : statusKey(status)] = n;
    return j;
}
} // namespace

Json callsJson(const RunSummary &s)
{
    const CallReport &c = s.calls;
    Json methods = Json::array();
    for (const CallMethodReport &m : c.methods)
        methods.push_back({{"client", s.nodeId(m.client)},
                           {"method", m.method},
                           {"calls", m.calls},
                           {"latency", latencyJson(m.latency)},
                           {"by_status", statusesJson(m.byStatus)}});
    return {{"calls", c.calls},
            {"completed", c.completed},
            {"succeeded", c.succeeded},
            {"failed", c.failed},
            {"failed_by_status", statusesJson(c.failedByStatus)},
            {"open", c.open},
            {"executed_never", c.executedNever},
            {"executed_once", c.executedOnce},
            {"executed_twice_or_more", c.executedTwiceOrMore},
            {"executions", c.executions},
            {"attempts", c.attempts},
            {"retries", c.retries},
            {"hedges", c.hedges},
            {"replies_lost", c.repliesLost},
            {"late_replies", c.lateReplies},
            {"unmatched_replies", c.unmatchedReplies},
            {"cancelled_attempts", c.cancelledAttempts},
            {"cancelled_at_servers", c.cancelledAtServers},
            {"deadline_exceeded", c.deadlineExceeded},
            {"methods", std::move(methods)}};
}

Json checksJson(const RunSummary &s)
{
    Json checks = Json::array();
    for (const CheckResult &c : s.checks) {
        Json examples = Json::array();
        for (const Finding &f : c.examples) {
            Json jf = {{"what", f.what}, {"subject", f.subject}};
            if (f.messageId) jf["message"] = f.messageId;
            if (f.correlationId) jf["correlation"] = f.correlationId;
            if (f.node != kNoIndex) jf["node"] = s.nodeId(f.node);
            if (f.time) jf["time_ns"] = f.time;
            examples.push_back(std::move(jf));
        }
        checks.push_back(
            {{"name", c.check}, {"help", c.help}, {"count", c.count}, {"examples", std::move(examples)}});
    }
    return checks;
}

} // namespace sb
