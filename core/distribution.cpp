#include "distribution.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <vector>

namespace sb {

namespace {
std::string_view trimmed(std::string_view s)
{
    while (!s.empty() && s.front() == ' ')
        s.remove_prefix(1);
    while (!s.empty() && s.back() == ' ')
        s.remove_suffix(1);
    return s;
}
} // namespace

bool Distribution::parse(std::string_view text, Distribution &out, std::string &error)
{
    text = trimmed(text);
    auto open = text.find('(');
    if (open == std::string_view::npos) {
        auto t = parseDuration(text);
        if (!t) {
            error = "'" + std::string(text) +
                    "' is not a duration or distribution (examples: 5ms, uniform(1ms,5ms), normal(10ms,2ms), "
                    "exp(5ms))";
            return false;
        }
        out = fixed(*t);
        return true;
    }
    if (text.back() != ')') {
        error = "missing ')' in '" + std::string(text) + "'";
        return false;
    }
    std::string_view name = trimmed(text.substr(0, open));
    std::string_view inner = text.substr(open + 1, text.size() - open - 2);
    if (name == "weibull") {
        // weibull(scale, shape): the shape is a plain number, not a duration.
        const auto comma = inner.find(',');
        if (comma == std::string_view::npos || inner.find(',', comma + 1) != std::string_view::npos) {
            error = "weibull takes 2 arguments (scale, shape), e.g. weibull(30s,0.6)";
            return false;
        }
        const std::string_view scalePart = trimmed(inner.substr(0, comma));
        const std::string shapePart(trimmed(inner.substr(comma + 1)));
        auto scale = parseDuration(scalePart);
        if (!scale) {
            error = "'" + std::string(scalePart) + "' is not a non-negative duration";
            return false;
        }
        char *end = nullptr;
        const double k = shapePart.empty() ? 0 : std::strtod(shapePart.c_str(), &end);
        if (shapePart.empty() || end != shapePart.c_str() + shapePart.size() || !(k > 0) ||
            !std::isfinite(k) || k > 1000) {
            error = "weibull's shape must be a number above 0 (and at most 1000), got '" + shapePart + "'";
            return false;
        }
        out = {Kind::Weibull, *scale, 0, k};
        return true;
    }
    std::vector<SimTime> args;
    while (true) {
        auto comma = inner.find(',');
        std::string_view part = trimmed(inner.substr(0, comma));
        auto t = parseDuration(part);
        if (!t) {
            error = "'" + std::string(part) + "' is not a non-negative duration";
            return false;
        }
        args.push_back(*t);
        if (comma == std::string_view::npos) break;
        inner.remove_prefix(comma + 1);
    }
    auto want = [&](size_t n) {
        if (args.size() == n) return true;
        error = std::string(name) + " takes " + std::to_string(n) + " argument" + (n == 1 ? "" : "s") +
                ", got " + std::to_string(args.size());
        return false;
    };
    if (name == "fixed" || name == "const") {
        if (!want(1)) return false;
        out = fixed(args[0]);
    } else if (name == "uniform") {
        if (!want(2)) return false;
        if (args[0] > args[1]) {
            error = "uniform needs low <= high";
            return false;
        }
        out = {Kind::Uniform, args[0], args[1]};
    } else if (name == "normal" || name == "gauss") {
        if (!want(2)) return false;
        out = {Kind::Normal, args[0], args[1]};
    } else if (name == "exp" || name == "exponential") {
        if (!want(1)) return false;
        out = {Kind::Exponential, args[0], 0};
    } else {
        error =
            "unknown distribution '" + std::string(name) + "' (use fixed, uniform, normal, exp or weibull)";
        return false;
    }
    return true;
}

SimTime Distribution::sample(Rng &rng) const
{
    switch (kind) {
    case Kind::Fixed:
        return a;
    case Kind::Uniform:
        return a + static_cast<SimTime>(rng.below(static_cast<std::uint64_t>(b - a) + 1));
    case Kind::Normal:
        return std::max<SimTime>(
            0, timeFromNanoseconds(rng.normal(static_cast<double>(a), static_cast<double>(b))));
    case Kind::Exponential:
        // Samples of a mean near the maximum duration can pass the 64-bit range: they saturate.
        return timeFromNanoseconds(rng.exponential(static_cast<double>(a)));
    case Kind::Weibull: {
        // Inverse transform: scale * (-ln(1 - U))^(1/k).
        const double u = rng.uniform01();
        return timeFromNanoseconds(static_cast<double>(a) * std::pow(-std::log1p(-u), 1 / shape));
    }
    }
    return a;
}

SimTime Distribution::mean() const
{
    switch (kind) {
    case Kind::Uniform:
        return (a + b) / 2;
    case Kind::Weibull:
        return timeFromNanoseconds(static_cast<double>(a) * std::tgamma(1 + 1 / shape));
    default:
        return a;
    }
}

std::string Distribution::toString() const
{
    switch (kind) {
    case Kind::Fixed:
        return formatDuration(a);
    case Kind::Uniform:
        return "uniform(" + formatDuration(a) + "," + formatDuration(b) + ")";
    case Kind::Normal:
        return "normal(" + formatDuration(a) + "," + formatDuration(b) + ")";
    case Kind::Exponential:
        return "exp(" + formatDuration(a) + ")";
    case Kind::Weibull: {
        char k[32];
        std::snprintf(k, sizeof k, "%g", shape);
        return "weibull(" + formatDuration(a) + "," + k + ")";
    }
    }
    return {};
}

} // namespace sb
