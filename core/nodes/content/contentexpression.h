#pragma once
// A content filter's expression over a message, parsed once (at load) by muparserx and evaluated
// per message: the seeds' `total > 1000 && country != 'US'`. Names are the message's payload
// fields (payload.h), then its headers, then `routingKey`, `key` and `bytes` (the payload's size); a number
// compares as a number, anything else as a string. Strings are quoted with ' or ". Operators: comparisons
// (== != < <= > >=), && || ! (also and, or), arithmetic, parentheses, and muparserx's functions.
// A message that lacks a name the expression uses does not match (as SNS filter policies treat a
// missing attribute).
#include "../../message.h"

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace sb {

class ContentExpression {
public:
    struct Error {
        std::size_t position = 0; // 0-based offset in the expression
        std::string message;      // "column 7: unexpected operator '>'"
    };
    // The expression ready to evaluate, or null with `error` set.
    static std::unique_ptr<ContentExpression> compile(std::string_view text, Error &error);
    ~ContentExpression();

    // Whether it holds for `m`. When it cannot be decided (a missing name, a type clash such as
    // comparing a string with a number), false, with the reason in `why` if given.
    bool evaluate(const Message &m, std::string *why = nullptr);
    // The names it reads, in order of first use.
    const std::vector<std::string> &names() const;
    const std::string &text() const;

private:
    ContentExpression();
    struct Impl;
    std::unique_ptr<Impl> d;
};

} // namespace sb
