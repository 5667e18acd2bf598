#pragma once
// Fault plans from the command line: a plan file given with --faults / --add-faults, and quick
// nemeses written as "partition-halves:every=5s,for=2s". Both end up as FaultDefs in the
// topology's plan, checked by the same validation as a plan written in the topology file.
#include "../topology.h"

#include <string>
#include <vector>

namespace sb {

// Reads a plan file: {"faults": [...]} (the topology file's section on its own) or a bare array.
// Problems come back as diagnostics naming the file and the JSON path.
bool loadFaultPlanFile(const std::string &path, std::vector<FaultDef> &out, std::vector<Diagnostic> &diags);

// "KIND[:key=value,...]" with keys start (or at), duration (or for), every, nodes (ids joined by
// '+'), and the kind's own parameters. A repeating nemesis starts first after one period unless
// start is given. On failure says why in `error`.
bool parseNemesisSpec(const std::string &spec, const KindRegistry &registry, FaultDef &out,
                      std::string &error);

// Puts `plan` into `topology`: replacing its plan, or added after it. The whole is validated;
// the plan's problems name `planSource` and the plan's own indices. False when there are errors.
bool mergeFaultPlan(Topology &topology, std::vector<FaultDef> plan, bool replace,
                    const std::string &planSource, std::vector<Diagnostic> &diags,
                    const KindRegistry &registry = KindRegistry::builtin());

} // namespace sb
