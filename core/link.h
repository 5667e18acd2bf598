#pragma once
// A link's network behaviour. Nodes never see it: they hand frames to the executor, which asks
// the link when (and whether, and how many times) each frame arrives. New behaviours (bandwidth,
// fault plans) extend this class without touching node code.
#include "distribution.h"
#include "schema.h"
#include "trace.h"

#include <array>
#include <cstdint>

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
    // Direction 0 is from -> to, 1 is to -> from.
    Outcome transmit(SimTime now, int direction, Rng &rng);

    bool up() const { return m_up; }
    void setUp(bool up) { m_up = up; }
    const LinkProperties &properties() const { return m_props; }
    void setProperties(const LinkProperties &p) { m_props = p; }

private:
    LinkProperties m_props;
    bool m_up = true;
    std::array<SimTime, 2> m_lastArrival{};
};

} // namespace sb
