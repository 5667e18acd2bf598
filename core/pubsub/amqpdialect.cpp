// AMQP topic exchanges as RabbitMQ runs them: '.'-separated words, '*' exactly one word, '#' zero
// or more; the empty key has zero words; any other character, '*' and '#' inside a longer word
// included, is literal.
#include "../routing.h"
#include "dialect_p.h"

namespace sb::pubsub {

namespace {

bool hasWildcardChar(std::string_view word)
{
    return word.find_first_of("*#") != std::string_view::npos;
}

void checkLength(std::string_view key, const char *what, std::vector<PatternIssue> &out)
{
    if (key.size() > kAmqpMaxKeyBytes)
        out.push_back({kAmqpMaxKeyBytes,
                       std::string("the ") + what + " is " + std::to_string(key.size()) +
                           " bytes long; AMQP carries it as a short string of at most 255 bytes "
                           "(the excess starts " +
                           atColumn(kAmqpMaxKeyBytes) + ")",
                       true});
}

std::string wordCount(std::size_t n)
{
    return std::to_string(n) + (n == 1 ? " word" : " words");
}

} // namespace

void checkAmqpFilter(std::string_view key, std::vector<PatternIssue> &out)
{
    checkLength(key, "binding key", out);
    if (key.empty()) return; // zero words: binds the empty routing key
    int hashes = 0;
    const auto words = splitTokens(key, '.');
    for (std::size_t i = 0; i < words.size(); ++i) {
        const Token &w = words[i];
        if (w.text == "#") {
            // rabbit_exchange_type_topic:validate_binding/2 (RabbitMQ 4.x): "Topic binding key
            // '~ts' uses ~b '#' wildcards, at most ~b are allowed", with ?MAX_HASH_WILDCARDS = 2,
            // counting the words that are exactly "#" (so "a#b" and "##" do not count).
            if (++hashes == kAmqpMaxHashWords + 1)
                out.push_back({w.position,
                               "word " + std::to_string(i + 1) + " " + atColumn(w.position) +
                                   " is a third '#': RabbitMQ refuses topic binding keys with more "
                                   "than 2 '#' words (each one multiplies the matching work)",
                               true});
        } else if (w.text != "*" && hasWildcardChar(w.text)) {
            const std::size_t at = w.position + w.text.find_first_of("*#");
            const char c = key[at];
            out.push_back({at,
                           "word " + std::to_string(i + 1) + " " + quoted(w.text) + " has '" + c + "' " +
                               atColumn(at) +
                               " inside it: RabbitMQ matches it as a literal character, not as a "
                               "wildcard (a wildcard is a whole word between dots, e.g. 'a." +
                               c + "')",
                           false});
        }
    }
}

void checkAmqpSubject(std::string_view key, std::vector<PatternIssue> &out)
{
    checkLength(key, "routing key", out);
    const std::size_t at = key.find_first_of("*#");
    if (at != std::string_view::npos)
        out.push_back({at,
                       std::string("'") + key[at] + "' " + atColumn(at) +
                           " is a literal character in a routing key: only binding keys have wildcards",
                       false});
}

std::string explainAmqp(std::string_view pattern, std::string_view key)
{
    const auto p = splitWords(pattern);
    const auto s = splitWords(key);
    const std::size_t np = p.size(), ns = s.size();
    // can[i][j]: pattern words i.. match key words j.. (the exchange itself uses a trie; this
    // table is only for saying why).
    if ((np + 1) * (ns + 1) > 4'000'000)
        return topicMatches(pattern, key) ? "matches" : "no match: the key does not fit the pattern";
    std::vector<std::vector<char>> can(np + 1, std::vector<char>(ns + 1, 0));
    can[np][ns] = 1;
    for (std::size_t i = np; i-- > 0;)
        for (std::size_t j = ns + 1; j-- > 0;) {
            if (p[i] == "#")
                can[i][j] = can[i + 1][j] || (j < ns && can[i][j + 1]);
            else
                can[i][j] = j < ns && (p[i] == "*" || p[i] == s[j]) && can[i + 1][j + 1];
        }

    if (can[0][0]) {
        std::string took;
        std::size_t j = 0;
        for (std::size_t i = 0; i < np; ++i) {
            if (p[i] == "#") {
                std::size_t k = 0;
                while (!can[i + 1][j + k])
                    ++k;
                took += std::string(took.empty() ? "" : ", ") + "'#' took " +
                        (k == 0 ? std::string("no word") : quoted(joinTokens(s, j, k, '.')));
                j += k;
            } else {
                if (p[i] == "*")
                    took += std::string(took.empty() ? "" : ", ") + "'*' took " +
                            (s[j].empty() ? std::string("the empty word ''") : quoted(s[j]));
                ++j;
            }
        }
        if (!took.empty()) return "matches: " + took;
        return ns == 0 ? "matches: both are empty (zero words)"
                       : "matches: the same " + wordCount(ns) + ", word for word";
    }

    std::size_t firstHash = np, lastHash = np, need = 0;
    for (std::size_t i = 0; i < np; ++i) {
        if (p[i] == "#") {
            if (firstHash == np) firstHash = i;
            lastHash = i;
        } else {
            ++need;
        }
    }
    const std::string keyWords =
        ns == 0 ? "the routing key is empty (zero words)" : "the routing key has " + wordCount(ns);
    auto differs = [&](std::size_t i, std::size_t j) {
        return "no match: word " + std::to_string(j + 1) + (j + 1 == ns && ns > 1 ? " (the last) " : " ") +
               quoted(s[j]) + " is not " + quoted(p[i]);
    };
    if (firstHash == np) {
        for (std::size_t j = 0; j < np && j < ns; ++j)
            if (p[j] != "*" && p[j] != s[j]) return differs(j, j);
        if (ns < np) return "no match: " + keyWords + "; the pattern needs exactly " + std::to_string(np);
        return "no match: " + keyWords + ", the pattern only " + std::to_string(np) +
               " and no '#' to take the rest";
    }
    if (ns < need)
        return "no match: " + keyWords + "; the pattern needs at least " + std::to_string(need) +
               " (its words other than '#')";
    for (std::size_t j = 0; j < firstHash; ++j)
        if (p[j] != "*" && p[j] != s[j]) return differs(j, j);
    for (std::size_t i = lastHash + 1; i < np; ++i) {
        const std::size_t j = ns - (np - i);
        if (p[i] != "*" && p[i] != s[j]) return differs(i, j);
    }
    std::string middle;
    for (std::size_t i = firstHash + 1; i < lastHash; ++i)
        if (p[i] != "#") middle += (middle.empty() ? "" : ".") + std::string(p[i]);
    const std::size_t from = firstHash, count = ns - firstHash - (np - lastHash - 1);
    return "no match: between its '#' words the pattern needs " + quoted(middle) + ", and the words " +
           quoted(joinTokens(s, from, count, '.')) + " do not hold it in order";
}

} // namespace sb::pubsub
