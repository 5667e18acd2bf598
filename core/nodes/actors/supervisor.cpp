// The supervisor (Erlang/OTP's supervisor behaviour, Akka's supervisorStrategy). Its children are
// the nodes on its `children` port, in link order: the start order, which rest-for-one follows.
//
// A child's EXIT (ActorExit over the supervision link) carries the child's restart type: permanent
// is restarted, transient only after an abnormal exit, temporary never (the supervisor then sends
// ActorShutdown: the child is stopped for good). A restart counts against the restart intensity as
// OTP's add_restart does: the restarts in the last `period` (now <= then + period), this one
// included; more than `maxRestarts` and the supervisor gives up: it shuts all its children down (in
// reverse start order), traces Escalate and fails itself with an EXIT to its own supervisor (over its
// `parent` port), which decides in turn. A top supervisor that gives up ends the application
// (Escalate with no peer). A period of 0 means no limit: Akka's default strategy (maxNrOfRetries -1,
// withinTimeRange Duration.Inf).
//
// Which children restart: one-for-one the failed one; one-for-all every child; rest-for-one the
// failed one and every child after it in start order. Each restarted child gets ActorRestart; a
// sibling that is temporary stops instead (OTP). With a minimum backoff set, the restart is sent
// after Akka's BackoffSupervisor delay: min(maxBackoff, minBackoff * 2^n) * (1 + u * randomFactor),
// u uniform in [0, 1) from the run's random stream, n the child's restarts since it last ran for
// minBackoff without failing (Akka's AutoReset(minBackoff)).
#include "actorlinks.h"
#include "actorprotocol.h"
#include "actors.h"

#include "../../callstatus.h"
#include "../common.h"

#include <algorithm>
#include <cmath>
#include <deque>
#include <map>

namespace sb {

namespace {

enum class Strategy { OneForOne, OneForAll, RestForOne };

class Supervisor final : public Node {
public:
    explicit Supervisor(const NodeSetup &s)
    {
        const auto &p = s.properties;
        const std::string strategy = p.string("strategy");
        m_strategy = strategy == "one-for-all"    ? Strategy::OneForAll
                     : strategy == "rest-for-one" ? Strategy::RestForOne
                                                  : Strategy::OneForOne;
        m_maxRestarts = static_cast<std::size_t>(p.integer("maxRestarts"));
        m_period = p.duration("period");
        m_minBackoff = p.duration("minBackoff");
        m_maxBackoff = p.duration("maxBackoff");
        m_randomFactor = p.number("randomFactor");
        m_restart = restartTypeFromName(p.string("restart"));
    }

    void start(NodeContext &ctx) override
    {
        m_state = State::Running;
        m_history.clear();
        m_children.assign(ctx.links(SupervisorPort::Children).size(), Child{});
    }

    void onFrame(NodeContext &ctx, LinkIndex link, Frame &f) override
    {
        if (onPort(ctx, SupervisorPort::Children, link)) {
            if (f.type == FrameType::ActorExit) childExit(ctx, link, f);
            return;
        }
        if (!onPort(ctx, SupervisorPort::Parent, link)) return;
        if (f.type == FrameType::ActorRestart) {
            const auto *order = f.as<ActorRestartOrder>();
            if (order && order->sibling && m_restart == RestartType::Temporary)
                stopForGood(ctx, "shutdown");
            else
                restartSelf(ctx);
        } else if (f.type == FrameType::ActorShutdown) {
            stopForGood(ctx, "shutdown");
        }
    }

    void onTimer(NodeContext &ctx, std::uint64_t tag) override
    {
        auto it = m_backoffs.find(tag);
        if (it == m_backoffs.end()) return;
        const Pending p = std::move(it->second);
        m_backoffs.erase(it);
        if (m_state == State::Running) sendRestarts(ctx, p.children, p.failed);
    }

    void onCrash(NodeContext &) override
    {
        m_history.clear();
        m_backoffs.clear();
    }

    NodeStatus status() const override
    {
        NodeStatus s;
        s.inFlight = m_backoffs.size();
        return s;
    }

private:
    enum class State { Running, Failed, Stopped };
    struct Child {
        bool stopped = false;
        std::uint32_t backoffRestarts = 0;
        SimTime lastRestart = 0;
    };
    struct Pending {
        std::vector<std::size_t> children;
        std::size_t failed = 0;
    };

    std::vector<LinkIndex> childLinks(NodeContext &ctx) const
    {
        const auto links = ctx.links(SupervisorPort::Children);
        return {links.begin(), links.end()};
    }

    void supervise(NodeContext &ctx, NodeIndex child, int decision, SimTime delay = 0)
    {
        TraceEvent e;
        e.kind = TraceKind::Supervise;
        e.peer = child;
        e.aux = decision;
        if (decision == 3) e.offset = delay;
        ctx.trace(e);
    }

    void childExit(NodeContext &ctx, LinkIndex link, const Frame &f)
    {
        if (m_state != State::Running) return; // it is being shut down with the others
        const auto links = childLinks(ctx);
        m_children.resize(links.size());
        const std::size_t i =
            static_cast<std::size_t>(std::find(links.begin(), links.end(), link) - links.begin());
        if (i >= links.size()) return;
        const auto *sig = f.as<ActorExitSignal>();
        const bool abnormal = sig ? sig->abnormal : true;
        const RestartType type = sig ? sig->restart : RestartType::Permanent;
        const NodeIndex child = ctx.peer(link);
        const bool restart = type == RestartType::Permanent || (type == RestartType::Transient && abnormal);
        if (!restart) {
            supervise(ctx, child, 1);
            m_children[i].stopped = true;
            sendSignal(ctx, link, FrameType::ActorShutdown, false);
            return;
        }
        // Restart intensity, as OTP's add_restart: the restarts within the period, this one included.
        if (m_period > 0) {
            const SimTime now = ctx.now();
            m_history.push_front(now);
            while (!m_history.empty() && now > m_history.back() + m_period)
                m_history.pop_back();
            if (m_history.size() > m_maxRestarts) {
                supervise(ctx, child, 2);
                escalate(ctx);
                return;
            }
        }
        std::vector<std::size_t> which;
        for (std::size_t j = 0; j < links.size(); ++j) {
            const bool inGroup =
                m_strategy == Strategy::OneForAll || (m_strategy == Strategy::RestForOne && j >= i) || j == i;
            if (inGroup && (j == i || !m_children[j].stopped)) which.push_back(j);
        }
        const SimTime delay = backoff(ctx, m_children[i]);
        for (std::size_t j : which)
            supervise(ctx, ctx.peer(links[j]), delay > 0 ? 3 : 0, delay);
        if (delay > 0) {
            const std::uint64_t tag = ++m_backoffSeq;
            m_backoffs[tag] = Pending{which, i};
            ctx.startTimer(delay, tag);
        } else {
            sendRestarts(ctx, which, i);
        }
    }

    // Akka's BackoffSupervisor delay for this child's next restart (0: no backoff configured).
    SimTime backoff(NodeContext &ctx, Child &c)
    {
        if (m_minBackoff <= 0) return 0;
        if (c.lastRestart > 0 && ctx.now() - c.lastRestart >= m_minBackoff)
            c.backoffRestarts = 0; // AutoReset
        const double rnd = 1.0 + ctx.rng().uniform01() * m_randomFactor;
        const std::uint32_t n = c.backoffRestarts++;
        double d = n >= 30 ? static_cast<double>(m_maxBackoff)
                           : std::min(static_cast<double>(m_maxBackoff),
                                      static_cast<double>(m_minBackoff) * std::pow(2.0, n));
        d *= rnd;
        return std::max<SimTime>(1, static_cast<SimTime>(d));
    }

    void sendRestarts(NodeContext &ctx, const std::vector<std::size_t> &which, std::size_t failed)
    {
        const auto links = childLinks(ctx);
        for (std::size_t j : which) {
            if (j >= links.size()) continue;
            m_children[j].stopped = false;
            m_children[j].lastRestart = ctx.now();
            // Restarted with a failed sibling, or (failed out of range) all started anew.
            sendSignal(ctx, links[j], FrameType::ActorRestart, failed < links.size() && j != failed);
        }
    }

    void sendSignal(NodeContext &ctx, LinkIndex link, FrameType type, bool sibling)
    {
        Frame f;
        f.type = type;
        if (type == FrameType::ActorRestart) {
            auto order = std::make_shared<ActorRestartOrder>();
            order->sibling = sibling;
            f.body = std::move(order);
        }
        ctx.send(link, std::move(f));
    }

    void shutdownChildren(NodeContext &ctx)
    {
        m_backoffs.clear();
        const auto links = childLinks(ctx);
        m_children.resize(links.size());
        for (std::size_t j = links.size(); j-- > 0;) { // OTP terminates children in reverse start order
            m_children[j].stopped = true;
            sendSignal(ctx, links[j], FrameType::ActorShutdown, false);
        }
    }

    // More restarts than the intensity allows: shut the children down, fail, escalate.
    void escalate(NodeContext &ctx)
    {
        shutdownChildren(ctx);
        const auto parent = ctx.links(SupervisorPort::Parent);
        TraceEvent e;
        e.kind = TraceKind::Escalate;
        e.peer = parent.empty() ? kNoIndex : ctx.peer(parent.front());
        e.aux = static_cast<std::int64_t>(m_history.size());
        ctx.trace(e);
        m_history.clear();
        m_state = State::Failed; // its children are shut down already
        if (parent.empty()) {
            stopForGood(ctx,
                        "reached_max_restart_intensity"); // the top supervisor: the application terminates
            return;
        }
        auto body = std::make_shared<ActorExitSignal>();
        body->abnormal = true;
        body->restart = m_restart;
        body->reason = "reached_max_restart_intensity";
        Frame f;
        f.type = FrameType::ActorExit;
        f.status = Grpc::Internal;
        f.body = std::move(body);
        ctx.send(parent.front(), std::move(f));
    }

    // Its own supervisor restarted it: it starts its children anew (its init/1 again).
    void restartSelf(NodeContext &ctx)
    {
        m_state = State::Running;
        m_history.clear();
        m_backoffs.clear();
        const auto links = childLinks(ctx);
        m_children.assign(links.size(), Child{});
        std::vector<std::size_t> all;
        for (std::size_t j = 0; j < links.size(); ++j) {
            supervise(ctx, ctx.peer(links[j]), 0);
            all.push_back(j);
        }
        sendRestarts(ctx, all, links.size());
    }

    void stopForGood(NodeContext &ctx, const std::string &reason)
    {
        if (m_state == State::Stopped) return;
        if (m_state == State::Running) shutdownChildren(ctx);
        m_state = State::Stopped;
        sendDown(ctx, SupervisorPort::Watchers, reason);
    }

    Strategy m_strategy = Strategy::OneForOne;
    std::size_t m_maxRestarts = 1;
    SimTime m_period = 0, m_minBackoff = 0, m_maxBackoff = 0;
    double m_randomFactor = 0;
    RestartType m_restart = RestartType::Permanent;

    State m_state = State::Running;
    std::deque<SimTime> m_history; // restart times within the period, newest first
    std::vector<Child> m_children; // by start order
    std::map<std::uint64_t, Pending> m_backoffs;
    std::uint64_t m_backoffSeq = 0;
};

} // namespace

NodeKindSpec supervisorKind()
{
    NodeKindSpec k;
    k.kind = "supervisor";
    k.label = "Supervisor";
    k.category = "Actors";
    k.help = "Restarts its children when they fail (one-for-one, one-for-all, rest-for-one) up to a restart "
             "intensity, then gives up and escalates.";
    k.ports = {
        {"children", PortDirection::Out, Protocol::Supervision, true,
         "Its children (actors or supervisors, to their parent port), in start order.", PortSpec::Need::Warn},
        {"parent", PortDirection::In, Protocol::Supervision, false,
         "Its own supervisor: where it escalates when it gives up. Unlinked, it is the top of the tree.",
         PortSpec::Need::Optional},
        {"watchers", PortDirection::In, Protocol::Supervision, true,
         "Actors monitoring it: they get DOWN when it stops for good.", PortSpec::Need::Optional},
    };
    using T = PropertyType;
    k.properties = {
        property("system", "Actor system", T::String, "", "The actor system it lives in, for display."),
        property("strategy", "Strategy", T::Enum, "one-for-one",
                 "Which children restart when one fails: one-for-one that one; one-for-all every child; "
                 "rest-for-one that one and the children started after it (OTP's strategies; Akka's "
                 "OneForOneStrategy and AllForOneStrategy).",
                 "", {}, {}, {"one-for-one", "one-for-all", "rest-for-one"}),
        property(
            "maxRestarts", "Max restarts", T::Integer, 1,
            "Restart intensity: more than this many restarts within the period and the supervisor shuts its "
            "children down and fails (OTP's intensity, default 1; Akka's maxNrOfRetries).",
            "restarts", 0, {}),
        property("period", "Period", T::Duration, 5000,
                 "The restart intensity's window (OTP's period, default 5 s; Akka's withinTimeRange). 0 = no "
                 "limit: "
                 "every failure is restarted (Akka's default strategy).",
                 "ms", 0, {}),
        property(
            "minBackoff", "Min backoff", T::Duration, 0,
            "Restart after a delay growing from this one (Akka's BackoffSupervisor minBackoff); 0 = restart "
            "at once.",
            "ms", 0, {}),
        property("maxBackoff", "Max backoff", T::Duration, 30000,
                 "The exponential backoff's cap (Akka's maxBackoff).", "ms", 0, {}),
        property("randomFactor", "Random factor", T::Number, 0.2,
                 "Backoff jitter: the delay times 1 + u * randomFactor, u uniform in [0, 1) (Akka's "
                 "randomFactor).",
                 "", 0, 1),
        property("restart", "Restart type", T::Enum, "permanent",
                 "Its own restart type under its parent supervisor (a supervisor child spec).", "", {}, {},
                 {"permanent", "transient", "temporary"}),
    };
    k.check = [](const PropertyBag &p, std::vector<std::pair<std::string, std::string>> &problems) {
        if (p.duration("minBackoff") > 0 && p.duration("maxBackoff") < p.duration("minBackoff"))
            problems.push_back({"maxBackoff", "maxBackoff " + formatDuration(p.duration("maxBackoff")) +
                                                  " is below minBackoff " +
                                                  formatDuration(p.duration("minBackoff"))});
    };
    k.deliveryRole = DeliveryRole::Log;
    k.factory = [](const NodeSetup &s) { return std::make_unique<Supervisor>(s); };
    k.explainRoute = [](const RouteQuestion &) {
        return endRoute("a supervisor: it carries no messages, only its children's exits and its restarts");
    };
    return k;
}

} // namespace sb
