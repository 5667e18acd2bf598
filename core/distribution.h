#pragma once
// A delay distribution as written in topology files: "5ms" or "fixed(5ms)", "uniform(1ms,5ms)",
// "normal(10ms,2ms)" (mean, standard deviation; samples below zero are clamped to zero),
// "exp(5ms)" (exponential with the given mean). Bare numbers are milliseconds.
#include "random.h"
#include "simtime.h"

#include <string>
#include <string_view>

namespace sb {

struct Distribution {
    enum class Kind { Fixed, Uniform, Normal, Exponential };
    Kind kind = Kind::Fixed;
    SimTime a = 0; // fixed value, uniform low, normal mean, exponential mean
    SimTime b = 0; // uniform high, normal standard deviation

    static Distribution fixed(SimTime t) { return {Kind::Fixed, t, 0}; }
    // On failure returns false and says why in `error` (e.g. "uniform needs low <= high").
    static bool parse(std::string_view text, Distribution &out, std::string &error);

    SimTime sample(Rng &rng) const;
    SimTime mean() const;
    std::string toString() const;
    bool operator==(const Distribution &) const = default;
};

} // namespace sb
