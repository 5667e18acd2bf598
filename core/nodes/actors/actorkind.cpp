// The actor kind's description: its ports, its property schema (defaults from Akka and Erlang/OTP)
// and its routing answer. The node itself is in actor.cpp.
#include "actornode.h"
#include "actorprotocol.h"
#include "actors.h"
#include "behaviour.h"

#include "../common.h"

namespace sb {

const char *restartTypeName(RestartType t)
{
    switch (t) {
    case RestartType::Permanent:
        return "permanent";
    case RestartType::Transient:
        return "transient";
    case RestartType::Temporary:
        return "temporary";
    }
    return "permanent";
}

RestartType restartTypeFromName(const std::string &name)
{
    if (name == "transient") return RestartType::Transient;
    if (name == "temporary") return RestartType::Temporary;
    return RestartType::Permanent;
}

namespace {

PropertySpec transitionsProperty()
{
    PropertySpec p = property("transitions", "Transitions", PropertyType::StringList,
                              Json::array({"idle: start -> running", "running: stop -> idle"}),
                              "state-machine: the table, one row \"state: message -> next state\" each (a "
                              "message is matched by its "
                              "routing key); the first row's state is the initial one. Akka's become, a "
                              "gen_statem's state functions.");
    p.check = [](const Json &rows) -> std::string {
        std::string error;
        for (std::size_t i = 0; i < rows.size(); ++i)
            if (!parseTransition(rows[i].get<std::string>(), error))
                return "entry " + std::to_string(i) + ": " + error;
        return {};
    };
    return p;
}

} // namespace

PropertySpec roomProbeProperty()
{
    return property("roomProbe", "Room probe", PropertyType::Duration, 1000,
                    "Back-pressure, as a sender: how long it holds messages for a full mailbox without a "
                    "room signal before it re-offers the first one (the signal may be lost, or the actor "
                    "may have crashed). Each refused probe doubles the wait, up to 60 s: TCP's persist "
                    "timer (RFC 9293 3.8.6.1). 0: wait for the signal alone.",
                    "ms", 0, {});
}

NodeKindSpec actorKind()
{
    NodeKindSpec k;
    k.kind = "actor";
    k.label = "Actor";
    k.category = "Actors";
    k.help =
        "An actor: a mailbox and a behaviour handling one message at a time; failures go to its supervisor.";
    k.ports = {
        {"in", PortDirection::In, Protocol::Actor, true,
         "Tells and asks from other actors and clients; answers go back on the same link.",
         PortSpec::Need::Optional},
        {"out", PortDirection::Out, Protocol::Actor, true,
         "The actors it forwards to or fans out to (forward, fan-out); a link with latency or loss is a "
         "remote "
         "actor on another node.",
         PortSpec::Need::Optional},
        {"parent", PortDirection::In, Protocol::Supervision, false,
         "Its supervisor (from the supervisor's children port): EXIT goes up, restart and shutdown come "
         "down. "
         "Unlinked, a failed actor stops for good.",
         PortSpec::Need::Optional},
        {"monitors", PortDirection::Out, Protocol::Supervision, true,
         "Actors it monitors (to their watchers port): each sends it DOWN when it stops for good.",
         PortSpec::Need::Optional},
        {"watchers", PortDirection::In, Protocol::Supervision, true,
         "Actors monitoring this one: they get DOWN when it stops for good (not when it is restarted).",
         PortSpec::Need::Optional},
    };
    using T = PropertyType;
    k.properties = {
        property(
            "system", "Actor system", T::String, "",
            "The actor system (Erlang node, Akka ActorSystem) it lives in, for display: actors on different "
            "systems talk over links with latency and loss (remoting)."),
        property(
            "behaviour", "Behaviour", T::Enum, "reply",
            "reply: answers each ask; forward: passes each message on (forwardTo); fan-out: asks every out "
            "peer "
            "and answers once all answered or askTimeout passed; counter: counts messages, answers with the "
            "count (reset on restart); state-machine: moves through the transitions table.",
            "", {}, {}, behaviourNames()),
        property("processingTime", "Processing time", T::Distribution, "1ms",
                 "How long the behaviour takes over one message (one at a time)."),
        property("mailbox", "Mailbox", T::Enum, "unbounded",
                 "unbounded (Akka's and Erlang's default) or bounded to capacity messages.", "", {}, {},
                 {"unbounded", "bounded"}),
        property("capacity", "Capacity", T::Integer, 1000,
                 "A bounded mailbox's capacity (Akka's mailbox-capacity).", "messages", 0, {}),
        property(
            "overflow", "Overflow", T::Enum, "drop-new",
            "A full bounded mailbox: drop-new (Akka's BoundedMailbox: the new message is a dead letter), "
            "drop-oldest (the head goes), backpressure (the tell is refused and the sender holds its "
            "messages "
            "for this actor until it signals room).",
            "", {}, {}, {"drop-new", "drop-oldest", "backpressure"}),
        roomProbeProperty(),
        property(
            "forwardTo", "Forward to", T::Enum, "round-robin",
            "forward: one out peer in turn (a round-robin router) or all of them (broadcast; an ask's first "
            "answer is relayed, later ones are dead letters).",
            "", {}, {}, {"round-robin", "all"}),
        property("askTimeout", "Ask timeout", T::Duration, 1000,
                 "fan-out: how long its asks wait for an answer (Akka's ask timeout); then AskTimeout "
                 "(DEADLINE_EXCEEDED) and the aggregate is answered with what came.",
                 "ms", 1, {}),
        transitionsProperty(),
        property("unhandled", "Unhandled", T::Enum, "dead-letter",
                 "state-machine: a message with no row for the current state is dropped as unhandled (Akka's "
                 "unhandled) or fails the actor (a gen_statem crashing on an unexpected event).",
                 "", {}, {}, {"dead-letter", "fail"}),
        property("failureProbability", "Failure probability", T::Probability, 0,
                 "The chance that handling a message fails the actor (an exception; Erlang's crash)."),
        property(
            "poison", "Poison message", T::String, "",
            "A routing key or message key that fails the actor every time it is handled (empty: none): the "
            "restart loop that restart intensity exists for."),
        property("stopOn", "Stop on", T::String, "",
                 "A routing key or message key after which the actor stops normally ({stop, normal, State}, "
                 "context.stop(self)); empty: never."),
        property(
            "restart", "Restart type", T::Enum, "permanent",
            "Its child spec's restart type (Erlang/OTP): permanent is always restarted, transient only after "
            "an abnormal exit, temporary never.",
            "", {}, {}, {"permanent", "transient", "temporary"}),
        property("onDown", "On DOWN", T::Enum, "message",
                 "When an actor it monitors stops for good, a DOWN message (routing key DOWN) enters its "
                 "mailbox. message: the behaviour handles it like any other (Erlang's monitor; a counter "
                 "counts it, a state machine needs a DOWN row or treats it as unhandled). fail: Akka's death "
                 "pact: a DOWN the behaviour does not match (only a state machine's DOWN row does) fails it "
                 "with DeathPactException, and its supervisor decides.",
                 "", {}, {}, {"message", "fail"}),
        property("replySize", "Reply size", T::Integer, 64, "The size of each answer.", "bytes", 0, {}),
    };
    k.check = [](const PropertyBag &p, std::vector<std::pair<std::string, std::string>> &problems) {
        if (p.string("mailbox") == "bounded" && p.integer("capacity") < 1)
            problems.push_back({"capacity", "a bounded mailbox needs a capacity of at least 1"});
        if (p.string("behaviour") == "state-machine" && p.stringList("transitions").empty())
            problems.push_back({"transitions", "a state machine needs at least one transition"});
        if (!p.string("poison").empty() && p.string("poison") == p.string("stopOn"))
            problems.push_back({"stopOn", "the poison message cannot also be the stop message"});
    };
    k.deliveryRole = DeliveryRole::Log;
    k.factory = [](const NodeSetup &s) { return makeActor(s); };
    k.explainRoute = [](const RouteQuestion &q) {
        const std::string b = q.properties.string("behaviour");
        if (b == "forward")
            return sendOnPorts(q, {"out"}, "forwarded as a tell (an ask's answer comes back this way)",
                               q.properties.string("forwardTo") == "all"
                                   ? "forward: to every out peer"
                                   : "forward: to one out peer in turn");
        if (b == "fan-out")
            return sendOnPorts(q, {"out"}, "asked: the fan-out waits for every answer",
                               "fan-out: asks every out peer and aggregates the answers", true);
        return endRoute(b == "reply"     ? "handles it and answers an ask"
                        : b == "counter" ? "counts it (and answers an ask with the count)"
                                         : "moves its state machine by the routing key");
    };
    return k;
}

} // namespace sb
