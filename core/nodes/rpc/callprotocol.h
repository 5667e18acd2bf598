#pragma once
// The call protocol: what an RPC or HTTP client and a server say to each other over a call link
// (client port "calls" -> server port "in"; a server's "downstream" port -> another server). Both
// sides are written against this contract only; a node never reads the other's state.
//
// A logical call has an id (Message::correlationId of every message it sends, unique in the run)
// and one or more attempts (retries, hedges), each with its own attempt id (Frame::tag, unique
// within the client). Frames:
//
//   Request      client -> server. tag = attempt id, deliveryCount = attempt number (1, 2, ...),
//                deadline = the call's absolute deadline (kNever: none), message = the request:
//                routingKey = the method ("orders.Orders/Get", "POST /orders"), size = its bytes on
//                the wire (after marshalling, see wireformat.h), headers: kIdempotencyKey when the
//                client sends one, kCallKind ("unary", "server-streaming", ...), kStreamItems (how
//                many stream messages the server sends for server and bidi streaming).
//   Reply        server -> client. tag = the attempt id it answers, status = the call status
//                (callstatus.h), message = the response (correlationId = the call id; size = wire
//                bytes; headers: kRetryAfter / kRetryPushback when the server asks for a pause).
//                One Reply ends an attempt: for streams it is the trailers after the last item.
//   Cancel       client -> server. tag = an attempt the client no longer waits for (its deadline
//                passed, another hedge won). The server drops it if queued, stops it if running.
//   StreamData   either way. tag = attempt id, count = the item's index from 0, message = the item.
//                The sender may have at most the receiver's flow-control window of item bytes
//                unacknowledged: it starts with kInitialWindow and grows by each WindowUpdate.
//   HalfClose    client -> server: the client sent its last stream item (client and bidi streaming).
//   WindowUpdate either way. tag = attempt id, count = bytes the receiver consumed: the sender may
//                send that many more (HTTP/2 WINDOW_UPDATE, RFC 9113 section 6.9).
//
// Execution: a server traces Accept when an attempt enters its accept queue and Execute when a
// worker starts its handler (once per execution, so the checker counts executions per call id).
// With an idempotency store, an attempt whose key the store holds is answered from the store
// (trace Dedupe, no Execute); one whose key is executing now waits for that execution's reply.
#include "../../message.h"

#include <cstdint>
#include <memory>
#include <string_view>

namespace sb::rpc {

inline constexpr std::string_view kIdempotencyKey = "idempotency-key"; // IETF draft header name
inline constexpr std::string_view kCallKind = "call-kind";
inline constexpr std::string_view kStreamItems = "stream-items";
inline constexpr std::string_view kStreamItemSize = "stream-item-size";
inline constexpr std::string_view kRetryAfter = "retry-after";               // HTTP: seconds
inline constexpr std::string_view kRetryPushback = "grpc-retry-pushback-ms"; // gRPC: milliseconds
inline constexpr std::string_view kParentCall = "parent-call"; // a downstream call's parent call id

// HTTP/2's initial flow-control window (RFC 9113 section 6.9.2): 65,535 bytes.
inline constexpr std::uint32_t kInitialWindow = 65535;

// What a control frame (Cancel, HalfClose, WindowUpdate) carries so that its trace events name
// the call: no message of its own (id 0, no bytes), the call's id and method.
inline MessageRef controlMessage(const Message &request)
{
    auto m = std::make_shared<Message>();
    m->correlationId = request.correlationId;
    m->routingKey = request.routingKey;
    return m;
}

enum class CallKind : std::uint8_t { Unary, ServerStreaming, ClientStreaming, BidiStreaming };
const char *callKindName(CallKind k); // "unary", "server-streaming", ...
bool callKindFromName(std::string_view name, CallKind &out);

} // namespace sb::rpc
