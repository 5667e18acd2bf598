#pragma once
// Small helpers shared by the built-in kinds.
#include "../node.h"
#include "../schema.h"
#include "routeanswers.h"

#include <optional>
#include <string>
#include <vector>

namespace sb {

inline PropertySpec property(std::string key, std::string label, PropertyType type, Json def,
                             std::string help, std::string unit = {}, std::optional<double> min = {},
                             std::optional<double> max = {}, std::vector<std::string> choices = {})
{
    PropertySpec p;
    p.key = std::move(key);
    p.label = std::move(label);
    p.type = type;
    p.defaultValue = std::move(def);
    p.help = std::move(help);
    p.unit = std::move(unit);
    p.min = min;
    p.max = max;
    p.choices = std::move(choices);
    return p;
}

inline TraceEvent messageEvent(TraceKind kind, const Message *m)
{
    TraceEvent e;
    e.kind = kind;
    if (m) {
        e.messageId = m->id;
        e.correlationId = m->correlationId;
    }
    return e;
}

// Sends on the first link of a port; traces a NoRoute drop when the port is not connected.
inline bool sendOnPort(NodeContext &ctx, PortIndex port, Frame frame)
{
    auto links = ctx.links(port);
    if (links.empty()) {
        TraceEvent e = messageEvent(TraceKind::Drop, frame.message.get());
        e.reason = DropReason::NoRoute;
        ctx.trace(e);
        return false;
    }
    ctx.send(links.front(), std::move(frame));
    return true;
}

// Answers a publish received on `upstream` with publisher tag `tag`: a confirm (basic.ack), or a
// nack when a destination refused it. Exchanges and filters pass confirms back this way.
inline void sendConfirm(NodeContext &ctx, LinkIndex upstream, std::uint64_t tag, const MessageRef &m,
                        bool nack)
{
    Frame c;
    c.type = nack ? FrameType::PublishNack : FrameType::Confirm;
    c.tag = tag;
    c.message = m;
    ctx.send(upstream, std::move(c));
}

} // namespace sb
