#include "behaviour.h"

namespace sb {

namespace {
std::string trimmed(std::string s)
{
    const auto b = s.find_first_not_of(" \t");
    if (b == std::string::npos) return {};
    const auto e = s.find_last_not_of(" \t");
    return s.substr(b, e - b + 1);
}
} // namespace

const std::vector<std::string> &behaviourNames()
{
    static const std::vector<std::string> names = {"reply", "forward", "fan-out", "counter", "state-machine"};
    return names;
}

Behaviour behaviourFromName(const std::string &name)
{
    if (name == "forward") return Behaviour::Forward;
    if (name == "fan-out") return Behaviour::FanOut;
    if (name == "counter") return Behaviour::Counter;
    if (name == "state-machine") return Behaviour::StateMachine;
    return Behaviour::Reply;
}

std::optional<Transition> parseTransition(const std::string &text, std::string &error)
{
    const auto colon = text.find(':');
    const auto arrow = text.find("->");
    if (colon == std::string::npos || arrow == std::string::npos || arrow < colon) {
        error = "'" + text + "' is not \"state: message -> next state\"";
        return std::nullopt;
    }
    Transition t{trimmed(text.substr(0, colon)), trimmed(text.substr(colon + 1, arrow - colon - 1)),
                 trimmed(text.substr(arrow + 2))};
    if (t.from.empty() || t.message.empty() || t.to.empty()) {
        error = "'" + text + "' leaves the state, the message or the next state empty";
        return std::nullopt;
    }
    return t;
}

StateTable::StateTable(const std::vector<std::string> &rows)
{
    std::string error;
    for (const auto &r : rows)
        if (auto t = parseTransition(r, error)) m_rows.push_back(std::move(*t));
    if (!m_rows.empty()) m_initial = m_rows.front().from;
}

const std::string *StateTable::next(const std::string &state, const std::string &message) const
{
    for (const auto &t : m_rows)
        if (t.from == state && t.message == message) return &t.to;
    return nullptr;
}

} // namespace sb
