#pragma once
// Subscription languages of the publish-subscribe systems Signalbox names, each as its own system
// decides them:
//   amqp  (RabbitMQ topic exchanges): '.'-separated words; '*' one word, '#' zero or more.
//   mqtt  (MQTT 3.1.1/5, Mosquitto): '/'-separated levels, empty levels count; '+' one level, '#'
//         the rest (the parent included), last only; a leading wildcard does not match '$' topics.
//   nats  '.'-separated tokens, none empty; '*' one token, '>' one or more, last only.
//   redis PSUBSCRIBE globs: '*', '?', '[abc]', '[^a]', '[a-z]', '\' escapes.
// A pattern (binding key, topic filter, subject with wildcards, glob) is checked with checkFilter;
// a concrete name (routing key, topic name, subject, channel) with checkSubject.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sb {

enum class Dialect : std::uint8_t { Amqp, Mqtt, Nats, Redis };
inline constexpr int kDialectCount = 4;

// "amqp", "mqtt", "nats", "redis"
const char *dialectName(Dialect d);
bool dialectFromName(std::string_view name, Dialect &out);

// One thing wrong, or likely wrong, with a pattern or a name: `position` is the 0-based byte offset
// in it the message is about; `error` false for a warning (the system accepts it, but it is likely
// a mistake, such as RabbitMQ's literal '*' inside a word).
struct PatternIssue {
    std::size_t position = 0;
    std::string message; // a sentence for a person, naming the rule
    bool error = true;
    bool operator==(const PatternIssue &) const = default;
};

std::vector<PatternIssue> checkFilter(Dialect d, std::string_view pattern);
std::vector<PatternIssue> checkSubject(Dialect d, std::string_view subject);
inline bool hasError(const std::vector<PatternIssue> &issues)
{
    for (const auto &i : issues)
        if (i.error) return true;
    return false;
}

// Whether `pattern` (valid per checkFilter) matches `subject`, by the dialect's rules. This is
// the plain one-pattern matcher; SubscriptionIndex matches many patterns at once.
bool dialectMatches(Dialect d, std::string_view pattern, std::string_view subject);

// Why `pattern` matches `subject` or why not, one sentence for a person ("level 2 'kitchen' is not
// 'garage'"), starting with "matches" or "no match".
std::string explainMatch(Dialect d, std::string_view pattern, std::string_view subject);

// MQTT 5 shared subscriptions, "$share/{group}/{filter}": one member of the group gets each
// message. A filter starting with "$share/" is split into its group and the filter proper (either
// may be empty or invalid: checkFilter says); false for any other filter. Matching (dialectMatches,
// SubscriptionIndex) uses the filter proper, as a broker does.
struct SharedSubscription {
    std::string_view group;
    std::string_view filter;
    std::size_t filterPosition = 0; // where `filter` starts in the whole text
};
bool parseSharedSubscription(std::string_view filter, SharedSubscription &out);

} // namespace sb
