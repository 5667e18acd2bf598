#pragma once
// Helpers for engine tests: build topologies in a few lines and run them with the standard sinks.
#include "checker.h"
#include "metrics.h"
#include "simulation.h"
#include "topology.h"

#include <QtTest>

#include <memory>
#include <vector>

namespace sbtest {

using sb::Json;

class TopologyBuilder {
public:
    TopologyBuilder &node(const std::string &id, const std::string &kind, Json props = Json::object())
    {
        if (props.is_null()) props = Json::object(); // a braced {} argument arrives as null
        m_t.nodes.push_back({id, kind, id, std::move(props), {}});
        return *this;
    }
    // Ports default to the kinds' first output and input ports.
    TopologyBuilder &link(const std::string &from, const std::string &to, Json props = Json::object(),
                          const std::string &fromPort = {}, const std::string &toPort = {})
    {
        auto port = [&](const std::string &id, sb::PortDirection dir) {
            auto i = m_t.nodeIndex(id);
            const auto *spec = sb::KindRegistry::builtin().find(m_t.nodes[*i].kind);
            for (const auto &p : spec->ports)
                if (p.direction == dir) return p.name;
            return std::string();
        };
        sb::LinkDef l;
        l.id = from + "-" + to + (fromPort.empty() ? "" : ":" + fromPort);
        l.from = from;
        l.to = to;
        l.fromPort = fromPort.empty() ? port(from, sb::PortDirection::Out) : fromPort;
        l.toPort = toPort.empty() ? port(to, sb::PortDirection::In) : toPort;
        l.properties = props.is_null() ? Json::object() : std::move(props);
        m_t.links.push_back(std::move(l));
        return *this;
    }
    TopologyBuilder &bind(const std::string &exchange, const std::string &destination, const std::string &key)
    {
        m_t.bindings.push_back({exchange, destination, key});
        return *this;
    }
    TopologyBuilder &seed(std::uint64_t s)
    {
        m_t.run.seed = s;
        return *this;
    }
    const sb::Topology &topology() const { return m_t; }

private:
    sb::Topology m_t;
};

// A script of `n` messages published at time 0 (or spaced by `gapMs`).
inline Json script(int n, double gapMs = 0, const std::string &routingKey = "")
{
    Json s = Json::array();
    for (int i = 0; i < n; ++i)
        s.push_back({{"at", gapMs * i}, {"routingKey", routingKey}});
    return s;
}

// Records every event for inspection.
class RecordingSink final : public sb::TraceSink {
public:
    void onEvent(const sb::TraceEvent &e) override { events.push_back(e); }
    std::vector<sb::TraceEvent> events;
    std::size_t count(sb::TraceKind k) const
    {
        std::size_t n = 0;
        for (const auto &e : events)
            n += e.kind == k;
        return n;
    }
    std::size_t count(sb::TraceKind k, sb::DropReason r) const
    {
        std::size_t n = 0;
        for (const auto &e : events)
            n += e.kind == k && e.reason == r;
        return n;
    }
    std::size_t countAt(sb::TraceKind k, sb::NodeIndex node) const
    {
        std::size_t n = 0;
        for (const auto &e : events)
            n += e.kind == k && e.node == node;
        return n;
    }
};

struct Run {
    std::unique_ptr<sb::Simulation> sim;
    std::unique_ptr<sb::Metrics> metrics;
    std::unique_ptr<sb::DeliveryChecker> checker;
    RecordingSink trace;
    sb::StopReason reason = sb::StopReason::Quiescent;

    sb::NodeIndex index(const std::string &id) const
    {
        return static_cast<sb::NodeIndex>(*sim->topology().nodeIndex(id));
    }
    const sb::NodeCounters &node(const std::string &id) const { return metrics->node(index(id)); }
    sb::DeliveryReport report() const { return checker->report(); }
};

inline std::unique_ptr<Run> prepare(const sb::Topology &t)
{
    auto r = std::make_unique<Run>();
    std::string error;
    r->sim = sb::Simulation::build(t, error);
    if (!r->sim) {
        qWarning("build failed: %s", error.c_str());
        return nullptr;
    }
    r->metrics = std::make_unique<sb::Metrics>(r->sim->nodeCount(), r->sim->linkCount());
    r->checker = std::make_unique<sb::DeliveryChecker>(sb::DeliveryChecker::forTopology(t));
    r->sim->addSink(r->metrics.get());
    r->sim->addSink(r->checker.get());
    r->sim->addSink(&r->trace);
    return r;
}

inline std::unique_ptr<Run> run(const sb::Topology &t, sb::SimTime until = 600 * sb::kSecond)
{
    auto r = prepare(t);
    if (!r) return r;
    sb::RunOptions o;
    o.until = until;
    r->reason = r->sim->run(o);
    return r;
}

// The errors validation finds in `t`, each as "path: message", in order.
inline std::vector<std::string> validationErrors(const sb::Topology &t)
{
    std::vector<std::string> errors;
    for (const auto &d : sb::validateTopology(t))
        if (d.severity == sb::Diagnostic::Severity::Error) errors.push_back(d.path + ": " + d.message);
    return errors;
}

// Runs a bundled example (resources/examples/NAME) to its end; null (with a warning) if it does
// not load.
inline std::unique_ptr<Run> runExample(const char *name)
{
    const auto loaded = sb::loadTopologyFile(std::string(SIGNALBOX_EXAMPLES_DIR) + "/" + name);
    if (!loaded.ok()) {
        qWarning("%s", loaded.errorText().c_str());
        return nullptr;
    }
    return run(*loaded.topology, sb::kNever);
}

} // namespace sbtest
