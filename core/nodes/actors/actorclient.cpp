// The actor client: a source of messages for actors, outside the supervision tree (Akka's
// ActorSystem.tell from outside, an Erlang shell). It generates messages with the shared workload
// and tells each one to the actor on its out port, or asks it (pattern "ask"): Call traced, the
// answer matched by correlation id (Complete OK), or AskTimeout after askTimeout (Complete
// DEADLINE_EXCEEDED). A mailbox pushing back holds its messages (actorlinks.h).
#include "actorlinks.h"
#include "actorprotocol.h"
#include "actors.h"

#include "../common.h"
#include "../workload.h"

namespace sb {

namespace {

std::string checkActorEntry(const Json &e)
{
    if (e.contains("routingKey") && !e["routingKey"].is_string()) return "'routingKey' must be a string";
    return {};
}

class ActorClient final : public Node {
public:
    explicit ActorClient(const NodeSetup &s)
        : m_id(s.id), m_workload(s.properties), m_routingKey(s.properties.string("routingKey")),
          m_ask(s.properties.string("pattern") == "ask"), m_askTimeout(s.properties.duration("askTimeout")),
          m_sender(s.properties.duration("roomProbe"))
    {
    }

    void start(NodeContext &ctx) override { m_workload.start(ctx); }

    void onTimer(NodeContext &ctx, std::uint64_t tag) override
    {
        if (m_asks.owns(tag)) {
            m_asks.timeout(ctx, tag);
            return;
        }
        if (m_sender.owns(tag)) {
            m_sender.onTimer(ctx, tag);
            return;
        }
        if (!m_workload.owns(tag)) return;
        m_workload.onTimer(ctx, tag, [&](const Workload::Item &item) { emit(ctx, item); });
    }

    void onFrame(NodeContext &ctx, LinkIndex link, Frame &f) override
    {
        if (f.type == FrameType::ActorTell && f.response) {
            m_sender.onSignal(ctx, link, f);
        } else if (f.type == FrameType::ActorAskReply) {
            if (!m_asks.answer(ctx, f) && f.message) {
                TraceEvent e = messageEvent(TraceKind::Drop, f.message.get());
                e.reason = DropReason::UnknownCorrelation; // answered after the ask timed out
                e.peer = ctx.peer(link);
                ctx.trace(e);
            }
        }
    }

    void onCrash(NodeContext &ctx) override
    {
        m_workload.stop();
        m_asks.clear(ctx, false);
        m_sender.clear(ctx);
    }
    void onLinkState(NodeContext &ctx, LinkIndex link, bool up) override
    {
        if (up) m_sender.onLinkUp(ctx, link); // the actor is back from a crash: re-offer at once
    }
    void onRestart(NodeContext &ctx) override { m_workload.restart(ctx); }

    NodeStatus status() const override
    {
        NodeStatus s;
        s.inFlight = m_asks.open() + m_sender.held();
        return s;
    }

private:
    void emit(NodeContext &ctx, const Workload::Item &item)
    {
        const std::uint64_t seq = m_workload.generated();
        const std::string tmpl = item.entry && item.entry->contains("routingKey")
                                     ? (*item.entry)["routingKey"].get<std::string>()
                                     : m_routingKey;
        auto m = std::make_shared<Message>();
        m->id = ctx.newMessageId();
        if (m_ask) m->correlationId = m->id;
        m->routingKey = expandTemplate(tmpl, seq, item.key, m_id, m->id);
        m->key = item.key;
        m->size = item.size;
        m->publishedAt = ctx.now();
        m->producer = ctx.self();
        m->sequence = seq;
        if (item.entry) m->headers = Workload::entryHeaders(*item.entry);
        ctx.announce(*m);
        TraceEvent e = messageEvent(TraceKind::Publish, m.get());
        e.aux = m->size;
        ctx.trace(e);
        const auto links = ctx.links(ActorClientPort::Out);
        if (links.empty()) {
            TraceEvent d = messageEvent(TraceKind::Drop, m.get());
            d.reason = DropReason::NoRoute;
            ctx.trace(d);
            return;
        }
        const LinkIndex link = links.front();
        if (m_ask) {
            m_asks.ask(ctx, m_sender, link, std::move(m), m_askTimeout, 0);
            return;
        }
        Frame f;
        f.type = FrameType::ActorTell;
        f.message = std::move(m);
        m_sender.send(ctx, link, std::move(f));
    }

    std::string m_id;
    Workload m_workload;
    std::string m_routingKey;
    bool m_ask = false;
    SimTime m_askTimeout = 0;
    ActorSender m_sender;
    AskTable m_asks;
};

} // namespace

NodeKindSpec actorClientKind()
{
    NodeKindSpec k;
    k.kind = "actor-client";
    k.label = "Actor client";
    k.category = "Actors";
    k.help = "Tells or asks an actor messages at a rate (the ask pattern: an answer or an AskTimeout).";
    k.ports = {
        {"out", PortDirection::Out, Protocol::Actor, false, "The actor it sends to (to its in port)."}};
    using T = PropertyType;
    k.properties = Workload::propertySpecs({"routingKey"}, checkActorEntry,
                                           "{\"at\": \"10ms\", \"routingKey\": \"poison\"}", 128);
    const auto script = k.properties.end() - 1;
    k.properties.insert(
        script,
        {property("routingKey", "Routing key", T::String, "job-{seq}",
                  "The message's name (what a state machine and a poison setting match): a template in "
                  "which {seq}, {key}, {node} and {id} are replaced per message."),
         property("pattern", "Pattern", T::Enum, "tell",
                  "tell: fire and forget (Akka's !); ask: a request awaiting its answer (Akka's ?, "
                  "gen_server:call), traced as a call.",
                  "", {}, {}, {"tell", "ask"}),
         property("askTimeout", "Ask timeout", T::Duration, 1000,
                  "How long an ask waits (Akka's ask timeout; gen_server:call's default is 5 s); then "
                  "AskTimeoutException: the call ends DEADLINE_EXCEEDED.",
                  "ms", 1, {}),
         roomProbeProperty()});
    k.deliveryRole = DeliveryRole::Log;
    k.factory = [](const NodeSetup &s) { return std::make_unique<ActorClient>(s); };
    k.explainRoute = [](const RouteQuestion &q) { return publishRoute(q, "routingKey", "routing key"); };
    return k;
}

std::vector<NodeTemplate> actorTemplates()
{
    std::vector<NodeTemplate> t;
    t.push_back({"erlang-supervisor", "Erlang/OTP supervisor", "Erlang/OTP", "supervisor",
                 "supervisor(3) defaults: one_for_one, intensity 1, period 5 s.",
                 Json{{"strategy", "one-for-one"}, {"maxRestarts", 1}, {"period", 5000}}});
    t.push_back({"erlang-gen-server", "Erlang gen_server", "Erlang/OTP", "actor",
                 "A gen_server answering calls; a permanent child (supervisor(3)'s default restart type).",
                 Json{{"behaviour", "reply"}, {"restart", "permanent"}}});
    t.push_back({"erlang-gen-statem", "Erlang gen_statem", "Erlang/OTP", "actor",
                 "A gen_statem: an unexpected event in a state crashes it.",
                 Json{{"behaviour", "state-machine"}, {"unhandled", "fail"}}});
    t.push_back({"akka-actor", "Akka actor", "Akka", "actor",
                 "An Akka classic actor with the default unbounded mailbox; unhandled messages are dropped.",
                 Json{{"behaviour", "reply"}, {"mailbox", "unbounded"}}});
    t.push_back({"akka-bounded-actor", "Akka actor (bounded mailbox)", "Akka", "actor",
                 "Akka's BoundedMailbox with mailbox-capacity 1000: overflow goes to dead letters.",
                 Json{{"mailbox", "bounded"}, {"capacity", 1000}, {"overflow", "drop-new"}}});
    t.push_back(
        {"akka-supervisor", "Akka supervisor", "Akka", "supervisor",
         "Akka's default supervisor strategy: restart the failed child, no limit (maxNrOfRetries -1).",
         Json{{"strategy", "one-for-one"}, {"period", 0}}});
    t.push_back({"akka-backoff-supervisor", "Akka BackoffSupervisor", "Akka", "supervisor",
                 "BackoffSupervisor.onFailure: minBackoff 3 s, maxBackoff 30 s, randomFactor 0.2, no limit.",
                 Json{{"period", 0}, {"minBackoff", 3000}, {"maxBackoff", 30000}, {"randomFactor", 0.2}}});
    t.push_back({"actor-client", "Actor client", "Akka", "actor-client",
                 "Tells an actor 10 messages a second.", Json::object()});
    return t;
}

} // namespace sb
