#include "histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace sb {

namespace {
constexpr int kSubBits = 6;                     // 64 sub-buckets per octave
constexpr std::int64_t kLinear = 2 << kSubBits; // values below 128 are exact
// The largest int64 has its top bit at 62, so the last octave starts at shift 62 - kSubBits.
constexpr std::size_t kBuckets = kLinear + (62 - kSubBits) * (1 << kSubBits);
} // namespace

LatencyHistogram::LatencyHistogram() : m_buckets(kBuckets, 0) {}

std::size_t LatencyHistogram::bucketFor(std::int64_t value)
{
    if (value < kLinear) return static_cast<std::size_t>(std::max<std::int64_t>(value, 0));
    const auto v = static_cast<std::uint64_t>(value);
    const int msb = 63 - std::countl_zero(v); // >= 7
    const int shift = msb - kSubBits;         // >= 1
    const auto mantissa = (v >> shift) & ((1u << kSubBits) - 1);
    return static_cast<std::size_t>(kLinear + (shift - 1) * (1 << kSubBits) +
                                    static_cast<std::int64_t>(mantissa));
}

std::int64_t LatencyHistogram::lowerBound(std::size_t bucket)
{
    if (bucket < static_cast<std::size_t>(kLinear)) return static_cast<std::int64_t>(bucket);
    const std::size_t rel = bucket - kLinear;
    const int shift = static_cast<int>(rel >> kSubBits) + 1;
    const std::uint64_t mantissa = (rel & ((1u << kSubBits) - 1)) | (1u << kSubBits);
    return static_cast<std::int64_t>(mantissa << shift);
}

std::int64_t LatencyHistogram::upperBound(std::size_t bucket)
{
    if (bucket + 1 >= kBuckets) return INT64_MAX;
    return lowerBound(bucket + 1) - 1;
}

void LatencyHistogram::record(std::int64_t value)
{
    if (value < 0) value = 0;
    ++m_buckets[bucketFor(value)];
    if (m_count == 0 || value < m_min) m_min = value;
    if (m_count == 0 || value > m_max) m_max = value;
    ++m_count;
    m_sum += static_cast<double>(value);
}

void LatencyHistogram::merge(const LatencyHistogram &other)
{
    if (!other.m_count) return;
    for (std::size_t i = 0; i < kBuckets; ++i)
        m_buckets[i] += other.m_buckets[i];
    m_min = m_count ? std::min(m_min, other.m_min) : other.m_min;
    m_max = m_count ? std::max(m_max, other.m_max) : other.m_max;
    m_count += other.m_count;
    m_sum += other.m_sum;
}

std::uint64_t LatencyHistogram::quantileRank(double q, std::uint64_t count)
{
    const auto rank = static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(count)));
    return std::clamp<std::uint64_t>(rank, 1, count);
}

std::int64_t LatencyHistogram::reported(std::size_t bucket, std::int64_t min, std::int64_t max)
{
    // The bucket's midpoint, clamped to what was actually seen.
    const std::int64_t lo = lowerBound(bucket), hi = upperBound(bucket);
    return std::clamp(lo + (hi - lo) / 2, min, max);
}

std::int64_t LatencyHistogram::quantile(double q) const
{
    if (!m_count) return 0;
    if (q >= 1.0) return m_max;
    if (q <= 0.0) return m_min;
    const std::uint64_t rank = quantileRank(q, m_count);
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < kBuckets; ++i) {
        seen += m_buckets[i];
        if (seen >= rank) return reported(i, m_min, m_max);
    }
    return m_max;
}

void LatencyHistogram::clear()
{
    std::fill(m_buckets.begin(), m_buckets.end(), 0);
    m_count = 0;
    m_min = m_max = 0;
    m_sum = 0;
}

LatencySummary LatencySummary::from(const LatencyHistogram &h)
{
    LatencySummary l;
    l.count = h.count();
    l.p50 = h.quantile(0.5);
    l.p90 = h.quantile(0.9);
    l.p99 = h.quantile(0.99);
    l.p999 = h.quantile(0.999);
    l.max = h.max();
    l.mean = h.mean();
    return l;
}

} // namespace sb
