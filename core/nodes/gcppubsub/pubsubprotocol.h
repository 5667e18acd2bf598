#pragma once
// What the Google Cloud Pub/Sub kinds say to each other, by the API's names (google.pubsub.v1):
//   PubsubPublish          publisher -> topic (Publisher.Publish; `tag` = the request), and topic ->
//                          subscription (the service storing the message in each subscription's
//                          backlog; `tag` 0). Frame::message is the message, its headers the
//                          attributes; the body carries the ordering key and the server's publish time.
//   PubsubPublishResponse  topic -> publisher: `status` = gRPC code (0 OK), `tag` echoed.
//   PubsubPull             subscriber -> subscription: opens a streaming pull (Subscriber.StreamingPull)
//                          with the client's flow control settings (PubsubPullRequest).
//   PubsubPullResponse     subscription -> subscriber, on that stream, as often as it has messages
//                          and room: the ReceivedMessages (ack id, deliveryAttempt); `tag` = the
//                          stream's.
//   PubsubAcknowledge      subscriber -> subscription (one ack id per frame); with exactly-once
//                          delivery the subscription answers (`response`, `status` OK or
//                          INVALID_ARGUMENT for an ack id that is no longer valid).
//   PubsubModifyAckDeadline subscriber -> subscription: a new deadline for one ack id (lease
//                          extension), 0 = nack; answered like an acknowledge.
//   PubsubPush             subscription -> push endpoint: the HTTP POST of one message (`tag` = the
//                          push request).
//   PubsubPushResponse     endpoint -> subscription: `status` = the HTTP status (102, 200, 201, 202,
//                          204 acknowledge; anything else is a negative acknowledgement).
// Limits and defaults are the Pub/Sub reference's (projects.subscriptions, projects.topics,
// quotas and limits) and the client libraries' (google-cloud-pubsub for Python and Java).
#include "../../message.h"
#include "../../simtime.h"

#include <string>
#include <vector>

namespace sb {

namespace PubsubPublisherPort {
inline constexpr PortIndex Out = 0;
}
namespace PubsubTopicPort {
inline constexpr PortIndex Publish = 0, Subscriptions = 1;
}
namespace PubsubSubscriptionPort {
inline constexpr PortIndex Topic = 0, Subscribers = 1, DeadLetter = 2;
}
namespace PubsubSubscriberPort {
inline constexpr PortIndex In = 0;
}

namespace PubsubLimit {
inline constexpr SimTime MinAckDeadline = 10 * kSecond; // ackDeadlineSeconds: 10 to 600, default 10
inline constexpr SimTime MaxAckDeadline = 600 * kSecond;
inline constexpr SimTime DefaultAckDeadline = 10 * kSecond;
inline constexpr std::int64_t MinDeliveryAttempts = 5; // deadLetterPolicy.maxDeliveryAttempts: 5 to 100
inline constexpr std::int64_t MaxDeliveryAttempts = 100;
inline constexpr std::int64_t DefaultDeliveryAttempts = 5;
inline constexpr SimTime MaxBackoff = 600 * kSecond;           // retryPolicy: 0 to 600 s
inline constexpr SimTime DefaultMinimumBackoff = 10 * kSecond; // retryPolicy.minimumBackoff default
inline constexpr SimTime DefaultMaximumBackoff = 600 * kSecond;
inline constexpr SimTime MinRetention = 10 * 60 * kSecond;           // messageRetentionDuration: 10 min
inline constexpr SimTime MaxRetention = 31 * 24 * 3600 * kSecond;    // ... to 31 days
inline constexpr SimTime DefaultRetention = 7 * 24 * 3600 * kSecond; // default 7 days
inline constexpr std::size_t MaxAttributes = 100;
inline constexpr std::size_t MaxAttributeKeyBytes = 256;
inline constexpr std::size_t MaxAttributeValueBytes = 1024;
inline constexpr std::size_t MaxOrderingKeyBytes = 1024;
inline constexpr std::int64_t MaxMessageBytes = 10 * 1000 * 1000; // 10 MB
inline constexpr std::uint32_t MaxPullMessages = 1000;            // a Pull's maxMessages
// Push: the backoff Pub/Sub applies to a push endpoint answering with failures (from 100 ms up to
// 60 s), and the slow-start push window (it starts small, grows with successes, shrinks on failures).
inline constexpr SimTime PushBackoffMin = 100 * kMillisecond;
inline constexpr SimTime PushBackoffMax = 60 * kSecond;
inline constexpr std::uint32_t PushWindowStart = 3; // "a small single-digit window"
// Client libraries (Python SubscriberClient FlowControl / Java Subscriber.Builder).
inline constexpr std::int64_t DefaultMaxOutstandingMessages = 1000;
inline constexpr std::int64_t DefaultMaxOutstandingBytes = 100 * 1024 * 1024; // 100 MiB
inline constexpr SimTime DefaultMaxExtension = 60 * 60 * kSecond;             // max_lease_duration 1 h
inline constexpr SimTime ExactlyOnceMinExtension = 60 * kSecond; // min lease extension with exactly-once
} // namespace PubsubLimit

// PubsubPublish's own fields.
struct PubsubPublishBody final : FrameBody {
    std::string orderingKey;
    SimTime publishTime = -1;   // set by the topic (the server's publish time); -1 from a publisher
    SimTime topicRetention = 0; // set by the topic: its messageRetentionDuration (0 = none)
};

// Opens a streaming pull (StreamingPullRequest's first message): the subscription then sends
// PullResponses on it whenever it has messages and the subscriber's flow control leaves room
// (max_outstanding_messages / max_outstanding_bytes: outstanding = delivered on this stream and
// not yet acknowledged, nacked or expired; 0 = no limit). A message larger than the room left is
// sent only when nothing is outstanding.
struct PubsubPullRequest final : FrameBody {
    std::uint64_t maxOutstandingMessages = 0;
    std::uint64_t maxOutstandingBytes = 0;
};

struct PubsubReceivedMessage {
    MessageRef message;
    std::uint64_t ackId = 0;
    std::uint32_t deliveryAttempt = 0;
    std::string orderingKey;
    SimTime ackDeadline = 0;
};

struct PubsubPullResponseBody final : FrameBody {
    std::vector<PubsubReceivedMessage> messages;
    bool exactlyOnce = false; // the subscription's enableExactlyOnceDelivery (the client reads it)
    bool ordered = false;     // enableMessageOrdering
};

struct PubsubAckBody final : FrameBody {
    std::uint64_t ackId = 0;
    SimTime deadline = 0; // ModifyAckDeadline: the new deadline from now (0 = nack)
};

struct PubsubPushBody final : FrameBody {
    std::uint64_t ackId = 0;
    std::uint32_t deliveryAttempt = 0;
    std::string orderingKey;
};

// Push success codes (cloud.google.com/pubsub/docs/push: "102, 200, 201, 202, 204").
inline bool isPushSuccess(std::uint16_t status)
{
    return status == 102 || status == 200 || status == 201 || status == 202 || status == 204;
}

} // namespace sb
