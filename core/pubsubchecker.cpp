#include "pubsubchecker.h"

#include <algorithm>
#include <tuple>

namespace sb {

namespace {

std::string messageSubject(std::uint64_t id)
{
    return "message " + std::to_string(id);
}

std::uint8_t qosOf(const TraceEvent &e)
{
    return static_cast<std::uint8_t>(std::min<std::uint32_t>(e.epoch, 2));
}

// A broker's delivery frame that nothing resends once a link has lost it: an MQTT QoS 0 PUBLISH,
// a Redis push, a NATS MSG. (A QoS 1 or 2 PUBLISH is retransmitted until acknowledged.)
bool finalWhenLost(const TraceEvent &e)
{
    switch (e.frame) {
    case FrameType::MqttPublish:
        return e.epoch == 0;
    case FrameType::RedisMessage:
    case FrameType::RedisPMessage:
    case FrameType::NatsMsg:
        return true;
    default:
        return false;
    }
}

} // namespace

PubSubChecker::PubSubChecker(std::vector<std::string> nodeLabels) : m_labels(std::move(nodeLabels)) {}

const std::vector<std::pair<std::string, std::string>> &PubSubChecker::help()
{
    static const std::vector<std::pair<std::string, std::string>> h = {
        {kLost, "copies a pub-sub broker handed a subscriber that it never processed (lost on the way, "
                "in a crash, or still in flight at the end)"},
        {kDuplicates, "extra processings of a pub-sub copy by its subscriber (QoS 1 retransmissions)"},
        {kCutOff, "pub-sub copies a broker dropped by its own rules (slow consumer, expired session, "
                  "offline client)"},
    };
    return h;
}

std::string PubSubChecker::label(NodeIndex n) const
{
    if (n < m_labels.size()) return m_labels[n];
    return n == kNoIndex ? std::string("?") : "node " + std::to_string(n);
}

void PubSubChecker::addExample(std::vector<Finding> &to, Finding f)
{
    if (to.size() < kKeptExamples) to.push_back(std::move(f));
}

void PubSubChecker::onEvent(const TraceEvent &e)
{
    if (!e.messageId) return;
    switch (e.kind) {
    case TraceKind::Match:
        onMatch(e);
        break;
    case TraceKind::Process:
        onProcess(e);
        break;
    case TraceKind::Drop:
        onDrop(e);
        break;
    case TraceKind::Enqueue:
        onEnqueue(e);
        break;
    default:
        break;
    }
}

void PubSubChecker::onMatch(const TraceEvent &e)
{
    Copies &copies = m_open[e.messageId];
    auto it =
        std::find_if(copies.begin(), copies.end(), [&](const Copy &c) { return c.subscriber == e.peer; });
    if (it == copies.end()) {
        copies.push_back({});
        it = std::prev(copies.end());
        it->subscriber = e.peer;
        it->broker = e.node;
        it->qos = qosOf(e);
        it->matchedAt = e.time;
    }
    ++it->matched;
    ++m_copies;
    ++m_qos[qosOf(e)].copies;
}

void PubSubChecker::onProcess(const TraceEvent &e)
{
    auto open = m_open.find(e.messageId);
    Copy *c = nullptr;
    if (open != m_open.end())
        for (auto &copy : open->second)
            if (copy.subscriber == e.node) c = &copy;
    if (!c) {
        // A processing of a copy already settled (a late retransmission), or of no pub-sub copy.
        if (!m_finished.contains(e.messageId)) return;
        // Beyond the recent ones, a retransmission is a QoS 1 copy's (what makes most duplicates).
        const auto recent = m_recentQos.find(e.messageId);
        const std::uint8_t qos = recent != m_recentQos.end() ? recent->second : 1;
        ++m_duplicates;
        ++m_qos[qos].duplicates;
        addExample(m_duplicateExamples,
                   {kDuplicates,
                    messageSubject(e.messageId) + " (QoS " + std::to_string(qos) + ") processed again by " +
                        label(e.node) + " after its copy was settled (a retransmission)",
                    messageSubject(e.messageId), e.messageId, 0, e.node, e.time});
        return;
    }
    if (c->processed + c->dropped < c->matched) {
        ++c->processed;
        ++m_qos[c->qos].processed;
    } else {
        ++m_duplicates;
        ++m_qos[c->qos].duplicates;
        addExample(m_duplicateExamples,
                   {kDuplicates,
                    messageSubject(e.messageId) + " (QoS " + std::to_string(c->qos) + ") from " +
                        label(c->broker) + " processed " + std::to_string(c->processed + 1) + " times by " +
                        label(e.node) + ", handed " + std::to_string(c->matched) +
                        (c->matched == 1 ? " copy" : " copies"),
                    messageSubject(e.messageId), e.messageId, 0, e.node, e.time});
        ++c->processed;
    }
    closeIfDone(open);
}

void PubSubChecker::onEnqueue(const TraceEvent &e)
{
    // A queue subscribed to a topic (an SQS queue subscribed to an SNS topic) has its copy once it
    // stored it: from there the queue and its consumers answer for it. An enqueue of no open copy
    // (a dead-letter queue's) is not the pub-sub checker's.
    auto open = m_open.find(e.messageId);
    if (open == m_open.end()) return;
    for (auto &c : open->second)
        if (c.subscriber == e.node && !c.complete()) {
            ++c.processed;
            ++m_qos[c.qos].processed;
            closeIfDone(open);
            return;
        }
}

void PubSubChecker::onDrop(const TraceEvent &e)
{
    auto open = m_open.find(e.messageId);
    if (open == m_open.end()) return;
    // Drops by the broker that handed the copy (on a link towards the subscriber, or by its rules),
    // or by the subscriber's client library before its application saw it (a NATS slow consumer).
    Copy *c = nullptr;
    bool bySubscriber = false;
    for (auto &copy : open->second) {
        if (copy.complete()) continue;
        if (copy.subscriber == e.peer && copy.broker == e.node) c = &copy;
        if (e.link == kNoIndex && copy.subscriber == e.node && copy.broker == e.peer) {
            c = &copy;
            bySubscriber = true;
        }
    }
    if (!c) return;
    if (e.link != kNoIndex) {
        if (!finalWhenLost(e)) return; // it will be sent again
        ++c->dropped;
        ++m_lost;
        ++m_qos[c->qos].lost;
        addExample(m_lostExamples,
                   {kLost,
                    messageSubject(e.messageId) + " (QoS " + std::to_string(c->qos) + ") from " +
                        label(e.node) + " to " + label(e.peer) + " was lost on the link (" +
                        dropReasonName(e.reason) + ") and nothing resends it",
                    messageSubject(e.messageId), e.messageId, 0, e.peer, e.time});
    } else {
        ++c->dropped;
        ++m_cutOff;
        ++m_qos[c->qos].cutOff;
        const NodeIndex subscriber = bySubscriber ? e.node : e.peer;
        addExample(m_cutOffExamples,
                   {kCutOff,
                    messageSubject(e.messageId) + " for " + label(subscriber) + " dropped by " +
                        label(e.node) + " (" + dropReasonName(e.reason) + ")",
                    messageSubject(e.messageId), e.messageId, 0, e.node, e.time});
    }
    closeIfDone(open);
}

void PubSubChecker::closeIfDone(std::unordered_map<std::uint64_t, Copies>::iterator it)
{
    for (const auto &c : it->second)
        if (!c.complete()) return;
    std::uint8_t qos = 0;
    for (const auto &c : it->second)
        qos = std::max(qos, c.qos);
    m_finished.insert(it->first);
    m_recentQos[it->first] = qos;
    m_recentOrder.push_back(it->first);
    if (m_recentOrder.size() > kRecent) {
        m_recentQos.erase(m_recentOrder.front());
        m_recentOrder.pop_front();
    }
    m_open.erase(it);
}

std::array<PubSubChecker::QosCounts, 3> PubSubChecker::byQos() const
{
    auto out = m_qos;
    for (const auto &[id, copies] : m_open)
        for (const auto &c : copies)
            if (!c.complete()) out[c.qos].lost += c.matched - c.processed - c.dropped;
    return out;
}

std::vector<CheckResult> PubSubChecker::checks() const
{
    const auto &h = help();
    CheckResult lost{h[0].first, h[0].second, m_lost, m_lostExamples};
    // Copies still open at the end were never processed: in flight, or lost with what crashed.
    std::vector<std::pair<std::uint64_t, const Copy *>> unsettled;
    for (const auto &[id, copies] : m_open)
        for (const auto &c : copies)
            if (!c.complete()) {
                lost.count += c.matched - c.processed - c.dropped;
                unsettled.push_back({id, &c});
            }
    std::sort(unsettled.begin(), unsettled.end(), [](const auto &a, const auto &b) {
        return std::tie(a.second->matchedAt, a.first) < std::tie(b.second->matchedAt, b.first);
    });
    for (const auto &[id, c] : unsettled) {
        if (lost.examples.size() >= kKeptExamples) break;
        lost.examples.push_back({kLost,
                                 messageSubject(id) + " (QoS " + std::to_string(c->qos) + ") handed by " +
                                     label(c->broker) + " to " + label(c->subscriber) + " at " +
                                     formatDuration(c->matchedAt) + " was never processed",
                                 messageSubject(id), id, 0, c->subscriber, c->matchedAt});
    }
    std::stable_sort(lost.examples.begin(), lost.examples.end(),
                     [](const Finding &a, const Finding &b) { return a.time < b.time; });
    return {std::move(lost), CheckResult{h[1].first, h[1].second, m_duplicates, m_duplicateExamples},
            CheckResult{h[2].first, h[2].second, m_cutOff, m_cutOffExamples}};
}

} // namespace sb
