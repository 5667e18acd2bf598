// The Lua sandbox (luasandbox.h). Lua is C: its errors unwind with longjmp, so no function here
// holds an object with a destructor while it calls a Lua function that may raise.
#include "luasandbox.h"

#include "../../random.h"

#include <lua.hpp>

#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace sb::script {

namespace {

// Set up once per state, before the script: pairs in a fixed key order (numbers ascending, then
// strings byte-wise, then false, true, then other keys as next gives them), taking a table's own
// __pairs metamethod first as Lua 5.4's pairs does. `metafield` is passed in as the chunk's argument.
constexpr const char *kPrelude = R"lua(
local metafield = ...
local next, type, sort, rawget = next, type, table.sort, rawget
local rank = {number = 1, string = 2, boolean = 3}
local function before(a, b)
  local ta, tb = type(a), type(b)
  local ra, rb = rank[ta] or 4, rank[tb] or 4
  if ra ~= rb then return ra < rb end
  if ra == 4 then return false end
  if ta == "boolean" then return (not a) and b end
  return a < b
end
function pairs(t)
  local mp = metafield(t, "__pairs")
  if mp then
    local f, s, c = mp(t)
    return f, s, c
  end
  if type(t) ~= "table" then error("bad argument #1 to 'pairs' (table expected, got " .. type(t) .. ")", 2) end
  local keys, n = {}, 0
  for k in next, t do
    n = n + 1
    keys[n] = k
  end
  sort(keys, before)
  local i = 0
  return function(tt)
    i = i + 1
    local k = keys[i]
    if k ~= nil then return k, rawget(tt, k) end
  end, t, nil
end
)lua";

int metafield(lua_State *L)
{
    if (luaL_getmetafield(L, 1, luaL_checkstring(L, 2)) == LUA_TNIL) lua_pushnil(L);
    return 1;
}

bool hasToString(lua_State *L, int index)
{
    if (luaL_getmetafield(L, index, "__tostring") == LUA_TNIL) return false;
    lua_pop(L, 1);
    return true;
}

int toString(lua_State *L)
{
    luaL_checkany(L, 1);
    safeToString(L, 1, nullptr);
    return 1;
}

// string.format, refusing %p (an address) and showing tables, functions... without addresses.
int format(lua_State *L)
{
    std::size_t len = 0;
    const char *fmt = luaL_checklstring(L, 1, &len);
    for (std::size_t i = 0; i < len; ++i) {
        if (fmt[i] != '%') continue;
        ++i;
        while (i < len && std::strchr("-+ #0123456789.", fmt[i]))
            ++i;
        if (i < len && fmt[i] == 'p')
            return luaL_error(
                L, "string.format: %%p is not available in scripts (addresses differ between runs)");
    }
    const int n = lua_gettop(L);
    for (int i = 2; i <= n; ++i) {
        const int t = lua_type(L, i);
        if ((t == LUA_TTABLE || t == LUA_TFUNCTION || t == LUA_TTHREAD || t == LUA_TUSERDATA ||
             t == LUA_TLIGHTUSERDATA) &&
            !hasToString(L, i)) {
            lua_pushstring(L, lua_typename(L, t));
            lua_replace(L, i);
        }
    }
    lua_pushvalue(L, lua_upvalueindex(1)); // the original string.format
    lua_insert(L, 1);
    lua_call(L, n, 1);
    return 1;
}

// load, for text chunks only: load(chunk [, chunkname [, mode [, env]]]) with chunk a string.
int safeLoad(lua_State *L)
{
    std::size_t len = 0;
    if (lua_type(L, 1) != LUA_TSTRING)
        return luaL_error(L, "load takes the chunk as a string in scripts (no reader functions)");
    const char *text = lua_tolstring(L, 1, &len);
    const char *name = luaL_optstring(L, 2, "=(load)");
    const char *mode = luaL_optstring(L, 3, "t");
    if (!std::strchr(mode, 't'))
        return luaL_error(L, "load: only text chunks (mode \"t\") can be loaded in scripts, not binary ones");
    const bool hasEnv = !lua_isnone(L, 4);
    if (luaL_loadbufferx(L, text, len, name, "t") != LUA_OK) {
        luaL_pushfail(L);
        lua_insert(L, -2);
        return 2;
    }
    if (hasEnv) {
        lua_pushvalue(L, 4);
        if (!lua_setupvalue(L, -2, 1)) lua_pop(L, 1);
    }
    return 1;
}

int refuseRandomSeed(lua_State *L)
{
    return luaL_error(L, "math.randomseed is not available in scripts: random numbers come from the run's "
                         "seed (use math.random or ctx:random)");
}

// Lua's message "script:12: text" read as (12, "text"); false when it has no such prefix.
bool splitPosition(const char *msg, int &line, const char **rest)
{
    static constexpr std::string_view prefix = "script:";
    if (std::strncmp(msg, prefix.data(), prefix.size()) != 0) return false;
    const char *p = msg + prefix.size();
    int n = 0;
    bool digits = false;
    while (*p >= '0' && *p <= '9') {
        n = n * 10 + (*p - '0');
        digits = true;
        ++p;
        if (n > 100000000) return false;
    }
    if (!digits || *p != ':') return false;
    ++p;
    if (*p == ' ') ++p;
    line = n;
    *rest = p;
    return true;
}

} // namespace

const char *safeToString(lua_State *L, int index, std::size_t *len)
{
    const int t = lua_type(L, index);
    if ((t == LUA_TTABLE || t == LUA_TFUNCTION || t == LUA_TTHREAD || t == LUA_TUSERDATA ||
         t == LUA_TLIGHTUSERDATA) &&
        !hasToString(L, index)) {
        const char *s = lua_pushstring(L, t == LUA_TLIGHTUSERDATA ? "userdata" : lua_typename(L, t));
        if (len) *len = std::strlen(s);
        return s;
    }
    return luaL_tolstring(L, index, len);
}

int pushRandom(lua_State *L, Rng &rng)
{
    // Arguments checked first: nothing is drawn for a call that fails.
    const int n = lua_gettop(L);
    lua_Integer low = 1, up = 0;
    switch (n) {
    case 0:
        lua_pushnumber(L, rng.uniform01());
        return 1;
    case 1:
        up = luaL_checkinteger(L, 1);
        if (up == 0) { // math.random(0): an integer with all bits random
            lua_pushinteger(L, static_cast<lua_Integer>(rng.next()));
            return 1;
        }
        break;
    case 2:
        low = luaL_checkinteger(L, 1);
        up = luaL_checkinteger(L, 2);
        break;
    default:
        return luaL_error(L, "wrong number of arguments to random");
    }
    luaL_argcheck(L, low <= up, n, "interval is empty");
    const auto span = static_cast<std::uint64_t>(up) - static_cast<std::uint64_t>(low);
    const std::uint64_t r = span == UINT64_MAX ? rng.next() : rng.below(span + 1);
    lua_pushinteger(L, static_cast<lua_Integer>(static_cast<std::uint64_t>(low) + r));
    return 1;
}

LuaSandbox::LuaSandbox(std::size_t memoryLimit, std::uint64_t instructionBudget)
    : m_limit(memoryLimit), m_budget(instructionBudget ? instructionBudget : 1)
{
    m_granularity = static_cast<int>(m_budget < 1000 ? m_budget : 1000);
    m_L = lua_newstate(&LuaSandbox::allocate, this);
    if (!m_L) return;
    *static_cast<LuaSandbox **>(lua_getextraspace(m_L)) = this;
    ScriptError error;
    if (!call(
            [](lua_State *L) {
                static_cast<LuaSandbox *>(lua_touserdata(L, 1))->openLibraries();
                return 0;
            },
            this, error, false)) {
        lua_close(m_L);
        m_L = nullptr;
    }
}

LuaSandbox::~LuaSandbox()
{
    if (m_L) lua_close(m_L);
}

LuaSandbox *LuaSandbox::of(lua_State *L)
{
    return *static_cast<LuaSandbox **>(lua_getextraspace(L));
}

void *LuaSandbox::allocate(void *ud, void *ptr, std::size_t osize, std::size_t nsize)
{
    auto *self = static_cast<LuaSandbox *>(ud);
    const std::size_t old = ptr ? osize : 0; // without a block, osize is the kind of object
    if (nsize == 0) {
        std::free(ptr);
        self->m_used -= old;
        return nullptr;
    }
    if (nsize > old && self->m_used - old + nsize > self->m_limit) {
        // Lua raises "not enough memory" (after a full collection). A script that catches it with
        // pcall and tries again would pay a full collection per attempt: the count hook ends the
        // call instead (within its next period).
        self->m_memoryHit = true;
        return nullptr;
    }
    void *p = std::realloc(ptr, nsize);
    if (p) self->m_used = self->m_used - old + nsize;
    return p;
}

void LuaSandbox::openLibraries()
{
    lua_State *L = m_L;
    static const luaL_Reg libs[] = {{LUA_GNAME, luaopen_base},       {LUA_STRLIBNAME, luaopen_string},
                                    {LUA_TABLIBNAME, luaopen_table}, {LUA_MATHLIBNAME, luaopen_math},
                                    {LUA_UTF8LIBNAME, luaopen_utf8}, {LUA_COLIBNAME, luaopen_coroutine}};
    for (const auto &lib : libs) {
        luaL_requiref(L, lib.name, lib.func, 1);
        lua_pop(L, 1);
    }
    // Base functions that reach files, the collector or stderr.
    for (const char *name : {"dofile", "loadfile", "collectgarbage", "warn"}) {
        lua_pushnil(L);
        lua_setglobal(L, name);
    }
    lua_pushcfunction(L, safeLoad);
    lua_setglobal(L, "load");
    lua_pushcfunction(L, toString);
    lua_setglobal(L, "tostring");
    lua_pushcfunction(L, &LuaSandbox::print);
    lua_setglobal(L, "print");

    lua_getglobal(L, LUA_STRLIBNAME);
    lua_pushnil(L);
    lua_setfield(L, -2, "dump");
    lua_getfield(L, -1, "format");
    lua_pushcclosure(L, format, 1);
    lua_setfield(L, -2, "format");
    lua_pop(L, 1);

    lua_getglobal(L, LUA_MATHLIBNAME);
    lua_pushcfunction(L, &LuaSandbox::random);
    lua_setfield(L, -2, "random");
    lua_pushcfunction(L, refuseRandomSeed);
    lua_setfield(L, -2, "randomseed");
    lua_pop(L, 1);

    if (luaL_loadbufferx(L, kPrelude, std::strlen(kPrelude), "=prelude", "t") != LUA_OK) lua_error(L);
    lua_pushcfunction(L, metafield);
    lua_call(L, 1, 0);
}

int LuaSandbox::print(lua_State *L)
{
    LuaSandbox *self = of(L);
    const int n = lua_gettop(L);
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    for (int i = 1; i <= n; ++i) {
        if (i > 1) luaL_addchar(&b, '\t');
        safeToString(L, i, nullptr);
        luaL_addvalue(&b);
    }
    luaL_pushresult(&b);
    std::size_t len = 0;
    const char *s = lua_tolstring(L, -1, &len);
    if (self->m_print) self->m_print(std::string_view(s, len));
    return 0;
}

int LuaSandbox::random(lua_State *L)
{
    LuaSandbox *self = of(L);
    if (!self->m_rng) return luaL_error(L, "math.random is not available while the script is checked");
    return pushRandom(L, *self->m_rng);
}

void LuaSandbox::countHook(lua_State *L, lua_Debug *)
{
    LuaSandbox *self = of(L);
    self->m_spent += static_cast<std::uint64_t>(self->m_granularity);
    if (self->m_spent < self->m_budget && !self->m_exhausted && !self->m_memoryHit) return;
    // From now on every instruction of every thread raises: a handler cannot catch its way on.
    if (!self->m_memoryHit) self->m_exhausted = true;
    lua_sethook(L, &LuaSandbox::countHook, LUA_MASKCOUNT, 1);
    lua_sethook(self->m_L, &LuaSandbox::countHook, LUA_MASKCOUNT, 1);
    if (self->m_memoryHit)
        lua_pushfstring(L, "memory limit of %I bytes reached (not enough memory)",
                        static_cast<lua_Integer>(self->m_limit));
    else
        lua_pushfstring(L, "instruction budget of %I exceeded", static_cast<lua_Integer>(self->m_budget));
    lua_error(L);
}

void LuaSandbox::arm()
{
    m_spent = 0;
    m_exhausted = false;
    m_memoryHit = false;
    m_errorLine = 0;
    lua_sethook(m_L, &LuaSandbox::countHook, LUA_MASKCOUNT, m_granularity);
}

int LuaSandbox::messageHandler(lua_State *L)
{
    LuaSandbox *self = of(L);
    if (lua_type(L, 1) != LUA_TSTRING && !hasToString(L, 1)) {
        lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
        lua_replace(L, 1);
    } else if (lua_type(L, 1) != LUA_TSTRING) {
        luaL_tolstring(L, 1, nullptr);
        lua_replace(L, 1);
    }
    int line = 0;
    const char *rest = nullptr;
    if (!splitPosition(lua_tostring(L, 1), line, &rest)) {
        // No position in the message (a library function's error): the innermost script line.
        lua_Debug ar;
        for (int level = 1; lua_getstack(L, level, &ar); ++level) {
            if (!lua_getinfo(L, "Sl", &ar)) break;
            if (ar.currentline > 0 && std::strcmp(ar.source, kChunkName) == 0) {
                line = ar.currentline;
                break;
            }
        }
    }
    self->m_errorLine = line;
    return 1;
}

void LuaSandbox::takeError(int status, ScriptError &error)
{
    error = ScriptError();
    error.budget = m_exhausted;
    error.memory = m_memoryHit;
    if (status == LUA_ERRMEM) {
        error.memory = true;
        error.message = "memory limit of " + std::to_string(m_limit) + " bytes reached (not enough memory)";
        lua_pop(m_L, 1);
        return;
    }
    const char *msg = lua_tostring(m_L, -1);
    std::string text = msg ? msg : "(error object is not a string)";
    int line = m_errorLine;
    const char *rest = nullptr;
    if (msg && splitPosition(msg, line, &rest)) text = rest;
    if (status == LUA_ERRERR) text = "error in the error handler: " + text;
    error.line = line;
    error.message = std::move(text);
    lua_pop(m_L, 1);
}

bool LuaSandbox::call(int (*fn)(lua_State *), void *arg, ScriptError &error, bool budgeted)
{
    lua_State *L = m_L;
    lua_settop(L, 0);
    lua_pushcfunction(L, &LuaSandbox::messageHandler);
    lua_pushcfunction(L, fn);
    lua_pushlightuserdata(L, arg);
    if (budgeted)
        arm();
    else
        m_errorLine = 0;
    const int status = lua_pcall(L, 1, 0, 1);
    lua_sethook(L, nullptr, 0, 0);
    if (status != LUA_OK) {
        takeError(status, error);
        lua_settop(L, 0);
        return false;
    }
    lua_settop(L, 0);
    return true;
}

bool LuaSandbox::load(std::string_view source, ScriptError &error)
{
    struct Chunk {
        std::string_view text;
    } chunk{source};
    return call(
        [](lua_State *L) {
            const auto *c = static_cast<const Chunk *>(lua_touserdata(L, 1));
            if (luaL_loadbufferx(L, c->text.data(), c->text.size(), kChunkName, "t") != LUA_OK) lua_error(L);
            lua_call(L, 0, 0);
            return 0;
        },
        &chunk, error);
}

bool LuaSandbox::compile(std::string_view source, ScriptError &error)
{
    LuaSandbox box(64u << 20, 1000);
    if (!box.ok()) {
        error.message = "cannot create a Lua state";
        return false;
    }
    struct Chunk {
        std::string_view text;
    } chunk{source};
    if (box.call(
            [](lua_State *L) {
                const auto *c = static_cast<const Chunk *>(lua_touserdata(L, 1));
                if (luaL_loadbufferx(L, c->text.data(), c->text.size(), kChunkName, "t") != LUA_OK)
                    lua_error(L);
                return 0;
            },
            &chunk, error))
        return true;
    // The one compile error without a position: a binary chunk, refused by its first byte.
    if (error.line == 0) error.line = 1;
    return false;
}

} // namespace sb::script
