#include "routing.h"

namespace sb {

std::vector<std::string_view> splitWords(std::string_view key)
{
    std::vector<std::string_view> out;
    if (key.empty()) return out;
    std::size_t start = 0;
    while (true) {
        auto dot = key.find('.', start);
        if (dot == std::string_view::npos) {
            out.push_back(key.substr(start));
            break;
        }
        out.push_back(key.substr(start, dot - start));
        start = dot + 1;
    }
    return out;
}

TopicPattern::TopicPattern(std::string pattern) : m_text(std::move(pattern))
{
    for (auto w : splitWords(m_text))
        m_words.emplace_back(w);
}

bool TopicPattern::matches(std::string_view routingKey) const
{
    return matchesWords(splitWords(routingKey));
}

bool TopicPattern::matchesWords(const std::vector<std::string_view> &key) const
{
    // Wildcard matching with backtracking to the last '#', the word-level analogue of glob '*'.
    std::size_t i = 0, j = 0, star = SIZE_MAX, mark = 0;
    const std::size_t np = m_words.size(), nk = key.size();
    while (j < nk) {
        if (i < np && m_words[i] != "#" && (m_words[i] == "*" || m_words[i] == key[j])) {
            ++i;
            ++j;
        } else if (i < np && m_words[i] == "#") {
            star = i++;
            mark = j;
        } else if (star != SIZE_MAX) {
            i = star + 1;
            j = ++mark;
        } else {
            return false;
        }
    }
    while (i < np && m_words[i] == "#")
        ++i;
    return i == np;
}

bool topicMatches(std::string_view pattern, std::string_view routingKey)
{
    return TopicPattern(std::string(pattern)).matches(routingKey);
}

} // namespace sb
