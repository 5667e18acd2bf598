#include "dialect.h"

#include "../routing.h"

namespace sb {

namespace {

std::vector<std::string_view> split(std::string_view s, char sep)
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

bool mqttMatches(std::string_view filter, std::string_view topic)
{
    if (!topic.empty() && topic.front() == '$' && !filter.empty() &&
        (filter.front() == '+' || filter.front() == '#'))
        return false;
    const auto f = split(filter, '/');
    const auto t = split(topic, '/');
    for (std::size_t i = 0; i < f.size(); ++i) {
        if (f[i] == "#") return true; // the rest, the parent level included
        if (i >= t.size()) return false;
        if (f[i] != "+" && f[i] != t[i]) return false;
    }
    return f.size() == t.size();
}

bool natsMatches(std::string_view pattern, std::string_view subject)
{
    const auto p = split(pattern, '.');
    const auto s = split(subject, '.');
    for (std::size_t i = 0; i < p.size(); ++i) {
        if (p[i] == ">") return s.size() > i;
        if (i >= s.size()) return false;
        if (p[i] != "*" && p[i] != s[i]) return false;
    }
    return p.size() == s.size();
}

// Redis's stringmatchlen: '*', '?', '[...]' (with '^' negation and ranges), '\' escapes.
bool globMatches(std::string_view p, std::string_view s)
{
    while (!p.empty()) {
        switch (p.front()) {
        case '*':
            while (p.size() > 1 && p[1] == '*')
                p.remove_prefix(1);
            if (p.size() == 1) return true;
            for (std::size_t i = 0; i <= s.size(); ++i)
                if (globMatches(p.substr(1), s.substr(i))) return true;
            return false;
        case '?':
            if (s.empty()) return false;
            s.remove_prefix(1);
            p.remove_prefix(1);
            break;
        case '[': {
            if (s.empty()) return false;
            p.remove_prefix(1);
            const bool negate = !p.empty() && p.front() == '^';
            if (negate) p.remove_prefix(1);
            bool match = false;
            for (;;) {
                if (p.empty()) break; // an unterminated class ends the pattern
                if (p.front() == '\\' && p.size() >= 2) {
                    p.remove_prefix(1);
                    if (p.front() == s.front()) match = true;
                } else if (p.front() == ']') {
                    break;
                } else if (p.size() >= 3 && p[1] == '-') {
                    char lo = p[0], hi = p[2];
                    if (lo > hi) std::swap(lo, hi);
                    if (s.front() >= lo && s.front() <= hi) match = true;
                    p.remove_prefix(2);
                } else if (p.front() == s.front()) {
                    match = true;
                }
                p.remove_prefix(1);
            }
            if (negate) match = !match;
            if (!match) return false;
            if (!p.empty()) p.remove_prefix(1); // the ']'
            s.remove_prefix(1);
            break;
        }
        case '\\':
            if (p.size() >= 2) p.remove_prefix(1);
            [[fallthrough]];
        default:
            if (s.empty() || p.front() != s.front()) return false;
            p.remove_prefix(1);
            s.remove_prefix(1);
            break;
        }
    }
    return s.empty();
}

} // namespace

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

bool dialectMatches(Dialect d, std::string_view pattern, std::string_view subject)
{
    switch (d) {
    case Dialect::Amqp:
        return topicMatches(pattern, subject);
    case Dialect::Mqtt:
        return mqttMatches(pattern, subject);
    case Dialect::Nats:
        return natsMatches(pattern, subject);
    case Dialect::Redis:
        return globMatches(pattern, subject);
    }
    return false;
}

std::vector<PatternIssue> checkFilter(Dialect, std::string_view)
{
    return {};
}

std::vector<PatternIssue> checkSubject(Dialect, std::string_view)
{
    return {};
}

std::string explainMatch(Dialect d, std::string_view pattern, std::string_view subject)
{
    return dialectMatches(d, pattern, subject) ? "matches" : "no match";
}

} // namespace sb
