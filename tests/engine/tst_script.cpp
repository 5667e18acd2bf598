// Scripted nodes (core/nodes/script/, docs/scripting.md): the Lua sandbox (no io, os, require,
// debug, dofile, loadfile, binary chunks), the instruction budget and the memory limit, error lines
// at validation and at run time, determinism, ctx:send / ctx:timer / ctx.state, crash and restart
// handlers, a scripted consumer reproducing the built-in consumer's trace event for event, a script
// serving calls, and the bundled example.
#include "enginetest.h"

#include "nodes/script/script.h"

#include <set>

using namespace sb;
using namespace sbtest;

class TestScript : public QObject {
    Q_OBJECT
private slots:
    void sandbox_data();
    void sandbox();
    void allowedLibraries();
    void deterministicHelpers();
    void budget_data();
    void budget();
    void memoryLimit_data();
    void memoryLimit();
    void syntaxErrorLine_data();
    void syntaxErrorLine();
    void runtimeErrorLine_data();
    void runtimeErrorLine();
    void determinism();
    void randomFromNodeStream();
    void sendTimerState();
    void forwardToNthLink();
    void crashAndRestart_data();
    void crashAndRestart();
    void stoppedNodeDropsFrames();
    void reproducesBuiltinConsumer_data();
    void reproducesBuiltinConsumer();
    void servesCalls();
    void makesCalls();
    void callWithoutServer();
    void sagaParticipant();
    void rateLimiterExample();
};

namespace {

// A single script node running `body` in on_start, beside a producer -> queue -> consumer line
// that must run to its end whatever the script does.
Topology aloneWith(const std::string &source, Json extra = Json::object())
{
    Json props = {{"script", source}};
    for (auto &[k, v] : extra.items())
        props[k] = v;
    TopologyBuilder b;
    b.node("s", "script", props)
        .node("p", "producer", {{"rate", 100}, {"count", 20}})
        .node("q", "queue")
        .node("c", "consumer", {{"processing", "1ms"}})
        .link("p", "q")
        .link("q", "c", {}, "deliver");
    return b.topology();
}

std::string onStart(const std::string &body)
{
    return "function on_start(ctx)\n" + body + "\nend\n";
}

// The notes (log lines and problems) of node `id`, in order.
std::vector<NodeNote> notesOf(const Run &r, const std::string &id)
{
    std::vector<NodeNote> out;
    for (const auto &n : r.sim->notes())
        if (n.node == r.index(id)) out.push_back(n);
    return out;
}

std::vector<std::string> logLines(const Run &r, const std::string &id)
{
    std::vector<std::string> out;
    for (const auto &n : notesOf(r, id))
        if (!n.problem) out.push_back(n.text);
    return out;
}

std::string problemOf(const Run &r, const std::string &id)
{
    const auto p = r.sim->problems(r.index(id));
    return p.empty() ? std::string() : p.front().text;
}

const TraceEvent *scriptError(const Run &r, const std::string &id)
{
    for (const auto &e : r.trace.events)
        if (e.kind == TraceKind::ScriptError && e.node == r.index(id)) return &e;
    return nullptr;
}

bool sameEvent(const TraceEvent &a, const TraceEvent &b)
{
    return a.time == b.time && a.local == b.local && a.aux == b.aux && a.messageId == b.messageId &&
           a.correlationId == b.correlationId && a.node == b.node && a.peer == b.peer && a.link == b.link &&
           a.deliveryCount == b.deliveryCount && a.kind == b.kind && a.reason == b.reason &&
           a.frame == b.frame && a.flags == b.flags && a.status == b.status && a.partition == b.partition &&
           a.group == b.group && a.offset == b.offset && a.epoch == b.epoch;
}

} // namespace

void TestScript::sandbox_data()
{
    QTest::addColumn<QString>("snippet");
    QTest::addColumn<QString>("error");
    QTest::newRow("io") << "io.open('/etc/passwd')"
                        << "global 'io'";
    QTest::newRow("os") << "os.time()"
                        << "global 'os'";
    QTest::newRow("os.exit") << "os.exit(1)"
                             << "global 'os'";
    QTest::newRow("require") << "require('socket')"
                             << "global 'require'";
    QTest::newRow("package") << "local p = package.path"
                             << "global 'package'";
    QTest::newRow("debug") << "debug.sethook()"
                           << "global 'debug'";
    QTest::newRow("dofile") << "dofile('/etc/passwd')"
                            << "global 'dofile'";
    QTest::newRow("loadfile") << "loadfile('/etc/passwd')"
                              << "global 'loadfile'";
    QTest::newRow("collectgarbage") << "collectgarbage('count')"
                                    << "global 'collectgarbage'";
    QTest::newRow("binary chunk") << "local f, e = load('\\27LuaT\\0')\nassert(f, e)"
                                  << "binary chunk";
    QTest::newRow("binary mode") << "load('return 1', 'x', 'b')"
                                 << "only text chunks";
    QTest::newRow("load reader") << "load(function() return nil end)"
                                 << "as a string";
    QTest::newRow("string.dump") << "string.dump(print)"
                                 << "field 'dump'";
    QTest::newRow("randomseed") << "math.randomseed(42)"
                                << "math.randomseed is not available";
    QTest::newRow("format %p") << "local s = string.format('%p', {})"
                               << "%p is not available";
    QTest::newRow("ctx outside a handler") << "SAVED = ctx\nerror('keep going')"
                                           << "keep going";
}

void TestScript::sandbox()
{
    QFETCH(QString, snippet);
    QFETCH(QString, error);
    auto r = run(aloneWith(onStart(snippet.toStdString())));
    QVERIFY(r);
    const TraceEvent *e = scriptError(*r, "s");
    QVERIFY2(e, "the snippet should have raised an error");
    const std::string problem = problemOf(*r, "s");
    QVERIFY2(problem.find(error.toStdString()) != std::string::npos, problem.c_str());
    QVERIFY(e->aux >= 2); // the snippet starts on line 2
    // The run went on without the script.
    QCOMPARE(r->reason, StopReason::Quiescent);
    QCOMPARE(r->trace.countAt(TraceKind::Process, r->index("c")), std::size_t(20));
}

void TestScript::allowedLibraries()
{
    // What stays: string, table, math, utf8, coroutine, load of text, pcall, select...
    const std::string body = R"lua(
  local parts = {}
  parts[#parts + 1] = string.upper("ab") .. string.format("%d-%s", 7, "x")
  parts[#parts + 1] = table.concat({1, 2, 3}, "+")
  parts[#parts + 1] = tostring(math.floor(3.7)) .. tostring(math.maxinteger > 0)
  parts[#parts + 1] = tostring(utf8.len("héllo"))
  local co = coroutine.wrap(function(a) coroutine.yield(a + 1) end)
  parts[#parts + 1] = tostring(co(1))
  parts[#parts + 1] = tostring(load("return 6 * 7")())
  parts[#parts + 1] = tostring(select("#", pcall(error, "x")))
  print(table.concat(parts, " "))
)lua";
    auto r = run(aloneWith(onStart(body)));
    QVERIFY(r);
    QVERIFY2(!scriptError(*r, "s"), problemOf(*r, "s").c_str());
    const auto lines = logLines(*r, "s");
    QCOMPARE(lines.size(), std::size_t(1));
    QCOMPARE(QString::fromStdString(lines[0]), QStringLiteral("AB7-x 1+2+3 3true 5 2 42 2"));
    QCOMPARE(r->trace.countAt(TraceKind::ScriptLog, r->index("s")), std::size_t(1));

    // A long line is kept clipped to 4 KB.
    auto big = run(aloneWith(onStart("print(string.rep('x', 100000))")));
    QVERIFY(big);
    const auto clipped = logLines(*big, "s");
    QCOMPARE(clipped.size(), std::size_t(1));
    QVERIFY(clipped[0].size() < 4200);
    QVERIFY(clipped[0].find("[... 95904 more bytes]") != std::string::npos);
}

void TestScript::deterministicHelpers()
{
    // No address reaches the script's output, and pairs visits keys in a fixed order.
    const std::string body = R"lua(
  local t = {zeta = 1, alpha = 2, [10] = 3, [2] = 4, [true] = 5, mid = 6, [false] = 7, [1.5] = 8}
  local keys = {}
  for k in pairs(t) do keys[#keys + 1] = tostring(k) end
  ctx:trace(table.concat(keys, ","))
  ctx:trace(tostring({}) .. " " .. tostring(print) .. " " .. string.format("%s", {}))
)lua";
    auto r = run(aloneWith(onStart(body)));
    QVERIFY(r);
    QVERIFY2(!scriptError(*r, "s"), problemOf(*r, "s").c_str());
    const auto lines = logLines(*r, "s");
    QCOMPARE(lines.size(), std::size_t(2));
    QCOMPARE(QString::fromStdString(lines[0]), QStringLiteral("1.5,2,10,alpha,mid,zeta,false,true"));
    QCOMPARE(QString::fromStdString(lines[1]), QStringLiteral("table function table"));
}

void TestScript::budget_data()
{
    QTest::addColumn<QString>("body");
    QTest::newRow("while true") << "while true do end";
    QTest::newRow("caught by pcall") << "while true do pcall(function() while true do end end) end";
    QTest::newRow("in coroutines")
        << "while true do\n"
           "  coroutine.resume(coroutine.create(function() while true do end end))\n"
           "end";
    QTest::newRow("recursion in pcall") << "local function f() pcall(f) return f() end\nf()";
}

void TestScript::budget()
{
    QFETCH(QString, body);
    auto r = run(aloneWith(onStart(body.toStdString()), {{"instructionBudget", 100000}}));
    QVERIFY(r);
    const TraceEvent *e = scriptError(*r, "s");
    QVERIFY(e);
    QVERIFY(e->aux >= 2);
    const std::string problem = problemOf(*r, "s");
    // A deep recursion may hit Lua's C-stack limit ("stack overflow") before the budget.
    QVERIFY2(problem.find("instruction budget of 100000 exceeded") != std::string::npos ||
                 problem.find("stack overflow") != std::string::npos,
             problem.c_str());
    QCOMPARE(r->reason, StopReason::Quiescent);
    QCOMPARE(r->trace.countAt(TraceKind::Process, r->index("c")), std::size_t(20));
}

void TestScript::memoryLimit_data()
{
    QTest::addColumn<QString>("body");
    QTest::newRow("big string") << "local s = string.rep('x', 64 * 1024 * 1024)";
    QTest::newRow("many tables") << "local t = {}\nfor i = 1, 1e8 do t[i] = {i, tostring(i)} end";
    QTest::newRow("caught by pcall")
        << "local t = {}\n"
           "while true do pcall(function() t[#t + 1] = string.rep('y', 4096) .. #t end) "
           "end";
}

void TestScript::memoryLimit()
{
    QFETCH(QString, body);
    auto r = run(aloneWith(onStart(body.toStdString()), {{"memoryLimit", 2}, {"instructionBudget", 1e9}}));
    QVERIFY(r);
    QVERIFY(scriptError(*r, "s"));
    const std::string problem = problemOf(*r, "s");
    // pcall may catch the memory error; the loop around it then runs out of budget or memory.
    QVERIFY2(problem.find("memory") != std::string::npos ||
                 problem.find("instruction budget") != std::string::npos,
             problem.c_str());
    QCOMPARE(r->trace.countAt(TraceKind::Process, r->index("c")), std::size_t(20));
}

void TestScript::syntaxErrorLine_data()
{
    QTest::addColumn<QString>("source");
    QTest::addColumn<int>("line");
    QTest::addColumn<QString>("reason");
    QTest::newRow("line 1") << "x = = 1" << 1 << "unexpected symbol near '='";
    QTest::newRow("line 3") << "function on_start(ctx)\n  local a = 1\n  a +=  2\nend" << 3 << "near '+'";
    QTest::newRow("missing end") << "function on_start(ctx)\n  if true then\nend\n" << 4 << "'end' expected";
    QTest::newRow("binary chunk text") << "\x1bLua" << 1 << "binary chunk";
}

void TestScript::syntaxErrorLine()
{
    QFETCH(QString, source);
    QFETCH(int, line);
    QFETCH(QString, reason);
    TopologyBuilder b;
    b.node("router", "script", {{"script", source.toStdString()}});
    const auto errors = validationErrors(b.topology());
    QCOMPARE(errors.size(), std::size_t(1));
    const QString e = QString::fromStdString(errors[0]);
    QVERIFY2(e.contains(QStringLiteral("router")), qPrintable(e));
    QVERIFY2(e.contains(QStringLiteral("'script'")), qPrintable(e));
    QVERIFY2(e.contains(QStringLiteral("line %1:").arg(line)), qPrintable(e));
    QVERIFY2(e.contains(reason), qPrintable(e));
    // And the same text from the property's own check, for the property editor.
    const auto *spec = KindRegistry::builtin().find("script")->property("script");
    QVERIFY(spec && spec->code == "lua");
    QCOMPARE(QString::fromStdString(checkLuaScript(source.toStdString()))
                 .startsWith(QStringLiteral("line %1:").arg(line)),
             true);
}

void TestScript::runtimeErrorLine_data()
{
    QTest::addColumn<QString>("source");
    QTest::addColumn<int>("line");
    QTest::addColumn<QString>("message");
    QTest::newRow("error()") << "function on_start(ctx)\n  local a = 1\n\n  error('boom')\nend" << 4
                             << "boom";
    QTest::newRow("index nil") << "function on_start(ctx)\n  local x\n  x.y = 1\nend" << 3
                               << "attempt to index";
    QTest::newRow("library function")
        << "function on_start(ctx)\n\n  string.rep()\nend" << 3 << "bad argument #1";
    QTest::newRow("top level") << "local a = {}\nlocal b = a.b.c\n" << 2 << "attempt to index";
    QTest::newRow("ctx misuse") << "function on_start(ctx)\n  ctx:send('nowhere', {})\nend" << 2
                                << "is not an output port";
    QTest::newRow("send spec") << "function on_start(ctx)\n\n  ctx:send('out', {routingKey = true})\nend" << 3
                               << "'routingKey' must be a string";
    QTest::newRow("send fields") << "function on_start(ctx)\n  ctx:send('out', {fields = {n = {}}})\nend" << 2
                                 << "the value of 'n' must be a string or a number";
    QTest::newRow("call spec") << "function on_start(ctx)\n  ctx:call('calls', {timeout = 1})\nend" << 2
                               << "'method' must be a string";
    QTest::newRow("error table") << "function on_start(ctx)\n  error({})\nend" << 2
                                 << "error object is a table";
    QTest::newRow("in a timer") << "function on_start(ctx) ctx:timer(1, 'x') end\n"
                                   "function on_timer(ctx, tag)\n  local n = nil + 1\nend"
                                << 3 << "arithmetic";
}

void TestScript::runtimeErrorLine()
{
    QFETCH(QString, source);
    QFETCH(int, line);
    QFETCH(QString, message);
    auto r = run(aloneWith(source.toStdString()));
    QVERIFY(r);
    const TraceEvent *e = scriptError(*r, "s");
    QVERIFY(e);
    QCOMPARE(e->aux, std::int64_t(line));
    const auto problems = r->sim->problems(r->index("s"));
    QCOMPARE(problems.size(), std::size_t(1));
    QCOMPARE(problems[0].line, line);
    QVERIFY2(QString::fromStdString(problems[0].text).contains(message), problems[0].text.c_str());
    QCOMPARE(problems[0].time, e->time);
}

void TestScript::determinism()
{
    // A script drawing random numbers (processing times, which key to send) gives the same trace
    // for the same seed and another one for another seed.
    const std::string source = R"lua(
function on_start(ctx)
  ctx.state.sent = 0
  ctx:timer(ctx:random() * 0.01, "tick")
end
function on_timer(ctx, tag)
  ctx.state.sent = ctx.state.sent + 1
  ctx:send("out", {routingKey = "k" .. ctx:random(1, 3), fields = {n = math.random(100)}})
  if ctx.state.sent < 30 then ctx:timer(ctx:random() * 0.01, tag) end
end
)lua";
    auto build = [&](std::uint64_t seed) {
        TopologyBuilder b;
        b.node("s", "script", {{"script", source}}).node("q", "queue").link("s", "q").seed(seed);
        return b.topology();
    };
    auto hashOf = [](const Topology &t) {
        auto r = prepare(t);
        HashSink h;
        r->sim->addSink(&h);
        r->sim->run({});
        return std::make_pair(h.hash(), r->trace.count(TraceKind::Publish));
    };
    const auto a = hashOf(build(7)), b = hashOf(build(7)), c = hashOf(build(8));
    QCOMPARE(a.second, std::size_t(30));
    QCOMPARE(a, b);
    QVERIFY(a.first != c.first);
}

void TestScript::randomFromNodeStream()
{
    // ctx:random and math.random draw from the node's own generator (seeded from the run's seed
    // and the node's index), in call order: math.random's contract over Rng.
    const std::string source = R"lua(
function on_start(ctx)
  ctx:trace(string.format("%d %d %.17g %d", ctx:random(1, 1000000), math.random(6), ctx:random(), math.random(-5, 5)))
end
)lua";
    TopologyBuilder b;
    b.node("first", "queue").node("s", "script", {{"script", source}}).seed(42);
    auto r = run(b.topology());
    QVERIFY(r);
    QVERIFY2(!scriptError(*r, "s"), problemOf(*r, "s").c_str());
    Rng rng(mixSeed(42, r->index("s") + 1));
    const auto a = 1 + rng.below(1000000);
    const auto die = 1 + rng.below(6);
    const double u = rng.uniform01();
    const auto signedDraw = static_cast<std::int64_t>(rng.below(11)) - 5;
    char expected[128];
    std::snprintf(expected, sizeof expected, "%llu %llu %.17g %lld", static_cast<unsigned long long>(a),
                  static_cast<unsigned long long>(die), u, static_cast<long long>(signedDraw));
    const auto lines = logLines(*r, "s");
    QCOMPARE(lines.size(), std::size_t(1));
    QCOMPARE(QString::fromStdString(lines[0]), QString::fromLatin1(expected));
}

void TestScript::sendTimerState()
{
    // A ticker sends three messages, half a second apart, counting in ctx.state; a second script
    // reads them and logs what arrived.
    const std::string ticker = R"lua(
function on_start(ctx)
  ctx.state.n = 0
  ctx:timer(0.5, "tick")
end
function on_timer(ctx, tag)
  ctx.state.n = ctx.state.n + 1
  local id = ctx:send("out", {routingKey = "tick." .. ctx.state.n, key = "k", bytes = 32,
                              headers = {source = ctx.id}, fields = {n = ctx.state.n, unit = "s"}})
  assert(math.type(id) == "integer")
  if ctx.state.n < 3 then ctx:timer(0.5, tag) end
end
)lua";
    const std::string reader = R"lua(
function on_message(ctx, msg)
  ctx:trace(string.format("%s %s %s n=%d unit=%s bytes=%d at=%.1f port=%s from=%d", msg.routingKey, msg.key,
                          msg.headers.source, msg.fields.n, msg.fields.unit, msg.bytes, ctx:now(), msg.port,
                          msg.from), msg)
  return true
end
)lua";
    TopologyBuilder b;
    b.node("ticker", "script", {{"script", ticker}})
        .node("reader", "script", {{"script", reader}})
        .link("ticker", "reader", {{"latency", "0ms"}}, "out", "in");
    auto r = run(b.topology());
    QVERIFY(r);
    QVERIFY2(!scriptError(*r, "ticker"), problemOf(*r, "ticker").c_str());
    QVERIFY2(!scriptError(*r, "reader"), problemOf(*r, "reader").c_str());
    const auto lines = logLines(*r, "reader");
    QCOMPARE(lines.size(), std::size_t(3));
    QCOMPARE(QString::fromStdString(lines[0]),
             QStringLiteral("tick.1 k ticker n=1 unit=s bytes=32 at=0.5 port=in from=1"));
    QCOMPARE(QString::fromStdString(lines[2]),
             QStringLiteral("tick.3 k ticker n=3 unit=s bytes=32 at=1.5 port=in from=1"));
    // Published (traced like a producer's), then processed by the reader (it returned true).
    QCOMPARE(r->trace.countAt(TraceKind::Publish, r->index("ticker")), std::size_t(3));
    QCOMPARE(r->trace.countAt(TraceKind::Process, r->index("reader")), std::size_t(3));
    for (const auto &e : r->trace.events)
        if (e.kind == TraceKind::Publish) QCOMPARE(e.time % (500 * kMillisecond), SimTime(0));
    // ScriptLog events name the message and point into the notes.
    for (const auto &e : r->trace.events)
        if (e.kind == TraceKind::ScriptLog) {
            QVERIFY(e.messageId != 0);
            QVERIFY(e.aux >= 0 && static_cast<std::size_t>(e.aux) < r->sim->notes().size());
        }
}

void TestScript::forwardToNthLink()
{
    // A content-aware router: big orders to the second link of "out", the others to the first.
    const std::string router = R"lua(
function on_message(ctx, msg)
  if msg.fields.total > 1000 then ctx:forward("out", msg, 2) else ctx:forward("out", msg, 1) end
end
)lua";
    TopologyBuilder b;
    b.node("orders", "producer", {{"rate", 100}, {"count", 200}, {"fields", {{"total", "uniform(1, 2000)"}}}})
        .node("router", "script", {{"script", router}})
        .node("small", "queue")
        .node("big", "queue")
        .link("orders", "router", {}, "out", "in")
        .link("router", "small", {}, "out")
        .link("router", "big", {}, "out");
    auto r = run(b.topology());
    QVERIFY(r);
    QVERIFY2(!scriptError(*r, "router"), problemOf(*r, "router").c_str());
    const auto small = r->trace.countAt(TraceKind::Enqueue, r->index("small"));
    const auto big = r->trace.countAt(TraceKind::Enqueue, r->index("big"));
    QCOMPARE(small + big, std::size_t(200));
    QVERIFY(small > 50 && big > 50);
    QCOMPARE(r->trace.countAt(TraceKind::Route, r->index("router")), std::size_t(200));
}

void TestScript::crashAndRestart_data()
{
    QTest::addColumn<bool>("diskLost");
    QTest::addColumn<QString>("restartLine");
    QTest::newRow("disk kept") << false << "restart boots=2 state=nil";
    QTest::newRow("disk lost") << true << "restart boots=1 state=nil";
}

void TestScript::crashAndRestart()
{
    QFETCH(bool, diskLost);
    QFETCH(QString, restartLine);
    const std::string source = R"lua(
function on_start(ctx)
  ctx.durable.boots = (ctx.durable.boots or 0) + 1
  ctx.state.ticks = 0
  ctx:timer(0.1, "tick")
end
function on_timer(ctx, tag)
  ctx.state.ticks = ctx.state.ticks + 1
  ctx:timer(0.1, tag)
end
function on_crash(ctx)
  ctx:trace("crash ticks=" .. ctx.state.ticks)
  local ok, err = pcall(ctx.send, ctx, "out", {})
  ctx:trace(ok and "sent" or "refused")
end
function on_restart(ctx)
  ctx.durable.boots = (ctx.durable.boots or 0) + 1
  ctx:trace("restart boots=" .. ctx.durable.boots .. " state=" .. tostring(ctx.state.ticks))
end
)lua";
    TopologyBuilder b;
    b.node("s", "script", {{"script", source}}).node("q", "queue").link("s", "q");
    if (diskLost) {
        // A crash fault with disk "lost", from the plan.
        Topology t = b.topology();
        FaultDef f;
        f.id = "crash";
        f.kind = "crash";
        f.target = "s";
        f.start = 1050 * kMillisecond;
        f.duration = 500 * kMillisecond;
        f.params = {{"disk", "lost"}};
        t.faults.push_back(f);
        const auto errors = validationErrors(t);
        QVERIFY2(errors.empty(), errors.empty() ? "" : errors.front().c_str());
        auto r = run(t, 3 * kSecond);
        QVERIFY(r);
        const auto lines = logLines(*r, "s");
        QCOMPARE(lines.size(), std::size_t(3));
        QCOMPARE(QString::fromStdString(lines[0]), QStringLiteral("crash ticks=10"));
        QCOMPARE(QString::fromStdString(lines[1]), QStringLiteral("refused"));
        QCOMPARE(QString::fromStdString(lines[2]), restartLine);
        return;
    }
    auto r = prepare(b.topology());
    QVERIFY(r);
    r->sim->run({1050 * kMillisecond});
    r->sim->crashNode(r->index("s"));
    r->sim->run({1550 * kMillisecond});
    r->sim->restartNode(r->index("s"));
    r->sim->run({3 * kSecond});
    QVERIFY2(r->sim->problems(r->index("s")).empty(), problemOf(*r, "s").c_str());
    const auto lines = logLines(*r, "s");
    QCOMPARE(lines.size(), std::size_t(3));
    QCOMPARE(QString::fromStdString(lines[0]), QStringLiteral("crash ticks=10"));
    QCOMPARE(QString::fromStdString(lines[1]), QStringLiteral("refused"));
    QCOMPARE(QString::fromStdString(lines[2]), restartLine);
}

void TestScript::stoppedNodeDropsFrames()
{
    // The script fails on its 5th message: from then on what reaches it is dropped (script-stopped).
    const std::string source = R"lua(
function on_message(ctx, msg)
  ctx.state.n = (ctx.state.n or 0) + 1
  if ctx.state.n == 5 then error("fifth message") end
  return true
end
)lua";
    TopologyBuilder b;
    b.node("p", "producer", {{"rate", 100}, {"count", 20}})
        .node("s", "script", {{"script", source}})
        .link("p", "s", {}, "out", "in");
    auto r = run(b.topology());
    QVERIFY(r);
    const TraceEvent *e = scriptError(*r, "s");
    QVERIFY(e);
    QCOMPARE(e->aux, std::int64_t(4));
    QVERIFY(e->messageId != 0);
    QCOMPARE(r->trace.countAt(TraceKind::Process, r->index("s")), std::size_t(4));
    QCOMPARE(r->trace.count(TraceKind::Drop, DropReason::ScriptStopped), std::size_t(15));
    QCOMPARE(QString::fromStdString(problemOf(*r, "s")), QStringLiteral("on_message: fifth message"));
}

void TestScript::reproducesBuiltinConsumer_data()
{
    QTest::addColumn<QString>("processing"); // the built-in consumer's
    QTest::addColumn<QString>("delay");      // the script's, in seconds
    QTest::addColumn<double>("failure");
    QTest::addColumn<int>("prefetch");
    QTest::addColumn<int>("count");
    QTest::newRow("fixed 10ms") << "10ms"
                                << "0.010" << 0.0 << 10 << 60;
    QTest::newRow("uniform, prefetch 1") << "uniform(5ms, 15ms)"
                                         << "ctx:random(5000000, 15000000) / 1e9" << 0.0 << 1 << 60;
    QTest::newRow("uniform, failures requeued") << "uniform(5ms, 15ms)"
                                                << "ctx:random(5000000, 15000000) / 1e9" << 0.2 << 10 << 60;
}

void TestScript::reproducesBuiltinConsumer()
{
    QFETCH(QString, processing);
    QFETCH(QString, delay);
    QFETCH(double, failure);
    QFETCH(int, prefetch);
    QFETCH(int, count);
    // The built-in consumer (concurrency 1, manual acks): deliveries wait in a buffer; one at a
    // time is processed for a sampled time, then (unless it fails: nack, requeue) traced Process
    // and acked. The script does the same with the same draws from the same generator.
    const std::string source = "local FAILURE = " + std::to_string(failure) + R"lua(
local waiting, busy = {}, false
local function start_work(ctx)
  if busy or #waiting == 0 then return end
  local msg = table.remove(waiting, 1)
  busy = true
  ctx:timer()lua" + delay.toStdString() +
                               R"lua(, msg)
end
function on_message(ctx, msg)
  waiting[#waiting + 1] = msg
  start_work(ctx)
end
function on_timer(ctx, msg)
  busy = false
  if FAILURE > 0 and ctx:random() < FAILURE then ctx:nack(msg, true) else ctx:ack(msg) end
  start_work(ctx)
end
)lua";
    auto build = [&](bool scripted) {
        TopologyBuilder b;
        b.node("producer", "producer", {{"rate", 200}, {"count", count}}).node("queue", "queue").seed(11);
        if (scripted)
            b.node("worker", "script", {{"script", source}, {"prefetch", prefetch}});
        else
            b.node("worker", "consumer",
                   {{"processing", processing.toStdString()},
                    {"prefetch", prefetch},
                    {"failureProbability", failure}});
        b.link("producer", "queue", {{"latency", "1ms"}})
            .link("queue", "worker", {{"latency", "2ms"}}, "deliver", scripted ? "deliveries" : "in");
        return b.topology();
    };
    auto builtin = run(build(false));
    auto scripted = run(build(true));
    QVERIFY(builtin && scripted);
    QVERIFY2(!scriptError(*scripted, "worker"), problemOf(*scripted, "worker").c_str());
    const auto &a = builtin->trace.events;
    const auto &b = scripted->trace.events;
    QVERIFY(a.size() > static_cast<std::size_t>(4 * count));
    for (std::size_t i = 0; i < std::min(a.size(), b.size()); ++i)
        QVERIFY2(sameEvent(a[i], b[i]), qPrintable(QStringLiteral("event %1 differs: %2 vs %3")
                                                       .arg(i)
                                                       .arg(traceKindName(a[i].kind))
                                                       .arg(traceKindName(b[i].kind))));
    QCOMPARE(a.size(), b.size());
    QCOMPARE(builtin->trace.countAt(TraceKind::Process, builtin->index("worker")), std::size_t(count));
    if (failure > 0) QVERIFY(builtin->trace.count(TraceKind::Nack) > 0);
}

void TestScript::servesCalls()
{
    // A script standing in for a gRPC server: every third call fails with UNAVAILABLE (14), the
    // others are answered OK after 5 ms.
    const std::string source = R"lua(
function on_message(ctx, msg)
  ctx.state.n = (ctx.state.n or 0) + 1
  if ctx.state.n % 3 == 0 then return 14 end
  ctx:timer(0.005, msg)
end
function on_timer(ctx, msg)
  ctx:reply(msg, {status = 0, bytes = 64})
end
)lua";
    TopologyBuilder b;
    b.node("client", "rpc-client", {{"rate", 100}, {"count", 9}})
        .node("server", "script", {{"script", source}})
        .link("client", "server", {}, "calls", "serve");
    auto r = run(b.topology());
    QVERIFY(r);
    QVERIFY2(!scriptError(*r, "server"), problemOf(*r, "server").c_str());
    QCOMPARE(r->trace.countAt(TraceKind::Execute, r->index("server")), std::size_t(9));
    std::size_t ok = 0, unavailable = 0;
    for (const auto &e : r->trace.events)
        if (e.kind == TraceKind::Complete) {
            if (e.status == 0) ++ok;
            if (e.status == 14) ++unavailable;
        }
    QCOMPARE(ok, std::size_t(6));
    QCOMPARE(unavailable, std::size_t(3));
}

void TestScript::makesCalls()
{
    // A gateway script serves calls and, for each, calls a backend script (timeout 50 ms) with the
    // call's message as the tag; the backend answers after 10 ms, except its third call, which it
    // never answers: that call times out (DEADLINE_EXCEEDED, a Cancel to the backend).
    const std::string gateway = R"lua(
function on_message(ctx, msg)
  ctx:call("calls", {method = "inventory.Stock/Get", bytes = 40, timeout = 0.05, tag = msg})
end
function on_reply(ctx, r)
  ctx:trace(string.format("%s %d %s %.3f", r.method, r.status, tostring(r.ok), r.latency))
  ctx:reply(r.tag, {status = r.status, bytes = r.bytes})
end
)lua";
    const std::string backend = R"lua(
function on_message(ctx, msg)
  ctx.state.n = (ctx.state.n or 0) + 1
  if ctx.state.n == 3 then return nil end
  ctx:timer(0.010, msg)
end
function on_timer(ctx, msg)
  ctx:reply(msg, {status = 0, bytes = 10})
end
)lua";
    TopologyBuilder b;
    b.node("client", "rpc-client", {{"rate", 10}, {"count", 4}})
        .node("gateway", "script", {{"script", gateway}})
        .node("backend", "script", {{"script", backend}})
        .link("client", "gateway", {{"latency", "1ms"}}, "calls", "serve")
        .link("gateway", "backend", {{"latency", "1ms"}}, "calls", "serve");
    auto r = run(b.topology());
    QVERIFY(r);
    QVERIFY2(!scriptError(*r, "gateway"), problemOf(*r, "gateway").c_str());
    QVERIFY2(!scriptError(*r, "backend"), problemOf(*r, "backend").c_str());
    std::vector<int> clientStatus, gatewayStatus;
    std::set<std::uint64_t> clientCalls;
    for (const auto &e : r->trace.events) {
        if (e.kind == TraceKind::Complete && e.node == r->index("client")) clientStatus.push_back(e.status);
        if (e.kind == TraceKind::Complete && e.node == r->index("gateway")) gatewayStatus.push_back(e.status);
        if (e.kind == TraceKind::Call && e.node == r->index("client")) clientCalls.insert(e.correlationId);
    }
    QCOMPARE(gatewayStatus, (std::vector<int>{0, 0, 4, 0}));
    QCOMPARE(clientStatus, (std::vector<int>{0, 0, 4, 0}));
    // Each downstream call names the call it was made for.
    std::size_t downstream = 0;
    for (const auto &e : r->trace.events)
        if (e.kind == TraceKind::Call && e.node == r->index("gateway")) {
            ++downstream;
            QVERIFY(clientCalls.count(static_cast<std::uint64_t>(e.aux)));
        }
    QCOMPARE(downstream, std::size_t(4));
    QCOMPARE(r->trace.countAt(TraceKind::Cancel, r->index("gateway")), std::size_t(1));
    const auto lines = logLines(*r, "gateway");
    QCOMPARE(lines.size(), std::size_t(4));
    QCOMPARE(QString::fromStdString(lines[0]), QStringLiteral("inventory.Stock/Get 0 true 0.012"));
    QCOMPARE(QString::fromStdString(lines[2]), QStringLiteral("inventory.Stock/Get 4 false 0.050"));
}

void TestScript::callWithoutServer()
{
    // Nothing linked on "calls": the call fails at once with UNAVAILABLE (14).
    const std::string source = R"lua(
function on_start(ctx)
  ctx:call("calls", {method = "x/Y", tag = "first"})
end
function on_reply(ctx, r)
  ctx:trace(r.tag .. " " .. r.status .. " " .. r.latency)
end
)lua";
    auto r = run(aloneWith(source));
    QVERIFY(r);
    QVERIFY2(!scriptError(*r, "s"), problemOf(*r, "s").c_str());
    const auto lines = logLines(*r, "s");
    QCOMPARE(lines.size(), std::size_t(1));
    QCOMPARE(QString::fromStdString(lines[0]), QStringLiteral("first 14 0.0"));
}

void TestScript::sagaParticipant()
{
    // An orchestrated saga of two steps: the built-in "orders" service, then a Lua payment service
    // that declines every third payment; the orchestrator then compensates the order step.
    const std::string payments = R"lua(
function on_message(ctx, msg)
  if msg.compensation then return true end
  ctx.state.n = (ctx.state.n or 0) + 1
  ctx:trace(string.format("%s saga=%d step=%d key=%s", msg.routingKey, msg.saga, msg.step, msg.key))
  if ctx.state.n % 3 == 0 then
    ctx:reply(msg, {status = 1, reason = "card declined"})
    return
  end
  return true
end
)lua";
    const Json steps = Json::array({{{"name", "order"},
                                     {"service", "orders"},
                                     {"command", "CreateOrder"},
                                     {"compensation", "CancelOrder"},
                                     {"timeout", "1s"}},
                                    {{"name", "payment"},
                                     {"service", "payments"},
                                     {"command", "ProcessPayment"},
                                     {"compensation", "RefundPayment"},
                                     {"timeout", "1s"}}});
    TopologyBuilder b;
    b.node("saga", "saga-orchestrator", {{"rate", 10}, {"count", 6}, {"steps", steps}})
        .node("orders", "saga-participant", {{"command", "CreateOrder"}, {"compensation", "CancelOrder"}})
        .node("payments", "script", {{"script", payments}})
        .link("saga", "orders", {}, "participants", "commands")
        .link("saga", "payments", {}, "participants", "commands");
    const auto errors = validationErrors(b.topology());
    QVERIFY2(errors.empty(), errors.empty() ? "" : errors.front().c_str());
    auto r = run(b.topology());
    QVERIFY(r);
    QVERIFY2(!scriptError(*r, "payments"), problemOf(*r, "payments").c_str());
    std::size_t completed = 0, compensated = 0;
    for (const auto &e : r->trace.events)
        if (e.kind == TraceKind::SagaEnd) (e.aux == 0 ? completed : compensated) += 1;
    QCOMPARE(completed, std::size_t(4));
    QCOMPARE(compensated, std::size_t(2));
    const auto lines = logLines(*r, "payments");
    QCOMPARE(lines.size(), std::size_t(6));
    QVERIFY2(QString::fromStdString(lines[0]).startsWith(QStringLiteral("ProcessPayment saga=")),
             lines[0].c_str());
    QVERIFY2(QString::fromStdString(lines[0]).contains(QStringLiteral(" step=2 ")), lines[0].c_str());
}

void TestScript::rateLimiterExample()
{
    // The example's token bucket lets through its burst, then its rate; the rest overflow.
    auto r = runExample("script-rate-limiter.json");
    QVERIFY(r);
    QVERIFY2(!scriptError(*r, "limiter"), problemOf(*r, "limiter").c_str());
    const auto published = r->trace.countAt(TraceKind::Publish, r->index("orders"));
    const auto passed = r->trace.countAt(TraceKind::Enqueue, r->index("service-q"));
    const auto overflowed = r->trace.countAt(TraceKind::Enqueue, r->index("overflow-q"));
    QCOMPARE(published, std::size_t(600));
    QCOMPARE(passed + overflowed, published);
    // 3 s at 200 msg/s against a bucket of 20 refilled at 50/s: 20 + 50 * 3 at most pass.
    QVERIFY2(passed <= 20 + 150 && passed >= 150, qPrintable(QString::number(passed)));
    QCOMPARE(r->trace.countAt(TraceKind::Process, r->index("service")), passed);
    // In any second, the service never received more than burst + rate.
    std::vector<SimTime> times;
    for (const auto &e : r->trace.events)
        if (e.kind == TraceKind::Enqueue && e.node == r->index("service-q")) times.push_back(e.time);
    for (std::size_t i = 0, j = 0; i < times.size(); ++i) {
        while (times[i] - times[j] >= kSecond)
            ++j;
        QVERIFY(i - j + 1 <= 20 + 50);
    }
}

QTEST_GUILESS_MAIN(TestScript)
#include "tst_script.moc"
