#pragma once
// Sagas' guarantees, from the trace alone (SagaBegin, LocalTxn, SagaEnd; core/trace.h):
// - saga-unfinished: a saga that began did not end completed or compensated (it is still running
//   when the run ends, or a compensation gave up);
// - compensation-order: the compensations a compensated saga ran are not exactly its applied
//   steps in reverse order (a step left applied, one undone twice or never done, the wrong order),
//   or a completed saga compensated something;
// - step-repeated: a step's local transaction (or its compensation) was applied twice;
// - compensated-after-pivot: a step at or after its orchestrator's pivot was compensated;
// - dirty-reads: a saga's local transaction read a value another saga wrote and compensated later;
// - lost-updates: a compensation wrote back a before-image over another saga's change.
// The pivot is read from the topology (each saga-orchestrator's `steps` and `pivot`).
#include "domaincheckers.h"

#include <map>
#include <unordered_map>
#include <vector>

namespace sb {

class SagaChecker final : public DomainChecker {
public:
    SagaChecker(const Topology &t, std::vector<std::string> nodeLabels);
    void onEvent(const TraceEvent &e) override;
    bool any() const override { return m_sagas > 0; }
    std::vector<CheckResult> checks() const override;
    static const std::vector<std::pair<std::string, std::string>> &help();

    static constexpr std::size_t kKeptExamples = 64;

private:
    enum Check { Unfinished, CompensationOrder, StepRepeated, AfterPivot, DirtyReads, LostUpdates, kChecks };
    struct Applied {
        std::uint32_t step = 0;
        NodeIndex node = kNoIndex;
        std::int64_t before = 0; // the value the forward transaction read
        std::int64_t after = 0;  // and what it wrote
    };
    struct Saga {
        NodeIndex begunAt = kNoIndex;
        SimTime begunAtTime = 0;
        std::vector<Applied> forward;      // applied forward transactions, in order
        std::vector<std::uint32_t> undone; // applied compensations' steps, in order
    };
    struct Read {
        std::uint64_t reader = 0;
        NodeIndex node = kNoIndex;
        SimTime time = 0;
    };
    void add(Check c, std::uint64_t saga, NodeIndex node, SimTime time, std::string what);
    std::string nodeName(NodeIndex n) const;
    void onLocalTxn(const TraceEvent &e);
    void onEnd(const TraceEvent &e);

    std::vector<std::string> m_labels;
    std::map<NodeIndex, std::uint32_t> m_pivotStep; // orchestrator -> the pivot's step number (1..)
    std::unordered_map<std::uint64_t, Saga> m_open;
    // Reads of a value a saga (by its id's low 32 bits, as LocalTxn's epoch carries it) wrote.
    std::unordered_map<std::uint32_t, std::vector<Read>> m_readsOf;
    std::uint64_t m_sagas = 0;
    std::vector<CheckResult> m_results;
};

} // namespace sb
