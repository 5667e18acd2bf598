#pragma once
// A bundled example run headlessly for a fixed virtual time, with every trace event kept: the
// input of the sequence-diagram tests and benchmarks.
#include "messagecatalog.h"
#include "simulation.h"
#include "topology.h"

#include <QStringList>

#include <memory>
#include <string>
#include <vector>

namespace sbtest {

struct ExampleTrace {
    std::vector<sb::TraceEvent> events;
    QStringList nodeIds, nodeKinds, linkIds;
    sb::Topology topology;                       // as loaded: node names, positions
    std::shared_ptr<sb::MessageCatalog> catalog; // what each message carried (routing key, ...)
};

inline ExampleTrace runExample(const std::string &file, sb::SimTime until, std::uint64_t seed = 1)
{
    struct Keep final : sb::TraceSink {
        std::vector<sb::TraceEvent> *out;
        void onEvent(const sb::TraceEvent &e) override { out->push_back(e); }
    };
    ExampleTrace trace;
    const sb::LoadResult loaded = sb::loadTopologyFile(std::string(SIGNALBOX_EXAMPLES_DIR) + "/" + file);
    if (!loaded.ok()) qFatal("cannot load %s: %s", file.c_str(), loaded.errorText().c_str());
    std::string error;
    auto sim = sb::Simulation::build(*loaded.topology, error);
    if (!sim) qFatal("cannot build %s: %s", file.c_str(), error.c_str());
    sim->setSeed(seed);
    Keep keep;
    keep.out = &trace.events;
    sim->addSink(&keep);
    trace.catalog = std::make_shared<sb::MessageCatalog>();
    sim->addSink(trace.catalog.get());
    sb::RunOptions options;
    options.until = until;
    sim->run(options);
    for (const auto &n : loaded.topology->nodes) {
        trace.nodeIds << QString::fromStdString(n.id);
        trace.nodeKinds << QString::fromStdString(n.kind);
    }
    for (const auto &l : loaded.topology->links)
        trace.linkIds << QString::fromStdString(l.id);
    trace.topology = *loaded.topology;
    return trace;
}

} // namespace sbtest
