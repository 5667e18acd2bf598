#include "messagecatalog.h"

#include <algorithm>

namespace sb {

MessageCatalog::MessageCatalog(std::size_t capacity) : m_capacity(std::max<std::size_t>(capacity, 1)) {}

void MessageCatalog::onMessage(const Message &m)
{
    MessageInfo info;
    info.id = m.id;
    info.correlationId = m.correlationId;
    info.sequence = m.sequence;
    info.routingKey = m.routingKey;
    info.key = m.key;
    info.headers = m.headers;
    info.fields = m.fields;
    info.size = m.size;
    info.publishedAt = m.publishedAt;
    info.producer = m.producer;
    std::lock_guard<std::mutex> lock(m_mutex);
    // A retry republishes the same message: it keeps its slot.
    if (auto it = m_slots.find(m.id); it != m_slots.end()) {
        m_ring[it->second] = std::move(info);
        return;
    }
    if (m_ring.size() < m_capacity) {
        m_slots.emplace(m.id, m_ring.size());
        m_ring.push_back(std::move(info));
        return;
    }
    MessageInfo &slot = m_ring[m_next];
    m_slots.erase(slot.id);
    ++m_forgotten;
    slot = std::move(info);
    m_slots.emplace(m.id, m_next);
    m_next = (m_next + 1) % m_capacity;
}

std::optional<MessageInfo> MessageCatalog::find(std::uint64_t id) const
{
    std::lock_guard<std::mutex> lock(m_mutex);
    const auto it = m_slots.find(id);
    if (it == m_slots.end()) return std::nullopt;
    return m_ring[it->second];
}

std::size_t MessageCatalog::size() const
{
    std::lock_guard<std::mutex> lock(m_mutex);
    return m_ring.size();
}

std::uint64_t MessageCatalog::forgotten() const
{
    std::lock_guard<std::mutex> lock(m_mutex);
    return m_forgotten;
}

} // namespace sb
