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

} // namespace sb
