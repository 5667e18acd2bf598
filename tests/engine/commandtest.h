#pragma once
// Helpers for the command-handler and command-client tests: a scripted commander that sends
// exactly the commands and queries a case needs and keeps what comes back, and a stub read model
// that answers queries from a table the test fills (a position it claims, rows per entity).
#include "enginetest.h"

#include "callstatus.h"
#include "faults/faultplan.h"
#include "nodes/cqrs/commandprotocol.h"

#include <map>
#include <memory>

namespace sbtest {

// One command ("Deposit:10", "Deposit:10@0", "OpenAccount@no_stream") or query ("?" for now,
// "?@150" for the state as of 150 ms) for `stream`.
struct Ask {
    sb::SimTime at = 0;
    std::string stream;
    std::string text;
};

struct CommandScript {
    std::vector<Ask> asks;
    std::vector<std::pair<sb::SimTime, sb::Frame>> received;
    std::vector<std::uint64_t> messageIds; // of each ask, once sent

    // The answer to ask `i` (its tag is i + 1), or null.
    const sb::Frame *answer(std::size_t i) const
    {
        for (const auto &r : received)
            if (r.second.response && r.second.tag == i + 1) return &r.second;
        return nullptr;
    }
    // Each ask's answer status by name ("OK", "CONFLICT"), "-" when none came; space-separated.
    QString statuses() const
    {
        QStringList out;
        for (std::size_t i = 0; i < asks.size(); ++i) {
            const auto *a = answer(i);
            out << (a ? QString::fromStdString(sb::commandStatusName(a->status)) : QString("-"));
        }
        return out.join(' ');
    }
    std::string reason(std::size_t i) const
    {
        const auto *a = answer(i);
        const auto *r = a ? a->as<sb::cmd::CommandResult>() : nullptr;
        return r ? r->reason : std::string();
    }
    const sb::cmd::QueryResult *queryResult(std::size_t i) const
    {
        const auto *a = answer(i);
        return a ? a->as<sb::cmd::QueryResult>() : nullptr;
    }
    // A field of a query's answer ("" when absent).
    std::string field(std::size_t i, const std::string &name) const
    {
        if (const auto *q = queryResult(i))
            for (const auto &f : q->fields)
                if (f.name == name) return f.value;
        return {};
    }
};

class ScriptedCommander final : public sb::Node {
public:
    explicit ScriptedCommander(CommandScript *script) : m_script(script) {}
    void start(sb::NodeContext &ctx) override
    {
        m_script->messageIds.assign(m_script->asks.size(), 0);
        for (std::size_t i = 0; i < m_script->asks.size(); ++i)
            ctx.startTimer(m_script->asks[i].at, i);
    }
    void onFrame(sb::NodeContext &ctx, sb::LinkIndex, sb::Frame &f) override
    {
        m_script->received.emplace_back(ctx.now(), f);
    }
    void onTimer(sb::NodeContext &ctx, std::uint64_t i) override
    {
        const Ask &ask = m_script->asks[i];
        const QString text = QString::fromStdString(ask.text);
        const QString head = text.section('@', 0, 0);
        const QString version = text.contains('@') ? text.section('@', 1) : QString();
        auto m = std::make_shared<sb::Message>();
        m->id = ctx.newMessageId();
        m->key = ask.stream;
        m_script->messageIds[i] = m->id;
        sb::Frame f;
        f.tag = i + 1;
        if (head == "?") {
            m->routingKey = "Get";
            auto q = std::make_shared<sb::cmd::QueryBody>();
            if (!version.isEmpty()) q->asOf = version.toLongLong() * sb::kMillisecond;
            f.type = sb::FrameType::Query;
            f.body = std::move(q);
        } else {
            m->routingKey = head.section(':', 0, 0).toStdString();
            if (head.contains(':')) m->headers.push_back({"amount", head.section(':', 1).toStdString()});
            auto c = std::make_shared<sb::cmd::CommandBody>();
            c->expectedVersion = version.isEmpty() || version == "any" ? sb::es::kAny
                                 : version == "no_stream"              ? sb::es::kNoStream
                                 : version == "stream_exists"          ? sb::es::kStreamExists
                                                                       : version.toLongLong();
            f.type = sb::FrameType::Command;
            f.body = std::move(c);
        }
        f.message = std::move(m);
        ctx.send(ctx.links(0).front(), std::move(f));
    }

private:
    CommandScript *m_script;
};

// What a stub read model answers: per entity its fields, and the store position it claims to
// have applied (a projection lagging behind answers with the position it has reached). A query
// with minPosition above that position is held until `catchUpAt`, when the stub "catches up" to
// `caughtUpPosition`.
struct ReadModelTable {
    std::map<std::string, std::vector<sb::Header>> rows;
    std::int64_t position = -1;
    sb::SimTime catchUpAt = sb::kNever;
    std::int64_t caughtUpPosition = -1;
    std::size_t queries = 0;
    std::size_t held = 0; // queries that waited for minPosition
};

class StubReadModel final : public sb::Node {
public:
    explicit StubReadModel(ReadModelTable *table) : m_table(table) {}
    void start(sb::NodeContext &ctx) override
    {
        if (m_table->catchUpAt != sb::kNever) ctx.startTimer(m_table->catchUpAt, 0);
    }
    void onFrame(sb::NodeContext &ctx, sb::LinkIndex link, sb::Frame &f) override
    {
        if (f.type != sb::FrameType::Query || f.response) return;
        ++m_table->queries;
        const auto *q = f.as<sb::cmd::QueryBody>();
        if (q && q->minPosition > m_table->position) {
            ++m_table->held;
            m_held.emplace_back(link, std::move(f));
            return;
        }
        answer(ctx, link, f);
    }
    void onTimer(sb::NodeContext &ctx, std::uint64_t) override
    {
        m_table->position = m_table->caughtUpPosition;
        for (auto &[link, f] : m_held)
            answer(ctx, link, f);
        m_held.clear();
    }

private:
    void answer(sb::NodeContext &ctx, sb::LinkIndex link, const sb::Frame &f)
    {
        auto r = std::make_shared<sb::cmd::QueryResult>();
        r->position = m_table->position;
        if (auto row = m_table->rows.find(f.message->key); row != m_table->rows.end()) {
            r->found = true;
            r->fields = row->second;
        }
        sb::Frame out = sb::responseTo(f, sb::CommandStatus::Ok, std::move(r));
        out.message = f.message;
        ctx.send(link, std::move(out));
    }
    ReadModelTable *m_table;
    std::vector<std::pair<sb::LinkIndex, sb::Frame>> m_held;
};

// The test kinds: "test-commander" (scripted by id) and "test-read-model" (one table).
inline std::map<std::string, std::shared_ptr<CommandScript>> &commandScripts()
{
    static std::map<std::string, std::shared_ptr<CommandScript>> all;
    return all;
}
inline ReadModelTable &readModelTable()
{
    static ReadModelTable table;
    return table;
}

inline const sb::KindRegistry &commandTestRegistry()
{
    static const sb::KindRegistry reg = [] {
        sb::KindRegistry r = sb::KindRegistry::builtin();
        sb::NodeKindSpec c;
        c.kind = "test-commander";
        c.label = "Scripted commander";
        c.category = "Test";
        c.deliveryRole = sb::DeliveryRole::Log;
        c.ports = {
            {"out", sb::PortDirection::Out, sb::Protocol::Command, false, "", sb::PortSpec::Need::Optional}};
        c.factory = [](const sb::NodeSetup &setup) {
            return std::make_unique<ScriptedCommander>(commandScripts().at(setup.id).get());
        };
        r.add(std::move(c));
        sb::NodeKindSpec m;
        m.kind = "test-read-model";
        m.label = "Stub read model";
        m.category = "Test";
        m.deliveryRole = sb::DeliveryRole::Log;
        m.ports = {{"queries", sb::PortDirection::In, sb::Protocol::Command, true, "",
                    sb::PortSpec::Need::Optional}};
        m.factory = [](const sb::NodeSetup &) { return std::make_unique<StubReadModel>(&readModelTable()); };
        r.add(std::move(m));
        return r;
    }();
    return reg;
}

struct CommandRun {
    std::unique_ptr<sb::Simulation> sim;
    RecordingSink trace;
    sb::NodeIndex index(const std::string &id) const
    {
        return static_cast<sb::NodeIndex>(*sim->topology().nodeIndex(id));
    }
    CommandScript &script(const std::string &id) const { return *commandScripts().at(id); }
    std::vector<sb::TraceEvent> events(sb::TraceKind k, const std::string &node = {}) const
    {
        std::vector<sb::TraceEvent> out;
        for (const auto &e : trace.events)
            if (e.kind == k && (node.empty() || e.node == index(node))) out.push_back(e);
        return out;
    }
};

inline std::unique_ptr<CommandRun> runTopology(const sb::Topology &t, sb::SimTime until = 600 * sb::kSecond)
{
    auto r = std::make_unique<CommandRun>();
    std::string error;
    r->sim = sb::Simulation::build(t, error, commandTestRegistry());
    if (!r->sim) {
        qWarning("build failed: %s", error.c_str());
        return nullptr;
    }
    r->sim->addSink(&r->trace);
    sb::RunOptions o;
    o.until = until;
    r->sim->run(o);
    return r;
}

// Handlers (id -> properties) on one event store "es", and scripted commanders (id -> the handler
// it talks to, its script); every link 1 ms.
inline std::unique_ptr<CommandRun>
runHandlers(std::map<std::string, Json> handlers,
            std::map<std::string, std::pair<std::string, CommandScript>> commanders,
            std::vector<sb::FaultDef> faults = {}, Json store = Json::object())
{
    commandScripts().clear();
    TopologyBuilder b;
    b.node("es", "event-store", std::move(store));
    for (auto &[id, props] : handlers) {
        b.node(id, "command-handler", props);
        b.link(id, "es", {{"latency", "1ms"}}, "store", "clients");
    }
    for (auto &[id, target] : commanders) {
        commandScripts()[id] = std::make_shared<CommandScript>(std::move(target.second));
        b.node(id, "test-commander");
        b.link(id, target.first, {{"latency", "1ms"}}, "out", "commands");
    }
    sb::Topology t = b.topology();
    t.faults = std::move(faults);
    return runTopology(t);
}

// Asks spaced `gapMs` apart from `startMs`, all on `stream`.
inline std::vector<Ask> asks(const std::string &stream, const QStringList &texts, double startMs = 0,
                             double gapMs = 100)
{
    std::vector<Ask> out;
    for (int i = 0; i < texts.size(); ++i)
        out.push_back({sb::fromMilliseconds(startMs + gapMs * i), stream, texts[i].toStdString()});
    return out;
}

} // namespace sbtest
