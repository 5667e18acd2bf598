// What ctx:send and ctx:call are given (script_p.h): their spec tables read into messages. The
// fields sit in stack slots the binding filled (it did the lookups, which may raise); reading them
// here never raises.
#include "script_p.h"

#include <lua.hpp>

#include <cmath>

namespace sb::script {

bool readSendSpec(lua_State *L, const int slots[7], Message &m, std::string &error)
{
    auto str = [&](int slot, std::string &out, const char *what) {
        if (lua_isnil(L, slots[slot])) return true;
        if (!valueText(L, slots[slot], out) || lua_type(L, slots[slot]) == LUA_TBOOLEAN) {
            error = std::string("ctx:send: '") + what + "' must be a string";
            return false;
        }
        return true;
    };
    if (!str(0, m.routingKey, "routingKey") || !str(1, m.key, "key")) return false;
    // headers: name -> value
    if (!lua_isnil(L, slots[2])) {
        if (!lua_istable(L, slots[2])) {
            error = "ctx:send: 'headers' must be a table of name = value";
            return false;
        }
        if (!readNameValues(L, slots[2], "headers", error, [&](std::string name, int v) {
                std::string value;
                if (!valueText(L, v, value)) return false;
                m.headers.push_back({std::move(name), std::move(value)});
                return true;
            }))
            return false;
    }
    if (!lua_isnil(L, slots[3])) {
        if (!lua_istable(L, slots[3])) {
            error = "ctx:send: 'fields' must be a table of name = number or string";
            return false;
        }
        if (!readNameValues(L, slots[3], "fields", error, [&](std::string name, int v) {
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
                m.fields.push_back(std::move(f));
                return true;
            }))
            return false;
    }
    if (!lua_isnil(L, slots[4])) {
        lua_Integer b = 0;
        if (!lua_isinteger(L, slots[4]) || (b = lua_tointeger(L, slots[4])) < 0 || b > UINT32_MAX) {
            error = "ctx:send: 'bytes' must be a whole number of bytes (0 to 4294967295)";
            return false;
        }
        m.size = static_cast<std::uint32_t>(b);
    }
    if (!lua_isnil(L, slots[5])) {
        if (!lua_isinteger(L, slots[5]) || lua_tointeger(L, slots[5]) < 0) {
            error = "ctx:send: 'correlationId' must be a non-negative whole number";
            return false;
        }
        m.correlationId = static_cast<std::uint64_t>(lua_tointeger(L, slots[5]));
    }
    m.persistent = lua_toboolean(L, slots[6]);
    return true;
}

bool readCallSpec(lua_State *L, const int slots[4], Message &m, SimTime &timeout, std::string &error)
{
    if (lua_type(L, slots[0]) != LUA_TSTRING) {
        error = "ctx:call: 'method' must be a string (e.g. \"orders.Orders/Get\", \"POST /orders\")";
        return false;
    }
    valueText(L, slots[0], m.routingKey);
    if (!lua_isnil(L, slots[1])) {
        lua_Integer b = 0;
        if (!lua_isinteger(L, slots[1]) || (b = lua_tointeger(L, slots[1])) < 0 || b > UINT32_MAX) {
            error = "ctx:call: 'bytes' must be a whole number of bytes (0 to 4294967295)";
            return false;
        }
        m.size = static_cast<std::uint32_t>(b);
    }
    if (!lua_isnil(L, slots[2])) {
        if (!lua_istable(L, slots[2])) {
            error = "ctx:call: 'headers' must be a table of name = value";
            return false;
        }
        if (!readNameValues(L, slots[2], "headers", error, [&](std::string name, int v) {
                std::string value;
                if (!valueText(L, v, value)) return false;
                m.headers.push_back({std::move(name), std::move(value)});
                return true;
            }))
            return false;
    }
    timeout = kNever;
    if (!lua_isnil(L, slots[3])) {
        if (lua_type(L, slots[3]) != LUA_TNUMBER || !(lua_tonumber(L, slots[3]) >= 0) ||
            lua_tonumber(L, slots[3]) > 1e9) {
            error = "ctx:call: 'timeout' must be a number of seconds from 0 to 1e9";
            return false;
        }
        timeout =
            static_cast<SimTime>(std::llround(lua_tonumber(L, slots[3]) * static_cast<double>(kSecond)));
    }
    return true;
}

} // namespace sb::script
