// The SQS examples show what their descriptions promise.
#include "sqstest.h"

#include <map>

using namespace sb;
using namespace sbtest;

class TestSqsExamples : public QObject {
    Q_OBJECT
private slots:
    void standardVsFifo_data();
    void standardVsFifo();
    void longVsShortPolling();
};

namespace {

// Each message's key, as its producer announced it.
class KeySink final : public TraceSink {
public:
    void onEvent(const TraceEvent &) override {}
    void onMessage(const Message &m) override { keys[m.id] = m.key; }
    std::map<std::uint64_t, std::string> keys;
};

struct Outcome {
    std::size_t processed = 0;  // Process events
    std::size_t distinct = 0;   // messages processed at least once
    std::size_t outOfOrder = 0; // first processings after a later message of the same key
};

Outcome outcomeOf(const Run &r, const KeySink &keys, const std::string &queue)
{
    const NodeIndex q = r.index(queue);
    Outcome o;
    std::map<std::uint64_t, int> seen;
    std::map<std::string, std::uint64_t> highest;
    for (const auto &e : r.trace.events) {
        if (e.kind != TraceKind::Process || e.peer != q) continue;
        ++o.processed;
        if (seen[e.messageId]++) continue;
        auto &h = highest[keys.keys.at(e.messageId)];
        if (e.messageId < h) ++o.outOfOrder;
        h = std::max(h, e.messageId);
    }
    o.distinct = seen.size();
    return o;
}

} // namespace

void TestSqsExamples::standardVsFifo_data()
{
    QTest::addColumn<QString>("queue");
    QTest::addColumn<bool>("fifo");
    QTest::newRow("standard") << "standard" << false;
    QTest::newRow("FIFO") << "fifo" << true;
}

void TestSqsExamples::standardVsFifo()
{
    QFETCH(QString, queue);
    QFETCH(bool, fifo);
    const auto loaded = loadTopologyFile(std::string(SIGNALBOX_EXAMPLES_DIR) + "/sqs-standard-vs-fifo.json");
    QVERIFY2(loaded.ok(), loaded.errorText().c_str());
    auto r = prepare(*loaded.topology);
    QVERIFY(r);
    KeySink keys;
    r->sim->addSink(&keys);
    RunOptions o;
    r->reason = r->sim->run(o);
    QCOMPARE(r->reason, StopReason::Quiescent);
    const Outcome out = outcomeOf(*r, keys, queue.toStdString());
    qInfo("%s: %zu processings of %zu messages, %zu out of order per key", qPrintable(queue), out.processed,
          out.distinct, out.outOfOrder);
    QCOMPARE(out.distinct, std::size_t(200)); // nothing lost
    if (fifo) {
        QCOMPARE(out.processed, std::size_t(200)); // exactly once
        QCOMPARE(out.outOfOrder, std::size_t(0));  // in order per message group
    } else {
        QVERIFY2(out.processed > 200, "duplicates without any fault");
        QVERIFY2(out.outOfOrder > 0, "best-effort order per key");
    }
}

void TestSqsExamples::longVsShortPolling()
{
    auto r = runExample("sqs-long-vs-short-polling.json");
    QVERIFY(r);
    QCOMPARE(r->reason, StopReason::Quiescent);
    auto emptyAt = [&](const char *queue) {
        std::size_t n = 0;
        for (const auto &e : r->trace.events)
            n += e.kind == TraceKind::Send && e.node == r->index(queue) &&
                 e.frame == FrameType::ReceiveMessage && e.deliveryCount == 0;
        return n;
    };
    const std::size_t shortEmpty = emptyAt("short-queue"), longEmpty = emptyAt("long-queue");
    qInfo("empty receives: short polling %zu, long polling %zu", shortEmpty, longEmpty);
    QVERIFY2(shortEmpty > 1000, std::to_string(shortEmpty).c_str());
    QCOMPARE(longEmpty, std::size_t(0));
    QCOMPARE(r->trace.countAt(TraceKind::Process, r->index("short-poller")), std::size_t(20));
    QCOMPARE(r->trace.countAt(TraceKind::Process, r->index("long-poller")), std::size_t(20));
}

QTEST_GUILESS_MAIN(TestSqsExamples)
#include "tst_sqsexamples.moc"
