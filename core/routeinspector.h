#pragma once
// The routing inspector: follows a message from a node through a topology without running it,
// asking each node's kind where it would go (NodeKindSpec::explainRoute, route.h). The answer
// names every path taken (bindings and subscriptions matched, filters passed, the partition it
// lands in) and, for each path not taken, why not. `signalbox-cli route` prints it; the window's
// routing inspector draws it on the canvas.
#include "route.h"
#include "topology.h"

#include <string>
#include <string_view>
#include <vector>

namespace sb {

struct RouteBranch {
    std::string link;       // the link's id
    std::string peer;       // the node at its other end
    std::string bindingKey; // or, for a headers binding, its arguments ("x-match=any, format=zip")
    bool hasBinding = false;
    bool taken = false;
    std::string why;
    int partition = -1;
    int next = -1; // the hop at `peer` when taken (index into RouteReport::hops), else -1
};

struct RouteHop {
    std::string node;
    std::string kind;
    std::string note; // what the node does with it
    std::string via;  // the link it arrived on; empty at the start
    int parent = -1;
    int depth = 0;
    bool ends = false;        // its path ends here (a consumer, a subscriber)
    bool unexplained = false; // the kind answers no routing question: the inspector stops here
    bool again = false;       // reached before on this path (an exchange cycle): not followed again
    RouteMessage message;     // as it arrived
    std::vector<RouteBranch> branches;
};

struct RouteReport {
    std::string error;          // a start node that does not exist, say; empty when the report holds
    std::vector<RouteHop> hops; // depth first from the start node (hops[0])
    // The nodes where a copy of the message ends, in the order reached.
    std::vector<std::string> destinations() const;
    bool linkTaken(std::string_view link) const;
};

// `from` must be a node of `topology` (which must have passed validation).
RouteReport inspectRoute(const Topology &topology, std::string_view from, const RouteMessage &message,
                         const KindRegistry &registry = KindRegistry::builtin());

// As `signalbox-cli route` prints it: one line a node, its branches indented beneath.
std::string routeReportText(const RouteReport &report);
Json routeReportJson(const RouteReport &report);

} // namespace sb
