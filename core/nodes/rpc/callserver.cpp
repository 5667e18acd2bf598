// The call server behind rpc-server and http-server, speaking callprotocol.h. A request enters an
// accept queue (rejected at once when it is full or, for HTTP, beyond the rate limit); `workers`
// handlers run at once. A handler unmarshals the request, makes its downstream call if it has
// one, exchanges stream items under HTTP/2 flow control, works the service time, marshals and
// replies. Deadlines shed queued requests and stop running ones; Cancel frames do the same
// (a server that does not honor deadlines ignores both). An
// idempotency store answers keys it holds and makes a retry of a key executing now wait for
// that execution's reply (both traced Dedupe when answered, never Execute); an execution that
// ends without a reply hands its key to the first attempt waiting for it.
#include "../../callstatus.h"
#include "../common.h"
#include "callprotocol.h"
#include "idempotencystore.h"
#include "rpc.h"
#include "wireformat.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <deque>
#include <unordered_map>

namespace sb::rpc {
namespace {

// Timer tags: the attempt's serial above, what the timer is for in the low bits.
enum TimerKind : std::uint64_t {
    StepTimer = 0,
    DeadlineTimer = 1,
    ItemTimer = 2,
    ConsumeTimer = 3,
    DownTimer = 4
};
constexpr int kTimerBits = 3;

std::uint32_t headerNumber(const Message &m, std::string_view name)
{
    const std::string *v = m.header(name);
    std::uint32_t out = 0;
    if (v) std::from_chars(v->data(), v->data() + v->size(), out);
    return out;
}

class CallServer final : public Node {
public:
    CallServer(const NodeSetup &s, Protocol protocol) : m_protocol(protocol)
    {
        const auto &p = s.properties;
        const bool http = protocol == Protocol::Http;
        m_workers = static_cast<std::uint32_t>(p.integer("workers"));
        m_queueLimit = static_cast<std::uint64_t>(p.integer("queueLimit"));
        m_service = p.distribution("serviceTime");
        m_responseSize = static_cast<std::uint32_t>(p.integer("responseSize"));
        m_format = &wireFormat(p.string("format"));
        m_marshal.fixed = p.duration("marshalFixed");
        m_marshal.nsPerByte = p.number("marshalPerByte");
        m_failureRate = p.number("failureRate");
        m_failureStatus = statusFromKey(p.string("failureStatus")).value_or(http ? 500 : Grpc::Unavailable);
        m_honorDeadline = p.boolean("honorDeadline");
        m_retryAfter = p.duration("retryAfter");
        if (http) {
            m_rateLimit = p.number("rateLimit");
            m_rateBurst = static_cast<double>(p.integer("rateBurst"));
        } else {
            m_itemInterval = p.duration("itemInterval");
            m_itemProcessing = p.duration("itemProcessing");
        }
        const std::string store = p.string("idempotencyStore");
        m_storeMode = store == "durable" ? Store::Durable : store == "memory" ? Store::Memory : Store::Off;
        m_store = IdempotencyStore(p.duration("idempotencyRetention"));
        m_downstreamMethod = p.string("downstreamMethod");
        m_eventRoutingKey = p.string("eventRoutingKey");
        m_propagateDeadline = p.boolean("propagateDeadline");
    }

    void start(NodeContext &ctx) override
    {
        m_tokens = m_rateBurst;
        m_refilledAt = ctx.now();
    }

    void onFrame(NodeContext &ctx, LinkIndex from, Frame &f) override
    {
        switch (f.type) {
        case FrameType::Request:
            onRequest(ctx, from, f);
            break;
        case FrameType::Reply:
            onDownstreamReply(ctx, from, f);
            break;
        case FrameType::Cancel:
            // A handler that ignores its context (honorDeadline off) never notices a cancel either.
            if (!m_honorDeadline) break;
            if (Attempt *a = attemptOf(from, f.tag)) stop(ctx, *a, DropReason::Cancelled);
            break;
        case FrameType::StreamData:
            // A duplicated item (count already seen) is not a new one.
            if (Attempt *a = attemptOf(from, f.tag);
                a && a->state != State::Waiting && f.message && f.count >= a->itemsReceived) {
                a->itemsReceived = f.count + 1;
                a->inbox.push_back(f.message->size);
                if (a->state == State::Running && a->step == Step::Input) consumeNext(ctx, *a);
            }
            break;
        case FrameType::HalfClose:
            if (Attempt *a = attemptOf(from, f.tag)) {
                a->halfClosed = true;
                if (a->state == State::Running && a->step == Step::Input) consumeNext(ctx, *a);
            }
            break;
        case FrameType::WindowUpdate:
            if (Attempt *a = attemptOf(from, f.tag)) onWindowUpdate(ctx, *a, f.count);
            break;
        default:
            break;
        }
    }

    void onTimer(NodeContext &ctx, std::uint64_t tag) override
    {
        auto it = m_attempts.find(tag >> kTimerBits);
        if (it == m_attempts.end()) return;
        Attempt &a = it->second;
        switch (tag & ((1u << kTimerBits) - 1)) {
        case StepTimer:
            a.stepTimer = kNoTimer;
            if (a.step == Step::Unmarshal) {
                if (m_downstreamMethod.empty())
                    beginHandler(ctx, a);
                else
                    callDownstream(ctx, a);
            } else if (a.step == Step::Serve) {
                a.serviceDone = true;
                maybeReply(ctx, a);
            }
            break;
        case DeadlineTimer:
            a.deadlineTimer = kNoTimer;
            stop(ctx, a, DropReason::DeadlineExceeded);
            break;
        case ItemTimer:
            a.itemTimer = kNoTimer;
            onItemProduced(ctx, a);
            break;
        case ConsumeTimer: {
            a.consumeTimer = kNoTimer;
            const std::uint32_t bytes = a.inbox[a.inboxHead++];
            a.consuming = false;
            // The handler read the item: the client may send that many more bytes.
            Frame w;
            w.type = FrameType::WindowUpdate;
            w.tag = a.tag;
            w.count = bytes;
            w.message = controlMessage(*a.request);
            ctx.send(a.link, std::move(w));
            consumeNext(ctx, a);
            break;
        }
        case DownTimer:
            a.downTimer = kNoTimer;
            // The caller's deadline for the downstream call passed: give up on it, as a gRPC
            // client does, and tell the downstream server.
            endDownstream(ctx, a, callerStatus(Failure::Deadline), true);
            downstreamFailed(ctx, a, Failure::Deadline);
            break;
        default:
            break;
        }
    }

    void onLinkState(NodeContext &ctx, LinkIndex link, bool up) override
    {
        if (up) return;
        // A broken connection fails the downstream calls on it at once (gRPC: UNAVAILABLE).
        std::vector<std::uint64_t> tags;
        for (const auto &[tag, serial] : m_downstream)
            if (m_attempts.at(serial).downLink == link) tags.push_back(tag);
        std::sort(tags.begin(), tags.end());
        for (auto tag : tags) {
            auto it = m_downstream.find(tag);
            if (it == m_downstream.end()) continue;
            Attempt &a = m_attempts.at(it->second);
            endDownstream(ctx, a, callerStatus(Failure::Unavailable), false);
            downstreamFailed(ctx, a, Failure::Unavailable);
        }
    }

    void onCrash(NodeContext &ctx) override
    {
        // Queued requests, running handlers and the attempts waiting for them are in memory:
        // gone, without a reply. A durable idempotency store is on disk and survives.
        std::vector<std::uint64_t> serials;
        serials.reserve(m_attempts.size());
        for (const auto &[serial, a] : m_attempts)
            serials.push_back(serial);
        std::sort(serials.begin(), serials.end());
        for (auto serial : serials) {
            const Attempt &a = m_attempts.at(serial);
            TraceEvent e = attemptEvent(TraceKind::Drop, a);
            e.reason = DropReason::Crash;
            ctx.trace(e);
        }
        m_attempts.clear();
        m_byTag.clear();
        m_queue.clear();
        m_queued = 0;
        m_running = 0;
        m_executing.clear();
        m_downstream.clear();
        if (m_storeMode != Store::Durable) m_store.clear();
    }

    void onDiskLost(NodeContext &) override { m_store.clear(); }

    NodeStatus status() const override
    {
        NodeStatus s;
        s.ready = m_queued;
        s.unacked = m_running;
        return s;
    }

    bool hasPendingWork() const override { return m_queued > 0 || m_running > 0; }

private:
    enum class Store : std::uint8_t { Off, Memory, Durable };
    enum class State : std::uint8_t { Queued, Running, Waiting };
    // A running handler's steps: unmarshal the request, the downstream call, take the client's
    // stream items (Input), then the service time (Serve).
    enum class Step : std::uint8_t { Unmarshal, Downstream, Input, Serve };
    enum class Failure : std::uint8_t { Unavailable, Deadline, Cancelled };

    struct Attempt {
        std::uint64_t serial = 0;
        LinkIndex link = kNoIndex;
        NodeIndex client = kNoIndex;
        std::uint64_t tag = 0;
        std::uint32_t number = 0;
        SimTime deadline = kNever;
        MessageRef request;
        std::string key; // idempotency key, when the store is on and the request has one
        CallKind kind = CallKind::Unary;
        State state = State::Queued;
        Step step = Step::Unmarshal;
        std::uint64_t owner = 0;            // Waiting: the attempt executing the same key
        std::vector<std::uint64_t> waiters; // attempts waiting for this one's reply
        TimerId stepTimer = kNoTimer, deadlineTimer = kNoTimer, itemTimer = kNoTimer, consumeTimer = kNoTimer,
                downTimer = kNoTimer;
        bool fail = false;
        bool serviceDone = false;
        // Server stream: items to send and the client's flow-control window.
        std::uint32_t itemsToSend = 0;
        std::uint32_t itemSize = 0;
        std::uint32_t itemsSent = 0;
        std::uint64_t granted = kInitialWindow; // the window plus every WindowUpdate
        std::uint64_t sentBytes = 0;
        bool blocked = false;
        SimTime blockedSince = 0;
        // Client stream: the bytes of each item received; those before inboxHead are consumed.
        // (A vector, not a deque: most calls are unary and a deque allocates when constructed.)
        std::vector<std::uint32_t> inbox;
        std::size_t inboxHead = 0;
        std::uint32_t itemsReceived = 0;
        bool consuming = false;
        bool halfClosed = false;
        // The downstream call in progress (downTag != 0).
        std::uint64_t downTag = 0;
        std::uint64_t downCall = 0;
        MessageRef downRequest;
        LinkIndex downLink = kNoIndex;
        SimTime downStart = 0;
    };
    struct TagKey {
        LinkIndex link;
        std::uint64_t tag;
        bool operator==(const TagKey &) const = default;
    };
    struct TagKeyHash {
        std::size_t operator()(const TagKey &k) const
        {
            return std::hash<std::uint64_t>()(k.tag * 0x9e3779b97f4a7c15ULL ^ k.link);
        }
    };

    bool http() const { return m_protocol == Protocol::Http; }
    bool sendsItems(const Attempt &a) const
    {
        return a.kind == CallKind::ServerStreaming || a.kind == CallKind::BidiStreaming;
    }
    bool takesItems(const Attempt &a) const
    {
        return a.kind == CallKind::ClientStreaming || a.kind == CallKind::BidiStreaming;
    }
    // Unary and client-streaming replies carry the response; a stream's reply is its trailers.
    bool replyHasBody(const Attempt &a) const { return !sendsItems(a); }

    Attempt *attemptOf(LinkIndex link, std::uint64_t tag)
    {
        auto it = m_byTag.find(TagKey{link, tag});
        return it == m_byTag.end() ? nullptr : &m_attempts.at(it->second);
    }

    TraceEvent attemptEvent(TraceKind kind, const Attempt &a) const
    {
        TraceEvent e = messageEvent(kind, a.request.get());
        e.peer = a.client;
        e.link = a.link;
        e.deliveryCount = a.number;
        return e;
    }

    TimerId arm(NodeContext &ctx, const Attempt &a, TimerKind kind, SimTime delay)
    {
        return ctx.startTimer(std::max<SimTime>(delay, 0), (a.serial << kTimerBits) | kind);
    }

    void cancelTimers(NodeContext &ctx, Attempt &a)
    {
        for (TimerId *t : {&a.stepTimer, &a.deadlineTimer, &a.itemTimer, &a.consumeTimer, &a.downTimer}) {
            ctx.cancelTimer(*t);
            *t = kNoTimer;
        }
    }

    SimTime marshalCost(std::uint32_t wire) const { return marshalTime(*m_format, m_marshal, wire); }

    std::uint16_t successStatus(const Attempt &a) const
    {
        if (!http()) return Grpc::Ok;
        return httpVerb(a.request->routingKey) == "POST" ? 201 : 200; // 201 Created
    }

    // How the server, as a caller, names a downstream call that failed (and the reply it gives).
    std::uint16_t callerStatus(Failure f) const
    {
        switch (f) {
        case Failure::Deadline:
            return http() ? 504 : Grpc::DeadlineExceeded; // 504 Gateway Timeout
        case Failure::Cancelled:
            return http() ? 499 : Grpc::Cancelled; // nginx's "client closed request"
        case Failure::Unavailable:
            break;
        }
        return http() ? 502 : Grpc::Unavailable; // 502 Bad Gateway
    }

    MessageRef newReply(NodeContext &ctx, const Attempt &a, std::uint32_t wire)
    {
        auto m = std::make_shared<Message>();
        m->id = ctx.newMessageId();
        m->correlationId = a.request->correlationId;
        m->routingKey = a.request->routingKey;
        m->size = wire;
        m->publishedAt = ctx.now();
        m->producer = ctx.self();
        return m;
    }

    void sendReply(NodeContext &ctx, const Attempt &a, std::uint16_t status, MessageRef reply)
    {
        // A stored reply answers a later call with the same key: it carries that call's id.
        if (reply && reply->correlationId != a.request->correlationId) {
            auto copy = std::make_shared<Message>(*reply);
            copy->correlationId = a.request->correlationId;
            reply = std::move(copy);
        }
        Frame r;
        r.type = FrameType::Reply;
        r.tag = a.tag;
        r.status = status;
        r.deliveryCount = a.number;
        r.message = std::move(reply);
        ctx.send(a.link, std::move(r));
    }

    // Removes an attempt that is neither queued nor running any more.
    void forget(std::uint64_t serial)
    {
        auto it = m_attempts.find(serial);
        if (it == m_attempts.end()) return;
        m_byTag.erase(TagKey{it->second.link, it->second.tag});
        m_attempts.erase(it);
    }

    // --- Admission ---------------------------------------------------------------------------

    void onRequest(NodeContext &ctx, LinkIndex from, Frame &f)
    {
        if (!f.message) return;
        // A stream arrives once: a duplicated frame of an attempt still here is not a new request.
        if (m_byTag.count(TagKey{from, f.tag})) return;
        const std::uint64_t serial = ++m_nextSerial;
        Attempt &a = m_attempts[serial];
        a.serial = serial;
        a.link = from;
        a.client = ctx.peer(from);
        a.tag = f.tag;
        a.number = f.deliveryCount;
        // Thrift carries no deadline (see the client): its handlers cannot honour one.
        a.deadline = m_protocol == Protocol::Thrift ? kNever : f.deadline;
        a.request = std::move(f.message);
        if (m_storeMode != Store::Off)
            if (const std::string *key = a.request->header(kIdempotencyKey)) a.key = *key;
        if (!http()) {
            if (const std::string *kind = a.request->header(kCallKind)) callKindFromName(*kind, a.kind);
            a.itemsToSend = headerNumber(*a.request, kStreamItems);
            a.itemSize = headerNumber(*a.request, kStreamItemSize);
        }
        m_byTag.emplace(TagKey{from, f.tag}, serial);
        admit(ctx, a, true);
    }

    // `fresh`: the attempt just arrived (an attempt admitted again after the execution it waited
    // for ended without a reply has passed the rate limit already).
    void admit(NodeContext &ctx, Attempt &a, bool fresh)
    {
        if (fresh && m_rateLimit > 0 && !takeToken(ctx.now())) {
            reject(ctx, a, 429); // Too Many Requests
            return;
        }
        if (!a.key.empty()) {
            m_store.purge(ctx.now());
            if (const auto *stored = m_store.find(a.key, ctx.now())) {
                ctx.trace(attemptEvent(TraceKind::Dedupe, a));
                sendReply(ctx, a, stored->status, stored->reply);
                forget(a.serial);
                return;
            }
            if (auto owner = m_executing.find(a.key); owner != m_executing.end()) {
                a.state = State::Waiting;
                a.owner = owner->second;
                m_attempts.at(owner->second).waiters.push_back(a.serial);
                return;
            }
        }
        if (m_queueLimit && m_queued >= m_queueLimit) {
            reject(ctx, a, http() ? 503 : Grpc::ResourceExhausted);
            return;
        }
        a.state = State::Queued;
        m_queue.push_back(a.serial);
        ++m_queued;
        TraceEvent e = attemptEvent(TraceKind::Accept, a);
        e.aux = static_cast<std::int64_t>(m_queued);
        ctx.trace(e);
        if (!a.key.empty()) m_executing[a.key] = a.serial;
        takeNext(ctx);
    }

    bool takeToken(SimTime now)
    {
        m_tokens = std::min(m_rateBurst, m_tokens + toSeconds(now - m_refilledAt) * m_rateLimit);
        m_refilledAt = now;
        if (m_tokens < 1) return false;
        m_tokens -= 1;
        return true;
    }

    // Queue full (503 / RESOURCE_EXHAUSTED) or rate limited (429), with the pause clients should take.
    void reject(NodeContext &ctx, Attempt &a, std::uint16_t status)
    {
        MessageRef reply = newReply(ctx, a, 0);
        if (m_retryAfter > 0) {
            auto m = std::const_pointer_cast<Message>(reply);
            if (http()) // Retry-After is in whole seconds (RFC 9110 section 10.2.3)
                m->headers.push_back({std::string(kRetryAfter), std::to_string(static_cast<std::int64_t>(
                                                                    std::ceil(toSeconds(m_retryAfter))))});
            else
                m->headers.push_back({std::string(kRetryPushback),
                                      std::to_string(std::llround(toMilliseconds(m_retryAfter)))});
        }
        sendReply(ctx, a, status, std::move(reply));
        forget(a.serial);
    }

    void takeNext(NodeContext &ctx)
    {
        while (m_running < m_workers && m_queued > 0) {
            const std::uint64_t serial = m_queue.front();
            m_queue.pop_front();
            auto it = m_attempts.find(serial);
            // Cancelled while queued: its place is left in the queue and skipped here.
            if (it == m_attempts.end() || it->second.state != State::Queued) continue;
            --m_queued;
            Attempt &a = it->second;
            if (m_honorDeadline && a.deadline <= ctx.now()) {
                // Load shedding by deadline: nobody waits for this answer any more.
                TraceEvent e = attemptEvent(TraceKind::Cancel, a);
                e.reason = DropReason::DeadlineExceeded;
                e.aux = static_cast<std::int64_t>(m_queued);
                ctx.trace(e);
                endWithoutReply(ctx, a);
                continue;
            }
            execute(ctx, a);
        }
    }

    // --- The handler -------------------------------------------------------------------------

    void execute(NodeContext &ctx, Attempt &a)
    {
        a.state = State::Running;
        a.step = Step::Unmarshal;
        ++m_running;
        TraceEvent e = attemptEvent(TraceKind::Execute, a);
        e.aux = static_cast<std::int64_t>(m_queued);
        ctx.trace(e);
        if (m_honorDeadline && a.deadline != kNever)
            a.deadlineTimer = arm(ctx, a, DeadlineTimer, a.deadline - ctx.now());
        a.stepTimer = arm(ctx, a, StepTimer, marshalCost(a.request->size));
    }

    void beginHandler(NodeContext &ctx, Attempt &a)
    {
        a.step = Step::Input;
        if (sendsItems(a)) produceNext(ctx, a);
        if (takesItems(a))
            consumeNext(ctx, a);
        else
            beginService(ctx, a);
    }

    // The handler has its whole input: it works the service time (and marshals its response).
    void beginService(NodeContext &ctx, Attempt &a)
    {
        a.step = Step::Serve;
        a.fail = ctx.rng().bernoulli(m_failureRate);
        SimTime work = m_service.sample(ctx.rng());
        if (replyHasBody(a) && !a.fail)
            work = addTime(work, marshalCost(wireBytes(*m_format, m_responseSize)));
        a.stepTimer = arm(ctx, a, StepTimer, work);
    }

    void maybeReply(NodeContext &ctx, Attempt &a)
    {
        if (a.step != Step::Serve || !a.serviceDone) return;
        if (sendsItems(a) && a.itemsSent < a.itemsToSend) return;
        const bool body = replyHasBody(a) && !a.fail;
        finish(ctx, a, a.fail ? m_failureStatus : successStatus(a),
               newReply(ctx, a, body ? wireBytes(*m_format, m_responseSize) : 0));
    }

    // The handler produced its reply: to the attempt, to every attempt waiting for the same key,
    // and (on success) into the idempotency store.
    void finish(NodeContext &ctx, Attempt &a, std::uint16_t status, MessageRef reply)
    {
        cancelTimers(ctx, a);
        --m_running;
        sendReply(ctx, a, status, reply);
        if (isSuccessStatus(status)) publishEvent(ctx, a);
        if (!a.key.empty()) {
            if (auto it = m_executing.find(a.key); it != m_executing.end() && it->second == a.serial)
                m_executing.erase(it);
            if (isSuccessStatus(status)) m_store.put(a.key, status, reply, ctx.now());
            for (auto w : a.waiters) {
                auto it = m_attempts.find(w);
                if (it == m_attempts.end()) continue;
                ctx.trace(attemptEvent(TraceKind::Dedupe, it->second));
                sendReply(ctx, it->second, status, reply);
                forget(w);
            }
        }
        forget(a.serial);
        takeNext(ctx);
    }

    // Work given up (deadline, cancel): no reply. A queued attempt leaves its place to be
    // skipped; a running one frees its worker and abandons its downstream call.
    void stop(NodeContext &ctx, Attempt &a, DropReason reason)
    {
        TraceEvent e = attemptEvent(TraceKind::Cancel, a);
        e.reason = reason;
        ctx.trace(e);
        switch (a.state) {
        case State::Waiting: {
            auto &waiters = m_attempts.at(a.owner).waiters;
            waiters.erase(std::find(waiters.begin(), waiters.end(), a.serial));
            forget(a.serial);
            return;
        }
        case State::Queued:
            --m_queued;
            endWithoutReply(ctx, a);
            return;
        case State::Running:
            cancelTimers(ctx, a);
            if (a.downTag)
                endDownstream(ctx, a,
                              callerStatus(reason == DropReason::DeadlineExceeded ? Failure::Deadline
                                                                                  : Failure::Cancelled),
                              // A fresh context (no propagation) is not cancelled with the caller's.
                              m_propagateDeadline);
            --m_running;
            endWithoutReply(ctx, a);
            takeNext(ctx);
            return;
        }
    }

    // An attempt that executed (or would have) ends with no reply: attempts waiting for its key
    // are admitted again, the first of them executing it.
    void endWithoutReply(NodeContext &ctx, Attempt &a)
    {
        std::vector<std::uint64_t> waiters;
        if (!a.key.empty()) {
            if (auto it = m_executing.find(a.key); it != m_executing.end() && it->second == a.serial)
                m_executing.erase(it);
            waiters = std::move(a.waiters);
        }
        forget(a.serial);
        for (auto w : waiters)
            if (auto it = m_attempts.find(w); it != m_attempts.end()) admit(ctx, it->second, false);
    }

    // --- Streams (gRPC): HTTP/2 flow control ---------------------------------------------------

    void produceNext(NodeContext &ctx, Attempt &a)
    {
        if (a.itemsSent >= a.itemsToSend) {
            maybeReply(ctx, a);
            return;
        }
        a.itemTimer = arm(ctx, a, ItemTimer, addTime(m_itemInterval, marshalCost(a.itemSize)));
    }

    // Within the window, or (an item larger than the whole window) when the client holds none
    // unacknowledged: HTTP/2 would send it in window-sized DATA frames.
    bool mayTransmit(const Attempt &a) const
    {
        const std::uint64_t acknowledged = a.granted - kInitialWindow;
        return a.sentBytes + a.itemSize <= a.granted || a.sentBytes <= acknowledged;
    }

    void onItemProduced(NodeContext &ctx, Attempt &a)
    {
        if (!mayTransmit(a)) {
            a.blocked = true;
            a.blockedSince = ctx.now();
            ctx.trace(attemptEvent(TraceKind::Block, a));
            return;
        }
        transmitItem(ctx, a);
        produceNext(ctx, a);
    }

    void onWindowUpdate(NodeContext &ctx, Attempt &a, std::uint32_t bytes)
    {
        a.granted += bytes;
        if (!a.blocked || !mayTransmit(a)) return;
        a.blocked = false;
        TraceEvent e = attemptEvent(TraceKind::Unblock, a);
        e.aux = ctx.now() - a.blockedSince;
        ctx.trace(e);
        transmitItem(ctx, a);
        produceNext(ctx, a);
    }

    void transmitItem(NodeContext &ctx, Attempt &a)
    {
        Frame d;
        d.type = FrameType::StreamData;
        d.tag = a.tag;
        d.count = a.itemsSent;
        d.message = newReply(ctx, a, a.itemSize);
        ++a.itemsSent;
        a.sentBytes += a.itemSize;
        ctx.send(a.link, std::move(d));
    }

    void consumeNext(NodeContext &ctx, Attempt &a)
    {
        if (a.consuming) return;
        if (a.inboxHead == a.inbox.size()) {
            if (a.halfClosed && a.step == Step::Input) beginService(ctx, a);
            return;
        }
        a.consuming = true;
        a.consumeTimer =
            arm(ctx, a, ConsumeTimer, addTime(m_itemProcessing, marshalCost(a.inbox[a.inboxHead])));
    }

    // The event a served call publishes (eventRoutingKey): a new message, fire and forget (tag 0
    // asks the exchange for no confirm). Its key is the call's idempotency key, if any.
    void publishEvent(NodeContext &ctx, const Attempt &a)
    {
        if (m_eventRoutingKey.empty() || ctx.links(CallServerPort::Events).empty()) return;
        auto m = std::make_shared<Message>();
        m->id = ctx.newMessageId();
        m->sequence = ++m_eventsPublished;
        m->routingKey = m_eventRoutingKey;
        m->key = a.key;
        m->size = a.request->size;
        m->publishedAt = ctx.now();
        m->producer = ctx.self();
        ctx.announce(*m);
        TraceEvent e = messageEvent(TraceKind::Publish, m.get());
        e.aux = m->size;
        ctx.trace(e);
        Frame f;
        f.type = FrameType::Publish;
        f.message = std::move(m);
        sendOnPort(ctx, CallServerPort::Events, std::move(f));
    }

    // --- The downstream call -----------------------------------------------------------------

    void callDownstream(NodeContext &ctx, Attempt &a)
    {
        a.step = Step::Downstream;
        auto links = ctx.links(CallServerPort::Downstream);
        if (links.empty()) {
            TraceEvent e = attemptEvent(TraceKind::Drop, a);
            e.reason = DropReason::NoRoute;
            ctx.trace(e);
            downstreamFailed(ctx, a, Failure::Unavailable);
            return;
        }
        const LinkIndex link = links[m_downCursor++ % links.size()];
        auto m = std::make_shared<Message>();
        m->id = ctx.newMessageId();
        m->correlationId = ctx.newMessageId();
        m->routingKey = m_downstreamMethod;
        m->size = a.request->size; // the request is passed on
        m->headers.push_back({std::string(kParentCall), std::to_string(a.request->correlationId)});
        m->headers.push_back({std::string(kCallKind), callKindName(CallKind::Unary)});
        m->publishedAt = ctx.now();
        m->producer = ctx.self();
        m->sequence = ++m_downSequence;
        ctx.announce(*m);
        TraceEvent e = messageEvent(TraceKind::Call, m.get());
        e.aux = static_cast<std::int64_t>(a.request->correlationId);
        e.deliveryCount = 1;
        e.peer = ctx.peer(link);
        e.link = link;
        ctx.trace(e);
        a.downTag = ++m_nextDownTag;
        a.downCall = m->correlationId;
        a.downRequest = m;
        a.downLink = link;
        a.downStart = ctx.now();
        m_downstream.emplace(a.downTag, a.serial);
        Frame r;
        r.type = FrameType::Request;
        r.tag = a.downTag;
        r.deliveryCount = 1;
        r.deadline = m_propagateDeadline ? a.deadline : kNever;
        r.message = std::move(m);
        if (r.deadline != kNever) a.downTimer = arm(ctx, a, DownTimer, r.deadline - ctx.now());
        ctx.send(link, std::move(r));
    }

    void onDownstreamReply(NodeContext &ctx, LinkIndex from, Frame &f)
    {
        auto it = m_downstream.find(f.tag);
        if (it == m_downstream.end() || m_attempts.at(it->second).downLink != from) {
            // Late (the call was given up) or never asked for: counted and dropped, as clients do.
            TraceEvent e = messageEvent(TraceKind::Drop, f.message.get());
            e.reason = DropReason::UnknownCorrelation;
            e.peer = ctx.peer(from);
            e.link = from;
            e.status = f.status;
            ctx.trace(e);
            return;
        }
        Attempt &a = m_attempts.at(it->second);
        const std::uint16_t status = f.status;
        endDownstream(ctx, a, status, false);
        if (isSuccessStatus(status))
            beginHandler(ctx, a);
        else
            downstreamFailed(ctx, a,
                             status == Grpc::DeadlineExceeded || status == 504 ? Failure::Deadline
                                                                               : Failure::Unavailable);
    }

    // The downstream call ended with `status` (traced as the call's Complete); `cancel` tells the
    // downstream server to stop working on it.
    void endDownstream(NodeContext &ctx, Attempt &a, std::uint16_t status, bool cancel)
    {
        if (!a.downTag) return;
        ctx.cancelTimer(a.downTimer);
        a.downTimer = kNoTimer;
        TraceEvent e = messageEvent(TraceKind::Complete, a.downRequest.get());
        e.status = status;
        e.aux = ctx.now() - a.downStart;
        e.deliveryCount = 1;
        e.peer = ctx.peer(a.downLink);
        e.link = a.downLink;
        ctx.trace(e);
        if (cancel) {
            Frame c;
            c.type = FrameType::Cancel;
            c.tag = a.downTag;
            c.message = controlMessage(*a.downRequest);
            ctx.send(a.downLink, std::move(c));
        }
        m_downstream.erase(a.downTag);
        a.downTag = 0;
        a.downRequest.reset();
    }

    void downstreamFailed(NodeContext &ctx, Attempt &a, Failure failure)
    {
        // Past its own deadline the attempt is given up rather than answered.
        if (m_honorDeadline && a.deadline <= ctx.now()) {
            stop(ctx, a, DropReason::DeadlineExceeded);
            return;
        }
        finish(ctx, a, callerStatus(failure), newReply(ctx, a, 0));
    }

    Protocol m_protocol;
    std::uint32_t m_workers = 1;
    std::uint64_t m_queueLimit = 0;
    Distribution m_service;
    std::uint32_t m_responseSize = 0;
    const WireFormat *m_format = nullptr;
    MarshalCost m_marshal;
    double m_failureRate = 0;
    std::uint16_t m_failureStatus = Grpc::Unavailable;
    bool m_honorDeadline = true;
    SimTime m_retryAfter = 0;
    double m_rateLimit = 0;
    double m_rateBurst = 1;
    SimTime m_itemInterval = 0;
    SimTime m_itemProcessing = 0;
    Store m_storeMode = Store::Off;
    std::string m_downstreamMethod;
    std::string m_eventRoutingKey;
    std::uint64_t m_eventsPublished = 0;
    bool m_propagateDeadline = true;

    std::unordered_map<std::uint64_t, Attempt> m_attempts; // by serial
    std::unordered_map<TagKey, std::uint64_t, TagKeyHash> m_byTag;
    std::deque<std::uint64_t> m_queue; // serials in arrival order; cancelled ones are skipped
    std::uint64_t m_queued = 0;
    std::uint32_t m_running = 0;
    std::uint64_t m_nextSerial = 0;
    IdempotencyStore m_store;
    std::unordered_map<std::string, std::uint64_t> m_executing;    // key -> the attempt executing it
    std::unordered_map<std::uint64_t, std::uint64_t> m_downstream; // downstream tag -> serial
    std::uint64_t m_nextDownTag = 0; // never reset: a reply after a crash must not match
    std::uint64_t m_downSequence = 0;
    std::size_t m_downCursor = 0;
    double m_tokens = 0;
    SimTime m_refilledAt = 0;
};

} // namespace

std::unique_ptr<Node> makeCallServer(const NodeSetup &setup, Protocol protocol)
{
    return std::make_unique<CallServer>(setup, protocol);
}

} // namespace sb::rpc
