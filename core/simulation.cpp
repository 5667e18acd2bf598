#include "simulation.h"
#include "simulation_p.h"

#include "logmetrics.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <thread>

namespace sb {

const char *stopReasonName(StopReason r)
{
    switch (r) {
    case StopReason::Quiescent:
        return "quiescent";
    case StopReason::TimeLimit:
        return "time limit";
    case StopReason::EventLimit:
        return "event limit";
    case StopReason::Paused:
        return "paused";
    case StopReason::Stopped:
        return "stopped";
    }
    return "?";
}

std::span<const LinkIndex> Simulation::Context::links(PortIndex port) const
{
    const auto &ports = m_sim->m_nodes[m_index].ports;
    if (port >= ports.size()) return {};
    return ports[port];
}

NodeIndex Simulation::Context::peer(LinkIndex link) const
{
    const auto &l = m_sim->m_links[link];
    return l.from == m_index ? l.to : l.from;
}

Simulation::Simulation()
{
    m_clock = [] {
        return std::chrono::duration_cast<std::chrono::nanoseconds>(
                   std::chrono::steady_clock::now().time_since_epoch())
            .count();
    };
    m_sleep = [](std::int64_t ns) { std::this_thread::sleep_for(std::chrono::nanoseconds(ns)); };
}

Simulation::~Simulation() = default;

std::unique_ptr<Simulation> Simulation::build(const Topology &topology, std::string &error,
                                              const KindRegistry &registry)
{
    for (const auto &d : validateTopology(topology, registry)) {
        if (d.severity == Diagnostic::Severity::Error) {
            error = d.toString();
            return nullptr;
        }
    }
    std::unique_ptr<Simulation> sim(new Simulation);
    sim->m_topology = topology;
    const auto &t = sim->m_topology;
    sim->m_nodes.resize(t.nodes.size());
    sim->m_links.resize(t.links.size());
    for (std::size_t i = 0; i < t.nodes.size(); ++i) {
        const NodeKindSpec *spec = registry.find(t.nodes[i].kind);
        sim->m_nodes[i].ports.resize(spec->ports.size());
    }
    const auto linkSpecs = registry.linkProperties();
    const NodeIdIndex index(t.nodes);
    // An exchange's "out" links by (exchange, destination), for its bindings below.
    std::map<std::pair<std::string_view, std::string_view>, std::vector<LinkIndex>> exchangeLinks;
    for (LinkIndex li = 0; li < t.links.size(); ++li) {
        const auto &l = t.links[li];
        auto &slot = sim->m_links[li];
        slot.from = static_cast<NodeIndex>(*index.find(l.from));
        slot.to = static_cast<NodeIndex>(*index.find(l.to));
        const NodeKindSpec *fs = registry.find(t.nodes[slot.from].kind);
        const NodeKindSpec *ts = registry.find(t.nodes[slot.to].kind);
        LinkProperties props = linkPropertiesFrom(PropertyBag(linkSpecs, l.properties));
        // A supervision link is local by default (a supervisor and its children share an actor
        // system): no latency unless the link sets one (docs/actors.md).
        if (fs->ports[*fs->port(l.fromPort)].protocol == Protocol::Supervision && l.properties.is_object() &&
            !l.properties.contains("latency"))
            props.latency = Distribution::fixed(0);
        slot.model = LinkModel(props);
        if (l.fromPort == "out") exchangeLinks[{l.from, l.to}].push_back(li);
        sim->m_nodes[slot.from].ports[*fs->port(l.fromPort)].push_back(li);
        sim->m_nodes[slot.to].ports[*ts->port(l.toPort)].push_back(li);
    }
    // Each exchange's bindings, in file order.
    std::vector<std::vector<const BindingDef *>> bindingsOf(t.nodes.size());
    for (const auto &b : t.bindings)
        if (auto ei = index.find(b.exchange)) bindingsOf[*ei].push_back(&b);
    for (NodeIndex i = 0; i < t.nodes.size(); ++i) {
        const NodeKindSpec *spec = registry.find(t.nodes[i].kind);
        NodeSetup setup{t.nodes[i].id, i, PropertyBag(spec->properties, t.nodes[i].properties), {}};
        if (t.nodes[i].kind == "sns-topic") {
            // An SNS topic's links with the ids of their endpoints as keys, each subscription with its
            // binding's arguments (its attributes; core/nodes/sns/sns.h), so that a RedrivePolicy
            // can name its dead-letter queue.
            for (LinkIndex li = 0; li < t.links.size(); ++li) {
                const auto &l = t.links[li];
                if (l.from != t.nodes[i].id) continue;
                Json arguments = Json::object();
                for (const BindingDef *b : bindingsOf[i])
                    if (b->destination == l.to && l.fromPort != "deadLetter") arguments = b->arguments;
                setup.bindings.push_back({li, l.to, std::move(arguments)});
            }
        }
        for (const BindingDef *b : bindingsOf[i]) {
            if (t.nodes[i].kind == "sns-topic") break;
            auto links = exchangeLinks.find({b->exchange, b->destination});
            if (links == exchangeLinks.end()) continue;
            for (LinkIndex li : links->second)
                setup.bindings.push_back({li, b->key, b->arguments});
        }
        sim->m_nodes[i].node = spec->factory(setup);
        if (!sim->m_nodes[i].node) {
            error = "node \"" + t.nodes[i].id + "\": could not be built";
            return nullptr;
        }
        sim->m_nodes[i].context = std::make_unique<Context>(sim.get(), i);
    }
    // Every consumer group is numbered before the run, defaults included, so that a trace's group
    // numbers can be named from the topology alone (the window names them so).
    for (const std::string &g : consumerGroupNames(t, registry))
        sim->groupIndex(g);
    sim->setSeed(t.run.seed);
    sim->m_budget = t.run.messages;
    sim->setUpFaults(registry);
    return sim;
}

void Simulation::setSeed(std::uint64_t seed)
{
    m_seed = seed;
    // Each node and link draws from its own stream, so changing one link's loss does not shift
    // every other random decision of the run.
    for (std::size_t i = 0; i < m_nodes.size(); ++i)
        m_nodes[i].context->m_rng.reseed(mixSeed(seed, i + 1));
    for (std::size_t i = 0; i < m_links.size(); ++i)
        m_links[i].rng.reseed(mixSeed(seed, 0x10000000ULL + i));
}

void Simulation::setWallClock(WallClock clock, Sleeper sleeper)
{
    m_clock = std::move(clock);
    m_sleep = std::move(sleeper);
}

std::vector<std::string> Simulation::nodeIds() const
{
    std::vector<std::string> out;
    for (const auto &n : m_topology.nodes)
        out.push_back(n.id);
    return out;
}

std::vector<std::string> Simulation::linkIds() const
{
    std::vector<std::string> out;
    for (const auto &l : m_topology.links)
        out.push_back(l.id);
    return out;
}

std::size_t Simulation::nodeCount() const
{
    return m_nodes.size();
}
std::size_t Simulation::linkCount() const
{
    return m_links.size();
}
bool Simulation::nodeCrashed(NodeIndex node) const
{
    return m_nodes[node].crashed;
}
bool Simulation::linkUp(LinkIndex link) const
{
    return m_links[link].model.up();
}

NodeStatus Simulation::nodeStatus(NodeIndex node) const
{
    NodeStatus s = m_nodes[node].node->status();
    s.crashed = m_nodes[node].crashed;
    return s;
}

void Simulation::startNodes()
{
    m_started = true;
    for (auto &n : m_nodes)
        n.node->start(*n.context);
}

void Simulation::push(SimTime t, std::uint8_t type, std::uint32_t slot)
{
    m_heap.push(Event{t, type >= 2 ? m_faultSeq++ : m_seq++, slot, type});
}

void Simulation::emitTrace(TraceEvent &e)
{
    e.time = m_now;
    e.local = !m_clocks.empty() && e.node < m_clocks.size() ? m_clocks[e.node].local(m_now) : m_now;
    if (m_paced) e.wall = m_clock() - m_wallStart;
    for (auto *s : m_sinks)
        s->onEvent(e);
}

TraceEvent Simulation::frameEvent(TraceKind kind, NodeIndex from, NodeIndex to, LinkIndex link,
                                  const Frame &f) const
{
    TraceEvent e;
    e.kind = kind;
    e.node = from;
    e.peer = to;
    e.link = link;
    e.frame = f.type;
    e.deliveryCount = f.deliveryCount;
    e.status = f.status;
    if (f.message) {
        e.messageId = f.message->id;
        e.correlationId = f.message->correlationId;
    }
    if (f.noAck) e.flags |= TraceFlag::NoAck;
    if (f.requeue) e.flags |= TraceFlag::Requeue;
    if (f.type == FrameType::Publish && f.tag) e.flags |= TraceFlag::Confirmed;
    if (f.response) e.flags |= TraceFlag::Response;
    if (isMqttFrame(f.type)) {
        e.epoch = f.qos;
        if (f.redelivered) e.flags |= TraceFlag::Dup;
        if (f.retain) e.flags |= TraceFlag::Retain;
    }
    e.partition = f.partition;
    return e;
}

void Simulation::sendFrame(NodeIndex from, LinkIndex link, Frame &&frame)
{
    auto &l = m_links[link];
    const int direction = l.from == from ? 0 : 1;
    const NodeIndex to = direction == 0 ? l.to : l.from;
    auto outcome = l.model.transmit(m_now, direction, frame, l.rng);
    if (outcome.copies == 0) {
        TraceEvent e = frameEvent(TraceKind::Drop, from, to, link, frame);
        e.reason = outcome.reason;
        emitTrace(e);
        return;
    }
    for (int c = 0; c < outcome.copies; ++c) {
        TraceEvent e = frameEvent(TraceKind::Send, from, to, link, frame);
        e.aux = outcome.arrival[c];
        emitTrace(e);
        std::uint32_t slot;
        if (!m_freeFrames.empty()) {
            slot = m_freeFrames.back();
            m_freeFrames.pop_back();
        } else {
            slot = static_cast<std::uint32_t>(m_frames.size());
            m_frames.emplace_back();
        }
        auto &f = m_frames[slot];
        f.frame = (c + 1 == outcome.copies) ? std::move(frame) : frame;
        f.link = link;
        f.direction = static_cast<std::uint8_t>(direction);
        f.used = true;
        ++m_workPending;
        push(outcome.arrival[c], 0, slot);
    }
}

TimerId Simulation::startTimer(NodeIndex node, SimTime delay, std::uint64_t tag, bool background)
{
    std::uint32_t slot;
    if (!m_freeTimers.empty()) {
        slot = m_freeTimers.back();
        m_freeTimers.pop_back();
    } else {
        slot = static_cast<std::uint32_t>(m_timers.size());
        m_timers.emplace_back();
    }
    auto &t = m_timers[slot];
    t.node = node;
    t.tag = tag;
    t.active = true;
    t.background = background;
    if (!background) ++m_workPending;
    delay = std::max<SimTime>(delay, 0);
    // A slowed node takes longer over everything it waits for.
    if (m_nodes[node].slow != 1) delay = timeFromNanoseconds(static_cast<double>(delay) * m_nodes[node].slow);
    push(addTime(m_now, delay), 1, slot);
    return (static_cast<TimerId>(t.generation) << 32) | (slot + 1ULL);
}

void Simulation::cancelTimer(TimerId id)
{
    if (id == kNoTimer) return;
    const auto slot = static_cast<std::uint32_t>((id & 0xffffffffULL) - 1);
    const auto gen = static_cast<std::uint32_t>(id >> 32);
    if (slot >= m_timers.size()) return;
    auto &t = m_timers[slot];
    if (!t.active || t.generation != gen) return;
    // The heap entry stays and frees the slot when it surfaces.
    t.active = false;
    if (!t.background) --m_workPending;
    ++t.generation;
}

void Simulation::processEvent(const Event &ev)
{
    m_now = ev.time;
    ++m_eventCount;
    if (ev.type >= 2) {
        processFaultEvent(ev);
        return;
    }
    // A paused node's work waits for resumeNode(), still counted as pending. Looked at only while
    // some node is paused: this is the path of every event.
    if (m_pausedNodes) {
        const NodeIndex target =
            ev.type == 0 ? (m_frames[ev.slot].direction == 0 ? m_links[m_frames[ev.slot].link].to
                                                             : m_links[m_frames[ev.slot].link].from)
                         : m_timers[ev.slot].node;
        if (m_nodes[target].paused && (ev.type == 0 || m_timers[ev.slot].active)) {
            m_nodes[target].held.push_back(ev);
            return;
        }
    }
    if (ev.type == 0) {
        InFlight f = std::move(m_frames[ev.slot]);
        m_frames[ev.slot].used = false;
        m_frames[ev.slot].frame.message.reset();
        m_freeFrames.push_back(ev.slot);
        --m_workPending;
        auto &l = m_links[f.link];
        const NodeIndex from = f.direction == 0 ? l.from : l.to;
        const NodeIndex to = f.direction == 0 ? l.to : l.from;
        if (!l.model.up(f.direction) || m_nodes[to].crashed) {
            TraceEvent e = frameEvent(TraceKind::Drop, from, to, f.link, f.frame);
            e.reason = l.model.up(f.direction) ? DropReason::Crash : DropReason::Partition;
            emitTrace(e);
            return;
        }
        m_nodes[to].node->onFrame(*m_nodes[to].context, f.link, f.frame);
    } else {
        auto &t = m_timers[ev.slot];
        // Each slot has exactly one heap entry, so a cancelled timer's slot is recycled only now,
        // when its stale entry surfaces. The generation keeps a late cancelTimer() from hitting
        // the slot's next owner.
        if (!t.active) {
            m_freeTimers.push_back(ev.slot);
            return;
        }
        const NodeIndex node = t.node;
        const std::uint64_t tag = t.tag;
        t.active = false;
        ++t.generation;
        if (!t.background) --m_workPending;
        m_freeTimers.push_back(ev.slot);
        if (!m_nodes[node].crashed) m_nodes[node].node->onTimer(*m_nodes[node].context, tag);
    }
}

bool Simulation::anyNodeHoldsWork() const
{
    for (const auto &n : m_nodes)
        if (!n.held.empty()) return true;
    return false;
}

bool Simulation::anyNodeHasPendingWork() const
{
    for (const auto &n : m_nodes)
        if (!n.crashed && n.node->hasPendingWork()) return true;
    return false;
}

void Simulation::notifyPeers(NodeIndex node, bool up)
{
    // To its neighbours a crashed node looks like a dropped connection on every link.
    for (LinkIndex li = 0; li < m_links.size(); ++li) {
        const auto &l = m_links[li];
        if (l.from != node && l.to != node) continue;
        const NodeIndex peer = l.from == node ? l.to : l.from;
        if (!m_nodes[peer].crashed && l.model.up())
            m_nodes[peer].node->onLinkState(*m_nodes[peer].context, li, up);
    }
}

void Simulation::post(std::function<void(Simulation &)> fn)
{
    std::lock_guard<std::mutex> lock(m_postMutex);
    m_posted.push_back(std::move(fn));
    m_hasPosted.store(true, std::memory_order_release);
}

void Simulation::runPosted()
{
    std::vector<std::function<void(Simulation &)>> work;
    {
        std::lock_guard<std::mutex> lock(m_postMutex);
        work.swap(m_posted);
        m_hasPosted.store(false, std::memory_order_relaxed);
    }
    for (auto &fn : work)
        fn(*this);
}

bool Simulation::step()
{
    RunOptions o;
    o.maxEvents = 1;
    return run(o) == StopReason::EventLimit;
}

StopReason Simulation::run(const RunOptions &options)
{
    if (!m_started) startNodes();
    m_paced = options.speed > 0;
    if (m_paced) {
        m_wallStart = m_clock();
        m_virtualStart = m_now;
    }
    std::uint64_t processed = 0;
    StopReason reason = StopReason::Quiescent;
    while (true) {
        if (m_hasPosted.load(std::memory_order_acquire)) runPosted();
        if (m_stopRequested.load(std::memory_order_relaxed)) {
            m_stopRequested.store(false, std::memory_order_relaxed);
            reason = StopReason::Stopped;
            break;
        }
        if (m_pauseRequested.load(std::memory_order_relaxed)) {
            // Consumed here, so a pause requested just before run() began is not lost.
            m_pauseRequested.store(false, std::memory_order_relaxed);
            reason = StopReason::Paused;
            break;
        }
        if (processed >= options.maxEvents) {
            reason = StopReason::EventLimit;
            break;
        }
        if (m_heap.empty() || (m_workPending == 0 && !anyNodeHasPendingWork())) {
            // Work held by a paused node waits for a resume that only a person (or a test) can
            // give: time passes up to the limit, as it would for a frozen process.
            if (m_heap.empty() && options.until != kNever && anyNodeHoldsWork()) {
                m_now = std::max(m_now, options.until);
                reason = StopReason::TimeLimit;
                break;
            }
            reason = StopReason::Quiescent;
            break;
        }
        const Event next = m_heap.top();
        const SimTime target = std::min(next.time, options.until);
        if (m_paced) {
            // Wait in short slices so pause, stop and posted work stay responsive.
            const auto due = m_wallStart + static_cast<std::int64_t>(
                                               static_cast<double>(target - m_virtualStart) / options.speed);
            const std::int64_t wait = due - m_clock();
            if (wait > 0) {
                m_sleep(std::min<std::int64_t>(wait, 10'000'000));
                continue;
            }
        }
        // A time that saturated at kNever (now + a latency near the maximum) lies beyond any run:
        // that frame or timer never comes due.
        if (next.time > options.until || next.time == kNever) {
            if (options.until != kNever) m_now = std::max(m_now, options.until);
            reason = StopReason::TimeLimit;
            break;
        }
        m_heap.pop();
        processEvent(next);
        ++processed;
    }
    for (auto *s : m_sinks)
        s->flush();
    m_paced = false;
    return reason;
}

namespace {
std::string numberString(double v)
{
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", v);
    return buf;
}
} // namespace

void Simulation::setLinkProperties(LinkIndex link, const LinkProperties &p)
{
    auto &l = m_links[link];
    const LinkProperties old = l.model.properties();
    l.model.setProperties(p);
    std::string detail;
    auto add = [&detail](const std::string &what, const std::string &from, const std::string &to) {
        if (from == to) return;
        detail += (detail.empty() ? "" : ", ") + what + " " + from + " -> " + to;
    };
    add("latency", old.latency.toString(), p.latency.toString());
    add("loss", numberString(old.loss), numberString(p.loss));
    add("duplicate", numberString(old.duplicate), numberString(p.duplicate));
    add("ordered", old.ordered ? "true" : "false", p.ordered ? "true" : "false");
    if (detail.empty()) return;
    recordChange({m_now, "link change", m_topology.links[link].id, detail, {}, false});
    TraceEvent e;
    e.kind = TraceKind::LinkChange;
    e.node = l.from;
    e.peer = l.to;
    e.link = link;
    emitTrace(e);
}

const LinkProperties &Simulation::linkProperties(LinkIndex link) const
{
    return m_links[link].model.properties();
}

bool Simulation::nodePaused(NodeIndex node) const
{
    return m_nodes[node].paused;
}

void Simulation::recordChange(LiveChange change)
{
    if (m_liveChanges.size() >= kMaxRecorded) {
        ++m_recordsOmitted;
        return;
    }
    m_liveChanges.push_back(std::move(change));
}

void Simulation::releaseHeld(NodeIndex node)
{
    // Held events run now, in the order they arrived, after whatever is already due now.
    auto held = std::move(m_nodes[node].held);
    m_nodes[node].held.clear();
    for (const auto &ev : held)
        push(m_now, ev.type, ev.slot);
}

void Simulation::traceNode(NodeIndex node, TraceKind kind)
{
    TraceEvent e;
    e.kind = kind;
    e.node = node;
    emitTrace(e);
}

void Simulation::pauseNow(NodeIndex node)
{
    auto &n = m_nodes[node];
    if (n.paused || n.crashed) return;
    if (!m_started) startNodes();
    n.paused = true;
    ++m_pausedNodes;
    traceNode(node, TraceKind::Pause);
}

void Simulation::resumeNow(NodeIndex node)
{
    auto &n = m_nodes[node];
    if (!n.paused) return;
    n.paused = false;
    --m_pausedNodes;
    traceNode(node, TraceKind::Resume);
    releaseHeld(node);
}

void Simulation::crashNow(NodeIndex node, bool diskLost)
{
    auto &n = m_nodes[node];
    if (n.crashed) return;
    if (!m_started) startNodes();
    n.node->onCrash(*n.context);
    if (diskLost) n.node->onDiskLost(*n.context);
    n.crashed = true;
    // A crash ends a pause: what the node held now meets a crashed node (frames are dropped,
    // its timers are cancelled below).
    if (n.paused) --m_pausedNodes;
    n.paused = false;
    releaseHeld(node);
    for (std::uint32_t i = 0; i < m_timers.size(); ++i) {
        auto &t = m_timers[i];
        if (t.active && t.node == node) cancelTimer((static_cast<TimerId>(t.generation) << 32) | (i + 1ULL));
    }
    traceNode(node, TraceKind::Crash);
    notifyPeers(node, false);
}

void Simulation::restartNow(NodeIndex node)
{
    auto &n = m_nodes[node];
    if (!n.crashed) return;
    n.crashed = false;
    traceNode(node, TraceKind::Restart);
    notifyPeers(node, true);
    n.node->onRestart(*n.context);
    // Brokers still held down by their own faults stay down in the restarted node.
    for (const auto &[broker, count] : n.brokerFaults)
        if (count > 0) n.node->onBrokerState(*n.context, broker, false);
}

std::int64_t Simulation::addNote(NodeIndex node, std::string_view text, int line, bool problem)
{
    // Problems are always kept (a node has at most one: it is taken out of the run); log lines
    // only while the list has room.
    if (!problem && m_notes.size() >= kMaxRecorded) {
        ++m_recordsOmitted;
        return -1;
    }
    m_notes.push_back({m_now, node, line, problem, std::string(text)});
    return static_cast<std::int64_t>(m_notes.size() - 1);
}

std::vector<NodeNote> Simulation::problems(NodeIndex node) const
{
    std::vector<NodeNote> out;
    for (const auto &n : m_notes)
        if (n.problem && n.node == node) out.push_back(n);
    return out;
}

std::uint32_t Simulation::groupIndex(std::string_view groupId)
{
    for (std::size_t i = 0; i < m_groupNames.size(); ++i)
        if (m_groupNames[i] == groupId) return static_cast<std::uint32_t>(i);
    m_groupNames.emplace_back(groupId);
    return static_cast<std::uint32_t>(m_groupNames.size() - 1);
}

std::vector<std::uint64_t> Simulation::framesOnLinks() const
{
    std::vector<std::uint64_t> frames(m_links.size(), 0);
    for (const auto &f : m_frames)
        if (f.used) ++frames[f.link];
    return frames;
}

} // namespace sb
