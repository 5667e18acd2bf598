#pragma once
// Amazon SNS subscription filter policies, as the SNS developer guide defines them: a JSON object
// whose keys name message attributes (FilterPolicyScope MessageAttributes, the default) or
// properties of a JSON message body (MessageBody, where objects nest), each with an array of
// conditions of which one must hold (OR), all keys holding together (AND), and "$or" for
// alternatives. Conditions:
//   "red"                              exact string (case-sensitive)
//   301                                exact number (a Number attribute, or a number in the body)
//   {"prefix": "bl"} {"suffix": "ue"}  {"equals-ignore-case": "RED"}
//   {"anything-but": "red" | 301 | ["a", "b"] | {"prefix": "x"}}  (the key must be present)
//   {"numeric": [">", 0, "<=", 150]}   {"numeric": ["=", 301]}
//   {"exists": true | false}           (false matches only a message with at least one attribute)
// A String.Array attribute (or an array in the body) matches when one of its elements does; with
// anything-but, when one of its elements is not excluded.
// Constraints (checked by parse): at most 5 keys, at most 150 combinations (the product of the
// arrays' sizes, summed over "$or" branches), numbers within +-1e9 with at most 5 decimals, no
// nesting in the attributes scope.
#include "../message.h"
#include "../schema.h"

#include <memory>
#include <string>
#include <vector>

namespace sb {

class SnsFilterPolicy {
public:
    enum class Scope : std::uint8_t { MessageAttributes, MessageBody };
    struct Error {
        std::string path; // where in the policy: "$.price[0].numeric[2]"
        std::string message;
    };

    // The policy, or null with `error` set to the first problem (path and reason).
    static std::unique_ptr<SnsFilterPolicy> parse(const Json &policy, Scope scope, Error &error);
    ~SnsFilterPolicy();

    // Whether a message with these attributes (name -> value: a string, a number, or an array of
    // strings for String.Array) or this body (a JSON object) passes. `why` says which key failed.
    bool matches(const Json &attributesOrBody, std::string *why = nullptr) const;
    // A Signalbox message as SNS would see it: its headers as String attributes and its payload
    // fields as Number or String attributes (attributes scope), or its fields as the body's
    // properties (body scope).
    bool matches(const Message &m, std::string *why = nullptr) const;
    static Json attributesOf(const Message &m);

    Scope scope() const { return m_scope; }
    // The policy's complexity as SNS counts it (the product of the arrays' sizes, summed over
    // "$or" branches).
    std::uint64_t combinations() const { return m_combinations; }

    struct Node;

private:
    SnsFilterPolicy() = default;
    Scope m_scope = Scope::MessageAttributes;
    std::unique_ptr<Node> m_root;
    std::uint64_t m_combinations = 0;
};

} // namespace sb
