#pragma once
// The actor figures of a run (core/nodes/actors/, docs/actors.md): per actor its messages
// processed and their processing time, its deepest mailbox, failures, restarts, dead letters and
// mailbox overflows; per supervisor the restarts and stops it ordered and its escalations; per
// client its asks and ask timeouts. Read off the trace like any sink; a DomainChecker so that the
// CLI and the window make it with the others (it makes no checks of its own), and the run summary
// shows its report as the "Actors" section.
#include "domaincheckers.h"
#include "schema.h"
#include "topology.h"

#include <string>
#include <vector>

namespace sb {

struct ActorFigures {
    NodeIndex node = kNoIndex;
    std::string kind; // actor, supervisor, actor-client
    std::uint64_t processed = 0;
    SimTime processingTotal = 0, processingMax = 0;
    std::uint64_t maxMailbox = 0;
    std::uint64_t failures = 0; // ActorFail
    std::uint64_t restarts =
        0; // restarts its supervisor ordered for it (Supervise restart, with or without backoff)
    std::uint64_t deadLetters =
        0; // messages that reached it stopped (or were in its mailbox when it stopped)
    std::uint64_t mailboxFull = 0; // dropped by a bounded mailbox's overflow
    std::uint64_t unhandled = 0;   // a state machine's unhandled messages
    std::uint64_t asks = 0, askTimeouts = 0, lateAnswers = 0;
    std::uint64_t blocked = 0; // times back-pressure held its messages
    SimTime blockedTime = 0;
    // Supervisors
    std::uint64_t restartsOrdered = 0, stopsOrdered = 0, escalations = 0;
    bool terminated = false; // a top supervisor that gave up: the application terminated
};

struct ActorReport {
    std::vector<ActorFigures> nodes; // actors, supervisors and actor clients, in topology order
    std::uint64_t processed = 0, failures = 0, restarts = 0, escalations = 0, deadLetters = 0,
                  mailboxFull = 0, asks = 0, askTimeouts = 0, downs = 0;
    bool applicationTerminated = false;
    bool any() const { return !nodes.empty(); }
};

class ActorMetrics final : public DomainChecker {
public:
    explicit ActorMetrics(const Topology &t);
    // The kinds it follows.
    static bool isActorKind(std::string_view kind);
    void onEvent(const TraceEvent &e) override;
    bool any() const override { return !m_figures.empty(); }
    std::vector<CheckResult> checks() const override { return {}; }
    ActorReport report() const;

private:
    ActorFigures *figures(NodeIndex n);
    std::vector<ActorFigures> m_figures;
    std::vector<std::uint32_t> m_slot; // node index -> index in m_figures (or kNoIndex)
    std::uint64_t m_downs = 0;
};

// The "Actors" section of the run summary (text: "" without actors), nodes by `labels`.
std::string formatActors(const ActorReport &r, const std::vector<std::string> &labels);
// The same as JSON, nodes by `ids`.
Json actorsJson(const ActorReport &r, const std::vector<std::string> &ids);

} // namespace sb
