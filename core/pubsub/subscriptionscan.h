#pragma once
// The plain way to find matching subscriptions: every pattern tried in turn with dialectMatches.
// Brokers use SubscriptionIndex; this is the yardstick it is checked and measured against
// (tests/core/tst_subscriptionindex.cpp, bench/bench_subscriptions.cpp).
#include "dialect.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sb {

class SubscriptionScan {
public:
    explicit SubscriptionScan(Dialect d) : m_dialect(d) {}
    std::uint32_t add(std::string_view pattern, std::uint32_t value);
    bool remove(std::uint32_t id);
    std::size_t size() const { return m_subs.size(); }
    // The values of the matching subscriptions, in the order they were added.
    void match(std::string_view subject, std::vector<std::uint32_t> &out) const;

private:
    struct Sub {
        std::uint32_t id;
        std::uint32_t value;
        std::string pattern;
    };
    Dialect m_dialect;
    std::vector<Sub> m_subs; // by id
    std::uint32_t m_nextId = 0;
};

} // namespace sb
