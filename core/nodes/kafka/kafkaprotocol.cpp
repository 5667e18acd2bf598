#include "kafkaprotocol.h"

namespace sb::kafka {

// Kafka's Utils.murmur2 (MurmurHash2, 32-bit, seed 0x9747b28c), written over unsigned arithmetic
// so that its wrap-around is defined; the result is the same bits as Java's int.
std::int32_t murmur2(std::string_view bytes)
{
    const auto *data = reinterpret_cast<const unsigned char *>(bytes.data());
    const auto length = static_cast<std::uint32_t>(bytes.size());
    constexpr std::uint32_t seed = 0x9747b28c;
    constexpr std::uint32_t m = 0x5bd1e995;
    constexpr int r = 24;
    std::uint32_t h = seed ^ length;
    const std::uint32_t length4 = length / 4;
    for (std::uint32_t i = 0; i < length4; ++i) {
        const std::uint32_t i4 = i * 4;
        std::uint32_t k = std::uint32_t(data[i4]) | (std::uint32_t(data[i4 + 1]) << 8) |
                          (std::uint32_t(data[i4 + 2]) << 16) | (std::uint32_t(data[i4 + 3]) << 24);
        k *= m;
        k ^= k >> r;
        k *= m;
        h *= m;
        h ^= k;
    }
    const std::uint32_t tail = length & ~3u;
    switch (length % 4) {
    case 3:
        h ^= std::uint32_t(data[tail + 2]) << 16;
        [[fallthrough]];
    case 2:
        h ^= std::uint32_t(data[tail + 1]) << 8;
        [[fallthrough]];
    case 1:
        h ^= std::uint32_t(data[tail]);
        h *= m;
    }
    h ^= h >> 13;
    h *= m;
    h ^= h >> 15;
    return static_cast<std::int32_t>(h);
}

} // namespace sb::kafka
