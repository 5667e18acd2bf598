#include "sagachecker.h"

#include "callstatus.h"

#include <algorithm>

namespace sb {

namespace {

std::string sagaName(std::uint64_t id)
{
    return "saga " + std::to_string(id);
}

std::string stepList(const std::vector<std::uint32_t> &steps)
{
    if (steps.empty()) return "none";
    std::string out;
    for (std::uint32_t s : steps)
        out += (out.empty() ? "" : ", ") + std::to_string(s);
    return out;
}

} // namespace

const std::vector<std::pair<std::string, std::string>> &SagaChecker::help()
{
    static const std::vector<std::pair<std::string, std::string>> h = {
        {"saga-unfinished", "sagas that did not end completed or fully compensated"},
        {"compensation-order", "compensations that were not exactly the applied steps in reverse order"},
        {"step-repeated", "saga steps (or compensations) whose local transaction was applied twice"},
        {"compensated-after-pivot", "saga steps at or after the pivot that were compensated"},
        {"dirty-reads", "local transactions that read a value another saga wrote and later compensated"},
        {"lost-updates", "compensations that wrote back a before-image over another saga's change"},
    };
    return h;
}

SagaChecker::SagaChecker(const Topology &t, std::vector<std::string> nodeLabels)
    : m_labels(std::move(nodeLabels))
{
    for (std::size_t i = 0; i < t.nodes.size(); ++i) {
        const auto &n = t.nodes[i];
        if (n.kind != "saga-orchestrator") continue;
        auto pivot = n.properties.find("pivot");
        auto steps = n.properties.find("steps");
        if (pivot == n.properties.end() || !pivot->is_string() || steps == n.properties.end() ||
            !steps->is_array())
            continue;
        for (std::size_t k = 0; k < steps->size(); ++k) {
            const Json &s = (*steps)[k];
            if (s.is_object() && s.value("name", std::string()) == pivot->get<std::string>())
                m_pivotStep[static_cast<NodeIndex>(i)] = static_cast<std::uint32_t>(k + 1);
        }
    }
    for (const auto &[name, text] : help())
        m_results.push_back({name, text, 0, {}});
}

std::string SagaChecker::nodeName(NodeIndex n) const
{
    return n < m_labels.size() ? m_labels[n] : "node " + std::to_string(n);
}

void SagaChecker::add(Check c, std::uint64_t saga, NodeIndex node, SimTime time, std::string what)
{
    CheckResult &r = m_results[c];
    ++r.count;
    if (r.examples.size() >= kKeptExamples) return;
    Finding f;
    f.check = r.check;
    f.what = std::move(what);
    f.subject = sagaName(saga);
    f.correlationId = saga;
    f.node = node;
    f.time = time;
    r.examples.push_back(std::move(f));
}

void SagaChecker::onEvent(const TraceEvent &e)
{
    switch (e.kind) {
    case TraceKind::SagaBegin: {
        ++m_sagas;
        Saga &s = m_open[e.correlationId];
        s.begunAt = e.node;
        s.begunAtTime = e.time;
        break;
    }
    case TraceKind::LocalTxn:
        onLocalTxn(e);
        break;
    case TraceKind::SagaEnd:
        onEnd(e);
        break;
    default:
        break;
    }
}

void SagaChecker::onLocalTxn(const TraceEvent &e)
{
    const std::uint64_t id = e.correlationId;
    const auto own = static_cast<std::uint32_t>(id);
    auto it = m_open.find(id);
    // A read of a value another saga wrote: dirty if that saga compensates it later.
    // (A transaction a semantic lock refused did not get to read it.)
    if (e.epoch != 0 && e.epoch != own && !(e.flags & TraceFlag::Compensation) &&
        e.status != CommandStatus::Locked)
        m_readsOf[e.epoch].push_back({id, e.node, e.time});
    if (e.status != 0 || it == m_open.end()) return;
    Saga &s = it->second;
    const std::uint32_t step = e.deliveryCount;
    if (!(e.flags & TraceFlag::Compensation)) {
        const bool again = std::any_of(s.forward.begin(), s.forward.end(),
                                       [&](const Applied &a) { return a.step == step && a.node == e.node; });
        if (again) {
            add(StepRepeated, id, e.node, e.time,
                sagaName(id) + ": step " + std::to_string(step) + " was applied again at " +
                    nodeName(e.node) + " (value " + std::to_string(e.offset) + " -> " +
                    std::to_string(e.aux) + "): a retry the service did not recognise");
            return;
        }
        s.forward.push_back({step, e.node, e.offset, e.aux});
        return;
    }
    if (std::find(s.undone.begin(), s.undone.end(), step) != s.undone.end()) {
        // Counted here, once: the order check looks at each step's first compensation.
        add(StepRepeated, id, e.node, e.time,
            sagaName(id) + ": the compensation of step " + std::to_string(step) + " was applied again at " +
                nodeName(e.node));
        return;
    }
    s.undone.push_back(step);
    if (auto p = m_pivotStep.find(s.begunAt); p != m_pivotStep.end() && step >= p->second)
        add(AfterPivot, id, e.node, e.time,
            sagaName(id) + ": step " + std::to_string(step) + " was compensated at " + nodeName(e.node) +
                " although the pivot is step " + std::to_string(p->second));
    // Sagas that read what this saga wrote at this node, before this compensation took it back.
    if (auto reads = m_readsOf.find(own); reads != m_readsOf.end()) {
        auto &list = reads->second;
        for (auto r = list.begin(); r != list.end();) {
            if (r->node == e.node && r->time <= e.time) {
                add(DirtyReads, r->reader, e.node, r->time,
                    sagaName(r->reader) + " read at " + nodeName(e.node) + " a value " + sagaName(id) +
                        " wrote and compensated later (at " + formatDuration(e.time) + ")");
                r = list.erase(r);
            } else {
                ++r;
            }
        }
    }
    // A compensation that is not the inverse of its step while another saga wrote the item in
    // between: it wrote back a before-image over that saga's change.
    if (e.epoch != 0 && e.epoch != own) {
        auto fw = std::find_if(s.forward.begin(), s.forward.end(),
                               [&](const Applied &a) { return a.step == step && a.node == e.node; });
        if (fw != s.forward.end() && e.aux - e.offset != fw->before - fw->after)
            add(LostUpdates, id, e.node, e.time,
                sagaName(id) + "'s compensation at " + nodeName(e.node) + " wrote back " +
                    std::to_string(e.aux) + " over " + std::to_string(e.offset) +
                    ", losing the change saga " + std::to_string(e.epoch) + " had made");
    }
}

void SagaChecker::onEnd(const TraceEvent &e)
{
    const std::uint64_t id = e.correlationId;
    auto it = m_open.find(id);
    if (it == m_open.end()) return;
    const Saga &s = it->second;
    std::vector<std::uint32_t> expected;
    for (auto a = s.forward.rbegin(); a != s.forward.rend(); ++a)
        expected.push_back(a->step);
    if (e.aux == 2) {
        add(Unfinished, id, e.node, e.time,
            sagaName(id) + " failed: a compensation gave up (undone: " + stepList(s.undone) +
                "; applied: " + stepList(expected) + ")");
    } else if (e.aux == 1 && s.undone != expected) {
        add(CompensationOrder, id, e.node, e.time,
            sagaName(id) + " ended compensated with compensations of steps " + stepList(s.undone) +
                "; its applied steps reversed are " + stepList(expected));
    } else if (e.aux == 0 && !s.undone.empty()) {
        add(CompensationOrder, id, e.node, e.time,
            sagaName(id) + " completed but compensated steps " + stepList(s.undone));
    }
    m_open.erase(it);
    m_readsOf.erase(static_cast<std::uint32_t>(id));
}

std::vector<CheckResult> SagaChecker::checks() const
{
    std::vector<CheckResult> out = m_results;
    // Sagas still open when the run ended: in the order they began.
    std::vector<std::pair<SimTime, std::uint64_t>> open;
    for (const auto &[id, s] : m_open)
        if (s.begunAt != kNoIndex) open.push_back({s.begunAtTime, id});
    std::sort(open.begin(), open.end());
    CheckResult &r = out[Unfinished];
    for (const auto &[time, id] : open) {
        ++r.count;
        if (r.examples.size() >= kKeptExamples) continue;
        const Saga &s = m_open.at(id);
        Finding f;
        f.check = r.check;
        f.what = sagaName(id) + " began at " + nodeName(s.begunAt) + " and never ended (" +
                 std::to_string(s.forward.size()) + " step(s) applied, " + std::to_string(s.undone.size()) +
                 " compensated)";
        f.subject = sagaName(id);
        f.correlationId = id;
        f.node = s.begunAt;
        f.time = time;
        r.examples.push_back(std::move(f));
    }
    for (auto &c : out)
        std::stable_sort(c.examples.begin(), c.examples.end(),
                         [](const Finding &a, const Finding &b) { return a.time < b.time; });
    return out;
}

} // namespace sb
