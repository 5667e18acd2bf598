#include "subscriptionscan.h"

#include <algorithm>

namespace sb {

std::uint32_t SubscriptionScan::add(std::string_view pattern, std::uint32_t value)
{
    m_subs.push_back({m_nextId, value, std::string(pattern)});
    return m_nextId++;
}

bool SubscriptionScan::remove(std::uint32_t id)
{
    auto it = std::lower_bound(m_subs.begin(), m_subs.end(), id,
                               [](const Sub &s, std::uint32_t i) { return s.id < i; });
    if (it == m_subs.end() || it->id != id) return false;
    m_subs.erase(it);
    return true;
}

void SubscriptionScan::match(std::string_view subject, std::vector<std::uint32_t> &out) const
{
    for (const auto &s : m_subs)
        if (dialectMatches(m_dialect, s.pattern, subject)) out.push_back(s.value);
}

} // namespace sb
