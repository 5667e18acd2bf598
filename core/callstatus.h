#pragma once
// Call statuses in one number: gRPC status codes 0..16 (as grpc/status.h and the gRPC docs name
// them: OK, CANCELLED, ..., UNAUTHENTICATED) and HTTP status codes 100..599 (RFC 9110). Frames and
// trace events carry it; kNoStatus (message.h) stands for "no reply".
#include "message.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sb {

namespace Grpc {
inline constexpr std::uint16_t Ok = 0, Cancelled = 1, Unknown = 2, InvalidArgument = 3, DeadlineExceeded = 4,
                               NotFound = 5, AlreadyExists = 6, PermissionDenied = 7, ResourceExhausted = 8,
                               FailedPrecondition = 9, Aborted = 10, OutOfRange = 11, Unimplemented = 12,
                               Internal = 13, Unavailable = 14, DataLoss = 15, Unauthenticated = 16;
} // namespace Grpc

inline bool isGrpcStatus(std::uint16_t s)
{
    return s <= 16;
}
inline bool isHttpStatus(std::uint16_t s)
{
    return s >= 100 && s <= 599;
}
// The call succeeded: gRPC OK or an HTTP 2xx.
inline bool isSuccessStatus(std::uint16_t s)
{
    return s == Grpc::Ok || (s >= 200 && s <= 299);
}

// "DEADLINE_EXCEEDED", "503 Service Unavailable", "418" (an HTTP code without a reason phrase
// here), "" for kNoStatus.
std::string statusName(std::uint16_t s);
// The gRPC code name alone ("UNAVAILABLE") or the HTTP number ("503"): how files write statuses.
std::string statusKey(std::uint16_t s);
// Reads what statusKey writes (gRPC names are case-insensitive, "503"), or nothing.
std::optional<std::uint16_t> statusFromKey(std::string_view key);
// Every gRPC code name, in code order (for help texts and "did you mean").
const char *const *grpcStatusNames();

// Apache Kafka's error codes as its protocol numbers them (org.apache.kafka.common.protocol.Errors),
// carried in the `status` of Kafka responses; 0 = NONE.
namespace KafkaError {
inline constexpr std::uint16_t None = 0, OffsetOutOfRange = 1, CorruptMessage = 2,
                               UnknownTopicOrPartition = 3, LeaderNotAvailable = 5, NotLeaderOrFollower = 6,
                               RequestTimedOut = 7, MessageTooLarge = 10, CoordinatorNotAvailable = 15,
                               NotCoordinator = 16, NotEnoughReplicas = 19, NotEnoughReplicasAfterAppend = 20,
                               IllegalGeneration = 22, InconsistentGroupProtocol = 23, UnknownMemberId = 25,
                               InvalidSessionTimeout = 26, RebalanceInProgress = 27,
                               OutOfOrderSequenceNumber = 45, DuplicateSequenceNumber = 46,
                               InvalidProducerEpoch = 47, InvalidTxnState = 48, InvalidProducerIdMapping = 49,
                               ConcurrentTransactions = 51, MemberIdRequired = 79, FencedInstanceId = 82,
                               UnstableOffsetCommit = 88, ProducerFenced = 90;
}
// "NOT_ENOUGH_REPLICAS" (Kafka's own spelling), the number for a code not named here.
std::string kafkaErrorName(std::uint16_t code);

// Amazon SQS errors (the API reference's error names), carried in the `status` of SQS responses.
namespace SqsError {
inline constexpr std::uint16_t None = 0, QueueDoesNotExist = 1, ReceiptHandleIsInvalid = 2,
                               MessageNotInflight = 3, InvalidParameterValue = 4, OverLimit = 5,
                               RequestThrottled = 6, MissingParameter = 7, InvalidAttributeValue = 8;
}
std::string sqsErrorName(std::uint16_t code);

// Event-store errors (EventStoreDB's client exceptions, by name), in the `status` of event-store
// responses and of the Nack a store's persistent subscription gets.
namespace EsError {
inline constexpr std::uint16_t None = 0, WrongExpectedVersion = 1, StreamNotFound = 2, NotLeader = 3,
                               PersistentSubscriptionNotFound = 4, MaximumSubscribersReached = 5;
}
std::string esErrorName(std::uint16_t code);

// Outcomes of commands and queries (CQRS, sagas, the outbox), in the `status` of their responses
// and of StepEnd / LocalTxn events. Rejected: the domain said no (insufficient funds, out of
// stock); Conflict: another writer got there first (optimistic concurrency); Locked: a semantic
// lock (a PENDING record of another saga); Unavailable: the service could not do it now.
namespace CommandStatus {
inline constexpr std::uint16_t Ok = 0, Rejected = 1, Conflict = 2, Locked = 3, Unavailable = 4, NotFound = 5,
                               TimedOut = 6, UnknownSchema = 7;
}
std::string commandStatusName(std::uint16_t code);

// The status of a frame of type `frame` in words: a call's status, a Kafka, SQS or event-store
// error, a command's outcome.
std::string frameStatusName(FrameType frame, std::uint16_t status);

} // namespace sb
