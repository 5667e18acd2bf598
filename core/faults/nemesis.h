#pragma once
// Jepsen-style nemeses expanded into concrete link faults. A nemesis draws its sides from the run's
// seed, the fault's place in the plan and the repetition, so the same plan and seed always cut the
// same links, and the GUI can show a repetition's sides before the run without running it.
#include "faultplan.h"

#include <cstdint>
#include <string>
#include <vector>

namespace sb {

struct NemesisCut {
    // The group's nodes (indices into the topology's nodes) by side; a bridge node is on both.
    // For a ring, one side per node of the group (in the group's order): the nodes it still sees.
    std::vector<std::vector<std::size_t>> sides;
    std::vector<std::size_t> cutLinks; // links (indices) that go down both ways, ascending
    std::string description;           // "{a, b} | {c, d, e}"
};

// `group`: node indices of the fault's group (all nodes when the fault names none), in topology
// order; `links`: each link's (from, to) node indices; `nodeIds` names nodes in the description.
NemesisCut expandNemesis(const FaultDef &fault, const std::vector<std::size_t> &group,
                         const std::vector<std::pair<std::size_t, std::size_t>> &links,
                         const std::vector<std::string> &nodeIds, std::uint64_t seed, std::size_t faultIndex,
                         std::uint64_t repetition);

// Whether a fault kind is a nemesis (acts on a group by cutting links).
bool isNemesisKind(std::string_view kind);

} // namespace sb
