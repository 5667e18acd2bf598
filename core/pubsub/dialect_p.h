#pragma once
// Inside core/pubsub: what the dialects share (tokens with their byte offsets, wording helpers) and
// each dialect's own rules, one .cpp per dialect (amqpdialect, mqttdialect, natsdialect,
// redisdialect). dialect.cpp only dispatches on the Dialect.
#include "dialect.h"

#include <string>
#include <string_view>
#include <vector>

namespace sb::pubsub {

// One separated piece of a key/topic/subject and where it starts (0-based byte offset).
struct Token {
    std::string_view text;
    std::size_t position = 0;
};

// Splits on `sep`; "a..b" gives three tokens (the middle one empty) and "" gives one empty token.
std::vector<Token> splitTokens(std::string_view s, char sep);
// Only the texts, as the matchers need them.
std::vector<std::string_view> splitViews(std::string_view s, char sep);
// 'text' with control characters shown as \xNN, cut to 60 bytes, for messages.
std::string quoted(std::string_view text);
// "the 1st", "2nd", "3rd", "11th"...
std::string ordinal(std::size_t n);
// "at column 7" for the 0-based byte offset 6.
std::string atColumn(std::size_t position);
// Joins tokens [first, first + count) of `subject` with `sep`.
std::string joinTokens(const std::vector<std::string_view> &tokens, std::size_t first, std::size_t count,
                       char sep);

// MQTT and NATS alike: one-token wildcard anywhere, a rest wildcard only last.
struct TrailingSyntax {
    char separator;
    std::string_view one;  // "+" or "*"
    std::string_view rest; // "#" (zero or more) or ">" (one or more)
    bool restNeedsOne;
    const char *token;   // "level", "token"
    const char *subject; // "topic", "subject"
    const char *pattern; // "filter", "subject"
};
bool trailingMatches(const TrailingSyntax &syntax, std::string_view pattern, std::string_view subject);
std::string trailingExplain(const TrailingSyntax &syntax, std::string_view pattern, std::string_view subject);

// AMQP (RabbitMQ topic exchanges).
void checkAmqpFilter(std::string_view key, std::vector<PatternIssue> &out);
void checkAmqpSubject(std::string_view key, std::vector<PatternIssue> &out);
std::string explainAmqp(std::string_view pattern, std::string_view key);
// RabbitMQ refuses a topic binding key with more '#' words than this.
inline constexpr int kAmqpMaxHashWords = 2;
// AMQP 0-9-1 short strings (routing and binding keys).
inline constexpr std::size_t kAmqpMaxKeyBytes = 255;

// MQTT (3.1.1 / 5, as Mosquitto).
void checkMqttFilter(std::string_view filter, std::vector<PatternIssue> &out);
void checkMqttSubject(std::string_view topic, std::vector<PatternIssue> &out);
bool mqttMatches(std::string_view filter, std::string_view topic);
std::string explainMqtt(std::string_view filter, std::string_view topic);
inline constexpr std::size_t kMqttMaxBytes = 65535;
// Mosquitto's TOPIC_HIERARCHY_LIMIT: a broker refuses topics and filters with more '/' than this.
inline constexpr std::size_t kMqttMaxSeparators = 200;

// NATS (nats-server's sublist.go).
void checkNatsFilter(std::string_view subject, std::vector<PatternIssue> &out);
void checkNatsSubject(std::string_view subject, std::vector<PatternIssue> &out);
bool natsMatches(std::string_view pattern, std::string_view subject);
std::string explainNats(std::string_view pattern, std::string_view subject);

// Redis PSUBSCRIBE globs (util.c stringmatchlen).
void checkRedisFilter(std::string_view pattern, std::vector<PatternIssue> &out);
bool redisMatches(std::string_view pattern, std::string_view channel);
std::string explainRedis(std::string_view pattern, std::string_view channel);
// The bytes of `pattern` before its first glob character ('*', '?', '[' or '\'): every channel
// the pattern matches starts with them.
std::string_view redisLiteralPrefix(std::string_view pattern);

} // namespace sb::pubsub
