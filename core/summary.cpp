#include "summary.h"

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

RunSummary buildSummary(const Simulation &sim, const Metrics &metrics, const DeliveryChecker &checker,
                        StopReason reason, double wallSeconds)
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
    s.faults = sim.faultLog();
    s.recordsOmitted = sim.recordsOmitted();
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
    o << column("node", width) << " ";
    std::snprintf(line, sizeof line, "%-9s %9s %9s %9s %9s %9s %9s %9s %9s %9s %7s\n", "kind", "published",
                  "routed", "enqueued", "delivered", "redeliver", "acked", "processed", "dropped",
                  "dead-lett", "depth");
    o << line;
    for (std::size_t i = 0; i < s.nodes.size(); ++i) {
        const auto &n = s.nodes[i];
        const auto &c = n.counters;
        o << column(labels[i], width) << " ";
        std::snprintf(line, sizeof line, "%-9s %9llu %9llu %9llu %9llu %9llu %9llu %9llu %9llu %9llu %7llu\n",
                      n.kind.c_str(), (unsigned long long)c.published, (unsigned long long)c.routed,
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
    o << formatClockAnomalies(s);
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
    return j;
}

} // namespace sb
