#pragma once
// The delivery checker: follows every message copy through the trace and, at the end of a run,
// accounts for each one: processed (once, or more: duplicates), lost (network, crash, a failure
// under auto-ack), dropped by a policy (overflow, TTL, delivery limit, unroutable...),
// dead-lettered, or still pending (queued, unacked, in flight). A copy is a message in one queue,
// so a fanout to three queues makes three copies, and three processings are not duplicates.
// A dead-lettered copy is followed into its dead-letter queue and reported as parked there or
// processed from there, not as a new copy.
#include "trace.h"

#include <unordered_map>
#include <vector>

namespace sb {

struct DeliveryReport {
    std::uint64_t published = 0;    // distinct messages published
    std::uint64_t copies = 0;       // distinct (message, queue) copies that reached a queue
    std::uint64_t processed = 0;    // copies processed at least once
    std::uint64_t duplicates = 0;   // extra processings of a copy already processed
    std::uint64_t lost = 0;         // copies (or messages before any queue) lost without trace of processing
    std::uint64_t deadLettered = 0; // copies given up on by their queue and dead-lettered
    std::uint64_t parked = 0;       // of those, waiting in a dead-letter queue at the end
    std::uint64_t processedFromDeadLetter = 0;    // of those, processed by a dead-letter consumer
    std::uint64_t pending = 0;                    // copies or messages still queued, unacked or in flight
    std::uint64_t dropped[kDropReasonCount] = {}; // policy drops by reason
    std::uint64_t droppedTotal() const;
    // A few example message ids per outcome (smallest first), to look up in the event log.
    std::vector<std::uint64_t> lostIds, duplicateIds, pendingIds;
};

class DeliveryChecker final : public TraceSink {
public:
    // isQueue[n] says whether node n is a queue (copies are counted per queue).
    explicit DeliveryChecker(std::vector<bool> isQueue) : m_isQueue(std::move(isQueue)) {}
    void onEvent(const TraceEvent &e) override;
    DeliveryReport report(std::size_t examples = 5) const;

private:
    enum class State : std::uint8_t { Pending, Dropped, DeadLettered };
    struct Copy {
        std::uint32_t processed = 0;
        State state = State::Pending;
        DropReason reason = DropReason::None;
    };
    struct Key {
        std::uint64_t id;
        NodeIndex queue; // kNoIndex: the message before it reached any queue
        bool operator==(const Key &) const = default;
    };
    struct KeyHash {
        std::size_t operator()(const Key &k) const
        {
            return std::hash<std::uint64_t>()(k.id * 0x9e3779b97f4a7c15ULL ^ k.queue);
        }
    };
    bool isQueue(NodeIndex n) const { return n < m_isQueue.size() && m_isQueue[n]; }
    Copy &at(std::uint64_t id, NodeIndex queue) { return m_copies[Key{id, queue}]; }

    std::vector<bool> m_isQueue;
    std::unordered_map<Key, Copy, KeyHash> m_copies;
    std::uint64_t m_published = 0;
};

} // namespace sb
