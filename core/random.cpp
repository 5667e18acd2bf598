#include "random.h"

#include <algorithm>
#include <cmath>

namespace sb {

namespace {
inline std::uint64_t rotl(std::uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}
inline std::uint64_t splitmix(std::uint64_t &x)
{
    std::uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}
} // namespace

std::uint64_t mixSeed(std::uint64_t seed, std::uint64_t stream)
{
    std::uint64_t x = seed ^ (stream * 0xd1b54a32d192ed03ULL);
    splitmix(x);
    return splitmix(x);
}

void Rng::reseed(std::uint64_t seed)
{
    std::uint64_t x = seed;
    for (auto &s : m_s)
        s = splitmix(x);
    m_hasSpare = false;
}

std::uint64_t Rng::next()
{
    const std::uint64_t result = rotl(m_s[1] * 5, 7) * 9;
    const std::uint64_t t = m_s[1] << 17;
    m_s[2] ^= m_s[0];
    m_s[3] ^= m_s[1];
    m_s[1] ^= m_s[2];
    m_s[0] ^= m_s[3];
    m_s[2] ^= t;
    m_s[3] = rotl(m_s[3], 45);
    return result;
}

double Rng::uniform01()
{
    return static_cast<double>(next() >> 11) * 0x1.0p-53;
}

std::uint64_t Rng::below(std::uint64_t n)
{
    if (n <= 1) return 0;
    // Rejection sampling: drop the top partial range so every residue is equally likely.
    const std::uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    std::uint64_t x;
    do {
        x = next();
    } while (x >= limit);
    return x % n;
}

double Rng::exponential(double mean)
{
    double u = uniform01();
    return -mean * std::log1p(-u);
}

double Rng::normal(double mean, double stddev)
{
    if (m_hasSpare) {
        m_hasSpare = false;
        return mean + stddev * m_spare;
    }
    double u, v, s;
    do {
        u = uniform01() * 2.0 - 1.0;
        v = uniform01() * 2.0 - 1.0;
        s = u * u + v * v;
    } while (s >= 1.0 || s == 0.0);
    s = std::sqrt(-2.0 * std::log(s) / s);
    m_spare = v * s;
    m_hasSpare = true;
    return mean + stddev * u * s;
}

ZipfSampler::ZipfSampler(std::uint32_t n, double exponent)
{
    m_cdf.resize(std::max<std::uint32_t>(n, 1));
    double sum = 0;
    for (std::uint32_t k = 0; k < m_cdf.size(); ++k) {
        sum += 1.0 / std::pow(static_cast<double>(k + 1), exponent);
        m_cdf[k] = sum;
    }
    for (auto &c : m_cdf)
        c /= sum;
}

std::uint32_t ZipfSampler::sample(Rng &rng) const
{
    double u = rng.uniform01();
    auto it = std::upper_bound(m_cdf.begin(), m_cdf.end(), u);
    if (it == m_cdf.end()) --it;
    return static_cast<std::uint32_t>(it - m_cdf.begin());
}

} // namespace sb
