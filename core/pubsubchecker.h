#pragma once
// The publish-subscribe checker: pairs each copy a pub-sub broker hands a subscriber (a Match:
// MQTT, Redis Pub/Sub, NATS, Amazon SNS) with the subscriber's processing of it (Process, same
// message, at that subscriber; for a queue subscribed to a topic, an SNS topic's SQS queue, its
// Enqueue), and at the end of a run reports, per copy:
//   pubsub-lost: a copy its subscriber never processed: lost on the way (a QoS 0 PUBLISH, a Redis
//     message or a NATS MSG dropped by a lossy link or a partition: nothing resends them), lost in a
//     crash, or still on its way when the run ended (a run cut short counts those too: let it drain).
//   pubsub-duplicates: a subscriber processing a copy more often than it was handed one (an MQTT
//     QoS 1 retransmission with DUP after a lost PUBACK). A Redis client subscribed by channel and
//     by a matching pattern is handed two copies: two processings are not duplicates.
//   pubsub-cut-off: copies the broker (or the subscriber's client library) dropped by its rules: a slow
//   consumer
//     cut off (Redis client-output-buffer-limit, NATS slow consumer), an expired session, an
//     offline client the message was not kept for (MQTT QoS 0 to a persistent session).
// Figures per QoS (the Match's epoch) say what each QoS level gave: losses at 0, duplicates at 1,
// neither at 2. Memory: a message's state lives while one of its copies is open; then its id joins
// a compact set of finished ids (IdRanges), which tells a late duplicate from an unknown message.
#include "domaincheckers.h"
#include "idset.h"

#include <array>
#include <cstdint>
#include <deque>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace sb {

class PubSubChecker final : public DomainChecker {
public:
    static constexpr const char *kLost = "pubsub-lost";
    static constexpr const char *kDuplicates = "pubsub-duplicates";
    static constexpr const char *kCutOff = "pubsub-cut-off";
    static constexpr std::size_t kKeptExamples = 64;

    // What happened to the copies of one QoS level (index 0..2; Redis and NATS copies are QoS 0).
    struct QosCounts {
        std::uint64_t copies = 0;     // copies handed to subscribers (Match)
        std::uint64_t processed = 0;  // of those, processed at least once
        std::uint64_t duplicates = 0; // extra processings
        std::uint64_t lost = 0;       // never processed
        std::uint64_t cutOff = 0;     // dropped by the broker's rules
    };

    explicit PubSubChecker(std::vector<std::string> nodeLabels);
    static const std::vector<std::pair<std::string, std::string>> &help();

    void onEvent(const TraceEvent &e) override;
    bool any() const override { return m_copies > 0; }
    std::vector<CheckResult> checks() const override;
    // By QoS level, as of now (open copies count as lost).
    std::array<QosCounts, 3> byQos() const;
    // Messages with an open copy (bounded by what is in flight).
    std::size_t openMessages() const { return m_open.size(); }

private:
    struct Copy {
        NodeIndex subscriber = kNoIndex;
        NodeIndex broker = kNoIndex;
        std::uint8_t qos = 0;
        std::uint32_t matched = 0, processed = 0, dropped = 0;
        SimTime matchedAt = 0;
        bool complete() const { return processed + dropped >= matched; }
    };
    using Copies = std::vector<Copy>; // a message's copies, one entry per subscriber
    std::string label(NodeIndex n) const;
    void onMatch(const TraceEvent &e);
    void onProcess(const TraceEvent &e);
    void onDrop(const TraceEvent &e);
    void onEnqueue(const TraceEvent &e);
    void closeIfDone(std::unordered_map<std::uint64_t, Copies>::iterator it);
    void addExample(std::vector<Finding> &to, Finding f);

    std::vector<std::string> m_labels;
    std::unordered_map<std::uint64_t, Copies> m_open; // by message id
    IdRanges m_finished;                              // messages whose copies are all settled
    // The highest QoS of the copies of the most recently settled messages (kRecent of them), to say
    // what a late duplicate is of: retransmissions come within seconds, so these cover them.
    static constexpr std::size_t kRecent = 65536;
    std::unordered_map<std::uint64_t, std::uint8_t> m_recentQos;
    std::deque<std::uint64_t> m_recentOrder;
    std::uint64_t m_copies = 0;
    std::array<QosCounts, 3> m_qos{};
    std::uint64_t m_lost = 0, m_duplicates = 0, m_cutOff = 0;
    std::vector<Finding> m_lostExamples, m_duplicateExamples, m_cutOffExamples;
};

} // namespace sb
