#pragma once
// Sequence-diagram exports of a run: Mermaid `sequenceDiagram`, PlantUML and a ShiViz log (events
// with vector clocks). A SequenceRecorder is a TraceSink that keeps only what the diagram shows
// (inside the time range, passing the filter, under the arrow cap) plus counts, so it can ride
// along a long run; the writers turn what it kept into text. docs/sequence-exports.md describes
// the formats.
#include "keyfilter.h"
#include "nodeclock.h"
#include "sequenceorder.h"
#include "trace.h"

#include <cstdint>
#include <functional>
#include <iosfwd>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace sb {

struct FaultDef;
struct Topology;

struct SequenceOptions {
    SimTime from = 0;            // events before this virtual time are left out
    SimTime to = kNever;         // events after it are left out
    std::uint64_t messageId = 0; // non-zero: only this message's journey
    std::uint64_t correlationId =
        0;                       // non-zero: messages with this correlation id, and the message with this id
    bool hideAcks = false;       // leave out ack and confirm frames and ack marks
    std::size_t maxArrows = 500; // arrows kept; later ones are counted, not shown
    std::size_t maxNotes = 0;    // local marks kept, likewise; 0: four times maxArrows
    // Only messages whose routing key passes (see RoutingKeyFilter). A recorder fed a run notes
    // each published message's key itself; one fed a kept trace needs the filter's lookup set.
    RoutingKeyFilter routingKeys;
    // The order of arrows and notes in Mermaid and PlantUML, and the stamp ShiViz events carry
    // (docs/sequence-exports.md says what each mode does to each format).
    SequenceOrder order = SequenceOrder::True;
};

// What "hide acks" leaves out: ack and confirm marks, and ack and confirm frames (sent or lost).
bool isAckLike(const TraceEvent &e);

enum class SequenceFormat { Mermaid, PlantUml, ShiViz };
// By extension: .mmd/.mermaid, .puml/.plantuml, .shiviz/.log. False for anything else.
bool sequenceFormatForPath(const std::string &path, SequenceFormat &out);
inline constexpr const char *kSequenceExtensions = ".mmd, .mermaid, .puml, .plantuml, .shiviz, .log";

// Calls (core/nodes/rpc/callprotocol.h) on the diagrams: what their arrows and marks say, shared by
// the text exports and the app's diagram so both read the same (isCallFrame: message.h).
// "Request", "Reply", "Cancel", "StreamData", "HalfClose", "WindowUpdate" (empty for other frames).
const char *callFrameLabel(FrameType f);
// A call frame's arrow: "Request orders.Orders/Get", "Request orders.Orders/Get #2" (a retry),
// "Request orders.Orders/Get hedge #2", "Reply UNAVAILABLE", "Cancel #2", "StreamData [3]" (the
// item's index), "WindowUpdate", "HalfClose". `method` may be empty (not known).
std::string callArrowText(const TraceEvent &e, std::string_view method, bool hedge,
                          std::uint32_t streamIndex);
// "closed", "open", "half-open": a Breaker event's aux.
const char *breakerStateName(std::int64_t state);
// Whether the event is about a call (its correlationId is the call's id): the call kinds, call
// frames sent or lost, and a reply dropped for an unknown correlation id.
bool isCallEvent(const TraceEvent &e);
// A short mark for a call event on a lifeline: "execute", "execute #2" (the call's second
// execution), "complete UNAVAILABLE", "hedge #2", "cancel: deadline", "breaker open", "blocked",
// "late reply"; empty for other events.
std::string callMarkText(const TraceEvent &e, std::uint32_t execution);

// Follows the calls of a trace in order, as the diagrams need them: numbers each stream's items
// (StreamData frames of one attempt from one side, sent or lost) and each call's executions (its
// Execute events, at any server), knows which attempts were hedges and each call's parent (the
// call a server made it for, from the Call event's aux). It keeps a few words per call.
class CallTracker {
public:
    // The next event of the trace. Returns the index of a StreamData frame in its stream (from 0),
    // the number of an Execute (1, 2, ...) among its call's executions, and 0 for anything else.
    // A frame the link duplicated (the same frame sent twice at once) keeps one index.
    std::uint32_t add(const TraceEvent &e);
    // Whether attempt `attempt` of call `call` was a hedge (its Hedge event came already).
    bool isHedge(std::uint64_t call, std::uint32_t attempt) const;
    // Whether a Hedge event marks the Request frame `send` (traced just before it).
    static bool marksRequest(const TraceEvent &hedge, const TraceEvent &send);
    // The call that call `call` was made for downstream, or 0.
    std::uint64_t parent(std::uint64_t call) const;
    // How many times call `call` was executed so far.
    std::uint32_t executions(std::uint64_t call) const;
    void clear();

private:
    struct StreamKey {
        std::uint64_t call;
        NodeIndex node;
        std::uint32_t attempt;
        bool operator==(const StreamKey &) const = default;
    };
    struct StreamKeyHash {
        std::size_t operator()(const StreamKey &k) const
        {
            return std::hash<std::uint64_t>()(k.call * 0x9E3779B97F4A7C15ULL ^ (std::uint64_t(k.node) << 32) ^
                                              k.attempt);
        }
    };
    struct StreamState {
        std::uint32_t next = 0;
        SimTime lastTime = -1;
        std::uint64_t lastMessage = 0;
    };
    std::unordered_map<StreamKey, StreamState, StreamKeyHash> m_streams;
    std::unordered_map<std::uint64_t, std::uint32_t> m_executions;
    std::unordered_map<std::uint64_t, std::uint64_t> m_parents;
    std::unordered_map<std::uint64_t, std::uint32_t> m_hedges; // call -> bit per attempt 1..32
};

// Reads a frame type as a person types it in a filter: its file name ("offset-commit") or its
// label ("OffsetCommit", frameTypeLabel()), in any case. False when it is neither.
bool frameTypeFromText(std::string_view text, FrameType &out);
// Kafka, SQS, event-store and command frames (isKafkaFrame, isSqsFrame, isEventStoreFrame,
// isCommandFrame: message.h) on the diagrams, in the protocol's own words: "Fetch", "OffsetCommit",
// "ReceiveMessage", "AppendToStream", "Command"; a response (TraceFlag::Response) "Fetch response",
// with its error when it has one: "Produce response NOT_ENOUGH_REPLICAS", "AppendToStream response
// WrongExpectedVersion". Empty for the other frames. Shared by the text exports and the app's diagram so both
// read the same.
std::string protocolFrameText(const TraceEvent &e);
// Whether a kind is one of the log's and groups' events the diagrams mark on a lifeline: a
// rebalance, a partition revoked or assigned, a leader election, an ISR change, a transaction's
// outcome or marker.
bool isLogMark(TraceKind k);
// A short mark for such an event: "rebalance gen 3", "revoke P2", "assign P2", "leader P0: broker 2
// (epoch 3)", "unclean leader P0: broker 1 (epoch 2)", "P0 offline", "ISR P1 shrinks to 2",
// "ISR P1 grows to 3", "txn 5 commit", "txn 5 abort (timeout)", "marker P1 @42", "abort marker P1
// @42"; empty for other kinds.
std::string logMarkText(const TraceEvent &e);
// What such an event is about, for tooltips: "group billing, generation 3, partition 2",
// "partition 0, broker 2, leader epoch 3, unclean", "partition 1, broker 2, ISR 2"... `groupName`
// names TraceEvent::group (Simulation::groupNames()); empty for other kinds.
std::string logMarkDetails(const TraceEvent &e, std::string_view groupName);

// Whether a kind is one of the event-sourcing, CQRS, saga and outbox events (StreamAppend ..
// Relay) the diagrams mark on a lifeline: a store's appends, conflicts and parked events, a
// handler's rebuilds and snapshots, a projection's progress, a saga's begin, steps and end, a
// service's local transactions (and compensations), an outbox's commits and relays.
bool isDomainMark(TraceKind k);
// A short mark for such an event: "append r3 @12", "conflict: expected revision 3, stream at 4",
// "step 2 ReserveCredit done", "compensation of step 1 done", "local txn ReserveCredit 100 → 60",
// "saga 5 compensated". `name` is what the event's message names when known (a stream for
// StreamAppend and Conflict, a command for the saga kinds, the event type for Project): it is left
// out when empty. Empty for other kinds.
std::string domainMarkText(const TraceEvent &e, std::string_view name = {});
// What such an event is about, for the event log and tooltips: the mark's text with the fields
// it carries ("stream account-7, revision 3, position 12, command 9").
std::string domainMarkDetails(const TraceEvent &e, std::string_view name = {});

struct SequenceItem {
    enum class Type : std::uint8_t {
        Arrow,   // a frame sent on a link (time = send, arrival = scheduled arrival)
        Receive, // the arrival of a kept arrow at its peer (ShiViz only); arrow = its index
        Note,    // a local mark at `node` (for link up/down: over node and peer; for a fault: over
                 // its target, both ends of a link, or every lifeline for a group)
    };
    enum class Fate : std::uint8_t { Delivered, Lost, InFlight };
    Type type = Type::Note;
    Fate fate = Fate::Delivered; // arrows; a receive found not to have happened is Lost
    SimTime time = 0;
    SimTime arrival = 0;
    std::size_t arrow = 0;
    TraceEvent event; // the Send (or link Drop) of an arrow; the marked event of a note
    // Calls: a StreamData arrow's item index, an Execute note's execution number (CallTracker);
    // whether a Request arrow is a hedged attempt; the method a Request arrow or Call note names
    // (an index into the recorder's methods, 0: not known).
    std::uint32_t ordinal = 0;
    bool hedge = false;
    std::uint32_t method = 0;
};

class SequenceRecorder final : public TraceSink {
public:
    // nodeIds/linkIds map indices to the ids in the topology file.
    SequenceRecorder(std::vector<std::string> nodeIds, std::vector<std::string> linkIds,
                     SequenceOptions options = {});
    // What the diagrams show for each node (see nodeLabels()); the ids until set.
    void setNodeLabels(std::vector<std::string> labels) { m_nodeLabels = std::move(labels); }
    // What a topology tells the writers beyond ids: labels (nodeLabels()), clocks, link ends.
    void describe(const Topology &topology);
    // The nodes' local clocks, by NodeIndex (nodeClocks()): local readings and contradictions.
    void setClocks(std::vector<NodeClock> clocks) { m_clocks = std::move(clocks); }
    const std::vector<NodeClock> &clocks() const { return m_clocks; }
    // Each link's two ends, by LinkIndex: a link fault's note stands over both.
    void setLinkEnds(std::vector<std::pair<NodeIndex, NodeIndex>> ends) { m_linkEnds = std::move(ends); }
    // Names a fault event's fault from the index it carries (the run's fault table), e.g.
    // "cut (link-down)"; without it, "fault 7" for index 7.
    void setFaultNames(std::function<std::string(std::uint64_t index)> names)
    {
        m_faultNames = std::move(names);
    }
    std::string faultName(std::uint64_t index) const;
    // The nodes a note stands over (one, both ends of a link, or none for a group fault).
    std::vector<NodeIndex> noteNodes(const SequenceItem &item) const;
    void onEvent(const TraceEvent &e) override;
    // Notes a message's routing key for the filter, and a call's method (the routing key of its
    // request) for its arrows' labels.
    void onMessage(const Message &m) override;
    // The run is over at `now`: frames that arrived by then are received; later ones stay in flight.
    void finish(SimTime now);

    const SequenceOptions &options() const { return m_options; }
    const std::vector<std::string> &nodeIds() const { return m_nodeIds; }
    // The label of node `n`: set by setNodeLabels, else its id.
    const std::string &nodeLabel(NodeIndex n) const;
    const std::vector<std::string> &linkIds() const { return m_linkIds; }
    const std::vector<SequenceItem> &items() const { return m_items; }
    std::size_t arrows() const { return m_arrows; }
    std::uint64_t omittedArrows() const { return m_omittedArrows; }
    std::uint64_t omittedNotes() const { return m_omittedNotes; }
    bool truncated() const { return m_omittedArrows || m_omittedNotes; }
    // The method an item names ("orders.Orders/Get"), empty when not known.
    const std::string &method(const SequenceItem &item) const;

private:
    struct Pending {
        SimTime arrival;
        std::size_t item;
    };
    bool matches(const TraceEvent &e) const;
    void settle(const TraceEvent *e);
    void receive(std::size_t pendingIndex);
    void addArrow(const TraceEvent &e, SequenceItem::Fate fate, SimTime arrival);
    void addNote(const TraceEvent &e);

    std::vector<std::string> m_nodeIds, m_linkIds, m_nodeLabels;
    std::vector<NodeClock> m_clocks;
    std::vector<std::pair<NodeIndex, NodeIndex>> m_linkEnds;
    std::function<std::string(std::uint64_t)> m_faultNames;
    SequenceOptions m_options;
    std::vector<SequenceItem> m_items;
    std::vector<Pending> m_pending; // kept arrows still in flight, in send order
    SimTime m_firstArrival = kNever;
    std::size_t m_arrows = 0, m_notes = 0;
    std::uint64_t m_omittedArrows = 0, m_omittedNotes = 0;
    CallTracker m_calls;
    // Methods by call id while the call is open (its request announced, its Complete not yet
    // traced), as indices into m_methods (distinct routing keys, at most kMaxMethods).
    static constexpr std::size_t kMaxMethods = 4096;
    std::unordered_map<std::uint64_t, std::uint32_t> m_callMethods;
    std::vector<std::string> m_methods{std::string()};
    std::unordered_map<std::string, std::uint32_t> m_methodIndex;
};

// Records `events` (in trace order) and settles the frames that arrived by the last one.
SequenceRecorder recordSequence(const std::vector<TraceEvent> &events, std::vector<std::string> nodeIds,
                                std::vector<std::string> linkIds, SequenceOptions options = {});

// Each item's clocks (items()[i] -> steps[i]); a note without a node (a group fault) gets the
// clocks of the step before it. `placed` is where each item stands under the recorder's order.
struct SequenceItemClocks {
    std::vector<CausalStep> steps;
    std::vector<SimTime> placed;
    std::vector<std::size_t> order; // item indices in the order of the recorder's mode (stable)
};
SequenceItemClocks sequenceItemClocks(const SequenceRecorder &r);
// Whether arrow item `arrow` was received and its local timestamps contradict causality.
bool sequenceArrowContradicts(const SequenceRecorder &r, const SequenceItemClocks &clocks, std::size_t arrow);

void writeMermaid(const SequenceRecorder &r, std::ostream &out);
void writePlantUml(const SequenceRecorder &r, std::ostream &out);
// The ShiViz "upload a file" layout: the parser regex on the first line, an empty
// multiple-executions delimiter on the second, then two lines per event.
void writeShiViz(const SequenceRecorder &r, std::ostream &out);
inline constexpr const char *kShiVizRegex = R"((?<event>.*)\n(?<host>\S*) (?<clock>{.*}))";
std::string sequenceText(const SequenceRecorder &r, SequenceFormat format);

// Each link's (from, to) node indices, by LinkIndex (kNoIndex for an end not found).
std::vector<std::pair<NodeIndex, NodeIndex>> sequenceLinkEnds(const Topology &topology);
// How a fault is named on the diagrams: "id (kind)".
std::string sequenceFaultLabel(const FaultDef &fault);

// Text for labels, notes and log lines (shared by the writers; exposed for tests).
std::string sequenceArrowLabel(const SequenceRecorder &r, const SequenceItem &item);
std::string sequenceNoteText(const SequenceRecorder &r, const SequenceItem &item);
// The participant names of the Mermaid and PlantUML texts, by node index: the node's id where it
// is a plain word of letters, digits and '_' that neither format reads as a keyword, else the id
// with every other character as '_' (and "n_" before a keyword or a leading digit), made unique.
std::vector<std::string> sequenceParticipantNames(const std::vector<std::string> &nodeIds);
// Mermaid entity escaping: '#', ';', '<', '>' and '"' as #35; style codes, newlines as spaces.
std::string mermaidEscape(std::string_view text);

} // namespace sb
