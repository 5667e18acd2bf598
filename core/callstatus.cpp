#include "callstatus.h"

#include <cctype>
#include <charconv>

namespace sb {

namespace {
constexpr const char *kGrpcNames[17] = {
    "OK",        "CANCELLED",      "UNKNOWN",           "INVALID_ARGUMENT",   "DEADLINE_EXCEEDED",
    "NOT_FOUND", "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION",
    "ABORTED",   "OUT_OF_RANGE",   "UNIMPLEMENTED",     "INTERNAL",           "UNAVAILABLE",
    "DATA_LOSS", "UNAUTHENTICATED"};

const char *httpReason(std::uint16_t s)
{
    switch (s) {
    case 200:
        return "OK";
    case 201:
        return "Created";
    case 202:
        return "Accepted";
    case 204:
        return "No Content";
    case 400:
        return "Bad Request";
    case 404:
        return "Not Found";
    case 408:
        return "Request Timeout";
    case 409:
        return "Conflict";
    case 422:
        return "Unprocessable Content";
    case 429:
        return "Too Many Requests";
    case 499:
        return "Client Closed Request";
    case 500:
        return "Internal Server Error";
    case 502:
        return "Bad Gateway";
    case 503:
        return "Service Unavailable";
    case 504:
        return "Gateway Timeout";
    default:
        return nullptr;
    }
}
} // namespace

const char *const *grpcStatusNames()
{
    return kGrpcNames;
}

std::string statusName(std::uint16_t s)
{
    if (isGrpcStatus(s)) return kGrpcNames[s];
    if (isHttpStatus(s)) {
        std::string t = std::to_string(s);
        if (const char *r = httpReason(s)) t += std::string(" ") + r;
        return t;
    }
    return {};
}

std::string statusKey(std::uint16_t s)
{
    if (isGrpcStatus(s)) return kGrpcNames[s];
    if (isHttpStatus(s)) return std::to_string(s);
    return {};
}

std::optional<std::uint16_t> statusFromKey(std::string_view key)
{
    if (key.empty()) return std::nullopt;
    if (std::isdigit(static_cast<unsigned char>(key.front()))) {
        unsigned v = 0;
        auto [end, ec] = std::from_chars(key.data(), key.data() + key.size(), v);
        if (ec != std::errc() || end != key.data() + key.size() || v < 100 || v > 599) return std::nullopt;
        return static_cast<std::uint16_t>(v);
    }
    for (std::uint16_t i = 0; i <= 16; ++i) {
        std::string_view n = kGrpcNames[i];
        if (n.size() != key.size()) continue;
        bool same = true;
        for (std::size_t c = 0; c < n.size() && same; ++c)
            same = std::toupper(static_cast<unsigned char>(key[c])) == n[c];
        if (same) return i;
    }
    return std::nullopt;
}

std::string kafkaErrorName(std::uint16_t code)
{
    switch (code) {
    case KafkaError::None:
        return "NONE";
    case KafkaError::OffsetOutOfRange:
        return "OFFSET_OUT_OF_RANGE";
    case KafkaError::CorruptMessage:
        return "CORRUPT_MESSAGE";
    case KafkaError::UnknownTopicOrPartition:
        return "UNKNOWN_TOPIC_OR_PARTITION";
    case KafkaError::LeaderNotAvailable:
        return "LEADER_NOT_AVAILABLE";
    case KafkaError::NotLeaderOrFollower:
        return "NOT_LEADER_OR_FOLLOWER";
    case KafkaError::RequestTimedOut:
        return "REQUEST_TIMED_OUT";
    case KafkaError::MessageTooLarge:
        return "MESSAGE_TOO_LARGE";
    case KafkaError::CoordinatorNotAvailable:
        return "COORDINATOR_NOT_AVAILABLE";
    case KafkaError::NotCoordinator:
        return "NOT_COORDINATOR";
    case KafkaError::NotEnoughReplicas:
        return "NOT_ENOUGH_REPLICAS";
    case KafkaError::NotEnoughReplicasAfterAppend:
        return "NOT_ENOUGH_REPLICAS_AFTER_APPEND";
    case KafkaError::IllegalGeneration:
        return "ILLEGAL_GENERATION";
    case KafkaError::InconsistentGroupProtocol:
        return "INCONSISTENT_GROUP_PROTOCOL";
    case KafkaError::UnknownMemberId:
        return "UNKNOWN_MEMBER_ID";
    case KafkaError::InvalidSessionTimeout:
        return "INVALID_SESSION_TIMEOUT";
    case KafkaError::RebalanceInProgress:
        return "REBALANCE_IN_PROGRESS";
    case KafkaError::OutOfOrderSequenceNumber:
        return "OUT_OF_ORDER_SEQUENCE_NUMBER";
    case KafkaError::DuplicateSequenceNumber:
        return "DUPLICATE_SEQUENCE_NUMBER";
    case KafkaError::InvalidProducerEpoch:
        return "INVALID_PRODUCER_EPOCH";
    case KafkaError::InvalidTxnState:
        return "INVALID_TXN_STATE";
    case KafkaError::InvalidProducerIdMapping:
        return "INVALID_PRODUCER_ID_MAPPING";
    case KafkaError::ConcurrentTransactions:
        return "CONCURRENT_TRANSACTIONS";
    case KafkaError::MemberIdRequired:
        return "MEMBER_ID_REQUIRED";
    case KafkaError::FencedInstanceId:
        return "FENCED_INSTANCE_ID";
    case KafkaError::UnstableOffsetCommit:
        return "UNSTABLE_OFFSET_COMMIT";
    case KafkaError::ProducerFenced:
        return "PRODUCER_FENCED";
    default:
        return std::to_string(code);
    }
}

std::string sqsErrorName(std::uint16_t code)
{
    static constexpr const char *kNames[] = {"OK",
                                             "QueueDoesNotExist",
                                             "ReceiptHandleIsInvalid",
                                             "MessageNotInflight",
                                             "InvalidParameterValue",
                                             "OverLimit",
                                             "RequestThrottled",
                                             "MissingParameter",
                                             "InvalidAttributeValue"};
    if (code < std::size(kNames)) return kNames[code];
    return std::to_string(code);
}

std::string esErrorName(std::uint16_t code)
{
    static constexpr const char *kNames[] = {
        "OK",        "WrongExpectedVersion",           "StreamNotFound",
        "NotLeader", "PersistentSubscriptionNotFound", "MaximumSubscribersReached"};
    if (code < std::size(kNames)) return kNames[code];
    return std::to_string(code);
}

std::string commandStatusName(std::uint16_t code)
{
    static constexpr const char *kNames[] = {"OK",          "REJECTED",  "CONFLICT",  "LOCKED",
                                             "UNAVAILABLE", "NOT_FOUND", "TIMED_OUT", "UNKNOWN_SCHEMA"};
    if (code < std::size(kNames)) return kNames[code];
    return std::to_string(code);
}

std::string frameStatusName(FrameType frame, std::uint16_t status)
{
    if (status == kNoStatus) return {};
    if (isKafkaFrame(frame)) return kafkaErrorName(status);
    if (isSqsFrame(frame)) return sqsErrorName(status);
    if (isEventStoreFrame(frame)) return esErrorName(status);
    if (isCommandFrame(frame)) return commandStatusName(status);
    return statusName(status);
}

} // namespace sb
