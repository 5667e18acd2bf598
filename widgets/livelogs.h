#pragma once
// What the window shows of a run's logs (Kafka topics) and consumer groups: per topic partition
// its offsets, leader and in-sync replicas, each group's committed offset; per group its members
// and their partitions. A LogMetrics of its own, fed on the GUI thread from the trace batches the
// window receives (the engine's LogMetrics belongs to the engine thread), read by a topic's lanes
// on the canvas, the tooltips and the Properties panel. Figures are as exact as the batches: a
// trace ring that overflowed leaves them behind (the run summary's figures are exact).
#include "logmetrics.h"
#include "topology.h"

#include <QHash>
#include <QString>
#include <QStringList>

#include <memory>
#include <vector>

namespace sb {

class LiveLogs {
public:
    // A topic draws at most this many lanes; the rest are summed up in a "+N more" line.
    static constexpr int kMaxLanes = 8;

    struct Lane {
        std::uint32_t partition = 0;
        PartitionFigures figures;
        bool leaderKnown = false; // a leader election was traced (the first happens at the start)
        SimTime underReplicatedTime = 0;
        // Per group reading the topic (groupNames(topic) order): the committed offset, -1 none.
        std::vector<std::int64_t> committed;
        bool offline() const { return leaderKnown && figures.leader < 0; }
        bool underReplicated() const { return figures.isr > 0 && figures.isr < figures.replicas; }
    };
    struct Member {
        QString id;
        QString label; // the node's name, else its id
        std::vector<std::uint32_t> partitions;
        std::int64_t lag = 0; // over its partitions
    };
    struct Group {
        QString name;
        QString topic; // the topic's id (empty until the group says)
        std::uint32_t generation = 0;
        std::uint64_t rebalances = 0;
        std::vector<Member> members;           // in node order
        std::vector<std::uint32_t> unassigned; // partitions of the topic nobody owns now
        std::int64_t lag = 0;
    };

    // A run of `topology` starts. `groupNames` are the run's consumer groups by TraceEvent::group
    // (Simulation::groupNames()); a group named only while running is named after its members'
    // groupId.
    void begin(const Topology &topology, const QStringList &groupNames);
    void clear();
    bool isActive() const { return m_metrics != nullptr; }

    // A trace batch. Returns the ids of the topics and consumers whose figures changed.
    QStringList addEvents(const std::vector<TraceEvent> &events);
    SimTime now() const { return m_now; }

    bool isTopic(const QString &id) const;
    // The partitions of topic `id` (empty for any other node).
    std::vector<Lane> lanes(const QString &topicId) const;
    // The groups reading topic `id`, in the order its lanes' marks use: the groupId of each
    // consumer linked to it in node order, then any other group the run tied to it.
    QStringList groupNames(const QString &topicId) const;
    std::vector<Group> groups(const QString &topicId) const;
    // The group consumer `id` is (or was) a member of; false when none.
    bool groupOfMember(const QString &consumerId, Group *group) const;

    // "group billing, generation 3: billing-1 [P0 P1], billing-3 [P2] (lag 12)".
    static QString assignmentText(const Group &group);
    // "P0 P1 P2" (at most `max`, then "+N").
    static QString partitionsText(const std::vector<std::uint32_t> &partitions, int max = 12);
    // A lane's figures as drawn: "0–512" or "512" (the log start only once retention moved it);
    // "L1 ISR 3/3", "L1" (ISR not yet known), "offline".
    static QString offsetsText(const Lane &lane);
    static QString leaderText(const Lane &lane);
    // The tooltip's and Properties' lines: per partition for a topic, the group for a consumer.
    QStringList topicLines(const QString &topicId) const;
    QStringList memberLines(const QString &consumerId) const;

private:
    QString groupName(std::uint32_t index) const;
    Group group(std::uint32_t index, const GroupFigures &figures) const;
    std::int64_t indexOf(const QString &id) const { return m_index.value(id, -1); }

    std::unique_ptr<LogMetrics> m_metrics;
    QHash<QString, int> m_index;      // node id -> index
    QStringList m_ids, m_labels;      // by node index
    QStringList m_groupIds;           // by node index: a consumer's effective groupId, else empty
    std::vector<NodeIndex> m_topicOf; // by node index: the topic a consumer is linked to
    QStringList m_runGroupNames;
    std::vector<std::vector<bool>> m_leaderKnown; // by node index, then partition (topics only)
    SimTime m_now = 0;
};

} // namespace sb
