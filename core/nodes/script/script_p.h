#pragma once
// What the scripted node (scriptnode.cpp) and its Lua bindings (scriptbindings.cpp) share. Private
// to core/nodes/script/: Lua's headers stay in the .cpp files (this header only names lua_State).
#include "../../node.h"
#include "script.h"

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

struct lua_State;

namespace sb::script {

inline constexpr const char *kPortNames[] = {"in", "deliveries", "serve", "out", "calls", "commands"};
inline constexpr int kPortCount = 6;
inline constexpr int kNoRef = -2; // LUA_NOREF: no registry reference

// The port named `name` (-1: none).
int portOf(const char *name);
inline double seconds(SimTime t)
{
    return static_cast<double>(t) / static_cast<double>(kSecond);
}

// What a message table's hidden reference (msg._ref) holds: the message and how it reached the node.
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
    // A command (port "commands"): the saga instance and step it belongs to (0: none), and whether
    // it is the step's compensating transaction (cqrs/commandprotocol.h).
    std::uint64_t saga = 0;
    std::uint32_t step = 0;
    bool compensation = false;
    // Acked, nacked or replied to; shared by the copies (the handler's, the message table's).
    std::shared_ptr<bool> settled = std::make_shared<bool>(false);
};

// The outcome of a call the script made (ctx:call), for on_reply.
struct ReplyInfo {
    std::uint64_t call = 0; // the call's id (what ctx:call returned)
    std::uint16_t status = 0;
    const Message *message = nullptr; // the response; null when none came (a timeout, no server)
    std::string_view method;
    SimTime latency = 0;
};

// A handler call, passed to the protected trampoline (handlerTrampoline).
struct HandlerCall {
    const char *name = nullptr;
    const Inbound *inbound = nullptr; // on_message
    const ReplyInfo *reply = nullptr; // on_reply (its tag in tagRef)
    int tagRef = kNoRef;              // on_timer: the registry reference of the tag
    bool defined = false;             // the script defines the handler
    int result = -1;                  // -1 nil (or nothing), 0 false, 1 true, 2 a number
    std::int64_t number = 0;          // the number returned
};

// What the bindings ask of the node. None of these raises a Lua error: what is wrong comes back
// in `error`, which the binding raises once the call has returned (a raise unwinds with longjmp,
// past any destructor).
class ScriptHost {
public:
    virtual ~ScriptHost() = default;
    // The running handler's context, or null outside one.
    virtual NodeContext *context() const = 0;
    // In on_crash: the node may look and trace, not act.
    virtual bool crashing() const = 0;
    virtual const std::string &id() const = 0;
    // ctx:send(port, spec [, n]) with the spec read into `m` (readSendSpec). The new message's id,
    // 0 when the run's message budget is spent (or on an error).
    virtual std::uint64_t send(std::shared_ptr<Message> m, PortIndex port, int which, std::string &error) = 0;
    virtual void forward(Inbound &in, PortIndex port, int which, std::string &error) = 0;
    virtual void settle(Inbound &in, bool ack, bool requeue, std::string &error) = 0;
    // ctx:reply: `headers` is the stack index of a headers table, or 0; `reason` a refused
    // command's reason.
    virtual void reply(lua_State *L, Inbound &in, std::uint16_t status, std::uint32_t bytes, int headers,
                       std::string_view reason, std::string &error) = 0;
    // ctx:call(port, spec [, n]) with the spec read into `m` and `timeout` (readCallSpec); `ref`
    // holds its tag. The call's id, or 0 on an error.
    virtual std::uint64_t call(std::shared_ptr<Message> m, int which, SimTime timeout, int ref,
                               std::string &error) = 0;
    // ctx:timer: `ref` holds the tag. Returns the timer's number.
    virtual std::uint64_t timer(SimTime delay, int ref) = 0;
    // ctx:cancel: the tag's reference to release, or kNoRef.
    virtual int cancel(std::uint64_t serial) = 0;
    virtual void log(std::string_view text, std::uint64_t messageId) = 0;
    virtual std::size_t linkCount(PortIndex port) const = 0;
};

// Sets up a fresh state: the message metatable and the ctx object (its methods, id, state, and the
// durable table copied from `previous`, the state before a crash, when given). In protected mode.
void setUpBindings(lua_State *L, const std::string &id, lua_State *previous);
// Calls the handler a HandlerCall (light userdata at index 1) names, with ctx and its argument;
// in protected mode (LuaSandbox::call).
int handlerTrampoline(lua_State *L);
// Reads a table of name = value (names strings); `each(name, value index)` false: a bad value.
// Never raises.
bool readNameValues(lua_State *L, int table, const char *what, std::string &error,
                    const std::function<bool(std::string name, int value)> &each);
// ctx:send's spec from stack slots (routingKey, key, headers, fields, bytes, correlationId,
// persistent) into `m`. Never raises.
bool readSendSpec(lua_State *L, const int slots[7], Message &m, std::string &error);
// ctx:call's spec from stack slots (method, bytes, headers, timeout) into `m` and `timeout`
// (kNever: none). Never raises.
bool readCallSpec(lua_State *L, const int slots[4], Message &m, SimTime &timeout, std::string &error);
// A string, number or boolean as text (numbers as Lua writes them); false for other values.
bool valueText(lua_State *L, int index, std::string &out);

std::unique_ptr<Node> makeScriptNode(const NodeSetup &setup);

} // namespace sb::script
