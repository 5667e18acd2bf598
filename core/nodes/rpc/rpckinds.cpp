// The schemas of the RPC and HTTP kinds and their system templates. Defaults follow the real
// systems: gRPC has no deadline, no retry policy and pick-first load balancing unless configured;
// its retry policy caps maxAttempts at 5 and draws each backoff from random(0, min(initial x
// multiplier^(n-1), max)) (gRFC A6); HTTP clients retry only idempotent methods (RFC 9110 9.2.2).
#include "../../callstatus.h"
#include "../common.h"
#include "callprotocol.h"
#include "rpc.h"
#include "wireformat.h"

#include <algorithm>

namespace sb {

namespace rpc {

const char *callKindName(CallKind k)
{
    switch (k) {
    case CallKind::Unary:
        return "unary";
    case CallKind::ServerStreaming:
        return "server-streaming";
    case CallKind::ClientStreaming:
        return "client-streaming";
    case CallKind::BidiStreaming:
        return "bidi-streaming";
    }
    return "unary";
}

bool callKindFromName(std::string_view name, CallKind &out)
{
    for (auto k :
         {CallKind::Unary, CallKind::ServerStreaming, CallKind::ClientStreaming, CallKind::BidiStreaming})
        if (name == callKindName(k)) {
            out = k;
            return true;
        }
    return false;
}

std::string_view httpVerb(std::string_view method)
{
    const auto space = method.find(' ');
    if (space == std::string_view::npos) return {};
    return method.substr(0, space);
}

bool isIdempotentHttpMethod(std::string_view verb)
{
    for (std::string_view m : {"GET", "HEAD", "PUT", "DELETE", "OPTIONS", "TRACE"})
        if (verb == m) return true;
    return false;
}

} // namespace rpc

namespace {

using T = PropertyType;

const std::vector<std::string> kHttpVerbs = {"GET",    "HEAD",  "POST",    "PUT",
                                             "DELETE", "PATCH", "OPTIONS", "TRACE"};

// Each entry of a status list must be a status this protocol has.
std::function<std::string(const Json &)> statusListCheck(bool http)
{
    return [http](const Json &v) -> std::string {
        for (std::size_t i = 0; i < v.size(); ++i) {
            const std::string key = v[i].get<std::string>();
            auto s = statusFromKey(key);
            if (!s || (http ? !isHttpStatus(*s) : !isGrpcStatus(*s)))
                return "entry " + std::to_string(i) + ": \"" + key + "\" is not " +
                       (http ? "an HTTP status code (100-599)"
                             : "a gRPC status code name such as UNAVAILABLE or DEADLINE_EXCEEDED");
        }
        return {};
    };
}

std::function<std::string(const Json &)> statusCheck(bool http)
{
    auto list = statusListCheck(http);
    return [list](const Json &v) { return list(Json::array({v})); };
}

// Methods: RPC names ("orders.Orders/Get") or HTTP requests ("POST /orders").
std::function<std::string(const Json &)> methodListCheck(bool http)
{
    return [http](const Json &v) -> std::string {
        if (v.empty()) return "needs at least one method";
        for (std::size_t i = 0; i < v.size(); ++i) {
            const std::string m = v[i].get<std::string>();
            if (m.empty()) return "entry " + std::to_string(i) + " is empty";
            if (http) {
                const auto verb = rpc::httpVerb(m);
                if (verb.empty() ||
                    std::find(kHttpVerbs.begin(), kHttpVerbs.end(), verb) == kHttpVerbs.end() ||
                    m.size() <= verb.size() + 1 || m[verb.size() + 1] != '/')
                    return "entry " + std::to_string(i) + ": \"" + m +
                           "\" is not a request such as \"GET /orders\" (a method: GET, HEAD, POST, PUT, "
                           "DELETE, PATCH, OPTIONS or TRACE, a space, then a path starting with /)";
            } else if (m.find(' ') != std::string::npos) {
                return "entry " + std::to_string(i) + ": \"" + m +
                       "\" has a space; RPC methods are written service/method, e.g. \"orders.Orders/Get\"";
            }
        }
        return {};
    };
}

std::vector<PropertySpec> loadProperties()
{
    return {
        property("loop", "Load model", T::Enum, "open",
                 "open: calls start at a rate whatever happens to earlier ones (latency is measured from "
                 "when each call was due, so a stalled server shows); closed: a fixed number of users each "
                 "wait for their reply, think, then call again (a stall stops the clock too: coordinated "
                 "omission).",
                 "", {}, {}, {"open", "closed"}),
        property("rate", "Rate", T::Number, 10, "Open loop: calls started per second.", "calls/s", 0, 1e7),
        property("arrival", "Arrival", T::Enum, "constant",
                 "Open loop: constant spacing or a Poisson process at that rate.", "", {}, {},
                 {"constant", "poisson"}),
        property("users", "Users", T::Integer, 1, "Closed loop: users calling concurrently, one call each.",
                 "users", 1, 100000),
        property("thinkTime", "Think time", T::Distribution, "100ms",
                 "Closed loop: how long a user waits after a reply before the next call."),
        property("count", "Calls", T::Integer, 0, "Stop after this many calls (0 = no limit).", "calls", 0,
                 1e12),
        property("duration", "Duration", T::Duration, 0,
                 "Stop starting calls after this long (0 = no limit).", "ms", 0),
        property("startAt", "Start at", T::Duration, 0, "When the first call starts.", "ms", 0),
        property("maxOutstanding", "Outstanding calls", T::Integer, 0,
                 "Calls in flight at once (0 = no limit; 1 = synchronous request-reply: one outstanding "
                 "call, the caller waits). Calls beyond it wait in the client, their latency running.",
                 "calls", 0, 1e6),
    };
}

std::vector<PropertySpec> wireProperties(const char *defaultFormat)
{
    return {
        property("format", "Format", T::Enum, defaultFormat,
                 "Serialization on the wire: the size factor and marshalling cpu factor of each are in "
                 "docs/topology-format.md (protobuf 1.0, thrift-compact 1.05, thrift-binary 1.5, json 2.2).",
                 "", {}, {}, rpc::wireFormatNames()),
        property("marshalFixed", "Marshal cost", T::Duration, "20us",
                 "Fixed time to marshal or unmarshal one message, on each side.", "ms", 0, 60000),
        property("marshalPerByte", "Marshal per byte", T::Number, 1,
                 "Time per wire byte to marshal or unmarshal (times the format's cpu factor).", "ns/byte", 0,
                 1e6),
    };
}

std::vector<PropertySpec> clientProperties(bool http)
{
    std::vector<PropertySpec> p;
    p.push_back(property("methods", "Methods", T::StringList,
                         http ? Json::array({"GET /orders"}) : Json::array({"orders.Orders/Get"}),
                         http ? "Requests to make, one picked at random per call: a method and a path "
                                "(\"GET /orders\", \"POST /orders\"). GET, HEAD, PUT, DELETE, OPTIONS and "
                                "TRACE are idempotent; POST and PATCH are not."
                              : "Methods to call, one picked at random per call: service/method "
                                "(\"orders.Orders/Get\").",
                         ""));
    p.back().check = methodListCheck(http);
    if (!http) {
        p.push_back(
            property("callType", "Call type", T::Enum, "unary",
                     "unary: one request, one reply; server-streaming: one request, a stream of replies; "
                     "client-streaming: a stream of requests, one reply; bidi-streaming: both stream.",
                     "", {}, {}, {"unary", "server-streaming", "client-streaming", "bidi-streaming"}));
        p.push_back(property("streamItems", "Stream items", T::Integer, 10,
                             "Messages in each stream (the client's for client streaming, the server's for "
                             "server streaming, both for bidi).",
                             "msg", 1, 1e6));
        p.push_back(property("streamItemSize", "Stream item size", T::Integer, 1024,
                             "Payload bytes of each stream message.", "bytes", 0, 1 << 24));
        p.push_back(property("itemProcessing", "Item processing", T::Duration, 0,
                             "How long the client takes to consume one message of the server's stream; it "
                             "returns flow-control window as it consumes (HTTP/2 WINDOW_UPDATE).",
                             "ms", 0, 3600000));
    }
    p.push_back(property("requestSize", "Request size", T::Integer, 256,
                         "Request payload before marshalling.", "bytes", 0, 1 << 24));
    for (auto &w : wireProperties(http ? "json" : "protobuf"))
        p.push_back(std::move(w));
    for (auto &l : loadProperties())
        p.push_back(std::move(l));
    p.push_back(property("deadline", "Deadline", T::Duration, 0,
                         "How long the caller waits for the whole call, retries included; the server is "
                         "told it and gives up work whose deadline passed (0 = none, gRPC's default).",
                         "ms", 0, 86400000));
    p.push_back(
        property("attemptTimeout", "Attempt timeout", T::Duration, 0,
                 http ? "How long one attempt waits for its response before it counts as failed and "
                        "may be retried (0 = until the deadline)."
                      : "How long one attempt waits for its reply before it fails with UNAVAILABLE and "
                        "may be retried, like Envoy's per_try_timeout (0 = until the deadline).",
                 "ms", 0, 86400000));
    p.push_back(
        property("retryPolicy", "Retry policy", T::Enum, "none",
                 http ? "none; retry: retry failed attempts after a backoff (only idempotent methods, "
                        "or any method carrying an Idempotency-Key; see retryUnsafe); hedge: send "
                        "another attempt every hedging delay until one answers."
                      : "none (gRPC's default); retry: gRPC retryPolicy, failed attempts with a retryable "
                        "status are retried after a backoff; hedge: gRPC hedgingPolicy, another "
                        "attempt every hedging delay until one answers with a fatal status or OK.",
                 "", {}, {}, {"none", "retry", "hedge"}));
    p.push_back(property("maxAttempts", "Max attempts", T::Integer, 3,
                         http
                             ? "Attempts per call, the first included (2-10)."
                             : "Attempts per call, the first included; gRPC requires more than 1 and caps it "
                               "at 5.",
                         "attempts", 2, http ? 10 : 5));
    p.push_back(property("initialBackoff", "Initial backoff", T::Duration, "100ms",
                         "The first retry waits random(0, initial backoff) (full jitter, gRFC A6).", "ms",
                         0.001, 3600000));
    p.push_back(property("maxBackoff", "Max backoff", T::Duration, "1s",
                         "The n-th retry waits random(0, min(initial x multiplier^(n-1), max backoff)).",
                         "ms", 0.001, 3600000));
    p.push_back(property("backoffMultiplier", "Backoff multiplier", T::Number, 2,
                         "How fast the backoff grows between retries.", "x", 1, 100));
    p.push_back(
        property("jitter", "Jitter", T::Enum, "full",
                 "full: random(0, backoff) as gRPC does; equal: backoff/2 + random(0, backoff/2); none: "
                 "exactly the backoff (retries of many clients arrive together: a retry storm).",
                 "", {}, {}, {"full", "equal", "none"}));
    p.push_back(property(
        "retryableStatusCodes", "Retryable statuses", T::StringList,
        http ? Json::array({"502", "503", "504", "429"}) : Json::array({"UNAVAILABLE"}),
        http ? "Responses that may be retried (and, for hedging, that do not stop the other attempts). A "
               "timed-out attempt or a broken connection is always retryable."
             : "gRPC retryableStatusCodes (hedging: nonFatalStatusCodes), e.g. UNAVAILABLE, "
               "RESOURCE_EXHAUSTED. "
               "An attempt timeout counts as UNAVAILABLE.",
        ""));
    p.back().check = statusListCheck(http);
    p.push_back(property("hedgingDelay", "Hedging delay", T::Duration, "50ms",
                         "Hedge: the wait before each further attempt while none has answered.", "ms", 0,
                         3600000));
    p.push_back(
        property("throttleMaxTokens", "Retry throttle tokens", T::Number, 0,
                 "gRPC retryThrottling maxTokens (0 = off): each failed attempt takes a token, each "
                 "success gives back tokenRatio; retries and hedges stop while at most half are left.",
                 "tokens", 0, 1000));
    p.push_back(property("throttleTokenRatio", "Retry throttle ratio", T::Number, 0.1,
                         "gRPC retryThrottling tokenRatio: tokens a success gives back.", "tokens", 0.001,
                         1000));
    p.push_back(
        property("idempotencyKeys", "Idempotency keys", T::Bool, false,
                 "Send an Idempotency-Key per logical call, the same on every attempt, so a server with "
                 "an idempotency store executes the call once however often it arrives.",
                 ""));
    if (http) {
        p.push_back(
            property("retryUnsafe", "Retry unsafe methods", T::Bool, false,
                     "Also retry POST and PATCH without an Idempotency-Key (unsafe: the server may run "
                     "them twice).",
                     ""));
        p.push_back(property("honorRetryAfter", "Honor Retry-After", T::Bool, true,
                             "Wait at least a 429 or 503 response's Retry-After before retrying.", ""));
    }
    p.push_back(
        property("loadBalancing", "Load balancing", T::Enum, "pick-first",
                 "Over the servers on the calls port: pick-first (gRPC's default: the first reachable "
                 "one), round-robin, or least-outstanding (the one with the fewest calls in flight).",
                 "", {}, {}, {"pick-first", "round-robin", "least-outstanding"}));
    p.push_back(
        property("breakerThreshold", "Breaker threshold", T::Integer, 0,
                 "Circuit breaker: consecutive failed calls that open it (0 = no breaker). Open, calls "
                 "fail at once; after the open time it lets probe calls through (half-open).",
                 "calls", 0, 1e6));
    p.push_back(property("breakerOpenFor", "Breaker open time", T::Duration, "5s",
                         "How long the breaker stays open before it lets probes through.", "ms", 0.001,
                         86400000));
    p.push_back(
        property("breakerProbes", "Breaker probes", T::Integer, 1,
                 "Half-open: probe calls let through; all must succeed to close the breaker, one failure "
                 "opens it again.",
                 "calls", 1, 1000));
    return p;
}

void clientCheck(const PropertyBag &p, std::vector<std::pair<std::string, std::string>> &problems, bool http)
{
    const std::string policy = p.string("retryPolicy");
    if (policy == "retry" && p.stringList("retryableStatusCodes").empty())
        problems.push_back({"retryableStatusCodes",
                            "a retry policy needs at least one retryable status code (gRPC refuses a "
                            "retryPolicy without retryableStatusCodes)"});
    if (policy != "none" && p.duration("maxBackoff") < p.duration("initialBackoff"))
        problems.push_back({"maxBackoff", "is shorter than initialBackoff"});
    if (policy == "hedge" && p.duration("hedgingDelay") == 0 && p.integer("maxAttempts") > 1)
        problems.push_back(
            {"hedgingDelay", "0 would send every hedge at once; give a delay such as \"50ms\""});
    const SimTime deadline = p.duration("deadline");
    if (deadline != 0 && p.duration("attemptTimeout") > deadline)
        problems.push_back({"attemptTimeout", "is longer than the deadline, so it never fires"});
    if (p.string("loop") == "open" && p.number("rate") == 0)
        problems.push_back({"rate", "an open-loop client needs a rate above 0"});
    if (!http && p.string("protocol") == "thrift" && p.string("callType") != "unary")
        problems.push_back({"callType", "Apache Thrift has no streaming calls: a Thrift method takes one "
                                        "arguments struct and returns one result struct; use unary (or "
                                        "protocol grpc)"});
}

std::vector<PropertySpec> serverProperties(bool http)
{
    std::vector<PropertySpec> p;
    p.push_back(property("workers", "Workers", T::Integer, 4,
                         "Requests executed at once (a worker pool: the server's concurrency limit).",
                         "workers", 1, 100000));
    p.push_back(property("queueLimit", "Accept queue", T::Integer, 64,
                         http ? "Requests waiting for a worker before the server rejects new ones with 503 "
                                "(0 = no limit)."
                              : "Requests waiting for a worker before the server rejects new ones with "
                                "RESOURCE_EXHAUSTED (0 = no limit).",
                         "requests", 0, 1e7));
    p.push_back(property("serviceTime", "Service time", T::Distribution, "exp(10ms)",
                         "How long the handler works on one request."));
    p.push_back(property("responseSize", "Response size", T::Integer, 512,
                         "Response payload before marshalling.", "bytes", 0, 1 << 24));
    for (auto &w : wireProperties(http ? "json" : "protobuf"))
        p.push_back(std::move(w));
    p.push_back(
        property("failureRate", "Failure rate", T::Probability, 0,
                 "Probability that the handler fails a request (after doing the work) with the failure "
                 "status.",
                 ""));
    p.push_back(
        property("failureStatus", "Failure status", T::String, http ? "500" : "UNAVAILABLE",
                 http ? "The status of a failed request (an HTTP code, e.g. 500 or 503)."
                      : "The status of a failed request (a gRPC code name, e.g. UNAVAILABLE or INTERNAL).",
                 ""));
    p.back().check = statusCheck(http);
    p.push_back(property(
        "honorDeadline", "Honor deadlines", T::Bool, true,
        "Give up work whose deadline passed: a queued request past it is shed without running, "
        "a running one is stopped at it; a Cancel from the caller does the same. Off, the server does "
        "the work nobody waits for, cancelled or not.",
        ""));
    p.push_back(
        property("retryAfter", "Retry-After", T::Duration, http ? "1s" : Json(0),
                 http ? "Sent with 503 (queue full) and 429 (rate limit) responses: how long clients should "
                        "wait, in whole seconds rounded up (0 = no header)."
                      : "Sent as grpc-retry-pushback-ms with RESOURCE_EXHAUSTED (0 = none).",
                 "ms", 0, 86400000));
    if (http) {
        p.push_back(
            property("rateLimit", "Rate limit", T::Number, 0,
                     "Requests per second admitted (a token bucket); beyond it the server answers 429 Too "
                     "Many Requests (0 = no limit).",
                     "req/s", 0, 1e7));
        p.push_back(property("rateBurst", "Rate burst", T::Integer, 10,
                             "Token bucket size for the rate limit.", "requests", 1, 1e7));
    }
    p.push_back(
        property("idempotencyStore", "Idempotency store", T::Enum, "off",
                 "off: every arriving request executes; memory: a request whose idempotency key already "
                 "executed successfully gets the stored reply, and one whose key is executing now waits "
                 "for that execution's reply (the store is lost in a crash; a failed execution is not "
                 "stored, so its retry executes again); durable: the store survives a crash (not a lost "
                 "disk).",
                 "", {}, {}, {"off", "memory", "durable"}));
    p.push_back(property("idempotencyRetention", "Key retention", T::Duration, "24h",
                         "How long the store keeps a key and its reply (Stripe keeps keys 24 hours).", "ms",
                         0.001, 86400000.0 * 30));
    p.push_back(
        property("downstreamMethod", "Downstream method", T::String, "",
                 "A call this server makes on its downstream port while serving each request, before its "
                 "own service time, passing the request's bytes on; several downstream servers are "
                 "called in turn. A failed call makes the server answer UNAVAILABLE (HTTP 502), one past "
                 "its deadline DEADLINE_EXCEEDED (504) (empty = none).",
                 ""));
    p.push_back(
        property("propagateDeadline", "Propagate deadline", T::Bool, true,
                 "The downstream call carries what is left of the caller's deadline and is cancelled "
                 "when the caller's call is given up (gRPC propagates both through the context); off, "
                 "it is made in a fresh context: no deadline, never cancelled.",
                 ""));
    p.push_back(property("eventRoutingKey", "Event routing key", T::String, "",
                         "An event this server publishes on its events port for every call it serves "
                         "successfully, after its reply: a new message with this routing key (basic.publish "
                         "without confirms: fire and forget), as a service tells an event bus what it did "
                         "(empty = none).",
                         ""));
    if (!http) {
        p.push_back(
            property("protocol", "Protocol", T::Enum, "grpc",
                     "grpc (status codes, deadlines, HTTP/2 flow control) or thrift (Apache Thrift: its "
                     "exceptions are mapped to the same status codes; a Thrift request carries no "
                     "deadline, so the server cannot shed work nobody waits for).",
                     "", {}, {}, {"grpc", "thrift"}));
        p.push_back(
            property("itemInterval", "Item interval", T::Duration, "1ms",
                     "Server and bidi streaming: the time the server takes to produce each stream message "
                     "(plus marshalling it); it sends no more unacknowledged bytes than the client's "
                     "flow-control window.",
                     "ms", 0, 3600000));
        p.push_back(
            property("itemProcessing", "Item processing", T::Duration, 0,
                     "Client and bidi streaming: the time the server takes to consume each stream message "
                     "from the client.",
                     "ms", 0, 3600000));
    }
    return p;
}

void serverCheck(const PropertyBag &p, std::vector<std::pair<std::string, std::string>> &problems)
{
    if (!p.string("downstreamMethod").empty() &&
        p.string("downstreamMethod").find(' ') != std::string::npos &&
        rpc::httpVerb(p.string("downstreamMethod")).empty())
        problems.push_back(
            {"downstreamMethod", "is neither an RPC method (service/method) nor an HTTP request"});
}

NodeKindSpec clientKind(bool http)
{
    NodeKindSpec k;
    k.kind = http ? "http-client" : "rpc-client";
    k.label = http ? "HTTP client" : "RPC client";
    k.category = http ? "HTTP" : "RPC";
    k.help =
        http ? "Sends HTTP requests to servers, open or closed loop, retrying only what is safe to retry."
             : "A client stub: calls methods on servers with deadlines, retries or hedging, load balancing "
               "and a circuit breaker.";
    k.ports = {{"calls", PortDirection::Out, Protocol::Call, true,
                "Servers to call (several replicas are load balanced); a client needs at least one server.",
                PortSpec::Need::Required}};
    k.properties = clientProperties(http);
    if (!http) {
        k.properties.push_back(
            property("protocol", "Protocol", T::Enum, "grpc",
                     "grpc or thrift (Apache Thrift: unary calls only; its message carries no deadline "
                     "and it has no cancel, so a client's timeout is its socket's alone and the server "
                     "works on and replies regardless).",
                     "", {}, {}, {"grpc", "thrift"}));
    }
    k.check = [http](const PropertyBag &p, std::vector<std::pair<std::string, std::string>> &problems) {
        clientCheck(p, problems, http);
    };
    k.factory = [http](const NodeSetup &s) {
        const auto protocol = http ? rpc::Protocol::Http
                                   : (s.properties.string("protocol") == "thrift" ? rpc::Protocol::Thrift
                                                                                  : rpc::Protocol::Grpc);
        return rpc::makeCallClient(s, protocol);
    };
    k.explainRoute = [](const RouteQuestion &q) {
        return sendOnPorts(q, {"calls"}, "its calls go to this server (retries and hedges too)",
                           "calls the server");
    };
    return k;
}

NodeKindSpec serverKind(bool http)
{
    NodeKindSpec k;
    k.kind = http ? "http-server" : "rpc-server";
    k.label = http ? "HTTP server" : "RPC server";
    k.category = http ? "HTTP" : "RPC";
    k.help = http
                 ? "A stateless HTTP server: a worker pool behind an accept queue, status codes, 503 and 429 "
                   "with Retry-After, an optional idempotency store."
                 : "Serves methods with a worker pool and an accept queue; honors deadlines, can keep an "
                   "idempotency store and call a downstream service.";
    k.ports = {{"in", PortDirection::In, Protocol::Call, true, "Clients calling this server."},
               {"downstream", PortDirection::Out, Protocol::Call, true,
                "A server this one calls while serving (see downstreamMethod).", PortSpec::Need::Optional},
               {"events", PortDirection::Out, Protocol::Publish, false,
                "An exchange or queue this server publishes an event to for every call served (see "
                "eventRoutingKey).",
                PortSpec::Need::Optional}};
    k.properties = serverProperties(http);
    k.check = serverCheck;
    k.factory = [http](const NodeSetup &s) {
        const auto protocol = http ? rpc::Protocol::Http
                                   : (s.properties.string("protocol") == "thrift" ? rpc::Protocol::Thrift
                                                                                  : rpc::Protocol::Grpc);
        return rpc::makeCallServer(s, protocol);
    };
    k.explainRoute = [](const RouteQuestion &q) {
        RouteAnswer a = sendOnPorts(q, {"downstream"}, "a downstream call it makes while serving one",
                                    "executes the call and replies", true);
        const std::string event = q.properties.string("eventRoutingKey");
        for (RouteVerdict &v : a.verdicts) {
            if (q.outputs[v.output].port != "events") continue;
            if (event.empty()) {
                v.why = "eventRoutingKey is empty: it publishes no events";
                continue;
            }
            v.taken = true;
            v.why = "the event it publishes after serving the call, routing key " + inQuotes(event);
            RouteMessage m;
            m.routingKey = event;
            m.routingKeyGiven = true;
            v.message = std::move(m);
        }
        return a;
    };
    return k;
}

NodeTemplate tmpl(std::string id, std::string label, std::string system, std::string kind, std::string help,
                  Json props)
{
    return {std::move(id),   std::move(label), std::move(system),
            std::move(kind), std::move(help),  std::move(props)};
}

} // namespace

NodeKindSpec rpcClientKind()
{
    return clientKind(false);
}
NodeKindSpec rpcServerKind()
{
    return serverKind(false);
}
NodeKindSpec httpClientKind()
{
    return clientKind(true);
}
NodeKindSpec httpServerKind()
{
    return serverKind(true);
}

std::vector<NodeTemplate> rpcTemplates()
{
    return {
        tmpl("grpc-client", "gRPC client", "gRPC", "rpc-client",
             "protobuf, a 1 s deadline, gRPC's retry policy (3 attempts, UNAVAILABLE, 100 ms..1 s backoff), "
             "round-robin.",
             {{"protocol", "grpc"},
              {"format", "protobuf"},
              {"deadline", "1s"},
              {"retryPolicy", "retry"},
              {"maxAttempts", 3},
              {"retryableStatusCodes", Json::array({"UNAVAILABLE"})},
              {"loadBalancing", "round-robin"}}),
        tmpl("grpc-server", "gRPC server", "gRPC", "rpc-server", "protobuf, honours deadlines.",
             {{"protocol", "grpc"}, {"format", "protobuf"}}),
        tmpl("thrift-client", "Thrift client", "Apache Thrift", "rpc-client",
             "TCompactProtocol, a 1 s socket timeout (TSocket has none unless set), no retries (Thrift "
             "clients do not retry by themselves).",
             {{"protocol", "thrift"}, {"format", "thrift-compact"}, {"deadline", "1s"}}),
        tmpl("thrift-server", "Thrift server", "Apache Thrift", "rpc-server",
             "TCompactProtocol, a pool of 8 workers (TThreadPoolServer).",
             {{"protocol", "thrift"}, {"format", "thrift-compact"}, {"workers", 8}}),
        tmpl("rest-client", "REST client", "REST", "http-client",
             "JSON bodies, GET and POST, a 2 s timeout, retries of safe requests honouring Retry-After.",
             {{"methods", Json::array({"GET /orders", "POST /orders"})},
              {"deadline", "2s"},
              {"attemptTimeout", "500ms"},
              {"retryPolicy", "retry"},
              {"maxAttempts", 3}}),
        tmpl("rest-server", "REST server", "REST", "http-server",
             "JSON bodies, 16 workers, 503 with Retry-After when its queue is full.",
             {{"workers", 16}, {"queueLimit", 128}}),
        tmpl("sync-requester", "Synchronous requester", "Request-reply", "rpc-client",
             "One outstanding request at a time, waiting up to 500 ms for the reply.",
             {{"maxOutstanding", 1}, {"deadline", "500ms"}}),
        tmpl("async-requester", "Asynchronous requester", "Request-reply", "rpc-client",
             "Up to 16 requests in flight, replies matched by correlation id in any order.",
             {{"maxOutstanding", 16}, {"deadline", "500ms"}}),
        tmpl("replier", "Replier", "Request-reply", "rpc-server",
             "Answers each request after a variable service time, so replies come back out of order.",
             {{"workers", 8}, {"serviceTime", "uniform(1ms,20ms)"}}),
        tmpl("open-loop-clients", "Open-loop load", "Client-server", "http-client",
             "Requests at a fixed rate whatever the server does: honest latency under stalls.",
             {{"loop", "open"}, {"rate", 200}, {"arrival", "poisson"}}),
        tmpl("closed-loop-users", "Closed-loop users", "Client-server", "http-client",
             "50 users with 100 ms think time: each waits for its reply (hides stalls).",
             {{"loop", "closed"}, {"users", 50}, {"thinkTime", "exp(100ms)"}}),
        tmpl("worker-pool-server", "Worker-pool server", "Client-server", "http-server",
             "8 workers, an accept queue of 32, 5 ms service time: rejects with 503 when full.",
             {{"workers", 8}, {"queueLimit", 32}, {"serviceTime", "exp(5ms)"}}),
    };
}

} // namespace sb
