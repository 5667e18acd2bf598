#pragma once
// The built-in aggregate models: what an event-sourced entity is, without code. A model decides
// a command against an aggregate's state (the events to append, or why not) and applies an event
// to a state; replaying a stream's events through apply() rebuilds the state, which is all event
// sourcing is. The command handler decides with it (write side), projections build read models
// with it (read side), the window shows the states it makes.
//
// The models (docs/topology-format.md, "Event sourcing", lists their commands and events):
//   bank-account: OpenAccount, Deposit, Withdraw (refused below -overdraft), CloseAccount;
//                 events AccountOpened, Deposited, Withdrawn, AccountClosed.
//   order:        PlaceOrder, PayOrder, ReserveStock, ShipOrder, CancelOrder (each only from the
//                 states that allow it); events OrderPlaced, OrderPaid, StockReserved, OrderShipped,
//                 OrderCancelled.
//   counter:      Increment, Decrement; events Incremented, Decremented.
//
// Schema evolution: every event type has a current schema version; an upcaster maps an event one
// version up (bank-account's Deposited v1 {amount} becomes v2 {amountCents}). A reader declares
// the versions it reads; EventReader upcasts what it can and refuses what it cannot.
#include "../../message.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sb::es {

// An aggregate's (or a read model row's) state: named integer and text fields, in a stable order
// for display, and the stream revision it reflects (-1: no events yet).
struct AggregateState {
    std::vector<Header> fields;
    std::int64_t revision = -1;

    const std::string *field(std::string_view name) const;
    std::int64_t integer(std::string_view name, std::int64_t otherwise = 0) const;
    void set(std::string_view name, std::string value);
    void set(std::string_view name, std::int64_t value);
    bool operator==(const AggregateState &) const = default;
};

// One event a decision asks to append (type, data) at the model's current schema version.
struct NewEvent {
    std::string type;
    std::vector<Header> data;
};

// A command's outcome against a state: events to append, or the reason it is refused.
struct Decision {
    std::vector<NewEvent> events;
    std::string rejected; // empty: accepted
};

// The knobs a model's rules read (from the handler's properties).
struct ModelOptions {
    std::int64_t overdraft = 0;     // bank-account: how far below zero a withdrawal may go
    std::uint32_t writeVersion = 0; // the schema version new events are written at (0: current)
};

class AggregateModel {
public:
    virtual ~AggregateModel() = default;
    virtual std::string_view name() const = 0;
    // The stream category its aggregates live in ("account": streams "account-1", ...).
    virtual std::string_view category() const = 0;
    virtual std::vector<std::string> commandNames() const = 0;
    virtual std::vector<std::string> eventTypes() const = 0;
    // The newest schema version of an event type (1 for types that never changed).
    virtual std::uint32_t currentVersion(std::string_view eventType) const = 0;
    // Decides `command` (its routing key the command's name, its headers the data) against `state`.
    virtual Decision decide(const AggregateState &state, const Message &command,
                            const ModelOptions &o) const = 0;
    // Applies one event (at its current schema version: readers upcast first) to `state`.
    virtual void apply(AggregateState &state, const Message &event) const = 0;
    // The event one schema version up, or null when there is no upcaster for its version.
    virtual MessageRef upcast(const Message &event) const = 0;
};

// The model named `name` ("bank-account", "order", "counter"), or null.
const AggregateModel *aggregateModel(std::string_view name);
// Their names, in the order the docs and property editor list them.
std::vector<std::string> aggregateModelNames();

// Reads events for a reader that understands the schema versions in `readable` (empty: only
// each type's current version; a listed version beyond a type's newest stands for its newest),
// upcasting older ones when `upcasting` is on.
class EventReader {
public:
    EventReader(const AggregateModel &model, std::vector<std::uint32_t> readable, bool upcasting);
    struct Result {
        MessageRef event;       // what to apply: the event itself or its upcast; null when unreadable
        std::uint32_t from = 0; // its version as stored
        std::uint32_t to = 0;   // its version as read (from == to: no upcast)
    };
    Result read(const MessageRef &stored) const;

private:
    const AggregateModel *m_model;
    std::vector<std::uint32_t> m_readable;
    bool m_upcasting;
};

} // namespace sb::es
