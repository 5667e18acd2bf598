#pragma once
// A delay distribution as written in topology files: "5ms" or "fixed(5ms)", "uniform(1ms,5ms)",
// "normal(10ms,2ms)" (mean, standard deviation; samples below zero are clamped to zero),
// "exp(5ms)" (exponential with the given mean), "weibull(30s,0.6)" (Weibull with scale 30 s and
// shape 0.6: shape < 1 is heavy-tailed, as measured peer-to-peer session times; shape 1 is the
// exponential). Bare numbers are milliseconds.
#include "random.h"
#include "simtime.h"

#include <string>
#include <string_view>

namespace sb {

struct Distribution {
    enum class Kind { Fixed, Uniform, Normal, Exponential, Weibull };
    Kind kind = Kind::Fixed;
    SimTime a = 0;    // fixed value, uniform low, normal mean, exponential mean, Weibull scale
    SimTime b = 0;    // uniform high, normal standard deviation
    double shape = 0; // Weibull shape k (> 0)

    static Distribution fixed(SimTime t) { return {Kind::Fixed, t, 0}; }
    // On failure returns false and says why in `error` (e.g. "uniform needs low <= high").
    static bool parse(std::string_view text, Distribution &out, std::string &error);

    SimTime sample(Rng &rng) const;
    SimTime mean() const;
    std::string toString() const;
    bool operator==(const Distribution &) const = default;
};

} // namespace sb
