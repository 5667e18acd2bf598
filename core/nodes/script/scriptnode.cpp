// The scripted node (script.h, docs/scripting.md): a Lua 5.4 script, in a sandbox of its own
// (luasandbox.h), standing in for a consumer, a router, a filter, a service...
//
// Frames reach the script's on_message(ctx, msg): publishes on "in" (confirmed on arrival when the
// sender asked for a confirm), deliveries from queues on "deliveries" (the node subscribes with its
// prefetch; the script settles each with ctx:ack / ctx:nack, or by returning true / false) and call
// requests on "serve" (answered with ctx:reply, or by returning true or a status). It sends new
// messages (ctx:send) and passes messages on (ctx:forward) on "out".
//
// A handler's error, or its instruction budget running out, traces ScriptError (aux = the line),
// reports the message (NodeContext::note, a problem) and takes the node out of the run: frames that
// reach it are dropped (reason ScriptStopped) until a restart fault gives it a fresh state.
//
// Lua is C: its errors unwind with longjmp. The Lua C functions below check their arguments (which
// may raise) before they create any C++ object, and call into C++ code that never raises a Lua
// error; what that code finds wrong comes back as text that is raised once it has returned.
#include "script.h"

#include "../common.h"
#include "luasandbox.h"

#include <lua.hpp>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <new>

namespace sb {

namespace {

using script::LuaSandbox;
using script::ScriptError;

constexpr const char *kMessageMeta = "signalbox.message";
constexpr const char *kPortNames[] = {"in", "deliveries", "serve", "out"};
constexpr int kMaxDurableDepth = 32;

// What a message table's hidden reference holds: the message and how it reached the node.
struct Inbound {
    MessageRef message;
    LinkIndex link = kNoIndex;
    NodeIndex peer = kNoIndex;
    std::uint64_t tag = 0; // delivery tag, publish tag or call attempt
    std::uint32_t deliveryCount = 0;
    PortIndex port = ScriptPort::In;
    int from = 0; // the link's place among its port's links, from 1
    SimTime deadline = kNever;
    bool redelivered = false;
    bool noAck = false;
    // Acked, nacked or replied to; shared by the copies (the handler's, the message table's).
    std::shared_ptr<bool> settled = std::make_shared<bool>(false);
};

// A handler call, passed to the protected trampoline.
struct HandlerCall {
    const char *name = nullptr;
    const Inbound *inbound = nullptr; // on_message
    int tagRef = LUA_NOREF;           // on_timer: the registry reference of the tag
    bool defined = false;             // the script defines the handler
    int result = -1;                  // -1 nil (or nothing), 0 false, 1 true, 2 a number
    lua_Integer number = 0;           // the number returned
};

int portOf(const char *name)
{
    for (int i = 0; i < 4; ++i)
        if (std::strcmp(kPortNames[i], name) == 0) return i;
    return -1;
}

double seconds(SimTime t)
{
    return static_cast<double>(t) / static_cast<double>(kSecond);
}

// A Lua value as header text: strings as they are, numbers as Lua writes them (%.14g, integers whole).
bool valueText(lua_State *L, int index, std::string &out)
{
    if (lua_type(L, index) == LUA_TSTRING) {
        std::size_t len = 0;
        const char *s = lua_tolstring(L, index, &len);
        out.assign(s, len);
        return true;
    }
    if (lua_type(L, index) == LUA_TNUMBER) {
        char buf[64];
        if (lua_isinteger(L, index))
            std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(lua_tointeger(L, index)));
        else
            std::snprintf(buf, sizeof buf, "%.14g", lua_tonumber(L, index));
        out = buf;
        return true;
    }
    if (lua_type(L, index) == LUA_TBOOLEAN) {
        out = lua_toboolean(L, index) ? "true" : "false";
        return true;
    }
    return false;
}

class ScriptNode final : public Node {
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
        auto links = ctx.links(port);
        for (std::size_t i = 0; i < links.size(); ++i)
            if (links[i] == from) in.from = static_cast<int>(i + 1);
        if (port == ScriptPort::Serve) {
            TraceEvent e = messageEvent(TraceKind::Execute, in.message.get());
            e.peer = in.peer;
            e.link = in.link;
            e.deliveryCount = in.deliveryCount;
            ctx.trace(e);
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
        return s;
    }

    // --- Called by the Lua bindings (they hold no C++ object while Lua may raise) -------------

    NodeContext *context() const { return m_ctx; }
    bool crashing() const { return m_crashing; }
    const std::string &id() const { return m_id; }

    // ctx:send(port, spec [, n]): spec at index 3, already checked to be a table; its fields read
    // into the stack slots given. Returns the message id, 0 when the run's message budget is spent.
    std::uint64_t send(lua_State *L, PortIndex port, int which, const int slots[7], std::string &error)
    {
        auto m = std::make_shared<Message>();
        std::string text;
        auto str = [&](int slot, std::string &out, const char *what) {
            if (lua_isnil(L, slots[slot])) return true;
            if (!valueText(L, slots[slot], out) || lua_type(L, slots[slot]) == LUA_TBOOLEAN) {
                error = std::string("ctx:send: '") + what + "' must be a string";
                return false;
            }
            return true;
        };
        if (!str(0, m->routingKey, "routingKey") || !str(1, m->key, "key")) return 0;
        // headers: name -> value
        if (!lua_isnil(L, slots[2])) {
            if (!lua_istable(L, slots[2])) {
                error = "ctx:send: 'headers' must be a table of name = value";
                return 0;
            }
            if (!readPairs(L, slots[2], "headers", error, [&](std::string name, int v) {
                    std::string value;
                    if (!valueText(L, v, value)) return false;
                    m->headers.push_back({std::move(name), std::move(value)});
                    return true;
                }))
                return 0;
        }
        if (!lua_isnil(L, slots[3])) {
            if (!lua_istable(L, slots[3])) {
                error = "ctx:send: 'fields' must be a table of name = number or string";
                return 0;
            }
            if (!readPairs(L, slots[3], "fields", error, [&](std::string name, int v) {
                    Field f;
                    f.name = std::move(name);
                    if (lua_type(L, v) == LUA_TNUMBER) {
                        f.numeric = true;
                        f.number = lua_tonumber(L, v);
                        valueText(L, v, f.text);
                    } else if (lua_type(L, v) == LUA_TSTRING) {
                        valueText(L, v, f.text);
                    } else {
                        return false;
                    }
                    m->fields.push_back(std::move(f));
                    return true;
                }))
                return 0;
        }
        if (!lua_isnil(L, slots[4])) {
            lua_Integer b = 0;
            if (!lua_isinteger(L, slots[4]) || (b = lua_tointeger(L, slots[4])) < 0 || b > UINT32_MAX) {
                error = "ctx:send: 'bytes' must be a whole number of bytes (0 to 4294967295)";
                return 0;
            }
            m->size = static_cast<std::uint32_t>(b);
        }
        if (!lua_isnil(L, slots[5])) {
            if (!lua_isinteger(L, slots[5]) || lua_tointeger(L, slots[5]) < 0) {
                error = "ctx:send: 'correlationId' must be a non-negative whole number";
                return 0;
            }
            m->correlationId = static_cast<std::uint64_t>(lua_tointeger(L, slots[5]));
        }
        m->persistent = lua_toboolean(L, slots[6]);
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
    void forward(Inbound &in, PortIndex port, int which, std::string &error)
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
    void settle(Inbound &in, bool ack, bool requeue, std::string &error)
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
               std::string &error)
    {
        if (in.port != ScriptPort::Serve) {
            error = "ctx:reply: only a call request (port \"serve\") is replied to";
            return;
        }
        if (*in.settled) {
            error = "ctx:reply: the call's attempt was already replied to";
            return;
        }
        if (status == kNoStatus) {
            error = "ctx:reply: status must be 0 to 65534";
            return;
        }
        NodeContext &ctx = *m_ctx;
        auto m = std::make_shared<Message>();
        if (headers && !readPairs(L, headers, "headers", error, [&](std::string name, int v) {
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

    // ctx:timer(delay, tag): `ref` holds the tag. Returns the timer's number.
    std::uint64_t timer(SimTime delay, int ref)
    {
        const std::uint64_t serial = ++m_nextTimer;
        const TimerId id = m_ctx->startTimer(delay, serial);
        m_timers.emplace(serial, TimerEntry{id, ref});
        return serial;
    }

    // ctx:cancel(n): the tag's reference to release, or LUA_NOREF.
    int cancel(std::uint64_t serial)
    {
        auto it = m_timers.find(serial);
        if (it == m_timers.end()) return LUA_NOREF;
        m_ctx->cancelTimer(it->second.id);
        const int ref = it->second.ref;
        m_timers.erase(it);
        return ref;
    }

    void log(std::string_view text, std::uint64_t messageId)
    {
        NodeContext &ctx = *m_ctx;
        TraceEvent e;
        e.kind = TraceKind::ScriptLog;
        e.messageId = messageId;
        e.aux = ctx.note(text, currentLine(), false);
        ctx.trace(e);
    }

    std::size_t linkCount(PortIndex port) const { return m_ctx->links(port).size(); }

private:
    struct TimerEntry {
        TimerId id = kNoTimer;
        int ref = LUA_NOREF;
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
        m_box->setOwner(this);
        m_box->setPrint([this](std::string_view text) { log(text, 0); });
        m_ctx = &ctx;
        m_box->setRng(&ctx.rng());
        struct Boot {
            ScriptNode *node;
            lua_State *previous;
        } boot{this, m_previous && !m_diskLost ? m_previous->state() : nullptr};
        ScriptError error;
        bool ok = m_box->call(
            [](lua_State *L) {
                auto *b = static_cast<Boot *>(lua_touserdata(L, 1));
                setUpBindings(L, b->previous);
                return 0;
            },
            &boot, error);
        if (ok) ok = m_box->load(m_source, error);
        m_ctx = nullptr;
        if (!ok) fail(ctx, error, "the script's top level");
    }

    static void setUpBindings(lua_State *L, lua_State *previous);

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
        m_current = c.inbound ? c.inbound->message->id : 0;
        ScriptError error;
        const bool ok = m_box->call(&ScriptNode::trampoline, &c, error);
        m_ctx = nullptr;
        m_current = 0;
        if (!ok) fail(ctx, error, c.name, c.inbound ? c.inbound->message->id : 0);
        return ok;
    }

    static int trampoline(lua_State *L);

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
            if (c.result == 2 && (c.number < 0 || c.number >= kNoStatus)) {
                ScriptError e;
                e.message = "on_message returned " + std::to_string(c.number) + ", not a status (0 to 65534)";
                m_ctx = nullptr;
                fail(ctx, e, "on_message", in.message->id);
                return;
            }
            if (answer || c.result == 2)
                reply(nullptr, in, c.result == 2 ? static_cast<std::uint16_t>(c.number) : 0, 0, 0, error);
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

    template <class F>
    static bool readPairs(lua_State *L, int table, const char *what, std::string &error, F &&each)
    {
        table = lua_absindex(L, table);
        lua_pushnil(L);
        while (lua_next(L, table)) {
            std::string name;
            if (lua_type(L, -2) != LUA_TSTRING || !valueText(L, -2, name)) {
                lua_pop(L, 2);
                error = std::string("'") + what + "' must be a table of name = value (names are strings)";
                return false;
            }
            const std::string copy = name;
            if (!each(std::move(name), lua_gettop(L))) {
                lua_pop(L, 2);
                error =
                    std::string("'") + what + "': the value of '" + copy + "' must be a string or a number";
                return false;
            }
            lua_pop(L, 1);
        }
        return true;
    }

    int currentLine() const
    {
        if (!m_box) return 0;
        lua_Debug ar;
        lua_State *L = m_box->state();
        for (int level = 0; lua_getstack(L, level, &ar); ++level) {
            if (!lua_getinfo(L, "Sl", &ar)) break;
            if (ar.currentline > 0 && std::strcmp(ar.source, script::kChunkName) == 0) return ar.currentline;
        }
        return 0;
    }

    void fail(NodeContext &ctx, const ScriptError &error, const char *where, std::uint64_t messageId = 0)
    {
        m_out = true;
        std::string text = std::string(where) + ": " + error.message;
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
    std::uint64_t m_current = 0; // the message being handled
    std::uint64_t m_unsettled = 0;
    bool m_out = false; // taken out of the run by a script error
    bool m_crashing = false;
    bool m_diskLost = false;
};

// --- Lua bindings ------------------------------------------------------------------------------

ScriptNode &nodeOf(lua_State *L)
{
    return *static_cast<ScriptNode *>(LuaSandbox::of(L)->owner());
}

// The running node's context; raises when there is none or the node is crashing and `acting`.
NodeContext &contextOf(lua_State *L, const char *what, bool acting = true)
{
    ScriptNode &n = nodeOf(L);
    if (!n.context()) luaL_error(L, "%s is only available inside a handler", what);
    if (acting && n.crashing())
        luaL_error(L, "%s: a crashing node cannot act (on_crash may only look at its state and trace)", what);
    return *n.context();
}

Inbound &inboundArg(lua_State *L, int index, const char *what)
{
    luaL_checktype(L, index, LUA_TTABLE);
    lua_getfield(L, index, "_ref");
    auto *in = static_cast<Inbound *>(luaL_testudata(L, -1, kMessageMeta));
    if (!in)
        luaL_error(L, "%s: argument #%d is not a message the node received (no msg._ref)", what, index - 1);
    lua_pop(L, 1);
    return *in;
}

PortIndex outPortArg(lua_State *L, int index, const char *what)
{
    const char *name = luaL_checkstring(L, index);
    const int port = portOf(name);
    if (port != static_cast<int>(ScriptPort::Out))
        luaL_error(L, "%s: \"%s\" is not an output port (the script node sends on \"out\")", what, name);
    return static_cast<PortIndex>(port);
}

// Runs `fn(error)`, C++ that never raises a Lua error, then raises what it found wrong once its
// objects are gone (a raise unwinds with longjmp, past any destructor). The message gets the
// script's position ("script:12: ...") as luaL_error gives it.
template <class F> void guarded(lua_State *L, F &&fn)
{
    char text[512];
    text[0] = 0;
    {
        std::string error;
        fn(error);
        if (!error.empty()) std::snprintf(text, sizeof text, "%s", error.c_str());
    }
    if (text[0]) luaL_error(L, "%s", text);
}

int l_send(lua_State *L)
{
    contextOf(L, "ctx:send");
    const PortIndex port = outPortArg(L, 2, "ctx:send");
    luaL_checktype(L, 3, LUA_TTABLE);
    const int which = static_cast<int>(luaL_optinteger(L, 4, 0));
    luaL_checkstack(L, 16, nullptr);
    static constexpr const char *keys[7] = {"routingKey", "key",           "headers",   "fields",
                                            "bytes",      "correlationId", "persistent"};
    int slots[7];
    for (int i = 0; i < 7; ++i) {
        lua_getfield(L, 3, keys[i]);
        slots[i] = lua_gettop(L);
    }
    std::uint64_t id = 0;
    guarded(L, [&](std::string &error) { id = nodeOf(L).send(L, port, which, slots, error); });
    if (id == 0)
        lua_pushnil(L);
    else
        lua_pushinteger(L, static_cast<lua_Integer>(id));
    return 1;
}

int l_forward(lua_State *L)
{
    contextOf(L, "ctx:forward");
    const PortIndex port = outPortArg(L, 2, "ctx:forward");
    Inbound &in = inboundArg(L, 3, "ctx:forward");
    const int which = static_cast<int>(luaL_optinteger(L, 4, 0));
    guarded(L, [&](std::string &error) { nodeOf(L).forward(in, port, which, error); });
    return 0;
}

int settleBinding(lua_State *L, bool ack)
{
    const char *what = ack ? "ctx:ack" : "ctx:nack";
    contextOf(L, what);
    Inbound &in = inboundArg(L, 2, what);
    const bool requeue = ack ? false : (lua_isnoneornil(L, 3) ? true : lua_toboolean(L, 3));
    guarded(L, [&](std::string &error) { nodeOf(L).settle(in, ack, requeue, error); });
    return 0;
}

int l_ack(lua_State *L)
{
    return settleBinding(L, true);
}

int l_nack(lua_State *L)
{
    return settleBinding(L, false);
}

int l_reply(lua_State *L)
{
    contextOf(L, "ctx:reply");
    Inbound &in = inboundArg(L, 2, "ctx:reply");
    lua_Integer status = 0, bytes = 0;
    int headers = 0;
    if (!lua_isnoneornil(L, 3)) {
        luaL_checktype(L, 3, LUA_TTABLE);
        lua_getfield(L, 3, "status");
        status = lua_isnil(L, -1) ? 0 : luaL_checkinteger(L, -1);
        lua_getfield(L, 3, "bytes");
        bytes = lua_isnil(L, -1) ? 0 : luaL_checkinteger(L, -1);
        lua_getfield(L, 3, "headers");
        if (!lua_isnil(L, -1)) {
            luaL_checktype(L, -1, LUA_TTABLE);
            headers = lua_gettop(L);
        }
        luaL_argcheck(L, status >= 0 && status < kNoStatus, 3, "status must be 0 to 65534");
        luaL_argcheck(L, bytes >= 0 && bytes <= UINT32_MAX, 3, "bytes must be 0 to 4294967295");
    }
    guarded(L, [&](std::string &error) {
        nodeOf(L).reply(L, in, static_cast<std::uint16_t>(status), static_cast<std::uint32_t>(bytes), headers,
                        error);
    });
    return 0;
}

int l_timer(lua_State *L)
{
    contextOf(L, "ctx:timer");
    const double delay = luaL_checknumber(L, 2);
    luaL_argcheck(L, std::isfinite(delay) && delay >= 0 && delay <= 1e9, 2,
                  "the delay must be a number of seconds from 0 to 1e9");
    lua_settop(L, 3); // the tag (nil when not given)
    const int ref = luaL_ref(L, LUA_REGISTRYINDEX);
    const auto ns = static_cast<SimTime>(std::llround(delay * static_cast<double>(kSecond)));
    lua_pushinteger(L, static_cast<lua_Integer>(nodeOf(L).timer(ns, ref)));
    return 1;
}

int l_cancel(lua_State *L)
{
    contextOf(L, "ctx:cancel");
    const lua_Integer serial = luaL_checkinteger(L, 2);
    const int ref = nodeOf(L).cancel(static_cast<std::uint64_t>(serial));
    if (ref != LUA_NOREF) luaL_unref(L, LUA_REGISTRYINDEX, ref);
    lua_pushboolean(L, ref != LUA_NOREF);
    return 1;
}

int l_now(lua_State *L)
{
    NodeContext &ctx = contextOf(L, "ctx:now", false);
    lua_pushnumber(L, seconds(ctx.now()));
    return 1;
}

int l_random(lua_State *L)
{
    NodeContext &ctx = contextOf(L, "ctx:random", false);
    lua_remove(L, 1); // ctx
    return script::pushRandom(L, ctx.rng());
}

int l_trace(lua_State *L)
{
    contextOf(L, "ctx:trace", false);
    std::size_t len = 0;
    luaL_checkany(L, 2);
    std::uint64_t id = 0;
    if (!lua_isnoneornil(L, 3)) id = inboundArg(L, 3, "ctx:trace").message->id;
    const char *text = script::safeToString(L, 2, &len);
    nodeOf(L).log(std::string_view(text, len), id);
    return 0;
}

int l_links(lua_State *L)
{
    contextOf(L, "ctx:links", false);
    const char *name = luaL_checkstring(L, 2);
    const int port = portOf(name);
    if (port < 0) return luaL_error(L, "ctx:links: the script node has no port \"%s\"", name);
    lua_pushinteger(L, static_cast<lua_Integer>(nodeOf(L).linkCount(static_cast<PortIndex>(port))));
    return 1;
}

int messageGc(lua_State *L)
{
    static_cast<Inbound *>(lua_touserdata(L, 1))->~Inbound();
    return 0;
}

void pushMessage(lua_State *L, const Inbound &in)
{
    const Message &m = *in.message;
    lua_createtable(L, 0, 16);
    auto *ud = static_cast<Inbound *>(lua_newuserdatauv(L, sizeof(Inbound), 0));
    new (ud) Inbound(in);
    luaL_setmetatable(L, kMessageMeta);
    lua_setfield(L, -2, "_ref");
    lua_pushinteger(L, static_cast<lua_Integer>(m.id));
    lua_setfield(L, -2, "id");
    lua_pushinteger(L, static_cast<lua_Integer>(m.correlationId));
    lua_setfield(L, -2, "correlationId");
    lua_pushlstring(L, m.routingKey.data(), m.routingKey.size());
    lua_setfield(L, -2, "routingKey");
    lua_pushlstring(L, m.key.data(), m.key.size());
    lua_setfield(L, -2, "key");
    lua_pushinteger(L, m.size);
    lua_setfield(L, -2, "bytes");
    lua_pushnumber(L, seconds(m.publishedAt));
    lua_setfield(L, -2, "publishedAt");
    lua_pushinteger(L, static_cast<lua_Integer>(m.sequence));
    lua_setfield(L, -2, "sequence");
    lua_pushboolean(L, m.persistent);
    lua_setfield(L, -2, "persistent");
    lua_pushinteger(L, in.deliveryCount);
    lua_setfield(L, -2, "deliveryCount");
    lua_pushboolean(L, in.redelivered);
    lua_setfield(L, -2, "redelivered");
    lua_pushstring(L, kPortNames[in.port]);
    lua_setfield(L, -2, "port");
    lua_pushinteger(L, in.from);
    lua_setfield(L, -2, "from");
    if (in.port == ScriptPort::Serve) {
        lua_pushlstring(L, m.routingKey.data(), m.routingKey.size());
        lua_setfield(L, -2, "method");
        if (in.deadline != kNever) {
            lua_pushnumber(L, seconds(in.deadline));
            lua_setfield(L, -2, "deadline");
        }
    }
    lua_createtable(L, 0, static_cast<int>(m.headers.size()));
    for (const auto &h : m.headers) {
        lua_pushlstring(L, h.value.data(), h.value.size());
        lua_setfield(L, -2, h.name.c_str());
    }
    lua_setfield(L, -2, "headers");
    lua_createtable(L, 0, static_cast<int>(m.fields.size()));
    for (const auto &f : m.fields) {
        if (f.numeric)
            lua_pushnumber(L, f.number);
        else
            lua_pushlstring(L, f.text.data(), f.text.size());
        lua_setfield(L, -2, f.name.c_str());
    }
    lua_setfield(L, -2, "fields");
}

// Copies a plain value (boolean, number, string, table of those) from `from` (index `index`) onto
// `to`'s stack; anything else (functions, coroutines, messages) becomes nil. `from` is not running.
void copyPlain(lua_State *from, int index, lua_State *to, int depth)
{
    index = lua_absindex(from, index);
    switch (lua_type(from, index)) {
    case LUA_TBOOLEAN:
        lua_pushboolean(to, lua_toboolean(from, index));
        return;
    case LUA_TNUMBER:
        if (lua_isinteger(from, index))
            lua_pushinteger(to, lua_tointeger(from, index));
        else
            lua_pushnumber(to, lua_tonumber(from, index));
        return;
    case LUA_TSTRING: {
        std::size_t len = 0;
        const char *s = lua_tolstring(from, index, &len);
        lua_pushlstring(to, s, len);
        return;
    }
    case LUA_TTABLE:
        if (depth >= kMaxDurableDepth || !lua_checkstack(from, 4)) break;
        luaL_checkstack(to, 4, "ctx.durable is nested too deeply");
        lua_newtable(to);
        lua_pushnil(from);
        while (lua_next(from, index)) {
            copyPlain(from, -2, to, depth + 1);
            copyPlain(from, -1, to, depth + 1);
            if (lua_isnil(to, -2))
                lua_pop(to, 2);
            else
                lua_rawset(to, -3);
            lua_pop(from, 1);
        }
        return;
    default:
        break;
    }
    lua_pushnil(to);
}

void ScriptNode::setUpBindings(lua_State *L, lua_State *previous)
{
    luaL_newmetatable(L, kMessageMeta);
    lua_pushcfunction(L, messageGc);
    lua_setfield(L, -2, "__gc");
    lua_pushliteral(L, "message");
    lua_setfield(L, -2, "__metatable");
    lua_pop(L, 1);

    static const luaL_Reg methods[] = {{"send", l_send},     {"forward", l_forward}, {"ack", l_ack},
                                       {"nack", l_nack},     {"reply", l_reply},     {"timer", l_timer},
                                       {"cancel", l_cancel}, {"now", l_now},         {"random", l_random},
                                       {"trace", l_trace},   {"links", l_links},     {nullptr, nullptr}};
    lua_newtable(L); // ctx
    luaL_setfuncs(L, methods, 0);
    const std::string &id = nodeOf(L).id();
    lua_pushlstring(L, id.data(), id.size());
    lua_setfield(L, -2, "id");
    lua_newtable(L);
    lua_setfield(L, -2, "state");
    bool copied = false;
    if (previous) {
        const int top = lua_gettop(previous);
        if (lua_checkstack(previous, 8) && lua_rawgetp(previous, LUA_REGISTRYINDEX, previous) == LUA_TTABLE &&
            lua_getfield(previous, -1, "durable") == LUA_TTABLE) {
            copyPlain(previous, -1, L, 0);
            copied = lua_istable(L, -1);
            if (!copied) lua_pop(L, 1);
        }
        lua_settop(previous, top);
    }
    if (!copied) lua_newtable(L);
    lua_setfield(L, -2, "durable");
    // The ctx table, found again by the state's own address (a unique key no script can name).
    lua_rawsetp(L, LUA_REGISTRYINDEX, L);
}

int ScriptNode::trampoline(lua_State *L)
{
    auto *c = static_cast<HandlerCall *>(lua_touserdata(L, 1));
    int tag = 0; // a timer's tag, taken out of the registry whether or not on_timer is defined
    if (c->tagRef != LUA_NOREF) {
        lua_rawgeti(L, LUA_REGISTRYINDEX, c->tagRef);
        luaL_unref(L, LUA_REGISTRYINDEX, c->tagRef);
        tag = lua_gettop(L);
    }
    const int type = lua_getglobal(L, c->name);
    if (type == LUA_TNIL) return 0;
    if (type != LUA_TFUNCTION)
        return luaL_error(L, "%s is a %s, not a function", c->name, lua_typename(L, type));
    c->defined = true;
    lua_rawgetp(L, LUA_REGISTRYINDEX, L); // ctx (L is the main thread here)
    int args = 1;
    if (c->inbound) {
        pushMessage(L, *c->inbound);
        ++args;
    } else if (tag) {
        lua_pushvalue(L, tag);
        ++args;
    }
    lua_call(L, args, 1);
    if (lua_isinteger(L, -1)) {
        c->result = 2;
        c->number = lua_tointeger(L, -1);
    } else if (lua_isnil(L, -1)) {
        c->result = -1;
    } else {
        c->result = lua_toboolean(L, -1) ? 1 : 0;
    }
    return 0;
}

std::string scriptHelp()
{
    return "Lua 5.4 source defining handlers: on_start(ctx), on_message(ctx, msg), on_timer(ctx, tag), "
           "on_crash(ctx), on_restart(ctx). See docs/scripting.md.";
}

RouteAnswer explainScriptRoute(const RouteQuestion &q)
{
    RouteAnswer a;
    std::string peers;
    for (std::size_t i = 0; i < q.outputs.size(); ++i) {
        const RouteOutput &o = q.outputs[i];
        if (o.inbound || o.port != "out") continue;
        peers += (peers.empty() ? "" : ", ") + o.peer;
        a.verdicts.push_back(routeVerdict(i, false, "the script decides at run time whether to send here"));
    }
    a.note = peers.empty() ? "a script decides at run time; it has no output linked, so nothing leaves it"
                           : "a script decides at run time; it may send on: out (to " + peers + ")";
    a.ends = true;
    return a;
}

} // namespace

std::string checkLuaScript(const Json &value)
{
    if (!value.is_string()) return "must be Lua source text";
    ScriptError error;
    if (LuaSandbox::compile(value.get<std::string>(), error)) return {};
    return (error.line > 0 ? "line " + std::to_string(error.line) + ": " : std::string()) + error.message;
}

NodeKindSpec scriptKind()
{
    NodeKindSpec k;
    k.kind = "script";
    k.label = "Script (Lua)";
    k.category = "Scripted";
    k.help = "A node whose behaviour is a Lua 5.4 script: it handles publishes, deliveries and calls and "
             "sends, forwards, acks and replies (sandboxed, with a memory limit and an instruction budget).";
    k.ports = {
        {"in", PortDirection::In, Protocol::Publish, true,
         "Publishes from producers, exchanges or other scripts: on_message(ctx, msg) with msg.port = \"in\".",
         PortSpec::Need::Optional},
        {"deliveries", PortDirection::In, Protocol::Delivery, true,
         "Queues the script consumes from (it subscribes with its prefetch): settle each with ctx:ack / "
         "ctx:nack or by returning true / false.",
         PortSpec::Need::Optional},
        {"serve", PortDirection::In, Protocol::Call, true,
         "Calls from RPC or HTTP clients (unary): answer with ctx:reply(msg, {status = 0}) or by returning "
         "true or a status.",
         PortSpec::Need::Optional},
        {"out", PortDirection::Out, Protocol::Publish, true,
         "Where ctx:send and ctx:forward publish (every link, or the n-th one).", PortSpec::Need::Optional},
    };
    using T = PropertyType;
    PropertySpec source = property(
        "script", "Script", T::String,
        "-- Passes every message on, unchanged.\nfunction on_message(ctx, msg)\n  ctx:forward(\"out\", "
        "msg)\n  return true\nend\n",
        scriptHelp());
    source.code = "lua";
    source.check = checkLuaScript;
    k.properties = {
        source,
        property("instructionBudget", "Instruction budget", T::Integer, 1000000,
                 "Most Lua VM instructions one handler call may run (lua_sethook count); past it the call "
                 "fails with an error and the node is taken out of the run.",
                 "instr", 1000, 1e10),
        property("memoryLimit", "Memory limit", T::Integer, 16,
                 "Most memory the script's Lua state may hold; an allocation past it fails (\"not enough "
                 "memory\").",
                 "MB", 1, 1024),
        property("prefetch", "Prefetch", T::Integer, 10,
                 "Most unacked deliveries at once from each queue on \"deliveries\" (basic.qos; 0 = "
                 "unlimited).",
                 "msg", 0, 65535),
    };
    k.properties[3].zeroMeans = "no limit";
    k.factory = [](const NodeSetup &s) { return std::make_unique<ScriptNode>(s); };
    k.explainRoute = explainScriptRoute;
    return k;
}

std::vector<NodeTemplate> scriptTemplates()
{
    return {};
}

} // namespace sb
