#pragma once
// The node-kind registry: every node kind, its ports and its property schema (type, unit,
// default, range, help). File validation, `signalbox-cli kinds`, the docs and the GUI's palette
// and property editor all read this one description.
#include "distribution.h"
#include "message.h"
#include "route.h"
#include "simtime.h"

#include <nlohmann/json.hpp>

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace sb {

using Json = nlohmann::ordered_json;

// JSON text from outside (a file, a paste, a recovery file), parsed without throwing and without
// unbounded recursion: syntax errors, numbers beyond a double ("1e400") and nesting deeper than
// `maxDepth` all come back as a message with the place. Every parse of outside text goes here.
inline constexpr std::size_t kMaxJsonDepth = 256;
struct JsonError {
    std::size_t byte = 0; // 0-based offset of the problem
    int line = 1;         // 1-based
    int column = 1;
    std::string reason; // e.g. "number overflow parsing '1e400'"
};
std::optional<Json> parseJson(std::string_view text, JsonError &error, std::size_t maxDepth = kMaxJsonDepth);

enum class PropertyType {
    Bool,
    Integer,
    Number,
    String,
    Enum,         // one of `choices`
    Duration,     // a number in milliseconds or a string such as "250ms", "10s"
    Distribution, // see distribution.h
    Probability,  // a number in [0, 1]
    StringList,
    StringMap, // object of string -> string
    Script,    // array of objects; the kind's own validator checks each entry
};
const char *propertyTypeName(PropertyType t);

struct PropertySpec {
    std::string key;
    std::string label;
    PropertyType type = PropertyType::Number;
    std::string unit; // shown to users, e.g. "msg/s", "ms", "bytes"
    Json defaultValue;
    std::optional<double> min; // Integer, Number, Duration (in ms)
    std::optional<double> max;
    std::vector<std::string> choices; // Enum
    std::string help;
    // Extra checks for a value that already has the right type (e.g. a script's entries).
    // Returns an empty string when fine, or the reason; `path` is where the value sits.
    std::function<std::string(const Json &value)> check;
    // What a value of 0 stands for when it is not an amount but the absence of one ("no limit",
    // "never"), for showing it in words; empty when 0 is just a number.
    std::string zeroMeans = {};
    // The kind of node the value names by id ("queue": a client's reply queue), which topology
    // validation checks it does; empty for an ordinary value. An empty value names nothing.
    std::string refersTo = {};
    // The language of a String value that is multi-line source code ("lua": a scripted node's
    // script): the property editor shows a code editor; empty for an ordinary one-line string.
    std::string code = {};
};

// Publish links carry publish/confirm frames; delivery links carry subscribe/deliver/ack frames;
// call links carry requests, replies and streams (a client's calls to a server).
// Kafka links carry a Kafka client's requests and the topic's responses (produce, fetch, group
// membership, offsets, transactions); SQS links an SQS client's actions. Event-store links carry
// a client's appends, reads and subscriptions to an event store and what it sends back; command
// links commands and queries to a handler, a read model or a saga participant, and their outcomes.
enum class Protocol {
    Publish,
    Delivery,
    Call,
    Kafka,
    Sqs,
    EventStore,
    Command,
    Mqtt,
    Redis,
    Nats,
    Pubsub,
    Sns,
    Actor,       // tell and ask between actors (core/nodes/actors/)
    Supervision, // supervisor to child edges and monitors: EXIT, restart, shutdown, DOWN signals
    Peer         // a peer-to-peer overlay's messages (core/nodes/p2p/)
};
// How people read a port's protocol: "publishes", "deliveries", "calls".
const char *protocolName(Protocol p);
// As `signalbox-cli kinds --json` writes it: "publish", "delivery", "call", "kafka", "event-store".
const char *protocolKey(Protocol p);
enum class PortDirection { In, Out };

struct PortSpec {
    std::string name;
    PortDirection direction = PortDirection::Out;
    Protocol protocol = Protocol::Publish;
    bool multiple = true; // may more than one link attach?
    std::string help;
    // Left unconnected: a warning (the default), nothing (an optional port such as a queue's
    // dead-letter), or an error that stops a run (a client's calls port: it needs a server).
    enum class Need : std::uint8_t { Warn, Optional, Required };
    Need need = Need::Warn;
};

class Node;
struct NodeSetup;
class PropertyBag;
using NodeFactory = std::function<std::unique_ptr<Node>(const NodeSetup &)>;

// How the delivery checker (checker.h) sees a kind's nodes. Most take part in its accounting of
// message copies; a queue (AMQP, SQS) holds the copies it counts; the nodes of a log (a Kafka
// topic, its producers and consumers) are checked by the consumer-group checker and ignored by it.
enum class DeliveryRole : std::uint8_t { Default, Queue, Log };

struct NodeKindSpec {
    std::string kind; // as written in files: "producer"
    std::string label;
    std::string category; // palette group: "Clients", "Broker"
    std::string help;     // one line
    std::vector<PortSpec> ports;
    std::vector<PropertySpec> properties;
    NodeFactory factory;
    // Checks across properties (a retry policy needs a retryable status), run after each value
    // passed its own check. `props` holds only the values set; read them through a PropertyBag.
    // Each problem is (property key, reason).
    std::function<void(const PropertyBag &props, std::vector<std::pair<std::string, std::string>> &problems)>
        check;
    DeliveryRole deliveryRole = DeliveryRole::Default;
    // Checks a link from this kind's output port `port` to a node of kind `peerKind` whose
    // properties the link joins to its own (an SQS producer's group id on a standard queue, a FIFO
    // queue's dead-letter queue). Run by topology validation when both nodes' properties are valid;
    // returns the reason for an error, or empty.
    std::function<std::string(const PropertyBag &own, std::string_view port, const NodeKindSpec &peerKind,
                              const PropertyBag &peer)>
        linkCheck;
    // The named points in this kind's logic where a "crash-at" fault can crash it (between a
    // service's database commit and its publish, say): (name, what has and has not happened there).
    // The node reports passing one through NodeContext::crashPoint().
    std::vector<std::pair<std::string, std::string>> crashPoints;
    // The routing inspector's question (route.h): where a message would go from a node of this
    // kind, and why not elsewhere. Kinds without one end the inspected path.
    std::function<RouteAnswer(const RouteQuestion &)> explainRoute;

    const PropertySpec *property(std::string_view key) const;
    std::optional<PortIndex> port(std::string_view name) const;
};

// A number as people write it: whole numbers in full ("10000000", not "1e+07").
std::string numberText(double v);

// The candidate closest to `word` within two edits (for "did you mean" hints), or empty.
std::string closestMatch(std::string_view word, const std::vector<std::string> &candidates);

// Validates `value` against `spec`. Returns an empty string when valid, else the reason.
std::string checkPropertyValue(const PropertySpec &spec, const Json &value);

// Typed read access to validated property values, falling back to the schema's defaults.
class PropertyBag {
public:
    PropertyBag(const std::vector<PropertySpec> &specs, const Json &values)
        : m_specs(&specs), m_values(&values)
    {
    }
    const Json &value(std::string_view key) const; // the set value or the default
    // Whether the file (or the person) set it, as opposed to the schema's default applying.
    bool explicitlySet(std::string_view key) const
    {
        return m_values->is_object() && m_values->contains(std::string(key));
    }
    bool boolean(std::string_view key) const { return value(key).get<bool>(); }
    std::int64_t integer(std::string_view key) const { return value(key).get<std::int64_t>(); }
    double number(std::string_view key) const { return value(key).get<double>(); }
    std::string string(std::string_view key) const { return value(key).get<std::string>(); }
    SimTime duration(std::string_view key) const;
    Distribution distribution(std::string_view key) const;
    std::vector<std::string> stringList(std::string_view key) const;
    std::vector<std::pair<std::string, std::string>> stringMap(std::string_view key) const;

private:
    const std::vector<PropertySpec> *m_specs;
    const Json *m_values;
};

// What a fault acts on.
enum class FaultTarget {
    Link,  // one link ("target": a link id)
    Node,  // one node ("target": a node id) or several ("nodes": [ids])
    Group, // a nemesis over a group of nodes ("nodes": [ids]; none = every node)
};
const char *faultTargetName(FaultTarget t);

struct FaultKindSpec {
    std::string kind;     // as written in files: "link-down", "crash", "partition-halves"
    std::string label;    // "Link down"
    std::string category; // menu group: "Link", "Messages", "Node", "Nemesis"
    FaultTarget target = FaultTarget::Link;
    std::string help; // one or two sentences: what the engine does at the start and the end
    std::vector<PropertySpec> params;
    const PropertySpec *param(std::string_view key) const;
};

// A system template: a kind with a real system's defaults, as the palette offers it ("gRPC
// client": an rpc-client speaking gRPC with protobuf). Defined once here; a node placed from a
// template is an ordinary node of its kind with these properties set.
struct NodeTemplate {
    std::string id;     // "grpc-client"
    std::string label;  // "gRPC client"
    std::string system; // palette group: "gRPC", "Apache Thrift", "REST", "RabbitMQ"
    std::string kind;   // "rpc-client"
    std::string help;   // one line: what the defaults are and where they come from
    Json properties = Json::object();
};

class KindRegistry {
public:
    // The kinds Signalbox ships.
    static const KindRegistry &builtin();

    const std::vector<NodeKindSpec> &kinds() const { return m_kinds; }
    const NodeKindSpec *find(std::string_view kind) const;
    // The properties every link carries (latency, loss, ...).
    const std::vector<PropertySpec> &linkProperties() const { return m_linkProperties; }
    std::vector<std::string> kindNames() const;
    // The kinds of fault a plan may hold (docs/topology-format.md, "Faults").
    const std::vector<FaultKindSpec> &faultKinds() const { return m_faultKinds; }
    const FaultKindSpec *findFault(std::string_view kind) const;
    std::vector<std::string> faultKindNames() const;
    // The properties of a node's local clock.
    const std::vector<PropertySpec> &clockProperties() const { return m_clockProperties; }
    // System templates, in palette order.
    const std::vector<NodeTemplate> &templates() const { return m_templates; }
    const NodeTemplate *findTemplate(std::string_view id) const;

    void add(NodeKindSpec spec) { m_kinds.push_back(std::move(spec)); }
    void setLinkProperties(std::vector<PropertySpec> p) { m_linkProperties = std::move(p); }
    void setFaultKinds(std::vector<FaultKindSpec> k) { m_faultKinds = std::move(k); }
    void setClockProperties(std::vector<PropertySpec> p) { m_clockProperties = std::move(p); }
    void addTemplate(NodeTemplate t) { m_templates.push_back(std::move(t)); }

    // The registry as JSON (for `signalbox-cli kinds --json` and the docs).
    Json toJson() const;

private:
    std::vector<NodeKindSpec> m_kinds;
    std::vector<PropertySpec> m_linkProperties;
    std::vector<FaultKindSpec> m_faultKinds;
    std::vector<PropertySpec> m_clockProperties;
    std::vector<NodeTemplate> m_templates;
};

} // namespace sb
