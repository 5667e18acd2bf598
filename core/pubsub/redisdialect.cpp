// Redis PSUBSCRIBE patterns, matched exactly as Redis's util.c stringmatchlen() (case-sensitive,
// as pub/sub uses it): '*' any run of characters, '?' one character, '[abc]' '[^a]' '[a-z]' a
// class, '\' escapes the next character. Its corners are kept on purpose: the loop runs only while
// both pattern and channel have characters left, so an empty channel matches only the empty
// pattern (not even '*'); an unterminated '[' takes the rest of the pattern as its class; a
// trailing '\' is a literal backslash; a reversed range 'z-a' is read as 'a-z'; ranges compare
// chars as signed, as in C on x86; more than 1000 nested '*' give up (no match).
#include "dialect_p.h"

#include <algorithm>

namespace sb::pubsub {

namespace {

struct Capture {
    std::size_t patternAt, patternLen, channelAt, channelLen;
};

class GlobMatcher {
public:
    GlobMatcher(std::string_view pattern, std::string_view channel, std::vector<Capture> *captures)
        : m_p(pattern), m_s(channel), m_captures(captures)
    {
    }

    bool run() { return match(0, 0, 0); }

    // The furthest point in the channel where a comparison failed, for explanations.
    struct Failure {
        bool set = false;
        std::size_t patternAt = 0, patternLen = 0, channelAt = 0;
        enum { Differs, PatternEnded, ChannelEnded } why = Differs;
    };
    const Failure &failure() const { return m_failure; }

private:
    void capture(std::size_t pi, std::size_t plen, std::size_t si, std::size_t slen)
    {
        if (m_captures) m_captures->push_back({pi, plen, si, slen});
    }
    void fail(std::size_t pi, std::size_t plen, std::size_t si, decltype(Failure::why) why)
    {
        if (!m_failure.set || si > m_failure.channelAt) m_failure = {true, pi, plen, si, why};
    }
    static int sc(char c) { return static_cast<signed char>(c); }

    bool match(std::size_t pi, std::size_t si, int nesting)
    {
        const std::size_t P = m_p.size(), S = m_s.size();
        if (nesting > 1000) return false; // Redis's protection against abusive patterns
        while (pi < P && si < S) {
            switch (m_p[pi]) {
            case '*': {
                while (pi + 1 < P && m_p[pi + 1] == '*')
                    ++pi;
                if (pi + 1 == P) {
                    capture(pi, 1, si, S - si);
                    return true;
                }
                const std::size_t start = si;
                while (si < S) {
                    const std::size_t mark = m_captures ? m_captures->size() : 0;
                    if (match(pi + 1, si, nesting + 1)) {
                        capture(pi, 1, start, si - start);
                        return true;
                    }
                    if (m_captures) m_captures->resize(mark);
                    if (m_skipLongerMatches) return false;
                    ++si;
                }
                // No place for the rest of the pattern anywhere in the rest of the channel:
                // longer matches for earlier '*'s cannot help either (Redis's skipLongerMatches).
                m_skipLongerMatches = true;
                return false;
            }
            case '?':
                capture(pi, 1, si, 1);
                ++si;
                break;
            case '[': {
                const std::size_t open = pi;
                ++pi;
                const bool negate = pi < P && m_p[pi] == '^';
                if (negate) ++pi;
                bool hit = false;
                for (;;) {
                    if (pi < P && m_p[pi] == '\\' && P - pi >= 2) {
                        ++pi;
                        if (m_p[pi] == m_s[si]) hit = true;
                    } else if (pi < P && m_p[pi] == ']') {
                        break;
                    } else if (pi >= P) {
                        --pi; // unterminated: the class ran to the end of the pattern
                        break;
                    } else if (P - pi >= 3 && m_p[pi + 1] == '-') {
                        int lo = sc(m_p[pi]), hi = sc(m_p[pi + 2]);
                        if (lo > hi) std::swap(lo, hi);
                        const int c = sc(m_s[si]);
                        pi += 2;
                        if (c >= lo && c <= hi) hit = true;
                    } else if (m_p[pi] == m_s[si]) {
                        hit = true;
                    }
                    ++pi;
                }
                if (negate) hit = !hit;
                if (!hit) {
                    fail(open, pi + 1 - open, si, Failure::Differs);
                    return false;
                }
                capture(open, pi + 1 - open, si, 1);
                ++si;
                break;
            }
            case '\\':
                if (P - pi >= 2) ++pi;
                [[fallthrough]];
            default:
                if (m_p[pi] != m_s[si]) {
                    fail(pi, 1, si, Failure::Differs);
                    return false;
                }
                ++si;
                break;
            }
            ++pi;
            if (si == S) {
                while (pi < P && m_p[pi] == '*')
                    ++pi;
                break;
            }
        }
        if (pi == P && si == S) return true;
        if (pi == P)
            fail(pi, 0, si, Failure::PatternEnded);
        else
            fail(pi, P - pi, si, Failure::ChannelEnded);
        return false;
    }

    std::string_view m_p, m_s;
    std::vector<Capture> *m_captures;
    bool m_skipLongerMatches = false;
    Failure m_failure;
};

} // namespace

bool redisMatches(std::string_view pattern, std::string_view channel)
{
    return GlobMatcher(pattern, channel, nullptr).run();
}

std::string_view redisLiteralPrefix(std::string_view pattern)
{
    return pattern.substr(0, std::min(pattern.find_first_of("*?[\\"), pattern.size()));
}

void checkRedisFilter(std::string_view p, std::vector<PatternIssue> &out)
{
    // Redis accepts every pattern; these are the ones that surely do not say what was meant. The
    // walk follows stringmatchlen's reading of classes and escapes.
    const std::size_t P = p.size();
    for (std::size_t i = 0; i < P;) {
        if (p[i] == '\\') {
            if (i + 1 < P) {
                i += 2;
                continue;
            }
            out.push_back({i,
                           "the pattern ends with a lone '\\' " + atColumn(i) +
                               ": Redis matches it as a literal backslash; write '\\\\' if that is meant",
                           false});
            ++i;
            continue;
        }
        if (p[i] != '[') {
            ++i;
            continue;
        }
        const std::size_t open = i++;
        if (i < P && p[i] == '^') ++i;
        bool first = true;
        for (;;) {
            if (i < P && p[i] == '\\' && P - i >= 2) {
                i += 2;
            } else if (i < P && p[i] == ']') {
                if (first && (open + 1 == i))
                    out.push_back(
                        {open,
                         "'[]' " + atColumn(open) +
                             " is an empty class: it matches no character, so the pattern never "
                             "matches (Redis ends a class at its first ']'; write '[\\]]' for a ']')",
                         false});
                ++i;
                break;
            } else if (i >= P) {
                out.push_back({open,
                               "the '[' " + atColumn(open) +
                                   " opens a class that is never closed with ']': Redis then takes the rest "
                                   "of the pattern as the class",
                               false});
                break;
            } else if (P - i >= 3 && p[i + 1] == '-') {
                if (static_cast<signed char>(p[i]) > static_cast<signed char>(p[i + 2]))
                    out.push_back({i,
                                   "the range " + quoted(p.substr(i, 3)) + " " + atColumn(i) +
                                       " is reversed: Redis reads it as '" + std::string(1, p[i + 2]) + "-" +
                                       std::string(1, p[i]) + "'",
                                   false});
                i += 3;
            } else {
                ++i;
            }
            first = false;
        }
    }
}

std::string explainRedis(std::string_view pattern, std::string_view channel)
{
    std::vector<Capture> captures;
    GlobMatcher m(pattern, channel, &captures);
    if (m.run()) {
        if (captures.empty())
            return channel.empty() ? "matches: both are empty" : "matches: the same characters, literally";
        std::sort(captures.begin(), captures.end(),
                  [](const Capture &a, const Capture &b) { return a.patternAt < b.patternAt; });
        std::string took;
        std::size_t shown = 0;
        for (const auto &c : captures) {
            if (++shown > 8) {
                took += ", ...";
                break;
            }
            took += (took.empty() ? "" : ", ") + quoted(pattern.substr(c.patternAt, c.patternLen)) +
                    " took " +
                    (c.channelLen == 0 ? std::string("nothing")
                                       : quoted(channel.substr(c.channelAt, c.channelLen)));
        }
        return "matches: " + took;
    }
    if (channel.empty())
        return "no match: the channel is empty, and Redis matches an empty channel only with the empty "
               "pattern "
               "(even '*' needs one character)";
    const std::string_view prefix = redisLiteralPrefix(pattern);
    for (std::size_t i = 0; i < prefix.size(); ++i) {
        if (i >= channel.size())
            return "no match: the channel is shorter than the pattern's literal start " + quoted(prefix);
        if (prefix[i] != channel[i])
            return "no match: character " + std::to_string(i + 1) + " " + quoted(channel.substr(i, 1)) +
                   " is not " + quoted(prefix.substr(i, 1)) + " (the pattern starts with " + quoted(prefix) +
                   ")";
    }
    const auto &f = m.failure();
    const std::string tried =
        pattern.find('*') != std::string_view::npos ? " (with every way of placing its '*'s)" : "";
    if (!f.set) return "no match";
    switch (f.why) {
    case GlobMatcher::Failure::Differs:
        return std::string(tried.empty() ? "no match: character " : "no match: at best, character ") +
               std::to_string(f.channelAt + 1) + " " + quoted(channel.substr(f.channelAt, 1)) + " is not " +
               (f.patternLen > 1 ? "in " : "") + quoted(pattern.substr(f.patternAt, f.patternLen)) + " " +
               atColumn(f.patternAt) + " of the pattern" + tried;
    case GlobMatcher::Failure::PatternEnded:
        return "no match: the pattern ends while the channel goes on with " +
               quoted(channel.substr(f.channelAt)) + tried;
    case GlobMatcher::Failure::ChannelEnded:
        return "no match: the channel ends while the pattern still needs " +
               quoted(pattern.substr(f.patternAt)) + tried;
    }
    return "no match";
}

} // namespace sb::pubsub
