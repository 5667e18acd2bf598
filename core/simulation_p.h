#pragma once
// The Simulation's private parts, shared by its translation units (simulation.cpp, the engine;
// simulation_faults.cpp, the fault mechanism). Nothing outside the Simulation includes this.
#include "simulation.h"

#include <map>

namespace sb {

class Simulation::Context final : public NodeContext {
public:
    Context(Simulation *sim, NodeIndex index) : m_sim(sim), m_index(index) {}
    SimTime now() const override { return m_sim->m_now; }
    NodeIndex self() const override { return m_index; }
    std::span<const LinkIndex> links(PortIndex port) const override;
    NodeIndex peer(LinkIndex link) const override;
    void send(LinkIndex link, Frame frame) override { m_sim->sendFrame(m_index, link, std::move(frame)); }
    TimerId startTimer(SimTime delay, std::uint64_t tag, bool background) override
    {
        return m_sim->startTimer(m_index, delay, tag, background);
    }
    void cancelTimer(TimerId id) override { m_sim->cancelTimer(id); }
    Rng &rng() override { return m_rng; }
    void trace(TraceEvent e) override
    {
        e.node = m_index;
        // A call a client starts is a message of the run's budget too (a server's downstream
        // calls, made while serving one, are not).
        if (e.kind == TraceKind::Publish || (e.kind == TraceKind::Call && e.aux == 0)) ++m_sim->m_published;
        m_sim->emitTrace(e);
    }
    void announce(const Message &m) override
    {
        for (auto *sink : m_sim->m_sinks)
            sink->onMessage(m);
    }
    std::uint64_t newMessageId() override { return m_sim->m_nextMessageId++; }
    bool mayPublish() override { return m_sim->m_budget == 0 || m_sim->m_published < m_sim->m_budget; }
    std::uint32_t groupIndex(std::string_view groupId) override { return m_sim->groupIndex(groupId); }
    bool crashPoint(std::string_view point) override { return m_sim->reachedCrashPoint(m_index, point); }
    std::int64_t note(std::string_view text, int line, bool problem) override
    {
        return m_sim->addNote(m_index, text, line, problem);
    }

    Rng m_rng;

private:
    Simulation *m_sim;
    NodeIndex m_index;
};

struct Simulation::NodeSlot {
    std::unique_ptr<Node> node;
    std::unique_ptr<Context> context;
    std::vector<std::vector<LinkIndex>> ports; // links per port
    bool crashed = false;
    bool paused = false;
    int crashFaults = 0; // active crash faults on the node: it is down while any lasts
    int pauseFaults = 0;
    int slowFaults = 0;
    std::map<std::uint32_t, int> brokerFaults; // active broker-crash faults, by broker id
    // Active crash-at faults on the node: the fault, its crash point, the pass that crashes it,
    // and the passes seen so far in this span.
    struct ArmedPoint {
        std::size_t fault = 0;
        std::string point;
        std::int64_t occurrence = 1;
        std::int64_t passes = 0;
    };
    std::vector<ArmedPoint> armedPoints;
    double slow = 1;                  // product of the active slow faults' factors
    std::vector<ScheduledEvent> held; // events that reached the node while it was paused, in order
};

struct Simulation::LinkSlot {
    NodeIndex from = 0, to = 0;
    LinkModel model;
    Rng rng;
};

} // namespace sb
