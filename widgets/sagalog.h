#pragma once
// What the window knows of a run's sagas, from the trace batches alone: one instance per saga
// (the correlation id of SagaBegin .. SagaEnd), its orchestrator, its steps with their state and
// times (a step's command named by its message's routing key), its compensations and its end.
// A choreographed saga, whose services trace only local transactions, gets its steps from those.
// Bounded: the newest kMaxSagas instances are kept.
#include "messagecatalog.h"

#include <QHash>
#include <QObject>
#include <QString>
#include <QStringList>

#include <deque>
#include <functional>
#include <optional>
#include <vector>

namespace sb {

class SagaLog : public QObject {
    Q_OBJECT

public:
    static constexpr int kMaxSagas = 1000;
    using MessageLookup = std::function<std::optional<MessageInfo>(std::uint64_t)>;

    enum class StepState : std::uint8_t {
        Pending,
        Running,
        Done,
        Failed,
        TimedOut,
        Compensating,
        Compensated,
        CompensationFailed
    };
    enum class EndState : std::uint8_t { Running, Completed, Compensated, Failed };

    struct Step {
        StepState state = StepState::Pending;
        SimTime start = -1, end = -1; // the step's transaction (first attempt .. outcome)
        SimTime compensationStart = -1, compensationEnd = -1;
        std::uint32_t attempts = 0;
        std::uint16_t status = 0; // the failure, when it failed
        NodeIndex service = kNoIndex;
        QString command;
    };
    struct Saga {
        std::uint64_t id = 0;
        NodeIndex orchestrator = kNoIndex;
        SimTime begin = 0, end = -1;
        EndState endState = EndState::Running;
        std::uint32_t resumes = 0;
        std::vector<Step> steps; // step n at n - 1
        SimTime extent(SimTime now) const { return (end >= 0 ? end : now) - begin; }
    };

    explicit SagaLog(QObject *parent = nullptr);
    void begin(const QStringList &nodeIds, const QStringList &nodeLabels);
    void clear();
    void setMessageLookup(MessageLookup lookup) { m_lookup = std::move(lookup); }
    void addEvents(const std::vector<TraceEvent> &events);

    const std::deque<Saga> &sagas() const { return m_sagas; }
    // Sagas forgotten from the front (the bound).
    std::uint64_t dropped() const { return m_dropped; }
    // The most steps any saga of this orchestrator had: the pending steps a saga has yet to run.
    std::uint32_t stepsOf(NodeIndex orchestrator) const { return m_steps.value(orchestrator); }
    // The longest saga kept (its extent so far for a running one): the time axis's span.
    SimTime longest() const;
    SimTime now() const { return m_now; }
    QString nodeLabel(NodeIndex node) const;
    int indexOf(std::uint64_t sagaId) const;

    static QString stepStateName(StepState s);
    static QString endStateName(EndState s);

signals:
    void changed();

private:
    Saga *sagaFor(const TraceEvent &e);
    Step &stepFor(Saga &saga, std::uint32_t number);

    MessageLookup m_lookup;
    QStringList m_nodeIds, m_nodeLabels;
    std::deque<Saga> m_sagas;
    std::uint64_t m_dropped = 0;
    QHash<std::uint64_t, std::uint64_t> m_index; // saga id -> sequence (dropped + index)
    QHash<NodeIndex, std::uint32_t> m_steps;
    SimTime m_now = 0;
};

} // namespace sb
