// The MQTT broker and client: QoS outcomes under loss, retained messages, clean and persistent
// sessions, Last Will, keep-alive, shared subscriptions, '$' topics and refused filters.
#include "mqtttest.h"
#include "sequence.h"

using namespace sb;
using namespace sbtest;

namespace {

// The first error's path and message, or empty.
std::string firstError(const Topology &t)
{
    for (const auto &d : validateTopology(t))
        if (d.severity == Diagnostic::Severity::Error) return d.path + ": " + d.message;
    return {};
}

// A mark's text without the message it names (" m12").
std::string withoutMessage(std::string text)
{
    for (std::size_t i = text.find(" m"); i != std::string::npos; i = text.find(" m", i + 1)) {
        std::size_t end = i + 2;
        while (end < text.size() && std::isdigit(static_cast<unsigned char>(text[end])))
            ++end;
        if (end > i + 2 && (end == text.size() || text[end] == ' ')) return text.erase(i, end - i);
    }
    return text;
}

std::vector<TraceEvent> eventsOf(const Run &r, TraceKind k)
{
    std::vector<TraceEvent> out;
    for (const auto &e : r.trace.events)
        if (e.kind == k) out.push_back(e);
    return out;
}

} // namespace

class TestMqtt : public QObject {
    Q_OBJECT
private slots:
    void qosUnderLoss_data();
    void qosUnderLoss();
    void deliveryAtLowerQos_data();
    void deliveryAtLowerQos();
    void retainedSetReplacedCleared();
    void persistentSessionQueuesWhileOffline_data();
    void persistentSessionQueuesWhileOffline();
    void sessionExpiryDropsHeldMessages();
    void willOnUngracefulDisconnectOnly_data();
    void willOnUngracefulDisconnectOnly();
    void keepAliveKeepsQuietClientConnected();
    void sharedSubscriptionRoundRobin();
    void dollarTopicsNotMatchedByLeadingWildcards();
    void overlappingSubscriptions_data();
    void overlappingSubscriptions();
    void reconnectsAfterBrokerCrash();
    void badFiltersAndTopicsRefused_data();
    void badFiltersAndTopicsRefused();
    void markAndFrameTexts();
};

void TestMqtt::qosUnderLoss_data()
{
    QTest::addColumn<int>("qos");
    QTest::newRow("QoS 0: losses") << 0;
    QTest::newRow("QoS 1: duplicates") << 1;
    QTest::newRow("QoS 2: exactly once") << 2;
}

// 20% of frames lost each way on both links: QoS 0 loses messages, QoS 1 gets every one at
// least once (some twice, resent with DUP), QoS 2 every one exactly once.
void TestMqtt::qosUnderLoss()
{
    QFETCH(int, qos);
    const int count = 200;
    auto b = mqttStar(
        {{"retryInterval", 300}},
        {{"pub",
          {{"rate", 50},
           {"count", count},
           {"qos", qos},
           {"topic", "t/1"},
           {"startAt", "5s"},
           {"retryInterval", 300},
           {"connectTimeout", 500}}},
         {"sub",
          {{"subscriptions", Json::array({"t/+ 2"})}, {"retryInterval", 300}, {"connectTimeout", 500}}}},
        {{"latency", "5ms"}, {"loss", 0.2}});
    b.seed(7);
    auto r = run(b.topology(), 120 * kSecond);
    QVERIFY(r);
    const Received got = received(*r, "sub");
    const std::size_t published = r->trace.count(TraceKind::Publish);
    QCOMPARE(published, std::size_t(count));
    const std::size_t dupFrames = countWhere(*r, [](const TraceEvent &e) {
        return e.kind == TraceKind::Send && e.frame == FrameType::MqttPublish && (e.flags & TraceFlag::Dup);
    });
    for (const auto &e : eventsOf(*r, TraceKind::Match))
        QCOMPARE(int(e.epoch), qos);
    if (qos == 0) {
        QVERIFY2(got.distinct.size() < published, "QoS 0 loses messages on a lossy link");
        QVERIFY(got.matched < published);     // lost on the way to the broker
        QVERIFY(got.processed < got.matched); // and on the way to the subscriber
        QCOMPARE(got.duplicates(), std::size_t(0));
        QCOMPARE(dupFrames, std::size_t(0));
    } else if (qos == 1) {
        QCOMPARE(got.distinct.size(), published);
        QVERIFY2(got.duplicates() > 0, "QoS 1 delivers some messages twice when acks are lost");
        QVERIFY(dupFrames > 0);
        QVERIFY(got.matched > published); // the broker routed a resent PUBLISH again
    } else {
        QCOMPARE(got.distinct.size(), published);
        QCOMPARE(got.duplicates(), std::size_t(0));
        QCOMPARE(got.matched, published); // PUBREC'd ids are routed once
        QVERIFY(dupFrames > 0);           // resends happened, and were absorbed
    }
}

void TestMqtt::deliveryAtLowerQos_data()
{
    QTest::addColumn<int>("publishQos");
    QTest::addColumn<int>("subscriptionQos");
    QTest::newRow("publish 2, subscribe 1") << 2 << 1;
    QTest::newRow("publish 1, subscribe 2") << 1 << 2;
    QTest::newRow("publish 0, subscribe 2") << 0 << 2;
    QTest::newRow("publish 2, subscribe 0") << 2 << 0;
}

void TestMqtt::deliveryAtLowerQos()
{
    QFETCH(int, publishQos);
    QFETCH(int, subscriptionQos);
    auto b = mqttStar(
        {}, {{"pub", {{"rate", 10}, {"count", 5}, {"qos", publishQos}, {"topic", "a/b"}, {"startAt", 100}}},
             {"sub", {{"subscriptions", Json::array({"a/b " + std::to_string(subscriptionQos)})}}}});
    auto r = run(b.topology());
    QVERIFY(r);
    const int expected = std::min(publishQos, subscriptionQos);
    const auto matches = eventsOf(*r, TraceKind::Match);
    QCOMPARE(matches.size(), std::size_t(5));
    for (const auto &e : matches) {
        QCOMPARE(int(e.epoch), expected);
        QCOMPARE(e.aux, std::int64_t(0)); // matched by an exact name
    }
    const std::size_t toSub = countWhere(*r, [&](const TraceEvent &e) {
        return e.kind == TraceKind::Send && e.frame == FrameType::MqttPublish && e.node == r->index("b");
    });
    QCOMPARE(toSub, std::size_t(5));
    for (const auto &e : r->trace.events)
        if (e.kind == TraceKind::Send && e.frame == FrameType::MqttPublish && e.node == r->index("b"))
            QCOMPARE(int(e.epoch), expected);
    QCOMPARE(received(*r, "sub").processed, std::size_t(5));
}

// A retained message goes to later subscribers (with RETAIN), the newest replaces it, and an empty
// one clears it.
void TestMqtt::retainedSetReplacedCleared()
{
    const Json script =
        Json::array({{{"at", 100}, {"topic", "home/status"}, {"retain", true}, {"size", 10}},
                     {{"at", 1000}, {"topic", "home/status"}, {"retain", true}, {"size", 20}},
                     {{"at", 3000}, {"topic", "home/status"}, {"retain", true}, {"size", 0}}});
    auto b =
        mqttStar({}, {{"pub", {{"script", script}, {"qos", 1}}},
                      {"early", {{"subscriptions", Json::array({"home/# 1"})}}},
                      {"late", {{"subscriptions", Json::array({"home/+ 1"})}, {"connectAt", 2000}}},
                      {"later", {{"subscriptions", Json::array({"home/status 1"})}, {"connectAt", 4000}}}});
    auto r = run(b.topology());
    QVERIFY(r);
    const auto retains = eventsOf(*r, TraceKind::Retain);
    QCOMPARE(retains.size(), std::size_t(3));
    QCOMPARE(retains[0].aux, std::int64_t(0));
    QCOMPARE(retains[1].aux, std::int64_t(0));
    QCOMPARE(retains[2].aux, std::int64_t(1)); // cleared
    const auto publishes = eventsOf(*r, TraceKind::Publish);
    QCOMPARE(publishes.size(), std::size_t(3));

    // The early subscriber got all three live, none flagged retained.
    std::vector<TraceEvent> early, late;
    for (const auto &e : eventsOf(*r, TraceKind::Process)) {
        if (e.node == r->index("early")) early.push_back(e);
        if (e.node == r->index("late")) late.push_back(e);
    }
    QCOMPARE(early.size(), std::size_t(3));
    for (const auto &e : early)
        QVERIFY(!(e.flags & TraceFlag::Retain));
    // The late one got the second (the retained one when it subscribed) with RETAIN, then the
    // clearing message live.
    QCOMPARE(late.size(), std::size_t(2));
    QCOMPARE(late[0].messageId, publishes[1].messageId);
    QVERIFY(late[0].flags & TraceFlag::Retain);
    QCOMPARE(late[1].messageId, publishes[2].messageId);
    QVERIFY(!(late[1].flags & TraceFlag::Retain));
    // After the clear, nothing is retained.
    QCOMPARE(received(*r, "later").processed, std::size_t(0));
    std::size_t retainedMatches = 0;
    for (const auto &e : eventsOf(*r, TraceKind::Match))
        retainedMatches += (e.flags & TraceFlag::Retain) != 0;
    QCOMPARE(retainedMatches, std::size_t(1));
}

void TestMqtt::persistentSessionQueuesWhileOffline_data()
{
    QTest::addColumn<bool>("persistent");
    QTest::newRow("persistent session") << true;
    QTest::newRow("clean session") << false;
}

// The subscriber is offline from 1 s to 4 s while QoS 1 and QoS 0 publishers go on: with a
// persistent session the QoS 1 messages wait at the broker and arrive on reconnect (session
// present), the QoS 0 ones are dropped as ClientOffline; with a clean session nothing is kept.
void TestMqtt::persistentSessionQueuesWhileOffline()
{
    QFETCH(bool, persistent);
    Json sub = {{"subscriptions", Json::array({"d/# 1"})},
                {"offlineAt", 1000},
                {"offlineFor", 3000},
                {"cleanStart", !persistent}};
    if (persistent) sub["sessionExpiry"] = "1h";
    auto b = mqttStar(
        {}, {{"q1", {{"rate", 10}, {"count", 50}, {"qos", 1}, {"topic", "d/one"}, {"startAt", 100}}},
             {"q0", {{"rate", 10}, {"count", 50}, {"qos", 0}, {"topic", "d/zero"}, {"startAt", 100}}},
             {"sub", sub}});
    auto r = run(b.topology());
    QVERIFY(r);
    const NodeIndex s = r->index("sub");
    const auto connects = eventsOf(*r, TraceKind::Connect);
    std::vector<std::int64_t> subConnects;
    for (const auto &e : connects)
        if (e.peer == s) subConnects.push_back(e.aux);
    QCOMPARE(subConnects.size(), std::size_t(2));
    QCOMPARE(subConnects[1], std::int64_t(persistent ? 1 : 0)); // session present on reconnect

    std::set<std::uint64_t> q1Ids, q0Ids;
    for (const auto &e : eventsOf(*r, TraceKind::Publish))
        (e.epoch == 1 ? q1Ids : q0Ids).insert(e.messageId);
    std::set<std::uint64_t> got1, got0;
    for (const auto &e : eventsOf(*r, TraceKind::Process))
        if (e.node == s) (q1Ids.count(e.messageId) ? got1 : got0).insert(e.messageId);
    const std::size_t offlineDrops = r->trace.count(TraceKind::Drop, DropReason::ClientOffline);
    if (persistent) {
        QCOMPARE(got1.size(), q1Ids.size()); // every QoS 1 message, the offline ones on reconnect
        QVERIFY(got0.size() < q0Ids.size());
        QCOMPARE(got0.size() + offlineDrops, q0Ids.size()); // QoS 0 while offline: dropped
        QCOMPARE(r->trace.count(TraceKind::Drop, DropReason::NoSubscribers), std::size_t(0));
    } else {
        QVERIFY(got1.size() < q1Ids.size()); // nothing kept while offline
        QCOMPARE(offlineDrops, std::size_t(0));
        QCOMPARE(got1.size() + got0.size() + r->trace.count(TraceKind::Drop, DropReason::NoSubscribers),
                 q1Ids.size() + q0Ids.size());
    }
    // A clean DISCONNECT: no will, aux 0.
    for (const auto &e : eventsOf(*r, TraceKind::Disconnect))
        if (e.peer == s) QCOMPARE(e.aux, std::int64_t(0));
}

// The session outlives the connection by 2 s only: offline for 5 s, it expires with the QoS 1
// messages held for it, which are dropped as SessionExpired; the client comes back to a new one.
void TestMqtt::sessionExpiryDropsHeldMessages()
{
    auto b =
        mqttStar({}, {{"pub", {{"rate", 10}, {"count", 80}, {"qos", 1}, {"topic", "x"}, {"startAt", 100}}},
                      {"sub",
                       {{"subscriptions", Json::array({"x 1"})},
                        {"cleanStart", false},
                        {"sessionExpiry", "2s"},
                        {"offlineAt", 1000},
                        {"offlineFor", 5000}}}});
    auto r = run(b.topology());
    QVERIFY(r);
    const auto expiries = eventsOf(*r, TraceKind::SessionExpire);
    QCOMPARE(expiries.size(), std::size_t(1));
    QCOMPARE(expiries[0].peer, r->index("sub"));
    SimTime disconnectedAt = 0;
    for (const auto &e : eventsOf(*r, TraceKind::Disconnect))
        if (e.peer == r->index("sub")) disconnectedAt = e.time;
    QVERIFY(disconnectedAt >= kSecond);
    QCOMPARE(expiries[0].time, disconnectedAt + 2 * kSecond); // the session expiry interval after it
    QVERIFY(expiries[0].aux > 0);
    QCOMPARE(std::int64_t(r->trace.count(TraceKind::Drop, DropReason::SessionExpired)), expiries[0].aux);
    // Back at 6 s with no session: not present, subscribes again, gets what comes after.
    std::vector<std::int64_t> present;
    for (const auto &e : eventsOf(*r, TraceKind::Connect))
        if (e.peer == r->index("sub")) present.push_back(e.aux);
    QCOMPARE(present, (std::vector<std::int64_t>{0, 0}));
    const Received got = received(*r, "sub");
    QVERIFY(got.processed > 0);
    // Matched = processed + dropped at expiry + published to nobody while there was no session.
    QCOMPARE(got.matched, got.processed + std::size_t(expiries[0].aux));
}

void TestMqtt::willOnUngracefulDisconnectOnly_data()
{
    QTest::addColumn<QString>("how");
    QTest::addColumn<int>("wills");
    QTest::addColumn<int>("disconnectAux");
    QTest::newRow("clean DISCONNECT") << "disconnect" << 0 << 0;
    QTest::newRow("crash") << "crash" << 1 << 4;
    QTest::newRow("link down") << "link-down" << 1 << 4;
    QTest::newRow("keep-alive expiry (paused)") << "pause" << 1 << 1;
}

void TestMqtt::willOnUngracefulDisconnectOnly()
{
    QFETCH(QString, how);
    QFETCH(int, wills);
    QFETCH(int, disconnectAux);
    Json dev = {
        {"willTopic", "devices/{node}/status"}, {"willQos", 1}, {"willRetain", true}, {"keepAlive", "2s"}};
    if (how == "disconnect") dev["offlineAt"] = 1000;
    // A publisher keeps the run going while the device is gone.
    auto b = mqttStar({}, {{"dev", dev},
                           {"watch", {{"subscriptions", Json::array({"devices/+/status 1"})}}},
                           {"ticker", {{"rate", 2}, {"count", 40}, {"topic", "tick"}}}});
    Topology t = b.topology();
    if (how == "crash") t.faults.push_back(mqttFault("f", "crash", "dev", kSecond, std::nullopt));
    if (how == "link-down") t.faults.push_back(mqttFault("f", "link-down", "dev-b", kSecond, std::nullopt));
    if (how == "pause") t.faults.push_back(mqttFault("f", "pause", "dev", kSecond, std::nullopt));
    QCOMPARE(firstError(t), std::string());
    auto r = run(t);
    QVERIFY(r);
    const NodeIndex dev_ = r->index("dev");
    const auto willEvents = eventsOf(*r, TraceKind::Will);
    QCOMPARE(int(willEvents.size()), wills);
    std::vector<TraceEvent> disconnects;
    for (const auto &e : eventsOf(*r, TraceKind::Disconnect))
        if (e.peer == dev_) disconnects.push_back(e);
    QCOMPARE(disconnects.size(), std::size_t(1));
    QCOMPARE(disconnects[0].aux, std::int64_t(disconnectAux));
    if (how == "pause") // 1.5 x keep-alive after the last PINGREQ (at 0 or 2 s; paused at 1 s)
        QVERIFY(disconnects[0].time > kSecond && disconnects[0].time <= kSecond + 3 * kSecond);
    if (wills == 0) {
        QCOMPARE(received(*r, "watch").processed, std::size_t(0));
        return;
    }
    QCOMPARE(willEvents[0].peer, dev_);
    // The watcher gets the will, and it is retained.
    const Received got = received(*r, "watch");
    QCOMPARE(got.processed, std::size_t(1));
    QVERIFY(got.distinct.count(willEvents[0].messageId));
    const auto retains = eventsOf(*r, TraceKind::Retain);
    QCOMPARE(retains.size(), std::size_t(1));
    QCOMPARE(retains[0].messageId, willEvents[0].messageId);
}

// A subscriber that publishes nothing stays connected by PINGREQ/PINGRESP.
void TestMqtt::keepAliveKeepsQuietClientConnected()
{
    auto b = mqttStar({}, {{"quiet", {{"keepAlive", "1s"}, {"subscriptions", Json::array({"nothing/here"})}}},
                           {"ticker", {{"rate", 2}, {"count", 40}, {"topic", "tick"}}}});
    auto r = run(b.topology());
    QVERIFY(r);
    QCOMPARE(r->trace.count(TraceKind::Disconnect), std::size_t(0));
    const NodeIndex q = r->index("quiet");
    const std::size_t pings = countWhere(*r, [&](const TraceEvent &e) {
        return e.kind == TraceKind::Send && e.frame == FrameType::PingReq && e.node == q;
    });
    const std::size_t pongs = countWhere(*r, [&](const TraceEvent &e) {
        return e.kind == TraceKind::Send && e.frame == FrameType::PingResp && e.peer == q;
    });
    QVERIFY(pings >= 15); // about one a second over the ticker's 20 s
    QCOMPARE(pongs, pings);
}

// Three members of $share/workers get the messages round robin; a plain subscriber gets them all.
void TestMqtt::sharedSubscriptionRoundRobin()
{
    const Json member = {{"subscriptions", Json::array({"$share/workers/jobs/# 1"})}};
    auto b = mqttStar(
        {}, {{"pub", {{"rate", 10}, {"count", 30}, {"qos", 1}, {"topic", "jobs/{seq}"}, {"startAt", 200}}},
             {"w1", member},
             {"w2", member},
             {"w3", member},
             {"all", {{"subscriptions", Json::array({"jobs/+ 1"})}}}});
    auto r = run(b.topology());
    QVERIFY(r);
    QCOMPARE(received(*r, "w1").processed, std::size_t(10));
    QCOMPARE(received(*r, "w2").processed, std::size_t(10));
    QCOMPARE(received(*r, "w3").processed, std::size_t(10));
    QCOMPARE(received(*r, "all").processed, std::size_t(30));
    // In turn: w1, w2, w3, w1, ...
    std::vector<NodeIndex> order;
    for (const auto &e : eventsOf(*r, TraceKind::Match)) {
        if (e.peer == r->index("all")) {
            QCOMPARE(e.group, kNoIndex);
            QCOMPARE(e.aux, std::int64_t(1)); // a wildcard filter
            continue;
        }
        QVERIFY(e.group != kNoIndex);
        QCOMPARE(r->sim->groupNames().at(e.group), std::string("workers"));
        order.push_back(e.peer);
    }
    QCOMPARE(order.size(), std::size_t(30));
    for (std::size_t i = 0; i < order.size(); ++i)
        QCOMPARE(order[i], r->index(i % 3 == 0 ? "w1" : i % 3 == 1 ? "w2" : "w3"));
}

// '#' and '+/...' do not match topics starting with '$'; a filter naming '$SYS' does.
void TestMqtt::dollarTopicsNotMatchedByLeadingWildcards()
{
    const Json script =
        Json::array({{{"at", 100}, {"topic", "$SYS/broker/uptime"}}, {{"at", 200}, {"topic", "a/uptime"}}});
    auto b = mqttStar({}, {{"pub", {{"script", script}}},
                           {"all", {{"subscriptions", Json::array({"#"})}}},
                           {"plus", {{"subscriptions", Json::array({"+/uptime"})}}},
                           {"sys", {{"subscriptions", Json::array({"$SYS/#"})}}},
                           {"sysplus", {{"subscriptions", Json::array({"$SYS/+/uptime"})}}}});
    auto r = run(b.topology());
    QVERIFY(r);
    const auto publishes = eventsOf(*r, TraceKind::Publish);
    QCOMPARE(publishes.size(), std::size_t(2));
    const Received all = received(*r, "all");
    QCOMPARE(all.processed, std::size_t(1));
    QVERIFY(all.distinct.count(publishes[1].messageId));
    QCOMPARE(received(*r, "plus").distinct, std::set<std::uint64_t>{publishes[1].messageId});
    QCOMPARE(received(*r, "sys").distinct, std::set<std::uint64_t>{publishes[0].messageId});
    QCOMPARE(received(*r, "sysplus").distinct, std::set<std::uint64_t>{publishes[0].messageId});
}

void TestMqtt::overlappingSubscriptions_data()
{
    QTest::addColumn<QString>("version");
    QTest::addColumn<bool>("allowDuplicates");
    QTest::addColumn<int>("copies");
    QTest::newRow("MQTT 5: a copy per subscription") << "5" << false << 2;
    QTest::newRow("3.1.1: one copy at the highest QoS") << "3.1.1" << false << 1;
    QTest::newRow("3.1.1, allow_duplicate_messages") << "3.1.1" << true << 2;
}

// foo/# at QoS 0 and foo/+/baz at QoS 1 both match foo/bar/baz.
void TestMqtt::overlappingSubscriptions()
{
    QFETCH(QString, version);
    QFETCH(bool, allowDuplicates);
    QFETCH(int, copies);
    auto b =
        mqttStar({{"allowDuplicateMessages", allowDuplicates}},
                 {{"pub", {{"script", Json::array({{{"at", 100}, {"topic", "foo/bar/baz"}}})}, {"qos", 1}}},
                  {"sub",
                   {{"subscriptions", Json::array({"foo/# 0", "foo/+/baz 1"})},
                    {"protocolVersion", version.toStdString()}}}});
    auto r = run(b.topology());
    QVERIFY(r);
    const auto matches = eventsOf(*r, TraceKind::Match);
    QCOMPARE(int(matches.size()), copies);
    QCOMPARE(int(received(*r, "sub").processed), copies);
    if (copies == 1) QCOMPARE(int(matches[0].epoch), 1); // the highest of the two
}

// The broker crashes (sessions in memory only, as Mosquitto without persistence): the clients
// see their connection drop, reconnect with backoff and subscribe again.
void TestMqtt::reconnectsAfterBrokerCrash()
{
    auto b =
        mqttStar({}, {{"pub", {{"rate", 10}, {"count", 100}, {"qos", 1}, {"topic", "x"}, {"startAt", 100}}},
                      {"sub", {{"subscriptions", Json::array({"x 1"})}}}});
    Topology t = b.topology();
    t.faults.push_back(mqttFault("down", "crash", "b", 3 * kSecond, 2 * kSecond));
    auto r = run(t);
    QVERIFY(r);
    std::vector<SimTime> subConnects;
    for (const auto &e : eventsOf(*r, TraceKind::Connect))
        if (e.peer == r->index("sub")) {
            subConnects.push_back(e.time);
            QCOMPARE(e.aux, std::int64_t(0)); // the crash took the session
        }
    QCOMPARE(subConnects.size(), std::size_t(2));
    // Attempts while the broker is down fail at once and back off (1 s, 2 s): back at 6 s, not
    // after a connect timeout.
    QVERIFY(subConnects[1] >= 5 * kSecond && subConnects[1] < 7 * kSecond);
    const Received got = received(*r, "sub");
    QVERIFY(got.processed > 0);
    // Messages published after the broker came back reach the subscriber.
    std::uint64_t last = 0;
    for (const auto &e : eventsOf(*r, TraceKind::Publish))
        last = e.messageId;
    QVERIFY(got.distinct.count(last));
}

void TestMqtt::badFiltersAndTopicsRefused_data()
{
    QTest::addColumn<QString>("property");
    QTest::addColumn<QString>("value"); // JSON
    QTest::addColumn<QString>("reason");
    QTest::newRow("QoS 3") << "subscriptions"
                           << R"(["a/b 3"])"
                           << "QoS '3' is not 0, 1 or 2";
    QTest::newRow("QoS word") << "subscriptions"
                              << R"(["a/b high"])"
                              << "QoS 'high' is not 0, 1 or 2";
    QTest::newRow("share without filter") << "subscriptions"
                                          << R"(["$share/g 1"])"
                                          << "expected $share/<group>/<filter>";
    QTest::newRow("share empty group") << "subscriptions"
                                       << R"(["$share//a 1"])"
                                       << "the group name is empty";
    QTest::newRow("share wildcard group") << "subscriptions"
                                          << R"(["$share/g+/a 1"])"
                                          << "the group name may not contain '+' (at position 8)";
    QTest::newRow("share empty filter") << "subscriptions"
                                        << R"(["$share/g/ 1"])"
                                        << "the topic filter after the group is empty";
    QTest::newRow("empty line") << "subscriptions"
                                << R"(["  "])"
                                << "empty subscription";
    QTest::newRow("empty topic") << "topic"
                                 << R"("")"
                                 << "a topic name must be at least one character long";
    QTest::newRow("script qos") << "script"
                                << R"([{"at": 0, "qos": 5}])"
                                << "'qos' must be 0, 1 or 2";
    QTest::newRow("script topic") << "script"
                                  << R"([{"at": 0, "topic": ""}])"
                                  << "a topic name must be at least one character long";
    QTest::newRow("will qos") << "willQos"
                              << "3"
                              << "";
}

void TestMqtt::badFiltersAndTopicsRefused()
{
    QFETCH(QString, property);
    QFETCH(QString, value);
    QFETCH(QString, reason);
    Json props = Json::object();
    props[property.toStdString()] = Json::parse(value.toStdString());
    auto b = mqttStar({}, {{"c", props}});
    const std::string error = firstError(b.topology());
    QVERIFY2(!error.empty(), "refused");
    QVERIFY2(error.find("$.nodes[1].properties." + property.toStdString()) == 0, error.c_str());
    QVERIFY2(error.find("\"c\"") != std::string::npos, error.c_str()); // names the node
    QVERIFY2(error.find(reason.toStdString()) != std::string::npos, error.c_str());
}

// What the sequence diagram says for a real run's MQTT frames and pub-sub events.
void TestMqtt::markAndFrameTexts()
{
    auto b = mqttStar({{"retryInterval", 300}},
                      {{"dev",
                        {{"willTopic", "devices/{node}/status"},
                         {"willQos", 1},
                         {"willRetain", true},
                         {"rate", 20},
                         {"count", 40},
                         {"qos", 1},
                         {"topic", "t"},
                         {"startAt", 2000},
                         {"connectTimeout", 300}}},
                       {"sub",
                        {{"subscriptions", Json::array({"+ 1", "devices/# 1"})},
                         {"cleanStart", false},
                         {"sessionExpiry", 2000},
                         {"connectTimeout", 300}}},
                       {"gone",
                        {{"subscriptions", Json::array({"t 1", "devices/# 1"})},
                         {"cleanStart", false},
                         {"sessionExpiry", 500},
                         {"connectTimeout", 300}}}},
                      {{"latency", "5ms"}, {"loss", 0.2}});
    Topology t = b.topology();
    t.faults.push_back(mqttFault("crash", "crash", "dev", 5 * kSecond, std::nullopt));
    t.faults.push_back(mqttFault("blip", "link-down", "sub-b", 6 * kSecond, 300 * kMillisecond));
    t.faults.push_back(mqttFault("cut", "link-down", "gone-b", 6 * kSecond, 3 * kSecond));
    auto r = run(t, 30 * kSecond);
    QVERIFY(r);
    std::set<std::string> texts;
    for (const auto &e : r->trace.events) {
        if (e.kind == TraceKind::Send && isMqttFrame(e.frame)) texts.insert(protocolFrameText(e));
        if (isDomainMark(e.kind) && e.kind >= TraceKind::Match)
            texts.insert(withoutMessage(domainMarkText(e)));
    }
    const std::string all = [&] {
        std::string s;
        for (const auto &x : texts)
            s += x + " | ";
        return s;
    }();
    for (const char *expected :
         {"CONNECT", "CONNACK", "SUBSCRIBE", "SUBACK", "PUBLISH QoS 1", "PUBLISH QoS 1 DUP", "PUBACK",
          "PUBLISH QoS 1 retain", "match QoS 1", "match retained QoS 1", "will", "retained", "connect",
          "connect (session resumed)", "disconnect: connection lost", "session expired (0 messages dropped)"})
        QVERIFY2(texts.count(expected), (std::string(expected) + " not in: " + all).c_str());
    TraceEvent e;
    e.kind = TraceKind::Disconnect;
    e.aux = 1;
    QCOMPARE(domainMarkText(e), std::string("disconnect: keep-alive expired"));
    e.aux = 3;
    QCOMPARE(domainMarkText(e), std::string("disconnect: taken over"));
    e.kind = TraceKind::Retain;
    e.aux = 1;
    e.messageId = 9;
    QCOMPARE(domainMarkText(e), std::string("retained cleared m9"));
    e.kind = TraceKind::Match;
    e.aux = 0;
    e.epoch = 2;
    e.flags = TraceFlag::Retain;
    QCOMPARE(domainMarkText(e), std::string("match m9 retained QoS 2"));
}

QTEST_GUILESS_MAIN(TestMqtt)
#include "tst_mqtt.moc"
