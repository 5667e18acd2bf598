// The group coordinator's first cut: committed offsets only. Group membership (JoinGroup,
// SyncGroup, Heartbeat, LeaveGroup) is answered COORDINATOR_NOT_AVAILABLE until the membership
// protocol lands in this file.
#include "groupcoordinator.h"

#include "../../callstatus.h"

#include <map>

namespace sb::kafka {

struct GroupCoordinator::Impl {
    std::uint32_t partitions = 0;
    std::map<std::string, std::vector<std::int64_t>> committed;
};

GroupCoordinator::GroupCoordinator(std::uint32_t partitions) : m_impl(std::make_unique<Impl>())
{
    m_impl->partitions = partitions;
}
GroupCoordinator::~GroupCoordinator() = default;

bool GroupCoordinator::handles(const Frame &frame)
{
    if (frame.response) return false;
    switch (frame.type) {
    case FrameType::JoinGroup:
    case FrameType::SyncGroup:
    case FrameType::Heartbeat:
    case FrameType::LeaveGroup:
    case FrameType::OffsetCommit:
    case FrameType::OffsetFetch:
    case FrameType::TxnOffsetCommit:
        return true;
    default:
        return false;
    }
}

void GroupCoordinator::onFrame(NodeContext &ctx, LinkIndex from, const Frame &frame)
{
    Frame reply;
    reply.type = frame.type;
    reply.response = true;
    reply.tag = frame.tag;
    reply.status = KafkaError::None;
    if (const auto *c = frame.as<OffsetCommitRequest>()) {
        auto &offsets = m_impl->committed[c->groupId];
        offsets.resize(m_impl->partitions, kNoOffset);
        auto body = std::make_shared<OffsetCommitResponse>();
        for (const auto &[p, o] : c->offsets) {
            if (p >= m_impl->partitions) {
                body->errors.emplace_back(p, KafkaError::UnknownTopicOrPartition);
                continue;
            }
            offsets[p] = o;
            body->errors.emplace_back(p, KafkaError::None);
        }
        reply.body = std::move(body);
    } else if (const auto *f = frame.as<OffsetFetchRequest>()) {
        auto body = std::make_shared<OffsetFetchResponse>();
        auto it = m_impl->committed.find(f->groupId);
        for (std::uint32_t p : f->partitions)
            body->offsets.emplace_back(
                p, it != m_impl->committed.end() && p < it->second.size() ? it->second[p] : kNoOffset);
        reply.body = std::move(body);
    } else {
        reply.status = KafkaError::CoordinatorNotAvailable;
    }
    ctx.send(from, std::move(reply));
}

void GroupCoordinator::onTimer(NodeContext &, std::uint64_t) {}

void GroupCoordinator::endTransaction(NodeContext &, std::int64_t, bool) {}

void GroupCoordinator::onCrash() {}

void GroupCoordinator::onDiskLost()
{
    m_impl->committed.clear();
}

std::vector<std::pair<std::string, std::vector<std::int64_t>>> GroupCoordinator::committedOffsets() const
{
    return {m_impl->committed.begin(), m_impl->committed.end()};
}

bool GroupCoordinator::hasPendingWork() const
{
    return false;
}

} // namespace sb::kafka
