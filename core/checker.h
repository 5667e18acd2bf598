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
#include "idset.h"
#include "topology.h"
#include "trace.h"

#include <limits>
#include <queue>
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

// Memory stays bounded however long a run is. The rule: the checker keeps per-message state only
// while the message is open, that is while something may still happen to one of its copies:
//   - its producer may still send it again (a confirmed publish not yet confirmed, retried or given
//     up; a fire-and-forget publish is done at once; a crashed producer forgets its unconfirmed ones),
//   - a queue or a consumer still holds a copy (ready, unacked, delivered under auto-ack and not
//     yet processed, or delivered by a queue that then crashed: its consumer may still process it),
//   - a frame carrying it is still on a link (every Send says when it arrives), or a paused node may
//     still hold such a frame.
// When none of these holds, no event can mention the message again, so its outcome is final: it is
// folded into the counts and the kept examples (the smallest ids per outcome), its id joins the
// compact set of finished ids (IdRanges: message ids rise in publish order), and its state goes.
// One thing can still follow, unseen by the trace until it happens: a link that duplicated a
// delivery hands the consumer a second copy under the same delivery tag, which the queue settles
// once; the consumer processes it later. Such a processing of a finished message is counted as the
// duplicate it is (the set of finished ids says so). What stays tracked is then what is really in flight,
// plus what a queue holds for good (a dead-letter queue nobody consumes), which the simulation holds too.
class DeliveryChecker final : public TraceSink {
public:
    // The smallest ids kept per outcome for report(examples); more cannot be asked for.
    static constexpr std::size_t kKeptExamples = 64;

    // isQueue[n] says whether node n is a queue (copies are counted per queue); isLog[n] whether
    // it belongs to a log (a Kafka topic and its clients), whose events this checker ignores.
    explicit DeliveryChecker(std::vector<bool> isQueue, std::vector<bool> isLog = {})
        : m_isQueue(std::move(isQueue)), m_isLog(std::move(isLog))
    {
    }
    // The flags above for a topology's nodes, from their kinds' delivery roles.
    static std::vector<bool> nodesWithRole(const Topology &t, DeliveryRole role,
                                           const KindRegistry &registry = KindRegistry::builtin());
    static DeliveryChecker forTopology(const Topology &t,
                                       const KindRegistry &registry = KindRegistry::builtin())
    {
        return DeliveryChecker(nodesWithRole(t, DeliveryRole::Queue, registry),
                               nodesWithRole(t, DeliveryRole::Log, registry));
    }
    void onEvent(const TraceEvent &e) override;
    DeliveryReport report(std::size_t examples = 5) const;

    // Messages whose state is still held (open ones); finished ones are only counts.
    std::size_t trackedMessages() const { return m_open.size(); }
    // Ranges in the set of finished message ids (a few, however many messages finished).
    std::size_t finishedRanges() const { return m_finished.rangeCount(); }
    // Off, every message stays tracked to the end, as a reference for the folding (tests compare).
    void setFolding(bool on) { m_folding = on; }

private:
    enum class State : std::uint8_t { Pending, Dropped, DeadLettered };
    // A message in one queue (or, with queue kNoIndex, the message before it reached any queue).
    struct Copy {
        NodeIndex queue = kNoIndex;
        std::uint32_t processed = 0;
        std::uint16_t held = 0;      // instances a queue holds, or its consumer under auto-ack
        std::uint16_t heldNoAck = 0; // of those, delivered under auto-ack and not processed yet
        State state = State::Pending;
        DropReason reason = DropReason::None;
    };
    struct Tracked {
        std::vector<Copy> copies;
        // The latest of its events and of the arrivals of the frames carrying it: an event at this
        // instant may still send it on (a dead letter, say), so it can finish only after it.
        SimTime lastActivity = std::numeric_limits<SimTime>::min();
        NodeIndex producer = kNoIndex;
        bool producerDone = false; // its producer will not send it again
    };
    // What one message adds to a report, and the ids it gives as examples.
    struct Examples {
        std::vector<std::uint64_t> lost, duplicates, pending;
    };
    void account(std::uint64_t id, const Tracked &t, DeliveryReport &r, Examples &ex) const;

    bool isQueue(NodeIndex n) const { return n < m_isQueue.size() && m_isQueue[n]; }
    Copy &copyAt(Tracked &t, NodeIndex queue);
    static Copy *findCopy(Tracked &t, NodeIndex queue);
    static void release(Copy &c, bool noAck);
    void applyToMessage(const TraceEvent &e, Tracked &t);
    void noteCandidate(std::uint64_t id, const Tracked &t);
    void retireFinished(SimTime now);
    void lateEvent(const TraceEvent &e);
    void nodeEvent(const TraceEvent &e);

    // Order: per (consumer, queue, producer) the newest message processed.
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
    void checkOrder(const TraceEvent &e, NodeIndex producer);

    std::vector<bool> m_isQueue;
    std::vector<bool> m_isLog;
    bool m_folding = true;
    std::unordered_map<std::uint64_t, Tracked> m_open;
    std::uint64_t m_published = 0;
    // Finished messages: their counts, their smallest example ids, and their ids.
    DeliveryReport m_folded;
    IdRanges m_finished;
    // The producers of recently finished messages (slot: id modulo the size), so that a late
    // processing — a duplicated delivery a consumer still held — is order-checked like any other.
    static constexpr std::size_t kRecentProducers = std::size_t{1} << 16;
    std::vector<std::pair<std::uint64_t, NodeIndex>> m_recentProducers;
    // Messages that may have finished, by their last activity (earliest first).
    using Candidate = std::pair<SimTime, std::uint64_t>;
    std::priority_queue<Candidate, std::vector<Candidate>, std::greater<>> m_candidates;
    // Paused nodes hold frames past their arrival time: nothing finishes while one is paused, nor
    // at the instant of a resume (the held frames run then).
    std::vector<bool> m_paused;
    std::size_t m_pausedCount = 0;
    SimTime m_holdUntil = std::numeric_limits<SimTime>::min();

    std::unordered_map<Stream, std::uint64_t, StreamHash> m_newest;
    std::uint64_t m_outOfOrder = 0;
    std::vector<DeliveryReport::OrderViolation> m_outOfOrderExamples;
};

} // namespace sb
