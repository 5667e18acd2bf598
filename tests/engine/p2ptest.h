#pragma once
// Helpers for the peer-to-peer tests: overlays as topologies, the P2P checker run along.
#include "enginetest.h"
#include "nodes/p2p/overlay.h"
#include "p2pchecker.h"

#include <map>

namespace sbtest {

// A topology of the overlay's peers (ids peer-1..N) with `props` each, `extra` merged into
// individual peers' properties (by 1-based peer number), `link` on every link.
inline sb::Topology overlayTopology(const sb::Overlay &o, const Json &props,
                                    const std::map<int, Json> &extra = {}, const Json &link = Json::object(),
                                    std::uint64_t seed = 1)
{
    Json j = sb::overlayTopologyJson(o, props);
    Json file = {{"format", "signalbox-topology"}, {"version", 1}, {"name", "overlay"}};
    file["run"] = {{"seed", seed}};
    for (auto &[peer, more] : extra)
        for (auto it = more.begin(); it != more.end(); ++it)
            j["nodes"][peer - 1]["properties"][it.key()] = it.value();
    if (!link.empty())
        for (auto &l : j["links"])
            l["properties"] = link;
    file["nodes"] = j["nodes"];
    file["links"] = j["links"];
    const auto loaded = sb::parseTopology(file.dump());
    if (!loaded.ok()) qWarning("%s", loaded.errorText().c_str());
    return loaded.ok() ? *loaded.topology : sb::Topology{};
}

// An overlay from explicit edges "1-2,2-3" over peers 1..n (positions on a circle).
inline sb::Overlay edgesOverlay(int n, const std::string &edges)
{
    sb::Overlay o;
    o.n = n;
    std::size_t pos = 0;
    while (pos < edges.size()) {
        const auto comma = edges.find(',', pos);
        const std::string part =
            edges.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
        const auto dash = part.find('-');
        std::uint32_t a = std::stoi(part.substr(0, dash)) - 1, b = std::stoi(part.substr(dash + 1)) - 1;
        if (a > b) std::swap(a, b);
        o.edges.emplace_back(a, b);
        if (comma == std::string::npos) break;
        pos = comma + 1;
    }
    for (int i = 0; i < n; ++i)
        o.positions.push_back({100.0 * i, 0});
    return o;
}

inline sb::Overlay generated(sb::OverlayParams p)
{
    std::string error;
    auto o = sb::generateOverlay(p, error);
    if (!o) qWarning("%s", error.c_str());
    return o ? *o : sb::Overlay{};
}

struct P2PRun {
    std::unique_ptr<Run> run;
    std::unique_ptr<sb::P2PChecker> checker;
    sb::P2PReport report() const { return checker->report(); }
};

inline P2PRun runP2P(const sb::Topology &t, sb::SimTime until = sb::kNever)
{
    P2PRun r;
    r.run = prepare(t);
    if (!r.run) return r;
    std::vector<std::string> labels;
    for (const auto &n : t.nodes)
        labels.push_back(n.id);
    r.checker = std::make_unique<sb::P2PChecker>(t, labels);
    r.run->sim->addSink(r.checker.get());
    sb::RunOptions o;
    o.until = until;
    r.run->reason = r.run->sim->run(o);
    return r;
}

inline std::uint64_t notCovered(const P2PRun &r)
{
    return r.checker->checks().front().count;
}

} // namespace sbtest
