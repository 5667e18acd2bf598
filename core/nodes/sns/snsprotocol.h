#pragma once
// What Amazon SNS's kinds say to each other (the SNS Developer Guide and API reference):
// - Publish: an sns-publisher sends SnsPublish (Frame::message = the message, `tag` its request id,
//   body SnsPublishRequest: the typed message attributes, FIFO's MessageGroupId and
//   MessageDeduplicationId); the topic answers SnsPublishResponse (`response` set, same tag) with
//   `status` the HTTP status of the API call: 200, 400 InvalidParameter, 500 internal error.
// - Delivery to an SQS subscription is SQS's own SendMessage (core/nodes/sqs/sqsprotocol.h), so an
//   sqs-queue's "send" port takes the topic's "sqs" link; the queue's response says how it went.
// - Delivery to an HTTP/S subscription is SnsNotification (the POST; `tag` the attempt's id,
//   deliveryCount the attempt, body SnsNotificationBody), answered by SnsNotificationResponse with
//   `status` the endpoint's HTTP status. SNS waits 15 s for it.
// The message as a subscriber receives it: raw (RawMessageDelivery true) the published message as
// is, its attributes as headers; otherwise the JSON envelope (Type "Notification", MessageId,
// TopicArn, Message, Timestamp, SignatureVersion, Signature, SigningCertURL, UnsubscribeURL,
// MessageAttributes), as the payload fields of a copy with the same message id and no headers.
#include "../../message.h"
#include "../../schema.h"
#include "../../simtime.h"

#include <string>
#include <vector>

namespace sb {

namespace SnsTopicPort {
inline constexpr PortIndex Publish = 0, Sqs = 1, Https = 2, DeadLetter = 3;
}
namespace SnsPublisherPort {
inline constexpr PortIndex Out = 0;
}
namespace SnsEndpointPort {
inline constexpr PortIndex In = 0;
}

namespace SnsLimit {
inline constexpr std::int64_t MaxMessageSize = 262144;             // 256 KiB (Publish)
inline constexpr SimTime HttpTimeout = 15 * kSecond;               // an HTTP/S delivery attempt
inline constexpr SimTime MaxHttpRetryTime = 3600 * kSecond;        // the delivery policy's hard limit
inline constexpr int MaxHttpRetries = 100;                         // numRetries
inline constexpr SimTime DeduplicationInterval = 5 * 60 * kSecond; // FIFO topics: 5 minutes
inline constexpr int MaxMessageAttributes = 10;                    // per message
} // namespace SnsLimit

// HTTP statuses of the Publish API's response.
namespace SnsStatus {
inline constexpr std::uint16_t Ok = 200, InvalidParameter = 400, Throttled = 429, InternalError = 500;
}

// One message attribute as Publish takes it: DataType String, Number or String.Array (a JSON array
// of strings, numbers, booleans or null), and its value as text.
struct SnsAttribute {
    std::string name;
    std::string type = "String";
    std::string value;
};

struct SnsPublishRequest final : FrameBody {
    std::vector<SnsAttribute> attributes;
    std::string messageGroupId;  // FIFO topics: required
    std::string deduplicationId; // FIFO topics: MessageDeduplicationId; empty = none
};

struct SnsNotificationBody final : FrameBody {
    std::string topicArn;
    bool raw = false; // RawMessageDelivery: the body as published, no envelope
};

// An HTTP/S subscription's delivery policy ("healthyRetryPolicy"), as SNS retries a failed
// delivery in four phases: numNoDelayRetries at once, numMinDelayRetries minDelayTarget apart,
// the backoff phase (the retries left) from minDelayTarget to maxDelayTarget by the backoff
// function, then numMaxDelayRetries maxDelayTarget apart. numRetries counts them all.
struct SnsDeliveryPolicy {
    enum class Backoff : std::uint8_t { Linear, Arithmetic, Geometric, Exponential };
    std::int64_t numRetries = 3;
    std::int64_t numNoDelayRetries = 0;
    std::int64_t numMinDelayRetries = 0;
    std::int64_t numMaxDelayRetries = 0;
    SimTime minDelayTarget = 20 * kSecond;
    SimTime maxDelayTarget = 20 * kSecond;
    Backoff backoff = Backoff::Linear;
    double maxReceivesPerSecond = 0; // throttlePolicy; 0 = no throttling

    // SNS's default HTTP/S policy: 3 retries, 20 s apart (linear from 20 s to 20 s).
    static SnsDeliveryPolicy httpDefault() { return {}; }
    // The fixed policy for AWS managed endpoints (SQS, Lambda): 3 immediate retries, 2 one second
    // apart, 10 with exponential backoff from 1 s to 20 s, then 100,000 twenty seconds apart.
    static SnsDeliveryPolicy awsManaged()
    {
        SnsDeliveryPolicy p;
        p.numNoDelayRetries = 3;
        p.numMinDelayRetries = 2;
        p.numMaxDelayRetries = 100000;
        p.numRetries = 3 + 2 + 10 + 100000;
        p.minDelayTarget = kSecond;
        p.maxDelayTarget = 20 * kSecond;
        p.backoff = Backoff::Exponential;
        return p;
    }
    // The wait before retry `retry` (1-based), or -1 when the policy has no such retry.
    SimTime delayBefore(std::int64_t retry) const;
    // The sum of all its retries' waits.
    SimTime totalRetryTime() const;
};
const char *backoffName(SnsDeliveryPolicy::Backoff b);

} // namespace sb
