#include "partitionlog.h"

#include <algorithm>
#include <iterator>
#include <unordered_map>

namespace sb::kafka {

PartitionLog::PartitionLog(Config config) : m_config(config)
{
    m_segments.emplace_back();
}

std::uint64_t PartitionLog::recordBytes(const Record &r)
{
    if (!r.message) return 0;
    std::uint64_t n = r.message->key.size() + (r.tombstone ? 0 : r.message->size);
    for (const auto &h : r.message->headers)
        n += h.name.size() + h.value.size();
    return n;
}

std::size_t PartitionLog::recordCount() const
{
    std::size_t n = 0;
    for (const auto &s : m_segments)
        n += s.records.size();
    return n;
}

PartitionLog::Segment &PartitionLog::segmentFor(const Record &r)
{
    Segment &active = m_segments.back();
    if (active.records.empty()) return active;
    const std::uint64_t size = recordBytes(r);
    // Kafka rolls when the batch would not fit, or when segment.ms passed since the segment's
    // first record (UnifiedLog.maybeRoll).
    const bool full = active.bytes + size > m_config.segmentBytes;
    const bool old = m_config.segmentMs > 0 && r.timestamp - active.firstTimestamp > m_config.segmentMs;
    if (!full && !old) return active;
    Segment next;
    next.baseOffset = r.offset;
    m_segments.push_back(std::move(next));
    return m_segments.back();
}

void PartitionLog::noteEpoch(std::uint32_t epoch, std::int64_t offset)
{
    if (m_epochs.empty() || epoch > m_epochs.back().first) m_epochs.emplace_back(epoch, offset);
}

std::int64_t PartitionLog::append(Record record)
{
    record.offset = m_logEnd;
    appendReplica(record);
    return record.offset;
}

void PartitionLog::appendReplica(const Record &record)
{
    Segment &s = segmentFor(record);
    if (s.records.empty()) {
        s.baseOffset = record.offset;
        s.firstTimestamp = record.timestamp;
        s.maxTimestamp = record.timestamp;
    }
    s.maxTimestamp = std::max(s.maxTimestamp, record.timestamp);
    const std::uint64_t size = recordBytes(record);
    s.bytes += size;
    m_bytes += size;
    noteEpoch(record.leaderEpoch, record.offset);
    s.records.push_back(record);
    m_logEnd = record.offset + 1;
}

void PartitionLog::advanceEndTo(std::int64_t offset)
{
    if (offset <= m_logEnd) return;
    if (m_segments.back().records.empty()) m_segments.back().baseOffset = offset;
    m_logEnd = offset;
}

std::vector<Record> PartitionLog::read(std::int64_t from, std::int64_t to, std::size_t max) const
{
    std::vector<Record> out;
    from = std::max(from, m_logStart);
    to = std::min(to, m_logEnd);
    if (from >= to || max == 0) return out;
    // The last segment starting at or before `from`.
    auto seg = std::upper_bound(m_segments.begin(), m_segments.end(), from,
                                [](std::int64_t o, const Segment &s) { return o < s.baseOffset; });
    if (seg != m_segments.begin()) --seg;
    for (; seg != m_segments.end(); ++seg) {
        auto it = std::lower_bound(seg->records.begin(), seg->records.end(), from,
                                   [](const Record &r, std::int64_t o) { return r.offset < o; });
        for (; it != seg->records.end(); ++it) {
            if (it->offset >= to || out.size() >= max) return out;
            out.push_back(*it);
        }
    }
    return out;
}

const Record *PartitionLog::at(std::int64_t offset) const
{
    if (offset < m_logStart || offset >= m_logEnd) return nullptr;
    for (const auto &s : m_segments) {
        auto it = std::lower_bound(s.records.begin(), s.records.end(), offset,
                                   [](const Record &r, std::int64_t o) { return r.offset < o; });
        if (it != s.records.end() && it->offset == offset) return &*it;
    }
    return nullptr;
}

std::int64_t PartitionLog::offsetForTimestamp(SimTime timestamp, std::int64_t to) const
{
    for (const auto &s : m_segments) {
        if (s.records.empty() || s.maxTimestamp < timestamp) continue;
        for (const auto &r : s.records) {
            if (r.offset >= to) return kNoOffset;
            if (r.offset >= m_logStart && r.timestamp >= timestamp) return r.offset;
        }
    }
    return kNoOffset;
}

void PartitionLog::removeEmptySegments()
{
    // Keep the active segment even when empty; drop empty closed ones.
    std::vector<Segment> kept;
    for (std::size_t i = 0; i < m_segments.size(); ++i)
        if (!m_segments[i].records.empty() || i + 1 == m_segments.size())
            kept.push_back(std::move(m_segments[i]));
    m_segments = std::move(kept);
}

std::vector<Record> PartitionLog::truncateTo(std::int64_t offset)
{
    std::vector<Record> removed;
    if (offset >= m_logEnd) return removed;
    offset = std::max(offset, m_logStart);
    for (auto &s : m_segments) {
        auto it = std::lower_bound(s.records.begin(), s.records.end(), offset,
                                   [](const Record &r, std::int64_t o) { return r.offset < o; });
        for (auto j = it; j != s.records.end(); ++j) {
            const std::uint64_t size = recordBytes(*j);
            s.bytes -= size;
            m_bytes -= size;
            removed.push_back(std::move(*j));
        }
        s.records.erase(it, s.records.end());
    }
    // Segments that start above the cut go, whether or not compaction emptied them already.
    while (m_segments.size() > 1 && m_segments.back().baseOffset >= offset)
        m_segments.pop_back();
    removeEmptySegments();
    if (m_segments.back().records.empty()) m_segments.back().baseOffset = offset;
    m_logEnd = offset;
    while (!m_epochs.empty() && m_epochs.back().second >= offset)
        m_epochs.pop_back();
    m_horizons.erase(m_horizons.lower_bound(offset), m_horizons.end());
    return removed;
}

std::vector<Record> PartitionLog::clear()
{
    std::vector<Record> removed;
    for (auto &s : m_segments)
        for (auto &r : s.records)
            removed.push_back(std::move(r));
    m_segments.assign(1, Segment{});
    m_logStart = m_logEnd = 0;
    m_bytes = 0;
    m_epochs.clear();
    m_horizons.clear();
    return removed;
}

std::vector<Record> PartitionLog::applyRetention(SimTime now, std::int64_t limit)
{
    std::vector<Record> removed;
    if (!m_config.deletePolicy) return removed;
    std::size_t drop = 0;
    std::uint64_t size = m_bytes;
    // Oldest first, each wholly below the high watermark (the next segment's base offset is at or
    // below it). The active segment goes too when it expired and the high watermark reached the
    // log end: Kafka rolls a new, empty active segment first (UnifiedLog.deleteSegments).
    while (drop < m_segments.size()) {
        const Segment &s = m_segments[drop];
        const bool active = drop + 1 == m_segments.size();
        const std::int64_t end = active ? m_logEnd : m_segments[drop + 1].baseOffset;
        if (end > limit || (active && s.records.empty())) break;
        const bool expired =
            m_config.retentionMs > 0 && !s.records.empty() && now - s.maxTimestamp > m_config.retentionMs;
        const bool oversize = m_config.retentionBytes > 0 && size >= m_config.retentionBytes + s.bytes;
        if (!expired && !oversize) break;
        size -= s.bytes;
        ++drop;
    }
    if (drop == 0) return removed;
    for (std::size_t i = 0; i < drop; ++i) {
        m_bytes -= m_segments[i].bytes;
        for (auto &r : m_segments[i].records)
            removed.push_back(std::move(r));
    }
    m_segments.erase(m_segments.begin(), m_segments.begin() + static_cast<std::ptrdiff_t>(drop));
    if (m_segments.empty()) {
        Segment rolled;
        rolled.baseOffset = m_logEnd;
        m_segments.push_back(std::move(rolled));
    }
    m_logStart = std::max(m_logStart, m_segments.front().baseOffset);
    m_horizons.erase(m_horizons.begin(), m_horizons.lower_bound(m_logStart));
    // The epoch cache starts at the log start too (LeaderEpochFileCache.truncateFromStart).
    while (m_epochs.size() > 1 && m_epochs[1].second <= m_logStart)
        m_epochs.erase(m_epochs.begin());
    if (!m_epochs.empty()) m_epochs.front().second = std::max(m_epochs.front().second, m_logStart);
    return removed;
}

std::vector<PartitionLog::Compacted> PartitionLog::compact(SimTime now, std::int64_t limit)
{
    std::vector<Compacted> out;
    if (!m_config.compactPolicy || m_segments.size() < 2) return out;
    // The first uncleanable offset: the active segment, the high watermark, and the first segment
    // holding a record younger than min.compaction.lag.ms bound the part the cleaner may touch.
    std::size_t cleanable = 0;
    while (cleanable + 1 < m_segments.size()) {
        const Segment &s = m_segments[cleanable];
        if (m_segments[cleanable + 1].baseOffset > limit) break;
        if (!s.records.empty() && now - s.maxTimestamp < m_config.minCompactionLag) break;
        ++cleanable;
    }
    if (cleanable == 0) return out;
    std::unordered_map<std::string, std::int64_t> latest;
    for (std::size_t i = 0; i < cleanable; ++i)
        for (const auto &r : m_segments[i].records)
            if (r.message && !r.message->key.empty() && !r.control) latest[r.message->key] = r.offset;
    for (std::size_t i = 0; i < cleanable; ++i) {
        Segment &s = m_segments[i];
        std::vector<Record> kept;
        for (auto &r : s.records) {
            std::int64_t by = 0;
            bool remove = false;
            if (r.message && !r.message->key.empty() && !r.control) {
                const std::int64_t newest = latest[r.message->key];
                if (newest > r.offset) {
                    remove = true;
                    by = newest;
                } else if (r.tombstone) {
                    auto h = m_horizons.find(r.offset);
                    if (h == m_horizons.end()) {
                        m_horizons.emplace(r.offset, addTime(now, m_config.deleteRetention));
                    } else if (now >= h->second) {
                        remove = true;
                        by = -1;
                        m_horizons.erase(h);
                    }
                }
            }
            if (remove) {
                const std::uint64_t size = recordBytes(r);
                s.bytes -= size;
                m_bytes -= size;
                m_horizons.erase(r.offset);
                out.push_back({std::move(r), by});
            } else {
                kept.push_back(std::move(r));
            }
        }
        s.records = std::move(kept);
    }
    removeEmptySegments();
    return out;
}

std::pair<std::int64_t, std::int64_t> PartitionLog::endOffsetForEpoch(std::uint32_t epoch) const
{
    // As LeaderEpochFileCache.endOffsetFor: the latest epoch ends at the log end; an epoch above
    // every known one is undefined; one below every known one ends where the first known starts.
    if (m_epochs.empty()) return {-1, -1};
    if (epoch == m_epochs.back().first) return {epoch, m_logEnd};
    auto higher = std::upper_bound(m_epochs.begin(), m_epochs.end(), epoch,
                                   [](std::uint32_t e, const auto &entry) { return e < entry.first; });
    if (higher == m_epochs.end()) return {-1, -1};
    if (higher == m_epochs.begin()) return {epoch, higher->second};
    return {std::prev(higher)->first, higher->second};
}

} // namespace sb::kafka
