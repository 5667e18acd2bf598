#pragma once
// What an mqtt-client and an mqtt-broker say to each other over their one duplex link: the MQTT
// 3.1.1/5 control packets (FrameType::Connect .. Disconnect). A PUBLISH carries its application
// message in Frame::message (the topic name is the message's routingKey), its QoS in `qos`, its
// packet identifier in `tag`, DUP in `redelivered` and RETAIN in `retain`; PUBACK, PUBREC, PUBREL
// and PUBCOMP echo the packet identifier in `tag`. CONNACK, SUBACK and a server's DISCONNECT say
// their reason code in `status` (0 = success). The bodies below carry the packets' other fields.
// Defaults are the MQTT specs' and Mosquitto's (mosquitto.conf(5)).
#include "../../message.h"
#include "../../simtime.h"

#include <optional>
#include <string>
#include <vector>

namespace sb {

namespace MqttBrokerPort {
inline constexpr PortIndex In = 0;
}
namespace MqttClientPort {
inline constexpr PortIndex Out = 0;
}

namespace MqttDefault {
inline constexpr SimTime KeepAlive = 60 * kSecond;          // the client libraries' (mosquitto, paho) default
inline constexpr std::int64_t MaxInflight = 20;             // mosquitto.conf max_inflight_messages
inline constexpr std::int64_t MaxQueued = 1000;             // mosquitto.conf max_queued_messages
inline constexpr SimTime RetryInterval = 20 * kSecond;      // Mosquitto 1.x retry_interval, paho's 20 s
inline constexpr SimTime ReconnectDelay = 1 * kSecond;      // paho reconnect_delay_set(min_delay=1)
inline constexpr SimTime ReconnectDelayMax = 120 * kSecond; // ... max_delay=120
inline constexpr SimTime ConnectTimeout = 30 * kSecond;     // paho's connection timeout
inline constexpr std::uint16_t MaxPacketId = 65535;         // packet identifiers are 1..65535
} // namespace MqttDefault

// Reason codes (MQTT 5, section 2.4) used in `status`.
namespace MqttReason {
inline constexpr std::uint16_t Success = 0x00;
inline constexpr std::uint16_t UnspecifiedError = 0x80; // SUBACK: a filter the server refused
inline constexpr std::uint16_t TopicFilterInvalid = 0x8F;
inline constexpr std::uint16_t SessionTakenOver = 0x8E;
inline constexpr std::uint16_t KeepAliveTimeout = 0x8D;
} // namespace MqttReason

// The Last Will: published by the broker when the connection ends other than by DISCONNECT.
struct MqttWill {
    std::string topic;
    std::uint8_t qos = 0;
    bool retain = false;
    std::uint32_t size = 0; // the will payload's bytes
};

// CONNECT. `sessionExpiry` 0 ends the session with the connection; kNever keeps it for ever (an
// MQTT 3.1.1 clean-session-0 client, or MQTT 5's 0xFFFFFFFF).
struct MqttConnectBody final : FrameBody {
    std::string clientId;
    int protocolVersion = 5; // 4 = MQTT 3.1.1, 5 = MQTT 5
    bool cleanStart = true;  // MQTT 3.1.1's CleanSession
    SimTime sessionExpiry = 0;
    SimTime keepAlive = MqttDefault::KeepAlive; // 0 = no keep-alive
    std::optional<MqttWill> will;
};

// CONNACK.
struct MqttConnAckBody final : FrameBody {
    bool sessionPresent = false;
};

// One subscription request: a topic filter (possibly "$share/group/filter") and its maximum QoS.
struct MqttTopicRequest {
    std::string filter;
    std::uint8_t qos = 0;
};

// SUBSCRIBE (its packet identifier in `tag`).
struct MqttSubscribeBody final : FrameBody {
    std::vector<MqttTopicRequest> filters;
};

// SUBACK: one granted QoS (0..2) or MqttReason::UnspecifiedError per requested filter.
struct MqttSubAckBody final : FrameBody {
    std::vector<std::uint8_t> granted;
};

// UNSUBSCRIBE.
struct MqttUnsubscribeBody final : FrameBody {
    std::vector<std::string> filters;
};

} // namespace sb
