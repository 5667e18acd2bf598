#pragma once
// A link's network behaviour. Nodes never see it: they hand frames to the executor, which asks
// the link when (and whether, and how many times) each frame arrives. New behaviours (bandwidth,
// fault plans) extend this class without touching node code.
#include "distribution.h"
#include "faults/linkfaults.h"
#include "schema.h"
#include "trace.h"

#include <array>
#include <cstdint>
#include <vector>

namespace sb {

struct LinkProperties {
    Distribution latency = Distribution::fixed(kMillisecond);
    double loss = 0;      // probability a frame is lost
    double duplicate = 0; // probability a frame arrives twice
    bool ordered = true;  // FIFO per direction, as over one TCP connection
};

LinkProperties linkPropertiesFrom(const PropertyBag &bag);
std::vector<PropertySpec> linkPropertySpecs();

class LinkModel {
public:
    LinkModel() = default;
    explicit LinkModel(const LinkProperties &p) : m_props(p) {}

    struct Outcome {
        int copies = 0; // 0: lost, 1: delivered, 2: duplicated
        std::array<SimTime, 2> arrival{};
        DropReason reason = DropReason::None;
    };
    // Direction 0 is from -> to, 1 is to -> from. Without active faults only the link's own
    // properties decide, with the same random draws as ever.
    Outcome transmit(SimTime now, int direction, const Frame &frame, Rng &rng);

    // Up in both directions.
    bool up() const { return m_down[0] == 0 && m_down[1] == 0; }
    bool up(int direction) const { return m_down[direction] == 0; }
    const LinkProperties &properties() const { return m_props; }
    void setProperties(const LinkProperties &p) { m_props = p; }

    // Faults active on the link. A Down fault takes the directions it names down until removed;
    // several may overlap (a partition and a person's "link down"): the link is up again when the
    // last one goes.
    void addFault(LinkFault fault);
    void removeFault(std::uint64_t id);
    bool hasFaults() const { return !m_faults.empty(); }
    const std::vector<LinkFault> &faults() const { return m_faults; }

private:
    // A frame's fate under the active faults: dropped (a reason), else extra delay and flags.
    struct FaultEffect {
        DropReason drop = DropReason::None;
        SimTime extraDelay = 0;
        double duplicate = 0;
        SimTime reorderWindow = 0;
        double bytesPerSecond = 0;
    };
    FaultEffect applyFaults(int direction, const Frame &frame, Rng &rng);

    LinkProperties m_props;
    std::array<int, 2> m_down{0, 0};
    std::vector<LinkFault> m_faults;
    std::array<SimTime, 2> m_lastArrival{};
    std::array<SimTime, 2> m_busyUntil{}; // bandwidth: when the last queued frame is sent
};

} // namespace sb
