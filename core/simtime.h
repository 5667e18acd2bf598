#pragma once
// Virtual time: signed 64-bit nanoseconds since the start of a run. Integer time keeps runs
// byte-for-byte reproducible; doubles would drift with the order of additions.
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

namespace sb {

using SimTime = std::int64_t;

inline constexpr SimTime kNanosecond = 1;
inline constexpr SimTime kMicrosecond = 1000;
inline constexpr SimTime kMillisecond = 1000 * kMicrosecond;
inline constexpr SimTime kSecond = 1000 * kMillisecond;
inline constexpr SimTime kNever = std::numeric_limits<SimTime>::max();

// Saturating time arithmetic. Durations go up to 9e9 s, close to the 64-bit limit, so "now +
// latency" or a long exponential sample can exceed it: such a time becomes kNever (an event
// that never happens) instead of wrapping into the past.
inline SimTime addTime(SimTime a, SimTime b)
{
    SimTime sum;
    if (__builtin_add_overflow(a, b, &sum)) return b > 0 ? kNever : std::numeric_limits<SimTime>::min();
    return sum;
}
inline SimTime multiplyTime(SimTime t, std::int64_t factor)
{
    SimTime product;
    if (__builtin_mul_overflow(t, factor, &product))
        return (t > 0) == (factor > 0) ? kNever : std::numeric_limits<SimTime>::min();
    return product;
}
// Nanoseconds as a double (a random sample, a scaled value) to ticks, rounded; NaN is 0 and
// values beyond the 64-bit range saturate (a plain conversion would be undefined).
inline SimTime timeFromNanoseconds(double ns)
{
    if (std::isnan(ns)) return 0;
    // 2^63 is exactly representable; every double below it converts without overflow.
    if (ns >= 9223372036854775808.0) return kNever;
    if (ns <= -9223372036854775808.0) return std::numeric_limits<SimTime>::min();
    return static_cast<SimTime>(std::llround(ns));
}

inline SimTime fromMilliseconds(double ms)
{
    return timeFromNanoseconds(ms * static_cast<double>(kMillisecond));
}
inline double toMilliseconds(SimTime t)
{
    return static_cast<double>(t) / static_cast<double>(kMillisecond);
}
inline double toSeconds(SimTime t)
{
    return static_cast<double>(t) / static_cast<double>(kSecond);
}

// Parses "250ms", "10s", "1.5us", "2m", "1h", "100ns"; a bare number is in `defaultUnit`.
// Negative durations are rejected.
std::optional<SimTime> parseDuration(std::string_view text, std::string_view defaultUnit = "ms");
// Shortest readable form: "0", "1.5s", "250ms", "12us", "80ns" (6 significant digits).
std::string formatDuration(SimTime t);
// Exact form for files: the largest unit that represents `t` without loss ("30s", "1234567ns").
std::string formatDurationExact(SimTime t);

} // namespace sb
