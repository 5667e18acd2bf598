#pragma once
// The actor node (actor.cpp), for the kind's description (actorkind.cpp).
#include "../../node.h"

#include <memory>

namespace sb {

std::unique_ptr<Node> makeActor(const NodeSetup &setup);

} // namespace sb
