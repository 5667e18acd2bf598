#pragma once
// MQTT kinds: the broker (sessions, subscriptions, QoS 0/1/2 flows, retained messages, Last Will,
// keep-alive, shared subscriptions, as Mosquitto) and the client that connects to it, publishes a
// workload and subscribes to topic filters. mqttprotocol.h is what they say to each other.
#include "../../node.h"
#include "../../schema.h"

#include <string>
#include <string_view>
#include <vector>

namespace sb {

NodeKindSpec mqttBrokerKind();
NodeKindSpec mqttClientKind();
// "Mosquitto broker", "Sensor (QoS 0)", ...: grouped under "MQTT" in the palette.
std::vector<NodeTemplate> mqttTemplates();

// A topic filter as a client subscribes with it: "sensors/+/temp", or a shared subscription
// "$share/group/sensors/#" (MQTT 5 4.8.2), whose group is `shareName`.
struct MqttFilter {
    std::string filter;    // without the $share/group/ prefix
    std::string shareName; // empty: not shared
};

// Splits off a "$share/<name>/" prefix and checks the filter by MQTT's rules (through the mqtt
// dialect's checkFilter). Returns the reason it is refused, naming the position, or empty.
std::string parseMqttFilter(std::string_view text, MqttFilter &out);
// Checks a topic name (no wildcards, not empty). Returns the reason, or empty.
std::string checkMqttTopic(std::string_view topic);

// One line of a client's "subscriptions" property: "<filter> [<qos>]" (QoS 0 when left out).
struct MqttSubscriptionLine {
    std::string filter; // as written, $share prefix included
    std::uint8_t qos = 0;
};
std::string parseMqttSubscriptionLine(std::string_view line, MqttSubscriptionLine &out);

} // namespace sb
