// Message passing: the channel's synchronous (rendezvous) and asynchronous (buffered) modes as its
// senders see them (when each send completes, how long they are blocked) and as its receivers do.
#include "enginetest.h"

#include <algorithm>
#include <map>

using namespace sb;
using namespace sbtest;

Q_DECLARE_METATYPE(std::vector<double>)

namespace {

// sender -> channel -> receiver, every link 1 ms (the default).
std::unique_ptr<Run> passThrough(Json sender, Json channel, Json receiver, SimTime until = 600 * kSecond)
{
    TopologyBuilder b;
    b.node("sender", "producer", std::move(sender))
        .node("channel", "channel", std::move(channel))
        .node("receiver", "consumer", std::move(receiver));
    b.link("sender", "channel").link("channel", "receiver");
    return run(b.topology(), until);
}

// Times (ms) of one kind of event at one node.
std::vector<double> timesOf(const Run &r, TraceKind kind, const std::string &node)
{
    std::vector<double> out;
    for (const auto &e : r.trace.events)
        if (e.kind == kind && e.node == r.index(node)) out.push_back(toMilliseconds(e.time));
    return out;
}

// How long (ms) each blocked span of a node lasted, from its Unblock events.
std::vector<double> blockedSpans(const Run &r, const std::string &node)
{
    std::vector<double> out;
    for (const auto &e : r.trace.events)
        if (e.kind == TraceKind::Unblock && e.node == r.index(node)) out.push_back(toMilliseconds(e.aux));
    return out;
}

// Per message, publish to confirm at the sender (ms).
std::vector<double> sendLatencies(const Run &r, const std::string &node)
{
    std::map<std::uint64_t, SimTime> published;
    std::vector<double> out;
    for (const auto &e : r.trace.events) {
        if (e.node != r.index(node)) continue;
        if (e.kind == TraceKind::Publish) published[e.messageId] = e.time;
        if (e.kind == TraceKind::Confirm) out.push_back(toMilliseconds(e.time - published.at(e.messageId)));
    }
    return out;
}

Json confirmedSender(Json more)
{
    Json s = {{"sendMode", "confirmed"}, {"maxInFlight", 1}, {"confirmTimeout", "60s"}};
    for (auto it = more.begin(); it != more.end(); ++it)
        s[it.key()] = it.value();
    return s;
}

std::string firstError(const Topology &t)
{
    for (const auto &d : validateTopology(t))
        if (d.severity == Diagnostic::Severity::Error) return d.path + ": " + d.message;
    return {};
}

} // namespace

class TestChannel : public QObject {
    Q_OBJECT
private slots:
    void sendCompletes_data();
    void sendCompletes();
    void senderThroughputWithSlowReceiver_data();
    void senderThroughputWithSlowReceiver();
    void receiverTakesOneAtATimeInRendezvous_data();
    void receiverTakesOneAtATimeInRendezvous();
    void fireAndForgetSendsWaitAtTheChannel();
    void nackRequeuesAtTheHead();
    void badInput_data();
    void badInput();
};

void TestChannel::sendCompletes_data()
{
    QTest::addColumn<QString>("mode");
    QTest::addColumn<int>("capacity");
    QTest::addColumn<std::vector<double>>("confirms"); // ms, at the sender
    QTest::addColumn<std::vector<double>>("blocked");  // ms, each blocked span
    QTest::addColumn<std::vector<double>>("enqueues"); // ms, at the channel
    // Three sends at 0, one in flight at a time, a receiver taking 100 ms a message; links 1 ms.
    // Rendezvous: a send completes when the receiver takes it: at 1 ms (it is idle), then after
    // each 100 ms of work and the ack's 1 ms on the way back.
    QTest::newRow("synchronous") << "synchronous" << 0 << std::vector<double>{2, 104, 206}
                                 << std::vector<double>{2, 102} << std::vector<double>{};
    // Unbounded buffer: each send completes on arrival (1 ms there, 1 ms back).
    QTest::newRow("asynchronous unbounded") << "asynchronous" << 0 << std::vector<double>{2, 4, 6}
                                            << std::vector<double>{2, 2} << std::vector<double>{1, 3, 5};
    // Room for two: the first is taken at once, the next two fill the buffer.
    QTest::newRow("asynchronous capacity 2") << "asynchronous" << 2 << std::vector<double>{2, 4, 6}
                                             << std::vector<double>{2, 2} << std::vector<double>{1, 3, 5};
    // Room for one: the third send waits at the channel until the receiver takes the second (its
    // ack of the first reaches the channel at 103 ms).
    QTest::newRow("asynchronous capacity 1") << "asynchronous" << 1 << std::vector<double>{2, 4, 104}
                                             << std::vector<double>{2, 2} << std::vector<double>{1, 3, 103};
}

void TestChannel::sendCompletes()
{
    QFETCH(QString, mode);
    QFETCH(int, capacity);
    QFETCH(std::vector<double>, confirms);
    QFETCH(std::vector<double>, blocked);
    QFETCH(std::vector<double>, enqueues);
    auto r = passThrough(confirmedSender({{"script", script(3)}}),
                         {{"mode", mode.toStdString()}, {"capacity", capacity}},
                         {{"processing", "100ms"}, {"prefetch", 1}});
    QVERIFY(r);
    QCOMPARE(timesOf(*r, TraceKind::Confirm, "sender"), confirms);
    QCOMPARE(timesOf(*r, TraceKind::Enqueue, "channel"), enqueues);
    // The sender is blocked from the instant its next message is ready (0 ms for the second, the
    // second's hand-over for the third) to the instant it hands that message over.
    QCOMPARE(blockedSpans(*r, "sender"), blocked);
    const auto blocks = timesOf(*r, TraceKind::Block, "sender");
    const auto unblocks = timesOf(*r, TraceKind::Unblock, "sender");
    QCOMPARE(blocks.size(), unblocks.size());
    for (std::size_t i = 0; i < blocks.size(); ++i)
        QCOMPARE(unblocks[i] - blocks[i], blocked[i]);
    // Each span names the message that waited; it is handed over (sent) at its Unblock.
    for (const auto &e : r->trace.events)
        if (e.kind == TraceKind::Unblock)
            QVERIFY(std::any_of(r->trace.events.begin(), r->trace.events.end(), [&](const TraceEvent &s) {
                return s.kind == TraceKind::Send && s.messageId == e.messageId && s.time == e.time &&
                       s.frame == FrameType::Publish;
            }));
    QCOMPARE(r->node("receiver").processed, std::uint64_t(3));
    QCOMPARE(r->report().pending, std::uint64_t(0));
    QCOMPARE(r->report().lost, std::uint64_t(0));
}

void TestChannel::senderThroughputWithSlowReceiver_data()
{
    QTest::addColumn<QString>("mode");
    QTest::addColumn<int>("capacity");
    QTest::addColumn<double>("doneMin"); // ms: when the sender's last send completed
    QTest::addColumn<double>("doneMax");
    QTest::addColumn<double>("blockedMin"); // ms: time blocked, all spans together
    QTest::addColumn<double>("blockedMax");
    // 100 sends at 100/s (the last due at 990 ms) to a receiver taking 50 ms a message: the channel
    // hands it the k-th at (k - 1) x 52 + 1 ms (1 ms to the receiver, 50 ms of work, 1 ms for the
    // ack to come back).
    // Rendezvous: the last send completes when the receiver takes it: 99 x 52 + 1 + 1 = 5150 ms.
    QTest::newRow("synchronous") << "synchronous" << 0 << 5150.0 << 5150.0 << 4000.0 << 5150.0;
    // Buffer of 10: the last send enters the buffer when the receiver takes the 90th message.
    QTest::newRow("asynchronous capacity 10") << "asynchronous" << 10 << 4630.0 << 4630.0 << 3400.0 << 4630.0;
    // Unbounded: every send completes 2 ms after it is due, and the sender never waits.
    QTest::newRow("asynchronous unbounded") << "asynchronous" << 0 << 992.0 << 992.0 << 0.0 << 0.0;
}

void TestChannel::senderThroughputWithSlowReceiver()
{
    QFETCH(QString, mode);
    QFETCH(int, capacity);
    QFETCH(double, doneMin);
    QFETCH(double, doneMax);
    QFETCH(double, blockedMin);
    QFETCH(double, blockedMax);
    auto r = passThrough(confirmedSender({{"rate", 100}, {"count", 100}}),
                         {{"mode", mode.toStdString()}, {"capacity", capacity}},
                         {{"processing", "50ms"}, {"prefetch", 1}});
    QVERIFY(r);
    const auto confirms = timesOf(*r, TraceKind::Confirm, "sender");
    QCOMPARE(confirms.size(), std::size_t(100));
    const double done = confirms.back();
    QVERIFY2(done >= doneMin && done <= doneMax, QByteArray::number(done));
    double blocked = 0;
    for (double b : blockedSpans(*r, "sender"))
        blocked += b;
    QVERIFY2(blocked >= blockedMin && blocked <= blockedMax, QByteArray::number(blocked));
    // The sender's mean send latency follows: 2 ms when nothing waits, seconds when it does.
    const auto latencies = sendLatencies(*r, "sender");
    double mean = 0;
    for (double l : latencies)
        mean += l / double(latencies.size());
    if (blockedMax == 0)
        QCOMPARE(mean, 2.0);
    else
        QVERIFY2(mean > 1000, QByteArray::number(mean));
    // The receiver works at its own pace whatever the mode: the waiting only moves.
    const auto processed = timesOf(*r, TraceKind::Process, "receiver");
    QCOMPARE(processed.size(), std::size_t(100));
    QCOMPARE(processed.back(), 5200.0);
    QCOMPARE(r->report().processed, std::uint64_t(100));
    QCOMPARE(r->report().duplicates, std::uint64_t(0));
}

void TestChannel::receiverTakesOneAtATimeInRendezvous_data()
{
    QTest::addColumn<QString>("mode");
    QTest::addColumn<int>("most"); // most unacked deliveries at once
    QTest::newRow("synchronous ignores prefetch") << "synchronous" << 1;
    QTest::newRow("asynchronous honours prefetch") << "asynchronous" << 5;
}

void TestChannel::receiverTakesOneAtATimeInRendezvous()
{
    QFETCH(QString, mode);
    QFETCH(int, most);
    auto r = passThrough({{"script", script(20)}}, {{"mode", mode.toStdString()}},
                         {{"processing", "10ms"}, {"prefetch", 5}});
    QVERIFY(r);
    int unacked = 0, seen = 0;
    const NodeIndex channel = r->index("channel");
    for (const auto &e : r->trace.events) {
        if (e.node != channel) continue;
        if (e.kind == TraceKind::Deliver) seen = std::max(seen, ++unacked);
        if (e.kind == TraceKind::Ack) --unacked;
    }
    QCOMPARE(seen, most);
    QCOMPARE(r->node("receiver").processed, std::uint64_t(20));
    QCOMPARE(r->report().outOfOrder, std::uint64_t(0));
}

void TestChannel::fireAndForgetSendsWaitAtTheChannel()
{
    // A sender without confirms cannot be held back: its sends beyond the buffer wait at the
    // channel (not counted as enqueued until they enter the buffer) and nothing is lost.
    auto r = passThrough({{"script", script(5)}}, {{"mode", "asynchronous"}, {"capacity", 1}},
                         {{"processing", "100ms"}, {"prefetch", 1}});
    QVERIFY(r);
    QCOMPARE(r->trace.count(TraceKind::Block), std::size_t(0));
    QCOMPARE(r->trace.count(TraceKind::Confirm), std::size_t(0));
    // Two enter the buffer at once (one taken, one held), the others as room appears.
    // (Each takes 1 ms to the receiver, 100 ms of work, 1 ms for the ack to come back.)
    QCOMPARE(timesOf(*r, TraceKind::Enqueue, "channel"), (std::vector<double>{1, 1, 103, 205, 307}));
    QCOMPARE(r->node("receiver").processed, std::uint64_t(5));
    QCOMPARE(r->report().outOfOrder, std::uint64_t(0));
    QCOMPARE(r->report().pending, std::uint64_t(0));
}

void TestChannel::nackRequeuesAtTheHead()
{
    // A receiver that fails half its messages and requeues them: they come back to the head of
    // the channel, are redelivered and processed in the end; the sender's sends still complete.
    auto r = passThrough(confirmedSender({{"script", script(10)}}), {{"mode", "synchronous"}},
                         {{"processing", "5ms"}, {"prefetch", 1}, {"failureProbability", 0.5}});
    QVERIFY(r);
    QVERIFY(r->trace.countAt(TraceKind::Requeue, r->index("channel")) > 0);
    QCOMPARE(r->trace.countAt(TraceKind::Redeliver, r->index("channel")),
             r->trace.countAt(TraceKind::Requeue, r->index("channel")));
    QCOMPARE(r->node("sender").confirmed, std::uint64_t(10));
    QCOMPARE(r->report().processed, std::uint64_t(10));
    QCOMPARE(r->report().pending, std::uint64_t(0));
}

void TestChannel::badInput_data()
{
    QTest::addColumn<QString>("property");
    QTest::addColumn<QString>("value"); // JSON
    QTest::addColumn<QString>("path");
    QTest::addColumn<QString>("reason");
    QTest::newRow("negative capacity") << "capacity"
                                       << "-1"
                                       << "$.nodes[1].properties.capacity"
                                       << "capacity";
    QTest::newRow("capacity too large") << "capacity"
                                        << "10000000000"
                                        << "$.nodes[1].properties.capacity"
                                        << "capacity";
    QTest::newRow("fractional capacity") << "capacity"
                                         << "2.5"
                                         << "$.nodes[1].properties.capacity"
                                         << "capacity";
    QTest::newRow("unknown mode") << "mode"
                                  << "\"blocking\""
                                  << "$.nodes[1].properties.mode"
                                  << "synchronous";
}

void TestChannel::badInput()
{
    QFETCH(QString, property);
    QFETCH(QString, value);
    QFETCH(QString, path);
    QFETCH(QString, reason);
    TopologyBuilder b;
    b.node("sender", "producer")
        .node("pipe", "channel", {{property.toStdString(), Json::parse(value.toStdString())}})
        .node("receiver", "consumer");
    b.link("sender", "pipe").link("pipe", "receiver");
    const std::string error = firstError(b.topology());
    QVERIFY2(error.rfind(path.toStdString() + ": ", 0) == 0, error.c_str());
    QVERIFY2(error.find("node \"pipe\" (channel)") != std::string::npos, error.c_str());
    QVERIFY2(error.find(reason.toStdString()) != std::string::npos, error.c_str());
}

QTEST_APPLESS_MAIN(TestChannel)
#include "tst_channel.moc"
