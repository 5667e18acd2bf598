#pragma once
// A log-linear histogram of non-negative durations (HDR-histogram style): exact below 128 ns,
// then 64 sub-buckets per power of two, so any recorded value is reported within 1.6%. Memory is
// fixed (about 30 KiB) however many values are recorded.
#include <cstdint>
#include <vector>

namespace sb {

class LatencyHistogram {
public:
    LatencyHistogram();
    void record(std::int64_t value);
    void merge(const LatencyHistogram &other);
    std::uint64_t count() const { return m_count; }
    std::int64_t min() const { return m_count ? m_min : 0; }
    std::int64_t max() const { return m_count ? m_max : 0; }
    double mean() const { return m_count ? m_sum / static_cast<double>(m_count) : 0.0; }
    // The value at quantile q in [0, 1]; 0 when empty. q = 1 gives the exact maximum.
    std::int64_t quantile(double q) const;
    void clear();

    static std::size_t bucketFor(std::int64_t value);
    static std::int64_t lowerBound(std::size_t bucket);
    static std::int64_t upperBound(std::size_t bucket); // inclusive
    // The quantile rules, shared with the charts' sparse histograms: the rank (1..count) of the
    // value at quantile q, and what a bucket reports (its midpoint, within what was seen).
    static std::uint64_t quantileRank(double q, std::uint64_t count);
    static std::int64_t reported(std::size_t bucket, std::int64_t min, std::int64_t max);

private:
    std::vector<std::uint64_t> m_buckets;
    std::uint64_t m_count = 0;
    std::int64_t m_min = 0;
    std::int64_t m_max = 0;
    double m_sum = 0;
};

// What a report keeps of a histogram: the count and the usual percentiles (a few numbers instead of
// its 30 KiB of buckets).
struct LatencySummary {
    std::uint64_t count = 0;
    std::int64_t p50 = 0, p90 = 0, p99 = 0, p999 = 0, max = 0;
    double mean = 0;
    static LatencySummary from(const LatencyHistogram &h);
};

} // namespace sb
