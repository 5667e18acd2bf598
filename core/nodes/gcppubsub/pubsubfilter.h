#pragma once
// Google Cloud Pub/Sub subscription filters (cloud.google.com/pubsub/docs/subscription-message-filter):
// an expression over a message's attributes, never its data.
//   attributes:KEY                    the message has attribute KEY
//   attributes.KEY = "VALUE"          ... with exactly that value (case-sensitive)
//   attributes.KEY != "VALUE"         the negation of the line above (a message without KEY matches)
//   hasPrefix(attributes.KEY, "P")    it has KEY and its value starts with P
//   NOT expr, -expr                   negation
//   expr AND expr, expr OR expr       uppercase only; AND and OR may not be mixed without
//                                     parentheses ("a AND b OR c" is refused, as Pub/Sub refuses it)
//   ( expr )
// A KEY is letters, digits, '-' and '_'; any other key is written as a string literal
// (attributes."iana.org/language_tag"). String literals are double-quoted with backslash escapes
// (\\ \" \' \n \t \r \a \b \f \v \? \xHH \uHHHH \UHHHHHHHH \ooo). A filter is at most 256 bytes.
// The empty filter is no filter: every message matches.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sb {

inline constexpr std::size_t kPubsubFilterMaxBytes = 256;

struct PubsubFilterError {
    std::size_t column = 1; // 1-based byte column of the problem
    std::string reason;
    std::string text() const { return "column " + std::to_string(column) + ": " + reason; }
};

class PubsubFilter {
public:
    // An attribute's value by name, or null when the message has no such attribute.
    using Lookup = std::function<const std::string *(std::string_view)>;

    // Parses `text`; on failure returns nothing and fills `error`.
    static std::optional<PubsubFilter> parse(std::string_view text, PubsubFilterError &error);
    // "column 12: expected ..." for a person, or empty when `text` is a valid filter.
    static std::string problem(std::string_view text);

    bool empty() const { return m_root < 0; }
    bool matches(const Lookup &attribute) const;
    // As matches(); when it does not match, `why` names the clause that decided it
    // ("attributes.region = \"eu\": region is \"us\"").
    bool explain(const Lookup &attribute, std::string &why) const;
    const std::string &text() const { return m_text; }

private:
    friend class PubsubFilterParser;
    enum class Op : std::uint8_t { Has, Eq, Ne, Prefix, Not, And, Or };
    struct Node {
        Op op = Op::Has;
        std::string key, value;
        std::vector<int> children;
        std::size_t begin = 0, end = 0; // the clause's place in the text
    };
    bool eval(int n, const Lookup &attribute, std::string *why) const;

    std::string m_text;
    std::vector<Node> m_nodes;
    int m_root = -1;
};

} // namespace sb
