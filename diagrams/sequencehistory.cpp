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
        if (chunk >= m_chunks.size()) {
            m_chunks.push_back(std::make_unique<TraceEvent[]>(std::min(kChunkSize, m_capacity)));
            m_marks.push_back(std::make_unique<std::uint32_t[]>(std::min(kChunkSize, m_capacity)));
        }
        m_chunks[chunk][slot & (kChunkSize - 1)] = e;
        ++m_size;
        track(e, slot);
        if (e.kind == TraceKind::Send) {
            m_longestFlight = std::max(m_longestFlight, e.aux - e.time);
            m_longestBackFlight = std::max(m_longestBackFlight, e.time - e.aux);
        }
        if (e.node != kNoIndex) m_nodeCount = std::max<std::size_t>(m_nodeCount, e.node + 1);
        if (e.peer != kNoIndex) m_nodeCount = std::max<std::size_t>(m_nodeCount, e.peer + 1);
        if (e.link != kNoIndex) m_linkCount = std::max<std::size_t>(m_linkCount, e.link + 1);
    }
    pruneSpans();
}

namespace {
std::uint64_t blockKey(const TraceEvent &e)
{
    return (std::uint64_t(e.node) << 44) ^ e.messageId;
}
} // namespace

void SequenceHistory::track(const TraceEvent &e, std::size_t slot)
{
    std::uint32_t &mark = m_marks[slot >> kChunkBits][slot & (kChunkSize - 1)];
    mark = m_calls.add(e) & kOrdinalMask;
    if (e.kind == TraceKind::Send && e.frame == FrameType::Request &&
        m_calls.isHedge(e.correlationId, e.deliveryCount))
        mark |= kHedgeBit;
    if (e.kind == TraceKind::Hedge) {
        // Traced after its request's frame: mark that frame (sent at this very instant).
        for (std::size_t back = 1; back <= 16 && back < m_size; ++back) {
            const std::size_t i = m_size - 1 - back;
            if (at(i).time != e.time) break;
            if (CallTracker::marksRequest(e, at(i))) {
                const std::size_t s = (m_head + i) & m_mask;
                m_marks[s >> kChunkBits][s & (kChunkSize - 1)] |= kHedgeBit;
            }
        }
    }
    const auto perNode = [&e](std::vector<std::uint8_t> &counts) -> std::uint8_t & {
        if (counts.size() <= e.node) counts.resize(std::size_t(e.node) + 1, 0);
        return counts[e.node];
    };
    const auto open = [&](Span::Kind kind, std::unordered_map<std::uint64_t, std::uint64_t> &byKey,
                          std::uint64_t key, std::vector<std::uint8_t> &counts) {
        if (e.node == kNoIndex || byKey.count(key)) return;
        Span span;
        span.kind = kind;
        span.node = e.node;
        std::uint8_t &n = perNode(counts);
        span.depth = n;
        n = std::uint8_t(std::min(255, n + 1));
        span.start = span.end = e.time;
        span.call = kind == Span::Kind::Call ? e.correlationId : 0;
        span.messageId = e.messageId;
        byKey[key] = m_spanBase + m_spans.size();
        m_spans.push_back(span);
    };
    const auto close = [&](std::unordered_map<std::uint64_t, std::uint64_t> &byKey, std::uint64_t key,
                           std::vector<std::uint8_t> &counts) -> Span * {
        const auto it = byKey.find(key);
        if (it == byKey.end()) return nullptr;
        const std::uint64_t position = it->second;
        byKey.erase(it);
        std::uint8_t &n = perNode(counts);
        if (n) --n;
        if (position < m_spanBase) return nullptr; // pruned (cannot happen while open)
        Span &span = m_spans[std::size_t(position - m_spanBase)];
        span.open = false;
        span.end = std::max(span.start, e.time);
        m_longestSpan = std::max(m_longestSpan, span.end - span.start);
        return &span;
    };
    switch (e.kind) {
    case TraceKind::Call:
        if (e.correlationId) open(Span::Kind::Call, m_openCalls, e.correlationId, m_openPerNode);
        break;
    case TraceKind::Complete:
        if (Span *span = close(m_openCalls, e.correlationId, m_openPerNode)) span->status = e.status;
        break;
    case TraceKind::Block:
        open(Span::Kind::Blocked, m_openBlocks, blockKey(e), m_blockedPerNode);
        break;
    case TraceKind::Unblock:
        close(m_openBlocks, blockKey(e), m_blockedPerNode);
        break;
    default:
        break;
    }
}

void SequenceHistory::pruneSpans()
{
    // Spans that ended before the oldest event kept go with it (an open one keeps those after it).
    const SimTime oldest = firstTime();
    while (!m_spans.empty() && !m_spans.front().open && m_spans.front().end < oldest && m_discarded) {
        m_spans.pop_front();
        ++m_spanBase;
    }
}

std::vector<SequenceHistory::Span> SequenceHistory::spans(SimTime from, SimTime to) const
{
    std::vector<Span> out;
    // Closed spans that reach `from` began at most m_longestSpan before it; open ones any time.
    const auto begin = std::lower_bound(m_spans.begin(), m_spans.end(), from - m_longestSpan,
                                        [](const Span &s, SimTime t) { return s.start < t; });
    const SimTime now = lastTime();
    const auto add = [&](Span s) {
        if (s.open) s.end = std::max(s.start, now);
        if (s.start <= to && s.end >= from) out.push_back(s);
    };
    std::vector<std::uint64_t> earlyOpen;
    for (const auto *byKey : {&m_openCalls, &m_openBlocks})
        for (const auto &[key, position] : *byKey)
            if (position >= m_spanBase &&
                m_spans[std::size_t(position - m_spanBase)].start < from - m_longestSpan)
                earlyOpen.push_back(position);
    std::sort(earlyOpen.begin(), earlyOpen.end());
    for (std::uint64_t position : earlyOpen)
        add(m_spans[std::size_t(position - m_spanBase)]);
    for (auto it = begin; it != m_spans.end() && it->start <= to; ++it)
        add(*it);
    return out;
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
    m_calls.clear();
    m_spans.clear();
    m_spanBase = 0;
    m_openCalls.clear();
    m_openBlocks.clear();
    m_openPerNode.clear();
    m_blockedPerNode.clear();
    m_longestSpan = 0;
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

SequenceHistory::Journey::Journey(const SequenceHistory &history, std::uint64_t id, Of of)
    : m_of(of), m_id(id), m_correlation(id && of == Of::Message ? correlationOf(history, id) : 0),
      m_end(history.discarded())
{
    if (of == Of::Call && id) m_calls.insert(id);
    update(history);
}

bool SequenceHistory::Journey::contains(const TraceEvent &e)
{
    if (m_of == Of::Message) return inJourney(e, m_id, m_correlation, true);
    // A downstream call joins when its Call names a selected call as its parent.
    if (e.kind == TraceKind::Call && e.aux > 0 && m_calls.count(std::uint64_t(e.aux)))
        m_calls.insert(e.correlationId);
    return e.correlationId && m_calls.count(e.correlationId);
}

void SequenceHistory::Journey::update(const SequenceHistory &history)
{
    if (!m_id) return;
    // Positions count every event ever appended, so they survive the ring forgetting old ones.
    const std::uint64_t base = history.discarded(), end = base + history.size();
    if (m_end > end) { // cleared: start again
        m_positions.clear();
        m_end = base;
        if (m_of == Of::Call) m_calls = {m_id};
    }
    m_end = std::max(m_end, base);
    m_positions.erase(m_positions.begin(), std::lower_bound(m_positions.begin(), m_positions.end(), base));
    for (; m_end < end; ++m_end)
        if (contains(history.at(std::size_t(m_end - base)))) m_positions.push_back(m_end);
    m_indices.resize(m_positions.size());
    for (std::size_t i = 0; i < m_positions.size(); ++i)
        m_indices[i] = std::size_t(m_positions[i] - base);
}

} // namespace sb
