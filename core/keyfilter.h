#pragma once
// Which messages a routing-key filter lets through: a message passes when its routing key matches
// one of the `include` patterns (any, when there are none) and none of the `exclude` patterns.
// Patterns are AMQP topic patterns ('*' one word, '#' zero or more), so "orders.#" picks what a
// topic binding with that key would. A message whose own key is unknown (a reply, say) is judged
// by the message it correlates to; one with neither known passes only when nothing is included.
// Events about no message (a crash, a link going down) always pass.
//
// Keys come either from the messages as they are published (note(), for a trace sink) or from a
// lookup asked once per message id (a message catalog); answers are cached, so a diagram that
// asks for the same events every frame pays for each message once.
#include "routing.h"
#include "trace.h"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace sb {

struct Message;

class RoutingKeyFilter {
public:
    using Lookup = std::function<std::optional<std::string>(std::uint64_t messageId)>;
    // A cache beyond this many messages is dropped and built again.
    static constexpr std::size_t kMaxCached = std::size_t{1} << 22;

    RoutingKeyFilter() = default;
    RoutingKeyFilter(std::vector<std::string> include, std::vector<std::string> exclude);

    void setLookup(Lookup lookup) { m_lookup = std::move(lookup); }
    // A message as it is published: its key is remembered (and nothing else of it).
    void note(const Message &m);

    bool empty() const { return m_include.empty() && m_exclude.empty(); }
    const std::vector<TopicPattern> &include() const { return m_include; }
    const std::vector<TopicPattern> &exclude() const { return m_exclude; }
    // Whether a routing key passes the patterns.
    bool keyPasses(std::string_view routingKey) const;
    // Whether the message (judged by itself, else by `correlationId`) passes.
    bool passes(std::uint64_t messageId, std::uint64_t correlationId = 0) const;
    bool accepts(const TraceEvent &e) const
    {
        return e.messageId == 0 || passes(e.messageId, e.correlationId);
    }
    // The text of the filter, as a filter line would write it: "rk:a.# -rk:b.*".
    std::string text() const;

private:
    enum class Verdict : std::uint8_t { Unknown, Pass, Block };
    Verdict verdict(std::uint64_t id) const;

    std::vector<TopicPattern> m_include, m_exclude;
    Lookup m_lookup;
    mutable std::unordered_map<std::uint64_t, Verdict> m_cache; // a cache: not for two threads at once
};

} // namespace sb
