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

inline SimTime fromMilliseconds(double ms)
{
    return static_cast<SimTime>(std::llround(ms * static_cast<double>(kMillisecond)));
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
