// The scripted node (script.h, docs/scripting.md): a Lua 5.4 script, in a sandbox of its own
// (luasandbox.h), standing in for a consumer, a router, a filter, a service...
//
// Frames reach the script's on_message(ctx, msg): publishes on "in" (confirmed on arrival when the
// sender asked for a confirm), deliveries from queues on "deliveries" (the node subscribes with its
// prefetch; the script settles each with ctx:ack / ctx:nack, or by returning true / false) and call
// requests on "serve" (answered with ctx:reply, or by returning true or a status). It sends new
// messages (ctx:send) and passes messages on (ctx:forward) on "out"; it calls servers on "calls"
// (ctx:call, on_reply) and takes a saga participant's commands on "commands".
//
// A handler's error, or its instruction budget running out, traces ScriptError (aux = the line),
// reports the message (NodeContext::note, a problem) and takes the node out of the run: frames that
// reach it are dropped (reason ScriptStopped) until a restart fault gives it a fresh state.
//
// The ctx object's methods (scriptbindings.cpp) act through this node as a ScriptHost; this file
// never raises a Lua error.
#include "../../callstatus.h"
#include "../common.h"
#include "../cqrs/commandprotocol.h"
#include "../sagas/sagas.h"
#include "luasandbox.h"
#include "script_p.h"
#include "scriptcalls.h"

#include <lua.hpp>

#include <cmath>
#include <cstring>
#include <map>
#include <memory>

namespace sb::script {

namespace {

class ScriptNode final : public Node, public ScriptHost {
public:
    explicit ScriptNode(const NodeSetup &s)
        : m_id(s.id), m_source(s.properties.string("script")),
          m_memoryLimit(static_cast<std::size_t>(s.properties.integer("memoryLimit")) * 1024 * 1024),
          m_budget(static_cast<std::uint64_t>(s.properties.integer("instructionBudget"))),
          m_prefetch(static_cast<std::uint32_t>(s.properties.integer("prefetch")))
    {
    }

    void start(NodeContext &ctx) override
    {
        boot(ctx);
        if (m_out) return;
        subscribeAll(ctx);
        call(ctx, "on_start");
    }

    void onFrame(NodeContext &ctx, LinkIndex from, Frame &f) override
    {
        if (f.type == FrameType::Reply) {
            onReply(ctx, from, f);
            return;
        }
        if (f.type == FrameType::Query || (f.type == FrameType::Command && !f.response && f.message &&
                                           f.message->routingKey == saga::kRelease)) {
            onSagaControl(ctx, from, f);
            return;
        }
        PortIndex port;
        switch (f.type) {
        case FrameType::Publish:
            port = ScriptPort::In;
            break;
        case FrameType::Deliver:
            port = ScriptPort::Deliveries;
            break;
        case FrameType::Request:
            port = ScriptPort::Serve;
            break;
        case FrameType::Command:
            if (f.response) return;
            port = ScriptPort::Commands;
            break;
        default:
            return; // confirms of what it sent, a client's cancel: nothing for the script
        }
        if (!f.message) return;
        if (m_out) {
            TraceEvent e = messageEvent(TraceKind::Drop, f.message.get());
            e.reason = DropReason::ScriptStopped;
            e.peer = ctx.peer(from);
            e.link = from;
            e.deliveryCount = f.deliveryCount;
            ctx.trace(e);
            return;
        }
        if (port == ScriptPort::In && f.tag) sendConfirm(ctx, from, f.tag, f.message, false);
        Inbound in;
        in.message = f.message;
        in.link = from;
        in.peer = ctx.peer(from);
        in.tag = f.tag;
        in.deliveryCount = f.deliveryCount;
        in.port = port;
        in.deadline = f.deadline;
        in.redelivered = f.redelivered;
        in.noAck = f.noAck;
        if (const auto *body = f.as<cmd::CommandBody>()) {
            in.saga = body->saga;
            in.step = body->step;
            in.compensation = body->compensation;
        }
        auto links = ctx.links(port);
        for (std::size_t i = 0; i < links.size(); ++i)
            if (links[i] == from) in.from = static_cast<int>(i + 1);
        if (port == ScriptPort::Serve) {
            // A call server's two steps (callprotocol.h): admitted at once (no accept queue), then
            // the handler (the script) runs.
            for (TraceKind kind : {TraceKind::Accept, TraceKind::Execute}) {
                TraceEvent e = messageEvent(kind, in.message.get());
                e.peer = in.peer;
                e.link = in.link;
                e.deliveryCount = in.deliveryCount;
                ctx.trace(e);
            }
        }
        HandlerCall c;
        c.name = "on_message";
        c.inbound = &in;
        if (!call(ctx, c)) return;
        // The handler's answer settles the message unless the script already did.
        if (!*in.settled) settleByResult(ctx, in, c);
    }

    void onTimer(NodeContext &ctx, std::uint64_t tag) override
    {
        if (tag & OutgoingCalls::kTimerBit) {
            if (auto end = m_calls.onTimer(ctx, tag)) replyToScript(ctx, *end);
            return;
        }
        auto it = m_timers.find(tag);
        if (it == m_timers.end()) return;
        const int ref = it->second.ref;
        m_timers.erase(it);
        if (m_out || !m_box) return;
        HandlerCall c;
        c.name = "on_timer";
        c.tagRef = ref; // released by the call
        call(ctx, c);
    }

    void onLinkState(NodeContext &ctx, LinkIndex link, bool up) override
    {
        if (!up || m_out) return;
        for (LinkIndex l : ctx.links(ScriptPort::Deliveries))
            if (l == link) subscribe(ctx, l);
    }

    void onCrash(NodeContext &ctx) override
    {
        if (!m_out && m_box) {
            m_crashing = true;
            call(ctx, "on_crash");
            m_crashing = false;
        }
        m_timers.clear();                         // the executor cancels them
        m_calls.clear();                          // no Complete: the calls die with the node
        if (m_box) m_previous = std::move(m_box); // its ctx.durable goes into the restarted state
        m_diskLost = false;
    }

    void onDiskLost(NodeContext &) override { m_diskLost = true; }

    void onRestart(NodeContext &ctx) override
    {
        m_out = false;
        boot(ctx);
        m_previous.reset();
        if (m_out) return;
        subscribeAll(ctx);
        HandlerCall c;
        c.name = "on_restart";
        if (!call(ctx, c)) return;
        if (!c.defined) call(ctx, "on_start");
    }

    NodeStatus status() const override
    {
        NodeStatus s;
        s.unacked = m_unsettled;
        s.inFlight = m_calls.waiting();
        return s;
    }

    // --- Called by the Lua bindings (they hold no C++ object while Lua may raise) -------------

    NodeContext *context() const override { return m_ctx; }
    bool crashing() const override { return m_crashing; }
    const std::string &id() const override { return m_id; }

    // ctx:send(port, spec [, n]): spec at index 3, already checked to be a table; its fields read
    // into the stack slots given. Returns the message id, 0 when the run's message budget is spent.
    std::uint64_t send(std::shared_ptr<Message> m, PortIndex port, int which, std::string &error) override
    {
        auto links = linksFor(port, which, error, "ctx:send");
        if (!error.empty()) return 0;
        NodeContext &ctx = *m_ctx;
        if (!ctx.mayPublish()) return 0;
        m->id = ctx.newMessageId();
        m->sequence = ++m_sequence;
        m->publishedAt = ctx.now();
        m->producer = ctx.self();
        ctx.announce(*m);
        TraceEvent e = messageEvent(TraceKind::Publish, m.get());
        e.aux = m->size;
        ctx.trace(e);
        const std::uint64_t id = m->id;
        MessageRef ref = std::move(m);
        publishOn(ctx, links, ref, 0);
        return id;
    }

    // ctx:forward(port, msg [, n]).
    void forward(Inbound &in, PortIndex port, int which, std::string &error) override
    {
        auto links = linksFor(port, which, error, "ctx:forward");
        if (!error.empty()) return;
        NodeContext &ctx = *m_ctx;
        for (LinkIndex l : links) {
            TraceEvent e = messageEvent(TraceKind::Route, in.message.get());
            e.peer = ctx.peer(l);
            e.link = l;
            ctx.trace(e);
        }
        publishOn(ctx, links, in.message, in.deliveryCount);
    }

    // ctx:ack(msg) (ack = true) or ctx:nack(msg, requeue).
    void settle(Inbound &in, bool ack, bool requeue, std::string &error) override
    {
        const char *what = ack ? "ctx:ack" : "ctx:nack";
        if (in.port != ScriptPort::Deliveries) {
            error =
                std::string(what) + ": only a delivery from a queue (port \"deliveries\") is acked or nacked";
            return;
        }
        if (*in.settled) {
            error =
                std::string(what) + ": message " + std::to_string(in.message->id) + " was already settled";
            return;
        }
        *in.settled = true;
        if (m_unsettled) --m_unsettled;
        NodeContext &ctx = *m_ctx;
        if (ack) {
            TraceEvent e = messageEvent(TraceKind::Process, in.message.get());
            e.peer = in.peer;
            e.link = in.link;
            e.deliveryCount = in.deliveryCount;
            e.aux = ctx.now() - in.message->publishedAt;
            ctx.trace(e);
        }
        if (in.noAck) return;
        Frame f;
        f.type = ack ? FrameType::Ack : FrameType::Nack;
        f.tag = in.tag;
        f.requeue = requeue;
        f.deliveryCount = in.deliveryCount;
        f.message = in.message;
        ctx.send(in.link, std::move(f));
    }

    // ctx:reply(msg, status, bytes, headers at index `headers` or 0).
    void reply(lua_State *L, Inbound &in, std::uint16_t status, std::uint32_t bytes, int headers,
               std::string_view reason, std::string &error) override
    {
        if (in.port != ScriptPort::Serve && in.port != ScriptPort::Commands) {
            error = "ctx:reply: only a call request (port \"serve\") or a command (port \"commands\") is "
                    "replied to";
            return;
        }
        if (*in.settled) {
            error = in.port == ScriptPort::Serve ? "ctx:reply: the call's attempt was already replied to"
                                                 : "ctx:reply: the command was already answered";
            return;
        }
        if (status == kNoStatus) {
            error = "ctx:reply: status must be 0 to 65534";
            return;
        }
        NodeContext &ctx = *m_ctx;
        if (in.port == ScriptPort::Commands) {
            // The command's outcome (cqrs/commandprotocol.h): its type, response set, tag echoed.
            *in.settled = true;
            auto result = std::make_shared<cmd::CommandResult>();
            result->reason = std::string(reason);
            Frame request;
            request.type = FrameType::Command;
            request.tag = in.tag;
            Frame r = responseTo(request, status, std::move(result));
            r.message = in.message;
            ctx.send(in.link, std::move(r));
            return;
        }
        auto m = std::make_shared<Message>();
        if (headers && !readNameValues(L, headers, "headers", error, [&](std::string name, int v) {
                std::string value;
                if (!valueText(L, v, value)) return false;
                m->headers.push_back({std::move(name), std::move(value)});
                return true;
            }))
            return;
        *in.settled = true;
        m->id = ctx.newMessageId();
        m->correlationId = in.message->correlationId;
        m->routingKey = in.message->routingKey;
        m->size = bytes;
        m->publishedAt = ctx.now();
        m->producer = ctx.self();
        Frame r;
        r.type = FrameType::Reply;
        r.tag = in.tag;
        r.status = status;
        r.deliveryCount = in.deliveryCount;
        r.message = std::move(m);
        ctx.send(in.link, std::move(r));
    }

    // ctx:call(port, spec [, n]): a unary call (callprotocol.h) on the n-th link of "calls" (the
    // first by default), traced Call (aux = the call being served, when the script serves one);
    // its reply, a timeout or no server at all comes back to on_reply.
    std::uint64_t call(std::shared_ptr<Message> m, int which, SimTime timeout, int ref,
                       std::string &error) override
    {
        LinkIndex link = kNoIndex;
        auto links = m_ctx->links(ScriptPort::Calls);
        if (which != 0) {
            auto chosen = linksFor(ScriptPort::Calls, which, error, "ctx:call");
            if (!error.empty()) return 0;
            link = chosen.front();
        } else if (!links.empty()) {
            link = links.front();
        }
        m->sequence = ++m_sequence;
        return m_calls.start(*m_ctx, std::move(m), link, timeout, m_parentCall, ref);
    }

    // ctx:timer(delay, tag): `ref` holds the tag. Returns the timer's number.
    std::uint64_t timer(SimTime delay, int ref) override
    {
        const std::uint64_t serial = ++m_nextTimer;
        const TimerId id = m_ctx->startTimer(delay, serial);
        m_timers.emplace(serial, TimerEntry{id, ref});
        return serial;
    }

    // ctx:cancel(n): the tag's reference to release, or kNoRef.
    int cancel(std::uint64_t serial) override
    {
        auto it = m_timers.find(serial);
        if (it == m_timers.end()) return kNoRef;
        m_ctx->cancelTimer(it->second.id);
        const int ref = it->second.ref;
        m_timers.erase(it);
        return ref;
    }

    void log(std::string_view text, std::uint64_t messageId) override
    {
        NodeContext &ctx = *m_ctx;
        TraceEvent e;
        e.kind = TraceKind::ScriptLog;
        e.messageId = messageId;
        e.aux = ctx.note(clipped(text), currentLine(), false);
        ctx.trace(e);
    }

    std::size_t linkCount(PortIndex port) const override { return m_ctx->links(port).size(); }

private:
    // A note's text as kept: at most kMaxNote bytes (a script may print megabytes), cut at a
    // UTF-8 character boundary.
    static constexpr std::size_t kMaxNote = 4096;
    static std::string clipped(std::string_view text)
    {
        if (text.size() <= kMaxNote) return std::string(text);
        std::size_t n = kMaxNote;
        while (n > 0 && (static_cast<unsigned char>(text[n]) & 0xC0) == 0x80)
            --n;
        return std::string(text.substr(0, n)) + " [... " + std::to_string(text.size() - n) + " more bytes]";
    }

    // A saga orchestrator asks who is at the end of each participant link (Identify, sagas.h): the
    // script answers with its id, as a saga participant does. Release (of a semantic lock) means
    // nothing to a script: it keeps no such lock.
    void onSagaControl(NodeContext &ctx, LinkIndex from, const Frame &f)
    {
        if (m_out || f.type != FrameType::Query || f.response || !f.message ||
            f.message->routingKey != saga::kIdentify)
            return;
        auto r = std::make_shared<cmd::QueryResult>();
        r->found = true;
        r->fields.push_back({"service", m_id});
        ctx.send(from, responseTo(f, CommandStatus::Ok, std::move(r)));
    }

    void onReply(NodeContext &ctx, LinkIndex from, Frame &f)
    {
        if (m_out) {
            TraceEvent e = messageEvent(TraceKind::Drop, f.message.get());
            e.reason = DropReason::ScriptStopped;
            e.peer = ctx.peer(from);
            e.link = from;
            e.status = f.status;
            ctx.trace(e);
            return;
        }
        if (auto end = m_calls.onReply(ctx, from, f)) replyToScript(ctx, *end);
    }

    // on_reply(ctx, reply) for a call that ended.
    void replyToScript(NodeContext &ctx, const OutgoingCalls::Ended &end)
    {
        if (m_out || !m_box) return;
        ReplyInfo r;
        r.call = end.request->id;
        r.status = end.status;
        r.message = end.response.get();
        r.method = end.request->routingKey;
        r.latency = end.latency;
        HandlerCall c;
        c.name = "on_reply";
        c.reply = &r;
        c.tagRef = end.ref; // released by the call
        call(ctx, c);
    }

    struct TimerEntry {
        TimerId id = kNoTimer;
        int ref = kNoRef;
    };

    // A fresh state: the sandbox, the ctx object, the script's top level; the durable table of
    // the state before a crash copied in (unless the disk was lost).
    void boot(NodeContext &ctx)
    {
        m_timers.clear();
        m_unsettled = 0;
        m_box = std::make_unique<LuaSandbox>(m_memoryLimit, m_budget);
        if (!m_box->ok()) {
            ScriptError e;
            e.memory = true;
            e.message = "the memory limit is too small for a Lua state";
            fail(ctx, e, "start");
            return;
        }
        m_box->setOwner(static_cast<ScriptHost *>(this));
        m_box->setPrint([this](std::string_view text) { log(text, 0); });
        m_ctx = &ctx;
        m_box->setRng(&ctx.rng());
        struct Boot {
            const std::string *id;
            lua_State *previous;
        } boot{&m_id, m_previous && !m_diskLost ? m_previous->state() : nullptr};
        ScriptError error;
        bool ok = m_box->call(
            [](lua_State *L) {
                auto *b = static_cast<Boot *>(lua_touserdata(L, 1));
                setUpBindings(L, *b->id, b->previous);
                return 0;
            },
            &boot, error);
        if (ok) ok = m_box->load(m_source, error);
        m_ctx = nullptr;
        if (!ok) fail(ctx, error, "the script's top level");
    }

    void subscribeAll(NodeContext &ctx)
    {
        for (LinkIndex l : ctx.links(ScriptPort::Deliveries))
            subscribe(ctx, l);
    }

    void subscribe(NodeContext &ctx, LinkIndex link)
    {
        Frame s;
        s.type = FrameType::Subscribe;
        s.count = m_prefetch;
        s.noAck = false;
        ctx.send(link, std::move(s));
    }

    bool call(NodeContext &ctx, const char *name)
    {
        HandlerCall c;
        c.name = name;
        return call(ctx, c);
    }

    bool call(NodeContext &ctx, HandlerCall &c)
    {
        if (m_out || !m_box) return false;
        if (c.inbound && c.inbound->port == ScriptPort::Deliveries) ++m_unsettled;
        m_ctx = &ctx;
        m_box->setRng(&ctx.rng());
        m_parentCall =
            c.inbound && c.inbound->port == ScriptPort::Serve ? c.inbound->message->correlationId : 0;
        ScriptError error;
        const bool ok = m_box->call(&handlerTrampoline, &c, error);
        m_ctx = nullptr;
        m_parentCall = 0;
        if (!ok) fail(ctx, error, c.name, c.inbound ? c.inbound->message->id : 0);
        return ok;
    }

    // The handler's answer: true settles the message (ack, reply OK, processed), false refuses it
    // (nack without requeue, a publish dropped), a number is a call's status; nil leaves it to the
    // script (it kept the message in ctx.state, say, to settle later).
    void settleByResult(NodeContext &ctx, Inbound &in, const HandlerCall &c)
    {
        const bool answer = !c.defined || c.result == 1;
        m_ctx = &ctx;
        std::string error;
        switch (in.port) {
        case ScriptPort::Deliveries:
            if (answer || c.result == 0) settleHere(in, answer, false);
            break;
        case ScriptPort::Serve:
        case ScriptPort::Commands:
            if (c.result == 2 && (c.number < 0 || c.number >= kNoStatus)) {
                ScriptError e;
                e.message = "on_message returned " + std::to_string(c.number) + ", not a status (0 to 65534)";
                m_ctx = nullptr;
                fail(ctx, e, "on_message", in.message->id);
                return;
            }
            if (answer || c.result == 2) {
                reply(nullptr, in, c.result == 2 ? static_cast<std::uint16_t>(c.number) : 0, 0, 0, {}, error);
            } else if (c.result == 0 && in.port == ScriptPort::Commands) {
                reply(nullptr, in, CommandStatus::Rejected, 0, 0, "the script refused it", error);
            }
            break;
        default:
            if (answer) {
                TraceEvent e = messageEvent(TraceKind::Process, in.message.get());
                e.peer = in.peer;
                e.link = in.link;
                e.deliveryCount = in.deliveryCount;
                e.aux = ctx.now() - in.message->publishedAt;
                ctx.trace(e);
            } else if (c.result == 0) {
                TraceEvent e = messageEvent(TraceKind::Drop, in.message.get());
                e.reason = DropReason::Rejected;
                e.peer = in.peer;
                e.link = in.link;
                ctx.trace(e);
            }
            break;
        }
        m_ctx = nullptr;
    }

    void settleHere(Inbound &in, bool ack, bool requeue)
    {
        std::string error;
        settle(in, ack, requeue, error);
    }

    std::vector<LinkIndex> linksFor(PortIndex port, int which, std::string &error, const char *what) const
    {
        auto links = m_ctx->links(port);
        if (which == 0) return {links.begin(), links.end()};
        if (which < 1 || static_cast<std::size_t>(which) > links.size()) {
            error = std::string(what) + ": port \"" + kPortNames[port] + "\" has " +
                    std::to_string(links.size()) + " link(s); there is no link " + std::to_string(which);
            return {};
        }
        return {links[static_cast<std::size_t>(which - 1)]};
    }

    void publishOn(NodeContext &ctx, const std::vector<LinkIndex> &links, const MessageRef &m,
                   std::uint32_t deliveryCount)
    {
        if (links.empty()) {
            TraceEvent e = messageEvent(TraceKind::Drop, m.get());
            e.reason = DropReason::NoRoute;
            ctx.trace(e);
            return;
        }
        for (LinkIndex l : links) {
            Frame f;
            f.type = FrameType::Publish;
            f.deliveryCount = deliveryCount;
            f.message = m;
            ctx.send(l, std::move(f));
        }
    }

    int currentLine() const
    {
        if (!m_box) return 0;
        lua_Debug ar;
        lua_State *L = m_box->state();
        for (int level = 0; lua_getstack(L, level, &ar); ++level) {
            if (!lua_getinfo(L, "Sl", &ar)) break;
            if (ar.currentline > 0 && std::strcmp(ar.source, kChunkName) == 0) return ar.currentline;
        }
        return 0;
    }

    void fail(NodeContext &ctx, const ScriptError &error, const char *where, std::uint64_t messageId = 0)
    {
        m_out = true;
        const std::string text = clipped(std::string(where) + ": " + error.message);
        TraceEvent e;
        e.kind = TraceKind::ScriptError;
        e.messageId = messageId;
        e.aux = error.line;
        ctx.note(text, error.line, true);
        ctx.trace(e);
        for (const auto &[serial, t] : m_timers)
            ctx.cancelTimer(t.id);
        m_timers.clear();
        // Frames to the node are dropped from now on; the state is kept only for its ctx.durable,
        // which a restart copies into the fresh state.
        if (m_box) m_previous = std::move(m_box);
    }

    std::string m_id;
    std::string m_source;
    std::size_t m_memoryLimit;
    std::uint64_t m_budget;
    std::uint32_t m_prefetch;

    std::unique_ptr<LuaSandbox> m_box;
    std::unique_ptr<LuaSandbox> m_previous; // the state before a crash, until the restart
    NodeContext *m_ctx = nullptr;           // during a call
    std::map<std::uint64_t, TimerEntry> m_timers;
    std::uint64_t m_nextTimer = 0;
    std::uint64_t m_sequence = 0;
    std::uint64_t m_parentCall = 0; // the call being served, for the calls the script makes
    OutgoingCalls m_calls;
    std::uint64_t m_unsettled = 0;
    bool m_out = false; // taken out of the run by a script error
    bool m_crashing = false;
    bool m_diskLost = false;
};

} // namespace

std::unique_ptr<Node> makeScriptNode(const NodeSetup &setup)
{
    return std::make_unique<ScriptNode>(setup);
}

} // namespace sb::script
