#include "subscriptionindex.h"

#include <algorithm>

namespace sb {

struct SubscriptionIndex::Impl {
    Dialect dialect;
    struct Sub {
        std::uint32_t id;
        std::uint32_t value;
        std::string pattern;
    };
    std::vector<Sub> subs; // by id
    std::uint32_t nextId = 0;
};

SubscriptionIndex::SubscriptionIndex(Dialect dialect) : d(std::make_unique<Impl>())
{
    d->dialect = dialect;
}
SubscriptionIndex::~SubscriptionIndex() = default;
SubscriptionIndex::SubscriptionIndex(SubscriptionIndex &&) noexcept = default;
SubscriptionIndex &SubscriptionIndex::operator=(SubscriptionIndex &&) noexcept = default;

Dialect SubscriptionIndex::dialect() const
{
    return d->dialect;
}

std::uint32_t SubscriptionIndex::add(std::string_view pattern, std::uint32_t value)
{
    const std::uint32_t id = d->nextId++;
    d->subs.push_back({id, value, std::string(pattern)});
    return id;
}

bool SubscriptionIndex::remove(std::uint32_t id)
{
    auto it = std::lower_bound(d->subs.begin(), d->subs.end(), id,
                               [](const Impl::Sub &s, std::uint32_t i) { return s.id < i; });
    if (it == d->subs.end() || it->id != id) return false;
    d->subs.erase(it);
    return true;
}

std::size_t SubscriptionIndex::size() const
{
    return d->subs.size();
}

void SubscriptionIndex::match(std::string_view subject, std::vector<std::uint32_t> &out) const
{
    for (const auto &s : d->subs)
        if (dialectMatches(d->dialect, s.pattern, subject)) out.push_back(s.value);
}

void SubscriptionIndex::matchIds(std::string_view subject, std::vector<std::uint32_t> &out) const
{
    for (const auto &s : d->subs)
        if (dialectMatches(d->dialect, s.pattern, subject)) out.push_back(s.id);
}

const std::string &SubscriptionIndex::pattern(std::uint32_t id) const
{
    static const std::string none;
    auto it = std::lower_bound(d->subs.begin(), d->subs.end(), id,
                               [](const Impl::Sub &s, std::uint32_t i) { return s.id < i; });
    return it != d->subs.end() && it->id == id ? it->pattern : none;
}

} // namespace sb
