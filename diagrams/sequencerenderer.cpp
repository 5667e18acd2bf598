#include "sequencerenderer.h"

#include "callstatus.h"
#include "nodecolors.h"
#include "sequence.h"
#include "sequenceprojection.h"

#include <QFontMetricsF>
#include <QPainter>
#include <QPainterPath>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <optional>
#include <unordered_map>
#include <unordered_set>

namespace sb {

namespace {

bool contains(const std::vector<std::size_t> &sorted, std::size_t i)
{
    return std::binary_search(sorted.begin(), sorted.end(), i);
}

// A readable step for ruler ticks: 1, 2 or 5 times a power of ten, in ns, at least `minimum`.
SimTime tickStep(double minimum)
{
    double step = 1;
    while (step < minimum) {
        for (double f : {2.0, 2.5, 2.0}) {
            step *= f;
            if (step >= minimum) break;
        }
    }
    return SimTime(step);
}

QString durationText(SimTime t)
{
    return QString::fromStdString(formatDuration(t));
}

// Where texts on the diagram body have been laid out, to keep new ones off them. Rectangles are
// kept in 32 px rows of the body so a check looks only at its neighbours.
class LabelPlacer {
public:
    LabelPlacer(double top, double height) : m_top(top), m_rows(std::size_t(std::max(1.0, height / kRow)) + 2)
    {
    }

    // Free: below the header and clear of every text taken.
    bool isFree(const QRectF &r) const
    {
        if (r.top() < m_top) return false;
        for (std::size_t row = first(r); row <= last(r); ++row)
            for (const QRectF &other : m_rows[row])
                if (other.intersects(r)) return false;
        return true;
    }
    void take(const QRectF &r)
    {
        for (std::size_t row = first(r); row <= last(r); ++row)
            m_rows[row].push_back(r);
    }
    // The first free place among `candidates`, else the first candidate moved down (then up) a
    // line at a time until it is free.
    QRectF placeNear(std::initializer_list<QRectF> candidates) const
    {
        for (const QRectF &c : candidates)
            if (isFree(c)) return c;
        const QRectF start = *candidates.begin();
        const double step = start.height() + 2;
        for (int k = 1; k < 400; ++k) {
            const QRectF down = start.translated(0, step * k);
            if (isFree(down)) return down;
            const QRectF up = start.translated(0, -step * k);
            if (up.top() >= m_top && isFree(up)) return up;
        }
        return start;
    }

private:
    static constexpr double kRow = 32;
    std::size_t row(double y) const
    {
        return std::size_t(std::clamp((y - m_top) / kRow + 1, 0.0, double(m_rows.size() - 1)));
    }
    std::size_t first(const QRectF &r) const { return row(r.top()); }
    std::size_t last(const QRectF &r) const { return row(r.bottom()); }

    double m_top;
    std::vector<std::vector<QRectF>> m_rows;
};

} // namespace

QString SequenceLayout::nodeId(NodeIndex node) const
{
    return node < NodeIndex(nodeIds.size()) ? nodeIds[int(node)] : QString::number(node);
}

QString SequenceLayout::nodeName(NodeIndex node) const
{
    if (node < NodeIndex(nodeNames.size()) && !nodeNames[int(node)].isEmpty()) return nodeNames[int(node)];
    return nodeId(node);
}

bool SequenceFilter::acceptsMessage(std::uint64_t id, std::uint64_t correlation) const
{
    if (messageId && id != messageId && correlation != messageId) return false;
    if (correlationId && correlation != correlationId && id != correlationId) return false;
    if (routingKeys && id && !routingKeys->passes(id, correlation)) return false;
    return true;
}

bool SequenceFilter::accepts(const TraceEvent &e) const
{
    if (hiddenKinds[static_cast<int>(e.kind)]) return false;
    if ((e.kind == TraceKind::Send || (e.kind == TraceKind::Drop && e.link != kNoIndex)) &&
        hiddenFrames[static_cast<int>(e.frame)])
        return false;
    if (hideAcks && isAckLike(e)) return false;
    if (e.time < from || e.time > to) {
        // An arrow crossing into the range still shows.
        if (!(e.kind == TraceKind::Send && e.time < from && e.aux >= from)) return false;
    }
    return acceptsMessage(e.messageId, e.correlationId);
}

QString SequenceLayout::rulerText(SimTime t) const
{
    switch (ordering) {
    case SequenceOrder::Lamport:
        return QStringLiteral("L %1").arg((t - axisShift) / kLogicalStep);
    case SequenceOrder::Vector:
        return QStringLiteral("#%1").arg((t - axisShift) / kLogicalStep);
    case SequenceOrder::Local:
        return QStringLiteral("local %1").arg(durationText(t - axisShift));
    case SequenceOrder::True:
        break;
    }
    return durationText(t - axisShift);
}

bool SequenceLayout::contradicts(const TraceEvent &e) const
{
    if (e.kind != TraceKind::Send) return false;
    if (e.flags & SequenceProjection::kContradicts) return true;
    return ordering == SequenceOrder::True && !clocks.empty() &&
           localReading(clocks, e.peer, e.aux) < localReading(clocks, e.node, e.time);
}

double SequenceLayout::lifelineX(NodeIndex node) const
{
    for (std::size_t i = 0; i < order.size(); ++i)
        if (order[i] == node) return rulerWidth + columnWidth * (double(i) + 0.5);
    return -1;
}

QColor SequenceRenderer::frameColor(FrameType frame, bool dark)
{
    switch (frame) {
    case FrameType::Publish:
        return dark ? QColor(0x6a, 0xa8, 0xf0) : QColor(0x1f, 0x5f, 0xbf);
    case FrameType::Deliver:
        return dark ? QColor(0x5f, 0xc9, 0x8a) : QColor(0x1e, 0x8a, 0x4c);
    case FrameType::Ack:
    case FrameType::Confirm:
        return dark ? QColor(0x8e, 0x94, 0x9c) : QColor(0x8a, 0x90, 0x99);
    case FrameType::Nack:
    case FrameType::PublishNack:
        return dark ? QColor(0xf0, 0x7a, 0x6e) : QColor(0xc6, 0x3b, 0x2f);
    case FrameType::Pull:
    case FrameType::Subscribe:
        return dark ? QColor(0x4f, 0xc1, 0xc9) : QColor(0x16, 0x8a, 0x93);
    case FrameType::Request:
        return dark ? QColor(0x8f, 0x9b, 0xf5) : QColor(0x3b, 0x4c, 0xc0);
    case FrameType::Reply:
        return dark ? QColor(0x5f, 0xc9, 0x8a) : QColor(0x1e, 0x8a, 0x4c);
    case FrameType::Cancel:
        return dark ? QColor(0xf0, 0x7a, 0x6e) : QColor(0xc6, 0x3b, 0x2f);
    case FrameType::StreamData:
        return dark ? QColor(0xc3, 0x8f, 0xe8) : QColor(0x7b, 0x3f, 0xb0);
    case FrameType::HalfClose:
    case FrameType::WindowUpdate:
        return dark ? QColor(0x8e, 0x94, 0x9c) : QColor(0x8a, 0x90, 0x99);
    // Kafka and SQS: records in blue, reads in green, commits and deletes grey, group and
    // metadata traffic teal, transactions purple.
    // Event stores: appends blue like records, reads and subscriptions teal, events delivered
    // green, acks grey, nacks red; commands indigo like requests, queries teal like reads.
    case FrameType::AppendToStream:
        return dark ? QColor(0x6a, 0xa8, 0xf0) : QColor(0x1f, 0x5f, 0xbf);
    case FrameType::ReadStream:
    case FrameType::SubscribeToStream:
    case FrameType::Query:
        return dark ? QColor(0x4f, 0xc1, 0xc9) : QColor(0x16, 0x8a, 0x93);
    case FrameType::EventAppeared:
        return dark ? QColor(0x5f, 0xc9, 0x8a) : QColor(0x1e, 0x8a, 0x4c);
    case FrameType::PersistentAck:
        return dark ? QColor(0x8e, 0x94, 0x9c) : QColor(0x8a, 0x90, 0x99);
    case FrameType::PersistentNack:
        return dark ? QColor(0xf0, 0x7a, 0x6e) : QColor(0xc6, 0x3b, 0x2f);
    case FrameType::Command:
        return dark ? QColor(0x8f, 0x9b, 0xf5) : QColor(0x3b, 0x4c, 0xc0);
    case FrameType::Produce:
    case FrameType::SendMessage:
        return dark ? QColor(0x6a, 0xa8, 0xf0) : QColor(0x1f, 0x5f, 0xbf);
    case FrameType::Fetch:
    case FrameType::ReceiveMessage:
        return dark ? QColor(0x5f, 0xc9, 0x8a) : QColor(0x1e, 0x8a, 0x4c);
    case FrameType::OffsetCommit:
    case FrameType::DeleteMessage:
    case FrameType::ChangeMessageVisibility:
        return dark ? QColor(0x8e, 0x94, 0x9c) : QColor(0x8a, 0x90, 0x99);
    case FrameType::Metadata:
    case FrameType::ListOffsets:
    case FrameType::JoinGroup:
    case FrameType::SyncGroup:
    case FrameType::Heartbeat:
    case FrameType::LeaveGroup:
    case FrameType::OffsetFetch:
        return dark ? QColor(0x4f, 0xc1, 0xc9) : QColor(0x16, 0x8a, 0x93);
    case FrameType::InitProducerId:
    case FrameType::AddPartitionsToTxn:
    case FrameType::AddOffsetsToTxn:
    case FrameType::TxnOffsetCommit:
    case FrameType::EndTxn:
        return dark ? QColor(0xc3, 0x8f, 0xe8) : QColor(0x7b, 0x3f, 0xb0);
    // Publish-subscribe brokers (MQTT, Redis, NATS, Google Cloud Pub/Sub, SNS): publishes blue,
    // what the broker hands a subscriber green, acknowledgements and keep-alives grey,
    // subscriptions, sessions and pulls teal, errors red.
    case FrameType::MqttPublish:
    case FrameType::RedisPublish:
    case FrameType::NatsPub:
    case FrameType::PubsubPublish:
    case FrameType::SnsPublish:
        return dark ? QColor(0x6a, 0xa8, 0xf0) : QColor(0x1f, 0x5f, 0xbf);
    case FrameType::RedisMessage:
    case FrameType::RedisPMessage:
    case FrameType::NatsMsg:
    case FrameType::PubsubPullResponse:
    case FrameType::PubsubPush:
    case FrameType::SnsNotification:
        return dark ? QColor(0x5f, 0xc9, 0x8a) : QColor(0x1e, 0x8a, 0x4c);
    case FrameType::PubAck:
    case FrameType::PubRec:
    case FrameType::PubRel:
    case FrameType::PubComp:
    case FrameType::SubAck:
    case FrameType::UnsubAck:
    case FrameType::PingReq:
    case FrameType::PingResp:
    case FrameType::NatsPing:
    case FrameType::NatsPong:
    case FrameType::PubsubPublishResponse:
    case FrameType::PubsubAcknowledge:
    case FrameType::PubsubModifyAckDeadline:
    case FrameType::PubsubPushResponse:
    case FrameType::SnsPublishResponse:
    case FrameType::SnsNotificationResponse:
        return dark ? QColor(0x8e, 0x94, 0x9c) : QColor(0x8a, 0x90, 0x99);
    case FrameType::Connect:
    case FrameType::ConnAck:
    case FrameType::Disconnect:
    case FrameType::MqttSubscribe:
    case FrameType::MqttUnsubscribe:
    case FrameType::RedisSubscribe:
    case FrameType::RedisPSubscribe:
    case FrameType::RedisUnsubscribe:
    case FrameType::NatsSub:
    case FrameType::NatsUnsub:
    case FrameType::PubsubPull:
        return dark ? QColor(0x4f, 0xc1, 0xc9) : QColor(0x16, 0x8a, 0x93);
    case FrameType::NatsErr:
        return dark ? QColor(0xf0, 0x7a, 0x6e) : QColor(0xc6, 0x3b, 0x2f);
    // Actors: tells and asks indigo like requests, answers green like replies, supervision
    // signals (EXIT, restart, shutdown, DOWN) orange, the colour of a failure being handled.
    case FrameType::ActorTell:
    case FrameType::ActorAsk:
        return dark ? QColor(0x8f, 0x9b, 0xf5) : QColor(0x3b, 0x4c, 0xc0);
    case FrameType::ActorAskReply:
        return dark ? QColor(0x5f, 0xc9, 0x8a) : QColor(0x1e, 0x8a, 0x4c);
    case FrameType::ActorExit:
    case FrameType::ActorRestart:
    case FrameType::ActorShutdown:
    case FrameType::ActorDown:
        return dark ? QColor(0xf0, 0xa0, 0x50) : QColor(0xb8, 0x5c, 0x0a);
    // Peers: items spreading (floods, gossip, pieces) blue, pulls and lookups teal, their answers
    // and announcements green.
    case FrameType::PeerFlood:
    case FrameType::PeerGossip:
    case FrameType::BtPiece:
        return dark ? QColor(0x6a, 0xa8, 0xf0) : QColor(0x1f, 0x5f, 0xbf);
    case FrameType::PeerPull:
    case FrameType::KadFindNode:
    case FrameType::BtRequest:
        return dark ? QColor(0x4f, 0xc1, 0xc9) : QColor(0x16, 0x8a, 0x93);
    case FrameType::PeerPullReply:
    case FrameType::KadFindNodeReply:
    case FrameType::BtBitfield:
    case FrameType::BtHave:
        return dark ? QColor(0x5f, 0xc9, 0x8a) : QColor(0x1e, 0x8a, 0x4c);
    }
    return Qt::gray;
}

QColor SequenceRenderer::activationColor(bool dark)
{
    return dark ? QColor(0x4a, 0x55, 0x8c) : QColor(0xdd, 0xe3, 0xfb);
}

QColor SequenceRenderer::blockedColor(bool dark)
{
    return dark ? QColor(0xa8, 0x5a, 0x1e) : QColor(0xf7, 0xb9, 0x6b);
}

QString SequenceRenderer::arrowText(const SequenceHistory &history, std::size_t i,
                                    const SequenceLayout &layout)
{
    const TraceEvent &e = history.at(i);
    if (isCallFrame(e.frame)) {
        const QString method = e.frame == FrameType::Request && layout.method && e.messageId
                                   ? layout.method(e.messageId)
                                   : QString();
        return QString::fromStdString(
            callArrowText(e, method.toStdString(), history.isHedge(i), history.ordinal(i)));
    }
    const std::string protocol = protocolFrameText(e);
    if (!protocol.empty()) {
        QString t = QString::fromStdString(protocol);
        // "Command ReserveCredit #12", "Command ReserveCredit response REJECTED #12": the
        // command's routing key names it when the message's contents are known.
        const QString name =
            isCommandFrame(e.frame) && layout.method && e.messageId ? layout.method(e.messageId) : QString();
        if (!name.isEmpty()) t.insert(int(std::strlen(frameTypeLabel(e.frame))), QLatin1Char(' ') + name);
        if (e.messageId) t += QStringLiteral(" #%1").arg(e.messageId);
        if (e.partition != kNoIndex) t += QStringLiteral(" P%1").arg(e.partition);
        return t;
    }
    return QStringLiteral("%1 #%2").arg(QString::fromLatin1(frameTypeName(e.frame))).arg(e.messageId);
}

QString SequenceLayout::groupText(std::uint32_t group) const
{
    const QString name = groupName && group != kNoIndex ? groupName(group) : QString();
    return name.isEmpty() ? QString::number(group) : name;
}

QString SequenceRenderer::logMarkLabel(const TraceEvent &e, const SequenceLayout &layout,
                                       const std::vector<std::uint32_t> &partitions)
{
    if (!isLogMark(e.kind)) return {};
    if (e.kind == TraceKind::Rebalance)
        return QStringLiteral("%1: %2").arg(layout.groupText(e.group),
                                            QString::fromStdString(logMarkText(e)));
    if (partitions.size() <= 1) return QString::fromStdString(logMarkText(e));
    QStringList ps;
    for (std::uint32_t p : partitions)
        ps << QStringLiteral("P%1").arg(p);
    const QString list = ps.join(QStringLiteral(", "));
    switch (e.kind) {
    case TraceKind::Assign:
        return QStringLiteral("assign %1").arg(list);
    case TraceKind::Revoke:
        return QStringLiteral("revoke %1").arg(list);
    case TraceKind::LeaderElect:
        return QStringLiteral("%1 %2").arg((e.flags & TraceFlag::Unclean) ? QStringLiteral("unclean leaders")
                                                                          : QStringLiteral("leaders"),
                                           list);
    case TraceKind::IsrShrink:
        return QStringLiteral("ISR shrinks %1").arg(list);
    case TraceKind::IsrExpand:
        return QStringLiteral("ISR grows %1").arg(list);
    case TraceKind::Marker:
        return QStringLiteral("%1 %2").arg((e.flags & TraceFlag::Aborted) ? QStringLiteral("abort markers")
                                                                          : QStringLiteral("markers"),
                                           list);
    default:
        return QString::fromStdString(logMarkText(e));
    }
}

bool SequenceRenderer::isMajorDomainMark(const TraceEvent &e)
{
    switch (e.kind) {
    case TraceKind::Conflict:
    case TraceKind::Park:
    case TraceKind::SagaBegin:
    case TraceKind::SagaEnd:
    case TraceKind::SagaResume:
        return true;
    case TraceKind::StepStart:
        return (e.flags & TraceFlag::Compensation) != 0;
    case TraceKind::StepEnd:
    case TraceKind::LocalTxn:
        return (e.flags & TraceFlag::Compensation) || (e.status != 0 && e.status != kNoStatus) ||
               (e.kind == TraceKind::StepEnd && e.aux == 1);
    case TraceKind::QueryAnswer:
        return (e.flags & TraceFlag::Stale) != 0;
    default:
        return false;
    }
}

QColor SequenceRenderer::domainMarkColor(const TraceEvent &e, bool dark)
{
    const QColor red = dark ? QColor(0xf0, 0x7a, 0x6e) : QColor(0xc6, 0x3b, 0x2f);
    const QColor green = dark ? QColor(0x5f, 0xc9, 0x8a) : QColor(0x1e, 0x8a, 0x4c);
    const QColor amber(0xe0, 0x8e, 0x0b);
    const QColor blue(0x2f, 0x7f, 0xd6);
    const QColor purple(0x9b, 0x59, 0xb6);
    const bool failed = e.status != 0 && e.status != kNoStatus;
    switch (e.kind) {
    case TraceKind::Conflict:
        return red;
    case TraceKind::Park:
        return purple;
    case TraceKind::SagaBegin:
    case TraceKind::SagaResume:
        return blue;
    case TraceKind::SagaEnd:
        return e.aux == 0 ? green : e.aux == 1 ? amber : red;
    case TraceKind::StepStart:
    case TraceKind::StepEnd:
    case TraceKind::LocalTxn:
        if (failed || (e.kind == TraceKind::StepEnd && e.aux == 1)) return red;
        if (e.flags & TraceFlag::Compensation) return amber;
        return e.kind == TraceKind::StepStart ? blue : green;
    case TraceKind::QueryAnswer:
        return (e.flags & TraceFlag::Stale) ? amber : blue;
    case TraceKind::DbCommit:
    case TraceKind::Relay:
        return green;
    default:
        return dark ? QColor(0x8f, 0x9b, 0xf5) : QColor(0x3b, 0x4c, 0xc0);
    }
}

QString SequenceRenderer::domainMarkLabel(const TraceEvent &e, const SequenceLayout &layout)
{
    // The message names the command of a saga's step, and an event's type; a conflict's message
    // is the first refused event, whose type says nothing about the conflict.
    const bool named = e.kind != TraceKind::Conflict && e.kind != TraceKind::Park &&
                       e.kind != TraceKind::Relay && e.kind != TraceKind::DbCommit &&
                       e.kind != TraceKind::Upcast;
    const QString name = named && layout.method && e.messageId ? layout.method(e.messageId) : QString();
    return QString::fromStdString(domainMarkText(e, name.toStdString()));
}

QColor SequenceRenderer::contradictionColor(bool dark)
{
    return dark ? QColor(0xff, 0x5c, 0xa8) : QColor(0xc2, 0x18, 0x6b);
}

QColor SequenceRenderer::kindColor(const QString &kind)
{
    if (kind == QLatin1String("producer")) return {0x2e, 0x9e, 0x5b};
    if (kind == QLatin1String("exchange")) return {0xe0, 0x7b, 0x20};
    if (kind == QLatin1String("queue")) return {0x7b, 0x4f, 0xc9};
    if (kind == QLatin1String("consumer")) return {0x2f, 0x7f, 0xd6};
    return {0x80, 0x80, 0x80};
}

QColor SequenceRenderer::lifelineColor(NodeIndex node)
{
    return nodeColor(node == kNoIndex ? -1 : int(node));
}

QString SequenceRenderer::describe(const TraceEvent &e, const SequenceLayout &layout,
                                   const QStringList &linkNames)
{
    const auto name = [&layout](NodeIndex n) { return layout.nodeName(n); };
    QString text = QString::fromLatin1(traceKindName(e.kind));
    const bool frame = e.kind == TraceKind::Send || (e.kind == TraceKind::Drop && e.link != kNoIndex);
    const std::string protocol = frame ? protocolFrameText(e) : std::string();
    if (!protocol.empty())
        text += QLatin1Char(' ') + QString::fromStdString(protocol);
    else if (frame)
        text += QLatin1Char(' ') + QString::fromLatin1(frameTypeName(e.frame));
    if (e.messageId) text += QStringLiteral(" #%1").arg(e.messageId);
    if (e.node != kNoIndex) text += QLatin1Char(' ') + name(e.node);
    if (e.peer != kNoIndex) text += QStringLiteral(" \u2192 ") + name(e.peer);
    if (e.link != kNoIndex && e.link < LinkIndex(linkNames.size()))
        text += QStringLiteral(" via %1").arg(linkNames[int(e.link)]);
    text += QStringLiteral(" at %1").arg(durationText(e.time));
    if (e.kind == TraceKind::Send) text += QStringLiteral(", arrives %1").arg(durationText(e.aux));
    if (e.reason != DropReason::None)
        text += QStringLiteral(", %1").arg(QString::fromLatin1(dropReasonName(e.reason)));
    // A Kafka or SQS response says its error in the frame's words; the status of other events is
    // a call's.
    if (e.status != kNoStatus && protocol.empty())
        text += QStringLiteral(", status %1").arg(QString::fromStdString(statusName(e.status)));
    if (isDomainMark(e.kind)) {
        const QString name = layout.method && e.messageId && e.kind != TraceKind::Conflict
                                 ? layout.method(e.messageId)
                                 : QString();
        return text + QStringLiteral(": ") + QString::fromStdString(domainMarkDetails(e, name.toStdString()));
    }
    if (isLogMark(e.kind)) {
        const QString group = e.group != kNoIndex ? layout.groupText(e.group) : QString();
        return text + QStringLiteral(": ") + QString::fromStdString(logMarkDetails(e, group.toStdString()));
    }
    if (e.partition != kNoIndex) text += QStringLiteral(", partition %1").arg(e.partition);
    if (e.offset >= 0) text += QStringLiteral(", offset %1").arg(e.offset);
    if (e.group != kNoIndex) text += QStringLiteral(", group %1").arg(layout.groupText(e.group));
    if (isCallEvent(e)) {
        if (e.deliveryCount > 0 && e.kind != TraceKind::Complete)
            text += QStringLiteral(", attempt %1").arg(e.deliveryCount);
        if (e.kind == TraceKind::Complete) text += QStringLiteral(", %1 attempts").arg(e.deliveryCount);
        if (e.correlationId) text += QStringLiteral(", call %1").arg(e.correlationId);
        if (e.kind == TraceKind::Call && e.aux > 0) text += QStringLiteral(" for call %1").arg(e.aux);
        if (e.kind == TraceKind::Complete) text += QStringLiteral(", latency %1").arg(durationText(e.aux));
        return text;
    }
    if (e.kind == TraceKind::Breaker)
        text += QStringLiteral(", now %1").arg(QLatin1String(breakerStateName(e.aux)));
    if (e.kind == TraceKind::Unblock) text += QStringLiteral(", blocked %1").arg(durationText(e.aux));
    if (e.deliveryCount > 1) text += QStringLiteral(", delivery %1").arg(e.deliveryCount);
    if (e.correlationId) text += QStringLiteral(", correlation %1").arg(e.correlationId);
    if (e.kind == TraceKind::Process) text += QStringLiteral(", latency %1").arg(durationText(e.aux));
    return text;
}

SequenceRenderer::Stats SequenceRenderer::paint(QPainter &p, QSizeF size, const SequenceHistory &history,
                                                const SequenceLayout &layout, const SequenceFilter &filter,
                                                const SequenceHighlight &highlight,
                                                const std::vector<SequenceAnnotation> &annotations,
                                                const QPalette &palette, std::vector<DrawnArrow> *hits)
{
    Stats stats;
    const bool dark =
        palette.color(QPalette::Window).lightness() < palette.color(QPalette::WindowText).lightness();
    const QColor base = palette.color(QPalette::Base);
    const QColor text = palette.color(QPalette::Text);
    const QColor faint = palette.color(QPalette::PlaceholderText);
    const QColor grid = dark ? QColor(0x3a, 0x3d, 0x42) : QColor(0xe3, 0xe6, 0xea);
    const QColor accent(0xf0, 0x8c, 0x1a);
    const bool selecting = !highlight.journey.empty();
    if (hits) hits->clear();

    p.save();
    p.fillRect(QRectF(QPointF(0, 0), size), base);
    p.setRenderHint(QPainter::Antialiasing, true);

    const double bodyTop = layout.headerHeight;
    // The margin under the header shows what happened just before the top time.
    const SimTime from = std::max<SimTime>(layout.timeAt(bodyTop), filter.from);
    const SimTime to = std::min<SimTime>(layout.timeAt(size.height()), filter.to);

    // The ruler: ticks every 60 px or so, with the time.
    const QFont font = p.font();
    QFont small = font;
    small.setPointSizeF(std::max(6.0, font.pointSizeF() * 0.85));
    const QFontMetricsF fm(small);
    {
        SimTime step = std::max<SimTime>(1, tickStep(60 * layout.nsPerPixel));
        if (layout.ordering == SequenceOrder::Lamport || layout.ordering == SequenceOrder::Vector)
            step = std::max<SimTime>(kLogicalStep, step / kLogicalStep * kLogicalStep); // whole rows
        p.setFont(small);
        const SimTime first = std::max<SimTime>(0, layout.timeAt(bodyTop));
        for (SimTime t = (first / step) * step; layout.timeY(t) < size.height(); t += step) {
            const double y = layout.timeY(t);
            if (y < bodyTop + fm.height() / 2) continue; // a label would sit under the header
            p.setPen(QPen(grid, 1));
            p.drawLine(QPointF(layout.rulerWidth, y), QPointF(size.width(), y));
            p.setPen(faint);
            p.drawText(QRectF(2, y - fm.height() / 2, layout.rulerWidth - 8, fm.height()),
                       Qt::AlignRight | Qt::AlignVCenter, layout.rulerText(t));
        }
    }

    // Lifelines.
    for (std::size_t i = 0; i < layout.order.size(); ++i) {
        const NodeIndex n = layout.order[i];
        const double x = layout.rulerWidth + layout.columnWidth * (double(i) + 0.5);
        const bool marked = n < highlight.nodes.size() && highlight.nodes[n];
        // In the node's colour (its chart series'), faded so the arrows stay in front.
        QColor own = lifelineColor(n);
        own.setAlphaF(0.55);
        QPen pen(marked ? accent : own, marked ? 2.5 : 1, marked ? Qt::SolidLine : Qt::DashLine);
        p.setPen(pen);
        p.drawLine(QPointF(x, bodyTop), QPointF(x, size.height()));
    }

    const auto [first, last] = history.window(from, to);
    std::vector<double> xs(history.nodeCount() + 1, -1);
    for (NodeIndex n = 0; n < NodeIndex(xs.size()); ++n)
        xs[n] = layout.lifelineX(n);
    const auto lifeline = [&xs](NodeIndex n) { return n < xs.size() ? xs[n] : -1.0; };

    // A tall picture has room for more arrows than a window: the cap is per 1,000 px of height.
    const auto maxArrows = std::size_t(double(kMaxArrows) * std::max(1.0, (size.height() - bodyTop) / 1000));
    // One pass over the window: the arrows to draw (up to maxArrows), and per link direction
    // and 6 px band how many frames left, for when there are too many to draw.
    const double band = 6;
    const int bands = std::max(1, int(std::ceil((size.height() - bodyTop) / band)) + 1);
    struct Lane {
        NodeIndex from = kNoIndex, to = kNoIndex;
        std::uint32_t total = 0;
    };
    std::vector<Lane> lanes(2 * std::max<std::size_t>(history.linkCount(), 1));
    std::vector<std::uint32_t> counts(lanes.size() * std::size_t(bands), 0);
    std::vector<std::size_t> arrows;
    arrows.reserve(std::min<std::size_t>(maxArrows + 1, last - first));
    std::uint64_t arrowsInView = 0;
    for (std::size_t i = first; i < last; ++i) {
        const TraceEvent &e = history.at(i);
        const bool lost = isLostFrame(e);
        if (!isArrow(e) && !lost) continue;
        // An arrow shows when its span meets the window; placed by local clocks it may go up.
        if (!lost && std::max(e.time, e.aux) < from) continue;
        if ((lost ? e.time : std::min(e.time, e.aux)) > to || !filter.accepts(e)) continue;
        if (lifeline(e.node) < 0 || lifeline(e.peer) < 0) continue;
        ++arrowsInView;
        if (arrows.size() <= maxArrows) arrows.push_back(i);
        if (e.link == kNoIndex || e.time < from) continue;
        const std::size_t lane = std::size_t(e.link) * 2 + (e.node < e.peer ? 0 : 1);
        if (lane >= lanes.size()) continue;
        lanes[lane].from = e.node;
        lanes[lane].to = e.peer;
        ++lanes[lane].total;
        const int b = std::clamp(int((layout.timeY(e.time) - bodyTop) / band), 0, bands - 1);
        ++counts[lane * std::size_t(bands) + std::size_t(b)];
    }
    stats.inWindow = arrowsInView;
    stats.density = arrowsInView > maxArrows;

    if (stats.density) {
        std::uint32_t peak = 1;
        for (auto c : counts)
            peak = std::max(peak, c);
        const double logPeak = std::log1p(double(peak));
        p.setFont(small);
        const double labelWidth = fm.horizontalAdvance(QStringLiteral("\u00d7000"));
        for (std::size_t lane = 0; lane < lanes.size(); ++lane) {
            if (!lanes[lane].total) continue;
            const double xa = lifeline(lanes[lane].from), xb = lifeline(lanes[lane].to);
            const QColor c = frameColor(xa < xb ? FrameType::Publish : FrameType::Ack, dark);
            const double offset = xa < xb ? -3 : 3; // the two directions side by side
            std::uint64_t sinceLabel = 0;
            double lastLabel = -1e9;
            const std::uint32_t *row = counts.data() + lane * std::size_t(bands);
            for (int k = 0; k < bands; ++k) {
                const std::uint32_t count = row[k];
                sinceLabel += count;
                if (!count) continue;
                const double y = bodyTop + band * k + band / 2 + offset;
                QColor shade = c;
                shade.setAlphaF(0.15 + 0.85 * std::log1p(double(count)) / logPeak);
                p.setPen(QPen(shade, std::min(band - 1, 1.0 + std::log2(1.0 + count)), Qt::SolidLine,
                              Qt::FlatCap));
                p.drawLine(QPointF(std::min(xa, xb) + 4, y), QPointF(std::max(xa, xb) - 4, y));
                if (y - lastLabel > 48) {
                    p.setPen(text);
                    p.drawText(QPointF((xa + xb) / 2 - labelWidth / 2, y - 2),
                               QStringLiteral("\u00d7%1").arg(sinceLabel));
                    lastLabel = y;
                    sinceLabel = 0;
                }
            }
        }
        // Only the selected journey and the hovered frame are drawn as arrows over the bands.
        arrows.clear();
        for (std::size_t i : highlight.journey)
            if (i >= first && i < last) arrows.push_back(i);
        if (highlight.hovered >= first && highlight.hovered < last) arrows.push_back(highlight.hovered);
    }

    // Arrows one by one (or only the selected journey's, in density mode), then the marks.
    const auto drawArrowHead = [&p](QPointF tip, QPointF from, const QColor &c) {
        const QPointF d = from - tip;
        const double length = std::sqrt(d.x() * d.x() + d.y() * d.y());
        if (length < 1) return;
        const QPointF along = d * (8.0 / length);                  // 8 px back along the arrow
        const QPointF across(-along.y() * 0.45, along.x() * 0.45); // half the head's width
        const QPointF head[3] = {tip, tip + along + across, tip + along - across};
        p.setPen(Qt::NoPen);
        p.setBrush(c);
        p.drawPolygon(head, 3);
        p.setBrush(Qt::NoBrush);
    };
    p.setFont(small);
    LabelPlacer placer(bodyTop, size.height() - bodyTop);
    const auto textRect = [&fm](QPointF baseline, const QString &t) {
        return QRectF(baseline.x(), baseline.y() - fm.ascent(), fm.horizontalAdvance(t), fm.height());
    };
    // Lays out a text at `rect` if it is free (or, `move`, at the nearest free place) and draws it.
    const auto label = [&](SequenceRenderer::DrawnLabel::Kind kind, QRectF rect, const QString &t,
                           bool move) -> std::optional<QRectF> {
        if (!placer.isFree(rect)) {
            if (!move) return std::nullopt;
            rect = placer.placeNear({rect, rect.translated(0, rect.height() + 6)});
        }
        placer.take(rect);
        stats.labels.push_back({kind, rect, t});
        return rect;
    };
    // A label's text on a veil of the background: where arrows run close together (a Kafka
    // consumer's fetches and heartbeats) it stays readable over the lines under it.
    QColor veil = base;
    veil.setAlphaF(0.78);
    const auto drawLabelText = [&p, &veil](const QRectF &r, const QString &t) {
        p.fillRect(r.adjusted(-1, 0, 1, 0), veil);
        p.drawText(r, Qt::AlignLeft | Qt::AlignVCenter, t);
    };
    struct PendingLabel {
        QRectF rect;
        QString text;
        QColor color;
    };
    std::vector<PendingLabel> arrowLabels;
    // Log marks of one kind on one lifeline at one instant (a member assigned three partitions, a
    // topic electing every partition's leader) are drawn once, naming all their partitions: the
    // indices of the later events such a mark at `i` stands for.
    const auto sameInstantMarks = [&](std::size_t i) {
        const TraceEvent &e = history.at(i);
        std::vector<std::size_t> out;
        for (std::size_t j = i + 1; j < last && history.at(j).time == e.time; ++j) {
            const TraceEvent &o = history.at(j);
            if (o.kind == e.kind && o.node == e.node && o.group == e.group &&
                (o.flags & TraceFlag::Unclean) == (e.flags & TraceFlag::Unclean) &&
                (o.flags & TraceFlag::Aborted) == (e.flags & TraceFlag::Aborted) && o.partition != kNoIndex &&
                filter.accepts(o))
                out.push_back(j);
        }
        return out;
    };
    const auto partitionsOf = [&](std::size_t i, const std::vector<std::size_t> &others) {
        std::vector<std::uint32_t> out;
        if (history.at(i).partition != kNoIndex) out.push_back(history.at(i).partition);
        for (std::size_t j : others)
            out.push_back(history.at(j).partition);
        return out;
    };
    // Where a log mark's text goes: beside a bar across the lifeline, or right of a glyph on it.
    const auto logMarkBaseline = [](TraceKind k, double x, double y) {
        const bool bar = k == TraceKind::Rebalance || k == TraceKind::LeaderElect ||
                         k == TraceKind::TxnCommit || k == TraceKind::TxnAbort;
        return bar ? QPointF(x + 6, y - 4) : QPointF(x + 8, y + 4);
    };
    // The texts of the log's major marks (a rebalance, partitions moving, a leader, the ISR, a
    // transaction) take their places before the arrows' labels, so they sit beside their marks
    // even among a consumer group's busy traffic.
    std::unordered_map<std::size_t, QRectF> reservedMarks;
    {
        std::unordered_set<std::size_t> taken;
        for (std::size_t i = first; i < last; ++i) {
            const TraceEvent &e = history.at(i);
            if (!isLogMark(e.kind) || e.kind == TraceKind::Marker || taken.count(i)) continue;
            if (e.time < from || e.time > to || !filter.accepts(e)) continue;
            const double x = lifeline(e.node);
            if (x < 0) continue;
            const std::vector<std::size_t> others = sameInstantMarks(i);
            taken.insert(others.begin(), others.end());
            const QString t = logMarkLabel(e, layout, partitionsOf(i, others));
            const QRectF r = textRect(logMarkBaseline(e.kind, x, layout.timeY(e.time)), t);
            if (!placer.isFree(r)) continue;
            placer.take(r);
            reservedMarks.emplace(i, r);
        }
    }
    // Callers' waiting spans (Call to Complete) and senders' blocked spans (Block to Unblock) as
    // bars on their lifelines, under the arrows; nested ones (a server calling downstream while it
    // waits for another call) step right.
    for (const SequenceHistory::Span &span : history.spans(from, to)) {
        const bool call = span.kind == SequenceHistory::Span::Kind::Call;
        if (filter.hiddenKinds[int(call ? TraceKind::Call : TraceKind::Block)]) continue;
        if (span.messageId && !filter.acceptsMessage(span.messageId, span.call)) continue;
        const double x = lifeline(span.node);
        if (x < 0) continue;
        const double offset = 4.0 * std::min<int>(span.depth, 4) + (call ? 0 : 2);
        const double y1 = std::max(bodyTop, layout.timeY(span.start));
        const double y2 = std::max(y1 + 2, std::min(size.height(), layout.timeY(span.end)));
        const bool chosen =
            call && std::binary_search(highlight.calls.begin(), highlight.calls.end(), span.call);
        QColor fill = call ? activationColor(dark) : blockedColor(dark);
        QColor edge = call ? lifelineColor(span.node) : blockedColor(dark).darker(140);
        if (selecting && !chosen) {
            fill.setAlphaF(0.35);
            edge.setAlphaF(0.35);
        }
        if (chosen) edge = accent;
        p.setPen(QPen(edge, chosen ? 2 : 1));
        p.setBrush(fill);
        p.drawRect(QRectF(x - 4 + offset, y1, 8, y2 - y1));
        p.setBrush(Qt::NoBrush);
    }

    for (std::size_t i : arrows) {
        const TraceEvent &e = history.at(i);
        const bool lost = isLostFrame(e);
        const bool inJourney = selecting && contains(highlight.journey, i);
        const double x1 = lifeline(e.node), x2 = lifeline(e.peer);
        if (x1 < 0 || x2 < 0) continue;
        const QPointF start(x1, layout.timeY(e.time));
        QPointF end(x2, layout.timeY(lost ? e.time : e.aux));
        if (lost) end = QPointF((x1 + x2) / 2, start.y() + 6); // lost on the way
        const bool onLink = e.link < highlight.links.size() && highlight.links[e.link];
        QColor c = frameColor(e.frame, dark);
        if (lost) c = frameColor(FrameType::Nack, dark);
        // Received before it was sent, by the local clocks: a log sorted by timestamps lies here.
        const bool contradicting = !lost && layout.contradicts(e);
        if (contradicting) c = contradictionColor(dark);
        double width = contradicting ? 2.0 : 1.3;
        if (selecting && !inJourney) c.setAlphaF(0.25);
        if (inJourney || onLink || i == highlight.hovered) {
            if (inJourney || i == highlight.hovered) c = accent;
            width = 2.6;
        }
        // Acks and confirms, and (as UML draws a return) a call's reply: dashed.
        p.setPen(QPen(c, width,
                      contradicting || e.frame == FrameType::Ack || e.frame == FrameType::Confirm ||
                              e.frame == FrameType::Reply
                          ? Qt::DashLine
                          : Qt::SolidLine));
        p.drawLine(start, end);
        if (lost) {
            p.setPen(QPen(c, 2));
            p.drawLine(end + QPointF(-4, -4), end + QPointF(4, 4));
            p.drawLine(end + QPointF(-4, 4), end + QPointF(4, -4));
        } else {
            drawArrowHead(end, start, c);
        }
        if (hits) hits->push_back({i, QLineF(start, end)});
        ++stats.arrows;
        // The frame and message id along the arrow, where no other text is: how many arrows get
        // a label follows from the room there is, in the view and in a picture alike.
        if (!stats.density && (e.messageId || isCallFrame(e.frame) || !protocolFrameText(e).empty())) {
            const QPointF mid = (start + end) / 2;
            QString t = arrowText(history, i, layout);
            if (contradicting) t += QStringLiteral(" \u26a0 clocks");
            // Above the arrow's middle, else just below it: a request and its response (a Kafka
            // Fetch and its response, say) run close together and both get their names.
            const QRectF above = textRect(mid + QPointF(4, -3), t);
            const QRectF below = textRect(mid + QPointF(4, fm.ascent() + 3), t);
            const QRectF r = placer.isFree(above) ? above : below;
            if (label(DrawnLabel::Kind::Arrow, r, t, false))
                arrowLabels.push_back({r, t, selecting && !inJourney ? faint : text});
        }
    }
    // The arrows' labels over every arrow, not under the arrows drawn after them.
    for (const PendingLabel &l : arrowLabels) {
        p.setPen(l.color);
        drawLabelText(l.rect, l.text);
    }

    // Local marks on the lifelines.
    const auto markColor = [dark](TraceKind k) -> QColor {
        switch (k) {
        case TraceKind::Drop:
        case TraceKind::Crash:
        case TraceKind::Nack:
        case TraceKind::LinkDown:
            return dark ? QColor(0xf0, 0x7a, 0x6e) : QColor(0xc6, 0x3b, 0x2f);
        case TraceKind::DeadLetter:
        case TraceKind::Expire:
            return {0x9b, 0x59, 0xb6};
        case TraceKind::Timeout:
        case TraceKind::Retry:
        case TraceKind::Requeue:
            return {0xe0, 0x8e, 0x0b};
        case TraceKind::Restart:
        case TraceKind::LinkUp:
        case TraceKind::Resume:
            return dark ? QColor(0x5f, 0xc9, 0x8a) : QColor(0x1e, 0x8a, 0x4c);
        case TraceKind::Pause:
        case TraceKind::LinkChange:
        case TraceKind::ClockJump:
            return {0x2f, 0x7f, 0xd6};
        case TraceKind::Cancel:
            return dark ? QColor(0xf0, 0x7a, 0x6e) : QColor(0xc6, 0x3b, 0x2f);
        case TraceKind::Hedge:
            return {0xe0, 0x8e, 0x0b};
        case TraceKind::Execute:
        case TraceKind::Accept:
            return dark ? QColor(0x8f, 0x9b, 0xf5) : QColor(0x3b, 0x4c, 0xc0);
        // The log and its groups: a rebalance and a partition given up in amber, a partition
        // taken and a commit in green, a leader in blue (an unclean one in red: see below), ISR
        // changes as their direction says, transaction markers purple, an abort red.
        case TraceKind::Rebalance:
        case TraceKind::IsrShrink:
            return {0xe0, 0x8e, 0x0b};
        case TraceKind::Revoke:
            return dark ? QColor(0xff, 0x9e, 0x40) : QColor(0xd9, 0x5d, 0x0b);
        case TraceKind::Assign:
        case TraceKind::IsrExpand:
        case TraceKind::TxnCommit:
            return dark ? QColor(0x5f, 0xc9, 0x8a) : QColor(0x1e, 0x8a, 0x4c);
        case TraceKind::LeaderElect:
            return {0x2f, 0x7f, 0xd6};
        case TraceKind::TxnAbort:
            return dark ? QColor(0xf0, 0x7a, 0x6e) : QColor(0xc6, 0x3b, 0x2f);
        case TraceKind::Marker:
            return {0x9b, 0x59, 0xb6};
        default:
            return dark ? QColor(0xb0, 0xb4, 0xba) : QColor(0x5a, 0x60, 0x69);
        }
    };
    std::vector<double> lastMarkAt(xs.size(), -1e9);
    const QColor faultColor = dark ? QColor(0xff, 0x9e, 0x40) : QColor(0xd9, 0x5d, 0x0b);
    // A mark's text beside it: a fault's always shows (moved where it fits), a minor one only
    // where there is room, at fine zoom.
    const auto markText = [&](QPointF baseline, const QString &t, bool major) {
        if (!major && layout.nsPerPixel >= 2e6) return;
        if (const auto r = label(DrawnLabel::Kind::Mark, textRect(baseline, t), t, major))
            drawLabelText(*r, t);
    };
    // The later events of a log mark drawn once for several (sameInstantMarks).
    std::unordered_set<std::size_t> gathered;
    for (std::size_t i = first; i < last; ++i) {
        const TraceEvent &e = history.at(i);
        if (gathered.count(i)) continue;
        if (isArrow(e) || isLostFrame(e) || e.time < from || e.time > to) continue;
        if (e.kind == TraceKind::Publish || e.kind == TraceKind::Route || e.kind == TraceKind::Deliver ||
            e.kind == TraceKind::Redeliver || e.kind == TraceKind::Confirm)
            continue; // the arrows show these
        if (e.kind == TraceKind::Call || e.kind == TraceKind::Block || e.kind == TraceKind::Unblock)
            continue; // the bars begin and end there
        if (!filter.accepts(e)) continue;
        if (e.kind == TraceKind::FaultStart || e.kind == TraceKind::FaultEnd) {
            // A bar across the fault's target: its node, both ends of its link, or every lifeline
            // for a group fault; labelled with the fault's id and kind.
            std::vector<double> over;
            const auto add = [&](NodeIndex n) {
                if (lifeline(n) >= 0) over.push_back(lifeline(n));
            };
            if (e.node != kNoIndex) {
                add(e.node);
                add(e.peer);
            } else if (e.link < layout.linkEnds.size()) {
                add(layout.linkEnds[e.link].first);
                add(layout.linkEnds[e.link].second);
            } else {
                for (NodeIndex n : layout.order)
                    add(n);
            }
            if (over.empty()) continue;
            const auto [lo, hi] = std::minmax_element(over.begin(), over.end());
            const double y = layout.timeY(e.time);
            const bool starts = e.kind == TraceKind::FaultStart;
            const QColor c = starts ? faultColor : markColor(TraceKind::Restart);
            p.setPen(QPen(c, 3, starts ? Qt::SolidLine : Qt::DotLine, Qt::FlatCap));
            p.drawLine(QPointF(*lo - layout.columnWidth * 0.3, y),
                       QPointF(*hi + layout.columnWidth * 0.3, y));
            const auto index = std::uint64_t(e.aux);
            const QString name = layout.faultName ? layout.faultName(index) : QString();
            const QString t = (starts ? QStringLiteral("\u26a1 %1 starts") : QStringLiteral("%1 ends"))
                                  .arg(name.isEmpty() ? QStringLiteral("fault %1").arg(index) : name);
            p.setPen(c);
            markText(QPointF(*lo + 6, y - 5), t, true);
            ++stats.marks;
            continue;
        }
        const double x = lifeline(e.node);
        if (x < 0) continue;
        const double y = layout.timeY(e.time);
        const bool inJourney = selecting && contains(highlight.journey, i);
        // What a call's reader must not miss: a second execution, a failed call, a cancellation,
        // the breaker, a late reply.
        const std::uint32_t ordinal = history.ordinal(i);
        const bool callAlarm = (e.kind == TraceKind::Execute && ordinal > 1) ||
                               (e.kind == TraceKind::Complete && !isSuccessStatus(e.status)) ||
                               e.kind == TraceKind::Cancel || e.kind == TraceKind::Breaker ||
                               (e.kind == TraceKind::Drop && e.reason == DropReason::UnknownCorrelation);
        // A group's rebalance and its partitions moving, a leader election, the ISR changing and a
        // transaction's outcome are what a log's reader looks for; a marker per partition is not.
        const bool logMark = isLogMark(e.kind);
        const bool domainMajor = isDomainMark(e.kind) && isMajorDomainMark(e);
        const bool major = domainMajor || e.kind == TraceKind::Crash || e.kind == TraceKind::Restart ||
                           e.kind == TraceKind::Pause || e.kind == TraceKind::Resume ||
                           e.kind == TraceKind::LinkDown || e.kind == TraceKind::LinkUp ||
                           e.kind == TraceKind::LinkChange || e.kind == TraceKind::ClockJump || callAlarm ||
                           (logMark && e.kind != TraceKind::Marker);
        // Crowded lifelines keep one mark every 3 px; faults and the selection always show.
        if (!major && !inJourney && y - lastMarkAt[e.node] < 3) continue;
        lastMarkAt[e.node] = y;
        QColor c = markColor(e.kind);
        if (callAlarm) c = markColor(TraceKind::Crash);
        // A partition left without a leader, or led by a replica that was not in sync (records lost).
        if (e.kind == TraceKind::LeaderElect && (e.aux < 0 || (e.flags & TraceFlag::Unclean)))
            c = markColor(TraceKind::Crash);
        if (e.kind == TraceKind::Marker && (e.flags & TraceFlag::Aborted)) c = markColor(TraceKind::TxnAbort);
        std::vector<std::uint32_t> partitions;
        if (logMark) {
            const std::vector<std::size_t> others = sameInstantMarks(i);
            for (std::size_t j : others) {
                gathered.insert(j);
                stats.markSpots.push_back({j, QPointF(x, y)});
            }
            partitions = partitionsOf(i, others);
        }
        // A log mark's text where it was reserved, else placed as any major mark's.
        const auto logText = [&](const QString &t) {
            if (const auto r = reservedMarks.find(i); r != reservedMarks.end()) {
                stats.labels.push_back({DrawnLabel::Kind::Mark, r->second, t});
                drawLabelText(r->second, t);
            } else {
                markText(logMarkBaseline(e.kind, x, y), t, true);
            }
        };
        if (e.kind == TraceKind::Breaker && e.aux == 0) c = markColor(TraceKind::Restart); // closed again
        if (selecting && !inJourney && !major) c.setAlphaF(0.3);
        if (inJourney) c = accent;
        p.setPen(QPen(c, 1.5));
        p.setBrush(c);
        ++stats.marks;
        stats.markSpots.push_back({i, QPointF(x, y)});
        const QString callText = QString::fromStdString(callMarkText(e, ordinal));
        if (isDomainMark(e.kind)) {
            // Event sourcing, sagas and the outbox: what a store, an orchestrator and a service did.
            if (!inJourney) {
                c = domainMarkColor(e, dark);
                if (selecting && !major) c.setAlphaF(0.3);
            }
            p.setPen(QPen(c, 1.5));
            p.setBrush(c);
            const QString t = domainMarkLabel(e, layout);
            const bool compensation = (e.flags & TraceFlag::Compensation) &&
                                      (e.kind == TraceKind::StepStart || e.kind == TraceKind::StepEnd ||
                                       e.kind == TraceKind::LocalTxn);
            switch (e.kind) {
            case TraceKind::SagaBegin:
            case TraceKind::SagaEnd:
            case TraceKind::SagaResume: {
                // Across the orchestrator's lifeline, like a transaction's outcome.
                const double half = layout.columnWidth * 0.25;
                p.setPen(
                    QPen(c, 3, e.kind == TraceKind::SagaResume ? Qt::DashLine : Qt::SolidLine, Qt::FlatCap));
                p.drawLine(QPointF(x - half, y), QPointF(x + half, y));
                p.setPen(c);
                markText(QPointF(x + 6, y - 4), t, true);
                break;
            }
            case TraceKind::LocalTxn:
                // A block on the service's lifeline: solid for a step's transaction, hollow for a
                // compensating one.
                if (compensation) p.setBrush(Qt::NoBrush);
                p.drawRect(QRectF(x - 6, y - 3, 12, 6));
                markText(QPointF(x + 9, y + 4), t, major);
                break;
            case TraceKind::StepStart:
            case TraceKind::StepEnd: {
                const double d = e.kind == TraceKind::StepStart ? 1 : -1;
                const QPointF tri[3] = {QPointF(x + 5 * d, y), QPointF(x - 4 * d, y - 4),
                                        QPointF(x - 4 * d, y + 4)};
                if (compensation) p.setBrush(Qt::NoBrush);
                p.drawPolygon(tri, 3);
                markText(QPointF(x + 8, y + 4), t, major);
                break;
            }
            case TraceKind::Conflict:
            case TraceKind::Park:
                p.setPen(QPen(c, 2));
                p.drawLine(QPointF(x - 4, y - 4), QPointF(x + 4, y + 4));
                p.drawLine(QPointF(x - 4, y + 4), QPointF(x + 4, y - 4));
                markText(QPointF(x + 7, y + 4), t, true);
                break;
            default:
                p.drawEllipse(QPointF(x, y), 2.5, 2.5);
                markText(QPointF(x + 6, y + 4), t, major);
                break;
            }
            p.setBrush(Qt::NoBrush);
            continue;
        }
        switch (e.kind) {
        case TraceKind::Crash:
        case TraceKind::Restart:
        case TraceKind::Pause:
        case TraceKind::Resume:
        case TraceKind::Breaker: {
            p.setPen(QPen(c, 3));
            p.drawLine(QPointF(x - layout.columnWidth * 0.35, y), QPointF(x + layout.columnWidth * 0.35, y));
            markText(QPointF(x + 6, y - 4),
                     callText.isEmpty() ? QString::fromLatin1(traceKindName(e.kind)) : callText, true);
            break;
        }
        case TraceKind::Rebalance:
        case TraceKind::LeaderElect:
        case TraceKind::TxnCommit:
        case TraceKind::TxnAbort: {
            // Across the lifeline like a crash: a rebalance dashed (the group stops reading until
            // it ends), a transaction's outcome shorter.
            const bool txn = e.kind == TraceKind::TxnCommit || e.kind == TraceKind::TxnAbort;
            const double half = layout.columnWidth * (txn ? 0.2 : 0.35);
            p.setPen(QPen(c, 3, e.kind == TraceKind::Rebalance ? Qt::DashLine : Qt::SolidLine, Qt::FlatCap));
            p.drawLine(QPointF(x - half, y), QPointF(x + half, y));
            p.setPen(c);
            logText(logMarkLabel(e, layout, partitions));
            break;
        }
        case TraceKind::Assign:
        case TraceKind::Revoke: {
            // A triangle pointing into the lifeline for a partition taken, out of it for one given up.
            const double d = e.kind == TraceKind::Assign ? 1 : -1;
            const QPointF tri[3] = {QPointF(x + 5 * d, y), QPointF(x - 5 * d, y - 5),
                                    QPointF(x - 5 * d, y + 5)};
            p.drawPolygon(tri, 3);
            p.setPen(c);
            logText(logMarkLabel(e, layout, partitions));
            break;
        }
        case TraceKind::Marker:
            p.setBrush(Qt::NoBrush);
            p.drawRect(QRectF(x - 3.5, y - 3.5, 7, 7));
            markText(QPointF(x + 7, y + 4), logMarkLabel(e, layout, partitions), false);
            break;
        case TraceKind::IsrShrink:
        case TraceKind::IsrExpand: {
            QPolygonF diamond;
            diamond << QPointF(x, y - 5) << QPointF(x + 5, y) << QPointF(x, y + 5) << QPointF(x - 5, y);
            p.drawPolygon(diamond);
            p.setPen(c);
            logText(logMarkLabel(e, layout, partitions));
            break;
        }
        case TraceKind::Execute:
            // A server's handler starts: a block on its lifeline; a call's second execution in red.
            p.drawRect(QRectF(x - 5, y - 2, 10, 4));
            markText(QPointF(x + 8, y + 4), callText, callAlarm);
            break;
        case TraceKind::Accept:
            p.setBrush(Qt::NoBrush);
            p.drawEllipse(QPointF(x, y), 2.5, 2.5);
            break;
        case TraceKind::Complete:
            // The end of the caller's bar; a failed call says how.
            p.setPen(QPen(c, 2));
            p.drawLine(QPointF(x - 6, y), QPointF(x + 6, y));
            if (callAlarm)
                markText(QPointF(x + 8, y + 4), QString::fromStdString(statusName(e.status)), true);
            break;
        case TraceKind::Cancel:
            p.setPen(QPen(c, 2));
            p.drawLine(QPointF(x - 4, y - 4), QPointF(x + 4, y + 4));
            p.drawLine(QPointF(x - 4, y + 4), QPointF(x + 4, y - 4));
            markText(QPointF(x + 7, y + 4), callText, true);
            break;
        case TraceKind::LinkDown:
        case TraceKind::LinkUp:
        case TraceKind::LinkChange: {
            const double x2 = lifeline(e.peer);
            p.setPen(QPen(c, 2, Qt::DashDotLine));
            if (x2 >= 0) p.drawLine(QPointF(x, y), QPointF(x2, y));
            markText(QPointF((x + std::max(x, x2)) / 2 + 4, y - 4),
                     QString::fromLatin1(traceKindName(e.kind)), true);
            break;
        }
        case TraceKind::ClockJump: {
            // A clock face with the step: the node's local timestamps jump here.
            p.setBrush(Qt::NoBrush);
            p.setPen(QPen(c, 1.5));
            p.drawEllipse(QPointF(x, y), 5, 5);
            p.drawLine(QPointF(x, y), QPointF(x, y - 3.5));
            p.drawLine(QPointF(x, y), QPointF(x + 2.5, y));
            const QString step = QString::fromStdString(formatDuration(e.aux < 0 ? -e.aux : e.aux));
            markText(QPointF(x + 8, y + 4),
                     QStringLiteral("clock %1%2")
                         .arg(e.aux < 0 ? QStringLiteral("\u2212") : QStringLiteral("+"), step),
                     true);
            break;
        }
        case TraceKind::Drop:
        case TraceKind::Nack:
            p.setPen(QPen(c, 2));
            p.drawLine(QPointF(x - 4, y - 4), QPointF(x + 4, y + 4));
            p.drawLine(QPointF(x - 4, y + 4), QPointF(x + 4, y - 4));
            if (e.reason == DropReason::UnknownCorrelation)
                markText(QPointF(x + 7, y + 4), callText, true);
            else if (e.reason != DropReason::None)
                markText(QPointF(x + 7, y + 4), QString::fromLatin1(dropReasonName(e.reason)), false);
            break;
        case TraceKind::Ack:
        case TraceKind::Dedupe:
            p.drawEllipse(QPointF(x, y), 2.2, 2.2);
            break;
        case TraceKind::Process:
            p.drawRect(QRectF(x - 3, y - 3, 6, 6));
            break;
        case TraceKind::Enqueue:
            p.setBrush(Qt::NoBrush);
            p.drawRect(QRectF(x - 3, y - 3, 6, 6));
            break;
        default: {
            // Expire, dead-letter, timeout, retry, requeue: a diamond with a short label.
            QPolygonF diamond;
            diamond << QPointF(x, y - 4) << QPointF(x + 4, y) << QPointF(x, y + 4) << QPointF(x - 4, y);
            p.drawPolygon(diamond);
            markText(QPointF(x + 7, y + 4),
                     callText.isEmpty() ? QString::fromLatin1(traceKindName(e.kind)) : callText, false);
            break;
        }
        }
        p.setBrush(Qt::NoBrush);
    }

    // Checker annotations: a flag where the problem showed, for the messages the filter shows. The
    // flag goes above right of the spot, else below right, left..., else stacked below.
    p.setFont(small);
    for (std::size_t index = 0; index < annotations.size(); ++index) {
        const SequenceAnnotation &a = annotations[index];
        if (a.time < from || a.time > to) continue;
        if (a.messageId && !filter.acceptsMessage(a.messageId, a.correlationId)) continue;
        const double x = lifeline(a.node);
        if (x < 0) continue;
        const double y = layout.timeY(a.time);
        const QSizeF boxSize(fm.horizontalAdvance(a.text) + 8, fm.height() + 4);
        const QRectF aboveRight(QPointF(x + 8, y - boxSize.height() - 2), boxSize);
        const QRectF belowRight(QPointF(x + 8, y + 2), boxSize);
        const QRectF aboveLeft(QPointF(x - 8 - boxSize.width(), y - boxSize.height() - 2), boxSize);
        const QRectF belowLeft(QPointF(x - 8 - boxSize.width(), y + 2), boxSize);
        QRectF box = placer.placeNear({aboveRight, belowRight, aboveLeft, belowLeft});
        placer.take(box);
        stats.labels.push_back({DrawnLabel::Kind::Annotation, box, a.text, index});
        p.setPen(QPen(a.color, 1.5));
        const QPointF corner = box.center().x() < x
                                   ? (box.center().y() < y ? box.bottomRight() : box.topRight())
                                   : (box.center().y() < y ? box.bottomLeft() : box.topLeft());
        p.drawLine(QPointF(x, y), corner);
        p.setBrush(a.color.lighter(dark ? 60 : 170));
        p.drawRoundedRect(box, 3, 3);
        p.setPen(dark ? Qt::white : Qt::black);
        p.drawText(box, Qt::AlignCenter, a.text);
        p.setBrush(Qt::NoBrush);
    }

    // The header on top: node names in a frame of the kind's colour, a stripe in the node's.
    p.setFont(font);
    p.fillRect(QRectF(0, 0, size.width(), bodyTop), palette.color(QPalette::Window));
    p.setPen(QPen(grid, 1));
    p.drawLine(QPointF(0, bodyTop - 0.5), QPointF(size.width(), bodyTop - 0.5));
    const QFontMetricsF names(font);
    for (std::size_t i = 0; i < layout.order.size(); ++i) {
        const NodeIndex n = layout.order[i];
        const double x = layout.rulerWidth + layout.columnWidth * double(i);
        const QRectF box(x + 6, 6, layout.columnWidth - 12, bodyTop - 12);
        const bool marked = n < highlight.nodes.size() && highlight.nodes[n];
        const QString kind = n < NodeIndex(layout.nodeKinds.size()) ? layout.nodeKinds[int(n)] : QString();
        QColor kindFrame = kindColor(kind);
        kindFrame.setAlphaF(0.6);
        p.setPen(QPen(marked ? accent : kindFrame, marked ? 2 : 1));
        p.setBrush(base);
        p.drawRoundedRect(box, 4, 4);
        p.fillRect(QRectF(box.left() + 1, box.top() + 1, 5, box.height() - 2), lifelineColor(n));
        p.setPen(text);
        p.drawText(box.adjusted(11, 0, -4, 0), Qt::AlignVCenter | Qt::AlignLeft,
                   names.elidedText(layout.nodeName(n), Qt::ElideRight, box.width() - 15));
    }
    p.fillRect(QRectF(0, 0, layout.rulerWidth, bodyTop), palette.color(QPalette::Window));
    p.restore();
    return stats;
}

} // namespace sb
