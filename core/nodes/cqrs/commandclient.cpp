// The command client: the users of an event-sourced service's write side. It sends commands of
// its model's mix at the workload's rate (or from a script) to `aggregates` entities, and may
// read back what it wrote, which is where CQRS's eventual consistency shows:
//   none:       no read;
//   immediate:  query the read model (queries port) as soon as the write is acknowledged: a
//               projection that has not applied the write yet answers stale;
//   wait:       the same query with minPosition = the write's position: the read model answers
//               once it has applied it;
//   write-side: send the query to the command handler (commands port), which loads the aggregate.
// A script entry with "asOf" is a temporal query instead of a command: the write side answers
// with the entity's state as of that time (the events recorded by then).
// Each answer is traced as QueryAnswer (offset = the position it reflects, aux = the client's own
// latest write to that entity when it asked, flag Stale when the answer is older than that write).
//
// The mixes: bank-account opens each account first, then deposits (60%) and withdraws (40%)
// amounts drawn from `amount`; order walks each order through PlaceOrder, PayOrder,
// ReserveStock and ShipOrder, cancelling one in ten before it ships, and starts a new order in
// the slot once one ends; counter increments (70%) and decrements (30%) by `amount`.
#include "../../callstatus.h"
#include "../common.h"
#include "../eventsourcing/aggregatemodel.h"
#include "../workload.h"
#include "commandprotocol.h"
#include "cqrs.h"

#include <algorithm>
#include <cctype>
#include <map>

namespace sb {

namespace {

using namespace es;

// The workload properties the client shows (its timing and script); keys and sizes are its own.
const std::vector<std::string> kWorkloadKeys = {"rate",     "arrival", "burstSize", "count",
                                                "duration", "startAt", "script"};

std::optional<std::int64_t> expectedVersionFrom(const Json &v)
{
    if (v.is_number_integer() && v.get<std::int64_t>() >= 0) return v.get<std::int64_t>();
    if (v.is_string()) {
        const std::string s = v.get<std::string>();
        if (s == "any") return kAny;
        if (s == "no_stream") return kNoStream;
        if (s == "stream_exists") return kStreamExists;
    }
    return std::nullopt;
}

std::optional<SimTime> asOfFrom(const Json &v)
{
    if (v.is_string()) return parseDuration(v.get<std::string>());
    if (v.is_number() && v.get<double>() >= 0 && v.get<double>() <= 9.0e12)
        return fromMilliseconds(v.get<double>());
    return std::nullopt;
}

std::string checkCommandEntry(const Json &e)
{
    if (e.contains("command") && !e["command"].is_string())
        return "'command' must be a command name such as \"Deposit\"";
    if (e.contains("amount") && !(e["amount"].is_number_integer() && e["amount"].get<std::int64_t>() > 0))
        return "'amount' must be a positive whole number";
    if (e.contains("expectedVersion") && !expectedVersionFrom(e["expectedVersion"]))
        return "'expectedVersion' must be a revision (0 or more), \"any\", \"no_stream\" or "
               "\"stream_exists\"; got " +
               e["expectedVersion"].dump();
    if (e.contains("asOf") && !asOfFrom(e["asOf"]))
        return "'asOf' must be a time such as \"2s\" or a number of ms; got " + e["asOf"].dump();
    if (e.contains("asOf") && e.contains("command"))
        return "an entry is a command or a temporal query (asOf), not both";
    return {};
}

const std::vector<PropertySpec> &workloadSpecs()
{
    static const std::vector<PropertySpec> specs = Workload::propertySpecs(
        {"command", "amount", "expectedVersion", "asOf"}, checkCommandEntry,
        "{\"at\": \"10ms\", \"key\": \"account-1\", \"command\": \"Deposit\", \"amount\": 50, "
        "\"expectedVersion\": \"any\"}",
        64);
    return specs;
}

enum class ReadMode { None, Immediate, Wait, WriteSide };

class CommandClient final : public Node {
public:
    explicit CommandClient(const NodeSetup &s)
        : m_model(aggregateModel(s.properties.string("model"))),
          m_workloadValues(workloadValues(s.properties)),
          m_workload(PropertyBag(workloadSpecs(), m_workloadValues))
    {
        const auto &p = s.properties;
        m_aggregates = static_cast<std::uint32_t>(p.integer("aggregates"));
        m_amount = p.distribution("amount");
        const std::string read = p.string("readAfterWrite");
        m_read = read == "immediate"    ? ReadMode::Immediate
                 : read == "wait"       ? ReadMode::Wait
                 : read == "write-side" ? ReadMode::WriteSide
                                        : ReadMode::None;
        m_timeout = p.duration("timeout");
        m_slots.resize(m_aggregates);
        for (std::uint32_t i = 0; i < m_aggregates; ++i)
            m_slots[i].id = i + 1;
    }

    void start(NodeContext &ctx) override { m_workload.start(ctx); }

    void onTimer(NodeContext &ctx, std::uint64_t tag) override
    {
        if (m_workload.owns(tag)) {
            m_workload.onTimer(ctx, tag, [&](const Workload::Item &item) { next(ctx, item); });
            return;
        }
        auto it = m_pending.find(tag);
        if (it == m_pending.end()) return;
        TraceEvent e = messageEvent(TraceKind::Timeout, it->second.message.get());
        e.aux = m_timeout;
        e.frame = it->second.query ? FrameType::Query : FrameType::Command;
        ctx.trace(e);
        if (!it->second.query) settle(it->second, CommandStatus::TimedOut);
        m_pending.erase(it);
    }

    void onFrame(NodeContext &ctx, LinkIndex link, Frame &f) override
    {
        if (!f.response || (f.type != FrameType::Command && f.type != FrameType::Query)) return;
        auto it = m_pending.find(f.tag);
        if (it == m_pending.end()) {
            // The answer to a command or query this client stopped waiting for (timed out).
            TraceEvent e = messageEvent(TraceKind::Drop, f.message.get());
            e.reason = DropReason::UnknownCorrelation;
            e.peer = ctx.peer(link);
            e.frame = f.type;
            e.status = f.status;
            ctx.trace(e);
            return;
        }
        Pending p = std::move(it->second);
        m_pending.erase(it);
        ctx.cancelTimer(p.timer);
        if (p.query) {
            const auto *r = f.as<cmd::QueryResult>();
            TraceEvent e = messageEvent(TraceKind::QueryAnswer, p.message.get());
            e.correlationId = p.message->id; // the query
            e.peer = ctx.peer(link);
            e.status = f.status;
            e.offset = r ? r->position : -1;
            e.aux = p.ownWrite;
            if (p.ownWrite >= 0 && e.offset < p.ownWrite) e.flags |= TraceFlag::Stale;
            ctx.trace(e);
            return;
        }
        settle(p, f.status);
        const auto *r = f.as<cmd::CommandResult>();
        if (f.status != CommandStatus::Ok || !r || r->position < 0) return;
        std::int64_t &latest = m_latestWrite[p.message->key];
        latest = std::max(latest, r->position);
        if (m_read != ReadMode::None) query(ctx, p.message->key, latest);
    }

    void onCrash(NodeContext &) override
    {
        m_pending.clear();
        m_latestWrite.clear();
        for (auto &s : m_slots)
            s.progress = 0;
        m_workload.stop();
    }
    void onRestart(NodeContext &ctx) override { m_workload.restart(ctx); }

    NodeStatus status() const override
    {
        NodeStatus s;
        s.inFlight = m_pending.size();
        return s;
    }

private:
    // One entity the client works on. `progress`: bank-account 0 not opened, 1 opened; order the
    // steps of the current order done (0 not placed .. 3 reserved); `generation` numbers a slot's
    // orders (the slot's stream is order-<id + generation * aggregates>).
    struct Slot {
        std::uint32_t id = 1;
        std::uint32_t progress = 0;
        std::uint64_t generation = 0;
    };
    struct Pending {
        MessageRef message;
        bool query = false;
        std::uint32_t slot = kNoIndex; // commands of the mix: the slot they advance
        std::int64_t ownWrite = -1;    // queries: the client's latest write to the entity when asked
        TimerId timer = kNoTimer;
    };

    // The workload reads every one of its properties: it gets those the client has, and its
    // defaults for the rest (no keys: the client picks entities itself).
    static Json workloadValues(const PropertyBag &p)
    {
        Json values = Json::object();
        for (const auto &key : kWorkloadKeys)
            values[key] = p.value(key);
        return values;
    }

    std::string stream(const Slot &s) const
    {
        const std::uint64_t n = s.id + s.generation * m_aggregates;
        return std::string(m_model->category()) + "-" + std::to_string(n);
    }

    std::int64_t amount(NodeContext &ctx) const
    {
        return std::max<std::int64_t>(1, (m_amount.sample(ctx.rng()) + kMillisecond / 2) / kMillisecond);
    }

    void next(NodeContext &ctx, const Workload::Item &item)
    {
        if (item.entry) {
            const Json &e = *item.entry;
            const std::string key = item.key.empty() ? stream(m_slots[0]) : item.key;
            if (e.contains("asOf")) {
                query(ctx, key, -1, *asOfFrom(e["asOf"]));
                return;
            }
            const std::string name = e.value("command", m_model->commandNames().front());
            const std::int64_t amt = e.contains("amount") ? e["amount"].get<std::int64_t>() : amount(ctx);
            const std::int64_t expected =
                e.contains("expectedVersion") ? *expectedVersionFrom(e["expectedVersion"]) : kAny;
            send(ctx, key, name, amt, expected, kNoIndex);
            return;
        }
        const std::uint32_t index = static_cast<std::uint32_t>(ctx.rng().below(m_aggregates));
        Slot &s = m_slots[index];
        const std::string_view model = m_model->name();
        std::string name;
        if (model == "bank-account") {
            // Counted as opened once asked, so the next commands do not open it again; an
            // OpenAccount that fails for want of an answer reopens it (settle()).
            name = s.progress == 0 ? "OpenAccount" : ctx.rng().bernoulli(0.6) ? "Deposit" : "Withdraw";
            s.progress = 1;
        } else if (model == "order") {
            static const char *const steps[] = {"PlaceOrder", "PayOrder", "ReserveStock", "ShipOrder"};
            name = s.progress > 0 && s.progress < 4 && ctx.rng().bernoulli(0.1) ? "CancelOrder"
                                                                                : steps[s.progress];
        } else {
            name = ctx.rng().bernoulli(0.7) ? "Increment" : "Decrement";
        }
        send(ctx, stream(s), name, amount(ctx), kAny, index);
    }

    void send(NodeContext &ctx, const std::string &key, const std::string &name, std::int64_t amt,
              std::int64_t expected, std::uint32_t slot)
    {
        auto m = std::make_shared<Message>();
        m->id = ctx.newMessageId();
        m->routingKey = name;
        m->key = key;
        if (name != "OpenAccount" && name != "CloseAccount" &&
            (name == "PlaceOrder" || m_model->name() != "order"))
            m->headers.push_back({"amount", std::to_string(amt)});
        m->publishedAt = ctx.now();
        m->producer = ctx.self();
        m->sequence = m_workload.generated();
        m->size = 64;
        ctx.announce(*m);
        auto body = std::make_shared<cmd::CommandBody>();
        body->expectedVersion = expected;
        Pending p;
        p.message = m;
        p.slot = slot;
        transmit(ctx, CommandClientPort::Commands, FrameType::Command, std::move(body), std::move(p));
    }

    // A query for `key`: a read after the client's own write at position `ownWrite`, or (asOf set)
    // a temporal query to the write side.
    void query(NodeContext &ctx, const std::string &key, std::int64_t ownWrite, SimTime asOf = kNever)
    {
        auto m = std::make_shared<Message>();
        m->id = ctx.newMessageId();
        std::string category(m_model->category());
        category[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(category[0])));
        m->routingKey = "Get" + category; // GetAccount, GetOrder, GetCounter
        m->key = key;
        m->publishedAt = ctx.now();
        m->producer = ctx.self();
        m->size = 32;
        ctx.announce(*m);
        auto body = std::make_shared<cmd::QueryBody>();
        if (m_read == ReadMode::Wait && asOf == kNever) body->minPosition = ownWrite;
        body->asOf = asOf;
        Pending p;
        p.message = std::move(m);
        p.query = true;
        p.ownWrite = ownWrite;
        const PortIndex port = m_read == ReadMode::WriteSide || asOf != kNever ? CommandClientPort::Commands
                                                                               : CommandClientPort::Queries;
        transmit(ctx, port, FrameType::Query, std::move(body), std::move(p));
    }

    void transmit(NodeContext &ctx, PortIndex port, FrameType type, std::shared_ptr<const FrameBody> body,
                  Pending p)
    {
        Frame f;
        f.type = type;
        f.tag = ++m_nextTag;
        f.message = p.message;
        f.body = std::move(body);
        if (m_timeout > 0) p.timer = ctx.startTimer(m_timeout, f.tag);
        m_pending.emplace(f.tag, std::move(p));
        sendOnPort(ctx, port, std::move(f));
    }

    // A command of the mix came back: move its entity along its lifecycle.
    void settle(const Pending &p, std::uint16_t status)
    {
        if (p.slot >= m_slots.size()) return;
        Slot &s = m_slots[p.slot];
        if (stream(s) != p.message->key) return; // the slot has moved on to a new order
        const std::string &name = p.message->routingKey;
        if (name == "OpenAccount") {
            // Refused means already opened (by another client, or by a retry whose answer was lost).
            s.progress = status == CommandStatus::Ok || status == CommandStatus::Rejected ||
                                 status == CommandStatus::Conflict
                             ? 1
                             : 0;
            return;
        }
        if (m_model->name() != "order" || status != CommandStatus::Ok) return;
        if (name == "CancelOrder" || name == "ShipOrder") {
            s.progress = 0;
            ++s.generation;
        } else if (s.progress < 3) {
            ++s.progress;
        }
    }

    const AggregateModel *m_model;
    Json m_workloadValues; // before m_workload, which reads it
    Workload m_workload;
    std::uint32_t m_aggregates = 1;
    Distribution m_amount;
    ReadMode m_read = ReadMode::None;
    SimTime m_timeout = 0;
    std::vector<Slot> m_slots;
    std::map<std::uint64_t, Pending> m_pending;        // by frame tag (also the timeout timer's tag)
    std::map<std::string, std::int64_t> m_latestWrite; // per entity: the position of its latest write
    std::uint64_t m_nextTag = 0;
};

} // namespace

NodeKindSpec commandClientKind()
{
    NodeKindSpec k;
    k.kind = "command-client";
    k.label = "Command client";
    k.category = "CQRS";
    k.help =
        "Sends commands of a model's mix to a command handler and may read its own writes back from a read "
        "model or the write side.";
    k.deliveryRole = DeliveryRole::Log;
    k.ports = {
        {"commands", PortDirection::Out, Protocol::Command, false, "Commands to a command handler.",
         PortSpec::Need::Required},
        {"queries", PortDirection::Out, Protocol::Command, false,
         "Queries to a read model (a projection), for readAfterWrite immediate or wait.",
         PortSpec::Need::Optional},
    };
    using T = PropertyType;
    k.properties = {
        property("model", "Model", T::Enum, "bank-account",
                 "The aggregates it works on and its command mix: bank-account, order or counter.", "", {},
                 {}, aggregateModelNames()),
        property(
            "aggregates", "Aggregates", T::Integer, 10,
            "How many entities it spreads its commands over (streams <category>-1 .. -N); the first command "
            "to each opens or places it.",
            "", 1, 1e6),
        property("amount", "Amount", T::Distribution, "uniform(1,100)",
                 "The amounts of deposits, withdrawals, orders and counter steps, as whole numbers "
                 "(\"uniform(1,100)\", \"exp(20)\", \"50\").",
                 ""),
        property(
            "readAfterWrite", "Read after write", T::Enum, "none",
            "After each successful command: none; immediate (query the read model at once: may be stale); "
            "wait (query with minPosition = the write's position); write-side (query the command handler).",
            "", {}, {}, {"none", "immediate", "wait", "write-side"}),
        property(
            "timeout", "Timeout", T::Duration, 5000,
            "How long a command or query waits for its answer before the client gives up (0 = wait forever).",
            "ms", 0, {}),
    };
    // Its timing and script are the workload's (rate, arrival, count, duration, ...).
    for (const auto &spec : workloadSpecs())
        if (std::find(kWorkloadKeys.begin(), kWorkloadKeys.end(), spec.key) != kWorkloadKeys.end())
            k.properties.push_back(spec);
    // Commands of one model mean nothing to a handler of another (it refuses every stream).
    k.linkCheck = [](const PropertyBag &own, std::string_view port, const NodeKindSpec &peerKind,
                     const PropertyBag &peer) -> std::string {
        if (port != "commands" || peerKind.kind != "command-handler") return {};
        if (own.string("model") == peer.string("model")) return {};
        return "the client sends " + own.string("model") + " commands but its handler decides " +
               peer.string("model") + " (set the same model on both)";
    };
    k.factory = [](const NodeSetup &s) { return std::make_unique<CommandClient>(s); };
    k.explainRoute = [](const RouteQuestion &q) {
        return sendOnPorts(q, {"commands"}, "its commands go to this handler", "sends a command");
    };
    return k;
}

std::vector<NodeTemplate> commandClientTemplates()
{
    return {
        {"bank-account-client",
         "Bank account client",
         "CQRS",
         "command-client",
         "Deposits and withdraws on 10 accounts, reading each write back at once from the read model.",
         {{"model", "bank-account"}, {"readAfterWrite", "immediate"}}},
        {"order-client",
         "Order client",
         "CQRS",
         "command-client",
         "Places orders and walks each through pay, reserve and ship (one in ten cancelled).",
         {{"model", "order"}}},
        {"counter-client",
         "Counter client",
         "CQRS",
         "command-client",
         "Increments and decrements 10 counters.",
         {{"model", "counter"}}},
    };
}

} // namespace sb
