#pragma once
// Request-reply, RPC (gRPC, Thrift) and HTTP client-server kinds. The client and server logic
// (callclient.cpp, callserver.cpp) is shared by the RPC and the HTTP kinds; each kind's schema
// (rpckinds.cpp) says which protocol it speaks.
#include "../../node.h"
#include "../../schema.h"

#include <memory>

namespace sb {

NodeKindSpec rpcClientKind();
NodeKindSpec rpcServerKind();
NodeKindSpec httpClientKind();
NodeKindSpec httpServerKind();
// The system templates of these kinds: gRPC, Apache Thrift, REST, request-reply, client-server.
std::vector<NodeTemplate> rpcTemplates();

namespace CallClientPort {
inline constexpr PortIndex Calls = 0;
}
namespace CallServerPort {
inline constexpr PortIndex In = 0, Downstream = 1, Events = 2;
}

namespace rpc {
enum class Protocol : std::uint8_t { Grpc, Thrift, Http };
// Builds the client and the server of a kind; `protocol` comes from the kind (HTTP) or its
// "protocol" property (gRPC or Thrift).
std::unique_ptr<Node> makeCallClient(const NodeSetup &setup, Protocol protocol);
std::unique_ptr<Node> makeCallServer(const NodeSetup &setup, Protocol protocol);
// HTTP methods that RFC 9110 section 9.2.2 calls idempotent: GET, HEAD, PUT, DELETE, OPTIONS, TRACE.
bool isIdempotentHttpMethod(std::string_view method);
// "POST /orders" -> "POST"; an RPC method name has no verb and gives "".
std::string_view httpVerb(std::string_view method);
} // namespace rpc

} // namespace sb
