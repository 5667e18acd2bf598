// Redis Pub/Sub as Redis documents it: channels by name and patterns by glob (a client with both
// gets a message twice), PUBLISH's reply, nothing kept for late subscribers, and slow subscribers cut
// off at client-output-buffer-limit pubsub (hard; soft for longer than the soft seconds).
#include "enginetest.h"
#include "nodes/redis/redisprotocol.h"
#include "pubsub/dialect.h"

using namespace sb;
using namespace sbtest;

class TestRedis : public QObject {
    Q_OBJECT
private slots:
    void channelsAndPatterns_data();
    void channelsAndPatterns();
    void publishReplyCounts();
    void lateSubscriberMisses();
    void outputBufferLimit_data();
    void outputBufferLimit();
    void reconnectAfterCutOff();
    void unsubscribe();
    void pushBytes();
    void badProperties_data();
    void badProperties();
    void lateSubscriberExample();
};

namespace {

Json strings(const QStringList &l)
{
    Json a = Json::array();
    for (const auto &s : l)
        a.push_back(s.toStdString());
    return a;
}

// Messages at the given times (ms) to `channel`.
Json redisScript(const std::vector<double> &atMs, const std::string &channel, int size = 100)
{
    Json s = Json::array();
    for (double at : atMs)
        s.push_back({{"at", at}, {"channel", channel}, {"size", size}});
    return s;
}

std::vector<double> every(double fromMs, double stepMs, int n)
{
    std::vector<double> v;
    for (int i = 0; i < n; ++i)
        v.push_back(fromMs + stepMs * i);
    return v;
}

// pub -> redis <- each subscriber, 1 ms links.
TopologyBuilder redisLine(Json publisher, Json server, std::vector<std::pair<std::string, Json>> subscribers)
{
    TopologyBuilder b;
    b.node("pub", "redis-publisher", publisher).node("redis", "redis-server", server).link("pub", "redis");
    for (auto &[id, props] : subscribers)
        b.node(id, "redis-subscriber", props).link(id, "redis");
    return b;
}

std::size_t matches(const Run &r, const std::string &subscriber, int aux)
{
    std::size_t n = 0;
    for (const auto &e : r.trace.events)
        n += e.kind == TraceKind::Match && e.peer == r.index(subscriber) && e.aux == aux;
    return n;
}

std::size_t framesTo(const Run &r, FrameType t)
{
    std::size_t n = 0;
    for (const auto &e : r.trace.events)
        n += e.kind == TraceKind::Send && e.frame == t && e.node == r.index("redis");
    return n;
}

std::vector<std::int64_t> confirmCounts(const Run &r)
{
    std::vector<std::int64_t> v;
    for (const auto &e : r.trace.events)
        if (e.kind == TraceKind::Confirm && e.node == r.index("pub")) v.push_back(e.aux);
    return v;
}

std::size_t dropsAt(const Run &r, const std::string &node, DropReason reason, NodeIndex peer = kNoIndex)
{
    std::size_t n = 0;
    for (const auto &e : r.trace.events)
        n += e.kind == TraceKind::Drop && e.reason == reason && e.node == r.index(node) &&
             (peer == kNoIndex || e.peer == peer);
    return n;
}

std::vector<TraceEvent> disconnects(const Run &r)
{
    std::vector<TraceEvent> v;
    for (const auto &e : r.trace.events)
        if (e.kind == TraceKind::Disconnect) v.push_back(e);
    return v;
}

} // namespace

void TestRedis::channelsAndPatterns_data()
{
    QTest::addColumn<QStringList>("channels");
    QTest::addColumn<QStringList>("patterns");
    QTest::addColumn<QString>("published");
    QTest::addColumn<int>("messages");  // "message" pushes
    QTest::addColumn<int>("pmessages"); // "pmessage" pushes
    QTest::newRow("channel") << QStringList{"news"} << QStringList{} << "news" << 1 << 0;
    QTest::newRow("other channel") << QStringList{"sports"} << QStringList{} << "news" << 0 << 0;
    QTest::newRow("channel names are exact") << QStringList{"news"} << QStringList{} << "news.eu" << 0 << 0;
    QTest::newRow("pattern") << QStringList{} << QStringList{"n*"} << "news" << 0 << 1;
    QTest::newRow("channel and pattern: twice")
        << QStringList{"news"} << QStringList{"n*"} << "news" << 1 << 1;
    QTest::newRow("two patterns: two pmessages")
        << QStringList{} << QStringList{"n*", "*s"} << "news" << 0 << 2;
    QTest::newRow("the same pattern twice: once")
        << QStringList{} << QStringList{"n*", "n*"} << "news" << 0 << 1;
    QTest::newRow("the same channel twice: once")
        << QStringList{"news", "news"} << QStringList{} << "news" << 1 << 0;
    QTest::newRow("? one character") << QStringList{} << QStringList{"h?llo"} << "hello" << 0 << 1;
    QTest::newRow("[ae] a class") << QStringList{} << QStringList{"h[ae]llo"} << "hallo" << 0 << 1;
    QTest::newRow("[^e] a negated class") << QStringList{} << QStringList{"h[^e]llo"} << "hello" << 0 << 0;
    QTest::newRow("pattern no match") << QStringList{} << QStringList{"sports.*"} << "news.eu" << 0 << 0;
}

void TestRedis::channelsAndPatterns()
{
    QFETCH(QStringList, channels);
    QFETCH(QStringList, patterns);
    QFETCH(QString, published);
    QFETCH(int, messages);
    QFETCH(int, pmessages);
    auto b = redisLine({{"script", redisScript({10}, published.toStdString())}}, {},
                       {{"sub", {{"channels", strings(channels)}, {"patterns", strings(patterns)}}}});
    auto r = run(b.topology());
    QVERIFY(r);
    QCOMPARE(framesTo(*r, FrameType::RedisMessage), std::size_t(messages));
    QCOMPARE(framesTo(*r, FrameType::RedisPMessage), std::size_t(pmessages));
    QCOMPARE(matches(*r, "sub", 0), std::size_t(messages));
    QCOMPARE(matches(*r, "sub", 1), std::size_t(pmessages));
    QCOMPARE(r->trace.countAt(TraceKind::Process, r->index("sub")), std::size_t(messages + pmessages));
    QCOMPARE(confirmCounts(*r), std::vector<std::int64_t>{messages + pmessages});
    QCOMPARE(dropsAt(*r, "redis", DropReason::NoSubscribers), std::size_t(messages + pmessages == 0));
}

void TestRedis::publishReplyCounts()
{
    // PUBLISH's integer reply counts every copy handed out: 2 channel subscribers, one of them with a
    // matching pattern too, and a pattern-only subscriber: 4; to a channel nobody has: 0.
    Json script = redisScript({10}, "orders.eu");
    script.push_back({{"at", 20}, {"channel", "audit"}});
    auto b = redisLine({{"script", script}}, {},
                       {{"a", {{"channels", {"orders.eu"}}}},
                        {"b", {{"channels", {"orders.eu"}}, {"patterns", {"orders.*"}}}},
                        {"c", {{"channels", Json::array()}, {"patterns", {"*.eu"}}}}});
    auto r = run(b.topology());
    QVERIFY(r);
    QCOMPARE(confirmCounts(*r), (std::vector<std::int64_t>{4, 0}));
    QCOMPARE(dropsAt(*r, "redis", DropReason::NoSubscribers), std::size_t(1));
}

void TestRedis::lateSubscriberMisses()
{
    // Ten messages 100 ms apart from 5 ms; one subscriber from the start, one subscribing at 450 ms:
    // the late one gets the five published from 500 ms, nothing of what came before.
    auto b = redisLine(
        {{"script", redisScript(every(5, 100, 10), "news")}}, {},
        {{"early", {{"channels", {"news"}}}}, {"late", {{"channels", {"news"}}, {"subscribeAt", 450}}}});
    auto r = run(b.topology());
    QVERIFY(r);
    QCOMPARE(r->trace.countAt(TraceKind::Process, r->index("early")), std::size_t(10));
    QCOMPARE(r->trace.countAt(TraceKind::Process, r->index("late")), std::size_t(5));
    for (const auto &e : r->trace.events)
        if (e.kind == TraceKind::Match && e.peer == r->index("late")) QVERIFY(e.time >= 450 * kMillisecond);
    QCOMPARE(confirmCounts(*r), (std::vector<std::int64_t>{1, 1, 1, 1, 1, 2, 2, 2, 2, 2}));
}

void TestRedis::outputBufferLimit_data()
{
    // A subscriber reading one message per 99 ms (so that no read ends just as a message comes);
    // 100-byte messages (135 bytes as a RESP push to
    // "news"). The buffer holds the pushes not yet written to its socket.
    QTest::addColumn<Json>("script");
    QTest::addColumn<int>("hard");
    QTest::addColumn<int>("soft");
    QTest::addColumn<int>("softSeconds");
    QTest::addColumn<bool>("cutOff");
    QTest::addColumn<double>("cutOffAtMs"); // when the server closes it (-1: it does not)
    // 20 at once: the 16th append takes the buffer to 15 x 135 = 2025 >= 1900 (the first push is
    // written at once, the others wait).
    QTest::newRow("hard limit") << redisScript(every(10, 0, 20), "news") << 1900 << 0 << 0 << true << 11.0;
    QTest::newRow("under the hard limit")
        << redisScript(every(10, 0, 13), "news") << 1900 << 0 << 0 << false << -1.0;
    // Over the soft limit from the first burst on, but no push is appended after that: Redis checks
    // the limits when it appends, so the client is never cut off.
    QTest::newRow("soft limit, not for long")
        << redisScript(every(10, 0, 20), "news") << 0 << 1000 << 1 << false << -1.0;
    // 20 msg/s against about 10 read per second: the 16th push (at 761 ms) finds 8 x 135 = 1080
    // bytes queued, over the soft limit; the first append more than 1 s after that (after 1761 ms)
    // closes the client.
    QTest::newRow("soft limit for longer than its seconds")
        << redisScript(every(10, 50, 60), "news") << 0 << 1000 << 1 << true << 1811.0;
    QTest::newRow("no limits") << redisScript(every(10, 50, 60), "news") << 0 << 0 << 0 << false << -1.0;
    QTest::newRow("Redis's defaults: 32mb 8mb 60")
        << redisScript(every(10, 50, 60), "news") << int(RedisDefault::PubsubHardLimit)
        << int(RedisDefault::PubsubSoftLimit) << 60 << false << -1.0;
}

void TestRedis::outputBufferLimit()
{
    QFETCH(Json, script);
    QFETCH(int, hard);
    QFETCH(int, soft);
    QFETCH(int, softSeconds);
    QFETCH(bool, cutOff);
    QFETCH(double, cutOffAtMs);
    auto b =
        redisLine({{"script", script}},
                  {{"pubsubHardLimit", hard}, {"pubsubSoftLimit", soft}, {"pubsubSoftSeconds", softSeconds}},
                  {{"slow", {{"channels", {"news"}}, {"processingTime", "99ms"}}}});
    auto r = run(b.topology());
    QVERIFY(r);
    const NodeIndex slow = r->index("slow");
    const auto cut = disconnects(*r);
    QCOMPARE(cut.size(), std::size_t(cutOff));
    const std::size_t matched = matches(*r, "slow", 0);
    const std::size_t processed = r->trace.countAt(TraceKind::Process, slow);
    const std::size_t dropped = dropsAt(*r, "redis", DropReason::SlowConsumer, slow);
    qInfo("matched %zu, processed %zu, dropped as a slow consumer %zu", matched, processed, dropped);
    // Every copy handed to it is either read or dropped with the buffer.
    QCOMPARE(processed + dropped, matched);
    if (!cutOff) {
        QCOMPARE(dropped, std::size_t(0));
        QCOMPARE(processed, script.size());
        return;
    }
    QCOMPARE(cut[0].aux, std::int64_t(2));
    QCOMPARE(cut[0].peer, slow);
    QCOMPARE(cut[0].node, r->index("redis"));
    QCOMPARE(cut[0].time, SimTime(cutOffAtMs * kMillisecond));
    QVERIFY(dropped > 0);
    // Its subscriptions went with the connection: nothing published later reaches it.
    for (const auto &e : r->trace.events)
        if (e.kind == TraceKind::Match && e.peer == slow) QVERIFY(e.time <= cut[0].time);
    QVERIFY(matched < script.size());
    // The connection's close reaches the client.
    QCOMPARE(framesTo(*r, FrameType::Disconnect), std::size_t(1));
}

void TestRedis::reconnectAfterCutOff()
{
    // Hard limit cut off at 11 ms (as above); the client reconnects 800 ms later and subscribes
    // again: it misses what was published meanwhile and gets what comes after.
    Json script = redisScript(every(10, 0, 20), "news");
    for (double at : every(200, 100, 5))
        script.push_back({{"at", at}, {"channel", "news"}, {"size", 100}}); // while it is away
    for (double at : every(1000, 100, 5))
        script.push_back({{"at", at}, {"channel", "news"}, {"size", 100}}); // after it is back
    auto b =
        redisLine({{"script", script}}, {{"pubsubHardLimit", 1900}, {"pubsubSoftLimit", 0}},
                  {{"slow", {{"channels", {"news"}}, {"processingTime", "99ms"}, {"reconnectDelay", 800}}}});
    auto r = run(b.topology());
    QVERIFY(r);
    const NodeIndex slow = r->index("slow");
    std::vector<SimTime> connects;
    for (const auto &e : r->trace.events)
        if (e.kind == TraceKind::Connect && e.peer == slow) connects.push_back(e.time);
    QCOMPARE(connects.size(), std::size_t(2));
    QVERIFY(connects[1] > 800 * kMillisecond);
    std::size_t meanwhile = 0, after = 0;
    for (const auto &e : r->trace.events) {
        if (e.kind != TraceKind::Match || e.peer != slow) continue;
        meanwhile += e.time > 100 * kMillisecond && e.time < 900 * kMillisecond;
        after += e.time >= 900 * kMillisecond;
    }
    QCOMPARE(meanwhile, std::size_t(0));
    QCOMPARE(after, std::size_t(5));
}

void TestRedis::unsubscribe()
{
    auto b = redisLine({{"script", redisScript(every(5, 100, 10), "news")}}, {},
                       {{"sub", {{"channels", {"news"}}, {"patterns", {"n*"}}, {"unsubscribeAt", 450}}}});
    auto r = run(b.topology());
    QVERIFY(r);
    // 5..405 ms: five messages, twice each; none after UNSUBSCRIBE and PUNSUBSCRIBE.
    QCOMPARE(r->trace.countAt(TraceKind::Process, r->index("sub")), std::size_t(10));
    QCOMPARE(dropsAt(*r, "redis", DropReason::NoSubscribers), std::size_t(5));
}

void TestRedis::pushBytes()
{
    // *3\r\n$7\r\nmessage\r\n$4\r\nnews\r\n$5\r\nhello\r\n
    QCOMPARE(redisPushBytes("news", nullptr, 5),
             std::uint64_t(std::string("*3\r\n$7\r\nmessage\r\n$4\r\nnews\r\n$5\r\nhello\r\n").size()));
    const std::string pattern = "n*";
    QCOMPARE(redisPushBytes("news", &pattern, 5),
             std::uint64_t(
                 std::string("*4\r\n$8\r\npmessage\r\n$2\r\nn*\r\n$4\r\nnews\r\n$5\r\nhello\r\n").size()));
    QCOMPARE(redisPushBytes("news", nullptr, 100), std::uint64_t(135));
}

void TestRedis::badProperties_data()
{
    QTest::addColumn<QString>("kind");
    QTest::addColumn<Json>("properties");
    QTest::addColumn<QString>("property");
    QTest::addColumn<QString>("reason");
    QTest::newRow("no channel, no pattern")
        << "redis-subscriber" << Json{{"channels", Json::array()}} << "channels"
        << "at least one channel or pattern";
    QTest::newRow("unsubscribe before subscribe")
        << "redis-subscriber" << Json{{"subscribeAt", 500}, {"unsubscribeAt", 100}} << "unsubscribeAt"
        << "before subscribeAt";
    QTest::newRow("negative hard limit")
        << "redis-server" << Json{{"pubsubHardLimit", -1}} << "pubsubHardLimit"
        << "";
    QTest::newRow("channels not a list") << "redis-subscriber" << Json{{"channels", "news"}} << "channels"
                                         << "";
    QTest::newRow("script channel not a string")
        << "redis-publisher" << Json{{"script", Json::array({{{"at", 1}, {"channel", 5}}})}} << "script"
        << "'channel' must be a string";
    // Whatever the Redis dialect refuses as a pattern (core/pubsub/dialect.h), the subscriber
    // refuses with its message; one the dialect accepts it accepts.
    for (const char *p : {"news[", "news\\", "*"}) {
        const auto issues = checkFilter(Dialect::Redis, p);
        const std::string reason = hasError(issues) ? issues.front().message : std::string();
        QTest::newRow(("pattern " + std::string(p)).c_str())
            << "redis-subscriber" << Json{{"patterns", {p}}} << "patterns" << QString::fromStdString(reason);
    }
}

void TestRedis::badProperties()
{
    QFETCH(QString, kind);
    QFETCH(Json, properties);
    QFETCH(QString, property);
    QFETCH(QString, reason);
    TopologyBuilder b;
    if (kind == "redis-server")
        b.node("redis", "redis-server", properties);
    else
        b.node("redis", "redis-server")
            .node("client", kind.toStdString(), properties)
            .link("client", "redis");
    const std::vector<std::string> errors = validationErrors(b.topology());
    const bool accepted = reason.isEmpty() && kind == "redis-subscriber" && property == "patterns";
    if (accepted) {
        QVERIFY2(errors.empty(), errors.empty() ? "" : errors.front().c_str());
        return;
    }
    QVERIFY(!errors.empty());
    const std::string &e = errors.front();
    const std::string node = kind == "redis-server" ? "redis" : "client";
    QVERIFY2(e.find("\"" + node + "\"") != std::string::npos, e.c_str());
    QVERIFY2(e.find(property.toStdString()) != std::string::npos, e.c_str());
    QVERIFY2(e.find(reason.toStdString()) != std::string::npos, e.c_str());
}

void TestRedis::lateSubscriberExample()
{
    auto r = runExample("redis-late-subscriber.json");
    QVERIFY(r);
    QCOMPARE(r->reason, StopReason::Quiescent);
    // 30 published, one every 100 ms from 100 ms; the late subscriber joined at 1.45 s.
    QCOMPARE(r->trace.countAt(TraceKind::Publish, r->index("publisher")), std::size_t(30));
    QCOMPARE(r->trace.countAt(TraceKind::Process, r->index("early")), std::size_t(30));
    QCOMPARE(r->trace.countAt(TraceKind::Process, r->index("late")), std::size_t(16));
    // Channel and pattern: every message twice, once as "message", once as "pmessage".
    QCOMPARE(r->trace.countAt(TraceKind::Process, r->index("both")), std::size_t(60));
    std::size_t byPattern = 0;
    for (const auto &e : r->trace.events)
        byPattern += e.kind == TraceKind::Match && e.peer == r->index("both") && e.aux == 1;
    QCOMPARE(byPattern, std::size_t(30));
    std::size_t three = 0, four = 0;
    for (const auto &e : r->trace.events)
        if (e.kind == TraceKind::Confirm) {
            three += e.aux == 3;
            four += e.aux == 4;
        }
    QCOMPARE(three, std::size_t(14));
    QCOMPARE(four, std::size_t(16));
}

QTEST_GUILESS_MAIN(TestRedis)
#include "tst_redis.moc"
