#include "trace.h"

#include "callstatus.h"
#include "schema.h"

#include <bit>
#include <charconv>
#include <cstring>
#include <iterator>

namespace sb {

namespace {
constexpr const char *kKindNames[kTraceKindCount] = {
    "publish",     "send",          "route",          "enqueue",    "deliver",        "redeliver",
    "ack",         "nack",          "requeue",        "process",    "dedupe",         "confirm",
    "drop",        "expire",        "dead-letter",    "timeout",    "retry",          "link-down",
    "link-up",     "crash",         "restart",        "pause",      "resume",         "link-change",
    "fault-start", "fault-end",     "clock-jump",     "call",       "accept",         "execute",
    "complete",    "hedge",         "cancel",         "breaker",    "block",          "unblock",
    "append",      "replicate",     "high-watermark", "isr-shrink", "isr-expand",     "leader-elect",
    "truncate",    "retention",     "compact",        "commit",     "rebalance",      "join",
    "leave",       "assign",        "revoke",         "txn-commit", "txn-abort",      "marker",
    "visibility",  "stream-append", "conflict",       "rebuild",    "snapshot",       "project",
    "upcast",      "park",          "query-answer",   "saga-begin", "step-start",     "step-end",
    "local-txn",   "saga-end",      "saga-resume",    "db-commit",  "relay",          "match",
    "retain",      "will",          "connect",        "disconnect", "session-expire", "seek",
    "actor-fail",  "supervise",     "escalate",       "learn",      "peer-join",      "peer-leave",
    "lookup",      "script-error",  "script-log"};
constexpr const char *kReasonNames[kDropReasonCount] = {"",
                                                        "loss",
                                                        "partition",
                                                        "maxlen",
                                                        "reject-publish",
                                                        "unroutable",
                                                        "expired",
                                                        "delivery-limit",
                                                        "rejected",
                                                        "processing-failed",
                                                        "retries-exhausted",
                                                        "crash",
                                                        "unknown-tag",
                                                        "no-route",
                                                        "corrupt",
                                                        "fault",
                                                        "unknown-correlation",
                                                        "deadline",
                                                        "cancelled",
                                                        "truncated",
                                                        "compacted",
                                                        "retention",
                                                        "deduplicated",
                                                        "not-enough-replicas",
                                                        "unknown-schema",
                                                        "parked",
                                                        "no-subscribers",
                                                        "slow-consumer",
                                                        "session-expired",
                                                        "client-offline",
                                                        "filtered",
                                                        "actor-stopped",
                                                        "mailbox-full",
                                                        "ttl-expired",
                                                        "script-stopped"};
constexpr const char *kFrameNames[kFrameTypeCount] = {"publish",
                                                      "confirm",
                                                      "publish-nack",
                                                      "subscribe",
                                                      "deliver",
                                                      "ack",
                                                      "nack",
                                                      "pull",
                                                      "request",
                                                      "reply",
                                                      "cancel",
                                                      "stream-data",
                                                      "half-close",
                                                      "window-update",
                                                      "metadata",
                                                      "produce",
                                                      "fetch",
                                                      "list-offsets",
                                                      "join-group",
                                                      "sync-group",
                                                      "heartbeat",
                                                      "leave-group",
                                                      "offset-commit",
                                                      "offset-fetch",
                                                      "init-producer-id",
                                                      "add-partitions-to-txn",
                                                      "add-offsets-to-txn",
                                                      "txn-offset-commit",
                                                      "end-txn",
                                                      "send-message",
                                                      "receive-message",
                                                      "delete-message",
                                                      "change-message-visibility",
                                                      "append-to-stream",
                                                      "read-stream",
                                                      "subscribe-to-stream",
                                                      "event-appeared",
                                                      "persistent-ack",
                                                      "persistent-nack",
                                                      "command",
                                                      "query",
                                                      "connect",
                                                      "conn-ack",
                                                      "mqtt-publish",
                                                      "pub-ack",
                                                      "pub-rec",
                                                      "pub-rel",
                                                      "pub-comp",
                                                      "mqtt-subscribe",
                                                      "sub-ack",
                                                      "mqtt-unsubscribe",
                                                      "unsub-ack",
                                                      "ping-req",
                                                      "ping-resp",
                                                      "disconnect",
                                                      "redis-publish",
                                                      "redis-subscribe",
                                                      "redis-psubscribe",
                                                      "redis-unsubscribe",
                                                      "redis-message",
                                                      "redis-pmessage",
                                                      "nats-pub",
                                                      "nats-sub",
                                                      "nats-unsub",
                                                      "nats-msg",
                                                      "nats-ping",
                                                      "nats-pong",
                                                      "nats-err",
                                                      "pubsub-publish",
                                                      "pubsub-publish-response",
                                                      "pubsub-pull",
                                                      "pubsub-pull-response",
                                                      "pubsub-acknowledge",
                                                      "pubsub-modify-ack-deadline",
                                                      "pubsub-push",
                                                      "pubsub-push-response",
                                                      "sns-publish",
                                                      "sns-publish-response",
                                                      "sns-notification",
                                                      "sns-notification-response",
                                                      "tell",
                                                      "ask",
                                                      "ask-reply",
                                                      "exit",
                                                      "restart-child",
                                                      "shutdown-child",
                                                      "down",
                                                      "flood",
                                                      "gossip",
                                                      "gossip-pull",
                                                      "gossip-pull-reply",
                                                      "find-node",
                                                      "find-node-reply",
                                                      "bitfield",
                                                      "have",
                                                      "piece-request",
                                                      "piece"};
// The protocols' own spellings (Kafka, SQS, the event store, MQTT, Redis, NATS), from
// FrameType::Metadata on (the other frames' labels are their file names).
constexpr const char *kProtocolFrameLabels[] = {"Metadata",
                                                "Produce",
                                                "Fetch",
                                                "ListOffsets",
                                                "JoinGroup",
                                                "SyncGroup",
                                                "Heartbeat",
                                                "LeaveGroup",
                                                "OffsetCommit",
                                                "OffsetFetch",
                                                "InitProducerId",
                                                "AddPartitionsToTxn",
                                                "AddOffsetsToTxn",
                                                "TxnOffsetCommit",
                                                "EndTxn",
                                                "SendMessage",
                                                "ReceiveMessage",
                                                "DeleteMessage",
                                                "ChangeMessageVisibility",
                                                "AppendToStream",
                                                "ReadStream",
                                                "SubscribeToStream",
                                                "EventAppeared",
                                                "Ack",
                                                "Nack",
                                                "Command",
                                                "Query",
                                                "CONNECT",
                                                "CONNACK",
                                                "PUBLISH",
                                                "PUBACK",
                                                "PUBREC",
                                                "PUBREL",
                                                "PUBCOMP",
                                                "SUBSCRIBE",
                                                "SUBACK",
                                                "UNSUBSCRIBE",
                                                "UNSUBACK",
                                                "PINGREQ",
                                                "PINGRESP",
                                                "DISCONNECT",
                                                "PUBLISH",
                                                "SUBSCRIBE",
                                                "PSUBSCRIBE",
                                                "UNSUBSCRIBE",
                                                "message",
                                                "pmessage",
                                                "PUB",
                                                "SUB",
                                                "UNSUB",
                                                "MSG",
                                                "PING",
                                                "PONG",
                                                "-ERR",
                                                "Publish",
                                                "PublishResponse",
                                                "Pull",
                                                "PullResponse",
                                                "Acknowledge",
                                                "ModifyAckDeadline",
                                                "POST (push)",
                                                "push response",
                                                "Publish",
                                                "PublishResponse",
                                                "Notification",
                                                "Notification response",
                                                "tell",
                                                "ask",
                                                "ask reply",
                                                "EXIT",
                                                "restart",
                                                "shutdown",
                                                "DOWN",
                                                "flood",
                                                "gossip push",
                                                "gossip pull",
                                                "gossip pull reply",
                                                "FIND_NODE",
                                                "FIND_NODE reply",
                                                "bitfield",
                                                "have",
                                                "request",
                                                "piece"};
} // namespace

const char *frameTypeName(FrameType t)
{
    return kFrameNames[static_cast<int>(t)];
}
const char *frameTypeLabel(FrameType t)
{
    const int first = static_cast<int>(FrameType::Metadata);
    static_assert(std::size(kProtocolFrameLabels) == kFrameTypeCount - static_cast<int>(FrameType::Metadata));
    return static_cast<int>(t) < first ? frameTypeName(t) : kProtocolFrameLabels[static_cast<int>(t) - first];
}
const char *traceKindName(TraceKind k)
{
    return kKindNames[static_cast<int>(k)];
}
const char *dropReasonName(DropReason r)
{
    return kReasonNames[static_cast<int>(r)];
}

bool traceKindFromName(std::string_view name, TraceKind &out)
{
    for (int i = 0; i < kTraceKindCount; ++i)
        if (name == kKindNames[i]) {
            out = static_cast<TraceKind>(i);
            return true;
        }
    return false;
}

bool isLossReason(DropReason r)
{
    return r == DropReason::Loss || r == DropReason::Partition || r == DropReason::Crash ||
           r == DropReason::ProcessingFailed || r == DropReason::NoRoute ||
           r == DropReason::RetriesExhausted || r == DropReason::Truncated || r == DropReason::ScriptStopped;
}

// ---- CounterSink

CounterSink::CounterSink(std::size_t nodeCount) : m_perNode(nodeCount * kTraceKindCount, 0) {}

void CounterSink::onEvent(const TraceEvent &e)
{
    ++m_total;
    ++m_byKind[static_cast<int>(e.kind)];
    if (e.kind == TraceKind::Drop) ++m_drops[static_cast<int>(e.reason)];
    std::size_t slot = static_cast<std::size_t>(e.node) * kTraceKindCount + static_cast<std::size_t>(e.kind);
    if (e.node != kNoIndex && slot < m_perNode.size()) ++m_perNode[slot];
}

std::uint64_t CounterSink::count(NodeIndex node, TraceKind k) const
{
    std::size_t slot = static_cast<std::size_t>(node) * kTraceKindCount + static_cast<std::size_t>(k);
    return slot < m_perNode.size() ? m_perNode[slot] : 0;
}

// ---- HashSink

void HashSink::onEvent(const TraceEvent &e)
{
    auto mix = [this](std::uint64_t v) {
        for (int i = 0; i < 8; ++i) {
            m_hash ^= (v >> (8 * i)) & 0xff;
            m_hash *= 0x100000001b3ULL;
        }
    };
    mix(static_cast<std::uint64_t>(e.time));
    mix(static_cast<std::uint64_t>(e.aux));
    mix(e.messageId);
    mix(e.correlationId);
    mix((static_cast<std::uint64_t>(e.node) << 32) | e.peer);
    mix((static_cast<std::uint64_t>(e.link) << 32) | e.deliveryCount);
    mix((static_cast<std::uint64_t>(e.kind) << 24) | (static_cast<std::uint64_t>(e.reason) << 16) |
        (static_cast<std::uint64_t>(e.frame) << 8) | e.flags);
    if (e.local != e.time) mix(static_cast<std::uint64_t>(e.local));
    if (e.status != kNoStatus) mix(e.status);
    if (e.partition != kNoIndex || e.offset != -1 || e.group != kNoIndex || e.epoch) {
        mix((static_cast<std::uint64_t>(e.partition) << 32) | e.group);
        mix(static_cast<std::uint64_t>(e.offset));
        mix(e.epoch);
    }
    ++m_count;
}

// ---- RingBufferSink

RingBufferSink::RingBufferSink(std::size_t capacity)
{
    std::size_t cap = std::bit_ceil(capacity < 2 ? std::size_t{2} : capacity);
    m_buffer = std::make_unique<TraceEvent[]>(cap);
    m_mask = cap - 1;
}

void RingBufferSink::onEvent(const TraceEvent &e)
{
    const std::uint64_t head = m_head.load(std::memory_order_relaxed);
    const std::uint64_t tail = m_tail.load(std::memory_order_acquire);
    if (head - tail > m_mask) {
        m_overflowed.fetch_add(1, std::memory_order_relaxed);
        return;
    }
    m_buffer[head & m_mask] = e;
    m_head.store(head + 1, std::memory_order_release);
}

std::size_t RingBufferSink::drain(std::vector<TraceEvent> &out, std::size_t max)
{
    const std::uint64_t tail = m_tail.load(std::memory_order_relaxed);
    const std::uint64_t head = m_head.load(std::memory_order_acquire);
    std::size_t n = static_cast<std::size_t>(head - tail);
    if (n > max) n = max;
    out.reserve(out.size() + n);
    for (std::size_t i = 0; i < n; ++i)
        out.push_back(m_buffer[(tail + i) & m_mask]);
    m_tail.store(tail + n, std::memory_order_release);
    return n;
}

// ---- TraceFileWriter

TraceFileWriter::TraceFileWriter(std::vector<std::string> nodeNames, std::vector<std::string> linkNames)
    : m_nodeNames(std::move(nodeNames)), m_linkNames(std::move(linkNames))
{
}

TraceFileWriter::~TraceFileWriter()
{
    std::string ignored;
    close(ignored);
}

TraceFileWriter::Format TraceFileWriter::formatForPath(const std::string &path)
{
    auto dot = path.rfind('.');
    if (dot != std::string::npos && path.substr(dot) == ".csv") return Format::Csv;
    return Format::JsonLines;
}

bool TraceFileWriter::open(const std::string &path, Format format, std::string &error)
{
    m_file = std::fopen(path.c_str(), "wb");
    if (!m_file) {
        error = path + ": cannot write (" + std::strerror(errno) + ")";
        return false;
    }
    m_format = format;
    if (m_format == Format::Csv)
        put("time_ns,kind,node,peer,link,message_id,correlation_id,delivery_count,reason,frame,flags,aux,"
            "wall_ns,local_ns,fault,status,partition,offset,group,epoch\n");
    return true;
}

void TraceFileWriter::put(std::string_view s)
{
    if (m_len + s.size() > sizeof m_buf) flush();
    if (s.size() > sizeof m_buf) {
        if (m_file && std::fwrite(s.data(), 1, s.size(), m_file) != s.size()) m_failed = true;
        return;
    }
    std::memcpy(m_buf + m_len, s.data(), s.size());
    m_len += s.size();
}

void TraceFileWriter::putInt(std::int64_t v)
{
    char tmp[24];
    auto r = std::to_chars(tmp, tmp + sizeof tmp, v);
    put(std::string_view(tmp, static_cast<std::size_t>(r.ptr - tmp)));
}

void TraceFileWriter::putUInt(std::uint64_t v)
{
    char tmp[24];
    auto r = std::to_chars(tmp, tmp + sizeof tmp, v);
    put(std::string_view(tmp, static_cast<std::size_t>(r.ptr - tmp)));
}

void TraceFileWriter::putName(const std::vector<std::string> &names, std::uint32_t index, bool quoted)
{
    if (index == kNoIndex || index >= names.size()) {
        if (quoted) put("null");
        return;
    }
    // Ids are validated by the topology loader to [A-Za-z0-9_.:-], so no escaping is needed.
    if (quoted) put("\"");
    put(names[index]);
    if (quoted) put("\"");
}

void TraceFileWriter::putGroup(std::uint32_t group, bool quoted)
{
    std::string name = m_groupNames ? m_groupNames(group) : std::to_string(group);
    // Group ids are free text: quote and escape them as JSON strings (CSV: quoted when needed).
    if (quoted) {
        put(Json(name).dump());
        return;
    }
    if (name.find_first_of(",\"\n\r") == std::string::npos) {
        put(name);
        return;
    }
    std::string q = "\"";
    for (char c : name)
        q += c == '"' ? std::string("\"\"") : std::string(1, c);
    put(q + "\"");
}

void TraceFileWriter::onEvent(const TraceEvent &e)
{
    if (!m_file) return;
    const bool hasFrame = e.kind == TraceKind::Send || (e.kind == TraceKind::Drop && e.link != kNoIndex);
    const bool isFault = e.kind == TraceKind::FaultStart || e.kind == TraceKind::FaultEnd;
    if (m_format == Format::JsonLines) {
        put("{\"t\":");
        putInt(e.time);
        put(",\"kind\":\"");
        put(traceKindName(e.kind));
        put("\",\"node\":");
        putName(m_nodeNames, e.node, true);
        if (e.peer != kNoIndex) {
            put(",\"peer\":");
            putName(m_nodeNames, e.peer, true);
        }
        if (e.link != kNoIndex) {
            put(",\"link\":");
            putName(m_linkNames, e.link, true);
        }
        if (e.messageId) {
            put(",\"msg\":");
            putUInt(e.messageId);
        }
        if (e.correlationId) {
            put(",\"corr\":");
            putUInt(e.correlationId);
        }
        if (e.deliveryCount) {
            put(",\"deliveries\":");
            putUInt(e.deliveryCount);
        }
        if (e.reason != DropReason::None) {
            put(",\"reason\":\"");
            put(dropReasonName(e.reason));
            put("\"");
        }
        if (hasFrame) {
            put(",\"frame\":\"");
            put(frameTypeName(e.frame));
            put("\"");
        }
        if (e.flags) {
            put(",\"flags\":");
            putUInt(e.flags);
        }
        if (e.aux) {
            put(",\"aux\":");
            putInt(e.aux);
        }
        if (e.wall) {
            put(",\"wall\":");
            putInt(e.wall);
        }
        if (e.local != e.time) {
            put(",\"local\":");
            putInt(e.local);
        }
        if (hasFrame && (e.flags & TraceFlag::Response)) put(",\"response\":true");
        if (e.status != kNoStatus) {
            put(",\"status\":\"");
            put(frameStatusName(e.frame, e.status));
            put("\"");
        }
        if (e.partition != kNoIndex) {
            put(",\"partition\":");
            putUInt(e.partition);
        }
        if (e.offset != -1) {
            put(",\"offset\":");
            putInt(e.offset);
        }
        if (e.group != kNoIndex) {
            put(",\"group\":");
            putGroup(e.group, true);
        }
        if (e.epoch) {
            put(",\"epoch\":");
            putUInt(e.epoch);
        }
        if (isFault && m_faultNames) {
            put(",\"fault\":\"");
            put(m_faultNames(static_cast<std::uint64_t>(e.aux)));
            put("\"");
        }
        put("}\n");
    } else {
        putInt(e.time);
        put(",");
        put(traceKindName(e.kind));
        put(",");
        putName(m_nodeNames, e.node, false);
        put(",");
        putName(m_nodeNames, e.peer, false);
        put(",");
        putName(m_linkNames, e.link, false);
        put(",");
        putUInt(e.messageId);
        put(",");
        putUInt(e.correlationId);
        put(",");
        putUInt(e.deliveryCount);
        put(",");
        put(dropReasonName(e.reason));
        put(",");
        if (hasFrame) put(frameTypeName(e.frame));
        put(",");
        putUInt(e.flags);
        put(",");
        putInt(e.aux);
        put(",");
        putInt(e.wall);
        put(",");
        putInt(e.local);
        put(",");
        if (isFault && m_faultNames) put(m_faultNames(static_cast<std::uint64_t>(e.aux)));
        put(",");
        if (e.status != kNoStatus) put(frameStatusName(e.frame, e.status));
        put(",");
        if (e.partition != kNoIndex) putUInt(e.partition);
        put(",");
        if (e.offset != -1) putInt(e.offset);
        put(",");
        if (e.group != kNoIndex) putGroup(e.group, false);
        put(",");
        if (e.epoch) putUInt(e.epoch);
        put("\n");
    }
    ++m_written;
}

void TraceFileWriter::flush()
{
    if (m_file && m_len) {
        if (std::fwrite(m_buf, 1, m_len, m_file) != m_len) m_failed = true;
        m_len = 0;
    }
    if (m_file) std::fflush(m_file);
}

bool TraceFileWriter::close(std::string &error)
{
    if (!m_file) return !m_failed;
    flush();
    bool ok = std::fclose(m_file) == 0 && !m_failed;
    m_file = nullptr;
    if (!ok) error = "writing the events file failed (disk full?)";
    return ok;
}

} // namespace sb
