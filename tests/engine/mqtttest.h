#pragma once
// Helpers for the MQTT tests: a broker with clients around it and the numbers read off a run.
#include "enginetest.h"

#include <faults/faultplan.h>

#include <set>
#include <string>

namespace sbtest {

// A broker "b" and, for each (id, properties), an mqtt-client linked to it.
inline TopologyBuilder mqttStar(Json broker, const std::vector<std::pair<std::string, Json>> &clients,
                                Json linkProps = Json::object())
{
    TopologyBuilder b;
    b.node("b", "mqtt-broker", broker);
    for (const auto &[id, props] : clients)
        b.node(id, "mqtt-client", props).link(id, "b", linkProps);
    return b;
}

inline sb::FaultDef mqttFault(const std::string &id, const std::string &kind, const std::string &target,
                              sb::SimTime start, std::optional<sb::SimTime> duration)
{
    sb::FaultDef f;
    f.id = id;
    f.kind = kind;
    f.target = target;
    f.start = start;
    f.duration = duration;
    return f;
}

// What one subscriber got: copies the broker matched for it, application messages it processed,
// and the distinct ones among them.
struct Received {
    std::size_t matched = 0;
    std::size_t processed = 0;
    std::set<std::uint64_t> distinct;
    std::size_t duplicates() const { return processed - distinct.size(); }
};

inline Received received(const Run &r, const std::string &subscriber)
{
    Received out;
    const sb::NodeIndex s = r.index(subscriber);
    for (const auto &e : r.trace.events) {
        if (e.kind == sb::TraceKind::Match && e.peer == s) ++out.matched;
        if (e.kind == sb::TraceKind::Process && e.node == s) {
            ++out.processed;
            out.distinct.insert(e.messageId);
        }
    }
    return out;
}

inline std::size_t countWhere(const Run &r, const std::function<bool(const sb::TraceEvent &)> &pred)
{
    std::size_t n = 0;
    for (const auto &e : r.trace.events)
        n += pred(e);
    return n;
}

} // namespace sbtest
