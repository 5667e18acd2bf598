#pragma once
// Automatic layout of supervision trees: where to put supervisors, actors and actor clients so that
// each tree reads top-down, as OTP's observer and Akka's hierarchy diagrams draw them. A pure
// function of the topology (standard C++, no Qt): the CLI's `layout --supervision` and the window's
// "Arrange Supervision Tree" both use it.
//
// The trees are the supervision links: a supervisor's `children` port to a child's `parent` port.
// - A root (a supervisor with no parent) goes at the top; each child goes one row below its
//   supervisor, in start order (the order of the links) left to right.
// - Each subtree gets a band as wide as its leaves (one column per leaf), so subtrees never
//   overlap; a supervisor is centred over its first and last child (snapped to the grid).
// - Several trees stand side by side, in the order of their roots in the topology.
// - Actor-family nodes outside every tree (actor clients, unsupervised actors) go in a column left of
//   the trees, from the second row down, in topology order.
// - Nodes of other kinds are left where they are.
// The whole arrangement is anchored at the top-left of where the actor-family nodes were, snapped
// to the grid, so arranging twice gives the same positions.
#include "../../topology.h"

#include <string>
#include <utility>
#include <vector>

namespace sb {

struct SupervisionLayoutOptions {
    // A column is wider than the widest node box (the canvas's 220) and a row taller than a box
    // with a two-line name, so that no two boxes overlap.
    double columnWidth = 240;
    double rowHeight = 120;
    double grid = 10; // the anchor is snapped to it
};

struct SupervisionLayout {
    // The new position (top-left) of each node the layout places, in topology order.
    std::vector<std::pair<std::string, Position>> positions;
    std::size_t trees = 0; // supervision trees found (0: nothing to arrange)
};

// Whether `t` has a supervisor, i.e. a supervision tree to arrange.
bool hasSupervisor(const Topology &t);

SupervisionLayout supervisionLayout(const Topology &t, const SupervisionLayoutOptions &options = {});

// Moves the nodes of `t` to `layout`'s positions.
void applyLayout(Topology &t, const SupervisionLayout &layout);

} // namespace sb
