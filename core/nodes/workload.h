#pragma once
// What a producing node generates and when: a rate with an arrival process (constant, Poisson,
// bursts) or a script of timed entries; how many and for how long; each message's key (none, a
// list, uniform or Zipf over a key space) and size. The AMQP producer, the Kafka producer and the
// SQS producer share it: their schemas include its properties, their timers carry its tags.
#include "../node.h"
#include "../random.h"
#include "../schema.h"

#include <functional>
#include <string>
#include <vector>

namespace sb {

// A producer's name template ("orders.{key}", "sensors/{seq}/temp"): {seq} is the message's
// sequence number at its producer, {key} its key, {node} the producer's id, {id} the message id;
// any other {...} stays as written. The AMQP, SQS, MQTT, Redis and NATS producers share it.
std::string expandTemplate(const std::string &tmpl, std::uint64_t seq, const std::string &key,
                           const std::string &node, std::uint64_t id);

class Workload {
public:
    // One message due now. `entry` is the script entry it comes from (for a kind's own fields,
    // such as a routing key), or null for a message of the rate schedule.
    struct Item {
        std::string key;
        std::uint32_t size = 0;
        const Json *entry = nullptr;
    };

    // The properties, in the order the property editor shows them: rate, arrival, burstSize,
    // count, duration, startAt, size, keys, keyList, keyCount, zipfExponent, script. A kind adds
    // its own script fields (`extraFields`, checked by `checkExtra` for one entry) to the common
    // ones (at, key, size, headers); `scriptExample` shows an entry in the help.
    using EntryCheck = std::function<std::string(const Json &entry)>;
    static std::vector<PropertySpec> propertySpecs(std::vector<std::string> extraFields,
                                                   EntryCheck checkExtra, const std::string &scriptExample,
                                                   double defaultSize = 256);

    // Timer tags it starts are `tagBase + 2 * n (+ 1)`; a node gives it a base that leaves
    // room below (tags from 2^40 up are the workload's by default).
    explicit Workload(const PropertyBag &p, std::uint64_t tagBase = std::uint64_t{1} << 40);

    bool owns(std::uint64_t tag) const { return tag >= m_tagBase; }
    // Starts the schedule (at start, or again after a restart: the script is not replayed then).
    void start(NodeContext &ctx);
    void restart(NodeContext &ctx);
    // Stops it (a crash): timers already started are ignored until restart().
    void stop() { m_stopped = true; }
    // One of its timers fired: hands each message due now to `emit` (which publishes it, so that
    // the run's message budget, ctx.mayPublish(), counts it before the next) and schedules the next.
    void onTimer(NodeContext &ctx, std::uint64_t tag, const std::function<void(const Item &)> &emit);
    // The messages generated so far (a producer numbers its messages with it).
    std::uint64_t generated() const { return m_generated; }
    // Script entries' headers, and the "headers" property's templates.
    static std::vector<Header> entryHeaders(const Json &entry);

private:
    enum class Arrival { Constant, Poisson, Bursts };
    enum class Keys { None, List, Uniform, Zipf };
    bool finished(NodeContext &ctx) const;
    std::string nextKey(NodeContext &ctx);
    void scheduleNext(NodeContext &ctx);

    std::uint64_t m_tagBase;
    double m_rate = 0;
    Arrival m_arrival = Arrival::Constant;
    std::uint32_t m_burstSize = 1;
    std::uint64_t m_count = 0;
    SimTime m_duration = 0;
    SimTime m_startAt = 0;
    std::uint32_t m_size = 0;
    Keys m_keys = Keys::None;
    std::vector<std::string> m_keyList;
    std::uint32_t m_keyCount = 1;
    ZipfSampler m_zipf;
    std::size_t m_keyCursor = 0;
    Json m_script;
    std::vector<SimTime> m_scriptAt;

    SimTime m_started = 0;
    std::uint64_t m_generated = 0;
    bool m_stopped = false;
};

} // namespace sb
