#pragma once

// What a kind answers the routing inspector (routeinspector.h): given a message and the node's
// output links, which of them the message would leave on and, for each one it would not, why.
// Answered from the topology alone, without running: a kind's explainRoute reads its own
// properties, each output's binding and the peer's properties (a subscriber's filters), never a
// node's run-time state.

#include "message.h"

#include <nlohmann/json.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sb {

using Json = nlohmann::ordered_json;
class PropertyBag;
struct NodeKindSpec;

// The message followed: what a person types into the inspector, or what the start node's own
// properties fill in (a producer's routing key).
struct RouteMessage {
    // AMQP routing key, MQTT topic, NATS subject, Redis channel: the subject brokers match.
    std::string routingKey;
    // AMQP headers; Google Cloud Pub/Sub and SNS message attributes.
    std::vector<std::pair<std::string, std::string>> headers;
    // Named payload fields (content filters; SNS filter policies with scope MessageBody).
    std::vector<std::pair<std::string, std::string>> fields;
    // Kafka record key, Pub/Sub ordering key, SQS FIFO message group.
    std::string key;
    // Whether the person gave them: if not, the start node's own properties apply.
    bool routingKeyGiven = false;
    bool keyGiven = false;

    const std::string *header(std::string_view name) const
    {
        for (const auto &[k, v] : headers)
            if (k == name) return &v;
        return nullptr;
    }
    const std::string *field(std::string_view name) const
    {
        for (const auto &[k, v] : fields)
            if (k == name) return &v;
        return nullptr;
    }
    // As the engine's message (fields that read as numbers are numeric), for the matchers that
    // take one (headers bindings, content expressions, filter policies).
    Message toMessage() const;
};

// One output link of the node asked.
struct RouteOutput {
    std::string link; // its id
    std::string port; // the asked node's port it leaves from
    std::string peer; // the node at its other end
    const NodeKindSpec *peerKind = nullptr;
    const PropertyBag *peerProperties = nullptr;
    std::string peerPort;
    // The link's binding, when the asked node is an exchange (key and arguments as in the file).
    std::string bindingKey;
    Json bindingArguments = Json::object();
    bool hasBinding = false;
    // How the inspector shows the binding when its key says nothing (a headers binding's
    // arguments as "x-match=any, format=zip"); empty: the key.
    std::string bindingLabel;
    // The link points at the asked node (a client's connection to its broker: an MQTT, Redis or
    // NATS broker answers its subscribers on their own links); `port` is then the asked node's
    // input port. Kinds whose messages leave only on output ports ignore these.
    bool inbound = false;
};

struct RouteQuestion {
    const PropertyBag &properties;
    const RouteMessage &message;
    const std::vector<RouteOutput> &outputs;
    std::string_view inPort; // the port the message arrived on; empty at the start node
    std::string_view node;   // the asked node's id (a producer's {node} placeholder)
};

struct RouteVerdict {
    std::size_t output = 0; // index into RouteQuestion::outputs
    bool taken = false;
    std::string why;    // "binding key 'orders.*' matches 'orders.eu'", "filter policy: country is 'US'"
    int partition = -1; // the partition it lands in (a Kafka topic), or -1
    // The message as it leaves on this output, when the node changes it (a producer fills in its
    // routing key, an SNS topic wraps it for an SQS queue).
    std::optional<RouteMessage> message;
};

struct RouteAnswer {
    // One line on what the node does with the message ("topic exchange: 2 of 3 bindings match").
    std::string note;
    // A verdict for every output (outputs not named are shown as not taken, "not a route").
    std::vector<RouteVerdict> verdicts;
    // True where the message's path ends here (a consumer processes it) whatever its outputs.
    bool ends = false;
};

} // namespace sb
