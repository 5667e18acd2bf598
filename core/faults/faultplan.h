#pragma once
// Fault plans: failures written down in time, saved with the topology and replayed exactly by
// seed. A FaultDef is one entry of a topology file's "faults" section; a FaultKindSpec describes a
// kind of fault (its target, its parameters, its help) in the registry, which drives validation,
// the docs, the CLI and the GUI's fault menu and property editor. docs/topology-format.md lists them.
#include "../schema.h"

#include <optional>
#include <string>
#include <vector>

namespace sb {

// One fault of a plan. It starts at `start`, lasts `duration` (none: to the end of the run) and,
// with `every`, starts again every `every` after that (each time for `duration`).
struct FaultDef {
    std::string id;                 // unique among the plan's faults
    std::string kind;               // a FaultKindSpec::kind
    std::string target;             // link or node id (Link and Node targets)
    std::vector<std::string> nodes; // Node: several nodes instead of `target`; Group: the group
    SimTime start = 0;
    std::optional<SimTime> duration; // none: lasts to the end of the run
    std::optional<SimTime> every;    // repeats with this period (needs a duration shorter than it)
    Json params = Json::object();    // only the values set explicitly
    bool operator==(const FaultDef &) const = default;

    // The end of repetition `k` (kNever when it has no duration).
    SimTime endOf(std::uint64_t k) const;
    SimTime startOf(std::uint64_t k) const;
};

// The built-in fault kinds, in menu order.
std::vector<FaultKindSpec> builtinFaultKinds();

// The properties of a node's local clock ("clock" in a node's entry): offset, drift, jumps.
std::vector<PropertySpec> clockPropertySpecs();

// A fault as one line for people: "link-down l1 2s..4s (both)", "crash q1 at 1s for 500ms".
std::string describeFault(const FaultDef &f);

// JSON of one fault in canonical form (fixed key order, defaults omitted).
Json faultToJson(const FaultDef &f);

} // namespace sb
