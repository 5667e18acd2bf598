#include "workload.h"

#include "common.h"

#include <algorithm>

namespace sb {

std::string expandTemplate(const std::string &tmpl, std::uint64_t seq, const std::string &key,
                           const std::string &node, std::uint64_t id)
{
    if (tmpl.find('{') == std::string::npos) return tmpl;
    std::string out;
    out.reserve(tmpl.size() + 16);
    for (std::size_t i = 0; i < tmpl.size(); ++i) {
        const auto close = tmpl[i] == '{' ? tmpl.find('}', i) : std::string::npos;
        if (close != std::string::npos) {
            const std::string_view name(tmpl.data() + i + 1, close - i - 1);
            if (name == "seq" || name == "key" || name == "node" || name == "id") {
                out += name == "seq"    ? std::to_string(seq)
                       : name == "key"  ? key
                       : name == "node" ? node
                                        : std::to_string(id);
                i = close;
                continue;
            }
        }
        out += tmpl[i];
    }
    return out;
}

namespace {

std::string checkScript(const Json &script, const std::vector<std::string> &fields,
                        const Workload::EntryCheck &checkExtra, const std::string &example)
{
    std::string known;
    for (const auto &f : fields)
        known += (known.empty() ? "" : ", ") + f;
    for (std::size_t i = 0; i < script.size(); ++i) {
        const Json &e = script[i];
        const std::string where = "entry " + std::to_string(i) + ": ";
        if (!e.is_object()) return where + "expected an object such as " + example;
        for (auto it = e.begin(); it != e.end(); ++it)
            if (std::find(fields.begin(), fields.end(), it.key()) == fields.end())
                return where + "unknown field '" + it.key() + "' (known: " + known + ")";
        if (e.contains("at")) {
            const Json &at = e["at"];
            bool ok = (at.is_number() && at.get<double>() >= 0) ||
                      (at.is_string() && parseDuration(at.get<std::string>()));
            if (!ok) return where + "'at' must be a duration such as \"10ms\", got " + at.dump();
        }
        if (e.contains("key") && !e["key"].is_string()) return where + "'key' must be a string";
        if (e.contains("size") && !(e["size"].is_number_integer() && e["size"].get<std::int64_t>() >= 0))
            return where + "'size' must be a non-negative whole number of bytes";
        if (e.contains("headers")) {
            if (!e["headers"].is_object()) return where + "'headers' must be an object of strings";
            for (auto h = e["headers"].begin(); h != e["headers"].end(); ++h)
                if (!h.value().is_string()) return where + "header '" + h.key() + "' must be a string";
        }
        if (checkExtra) {
            std::string problem = checkExtra(e);
            if (!problem.empty()) return where + problem;
        }
    }
    return {};
}

} // namespace

std::vector<PropertySpec> Workload::propertySpecs(std::vector<std::string> extraFields, EntryCheck checkExtra,
                                                  const std::string &scriptExample, double defaultSize)
{
    using T = PropertyType;
    std::vector<PropertySpec> p = {
        property("rate", "Rate", T::Number, 10.0, "Messages per second (on average for poisson).", "msg/s", 0,
                 1e7),
        property("arrival", "Arrival process", T::Enum, "constant",
                 "constant: evenly spaced; poisson: exponential gaps; bursts: burstSize messages at once.",
                 "", {}, {}, {"constant", "poisson", "bursts"}),
        property("burstSize", "Burst size", T::Integer, 10, "Messages per burst (arrival = bursts).", "msg",
                 1, 100000),
        property("count", "Stop after", T::Integer, 0, "Stop after this many messages (0 = no limit).", "msg",
                 0, 1e12),
        property("duration", "Stop after time", T::Duration, 0,
                 "Stop producing after this long (0 = no limit).", "ms", 0, {}),
        property("startAt", "Start at", T::Duration, 0, "Virtual time of the first message.", "ms", 0, {}),
        property("size", "Message size", T::Integer, defaultSize, "Payload size of each message.", "bytes", 0,
                 256.0 * 1024 * 1024),
        property("keys", "Key distribution", T::Enum, "none",
                 "How message keys are chosen: none, list (cycles through keyList), uniform over keyCount "
                 "keys, or "
                 "zipf over keyCount keys.",
                 "", {}, {}, {"none", "list", "uniform", "zipf"}),
        property("keyList", "Key list", T::StringList, Json::array(), "Keys used when keys = list.", ""),
        property("keyCount", "Key count", T::Integer, 16, "Number of distinct keys (uniform, zipf).", "keys",
                 1, 1e6),
        property("zipfExponent", "Zipf exponent", T::Number, 1.0, "Skew of the zipf key distribution.", "", 0,
                 10),
        property("script", "Script", T::Script, Json::array(),
                 "Explicit messages instead of a rate: [" + scriptExample + "].", ""),
    };
    std::vector<std::string> fields = {"at", "key", "size", "headers"};
    fields.insert(fields.end(), extraFields.begin(), extraFields.end());
    const std::string example = scriptExample;
    p.back().check = [fields, checkExtra, example](const Json &v) {
        return checkScript(v, fields, checkExtra, example);
    };
    return p;
}

Workload::Workload(const PropertyBag &p, std::uint64_t tagBase) : m_tagBase(tagBase)
{
    m_rate = p.number("rate");
    const std::string arrival = p.string("arrival");
    m_arrival = arrival == "poisson"  ? Arrival::Poisson
                : arrival == "bursts" ? Arrival::Bursts
                                      : Arrival::Constant;
    m_burstSize = static_cast<std::uint32_t>(p.integer("burstSize"));
    m_count = static_cast<std::uint64_t>(p.integer("count"));
    m_duration = p.duration("duration");
    m_startAt = p.duration("startAt");
    m_size = static_cast<std::uint32_t>(p.integer("size"));
    const std::string keys = p.string("keys");
    m_keys = keys == "list"      ? Keys::List
             : keys == "uniform" ? Keys::Uniform
             : keys == "zipf"    ? Keys::Zipf
                                 : Keys::None;
    m_keyList = p.stringList("keyList");
    if (m_keys == Keys::List && m_keyList.empty()) m_keys = Keys::None;
    m_keyCount = static_cast<std::uint32_t>(p.integer("keyCount"));
    if (m_keys == Keys::Zipf) m_zipf = ZipfSampler(m_keyCount, p.number("zipfExponent"));
    m_script = p.value("script");
    for (const auto &e : m_script)
        m_scriptAt.push_back(!e.contains("at")     ? 0
                             : e["at"].is_string() ? *parseDuration(e["at"].get<std::string>())
                                                   : fromMilliseconds(e["at"].get<double>()));
}

std::vector<Header> Workload::entryHeaders(const Json &entry)
{
    std::vector<Header> out;
    if (entry.contains("headers"))
        for (auto h = entry["headers"].begin(); h != entry["headers"].end(); ++h)
            out.push_back({h.key(), h.value().get<std::string>()});
    return out;
}

void Workload::start(NodeContext &ctx)
{
    m_started = ctx.now();
    m_stopped = false;
    if (!m_scriptAt.empty()) {
        for (std::size_t i = 0; i < m_scriptAt.size(); ++i)
            ctx.startTimer(m_scriptAt[i], m_tagBase + 2 * i + 1);
        return;
    }
    if (m_rate > 0) ctx.startTimer(m_startAt, m_tagBase);
}

void Workload::restart(NodeContext &ctx)
{
    // A restarted producer resumes its rate schedule; a script is not played again.
    m_stopped = false;
    if (m_scriptAt.empty() && m_rate > 0 && !finished(ctx)) ctx.startTimer(0, m_tagBase);
}

bool Workload::finished(NodeContext &ctx) const
{
    if (m_count && m_generated >= m_count) return true;
    if (m_duration && ctx.now() >= addTime(addTime(m_started, m_startAt), m_duration)) return true;
    return false;
}

std::string Workload::nextKey(NodeContext &ctx)
{
    switch (m_keys) {
    case Keys::None:
        return {};
    case Keys::List:
        return m_keyList[m_keyCursor++ % m_keyList.size()];
    case Keys::Uniform:
        return "key-" + std::to_string(ctx.rng().below(m_keyCount));
    case Keys::Zipf:
        return "key-" + std::to_string(m_zipf.sample(ctx.rng()));
    }
    return {};
}

void Workload::onTimer(NodeContext &ctx, std::uint64_t tag, const std::function<void(const Item &)> &emit)
{
    const std::uint64_t n = (tag - m_tagBase) / 2;
    if ((tag - m_tagBase) % 2 == 1) {
        if (!ctx.mayPublish() || n >= m_script.size()) return;
        const Json &e = m_script[n];
        ++m_generated;
        emit({e.value("key", std::string()), e.contains("size") ? e["size"].get<std::uint32_t>() : m_size,
              &e});
        return;
    }
    if (m_stopped) return;
    const std::uint32_t count = m_arrival == Arrival::Bursts ? m_burstSize : 1;
    for (std::uint32_t i = 0; i < count; ++i) {
        if (finished(ctx) || !ctx.mayPublish()) return;
        ++m_generated;
        emit({nextKey(ctx), m_size, nullptr});
    }
    if (finished(ctx) || !ctx.mayPublish()) return;
    scheduleNext(ctx);
}

void Workload::scheduleNext(NodeContext &ctx)
{
    const double meanNs = 1e9 / m_rate * (m_arrival == Arrival::Bursts ? m_burstSize : 1);
    const SimTime gap =
        timeFromNanoseconds(m_arrival == Arrival::Poisson ? ctx.rng().exponential(meanNs) : meanNs);
    ctx.startTimer(std::max<SimTime>(gap, 1), m_tagBase);
}

} // namespace sb
