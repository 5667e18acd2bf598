#include "headersmatch.h"

#include <algorithm>

namespace sb {

namespace {

bool textOf(const Json &v, std::string &out)
{
    if (v.is_string()) {
        out = v.get<std::string>();
        return true;
    }
    if (v.is_boolean()) {
        out = v.get<bool>() ? "true" : "false";
        return true;
    }
    if (v.is_number_integer() || v.is_number_unsigned() || v.is_number_float()) {
        out = v.dump();
        return true;
    }
    return false;
}

bool parseMode(const Json &v, HeadersBinding::Mode &out)
{
    if (!v.is_string()) return false;
    const std::string s = v.get<std::string>();
    for (auto m : {HeadersBinding::Mode::All, HeadersBinding::Mode::Any, HeadersBinding::Mode::AllWithX,
                   HeadersBinding::Mode::AnyWithX})
        if (s == HeadersBinding::modeName(m)) {
            out = m;
            return true;
        }
    return false;
}

} // namespace

const char *HeadersBinding::modeName(Mode m)
{
    switch (m) {
    case Mode::All:
        return "all";
    case Mode::Any:
        return "any";
    case Mode::AllWithX:
        return "all-with-x";
    case Mode::AnyWithX:
        return "any-with-x";
    }
    return "all";
}

std::string HeadersBinding::check(const Json &arguments, std::string *where)
{
    if (!arguments.is_object()) return "binding arguments are an object of header names and values";
    for (auto it = arguments.begin(); it != arguments.end(); ++it) {
        if (where) *where = it.key();
        if (it.key() == "x-match") {
            Mode m;
            if (!it.value().is_string())
                return "x-match must be a string: all, any, all-with-x or any-with-x (got " +
                       it.value().dump() + ")";
            if (!parseMode(it.value(), m))
                return "invalid x-match value '" + it.value().get<std::string>() +
                       "': expected all, any, all-with-x or any-with-x";
            continue;
        }
        std::string text;
        if (!it.value().is_null() && !textOf(it.value(), text))
            return "header '" + it.key() +
                   "' must be compared with a string, a number, a boolean, or null (present with any value); "
                   "got " +
                   it.value().dump();
    }
    if (where) where->clear();
    return {};
}

HeadersBinding::HeadersBinding(const Json &arguments)
{
    if (!arguments.is_object()) return;
    if (auto it = arguments.find("x-match"); it != arguments.end()) parseMode(*it, m_mode);
    const bool withX = m_mode == Mode::AllWithX || m_mode == Mode::AnyWithX;
    for (auto it = arguments.begin(); it != arguments.end(); ++it) {
        if (it.key() == "x-match") continue;
        if (!withX && it.key().rfind("x-", 0) == 0) continue;
        Argument a{it.key(), std::nullopt};
        std::string text;
        if (!it.value().is_null() && textOf(it.value(), text)) a.value = text;
        m_args.push_back(std::move(a));
    }
}

std::string HeadersBinding::toText(const Json &arguments)
{
    std::string out;
    if (!arguments.is_object()) return out;
    for (auto it = arguments.begin(); it != arguments.end(); ++it) {
        if (!out.empty()) out += ", ";
        out += it.key();
        std::string text;
        if (!it.value().is_null() && textOf(it.value(), text)) out += "=" + text;
    }
    return out;
}

std::string HeadersBinding::fromText(std::string_view text, Json &arguments)
{
    arguments = Json::object();
    const auto trim = [](std::string_view v) {
        while (!v.empty() && v.front() == ' ')
            v.remove_prefix(1);
        while (!v.empty() && v.back() == ' ')
            v.remove_suffix(1);
        return v;
    };
    std::size_t start = 0;
    while (start <= text.size()) {
        std::size_t end = text.find(',', start);
        if (end == std::string_view::npos) end = text.size();
        const std::string_view item = text.substr(start, end - start);
        const std::size_t lead = std::min(item.find_first_not_of(' '), item.size());
        const std::string column = "column " + std::to_string(start + lead + 1);
        const std::size_t eq = item.find('=');
        const std::string_view name = trim(item.substr(0, eq));
        if (name.empty()) {
            if (trim(item).empty() && text.find_first_not_of(' ') == std::string_view::npos) return {};
            return column + ": a header name is missing (write name=value, or name alone for presence)";
        }
        const std::string key(name);
        if (arguments.contains(key)) return column + ": header '" + key + "' is listed twice";
        if (eq == std::string_view::npos)
            arguments[key] = nullptr;
        else
            arguments[key] = std::string(trim(item.substr(eq + 1)));
        start = end + 1;
    }
    return {};
}

bool HeadersBinding::matches(const Message &m) const
{
    const bool all = m_mode == Mode::All || m_mode == Mode::AllWithX;
    for (const auto &a : m_args) {
        const std::string *v = m.header(a.name);
        const bool ok = v && (!a.value || *v == *a.value);
        if (all && !ok) return false;
        if (!all && ok) return true;
    }
    return all;
}

std::string HeadersBinding::explain(const Message &m) const
{
    const bool all = m_mode == Mode::All || m_mode == Mode::AllWithX;
    const std::string mode = std::string("x-match ") + modeName(m_mode);
    if (m_args.empty())
        return all ? "matches: " + mode + " with no headers to compare matches every message"
                   : "no match: " + mode + " with no headers to compare matches no message";
    for (const auto &a : m_args) {
        const std::string *v = m.header(a.name);
        const bool ok = v && (!a.value || *v == *a.value);
        if (all && !ok)
            return "no match (" + mode + "): " +
                   (!v ? "the message has no header '" + a.name + "'"
                       : "header '" + a.name + "' is '" + *v + "', not '" + *a.value + "'");
        if (!all && ok)
            return "matches (" + mode + "): header '" + a.name + "'" +
                   (a.value ? " is '" + *a.value + "'" : " is present");
    }
    return all ? "matches (" + mode + "): every header compared is equal"
               : "no match (" + mode + "): none of the headers compared is equal";
}

} // namespace sb
