#pragma once
// RabbitMQ's headers exchange: a binding's arguments name headers and an "x-match" mode; a message
// matches when all (x-match all, the default) or any (x-match any) of those headers are present in
// it with equal values. Arguments whose names begin with "x-" take part only with all-with-x and
// any-with-x. A null argument asks only that the header be present (AMQP's void field). With
// no header arguments, "all" matches every message and "any" none, as RabbitMQ does.
// Signalbox's message headers are strings: a number or boolean argument compares by its text.
#include "../../message.h"
#include "../../schema.h"

#include <optional>
#include <string>
#include <vector>

namespace sb {

class HeadersBinding {
public:
    enum class Mode : std::uint8_t { All, Any, AllWithX, AnyWithX };

    // The binding's arguments checked as RabbitMQ's validate_binding does: the reason they are
    // refused (naming the argument), or empty. `where` receives the argument's name at fault.
    static std::string check(const Json &arguments, std::string *where = nullptr);
    // From arguments that passed check().
    explicit HeadersBinding(const Json &arguments);

    // The arguments as one line, as the window edits a binding: "x-match=any, format=zip, type=log";
    // a name without '=' asks for the header's presence (a null argument).
    static std::string toText(const Json &arguments);
    // That line back to arguments; the reason it cannot be read (naming the column), or empty.
    static std::string fromText(std::string_view text, Json &arguments);

    bool matches(const Message &m) const;
    // Why it matches or why not, one sentence ("no match: header 'format' is 'zip', not 'pdf'").
    std::string explain(const Message &m) const;
    Mode mode() const { return m_mode; }
    static const char *modeName(Mode m);

private:
    struct Argument {
        std::string name;
        std::optional<std::string> value; // empty: presence only
    };
    std::vector<Argument> m_args; // those that take part in matching
    Mode m_mode = Mode::All;
};

} // namespace sb
