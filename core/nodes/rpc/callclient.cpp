// The call client of the rpc-client and http-client kinds: starts logical calls (open loop at a
// rate, or closed loop: users with think time), sends attempts to servers picked by the load
// balancer, and ends each call with one status after retries (gRPC retryPolicy), hedges (gRPC
// hedgingPolicy), its deadline, or a circuit breaker that fails it fast. It speaks the call
// protocol of callprotocol.h and nothing else.
#include "../../callstatus.h"
#include "../../distribution.h"
#include "../common.h"
#include "callprotocol.h"
#include "rpc.h"
#include "wireformat.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <deque>
#include <unordered_map>

namespace sb::rpc {

namespace {

enum TimerKind : std::uint64_t {
    ArrivalTimer = 0,  // open loop: the next call is due
    ThinkTimer = 1,    // closed loop: user n thought long enough
    DeadlineTimer = 2, // call n's deadline
    AttemptTimer = 3,  // attempt n's timeout
    BackoffTimer = 4,  // call n waited its backoff: retry
    HedgeTimer = 5,    // call n's hedging delay passed: another attempt
    MarshalTimer = 6,  // attempt n is marshalled: send it
    StreamTimer = 7,   // attempt n consumed one stream message (or unmarshalled its reply)
};
constexpr int kTimerBits = 3;
constexpr std::uint64_t timerTag(TimerKind k, std::uint64_t n)
{
    return (n << kTimerBits) | k;
}
constexpr std::uint64_t kBreakerTimer = timerTag(ArrivalTimer, 1); // n = 1 of the arrival kind

enum class Policy : std::uint8_t { None, Retry, Hedge };
enum class Balancing : std::uint8_t { PickFirst, RoundRobin, LeastOutstanding };
enum class Jitter : std::uint8_t { Full, Equal, None };
enum class BreakerState : std::uint8_t { Closed = 0, Open = 1, HalfOpen = 2 };

struct Config {
    Protocol protocol = Protocol::Grpc;
    std::vector<std::string> methods;
    CallKind callKind = CallKind::Unary;
    std::uint32_t streamItems = 0, streamItemWire = 0;
    SimTime itemProcessing = 0;
    std::uint32_t requestWire = 0;
    const WireFormat *format = nullptr;
    MarshalCost marshal;
    bool closedLoop = false;
    double rate = 0;
    bool poisson = false;
    std::uint32_t users = 1;
    Distribution think;
    std::uint64_t count = 0;
    SimTime duration = 0, startAt = 0;
    std::uint32_t maxOutstanding = 0;
    SimTime deadline = 0, attemptTimeout = 0;
    Policy policy = Policy::None;
    std::uint32_t maxAttempts = 1;
    SimTime initialBackoff = 0, maxBackoff = 0;
    double multiplier = 2;
    Jitter jitter = Jitter::Full;
    std::vector<std::uint16_t> retryable;
    SimTime hedgingDelay = 0;
    double throttleMax = 0, throttleRatio = 0.1;
    bool idempotencyKeys = false, retryUnsafe = false, honorRetryAfter = true;
    Balancing balancing = Balancing::PickFirst;
    std::uint32_t breakerThreshold = 0, breakerProbes = 1;
    SimTime breakerOpenFor = 0;
};

Config readConfig(const PropertyBag &p, Protocol protocol)
{
    Config c;
    const bool http = protocol == Protocol::Http;
    c.protocol = protocol;
    c.methods = p.stringList("methods");
    if (!http) {
        callKindFromName(p.string("callType"), c.callKind);
        c.streamItems = static_cast<std::uint32_t>(p.integer("streamItems"));
        c.itemProcessing = p.duration("itemProcessing");
    }
    c.format = &wireFormat(p.string("format"));
    c.marshal = {p.duration("marshalFixed"), p.number("marshalPerByte")};
    c.requestWire = wireBytes(*c.format, static_cast<std::uint32_t>(p.integer("requestSize")));
    if (!http)
        c.streamItemWire = wireBytes(*c.format, static_cast<std::uint32_t>(p.integer("streamItemSize")));
    c.closedLoop = p.string("loop") == "closed";
    c.rate = p.number("rate");
    c.poisson = p.string("arrival") == "poisson";
    c.users = static_cast<std::uint32_t>(p.integer("users"));
    c.think = p.distribution("thinkTime");
    c.count = static_cast<std::uint64_t>(p.integer("count"));
    c.duration = p.duration("duration");
    c.startAt = p.duration("startAt");
    c.maxOutstanding = static_cast<std::uint32_t>(p.integer("maxOutstanding"));
    c.deadline = p.duration("deadline");
    c.attemptTimeout = p.duration("attemptTimeout");
    const std::string policy = p.string("retryPolicy");
    c.policy = policy == "retry" ? Policy::Retry : policy == "hedge" ? Policy::Hedge : Policy::None;
    c.maxAttempts = c.policy == Policy::None ? 1 : static_cast<std::uint32_t>(p.integer("maxAttempts"));
    c.initialBackoff = p.duration("initialBackoff");
    c.maxBackoff = p.duration("maxBackoff");
    c.multiplier = p.number("backoffMultiplier");
    const std::string jitter = p.string("jitter");
    c.jitter = jitter == "equal" ? Jitter::Equal : jitter == "none" ? Jitter::None : Jitter::Full;
    for (const auto &s : p.stringList("retryableStatusCodes"))
        if (auto code = statusFromKey(s)) c.retryable.push_back(*code);
    c.hedgingDelay = p.duration("hedgingDelay");
    c.throttleMax = p.number("throttleMaxTokens");
    c.throttleRatio = p.number("throttleTokenRatio");
    c.idempotencyKeys = p.boolean("idempotencyKeys");
    if (http) {
        c.retryUnsafe = p.boolean("retryUnsafe");
        c.honorRetryAfter = p.boolean("honorRetryAfter");
    }
    const std::string lb = p.string("loadBalancing");
    c.balancing = lb == "round-robin"         ? Balancing::RoundRobin
                  : lb == "least-outstanding" ? Balancing::LeastOutstanding
                                              : Balancing::PickFirst;
    c.breakerThreshold = static_cast<std::uint32_t>(p.integer("breakerThreshold"));
    c.breakerOpenFor = p.duration("breakerOpenFor");
    c.breakerProbes = static_cast<std::uint32_t>(p.integer("breakerProbes"));
    return c;
}

// A failure the breaker counts: the server or the network failed, not the request.
bool isBreakerFailure(std::uint16_t s)
{
    if (isGrpcStatus(s))
        return s == Grpc::Unavailable || s == Grpc::DeadlineExceeded || s == Grpc::ResourceExhausted ||
               s == Grpc::Internal || s == Grpc::Unknown || s == Grpc::DataLoss;
    return s == 429 || s >= 500;
}

class CallClient final : public Node {
public:
    CallClient(const NodeSetup &s, Protocol protocol) : m_id(s.id), m_cfg(readConfig(s.properties, protocol))
    {
        m_tokens = m_cfg.throttleMax;
    }

    void start(NodeContext &ctx) override
    {
        m_startedAt = ctx.now();
        m_linkCalls.assign(ctx.links(CallClientPort::Calls).size(), 0);
        m_linkDown.assign(m_linkCalls.size(), false);
        scheduleLoad(ctx, m_cfg.startAt);
    }

    void onTimer(NodeContext &ctx, std::uint64_t tag) override
    {
        if (tag == kBreakerTimer) {
            setBreaker(ctx, BreakerState::HalfOpen);
            return;
        }
        const auto kind = static_cast<TimerKind>(tag & ((1u << kTimerBits) - 1));
        const std::uint64_t n = tag >> kTimerBits;
        switch (kind) {
        case ArrivalTimer:
            onArrival(ctx);
            break;
        case ThinkTimer:
            if (!finished(ctx)) startCall(ctx, static_cast<std::uint32_t>(n), ctx.now());
            break;
        case DeadlineTimer:
            if (auto *c = findCall(n)) {
                c->deadlineTimer = kNoTimer;
                complete(ctx, *c, Grpc::DeadlineExceeded, DropReason::DeadlineExceeded);
            }
            break;
        case AttemptTimer:
            if (auto *a = findAttempt(n)) {
                a->timer = kNoTimer;
                TraceEvent e = callEvent(TraceKind::Timeout, *findCall(a->call));
                e.deliveryCount = a->number;
                e.peer = ctx.peer(a->link);
                ctx.trace(e);
                // The attempt is abandoned: the server is told, as gRPC cancels the stream.
                cancelAttempt(ctx, *a, DropReason::DeadlineExceeded, false);
                attemptFailed(ctx, n, Grpc::Unavailable, 0, true);
            }
            break;
        case BackoffTimer:
            if (auto *c = findCall(n)) {
                c->backoffTimer = kNoTimer;
                TraceEvent e = callEvent(TraceKind::Retry, *c);
                e.deliveryCount = c->attempts + 1;
                ctx.trace(e);
                sendAttempt(ctx, *c);
            }
            break;
        case HedgeTimer:
            if (auto *c = findCall(n)) {
                c->hedgeTimer = kNoTimer;
                hedge(ctx, *c);
            }
            break;
        case MarshalTimer:
            if (auto *a = findAttempt(n)) transmit(ctx, *a);
            break;
        case StreamTimer:
            if (auto *a = findAttempt(n)) streamTick(ctx, *a);
            break;
        }
    }

    void onFrame(NodeContext &ctx, LinkIndex link, Frame &f) override
    {
        switch (f.type) {
        case FrameType::Reply:
            onReply(ctx, link, f);
            break;
        case FrameType::StreamData:
            if (auto *a = findAttempt(f.tag)) onStreamData(ctx, *a, f);
            break;
        case FrameType::WindowUpdate:
            if (auto *a = findAttempt(f.tag)) {
                a->sendWindow += f.count;
                sendStreamItems(ctx, *a);
            }
            break;
        default:
            break;
        }
    }

    void onLinkState(NodeContext &ctx, LinkIndex link, bool up) override
    {
        const auto links = ctx.links(CallClientPort::Calls);
        for (std::size_t i = 0; i < links.size(); ++i)
            if (links[i] == link) m_linkDown[i] = !up;
        if (up) return;
        // The connection broke: attempts on it can get no reply (UNAVAILABLE, as a reset stream).
        std::vector<std::uint64_t> broken;
        for (const auto &[id, a] : m_attempts)
            if (a.link == link && a.sent) broken.push_back(id);
        std::sort(broken.begin(), broken.end());
        for (std::uint64_t id : broken)
            if (findAttempt(id)) attemptFailed(ctx, id, Grpc::Unavailable, 0, true);
    }

    void onCrash(NodeContext &) override
    {
        m_calls.clear();
        m_attempts.clear();
        m_waiting.clear();
        std::fill(m_linkCalls.begin(), m_linkCalls.end(), 0);
        m_outstanding = 0;
        m_crashed = true;
    }

    void onRestart(NodeContext &ctx) override
    {
        // A restarted client starts calling again; the calls it had in flight are gone.
        m_crashed = false;
        scheduleLoad(ctx, 0);
    }

    NodeStatus status() const override
    {
        NodeStatus s;
        s.ready = m_waiting.size();
        s.inFlight = m_outstanding;
        return s;
    }

private:
    struct Call {
        std::uint64_t id = 0;
        MessageRef request;
        SimTime intended = 0; // when it was due: latency runs from here (open loop: no coordinated omission)
        SimTime deadline = kNever;
        std::uint32_t user = 0; // closed loop
        std::uint32_t attempts = 0;
        std::vector<std::uint64_t> live; // attempts in flight, in the order they were sent
        TimerId deadlineTimer = kNoTimer, backoffTimer = kNoTimer, hedgeTimer = kNoTimer;
        bool dispatched = false; // left the client's own queue (maxOutstanding)
        bool committed = false;  // a stream message arrived: gRPC retries no more
        bool retrySafe = true;   // HTTP: the method may be retried
        bool probe = false;      // a half-open breaker's probe
    };
    struct Attempt {
        std::uint64_t id = 0, call = 0;
        std::uint32_t number = 1;
        LinkIndex link = kNoIndex;
        std::size_t linkSlot = 0;
        TimerId timer = kNoTimer;
        bool sent = false;
        // Streams
        std::int64_t sendWindow = kInitialWindow;
        std::uint32_t itemsSent = 0;
        bool halfClosed = false;
        SimTime blockedSince = -1;
        std::deque<std::uint32_t> toConsume; // sizes of received stream messages not yet consumed
        bool consuming = false;
        // A reply being unmarshalled
        std::uint16_t pendingStatus = kNoStatus;
        SimTime pendingPause = 0;
        bool afterStream = false; // the reply waits until the stream's messages are consumed
    };

    Call *findCall(std::uint64_t id)
    {
        auto it = m_calls.find(id);
        return it == m_calls.end() ? nullptr : &it->second;
    }
    Attempt *findAttempt(std::uint64_t id)
    {
        auto it = m_attempts.find(id);
        return it == m_attempts.end() ? nullptr : &it->second;
    }

    static TraceEvent callEvent(TraceKind kind, const Call &c)
    {
        TraceEvent e = messageEvent(kind, c.request.get());
        e.correlationId = c.id;
        return e;
    }

    bool finished(NodeContext &ctx) const
    {
        if (m_crashed) return true;
        if (m_cfg.count && m_started >= m_cfg.count) return true;
        if (m_cfg.duration && ctx.now() >= addTime(addTime(m_startedAt, m_cfg.startAt), m_cfg.duration))
            return true;
        return !ctx.mayPublish();
    }

    void scheduleLoad(NodeContext &ctx, SimTime delay)
    {
        if (m_cfg.closedLoop) {
            for (std::uint32_t u = 0; u < m_cfg.users; ++u)
                ctx.startTimer(delay, timerTag(ThinkTimer, u));
        } else if (m_cfg.rate > 0) {
            ctx.startTimer(delay, timerTag(ArrivalTimer, 0));
        }
    }

    void onArrival(NodeContext &ctx)
    {
        if (finished(ctx)) return;
        startCall(ctx, 0, ctx.now());
        if (finished(ctx)) return;
        const double meanNs = 1e9 / m_cfg.rate;
        const SimTime gap = timeFromNanoseconds(m_cfg.poisson ? ctx.rng().exponential(meanNs) : meanNs);
        ctx.startTimer(std::max<SimTime>(gap, 1), timerTag(ArrivalTimer, 0));
    }

    void startCall(NodeContext &ctx, std::uint32_t user, SimTime intended)
    {
        ++m_started;
        auto msg = std::make_shared<Message>();
        msg->id = ctx.newMessageId();
        msg->correlationId = msg->id;
        msg->routingKey = m_cfg.methods.size() == 1 ? m_cfg.methods.front()
                                                    : m_cfg.methods[ctx.rng().below(m_cfg.methods.size())];
        msg->size = m_cfg.requestWire;
        msg->publishedAt = ctx.now();
        msg->producer = ctx.self();
        msg->sequence = m_started;
        if (m_cfg.idempotencyKeys)
            msg->headers.push_back({std::string(kIdempotencyKey), m_id + "-" + std::to_string(m_started)});
        if (m_cfg.callKind != CallKind::Unary) {
            msg->headers.push_back({std::string(kCallKind), callKindName(m_cfg.callKind)});
            msg->headers.push_back({std::string(kStreamItems), std::to_string(m_cfg.streamItems)});
            msg->headers.push_back({std::string(kStreamItemSize), std::to_string(m_cfg.streamItemWire)});
        }
        ctx.announce(*msg);

        Call c;
        c.id = msg->id;
        c.request = std::move(msg);
        c.intended = intended;
        c.user = user;
        c.deadline = m_cfg.deadline ? addTime(intended, m_cfg.deadline) : kNever;
        if (m_cfg.protocol == Protocol::Http) {
            c.retrySafe = isIdempotentHttpMethod(httpVerb(c.request->routingKey)) || m_cfg.idempotencyKeys ||
                          m_cfg.retryUnsafe;
        }
        ctx.trace(callEvent(TraceKind::Call, c));
        auto &call = m_calls.emplace(c.id, std::move(c)).first->second;
        ++m_outstanding;

        // An open breaker fails the call at once; a half-open one lets its probes through.
        if (m_breaker == BreakerState::Open || (m_breaker == BreakerState::HalfOpen && m_probesLeft == 0)) {
            complete(ctx, call, m_cfg.protocol == Protocol::Http ? 503 : Grpc::Unavailable, DropReason::None);
            return;
        }
        if (m_breaker == BreakerState::HalfOpen) {
            --m_probesLeft;
            call.probe = true;
        }
        if (call.deadline != kNever)
            call.deadlineTimer = ctx.startTimer(std::max<SimTime>(call.deadline - ctx.now(), 0),
                                                timerTag(DeadlineTimer, call.id));
        if (m_cfg.maxOutstanding && m_dispatched >= m_cfg.maxOutstanding) {
            m_waiting.push_back(call.id);
            return;
        }
        dispatch(ctx, call);
    }

    void dispatch(NodeContext &ctx, Call &c)
    {
        c.dispatched = true;
        ++m_dispatched;
        const std::uint64_t id = c.id;
        sendAttempt(ctx, c); // may end the call (no server reachable)
        Call *still = findCall(id);
        if (m_cfg.policy == Policy::Hedge && still && still->attempts < m_cfg.maxAttempts &&
            still->hedgeTimer == kNoTimer)
            still->hedgeTimer = ctx.startTimer(m_cfg.hedgingDelay, timerTag(HedgeTimer, id));
    }

    // The server for the next attempt, or none when no call link is up.
    std::optional<std::size_t> pickServer(NodeContext &ctx)
    {
        const auto links = ctx.links(CallClientPort::Calls);
        const std::size_t n = links.size();
        if (n == 0) return std::nullopt;
        switch (m_cfg.balancing) {
        case Balancing::PickFirst:
            for (std::size_t i = 0; i < n; ++i)
                if (!m_linkDown[i]) return i;
            return std::nullopt;
        case Balancing::RoundRobin:
            for (std::size_t k = 0; k < n; ++k) {
                const std::size_t i = (m_nextServer + k) % n;
                if (!m_linkDown[i]) {
                    m_nextServer = i + 1;
                    return i;
                }
            }
            return std::nullopt;
        case Balancing::LeastOutstanding: {
            std::optional<std::size_t> best;
            for (std::size_t i = 0; i < n; ++i)
                if (!m_linkDown[i] && (!best || m_linkCalls[i] < m_linkCalls[*best])) best = i;
            return best;
        }
        }
        return std::nullopt;
    }

    void sendAttempt(NodeContext &ctx, Call &c)
    {
        ++c.attempts;
        Attempt a;
        a.id = ++m_nextAttempt;
        a.call = c.id;
        a.number = c.attempts;
        c.live.push_back(a.id);
        const auto slot = pickServer(ctx);
        if (!slot) {
            // No server reachable: the attempt fails at once, as a channel in TRANSIENT_FAILURE does.
            m_attempts.emplace(a.id, a);
            attemptFailed(ctx, a.id, Grpc::Unavailable, 0, true);
            return;
        }
        a.linkSlot = *slot;
        a.link = ctx.links(CallClientPort::Calls)[*slot];
        ++m_linkCalls[a.linkSlot];
        auto &att = m_attempts.emplace(a.id, a).first->second;
        const SimTime marshal = marshalTime(*m_cfg.format, m_cfg.marshal, c.request->size);
        if (marshal > 0)
            ctx.startTimer(marshal, timerTag(MarshalTimer, att.id));
        else
            transmit(ctx, att);
    }

    void transmit(NodeContext &ctx, Attempt &a)
    {
        Call &c = *findCall(a.call);
        a.sent = true;
        Frame f;
        f.type = FrameType::Request;
        f.tag = a.id;
        f.deliveryCount = a.number;
        // An Apache Thrift message is a name, a message type and a sequence id, then the arguments
        // struct (apache/thrift doc/specs/thrift-rpc.md): no deadline. A Thrift client's timeout is
        // its socket's receive timeout, which the server never learns of.
        f.deadline = m_cfg.protocol == Protocol::Thrift ? kNever : c.deadline;
        f.message = c.request;
        ctx.send(a.link, std::move(f));
        SimTime timeout = kNever;
        if (m_cfg.attemptTimeout) timeout = addTime(ctx.now(), m_cfg.attemptTimeout);
        if (timeout != kNever && timeout < c.deadline)
            a.timer = ctx.startTimer(timeout - ctx.now(), timerTag(AttemptTimer, a.id));
        if (m_cfg.callKind == CallKind::ClientStreaming || m_cfg.callKind == CallKind::BidiStreaming)
            sendStreamItems(ctx, a);
    }

    // Client and bidi streaming: send items while the server's flow-control window allows.
    void sendStreamItems(NodeContext &ctx, Attempt &a)
    {
        if (!a.sent || a.halfClosed) return;
        if (m_cfg.callKind != CallKind::ClientStreaming && m_cfg.callKind != CallKind::BidiStreaming) return;
        const Call &c = *findCall(a.call);
        while (a.itemsSent < m_cfg.streamItems && a.sendWindow > 0) {
            auto item = std::make_shared<Message>();
            item->id = ctx.newMessageId();
            item->correlationId = c.id;
            item->routingKey = c.request->routingKey;
            item->size = m_cfg.streamItemWire;
            item->publishedAt = ctx.now();
            item->producer = ctx.self();
            Frame f;
            f.type = FrameType::StreamData;
            f.tag = a.id;
            f.count = a.itemsSent++;
            f.deliveryCount = a.number;
            f.message = std::move(item);
            a.sendWindow -= m_cfg.streamItemWire;
            ctx.send(a.link, std::move(f));
        }
        if (a.itemsSent < m_cfg.streamItems) {
            if (a.blockedSince < 0) {
                a.blockedSince = ctx.now();
                TraceEvent e = callEvent(TraceKind::Block, c);
                e.deliveryCount = a.number;
                e.peer = ctx.peer(a.link);
                ctx.trace(e);
            }
            return;
        }
        unblock(ctx, a);
        Frame f;
        f.type = FrameType::HalfClose;
        f.tag = a.id;
        f.message = controlMessage(*c.request);
        f.deliveryCount = a.number;
        a.halfClosed = true;
        ctx.send(a.link, std::move(f));
    }

    void unblock(NodeContext &ctx, Attempt &a)
    {
        if (a.blockedSince < 0) return;
        TraceEvent e = callEvent(TraceKind::Unblock, *findCall(a.call));
        e.deliveryCount = a.number;
        e.aux = ctx.now() - a.blockedSince;
        e.peer = ctx.peer(a.link);
        a.blockedSince = -1;
        ctx.trace(e);
    }

    // Server and bidi streaming: a message of the server's stream arrived; the client consumes
    // it, then gives its bytes back to the server's window.
    void onStreamData(NodeContext &ctx, Attempt &a, const Frame &f)
    {
        if (Call *c = findCall(a.call)) c->committed = true;
        a.toConsume.push_back(f.message ? f.message->size : 0);
        if (!a.consuming) consumeNext(ctx, a);
    }

    void consumeNext(NodeContext &ctx, Attempt &a)
    {
        if (a.toConsume.empty()) {
            a.consuming = false;
            if (a.afterStream) {
                // The trailers come after the messages: the call ends once the last is consumed.
                a.afterStream = false;
                const std::uint16_t status = a.pendingStatus;
                a.pendingStatus = kNoStatus;
                attemptAnswered(ctx, a.id, status, a.pendingPause);
            }
            return;
        }
        a.consuming = true;
        if (m_cfg.itemProcessing > 0) {
            ctx.startTimer(m_cfg.itemProcessing, timerTag(StreamTimer, a.id));
            return;
        }
        while (!a.toConsume.empty())
            consumed(ctx, a);
        consumeNext(ctx, a);
    }

    void consumed(NodeContext &ctx, Attempt &a)
    {
        Frame f;
        f.type = FrameType::WindowUpdate;
        f.tag = a.id;
        f.message = controlMessage(*findCall(a.call)->request);
        f.count = a.toConsume.front();
        f.deliveryCount = a.number;
        a.toConsume.pop_front();
        ctx.send(a.link, std::move(f));
    }

    void streamTick(NodeContext &ctx, Attempt &a)
    {
        if (a.pendingStatus != kNoStatus && !a.afterStream) {
            // The reply is unmarshalled.
            const std::uint16_t status = a.pendingStatus;
            a.pendingStatus = kNoStatus;
            attemptAnswered(ctx, a.id, status, a.pendingPause);
            return;
        }
        if (!a.toConsume.empty()) consumed(ctx, a);
        consumeNext(ctx, a);
    }

    void onReply(NodeContext &ctx, LinkIndex, Frame &f)
    {
        Attempt *a = findAttempt(f.tag);
        if (!a || !a->sent || a->pendingStatus != kNoStatus) {
            // A reply for nothing this client waits for: the caller gave up on that attempt.
            TraceEvent e = messageEvent(TraceKind::Drop, f.message.get());
            e.reason = DropReason::UnknownCorrelation;
            e.status = f.status;
            e.deliveryCount = f.deliveryCount;
            ctx.trace(e);
            return;
        }
        SimTime pause = 0;
        if (f.message) {
            if (const std::string *v = f.message->header(kRetryPushback))
                pause = fromMilliseconds(std::atof(v->c_str()));
            if (const std::string *v = f.message->header(kRetryAfter))
                if (m_cfg.honorRetryAfter) pause = fromMilliseconds(std::atof(v->c_str()) * 1000.0);
        }
        if (a->timer != kNoTimer) {
            ctx.cancelTimer(a->timer);
            a->timer = kNoTimer;
        }
        if (a->consuming || !a->toConsume.empty()) {
            a->pendingStatus = f.status;
            a->pendingPause = pause;
            a->afterStream = true;
            return;
        }
        const SimTime unmarshal = marshalTime(*m_cfg.format, m_cfg.marshal, f.message ? f.message->size : 0);
        if (unmarshal > 0) {
            a->pendingStatus = f.status;
            a->pendingPause = pause;
            ctx.startTimer(unmarshal, timerTag(StreamTimer, a->id));
            return;
        }
        attemptAnswered(ctx, a->id, f.status, pause);
    }

    void attemptAnswered(NodeContext &ctx, std::uint64_t attemptId, std::uint16_t status, SimTime pause)
    {
        Attempt *a = findAttempt(attemptId);
        Call *c = findCall(a->call);
        if (isSuccessStatus(status)) {
            throttleSuccess();
            finishAttempt(ctx, *a);
            complete(ctx, *c, status, DropReason::Cancelled);
            return;
        }
        attemptFailed(ctx, attemptId, status, pause, false);
    }

    bool retryable(std::uint16_t status, bool noResponse) const
    {
        // HTTP: a timed-out attempt or a broken connection is always retryable.
        if (noResponse && m_cfg.protocol == Protocol::Http) return true;
        return std::find(m_cfg.retryable.begin(), m_cfg.retryable.end(), status) != m_cfg.retryable.end();
    }

    // The attempt ended without success: retry, hedge on, or end the call with this status.
    void attemptFailed(NodeContext &ctx, std::uint64_t attemptId, std::uint16_t status, SimTime pause,
                       bool noResponse)
    {
        Attempt *a = findAttempt(attemptId);
        Call &c = *findCall(a->call);
        finishAttempt(ctx, *a);
        const bool canRetry = retryable(status, noResponse);
        if (canRetry) throttleFailure();
        if (m_cfg.policy == Policy::None || !canRetry || !c.retrySafe || c.committed) {
            complete(ctx, c, status, DropReason::Cancelled);
            return;
        }
        if (m_cfg.policy == Policy::Hedge) {
            // gRFC A6: a non-fatal status sends the next hedged attempt at once, if any are left;
            // when none are, the call ends with the last status once no attempt is in flight.
            if (c.attempts < m_cfg.maxAttempts && throttleAllows()) {
                if (c.hedgeTimer != kNoTimer) ctx.cancelTimer(c.hedgeTimer);
                c.hedgeTimer = kNoTimer;
                hedge(ctx, c);
                return;
            }
            if (c.live.empty()) complete(ctx, c, status, DropReason::Cancelled);
            return;
        }
        if (c.attempts >= m_cfg.maxAttempts || !throttleAllows()) {
            complete(ctx, c, status, DropReason::Cancelled);
            return;
        }
        SimTime wait = backoff(ctx, c.attempts);
        if (pause > 0) wait = m_cfg.protocol == Protocol::Http ? std::max(wait, pause) : pause;
        if (addTime(ctx.now(), wait) >= c.deadline) {
            // No time left for another attempt: the deadline ends the call when it comes.
            return;
        }
        c.backoffTimer = ctx.startTimer(wait, timerTag(BackoffTimer, c.id));
    }

    // gRFC A6: the n-th retry waits random(0, min(initialBackoff x multiplier^(n-1), maxBackoff)).
    SimTime backoff(NodeContext &ctx, std::uint32_t retry)
    {
        double cap = static_cast<double>(m_cfg.initialBackoff) * std::pow(m_cfg.multiplier, retry - 1);
        cap = std::min(cap, static_cast<double>(m_cfg.maxBackoff));
        switch (m_cfg.jitter) {
        case Jitter::Full:
            return static_cast<SimTime>(ctx.rng().uniform(0, cap));
        case Jitter::Equal:
            return static_cast<SimTime>(cap / 2 + ctx.rng().uniform(0, cap / 2));
        case Jitter::None:
            return static_cast<SimTime>(cap);
        }
        return static_cast<SimTime>(cap);
    }

    void hedge(NodeContext &ctx, Call &c)
    {
        if (c.attempts >= m_cfg.maxAttempts || c.committed || !throttleAllows()) return;
        TraceEvent e = callEvent(TraceKind::Hedge, c);
        e.deliveryCount = c.attempts + 1;
        ctx.trace(e);
        const std::uint64_t id = c.id;
        sendAttempt(ctx, c); // may end the call
        Call *still = findCall(id);
        if (still && still->attempts < m_cfg.maxAttempts && still->hedgeTimer == kNoTimer)
            still->hedgeTimer = ctx.startTimer(m_cfg.hedgingDelay, timerTag(HedgeTimer, id));
    }

    // gRPC retry throttling: tokens start full; a failure takes one, a success gives tokenRatio
    // back; retries and hedges are allowed while more than half are left.
    bool throttleAllows() const { return m_cfg.throttleMax <= 0 || m_tokens > m_cfg.throttleMax / 2; }
    void throttleFailure()
    {
        if (m_cfg.throttleMax > 0) m_tokens = std::max(0.0, m_tokens - 1);
    }
    void throttleSuccess()
    {
        if (m_cfg.throttleMax > 0) m_tokens = std::min(m_cfg.throttleMax, m_tokens + m_cfg.throttleRatio);
    }

    // The attempt is over (answered, failed or cancelled): it leaves the call's live list.
    void finishAttempt(NodeContext &ctx, Attempt &a)
    {
        if (a.timer != kNoTimer) ctx.cancelTimer(a.timer);
        unblock(ctx, a);
        if (a.link != kNoIndex && m_linkCalls[a.linkSlot] > 0) --m_linkCalls[a.linkSlot];
        if (Call *c = findCall(a.call)) std::erase(c->live, a.id);
        m_attempts.erase(a.id);
    }

    // The client stops waiting for an attempt: it tells the server (RST_STREAM) and traces why.
    // Thrift has no cancellation: a client whose socket read timed out just stops reading, and
    // the server runs the handler to the end and writes its reply all the same.
    void cancelAttempt(NodeContext &ctx, Attempt &a, DropReason why, bool finish)
    {
        if (a.sent && m_cfg.protocol != Protocol::Thrift) {
            Frame f;
            f.type = FrameType::Cancel;
            f.tag = a.id;
            f.message = controlMessage(*findCall(a.call)->request);
            f.deliveryCount = a.number;
            ctx.send(a.link, std::move(f));
        }
        TraceEvent e = callEvent(TraceKind::Cancel, *findCall(a.call));
        e.deliveryCount = a.number;
        e.reason = why;
        if (a.link != kNoIndex) e.peer = ctx.peer(a.link);
        ctx.trace(e);
        if (finish) finishAttempt(ctx, a);
    }

    void complete(NodeContext &ctx, Call &c, std::uint16_t status, DropReason cancelWhy)
    {
        for (std::uint64_t id : std::vector<std::uint64_t>(c.live))
            if (Attempt *a = findAttempt(id)) cancelAttempt(ctx, *a, cancelWhy, true);
        for (TimerId t : {c.deadlineTimer, c.backoffTimer, c.hedgeTimer})
            if (t != kNoTimer) ctx.cancelTimer(t);
        TraceEvent e = callEvent(TraceKind::Complete, c);
        e.status = status;
        e.aux = ctx.now() - c.intended;
        e.deliveryCount = c.attempts;
        ctx.trace(e);
        breakerResult(ctx, c, status);
        const std::uint32_t user = c.user;
        const bool wasDispatched = c.dispatched;
        if (!wasDispatched) std::erase(m_waiting, c.id);
        m_calls.erase(c.id);
        --m_outstanding;
        if (wasDispatched) --m_dispatched;
        while (!m_waiting.empty() && (!m_cfg.maxOutstanding || m_dispatched < m_cfg.maxOutstanding)) {
            const std::uint64_t next = m_waiting.front();
            m_waiting.pop_front();
            if (Call *w = findCall(next)) dispatch(ctx, *w);
        }
        if (m_cfg.closedLoop && !finished(ctx))
            ctx.startTimer(m_cfg.think.sample(ctx.rng()), timerTag(ThinkTimer, user));
    }

    void breakerResult(NodeContext &ctx, const Call &c, std::uint16_t status)
    {
        if (!m_cfg.breakerThreshold) return;
        if (c.attempts == 0 && !c.probe) return; // failed fast by the breaker itself
        const bool failed = isBreakerFailure(status);
        if (m_breaker == BreakerState::HalfOpen && c.probe) {
            if (failed) {
                setBreaker(ctx, BreakerState::Open);
            } else if (++m_probeSuccesses >= m_cfg.breakerProbes) {
                setBreaker(ctx, BreakerState::Closed);
            }
            return;
        }
        if (m_breaker != BreakerState::Closed) return;
        m_consecutiveFailures = failed ? m_consecutiveFailures + 1 : 0;
        if (m_consecutiveFailures >= m_cfg.breakerThreshold) setBreaker(ctx, BreakerState::Open);
    }

    void setBreaker(NodeContext &ctx, BreakerState s)
    {
        if (m_breaker == s) return;
        m_breaker = s;
        m_consecutiveFailures = 0;
        m_probeSuccesses = 0;
        m_probesLeft = s == BreakerState::HalfOpen ? m_cfg.breakerProbes : 0;
        if (s == BreakerState::Open) ctx.startTimer(m_cfg.breakerOpenFor, kBreakerTimer, true);
        TraceEvent e;
        e.kind = TraceKind::Breaker;
        e.aux = static_cast<std::int64_t>(s);
        ctx.trace(e);
    }

    std::string m_id;
    Config m_cfg;
    std::unordered_map<std::uint64_t, Call> m_calls;
    std::unordered_map<std::uint64_t, Attempt> m_attempts;
    std::deque<std::uint64_t> m_waiting;    // calls waiting for a slot (maxOutstanding)
    std::vector<std::uint32_t> m_linkCalls; // attempts in flight per server link
    std::vector<bool> m_linkDown;
    std::size_t m_nextServer = 0;
    std::uint64_t m_nextAttempt = 0;
    std::uint64_t m_started = 0;
    std::uint64_t m_outstanding = 0, m_dispatched = 0;
    SimTime m_startedAt = 0;
    double m_tokens = 0;
    BreakerState m_breaker = BreakerState::Closed;
    std::uint32_t m_consecutiveFailures = 0, m_probesLeft = 0, m_probeSuccesses = 0;
    bool m_crashed = false;
};

} // namespace

std::unique_ptr<Node> makeCallClient(const NodeSetup &setup, Protocol protocol)
{
    return std::make_unique<CallClient>(setup, protocol);
}

} // namespace sb::rpc
