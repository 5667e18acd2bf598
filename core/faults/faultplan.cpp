#include "faultplan.h"

#include "../nodes/common.h"
#include "faultvalidation.h"

#include <cmath>

namespace sb {

SimTime FaultDef::startOf(std::uint64_t k) const
{
    if (k == 0) return start;
    if (!every) return kNever;
    return addTime(start, multiplyTime(*every, static_cast<std::int64_t>(k)));
}

SimTime FaultDef::endOf(std::uint64_t k) const
{
    if (!duration) return kNever;
    const SimTime s = startOf(k);
    return s == kNever ? kNever : addTime(s, *duration);
}

namespace {

PropertySpec directionParam()
{
    return property("direction", "Direction", PropertyType::Enum, "both",
                    "Which way the fault acts: both, forward (from the link's 'from' node to its 'to' node) "
                    "or backward.",
                    {}, {}, {}, {"both", "forward", "backward"});
}

FaultKindSpec linkFault(std::string kind, std::string label, std::string category, std::string help,
                        std::vector<PropertySpec> params)
{
    params.push_back(directionParam());
    return {std::move(kind),   std::move(label), std::move(category),
            FaultTarget::Link, std::move(help),  std::move(params)};
}

std::vector<PropertySpec> matchParams()
{
    std::vector<PropertySpec> p;
    p.push_back(property("frameType", "Frame type", PropertyType::Enum, "any",
                         "Only frames of this type (any: every frame).", {}, {}, {},
                         {"any", "Publish", "Confirm", "PublishNack", "Subscribe", "Deliver", "Ack", "Nack",
                          "Pull", "Request", "Reply", "Cancel", "StreamData", "HalfClose", "WindowUpdate"}));
    p.push_back(property("routingKey", "Routing key", PropertyType::String, "",
                         "Only frames carrying a message whose routing key matches this AMQP topic pattern "
                         "('*' one word, '#' any number); empty: any.",
                         {}));
    p.push_back(property("header", "Header", PropertyType::String, "",
                         "Only frames carrying a message with this header: 'name' (present) or 'name=value'; "
                         "empty: any.",
                         {}));
    return p;
}

} // namespace

std::vector<FaultKindSpec> builtinFaultKinds()
{
    std::vector<FaultKindSpec> k;
    // Links
    k.push_back(
        linkFault("link-down", "Link down", "Link",
                  "The link carries nothing: frames sent are lost and frames on their way are lost on "
                  "arrival (reason partition). Both ends see the connection drop; at the end it comes back.",
                  {}));
    k.push_back(linkFault(
        "latency", "Extra latency", "Link",
        "Every frame sent while it lasts takes this much longer, drawn from the distribution, "
        "on top of the link's own latency.",
        {property("extra", "Extra latency", PropertyType::Distribution, "50ms",
                  "Added one-way delay: \"50ms\", uniform(10ms,90ms), normal(50ms,10ms), exp(50ms).",
                  "ms")}));
    k.push_back(linkFault("loss", "Loss", "Link",
                          "Each frame sent is lost with this probability (on top of the link's own loss).",
                          {property("probability", "Probability", PropertyType::Probability, 0.1,
                                    "Probability that a frame is lost.", {}, 0.0, 1.0)}));
    k.push_back(linkFault(
        "burst-loss", "Burst loss (Gilbert-Elliott)", "Link",
        "Losses come in bursts: a two-state channel (good, bad) moves between its states with the given "
        "probabilities at each frame and loses frames at the rate of its current state. The long-run loss "
        "rate is (r*lossGood + p*lossBad) / (p + r) with p = goodToBad and r = badToGood.",
        {property("goodToBad", "Good to bad (p)", PropertyType::Probability, 0.05,
                  "Probability of moving from the good state to the bad one, at each frame.", {}, 0.0, 1.0),
         property("badToGood", "Bad to good (r)", PropertyType::Probability, 0.3,
                  "Probability of moving from the bad state back to the good one, at each frame.", {}, 0.0,
                  1.0),
         property("lossGood", "Loss when good", PropertyType::Probability, 0.0,
                  "Probability that a frame is lost while the channel is good.", {}, 0.0, 1.0),
         property("lossBad", "Loss when bad", PropertyType::Probability, 0.8,
                  "Probability that a frame is lost while the channel is bad.", {}, 0.0, 1.0)}));
    k.push_back(linkFault("duplicate", "Duplication", "Link",
                          "Each frame sent arrives twice with this probability.",
                          {property("probability", "Probability", PropertyType::Probability, 0.1,
                                    "Probability that a frame arrives twice.", {}, 0.0, 1.0)}));
    k.push_back(
        linkFault("reorder", "Reordering", "Link",
                  "Each frame is held back by a random delay up to the window, and frames no longer keep "
                  "their order: later frames overtake earlier ones.",
                  {property("window", "Window", PropertyType::Duration, "20ms",
                            "Largest extra delay; frames sent within it of each other may swap.", "ms", 0.001,
                            9.0e12)}));
    k.push_back(linkFault(
        "bandwidth", "Bandwidth limit", "Link",
        "Frames leave one after another at this rate: a frame waits behind those before it (a queueing "
        "delay) and then takes its size / rate to send. A frame's size is its message's size plus 64 bytes "
        "of framing; frames without a message are 64 bytes.",
        {property("bytesPerSecond", "Bytes per second", PropertyType::Integer, 125000,
                  "The link's capacity in bytes per second (125000 = 1 Mbit/s).", "bytes/s", 1, 1.0e12)}));
    k.push_back(
        linkFault("corrupt", "Corruption", "Link",
                  "Each frame is corrupted with this probability; the receiver's checksum rejects it, so "
                  "it counts as a drop with reason corrupt.",
                  {property("probability", "Probability", PropertyType::Probability, 0.05,
                            "Probability that a frame is corrupted.", {}, 0.0, 1.0)}));
    // Message-aware link faults
    {
        auto p = matchParams();
        p.insert(p.begin(),
                 property("count", "Frames", PropertyType::Integer, 1,
                          "How many frames to drop, counted from the fault's start.", "frames", 1, 1.0e9));
        k.push_back(linkFault(
            "drop-first", "Drop the first N frames", "Messages",
            "Drops the first N frames (of the chosen type and pattern) sent after the fault starts; "
            "later frames pass.",
            std::move(p)));
    }
    {
        auto p = matchParams();
        p.insert(p.begin(),
                 property("nth", "Every Nth", PropertyType::Integer, 2,
                          "Drops frame N, 2N, 3N... (of the chosen type and pattern).", "frames", 1, 1.0e9));
        k.push_back(linkFault("drop-every", "Drop every Nth frame", "Messages",
                              "Drops every Nth frame (of the chosen type and pattern) sent while it lasts.",
                              std::move(p)));
    }
    {
        auto p = matchParams();
        p.insert(p.begin(), property("action", "Action", PropertyType::Enum, "drop",
                                     "What happens to a matching frame: dropped, or delayed by 'delay'.", {},
                                     {}, {}, {"drop", "delay"}));
        p.insert(p.begin() + 1,
                 property("delay", "Delay", PropertyType::Duration, "100ms",
                          "Extra delay of a matching frame when the action is delay.", "ms", 0.0, 9.0e12));
        k.push_back(linkFault("match", "Drop or delay matching frames", "Messages",
                              "Frames whose type, routing key and header match are dropped (reason fault) or "
                              "delayed; others pass untouched.",
                              std::move(p)));
    }
    // Nodes
    k.push_back(
        {"crash",
         "Crash and restart",
         "Node",
         FaultTarget::Node,
         "The node crashes at the start: its volatile state is lost, its timers stop and its peers see "
         "the connections drop; un-acked deliveries return to their queues. At the end it restarts. A "
         "durable queue keeps its persistent messages unless the disk is lost too.",
         {property("disk", "Disk", PropertyType::Enum, "kept",
                   "kept: what the node wrote to disk (a durable queue's persistent messages, a "
                   "consumer's processed ids) survives; lost: the disk is wiped with the crash.",
                   {}, {}, {}, {"kept", "lost"})}});
    k.push_back(
        {"crash-at",
         "Crash at a point",
         "Node",
         FaultTarget::Node,
         "While the fault lasts, the node crashes the moment it reaches its crash point `point` for the "
         "`occurrence`-th time (between a service's database commit and its publish, say), and restarts "
         "`downtime` later. The points are the node kind's own (signalbox-cli kinds lists them).",
         {property("point", "Crash point", PropertyType::String, "",
                   "The name of one of the target node's crash points."),
          property("occurrence", "Occurrence", PropertyType::Integer, 1,
                   "Which pass of the point crashes the node (1: the first after the fault starts).", "", 1,
                   1.0e9),
          property("downtime", "Downtime", PropertyType::Duration, "1s",
                   "How long the node stays down before it restarts.", "ms", 0.0, 9.0e12),
          property("disk", "Disk", PropertyType::Enum, "kept",
                   "kept: what the node wrote to disk survives the crash; lost: it is wiped.", {}, {}, {},
                   {"kept", "lost"})}});
    k.push_back(
        {"broker-crash",
         "Crash a broker",
         "Node",
         FaultTarget::Node,
         "One broker of a cluster node (a Kafka topic's brokers) crashes at the start: the replicas it "
         "holds stop, partitions it led elect a new leader, it drops out of every in-sync set. At the "
         "end it restarts, truncates to its leader and catches up.",
         {property("broker", "Broker", PropertyType::Integer, 1,
                   "The broker's id (1 to the node's 'brokers').", "", 1, 1000)}});
    k.push_back(
        {"pause",
         "Pause (stop the world)",
         "Node",
         FaultTarget::Node,
         "The node freezes like a process in a long GC pause or under SIGSTOP: frames reaching it and "
         "its timers wait, in order; its connections stay up. At the end the held work runs.",
         {}});
    k.push_back({"slow",
                 "Slow down",
                 "Node",
                 FaultTarget::Node,
                 "The node works more slowly: every delay it starts (processing, polling, timeouts) takes "
                 "`factor` times as long while the fault lasts.",
                 {property("factor", "Factor", PropertyType::Number, 10.0,
                           "How many times longer the node's delays take.", "x", 1.0, 1.0e6)}});
    // Nemeses
    const char *nodesHelp = " The group is the fault's \"nodes\" (none: every node); links between nodes of "
                            "different sides go down both ways. The sides are drawn from the run's seed.";
    k.push_back(
        {"partition-halves",
         "Partition into random halves",
         "Nemesis",
         FaultTarget::Group,
         std::string("Cuts the group into two random halves (Jepsen's partition-random-halves).") + nodesHelp,
         {}});
    k.push_back(
        {"isolate-node",
         "Isolate a random node",
         "Nemesis",
         FaultTarget::Group,
         std::string("Cuts one random node of the group off from the others (partition-random-node).") +
             nodesHelp,
         {}});
    k.push_back({"majority-minority",
                 "Majority/minority split",
                 "Nemesis",
                 FaultTarget::Group,
                 std::string("Splits the group into a random majority and the minority left over, the "
                             "minority as small as `minority` allows.") +
                     nodesHelp,
                 {property("minority", "Minority size", PropertyType::Integer, 1,
                           "Nodes on the minority side (at most fewer than half of the group).", "nodes", 1,
                           1.0e6)}});
    k.push_back(
        {"bridge",
         "Bridge",
         "Nemesis",
         FaultTarget::Group,
         std::string("Cuts the group into two halves except for one node that stays connected to both "
                     "(Jepsen's bridge).") +
             nodesHelp,
         {}});
    k.push_back(
        {"ring",
         "Ring of partial partitions",
         "Nemesis",
         FaultTarget::Group,
         std::string("Arranges the group in a random ring; each node keeps links only to its nearest "
                     "neighbours, so every node sees a majority but no two see the same one (Jepsen's "
                     "majorities-ring).") +
             nodesHelp,
         {}});
    return k;
}

std::vector<PropertySpec> clockPropertySpecs()
{
    std::vector<PropertySpec> p;
    p.push_back(
        property("offset", "Offset", PropertyType::Number, 0.0,
                 "How far the node's clock is ahead of true time at the start, in ms (negative: behind).",
                 "ms", -3.6e6, 3.6e6));
    p.push_back(
        property("drift", "Drift", PropertyType::Number, 0.0,
                 "How fast the clock runs wrong, in parts per million (100 = 0.1 ms gained per second; "
                 "negative: loses time).",
                 "ppm", -1.0e5, 1.0e5));
    PropertySpec jumps =
        property("jumps", "Jumps", PropertyType::Script, Json::array(),
                 "Steps of the clock at given true times, as NTP makes: [{\"at\": \"2s\", \"by\": "
                 "-30}] sets the clock back by 30 ms at 2 s. 'by' is in ms.");
    jumps.check = [](const Json &v) -> std::string {
        for (std::size_t i = 0; i < v.size(); ++i) {
            const Json &j = v[i];
            const std::string where = "jump " + std::to_string(i) + ": ";
            if (!j.is_object()) return where + "expected an object {\"at\": \"2s\", \"by\": -30}";
            for (auto it = j.begin(); it != j.end(); ++it)
                if (it.key() != "at" && it.key() != "by") return where + "unknown field '" + it.key() + "'";
            if (!j.contains("at") || !j.contains("by")) return where + "needs both 'at' and 'by'";
            if (!durationFromJson(j["at"]))
                return where + "'at' must be a duration such as \"2s\", got " + j["at"].dump();
            const Json &by = j["by"];
            if (!by.is_number() || !std::isfinite(by.get<double>()) || std::abs(by.get<double>()) > 3.6e6)
                return where + "'by' must be a number of ms between -3600000 and 3600000, got " + by.dump();
        }
        return {};
    };
    p.push_back(std::move(jumps));
    return p;
}

std::string describeFault(const FaultDef &f)
{
    std::string s = f.kind;
    if (!f.target.empty()) s += " " + f.target;
    if (!f.nodes.empty()) {
        s += " [";
        for (std::size_t i = 0; i < f.nodes.size(); ++i)
            s += (i ? "," : "") + f.nodes[i];
        s += "]";
    }
    s += " at " + formatDuration(f.start);
    if (f.duration) s += " for " + formatDuration(*f.duration);
    if (f.every) s += " every " + formatDuration(*f.every);
    if (!f.params.empty()) {
        std::string p;
        for (auto it = f.params.begin(); it != f.params.end(); ++it)
            p += (p.empty() ? "" : ", ") + it.key() + " " +
                 (it.value().is_string() ? it.value().get<std::string>() : it.value().dump());
        s += " (" + p + ")";
    }
    return s;
}

Json faultToJson(const FaultDef &f)
{
    Json j;
    j["id"] = f.id;
    j["kind"] = f.kind;
    if (!f.target.empty()) j["target"] = f.target;
    if (!f.nodes.empty()) j["nodes"] = f.nodes;
    j["start"] = formatDurationExact(f.start);
    if (f.duration) j["duration"] = formatDurationExact(*f.duration);
    if (f.every) j["every"] = formatDurationExact(*f.every);
    if (!f.params.empty()) j["params"] = f.params;
    return j;
}

} // namespace sb
