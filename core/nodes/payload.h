#pragma once
// A producer's structured payload: named fields, each generated per message by a rule written
// as people write them in a topology file:
//   uniform(1, 2000)            a number drawn uniformly between the bounds (whole numbers when
//                               both bounds are whole, else any number, rounded to 2 decimals)
//   normal(100, 15)             normally distributed (mean, standard deviation), 2 decimals
//   exp(50)                     exponentially distributed with that mean, 2 decimals
//   choice(US 50%, DE, FR)      one of the values; weights in percent, the rest shared equally
//                               among the values without one
//   seq                         the message's sequence number at its producer (1, 2, ...)
//   1250, EUR                   a constant number or string
// Content-based routing (core/nodes/content/) evaluates expressions over these fields.
#include "../message.h"
#include "../random.h"
#include "../schema.h"

#include <string>
#include <string_view>
#include <vector>

namespace sb {

class PayloadFields {
public:
    // Parses one field's rule; the reason it cannot be read (naming the column), or empty.
    static std::string parseRule(std::string_view text);
    using Rules = std::vector<std::pair<std::string, std::string>>; // (field name, rule), in order
    // From a "fields" property (name -> rule) that passed checkProperty.
    explicit PayloadFields(const Rules &rules);
    PayloadFields() = default;

    bool empty() const { return m_fields.empty(); }
    // The fields of message number `sequence` (1-based), drawn from `rng`.
    void generate(Rng &rng, std::uint64_t sequence, std::vector<Field> &out) const;

    // The "fields" property, for a producer kind's schema.
    static PropertySpec propertySpec();

private:
    struct Choice {
        Field value;
        double weight = 0; // cumulative, 0..1
    };
    struct Rule {
        enum class Kind { Constant, Uniform, UniformWhole, Normal, Exponential, Choice, Sequence };
        std::string name;
        Kind kind = Kind::Constant;
        double a = 0, b = 0;
        Field constant;
        std::vector<Choice> choices;
    };
    static std::string parse(std::string_view text, Rule &out);
    std::vector<Rule> m_fields;
};

} // namespace sb
