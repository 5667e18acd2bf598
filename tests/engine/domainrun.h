#pragma once
// A bundled example run to its end (or its file's stop time) with every domain checker the CLI and the window
// attach (makeDomainCheckers: calls, consumer groups, event sourcing, sagas, outbox...), and what tests read
// back from it: trace events by kind and node, a check's count, a handler's answers.
#include "enginetest.h"

#include "domaincheckers.h"
#include "groupchecker.h"
#include "nodelabels.h"

#include <map>

namespace sbtest {

struct ExampleRun {
    std::unique_ptr<Run> run;
    sb::DomainCheckers checkers;
    std::unique_ptr<sb::GroupChecker> groups; // Kafka consumer groups (records-lost, key-order...)

    std::vector<sb::TraceEvent> events(sb::TraceKind k, const std::string &node = {}) const
    {
        std::vector<sb::TraceEvent> out;
        for (const auto &e : run->trace.events)
            if (e.kind == k && (node.empty() || e.node == run->index(node))) out.push_back(e);
        return out;
    }
    // A check's count, summed over the checkers that have it; all ones when none has it.
    std::uint64_t check(const std::string &name) const
    {
        std::uint64_t n = 0;
        bool found = false;
        auto add = [&](const std::vector<sb::CheckResult> &results) {
            for (const auto &r : results)
                if (r.check == name) {
                    n += r.count;
                    found = true;
                }
        };
        for (const auto &c : checkers)
            add(c->checks());
        if (groups) add(groups->checks(run->sim->groupNames()));
        return found ? n : ~std::uint64_t{0};
    }
    // Command responses a handler sent, by status.
    std::map<std::uint16_t, int> answers(const std::string &handler) const
    {
        std::map<std::uint16_t, int> out;
        for (const auto &e : events(sb::TraceKind::Send, handler))
            if (e.frame == sb::FrameType::Command && (e.flags & sb::TraceFlag::Response)) ++out[e.status];
        return out;
    }
};

inline ExampleRun runDomainExample(const char *name)
{
    ExampleRun r;
    const auto loaded = sb::loadTopologyFile(std::string(SIGNALBOX_EXAMPLES_DIR) + "/" + name);
    if (!loaded.ok()) {
        qWarning("%s", loaded.errorText().c_str());
        return r;
    }
    r.run = prepare(*loaded.topology);
    if (!r.run) return r;
    r.checkers = sb::makeDomainCheckers(*loaded.topology, sb::nodeLabels(*loaded.topology));
    for (const auto &c : r.checkers)
        r.run->sim->addSink(c.get());
    r.groups = std::make_unique<sb::GroupChecker>(
        sb::nodeLabels(*loaded.topology),
        sb::DeliveryChecker::nodesWithRole(*loaded.topology, sb::DeliveryRole::Log));
    r.run->sim->addSink(r.groups.get());
    // To its end, or to the file's stop time (a Kafka group polls forever).
    sb::RunOptions o;
    o.until = loaded.topology->run.until.value_or(sb::kNever);
    r.run->reason = r.run->sim->run(o);
    return r;
}

} // namespace sbtest
