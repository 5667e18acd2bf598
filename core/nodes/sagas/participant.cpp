// Saga participant: a service with its own database, one integer per data item (a customer's
// credit, a product's stock), and one local transaction with its compensation.
//
// Orchestration: a Command on the `commands` port named `command` runs the forward transaction
// (subtract the amount; refused, Rejected, when the value would go below zero), one named
// `compensation` undoes it; the reply carries the CommandStatus.
// Choreography: events consumed from an AMQP queue on the `events` port trigger the same
// transactions (`reactsTo`, `compensatesOn`); the outcome is published to an exchange on the
// `publish` port (`emits`, `emitsOnFailure`, `emitsOnCompensation`). The saga id travels in the
// events' correlation id. The service with `beginsSaga` starts a saga per triggering message (its
// id is the saga's id) and ends it when its own compensation is done (compensated); a service
// with nothing to emit on success ends it there (completed).
//
// The database (values, the before-images of forward transactions, the idempotency table, the
// PENDING marks) survives a crash; only a crash that loses the disk wipes it.
#include "../../callstatus.h"
#include "../common.h"
#include "../cqrs/commandprotocol.h"
#include "sagas.h"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>
#include <unordered_map>

namespace sb {

namespace {

enum TimerKind : std::uint64_t { WorkTimer = 0, ConfirmTimer = 1 };
inline std::uint64_t timerTag(TimerKind k, std::uint64_t n)
{
    return (n << 1) | k;
}
constexpr std::uint32_t kPublishAttempts = 10; // an outcome event is given up after this many sends

std::int64_t headerAmount(const Message &m)
{
    if (const std::string *a = m.header("amount")) {
        try {
            return std::stoll(*a);
        } catch (...) {
            return 0;
        }
    }
    return 0;
}

class Participant final : public Node {
public:
    explicit Participant(const NodeSetup &s) : m_id(s.id)
    {
        const auto &p = s.properties;
        m_initial = p.integer("initial");
        m_amount = p.integer("amount");
        m_command = p.string("command");
        m_compensation = p.string("compensation");
        m_restore = p.string("compensationStyle") == "restore";
        m_processing = p.duration("processing");
        const std::string f = p.string("failure");
        m_failure = f == "always"        ? Failure::Always
                    : f == "probability" ? Failure::Probability
                    : f == "timeout"     ? Failure::Timeout
                                         : Failure::Never;
        m_failureProbability = p.number("failureProbability");
        m_idempotent = p.boolean("idempotent");
        m_lock = p.boolean("semanticLock");
        m_step = static_cast<std::uint32_t>(p.integer("step"));
        m_perSaga = p.boolean("perSaga");
        for (auto &e : p.stringList("reactsTo"))
            m_reactsTo.insert(e);
        for (auto &e : p.stringList("compensatesOn"))
            m_compensatesOn.insert(e);
        for (auto &e : p.stringList("releasesOn"))
            m_releasesOn.insert(e);
        m_emits = p.string("emits");
        m_emitsOnFailure = p.string("emitsOnFailure");
        m_emitsOnCompensation = p.string("emitsOnCompensation");
        m_beginsSaga = p.boolean("beginsSaga");
        m_confirmTimeout = p.duration("confirmTimeout");
    }

    void start(NodeContext &ctx) override
    {
        for (LinkIndex l : ctx.links(SagaParticipantPort::Events))
            subscribe(ctx, l);
    }

    void onLinkState(NodeContext &ctx, LinkIndex link, bool up) override
    {
        if (!up) return;
        for (LinkIndex l : ctx.links(SagaParticipantPort::Events))
            if (l == link) subscribe(ctx, l);
    }

    void onFrame(NodeContext &ctx, LinkIndex from, Frame &f) override
    {
        switch (f.type) {
        case FrameType::Query:
            if (!f.response && f.message && f.message->routingKey == saga::kIdentify) {
                auto r = std::make_shared<cmd::QueryResult>();
                r->found = true;
                r->fields.push_back({"service", m_id});
                ctx.send(from, responseTo(f, CommandStatus::Ok, std::move(r)));
            }
            return;
        case FrameType::Command: {
            if (f.response || !f.message) return;
            const auto *body = f.as<cmd::CommandBody>();
            if (f.message->routingKey == saga::kRelease) {
                if (body) release(itemKey(*f.message, body->saga), body->saga);
                return;
            }
            Work w;
            w.message = std::move(f.message);
            w.link = from;
            w.requestTag = f.tag;
            w.peer = ctx.peer(from);
            if (body) {
                w.saga = body->saga;
                w.step = body->step;
                w.compensation = body->compensation;
            }
            schedule(ctx, std::move(w));
            return;
        }
        case FrameType::Deliver: {
            if (!f.message) return;
            Work w;
            w.event = true;
            w.message = std::move(f.message);
            w.link = from;
            w.deliveryTag = f.tag;
            w.noAck = f.noAck;
            w.deliveryCount = f.deliveryCount;
            w.peer = ctx.peer(from);
            schedule(ctx, std::move(w));
            return;
        }
        case FrameType::Confirm:
        case FrameType::PublishNack: {
            auto it = m_unconfirmed.find(f.tag);
            if (it == m_unconfirmed.end()) return;
            Unconfirmed u = std::move(it->second);
            m_unconfirmed.erase(it);
            ctx.cancelTimer(u.timer);
            if (f.type == FrameType::Confirm) {
                TraceEvent e = messageEvent(TraceKind::Confirm, u.message.get());
                e.deliveryCount = u.attempts;
                ctx.trace(e);
            } else {
                retryPublish(ctx, std::move(u));
            }
            return;
        }
        default:
            return;
        }
    }

    void onTimer(NodeContext &ctx, std::uint64_t tag) override
    {
        const std::uint64_t n = tag >> 1;
        if ((tag & 1) == ConfirmTimer) {
            auto it = m_unconfirmed.find(n);
            if (it == m_unconfirmed.end()) return;
            Unconfirmed u = std::move(it->second);
            m_unconfirmed.erase(it);
            TraceEvent e = messageEvent(TraceKind::Timeout, u.message.get());
            e.deliveryCount = u.attempts;
            ctx.trace(e);
            retryPublish(ctx, std::move(u));
            return;
        }
        auto it = m_work.find(n);
        if (it == m_work.end()) return;
        Work w = std::move(it->second);
        m_work.erase(it);
        if (w.event)
            react(ctx, w);
        else
            execute(ctx, w);
    }

    void onCrash(NodeContext &) override
    {
        // Work in progress and unconfirmed publishes are volatile; the database is not. Deliveries
        // not yet acked return to their queues; the orchestrator retries its commands.
        m_work.clear();
        m_unconfirmed.clear();
    }

    void onDiskLost(NodeContext &) override
    {
        m_items.clear();
        m_forward.clear();
        m_applied.clear();
    }

    NodeStatus status() const override
    {
        NodeStatus s;
        s.unacked = m_work.size();
        s.inFlight = m_unconfirmed.size();
        return s;
    }

private:
    enum class Failure { Never, Always, Probability, Timeout };
    struct Work {
        bool event = false;
        MessageRef message;
        LinkIndex link = kNoIndex;
        NodeIndex peer = kNoIndex;
        std::uint64_t requestTag = 0;  // a command's tag, echoed by its reply
        std::uint64_t deliveryTag = 0; // an event's delivery tag, for its ack
        bool noAck = false;
        std::uint32_t deliveryCount = 0;
        std::uint64_t saga = 0;
        std::uint32_t step = 0;
        bool compensation = false;
    };
    struct Item {
        std::int64_t value = 0;
        std::uint64_t writer = 0;  // the saga that wrote the value last (0: none)
        std::uint64_t pending = 0; // the saga whose forward step marked it PENDING (semantic lock)
    };
    struct Forward {
        std::string item;
        std::int64_t before = 0; // the before-image, for a restore-style compensation
        std::int64_t amount = 0;
    };
    struct Unconfirmed {
        MessageRef message;
        std::uint32_t attempts = 1;
        TimerId timer = kNoTimer;
    };
    using TxnId = std::tuple<std::uint64_t, std::uint32_t, bool>; // saga, step, compensation
    using StepId = std::pair<std::uint64_t, std::uint32_t>;       // saga, step
    struct TxnHash {
        std::size_t operator()(const TxnId &t) const
        {
            return std::hash<std::uint64_t>()((std::get<0>(t) << 12) ^ (std::uint64_t(std::get<1>(t)) << 1) ^
                                              std::uint64_t(std::get<2>(t)));
        }
        std::size_t operator()(const StepId &t) const
        {
            return std::hash<std::uint64_t>()((t.first << 12) ^ t.second);
        }
    };

    void subscribe(NodeContext &ctx, LinkIndex link)
    {
        Frame s;
        s.type = FrameType::Subscribe;
        s.count = 0;
        ctx.send(link, std::move(s));
    }

    void schedule(NodeContext &ctx, Work w)
    {
        const std::uint64_t n = ++m_nextWork;
        m_work.emplace(n, std::move(w));
        ctx.startTimer(m_processing, timerTag(WorkTimer, n));
    }

    Item &item(const std::string &key)
    {
        auto it = m_items.find(key);
        if (it == m_items.end()) it = m_items.emplace(key, Item{m_initial, 0, 0}).first;
        return it->second;
    }

    // The data item a transaction of `saga` acts on: the message's key, or the saga's own row.
    std::string itemKey(const Message &m, std::uint64_t saga) const
    {
        return m_perSaga ? m.key + "#" + std::to_string(saga) : m.key;
    }

    void release(const std::string &key, std::uint64_t saga)
    {
        auto it = m_items.find(key);
        if (it != m_items.end() && it->second.pending == saga) it->second.pending = 0;
    }

    // Runs the local transaction `w` asks for. Returns false when the node crashed on the way (at
    // one of its crash points) or hung (failure = timeout): nothing more may be done then.
    bool transact(NodeContext &ctx, const Work &w, std::uint16_t &status)
    {
        if (ctx.crashPoint("before-local-commit")) return false;
        const TxnId id{w.saga, w.step, w.compensation};
        if (m_idempotent) {
            auto done = m_applied.find(id);
            if (done != m_applied.end()) {
                // A retried command (or a redelivered event): answered from the table, not applied.
                TraceEvent e = messageEvent(TraceKind::Dedupe, w.message.get());
                e.correlationId = w.saga;
                e.deliveryCount = w.step;
                e.peer = w.peer;
                if (w.compensation) e.flags |= TraceFlag::Compensation;
                ctx.trace(e);
                status = done->second;
                return true;
            }
        }
        if (!w.compensation && m_failure == Failure::Timeout) return false; // hangs: never answers
        const std::string key = itemKey(*w.message, w.saga);
        Item &it = item(key);
        const std::int64_t before = it.value;
        const std::uint64_t readFrom = it.writer;
        const std::int64_t amount = m_amount ? m_amount : headerAmount(*w.message);
        const StepId txn{w.saga, w.step};
        bool traced = true;
        if (!w.compensation) {
            if (m_lock && it.pending && it.pending != w.saga) {
                status = CommandStatus::Locked;
            } else if ((m_failure == Failure::Always) ||
                       (m_failure == Failure::Probability && ctx.rng().bernoulli(m_failureProbability)) ||
                       it.value - amount < 0) {
                status = CommandStatus::Rejected;
            } else {
                status = CommandStatus::Ok;
                m_forward.try_emplace(txn, Forward{key, before, amount});
                it.value -= amount;
                it.writer = w.saga;
                if (m_lock) it.pending = w.saga;
            }
        } else {
            status = CommandStatus::Ok;
            auto fw = m_forward.find(txn);
            if (fw == m_forward.end() && (m_idempotent || m_restore)) {
                traced = false; // nothing was done, so nothing to undo (an order never created)
            } else {
                it.value = m_restore ? fw->second.before : it.value + amount;
                it.writer = w.saga;
                if (it.pending == w.saga) it.pending = 0;
                if (fw != m_forward.end()) m_forward.erase(fw);
            }
        }
        if (traced) {
            TraceEvent e = messageEvent(TraceKind::LocalTxn, w.message.get());
            e.correlationId = w.saga;
            e.deliveryCount = w.step;
            e.peer = w.peer;
            e.offset = before;
            e.aux = it.value;
            e.status = status;
            e.epoch = static_cast<std::uint32_t>(readFrom);
            e.frame = FrameType::Command; // its status is a CommandStatus
            if (w.compensation) e.flags |= TraceFlag::Compensation;
            ctx.trace(e);
        }
        // Only what was applied is kept: a refused command changed nothing, so asking again is safe
        // and may succeed (a retriable step after the pivot, a lock since released).
        if (m_idempotent && status == CommandStatus::Ok) m_applied.emplace(id, status);
        return !ctx.crashPoint("after-local-commit");
    }

    void execute(NodeContext &ctx, Work &w)
    {
        const std::string &name = w.message->routingKey;
        std::uint16_t status = CommandStatus::NotFound;
        if (name != m_command && name != m_compensation) {
            ctx.send(w.link, reply(w, status, "no local transaction named " + name));
            return;
        }
        // The command's name says which transaction; the body says the same for a well-formed one.
        w.compensation = name == m_compensation && !m_compensation.empty();
        if (!transact(ctx, w, status)) return;
        ctx.send(w.link, reply(w, status, {}));
    }

    Frame reply(const Work &w, std::uint16_t status, std::string reason)
    {
        auto r = std::make_shared<cmd::CommandResult>();
        r->reason = std::move(reason);
        Frame f;
        f.type = FrameType::Command;
        f.tag = w.requestTag;
        Frame resp = responseTo(f, status, std::move(r));
        resp.message = w.message;
        return resp;
    }

    // Choreography: an event from the queue.
    void react(NodeContext &ctx, Work &w)
    {
        const std::string &type = w.message->routingKey;
        const bool forward = m_reactsTo.count(type) > 0;
        const bool compensate = !forward && m_compensatesOn.count(type) > 0;
        if (forward || compensate) {
            w.saga = forward && m_beginsSaga ? w.message->id : w.message->correlationId;
            w.step = m_step;
            w.compensation = compensate;
            if (forward && m_beginsSaga && !(m_idempotent && m_applied.count({w.saga, w.step, false}))) {
                TraceEvent b = messageEvent(TraceKind::SagaBegin, w.message.get());
                b.correlationId = w.saga;
                ctx.trace(b);
            }
            std::uint16_t status = CommandStatus::Ok;
            if (!transact(ctx, w, status)) return;
            const std::string &next = compensate                    ? m_emitsOnCompensation
                                      : status == CommandStatus::Ok ? m_emits
                                                                    : m_emitsOnFailure;
            if (!next.empty()) publish(ctx, w, next);
            // Where the flow ends: the last service when it succeeds; the first when its own step is
            // refused or its compensation is done.
            const bool ok = status == CommandStatus::Ok;
            if (forward && ok && m_emits.empty()) endSaga(ctx, w, 0);
            if (m_beginsSaga && (compensate || (forward && !ok))) endSaga(ctx, w, 1);
        } else if (m_releasesOn.count(type)) {
            release(itemKey(*w.message, w.message->correlationId), w.message->correlationId);
        }
        TraceEvent e = messageEvent(TraceKind::Process, w.message.get());
        e.peer = w.peer;
        e.link = w.link;
        e.deliveryCount = w.deliveryCount;
        e.aux = ctx.now() - w.message->publishedAt;
        ctx.trace(e);
        if (w.noAck) return;
        Frame ack;
        ack.type = FrameType::Ack;
        ack.tag = w.deliveryTag;
        ack.deliveryCount = w.deliveryCount;
        ack.message = std::move(w.message);
        ctx.send(w.link, std::move(ack));
    }

    void endSaga(NodeContext &ctx, const Work &w, std::int64_t outcome)
    {
        TraceEvent e = messageEvent(TraceKind::SagaEnd, w.message.get());
        e.correlationId = w.saga;
        e.aux = outcome;
        ctx.trace(e);
    }

    void publish(NodeContext &ctx, const Work &w, const std::string &type)
    {
        auto m = std::make_shared<Message>();
        m->id = ctx.newMessageId();
        m->correlationId = w.saga;
        m->routingKey = type;
        m->key = w.message->key;
        if (const std::string *a = w.message->header("amount")) m->headers.push_back({"amount", *a});
        m->size = w.message->size;
        m->publishedAt = ctx.now();
        m->producer = ctx.self();
        m->sequence = ++m_published;
        m->persistent = true;
        ctx.announce(*m);
        TraceEvent e = messageEvent(TraceKind::Publish, m.get());
        e.aux = m->size;
        e.flags |= TraceFlag::Confirmed;
        ctx.trace(e);
        transmit(ctx, Unconfirmed{std::move(m), 1, kNoTimer});
    }

    void transmit(NodeContext &ctx, Unconfirmed u)
    {
        const std::uint64_t tag = ++m_nextPublishTag;
        u.timer = ctx.startTimer(m_confirmTimeout, timerTag(ConfirmTimer, tag));
        Frame f;
        f.type = FrameType::Publish;
        f.tag = tag;
        f.deliveryCount = u.attempts;
        f.message = u.message;
        m_unconfirmed.emplace(tag, std::move(u));
        sendOnPort(ctx, SagaParticipantPort::Publish, std::move(f));
    }

    void retryPublish(NodeContext &ctx, Unconfirmed u)
    {
        if (u.attempts >= kPublishAttempts) {
            TraceEvent e = messageEvent(TraceKind::Drop, u.message.get());
            e.reason = DropReason::RetriesExhausted;
            e.deliveryCount = u.attempts;
            ctx.trace(e);
            return;
        }
        ++u.attempts;
        TraceEvent e = messageEvent(TraceKind::Retry, u.message.get());
        e.deliveryCount = u.attempts;
        ctx.trace(e);
        transmit(ctx, std::move(u));
    }

    std::string m_id;
    std::int64_t m_initial = 0;
    std::int64_t m_amount = 0;
    std::string m_command, m_compensation;
    bool m_restore = false;
    SimTime m_processing = 0;
    Failure m_failure = Failure::Never;
    double m_failureProbability = 0;
    bool m_idempotent = true;
    bool m_lock = false;
    std::uint32_t m_step = 1;
    bool m_perSaga = false;
    std::set<std::string> m_reactsTo, m_compensatesOn, m_releasesOn;
    std::string m_emits, m_emitsOnFailure, m_emitsOnCompensation;
    bool m_beginsSaga = false;
    SimTime m_confirmTimeout = 0;

    // The database (durable).
    std::unordered_map<std::string, Item> m_items;
    std::unordered_map<StepId, Forward, TxnHash> m_forward;      // applied forward steps
    std::unordered_map<TxnId, std::uint16_t, TxnHash> m_applied; // idempotency table
    // Volatile.
    std::unordered_map<std::uint64_t, Work> m_work;
    std::map<std::uint64_t, Unconfirmed> m_unconfirmed;
    std::uint64_t m_nextWork = 0, m_nextPublishTag = 0, m_published = 0;
};

} // namespace

NodeKindSpec sagaParticipantKind()
{
    NodeKindSpec k;
    k.kind = "saga-participant";
    k.label = "Saga participant";
    k.category = "Sagas";
    k.help = "A service with its own database whose local transaction (and its compensation) a saga's "
             "commands or events trigger.";
    k.ports = {
        {"commands", PortDirection::In, Protocol::Command, true,
         "Commands from a saga orchestrator (orchestration).", PortSpec::Need::Optional},
        {"events", PortDirection::In, Protocol::Delivery, true,
         "Queues of the events this service reacts to (choreography).", PortSpec::Need::Optional},
        {"publish", PortDirection::Out, Protocol::Publish, false,
         "The exchange this service publishes its outcome events to (choreography).",
         PortSpec::Need::Optional},
    };
    using T = PropertyType;
    k.properties = {
        property("initial", "Initial value", T::Integer, 100,
                 "Each data item's value (a customer's credit, a product's stock) before any transaction.",
                 "", -1e15, 1e15),
        property(
            "amount", "Amount", T::Integer, 0,
            "What the forward transaction subtracts from the item (0 = the command's \"amount\" header). "
            "It is refused (Rejected) when the value would go below zero.",
            "", 0, 1e15),
        property("command", "Command", T::String, "ProcessPayment",
                 "The forward local transaction's name (a command's name, or the step of a choreography)."),
        property("compensation", "Compensation", T::String, "RefundPayment",
                 "The compensating transaction's name."),
        property("perSaga", "Item per saga", T::Bool, false,
                 "Each saga gets an item of its own (a new order row) instead of the command's key (a "
                 "customer's account shared by the sagas on it)."),
        property("compensationStyle", "Compensation style", T::Enum, "semantic",
                 "semantic: add the amount back (commutes with other sagas' changes); restore: write back "
                 "the before-image (the naive undo that loses other sagas' updates made in between).",
                 "", {}, {}, {"semantic", "restore"}),
        property("processing", "Processing time", T::Duration, 5, "Time one local transaction takes.", "ms",
                 0, {}),
        property("failure", "Failure", T::Enum, "never",
                 "How the forward transaction fails: never; always (refused, Rejected); probability (refused "
                 "with failureProbability); timeout (the service hangs and never answers). A crash mid-step "
                 "is a crash-at fault at before-local-commit or after-local-commit.",
                 "", {}, {}, {"never", "always", "probability", "timeout"}),
        property("failureProbability", "Failure probability", T::Probability, 0.1,
                 "Chance that a forward transaction is refused (failure = probability).", "", 0, 1),
        property("idempotent", "Idempotent", T::Bool, true,
                 "Keep the (saga, step, compensation) ids applied and answer a retried command or a "
                 "redelivered event from that table (a refused one is decided again); off: a retry "
                 "applies the transaction again."),
        property("semanticLock", "Semantic lock", T::Bool, false,
                 "A forward transaction marks the item PENDING until its saga completes (the orchestrator's "
                 "Release) or compensates; another saga's forward transaction on it is refused (Locked)."),
        property("step", "Step", T::Integer, 1,
                 "Choreography: the number of this service's step in the saga (1 = the first).", "", 1, 1000),
        property("reactsTo", "Reacts to", T::StringList, Json::array(),
                 "Choreography: event types (routing keys) that run the forward transaction."),
        property("emits", "Emits", T::String, "",
                 "Choreography: the event published when the forward transaction succeeds (empty: this "
                 "service's step is the last; the saga completes here)."),
        property("emitsOnFailure", "Emits on failure", T::String, "",
                 "Choreography: the event published when the forward transaction is refused."),
        property("compensatesOn", "Compensates on", T::StringList, Json::array(),
                 "Choreography: event types that run the compensating transaction."),
        property("emitsOnCompensation", "Emits on compensation", T::String, "",
                 "Choreography: the event published once the compensation is done."),
        property("releasesOn", "Releases on", T::StringList, Json::array(),
                 "Choreography: event types that release this saga's semantic lock (the saga completed)."),
        property("beginsSaga", "Begins saga", T::Bool, false,
                 "Choreography: each triggering message starts a saga (its id is the saga's id); the saga "
                 "ends compensated here when this service's compensation is done or its step is refused."),
        property("confirmTimeout", "Confirm timeout", T::Duration, 1000,
                 "Choreography: how long to wait for the broker's confirm of an event before resending it.",
                 "ms", 0.001, {}),
    };
    k.check = [](const PropertyBag &p, std::vector<std::pair<std::string, std::string>> &problems) {
        if (p.string("command").empty())
            problems.push_back({"command", "needs the forward transaction's name"});
        if (p.string("command") == p.string("compensation"))
            problems.push_back({"compensation", "must differ from the command's name"});
        for (const auto &e : p.stringList("compensatesOn"))
            for (const auto &r : p.stringList("reactsTo"))
                if (e == r)
                    problems.push_back(
                        {"compensatesOn", "\"" + e + "\" is also in reactsTo: one event cannot do and undo"});
    };
    k.crashPoints = {
        {"before-local-commit", "a command or event arrived; its local transaction has not run"},
        {"after-local-commit",
         "the local transaction committed; its reply (or outcome event, or the event's ack) is not sent"},
    };
    k.factory = [](const NodeSetup &s) { return std::make_unique<Participant>(s); };
    k.explainRoute = [](const RouteQuestion &q) {
        // Choreography: after its local transaction it emits its event (routing key "emits").
        RouteAnswer a = sendOnPorts(q, {"publish"}, "", "runs its local transaction", true);
        const std::string emits = q.properties.string("emits");
        for (auto &v : a.verdicts) {
            if (!v.taken) continue;
            if (emits.empty()) {
                v.taken = false;
                v.why = "it emits no event (emits is empty)";
                continue;
            }
            v.why = "emits " + inQuotes(emits) + " after its local transaction";
            RouteMessage m = q.message;
            m.routingKey = emits;
            v.message = m;
        }
        return a;
    };
    return k;
}

} // namespace sb
