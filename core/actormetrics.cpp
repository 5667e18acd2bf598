#include "actormetrics.h"

#include "callstatus.h"

#include <algorithm>
#include <sstream>

namespace sb {

ActorMetrics::ActorMetrics(const Topology &t) : m_slot(t.nodes.size(), kNoIndex)
{
    for (NodeIndex i = 0; i < t.nodes.size(); ++i)
        if (isActorKind(t.nodes[i].kind)) {
            m_slot[i] = static_cast<std::uint32_t>(m_figures.size());
            ActorFigures f;
            f.node = i;
            f.kind = t.nodes[i].kind;
            m_figures.push_back(std::move(f));
        }
}

bool ActorMetrics::isActorKind(std::string_view kind)
{
    return kind == "actor" || kind == "supervisor" || kind == "actor-client";
}

ActorFigures *ActorMetrics::figures(NodeIndex n)
{
    if (n >= m_slot.size() || m_slot[n] == kNoIndex) return nullptr;
    return &m_figures[m_slot[n]];
}

void ActorMetrics::onEvent(const TraceEvent &e)
{
    if (e.kind == TraceKind::Send && e.frame == FrameType::ActorDown) {
        ++m_downs;
        return;
    }
    ActorFigures *f = figures(e.node);
    if (!f) return;
    switch (e.kind) {
    case TraceKind::Process:
        ++f->processed;
        if (e.offset > 0) {
            f->processingTotal += e.offset;
            f->processingMax = std::max<SimTime>(f->processingMax, e.offset);
        }
        break;
    case TraceKind::Enqueue:
        f->maxMailbox = std::max<std::uint64_t>(f->maxMailbox,
                                                static_cast<std::uint64_t>(std::max<std::int64_t>(0, e.aux)));
        break;
    case TraceKind::ActorFail:
        ++f->failures;
        break;
    case TraceKind::Supervise:
        if (e.aux == 0 || e.aux == 3) {
            ++f->restartsOrdered;
            if (ActorFigures *child = figures(e.peer)) ++child->restarts;
        } else if (e.aux == 1) {
            ++f->stopsOrdered;
        }
        break;
    case TraceKind::Escalate:
        ++f->escalations;
        if (e.peer == kNoIndex) f->terminated = true;
        break;
    case TraceKind::Drop:
        if (e.reason == DropReason::ActorStopped) ++f->deadLetters;
        if (e.reason == DropReason::MailboxFull) ++f->mailboxFull;
        if (e.reason == DropReason::Rejected) ++f->unhandled;
        if (e.reason == DropReason::UnknownCorrelation) ++f->lateAnswers;
        break;
    case TraceKind::Call:
        ++f->asks;
        break;
    case TraceKind::Complete:
        if (e.status == Grpc::DeadlineExceeded) ++f->askTimeouts;
        break;
    case TraceKind::Block:
        ++f->blocked;
        break;
    case TraceKind::Unblock:
        f->blockedTime += e.aux;
        break;
    default:
        break;
    }
}

ActorReport ActorMetrics::report() const
{
    ActorReport r;
    r.nodes = m_figures;
    for (const auto &f : m_figures) {
        r.processed += f.processed;
        r.failures += f.failures;
        r.restarts += f.restartsOrdered;
        r.escalations += f.escalations;
        r.deadLetters += f.deadLetters;
        r.mailboxFull += f.mailboxFull;
        r.asks += f.asks;
        r.askTimeouts += f.askTimeouts;
        r.applicationTerminated = r.applicationTerminated || f.terminated;
    }
    r.downs = m_downs;
    return r;
}

namespace {
std::string label(const std::vector<std::string> &labels, NodeIndex n)
{
    return n < labels.size() ? labels[n] : "node " + std::to_string(n);
}
std::string msText(SimTime t)
{
    std::ostringstream o;
    o.precision(3);
    o << std::fixed << static_cast<double>(t) / static_cast<double>(kMillisecond) << " ms";
    return o.str();
}
} // namespace

std::string formatActors(const ActorReport &r, const std::vector<std::string> &labels)
{
    if (!r.any()) return {};
    std::ostringstream o;
    o << "\nActors: " << r.processed << " messages processed, " << r.failures << " failures, " << r.restarts
      << " restarts, " << r.escalations << " escalations, " << r.deadLetters << " dead letters, "
      << r.mailboxFull << " mailbox overflows, " << r.asks << " asks (" << r.askTimeouts << " timed out), "
      << r.downs << " DOWN messages";
    if (r.applicationTerminated) o << "; the top supervisor gave up: the application terminated";
    o << "\n";
    for (const auto &f : r.nodes) {
        o << "  " << label(labels, f.node) << " (" << f.kind << "):";
        if (f.kind == "supervisor") {
            o << " " << f.restartsOrdered << " restarts ordered, " << f.stopsOrdered << " children stopped, "
              << f.escalations << " escalations";
            if (f.restarts) o << ", restarted " << f.restarts << " times";
            if (f.terminated) o << ", gave up at the top: application terminated";
        } else if (f.kind == "actor-client") {
            o << " " << f.asks << " asks, " << f.askTimeouts << " timed out, " << f.lateAnswers
              << " late answers";
            if (f.blocked) o << ", held back " << f.blocked << " times (" << msText(f.blockedTime) << ")";
        } else {
            o << " " << f.processed << " processed";
            if (f.processed)
                o << " (processing mean " << msText(f.processingTotal / static_cast<SimTime>(f.processed))
                  << ", max " << msText(f.processingMax) << ")";
            o << ", mailbox max " << f.maxMailbox << ", " << f.failures << " failures, " << f.restarts
              << " restarts, " << f.deadLetters << " dead letters";
            if (f.mailboxFull) o << ", " << f.mailboxFull << " mailbox overflows";
            if (f.unhandled) o << ", " << f.unhandled << " unhandled";
            if (f.asks) o << ", " << f.asks << " asks (" << f.askTimeouts << " timed out)";
            if (f.blocked) o << ", held back " << f.blocked << " times (" << msText(f.blockedTime) << ")";
        }
        o << "\n";
    }
    return o.str();
}

Json actorsJson(const ActorReport &r, const std::vector<std::string> &ids)
{
    Json nodes = Json::array();
    for (const auto &f : r.nodes) {
        Json j = {{"id", f.node < ids.size() ? ids[f.node] : std::to_string(f.node)}, {"kind", f.kind}};
        if (f.kind == "supervisor") {
            j["restarts_ordered"] = f.restartsOrdered;
            j["children_stopped"] = f.stopsOrdered;
            j["escalations"] = f.escalations;
            j["restarts"] = f.restarts;
            j["terminated"] = f.terminated;
        } else {
            j["processed"] = f.processed;
            j["processing_time_mean_ns"] =
                f.processed ? f.processingTotal / static_cast<SimTime>(f.processed) : 0;
            j["processing_time_max_ns"] = f.processingMax;
            j["mailbox_max"] = f.maxMailbox;
            j["failures"] = f.failures;
            j["restarts"] = f.restarts;
            j["dead_letters"] = f.deadLetters;
            j["mailbox_overflows"] = f.mailboxFull;
            j["unhandled"] = f.unhandled;
            j["asks"] = f.asks;
            j["ask_timeouts"] = f.askTimeouts;
            j["late_answers"] = f.lateAnswers;
            j["held_back"] = f.blocked;
            j["held_back_ns"] = f.blockedTime;
        }
        nodes.push_back(std::move(j));
    }
    return {{"processed", r.processed},
            {"failures", r.failures},
            {"restarts", r.restarts},
            {"escalations", r.escalations},
            {"dead_letters", r.deadLetters},
            {"mailbox_overflows", r.mailboxFull},
            {"asks", r.asks},
            {"ask_timeouts", r.askTimeouts},
            {"downs", r.downs},
            {"application_terminated", r.applicationTerminated},
            {"nodes", std::move(nodes)}};
}

} // namespace sb
