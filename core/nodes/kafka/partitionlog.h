#pragma once
// One replica of one Kafka partition: its log of records in segments, its offsets, its leader-epoch
// cache, retention and compaction. A plain class (no NodeContext): the topic node decides when to
// call what and traces the results.
//
// Rules as Kafka's log layer (UnifiedLog, LogCleaner) applies them:
// - Offsets are assigned by the leader in order and never change; compaction and retention leave
//   holes and move the log start offset, they never renumber.
// - A segment rolls when the next record would take it past segment.bytes, or when its first
//   record is older than segment.ms. The last segment is the active one.
// - Retention (cleanup.policy delete) removes whole segments, oldest first: by time when a
//   segment's newest record is older than retention.ms, by size while the log is larger than
//   retention.bytes by at least the segment's size. Only segments below the high watermark go; the
//   active one too when it qualifies and the high watermark is at the log end (Kafka rolls a new,
//   empty active segment first).
// - Compaction (cleanup.policy compact) works on closed segments below the high watermark whose
//   records are at least min.compaction.lag.ms old: a record whose key has a newer record goes;
//   a tombstone (null value) gets a delete horizon (delete.retention.ms) the first time the cleaner
//   keeps it (KIP-534) and goes at a cleaning after that horizon. Keyless records stay.
#include "kafkaprotocol.h"

#include <cstdint>
#include <map>
#include <utility>
#include <vector>

namespace sb::kafka {

class PartitionLog {
public:
    struct Config {
        std::uint64_t segmentBytes = 1ULL << 30; // segment.bytes
        SimTime segmentMs = 7 * 24 * 3600 * kSecond;
        SimTime retentionMs = 7 * 24 * 3600 * kSecond; // 0: no time limit
        std::uint64_t retentionBytes = 0;              // 0: no size limit
        bool deletePolicy = true;                      // cleanup.policy contains "delete"
        bool compactPolicy = false;                    // ... contains "compact"
        SimTime deleteRetention = 24 * 3600 * kSecond; // delete.retention.ms
        SimTime minCompactionLag = 0;                  // min.compaction.lag.ms
    };
    struct Segment {
        std::int64_t baseOffset = 0;
        std::vector<Record> records; // ascending offsets, holes after compaction
        std::uint64_t bytes = 0;
        SimTime firstTimestamp = 0; // of its first record appended (segment.ms counts from it)
        SimTime maxTimestamp = 0;   // of its newest record (retention.ms compares this)
    };
    // A record compaction removed and the offset of the newer record with its key (-1: a
    // tombstone past its delete horizon).
    struct Compacted {
        Record record;
        std::int64_t supersededBy = -1;
    };

    PartitionLog() : PartitionLog(Config{}) {}
    explicit PartitionLog(Config config);

    // Bytes a record takes in the log: its key, its value and its headers.
    static std::uint64_t recordBytes(const Record &r);

    // The leader appends: the record gets the next offset (returned).
    std::int64_t append(Record record);
    // A follower copies a record the leader appended, offset and epoch as they are.
    void appendReplica(const Record &record);
    // A follower that copied everything its leader has below `offset` ends there, whether or not
    // the leader's last offsets still hold records (compaction may have removed them).
    void advanceEndTo(std::int64_t offset);

    std::int64_t logStartOffset() const { return m_logStart; }
    std::int64_t logEndOffset() const { return m_logEnd; }
    std::uint64_t bytes() const { return m_bytes; }
    std::size_t recordCount() const;
    const std::vector<Segment> &segments() const { return m_segments; }

    // Records with offsets in [from, to), at most `max`.
    std::vector<Record> read(std::int64_t from, std::int64_t to, std::size_t max) const;
    // The record at `offset`, or null (never written, removed).
    const Record *at(std::int64_t offset) const;
    // The first offset at or after `from` whose record's timestamp is >= `timestamp`, below
    // `to`; kNoOffset when there is none.
    std::int64_t offsetForTimestamp(SimTime timestamp, std::int64_t to) const;

    // Cuts the log back to `offset` (records at and above it go); returns them.
    std::vector<Record> truncateTo(std::int64_t offset);
    // Empties the log (its disk is gone): returns every record it held. Offsets start over.
    std::vector<Record> clear();

    // Applies retention (a delete policy) at `now`, below `limit` (the high watermark): returns
    // the records removed; the log start offset moves past them.
    std::vector<Record> applyRetention(SimTime now, std::int64_t limit);
    // One cleaner pass (a compact policy) at `now`, below `limit`.
    std::vector<Compacted> compact(SimTime now, std::int64_t limit);

    // The leader-epoch cache: (epoch, its first offset), ascending.
    const std::vector<std::pair<std::uint32_t, std::int64_t>> &epochs() const { return m_epochs; }
    std::uint32_t latestEpoch() const { return m_epochs.empty() ? 0 : m_epochs.back().first; }
    bool hasEpochs() const { return !m_epochs.empty(); }
    // Kafka's OffsetsForLeaderEpoch: the largest epoch <= `epoch` this log knows and the offset
    // where it ends (the next epoch's start, or the log end for the latest); for an epoch below
    // every known one, (epoch, the first known epoch's start); (-1, -1) above every known one.
    std::pair<std::int64_t, std::int64_t> endOffsetForEpoch(std::uint32_t epoch) const;

private:
    Segment &segmentFor(const Record &r);
    void noteEpoch(std::uint32_t epoch, std::int64_t offset);
    void removeEmptySegments();

    Config m_config;
    std::vector<Segment> m_segments; // never empty: the last is the active segment
    std::int64_t m_logStart = 0;
    std::int64_t m_logEnd = 0;
    std::uint64_t m_bytes = 0;
    std::vector<std::pair<std::uint32_t, std::int64_t>> m_epochs;
    // Tombstones the cleaner has kept once, with their delete horizon (KIP-534), by offset.
    std::map<std::int64_t, SimTime> m_horizons;
};

} // namespace sb::kafka
