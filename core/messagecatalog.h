#pragma once
// What the trace leaves out of a message — routing key, key, headers, fields, size — kept for the most
// recent messages of a run, so a message inspector can show them. A trace sink on the engine
// thread; find() may be called from any thread.
#include "trace.h"

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace sb {

struct MessageInfo {
    std::uint64_t id = 0, correlationId = 0, sequence = 0;
    std::string routingKey, key;
    std::vector<Header> headers;
    std::vector<Field> fields; // the structured payload's fields (content-based routing)
    std::uint32_t size = 0;
    SimTime publishedAt = 0;
    NodeIndex producer = kNoIndex;
};

class MessageCatalog final : public TraceSink {
public:
    static constexpr std::size_t kDefaultCapacity = std::size_t{1} << 18; // the newest 262,144

    explicit MessageCatalog(std::size_t capacity = kDefaultCapacity);
    void onEvent(const TraceEvent &) override {}
    void onMessage(const Message &m) override;

    // The message's contents, or nothing when it is unknown or older than the catalog keeps.
    std::optional<MessageInfo> find(std::uint64_t id) const;
    std::size_t size() const;
    std::uint64_t forgotten() const;

private:
    mutable std::mutex m_mutex;
    std::size_t m_capacity;
    std::vector<MessageInfo> m_ring; // oldest overwritten first
    std::size_t m_next = 0;
    std::unordered_map<std::uint64_t, std::size_t> m_slots;
    std::uint64_t m_forgotten = 0;
};

} // namespace sb
