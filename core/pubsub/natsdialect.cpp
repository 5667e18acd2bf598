// NATS subjects as nats-server decides them (server/sublist.go: isValidSubject, Insert,
// IsValidLiteralSubject): '.'-separated tokens, none empty; '*' one whole token; '>' one or more,
// only as the last token; '*' or '>' inside a longer token is literal; no whitespace (the protocol
// separates its arguments with it).
#include "dialect_p.h"

namespace sb::pubsub {

namespace {

constexpr TrailingSyntax kSyntax{'.', "*", ">", true, "token", "subject", "pattern"};

// Empty tokens and whitespace, common to subscriptions and subjects to publish to.
void checkTokens(std::string_view subject, std::vector<PatternIssue> &out)
{
    if (subject.empty()) {
        out.push_back({0, "an empty subject is not allowed", true});
        return;
    }
    const auto tokens = splitTokens(subject, '.');
    for (std::size_t i = 0; i < tokens.size(); ++i) {
        const Token &t = tokens[i];
        if (t.text.empty()) {
            if (i == 0)
                out.push_back(
                    {0,
                     "the subject starts with '.', so token 1 is empty; NATS subjects have no empty tokens",
                     true});
            else if (i + 1 == tokens.size())
                out.push_back({t.position - 1,
                               "the subject ends with '.' " + atColumn(t.position - 1) +
                                   ", so its last token is empty; NATS subjects have no empty tokens",
                               true});
            else
                out.push_back({t.position - 1,
                               "'..' " + atColumn(t.position - 1) + " leaves token " + std::to_string(i + 1) +
                                   " empty; NATS subjects have no empty tokens",
                               true});
            continue;
        }
        const std::size_t ws = t.text.find_first_of(" \t\r\n\f");
        if (ws != std::string_view::npos)
            out.push_back({t.position + ws,
                           "whitespace " + atColumn(t.position + ws) +
                               ": NATS subjects cannot contain spaces, tabs or line breaks "
                               "(the protocol separates its arguments with them)",
                           true});
    }
}

} // namespace

void checkNatsFilter(std::string_view subject, std::vector<PatternIssue> &out)
{
    checkTokens(subject, out);
    if (subject.empty()) return;
    const auto tokens = splitTokens(subject, '.');
    for (std::size_t i = 0; i < tokens.size(); ++i) {
        const Token &t = tokens[i];
        if (t.text == ">" && i + 1 < tokens.size())
            out.push_back({t.position,
                           "'>' " + atColumn(t.position) +
                               " must be the last token: it stands for every token after it",
                           true});
        else if (t.text.size() > 1 && t.text.find_first_of("*>") != std::string_view::npos) {
            const std::size_t at = t.position + t.text.find_first_of("*>");
            out.push_back({at,
                           "token " + std::to_string(i + 1) + " " + quoted(t.text) + " has '" + subject[at] +
                               "' " + atColumn(at) +
                               " inside it: NATS matches it as a literal character, not as a wildcard "
                               "(a wildcard is a whole token, e.g. 'a." +
                               subject[at] + "')",
                           false});
        }
    }
}

void checkNatsSubject(std::string_view subject, std::vector<PatternIssue> &out)
{
    checkTokens(subject, out);
    if (subject.empty()) return;
    const auto tokens = splitTokens(subject, '.');
    for (std::size_t i = 0; i < tokens.size(); ++i)
        if (tokens[i].text == "*" || tokens[i].text == ">")
            out.push_back({tokens[i].position,
                           "token " + std::to_string(i + 1) + " is the wildcard '" +
                               std::string(tokens[i].text) + "' " + atColumn(tokens[i].position) +
                               ": a subject to publish to cannot contain wildcards "
                               "(nats-server answers 'Invalid Publish Subject')",
                           true});
}

bool natsMatches(std::string_view pattern, std::string_view subject)
{
    return trailingMatches(kSyntax, pattern, subject);
}

std::string explainNats(std::string_view pattern, std::string_view subject)
{
    return trailingExplain(kSyntax, pattern, subject);
}

} // namespace sb::pubsub
