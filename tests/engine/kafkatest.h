#pragma once
// Helpers for the Kafka tests: a run watched by the consumer-group checker and the log metrics,
// with the figures read off it.
#include "enginetest.h"
#include "groupchecker.h"
#include "logmetrics.h"
#include "nodelabels.h"

#include <algorithm>
#include <memory>
#include <optional>

namespace sbtest {

struct KafkaRun {
    std::unique_ptr<sb::Simulation> sim;
    std::unique_ptr<sb::GroupChecker> groups;
    std::unique_ptr<sb::LogMetrics> logs;
    RecordingSink trace;

    // The group's report (its `group` is empty when the run had no such group).
    sb::GroupReport group(const std::string &name) const
    {
        for (const auto &r : groups->reports(sim->groupNames()))
            if (r.group == name) return r;
        return {};
    }
    std::uint32_t groupIndex(const std::string &name) const
    {
        const auto &names = sim->groupNames();
        return static_cast<std::uint32_t>(std::find(names.begin(), names.end(), name) - names.begin());
    }
    sb::NodeIndex index(const std::string &id) const
    {
        return static_cast<sb::NodeIndex>(*sim->topology().nodeIndex(id));
    }
    std::size_t count(sb::TraceKind k, const std::string &node) const
    {
        return trace.countAt(k, index(node));
    }
    std::size_t count(sb::TraceKind k) const
    {
        return static_cast<std::size_t>(std::count_if(trace.events.begin(), trace.events.end(),
                                                      [k](const sb::TraceEvent &e) { return e.kind == k; }));
    }
};

// Runs `t` until `until` (the file's run.until when not given, else to the end).
inline std::unique_ptr<KafkaRun> runKafka(const sb::Topology &t, std::optional<sb::SimTime> until = {})
{
    for (const auto &d : sb::validateTopology(t))
        if (d.severity == sb::Diagnostic::Severity::Error) qWarning("%s", d.toString().c_str());
    auto r = std::make_unique<KafkaRun>();
    std::string error;
    r->sim = sb::Simulation::build(t, error);
    if (!r->sim) {
        qWarning("%s", error.c_str());
        return nullptr;
    }
    r->groups = std::make_unique<sb::GroupChecker>(
        sb::nodeLabels(t), sb::DeliveryChecker::nodesWithRole(t, sb::DeliveryRole::Log));
    r->logs = std::make_unique<sb::LogMetrics>(t);
    r->sim->addSink(r->groups.get());
    r->sim->addSink(r->logs.get());
    r->sim->addSink(&r->trace);
    sb::RunOptions o;
    o.until = until ? *until : t.run.until ? *t.run.until : sb::kNever;
    r->sim->run(o);
    return r;
}

} // namespace sbtest
