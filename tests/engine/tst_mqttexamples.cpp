// The bundled MQTT example shows what it says: on the dashboard's lossy link QoS 0 loses readings,
// QoS 1 duplicates some, QoS 2 neither; the late display gets the retained status.
#include "mqtttest.h"

#include <array>

using namespace sb;
using namespace sbtest;

class TestMqttExamples : public QObject {
    Q_OBJECT
private slots:
    void iotSensors();
};

void TestMqttExamples::iotSensors()
{
    auto r = runExample("mqtt-iot-sensors.json");
    QVERIFY(r);
    const NodeIndex dashboard = r->index("dashboard");
    // Per QoS: copies the broker matched for the dashboard, and what it processed of them.
    struct PerQos {
        std::size_t matched = 0, processed = 0;
        std::set<std::uint64_t> distinct;
    };
    std::array<PerQos, 3> q;
    std::map<std::uint64_t, int> qosOf;
    for (const auto &e : r->trace.events)
        if (e.kind == TraceKind::Match && e.peer == dashboard && e.epoch <= 2) {
            ++q[e.epoch].matched;
            qosOf[e.messageId] = e.epoch;
        }
    for (const auto &e : r->trace.events)
        if (e.kind == TraceKind::Process && e.node == dashboard && qosOf.count(e.messageId)) {
            auto &p = q[qosOf[e.messageId]];
            ++p.processed;
            p.distinct.insert(e.messageId);
        }
    // Readings plus the retained status (QoS 1, home/#) at QoS 1.
    QCOMPARE(q[0].matched, std::size_t(100));
    QCOMPARE(q[1].matched, std::size_t(101));
    QCOMPARE(q[2].matched, std::size_t(100));
    // QoS 0: losses, no duplicates.
    QVERIFY2(q[0].distinct.size() < q[0].matched, "QoS 0 loses readings");
    QCOMPARE(q[0].processed, q[0].distinct.size());
    // QoS 1: nothing lost, some twice.
    QCOMPARE(q[1].distinct.size(), q[1].matched);
    QVERIFY2(q[1].processed > q[1].distinct.size(), "QoS 1 duplicates readings");
    // QoS 2: exactly once.
    QCOMPARE(q[2].distinct.size(), q[2].matched);
    QCOMPARE(q[2].processed, q[2].matched);
    // The duplicates came from resends with DUP set.
    std::size_t dups = 0;
    for (const auto &e : r->trace.events)
        dups += e.kind == TraceKind::Send && e.frame == FrameType::MqttPublish &&
                (e.flags & TraceFlag::Dup) && e.peer == dashboard;
    QVERIFY(dups > 0);

    // The wall display connected at 20 s, long after the status was published, and got it retained.
    std::vector<TraceEvent> display;
    for (const auto &e : r->trace.events)
        if (e.kind == TraceKind::Process && e.node == r->index("display")) display.push_back(e);
    QCOMPARE(display.size(), std::size_t(1));
    QVERIFY(display[0].flags & TraceFlag::Retain);
    QVERIFY(display[0].time >= 20 * kSecond);
    std::uint64_t status = 0;
    for (const auto &e : r->trace.events)
        if (e.kind == TraceKind::Retain) status = e.messageId;
    QCOMPARE(display[0].messageId, status);
}

QTEST_GUILESS_MAIN(TestMqttExamples)
#include "tst_mqttexamples.moc"
