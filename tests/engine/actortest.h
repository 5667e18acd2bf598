#pragma once
// Helpers for the actor and supervision tests (core/nodes/actors/).
#include "enginetest.h"

#include <map>
#include <string>
#include <utility>
#include <vector>

namespace sbtest {

// A script of messages: (time in ms, routing key).
inline Json actorScript(const std::vector<std::pair<double, std::string>> &entries)
{
    Json s = Json::array();
    for (const auto &[at, key] : entries)
        s.push_back({{"at", at}, {"routingKey", key}});
    return s;
}

// `n` messages `key` from `fromMs`, `gapMs` apart.
inline std::vector<std::pair<double, std::string>> every(double fromMs, double gapMs, int n,
                                                         const std::string &key)
{
    std::vector<std::pair<double, std::string>> v;
    for (int i = 0; i < n; ++i)
        v.push_back({fromMs + gapMs * i, key});
    return v;
}

// Keeps the messages' contents (the answers' fields).
class MessageSink final : public sb::TraceSink {
public:
    void onEvent(const sb::TraceEvent &) override {}
    void onMessage(const sb::Message &m) override { messages[m.id] = m; }
    std::map<std::uint64_t, sb::Message> messages;
};

// The events of `kind` at `node`.
inline std::vector<sb::TraceEvent> eventsAt(const Run &r, sb::TraceKind kind, sb::NodeIndex node)
{
    std::vector<sb::TraceEvent> out;
    for (const auto &e : r.trace.events)
        if (e.kind == kind && e.node == node) out.push_back(e);
    return out;
}

// The frames of `type` sent by `node`.
inline std::size_t sent(const Run &r, sb::FrameType type, sb::NodeIndex node)
{
    std::size_t n = 0;
    for (const auto &e : r.trace.events)
        n += e.kind == sb::TraceKind::Send && e.frame == type && e.node == node;
    return n;
}

// The supervisor's decisions (Supervise events at `supervisor`) with `aux`, as the children's ids.
inline std::vector<std::string> decisions(const Run &r, const std::string &supervisor, std::int64_t aux)
{
    std::vector<std::string> out;
    for (const auto &e : r.trace.events)
        if (e.kind == sb::TraceKind::Supervise && e.node == r.index(supervisor) && e.aux == aux)
            out.push_back(r.sim->topology().nodes[e.peer].id);
    return out;
}

} // namespace sbtest
