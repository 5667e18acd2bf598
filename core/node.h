#pragma once
// Node logic is written against NodeContext only, never against an executor: the virtual-time
// Simulation implements it today, and a real-time multi-threaded executor can implement it later
// without touching node code. A node owns its state; it sees other nodes only through frames.
#include "message.h"
#include "random.h"
#include "schema.h"
#include "trace.h"

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace sb {

using TimerId = std::uint64_t;
inline constexpr TimerId kNoTimer = 0;

// A line of text a node reports for people to read, beside the fixed-size trace: a scripted
// node's log line (ctx:trace) or the error that took it out of the run (core/nodes/script/).
// The GUI shows a node's problems in its properties and on the canvas.
struct NodeNote {
    SimTime time = 0;
    NodeIndex node = kNoIndex;
    int line = 0;         // the source line it is about (0: none)
    bool problem = false; // an error that took the node out of the run, not a log line
    std::string text;
};

class NodeContext {
public:
    virtual ~NodeContext() = default;
    virtual SimTime now() const = 0;
    virtual NodeIndex self() const = 0;
    // Links attached to one of this node's ports, in topology order.
    virtual std::span<const LinkIndex> links(PortIndex port) const = 0;
    // The node at the other end of a link attached to this node.
    virtual NodeIndex peer(LinkIndex link) const = 0;
    // Sends a frame over a link attached to this node (in whichever direction leads away from it).
    // The link may delay, lose or duplicate it; that is traced by the executor.
    virtual void send(LinkIndex link, Frame frame) = 0;
    // Background timers do not keep a run alive on their own (an idle poll loop, say).
    virtual TimerId startTimer(SimTime delay, std::uint64_t tag, bool background = false) = 0;
    virtual void cancelTimer(TimerId id) = 0;
    virtual Rng &rng() = 0;
    // Records a trace event; the executor fills in time, wall time and node.
    virtual void trace(TraceEvent e) = 0;
    // Hands a new message's contents to the trace sinks that keep them; call before its Publish.
    virtual void announce(const Message &m) {}
    // A fresh message id, unique within the run.
    virtual std::uint64_t newMessageId() = 0;
    // False once the run's message budget is spent: producers stop producing.
    virtual bool mayPublish() = 0;
    // The run-wide index of a consumer group's id, for TraceEvent::group (Simulation::groupNames()).
    virtual std::uint32_t groupIndex(std::string_view groupId) { return kNoIndex; }
    // The node reached its named crash point `point` (one of its kind's NodeKindSpec::crashPoints).
    // True when a "crash-at" fault crashed it right here: the executor has already called onCrash,
    // so the node must return at once without touching its state; what it had not done is lost.
    virtual bool crashPoint(std::string_view point) { return false; }
    // Reports a line of text (NodeNote; the executor fills in time and node). Returns its index
    // in the run's list (Simulation::notes()), or -1 when the executor keeps none.
    virtual std::int64_t note(std::string_view text, int line, bool problem) { return -1; }
};

// One of an exchange's bindings: the link to its destination, its key, and (headers exchange) its
// arguments. An SNS topic gets one for each of its output links: key = the id of the node at its
// other end, arguments = the subscription's attributes (core/nodes/sns/sns.h).
struct BindingSetup {
    LinkIndex link = kNoIndex;
    std::string key;
    Json arguments = Json::object();
};

// What a factory receives to build a node.
struct NodeSetup {
    std::string id;
    NodeIndex index = kNoIndex;
    PropertyBag properties;
    // Exchange bindings, in file order.
    std::vector<BindingSetup> bindings;
};

// Live gauges a node reports on request (badges, summaries, end-of-run accounting).
struct NodeStatus {
    std::uint64_t ready = 0;    // messages waiting (queue) or buffered (consumer)
    std::uint64_t unacked = 0;  // delivered, not yet acked (queue) / being processed (consumer)
    std::uint64_t inFlight = 0; // producer: published, not yet confirmed
    bool crashed = false;
};

class Node {
public:
    virtual ~Node() = default;
    virtual void start(NodeContext &ctx) {}
    // The frame is the node's to keep: it may move the message out of it.
    virtual void onFrame(NodeContext &ctx, LinkIndex from, Frame &frame) = 0;
    virtual void onTimer(NodeContext &ctx, std::uint64_t tag) {}
    // A link attached to this node went down (partition) or came back up.
    virtual void onLinkState(NodeContext &ctx, LinkIndex link, bool up) {}
    // Crash: lose all volatile state (traced by the executor); what the node stands for as
    // written to disk survives. Restart: start over from what survived.
    virtual void onCrash(NodeContext &ctx) {}
    virtual void onRestart(NodeContext &ctx) { start(ctx); }
    // The crash took the node's disk too (a crash fault with disk "lost"), after onCrash: what it
    // kept as durable (a durable queue's persistent messages, a table of processed ids) is gone.
    virtual void onDiskLost(NodeContext &ctx) {}
    // One broker of the cluster this node stands for (a Kafka topic's brokers, ids 1..) crashed
    // (up = false) or restarted (up = true): a "broker-crash" fault. Nodes without brokers never
    // get one (validation refuses the fault).
    virtual void onBrokerState(NodeContext &ctx, std::uint32_t broker, bool up) {}
    virtual NodeStatus status() const { return {}; }
    // Work this node will do although no event is pending for it (a queue holding messages for a
    // consumer that polls): keeps a run from ending as quiescent while only idle timers remain.
    virtual bool hasPendingWork() const { return false; }
};

} // namespace sb
