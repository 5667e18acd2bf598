#pragma once
// Scripted nodes: a node whose behaviour is a Lua 5.4 script (docs/scripting.md). The script
// defines handlers (on_start, on_message, on_timer, on_crash, on_restart) and acts through a
// context object (ctx:send, ctx:forward, ctx:ack, ctx:reply, ctx:timer, ...), in a sandbox
// (luasandbox.h) with a memory limit and an instruction budget per call.
#include "../../schema.h"

#include <string>

namespace sb {

NodeKindSpec scriptKind();
std::vector<NodeTemplate> scriptTemplates();
// The reason a script is refused at validation ("line 3: unexpected symbol near 'x'"), or empty.
std::string checkLuaScript(const Json &value);

// The script kind's ports, in the order it declares them.
namespace ScriptPort {
inline constexpr PortIndex In = 0, Deliveries = 1, Serve = 2, Out = 3, Calls = 4, Commands = 5;
}

} // namespace sb
