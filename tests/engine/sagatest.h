#pragma once
// Helpers for the saga tests: a saga of N steps over N services, run with the saga checker, and
// what the trace says of each saga.
#include "enginetest.h"
#include "nodelabels.h"
#include "sagachecker.h"

#include <map>

namespace sbtest {

// An orchestrator "orch" driving one step per service "s1".."sN" (commands Do1/Undo1 ...).
// `steps` entries may be patched by the caller before building.
inline Json sagaSteps(int n, const char *timeout = "200ms", int retries = 2)
{
    Json steps = Json::array();
    for (int i = 1; i <= n; ++i) {
        const std::string k = std::to_string(i);
        steps.push_back({{"name", "step" + k},
                         {"service", "s" + k},
                         {"command", "Do" + k},
                         {"compensation", "Undo" + k},
                         {"timeout", timeout},
                         {"retries", retries}});
    }
    return steps;
}

inline Json participant(int i, Json extra = Json::object())
{
    const std::string k = std::to_string(i);
    Json p{{"command", "Do" + k}, {"compensation", "Undo" + k}, {"initial", 100}};
    if (extra.is_object())
        for (auto it = extra.begin(); it != extra.end(); ++it)
            p[it.key()] = it.value();
    return p;
}

// One saga at 50 ms (or `sagas` of them, 1 s apart) of `amount` on "customer-1": by then the
// orchestrator knows which link leads to which service.
inline sb::Topology sagaTopology(const Json &steps, const std::vector<Json> &participants,
                                 Json orchestrator = Json::object(), int sagas = 1, int amount = 10)
{
    Json script = Json::array();
    for (int i = 0; i < sagas; ++i)
        script.push_back({{"at", 50 + 1000.0 * i}, {"key", "customer-1"}, {"amount", amount}});
    Json props{{"rate", 0}, {"keys", "none"}, {"script", script}, {"steps", steps}};
    if (orchestrator.is_object())
        for (auto it = orchestrator.begin(); it != orchestrator.end(); ++it)
            props[it.key()] = it.value();
    TopologyBuilder b;
    b.node("orch", "saga-orchestrator", props);
    for (std::size_t i = 0; i < participants.size(); ++i) {
        const std::string id = "s" + std::to_string(i + 1);
        b.node(id, "saga-participant", participants[i]);
        b.link("orch", id, Json::object(), "participants", "commands");
    }
    return b.topology();
}

struct SagaRun {
    std::unique_ptr<Run> run;
    std::unique_ptr<sb::SagaChecker> checker;
    std::uint64_t count(const char *check) const
    {
        for (const auto &c : checker->checks())
            if (c.check == check) return c.count;
        return ~std::uint64_t{0};
    }
    // Every check's count is 0.
    bool clean() const
    {
        for (const auto &c : checker->checks())
            if (c.count) return false;
        return true;
    }
    std::string findings() const
    {
        std::string out;
        for (const auto &c : checker->checks())
            for (const auto &f : c.examples)
                out += c.check + ": " + f.what + "\n";
        return out;
    }
};

inline SagaRun runSagas(const sb::Topology &t, sb::SimTime until = 60 * sb::kSecond)
{
    SagaRun r;
    r.run = prepare(t);
    if (!r.run) return r;
    r.checker = std::make_unique<sb::SagaChecker>(t, sb::nodeLabels(t));
    r.run->sim->addSink(r.checker.get());
    sb::RunOptions o;
    o.until = until;
    r.run->reason = r.run->sim->run(o);
    return r;
}

// What the trace says of one saga.
struct SagaHistory {
    std::vector<std::uint32_t> forward;           // steps whose forward transaction was applied, in order
    std::vector<std::uint32_t> compensated;       // steps whose compensation was applied, in order
    std::vector<std::uint32_t> compensationsSent; // StepStart with Compensation, first attempts, in order
    std::int64_t end = -1;                        // SagaEnd's aux
    std::uint32_t resumes = 0;
    std::int64_t resumeEntries = -1;
};

inline std::map<std::uint64_t, SagaHistory> histories(const RecordingSink &trace)
{
    std::map<std::uint64_t, SagaHistory> out;
    for (const auto &e : trace.events) {
        const bool comp = e.flags & sb::TraceFlag::Compensation;
        switch (e.kind) {
        case sb::TraceKind::SagaBegin:
            out[e.correlationId];
            break;
        case sb::TraceKind::LocalTxn:
            if (e.status == 0)
                (comp ? out[e.correlationId].compensated : out[e.correlationId].forward)
                    .push_back(e.deliveryCount);
            break;
        case sb::TraceKind::StepStart:
            if (comp && e.aux == 1) out[e.correlationId].compensationsSent.push_back(e.deliveryCount);
            break;
        case sb::TraceKind::SagaEnd:
            out[e.correlationId].end = e.aux;
            break;
        case sb::TraceKind::SagaResume:
            ++out[e.correlationId].resumes;
            out[e.correlationId].resumeEntries = e.aux;
            break;
        default:
            break;
        }
    }
    return out;
}

inline std::vector<std::uint32_t> reversed(std::vector<std::uint32_t> v)
{
    std::reverse(v.begin(), v.end());
    return v;
}

} // namespace sbtest
