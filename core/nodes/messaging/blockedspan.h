#pragma once
// A sender's blocked span, traced the same way by every kind that sends through a window (a
// producer waiting for publisher confirms, an RPC client at its limit of outstanding calls): Block
// at the first instant the sender has a message ready and cannot hand it over, Unblock (aux = the
// nanoseconds it was blocked) at the instant it hands that message over. Both carry the ids of the
// message that waited, so the sequence diagram can draw the span on the sender's lifeline. A crash
// ends a span without an Unblock (the crash itself is on the lifeline), as does the end of a run.
#include "../../node.h"

namespace sb {

class BlockedSpan {
public:
    // Opens a span unless one is open.
    void block(NodeContext &ctx, std::uint64_t messageId, std::uint64_t correlationId)
    {
        if (m_blocked) return;
        m_blocked = true;
        m_since = ctx.now();
        ctx.trace(event(TraceKind::Block, messageId, correlationId, 0));
    }
    // Closes the open span, if any.
    void unblock(NodeContext &ctx, std::uint64_t messageId, std::uint64_t correlationId)
    {
        if (!m_blocked) return;
        m_blocked = false;
        ctx.trace(event(TraceKind::Unblock, messageId, correlationId, ctx.now() - m_since));
    }
    // Forgets an open span without tracing (the sender crashed).
    void reset() { m_blocked = false; }
    bool blocked() const { return m_blocked; }

private:
    static TraceEvent event(TraceKind kind, std::uint64_t messageId, std::uint64_t correlationId,
                            std::int64_t aux)
    {
        TraceEvent e;
        e.kind = kind;
        e.messageId = messageId;
        e.correlationId = correlationId;
        e.aux = aux;
        return e;
    }

    bool m_blocked = false;
    SimTime m_since = 0;
};

} // namespace sb
