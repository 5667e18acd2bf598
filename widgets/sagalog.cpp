#include "sagalog.h"

#include <QThread>

#include <algorithm>

namespace sb {

SagaLog::SagaLog(QObject *parent) : QObject(parent) {}

void SagaLog::begin(const QStringList &nodeIds, const QStringList &nodeLabels)
{
    clear();
    m_nodeIds = nodeIds;
    m_nodeLabels = nodeLabels;
}

void SagaLog::clear()
{
    m_sagas.clear();
    m_index.clear();
    m_steps.clear();
    m_dropped = 0;
    m_now = 0;
    m_nodeIds.clear();
    m_nodeLabels.clear();
    Q_EMIT changed();
}

QString SagaLog::nodeLabel(NodeIndex node) const
{
    if (node >= NodeIndex(m_nodeIds.size())) return node == kNoIndex ? QString() : QString::number(node);
    const QString label = node < NodeIndex(m_nodeLabels.size()) ? m_nodeLabels[int(node)] : QString();
    return label.isEmpty() ? m_nodeIds[int(node)] : label;
}

int SagaLog::indexOf(std::uint64_t sagaId) const
{
    const auto it = m_index.constFind(sagaId);
    return it == m_index.constEnd() || *it < m_dropped ? -1 : int(*it - m_dropped);
}

SimTime SagaLog::longest() const
{
    SimTime longest = 0;
    for (const Saga &s : m_sagas)
        longest = std::max(longest, s.extent(m_now));
    return longest;
}

SagaLog::Saga *SagaLog::sagaFor(const TraceEvent &e)
{
    if (!e.correlationId) return nullptr;
    if (const int i = indexOf(e.correlationId); i >= 0) return &m_sagas[std::size_t(i)];
    Saga s;
    s.id = e.correlationId;
    s.begin = e.time;
    m_index.insert(s.id, m_dropped + m_sagas.size());
    m_sagas.push_back(std::move(s));
    if (int(m_sagas.size()) > kMaxSagas) {
        m_index.remove(m_sagas.front().id);
        m_sagas.pop_front();
        ++m_dropped;
    }
    return &m_sagas.back();
}

SagaLog::Step &SagaLog::stepFor(Saga &saga, std::uint32_t number)
{
    number = std::max<std::uint32_t>(number, 1);
    if (saga.steps.size() < number) saga.steps.resize(number);
    return saga.steps[number - 1];
}

void SagaLog::addEvents(const std::vector<TraceEvent> &events)
{
    Q_ASSERT(QThread::currentThread() == thread());
    bool touched = false;
    for (const TraceEvent &e : events) {
        m_now = std::max(m_now, e.time);
        if (e.kind < TraceKind::SagaBegin || e.kind > TraceKind::SagaResume) continue;
        Saga *saga = sagaFor(e);
        if (!saga) continue;
        touched = true;
        const bool compensation = e.flags & TraceFlag::Compensation;
        const bool ok = e.status == 0 || e.status == kNoStatus;
        switch (e.kind) {
        case TraceKind::SagaBegin:
            saga->orchestrator = e.node;
            saga->begin = e.time;
            break;
        case TraceKind::StepStart: {
            Step &step = stepFor(*saga, e.deliveryCount);
            if (saga->orchestrator == kNoIndex) saga->orchestrator = e.node;
            step.service = e.peer;
            if (compensation) {
                step.state = StepState::Compensating;
                if (step.compensationStart < 0) step.compensationStart = e.time;
                break;
            }
            step.state = StepState::Running;
            if (step.start < 0) step.start = e.time;
            step.attempts =
                std::max<std::uint32_t>(step.attempts, std::uint32_t(std::max<std::int64_t>(e.aux, 1)));
            if (step.command.isEmpty() && e.messageId && m_lookup)
                if (const auto info = m_lookup(e.messageId))
                    step.command = QString::fromStdString(info->routingKey);
            break;
        }
        case TraceKind::StepEnd: {
            Step &step = stepFor(*saga, e.deliveryCount);
            if (compensation) {
                step.state = ok ? StepState::Compensated : StepState::CompensationFailed;
                step.compensationEnd = e.time;
                if (step.compensationStart < 0) step.compensationStart = e.time;
                break;
            }
            step.end = e.time;
            if (step.start < 0) step.start = e.time;
            step.status = ok ? 0 : e.status;
            step.state = e.aux == 1 ? StepState::TimedOut : ok ? StepState::Done : StepState::Failed;
            break;
        }
        case TraceKind::LocalTxn: {
            // In a choreography the services' transactions are the steps; under an orchestrator
            // the step's own events say more, and a transaction only names the command.
            Step &step = stepFor(*saga, e.deliveryCount);
            if (step.service == kNoIndex) step.service = e.node;
            if (step.command.isEmpty() && e.messageId && m_lookup)
                if (const auto info = m_lookup(e.messageId))
                    step.command = QString::fromStdString(info->routingKey);
            if (compensation) {
                if (step.compensationStart < 0) {
                    step.state = ok ? StepState::Compensated : StepState::CompensationFailed;
                    step.compensationStart = step.compensationEnd = e.time;
                }
            } else if (step.start < 0) {
                step.start = step.end = e.time;
                step.status = ok ? 0 : e.status;
                step.state = ok ? StepState::Done : StepState::Failed;
            }
            break;
        }
        case TraceKind::SagaEnd:
            saga->end = e.time;
            saga->endState = e.aux == 0   ? EndState::Completed
                             : e.aux == 1 ? EndState::Compensated
                                          : EndState::Failed;
            break;
        case TraceKind::SagaResume:
            ++saga->resumes;
            if (saga->orchestrator == kNoIndex) saga->orchestrator = e.node;
            break;
        default:
            break;
        }
        if (saga->orchestrator != kNoIndex)
            m_steps[saga->orchestrator] =
                std::max(m_steps.value(saga->orchestrator), std::uint32_t(saga->steps.size()));
    }
    if (touched) Q_EMIT changed();
}

QString SagaLog::stepStateName(StepState s)
{
    switch (s) {
    case StepState::Pending:
        return tr("pending");
    case StepState::Running:
        return tr("running");
    case StepState::Done:
        return tr("done");
    case StepState::Failed:
        return tr("failed");
    case StepState::TimedOut:
        return tr("timed out");
    case StepState::Compensating:
        return tr("compensating");
    case StepState::Compensated:
        return tr("compensated");
    case StepState::CompensationFailed:
        return tr("compensation failed");
    }
    return {};
}

QString SagaLog::endStateName(EndState s)
{
    switch (s) {
    case EndState::Running:
        return tr("running");
    case EndState::Completed:
        return tr("completed");
    case EndState::Compensated:
        return tr("compensated");
    case EndState::Failed:
        return tr("failed");
    }
    return {};
}

} // namespace sb
