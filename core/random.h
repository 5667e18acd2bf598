#pragma once
// A small, portable pseudo-random source (xoshiro256**). The standard library's distributions
// are implementation-defined, so every sampling routine is written here: the same seed gives
// the same run on every compiler and platform.
#include <cstdint>
#include <vector>

namespace sb {

// Derives an independent stream seed from a run seed and a stream number (splitmix64).
std::uint64_t mixSeed(std::uint64_t seed, std::uint64_t stream);

class Rng {
public:
    explicit Rng(std::uint64_t seed = 0) { reseed(seed); }
    void reseed(std::uint64_t seed);

    std::uint64_t next();
    double uniform01(); // [0, 1)
    double uniform(double lo, double hi) { return lo + (hi - lo) * uniform01(); }
    std::uint64_t below(std::uint64_t n); // [0, n), unbiased
    bool bernoulli(double p) { return p > 0 && (p >= 1 || uniform01() < p); }
    double exponential(double mean);
    double normal(double mean, double stddev);

private:
    std::uint64_t m_s[4] = {};
    bool m_hasSpare = false;
    double m_spare = 0;
};

// Zipf(s) over ranks 0..n-1 by inverse transform over a precomputed CDF.
class ZipfSampler {
public:
    ZipfSampler() = default;
    ZipfSampler(std::uint32_t n, double exponent);
    std::uint32_t sample(Rng &rng) const;
    std::uint32_t size() const { return static_cast<std::uint32_t>(m_cdf.size()); }

private:
    std::vector<double> m_cdf;
};

} // namespace sb
