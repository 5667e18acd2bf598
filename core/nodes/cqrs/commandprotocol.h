#pragma once
// Commands and queries: the contract between whoever asks (a command client, a saga orchestrator,
// a service of a choreography) and whoever decides (a command handler with its aggregates, a saga
// participant service, a read model answering queries).
//
// Frames (message.h): Command and Query are requests; each is answered by a frame of its type with
// Frame::response set, the request's Frame::tag echoed and a CommandStatus (callstatus.h) in
// Frame::status. Requests travel asker -> decider over a link between their command ports.
//
// A command is a Message whose routing key is its name ("Deposit", "ReserveCredit"), whose key is
// the aggregate or data item it acts on ("account-7", "customer-3") and whose headers carry its
// data ("amount": "50"), as events do (esprotocol.h). A query's message names the query
// ("GetBalance") and the entity the same way.
#include "../../message.h"
#include "../eventsourcing/esprotocol.h"

#include <cstdint>
#include <string>
#include <vector>

namespace sb::cmd {

// What a command carries beyond its message.
struct CommandBody final : FrameBody {
    // The aggregate's revision the sender read (es::kAny: whatever it is now): a handler appends
    // under it, so a stale command meets WrongExpectedVersion and comes back Conflict.
    std::int64_t expectedVersion = es::kAny;
    // Sagas: the instance and step this command belongs to (0: none), and whether it is the
    // step's compensating transaction.
    std::uint64_t saga = 0;
    std::uint32_t step = 0;
    bool compensation = false;
};

// The outcome of a command. `position` is the store position of the last event the command
// appended (-1: it appended none): a client waits for a read model to pass it to read its own
// write. `revision` the aggregate's revision after it. `reason` says why it was refused.
struct CommandResult final : FrameBody {
    std::int64_t position = -1;
    std::int64_t revision = -1;
    std::string reason;
};

// A query. `minPosition`: answer only once the read model has applied the store up to this
// position (-1: answer at once) — the "wait for your own write" fix; `asOf`: the state at a time
// (kNever: now), a temporal query.
struct QueryBody final : FrameBody {
    std::int64_t minPosition = -1;
    SimTime asOf = kNever;
};

// The answer: the read model's row for the entity (its fields), whether there is one, and the
// store position the read model had applied when it answered.
struct QueryResult final : FrameBody {
    bool found = false;
    std::vector<Header> fields;
    std::int64_t position = -1;
};

} // namespace sb::cmd
