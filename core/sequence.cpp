#include "sequence.h"

#include "callstatus.h"
#include "nodelabels.h"
#include "sequenceorder.h"
#include "topology.h"

#include <algorithm>
#include <cstdint>
#include <ostream>
#include <sstream>
#include <unordered_map>

namespace sb {

namespace {

bool endsWith(const std::string &s, std::string_view suffix)
{
    if (s.size() < suffix.size()) return false;
    for (std::size_t i = 0; i < suffix.size(); ++i) {
        char c = s[s.size() - suffix.size() + i];
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
        if (c != suffix[i]) return false;
    }
    return true;
}

bool isAckFrame(FrameType f)
{
    return f == FrameType::Ack || f == FrameType::Confirm;
}

// A frame the link lost. A reply dropped for an unknown correlation id names the link it came on,
// but it did arrive: the receiver discarded it (a note, not a lost arrow).
bool isLinkDrop(const TraceEvent &e)
{
    return e.kind == TraceKind::Drop && e.link != kNoIndex && e.reason != DropReason::UnknownCorrelation;
}

// Kinds shown as a note over the node where they happened. Publish, Route, Deliver, Redeliver
// and Confirm are left out: the arrows they go with already show them.
bool isNoteKind(const TraceEvent &e)
{
    switch (e.kind) {
    case TraceKind::Enqueue:
    case TraceKind::Ack:
    case TraceKind::Nack:
    case TraceKind::Requeue:
    case TraceKind::Process:
    case TraceKind::Dedupe:
    case TraceKind::Expire:
    case TraceKind::DeadLetter:
    case TraceKind::Timeout:
    case TraceKind::Retry:
    case TraceKind::LinkDown:
    case TraceKind::LinkUp:
    case TraceKind::Crash:
    case TraceKind::Restart:
    case TraceKind::Pause:
    case TraceKind::Resume:
    case TraceKind::LinkChange:
    case TraceKind::FaultStart:
    case TraceKind::FaultEnd:
    case TraceKind::ClockJump:
    case TraceKind::Call: // the writers open the caller's activation here
    case TraceKind::Accept:
    case TraceKind::Execute:
    case TraceKind::Complete: // ... and close it here
    case TraceKind::Hedge:
    case TraceKind::Cancel:
    case TraceKind::Breaker:
    case TraceKind::Block:
    case TraceKind::Unblock:
        return true;
    case TraceKind::Drop:
        return !isLinkDrop(e);
    default:
        return isLogMark(e.kind) || isDomainMark(e.kind);
    }
}

const std::string &nameOf(const std::vector<std::string> &names, std::uint32_t index)
{
    static const std::string unknown = "?";
    return index < names.size() ? names[index] : unknown;
}

std::string messageText(std::uint64_t id)
{
    return id ? " m" + std::to_string(id) : std::string();
}

// " #2" for an attempt after the first.
std::string attempt(const TraceEvent &e)
{
    return e.deliveryCount > 1 ? " #" + std::to_string(e.deliveryCount) : std::string();
}

// The participants that appear, in topology order (all of them if none does).
std::vector<NodeIndex> participants(const SequenceRecorder &r)
{
    std::vector<bool> used(r.nodeIds().size(), false);
    auto use = [&](NodeIndex n) {
        if (n < used.size()) used[n] = true;
    };
    for (const auto &item : r.items()) {
        if (item.type == SequenceItem::Type::Receive) continue;
        if (item.type == SequenceItem::Type::Arrow) {
            use(item.event.node);
            use(item.event.peer);
            continue;
        }
        for (NodeIndex n : r.noteNodes(item))
            use(n);
    }
    std::vector<NodeIndex> out;
    for (NodeIndex i = 0; i < used.size(); ++i)
        if (used[i]) out.push_back(i);
    if (out.empty())
        for (NodeIndex i = 0; i < used.size(); ++i)
            out.push_back(i);
    return out;
}

bool isWordChar(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

// Words Mermaid or PlantUML read as keywords where a participant may stand (compared lowercased).
bool isKeyword(std::string word)
{
    static const std::vector<std::string> keywords = {
        "participant", "actor",      "as",          "end",      "loop",
        "alt",         "else",       "opt",         "par",      "and",
        "rect",        "critical",   "break",       "option",   "note",
        "over",        "left",       "right",       "of",       "autonumber",
        "activate",    "deactivate", "title",       "box",      "link",
        "links",       "properties", "details",     "create",   "destroy",
        "group",       "ref",        "return",      "boundary", "control",
        "entity",      "database",   "collections", "queue",    "hide",
        "show",        "skinparam",  "newpage",     "legend",   "header",
        "footer",      "center",     "mainframe",   "x",        "o"};
    for (char &c : word)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return std::find(keywords.begin(), keywords.end(), word) != keywords.end();
}

// "q" or "q,c" for a note over the node (and the peer of a link event, the ends of a faulty
// link); a note over no node (a group fault) spans the diagram, first to last participant.
std::string noteTarget(const SequenceRecorder &r, const std::vector<std::string> &aliases,
                       const std::vector<NodeIndex> &parts, const SequenceItem &item, const char *separator)
{
    std::vector<NodeIndex> over = r.noteNodes(item);
    if (over.empty() && !parts.empty()) over = {parts.front(), parts.back()};
    if (over.empty()) return "?";
    const NodeIndex lo = *std::min_element(over.begin(), over.end());
    const NodeIndex hi = *std::max_element(over.begin(), over.end());
    return lo == hi ? nameOf(aliases, lo) : nameOf(aliases, lo) + separator + nameOf(aliases, hi);
}

bool isFaultMark(TraceKind k)
{
    return k == TraceKind::FaultStart || k == TraceKind::FaultEnd;
}

// What a mode adds to an arrow's label: the local readings, the Lamport values, or the sender's
// vector clock.
std::string orderStamp(const SequenceRecorder &r, const SequenceItemClocks &c, std::size_t arrow)
{
    const auto &item = r.items()[arrow];
    const CausalStep &send = c.steps[arrow];
    const CausalStep *recv = nullptr;
    for (std::size_t i = arrow + 1; i < r.items().size(); ++i)
        if (r.items()[i].type == SequenceItem::Type::Receive && r.items()[i].arrow == arrow) {
            recv = &c.steps[i];
            break;
        }
    switch (r.options().order) {
    case SequenceOrder::True:
        return {};
    case SequenceOrder::Local:
        return " local=" + formatDuration(send.local) +
               (recv                                        ? ".." + formatDuration(recv->local)
                : item.fate == SequenceItem::Fate::InFlight ? ".."
                                                            : std::string());
    case SequenceOrder::Lamport:
        return " L=" + std::to_string(send.lamport) +
               (recv ? ".." + std::to_string(recv->lamport) : std::string());
    case SequenceOrder::Vector:
        return " VC=" + vectorClockText(send.vector, r.nodeIds());
    }
    return {};
}

std::string truncationText(const SequenceRecorder &r)
{
    std::string t = "truncated: " + std::to_string(r.omittedArrows()) + " more arrows not shown";
    if (r.omittedNotes()) t += " (and " + std::to_string(r.omittedNotes()) + " more notes)";
    return t;
}

std::string emptyText(const SequenceRecorder &r)
{
    return "no events in this range" +
           std::string(r.options().messageId || r.options().correlationId ? " for this filter" : "");
}

std::string jsonString(const std::string &s)
{
    std::string out = "\"";
    for (char c : s) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
    }
    return out + "\"";
}

} // namespace

bool sequenceFormatForPath(const std::string &path, SequenceFormat &out)
{
    if (endsWith(path, ".mmd") || endsWith(path, ".mermaid")) {
        out = SequenceFormat::Mermaid;
        return true;
    }
    if (endsWith(path, ".puml") || endsWith(path, ".plantuml")) {
        out = SequenceFormat::PlantUml;
        return true;
    }
    if (endsWith(path, ".shiviz") || endsWith(path, ".log")) {
        out = SequenceFormat::ShiViz;
        return true;
    }
    return false;
}

bool isAckLike(const TraceEvent &e)
{
    if (e.kind == TraceKind::Ack || e.kind == TraceKind::Confirm) return true;
    return (e.kind == TraceKind::Send || isLinkDrop(e)) && isAckFrame(e.frame);
}

SequenceRecorder::SequenceRecorder(std::vector<std::string> nodeIds, std::vector<std::string> linkIds,
                                   SequenceOptions options)
    : m_nodeIds(std::move(nodeIds)), m_linkIds(std::move(linkIds)), m_options(options)
{
}

const std::string &SequenceRecorder::nodeLabel(NodeIndex n) const
{
    if (n < m_nodeLabels.size() && !m_nodeLabels[n].empty()) return m_nodeLabels[n];
    return nameOf(m_nodeIds, n);
}

void SequenceRecorder::describe(const Topology &topology)
{
    m_nodeLabels = nodeLabels(topology);
    m_clocks = nodeClocks(topology);
    m_linkEnds = sequenceLinkEnds(topology);
}

std::vector<std::pair<NodeIndex, NodeIndex>> sequenceLinkEnds(const Topology &topology)
{
    std::vector<std::pair<NodeIndex, NodeIndex>> ends;
    for (const LinkDef &l : topology.links) {
        const auto from = topology.nodeIndex(l.from), to = topology.nodeIndex(l.to);
        ends.emplace_back(from ? NodeIndex(*from) : kNoIndex, to ? NodeIndex(*to) : kNoIndex);
    }
    return ends;
}

std::string sequenceFaultLabel(const FaultDef &fault)
{
    return fault.id + " (" + fault.kind + ")";
}

std::string SequenceRecorder::faultName(std::uint64_t index) const
{
    std::string name = m_faultNames ? m_faultNames(index) : std::string();
    return name.empty() ? std::to_string(index) : name;
}

std::vector<NodeIndex> SequenceRecorder::noteNodes(const SequenceItem &item) const
{
    const auto &e = item.event;
    const bool linkNote =
        e.kind == TraceKind::LinkDown || e.kind == TraceKind::LinkUp || e.kind == TraceKind::LinkChange;
    std::vector<NodeIndex> out;
    if (isFaultMark(e.kind) && e.node == kNoIndex && e.link < m_linkEnds.size()) {
        out = {m_linkEnds[e.link].first, m_linkEnds[e.link].second};
    } else {
        if (e.node < m_nodeIds.size()) out.push_back(e.node);
        if ((linkNote || isFaultMark(e.kind)) && e.peer < m_nodeIds.size() && e.peer != e.node)
            out.push_back(e.peer);
    }
    out.erase(std::remove_if(out.begin(), out.end(), [this](NodeIndex n) { return n >= m_nodeIds.size(); }),
              out.end());
    return out;
}

bool SequenceRecorder::matches(const TraceEvent &e) const
{
    if (e.time < m_options.from || e.time > m_options.to) return false;
    if (m_options.messageId && e.messageId != m_options.messageId) return false;
    if (m_options.correlationId && e.correlationId != m_options.correlationId &&
        e.messageId != m_options.correlationId)
        return false;
    if (!m_options.routingKeys.accepts(e)) return false;
    return !(m_options.hideAcks && isAckLike(e));
}

void SequenceRecorder::onEvent(const TraceEvent &e)
{
    // A kept frame dropped when it reached its peer (link down, peer crashed): its arrow is lost.
    if (isLinkDrop(e) && (e.reason == DropReason::Partition || e.reason == DropReason::Crash)) {
        auto sameFrame = [&](const TraceEvent &s) {
            return s.link == e.link && s.node == e.node && s.peer == e.peer && s.frame == e.frame &&
                   s.messageId == e.messageId;
        };
        auto lose = [&](SequenceItem &arrow) {
            arrow.fate = SequenceItem::Fate::Lost;
            arrow.event.reason = e.reason;
        };
        for (std::size_t i = 0; e.time >= m_firstArrival && i < m_pending.size(); ++i) {
            auto &item = m_items[m_pending[i].item];
            if (m_pending[i].arrival == e.time && sameFrame(item.event)) {
                lose(item);
                m_pending.erase(m_pending.begin() + static_cast<std::ptrdiff_t>(i));
                m_firstArrival = kNever;
                for (const auto &p : m_pending)
                    m_firstArrival = std::min(m_firstArrival, p.arrival);
                return;
            }
        }
        // Taken as received at this instant, before the peer's event here, but dropped after it:
        // undo the receive. Arrows and notes are kept in time order, so the search stops at the
        // first one from before this instant.
        for (std::size_t i = m_items.size(); i-- > 0;) {
            auto &item = m_items[i];
            if (item.type != SequenceItem::Type::Receive) {
                if (item.time < e.time) break;
                continue;
            }
            auto &arrow = m_items[item.arrow];
            if (item.time == e.time && item.fate == SequenceItem::Fate::Delivered &&
                arrow.fate == SequenceItem::Fate::Delivered && sameFrame(arrow.event)) {
                item.fate = SequenceItem::Fate::Lost; // a receive that did not happen
                lose(arrow);
                return;
            }
        }
    }
    settle(&e);
    // Once truncated nothing more is kept: the calls need not be followed further.
    const std::uint32_t ordinal = truncated() ? 0 : m_calls.add(e);
    if (e.kind == TraceKind::Hedge) {
        // A hedge traced after its request's frame: mark that arrow (it was sent at this instant).
        for (std::size_t i = m_items.size(); i-- > 0 && m_items[i].time == e.time;)
            if (m_items[i].type == SequenceItem::Type::Arrow &&
                CallTracker::marksRequest(e, m_items[i].event))
                m_items[i].hedge = true;
    }
    const std::size_t before = m_items.size();
    if (matches(e)) {
        if (e.kind == TraceKind::Send)
            addArrow(e, SequenceItem::Fate::Delivered, e.aux);
        else if (isLinkDrop(e))
            addArrow(e, SequenceItem::Fate::Lost, e.time);
        else if (isNoteKind(e))
            addNote(e);
    }
    if (m_items.size() > before) { // kept: what the calls add to its text
        SequenceItem &item = m_items.back();
        item.ordinal = ordinal;
        if (e.frame == FrameType::Request && item.type == SequenceItem::Type::Arrow)
            item.hedge = m_calls.isHedge(e.correlationId, e.deliveryCount);
        if ((e.kind == TraceKind::Call ||
             (item.type == SequenceItem::Type::Arrow && e.frame == FrameType::Request)) &&
            e.correlationId) {
            const auto it = m_callMethods.find(e.correlationId);
            if (it != m_callMethods.end()) item.method = it->second;
        }
    }
    if (e.kind == TraceKind::Complete) m_callMethods.erase(e.correlationId);
}

void SequenceRecorder::onMessage(const Message &m)
{
    m_options.routingKeys.note(m);
    // Calls' requests (and anything else with a correlation id and a routing key): the method
    // names the call's Request arrows until the call completes. Bounded: a trace of messages
    // that never complete a call stops adding at the cap.
    static constexpr std::size_t kMaxOpenCalls = std::size_t{1} << 16;
    if (truncated() || !m.correlationId || m.routingKey.empty()) return;
    if (m_callMethods.size() >= kMaxOpenCalls && !m_callMethods.count(m.correlationId)) return;
    auto it = m_methodIndex.find(m.routingKey);
    if (it == m_methodIndex.end()) {
        if (m_methods.size() > kMaxMethods) return;
        it = m_methodIndex.emplace(m.routingKey, std::uint32_t(m_methods.size())).first;
        m_methods.push_back(m.routingKey);
    }
    m_callMethods[m.correlationId] = it->second;
}

const std::string &SequenceRecorder::method(const SequenceItem &item) const
{
    return item.method < m_methods.size() ? m_methods[item.method] : m_methods.front();
}

void SequenceRecorder::settle(const TraceEvent *e)
{
    if (m_pending.empty() || (e && e->time < m_firstArrival)) return;
    // Frames due before this event have arrived (the engine traces a drop when one does not);
    // one due now has arrived if this event is at its peer and may be the reaction to it.
    std::size_t kept = 0;
    m_firstArrival = kNever;
    for (std::size_t i = 0; i < m_pending.size(); ++i) {
        const Pending p = m_pending[i];
        const auto &s = m_items[p.item].event;
        const bool arrived = !e || p.arrival < e->time ||
                             (p.arrival == e->time && s.peer == e->node && mayFollowArrival(e->kind));
        if (arrived) {
            if (p.arrival <= m_options.to) {
                SequenceItem r;
                r.type = SequenceItem::Type::Receive;
                r.time = p.arrival;
                r.arrival = p.arrival;
                r.arrow = p.item;
                r.event = s;
                m_items.push_back(r);
            }
        } else {
            m_pending[kept++] = p;
            m_firstArrival = std::min(m_firstArrival, p.arrival);
        }
    }
    m_pending.resize(kept);
}

void SequenceRecorder::finish(SimTime now)
{
    TraceEvent end;
    end.time = now;
    end.kind = TraceKind::Publish; // no node: only frames due before `now` count as arrived...
    end.node = kNoIndex;
    settle(&end);
    // ...and those due exactly at `now` too: the run processed everything up to it.
    std::size_t kept = 0;
    for (const auto &p : m_pending)
        if (p.arrival <= now)
            m_pending[kept++] = p;
        else
            m_items[p.item].fate = SequenceItem::Fate::InFlight;
    m_pending.resize(kept);
    settle(nullptr);
    m_firstArrival = kNever;
}

void SequenceRecorder::addArrow(const TraceEvent &e, SequenceItem::Fate fate, SimTime arrival)
{
    if (truncated() || m_arrows >= m_options.maxArrows) {
        ++m_omittedArrows;
        return;
    }
    ++m_arrows;
    SequenceItem item;
    item.type = SequenceItem::Type::Arrow;
    item.fate = fate;
    item.time = e.time;
    item.arrival = arrival;
    item.event = e;
    m_items.push_back(item);
    if (fate == SequenceItem::Fate::Delivered) {
        m_pending.push_back({arrival, m_items.size() - 1});
        m_firstArrival = std::min(m_firstArrival, arrival);
    }
}

void SequenceRecorder::addNote(const TraceEvent &e)
{
    const std::size_t maxNotes = m_options.maxNotes                   ? m_options.maxNotes
                                 : m_options.maxArrows > SIZE_MAX / 4 ? SIZE_MAX
                                                                      : 4 * m_options.maxArrows;
    if (truncated() || m_notes >= maxNotes) {
        ++m_omittedNotes;
        return;
    }
    ++m_notes;
    SequenceItem item;
    item.type = SequenceItem::Type::Note;
    item.time = e.time;
    item.arrival = e.time;
    item.event = e;
    m_items.push_back(item);
}

SequenceRecorder recordSequence(const std::vector<TraceEvent> &events, std::vector<std::string> nodeIds,
                                std::vector<std::string> linkIds, SequenceOptions options)
{
    SequenceRecorder r(std::move(nodeIds), std::move(linkIds), options);
    for (const auto &e : events)
        r.onEvent(e);
    r.finish(events.empty() ? 0 : events.back().time);
    return r;
}

const char *callFrameLabel(FrameType f)
{
    switch (f) {
    case FrameType::Request:
        return "Request";
    case FrameType::Reply:
        return "Reply";
    case FrameType::Cancel:
        return "Cancel";
    case FrameType::StreamData:
        return "StreamData";
    case FrameType::HalfClose:
        return "HalfClose";
    case FrameType::WindowUpdate:
        return "WindowUpdate";
    default:
        return "";
    }
}

std::string callArrowText(const TraceEvent &e, std::string_view method, bool hedge, std::uint32_t streamIndex)
{
    std::string t = callFrameLabel(e.frame);
    switch (e.frame) {
    case FrameType::Request:
        if (!method.empty()) t.append(" ").append(method);
        if (hedge)
            t += " hedge #" + std::to_string(e.deliveryCount);
        else if (e.deliveryCount > 1)
            t += " #" + std::to_string(e.deliveryCount);
        break;
    case FrameType::Reply:
        if (e.status != kNoStatus) t += " " + statusName(e.status);
        break;
    case FrameType::Cancel:
        if (e.deliveryCount > 1) t += " #" + std::to_string(e.deliveryCount);
        break;
    case FrameType::StreamData:
        t += " [" + std::to_string(streamIndex) + "]";
        break;
    default:
        break;
    }
    return t;
}

const char *breakerStateName(std::int64_t state)
{
    switch (state) {
    case 0:
        return "closed";
    case 1:
        return "open";
    case 2:
        return "half-open";
    default:
        return "?";
    }
}

bool isCallEvent(const TraceEvent &e)
{
    switch (e.kind) {
    case TraceKind::Call:
    case TraceKind::Accept:
    case TraceKind::Execute:
    case TraceKind::Complete:
    case TraceKind::Hedge:
    case TraceKind::Cancel:
        return true;
    case TraceKind::Send:
    case TraceKind::Drop:
        return (e.link != kNoIndex && isCallFrame(e.frame)) || e.reason == DropReason::UnknownCorrelation;
    default:
        return false;
    }
}

std::string callMarkText(const TraceEvent &e, std::uint32_t execution)
{
    switch (e.kind) {
    case TraceKind::Call:
        return "call";
    case TraceKind::Accept:
        return "accept";
    case TraceKind::Execute:
        return execution > 1 ? "execute #" + std::to_string(execution) : std::string("execute");
    case TraceKind::Complete:
        return "complete " + statusName(e.status);
    case TraceKind::Hedge:
        return "hedge #" + std::to_string(e.deliveryCount);
    case TraceKind::Cancel:
        return e.reason != DropReason::None ? std::string("cancel: ") + dropReasonName(e.reason)
                                            : std::string("cancel");
    case TraceKind::Breaker:
        return std::string("breaker ") + breakerStateName(e.aux);
    case TraceKind::Block:
        return "blocked";
    case TraceKind::Unblock:
        return "unblocked";
    case TraceKind::Drop:
        return e.reason == DropReason::UnknownCorrelation ? "late reply" : "";
    default:
        return {};
    }
}

std::uint32_t CallTracker::add(const TraceEvent &e)
{
    switch (e.kind) {
    case TraceKind::Call:
        if (e.aux > 0 && e.correlationId) m_parents[e.correlationId] = std::uint64_t(e.aux);
        return 0;
    case TraceKind::Execute:
        return ++m_executions[e.correlationId];
    case TraceKind::Hedge:
        if (e.deliveryCount >= 1 && e.deliveryCount <= 32)
            m_hedges[e.correlationId] |= std::uint32_t{1} << (e.deliveryCount - 1);
        return 0;
    case TraceKind::Send:
    case TraceKind::Drop: {
        if (e.frame != FrameType::StreamData || e.link == kNoIndex) return 0;
        StreamState &s = m_streams[{e.correlationId, e.node, e.deliveryCount}];
        // A duplicated frame is traced twice at once with the same item: one index.
        if (s.next > 0 && s.lastTime == e.time && s.lastMessage == e.messageId && e.messageId)
            return s.next - 1;
        s.lastTime = e.time;
        s.lastMessage = e.messageId;
        return s.next++;
    }
    default:
        return 0;
    }
}

bool CallTracker::isHedge(std::uint64_t call, std::uint32_t attempt) const
{
    if (attempt < 1 || attempt > 32) return false;
    const auto it = m_hedges.find(call);
    return it != m_hedges.end() && (it->second >> (attempt - 1)) & 1;
}

bool CallTracker::marksRequest(const TraceEvent &hedge, const TraceEvent &send)
{
    return (send.kind == TraceKind::Send || isLinkDrop(send)) && send.frame == FrameType::Request &&
           send.correlationId == hedge.correlationId && send.deliveryCount == hedge.deliveryCount &&
           send.node == hedge.node && send.time == hedge.time;
}

std::uint64_t CallTracker::parent(std::uint64_t call) const
{
    const auto it = m_parents.find(call);
    return it == m_parents.end() ? 0 : it->second;
}

std::uint32_t CallTracker::executions(std::uint64_t call) const
{
    const auto it = m_executions.find(call);
    return it == m_executions.end() ? 0 : it->second;
}

void CallTracker::clear()
{
    m_streams.clear();
    m_executions.clear();
    m_parents.clear();
    m_hedges.clear();
}

bool frameTypeFromText(std::string_view text, FrameType &out)
{
    const auto same = [text](std::string_view name) {
        const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : c; };
        return name.size() == text.size() &&
               std::equal(name.begin(), name.end(), text.begin(),
                          [&lower](char a, char b) { return lower(a) == lower(b); });
    };
    for (int f = 0; f < kFrameTypeCount; ++f)
        if (same(frameTypeName(FrameType(f))) || same(frameTypeLabel(FrameType(f)))) {
            out = FrameType(f);
            return true;
        }
    return false;
}

std::string protocolFrameText(const TraceEvent &e)
{
    if (isMqttFrame(e.frame)) {
        // "PUBLISH QoS 1 DUP retain (id 7)": what a packet capture of MQTT shows first.
        std::string t = frameTypeLabel(e.frame);
        if (e.frame == FrameType::MqttPublish) {
            t += " QoS " + std::to_string(e.epoch);
            if (e.flags & TraceFlag::Dup) t += " DUP";
            if (e.flags & TraceFlag::Retain) t += " retain";
        }
        if (e.status != kNoStatus && e.status != 0) t += " rc " + std::to_string(e.status);
        return t;
    }
    if (isRedisFrame(e.frame) || isNatsFrame(e.frame)) {
        std::string t = frameTypeLabel(e.frame);
        if (e.flags & TraceFlag::Response) t += " reply";
        if (e.status != kNoStatus && e.status != 0) t += " " + std::to_string(e.status);
        return t;
    }
    if (!isKafkaFrame(e.frame) && !isSqsFrame(e.frame) && !isEventStoreFrame(e.frame) &&
        !isCommandFrame(e.frame))
        return {};
    std::string t = frameTypeLabel(e.frame);
    if (!(e.flags & TraceFlag::Response)) return t;
    t += " response";
    // Kafka's NONE, SQS's success, the store's None and a command's Ok are all 0: only an error is
    // worth saying.
    if (e.status != kNoStatus && e.status != 0) t += " " + frameStatusName(e.frame, e.status);
    return t;
}

bool isLogMark(TraceKind k)
{
    switch (k) {
    case TraceKind::Rebalance:
    case TraceKind::Revoke:
    case TraceKind::Assign:
    case TraceKind::LeaderElect:
    case TraceKind::IsrShrink:
    case TraceKind::IsrExpand:
    case TraceKind::TxnCommit:
    case TraceKind::TxnAbort:
    case TraceKind::Marker:
        return true;
    default:
        return false;
    }
}

namespace {
std::string partitionText(const TraceEvent &e)
{
    return e.partition == kNoIndex ? std::string("?") : std::to_string(e.partition);
}
const char *txnAbortCause(std::int64_t aux)
{
    switch (aux) {
    case 1:
        return " (timeout)";
    case 2:
        return " (fenced)";
    default:
        return "";
    }
}
} // namespace

std::string logMarkText(const TraceEvent &e)
{
    const std::string p = "P" + partitionText(e);
    switch (e.kind) {
    case TraceKind::Rebalance:
        return "rebalance gen " + std::to_string(e.epoch);
    case TraceKind::Revoke:
        return "revoke " + p;
    case TraceKind::Assign:
        return "assign " + p;
    case TraceKind::LeaderElect:
        if (e.aux < 0) return p + " offline";
        return std::string((e.flags & TraceFlag::Unclean) ? "unclean leader " : "leader ") + p + ": broker " +
               std::to_string(e.aux) + " (epoch " + std::to_string(e.epoch) + ")";
    case TraceKind::IsrShrink:
        return "ISR " + p + " shrinks to " + std::to_string(e.deliveryCount);
    case TraceKind::IsrExpand:
        return "ISR " + p + " grows to " + std::to_string(e.deliveryCount);
    case TraceKind::TxnCommit:
        return "txn " + std::to_string(e.correlationId) + " commit";
    case TraceKind::TxnAbort:
        return "txn " + std::to_string(e.correlationId) + " abort" + txnAbortCause(e.aux);
    case TraceKind::Marker:
        return std::string((e.flags & TraceFlag::Aborted) ? "abort marker " : "marker ") + p + " @" +
               std::to_string(e.offset);
    default:
        return {};
    }
}

std::string logMarkDetails(const TraceEvent &e, std::string_view groupName)
{
    const std::string group =
        "group " + (groupName.empty() ? std::to_string(e.group) : std::string(groupName));
    const std::string partition = "partition " + partitionText(e);
    switch (e.kind) {
    case TraceKind::Rebalance:
        return group + ", generation " + std::to_string(e.epoch) + ", " + std::to_string(e.aux) + " members";
    case TraceKind::Revoke:
    case TraceKind::Assign:
        return group + ", generation " + std::to_string(e.epoch) + ", " + partition;
    case TraceKind::LeaderElect:
        return partition +
               (e.aux < 0 ? std::string(", no leader (offline)") : ", broker " + std::to_string(e.aux)) +
               ", leader epoch " + std::to_string(e.epoch) +
               ((e.flags & TraceFlag::Unclean) ? ", unclean (not in the ISR)" : "");
    case TraceKind::IsrShrink:
    case TraceKind::IsrExpand:
        return partition + ", broker " + std::to_string(e.aux) + ", ISR size " +
               std::to_string(e.deliveryCount);
    case TraceKind::TxnCommit:
    case TraceKind::TxnAbort:
        return "transaction " + std::to_string(e.correlationId) + ", producer epoch " +
               std::to_string(e.epoch) +
               (e.kind == TraceKind::TxnAbort
                    ? std::string(", ") + (e.aux == 1   ? "transaction.timeout.ms passed"
                                           : e.aux == 2 ? "fenced by a newer epoch"
                                                        : "the producer aborted")
                    : std::string());
    case TraceKind::Marker:
        return std::string((e.flags & TraceFlag::Aborted) ? "abort" : "commit") + " marker of transaction " +
               std::to_string(e.correlationId) + ", " + partition + ", offset " + std::to_string(e.offset);
    default:
        return {};
    }
}

bool isDomainMark(TraceKind k)
{
    return (k >= TraceKind::StreamAppend && k <= TraceKind::Relay) ||
           (k >= TraceKind::Match && k <= TraceKind::SessionExpire);
}

namespace {
// An expected version as a writer sends it (esprotocol.h: -2 any, -1 no stream, -4 stream exists).
std::string expectedText(std::int64_t v)
{
    switch (v) {
    case -2:
        return "any revision";
    case -1:
        return "no stream";
    case -4:
        return "an existing stream";
    default:
        return "revision " + std::to_string(v);
    }
}
std::string named(std::string_view name)
{
    return name.empty() ? std::string() : " " + std::string(name);
}
// Why a pub-sub connection ended (TraceKind::Disconnect's aux).
const char *disconnectText(std::int64_t aux)
{
    switch (aux) {
    case 0:
        return "clean";
    case 1:
        return "keep-alive expired";
    case 2:
        return "slow consumer";
    case 3:
        return "taken over";
    default:
        return "connection lost";
    }
}
const char *sagaEndText(std::int64_t aux)
{
    switch (aux) {
    case 0:
        return "completed";
    case 1:
        return "compensated";
    default:
        return "failed";
    }
}
std::string stepOutcome(const TraceEvent &e)
{
    if (e.aux == 1) return "timed out";
    if (e.status == 0) return "done";
    return "failed (" + commandStatusName(e.status) + ")";
}
// "step 2 ReserveCredit" or "compensation of step 2".
std::string stepText(const TraceEvent &e, std::string_view name)
{
    const std::string step = "step " + std::to_string(e.deliveryCount);
    if (e.flags & TraceFlag::Compensation) return "compensation of " + step;
    return step + named(name);
}
} // namespace

std::string domainMarkText(const TraceEvent &e, std::string_view name)
{
    const std::string m = messageText(e.messageId);
    switch (e.kind) {
    case TraceKind::StreamAppend:
        return "append" + named(name) + " r" + std::to_string(e.aux) + " @" + std::to_string(e.offset);
    case TraceKind::Conflict:
        return "conflict" + named(name) + ": expected " + expectedText(e.offset) + ", stream at " +
               (e.aux < 0 ? std::string("none") : std::to_string(e.aux));
    case TraceKind::Rebuild:
        return "rebuild to r" + std::to_string(e.offset) + " (" + std::to_string(e.aux) + " events" +
               (e.deliveryCount == 1 ? " after snapshot r" + std::to_string(e.epoch) : std::string()) + ")";
    case TraceKind::Snapshot:
        return "snapshot r" + std::to_string(e.offset);
    case TraceKind::Project:
        return "project" + named(name) + " @" + std::to_string(e.offset) + " (lag " + std::to_string(e.aux) +
               ")";
    case TraceKind::Upcast:
        return "upcast" + m + " v" + std::to_string(e.deliveryCount) + " \u2192 v" + std::to_string(e.aux);
    case TraceKind::Park:
        return "parked" + m +
               (e.reason != DropReason::None ? std::string(": ") + dropReasonName(e.reason) : "");
    case TraceKind::QueryAnswer:
        return "answer @" + std::to_string(e.offset) +
               ((e.flags & TraceFlag::Stale) ? " stale: own write @" + std::to_string(e.aux) + " missing"
                                             : std::string());
    case TraceKind::SagaBegin:
        return "saga " + std::to_string(e.correlationId) + " begins";
    case TraceKind::StepStart:
        return stepText(e, name) + " starts" + (e.aux > 1 ? " #" + std::to_string(e.aux) : std::string());
    case TraceKind::StepEnd:
        return stepText(e, name) + " " + stepOutcome(e);
    case TraceKind::LocalTxn: {
        std::string t = (e.flags & TraceFlag::Compensation) ? "compensation txn" : "local txn";
        t += named(name);
        if (e.status != 0 && e.status != kNoStatus)
            return t + " refused (" + commandStatusName(e.status) + ")";
        return t + " " + std::to_string(e.offset) + " \u2192 " + std::to_string(e.aux);
    }
    case TraceKind::SagaEnd:
        return "saga " + std::to_string(e.correlationId) + " " + sagaEndText(e.aux);
    case TraceKind::SagaResume:
        return "saga " + std::to_string(e.correlationId) + " resumed (" + std::to_string(e.aux) +
               " log entries)";
    case TraceKind::DbCommit:
        return "db commit" + m + ((e.flags & TraceFlag::Transactional) ? " + outbox row" : "");
    case TraceKind::Relay:
        return "relay" + m + (e.aux > 1 ? " #" + std::to_string(e.aux) : std::string());
    // Publish-subscribe brokers: worded for any of them (MQTT, Redis, NATS); only MQTT's own kinds
    // (Retain, Will, SessionExpire) say MQTT's words.
    case TraceKind::Match:
        return "match" + m + ((e.flags & TraceFlag::Retain) ? " retained" : "") +
               (e.epoch ? " QoS " + std::to_string(e.epoch) : std::string());
    case TraceKind::Retain:
        return e.aux == 1 ? "retained cleared" + m : "retained" + m;
    case TraceKind::Will:
        return "will" + m;
    case TraceKind::Connect:
        return e.aux == 1 ? "connect (session resumed)" : "connect";
    case TraceKind::Disconnect:
        return std::string("disconnect: ") + disconnectText(e.aux);
    case TraceKind::SessionExpire:
        return "session expired (" + std::to_string(e.aux) + " messages dropped)";
    default:
        return {};
    }
}

std::string domainMarkDetails(const TraceEvent &e, std::string_view name)
{
    const std::string text = domainMarkText(e, name);
    if (text.empty()) return text;
    std::vector<std::string> parts;
    const auto command = [&] {
        if (e.correlationId) parts.push_back("command " + std::to_string(e.correlationId));
    };
    switch (e.kind) {
    case TraceKind::StreamAppend:
        if (!name.empty()) parts.push_back("stream " + std::string(name));
        parts.push_back("revision " + std::to_string(e.aux));
        parts.push_back("position " + std::to_string(e.offset));
        command();
        break;
    case TraceKind::Conflict:
        command();
        break;
    case TraceKind::Project:
        parts.push_back(std::to_string(e.aux) + " events behind");
        break;
    case TraceKind::QueryAnswer:
        parts.push_back("query " + std::to_string(e.correlationId));
        if (e.aux >= 0) parts.push_back("own latest write @" + std::to_string(e.aux));
        break;
    case TraceKind::StepStart:
    case TraceKind::StepEnd:
    case TraceKind::LocalTxn:
        parts.push_back("saga " + std::to_string(e.correlationId));
        if (e.kind == TraceKind::LocalTxn && e.epoch)
            parts.push_back("read a value of saga " + std::to_string(e.epoch));
        break;
    case TraceKind::SagaEnd:
        if (e.aux == 2) parts.push_back("a compensation gave up");
        break;
    default:
        break;
    }
    std::string out = text;
    for (std::size_t i = 0; i < parts.size(); ++i)
        out += (i ? ", " : "; ") + parts[i];
    return out;
}

std::string sequenceArrowLabel(const SequenceRecorder &r, const SequenceItem &item)
{
    const auto &e = item.event;
    std::string t;
    if (isCallFrame(e.frame)) {
        t = callArrowText(e, r.method(item), item.hedge, item.ordinal);
        // A client's call is named by its request's id: "call 12" says both.
        if (e.messageId != e.correlationId) t += messageText(e.messageId);
        if (e.correlationId) t += " call " + std::to_string(e.correlationId);
    } else if (const std::string protocol = protocolFrameText(e); !protocol.empty()) {
        t = protocol + messageText(e.messageId);
        if (e.partition != kNoIndex) t += " P" + std::to_string(e.partition);
    } else {
        t = frameTypeName(e.frame) + messageText(e.messageId);
        if ((e.frame == FrameType::Deliver || e.frame == FrameType::Ack || e.frame == FrameType::Nack) &&
            e.deliveryCount > 1)
            t += " delivery " + std::to_string(e.deliveryCount);
        if (e.frame == FrameType::Nack && (e.flags & TraceFlag::Requeue)) t += " requeue";
        if (e.correlationId) t += " corr " + std::to_string(e.correlationId);
    }
    t += " t=" + formatDuration(item.time);
    switch (item.fate) {
    case SequenceItem::Fate::Delivered:
        if (item.arrival != item.time) t += ".." + formatDuration(item.arrival);
        break;
    case SequenceItem::Fate::Lost:
        t += std::string(" lost (") + dropReasonName(e.reason) + ")";
        break;
    case SequenceItem::Fate::InFlight:
        t += ".." + formatDuration(item.arrival) + " in flight";
        break;
    }
    return t;
}

std::string sequenceNoteText(const SequenceRecorder &r, const SequenceItem &item)
{
    const auto &e = item.event;
    const std::string m = messageText(e.messageId);
    std::string t;
    switch (e.kind) {
    case TraceKind::Enqueue:
        t = "enqueue" + m + " (ready " + std::to_string(e.aux) + ")";
        break;
    case TraceKind::Ack:
        t = "ack" + m + (e.reason == DropReason::UnknownTag ? " (unknown tag)" : "");
        break;
    case TraceKind::Nack:
        t = "nack" + m + ((e.flags & TraceFlag::Requeue) ? " requeue" : "");
        break;
    case TraceKind::Process:
        t = "processed" + m + " (latency " + formatDuration(e.aux) + ")";
        break;
    case TraceKind::Drop:
    case TraceKind::DeadLetter:
        t = std::string(traceKindName(e.kind)) + m + ": " + dropReasonName(e.reason);
        if (e.reason == DropReason::UnknownCorrelation)
            t +=
                " (late reply" + (e.correlationId ? " to call " + std::to_string(e.correlationId) : "") + ")";
        break;
    case TraceKind::Call:
        t = "call " + std::to_string(e.correlationId);
        if (!r.method(item).empty()) t += " " + r.method(item);
        if (e.messageId != e.correlationId) t += m;
        if (e.aux > 0) t += " (for call " + std::to_string(e.aux) + ")";
        break;
    case TraceKind::Accept:
        t = "accept call " + std::to_string(e.correlationId) + attempt(e) + " (queue " +
            std::to_string(e.aux) + ")";
        break;
    case TraceKind::Execute:
        t = "execute call " + std::to_string(e.correlationId) + attempt(e);
        if (item.ordinal > 1) t += " (execution " + std::to_string(item.ordinal) + ")";
        break;
    case TraceKind::Complete:
        t = "complete call " + std::to_string(e.correlationId) + ": " + statusName(e.status);
        if (e.deliveryCount > 1) t += " after " + std::to_string(e.deliveryCount) + " attempts";
        t += " (latency " + formatDuration(e.aux) + ")";
        break;
    case TraceKind::Hedge:
        t = "hedge #" + std::to_string(e.deliveryCount) + " call " + std::to_string(e.correlationId);
        break;
    case TraceKind::Cancel:
        t = "cancel call " + std::to_string(e.correlationId) + attempt(e);
        if (e.reason != DropReason::None) t += std::string(": ") + dropReasonName(e.reason);
        break;
    case TraceKind::Breaker:
        t = std::string("breaker ") + breakerStateName(e.aux);
        break;
    case TraceKind::Block:
        t = "blocked" + m;
        break;
    case TraceKind::Unblock:
        t = "unblocked" + m + " after " + formatDuration(e.aux);
        break;
    case TraceKind::LinkDown:
    case TraceKind::LinkUp:
        t = "link " + nameOf(r.linkIds(), e.link) + (e.kind == TraceKind::LinkUp ? " up" : " down");
        break;
    case TraceKind::LinkChange:
        t = "link " + nameOf(r.linkIds(), e.link) + " changed";
        break;
    case TraceKind::FaultStart:
    case TraceKind::FaultEnd:
        t = "fault " + r.faultName(static_cast<std::uint64_t>(e.aux)) +
            (e.kind == TraceKind::FaultStart ? " starts" : " ends");
        break;
    case TraceKind::ClockJump:
        t = std::string("clock steps ") + (e.aux >= 0 ? "+" : "-") +
            formatDuration(e.aux >= 0 ? e.aux : -e.aux);
        break;
    default:
        t = isLogMark(e.kind)      ? logMarkText(e)
            : isDomainMark(e.kind) ? domainMarkText(e)
                                   : traceKindName(e.kind) + m;
        break;
    }
    if (e.deliveryCount > 1 && (e.kind == TraceKind::Timeout || e.kind == TraceKind::Requeue))
        t += " delivery " + std::to_string(e.deliveryCount);
    return t + " t=" + formatDuration(e.time);
}

std::vector<std::string> sequenceParticipantNames(const std::vector<std::string> &nodeIds)
{
    std::vector<std::string> out;
    out.reserve(nodeIds.size());
    std::unordered_map<std::string, int> taken;
    for (const std::string &id : nodeIds) {
        std::string word;
        for (char c : id)
            word += isWordChar(c) ? c : '_';
        if (word.empty() || (word[0] >= '0' && word[0] <= '9') || isKeyword(word)) word = "n_" + word;
        // Two ids that differ only in the characters made '_' ("a-b", "a.b") get "_2", "_3"...
        std::string unique = word;
        for (int k = 2; taken.count(unique); ++k)
            unique = word + "_" + std::to_string(k);
        taken[unique] = 1;
        out.push_back(std::move(unique));
    }
    return out;
}

std::string mermaidEscape(std::string_view text)
{
    std::string out;
    for (char c : text) {
        switch (c) {
        case '#':
            out += "#35;";
            break;
        case ';':
            out += "#59;";
            break;
        case '<':
            out += "#lt;";
            break;
        case '>':
            out += "#gt;";
            break;
        case '"':
            out += "#quot;";
            break;
        case '\n':
        case '\r':
            out += ' ';
            break;
        default:
            out += c;
        }
    }
    return out;
}

namespace {

// Where an arrow or note counts as a step: its node; a link fault's first end; a group fault's
// first node (it stands for the whole diagram, but a step needs a place).
NodeIndex stepNode(const SequenceRecorder &r, const SequenceItem &item)
{
    if (item.type == SequenceItem::Type::Arrow || item.event.node < r.nodeIds().size())
        return item.event.node;
    const auto over = r.noteNodes(item);
    if (!over.empty()) return over.front();
    return isFaultMark(item.event.kind) && !r.nodeIds().empty() ? 0 : kNoIndex;
}

} // namespace

SequenceItemClocks sequenceItemClocks(const SequenceRecorder &r)
{
    const auto &items = r.items();
    const std::size_t n = r.nodeIds().size();
    SequenceItemClocks c;
    c.steps.resize(items.size());
    std::vector<std::uint64_t> lamport(n, 0);
    std::vector<std::vector<std::uint32_t>> vector(n, std::vector<std::uint32_t>(n, 0));
    CausalStep last;
    last.vector.assign(n, 0);
    for (std::size_t i = 0; i < items.size(); ++i) {
        const auto &item = items[i];
        const auto &e = item.event;
        CausalStep &s = c.steps[i];
        s.event = i;
        if (item.type == SequenceItem::Type::Receive) {
            if (e.peer >= n || e.node >= n) {
                s = last;
                continue;
            }
            const NodeIndex to = e.peer;
            s.receive = true;
            s.node = to;
            s.time = item.arrival;
            s.local = localReading(r.clocks(), to, item.arrival);
            if (item.fate == SequenceItem::Fate::Delivered) {
                const CausalStep &send = c.steps[item.arrow];
                lamport[to] = std::max(lamport[to], send.lamport) + 1;
                for (std::size_t k = 0; k < n; ++k)
                    vector[to][k] = std::max(vector[to][k], send.vector[k]);
                ++vector[to][to];
                s.sendLocal = send.local;
                s.contradicts = s.local < s.sendLocal;
            }
            s.lamport = lamport[to];
            s.vector = vector[to];
        } else if (const NodeIndex at = stepNode(r, item); at < n) {
            s.node = at;
            s.time = item.time;
            s.local = localReading(r.clocks(), at, item.time);
            s.lamport = ++lamport[at];
            ++vector[at][at];
            s.vector = vector[at];
        } else {
            s = last;
            s.event = i;
            s.node = kNoIndex;
            s.time = item.time;
            s.local = item.time;
        }
        last = s;
    }
    c.placed = placeSteps(c.steps, r.options().order);
    c.order.resize(items.size());
    for (std::size_t i = 0; i < items.size(); ++i)
        c.order[i] = i;
    std::stable_sort(c.order.begin(), c.order.end(),
                     [&c](std::size_t a, std::size_t b) { return c.placed[a] < c.placed[b]; });
    return c;
}

bool sequenceArrowContradicts(const SequenceRecorder &r, const SequenceItemClocks &clocks, std::size_t arrow)
{
    for (std::size_t i = arrow + 1; i < r.items().size(); ++i) {
        const auto &item = r.items()[i];
        if (item.type == SequenceItem::Type::Receive && item.arrow == arrow)
            return item.fate == SequenceItem::Fate::Delivered && clocks.steps[i].contradicts;
    }
    return false;
}

namespace {

// The callers' waiting spans as the writers open and close them: a Call opens one on its client's
// lifeline, its Complete closes it, but only one that was opened (a range or a filter may have
// left the Call out; Mermaid refuses to deactivate an inactive participant).
class Activations {
public:
    bool opens(const SequenceItem &item)
    {
        if (item.event.kind != TraceKind::Call) return false;
        ++m_open[item.event.correlationId];
        return true;
    }
    bool closes(const SequenceItem &item)
    {
        if (item.event.kind != TraceKind::Complete) return false;
        const auto it = m_open.find(item.event.correlationId);
        if (it == m_open.end()) return false;
        if (--it->second == 0) m_open.erase(it);
        return true;
    }

private:
    std::unordered_map<std::uint64_t, int> m_open;
};

// An arrow's label in the writers: the frame, the mode's stamp, and a warning where the local
// timestamps contradict causality.
std::string writerArrowLabel(const SequenceRecorder &r, const SequenceItemClocks &c, std::size_t arrow)
{
    std::string t = sequenceArrowLabel(r, r.items()[arrow]) + orderStamp(r, c, arrow);
    if (sequenceArrowContradicts(r, c, arrow)) t += " [local clocks: received before sent]";
    return t;
}

} // namespace

void writeMermaid(const SequenceRecorder &r, std::ostream &out)
{
    out << "sequenceDiagram\n";
    const auto parts = participants(r);
    // Participants are named by their ids (made safe as words), the labels are display text only.
    const auto aliases = sequenceParticipantNames(r.nodeIds());
    const auto alias = [&aliases](NodeIndex n) { return nameOf(aliases, n); };
    for (NodeIndex n : parts)
        out << "    participant " << alias(n) << " as " << mermaidEscape(r.nodeLabel(n)) << "\n";
    bool any = false;
    const SequenceItemClocks clocks = sequenceItemClocks(r);
    Activations activation;
    for (std::size_t idx : clocks.order) {
        const auto &item = r.items()[idx];
        const auto &e = item.event;
        if (item.type == SequenceItem::Type::Receive) continue;
        any = true;
        if (item.type == SequenceItem::Type::Note) {
            if (activation.opens(item)) {
                out << "    activate " << alias(e.node) << "\n";
                continue;
            }
            if (activation.closes(item)) out << "    deactivate " << alias(e.node) << "\n";
            out << "    Note over " << noteTarget(r, aliases, parts, item, ",") << ": "
                << mermaidEscape(sequenceNoteText(r, item)) << "\n";
            continue;
        }
        // UML: a reply is a dashed arrow back.
        const bool reply = e.frame == FrameType::Reply;
        const char *arrow = item.fate == SequenceItem::Fate::Lost       ? (reply ? "--x" : "-x")
                            : item.fate == SequenceItem::Fate::InFlight ? (reply ? "--)" : "-)")
                            : reply                                     ? "-->>"
                                                                        : "->>";
        out << "    " << alias(e.node) << arrow << alias(e.peer) << ": "
            << mermaidEscape(writerArrowLabel(r, clocks, idx)) << "\n";
    }
    if (parts.empty()) return;
    const std::string span = alias(parts.front()) + (parts.size() > 1 ? "," + alias(parts.back()) : "");
    if (r.truncated())
        out << "    Note over " << span << ": " << mermaidEscape(truncationText(r)) << "\n";
    else if (!any)
        out << "    Note over " << span << ": " << mermaidEscape(emptyText(r)) << "\n";
}

void writePlantUml(const SequenceRecorder &r, std::ostream &out)
{
    out << "@startuml\n";
    const auto parts = participants(r);
    const auto aliases = sequenceParticipantNames(r.nodeIds());
    const auto alias = [&aliases](NodeIndex n) { return nameOf(aliases, n); };
    for (NodeIndex n : parts)
        out << "participant " << jsonString(r.nodeLabel(n)) << " as " << alias(n) << "\n";
    bool any = false;
    const SequenceItemClocks clocks = sequenceItemClocks(r);
    Activations activation;
    for (std::size_t idx : clocks.order) {
        const auto &item = r.items()[idx];
        const auto &e = item.event;
        if (item.type == SequenceItem::Type::Receive) continue;
        any = true;
        if (item.type == SequenceItem::Type::Note) {
            if (activation.opens(item)) {
                out << "activate " << alias(e.node) << "\n";
                continue;
            }
            if (activation.closes(item)) out << "deactivate " << alias(e.node) << "\n";
            out << "note over " << noteTarget(r, aliases, parts, item, ", ") << " : "
                << sequenceNoteText(r, item) << "\n";
            continue;
        }
        const bool reply = e.frame == FrameType::Reply;
        const bool call = isCallFrame(e.frame);
        const char *arrow = item.fate == SequenceItem::Fate::Lost               ? (reply ? " -->x " : " ->x ")
                            : reply                                             ? " -->> "
                            : item.fate == SequenceItem::Fate::InFlight || call ? " ->> "
                                                                                : " -> ";
        out << alias(e.node) << arrow << alias(e.peer) << " : " << writerArrowLabel(r, clocks, idx) << "\n";
    }
    if (!parts.empty()) {
        const std::string span = alias(parts.front()) + (parts.size() > 1 ? ", " + alias(parts.back()) : "");
        if (r.truncated())
            out << "note over " << span << " : " << truncationText(r) << "\n";
        else if (!any)
            out << "note over " << span << " : " << emptyText(r) << "\n";
    }
    out << "@enduml\n";
}

void writeShiViz(const SequenceRecorder &r, std::ostream &out)
{
    out << kShiVizRegex << "\n\n";
    // Hosts are ids: ShiViz reads a host as one word, and ids stay the same when a node is renamed.
    // ShiViz lays events out by their vector clocks whatever the mode, so the lines stay in causal
    // (trace) order; the mode adds its stamp to each event's text.
    const auto &names = r.nodeIds();
    const std::size_t n = names.size();
    const SequenceItemClocks clocks = sequenceItemClocks(r);
    const SequenceOrder order = r.options().order;
    auto line = [&](std::size_t idx, std::string text) {
        const CausalStep &s = clocks.steps[idx];
        if (order == SequenceOrder::Local)
            text += " local=" + formatDuration(s.local);
        else if (order == SequenceOrder::Lamport)
            text += " L=" + std::to_string(s.lamport);
        if (s.contradicts) text += " [local clocks: received before sent]";
        out << text << "\n" << names[s.node] << " {";
        bool first = true;
        for (std::size_t i = 0; i < n; ++i) {
            if (!s.vector[i]) continue;
            out << (first ? "" : ", ") << jsonString(names[i]) << ":" << s.vector[i];
            first = false;
        }
        out << "}\n";
    };
    const auto &items = r.items();
    for (std::size_t idx = 0; idx < items.size(); ++idx) {
        const auto &item = items[idx];
        const auto &e = item.event;
        if (clocks.steps[idx].node >= n) continue;
        switch (item.type) {
        case SequenceItem::Type::Note:
            line(idx, sequenceNoteText(r, item));
            break;
        case SequenceItem::Type::Arrow:
            if (e.peer >= n) break;
            // A call frame's label starts with its own words ("Request orders.Orders/Get"), an MQTT
            // frame's with several ("PUBLISH QoS 1 DUP"): the line names the frame and message
            // first, in one word each, as its receive line does.
            line(idx, "send " +
                          (isCallFrame(e.frame) || isMqttFrame(e.frame)
                               ? std::string(frameTypeName(e.frame)) + messageText(e.messageId) + ": "
                               : std::string()) +
                          sequenceArrowLabel(r, item) + " to " + names[e.peer]);
            break;
        case SequenceItem::Type::Receive: {
            if (item.fate != SequenceItem::Fate::Delivered || e.node >= n) break;
            // Kafka and SQS frames in the protocol's words, as their send line says them.
            const std::string protocol = isMqttFrame(e.frame) ? std::string() : protocolFrameText(e);
            line(idx, "receive " + (protocol.empty() ? std::string(frameTypeName(e.frame)) : protocol) +
                          messageText(e.messageId) + " from " + names[e.node] +
                          " t=" + formatDuration(item.arrival));
            break;
        }
        }
    }
}

std::string sequenceText(const SequenceRecorder &r, SequenceFormat format)
{
    std::ostringstream out;
    switch (format) {
    case SequenceFormat::Mermaid:
        writeMermaid(r, out);
        break;
    case SequenceFormat::PlantUml:
        writePlantUml(r, out);
        break;
    case SequenceFormat::ShiViz:
        writeShiViz(r, out);
        break;
    }
    return out.str();
}

} // namespace sb
