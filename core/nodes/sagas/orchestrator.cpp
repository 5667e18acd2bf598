// Saga orchestrator: starts saga instances on a schedule (the workload's rate, count, keys: one
// data item per saga) and drives each through its definition: the steps in order, each a Command
// to a service with a timeout and retries; on a failure (a refusal, or a timeout after its retries)
// the completed steps are compensated in reverse order, compensations retried until they are done.
// Steps after the pivot can only go forward: they are retried until they succeed, never
// compensated. A timed-out step before the pivot is compensated too (it may have been applied; a
// participant's compensation of a step it never applied does nothing).
//
// The saga log is durable: each saga's begin, every command sent, every reply and its end are
// appended to it before the orchestrator acts on them. After a crash the orchestrator reads it back
// and resumes every unfinished saga (SagaResume, aux = the entries read), sending the step that was
// in progress again: the participant may already have applied it, which only an idempotent
// participant tolerates. Crash points mark each place of the log (see the kind's crashPoints).
//
// Which link leads to which service is learnt at start with an Identify query on every participant
// link (the node sees its peers only through frames); commands for a service not yet known wait.
#include "../../callstatus.h"
#include "../../topology.h"
#include "../common.h"
#include "../cqrs/commandprotocol.h"
#include "../workload.h"
#include "sagas.h"

#include <map>
#include <set>
#include <unordered_map>

namespace sb {

namespace {

enum TimerKind : std::uint64_t { StepTimer = 0, RetryTimer = 1 };
inline std::uint64_t timerTag(TimerKind k, std::uint64_t n)
{
    return (n << 1) | k;
}
constexpr SimTime kDefaultStepTimeout = 1000 * kMillisecond;
constexpr std::int64_t kDefaultRetries = 2;
const std::vector<std::string> kStepFields = {"name",         "service", "command",
                                              "compensation", "timeout", "retries"};

struct StepDef {
    std::string name, service, command, compensation;
    SimTime timeout = kDefaultStepTimeout;
    std::uint32_t retries = kDefaultRetries;
};

SimTime durationOf(const Json &v)
{
    if (v.is_number()) return fromMilliseconds(v.get<double>());
    if (v.is_string())
        if (auto d = parseDuration(v.get<std::string>())) return *d;
    return kDefaultStepTimeout;
}

std::vector<StepDef> parseSteps(const Json &steps)
{
    std::vector<StepDef> out;
    if (!steps.is_array()) return out;
    for (const Json &e : steps) {
        StepDef s;
        s.name = e.value("name", std::string());
        s.service = e.value("service", std::string());
        s.command = e.value("command", std::string());
        s.compensation = e.value("compensation", std::string());
        if (e.contains("timeout")) s.timeout = durationOf(e["timeout"]);
        s.retries = static_cast<std::uint32_t>(e.value("retries", kDefaultRetries));
        out.push_back(std::move(s));
    }
    return out;
}

// One entry's shape; the cross-entry rules (compensations before the pivot) are the kind's check.
std::string checkSteps(const Json &steps)
{
    if (steps.empty()) return "a saga needs at least one step";
    std::set<std::string> names;
    for (std::size_t i = 0; i < steps.size(); ++i) {
        const Json &e = steps[i];
        const std::string where = "steps[" + std::to_string(i) + "]";
        if (!e.is_object())
            return where + ": expected an object such as {\"name\": \"payment\", \"service\": \"payment\", "
                           "\"command\": \"ProcessPayment\", \"compensation\": \"RefundPayment\"}";
        for (auto it = e.begin(); it != e.end(); ++it)
            if (std::find(kStepFields.begin(), kStepFields.end(), it.key()) == kStepFields.end())
                return where + "." + it.key() +
                       ": unknown field (known: name, service, command, compensation, "
                       "timeout, retries)";
        for (const char *f : {"name", "service", "command"})
            if (!e.contains(f) || !e[f].is_string() || e[f].get<std::string>().empty())
                return where + "." + f + ": needs a non-empty string";
        if (e.contains("compensation") && !e["compensation"].is_string())
            return where + ".compensation: must be a string";
        if (e.contains("timeout")) {
            const Json &t = e["timeout"];
            const bool ok = (t.is_number() && t.get<double>() > 0) ||
                            (t.is_string() && parseDuration(t.get<std::string>()) &&
                             *parseDuration(t.get<std::string>()) > 0);
            if (!ok)
                return where + ".timeout: must be a duration above zero such as \"500ms\", got " + t.dump();
        }
        if (e.contains("retries") &&
            !(e["retries"].is_number_integer() && e["retries"].get<std::int64_t>() >= 0 &&
              e["retries"].get<std::int64_t>() <= 1000))
            return where + ".retries: must be a whole number from 0 to 1000";
        if (!names.insert(e["name"].get<std::string>()).second)
            return where + ".name: \"" + e["name"].get<std::string>() + "\" names another step too";
    }
    return {};
}

// The index of the pivot step, or steps.size() when there is none (every step compensatable).
std::size_t pivotIndex(const std::vector<StepDef> &steps, const std::string &pivot)
{
    for (std::size_t i = 0; i < steps.size(); ++i)
        if (steps[i].name == pivot) return i;
    return steps.size();
}

class Orchestrator final : public Node {
public:
    explicit Orchestrator(const NodeSetup &s) : m_workload(s.properties)
    {
        const auto &p = s.properties;
        m_steps = parseSteps(p.value("steps"));
        m_pivot = pivotIndex(m_steps, p.string("pivot"));
        m_amount = p.integer("amount");
    }

    void start(NodeContext &ctx) override
    {
        m_down = false;
        identify(ctx);
        m_workload.start(ctx);
    }

    void onRestart(NodeContext &ctx) override
    {
        m_down = false;
        identify(ctx);
        // Read the log back: every saga not ended resumes where it was.
        for (auto &[id, s] : m_log) {
            TraceEvent e;
            e.kind = TraceKind::SagaResume;
            e.correlationId = id;
            e.aux = s.entries;
            e.deliveryCount = static_cast<std::uint32_t>(s.current + 1);
            if (s.compensating) e.flags |= TraceFlag::Compensation;
            ctx.trace(e);
        }
        std::vector<std::uint64_t> ids;
        for (const auto &[id, s] : m_log)
            ids.push_back(id);
        for (std::uint64_t id : ids) {
            if (m_down) return; // crashed again while resuming (a crash point of the log)
            auto s = m_log.find(id);
            if (s == m_log.end()) continue;
            if (s->second.decided >= 0)
                end(ctx, id, s->second.decided);
            else
                send(ctx, id);
        }
        m_workload.restart(ctx);
    }

    void onCrash(NodeContext &) override
    {
        // A crash point may fire in the middle of a burst of sagas or of resuming them: whoever
        // called stops at m_down.
        m_down = true;
        m_live.clear();
        m_tags.clear();
        m_workload.stop();
    }

    void onDiskLost(NodeContext &) override { m_log.clear(); }

    void onLinkState(NodeContext &ctx, LinkIndex link, bool up) override
    {
        if (up && !m_serviceOf.count(link)) identify(ctx);
    }

    void onTimer(NodeContext &ctx, std::uint64_t tag) override
    {
        if (m_workload.owns(tag)) {
            m_workload.onTimer(ctx, tag, [&](const Workload::Item &item) {
                std::int64_t amount = m_amount;
                if (item.entry && item.entry->contains("amount"))
                    amount = (*item.entry)["amount"].get<std::int64_t>();
                begin(ctx, item.key.empty() ? "item" : item.key, amount);
            });
            return;
        }
        const std::uint64_t n = tag >> 1;
        if ((tag & 1) == RetryTimer) {
            if (m_log.count(n)) send(ctx, n);
            return;
        }
        auto t = m_tags.find(n);
        if (t == m_tags.end()) return;
        const std::uint64_t id = t->second;
        auto l = m_live.find(id);
        auto s = m_log.find(id);
        if (l == m_live.end() || s == m_log.end() || l->second.tag != n) return;
        const bool forwardBeforePivot = !s->second.compensating && s->second.current < m_pivot;
        if (forwardBeforePivot && l->second.attempt > m_steps[s->second.current].retries) {
            outcome(ctx, id, CommandStatus::TimedOut, true);
            return;
        }
        // Retried: a step with retries left, a step at or after the pivot, a compensation.
        send(ctx, id);
    }

    void onFrame(NodeContext &ctx, LinkIndex from, Frame &f) override
    {
        if (!f.response) return;
        if (f.type == FrameType::Query) {
            const auto *r = f.as<cmd::QueryResult>();
            if (!r) return;
            for (const auto &h : r->fields)
                if (h.name == "service") {
                    m_serviceOf[from] = h.value;
                    m_linkTo[h.value] = from;
                    m_peerOf[h.value] = ctx.peer(from);
                }
            flushParked(ctx);
            return;
        }
        if (f.type != FrameType::Command) return;
        auto t = m_tags.find(f.tag);
        if (t == m_tags.end()) return; // a reply to an action already settled (a retry answered first)
        const std::uint64_t id = t->second;
        auto l = m_live.find(id);
        if (l == m_live.end() || !l->second.tags.count(f.tag)) return;
        outcome(ctx, id, f.status, false);
    }

    NodeStatus status() const override
    {
        NodeStatus s;
        s.inFlight = m_log.size();
        return s;
    }

private:
    // What the durable log says of one saga (the state its entries replay to).
    struct LogState {
        std::string key;
        std::int64_t amount = 0;
        std::size_t current = 0; // the step in progress (forward) or being compensated
        bool compensating = false;
        std::uint32_t entries = 0;
        int decided = -1; // the end decided (SagaEnd's aux) but not yet traced when it crashed
    };
    // What only memory holds: the attempt in flight.
    struct Live {
        std::uint32_t attempt = 0;
        std::uint64_t tag = 0;        // the latest attempt's
        std::set<std::uint64_t> tags; // every attempt's of the current action
        TimerId timer = kNoTimer;
        std::shared_ptr<Frame> parked; // a command for a service not yet identified
    };

    void identify(NodeContext &ctx)
    {
        for (LinkIndex l : ctx.links(SagaOrchestratorPort::Participants)) {
            if (m_serviceOf.count(l)) continue;
            auto m = std::make_shared<Message>();
            m->id = ctx.newMessageId();
            m->routingKey = saga::kIdentify;
            m->producer = ctx.self();
            m->publishedAt = ctx.now();
            Frame q;
            q.type = FrameType::Query;
            q.tag = m->id;
            q.message = std::move(m);
            q.body = std::make_shared<cmd::QueryBody>();
            ctx.send(l, std::move(q));
        }
    }

    void begin(NodeContext &ctx, const std::string &key, std::int64_t amount)
    {
        if (m_down) return;
        const std::uint64_t id = ctx.newMessageId();
        LogState &s = m_log[id];
        s.key = key;
        s.amount = amount;
        s.entries = 1;
        TraceEvent e;
        e.kind = TraceKind::SagaBegin;
        e.correlationId = id;
        e.aux = amount;
        ctx.trace(e);
        if (ctx.crashPoint("after-begin-logged")) return;
        send(ctx, id);
    }

    // Sends the saga's current action (a step's command or its compensation), a new attempt.
    void send(NodeContext &ctx, std::uint64_t id)
    {
        LogState &s = m_log.at(id);
        Live &l = m_live[id];
        const StepDef &step = m_steps[s.current];
        ++s.entries; // "sent" is logged before the command leaves
        ++l.attempt;
        auto m = std::make_shared<Message>();
        m->id = ctx.newMessageId();
        m->correlationId = id;
        m->routingKey = s.compensating ? step.compensation : step.command;
        m->key = s.key;
        m->headers.push_back({"amount", std::to_string(s.amount)});
        m->producer = ctx.self();
        m->publishedAt = ctx.now();
        m->sequence = l.attempt;
        ctx.announce(*m); // its command name and data, for the diagram, the inspector and the saga view
        auto body = std::make_shared<cmd::CommandBody>();
        body->saga = id;
        body->step = static_cast<std::uint32_t>(s.current + 1);
        body->compensation = s.compensating;
        const std::uint64_t tag = ++m_nextTag;
        if (l.tag) ctx.cancelTimer(l.timer);
        l.tag = tag;
        l.tags.insert(tag);
        m_tags[tag] = id;
        auto peer = m_peerOf.find(step.service);
        TraceEvent e = messageEvent(TraceKind::StepStart, m.get());
        e.peer = peer == m_peerOf.end() ? kNoIndex : peer->second;
        e.aux = l.attempt;
        e.deliveryCount = body->step;
        if (s.compensating) e.flags |= TraceFlag::Compensation;
        ctx.trace(e);
        Frame f;
        f.type = FrameType::Command;
        f.tag = tag;
        f.deliveryCount = l.attempt;
        f.message = std::move(m);
        f.body = std::move(body);
        l.timer = ctx.startTimer(step.timeout, timerTag(StepTimer, tag));
        auto link = m_linkTo.find(step.service);
        if (link == m_linkTo.end())
            l.parked = std::make_shared<Frame>(std::move(f));
        else
            ctx.send(link->second, std::move(f));
        if (ctx.crashPoint(s.compensating ? "after-compensation-sent" : "after-command-sent")) return;
    }

    void flushParked(NodeContext &ctx)
    {
        for (auto &[id, l] : m_live) {
            if (!l.parked) continue;
            auto s = m_log.find(id);
            if (s == m_log.end()) continue;
            auto link = m_linkTo.find(m_steps[s->second.current].service);
            if (link == m_linkTo.end()) continue;
            Frame f = std::move(*l.parked);
            l.parked.reset();
            ctx.send(link->second, std::move(f));
        }
    }

    void settle(NodeContext &ctx, std::uint64_t id)
    {
        auto l = m_live.find(id);
        if (l == m_live.end()) return;
        ctx.cancelTimer(l->second.timer);
        for (std::uint64_t t : l->second.tags)
            m_tags.erase(t);
        m_live.erase(l);
    }

    void outcome(NodeContext &ctx, std::uint64_t id, std::uint16_t status, bool timedOut)
    {
        settle(ctx, id);
        LogState &s = m_log.at(id);
        const std::size_t k = s.current;
        ++s.entries; // the reply (or the timeout) is logged
        TraceEvent e;
        e.kind = TraceKind::StepEnd;
        e.correlationId = id;
        e.deliveryCount = static_cast<std::uint32_t>(k + 1);
        e.status = status;
        e.aux = timedOut ? 1 : 0;
        e.frame = FrameType::Command;
        auto peer = m_peerOf.find(m_steps[k].service);
        if (peer != m_peerOf.end()) e.peer = peer->second;
        if (s.compensating) e.flags |= TraceFlag::Compensation;
        ctx.trace(e);
        const bool ok = status == CommandStatus::Ok;
        // Decide the next action and log it before the crash point, as a log would.
        enum class Next { Send, Retry, Complete, Compensated, Failed } next;
        if (s.compensating) {
            if (!ok) {
                next = Next::Failed; // the service refuses to undo: a saga for a person to repair
            } else if (k == 0) {
                next = Next::Compensated;
            } else {
                --s.current;
                next = Next::Send;
            }
        } else if (ok) {
            if (k + 1 == m_steps.size()) {
                next = Next::Complete;
            } else {
                ++s.current;
                next = Next::Send;
            }
        } else if (k > m_pivot || (k == m_pivot && timedOut)) {
            next = Next::Retry; // past the point of no return: only forward
        } else {
            // Compensate what completed, newest first; a timed-out step may have been applied too.
            s.compensating = true;
            if (timedOut && !m_steps[k].compensation.empty()) {
                next = Next::Send;
            } else if (k == 0) {
                next = Next::Compensated;
            } else {
                s.current = k - 1;
                next = Next::Send;
            }
        }
        if (next == Next::Complete) s.decided = 0;
        if (next == Next::Compensated) s.decided = 1;
        if (next == Next::Failed) s.decided = 2;
        if (ctx.crashPoint("after-reply-logged")) return;
        switch (next) {
        case Next::Send:
            send(ctx, id);
            break;
        case Next::Retry:
            ctx.startTimer(m_steps[k].timeout, timerTag(RetryTimer, id));
            break;
        case Next::Complete:
            end(ctx, id, 0);
            break;
        case Next::Compensated:
            end(ctx, id, 1);
            break;
        case Next::Failed:
            end(ctx, id, 2);
            break;
        }
    }

    void end(NodeContext &ctx, std::uint64_t id, std::int64_t result)
    {
        const LogState s = m_log.at(id);
        m_log.erase(id); // the ended saga's entries are no longer needed to resume: truncated
        TraceEvent e;
        e.kind = TraceKind::SagaEnd;
        e.correlationId = id;
        e.aux = result;
        ctx.trace(e);
        if (result != 0) return;
        // Completed: each service may release the PENDING mark its step left (a semantic lock).
        std::set<std::string> told;
        for (const auto &step : m_steps) {
            auto link = m_linkTo.find(step.service);
            if (link == m_linkTo.end() || !told.insert(step.service).second) continue;
            auto m = std::make_shared<Message>();
            m->id = ctx.newMessageId();
            m->correlationId = id;
            m->routingKey = saga::kRelease;
            m->key = s.key;
            m->producer = ctx.self();
            m->publishedAt = ctx.now();
            auto body = std::make_shared<cmd::CommandBody>();
            body->saga = id;
            Frame f;
            f.type = FrameType::Command;
            f.message = std::move(m);
            f.body = std::move(body);
            ctx.send(link->second, std::move(f));
        }
    }

    Workload m_workload;
    std::vector<StepDef> m_steps;
    std::size_t m_pivot = 0;
    std::int64_t m_amount = 0;
    std::map<std::uint64_t, LogState> m_log; // durable
    std::unordered_map<std::uint64_t, Live> m_live;
    std::unordered_map<std::uint64_t, std::uint64_t> m_tags; // attempt tag -> saga
    std::uint64_t m_nextTag = 0;
    std::map<LinkIndex, std::string> m_serviceOf;
    std::map<std::string, LinkIndex> m_linkTo;
    std::map<std::string, NodeIndex> m_peerOf;
    bool m_down = false;
};

} // namespace

NodeKindSpec sagaOrchestratorKind()
{
    NodeKindSpec k;
    k.kind = "saga-orchestrator";
    k.label = "Saga orchestrator";
    k.category = "Sagas";
    k.help = "Starts sagas and drives each through its steps with a durable saga log; compensates the "
             "completed steps in reverse order when one fails.";
    k.ports = {{"participants", PortDirection::Out, Protocol::Command, true,
                "The services the steps send their commands to (each step names one by id)."}};
    using T = PropertyType;
    k.properties = Workload::propertySpecs(
        {"amount"},
        [](const Json &e) -> std::string {
            if (e.contains("amount") &&
                !(e["amount"].is_number_integer() && e["amount"].get<std::int64_t>() >= 0))
                return "'amount' must be a non-negative whole number";
            return {};
        },
        "{\"at\": \"10ms\", \"key\": \"customer-1\", \"amount\": 60}");
    for (auto &p : k.properties) {
        if (p.key == "rate") p.help = "Sagas started per second (on average for poisson).";
        if (p.key == "count") {
            p.defaultValue = 10;
            p.help = "Stop after starting this many sagas (0 = no limit).";
        }
        if (p.key == "keys") {
            p.defaultValue = "uniform";
            p.help =
                "The data item each saga acts on (its commands' key): none, list (cycles through keyList), "
                "uniform or zipf over keyCount items (\"key-0\" ...).";
        }
        if (p.key == "script")
            p.help = "Sagas at given times: {\"at\": \"10ms\", \"key\": \"customer-1\", \"amount\": 60} "
                     "(played once; the rate schedule runs as well when rate > 0).";
    }
    PropertySpec steps = property(
        "steps", "Steps", T::Script,
        Json::array({{{"name", "order"},
                      {"service", "order-service"},
                      {"command", "CreateOrder"},
                      {"compensation", "CancelOrder"}},
                     {{"name", "payment"},
                      {"service", "payment-service"},
                      {"command", "ProcessPayment"},
                      {"compensation", "RefundPayment"}},
                     {{"name", "inventory"},
                      {"service", "inventory-service"},
                      {"command", "ReserveInventory"},
                      {"compensation", "ReleaseInventory"}}}),
        "The saga's steps in order: {\"name\", \"service\" (a linked participant's id), \"command\", "
        "\"compensation\", \"timeout\" (default 1s), \"retries\" (default 2)}. Steps before the pivot "
        "need a compensation.");
    steps.check = checkSteps;
    const std::vector<PropertySpec> own = {
        steps,
        property("pivot", "Pivot step", T::String, "",
                 "The step after which the saga can only go forward: it and the steps after it are never "
                 "compensated, and those after it are retried until they succeed (empty: every step is "
                 "compensatable)."),
        property("amount", "Amount", T::Integer, 10,
                 "Each saga's amount (its commands' \"amount\" header) unless its script entry says.", "", 0,
                 1e15),
    };
    k.properties.insert(k.properties.begin(), own.begin(), own.end());
    k.check = [](const PropertyBag &p, std::vector<std::pair<std::string, std::string>> &problems) {
        const Json &raw = p.value("steps");
        if (!checkSteps(raw).empty()) return; // its own check said why
        const auto steps = parseSteps(raw);
        const std::string pivot = p.string("pivot");
        const std::size_t pi = pivotIndex(steps, pivot);
        if (!pivot.empty() && pi == steps.size()) {
            std::string names;
            for (const auto &s : steps)
                names += (names.empty() ? "" : ", ") + s.name;
            problems.push_back({"pivot", "no step named \"" + pivot + "\" (steps: " + names + ")"});
            return;
        }
        for (std::size_t i = 0; i < std::min(pi, steps.size()); ++i)
            if (steps[i].compensation.empty())
                problems.push_back({"steps[" + std::to_string(i) + "].compensation",
                                    "step \"" + steps[i].name + "\" comes before the pivot" +
                                        (pivot.empty() ? " (there is none)" : " \"" + pivot + "\"") +
                                        " and needs a compensation"});
    };
    k.crashPoints = {
        {"after-begin-logged", "a saga's begin is in the log; its first command is not sent"},
        {"after-command-sent", "a step's command is logged and sent; its reply has not come"},
        {"after-reply-logged", "a step's reply (or timeout) is logged; the next command is not sent"},
        {"after-compensation-sent", "a compensation is logged and sent; its reply has not come"},
    };
    k.deliveryRole = DeliveryRole::Log;
    k.factory = [](const NodeSetup &s) { return std::make_unique<Orchestrator>(s); };
    k.explainRoute = [](const RouteQuestion &q) {
        return sendOnPorts(q, {"participants"},
                           "a step's command (or its compensation) goes to this participant",
                           "runs each saga step by step");
    };
    return k;
}

std::vector<std::pair<std::string, std::string>> sagaTopologyProblems(const Topology &t)
{
    std::vector<std::pair<std::string, std::string>> problems;
    for (std::size_t i = 0; i < t.nodes.size(); ++i) {
        const auto &n = t.nodes[i];
        if (n.kind != "saga-orchestrator" || !n.properties.contains("steps")) continue;
        const Json &steps = n.properties["steps"];
        if (!steps.is_array() || !checkSteps(steps).empty()) continue;
        std::set<std::string> linked;
        for (const auto &l : t.links)
            if (l.from == n.id && l.fromPort == "participants") linked.insert(l.to);
        for (std::size_t k = 0; k < steps.size(); ++k) {
            const std::string service = steps[k]["service"].get<std::string>();
            if (linked.count(service)) continue;
            const std::vector<std::string> candidates(linked.begin(), linked.end());
            const std::string hint = closestMatch(service, candidates);
            problems.push_back(
                {"$.nodes[" + std::to_string(i) + "].properties.steps[" + std::to_string(k) + "].service",
                 "node \"" + n.id + "\" (saga-orchestrator): step \"" + steps[k]["name"].get<std::string>() +
                     "\": service \"" + service + "\" is not linked from its participants port" +
                     (hint.empty() ? "" : " (did you mean \"" + hint + "\"?)")});
        }
    }
    return problems;
}

} // namespace sb
