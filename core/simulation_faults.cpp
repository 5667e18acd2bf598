// The Simulation's fault mechanism: the plan's timeline of fault spans, faults applied live, and
// the mechanisms they act through (link models, crashes, pauses, slow-downs, clock steps). One
// mechanism serves both: a person's "link down" is a live link-down fault.
#include "faults/nemesis.h"
#include "simulation.h"
#include "simulation_p.h"

#include <algorithm>

namespace sb {

namespace {
// Event types beyond frames (0) and timers (1).
constexpr std::uint8_t kFaultStart = 2, kFaultEnd = 3, kClockJump = 4, kPointRestart = 5;

std::string paramsText(const FaultDef &f)
{
    std::string s;
    for (auto it = f.params.begin(); it != f.params.end(); ++it)
        s += (s.empty() ? "" : ", ") + it.key() + " " +
             (it.value().is_string() ? it.value().get<std::string>() : it.value().dump());
    return s;
}

// The summary's words for a fault's start and end: the familiar ones for the live actions.
std::pair<std::string, std::string> actionWords(const std::string &kind)
{
    if (kind == "link-down") return {"link down", "link up"};
    if (kind == "crash") return {"crash", "restart"};
    if (kind == "crash-at") return {"crash-at armed", "crash-at disarmed"};
    if (kind == "pause") return {"pause", "resume"};
    return {kind + " start", kind + " end"};
}
} // namespace

void Simulation::setUpFaults(const KindRegistry &registry)
{
    m_registry = &registry;
    bool anyClock = false;
    for (const auto &n : m_topology.nodes)
        anyClock = anyClock || !NodeClock::fromJson(n.clock).exact();
    if (anyClock) {
        for (NodeIndex i = 0; i < m_topology.nodes.size(); ++i) {
            m_clocks.push_back(NodeClock::fromJson(m_topology.nodes[i].clock));
            for (const auto &[at, by] : m_clocks.back().jumps()) {
                m_clockJumps.emplace_back(i, by);
                push(at, kClockJump, static_cast<std::uint32_t>(m_clockJumps.size() - 1));
            }
        }
    }
    for (const auto &f : m_topology.faults) {
        m_faultDefs.push_back(f);
        FaultState s;
        s.spec = registry.findFault(f.kind);
        s.planned = true;
        m_faultStates.push_back(std::move(s));
        // Starts do not keep a run alive on their own: a fault due after everything settled
        // has nothing left to disturb.
        push(f.start, kFaultStart, static_cast<std::uint32_t>(m_faultDefs.size() - 1));
    }
}

std::string Simulation::faultTargetText(const FaultDef &f) const
{
    if (!f.target.empty()) return f.target;
    std::string s;
    for (const auto &n : f.nodes)
        s += (s.empty() ? "" : ",") + n;
    return s;
}

void Simulation::processFaultEvent(const Event &ev)
{
    if (ev.type == kPointRestart) {
        // The end of a crash-at fault's downtime: the node comes back unless another crash
        // fault still holds it down.
        --m_workPending;
        auto &slot = m_nodes[ev.slot];
        if (--slot.crashFaults == 0) restartNow(ev.slot);
        return;
    }
    if (ev.type == kClockJump) {
        const auto &[node, by] = m_clockJumps[ev.slot];
        TraceEvent e;
        e.kind = TraceKind::ClockJump;
        e.node = node;
        e.aux = by;
        emitTrace(e);
        return;
    }
    auto &s = m_faultStates[ev.slot];
    if (ev.type == kFaultEnd) {
        --m_workPending;
        s.endPending = false;
        if (s.active) endFaultSpan(ev.slot);
        return;
    }
    // A start: the next repetition (or the first). One still active (a person restarted
    // nothing yet) is ended first, so spans never stack.
    if (s.active) endFaultSpan(ev.slot);
    startFaultSpan(ev.slot);
    const FaultDef &f = m_faultDefs[ev.slot];
    if (f.every) {
        const SimTime next = f.startOf(s.repetition + 1);
        if (next != kNever) push(next, kFaultStart, ev.slot);
    }
}

void Simulation::linkStateChanged(LinkIndex link, bool up)
{
    auto &l = m_links[link];
    TraceEvent e;
    e.kind = up ? TraceKind::LinkUp : TraceKind::LinkDown;
    e.node = l.from;
    e.peer = l.to;
    e.link = link;
    emitTrace(e);
    for (NodeIndex n : {l.from, l.to})
        if (!m_nodes[n].crashed) m_nodes[n].node->onLinkState(*m_nodes[n].context, link, up);
}

void Simulation::linkFaultAdded(LinkIndex link, LinkFault fault)
{
    auto &model = m_links[link].model;
    const bool wasUp = model.up();
    model.addFault(std::move(fault));
    if (wasUp && !model.up()) linkStateChanged(link, false);
}

void Simulation::linkFaultRemoved(LinkIndex link, std::uint64_t instance)
{
    auto &model = m_links[link].model;
    const bool wasUp = model.up();
    model.removeFault(instance);
    if (!wasUp && model.up()) linkStateChanged(link, true);
}

void Simulation::emitFaultEvent(TraceKind kind, std::size_t index)
{
    const auto &s = m_faultStates[index];
    const FaultDef &f = m_faultDefs[index];
    TraceEvent e;
    e.kind = kind;
    e.aux = static_cast<std::int64_t>(index);
    e.correlationId = s.repetition;
    if (s.spec->target == FaultTarget::Link) {
        const auto link = static_cast<LinkIndex>(*m_topology.linkIndex(f.target));
        e.link = link;
        e.node = m_links[link].from;
        e.peer = m_links[link].to;
    } else if (!f.target.empty()) {
        e.node = static_cast<NodeIndex>(*m_topology.nodeIndex(f.target));
    }
    emitTrace(e);
}

void Simulation::startFaultSpan(std::size_t index)
{
    auto &s = m_faultStates[index];
    const FaultDef &f = m_faultDefs[index];
    if (!s.spec) return;
    if (!m_started) startNodes();
    s.active = true;
    const std::uint64_t rep = s.repetition;

    emitFaultEvent(TraceKind::FaultStart, index);

    std::string detail = paramsText(f);
    switch (s.spec->target) {
    case FaultTarget::Link: {
        LinkFault lf;
        LinkFault::fromDef(f, *s.spec, lf);
        lf.id = m_nextFaultInstance++;
        const auto link = static_cast<LinkIndex>(*m_topology.linkIndex(f.target));
        s.links.emplace_back(link, lf.id);
        linkFaultAdded(link, std::move(lf));
        break;
    }
    case FaultTarget::Group: {
        std::vector<std::size_t> group;
        if (f.nodes.empty()) {
            for (std::size_t i = 0; i < m_nodes.size(); ++i)
                group.push_back(i);
        } else {
            for (const auto &id : f.nodes)
                group.push_back(*m_topology.nodeIndex(id));
            std::sort(group.begin(), group.end());
        }
        std::vector<std::pair<std::size_t, std::size_t>> links;
        for (const auto &l : m_links)
            links.emplace_back(l.from, l.to);
        const NemesisCut cut = expandNemesis(f, group, links, nodeIds(), m_seed, index, rep);
        detail = cut.description;
        for (std::size_t li : cut.cutLinks) {
            LinkFault down;
            down.type = LinkFault::Type::Down;
            down.id = m_nextFaultInstance++;
            s.links.emplace_back(static_cast<LinkIndex>(li), down.id);
            linkFaultAdded(static_cast<LinkIndex>(li), std::move(down));
        }
        break;
    }
    case FaultTarget::Node: {
        std::vector<NodeIndex> nodes;
        if (!f.target.empty()) nodes.push_back(static_cast<NodeIndex>(*m_topology.nodeIndex(f.target)));
        for (const auto &id : f.nodes)
            nodes.push_back(static_cast<NodeIndex>(*m_topology.nodeIndex(id)));
        const PropertyBag params(s.spec->params, f.params);
        for (NodeIndex n : nodes) {
            auto &slot = m_nodes[n];
            if (f.kind == "crash") {
                if (++slot.crashFaults == 1) crashNow(n, params.string("disk") == "lost");
            } else if (f.kind == "pause") {
                if (++slot.pauseFaults == 1) pauseNow(n);
            } else if (f.kind == "slow") {
                ++slot.slowFaults;
                slot.slow *= params.number("factor");
            } else if (f.kind == "broker-crash") {
                const auto broker = static_cast<std::uint32_t>(params.integer("broker"));
                if (++slot.brokerFaults[broker] == 1 && !slot.crashed)
                    slot.node->onBrokerState(*slot.context, broker, false);
            } else if (f.kind == "crash-at") {
                slot.armedPoints.push_back({index, params.string("point"), params.integer("occurrence"), 0});
            }
        }
        s.nodes = std::move(nodes);
        break;
    }
    }

    const auto words = actionWords(f.kind);
    recordChange({m_now, words.first, faultTargetText(f), detail, f.id, s.planned});
    if (m_faultLog.size() < kMaxRecorded) {
        s.logEntry = m_faultLog.size();
        m_faultLog.push_back({index, f.id, f.kind, faultTargetText(f), rep, m_now, kNever, s.planned, detail,
                              f.params, f.nodes});
    } else {
        s.logEntry = SIZE_MAX;
        ++m_recordsOmitted;
    }
    const SimTime end = f.duration ? addTime(m_now, *f.duration) : kNever;
    if (end != kNever) {
        // An end (a restart, a heal) is work still to come: the run waits for it.
        s.endPending = true;
        ++m_workPending;
        push(end, kFaultEnd, static_cast<std::uint32_t>(index));
    }
}

void Simulation::endFaultSpan(std::size_t index)
{
    auto &s = m_faultStates[index];
    const FaultDef &f = m_faultDefs[index];
    if (!s.active) return;
    s.active = false;
    emitFaultEvent(TraceKind::FaultEnd, index);
    for (const auto &[link, instance] : s.links)
        linkFaultRemoved(link, instance);
    s.links.clear();
    if (s.spec->target == FaultTarget::Node) {
        const PropertyBag params(s.spec->params, f.params);
        for (NodeIndex n : s.nodes) {
            auto &slot = m_nodes[n];
            if (f.kind == "crash") {
                if (--slot.crashFaults == 0) restartNow(n);
            } else if (f.kind == "pause") {
                if (--slot.pauseFaults == 0) resumeNow(n);
            } else if (f.kind == "slow") {
                slot.slow /= params.number("factor");
                // Back to exactly 1 when no slow fault is left, whatever the rounding.
                if (--slot.slowFaults == 0) slot.slow = 1;
            } else if (f.kind == "crash-at") {
                std::erase_if(slot.armedPoints,
                              [index](const NodeSlot::ArmedPoint &a) { return a.fault == index; });
            } else if (f.kind == "broker-crash") {
                const auto broker = static_cast<std::uint32_t>(params.integer("broker"));
                if (--slot.brokerFaults[broker] == 0) {
                    slot.brokerFaults.erase(broker);
                    if (!slot.crashed) slot.node->onBrokerState(*slot.context, broker, true);
                }
            }
        }
    }
    s.nodes.clear();
    const auto words = actionWords(f.kind);
    recordChange({m_now, words.second, faultTargetText(f), {}, f.id, s.planned});
    if (s.logEntry != SIZE_MAX) m_faultLog[s.logEntry].end = m_now;
    s.logEntry = SIZE_MAX;
    ++s.repetition;
}

bool Simulation::reachedCrashPoint(NodeIndex node, std::string_view point)
{
    if (node >= m_nodes.size()) return false;
    auto &slot = m_nodes[node];
    if (slot.crashed) return false;
    for (std::size_t i = 0; i < slot.armedPoints.size(); ++i) {
        auto &armed = slot.armedPoints[i];
        if (armed.point != point || ++armed.passes != armed.occurrence) continue;
        const FaultDef &f = m_faultDefs[armed.fault];
        const PropertyBag params(m_faultStates[armed.fault].spec->params, f.params);
        // Down for `downtime`, counted as a crash fault so that a crash fault ending meanwhile
        // does not bring it back early; the restart is work still to come.
        ++slot.crashFaults;
        crashNow(node, params.string("disk") == "lost");
        ++m_workPending;
        push(addTime(m_now, params.duration("downtime")), kPointRestart, node);
        return true;
    }
    return false;
}

std::size_t Simulation::addLiveFault(FaultDef def)
{
    // Live faults are named live-1, live-2, ... avoiding the plan's ids.
    if (def.id.empty()) {
        std::size_t n = 1;
        for (const auto &s : m_faultStates)
            n += s.planned ? 0 : 1;
        auto taken = [this](const std::string &id) {
            return std::any_of(m_faultDefs.begin(), m_faultDefs.end(),
                               [&](const FaultDef &f) { return f.id == id; });
        };
        while (taken("live-" + std::to_string(n)))
            ++n;
        def.id = "live-" + std::to_string(n);
    }
    def.start = m_now;
    def.every.reset();
    FaultState s;
    s.spec = m_registry ? m_registry->findFault(def.kind) : nullptr;
    m_faultDefs.push_back(std::move(def));
    m_faultStates.push_back(std::move(s));
    return m_faultDefs.size() - 1;
}

std::size_t Simulation::injectFault(FaultDef def)
{
    const std::size_t index = addLiveFault(std::move(def));
    startFaultSpan(index);
    return index;
}

void Simulation::endFault(std::size_t index)
{
    if (index < m_faultStates.size() && m_faultStates[index].active) endFaultSpan(index);
}

bool Simulation::faultActive(std::size_t index) const
{
    return index < m_faultStates.size() && m_faultStates[index].active;
}

SimTime Simulation::localTime(NodeIndex node) const
{
    return !m_clocks.empty() && node < m_clocks.size() ? m_clocks[node].local(m_now) : m_now;
}

// ---- The live actions, as faults

void Simulation::setLinkUp(LinkIndex link, bool up)
{
    if (link >= m_links.size()) return;
    if (!up) {
        if (!m_links[link].model.up()) return;
        FaultDef f;
        f.kind = "link-down";
        f.target = m_topology.links[link].id;
        injectFault(std::move(f));
        return;
    }
    // Up: every fault holding the link down lets go of it. A link-down fault on it ends; a
    // nemesis heals just this link and keeps its other cuts.
    for (std::size_t i = 0; i < m_faultStates.size(); ++i) {
        auto &s = m_faultStates[i];
        if (!s.active) continue;
        if (m_faultDefs[i].kind == "link-down" && m_faultDefs[i].target == m_topology.links[link].id) {
            endFaultSpan(i);
        } else if (s.spec && s.spec->target == FaultTarget::Group) {
            for (auto it = s.links.begin(); it != s.links.end();) {
                if (it->first != link) {
                    ++it;
                    continue;
                }
                const std::uint64_t instance = it->second;
                it = s.links.erase(it);
                linkFaultRemoved(link, instance);
            }
        }
    }
}

namespace {
bool holds(const std::vector<NodeIndex> &nodes, NodeIndex n)
{
    return std::find(nodes.begin(), nodes.end(), n) != nodes.end();
}
} // namespace

void Simulation::crashNode(NodeIndex node)
{
    if (node >= m_nodes.size() || m_nodes[node].crashed) return;
    FaultDef f;
    f.kind = "crash";
    f.target = m_topology.nodes[node].id;
    injectFault(std::move(f));
}

void Simulation::releaseNode(NodeIndex node, const char *kind)
{
    for (std::size_t i = 0; i < m_faultStates.size(); ++i) {
        auto &s = m_faultStates[i];
        if (!s.active || m_faultDefs[i].kind != kind || !holds(s.nodes, node)) continue;
        if (s.nodes.size() == 1) {
            endFaultSpan(i);
            continue;
        }
        // A fault on several nodes: this one comes back, the others stay as they are.
        s.nodes.erase(std::find(s.nodes.begin(), s.nodes.end(), node));
        auto &slot = m_nodes[node];
        if (std::string_view(kind) == "crash") {
            if (--slot.crashFaults == 0) restartNow(node);
        } else if (--slot.pauseFaults == 0) {
            resumeNow(node);
        }
    }
}

void Simulation::restartNode(NodeIndex node)
{
    if (node < m_nodes.size() && m_nodes[node].crashed) releaseNode(node, "crash");
}

void Simulation::pauseNode(NodeIndex node)
{
    if (node >= m_nodes.size() || m_nodes[node].paused || m_nodes[node].crashed) return;
    FaultDef f;
    f.kind = "pause";
    f.target = m_topology.nodes[node].id;
    injectFault(std::move(f));
}

void Simulation::resumeNode(NodeIndex node)
{
    if (node < m_nodes.size() && m_nodes[node].paused) releaseNode(node, "pause");
}

} // namespace sb
