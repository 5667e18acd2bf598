#include "snsfilterpolicy.h"

#include <algorithm>
#include <cmath>
#include <set>

namespace sb {

namespace {

struct Condition {
    enum class Kind {
        ExactString,
        ExactNumber,
        Null,
        Prefix,
        Suffix,
        EqualsIgnoreCase,
        AnythingBut,
        Numeric,
        Exists
    };
    Kind kind = Kind::ExactString;
    std::string text;
    double number = 0;
    bool flag = false; // exists: true / false
    // anything-but
    std::set<std::string> strings;
    std::vector<double> numbers;
    std::string butPrefix;
    // numeric: lower/upper bounds (absent: unbounded), inclusive or not
    bool hasLower = false, lowerInclusive = false, hasUpper = false, upperInclusive = false;
    double lower = 0, upper = 0;
};

// SNS compares numbers to five decimals.
bool sameNumber(double a, double b)
{
    return std::llround(a * 1e5) == std::llround(b * 1e5);
}

std::string lowered(std::string s)
{
    for (char &c : s)
        if (c >= 'A' && c <= 'Z') c = char(c - 'A' + 'a');
    return s;
}

bool startsWith(const std::string &s, const std::string &p)
{
    return s.size() >= p.size() && s.compare(0, p.size(), p) == 0;
}

bool endsWith(const std::string &s, const std::string &p)
{
    return s.size() >= p.size() && s.compare(s.size() - p.size(), p.size(), p) == 0;
}

bool matchesOne(const Condition &c, const Json &v)
{
    switch (c.kind) {
    case Condition::Kind::ExactString:
        return v.is_string() && v.get<std::string>() == c.text;
    case Condition::Kind::ExactNumber:
        return v.is_number() && sameNumber(v.get<double>(), c.number);
    case Condition::Kind::Null:
        return v.is_null();
    case Condition::Kind::Prefix:
        return v.is_string() && startsWith(v.get<std::string>(), c.text);
    case Condition::Kind::Suffix:
        return v.is_string() && endsWith(v.get<std::string>(), c.text);
    case Condition::Kind::EqualsIgnoreCase:
        return v.is_string() && lowered(v.get<std::string>()) == lowered(c.text);
    case Condition::Kind::AnythingBut:
        if (!c.butPrefix.empty()) return v.is_string() && !startsWith(v.get<std::string>(), c.butPrefix);
        if (v.is_string()) return !c.strings.count(v.get<std::string>());
        if (v.is_number())
            return std::none_of(c.numbers.begin(), c.numbers.end(),
                                [&](double n) { return sameNumber(n, v.get<double>()); });
        return !v.is_null();
    case Condition::Kind::Numeric: {
        if (!v.is_number()) return false;
        const double x = v.get<double>();
        if (c.hasLower) {
            if (sameNumber(x, c.lower)) {
                if (!c.lowerInclusive) return false;
            } else if (x < c.lower) {
                return false;
            }
        }
        if (c.hasUpper) {
            if (sameNumber(x, c.upper)) {
                if (!c.upperInclusive) return false;
            } else if (x > c.upper) {
                return false;
            }
        }
        return true;
    }
    case Condition::Kind::Exists:
        return false; // decided by the key (presence), not by a value
    }
    return false;
}

// A key's value against one condition: present values only (exists aside); an array matches when
// one of its elements does.
bool matchesValue(const Condition &c, const Json *v)
{
    if (c.kind == Condition::Kind::Exists) {
        const bool present = v && !v->is_null() && !(v->is_string() && v->get<std::string>().empty()) &&
                             !(v->is_array() && v->empty());
        return present == c.flag;
    }
    if (!v) return false;
    if (v->is_array()) {
        for (const auto &e : *v)
            if (matchesOne(c, e)) return true;
        return false;
    }
    return matchesOne(c, *v);
}

std::string typeName(const Json &v)
{
    if (v.is_string()) return "a string";
    if (v.is_number()) return "a number";
    if (v.is_boolean()) return "a boolean";
    if (v.is_null()) return "null";
    if (v.is_array()) return "an array";
    return "an object";
}

} // namespace

struct SnsFilterPolicy::Node {
    struct Key {
        std::string name;
        std::vector<Condition> conditions;
        std::unique_ptr<Node> nested; // body scope: a property that is an object
    };
    std::vector<Key> keys;
    std::vector<std::unique_ptr<Node>> alternatives; // "$or"

    bool matches(const Json &obj, std::string *why) const
    {
        for (const auto &k : keys) {
            const auto it = obj.is_object() ? obj.find(k.name) : obj.end();
            const Json *v = obj.is_object() && it != obj.end() ? &*it : nullptr;
            if (k.nested) {
                if (!v || !v->is_object()) {
                    if (why) *why = "'" + k.name + "' is not an object in the message";
                    return false;
                }
                if (!k.nested->matches(*v, why)) return false;
                continue;
            }
            bool ok = false;
            for (const auto &c : k.conditions) {
                // exists false matches only a message that has some attribute (SNS's rule).
                if (c.kind == Condition::Kind::Exists && !c.flag && obj.is_object() && obj.empty()) continue;
                if (matchesValue(c, v)) {
                    ok = true;
                    break;
                }
            }
            if (!ok) {
                if (why)
                    *why = v ? "'" + k.name + "' is " + v->dump() + ", which no condition of the policy takes"
                             : "the message has no '" + k.name + "'";
                return false;
            }
        }
        if (alternatives.empty()) return true;
        std::string last;
        for (const auto &a : alternatives)
            if (a->matches(obj, &last)) return true;
        if (why) *why = "no \"$or\" alternative matches (" + last + ")";
        return false;
    }
};

SnsFilterPolicy::~SnsFilterPolicy() = default;

namespace {

bool checkNumber(const Json &v, const std::string &path, SnsFilterPolicy::Error &error)
{
    const double n = v.get<double>();
    if (std::abs(n) > 1e9) {
        error = {path, "numbers range from -1,000,000,000 to 1,000,000,000 (got " + v.dump() + ")"};
        return false;
    }
    if (std::abs(n * 1e5 - std::round(n * 1e5)) > 1e-6) {
        error = {path, "numbers have at most five digits after the decimal point (got " + v.dump() + ")"};
        return false;
    }
    return true;
}

bool parseCondition(const Json &v, const std::string &path, SnsFilterPolicy::Scope scope, Condition &c,
                    SnsFilterPolicy::Error &error)
{
    if (v.is_string()) {
        c.kind = Condition::Kind::ExactString;
        c.text = v.get<std::string>();
        return true;
    }
    if (v.is_number()) {
        c.kind = Condition::Kind::ExactNumber;
        c.number = v.get<double>();
        return checkNumber(v, path, error);
    }
    if (v.is_null()) {
        c.kind = Condition::Kind::Null;
        return true;
    }
    if (!v.is_object() || v.size() != 1) {
        error = {path,
                 "a condition is a string, a number, null, or an object with one operator (prefix, suffix, "
                 "equals-ignore-case, anything-but, numeric, exists); got " +
                     typeName(v)};
        return false;
    }
    const std::string op = v.begin().key();
    const Json &arg = v.begin().value();
    const std::string at = path + "." + op;
    const auto needString = [&](Condition::Kind k) {
        if (!arg.is_string() || arg.get<std::string>().empty()) {
            error = {at, "'" + op + "' takes a non-empty string, got " + typeName(arg)};
            return false;
        }
        c.kind = k;
        c.text = arg.get<std::string>();
        return true;
    };
    if (op == "prefix") return needString(Condition::Kind::Prefix);
    if (op == "suffix") return needString(Condition::Kind::Suffix);
    if (op == "equals-ignore-case") return needString(Condition::Kind::EqualsIgnoreCase);
    if (op == "exists") {
        if (!arg.is_boolean()) {
            error = {at, "'exists' takes true or false, got " + typeName(arg)};
            return false;
        }
        c.kind = Condition::Kind::Exists;
        c.flag = arg.get<bool>();
        return true;
    }
    if (op == "anything-but") {
        c.kind = Condition::Kind::AnythingBut;
        if (arg.is_object()) {
            if (arg.size() != 1 || !arg.contains("prefix") || !arg["prefix"].is_string() ||
                arg["prefix"].get<std::string>().empty()) {
                error = {
                    at,
                    "'anything-but' takes a string, a number, an array of them, or {\"prefix\": \"...\"}"};
                return false;
            }
            c.butPrefix = arg["prefix"].get<std::string>();
            return true;
        }
        const Json list = arg.is_array() ? arg : Json::array({arg});
        if (list.empty()) {
            error = {at, "'anything-but' needs at least one value"};
            return false;
        }
        for (std::size_t i = 0; i < list.size(); ++i) {
            const std::string p = arg.is_array() ? at + "[" + std::to_string(i) + "]" : at;
            if (list[i].is_string()) {
                c.strings.insert(list[i].get<std::string>());
            } else if (list[i].is_number()) {
                if (!checkNumber(list[i], p, error)) return false;
                c.numbers.push_back(list[i].get<double>());
            } else {
                error = {p, "'anything-but' values are strings or numbers, got " + typeName(list[i])};
                return false;
            }
        }
        return true;
    }
    if (op == "numeric") {
        c.kind = Condition::Kind::Numeric;
        if (!arg.is_array() || (arg.size() != 2 && arg.size() != 4)) {
            error = {at, "'numeric' takes [operator, number] or a range [\">\" or \">=\", number, \"<\" or "
                         "\"<=\", number]"};
            return false;
        }
        for (std::size_t i = 0; i < arg.size(); i += 2) {
            const std::string p = at + "[" + std::to_string(i) + "]";
            if (!arg[i].is_string()) {
                error = {p, "expected an operator (=, <, <=, >, >=), got " + typeName(arg[i])};
                return false;
            }
            if (!arg[i + 1].is_number()) {
                error = {at + "[" + std::to_string(i + 1) + "]",
                         "expected a number, got " + typeName(arg[i + 1])};
                return false;
            }
            if (!checkNumber(arg[i + 1], at + "[" + std::to_string(i + 1) + "]", error)) return false;
            const std::string o = arg[i].get<std::string>();
            const double n = arg[i + 1].get<double>();
            if (o == "=" && arg.size() == 2) {
                c.hasLower = c.hasUpper = c.lowerInclusive = c.upperInclusive = true;
                c.lower = c.upper = n;
            } else if ((o == ">" || o == ">=") && i == 0) {
                c.hasLower = true;
                c.lowerInclusive = o == ">=";
                c.lower = n;
            } else if ((o == "<" || o == "<=") && (i == 2 || arg.size() == 2)) {
                c.hasUpper = true;
                c.upperInclusive = o == "<=";
                c.upper = n;
            } else {
                error = {p, arg.size() == 4
                                ? "a range is [\">\" or \">=\", low, \"<\" or \"<=\", high]; got '" + o + "'"
                                : "unknown operator '" + o + "': use =, <, <=, > or >="};
                return false;
            }
        }
        if (c.hasLower && c.hasUpper && arg.size() == 4 && !(c.lower < c.upper)) {
            error = {at, "the range's low end must be below its high end"};
            return false;
        }
        return true;
    }
    error = {at, "unknown operator '" + op +
                     "': use prefix, suffix, equals-ignore-case, anything-but, numeric or exists"};
    (void)scope;
    return false;
}

std::unique_ptr<SnsFilterPolicy::Node> parseNode(const Json &v, const std::string &path,
                                                 SnsFilterPolicy::Scope scope, std::uint64_t &combinations,
                                                 std::size_t &leafKeys, SnsFilterPolicy::Error &error)
{
    if (!v.is_object()) {
        error = {path, "a filter policy is a JSON object, got " + typeName(v)};
        return nullptr;
    }
    auto node = std::make_unique<SnsFilterPolicy::Node>();
    std::uint64_t product = 1;
    std::uint64_t alternatives = 0;
    for (auto it = v.begin(); it != v.end(); ++it) {
        const std::string at = path + "." + it.key();
        if (it.key() == "$or") {
            if (!it.value().is_array() || it.value().size() < 2) {
                error = {at, "\"$or\" takes an array of at least two policies"};
                return nullptr;
            }
            for (std::size_t i = 0; i < it.value().size(); ++i) {
                std::uint64_t branch = 0;
                auto b = parseNode(it.value()[i], at + "[" + std::to_string(i) + "]", scope, branch, leafKeys,
                                   error);
                if (!b) return nullptr;
                alternatives += branch;
                node->alternatives.push_back(std::move(b));
            }
            continue;
        }
        SnsFilterPolicy::Node::Key key;
        key.name = it.key();
        if (it.value().is_object()) {
            if (scope == SnsFilterPolicy::Scope::MessageAttributes) {
                error = {at, "nested policies are accepted only with FilterPolicyScope MessageBody"};
                return nullptr;
            }
            std::uint64_t nested = 0;
            key.nested = parseNode(it.value(), at, scope, nested, leafKeys, error);
            if (!key.nested) return nullptr;
            product *= std::max<std::uint64_t>(nested, 1);
        } else if (it.value().is_array()) {
            if (it.value().empty()) {
                error = {at, "an empty array of conditions matches nothing"};
                return nullptr;
            }
            for (std::size_t i = 0; i < it.value().size(); ++i) {
                Condition c;
                if (!parseCondition(it.value()[i], at + "[" + std::to_string(i) + "]", scope, c, error))
                    return nullptr;
                key.conditions.push_back(std::move(c));
            }
            product *= it.value().size();
            ++leafKeys;
        } else {
            error = {at, "expected an array of conditions, e.g. [\"red\", {\"prefix\": \"bl\"}]; got " +
                             typeName(it.value())};
            return nullptr;
        }
        node->keys.push_back(std::move(key));
    }
    combinations = alternatives ? product * alternatives : product;
    return node;
}

} // namespace

std::unique_ptr<SnsFilterPolicy> SnsFilterPolicy::parse(const Json &policy, Scope scope, Error &error)
{
    std::unique_ptr<SnsFilterPolicy> p(new SnsFilterPolicy());
    p->m_scope = scope;
    std::size_t leafKeys = 0;
    p->m_root = parseNode(policy, "$", scope, p->m_combinations, leafKeys, error);
    if (!p->m_root) return nullptr;
    if (leafKeys > 5) {
        error = {"$", "a filter policy has at most 5 keys; this one has " + std::to_string(leafKeys)};
        return nullptr;
    }
    if (p->m_combinations > 150) {
        error = {"$",
                 "the policy's combinations (the product of its arrays' sizes) must not exceed 150; this one "
                 "has " +
                     std::to_string(p->m_combinations)};
        return nullptr;
    }
    return p;
}

bool SnsFilterPolicy::matches(const Json &attributesOrBody, std::string *why) const
{
    return m_root->matches(attributesOrBody, why);
}

Json SnsFilterPolicy::attributesOf(const Message &m)
{
    Json out = Json::object();
    for (const auto &h : m.headers)
        out[h.name] = h.value;
    for (const auto &f : m.fields)
        out[f.name] = f.numeric ? Json(f.number) : Json(f.text);
    return out;
}

bool SnsFilterPolicy::matches(const Message &m, std::string *why) const
{
    if (m_scope == Scope::MessageAttributes) return matches(attributesOf(m), why);
    Json body = Json::object();
    for (const auto &f : m.fields)
        body[f.name] = f.numeric ? Json(f.number) : Json(f.text);
    return matches(body, why);
}

} // namespace sb
