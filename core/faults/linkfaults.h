#pragma once
// The link faults a plan (or a person, live) applies to a link while they last: extra latency,
// loss, Gilbert-Elliott burst loss, duplication, reordering, a bandwidth limit, corruption, and
// message-aware rules (drop the first N frames, every Nth, or those matching a pattern). A
// LinkModel holds the active ones and asks each about every frame it carries.
#include "../distribution.h"
#include "../message.h"
#include "../routing.h"
#include "faultplan.h"

#include <array>
#include <cstdint>
#include <optional>
#include <string>

namespace sb {

// Which frames a message-aware fault picks: by type, routing key pattern, and header.
struct FrameMatch {
    std::optional<FrameType> type; // none: any type
    std::optional<TopicPattern> routingKey;
    std::string header;                     // empty: any
    std::optional<std::string> headerValue; // "name=value": the value too
    bool matches(const Frame &f) const;
};

struct LinkFault {
    enum class Type : std::uint8_t {
        Down,
        Latency,
        Loss,
        BurstLoss,
        Duplicate,
        Reorder,
        Bandwidth,
        Corrupt,
        DropFirst,
        DropEvery,
        Match
    };
    std::uint64_t id = 0; // the fault instance that applied it, to remove it again
    Type type = Type::Down;
    std::array<bool, 2> directions{true, true};                     // [forward, backward]
    Distribution extra;                                             // Latency
    double probability = 0;                                         // Loss, Duplicate, Corrupt
    double goodToBad = 0, badToGood = 0, lossGood = 0, lossBad = 0; // BurstLoss
    SimTime window = 0;                                             // Reorder
    double bytesPerSecond = 0;                                      // Bandwidth
    std::uint64_t count = 0;                                        // DropFirst: N; DropEvery: nth
    bool delay = false;                                             // Match: delay instead of drop
    SimTime delayBy = 0;
    FrameMatch match;
    // State while active
    std::array<bool, 2> bad{false, false}; // BurstLoss: the channel's state per direction
    std::uint64_t seen = 0;                // DropFirst/DropEvery: matching frames so far

    // From a validated plan entry of a link fault kind; false for kinds that are not link faults.
    static bool fromDef(const FaultDef &def, const FaultKindSpec &spec, LinkFault &out);
};

// The bytes a frame occupies on the wire for the bandwidth limit: its message's size plus framing.
inline constexpr std::uint32_t kFrameOverheadBytes = 64;
inline std::uint64_t wireBytes(const Frame &f)
{
    return kFrameOverheadBytes + (f.message ? f.message->size : 0);
}

} // namespace sb
