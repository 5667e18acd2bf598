// The actor: a mailbox and a behaviour that handles one message at a time (Akka's "an actor
// processes one message at a time", an Erlang process's receive loop).
//
// Mailbox: unbounded (Akka's and Erlang's default) or bounded to `capacity` with an overflow
// strategy: drop-new (Akka's BoundedMailbox: the new message goes to dead letters), drop-oldest (the
// head is dropped to make room) or backpressure (the tell is refused and the sender holds it until
// the mailbox signals room: actorlinks.h). Each message takes `processingTime`.
//
// Failure: a message fails the behaviour with `failureProbability`, or always when its routing key
// or key is the `poison` one. The actor then traces ActorFail, drops the failing message (Akka:
// "the message that caused the failure is not processed again"), suspends (its mailbox keeps
// filling) and signals EXIT to its supervisor, carrying its restart type; the supervisor answers
// with ActorRestart (state reset, mailbox kept) or ActorShutdown (stopped for good). With no
// supervisor linked it stops for good. A stopped actor's mailbox and every later message become dead
// letters (Drop, reason ActorStopped); its watchers get DOWN.
#include "actorlinks.h"
#include "actornode.h"
#include "actorprotocol.h"
#include "behaviour.h"

#include "../../callstatus.h"
#include "../common.h"

#include <algorithm>
#include <deque>
#include <map>

namespace sb {

namespace {

enum class Overflow { DropNew, DropOldest, Backpressure };

class Actor final : public Node {
public:
    explicit Actor(const NodeSetup &s)
        : m_behaviour(behaviourFromName(s.properties.string("behaviour"))),
          m_table(s.properties.stringList("transitions")), m_sender(s.properties.duration("roomProbe"))
    {
        const auto &p = s.properties;
        m_processing = p.distribution("processingTime");
        m_bounded = p.string("mailbox") == "bounded";
        m_capacity = static_cast<std::size_t>(p.integer("capacity"));
        const std::string overflow = p.string("overflow");
        m_overflow = overflow == "drop-oldest"    ? Overflow::DropOldest
                     : overflow == "backpressure" ? Overflow::Backpressure
                                                  : Overflow::DropNew;
        m_forwardAll = p.string("forwardTo") == "all";
        m_askTimeout = p.duration("askTimeout");
        m_unhandledFails = p.string("unhandled") == "fail";
        m_failure = p.number("failureProbability");
        m_poison = p.string("poison");
        m_stopOn = p.string("stopOn");
        m_restart = restartTypeFromName(p.string("restart"));
        m_replySize = static_cast<std::uint32_t>(p.integer("replySize"));
        m_deathPact = p.string("onDown") == "fail";
    }

    void start(NodeContext &) override
    {
        m_state = State::Running;
        resetBehaviour();
    }

    void onFrame(NodeContext &ctx, LinkIndex link, Frame &f) override
    {
        switch (f.type) {
        case FrameType::ActorRestart:
            if (onPort(ctx, ActorPort::Parent, link)) restartOrdered(ctx, f);
            return;
        case FrameType::ActorShutdown:
            if (onPort(ctx, ActorPort::Parent, link)) stopForGood(ctx, "shutdown");
            return;
        case FrameType::ActorDown:
            if (onPort(ctx, ActorPort::Monitors, link)) down(ctx, link, f);
            return;
        case FrameType::ActorAskReply:
            onReply(ctx, link, f);
            return;
        case FrameType::ActorTell:
            if (f.response)
                m_sender.onSignal(ctx, link, f);
            else
                receive(ctx, link, f);
            return;
        case FrameType::ActorAsk:
            receive(ctx, link, f);
            return;
        default:
            return;
        }
    }

    void onTimer(NodeContext &ctx, std::uint64_t tag) override
    {
        if (m_asks.owns(tag)) {
            if (auto o = m_asks.timeout(ctx, tag)) answered(ctx, *o);
            return;
        }
        if (m_sender.owns(tag)) {
            m_sender.onTimer(ctx, tag);
            return;
        }
        if (tag == m_generation && m_busy) finish(ctx);
    }

    void onLinkState(NodeContext &ctx, LinkIndex link, bool up) override
    {
        if (up) m_sender.onLinkUp(ctx, link); // a receiver back from a crash forgot who waits
    }

    void onCrash(NodeContext &ctx) override
    {
        // The node itself crashed (a fault, not a supervised failure): everything volatile is gone.
        m_mailbox.clear();
        m_waiting.clear();
        m_busy = false;
        m_pendingRestart = false;
        m_sender.clear(ctx);
        m_relays.clear();
        m_aggregates.clear();
    }
    void onRestart(NodeContext &ctx) override
    {
        m_asks = AskTable();
        start(ctx);
    }

    NodeStatus status() const override
    {
        NodeStatus s;
        s.ready = m_mailbox.size();
        s.unacked = m_busy ? 1 : 0;
        s.inFlight = m_asks.open() + m_sender.held();
        return s;
    }

private:
    enum class State { Running, Suspended, Stopped };
    struct Envelope {
        MessageRef message;
        bool ask = false;
        std::uint64_t call = 0;
        LinkIndex from = kNoIndex;
        NodeIndex sender = kNoIndex;
        bool down = false; // a DOWN from a monitored actor (its sender: the dead actor)
    };
    struct Aggregate {
        Envelope origin;
        std::uint32_t asked = 0, answered = 0, pending = 0;
    };

    void resetBehaviour()
    {
        m_count = 0;
        m_fsmState = m_table.initial();
        m_aggregates.clear();
    }

    void trace(NodeContext &ctx, TraceKind kind, const MessageRef &m, NodeIndex peer, DropReason reason = {})
    {
        TraceEvent e = messageEvent(kind, m.get());
        e.peer = peer;
        e.reason = reason;
        ctx.trace(e);
    }

    void receive(NodeContext &ctx, LinkIndex link, Frame &f)
    {
        if (!f.message) return;
        const NodeIndex sender = ctx.peer(link);
        if (m_state == State::Stopped) {
            trace(ctx, TraceKind::Drop, f.message, sender, DropReason::ActorStopped); // a dead letter
            if (f.count > 0) sendRoom(ctx, link); // let a held-back sender flush the rest
            return;
        }
        if (m_bounded && m_mailbox.size() >= m_capacity) {
            switch (m_overflow) {
            case Overflow::DropNew:
                trace(ctx, TraceKind::Drop, f.message, sender, DropReason::MailboxFull);
                return;
            case Overflow::DropOldest:
                trace(ctx, TraceKind::Drop, m_mailbox.front().message, m_mailbox.front().sender,
                      DropReason::MailboxFull);
                m_mailbox.pop_front();
                break;
            case Overflow::Backpressure: {
                Frame r;
                r.type = FrameType::ActorTell;
                r.response = true;
                r.status = Grpc::ResourceExhausted;
                r.message = f.message;
                auto body = std::make_shared<ActorRefusal>();
                body->type = f.type;
                body->tag = f.tag;
                body->deadline = f.deadline;
                r.body = std::move(body);
                ctx.send(link, std::move(r));
                wait(link);
                return;
            }
            }
        }
        if (f.count > 0) wait(link); // the sender holds more for us
        Envelope env;
        env.message = std::move(f.message);
        env.ask = f.type == FrameType::ActorAsk;
        env.call = env.ask ? f.tag : 0;
        env.from = link;
        env.sender = sender;
        m_mailbox.push_back(std::move(env));
        traceEnqueue(ctx, sender);
        grantRoom(ctx);
        startNext(ctx);
    }

    void wait(LinkIndex link)
    {
        for (LinkIndex l : m_waiting)
            if (l == link) return;
        m_waiting.push_back(link);
    }

    // Back-pressure: a sender waiting for room gets "send one" when there is room; `all`: every
    // waiting sender, up to the free slots (a restart: the restarted actor re-grants room, as a
    // waiting sender may have lost its signal meanwhile).
    void grantRoom(NodeContext &ctx, bool all = false)
    {
        std::size_t free = m_bounded ? (m_mailbox.size() < m_capacity ? m_capacity - m_mailbox.size() : 0)
                                     : m_waiting.size();
        if (!all) free = std::min<std::size_t>(free, 1);
        while (free-- > 0 && !m_waiting.empty()) {
            const LinkIndex link = m_waiting.front();
            m_waiting.pop_front();
            sendRoom(ctx, link);
        }
    }

    void sendRoom(NodeContext &ctx, LinkIndex link)
    {
        Frame r;
        r.type = FrameType::ActorTell;
        r.response = true;
        r.status = Grpc::Ok;
        ctx.send(link, std::move(r));
    }

    void startNext(NodeContext &ctx)
    {
        if (m_busy || m_state != State::Running || m_mailbox.empty()) return;
        m_current = std::move(m_mailbox.front());
        m_mailbox.pop_front();
        m_busy = true;
        m_started = ctx.now();
        if (m_current.ask && m_behaviour != Behaviour::Forward) {
            TraceEvent e = messageEvent(TraceKind::Execute, m_current.message.get());
            e.peer = m_current.sender;
            e.aux = static_cast<std::int64_t>(m_mailbox.size());
            ctx.trace(e);
        }
        ctx.startTimer(m_processing.sample(ctx.rng()), ++m_generation);
        grantRoom(ctx);
    }

    void finish(NodeContext &ctx)
    {
        m_busy = false;
        Envelope env = std::move(m_current);
        const Message &m = *env.message;
        const bool poison = !m_poison.empty() && (m.routingKey == m_poison || m.key == m_poison);
        const bool failed = ctx.rng().bernoulli(m_failure);
        if (poison || failed) {
            fail(ctx, env, poison ? "poison" : "failure");
            return;
        }
        const bool unmatched =
            m_behaviour == Behaviour::StateMachine && !m_table.next(m_fsmState, m.routingKey);
        if (env.down && m_deathPact && (unmatched || m_behaviour != Behaviour::StateMachine)) {
            // Akka: a Terminated the behaviour does not handle throws DeathPactException.
            fail(ctx, env, "death pact");
            return;
        }
        if (unmatched) {
            // Unhandled in this state: Akka's unhandled() (or gen_statem's crash on an unexpected event).
            if (m_unhandledFails) {
                fail(ctx, env, "unhandled");
                return;
            }
            trace(ctx, TraceKind::Drop, env.message, env.sender, DropReason::Rejected);
        } else {
            TraceEvent e = messageEvent(TraceKind::Process, &m);
            e.peer = env.sender;
            e.aux = ctx.now() - m.publishedAt;
            e.offset = ctx.now() - m_started; // the processing time
            ctx.trace(e);
            behave(ctx, env);
        }
        if (!m_stopOn.empty() && (m.routingKey == m_stopOn || m.key == m_stopOn)) {
            exit(ctx, false, "normal"); // {stop, normal, State} / context.stop(self)
            return;
        }
        if (m_pendingRestart) {
            restart(ctx);
            return;
        }
        startNext(ctx);
    }

    void behave(NodeContext &ctx, const Envelope &env)
    {
        switch (m_behaviour) {
        case Behaviour::Reply:
            if (env.ask) reply(ctx, env, {});
            return;
        case Behaviour::Counter:
            ++m_count;
            if (env.ask) reply(ctx, env, {numberField("count", static_cast<double>(m_count))});
            return;
        case Behaviour::StateMachine:
            m_fsmState = *m_table.next(m_fsmState, env.message->routingKey);
            if (env.ask) reply(ctx, env, {textField("state", m_fsmState)});
            return;
        case Behaviour::Forward:
            forward(ctx, env);
            return;
        case Behaviour::FanOut:
            fanOut(ctx, env);
            return;
        }
    }

    static Field numberField(std::string name, double v)
    {
        Field f;
        f.name = std::move(name);
        f.text = numberText(v);
        f.number = v;
        f.numeric = true;
        return f;
    }
    static Field textField(std::string name, std::string v)
    {
        Field f;
        f.name = std::move(name);
        f.text = std::move(v);
        return f;
    }

    void reply(NodeContext &ctx, const Envelope &env, std::vector<Field> fields)
    {
        auto m = std::make_shared<Message>();
        m->id = ctx.newMessageId();
        m->correlationId = env.call;
        m->routingKey = env.message->routingKey;
        m->key = env.message->key;
        m->size = m_replySize;
        m->publishedAt = ctx.now();
        m->producer = ctx.self();
        m->fields = std::move(fields);
        ctx.announce(*m);
        Frame r;
        r.type = FrameType::ActorAskReply;
        r.response = true;
        r.tag = env.call;
        r.status = Grpc::Ok;
        r.message = std::move(m);
        ctx.send(env.from, std::move(r));
    }

    void forward(NodeContext &ctx, const Envelope &env)
    {
        const auto outs = ctx.links(ActorPort::Out);
        if (outs.empty()) {
            trace(ctx, TraceKind::Drop, env.message, env.sender, DropReason::NoRoute);
            return;
        }
        std::vector<LinkIndex> targets;
        if (m_forwardAll)
            targets.assign(outs.begin(), outs.end());
        else
            targets.push_back(outs[m_cursor++ % outs.size()]);
        if (env.ask) m_relays[env.call] = env.from; // the answer goes back the way the ask came
        for (LinkIndex l : targets) {
            trace(ctx, TraceKind::Route, env.message, ctx.peer(l));
            Frame f;
            f.type = env.ask ? FrameType::ActorAsk : FrameType::ActorTell;
            f.tag = env.call;
            f.message = env.message;
            m_sender.send(ctx, l, std::move(f));
        }
    }

    void fanOut(NodeContext &ctx, const Envelope &env)
    {
        const auto outs = ctx.links(ActorPort::Out);
        const std::uint64_t id = ++m_aggregateSeq;
        Aggregate &a = m_aggregates[id];
        a.origin = env;
        a.asked = a.pending = static_cast<std::uint32_t>(outs.size());
        const std::vector<LinkIndex> links(outs.begin(), outs.end());
        for (LinkIndex l : links) {
            auto request = makeActorMessage(ctx, env.message->routingKey, env.message->key, env.message->size,
                                            true, false);
            m_asks.ask(ctx, m_sender, l, std::move(request), m_askTimeout, env.call, id);
        }
        if (links.empty()) aggregated(ctx, id);
    }

    void onReply(NodeContext &ctx, LinkIndex link, const Frame &f)
    {
        if (auto r = m_relays.find(f.tag); r != m_relays.end()) {
            const LinkIndex back = r->second;
            m_relays.erase(r);
            Frame copy = f;
            ctx.send(back, std::move(copy));
            return;
        }
        auto o = m_asks.answer(ctx, f);
        if (!o) {
            // A late answer (the ask timed out) or a second one (a broadcast's): Akka's dead letters.
            if (f.message)
                trace(ctx, TraceKind::Drop, f.message, ctx.peer(link), DropReason::UnknownCorrelation);
            return;
        }
        if (auto a = m_aggregates.find(o->aggregate); a != m_aggregates.end()) ++a->second.answered;
        answered(ctx, *o);
    }

    // One of a fan-out's asks ended (answered or timed out).
    void answered(NodeContext &ctx, const AskTable::Open &o)
    {
        auto a = m_aggregates.find(o.aggregate);
        if (a == m_aggregates.end()) return;
        if (a->second.pending) --a->second.pending;
        if (a->second.pending == 0) aggregated(ctx, o.aggregate);
    }

    void aggregated(NodeContext &ctx, std::uint64_t id)
    {
        auto a = m_aggregates.find(id);
        if (a == m_aggregates.end()) return;
        if (a->second.origin.ask)
            reply(ctx, a->second.origin,
                  {numberField("answered", a->second.answered), numberField("asked", a->second.asked)});
        m_aggregates.erase(a);
    }

    void fail(NodeContext &ctx, const Envelope &env, const char *reason)
    {
        TraceEvent e = messageEvent(TraceKind::ActorFail, env.message.get());
        e.peer = env.sender;
        e.aux = static_cast<std::int64_t>(m_restarts);
        ctx.trace(e);
        exit(ctx, true, reason);
    }

    // The actor stopped (failed, or a normal exit): EXIT to the supervisor, which decides.
    void exit(NodeContext &ctx, bool abnormal, const char *reason)
    {
        const auto parent = ctx.links(ActorPort::Parent);
        if (parent.empty()) {
            stopForGood(ctx, reason); // nobody to restart it
            return;
        }
        m_state = State::Suspended;
        auto body = std::make_shared<ActorExitSignal>();
        body->abnormal = abnormal;
        body->restart = m_restart;
        body->reason = reason;
        Frame f;
        f.type = FrameType::ActorExit;
        f.status = abnormal ? Grpc::Internal : Grpc::Ok;
        f.body = std::move(body);
        ctx.send(parent.front(), std::move(f));
    }

    // A monitored actor stopped for good: its DOWN goes into the mailbox, as a message the behaviour
    // handles in turn (Erlang's {'DOWN', Ref, process, Pid, Reason}; Akka's Terminated, which Akka
    // delivers through receive). It is not subject to the mailbox's bound: the dead actor cannot be
    // held back. With onDown "fail" (Akka's death pact), a DOWN the behaviour does not match fails
    // the actor when its turn comes (finish()).
    void down(NodeContext &ctx, LinkIndex link, Frame &f)
    {
        const NodeIndex dead = ctx.peer(link);
        if (!f.message) {
            const auto *signal = f.as<ActorDownSignal>();
            f.message = makeActorMessage(ctx, kDownMessage, signal ? signal->reason : "", 0, false, false);
        }
        if (m_state == State::Stopped) {
            trace(ctx, TraceKind::Drop, f.message, dead, DropReason::ActorStopped); // a dead letter
            return;
        }
        Envelope env;
        env.message = std::move(f.message);
        env.from = link;
        env.sender = dead;
        env.down = true;
        m_mailbox.push_back(std::move(env));
        traceEnqueue(ctx, dead);
        startNext(ctx);
    }

    // Enqueue of the message just put in the mailbox: aux = the messages left waiting (an idle
    // actor takes this one at once, in startNext), which the charts plot as mailbox depth.
    void traceEnqueue(NodeContext &ctx, NodeIndex sender)
    {
        TraceEvent e = messageEvent(TraceKind::Enqueue, m_mailbox.back().message.get());
        e.peer = sender;
        const bool takenAtOnce = !m_busy && m_state == State::Running;
        e.aux = static_cast<std::int64_t>(m_mailbox.size()) - (takenAtOnce ? 1 : 0);
        ctx.trace(e);
    }

    void restartOrdered(NodeContext &ctx, const Frame &f)
    {
        const auto *order = f.as<ActorRestartOrder>();
        if (order && order->sibling && m_restart == RestartType::Temporary) {
            stopForGood(ctx, "shutdown"); // OTP: a temporary child is not restarted with its siblings
            return;
        }
        if (m_busy) {
            m_pendingRestart = true; // a system message: applied once the current message is done
            return;
        }
        restart(ctx);
    }

    void restart(NodeContext &ctx)
    {
        ++m_restarts;
        m_pendingRestart = false;
        m_state = State::Running;
        resetBehaviour(); // state is reset; the mailbox survives (Akka)
        startNext(ctx);
        grantRoom(ctx, true);
    }

    void stopForGood(NodeContext &ctx, const std::string &reason)
    {
        if (m_state == State::Stopped) return;
        m_state = State::Stopped;
        m_pendingRestart = false;
        if (m_busy) {
            m_busy = false;
            trace(ctx, TraceKind::Drop, m_current.message, m_current.sender, DropReason::ActorStopped);
        }
        for (const auto &env :
             m_mailbox) // Akka: what is left in a stopped actor's mailbox goes to dead letters
            trace(ctx, TraceKind::Drop, env.message, env.sender, DropReason::ActorStopped);
        m_mailbox.clear();
        m_aggregates.clear();
        sendDown(ctx, ActorPort::Watchers, reason);
        // Senders held back by a full mailbox may send again: what they send is a dead letter now.
        while (!m_waiting.empty()) {
            sendRoom(ctx, m_waiting.front());
            m_waiting.pop_front();
        }
    }

    // Configuration
    Behaviour m_behaviour;
    StateTable m_table;
    Distribution m_processing;
    bool m_bounded = false;
    std::size_t m_capacity = 0;
    Overflow m_overflow = Overflow::DropNew;
    bool m_forwardAll = false;
    SimTime m_askTimeout = 0;
    bool m_unhandledFails = false;
    double m_failure = 0;
    std::string m_poison, m_stopOn;
    RestartType m_restart = RestartType::Permanent;
    std::uint32_t m_replySize = 0;

    // Runtime
    State m_state = State::Running;
    std::deque<Envelope> m_mailbox;
    std::deque<LinkIndex> m_waiting; // senders held back, waiting for room
    bool m_busy = false;
    bool m_pendingRestart = false;
    Envelope m_current;
    SimTime m_started = 0;
    std::uint64_t m_generation = 0;
    std::uint64_t m_restarts = 0;
    bool m_deathPact = false;
    ActorSender m_sender;
    AskTable m_asks;
    std::map<std::uint64_t, LinkIndex> m_relays; // forwarded asks: call id -> the link it came on
    std::size_t m_cursor = 0;
    // Behaviour state (reset on restart)
    std::uint64_t m_count = 0;
    std::string m_fsmState;
    std::map<std::uint64_t, Aggregate> m_aggregates;
    std::uint64_t m_aggregateSeq = 0;
};

} // namespace

std::unique_ptr<Node> makeActor(const NodeSetup &s)
{
    return std::make_unique<Actor>(s);
}

} // namespace sb
