// SNS subscription attributes (FilterPolicy, FilterPolicyScope, RawMessageDelivery, DeliveryPolicy,
// RedrivePolicy) as bindings carry them, their validation, and the HTTP/S delivery policy's retry
// schedule.
// Delivery policy rules (SNS Developer Guide, "Amazon SNS message delivery retries", "Creating an
// HTTP/S delivery policy"): numRetries 0..100 counts every retry; numNoDelayRetries,
// numMinDelayRetries and numMaxDelayRetries are >= 0 and together at most numRetries; minDelayTarget
// is at least 1 s and at most maxDelayTarget; the policy's total retry time is at most 3,600 s (a
// hard limit); backoffFunction is arithmetic, exponential, geometric or linear (the default).
// Defaults: 3 retries, 20 s apart. The guide shows the backoff functions only as a graph; here,
// with f going from 0 to 1 over the backoff phase, a delay is min + (max - min) * g(f) with
// linear g = f, arithmetic g = f^2, geometric g = sqrt(f), exponential min * (max/min)^f.
#include "../../topology.h"
#include "sns.h"

#include <cmath>
#include <set>

namespace sb {

const char *backoffName(SnsDeliveryPolicy::Backoff b)
{
    switch (b) {
    case SnsDeliveryPolicy::Backoff::Linear:
        return "linear";
    case SnsDeliveryPolicy::Backoff::Arithmetic:
        return "arithmetic";
    case SnsDeliveryPolicy::Backoff::Geometric:
        return "geometric";
    case SnsDeliveryPolicy::Backoff::Exponential:
        return "exponential";
    }
    return "linear";
}

SimTime SnsDeliveryPolicy::delayBefore(std::int64_t retry) const
{
    if (retry < 1 || retry > numRetries) return -1;
    if (retry <= numNoDelayRetries) return 0;
    retry -= numNoDelayRetries;
    if (retry <= numMinDelayRetries) return minDelayTarget;
    retry -= numMinDelayRetries;
    const std::int64_t backoffRetries =
        std::max<std::int64_t>(0, numRetries - numNoDelayRetries - numMinDelayRetries - numMaxDelayRetries);
    if (retry > backoffRetries) return maxDelayTarget;
    const double f = backoffRetries <= 1 ? 1.0 : double(retry - 1) / double(backoffRetries - 1);
    const double lo = double(minDelayTarget), hi = double(maxDelayTarget);
    double d = lo;
    switch (backoff) {
    case Backoff::Linear:
        d = lo + (hi - lo) * f;
        break;
    case Backoff::Arithmetic:
        d = lo + (hi - lo) * f * f;
        break;
    case Backoff::Geometric:
        d = lo + (hi - lo) * std::sqrt(f);
        break;
    case Backoff::Exponential:
        d = lo > 0 ? lo * std::pow(hi / lo, f) : hi * f;
        break;
    }
    // Whole milliseconds, so schedules read plainly in traces.
    return std::llround(d / double(kMillisecond)) * kMillisecond;
}

SimTime SnsDeliveryPolicy::totalRetryTime() const
{
    SimTime total = 0;
    for (std::int64_t r = 1; r <= numRetries && r <= 1000; ++r)
        total = addTime(total, delayBefore(r));
    return total;
}

namespace {

std::string typeOf(const Json &v)
{
    if (v.is_string()) return "a string";
    if (v.is_boolean()) return "a boolean";
    if (v.is_number()) return "a number";
    if (v.is_null()) return "null";
    if (v.is_array()) return "an array";
    return "an object";
}

// AWS takes attribute values as strings: a policy may come as an object or as its JSON text.
bool objectOrText(const Json &v, Json &out, std::string &why)
{
    if (v.is_object()) {
        out = v;
        return true;
    }
    if (v.is_string()) {
        JsonError e;
        auto parsed = parseJson(v.get<std::string>(), e);
        if (!parsed) {
            why = "not valid JSON: " + e.reason + " at column " + std::to_string(e.column);
            return false;
        }
        if (!parsed->is_object()) {
            why = "expected a JSON object, got " + typeOf(*parsed);
            return false;
        }
        out = std::move(*parsed);
        return true;
    }
    why = "expected a JSON object, got " + typeOf(v);
    return false;
}

bool wholeNumber(const Json &v)
{
    return v.is_number_integer() || v.is_number_unsigned() ||
           (v.is_number_float() && std::floor(v.get<double>()) == v.get<double>());
}

void parseDeliveryPolicy(const Json &policy, SnsDeliveryPolicy &out,
                         std::vector<SnsAttributeProblem> &problems)
{
    const std::string base = ".DeliveryPolicy";
    for (auto it = policy.begin(); it != policy.end(); ++it) {
        const std::string &k = it.key();
        if (k != "healthyRetryPolicy" && k != "throttlePolicy" && k != "requestPolicy" &&
            k != "sicklyRetryPolicy" && k != "guaranteed") {
            const std::string hint =
                closestMatch(k, {"healthyRetryPolicy", "throttlePolicy", "requestPolicy"});
            problems.push_back({base + "." + k, "unknown delivery policy member '" + k + "'" +
                                                    (hint.empty() ? "" : " (did you mean '" + hint + "'?)")});
            return;
        }
    }
    if (policy.contains("throttlePolicy")) {
        const Json &t = policy["throttlePolicy"];
        const std::string at = base + ".throttlePolicy.maxReceivesPerSecond";
        if (!t.is_object()) {
            problems.push_back({base + ".throttlePolicy", "expected an object, got " + typeOf(t)});
            return;
        }
        if (t.contains("maxReceivesPerSecond")) {
            const Json &v = t["maxReceivesPerSecond"];
            if (!v.is_number() || !wholeNumber(v) || v.get<double>() < 1) {
                problems.push_back(
                    {at, "maxReceivesPerSecond is a whole number of at least 1, got " + v.dump()});
                return;
            }
            out.maxReceivesPerSecond = v.get<double>();
        }
    }
    if (policy.contains("requestPolicy")) {
        const Json &r = policy["requestPolicy"];
        if (!r.is_object() || (r.contains("headerContentType") && !r["headerContentType"].is_string())) {
            problems.push_back(
                {base + ".requestPolicy",
                 "expected {\"headerContentType\": \"text/plain\" | \"application/json\" | ...}"});
            return;
        }
    }
    if (!policy.contains("healthyRetryPolicy")) return;
    const Json &h = policy["healthyRetryPolicy"];
    const std::string at = base + ".healthyRetryPolicy";
    if (!h.is_object()) {
        problems.push_back({at, "expected an object, got " + typeOf(h)});
        return;
    }
    static const std::vector<std::string> keys = {
        "minDelayTarget",     "maxDelayTarget",     "numRetries",     "numNoDelayRetries",
        "numMinDelayRetries", "numMaxDelayRetries", "backoffFunction"};
    for (auto it = h.begin(); it != h.end(); ++it) {
        const std::string &k = it.key();
        if (std::find(keys.begin(), keys.end(), k) == keys.end()) {
            const std::string hint = closestMatch(k, keys);
            problems.push_back({at + "." + k, "unknown retry policy member '" + k + "'" +
                                                  (hint.empty() ? "" : " (did you mean '" + hint + "'?)")});
            return;
        }
        if (k == "backoffFunction") {
            const std::string b = it.value().is_string() ? it.value().get<std::string>() : "";
            if (b == "linear")
                out.backoff = SnsDeliveryPolicy::Backoff::Linear;
            else if (b == "arithmetic")
                out.backoff = SnsDeliveryPolicy::Backoff::Arithmetic;
            else if (b == "geometric")
                out.backoff = SnsDeliveryPolicy::Backoff::Geometric;
            else if (b == "exponential")
                out.backoff = SnsDeliveryPolicy::Backoff::Exponential;
            else {
                problems.push_back(
                    {at + "." + k, "backoffFunction is one of arithmetic, exponential, geometric or "
                                   "linear; got " +
                                       it.value().dump()});
                return;
            }
            continue;
        }
        const Json &v = it.value();
        if (!v.is_number() || !wholeNumber(v) || v.get<double>() < 0) {
            problems.push_back({at + "." + k, k + " is a whole number of at least 0, got " + v.dump()});
            return;
        }
        // Clamped far beyond every limit below, so that no product overflows.
        const auto n = static_cast<std::int64_t>(std::min(v.get<double>(), 1e9));
        if (k == "minDelayTarget")
            out.minDelayTarget = std::min<std::int64_t>(n, 1000000) * kSecond;
        else if (k == "maxDelayTarget")
            out.maxDelayTarget = std::min<std::int64_t>(n, 1000000) * kSecond;
        else if (k == "numRetries")
            out.numRetries = n;
        else if (k == "numNoDelayRetries")
            out.numNoDelayRetries = n;
        else if (k == "numMinDelayRetries")
            out.numMinDelayRetries = n;
        else
            out.numMaxDelayRetries = n;
    }
    if (out.numRetries > SnsLimit::MaxHttpRetries) {
        problems.push_back({at + ".numRetries", "numRetries " + std::to_string(out.numRetries) +
                                                    " is more than SNS's maximum of 100"});
        return;
    }
    if (out.minDelayTarget < kSecond) {
        problems.push_back({at + ".minDelayTarget", "minDelayTarget must be at least 1 second"});
        return;
    }
    if (out.maxDelayTarget > SnsLimit::MaxHttpRetryTime) {
        problems.push_back({at + ".maxDelayTarget", "maxDelayTarget must be at most 3,600 seconds"});
        return;
    }
    if (out.minDelayTarget > out.maxDelayTarget) {
        problems.push_back({at + ".minDelayTarget", "minDelayTarget " + formatDuration(out.minDelayTarget) +
                                                        " is more than maxDelayTarget " +
                                                        formatDuration(out.maxDelayTarget)});
        return;
    }
    if (out.numNoDelayRetries + out.numMinDelayRetries + out.numMaxDelayRetries > out.numRetries) {
        problems.push_back(
            {at, "numNoDelayRetries + numMinDelayRetries + numMaxDelayRetries (" +
                     std::to_string(out.numNoDelayRetries + out.numMinDelayRetries + out.numMaxDelayRetries) +
                     ") is more than numRetries (" + std::to_string(out.numRetries) + ")"});
        return;
    }
    if (out.totalRetryTime() > SnsLimit::MaxHttpRetryTime)
        problems.push_back({at, "the policy's total retry time " + formatDuration(out.totalRetryTime()) +
                                    " is more than SNS's hard limit of 3,600 seconds"});
}

} // namespace

SnsSubscriptionAttributes parseSnsSubscription(const Json &arguments, bool https,
                                               std::vector<SnsAttributeProblem> &problems)
{
    SnsSubscriptionAttributes out;
    out.delivery = https ? SnsDeliveryPolicy::httpDefault() : SnsDeliveryPolicy::awsManaged();
    if (!arguments.is_object()) {
        problems.push_back({"", "subscription attributes are an object, got " + typeOf(arguments)});
        return out;
    }
    static const std::vector<std::string> names = {"FilterPolicy", "FilterPolicyScope", "RawMessageDelivery",
                                                   "DeliveryPolicy", "RedrivePolicy"};
    for (auto it = arguments.begin(); it != arguments.end(); ++it)
        if (std::find(names.begin(), names.end(), it.key()) == names.end()) {
            const std::string hint = closestMatch(it.key(), names);
            problems.push_back(
                {"." + it.key(), "unknown subscription attribute '" + it.key() + "'" +
                                     (hint.empty() ? "; SNS's are FilterPolicy, FilterPolicyScope, "
                                                     "RawMessageDelivery, DeliveryPolicy, RedrivePolicy"
                                                   : " (did you mean '" + hint + "'?)")});
        }
    if (arguments.contains("FilterPolicyScope")) {
        const Json &s = arguments["FilterPolicyScope"];
        if (s == "MessageBody")
            out.scope = SnsFilterPolicy::Scope::MessageBody;
        else if (s != "MessageAttributes")
            problems.push_back(
                {".FilterPolicyScope",
                 "FilterPolicyScope is \"MessageAttributes\" or \"MessageBody\", got " + s.dump()});
    }
    if (arguments.contains("FilterPolicy")) {
        Json policy;
        std::string why;
        if (!objectOrText(arguments["FilterPolicy"], policy, why)) {
            problems.push_back({".FilterPolicy", why});
        } else {
            SnsFilterPolicy::Error error;
            auto p = SnsFilterPolicy::parse(policy, out.scope, error);
            if (!p)
                problems.push_back({".FilterPolicy" + error.path.substr(1), error.message});
            else
                out.filter = std::move(p);
        }
    }
    if (arguments.contains("RawMessageDelivery")) {
        const Json &r = arguments["RawMessageDelivery"];
        if (r.is_boolean())
            out.raw = r.get<bool>();
        else if (r == "true" || r == "false")
            out.raw = r == "true";
        else
            problems.push_back(
                {".RawMessageDelivery", "RawMessageDelivery is true or false, got " + r.dump()});
    }
    if (arguments.contains("DeliveryPolicy")) {
        Json policy;
        std::string why;
        if (!https)
            problems.push_back({".DeliveryPolicy",
                                "only HTTP/S subscriptions take a DeliveryPolicy: SNS retries "
                                "deliveries to SQS with its fixed policy for AWS managed "
                                "endpoints"});
        else if (!objectOrText(arguments["DeliveryPolicy"], policy, why))
            problems.push_back({".DeliveryPolicy", why});
        else
            parseDeliveryPolicy(policy, out.delivery, problems);
    }
    if (arguments.contains("RedrivePolicy")) {
        Json policy;
        std::string why;
        if (!objectOrText(arguments["RedrivePolicy"], policy, why))
            problems.push_back({".RedrivePolicy", why});
        else if (!policy.contains("deadLetterTargetArn") || !policy["deadLetterTargetArn"].is_string() ||
                 policy["deadLetterTargetArn"].get<std::string>().empty())
            problems.push_back({".RedrivePolicy", "RedrivePolicy is {\"deadLetterTargetArn\": \"<id of the "
                                                  "dead-letter sqs-queue>\"}"});
        else {
            // An ARN's last part is the queue's name: "arn:aws:sqs:us-east-1:123456789012:dlq" names "dlq".
            std::string target = policy["deadLetterTargetArn"].get<std::string>();
            if (target.rfind("arn:", 0) == 0) target = target.substr(target.rfind(':') + 1);
            out.deadLetterTarget = target;
        }
    }
    return out;
}

std::vector<SnsBindingProblem> snsBindingProblems(const Topology &t, std::size_t i)
{
    std::vector<SnsBindingProblem> out;
    const auto &b = t.bindings[i];
    const std::string path = "$.bindings[" + std::to_string(i) + "]";
    auto quoted = [](const std::string &s) { return "\"" + s + "\""; };
    const std::string which = "subscription " + quoted(b.exchange) + " -> " + quoted(b.destination);
    if (!t.nodeIndex(b.destination)) {
        out.push_back({path + ".destination", "no node with id " + quoted(b.destination)});
        return out;
    }
    const LinkDef *link = nullptr;
    for (const auto &l : t.links)
        if (l.from == b.exchange && l.to == b.destination && (l.fromPort == "sqs" || l.fromPort == "https"))
            link = &l;
    if (!link) {
        out.push_back({path, "SNS topic " + quoted(b.exchange) +
                                 " has no link from its \"sqs\" or \"https\" port to " +
                                 quoted(b.destination) + "; draw the link (the subscription) first"});
        return out;
    }
    for (std::size_t j = 0; j < i; ++j)
        if (t.bindings[j].exchange == b.exchange && t.bindings[j].destination == b.destination)
            out.push_back({path, which + ": a second binding for the same subscription (bindings[" +
                                     std::to_string(j) + "] already sets its attributes)"});
    if (!b.key.empty())
        out.push_back({path + ".key", which + ": SNS subscriptions have no binding key (a filter policy "
                                              "selects messages); leave it empty"});
    std::vector<SnsAttributeProblem> problems;
    const auto attrs = parseSnsSubscription(b.arguments, link->fromPort == "https", problems);
    for (const auto &p : problems)
        out.push_back({path + ".arguments" + p.path, which + ": " + p.message});
    if (!attrs.deadLetterTarget.empty()) {
        const std::string at = path + ".arguments.RedrivePolicy.deadLetterTargetArn";
        const LinkDef *dl = nullptr;
        for (const auto &l : t.links)
            if (l.from == b.exchange && l.fromPort == "deadLetter" && l.to == attrs.deadLetterTarget) dl = &l;
        if (!dl) {
            out.push_back({at, which + ": the dead-letter queue " + quoted(attrs.deadLetterTarget) +
                                   " is not linked from the topic's \"deadLetter\" port"});
        } else {
            // SNS: FIFO topic subscriptions use FIFO dead-letter queues, standard ones standard queues.
            const auto &topic = t.nodes[*t.nodeIndex(b.exchange)];
            const auto &queue = t.nodes[*t.nodeIndex(dl->to)];
            const bool fifo = topic.properties.value("fifo", false) == true;
            const bool queueFifo = queue.properties.value("fifo", false) == true;
            if (queue.kind == "sqs-queue" && fifo != queueFifo)
                out.push_back({at, which + ": " +
                                       (fifo ? "a FIFO topic's subscriptions need a FIFO dead-letter queue"
                                             : "a standard topic's subscriptions need a standard dead-letter "
                                               "queue")});
        }
    }
    return out;
}

Json snsAttributesJson(const std::vector<SnsAttribute> &attributes)
{
    Json out = Json::object();
    for (const auto &a : attributes) {
        if (a.type == "Number") {
            char *end = nullptr;
            const double v = std::strtod(a.value.c_str(), &end);
            out[a.name] = end && *end == 0 && !a.value.empty() ? Json(v) : Json(a.value);
        } else if (a.type == "String.Array") {
            JsonError e;
            auto parsed = parseJson(a.value, e);
            out[a.name] = parsed && parsed->is_array() ? *parsed : Json(a.value);
        } else {
            out[a.name] = a.value;
        }
    }
    return out;
}

Json snsBodyJson(const std::vector<Field> &fields)
{
    Json out = Json::object();
    for (const auto &f : fields)
        out[f.name] = f.numeric ? Json(f.number) : Json(f.text);
    return out;
}

} // namespace sb
