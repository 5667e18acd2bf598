#pragma once
// What a Redis client and a redis-server say to each other over one Redis link (the client's port
// is Out, the server's In; frames go both ways). As RESP commands and push replies:
//   RedisPublish     client -> server: PUBLISH, the channel in Message::routingKey, `tag` the
//                    client's own number; the reply (response set, same tag) carries in `count` the
//                    number of clients that received it (PUBLISH's integer reply).
//   RedisSubscribe   client -> server: SUBSCRIBE channel...; the reply (response set) carries in
//   RedisPSubscribe  `count` how many channels and patterns the client is now subscribed to (as
//                    the last "subscribe"/"psubscribe" push says).
//   RedisUnsubscribe client -> server: UNSUBSCRIBE or PUNSUBSCRIBE (RedisSubscription::patterns),
//                    no names = all; reply as above.
//   RedisMessage     server -> subscriber: the "message" push (channel, payload).
//   RedisPMessage    server -> subscriber: the "pmessage" push (pattern, channel, payload).
//   Disconnect       server -> client: the server closed the connection (the client's read sees
//                    EOF); Redis has no frame for it, the sequence diagram draws it as the close.
#include "../../distribution.h"
#include "../../message.h"

#include <string>
#include <vector>

namespace sb {

namespace RedisServerPort {
inline constexpr PortIndex Clients = 0;
}
namespace RedisClientPort {
inline constexpr PortIndex Server = 0;
}

// redis.conf's "client-output-buffer-limit pubsub 32mb 8mb 60".
namespace RedisDefault {
inline constexpr std::int64_t PubsubHardLimit = 32 * 1024 * 1024;
inline constexpr std::int64_t PubsubSoftLimit = 8 * 1024 * 1024;
inline constexpr std::int64_t PubsubSoftSeconds = 60;
} // namespace RedisDefault

// SUBSCRIBE / PSUBSCRIBE / UNSUBSCRIBE / PUNSUBSCRIBE.
struct RedisSubscription final : FrameBody {
    std::vector<std::string> names; // channels or patterns
    bool patterns = false;          // PSUBSCRIBE / PUNSUBSCRIBE
    // How long the client takes to read and handle one push: the speed at which it drains its
    // socket, so the server's output buffer for it grows when messages come faster (TCP's
    // backpressure, which no Redis command carries; the connection stands for it).
    Distribution readTime;
};

// A "message" or "pmessage" push.
struct RedisPush final : FrameBody {
    std::string channel;
    std::string pattern;  // pmessage only
    SimTime readTime = 0; // how long the client takes over this one (sampled by the connection)
};

// The bytes a push takes in the server's output buffer, as RESP2 encodes it:
// *3\r\n$7\r\nmessage\r\n$<len>\r\n<channel>\r\n$<len>\r\n<payload>\r\n (pmessage: *4, the pattern too).
std::uint64_t redisPushBytes(const std::string &channel, const std::string *pattern, std::uint32_t payload);

} // namespace sb
