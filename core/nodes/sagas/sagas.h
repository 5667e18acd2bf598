#pragma once
// Sagas (Garcia-Molina & Salem; Richardson's microservices patterns): a business transaction made
// of local transactions in several services, each with a compensating transaction.
// - saga-participant: a service with its own database (an integer per data item) whose local
//   transactions commands (orchestration) or events (choreography, through AMQP) trigger.
// - saga-orchestrator: runs saga instances from a definition (ordered steps, a pivot), keeps a
//   durable saga log and resumes from it after a crash, compensates completed steps in reverse.
// Commands follow core/nodes/cqrs/commandprotocol.h; the trace kinds are SagaBegin .. SagaResume.
#include "../../node.h"
#include "../../schema.h"

#include <string>
#include <utility>
#include <vector>

namespace sb {

struct Topology;

NodeKindSpec sagaParticipantKind();
NodeKindSpec sagaOrchestratorKind();
// "Order service", "Payment service", ...: grouped under "Sagas" in the palette.
std::vector<NodeTemplate> sagaTemplates();

// Checks that need the whole topology: every step of an orchestrator names a node it is linked to
// from its "participants" port. Each problem is (JSON path, message).
std::vector<std::pair<std::string, std::string>> sagaTopologyProblems(const Topology &t);

namespace SagaParticipantPort {
inline constexpr PortIndex Commands = 0, Events = 1, Publish = 2;
}
namespace SagaOrchestratorPort {
inline constexpr PortIndex Participants = 0;
}

namespace saga {
// The command an orchestrator sends each service of a completed saga so that a semantic lock
// (the PENDING mark of its forward step) is released: the "approve" of Richardson's order saga.
inline constexpr const char *kRelease = "Release";
// The query an orchestrator sends on each of its participant links to learn which service is at
// the other end (the participant answers with its id in the field "service").
inline constexpr const char *kIdentify = "Identify";
} // namespace saga

} // namespace sb
