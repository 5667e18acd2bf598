#pragma once
// The event-store protocol as Signalbox's event-sourcing kinds speak it: the contract between an
// event-store node and its clients (command handlers appending and loading aggregates, projections
// and subscribers, saga services). It follows EventStoreDB/KurrentDB's client API: streams of
// events per entity, appends under an expected version (optimistic concurrency), a global
// position across streams, reads forward from a revision, catch-up and persistent subscriptions.
//
// Frames (message.h): AppendToStream, ReadStream and SubscribeToStream are requests; each is
// answered by a frame of its type with Frame::response set, the request's Frame::tag echoed and an
// EsError (callstatus.h) in Frame::status. EventAppeared frames go from the store to a subscriber
// (tag = the event's position); a persistent subscription's consumer answers them with
// PersistentAck / PersistentNack. Requests travel client -> store, the rest store -> client.
//
// Events: an event is a Message (immutable, shared) whose key is its stream ("account-7"), whose
// routing key is its type ("Deposited") and whose headers carry its schema version ("schema") and
// its data ("amount": "50"). The store adds revision, position and record time (RecordedEvent).
#include "../../message.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sb::es {

// Expected versions, as EventStoreDB's StreamState names them; 0 and up is an exact revision
// (the revision of the stream's last event: a stream with one event is at revision 0).
inline constexpr std::int64_t kAny = -2;          // append whatever the stream's state
inline constexpr std::int64_t kNoStream = -1;     // the stream must not exist yet
inline constexpr std::int64_t kStreamExists = -4; // the stream must have at least one event
// "$all": every stream, in position order (reads and subscriptions).
inline constexpr std::string_view kAllStream = "$all";
// A subscription's start: from the first event, or only what is appended after it subscribes.
inline constexpr std::int64_t kFromStart = -1;
inline constexpr std::int64_t kFromEnd = -3;

// Event headers.
inline constexpr std::string_view kSchemaHeader = "schema";

// An event's schema version (its "schema" header; 1 when it has none).
std::uint32_t schemaVersion(const Message &event);
// An integer field of an event's (or a command's) data, or `otherwise` when it has none.
std::int64_t dataInt(const Message &m, std::string_view field, std::int64_t otherwise = 0);
// The category of a stream: what comes before its first '-' ("account" of "account-7"), as
// EventStoreDB's $by_category projection reads it; the whole name when it has none.
std::string_view category(std::string_view stream);
// Whether a subscription or read of `stream` ("$all", "$ce-account", or one stream's name)
// takes an event of stream `eventStream`.
bool streamMatches(std::string_view stream, std::string_view eventStream);
// "any", "no_stream", "stream_exists", or the revision: as files and messages write them.
std::string expectedVersionText(std::int64_t expected);

// One event as the store recorded it.
struct RecordedEvent {
    MessageRef event;
    std::int64_t revision = -1; // in its stream, from 0
    std::int64_t position = -1; // in the store, from 0 across all streams
    SimTime recorded = 0;       // when the store appended it
};

// AppendToStream: events for one stream, appended together (atomically) or not at all.
struct AppendRequest final : FrameBody {
    std::string stream;
    std::int64_t expectedVersion = kAny;
    std::vector<MessageRef> events;
    std::uint64_t command = 0; // the command this append carries out (for traces), 0: none
};
// Its response. On success `revision` is the stream's revision after the append (the next
// expected version) and `position` the last appended event's; on WrongExpectedVersion
// `revision` is the stream's actual revision (-1: no stream).
struct AppendResponse final : FrameBody {
    std::string stream;
    std::int64_t revision = -1;
    std::int64_t position = -1;
};

// ReadStream: a stream's events forward from revision `from` (for "$all", from position `from`),
// at most `maxCount` (0: all), recorded at or before `asOf` (kNever: now): "the state at T".
struct ReadRequest final : FrameBody {
    std::string stream;
    std::int64_t from = 0;
    std::uint32_t maxCount = 0;
    SimTime asOf = kNever;
    bool backwards = false; // from the end backwards (the last snapshot, say); `from` ignored
};
// Its response: the events, the stream's current revision (-1: no stream; StreamNotFound is then
// the status) and the store's last position.
struct ReadResponse final : FrameBody {
    std::string stream;
    std::vector<RecordedEvent> events;
    std::int64_t lastRevision = -1;
    std::int64_t lastPosition = -1;
};

// Persistent subscriptions (competing consumers): the group's settings, as EventStoreDB's
// PersistentSubscriptionSettings name them; the first consumer to subscribe creates the group.
struct PersistentSettings {
    std::uint32_t maxRetryCount = 10;        // deliveries of an event before it is parked
    SimTime messageTimeout = 30'000'000'000; // an unacked event is retried after this
    std::uint32_t bufferSize = 10;           // events in flight per consumer
};

// SubscribeToStream: a catch-up subscription (group empty) reads `stream` from after `from`
// (kFromStart: from the beginning; kFromEnd: live only) then receives new events live; a
// persistent one joins group `group` of `stream` and shares its events with the group's other
// consumers. The response (status None) confirms it; EventAppeared frames follow.
struct SubscribeRequest final : FrameBody {
    std::string stream;
    std::int64_t from = kFromStart;
    std::string group;
    PersistentSettings settings;
};

// EventAppeared: one event for a subscriber; `retryCount` its earlier deliveries to the group
// (persistent). A body with no event and `caughtUp` set says the subscriber has every event that
// existed when it subscribed (EventStoreDB's CaughtUp message) and is now live.
struct EventAppearedBody final : FrameBody {
    RecordedEvent event;
    std::string group;
    std::uint32_t retryCount = 0;
    bool caughtUp = false;
};

// PersistentAck / PersistentNack: the events (by position) a group's consumer settles. A nack
// says what to do with them, as EventStoreDB's NakAction: park them now, retry them, or skip.
enum class NackAction : std::uint8_t { Park, Retry, Skip };
struct SettleBody final : FrameBody {
    std::string group;
    std::vector<std::int64_t> positions;
    NackAction action = NackAction::Retry; // nacks only
    std::string reason;
};

} // namespace sb::es
