#pragma once
// Trace events: one compact, fixed-size record per step of the engine. Sinks receive them by
// const reference; nothing on this path allocates.
#include "message.h"

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace sb {

enum class TraceKind : std::uint8_t {
    Publish,    // producer hands a new message to the broker (first attempt)
    Send,       // a frame enters a link; aux = scheduled arrival time
    Route,      // exchange forwards to a bound destination (peer)
    Enqueue,    // queue stores a message; aux = ready depth after
    Deliver,    // queue delivers to a consumer (peer); aux = ready depth after
    Redeliver,  // as Deliver, for a message delivered before
    Ack,        // queue receives an ack; reason UnknownTag for stale acks
    Nack,       // queue receives a nack (flags: requeue)
    Requeue,    // message returns to the queue head
    Process,    // consumer finished processing; aux = end-to-end latency (ns); peer = source queue; flags
                // ReadCommitted, and Transactional for an exactly_once_v2 processor's
    Dedupe,     // idempotent consumer saw an id it already processed and acked without processing
    Confirm,    // publisher receives the broker's confirm
    Drop,       // message discarded; reason says why
    Expire,     // message TTL elapsed in a queue
    DeadLetter, // message sent to the dead-letter target; reason says why
    Timeout,    // ack timeout (queue) or confirm timeout (producer)
    Retry,      // publisher resends a message after a timeout or nack
    LinkDown,   // link partitioned
    LinkUp,     // link healed
    Crash,      // node crashed (volatile state lost)
    Restart,    // node restarted
    Pause,      // node paused (frozen like a stopped process: work for it is held, not lost)
    Resume,     // node resumed; held work runs now
    LinkChange, // link latency, loss or duplication changed while running
    FaultStart, // a fault of the plan (or one applied live) began; aux = its index in the run's fault
                // table, correlationId = the repetition; node/link = its target when it has one
    FaultEnd,   // that fault ended (healed); same fields
    ClockJump,  // a node's local clock stepped (NTP step); aux = the step in ns (signed)
    // Calls (request-reply, RPC, HTTP; core/nodes/rpc/callprotocol.h). correlationId is the
    // logical call's id on every one of them; deliveryCount the attempt (1, 2, ...).
    Call,     // a client starts a logical call; messageId = its request, aux = the parent call's id
              // when a server makes it downstream while serving that call (else 0)
    Accept,   // a server takes an attempt into its accept queue; aux = queue depth after
    Execute,  // a server's handler starts executing an attempt; aux = queue depth after. Once per
              // execution: the checker counts executions of a call from these
    Complete, // a client's call ended: status = its final status, aux = its latency (ns, from the
              // call's intended start), deliveryCount = attempts made
    Hedge,    // a client sent a hedged attempt (deliveryCount = its number)
    Cancel,   // work given up: at a client an attempt it stops waiting for; at a server a request
              // whose deadline passed or that its caller cancelled; reason says why
    Breaker,  // a client's circuit breaker changed state; aux = 0 closed, 1 open, 2 half-open
    Block,    // a sender is blocked: it cannot hand over its message (rendezvous, full buffer, window)
    Unblock,  // it can again; aux = how long it was blocked (ns)
    // Logs and groups (Apache Kafka; core/nodes/kafka/kafkaprotocol.h). `partition` and `offset`
    // name the place in a topic's log; `group` a consumer group (Simulation::groupNames()); `epoch`
    // a partition's leader epoch or a group's generation as said per kind.
    Append,        // a partition's leader appended a record: messageId, partition, offset, epoch = leader
                   // epoch; aux = the broker; flags Transactional for a record of a transaction, whose
                   // number (the TxnCommit/TxnAbort correlationId) is correlationId
    Replicate,     // a follower fetched up to `offset` (its log end after); aux = the follower's broker
    HighWatermark, // a partition's high watermark advanced to `offset` (records below are committed)
    IsrShrink,     // a replica left a partition's in-sync set; aux = its broker, deliveryCount = ISR size
    IsrExpand,     // a replica caught up and rejoined the ISR; aux = its broker, deliveryCount = ISR size
    LeaderElect,   // a partition got a new leader: aux = its broker (-1: none, the partition is offline),
                   // epoch = the new leader epoch; flags Unclean when it was not in the ISR
    Truncate,      // a replica cut its log back to `offset` (records above it are gone); aux = broker,
                   // deliveryCount = records removed
    Retention,     // retention deleted a partition's oldest records: offset = the new log start offset,
                   // aux = records deleted
    Compact,       // log compaction removed a record (messageId, offset) superseded by aux = the offset
                   // of a newer record with its key (-1: a tombstone removed after delete.retention.ms)
    Commit,        // a consumer group's offset for a partition was committed: offset = the next offset
                   // to read; node = the coordinator (topic), peer = the member; also an SQS FIFO commit
    Rebalance,     // a group began a rebalance; epoch = the new generation, group; aux = members
    Join,          // a member joined a group: node = the member, group, epoch = generation
    Leave,         // a member left its group: aux = 0 left, 1 session timeout, 2 max.poll.interval.ms
                   // exceeded, 3 fenced (a static member replaced); node = the member, except for a
                   // session timeout, which the coordinator traces: node = the topic, peer = the member
    Assign,        // a member was assigned a partition: node = the member, partition, group, epoch
    Revoke,        // a member gave up a partition: node = the member, partition, group, epoch
    TxnCommit,     // a transaction committed: node = its coordinator (the topic), peer = the producer,
                   // correlationId = its number (unique in the run), epoch = the producer epoch
    TxnAbort,      // ... aborted (by the producer, a fence, a timeout); same fields, aux = 0 the producer
                   // asked, 1 transaction.timeout.ms passed, 2 fenced by a newer epoch
    Marker,        // a transaction's control record was written: partition, offset; flags Aborted for
                   // an abort marker; correlationId = the transaction
    Visibility,    // SQS: a message's visibility timeout was set (ChangeMessageVisibility or a receive);
                   // aux = the timeout (ns)
    // Event sourcing and CQRS (core/nodes/eventsourcing/, core/nodes/cqrs/). An event is a message
    // whose key is its stream ("account-7") and whose routing key is its type ("Deposited");
    // `offset` is a global position in its store, counted from 0 across all streams.
    StreamAppend, // a store appended an event: messageId, offset = its position, aux = its stream
                  // revision (0-based), peer = the writer, correlationId = the command (0: none)
    Conflict,     // a store refused an append (WrongExpectedVersion): peer = the writer, offset = the
                  // expected version sent (-2 any, -1 no stream, -4 stream exists, or a revision),
                  // aux = the stream's actual revision (-1: no stream), correlationId = the command
    Rebuild,      // a command handler loaded an aggregate: messageId = the command, aux = events read
                  // and applied (a snapshot not counted), offset = the revision rebuilt to,
                  // deliveryCount = 1 when it began from a snapshot, epoch = the snapshot's revision
    Snapshot,     // an aggregate's snapshot was written: offset = the revision it holds
    Project,      // a projection or subscriber applied an event: messageId, offset = its position,
                  // aux = events still behind it in the store when applied (the lag), peer = the store
    Upcast,       // a reader mapped an event from schema version deliveryCount to version aux
    Park,         // an event was parked (a persistent subscription's retries ran out, or a consumer
                  // could not read it): messageId, peer = the subscriber; reason says why
    QueryAnswer,  // a client got a query's answer: peer = who answered, correlationId = the query,
                  // offset = the store position the answer reflects, aux = the position of the
                  // client's own latest write (-1: none); flags Stale when the answer missed it
    // Sagas (core/nodes/sagas/): correlationId = the saga instance (unique in the run),
    // deliveryCount = the step (1..N); flags Compensation on a compensating transaction.
    SagaBegin,  // a saga started: node = its orchestrator (or the service that began a choreography)
    StepStart,  // a step's command was sent: peer = the service; aux = the attempt (1, 2, ...)
    StepEnd,    // the step's outcome came back: status 0 done, else the failure; aux = 1 when it
                // timed out rather than failed
    LocalTxn,   // a service committed a local transaction for a step: messageId = the command, whose key
                // names the data item; offset = the item's value before, aux = after; status 0 applied,
                // else refused (a business rule, a semantic lock); epoch = the saga that wrote the value
                // it read (low 32 bits; 0: none)
    SagaEnd,    // a saga ended: aux = 0 completed, 1 compensated, 2 failed (a compensation gave up)
    SagaResume, // an orchestrator restarted and resumed a saga from its log: aux = log entries read
    // The transactional outbox (core/nodes/outbox/).
    DbCommit, // a service's local database transaction committed: messageId = the event it means to
              // publish, flags Transactional when that event was written to the outbox in it
    Relay,    // an outbox relay published an outbox row: messageId, aux = the attempt
    // Publish-subscribe brokers (MQTT, Redis Pub/Sub, NATS; core/nodes/mqtt/, redis/, nats/). The
    // subscriber receiving a message traces Process (messageId, peer = the broker, aux = latency);
    // the pub-sub checker (core/pubsubchecker.h) pairs those with the broker's Match events.
    Match,         // a broker matched a published message to a subscription and hands its subscriber
                   // a copy: node = the broker, peer = the subscriber, messageId; epoch = the QoS the
                   // copy travels at (MQTT: the lower of the publish's and the subscription's; else
                   // 0); group = the queue group or shared-subscription group whose one member was
                   // chosen (else kNoIndex); aux = 1 when matched by a pattern subscription (Redis
                   // PSUBSCRIBE, a wildcard filter), 0 by an exact name; flags Retain for a retained
                   // message sent on subscribe. One Match is one copy the subscriber should get.
    Retain,        // an MQTT broker stored messageId as its topic's retained message; aux = 1 when
                   // the message (empty) cleared the topic's retained message instead
    Will,          // an MQTT broker published a client's Last Will: peer = that client, messageId
    Connect,       // a client's session began at a broker: node = the broker, peer = the client;
                   // aux = 1 when it resumed a stored session (MQTT session present), else 0
    Disconnect,    // a client's connection ended: node = the broker, peer = the client; aux = 0 it
                   // disconnected cleanly, 1 its keep-alive expired, 2 the broker cut it off as a slow
                   // consumer (Redis client-output-buffer-limit, NATS slow consumer), 3 a new
                   // connection with its client id took over, 4 it vanished (its link went down, it
                   // crashed)
    SessionExpire, // a stored session ended at a broker (MQTT session expiry): peer = the client,
                   // aux = the messages it still held, which are dropped (reason SessionExpired)
    Seek,          // a subscription's acknowledgement state was reset to a time (Google Cloud Pub/Sub
                   // seek): aux = the time sought (ns), deliveryCount = messages made unacked again
    ActorFail,     // an actor's behaviour failed on messageId (a failure probability or a poison
                   // message): the actor stops and signals EXIT to its supervisor; aux = its restarts
    Supervise,     // a supervisor decided on a child's failure: peer = the child, aux = 0 restart,
                   // 1 stop, 2 escalate, 3 restart after a backoff (delay in `offset`, ns)
    Escalate,      // a supervisor exceeded its restart intensity and failed itself: peer = its parent
    Learn,         // a peer received an item (a rumour, a piece) for the first time: messageId = the
                   // item, aux = hops it took
    PeerJoin,      // a peer joined the overlay (churn)
    PeerLeave,     // a peer left the overlay (churn); what it held for others is gone with it
    Lookup,        // a structured-overlay lookup ended at its origin: aux = hops, reason set when it
                   // failed (Timeout)
    ScriptError,   // a scripted node's handler raised an error or ran out of its instruction budget:
                   // aux = the script's line (0 unknown); the node is taken out of the run
    ScriptLog,     // a scripted node's ctx:trace(text) or print(...): aux = the index of its text in
                   // Simulation::notes() (-1: the list was full); messageId = a message it named
};
inline constexpr int kTraceKindCount = 87;

enum class DropReason : std::uint8_t {
    None,
    Loss,               // link loss probability
    Partition,          // link was down
    MaxLength,          // queue overflow (drop-head), RabbitMQ x-death reason "maxlen"
    RejectPublish,      // queue overflow (reject-publish)
    Unroutable,         // no binding matched and no alternate target
    Expired,            // message TTL
    DeliveryLimit,      // too many unsuccessful deliveries
    Rejected,           // consumer nack without requeue
    ProcessingFailed,   // consumer failed a message under auto-ack: it is gone
    RetriesExhausted,   // publisher gave up
    Crash,              // held by a node that crashed
    UnknownTag,         // ack/nack for a delivery tag the queue no longer holds
    NoRoute,            // a node had no link to send on
    Corrupt,            // a link fault corrupted the frame; the receiver's checksum rejected it
    Injected,           // a message-aware link fault dropped it (drop-first, drop-every, match)
    UnknownCorrelation, // a reply for no call the client is waiting for (late, or never asked)
    DeadlineExceeded,   // a call's deadline passed before the work was done
    Cancelled,          // the caller cancelled the work (a hedge won, the caller gave up)
    Truncated,          // a log truncation removed the record (an unclean election, a leader lost it)
    Compacted,          // log compaction removed it (a newer record with its key, or a tombstone)
    RetentionExpired,   // retention (retention.ms, retention.bytes, SQS MessageRetentionPeriod) deleted it
    Deduplicated,       // a deduplication window saw its id (SQS FIFO, a Kafka idempotent producer's batch)
    NotEnoughReplicas,  // a produce refused: fewer in-sync replicas than min.insync.replicas
    UnknownSchema,      // a reader got an event type or schema version it cannot read (no upcaster)
    Parked,             // a persistent subscription parked the event after its retries
    NoSubscribers,      // a pub-sub broker had no subscription matching it (fire and forget)
    SlowConsumer,       // a broker cut off a subscriber that could not keep up, with what it held
    SessionExpired,     // held for an offline client whose session then expired
    ClientOffline,      // for a client not connected, and not kept for it (QoS 0, a clean session)
    Filtered,           // a content filter's expression did not hold for it, and it had nowhere else to go
    ActorStopped,       // sent to an actor that is stopped or gone: a dead letter (Akka's deadLetters)
    MailboxFull,        // a bounded mailbox overflowed (drop-new or drop-oldest)
    TtlExpired,         // a flooded message's time to live reached zero before it was forwarded
    ScriptStopped,      // reached a scripted node that a script error took out of the run
};
inline constexpr int kDropReasonCount = 35;

const char *traceKindName(TraceKind k);
const char *dropReasonName(DropReason r);
bool traceKindFromName(std::string_view name, TraceKind &out);
// Network and crash losses, as opposed to drops a policy asked for.
bool isLossReason(DropReason r);

namespace TraceFlag {
inline constexpr std::uint8_t NoAck = 1;          // the delivery was made under auto-ack
inline constexpr std::uint8_t Requeue = 2;        // nack with requeue
inline constexpr std::uint8_t Confirmed = 4;      // publish that asked for a confirm
inline constexpr std::uint8_t Response = 8;       // a Kafka/SQS frame that is a response (Send, Drop)
inline constexpr std::uint8_t Aborted = 16;       // a record of an aborted transaction; an abort marker
inline constexpr std::uint8_t Unclean = 32;       // an unclean leader election
inline constexpr std::uint8_t Transactional = 64; // a record written in a transaction
// A Process by a consumer reading with isolation.level=read_committed (records of aborted
// transactions must never reach it; the group checker counts those that do).
inline constexpr std::uint8_t ReadCommitted = 128;
// The saga kinds (StepStart, StepEnd, LocalTxn) reuse Aborted's bit: a compensating transaction.
inline constexpr std::uint8_t Compensation = 16;
// QueryAnswer reuses it too: the answer did not yet reflect the client's own latest write.
inline constexpr std::uint8_t Stale = 16;
// MQTT frames (Send, Drop) reuse Aborted's and Unclean's bits: a PUBLISH with DUP set (a
// retransmission), with RETAIN set. Match and Process use Retain for a retained message.
inline constexpr std::uint8_t Dup = 16;
inline constexpr std::uint8_t Retain = 32;
} // namespace TraceFlag

struct TraceEvent {
    SimTime time = 0;            // virtual time
    SimTime local = 0;           // the node's local clock at that moment (= time for exact clocks)
    std::int64_t wall = 0;       // wall-clock ns since the run began; 0 unless paced
    std::int64_t aux = 0;        // meaning depends on kind (see TraceKind)
    std::uint64_t messageId = 0; // 0 for events about no message
    std::uint64_t correlationId = 0;
    NodeIndex node = kNoIndex; // where it happened (for Send: the sender)
    NodeIndex peer = kNoIndex; // the other node involved
    LinkIndex link = kNoIndex;
    std::uint32_t deliveryCount = 0;
    TraceKind kind = TraceKind::Publish;
    DropReason reason = DropReason::None;
    FrameType frame = FrameType::Publish; // for Send and link Drops
    std::uint8_t flags = 0;
    std::uint16_t status = kNoStatus;   // a call's status (Complete; Send and Drop of a Reply); a Kafka
                                        // or SQS response's error code (kafkaprotocol.h)
    std::uint32_t partition = kNoIndex; // a Kafka partition (see the kinds above)
    std::uint32_t group = kNoIndex;     // a consumer group: index into Simulation::groupNames()
    std::int64_t offset = -1;           // a log offset (see the kinds above)
    std::uint32_t epoch = 0;            // a leader epoch or a group generation (see the kinds above);
                                        // an MQTT frame's QoS (Send, Drop)
};

class TraceSink {
public:
    virtual ~TraceSink() = default;
    virtual void onEvent(const TraceEvent &e) = 0;
    // A new message's contents (routing key, headers, ...), just before its Publish event. Most
    // sinks need only the events; a message inspector keeps these.
    virtual void onMessage(const Message &m) {}
    // The run ended (or paused): flush what is buffered.
    virtual void flush() {}
};

// Counts events by kind, and Drop events by reason, in total and per node.
class CounterSink final : public TraceSink {
public:
    explicit CounterSink(std::size_t nodeCount = 0);
    void onEvent(const TraceEvent &e) override;
    std::uint64_t total() const { return m_total; }
    std::uint64_t count(TraceKind k) const { return m_byKind[static_cast<int>(k)]; }
    std::uint64_t drops(DropReason r) const { return m_drops[static_cast<int>(r)]; }
    std::uint64_t count(NodeIndex node, TraceKind k) const;

private:
    std::uint64_t m_total = 0;
    std::uint64_t m_byKind[kTraceKindCount] = {};
    std::uint64_t m_drops[kDropReasonCount] = {};
    std::vector<std::uint64_t> m_perNode; // node * kTraceKindCount + kind
};

// FNV-1a over every field but wall time: two runs are identical iff their hashes match.
class HashSink final : public TraceSink {
public:
    void onEvent(const TraceEvent &e) override;
    std::uint64_t hash() const { return m_hash; }
    std::uint64_t count() const { return m_count; }

private:
    std::uint64_t m_hash = 0xcbf29ce484222325ULL;
    std::uint64_t m_count = 0;
};

// A bounded single-producer/single-consumer ring: the engine thread pushes, a GUI thread drains
// in batches at frame rate. When full, new events are counted as overflowed rather than blocking
// the engine.
class RingBufferSink final : public TraceSink {
public:
    explicit RingBufferSink(std::size_t capacity); // rounded up to a power of two
    void onEvent(const TraceEvent &e) override;
    // Copies up to `max` events into `out` (appending); returns how many. Consumer thread only.
    std::size_t drain(std::vector<TraceEvent> &out, std::size_t max = SIZE_MAX);
    std::size_t capacity() const { return m_mask + 1; }
    std::uint64_t overflowed() const { return m_overflowed.load(std::memory_order_relaxed); }

private:
    std::unique_ptr<TraceEvent[]> m_buffer;
    std::size_t m_mask;
    alignas(64) std::atomic<std::uint64_t> m_head{0}; // next write (producer)
    alignas(64) std::atomic<std::uint64_t> m_tail{0}; // next read (consumer)
    alignas(64) std::atomic<std::uint64_t> m_overflowed{0};
};

// Streams every event to a file as JSON Lines or CSV through a fixed buffer.
class TraceFileWriter final : public TraceSink {
public:
    enum class Format { JsonLines, Csv };
    // nodeNames/linkNames map indices to the ids in the topology file.
    TraceFileWriter(std::vector<std::string> nodeNames, std::vector<std::string> linkNames);
    // Names fault events by the fault's id (from the index they carry); without it they have none.
    void setFaultNames(std::function<std::string(std::uint64_t index)> names)
    {
        m_faultNames = std::move(names);
    }
    // Names consumer groups by their index (Simulation::groupNames()).
    void setGroupNames(std::function<std::string(std::uint32_t index)> names)
    {
        m_groupNames = std::move(names);
    }
    ~TraceFileWriter() override;
    bool open(const std::string &path, Format format, std::string &error);
    static Format formatForPath(const std::string &path); // .csv -> Csv, otherwise JSON Lines
    void onEvent(const TraceEvent &e) override;
    void flush() override;
    bool close(std::string &error);
    std::uint64_t written() const { return m_written; }

private:
    void put(std::string_view s);
    void putInt(std::int64_t v);
    void putUInt(std::uint64_t v);
    void putName(const std::vector<std::string> &names, std::uint32_t index, bool quoted);
    void putGroup(std::uint32_t group, bool quoted);
    std::vector<std::string> m_nodeNames, m_linkNames;
    std::function<std::string(std::uint64_t)> m_faultNames;
    std::function<std::string(std::uint32_t)> m_groupNames;
    std::FILE *m_file = nullptr;
    Format m_format = Format::JsonLines;
    char m_buf[1 << 16];
    std::size_t m_len = 0;
    std::uint64_t m_written = 0;
    bool m_failed = false;
};

} // namespace sb
