#pragma once
// Shared pieces of the kinds' answers to the routing inspector (core/route.h): the message a
// producing node sends, a publisher's answer, an endpoint's answer.
#include "../route.h"
#include "../schema.h"

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace sb {

// The message a producing node sends as the inspector follows it: what the person gave, else the
// node's own properties for its first message (its name template `nameProperty` — "routingKey",
// "topic", "subject", "channel", or empty for none — with {seq} = 1, its first key, its header
// templates and constant payload fields). `note` gets a phrase on what was filled in.
RouteMessage producedMessage(const RouteQuestion &q, std::string_view nameProperty, std::string &note);

// A producer's answer: the message (as producedMessage) leaves on every link of its output ports.
// `nameWord` names the subject in the note ("routing key", "topic", "subject", "channel").
RouteAnswer publishRoute(const RouteQuestion &q, std::string_view nameProperty, std::string_view nameWord);

// A queue's answer: it stores the message and one of the consumers on `deliverPort` gets it (all
// are taken: which one depends on the run); the dead-letter port is not taken, `deadLetterWhy`
// says when it would be.
RouteAnswer queueRoute(const RouteQuestion &q, std::string_view deliverPort, std::string_view deadLetterPort,
                       std::string_view deadLetterWhy);

// A subscription as a broker's answer reads it off a subscriber: a pattern in the broker's
// dialect, the group it shares (a NATS queue group, an MQTT $share group; empty for none) and how
// it is labelled in sentences ("subscription", "pattern", "channel").
struct RouteSubscription {
    std::string pattern;
    std::string group;
    std::string label = "subscription";
    bool exact = false; // matched by equality (a Redis SUBSCRIBE channel), not by the dialect
};

// A pub-sub broker's answer (MQTT, Redis, NATS): the subscribers are the clients linked to it;
// `subscriptionsOf` reads a peer's subscriptions (empty for a peer that does not subscribe).
// Each matching subscription is a copy (Redis sends a channel and a matching pattern twice); one
// member of each group gets a copy for that group.
RouteAnswer
brokerRoute(const RouteQuestion &q, int dialect,
            const std::function<std::vector<RouteSubscription>(const RouteOutput &)> &subscriptionsOf);

// A node that sends on every link of `ports` (a client's calls, a handler's appends): each one
// taken, `why` saying what travels on it; the others not taken. `note` says what the node does;
// `ends` marks the path as ending here too (a server executes the call, and may call on). With
// nothing linked on `ports` the path ends here.
RouteAnswer sendOnPorts(const RouteQuestion &q, std::vector<std::string_view> ports, std::string why,
                        std::string note, bool ends = false);

// A node where the message's path ends (a consumer processes it): `note` says how.
RouteAnswer endRoute(std::string note);

inline RouteVerdict routeVerdict(std::size_t output, bool taken, std::string why)
{
    RouteVerdict v;
    v.output = output;
    v.taken = taken;
    v.why = std::move(why);
    return v;
}

// "\"orders.eu\"": a subject as the inspector's sentences quote it.
std::string inQuotes(std::string_view s);

} // namespace sb
