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
        if (e.kind == TraceKind::Send) {
            m_longestFlight = std::max(m_longestFlight, e.aux - e.time);
            m_longestBackFlight = std::max(m_longestBackFlight, e.time - e.aux);
        }
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
    m_longestBackFlight = 0;
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
    const std::size_t last = to == kNever || to > kNever - 1 - m_longestBackFlight
                                 ? m_size
                                 : lowerBound(to + 1 + m_longestBackFlight);
    return {first, std::max(first, last)};
}

namespace {
// Whether `e` belongs to the journey of message `id`, whose correlation id is `correlation`.
bool inJourney(const TraceEvent &e, std::uint64_t id, std::uint64_t correlation, bool withCorrelated)
{
    if (e.messageId == id) return true;
    return withCorrelated && e.messageId != 0 &&
           (e.correlationId == id ||
            (correlation != 0 && (e.correlationId == correlation || e.messageId == correlation)));
}

// The correlation id message `id` carries (a reply carries its request's id), 0 when none.
std::uint64_t correlationOf(const SequenceHistory &h, std::uint64_t id)
{
    for (std::size_t i = 0; i < h.size(); ++i)
        if (h.at(i).messageId == id && h.at(i).correlationId) return h.at(i).correlationId;
    return 0;
}
} // namespace

std::vector<std::size_t> SequenceHistory::journey(std::uint64_t id, bool withCorrelated) const
{
    std::vector<std::size_t> out;
    if (id == 0) return out;
    const std::uint64_t correlation = correlationOf(*this, id);
    for (std::size_t i = 0; i < m_size; ++i)
        if (inJourney(at(i), id, correlation, withCorrelated)) out.push_back(i);
    return out;
}

SequenceHistory::Journey::Journey(const SequenceHistory &history, std::uint64_t id)
    : m_id(id), m_correlation(id ? correlationOf(history, id) : 0), m_end(history.discarded())
{
    update(history);
}

void SequenceHistory::Journey::update(const SequenceHistory &history)
{
    if (!m_id) return;
    // Positions count every event ever appended, so they survive the ring forgetting old ones.
    const std::uint64_t base = history.discarded(), end = base + history.size();
    if (m_end > end) { // cleared: start again
        m_positions.clear();
        m_end = base;
    }
    m_end = std::max(m_end, base);
    m_positions.erase(m_positions.begin(), std::lower_bound(m_positions.begin(), m_positions.end(), base));
    for (; m_end < end; ++m_end)
        if (inJourney(history.at(std::size_t(m_end - base)), m_id, m_correlation, true))
            m_positions.push_back(m_end);
    m_indices.resize(m_positions.size());
    for (std::size_t i = 0; i < m_positions.size(); ++i)
        m_indices[i] = std::size_t(m_positions[i] - base);
}

} // namespace sb
