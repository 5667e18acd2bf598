#include "simtime.h"

#include <charconv>
#include <cstdio>

namespace sb {

namespace {
std::optional<double> unitScale(std::string_view unit)
{
    if (unit == "ns") return 1.0;
    if (unit == "us" || unit == "µs") return 1e3;
    if (unit == "ms") return 1e6;
    if (unit == "s") return 1e9;
    if (unit == "m" || unit == "min") return 60e9;
    if (unit == "h") return 3600e9;
    return std::nullopt;
}

std::string_view trim(std::string_view s)
{
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
        s.remove_suffix(1);
    return s;
}
} // namespace

std::optional<SimTime> parseDuration(std::string_view text, std::string_view defaultUnit)
{
    text = trim(text);
    if (text.empty()) return std::nullopt;
    double value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end == text.data()) return std::nullopt;
    std::string_view unit = trim(std::string_view(end, static_cast<size_t>(text.data() + text.size() - end)));
    if (unit.empty()) unit = defaultUnit;
    auto scale = unitScale(unit);
    if (!scale || !std::isfinite(value) || value < 0) return std::nullopt;
    double ns = value * *scale;
    if (ns > 9.0e18) return std::nullopt;
    return static_cast<SimTime>(std::llround(ns));
}

std::string formatDuration(SimTime t)
{
    if (t == kNever) return "never";
    if (t == 0) return "0";
    const char *unit = "ns";
    double v = static_cast<double>(t);
    double a = std::fabs(v);
    if (a >= 1e9) {
        v /= 1e9;
        unit = "s";
    } else if (a >= 1e6) {
        v /= 1e6;
        unit = "ms";
    } else if (a >= 1e3) {
        v /= 1e3;
        unit = "us";
    }
    char buf[48];
    std::snprintf(buf, sizeof buf, "%.6g%s", v, unit);
    return buf;
}

std::string formatDurationExact(SimTime t)
{
    if (t == 0) return "0";
    struct Unit {
        SimTime ns;
        const char *name;
    };
    static const Unit units[] = {
        {kSecond, "s"}, {kMillisecond, "ms"}, {kMicrosecond, "us"}, {kNanosecond, "ns"}};
    for (const auto &u : units)
        if (t % u.ns == 0) return std::to_string(t / u.ns) + u.name;
    return std::to_string(t) + "ns";
}

} // namespace sb
