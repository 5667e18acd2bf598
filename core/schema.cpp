#include "schema.h"

#include <algorithm>
#include <cmath>
#include <sstream>

namespace sb {

namespace {

// The DOM builder, except that an error is recorded with its place instead of thrown.
class RecordingDomParser : public nlohmann::detail::json_sax_dom_parser<Json> {
public:
    explicit RecordingDomParser(Json &root) : json_sax_dom_parser(root, false) {}
    template <class Exception>
    bool parse_error(std::size_t position, const std::string &token, const Exception &ex)
    {
        m_failed = true;
        m_reason = ex.what();
        // "[json.exception.parse_error.101] parse error at line 1, column 6: syntax error ..." ->
        // "syntax error ..."; the place is reported separately.
        if (auto tag = m_reason.find("] ");
            m_reason.rfind("[json.exception.", 0) == 0 && tag != std::string::npos)
            m_reason.erase(0, tag + 2);
        if (m_reason.rfind("parse error", 0) == 0)
            if (auto colon = m_reason.find(": "); colon != std::string::npos) m_reason.erase(0, colon + 2);
        // A syntax error sits at the last byte read; an out-of-range number starts its token.
        if (ex.id == 406 && position >= token.size())
            m_byte = position - token.size();
        else
            m_byte = position ? position - 1 : 0;
        return false;
    }
    bool failed() const { return m_failed; }
    std::size_t byte() const { return m_byte; }
    const std::string &reason() const { return m_reason; }

private:
    bool m_failed = false;
    std::size_t m_byte = 0;
    std::string m_reason;
};

void setPlace(JsonError &error, std::string_view text, std::size_t byte)
{
    error.byte = byte;
    error.line = 1;
    error.column = 1;
    for (std::size_t i = 0; i < byte && i < text.size(); ++i) {
        if (text[i] == '\n') {
            ++error.line;
            error.column = 1;
        } else {
            ++error.column;
        }
    }
}

} // namespace

std::optional<Json> parseJson(std::string_view text, JsonError &error, std::size_t maxDepth)
{
    // Nesting is measured before parsing: values nested 200,000 deep would overflow the stack
    // in the recursive code that later copies, compares or prints them.
    std::size_t depth = 0;
    bool inString = false, escaped = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (inString) {
            if (escaped)
                escaped = false;
            else if (c == '\\')
                escaped = true;
            else if (c == '"')
                inString = false;
        } else if (c == '"') {
            inString = true;
        } else if (c == '[' || c == '{') {
            if (++depth > maxDepth) {
                setPlace(error, text, i);
                error.reason = "nested deeper than " + std::to_string(maxDepth) + " levels";
                return std::nullopt;
            }
        } else if ((c == ']' || c == '}') && depth > 0) {
            --depth;
        }
    }
    Json root;
    RecordingDomParser parser(root);
    try {
        Json::sax_parse(text.begin(), text.end(), &parser);
    } catch (const Json::exception &e) {
        // The DOM builder itself can refuse (e.g. an object too large); no place is known.
        setPlace(error, text, 0);
        error.reason = e.what();
        return std::nullopt;
    }
    if (parser.failed()) {
        setPlace(error, text, parser.byte());
        error.reason = parser.reason();
        return std::nullopt;
    }
    return root;
}

const char *propertyTypeName(PropertyType t)
{
    switch (t) {
    case PropertyType::Bool:
        return "bool";
    case PropertyType::Integer:
        return "integer";
    case PropertyType::Number:
        return "number";
    case PropertyType::String:
        return "string";
    case PropertyType::Enum:
        return "enum";
    case PropertyType::Duration:
        return "duration";
    case PropertyType::Distribution:
        return "distribution";
    case PropertyType::Probability:
        return "probability";
    case PropertyType::StringList:
        return "string list";
    case PropertyType::StringMap:
        return "string map";
    case PropertyType::Script:
        return "script";
    }
    return "?";
}

const PropertySpec *NodeKindSpec::property(std::string_view key) const
{
    for (const auto &p : properties)
        if (p.key == key) return &p;
    return nullptr;
}

std::optional<PortIndex> NodeKindSpec::port(std::string_view name) const
{
    for (PortIndex i = 0; i < ports.size(); ++i)
        if (ports[i].name == name) return i;
    return std::nullopt;
}

std::string numberText(double v)
{
    // Whole numbers in full ("10000000", not "1e+07") while a double holds them exactly; others as
    // written.
    if (v == std::floor(v) && std::fabs(v) <= 9.0e15) return std::to_string(static_cast<long long>(v));
    std::ostringstream s;
    s << v;
    return s.str();
}

namespace {

std::string rangeCheck(const PropertySpec &spec, double v, const std::string &shown)
{
    if (spec.min && v < *spec.min)
        return shown + " is below the minimum " + numberText(*spec.min) +
               (spec.unit.empty() ? "" : " " + spec.unit);
    if (spec.max && v > *spec.max)
        return shown + " is above the maximum " + numberText(*spec.max) +
               (spec.unit.empty() ? "" : " " + spec.unit);
    return {};
}
} // namespace

std::string closestMatch(std::string_view word, const std::vector<std::string> &candidates)
{
    auto distance = [](std::string_view a, std::string_view b) {
        std::vector<std::size_t> row(b.size() + 1);
        for (std::size_t j = 0; j <= b.size(); ++j)
            row[j] = j;
        for (std::size_t i = 1; i <= a.size(); ++i) {
            std::size_t diagonal = row[0];
            row[0] = i;
            for (std::size_t j = 1; j <= b.size(); ++j) {
                const std::size_t up = row[j];
                row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
                diagonal = up;
            }
        }
        return row[b.size()];
    };
    std::string best;
    std::size_t bestDistance = 3; // at most two edits away
    for (const auto &c : candidates) {
        const std::size_t d = distance(word, c);
        if (d < bestDistance) {
            bestDistance = d;
            best = c;
        }
    }
    return best;
}

std::string checkPropertyValue(const PropertySpec &spec, const Json &value)
{
    std::string why;
    switch (spec.type) {
    case PropertyType::Bool:
        if (!value.is_boolean()) return "expected true or false, got " + value.dump();
        break;
    case PropertyType::Integer: {
        if (value.is_number_float()) {
            double d = value.get<double>();
            if (d != std::floor(d)) return "expected a whole number, got " + value.dump();
        } else if (!value.is_number_integer()) {
            return "expected a whole number, got " + value.dump();
        }
        why = rangeCheck(spec, value.get<double>(), value.dump());
        break;
    }
    case PropertyType::Number:
        if (!value.is_number() || !std::isfinite(value.get<double>()))
            return "expected a number, got " + value.dump();
        why = rangeCheck(spec, value.get<double>(), value.dump());
        break;
    case PropertyType::Probability:
        if (!value.is_number()) return "expected a probability between 0 and 1, got " + value.dump();
        if (value.get<double>() < 0 || value.get<double>() > 1)
            return value.dump() + " is not a probability (it must be between 0 and 1)";
        break;
    case PropertyType::String:
        if (!value.is_string()) return "expected a string, got " + value.dump();
        break;
    case PropertyType::Enum: {
        if (!value.is_string()) return "expected a string, got " + value.dump();
        const auto s = value.get<std::string>();
        bool found = false;
        for (const auto &c : spec.choices)
            found = found || c == s;
        if (!found) {
            std::string list;
            for (const auto &c : spec.choices)
                list += (list.empty() ? "" : ", ") + c;
            const std::string hint = closestMatch(s, spec.choices);
            return "'" + s + "' is not one of: " + list +
                   (hint.empty() ? "" : " (did you mean '" + hint + "'?)");
        }
        break;
    }
    case PropertyType::Duration: {
        double ms = 0;
        if (value.is_number()) {
            ms = value.get<double>();
            if (!std::isfinite(ms) || ms < 0) return value.dump() + " is not a non-negative duration";
            // Virtual time is int64 nanoseconds: about 292 years.
            if (ms > 9.0e12)
                return value.dump() + " ms is longer than virtual time can count (at most 9e12 ms)";
        } else if (value.is_string()) {
            auto t = parseDuration(value.get<std::string>());
            if (!t) return "'" + value.get<std::string>() + "' is not a duration (examples: 250ms, 10s, 1.5)";
            ms = toMilliseconds(*t);
        } else {
            return "expected a duration (a number of ms or a string such as \"10s\"), got " + value.dump();
        }
        why = rangeCheck(spec, ms, value.is_string() ? value.get<std::string>() : value.dump() + " ms");
        break;
    }
    case PropertyType::Distribution: {
        if (!value.is_string() && !value.is_number())
            return "expected a distribution such as \"exp(5ms)\", got " + value.dump();
        Distribution d;
        std::string err;
        if (!Distribution::parse(value.is_string() ? value.get<std::string>() : value.dump(), d, err))
            return err;
        break;
    }
    case PropertyType::StringList:
        if (!value.is_array()) return "expected a list of strings, got " + value.dump();
        for (std::size_t i = 0; i < value.size(); ++i)
            if (!value[i].is_string()) return "entry " + std::to_string(i) + " is not a string";
        break;
    case PropertyType::StringMap:
        if (!value.is_object()) return "expected an object of strings, got " + value.dump();
        for (auto it = value.begin(); it != value.end(); ++it)
            if (!it.value().is_string()) return "'" + it.key() + "' is not a string";
        break;
    case PropertyType::Script:
        if (!value.is_array()) return "expected a list of message objects, got " + value.dump();
        break;
    }
    if (!why.empty()) return why;
    if (spec.check) return spec.check(value);
    return {};
}

const Json &PropertyBag::value(std::string_view key) const
{
    if (m_values && m_values->is_object()) {
        auto it = m_values->find(key);
        if (it != m_values->end()) return *it;
    }
    for (const auto &p : *m_specs)
        if (p.key == key) return p.defaultValue;
    static const Json null;
    return null;
}

SimTime PropertyBag::duration(std::string_view key) const
{
    const Json &v = value(key);
    if (v.is_string()) return parseDuration(v.get<std::string>()).value_or(0);
    return fromMilliseconds(v.get<double>());
}

Distribution PropertyBag::distribution(std::string_view key) const
{
    const Json &v = value(key);
    Distribution d;
    std::string err;
    Distribution::parse(v.is_string() ? v.get<std::string>() : v.dump(), d, err);
    return d;
}

std::vector<std::string> PropertyBag::stringList(std::string_view key) const
{
    return value(key).get<std::vector<std::string>>();
}

std::vector<std::pair<std::string, std::string>> PropertyBag::stringMap(std::string_view key) const
{
    std::vector<std::pair<std::string, std::string>> out;
    const Json &v = value(key);
    for (auto it = v.begin(); it != v.end(); ++it)
        out.emplace_back(it.key(), it.value().get<std::string>());
    return out;
}

const NodeKindSpec *KindRegistry::find(std::string_view kind) const
{
    for (const auto &k : m_kinds)
        if (k.kind == kind) return &k;
    return nullptr;
}

std::vector<std::string> KindRegistry::kindNames() const
{
    std::vector<std::string> out;
    for (const auto &k : m_kinds)
        out.push_back(k.kind);
    return out;
}

const FaultKindSpec *KindRegistry::findFault(std::string_view kind) const
{
    for (const auto &k : m_faultKinds)
        if (k.kind == kind) return &k;
    return nullptr;
}

const NodeTemplate *KindRegistry::findTemplate(std::string_view id) const
{
    for (const auto &t : m_templates)
        if (t.id == id) return &t;
    return nullptr;
}

const char *protocolKey(Protocol p)
{
    constexpr const char *keys[] = {"publish",     "delivery", "call",  "kafka",       "sqs",
                                    "event-store", "command",  "mqtt",  "redis",       "nats",
                                    "gcp-pubsub",  "sns",      "actor", "supervision", "peer"};
    return keys[static_cast<int>(p)];
}

const char *protocolName(Protocol p)
{
    switch (p) {
    case Protocol::Publish:
        return "publishes";
    case Protocol::Delivery:
        return "deliveries";
    case Protocol::Call:
        return "calls";
    case Protocol::Kafka:
        return "Kafka requests";
    case Protocol::Sqs:
        return "SQS requests";
    case Protocol::EventStore:
        return "event-store requests";
    case Protocol::Command:
        return "commands";
    case Protocol::Mqtt:
        return "MQTT packets";
    case Protocol::Redis:
        return "Redis commands";
    case Protocol::Nats:
        return "NATS messages";
    case Protocol::Pubsub:
        return "Pub/Sub requests";
    case Protocol::Sns:
        return "SNS requests";
    case Protocol::Actor:
        return "actor messages";
    case Protocol::Supervision:
        return "supervision signals";
    case Protocol::Peer:
        return "peer messages";
    }
    return "?";
}

std::vector<std::string> KindRegistry::faultKindNames() const
{
    std::vector<std::string> out;
    for (const auto &k : m_faultKinds)
        out.push_back(k.kind);
    return out;
}

const char *faultTargetName(FaultTarget t)
{
    switch (t) {
    case FaultTarget::Link:
        return "link";
    case FaultTarget::Node:
        return "node";
    case FaultTarget::Group:
        return "group";
    }
    return "?";
}

const PropertySpec *FaultKindSpec::param(std::string_view key) const
{
    for (const auto &p : params)
        if (p.key == key) return &p;
    return nullptr;
}

namespace {
Json propertiesJson(const std::vector<PropertySpec> &props)
{
    Json arr = Json::array();
    for (const auto &p : props) {
        Json j;
        j["key"] = p.key;
        j["label"] = p.label;
        j["type"] = propertyTypeName(p.type);
        if (!p.unit.empty()) j["unit"] = p.unit;
        j["default"] = p.defaultValue;
        if (p.min) j["min"] = *p.min;
        if (p.max) j["max"] = *p.max;
        if (!p.choices.empty()) j["choices"] = p.choices;
        if (!p.code.empty()) j["code"] = p.code;
        j["help"] = p.help;
        arr.push_back(std::move(j));
    }
    return arr;
}
} // namespace

Json KindRegistry::toJson() const
{
    Json root;
    Json kinds = Json::array();
    for (const auto &k : m_kinds) {
        Json j;
        j["kind"] = k.kind;
        j["label"] = k.label;
        j["category"] = k.category;
        j["help"] = k.help;
        Json ports = Json::array();
        for (const auto &p : k.ports) {
            ports.push_back({{"name", p.name},
                             {"direction", p.direction == PortDirection::In ? "in" : "out"},
                             {"protocol", protocolKey(p.protocol)},
                             {"multiple", p.multiple},
                             {"help", p.help}});
        }
        j["ports"] = std::move(ports);
        j["properties"] = propertiesJson(k.properties);
        if (!k.crashPoints.empty()) {
            Json points = Json::array();
            for (const auto &[name, help] : k.crashPoints)
                points.push_back({{"name", name}, {"help", help}});
            j["crashPoints"] = std::move(points);
        }
        kinds.push_back(std::move(j));
    }
    root["kinds"] = std::move(kinds);
    root["link"] = propertiesJson(m_linkProperties);
    Json faults = Json::array();
    for (const auto &k : m_faultKinds) {
        Json j;
        j["kind"] = k.kind;
        j["label"] = k.label;
        j["category"] = k.category;
        j["target"] = faultTargetName(k.target);
        j["help"] = k.help;
        j["params"] = propertiesJson(k.params);
        faults.push_back(std::move(j));
    }
    root["faults"] = std::move(faults);
    root["clock"] = propertiesJson(m_clockProperties);
    Json templates = Json::array();
    for (const auto &t : m_templates)
        templates.push_back({{"id", t.id},
                             {"label", t.label},
                             {"system", t.system},
                             {"kind", t.kind},
                             {"help", t.help},
                             {"properties", t.properties}});
    root["templates"] = std::move(templates);
    return root;
}

} // namespace sb
