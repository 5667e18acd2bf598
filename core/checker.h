#pragma once
// The delivery checker: follows every message copy through the trace and, at the end of a run,
// accounts for each one: processed (once, or more: duplicates), lost (network, crash, a failure
// under auto-ack), dropped by a policy (overflow, TTL, delivery limit, unroutable...),
// dead-lettered, or still pending (queued, unacked, in flight). A copy is a message in one queue,
// so a fanout to three queues makes three copies, and three processings are not duplicates.
// A dead-lettered copy is followed into its dead-letter queue and reported as parked there or
// processed from there, not as a new copy.
//
// It also checks order: a queue hands one consumer the messages of one producer in the order they
// were published, so the consumer should process them in that order. A processing of a message
// published before one the same consumer already processed from the same queue and producer is
// out of order — what a requeue, a redelivery after a lost ack, or a consumer processing several
// messages at once (concurrency > 1) does. Each such processing counts, a repeated one included.
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
    // Processings of a message after a later one of its producer (same queue and consumer).
    std::uint64_t outOfOrder = 0;
    struct OrderViolation {
        std::uint64_t messageId = 0, after = 0; // `messageId` was processed after `after`
        NodeIndex consumer = kNoIndex, queue = kNoIndex;
        SimTime time = 0;
    };
    std::vector<OrderViolation> outOfOrderExamples; // the first few, in the order they happened
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

    // Order: the producer of each message (ids are dense, from 1), and per (consumer, queue,
    // producer) the newest message processed.
    struct Stream {
        NodeIndex consumer, queue, producer;
        bool operator==(const Stream &) const = default;
    };
    struct StreamHash {
        std::size_t operator()(const Stream &s) const
        {
            return (std::size_t(s.consumer) * 0x9e3779b97f4a7c15ULL) ^ (std::size_t(s.queue) << 21) ^
                   s.producer;
        }
    };
    void checkOrder(const TraceEvent &e);

    std::vector<bool> m_isQueue;
    std::unordered_map<Key, Copy, KeyHash> m_copies;
    std::uint64_t m_published = 0;
    std::vector<NodeIndex> m_producerOf; // by message id
    std::unordered_map<Stream, std::uint64_t, StreamHash> m_newest;
    std::uint64_t m_outOfOrder = 0;
    std::vector<DeliveryReport::OrderViolation> m_outOfOrderExamples;
    static constexpr std::size_t kKeptOrderExamples = 64;
};

} // namespace sb
