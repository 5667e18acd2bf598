#pragma once
// The transaction coordinator a kafka-topic node runs (Kafka's TransactionCoordinator, KIP-98):
// producer ids and epochs (InitProducerId, for idempotent and transactional producers alike), and
// each transactional id's transaction: Empty -> Ongoing (AddPartitionsToTxn, AddOffsetsToTxn)
// -> CompleteCommit or CompleteAbort (EndTxn, or transaction.timeout.ms). An InitProducerId for a
// transactional id bumps its epoch, which fences the older producer (PRODUCER_FENCED), and aborts
// the transaction it left open; a timed-out transaction is aborted and its epoch bumped as well.
// Its state is Kafka's __transaction_state: it survives the topic node's crash.
//
// It answers the requests itself; what a transaction's end means for the logs (the commit or
// abort markers, the last stable offset, the group offsets) is the topic's: it hands the topic
// an Ended for each transaction it ends.
#include "../../node.h"
#include "kafkaprotocol.h"

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace sb::kafka {

class TransactionCoordinator {
public:
    // Timer tags from here up to the group coordinator's base are the transaction coordinator's.
    static constexpr std::uint64_t kTimerTagBase = std::uint64_t{1} << 61;

    struct Ended {
        std::int64_t producerId = -1;
        std::int16_t producerEpoch = 0; // the epoch the transaction ran under
        std::uint64_t number = 0;       // unique in the run (TraceEvent::correlationId)
        bool commit = false;
        int cause = 0;                         // TxnAbort aux: 0 asked, 1 timed out, 2 fenced
        std::vector<std::uint32_t> partitions; // the partitions that get a marker
        NodeIndex producer = kNoIndex;
    };

    explicit TransactionCoordinator(std::uint32_t partitions) : m_partitions(partitions) {}

    // InitProducerId, AddPartitionsToTxn, AddOffsetsToTxn, EndTxn (requests).
    static bool handles(const Frame &frame);
    // Answers the request; returns the transaction it ended, if any.
    std::optional<Ended> onFrame(NodeContext &ctx, LinkIndex from, const Frame &frame);
    std::optional<Ended> onTimer(NodeContext &ctx, std::uint64_t tag);
    // The topic restarted: the timeouts of open transactions run again (timers died with it).
    void onRestart(NodeContext &ctx);
    // The topic's disk is gone, and with it the transaction log.
    void onDiskLost();

    // The number of the open transaction of `producerId` at `epoch` that added partition p; 0 when
    // there is none (a transactional produce outside a transaction is INVALID_TXN_STATE).
    std::uint64_t openTransaction(std::int64_t producerId, std::int16_t epoch, std::uint32_t p) const;
    // The latest epoch InitProducerId gave `producerId` (or a timeout's bump); -1 if unknown.
    std::int32_t latestEpoch(std::int64_t producerId) const;
    // Whether this coordinator gave `transactionalId` its producer id (an EndTxn for another one
    // is the producer passing on its transaction's end to the topic holding its group's offsets).
    bool coordinates(const std::string &transactionalId) const;

private:
    enum class State { Empty, Ongoing, CompleteCommit, CompleteAbort };
    struct Txn {
        std::int64_t producerId = -1;
        std::int16_t epoch = 0;
        State state = State::Empty;
        SimTime timeout = 60'000'000'000;
        std::uint64_t number = 0; // of the open or last transaction
        std::set<std::uint32_t> partitions;
        std::set<std::string> groups;
        TimerId timer = kNoTimer;
        SimTime startedAt = 0;
        NodeIndex producer = kNoIndex;
    };

    // The transaction of a request's (transactionalId, producerId, epoch), or an error code.
    std::uint16_t validate(const std::string &id, std::int64_t producerId, std::int16_t epoch, Txn *&out);
    void begin(NodeContext &ctx, Txn &t, NodeIndex producer);
    Ended end(NodeContext &ctx, Txn &t, bool commit, int cause);
    std::uint64_t timerTag(const Txn &t) const;
    std::int64_t newProducerId(NodeContext &ctx);

    std::uint32_t m_partitions = 1;
    std::int64_t m_nextProducerId = 0;
    std::uint64_t m_nextNumber = 0;
    std::map<std::string, Txn> m_txns;                  // by transactional id
    std::map<std::int64_t, std::int16_t> m_epochs;      // every producer id given out, its latest epoch
    std::map<std::int64_t, std::string> m_idOfProducer; // transactional producer ids
};

} // namespace sb::kafka
