#pragma once
// Amazon SNS kinds: the topic (standard or FIFO) that fans each published message out to its
// subscriptions, the publisher, and an HTTP/S endpoint subscribed to a topic (snsprotocol.h is
// their contract). Each kind's schema sits next to its logic.
//
// Subscriptions: every link from a topic's "sqs" port (to an sqs-queue's "send") or "https" port
// (to an http-endpoint) is a subscription. Its attributes, with AWS's names, are the arguments of
// a binding from the topic to that endpoint ($.bindings[i], key empty):
//   FilterPolicy        a filter policy (core/pubsub/snsfilterpolicy.h), an object or its JSON text
//   FilterPolicyScope   "MessageAttributes" (the default) or "MessageBody"
//   RawMessageDelivery  true / false (or "true" / "false"): the body as published, no envelope
//   DeliveryPolicy      HTTP/S only: {"healthyRetryPolicy": {...}, "throttlePolicy": {...}}
//   RedrivePolicy       {"deadLetterTargetArn": "<id of an sqs-queue linked from the topic's
//                       deadLetter port>"}: where a delivery goes once its retries are spent
// A link without a binding is a subscription with none of them set.
#include "../../node.h"
#include "../../pubsub/snsfilterpolicy.h"
#include "../../schema.h"
#include "snsprotocol.h"

#include <memory>
#include <string>
#include <vector>

namespace sb {

struct Topology;

NodeKindSpec snsTopicKind();
NodeKindSpec snsPublisherKind();
NodeKindSpec httpEndpointKind();
// "SNS standard topic", "SNS FIFO topic", "HTTPS endpoint", ...: under "Amazon SNS" in the palette.
std::vector<NodeTemplate> snsTemplates();

// One subscription's attributes, read from its binding's arguments.
struct SnsSubscriptionAttributes {
    std::shared_ptr<const SnsFilterPolicy> filter; // null: every message
    SnsFilterPolicy::Scope scope = SnsFilterPolicy::Scope::MessageAttributes;
    bool raw = false;
    SnsDeliveryPolicy delivery;   // HTTP/S: the subscription's policy, else SNS's default
    std::string deadLetterTarget; // node id of the dead-letter queue; empty: none
};
struct SnsAttributeProblem {
    std::string path; // inside the arguments: ".FilterPolicy.price[0]", ".RawMessageDelivery"
    std::string message;
};
// Reads `arguments` for a subscription over HTTP/S (`https`) or SQS. Problems go to `problems`
// (the first of each attribute); the result holds what could be read.
SnsSubscriptionAttributes parseSnsSubscription(const Json &arguments, bool https,
                                               std::vector<SnsAttributeProblem> &problems);

// Topology validation of the bindings whose "exchange" is an sns-topic: each names a subscription
// (a link from the topic's sqs or https port to the destination), with a valid key (empty) and
// arguments. (JSON path, reason) per problem; warnings flagged.
struct SnsBindingProblem {
    std::string path;
    std::string message;
    bool warning = false;
};
std::vector<SnsBindingProblem> snsBindingProblems(const Topology &t, std::size_t binding);

// A message's attributes as SNS's filter policies see them: each header a String attribute, or
// the type the publisher gave it (a Number, a String.Array); a header from the routing inspector
// that reads as a number is a Number.
Json snsAttributesJson(const std::vector<SnsAttribute> &attributes);
Json snsBodyJson(const std::vector<Field> &fields);

} // namespace sb
