#pragma once
// What actors and actor clients share on the sending side: holding tells for a receiver whose
// bounded mailbox pushes back, and the table of open asks (Akka's ask pattern: a temporary
// receiver per request, an AskTimeoutException when no answer comes in time).
#include "../../node.h"

#include <deque>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace sb {

// Whether `link` is attached to this node's `port`.
bool onPort(NodeContext &ctx, PortIndex port, LinkIndex link);

// A new message made by an actor or a client (a tell, an ask, a reply): announced to the trace
// sinks; Publish traced when `publish` (a client's or a fan-out's own message, not a reply).
MessageRef makeActorMessage(NodeContext &ctx, std::string routingKey, std::string key, std::uint32_t size,
                            bool correlate, bool publish, std::uint64_t sequence = 0,
                            std::vector<Field> fields = {});

// The routing key of a DOWN message (Erlang's {'DOWN', Ref, process, Pid, Reason}, Akka's
// Terminated): what a watcher's behaviour matches, e.g. a state machine's "watching: DOWN -> alone".
inline constexpr const char *kDownMessage = "DOWN";

// A node stopped for good: sends DOWN to each watcher linked to its `watchersPort`. The DOWN is a
// message (routing key "DOWN", key and field "reason" = why it stopped) that the watcher puts in its
// mailbox and its behaviour handles like any other; the runtime that sends it on the dying node's
// behalf is modelled as the dying node itself, so the message's producer is the dead node.
void sendDown(NodeContext &ctx, PortIndex watchersPort, const std::string &reason);

// The sending side of back-pressure. A receiver whose bounded mailbox is full refuses a tell (an
// ActorTell response with RESOURCE_EXHAUSTED carrying it back); the sender then holds that message
// and every later one for that receiver, in order (traced Block), and sends one each time the
// receiver signals room (an ActorTell response with OK), saying how many it still holds; when none
// is left it traces Unblock (aux = how long it held). The sender's own processing goes on: only its
// messages to that receiver wait, as a Reactive Streams publisher waits for demand.
//
// The room signal is a frame like any other: a lossy link can lose it, a held message sent on it can
// be lost too, and a receiver that crashes forgets who waits. So a sender that holds messages runs a
// probe timer, as TCP's persist timer guards a zero window against a lost window update (RFC 9293
// 3.8.6.1, RFC 1122 4.2.2.17): when no room came within `probe`, it re-offers its first held message
// (with its count) as if room had been signalled. The receiver takes it, or refuses it again; each
// refused probe doubles the wait, up to kMaxProbe; room resets it. A receiver that comes back after
// a crash (its link up again) gets a probe at once.
class ActorSender {
public:
    // Probe timer tags: kTagBase + the link (below a Workload's tags, 2^40, and AskTable's).
    static constexpr std::uint64_t kTagBase = std::uint64_t{1} << 39;
    static constexpr SimTime kMaxProbe = 60 * kSecond;

    // `probe`: how long to wait for room before re-offering (0: wait for the signal alone).
    explicit ActorSender(SimTime probe = 0) : m_probe(probe) {}

    // Sends `f` (a tell or an ask) on `link`, or holds it behind earlier held ones.
    void send(NodeContext &ctx, LinkIndex link, Frame f);
    // A back-pressure signal arrived on `link` (an ActorTell with `response` set): handles it.
    void onSignal(NodeContext &ctx, LinkIndex link, const Frame &f);
    bool owns(std::uint64_t tag) const
    {
        return tag >= kTagBase && tag < kTagBase + (std::uint64_t{1} << 32);
    }
    // A probe timer fired: re-offers the first message held for that link.
    void onTimer(NodeContext &ctx, std::uint64_t tag);
    // The receiver on `link` came back (after a crash): re-offers at once.
    void onLinkUp(NodeContext &ctx, LinkIndex link);
    // Messages held for all receivers.
    std::size_t held() const;
    // Forgets everything held (a crash): returns the held messages so the caller can trace them.
    std::vector<MessageRef> clear(NodeContext &ctx);

private:
    struct Held {
        std::deque<Frame> frames;
        std::size_t refused = 0; // frames at the front that the receiver refused (they go first)
        bool blocked = false;
        SimTime since = 0;
        TimerId probe = kNoTimer;
        SimTime backoff = 0; // the probe's current wait
    };
    // Sends the first held frame with the count of those behind it; Unblock when none is left,
    // otherwise (re)starts the probe timer.
    void sendHeld(NodeContext &ctx, LinkIndex link, Held &h);
    void arm(NodeContext &ctx, LinkIndex link, Held &h);
    SimTime m_probe = 0;
    std::map<LinkIndex, Held> m_links;
};

// Refused by back-pressure: what the sender needs to send the frame again.
struct ActorRefusal final : FrameBody {
    FrameType type = FrameType::ActorTell;
    std::uint64_t tag = 0;
    SimTime deadline = kNever;
};

// Asks this node made and still waits for, by call id (the request's correlation id).
class AskTable {
public:
    static constexpr std::uint64_t kTagBase = std::uint64_t{1} << 48;
    struct Open {
        MessageRef request;
        TimerId timer = kNoTimer;
        std::uint64_t aggregate = 0; // the fan-out this ask belongs to (0: none)
    };
    // Traces Call (aux = the parent call, 0 for none), sends the ask and starts its timeout.
    void ask(NodeContext &ctx, ActorSender &sender, LinkIndex link, MessageRef request, SimTime timeout,
             std::uint64_t parentCall, std::uint64_t aggregate = 0);
    bool owns(std::uint64_t tag) const { return tag >= kTagBase; }
    // A reply: the open ask it answers (traced Complete OK), or nothing (a late reply: the caller
    // traces it).
    std::optional<Open> answer(NodeContext &ctx, const Frame &reply);
    // A timeout fired: the ask it ends (traced Complete DEADLINE_EXCEEDED, Akka's AskTimeoutException).
    std::optional<Open> timeout(NodeContext &ctx, std::uint64_t tag);
    // Forgets the open asks (their answers will come late); with `fail`, they end as UNAVAILABLE.
    void clear(NodeContext &ctx, bool fail);
    std::size_t open() const { return m_open.size(); }

private:
    void complete(NodeContext &ctx, const Open &o, std::uint16_t status);
    std::map<std::uint64_t, Open> m_open;
};

} // namespace sb
