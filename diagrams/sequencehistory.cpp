#include "sequencehistory.h"

#include <algorithm>
#include <bit>

namespace sb {

SequenceHistory::SequenceHistory(std::size_t capacity)
    : m_capacity(std::bit_ceil(std::max<std::size_t>(capacity, 2))), m_mask(m_capacity - 1)
{
}

void SequenceHistory::append(const TraceEvent *events, std::size_t count)
{
    for (std::size_t i = 0; i < count; ++i) {
        const TraceEvent &e = events[i];
        if (m_size == m_capacity) {
            m_head = (m_head + 1) & m_mask;
            --m_size;
            ++m_discarded;
        }
        const std::size_t slot = (m_head + m_size) & m_mask;
        // Grows a chunk at a time up to the capacity; the ring only wraps once it is full size.
        const std::size_t chunk = slot >> kChunkBits;
        if (chunk >= m_chunks.size())
            m_chunks.push_back(std::make_unique<TraceEvent[]>(std::min(kChunkSize, m_capacity)));
        m_chunks[chunk][slot & (kChunkSize - 1)] = e;
        ++m_size;
        if (e.kind == TraceKind::Send) m_longestFlight = std::max(m_longestFlight, e.aux - e.time);
        if (e.node != kNoIndex) m_nodeCount = std::max<std::size_t>(m_nodeCount, e.node + 1);
        if (e.peer != kNoIndex) m_nodeCount = std::max<std::size_t>(m_nodeCount, e.peer + 1);
        if (e.link != kNoIndex) m_linkCount = std::max<std::size_t>(m_linkCount, e.link + 1);
    }
}

void SequenceHistory::clear()
{
    m_head = 0;
    m_size = 0;
    m_discarded = 0;
    m_longestFlight = 0;
    m_nodeCount = 0;
    m_linkCount = 0;
}

std::size_t SequenceHistory::lowerBound(SimTime t) const
{
    std::size_t lo = 0, hi = m_size;
    while (lo < hi) {
        const std::size_t mid = lo + (hi - lo) / 2;
        if (at(mid).time < t)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

std::pair<std::size_t, std::size_t> SequenceHistory::window(SimTime from, SimTime to) const
{
    const std::size_t first = lowerBound(from - m_longestFlight);
    const std::size_t last = to == kNever ? m_size : lowerBound(to + 1);
    return {first, std::max(first, last)};
}

std::vector<std::size_t> SequenceHistory::journey(std::uint64_t id, bool withCorrelated) const
{
    std::vector<std::size_t> out;
    if (id == 0) return out;
    // The correlation id the message carries (a reply carries its request's id).
    std::uint64_t correlation = 0;
    for (std::size_t i = 0; i < m_size && !correlation; ++i)
        if (at(i).messageId == id) correlation = at(i).correlationId;
    for (std::size_t i = 0; i < m_size; ++i) {
        const TraceEvent &e = at(i);
        const bool own = e.messageId == id;
        const bool related =
            withCorrelated && e.messageId != 0 &&
            (e.correlationId == id ||
             (correlation != 0 && (e.correlationId == correlation || e.messageId == correlation)));
        if (own || related) out.push_back(i);
    }
    return out;
}

} // namespace sb
