#pragma once
// A Lua 5.4 state for one scripted node, sandboxed (docs/scripting.md, "Sandbox"):
// - its own lua_State, whose allocator refuses to grow past a memory limit (Lua turns that into
//   a "not enough memory" error, LUA_ERRMEM, which the script cannot get around);
// - only the base, string, table, math, utf8 and coroutine libraries (Lua 5.4 manual, 6), without
//   dofile, loadfile, collectgarbage, warn and string.dump; load takes text chunks only (mode
//   "t"); no io, os, package (require) or debug library;
// - deterministic: math.random draws from the node's seeded generator (math.randomseed is refused),
//   pairs visits keys in a fixed order, tostring and string.format never show addresses;
// - an instruction budget per call (lua_sethook with LUA_MASKCOUNT): once spent, every further
//   instruction raises an error, so a runaway handler ends even if it catches errors with pcall.
// Lua's headers stay in the .cpp files: this header only names lua_State.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

struct lua_State;
struct lua_Debug;

namespace sb {
class Rng;
}

namespace sb::script {

// A script's error: its line (0 when unknown) and Lua's message without the "script:N:" prefix.
struct ScriptError {
    int line = 0;
    std::string message;
    bool budget = false; // the instruction budget ran out
    bool memory = false; // the memory limit was reached
};

// The chunk name a node's script is loaded under: Lua's messages read "script:12: ...".
inline constexpr const char *kChunkName = "=script";

class LuaSandbox {
public:
    LuaSandbox(std::size_t memoryLimit, std::uint64_t instructionBudget);
    ~LuaSandbox();
    LuaSandbox(const LuaSandbox &) = delete;
    LuaSandbox &operator=(const LuaSandbox &) = delete;

    // False when even an empty state did not fit in the memory limit.
    bool ok() const { return m_L != nullptr; }
    lua_State *state() const { return m_L; }

    // Compiles `source` (text only) and runs its top level, under the budget.
    bool load(std::string_view source, ScriptError &error);
    // Runs `fn` in protected mode with the budget armed afresh; `fn` receives `arg` as a light
    // userdata at stack index 1. It may raise Lua errors; they come back in `error`.
    bool call(int (*fn)(lua_State *), void *arg, ScriptError &error, bool budgeted = true);

    // Where math.random and ctx:random draw from (the node's ctx.rng(), set before each call).
    void setRng(Rng *rng) { m_rng = rng; }
    Rng *rng() const { return m_rng; }
    // Where print(...) sends its line.
    void setPrint(std::function<void(std::string_view)> print) { m_print = std::move(print); }
    // The node this state belongs to (for its bindings).
    void setOwner(void *owner) { m_owner = owner; }
    void *owner() const { return m_owner; }

    std::size_t memoryUsed() const { return m_used; }
    std::size_t memoryLimit() const { return m_limit; }
    std::uint64_t instructionBudget() const { return m_budget; }

    // The sandbox a state (or one of its coroutines) belongs to.
    static LuaSandbox *of(lua_State *L);

    // Only the syntax: a throwaway sandbox compiles `source`. False with the error when it does not.
    static bool compile(std::string_view source, ScriptError &error);

private:
    static void *allocate(void *ud, void *ptr, std::size_t osize, std::size_t nsize);
    static void countHook(lua_State *L, lua_Debug *ar);
    static int messageHandler(lua_State *L);
    static int print(lua_State *L);
    static int random(lua_State *L);
    void openLibraries();
    void arm();
    void takeError(int status, ScriptError &error);

    lua_State *m_L = nullptr;
    std::size_t m_used = 0;
    std::size_t m_limit;
    std::uint64_t m_budget;
    std::uint64_t m_spent = 0; // instructions counted in the current call
    int m_granularity = 1000;  // the count hook's period
    bool m_exhausted = false;  // the current call spent its budget
    bool m_memoryHit = false;  // an allocation of the current call was refused
    int m_errorLine = 0;       // set by the message handler
    Rng *m_rng = nullptr;
    std::function<void(std::string_view)> m_print;
    void *m_owner = nullptr;

    friend int pushRandom(lua_State *L, Rng &rng);
};

// math.random's contract (Lua 5.4 manual, 6.7) over `rng`: no argument, a float in [0, 1);
// random(m), an integer in [1, m]; random(m, n), an integer in [m, n]. Raises on bad arguments.
int pushRandom(lua_State *L, Rng &rng);

// tostring without addresses: a table, function, thread or userdata without __tostring reads
// "table", "function", ... (docs/scripting.md, "Determinism"). Pushes the text.
const char *safeToString(lua_State *L, int index, std::size_t *len);

} // namespace sb::script
