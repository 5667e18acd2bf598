#pragma once
// The producer side of a consume-transform-produce loop (a Kafka Streams task's producer): the
// kafka-consumer kind owns one when its "output" port is linked to a second topic. It writes each
// processed record's output to that topic, keyed as the input (toPositive(murmur2(key)) %
// partitions; keyless round-robin), and settles the consumer's offsets with it:
//   - at_least_once: an idempotent producer; the consumer commits its offsets only after every
//     output is acknowledged, so a crash before the commit writes the outputs again;
//   - exactly_once_v2 (KIP-98, KIP-447): a transactional producer. One transaction per poll:
//     AddPartitionsToTxn before a partition's first record, the records (transactional, acks=all),
//     then AddOffsetsToTxn and TxnOffsetCommit with the consumer's group generation, then EndTxn;
//     the transaction's end is passed on to the topic holding the offsets (kafkaprotocol.h). Any
//     failure (fenced, a timeout, an error) re-initialises the producer id, which aborts the open
//     transaction, and the consumer rewinds to its committed offsets.
// An output's message id is derived from its input's and the node's: writing the same input's
// output twice writes the same message twice, which the group checker counts as a duplicate.
#include "../../node.h"
#include "kafkaprotocol.h"

#include <map>
#include <string>
#include <vector>

namespace sb::kafka {

class StreamsProducer {
public:
    // Timer tags with this bit are the producer's; the consumer passes them on.
    static constexpr std::uint64_t kTimerBit = std::uint64_t{1} << 62;

    struct Config {
        std::string transactionalId; // empty: at_least_once
        SimTime transactionTimeout = 10'000'000'000;
        SimTime requestTimeout = 30'000'000'000;
        SimTime retryBackoff = 100'000'000;
    };
    // What the consumer's group says to the transaction (KIP-447 fencing by generation).
    struct GroupOffsets {
        std::string groupId;
        std::int32_t generation = -1;
        std::string memberId;
        std::vector<std::pair<std::uint32_t, std::int64_t>> offsets;
    };
    // What a call made of the producer's state, for the consumer to act on.
    enum class Event {
        None,
        Ready,     // a producer id (after start, or after a failure): records may be sent
        Committed, // the transaction ended committed: its offsets are committed
        Aborted,   // the transaction was aborted (asked, or a failure): rewind to committed offsets
        Flushed,   // at_least_once: every output acknowledged: the offsets may be committed
    };

    explicit StreamsProducer(Config config) : m_config(std::move(config)) {}

    bool exactlyOnce() const { return !m_config.transactionalId.empty(); }
    // Gets the topic's partitions and a producer id on `out`; offsets go on `offsetsLink`.
    void start(NodeContext &ctx, LinkIndex out, LinkIndex offsetsLink);
    // A producer id, and no recovery or transaction end in progress: records may be sent.
    bool ready() const { return m_phase == Phase::Ready; }
    // Writes the output of `input` (traced Publish, then Confirm when it is safe: acknowledged,
    // or its transaction committed). Needs ready().
    void send(NodeContext &ctx, const Message &input);
    // Everything sent is acknowledged.
    bool flushed() const;
    // Records were sent in the open transaction.
    bool inTransaction() const { return m_txnOpen; }
    // exactly_once_v2: commits (or aborts) the open transaction with `offsets`; Committed or
    // Aborted follows (at once when there is nothing to end).
    Event endTransaction(NodeContext &ctx, GroupOffsets offsets, bool abort);

    // Responses meant for it: on the output link, and TxnOffsetCommit and EndTxn on the offsets link.
    bool owns(LinkIndex from, const Frame &f) const;
    Event onFrame(NodeContext &ctx, const Frame &f);
    Event onTimer(NodeContext &ctx, std::uint64_t tag);

private:
    enum class Phase { Idle, Metadata, Init, Resolve, Ready, Committing };
    enum class Step { None, Records, AddOffsets, TxnOffsets, EndTxn, Relay };
    struct PartitionState {
        bool added = false, adding = false;
        std::vector<Record> queue; // waiting for the partition to join the transaction / in-flight
        std::vector<Record> inFlight;
        std::uint64_t inFlightTag = 0;
        std::int32_t nextSequence = 0;
    };

    Frame request(FrameType type);
    void sendRequest(NodeContext &ctx, LinkIndex link, Frame f);
    void init(NodeContext &ctx);
    void flushPartition(NodeContext &ctx, std::uint32_t p);
    void addPartitions(NodeContext &ctx);
    // EndTxn to the coordinator (`m_out`) or passed on to the offsets' topic.
    void sendEndTxn(NodeContext &ctx, LinkIndex link, bool commit);
    Event advance(NodeContext &ctx);
    Event fail(NodeContext &ctx);
    Event finish(NodeContext &ctx, bool committed);
    void confirm(NodeContext &ctx, const std::vector<Record> &records);

    Config m_config;
    Phase m_phase = Phase::Idle;
    LinkIndex m_out = kNoIndex, m_offsetsLink = kNoIndex;
    std::uint64_t m_nextTag = 1;
    std::map<std::uint64_t, FrameType> m_outstanding; // request tag -> its API
    std::uint32_t m_partitions = 0;
    std::uint32_t m_roundRobin = 0;
    std::int64_t m_producerId = -1;
    std::int16_t m_epoch = 0;
    std::map<std::uint32_t, PartitionState> m_state;
    std::vector<Record> m_txnRecords; // acknowledged in the open transaction, confirmed at commit
    bool m_txnOpen = false;
    // The transaction being ended.
    Step m_step = Step::None;
    GroupOffsets m_offsets;
    bool m_abort = false;
    std::uint64_t m_sequence = 0; // of the messages it made (Message::sequence)
};

// The id of the output a node makes of `input`: stable across re-processings, unique in the run.
std::uint64_t derivedMessageId(NodeIndex node, std::uint64_t input);

} // namespace sb::kafka
