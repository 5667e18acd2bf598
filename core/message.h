#pragma once
// What travels through a topology. A Message is immutable once published and shared between
// the copies a fanout makes; per-delivery state (delivery tag, count, redelivered) lives in the
// Frame that carries it, as in AMQP.
#include "simtime.h"

#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <vector>

namespace sb {

using NodeIndex = std::uint32_t;
using LinkIndex = std::uint32_t;
using PortIndex = std::uint32_t;
inline constexpr std::uint32_t kNoIndex = std::numeric_limits<std::uint32_t>::max();

struct Header {
    std::string name;
    std::string value;
    bool operator==(const Header &) const = default;
};

// A named field of a message's structured payload (content-based routing reads them): a number
// or a string, as the producer generated it.
struct Field {
    std::string name;
    std::string text; // the value as written ("1250.5", "DE")
    double number = 0;
    bool numeric = false;
    bool operator==(const Field &) const = default;
};

struct Message {
    std::uint64_t id = 0; // stable across publisher retries and broker redeliveries
    std::uint64_t correlationId = 0;
    std::string routingKey;
    std::string key; // the message key (partitioning, key distributions)
    std::vector<Header> headers;
    std::uint32_t size = 0; // payload bytes
    SimTime publishedAt = 0;
    NodeIndex producer = kNoIndex;
    std::uint64_t sequence = 0; // the producer's own counter, from 1
    bool persistent = false;    // AMQP delivery mode 2: a durable queue keeps it across a crash
    std::vector<Field> fields;  // the structured payload's fields, if the producer generates them

    const std::string *header(std::string_view name) const
    {
        for (const auto &h : headers)
            if (h.name == name) return &h.value;
        return nullptr;
    }
    const Field *field(std::string_view name) const
    {
        for (const auto &f : fields)
            if (f.name == name) return &f;
        return nullptr;
    }
};

using MessageRef = std::shared_ptr<const Message>;

// The protocol frames exchanged over links. Publish/Confirm/PublishNack travel on publish links
// (producer -> exchange/queue, exchange -> queue); Subscribe/Deliver/Ack/Nack/Pull on delivery
// links (queue -> consumer); Request/Reply/Cancel and the stream frames on call links (an RPC or
// HTTP client -> a server; core/nodes/rpc/callprotocol.h is their contract).
enum class FrameType : std::uint8_t {
    Publish,      // basic.publish; tag != 0 asks for a confirm carrying the same tag
    Confirm,      // basic.ack from broker to publisher
    PublishNack,  // basic.nack from broker to publisher (e.g. reject-publish overflow)
    Subscribe,    // basic.consume with prefetch (basic.qos) and no-ack flag
    Deliver,      // basic.deliver / basic.get-ok
    Ack,          // basic.ack from consumer
    Nack,         // basic.nack from consumer, with requeue flag
    Pull,         // basic.get / ReceiveMessage for `count` messages
    Request,      // a call attempt (gRPC HEADERS+DATA, an HTTP request); tag = the attempt
    Reply,        // its response with `status` (gRPC trailers, an HTTP response); tag echoed
    Cancel,       // the caller gave up on the attempt `tag` (gRPC RST_STREAM CANCEL)
    StreamData,   // one message of a stream (gRPC DATA); tag = the attempt, count = its index
    HalfClose,    // the sender's side of a stream is done (END_STREAM)
    WindowUpdate, // flow control: `count` more bytes may be sent on stream `tag` (HTTP/2 WINDOW_UPDATE)
    // Apache Kafka's APIs (core/nodes/kafka/kafkaprotocol.h is their contract). One type per API:
    // a request and its response share it, the response has `response` set (as Kafka's api key).
    Metadata,
    Produce,
    Fetch,
    ListOffsets,
    JoinGroup,
    SyncGroup,
    Heartbeat,
    LeaveGroup,
    OffsetCommit,
    OffsetFetch,
    InitProducerId,
    AddPartitionsToTxn,
    AddOffsetsToTxn,
    TxnOffsetCommit,
    EndTxn,
    // Amazon SQS actions (core/nodes/sqs/sqsprotocol.h); responses as for Kafka.
    SendMessage,
    ReceiveMessage,
    DeleteMessage,
    ChangeMessageVisibility,
    // Event stores, as EventStoreDB/KurrentDB's client API names its calls
    // (core/nodes/eventsourcing/esprotocol.h is their contract); responses as for Kafka.
    AppendToStream,    // append events to a stream under an expected version
    ReadStream,        // read a stream forward from a revision, or its state as of a time
    SubscribeToStream, // a catch-up subscription (from a position, then live) or a persistent one
    EventAppeared,     // the store pushes one event to a subscriber; tag = its position
    PersistentAck,     // a persistent subscription's consumer acks events (by position)
    PersistentNack,    // ... or nacks them: retry, park or skip
    // Commands and queries (CQRS, sagas, the outbox; core/nodes/cqrs/commandprotocol.h): a
    // command to a handler or a saga participant, a query to a read model; the response carries
    // the outcome (status) and, for a query, the answer.
    Command,
    Query,
    // MQTT 3.1.1/5 control packets (core/nodes/mqtt/mqttprotocol.h), labelled as the spec names them.
    // A PUBLISH carries its QoS in `qos`, its packet identifier in `tag`, DUP in `redelivered` and
    // RETAIN in `retain`; the acknowledgements echo the packet identifier in `tag`.
    Connect,
    ConnAck,
    MqttPublish, // PUBLISH, either way (client to broker, broker to subscriber)
    PubAck,      // QoS 1
    PubRec,      // QoS 2, step 1
    PubRel,      // QoS 2, step 2
    PubComp,     // QoS 2, step 3
    MqttSubscribe,
    SubAck,
    MqttUnsubscribe,
    UnsubAck,
    PingReq,
    PingResp,
    Disconnect,
    // Redis Pub/Sub (RESP commands and push replies; core/nodes/redis/): PUBLISH's reply (the number
    // of clients that received it) is the response (`response` set, `count`).
    RedisPublish,
    RedisSubscribe,
    RedisPSubscribe,
    RedisUnsubscribe, // UNSUBSCRIBE and PUNSUBSCRIBE (the body says which)
    RedisMessage,     // the "message" push to a channel subscriber
    RedisPMessage,    // the "pmessage" push to a pattern subscriber
    // NATS client protocol (core/nodes/nats/): PUB/HPUB, SUB (with a queue group), UNSUB, MSG/HMSG
    // (a status in `status`, e.g. 503 "no responders"), PING/PONG, -ERR (e.g. Slow Consumer).
    NatsPub,
    NatsSub,
    NatsUnsub,
    NatsMsg,
    NatsPing,
    NatsPong,
    NatsErr,
    // Google Cloud Pub/Sub (core/nodes/gcppubsub/): the Publisher and Subscriber RPCs by their API
    // names (Publish, Pull, Acknowledge, ModifyAckDeadline, with their responses) and a push
    // subscription's HTTP POST to its endpoint with the endpoint's reply (`status` = HTTP code).
    PubsubPublish,
    PubsubPublishResponse,
    PubsubPull,
    PubsubPullResponse,
    PubsubAcknowledge,
    PubsubModifyAckDeadline,
    PubsubPush,
    PubsubPushResponse,
    // Amazon SNS (core/nodes/sns/): Publish and its response, an HTTP/S subscription's Notification
    // POST and the endpoint's reply (`status`). Deliveries to SQS subscriptions are SendMessage.
    SnsPublish,
    SnsPublishResponse,
    SnsNotification,
    SnsNotificationResponse,
    // Actors (core/nodes/actors/): tell, ask and the ask's reply (matched by correlation id);
    // supervision signals: a child's EXIT to its supervisor (Erlang's 'EXIT' signal, Akka's
    // Failed), the supervisor's restart and shutdown of a child, and a monitor's DOWN message.
    ActorTell,
    ActorAsk,
    ActorAskReply,
    ActorExit,
    ActorRestart,
    ActorShutdown,
    ActorDown,
    // Peer to peer (core/nodes/p2p/): flooding, gossip push and pull (a digest, then the missing
    // items), Kademlia's FIND_NODE and its reply, and BitTorrent's piece exchange.
    PeerFlood,
    PeerGossip,
    PeerPull,
    PeerPullReply,
    KadFindNode,
    KadFindNodeReply,
    BtBitfield,
    BtHave,
    BtRequest,
    BtPiece,
};
inline constexpr int kFrameTypeCount = 97;
// Frames of the call protocol (requests, replies, their streams), as opposed to messaging frames.
inline bool isCallFrame(FrameType f)
{
    return f >= FrameType::Request && f <= FrameType::WindowUpdate;
}
inline bool isKafkaFrame(FrameType f)
{
    return f >= FrameType::Metadata && f <= FrameType::EndTxn;
}
inline bool isSqsFrame(FrameType f)
{
    return f >= FrameType::SendMessage && f <= FrameType::ChangeMessageVisibility;
}
inline bool isEventStoreFrame(FrameType f)
{
    return f >= FrameType::AppendToStream && f <= FrameType::PersistentNack;
}
inline bool isCommandFrame(FrameType f)
{
    return f == FrameType::Command || f == FrameType::Query;
}
inline bool isMqttFrame(FrameType f)
{
    return f >= FrameType::Connect && f <= FrameType::Disconnect;
}
inline bool isRedisFrame(FrameType f)
{
    return f >= FrameType::RedisPublish && f <= FrameType::RedisPMessage;
}
inline bool isNatsFrame(FrameType f)
{
    return f >= FrameType::NatsPub && f <= FrameType::NatsErr;
}
inline bool isPubsubFrame(FrameType f)
{
    return f >= FrameType::PubsubPublish && f <= FrameType::PubsubPushResponse;
}
inline bool isSnsFrame(FrameType f)
{
    return f >= FrameType::SnsPublish && f <= FrameType::SnsNotificationResponse;
}
inline bool isActorFrame(FrameType f)
{
    return f >= FrameType::ActorTell && f <= FrameType::ActorDown;
}
inline bool isPeerFrame(FrameType f)
{
    return f >= FrameType::PeerFlood && f <= FrameType::BtPiece;
}

// Call statuses: gRPC codes 0..16 (OK, CANCELLED, ... UNAUTHENTICATED) and HTTP codes 100..599 in
// one number, named by callstatus.h; kNoStatus on everything that is not a reply.
inline constexpr std::uint16_t kNoStatus = 0xFFFF;
// As written in files and filters: "publish-nack", "offset-commit".
const char *frameTypeName(FrameType t);
// As the protocol spells it, for labels: "basic.publish"-style names stay the file names for AMQP
// and calls; Kafka and SQS frames read "OffsetCommit", "ReceiveMessage".
const char *frameTypeLabel(FrameType t);

// What a protocol's frame carries beyond the fields below (a Kafka fetch's partitions, a produce
// request's record batch). Immutable once sent and shared by a duplicated frame's copies; each
// protocol defines its own bodies (kafkaprotocol.h, sqsprotocol.h) and reads them back by type.
struct FrameBody {
    virtual ~FrameBody() = default;
};

struct Frame {
    FrameType type = FrameType::Publish;
    bool redelivered = false;
    bool requeue = false; // Nack
    bool noAck = false;   // Subscribe, Pull, and the Deliver that results
    std::uint32_t deliveryCount = 0;
    std::uint32_t count = 0; // Subscribe: prefetch (0 = unlimited); Pull: batch size
    std::uint64_t tag = 0;   // publish sequence (Publish/Confirm/PublishNack), delivery tag, or call attempt
    std::uint16_t status = kNoStatus;      // Reply: the call's status
    SimTime deadline = kNever;             // Request: the caller's deadline (absolute virtual time)
    MessageRef message;                    // Publish, Deliver, Request, Reply, StreamData
    bool response = false;                 // Kafka, SQS, event stores, commands: the response to a request
    std::uint8_t qos = 0;                  // MQTT PUBLISH/SUBSCRIBE: the quality of service, 0..2
    bool retain = false;                   // MQTT PUBLISH: the RETAIN flag
    std::uint32_t partition = kNoIndex;    // Kafka frames about one partition (Produce)
    std::shared_ptr<const FrameBody> body; // the protocol's own fields (kafkaprotocol.h, sqsprotocol.h)
    // The body as a protocol's type, or null when it carries none of that type.
    template <class T> const T *as() const { return dynamic_cast<const T *>(body.get()); }
};

// The response to `request` (Kafka, SQS, event stores, commands): its type and tag (the
// request's correlation id), `status` its error code or outcome.
inline Frame responseTo(const Frame &request, std::uint16_t status,
                        std::shared_ptr<const FrameBody> body = {})
{
    Frame r;
    r.type = request.type;
    r.response = true;
    r.tag = request.tag;
    r.status = status;
    r.body = std::move(body);
    return r;
}

} // namespace sb
