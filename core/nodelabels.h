#pragma once
// What a person reads for a node wherever it is shown (sequence lifelines, run summary, event
// log): its name, its id when the name is empty, and "name (id)" when two nodes share the name.
// Ids stay what machines read (JSON, file formats, filters); labels are only for reading.
#include <string>
#include <vector>

namespace sb {

struct Topology;

// Labels by node index for nodes with these ids and names (names.size() may be smaller: missing
// names count as empty).
std::vector<std::string> nodeLabels(const std::vector<std::string> &ids,
                                    const std::vector<std::string> &names);
// Labels by node index, in the topology's node order.
std::vector<std::string> nodeLabels(const Topology &t);

} // namespace sb
