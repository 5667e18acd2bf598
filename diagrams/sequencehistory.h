#pragma once
// The history a live sequence diagram draws from: the run's trace events in time order, kept in a
// bounded ring (the oldest go first), with the lookups a frame needs — the events inside a window
// of virtual time, the arrows (frames on links) crossing it, and one message's journey.
#include "sequence.h"
#include "trace.h"

#include <cstdint>
#include <deque>
#include <memory>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace sb {

class SequenceHistory {
public:
    static constexpr std::size_t kDefaultCapacity = std::size_t{1} << 21; // 2M events, 128 MiB

    explicit SequenceHistory(std::size_t capacity = kDefaultCapacity);

    // Appends events in trace order (times never decrease). When full, the oldest are dropped.
    void append(const TraceEvent *events, std::size_t count);
    void append(const std::vector<TraceEvent> &events) { append(events.data(), events.size()); }
    void clear();

    std::size_t size() const { return m_size; }
    std::size_t capacity() const { return m_capacity; }
    bool empty() const { return m_size == 0; }
    // Events dropped because the ring was full, since the last clear().
    std::uint64_t discarded() const { return m_discarded; }
    // The i-th event kept, oldest first (i < size()).
    const TraceEvent &at(std::size_t i) const
    {
        const std::size_t slot = (m_head + i) & m_mask;
        return m_chunks[slot >> kChunkBits][slot & (kChunkSize - 1)];
    }
    SimTime firstTime() const { return m_size ? at(0).time : 0; }
    SimTime lastTime() const { return m_size ? at(m_size - 1).time : 0; }
    // The longest time a kept frame took from send to arrival: arrows ending in a window start
    // at most this long before it.
    SimTime longestFlight() const { return m_longestFlight; }
    // The longest a kept frame's arrival was placed before its send (only in a history re-placed
    // by local clocks, see SequenceProjection): arrows starting this long after a window reach it.
    SimTime longestBackFlight() const { return m_longestBackFlight; }
    // The highest node index seen, plus one.
    std::size_t nodeCount() const { return m_nodeCount; }
    // The highest link index seen, plus one.
    std::size_t linkCount() const { return m_linkCount; }

    // The first event at or after `t` (size() when none).
    std::size_t lowerBound(SimTime t) const;
    // Index range [first, last) of the events to consider for the window [from, to]: local events
    // inside it and every Send whose flight overlaps it.
    std::pair<std::size_t, std::size_t> window(SimTime from, SimTime to) const;

    // Calls (CallTracker): the index of the StreamData frame at `i` in its stream, the number of
    // the Execute at `i` among its call's executions (1, 2, ...); 0 for other events.
    std::uint32_t ordinal(std::size_t i) const { return slotOf(m_marks, i) & kOrdinalMask; }
    // Whether the Request frame at `i` is a hedged attempt.
    bool isHedge(std::size_t i) const { return slotOf(m_marks, i) & kHedgeBit; }
    // The call a server made call `call` for (a Call event's aux), or 0.
    std::uint64_t parentCall(std::uint64_t call) const { return m_calls.parent(call); }

    // A span drawn on a lifeline like a UML activation bar: a caller waiting for its call (Call to
    // Complete) or a sender blocked (Block to Unblock). One still open ends at lastTime().
    struct Span {
        enum class Kind : std::uint8_t { Call, Blocked };
        Kind kind = Kind::Call;
        NodeIndex node = kNoIndex;
        std::uint8_t depth = 0; // spans of its kind already open on the node when it began
        bool open = true;
        SimTime start = 0, end = 0;
        std::uint64_t call = 0;           // the call's id (Call spans)
        std::uint64_t messageId = 0;      // the request (Call) or the message held (Blocked)
        std::uint16_t status = kNoStatus; // the call's final status, once complete
    };
    // The spans that overlap [from, to], in the order they began.
    std::vector<Span> spans(SimTime from, SimTime to) const;

    // Every kept event of message `id`, and (when `withCorrelated`) of messages whose correlation
    // id is `id` or shares its correlation id, in time order. Indices into at().
    std::vector<std::size_t> journey(std::uint64_t id, bool withCorrelated = true) const;

    // A journey kept up to date as the history grows, for a selection during a live run: each
    // update looks only at the events appended since the last one. A message's journey (its
    // events and its correlated messages'), or a call's: every event of every attempt of the call
    // and of the calls made downstream for it (their Call events name it as parent), transitively.
    class Journey {
    public:
        enum class Of : std::uint8_t { Message, Call };
        Journey() = default;
        Journey(const SequenceHistory &history, std::uint64_t id, Of of = Of::Message);
        std::uint64_t id() const { return m_id; }
        Of of() const { return m_of; }
        // The calls selected: the call and its downstream calls (Of::Call only).
        const std::unordered_set<std::uint64_t> &calls() const { return m_calls; }
        // Drops what the ring forgot, adds what was appended; indices stay indices into at().
        void update(const SequenceHistory &history);
        const std::vector<std::size_t> &indices() const { return m_indices; }

    private:
        bool contains(const TraceEvent &e);
        Of m_of = Of::Message;
        std::unordered_set<std::uint64_t> m_calls;
        std::uint64_t m_id = 0, m_correlation = 0;
        std::uint64_t m_end = 0;                // position of the next event to look at
        std::vector<std::uint64_t> m_positions; // the journey's events, counted from the first appended
        std::vector<std::size_t> m_indices;     // the same, as indices into at()
    };

private:
    // The ring is allocated in chunks as it fills: growing never copies what is kept, and memory
    // is touched a chunk at a time rather than all at once.
    static constexpr std::size_t kChunkBits = 15; // 32,768 events, 2 MiB
    static constexpr std::size_t kChunkSize = std::size_t{1} << kChunkBits;
    static constexpr std::uint32_t kHedgeBit = 0x80000000u, kOrdinalMask = 0x7fffffffu;
    template <typename T>
    const T &slotOf(const std::vector<std::unique_ptr<T[]>> &chunks, std::size_t i) const
    {
        const std::size_t slot = (m_head + i) & m_mask;
        return chunks[slot >> kChunkBits][slot & (kChunkSize - 1)];
    }
    void track(const TraceEvent &e, std::size_t slot);
    void pruneSpans();
    std::vector<std::unique_ptr<TraceEvent[]>> m_chunks;
    std::vector<std::unique_ptr<std::uint32_t[]>> m_marks; // ordinal and hedge bit, by slot
    CallTracker m_calls;
    // Spans in the order they began; open ones by key, as positions counted from the first span.
    std::deque<Span> m_spans;
    std::uint64_t m_spanBase = 0; // position of m_spans.front()
    std::unordered_map<std::uint64_t, std::uint64_t> m_openCalls, m_openBlocks;
    std::vector<std::uint8_t> m_openPerNode; // Call spans open on each node
    std::vector<std::uint8_t> m_blockedPerNode;
    SimTime m_longestSpan = 0; // of the closed ones
    std::size_t m_capacity;
    std::size_t m_mask;
    std::size_t m_head = 0; // index of the oldest event
    std::size_t m_size = 0;
    std::uint64_t m_discarded = 0;
    SimTime m_longestFlight = 0;
    SimTime m_longestBackFlight = 0;
    std::size_t m_nodeCount = 0;
    std::size_t m_linkCount = 0;
};

// True for a Send (a frame crossing a link): drawn as an arrow.
inline bool isArrow(const TraceEvent &e)
{
    return e.kind == TraceKind::Send;
}
// True for a frame that never arrived because the link lost it or was down.
inline bool isLostFrame(const TraceEvent &e)
{
    return e.kind == TraceKind::Drop && e.link != kNoIndex &&
           (e.reason == DropReason::Loss || e.reason == DropReason::Partition ||
            e.reason == DropReason::Crash);
}

} // namespace sb
