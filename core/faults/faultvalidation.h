#pragma once
// Reading and checking a topology's fault plan: the "faults" section of a file, and a plan built
// in memory (the GUI's document), with the same messages at the same JSON paths.
#include "../topology.h"

namespace sb {

// Reads the entries of a "faults" array into `out`; what cannot be read is reported in `diags`
// with its JSON path ("$.faults[2].start"). Entries without an id get the first free "fN".
void readFaults(const Json &array, std::vector<FaultDef> &out, std::vector<Diagnostic> &diags);

// Checks a plan against its topology: ids, kinds, targets, times, parameters, and faults of the
// same kind on the same target that overlap in time.
void validateFaults(const Topology &t, const KindRegistry &registry, std::vector<Diagnostic> &diags);

// A duration as the file writes it: a string ("250ms", "2s") or a number of milliseconds.
std::optional<SimTime> durationFromJson(const Json &value);

} // namespace sb
