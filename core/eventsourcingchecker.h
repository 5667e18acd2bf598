#pragma once
// The event-sourcing and CQRS checker: what an event-sourced system promises and where a run broke
// it, from the trace alone.
//   - conflicts: appends an event store refused because the stream had moved past the version the
//     writer loaded (optimistic concurrency: two writers raced on one aggregate). Each is a command
//     that had to be retried or failed.
//   - stale-reads: read-your-writes violations: a client's query answered from a read model that
//     had not yet applied the client's own latest write (QueryAnswer flagged Stale).
//   - unreadable-events: events a reader could not read (a schema version it does not know and
//     cannot upcast): a projection that stopped on one, or parked it.
//   - parked-events: events a persistent subscription gave up on after its retries.
#include "domaincheckers.h"

#include <string>
#include <vector>

namespace sb {

class EventSourcingChecker final : public DomainChecker {
public:
    static constexpr std::size_t kExamples = 5;
    explicit EventSourcingChecker(std::vector<std::string> nodeLabels) : m_labels(std::move(nodeLabels)) {}

    void onEvent(const TraceEvent &e) override;
    bool any() const override { return m_any; }
    std::vector<CheckResult> checks() const override;
    static const std::vector<std::pair<std::string, std::string>> &checkHelp();

    // Queries answered (read-your-writes checked) and events appended, for summaries.
    std::uint64_t answers() const { return m_answers; }
    std::uint64_t appended() const { return m_appended; }

private:
    std::string label(NodeIndex n) const;
    struct Tally {
        std::uint64_t count = 0;
        std::vector<Finding> examples;
        void add(Finding f)
        {
            ++count;
            if (examples.size() < kExamples) examples.push_back(std::move(f));
        }
    };
    std::vector<std::string> m_labels;
    bool m_any = false;
    std::uint64_t m_answers = 0, m_appended = 0;
    Tally m_conflicts, m_stale, m_unreadable, m_parked;
};

} // namespace sb
