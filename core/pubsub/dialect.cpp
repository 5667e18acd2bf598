#include "dialect.h"

#include "../routing.h"
#include "dialect_p.h"

#include <algorithm>

namespace sb {

namespace pubsub {

std::vector<Token> splitTokens(std::string_view s, char sep)
{
    std::vector<Token> out;
    std::size_t start = 0;
    for (;;) {
        const std::size_t p = s.find(sep, start);
        if (p == std::string_view::npos) {
            out.push_back({s.substr(start), start});
            return out;
        }
        out.push_back({s.substr(start, p - start), start});
        start = p + 1;
    }
}

std::vector<std::string_view> splitViews(std::string_view s, char sep)
{
    std::vector<std::string_view> out;
    std::size_t start = 0;
    for (;;) {
        const std::size_t p = s.find(sep, start);
        if (p == std::string_view::npos) {
            out.push_back(s.substr(start));
            return out;
        }
        out.push_back(s.substr(start, p - start));
        start = p + 1;
    }
}

std::string quoted(std::string_view text)
{
    constexpr std::size_t kMax = 60;
    std::string out = "'";
    for (std::size_t i = 0; i < text.size() && i < kMax; ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (c < 0x20 || c == 0x7f) {
            constexpr char hex[] = "0123456789abcdef";
            out += "\\x";
            out += hex[c >> 4];
            out += hex[c & 15];
        } else {
            out += static_cast<char>(c);
        }
    }
    if (text.size() > kMax) out += "...";
    return out + "'";
}

std::string ordinal(std::size_t n)
{
    const char *suffix = "th";
    if (n % 100 < 11 || n % 100 > 13) {
        if (n % 10 == 1)
            suffix = "st";
        else if (n % 10 == 2)
            suffix = "nd";
        else if (n % 10 == 3)
            suffix = "rd";
    }
    return std::to_string(n) + suffix;
}

std::string atColumn(std::size_t position)
{
    return "at column " + std::to_string(position + 1);
}

std::string joinTokens(const std::vector<std::string_view> &tokens, std::size_t first, std::size_t count,
                       char sep)
{
    std::string out;
    for (std::size_t i = first; i < first + count && i < tokens.size(); ++i) {
        if (i > first) out += sep;
        out += tokens[i];
    }
    return out;
}

bool trailingMatches(const TrailingSyntax &syntax, std::string_view pattern, std::string_view subject)
{
    std::size_t pi = 0, si = 0;
    for (;;) {
        const std::size_t pe = std::min(pattern.find(syntax.separator, pi), pattern.size());
        const std::string_view token = pattern.substr(pi, pe - pi);
        if (token == syntax.rest && pe == pattern.size()) return !syntax.restNeedsOne || si <= subject.size();
        if (si > subject.size()) return false; // the subject has fewer tokens
        const std::size_t se = std::min(subject.find(syntax.separator, si), subject.size());
        if (token != syntax.one && token != subject.substr(si, se - si)) return false;
        if (pe == pattern.size()) return se == subject.size();
        pi = pe + 1;
        si = se + 1;
    }
}

std::string trailingExplain(const TrailingSyntax &syntax, std::string_view pattern, std::string_view subject)
{
    const auto p = splitViews(pattern, syntax.separator);
    const auto s = splitViews(subject, syntax.separator);
    const std::string tokens = std::string(syntax.token) + "s";
    auto count = [&](std::size_t n) { return std::to_string(n) + " " + (n == 1 ? syntax.token : tokens); };
    std::string took;
    auto add = [&took](const std::string &what) { took += (took.empty() ? "" : ", ") + what; };
    for (std::size_t i = 0; i < p.size(); ++i) {
        if (p[i] == syntax.rest && i + 1 == p.size()) {
            if (i == s.size()) {
                if (syntax.restNeedsOne)
                    return "no match: '" + std::string(syntax.rest) + "' needs at least one more " +
                           syntax.token + " after " + quoted(subject);
                add("'" + std::string(syntax.rest) + "' took nothing (it also matches the parent " +
                    syntax.token + ")");
            } else {
                add("'" + std::string(syntax.rest) + "' took " +
                    quoted(joinTokens(s, i, s.size() - i, syntax.separator)));
            }
            return "matches: " + took;
        }
        if (i >= s.size())
            return "no match: the " + std::string(syntax.subject) + " has only " + count(s.size()) +
                   "; the " + syntax.pattern + " needs " + (p.back() == syntax.rest ? "at least " : "") +
                   std::to_string(p.back() == syntax.rest ? p.size() - (syntax.restNeedsOne ? 0 : 1)
                                                          : p.size());
        if (p[i] == syntax.one) {
            add("'" + std::string(syntax.one) + "' took " +
                (s[i].empty() ? "the empty " + std::string(syntax.token) + " ''" : quoted(s[i])));
        } else if (p[i] != s[i]) {
            return "no match: " + std::string(syntax.token) + " " + std::to_string(i + 1) + " " +
                   quoted(s[i]) + " is not " + quoted(p[i]);
        }
    }
    if (s.size() > p.size())
        return "no match: the " + std::string(syntax.subject) + " has " + count(s.size()) + ", the " +
               syntax.pattern + " only " + std::to_string(p.size()) + " and no '" + std::string(syntax.rest) +
               "' to take the rest";
    if (took.empty())
        return "matches: the same " + count(s.size()) + ", " + syntax.token + " for " + syntax.token;
    return "matches: " + took;
}

} // namespace pubsub

const char *dialectName(Dialect d)
{
    constexpr const char *names[] = {"amqp", "mqtt", "nats", "redis"};
    return names[static_cast<int>(d)];
}

bool dialectFromName(std::string_view name, Dialect &out)
{
    for (int i = 0; i < kDialectCount; ++i)
        if (name == dialectName(Dialect(i))) {
            out = Dialect(i);
            return true;
        }
    return false;
}

bool parseSharedSubscription(std::string_view filter, SharedSubscription &out)
{
    constexpr std::string_view kPrefix = "$share/";
    if (filter.substr(0, kPrefix.size()) != kPrefix) return false;
    const std::size_t slash = filter.find('/', kPrefix.size());
    if (slash == std::string_view::npos) {
        out = {filter.substr(kPrefix.size()), {}, filter.size()};
    } else {
        out = {filter.substr(kPrefix.size(), slash - kPrefix.size()), filter.substr(slash + 1), slash + 1};
    }
    return true;
}

bool dialectMatches(Dialect d, std::string_view pattern, std::string_view subject)
{
    switch (d) {
    case Dialect::Amqp:
        return topicMatches(pattern, subject);
    case Dialect::Mqtt:
        return pubsub::mqttMatches(pattern, subject);
    case Dialect::Nats:
        return pubsub::natsMatches(pattern, subject);
    case Dialect::Redis:
        return pubsub::redisMatches(pattern, subject);
    }
    return false;
}

std::vector<PatternIssue> checkFilter(Dialect d, std::string_view pattern)
{
    std::vector<PatternIssue> out;
    switch (d) {
    case Dialect::Amqp:
        pubsub::checkAmqpFilter(pattern, out);
        break;
    case Dialect::Mqtt:
        pubsub::checkMqttFilter(pattern, out);
        break;
    case Dialect::Nats:
        pubsub::checkNatsFilter(pattern, out);
        break;
    case Dialect::Redis:
        pubsub::checkRedisFilter(pattern, out);
        break;
    }
    return out;
}

std::vector<PatternIssue> checkSubject(Dialect d, std::string_view subject)
{
    std::vector<PatternIssue> out;
    switch (d) {
    case Dialect::Amqp:
        pubsub::checkAmqpSubject(subject, out);
        break;
    case Dialect::Mqtt:
        pubsub::checkMqttSubject(subject, out);
        break;
    case Dialect::Nats:
        pubsub::checkNatsSubject(subject, out);
        break;
    case Dialect::Redis:
        break; // Redis takes any bytes as a channel name
    }
    return out;
}

std::string explainMatch(Dialect d, std::string_view pattern, std::string_view subject)
{
    switch (d) {
    case Dialect::Amqp:
        return pubsub::explainAmqp(pattern, subject);
    case Dialect::Mqtt:
        return pubsub::explainMqtt(pattern, subject);
    case Dialect::Nats:
        return pubsub::explainNats(pattern, subject);
    case Dialect::Redis:
        return pubsub::explainRedis(pattern, subject);
    }
    return {};
}

} // namespace sb
