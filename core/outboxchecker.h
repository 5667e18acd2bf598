#pragma once
// The transactional-outbox checker: per business change an outbox service committed (DbCommit),
// its event must reach consumers; per event a service published, its change must have committed;
// and each consumer must act on an event once. It follows the events of the topology's
// outbox-service nodes through the trace and, at the end of a run, reports:
//   outbox-lost: a committed change whose event no consumer processed (never published, given up,
//     or lost on the way), except an event still waiting in an outbox at the end (the relay will
//     publish it). A run cut short while events are still queued counts those too: let it drain.
//   outbox-phantom: an event a service published whose change never committed (a publish-first
//     service that crashed before its commit, a commit that failed, a rollback after giving up).
//   outbox-duplicates: a consumer processing an event it already processed from the same queue
//     (a relay's republish reaching a consumer that does not dedupe). Dedupes are not duplicates.
#include "domaincheckers.h"

#include <cstdint>
#include <map>
#include <string>
#include <tuple>
#include <vector>

namespace sb {

class OutboxChecker final : public DomainChecker {
public:
    static constexpr const char *kLost = "outbox-lost";
    static constexpr const char *kPhantom = "outbox-phantom";
    static constexpr const char *kDuplicates = "outbox-duplicates";
    static constexpr std::size_t kKeptExamples = 64;

    // isService[n]: node n is an outbox service (its events are followed); labels name nodes.
    OutboxChecker(std::vector<bool> isService, std::vector<std::string> nodeLabels);
    static std::unique_ptr<OutboxChecker> forTopology(const Topology &t,
                                                      const std::vector<std::string> &nodeLabels);
    // (name, help) of each check, in report order.
    static const std::vector<std::pair<std::string, std::string>> &help();

    void onEvent(const TraceEvent &e) override;
    void onMessage(const Message &m) override;
    bool any() const override;
    std::vector<CheckResult> checks() const override;

private:
    struct Event {
        NodeIndex service = kNoIndex;
        std::string row; // the message key: the row the change wrote
        bool committed = false, transactional = false, published = false, confirmed = false, gaveUp = false;
        SimTime committedAt = 0, publishedAt = 0;
        std::uint32_t processed = 0, deduped = 0;
        NodeIndex firstConsumer = kNoIndex;
    };
    bool isService(NodeIndex n) const { return n < m_isService.size() && m_isService[n]; }
    std::string label(NodeIndex n) const;
    std::string describe(std::uint64_t id, const Event &ev) const;

    std::vector<bool> m_isService;
    std::vector<std::string> m_labels;
    std::map<std::uint64_t, Event> m_events; // by message id
    // Processings per (message, consumer, queue), for duplicates.
    struct Seen {
        std::uint64_t message;
        NodeIndex consumer, queue;
        bool operator<(const Seen &o) const
        {
            return std::tie(message, consumer, queue) < std::tie(o.message, o.consumer, o.queue);
        }
    };
    std::map<Seen, std::uint32_t> m_processings;
    std::uint64_t m_duplicates = 0;
    std::vector<Finding> m_duplicateExamples;
};

} // namespace sb
