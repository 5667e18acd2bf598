#include "link.h"

#include <algorithm>

namespace sb {

std::vector<PropertySpec> linkPropertySpecs()
{
    std::vector<PropertySpec> p;
    p.push_back(
        {"latency",
         "Latency",
         PropertyType::Distribution,
         "ms",
         "1ms",
         {},
         {},
         {},
         "One-way delay of each frame: fixed (\"2ms\"), uniform(1ms,5ms), normal(10ms,2ms) or exp(5ms).",
         {}});
    p.push_back({"loss",
                 "Loss",
                 PropertyType::Probability,
                 "",
                 0.0,
                 0.0,
                 1.0,
                 {},
                 "Probability that a frame (message, ack, confirm...) is lost.",
                 {}});
    p.push_back({"duplicate",
                 "Duplication",
                 PropertyType::Probability,
                 "",
                 0.0,
                 0.0,
                 1.0,
                 {},
                 "Probability that a frame arrives twice.",
                 {}});
    p.push_back({"ordered",
                 "Ordered (FIFO)",
                 PropertyType::Bool,
                 "",
                 true,
                 {},
                 {},
                 {},
                 "Frames in one direction arrive in the order sent, as over one TCP connection. Off lets a "
                 "random latency reorder them.",
                 {}});
    return p;
}

LinkProperties linkPropertiesFrom(const PropertyBag &bag)
{
    LinkProperties p;
    p.latency = bag.distribution("latency");
    p.loss = bag.number("loss");
    p.duplicate = bag.number("duplicate");
    p.ordered = bag.boolean("ordered");
    return p;
}

void LinkModel::addFault(LinkFault fault)
{
    if (fault.type == LinkFault::Type::Down)
        for (int d = 0; d < 2; ++d)
            m_down[d] += fault.directions[d] ? 1 : 0;
    m_faults.push_back(std::move(fault));
}

void LinkModel::removeFault(std::uint64_t id)
{
    for (auto it = m_faults.begin(); it != m_faults.end(); ++it) {
        if (it->id != id) continue;
        if (it->type == LinkFault::Type::Down)
            for (int d = 0; d < 2; ++d)
                m_down[d] -= it->directions[d] ? 1 : 0;
        m_faults.erase(it);
        return;
    }
}

LinkModel::FaultEffect LinkModel::applyFaults(int direction, const Frame &frame, Rng &rng)
{
    FaultEffect fx;
    for (auto &f : m_faults) {
        if (!f.directions[direction]) continue;
        switch (f.type) {
        case LinkFault::Type::Down:
            break;
        case LinkFault::Type::Latency:
            fx.extraDelay = addTime(fx.extraDelay, f.extra.sample(rng));
            break;
        case LinkFault::Type::Loss:
            if (rng.bernoulli(f.probability) && fx.drop == DropReason::None) fx.drop = DropReason::Loss;
            break;
        case LinkFault::Type::BurstLoss: {
            // Gilbert-Elliott: the channel moves between its states at each frame, then loses the
            // frame at its state's rate.
            bool &bad = f.bad[direction];
            bad = bad ? !rng.bernoulli(f.badToGood) : rng.bernoulli(f.goodToBad);
            if (rng.bernoulli(bad ? f.lossBad : f.lossGood) && fx.drop == DropReason::None)
                fx.drop = DropReason::Loss;
            break;
        }
        case LinkFault::Type::Duplicate:
            fx.duplicate = 1 - (1 - fx.duplicate) * (1 - f.probability);
            break;
        case LinkFault::Type::Reorder:
            fx.reorderWindow = std::max(fx.reorderWindow, f.window);
            break;
        case LinkFault::Type::Bandwidth:
            fx.bytesPerSecond =
                fx.bytesPerSecond > 0 ? std::min(fx.bytesPerSecond, f.bytesPerSecond) : f.bytesPerSecond;
            break;
        case LinkFault::Type::Corrupt:
            if (rng.bernoulli(f.probability) && fx.drop == DropReason::None) fx.drop = DropReason::Corrupt;
            break;
        case LinkFault::Type::DropFirst:
            if (f.match.matches(frame) && f.seen < f.count) {
                ++f.seen;
                if (fx.drop == DropReason::None) fx.drop = DropReason::Injected;
            }
            break;
        case LinkFault::Type::DropEvery:
            if (f.match.matches(frame) && ++f.seen % f.count == 0 && fx.drop == DropReason::None)
                fx.drop = DropReason::Injected;
            break;
        case LinkFault::Type::Match:
            if (!f.match.matches(frame)) break;
            if (f.delay)
                fx.extraDelay = addTime(fx.extraDelay, f.delayBy);
            else if (fx.drop == DropReason::None)
                fx.drop = DropReason::Injected;
            break;
        }
    }
    return fx;
}

LinkModel::Outcome LinkModel::transmit(SimTime now, int direction, const Frame &frame, Rng &rng)
{
    Outcome out;
    if (m_down[direction]) {
        out.reason = DropReason::Partition;
        return out;
    }
    FaultEffect fx;
    if (!m_faults.empty()) {
        fx = applyFaults(direction, frame, rng);
        if (fx.drop != DropReason::None) {
            out.reason = fx.drop;
            return out;
        }
    }
    if (rng.bernoulli(m_props.loss)) {
        out.reason = DropReason::Loss;
        return out;
    }
    out.copies = rng.bernoulli(m_props.duplicate) ? 2 : 1;
    if (out.copies == 1 && fx.duplicate > 0 && rng.bernoulli(fx.duplicate)) out.copies = 2;
    // A bandwidth limit: the frame waits for those queued before it, then takes size / rate to send.
    SimTime sent = now;
    if (fx.bytesPerSecond > 0) {
        const SimTime begin = std::max(now, m_busyUntil[direction]);
        const double seconds = static_cast<double>(wireBytes(frame)) / fx.bytesPerSecond;
        sent = addTime(begin, timeFromNanoseconds(seconds * 1e9));
        m_busyUntil[direction] = sent;
    }
    for (int i = 0; i < out.copies; ++i) {
        SimTime t = addTime(addTime(sent, m_props.latency.sample(rng)), fx.extraDelay);
        if (fx.reorderWindow > 0) {
            // Held back at random and free to overtake: no FIFO while reordering.
            t = addTime(t, static_cast<SimTime>(rng.below(static_cast<std::uint64_t>(fx.reorderWindow) + 1)));
        } else if (m_props.ordered) {
            t = std::max(t, m_lastArrival[direction]);
        }
        m_lastArrival[direction] = std::max(m_lastArrival[direction], t);
        out.arrival[i] = t;
    }
    return out;
}

} // namespace sb
