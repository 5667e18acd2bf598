#pragma once
// What an SQS client and an sqs-queue say to each other: one FrameType per action (SendMessage,
// ReceiveMessage, DeleteMessage, ChangeMessageVisibility). A request goes client -> queue with a
// `tag` the client chose; the response goes back on the same link with the same type and tag,
// `response` set and the action's error in `status` (SqsError, callstatus.h; None = success).
// Frame::message carries the message a request or response is about (SendMessage, DeleteMessage,
// ChangeMessageVisibility) so traces name it; the bodies below carry the action's own parameters.
// The limits are the SQS Developer Guide's quotas and the API reference's parameter ranges.
#include "../../message.h"
#include "../../simtime.h"

#include <string>
#include <vector>

namespace sb {

namespace SqsQueuePort {
inline constexpr PortIndex Send = 0, Receive = 1, DeadLetter = 2;
}
namespace SqsProducerPort {
inline constexpr PortIndex Out = 0;
}
namespace SqsConsumerPort {
inline constexpr PortIndex In = 0;
}

namespace SqsLimit {
inline constexpr SimTime MaxVisibilityTimeout = 12 * 3600 * kSecond; // 12 hours
inline constexpr SimTime DefaultVisibilityTimeout = 30 * kSecond;
inline constexpr SimTime MinRetention = 60 * kSecond;                // 1 minute
inline constexpr SimTime MaxRetention = 14 * 24 * 3600 * kSecond;    // 14 days (1,209,600 s)
inline constexpr SimTime DefaultRetention = 4 * 24 * 3600 * kSecond; // 4 days (345,600 s)
inline constexpr SimTime MaxDelay = 900 * kSecond;                   // 15 minutes
inline constexpr SimTime MaxWaitTime = 20 * kSecond;                 // long polling
inline constexpr std::int64_t MinMessageSize = 1024;                 // 1 KiB
inline constexpr std::int64_t MaxMessageSize = 1048576;              // 1 MiB
inline constexpr std::int64_t DefaultMessageSize = 262144;           // 256 KiB
inline constexpr std::int64_t MaxReceiveCount = 1000;                // redrive policy
inline constexpr std::uint32_t MaxMessagesPerReceive = 10;
inline constexpr SimTime DeduplicationInterval = 5 * 60 * kSecond; // FIFO: 5 minutes
inline constexpr std::int64_t InFlightStandard = 120000;
inline constexpr std::int64_t InFlightFifo = 120000; // the FIFO quotas page (older pages said 20,000)
inline constexpr double FifoThroughput = 300;        // requests/s per action
} // namespace SqsLimit

// SendMessage request: Frame::message is the message, deliveryCount the attempt.
struct SqsSendRequest final : FrameBody {
    std::string messageGroupId;     // FIFO: required; empty = none
    std::string deduplicationId;    // FIFO: explicit MessageDeduplicationId; empty = none
    SimTime delay = -1;             // per-message DelaySeconds; -1 = the queue's delay
    bool redrive = false;           // a source queue moving the message to its dead-letter queue
    std::uint32_t receiveCount = 0; // ... with the receives it had there
};

// ReceiveMessage request (MaxNumberOfMessages, WaitTimeSeconds, VisibilityTimeout).
struct SqsReceiveRequest final : FrameBody {
    std::uint32_t maxMessages = 1;
    SimTime waitTime = -1;          // -1 = the queue's ReceiveMessageWaitTimeSeconds
    SimTime visibilityTimeout = -1; // -1 = the queue's VisibilityTimeout
};

struct SqsReceivedMessage {
    MessageRef message;
    std::uint64_t receiptHandle = 0; // new on every receive of the message
    std::uint32_t receiveCount = 0;  // ApproximateReceiveCount
    std::string messageGroupId;
    SimTime visibilityTimeout = 0; // what this receive set (for a client's heartbeat)
};

// ReceiveMessage response: Frame::deliveryCount = messages.size(), so an empty receive is a
// traced Send of a ReceiveMessage response with deliveryCount 0.
struct SqsReceiveResponse final : FrameBody {
    std::vector<SqsReceivedMessage> messages;
};

// DeleteMessage request.
struct SqsDeleteRequest final : FrameBody {
    std::uint64_t receiptHandle = 0;
};

// ChangeMessageVisibility request.
struct SqsChangeVisibilityRequest final : FrameBody {
    std::uint64_t receiptHandle = 0;
    SimTime visibilityTimeout = 0;
};

} // namespace sb
