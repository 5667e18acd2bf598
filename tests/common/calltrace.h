#pragma once
// A synthetic trace of calls (core/nodes/rpc/callprotocol.h), written by hand so the diagram tests
// do not depend on the client and server logic: a client calls a server that calls a database
// downstream; the first reply is lost, the client times out, retries and hedges, the server
// executes the call twice, the hedge's reply comes late; a server-streaming call with a duplicated
// item; a breaker change and a blocked sender.
#include "message.h"
#include "trace.h"

#include <QStringList>

#include <vector>

namespace sbtest {

struct CallTrace {
    std::vector<sb::TraceEvent> events;
    std::vector<sb::Message> messages; // announced before the events (onMessage)
    QStringList nodeIds{QStringLiteral("client"), QStringLiteral("server"), QStringLiteral("db")};
    QStringList nodeKinds{QStringLiteral("rpc-client"), QStringLiteral("rpc-server"),
                          QStringLiteral("rpc-server")};
    QStringList linkIds{QStringLiteral("calls"), QStringLiteral("downstream")};
    std::vector<std::string> nodes() const { return {"client", "server", "db"}; }
    std::vector<std::string> links() const { return {"calls", "downstream"}; }
};

// Call ids: 7 (the client's, made of attempts 1, 2 and hedge 3), 8 (the server's downstream call
// for 7), 9 (a server-streaming call). Nodes: 0 client, 1 server, 2 db. Links: 0 client-server,
// 1 server-db.
inline CallTrace callTrace()
{
    using namespace sb;
    constexpr NodeIndex client = 0, server = 1, db = 2;
    constexpr SimTime ms = kMillisecond;
    CallTrace t;
    const auto message = [&t](std::uint64_t id, std::uint64_t call, const char *method) {
        Message m;
        m.id = id;
        m.correlationId = call;
        m.routingKey = method;
        t.messages.push_back(m);
    };
    message(100, 7, "orders.Orders/Get");
    message(101, 8, "db.Db/Read");
    message(110, 9, "feed.Feed/Watch");
    const auto event = [&t](SimTime time, TraceKind kind, NodeIndex node, std::uint64_t call,
                            std::uint64_t msg = 0) -> TraceEvent & {
        TraceEvent e;
        e.time = time;
        e.local = time;
        e.kind = kind;
        e.node = node;
        e.correlationId = call;
        e.messageId = msg;
        t.events.push_back(e);
        return t.events.back();
    };
    const auto frame = [&](SimTime time, FrameType type, NodeIndex from, NodeIndex to, LinkIndex link,
                           std::uint64_t call, std::uint64_t msg, std::uint32_t attempt,
                           std::uint16_t status = kNoStatus) -> TraceEvent & {
        TraceEvent &e = event(time, TraceKind::Send, from, call, msg);
        e.peer = to;
        e.link = link;
        e.frame = type;
        e.deliveryCount = attempt;
        e.status = status;
        e.aux = time + ms;
        return e;
    };
    // Call 7: attempt 1 reaches the server, which calls the database (call 8) and answers
    // UNAVAILABLE; that reply is lost on the link.
    event(0, TraceKind::Call, client, 7, 100);
    frame(0, FrameType::Request, client, server, 0, 7, 100, 1);
    event(1 * ms, TraceKind::Accept, server, 7, 100).aux = 1;
    event(1 * ms, TraceKind::Execute, server, 7, 100).deliveryCount = 1;
    event(1 * ms, TraceKind::Call, server, 8, 101).aux = 7;
    frame(1 * ms, FrameType::Request, server, db, 1, 8, 101, 1);
    event(2 * ms, TraceKind::Execute, db, 8, 101).deliveryCount = 1;
    frame(2 * ms, FrameType::Reply, db, server, 1, 8, 102, 1, 0);
    TraceEvent &complete8 = event(3 * ms, TraceKind::Complete, server, 8, 101);
    complete8.status = 0;
    complete8.aux = 2 * ms;
    complete8.deliveryCount = 1;
    TraceEvent &lost = event(3 * ms, TraceKind::Drop, server, 7, 103);
    lost.peer = client;
    lost.link = 0;
    lost.frame = FrameType::Reply;
    lost.reason = DropReason::Loss;
    lost.status = 14; // UNAVAILABLE
    lost.deliveryCount = 1;
    // The client gives up on attempt 1, retries (attempt 2) and hedges (attempt 3).
    event(10 * ms, TraceKind::Timeout, client, 7, 100).deliveryCount = 1;
    TraceEvent &cancel1 = event(10 * ms, TraceKind::Cancel, client, 7, 100);
    cancel1.deliveryCount = 1;
    cancel1.reason = DropReason::DeadlineExceeded;
    frame(12 * ms, FrameType::Request, client, server, 0, 7, 100, 2);
    event(13 * ms, TraceKind::Accept, server, 7, 100).deliveryCount = 2;
    event(13 * ms, TraceKind::Execute, server, 7, 100).deliveryCount = 2;
    event(14 * ms, TraceKind::Hedge, client, 7, 100).deliveryCount = 3;
    frame(14 * ms, FrameType::Request, client, server, 0, 7, 100, 3);
    frame(15 * ms, FrameType::Reply, server, client, 0, 7, 104, 2, 0);
    TraceEvent &complete7 = event(16 * ms, TraceKind::Complete, client, 7, 100);
    complete7.status = 0;
    complete7.aux = 16 * ms;
    complete7.deliveryCount = 3;
    frame(16 * ms, FrameType::Cancel, client, server, 0, 7, 100, 3);
    TraceEvent &cancel3 = event(17 * ms, TraceKind::Cancel, server, 7, 100);
    cancel3.deliveryCount = 3;
    cancel3.reason = DropReason::Cancelled;
    frame(20 * ms, FrameType::Reply, server, client, 0, 7, 105, 3, 0);
    TraceEvent &late = event(21 * ms, TraceKind::Drop, client, 7, 105);
    late.reason = DropReason::UnknownCorrelation;
    late.deliveryCount = 3;
    event(22 * ms, TraceKind::Breaker, client, 0).aux = 1;
    // Call 9: server streaming, three items (the second duplicated by the link), a window update,
    // the client's half-close and the trailers.
    event(30 * ms, TraceKind::Call, client, 9, 110);
    frame(30 * ms, FrameType::Request, client, server, 0, 9, 110, 1);
    frame(30 * ms, FrameType::HalfClose, client, server, 0, 9, 0, 1);
    event(31 * ms, TraceKind::Execute, server, 9, 110).deliveryCount = 1;
    frame(31 * ms, FrameType::StreamData, server, client, 0, 9, 111, 1);
    frame(32 * ms, FrameType::StreamData, server, client, 0, 9, 112, 1);
    frame(32 * ms, FrameType::StreamData, server, client, 0, 9, 112, 1).aux = 34 * ms;
    frame(33 * ms, FrameType::WindowUpdate, client, server, 0, 9, 0, 1);
    frame(33 * ms, FrameType::StreamData, server, client, 0, 9, 113, 1);
    frame(35 * ms, FrameType::Reply, server, client, 0, 9, 114, 1, 0);
    TraceEvent &complete9 = event(36 * ms, TraceKind::Complete, client, 9, 110);
    complete9.status = 0;
    complete9.aux = 6 * ms;
    complete9.deliveryCount = 1;
    // The server is blocked handing over a message for 5 ms.
    event(40 * ms, TraceKind::Block, server, 0, 120);
    event(45 * ms, TraceKind::Unblock, server, 0, 120).aux = 5 * ms;
    return t;
}

} // namespace sbtest
