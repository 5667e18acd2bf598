#pragma once
// The Kafka protocol as Signalbox's Kafka kinds speak it: the contract between clients (the
// kafka-producer, the kafka-consumer) and a kafka-topic node, which stands for the cluster's
// brokers that host the topic, its partitions' leaders, and the group and transaction coordinators.
//
// Frames: one FrameType per Kafka API (message.h: Metadata, Produce, Fetch, ListOffsets, JoinGroup,
// SyncGroup, Heartbeat, LeaveGroup, OffsetCommit, OffsetFetch, InitProducerId, AddPartitionsToTxn,
// AddOffsetsToTxn, TxnOffsetCommit, EndTxn). A request and its response share the type; the
// response has Frame::response set, echoes the request's Frame::tag (Kafka's correlation id) and
// carries its error code in Frame::status (callstatus.h KafkaError; 0 = NONE). The fields below are
// the Kafka protocol's own (kafka.apache.org/protocol), trimmed to what the simulation decides on.
//
// Links: producers and consumers connect to the topic; a consumer's link carries its fetches and
// its group's requests, a producer's its produce and transaction requests. Requests travel
// client -> topic, responses topic -> client. Nothing else passes between Kafka nodes.
#include "../../message.h"

#include <cstdint>
#include <string>
#include <vector>

namespace sb::kafka {

inline constexpr std::int64_t kNoOffset = -1;

// ListOffsets timestamps with a special meaning, as Kafka's ListOffsetsRequest defines them.
inline constexpr std::int64_t kLatestTimestamp = -1;
inline constexpr std::int64_t kEarliestTimestamp = -2;

// One record in a partition's log. The message is the record's key (Message::key), value size
// (Message::size) and headers; `tombstone` a null value (compaction deletes its key).
struct Record {
    MessageRef message;
    std::int64_t offset = kNoOffset; // set by the leader on append
    SimTime timestamp = 0;           // CreateTime: when the producer made it
    bool tombstone = false;
    std::int64_t producerId = -1; // idempotent / transactional producers
    std::int16_t producerEpoch = 0;
    std::int32_t sequence = -1; // the record's sequence number (the batch's base + its index)
    // The last sequence of the batch it was written in: a replica that becomes leader rebuilds
    // each producer's last batches from its own log with it (Kafka keeps batches in the log).
    std::int32_t batchLastSequence = -1;
    bool transactional = false;
    // Control records (transaction markers) are in the log too: consumers skip them, and
    // read_committed consumers drop records of aborted transactions they mark.
    bool control = false;
    bool commit = false;           // a control record: commit (true) or abort (false) marker
    std::uint32_t leaderEpoch = 0; // the leader epoch it was appended under
};

// Metadata: the topic's partitions and their leaders. tag = the request's correlation id.
struct MetadataResponse : FrameBody {
    std::uint32_t partitions = 0;
    std::vector<std::int32_t> leaders; // by partition: the leader broker id, -1 when offline
};

// Produce: one record batch for one partition (Frame::partition). acks 0 gets no response.
struct ProduceRequest : FrameBody {
    std::int16_t acks = -1;           // 0, 1, or -1 (all)
    SimTime timeout = 30'000'000'000; // request.timeout.ms on the broker side for acks=all (ns)
    std::int64_t producerId = -1;     // -1: not idempotent
    std::int16_t producerEpoch = 0;
    std::int32_t baseSequence = -1;
    bool transactional = false;
    std::vector<Record> records; // offsets unset; the leader assigns them
};
struct ProduceResponse : FrameBody {
    std::int64_t baseOffset = kNoOffset; // the batch's first offset, -1 on error
    std::int64_t logStartOffset = 0;
};

// Fetch: a consumer (or a stream processor) reads from its partitions. The topic answers at once
// when it has records (or an error), else after maxWait (fetch.max.wait.ms) with what arrived.
struct FetchRequest : FrameBody {
    struct Partition {
        std::uint32_t partition = 0;
        std::int64_t fetchOffset = 0;
    };
    std::vector<Partition> partitions;
    bool readCommitted = false;     // isolation.level=read_committed: up to the last stable offset
    std::uint32_t maxRecords = 500; // max.poll.records on the client; the topic returns at most this many
    SimTime maxWait = 500'000'000;  // fetch.max.wait.ms (ns)
};
struct FetchResponse : FrameBody {
    struct AbortedTransaction {
        std::int64_t producerId = -1;
        std::int64_t firstOffset = 0;
    };
    struct Partition {
        std::uint32_t partition = 0;
        std::uint16_t error = 0; // KafkaError (OFFSET_OUT_OF_RANGE, NOT_LEADER_OR_FOLLOWER...)
        std::int64_t highWatermark = 0;
        std::int64_t lastStableOffset = 0;
        std::int64_t logStartOffset = 0;
        std::vector<Record> records;             // control records included
        std::vector<AbortedTransaction> aborted; // read_committed: the aborted transactions in range
    };
    std::vector<Partition> partitions;
};

// ListOffsets: the offset for a timestamp (kEarliestTimestamp, kLatestTimestamp, or the first
// record with a timestamp at or after it), per partition.
struct ListOffsetsRequest : FrameBody {
    struct Partition {
        std::uint32_t partition = 0;
        std::int64_t timestamp = kLatestTimestamp;
    };
    std::vector<Partition> partitions;
    bool readCommitted = false;
};
struct ListOffsetsResponse : FrameBody {
    struct Partition {
        std::uint32_t partition = 0;
        std::uint16_t error = 0;
        std::int64_t offset = kNoOffset;
    };
    std::vector<Partition> partitions;
};

// Group membership (the classic protocol, KIP-62 heartbeats, KIP-345 static membership, KIP-429
// cooperative rebalancing). The group's leader (a member) computes the assignment client-side.
struct JoinGroupRequest : FrameBody {
    std::string groupId;
    std::string memberId;                       // empty on the first join
    std::string groupInstanceId;                // static membership; empty = dynamic
    SimTime sessionTimeout = 45'000'000'000;    // session.timeout.ms (ns)
    SimTime rebalanceTimeout = 300'000'000'000; // max.poll.interval.ms (ns)
    std::vector<std::string> protocols; // assignor names by preference ("range", "cooperative-sticky")
    std::vector<std::uint32_t> ownedPartitions; // the subscription's owned partitions (sticky assignors)
    std::uint32_t generationOfOwned = 0;        // the generation they were owned in
};
struct JoinGroupResponse : FrameBody {
    std::int32_t generation = -1;
    std::string protocol; // the assignor the group chose
    std::string leader;   // the leader's member id
    std::string memberId; // this member's id
    struct Member {
        std::string memberId;
        std::string groupInstanceId;
        std::vector<std::uint32_t> ownedPartitions;
        std::uint32_t generationOfOwned = 0;
    };
    std::vector<Member> members;  // only for the leader
    std::uint32_t partitions = 0; // the topic's partition count (the leader assigns them)
};
struct SyncGroupRequest : FrameBody {
    std::string groupId;
    std::int32_t generation = -1;
    std::string memberId;
    std::string groupInstanceId;
    // The leader's assignment, by member; empty from followers.
    std::vector<std::pair<std::string, std::vector<std::uint32_t>>> assignments;
};
struct SyncGroupResponse : FrameBody {
    std::vector<std::uint32_t> assignment;
};
struct HeartbeatRequest : FrameBody {
    std::string groupId;
    std::int32_t generation = -1;
    std::string memberId;
    std::string groupInstanceId;
};
struct LeaveGroupRequest : FrameBody {
    std::string groupId;
    std::string memberId;
    std::string groupInstanceId;
};

// Offsets. OffsetCommit stores "the next offset to read" per partition; OffsetFetch reads them
// back (kNoOffset: none committed). A commit from a member of an older generation fails with
// ILLEGAL_GENERATION, from an unknown member with UNKNOWN_MEMBER_ID.
struct OffsetCommitRequest : FrameBody {
    std::string groupId;
    std::int32_t generation = -1; // -1: a simple (group-less) commit
    std::string memberId;
    std::string groupInstanceId;
    std::vector<std::pair<std::uint32_t, std::int64_t>> offsets; // (partition, next offset)
};
struct OffsetCommitResponse : FrameBody {
    std::vector<std::pair<std::uint32_t, std::uint16_t>> errors; // (partition, error)
};
struct OffsetFetchRequest : FrameBody {
    std::string groupId;
    std::vector<std::uint32_t> partitions;
    bool requireStable = false; // KIP-447: wait for pending transactional offsets
};
struct OffsetFetchResponse : FrameBody {
    std::vector<std::pair<std::uint32_t, std::int64_t>> offsets; // (partition, committed or kNoOffset)
};

// Transactions (KIP-98). A kafka-topic node is the transaction coordinator for the transactional
// ids whose InitProducerId it answered (the topic the producer writes), and the group coordinator
// for the groups that read it. A consume-transform-produce loop reads one topic and writes
// another: in Kafka both sit on one cluster, whose transaction coordinator also writes the commit
// or abort markers into the __consumer_offsets partitions. Here the producer carries that last
// step to the topic holding its group's offsets: after its coordinator answered EndTxn it sends
// the same EndTxn there (the group coordinator commits or discards the transaction's offsets),
// and after an InitProducerId it passes on the outcome of the transaction the coordinator last
// ended (InitProducerIdResponse::last*), so a crash between the two steps resolves on restart.
struct InitProducerIdRequest : FrameBody {
    std::string transactionalId;                 // empty: an idempotent producer only
    SimTime transactionTimeout = 60'000'000'000; // transaction.timeout.ms (ns)
};
struct InitProducerIdResponse : FrameBody {
    std::int64_t producerId = -1;
    std::int16_t producerEpoch = 0;
    // The transaction the coordinator ended last for this transactional id (an ongoing one is
    // aborted by this InitProducerId first): its number (0: none) and outcome.
    std::uint64_t lastTransaction = 0;
    bool lastCommitted = false;
};
struct AddPartitionsToTxnRequest : FrameBody {
    std::string transactionalId;
    std::int64_t producerId = -1;
    std::int16_t producerEpoch = 0;
    std::vector<std::uint32_t> partitions;
};
// AddOffsetsToTxn (to the transaction coordinator) + TxnOffsetCommit (to the group coordinator):
// the consumer offsets of a consume-transform-produce loop, committed only when the transaction
// commits.
struct AddOffsetsToTxnRequest : FrameBody {
    std::string transactionalId;
    std::int64_t producerId = -1;
    std::int16_t producerEpoch = 0;
    std::string groupId;
};
struct TxnOffsetCommitRequest : FrameBody {
    std::string transactionalId;
    std::string groupId;
    std::int64_t producerId = -1;
    std::int16_t producerEpoch = 0;
    std::int32_t generation = -1;
    std::string memberId;
    std::vector<std::pair<std::uint32_t, std::int64_t>> offsets;
    // transaction.timeout.ms: the group coordinator discards offsets whose transaction has not
    // ended this long after their first TxnOffsetCommit (its coordinator has aborted it by then).
    SimTime transactionTimeout = 60'000'000'000;
};
struct EndTxnRequest : FrameBody {
    std::string transactionalId;
    std::int64_t producerId = -1;
    std::int16_t producerEpoch = 0;
    bool commit = true;
};

// Murmur2 as Kafka's Utils.murmur2 computes it over the key bytes (seed 0x9747b28c), and the
// default partitioner's choice for a keyed record: toPositive(murmur2(key)) % partitions.
std::int32_t murmur2(std::string_view bytes);
inline std::uint32_t toPositive(std::int32_t n)
{
    return static_cast<std::uint32_t>(n) & 0x7fffffffu;
}
inline std::uint32_t partitionForKey(std::string_view key, std::uint32_t partitions)
{
    return toPositive(murmur2(key)) % partitions;
}

} // namespace sb::kafka
