#pragma once
// Engine tests of event-sourcing kinds: scripted clients that send exactly the requests a rule needs
// (appends, reads, subscriptions on an event-store port; commands and queries on a command port),
// record what comes back, and ack or nack what a persistent subscription pushes.
#include "enginetest.h"

#include "callstatus.h"
#include "nodes/cqrs/commandprotocol.h"
#include "nodes/eventsourcing/esprotocol.h"

#include <map>
#include <optional>

namespace estest {

using namespace sb;
using namespace sbtest;

inline constexpr SimTime ms = kMillisecond;
inline constexpr SimTime s = kSecond;

struct Action {
    SimTime at = 0;
    Frame frame;
};

struct Script {
    std::vector<Action> actions;
    std::vector<std::pair<SimTime, Frame>> received;
    // Ack (or nack with this action) every EventAppeared of a persistent group at once.
    std::optional<es::NackAction> settle;
    bool ack = false;

    const Frame *response(std::uint64_t tag, FrameType type) const
    {
        for (const auto &r : received)
            if (r.second.response && r.second.type == type && r.second.tag == tag) return &r.second;
        return nullptr;
    }
    SimTime responseTime(std::uint64_t tag, FrameType type) const
    {
        for (const auto &r : received)
            if (r.second.response && r.second.type == type && r.second.tag == tag) return r.first;
        return -1;
    }
    // The events pushed to this client (not the caught-up markers), by position.
    std::vector<std::int64_t> appeared() const
    {
        std::vector<std::int64_t> out;
        for (const auto &r : received)
            if (r.second.type == FrameType::EventAppeared && !r.second.response)
                if (const auto *b = r.second.as<es::EventAppearedBody>(); b && !b->caughtUp)
                    out.push_back(b->event.position);
        return out;
    }
    // Where the caught-up marker came among the pushed frames (-1: none).
    int caughtUpAt() const
    {
        int i = 0;
        for (const auto &r : received)
            if (r.second.type == FrameType::EventAppeared && !r.second.response) {
                const auto *b = r.second.as<es::EventAppearedBody>();
                if (b && b->caughtUp) return i;
                ++i;
            }
        return -1;
    }
};

class ScriptedClient final : public Node {
public:
    explicit ScriptedClient(Script *script) : m_script(script) {}
    void start(NodeContext &ctx) override
    {
        for (std::size_t i = 0; i < m_script->actions.size(); ++i)
            ctx.startTimer(m_script->actions[i].at, i);
    }
    void onFrame(NodeContext &ctx, LinkIndex link, Frame &f) override
    {
        m_script->received.emplace_back(ctx.now(), f);
        const auto *b = f.as<es::EventAppearedBody>();
        if (f.type != FrameType::EventAppeared || !b || b->group.empty() || b->caughtUp) return;
        if (!m_script->ack && !m_script->settle) return;
        Frame reply;
        reply.type = m_script->ack ? FrameType::PersistentAck : FrameType::PersistentNack;
        auto body = std::make_shared<es::SettleBody>();
        body->group = b->group;
        body->positions = {b->event.position};
        if (m_script->settle) body->action = *m_script->settle;
        reply.body = std::move(body);
        ctx.send(link, std::move(reply));
    }
    // Event-store frames go out on "out", commands and queries on "cmd".
    void onTimer(NodeContext &ctx, std::uint64_t tag) override
    {
        const Frame &f = m_script->actions[tag].frame;
        const auto links = ctx.links(isCommandFrame(f.type) ? 1 : 0);
        if (!links.empty()) ctx.send(links.front(), f);
    }

private:
    Script *m_script;
};

inline std::map<std::string, std::shared_ptr<Script>> &scripts()
{
    static std::map<std::string, std::shared_ptr<Script>> all;
    return all;
}

inline const KindRegistry &testRegistry()
{
    static const KindRegistry reg = [] {
        KindRegistry r = KindRegistry::builtin();
        NodeKindSpec k;
        k.kind = "test-es-client";
        k.label = "Scripted event-store client";
        k.category = "Test";
        k.ports = {{"out", PortDirection::Out, Protocol::EventStore, false, "", PortSpec::Need::Optional},
                   {"cmd", PortDirection::Out, Protocol::Command, false, "", PortSpec::Need::Optional}};
        k.factory = [](const NodeSetup &setup) {
            return std::make_unique<ScriptedClient>(scripts().at(setup.id).get());
        };
        r.add(std::move(k));
        return r;
    }();
    return reg;
}

inline std::uint64_t g_nextId = 1;

inline MessageRef ev(const std::string &stream, const std::string &type = "Happened", std::uint64_t id = 0)
{
    auto m = std::make_shared<Message>();
    m->id = id ? id : g_nextId++;
    m->key = stream;
    m->routingKey = type;
    m->size = 100;
    return m;
}

inline Action append(SimTime at, std::uint64_t tag, const std::string &stream, std::int64_t expected,
                     std::vector<MessageRef> events)
{
    auto body = std::make_shared<es::AppendRequest>();
    body->stream = stream;
    body->expectedVersion = expected;
    body->events = std::move(events);
    Action a;
    a.at = at;
    a.frame.type = FrameType::AppendToStream;
    a.frame.tag = tag;
    a.frame.message = body->events.empty() ? nullptr : body->events.front();
    a.frame.body = std::move(body);
    return a;
}

inline Action read(SimTime at, std::uint64_t tag, const std::string &stream, std::int64_t from = 0,
                   std::uint32_t maxCount = 0, SimTime asOf = kNever, bool backwards = false)
{
    auto body = std::make_shared<es::ReadRequest>();
    body->stream = stream;
    body->from = from;
    body->maxCount = maxCount;
    body->asOf = asOf;
    body->backwards = backwards;
    Action a;
    a.at = at;
    a.frame.type = FrameType::ReadStream;
    a.frame.tag = tag;
    a.frame.body = std::move(body);
    return a;
}

inline Action subscribe(SimTime at, std::uint64_t tag, const std::string &stream, std::int64_t from,
                        const std::string &group = {}, es::PersistentSettings settings = {})
{
    auto body = std::make_shared<es::SubscribeRequest>();
    body->stream = stream;
    body->from = from;
    body->group = group;
    body->settings = settings;
    Action a;
    a.at = at;
    a.frame.type = FrameType::SubscribeToStream;
    a.frame.tag = tag;
    a.frame.body = std::move(body);
    return a;
}

inline Script &client(const std::string &id = "c")
{
    return *scripts().at(id);
}

} // namespace estest
