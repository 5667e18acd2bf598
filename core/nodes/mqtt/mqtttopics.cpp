// Topic names, topic filters and subscription lines as MQTT takes them, and the MQTT templates.
#include "mqtt.h"

#include "../../pubsub/dialect.h"

#include <charconv>

namespace sb {

namespace {

std::string describe(std::string_view what, std::string_view text, const std::vector<PatternIssue> &issues)
{
    for (const auto &i : issues)
        if (i.error)
            return std::string(what) + " '" + std::string(text) + "': " + i.message + " (at position " +
                   std::to_string(i.position) + ")";
    return {};
}

} // namespace

std::string parseMqttFilter(std::string_view text, MqttFilter &out)
{
    out = {};
    std::string_view filter = text;
    constexpr std::string_view share = "$share/";
    if (text.substr(0, share.size()) == share) {
        // MQTT 5 4.8.2: "$share/" ShareName "/" filter; the ShareName is at least one character
        // and holds no '/', '+' or '#'.
        const std::string_view rest = text.substr(share.size());
        const std::size_t slash = rest.find('/');
        if (slash == std::string_view::npos)
            return "shared subscription '" + std::string(text) +
                   "': expected $share/<group>/<filter> (no '/' after the group name)";
        const std::string_view name = rest.substr(0, slash);
        if (name.empty()) return "shared subscription '" + std::string(text) + "': the group name is empty";
        if (const std::size_t bad = name.find_first_of("+#"); bad != std::string_view::npos)
            return "shared subscription '" + std::string(text) + "': the group name may not contain '" +
                   std::string(1, name[bad]) + "' (at position " + std::to_string(share.size() + bad) + ")";
        out.shareName = std::string(name);
        filter = rest.substr(slash + 1);
        if (filter.empty())
            return "shared subscription '" + std::string(text) +
                   "': the topic filter after the group is empty";
    }
    if (filter.empty()) return "a topic filter must be at least one character long";
    if (const std::string problem = describe("topic filter", filter, checkFilter(Dialect::Mqtt, filter));
        !problem.empty())
        return problem;
    out.filter = std::string(filter);
    return {};
}

std::string checkMqttTopic(std::string_view topic)
{
    if (topic.empty()) return "a topic name must be at least one character long";
    return describe("topic name", topic, checkSubject(Dialect::Mqtt, topic));
}

std::string parseMqttSubscriptionLine(std::string_view line, MqttSubscriptionLine &out)
{
    out = {};
    const auto isSpace = [](char c) { return c == ' ' || c == '\t'; };
    while (!line.empty() && isSpace(line.front()))
        line.remove_prefix(1);
    while (!line.empty() && isSpace(line.back()))
        line.remove_suffix(1);
    if (line.empty())
        return "empty subscription (expected \"<topic filter> <qos>\", e.g. \"sensors/+/temp 1\")";
    std::size_t split = line.size();
    while (split > 0 && !isSpace(line[split - 1]))
        --split;
    std::string_view filter = line, qos;
    if (split > 0) {
        qos = line.substr(split);
        filter = line.substr(0, split);
        while (!filter.empty() && isSpace(filter.back()))
            filter.remove_suffix(1);
        int q = -1;
        const auto [end, ec] = std::from_chars(qos.data(), qos.data() + qos.size(), q);
        if (ec != std::errc() || end != qos.data() + qos.size() || q < 0 || q > 2)
            return "subscription '" + std::string(line) + "': QoS '" + std::string(qos) +
                   "' is not 0, 1 or 2 (expected \"<topic filter> <qos>\")";
        out.qos = static_cast<std::uint8_t>(q);
    }
    MqttFilter parsed;
    if (std::string problem = parseMqttFilter(filter, parsed); !problem.empty())
        return "subscription '" + std::string(line) + "': " + problem;
    out.filter = std::string(filter);
    return {};
}

std::vector<NodeTemplate> mqttTemplates()
{
    return {
        {"mosquitto-broker", "Mosquitto broker", "MQTT", "mqtt-broker",
         "mosquitto.conf's defaults: 20 in flight and 1000 queued per client, QoS 0 not queued offline.",
         Json::object()},
        {"mqtt-sensor-qos0",
         "Sensor (QoS 0)",
         "MQTT",
         "mqtt-client",
         "Publishes a reading per second to sensors/<key>/temp at most once (QoS 0): fire and forget.",
         {{"rate", 1},
          {"topic", "sensors/{key}/temp"},
          {"keys", "list"},
          {"keyList", Json::array({"kitchen"})},
          {"qos", 0},
          {"size", 16}}},
        {"mqtt-sensor-qos1",
         "Sensor (QoS 1)",
         "MQTT",
         "mqtt-client",
         "A reading per second at least once (QoS 1), with a retained Last Will on its status topic.",
         {{"rate", 1},
          {"topic", "sensors/{key}/temp"},
          {"keys", "list"},
          {"keyList", Json::array({"garage"})},
          {"qos", 1},
          {"size", 16},
          {"willTopic", "sensors/{node}/status"},
          {"willQos", 1},
          {"willRetain", true}}},
        {"mqtt-dashboard",
         "Dashboard subscriber (persistent session)",
         "MQTT",
         "mqtt-client",
         "sensors/# at QoS 1 in a persistent session (1 h expiry): what comes while offline waits.",
         {{"rate", 0},
          {"subscriptions", Json::array({"sensors/# 1"})},
          {"cleanStart", false},
          {"sessionExpiry", "1h"}}},
    };
}

} // namespace sb
