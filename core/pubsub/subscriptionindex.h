#pragma once
// The subscriptions of a broker in one dialect (dialect.h), and which of them a published subject
// matches. Brokers route through it (an AMQP topic exchange, an MQTT broker's filters, NATS
// subjects, Redis patterns) rather than scanning their subscriptions: a trie per dialect (see
// subscriptionindex.cpp), so a match costs about the subject's length and the subscriptions it
// meets, not the number of subscriptions. SubscriptionScan is the plain scan it is checked against.
#include "dialect.h"

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace sb {

class SubscriptionIndex {
public:
    explicit SubscriptionIndex(Dialect d);
    ~SubscriptionIndex();
    SubscriptionIndex(SubscriptionIndex &&) noexcept;
    SubscriptionIndex &operator=(SubscriptionIndex &&) noexcept;

    Dialect dialect() const;
    // Adds a subscription; `pattern` must have no error (checkFilter). Returns its id, unique in
    // this index (ids are not reused). `value` is what match() hands back for it (a link, a client).
    std::uint32_t add(std::string_view pattern, std::uint32_t value);
    // Removes a subscription; false if the id is not in the index.
    bool remove(std::uint32_t id);
    std::size_t size() const;
    // Appends to `out` the value of each subscription whose pattern matches `subject`, once per
    // subscription, in the order the subscriptions were added (so runs stay deterministic).
    void match(std::string_view subject, std::vector<std::uint32_t> &out) const;
    // As match(), the ids of the matching subscriptions.
    void matchIds(std::string_view subject, std::vector<std::uint32_t> &out) const;
    const std::string &pattern(std::uint32_t id) const;
    // Whether the index holds no node beyond its root: true once every subscription is removed
    // (remove() prunes the paths it empties).
    bool isPruned() const;

private:
    struct Impl;
    std::unique_ptr<Impl> d;
};

} // namespace sb
