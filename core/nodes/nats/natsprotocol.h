#pragma once
// What a NATS client and a nats-server say to each other over one NATS link (the client's port is
// Out, the server's In; frames go both ways). As the NATS client protocol names them:
//   NatsSub   client -> server: SUB <subject> [queue group] <sid> (NatsSubscription).
//   NatsUnsub client -> server: UNSUB <sid>.
//   NatsPub   client -> server: PUB/HPUB <subject> [reply-to]: the subject in Message::routingKey,
//             the reply-to inbox in NatsPublication.
//   NatsMsg   server -> client: MSG/HMSG <subject> <sid> [reply-to] (NatsDelivery); a status
//             message (no payload, no Message) has `status` set: 503 "no responders".
//   NatsErr   server -> client: -ERR with its text (NatsError).
// The core protocol has no acks: at most once.
#include "../../message.h"

#include <string>

namespace sb {

namespace NatsServerPort {
inline constexpr PortIndex Clients = 0;
}
namespace NatsClientPort {
inline constexpr PortIndex Server = 0;
}

namespace NatsDefault {
inline constexpr std::int64_t PendingMsgsLimit = 65536;             // nats.go DefaultSubPendingMsgsLimit
inline constexpr std::int64_t PendingBytesLimit = 64 * 1024 * 1024; // nats.go DefaultSubPendingBytesLimit
inline constexpr std::int64_t MaxPayload = 1024 * 1024;             // nats-server max_payload (1 MB)
inline constexpr std::uint16_t NoRespondersStatus = 503;
} // namespace NatsDefault

struct NatsSubscription final : FrameBody {
    std::string subject;
    std::string queue; // empty = a plain subscription
    std::uint32_t sid = 0;
};

struct NatsUnsubscription final : FrameBody {
    std::uint32_t sid = 0;
};

struct NatsPublication final : FrameBody {
    std::string replyTo; // empty = none
    // The connection said headers: true and no_responders: true in its CONNECT (nats.go 1.11+ and
    // the other clients of NATS 2.2+ do): a request nobody can answer gets a 503 status at once.
    bool noResponders = true;
};

struct NatsDelivery final : FrameBody {
    std::string subject;
    std::uint32_t sid = 0;
    std::string replyTo;
};

struct NatsError final : FrameBody {
    std::string text; // "Slow Consumer", "Maximum Payload Violation", "Invalid Subject"
};

} // namespace sb
