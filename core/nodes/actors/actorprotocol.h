#pragma once
// What actors, supervisors and actor clients say to each other.
//
// Actor links (Protocol::Actor; a sender's `out` port to a receiver's `in` port; frames go both
// ways, so replies come back on the link the request took):
//   ActorTell      a one-way message (Akka's tell `!`, Erlang's `!`): Frame::message. `count` = how
//                  many more messages the sender still holds for this link (back-pressure, below).
//   ActorAsk       a request (Akka's ask `?`, gen_server:call): message.correlationId = tag = the
//                  call's id, `deadline` = when the asker stops waiting (its ask timeout).
//   ActorAskReply  the answer (response set, tag = the call id, status gRPC OK): matched to the
//                  asker's call by that id; a reply for no open call is a late reply.
//   ActorTell with `response` set: back-pressure signals from a bounded mailbox whose overflow is
//                  "backpressure". status RESOURCE_EXHAUSTED: "mailbox full, hold it" (the refused
//                  message travels back in `message`); status OK: "room again, send one".
//
// Supervision links (Protocol::Supervision; reliable and local by default, ordinary links):
//   ActorExit      child -> supervisor over the child's `parent` port: the child stopped (Erlang's
//                  'EXIT' signal, Akka's Failed). Body ActorExitSignal: normal or abnormal, and the
//                  child's restart type (its child spec travels with it: the supervisor never reads
//                  the child's properties).
//   ActorRestart   supervisor -> child: start again (fresh state; the mailbox survives). Body
//                  ActorRestartOrder: whether it is the child's own failure or a sibling's (one-for-all,
//                  rest-for-one), for a temporary child is then stopped, not restarted (OTP).
//   ActorShutdown  supervisor -> child: stop for good (Erlang's shutdown exit; Akka's Stop directive).
//   ActorDown      monitored -> monitor (over the monitored actor's `watchers` port): it stopped for
//                  good (Erlang's {'DOWN', Ref, process, Pid, Reason}, Akka's Terminated). Sent by the
//                  runtime on the dying actor's behalf, modelled as its own node.
#include "../../message.h"

#include <string>

namespace sb {

namespace ActorPort {
inline constexpr PortIndex In = 0, Out = 1, Parent = 2, Monitors = 3, Watchers = 4;
}
namespace SupervisorPort {
inline constexpr PortIndex Children = 0, Parent = 1, Watchers = 2;
}
namespace ActorClientPort {
inline constexpr PortIndex Out = 0;
}

// OTP child spec restart types (supervisor(3), "restart"): permanent is always restarted,
// transient only after an abnormal exit, temporary never.
enum class RestartType : std::uint8_t { Permanent, Transient, Temporary };
const char *restartTypeName(RestartType t);
RestartType restartTypeFromName(const std::string &name);

struct ActorExitSignal final : FrameBody {
    bool abnormal = true;
    RestartType restart = RestartType::Permanent;
    std::string reason; // "failure", "poison", "normal", "shutdown", "reached_max_restart_intensity"
};

struct ActorRestartOrder final : FrameBody {
    bool sibling = false; // restarted because a sibling failed (one-for-all, rest-for-one)
};

struct ActorDownSignal final : FrameBody {
    std::string reason;
};

} // namespace sb
