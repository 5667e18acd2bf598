#pragma once
// An actor's built-in behaviours (property `behaviour`) and the state-machine table.
#include <optional>
#include <string>
#include <vector>

namespace sb {

enum class Behaviour { Reply, Forward, FanOut, Counter, StateMachine };
const std::vector<std::string> &behaviourNames();
Behaviour behaviourFromName(const std::string &name);

// One row of a state machine's table, written "from: message -> to" (whitespace optional): in
// state `from`, a message whose routing key is `message` moves the actor to state `to` (Akka's
// `become`, a gen_statem state function's clause). The first row's `from` is the initial state.
struct Transition {
    std::string from, message, to;
};
// Parses one row; the reason in `error` when it is not one.
std::optional<Transition> parseTransition(const std::string &text, std::string &error);

class StateTable {
public:
    explicit StateTable(const std::vector<std::string> &rows);
    const std::string &initial() const { return m_initial; }
    // The next state for `message` in `state`, or nothing (the message is unhandled there).
    const std::string *next(const std::string &state, const std::string &message) const;

private:
    std::vector<Transition> m_rows;
    std::string m_initial;
};

} // namespace sb
