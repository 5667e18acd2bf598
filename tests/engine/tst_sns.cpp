// Amazon SNS as the SNS Developer Guide documents it: fan-out to SQS and HTTP/S subscriptions,
// filter policies on message attributes or the message body, raw and enveloped delivery, HTTP/S
// delivery retries by the delivery policy, dead-letter queues, FIFO topics, and the validation of
// subscription attributes.
#include "callstatus.h"
#include "enginetest.h"
#include "nodes/sns/sns.h"
#include "nodes/sqs/sqsprotocol.h"
#include "pubsubchecker.h"

#include <map>
#include <set>

using namespace sb;
using namespace sbtest;

class TestSns : public QObject {
    Q_OBJECT
private slots:
    void fanOutToQueues();
    void filterScope_data();
    void filterScope();
    void publishSucceedsWhenFiltered();
    void rawVsEnvelope();
    void retrySchedule_data();
    void retrySchedule();
    void httpRetries_data();
    void httpRetries();
    void duplicateAfterLostReply();
    void deadLetterAfterRetries();
    void sqsClientErrorNotRetried();
    void fifoTopic();
    void badSubscriptions_data();
    void badSubscriptions();
    void badLinks_data();
    void badLinks();
    void fifoOrderPerGroup();
    void topicCrashKeepsDeliveries();
    void explainRoute();
    void fanoutExample();
};

namespace {

// Keeps the contents of every published message (announced before its Publish).
class MessageSink final : public TraceSink {
public:
    void onEvent(const TraceEvent &) override {}
    void onMessage(const Message &m) override { messages[m.id] = m; }
    std::map<std::uint64_t, Message> messages;
};

// pub -> topic -> each queue (sqs) with a consumer; bindings as given.
Topology fanOut(Json publisher, const std::vector<std::pair<std::string, Json>> &queues, Json topic = {})
{
    TopologyBuilder b;
    b.node("pub", "sns-publisher", publisher).node("topic", "sns-topic", topic).link("pub", "topic");
    for (const auto &[id, args] : queues)
        b.node(id, "sqs-queue")
            .node(id + "-c", "sqs-consumer")
            .link("topic", id)
            .link(id, id + "-c", {}, "receive");
    Topology t = b.topology();
    for (const auto &[id, args] : queues)
        if (!args.is_null() && !args.empty()) t.bindings.push_back({"topic", id, "", args});
    return t;
}

Json oneMessage(Json headers, Json fields = Json::object())
{
    Json e = {{"at", 0}, {"headers", headers}};
    if (!fields.empty()) e["fields"] = fields;
    return {{"script", Json::array({e})}};
}

std::vector<const TraceEvent *> eventsOf(const Run &r, TraceKind k, const std::string &node)
{
    std::vector<const TraceEvent *> out;
    for (const auto &e : r.trace.events)
        if (e.kind == k && e.node == r.index(node)) out.push_back(&e);
    return out;
}

// A NodeContext with a manual clock for one node: links by port, frames sent kept by link.
class Context final : public NodeContext {
public:
    std::map<PortIndex, std::vector<LinkIndex>> ports;
    std::map<LinkIndex, std::vector<Frame>> sent;
    std::vector<TraceEvent> events;
    SimTime now() const override { return 0; }
    NodeIndex self() const override { return 0; }
    std::span<const LinkIndex> links(PortIndex port) const override
    {
        auto it = ports.find(port);
        return it == ports.end() ? std::span<const LinkIndex>() : std::span<const LinkIndex>(it->second);
    }
    NodeIndex peer(LinkIndex link) const override { return 100 + link; }
    void send(LinkIndex link, Frame frame) override { sent[link].push_back(std::move(frame)); }
    TimerId startTimer(SimTime, std::uint64_t, bool) override { return ++m_timers; }
    void cancelTimer(TimerId) override {}
    Rng &rng() override { return m_rng; }
    void trace(TraceEvent e) override { events.push_back(e); }
    std::uint64_t newMessageId() override { return 1; }
    bool mayPublish() override { return true; }

private:
    Rng m_rng{1};
    TimerId m_timers = 0;
};

} // namespace

void TestSns::fanOutToQueues()
{
    Json pub = {{"rate", 10}, {"count", 20}};
    auto t = fanOut(pub, {{"q1", {}}, {"q2", {}}, {"q3", {}}});
    QVERIFY(validationErrors(t).empty());
    auto r = prepare(t);
    QVERIFY(r);
    PubSubChecker pubsub(std::vector<std::string>(t.nodes.size()));
    r->sim->addSink(&pubsub);
    RunOptions o;
    o.until = 600 * kSecond;
    r->sim->run(o);
    // Each queue stores each of the 20 messages once, and its consumer processes them.
    for (const char *q : {"q1", "q2", "q3"}) {
        QCOMPARE(eventsOf(*r, TraceKind::Enqueue, q).size(), std::size_t(20));
        QCOMPARE(eventsOf(*r, TraceKind::Process, std::string(q) + "-c").size(), std::size_t(20));
    }
    QCOMPARE(eventsOf(*r, TraceKind::Match, "topic").size(), std::size_t(60));
    QCOMPARE(eventsOf(*r, TraceKind::Confirm, "pub").size(), std::size_t(20));
    const auto qos = pubsub.byQos();
    QCOMPARE(qos[0].copies, std::uint64_t(60));
    QCOMPARE(qos[0].processed, std::uint64_t(60));
    QCOMPARE(qos[0].lost, std::uint64_t(0));
}

void TestSns::filterScope_data()
{
    QTest::addColumn<QByteArray>("args");
    QTest::addColumn<QByteArray>("publisher");
    QTest::addColumn<bool>("delivered");
    const QByteArray attrs =
        R"({"script": [{"at": 0, "headers": {"store": "example_corp", "event": "order_placed"},
                                 "fields": {"price_usd": 210.75, "country": "US"}}]})";
    QTest::newRow("attributes: exact string")
        << QByteArray(R"({"FilterPolicy": {"store": ["example_corp"]}})") << attrs << true;
    QTest::newRow("attributes: other value")
        << QByteArray(R"({"FilterPolicy": {"store": ["other_corp"]}})") << attrs << false;
    QTest::newRow("attributes: prefix and anything-but")
        << QByteArray(
               R"({"FilterPolicy": {"event": [{"prefix": "order_"}], "store": [{"anything-but": "x"}]}})")
        << attrs << true;
    QTest::newRow("attributes scope does not see the body")
        << QByteArray(R"({"FilterPolicy": {"country": ["US"]}})") << attrs << false;
    QTest::newRow("body scope sees the body")
        << QByteArray(R"({"FilterPolicy": {"country": ["US"], "price_usd": [{"numeric": [">", 200]}]},
                          "FilterPolicyScope": "MessageBody"})")
        << attrs << true;
    QTest::newRow("body scope: numeric range fails")
        << QByteArray(R"({"FilterPolicy": {"price_usd": [{"numeric": [">=", 0, "<", 100]}]},
                          "FilterPolicyScope": "MessageBody"})")
        << attrs << false;
    QTest::newRow("body scope does not see the attributes")
        << QByteArray(R"({"FilterPolicy": {"store": ["example_corp"]}, "FilterPolicyScope": "MessageBody"})")
        << attrs << false;
    QTest::newRow("policy as JSON text")
        << QByteArray(R"({"FilterPolicy": "{\"store\": [\"example_corp\"]}"})") << attrs << true;
    QTest::newRow("Number attribute, numeric range")
        << QByteArray(R"({"FilterPolicy": {"price": [{"numeric": [">", 100, "<=", 150]}]}})")
        << QByteArray(R"({"count": 1, "rate": 1, "messageAttributes": {"price": "150"}})") << true;
    QTest::newRow("Number attribute is not its string")
        << QByteArray(R"({"FilterPolicy": {"price": ["150"]}})")
        << QByteArray(R"({"count": 1, "rate": 1, "messageAttributes": {"price": "150"}})") << false;
    QTest::newRow("exists false, $or")
        << QByteArray(
               R"({"FilterPolicy": {"$or": [{"coupon": [{"exists": true}]}, {"store": [{"suffix": "_corp"}]}]}})")
        << attrs << true;
    QTest::newRow("equals-ignore-case")
        << QByteArray(R"({"FilterPolicy": {"store": [{"equals-ignore-case": "EXAMPLE_CORP"}]}})") << attrs
        << true;
}

void TestSns::filterScope()
{
    QFETCH(QByteArray, args);
    QFETCH(QByteArray, publisher);
    QFETCH(bool, delivered);
    auto t = fanOut(Json::parse(publisher.toStdString()), {{"q", Json::parse(args.toStdString())}});
    const auto errors = validationErrors(t);
    QVERIFY2(errors.empty(), errors.empty() ? "" : errors.front().c_str());
    auto r = run(t);
    QVERIFY(r);
    QCOMPARE(eventsOf(*r, TraceKind::Enqueue, "q").size(), std::size_t(delivered ? 1 : 0));
    std::size_t filtered = 0;
    for (const auto *e : eventsOf(*r, TraceKind::Drop, "topic"))
        filtered += e->reason == DropReason::Filtered && e->peer == r->index("q");
    QCOMPARE(filtered, std::size_t(delivered ? 0 : 1));
}

void TestSns::publishSucceedsWhenFiltered()
{
    // One subscription takes the message, one does not: Publish succeeds, each gets what its policy
    // says; with no subscription at all the message is dropped (NoSubscribers), still accepted.
    auto t = fanOut(oneMessage({{"color", "red"}}), {{"red", {{"FilterPolicy", {{"color", {"red"}}}}}},
                                                     {"blue", {{"FilterPolicy", {{"color", {"blue"}}}}}}});
    auto r = run(t);
    QVERIFY(r);
    QCOMPARE(eventsOf(*r, TraceKind::Confirm, "pub").size(), std::size_t(1));
    QCOMPARE(eventsOf(*r, TraceKind::Enqueue, "red").size(), std::size_t(1));
    QCOMPARE(eventsOf(*r, TraceKind::Enqueue, "blue").size(), std::size_t(0));
    QCOMPARE(r->trace.count(TraceKind::Drop, DropReason::Filtered), std::size_t(1));

    TopologyBuilder b;
    b.node("pub", "sns-publisher", oneMessage({{"color", "red"}}))
        .node("topic", "sns-topic")
        .link("pub", "topic");
    auto lonely = run(b.topology());
    QVERIFY(lonely);
    QCOMPARE(eventsOf(*lonely, TraceKind::Confirm, "pub").size(), std::size_t(1));
    QCOMPARE(lonely->trace.count(TraceKind::Drop, DropReason::NoSubscribers), std::size_t(1));
}

void TestSns::rawVsEnvelope()
{
    const auto spec = snsTopicKind();
    const Json props = Json::object();
    NodeSetup setup{"orders", 0, PropertyBag(spec.properties, props), {}};
    setup.bindings.push_back({0, "wrapped-q", Json::object()});
    setup.bindings.push_back({1, "raw-q", {{"RawMessageDelivery", "true"}}});
    auto topic = spec.factory(setup);
    Context ctx;
    ctx.ports[SnsTopicPort::Sqs] = {0, 1};
    topic->start(ctx);

    auto m = std::make_shared<Message>();
    m->id = 42;
    m->size = 100;
    m->headers = {{"store", "example_corp"}};
    m->fields = {{"price_usd", "210.75", 210.75, true}};
    auto req = std::make_shared<SnsPublishRequest>();
    req->attributes = {{"store", "String", "example_corp"}, {"quantity", "Number", "3"}};
    Frame f;
    f.type = FrameType::SnsPublish;
    f.tag = 7;
    f.message = m;
    f.body = req;
    topic->onFrame(ctx, 9, f);

    // The publisher's response: 200.
    QCOMPARE(ctx.sent[9].size(), std::size_t(1));
    QVERIFY(ctx.sent[9][0].type == FrameType::SnsPublishResponse);
    QCOMPARE(ctx.sent[9][0].status, SnsStatus::Ok);
    QCOMPARE(ctx.sent[9][0].tag, std::uint64_t(7));

    // Raw: the message as published, its attributes as the SQS message's attributes.
    QCOMPARE(ctx.sent[1].size(), std::size_t(1));
    QVERIFY(ctx.sent[1][0].type == FrameType::SendMessage);
    QVERIFY(ctx.sent[1][0].message == m);

    // Enveloped: the JSON notification as the body, no SQS message attributes, the same id.
    QCOMPARE(ctx.sent[0].size(), std::size_t(1));
    const Message &w = *ctx.sent[0][0].message;
    QCOMPARE(w.id, std::uint64_t(42));
    QVERIFY(w.headers.empty());
    QVERIFY(w.size > m->size);
    std::map<std::string, std::string> env;
    for (const auto &field : w.fields)
        env[field.name] = field.text;
    QCOMPARE(env["Type"], std::string("Notification"));
    QCOMPARE(env["TopicArn"], std::string("arn:aws:sns:us-east-1:123456789012:orders"));
    QVERIFY(!env["MessageId"].empty());
    QVERIFY(env.count("Timestamp") && env.count("SignatureVersion") && env.count("Signature") &&
            env.count("SigningCertURL") && env.count("UnsubscribeURL"));
    QVERIFY(Json::parse(env["Message"]) == Json({{"price_usd", 210.75}}));
    const Json attrs = Json::parse(env["MessageAttributes"]);
    QVERIFY(attrs["store"] == Json({{"Type", "String"}, {"Value", "example_corp"}}));
    QVERIFY(attrs["quantity"] == Json({{"Type", "Number"}, {"Value", "3"}}));
}

void TestSns::retrySchedule_data()
{
    QTest::addColumn<QByteArray>("policy");    // healthyRetryPolicy; empty: SQS (AWS managed)
    QTest::addColumn<QList<double>>("delays"); // seconds before retries 1.., then none
    QTest::newRow("HTTP default: 3 retries 20 s apart") << QByteArray("{}") << QList<double>{20, 20, 20};
    QTest::newRow("linear 10..40") << QByteArray(
                                          R"({"minDelayTarget": 10, "maxDelayTarget": 40, "numRetries": 4})")
                                   << QList<double>{10, 20, 30, 40};
    QTest::newRow("phases")
        << QByteArray(R"({"minDelayTarget": 1, "maxDelayTarget": 9, "numRetries": 7, "numNoDelayRetries": 2,
                          "numMinDelayRetries": 1, "numMaxDelayRetries": 2, "backoffFunction": "linear"})")
        << QList<double>{0, 0, 1, 1, 9, 9, 9};
    QTest::newRow("exponential 1..16")
        << QByteArray(
               R"({"minDelayTarget": 1, "maxDelayTarget": 16, "numRetries": 5, "backoffFunction": "exponential"})")
        << QList<double>{1, 2, 4, 8, 16};
    QTest::newRow("arithmetic 2..18")
        << QByteArray(
               R"({"minDelayTarget": 2, "maxDelayTarget": 18, "numRetries": 3, "backoffFunction": "arithmetic"})")
        << QList<double>{2, 6, 18};
    QTest::newRow("geometric 2..18")
        << QByteArray(
               R"({"minDelayTarget": 2, "maxDelayTarget": 18, "numRetries": 3, "backoffFunction": "geometric"})")
        << QList<double>{2, 2 + 16 * std::sqrt(0.5), 18};
    QTest::newRow("no retries") << QByteArray(R"({"numRetries": 0})") << QList<double>{};
}

void TestSns::retrySchedule()
{
    QFETCH(QByteArray, policy);
    QFETCH(QList<double>, delays);
    std::vector<SnsAttributeProblem> problems;
    const Json args = {{"DeliveryPolicy", {{"healthyRetryPolicy", Json::parse(policy.toStdString())}}}};
    const auto attrs = parseSnsSubscription(args, true, problems);
    QVERIFY(problems.empty());
    for (int i = 0; i < delays.size(); ++i)
        QCOMPARE(attrs.delivery.delayBefore(i + 1), SimTime(std::llround(delays[i] * 1000)) * kMillisecond);
    QCOMPARE(attrs.delivery.delayBefore(delays.size() + 1), SimTime(-1));

    // SQS subscriptions: SNS's policy for AWS managed endpoints, 100,015 retries over days.
    const auto sqs = parseSnsSubscription(Json::object(), false, problems).delivery;
    QCOMPARE(sqs.delayBefore(1), SimTime(0));
    QCOMPARE(sqs.delayBefore(3), SimTime(0));
    QCOMPARE(sqs.delayBefore(4), kSecond);
    QCOMPARE(sqs.delayBefore(5), kSecond);
    QCOMPARE(sqs.delayBefore(6), kSecond);       // the backoff phase begins at 1 s...
    QCOMPARE(sqs.delayBefore(15), 20 * kSecond); // ... and ends at 20 s
    QCOMPARE(sqs.delayBefore(100015), 20 * kSecond);
    QCOMPARE(sqs.delayBefore(100016), SimTime(-1));
}

void TestSns::httpRetries_data()
{
    QTest::addColumn<QByteArray>("endpoint");
    QTest::addColumn<QByteArray>("args");
    QTest::addColumn<int>("attempts");
    QTest::addColumn<QList<double>>("gaps"); // seconds between an attempt's failure and the next attempt
    QTest::addColumn<int>("timeouts");
    QTest::addColumn<int>("reason"); // of the final Drop; -1: delivered
    QTest::newRow("500, default policy: 3 retries 20 s apart")
        << QByteArray(R"({"failureProbability": 1, "failureStatus": 500})") << QByteArray("{}") << 4
        << QList<double>{20, 20, 20} << 0 << int(DropReason::RetriesExhausted);
    QTest::newRow("no answer: 15 s timeouts, then retries")
        << QByteArray(R"({"outageFor": "10min", "outageStatus": 0})") << QByteArray("{}") << 4
        << QList<double>{20, 20, 20} << 4 << int(DropReason::RetriesExhausted);
    QTest::newRow("custom policy: 2 immediate, then 5 s")
        << QByteArray(R"({"failureProbability": 1, "failureStatus": 503})")
        << QByteArray(R"({"DeliveryPolicy": {"healthyRetryPolicy": {"numRetries": 3, "numNoDelayRetries": 2,
                          "minDelayTarget": 5, "maxDelayTarget": 5}}})")
        << 4 << QList<double>{0, 0, 5} << 0 << int(DropReason::RetriesExhausted);
    QTest::newRow("outage with 503 ends: delivered on a retry")
        << QByteArray(R"({"outageFor": "30s", "outageStatus": 503})") << QByteArray("{}") << 3
        << QList<double>{20, 20} << 0 << -1;
    QTest::newRow("4xx is a client error: no retry")
        << QByteArray(R"({"failureProbability": 1, "failureStatus": 404})") << QByteArray("{}") << 1
        << QList<double>{} << 0 << int(DropReason::Rejected);
    QTest::newRow("status outside 200-599 is retried")
        << QByteArray(R"({"failureProbability": 1, "failureStatus": 150})")
        << QByteArray(R"({"DeliveryPolicy": {"healthyRetryPolicy": {"numRetries": 1}}})") << 2
        << QList<double>{20} << 0 << int(DropReason::RetriesExhausted);
}

void TestSns::httpRetries()
{
    QFETCH(QByteArray, endpoint);
    QFETCH(QByteArray, args);
    QFETCH(int, attempts);
    QFETCH(QList<double>, gaps);
    QFETCH(int, timeouts);
    QFETCH(int, reason);
    TopologyBuilder b;
    b.node("pub", "sns-publisher", oneMessage({{"k", "v"}}))
        .node("topic", "sns-topic")
        .node("web", "http-endpoint", Json::parse(endpoint.toStdString()))
        .link("pub", "topic")
        .link("topic", "web", {}, "https");
    Topology t = b.topology();
    t.bindings.push_back({"topic", "web", "", Json::parse(args.toStdString())});
    const auto errors = validationErrors(t);
    QVERIFY2(errors.empty(), errors.empty() ? "" : errors.front().c_str());
    auto r = run(t, 3600 * kSecond);
    QVERIFY(r);
    std::vector<SimTime> sends, failures;
    for (const auto &e : r->trace.events) {
        if (e.kind == TraceKind::Send && e.frame == FrameType::SnsNotification) sends.push_back(e.time);
        if (e.node == r->index("topic") && (e.kind == TraceKind::Nack || e.kind == TraceKind::Timeout))
            failures.push_back(e.time);
    }
    QCOMPARE(int(sends.size()), attempts);
    QCOMPARE(int(eventsOf(*r, TraceKind::Timeout, "topic").size()), timeouts);
    for (const auto *e : eventsOf(*r, TraceKind::Timeout, "topic")) {
        const auto i = std::size_t(e->deliveryCount - 1);
        QCOMPARE(e->time - sends[i], SnsLimit::HttpTimeout);
    }
    QCOMPARE(int(eventsOf(*r, TraceKind::Retry, "topic").size()), attempts - 1);
    for (int i = 0; i < gaps.size(); ++i)
        QCOMPARE(sends[std::size_t(i) + 1] - failures[std::size_t(i)],
                 SimTime(gaps[i] * 1000) * kMillisecond);
    const auto drops = eventsOf(*r, TraceKind::Drop, "topic");
    if (reason < 0) {
        QVERIFY(drops.empty());
        QCOMPARE(eventsOf(*r, TraceKind::Process, "web").size(), std::size_t(1));
    } else {
        QCOMPARE(drops.size(), std::size_t(1));
        QCOMPARE(int(drops[0]->reason), reason);
        QCOMPARE(drops[0]->peer, r->index("web"));
        QCOMPARE(int(drops[0]->deliveryCount), attempts);
        QCOMPARE(eventsOf(*r, TraceKind::Process, "web").size(), std::size_t(0));
    }
}

void TestSns::duplicateAfterLostReply()
{
    // The endpoint processes each POST but answers after SNS's 15 s timeout: SNS counts every attempt
    // as failed and retries, and the endpoint processes the message again each time. At-least-once:
    // the pub-sub checker reports the duplicates.
    TopologyBuilder b;
    b.node("pub", "sns-publisher", oneMessage({{"k", "v"}}))
        .node("topic", "sns-topic")
        .node("web", "http-endpoint", {{"latency", "16s"}})
        .link("pub", "topic")
        .link("topic", "web", {}, "https");
    Topology t = b.topology();
    auto r = prepare(t);
    QVERIFY(r);
    PubSubChecker pubsub(std::vector<std::string>(t.nodes.size()));
    r->sim->addSink(&pubsub);
    RunOptions o;
    o.until = 600 * kSecond;
    r->sim->run(o);
    QCOMPARE(eventsOf(*r, TraceKind::Process, "web").size(), std::size_t(4));
    QCOMPARE(eventsOf(*r, TraceKind::Timeout, "topic").size(), std::size_t(4));
    QCOMPARE(pubsub.byQos()[0].copies, std::uint64_t(1));
    QCOMPARE(pubsub.byQos()[0].duplicates, std::uint64_t(3));
    QCOMPARE(pubsub.byQos()[0].lost, std::uint64_t(0));
}

void TestSns::deadLetterAfterRetries()
{
    TopologyBuilder b;
    b.node("pub", "sns-publisher", oneMessage({{"k", "v"}}))
        .node("topic", "sns-topic")
        .node("web", "http-endpoint", {{"failureProbability", 1}})
        .node("dlq", "sqs-queue")
        .link("pub", "topic")
        .link("topic", "web", {}, "https")
        .link("topic", "dlq", {}, "deadLetter");
    Topology t = b.topology();
    t.bindings.push_back(
        {"topic",
         "web",
         "",
         {{"RedrivePolicy", {{"deadLetterTargetArn", "arn:aws:sqs:us-east-1:123456789012:dlq"}}},
          {"DeliveryPolicy", {{"healthyRetryPolicy", {{"numRetries", 2}}}}}}});
    const auto errors = validationErrors(t);
    QVERIFY2(errors.empty(), errors.empty() ? "" : errors.front().c_str());
    auto r = run(t);
    QVERIFY(r);
    const auto drops = eventsOf(*r, TraceKind::Drop, "topic");
    QCOMPARE(drops.size(), std::size_t(1));
    QVERIFY(drops[0]->reason == DropReason::RetriesExhausted);
    QCOMPARE(int(drops[0]->deliveryCount), 3);
    const auto dl = eventsOf(*r, TraceKind::DeadLetter, "topic");
    QCOMPARE(dl.size(), std::size_t(1));
    QCOMPARE(dl[0]->peer, r->index("dlq"));
    QCOMPARE(eventsOf(*r, TraceKind::Enqueue, "dlq").size(), std::size_t(1));
    // Without a RedrivePolicy the message is discarded.
    t.bindings[0].arguments.erase("RedrivePolicy");
    auto discarded = run(t);
    QVERIFY(discarded);
    QCOMPARE(eventsOf(*discarded, TraceKind::DeadLetter, "topic").size(), std::size_t(0));
    QCOMPARE(eventsOf(*discarded, TraceKind::Enqueue, "dlq").size(), std::size_t(0));
}

void TestSns::sqsClientErrorNotRetried()
{
    // A message larger than the queue's maximumMessageSize is refused (InvalidParameterValue): a
    // client error, which SNS does not retry; it goes to the subscription's dead-letter queue.
    TopologyBuilder b;
    b.node("pub", "sns-publisher", {{"script", Json::array({{{"at", 0}, {"size", 4096}}})}})
        .node("topic", "sns-topic")
        .node("small", "sqs-queue", {{"maximumMessageSize", 1024}})
        .node("dlq", "sqs-queue")
        .link("pub", "topic")
        .link("topic", "small")
        .link("topic", "dlq", {}, "deadLetter");
    Topology t = b.topology();
    t.bindings.push_back(
        {"topic",
         "small",
         "",
         {{"RawMessageDelivery", true}, {"RedrivePolicy", {{"deadLetterTargetArn", "dlq"}}}}});
    QVERIFY(validationErrors(t).empty());
    auto r = run(t);
    QVERIFY(r);
    QCOMPARE(eventsOf(*r, TraceKind::Retry, "topic").size(), std::size_t(0));
    const auto nacks = eventsOf(*r, TraceKind::Nack, "topic");
    QCOMPARE(nacks.size(), std::size_t(1));
    QCOMPARE(nacks[0]->status, SqsError::InvalidParameterValue);
    const auto drops = eventsOf(*r, TraceKind::Drop, "topic");
    QCOMPARE(drops.size(), std::size_t(1));
    QVERIFY(drops[0]->reason == DropReason::Rejected);
    QCOMPARE(eventsOf(*r, TraceKind::Enqueue, "dlq").size(), std::size_t(1));
}

void TestSns::fifoTopic()
{
    // FIFO: MessageGroupId required; a deduplication id seen within 5 minutes is not delivered again;
    // the SQS FIFO queue gets the group id.
    Json script = Json::array({{{"at", 0}, {"messageGroupId", "g1"}, {"deduplicationId", "a"}},
                               {{"at", 10}, {"messageGroupId", "g1"}, {"deduplicationId", "a"}},
                               {{"at", 20}, {"messageGroupId", "g2"}, {"deduplicationId", "b"}},
                               {{"at", 30}, {"deduplicationId", "c"}}});
    TopologyBuilder b;
    b.node("pub", "sns-publisher", {{"script", script}})
        .node("topic", "sns-topic", {{"fifo", true}})
        .node("q", "sqs-queue", {{"fifo", true}})
        .node("c", "sqs-consumer")
        .link("pub", "topic")
        .link("topic", "q")
        .link("q", "c", {}, "receive");
    QVERIFY(validationErrors(b.topology()).empty());
    auto r = run(b.topology());
    QVERIFY(r);
    QCOMPARE(eventsOf(*r, TraceKind::Enqueue, "q").size(), std::size_t(2));
    std::size_t deduplicated = 0, refused = 0;
    for (const auto *e : eventsOf(*r, TraceKind::Drop, "topic")) {
        deduplicated += e->reason == DropReason::Deduplicated;
        refused += e->reason == DropReason::RejectPublish && e->status == SnsStatus::InvalidParameter;
    }
    QCOMPARE(deduplicated, std::size_t(1));
    QCOMPARE(refused, std::size_t(1)); // the publish without a MessageGroupId
    QCOMPARE(eventsOf(*r, TraceKind::Confirm, "pub").size(), std::size_t(3));
    QCOMPARE(eventsOf(*r, TraceKind::Process, "c").size(), std::size_t(2));
}

void TestSns::badSubscriptions_data()
{
    QTest::addColumn<QByteArray>("args");
    QTest::addColumn<QString>("port");
    QTest::addColumn<QString>("path");
    QTest::addColumn<QString>("reason");
    const QString a = "$.bindings[0].arguments";
    QTest::newRow("filter policy operator")
        << QByteArray(R"({"FilterPolicy": {"price": [{"numeric": [">", 1, "<", "x"]}]}})") << "sqs"
        << a + ".FilterPolicy.price[0].numeric[3]"
        << "expected a number";
    QTest::newRow("filter policy not an object")
        << QByteArray(R"({"FilterPolicy": 3})") << "sqs" << a + ".FilterPolicy"
        << "JSON object";
    QTest::newRow("nested policy in attribute scope")
        << QByteArray(R"({"FilterPolicy": {"a": {"b": ["c"]}}})") << "sqs" << a + ".FilterPolicy.a"
        << "MessageBody";
    QTest::newRow("scope") << QByteArray(R"({"FilterPolicyScope": "Body"})") << "sqs"
                           << a + ".FilterPolicyScope"
                           << "MessageAttributes";
    QTest::newRow("unknown attribute")
        << QByteArray(R"({"RawMessageDelivry": true})") << "sqs" << a + ".RawMessageDelivry"
        << "did you mean 'RawMessageDelivery'";
    QTest::newRow("raw not a boolean")
        << QByteArray(R"({"RawMessageDelivery": "yes"})") << "sqs" << a + ".RawMessageDelivery"
        << "true or false";
    QTest::newRow("delivery policy on SQS")
        << QByteArray(R"({"DeliveryPolicy": {}})") << "sqs" << a + ".DeliveryPolicy"
        << "only HTTP/S";
    QTest::newRow("numRetries over 100")
        << QByteArray(R"({"DeliveryPolicy": {"healthyRetryPolicy": {"numRetries": 101}}})") << "https"
        << a + ".DeliveryPolicy.healthyRetryPolicy.numRetries"
        << "maximum of 100";
    QTest::newRow("total retry time over 3600 s")
        << QByteArray(R"({"DeliveryPolicy": {"healthyRetryPolicy": {"numRetries": 100, "minDelayTarget": 60,
                          "maxDelayTarget": 60}}})")
        << "https" << a + ".DeliveryPolicy.healthyRetryPolicy"
        << "3,600 seconds";
    QTest::newRow("min above max")
        << QByteArray(
               R"({"DeliveryPolicy": {"healthyRetryPolicy": {"minDelayTarget": 30, "maxDelayTarget": 10}}})")
        << "https" << a + ".DeliveryPolicy.healthyRetryPolicy.minDelayTarget"
        << "more than maxDelayTarget";
    QTest::newRow("phases beyond numRetries")
        << QByteArray(
               R"({"DeliveryPolicy": {"healthyRetryPolicy": {"numRetries": 2, "numNoDelayRetries": 3}}})")
        << "https" << a + ".DeliveryPolicy.healthyRetryPolicy"
        << "more than numRetries";
    QTest::newRow("huge maxDelayTarget")
        << QByteArray(R"({"DeliveryPolicy": {"healthyRetryPolicy": {"maxDelayTarget": 1e15}}})") << "https"
        << a + ".DeliveryPolicy.healthyRetryPolicy.maxDelayTarget"
        << "at most 3,600 seconds";
    QTest::newRow("backoff function")
        << QByteArray(R"({"DeliveryPolicy": {"healthyRetryPolicy": {"backoffFunction": "quadratic"}}})")
        << "https" << a + ".DeliveryPolicy.healthyRetryPolicy.backoffFunction"
        << "arithmetic, exponential, geometric";
    QTest::newRow("dead-letter queue not linked")
        << QByteArray(R"({"RedrivePolicy": {"deadLetterTargetArn": "nowhere"}})") << "sqs"
        << a + ".RedrivePolicy.deadLetterTargetArn"
        << "not linked";
    QTest::newRow("binding key") << QByteArray("{}") << "sqs"
                                 << "$.bindings[0].key"
                                 << "no binding key";
}

void TestSns::badSubscriptions()
{
    QFETCH(QByteArray, args);
    QFETCH(QString, port);
    QFETCH(QString, path);
    QFETCH(QString, reason);
    TopologyBuilder b;
    b.node("pub", "sns-publisher").node("topic", "sns-topic").link("pub", "topic");
    if (port == "sqs")
        b.node("sub", "sqs-queue").node("c", "sqs-consumer").link("sub", "c", {}, "receive");
    else
        b.node("sub", "http-endpoint");
    b.link("topic", "sub", {}, port.toStdString());
    Topology t = b.topology();
    t.bindings.push_back({"topic", "sub", QTest::currentDataTag() == QString("binding key") ? "orders" : "",
                          Json::parse(args.toStdString())});
    const auto errors = validationErrors(t);
    QVERIFY(!errors.empty());
    const std::string want = path.toStdString() + ": ";
    bool found = false;
    for (const auto &e : errors)
        if (e.rfind(want, 0) == 0 && e.find(reason.toStdString()) != std::string::npos) found = true;
    if (!found)
        for (const auto &e : errors)
            qWarning("%s", e.c_str());
    QVERIFY(found);
}

void TestSns::badLinks_data()
{
    QTest::addColumn<bool>("fifoTopic");
    QTest::addColumn<QString>("port");
    QTest::addColumn<QString>("peer");   // "fifo-queue", "queue", "endpoint"
    QTest::addColumn<QString>("reason"); // empty: valid
    QTest::newRow("standard topic to standard queue") << false << "sqs"
                                                      << "queue"
                                                      << "";
    QTest::newRow("FIFO topic to FIFO queue") << true << "sqs"
                                              << "fifo-queue"
                                              << "";
    QTest::newRow("FIFO topic to standard queue") << true << "sqs"
                                                  << "queue"
                                                  << "";
    QTest::newRow("FIFO queue on a standard topic") << false << "sqs"
                                                    << "fifo-queue"
                                                    << "FIFO topic only";
    QTest::newRow("FIFO topic to HTTPS") << true << "https"
                                         << "endpoint"
                                         << "SQS queues only";
    QTest::newRow("standard topic, FIFO dead-letter queue") << false << "deadLetter"
                                                            << "fifo-queue"
                                                            << "standard dead-letter queue";
    QTest::newRow("FIFO topic, standard dead-letter queue") << true << "deadLetter"
                                                            << "queue"
                                                            << "FIFO dead-letter queue";
}

void TestSns::badLinks()
{
    QFETCH(bool, fifoTopic);
    QFETCH(QString, port);
    QFETCH(QString, peer);
    QFETCH(QString, reason);
    TopologyBuilder b;
    b.node("pub", "sns-publisher").node("topic", "sns-topic", {{"fifo", fifoTopic}}).link("pub", "topic");
    if (peer == "endpoint")
        b.node("sub", "http-endpoint");
    else
        b.node("sub", "sqs-queue", {{"fifo", peer == "fifo-queue"}})
            .node("c", "sqs-consumer")
            .link("sub", "c", {}, "receive");
    b.link("topic", "sub", {}, port.toStdString());
    const auto errors = validationErrors(b.topology());
    if (reason.isEmpty()) {
        QVERIFY2(errors.empty(), errors.empty() ? "" : errors.front().c_str());
        return;
    }
    bool found = false;
    for (const auto &e : errors)
        found = found || (e.rfind("$.links[", 0) == 0 && e.find("link \"topic-sub:") != std::string::npos &&
                          e.find(reason.toStdString()) != std::string::npos);
    for (const auto &e : errors)
        if (!found) qWarning("%s", e.c_str());
    QVERIFY(found);
}

void TestSns::fifoOrderPerGroup()
{
    // The FIFO queue throttles SendMessage (a quota of 1 request/s): SNS retries the throttled
    // deliveries, and the later messages of a group wait for them, so the queue stores each group's
    // messages in publish order.
    Json script = Json::array();
    for (int i = 0; i < 6; ++i)
        script.push_back(
            {{"at", i}, {"messageGroupId", i % 2 ? "odd" : "even"}, {"deduplicationId", "d{seq}"}});
    TopologyBuilder b;
    b.node("pub", "sns-publisher", {{"script", script}})
        .node("topic", "sns-topic", {{"fifo", true}})
        .node("q", "sqs-queue", {{"fifo", true}, {"throughputQuota", 1}})
        .node("c", "sqs-consumer")
        .link("pub", "topic")
        .link("topic", "q")
        .link("q", "c", {}, "receive");
    QVERIFY(validationErrors(b.topology()).empty());
    auto r = run(b.topology());
    QVERIFY(r);
    QVERIFY(!eventsOf(*r, TraceKind::Retry, "topic").empty()); // throttled deliveries were retried
    const auto enq = eventsOf(*r, TraceKind::Enqueue, "q");
    QCOMPARE(enq.size(), std::size_t(6));
    std::map<std::uint64_t, int> last; // per group (id parity), the last id stored
    for (const auto *e : enq) {
        const int group = int(e->messageId % 2);
        QVERIFY2(e->messageId > std::uint64_t(last[std::uint64_t(group)]), "a group's messages out of order");
        last[std::uint64_t(group)] = int(e->messageId);
    }
}

void TestSns::topicCrashKeepsDeliveries()
{
    // The endpoint is down for 60 s; the topic crashes meanwhile. SNS keeps its deliveries: after
    // the restart it attempts them again, and once the endpoint is back each message arrives.
    TopologyBuilder b;
    b.node("pub", "sns-publisher", {{"script", Json::array({{{"at", 0}}, {{"at", 10}}})}})
        .node("topic", "sns-topic")
        .node("web", "http-endpoint", {{"outageFor", "50s"}, {"outageStatus", 503}})
        .link("pub", "topic")
        .link("topic", "web", {}, "https");
    Topology t = b.topology();
    FaultDef crash;
    crash.id = "crash-topic";
    crash.kind = "crash";
    crash.target = "topic";
    crash.start = 5 * kSecond;
    crash.duration = 10 * kSecond;
    t.faults.push_back(crash);
    const auto errors = validationErrors(t);
    QVERIFY2(errors.empty(), errors.empty() ? "" : errors.front().c_str());
    auto r = run(t);
    QVERIFY(r);
    QCOMPARE(eventsOf(*r, TraceKind::Process, "web").size(), std::size_t(2));
    QCOMPARE(eventsOf(*r, TraceKind::Drop, "topic").size(), std::size_t(0));
}

void TestSns::explainRoute()
{
    const auto spec = snsTopicKind();
    const Json props = Json::object();
    const PropertyBag bag(spec.properties, props);
    RouteMessage m;
    m.headers = {{"store", "example_corp"}, {"price", "150"}};
    m.fields = {{"country", "DE"}};
    std::vector<RouteOutput> outs(4);
    outs[0].port = "sqs";
    outs[0].hasBinding = true;
    outs[0].bindingArguments = {{"FilterPolicy", {{"price", {{{"numeric", {">", 100}}}}}}}};
    outs[1].port = "sqs";
    outs[1].hasBinding = true;
    outs[1].bindingArguments = {{"FilterPolicy", {{"country", {"US"}}}},
                                {"FilterPolicyScope", "MessageBody"}};
    outs[2].port = "https";
    outs[3].port = "deadLetter";
    const auto a = spec.explainRoute({bag, m, outs, "publish"});
    QCOMPARE(a.verdicts.size(), std::size_t(4));
    QVERIFY(a.verdicts[0].taken);
    QVERIFY(!a.verdicts[1].taken);
    QVERIFY2(a.verdicts[1].why.find("country") != std::string::npos, a.verdicts[1].why.c_str());
    QVERIFY(a.verdicts[2].taken);
    QVERIFY(!a.verdicts[3].taken);
    // Enveloped (no RawMessageDelivery): the subscriber sees the notification, not the attributes.
    QVERIFY(a.verdicts[0].message && a.verdicts[0].message->headers.empty());
    QVERIFY(a.verdicts[0].message->field("Type") && *a.verdicts[0].message->field("Type") == "Notification");
    QVERIFY(a.note.find("2 of 3") != std::string::npos);

    // The publisher fills in its attributes unless given.
    const auto pubSpec = snsPublisherKind();
    const Json pubProps = {{"messageAttributes", {{"store", "example_corp"}}}};
    const PropertyBag pubBag(pubSpec.properties, pubProps);
    RouteMessage empty;
    std::vector<RouteOutput> one(1);
    const auto p = pubSpec.explainRoute({pubBag, empty, one, ""});
    QVERIFY(p.verdicts.size() == 1 && p.verdicts[0].taken && p.verdicts[0].message);
    QVERIFY(p.verdicts[0].message->header("store") &&
            *p.verdicts[0].message->header("store") == "example_corp");
}

// sns-fanout.json: three queues subscribe to one topic. "all-orders" (no filter, enveloped) gets
// every order; "cancellations" (attributes: event_type order_cancelled, raw) only cancellations;
// "big-us-orders" (MessageBody: country US and total >= 300) only those orders.
void TestSns::fanoutExample()
{
    const auto loaded = loadTopologyFile(std::string(SIGNALBOX_EXAMPLES_DIR) + "/sns-fanout.json");
    QVERIFY2(loaded.ok(), loaded.errorText().c_str());
    auto r = prepare(*loaded.topology);
    QVERIFY(r);
    MessageSink messages;
    PubSubChecker pubsub(std::vector<std::string>(loaded.topology->nodes.size()));
    r->sim->addSink(&messages);
    r->sim->addSink(&pubsub);
    RunOptions o;
    o.until = kNever;
    r->sim->run(o);
    std::set<std::uint64_t> all, cancelled, bigUs;
    for (const auto &[id, m] : messages.messages) {
        all.insert(id);
        const std::string *event = m.header("event_type");
        if (event && *event == "order_cancelled") cancelled.insert(id);
        const Field *country = m.field("country"), *total = m.field("total");
        if (country && total && country->text == "US" && total->numeric && total->number >= 300)
            bigUs.insert(id);
    }
    QCOMPARE(all.size(), std::size_t(60));
    QVERIFY(!cancelled.empty() && cancelled.size() < all.size());
    QVERIFY(!bigUs.empty() && bigUs.size() < all.size());
    auto enqueued = [&](const std::string &q) {
        std::set<std::uint64_t> ids;
        for (const auto *e : eventsOf(*r, TraceKind::Enqueue, q))
            ids.insert(e->messageId);
        return ids;
    };
    QVERIFY(enqueued("all-orders") == all);
    QVERIFY(enqueued("cancellations") == cancelled);
    QVERIFY(enqueued("big-us-orders") == bigUs);
    // Each consumer processed what its queue got; no copy was lost.
    QCOMPARE(eventsOf(*r, TraceKind::Process, "billing").size(), all.size());
    QCOMPARE(eventsOf(*r, TraceKind::Process, "refunds").size(), cancelled.size());
    QCOMPARE(eventsOf(*r, TraceKind::Process, "fraud-review").size(), bigUs.size());
    QCOMPARE(pubsub.byQos()[0].copies, std::uint64_t(all.size() + cancelled.size() + bigUs.size()));
    QCOMPARE(pubsub.byQos()[0].lost, std::uint64_t(0));
}

QTEST_GUILESS_MAIN(TestSns)
#include "tst_sns.moc"
