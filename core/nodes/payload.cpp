#include "payload.h"

#include <charconv>
#include <cmath>

namespace sb {

namespace {

std::string_view trim(std::string_view v)
{
    while (!v.empty() && v.front() == ' ')
        v.remove_prefix(1);
    while (!v.empty() && v.back() == ' ')
        v.remove_suffix(1);
    return v;
}

bool parseNumber(std::string_view text, double &out)
{
    text = trim(text);
    if (text.empty()) return false;
    const char *end = text.data() + text.size();
    auto [p, ec] = std::from_chars(text.data(), end, out);
    return ec == std::errc() && p == end && std::isfinite(out);
}

Field valueField(std::string_view text)
{
    Field f;
    f.text = std::string(trim(text));
    f.numeric = parseNumber(f.text, f.number);
    return f;
}

Field numberField(double v)
{
    Field f;
    f.number = v;
    f.numeric = true;
    f.text = numberText(v);
    return f;
}

double round2(double v)
{
    return std::round(v * 100.0) / 100.0;
}

// The arguments between "name(" and ")", split at commas; `offset` is where they begin.
std::vector<std::pair<std::size_t, std::string_view>> arguments(std::string_view inside, std::size_t offset)
{
    std::vector<std::pair<std::size_t, std::string_view>> out;
    std::size_t start = 0;
    for (;;) {
        const std::size_t comma = inside.find(',', start);
        const std::string_view item =
            inside.substr(start, comma == std::string_view::npos ? comma : comma - start);
        out.push_back({offset + start, item});
        if (comma == std::string_view::npos) return out;
        start = comma + 1;
    }
}

std::string at(std::size_t position)
{
    return "column " + std::to_string(position + 1) + ": ";
}

} // namespace

std::string PayloadFields::parse(std::string_view text, Rule &out)
{
    const std::size_t open = text.find('(');
    const std::string_view head = trim(text.substr(0, open));
    if (open == std::string_view::npos) {
        if (head == "seq") {
            out.kind = Rule::Kind::Sequence;
            return {};
        }
        if (head.empty())
            return "an empty rule: write a value, or uniform(a, b), normal(m, sd), exp(m), choice(...), seq";
        out.kind = Rule::Kind::Constant;
        out.constant = valueField(head);
        return {};
    }
    if (text.back() != ')')
        return at(text.size() - 1) + "expected ')' at the end of " + std::string(head) + "(...)";
    const auto args = arguments(text.substr(open + 1, text.size() - open - 2), open + 1);
    const auto numbers = [&](std::size_t n, double *v) -> std::string {
        if (args.size() != n)
            return at(open) + std::string(head) + " takes " + std::to_string(n) +
                   (n == 1 ? " number" : " numbers") + ", got " + std::to_string(args.size());
        for (std::size_t i = 0; i < n; ++i)
            if (!parseNumber(args[i].second, v[i]))
                return at(args[i].first) + "'" + std::string(trim(args[i].second)) + "' is not a number";
        return {};
    };
    double v[2] = {0, 0};
    if (head == "uniform") {
        if (auto e = numbers(2, v); !e.empty()) return e;
        if (v[0] > v[1]) return at(open) + "uniform needs low <= high";
        out.a = v[0];
        out.b = v[1];
        out.kind = std::floor(v[0]) == v[0] && std::floor(v[1]) == v[1] ? Rule::Kind::UniformWhole
                                                                        : Rule::Kind::Uniform;
        return {};
    }
    if (head == "normal") {
        if (auto e = numbers(2, v); !e.empty()) return e;
        if (v[1] < 0) return at(args[1].first) + "the standard deviation must not be negative";
        out.kind = Rule::Kind::Normal;
        out.a = v[0];
        out.b = v[1];
        return {};
    }
    if (head == "exp") {
        if (auto e = numbers(1, v); !e.empty()) return e;
        if (v[0] <= 0) return at(args[0].first) + "the mean must be above 0";
        out.kind = Rule::Kind::Exponential;
        out.a = v[0];
        return {};
    }
    if (head == "choice") {
        out.kind = Rule::Kind::Choice;
        double weighted = 0;
        std::size_t unweighted = 0;
        std::vector<std::pair<Field, double>> items; // weight < 0: none given
        for (const auto &[position, item] : args) {
            std::string_view value = trim(item);
            if (value.empty()) return at(position) + "an empty choice";
            double weight = -1;
            if (value.back() == '%') {
                const std::size_t space = value.rfind(' ');
                if (space == std::string_view::npos)
                    return at(position) + "a weight needs its value before it: write 'US 50%'";
                if (!parseNumber(value.substr(space + 1, value.size() - space - 2), weight) || weight < 0 ||
                    weight > 100)
                    return at(position) + "'" + std::string(value.substr(space + 1)) +
                           "' is not a weight between 0% and 100%";
                value = trim(value.substr(0, space));
                weighted += weight / 100.0;
            } else {
                ++unweighted;
            }
            items.push_back({valueField(value), weight < 0 ? -1 : weight / 100.0});
        }
        if (weighted > 1 + 1e-9) return at(open) + "the weights add up to more than 100%";
        if (unweighted == 0 && std::abs(weighted - 1) > 1e-9)
            return at(open) + "the weights add up to " + numberText(round2(weighted * 100)) +
                   "%, not 100%: leave one value without a weight to take the rest";
        const double share = unweighted ? (1 - weighted) / double(unweighted) : 0;
        double cumulative = 0;
        for (auto &[value, weight] : items) {
            cumulative += weight < 0 ? share : weight;
            out.choices.push_back({std::move(value), cumulative});
        }
        out.choices.back().weight = 1; // no gap from rounding
        return {};
    }
    return at(0) + "unknown rule '" + std::string(head) + "': use uniform, normal, exp, choice or seq";
}

std::string PayloadFields::parseRule(std::string_view text)
{
    Rule r;
    return parse(text, r);
}

PayloadFields::PayloadFields(const Rules &rules)
{
    for (const auto &[name, text] : rules) {
        Rule r;
        r.name = name;
        if (parse(text, r).empty()) m_fields.push_back(std::move(r));
    }
}

void PayloadFields::generate(Rng &rng, std::uint64_t sequence, std::vector<Field> &out) const
{
    for (const auto &r : m_fields) {
        Field f;
        switch (r.kind) {
        case Rule::Kind::Constant:
            f = r.constant;
            break;
        case Rule::Kind::Uniform:
            f = numberField(round2(rng.uniform(r.a, r.b)));
            break;
        case Rule::Kind::UniformWhole:
            f = numberField(r.a + double(rng.below(std::uint64_t(r.b - r.a) + 1)));
            break;
        case Rule::Kind::Normal:
            f = numberField(round2(rng.normal(r.a, r.b)));
            break;
        case Rule::Kind::Exponential:
            f = numberField(round2(rng.exponential(r.a)));
            break;
        case Rule::Kind::Choice: {
            const double u = rng.uniform01();
            std::size_t i = 0;
            while (i + 1 < r.choices.size() && u >= r.choices[i].weight)
                ++i;
            f = r.choices[i].value;
            break;
        }
        case Rule::Kind::Sequence:
            f = numberField(double(sequence));
            break;
        }
        f.name = r.name;
        out.push_back(std::move(f));
    }
}

PropertySpec PayloadFields::propertySpec()
{
    PropertySpec p;
    p.key = "fields";
    p.label = "Payload fields";
    p.type = PropertyType::StringMap;
    p.defaultValue = Json::object();
    p.help =
        "Named fields of each message's payload, for content-based routing: a constant, uniform(1, 2000), "
        "normal(100, 15), exp(50), choice(US 50%, DE, FR) or seq.";
    p.check = [](const Json &value) -> std::string {
        for (auto it = value.begin(); it != value.end(); ++it) {
            const std::string why = parseRule(it.value().get<std::string>());
            if (!why.empty()) return "field '" + it.key() + "': " + why;
        }
        return {};
    };
    return p;
}

} // namespace sb
