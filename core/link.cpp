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

LinkModel::Outcome LinkModel::transmit(SimTime now, int direction, Rng &rng)
{
    Outcome out;
    if (!m_up) {
        out.reason = DropReason::Partition;
        return out;
    }
    if (rng.bernoulli(m_props.loss)) {
        out.reason = DropReason::Loss;
        return out;
    }
    out.copies = rng.bernoulli(m_props.duplicate) ? 2 : 1;
    for (int i = 0; i < out.copies; ++i) {
        SimTime t = addTime(now, m_props.latency.sample(rng));
        if (m_props.ordered) t = std::max(t, m_lastArrival[direction]);
        m_lastArrival[direction] = std::max(m_lastArrival[direction], t);
        out.arrival[i] = t;
    }
    return out;
}

} // namespace sb
