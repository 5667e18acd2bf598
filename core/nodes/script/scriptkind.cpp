// The scripted node's kind (script.h): ports, properties, the script's check at validation and
// the routing inspector's answer.
#include "../common.h"
#include "luasandbox.h"
#include "script_p.h"

namespace sb {

namespace script {

namespace {

std::string scriptHelp()
{
    return "Lua 5.4 source defining handlers: on_start(ctx), on_message(ctx, msg), on_timer(ctx, tag), "
           "on_reply(ctx, reply), on_crash(ctx), on_restart(ctx). See docs/scripting.md.";
}

// A script decides at run time where a message goes (if anywhere): the answer names the outputs
// it may use, takes none and ends the inspected path here.
RouteAnswer explainScriptRoute(const RouteQuestion &q)
{
    RouteAnswer a;
    std::string out, calls;
    for (std::size_t i = 0; i < q.outputs.size(); ++i) {
        const RouteOutput &o = q.outputs[i];
        if (o.inbound || (o.port != "out" && o.port != "calls")) continue;
        std::string &list = o.port == "out" ? out : calls;
        list += (list.empty() ? "" : ", ") + o.peer;
        a.verdicts.push_back(routeVerdict(i, false,
                                          o.port == "out"
                                              ? "the script decides at run time whether to send here"
                                              : "the script decides at run time whether to call here"));
    }
    std::string may;
    if (!out.empty()) may = "out (to " + out + ")";
    if (!calls.empty()) may += (may.empty() ? "" : ", ") + std::string("calls (to ") + calls + ")";
    a.note = may.empty() ? "a script decides at run time; it has no output linked, so nothing leaves it"
                         : "a script decides at run time; it may send on: " + may;
    a.ends = true;
    return a;
}

} // namespace

} // namespace script

std::string checkLuaScript(const Json &value)
{
    if (!value.is_string()) return "must be Lua source text";
    script::ScriptError error;
    if (script::LuaSandbox::compile(value.get<std::string>(), error)) return {};
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
        {"calls", PortDirection::Out, Protocol::Call, true,
         "Servers the script calls with ctx:call(\"calls\", {method = ...}) (unary; the first link, or the "
         "n-th): "
         "each call's reply, timeout or failure comes back to on_reply(ctx, reply).",
         PortSpec::Need::Optional},
        {"commands", PortDirection::In, Protocol::Command, true,
         "Commands from a saga orchestrator (the script is a saga participant): answer with ctx:reply(msg, "
         "{status = 0}) or by returning true (done), false (rejected) or a command status.",
         PortSpec::Need::Optional},
    };
    using T = PropertyType;
    PropertySpec source =
        property("script", "Script", T::String,
                 "-- Passes every message on, unchanged; a delivery is acked once passed on.\n"
                 "function on_message(ctx, msg)\n"
                 "  ctx:forward(\"out\", msg)\n"
                 "  if msg.port == \"deliveries\" then return true end\n"
                 "end\n",
                 script::scriptHelp());
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
                 "no limit).",
                 "msg", 0, 65535),
    };
    k.properties[3].zeroMeans = "no limit";
    k.factory = [](const NodeSetup &s) { return script::makeScriptNode(s); };
    k.explainRoute = script::explainScriptRoute;
    return k;
}

std::vector<NodeTemplate> scriptTemplates()
{
    return {};
}

} // namespace sb
