// The Pub/Sub filter language (pubsubfilter.h): a recursive-descent parser over the bytes of the
// filter (the grammar is a handful of rules), and its evaluation over a message's attributes.
#include "pubsubfilter.h"

#include <cctype>

namespace sb {

class PubsubFilterParser {
public:
    PubsubFilterParser(std::string_view text, PubsubFilter &out) : m_s(text), m_f(out) {}

    bool run(PubsubFilterError &error)
    {
        skip();
        const int root = expression();
        if (root >= 0) {
            skip();
            if (m_pos < m_s.size()) {
                if (m_s[m_pos] == ')')
                    fail("unbalanced ')': no '(' opens it");
                else
                    fail("expected AND, OR or the end of the filter, found " + found());
            }
        }
        if (!m_error.reason.empty()) {
            error = m_error;
            return false;
        }
        m_f.m_root = root;
        return true;
    }

private:
    using Op = PubsubFilter::Op;

    bool failed() const { return !m_error.reason.empty(); }
    int fail(std::string reason, std::size_t at = std::string::npos)
    {
        if (failed()) return -1;
        m_error.column = (at == std::string::npos ? m_pos : at) + 1;
        m_error.reason = std::move(reason);
        return -1;
    }
    void skip()
    {
        while (m_pos < m_s.size() && std::isspace(static_cast<unsigned char>(m_s[m_pos])))
            ++m_pos;
    }
    static bool wordChar(char c)
    {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
    }
    // The word at the current place (letters, digits, '_', '-'), without consuming it.
    std::string_view peekWord() const
    {
        std::size_t e = m_pos;
        while (e < m_s.size() && wordChar(m_s[e]))
            ++e;
        return m_s.substr(m_pos, e - m_pos);
    }
    // A keyword is a whole word: "AND" but not "ANDROID".
    bool keyword(std::string_view kw)
    {
        if (peekWord() != kw) return false;
        m_pos += kw.size();
        skip();
        return true;
    }
    std::string found() const
    {
        if (m_pos >= m_s.size()) return "the end of the filter";
        const auto w = peekWord();
        if (!w.empty()) return "'" + std::string(w) + "'";
        return "'" + std::string(1, m_s[m_pos]) + "'";
    }
    int add(PubsubFilter::Node n)
    {
        m_f.m_nodes.push_back(std::move(n));
        return static_cast<int>(m_f.m_nodes.size() - 1);
    }

    // expression := term { AND term } | term { OR term }
    int expression()
    {
        const std::size_t begin = m_pos;
        int first = term();
        if (first < 0) return -1;
        std::optional<Op> joiner;
        PubsubFilter::Node n;
        n.begin = begin;
        n.children.push_back(first);
        for (;;) {
            const std::size_t at = m_pos;
            Op op;
            if (keyword("AND"))
                op = Op::And;
            else if (keyword("OR"))
                op = Op::Or;
            else {
                const auto w = peekWord();
                if (w == "and" || w == "or" || w == "And" || w == "Or")
                    return fail("'" + std::string(w) +
                                "': Pub/Sub's Boolean operators are uppercase (AND, OR, NOT)");
                break;
            }
            if (joiner && *joiner != op)
                return fail(
                    "AND and OR cannot be mixed without parentheses: write (a AND b) OR c or a AND (b OR c)",
                    at);
            joiner = op;
            const int next = term();
            if (next < 0) return -1;
            n.children.push_back(next);
        }
        if (!joiner) return first;
        n.op = *joiner;
        n.end = m_pos;
        return add(std::move(n));
    }

    // term := NOT term | '-' term | '(' expression ')' | condition
    int term()
    {
        skip();
        const std::size_t begin = m_pos;
        if (m_pos >= m_s.size()) return fail("expected a condition, found the end of the filter");
        if (keyword("NOT") || (m_s[m_pos] == '-' && (++m_pos, skip(), true))) {
            const int inner = term();
            if (inner < 0) return -1;
            PubsubFilter::Node n;
            n.op = Op::Not;
            n.children.push_back(inner);
            n.begin = begin;
            n.end = m_pos;
            return add(std::move(n));
        }
        if (m_s[m_pos] == '(') {
            ++m_pos;
            skip();
            const int inner = expression();
            if (inner < 0) return -1;
            skip();
            if (m_pos >= m_s.size() || m_s[m_pos] != ')')
                return fail("expected ')' to close the '(' at column " + std::to_string(begin + 1) +
                            ", found " + found());
            ++m_pos;
            skip();
            return inner;
        }
        const int c = condition();
        skip();
        return c;
    }

    // condition := attributes ':' key | attributes '.' key ('=' | '!=') string
    //            | hasPrefix '(' attributes '.' key ',' string ')'
    int condition()
    {
        const std::size_t begin = m_pos;
        const auto w = peekWord();
        if (w == "hasPrefix") {
            m_pos += w.size();
            skip();
            if (!eat('(')) return fail("expected '(' after hasPrefix, found " + found());
            skip();
            if (!attributesWord())
                return fail("hasPrefix's first argument must be attributes.KEY, found " + found());
            if (!eat('.'))
                return fail("expected '.' and an attribute key after attributes, found " + found());
            PubsubFilter::Node n;
            n.op = Op::Prefix;
            if (!key(n.key)) return -1;
            skip();
            if (!eat(',')) return fail("expected ',' between hasPrefix's arguments, found " + found());
            skip();
            if (!string(n.value)) return -1;
            skip();
            if (!eat(')')) return fail("expected ')' to close hasPrefix, found " + found());
            n.begin = begin;
            n.end = m_pos;
            return add(std::move(n));
        }
        if (w == "NOT" || w == "AND" || w == "OR")
            return fail("expected a condition, found '" + std::string(w) + "'");
        if (!attributesWord()) {
            if (w.empty() && m_pos < m_s.size() && m_s[m_pos] == ')')
                return fail("expected a condition, found ')'");
            return fail("expected attributes:KEY, attributes.KEY = \"value\", attributes.KEY != \"value\" or "
                        "hasPrefix(attributes.KEY, \"prefix\"), found " +
                        found() + " (filters read message attributes only)");
        }
        PubsubFilter::Node n;
        n.begin = begin;
        if (eat(':')) {
            n.op = Op::Has;
            if (!key(n.key)) return -1;
            n.end = m_pos;
            return add(std::move(n));
        }
        if (!eat('.')) return fail("expected ':' or '.' after attributes, found " + found());
        if (!key(n.key)) return -1;
        skip();
        if (eat('='))
            n.op = Op::Eq;
        else if (m_pos + 1 < m_s.size() && m_s[m_pos] == '!' && m_s[m_pos + 1] == '=') {
            m_pos += 2;
            n.op = Op::Ne;
        } else {
            return fail("expected = or != after attributes." + n.key + ", found " + found() +
                        " (attributes:" + n.key + " tests that it exists)");
        }
        skip();
        if (!string(n.value)) return -1;
        n.end = m_pos;
        return add(std::move(n));
    }

    bool attributesWord()
    {
        if (peekWord() != "attributes") return false;
        m_pos += 10;
        return true;
    }
    bool eat(char c)
    {
        if (m_pos < m_s.size() && m_s[m_pos] == c) {
            ++m_pos;
            return true;
        }
        return false;
    }

    // An attribute key: a bare word of letters, digits, '-' and '_', or a string literal.
    bool key(std::string &out)
    {
        if (m_pos < m_s.size() && m_s[m_pos] == '"') {
            if (!string(out)) return false;
            if (out.empty()) return fail("an attribute key cannot be empty") < -1;
            return true;
        }
        const auto w = peekWord();
        if (w.empty()) {
            fail("expected an attribute key, found " + found() +
                 " (a key with characters other than letters, digits, '-' and '_' is written as a string, "
                 "attributes.\"a.b\")");
            return false;
        }
        out = std::string(w);
        m_pos += w.size();
        return true;
    }

    static void appendUtf8(std::string &out, std::uint32_t cp)
    {
        if (cp < 0x80) {
            out += static_cast<char>(cp);
        } else if (cp < 0x800) {
            out += static_cast<char>(0xC0 | (cp >> 6));
            out += static_cast<char>(0x80 | (cp & 0x3F));
        } else if (cp < 0x10000) {
            out += static_cast<char>(0xE0 | (cp >> 12));
            out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
            out += static_cast<char>(0x80 | (cp & 0x3F));
        } else {
            out += static_cast<char>(0xF0 | (cp >> 18));
            out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
            out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
            out += static_cast<char>(0x80 | (cp & 0x3F));
        }
    }

    // A double-quoted string literal with backslash escapes.
    bool string(std::string &out)
    {
        out.clear();
        if (m_pos >= m_s.size() || m_s[m_pos] != '"') {
            if (m_pos < m_s.size() && m_s[m_pos] == '\'')
                fail("string values are written in double quotes (\"...\")");
            else
                fail("expected a string in double quotes, found " + found());
            return false;
        }
        const std::size_t open = m_pos++;
        while (m_pos < m_s.size() && m_s[m_pos] != '"') {
            const char c = m_s[m_pos];
            if (c != '\\') {
                out += c;
                ++m_pos;
                continue;
            }
            const std::size_t at = m_pos++;
            if (m_pos >= m_s.size()) break;
            const char e = m_s[m_pos++];
            auto hex = [&](int digits) -> std::optional<std::uint32_t> {
                std::uint32_t v = 0;
                for (int i = 0; i < digits; ++i) {
                    if (m_pos >= m_s.size() || !std::isxdigit(static_cast<unsigned char>(m_s[m_pos])))
                        return std::nullopt;
                    const char h = m_s[m_pos++];
                    v = v * 16 + static_cast<std::uint32_t>(
                                     std::isdigit(static_cast<unsigned char>(h))
                                         ? h - '0'
                                         : std::tolower(static_cast<unsigned char>(h)) - 'a' + 10);
                }
                return v;
            };
            switch (e) {
            case '\\':
                out += '\\';
                break;
            case '"':
                out += '"';
                break;
            case '\'':
                out += '\'';
                break;
            case '?':
                out += '?';
                break;
            case 'a':
                out += '\a';
                break;
            case 'b':
                out += '\b';
                break;
            case 'f':
                out += '\f';
                break;
            case 'n':
                out += '\n';
                break;
            case 'r':
                out += '\r';
                break;
            case 't':
                out += '\t';
                break;
            case 'v':
                out += '\v';
                break;
            case 'x': {
                auto v = hex(2);
                if (!v) return fail("\\x needs two hex digits", at) < -1;
                out += static_cast<char>(*v);
                break;
            }
            case 'u':
            case 'U': {
                auto v = hex(e == 'u' ? 4 : 8);
                if (!v || *v > 0x10FFFF || (*v >= 0xD800 && *v <= 0xDFFF))
                    return fail(std::string("\\") + e + " needs " + (e == 'u' ? "four" : "eight") +
                                    " hex digits naming a Unicode code point",
                                at) < -1;
                appendUtf8(out, *v);
                break;
            }
            default:
                if (e >= '0' && e <= '7') {
                    std::uint32_t v = static_cast<std::uint32_t>(e - '0');
                    for (int i = 0; i < 2; ++i) {
                        if (m_pos >= m_s.size() || m_s[m_pos] < '0' || m_s[m_pos] > '7')
                            return fail("an octal escape is a backslash and three octal digits", at) < -1;
                        v = v * 8 + static_cast<std::uint32_t>(m_s[m_pos++] - '0');
                    }
                    if (v > 255) return fail("an octal escape names a byte (at most \\377)", at) < -1;
                    out += static_cast<char>(v);
                    break;
                }
                return fail(std::string("unknown escape \\") + e, at) < -1;
            }
        }
        if (m_pos >= m_s.size())
            return fail("the string opened here is not closed (a '\"' is missing)", open) < -1;
        ++m_pos;
        return true;
    }

    std::string_view m_s;
    std::size_t m_pos = 0;
    PubsubFilter &m_f;
    PubsubFilterError m_error;
};

std::optional<PubsubFilter> PubsubFilter::parse(std::string_view text, PubsubFilterError &error)
{
    PubsubFilter f;
    f.m_text = std::string(text);
    if (text.empty()) return f;
    if (text.size() > kPubsubFilterMaxBytes) {
        error.column = kPubsubFilterMaxBytes + 1;
        error.reason = "the filter is " + std::to_string(text.size()) + " bytes; Pub/Sub's maximum is " +
                       std::to_string(kPubsubFilterMaxBytes);
        return std::nullopt;
    }
    PubsubFilterParser p(text, f);
    if (!p.run(error)) return std::nullopt;
    return f;
}

std::string PubsubFilter::problem(std::string_view text)
{
    PubsubFilterError e;
    if (parse(text, e)) return {};
    return e.text();
}

bool PubsubFilter::matches(const Lookup &attribute) const
{
    return m_root < 0 || eval(m_root, attribute, nullptr);
}

bool PubsubFilter::explain(const Lookup &attribute, std::string &why) const
{
    why.clear();
    if (m_root < 0) {
        why = "no filter";
        return true;
    }
    return eval(m_root, attribute, &why);
}

bool PubsubFilter::eval(int index, const Lookup &attribute, std::string *why) const
{
    const Node &n = m_nodes[static_cast<std::size_t>(index)];
    const std::string clause = why ? m_text.substr(n.begin, n.end - n.begin) : std::string();
    auto say = [&](bool result, std::string text) {
        if (why) *why = clause + ": " + std::move(text);
        return result;
    };
    auto quoted = [](const std::string &s) { return "\"" + s + "\""; };
    switch (n.op) {
    case Op::Has: {
        const bool has = attribute(n.key) != nullptr;
        return say(has, has ? "the message has " + n.key : "the message has no attribute " + n.key);
    }
    case Op::Eq:
    case Op::Ne: {
        const std::string *v = attribute(n.key);
        const bool eq = v && *v == n.value;
        const std::string state = v ? n.key + " is " + quoted(*v) : "the message has no attribute " + n.key;
        return say(n.op == Op::Eq ? eq : !eq, state);
    }
    case Op::Prefix: {
        const std::string *v = attribute(n.key);
        const bool ok = v && v->compare(0, n.value.size(), n.value) == 0;
        return say(ok, v ? n.key + " is " + quoted(*v) : "the message has no attribute " + n.key);
    }
    case Op::Not: {
        std::string inner;
        const bool r = !eval(n.children.front(), attribute, why ? &inner : nullptr);
        return say(r, "the negated clause " + std::string(r ? "does not hold" : "holds") +
                          (inner.empty() ? "" : " (" + inner + ")"));
    }
    case Op::And:
        for (int c : n.children)
            if (!eval(c, attribute, why)) return false; // `why` names the failing clause
        return say(true, "every clause holds");
    case Op::Or: {
        std::string reasons;
        for (int c : n.children) {
            std::string one;
            if (eval(c, attribute, why ? &one : nullptr)) {
                if (why) *why = one;
                return true;
            }
            if (why) reasons += (reasons.empty() ? "" : "; ") + one;
        }
        if (why) *why = "no alternative holds (" + reasons + ")";
        return false;
    }
    }
    return false;
}

} // namespace sb
