#pragma once
// A server's idempotency store: the reply of each idempotency key whose execution succeeded, kept
// for a retention window (as Stripe keeps keys 24 hours). Keys expire in the order they were
// stored, so a deque ordered by expiry time is all the bookkeeping expiry needs: purging costs
// the keys that expired, never a scan, and memory follows the keys stored within one window.
#include "../../message.h"

#include <cstdint>
#include <deque>
#include <string>
#include <unordered_map>
#include <utility>

namespace sb::rpc {

class IdempotencyStore {
public:
    struct Entry {
        std::uint16_t status = kNoStatus;
        MessageRef reply;
        SimTime expiresAt = kNever;
    };

    explicit IdempotencyStore(SimTime retention = 0) : m_retention(retention) {}

    // The stored reply of `key`, or null when it has none or it expired by `now`.
    const Entry *find(const std::string &key, SimTime now) const;
    // Stores (or replaces) the reply of `key` until now + retention. `now` never goes back, so
    // the expiry queue stays in time order.
    void put(const std::string &key, std::uint16_t status, MessageRef reply, SimTime now);
    // Forgets the keys whose retention ended by `now`.
    void purge(SimTime now);
    void clear();
    std::size_t size() const { return m_entries.size(); }
    // Records in the expiry queue (a replaced key leaves its old record until it expires).
    std::size_t pendingExpiries() const { return m_expiry.size(); }

private:
    SimTime m_retention;
    std::unordered_map<std::string, Entry> m_entries;
    std::deque<std::pair<SimTime, std::string>> m_expiry; // (expiresAt, key), oldest first
};

} // namespace sb::rpc
