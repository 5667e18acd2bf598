#pragma once
// AMQP topic matching: keys are '.'-separated words; in a binding key '*' stands for exactly one
// word and '#' for zero or more. As in RabbitMQ, the empty key has zero words.
#include <string>
#include <string_view>
#include <vector>

namespace sb {

std::vector<std::string_view> splitWords(std::string_view key);

class TopicPattern {
public:
    TopicPattern() = default;
    explicit TopicPattern(std::string pattern);
    bool matches(std::string_view routingKey) const;
    bool matchesWords(const std::vector<std::string_view> &words) const;
    const std::string &text() const { return m_text; }

private:
    std::string m_text;
    std::vector<std::string> m_words;
};

bool topicMatches(std::string_view pattern, std::string_view routingKey);

} // namespace sb
