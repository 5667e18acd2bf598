// The scripted node's Lua bindings (script_p.h): the ctx object's methods, the message table,
// the handler trampoline, and the copy of ctx.durable into a restarted state.
//
// Lua is C: its errors unwind with longjmp. The functions below check their arguments (which may
// raise) before they create any C++ object, and call the node (a ScriptHost, which never raises);
// what it finds wrong comes back as text, raised once its objects are gone (guarded).
#include "../common.h"
#include "luasandbox.h"
#include "script_p.h"

#include <lua.hpp>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <new>

namespace sb::script {

static_assert(kNoRef == LUA_NOREF);

namespace {

constexpr const char *kMessageMeta = "signalbox.message";
constexpr int kMaxDurableDepth = 32;

ScriptHost &nodeOf(lua_State *L)
{
    return *static_cast<ScriptHost *>(LuaSandbox::of(L)->owner());
}

// The running node's context; raises when there is none or the node is crashing and `acting`.
NodeContext &contextOf(lua_State *L, const char *what, bool acting = true)
{
    ScriptHost &n = nodeOf(L);
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
    guarded(L, [&](std::string &error) {
        auto m = std::make_shared<Message>();
        if (readSendSpec(L, slots, *m, error)) id = nodeOf(L).send(std::move(m), port, which, error);
    });
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
    std::size_t reasonLength = 0;
    const char *reason = "";
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
        lua_getfield(L, 3, "reason");
        if (!lua_isnil(L, -1)) reason = luaL_checklstring(L, -1, &reasonLength);
        luaL_argcheck(L, status >= 0 && status < kNoStatus, 3, "status must be 0 to 65534");
        luaL_argcheck(L, bytes >= 0 && bytes <= UINT32_MAX, 3, "bytes must be 0 to 4294967295");
    }
    guarded(L, [&](std::string &error) {
        nodeOf(L).reply(L, in, static_cast<std::uint16_t>(status), static_cast<std::uint32_t>(bytes), headers,
                        std::string_view(reason, reasonLength), error);
    });
    return 0;
}

int l_call(lua_State *L)
{
    contextOf(L, "ctx:call");
    const char *name = luaL_checkstring(L, 2);
    if (portOf(name) != static_cast<int>(ScriptPort::Calls))
        return luaL_error(L, "ctx:call: \"%s\" is not a calls port (the script node calls on \"calls\")",
                          name);
    luaL_checktype(L, 3, LUA_TTABLE);
    const int which = static_cast<int>(luaL_optinteger(L, 4, 0));
    luaL_checkstack(L, 16, nullptr);
    static constexpr const char *keys[4] = {"method", "bytes", "headers", "timeout"};
    int slots[4];
    for (int i = 0; i < 4; ++i) {
        lua_getfield(L, 3, keys[i]);
        slots[i] = lua_gettop(L);
    }
    lua_getfield(L, 3, "tag");
    const int ref = luaL_ref(L, LUA_REGISTRYINDEX);
    char text[512];
    text[0] = 0;
    std::uint64_t id = 0;
    {
        std::string error;
        auto m = std::make_shared<Message>();
        SimTime timeout = kNever;
        if (readCallSpec(L, slots, *m, timeout, error))
            id = nodeOf(L).call(std::move(m), which, timeout, ref, error);
        if (!error.empty()) std::snprintf(text, sizeof text, "%s", error.c_str());
    }
    if (text[0]) {
        luaL_unref(L, LUA_REGISTRYINDEX, ref);
        return luaL_error(L, "%s", text);
    }
    lua_pushinteger(L, static_cast<lua_Integer>(id));
    return 1;
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
    return pushRandom(L, ctx.rng());
}

int l_trace(lua_State *L)
{
    contextOf(L, "ctx:trace", false);
    std::size_t len = 0;
    luaL_checkany(L, 2);
    std::uint64_t id = 0;
    if (!lua_isnoneornil(L, 3)) id = inboundArg(L, 3, "ctx:trace").message->id;
    const char *text = safeToString(L, 2, &len);
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
    if (in.port == ScriptPort::Commands) {
        lua_pushinteger(L, static_cast<lua_Integer>(in.saga));
        lua_setfield(L, -2, "saga");
        lua_pushinteger(L, in.step);
        lua_setfield(L, -2, "step");
        lua_pushboolean(L, in.compensation);
        lua_setfield(L, -2, "compensation");
    }
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

// on_reply's argument: the call's outcome, with the tag ctx:call was given (stack index `tag`, 0: none).
void pushReply(lua_State *L, const ReplyInfo &r, int tag)
{
    lua_createtable(L, 0, 8);
    lua_pushinteger(L, static_cast<lua_Integer>(r.call));
    lua_setfield(L, -2, "call");
    lua_pushinteger(L, r.status);
    lua_setfield(L, -2, "status");
    lua_pushboolean(L, r.status == 0 || (r.status >= 200 && r.status <= 299));
    lua_setfield(L, -2, "ok");
    lua_pushlstring(L, r.method.data(), r.method.size());
    lua_setfield(L, -2, "method");
    lua_pushnumber(L, seconds(r.latency));
    lua_setfield(L, -2, "latency");
    lua_pushinteger(L, r.message ? r.message->size : 0);
    lua_setfield(L, -2, "bytes");
    lua_createtable(L, 0, r.message ? static_cast<int>(r.message->headers.size()) : 0);
    if (r.message)
        for (const auto &h : r.message->headers) {
            lua_pushlstring(L, h.value.data(), h.value.size());
            lua_setfield(L, -2, h.name.c_str());
        }
    lua_setfield(L, -2, "headers");
    if (tag) {
        lua_pushvalue(L, tag);
        lua_setfield(L, -2, "tag");
    }
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

} // namespace

int portOf(const char *name)
{
    for (int i = 0; i < kPortCount; ++i)
        if (std::strcmp(kPortNames[i], name) == 0) return i;
    return -1;
}

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

bool readNameValues(lua_State *L, int table, const char *what, std::string &error,
                    const std::function<bool(std::string name, int value)> &each)
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
            error = std::string("'") + what + "': the value of '" + copy + "' must be a string or a number";
            return false;
        }
        lua_pop(L, 1);
    }
    return true;
}

void setUpBindings(lua_State *L, const std::string &id, lua_State *previous)
{
    luaL_newmetatable(L, kMessageMeta);
    lua_pushcfunction(L, messageGc);
    lua_setfield(L, -2, "__gc");
    lua_pushliteral(L, "message");
    lua_setfield(L, -2, "__metatable");
    lua_pop(L, 1);

    static const luaL_Reg methods[] = {{"send", l_send},     {"forward", l_forward}, {"ack", l_ack},
                                       {"call", l_call},     {"nack", l_nack},       {"reply", l_reply},
                                       {"timer", l_timer},   {"cancel", l_cancel},   {"now", l_now},
                                       {"random", l_random}, {"trace", l_trace},     {"links", l_links},
                                       {nullptr, nullptr}};
    lua_newtable(L); // ctx
    luaL_setfuncs(L, methods, 0);
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

int handlerTrampoline(lua_State *L)
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
    } else if (c->reply) {
        pushReply(L, *c->reply, tag);
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

} // namespace sb::script
