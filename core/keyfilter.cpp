#include "keyfilter.h"

#include "message.h"

#include <algorithm>

namespace sb {

RoutingKeyFilter::RoutingKeyFilter(std::vector<std::string> include, std::vector<std::string> exclude)
{
    for (auto &p : include)
        m_include.emplace_back(std::move(p));
    for (auto &p : exclude)
        m_exclude.emplace_back(std::move(p));
}

bool RoutingKeyFilter::keyPasses(std::string_view routingKey) const
{
    const auto words = splitWords(routingKey);
    const auto hit = [&](const TopicPattern &p) { return p.matchesWords(words); };
    if (!m_include.empty() && std::none_of(m_include.begin(), m_include.end(), hit)) return false;
    return std::none_of(m_exclude.begin(), m_exclude.end(), hit);
}

void RoutingKeyFilter::note(const Message &m)
{
    if (empty()) return;
    if (m_cache.size() >= kMaxCached) m_cache.clear();
    m_cache[m.id] = keyPasses(m.routingKey) ? Verdict::Pass : Verdict::Block;
}

RoutingKeyFilter::Verdict RoutingKeyFilter::verdict(std::uint64_t id) const
{
    if (const auto it = m_cache.find(id); it != m_cache.end()) return it->second;
    // Without a lookup, what was not noted stays unknown (and is not cached: it may be noted later).
    if (!m_lookup) return Verdict::Unknown;
    const std::optional<std::string> key = m_lookup(id);
    const Verdict v = !key ? Verdict::Unknown : keyPasses(*key) ? Verdict::Pass : Verdict::Block;
    if (m_cache.size() >= kMaxCached) m_cache.clear();
    m_cache.emplace(id, v);
    return v;
}

bool RoutingKeyFilter::passes(std::uint64_t messageId, std::uint64_t correlationId) const
{
    if (empty()) return true;
    Verdict v = verdict(messageId);
    if (v == Verdict::Unknown && correlationId && correlationId != messageId) v = verdict(correlationId);
    if (v == Verdict::Unknown) return m_include.empty();
    return v == Verdict::Pass;
}

std::string RoutingKeyFilter::text() const
{
    std::string t;
    for (const auto &p : m_include)
        t += (t.empty() ? "rk:" : " rk:") + p.text();
    for (const auto &p : m_exclude)
        t += (t.empty() ? "-rk:" : " -rk:") + p.text();
    return t;
}

} // namespace sb
