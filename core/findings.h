#pragma once
// One kind of finding for every checker (delivery, order, calls, and the sagas and streams to
// come): what went wrong, which message/call/saga, where and when. The run summary, its JSON,
// `signalbox-cli run --fail-on` and the sequence diagram all show these.
#include "message.h"
#include "simtime.h"

#include <cstdint>
#include <string>
#include <vector>

namespace sb {

struct Finding {
    std::string check;               // the check's name as --fail-on writes it: "executed-twice", "lost"
    std::string what;                // one sentence for people, naming the ids involved
    std::string subject;             // "call 17", "message 42": what the diagram selects
    std::uint64_t messageId = 0;     // the message (or a call's request message), 0 if none
    std::uint64_t correlationId = 0; // the call (or correlation) id, 0 if none
    NodeIndex node = kNoIndex;       // where it shows (a server that executed twice, a consumer)
    SimTime time = 0;                // when it happened (the second execution, the lost frame)
};

// How many a check found in a run, and the first few of them.
struct CheckResult {
    std::string check;
    std::string help; // what the check counts, one line
    std::uint64_t count = 0;
    std::vector<Finding> examples; // the first few, in time order (bounded)
};

} // namespace sb
