#include "idempotencystore.h"

namespace sb::rpc {

const IdempotencyStore::Entry *IdempotencyStore::find(const std::string &key, SimTime now) const
{
    auto it = m_entries.find(key);
    if (it == m_entries.end() || it->second.expiresAt <= now) return nullptr;
    return &it->second;
}

void IdempotencyStore::put(const std::string &key, std::uint16_t status, MessageRef reply, SimTime now)
{
    purge(now);
    const SimTime expiresAt = addTime(now, m_retention);
    m_entries[key] = Entry{status, std::move(reply), expiresAt};
    m_expiry.emplace_back(expiresAt, key);
}

void IdempotencyStore::purge(SimTime now)
{
    while (!m_expiry.empty() && m_expiry.front().first <= now) {
        auto it = m_entries.find(m_expiry.front().second);
        // A key stored again later has a later expiry: only its own record removes it.
        if (it != m_entries.end() && it->second.expiresAt == m_expiry.front().first) m_entries.erase(it);
        m_expiry.pop_front();
    }
}

void IdempotencyStore::clear()
{
    m_entries.clear();
    m_expiry.clear();
}

} // namespace sb::rpc
