// MQTT 3.1.1 / 5 topic names and filters, validated as Mosquitto does (lib/util_topic.c
// mosquitto_sub_topic_check / mosquitto_pub_topic_check, lib/utf8_mosq.c): '/'-separated levels,
// empty levels count; '+' one whole level; '#' the whole last level, standing for the rest and the
// parent; filters starting with a wildcard do not match topics starting with '$'.
#include "dialect_p.h"

#include <cstdio>

namespace sb::pubsub {

namespace {

constexpr TrailingSyntax kSyntax{'/', "+", "#", false, "level", "topic", "filter"};

std::string hexByte(unsigned char c)
{
    char buf[8];
    std::snprintf(buf, sizeof buf, "0x%02X", c);
    return buf;
}

std::string codePoint(std::uint32_t cp)
{
    char buf[16];
    std::snprintf(buf, sizeof buf, "U+%04X", cp);
    return buf;
}

// The first way `s` is not an MQTT UTF-8 string, as Mosquitto's mosquitto_validate_utf8 decides:
// well-formed UTF-8 without surrogates or overlong forms, no U+0000 (MQTT-1.5.4-2), and no control
// characters or noncharacters (the spec says SHOULD NOT; Mosquitto refuses them).
bool checkUtf8(std::string_view s, std::size_t base, const char *what, std::vector<PatternIssue> &out)
{
    const auto *u = reinterpret_cast<const unsigned char *>(s.data());
    for (std::size_t i = 0; i < s.size();) {
        const std::size_t at = base + i;
        const unsigned char c = u[i];
        std::size_t len = 1;
        std::uint32_t cp = c;
        if (c == 0) {
            out.push_back({at,
                           std::string("the null character U+0000 ") + atColumn(at) +
                               " is not allowed in an MQTT " + what,
                           true});
            return false;
        }
        if (c >= 0x80) {
            if ((c & 0xE0) == 0xC0 && c >= 0xC2)
                len = 2, cp = c & 0x1F;
            else if ((c & 0xF0) == 0xE0)
                len = 3, cp = c & 0x0F;
            else if ((c & 0xF8) == 0xF0 && c <= 0xF4)
                len = 4, cp = c & 0x07;
            else
                len = 0;
            bool ok = len != 0 && i + len <= s.size();
            for (std::size_t k = 1; ok && k < len; ++k) {
                if ((u[i + k] & 0xC0) != 0x80)
                    ok = false;
                else
                    cp = (cp << 6) | (u[i + k] & 0x3F);
            }
            if (ok && ((cp >= 0xD800 && cp <= 0xDFFF) || (len == 3 && cp < 0x800) ||
                       (len == 4 && (cp < 0x10000 || cp > 0x10FFFF))))
                ok = false;
            if (!ok) {
                out.push_back({at,
                               "byte " + hexByte(c) + " " + atColumn(at) +
                                   " does not start valid UTF-8; an MQTT " + what +
                                   " must be well-formed UTF-8",
                               true});
                return false;
            }
        }
        if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F)) {
            out.push_back({at,
                           "the control character " + codePoint(cp) + " " + atColumn(at) +
                               " is refused by Mosquitto (MQTT says an " + what +
                               " should not contain control characters)",
                           true});
            return false;
        }
        if ((cp >= 0xFDD0 && cp <= 0xFDEF) || (cp & 0xFFFF) == 0xFFFE || (cp & 0xFFFF) == 0xFFFF) {
            out.push_back(
                {at, "the noncharacter " + codePoint(cp) + " " + atColumn(at) + " is refused by Mosquitto",
                 true});
            return false;
        }
        i += len;
    }
    return true;
}

// Length, UTF-8 and depth, common to topic names and filters.
bool checkString(std::string_view s, const char *what, std::vector<PatternIssue> &out)
{
    if (s.empty()) {
        out.push_back({0,
                       std::string("an empty ") + what + " is not allowed: MQTT needs at least one character",
                       true});
        return false;
    }
    if (s.size() > kMqttMaxBytes) {
        out.push_back({kMqttMaxBytes,
                       std::string("the ") + what + " is " + std::to_string(s.size()) +
                           " bytes long; MQTT strings hold at most 65535 bytes",
                       true});
        return false;
    }
    if (!checkUtf8(s, 0, what, out)) return false;
    std::size_t separators = 0;
    for (std::size_t i = 0; i < s.size(); ++i)
        if (s[i] == '/' && ++separators == kMqttMaxSeparators + 1) {
            out.push_back({i,
                           std::string("the '/' ") + atColumn(i) + " is the 201st: Mosquitto refuses a " +
                               what + " with more than 200 '/' separators",
                           true});
            return false;
        }
    return true;
}

// Wildcards of a filter (without any "$share/group/" in front), `base` being where it starts.
void checkWildcards(std::string_view f, std::size_t base, std::vector<PatternIssue> &out)
{
    for (std::size_t i = 0; i < f.size(); ++i) {
        const char c = f[i];
        if (c != '+' && c != '#') continue;
        const bool startsLevel = i == 0 || f[i - 1] == '/';
        const bool endsLevel = i + 1 == f.size() || f[i + 1] == '/';
        const std::size_t at = base + i;
        if (c == '+' && (!startsLevel || !endsLevel))
            out.push_back({at,
                           "'+' " + atColumn(at) +
                               " must be a whole level on its own, between '/' separators, as in 'a/+/c'",
                           true});
        else if (c == '#' && (!startsLevel || !endsLevel))
            out.push_back(
                {at, "'#' " + atColumn(at) + " must be a whole level on its own, as in 'a/#'", true});
        else if (c == '#' && i + 1 != f.size())
            out.push_back(
                {at,
                 "'#' " + atColumn(at) +
                     " must be the last level: it stands for every level below, so nothing can follow it",
                 true});
    }
}

std::string_view effectiveFilter(std::string_view filter)
{
    SharedSubscription shared;
    return parseSharedSubscription(filter, shared) ? shared.filter : filter;
}

bool hidesDollarTopic(std::string_view filter, std::string_view topic)
{
    return !topic.empty() && topic.front() == '$' && !filter.empty() &&
           (filter.front() == '+' || filter.front() == '#');
}

} // namespace

void checkMqttFilter(std::string_view filter, std::vector<PatternIssue> &out)
{
    if (!checkString(filter, "topic filter", out)) return;
    SharedSubscription shared;
    if (!parseSharedSubscription(filter, shared)) {
        checkWildcards(filter, 0, out);
        return;
    }
    // MQTT 5, 4.8.2: "$share/{ShareName}/{filter}"; the ShareName has at least one character and
    // no '/', '+' or '#'; the filter after it is a filter like any other.
    constexpr std::size_t groupAt = 7;
    if (shared.group.empty())
        out.push_back({groupAt,
                       "a shared subscription names its group: '$share/GROUP/filter' (the group " +
                           atColumn(groupAt) + " is empty)",
                       true});
    const std::size_t bad = shared.group.find_first_of("+#");
    if (bad != std::string_view::npos)
        out.push_back({groupAt + bad,
                       "the share name " + quoted(shared.group) + " cannot contain '" + shared.group[bad] +
                           "' (" + atColumn(groupAt + bad) + "): share names have no '/', '+' or '#'",
                       true});
    if (shared.filterPosition >= filter.size() && filter.find('/', groupAt) == std::string_view::npos)
        out.push_back({filter.size(),
                       "'$share/" + std::string(shared.group) + "' needs a topic filter after the group " +
                           atColumn(filter.size()) + ", as in '$share/" + std::string(shared.group) + "/a/#'",
                       true});
    else if (shared.filter.empty())
        out.push_back({shared.filterPosition,
                       "the topic filter after '$share/" + std::string(shared.group) + "/' is empty", true});
    else
        checkWildcards(shared.filter, shared.filterPosition, out);
}

void checkMqttSubject(std::string_view topic, std::vector<PatternIssue> &out)
{
    if (!checkString(topic, "topic name", out)) return;
    for (std::size_t i = 0; i < topic.size(); ++i)
        if (topic[i] == '+' || topic[i] == '#')
            out.push_back({i,
                           std::string("'") + topic[i] + "' " + atColumn(i) +
                               ": a topic name to publish to cannot contain wildcards (only subscriptions' "
                               "filters can)",
                           true});
}

bool mqttMatches(std::string_view filter, std::string_view topic)
{
    filter = effectiveFilter(filter);
    if (hidesDollarTopic(filter, topic)) return false;
    return trailingMatches(kSyntax, filter, topic);
}

std::string explainMqtt(std::string_view filter, std::string_view topic)
{
    filter = effectiveFilter(filter);
    if (hidesDollarTopic(filter, topic))
        return std::string("no match: '") + filter.front() +
               "' at the start does not match topics beginning with '$' (such as '$SYS/...', the broker's "
               "own); "
               "subscribe to '$SYS/#' for those";
    return trailingExplain(kSyntax, filter, topic);
}

} // namespace sb::pubsub
