#pragma once
// A set of message ids kept as sorted, disjoint ranges. Message ids rise in publish order, so the
// ids a run is done with form a few long ranges with holes only where something is still open:
// memory follows the number of holes, not the number of ids. Inserting near the end is cheap.
#include <algorithm>
#include <cstdint>
#include <vector>

namespace sb {

class IdRanges {
public:
    void insert(std::uint64_t id)
    {
        // The first range that starts after id; the one before it may hold or touch id.
        auto next = std::upper_bound(m_ranges.begin(), m_ranges.end(), id,
                                     [](std::uint64_t v, const Range &r) { return v < r.first; });
        if (next != m_ranges.begin()) {
            auto prev = std::prev(next);
            if (id <= prev->last) return;
            if (id == prev->last + 1) {
                prev->last = id;
                if (next != m_ranges.end() && next->first == id + 1) {
                    prev->last = next->last;
                    m_ranges.erase(next);
                }
                return;
            }
        }
        if (next != m_ranges.end() && next->first == id + 1) {
            next->first = id;
            return;
        }
        m_ranges.insert(next, Range{id, id});
    }

    bool contains(std::uint64_t id) const
    {
        auto next = std::upper_bound(m_ranges.begin(), m_ranges.end(), id,
                                     [](std::uint64_t v, const Range &r) { return v < r.first; });
        return next != m_ranges.begin() && id <= std::prev(next)->last;
    }

    std::size_t rangeCount() const { return m_ranges.size(); }
    bool empty() const { return m_ranges.empty(); }

private:
    struct Range {
        std::uint64_t first, last; // inclusive
    };
    std::vector<Range> m_ranges;
};

} // namespace sb
