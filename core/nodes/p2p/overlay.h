#pragma once
// Overlay generator: the graph of a peer-to-peer overlay (who is a neighbour of whom) from a shape,
// a size and a seed, with positions for drawing it. A pure function of its parameters (randomness
// only from an Rng seeded with `seed`): the same parameters give the same peers, edges and positions
// on every platform. The GUI places the result as one undo step and `signalbox-cli overlay` writes
// it; overlayTopologyJson() turns it into a topology file's "nodes" and "links".
//
// Shapes (sources in docs/p2p.md):
//  - ring: each peer linked to its k nearest neighbours on each side (degree 2k).
//  - grid: a 2-D lattice, `columns` wide (0: ceil(sqrt(n))); 4-neighbourhood, no wrap-around.
//  - random-regular: every peer has exactly `degree` neighbours, uniformly among simple graphs
//    (approximately): the pairing (configuration) model, pairing random half-edges whose peers are
//    distinct and not yet linked (Steger & Wormald 1999), starting over when stuck.
//  - erdos-renyi: G(n, p), each pair linked independently with probability p (Erdős & Rényi 1959;
//    drawn in O(n + m) by geometric skips, Batagelj & Brandes 2005).
//  - watts-strogatz: a ring with k neighbours each side whose edges (i, i+j) are each rewired with
//    probability beta to a uniformly chosen peer, avoiding self loops and duplicates (Watts &
//    Strogatz 1998).
//  - barabasi-albert: growth with preferential attachment: a clique of m+1 peers, then each new
//    peer links to m distinct peers chosen with probability proportional to their degree
//    (Barabási & Albert 1999): min degree m, a power-law tail.
// Layouts: circular (peers evenly on a circle, in id order), force-directed (Fruchterman &
// Reingold 1991, repulsion only within neighbouring cells of a grid of cell size 2k so a step costs
// O(n + m), a fixed number of cooling steps from a circular start: deterministic), or natural (the
// lattice for a grid, the circle for a ring, force-directed otherwise).
#include "../../schema.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sb {

enum class OverlayShape { Ring, Grid, RandomRegular, ErdosRenyi, WattsStrogatz, BarabasiAlbert };
enum class OverlayLayout { Natural, Circular, ForceDirected };

// "ring", "grid", "random-regular", "erdos-renyi", "watts-strogatz", "barabasi-albert".
const char *overlayShapeName(OverlayShape s);
bool overlayShapeFromName(std::string_view name, OverlayShape &out);
std::vector<std::string> overlayShapeNames();
// "natural", "circular", "force-directed".
const char *overlayLayoutName(OverlayLayout l);
bool overlayLayoutFromName(std::string_view name, OverlayLayout &out);

inline constexpr int kMaxOverlayPeers = 100000;

struct OverlayParams {
    OverlayShape shape = OverlayShape::Ring;
    int n = 16;        // peers, 1..kMaxOverlayPeers
    int k = 2;         // ring, watts-strogatz: neighbours on each side
    int columns = 0;   // grid: width (0: ceil(sqrt(n)))
    int degree = 4;    // random-regular: every peer's degree (n * degree must be even)
    double p = 0.05;   // erdos-renyi: link probability
    double beta = 0.1; // watts-strogatz: rewiring probability
    int m = 2;         // barabasi-albert: links each new peer makes
    std::uint64_t seed = 1;
    OverlayLayout layout = OverlayLayout::Natural;
    double spacing = 180; // canvas units between neighbouring peers (grid pitch, circle step): a node box
                          // is 140 wide
};

struct OverlayPoint {
    double x = 0, y = 0;
};

struct Overlay {
    int n = 0;
    // Undirected edges (a < b), sorted; no self loops, no duplicates.
    std::vector<std::pair<std::uint32_t, std::uint32_t>> edges;
    std::vector<OverlayPoint> positions; // one per peer
};

// Reads parameters as the CLI and the window's dialog pass them: a JSON object with "shape" (a
// name above), "n", "k", "columns", "degree", "p", "beta", "m", "seed", "layout" (a name above) and
// "spacing", each optional but "shape" and "n". Unknown keys and wrong types are errors naming the
// key ("degree: must be a whole number, got \"four\""); ranges are checked by generateOverlay().
bool overlayParamsFromJson(const Json &j, OverlayParams &out, std::string &error);

// The overlay, or nullopt with `error` naming the parameter and the reason
// ("degree: n * degree must be even (5 * 3 = 15)").
std::optional<Overlay> generateOverlay(const OverlayParams &params, std::string &error);

// Neighbour lists, each sorted.
std::vector<std::vector<std::uint32_t>> overlayAdjacency(const Overlay &o);
std::vector<int> overlayDegrees(const Overlay &o);
// Number of connected components (0 for an empty overlay).
int overlayComponents(const Overlay &o);

// The overlay as topology JSON: {"nodes": [...], "links": [...]}: nodes of kind `peer` with ids
// `<prefix>1` .. `<prefix>N`, the given properties and "position": {"x", "y"} (offset by
// originX/originY); one link per edge from the lower-numbered peer's "out" to the other's "in",
// id "<from>-<to>". Ready to append to a topology file's arrays.
Json overlayTopologyJson(const Overlay &o, const Json &peerProperties = Json::object(),
                         const std::string &prefix = "peer-", double originX = 0, double originY = 0);

} // namespace sb
