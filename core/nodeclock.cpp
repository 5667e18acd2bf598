#include "nodeclock.h"

#include "faults/faultvalidation.h"

#include <algorithm>

namespace sb {

NodeClock NodeClock::fromJson(const Json &clock)
{
    NodeClock c;
    if (!clock.is_object()) return c;
    if (auto it = clock.find("offset"); it != clock.end() && it->is_number())
        c.m_offset = fromMilliseconds(it->get<double>());
    if (auto it = clock.find("drift"); it != clock.end() && it->is_number()) c.m_driftPpm = it->get<double>();
    if (auto it = clock.find("jumps"); it != clock.end() && it->is_array()) {
        for (const auto &j : *it) {
            if (!j.is_object() || !j.contains("at") || !j.contains("by") || !j["by"].is_number()) continue;
            auto at = durationFromJson(j["at"]);
            if (!at) continue;
            c.m_jumps.emplace_back(*at, fromMilliseconds(j["by"].get<double>()));
        }
        std::stable_sort(c.m_jumps.begin(), c.m_jumps.end(),
                         [](const auto &a, const auto &b) { return a.first < b.first; });
    }
    return c;
}

SimTime NodeClock::local(SimTime t) const
{
    SimTime l = addTime(t, m_offset);
    if (m_driftPpm != 0) l = addTime(l, timeFromNanoseconds(static_cast<double>(t) * m_driftPpm * 1e-6));
    for (const auto &[at, by] : m_jumps) {
        if (at > t) break;
        l = addTime(l, by);
    }
    return l;
}

} // namespace sb
