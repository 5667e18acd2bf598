#pragma once
// The executor's pending events, ordered by (time, sequence): a 4-ary min-heap. Four children
// per node halve the depth of a binary heap and keep siblings in one cache line, which matters
// because popping the next event is the engine's single hottest operation.
#include "simtime.h"

#include <cstdint>
#include <vector>

namespace sb {

struct ScheduledEvent {
    SimTime time;
    std::uint64_t seq;  // insertion order: equal times run first-scheduled first
    std::uint32_t slot; // frame or timer slot
    std::uint8_t type;  // 0 frame arrival, 1 timer
};

class EventQueue {
public:
    bool empty() const { return m_heap.empty(); }
    std::size_t size() const { return m_heap.size(); }
    const ScheduledEvent &top() const { return m_heap.front(); }

    void push(const ScheduledEvent &e)
    {
        std::size_t i = m_heap.size();
        m_heap.push_back(e);
        while (i > 0) {
            const std::size_t parent = (i - 1) / 4;
            if (!before(e, m_heap[parent])) break;
            m_heap[i] = m_heap[parent];
            i = parent;
        }
        m_heap[i] = e;
    }

    ScheduledEvent pop()
    {
        const ScheduledEvent top = m_heap.front();
        const ScheduledEvent last = m_heap.back();
        m_heap.pop_back();
        const std::size_t n = m_heap.size();
        if (n == 0) return top;
        std::size_t i = 0;
        while (true) {
            const std::size_t first = 4 * i + 1;
            if (first >= n) break;
            std::size_t best = first;
            const std::size_t end = first + 4 < n ? first + 4 : n;
            for (std::size_t c = first + 1; c < end; ++c)
                if (before(m_heap[c], m_heap[best])) best = c;
            if (!before(m_heap[best], last)) break;
            m_heap[i] = m_heap[best];
            i = best;
        }
        m_heap[i] = last;
        return top;
    }

private:
    static bool before(const ScheduledEvent &a, const ScheduledEvent &b)
    {
        return a.time != b.time ? a.time < b.time : a.seq < b.seq;
    }
    std::vector<ScheduledEvent> m_heap;
};

} // namespace sb
